//! The 「イベント一覧」 CSV of the standard data sets for local governments (自治体標準オープン
//! データセット): one session a row, with its date, times, place, who it is for, seats, the
//! last day to apply and how. Columns are found by their standard headings, in any order;
//! columns this service does not keep (緯度, 画像, …) are passed over. UTF-8 or Shift_JIS.

use chrono::{NaiveDate, NaiveTime};

use super::{Session, SessionAsked};
use crate::domain::{import::CellRefusal, Invalid, Note, Why, Zone};

/// At most this many sessions in one file.
pub const MOST_ROWS: usize = 2000;

/// The headings read, each with the names it goes by. `申込期限日` is the name for the
/// deadline; the data set's own heading is `申込終了日`.
const COLUMNS: [(&str, &[&str]); 12] = [
    ("name", &["イベント名", "name"]),
    ("start_date", &["開始日", "start_date"]),
    ("start_time", &["開始時間", "start_time"]),
    ("end_time", &["終了時間", "end_time"]),
    ("place", &["場所名称", "place"]),
    ("for_whom", &["対象者", "for_whom"]),
    ("capacity", &["定員", "capacity"]),
    ("apply_by", &["申込期限日", "申込終了日", "apply_by"]),
    ("how_to_apply", &["申込方法", "how_to_apply"]),
    ("phone", &["連絡先電話番号", "phone"]),
    ("description", &["説明", "description"]),
    ("cost", &["料金(基本)", "料金（基本）", "cost"]),
];

const REQUIRED: [&str; 3] = ["name", "start_date", "start_time"];

/// One session of the file, with what it says of its service (used when the service is new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub row: usize,
    pub name: String,
    pub session: Session,
    pub for_whom: Option<String>,
    pub how_to_apply: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub cost: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventSheet {
    pub rows: Vec<EventRow>,
    pub refused: Vec<CellRefusal>,
}

fn heading_of(column: &str) -> &'static str {
    COLUMNS.iter().find(|(key, _)| *key == column).map_or("", |(_, names)| names[0])
}

fn column_of(heading: &str) -> Option<&'static str> {
    let heading = heading.trim().trim_start_matches('\u{feff}');
    COLUMNS.iter().find_map(|(key, names)| names.contains(&heading).then_some(*key))
}

/// A date as the data set writes it: `2026-12-08`, `2026/12/08` or `2026/12/8`.
fn date(raw: &str) -> Result<NaiveDate, Invalid> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y/%m/%d"))
        .map_err(|_| Why::NotADate.into())
}

/// A time as written: `18:30` or `18:30:00`.
fn time(raw: &str) -> Result<NaiveTime, Invalid> {
    let raw = raw.trim();
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .map_err(|_| Why::NotATime.into())
}

/// Seats as written: `20`, `20名`, `20人`.
fn seats(raw: &str) -> Result<i64, Invalid> {
    raw.trim()
        .trim_end_matches(['名', '人'])
        .trim()
        .parse::<i64>()
        .map_err(|_| Invalid::new(format!("{} is not a number of seats", raw.trim())))
}

fn text(raw: &str, max: usize) -> Result<Option<String>, Invalid> {
    Ok(Note::parse_at_most(raw, max)?.map(Note::into_inner))
}

