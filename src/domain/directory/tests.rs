use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::Zone;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
}

fn rule(freq: &str, byday: Option<&str>, bymonthday: Option<&str>) -> RecurrenceAsked {
    RecurrenceAsked {
        freq: freq.to_owned(),
        byday: byday.map(str::to_owned),
        bymonthday: bymonthday.map(str::to_owned),
        opens_at: "18:30".to_owned(),
        closes_at: "20:30".to_owned(),
        valid_from: None,
        valid_to: None,
    }
}

fn tokyo() -> Zone {
    "Asia/Tokyo".parse().expect("a zone")
}

#[test]
fn the_second_tuesday_of_every_month_of_a_year() {
    let second_tuesday = Recurrence::parse(&rule("monthly", Some("2TU"), None), Uuid::nil(), "s").expect("valid");
    let dates = second_tuesday.dates(day(2027, 1, 1), day(2027, 12, 31));
    let expected: Vec<NaiveDate> =
        [(1, 12), (2, 9), (3, 9), (4, 13), (5, 11), (6, 8), (7, 13), (8, 10), (9, 14), (10, 12), (11, 9), (12, 14)]
            .iter()
            .map(|(m, d)| day(2027, *m, *d))
            .collect();
    assert_eq!(dates, expected);
}

#[test]
fn the_last_friday_and_the_last_day_of_the_month() {
    let last_friday = Recurrence::parse(&rule("monthly", Some("-1FR"), None), Uuid::nil(), "s").expect("valid");
    let dates = last_friday.dates(day(2027, 1, 1), day(2027, 4, 30));
    assert_eq!(dates, vec![day(2027, 1, 29), day(2027, 2, 26), day(2027, 3, 26), day(2027, 4, 30)]);
    let month_end = Recurrence::parse(&rule("monthly", None, Some("-1")), Uuid::nil(), "s").expect("valid");
    assert_eq!(month_end.dates(day(2028, 2, 1), day(2028, 3, 31)), vec![day(2028, 2, 29), day(2028, 3, 31)]);
}

#[test]
fn a_weekly_rule_within_its_dates_and_open_hours() {
    let mut asked = rule("weekly", Some("MO,TH"), None);
    asked.valid_from = Some(day(2026, 12, 7));
    asked.valid_to = Some(day(2026, 12, 17));
    let weekly = Recurrence::parse(&asked, Uuid::nil(), "s").expect("valid");
    assert_eq!(
        weekly.dates(day(2026, 12, 1), day(2026, 12, 31)),
        vec![day(2026, 12, 7), day(2026, 12, 10), day(2026, 12, 14), day(2026, 12, 17)]
    );
    let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("a time");
    assert!(weekly.open_at(day(2026, 12, 10), at(18, 30)));
    assert!(!weekly.open_at(day(2026, 12, 10), at(20, 30)));
    assert!(!weekly.open_at(day(2026, 12, 11), at(19, 0)));
}

#[test]
fn rules_that_cannot_mean_one_thing_are_refused_every_one() {
    let fields = |asked: RecurrenceAsked| -> Vec<String> {
        Recurrence::parse(&asked, Uuid::nil(), "s").expect_err("refused").0.into_iter().map(|r| r.field).collect()
    };
    assert_eq!(fields(rule("daily", Some("TU"), None)), vec!["s.freq"]);
    assert_eq!(fields(rule("weekly", Some("2TU"), None)), vec!["s.byday"]);
    assert_eq!(fields(rule("monthly", Some("TU"), None)), vec!["s.byday"]);
    assert_eq!(fields(rule("monthly", Some("2TU"), Some("15"))), vec!["s.byday"]);
    assert_eq!(fields(rule("monthly", None, Some("32"))), vec!["s.bymonthday"]);
    let mut backwards = rule("weekly", Some("XX"), None);
    backwards.closes_at = "17:00".to_owned();
    assert_eq!(fields(backwards), vec!["s.byday", "s.closes_at"]);
}

fn asked() -> ServiceAsked {
    ServiceAsked {
        name: "家族教室".to_owned(),
        kinds: vec!["family_class".to_owned()],
        area: Some("東京都".to_owned()),
        phone: Some("03-1234-5678".to_owned()),
        languages: vec!["ja".to_owned(), "EN".to_owned()],
        schedules: vec![rule("monthly", Some("2TU"), None)],
        sessions: vec![SessionAsked {
            starts_at: Utc.with_ymd_and_hms(2026, 12, 8, 9, 30, 0).single().expect("an instant"),
            ends_at: None,
            capacity: Some(20),
            apply_by: Some(day(2026, 12, 4)),
            place: Some("センター 2階".to_owned()),
        }],
        ..ServiceAsked::default()
    }
}

