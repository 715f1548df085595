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
            return Err(super::Why::Required.into());
        }
        let length = trimmed.chars().count();
        if length > Self::MAX_CHARS {
            return Err(super::Why::TooLong { max: Self::MAX_CHARS }.into());
        }
        if trimmed.chars().any(char::is_control) {
            return Err(super::Why::UnusableCharacters.into());
        }
        if trimmed.chars().any(is_bidi_control) {
            return Err(super::Why::UnusableCharacters.into());
        }
        if trimmed.chars().all(|c| c.is_whitespace() || is_invisible(c)) {
            return Err(super::Why::NothingVisible.into());
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

/// Characters that reorder the text around them (Trojan-Source style): embeddings, overrides
/// and isolates, and the Arabic letter mark.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// Characters that take no visible space: zero-width spaces and joiners, marks, the word
/// joiner and invisible operators, the byte-order mark, fillers and blanks that look empty.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
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
    fn bidirectional_overrides_and_invisible_only_names_are_refused() {
        assert!(DisplayName::parse("Taro\u{202E}gpj.exe").is_err());
        assert!(DisplayName::parse("\u{2067}Taro").is_err());
        assert!(DisplayName::parse("\u{200B}\u{200B}").is_err());
        assert!(DisplayName::parse("\u{3164}").is_err());
        assert!(DisplayName::parse("\u{FEFF} \u{2060}").is_err());
        assert_eq!(
            DisplayName::parse("山田\u{200D}太郎").unwrap().as_str(),
            "山田\u{200D}太郎",
            "a joiner inside a visible name"
        );
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
