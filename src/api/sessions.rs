//! The caller's own browser sessions: listed, and ended one at a time or all but this one.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    auth::{Principal, Via},
    http::ApiError,
    state::AppState,
    store,
    workflow::{self, sign_in::MOST_SESSIONS},
};

/// A signed-in browser.
#[derive(Debug, Object)]
pub struct SessionView {
    pub id: Uuid,
    /// `invitation` or `code`.
    pub signed_in_by: String,
    /// The browser's own description, cut short.
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When it ends if not used before then (never later than `expires_at`).
    pub idle_expires_at: DateTime<Utc>,
    /// When it ends however much it is used.
    pub expires_at: DateTime<Utc>,
    /// The session this request was made with.
    pub current: bool,
}

#[derive(Debug, Object)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

#[derive(Debug, Object)]
pub struct SessionsEnded {
    /// How many sessions ended.
    pub ended: u64,
}

#[derive(ApiResponse)]
pub enum EndSessionResponse {
    #[oai(status = 204)]
    Ended,
}

async fn my_party(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
) -> Result<crate::entity::party::Model, ApiError> {
    let id = principal.party_id.ok_or_else(ApiError::no_own_account)?;
    Ok(crate::access::party_reach(state, principal, id, action).await?)
}

fn current(principal: &Principal) -> Option<Uuid> {
    match principal.via {
        Via::Session(id) => Some(id),
        Via::Token | Via::Client(_) => None,
    }
}

pub struct SessionsApi;

#[OpenApi(tag = "ApiTags::Me")]
impl SessionsApi {
    /// My signed-in browsers
    ///
    /// Newest first. A party holds at most 10 sessions (signing in once more ends the oldest),
    /// so the list is never longer; `limit` shortens it.
    #[oai(path = "/me/sessions", method = "get", operation_id = "listMySessions")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        /// How many to list, 1 to 10 (all when left out).
        #[oai(validator(minimum(value = "1"), maximum(value = "10")))]
        limit: Query<Option<u32>>,
    ) -> Result<Json<SessionList>, ApiError> {
        let party = my_party(&state, &auth.0, "session.list").await?;
        let this = current(&auth.0);
        let most = limit.0.map_or(MOST_SESSIONS, |limit| limit as usize);
        let items = store::sessions::live_of_party(&state.reads, party.id, state.clock.now())
            .await?
            .into_iter()
            .take(most)
            .map(|session| SessionView {
                current: Some(session.id) == this,
                id: session.id,
                signed_in_by: session.signed_in_by,
                user_agent: session.user_agent,
                created_at: session.created_at,
                last_seen_at: session.last_seen_at,
                idle_expires_at: session.idle_expires_at,
                expires_at: session.expires_at,
            })
            .collect();
        Ok(Json(SessionList { items }))
    }

    /// End one of my sessions
    #[oai(path = "/me/sessions/:session_id", method = "delete", operation_id = "endMySession")]
    async fn end(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        session_id: Path<Uuid>,
    ) -> Result<EndSessionResponse, ApiError> {
        let party = my_party(&state, &auth.0, "session.manage").await?;
        workflow::sign_in::end_session(&state, &party, session_id.0).await?;
        Ok(EndSessionResponse::Ended)
    }

    /// End all my other sessions
    ///
    /// Every session but the one this request is made with (all of them, with a bearer token).
    #[oai(path = "/me/sessions", method = "delete", operation_id = "endMyOtherSessions")]
    async fn end_others(&self, auth: Authenticated, state: Data<&AppState>) -> Result<Json<SessionsEnded>, ApiError> {
        let party = my_party(&state, &auth.0, "session.manage").await?;
        let ended = workflow::sign_in::end_other_sessions(&state, &party, current(&auth.0)).await?;
        Ok(Json(SessionsEnded { ended }))
    }
}
