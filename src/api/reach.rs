//! A party's addresses (e-mail, phone) and channel preferences: admins, the party itself at
//! `/me/…`, and staff of a facility where someone the party is linked to is placed now.

use crate::entity::{contact_point, party};
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{
    types::{ApiChannel, ApiEmailPreference, ApiLinePreference, ApiSmsPreference},
    ApiTags, Authenticated,
};
use crate::{
    auth::Principal,
    domain::{
        channels::{parse_digest_at, ContactAddress, Preferences},
        format_clock_time, Refusals,
    },
    http::{ApiError, JsonBody},
    state::AppState,
    store, workflow,
};

/// A new address. It is sent a confirmation and nothing else until its owner confirms.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ContactPointCreate {
    pub channel: ApiChannel,
    /// An e-mail address, or a phone number (`090-1234-5678` is read as Japanese and kept as
    /// `+819012345678`).
    pub address: String,
}

#[derive(Debug, Object)]
pub struct ContactPointView {
    pub id: Uuid,
    pub party_id: Uuid,
    /// `email`, `sms` or `line`.
    pub channel: String,
    /// The address as kept: phone numbers in E.164; a LINE account is shown as `LINE` (its
    /// id is never given out).
    pub address: String,
    /// `unconfirmed`, `confirmed`, `unsubscribed`, `opted_out` or `bouncing`.
    pub status: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<contact_point::Model> for ContactPointView {
    fn from(row: contact_point::Model) -> Self {
        Self {
            id: row.id,
            party_id: row.party_id,
            channel: row.channel.to_string(),
            address: ContactAddress::shown(row.channel, &row.address),
            status: row.status.to_string(),
            confirmed_at: row.confirmed_at,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Object)]
pub struct ContactPointList {
    pub items: Vec<ContactPointView>,
}

/// What a party wants on each channel. Quiet hours hold for every channel; only critical
/// alerts pass them.
#[derive(Debug, Object)]
pub struct PreferencesView {
    /// `immediate` (each alert), `digest` (one e-mail a day; critical alerts still at once) or `off`.
    pub email: ApiEmailPreference,
    /// `critical` (only critical alerts), `all` or `off`.
    pub sms: ApiSmsPreference,
    /// `immediate` (each alert), `critical` (only critical alerts) or `off`: what goes to the
    /// party's linked LINE account, if any.
    pub line: ApiLinePreference,
    /// `HH:MM`, local time of the party's zone: when the daily digest goes.
    pub digest_at: String,
    /// Whether alert and digest e-mails say in their body what is coming, about whom (a lapse
    /// only where the person consented to sharing it). Subjects and texts only ever say that
    /// there is a notice. Off unless the reader turns it on.
    pub email_detail: bool,
}

/// Changes to preferences; fields left out stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PreferencesPatch {
    pub email: Option<ApiEmailPreference>,
    pub sms: Option<ApiSmsPreference>,
    pub line: Option<ApiLinePreference>,
    /// `HH:MM`.
    pub digest_at: Option<String>,
    pub email_detail: Option<bool>,
}

fn view_of(preferences: Preferences) -> PreferencesView {
    PreferencesView {
        email: preferences.email.into(),
        sms: preferences.sms.into(),
        line: preferences.line.into(),
        digest_at: format_clock_time(preferences.digest_at),
        email_detail: preferences.email_detail,
    }
}

#[derive(ApiResponse)]
pub enum CreateContactPointResponse {
    /// Added, unconfirmed; the confirmation is on its way.
    #[oai(status = 201)]
    Created(Json<ContactPointView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum DeleteContactPointResponse {
    #[oai(status = 204)]
    Deleted,
}

async fn party_of(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    action: &'static str,
) -> Result<party::Model, ApiError> {
    Ok(crate::access::party_reach(state, principal, id, action).await?)
}

/// The caller's own party; an admin minted by name has none.
async fn my_party(state: &AppState, principal: &Principal, action: &'static str) -> Result<party::Model, ApiError> {
    let id = principal.party_id.ok_or_else(ApiError::no_own_account)?;
    party_of(state, principal, id, action).await
}

async fn create(
    state: &AppState,
    party: party::Model,
    body: ContactPointCreate,
) -> Result<CreateContactPointResponse, ApiError> {
    let address = ContactAddress::parse(body.channel.into(), &body.address)
        .map_err(|why| ApiError::from(Refusals::one("address", why)))?;
    let row = workflow::add_contact_point(state, &party, address).await?;
    let location = format!("{}/parties/{}/contacts/{}", super::BASE_PATH, party.id, row.id);
    Ok(CreateContactPointResponse::Created(Json(row.into()), location))
}

async fn list(state: &AppState, party: &party::Model) -> Result<Json<ContactPointList>, ApiError> {
    let items = store::contact_points::of_party(&state.reads, party.id).await?.into_iter().map(Into::into).collect();
    Ok(Json(ContactPointList { items }))
}

async fn delete(
    state: &AppState,
    party: &party::Model,
    contact_id: Uuid,
) -> Result<DeleteContactPointResponse, ApiError> {
    let contact = store::contact_points::find(&state.db, contact_id)
        .await?
        .filter(|contact| contact.party_id == party.id)
        .ok_or(ApiError::NotFound)?;
    workflow::remove_contact_point(state, &contact).await?;
    Ok(DeleteContactPointResponse::Deleted)
}

fn preferences(party: &party::Model) -> Result<Json<PreferencesView>, ApiError> {
    Ok(Json(view_of(store::parties::preferences_of(party)?)))
}

async fn patch(
    state: &AppState,
    party: party::Model,
    body: PreferencesPatch,
) -> Result<Json<PreferencesView>, ApiError> {
    let mut current = store::parties::preferences_of(&party)?;
    if let Some(digest_at) = &body.digest_at {
        current.digest_at =
            parse_digest_at(digest_at).map_err(|why| ApiError::from(Refusals::one("digest_at", why)))?;
    }
    current.email = body.email.map_or(current.email, Into::into);
    current.sms = body.sms.map_or(current.sms, Into::into);
    current.line = body.line.map_or(current.line, Into::into);
    current.email_detail = body.email_detail.unwrap_or(current.email_detail);
    let row = workflow::set_preferences(state, party, current).await?;
    preferences(&row)
}

pub struct ReachApi;

#[OpenApi(tag = "ApiTags::Parties")]
impl ReachApi {
    /// Add an address to a party
    ///
    /// Admins; staff for a party linked to someone placed at their facility. E-mail or SMS must
    /// be configured on the service (409 otherwise), and a party holds an address once (409).
    #[oai(path = "/parties/:id/contacts", method = "post", operation_id = "createContactPoint")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<ContactPointCreate>,
    ) -> Result<CreateContactPointResponse, ApiError> {
        let party = party_of(&state, &auth.0, id.0, "contact.create").await?;
        create(&state, party, body.0).await
    }

    /// A party's addresses
    #[oai(path = "/parties/:id/contacts", method = "get", operation_id = "listContactPoints")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<ContactPointList>, ApiError> {
        let party = party_of(&state, &auth.0, id.0, "contact.list").await?;
        list(&state, &party).await
    }

