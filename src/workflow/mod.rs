//! The use cases that change something: each loads what it needs, asks the domain, and stores
//! the whole change — steps, events, effects and the request to plan alerts again — in one
//! transaction. Handlers call exactly one of these; nothing here knows about HTTP.

mod accounts;
pub mod alerts;
mod callbacks;
mod clash;
mod contact_points;
mod custody;
pub mod dead_letters;
mod delivery;
pub mod digests;
mod directory;
pub mod feeds;
pub mod follow_up;
pub mod handover;
mod imports;
pub mod inbox;
mod keyed;
mod lapses;
mod lifecycle;
pub mod line;
mod links;
mod milestones;
pub mod on_duty;
pub mod outcomes;
mod persons;
mod placements;
pub mod referrals;
mod roster;
pub mod rota;
mod schedule;
mod schedule_push;
pub mod services;
pub mod sign_in;

use sea_orm::DbErr;

pub use accounts::{open_account, AccountFor, NewAccount, Opened};
pub use callbacks::{forget_old_receipts, receipt_received, text_received, TextReceived, RECEIPTS_TAKEN_FOR_DAYS};
pub use clash::{Clash, Crowded, Denied, Staleness};
pub use contact_points::{
    add_contact_point, confirm_contact_point, contact_by_unsubscribe_token, pending_confirmation, remove_contact_point,
    resend_confirmation, set_preferences, unsubscribe,
};
pub use custody::record_custody;
pub use delivery::{acknowledge_alert, delete_webhook, log_contact, snooze_alert, subscribe_webhook, wake_alert};
pub use directory::{
    create_organization, create_party, update_organization, update_party, update_person, LinkWithParty,
};
pub use imports::{check_import, confirm_import, find_import, preview, Confirmed, Preview};
pub use keyed::{begin_keyed, finish_keyed, Keyed};
pub use lapses::record_lapse;
pub use lifecycle::{erase_person, expire_provisions, retention_review, IdlePerson, PROVISION_KEEP_YEARS};
pub use links::{change_link, choose_sharing, create_link, offered_scope, revoke_link, LinkChange, NewLink};
pub use milestones::{
    create_milestone, history_of, milestone_of, milestones_of, record_event, update_milestone, EventRequest,
};
pub use persons::create_person;
pub use placements::{add_placement, change_placement};
pub use roster::{links_held, organization, placed_now, visible_persons};
pub use schedule::{catch_up_windows, current_schedule, Schedule, ScheduledDate};
pub use schedule_push::{push_schedule, ScheduleItem, Upserted};

use crate::{
    auth::Principal,
    domain::{
        custody::CustodyRefused,
        milestones::{NotAccepted, Refused},
        referral::{ReferralEvent, ReferralState},
        Refusals,
    },
    store::{
        milestones::{Actor, SaveError},
        Corrupt,
    },
};

/// Why a use case did not go through. The API maps each to a status; nothing else does.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The domain refused these fields; nothing was stored.
    #[error("refused")]
    Refused(Refusals),
    /// The milestone's state does not take that event.
    #[error("event not accepted")]
    NotAccepted(NotAccepted),
    /// The referral's state does not take that event.
    #[error("referral event not accepted")]
    ReferralNotAccepted { state: ReferralState, event: String, accepted: Vec<ReferralEvent> },
    /// `If-Match` named a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The change was based on a version that is no longer current, or another request
    /// changed the row meanwhile.
    #[error("stale: {0:?}")]
    Stale(Staleness),
    /// The change conflicts with what is stored.
    #[error("conflict: {0:?}")]
    Conflict(Clash),
    /// The caller may not make this change (e.g. widening consent the person narrowed without
    /// recording the person's new consent).
    #[error("forbidden: {0:?}")]
    Forbidden(Denied),
    /// The thing to change is gone (deleted between the access check and the change).
    #[error("not found")]
    NotFound,
    /// A limit on how often this may be done was reached; try again after this long.
    #[error("too many: {why:?}")]
    TooMany { why: Crowded, retry_after: chrono::Duration },
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
    #[error(transparent)]
    Database(#[from] DbErr),
    /// Something on our side failed that is not the database (hashing, signing).
    #[error("internal: {0}")]
    Internal(String),
}

impl WorkflowError {
    /// Whether it is the database taking no writes for now (disk full, read-only, locked):
    /// nothing was stored, and the same request may succeed in a minute.
    pub fn storage_unavailable(&self) -> bool {
        matches!(self, Self::Database(err) if crate::database::storage_unavailable(err))
    }
}

impl From<Refusals> for WorkflowError {
    fn from(refusals: Refusals) -> Self {
        WorkflowError::Refused(refusals)
    }
}

impl From<Refused> for WorkflowError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::NotAccepted(not_accepted) => WorkflowError::NotAccepted(not_accepted),
            Refused::Fields(refusals) => WorkflowError::Refused(refusals),
        }
    }
}

impl From<CustodyRefused> for WorkflowError {
    fn from(refused: CustodyRefused) -> Self {
        match refused {
            CustodyRefused::AlreadyInCustody { since } => WorkflowError::Conflict(Clash::AlreadyInCustody { since }),
            CustodyRefused::NotInCustody => WorkflowError::Conflict(Clash::NotInCustody),
            CustodyRefused::Fields(refusals) => WorkflowError::Refused(refusals),
        }
    }
}

impl From<SaveError> for WorkflowError {
    fn from(err: SaveError) -> Self {
        match err {
            SaveError::Stale => WorkflowError::Stale(Staleness::ChangedMeanwhile),
            SaveError::Database(err) => err.into(),
        }
    }
}

/// What the caller based a change on: `If-Match` (412 when stale) and/or a `version` in the
/// body (409 when stale). Checked against the row read inside the change's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Precondition {
    /// The entity tags `If-Match` named; `None` for `*` or no header.
    pub if_match: Option<Vec<i64>>,
    pub version: Option<i64>,
}

impl Precondition {
    fn check(&self, current: i64) -> Result<(), WorkflowError> {
        if self.if_match.as_ref().is_some_and(|versions| !versions.contains(&current)) {
            return Err(WorkflowError::PreconditionFailed);
        }
        match self.version {
            Some(sent) if sent != current => Err(WorkflowError::Stale(Staleness::Version { current, sent })),
            _ => Ok(()),
        }
    }
}

/// The actor a caller is in milestone histories.
pub fn actor(principal: &Principal) -> Actor {
    Actor { id: principal.actor_id(), role: principal.role.as_str().to_owned() }
}
