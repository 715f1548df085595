//! Follow-up plans: one per person, held by a coordinator, on a cadence; and every check-in
//! recorded against it (how it went, how, an optional note).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PLANS_OF_COORDINATOR: &str = "idx_follow_up_plans_coordinator";
const CHECK_INS_OF_PLAN: &str = "idx_follow_up_check_ins_plan";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FollowUpPlans::Table)
                    .col(uuid(FollowUpPlans::Id).primary_key())
                    .col(uuid_uniq(FollowUpPlans::PersonId))
                    .col(uuid(FollowUpPlans::CoordinatorPartyId))
                    .col(date(FollowUpPlans::StartsOn))
                    .col(date(FollowUpPlans::OwedFrom))
                    .col(string_len(FollowUpPlans::Cadence, 100))
                    .col(uuid_null(FollowUpPlans::SetByPartyId))
                    .col(integer(FollowUpPlans::RestartedAfter).default(0))
                    .col(timestamp_with_time_zone(FollowUpPlans::CreatedAt))
                    .col(timestamp_with_time_zone(FollowUpPlans::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FollowUpCheckIns::Table)
                    .col(uuid(FollowUpCheckIns::Id).primary_key())
                    .col(uuid(FollowUpCheckIns::PlanId))
                    .col(uuid(FollowUpCheckIns::PersonId))
                    .col(date(FollowUpCheckIns::On))
                    .col(string_len(FollowUpCheckIns::Outcome, 20))
                    .col(string_len_null(FollowUpCheckIns::Channel, 20))
                    .col(text_null(FollowUpCheckIns::Note))
                    .col(uuid_null(FollowUpCheckIns::RecordedByPartyId))
                    .col(timestamp_with_time_zone(FollowUpCheckIns::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PLANS_OF_COORDINATOR)
                    .table(FollowUpPlans::Table)
                    .col(FollowUpPlans::CoordinatorPartyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CHECK_INS_OF_PLAN)
                    .table(FollowUpCheckIns::Table)
                    .col(FollowUpCheckIns::PlanId)
                    .col(FollowUpCheckIns::On)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(CHECK_INS_OF_PLAN).table(FollowUpCheckIns::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(PLANS_OF_COORDINATOR).table(FollowUpPlans::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(FollowUpCheckIns::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(FollowUpPlans::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum FollowUpPlans {
    Table,
    Id,
    PersonId,
    CoordinatorPartyId,
    StartsOn,
    OwedFrom,
    Cadence,
    SetByPartyId,
    RestartedAfter,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FollowUpCheckIns {
    Table,
    Id,
    PlanId,
    PersonId,
    On,
    Outcome,
    Channel,
    Note,
    RecordedByPartyId,
    RecordedAt,
}
