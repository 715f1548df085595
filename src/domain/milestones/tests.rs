use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const FAR: NaiveDate = NaiveDate::MAX;

fn step(milestone: &Milestone, event: &str, on: NaiveDate) -> Applied {
    milestone.apply(&EventInput::new(event, on), FAR, &WindowPolicy::default()).unwrap()
}

#[test]
fn a_bail_path_records_its_dates() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let granted = step(&bail, "grant", d(2026, 1, 20)).milestone;
    let released = step(&granted, "release", d(2026, 1, 21)).milestone;
    assert_eq!(released.state, "released");
    assert_eq!(released.dates.granted_on, Some(d(2026, 1, 20)));
    assert_eq!(released.dates.released_on, Some(d(2026, 1, 21)));
    assert_eq!(released.version, 3);
}

#[test]
fn a_revoked_or_lapsed_bail_starts_custody() {
    let released =
        step(&step(&Milestone::bail(d(2026, 1, 10)), "grant", d(2026, 1, 20)).milestone, "release", d(2026, 1, 21));
    let revoked = step(&released.milestone, "revoke", d(2026, 3, 1));
    assert_eq!(revoked.effects, [Effect::StartCustody { on: d(2026, 3, 1), cause: CustodyCause::BailRevoked }]);
    let lapsed = step(&released.milestone, "lapse_by_sentence", d(2026, 4, 1));
    assert_eq!(lapsed.effects, [Effect::StartCustody { on: d(2026, 4, 1), cause: CustodyCause::CustodialSentence }]);
    let ended = step(&released.milestone, "end", d(2026, 4, 1));
    assert!(ended.effects.is_empty(), "a judgment without custody starts nothing");
}

#[test]
fn a_full_term_release_opens_the_window_by_the_civil_code() {
    let release = Milestone::release(d(2026, 3, 15), Some(ReleaseType::FullTerm));
    let released = step(&release, "release", d(2026, 3, 15));
    assert_eq!(released.milestone.dates.released_on, Some(d(2026, 3, 15)));
    let Effect::CreateWindow(window) = &released.effects[0] else { panic!("{:?}", released.effects) };
    assert_eq!((window.dates.opens_on, window.dates.closes_on), (Some(d(2026, 3, 16)), Some(d(2026, 9, 15))));
    assert_eq!(window.state, "pending");
    assert_eq!(released.effects[1..], [Effect::EndCustody { on: d(2026, 3, 15) }]);
    let window = Milestone::window(d(2026, 8, 31), &WindowPolicy::default());
    assert_eq!((window.dates.opens_on, window.dates.closes_on), (Some(d(2026, 9, 1)), Some(d(2027, 2, 28))));
}

#[test]
fn the_window_length_is_policy() {
    let policy = WindowPolicy { months: 3, ..WindowPolicy::default() };
    let window = Milestone::window(d(2026, 3, 15), &policy);
    assert_eq!(window.dates.closes_on, Some(d(2026, 6, 15)));
}

#[test]
fn a_release_needs_its_type_and_a_parole_its_supervision_end() {
    let release = Milestone::release(d(2026, 3, 15), None);
    let missing = release.apply(&EventInput::new("release", d(2026, 3, 15)), FAR, &WindowPolicy::default());
    assert!(matches!(missing, Err(EventError::Invalid { field: "release_type", .. })));
    let parole = EventInput { release_type: Some(ReleaseType::Parole), ..EventInput::new("release", d(2026, 3, 15)) };
    let no_end = release.apply(&parole, FAR, &WindowPolicy::default());
    assert!(matches!(no_end, Err(EventError::Invalid { field: "supervision_ends_on", .. })));
    let with_end = EventInput { supervision_ends_on: Some(d(2026, 12, 1)), ..parole };
    let applied = release.apply(&with_end, FAR, &WindowPolicy::default()).unwrap();
    assert_eq!(applied.milestone.dates.supervision_ends_on, Some(d(2026, 12, 1)));
    assert!(
        !applied.effects.iter().any(|effect| matches!(effect, Effect::CreateWindow { .. })),
        "parole opens no window"
    );
}

