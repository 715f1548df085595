use super::super::Invalid;

/// An invitation lasts a week, and is spent by its first use.
pub const INVITATION_VALID_DAYS: i64 = 7;
/// A one-time code lasts ten minutes.
pub const ONE_TIME_CODE_VALID_MINUTES: i64 = 10;
/// The fifth wrong try ends a code: a sixth try, right or wrong, is refused.
pub const MAX_WRONG_CODES: i32 = 5;

/// Crockford's base-32 alphabet: digits and capitals without I, L, O and U, so that nothing
/// printed can be read as something else.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const INVITATION_LENGTH: usize = 10;

/// A ten-character invitation code (50 bits), written `ABCDE-FGHJK` and read back however a
/// person types it: any case, with or without spaces and dashes, `O` for `0`, `I`/`L` for `1`.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationCode(String);

impl InvitationCode {
    /// The code made from 32 bytes of keyed randomness (the first 50 bits are used).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mut bits: u64 = 0;
        for byte in &bytes[..7] {
            bits = (bits << 8) | u64::from(*byte);
        }
        // 56 bits read; keep the top 50, five at a time.
        let code = (0..INVITATION_LENGTH)
            .map(|i| {
                let shift = 56 - 5 * (i + 1);
                ALPHABET[((bits >> shift) & 0x1f) as usize] as char
            })
            .collect();
        Self(code)
    }

    pub fn parse(typed: &str) -> Result<Self, Invalid> {
        let mut code = String::with_capacity(INVITATION_LENGTH);
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\u{3000}' | 'ー' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if ALPHABET.contains(&(c as u8)) && c.is_ascii() => c,
                _ => return Err(crate::domain::Why::NotAnInvitationCode.into()),
            };
            code.push(c);
        }
        if code.len() != INVITATION_LENGTH {
            return Err(crate::domain::Why::NotAnInvitationCode.into());
        }
        Ok(Self(code))
    }

    /// The code without separators, as it is hashed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as printed: two groups of five.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..5], &self.0[5..])
    }
}

impl std::fmt::Debug for InvitationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationCode([redacted])")
    }
}

/// A six-digit code sent to an address.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    /// From a random number; any u32 gives a code, uniformly enough (2^32 is not a multiple
    /// of 10^6, but the bias is below one in four thousand).
    pub fn from_random(random: u32) -> Self {
        Self(format!("{:06}", random % 1_000_000))
    }

    /// Digits only, spaces and full-width digits allowed as a phone keyboard types them.
    pub fn parse(typed: &str) -> Result<Self, Invalid> {
        let mut code = String::with_capacity(6);
        for c in typed.chars() {
            match c {
                ' ' | '-' => {}
                '0'..='9' => code.push(c),
                '０'..='９' => code.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                _ => return Err(crate::domain::Why::NotASignInCode.into()),
            }
        }
        if code.len() != 6 {
            return Err(crate::domain::Why::NotASignInCode.into());
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_code_is_ten_unambiguous_characters_read_back_however_typed() {
        let code = InvitationCode::from_bytes(&[0xA5; 32]);
        assert_eq!(code.as_str().len(), 10);
        assert!(code.as_str().chars().all(|c| ALPHABET.contains(&(c as u8))));
        assert!(!code.as_str().contains(['I', 'L', 'O', 'U']));
        let printed = code.display();
        assert_eq!(InvitationCode::parse(&printed).unwrap(), code);
        assert_eq!(InvitationCode::parse(&printed.to_lowercase()).unwrap(), code);
        assert_eq!(InvitationCode::parse("abcde fghjk").unwrap().as_str(), "ABCDEFGHJK");
        assert_eq!(InvitationCode::parse("O1234-5678l").unwrap().as_str(), "0123456781");
    }

    #[test]
    fn different_bytes_give_different_codes() {
        let mut other = [0xA5; 32];
        other[6] ^= 0x40;
        assert_ne!(InvitationCode::from_bytes(&[0xA5; 32]), InvitationCode::from_bytes(&other));
    }

    #[test]
    fn a_mistyped_invitation_code_is_refused() {
        for typed in ["", "ABCDE", "ABCDE-FGHJKM", "ABCDE-FGHJ!", "ABCDE-FGHJU"] {
            assert!(InvitationCode::parse(typed).is_err(), "{typed}");
        }
    }

    #[test]
    fn a_one_time_code_is_six_digits() {
        assert_eq!(OneTimeCode::from_random(42).as_str(), "000042");
        assert_eq!(OneTimeCode::from_random(u32::MAX).as_str().len(), 6);
        assert_eq!(OneTimeCode::parse("123 456").unwrap().as_str(), "123456");
        assert_eq!(OneTimeCode::parse("１２３４５６").unwrap().as_str(), "123456");
        assert!(OneTimeCode::parse("12345").is_err());
        assert!(OneTimeCode::parse("12345a").is_err());
    }

    #[test]
    fn codes_never_show_in_debug_output() {
        assert!(!format!("{:?}", OneTimeCode::from_random(123456)).contains("123456"));
        let code = InvitationCode::from_bytes(&[7; 32]);
        assert!(!format!("{code:?}").contains(code.as_str()));
    }
}
