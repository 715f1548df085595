//! Who is on duty when at a facility: weekly shifts in the organisation's zone, one-off
//! overrides (a holiday, a sick day) that beat them, and from these the one person on duty at
//! an instant, until when, the gaps where no one is, and the shift changes between two instants.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

use super::{
    access::{alerts::on_team, Caller},
    quiet_hours::parse_clock_time,
    text_enum, Invalid, PartyRole, Refusals, Why, Zone,
};

text_enum! {
    /// Whom a step of a team alert's ladder reached for.
    pub enum Rung ("rung") {
        /// The staff member on duty when the alert was delivered.
        OnDuty = "on_duty",
        /// The next on the organisation's escalation list.
        Escalation = "escalation",
        /// The organisation's managers, the last rung.
        Manager = "manager",
    }
}

text_enum! {
    /// Why a step reached no one.
    pub enum Skipped ("skipped step") {
        /// The staff member's account is disabled.
        Disabled = "disabled",
        /// They are no longer staff of the organisation.
        NotOnTeam = "not_on_team",
        /// They have no confirmed address that takes this alert now.
        NoAddress = "no_address",
        /// The rota has no one on duty at the time.
        NoOneOnDuty = "no_one_on_duty",
    }
}

text_enum! {
    /// How an alert was acknowledged.
    pub enum AcknowledgedVia ("acknowledgement channel") {
        /// The API's acknowledge operation (the team inbox).
        Inbox = "inbox",
        /// A page of the service: the alert's page or the signed link of a message.
        Page = "page",
        /// A 「了解」 or "OK" reply by SMS from the number on file.
        Sms = "sms",
        Email = "email",
        Line = "line",
    }
}

/// The most shifts a rota holds: a week of hourly shifts is far more than any facility needs.
pub const MAX_SHIFTS: usize = 100;
/// How far ahead the rota is looked at for the next change; a rota whose answer does not
/// change within this has no "until".
const HORIZON_DAYS: i64 = 8;
/// The default minutes a critical team alert waits for someone to say they have it.
pub const DEFAULT_ESCALATE_AFTER_MINUTES: i64 = 30;
/// Bounds of that wait.
pub const ESCALATE_AFTER: (i64, i64) = (1, 24 * 60);

/// Whether a party may be told of a team alert of `organization_id` on their own channels: a
/// staff member on that team (an admin sees every team's alerts but keeps no shifts) whose
/// account is open; otherwise why the step is skipped.
pub fn may_be_told(caller: &Caller, disabled: bool, organization_id: Uuid) -> Result<(), Skipped> {
    if caller.role != PartyRole::Staff || !on_team(caller, organization_id) {
        return Err(Skipped::NotOnTeam);
    }
    if disabled {
        return Err(Skipped::Disabled);
    }
    Ok(())
}

/// A weekly shift: on each of `weekdays` (ISO, Monday = 1) from `starts_at` to `ends_at`, local
/// times of the organisation's zone; an end at or before the start is on the next day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub party_id: Uuid,
    pub weekdays: BTreeSet<u8>,
    pub starts_at: NaiveTime,
    pub ends_at: NaiveTime,
}

