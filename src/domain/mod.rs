//! The domain: plain Rust, no I/O and no framework types, so it reads like the brief.

pub mod access;
mod consent;
pub mod ical;
mod language;
pub mod milestones;
mod name;
mod organization;
mod party;
pub mod period;
mod quiet_hours;
pub mod risk;
mod text_enum;
pub mod webhooks;
mod zone;

use text_enum::text_enum;

pub use consent::{Consent, Relationship, Scope, ScopeKind};
pub use language::Language;
pub use name::DisplayName;
pub use organization::OrganizationKind;
pub use party::{OrganizationRequirement, PartyRole};
pub use quiet_hours::{format_clock_time, QuietHours};
pub use zone::Zone;

/// Why a value was refused, in words a client can show to a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// A birth date must lie in the past and not absurdly far back.
pub fn parse_birth_date(date: chrono::NaiveDate, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, Invalid> {
    let earliest = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).expect("1900-01-01 is a valid date");
    if date > today {
        return Err(Invalid::new("a birth date cannot lie in the future"));
    }
    if date < earliest {
        return Err(Invalid::new("a birth date before 1900-01-01 is not plausible"));
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
    fn birth_date_before_1900_is_refused() {
        let today = d(2026, 11, 24);
        assert!(parse_birth_date(d(1899, 12, 31), today).is_err());
        assert!(parse_birth_date(d(1900, 1, 1), today).is_ok());
    }
}
