use chrono::NaiveTime;

use super::Invalid;

/// Local hours during which a party is not disturbed by non-critical alerts.
///
/// `start` may be later than `end`: 22:00–07:00 spans midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl QuietHours {
    pub fn parse(start: &str, end: &str) -> Result<Self, Invalid> {
        let start = parse_clock_time(start)?;
        let end = parse_clock_time(end)?;
        if start == end {
            return Err(Invalid::new("quiet hours must not start and end at the same time"));
        }
        Ok(Self { start, end })
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

/// Formats a time of day as `HH:MM`, the form quiet hours are given and stored in.
pub fn format_clock_time(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

pub(crate) fn parse_clock_time(raw: &str) -> Result<NaiveTime, Invalid> {
    NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| super::Why::NotATime.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn hours_within_a_day() {
        let quiet = QuietHours::parse("12:00", "13:30").unwrap();
        assert!(quiet.contains(t(12, 0)));
        assert!(quiet.contains(t(13, 29)));
        assert!(!quiet.contains(t(13, 30)));
        assert!(!quiet.contains(t(11, 59)));
    }

    #[test]
    fn hours_across_midnight() {
        let quiet = QuietHours::parse("22:00", "07:00").unwrap();
        assert!(quiet.contains(t(23, 0)));
        assert!(quiet.contains(t(0, 0)));
        assert!(quiet.contains(t(6, 59)));
        assert!(!quiet.contains(t(7, 0)));
        assert!(!quiet.contains(t(9, 0)));
    }

    #[test]
    fn malformed_or_empty_ranges_are_refused() {
        assert!(QuietHours::parse("25:00", "07:00").is_err());
        assert!(QuietHours::parse("22h", "07:00").is_err());
        assert!(QuietHours::parse("08:00", "08:00").is_err());
    }

    #[test]
    fn formats_as_it_parses() {
        let quiet = QuietHours::parse("22:00", "07:05").unwrap();
        assert_eq!(format_clock_time(quiet.start()), "22:00");
        assert_eq!(format_clock_time(quiet.end()), "07:05");
    }
}
