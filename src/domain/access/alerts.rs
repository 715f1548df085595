//! Who may see and act on an alert, and on a link of one's own record: the rules, from facts
//! the enforcement gathers (`src/access`), which also writes the one audit line.

use uuid::Uuid;

use super::Caller;
use crate::domain::{PartyRole, Scope, ScopeKind};

/// Whether the caller is on a facility's team: its staff, or an admin.
pub fn on_team(caller: &Caller, organization_id: Uuid) -> bool {
    caller.role == PartyRole::Admin
        || (caller.role == PartyRole::Staff && caller.organization_id == Some(organization_id))
}

/// What an alert relies on to reach its recipient, as things stand now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reliance {
    /// An escalation to the person's facility team, whose staff see everything: no link.
    FacilityCare,
    /// A link: whether it is in force, what it covers (`None`: gone or unreadable), and the
    /// alert's kind (`None`: unreadable).
    Link { in_force: bool, scope: Option<Scope>, kind: Option<ScopeKind> },
}

/// Whether an alert may still be delivered to, and seen by, its recipient: a link in force
/// that still covers the alert's kind. Anything unknown is no.
pub fn still_consented(reliance: &Reliance) -> bool {
    match reliance {
        Reliance::FacilityCare => true,
        Reliance::Link { in_force, scope: Some(scope), kind: Some(kind) } => *in_force && scope.contains(*kind),
        Reliance::Link { .. } => false,
    }
}

/// A delivered alert, as it bears on who may act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertFacts {
    /// A team's alert, and whether the person is placed at that team's facility today.
    Team { organization_id: Uuid, placed_there: bool },
    /// A party's own alert, and whether its consent still holds.
    Own { recipient_party_id: Uuid, consented: bool },
}

/// Whether the caller may act on a delivered alert (acknowledge, snooze, log a contact): their
/// own while its consent holds, or their team's while the person is placed there.
pub fn may_act_on_alert(caller: &Caller, facts: &AlertFacts) -> bool {
    match facts {
        AlertFacts::Team { organization_id, placed_there } => *placed_there && on_team(caller, *organization_id),
        AlertFacts::Own { recipient_party_id, consented } => caller.party_id == Some(*recipient_party_id) && *consented,
    }
}

/// Whether the caller may see what reached whom about an alert: admins; staff of a facility
/// the person is placed at; and whoever may act on it.
pub fn may_see_deliveries(caller: &Caller, person_placed_at: &[Uuid], facts: &AlertFacts) -> bool {
    caller.role == PartyRole::Admin
        || (caller.role == PartyRole::Staff
            && caller.organization_id.is_some_and(|organization| person_placed_at.contains(&organization)))
        || may_act_on_alert(caller, facts)
}

/// Whether the person may choose what a link shares: a link on their own record, in force.
pub fn may_choose_sharing(caller: &Caller, link_person_id: Uuid, in_force: bool) -> bool {
    caller.person_id == Some(link_person_id) && in_force
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: PartyRole, organization_id: Option<Uuid>) -> Caller {
        Caller { role, party_id: Some(Uuid::now_v7()), organization_id, person_id: None }
    }

    #[test]
    fn a_team_alert_is_for_that_team_while_the_person_is_placed_there() {
        let facility = Uuid::now_v7();
        let staff = caller(PartyRole::Staff, Some(facility));
        let elsewhere = caller(PartyRole::Staff, Some(Uuid::now_v7()));
        let team = AlertFacts::Team { organization_id: facility, placed_there: true };
        assert!(may_act_on_alert(&staff, &team));
        assert!(!may_act_on_alert(&elsewhere, &team));
        assert!(!may_act_on_alert(&staff, &AlertFacts::Team { organization_id: facility, placed_there: false }));
    }

    #[test]
    fn an_own_alert_is_for_its_recipient_while_the_consent_holds() {
        let family = caller(PartyRole::Family, None);
        let mine = |consented| AlertFacts::Own { recipient_party_id: family.party_id.unwrap(), consented };
        assert!(may_act_on_alert(&family, &mine(true)));
        assert!(!may_act_on_alert(&family, &mine(false)));
        let other = caller(PartyRole::Family, None);
        assert!(!may_act_on_alert(&other, &mine(true)));
    }

    #[test]
    fn a_link_relied_on_must_hold_and_cover_the_kind() {
        let scope = Scope::new([ScopeKind::Bail]);
        let link = |in_force, kind| Reliance::Link { in_force, scope: Some(scope.clone()), kind };
        assert!(still_consented(&link(true, Some(ScopeKind::Bail))));
        assert!(!still_consented(&link(false, Some(ScopeKind::Bail))));
        assert!(!still_consented(&link(true, Some(ScopeKind::Release))));
        assert!(!still_consented(&link(true, None)));
        assert!(!still_consented(&Reliance::Link { in_force: true, scope: None, kind: Some(ScopeKind::Bail) }));
        assert!(still_consented(&Reliance::FacilityCare));
    }
}
