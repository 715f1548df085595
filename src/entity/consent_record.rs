use sea_orm::entity::prelude::*;

use crate::domain::BasisKind;
use crate::domain::PartyRole;

/// One consent decision on a link: granted, changed or revoked. Never updated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub link_id: Uuid,
    pub change: String,
    pub scope: String,
    pub expires_on: Option<Date>,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: String,
    pub recorded_by_role: PartyRole,
    /// When staff widened or re-created consent the person had narrowed or revoked: how the
    /// person consented again (`written` or `in_person`), a reference and the day.
    pub basis: Option<BasisKind>,
    pub basis_reference: Option<String>,
    pub basis_on: Option<Date>,
    /// `staff_invitation` when made in a session that a staff member's invitation began.
    pub via: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
