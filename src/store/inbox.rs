//! What recipients read: a party's inbox and a team's, and what they do with an alert there
//! (acknowledge, snooze).
//!
//! An inbox lists delivered alerts only. Every alert is inserted pending and first shows when
//! it is delivered, so the writes that declare [`Changed::Inbox`] are those that deliver an
//! alert or change a delivered one (here, `alerts::settle_many`, `alerts::escalate`, the
//! contact log, the ladder's steps, a follow-up plan's tasks done, an erasure); writes to
//! pending or cancelled alerts change no inbox.

use crate::entity::alert;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::SelectStatement, ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, SelectModel, Set,
};
use uuid::Uuid;

use super::alerts::DELIVERED;
use super::kept::KeptSelect;
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::rota::AcknowledgedVia;

/// A recipient's delivered alerts, newest first; `before` pages on.
pub async fn inbox(
    db: &impl Read,
    party_id: Uuid,
    unread_only: bool,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<alert::Model>, Option<Uuid>), DbErr> {
    if !unread_only && before.is_none() {
        // The first page of the whole inbox, which a family's page and `me/alerts` open with.
        let rows = FIRST_PAGE.all::<SelectModel<alert::Model>>(db.conn(), first_page_values(party_id, limit)).await?;
        return Ok(cut_to(rows, limit));
    }
    let mut query = of_recipient(party_id);
    if unread_only {
        query = query.filter(alert::Column::AcknowledgedAt.is_null());
    }
    newest_first(db, query, before, limit).await
}

fn of_recipient(party_id: Uuid) -> Select<alert::Entity> {
    alert::Entity::find()
        .filter(alert::Column::RecipientPartyId.eq(party_id))
        .filter(alert::Column::Status.eq(DELIVERED))
}

/// Read on every first visit of a family's page or inbox: the statement is kept (`store::kept`).
static FIRST_PAGE: KeptSelect = KeptSelect::new(|| first_page(Uuid::nil(), 0));

/// The first page, as `newest_first` reads it.
fn first_page(party_id: Uuid, limit: u64) -> SelectStatement {
    newest(of_recipient(party_id), limit).into_query()
}

fn first_page_values(party_id: Uuid, limit: u64) -> Vec<sea_orm::Value> {
    vec![party_id.into(), DELIVERED.into(), limit.saturating_add(1).into()]
}

/// Acknowledges once: the first acknowledgement (who gave it, and how) stands for everyone,
/// and stops the alert's ladder.
pub async fn acknowledge(
    db: &impl Write,
    row: alert::Model,
    by: Option<Uuid>,
    via: AcknowledgedVia,
    now: DateTime<Utc>,
) -> Result<alert::Model, DbErr> {
    if row.acknowledged_at.is_some() {
        return Ok(row);
    }
    let mut active: alert::ActiveModel = row.into();
    active.acknowledged_at = Set(Some(now));
    active.acknowledged_by = Set(by);
    active.acknowledged_via = Set(Some(via));
    active.ladder_next_at = Set(None);
    active.updated_at = Set(now);
    changed_inbox_of(db, active).await
}

/// Writes the alert and declares its recipient's inbox changed.
async fn changed_inbox_of(db: &impl Write, active: alert::ActiveModel) -> Result<alert::Model, DbErr> {
    let row = active.update(db.conn()).await?;
    db.declare([Changed::Inbox(row.recipient_party_id)]).await;
    Ok(row)
}

pub async fn snooze(
    db: &impl Write,
    row: alert::Model,
    until: NaiveDate,
    reason: String,
    now: DateTime<Utc>,
) -> Result<alert::Model, DbErr> {
    let mut active: alert::ActiveModel = row.into();
    active.snoozed_until = Set(Some(until));
    active.snooze_reason = Set(Some(reason));
    active.updated_at = Set(now);
    changed_inbox_of(db, active).await
}

/// The alert back in the team inbox now: its snooze and why are cleared.
pub async fn wake(db: &impl Write, row: alert::Model, now: DateTime<Utc>) -> Result<alert::Model, DbErr> {
    let mut active: alert::ActiveModel = row.into();
    active.snoozed_until = Set(None);
    active.snooze_reason = Set(None);
    active.updated_at = Set(now);
    changed_inbox_of(db, active).await
}

/// What a team inbox is filtered by; `today` is the team's local date, for snoozes.
#[derive(Debug, Clone, Default)]
pub struct TeamFilter {
    pub person_id: Option<Uuid>,
    pub severity: Option<String>,
    pub acknowledged: Option<bool>,
    /// `None`: snoozed alerts are hidden until their day; `Some(true)`: only snoozed ones;
    /// `Some(false)`: every alert, snoozed or not.
    pub snoozed: Option<bool>,
    pub today: Option<NaiveDate>,
}

/// A team's delivered alerts, newest first; `before` pages on.
pub async fn team_inbox(
    db: &impl Read,
    organization_id: Uuid,
    filter: &TeamFilter,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<alert::Model>, Option<Uuid>), DbErr> {
    let mut query = alert::Entity::find()
        .filter(alert::Column::TeamOrganizationId.eq(organization_id))
        .filter(alert::Column::Status.eq(DELIVERED));
    if let Some(person) = filter.person_id {
        query = query.filter(alert::Column::PersonId.eq(person));
    }
    if let Some(severity) = &filter.severity {
        query = query.filter(alert::Column::Severity.eq(severity.clone()));
    }
    match filter.acknowledged {
        Some(true) => query = query.filter(alert::Column::AcknowledgedAt.is_not_null()),
        Some(false) => query = query.filter(alert::Column::AcknowledgedAt.is_null()),
        None => {}
    }
    if let Some(today) = filter.today {
        let snoozed = alert::Column::SnoozedUntil.gt(today);
        query = match filter.snoozed {
            None => query.filter(Condition::any().add(alert::Column::SnoozedUntil.is_null()).add(snoozed.not())),
            Some(true) => query.filter(snoozed),
            Some(false) => query,
        };
    }
    newest_first(db, query, before, limit).await
}

/// A page of alerts, newest first, from before the cursor; the next cursor when more remain.
async fn newest_first(
    db: &impl Read,
    query: sea_orm::Select<alert::Entity>,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<alert::Model>, Option<Uuid>), DbErr> {
    let query = match before {
        Some(before) => query.filter(alert::Column::Id.lt(before)),
        None => query,
    };
    let rows = newest(query, limit).all(db.conn()).await?;
    Ok(cut_to(rows, limit))
}

/// Newest first, one row past the page, to know whether more remain.
fn newest(query: Select<alert::Entity>, limit: u64) -> Select<alert::Entity> {
    query.order_by_desc(alert::Column::Id).limit(limit.saturating_add(1))
}

/// Rows read one past `limit`, cut to it; the next cursor when more remain.
fn cut_to(mut rows: Vec<alert::Model>, limit: u64) -> (Vec<alert::Model>, Option<Uuid>) {
    if rows.len() as u64 <= limit {
        return (rows, None);
    }
    rows.truncate(limit as usize);
    let next = rows.last().map(|row| row.id);
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::kept::assert_same_as_built;

    #[test]
    fn the_first_page_of_an_inbox_is_read_with_the_statement_the_query_builder_writes() {
        let party = Uuid::new_v4();
        for limit in [1, 50] {
            assert_same_as_built(&FIRST_PAGE, first_page_values(party, limit), &first_page(party, limit));
        }
    }
}
