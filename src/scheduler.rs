//! Work that the passing of time brings: run every tick inside `serve`, and driven directly by
//! tests through [`tick`], which does one step's work and returns.

use std::time::Duration;

use crate::{alerts, state::AppState, webhooks, workflow};

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// Window transitions that days passing brought about (opened, expired).
    pub window_steps: usize,
    /// Persons whose alerts were planned again.
    pub replanned: usize,
    /// Critical alerts escalated to the facility.
    pub escalated: usize,
    pub delivered: usize,
    /// Alerts held back by quiet hours.
    pub held: usize,
    pub cancelled: usize,
    /// Webhook messages delivered, scheduled for retry, and given up on.
    pub webhooks_delivered: usize,
    pub webhooks_retried: usize,
    pub webhooks_dead: usize,
}

/// One step of scheduled work as of the state's clock: windows, planning, escalation, delivery.
pub async fn tick(state: &AppState) -> Result<TickReport, workflow::WorkflowError> {
    let window_steps = workflow::catch_up_windows(state, None).await?;
    let replanned = alerts::replan_requested(state).await?;
    let escalated = alerts::escalate(state).await?;
    let delivery = alerts::deliver_due(state).await?;
    let webhooks = webhooks::deliver(state).await?;
    Ok(TickReport {
        webhooks_delivered: webhooks.delivered,
        webhooks_retried: webhooks.retried,
        webhooks_dead: webhooks.dead,
        window_steps,
        replanned,
        escalated,
        delivered: delivery.delivered,
        held: delivery.held,
        cancelled: delivery.cancelled,
    })
}

pub async fn run(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match tick(&state).await {
            Ok(report) if report != TickReport::default() => tracing::info!(?report, "scheduler tick"),
            Ok(_) => {}
            Err(err) => tracing::error!(error = %err, "scheduler tick failed"),
        }
    }
}
