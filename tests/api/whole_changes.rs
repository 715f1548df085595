//! Every change to a milestone goes through the same domain rules, whichever door it comes in
//! by (create, PATCH, an event, a probation push), and is stored whole or not at all.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_patch_with_one_refused_field_stores_nothing,
    a_hearing_before_the_request_is_refused_by_every_door,
    a_supervision_end_before_the_release_is_refused_by_every_door,
    dates_outside_the_calendar_are_refused_by_every_door,
    random_patches_and_events_apply_whole_or_change_nothing,
];

struct Office {
    person: String,
    staff: String,
    probation: String,
}

async fn office(app: &TestApp) -> Office {
    app.clock.set(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap());
    let facility = app.create_organization("rehab_facility").await;
    let probation_office = app.create_organization("probation_office").await;
    let staff_party =
        app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let officer = app
        .create_party(json!({"role": "probation", "display_name": "System", "organization_id": probation_office}))
        .await;
    let link = json!({"party_id": officer, "relationship": "probation_officer", "scope": ["release", "bail"]});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &staff, &link).await.status(), StatusCode::CREATED);
    Office { person, staff, probation: app.token("probation", &officer) }
}

async fn create(app: &TestApp, o: &Office, body: Value) -> String {
    let response = app.post(&format!("/persons/{}/milestones", o.person), &o.staff, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    id_of(&response.json().await.unwrap())
}

async fn push(app: &TestApp, o: &Office, external_id: &str, body: Value) -> reqwest::Response {
    let url = app.url(&format!("/integrations/schedule/{external_id}"));
    app.client.put(url).bearer_auth(&o.probation).json(&body).send().await.unwrap()
}

/// What a client can read of a milestone, and what the database holds around it: the
/// milestone as served (version and `updated_at` included), its whole history, the person's
/// milestones and the pushed entries.
async fn snapshot(app: &TestApp, o: &Office, milestone: &str) -> (Value, Value, Value, i64) {
    let read = |path: String| async move {
        let response = app.get(&path, &o.staff).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json::<Value>().await.unwrap()
    };
    (
        read(format!("/milestones/{milestone}")).await,
        read(format!("/milestones/{milestone}/events")).await,
        read(format!("/persons/{}/milestones", o.person)).await,
        app.count("schedule_entries").await,
    )
}

async fn a_patch_with_one_refused_field_stores_nothing(app: TestApp) {
    let o = office(&app).await;
    let bail = create(&app, &o, json!({"kind": "bail", "requested_on": "2026-01-05"})).await;
    let before = snapshot(&app, &o, &bail).await;
    let half_valid = json!({"hearing_on": "2026-02-10", "sessions_attended": 5});
    let problem = assert_problem(
        app.patch(&format!("/milestones/{bail}"), &o.staff, &half_valid).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused_fields(&problem), ["sessions_attended"]);
    assert_eq!(snapshot(&app, &o, &bail).await, before, "the valid half was not stored either");

    let valid = json!({"hearing_on": "2026-02-10", "judgment_on": "2026-03-10"});
    let response = app.patch(&format!("/milestones/{bail}"), &o.staff, &valid).await;
    assert_eq!(response.status(), StatusCode::OK);
    let moved: Value = response.json().await.unwrap();
    assert_eq!((moved["hearing_on"].as_str(), moved["judgment_on"].as_str()), (Some("2026-02-10"), Some("2026-03-10")));
    assert_eq!(moved["version"], before.0["version"].as_i64().unwrap() + 2, "one step per moved date");
}

async fn a_hearing_before_the_request_is_refused_by_every_door(app: TestApp) {
    let o = office(&app).await;
    let early = json!({"kind": "bail", "requested_on": "2026-01-05", "hearing_on": "2026-01-04"});
    let response = app.post(&format!("/persons/{}/milestones", o.person), &o.staff, &early).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["hearing_on"]);
    assert_eq!(app.count("milestones").await, 0);

    let bail =
        create(&app, &o, json!({"kind": "bail", "requested_on": "2026-01-05", "judgment_on": "2026-03-01"})).await;
    let before = snapshot(&app, &o, &bail).await;
    for (body, field) in [
        (json!({"hearing_on": "2026-01-04"}), "hearing_on"),
        (json!({"judgment_on": "2026-01-04"}), "judgment_on"),
        (json!({"hearing_on": "2026-03-02"}), "hearing_on"),
    ] {
        let response = app.patch(&format!("/milestones/{bail}"), &o.staff, &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(refused_fields(&problem), [field], "{body}");
        assert_eq!(snapshot(&app, &o, &bail).await, before, "{body}");
    }

    for (kind, on) in [("hearing", "2026-01-04"), ("judgment", "2026-01-04"), ("hearing", "2026-03-02")] {
        let body = json!({"person_id": o.person, "kind": kind, "on": on});
        let problem = assert_problem(push(&app, &o, "COURT-1", body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(refused_fields(&problem), ["on"], "{kind} on {on}");
        assert_eq!(snapshot(&app, &o, &bail).await, before, "{kind} on {on}");
    }
}

async fn a_supervision_end_before_the_release_is_refused_by_every_door(app: TestApp) {
    let o = office(&app).await;
    let body = json!({"kind": "release", "scheduled_on": "2026-06-01", "release_type": "parole",
        "supervision_ends_on": "2026-05-01"});
    let response = app.post(&format!("/persons/{}/milestones", o.person), &o.staff, &body).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["supervision_ends_on"]);

    let release = create(
        &app,
        &o,
        json!({"kind": "release", "scheduled_on": "2026-06-01", "release_type": "parole",
            "supervision_ends_on": "2026-12-01"}),
    )
    .await;
    let before = snapshot(&app, &o, &release).await;
    for (body, field) in [
        (json!({"supervision_ends_on": "2026-06-01"}), "supervision_ends_on"),
        (json!({"scheduled_on": "2027-01-01"}), "scheduled_on"),
    ] {
        let response = app.patch(&format!("/milestones/{release}"), &o.staff, &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(refused_fields(&problem), [field], "{body}");
        assert_eq!(snapshot(&app, &o, &release).await, before, "{body}");
    }
    for (kind, on) in [("supervision_end", "2026-05-31"), ("release", "2026-12-02")] {
        let body = json!({"person_id": o.person, "kind": kind, "on": on});
        let problem = assert_problem(push(&app, &o, "SUP-1", body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(refused_fields(&problem), ["on"], "{kind} on {on}");
        assert_eq!(snapshot(&app, &o, &release).await, before, "{kind} on {on}");
    }
}

async fn dates_outside_the_calendar_are_refused_by_every_door(app: TestApp) {
    let o = office(&app).await;
    let far = json!({"kind": "release", "scheduled_on": "2201-01-01", "release_type": "full_term"});
    let response = app.post(&format!("/persons/{}/milestones", o.person), &o.staff, &far).await;
    assert_eq!(refused_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["scheduled_on"]);
    let body = json!({"person_id": o.person, "kind": "release", "on": "2201-01-01", "release_type": "full_term"});
    let problem = assert_problem(push(&app, &o, "REL-FAR", body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["on"]);
    assert_eq!(app.count("milestones").await, 0, "no door stored the far date");

    let bail = create(&app, &o, json!({"kind": "bail", "requested_on": "2026-01-05"})).await;
    let before = snapshot(&app, &o, &bail).await;
    let response = app.patch(&format!("/milestones/{bail}"), &o.staff, &json!({"judgment_on": "2201-01-01"})).await;
    assert_eq!(refused_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["judgment_on"]);
    let response =
        app.post(&format!("/milestones/{bail}/events"), &o.staff, &json!({"event": "grant", "on": "1899-12-31"})).await;
    assert_eq!(refused_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await), ["on"]);
    assert_eq!(snapshot(&app, &o, &bail).await, before);
}

fn day(n: i64) -> String {
    (NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + Duration::days(n)).to_string()
}

/// A random PATCH body for a milestone of `kind`: its own fields mostly, now and then one of
/// another kind's, dates in and out of order, `null`s, attendance in and out of range.
fn random_patch(rng: &mut StdRng, kind: &str) -> Value {
    let own: &[&str] = match kind {
        "bail" => &["hearing_on", "judgment_on"],
        "release" => &["scheduled_on", "supervision_ends_on"],
        _ => &["sessions_attended"],
    };
    let all = ["hearing_on", "judgment_on", "scheduled_on", "supervision_ends_on", "sessions_attended"];
    // Now and then a PATCH mixes in fields the milestone does not have, beside valid ones.
    let foreign = if rng.random_bool(0.3) { 0.5 } else { 0.0 };
    let mut body = serde_json::Map::new();
    for field in all {
        let chance = if own.contains(&field) { 0.6 } else { foreign };
        if !rng.random_bool(chance) {
            continue;
        }
        let value = match field {
            "sessions_attended" => json!(rng.random_range(-2..30)),
            "scheduled_on" => json!(day(rng.random_range(-10..300))),
            _ if rng.random_bool(0.15) => Value::Null,
            _ => json!(day(rng.random_range(-10..300))),
        };
        body.insert(field.into(), value);
    }
    Value::Object(body)
}

/// Random PATCHes and events on a bail, a parole release and a programme: each answer is
/// either a success that shows every field it was asked to set, or a refusal after which the
/// milestone, its history and the person's other milestones read exactly as before.
async fn random_patches_and_events_apply_whole_or_change_nothing(app: TestApp) {
    let o = office(&app).await;
    let milestones = [
        create(&app, &o, json!({"kind": "bail", "requested_on": "2026-01-05"})).await,
        create(
            &app,
            &o,
            json!({"kind": "release", "scheduled_on": "2026-03-01", "release_type": "parole",
                "supervision_ends_on": "2026-09-01"}),
        )
        .await,
        create(&app, &o, json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": "2026-01-05"})).await,
    ];
    let events = ["grant", "deny", "release", "end", "revoke", "enroll", "start", "complete", "drop_out", "re_enroll"];
    let mut rng = StdRng::seed_from_u64(12);
    let (mut accepted, mut refused) = (0, 0);
    for step in 0..120 {
        if step % 10 == 0 {
            app.clock.advance(Duration::days(7));
        }
        let milestone = &milestones[rng.random_range(0..milestones.len())];
        let before = snapshot(&app, &o, milestone).await;
        let kind = before.0["kind"].as_str().unwrap().to_owned();
        let (response, body) = if rng.random_bool(0.5) {
            let body = random_patch(&mut rng, &kind);
            (app.patch(&format!("/milestones/{milestone}"), &o.staff, &body).await, body)
        } else {
            let accepted: Vec<&str> =
                before.0["accepted_events"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            let event = match accepted.len() {
                n if n > 0 && rng.random_bool(0.85) => accepted[rng.random_range(0..n)],
                _ => events[rng.random_range(0..events.len())],
            };
            let on = app.today() - Duration::days(rng.random_range(0..3));
            let body = json!({"event": event, "on": on.to_string(), "release_type": "parole", "note": "a step"});
            (app.post(&format!("/milestones/{milestone}/events"), &o.staff, &body).await, body)
        };
        let status = response.status();
        if status.is_success() {
            accepted += 1;
            let after = snapshot(&app, &o, milestone).await;
            for field in ["hearing_on", "judgment_on", "supervision_ends_on", "scheduled_on", "sessions_attended"] {
                if let Some(asked) = body.get(field) {
                    assert_eq!(after.0.get(field).unwrap_or(&Value::Null), asked, "{field} after {body}");
                }
            }
        } else {
            refused += 1;
            assert!(matches!(status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT), "{status} for {body}");
            assert_eq!(snapshot(&app, &o, milestone).await, before, "a refused {body} changed something");
        }
    }
    assert!(accepted > 20 && refused > 20, "the sequence tried both ({accepted} accepted, {refused} refused)");
}
