//! Each milestone kind's states, events and transitions, as data.

use super::{Event, MilestoneKind, State};

/// `from` --`event`--> `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: State,
    pub event: Event,
    pub to: State,
}

const fn t(from: State, event: Event, to: State) -> Transition {
    Transition { from, event, to }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Machine {
    pub kind: MilestoneKind,
    pub initial: State,
    pub states: &'static [State],
    pub transitions: &'static [Transition],
}

/// An event the current state does not accept (or no event at all), and the events it would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAccepted {
    pub state: State,
    /// As the client named it.
    pub event: String,
    pub accepted: Vec<Event>,
}

impl Machine {
    pub fn for_kind(kind: MilestoneKind) -> &'static Machine {
        match kind {
            MilestoneKind::Bail => &BAIL,
            MilestoneKind::Release => &RELEASE,
            MilestoneKind::EmploymentSupportWindow => &EMPLOYMENT_SUPPORT_WINDOW,
            MilestoneKind::ProgramEnrollment => &PROGRAM_ENROLLMENT,
            MilestoneKind::Handoff => &HANDOFF,
        }
    }

    pub fn has_state(&self, state: State) -> bool {
        self.states.contains(&state)
    }

    pub fn accepted(&self, state: State) -> Vec<Event> {
        self.transitions.iter().filter(|t| t.from == state).map(|t| t.event).collect()
    }

    /// Whether `event` cannot be undone: it ends the milestone (no event leads on from where
    /// it goes), or drops a person out of their programme.
    pub fn cannot_undo(&self, event: Event) -> bool {
        let ends = self.transitions.iter().filter(|t| t.event == event).all(|t| self.accepted(t.to).is_empty());
        ends || event == Event::DropOut
    }

    pub fn next(&self, state: State, event: Event) -> Result<State, NotAccepted> {
        self.transitions.iter().find(|t| t.from == state && t.event == event).map(|t| t.to).ok_or_else(|| NotAccepted {
            state,
            event: event.as_str().to_owned(),
            accepted: self.accepted(state),
        })
    }

    /// The event a client named, if this state accepts it.
    pub fn event_named(&self, state: State, name: &str) -> Result<Event, NotAccepted> {
        let accepted = self.accepted(state);
        accepted.iter().copied().find(|event| event.as_str() == name).ok_or_else(|| NotAccepted {
            state,
            event: name.to_owned(),
            accepted,
        })
    }

    /// Every event the machine knows, each once.
    pub fn events(&self) -> Vec<Event> {
        let mut events: Vec<Event> = Vec::new();
        for transition in self.transitions {
            if !events.contains(&transition.event) {
                events.push(transition.event);
            }
        }
        events
    }

    pub fn is_final(&self, state: State) -> bool {
        self.accepted(state).is_empty()
    }
}

/// 保釈: requested → granted/denied; granted → released (out on bail); released → ended
/// (judgment without custody), revoked (取消) or lapsed (失効, on a custodial sentence).
pub static BAIL: Machine = Machine {
    kind: MilestoneKind::Bail,
    initial: State::Requested,
    states: &[
        State::Requested,
        State::Granted,
        State::Denied,
        State::Released,
        State::Ended,
        State::Revoked,
        State::Lapsed,
    ],
    transitions: &[
        t(State::Requested, Event::Grant, State::Granted),
        t(State::Requested, Event::Deny, State::Denied),
        t(State::Granted, Event::Release, State::Released),
        t(State::Released, Event::End, State::Ended),
        t(State::Released, Event::Revoke, State::Revoked),
        t(State::Released, Event::LapseBySentence, State::Lapsed),
    ],
};

/// Release from a correctional facility: full term (満期釈放) or parole (仮釈放).
pub static RELEASE: Machine = Machine {
    kind: MilestoneKind::Release,
    initial: State::Scheduled,
    states: &[State::Scheduled, State::Released],
    transitions: &[t(State::Scheduled, Event::Release, State::Released)],
};