impl Shift {
    /// A shift as given; what is wrong is refused under `field` (`shifts[2]`) with the part.
    pub fn parse(
        field: &str,
        party_id: Uuid,
        weekdays: &[i64],
        starts_at: &str,
        ends_at: &str,
    ) -> Result<Self, Refusals> {
        let mut refusals = Refusals::default();
        let mut days = BTreeSet::new();
        if weekdays.is_empty() {
            refusals.push(&format!("{field}.weekdays"), Why::Required.into());
        }
        for day in weekdays {
            match u8::try_from(*day).ok().filter(|day| (1..=7).contains(day)) {
                Some(day) if !days.insert(day) => {
                    refusals.push(&format!("{field}.weekdays"), Why::NamedTwice { what: "weekday" }.into());
                }
                Some(_) => {}
                None => refusals.push(&format!("{field}.weekdays"), Why::Between { min: 1, max: 7 }.into()),
            }
        }
        let starts = refusals.check(&format!("{field}.starts_at"), parse_clock_time(starts_at));
        let ends = refusals.check(&format!("{field}.ends_at"), parse_clock_time(ends_at));
        if let (Some(starts), Some(ends)) = (starts, ends) {
            if starts == ends {
                refusals.push(&format!("{field}.ends_at"), Invalid::from(Why::EndsBeforeStart));
            }
        }
        refusals.clone().into_result()?;
        match (starts, ends) {
            (Some(starts_at), Some(ends_at)) => Ok(Self { party_id, weekdays: days, starts_at, ends_at }),
            _ => Err(refusals),
        }
    }

    /// The weekdays as numbers, Monday = 1.
    pub fn weekday_numbers(&self) -> Vec<i64> {
        self.weekdays.iter().map(|day| i64::from(*day)).collect()
    }

    /// The shift's occurrence that starts on `date`, if it runs that weekday.
    fn on(&self, zone: Zone, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let weekday = u8::try_from(date.weekday().number_from_monday()).ok()?;
        if !self.weekdays.contains(&weekday) {
            return None;
        }
        let end_date = if self.ends_at > self.starts_at { date } else { date.succ_opt()? };
        Some((local(zone, date, self.starts_at), local(zone, end_date, self.ends_at)))
    }
}

/// A one-off override: `party_id` is on duty from `starts_at` to `ends_at`, whatever the
/// weekly shifts say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub party_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Override {
    pub fn parse(party_id: Uuid, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, Refusals> {
        if ends_at <= starts_at {
            return Err(Refusals::one("ends_at", Why::EndsBeforeStart.into()));
        }
        if ends_at - starts_at > Duration::days(92) {
            return Err(Refusals::one("ends_at", Why::LastsAtMostDays { days: 92 }.into()));
        }
        Ok(Self { party_id, starts_at, ends_at })
    }
}

/// Who is on duty, and until when that answer holds (`None`: it does not change within the
/// days the rota is looked at).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnDuty {
    pub party_id: Option<Uuid>,
    pub until: Option<DateTime<Utc>>,
}

/// An organisation's rota: its zone, its weekly shifts in order (the first that covers an
/// instant wins) and its overrides in the order they were made (the last that covers wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rota {
    pub zone: Zone,
    pub shifts: Vec<Shift>,
    pub overrides: Vec<Override>,
}

impl Rota {
    /// Who is on duty at `at`: an override in force, else the first shift that covers it.
    fn party_at(&self, at: DateTime<Utc>) -> Option<Uuid> {
        if let Some(cover) = self.overrides.iter().rev().find(|o| o.starts_at <= at && at < o.ends_at) {
            return Some(cover.party_id);
        }
        let today = self.zone.date_at(at);
        let dates = [today.pred_opt(), Some(today)];
        self.shifts.iter().find_map(|shift| {
            dates
                .iter()
                .flatten()
                .filter_map(|date| shift.on(self.zone, *date))
                .any(|(start, end)| start <= at && at < end)
                .then_some(shift.party_id)
        })
    }

    /// Every instant after `at` (within the horizon) where a shift or an override begins or
    /// ends, in order.
    fn boundaries_after(&self, at: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let today = self.zone.date_at(at);
        let mut instants = BTreeSet::new();
        for offset in -1..=HORIZON_DAYS {
            let Some(date) = today.checked_add_signed(Duration::days(offset)) else { continue };
            for (start, end) in self.shifts.iter().filter_map(|shift| shift.on(self.zone, date)) {
                instants.insert(start);
                instants.insert(end);
            }
        }
        for cover in &self.overrides {
            instants.insert(cover.starts_at);
            instants.insert(cover.ends_at);
        }
        let horizon = at + Duration::days(HORIZON_DAYS);
        instants.into_iter().filter(|instant| *instant > at && *instant <= horizon).collect()
    }

