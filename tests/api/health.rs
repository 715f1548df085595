use reqwest::StatusCode;
use serde_json::Value;

use crate::{cases, helpers::TestApp};

pub const TESTS: &[crate::helpers::Case] =
    cases![health_check_reports_a_reachable_database, responses_carry_a_request_id];

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
