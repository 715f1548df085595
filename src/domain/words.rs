//! How dates and schedule items are written for people, in each language.

use chrono::{Datelike, NaiveDate, Weekday};

use super::Language;

/// A person's name as a page or a message addresses them: 「さちこさん」 / "Sachiko".
pub fn honorific(name: &str, language: Language) -> String {
    match language {
        Language::Ja => format!("{name}さん"),
        Language::En => name.to_owned(),
    }
}

/// An aside after a name: 「（施設）」 on a Japanese page, " (facility)" on an English one.
pub fn aside(inner: &str, language: Language) -> String {
    match language {
        Language::Ja => format!("（{inner}）"),
        Language::En => format!(" ({inner})"),
    }
}

/// Something about a person: 「さちこさん：判決の日」 / "Sachiko: Judgment day".
pub fn about(name: &str, what: &str, language: Language) -> String {
    match language {
        Language::Ja => format!("{}：{what}", honorific(name, language)),
        Language::En => format!("{name}: {what}"),
    }
}

/// An alert's title, saying so when it tells of a date moved later or no longer coming.
pub fn alert_title(row: &crate::entity::alert::Model, title: &str, language: Language) -> String {
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
