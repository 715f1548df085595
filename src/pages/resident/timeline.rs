//! What happened to a resident, newest first, within the viewer's consent scope, each entry
//! in words that say what happened to what.

use minijinja::{context, Value};
use uuid::Uuid;

use crate::{
    domain::{
        milestones::{Event, MilestoneKind},
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

/// The first entry of a milestone: what creating it records.
fn created(kind: MilestoneKind, language: Language) -> &'static str {
    match kind {
        MilestoneKind::Bail => pick(language, "保釈を請求した", "Bail requested"),
        MilestoneKind::Release => pick(language, "出所の予定を登録した", "Release scheduled"),
        MilestoneKind::EmploymentSupportWindow => {
            pick(language, "就労支援期間が決まった", "Employment-support window set")
        }
        MilestoneKind::ProgramEnrollment => pick(language, "回復プログラムに紹介した", "Referred to a programme"),
    }
}

fn moved(event: &entity::milestone_event::Model, language: Language, year: i32) -> String {
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
    let mut entries: Vec<(chrono::NaiveDate, String)> = Vec::new();
    for event in store::milestones::events_of_person(&state.reads, person_id, &kinds).await? {
        let Ok(kind) = event.kind.parse::<MilestoneKind>() else { continue };
        let text = match event.event.as_str() {
            "create" => created(kind, language).to_owned(),
            "date_moved" => moved(&event, language, year),
            "sessions_recorded" => {
                format!(
                    "{}{}",
                    words::milestone_kind(kind, language),
                    pick(language, "：参加を記録", ": a session recorded")
                )
            }
            name => match name.parse::<Event>() {
                Ok(name) => words::event(name, kind, language).to_owned(),
                Err(_) => continue,
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
