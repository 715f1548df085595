//! Invitations: a code a facility hands over (printed, or sent to a confirmed address) that
//! signs its party in once.

use crate::entity::{invitation, party};
use chrono::Duration;
use uuid::Uuid;

use super::{audit_anonymous, audit_of, knock_client, limit, start_session, Client, SignInError, SignedIn};
use crate::{
    domain::{
        channels::ContactStatus,
        sign_in::{Door, InvitationCode, SignInMethod, INVITATION_VALID_DAYS},
        PartyRole, Refusals,
    },
    state::AppState,
    store::outbox::Subject,
    store::{self, audit::Outcome, new_id},
    workflow::WorkflowError,
};

/// A new invitation and what to hand over: the code and the link carrying it.
#[derive(Debug)]
pub struct IssuedInvitation {
    pub invitation: invitation::Model,
    pub code: InvitationCode,
    pub url: String,
}

/// The link an invitation's code travels in: it opens a page with the code filled in.
pub fn invitation_url(base_url: &str, code: &InvitationCode) -> String {
    format!("{}/invite/{}", base_url.trim_end_matches('/'), code.display())
}

/// Makes an invitation for `party`, and sends it to one of the party's confirmed addresses
/// if `send_to` names one. `created_by` is the actor in the record.
pub async fn invite(
    state: &AppState,
    party: &party::Model,
    created_by: String,
    send_to: Option<Uuid>,
    base_url: &str,
) -> Result<IssuedInvitation, WorkflowError> {
    if party.disabled_at.is_some() {
        return Err(WorkflowError::Conflict(crate::workflow::Clash::PartyDisabled));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    limit(state, &txn, Door::InvitationForParty, &party.id.to_string(), now).await?;
    limit(state, &txn, Door::InvitationByIssuer, &created_by, now).await?;
    let contact = match send_to {
        Some(contact_id) => {
            let contact = store::contact_points::find(&txn, contact_id)
                .await?
                .filter(|contact| contact.party_id == party.id)
                .filter(|contact| contact.status == ContactStatus::Confirmed)
                // A code is not a notice: it never goes to LINE.
                .filter(|contact| contact.channel != crate::domain::channels::Channel::Line);
            match contact {
                Some(contact) => Some(contact),
                None => {
                    let why = crate::domain::Why::NoSuch { what: "confirmed address of this party" }.into();
                    return Err(Refusals::one("send_to", why).into());
                }
            }
        }
        None => None,
    };
    let id = new_id();
    let code = state.keys.invitation_code(id);
    let url = invitation_url(base_url, &code);
    let new = store::sign_in::NewInvitation {
        id,
        party_id: party.id,
        code_hash: state.keys.invitation_lookup(&code),
        created_by,
        sent_to: contact.as_ref().map(|contact| contact.id),
        expires_at: now + Duration::days(INVITATION_VALID_DAYS),
    };
    let invitation = store::sign_in::insert_invitation(&txn, new, now).await?;
    let mut messages =
        crate::workflow::contact_points::door_notices(state, &txn, party, None, Subject::Invitation(invitation.id))
            .await?;
    if let Some(contact) = &contact {
        messages.push(crate::outbox::invitation(party, contact, invitation.id, &url, &code));
    }
    store::outbox::enqueue(&txn, messages, now).await?;
    txn.commit().await?;
    Ok(IssuedInvitation { invitation, code, url })
}

/// Redeems an invitation code: the code is spent and the browser signed in, or the one answer
/// for every failure is given.
pub async fn redeem_invitation(state: &AppState, typed: &str, client: &Client) -> Result<SignedIn, SignInError> {
    let now = state.clock.now();
    knock_client(state, &state.db, Door::InvitationFromClient, client, now).await?;
    let refused = |entry| async move {
        state.audit.record(vec![entry], now).await?;
        Err::<SignedIn, _>(SignInError::Refused)
    };
    let Ok(code) = InvitationCode::parse(typed) else {
        return refused(audit_anonymous("invitation.redeem", None)).await;
    };
    let Some(invitation) = store::sign_in::invitation_by_code(&state.db, &state.keys.invitation_lookup(&code)).await?
    else {
        return refused(audit_anonymous("invitation.redeem", None)).await;
    };
    let Some(party) = store::parties::find(&state.db, invitation.party_id).await? else {
        return refused(audit_anonymous("invitation.redeem", Some(invitation.id))).await;
    };
    let usable = invitation.used_at.is_none() && invitation.expires_at > now && party.disabled_at.is_none();
    if !usable {
        return refused(audit_of(&party, "invitation.redeem", Some(invitation.id), Outcome::Denied)).await;
    }
    let txn = state.db.begin().await?;
    if !store::sign_in::spend_invitation(&txn, invitation.id, now).await? {
        drop(txn);
        return refused(audit_of(&party, "invitation.redeem", Some(invitation.id), Outcome::Denied)).await;
    }
    let entry = audit_of(&party, "invitation.redeem", Some(invitation.id), Outcome::Allowed);
    store::audit::record(&txn, vec![entry], now).await?;
    // A staff member's invitation may have been made for someone other than who redeems it:
    // what this session changes says so.
    let issuer = invitation.created_by.parse::<Uuid>().ok();
    let issuer = match issuer {
        Some(id) => store::parties::find(&txn, id).await?,
        None => None,
    };
    let method = match issuer.map(|issuer| issuer.role) {
        Some(PartyRole::Staff) => SignInMethod::StaffInvitation,
        _ => SignInMethod::Invitation,
    };
    let (session, cookie_value) = start_session(&txn, &party, method, client, now).await?;
    txn.commit().await?;
    Ok(SignedIn { session, party, cookie_value })
}
