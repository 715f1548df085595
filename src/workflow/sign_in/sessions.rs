//! A browser's session: found by its cookie, kept alive by use, ended by sign-out, by its owner
//! from another session, or by disabling its party.

use crate::entity::{party, session};
use sea_orm::DbErr;
use uuid::Uuid;

use super::audit_of;
use crate::{
    auth::capability_hash,
    domain::{
        sign_in::{SessionEnd, SessionPolicy},
        PartyRole,
    },
    state::AppState,
    store::{self, audit::Outcome},
    workflow::WorkflowError,
};

/// The live session a cookie names and its enabled party; use moves the idle expiry on (at
/// most once a `touch_every`, so a busy reader does not write on every request).
pub async fn session_principal(
    state: &AppState,
    cookie_value: &str,
) -> Result<Option<(session::Model, party::Model)>, WorkflowError> {
    let now = state.clock.now();
    let hash = capability_hash(cookie_value);
    let load = || async {
        Ok::<_, DbErr>(store::sessions::live_with_party(&state.reads, &hash, now).await?.map(std::sync::Arc::new))
    };
    let Some(found) = state.cache.session(hash.clone(), load).await? else {
        return Ok(None);
    };
    let (session, party) = (found.0.clone(), found.1.clone());
    // What was kept may have run out since it was read.
    let live = session.ended_at.is_none()
        && session.idle_expires_at > now
        && session.expires_at > now
        && party.disabled_at.is_none();
    if !live {
        return Ok(None);
    }
    let role: PartyRole = party.role;
    let policy = SessionPolicy::for_role(role);
    if now - session.last_seen_at >= policy.touch_every() {
        let idle_expires_at = policy.idle_expiry(session.created_at, now);
        store::sessions::touch(&state.db, &session, idle_expires_at, now).await?;
    }
    Ok(Some((session, party)))
}

async fn end_and_audit(state: &AppState, party: &party::Model, ids: &[Uuid], reason: SessionEnd) -> Result<u64, DbErr> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let ended = store::sessions::end(&txn, party.id, ids, reason, now).await?;
    let entries = ids.iter().map(|id| audit_of(party, "session.end", Some(*id), Outcome::Allowed)).collect();
    store::audit::record(&txn, entries, now).await?;
    txn.commit().await?;
    Ok(ended)
}

/// Ends the session a cookie names, if it is live; signing out twice changes nothing.
pub async fn sign_out(state: &AppState, cookie_value: &str) -> Result<(), WorkflowError> {
    let now = state.clock.now();
    let Some(session) = store::sessions::live_by_token(&state.db, &capability_hash(cookie_value), now).await? else {
        return Ok(());
    };
    let Some(party) = store::parties::find(&state.db, session.party_id).await? else { return Ok(()) };
    end_and_audit(state, &party, &[session.id], SessionEnd::SignedOut).await?;
    Ok(())
}

/// Ends one of a party's live sessions; `NotFound` if it has none by that id.
pub async fn end_session(state: &AppState, party: &party::Model, session_id: Uuid) -> Result<(), WorkflowError> {
    let live = store::sessions::live_of_party(&state.db, party.id, state.clock.now()).await?;
    if !live.iter().any(|session| session.id == session_id) {
        return Err(WorkflowError::NotFound);
    }
    end_and_audit(state, party, &[session_id], SessionEnd::Ended).await?;
    Ok(())
}

/// Ends every live session of a party but `keep` (the caller's own); returns how many ended.
pub async fn end_other_sessions(
    state: &AppState,
    party: &party::Model,
    keep: Option<Uuid>,
) -> Result<u64, WorkflowError> {
    let live = store::sessions::live_of_party(&state.db, party.id, state.clock.now()).await?;
    let others: Vec<Uuid> = live.iter().map(|session| session.id).filter(|id| Some(*id) != keep).collect();
    Ok(end_and_audit(state, party, &others, SessionEnd::Ended).await?)
}
