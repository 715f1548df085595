//! Bearer tokens: who is calling.

mod capability;
mod keys;
mod principal;
mod token;

pub use capability::{capability_hash, new_capability_token};
pub use keys::{KeyRing, KeyRingError};
pub use principal::Principal;
pub use token::{Claims, TokenError, AUDIENCE, ISSUER, LEEWAY_SECONDS};
