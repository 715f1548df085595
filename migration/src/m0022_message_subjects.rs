//! An outbox message names what it is about with a typed reference (an alert, a digest, a
//! sign-in code, an invitation or a contact point), each its own nullable column, instead of one
//! `alert_id` that held any of them; and a message about no person has no `person_id` rather
//! than the nil UUID. "The same alert or digest never twice to the same target" stays, one
//! unique index each; a code, an invitation or a confirmation is written once, when it is made.
//! A notice of a new way in written before named a fresh id for an invitation; it names no
//! subject now (it was about no row).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ONCE_BEFORE: &str = "idx_webhook_messages_once";
const OF_ALERT_BEFORE: &str = "idx_outbox_messages_alert";
const OF_ALERT: &str = "idx_outbox_messages_of_alert";

/// The subjects a message is deduplicated by, each with the unique index that does so.
const ONCE: [(Messages, &str); 2] =
    [(Messages::AlertId, "idx_outbox_messages_once_alert"), (Messages::DigestId, "idx_outbox_messages_once_digest")];

fn nil() -> Expr {
    Expr::val(uuid::Uuid::nil())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Messages::AboutAlert,
            Messages::AboutPerson,
            Messages::DigestId,
            Messages::SignInCodeId,
            Messages::InvitationId,
            Messages::ContactPointId,
        ] {
            manager.alter_table(Table::alter().table(Messages::Table).add_column(uuid_null(column)).to_owned()).await?;
        }
        let db = manager.get_connection();
        let copy = |to: Messages, event_type: &'static str| {
            Query::update()
                .table(Messages::Table)
                .value(to, Expr::col(Messages::AlertId))
                .and_where(Expr::col(Messages::EventType).eq(event_type))
                .to_owned()
        };
        let invitations = Query::select().column(Invitations::Id).from(Invitations::Table).to_owned();
        let contact_points = Query::select().column(ContactPoints::Id).from(ContactPoints::Table).to_owned();
        let updates = [
            copy(Messages::AboutAlert, "alert.delivered"),
            copy(Messages::DigestId, "digest"),
            copy(Messages::SignInCodeId, "auth.code"),
            copy(Messages::InvitationId, "auth.invitation"),
            // A new way in is an invitation or an address added.
            copy(Messages::InvitationId, "auth.door_added")
                .and_where(Expr::col(Messages::AlertId).in_subquery(invitations.clone()))
                .to_owned(),
            copy(Messages::ContactPointId, "auth.door_added")
                .and_where(Expr::col(Messages::AlertId).in_subquery(contact_points))
                .to_owned(),
            // A confirmation is about the address it goes to.
            Query::update()
                .table(Messages::Table)
                .value(Messages::ContactPointId, Expr::col(Messages::TargetId))
                .and_where(Expr::col(Messages::EventType).eq("contact.confirm"))
                .to_owned(),
            Query::update()
                .table(Messages::Table)
                .value(Messages::AboutPerson, Expr::col(Messages::PersonId))
                .and_where(Expr::col(Messages::PersonId).ne(nil()))
                .to_owned(),
        ];
        for update in updates {
            db.execute(db.get_database_backend().build(&update)).await?;
        }
        for index in [ONCE_BEFORE, OF_ALERT_BEFORE] {
            manager.drop_index(Index::drop().name(index).table(Messages::Table).to_owned()).await?;
        }
        for column in [Messages::AlertId, Messages::PersonId] {
            manager.alter_table(Table::alter().table(Messages::Table).drop_column(column).to_owned()).await?;
        }
        for (from, to) in [(Messages::AboutAlert, Messages::AlertId), (Messages::AboutPerson, Messages::PersonId)] {
            manager.alter_table(Table::alter().table(Messages::Table).rename_column(from, to).to_owned()).await?;
        }
        for (column, name) in ONCE {
            let index = Index::create()
                .name(name)
                .table(Messages::Table)
                .col(Messages::TargetId)
                .col(column)
                .unique()
                .to_owned();
            manager.create_index(index).await?;
        }
        manager
            .create_index(Index::create().name(OF_ALERT).table(Messages::Table).col(Messages::AlertId).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(OF_ALERT).table(Messages::Table).to_owned()).await?;
        for (_, name) in ONCE {
            manager.drop_index(Index::drop().name(name).table(Messages::Table).to_owned()).await?;
        }
        for (from, to) in [(Messages::AlertId, Messages::AboutAlert), (Messages::PersonId, Messages::AboutPerson)] {
            manager.alter_table(Table::alter().table(Messages::Table).rename_column(from, to).to_owned()).await?;
        }
        for column in [Messages::AlertId, Messages::PersonId] {
            let filled = uuid(column).default(uuid::Uuid::nil()).to_owned();
            manager.alter_table(Table::alter().table(Messages::Table).add_column(filled).to_owned()).await?;
        }
        let db = manager.get_connection();
        let subject = Func::coalesce([
            Expr::col(Messages::AboutAlert).into(),
            Expr::col(Messages::DigestId).into(),
            Expr::col(Messages::SignInCodeId).into(),
            Expr::col(Messages::InvitationId).into(),
            Expr::col(Messages::ContactPointId).into(),
            nil().into(),
        ]);
        let person = Func::coalesce([Expr::col(Messages::AboutPerson).into(), nil().into()]);
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::AlertId, subject)
            .value(Messages::PersonId, person)
            .to_owned();
        db.execute(db.get_database_backend().build(&update)).await?;
        for column in [
            Messages::AboutAlert,
            Messages::AboutPerson,
            Messages::DigestId,
            Messages::SignInCodeId,
            Messages::InvitationId,
            Messages::ContactPointId,
        ] {
            manager.alter_table(Table::alter().table(Messages::Table).drop_column(column).to_owned()).await?;
        }
        let once = Index::create()
            .name(ONCE_BEFORE)
            .table(Messages::Table)
            .col(Messages::TargetId)
            .col(Messages::AlertId)
            .unique()
            .to_owned();
        manager.create_index(once).await?;
        manager
            .create_index(
                Index::create().name(OF_ALERT_BEFORE).table(Messages::Table).col(Messages::AlertId).to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    #[sea_orm(iden = "outbox_messages")]
    Table,
    TargetId,
    EventType,
    AlertId,
    PersonId,
    AboutAlert,
    AboutPerson,
    DigestId,
    SignInCodeId,
    InvitationId,
    ContactPointId,
}

#[derive(DeriveIden)]
enum ContactPoints {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
}
