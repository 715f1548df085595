use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::milestones::{EventInput, WindowPolicy};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn step(milestone: &Milestone, event: &str, on: NaiveDate) -> Milestone {
    milestone
        .apply(&EventInput::new(event.parse().unwrap(), on), NaiveDate::MAX, &WindowPolicy::default())
        .unwrap()
        .milestone
}

fn moved_judgment(to: NaiveDate) -> Milestone {
    let change = crate::domain::milestones::Change::date(crate::domain::milestones::MovableDate::JudgmentOn, to);
    released_bail().change(&change).unwrap().milestone
}

fn released_bail() -> Milestone {
    let mut bail = Milestone::bail(d(2026, 1, 5));
    bail.dates.judgment_on = Some(d(2026, 3, 20));
    step(&step(&bail, "grant", d(2026, 1, 10)), "release", d(2026, 1, 12))
}

fn span(periods: &[RiskPeriod], rule: &str) -> Option<(NaiveDate, NaiveDate)> {
    periods.iter().find(|p| p.rule_id == rule).map(|p| (p.starts_on, p.ends_on))
}

#[test]
fn a_bail_release_brings_craving_and_the_week_before_judgment() {
    let found = periods(&default_rules(), &[(id(1), released_bail())], &[]);
    assert_eq!(span(&found, "bail_craving"), Some((d(2026, 1, 12), d(2026, 4, 12))));
    assert_eq!(span(&found, "before_judgment"), Some((d(2026, 3, 13), d(2026, 3, 20))));
    assert!(found.iter().all(|p| p.kind == ScopeKind::Bail));
}

#[test]
fn periods_follow_a_moved_date() {
    let moved = moved_judgment(d(2026, 3, 10));
    let found = periods(&default_rules(), &[(id(1), moved)], &[]);
    assert_eq!(span(&found, "before_judgment"), Some((d(2026, 3, 3), d(2026, 3, 10))));
}

#[test]
fn custody_cuts_the_craving_period_and_ends_the_judgment_wait() {
    let lapsed = step(&released_bail(), "lapse_by_sentence", d(2026, 2, 1));
    let found = periods(&default_rules(), &[(id(1), lapsed)], &[]);
    assert_eq!(span(&found, "bail_craving"), Some((d(2026, 1, 12), d(2026, 2, 1))));
    assert_eq!(span(&found, "before_judgment"), None);
}

#[test]
fn a_release_has_a_critical_fortnight_then_a_high_one() {
    let release = Milestone::release(d(2026, 9, 10), Some(ReleaseType::FullTerm));
    let found = periods(&default_rules(), &[(id(2), release)], &[]);
    let critical = found.iter().find(|p| p.rule_id == "after_release_critical").unwrap();
    assert_eq!(
        (critical.starts_on, critical.ends_on, critical.severity),
        (d(2026, 9, 10), d(2026, 9, 24), Severity::Critical)
    );
    assert_eq!(span(&found, "after_release_high"), Some((d(2026, 9, 25), d(2026, 10, 8))));
}

#[test]
fn the_window_closing_warns_only_while_unused() {
    let window = Milestone::window(d(2026, 3, 15), &WindowPolicy::default());
    let found = periods(&default_rules(), &[(id(3), window.clone())], &[]);
    assert_eq!(span(&found, "window_closing"), Some((d(2026, 8, 16), d(2026, 9, 15))));
    let used = step(&step(&window, "open", d(2026, 3, 16)), "use", d(2026, 4, 1));
    assert_eq!(span(&periods(&default_rules(), &[(id(3), used)], &[]), "window_closing"), None);
}

#[test]
fn programmes_supervision_and_lapses() {
    let programme = Milestone::program(crate::domain::milestones::Program::Smarpp, d(2026, 1, 1), None);
    let completed =
        step(&step(&step(&programme, "enroll", d(2026, 1, 2)), "start", d(2026, 1, 3)), "complete", d(2026, 6, 1));
    let mut parole = Milestone::release(d(2026, 2, 1), Some(ReleaseType::Parole));
    parole.dates.supervision_ends_on = Some(d(2026, 8, 1));
    let found = periods(&default_rules(), &[(id(4), completed), (id(5), parole)], &[(id(6), d(2026, 5, 5))]);
    assert_eq!(span(&found, "after_programme"), Some((d(2026, 6, 1), d(2026, 6, 29))));
    assert_eq!(span(&found, "supervision_ends"), Some((d(2026, 8, 1), d(2026, 8, 29))));
    let lapse = found.iter().find(|p| p.rule_id == "after_lapse").unwrap();
    assert_eq!((lapse.starts_on, lapse.ends_on, lapse.kind), (d(2026, 5, 5), d(2026, 5, 19), ScopeKind::Lapse));
}

fn recipient(n: u128, relationship: Relationship) -> Recipient {
    Recipient {
        party_id: id(n),
        link_id: Some(id(n + 1000)),
        team: false,
        relationship,
        scope: relationship.default_scope(),
        zone: Zone::default(),
    }
}

