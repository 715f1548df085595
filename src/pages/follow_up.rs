//! Follow-up as the coordinator works it: today's check-ins, the overdue ones, every plan they
//! hold; and one person's plan, its history of contact, and the forms to record a call or set
//! the plan. The person's own "I want to talk" answer is here too.

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
    resident::Done,
    staff::Shown,
    words::{self, pick},
};
use crate::{
    access::{self, PersonAccess, Target},
    domain::{
        access::{follows_up, Action},
        follow_up::{Channel, Outcome, PlanState},
        Language, PartyRole, ScopeKind,
    },
    state::AppState,
    workflow::follow_up::{self as workflow, PlanView, Talked},
};

pub fn outcome(outcome: Outcome, language: Language) -> &'static str {
    match outcome {
        Outcome::Reached => pick(language, "話せた", "Reached"),
        Outcome::NoAnswer => pick(language, "応答なし", "No answer"),
        Outcome::Declined => pick(language, "今回は断られた", "Declined this time"),
        Outcome::Withdrew => pick(language, "フォローアップをやめたいと言われた", "Withdrew from the plan"),
    }
}

pub fn channel(channel: Channel, language: Language) -> &'static str {
    match channel {
        Channel::Phone => pick(language, "電話", "By phone"),
        Channel::InPerson => pick(language, "会って", "In person"),
        Channel::Message => pick(language, "メッセージ", "By message"),
    }
}

fn plan_state(view: &PlanView, language: Language) -> &'static str {
    match view.state {
        PlanState::Active => pick(language, "継続中", "Active"),
        PlanState::Paused => pick(language, "中断中（身柄拘束）", "Paused (in custody)"),
        PlanState::Ended => pick(language, "終了", "Ended"),
    }
}

/// `GET /app/follow-up`: the plans the signed-in staff member coordinates.
#[handler]
pub async fn follow_up_page(req: &Request, state: Data<&AppState>, done: Query<Done>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let (Some(party_id), PartyRole::Staff) = (viewer.principal.party_id, viewer.role()) else {
        return not_found(req, viewer.language);
    };
    let notice = done.0.done.as_deref().filter(|done| *done == "check_in").map(|_| stored(viewer.language));
    match gather_list(&state, &viewer, party_id).await {
        Ok(context) => {
            let title = pick(viewer.language, "フォローアップ", "Follow-up");
            html(
                StatusCode::OK,
                "follow_up.html",
                context! { ..viewer_frame(req, &viewer, title), ..context! { notice }, ..context },
            )
        }
        Err(err) => failed(err),
    }
}

fn stored(language: Language) -> String {
    words::stored(pick(language, "連絡の記録", "the check-in"), language)
}

async fn gather_list(state: &AppState, viewer: &Viewer, party_id: Uuid) -> Result<Value, Failure> {
    let language = viewer.language;
    let plans = workflow::coordinated_by(state, party_id).await?;
    let entries = crate::access::list_entries(&viewer.principal, "follow_up.page", plans.iter().map(|(p, _)| p.id));
    state.audit.record(entries, state.clock.now()).await?;
    let mut today = Vec::new();
    let mut overdue = Vec::new();
    let mut all = Vec::new();
    for (person, view) in &plans {
        let row = |on: chrono::NaiveDate| context! { person_id => person.id.to_string(), name => person.display_name, on => on.to_string() };
        if view.ended.is_none() {
            if let Some(due) = view.due_today().filter(|due| due.answered_by.is_none()) {
                today.push(row(due.on));
            }
            for due in view.overdue() {
                overdue.push(row(due.on));
            }
        }
        all.push(context! {
            person_id => person.id.to_string(),
            name => person.display_name,
            state => plan_state(view, language),
            next => view.next_due().map(|due| due.on.to_string()),
            last => view.check_ins.last().map(|row| format!("{} {}", row.on, outcome(row.outcome, language))),
        });
    }
    Ok(context! { today => today, overdue => overdue, plans => all })
}

/// `GET /app/follow-up/{person}`: one person's plan and history, to their coordinator, the
/// staff of their facility and admins; 404 for anyone else.
#[handler]
pub async fn follow_up_person_page(
    req: &Request,
    state: Data<&AppState>,
    id: Path<String>,
    done: Query<Done>,
) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(person_id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let notice = done.0.done.as_deref().map(|_| stored(viewer.language));
    person_page(req, &state, &viewer, person_id, (StatusCode::OK, Shown { notice, ..Shown::default() })).await
}

