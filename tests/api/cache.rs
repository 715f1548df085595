//! The read cache: what a caller is shown follows every write from the next request on, in
//! this instance and (once told, by PostgreSQL `NOTIFY`) in another; a write forgets only what
//! it changed; a refused `NOTIFY` leaves nothing stale; a link's expiry needs no write; a change
//! made around the service shows within the cache's lifetime; and what is kept really is served
//! from memory.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tsunagu::{entity::milestone, scheduler::tick};

use crate::{
    cases,
    helpers::{id_of, spawn_app, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_reader_sees_each_write_from_the_next_request_on,
    a_link_that_expires_stops_showing_without_a_write,
    a_write_to_one_person_leaves_what_is_kept_of_another,
    a_refused_notify_leaves_nothing_stale,
    a_change_made_outside_the_service_shows_once_the_cache_lifetime_is_over,
    another_instance_hears_a_write,
    a_facility_list_follows_placements_and_the_clock,
    an_inbox_shows_each_write_to_it_from_the_next_request_on,
    placements_and_facilities_show_from_the_next_request_on,
    a_family_page_is_kept_as_written_until_a_write_it_shows,
    an_answer_kept_for_one_reader_is_shown_to_none_who_asked_otherwise,
];

struct Family {
    staff: String,
    family_party: String,
    family: String,
    person: String,
    link: String,
    bail: String,
}

/// A resident with a bail hearing and a family member who may see it.
async fn family(app: &TestApp, link: Value) -> Family {
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let family_party = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let mut body = json!({"party_id": family_party, "relationship": "family", "scope": ["bail"]});
    body.as_object_mut().unwrap().extend(link.as_object().unwrap().clone());
    let link = app.post(&format!("/persons/{person}/links"), &staff, &body).await;
    assert_eq!(link.status(), StatusCode::CREATED);
    let link = id_of(&link.json().await.unwrap());
    let hearing = app.today() + Duration::days(10);
    let bail = json!({"kind": "bail", "requested_on": app.today().to_string(), "hearing_on": hearing.to_string()});
    let bail = app.post(&format!("/persons/{person}/milestones"), &staff, &bail).await;
    assert_eq!(bail.status(), StatusCode::CREATED);
    let bail = id_of(&bail.json().await.unwrap());
    let family = app.token("family", &family_party);
    Family { staff, family_party, family, person, link, bail }
}

/// The hearing date the family is shown, or the status when they are shown nothing.
async fn hearing_seen(app: &TestApp, f: &Family) -> Result<String, StatusCode> {
    let response = app.get(&format!("/persons/{}/upcoming", f.person), &f.family).await;
    if response.status() != StatusCode::OK {
        return Err(response.status());
    }
    let body: Value = response.json().await.unwrap();
    let hearing = body["items"].as_array().unwrap().iter().find(|item| item["label"] == "hearing_on").cloned();
    Ok(hearing.map(|item| item["on"].as_str().unwrap().to_owned()).unwrap_or_default())
}

/// Waits (bounded) until the instance hears every write, so that what it reads is kept: on
/// PostgreSQL that is once its listener is connected.
pub async fn until_live(app: &TestApp) {
    let cache = &app.state.cache;
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while !cache.is_live() {
            cache.changed_since(cache.generation()).await;
        }
    })
    .await
    .expect("the read cache goes live");
}

