//! Who is calling: bearer tokens, and the secrets the sign-in doors keep.

mod capability;
mod hashing;
mod keys;
mod principal;
mod secrets;
mod token;

pub use capability::{capability_hash, new_capability_token};
pub use hashing::{Busy, HashingPool, CONCURRENT_HASHES, WAITING_HASHES};
pub use keys::{KeyRing, KeyRingError};
pub use principal::{Principal, Via};
#[cfg(test)]
pub use secrets::client_secret_matches;
pub use secrets::{decoy_hash, hash_client_secret, new_client_id, new_client_secret, HashError, Purpose};
pub use token::{Claims, TokenError, AUDIENCE, ISSUER, LEEWAY_SECONDS};
