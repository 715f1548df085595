//! The follow-up rules, checked day by day.

use chrono::{DateTime, Duration, NaiveDate};

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn facts(starts_on: NaiveDate) -> PlanFacts {
    PlanFacts {
        starts_on,
        owed_from: starts_on,
        cadence: Cadence::default(),
        custody: vec![],
        records: vec![],
        restarted_after: 0,
    }
}

fn days(facts: &PlanFacts) -> Vec<NaiveDate> {
    facts.dues().iter().map(|due| due.on).collect()
}

#[test]
fn the_default_cadence_is_fortnightly_for_three_months_then_monthly_at_month_ends() {
    let plan = facts(d(2026, 1, 31));
    let expected = [
        d(2026, 2, 14),
        d(2026, 2, 28),
        d(2026, 3, 14),
        d(2026, 3, 28),
        d(2026, 4, 11),
        d(2026, 4, 25),
        d(2026, 5, 31),
        d(2026, 6, 30),
        d(2026, 7, 31),
        d(2026, 8, 31),
        d(2026, 9, 30),
        d(2026, 10, 31),
        d(2026, 11, 30),
        d(2026, 12, 31),
        d(2027, 1, 31),
    ];
    assert_eq!(days(&plan), expected);
    assert_eq!(plan.cadence.ends_on(plan.starts_on), d(2027, 1, 31));
}

#[test]
fn month_steps_count_from_the_start_so_month_ends_do_not_drift() {
    let monthly = Cadence::parse(&[PhaseAsked { every_months: Some(1), until_month: 4, ..Default::default() }])
        .expect("a cadence");
    assert_eq!(monthly.days(d(2026, 1, 31)), [d(2026, 2, 28), d(2026, 3, 31), d(2026, 4, 30), d(2026, 5, 31)]);
    assert_eq!(monthly.days(d(2026, 1, 15)), [d(2026, 2, 15), d(2026, 3, 15), d(2026, 4, 15), d(2026, 5, 15)]);
}

#[test]
fn a_cadence_says_everything_wrong_at_once_and_round_trips() {
    let refused = Cadence::parse(&[
        PhaseAsked { every_weeks: Some(2), every_months: Some(1), until_month: 3 },
        PhaseAsked { every_weeks: Some(20), every_months: None, until_month: 2 },
    ])
    .expect_err("refused");
    let fields: Vec<&str> = refused.0.iter().map(|refusal| refusal.field.as_str()).collect();
    assert_eq!(fields, ["cadence[0].every_weeks", "cadence[1].every_weeks", "cadence[1].until_month"]);
    assert!(Cadence::parse(&[]).is_err());
    let cadence = Cadence::default();
    assert_eq!(cadence.to_text(), "2w:3,1m:12");
    assert_eq!(Cadence::from_text(&cadence.to_text()), Some(cadence));
    assert_eq!(Cadence::from_text("2x:3"), None);
}

#[test]
fn custody_owes_nothing_while_it_lasts_and_one_check_in_on_the_way_out() {
    let mut plan = facts(d(2026, 1, 31));
    plan.custody = vec![Custody { started_on: d(2026, 3, 1), ended_on: Some(d(2026, 3, 20)) }];
    let owed = days(&plan);
    assert!(!owed.contains(&d(2026, 3, 14)));
    assert_eq!(&owed[..4], [d(2026, 2, 14), d(2026, 2, 28), d(2026, 3, 20), d(2026, 3, 28)]);
    assert_eq!(plan.state(d(2026, 3, 10), true), (PlanState::Paused, None));
    assert_eq!(plan.state(d(2026, 3, 20), true), (PlanState::Active, None));
    plan.custody = vec![Custody { started_on: d(2026, 3, 1), ended_on: None }];
    assert_eq!(days(&plan), [d(2026, 2, 14), d(2026, 2, 28)]);
}

#[test]
fn a_record_answers_the_latest_check_in_due_by_its_day_and_withdrawal_ends_the_plan() {
    let mut plan = facts(d(2026, 1, 31));
    plan.owed_from = d(2026, 2, 20);
    plan.records = vec![
        Record { on: d(2026, 2, 28), outcome: Outcome::NoAnswer },
        Record { on: d(2026, 3, 2), outcome: Outcome::Reached },
        Record { on: d(2026, 3, 30), outcome: Outcome::Withdrew },
    ];
    let dues = plan.dues();
    assert_eq!(dues[0], Due { on: d(2026, 2, 28), answered_by: Some(1) });
    assert_eq!(dues[1], Due { on: d(2026, 3, 14), answered_by: None });
    assert_eq!(answered_on(&dues, d(2026, 3, 11)), Some(d(2026, 3, 14)), "three days early counts");
    assert_eq!(answered_on(&dues, d(2026, 3, 10)), Some(d(2026, 2, 28)));
    assert_eq!(answered_on(&dues, d(2026, 2, 21)), None, "before the first owed");
    assert_eq!(dues.last().map(|due| due.on), Some(d(2026, 3, 28)));
    assert_eq!(plan.state(d(2026, 4, 1), true), (PlanState::Ended, Some(Ended::Withdrew)));
    // Set again after the person agreed again: the old withdrawal no longer ends it.
    plan.restarted_after = 3;
    plan.owed_from = d(2026, 4, 2);
    assert_eq!(plan.state(d(2026, 4, 2), true), (PlanState::Active, None));
    assert_eq!(plan.dues().first().map(|due| due.on), Some(d(2026, 4, 11)));
}

#[test]
fn the_third_unanswered_call_in_a_row_is_the_one_that_raises_the_alarm() {
    let policy = FollowUpPolicy::default();
    let call = |outcome| Record { on: d(2026, 2, 1), outcome };
    let mut records = vec![call(Outcome::NoAnswer), call(Outcome::NoAnswer)];
    assert!(goes_quiet(&records, Outcome::NoAnswer, &policy));
    assert!(!goes_quiet(&records, Outcome::Reached, &policy));
    records.insert(1, call(Outcome::Reached));
    assert!(!goes_quiet(&records, Outcome::NoAnswer, &policy));
    records.push(call(Outcome::NoAnswer));
    records.push(call(Outcome::NoAnswer));
    assert!(!goes_quiet(&records, Outcome::NoAnswer, &policy), "once per run");
}

#[test]
fn a_burst_of_presses_is_one_request() {
    let at = DateTime::from_timestamp(1_800_000_000, 0).expect("an instant");
    assert!(is_new_talk(None, at));
    let last = Some(LastTalk { at, acknowledged: false });
    assert!(!is_new_talk(last, at + Duration::minutes(5)));
    assert!(!is_new_talk(last, at + Duration::hours(3)), "still open, nobody answered yet");
    assert!(is_new_talk(last, at + Duration::hours(25)));
    let answered = Some(LastTalk { at, acknowledged: true });
    assert!(!is_new_talk(answered, at + Duration::minutes(10)));
    assert!(is_new_talk(answered, at + Duration::hours(1)));
}

#[test]
fn a_check_in_is_on_a_day_that_has_come_within_the_plan() {
    let start = d(2026, 2, 1);
    let today = d(2026, 3, 1);
    assert!(NewCheckIn::parse(d(2026, 3, 1), "reached", Some("phone"), Some(" ok "), start, today).is_ok());
    let refused = NewCheckIn::parse(d(2026, 3, 2), "maybe", Some("fax"), None, start, today).expect_err("refused");
    assert_eq!(refused.0.len(), 3);
    assert!(NewCheckIn::parse(d(2026, 1, 2), "reached", None, None, start, today).is_err());
}
