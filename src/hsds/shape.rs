//! Services and organisations in the shapes of Open Referral's HSDS 3.0 (`compiled/service.json`,
//! `service_list.json`, `organization.json`, `organization_list.json`). Fields Tsunagu has no
//! value for are left out, never sent as null; ids of the parts HSDS numbers on their own
//! (phones, languages, areas, attributes) are derived from the service's, so they stay the same
//! from answer to answer.

use chrono::{Datelike, NaiveDate, NaiveTime, Offset, TimeZone};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    domain::{directory::ServiceKind, Zone},
    entity::organization,
    store::services::ServiceRecord,
};

/// The version this API speaks, and where its description is.
pub const VERSION: &str = "3.0";
pub const PROFILE: &str = "https://openreferral.org/";
pub const OPENAPI_URL: &str = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json";

/// A stable id for the `n`-th part of kind `what` of `owner`.
fn part_id(owner: Uuid, what: &str, n: usize) -> String {
    let digest = Sha256::digest(format!("{owner}|{what}|{n}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

fn put(object: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), value.into());
    }
}

/// The zone's offset from UTC on `day`, in hours (HSDS `timezone`) and as `+09:00`.
fn offset(zone: Zone, day: NaiveDate) -> (f64, String) {
    let seconds = zone.tz().offset_from_utc_date(&day).fix().local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    (f64::from(seconds) / 3600.0, format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60))
}

fn clock(time: NaiveTime, offset: &str) -> String {
    format!("{}{offset}", time.format("%H:%M"))
}

fn kind_words(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Consultation => "Consultation (相談)",
        ServiceKind::FamilyClass => "Family class (家族教室)",
        ServiceKind::SelfHelpMeeting => "Self-help meeting (自助グループ)",
        ServiceKind::OutpatientTreatment => "Outpatient treatment accepting drug dependence (薬物依存症の外来治療)",
        ServiceKind::DualDiagnosis => "Dual diagnosis (重複障害)",
        ServiceKind::MedicineDependence => "Prescription or OTC medicine dependence (処方薬・市販薬の依存)",
        ServiceKind::LegalConsultation => "Legal consultation (法律相談)",
        ServiceKind::EmploymentSupport => "Employment support (就労支援)",
    }
}

/// What an organisation says of itself (HSDS requires a description).
fn organization_description(organization: &organization::Model) -> String {
    organization.helps_with.clone().unwrap_or_else(|| organization.name.clone())
}

/// An organisation's one-to-one fields (`organization_list.json`).
pub fn organization_summary(organization: &organization::Model) -> Value {
    json!({
        "id": organization.id.to_string(),
        "name": organization.name,
        "description": organization_description(organization),
    })
}

