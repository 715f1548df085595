//! How dates and schedule items are written for people, in each language.

use chrono::{Datelike, NaiveDate, Weekday};

use super::Language;

/// How a projected date or period is marked: it follows the scheduled release day.
pub fn projected_mark(language: Language) -> &'static str {
    match language {
        Language::Ja => "（見込み）",
        Language::En => " (projected)",
    }
}

pub fn date_label(label: &str, language: Language) -> &'static str {
    match (label, language) {
        ("hearing_on", Language::Ja) => "公判期日",
        ("hearing_on", Language::En) => "Court hearing",
        ("judgment_on", Language::Ja) => "判決期日",
        ("judgment_on", Language::En) => "Judgment",
        ("scheduled_on", Language::Ja) => "出所予定日",
        ("scheduled_on", Language::En) => "Release date",
        ("supervision_ends_on", Language::Ja) => "保護観察の終了日",
        ("supervision_ends_on", Language::En) => "Parole supervision ends",
        ("opens_on", Language::Ja) => "就労支援期間の開始",
        ("opens_on", Language::En) => "Employment support opens",
        ("closes_on", Language::Ja) => "就労支援期間の最終日",
        ("closes_on", Language::En) => "Employment support ends",
        ("interview", Language::Ja) => "保護観察の面接",
        ("interview", Language::En) => "Probation interview",
        (_, Language::Ja) => "予定",
        (_, Language::En) => "Date",
    }
}

/// An alert's title, saying so when it tells of a date moved later or no longer coming.
pub fn alert_title(row: &entity::alert::Model, title: &str, language: Language) -> String {
    let old = row.notice_old_on.map(|on| on.to_string()).unwrap_or_default();
    match (row.notice.as_deref(), row.notice_new_on, language) {
        (Some("moved_later"), Some(new), Language::Ja) => format!("日付が変わりました：{title}（{old} → {new}）"),
        (Some("moved_later"), Some(new), Language::En) => format!("Date moved: {title} ({old} → {new})"),
        (Some(_), _, Language::Ja) => format!("予定がなくなりました：{title}（{old}からの予定でした）"),
        (Some(_), _, Language::En) => format!("No longer coming: {title} (was from {old})"),
        (None, _, _) => title.to_owned(),
    }
}

/// A date the way each language writes it: `12月10日（木）` / `Thu 10 Dec`, with the year
/// when it is not `this_year`.
pub fn date(on: NaiveDate, language: Language, this_year: i32) -> String {
    let weekday = on.weekday();
    match language {
        Language::Ja => {
            let day = ["月", "火", "水", "木", "金", "土", "日"][weekday.num_days_from_monday() as usize];
            let year = if on.year() == this_year { String::new() } else { format!("{}年", on.year()) };
            format!("{year}{}月{}日（{day}）", on.month(), on.day())
        }
        Language::En => {
            let day = short_weekday(weekday);
            let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                [on.month0() as usize];
            let year = if on.year() == this_year { String::new() } else { format!(" {}", on.year()) };
            format!("{day} {} {month}{year}", on.day())
        }
    }
}

fn short_weekday(weekday: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][weekday.num_days_from_monday() as usize]
}

/// A stretch of days: `12月10日（木）〜1月9日（金）` / `Thu 10 Dec – Fri 9 Jan`.
pub fn span(first: NaiveDate, last: NaiveDate, language: Language, this_year: i32) -> String {
    if first == last {
        return date(first, language, this_year);
    }
    let separator = match language {
        Language::Ja => "〜",
        Language::En => " – ",
    };
    format!("{}{separator}{}", date(first, language, this_year), date(last, language, this_year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let on = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        assert_eq!(date(on, Language::Ja, 2026), "12月10日（木）");
        assert_eq!(date(on, Language::En, 2026), "Thu 10 Dec");
        assert_eq!(date(on, Language::Ja, 2025), "2026年12月10日（木）");
        assert_eq!(date(on, Language::En, 2025), "Thu 10 Dec 2026");
        let last = NaiveDate::from_ymd_opt(2027, 1, 8).unwrap();
        assert_eq!(span(on, last, Language::Ja, 2026), "12月10日（木）〜2027年1月8日（金）");
        assert_eq!(span(on, on, Language::En, 2026), "Thu 10 Dec");
    }
}
