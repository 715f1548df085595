//! Accounts staff open around their resident: a family member's or a lawyer's, with the link
//! and what they may see, or the resident's own; and the first e-mail address or phone number
//! of an account they opened, while it has not been used.

use poem::{
    handler,
    web::{Data, Path},
    Body, Request, Response,
};

use super::{
    access_failed, add_typed_address, poster, read_form,
    residents::{back_to_resident, resident_form},
};
use crate::{
    access,
    domain::{access::Action, DisplayName, Language, PartyRole, Refusals, Relationship, Scope, ScopeKind, Why},
    pages::frame::{id_of, not_found},
    state::AppState,
    store::links::RecordedBy,
    workflow::{self, AccountFor, NewAccount, WorkflowError},
};

/// `POST /app/residents/{person}/accounts`: `role` (`family`, `lawyer` or `person`),
/// `display_name`, `language`, and for someone else's account each `scope` kind they may see.
#[handler]
pub async fn open_account(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let form = match resident_form(req, &state, &id.0, body, (Action::ManageLinks, "link.create")).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let person_id = form.access.person.id;
    let posted = &form.posted;
    let mut refusals = Refusals::default();
    let role = posted.choice::<PartyRole>("role", &mut refusals);
    let display_name = posted.parsed("display_name", DisplayName::parse, &mut refusals);
    let language = posted.choice::<Language>("language", &mut refusals);
    let kinds: Result<Vec<ScopeKind>, _> = posted.all("scope").into_iter().map(str::parse).collect();
    let account_for = match (role, kinds) {
        (Some(PartyRole::Person), _) => Some(AccountFor::Themself),
        (Some(role), Ok(kinds)) => {
            let relationship = match role {
                PartyRole::Lawyer => Relationship::Lawyer,
                _ => Relationship::Family,
            };
            if kinds.is_empty() {
                refusals.push("scope", Why::Required.into());
            }
            Some(AccountFor::Linked { relationship, scope: Some(Scope::new(kinds)), expires_on: None })
        }
        (None, _) => None,
        (Some(_), Err(why)) => {
            refusals.push("scope", why);
            None
        }
    };
    let done = match (role, display_name, language, account_for) {
        (Some(role), Some(display_name), Some(language), Some(account_for)) if refusals.is_empty() => {
            let principal = &form.viewer.principal;
            let by = RecordedBy {
                subject: principal.actor_id(),
                role: principal.role,
                basis: None,
                via: principal.consent_via(),
            };
            let opened_by = principal.organization_id.filter(|_| principal.role == PartyRole::Staff);
            let account = NewAccount { role, display_name, language, account_for };
            workflow::open_account(&state, person_id, form.zone, account, opened_by, &by).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    back_to_resident(req, &state, &form.viewer, person_id, ("account", posted), done, "account").await
}

/// `POST /app/residents/{person}/accounts/{party}/addresses`: `channel` (`email` or `sms`) and
/// `address`, for an account the viewer's organisation opened and that has not been used yet.
/// The address receives a message to confirm it.
#[handler]
pub async fn add_address(req: &Request, state: Data<&AppState>, path: Path<(String, String)>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let (Some(person_id), Some(party_id)) = (id_of(&path.0 .0), id_of(&path.0 .1)) else {
        return not_found(req, viewer.language);
    };
    let party = match access::party_reach(&state, &viewer.principal, party_id, "contact.create").await {
        Ok(party) => party,
        Err(err) => return access_failed(req, &viewer, err),
    };
    let posted = match read_form(req, &viewer, body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let done = add_typed_address(&state, &party, &posted).await;
    let form_name = format!("address-{party_id}");
    back_to_resident(req, &state, &viewer, person_id, (&form_name, &posted), done, "address").await
}