/// The six months of employment support after a full-term release; one extension by policy.
pub static EMPLOYMENT_SUPPORT_WINDOW: Machine = Machine {
    kind: MilestoneKind::EmploymentSupportWindow,
    initial: State::Pending,
    states: &[State::Pending, State::Open, State::Extended, State::Used, State::Expired],
    transitions: &[
        t(State::Pending, Event::Open, State::Open),
        t(State::Open, Event::Use, State::Used),
        t(State::Open, Event::Expire, State::Expired),
        t(State::Open, Event::Extend, State::Extended),
        t(State::Extended, Event::Use, State::Used),
        t(State::Extended, Event::Expire, State::Expired),
    ],
};

/// A recovery programme. Dropping out and enrolling again is a new start, never a failure.
pub static PROGRAM_ENROLLMENT: Machine = Machine {
    kind: MilestoneKind::ProgramEnrollment,
    initial: State::Referred,
    states: &[State::Referred, State::Enrolled, State::Active, State::Interrupted, State::Completed, State::DroppedOut],
    transitions: &[
        t(State::Referred, Event::Enroll, State::Enrolled),
        t(State::Enrolled, Event::Start, State::Active),
        t(State::Active, Event::Complete, State::Completed),
        t(State::Active, Event::DropOut, State::DroppedOut),
        t(State::Active, Event::Interrupt, State::Interrupted),
        t(State::Interrupted, Event::Resume, State::Active),
        t(State::DroppedOut, Event::ReEnroll, State::Enrolled),
    ],
};

