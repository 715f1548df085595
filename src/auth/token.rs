use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, decode_header, encode, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys::{KeyRing, ALGORITHM};

pub const ISSUER: &str = "tsunagu";
pub const AUDIENCE: &str = "tsunagu-api";
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: i64 = 30;

/// The claims Tsunagu reads from a token. `iss` and `aud` are checked by the validator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<uuid::Uuid>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// For a token issued to an OAuth client: the client credential's id, so that revoking
    /// the credential ends its tokens too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<uuid::Uuid>,
}

#[derive(Debug, Serialize)]
struct EncodedClaims<'a> {
    #[serde(flatten)]
    claims: &'a Claims,
    iss: &'static str,
    aud: &'static str,
}

/// Why a token was refused. Deliberately coarse: the caller learns only "401".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed, unsigned, wrongly signed or misaddressed")]
    Invalid,
    #[error("the token was signed by a key this server does not know")]
    UnknownKey,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token lives longer than the service allows, or says nothing of when it was issued")]
    TooLong,
    #[error("the token names a critical header extension this server does not understand")]
    UnknownCritical,
    #[error("the token's subject is not a plain identifier")]
    BadSubject,
}

/// A subject is an id or a plain name: letters, digits and `. _ - : @`, 1 to 128 of them.
fn plain_subject(sub: &str) -> bool {
    (1..=128).contains(&sub.len())
        && sub.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '@'))
}

/// Tokens whose signature, header and claims' form one key has checked, by the SHA-256 of the
/// token (the token itself is not kept): the same bytes verify the same way again, so a
/// caller's every request need not decode and check its signature anew. What depends on the
/// time (`exp`, `nbf`, `iat`, the lifetime) is judged at every request all the same, and what
/// depends on stored rows (the party, a client's credential) is the caller's to check.
#[derive(Debug, Default)]
pub struct CheckedTokens {
    claims: Mutex<HashMap<[u8; 32], Claims>>,
}

/// Tokens kept before the memo is emptied: bounds memory whatever the traffic (a token's
/// claims are a few hundred bytes).
const CHECKED_TOKENS: usize = 10_000;

impl CheckedTokens {
    fn get(&self, digest: &[u8; 32]) -> Option<Claims> {
        self.claims.lock().ok()?.get(digest).cloned()
    }

    fn keep(&self, digest: [u8; 32], claims: &Claims) {
        if let Ok(mut kept) = self.claims.lock() {
            if kept.len() >= CHECKED_TOKENS {
                kept.clear();
            }
            kept.insert(digest, claims.clone());
        }
    }
}

