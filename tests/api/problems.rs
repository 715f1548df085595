use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    cases,
    helpers::{assert_problem, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    an_unknown_route_is_a_problem,
    a_wrong_method_is_a_problem,
    malformed_json_is_a_bad_request_and_stores_nothing,
    a_body_that_is_not_json_is_unsupported,
    a_bad_path_id_or_query_parameter_is_a_bad_request,
    a_body_over_one_mebibyte_is_refused_by_its_length,
    a_chunked_body_over_one_mebibyte_is_refused,
    a_small_chunked_body_is_accepted,
    a_server_error_carries_no_internals,
];

async fn an_unknown_route_is_a_problem(app: TestApp) {
    let response = app.client.get(format!("{}/nowhere", app.address)).send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND).await;
    assert_problem(app.get("/nowhere", &app.admin()).await, StatusCode::NOT_FOUND).await;
}

async fn a_wrong_method_is_a_problem(app: TestApp) {
    let response = app.client.delete(app.url("/persons")).bearer_auth(app.admin()).send().await.unwrap();
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}

async fn malformed_json_is_a_bad_request_and_stores_nothing(app: TestApp) {
    for body in ["{\"display_name\": \"Taro\"", "", "[1, 2", "display_name=Taro"] {
        let response = app
            .client
            .post(app.url("/persons"))
            .bearer_auth(app.admin())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(app.count("persons").await, 0);
}

async fn a_body_that_is_not_json_is_unsupported(app: TestApp) {
    let response = app
        .client
        .post(app.url("/persons"))
        .bearer_auth(app.admin())
        .header("content-type", "text/plain")
        .body("{\"display_name\": \"Taro\"}")
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(app.count("persons").await, 0);
}

async fn a_bad_path_id_or_query_parameter_is_a_bad_request(app: TestApp) {
    assert_problem(app.get("/persons/not-a-uuid", &app.admin()).await, StatusCode::BAD_REQUEST).await;
    assert_problem(app.get("/persons?cursor=yesterday", &app.admin()).await, StatusCode::BAD_REQUEST).await;
    assert_problem(app.get("/persons?limit=many", &app.admin()).await, StatusCode::BAD_REQUEST).await;
}

fn oversized_person() -> serde_json::Value {
    json!({"display_name": "Taro", "padding": "x".repeat(tsunagu::http::MAX_BODY_BYTES)})
}

async fn a_body_over_one_mebibyte_is_refused_by_its_length(app: TestApp) {
    let response = app.post("/persons", &app.admin(), &oversized_person()).await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(app.count("persons").await, 0);
}

/// Sends a request with `Transfer-Encoding: chunked` (no Content-Length) and returns the status.
async fn send_chunked(app: &TestApp, body: &[u8]) -> (u16, String) {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/persons HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.admin()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before the whole body is sent; that is the point.
    for chunk in body.chunks(64 * 1024) {
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut response))
        .await
        .expect("the server answers")
        .ok();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, response)
}

async fn a_chunked_body_over_one_mebibyte_is_refused(app: TestApp) {
    let body = serde_json::to_vec(&oversized_person()).unwrap();
    let (status, response) = send_chunked(&app, &body).await;
    assert_eq!(status, 413, "{response}");
    assert!(response.to_ascii_lowercase().contains("content-type: application/problem+json"), "{response}");
    assert_eq!(app.count("persons").await, 0);
}

async fn a_small_chunked_body_is_accepted(app: TestApp) {
    let (status, response) = send_chunked(&app, br#"{"display_name": "Taro"}"#).await;
    assert_eq!(status, 201, "{response}");
    assert_eq!(app.count("persons").await, 1);
}

async fn a_server_error_carries_no_internals(app: TestApp) {
    let drop = match app.outside.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => "DROP TABLE persons CASCADE",
        _ => "DROP TABLE persons",
    };
    app.outside.execute_unprepared(drop).await.unwrap();
    app.create("/organizations", json!({"kind": "other", "name": "Still works"})).await;
    let response = app.get("/persons", &app.admin()).await;
    let problem = assert_problem(response, StatusCode::INTERNAL_SERVER_ERROR).await;
    let text = problem.to_string().to_lowercase();
    for internal in ["persons", "table", "relation", "sql", "select"] {
        assert!(!text.contains(internal), "{internal:?} leaked: {problem}");
    }
}
