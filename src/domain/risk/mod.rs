//! High-risk periods and the alerts they call for. Pure: the planner and the deliverer ask
//! here what should happen, and store only the answer.

mod rules;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

pub use rules::{default_rules, Anchor, RiskRule, Severity};

use super::{
    calendar,
    milestones::{Milestone, MilestoneKind, ReleaseType, State},
    wording::{period_or_generic, Reader, Wording},
    Invalid, Language, QuietHours, Relationship, Scope, ScopeKind, Zone,
};

/// A high-risk period of one person, derived from a milestone or a lapse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskPeriod {
    pub rule_id: String,
    pub severity: Severity,
    pub kind: ScopeKind,
    /// The milestone or lapse it derives from.
    pub source_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Derived from a projected window (a full-term release not yet happened): shown, never
    /// alerted.
    pub projected: bool,
}

impl RiskPeriod {
    pub fn is_over(&self, today: NaiveDate) -> bool {
        self.ends_on < today
    }

    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.starts_on <= today && today <= self.ends_on
    }
}

fn anchor_date(anchor: Anchor, milestone: &Milestone) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let dates = &milestone.dates;
    let bail_pending = matches!(milestone.state, State::Requested | State::Granted | State::Released);
    match (anchor, milestone.kind) {
        // Custody cuts the craving period short: the person is no longer out on bail.
        (Anchor::BailRelease, MilestoneKind::Bail) => dates.released_on.map(|released| {
            let cut = matches!(milestone.state, State::Revoked | State::Lapsed).then_some(dates.ended_on).flatten();
            (released, cut)
        }),
        (Anchor::Judgment, MilestoneKind::Bail) if bail_pending => dates.judgment_on.map(|on| (on, None)),
        (Anchor::Hearing, MilestoneKind::Bail) if bail_pending => dates.hearing_on.map(|on| (on, None)),
        (Anchor::Release, MilestoneKind::Release) => dates.released_on.or(dates.scheduled_on).map(|on| (on, None)),
        (Anchor::SupervisionEnd, MilestoneKind::Release) if milestone.release_type == Some(ReleaseType::Parole) => {
            dates.supervision_ends_on.map(|on| (on, None))
        }
        (Anchor::WindowClose, MilestoneKind::EmploymentSupportWindow)
            if matches!(milestone.state, State::Pending | State::Open | State::Extended) =>
        {
            dates.closes_on.map(|on| (on, None))
        }
        (Anchor::ProgrammeEnd, MilestoneKind::ProgramEnrollment)
            if matches!(milestone.state, State::Completed | State::DroppedOut) =>
        {
            dates.ended_on.map(|on| (on, None))
        }
        (Anchor::ExpectedRelease, MilestoneKind::Release) if milestone.state == State::Scheduled => {
            dates.scheduled_on.map(|on| (on, None))
        }
        (Anchor::ExpectedRelease, MilestoneKind::Bail) if milestone.state == State::Granted => {
            dates.granted_on.map(|on| (on, None))
        }
        (Anchor::MissedMeeting, MilestoneKind::Handoff) if milestone.state == State::Missed => {
            milestone.state_since.map(|on| (on, None))
        }
        _ => None,
    }
}

/// How far around a release an unattached hand-off meeting counts for it: from a month before
/// to two weeks after.
const MEETING_COUNTS_FROM_DAYS: i64 = -30;
const MEETING_COUNTS_UNTIL_DAYS: i64 = 14;

/// Whether a hand-off is arranged (or was held) for the release or bail `id`, expected on
/// `on`: one that names it, or one that names none and meets around that day.
fn connected_for(id: Uuid, on: NaiveDate, milestones: &[(Uuid, Milestone)]) -> bool {
    let around = |meeting_on: NaiveDate| {
        calendar::add_days(on, MEETING_COUNTS_FROM_DAYS).is_some_and(|from| meeting_on >= from)
            && calendar::add_days(on, MEETING_COUNTS_UNTIL_DAYS).is_none_or(|until| meeting_on <= until)
    };
    milestones.iter().any(|(_, handoff)| {
        handoff.meets()
            && match handoff.handoff_of.before_milestone_id {
                Some(before) => before == id,
                None => handoff.dates.meeting_on.is_some_and(around),
            }
    })
}

