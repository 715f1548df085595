use chrono::{DateTime, Duration, Utc};

use super::super::{text_enum, PartyRole};

text_enum! {
    /// How a browser signed in.
    pub enum SignInMethod ("sign-in method") {
        Invitation = "invitation",
        /// An invitation a staff member made: what is done in such a session is marked so.
        StaffInvitation = "staff_invitation",
        Code = "code",
        /// A one-time set-up link of an admin (the first start, or `tsunagu invite`).
        Setup = "setup",
    }
}

text_enum! {
    /// Why a session ended before it ran out.
    pub enum SessionEnd ("session end") {
        SignedOut = "signed_out",
        Ended = "ended",
        Disabled = "disabled",
    }
}

/// How long a session may sit unused (idle) and live at all (absolute), by role: those who
/// see many persons' data get shorter sessions than a family member checking on one person
/// from their own phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionPolicy {
    pub fn for_role(role: PartyRole) -> Self {
        let (idle, absolute) = match role {
            PartyRole::Admin => (Duration::minutes(30), Duration::hours(8)),
            PartyRole::Staff | PartyRole::Probation => (Duration::hours(2), Duration::hours(12)),
            PartyRole::Lawyer => (Duration::hours(24), Duration::days(14)),
            PartyRole::Family | PartyRole::Person => (Duration::days(30), Duration::days(90)),
        };
        Self { idle, absolute }
    }

    /// When a session started `created_at` and last used `seen_at` runs out if left alone.
    pub fn idle_expiry(self, created_at: DateTime<Utc>, seen_at: DateTime<Utc>) -> DateTime<Utc> {
        let absolute = created_at.checked_add_signed(self.absolute).unwrap_or(DateTime::<Utc>::MAX_UTC);
        seen_at.checked_add_signed(self.idle).unwrap_or(DateTime::<Utc>::MAX_UTC).min(absolute)
    }

    pub fn absolute_expiry(self, created_at: DateTime<Utc>) -> DateTime<Utc> {
        created_at.checked_add_signed(self.absolute).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Moving the idle expiry on is a write; it is done at most once per this much use, so
    /// that a busy reader does not write on every request.
    pub fn touch_every(self) -> Duration {
        (self.idle / 20).max(Duration::seconds(30))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn staff_sessions_are_shorter_than_a_familys() {
        let staff = SessionPolicy::for_role(PartyRole::Staff);
        let family = SessionPolicy::for_role(PartyRole::Family);
        assert!(staff.idle < family.idle && staff.absolute < family.absolute);
        assert!(SessionPolicy::for_role(PartyRole::Admin).absolute <= staff.absolute);
    }

    #[test]
    fn use_moves_the_idle_expiry_on_but_never_past_the_absolute_one() {
        let policy = SessionPolicy::for_role(PartyRole::Staff);
        let start = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        assert_eq!(policy.idle_expiry(start, start), start + Duration::hours(2));
        let late = start + Duration::hours(11);
        assert_eq!(policy.idle_expiry(start, late), start + Duration::hours(12));
    }
}
