use std::{fmt, str::FromStr};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::Invalid;

/// An IANA time zone. Dates in Tsunagu are local dates of a person's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

impl Zone {
    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The local date at an instant.
    pub fn date_at(self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.0).date_naive()
    }

    /// The instant a local date begins. Where a zone skips midnight, the first instant of the day.
    pub fn start_of(self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_time(NaiveTime::MIN);
        (0..24)
            .find_map(|hour| self.0.from_local_datetime(&(midnight + Duration::hours(hour))).earliest())
            .map(|local| local.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
    }

    /// The instant of a local date and time. Where the zone skips that time (a clock put
    /// forward), the first instant after the skip; where it repeats it, the earlier.
    pub fn at_local(self, wanted: NaiveDateTime) -> DateTime<Utc> {
        (0..=8)
            .find_map(|quarter| self.0.from_local_datetime(&(wanted + Duration::minutes(15 * quarter))).earliest())
            .map_or_else(|| Utc.from_utc_datetime(&wanted), |local| local.with_timezone(&Utc))
    }

    /// A local date and time as a browser's `datetime-local` field sends it
    /// (`2026-03-02T09:00`, seconds allowed), as the instant it names in this zone.
    pub fn parse_local(self, typed: &str) -> Result<DateTime<Utc>, Invalid> {
        if typed.is_empty() {
            return Err(super::Why::Required.into());
        }
        let local = NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| Invalid::from(super::Why::NotADateTime))?;
        super::calendar::in_range(local.date())?;
        Ok(self.at_local(local))
    }

    /// The instant a local date ends: the start of the next day (the last date there is ends
    /// at its own start rather than overflowing).
    pub fn end_of(self, date: NaiveDate) -> DateTime<Utc> {
        self.start_of(date.succ_opt().unwrap_or(date))
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self(Tz::Asia__Tokyo)
    }
}

impl FromStr for Zone {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Tz>().map(Self).map_err(|_| super::Why::UnknownZone.into())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_tokyo() {
        assert_eq!(Zone::default().name(), "Asia/Tokyo");
    }

    #[test]
    fn a_tokyo_day_runs_from_15_00_utc_the_day_before() {
        let zone = Zone::default();
        let date = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        assert_eq!(zone.start_of(date).to_rfc3339(), "2026-03-14T15:00:00+00:00");
        assert_eq!(zone.end_of(date).to_rfc3339(), "2026-03-15T15:00:00+00:00");
        assert_eq!(zone.date_at(zone.start_of(date)), date);
        assert_eq!(zone.date_at(zone.end_of(date) - Duration::seconds(1)), date);
    }

    #[test]
    fn a_day_that_skips_midnight_starts_at_its_first_instant() {
        // Santiago moves its clocks from 00:00 to 01:00 on the first Sunday of September.
        let zone: Zone = "America/Santiago".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = zone.start_of(date);
        assert_eq!(zone.date_at(start), date);
        assert_eq!(zone.date_at(start - Duration::seconds(1)), date - Duration::days(1));
    }

    #[test]
    fn parses_iana_names_only() {
        assert_eq!("Europe/London".parse::<Zone>().unwrap().name(), "Europe/London");
        assert!("Mars/Olympus_Mons".parse::<Zone>().is_err());
        assert!("".parse::<Zone>().is_err());
    }
}
