//! What the sign-in doors keep instead of secrets: keyed hashes (HMAC-SHA-256 with the
//! service's key, each purpose under its own label) for short codes, whose few bits a plain
//! hash would give away to anyone holding a copy of the database; Argon2id for client secrets.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHasher, SaltString},
    Argon2,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use uuid::Uuid;

use super::KeyRing;
use crate::domain::sign_in::InvitationCode;

type HmacSha256 = Hmac<Sha256>;

/// What a keyed hash is for; a hash made for one purpose never matches another's.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Making an invitation's code from its id.
    InvitationCode,
    /// Finding an invitation by its code.
    InvitationLookup,
    /// A one-time code, under its own id.
    OneTimeCode,
    /// Finding a sign-in code by the address it went to.
    Address,
    /// A rate-limit bucket.
    RateBucket,
    /// An address's one-click unsubscribe token.
    Unsubscribe,
    /// The link in a team alert's message to one staff member on one channel.
    Respond,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::InvitationCode => b"tsunagu/invitation-code/v1",
            Purpose::InvitationLookup => b"tsunagu/invitation-lookup/v1",
            Purpose::OneTimeCode => b"tsunagu/one-time-code/v1",
            Purpose::Address => b"tsunagu/address/v1",
            Purpose::RateBucket => b"tsunagu/rate-bucket/v1",
            Purpose::Unsubscribe => b"tsunagu/unsubscribe/v1",
            Purpose::Respond => b"tsunagu/respond/v1",
        }
    }
}

