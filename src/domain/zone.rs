use std::{fmt, str::FromStr};

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
}

impl Default for Zone {
    fn default() -> Self {
        Self(Tz::Asia__Tokyo)
    }
}

impl FromStr for Zone {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Tz>()
            .map(Self)
            .map_err(|_| Invalid::new(format!("unknown time zone {s:?} (expected an IANA name such as Asia/Tokyo)")))
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
    fn parses_iana_names_only() {
        assert_eq!("Europe/London".parse::<Zone>().unwrap().name(), "Europe/London");
        assert!("Mars/Olympus_Mons".parse::<Zone>().is_err());
        assert!("".parse::<Zone>().is_err());
    }
}
