//! A request sent under an `Idempotency-Key` (a probation system's batch of dates): done once,
//! answered again with the first answer, never done twice. The domain decides
//! ([`crate::domain::idempotency::replay`]); this takes the key and keeps the answer.

use uuid::Uuid;

use super::{Clash, WorkflowError};
use crate::{
    domain::{
        idempotency::{replay, IdempotencyKey, Replay},
        Invalid, Refusals,
    },
    state::AppState,
    store,
};

/// What a keyed request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keyed {
    /// The key is this request's: do it, then [`finish_keyed`].
    Go,
    /// Done before: answer what it answered then.
    Answer(String),
}

/// Takes `key` for the caller's request whose body hashes to `request_hash`.
pub async fn begin_keyed(
    state: &AppState,
    owner: Uuid,
    key: &IdempotencyKey,
    request_hash: &str,
) -> Result<Keyed, WorkflowError> {
    let now = state.clock.now();
    if store::schedule::take_key(&state.db, owner, key.as_str(), request_hash, now).await? {
        return Ok(Keyed::Go);
    }
    // Held a moment ago and gone now (forgotten as too old): nothing holds it.
    let Some(held) = store::schedule::held_key(&state.db, owner, key.as_str()).await? else { return Ok(Keyed::Go) };
    match replay(&held, request_hash, now) {
        Replay::Answer(response) => Ok(Keyed::Answer(response)),
        Replay::TakeOver { seen } => {
            if store::schedule::take_key_over(&state.db, owner, key.as_str(), seen, now).await? {
                Ok(Keyed::Go)
            } else {
                Err(WorkflowError::Conflict(Clash::RequestInFlight))
            }
        }
        Replay::InFlight => Err(WorkflowError::Conflict(Clash::RequestInFlight)),
        Replay::OtherRequest => Err(WorkflowError::Refused(Refusals::one(
            "Idempotency-Key",
            Invalid::new("this key was used with another request"),
        ))),
    }
}

/// Keeps the answer a keyed request got, for its repeats.
pub async fn finish_keyed(
    state: &AppState,
    owner: Uuid,
    key: &IdempotencyKey,
    response: String,
) -> Result<(), WorkflowError> {
    store::schedule::finish_key(&state.db, owner, key.as_str(), response, state.clock.now()).await?;
    Ok(())
}