#[test]
fn the_window_opens_and_expires_as_days_pass() {
    let window = Milestone::window(d(2026, 3, 15), &WindowPolicy::default());
    assert_eq!(window.due_by_date(d(2026, 3, 15)), None);
    let open = window.due_by_date(d(2026, 3, 16)).unwrap();
    assert_eq!(open, EventInput::new("open", d(2026, 3, 16)));
    let opened = window.apply(&open, d(2026, 3, 16), &WindowPolicy::default()).unwrap().milestone;
    assert_eq!(opened.due_by_date(d(2026, 9, 15)), None, "still open on its last day");
    let expire = opened.due_by_date(d(2026, 9, 16)).unwrap();
    assert_eq!(expire, EventInput::new("expire", d(2026, 9, 16)));
    assert_eq!(opened.apply(&expire, d(2026, 9, 16), &WindowPolicy::default()).unwrap().milestone.state, "expired");
}

#[test]
fn one_extension_by_policy_counts_on_from_the_end() {
    let open = step(&Milestone::window(d(2026, 3, 15), &WindowPolicy::default()), "open", d(2026, 3, 16)).milestone;
    let extended = step(&open, "extend", d(2026, 9, 1)).milestone;
    assert_eq!(extended.state, "extended");
    assert_eq!(extended.dates.closes_on, Some(d(2027, 3, 15)));
    assert_eq!(extended.accepted_events(), ["use", "expire"]);
    let no_extension = WindowPolicy { max_extensions: 0, ..WindowPolicy::default() };
    let refused = open.apply(&EventInput::new("extend", d(2026, 9, 1)), FAR, &no_extension);
    assert!(matches!(refused, Err(EventError::Invalid { field: "event", .. })));
}

#[test]
fn the_window_is_used_only_while_it_runs() {
    let open = step(&Milestone::window(d(2026, 3, 15), &WindowPolicy::default()), "open", d(2026, 3, 16)).milestone;
    let late = open.apply(&EventInput::new("use", d(2026, 9, 16)), FAR, &WindowPolicy::default());
    assert!(matches!(late, Err(EventError::Invalid { field: "on", .. })));
    assert_eq!(step(&open, "use", d(2026, 9, 15)).milestone.dates.used_on, Some(d(2026, 9, 15)));
}

#[test]
fn events_are_not_dated_in_the_future_or_before_the_previous_step() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let today = d(2026, 1, 15);
    let future = bail.apply(&EventInput::new("grant", d(2026, 1, 16)), today, &WindowPolicy::default());
    assert!(matches!(future, Err(EventError::Invalid { field: "on", .. })));
    let backwards = bail.apply(&EventInput::new("grant", d(2026, 1, 9)), today, &WindowPolicy::default());
    assert!(matches!(backwards, Err(EventError::Invalid { field: "on", .. })));
}

#[test]
fn smarpp_plans_24_sessions_and_a_re_enrolment_is_a_new_start() {
    let smarpp = Milestone::program(Program::Smarpp, d(2026, 1, 5), None);
    assert_eq!(smarpp.sessions_planned, Some(24));
    let mut current = smarpp;
    for (event, day) in [("enroll", 6), ("start", 7), ("drop_out", 20), ("re_enroll", 25)] {
        current = step(&current, event, d(2026, 1, day)).milestone;
    }
    assert_eq!(current.state, "enrolled");
    assert_eq!(current.dates.ended_on, None, "enrolling again clears the earlier end");
    assert_eq!(current.dates.enrolled_on, Some(d(2026, 1, 25)));
}

#[test]
fn scheduled_dates_are_those_that_can_still_come() {
    let mut bail = Milestone::bail(d(2026, 1, 5));
    bail.dates.judgment_on = Some(d(2026, 3, 20));
    assert_eq!(bail.scheduled_dates(), [("judgment_on", d(2026, 3, 20))]);
    let granted = step(&bail, "grant", d(2026, 1, 6)).milestone;
    let released = step(&granted, "release", d(2026, 1, 7)).milestone;
    let ended = step(&released, "end", d(2026, 3, 20)).milestone;
    assert!(ended.scheduled_dates().is_empty(), "a judgment behind us is no longer ahead");
    let mut parole = Milestone::release(d(2026, 6, 1), Some(ReleaseType::Parole));
    parole.dates.supervision_ends_on = Some(d(2026, 12, 1));
    assert_eq!(parole.scheduled_dates(), [("scheduled_on", d(2026, 6, 1)), ("supervision_ends_on", d(2026, 12, 1))]);
    let window = Milestone::window(d(2026, 3, 15), &WindowPolicy::default());
    let opened = step(&window, "open", d(2026, 3, 16)).milestone;
    let used = step(&opened, "use", d(2026, 4, 1)).milestone;
    assert_eq!(window.scheduled_dates().len(), 2);
    assert!(used.scheduled_dates().is_empty());
}