/// Every period the rules derive from a person's milestones and lapses, in date order.
pub fn periods(rules: &[RiskRule], milestones: &[(Uuid, Milestone)], lapses: &[(Uuid, NaiveDate)]) -> Vec<RiskPeriod> {
    let mut found = Vec::new();
    for rule in rules {
        let mut add = |source_id: Uuid, anchor: NaiveDate, cut: Option<NaiveDate>| {
            // A date at the end of the calendar gives no period rather than an overflow.
            let (Some(starts_on), Some(mut ends_on)) =
                (calendar::add_days(anchor, rule.from_day.into()), calendar::add_days(anchor, rule.to_day.into()))
            else {
                return;
            };
            if let Some(cut) = cut {
                ends_on = ends_on.min(cut);
            }
            if ends_on >= starts_on {
                found.push(RiskPeriod {
                    rule_id: rule.id.clone(),
                    severity: rule.severity,
                    kind: rule.anchor.scope_kind(),
                    source_id,
                    starts_on,
                    ends_on,
                    projected: false,
                });
            }
        };
        if rule.anchor == Anchor::Lapse {
            for (id, on) in lapses {
                add(*id, *on, None);
            }
        } else {
            for (id, milestone) in milestones {
                if let Some((anchor, cut)) = anchor_date(rule.anchor, milestone) {
                    // Someone of the receiving side will meet the person: no warning.
                    if rule.anchor == Anchor::ExpectedRelease && connected_for(*id, anchor, milestones) {
                        continue;
                    }
                    add(*id, anchor, cut);
                }
            }
        }
    }
    found.sort_by(|a, b| (a.starts_on, &a.rule_id, a.source_id).cmp(&(b.starts_on, &b.rule_id, b.source_id)));
    found
}

/// A party who may hear of a person's periods: one with an active link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The party; for a team, the organisation.
    pub party_id: Uuid,
    /// The link whose consent the alert relies on; none for the team of the person's facility,
    /// which sees everything of its residents.
    pub link_id: Option<Uuid>,
    /// The team of the organisation where the person is placed, rather than one party.
    pub team: bool,
    pub relationship: Relationship,
    pub scope: Scope,
    pub zone: Zone,
}

/// An alert that should exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAlert {
    /// The same for every planning of the same alert: what makes planning idempotent.
    pub key: String,
    /// The same across date moves: how a moved date finds its earlier alerts.
    pub series: String,
    pub party_id: Uuid,
    pub link_id: Option<Uuid>,
    pub team: bool,
    pub period: RiskPeriod,
    pub lead_days: u32,
    pub due_at: DateTime<Utc>,
}

/// Alerts go out at 09:00 local time of the recipient.
pub const DELIVERY_TIME: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(time) => time,
    None => panic!("09:00 is a time"),
};

/// Which alerts should exist: for each period a recipient may hear of (by relationship and
/// consent) and that has not ended, one per lead time.
pub fn plan(
    rules: &[RiskRule],
    periods: &[RiskPeriod],
    recipients: &[Recipient],
    now: DateTime<Utc>,
) -> Vec<PlannedAlert> {
    let mut planned = Vec::new();
    for period in periods {
        let Some(rule) = rules.iter().find(|rule| rule.id == period.rule_id) else { continue };
        for recipient in recipients {
            let addressed = rule.audience.contains(&recipient.relationship);
            if !addressed || !recipient.scope.contains(period.kind) || period.is_over(recipient.zone.date_at(now)) {
                continue;
            }
            for &lead in &rule.lead_days {
                let Some(day) = calendar::add_days(period.starts_on, -i64::from(lead)) else { continue };
                let due_at = recipient.zone.start_of(day) + (DELIVERY_TIME - NaiveTime::MIN);
                let to = if recipient.team {
                    format!("team:{}", recipient.party_id)
                } else {
                    recipient.party_id.to_string()
                };
                let series = format!("{}|{}|{}|{to}", period.rule_id, period.source_id, lead);
                planned.push(PlannedAlert {
                    key: format!("{series}|{}", period.starts_on),
                    series,
                    party_id: recipient.party_id,
                    link_id: recipient.link_id,
                    team: recipient.team,
                    period: period.clone(),
                    lead_days: lead,
                    due_at,
                });
            }
        }
    }
    planned
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Now,
    /// Quiet hours: not before this instant.
    HoldUntil(DateTime<Utc>),
    Cancel(CancelReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// The link was revoked, expired, or its consent no longer covers the kind.
    NoConsent,
    /// The period is over before the alert could go out.
    PeriodOver,
    /// A closer lead time is due too: only the most recent alert goes out.
    Superseded,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            CancelReason::NoConsent => "no_consent",
            CancelReason::PeriodOver => "period_over",
            CancelReason::Superseded => "superseded",
        }
    }
}

