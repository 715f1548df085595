//! sea-orm entities: the rows as stored. API schemas and domain types live in the `tsunagu` crate.

pub mod alert;
pub mod alert_contact;
pub mod audit_event;
pub mod calendar_feed;
pub mod consent_record;
pub mod contact_point;
pub mod custody_period;
pub mod digest;
pub mod idempotency_key;
pub mod lapse;
pub mod link;
pub mod milestone;
pub mod milestone_event;
pub mod organization;
pub mod outbox_attempt;
pub mod outbox_message;
pub mod party;
pub mod person;
pub mod placement;
pub mod plan_request;
pub mod provision_record;
pub mod schedule_entry;
pub mod signing_key;
pub mod webhook_subscription;
