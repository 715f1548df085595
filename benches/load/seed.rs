//! A realistic population, written straight into the database in large batches.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, TransactionTrait};
use tsunagu::entity::{
    alert, contact_point, link, organization, party, person, placement, session, webhook_subscription,
};
use tsunagu::{
    domain::{
        milestones::{EventInput, Milestone, Program, ReleaseType, WindowPolicy},
        Relationship,
    },
    store,
};
use uuid::Uuid;

const BATCH: usize = 500;

async fn insert_all<A>(db: &DatabaseConnection, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let txn = db.begin().await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(batch).exec_without_returning(&txn).await?;
    }
    txn.commit().await
}

pub struct Population {
    /// (person, family party) pairs: who asks for `upcoming`.
    pub families: Vec<(Uuid, Uuid)>,
    /// A signed-in browser's session cookie for each family member, in the order of `families`.
    pub sessions: Vec<String>,
    /// One staff member of each facility, in the order of `facilities`.
    pub staff: Vec<Uuid>,
    pub facilities: Vec<Uuid>,
    /// A bail per person whose hearing the write path moves.
    pub bails: Vec<Uuid>,
    pub milestones: usize,
}

fn step(milestone: &Milestone, event: &str, on: chrono::NaiveDate) -> Milestone {
    milestone
        .apply(
            &EventInput::new(event.parse().expect("a known event"), on),
            chrono::NaiveDate::MAX,
            &WindowPolicy::default(),
        )
        .map(|a| a.milestone)
        .unwrap_or_else(|_| milestone.clone())
}

/// One of a mix of milestones, in every state, for person number `n`.
fn milestone_mix(n: usize, today: chrono::NaiveDate) -> Vec<Milestone> {
    let day = |offset: i64| today + Duration::days(offset);
    let mut bail = Milestone::bail(day(-60));
    bail.dates.judgment_on = Some(day(20 + (n % 60) as i64));
    bail.dates.hearing_on = Some(day(5 + (n % 20) as i64));
    let bail = match n % 4 {
        0 => bail,
        1 => step(&bail, "grant", day(-50)),
        2 => step(&step(&bail, "grant", day(-50)), "release", day(-45)),
        _ => step(&step(&step(&bail, "grant", day(-50)), "release", day(-45)), "end", day(-5)),
    };
    let release = Milestone::release(day(10 + (n % 90) as i64), Some(ReleaseType::FullTerm));
    // Brought up to date as the scheduler would have (opened, or expired), so the population
    // starts in a steady state.
    let mut window = Milestone::window(day(-((n % 200) as i64)), &WindowPolicy::default());
    while let Some(due) = window.due_by_date(today) {
        match window.apply(&due, today, &WindowPolicy::default()) {
            Ok(applied) => window = applied.milestone,
            Err(_) => break,
        }
    }
    let programme = Milestone::program(Program::Smarpp, day(-30), None);
    let programme = match n % 3 {
        0 => programme,
        1 => step(&step(&programme, "enroll", day(-25)), "start", day(-20)),
        _ => step(&step(&step(&programme, "enroll", day(-25)), "start", day(-20)), "complete", day(-3)),
    };
    vec![bail, release, window, programme]
}

