//! Each milestone kind's states, events and transitions, as data.

use super::MilestoneKind;

/// `from` --`event`--> `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: &'static str,
    pub event: &'static str,
    pub to: &'static str,
}

const fn t(from: &'static str, event: &'static str, to: &'static str) -> Transition {
    Transition { from, event, to }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Machine {
    pub kind: MilestoneKind,
    pub initial: &'static str,
    pub states: &'static [&'static str],
    pub transitions: &'static [Transition],
}

/// An event the current state does not accept, and the events it would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAccepted {
    pub state: &'static str,
    pub event: String,
    pub accepted: Vec<&'static str>,
}

impl Machine {
    pub fn for_kind(kind: MilestoneKind) -> &'static Machine {
        match kind {
            MilestoneKind::Bail => &BAIL,
            MilestoneKind::Release => &RELEASE,
            MilestoneKind::EmploymentSupportWindow => &EMPLOYMENT_SUPPORT_WINDOW,
            MilestoneKind::ProgramEnrollment => &PROGRAM_ENROLLMENT,
        }
    }

    /// The state's canonical name, if the machine has it.
    pub fn state(&self, name: &str) -> Option<&'static str> {
        self.states.iter().copied().find(|state| *state == name)
    }

    pub fn accepted(&self, state: &str) -> Vec<&'static str> {
        self.transitions.iter().filter(|t| t.from == state).map(|t| t.event).collect()
    }

    pub fn next(&self, state: &str, event: &str) -> Result<&'static str, NotAccepted> {
        self.transitions.iter().find(|t| t.from == state && t.event == event).map(|t| t.to).ok_or_else(|| NotAccepted {
            state: self.state(state).unwrap_or("unknown"),
            event: event.to_owned(),
            accepted: self.accepted(state),
        })
    }

    /// Every event the machine knows, each once.
    pub fn events(&self) -> Vec<&'static str> {
        let mut events: Vec<&'static str> = Vec::new();
        for transition in self.transitions {
            if !events.contains(&transition.event) {
                events.push(transition.event);
            }
        }
        events
    }

    pub fn is_final(&self, state: &str) -> bool {
        self.accepted(state).is_empty()
    }
}

/// 保釈: requested → granted/denied; granted → released (out on bail); released → ended
/// (judgment without custody), revoked (取消) or lapsed (失効, on a custodial sentence).
pub static BAIL: Machine = Machine {
    kind: MilestoneKind::Bail,
    initial: "requested",
    states: &["requested", "granted", "denied", "released", "ended", "revoked", "lapsed"],
    transitions: &[
        t("requested", "grant", "granted"),
        t("requested", "deny", "denied"),
        t("granted", "release", "released"),
        t("released", "end", "ended"),
        t("released", "revoke", "revoked"),
        t("released", "lapse_by_sentence", "lapsed"),
    ],
};

/// Release from a correctional facility: full term (満期釈放) or parole (仮釈放).
pub static RELEASE: Machine = Machine {
    kind: MilestoneKind::Release,
    initial: "scheduled",
    states: &["scheduled", "released"],
    transitions: &[t("scheduled", "release", "released")],
};

/// The six months of employment support after a full-term release; one extension by policy.
pub static EMPLOYMENT_SUPPORT_WINDOW: Machine = Machine {
    kind: MilestoneKind::EmploymentSupportWindow,
    initial: "pending",
    states: &["pending", "open", "extended", "used", "expired"],
    transitions: &[
        t("pending", "open", "open"),
        t("open", "use", "used"),
        t("open", "expire", "expired"),
        t("open", "extend", "extended"),
        t("extended", "use", "used"),
        t("extended", "expire", "expired"),
    ],
};

/// A recovery programme. Dropping out and enrolling again is a new start, never a failure.
pub static PROGRAM_ENROLLMENT: Machine = Machine {
    kind: MilestoneKind::ProgramEnrollment,
    initial: "referred",
    states: &["referred", "enrolled", "active", "interrupted", "completed", "dropped_out"],
    transitions: &[
        t("referred", "enroll", "enrolled"),
        t("enrolled", "start", "active"),
        t("active", "complete", "completed"),
        t("active", "drop_out", "dropped_out"),
        t("active", "interrupt", "interrupted"),
        t("interrupted", "resume", "active"),
        t("dropped_out", "re_enroll", "enrolled"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MACHINES: [&Machine; 4] = [&BAIL, &RELEASE, &EMPLOYMENT_SUPPORT_WINDOW, &PROGRAM_ENROLLMENT];

    #[test]
    fn every_transition_joins_declared_states_and_is_deterministic() {
        for machine in MACHINES {
            assert!(machine.state(machine.initial).is_some(), "{:?}", machine.kind);
            for transition in machine.transitions {
                assert!(machine.state(transition.from).is_some(), "{transition:?}");
                assert!(machine.state(transition.to).is_some(), "{transition:?}");
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
        let refused = BAIL.next("requested", "release").unwrap_err();
        assert_eq!(refused.state, "requested");
        assert_eq!(refused.accepted, ["grant", "deny"]);
        let final_state = BAIL.next("ended", "revoke").unwrap_err();
        assert!(final_state.accepted.is_empty());
    }

    #[test]
    fn dropping_out_leads_back_to_enrolment() {
        let mut state = PROGRAM_ENROLLMENT.initial;
        for event in ["enroll", "start", "interrupt", "resume", "drop_out", "re_enroll", "start", "complete"] {
            state = PROGRAM_ENROLLMENT.next(state, event).unwrap();
        }
        assert_eq!(state, "completed");
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
                        prop_assert!(machine.state(next).is_some());
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
