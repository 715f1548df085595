//! What an inbox lists, through the read cache: a page of a party's own alerts, of which they
//! see those whose consent holds now, or a page of a team's. The page is kept until a write
//! declares its recipient's inbox or a person it names changed (see `store::inbox`); which
//! alerts its reader sees is decided at each request, by the links as they are then.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use crate::entity::{alert, alert_contact, alert_escalation, link, person};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    cache::InboxPage,
    domain::access::alerts::still_consented,
    state::AppState,
    store::{self, inbox::TeamFilter},
};

/// A page of an inbox as its reader sees it now: the kept page, less the alerts whose consent
/// no longer holds for this reader (usually none, and then nothing is copied).
#[derive(Debug, Clone)]
pub struct Shown {
    /// The alerts with their contact logs, ladder steps and persons' names.
    pub page: Arc<InboxPage>,
    hidden: HashSet<Uuid>,
}

impl Shown {
    /// The alerts shown, newest first (an own inbox's may be fewer than were asked for).
    pub fn rows(&self) -> impl Iterator<Item = &alert::Model> {
        self.page.rows.iter().filter(|row| !self.hidden.contains(&row.id))
    }

    /// The kept page's alerts the reader does not see.
    pub fn hidden(&self) -> &HashSet<Uuid> {
        &self.hidden
    }

    /// Whether the reader sees every alert of the kept page.
    pub fn is_whole(&self) -> bool {
        self.hidden.is_empty()
    }

    pub fn next_cursor(&self) -> Option<Uuid> {
        self.page.next_cursor
    }
}

/// A page of `party_id`'s own delivered alerts, newest first, before `cursor`; once a link
/// ends or its consent no longer covers the kind, its alerts are gone from the page too.
pub async fn own_inbox(
    state: &AppState,
    party_id: Uuid,
    unread_only: bool,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Shown, WorkflowError> {
    let asked = format!("own|{unread_only}|{cursor:?}|{limit}");
    // The persons a party's alerts are about are those its links name, kept with its links.
    let held = super::roster::links_held(state, party_id).await?;
    let page = state
        .cache
        .inbox_page(party_id, asked, || async {
            let (rows, next) = store::inbox::inbox(&state.reads, party_id, unread_only, cursor, limit).await?;
            Ok::<_, WorkflowError>(Arc::new(with_parts(state, rows, next, &held.persons).await?))
        })
        .await?;
    // An alert relies on a link its recipient holds; one it cannot find there is not shown.
    let links: HashMap<Uuid, link::Model> = held.rows.iter().map(|link| (link.id, link.clone())).collect();
    let now = state.clock.now();
    let hidden = page
        .rows
        .iter()
        .filter(|row| !still_consented(&store::alerts::reliance(&links, row, now)))
        .map(|row| row.id)
        .collect();
    Ok(Shown { page, hidden })
}

/// A page of a team's delivered alerts by `filter`, newest first, before `cursor`.
pub async fn team_inbox(
    state: &AppState,
    organization_id: Uuid,
    filter: &TeamFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Shown, WorkflowError> {
    let asked = format!("team|{filter:?}|{cursor:?}|{limit}");
    let page = state
        .cache
        .inbox_page(organization_id, asked, || async {
            let (rows, next) = store::inbox::team_inbox(&state.reads, organization_id, filter, cursor, limit).await?;
            Ok::<_, WorkflowError>(Arc::new(with_parts(state, rows, next, &HashMap::new()).await?))
        })
        .await?;
    Ok(Shown { page, hidden: HashSet::new() })
}

/// `rows` with their contact logs, ladder steps and persons' names, read in three queries
/// however many alerts there are; the names of persons in `known` are not read again.
pub async fn with_parts(
    state: &AppState,
    rows: Vec<alert::Model>,
    next_cursor: Option<Uuid>,
    known: &HashMap<Uuid, person::Model>,
) -> Result<InboxPage, WorkflowError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let contacts: Vec<alert_contact::Model> = store::contacts::of_alerts(&state.reads, &ids).await?;
    let steps: Vec<alert_escalation::Model> = store::rota::steps_of(&state.reads, &ids).await?;
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut unknown: Vec<Uuid> = Vec::new();
    for row in &rows {
        match known.get(&row.person_id) {
            Some(person) => {
                names.insert(person.id, person.display_name.clone());
            }
            None => unknown.push(row.person_id),
        }
    }
    if !unknown.is_empty() {
        let read = store::persons::find_many(&state.reads, &unknown).await?;
        names.extend(read.into_iter().map(|person| (person.id, person.display_name)));
    }
    Ok(InboxPage::new(rows, next_cursor, contacts, steps, names))
}
