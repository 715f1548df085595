//! sea-orm entities: the rows as stored. API schemas and domain types live in the `tsunagu` crate.

pub mod audit_event;
pub mod consent_record;
pub mod link;
pub mod organization;
pub mod party;
pub mod person;
pub mod placement;
pub mod signing_key;