#[test]
fn alerts_go_to_the_addressed_and_consenting_at_nine_local_time() {
    let found = periods(&default_rules(), &[(id(1), released_bail())], &[(id(6), d(2026, 2, 20))]);
    let recipients = [
        recipient(10, Relationship::Family),
        recipient(20, Relationship::Lawyer),
        recipient(30, Relationship::FacilityStaff),
    ];
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let planned = plan(&default_rules(), &found, &recipients, now);
    let for_party =
        |n: u128| planned.iter().filter(|a| a.party_id == id(n)).map(|a| a.period.rule_id.as_str()).collect::<Vec<_>>();
    // Family: craving and judgment, twice each (7 and 1 days ahead); no lapse without consent.
    assert_eq!(for_party(10), ["bail_craving", "bail_craving", "before_judgment", "before_judgment"]);
    assert_eq!(for_party(20), ["bail_craving", "bail_craving", "before_judgment", "before_judgment"]);
    assert!(for_party(30).contains(&"after_lapse"), "the facility sees lapses");
    let first = planned.iter().find(|a| a.party_id == id(10) && a.lead_days == 7).unwrap();
    assert_eq!(
        first.due_at,
        Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap(),
        "09:00 in Tokyo, 7 days before 12 January"
    );
    assert!(
        plan(&default_rules(), &found, &recipients, now).iter().zip(&planned).all(|(a, b)| a.key == b.key),
        "stable keys"
    );
}

#[test]
fn a_moved_date_keeps_the_series_and_changes_the_key() {
    let before = periods(&default_rules(), &[(id(1), released_bail())], &[]);
    let moved = moved_judgment(d(2026, 3, 10));
    let after = periods(&default_rules(), &[(id(1), moved)], &[]);
    let recipients = [recipient(10, Relationship::Family)];
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let judgment =
        |planned: Vec<PlannedAlert>| planned.into_iter().find(|a| a.period.rule_id == "before_judgment").unwrap();
    let (old, new) = (
        judgment(plan(&default_rules(), &before, &recipients, now)),
        judgment(plan(&default_rules(), &after, &recipients, now)),
    );
    assert_eq!(old.series, new.series);
    assert_ne!(old.key, new.key);
}

#[test]
fn periods_that_are_over_are_not_planned() {
    let found = periods(&default_rules(), &[(id(1), released_bail())], &[]);
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    assert!(plan(&default_rules(), &found, &[recipient(10, Relationship::Family)], now).is_empty());
}

#[test]
fn quiet_hours_hold_all_but_critical_alerts() {
    let zone = Zone::default();
    let quiet = Some(QuietHours::parse("22:00", "07:00").unwrap());
    let late = Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0).unwrap(); // 23:00 in Tokyo
    let held = delivery(Severity::High, d(2026, 2, 1), zone, quiet, late, true, false);
    assert_eq!(
        held,
        Delivery::HoldUntil(Utc.with_ymd_and_hms(2026, 1, 5, 22, 0, 0).unwrap()),
        "07:00 next morning in Tokyo"
    );
    assert_eq!(delivery(Severity::Critical, d(2026, 2, 1), zone, quiet, late, true, false), Delivery::Now);
    let morning = Utc.with_ymd_and_hms(2026, 1, 6, 0, 0, 0).unwrap(); // 09:00
    assert_eq!(delivery(Severity::High, d(2026, 2, 1), zone, quiet, morning, true, false), Delivery::Now);
}

#[test]
fn alerts_without_consent_past_their_period_or_superseded_are_cancelled() {
    let zone = Zone::default();
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    assert_eq!(
        delivery(Severity::High, d(2026, 2, 1), zone, None, now, false, false),
        Delivery::Cancel(CancelReason::NoConsent)
    );
    assert_eq!(
        delivery(Severity::High, d(2026, 1, 4), zone, None, now, true, false),
        Delivery::Cancel(CancelReason::PeriodOver)
    );
    assert_eq!(
        delivery(Severity::High, d(2026, 2, 1), zone, None, now, true, true),
        Delivery::Cancel(CancelReason::Superseded)
    );
}

#[test]
fn only_unread_critical_alerts_escalate_and_only_after_the_wait() {
    let delivered = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let wait = Duration::hours(24);
    assert!(!escalation_due(Severity::Critical, delivered, false, delivered + Duration::hours(23), wait));
    assert!(escalation_due(Severity::Critical, delivered, false, delivered + wait, wait));
    assert!(!escalation_due(Severity::Critical, delivered, true, delivered + wait, wait));
    assert!(!escalation_due(Severity::High, delivered, false, delivered + wait, wait));
}

#[test]
fn every_rule_speaks_both_languages() {
    for rule in default_rules() {
        assert!(!rule.why_ja.is_empty() && !rule.why_en.is_empty() && !rule.title_ja.is_empty(), "{}", rule.id);
        assert_eq!(wording(&rule, Reader::Staff, Language::En).why, rule.why_en);
        assert_ne!(wording(&rule, Reader::Family, Language::En).why, rule.why_en, "{}", rule.id);
        assert!(!rule.lead_days.is_empty());
    }
}

