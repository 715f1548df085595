//! Why a change conflicts with what is stored, as a code with its values: the words are chosen
//! at the edge (the API's problem details, the pages in the reader's language).

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clash {
    /// Custody is already recorded from this day.
    AlreadyInCustody {
        since: NaiveDate,
    },
    /// No custody is recorded as ongoing (or none at all).
    NotInCustody,
    /// The service sends nothing on this channel.
    ChannelNotOffered {
        channel: &'static str,
    },
    /// The address was removed before it was confirmed; it can be added again after a day.
    AddressRecentlyRemoved,
    AddressAlreadyHeld,
    /// The address is confirmed (or stopped by its owner): no confirmation is sent to it.
    AddressNotWaiting,
    /// The message is no dead letter, but `status`.
    NotADeadLetter {
        status: String,
    },
    /// A sign-in code or link is not kept once given up.
    SignInMessageNotKept,
    /// A system's external id already names another kind of date.
    ExternalIdTaken {
        external_id: String,
        kind: String,
    },
    PersonHasAccount,
    LinkAlreadyActive,
    LinkRevoked,
    PartyDisabled,
    /// Client credentials are for systems, not for family or the person.
    CredentialsForSystemsOnly,
    /// A request under the same `Idempotency-Key` is still being done.
    RequestInFlight,
    /// A spreadsheet with refused cells is not stored until they are corrected.
    ImportHasRefusedRows {
        rows: usize,
    },
    /// The follow-up plan has ended (`withdrew`, `consent_ended`): nothing more is recorded on it.
    PlanEnded {
        why: &'static str,
    },
    /// The person already has an open referral to that organisation.
    ReferralOpen {
        referral_id: uuid::Uuid,
    },
}

/// Why the change was based on a version no longer current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// The change named `sent`; the record is at `current`.
    Version { current: i64, sent: i64 },
    /// Another request changed the record meanwhile.
    ChangedMeanwhile,
}

/// Why the caller is asked to come back later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crowded {
    /// A door counted inside a change was knocked on too often.
    Door(crate::domain::sign_in::Door),
    /// Too many sign-ins are being checked at once.
    HashingBusy,
}

/// Why the caller may not make this change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The person narrowed or revoked this consent: giving more needs their new consent's basis.
    NeedsConsentBasis,
    /// A referral is made from an organisation, and the caller's account belongs to none.
    NoOrganizationToReferFrom,
    /// This event of a referral is the other side's to record.
    OtherSidesStep,
}