#[test]
fn sessions_attended_stay_within_the_plan() {
    let smarpp = Milestone::program(Program::Smarpp, d(2026, 1, 5), None);
    assert_eq!(smarpp.record_sessions(12).unwrap().sessions_attended, 12);
    assert!(smarpp.record_sessions(25).is_err());
    assert!(smarpp.record_sessions(-1).is_err());
    assert!(Milestone::bail(d(2026, 1, 5)).record_sessions(1).is_err());
}

#[test]
fn dates_move_while_they_still_lie_ahead() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let (moved, change) = bail.move_date(MovableDate::JudgmentOn, Some(d(2026, 5, 20))).unwrap();
    assert_eq!(change.old, None);
    assert!(!change.moved_earlier());
    let (earlier, change) = moved.move_date(MovableDate::JudgmentOn, Some(d(2026, 5, 1))).unwrap();
    assert!(change.moved_earlier());
    assert_eq!(earlier.dates.judgment_on, Some(d(2026, 5, 1)));
    assert_eq!(earlier.version, 3);
    assert!(bail.move_date(MovableDate::ScheduledOn, Some(d(2026, 5, 1))).is_err(), "a bail has no scheduled_on");
    let release = Milestone::release(d(2026, 3, 15), Some(ReleaseType::FullTerm));
    let released = step(&release, "release", d(2026, 3, 15)).milestone;
    assert!(released.move_date(MovableDate::ScheduledOn, Some(d(2026, 3, 20))).is_err());
}

fn any_milestone() -> impl Strategy<Value = Milestone> {
    prop_oneof![
        Just(Milestone::bail(d(2026, 1, 1))),
        Just(Milestone::release(d(2026, 1, 1), Some(ReleaseType::FullTerm))),
        Just(Milestone::release(d(2026, 1, 1), Some(ReleaseType::Parole))),
        Just(Milestone::window(d(2026, 1, 1), &WindowPolicy::default())),
        Just(Milestone::program(Program::Smarpp, d(2026, 1, 1), None)),
    ]
}

proptest! {
    /// Random events on random days: every accepted event lands in a declared state and raises
    /// the version by exactly one; every refused event changes nothing at all.
    #[test]
    fn random_events_never_leave_the_machine(
        start in any_milestone(),
        steps in prop::collection::vec((any::<prop::sample::Index>(), 0i64..60, any::<bool>()), 0..30),
    ) {
        let policy = WindowPolicy::default();
        let today = d(2027, 12, 31);
        let mut current = start;
        let mut day = d(2026, 1, 1);
        for (pick, gap, with_details) in steps {
            let events = current.machine().events();
            let event = events[pick.index(events.len())];
            day += Duration::days(gap);
            let input = EventInput {
                release_type: with_details.then_some(ReleaseType::Parole),
                supervision_ends_on: with_details.then_some(day + Duration::days(90)),
                ..EventInput::new(event, day)
            };
            let before = current.clone();
            match current.apply(&input, today, &policy) {
                Ok(applied) => {
                    prop_assert!(current.machine().state(applied.to).is_some());
                    prop_assert_eq!(applied.from, before.state);
                    prop_assert_eq!(applied.milestone.version, before.version + 1);
                    prop_assert_eq!(applied.milestone.state_since, Some(day));
                    current = applied.milestone;
                }
                Err(EventError::NotAccepted(refusal)) => {
                    prop_assert_eq!(refusal.state, before.state);
                    prop_assert_eq!(refusal.accepted, before.accepted_events());
                    prop_assert_eq!(&current, &before);
                }
                Err(EventError::Invalid { .. }) => prop_assert_eq!(&current, &before),
            }
        }
    }
}
