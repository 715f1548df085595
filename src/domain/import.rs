//! A facility's spreadsheet of residents, read whole before anything is stored: the file's
//! text (UTF-8 with or without a BOM, or Shift_JIS as Japanese Excel writes it), its columns
//! (by key, by the Japanese heading, or by a heading that names the key in brackets), and each
//! row parsed into a resident with a placement and, optionally, a bail, a scheduled release or
//! a programme. Every refused cell is said with its row and column; nothing is guessed.

use chrono::NaiveDate;

use super::{
    calendar,
    milestones::{Milestone, NewMilestone, Program, ReleaseType},
    DisplayName, Invalid, Why,
};

/// The most rows one file may hold.
pub const MOST_ROWS: usize = 5000;

/// The most characters of a facility's own id of a resident.
pub const EXTERNAL_ID_CHARS: usize = 64;

/// The columns, in the template's order: the key, and the template's Japanese heading.
pub const COLUMNS: [(&str, &str); 12] = [
    ("external_id", "施設での番号"),
    ("display_name", "氏名"),
    ("birth_date", "生年月日"),
    ("placement_start_on", "入所日"),
    ("placement_end_on", "退所日"),
    ("bail_requested_on", "保釈請求日"),
    ("release_scheduled_on", "出所予定日"),
    ("release_type", "出所の種類"),
    ("supervision_ends_on", "保護観察終了日"),
    ("program", "プログラム"),
    ("program_referred_on", "プログラム紹介日"),
    ("note", "備考"),
];

/// The columns a file must have.
const REQUIRED: [&str; 2] = ["display_name", "placement_start_on"];

/// The template: the Japanese headings, each naming its key, and one example row.
pub fn template() -> String {
    let headings: Vec<String> = COLUMNS.iter().map(|(key, heading)| format!("{heading}({key})")).collect();
    format!(
        "{}\r\nA-0001,山田 太郎,1985-04-01,2026-04-01,,,2026-12-20,full_term,,smarpp,2026-04-10,\r\n",
        headings.join(",")
    )
}

/// The file's text: UTF-8 (a BOM is dropped) or, failing that, Shift_JIS.
pub fn decode(bytes: &[u8]) -> Result<String, Invalid> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Why::NotText.into());
    }
    Ok(text.into_owned())
}

/// One row that may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The row's line in the file (the heading is row 1).
    pub row: usize,
    pub external_id: Option<String>,
    pub display_name: DisplayName,
    pub birth_date: Option<NaiveDate>,
    pub placement_start_on: NaiveDate,
    /// The last day at the facility, for a resident who has left.
    pub placement_end_on: Option<NaiveDate>,
    pub milestones: Vec<NewMilestone>,
}

/// A cell refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRefusal {
    pub row: usize,
    pub column: String,
    pub why: Why,
}

/// The file as read: the rows that may be stored, and every cell refused.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub rows: Vec<ImportRow>,
    pub refused: Vec<CellRefusal>,
}

/// Which key a heading names: the key itself, its Japanese heading, or either with the key
/// in brackets after it (`氏名(display_name)`).
fn column_of(heading: &str) -> Option<&'static str> {
    let heading = heading.trim();
    let inner = heading
        .rsplit_once(['(', '（'])
        .map(|(_, rest)| rest.trim_end_matches([')', '）']).trim())
        .filter(|inner| !inner.is_empty());
    COLUMNS
        .iter()
        .find_map(|(key, japanese)| (heading == *key || heading == *japanese || inner == Some(*key)).then_some(*key))
}

