use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const FAR: NaiveDate = NaiveDate::MAX;

fn ev(name: &str) -> Event {
    name.parse().unwrap()
}

fn step(milestone: &Milestone, event: &str, on: NaiveDate) -> Applied {
    milestone.apply(&EventInput::new(ev(event), on), FAR, &WindowPolicy::default()).unwrap()
}

/// Whether `result` was refused naming `field`.
fn refuses<T: std::fmt::Debug>(result: &Result<T, Refused>, field: &str) -> bool {
    matches!(result, Err(Refused::Fields(refusals)) if refusals.0.iter().any(|r| r.field == field))
}

#[test]
fn a_bail_path_records_its_dates() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let granted = step(&bail, "grant", d(2026, 1, 20)).milestone;
    let released = step(&granted, "release", d(2026, 1, 21)).milestone;
    assert_eq!(released.state, State::Released);
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
    assert_eq!(window.state, State::Pending);
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
    let missing = release.apply(&EventInput::new(Event::Release, d(2026, 3, 15)), FAR, &WindowPolicy::default());
    assert!(refuses(&missing, "release_type"));
    let parole =
        EventInput { release_type: Some(ReleaseType::Parole), ..EventInput::new(Event::Release, d(2026, 3, 15)) };
    let no_end = release.apply(&parole, FAR, &WindowPolicy::default());
    assert!(refuses(&no_end, "supervision_ends_on"));
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
    assert_eq!(open, EventInput::new(Event::Open, d(2026, 3, 16)));
    let opened = window.apply(&open, d(2026, 3, 16), &WindowPolicy::default()).unwrap().milestone;
    assert_eq!(opened.due_by_date(d(2026, 9, 15)), None, "still open on its last day");
    let expire = opened.due_by_date(d(2026, 9, 16)).unwrap();
    assert_eq!(expire, EventInput::new(Event::Expire, d(2026, 9, 16)));
    assert_eq!(
        opened.apply(&expire, d(2026, 9, 16), &WindowPolicy::default()).unwrap().milestone.state,
        State::Expired
    );
}

#[test]
fn one_extension_by_policy_counts_on_from_the_end() {
    let open = step(&Milestone::window(d(2026, 3, 15), &WindowPolicy::default()), "open", d(2026, 3, 16)).milestone;
    let extended = step(&open, "extend", d(2026, 9, 1)).milestone;
    assert_eq!(extended.state, State::Extended);
    assert_eq!(extended.dates.closes_on, Some(d(2027, 3, 15)));
    assert_eq!(extended.accepted_events(), [Event::Use, Event::Expire]);
    let no_extension = WindowPolicy { max_extensions: 0, ..WindowPolicy::default() };
    let refused = open.apply(&EventInput::new(Event::Extend, d(2026, 9, 1)), FAR, &no_extension);
    assert!(refuses(&refused, "event"));
}

#[test]
fn the_window_is_used_only_while_it_runs() {
    let open = step(&Milestone::window(d(2026, 3, 15), &WindowPolicy::default()), "open", d(2026, 3, 16)).milestone;
    let late = open.apply(&EventInput::new(Event::Use, d(2026, 9, 16)), FAR, &WindowPolicy::default());
    assert!(refuses(&late, "on"));
    assert_eq!(step(&open, "use", d(2026, 9, 15)).milestone.dates.used_on, Some(d(2026, 9, 15)));
}

#[test]
fn events_are_not_dated_in_the_future_or_before_the_previous_step() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let today = d(2026, 1, 15);
    let future = bail.apply(&EventInput::new(Event::Grant, d(2026, 1, 16)), today, &WindowPolicy::default());
    assert!(refuses(&future, "on"));
    let backwards = bail.apply(&EventInput::new(Event::Grant, d(2026, 1, 9)), today, &WindowPolicy::default());
    assert!(refuses(&backwards, "on"));
}