#[test]
fn a_service_is_read_whole() {
    let service = Service::parse(&asked(), tokyo(), day(2026, 12, 3), &[], Uuid::new_v4).expect("valid");
    assert_eq!(service.kinds, vec![ServiceKind::FamilyClass]);
    assert_eq!(service.phone.as_deref(), Some("+81312345678"));
    assert_eq!(service.languages, vec!["ja", "en"]);
    assert_eq!(service.status, ServiceStatus::Active);
    assert_eq!(service.sessions[0].capacity, Some(20));
}

#[test]
fn every_refusal_of_a_service_is_told_at_once() {
    let mut bad = asked();
    bad.name = " ".to_owned();
    bad.kinds = vec!["karaoke".to_owned()];
    bad.phone = Some("12".to_owned());
    bad.languages = vec!["日本語".to_owned()];
    bad.assured_on = Some(day(2027, 1, 1));
    bad.sessions[0].capacity = Some(0);
    bad.sessions[0].apply_by = Some(day(2026, 12, 9));
    let refused = Service::parse(&bad, tokyo(), day(2026, 12, 3), &[], Uuid::new_v4).expect_err("refused");
    let fields: Vec<&str> = refused.0.iter().map(|r| r.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["name", "kinds", "phone", "languages", "assured_on", "sessions[0].capacity", "sessions[0].apply_by"]
    );
}

#[test]
fn an_entry_is_due_for_review_after_a_year() {
    assert!(Service::needs_review(None, day(2026, 12, 3)));
    assert!(!Service::needs_review(Some(day(2025, 12, 3)), day(2026, 12, 3)));
    assert!(Service::needs_review(Some(day(2025, 12, 2)), day(2026, 12, 3)));
}

const EVENTS: &str = "全国地方公共団体コード,ID,地方公共団体名,イベント名,開始日,終了日,開始時間,終了時間,場所名称,対象者,定員,申込期限日,申込方法,連絡先電話番号\n\
131016,1,千代田区,家族教室,2027/01/12,2027/01/12,18:30,20:30,センター 2階,依存症の方のご家族,20名,2027/01/08,電話,03-1234-5678\n\
131016,2,千代田区,家族教室,2027-02-09,2027-02-09,18:30,20:30,センター 2階,依存症の方のご家族,,,,\n";

#[test]
fn an_events_file_in_shift_jis_reads_as_in_utf8() {
    let (bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(EVENTS);
    assert!(!lossy);
    let decoded = crate::domain::import::decode(&bytes).expect("text");
    let from_sjis = events::read(&decoded, tokyo());
    let from_utf8 = events::read(EVENTS, tokyo());
    assert_eq!(from_sjis, from_utf8);
    assert!(from_utf8.refused.is_empty(), "{:?}", from_utf8.refused);
    let first = &from_utf8.rows[0];
    assert_eq!(first.session.starts_at, Utc.with_ymd_and_hms(2027, 1, 12, 9, 30, 0).single().expect("an instant"));
    assert_eq!(first.session.capacity, Some(20));
    assert_eq!(first.session.apply_by, Some(day(2027, 1, 8)));
    assert_eq!(first.phone.as_deref(), Some("+81312345678"));
    assert_eq!(from_utf8.rows[1].session.capacity, None);
}

#[test]
fn an_events_file_names_the_cells_it_refuses() {
    let file =
        "イベント名,開始日,開始時間,定員,申込期限日\n家族教室,2027-02-30,18:30,多数,2027-03-01\n,2027-02-09,,,\n";
    let sheet = events::read(file, tokyo());
    let cells: Vec<(usize, &str)> = sheet.refused.iter().map(|cell| (cell.row, cell.column.as_str())).collect();
    assert_eq!(cells, vec![(2, "開始日"), (2, "定員"), (3, "イベント名"), (3, "開始時間")]);
    assert!(sheet.rows.is_empty());
    let missing = events::read("イベント名,開始日\n", tokyo());
    assert_eq!(missing.refused[0].column, "開始時間");
}

#[test]
fn areas_compare_by_their_words() {
    assert!(same_area("東京都", " 東京都"));
    assert!(same_area("Tokyo", "TOKYO"));
    assert!(!same_area("東京都", "大阪府"));
}
