//! Accounts: every kind an admin opens (staff of an organisation, family, lawyers, probation
//! systems, other admins), each with its page: a printable invitation, its addresses, its
//! sessions, and disabling or enabling it.

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{admin_form, answer, list_page, named_organization, page, record_page, when, Back, Shown};
use crate::{
    access::audit_entry,
    domain::{DisplayName, Language, PartyRole, Refusals, Why, Zone},
    http::base_url,
    pages::{
        forms::{invitation_sheet, posted::Posted},
        frame::{failed, id_of, not_found, see_other, Viewer},
        words,
    },
    state::AppState,
    store::{self, audit::Outcome, parties::NewParty, parties::PartyChanges, PageRequest},
    workflow::{self, WorkflowError},
};

/// The accounts an admin opens here; a person's own account is opened from their resident's
/// page, with the person it belongs to.
const OPENED_HERE: [PartyRole; 5] =
    [PartyRole::Staff, PartyRole::Family, PartyRole::Lawyer, PartyRole::Probation, PartyRole::Admin];

#[derive(serde::Deserialize)]
pub struct Listing {
    pub done: Option<String>,
    pub organization: Option<String>,
}

fn role_of(row: &crate::entity::party::Model, language: Language) -> &'static str {
    words::account_role(row.role, language)
}

pub(super) async fn render_list(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let organization = req
        .uri()
        .query()
        .and_then(|query| serde_urlencoded::from_str::<Listing>(query).ok()?.organization.and_then(|id| id_of(&id)));
    let gathered = async {
        let first = PageRequest { after: None, limit: 200 };
        let parties = match organization {
            Some(organization_id) => store::parties::of_organization(&state.db, organization_id, first).await?,
            None => store::parties::list(&state.db, first).await?,
        };
        let organizations = store::organizations::list(&state.db, PageRequest { after: None, limit: 200 }).await?;
        Ok::<_, sea_orm::DbErr>((parties, organizations))
    };
    let (parties, organizations) = match gathered.await {
        Ok(gathered) => gathered,
        Err(err) => return failed(err),
    };
    let language = viewer.language;
    let names: std::collections::HashMap<Uuid, String> =
        organizations.items.iter().map(|org| (org.id, org.name.clone())).collect();
    let accounts: Vec<Value> = parties
        .items
        .iter()
        .map(|row| {
            context! {
                id => row.id, name => row.display_name, role => role_of(row, language),
                organization => row.organization_id.and_then(|id| names.get(&id).cloned()),
                disabled => row.disabled_at.is_some(),
            }
        })
        .collect();
    let roles: Vec<Value> =
        OPENED_HERE.iter().map(|role| words::option(role.as_str(), words::account_role(*role, language))).collect();
    let organizations: Vec<Value> = organizations
        .items
        .iter()
        .map(|org| {
            let kind = words::organization_kind(org.kind, language);
            words::option(&org.id.to_string(), &format!("{}{}", org.name, crate::domain::words::aside(kind, language)))
        })
        .collect();
    let languages: Vec<Value> =
        Language::ALL.iter().map(|lang| words::option(lang.as_str(), words::language(*lang))).collect();
    let title = if language == Language::Ja { "アカウント" } else { "Accounts" };
    let context = context! {
        accounts => accounts, roles => roles, organizations => organizations, languages => languages,
        more => parties.next_cursor.is_some(), organization => organization,
    };
    page(req, viewer, "admin_accounts.html", title, status, shown, context)
}

