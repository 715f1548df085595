//! The domain: plain Rust, no I/O and no framework types, so it reads like the brief.

pub mod access;
pub mod calendar;
pub mod channels;
mod consent;
pub mod custody;
pub mod directory;
pub mod follow_up;
pub mod ical;
pub mod idempotency;
pub mod import;
mod language;
pub mod milestones;
mod name;
mod note;
pub mod organization;
pub mod outcomes;
mod party;
pub mod period;
pub mod placement;
pub mod provision;
pub mod quiet_hours;
pub mod referral;
pub mod risk;
pub mod rota;
pub mod schedule;
pub mod sign_in;
pub mod team;
mod text_enum;
pub mod webhooks;
mod why;
pub mod wording;
pub mod words;
mod zone;

pub(crate) use text_enum::text_enum;

pub use consent::{
    choose_sharing, link_in_force, needs_basis, BasisKind, Consent, ConsentBasis, ConsentPatch, Relationship, Scope,
    ScopeKind, SharingChoice,
};
pub use language::Language;
pub use name::DisplayName;
pub use note::Note;
pub use organization::OrganizationKind;
pub use party::{OrganizationRequirement, PartyRole};
pub use quiet_hours::{format_clock_time, QuietHours};
pub use why::Why;
pub use zone::Zone;

/// Why a value was refused: a code with its values, put into words where it is answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub Why);

impl Invalid {
    /// A refusal said in English only: for checks the API alone makes.
    pub fn new(message: impl Into<String>) -> Self {
        Self(Why::Said(message.into()))
    }
}

impl From<Why> for Invalid {
    fn from(why: Why) -> Self {
        Self(why)
    }
}

/// One refused field of a request and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub why: Invalid,
}

/// Collects refused fields so a client learns about all of them in one answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusals(pub Vec<Refusal>);

impl Refusals {
    pub fn one(field: &str, why: Invalid) -> Self {
        Self(vec![Refusal { field: field.to_owned(), why }])
    }

    /// Keeps the value if it parsed, or notes why `field` was refused.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(why) => {
                self.push(field, why);
                None
            }
        }
    }

    /// Keeps the value if it was accepted, or takes on every refusal of it.
    pub fn check_all<T>(&mut self, parsed: Result<T, Refusals>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(refused) => {
                self.0.extend(refused.0);
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, why: Invalid) {
        self.0.push(Refusal { field: field.to_owned(), why });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Refusals> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// A birth date must lie in the past and not absurdly far back.
pub fn parse_birth_date(date: chrono::NaiveDate, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, Invalid> {
    if date > today {
        return Err(Why::InFuture.into());
    }
    if date < calendar::EARLIEST {
        return Err(Why::OutsideCalendar { earliest: calendar::EARLIEST, latest: today }.into());
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn birth_date_today_is_accepted_but_tomorrow_is_not() {
        let today = d(2026, 11, 24);
        assert_eq!(parse_birth_date(today, today), Ok(today));
        assert!(parse_birth_date(d(2026, 11, 25), today).is_err());
    }

    #[test]
    fn refusals_collect_every_field() {
        let mut refusals = Refusals::default();
        assert_eq!(refusals.check("a", Ok::<_, Invalid>(1)), Some(1));
        assert_eq!(refusals.check::<i32>("b", Err(Invalid::new("no"))), None);
        refusals.push("c", Invalid::new("neither"));
        let fields: Vec<String> = refusals.into_result().unwrap_err().0.into_iter().map(|r| r.field).collect();
        assert_eq!(fields, ["b", "c"]);
    }

    #[test]
    fn birth_date_before_1900_is_refused() {
        let today = d(2026, 11, 24);
        assert!(parse_birth_date(d(1899, 12, 31), today).is_err());
        assert!(parse_birth_date(d(1900, 1, 1), today).is_ok());
    }
}
