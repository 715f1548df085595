use poem::{web::Data, Request};
use poem_openapi::{param::Query, payload::Json, ApiResponse, Object, OpenApi};

use super::{ApiTags, Authenticated};
use crate::{http::ApiError, state::AppState, workflow::feeds};

/// A calendar subscription URL. It is the key: anyone holding it reads the feed, so share it
/// only with the calendar app; rotate it to shut out an old copy.
#[derive(Debug, Object)]
pub struct CalendarFeed {
    pub url: String,
    /// Whether event titles name the person and what is coming. When false (the default), a
    /// title says only 「つなぐ：大切な日」 / "Tsunagu: important day", since calendars show titles
    /// on lock screens; the detail is in each event's description.
    pub detailed_titles: bool,
    /// Whether this replaced an earlier feed, whose URL no longer works.
    pub replaced: bool,
}

#[derive(ApiResponse)]
pub enum FeedCreated {
    /// A new URL; any earlier one stops working.
    #[oai(status = 201)]
    Created(Json<CalendarFeed>),
}

#[derive(ApiResponse)]
pub enum FeedRevoked {
    /// The URL no longer works (404).
    #[oai(status = 204)]
    Revoked,
}

/// Where the service is reached from outside: `TSUNAGU_PUBLIC_URL`, else the request's host.
pub struct FeedsApi;

#[OpenApi(tag = "ApiTags::Me")]
impl FeedsApi {
    /// Create or rotate my calendar feed
    ///
    /// An iCalendar URL (no bearer token needed) with the upcoming dates and high-risk periods
    /// of the persons the caller is linked to, within consent. Event titles are discreet unless
    /// `detailed_titles=true`.
    #[oai(path = "/me/calendar-feed", method = "post", operation_id = "createCalendarFeed")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        req: &Request,
        /// Event titles that name the person and what is coming (they show on lock screens).
        #[oai(name = "detailed_titles")]
        detailed_titles: Query<Option<bool>>,
    ) -> Result<FeedCreated, ApiError> {
        let party = auth.0.party_id.ok_or(ApiError::Forbidden("A calendar feed belongs to a party."))?;
        let detailed_titles = detailed_titles.0.unwrap_or(false);
        let feed = feeds::create_or_rotate(&state, party, detailed_titles).await?;
        Ok(FeedCreated::Created(Json(CalendarFeed {
            url: format!("{}/feeds/{}.ics", crate::http::base_url(req, state.public_url.as_deref()), feed.token),
            detailed_titles,
            replaced: feed.replaced,
        })))
    }

    /// Revoke my calendar feed
    #[oai(path = "/me/calendar-feed", method = "delete", operation_id = "revokeCalendarFeed")]
    async fn revoke(&self, auth: Authenticated, state: Data<&AppState>) -> Result<FeedRevoked, ApiError> {
        let party = auth.0.party_id.ok_or(ApiError::Forbidden("A calendar feed belongs to a party."))?;
        feeds::revoke(&state, party).await?;
        Ok(FeedRevoked::Revoked)
    }
}
