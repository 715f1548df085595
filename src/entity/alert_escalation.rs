use sea_orm::entity::prelude::*;

use crate::domain::{
    channels::Channel,
    rota::{Rung, Skipped},
};

/// One step of a team alert's ladder: whom it reached for, on which channel, or why it
/// reached no one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_escalations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub alert_id: Uuid,
    /// None when no one was on duty.
    pub party_id: Option<Uuid>,
    pub rung: Rung,
    /// The channel a message went on; none for a skipped step.
    pub channel: Option<Channel>,
    pub skipped: Option<Skipped>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
