//! Dead letters: what the outbox gave up on, and an admin's decision to send it again or let
//! it go. A message whose content was a sign-in code or link is no longer kept once given up,
//! so it cannot be sent again: its owner asks for a new one.

use uuid::Uuid;

use super::WorkflowError;
use crate::{
    state::AppState,
    store::{
        self,
        dead_letters::{DeadLetter, Filter},
        outbox::{DEAD, UNCERTAIN},
    },
};

/// An admin's decision about a dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Back in the outbox, due now, with a fresh count of tries.
    Retry,
    /// Not to be sent.
    Discard,
}

impl Decision {
    /// What the audit log calls it.
    pub fn audit_action(self) -> &'static str {
        match self {
            Decision::Retry => "dead_letter.retry",
            Decision::Discard => "dead_letter.discard",
        }
    }

    /// The message's status once decided.
    pub fn status(self) -> store::outbox::MessageStatus {
        match self {
            Decision::Retry => store::outbox::PENDING,
            Decision::Discard => store::outbox::DISCARDED,
        }
    }
}

pub async fn list(state: &AppState, filter: Filter) -> Result<Vec<DeadLetter>, WorkflowError> {
    Ok(store::dead_letters::list(&state.reads, filter).await?)
}

/// Whether a dead letter can still be sent: its content is kept.
pub fn can_retry(letter: &crate::entity::outbox_message::Model) -> bool {
    letter.payload != "{}"
}

/// Carries out `decision` on dead letter `id`; its person, if it is about one, for the audit.
pub async fn decide(state: &AppState, id: Uuid, decision: Decision) -> Result<Option<Uuid>, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let message = store::dead_letters::find(&txn, id).await?.ok_or(WorkflowError::NotFound)?;
    if message.status != DEAD && message.status != UNCERTAIN {
        let status = message.status.to_string();
        return Err(WorkflowError::Conflict(super::Clash::NotADeadLetter { status }));
    }
    let done = match decision {
        Decision::Retry if !can_retry(&message) => {
            return Err(WorkflowError::Conflict(super::Clash::SignInMessageNotKept))
        }
        Decision::Retry => store::dead_letters::requeue(&txn, id, now).await?,
        Decision::Discard => store::dead_letters::discard(&txn, id, now).await?,
    };
    if !done {
        return Err(WorkflowError::Stale(super::Staleness::ChangedMeanwhile));
    }
    txn.commit().await?;
    if decision == Decision::Retry {
        state.outbox.send_now.notify_one();
    }
    Ok(message.person_id)
}