/// An organisation with its services (`organization.json`).
pub fn organization_full(organization: &organization::Model, services: &[ServiceRecord]) -> Value {
    let mut object = match organization_summary(organization) {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    if let Some(phone) = &organization.phone {
        object.insert(
            "phones".to_owned(),
            json!([{ "id": part_id(organization.id, "phone", 0), "organization_id": organization.id.to_string(), "number": phone }]),
        );
    }
    object.insert(
        "services".to_owned(),
        Value::Array(services.iter().map(|service| service_summary(service, organization)).collect()),
    );
    Value::Object(object)
}

/// A service's one-to-one fields, with its organisation (`service_list.json`).
pub fn service_summary(record: &ServiceRecord, organization: &organization::Model) -> Value {
    let row = &record.row;
    let mut object = Map::new();
    object.insert("id".to_owned(), row.id.to_string().into());
    object.insert("organization_id".to_owned(), row.organization_id.to_string().into());
    object.insert("name".to_owned(), row.name.clone().into());
    put(&mut object, "description", row.description.clone());
    put(&mut object, "url", row.url.clone());
    object.insert("status".to_owned(), record.status.as_str().into());
    put(&mut object, "eligibility_description", row.for_whom.clone());
    put(&mut object, "application_process", row.how_to_apply.clone());
    put(&mut object, "fees_description", row.cost.clone());
    put(&mut object, "assured_date", row.assured_on.map(|day| day.to_string()));
    object.insert("last_modified".to_owned(), row.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into());
    object.insert("organization".to_owned(), organization_summary(organization));
    Value::Object(object)
}

/// A service with everything it has (`service.json`).
pub fn service_full(record: &ServiceRecord, organization: &organization::Model, today: NaiveDate) -> Value {
    let mut object = match service_summary(record, organization) {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    let row = &record.row;
    let service_id = row.id.to_string();
    let zone = organization.timezone;
    if let Some(phone) = &row.phone {
        object.insert(
            "phones".to_owned(),
            json!([{ "id": part_id(row.id, "phone", 0), "service_id": service_id, "number": phone }]),
        );
    }
    let languages: Vec<Value> = record
        .languages
        .iter()
        .enumerate()
        .map(|(n, code)| json!({ "id": part_id(row.id, "language", n), "service_id": service_id, "code": code }))
        .collect();
    object.insert("languages".to_owned(), Value::Array(languages));
    if let Some(area) = &row.area {
        object.insert(
            "service_areas".to_owned(),
            json!([{ "id": part_id(row.id, "area", 0), "service_id": service_id, "name": area }]),
        );
    }
    let attributes: Vec<Value> = record
        .kinds
        .iter()
        .enumerate()
        .map(|(n, kind)| {
            json!({
                "id": part_id(row.id, "attribute", n),
                "link_id": service_id,
                "link_type": "service",
                "link_entity": "service",
                "value": kind.as_str(),
                "taxonomy_term": {
                    "id": part_id(Uuid::nil(), kind.as_str(), 0),
                    "code": kind.as_str(),
                    "name": kind_words(*kind),
                    "description": kind_words(*kind),
                },
            })
        })
        .collect();
    object.insert("attributes".to_owned(), Value::Array(attributes));
    let mut schedules = Vec::new();
    for rule in &record.schedules {
        let (hours, offset_text) = offset(zone, rule.valid_from.unwrap_or(today));
        let mut schedule = Map::new();
        schedule.insert("id".to_owned(), rule.id.to_string().into());
        schedule.insert("service_id".to_owned(), service_id.clone().into());
        schedule.insert("freq".to_owned(), rule.freq.rrule().into());
        if !rule.byday.is_empty() {
            schedule.insert("byday".to_owned(), rule.byday.join(",").into());
        }
        if !rule.bymonthday.is_empty() {
            let days: Vec<String> = rule.bymonthday.iter().map(i8::to_string).collect();
            schedule.insert("bymonthday".to_owned(), days.join(",").into());
        }
        schedule.insert("opens_at".to_owned(), clock(rule.opens_at, &offset_text).into());
        schedule.insert("closes_at".to_owned(), clock(rule.closes_at, &offset_text).into());
        schedule.insert("timezone".to_owned(), json!(hours));
        put(&mut schedule, "valid_from", rule.valid_from.map(|day| day.to_string()));
        put(&mut schedule, "valid_to", rule.valid_to.map(|day| day.to_string()));
        schedules.push(Value::Object(schedule));
    }
    for session in &record.sessions {
        let day = zone.date_at(session.starts_at);
        let (hours, offset_text) = offset(zone, day);
        let local = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&zone.tz()).time();
        let mut schedule = Map::new();
        schedule.insert("id".to_owned(), session.id.to_string().into());
        schedule.insert("service_id".to_owned(), service_id.clone().into());
        // One occurrence: an RRULE with COUNT=1 from its day.
        schedule.insert("freq".to_owned(), "WEEKLY".into());
        schedule.insert("count".to_owned(), json!(1));
        schedule.insert("dtstart".to_owned(), day.to_string().into());
        schedule.insert("valid_from".to_owned(), day.to_string().into());
        schedule.insert("valid_to".to_owned(), day.to_string().into());
        let weekday = crate::domain::directory::ByDay { nth: None, weekday: day.weekday() };
        schedule.insert("byday".to_owned(), weekday.text().into());
        schedule.insert("opens_at".to_owned(), clock(local(session.starts_at), &offset_text).into());
        put(&mut schedule, "closes_at", session.ends_at.map(|ends| clock(local(ends), &offset_text)));
        schedule.insert("timezone".to_owned(), json!(hours));
        schedule.insert("attending_type".to_owned(), "in_person".into());
        let mut notes = Vec::new();
        if let Some(place) = &session.place {
            notes.push(format!("会場 Place: {place}"));
        }
        if let Some(seats) = session.capacity {
            notes.push(format!("定員 Capacity: {seats}"));
        }
        if let Some(apply_by) = session.apply_by {
            notes.push(format!("申込期限 Apply by: {apply_by}"));
        }
        if !notes.is_empty() {
            schedule.insert("notes".to_owned(), notes.join(" / ").into());
        }
        schedules.push(Value::Object(schedule));
    }
    object.insert("schedules".to_owned(), Value::Array(schedules));
    Value::Object(object)
}
