use sea_orm::entity::prelude::*;

use crate::domain::channels::EmailPreference;
use crate::domain::channels::LinePreference;
use crate::domain::channels::SmsPreference;
use crate::domain::Language;
use crate::domain::PartyRole;
use crate::domain::Zone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub role: PartyRole,
    pub display_name: String,
    pub organization_id: Option<Uuid>,
    pub language: Language,
    pub timezone: Zone,
    /// Local time `HH:MM`; quiet hours are either both set or both absent.
    pub quiet_hours_start: Option<String>,
    pub quiet_hours_end: Option<String>,
    /// For a `person` party: the person they are.
    pub person_id: Option<Uuid>,
    /// Set while the party is disabled: every token and session of theirs is refused.
    pub disabled_at: Option<DateTimeUtc>,
    /// `immediate`, `digest` or `off`.
    pub email_preference: EmailPreference,
    /// `critical`, `all` or `off`.
    pub sms_preference: SmsPreference,
    /// `immediate`, `critical` or `off`.
    pub line_preference: LinePreference,
    /// Local time `HH:MM` of the daily digest.
    pub digest_at: String,
    /// Whether e-mail bodies may say what an alert is about (never a lapse without consent).
    pub email_detail: bool,
    /// The organisation whose staff created the party for one of its residents, if any.
    pub opened_by_organization_id: Option<Uuid>,
    /// The first time the party signed in; until then staff who opened it may open its doors.
    pub first_signed_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
