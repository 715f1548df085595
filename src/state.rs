use std::sync::Arc;

use crate::{
    audit::AuditLog,
    auth::KeyRing,
    cache::ReadCache,
    clock::Clock,
    domain::{milestones::WindowPolicy, risk::RiskRule},
    store::{Reads, Writer},
};

/// What every request handler may use: one handle to the parts below.
///
/// poem gives every request its own clone of it (`.data`), so a clone is one reference count.
/// When it held the parts themselves, each request copied the signing keys and the public URL
/// and counted a score of references up and down (0.8 % of the server under `upcoming`).
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

impl From<AppParts> for AppState {
    fn from(parts: AppParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The parts of [`AppState`], built once at start.
pub struct AppParts {
    /// Every write, and reads that must see them at once.
    pub db: Writer,
    /// The hot read paths: on SQLite a pool of read-only connections beside the one writer.
    pub reads: Reads,
    /// What the hot read paths keep between writes.
    pub cache: Arc<ReadCache>,
    pub audit: AuditLog,
    pub keys: KeyRing,
    pub clock: Arc<dyn Clock>,
    pub policy: WindowPolicy,
    pub rules: Arc<Vec<RiskRule>>,
    pub escalate_after: chrono::Duration,
    /// The service's address as the outside sees it, for URLs it hands out.
    pub public_url: Option<String>,
    /// The longest a team alert may be snoozed, in days.
    pub snooze_max_days: u32,
    /// How long a referral may wait for an answer before its referrer is alerted.
    pub referrals: crate::domain::referral::ReferralPolicy,
    pub follow_up: crate::domain::follow_up::FollowUpPolicy,
    /// How long a person may be idle before the retention review lists them, in years.
    pub retention_years: u32,
    /// How long a connection may stay silent, and a body take to arrive.
    pub read_timeout: std::time::Duration,
    /// The longest a bearer token may be valid.
    pub token_max_lifetime: chrono::Duration,
    /// When the scheduler last finished a tick, for `/healthz`.
    pub scheduler: Arc<SchedulerHealth>,
    /// What the outbox sends with: e-mail, SMS and webhook clients, its slots and claims, and
    /// the bell rung when a message someone waits for (a sign-in code) is written.
    pub outbox: crate::outbox::Outbox,
    /// Addresses a sign-in code was asked for, answered off the request path.
    pub code_requests: Arc<crate::outbox::CodeRequests>,
    /// The Argon2 workers: a fixed few, each hashing in its own memory kept for good.
    pub hashing: Arc<crate::auth::HashingPool>,
}

/// Whether the scheduler is keeping up: `/healthz` answers 503 once no tick has completed for
/// `STALE_AFTER_TICKS` intervals (by the state's clock), since alerts then go out to no one.
#[derive(Debug)]
pub struct SchedulerHealth {
    pub interval: std::time::Duration,
    started_at: chrono::DateTime<chrono::Utc>,
    last_success: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    /// How many organisations keeping a rota had no one on duty at the last tick: counted
    /// there, once per tick, so that a probe of `/healthz` reads no rota.
    uncovered: std::sync::Mutex<Option<usize>>,
}

impl SchedulerHealth {
    pub const STALE_AFTER_TICKS: u32 = 3;

    pub fn new(interval: std::time::Duration, now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            interval,
            started_at: now,
            last_success: std::sync::Mutex::new(None),
            uncovered: std::sync::Mutex::new(None),
        }
    }

    pub fn succeeded(&self, at: chrono::DateTime<chrono::Utc>) {
        if let Ok(mut last) = self.last_success.lock() {
            *last = Some(at);
        }
    }

    pub fn set_uncovered(&self, count: usize) {
        if let Ok(mut uncovered) = self.uncovered.lock() {
            *uncovered = Some(count);
        }
    }

    /// As of the last tick; `None` before the first.
    pub fn uncovered(&self) -> Option<usize> {
        self.uncovered.lock().ok().and_then(|uncovered| *uncovered)
    }

    pub fn last_success(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.last_success.lock().ok().and_then(|last| *last)
    }

    /// No tick has completed in the last few intervals (counted from start before the first).
    pub fn is_stale(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        let since = self.last_success().unwrap_or(self.started_at);
        let allowed =
            chrono::Duration::from_std(self.interval * Self::STALE_AFTER_TICKS).unwrap_or(chrono::Duration::MAX);
        now.signed_duration_since(since) > allowed
    }
}

impl AppParts {
    /// Today's date in a zone: dates in Tsunagu are local dates.
    pub fn today_in(&self, zone: crate::domain::Zone) -> chrono::NaiveDate {
        self.clock.now().with_timezone(&zone.tz()).date_naive()
    }
}
