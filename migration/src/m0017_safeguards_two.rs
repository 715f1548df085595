//! Safeguards II: who opened a party's doors and whether it ever signed in; consent changes
//! made in a session a staff member's invitation began; rate limits as one counter a bucket
//! (changed by one atomic statement); a reader's opt-in to detailed e-mail; and unsubscribe tokens kept only as hashes.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, Statement},
};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column a statement.
        let columns = [
            (Parties::Table.into_iden(), uuid_null(Parties::OpenedByOrganizationId)),
            (Parties::Table.into_iden(), timestamp_with_time_zone_null(Parties::FirstSignedInAt)),
            (Parties::Table.into_iden(), boolean(Parties::EmailDetail).default(false).to_owned()),
            (ConsentRecords::Table.into_iden(), string_len_null(ConsentRecords::Via, 32)),
        ];
        for (table, mut column) in columns {
            manager.alter_table(Table::alter().table(table).add_column(&mut column).to_owned()).await?;
        }
        // Parties that have a session have signed in.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE parties SET first_signed_in_at = \
             (SELECT MIN(created_at) FROM sessions WHERE sessions.party_id = parties.id)",
        )
        .await?;
        manager.drop_table(Table::drop().table(RateLimitHits::Table).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(RateLimits::Table)
                    .col(string_len(RateLimits::Bucket, 64).primary_key())
                    .col(timestamp_with_time_zone(RateLimits::WindowStart))
                    .col(integer(RateLimits::Count))
                    .to_owned(),
            )
            .await?;
        // The gateway callbacks already acted on, by a hash of what makes each one: a replay
        // of a signed callback is recognised and changes nothing.
        manager
            .create_table(
                Table::create()
                    .table(ReceivedCallbacks::Table)
                    .col(string_len(ReceivedCallbacks::Key, 80).primary_key())
                    .col(timestamp_with_time_zone(ReceivedCallbacks::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        // Unsubscribe tokens were kept as they are sent; keep only their SHA-256, which the
        // links already sent are still found by.
        let backend = manager.get_database_backend();
        let rows = db
            .query_all(Statement::from_string(backend, "SELECT id, unsubscribe_token FROM contact_points".to_owned()))
            .await?;
        for row in rows {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let token: String = row.try_get("", "unsubscribe_token")?;
            let hash: String = Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
            let update = Query::update()
                .table(ContactPoints::Table)
                .value(ContactPoints::UnsubscribeToken, hash)
                .and_where(Expr::col(ContactPoints::Id).eq(id))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ReceivedCallbacks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(RateLimits::Table).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(RateLimitHits::Table)
                    .col(uuid(RateLimitHits::Id).primary_key())
                    .col(string_len(RateLimitHits::Bucket, 64))
                    .col(timestamp_with_time_zone(RateLimitHits::At))
                    .to_owned(),
            )
            .await?;
        let columns = [
            (Parties::Table.into_iden(), Parties::OpenedByOrganizationId.into_iden()),
            (Parties::Table.into_iden(), Parties::FirstSignedInAt.into_iden()),
            (Parties::Table.into_iden(), Parties::EmailDetail.into_iden()),
            (ConsentRecords::Table.into_iden(), ConsentRecords::Via.into_iden()),
        ];
        for (table, column) in columns {
            manager.alter_table(Table::alter().table(table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Parties {
    Table,
    OpenedByOrganizationId,
    FirstSignedInAt,
    EmailDetail,
}

#[derive(DeriveIden, Clone, Copy)]
enum ConsentRecords {
    Table,
    Via,
}

#[derive(DeriveIden, Clone, Copy)]
enum RateLimitHits {
    Table,
    Id,
    Bucket,
    At,
}

#[derive(DeriveIden, Clone, Copy)]
enum RateLimits {
    Table,
    Bucket,
    WindowStart,
    Count,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReceivedCallbacks {
    Table,
    Key,
    ReceivedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ContactPoints {
    Table,
    Id,
    UnsubscribeToken,
}
