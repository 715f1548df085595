use crate::entity::lapse;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::SelectStatement, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
    SelectModel, Set,
};
use uuid::Uuid;

use super::{kept::KeptSelect, new_id};
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;

pub async fn insert(
    db: &impl Write,
    person_id: Uuid,
    on: NaiveDate,
    note: Option<String>,
    recorded_by: String,
    now: DateTime<Utc>,
) -> Result<lapse::Model, DbErr> {
    let row = lapse::ActiveModel {
        id: Set(new_id()),
        person_id: Set(person_id),
        on: Set(on),
        note: Set(note),
        recorded_by: Set(recorded_by),
        recorded_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    db.declare([Changed::Person(person_id)]).await;
    Ok(row)
}

pub async fn list_for_person(db: &impl Read, person_id: Uuid) -> Result<Vec<lapse::Model>, DbErr> {
    FOR_PERSON.all::<SelectModel<lapse::Model>>(db.conn(), vec![person_id.into()]).await
}

/// Read on every schedule the cache misses: the statement is kept (`store::kept`).
static FOR_PERSON: KeptSelect = KeptSelect::new(|| for_person(Uuid::nil()));

fn for_person(person_id: Uuid) -> SelectStatement {
    lapse::Entity::find()
        .filter(lapse::Column::PersonId.eq(person_id))
        .order_by_asc(lapse::Column::On)
        .order_by_asc(lapse::Column::Id)
        .into_query()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::kept::assert_same_as_built;

    #[test]
    fn a_persons_lapses_are_read_with_the_statement_the_query_builder_writes() {
        let person = Uuid::new_v4();
        assert_same_as_built(&FOR_PERSON, vec![person.into()], &for_person(person));
    }
}
