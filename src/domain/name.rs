use super::Invalid;

/// A name shown to people: a person's display name, a party's, an organisation's.
///
/// Trimmed, 1 to 100 characters, no control characters (they break logs, calendars and UIs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Invalid::new("must not be empty"));
        }
        let length = trimmed.chars().count();
        if length > Self::MAX_CHARS {
            return Err(Invalid::new(format!("must be at most {} characters (got {length})", Self::MAX_CHARS)));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(Invalid::new("must not contain control characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_and_blank_names_are_refused() {
        assert!(DisplayName::parse("").is_err());
        assert!(DisplayName::parse("   \t ").is_err());
    }

    #[test]
    fn surrounding_space_is_trimmed() {
        assert_eq!(DisplayName::parse("  山田 太郎 ").unwrap().as_str(), "山田 太郎");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let hundred_kanji = "薬".repeat(100);
        assert!(DisplayName::parse(&hundred_kanji).is_ok());
        assert!(DisplayName::parse(&"薬".repeat(101)).is_err());
        assert!(DisplayName::parse(&"a".repeat(500)).is_err());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(DisplayName::parse("Taro\nYamada").is_err());
        assert!(DisplayName::parse("Taro\u{7}").is_err());
    }

    proptest! {
        #[test]
        fn accepted_names_are_trimmed_nonempty_and_short(raw in "\\PC{0,120}") {
            if let Ok(name) = DisplayName::parse(&raw) {
                prop_assert!(!name.as_str().is_empty());
                prop_assert_eq!(name.as_str(), name.as_str().trim());
                prop_assert!(name.as_str().chars().count() <= DisplayName::MAX_CHARS);
            }
        }
    }
}
