//! Invitations to sign in: made by admins, or by staff for a family member, lawyer or person
//! their facility looks after; printed as a QR code of the link.

use chrono::{DateTime, Utc};
use poem::{web::Data, Request};
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    auth::Principal,
    http::{ApiError, JsonBody},
    state::AppState,
    store,
    workflow::{self, sign_in::invitation_url},
};

/// A new invitation. With `send_to`, it also goes to that confirmed address of the party.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct InvitationCreate {
    /// One of the party's confirmed addresses (`/parties/{id}/contacts`) to send it to.
    pub send_to: Option<Uuid>,
}

/// An invitation as handed over: shown once; only a keyed hash of the code is kept.
#[derive(Debug, Object)]
pub struct InvitationView {
    pub id: Uuid,
    pub party_id: Uuid,
    /// Ten letters and digits, printed `ABCDE-FGHJK`; typed in any case, with or without the dash.
    pub code: String,
    /// The link that carries the code: it opens a page with the code filled in.
    pub url: String,
    /// Seven days from now; the first use spends it.
    pub expires_at: DateTime<Utc>,
    /// The address it was also sent to, if any.
    pub sent_to: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum CreateInvitationResponse {
    /// Made; hand over the code or the link (or print `…/qr`).
    #[oai(status = 201)]
    Created(Json<InvitationView>, #[oai(header = "Location")] String, #[oai(header = "Cache-Control")] String),
}

#[derive(ApiResponse)]
pub enum InvitationQrResponse {
    /// The invitation's link as a QR code, to print.
    #[oai(status = 200, content_type = "image/svg+xml")]
    Svg(poem_openapi::payload::PlainText<String>, #[oai(header = "Cache-Control")] String),
}

async fn invitable(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    action: &'static str,
) -> Result<crate::entity::party::Model, ApiError> {
    Ok(crate::access::party_to_invite(state, principal, id, action).await?)
}

pub struct InvitationsApi;

#[OpenApi(tag = "ApiTags::Parties")]
impl InvitationsApi {
    /// Invite a party to sign in
    ///
    /// Admins, any party; staff, only a family member, lawyer or person account their facility
    /// created for its resident, that has never signed in and is linked to no one placed
    /// elsewhere. The code is shown this once, to its issuer; it works once, within 7 days. At
    /// most 5 a day for one party and 50 a day by one issuer (429). A party that has signed in
    /// before is told on its confirmed addresses. A disabled party cannot be invited (409).
    #[oai(path = "/parties/:id/invitations", method = "post", operation_id = "createInvitation")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        req: &Request,
        id: Path<Uuid>,
        body: JsonBody<InvitationCreate>,
    ) -> Result<CreateInvitationResponse, ApiError> {
        let party = invitable(&state, &auth.0, id.0, "invitation.create").await?;
        let issued = workflow::sign_in::invite(
            &state,
            &party,
            auth.0.actor_id(),
            body.0.send_to,
            &crate::http::base_url(req, state.public_url.as_deref()),
        )
        .await?;
        let location = format!("{}/parties/{}/invitations/{}/qr", super::BASE_PATH, party.id, issued.invitation.id);
        let view = InvitationView {
            id: issued.invitation.id,
            party_id: party.id,
            code: issued.code.display(),
            url: issued.url,
            expires_at: issued.invitation.expires_at,
            sent_to: issued.invitation.sent_to,
        };
        Ok(CreateInvitationResponse::Created(Json(view), location, "no-store".into()))
    }

    /// An invitation's link as a QR code
    ///
    /// An SVG to print, while the invitation is unused and unexpired; only for whoever made it,
    /// and while they still may invite the party. Anyone else's invitation answers 404.
    #[oai(path = "/parties/:id/invitations/:invitation_id/qr", method = "get", operation_id = "getInvitationQr")]
    async fn qr(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        req: &Request,
        id: Path<Uuid>,
        invitation_id: Path<Uuid>,
    ) -> Result<InvitationQrResponse, ApiError> {
        let party = invitable(&state, &auth.0, id.0, "invitation.qr").await?;
        let now = state.clock.now();
        let invitation = store::sign_in::find_invitation(&state.reads, invitation_id.0)
            .await?
            .filter(|invitation| invitation.party_id == party.id)
            .filter(|invitation| invitation.created_by == auth.0.actor_id())
            .filter(|invitation| invitation.used_at.is_none() && invitation.expires_at > now)
            .ok_or(ApiError::NotFound)?;
        let url = invitation_url(
            &crate::http::base_url(req, state.public_url.as_deref()),
            &state.keys.invitation_code(invitation.id),
        );
        let image = crate::templates::qr_svg(&url)
            .map_err(|err| ApiError::Internal(format!("cannot make a QR code: {err}")))?;
        Ok(InvitationQrResponse::Svg(poem_openapi::payload::PlainText(image), "no-store".into()))
    }
}
