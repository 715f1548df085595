use crate::domain::ScopeKind;
use sea_orm::entity::prelude::*;

use super::states::AlertStatus;

use crate::domain::risk::Severity;

/// An alert to one recipient about one coming period, at one lead time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    pub series: String,
    pub person_id: Uuid,
    /// The party alerted; for a team alert, the organisation's id (see `team_organization_id`).
    pub recipient_party_id: Uuid,
    /// The link the alert relies on; none for an escalation to the facility.
    pub link_id: Option<Uuid>,
    pub rule: String,
    pub severity: Severity,
    pub scope_kind: ScopeKind,
    pub source_id: Uuid,
    pub starts_on: Date,
    pub ends_on: Date,
    pub lead_days: i32,
    pub due_at: DateTimeUtc,
    /// `pending`, `delivered` or `cancelled`.
    pub status: AlertStatus,
    pub cancel_reason: Option<String>,
    pub moved_earlier: bool,
    pub escalation_of: Option<Uuid>,
    pub delivered_at: Option<DateTimeUtc>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub escalated_at: Option<DateTimeUtc>,
    /// Set for an alert to the team of the organisation where the person is placed.
    pub team_organization_id: Option<Uuid>,
    /// Who acknowledged it: for a team alert, the staff member who did so for everyone.
    pub acknowledged_by: Option<Uuid>,
    /// A team alert hidden from the default list until this local date, with why.
    pub snoozed_until: Option<Date>,
    pub snooze_reason: Option<String>,
    /// A change notice: `moved_later` or `no_longer_coming`, with the date told and the new one.
    pub notice: Option<String>,
    pub notice_old_on: Option<Date>,
    pub notice_new_on: Option<Date>,
    /// For a critical team alert: when its ladder takes the next step, unless acknowledged.
    pub ladder_next_at: Option<DateTimeUtc>,
    pub acknowledged_via: Option<crate::domain::rota::AcknowledgedVia>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
