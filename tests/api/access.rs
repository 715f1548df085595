//! The authorization matrix: every endpoint that takes a person or link id, for every kind of
//! caller, side by side. What a caller may not see answers exactly like an id that does not exist.

use std::collections::BTreeSet;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] =
    cases![every_endpoint_answers_every_caller_as_the_policy_says, lists_never_leak, denied_attempts_are_audited];

/// A person P at facility A, another person Q at facility B, and the parties around them.
struct World {
    p: String,
    bail: String,
    q: String,
    facility_a: String,
    p_placement: String,
    family_link: String,
    callers: Vec<(&'static str, String)>,
    party_of: Vec<(&'static str, String)>,
}

impl World {
    fn token(&self, caller: &str) -> &str {
        &self.callers.iter().find(|(name, _)| *name == caller).unwrap().1
    }

    fn party(&self, caller: &str) -> &str {
        &self.party_of.iter().find(|(name, _)| *name == caller).unwrap().1
    }
}

async fn party(app: &TestApp, role: &str, org: Option<&str>, person: Option<&str>) -> String {
    let mut body = json!({"role": role, "display_name": format!("A {role}")});
    if let Some(org) = org {
        body["organization_id"] = json!(org);
    }
    if let Some(person) = person {
        body["person_id"] = json!(person);
    }
    app.create_party(body).await
}

async fn link(app: &TestApp, person: &str, party: &str, relationship: &str, extra: Value) -> String {
    let mut body = json!({"party_id": party, "relationship": relationship});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    id_of(&app.create(&format!("/persons/{person}/links"), body).await)
}

async fn world(app: &TestApp) -> World {
    let facility_a = app.create_organization("rehab_facility").await;
    let facility_b = app.create_organization("rehab_facility").await;
    let law_office = app.create_organization("law_office").await;
    let p = id_of(&app.create("/persons", json!({"display_name": "P", "organization_id": facility_a})).await);
    let q = id_of(&app.create("/persons", json!({"display_name": "Q", "organization_id": facility_b})).await);
    let placements: Value = app.get(&format!("/persons/{p}/placements"), &app.admin()).await.json().await.unwrap();
    let p_placement = id_of(&placements["items"][0]);

    let own_staff = party(app, "staff", Some(&facility_a), None).await;
    let other_staff = party(app, "staff", Some(&facility_b), None).await;
    let linked_family = party(app, "family", None, None).await;
    let unlinked_family = party(app, "family", None, None).await;
    let lawyer = party(app, "lawyer", Some(&law_office), None).await;
    let revoked = party(app, "family", None, None).await;
    let expired = party(app, "family", None, None).await;
    let person = party(app, "person", None, Some(&p)).await;
    let other_person = party(app, "person", None, Some(&q)).await;

    let family_link = link(app, &p, &linked_family, "family", json!({})).await;
    link(app, &p, &lawyer, "lawyer", json!({})).await;
    let revoked_link = link(app, &p, &revoked, "family", json!({})).await;
    assert_eq!(app.delete(&format!("/links/{revoked_link}"), &app.admin()).await.status(), StatusCode::NO_CONTENT);
    link(app, &p, &expired, "family", json!({"expires_on": app.today()})).await;
    // The expired link's last day passes.
    app.clock.advance(Duration::days(2));

    let token = |role: &str, id: &str| app.token(role, id);
    let callers = vec![
        ("admin", app.admin()),
        ("own_staff", token("staff", &own_staff)),
        ("other_staff", token("staff", &other_staff)),
        ("linked_family", token("family", &linked_family)),
        ("unlinked_family", token("family", &unlinked_family)),
        ("lawyer", token("lawyer", &lawyer)),
        ("revoked_link", token("family", &revoked)),
        ("expired_link", token("family", &expired)),
        ("the_person", token("person", &person)),
        ("another_person", token("person", &other_person)),
        ("no_such_party", token("family", &uuid::Uuid::new_v4().to_string())),
    ];
    let party_of = vec![
        ("own_staff", own_staff),
        ("other_staff", other_staff),
        ("linked_family", linked_family),
        ("unlinked_family", unlinked_family),
        ("lawyer", lawyer),
        ("the_person", person),
        ("another_person", other_person),
    ];
    let bail = id_of(
        &app.create(&format!("/persons/{p}/milestones"), json!({"kind": "bail", "requested_on": app.today()})).await,
    );
    World { p, bail, q, facility_a, p_placement, family_link, callers, party_of }
}

const CALLERS: [&str; 11] = [
    "admin",
    "own_staff",
    "other_staff",
    "linked_family",
    "unlinked_family",
    "lawyer",
    "revoked_link",
    "expired_link",
    "the_person",
    "another_person",
    "no_such_party",
];

/// Expected statuses, one column per caller in the order of `CALLERS`.
const MATRIX: [(&str, [u16; 11]); 21] = [
    //                              adm  own  oth  fam  unl  law  rev  exp  me   oth  gho
    ("GET person", /*            */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
    ("PATCH person", /*          */ [200, 200, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("GET placements", /*        */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
    ("POST placement", /*        */ [201, 201, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("PATCH placement", /*       */ [200, 200, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("GET links", /*             */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
    ("POST link", /*             */ [201, 201, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("GET family link", /*       */ [200, 200, 404, 200, 404, 404, 404, 404, 200, 404, 404]),
    ("GET family link consents", [200, 200, 404, 200, 404, 404, 404, 404, 200, 404, 404]),
    ("PATCH family link", /*     */ [200, 200, 404, 403, 404, 404, 404, 404, 200, 404, 404]),
    ("GET milestones", /*        */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
    ("POST milestone", /*        */ [201, 201, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("GET bail", /*              */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
    ("PATCH bail", /*            */ [200, 200, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("POST bail event", /*       */ [201, 201, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("GET bail events", /*       */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
    ("POST custody", /*          */ [201, 201, 404, 403, 404, 403, 404, 404, 403, 404, 404]),
    ("GET custody", /*           */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
    // Lapses lie outside family's and lawyers' default consent: invisible, not forbidden.
    ("POST lapse", /*            */ [201, 201, 404, 404, 404, 404, 404, 404, 403, 404, 404]),
    ("GET lapses", /*            */ [200, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404]),
    ("GET timeline", /*          */ [200, 200, 404, 200, 404, 200, 404, 404, 200, 404, 404]),
];

async fn request(app: &TestApp, world: &World, endpoint: &str, token: &str) -> reqwest::Response {
    let p = &world.p;
    match endpoint {
        "GET person" => app.get(&format!("/persons/{p}"), token).await,
        "PATCH person" => app.patch(&format!("/persons/{p}"), token, &json!({"language": "en"})).await,
        "GET placements" => app.get(&format!("/persons/{p}/placements"), token).await,
        "POST placement" => {
            let body = json!({"organization_id": world.facility_a, "start_on": app.today()});
            app.post(&format!("/persons/{p}/placements"), token, &body).await
        }
        "PATCH placement" => {
            let path = format!("/persons/{p}/placements/{}", world.p_placement);
            app.patch(&path, token, &json!({"end_on": null})).await
        }
        "GET links" => app.get(&format!("/persons/{p}/links"), token).await,
        "POST link" => {
            // A fresh party each time, so an allowed caller's link is not a duplicate.
            let newcomer = party(app, "family", None, None).await;
            app.post(&format!("/persons/{p}/links"), token, &json!({"party_id": newcomer, "relationship": "family"}))
                .await
        }
        "GET family link" => app.get(&format!("/links/{}", world.family_link), token).await,
        "GET family link consents" => app.get(&format!("/links/{}/consents", world.family_link), token).await,
        "PATCH family link" => {
            // The same scope again: a change that narrows nothing and widens nothing.
            let body = json!({"scope": ["bail", "release", "employment_support_window", "program_enrollment"]});
            app.patch(&format!("/links/{}", world.family_link), token, &body).await
        }
        "GET milestones" => app.get(&format!("/persons/{p}/milestones"), token).await,
        "POST milestone" => {
            let body = json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": app.today()});
            app.post(&format!("/persons/{p}/milestones"), token, &body).await
        }
        "GET bail" => app.get(&format!("/milestones/{}", world.bail), token).await,
        "PATCH bail" => {
            app.patch(&format!("/milestones/{}", world.bail), token, &json!({"hearing_on": app.today()})).await
        }
        "POST bail event" => {
            // Whatever the bail accepts now, so that each allowed caller takes a legal step.
            let bail: Value = app.get(&format!("/milestones/{}", world.bail), &app.admin()).await.json().await.unwrap();
            let event = bail["accepted_events"][0].as_str().unwrap_or("end").to_owned();
            app.post(&format!("/milestones/{}/events", world.bail), token, &json!({"event": event, "on": app.today()}))
                .await
        }
        "GET bail events" => app.get(&format!("/milestones/{}/events", world.bail), token).await,
        "POST custody" => {
            let custody: Value = app.get(&format!("/persons/{p}/custody"), &app.admin()).await.json().await.unwrap();
            let ongoing = custody["items"].as_array().unwrap().iter().any(|period| period["ended_on"].is_null());
            let event = if ongoing { "end" } else { "start" };
            app.post(&format!("/persons/{p}/custody"), token, &json!({"event": event, "on": app.today()})).await
        }
        "GET custody" => app.get(&format!("/persons/{p}/custody"), token).await,
        "POST lapse" => app.post(&format!("/persons/{p}/lapses"), token, &json!({"on": app.today()})).await,
        "GET lapses" => app.get(&format!("/persons/{p}/lapses"), token).await,
        "GET timeline" => app.get(&format!("/persons/{p}/timeline"), token).await,
        other => panic!("no request for {other}"),
    }
}

async fn every_endpoint_answers_every_caller_as_the_policy_says(app: TestApp) {
    let world = world(&app).await;
    let missing: Value =
        app.get(&format!("/persons/{}", uuid::Uuid::new_v4()), &app.admin()).await.json().await.unwrap();
    let mut mismatches = Vec::new();
    for (endpoint, expected) in MATRIX {
        for (caller, expected) in CALLERS.iter().zip(expected) {
            let response = request(&app, &world, endpoint, world.token(caller)).await;
            let status = response.status().as_u16();
            if status != expected {
                mismatches.push(format!("{endpoint} as {caller}: expected {expected}, got {status}"));
                continue;
            }
            if status == 404 {
                let body: Value = response.json().await.unwrap();
                assert_eq!(body, missing, "{endpoint} as {caller}: a hidden person must look like a missing one");
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

async fn ids(app: &TestApp, path: &str, token: &str) -> BTreeSet<String> {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(id_of).collect()
}

async fn lists_never_leak(app: TestApp) {
    let world = world(&app).await;
    let (p, q) = (world.p.clone(), world.q.clone());
    let expected: [(&str, Vec<&String>); 11] = [
        ("admin", vec![&p, &q]),
        ("own_staff", vec![&p]),
        ("other_staff", vec![&q]),
        ("linked_family", vec![&p]),
        ("unlinked_family", vec![]),
        ("lawyer", vec![&p]),
        ("revoked_link", vec![]),
        ("expired_link", vec![]),
        ("the_person", vec![&p]),
        ("another_person", vec![&q]),
        ("no_such_party", vec![]),
    ];
    for (caller, persons) in expected {
        let seen = ids(&app, "/persons", world.token(caller)).await;
        let persons: BTreeSet<String> = persons.into_iter().cloned().collect();
        assert_eq!(seen, persons, "GET /persons as {caller}");
    }

    // Within a visible person, a linked party sees its own link and no one else's.
    let all_links = ids(&app, &format!("/persons/{p}/links"), world.token("own_staff")).await;
    assert_eq!(all_links.len(), 4, "family, lawyer, revoked and expired links");
    assert_eq!(ids(&app, &format!("/persons/{p}/links"), world.token("the_person")).await, all_links);
    for caller in ["linked_family", "lawyer"] {
        let links: Value = app.get(&format!("/persons/{p}/links"), world.token(caller)).await.json().await.unwrap();
        let items = links["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{caller} sees one link");
        assert_eq!(items[0]["party_id"], world.party(caller), "{caller} sees its own link");
    }
}

async fn denied_attempts_are_audited(app: TestApp) {
    let world = world(&app).await;
    for endpoint in ["GET person", "PATCH person", "GET links"] {
        let response = request(&app, &world, endpoint, world.token("other_staff")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let response = request(&app, &world, "PATCH person", world.token("linked_family")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let audit: Value = app
        .get(&format!("/audit?actor={}&person_id={}", world.party("other_staff"), world.p), &app.admin())
        .await
        .json()
        .await
        .unwrap();
    let entries = audit["items"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["person.read", "person.update", "link.list"]);
    assert!(entries.iter().all(|e| e["outcome"] == "denied" && e["actor_role"] == "staff"), "{audit}");

    let family: Value =
        app.get(&format!("/audit?actor={}", world.party("linked_family")), &app.admin()).await.json().await.unwrap();
    let last = family["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "person.update");
    assert_eq!(last["outcome"], "denied");
    assert_eq!(last["person_id"], world.p.as_str());
}
