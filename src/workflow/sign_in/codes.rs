//! Sign-in by a six-digit code sent to a confirmed address.

use chrono::Duration;
use rand::RngCore;

use super::{audit_anonymous, audit_of, knock, knock_client, start_session, Client, SignInError, SignedIn};
use crate::{
    auth::Purpose,
    domain::{
        channels::ContactAddress,
        sign_in::{Door, OneTimeCode, SignInMethod, MAX_WRONG_CODES, ONE_TIME_CODE_VALID_MINUTES},
        Refusals,
    },
    state::AppState,
    store::{self, audit::Outcome, new_id},
    workflow::WorkflowError,
};

/// What a code is found by: the address, e-mail folded to lower case as it is matched.
fn address_hash(state: &AppState, address: &ContactAddress) -> String {
    let folded = address.as_str().to_lowercase();
    state.keys.keyed_hash(Purpose::Address, &[address.channel().as_str().as_bytes(), folded.as_bytes()])
}

/// Takes a request for a code. Whether or not the address is anyone's, the request does the
/// same work (the limits, then a place in the queue) and answers alike; the look-up and the
/// sending happen after the answer. Only a malformed address is refused.
pub async fn request_code(state: &AppState, typed_address: &str, client: &Client) -> Result<(), SignInError> {
    let now = state.clock.now();
    let address = ContactAddress::parse_any(typed_address)
        .map_err(|why| SignInError::Failed(WorkflowError::Refused(Refusals::one("address", why))))?;
    knock_client(state, &state.db, Door::CodeFromClient, client, now).await?;
    knock(state, &state.db, Door::CodeForAddress, &address.as_str().to_lowercase(), now).await?;
    state.code_requests.push(address);
    // A person is waiting for it: the scheduler sends it now rather than at its next tick.
    state.outbox.send_now.notify_one();
    Ok(())
}

/// One step: writes a code for every waiting request whose address is a confirmed sign-in
/// address of an enabled party (one code for each such party), with its message. Returns how
/// many codes were written.
pub async fn send_requested_codes(state: &AppState) -> Result<usize, WorkflowError> {
    let mut written = 0;
    for address in state.code_requests.take_all() {
        written += send_code(state, &address).await?;
    }
    Ok(written)
}

async fn send_code(state: &AppState, address: &ContactAddress) -> Result<usize, WorkflowError> {
    let now = state.clock.now();
    let contacts: Vec<_> = store::contact_points::with_address(&state.db, address)
        .await?
        .into_iter()
        .filter(|contact| contact.status.is_sign_in_door())
        .collect();
    if contacts.is_empty() || !state.outbox.reach.offers(address.channel()) {
        return Ok(0);
    }
    let txn = state.db.begin().await?;
    let mut messages = Vec::new();
    let mut entries = Vec::new();
    for contact in contacts {
        let Some(party) = store::parties::find(&txn, contact.party_id).await? else { continue };
        if party.disabled_at.is_some() {
            continue;
        }
        let id = new_id();
        let code = OneTimeCode::from_random(rand::rng().next_u32());
        let new = store::sign_in::NewCode {
            id,
            party_id: party.id,
            contact_point_id: contact.id,
            address_hash: address_hash(state, address),
            code_hash: state.keys.keyed_hash(Purpose::OneTimeCode, &[id.as_bytes(), code.as_str().as_bytes()]),
            expires_at: now + Duration::minutes(ONE_TIME_CODE_VALID_MINUTES),
        };
        store::sign_in::insert_code(&txn, new, now).await?;
        messages.push(crate::outbox::sign_in_code(&state.outbox.reach, &party, &contact, id, &code));
        entries.push(audit_of(&party, "sign_in.code.send", Some(id), Outcome::Allowed));
    }
    let written = messages.len();
    store::outbox::enqueue(&txn, messages, now).await?;
    store::audit::record(&txn, entries, now).await?;
    txn.commit().await?;
    Ok(written)
}

/// Checks a code for an address: the right one signs in; a wrong one counts against every
/// live code of the address, and the fifth wrong try ends a code.
pub async fn verify_code(
    state: &AppState,
    typed_address: &str,
    typed_code: &str,
    client: &Client,
) -> Result<SignedIn, SignInError> {
    let now = state.clock.now();
    knock_client(state, &state.db, Door::VerifyFromClient, client, now).await?;
    let refused = |entries: Vec<store::audit::AuditEntry>| async move {
        state.audit.record(entries, now).await?;
        Err::<SignedIn, _>(SignInError::Refused)
    };
    let Ok(address) = ContactAddress::parse_any(typed_address) else {
        return refused(vec![audit_anonymous("sign_in.code.verify", None)]).await;
    };
    let live = store::sign_in::live_codes(&state.db, &address_hash(state, &address), now).await?;
    // Each code is compared only after one of its tries is taken, so parallel guesses are
    // each counted and none is compared past the limit.
    let mut tried = Vec::new();
    for row in live {
        if store::sign_in::take_try(&state.db, row.id, MAX_WRONG_CODES, now).await? {
            tried.push(row);
        }
    }
    if tried.is_empty() {
        return refused(vec![audit_anonymous("sign_in.code.verify", None)]).await;
    }
    let code = OneTimeCode::parse(typed_code).ok();
    let matching = code.as_ref().and_then(|code| {
        tried.iter().find(|row| {
            state.keys.keyed_hash_matches(
                Purpose::OneTimeCode,
                &[row.id.as_bytes(), code.as_str().as_bytes()],
                &row.code_hash,
            )
        })
    });
    let Some(row) = matching else {
        let mut entries = Vec::new();
        for row in &tried {
            let locked = store::sign_in::lock_if_spent(&state.db, row.id, MAX_WRONG_CODES, now).await?;
            let party = store::parties::find(&state.db, row.party_id).await?;
            let action = if locked { "sign_in.code.locked" } else { "sign_in.code.verify" };
            entries.push(match party {
                Some(party) => audit_of(&party, action, Some(row.id), Outcome::Denied),
                None => audit_anonymous(action, Some(row.id)),
            });
        }
        return refused(entries).await;
    };
    let Some(party) = store::parties::find(&state.db, row.party_id).await?.filter(|party| party.disabled_at.is_none())
    else {
        return refused(vec![audit_anonymous("sign_in.code.verify", Some(row.id))]).await;
    };
    let txn = state.db.begin().await?;
    if !store::sign_in::spend_code(&txn, row.id, now).await? {
        drop(txn);
        return refused(vec![audit_of(&party, "sign_in.code.verify", Some(row.id), Outcome::Denied)]).await;
    }
    let entry = audit_of(&party, "sign_in.code.verify", Some(row.id), Outcome::Allowed);
    store::audit::record(&txn, vec![entry], now).await?;
    let (session, cookie_value) = start_session(&txn, &party, SignInMethod::Code, client, now).await?;
    txn.commit().await?;
    Ok(SignedIn { session, party, cookie_value })
}
