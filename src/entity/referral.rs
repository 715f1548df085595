use sea_orm::entity::prelude::*;

use crate::domain::{referral::ReferralState, BasisKind};

/// One organisation handing a person on to another, with what it shares and on whose consent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "referrals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub from_organization_id: Uuid,
    pub to_organization_id: Uuid,
    /// Who made it: staff of the referring organisation, or a probation party.
    pub from_party_id: Uuid,
    pub reason: String,
    /// The milestone kinds the receiving side may see, as a link's scope is stored.
    pub scope: String,
    /// How the person's consent to this provision was obtained, where it is kept, and when.
    pub consent_basis: BasisKind,
    pub consent_reference: String,
    pub consent_on: Date,
    pub state: ReferralState,
    pub state_since: Date,
    pub referred_on: Date,
    /// When the receiving side first saw anything of the person: the provision was recorded then.
    pub first_seen_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl Model {
    /// The parties this referral names, as the access rule takes them.
    pub fn parties(&self) -> crate::domain::access::referrals::ReferralParties {
        crate::domain::access::referrals::ReferralParties {
            person_id: self.person_id,
            from_organization_id: self.from_organization_id,
            to_organization_id: self.to_organization_id,
            from_party_id: self.from_party_id,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