impl KeyRing {
    fn mac(&self, purpose: Purpose, parts: &[&[u8]]) -> HmacSha256 {
        // HMAC takes a key of any length; this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.mac_key()).unwrap_or_else(|_| unreachable!());
        mac.update(purpose.label());
        for part in parts {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// A keyed hash, hex, to store and look up by.
    pub fn keyed_hash(&self, purpose: Purpose, parts: &[&[u8]]) -> String {
        self.mac(purpose, parts).finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// Whether `stored` is the keyed hash of `parts`, compared in constant time.
    pub fn keyed_hash_matches(&self, purpose: Purpose, parts: &[&[u8]], stored: &str) -> bool {
        let Some(expected) = from_hex(stored) else { return false };
        self.mac(purpose, parts).verify_slice(&expected).is_ok()
    }

    /// An invitation's code, made again from its id whenever it is printed: only the holder of
    /// the service's key can make it, and the database keeps only its hash.
    pub fn invitation_code(&self, invitation_id: Uuid) -> InvitationCode {
        let bytes: [u8; 32] =
            self.mac(Purpose::InvitationCode, &[invitation_id.as_bytes()]).finalize().into_bytes().into();
        InvitationCode::from_bytes(&bytes)
    }

    /// An address's unsubscribe token: its id and a keyed hash of it. Made again for every
    /// message; only its SHA-256 is stored, to find the links sent before tokens were made so.
    pub fn unsubscribe_token(&self, contact_id: Uuid) -> String {
        let mac = self.keyed_hash(Purpose::Unsubscribe, &[contact_id.as_bytes()]);
        format!("{}.{}", contact_id.simple(), &mac[..32])
    }

    /// The address an unsubscribe token made by [`Self::unsubscribe_token`] names, if it is one.
    pub fn unsubscribe_contact(&self, token: &str) -> Option<Uuid> {
        let (id, mac) = token.split_once('.')?;
        let id = Uuid::try_parse(id).ok()?;
        let expected = self.keyed_hash(Purpose::Unsubscribe, &[id.as_bytes()]);
        let equal =
            mac.len() == 32 && mac.bytes().zip(expected[..32].bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0;
        equal.then_some(id)
    }

    /// The token of a team alert's link sent to `party_id` on `channel`: the alert's id and a
    /// keyed hash of it with whom and how it went, short enough for one text. Only the service
    /// makes one; opening it still takes signing in as that party.
    pub fn respond_token(&self, alert_id: Uuid, party_id: Uuid, channel: &str) -> String {
        let mac = self.keyed_hash(Purpose::Respond, &[alert_id.as_bytes(), party_id.as_bytes(), channel.as_bytes()]);
        format!("{}{}", alert_id.simple(), &mac[..16])
    }

    /// The alert a token names, if [`Self::respond_token`] made it for `party_id` and one of
    /// `channels`, with that channel.
    pub fn respond_token_of<'a>(&self, token: &str, party_id: Uuid, channels: &[&'a str]) -> Option<(Uuid, &'a str)> {
        let alert_id = Uuid::try_parse(token.get(..32)?).ok()?;
        channels.iter().find_map(|channel| {
            let expected = self.respond_token(alert_id, party_id, channel);
            let equal = expected.len() == token.len()
                && expected.bytes().zip(token.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0;
            equal.then_some((alert_id, *channel))
        })
    }

    /// What an invitation is found by.
    pub fn invitation_lookup(&self, code: &InvitationCode) -> String {
        self.keyed_hash(Purpose::InvitationLookup, &[code.as_str().as_bytes()])
    }
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// A new public client id: `tsu_` and 16 random bytes.
pub fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("tsu_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A new client secret: 256 random bits, URL-safe.
pub fn new_client_secret() -> String {
    super::new_capability_token()
}

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the client secret")]
pub struct HashError;

/// The Argon2id PHC string of a client secret.
pub fn hash_client_secret(secret: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(secret.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|_| HashError)
}

/// Whether `secret` is the one hashed in `phc`, by the argon2 crate's own verifier: the
/// reference the hashing workers (which verify in memory they keep) are tested against.
#[cfg(test)]
pub fn client_secret_matches(secret: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(phc).is_ok_and(|hash| Argon2::default().verify_password(secret.as_bytes(), &hash).is_ok())
}

/// A hash no secret matches, to verify against when the client id is unknown, so that an
/// unknown id takes as long to refuse as a wrong secret.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_client_secret(&new_client_secret()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::from_secret("test".into(), b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_respond_link_opens_for_its_party_and_tells_its_channel() {
        let ring = ring();
        let (alert, party, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let token = ring.respond_token(alert, party, "sms");
        assert_eq!(token.len(), 48, "short enough for one text");
        assert_eq!(ring.respond_token_of(&token, party, &["sms", "email"]), Some((alert, "sms")));
        assert_eq!(ring.respond_token_of(&token, other, &["sms", "email"]), None, "not another party's");
        assert_eq!(ring.respond_token_of(&token, party, &["email"]), None);
        let forged = format!("{}{}", Uuid::now_v7().simple(), &token[32..]);
        assert_eq!(ring.respond_token_of(&forged, party, &["sms"]), None, "nor another alert's");
        assert_eq!(ring.respond_token_of("short", party, &["sms"]), None);
    }

    #[test]
    fn keyed_hashes_depend_on_purpose_parts_and_key() {
        let ring = ring();
        let hash = ring.keyed_hash(Purpose::OneTimeCode, &[b"id", b"123456"]);
        assert!(ring.keyed_hash_matches(Purpose::OneTimeCode, &[b"id", b"123456"], &hash));
        assert!(!ring.keyed_hash_matches(Purpose::OneTimeCode, &[b"id", b"123457"], &hash));
        assert!(!ring.keyed_hash_matches(Purpose::Address, &[b"id", b"123456"], &hash));
        assert!(!ring.keyed_hash_matches(Purpose::OneTimeCode, &[b"id1", b"23456"], &hash));
        let other = KeyRing::from_secret("other".into(), b"another-key-another-key-another-k");
        assert!(!other.keyed_hash_matches(Purpose::OneTimeCode, &[b"id", b"123456"], &hash));
        assert!(!ring.keyed_hash_matches(Purpose::OneTimeCode, &[b"id", b"123456"], "not hex"));
    }

    #[test]
    fn an_invitation_code_is_made_again_from_its_id_and_found_by_its_hash() {
        let ring = ring();
        let id = Uuid::now_v7();
        assert_eq!(ring.invitation_code(id), ring.invitation_code(id));
        assert_ne!(ring.invitation_code(id), ring.invitation_code(Uuid::now_v7()));
        let typed = InvitationCode::parse(&ring.invitation_code(id).display().to_lowercase()).unwrap();
        assert_eq!(ring.invitation_lookup(&typed), ring.invitation_lookup(&ring.invitation_code(id)));
    }

    #[test]
    fn a_client_secret_matches_its_own_hash_only() {
        let secret = new_client_secret();
        let hash = hash_client_secret(&secret).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains(&secret));
        assert!(client_secret_matches(&secret, &hash));
        assert!(!client_secret_matches("wrong", &hash));
        assert!(!client_secret_matches(&secret, decoy_hash()));
        assert!(!client_secret_matches(&secret, "garbage"));
        assert!(new_client_id().starts_with("tsu_"));
    }
}
