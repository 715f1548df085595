//! Columns that hold a domain type. A row's text is read into its type as the row is loaded, so
//! nothing above the store parses stored text; text that is none of the type's values fails the
//! read naming the column's kind (never the row's data) instead of reaching a decision as a guess.

use super::states::{AlertStatus, MessageChannel, MessageStatus, Receipt};
use crate::domain::{
    channels::{Channel, ContactStatus, EmailPreference, LinePreference, SmsPreference},
    follow_up::{Cadence, Channel as ContactChannel, Outcome as CheckInOutcome},
    milestones::{Event, MilestoneKind, Program, ReleaseType, State},
    referral::ReferralState,
    risk::Severity,
    rota::{AcknowledgedVia, Rung, Skipped},
    schedule::ScheduleKind,
    sign_in::{SessionEnd, SignInMethod},
    team::ContactOutcome,
    BasisKind, Language, OrganizationKind, PartyRole, Relationship, ScopeKind, Zone,
};

/// Stores a type as its text form (`Display`) and reads it back with `FromStr`.
macro_rules! stored_as_text {
    ($($ty:ty => $what:literal),+ $(,)?) => {$(
        impl From<$ty> for sea_orm::Value {
            fn from(value: $ty) -> Self {
                value.to_string().into()
            }
        }

        impl sea_orm::TryGetable for $ty {
            fn try_get_by<I: sea_orm::ColIdx>(res: &sea_orm::QueryResult, idx: I) -> Result<Self, sea_orm::TryGetError> {
                let text = String::try_get_by(res, idx)?;
                text.parse().map_err(|_| {
                    sea_orm::TryGetError::DbErr(sea_orm::DbErr::Type(format!("a stored {} is none of its values", $what)))
                })
            }
        }

        impl sea_orm::sea_query::ValueType for $ty {
            fn try_from(value: sea_orm::Value) -> Result<Self, sea_orm::sea_query::ValueTypeErr> {
                let text = <String as sea_orm::sea_query::ValueType>::try_from(value)?;
                text.parse().map_err(|_| sea_orm::sea_query::ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }

            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::Text
            }
        }

        impl sea_orm::sea_query::Nullable for $ty {
            fn null() -> sea_orm::Value {
                sea_orm::Value::String(None)
            }
        }
    )+};
}

stored_as_text! {
    AlertStatus => "alert status",
    MessageChannel => "message channel",
    MessageStatus => "message status",
    Receipt => "receipt",
    BasisKind => "consent basis",
    Channel => "channel",
    ContactOutcome => "contact outcome",
    ContactStatus => "contact status",
    EmailPreference => "e-mail preference",
    Event => "milestone event",
    Language => "language",
    MilestoneKind => "milestone kind",
    OrganizationKind => "organisation kind",
    PartyRole => "role",
    Program => "programme",
    Relationship => "relationship",
    ReleaseType => "release type",
    ScheduleKind => "schedule kind",
    ScopeKind => "scope kind",
    SessionEnd => "session end",
    Severity => "severity",
    SignInMethod => "sign-in method",
    SmsPreference => "SMS preference",
    LinePreference => "LINE preference",
    State => "milestone state",
    Zone => "time zone",
    Rung => "rung",
    Skipped => "skipped step",
    AcknowledgedVia => "acknowledgement channel",
    ReferralState => "referral state",
    Cadence => "follow-up cadence",
    CheckInOutcome => "check-in outcome",
    ContactChannel => "contact channel",
}
