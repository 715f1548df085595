//! Referrals between organisations and the hand-off meeting (顔合わせ): a referral's row and
//! every step of it, and the columns a `handoff` milestone carries (the meeting's day, time,
//! place and who meets the person; the referral or milestone it belongs to).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const REFERRALS_OF_PERSON: &str = "idx_referrals_person";
const REFERRALS_TO: &str = "idx_referrals_to_organization";
const REFERRALS_FROM: &str = "idx_referrals_from_organization";
const EVENTS_OF: &str = "idx_referral_events_referral";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Referrals::Table)
                    .col(uuid(Referrals::Id).primary_key())
                    .col(uuid(Referrals::PersonId))
                    .col(uuid(Referrals::FromOrganizationId))
                    .col(uuid(Referrals::ToOrganizationId))
                    .col(uuid(Referrals::FromPartyId))
                    .col(text(Referrals::Reason))
                    .col(string_len(Referrals::Scope, 200))
                    .col(string_len(Referrals::ConsentBasis, 20))
                    .col(string_len(Referrals::ConsentReference, 100))
                    .col(date(Referrals::ConsentOn))
                    .col(string_len(Referrals::State, 20))
                    .col(date(Referrals::StateSince))
                    .col(date(Referrals::ReferredOn))
                    .col(timestamp_with_time_zone_null(Referrals::FirstSeenAt))
                    .col(timestamp_with_time_zone(Referrals::CreatedAt))
                    .col(timestamp_with_time_zone(Referrals::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReferralEvents::Table)
                    .col(uuid(ReferralEvents::Id).primary_key())
                    .col(uuid(ReferralEvents::ReferralId))
                    .col(string_len(ReferralEvents::Event, 20))
                    .col(string_len(ReferralEvents::FromState, 20))
                    .col(string_len(ReferralEvents::ToState, 20))
                    .col(date(ReferralEvents::On))
                    .col(text_null(ReferralEvents::Note))
                    .col(uuid_null(ReferralEvents::ActorPartyId))
                    .col(string_len(ReferralEvents::ActorRole, 20))
                    .col(timestamp_with_time_zone(ReferralEvents::RecordedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (REFERRALS_OF_PERSON, Referrals::PersonId),
            (REFERRALS_TO, Referrals::ToOrganizationId),
            (REFERRALS_FROM, Referrals::FromOrganizationId),
        ] {
            manager.create_index(Index::create().name(name).table(Referrals::Table).col(column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create().name(EVENTS_OF).table(ReferralEvents::Table).col(ReferralEvents::ReferralId).to_owned(),
            )
            .await?;
        // SQLite alters one column a statement.
        for mut column in [
            date_null(Milestones::ProposedOn),
            date_null(Milestones::MeetingOn),
            string_len_null(Milestones::MeetingAt, 5),
            string_len_null(Milestones::Place, 200),
            string_len_null(Milestones::MetBy, 100),
            uuid_null(Milestones::ReferralId),
            uuid_null(Milestones::BeforeMilestoneId),
        ] {
            manager.alter_table(Table::alter().table(Milestones::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Milestones::BeforeMilestoneId,
            Milestones::ReferralId,
            Milestones::MetBy,
            Milestones::Place,
            Milestones::MeetingAt,
            Milestones::MeetingOn,
            Milestones::ProposedOn,
        ] {
            manager.alter_table(Table::alter().table(Milestones::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_index(Index::drop().name(EVENTS_OF).table(ReferralEvents::Table).to_owned()).await?;
        for name in [REFERRALS_FROM, REFERRALS_TO, REFERRALS_OF_PERSON] {
            manager.drop_index(Index::drop().name(name).table(Referrals::Table).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(ReferralEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Referrals::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Referrals {
    Table,
    Id,
    PersonId,
    FromOrganizationId,
    ToOrganizationId,
    FromPartyId,
    Reason,
    Scope,
    ConsentBasis,
    ConsentReference,
    ConsentOn,
    State,
    StateSince,
    ReferredOn,
    FirstSeenAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReferralEvents {
    Table,
    Id,
    ReferralId,
    Event,
    FromState,
    ToState,
    On,
    Note,
    ActorPartyId,
    ActorRole,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Milestones {
    Table,
    ProposedOn,
    MeetingOn,
    MeetingAt,
    Place,
    MetBy,
    ReferralId,
    BeforeMilestoneId,
}
