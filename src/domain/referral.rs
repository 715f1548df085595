//! A referral: one organisation handing a person on to another (a probation office to a DARC,
//! a facility to a clinic for dual diagnosis, to Hello Work's employment support, a
//! consultation window to a self-help group). Its states, events and transitions are data, as
//! the milestones' are; each event says which side may record it and what it must carry. Pure:
//! what a step decides is returned, nothing is stored here.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{text_enum, ConsentBasis, Invalid, Note, Refusals, Scope, Why};

/// The rule of the alert to a referrer whose referral has waited unanswered.
pub const WAITING_RULE: &str = "referral_waiting";
/// The rule of the alert to a referrer whose referral ended.
pub const ENDED_RULE: &str = "referral_ended";
/// A referral's alerts: settled by its own steps, never by planning.
pub const ALERT_RULES: [&str; 2] = [WAITING_RULE, ENDED_RULE];

/// Whether an event answers a referral (the wait for an answer is over).
pub fn answers(event: ReferralEvent) -> bool {
    matches!(event, E::Accept | E::Decline | E::Waitlist | E::Withdraw)
}

/// How long a referral may wait for an answer, and how close a release may come with no
/// hand-off arranged, before someone is told: policy, not law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralPolicy {
    /// Days a referral may stay unanswered before its referrer is alerted.
    pub answer_within_days: u32,
}

impl Default for ReferralPolicy {
    fn default() -> Self {
        Self { answer_within_days: 7 }
    }
}

text_enum! {
    /// What follows an acceptance, as the receiving side chooses: the person placed with
    /// them, or a link of the accepting staff member within the referral's scope.
    pub enum Follow ("what follows acceptance") {
        Placement = "placement",
        Link = "link",
    }
}

/// A referral as asked for, checked: the reason said, the scope named, the consent recorded,
/// and not to the referring organisation itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    pub person_id: Uuid,
    pub from_organization_id: Uuid,
    pub to_organization_id: Uuid,
    pub reason: Note,
    pub scope: Scope,
    pub basis: ConsentBasis,
    pub referred_on: NaiveDate,
}

/// A referral's fields as they came, before checking.
#[derive(Debug, Clone)]
pub struct Referring {
    pub person_id: Uuid,
    pub from_organization_id: Uuid,
    pub to_organization_id: Uuid,
    pub reason: String,
    pub scope: Scope,
    pub basis: Result<ConsentBasis, Refusals>,
    pub referred_on: NaiveDate,
}

impl NewReferral {
    /// Every refusal at once; nothing is guessed.
    pub fn parse(asked: Referring) -> Result<Self, Refusals> {
        let mut refusals = Refusals::default();
        if asked.to_organization_id == asked.from_organization_id {
            refusals.push("to_organization_id", Why::ReferToYourself.into());
        }
        let reason = match Note::parse(&asked.reason) {
            Ok(Some(reason)) => Some(reason),
            Ok(None) => {
                refusals.push("reason", Why::Required.into());
                None
            }
            Err(why) => {
                refusals.push("reason", why);
                None
            }
        };
        if asked.scope.is_empty() {
            refusals.push("scope", Why::NameAtLeastOne { what: "milestone kind" }.into());
        }
        let basis = refusals.check_all(asked.basis);
        refusals.into_result()?;
        match (reason, basis) {
            (Some(reason), Some(basis)) => Ok(Self {
                person_id: asked.person_id,
                from_organization_id: asked.from_organization_id,
                to_organization_id: asked.to_organization_id,
                reason,
                scope: asked.scope,
                basis,
                referred_on: asked.referred_on,
            }),
            _ => Err(Refusals::one("reason", Why::Required.into())),
        }
    }
}

text_enum! {
    /// Where a referral stands.
    pub enum ReferralState ("referral state") {
        /// Sent; the receiving side has not answered.
        Requested = "requested",
        /// The receiving side will take the person on.
        Accepted = "accepted",
        /// The receiving side said no (with why).
        Declined = "declined",
        /// The receiving side will, when it has room.
        Waitlisted = "waitlisted",
        /// The first meeting was held: the person is connected.
        Connected = "connected",
        /// Accepted, but no meeting came of it (with why).
        NotConnected = "not_connected",
        /// Withdrawn by the referring side or the person.
        Withdrawn = "withdrawn",
    }
}

