//! `405 Method Not Allowed` says which methods the resource has (`Allow`, RFC 9110 §15.5.6),
//! read from the same OpenAPI document the server publishes.

use std::{future::Future, sync::Arc};

use poem::{
    http::{header, HeaderValue, StatusCode},
    Request, Response,
};

use super::chain::{call_next, Next};

/// Path templates (segments; `{…}` matches any one segment) and the methods each answers.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods {
    routes: Vec<(Vec<String>, String)>,
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|segment| !segment.is_empty()).map(str::to_owned).collect()
}

impl AllowedMethods {
    /// The document's paths under `base`, and `extra` routes served beside the API.
    pub fn new(document: &str, base: &str, extra: &[(&str, &str)]) -> Self {
        let mut routes = Vec::new();
        if let Ok(document) = serde_json::from_str::<serde_json::Value>(document) {
            for (path, operations) in document["paths"].as_object().into_iter().flatten() {
                let methods: Vec<String> = ["get", "post", "put", "patch", "delete"]
                    .into_iter()
                    .filter(|method| operations.get(*method).is_some())
                    .map(str::to_uppercase)
                    .collect();
                routes.push((segments(&format!("{base}{path}")), methods.join(", ")));
            }
        }
        for (path, methods) in extra {
            routes.push((segments(path), (*methods).to_owned()));
        }
        Self { routes }
    }

    pub fn for_path(&self, path: &str) -> Option<&str> {
        let asked = segments(path);
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == asked.len()
                    && template.iter().zip(&asked).all(|(part, given)| {
                        (part.starts_with('{') && part.ends_with('}')) || part.starts_with(':') || part == given
                    })
            })
            .map(|(_, methods)| methods.as_str())
    }
}

/// Adds `Allow` to every 405.
pub fn add_allow(
    next: Next,
    req: Request,
    allowed: Arc<AllowedMethods>,
) -> impl Future<Output = poem::Result<Response>> + Send + 'static {
    // Shared with the request, not copied: it is looked at only for a 405.
    let uri = req.uri().clone();
    async move {
        let mut response = match call_next(&next, req).await {
            Ok(response) => response,
            Err(err) => err.into_response(),
        };
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            if let Some(methods) = allowed.for_path(uri.path()).and_then(|methods| HeaderValue::from_str(methods).ok())
            {
                response.headers_mut().insert(header::ALLOW, methods);
            }
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_one_segment_per_parameter() {
        let document = r#"{"paths": {"/links/{id}": {"get": {}, "patch": {}, "delete": {}}, "/links/{id}/consents": {"get": {}}}}"#;
        let allowed = AllowedMethods::new(document, "/api/v1", &[("/healthz", "GET")]);
        assert_eq!(allowed.for_path("/api/v1/links/abc"), Some("GET, PATCH, DELETE"));
        assert_eq!(allowed.for_path("/api/v1/links/abc/consents"), Some("GET"));
        assert_eq!(allowed.for_path("/healthz"), Some("GET"));
        assert_eq!(allowed.for_path("/api/v1/nowhere"), None);
    }
}
