//! What SQLite's planner makes of the scheduler's queries. It keeps no statistics here, so
//! where two indexes could answer, it may pick the one that reads a whole table: fast while the
//! table is small, and a tick that grows with every alert ever sent. Each test names the index
//! a query must be answered by, on the schema the migrations build.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement};

use crate::{config::DatabaseUrl, database};

/// The steps of `statement`'s plan, as `EXPLAIN QUERY PLAN` words them.
async fn plan_of(statement: Statement) -> Vec<String> {
    let db = database::connect(&DatabaseUrl::parse("sqlite::memory:").unwrap()).await.unwrap();
    database::migrate(&db).await.unwrap();
    let values = statement.values.map(|values| values.0).unwrap_or_default();
    let explain =
        Statement::from_sql_and_values(DbBackend::Sqlite, format!("EXPLAIN QUERY PLAN {}", statement.sql), values);
    let rows = db.query_all(explain).await.unwrap();
    rows.iter().map(|row| row.try_get::<String>("", "detail").unwrap()).collect()
}

fn an_instant() -> DateTime<Utc> {
    "2026-12-07T03:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn the_team_alerts_whose_ladder_is_due_are_one_range_of_an_index_in_order() {
    let plan = plan_of(super::rota::ladder_due_query(an_instant(), 100).build(DbBackend::Sqlite)).await;
    assert!(
        plan.iter().any(|step| step.contains("USING INDEX idx_alerts_ladder_due (status=? AND ladder_next_at<?)")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|step| step.contains("TEMP B-TREE")), "sorted after reading: {plan:?}");
}