#[test]
fn smarpp_plans_24_sessions_and_a_re_enrolment_is_a_new_start() {
    let smarpp = Milestone::program(Program::Smarpp, d(2026, 1, 5), None);
    assert_eq!(smarpp.sessions_planned, Some(24));
    let mut current = smarpp;
    for (event, day) in [("enroll", 6), ("start", 7), ("drop_out", 20), ("re_enroll", 25)] {
        current = step(&current, event, d(2026, 1, day)).milestone;
    }
    assert_eq!(current.state, State::Enrolled);
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

fn sessions(attended: i32) -> Change {
    Change { sessions_attended: Some(attended), ..Change::default() }
}

#[test]
fn sessions_attended_stay_within_the_plan() {
    let smarpp = Milestone::program(Program::Smarpp, d(2026, 1, 5), None);
    let recorded = smarpp.change(&sessions(12)).unwrap();
    assert_eq!(recorded.milestone.sessions_attended, 12);
    assert_eq!(recorded.steps, [Annotation::SessionsRecorded { attended: 12 }]);
    assert!(smarpp.change(&sessions(25)).is_err());
    assert!(smarpp.change(&sessions(-1)).is_err());
    assert!(Milestone::bail(d(2026, 1, 5)).change(&sessions(1)).is_err());
}

#[test]
fn dates_move_while_they_still_lie_ahead() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let moved = bail.change(&Change::date(MovableDate::JudgmentOn, d(2026, 5, 20))).unwrap();
    let [Annotation::DateMoved(change)] = moved.steps[..] else { panic!("{:?}", moved.steps) };
    assert_eq!(change.old, None);
    assert!(!change.moved_earlier());
    let earlier = moved.milestone.change(&Change::date(MovableDate::JudgmentOn, d(2026, 5, 1))).unwrap();
    let [Annotation::DateMoved(change)] = earlier.steps[..] else { panic!("{:?}", earlier.steps) };
    assert!(change.moved_earlier());
    assert_eq!(earlier.milestone.dates.judgment_on, Some(d(2026, 5, 1)));
    assert_eq!(earlier.milestone.version, 3);
    assert!(bail.change(&Change::date(MovableDate::ScheduledOn, d(2026, 5, 1))).is_err(), "a bail has no scheduled_on");
    let release = Milestone::release(d(2026, 3, 15), Some(ReleaseType::FullTerm));
    let released = step(&release, "release", d(2026, 3, 15)).milestone;
    assert!(released.change(&Change::date(MovableDate::ScheduledOn, d(2026, 3, 20))).is_err());
}

#[test]
fn the_same_date_again_is_no_step() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let moved = bail.change(&Change::date(MovableDate::HearingOn, d(2026, 2, 1))).unwrap().milestone;
    let again = moved.change(&Change::date(MovableDate::HearingOn, d(2026, 2, 1))).unwrap();
    assert!(again.steps.is_empty());
    assert_eq!(again.milestone, moved);
}

fn field_names(refusals: &Refusals) -> Vec<&str> {
    refusals.0.iter().map(|refusal| refusal.field.as_str()).collect()
}

#[test]
fn a_bail_keeps_request_before_hearing_before_judgment_by_every_door() {
    let bail = NewMilestone::Bail { requested_on: d(2026, 1, 10), hearing_on: Some(d(2026, 1, 9)), judgment_on: None };
    assert_eq!(field_names(&Milestone::create(&bail, FAR).unwrap_err()), ["hearing_on"]);
    let bail = Milestone::bail(d(2026, 1, 10));
    let early_hearing = bail.change(&Change::date(MovableDate::HearingOn, d(2026, 1, 9))).unwrap_err();
    assert_eq!(field_names(&early_hearing), ["hearing_on"]);
    let with_hearing = bail.change(&Change::date(MovableDate::HearingOn, d(2026, 3, 1))).unwrap().milestone;
    let judgment_first = with_hearing.change(&Change::date(MovableDate::JudgmentOn, d(2026, 2, 1))).unwrap_err();
    assert_eq!(field_names(&judgment_first), ["judgment_on"]);
    let hearing_after = with_hearing
        .change(&Change {
            judgment_on: Some(Some(d(2026, 4, 1))),
            hearing_on: Some(Some(d(2026, 5, 1))),
            ..Change::default()
        })
        .unwrap_err();
    assert_eq!(field_names(&hearing_after), ["judgment_on"], "both moved: the later one is named");
}

