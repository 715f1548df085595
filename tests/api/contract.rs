//! The published contract says what the server does: the document's types, bounds and
//! statuses, and the behaviours it promises (Allow on 405, 413 to clients that write first,
//! the projected employment-support window).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    the_document_uses_registered_formats_plain_references_and_nullable_optionals,
    each_operation_documents_only_the_statuses_it_can_answer,
    page_sizes_outside_one_to_two_hundred_are_bad_requests,
    a_bad_cursor_is_a_bad_request_on_every_list,
    a_wrong_method_says_which_methods_are_allowed,
    a_wrong_json_type_or_format_is_refused_by_its_field,
    a_client_that_writes_a_large_body_first_still_reads_its_413,
    a_scheduled_full_term_release_shows_its_projected_window,
];

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

fn document() -> Value {
    serde_json::from_str(COMMITTED).unwrap()
}

fn walk<'a>(value: &'a Value, found: &mut Vec<&'a Value>) {
    found.push(value);
    match value {
        Value::Object(object) => object.values().for_each(|value| walk(value, found)),
        Value::Array(items) => items.iter().for_each(|value| walk(value, found)),
        _ => {}
    }
}

async fn the_document_uses_registered_formats_plain_references_and_nullable_optionals(_app: TestApp) {
    let document = document();
    let mut nodes = Vec::new();
    walk(&document, &mut nodes);
    assert!(!COMMITTED.contains("naive-date"), "no unregistered date format");
    for node in &nodes {
        if let Some(parts) = node.get("allOf").and_then(Value::as_array) {
            assert!(
                parts.len() == 1 || parts.iter().all(|part| part.get("type") == Some(&json!("object"))),
                "allOf wraps one reference: {node}"
            );
        }
    }
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        let required: Vec<&str> =
            schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        for (property, definition) in schema["properties"].as_object().into_iter().flatten() {
            if !required.contains(&property.as_str()) {
                assert_eq!(definition["nullable"], true, "{name}.{property} may be null");
            }
        }
    }
    for name in ["PersonCreate", "MilestonePatch", "EventCreate", "ScheduleUpsert", "LinkCreate"] {
        assert_eq!(schemas[name]["additionalProperties"], false, "{name} refuses unknown fields");
    }
    assert_eq!(schemas["Me"]["properties"]["party"]["nullable"], true, "GET /me sends party: null for an admin");
}