/// `persons` persons at facilities of about 200 residents, each with a linked family member
/// and milestones of every kind; `extra_milestones` more spread over them (for tick sizes).
pub async fn seed(
    db: &DatabaseConnection,
    persons: usize,
    extra_milestones: usize,
    now: DateTime<Utc>,
) -> Result<Population, sea_orm::DbErr> {
    let today = now.date_naive();
    let facilities: Vec<Uuid> = (0..persons.div_ceil(200).max(1)).map(|_| Uuid::now_v7()).collect();
    insert_all(
        db,
        facilities
            .iter()
            .enumerate()
            .map(|(n, id)| {
                organization::Model {
                    id: *id,
                    kind: "rehab_facility".parse().expect("a value the service stores"),
                    name: format!("Facility {n}"),
                    timezone: "Asia/Tokyo".parse().expect("a value the service stores"),
                    phone: None,
                    hours: None,
                    helps_with: None,
                    area: None,
                    created_at: now,
                    updated_at: now,
                }
                .into_active_model()
                .reset_all()
            })
            .collect(),
    )
    .await?;
    let party = |role: &str, org: Option<Uuid>, n: usize| party::Model {
        id: Uuid::now_v7(),
        role: role.parse().expect("a value the service stores"),
        display_name: format!("{role} {n}"),
        organization_id: org,
        language: "ja".parse().expect("a value the service stores"),
        timezone: "Asia/Tokyo".parse().expect("a value the service stores"),
        quiet_hours_start: None,
        quiet_hours_end: None,
        person_id: None,
        disabled_at: None,
        email_preference: "immediate".parse().expect("a value the service stores"),
        sms_preference: "critical".parse().expect("a value the service stores"),
        line_preference: "immediate".parse().expect("a value the service stores"),
        digest_at: "08:00".into(),
        email_detail: false,
        opened_by_organization_id: None,
        first_signed_in_at: None,
        created_at: now,
        updated_at: now,
    };
    let staff: Vec<party::Model> =
        facilities.iter().enumerate().map(|(n, org)| party("staff", Some(*org), n)).collect();
    let families: Vec<party::Model> = (0..persons).map(|n| party("family", None, n)).collect();
    let person_rows: Vec<person::Model> = (0..persons)
        .map(|n| person::Model {
            id: Uuid::now_v7(),
            display_name: format!("Person {n}"),
            birth_date: None,
            language: "ja".parse().expect("a value the service stores"),
            timezone: "Asia/Tokyo".parse().expect("a value the service stores"),
            created_at: now,
            updated_at: now,
        })
        .collect();
    insert_all(db, staff.iter().chain(&families).cloned().map(|p| p.into_active_model().reset_all()).collect()).await?;
    insert_all(db, person_rows.iter().cloned().map(|p| p.into_active_model().reset_all()).collect()).await?;
    let placements = person_rows.iter().enumerate().map(|(n, p)| {
        placement::Model {
            id: Uuid::now_v7(),
            person_id: p.id,
            organization_id: facilities[n % facilities.len()],
            start_on: today - Duration::days(30),
            end_on: None,
            starts_at: now - Duration::days(30),
            ends_at: None,
            created_at: now,
            updated_at: now,
            external_id: None,
        }
        .into_active_model()
        .reset_all()
    });
    insert_all(db, placements.collect()).await?;
    let links: Vec<link::Model> = person_rows
        .iter()
        .zip(&families)
        .map(|(p, family)| link::Model {
            id: Uuid::now_v7(),
            person_id: p.id,
            party_id: family.id,
            relationship: "family".parse().expect("a value the service stores"),
            scope: Relationship::Family.default_scope().to_text(),
            expires_on: None,
            expires_at: None,
            revoked_at: None,
            created_at: now,
            updated_at: now,
        })
        .collect();
    insert_all(db, links.iter().cloned().map(|l| l.into_active_model().reset_all()).collect()).await?;

    let mut rows = Vec::new();
    let mut bails = Vec::new();
    for (n, p) in person_rows.iter().enumerate() {
        for (k, milestone) in milestone_mix(n, today).into_iter().enumerate() {
            let row = store::milestones::new_row(p.id, &milestone, None, now);
            if k == 0 {
                bails.push(row.id);
            }
            rows.push(row.into_active_model().reset_all());
        }
    }
    for n in 0..extra_milestones {
        let p = &person_rows[n % person_rows.len()];
        let milestone = &milestone_mix(n, today)[n % 4];
        rows.push(store::milestones::new_row(p.id, milestone, None, now).into_active_model().reset_all());
    }
    let milestones = rows.len();
    insert_all(db, rows).await?;

    // Each family has a few alerts in its inbox already, and a few planned for later.
    let inbox = person_rows.iter().zip(&families).zip(&links).flat_map(|((p, family), link)| {
        (0..6).map(move |k| {
            let mut row = alert_row(p.id, family.id, Some(link.id), "bail", "bail_craving", today, now);
            row.dedupe_key = format!("seed|{}|{k}", link.id);
            row.series = row.dedupe_key.clone();
            row.source_id = p.id;
            row.starts_on = today;
            row.ends_on = today + Duration::days(30);
            row.lead_days = 7;
            if k < 3 {
                row.status = tsunagu::store::alerts::DELIVERED;
                row.due_at = now - Duration::days(1);
                row.delivered_at = Some(row.due_at);
            } else {
                row.due_at = now + Duration::days(k as i64);
            }
            row.into_active_model().reset_all()
        })
    });
    insert_all(db, inbox.collect()).await?;
    // Each facility's team inbox: two delivered alerts a resident, one acknowledged.
    let team = person_rows.iter().enumerate().flat_map(|(n, p)| {
        let facility = facilities[n % facilities.len()];
        (0..2).map(move |k| {
            let mut row = alert_row(p.id, facility, None, "release", "after_release_high", today, now);
            row.team_organization_id = Some(facility);
            row.dedupe_key = format!("team|{}|{k}", p.id);
            row.series = row.dedupe_key.clone();
            row.status = tsunagu::store::alerts::DELIVERED;
            row.delivered_at = Some(now - Duration::hours(k + 1));
            row.acknowledged_at = (k == 1).then_some(now);
            row.into_active_model().reset_all()
        })
    });
    insert_all(db, team.collect()).await?;
    // A browser session for each family member, as signing in with an invitation leaves.
    let sessions: Vec<String> = families.iter().map(|_| tsunagu::auth::new_capability_token()).collect();
    let session_rows = families.iter().zip(&sessions).map(|(family, cookie)| {
        session::Model {
            id: Uuid::now_v7(),
            token_hash: tsunagu::auth::capability_hash(cookie),
            party_id: family.id,
            signed_in_by: "invitation".into(),
            user_agent: None,
            created_at: now,
            last_seen_at: now,
            idle_expires_at: now + Duration::days(7),
            expires_at: now + Duration::days(30),
            ended_at: None,
            end_reason: None,
        }
        .into_active_model()
        .reset_all()
    });
    insert_all(db, session_rows.collect()).await?;
    Ok(Population {
        families: person_rows.iter().zip(&families).map(|(p, f)| (p.id, f.id)).collect(),
        sessions,
        staff: staff.iter().map(|s| s.id).collect(),
        facilities,
        bails,
        milestones,
    })
}