pub(super) async fn render_one(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let now = state.clock.now();
    let gathered = async {
        let Some(party) = store::parties::find(&state.db, id).await? else { return Ok(None) };
        let contacts = store::contact_points::of_party(&state.db, id).await?;
        let sessions = store::sessions::live_of_party(&state.db, id, now).await?;
        let organization = match party.organization_id {
            Some(org) => store::organizations::find(&state.db, org).await?,
            None => None,
        };
        Ok::<_, sea_orm::DbErr>(Some((party, contacts, sessions, organization)))
    };
    let (party, contacts, sessions, organization) = match gathered.await {
        Ok(Some(gathered)) => gathered,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    let language = viewer.language;
    let pick = |ja: &'static str, en: &'static str| if language == Language::Ja { ja } else { en };
    let contacts: Vec<Value> = contacts
        .iter()
        .map(|contact| {
            let status = match contact.status.as_str() {
                "confirmed" => pick("確認済み", "confirmed"),
                "unconfirmed" => pick("確認待ち", "waiting for confirmation"),
                _ => pick("停止中", "stopped"),
            };
            context! { id => contact.id, address => crate::domain::channels::ContactAddress::shown(contact.channel, &contact.address), channel => contact.channel.as_str(), status => status }
        })
        .collect();
    let sessions: Vec<Value> = sessions
        .iter()
        .map(|session| {
            context! {
                id => session.id, started => when(session.created_at), last => when(session.last_seen_at),
                agent => session.user_agent,
            }
        })
        .collect();
    let channels: Vec<Value> = super::words::typed_channels(&state.outbox.reach, language);
    let context = context! {
        account => context! {
            id => party.id, name => party.display_name, role => role_of(&party, language),
            organization => organization.map(|org| org.name), disabled => party.disabled_at.is_some(),
            own => party.id == viewer.party.id,
        },
        contacts => contacts, sessions => sessions, channels => channels,
    };
    page(req, viewer, "admin_account.html", &party.display_name, status, shown, context)
}

/// `GET /admin/accounts` (`?organization=` narrows the list to one organisation's).
#[handler]
pub async fn accounts_page(req: &Request, state: Data<&AppState>, listing: Query<Listing>) -> Response {
    list_page(req, &state, listing.0.done.as_deref(), Back::Accounts).await
}

/// `POST /admin/accounts`: `role`, `display_name`, `language`, and `organization_id` where the
/// role belongs to one. Goes on to the new account's page.
#[handler]
pub async fn create_account(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let role = posted.choice::<PartyRole>("role", &mut refusals).filter(|role| {
        let opened_here = OPENED_HERE.contains(role);
        if !opened_here {
            refusals.push("role", Why::RoleDoesNotFit.into());
        }
        opened_here
    });
    let display_name = posted.parsed("display_name", DisplayName::parse, &mut refusals);
    let language = posted.choice::<Language>("language", &mut refusals);
    let organization = match named_organization(&state, &posted, &mut refusals).await {
        Ok(organization) => organization,
        Err(err) => return failed(err),
    };
    if let Some(role) = role {
        let kind = organization.as_ref().map(|org| org.kind);
        refusals.check("organization_id", role.check_organization(kind));
    }
    let done = match (role, display_name, language) {
        (Some(role), Some(display_name), Some(language)) if refusals.is_empty() => {
            let new = NewParty {
                role,
                display_name,
                organization_id: organization.map(|org| org.id),
                language,
                zone: Zone::default(),
                quiet_hours: None,
                person_id: None,
                opened_by_organization_id: None,
            };
            workflow::create_party(&state, new, None).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    match done {
        Ok(party) => see_other(&format!("/admin/accounts/{}?done=account", party.id)),
        Err(err) => answer(req, &state, &viewer, Back::Accounts, ("account", &posted), Err::<(), _>(err), "").await,
    }
}

/// `GET /admin/accounts/{id}`.
#[handler]
pub async fn account_page(
    req: &Request,
    state: Data<&AppState>,
    id: Path<String>,
    done: Query<crate::pages::resident::Done>,
) -> Response {
    record_page(req, &state, &id.0, done.0.done.as_deref(), Back::Account).await
}

/// The account a form names, or the answer for one that is not there.
async fn account_form(
    req: &Request,
    state: &AppState,
    id: &str,
    body: Body,
) -> Result<(Viewer, Posted, crate::entity::party::Model), Response> {
    let (viewer, posted) = admin_form(req, state, body).await?;
    let party = match id_of(id) {
        Some(id) => store::parties::find(&state.db, id).await.map_err(failed)?,
        None => None,
    };
    match party {
        Some(party) => Ok((viewer, posted, party)),
        None => Err(not_found(req, viewer.language)),
    }
}

/// `POST /admin/accounts/{id}/invitations`: a printable invitation (QR code and code).
#[handler]
pub async fn invite_account(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, posted, party) = match account_form(req, &state, &id.0, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let base = base_url(req, state.public_url.as_deref());
    match workflow::sign_in::invite(&state, &party, viewer.principal.actor_id(), None, &base).await {
        Ok(issued) => invitation_sheet(req, &viewer, &party, &issued, &format!("/admin/accounts/{}", party.id)),
        Err(err) => {
            answer(req, &state, &viewer, Back::Account(party.id), ("invite", &posted), Err::<(), _>(err), "").await
        }
    }
}

/// `POST /admin/accounts/{id}/addresses`: `channel` and `address`; a confirmation goes to it.
#[handler]
pub async fn add_account_address(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, posted, party) = match account_form(req, &state, &id.0, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let done = crate::pages::forms::add_typed_address(&state, &party, &posted).await;
    answer(req, &state, &viewer, Back::Account(party.id), ("address", &posted), done, "address").await
}

/// `POST /admin/accounts/{id}/addresses/{contact}/remove`.
#[handler]
pub async fn remove_account_address(
    req: &Request,
    state: Data<&AppState>,
    path: Path<(String, String)>,
    body: Body,
) -> Response {
    let (viewer, posted, party) = match account_form(req, &state, &path.0 .0, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let contact = match id_of(&path.0 .1) {
        Some(id) => match store::contact_points::find(&state.db, id).await {
            Ok(contact) => contact.filter(|contact| contact.party_id == party.id),
            Err(err) => return failed(err),
        },
        None => None,
    };
    let Some(contact) = contact else { return not_found(req, viewer.language) };
    let done = workflow::remove_contact_point(&state, &contact).await;
    answer(req, &state, &viewer, Back::Account(party.id), ("remove", &posted), done, "removed").await
}

async fn set_disabled(req: &Request, state: &AppState, id: &str, body: Body, disabled: bool) -> Response {
    let (viewer, posted, party) = match account_form(req, state, id, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let done = if disabled && party.id == viewer.party.id {
        // An admin cannot shut their own door: another admin does that.
        Err(WorkflowError::Refused(Refusals::one("disabled", Why::RoleDoesNotFit.into())))
    } else {
        let action = if disabled { "party.disable" } else { "party.enable" };
        let audit = audit_entry(&viewer.principal, action, None, Some(party.id), Outcome::Allowed);
        let changes = PartyChanges { disabled: Some(disabled), ..PartyChanges::default() };
        workflow::update_party(state, party.id, changes, Some(audit)).await
    };
    let notice = if disabled { "disabled" } else { "enabled" };
    answer(req, state, &viewer, Back::Account(party.id), ("disabled", &posted), done, notice).await
}

/// `POST /admin/accounts/{id}/disable`: every session, credential and invitation ends.
#[handler]
pub async fn disable_account(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    set_disabled(req, &state, &id.0, body, true).await
}

/// `POST /admin/accounts/{id}/enable`.
#[handler]
pub async fn enable_account(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    set_disabled(req, &state, &id.0, body, false).await
}

/// `POST /admin/accounts/{id}/sessions/{session}/end`.
#[handler]
pub async fn end_account_session(
    req: &Request,
    state: Data<&AppState>,
    path: Path<(String, String)>,
    body: Body,
) -> Response {
    let (viewer, posted, party) = match account_form(req, &state, &path.0 .0, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let Some(session_id) = id_of(&path.0 .1) else { return not_found(req, viewer.language) };
    let done = workflow::sign_in::end_session(&state, &party, session_id).await;
    answer(req, &state, &viewer, Back::Account(party.id), ("session", &posted), done, "session").await
}
