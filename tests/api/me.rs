use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{cases, helpers::TestApp};

pub const TESTS: &[crate::helpers::Case] = cases![an_admin_sees_their_name_and_role, a_party_sees_its_stored_record];

async fn an_admin_sees_their_name_and_role(app: TestApp) {
    let me: Value = app.get("/me", &app.token("admin", "Yamada")).await.json().await.unwrap();
    assert_eq!(me["subject"], "Yamada");
    assert_eq!(me["role"], "admin");
    assert!(me["party"].is_null());
}

async fn a_party_sees_its_stored_record(app: TestApp) {
    let office = app.create_organization("probation_office").await;
    let officer =
        app.create_party(json!({"role": "probation", "display_name": "Officer Ito", "organization_id": office})).await;
    let response = app.get("/me", &app.token("probation", &officer)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["role"], "probation");
    assert_eq!(me["organization_id"], office.as_str());
    assert_eq!(me["party"]["id"], officer.as_str());
    assert_eq!(me["party"]["display_name"], "Officer Ito");
}
