//! Indexes the scheduler needs so that a tick costs what its due work costs, not what the
//! tables hold.
//!
//! - Every tick asks which employment-support windows a passing day opens or closes. With
//!   (kind, state) alone that walks every open window; with the date in the index it reads only
//!   the ones due.
//! - Delivering a batch asks, per period and recipient, whether a closer lead time is already
//!   due. By person that reads every alert of each person in the batch; by source milestone
//!   and recipient it reads only the few lead times of the same period.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const WINDOW_OPENS: &str = "idx_milestones_window_opens";
const WINDOW_CLOSES: &str = "idx_milestones_window_closes";
const ALERT_SERIES: &str = "idx_alerts_source_recipient";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, date) in [(WINDOW_OPENS, Milestones::OpensOn), (WINDOW_CLOSES, Milestones::ClosesOn)] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Milestones::Table)
                        .col(Milestones::Kind)
                        .col(Milestones::State)
                        .col(date)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(ALERT_SERIES)
                    .table(Alerts::Table)
                    .col(Alerts::SourceId)
                    .col(Alerts::RecipientPartyId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(ALERT_SERIES).table(Alerts::Table).to_owned()).await?;
        for name in [WINDOW_OPENS, WINDOW_CLOSES] {
            manager.drop_index(Index::drop().name(name).table(Milestones::Table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Milestones {
    Table,
    Kind,
    State,
    OpensOn,
    ClosesOn,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    SourceId,
    RecipientPartyId,
}
