use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    audit::AuditLog,
    auth::KeyRing,
    clock::Clock,
    domain::{milestones::WindowPolicy, risk::RiskRule},
};

/// What every request handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Every write, and reads that must see them at once.
    pub db: DatabaseConnection,
    /// The hot read paths: on SQLite a pool of read-only connections beside the one writer.
    pub reads: DatabaseConnection,
    pub audit: AuditLog,
    pub keys: KeyRing,
    pub clock: Arc<dyn Clock>,
    pub policy: WindowPolicy,
    pub rules: Arc<Vec<RiskRule>>,
    pub escalate_after: chrono::Duration,
    /// The service's address as the outside sees it, for URLs it hands out.
    pub public_url: Option<String>,
    /// `TSUNAGU_WEBHOOK_ALLOW_PRIVATE`: let webhooks call private and loopback addresses.
    pub webhook_allow_private: bool,
}

impl AppState {
    /// Today's date in a zone: dates in Tsunagu are local dates.
    pub fn today_in(&self, zone: crate::domain::Zone) -> chrono::NaiveDate {
        self.clock.now().with_timezone(&zone.tz()).date_naive()
    }
}