text_enum! {
    /// What may happen to a referral.
    pub enum ReferralEvent ("referral event") {
        Accept = "accept",
        Decline = "decline",
        Waitlist = "waitlist",
        Connect = "connect",
        NotConnect = "not_connect",
        Withdraw = "withdraw",
    }
}

/// Who records an event: the side the person is handed to, or the side handing them on (and
/// the person, who may always withdraw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Receiving,
    Referring,
    Person,
}

/// `from` --`event`--> `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: ReferralState,
    pub event: ReferralEvent,
    pub to: ReferralState,
}

const fn t(from: ReferralState, event: ReferralEvent, to: ReferralState) -> Transition {
    Transition { from, event, to }
}

use ReferralEvent as E;
use ReferralState as S;

/// Requested → accepted, declined or waitlisted; waitlisted → accepted or declined; accepted
/// → connected (the first meeting held) or not connected; withdrawn from any state not yet
/// ended.
pub static TRANSITIONS: &[Transition] = &[
    t(S::Requested, E::Accept, S::Accepted),
    t(S::Requested, E::Decline, S::Declined),
    t(S::Requested, E::Waitlist, S::Waitlisted),
    t(S::Requested, E::Withdraw, S::Withdrawn),
    t(S::Waitlisted, E::Accept, S::Accepted),
    t(S::Waitlisted, E::Decline, S::Declined),
    t(S::Waitlisted, E::Withdraw, S::Withdrawn),
    t(S::Accepted, E::Connect, S::Connected),
    t(S::Accepted, E::NotConnect, S::NotConnected),
    t(S::Accepted, E::Withdraw, S::Withdrawn),
];

/// The events `state` accepts, in the table's order.
pub fn accepted(state: ReferralState) -> Vec<ReferralEvent> {
    TRANSITIONS.iter().filter(|t| t.from == state).map(|t| t.event).collect()
}

/// Whether nothing more can happen to a referral in `state`.
pub fn is_final(state: ReferralState) -> bool {
    accepted(state).is_empty()
}

/// Whether the receiving side may see the person (within the scope agreed): while the referral
/// is open to them or they took the person on; never after they declined or it was withdrawn.
pub fn receiving_side_sees(state: ReferralState) -> bool {
    matches!(state, S::Requested | S::Waitlisted | S::Accepted | S::Connected | S::NotConnected)
}

/// Which sides may record `event`.
pub fn recorded_by(event: ReferralEvent) -> &'static [Side] {
    match event {
        E::Accept | E::Decline | E::Waitlist | E::Connect | E::NotConnect => &[Side::Receiving],
        E::Withdraw => &[Side::Referring, Side::Person],
    }
}

/// An event as asked for: by whom, on which day, and the note it carries (the reason of a
/// decline or of not connecting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked<'a> {
    pub event: &'a str,
    pub side: Side,
    pub on: NaiveDate,
    pub note: Option<&'a str>,
}

/// Why a step was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The state does not take this event (or no such event): the ones it would.
    NotAccepted { state: ReferralState, event: String, accepted: Vec<ReferralEvent> },
    /// This side does not record this event: answered as not found by the caller's policy.
    NotYourSide,
    /// A field is wrong (a missing reason, a day before the last step).
    Invalid(Refusals),
}