/// 顔合わせ, the hand-off meeting: proposed → arranged (a day, a time, a place, who meets the
/// person) → held or missed. A missed meeting is arranged again — never a failure — and one
/// already arranged may be arranged for another day. The person may decline it.
pub static HANDOFF: Machine = Machine {
    kind: MilestoneKind::Handoff,
    initial: State::Proposed,
    states: &[State::Proposed, State::Arranged, State::Held, State::Missed, State::Declined],
    transitions: &[
        t(State::Proposed, Event::Arrange, State::Arranged),
        t(State::Proposed, Event::Decline, State::Declined),
        t(State::Arranged, Event::Hold, State::Held),
        t(State::Arranged, Event::Miss, State::Missed),
        t(State::Arranged, Event::Arrange, State::Arranged),
        t(State::Arranged, Event::Decline, State::Declined),
        t(State::Missed, Event::Arrange, State::Arranged),
        t(State::Missed, Event::Decline, State::Declined),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MACHINES: [&Machine; 5] = [&BAIL, &RELEASE, &EMPLOYMENT_SUPPORT_WINDOW, &PROGRAM_ENROLLMENT, &HANDOFF];

    #[test]
    fn every_transition_joins_declared_states_and_is_deterministic() {
        for machine in MACHINES {
            assert!(machine.has_state(machine.initial), "{:?}", machine.kind);
            for transition in machine.transitions {
                assert!(machine.has_state(transition.from), "{transition:?}");
                assert!(machine.has_state(transition.to), "{transition:?}");
                let same =
                    machine.transitions.iter().filter(|t| t.from == transition.from && t.event == transition.event);
                assert_eq!(same.count(), 1, "{transition:?} is ambiguous");
            }
        }
    }

    #[test]
    fn every_state_is_reachable_from_the_initial_one() {
        for machine in MACHINES {
            let mut reached = vec![machine.initial];
            let mut grew = true;
            while grew {
                grew = false;
                for transition in machine.transitions {
                    if reached.contains(&transition.from) && !reached.contains(&transition.to) {
                        reached.push(transition.to);
                        grew = true;
                    }
                }
            }
            assert_eq!(reached.len(), machine.states.len(), "{:?}: unreachable states", machine.kind);
        }
    }

    #[test]
    fn a_refusal_names_the_state_and_what_it_accepts() {
        let refused = BAIL.next(State::Requested, Event::Release).unwrap_err();
        assert_eq!(refused.state, State::Requested);
        assert_eq!(refused.accepted, [Event::Grant, Event::Deny]);
        let final_state = BAIL.next(State::Ended, Event::Revoke).unwrap_err();
        assert!(final_state.accepted.is_empty());
        let unknown = BAIL.event_named(State::Requested, "grnat").unwrap_err();
        assert_eq!((unknown.event.as_str(), unknown.accepted), ("grnat", vec![Event::Grant, Event::Deny]));
    }

    #[test]
    fn a_missed_meeting_is_arranged_again_and_then_held() {
        let mut state = HANDOFF.initial;
        use Event::*;
        for event in [Arrange, Miss, Arrange, Arrange, Hold] {
            state = HANDOFF.next(state, event).unwrap();
        }
        assert_eq!(state, State::Held);
        assert_eq!(HANDOFF.accepted(State::Missed), [Arrange, Decline]);
        assert!(HANDOFF.is_final(State::Held) && HANDOFF.is_final(State::Declined));
        assert!(!Machine::for_kind(MilestoneKind::Handoff).cannot_undo(Miss), "a miss is no failure");
    }

    #[test]
    fn dropping_out_leads_back_to_enrolment() {
        let mut state = PROGRAM_ENROLLMENT.initial;
        use Event::*;
        for event in [Enroll, Start, Interrupt, Resume, DropOut, ReEnroll, Start, Complete] {
            state = PROGRAM_ENROLLMENT.next(state, event).unwrap();
        }
        assert_eq!(state, State::Completed);
    }

    #[test]
    fn events_that_end_a_milestone_or_a_programme_cannot_be_undone() {
        let undone: Vec<(MilestoneKind, Event)> = MACHINES
            .iter()
            .flat_map(|machine| machine.transitions.iter().map(move |t| (machine.kind, t.event)))
            .filter(|(kind, event)| Machine::for_kind(*kind).cannot_undo(*event))
            .collect();
        use Event::*;
        use MilestoneKind::*;
        let expected = [
            (Bail, Deny),
            (Bail, End),
            (Bail, Revoke),
            (Bail, LapseBySentence),
            (MilestoneKind::Release, Event::Release),
            (EmploymentSupportWindow, Use),
            (EmploymentSupportWindow, Expire),
            (EmploymentSupportWindow, Use),
            (EmploymentSupportWindow, Expire),
            (ProgramEnrollment, Complete),
            (ProgramEnrollment, DropOut),
            (Handoff, Decline),
            (Handoff, Hold),
            (Handoff, Decline),
            (Handoff, Decline),
        ];
        assert_eq!(undone, expected);
    }

    fn machine_and_events() -> impl Strategy<Value = (&'static Machine, Vec<prop::sample::Index>)> {
        (prop::sample::select(MACHINES.to_vec()), prop::collection::vec(any::<prop::sample::Index>(), 0..40))
    }

    proptest! {
        /// Random sequences of known events: accepted ones move to a declared state, refused
        /// ones leave the state as it was and name what would have been accepted.
        #[test]
        fn random_event_sequences_stay_within_the_machine((machine, picks) in machine_and_events()) {
            let events = machine.events();
            let mut state = machine.initial;
            for pick in picks {
                let event = events[pick.index(events.len())];
                match machine.next(state, event) {
                    Ok(next) => {
                        prop_assert!(machine.has_state(next));
                        prop_assert!(machine.accepted(state).contains(&event));
                        state = next;
                    }
                    Err(refusal) => {
                        prop_assert_eq!(refusal.state, state);
                        prop_assert!(!refusal.accepted.contains(&event));
                        prop_assert_eq!(refusal.accepted, machine.accepted(state));
                    }
                }
            }
        }
    }
}
