//! The audit log's writer: group commit.
//!
//! Every read of a person's data is audited before it is answered, so under load the audit
//! insert is the one write on every request. Requests hand their entries to one task, which
//! writes whatever has gathered in one multi-row insert and only then lets each request go on:
//! nothing is answered unaudited, and 32 concurrent readers cost one insert, not 32.

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use tokio::sync::{mpsc, oneshot};

use crate::store::{self, audit::AuditEntry, Writer};

/// How many requests' entries one insert may carry.
const GROUP: usize = 256;

struct Pending {
    entries: Vec<AuditEntry>,
    at: DateTime<Utc>,
    written: oneshot::Sender<Result<(), String>>,
}

/// A handle to the audit writer. Cheap to clone; the writer stops when the last handle goes.
#[derive(Clone)]
pub struct AuditLog {
    queue: mpsc::Sender<Pending>,
}

impl AuditLog {
    /// Starts the writer on the current runtime.
    pub fn start(db: Writer) -> Self {
        let (queue, incoming) = mpsc::channel(GROUP * 4);
        tokio::spawn(write_groups(db, incoming));
        Self { queue }
    }

    /// Returns once the entries are stored.
    pub async fn record(&self, entries: Vec<AuditEntry>, at: DateTime<Utc>) -> Result<(), DbErr> {
        if entries.is_empty() {
            return Ok(());
        }
        let (written, done) = oneshot::channel();
        let stopped = || DbErr::Custom("the audit writer has stopped".to_owned());
        self.queue.send(Pending { entries, at, written }).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?.map_err(DbErr::Custom)
    }
}

async fn write_groups(db: Writer, mut incoming: mpsc::Receiver<Pending>) {
    let mut group = Vec::with_capacity(GROUP);
    while incoming.recv_many(&mut group, GROUP).await > 0 {
        // The entries are taken, not copied: each request waits only for the outcome.
        let rows: Vec<(AuditEntry, DateTime<Utc>)> = group
            .iter_mut()
            .flat_map(|pending| {
                let at = pending.at;
                std::mem::take(&mut pending.entries).into_iter().map(move |entry| (entry, at))
            })
            .collect();
        let outcome = write_group(&db, rows).await.map_err(|err| err.to_string());
        if let Err(err) = &outcome {
            tracing::error!(error = %err, entries = group.len(), "cannot write the audit log");
        }
        for pending in group.drain(..) {
            // A request that gave up waiting has nothing left to answer.
            let _ = pending.written.send(outcome.clone());
        }
    }
}

/// One group, all or nothing: each request is told the truth about its own lines. A group that
/// fits one statement is written without a transaction of its own: one statement is all or
/// nothing by itself, and it saves two round trips to the database (on SQLite, two hand-offs to
/// its writer thread) on every group.
async fn write_group(db: &Writer, rows: Vec<(AuditEntry, DateTime<Utc>)>) -> Result<(), DbErr> {
    if rows.len() <= store::audit::ROWS_A_STATEMENT {
        return store::audit::record_at(db, rows).await;
    }
    let txn = db.begin().await?;
    store::audit::record_at(&txn, rows).await?;
    txn.commit().await
}
