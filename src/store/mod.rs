//! Persistence: reading and writing rows with sea-orm, in the same way on SQLite and PostgreSQL.

pub mod alerts;
pub mod audit;
pub mod callbacks;
pub mod contact_points;
pub mod contacts;
pub mod credentials;
pub mod custody;
pub mod dead_letters;
pub mod digests;
pub mod feeds;
pub mod follow_up;
pub mod handle;
pub mod health;
pub mod imports;
pub mod inbox;
pub mod kept;
pub mod lapses;
pub mod lifecycle;
pub mod line;
pub mod links;
pub mod milestones;
pub mod organizations;
pub mod outbox;
pub mod outcomes;
pub mod parties;
pub mod persons;
pub mod placements;
pub mod planning;
#[cfg(test)]
mod plans;
pub mod provisions;
pub mod rate_limits;
pub mod referrals;
pub mod rota;
pub mod schedule;
pub mod services;
pub mod sessions;
pub mod sign_in;
pub mod signing_keys;
pub mod webhooks;
mod writer;

use std::str::FromStr;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

use crate::domain::Invalid;

use handle::{Connected, Declares};
pub use handle::{Read, Reads, StoreOnly, Write};
pub use writer::{Begin, StorageHealth, WriteTxn, Writer};

/// A stored value that does not parse: a bug or a hand edit, never a client's fault. It is
/// logged once, where it is found, and is an error wherever it travels; it never quietly
/// becomes a default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt stored {what} of {row}: {why}")]
pub struct Corrupt {
    pub what: &'static str,
    pub row: Uuid,
    pub why: String,
}

impl Corrupt {
    pub fn new(what: &'static str, row: Uuid, why: impl std::fmt::Display) -> Self {
        let corrupt = Self { what, row, why: why.to_string() };
        tracing::error!(what, row = %row, why = %corrupt.why, "corrupt stored value");
        corrupt
    }
}

/// Parses a stored column, or reports it corrupt.
pub fn parse_stored<T: FromStr<Err = Invalid>>(what: &'static str, row: Uuid, text: &str) -> Result<T, Corrupt> {
    text.parse().map_err(|why: Invalid| Corrupt::new(what, row, why))
}

/// Whether an error is a stored row that could not be read into its types (a hand edit or a
/// bug), rather than a database that failed: what is left out for one row, not stopped for all.
pub fn unreadable_row(err: &DbErr) -> bool {
    matches!(err, DbErr::Type(_))
}

/// Rows by id, a chunk a statement. A row that cannot be read into its types is left out and
/// logged (by id, never its data) so that one hand-edited row never stops a read for everyone
/// else; only a chunk that failed so is read again one row at a time.
async fn readable_by_ids<E>(db: &impl Read, column: E::Column, ids: &[Uuid]) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        match E::find().filter(column.is_in(chunk.iter().copied())).all(db.conn()).await {
            Ok(rows) => found.extend(rows),
            Err(err) if unreadable_row(&err) => {
                for &id in chunk {
                    match E::find().filter(column.eq(id)).one(db.conn()).await {
                        Ok(row) => found.extend(row),
                        Err(err) if unreadable_row(&err) => {
                            tracing::error!(table = E::default().table_name(), row = %id, "unreadable stored row left out");
                        }
                        Err(err) => return Err(err),
                    }
                }
            }
            Err(err) => return Err(err),
        }
    }
    Ok(found)
}

/// Rows one multi-row statement writes, and ids one `IN (…)` lists: SQLite binds at most
/// 32 766 parameters a statement, and an alert row has 24 columns. One person with many links
/// and dates must never make a statement that fails for everyone's tick.
pub const ROWS_PER_STATEMENT: usize = 500;
pub const IDS_PER_STATEMENT: usize = 1_000;

/// Keyset pagination: ids are UUIDv7, so ordering by id is ordering by creation.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: u64,
}

pub struct Page<M> {
    pub items: Vec<M>,
    pub next_cursor: Option<Uuid>,
}

pub async fn page<E, C>(
    db: &C,
    query: Select<E>,
    id_column: E::Column,
    request: PageRequest,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let query = match request.after {
        Some(after) => query.filter(id_column.gt(after)),
        None => query,
    };
    let mut items = query.order_by_asc(id_column).limit(request.limit + 1).all(db).await?;
    let next_cursor = if items.len() as u64 > request.limit {
        items.truncate(request.limit as usize);
        items.last().map(id_of)
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

pub fn new_id() -> Uuid {
    Uuid::now_v7()
}
