use sea_orm::entity::prelude::*;

/// One provision of a person's data to a third party: who got what about whom, when, and
/// under which consent. Required by Japan's Act on the Protection of Personal Information.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provision_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// `inbox`, `webhook` or `calendar_feed`.
    pub channel: String,
    /// Who received it: a party id, or a webhook subscription.
    pub recipient: String,
    pub recipient_party_id: Option<Uuid>,
    /// What was provided, in words.
    pub items: String,
    /// `link_consent` (a link's consent) or `facility_care` (the person's facility).
    pub basis: String,
    pub link_id: Option<Uuid>,
    /// The consent decision in force when the data went out.
    pub consent_record_id: Option<Uuid>,
    /// The alert (or other record) that carried the data.
    pub source_id: Option<Uuid>,
    pub provided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
