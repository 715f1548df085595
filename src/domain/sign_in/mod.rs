//! Signing in, as rules: what an invitation code and a one-time code look like, how long each
//! lasts, how long a session of each role may live, and how often a door may be knocked on.

mod codes;
mod limits;
mod sessions;

pub use codes::{InvitationCode, OneTimeCode, INVITATION_VALID_DAYS, MAX_WRONG_CODES, ONE_TIME_CODE_VALID_MINUTES};
pub use limits::{client_key, Door, RateLimit};
pub use sessions::{SessionEnd, SessionPolicy, SignInMethod};
