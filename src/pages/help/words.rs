//! The directory's words: what a service offers and when it meets, in the reader's language.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::domain::{
    directory::{ByDay, Freq, Recurrence, ServiceKind},
    Language,
};

use super::super::words::pick;

pub fn kind_words(kind: ServiceKind, language: Language) -> &'static str {
    match kind {
        ServiceKind::Consultation => pick(language, "相談", "Consultation"),
        ServiceKind::FamilyClass => pick(language, "家族教室", "Family class"),
        ServiceKind::SelfHelpMeeting => pick(language, "自助グループ", "Self-help meeting"),
        ServiceKind::OutpatientTreatment => {
            pick(language, "薬物依存症の外来治療", "Outpatient treatment for drug dependence")
        }
        ServiceKind::DualDiagnosis => pick(language, "重複障害の治療", "Dual diagnosis treatment"),
        ServiceKind::MedicineDependence => {
            pick(language, "処方薬・市販薬の依存", "Prescription or over-the-counter medicine dependence")
        }
        ServiceKind::LegalConsultation => pick(language, "法律相談", "Legal consultation"),
        ServiceKind::EmploymentSupport => pick(language, "就労支援", "Employment support"),
    }
}

fn weekday(day: Weekday, language: Language) -> &'static str {
    let (ja, en) = match day {
        Weekday::Mon => ("月", "Mon"),
        Weekday::Tue => ("火", "Tue"),
        Weekday::Wed => ("水", "Wed"),
        Weekday::Thu => ("木", "Thu"),
        Weekday::Fri => ("金", "Fri"),
        Weekday::Sat => ("土", "Sat"),
        Weekday::Sun => ("日", "Sun"),
    };
    pick(language, ja, en)
}

fn ordinal(n: i8, language: Language) -> String {
    match (language, n) {
        (Language::Ja, -1) => "最終".to_owned(),
        (Language::Ja, n) => format!("第{n}"),
        (Language::En, -1) => "last".to_owned(),
        (Language::En, 1) => "1st".to_owned(),
        (Language::En, 2) => "2nd".to_owned(),
        (Language::En, 3) => "3rd".to_owned(),
        (Language::En, n) => format!("{n}th"),
    }
}

/// `毎月 第2火曜 18:30–20:30`, `Every Tue, Thu 18:30–20:30`.
pub fn schedule_words(rule: &Recurrence, language: Language) -> String {
    let days: Vec<ByDay> = rule.days().collect();
    let times = format!("{}–{}", rule.opens_at.format("%H:%M"), rule.closes_at.format("%H:%M"));
    let when = match (rule.freq, language) {
        (Freq::Weekly, Language::Ja) => {
            format!("毎週 {}", days.iter().map(|day| weekday(day.weekday, language)).collect::<Vec<_>>().join("・"))
        }
        (Freq::Weekly, Language::En) => {
            format!("Every {}", days.iter().map(|day| weekday(day.weekday, language)).collect::<Vec<_>>().join(", "))
        }
        (Freq::Monthly, _) if !days.is_empty() => {
            let each: Vec<String> = days
                .iter()
                .map(|day| {
                    let n = ordinal(day.nth.unwrap_or(1), language);
                    match language {
                        Language::Ja => format!("{n}{}曜", weekday(day.weekday, language)),
                        Language::En => format!("{n} {}", weekday(day.weekday, language)),
                    }
                })
                .collect();
            match language {
                Language::Ja => format!("毎月 {}", each.join("・")),
                Language::En => format!("Monthly, {}", each.join(", ")),
            }
        }
        (Freq::Monthly, _) => {
            let each: Vec<String> = rule
                .bymonthday
                .iter()
                .map(|n| match (language, n) {
                    (Language::Ja, -1) => "月末".to_owned(),
                    (Language::Ja, n) => format!("{n}日"),
                    (Language::En, -1) => "the last day".to_owned(),
                    (Language::En, n) => format!("day {n}"),
                })
                .collect();
            match language {
                Language::Ja => format!("毎月 {}", each.join("・")),
                Language::En => format!("Monthly on {}", each.join(", ")),
            }
        }
    };
    format!("{when} {times}")
}

/// `12月8日（火）`, `Tue 8 Dec`.
pub fn day_words(day: NaiveDate, language: Language) -> String {
    match language {
        Language::Ja => format!("{}月{}日（{}）", day.month(), day.day(), weekday(day.weekday(), language)),
        Language::En => format!("{} {}", weekday(day.weekday(), language), day.format("%-d %b")),
    }
}