async fn each_operation_documents_only_the_statuses_it_can_answer(_app: TestApp) {
    let document = document();
    let statuses = |path: &str, method: &str| -> Vec<String> {
        document["paths"][path][method]["responses"].as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(statuses("/me", "get"), ["200", "401", "500", "503"]);
    assert_eq!(
        statuses("/milestones/{id}", "patch"),
        ["200", "400", "401", "403", "404", "408", "409", "412", "413", "415", "422", "500", "503"]
    );
    assert!(statuses("/persons", "post").contains(&"415".to_owned()), "a body that is not JSON is documented");
    assert!(!statuses("/persons/{id}", "get").contains(&"412".to_owned()));
}

async fn page_sizes_outside_one_to_two_hundred_are_bad_requests(app: TestApp) {
    for limit in ["0", "201", "100000"] {
        assert_problem(app.get(&format!("/persons?limit={limit}"), &app.admin()).await, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(app.get("/persons?limit=200", &app.admin()).await.status(), StatusCode::OK);
    let document = document();
    let limit = document["paths"]["/persons"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|parameter| parameter["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!((limit["schema"]["minimum"].as_f64(), limit["schema"]["maximum"].as_f64()), (Some(1.0), Some(200.0)));
}

async fn a_bad_cursor_is_a_bad_request_on_every_list(app: TestApp) {
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    for path in ["/persons?cursor=nonsense".to_owned(), format!("/persons/{person}/timeline?cursor=nonsense")] {
        assert_problem(app.get(&path, &app.admin()).await, StatusCode::BAD_REQUEST).await;
    }
}

async fn a_wrong_method_says_which_methods_are_allowed(app: TestApp) {
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    let response =
        app.client.put(app.url(&format!("/persons/{person}"))).bearer_auth(app.admin()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = response.headers().get(header::ALLOW).map(|value| value.to_str().unwrap().to_owned());
    assert_eq!(allow.as_deref(), Some("GET, PATCH"));
    let health = app.client.delete(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(health.headers().get(header::ALLOW).map(|value| value.to_str().unwrap()), Some("GET"));
}

async fn a_wrong_json_type_or_format_is_refused_by_its_field(app: TestApp) {
    let response = app.post("/persons", &app.admin(), &json!({"display_name": false})).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["display_name"]);
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    let response =
        app.post(&format!("/persons/{person}/lapses"), &app.admin(), &json!({"on": "2026-01-01", "note": 12})).await;
    assert_eq!(refused_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["note"]);
    let response = app.post("/persons", &app.admin(), &json!({"display_name": "Jiro", "birth_date": "nope"})).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["birth_date"]);
    assert!(!problem.to_string().contains("naive"), "no internal type names: {problem}");
    let bad_path = assert_problem(app.get("/persons/abc", &app.admin()).await, StatusCode::BAD_REQUEST).await;
    assert!(!bad_path.to_string().contains("string_uuid"), "{bad_path}");
    assert_eq!(app.count("persons").await, 1);
    assert_eq!(app.count("lapses").await, 0);
}

/// Like Python's `http.client`: the whole 3 MiB body is written before the answer is read.
async fn a_client_that_writes_a_large_body_first_still_reads_its_413(app: TestApp) {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let body = vec![b' '; 3 * 1024 * 1024];
    for _ in 0..3 {
        // A small send buffer: the body goes out only as fast as the server reads it, as over a
        // real network, rather than into loopback's large buffers.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(4096).unwrap();
        let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        let head = format!(
            "POST /api/v1/persons HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            app.admin(),
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body).await.expect("the server reads the body it refuses instead of resetting");
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut response)).await.unwrap().unwrap();
        let response = String::from_utf8_lossy(&response);
        assert!(response.starts_with("HTTP/1.1 413"), "{response}");
        assert!(response.contains("application/problem+json"), "{response}");
    }
    assert_eq!(app.count("persons").await, 0);
}

async fn a_scheduled_full_term_release_shows_its_projected_window(app: TestApp) {
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let family_party = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let link = json!({"party_id": family_party, "relationship": "family"});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &staff, &link).await.status(), StatusCode::CREATED);
    let family = app.token("family", &family_party);
    let body = json!({"kind": "release", "scheduled_on": "2026-03-15", "release_type": "full_term"});
    let release: Value = app.post(&format!("/persons/{person}/milestones"), &staff, &body).await.json().await.unwrap();
    let release_id = id_of(&release);

    // The Civil Code count from the scheduled day: 2026-03-16 … 2026-09-15.
    let upcoming: Value = app.get(&format!("/persons/{person}/upcoming?days=366"), &family).await.json().await.unwrap();
    let items = upcoming["items"].as_array().unwrap();
    let projected: Vec<(&str, &str)> = items
        .iter()
        .filter(|item| item["projected"] == true)
        .map(|item| (item["label"].as_str().unwrap(), item["on"].as_str().unwrap()))
        .collect();
    assert!(projected.contains(&("opens_on", "2026-03-16")), "{projected:?}");
    assert!(projected.contains(&("closes_on", "2026-09-15")), "{projected:?}");
    assert!(projected.contains(&("window_closing", "2026-08-16")), "{projected:?}");
    assert!(items.iter().any(|item| item["label"] == "scheduled_on" && item["projected"] == false));
    let periods: Value = app.get(&format!("/persons/{person}/risk-periods"), &family).await.json().await.unwrap();
    let closing = periods["items"].as_array().unwrap().iter().find(|p| p["rule"] == "window_closing").unwrap().clone();
    assert_eq!((closing["projected"].as_bool(), closing["ends_on"].as_str()), (Some(true), Some("2026-09-15")));
    assert_eq!(closing["source_id"], release_id.as_str());

    let feed: Value = app.post("/me/calendar-feed", &family, &json!({})).await.json().await.unwrap();
    let path = feed["url"].as_str().unwrap().split_once("/feeds/").map(|(_, file)| format!("/feeds/{file}")).unwrap();
    let calendar = app.client.get(format!("{}{path}", app.address)).send().await.unwrap().text().await.unwrap();
    let unfolded = calendar.replace("\r\n ", "");
    assert!(unfolded.contains("仕事探しの支援を受けられる最後の日（おおよその日付）"), "{unfolded}");
    assert!(unfolded.contains("DTSTART;VALUE=DATE:20260915"), "{unfolded}");

    // A projection is shown, not alerted.
    tsunagu::scheduler::tick(&app.state).await.unwrap();
    let planned: Vec<tsunagu::entity::alert::Model> = {
        use sea_orm::EntityTrait;
        tsunagu::entity::alert::Entity::find().all(&app.outside).await.unwrap()
    };
    assert!(planned.iter().all(|alert| alert.rule != "window_closing"), "no alert for a projected window");

    // Released: the window is real, and no longer projected.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 15, 3, 0, 0).unwrap());
    let event = json!({"event": "release", "on": "2026-03-15"});
    assert_eq!(
        app.post(&format!("/milestones/{release_id}/events"), &staff, &event).await.status(),
        StatusCode::CREATED
    );
    let periods: Value = app.get(&format!("/persons/{person}/risk-periods"), &family).await.json().await.unwrap();
    let closing: Vec<&Value> =
        periods["items"].as_array().unwrap().iter().filter(|p| p["rule"] == "window_closing").collect();
    assert_eq!(closing.len(), 1, "{closing:?}");
    assert_eq!((closing[0]["projected"].as_bool(), closing[0]["ends_on"].as_str()), (Some(false), Some("2026-09-15")));
}
