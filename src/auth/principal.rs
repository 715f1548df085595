use uuid::Uuid;

use crate::domain::PartyRole;

/// The caller, as established from a verified token and, for parties, the stored party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub role: PartyRole,
    /// The stored party this caller is, when the token names one that exists.
    pub party_id: Option<Uuid>,
    /// The organisation of the stored party, never taken from the token alone.
    pub organization_id: Option<Uuid>,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == PartyRole::Admin
    }
}
