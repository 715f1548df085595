//! What probation systems push: scheduled dates under their own external ids, and which
//! milestone date each one sets.

use super::{
    milestones::{MilestoneKind, MovableDate, State},
    text_enum, Invalid, ScopeKind,
};

text_enum! {
    /// What a probation system says is scheduled.
    pub enum ScheduleKind ("schedule kind") {
        Release = "release",
        Hearing = "hearing",
        Judgment = "judgment",
        Interview = "interview",
        SupervisionEnd = "supervision_end",
    }
}

/// The milestone a pushed date belongs to: its kind, the states in which it takes the date,
/// and which date it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleTarget {
    pub kind: MilestoneKind,
    pub states: &'static [State],
    pub date: MovableDate,
}

const OPEN_BAIL: &[State] = &[State::Requested, State::Granted, State::Released];

impl ScheduleKind {
    /// The consent a probation party needs to push this kind.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            ScheduleKind::Hearing | ScheduleKind::Judgment => ScopeKind::Bail,
            ScheduleKind::Release | ScheduleKind::Interview | ScheduleKind::SupervisionEnd => ScopeKind::Release,
        }
    }

    /// `None` for an interview, which belongs to no milestone.
    pub fn target(self) -> Option<ScheduleTarget> {
        let target = |kind, states, date| Some(ScheduleTarget { kind, states, date });
        match self {
            ScheduleKind::Interview => None,
            ScheduleKind::Release => target(MilestoneKind::Release, &[State::Scheduled], MovableDate::ScheduledOn),
            ScheduleKind::Hearing => target(MilestoneKind::Bail, OPEN_BAIL, MovableDate::HearingOn),
            ScheduleKind::Judgment => target(MilestoneKind::Bail, OPEN_BAIL, MovableDate::JudgmentOn),
            ScheduleKind::SupervisionEnd => {
                target(MilestoneKind::Release, &[State::Scheduled, State::Released], MovableDate::SupervisionEndsOn)
            }
        }
    }
}

/// A probation system's own name for one scheduled date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
        if raw.is_empty() || raw.len() > 200 || !raw.chars().all(plain) {
            return Err(Invalid::new("1 to 200 characters of letters, digits and - _ . :"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_are_plain() {
        assert!(ExternalId::parse("moj:2026-000123").is_ok());
        assert!(ExternalId::parse("").is_err());
        assert!(ExternalId::parse("a b").is_err());
        assert!(ExternalId::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn court_dates_belong_to_an_open_bail() {
        let target = ScheduleKind::Judgment.target().unwrap();
        assert_eq!((target.kind, target.date), (MilestoneKind::Bail, MovableDate::JudgmentOn));
        assert!(ScheduleKind::Interview.target().is_none());
    }
}
