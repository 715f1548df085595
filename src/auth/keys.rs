use crate::entity::signing_key;
use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand::RngCore;
use sea_orm::DbErr;
use sha2::{Digest, Sha256};

use crate::{config::JwtSecret, store};

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("cannot read or store the token-signing key: {0}")]
    Database(#[from] DbErr),
    #[error("the stored token-signing key {kid} is not valid base64")]
    Corrupt { kid: String },
}

/// The key tokens are signed and verified with, and its id (`kid`).
///
/// The `kid` leaves room for rotation: tokens name the key that signed them.
#[derive(Clone)]
pub struct KeyRing {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The key of the keyed hashes (invitation and one-time codes, rate-limit buckets).
    mac: std::sync::Arc<[u8]>,
    /// Tokens whose signature and claims this key has already checked (see `verify`).
    pub(crate) checked: std::sync::Arc<super::token::CheckedTokens>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("kid", &self.kid).finish_non_exhaustive()
    }
}

pub(crate) const ALGORITHM: Algorithm = Algorithm::HS256;
const GENERATED_KEY_BYTES: usize = 32;

impl KeyRing {
    pub fn from_secret(kid: String, secret: &[u8]) -> Self {
        Self {
            kid,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            mac: secret.to_vec().into(),
            checked: std::sync::Arc::default(),
        }
    }

    /// The configured secret if there is one; otherwise the key kept in the database,
    /// generated on first use.
    pub async fn load(
        db: &impl crate::store::Write,
        configured: Option<&JwtSecret>,
        now: DateTime<Utc>,
    ) -> Result<Self, KeyRingError> {
        if let Some(secret) = configured {
            return Ok(Self::from_secret(configured_kid(secret), secret.bytes()));
        }
        if let Some(stored) = store::signing_keys::oldest_active(db).await? {
            return Self::from_stored(stored);
        }
        let mut secret = vec![0u8; GENERATED_KEY_BYTES];
        rand::rng().fill_bytes(&mut secret);
        store::signing_keys::insert(db, uuid::Uuid::new_v4().simple().to_string(), STANDARD.encode(&secret), now)
            .await?;
        // Two processes starting on a fresh database may both generate a key; reading the
        // oldest back makes them agree on one.
        let stored =
            store::signing_keys::oldest_active(db).await?.ok_or(DbErr::RecordNotFound("signing key".into()))?;
        Self::from_stored(stored)
    }

    fn from_stored(stored: signing_key::Model) -> Result<Self, KeyRingError> {
        let secret =
            STANDARD.decode(stored.secret.as_bytes()).map_err(|_| KeyRingError::Corrupt { kid: stored.kid.clone() })?;
        Ok(Self::from_secret(stored.kid, &secret))
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    pub(crate) fn mac_key(&self) -> &[u8] {
        &self.mac
    }
}

/// A key id for a configured secret that reveals nothing usable about it.
fn configured_kid(secret: &JwtSecret) -> String {
    let digest = Sha256::digest(secret.bytes());
    let short: String = digest.iter().take(6).map(|byte| format!("{byte:02x}")).collect();
    format!("env-{short}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_kid_is_stable_and_does_not_contain_the_secret() {
        let secret = JwtSecret::parse("correct-horse-battery-staple-0123456789").unwrap();
        assert_eq!(configured_kid(&secret), configured_kid(&secret));
        assert!(configured_kid(&secret).starts_with("env-"));
        assert!(!configured_kid(&secret).contains("horse"));
        let other = JwtSecret::parse("another-secret-that-is-long-enough-0000").unwrap();
        assert_ne!(configured_kid(&secret), configured_kid(&other));
    }
}