#[test]
fn a_parole_supervision_ends_after_the_release_by_every_door() {
    let parole = NewMilestone::Release {
        scheduled_on: d(2026, 6, 1),
        release_type: Some(ReleaseType::Parole),
        supervision_ends_on: Some(d(2026, 6, 1)),
    };
    assert_eq!(field_names(&Milestone::create(&parole, FAR).unwrap_err()), ["supervision_ends_on"]);
    let release = Milestone::release(d(2026, 6, 1), Some(ReleaseType::Parole));
    let before = release.change(&Change::date(MovableDate::SupervisionEndsOn, d(2026, 5, 1))).unwrap_err();
    assert_eq!(field_names(&before), ["supervision_ends_on"]);
    let supervised = release.change(&Change::date(MovableDate::SupervisionEndsOn, d(2026, 12, 1))).unwrap().milestone;
    let past_the_end = supervised.change(&Change::date(MovableDate::ScheduledOn, d(2027, 1, 1))).unwrap_err();
    assert_eq!(field_names(&past_the_end), ["scheduled_on"]);
}

#[test]
fn a_refused_patch_field_refuses_the_whole_patch() {
    let bail = Milestone::bail(d(2026, 1, 10));
    let change = Change { hearing_on: Some(Some(d(2026, 2, 1))), sessions_attended: Some(5), ..Change::default() };
    assert_eq!(field_names(&bail.change(&change).unwrap_err()), ["sessions_attended"]);
}

#[test]
fn dates_outside_the_calendar_are_refused_not_overflowed() {
    let far = NaiveDate::from_ymd_opt(262_142, 12, 25).unwrap();
    let release = NewMilestone::Release { scheduled_on: far, release_type: None, supervision_ends_on: None };
    assert_eq!(field_names(&Milestone::create(&release, FAR).unwrap_err()), ["scheduled_on"]);
    let bail = Milestone::bail(d(2026, 1, 10));
    assert!(bail.change(&Change::date(MovableDate::JudgmentOn, NaiveDate::MAX)).is_err());
    let refused = bail.apply(&EventInput::new(Event::Grant, d(1899, 12, 31)), FAR, &WindowPolicy::default());
    assert!(refuses(&refused, "on"));
}

#[test]
fn recorded_dates_have_happened() {
    let today = d(2026, 1, 15);
    let bail = NewMilestone::Bail { requested_on: d(2026, 1, 16), hearing_on: None, judgment_on: None };
    assert_eq!(field_names(&Milestone::create(&bail, today).unwrap_err()), ["requested_on"]);
    let programme =
        NewMilestone::Program { program: Program::Smarpp, referred_on: d(2026, 1, 16), sessions_planned: Some(0) };
    assert_eq!(field_names(&Milestone::create(&programme, today).unwrap_err()), ["referred_on", "sessions_planned"]);
    let release = NewMilestone::Release { scheduled_on: d(2026, 6, 1), release_type: None, supervision_ends_on: None };
    assert!(Milestone::create(&release, today).is_ok(), "a release is scheduled ahead");
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

/// One thing a client may do to a milestone.
#[derive(Debug, Clone)]
enum Action {
    Event(prop::sample::Index, bool),
    Patch(Change),
}

fn any_change() -> impl Strategy<Value = Change> {
    let date = || prop::option::of(prop::option::of((0i64..400).prop_map(|n| d(2026, 1, 1) + Duration::days(n))));
    (
        date(),
        date(),
        prop::option::of((0i64..400).prop_map(|n| d(2026, 1, 1) + Duration::days(n))),
        date(),
        prop::option::of(-2i32..30),
    )
        .prop_map(|(hearing_on, judgment_on, scheduled_on, supervision_ends_on, sessions_attended)| Change {
            hearing_on,
            judgment_on,
            scheduled_on,
            supervision_ends_on,
            sessions_attended,
        })
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<bool>()).prop_map(|(pick, details)| Action::Event(pick, details)),
        any_change().prop_map(Action::Patch),
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
                    prop_assert!(current.machine().has_state(applied.to));
                    prop_assert_eq!(applied.from, before.state);
                    prop_assert_eq!(applied.milestone.version, before.version + 1);
                    prop_assert_eq!(applied.milestone.state_since, Some(day));
                    current = applied.milestone;
                }
                Err(Refused::NotAccepted(refusal)) => {
                    prop_assert_eq!(refusal.state, before.state);
                    prop_assert_eq!(refusal.accepted, before.accepted_events());
                    prop_assert_eq!(&current, &before);
                }
                Err(Refused::Fields(_)) => prop_assert_eq!(&current, &before),
            }
        }
    }

    /// Random PATCHes and events: an accepted change sets every field it names and keeps the
    /// dates in order; a refused one names at least one field. Either way the rules hold after.
    #[test]
    fn random_changes_apply_whole_or_not_at_all(
        start in any_milestone(),
        actions in prop::collection::vec(any_action(), 0..30),
    ) {
        let policy = WindowPolicy::default();
        let today = d(2027, 12, 31);
        let mut current = start;
        let mut day = d(2026, 1, 1);
        for action in actions {
            match action {
                Action::Event(pick, details) => {
                    let events = current.machine().events();
                    let event = events[pick.index(events.len())];
                    day += Duration::days(3);
                    let input = EventInput {
                        release_type: details.then_some(ReleaseType::Parole),
                        supervision_ends_on: details.then_some(day + Duration::days(90)),
                        ..EventInput::new(event, day)
                    };
                    if let Ok(applied) = current.apply(&input, today, &policy) {
                        current = applied.milestone;
                    }
                }
                Action::Patch(change) => match current.change(&change) {
                    Ok(changed) => {
                        let next = &changed.milestone;
                        prop_assert_eq!(next.version, current.version + changed.steps.len() as i64);
                        if let Some(hearing_on) = change.hearing_on { prop_assert_eq!(next.dates.hearing_on, hearing_on); }
                        if let Some(judgment_on) = change.judgment_on { prop_assert_eq!(next.dates.judgment_on, judgment_on); }
                        if let Some(scheduled_on) = change.scheduled_on { prop_assert_eq!(next.dates.scheduled_on, Some(scheduled_on)); }
                        if let Some(attended) = change.sessions_attended { prop_assert_eq!(next.sessions_attended, attended); }
                        let all: Vec<&str> = next.date_fields().iter().map(|(field, _)| *field).collect();
                        prop_assert!(next.check(&all).is_empty(), "{:?}", next.check(&all));
                        current = changed.milestone;
                    }
                    Err(refusals) => prop_assert!(!refusals.is_empty()),
                },
            }
        }
    }
}

