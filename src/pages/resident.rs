//! A resident's page for staff, in the order it is read: who they are and where; what is
//! coming and why; what happened; then the forms, folded under clear headings. After every
//! change a notice says what was stored.

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Request, Response,
};
use uuid::Uuid;

use super::{
    frame::{failed, html, id_of, not_found, signed_in, viewer_frame, Failure, Viewer},
    staff::Shown,
    words::{self, Ahead},
};
use crate::{
    access::{self, AccessError, PersonAccess, Target},
    domain::{
        access::Action,
        milestones::{Event, MilestoneKind, Program, ReleaseType, State},
        wording::Reader,
        words::date,
        Language, PartyRole, ScopeKind,
    },
    state::AppState,
    store,
};

mod timeline;

#[derive(serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// `GET /app/residents/{id}`; `done` names what the last form stored, for the notice.
#[handler]
pub async fn resident_page(req: &Request, state: Data<&AppState>, id: Path<String>, done: Query<Done>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(person_id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let notice = done.0.done.as_deref().and_then(|done| notice(done, viewer.language));
    resident(req, &state, &viewer, person_id, StatusCode::OK, Shown { notice, ..Shown::default() }).await
}

/// A resident's page, with what the last form stored or a refused form to show again, and its
/// status.
pub async fn resident(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    person_id: Uuid,
    status: StatusCode,
    shown: Shown,
) -> Response {
    if !matches!(viewer.role(), PartyRole::Staff | PartyRole::Admin) {
        return not_found(req, viewer.language);
    }
    let access =
        match access::person(state, &viewer.principal, person_id, Action::ReadPerson, "page.resident", Target::Person)
            .await
        {
            Ok(access) => access,
            Err(AccessError::NotFound | AccessError::Forbidden(_)) => return not_found(req, viewer.language),
            Err(err) => return failed(err),
        };
    match gather(state, viewer, &access).await {
        Ok(context) => {
            let frame = viewer_frame(req, viewer, &access.person.display_name);
            let shown = context! { problem => shown.problem, posted => shown.posted, notice => shown.notice };
            html(status, "resident.html", context! { ..frame, ..shown, ..context })
        }
        Err(err) => failed(err),
    }
}

/// What a form stored, in words: `done` is a code the form redirected with, never text.
fn notice(done: &str, language: Language) -> Option<String> {
    let pick = |ja: &str, en: &str| match language {
        Language::Ja => ja.to_owned(),
        Language::En => en.to_owned(),
    };
    let what = match done {
        "resident" => pick("利用者を登録しました", "the resident was added"),
        "milestone" => pick("予定を登録しました", "the milestone was added"),
        "date" => pick("日付を動かしました", "the date was moved"),
        "session" => pick("参加を1回記録しました", "one more session"),
        "lapse" => pick("再使用（スリップ）", "a lapse"),
        "custody.start" => pick("身柄拘束が始まった", "custody started"),
        "custody.end" => pick("身柄拘束が終わった", "custody ended"),
        "account" => pick("アカウントを作りました", "the account was opened"),
        "address" => pick("連絡先を追加しました", "the address was added"),
        "placement" => pick("入所の終わりを記録しました", "the placement's end"),
        other => {
            let (kind, event) = other.split_once('.')?;
            let (kind, event) = (kind.parse::<MilestoneKind>().ok()?, event.parse::<Event>().ok()?);
            words::event(event, kind, language).to_owned()
        }
    };
    Some(words::stored(&what, language))
}

/// A choice for a form's `<select>` or checkboxes.
fn choice(value: &str, label: &str) -> Value {
    context! { value => value, label => label }
}

async fn gather(state: &AppState, viewer: &Viewer, access: &PersonAccess) -> Result<Value, Failure> {
    let now = state.clock.now();
    let language = viewer.language;
    let person = &access.person;
    let scope = access.standing.scope();
    let ahead = Ahead::of(state, access).await?;
    let coming: Vec<Value> =
        ahead.coming(&state.rules, Reader::Staff, language).into_iter().map(|item| item.value).collect();
    let (today, schedule) = (ahead.today, ahead.schedule);
    let year = chrono::Datelike::year(&today);
    let milestones: Vec<Value> = schedule
        .milestones
        .iter()
        .map(|(id, milestone)| {
            let events: Vec<Value> = milestone
                .accepted_events()
                .into_iter()
                .map(|event| choice(event.as_str(), words::event(event, milestone.kind, language)))
                .collect();
            let dates: Vec<Value> = milestone
                .movable_dates()
                .into_iter()
                .map(|moved| choice(moved.field(), super::refusals::field(moved.field(), language)))
                .collect();
            // Sessions are counted while a programme runs.
            let sessions = milestone.kind == MilestoneKind::ProgramEnrollment && milestone.state == State::Active;
            context! {
                id => id, label => words::milestone_kind(milestone.kind, language),
                state => words::state(milestone.state, language), events => events, dates => dates,
                sessions => sessions, attended => milestone.sessions_attended, planned => milestone.sessions_planned,
                version => milestone.version,
            }
        })
        .collect();
    let timeline = timeline::entries(state, person.id, &scope, language).await?;
    let mut accounts = Vec::new();
    let mut account_ids = Vec::new();
    if let Some(own) = store::parties::find_for_person(&state.reads, person.id).await? {
        let label = match language {
            Language::Ja => "本人",
            Language::En => "the person",
        };
        account_ids.push(own.id);
        accounts.push((own.id, context! { id => own.id, name => own.display_name, relationship => label }));
    }
    for link in store::links::list_for_person(&state.reads, person.id).await? {
        if !crate::domain::link_in_force(link.revoked_at, link.expires_at, now) {
            continue;
        }
        let Some(party) = store::parties::find(&state.reads, link.party_id).await? else { continue };
        if matches!(party.role, PartyRole::Family | PartyRole::Lawyer) && party.disabled_at.is_none() {
            let relationship = words::relationship(link.relationship, language);
            account_ids.push(party.id);
            accounts.push((
                party.id,
                context! { id => party.id, name => party.display_name, relationship => relationship },
            ));
        }
    }
    // Whether each can be reached on LINE: staff see that, never the LINE id.
    let contacts = store::contact_points::of_parties(&state.reads, &account_ids).await?;
    let accounts: Vec<Value> = accounts
        .into_iter()
        .map(|(id, account)| {
            let own: Vec<_> = contacts.iter().filter(|contact| contact.party_id == id).cloned().collect();
            context! { line => crate::workflow::line::reachable(&own), ..account }
        })
        .collect();
    let placements = store::placements::list_for_person(&state.reads, person.id).await?;
    let placement = placements.iter().find(|placement| placement.end_on.is_none_or(|end| end >= today));
    let placed_at = match placement {
        Some(placement) => store::organizations::find(&state.reads, placement.organization_id).await?.map(|org| {
            context! { id => placement.id, name => org.name, since => date(placement.start_on, language, year) }
        }),
        None => None,
    };
    let forms = context! {
        programs => Program::ALL.iter().map(|p| choice(p.as_str(), words::program(*p, language))).collect::<Vec<_>>(),
        release_types => ReleaseType::ALL.iter().map(|r| choice(r.as_str(), words::release_type(*r, language))).collect::<Vec<_>>(),
        roles => [PartyRole::Family, PartyRole::Lawyer, PartyRole::Person].iter()
            .map(|role| choice(role.as_str(), words::account_role(*role, language))).collect::<Vec<_>>(),
        scope_kinds => ScopeKind::ALL.iter().map(|kind| choice(kind.as_str(), words::scope_kind(*kind, language))).collect::<Vec<_>>(),
    };
    Ok(context! {
        person_id => person.id, today => today.to_string(), coming => coming, milestones => milestones,
        timeline => timeline, accounts => accounts, placement => placed_at, forms => forms,
        birth_date => person.birth_date.map(|born| date(born, language, 0)),
    })
}
