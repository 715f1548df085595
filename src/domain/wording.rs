//! What each reader is told about periods and dates, in each language. The words live in the
//! Fluent files under `locales/` (one folder per language), where a translator or a reviewer
//! reads them whole; this module only looks them up.

use std::collections::HashMap;

use fluent_templates::{fluent_bundle::FluentValue, langid, static_loader, LanguageIdentifier};

use super::{text_enum, Language, PartyRole, Relationship, ScopeKind};

static_loader! {
    static WORDS = {
        locales: "./locales",
        fallback_language: "ja",
        // No invisible isolation marks: the words are shown as they are written.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

const JA: LanguageIdentifier = langid!("ja");
const EN: LanguageIdentifier = langid!("en");

text_enum! {
    /// Who reads the words: each is told the same dates in words meant for them.
    pub enum Reader ("reader") {
        /// Family, lawyers and supporters: plain words and what to do, no evidence or jargon.
        Family = "family",
        /// The person themself, spoken to.
        Person = "person",
        /// Facility staff, probation and admins: the evidence behind each period.
        Staff = "staff",
    }
}

impl Reader {
    pub fn of_role(role: PartyRole) -> Reader {
        match role {
            PartyRole::Family | PartyRole::Lawyer => Reader::Family,
            PartyRole::Person => Reader::Person,
            PartyRole::Staff | PartyRole::Probation | PartyRole::Admin => Reader::Staff,
        }
    }

    pub fn of_relationship(relationship: Relationship) -> Reader {
        match relationship {
            Relationship::Family | Relationship::Lawyer | Relationship::Supporter => Reader::Family,
            Relationship::FacilityStaff | Relationship::ProbationOfficer | Relationship::Coordinator => Reader::Staff,
        }
    }
}

/// A period's heading and its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub title: String,
    pub why: String,
}

fn lookup(language: Language, id: &str) -> Option<String> {
    let language = match language {
        Language::Ja => &JA,
        Language::En => &EN,
    };
    WORDS.lookup_single_language::<&str>(language, id, None::<&HashMap<&str, FluentValue>>).ok()
}

/// The words for the period of rule `rule_id`, if the files have them.
pub fn period(rule_id: &str, reader: Reader, language: Language) -> Option<Wording> {
    let id = format!("{rule_id}-{}", reader.as_str());
    Some(Wording { title: lookup(language, &id)?, why: lookup(language, &format!("{id}.why"))? })
}

/// The words for a period, or, for a rule the files do not know, a heading that says only
/// that it is a time to take care.
pub fn period_or_generic(rule_id: &str, reader: Reader, language: Language) -> Wording {
    period(rule_id, reader, language)
        .or_else(|| period("period-other", reader, language))
        .unwrap_or_else(|| Wording { title: String::new(), why: String::new() })
}

/// What a dated milestone (`hearing_on`, `closes_on`, …) is called for `reader`.
pub fn date_label(label: &str, reader: Reader, language: Language) -> String {
    let reader = reader.as_str();
    lookup(language, &format!("date-{label}-{reader}"))
        .or_else(|| lookup(language, &format!("date-other-{reader}")))
        .unwrap_or_default()
}

/// The mark on a date worked out from the expected release day.
pub fn projected_mark(reader: Reader, language: Language) -> String {
    lookup(language, &format!("projected-{}", reader.as_str())).unwrap_or_default()
}

/// What a kind of record is called for `reader` (what a link lets a party see).
pub fn scope_kind(kind: ScopeKind, reader: Reader, language: Language) -> String {
    lookup(language, &format!("milestone-{}-{}", kind.as_str(), reader.as_str())).unwrap_or_default()
}

/// The calendar's name, as a calendar app lists it.
pub fn calendar_name(language: Language) -> String {
    lookup(language, "calendar-name").unwrap_or_default()
}

/// An event title that tells a stranger reading a lock screen nothing.
pub fn discreet_title(language: Language) -> String {
    lookup(language, "calendar-discreet-title").unwrap_or_default()
}

/// The date labels a schedule uses, for the check that every one has words.
pub const DATE_LABELS: [&str; 8] = [
    "hearing_on",
    "judgment_on",
    "scheduled_on",
    "supervision_ends_on",
    "opens_on",
    "closes_on",
    "interview",
    "meeting_on",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::risk::default_rules;

    const READERS: [Reader; 3] = [Reader::Family, Reader::Person, Reader::Staff];
    const LANGUAGES: [Language; 2] = [Language::Ja, Language::En];

    #[test]
    fn every_period_has_words_for_every_reader_in_every_language() {
        for rule in default_rules() {
            for reader in READERS {
                for language in LANGUAGES {
                    let words = period(&rule.id, reader, language);
                    let words = words.unwrap_or_else(|| panic!("{} {reader:?} {language:?}", rule.id));
                    assert!(!words.title.trim().is_empty() && !words.why.trim().is_empty(), "{}", rule.id);
                }
            }
        }
    }

    #[test]
    fn every_date_and_kind_has_words_for_every_reader_in_every_language() {
        for reader in READERS {
            for language in LANGUAGES {
                for label in DATE_LABELS {
                    let words = lookup(language, &format!("date-{label}-{}", reader.as_str()));
                    assert!(words.is_some_and(|words| !words.is_empty()), "{label} {reader:?} {language:?}");
                }
                for kind in ScopeKind::ALL.iter().copied() {
                    assert!(!scope_kind(kind, reader, language).is_empty(), "{kind:?} {reader:?} {language:?}");
                }
                assert!(!projected_mark(reader, language).is_empty());
                assert!(!calendar_name(language).is_empty() && !discreet_title(language).is_empty());
            }
        }
    }

    /// A mother's or the person's phone carries no journal, no death figure and no clinical
    /// word: those stay with staff.
    #[test]
    fn family_and_person_words_cite_nothing_and_name_no_death_or_craving() {
        let banned =
            ["死亡", "渇望", "NEJM", "Addiction 20", "death", "Death", "craving", "Craving", "SMARPP", "et al", "doi"];
        for rule in default_rules() {
            for reader in [Reader::Family, Reader::Person] {
                for language in LANGUAGES {
                    let words = period_or_generic(&rule.id, reader, language);
                    let text = format!("{} {}", words.title, words.why);
                    for word in banned {
                        assert!(!text.contains(word), "{} {reader:?} {language:?}: {word}", rule.id);
                    }
                    let year = text.chars().collect::<Vec<_>>().windows(4).any(|w| w.iter().all(char::is_ascii_digit));
                    assert!(!year, "a year (a citation) in {} {reader:?} {language:?}", rule.id);
                }
            }
        }
        // The staff words keep the evidence.
        let staff = period("after_release_critical", Reader::Staff, Language::En).unwrap();
        assert!(staff.why.contains("NEJM"));
    }

    #[test]
    fn a_date_the_files_do_not_know_is_called_a_date() {
        assert_eq!(date_label("unheard_of", Reader::Family, Language::En), "Date");
        assert_eq!(date_label("closes_on", Reader::Family, Language::Ja), "仕事探しの支援を受けられる最後の日");
        assert_eq!(date_label("closes_on", Reader::Staff, Language::Ja), "就労支援期間の最終日");
    }
}
