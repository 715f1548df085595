//! Capability URLs (calendar feeds, address confirmations): a random token in the URL is the
//! credential, and only its hash is kept, so a copy of the database holds no usable link.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe.
pub fn new_capability_token() -> String {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    URL_SAFE_NO_PAD.encode(secret)
}

/// What is stored of a capability token, and looked up by.
pub fn capability_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_their_hash_stable() {
        let (a, b) = (new_capability_token(), new_capability_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(capability_hash(&a), capability_hash(&a));
        assert_ne!(capability_hash(&a), capability_hash(&b));
        assert_eq!(capability_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