impl KeyRing {
    pub fn mint(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.kid().to_owned());
        encode(&header, &EncodedClaims { claims, iss: ISSUER, aud: AUDIENCE }, self.encoding())
    }

    /// Checks signature, algorithm, issuer, audience and the presence of `exp`, `iss`, `aud`,
    /// `sub` and `iat`; then `exp`, `nbf` and `iat` against `now`, the injected clock, not the
    /// wall clock, and the lifetime against `max_lifetime` (RFC 8725 §2/§3.10, RFC 7515 §4.1.11:
    /// an unknown `crit` extension is refused).
    pub fn verify(
        &self,
        token: &str,
        now: DateTime<Utc>,
        max_lifetime: chrono::Duration,
    ) -> Result<Claims, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let claims = match self.checked.get(&digest) {
            Some(claims) => claims,
            None => {
                let claims = self.check_signature(token)?;
                self.checked.keep(digest, &claims);
                claims
            }
        };
        let now = now.timestamp();
        if claims.exp + LEEWAY_SECONDS <= now {
            return Err(TokenError::Expired);
        }
        if claims.nbf.is_some_and(|nbf| nbf - LEEWAY_SECONDS > now) {
            return Err(TokenError::NotYetValid);
        }
        let Some(iat) = claims.iat else { return Err(TokenError::TooLong) };
        if iat - LEEWAY_SECONDS > now {
            return Err(TokenError::NotYetValid);
        }
        if claims.exp.saturating_sub(iat) > max_lifetime.num_seconds() {
            return Err(TokenError::TooLong);
        }
        Ok(claims)
    }

    /// What does not change with the time: the header, the signature, the required claims and
    /// the subject's form.
    fn check_signature(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.crit.as_ref().is_some_and(|crit| !crit.is_empty()) {
            return Err(TokenError::UnknownCritical);
        }
        if header.kid.as_deref().is_some_and(|kid| kid != self.kid()) {
            return Err(TokenError::UnknownKey);
        }
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        // jsonwebtoken rejects a token *missing* aud/iss only when they are required here.
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "iat"]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = decode::<Claims>(token, self.decoding(), &validation).map_err(|_| TokenError::Invalid)?.claims;
        if !plain_subject(&claims.sub) {
            return Err(TokenError::BadSubject);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn ring() -> KeyRing {
        KeyRing::from_secret("test".into(), b"0123456789abcdef0123456789abcdef")
    }

    fn claims(now: DateTime<Utc>) -> Claims {
        Claims {
            sub: "alice".into(),
            role: "admin".into(),
            org: None,
            exp: (now + Duration::hours(1)).timestamp(),
            nbf: None,
            iat: Some(now.timestamp()),
            cid: None,
        }
    }

    const MONTH: Duration = Duration::hours(720);

    #[test]
    fn a_minted_token_verifies() {
        let now = Utc::now();
        let token = ring().mint(&claims(now)).unwrap();
        assert_eq!(ring().verify(&token, now, MONTH), Ok(claims(now)));
    }

    #[test]
    fn issued_at_is_required_not_in_the_future_and_bounds_the_lifetime() {
        let now = Utc::now();
        let mut no_iat = claims(now);
        no_iat.iat = None;
        assert!(ring().verify(&ring().mint(&no_iat).unwrap(), now, MONTH).is_err());
        let mut future = claims(now);
        future.iat = Some((now + Duration::minutes(5)).timestamp());
        assert_eq!(ring().verify(&ring().mint(&future).unwrap(), now, MONTH), Err(TokenError::NotYetValid));
        let mut long = claims(now);
        long.exp = (now + Duration::hours(721)).timestamp();
        assert_eq!(ring().verify(&ring().mint(&long).unwrap(), now, MONTH), Err(TokenError::TooLong));
    }

    #[test]
    fn a_subject_must_be_a_plain_identifier() {
        let now = Utc::now();
        let mut odd = claims(now);
        odd.sub = "alice\nforged log line".into();
        assert_eq!(ring().verify(&ring().mint(&odd).unwrap(), now, MONTH), Err(TokenError::BadSubject));
    }

    #[test]
    fn an_unknown_critical_header_is_refused() {
        let now = Utc::now();
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(ring().kid().to_owned());
        header.crit = Some(vec!["exp-extension".into()]);
        let claims = claims(now);
        let token =
            encode(&header, &EncodedClaims { claims: &claims, iss: ISSUER, aud: AUDIENCE }, ring().encoding()).unwrap();
        assert_eq!(ring().verify(&token, now, MONTH), Err(TokenError::UnknownCritical));
    }

    #[test]
    fn expiry_is_judged_by_the_given_clock_with_leeway() {
        let now = Utc::now();
        let token = ring().mint(&claims(now)).unwrap();
        let just_after = now + Duration::hours(1) + Duration::seconds(LEEWAY_SECONDS - 1);
        assert!(ring().verify(&token, just_after, MONTH).is_ok());
        let too_late = now + Duration::hours(1) + Duration::seconds(LEEWAY_SECONDS);
        assert_eq!(ring().verify(&token, too_late, MONTH), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_from_another_key_id_is_refused() {
        let now = Utc::now();
        let other = KeyRing::from_secret("other".into(), b"0123456789abcdef0123456789abcdef");
        let token = other.mint(&claims(now)).unwrap();
        assert_eq!(ring().verify(&token, now, MONTH), Err(TokenError::UnknownKey));
    }

    #[test]
    fn not_before_in_the_future_is_refused() {
        let now = Utc::now();
        let mut early = claims(now);
        early.nbf = Some((now + Duration::minutes(5)).timestamp());
        let token = ring().mint(&early).unwrap();
        assert_eq!(ring().verify(&token, now, MONTH), Err(TokenError::NotYetValid));
    }

    fn kept(ring: &KeyRing) -> usize {
        ring.checked.claims.lock().unwrap().len()
    }

    #[test]
    fn a_token_checked_once_is_still_judged_by_the_clock_at_every_request() {
        let now = Utc::now();
        let ring = ring();
        let token = ring.mint(&claims(now)).unwrap();
        assert_eq!(ring.verify(&token, now, MONTH), Ok(claims(now)));
        assert_eq!(kept(&ring), 1);
        assert_eq!(ring.verify(&token, now, MONTH), Ok(claims(now)));
        assert_eq!(kept(&ring), 1, "the second request reuses the first's check");
        let too_late = now + Duration::hours(1) + Duration::seconds(LEEWAY_SECONDS);
        assert_eq!(ring.verify(&token, too_late, MONTH), Err(TokenError::Expired));
        assert_eq!(ring.verify(&token, now, Duration::minutes(30)), Err(TokenError::TooLong));
        let before = now - Duration::minutes(5);
        assert_eq!(ring.verify(&token, before, MONTH), Err(TokenError::NotYetValid));
    }

    #[test]
    fn a_refused_token_is_not_kept_and_a_kept_one_vouches_for_no_other() {
        let now = Utc::now();
        let ring = ring();
        let token = ring.mint(&claims(now)).unwrap();
        assert!(ring.verify(&token, now, MONTH).is_ok());
        // The signature's first character carries six whole bits of its first byte (its last
        // carries padding bits a lenient decoder could ignore): changing it changes the MAC.
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let first = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{signed}.{first}{}", &signature[1..]);
        assert_eq!(ring.verify(&forged, now, MONTH), Err(TokenError::Invalid));
        assert_eq!(ring.verify(&forged, now, MONTH), Err(TokenError::Invalid));
        assert_eq!(kept(&ring), 1);
        let other = KeyRing::from_secret("test".into(), b"another secret of thirty-two b..");
        assert_eq!(other.verify(&token, now, MONTH), Err(TokenError::Invalid), "the memo is the key's own");
    }

    #[test]
    fn the_memo_is_bounded() {
        let now = Utc::now();
        let ring = ring();
        for n in 0..=CHECKED_TOKENS {
            ring.checked.keep(Sha256::digest(n.to_le_bytes()).into(), &claims(now));
        }
        assert!(kept(&ring) <= CHECKED_TOKENS);
    }
}
