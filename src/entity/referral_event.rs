use sea_orm::entity::prelude::*;

use crate::domain::{
    referral::{ReferralEvent, ReferralState},
    PartyRole,
};

/// One step of a referral: what happened, on which day, recorded by whom.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referral_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub referral_id: Uuid,
    /// `refer` for the first step, then the machine's events.
    pub event: String,
    /// The state before; the first step comes from `requested` to `requested`.
    pub from_state: ReferralState,
    pub to_state: ReferralState,
    pub on: Date,
    pub note: Option<String>,
    pub actor_party_id: Option<Uuid>,
    pub actor_role: PartyRole,
    pub recorded_at: DateTimeUtc,
}

impl Model {
    /// The machine's event, or none for the first step.
    pub fn machine_event(&self) -> Option<ReferralEvent> {
        self.event.parse().ok()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
