//! The HTTP API under `/api/v1`: thin handlers over the domain and the store.

mod alerts;
mod audit;
mod channels;
mod credentials;
mod custody;
mod dead_letters;
mod deliveries;
mod errors;
mod feeds;
mod follow_up;
mod imports;
mod integrations;
mod invitations;
mod lapses;
mod lifecycle;
mod links;
mod machines;
mod me;
mod milestones;
mod organizations;
mod outcomes;
mod pagination;
mod parties;
mod persons;
mod placements;
mod planning;
mod prebuilt;
mod provisions;
mod reach;
mod referrals;
mod risk;
mod rota;
mod security;
mod service_imports;
mod services;
mod sessions;
mod spec;
mod team;
mod timeline;
mod types;
mod webhooks;

use poem_openapi::{OpenApi, OpenApiService, Tags};

pub use security::Authenticated;

pub const BASE_PATH: &str = "/api/v1";

#[derive(Tags)]
pub enum ApiTags {
    /// Recovery facilities, probation offices, law offices and the other organisations involved.
    Organizations,
    /// Accounts that sign in: staff, lawyers, family members, probation systems, persons, admins.
    Parties,
    /// The persons whose reentry is tracked, holding as little as the job needs, and their placements.
    Persons,
    /// Links between a person and the parties around them, with the consent each holds.
    Links,
    /// Bail, release, the employment-support window and programmes: each a state machine.
    Milestones,
    /// High-risk periods ahead and what is coming.
    Risk,
    /// Alerts: the inbox and acknowledgement.
    Alerts,
    /// Probation-office systems pushing scheduled dates.
    Integrations,
    /// The append-only record of every read and write of a person's data.
    Audit,
    /// The caller's own account.
    Me,
}

pub fn service() -> OpenApiService<impl OpenApi, ()> {
    OpenApiService::new(
        (
            (organizations::OrganizationsApi, parties::PartiesApi, persons::PersonsApi, placements::PlacementsApi),
            (links::LinksApi, milestones::MilestonesApi, machines::MachinesApi, custody::CustodyApi, lapses::LapsesApi),
            (
                timeline::TimelineApi,
                risk::RiskApi,
                alerts::AlertsApi,
                team::TeamApi,
                integrations::IntegrationsApi,
                webhooks::WebhooksApi,
            ),
            (provisions::ProvisionsApi, audit::AuditApi, planning::PlanningApi, me::MeApi, feeds::FeedsApi),
            (reach::ReachApi, channels::ChannelsApi, deliveries::DeliveriesApi, dead_letters::DeadLettersApi),
            (invitations::InvitationsApi, credentials::CredentialsApi, sessions::SessionsApi, outcomes::OutcomesApi),
            (
                lifecycle::LifecycleApi,
                imports::ImportsApi,
                rota::RotaApi,
                referrals::ReferralsApi,
                follow_up::FollowUpApi,
            ),
            (services::ServicesApi, service_imports::ServiceImportsApi),
        ),
        "Tsunagu",
        env!("CARGO_PKG_VERSION"),
    )
    .summary("Reentry-support tracker")
    .description(
        "Tsunagu keeps a person in recovery from drug dependence connected to their lawyer, family and \
         recovery facility through bail, release and the months after. Every error is an RFC 9457 \
         `application/problem+json` document. Anything a caller may not see answers 404, exactly like an \
         id that does not exist.",
    )
    .server(BASE_PATH)
}

/// The OpenAPI document, byte for byte as `tsunagu openapi` prints it, `/openapi.json` serves it
/// and `openapi/openapi.json` holds it.
pub fn document() -> String {
    let mut spec = spec::finish(&service().spec());
    spec.push('\n');
    spec
}