    /// Who is on duty at `at`, and until when.
    pub fn on_duty(&self, at: DateTime<Utc>) -> OnDuty {
        let party_id = self.party_at(at);
        let until = self.boundaries_after(at).into_iter().find(|instant| self.party_at(*instant) != party_id);
        OnDuty { party_id, until }
    }

    /// The stretches between `from` and `to` where no one is on duty.
    pub fn gaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut gaps = Vec::new();
        let mut at = from;
        while at < to {
            let duty = self.on_duty(at);
            let end = duty.until.map_or(to, |until| until.min(to));
            if duty.party_id.is_none() {
                gaps.push((at, end));
            }
            if end <= at {
                break;
            }
            at = end;
        }
        gaps
    }

    /// The shift changes after `after` up to and including `upto`: each instant someone comes
    /// on duty, and who.
    pub fn changes(&self, after: DateTime<Utc>, upto: DateTime<Utc>) -> Vec<(DateTime<Utc>, Uuid)> {
        let mut changes = Vec::new();
        let mut at = after;
        while let Some(until) = self.on_duty(at).until.filter(|until| *until <= upto && *until > at) {
            if let Some(party_id) = self.party_at(until) {
                changes.push((until, party_id));
            }
            at = until;
        }
        changes
    }
}

/// The instant a local date and time names. Where the zone skips that time (a clock moved
/// forward), the first instant after the skip.
fn local(zone: Zone, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    zone.at_local(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn tokyo(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Tokyo.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    fn shift(party: Uuid, weekdays: &[i64], starts: &str, ends: &str) -> Shift {
        Shift::parse("shift", party, weekdays, starts, ends).unwrap()
    }

    /// Weekdays 09:00–18:00 the day staff; every night 18:00–09:00 and weekend days the night staff.
    fn facility(day: Uuid, night: Uuid) -> Rota {
        Rota {
            zone: Zone::default(),
            shifts: vec![
                shift(day, &[1, 2, 3, 4, 5], "09:00", "18:00"),
                shift(night, &[1, 2, 3, 4, 5, 6, 7], "18:00", "09:00"),
                shift(night, &[6, 7], "09:00", "18:00"),
            ],
            overrides: Vec::new(),
        }
    }

    #[test]
    fn only_open_staff_of_the_team_are_told() {
        let team = Uuid::from_u128(1);
        let caller =
            |role, organization| Caller { role, party_id: None, organization_id: organization, person_id: None };
        assert_eq!(may_be_told(&caller(PartyRole::Staff, Some(team)), false, team), Ok(()));
        assert_eq!(may_be_told(&caller(PartyRole::Staff, Some(team)), true, team), Err(Skipped::Disabled));
        let elsewhere = Some(Uuid::from_u128(2));
        assert_eq!(may_be_told(&caller(PartyRole::Staff, elsewhere), false, team), Err(Skipped::NotOnTeam));
        // An admin sees every team's alerts but keeps no shifts: never on a ladder.
        assert_eq!(may_be_told(&caller(PartyRole::Admin, None), false, team), Err(Skipped::NotOnTeam));
        assert_eq!(may_be_told(&caller(PartyRole::Family, Some(team)), false, team), Err(Skipped::NotOnTeam));
    }

    #[test]
    fn a_night_shift_crosses_midnight_and_sunday_two_am_is_the_nights() {
        let (day, night) = (Uuid::now_v7(), Uuid::now_v7());
        let rota = facility(day, night);
        // 2026-03-08 is a Sunday.
        let duty = rota.on_duty(tokyo(2026, 3, 8, 2, 0));
        assert_eq!(duty.party_id, Some(night));
        // The night staff keeps Sunday (weekend day shift) and the night after: until Monday 09:00.
        assert_eq!(duty.until, Some(tokyo(2026, 3, 9, 9, 0)));
        let monday = rota.on_duty(tokyo(2026, 3, 9, 10, 0));
        assert_eq!(monday, OnDuty { party_id: Some(day), until: Some(tokyo(2026, 3, 9, 18, 0)) });
    }

    #[test]
    fn an_override_beats_the_weekly_shift_and_ends_when_it_says() {
        let (day, night, cover) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut rota = facility(day, night);
        rota.overrides.push(Override::parse(cover, tokyo(2026, 3, 9, 9, 0), tokyo(2026, 3, 9, 13, 0)).unwrap());
        assert_eq!(
            rota.on_duty(tokyo(2026, 3, 9, 10, 0)),
            OnDuty { party_id: Some(cover), until: Some(tokyo(2026, 3, 9, 13, 0)) }
        );
        assert_eq!(rota.on_duty(tokyo(2026, 3, 9, 13, 0)).party_id, Some(day));
    }

    #[test]
    fn gaps_are_found_and_an_empty_rota_is_one_gap() {
        let day = Uuid::now_v7();
        let rota = Rota {
            zone: Zone::default(),
            shifts: vec![shift(day, &[1, 2, 3, 4, 5], "09:00", "18:00")],
            overrides: Vec::new(),
        };
        let gaps = rota.gaps(tokyo(2026, 3, 9, 10, 0), tokyo(2026, 3, 10, 10, 0));
        assert_eq!(gaps, vec![(tokyo(2026, 3, 9, 18, 0), tokyo(2026, 3, 10, 9, 0))]);
        let empty = Rota { zone: Zone::default(), shifts: Vec::new(), overrides: Vec::new() };
        let (from, to) = (tokyo(2026, 3, 9, 0, 0), tokyo(2026, 3, 16, 0, 0));
        assert_eq!(empty.gaps(from, to), vec![(from, to)]);
        assert_eq!(empty.on_duty(from), OnDuty { party_id: None, until: None });
        let full = facility(day, Uuid::now_v7());
        assert!(full.gaps(from, to).is_empty());
    }

    #[test]
    fn shift_changes_name_who_comes_on() {
        let (day, night) = (Uuid::now_v7(), Uuid::now_v7());
        let rota = facility(day, night);
        let changes = rota.changes(tokyo(2026, 3, 9, 8, 0), tokyo(2026, 3, 10, 8, 0));
        assert_eq!(changes, vec![(tokyo(2026, 3, 9, 9, 0), day), (tokyo(2026, 3, 9, 18, 0), night)]);
    }

    #[test]
    fn a_shift_is_refused_field_by_field() {
        let party = Uuid::now_v7();
        let refused = |weekdays: &[i64], starts: &str, ends: &str| {
            Shift::parse("shifts[0]", party, weekdays, starts, ends)
                .unwrap_err()
                .0
                .into_iter()
                .map(|refusal| refusal.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(refused(&[], "09:00", "18:00"), ["shifts[0].weekdays"]);
        assert_eq!(refused(&[0, 8], "09:00", "18:00"), ["shifts[0].weekdays", "shifts[0].weekdays"]);
        assert_eq!(refused(&[1, 1], "09:00", "18:00"), ["shifts[0].weekdays"]);
        assert_eq!(refused(&[1], "9am", "18:00"), ["shifts[0].starts_at"]);
        assert_eq!(refused(&[1], "09:00", "09:00"), ["shifts[0].ends_at"]);
        assert!(Shift::parse("shifts[0]", party, &[1], "22:00", "09:00").is_ok());
    }

    #[test]
    fn an_override_ends_after_it_starts() {
        let party = Uuid::now_v7();
        let at = tokyo(2026, 3, 9, 9, 0);
        assert!(Override::parse(party, at, at).is_err());
        assert!(Override::parse(party, at, at + Duration::days(93)).is_err());
        assert!(Override::parse(party, at, at + Duration::hours(1)).is_ok());
    }
}
