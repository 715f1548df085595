use super::Invalid;

/// A free-text note written by staff into a history: a milestone step, a lapse, a custody
/// reason. Trimmed; empty means no note; at most `MAX_CHARS` characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 2000;

    /// `None` for a note that is only blank space.
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        Self::parse_at_most(raw, Self::MAX_CHARS)
    }

    /// For shorter free text, such as a custody reason.
    pub fn parse_at_most(raw: &str, max_chars: usize) -> Result<Option<Self>, Invalid> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let length = trimmed.chars().count();
        if length > max_chars {
            return Err(super::Why::TooLong { max: max_chars }.into());
        }
        if trimmed.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
            return Err(super::Why::UnusableCharacters.into());
        }
        Ok(Some(Self(trimmed.to_owned())))
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
    fn blank_notes_are_no_note() {
        assert_eq!(Note::parse("  \n "), Ok(None));
    }

    #[test]
    fn line_breaks_are_kept_but_other_controls_refused() {
        assert_eq!(Note::parse("met\nat noon").unwrap().unwrap().as_str(), "met\nat noon");
        assert!(Note::parse("bell\u{7}").is_err());
    }

    #[test]
    fn length_counts_characters() {
        assert!(Note::parse(&"再".repeat(2000)).unwrap().is_some());
        assert!(Note::parse(&"再".repeat(2001)).is_err());
        assert!(Note::parse_at_most(&"a".repeat(501), 500).is_err());
    }

    proptest! {
        #[test]
        fn accepted_notes_are_trimmed_and_short(raw in "\\PC{0,50}") {
            if let Ok(Some(note)) = Note::parse(&raw) {
                prop_assert_eq!(note.as_str(), note.as_str().trim());
                prop_assert!(!note.as_str().is_empty());
            }
        }
    }
}
