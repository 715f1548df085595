//! Browser sessions, found by the hash of the cookie's id.

use crate::entity::{party, session};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, SelectStatement},
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    SelectTwoModel, Set,
};
use uuid::Uuid;

use super::{kept::KeptSelect, new_id};
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::sign_in::{SessionEnd, SignInMethod};

pub struct NewSession {
    pub token_hash: String,
    pub party_id: Uuid,
    pub signed_in_by: SignInMethod,
    pub user_agent: Option<String>,
    pub idle_expires_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: &impl Write, new: NewSession, now: DateTime<Utc>) -> Result<session::Model, DbErr> {
    session::ActiveModel {
        id: Set(new_id()),
        token_hash: Set(new.token_hash),
        party_id: Set(new.party_id),
        signed_in_by: Set(new.signed_in_by.as_str().to_owned()),
        user_agent: Set(new.user_agent),
        created_at: Set(now),
        last_seen_at: Set(now),
        idle_expires_at: Set(new.idle_expires_at),
        expires_at: Set(new.expires_at),
        ended_at: Set(None),
        end_reason: Set(None),
    }
    .insert(db.conn())
    .await
}

/// A session that has not ended or run out.
pub async fn live_by_token(
    db: &impl Read,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::EndedAt.is_null())
        .filter(session::Column::IdleExpiresAt.gt(now))
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db.conn())
        .await
}

/// A live session and its enabled party, in one query: a signed-in page asks this first.
pub async fn live_with_party(
    db: &impl Read,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(session::Model, party::Model)>, DbErr> {
    let found =
        LIVE.one::<SelectTwoModel<session::Model, party::Model>>(db.conn(), live_values(token_hash, now)).await?;
    Ok(found.and_then(|(session, party)| Some((session, party?))))
}

/// Read on a browser's first request, and each time the cache has let its session go: the
/// statement is kept (`store::kept`).
static LIVE: KeptSelect = KeptSelect::new(|| live(String::new(), DateTime::UNIX_EPOCH));

/// The live session whose cookie hashes to `token_hash`, with its party, first row only.
fn live(token_hash: String, now: DateTime<Utc>) -> SelectStatement {
    let to_party =
        session::Entity::belongs_to(party::Entity).from(session::Column::PartyId).to(party::Column::Id).into();
    session::Entity::find()
        .join(JoinType::InnerJoin, to_party)
        .select_also(party::Entity)
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::EndedAt.is_null())
        .filter(session::Column::IdleExpiresAt.gt(now))
        .filter(session::Column::ExpiresAt.gt(now))
        .filter(party::Column::DisabledAt.is_null())
        .limit(1)
        .into_query()
}

/// What `live` binds, in its order: the hash, the instant twice, and the limit of one row.
fn live_values(token_hash: &str, now: DateTime<Utc>) -> Vec<sea_orm::Value> {
    vec![token_hash.into(), now.into(), now.into(), 1u64.into()]
}

/// A party's sessions that have not ended or run out, newest first.
pub async fn live_of_party(db: &impl Read, party_id: Uuid, now: DateTime<Utc>) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::PartyId.eq(party_id))
        .filter(session::Column::EndedAt.is_null())
        .filter(session::Column::IdleExpiresAt.gt(now))
        .filter(session::Column::ExpiresAt.gt(now))
        .order_by_desc(session::Column::Id)
        .all(db.conn())
        .await
}

/// Records use: the idle expiry moves on.
pub async fn touch(
    db: &impl Write,
    row: &session::Model,
    idle_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .col_expr(session::Column::IdleExpiresAt, Expr::value(idle_expires_at))
        .filter(session::Column::Id.eq(row.id))
        .filter(session::Column::EndedAt.is_null())
        .exec(db.conn())
        .await?;
    db.declare([Changed::Party(row.party_id)]).await;
    Ok(())
}

/// Ends the named sessions of a party that are still going; returns how many ended.
pub async fn end(
    db: &impl Write,
    party_id: Uuid,
    ids: &[Uuid],
    reason: SessionEnd,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let ended = session::Entity::update_many()
        .col_expr(session::Column::EndedAt, Expr::value(now))
        .col_expr(session::Column::EndReason, Expr::value(reason.as_str()))
        .filter(session::Column::PartyId.eq(party_id))
        .filter(session::Column::Id.is_in(ids.iter().copied()))
        .filter(session::Column::EndedAt.is_null())
        .exec(db.conn())
        .await?;
    db.declare([Changed::Party(party_id)]).await;
    Ok(ended.rows_affected)
}

/// Ends every session of a party still going.
pub async fn end_all_of(db: &impl Write, party_id: Uuid, reason: SessionEnd, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let ended = session::Entity::update_many()
        .col_expr(session::Column::EndedAt, Expr::value(now))
        .col_expr(session::Column::EndReason, Expr::value(reason.as_str()))
        .filter(session::Column::PartyId.eq(party_id))
        .filter(session::Column::EndedAt.is_null())
        .exec(db.conn())
        .await?;
    db.declare([Changed::Party(party_id)]).await;
    Ok(ended.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::kept::assert_same_as_built;

    #[test]
    fn a_live_session_is_read_with_the_statement_the_query_builder_writes() {
        let now = chrono::Utc::now();
        assert_same_as_built(&LIVE, live_values("hash", now), &live("hash".into(), now));
    }
}