fn arrange(handoff: &Milestone, on: NaiveDate, meeting_on: Option<NaiveDate>) -> Result<Applied, Refused> {
    let meeting =
        Meeting {
            on: meeting_on, place: Some("ダルク本部".into()), met_by: Some("ピア 田中".into()), at: None
        };
    let input = EventInput { meeting: Some(meeting), ..EventInput::new(Event::Arrange, on) };
    handoff.apply(&input, FAR, &WindowPolicy::default())
}

#[test]
fn a_handoff_is_arranged_for_a_day_ahead_and_held_on_it_or_later() {
    let proposed = Milestone::handoff(d(2026, 5, 1), HandoffOf::default());
    assert_eq!(proposed.state, State::Proposed);
    assert!(refuses(&arrange(&proposed, d(2026, 5, 2), None), "meeting_on"));
    assert!(refuses(&arrange(&proposed, d(2026, 5, 2), Some(d(2026, 5, 1))), "meeting_on"));
    let arranged = arrange(&proposed, d(2026, 5, 2), Some(d(2026, 5, 20))).unwrap().milestone;
    assert_eq!((arranged.state, arranged.dates.meeting_on), (State::Arranged, Some(d(2026, 5, 20))));
    assert_eq!(arranged.meeting.met_by.as_deref(), Some("ピア 田中"));
    assert_eq!(arranged.scheduled_dates(), [("meeting_on", d(2026, 5, 20))]);
    let early = arranged.apply(&EventInput::new(Event::Hold, d(2026, 5, 9)), d(2026, 5, 30), &WindowPolicy::default());
    assert!(refuses(&early, "on"));
    let missed =
        arranged.apply(&EventInput::new(Event::Miss, d(2026, 5, 20)), d(2026, 5, 30), &WindowPolicy::default());
    let missed = missed.unwrap().milestone;
    assert!(!missed.machine().is_final(missed.state), "a missed meeting is arranged again, never a failure");
    let again = arrange(&missed, d(2026, 5, 21), Some(d(2026, 5, 27))).unwrap().milestone;
    let held = again.apply(&EventInput::new(Event::Hold, d(2026, 5, 27)), d(2026, 5, 30), &WindowPolicy::default());
    assert_eq!(held.unwrap().milestone.state, State::Held);
}
