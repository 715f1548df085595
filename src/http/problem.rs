//! RFC 9457 problem details: every error leaves the service as `application/problem+json`.

use poem::{
    http::{header, StatusCode},
    IntoResponse, Response,
};
use poem_openapi::{
    payload::Json,
    registry::{MetaResponses, Registry},
    types::ToJSON,
    ApiResponse, Object,
};

use crate::domain::{Invalid, Refusals};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Problem {
    /// A URI naming the problem type; `about:blank` means the status says it all.
    #[oai(rename = "type")]
    pub problem_type: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in words for a person.
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    /// For validation problems: each field that was refused and why.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<FieldProblem>>,
    /// For a refused milestone event: the milestone's current state.
    #[oai(skip_serializing_if_is_none)]
    pub state: Option<String>,
    /// For a refused milestone event: the events the current state accepts.
    #[oai(skip_serializing_if_is_none)]
    pub accepted_events: Option<Vec<String>>,
}

/// One refused field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct FieldProblem {
    /// The field's name in the request, e.g. `display_name`.
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: Option<String>) -> Self {
        Self {
            problem_type: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors: None,
            state: None,
            accepted_events: None,
        }
    }

    pub fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.to_json_string();
        let mut response = Response::builder().status(status).content_type(PROBLEM_CONTENT_TYPE).body(body);
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// When to try again after the store could not take a write.
pub const STORAGE_RETRY_AFTER_SECONDS: i64 = 30;

/// The errors an operation can answer with. Each becomes one problem response.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter the server cannot read, e.g. a cursor it did not hand out.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Also what a caller gets for something they may not see: the two must be indistinguishable.
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid request")]
    Validation(Vec<FieldProblem>),
    /// The current state does not accept the event; `accepted` lists what it would.
    #[error("event {event} not accepted in state {state}")]
    EventNotAccepted { what: &'static str, state: String, event: String, accepted: Vec<String> },
    /// `If-Match` named a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// A limit on how often this may be done was reached; `Retry-After` says when to come back.
    #[error("too many requests: {why}")]
    TooMany { why: &'static str, retry_after_seconds: i64 },
    #[error("database error: {0}")]
    Database(sea_orm::DbErr),
    /// The store cannot take writes for now (disk full, read-only, locked); nothing was stored.
    #[error("storage unavailable: {0}")]
    StorageUnavailable(sea_orm::DbErr),
    /// A stored value that does not parse; it was logged where it was found, so not again.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<sea_orm::DbErr> for ApiError {
    /// A unique constraint that fires is a conflict with another request, not a server fault.
    fn from(err: sea_orm::DbErr) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                ApiError::Conflict("This conflicts with an existing record.".into())
            }
            _ if crate::database::storage_unavailable(&err) => ApiError::StorageUnavailable(err),
            _ => ApiError::Database(err),
        }
    }
}

impl ApiError {
    /// A change made with a session cookie that did not come from the service's own pages.
    pub fn cross_site() -> Self {
        ApiError::Forbidden("A change made with a session must come from Tsunagu's own pages.")
    }

    /// A `/me/…` request whose token names no stored party (an operator's admin token): there
    /// is no account of its own to answer about.
    pub fn no_own_account() -> Self {
        ApiError::Forbidden("This token names no account of its own; use the /parties/{id} operations.")
    }

