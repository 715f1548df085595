//! Work that the passing of time brings: run every tick inside `serve`, and driven directly by
//! tests through [`tick`], which does one step's work and returns.

use std::{panic::AssertUnwindSafe, time::Duration};

use futures::FutureExt;

use crate::{
    outbox,
    state::AppState,
    workflow::{self, alerts, digests},
};

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// Window transitions that days passing brought about (opened, expired).
    pub window_steps: usize,
    /// Persons whose alerts were planned again.
    pub replanned: usize,
    /// Critical alerts escalated to the facility.
    pub escalated: usize,
    /// Critical team alerts that took a step up their rota's ladder.
    pub climbed: usize,
    /// Hand-overs written at shift changes.
    pub handovers: usize,
    pub delivered: usize,
    /// Alerts held back by quiet hours.
    pub held: usize,
    pub cancelled: usize,
    /// Daily digests written.
    pub digests: usize,
    /// Families told that a class's deadline to apply is near.
    pub class_reminders: usize,
    /// Provision records deleted after their keeping period.
    pub provisions_expired: u64,
    /// Outbox messages (webhooks, e-mail, SMS) handed over, scheduled for retry, and given up on.
    pub messages_delivered: usize,
    pub messages_retried: usize,
    pub messages_dead: usize,
}

/// One step of scheduled work as of the state's clock, then everything it made due sent and
/// settled: for tests and the bench, which drive time themselves. A serving instance plans on
/// its interval ([`plan`]) and sends beside it ([`outbox::run`]).
pub async fn tick(state: &AppState) -> Result<TickReport, workflow::WorkflowError> {
    let planned = plan(state).await?;
    let messages = outbox::deliver(&state.outbox).await?;
    Ok(TickReport {
        messages_delivered: messages.delivered,
        messages_retried: messages.retried,
        messages_dead: messages.dead,
        ..planned
    })
}

/// The scheduler's own work as of the state's clock: windows, planning, escalation, alert
/// delivery (which writes the outbox), digests and the forgetting of what has expired. It
/// sends nothing itself, so no peer's slowness delays it.
pub async fn plan(state: &AppState) -> Result<TickReport, workflow::WorkflowError> {
    workflow::sign_in::send_requested_codes(state).await?;
    let window_steps = workflow::catch_up_windows(state, None).await?;
    let replanned = alerts::replan_requested(state).await?;
    let escalated = alerts::escalate(state).await?;
    let delivery = alerts::deliver_due(state).await?;
    let climbed = workflow::on_duty::climb(state).await?;
    let handovers = workflow::handover::write_due(state).await?;
    state.scheduler.set_uncovered(workflow::rota::uncovered_now(state).await?);
    let digests = digests::write_due(state).await?;
    let class_reminders = workflow::services::remind_of_deadlines(state).await?;
    let provisions_expired = workflow::expire_provisions(state, state.clock.now()).await?;
    // Rate-limit windows last a day at most; older ones count nothing.
    crate::store::rate_limits::forget_before(&state.db, state.clock.now() - chrono::Duration::days(2)).await?;
    workflow::forget_old_receipts(state).await?;
    workflow::line::forget_spent(state).await?;
    state.scheduler.succeeded(state.clock.now());
    // What planning wrote to the outbox goes now, not at the delivery loop's next look.
    state.outbox.send_now.notify_one();
    Ok(TickReport {
        provisions_expired,
        digests,
        class_reminders,
        window_steps,
        replanned,
        escalated,
        climbed,
        handovers,
        delivered: delivery.delivered,
        held: delivery.held,
        cancelled: delivery.cancelled,
        ..TickReport::default()
    })
}

/// What someone is waiting for: the codes asked for, written and sent at once.
pub async fn send_waiting(state: &AppState) -> Result<(), workflow::WorkflowError> {
    workflow::sign_in::send_requested_codes(state).await?;
    outbox::deliver(&state.outbox).await?;
    Ok(())
}

/// Plans every `every` until the process ends. A round that fails or panics is logged and the
/// next one runs as usual: nothing one round meets may stop alerts for everyone.
pub async fn run(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match AssertUnwindSafe(plan(&state)).catch_unwind().await {
            Ok(Ok(report)) if report != TickReport::default() => tracing::info!(?report, "scheduler tick"),
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "scheduler tick failed"),
            Err(panic) => tracing::error!(panic = crate::telemetry::panic_message(&panic), "scheduler tick panicked"),
        }
    }
}
