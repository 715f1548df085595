use std::str::FromStr;

use phonenumber::{country, Mode};
use unicode_normalization::UnicodeNormalization;

use super::{Channel, Invalid};

/// A checked address on a channel: an e-mail address, or a phone number in E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactAddress {
    channel: Channel,
    address: String,
}

/// Numbers written without a country code are read as Japanese ones (`090-1234-5678`).
const DEFAULT_REGION: country::Id = country::Id::JP;

impl ContactAddress {
    /// An address as typed: full-width letters and digits (０９０, ＠) read as their plain
    /// forms, as a Japanese keyboard often types them.
    pub fn parse(channel: Channel, raw: &str) -> Result<Self, Invalid> {
        let raw: String = raw.nfkc().collect();
        let raw = raw.trim();
        let address = match channel {
            Channel::Email => parse_email(raw)?,
            Channel::Sms => parse_phone(raw)?,
            // A LINE user is known by an id LINE gives when they link, never by one typed.
            Channel::Line => return Err(crate::domain::Why::LinkedFromLine.into()),
        };
        Ok(Self { channel, address })
    }

    /// The LINE user id an account-link event names: `U` and 32 lowercase hex digits.
    pub fn line_user(user_id: &str) -> Result<Self, Invalid> {
        let hex = user_id.strip_prefix('U').unwrap_or("");
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(crate::domain::Why::LinkedFromLine.into());
        }
        Ok(Self { channel: Channel::Line, address: user_id.to_owned() })
    }

    /// An address typed where either kind is welcome: with an `@` (or `＠`) it is e-mail, else a number.
    pub fn parse_any(raw: &str) -> Result<Self, Invalid> {
        let channel = if raw.contains(['@', '＠']) { Channel::Email } else { Channel::Sms };
        Self::parse(channel, raw)
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The address as its owner and admins see it: all of an e-mail address or a number, and
    /// of a LINE account only that it is one (its id is LINE's, for sending alone).
    pub fn shown(channel: Channel, address: &str) -> String {
        match channel {
            Channel::Email | Channel::Sms => address.to_owned(),
            Channel::Line => "LINE".to_owned(),
        }
    }

    /// Enough of the address for staff to tell which it is, not enough to write to it.
    pub fn masked(channel: Channel, address: &str) -> String {
        match channel {
            Channel::Email => match address.split_once('@') {
                Some((local, domain)) => format!("{}…@{domain}", local.chars().next().unwrap_or('?')),
                None => "…".to_owned(),
            },
            Channel::Sms => {
                let digits: Vec<char> = address.chars().collect();
                let tail: String = digits.iter().skip(digits.len().saturating_sub(4)).collect();
                let head: String = digits.iter().take(3).collect();
                format!("{head}…{tail}")
            }
            // Nothing of a LINE id is shown: that someone is reachable on LINE is enough.
            Channel::Line => "LINE".to_owned(),
        }
    }
}

fn parse_email(raw: &str) -> Result<String, Invalid> {
    if raw.len() > 254 {
        return Err(crate::domain::Why::TooLong { max: 254 }.into());
    }
    let address = lettre::Address::from_str(raw).map_err(|_| Invalid(crate::domain::Why::NotAnEmail))?;
    // The domain is case-insensitive; the local part belongs to the receiving server.
    Ok(format!("{}@{}", address.user(), address.domain().to_ascii_lowercase()))
}

fn parse_phone(raw: &str) -> Result<String, Invalid> {
    let refused = || Invalid(crate::domain::Why::NotAPhone);
    if raw.len() > 32 {
        return Err(refused());
    }
    // The dashes people type between groups of digits: 090ー1234ー5678, 090−1234−5678.
    let raw: String = raw
        .chars()
        .map(|c| if matches!(c, 'ー' | '−' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '﹣') { '-' } else { c })
        .collect();
    let number = phonenumber::parse(Some(DEFAULT_REGION), &raw).map_err(|_| refused())?;
    if !phonenumber::is_valid(&number) {
        return Err(refused());
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_mobile_numbers_are_stored_in_e164() {
        for raw in [
            "090-1234-5678",
            "09012345678",
            "+81 90 1234 5678",
            " +819012345678 ",
            "０９０－１２３４－５６７８",
            "０９０ー１２３４ー５６７８",
            "090−1234−5678",
            "（090）1234-5678",
            "＋８１　９０　１２３４　５６７８",
        ] {
            assert_eq!(ContactAddress::parse(Channel::Sms, raw).unwrap().as_str(), "+819012345678", "{raw}");
        }
        assert_eq!(ContactAddress::parse(Channel::Sms, "+1 415 555 2671").unwrap().as_str(), "+14155552671");
    }

    #[test]
    fn what_is_not_a_number_is_refused() {
        for raw in ["", "hello", "090-1234", "+81 0000", &"9".repeat(40)] {
            assert!(ContactAddress::parse(Channel::Sms, raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn e_mail_addresses_are_checked_and_their_domain_lowercased() {
        assert_eq!(ContactAddress::parse(Channel::Email, "Hanako@Example.ORG").unwrap().as_str(), "Hanako@example.org");
        assert_eq!(
            ContactAddress::parse_any("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ.org").unwrap().as_str(),
            "hanako@example.org"
        );
        for raw in ["", "no-at-sign", "a@", "@b.org", "a b@c.org", &format!("{}@x.org", "a".repeat(260))] {
            assert!(ContactAddress::parse(Channel::Email, raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn a_line_user_is_only_an_id_line_gave() {
        let id = format!("U{}", "0123456789abcdef".repeat(2));
        assert_eq!(ContactAddress::line_user(&id).unwrap().as_str(), id);
        for refused in ["", "U123", &format!("X{}", "0".repeat(32)), &format!("U{}", "G".repeat(32))] {
            assert!(ContactAddress::line_user(refused).is_err(), "{refused:?}");
        }
        assert!(ContactAddress::parse(Channel::Line, &id).is_err(), "never typed");
        assert_eq!(ContactAddress::masked(Channel::Line, &id), "LINE");
    }

    #[test]
    fn a_masked_address_shows_only_its_ends() {
        assert_eq!(ContactAddress::masked(Channel::Email, "hanako@example.org"), "h…@example.org");
        assert_eq!(ContactAddress::masked(Channel::Sms, "+819012345678"), "+81…5678");
    }
}