/// Reads the whole file: `today` is the facility's date (what has happened cannot lie after it).
pub fn read(text: &str, today: NaiveDate) -> Sheet {
    let mut sheet = Sheet::default();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let headings = match records.next() {
        Some(Ok(headings)) => headings,
        _ => {
            sheet.refused.push(CellRefusal { row: 1, column: String::new(), why: Why::Required });
            return sheet;
        }
    };
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for heading in headings.iter() {
        let column = column_of(heading);
        if column.is_none() && !heading.trim().is_empty() {
            let choices = COLUMNS.iter().map(|(key, _)| *key).collect();
            let why = Why::NotAChoice { what: "column", given: heading.trim().to_owned(), choices };
            sheet.refused.push(CellRefusal { row: 1, column: heading.trim().to_owned(), why });
        }
        if column.is_some() && columns.contains(&column) {
            sheet.refused.push(CellRefusal { row: 1, column: heading.trim().to_owned(), why: repeated("column") });
        }
        columns.push(column);
    }
    for required in REQUIRED {
        if !columns.contains(&Some(required)) {
            sheet.refused.push(CellRefusal { row: 1, column: required.to_owned(), why: Why::Required });
        }
    }
    if !sheet.refused.is_empty() {
        return sheet;
    }
    let mut seen_ids: Vec<String> = Vec::new();
    for (index, record) in records.enumerate() {
        let row = index + 2;
        if row > MOST_ROWS + 1 {
            let why = Why::TooManyRows { most: MOST_ROWS };
            sheet.refused.push(CellRefusal { row, column: String::new(), why });
            break;
        }
        let Ok(record) = record else {
            let why = Why::NotCsv;
            sheet.refused.push(CellRefusal { row, column: String::new(), why });
            continue;
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let values = Values(
            columns.iter().zip(record.iter()).filter_map(|(column, value)| Some(((*column)?, value.trim()))).collect(),
        );
        let mut cells = Cells { row, refused: Vec::new() };
        let parsed = read_row(&values, &mut cells, today);
        if let Some(external_id) = parsed.as_ref().and_then(|parsed| parsed.external_id.clone()) {
            if seen_ids.contains(&external_id) {
                cells.refuse("external_id", repeated("id"));
            }
            seen_ids.push(external_id);
        }
        match parsed {
            Some(parsed) if cells.refused.is_empty() => sheet.rows.push(parsed),
            _ => sheet.refused.extend(cells.refused),
        }
    }
    sheet
}

fn repeated(what: &'static str) -> Why {
    Why::Repeated { what }
}

/// A row's cells by column key.
struct Values<'a>(std::collections::HashMap<&'static str, &'a str>);

impl Values<'_> {
    fn get(&self, key: &str) -> &str {
        self.0.get(key).copied().unwrap_or("")
    }
}

struct Cells {
    row: usize,
    refused: Vec<CellRefusal>,
}

impl Cells {
    fn refuse(&mut self, column: &str, why: Why) {
        self.refused.push(CellRefusal { row: self.row, column: column.to_owned(), why });
    }

    fn check<T>(&mut self, column: &str, parsed: Result<T, Invalid>) -> Option<T> {
        parsed.map_err(|Invalid(why)| self.refuse(column, why)).ok()
    }
}

fn date(typed: &str) -> Result<Option<NaiveDate>, Invalid> {
    if typed.is_empty() {
        return Ok(None);
    }
    // Excel writes dates as 2026/04/01 as often as 2026-04-01.
    let normal = typed.replace('/', "-");
    match NaiveDate::parse_from_str(&normal, "%Y-%m-%d") {
        Ok(on) => calendar::in_range(on).map(Some),
        Err(_) => {
            // Shaped as a date, but the calendar has no such day (2026-02-30).
            let parts: Vec<&str> = normal.split('-').collect();
            let shaped = parts.len() == 3
                && parts.iter().all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
            Err(if shaped { Why::NoSuchDay } else { Why::NotADate }.into())
        }
    }
}

fn read_row(values: &Values, cells: &mut Cells, today: NaiveDate) -> Option<ImportRow> {
    let external_id = match values.get("external_id") {
        "" => Some(None),
        typed if typed.chars().count() > EXTERNAL_ID_CHARS => {
            cells.refuse("external_id", Why::TooLong { max: EXTERNAL_ID_CHARS });
            None
        }
        typed => Some(Some(typed.to_owned())),
    };
    let display_name = cells.check("display_name", DisplayName::parse(values.get("display_name")));
    let birth_date = cells.check("birth_date", date(values.get("birth_date")));
    if let Some(Some(born)) = birth_date {
        if born > today {
            cells.refuse("birth_date", Why::InFuture);
        }
    }
    let placement_start_on = match cells.check("placement_start_on", date(values.get("placement_start_on"))) {
        Some(None) => {
            cells.refuse("placement_start_on", Why::Required);
            None
        }
        other => other.flatten(),
    };
    let placement_end_on = cells.check("placement_end_on", date(values.get("placement_end_on")));
    if let (Some(start), Some(Some(end))) = (placement_start_on, placement_end_on) {
        if end < start {
            cells.refuse("placement_end_on", Why::EndsBeforeStart);
        }
    }
    let milestones = milestones(values, cells, today);
    Some(ImportRow {
        row: cells.row,
        external_id: external_id?,
        display_name: display_name?,
        birth_date: birth_date?,
        placement_start_on: placement_start_on?,
        placement_end_on: placement_end_on?,
        milestones: milestones?,
    })
}

