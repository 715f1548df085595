//! Reads whose SQL is built once for each backend and kept, rather than on every call.
//!
//! A read the cache misses builds its statement through sea-query: the entity's columns,
//! filters and order laid out, then written as text. On the family's page at 10 000 persons,
//! where most of the database's reads are each family's first visit, building and dropping
//! those statements took about 6 % of the server's time (profiled), more than SQLite spent
//! running them. The statement of such a read does not change from one call to the next but
//! for its values: it is built here once per backend, by the same sea-query code the read
//! would have used, with stand-in values, and only the values are bound on each call.
//!
//! The values passed must be the ones sea-query would bind, in its order (the order they appear
//! in the SQL, `LIMIT` last). Each kept read has a test beside it that builds the statement the
//! old way with real values and compares SQL and values on both backends; a call with the wrong
//! number of values is an error, never a statement run with values shifted.

use std::sync::OnceLock;

use sea_orm::sea_query::SelectStatement;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, SelectorTrait, Statement, Value};

/// A select's SQL for each backend, built on first use.
pub struct KeptSelect {
    build: fn() -> SelectStatement,
    sqlite: OnceLock<Built>,
    postgres: OnceLock<Built>,
}

/// The SQL as written, and how many values it binds.
struct Built {
    sql: String,
    values: usize,
}

impl KeptSelect {
    /// `build` makes the select with stand-in values; only its shape is kept.
    pub const fn new(build: fn() -> SelectStatement) -> Self {
        Self { build, sqlite: OnceLock::new(), postgres: OnceLock::new() }
    }

    /// The statement for `backend` with `values` bound in place of the stand-ins.
    pub fn statement(&self, backend: DbBackend, values: Vec<Value>) -> Result<Statement, DbErr> {
        let kept = match backend {
            DbBackend::Postgres => &self.postgres,
            DbBackend::Sqlite => &self.sqlite,
            DbBackend::MySql => return Err(DbErr::Custom("no kept statement for MySQL".into())),
        };
        let built = kept.get_or_init(|| {
            let statement = backend.build(&(self.build)());
            Built { values: statement.values.map_or(0, |values| values.0.len()), sql: statement.sql }
        });
        if values.len() != built.values {
            return Err(DbErr::Custom(format!(
                "a kept statement binds {} values, and {} were given",
                built.values,
                values.len()
            )));
        }
        Ok(Statement::from_sql_and_values(backend, built.sql.clone(), values))
    }

    /// Every row, read as `S` reads them (an entity's model, or a pair of them).
    pub async fn all<S: SelectorTrait>(
        &self,
        db: &impl ConnectionTrait,
        values: Vec<Value>,
    ) -> Result<Vec<S::Item>, DbErr> {
        let statement = self.statement(db.get_database_backend(), values)?;
        db.query_all(statement).await?.into_iter().map(S::from_raw_query_result).collect()
    }

    /// The first row, if any. The select itself should say `LIMIT 1`.
    pub async fn one<S: SelectorTrait>(
        &self,
        db: &impl ConnectionTrait,
        values: Vec<Value>,
    ) -> Result<Option<S::Item>, DbErr> {
        let statement = self.statement(db.get_database_backend(), values)?;
        db.query_one(statement).await?.map(S::from_raw_query_result).transpose()
    }
}

/// Test support: `kept` with `values` is the statement sea-query builds for `reference` (the
/// same select with those values in place), on both backends.
#[cfg(test)]
pub fn assert_same_as_built(kept: &KeptSelect, values: Vec<Value>, reference: &SelectStatement) {
    for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
        let expected = backend.build(reference);
        let statement = kept.statement(backend, values.clone()).expect("as many values as the statement binds");
        assert_eq!(statement.sql, expected.sql, "{backend:?}");
        assert_eq!(statement.values, expected.values, "{backend:?}");
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};
    use uuid::Uuid;

    use super::*;
    use crate::entity::link;

    // That the values are bound in place of the stand-ins is checked beside each kept read.
    static BY_PARTY: KeptSelect =
        KeptSelect::new(|| link::Entity::find().filter(link::Column::PartyId.eq(Uuid::nil())).into_query());

    #[test]
    fn a_kept_select_given_the_wrong_number_of_values_is_an_error() {
        for values in [vec![], vec![Uuid::new_v4().into(), Uuid::new_v4().into()]] {
            assert!(BY_PARTY.statement(DbBackend::Sqlite, values).is_err());
        }
    }
}