/// The state a referral in `state`, whose last step was on `last_on`, goes to on `asked`.
pub fn step(state: ReferralState, last_on: NaiveDate, asked: &Asked<'_>) -> Result<ReferralState, Refused> {
    let accepted_here = accepted(state);
    let Some(event) = accepted_here.iter().copied().find(|event| event.as_str() == asked.event) else {
        return Err(Refused::NotAccepted { state, event: asked.event.to_owned(), accepted: accepted_here });
    };
    if !recorded_by(event).contains(&asked.side) {
        return Err(Refused::NotYourSide);
    }
    let mut refusals = Refusals::default();
    if asked.on < last_on {
        refusals.push("on", Invalid::from(Why::BeforePreviousStep { since: last_on }));
    }
    let says_why = matches!(event, E::Decline | E::NotConnect);
    if says_why && asked.note.is_none_or(|note| note.trim().is_empty()) {
        refusals.push("note", Why::SayWhy.into());
    }
    refusals.into_result().map_err(Refused::Invalid)?;
    TRANSITIONS.iter().find(|t| t.from == state && t.event == event).map(|t| t.to).ok_or(Refused::NotAccepted {
        state,
        event: asked.event.to_owned(),
        accepted: accepted_here,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn asked(event: &'static str, side: Side, on: u32, note: Option<&'static str>) -> Asked<'static> {
        Asked { event, side, on: day(on), note }
    }

    #[test]
    fn a_referral_goes_from_requested_to_connected_by_the_receiving_side() {
        let accepted = step(S::Requested, day(1), &asked("accept", Side::Receiving, 2, None)).unwrap();
        assert_eq!(accepted, S::Accepted);
        let connected = step(accepted, day(2), &asked("connect", Side::Receiving, 9, None)).unwrap();
        assert_eq!(connected, S::Connected);
        assert!(is_final(connected) && receiving_side_sees(connected));
    }

    #[test]
    fn only_the_receiving_side_answers_and_only_the_referrer_or_person_withdraws() {
        assert_eq!(step(S::Requested, day(1), &asked("accept", Side::Referring, 2, None)), Err(Refused::NotYourSide));
        assert_eq!(step(S::Requested, day(1), &asked("withdraw", Side::Receiving, 2, None)), Err(Refused::NotYourSide));
        assert_eq!(step(S::Accepted, day(1), &asked("withdraw", Side::Person, 2, None)), Ok(S::Withdrawn));
        assert!(!receiving_side_sees(S::Withdrawn) && !receiving_side_sees(S::Declined));
    }

    #[test]
    fn a_decline_or_a_meeting_that_did_not_come_says_why() {
        let refused = step(S::Requested, day(1), &asked("decline", Side::Receiving, 2, Some("  "))).unwrap_err();
        assert!(matches!(refused, Refused::Invalid(refusals) if refusals.0[0].field == "note"));
        let said = step(S::Waitlisted, day(1), &asked("decline", Side::Receiving, 2, Some("満床")));
        assert_eq!(said, Ok(S::Declined));
        let early = step(S::Accepted, day(5), &asked("not_connect", Side::Receiving, 4, Some("連絡がとれない")));
        assert!(matches!(early, Err(Refused::Invalid(refusals)) if refusals.0[0].field == "on"));
    }

    #[test]
    fn an_ended_referral_takes_no_event_and_says_so() {
        for ended in [S::Declined, S::Connected, S::NotConnected, S::Withdrawn] {
            let refused = step(ended, day(1), &asked("withdraw", Side::Referring, 2, None));
            assert_eq!(
                refused,
                Err(Refused::NotAccepted { state: ended, event: "withdraw".into(), accepted: Vec::new() }),
                "{ended}"
            );
        }
        let unknown = step(S::Requested, day(1), &asked("approve", Side::Receiving, 2, None));
        assert_eq!(
            unknown,
            Err(Refused::NotAccepted {
                state: S::Requested,
                event: "approve".into(),
                accepted: vec![E::Accept, E::Decline, E::Waitlist, E::Withdraw],
            })
        );
    }

    proptest! {
        /// Any event any side asks of any state is either a transition of the table, by a side
        /// that records it, or refused — never a state the table does not lead to.
        #[test]
        fn every_step_is_a_transition_of_the_table_or_refused(
            state in prop::sample::select(ReferralState::ALL.to_vec()),
            event in prop::sample::select(ReferralEvent::ALL.iter().map(|e| e.as_str()).chain(["", "approve"]).collect::<Vec<_>>()),
            side in prop::sample::select(vec![Side::Receiving, Side::Referring, Side::Person]),
            on in 1u32..28,
            note in prop::option::of("[a-z ]{0,8}"),
        ) {
            let asked = Asked { event, side, on: day(on), note: note.as_deref() };
            match step(state, day(10), &asked) {
                Ok(to) => {
                    let taken = TRANSITIONS.iter().find(|t| t.from == state && t.event.as_str() == event);
                    prop_assert_eq!(taken.map(|t| t.to), Some(to));
                    prop_assert!(recorded_by(taken.unwrap().event).contains(&side));
                    prop_assert!(on >= 10);
                }
                Err(Refused::NotAccepted { accepted: listed, .. }) => prop_assert_eq!(listed, accepted(state)),
                Err(_) => {}
            }
        }
    }
}
