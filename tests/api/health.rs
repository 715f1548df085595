use reqwest::StatusCode;
use serde_json::Value;

use crate::{cases, helpers::TestApp};

pub const TESTS: &[crate::helpers::Case] = cases![
    health_check_reports_a_reachable_database,
    responses_carry_a_request_id,
    a_request_starts_with_a_small_future
];

async fn health_check_reports_a_reachable_database(app: TestApp) {
    let response = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn responses_carry_a_request_id(app: TestApp) {
    let generated = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let propagated = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "case-system-42")
        .send()
        .await
        .unwrap();
    assert_eq!(propagated.headers()["x-request-id"], "case-system-42");

    let refused = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "not a plain id; with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(refused.headers()["x-request-id"], "not a plain id; with spaces");
}

/// Each request's future is moved whole as it starts, with every layer of middleware it holds.
/// The layers are boxed so that the outermost carries pointers, not the layers inside it (in a
/// test build 11.1 KB unboxed, 3.7 KB boxed), and each layer holds the request once and calls
/// the next through its box, not through `Arc`'s and `Box`'s own futures (1.1 KB).
async fn a_request_starts_with_a_small_future(app: TestApp) {
    use poem::{Endpoint, IntoResponse};
    let endpoint = tsunagu::startup::routes(app.state.clone());
    let request = poem::Request::builder().uri(poem::http::Uri::from_static("/healthz")).finish();
    let future = endpoint.call(request);
    let size = std::mem::size_of_val(&future);
    assert!(size <= 2 * 1024, "a request's outermost future is {size} bytes");
    let answered = future.await.expect("the health check answers").into_response();
    assert_eq!(answered.status(), poem::http::StatusCode::OK);
}
