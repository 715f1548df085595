//! A posted form as it was typed: its values, parsed into the domain's types field by field,
//! and what was refused, so that a refused form comes back with every value as typed and the
//! reason beside each field. Nothing here guesses: an empty or unreadable value is refused.

use std::{collections::HashMap, str::FromStr};

use chrono::NaiveDate;
use minijinja::{context, Value};

use crate::{
    domain::{
        calendar,
        channels::{Channel, ContactAddress},
        Invalid, Language, Refusals, Why,
    },
    pages::refusals,
};

pub struct Posted {
    fields: HashMap<String, Vec<String>>,
}

/// Fields a page sends without showing them.
const HIDDEN: [&str; 3] = ["version", "kind", "confirmed"];

/// The most a page's form may send: a page form is a few short fields.
const MOST_BYTES: usize = 64 * 1024;

impl Posted {
    /// `None` when the body is not a form (or is too large to be one of ours).
    pub async fn read(body: poem::Body) -> Option<Self> {
        let bytes = body.into_bytes_limit(MOST_BYTES).await.ok()?;
        Self::parse(&bytes)
    }

    /// A page's query string, read as strictly as a form.
    pub fn from_query(query: &str) -> Option<Self> {
        (query.len() <= MOST_BYTES).then(|| Self::parse(query.as_bytes())).flatten()
    }

    fn parse(bytes: &[u8]) -> Option<Self> {
        std::str::from_utf8(bytes).ok()?;
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes).ok()?;
        // Decoding replaces bytes that are not UTF-8 with U+FFFD: such a value was not typed.
        if pairs.iter().any(|(name, value)| name.contains('\u{FFFD}') || value.contains('\u{FFFD}')) {
            return None;
        }
        let mut fields: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in pairs {
            fields.entry(name).or_default().push(value);
        }
        Some(Self { fields })
    }

    /// A form with nothing in it (for a form that sends no fields).
    pub fn empty() -> Self {
        Self { fields: HashMap::new() }
    }

    /// A field as typed, trimmed; empty when it was not sent.
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).and_then(|values| values.first()).map_or("", |value| value.trim())
    }

    /// Every value of a field sent more than once (checkboxes).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields.get(name).map(|values| values.iter().map(String::as_str).collect()).unwrap_or_default()
    }

    /// A date that must be given.
    pub fn date(&self, name: &str, refusals: &mut Refusals) -> Option<NaiveDate> {
        refusals.check(name, parse_date(self.text(name)))
    }

    /// A date that may be left empty: `Some(None)` when it was.
    pub fn optional_date(&self, name: &str, refusals: &mut Refusals) -> Option<Option<NaiveDate>> {
        match self.text(name) {
            "" => Some(None),
            typed => refusals.check(name, parse_date(typed)).map(Some),
        }
    }

    /// One of the accepted choices; nothing chosen is refused too.
    pub fn choice<T: FromStr<Err = Invalid>>(&self, name: &str, refusals: &mut Refusals) -> Option<T> {
        let parsed = match self.text(name) {
            "" => Err(Why::Required.into()),
            typed => typed.parse::<T>(),
        };
        refusals.check(name, parsed)
    }

    /// Text that must be given, parsed by `parse`.
    pub fn parsed<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, Invalid>,
        refusals: &mut Refusals,
    ) -> Option<T> {
        refusals.check(name, parse(self.text(name)))
    }

    /// An address of the kind chosen in `channel`, typed in `address`.
    pub fn address(&self, refusals: &mut Refusals) -> Option<ContactAddress> {
        let channel = self.choice::<Channel>("channel", refusals)?;
        self.parsed("address", |typed| ContactAddress::parse(channel, typed), refusals)
    }

    /// The version of the record as the page showed it. Required: a form sent twice, or from
    /// an old page, then meets a newer version and acts once.
    pub fn version(&self, refusals: &mut Refusals) -> Option<i64> {
        refusals.check("version", self.text("version").parse::<i64>().map_err(|_| Why::PageOutdated.into()))
    }

    /// Why a field the page keeps hidden (the version, the kind of form) was refused, in words:
    /// there is no field to show it beside.
    pub fn hidden_refusal(&self, refused: &Refusals, language: Language) -> Option<String> {
        refused.0.iter().find(|refusal| HIDDEN.contains(&refusal.field.as_str())).map(|refusal| {
            let separator = if language == Language::Ja { "：" } else { ": " };
            let label = refusals::field(&refusal.field, language);
            format!("{label}{separator}{}", refusals::why(&refusal.why.0, language))
        })
    }

    /// What the page shows again for a refused form `form`: every value as typed, and beside
    /// each refused field its name and why, in the reader's language.
    pub fn refused(&self, form: &str, refused: &Refusals, language: Language) -> Value {
        let values: HashMap<&str, Value> = self
            .fields
            .iter()
            .map(|(name, values)| {
                let value = match values.as_slice() {
                    [one] => Value::from(one.as_str()),
                    many => Value::from(many.to_vec()),
                };
                (name.as_str(), value)
            })
            .collect();
        let errors: HashMap<String, String> = refused
            .0
            .iter()
            .map(|refusal| {
                let name = refusal.field.trim_start_matches("party.").to_owned();
                let label = refusals::field(&refusal.field, language);
                let separator = if language == Language::Ja { "：" } else { ": " };
                (name, format!("{label}{separator}{}", refusals::why(&refusal.why.0, language)))
            })
            .collect();
        context! { form => form, typed => values, errors => errors }
    }
}

/// `YYYY-MM-DD` within the service's calendar; a day the calendar lacks (2026-02-30) is
/// refused as such, not read as another.
fn parse_date(typed: &str) -> Result<NaiveDate, Invalid> {
    if typed.is_empty() {
        return Err(Why::Required.into());
    }
    match typed.parse::<NaiveDate>() {
        Ok(on) => calendar::in_range(on),
        Err(_) => {
            let shaped = typed.len() == 10
                && typed
                    .bytes()
                    .enumerate()
                    .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
            Err(if shaped { Why::NoSuchDay } else { Why::NotADate }.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_read_as_typed_or_refused_with_why() {
        assert_eq!(parse_date("2026-02-28"), Ok(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()));
        assert_eq!(parse_date("2026-02-30"), Err(Why::NoSuchDay.into()));
        assert_eq!(parse_date(""), Err(Why::Required.into()));
        assert_eq!(parse_date("tomorrow"), Err(Why::NotADate.into()));
        assert!(matches!(parse_date("1850-01-01"), Err(Invalid(Why::OutsideCalendar { .. }))));
    }
}