/// `due` pending alerts due now, each for its own period (so none supersedes another), as a
/// tick finds them: to the family members over their links, or (`team`) to the facilities'
/// teams, whose systems hear of them by webhook.
pub async fn due_alerts(
    db: &DatabaseConnection,
    population: &Population,
    due: usize,
    now: DateTime<Utc>,
    label: &str,
    team: bool,
) -> Result<(), sea_orm::DbErr> {
    let links: Vec<link::Model> = link::Entity::find().all(db).await?;
    // Persons are placed round-robin over the facilities, in the order they were made.
    let facility_of: std::collections::HashMap<Uuid, Uuid> = population
        .families
        .iter()
        .enumerate()
        .map(|(n, (person, _))| (*person, population.facilities[n % population.facilities.len()]))
        .collect();
    let rows = (0..due).map(|n| {
        let link = &links[n % links.len()];
        let today = now.date_naive();
        let mut row = if team {
            let facility = facility_of[&link.person_id];
            let mut row = alert_row(link.person_id, facility, None, "release", "after_release_high", today, now);
            row.team_organization_id = Some(facility);
            row
        } else {
            alert_row(link.person_id, link.party_id, Some(link.id), "release", "after_release_high", today, now)
        };
        row.dedupe_key = format!("{label}|{n}");
        row.series = row.dedupe_key.clone();
        row.into_active_model().reset_all()
    });
    insert_all(db, rows.collect()).await
}

