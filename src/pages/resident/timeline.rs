//! What happened to a resident, newest first, within the viewer's consent scope, each entry
//! in words that say what happened to what.

use std::collections::HashMap;

use chrono::NaiveDate;
use minijinja::{context, Value};
use uuid::Uuid;

use crate::{
    domain::{
        milestones::{Event, MilestoneKind, Program},
        words::date,
        Language, Scope, ScopeKind,
    },
    pages::{frame::Failure, refusals, words},
    state::AppState,
    store,
};

fn pick(language: Language, ja: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Ja => ja,
        Language::En => en,
    }
}

/// What a milestone's entries name it by: its programme (「SMARPP」) or its kind.
fn name_of(kind: MilestoneKind, program: Option<Program>, language: Language) -> &'static str {
    match program {
        Some(program) if program != Program::Other => words::program(program, language),
        _ => words::milestone_kind(kind, language),
    }
}

/// The first entry of a milestone: what creating it records. `scheduled_on` is the release
/// day it was first scheduled for.
fn created(
    kind: MilestoneKind,
    program: Option<Program>,
    scheduled_on: Option<NaiveDate>,
    language: Language,
    year: i32,
) -> String {
    match (kind, scheduled_on, language) {
        (MilestoneKind::Bail, _, _) => pick(language, "保釈を請求した", "Bail requested").to_owned(),
        (MilestoneKind::Release, Some(on), Language::Ja) => format!("出所予定日を{}に登録", date(on, language, year)),
        (MilestoneKind::Release, Some(on), Language::En) => {
            format!("Release scheduled for {}", date(on, language, year))
        }
        (MilestoneKind::Release, None, _) => pick(language, "出所の予定を登録した", "Release scheduled").to_owned(),
        (MilestoneKind::EmploymentSupportWindow, _, _) => {
            pick(language, "就労支援期間が決まった", "Employment-support window set").to_owned()
        }
        (MilestoneKind::ProgramEnrollment, _, Language::Ja) => {
            format!("{}に紹介した", name_of(kind, program, language))
        }
        (MilestoneKind::ProgramEnrollment, _, Language::En) => {
            format!("Referred to {}", name_of(kind, program, language))
        }
        (MilestoneKind::Handoff, _, _) => pick(language, "顔合わせを提案した", "Hand-off meeting proposed").to_owned(),
    }
}

/// Sessions recorded, with the count they came to when it was kept.
fn sessions(name: &str, attended: Option<i32>, language: Language) -> String {
    match (attended, language) {
        (Some(count), Language::Ja) => format!("{name}：参加{count}回目を記録"),
        (Some(count), Language::En) => format!("{name}: session {count} attended"),
        (None, Language::Ja) => format!("{name}：参加を記録"),
        (None, Language::En) => format!("{name}: a session recorded"),
    }
}

fn moved(event: &crate::entity::milestone_event::Model, language: Language, year: i32) -> String {
    let what = refusals::field(event.field.as_deref().unwrap_or_default(), language);
    let day = |on: Option<chrono::NaiveDate>| on.map(|on| date(on, language, year));
    let text = match (day(event.old_date), day(event.new_date), language) {
        (Some(old), Some(new), Language::Ja) => format!("{what}を{old}から{new}に変更"),
        (None, Some(new), Language::Ja) => format!("{what}を{new}に登録"),
        (Some(_), None, Language::Ja) => format!("{what}を取り消し"),
        (Some(old), Some(new), Language::En) => format!("{what} moved from {old} to {new}"),
        (None, Some(new), Language::En) => format!("{what} set to {new}"),
        (Some(_), None, Language::En) => format!("{what} cleared"),
        (None, None, _) => what.to_owned(),
    };
    match &event.note {
        Some(reason) => {
            format!("{text}{}{reason}", pick(language, "（理由：", " (reason: ")) + pick(language, "）", ")")
        }
        None => text,
    }
}

pub async fn entries(
    state: &AppState,
    person_id: Uuid,
    scope: &Scope,
    language: Language,
) -> Result<Vec<Value>, Failure> {
    let year = chrono::Datelike::year(&state.clock.now().date_naive());
    let kinds: Vec<&str> =
        MilestoneKind::ALL.iter().filter(|kind| scope.contains(kind.scope_kind())).map(|kind| kind.as_str()).collect();
    let milestones: HashMap<Uuid, crate::entity::milestone::Model> =
        store::milestones::list_for_person(&state.reads, person_id).await?.into_iter().map(|m| (m.id, m)).collect();
    let history = store::milestones::events_of_person(&state.reads, person_id, &kinds).await?;
    // The day a release was first scheduled for: the old day of its first move, else its day.
    let mut first_scheduled: HashMap<Uuid, NaiveDate> = HashMap::new();
    for event in history.iter().filter(|event| event.field.as_deref() == Some("scheduled_on")) {
        if let Some(old) = event.old_date {
            first_scheduled.entry(event.milestone_id).or_insert(old);
        }
    }
    let mut entries: Vec<(NaiveDate, String)> = Vec::new();
    for event in &history {
        let kind = event.kind;
        let milestone = milestones.get(&event.milestone_id);
        let program = milestone.and_then(|m| m.program);
        let text = match event.event.as_str() {
            "create" => {
                let scheduled =
                    first_scheduled.get(&event.milestone_id).copied().or(milestone.and_then(|m| m.scheduled_on));
                created(kind, program, scheduled, language, year)
            }
            "date_moved" => moved(event, language, year),
            "sessions_recorded" => sessions(name_of(kind, program, language), event.sessions_attended, language),
            name => match (name.parse::<Event>(), program) {
                (Ok(name), Some(_)) => {
                    let said = words::event(name, kind, language);
                    format!("{}{}{said}", name_of(kind, program, language), pick(language, "：", ": "))
                }
                (Ok(name), None) => words::event(name, kind, language).to_owned(),
                (Err(_), _) => continue,
            },
        };
        entries.push((event.effective_on, text));
    }
    if scope.covers_custody() {
        for period in store::custody::list_for_person(&state.reads, person_id).await? {
            entries.push((period.started_on, pick(language, "身柄拘束が始まった", "Custody started").to_owned()));
            if let Some(ended_on) = period.ended_on {
                entries.push((ended_on, pick(language, "身柄拘束が終わった", "Custody ended").to_owned()));
            }
        }
    }
    if scope.contains(ScopeKind::Lapse) {
        for lapse in store::lapses::list_for_person(&state.reads, person_id).await? {
            entries.push((lapse.on, pick(language, "再使用（スリップ）の記録", "A lapse was recorded").to_owned()));
        }
    }
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    Ok(entries
        .into_iter()
        .take(50)
        .map(|(on, text)| context! { when => date(on, language, year), text => text })
        .collect())
}
