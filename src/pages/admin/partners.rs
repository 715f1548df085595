//! Partner systems: OAuth client credentials of system accounts (the secret shown once), and
//! webhooks (the signing secret shown once) with their recent deliveries. Messages given up on
//! are retried from the dead-letter page.

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{admin_form, answer, list_page, named_organization, page, when, Back, Shown};
use crate::{
    domain::{Language, PartyRole, Refusals, Why},
    outbox::webhook::EVENT_TYPES,
    pages::{
        frame::{failed, id_of, not_found, Viewer},
        words,
    },
    state::AppState,
    store::{self, PageRequest},
    workflow::{self, WorkflowError},
};

/// The kinds of account a system signs in as.
const SYSTEMS: [PartyRole; 2] = [PartyRole::Probation, PartyRole::Staff];

/// How many of a webhook's latest attempts are shown.
const RECENT_ATTEMPTS: u64 = 5;

pub(super) async fn render(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let gathered = async {
        let systems = store::parties::of_roles(&state.db, &SYSTEMS).await?;
        let organizations = store::organizations::list(&state.db, PageRequest { after: None, limit: 200 }).await?.items;
        let credentials = store::credentials::all(&state.db).await?;
        let holders: Vec<Uuid> = credentials.iter().map(|credential| credential.party_id).collect();
        let owners = store::parties::find_many(&state.db, &holders).await?;
        let mut webhooks = Vec::new();
        for subscription in store::webhooks::subscriptions(&state.db, None).await? {
            let attempts = store::outbox::latest_attempts_of(&state.db, subscription.id, RECENT_ATTEMPTS).await?;
            webhooks.push((subscription, attempts));
        }
        Ok::<_, sea_orm::DbErr>((systems, organizations, credentials, owners, webhooks))
    };
    let (systems, organizations, credentials, owners, webhooks) = match gathered.await {
        Ok(gathered) => gathered,
        Err(err) => return failed(err),
    };
    let owners: std::collections::HashMap<Uuid, &str> =
        owners.iter().map(|party| (party.id, party.display_name.as_str())).collect();
    let names: std::collections::HashMap<Uuid, String> =
        organizations.iter().map(|org| (org.id, org.name.clone())).collect();
    let credentials: Vec<Value> = credentials
        .iter()
        .map(|credential| {
            context! {
                id => credential.id, party => owners.get(&credential.party_id).copied(), client_id => credential.client_id,
                created => when(credential.created_at), last_used => credential.last_used_at.map(when),
                revoked => credential.revoked_at.map(when),
            }
        })
        .collect();
    let webhooks: Vec<Value> = webhooks
        .iter()
        .map(|(subscription, attempts)| {
            let recent: Vec<Value> = attempts
                .iter()
                .map(|attempt| {
                    context! {
                        at => when(attempt.attempted_at), status => attempt.status_code, error => attempt.error,
                        attempt => attempt.attempt,
                    }
                })
                .collect();
            context! {
                id => subscription.id, url => subscription.url, events => subscription.events,
                organization => names.get(&subscription.organization_id).cloned(),
                disabled => subscription.disabled_at.map(when), reason => subscription.disabled_reason,
                recent => recent,
            }
        })
        .collect();
    let systems: Vec<Value> = systems
        .iter()
        .filter(|party| party.disabled_at.is_none())
        .map(|party| words::option(&party.id.to_string(), &party.display_name))
        .collect();
    let organizations: Vec<Value> =
        organizations.iter().map(|org| words::option(&org.id.to_string(), &org.name)).collect();
    let events: Vec<Value> = EVENT_TYPES.iter().map(|event| words::option(event, event)).collect();
    let title = if viewer.language == Language::Ja { "連携システム" } else { "Partner systems" };
    let context = context! {
        credentials => credentials, webhooks => webhooks, systems => systems, organizations => organizations,
        events => events,
    };
    page(req, viewer, "admin_partners.html", title, status, shown, context)
}

/// A secret shown this once, with a field to copy it from.
fn secret_page(
    req: &Request,
    viewer: &Viewer,
    what: &str,
    label: &str,
    secret: &str,
    also: Option<(&str, &str)>,
) -> Response {
    let context = context! {
        label => label, secret => secret, also_label => also.map(|(label, _)| label), also => also.map(|(_, value)| value),
    };
    page(req, viewer, "admin_secret.html", what, StatusCode::CREATED, Shown::default(), context)
}

/// `GET /admin/partners`.
#[handler]
pub async fn partners_page(
    req: &Request,
    state: Data<&AppState>,
    done: Query<crate::pages::resident::Done>,
) -> Response {
    list_page(req, &state, done.0.done.as_deref(), Back::Partners).await
}