/// What to do with a due alert now.
pub fn delivery(
    severity: Severity,
    ends_on: NaiveDate,
    zone: Zone,
    quiet: Option<QuietHours>,
    now: DateTime<Utc>,
    consented: bool,
    superseded: bool,
) -> Delivery {
    if !consented {
        return Delivery::Cancel(CancelReason::NoConsent);
    }
    if zone.date_at(now) > ends_on {
        return Delivery::Cancel(CancelReason::PeriodOver);
    }
    if superseded {
        return Delivery::Cancel(CancelReason::Superseded);
    }
    match quiet {
        Some(quiet) if severity != Severity::Critical => {
            let local = now.with_timezone(&zone.tz());
            if quiet.contains(local.time()) {
                Delivery::HoldUntil(quiet_hours_end(quiet, zone, now))
            } else {
                Delivery::Now
            }
        }
        _ => Delivery::Now,
    }
}

/// The first end of the quiet hours after `now`.
fn quiet_hours_end(quiet: QuietHours, zone: Zone, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = zone.date_at(now);
    [Some(today), today.succ_opt()]
        .into_iter()
        .flatten()
        .map(|day| zone.start_of(day) + (quiet.end() - NaiveTime::MIN))
        .find(|end| *end > now)
        .unwrap_or(now + Duration::hours(1))
}

/// A delivered critical alert nobody acknowledged within `after` goes to the facility.
pub fn escalation_due(
    severity: Severity,
    delivered_at: DateTime<Utc>,
    acknowledged: bool,
    now: DateTime<Utc>,
    after: Duration,
) -> bool {
    severity == Severity::Critical && !acknowledged && now - delivered_at >= after
}

/// A period's words for `reader`: staff read the rule's own (configuration may change its
/// explanation), everyone else the plain words of `locales/`.
pub fn wording(rule: &RiskRule, reader: Reader, language: Language) -> Wording {
    let (title, why) = match language {
        Language::Ja => (&rule.title_ja, &rule.why_ja),
        Language::En => (&rule.title_en, &rule.why_en),
    };
    match reader {
        Reader::Staff => Wording { title: title.clone(), why: why.clone() },
        Reader::Family | Reader::Person => period_or_generic(&rule.id, reader, language),
    }
}

/// The words for the rule named `rule_id` (an alert's, say), or for a rule no longer configured,
/// a heading that says only that it is a time to take care.
pub fn wording_of(rules: &[RiskRule], rule_id: &str, reader: Reader, language: Language) -> Wording {
    match rules.iter().find(|rule| rule.id == rule_id) {
        Some(rule) => wording(rule, reader, language),
        None => period_or_generic(rule_id, reader, language),
    }
}

/// A change to a default rule, from configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOverride {
    pub from_day: Option<i32>,
    pub to_day: Option<i32>,
    pub severity: Option<Severity>,
    pub audience: Option<Vec<Relationship>>,
    pub lead_days: Option<Vec<u32>>,
    pub why_ja: Option<String>,
    pub why_en: Option<String>,
}

/// Applies an override to the rule named `id`, or says exactly what is wrong with it.
pub fn apply_override(rules: &mut [RiskRule], id: &str, change: RuleOverride) -> Result<(), Invalid> {
    let known: Vec<String> = rules.iter().map(|rule| rule.id.clone()).collect();
    let rule = rules
        .iter_mut()
        .find(|rule| rule.id == id)
        .ok_or_else(|| Invalid::new(format!("unknown rule {id:?} (known: {})", known.join(", "))))?;
    let from_day = change.from_day.unwrap_or(rule.from_day);
    let to_day = change.to_day.unwrap_or(rule.to_day);
    if to_day < from_day || from_day.abs() > 366 || to_day.abs() > 366 {
        return Err(Invalid::new(format!(
            "rule {id}: days run from {from_day} to {to_day}; keep from_day <= to_day within ±366"
        )));
    }
    if let Some(leads) = &change.lead_days {
        if leads.is_empty() || leads.iter().any(|lead| *lead > 90) {
            return Err(Invalid::new(format!("rule {id}: lead_days must name 1 or more days from 0 to 90")));
        }
    }
    if change.audience.as_ref().is_some_and(Vec::is_empty) {
        return Err(Invalid::new(format!("rule {id}: audience must name at least one relationship")));
    }
    for why in [&change.why_ja, &change.why_en].into_iter().flatten() {
        if why.trim().is_empty() {
            return Err(Invalid::new(format!("rule {id}: a why must say something")));
        }
    }
    rule.from_day = from_day;
    rule.to_day = to_day;
    rule.severity = change.severity.unwrap_or(rule.severity);
    if let Some(audience) = change.audience {
        rule.audience = audience;
    }
    if let Some(mut leads) = change.lead_days {
        leads.sort_unstable_by(|a, b| b.cmp(a));
        leads.dedup();
        rule.lead_days = leads;
    }
    rule.why_ja = change.why_ja.unwrap_or(std::mem::take(&mut rule.why_ja));
    rule.why_en = change.why_en.unwrap_or(std::mem::take(&mut rule.why_en));
    Ok(())
}

#[cfg(test)]
mod tests;