/// Reads the whole file; sessions are dated in `zone` (the organisation's).
pub fn read(text_of_file: &str, zone: Zone) -> EventSheet {
    let mut sheet = EventSheet::default();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text_of_file.as_bytes());
    let mut records = reader.records();
    let headings = match records.next() {
        Some(Ok(headings)) => headings,
        _ => {
            sheet.refused.push(CellRefusal { row: 1, column: String::new(), why: Why::Required });
            return sheet;
        }
    };
    let columns: Vec<Option<&'static str>> = headings.iter().map(column_of).collect();
    for required in REQUIRED {
        if !columns.contains(&Some(required)) {
            sheet.refused.push(CellRefusal { row: 1, column: heading_of(required).to_owned(), why: Why::Required });
        }
    }
    if !sheet.refused.is_empty() {
        return sheet;
    }
    for (index, record) in records.enumerate() {
        let row = index + 2;
        if row > MOST_ROWS + 1 {
            sheet.refused.push(CellRefusal { row, column: String::new(), why: Why::TooManyRows { most: MOST_ROWS } });
            break;
        }
        let Ok(record) = record else {
            sheet.refused.push(CellRefusal { row, column: String::new(), why: Why::NotCsv });
            continue;
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let cell = |key: &str| -> &str {
            columns.iter().position(|column| *column == Some(key)).and_then(|at| record.get(at)).unwrap_or("")
        };
        let mut refusals = Vec::new();
        let mut check = |key: &'static str, result: Result<Option<String>, Invalid>| match result {
            Ok(value) => value,
            Err(invalid) => {
                refusals.push(CellRefusal { row, column: heading_of(key).to_owned(), why: invalid.0 });
                None
            }
        };
        let name = check("name", text(cell("name"), super::service::NAME_CHARS));
        let place = check("place", text(cell("place"), super::service::PLACE_CHARS));
        let for_whom = check("for_whom", text(cell("for_whom"), super::service::SHORT_CHARS));
        let how_to_apply = check("how_to_apply", text(cell("how_to_apply"), super::service::SHORT_CHARS));
        let description = check("description", text(cell("description"), Note::MAX_CHARS));
        let cost = check("cost", text(cell("cost"), super::service::SHORT_CHARS));
        let phone = check("phone", crate::domain::organization::parse_phone(cell("phone")));
        let mut refuse = |key: &'static str, why: Why| {
            refusals.push(CellRefusal { row, column: heading_of(key).to_owned(), why });
        };
        if name.is_none() && cell("name").trim().is_empty() {
            refuse("name", Why::Required);
        }
        let day = match cell("start_date").trim() {
            "" => {
                refuse("start_date", Why::Required);
                None
            }
            raw => date(raw).map_err(|invalid| refuse("start_date", invalid.0)).ok(),
        };
        let starts = match cell("start_time").trim() {
            "" => {
                refuse("start_time", Why::Required);
                None
            }
            raw => time(raw).map_err(|invalid| refuse("start_time", invalid.0)).ok(),
        };
        let ends = match cell("end_time").trim() {
            "" => None,
            raw => time(raw).map_err(|invalid| refuse("end_time", invalid.0)).ok(),
        };
        let capacity = match cell("capacity").trim() {
            "" => None,
            raw => seats(raw).map_err(|invalid| refuse("capacity", invalid.0)).ok(),
        };
        let apply_by = match cell("apply_by").trim() {
            "" => None,
            raw => date(raw).map_err(|invalid| refuse("apply_by", invalid.0)).ok(),
        };
        let (Some(name), Some(day), Some(starts)) = (name, day, starts) else {
            sheet.refused.extend(refusals);
            continue;
        };
        let asked = SessionAsked {
            starts_at: zone.at_local(day.and_time(starts)),
            ends_at: ends.map(|ends| zone.at_local(day.and_time(ends))),
            capacity,
            apply_by,
            place: place.clone(),
        };
        match Session::parse(&asked, zone, "") {
            Ok(session) if refusals.is_empty() => {
                sheet.rows.push(EventRow { row, name, session, for_whom, how_to_apply, phone, description, cost })
            }
            Ok(_) => sheet.refused.extend(refusals),
            Err(refused) => {
                sheet.refused.extend(refusals);
                for refusal in refused.0 {
                    let key = refusal.field.trim_start_matches('.');
                    let key = match key {
                        "starts_at" => "start_date",
                        "ends_at" => "end_time",
                        other => other,
                    };
                    sheet.refused.push(CellRefusal { row, column: heading_of(key).to_owned(), why: refusal.why.0 });
                }
            }
        }
    }
    sheet
}