async fn a_reader_sees_each_write_from_the_next_request_on(app: TestApp) {
    until_live(&app).await;
    let f = family(&app, json!({})).await;
    let first = (app.today() + Duration::days(10)).to_string();
    // Read twice: the second is answered from what the first kept.
    assert_eq!(hearing_seen(&app, &f).await, Ok(first.clone()));
    assert_eq!(hearing_seen(&app, &f).await, Ok(first));

    let moved = (app.today() + Duration::days(12)).to_string();
    let patch = app.patch(&format!("/milestones/{}", f.bail), &f.staff, &json!({"hearing_on": moved})).await;
    assert_eq!(patch.status(), StatusCode::OK);
    assert_eq!(hearing_seen(&app, &f).await, Ok(moved), "a moved date shows at once");

    let narrowed = app.patch(&format!("/links/{}", f.link), &f.staff, &json!({"scope": ["release"]})).await;
    assert_eq!(narrowed.status(), StatusCode::OK);
    assert_eq!(hearing_seen(&app, &f).await, Ok(String::new()), "a narrowed consent hides the bail at once");

    assert_eq!(app.delete(&format!("/links/{}", f.link), &f.staff).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(hearing_seen(&app, &f).await, Err(StatusCode::NOT_FOUND), "a revoked link shows nothing at once");

    let again = json!({"party_id": f.family_party, "relationship": "family", "scope": ["bail"]});
    assert_eq!(app.post(&format!("/persons/{}/links", f.person), &f.staff, &again).await.status(), StatusCode::CREATED);
    assert!(hearing_seen(&app, &f).await.is_ok(), "a new link shows at once");
    let disable = app.patch(&format!("/parties/{}", f.family_party), &app.admin(), &json!({"disabled": true})).await;
    assert_eq!(disable.status(), StatusCode::OK);
    assert_eq!(hearing_seen(&app, &f).await, Err(StatusCode::UNAUTHORIZED), "a disabled party is refused at once");
}

async fn a_link_that_expires_stops_showing_without_a_write(app: TestApp) {
    until_live(&app).await;
    let expires_on = app.today() + Duration::days(3);
    let f = family(&app, json!({"expires_on": expires_on.to_string()})).await;
    assert!(hearing_seen(&app, &f).await.is_ok());
    assert!(hearing_seen(&app, &f).await.is_ok());
    app.clock.advance(Duration::days(5));
    assert_eq!(hearing_seen(&app, &f).await, Err(StatusCode::NOT_FOUND));
}

/// Moves the bail hearing ten days later by SQL that bypasses the service's writer, as an
/// operator would; returns the new date.
async fn move_hearing_around_the_writer(app: &TestApp, f: &Family) -> chrono::NaiveDate {
    let elsewhere = app.today() + Duration::days(20);
    let bail: uuid::Uuid = f.bail.parse().unwrap();
    milestone::Entity::update_many()
        .col_expr(milestone::Column::HearingOn, Expr::value(elsewhere))
        .filter(milestone::Column::Id.eq(bail))
        .exec(&app.outside)
        .await
        .unwrap();
    elsewhere
}

/// Answers `read` and says whether it came from memory, by the cache's own counters.
async fn from_memory<T>(app: &TestApp, read: impl std::future::Future<Output = T>) -> (T, bool) {
    let (hits, misses) = (app.state.cache.hits(), app.state.cache.misses());
    let answer = read.await;
    let from_memory = app.state.cache.hits() > hits && app.state.cache.misses() == misses;
    (answer, from_memory)
}

async fn a_write_to_one_person_leaves_what_is_kept_of_another(app: TestApp) {
    until_live(&app).await;
    let (one, other) = (family(&app, json!({})).await, family(&app, json!({})).await);
    let first = (app.today() + Duration::days(10)).to_string();
    for f in [&one, &other] {
        assert_eq!(hearing_seen(&app, f).await, Ok(first.clone()));
    }
    // Changes made around the writer, which no notification tells of, show what is kept.
    let one_moved = move_hearing_around_the_writer(&app, &one).await;
    move_hearing_around_the_writer(&app, &other).await;
    assert_eq!(from_memory(&app, hearing_seen(&app, &one)).await, (Ok(first.clone()), true));

    // A write through the service to the one person...
    let renamed = app.patch(&format!("/persons/{}", one.person), &one.staff, &json!({"display_name": "Ichiro"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    // ...is read afresh for them, and leaves the other person's entry in memory.
    assert_eq!(from_memory(&app, hearing_seen(&app, &one)).await, (Ok(one_moved.to_string()), false));
    assert_eq!(from_memory(&app, hearing_seen(&app, &other)).await, (Ok(first), true));
}

/// The first day and the kinds of what `token`'s bearer is shown coming up at `query`.
async fn upcoming_seen(app: &TestApp, f: &Family, query: &str, token: &str) -> (String, Vec<String>) {
    let response = app.get(&format!("/persons/{}/upcoming{query}", f.person), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let mut kinds: Vec<String> =
        body["items"].as_array().unwrap().iter().map(|item| item["kind"].as_str().unwrap().to_owned()).collect();
    kinds.sort();
    kinds.dedup();
    (body["from"].as_str().unwrap().to_owned(), kinds)
}

async fn an_answer_kept_for_one_reader_is_shown_to_none_who_asked_otherwise(app: TestApp) {
    until_live(&app).await;
    let f = family(&app, json!({})).await;
    let release_on = (app.today() + Duration::days(5)).to_string();
    let release = json!({"kind": "release", "scheduled_on": release_on, "release_type": "full_term"});
    let created = app.post(&format!("/persons/{}/milestones", f.person), &f.staff, &release).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let today = app.today().to_string();
    // The staff member sees the release and the bail; the second answer comes from memory.
    let everything = upcoming_seen(&app, &f, "", &f.staff).await;
    assert_eq!(everything.0, today);
    assert!(
        everything.1.contains(&"release".to_owned()) && everything.1.contains(&"bail".to_owned()),
        "{everything:?}"
    );
    assert_eq!(from_memory(&app, upcoming_seen(&app, &f, "", &f.staff)).await, (everything, true));
    // The family's consent reaches the bail alone: what was kept for the staff is not theirs.
    assert_eq!(upcoming_seen(&app, &f, "", &f.family).await, (today.clone(), vec!["bail".to_owned()]));
    // Three days ahead reach neither the hearing (ten days) nor its period.
    let (_, soon) = upcoming_seen(&app, &f, "?days=3", &f.staff).await;
    assert!(!soon.contains(&"bail".to_owned()), "the hearing ten days ahead is past three days: {soon:?}");
    // Ten seconds before the person's local midnight the family's answer is kept; twenty
    // seconds later, well within the cache's lifetime, the answer starts on the new day.
    let midnight = chrono_tz::Asia::Tokyo
        .from_local_datetime(&(app.today() + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    app.clock.set(midnight - Duration::seconds(10));
    assert_eq!(upcoming_seen(&app, &f, "", &f.family).await.0, today);
    assert!(from_memory(&app, upcoming_seen(&app, &f, "", &f.family)).await.1, "kept before midnight");
    app.clock.advance(Duration::seconds(20));
    let tomorrow = app.today().to_string();
    assert_eq!(upcoming_seen(&app, &f, "", &f.family).await.0, tomorrow);
    assert!(tomorrow > today);
}

async fn a_refused_notify_leaves_nothing_stale(app: TestApp) {
    until_live(&app).await;
    let f = family(&app, json!({})).await;
    let first = (app.today() + Duration::days(10)).to_string();
    assert_eq!(hearing_seen(&app, &f).await, Ok(first.clone()));
    assert_eq!(hearing_seen(&app, &f).await, Ok(first.clone()));
    // From now on PostgreSQL refuses every NOTIFY this instance sends (SQLite sends none).
    app.state.db.refuse_notifications();

    // A write in a transaction: the NOTIFY is part of it, so a refused one undoes the write.
    let moved = (app.today() + Duration::days(12)).to_string();
    let patch = app.patch(&format!("/milestones/{}", f.bail), &f.staff, &json!({"hearing_on": moved})).await;
    let stored = stored_hearing(&app, &f).await.to_string();
    assert_eq!(patch.status().is_success(), stored == moved, "answered as it was stored");
    assert_eq!(hearing_seen(&app, &f).await, Ok(stored), "shown as it is stored");

    // A write that commits by itself is stored and answered whatever the NOTIFY does.
    let patch = app.patch("/me/preferences", &f.family, &json!({"digest_at": "07:30"})).await;
    assert_eq!(patch.status(), StatusCode::OK);
    let shown: Value = app.get("/me/preferences", &f.family).await.json().await.unwrap();
    assert_eq!(shown["digest_at"], "07:30");
}

/// The bail hearing as the database holds it.
async fn stored_hearing(app: &TestApp, f: &Family) -> chrono::NaiveDate {
    let bail: uuid::Uuid = f.bail.parse().unwrap();
    let row = milestone::Entity::find_by_id(bail).one(&app.outside).await.unwrap().unwrap();
    row.hearing_on.unwrap()
}

async fn a_change_made_outside_the_service_shows_once_the_cache_lifetime_is_over(app: TestApp) {
    until_live(&app).await;
    let f = family(&app, json!({})).await;
    let first = (app.today() + Duration::days(10)).to_string();
    assert_eq!(hearing_seen(&app, &f).await, Ok(first.clone()));
    // An operator's SQL, which no notification tells of.
    let elsewhere = move_hearing_around_the_writer(&app, &f).await;
    let lifetime = tsunagu::cache::LIFETIME;
    app.clock.advance(lifetime - Duration::seconds(1));
    assert_eq!(hearing_seen(&app, &f).await, Ok(first), "still answered from memory within the lifetime");
    app.clock.advance(Duration::seconds(1));
    assert_eq!(hearing_seen(&app, &f).await, Ok(elsewhere.to_string()), "read afresh once the lifetime is over");
}

async fn another_instance_hears_a_write(app: TestApp) {
    let other = spawn_app(&app.database_url).await;
    until_live(&app).await;
    let f = family(&app, json!({})).await;
    let postgres = !app.database_url.starts_with("sqlite:");
    if postgres {
        until_live(&other).await;
    } else {
        // SQLite: only the server holding the database's lock may keep anything.
        assert!(!other.state.cache.is_live(), "a second server on one SQLite file keeps nothing");
    }
    let first = (app.today() + Duration::days(10)).to_string();
    assert_eq!(hearing_seen(&other, &f).await, Ok(first.clone()));
    assert_eq!(hearing_seen(&other, &f).await, Ok(first));

    let seen = other.state.cache.generation();
    assert_eq!(app.delete(&format!("/links/{}", f.link), &f.staff).await.status(), StatusCode::NO_CONTENT);
    if postgres {
        tokio::time::timeout(std::time::Duration::from_secs(10), other.state.cache.changed_since(seen))
            .await
            .expect("the other instance hears the revocation");
    }
    assert_eq!(hearing_seen(&other, &f).await, Err(StatusCode::NOT_FOUND));
}

/// The ids a staff member's resident list shows, every page followed.
async fn residents(app: &TestApp, staff: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(after) => format!("/persons?limit=1&cursor={after}"),
            None => "/persons?limit=1".to_owned(),
        };
        let page: Value = app.get(&path, staff).await.json().await.unwrap();
        ids.extend(page["items"].as_array().unwrap().iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return ids,
        }
    }
}

async fn a_facility_list_follows_placements_and_the_clock(app: TestApp) {
    until_live(&app).await;
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let first = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    assert_eq!(residents(&app, &staff).await, vec![first.clone()]);
    assert_eq!(residents(&app, &staff).await, vec![first.clone()]);

    // A resident recorded now shows at once; one whose placement starts in two days, once the
    // days have passed, with no write between.
    let second = id_of(&app.post("/persons", &staff, &json!({"display_name": "Jiro"})).await.json().await.unwrap());
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(residents(&app, &staff).await, expected);
    let later = app.create("/persons", json!({"display_name": "Saburo"})).await;
    let later = id_of(&later);
    let starts_on = (app.today() + Duration::days(2)).to_string();
    let placement = json!({"organization_id": org, "start_on": starts_on});
    let placed = app.post(&format!("/persons/{later}/placements"), &app.admin(), &placement).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    assert_eq!(residents(&app, &staff).await, expected, "not before the placement starts");
    app.clock.advance(Duration::days(3));
    expected.push(later);
    expected.sort();
    assert_eq!(residents(&app, &staff).await, expected, "from its first day");

    // A placement ended shows no more once its last day is over.
    let placements: Value = app.get(&format!("/persons/{first}/placements"), &staff).await.json().await.unwrap();
    let placement = id_of(&placements["items"][0]);
    let end = json!({"end_on": app.today().to_string()});
    let ended = app.patch(&format!("/persons/{first}/placements/{placement}"), &app.admin(), &end).await;
    assert_eq!(ended.status(), StatusCode::OK);
    assert!(residents(&app, &staff).await.contains(&first), "still placed on its last day");
    app.clock.advance(Duration::days(1));
    expected.retain(|id| *id != first);
    assert_eq!(residents(&app, &staff).await, expected);
}

/// The items of an inbox page, by path, as `token` reads them.
async fn items(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

async fn an_inbox_shows_each_write_to_it_from_the_next_request_on(app: TestApp) {
    until_live(&app).await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let staff: Vec<String> = {
        let mut staff = Vec::new();
        for name in ["Sato", "Suzuki"] {
            let party = app.create_party(json!({"role": "staff", "display_name": name, "organization_id": org})).await;
            staff.push(app.token("staff", &party));
        }
        staff
    };
    let person = id_of(&app.post("/persons", &staff[0], &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let family_party = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let link = json!({"party_id": family_party, "relationship": "family"});
    let link = id_of(&app.post(&format!("/persons/{person}/links"), &staff[0], &link).await.json().await.unwrap());
    let family = app.token("family", &family_party);
    let (mine, team) = ("/me/alerts", format!("/organizations/{org}/alerts"));

    // Nothing delivered yet, and the empty page is kept.
    assert!(items(&app, mine, &family).await.is_empty());
    let (empty, kept) = from_memory(&app, items(&app, mine, &family)).await;
    assert!(empty.is_empty() && kept, "the second read is answered from memory");

    // A hearing in five days and a release today: the tick delivers to both inboxes.
    let today = app.today();
    let bail = json!({"kind": "bail", "requested_on": today, "hearing_on": today + Duration::days(5)});
    assert_eq!(
        app.post(&format!("/persons/{person}/milestones"), &staff[0], &bail).await.status(),
        StatusCode::CREATED
    );
    let release = json!({"kind": "release", "scheduled_on": today, "release_type": "full_term"});
    let release = app.post(&format!("/persons/{person}/milestones"), &staff[0], &release).await;
    let release = id_of(&release.json().await.unwrap());
    let released = json!({"event": "release", "on": today});
    let released = app.post(&format!("/milestones/{release}/events"), &staff[0], &released).await;
    assert_eq!(released.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    let told = items(&app, mine, &family).await;
    assert!(told.iter().any(|alert| alert["rule"] == "hearing"), "a delivered alert shows at once: {told:?}");
    let inbox = items(&app, &team, &staff[0]).await;
    assert!(!inbox.is_empty(), "the team's delivered alerts show at once");
    assert_eq!(items(&app, &team, &staff[1]).await, inbox, "all its staff see the same page");
    let (again, kept) = from_memory(&app, items(&app, &team, &staff[0])).await;
    assert!(again == inbox && kept, "the team's page is kept");
    let english = json!({"role": "staff", "display_name": "Smith", "organization_id": org, "language": "en"});
    let english = app.token("staff", &app.create_party(english).await);
    let in_english = items(&app, &team, &english).await;
    assert_eq!(in_english.len(), inbox.len());
    assert_ne!(in_english[0]["title"], inbox[0]["title"], "the kept page is written in each reader's language");

    // One acknowledges for the team: the family's inbox is left as it was kept.
    let alert = inbox[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post(&format!("/alerts/{alert}/ack"), &staff[1], &json!({})).await.status(), StatusCode::OK);
    let (_, kept) = from_memory(&app, items(&app, mine, &family)).await;
    assert!(kept, "a write to the team's inbox leaves the family's kept");
    let seen = items(&app, &team, &staff[0]).await;
    let seen = seen.iter().find(|a| a["id"] == alert.as_str()).unwrap().clone();
    assert!(seen["acknowledged_at"].is_string(), "an acknowledgement shows at once");

    let logged = app.post(&format!("/alerts/{alert}/contacts"), &staff[0], &json!({"outcome": "reached"})).await;
    assert_eq!(logged.status(), StatusCode::CREATED);
    let seen = items(&app, &team, &staff[1]).await;
    let contacts = &seen.iter().find(|a| a["id"] == alert.as_str()).unwrap()["contacts"];
    assert_eq!(contacts.as_array().map(Vec::len), Some(1), "a contact logged shows at once");

    let until = (today + Duration::days(2)).to_string();
    let snooze = json!({"until": until, "reason": "visiting"});
    assert_eq!(app.post(&format!("/alerts/{alert}/snooze"), &staff[0], &snooze).await.status(), StatusCode::OK);
    let waiting = items(&app, &team, &staff[1]).await;
    assert!(waiting.iter().all(|a| a["id"] != alert.as_str()), "a snoozed alert leaves the inbox at once");

    let renamed = app.patch(&format!("/persons/{person}"), &staff[0], &json!({"display_name": "Jiro"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    for (path, token) in [(mine, &family), (team.as_str(), &staff[0])] {
        let shown = items(&app, path, token).await;
        assert!(shown.iter().all(|a| a["person_display_name"] == "Jiro"), "a new name shows at once in {path}");
    }

    let own = told[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post(&format!("/alerts/{own}/ack"), &family, &json!({})).await.status(), StatusCode::OK);
    let unread = items(&app, "/me/alerts?unread=true", &family).await;
    assert!(unread.iter().all(|a| a["id"] != own.as_str()), "an acknowledged alert is read at once");

    assert_eq!(app.delete(&format!("/links/{link}"), &staff[0]).await.status(), StatusCode::NO_CONTENT);
    assert!(items(&app, mine, &family).await.is_empty(), "a revoked link's alerts are gone at once");
}

/// Whether the family's signed-in page names the resident's facility, and the number it shows.
async fn facility_on_page(app: &TestApp, cookie: &str) -> (bool, bool) {
    let page = crate::pages::page(app, cookie, "/app").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    (html.contains("A rehab_facility"), html.contains("tel:+81312345678"))
}

async fn placements_and_facilities_show_from_the_next_request_on(app: TestApp) {
    until_live(&app).await;
    let f = family(&app, json!({})).await;
    let cookie = crate::sign_in::signed_in(&app, &f.family_party).await;
    let person = format!("/persons/{}", f.person);
    let placements: Value = app.get(&format!("{person}/placements"), &f.staff).await.json().await.unwrap();
    let (placement, org) = (id_of(&placements["items"][0]), placements["items"][0]["organization_id"].clone());
    let org = org.as_str().unwrap().to_owned();
    for _ in 0..2 {
        assert_eq!(facility_on_page(&app, &cookie).await, (true, false));
        assert_eq!(app.get(&person, &f.staff).await.status(), StatusCode::OK);
    }

    // The facility gives a number: the family's page shows it from the next request on.
    let phoned = app.patch(&format!("/organizations/{org}"), &app.admin(), &json!({"phone": "+81312345678"})).await;
    assert_eq!(phoned.status(), StatusCode::OK);
    assert_eq!(facility_on_page(&app, &cookie).await, (true, true), "the new number at once");

    // The placement ends today: the staff still see the resident today, not tomorrow, with no
    // write between; and the family's page no longer names the facility.
    let end = json!({"end_on": app.today().to_string()});
    let ended = app.patch(&format!("{person}/placements/{placement}"), &app.admin(), &end).await;
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(app.get(&person, &f.staff).await.status(), StatusCode::OK, "still placed on its last day");
    app.clock.advance(Duration::days(1));
    assert_eq!(app.get(&person, &f.staff).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(facility_on_page(&app, &cookie).await, (false, false));

    // Placed there again from today: the staff see the resident at once.
    let again = json!({"organization_id": org, "start_on": app.today().to_string()});
    let placed = app.post(&format!("{person}/placements"), &app.admin(), &again).await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    assert_eq!(app.get(&person, &f.staff).await.status(), StatusCode::OK, "placed again");
    assert_eq!(facility_on_page(&app, &cookie).await, (true, true));
}

/// The family's signed-in page, as its browser gets it.
async fn app_page(app: &TestApp, cookie: &str) -> String {
    let page = crate::pages::page(app, cookie, "/app").await;
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap()
}

async fn a_family_page_is_kept_as_written_until_a_write_it_shows(app: TestApp) {
    until_live(&app).await;
    let s = crate::pages::scene(&app).await;
    let cookie = crate::sign_in::signed_in(&app, &s.family).await;
    let (family, staff) = (app.token("family", &s.family), app.token("staff", &s.staff_party));
    let first = app_page(&app, &cookie).await;
    let (again, kept) = from_memory(&app, app_page(&app, &cookie)).await;
    assert!(again == first && kept, "the second load is the page as written");
    // A browser takes it compressed, as it is kept: the same page, in fewer bytes.
    let packed = reqwest::Client::new()
        .get(format!("{}/app", app.address))
        .header("Cookie", &cookie)
        .header("Accept-Encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(packed.status(), StatusCode::OK);
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    assert!(packed.headers().get_all("vary").iter().any(|vary| vary == "Accept-Encoding"));
    let bytes = packed.bytes().await.unwrap();
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, first, "the page a browser unpacks is the page itself");
    assert!(bytes.len() < first.len(), "{} bytes for a page of {}", bytes.len(), first.len());

    // The family acknowledges the alert through the API: the page's button is gone at once.
    let alerts: Value = app.get("/me/alerts", &family).await.json().await.unwrap();
    let alert = id_of(&alerts["items"][0]);
    let button = format!("action=\"/app/alerts/{alert}/ack\"");
    assert!(first.contains(&button));
    assert_eq!(app.post(&format!("/alerts/{alert}/ack"), &family, &json!({})).await.status(), StatusCode::OK);
    let acknowledged = app_page(&app, &cookie).await;
    assert!(!acknowledged.contains(&button), "an acknowledgement shows at once");

    // The resident's new name, and a hearing added to his record, show from the next load on.
    let renamed = app.patch(&format!("/persons/{}", s.person), &staff, &json!({"display_name": "Jiro"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let page = app_page(&app, &cookie).await;
    assert!(page.contains("Jiro") && !page.contains("Taro"), "a new name shows at once");
    let bail = json!({"kind": "bail", "requested_on": app.today(), "hearing_on": app.today() + Duration::days(3)});
    let added = app.post(&format!("/persons/{}/milestones", s.person), &staff, &bail).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let with_hearing = app_page(&app, &cookie).await;
    assert_ne!(with_hearing, page, "a new date shows at once");

    // Another language is another page; the family member's own new name titles it at once.
    let english = app_page(&app, &format!("{cookie}; tsunagu_lang=en")).await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Hanako"), "{english}");
    let renamed = app.patch(&format!("/parties/{}", s.family), &app.admin(), &json!({"display_name": "Hana"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed = app_page(&app, &format!("{cookie}; tsunagu_lang=en")).await;
    assert!(renamed.contains("Hana") && !renamed.contains("Hanako"), "her new name titles her page at once");

    // Once the link is revoked the resident is no longer on the page.
    assert_eq!(app.delete(&format!("/links/{}", s.link), &staff).await.status(), StatusCode::NO_CONTENT);
    assert!(!app_page(&app, &cookie).await.contains("Jiro"), "a revoked link's person is gone at once");
}