    /// Remove an address
    ///
    /// What has not yet gone to it is dropped; what went stays on record.
    #[oai(path = "/parties/:id/contacts/:contact_id", method = "delete", operation_id = "deleteContactPoint")]
    async fn delete(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        contact_id: Path<Uuid>,
    ) -> Result<DeleteContactPointResponse, ApiError> {
        let party = party_of(&state, &auth.0, id.0, "contact.delete").await?;
        delete(&state, &party, contact_id.0).await
    }

    /// Add an address of my own
    #[oai(path = "/me/contacts", method = "post", operation_id = "createMyContactPoint")]
    async fn create_mine(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        body: JsonBody<ContactPointCreate>,
    ) -> Result<CreateContactPointResponse, ApiError> {
        let party = my_party(&state, &auth.0, "contact.create").await?;
        create(&state, party, body.0).await
    }

    /// My addresses
    #[oai(path = "/me/contacts", method = "get", operation_id = "listMyContactPoints")]
    async fn list_mine(&self, auth: Authenticated, state: Data<&AppState>) -> Result<Json<ContactPointList>, ApiError> {
        let party = my_party(&state, &auth.0, "contact.list").await?;
        list(&state, &party).await
    }

    /// Remove an address of my own
    #[oai(path = "/me/contacts/:contact_id", method = "delete", operation_id = "deleteMyContactPoint")]
    async fn delete_mine(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        contact_id: Path<Uuid>,
    ) -> Result<DeleteContactPointResponse, ApiError> {
        let party = my_party(&state, &auth.0, "contact.delete").await?;
        delete(&state, &party, contact_id.0).await
    }

    /// A party's channel preferences
    #[oai(path = "/parties/:id/preferences", method = "get", operation_id = "getPreferences")]
    async fn preferences(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<PreferencesView>, ApiError> {
        let party = party_of(&state, &auth.0, id.0, "preferences.read").await?;
        preferences(&party)
    }

    /// Change a party's channel preferences
    #[oai(path = "/parties/:id/preferences", method = "patch", operation_id = "updatePreferences")]
    async fn patch(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<PreferencesPatch>,
    ) -> Result<Json<PreferencesView>, ApiError> {
        let party = party_of(&state, &auth.0, id.0, "preferences.update").await?;
        patch(&state, party, body.0).await
    }

    /// My channel preferences
    #[oai(path = "/me/preferences", method = "get", operation_id = "getMyPreferences")]
    async fn my_preferences(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
    ) -> Result<Json<PreferencesView>, ApiError> {
        let party = my_party(&state, &auth.0, "preferences.read").await?;
        preferences(&party)
    }

    /// Change my channel preferences
    #[oai(path = "/me/preferences", method = "patch", operation_id = "updateMyPreferences")]
    async fn patch_mine(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        body: JsonBody<PreferencesPatch>,
    ) -> Result<Json<PreferencesView>, ApiError> {
        let party = my_party(&state, &auth.0, "preferences.update").await?;
        patch(&state, party, body.0).await
    }
}
