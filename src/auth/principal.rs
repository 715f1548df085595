use uuid::Uuid;

use crate::domain::{access::Caller, Language, PartyRole};

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A bearer token minted by `tsunagu token`.
    Token,
    /// A bearer token issued to an OAuth client (client-credentials grant).
    Client(Uuid),
    /// A browser's session cookie.
    Session(Uuid),
}

/// The caller, as established from a verified token or session and, for parties, the stored party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub role: PartyRole,
    /// The stored party this caller is, when the token names one that exists.
    pub party_id: Option<Uuid>,
    /// The organisation of the stored party, never taken from the token alone.
    pub organization_id: Option<Uuid>,
    /// For a `person` party: the person they are.
    pub person_id: Option<Uuid>,
    pub via: Via,
    /// The language the party reads (Japanese for an admin minted by name): what the caller is
    /// sent back in, known with the party so no request asks for it again.
    pub language: Language,
    /// The caller's session began from an invitation a staff member made: what it changes is
    /// recorded so (the party may not be who staff said).
    pub from_staff_invitation: bool,
}

impl Principal {
    /// A stored party, as the role it holds.
    pub fn of_party(party: &crate::entity::party::Model, role: PartyRole, via: Via) -> Self {
        Self {
            subject: party.id.to_string(),
            role,
            party_id: Some(party.id),
            organization_id: party.organization_id,
            person_id: party.person_id,
            via,
            // A stored language that does not parse is read as the default, not refused: the
            // caller is still who they are.
            language: party.language,
            from_staff_invitation: false,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == PartyRole::Admin
    }

    /// Who the caller is in histories and the audit log: their party id, or an admin's name.
    pub fn actor_id(&self) -> String {
        self.party_id.map(|id| id.to_string()).unwrap_or_else(|| self.subject.clone())
    }

    /// How a consent change by this caller is recorded beyond who made it.
    pub fn consent_via(&self) -> Option<&'static str> {
        self.from_staff_invitation.then_some("staff_invitation")
    }

    /// The caller as the access policy sees them.
    pub fn caller(&self) -> Caller {
        Caller {
            role: self.role,
            party_id: self.party_id,
            organization_id: self.organization_id,
            person_id: self.person_id,
        }
    }
}
