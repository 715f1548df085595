//! Hearing other instances' writes: each instance listens on [`CHANNEL`], where every
//! transaction that changed what the cache keeps sends a `NOTIFY` as it commits, naming what.

use std::{sync::Arc, time::Duration};

use sqlx::postgres::PgListener;

use super::{heard, Changes, ReadCache, CHANNEL};

/// How long to wait before connecting again after the connection was refused.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Listens for as long as the instance runs. The cache is on only while listening: before the
/// first connection, and from a lost connection until a new one listens, it keeps nothing.
pub async fn follow_changes(cache: Arc<ReadCache>, pool: sqlx::PgPool) {
    loop {
        match listen(&pool).await {
            Ok(mut listener) => {
                cache.set_live(true);
                loop {
                    match listener.try_recv().await {
                        // Its own writes this instance forgot as they committed.
                        Ok(Some(told)) => match heard(told.payload()) {
                            (Some(from), _) if from == cache.instance() => {}
                            (_, changes) => cache.forget(&changes),
                        },
                        // The connection dropped and was made again: what was said meanwhile
                        // is lost, so forget everything.
                        Ok(None) => cache.forget(&Changes::everything()),
                        Err(err) => {
                            tracing::warn!(error = %err, "lost the change feed; the read cache is off until it is back");
                            break;
                        }
                    }
                }
                cache.set_live(false);
            }
            Err(err) => tracing::warn!(error = %err, "cannot listen for changes; the read cache stays off"),
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

async fn listen(pool: &sqlx::PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