/// A pending alert due a minute ago for a period from tomorrow, for its own source (so none
/// supersedes another); callers change what their alerts need.
fn alert_row(
    person_id: Uuid,
    recipient: Uuid,
    link_id: Option<Uuid>,
    scope_kind: &str,
    rule: &str,
    today: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> alert::Model {
    alert::Model {
        id: Uuid::now_v7(),
        dedupe_key: String::new(),
        series: String::new(),
        person_id,
        recipient_party_id: recipient,
        link_id,
        rule: rule.into(),
        severity: "high".parse().expect("a value the service stores"),
        scope_kind: scope_kind.parse().expect("a value the service stores"),
        source_id: Uuid::now_v7(),
        starts_on: today + Duration::days(1),
        ends_on: today + Duration::days(14),
        lead_days: 1,
        due_at: now - Duration::minutes(1),
        status: tsunagu::store::alerts::PENDING,
        cancel_reason: None,
        moved_earlier: false,
        escalation_of: None,
        delivered_at: None,
        acknowledged_at: None,
        escalated_at: None,
        team_organization_id: None,
        acknowledged_by: None,
        snoozed_until: None,
        snooze_reason: None,
        notice: None,
        notice_old_on: None,
        notice_new_on: None,
        ladder_next_at: None,
        acknowledged_via: None,
        created_at: now,
        updated_at: now,
    }
}

/// Ways out for the outbox run: a confirmed e-mail address for each family member, and a
/// webhook subscription of each facility to `webhook_url`.
pub async fn reach(db: &DatabaseConnection, population: &Population, webhook_url: &str) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let addresses = population.families.iter().enumerate().map(|(n, (_, family))| {
        contact_point::Model {
            id: Uuid::now_v7(),
            party_id: *family,
            channel: "email".parse().expect("a value the service stores"),
            address: format!("family{n}@example.org"),
            status: "confirmed".parse().expect("a value the service stores"),
            confirm_token_hash: None,
            unsubscribe_token: tsunagu::auth::new_capability_token(),
            confirmed_at: Some(now),
            created_at: now,
            updated_at: now,
        }
        .into_active_model()
        .reset_all()
    });
    insert_all(db, addresses.collect()).await?;
    let subscriptions = population.facilities.iter().map(|facility| {
        webhook_subscription::Model {
            id: Uuid::now_v7(),
            organization_id: *facility,
            url: webhook_url.to_owned(),
            events: "alert.delivered".into(),
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            disabled_at: None,
            disabled_reason: None,
            created_at: now,
        }
        .into_active_model()
        .reset_all()
    });
    insert_all(db, subscriptions.collect()).await
}

/// What the directory page is asked for: the whole directory, an area, an area and a need.
pub const DIRECTORY_SEARCHES: &[&str] = &[
    "/help",
    "/help?area=%E6%9D%B1%E4%BA%AC%E9%83%BD",
    "/help?area=%E6%9D%B1%E4%BA%AC%E9%83%BD&need=family_class",
    "/help?area=%E5%A4%A7%E9%98%AA%E5%BA%9C&need=outpatient_treatment",
    "/help?need=self_help_meeting",
];

/// A dozen services for each facility, in Tokyo and Osaka, through the API as their staff
/// would add them: weekly and monthly meetings, clinics with opening hours.
pub async fn directory(client: &reqwest::Client, base: &str, staff: &[(Uuid, String)]) {
    let kinds = ["family_class", "self_help_meeting", "outpatient_treatment", "consultation"];
    for (f, (facility, token)) in staff.iter().enumerate() {
        for n in 0..12 {
            let area = if (f + n) % 2 == 0 { "東京都" } else { "大阪府" };
            let schedule = if n % 3 == 0 {
                serde_json::json!({"freq": "monthly", "byday": "2TU", "opens_at": "18:30", "closes_at": "20:30"})
            } else {
                serde_json::json!({"freq": "weekly", "byday": "MO,WE,FR", "opens_at": "09:00", "closes_at": "17:00"})
            };
            let service = serde_json::json!({
                "name": format!("相談 {f}-{n}"), "kinds": [kinds[n % kinds.len()]], "area": area,
                "description": "薬物の問題でお困りの方とご家族のための窓口です。", "phone": "03-1234-5678",
                "languages": ["ja"], "cost": "無料", "schedules": [schedule],
            });
            let answer = client
                .post(format!("{base}/api/v1/organizations/{facility}/services"))
                .bearer_auth(token)
                .json(&service)
                .send()
                .await
                .expect("add a service");
            assert!(answer.status().is_success(), "a service is added: {}", answer.text().await.unwrap_or_default());
        }
    }
}