/// The person's plan page, with what `shown` says (a refused form as typed, with its status).
pub async fn person_page(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    person_id: Uuid,
    (status, shown): (StatusCode, Shown),
) -> Response {
    // Not the person themself: this page is the people who call them.
    if viewer.role() == PartyRole::Person {
        return not_found(req, viewer.language);
    }
    let target = Target::Kind(ScopeKind::FollowUp);
    let access =
        match access::person(state, &viewer.principal, person_id, Action::ReadFollowUp, "follow_up.page", target).await
        {
            Ok(access) => access,
            Err(err) => return super::forms::access_failed(req, viewer, err),
        };
    match gather_person(state, viewer, &access).await {
        Ok(context) => {
            let title =
                format!("{} — {}", pick(viewer.language, "フォローアップ", "Follow-up"), access.person.display_name);
            let shown = context! { problem => shown.problem, posted => shown.posted, notice => shown.notice };
            html(status, "follow_up_person.html", context! { ..viewer_frame(req, viewer, &title), ..shown, ..context })
        }
        Err(err) => failed(err),
    }
}

async fn gather_person(state: &AppState, viewer: &Viewer, access: &PersonAccess) -> Result<Value, Failure> {
    let language = viewer.language;
    let may_record = follows_up(&access.standing);
    let plan = workflow::plan_of(state, access).await?;
    let coordinators = workflow::coordinators_of(state, access.person.id).await?;
    let coordinator_options: Vec<Value> = coordinators
        .iter()
        .map(|(party, organization)| {
            words::option(&party.id.to_string(), &format!("{}（{}）", party.display_name, organization))
        })
        .collect();
    let today = access.person.timezone.date_at(state.clock.now());
    let plan_value = plan.as_ref().map(|view| {
        let check_ins: Vec<Value> = view
            .dues
            .iter()
            .map(|due| {
                let answer = due.answered_by.and_then(|index| view.check_ins.get(index));
                context! {
                    on => due.on.to_string(),
                    outcome => answer.map(|row| outcome(row.outcome, language)),
                    overdue => answer.is_none() && due.on < view.today,
                    today => due.on == view.today,
                }
            })
            .collect();
        let history: Vec<Value> = view
            .check_ins
            .iter()
            .rev()
            .map(|row| {
                context! {
                    on => row.on.to_string(),
                    outcome => outcome(row.outcome, language),
                    channel => row.channel.map(|c| channel(c, language)),
                    note => row.note,
                }
            })
            .collect();
        let coordinator = coordinators.iter().find(|(party, _)| party.id == view.plan.coordinator_party_id);
        context! {
            state => plan_state(view, language),
            ended => view.ended.is_some(),
            starts_on => view.plan.starts_on.to_string(),
            ends_on => view.plan.cadence.ends_on(view.plan.starts_on).to_string(),
            coordinator => coordinator.map(|(party, _)| party.display_name.clone()),
            coordinator_id => view.plan.coordinator_party_id.to_string(),
            check_ins => check_ins,
            history => history,
        }
    });
    let outcomes: Vec<Value> = Outcome::ALL.iter().map(|o| words::option(o.as_str(), outcome(*o, language))).collect();
    let channels: Vec<Value> = Channel::ALL.iter().map(|c| words::option(c.as_str(), channel(*c, language))).collect();
    Ok(context! {
        person_id => access.person.id.to_string(),
        name => access.person.display_name,
        plan => plan_value,
        may_record => may_record,
        coordinator_options => coordinator_options,
        outcomes => outcomes,
        channels => channels,
        today => today.to_string(),
    })
}

/// The answer to the person's "I want to talk": sent, who will call, when they are open.
pub fn talked_page(req: &Request, viewer: &Viewer, talked: &Talked) -> Response {
    let language = viewer.language;
    let who: Vec<Value> = talked
        .who
        .iter()
        .map(|who| context! { name => who.name, organization => who.organization, phone => who.phone, hours => who.hours })
        .collect();
    let at = words::local_time(talked.requested_at, viewer.party.timezone, language);
    let title = pick(language, "「話したい」を伝えました", "Your request to talk was sent");
    let sent = !talked.who.is_empty();
    html(StatusCode::OK, "talk.html", context! { who, at, sent, ..viewer_frame(req, viewer, title) })
}
