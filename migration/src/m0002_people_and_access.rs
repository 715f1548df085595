//! Placements, links with their consent history, the person a `person` party is, and the
//! append-only audit log.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Parties::Table).add_column(uuid_null(Parties::PersonId)).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_parties_person")
                    .table(Parties::Table)
                    .col(Parties::PersonId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Placements::Table)
                    .col(uuid(Placements::Id).primary_key())
                    .col(uuid(Placements::PersonId))
                    .col(uuid(Placements::OrganizationId))
                    .col(date(Placements::StartOn))
                    .col(date_null(Placements::EndOn))
                    // The local dates as instants of the person's zone, so "current" is one comparison.
                    .col(timestamp_with_time_zone(Placements::StartsAt))
                    .col(timestamp_with_time_zone_null(Placements::EndsAt))
                    .col(timestamp_with_time_zone(Placements::CreatedAt))
                    .col(timestamp_with_time_zone(Placements::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        "fk_placements_person",
                        Placements::Table,
                        Placements::PersonId,
                        Persons::Table,
                    ))
                    .foreign_key(&mut foreign_key(
                        "fk_placements_organization",
                        Placements::Table,
                        Placements::OrganizationId,
                        Organizations::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_placements_organization",
            Placements::Table,
            [Placements::OrganizationId, Placements::PersonId],
        )
        .await?;
        index(manager, "idx_placements_person", Placements::Table, [Placements::PersonId]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Links::Table)
                    .col(uuid(Links::Id).primary_key())
                    .col(uuid(Links::PersonId))
                    .col(uuid(Links::PartyId))
                    .col(string_len(Links::Relationship, 32))
                    // The current consent; its history is in consent_records.
                    .col(string_len(Links::Scope, 200))
                    .col(date_null(Links::ExpiresOn))
                    .col(timestamp_with_time_zone_null(Links::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Links::RevokedAt))
                    .col(timestamp_with_time_zone(Links::CreatedAt))
                    .col(timestamp_with_time_zone(Links::UpdatedAt))
                    .foreign_key(&mut foreign_key("fk_links_person", Links::Table, Links::PersonId, Persons::Table))
                    .foreign_key(&mut foreign_key("fk_links_party", Links::Table, Links::PartyId, Parties::Table))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_links_party", Links::Table, [Links::PartyId, Links::PersonId]).await?;
        index(manager, "idx_links_person", Links::Table, [Links::PersonId]).await?;

        manager
            .create_table(
                Table::create()
                    .table(ConsentRecords::Table)
                    .col(uuid(ConsentRecords::Id).primary_key())
                    .col(uuid(ConsentRecords::LinkId))
                    .col(string_len(ConsentRecords::Change, 16))
                    .col(string_len(ConsentRecords::Scope, 200))
                    .col(date_null(ConsentRecords::ExpiresOn))
                    .col(timestamp_with_time_zone(ConsentRecords::RecordedAt))
                    .col(string_len(ConsentRecords::RecordedBy, 200))
                    .col(string_len(ConsentRecords::RecordedByRole, 16))
                    .foreign_key(&mut foreign_key(
                        "fk_consent_records_link",
                        ConsentRecords::Table,
                        ConsentRecords::LinkId,
                        Links::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_consent_records_link", ConsentRecords::Table, [ConsentRecords::LinkId, ConsentRecords::Id])
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(uuid(AuditEvents::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(string_len(AuditEvents::Actor, 200))
                    .col(string_len(AuditEvents::ActorRole, 16))
                    .col(string_len(AuditEvents::Action, 48))
                    // No foreign key: a denied attempt on an id that does not exist is audited too.
                    .col(uuid_null(AuditEvents::PersonId))
                    .col(uuid_null(AuditEvents::ResourceId))
                    .col(string_len(AuditEvents::Outcome, 16))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_audit_person", AuditEvents::Table, [AuditEvents::PersonId, AuditEvents::Id]).await?;
        index(manager, "idx_audit_actor", AuditEvents::Table, [AuditEvents::Actor, AuditEvents::Id]).await?;
        index(manager, "idx_audit_at", AuditEvents::Table, [AuditEvents::At]).await?;

        let db = manager.get_connection();
        for statement in append_only_triggers(manager.get_database_backend()) {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only() CASCADE")
                .await?;
        }
        for table in [
            AuditEvents::Table.into_iden(),
            ConsentRecords::Table.into_iden(),
            Links::Table.into_iden(),
            Placements::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.drop_index(Index::drop().name("idx_parties_person").table(Parties::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Parties::Table).drop_column(Parties::PersonId).to_owned()).await
    }
}

/// The audit log refuses UPDATE and DELETE at the database, not only in the API.
fn append_only_triggers(backend: DatabaseBackend) -> Vec<&'static str> {
    match backend {
        DatabaseBackend::Postgres => vec![
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$",
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events \
             FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        ],
        _ => vec![
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
        ],
    }
}

fn foreign_key(
    name: &str,
    from_table: impl IntoIden + 'static,
    from_column: impl IntoIden + 'static,
    to_table: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from_table, from_column)
        .to(to_table, Alias::new("id"))
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

async fn index<T: IntoIden + 'static, C: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: impl IntoIterator<Item = C>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Parties {
    Table,
    PersonId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Placements {
    Table,
    Id,
    PersonId,
    OrganizationId,
    StartOn,
    EndOn,
    StartsAt,
    EndsAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Links {
    Table,
    Id,
    PersonId,
    PartyId,
    Relationship,
    Scope,
    ExpiresOn,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ConsentRecords {
    Table,
    Id,
    LinkId,
    Change,
    Scope,
    ExpiresOn,
    RecordedAt,
    RecordedBy,
    RecordedByRole,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    At,
    Actor,
    ActorRole,
    Action,
    PersonId,
    ResourceId,
    Outcome,
}
