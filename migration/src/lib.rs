pub use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_people_and_access;
mod m0003_milestones;
mod m0004_alerts;
mod m0005_provision_records;
mod m0006_schedule_integration;
mod m0007_calendar_feeds;
mod m0008_webhooks;
mod m0009_scale_indexes;
mod m0010_safeguards;
mod m0011_team_alerts;
mod m0012_channels;
mod m0013_sign_in;
mod m0014_organization_contact;
mod m0015_erasures;
mod m0016_audit_lists;
mod m0017_safeguards_two;
mod m0018_delivery;
mod m0019_session_counts;
mod m0020_first_start_and_imports;
mod m0021_discreet_calendars;
mod m0022_message_subjects;
mod m0023_rota;
mod m0024_line;
mod m0025_referrals;
mod m0026_follow_up;
mod m0027_directory;
mod m0028_lean_audit;
mod m0029_ladder_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_people_and_access::Migration),
            Box::new(m0003_milestones::Migration),
            Box::new(m0004_alerts::Migration),
            Box::new(m0005_provision_records::Migration),
            Box::new(m0006_schedule_integration::Migration),
            Box::new(m0007_calendar_feeds::Migration),
            Box::new(m0008_webhooks::Migration),
            Box::new(m0009_scale_indexes::Migration),
            Box::new(m0010_safeguards::Migration),
            Box::new(m0011_team_alerts::Migration),
            Box::new(m0012_channels::Migration),
            Box::new(m0013_sign_in::Migration),
            Box::new(m0014_organization_contact::Migration),
            Box::new(m0015_erasures::Migration),
            Box::new(m0016_audit_lists::Migration),
            Box::new(m0017_safeguards_two::Migration),
            Box::new(m0018_delivery::Migration),
            Box::new(m0019_session_counts::Migration),
            Box::new(m0020_first_start_and_imports::Migration),
            Box::new(m0021_discreet_calendars::Migration),
            Box::new(m0022_message_subjects::Migration),
            Box::new(m0023_rota::Migration),
            Box::new(m0024_line::Migration),
            Box::new(m0025_referrals::Migration),
            Box::new(m0026_follow_up::Migration),
            Box::new(m0027_directory::Migration),
            Box::new(m0028_lean_audit::Migration),
            Box::new(m0029_ladder_index::Migration),
        ]
    }
}
