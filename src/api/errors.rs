//! Where the layers' errors become HTTP: here and only here.

use crate::{
    access::AccessError,
    domain::sign_in::Door,
    http::ApiError,
    store::Corrupt,
    workflow::{Clash, Crowded, Denied, Staleness, WorkflowError},
};

impl From<Corrupt> for ApiError {
    fn from(corrupt: Corrupt) -> Self {
        ApiError::Corrupt(corrupt.to_string())
    }
}

impl From<AccessError> for ApiError {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::NotFound => ApiError::NotFound,
            AccessError::Forbidden(why) => ApiError::Forbidden(why),
            AccessError::Corrupt(corrupt) => corrupt.into(),
            AccessError::Database(err) => err.into(),
        }
    }
}

impl From<WorkflowError> for ApiError {
    fn from(err: WorkflowError) -> Self {
        match err {
            WorkflowError::Refused(refusals) => refusals.into(),
            WorkflowError::ReferralNotAccepted { state, event, accepted } => ApiError::EventNotAccepted {
                what: "referral",
                state: state.as_str().to_owned(),
                event,
                accepted: accepted.iter().map(|event| event.as_str().to_owned()).collect(),
            },
            WorkflowError::NotAccepted(refusal) => ApiError::EventNotAccepted {
                what: "milestone",
                state: refusal.state.as_str().to_owned(),
                event: refusal.event,
                accepted: refusal.accepted.iter().map(|event| event.as_str().to_owned()).collect(),
            },
            WorkflowError::PreconditionFailed => ApiError::PreconditionFailed,
            WorkflowError::Stale(why) => ApiError::Conflict(stale(&why)),
            WorkflowError::Conflict(clash) => ApiError::Conflict(conflict(&clash)),
            WorkflowError::Forbidden(Denied::NoOrganizationToReferFrom) => {
                ApiError::Forbidden("Your account belongs to no organisation to refer from.")
            }
            WorkflowError::Forbidden(Denied::OtherSidesStep) => {
                ApiError::Forbidden("This step of the referral is the other organisation's to record.")
            }
            WorkflowError::Forbidden(Denied::NeedsConsentBasis) => ApiError::Forbidden(
                "The person narrowed or revoked this consent; record the basis of their new consent (basis) to give more.",
            ),
            WorkflowError::NotFound => ApiError::NotFound,
            WorkflowError::TooMany { why, retry_after } => {
                ApiError::TooMany { why: crowded(why), retry_after_seconds: retry_after.num_seconds().max(1) }
            }
            WorkflowError::Corrupt(corrupt) => corrupt.into(),
            WorkflowError::Database(err) => err.into(),
            WorkflowError::Internal(why) => ApiError::Internal(why),
        }
    }
}

fn crowded(why: Crowded) -> &'static str {
    match why {
        Crowded::Door(Door::ConfirmationForParty) => {
            "Too many addresses were added for this party today; try again tomorrow."
        }
        Crowded::Door(Door::ConfirmationToAddress) => {
            "This address was sent too many confirmations today; try again tomorrow."
        }
        Crowded::Door(Door::InvitationForParty) => {
            "Too many invitations were made for this party today; try again tomorrow."
        }
        Crowded::Door(Door::InvitationByIssuer) => "You made too many invitations today; try again tomorrow.",
        Crowded::Door(_) => "Too many requests; try again later.",
        Crowded::HashingBusy => "Too many sign-ins are being checked; try again in a moment.",
    }
}

fn stale(why: &Staleness) -> String {
    match why {
        Staleness::Version { current, sent } => {
            format!("The milestone is at version {current}, not {sent}; read it again and retry.")
        }
        Staleness::ChangedMeanwhile => "It changed meanwhile; read it again and retry.".to_owned(),
    }
}

/// A conflict in the API's words.
fn conflict(clash: &Clash) -> String {
    match clash {
        Clash::AlreadyInCustody { since } => format!("Custody is already recorded from {since}."),
        Clash::NotInCustody => "No custody is recorded as ongoing.".to_owned(),
        Clash::PlanEnded { why } => {
            format!("The follow-up plan has ended ({why}): set it again (PUT) once the person agrees to be contacted.")
        }
        Clash::ReferralOpen { referral_id } => {
            format!("The person already has an open referral to that organisation ({referral_id}).")
        }
        Clash::ChannelNotOffered { channel } => format!("The {channel} channel is not configured on this service."),
        Clash::AddressRecentlyRemoved => {
            "This address was removed before it was confirmed; it can be added again after a day.".to_owned()
        }
        Clash::AddressAlreadyHeld => "This party already has that address.".to_owned(),
        Clash::AddressNotWaiting => "This address is not waiting for a confirmation.".to_owned(),
        Clash::NotADeadLetter { status } => format!("This message is not a dead letter (it is {status})."),
        Clash::SignInMessageNotKept => "This message carried a sign-in code or link, which is not kept once given up: \
             its owner can ask for a new one."
            .to_owned(),
        Clash::ExternalIdTaken { external_id, kind } => {
            format!("Your external id {external_id} already names another {kind} date.")
        }
        Clash::PersonHasAccount => "This person already has an account.".to_owned(),
        Clash::RequestInFlight => "A request with this Idempotency-Key is still being processed.".to_owned(),
        Clash::LinkAlreadyActive => "This party already holds an active link to the person.".to_owned(),
        Clash::LinkRevoked => "This link is revoked; create a new link instead.".to_owned(),
        Clash::PartyDisabled => "This party is disabled; enable it first.".to_owned(),
        Clash::ImportHasRefusedRows { rows } => format!(
            "{rows} cell(s) of this file were refused; correct the file and import it again. Nothing was stored."
        ),
        Clash::CredentialsForSystemsOnly => {
            "Client credentials are for systems; a family member or the person signs in with an invitation or a code."
                .to_owned()
        }
    }
}
