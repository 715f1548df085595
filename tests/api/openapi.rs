use reqwest::StatusCode;

use crate::{cases, helpers::TestApp};

pub const TESTS: &[crate::helpers::Case] = cases![
    the_committed_spec_is_what_the_server_and_the_cli_give,
    interactive_docs_are_served,
    every_operation_is_tagged_described_and_secured,
];

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

async fn the_committed_spec_is_what_the_server_and_the_cli_give(app: TestApp) {
    let served = app.client.get(format!("{}/openapi.json", app.address)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    let served = served.text().await.unwrap();
    let printed = tokio::process::Command::new(env!("CARGO_BIN_EXE_tsunagu")).arg("openapi").output().await.unwrap();
    assert!(printed.status.success());
    let printed = String::from_utf8(printed.stdout).unwrap();
    assert_eq!(printed, served, "`tsunagu openapi` and /openapi.json differ");
    assert!(
        COMMITTED == served,
        "openapi/openapi.json is out of date: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
}

async fn interactive_docs_are_served(app: TestApp) {
    let response = app.client.get(format!("{}/docs", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

async fn every_operation_is_tagged_described_and_secured(_app: TestApp) {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    assert_eq!(spec["servers"][0]["url"], "/api/v1");
    let schemes = spec["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.values().any(|scheme| scheme["scheme"] == "bearer"));
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(operation["operationId"].is_string(), "{name} has no operationId");
            assert!(operation_ids.insert(operation["operationId"].to_string()), "{name}: duplicate operationId");
            assert!(!operation["tags"].as_array().unwrap().is_empty(), "{name} has no tag");
            assert!(operation["summary"].is_string(), "{name} has no summary");
            // The gateway's callbacks carry its signature instead of a bearer token.
            let signed =
                operation["parameters"].as_array().into_iter().flatten().any(|p| p["name"] == "X-Twilio-Signature");
            if signed {
                let problem = &operation["responses"]["403"]["content"]["application/problem+json"];
                assert!(problem.is_object(), "{name} does not document its 403 for a bad signature");
                continue;
            }
            assert!(operation["security"].is_array(), "{name} is not secured");
            let problem = &operation["responses"]["401"]["content"]["application/problem+json"];
            assert!(problem.is_object(), "{name} does not document its 401 problem");
        }
    }
}
