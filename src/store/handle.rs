//! The two handles store functions take, and the only way to the rows behind them.
//!
//! A store function that only reads takes `&impl Read`: the read pool ([`Reads`]), the writer
//! or a transaction (a read that must see a write in progress). One that writes takes
//! `&impl Write`: the writer (each statement commits by itself) or a transaction. Outside
//! `src/store` neither handle runs SQL — the connection behind it is reached only with a
//! [`StoreOnly`], which only the store can make — so a write cannot go through the read pool,
//! nor past what tells the cache:
//!
//! ```compile_fail
//! # async fn bypass(state: tsunagu::state::AppState) {
//! use sea_orm::EntityTrait;
//! // The read pool is not a connection: this does not compile.
//! crate::entity::person::Entity::delete_many().exec(&state.reads).await;
//! # }
//! ```
//!
//! ```compile_fail
//! # async fn bypass(state: tsunagu::state::AppState) {
//! use sea_orm::EntityTrait;
//! // Nor is the writer, nor a transaction: rows are written by store functions only.
//! let txn = state.db.begin().await.unwrap();
//! crate::entity::person::Entity::delete_many().exec(&txn).await;
//! # }
//! ```
//!
//! ```compile_fail
//! # async fn bypass(state: tsunagu::state::AppState) {
//! // A store function that writes does not take the read pool.
//! tsunagu::store::parties::signed_in(&state.reads, uuid::Uuid::nil(), chrono::Utc::now()).await;
//! # }
//! ```
//!
//! ```compile_fail
//! # async fn bypass(state: tsunagu::state::AppState) {
//! use tsunagu::store::Read;
//! // Nor can the connection be asked for: only the store makes a `StoreOnly`.
//! let _connection = state.reads.rows(tsunagu::store::StoreOnly(()));
//! # }
//! ```
//!
//! What does compile is the road: a store function, on the writer or a transaction.
//!
//! ```no_run
//! # async fn road(state: tsunagu::state::AppState) -> Result<(), sea_orm::DbErr> {
//! let txn = state.db.begin().await?;
//! tsunagu::store::parties::signed_in(&txn, uuid::Uuid::nil(), chrono::Utc::now()).await?;
//! txn.commit().await?;
//! let _party = tsunagu::store::parties::find(&state.reads, uuid::Uuid::nil()).await?;
//! # Ok(())
//! # }
//! ```

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};

use super::writer::{Autocommit, InTransaction, WriteTxn, Writer};
use crate::cache::{Changed, Changes};

/// Proof that the caller is in `src/store`: its field is private there.
pub struct StoreOnly(pub(super) ());

/// Something store functions may read through.
pub trait Read: Send + Sync {
    /// The connection behind the handle.
    type Rows: ConnectionTrait + Send + Sync;

    /// The connection behind the handle, for `src/store` only.
    fn rows(&self, _: StoreOnly) -> &Self::Rows;

    fn backend(&self) -> DatabaseBackend {
        self.rows(StoreOnly(())).get_database_backend()
    }
}

/// Something store functions may write through: the writer or one of its transactions.
pub trait Write: Read {
    /// Says what a write changed, for the cache: told once the write has committed.
    fn changed(
        &self,
        _: StoreOnly,
        keys: impl IntoIterator<Item = Changed> + Send,
    ) -> impl std::future::Future<Output = ()> + Send;
}

/// The hot read paths' connections: on SQLite a pool of read-only connections beside the one
/// writer; on PostgreSQL the writer's pool, which this handle only reads through.
#[derive(Debug, Clone)]
pub struct Reads(DatabaseConnection);

impl Reads {
    pub fn new(connection: DatabaseConnection) -> Self {
        Self(connection)
    }
}

impl Read for Reads {
    type Rows = DatabaseConnection;

    fn rows(&self, _: StoreOnly) -> &DatabaseConnection {
        &self.0
    }
}

impl Read for Writer {
    type Rows = Autocommit;

    fn rows(&self, _: StoreOnly) -> &Autocommit {
        Writer::rows(self)
    }
}

impl Write for Writer {
    async fn changed(&self, _: StoreOnly, keys: impl IntoIterator<Item = Changed> + Send) {
        Writer::changed(self, keys.into_iter().collect::<Changes>()).await
    }
}

impl Read for WriteTxn {
    type Rows = InTransaction;

    fn rows(&self, _: StoreOnly) -> &InTransaction {
        WriteTxn::rows(self)
    }
}

impl Write for WriteTxn {
    async fn changed(&self, _: StoreOnly, keys: impl IntoIterator<Item = Changed> + Send) {
        WriteTxn::changed(self, keys.into_iter().collect::<Changes>())
    }
}

/// The store's own shorthand for the rows behind a handle.
pub(super) trait Connected: Read {
    fn conn(&self) -> &Self::Rows {
        self.rows(StoreOnly(()))
    }
}

impl<T: Read + ?Sized> Connected for T {}

/// The store's own shorthand for saying what a write changed.
pub(super) trait Declares: Write {
    fn declare(&self, keys: impl IntoIterator<Item = Changed> + Send) -> impl std::future::Future<Output = ()> + Send {
        self.changed(StoreOnly(()), keys)
    }
}

impl<T: Write + ?Sized> Declares for T {}