/// The row's bail, release and programme, each checked as the API checks a new milestone.
fn milestones(values: &Values, cells: &mut Cells, today: NaiveDate) -> Option<Vec<NewMilestone>> {
    let mut found = Vec::new();
    let bail = cells.check("bail_requested_on", date(values.get("bail_requested_on")));
    if let Some(Some(requested_on)) = bail {
        found.push(("bail_requested_on", NewMilestone::Bail { requested_on, hearing_on: None, judgment_on: None }));
    }
    let scheduled = cells.check("release_scheduled_on", date(values.get("release_scheduled_on")));
    let release_type = match values.get("release_type") {
        "" => Some(None),
        typed => cells.check("release_type", typed.parse::<ReleaseType>()).map(Some),
    };
    let supervision = cells.check("supervision_ends_on", date(values.get("supervision_ends_on")));
    match (scheduled, release_type, supervision) {
        (Some(Some(scheduled_on)), Some(release_type), Some(supervision_ends_on)) => {
            if release_type == Some(ReleaseType::Parole) && supervision_ends_on.is_none() {
                cells.refuse("supervision_ends_on", Why::Required);
            }
            let release = NewMilestone::Release { scheduled_on, release_type, supervision_ends_on };
            found.push(("release_scheduled_on", release));
        }
        (Some(None), Some(Some(_)), _) | (Some(None), _, Some(Some(_))) => {
            cells.refuse("release_scheduled_on", Why::Required);
        }
        _ => {}
    }
    let program = match values.get("program") {
        "" => Some(None),
        typed => cells.check("program", typed.parse::<Program>()).map(Some),
    };
    let referred = cells.check("program_referred_on", date(values.get("program_referred_on")));
    match (program, referred) {
        (Some(Some(program)), Some(Some(referred_on))) => {
            found.push(("program_referred_on", NewMilestone::Program { program, referred_on, sessions_planned: None }));
        }
        (Some(Some(_)), Some(None)) => cells.refuse("program_referred_on", Why::Required),
        (Some(None), Some(Some(_))) => cells.refuse("program", Why::Required),
        _ => {}
    }
    let mut milestones = Vec::new();
    for (column, new) in found {
        match Milestone::create(&new, today) {
            Ok(_) => milestones.push(new),
            Err(refusals) => {
                for refusal in refusals.0 {
                    cells.refuse(column, refusal.why.0);
                }
            }
        }
    }
    cells.refused.is_empty().then_some(milestones)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn the_template_reads_back_as_one_resident_with_a_release_and_a_programme() {
        let sheet = read(&template(), today());
        assert_eq!(sheet.refused, vec![]);
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].external_id.as_deref(), Some("A-0001"));
        assert_eq!(sheet.rows[0].milestones.len(), 2);
    }

    #[test]
    fn shift_jis_and_utf8_with_a_bom_read_the_same() {
        let text = "氏名,入所日\r\n山田 花子,2026/04/01\r\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&sjis).unwrap(), text);
        assert_eq!(decode(&bom).unwrap(), text);
        assert!(decode(b"\xFF\xFE\xFD\x00\x81").is_err());
    }

    #[test]
    fn every_bad_cell_is_named_and_no_row_with_one_is_kept() {
        let text = "display_name,placement_start_on,program,program_referred_on\n\
                    Sato,2026-02-30,,\n\
                    ,2026-01-01,smarpp,2027-01-01\n\
                    Ito,2026-01-01,,\n";
        let sheet = read(text, today());
        let cells: Vec<(usize, &str)> = sheet.refused.iter().map(|cell| (cell.row, cell.column.as_str())).collect();
        assert_eq!(cells, vec![(2, "placement_start_on"), (3, "display_name"), (3, "program_referred_on")]);
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].row, 4);
    }

    #[test]
    fn a_missing_or_unknown_column_is_refused_on_the_heading_row() {
        let sheet = read("name,入所日\nSato,2026-01-01\n", today());
        let cells: Vec<&str> = sheet.refused.iter().map(|cell| cell.column.as_str()).collect();
        assert_eq!(cells, vec!["name", "display_name"]);
        assert!(sheet.rows.is_empty());
    }

    #[test]
    fn the_same_id_twice_is_refused() {
        let sheet = read("external_id,display_name,placement_start_on\nA,Sato,2026-01-01\nA,Ito,2026-01-01\n", today());
        assert_eq!(sheet.refused.len(), 1);
        assert_eq!((sheet.refused[0].row, sheet.refused[0].column.as_str()), (3, "external_id"));
    }
}