/// `POST /admin/partners/credentials`: `party_id`, a system's account. The secret is shown once.
#[handler]
pub async fn create_credential(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let party = match id_of(posted.text("party_id")) {
        Some(id) => match store::parties::find(&state.db, id).await {
            Ok(party) => party.filter(|party| SYSTEMS.contains(&party.role)),
            Err(err) => return failed(err),
        },
        None => None,
    };
    let issued = match party {
        Some(party) => workflow::sign_in::create_credential(&state, &party, viewer.principal.actor_id()).await,
        None => {
            let why = if posted.text("party_id").is_empty() { Why::Required } else { Why::NoSuch { what: "account" } };
            Err(WorkflowError::Refused(Refusals::one("party_id", why.into())))
        }
    };
    match issued {
        Ok(issued) => {
            let (what, label, client) = match viewer.language {
                Language::Ja => {
                    ("認証情報を作りました", "クライアントシークレット（この画面でしか表示しません）", "クライアントID")
                }
                Language::En => ("Credentials made", "Client secret (shown on this page only)", "Client id"),
            };
            let client_id = issued.credential.client_id.clone();
            secret_page(req, &viewer, what, label, &issued.client_secret, Some((client, &client_id)))
        }
        Err(err) => answer(req, &state, &viewer, Back::Partners, ("credential", &posted), Err::<(), _>(err), "").await,
    }
}

/// `POST /admin/partners/credentials/{id}/revoke`.
#[handler]
pub async fn revoke_credential(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let credential = match id_of(&id.0) {
        Some(id) => match store::credentials::find(&state.db, id).await {
            Ok(credential) => credential,
            Err(err) => return failed(err),
        },
        None => None,
    };
    let party = match &credential {
        Some(credential) => match store::parties::find(&state.db, credential.party_id).await {
            Ok(party) => party,
            Err(err) => return failed(err),
        },
        None => None,
    };
    let (Some(credential), Some(party)) = (credential, party) else { return not_found(req, viewer.language) };
    let done = workflow::sign_in::revoke_credential(&state, &party, credential.id).await;
    answer(req, &state, &viewer, Back::Partners, ("revoke", &posted), done, "revoked").await
}

/// `POST /admin/partners/webhooks`: `organization_id`, `url` and each `events`. The signing
/// secret is shown once.
#[handler]
pub async fn create_webhook(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let organization = match named_organization(&state, &posted, &mut refusals).await {
        Ok(organization) => organization,
        Err(err) => return failed(err),
    };
    if posted.text("organization_id").is_empty() {
        refusals.push("organization_id", Why::Required.into());
    }
    let url = posted.text("url").to_owned();
    refusals.check("url", crate::domain::webhooks::check_url(&url, state.outbox.webhook_allow_private));
    let events: Vec<String> = posted.all("events").into_iter().map(str::to_owned).collect();
    if events.is_empty() {
        refusals.push("events", Why::Required.into());
    }
    if let Some(given) = events.iter().find(|event| !EVENT_TYPES.contains(&event.as_str())) {
        let why = Why::NotAChoice { what: "event", given: given.clone(), choices: EVENT_TYPES.to_vec() };
        refusals.push("events", why.into());
    }
    let made = match organization {
        Some(organization) if refusals.is_empty() => {
            workflow::subscribe_webhook(&state, organization.id, &url, &events).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    match made {
        Ok((_, secret)) => {
            let (what, label) = match viewer.language {
                Language::Ja => ("Webhookを登録しました", "署名用シークレット（この画面でしか表示しません）"),
                Language::En => ("Webhook added", "Signing secret (shown on this page only)"),
            };
            secret_page(req, &viewer, what, label, &secret, None)
        }
        Err(err) => answer(req, &state, &viewer, Back::Partners, ("webhook", &posted), Err::<(), _>(err), "").await,
    }
}

/// `POST /admin/partners/webhooks/{id}/delete`: the endpoint and its pending messages go.
#[handler]
pub async fn delete_webhook(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let found = match id_of(&id.0) {
        Some(id) => match store::webhooks::find_subscription(&state.db, id).await {
            Ok(found) => found,
            Err(err) => return failed(err),
        },
        None => None,
    };
    let Some(subscription) = found else { return not_found(req, viewer.language) };
    let done = workflow::delete_webhook(&state, subscription.id).await;
    answer(req, &state, &viewer, Back::Partners, ("webhook-delete", &posted), done, "webhook-deleted").await
}
