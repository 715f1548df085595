use super::text_enum;

text_enum! {
    /// The language a person or party reads Tsunagu in.
    #[derive(Default)]
    pub enum Language ("language") {
        #[default]
        Ja = "ja",
        En = "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_text_form() {
        for &language in Language::ALL {
            assert_eq!(language.as_str().parse::<Language>(), Ok(language));
        }
        let refused = "fr".parse::<Language>().unwrap_err();
        assert!(refused.to_string().contains("expected one of ja, en"), "{refused}");
        assert_eq!(Language::default(), Language::Ja);
    }
}