#[test]
fn overrides_change_rules_or_say_what_is_wrong() {
    let mut rules = default_rules();
    let change = RuleOverride { to_day: Some(60), lead_days: Some(vec![1, 14, 14]), ..RuleOverride::default() };
    apply_override(&mut rules, "bail_craving", change).unwrap();
    let craving = rules.iter().find(|rule| rule.id == "bail_craving").unwrap();
    assert_eq!((craving.to_day, craving.lead_days.clone()), (60, vec![14, 1]));
    let unknown = apply_override(&mut rules, "full_moon", RuleOverride::default()).unwrap_err();
    assert!(unknown.to_string().contains("unknown rule \"full_moon\""), "{unknown}");
    let backwards = RuleOverride { from_day: Some(10), to_day: Some(5), ..RuleOverride::default() };
    assert!(apply_override(&mut rules, "after_lapse", backwards).is_err());
    let no_leads = RuleOverride { lead_days: Some(vec![]), ..RuleOverride::default() };
    assert!(apply_override(&mut rules, "after_lapse", no_leads).is_err());
}

fn arranged(of: Option<Uuid>, meeting_on: NaiveDate) -> Milestone {
    let handoff = Milestone::handoff(
        d(2026, 5, 1),
        crate::domain::milestones::HandoffOf { referral_id: None, before_milestone_id: of },
    );
    let meeting = crate::domain::milestones::Meeting { on: Some(meeting_on), ..Default::default() };
    let input = EventInput {
        meeting: Some(meeting),
        ..EventInput::new(crate::domain::milestones::Event::Arrange, d(2026, 5, 2))
    };
    handoff.apply(&input, NaiveDate::MAX, &WindowPolicy::default()).unwrap().milestone
}

#[test]
fn a_release_with_no_meeting_arranged_is_not_yet_connected_until_one_is() {
    let release = Milestone::release(d(2026, 6, 10), Some(ReleaseType::FullTerm));
    let alone = periods(&default_rules(), &[(id(1), release.clone())], &[]);
    assert_eq!(span(&alone, "not_yet_connected"), Some((d(2026, 5, 27), d(2026, 6, 10))));
    assert_eq!(alone.iter().find(|p| p.rule_id == "not_yet_connected").unwrap().kind, ScopeKind::Handoff);

    let named = [(id(1), release.clone()), (id(2), arranged(Some(id(1)), d(2026, 6, 12)))];
    assert_eq!(span(&periods(&default_rules(), &named, &[]), "not_yet_connected"), None);
    let around = [(id(1), release.clone()), (id(2), arranged(None, d(2026, 6, 1)))];
    assert_eq!(span(&periods(&default_rules(), &around, &[]), "not_yet_connected"), None);
    // A meeting for another release, or long before, does not count.
    let other = [(id(1), release.clone()), (id(2), arranged(Some(id(9)), d(2026, 6, 12)))];
    assert!(span(&periods(&default_rules(), &other, &[]), "not_yet_connected").is_some());
    let long_before = [(id(1), release.clone()), (id(2), arranged(None, d(2026, 5, 2)))];
    assert!(span(&periods(&default_rules(), &long_before, &[]), "not_yet_connected").is_some());

    // Missed: the week after is high for the receiving side, and the release is unconnected again.
    let missed = step(&arranged(Some(id(1)), d(2026, 6, 3)), "miss", d(2026, 6, 3));
    let found = periods(&default_rules(), &[(id(1), release), (id(2), missed.clone())], &[]);
    assert_eq!(span(&found, "after_missed_meeting"), Some((d(2026, 6, 3), d(2026, 6, 9))));
    assert!(span(&found, "not_yet_connected").is_some());
    // Arranged again: the warning ends; the missed week stays as it was.
    let again = step_with_meeting(&missed, d(2026, 6, 4), d(2026, 6, 8));
    assert_eq!(again.state, State::Arranged);
    let found = periods(&default_rules(), &[(id(1), Milestone::release(d(2026, 6, 10), None)), (id(2), again)], &[]);
    assert_eq!(span(&found, "not_yet_connected"), None);
    assert_eq!(span(&found, "after_missed_meeting"), None);
}

fn step_with_meeting(milestone: &Milestone, on: NaiveDate, meeting_on: NaiveDate) -> Milestone {
    let meeting = crate::domain::milestones::Meeting { on: Some(meeting_on), ..Default::default() };
    let input = EventInput { meeting: Some(meeting), ..EventInput::new(crate::domain::milestones::Event::Arrange, on) };
    milestone.apply(&input, NaiveDate::MAX, &WindowPolicy::default()).unwrap().milestone
}

#[test]
fn a_granted_bail_with_no_meeting_is_not_yet_connected() {
    let granted = step(&Milestone::bail(d(2026, 1, 5)), "grant", d(2026, 1, 10));
    let found = periods(&default_rules(), &[(id(1), granted.clone())], &[]);
    assert_eq!(span(&found, "not_yet_connected"), Some((d(2025, 12, 27), d(2026, 1, 10))));
    let out = step(&granted, "release", d(2026, 1, 11));
    assert_eq!(span(&periods(&default_rules(), &[(id(1), out)], &[]), "not_yet_connected"), None);
}