    pub fn invalid_field(field: &str, invalid: Invalid) -> Self {
        Self::Validation(vec![FieldProblem { field: field.to_owned(), message: invalid.to_string() }])
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::EventNotAccepted { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::StorageUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Database(_) | ApiError::Internal(_) | ApiError::Corrupt(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        match self {
            ApiError::BadRequest(detail) => Problem::new(status, Some(detail.clone())),
            ApiError::Unauthorized => Problem::new(status, Some("A valid bearer token or session is required.".into())),
            ApiError::Forbidden(why) => Problem::new(status, Some((*why).to_owned())),
            ApiError::NotFound => Problem::new(status, Some("No such resource.".into())),
            ApiError::Conflict(detail) => Problem::new(status, Some(detail.clone())),
            ApiError::EventNotAccepted { what, state, event, accepted } => Problem {
                state: Some(state.clone()),
                accepted_events: Some(accepted.clone()),
                ..Problem::new(
                    status,
                    Some(if accepted.is_empty() {
                        format!("A {what} that is {state} accepts no further events (asked: {event}).")
                    } else {
                        format!("A {what} that is {state} accepts {}, not {event}.", accepted.join(", "))
                    }),
                )
            },
            ApiError::PreconditionFailed => Problem::new(
                status,
                Some("The resource changed since the version named in If-Match; read it again and retry.".into()),
            ),
            ApiError::Validation(errors) => Problem {
                errors: Some(errors.clone()),
                ..Problem::new(status, Some("Some fields of the request were refused.".into()))
            },
            ApiError::TooMany { why, .. } => Problem::new(status, Some((*why).to_owned())),
            ApiError::Corrupt(_) => Problem::new(status, Some("Something went wrong on our side.".into())),
            ApiError::StorageUnavailable(_) => {
                tracing::error!(error = %self, "request refused: the database cannot take writes");
                Problem::new(
                    status,
                    Some("Nothing was stored: the service cannot write just now. Try again shortly.".into()),
                )
            }
            ApiError::Database(_) | ApiError::Internal(_) => {
                // Internals stay in the log; the client gets nothing to work with.
                tracing::error!(error = %self, "request failed");
                Problem::new(status, Some("Something went wrong on our side.".into()))
            }
        }
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        ApiError::status(self)
    }

    fn as_response(&self) -> Response {
        let mut response = self.problem().into_response();
        let retry_after = match self {
            ApiError::TooMany { retry_after_seconds, .. } => Some(*retry_after_seconds),
            ApiError::StorageUnavailable(_) => Some(STORAGE_RETRY_AFTER_SECONDS),
            _ => None,
        };
        if let Some(Ok(value)) = retry_after.map(|seconds| poem::http::HeaderValue::from_str(&seconds.to_string())) {
            response.headers_mut().insert(poem::http::header::RETRY_AFTER, value);
        }
        response
    }
}

/// Documents, once for every operation, the problem responses `ApiError` produces.
#[derive(ApiResponse)]
#[allow(dead_code)]
enum ProblemResponses {
    /// The request is malformed: unreadable JSON, a bad parameter.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid bearer token or session.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The caller's role may not do this at all, or a change made with a session cookie came
    /// from another site.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// No such resource, or one the caller may not see.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the resource's current state; for a refused milestone event,
    /// `state` and `accepted_events` say what the milestone would accept.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The request body did not arrive within the read timeout.
    #[oai(status = 408, content_type = "application/problem+json")]
    RequestTimeout(Json<Problem>),
    /// `If-Match` named a version that is no longer current.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// The request body is larger than 1 MiB.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Well-formed but refused: the `errors` member names each field and why.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// A limit on how often this may be done was reached; retry after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>),
    /// Something went wrong on the server; no details are given.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// Too many request bodies are arriving at once, or the database cannot take writes just now
    /// (disk full, read-only, locked); nothing was stored. Retry after `Retry-After` seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        ProblemResponses::meta()
    }

    fn register(registry: &mut Registry) {
        ProblemResponses::register(registry);
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

/// Turns any error that reached the top, the framework's own included, into a problem response.
pub async fn render_error(err: poem::Error) -> Response {
    if let Some(api_error) = err.downcast_ref::<ApiError>() {
        return poem::error::ResponseError::as_response(api_error);
    }
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(error = %err, "request failed");
        return Problem::new(status, Some("Something went wrong on our side.".into())).into_response();
    }
    let detail = match status {
        StatusCode::NOT_FOUND => "No such resource.".to_owned(),
        StatusCode::UNAUTHORIZED => "A valid bearer token or session is required.".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "This resource does not support that method.".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => format!("The request body is larger than {} bytes.", super::MAX_BODY_BYTES),
        _ => plain_type_names(&err.to_string()),
    };
    Problem::new(status, Some(detail)).into_response()
}

/// The framework names the types it failed to parse by its own registry names; a client reads
/// the form it should have sent instead.
pub fn plain_type_names(message: &str) -> String {
    [
        ("\"optional_string_naive-date\"", "an optional date"),
        ("\"string_naive-date\"", "a date such as 2026-04-01"),
        ("\"optional_string_date-time\"", "an optional date and time"),
        ("\"string_date-time\"", "an RFC 3339 date and time"),
        ("\"optional_string_uuid\"", "an optional UUID"),
        ("\"string_uuid\"", "a UUID"),
        ("path `param0`", "the path's id"),
        ("path `param1`", "the path's second id"),
    ]
    .iter()
    .fold(message.to_owned(), |text, (internal, plain)| text.replace(internal, plain))
}

impl From<Refusals> for ApiError {
    fn from(refusals: Refusals) -> Self {
        ApiError::Validation(
            refusals
                .0
                .into_iter()
                .map(|refusal| FieldProblem { field: refusal.field, message: refusal.why.to_string() })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_carry_no_internals() {
        let problem = ApiError::Internal("relation \"persons\" does not exist".into()).problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.to_json_string().contains("persons"));
    }

    #[test]
    fn refusals_become_one_problem_naming_every_field() {
        let mut refusals = Refusals::default();
        refusals.push("b", Invalid::new("no"));
        refusals.push("c", Invalid::new("neither"));
        let problem = ApiError::from(refusals).problem();
        assert_eq!(problem.status, 422);
        let fields: Vec<String> = problem.errors.unwrap().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["b", "c"]);
    }
}
