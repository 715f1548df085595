//! sea-orm entities: the rows as stored. API schemas and domain types live in the `tsunagu` crate.

pub mod organization;
pub mod party;
pub mod person;
pub mod signing_key;
