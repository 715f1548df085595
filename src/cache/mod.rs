//! What the hot read paths would otherwise read on every request, kept in memory between the
//! writes that change it: a caller's party and browser session, a person with the caller's
//! links to them, a person's schedule rows, placements and answers as written, whom a facility
//! or a party lists, pages of a party's or a team's inbox, a family's signed-in page as
//! written, organisations, the directory of help and its public page.
//!
//! Every store function that writes a row the cache reads from says what it changed — a
//! [`Changed`] person, party, organisation or inbox — on the write's transaction; once the write has
//! committed, before its own response is sent, the cache forgets exactly the entries built from
//! those keys ([`ReadCache::forget`]) and keeps everyone else's. Each forgetting also moves a
//! counter on, the generation, and is remembered with it for a while: a load is kept only if no
//! write that committed while it read changed what it was built from, so rows read before a
//! write are never served after it, and a visitor's sign-in does not cost everyone else's
//! reads their keeping. Other instances hear the keys by PostgreSQL
//! `NOTIFY`, sent inside the write's transaction ([`listen`]) and naming the instance that wrote
//! (which forgot as it committed, so it does not act on its own word), and forget everything when their
//! connection to it was lost; while an instance cannot hear them its cache is off. On SQLite
//! the cache is on only for the server holding the database's lock, the one process that writes.
//!
//! Every entry also has a short lifetime ([`LIFETIME`], by the clock the service is given): a
//! safety net for what no notification tells of — a change made to the database from outside
//! the service, or a `NOTIFY` that could not be sent after a write that committed.

mod changes;
mod listen;
mod memo;

use std::{
    collections::HashMap,
    future::Future,
    hash::Hash,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use crate::entity::{alert, alert_contact, alert_escalation, link, organization, party, person, placement, session};
use uuid::Uuid;

pub use changes::{announcement, heard, Changed, Changes};
pub use listen::follow_changes;
use memo::Memo;

use crate::{
    clock::Clock,
    domain::{milestones::Milestone, Language},
};

/// The PostgreSQL channel on which instances tell each other what changed.
pub const CHANNEL: &str = "tsunagu_changes";

/// How long an entry is served at most: past it, the next request reads afresh. Short enough
/// that a revocation made around the service (an operator's SQL, a restored backup) is obeyed
/// within half a minute, long enough that a page's burst of requests shares one read.
pub const LIFETIME: chrono::Duration = chrono::Duration::seconds(30);

/// Entries a memo holds at most (past it, what outlived its lifetime is dropped, or else all):
/// bounds memory whatever the traffic.
const MAX_ENTRIES: usize = 50_000;
/// A facility's members are larger entries (a person row each): fewer are kept.
const MAX_MEMBERS: usize = 2_000;
/// Signed-in parties' inbox pages, whom each holds links to (a few rows each) and their own
/// pages (~2 KB each, compressed): one for
/// each party active within the lifetime, sized above a busy half-minute's parties, since past
/// it the memo is emptied and every request reads afresh.
const MAX_PARTIES: usize = 5_000;
/// Public answers are whole pages, asked for with any query a stranger types: a few are kept.
const MAX_PUBLIC: usize = 1_000;
/// A person's answers as written are a few kilobytes each, one for each reader's scope and
/// dates asked: fewer are kept than schedules, so that memory stays bounded.
const MAX_ANSWERS: usize = 20_000;

/// An answer that holds no person's data (the public directory page), as it was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicAnswer {
    pub status: u16,
    /// Shared by every answer sent from it: a page is tens of kilobytes, copied for none.
    pub body: bytes::Bytes,
    /// The same body gzip-compressed, once, for the browsers that accept it (every phone's).
    pub gzipped: bytes::Bytes,
}

/// Whom to call about a person placed at a facility (or at none): the facility, and the
/// places to turn to in its area, written as a page's list items (empty: none to call). It
/// holds no person's data: organisations' and services' public details.
#[derive(Debug, Clone)]
pub struct PlacesToCall {
    pub items: String,
}

/// A signed-in party's own page as it was written, with the persons it shows: kept until a
/// write declares the party, its inbox, one of those persons or the directory changed.
#[derive(Debug)]
pub struct WrittenPage {
    /// Kept gzip-compressed (`http::gzip`): a family's page of 7.8 KB is 2.2 KB compressed
    /// (measured by the load benchmark), so one for every party active within the lifetime
    /// takes less memory than two thousand did uncompressed, and browsers take it as it is.
    pub gzipped: bytes::Bytes,
    pub persons: Vec<Uuid>,
}

/// A service of the public directory with the organisation that offers it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub service: crate::store::services::ServiceRecord,
    pub organization: crate::entity::organization::Model,
}

/// A browser's session found by its token's hash, with its party, as stored: whether it is
/// still live is decided at each request from these rows (it may have run out since).
pub type SessionWithParty = Arc<(session::Model, party::Model)>;

/// A page of an inbox as stored: the recipient's delivered alerts, newest first, with their
/// contact logs, their ladder steps and the names of the persons they are about. Which of them
/// a reader sees now (a link ended, a consent narrowed) is decided at each request.
#[derive(Debug, Default)]
pub struct InboxPage {
    pub rows: Vec<alert::Model>,
    pub next_cursor: Option<Uuid>,
    pub contacts: Vec<alert_contact::Model>,
    pub steps: Vec<alert_escalation::Model>,
    pub names: HashMap<Uuid, String>,
    /// The page's alerts as written for a kind of reader (their language and role), when they
    /// see every alert of it: built by the first such reader, kept with the rows it was
    /// built from and forgotten with them.
    written: Mutex<HashMap<String, bytes::Bytes>>,
}

/// How many kinds of reader a page keeps its alerts written for (two languages, a few roles).
const WRITTEN_A_PAGE: usize = 16;

impl InboxPage {
    pub fn new(
        rows: Vec<alert::Model>,
        next_cursor: Option<Uuid>,
        contacts: Vec<alert_contact::Model>,
        steps: Vec<alert_escalation::Model>,
        names: HashMap<Uuid, String>,
    ) -> Self {
        Self { rows, next_cursor, contacts, steps, names, written: Mutex::default() }
    }

    /// The page's alerts as written for `reader`, written by `write` the first time.
    pub fn written_for(&self, reader: String, write: impl FnOnce() -> bytes::Bytes) -> bytes::Bytes {
        if let Some(kept) = self.written.lock().ok().and_then(|kept| kept.get(&reader).cloned()) {
            return kept;
        }
        let body = write();
        if let Ok(mut kept) = self.written.lock() {
            if kept.len() < WRITTEN_A_PAGE {
                kept.insert(reader, body.clone());
            }
        }
        body
    }
}

/// A person's schedule as stored: the input of `workflow::schedule`, whatever the caller's scope.
#[derive(Debug, Clone)]
pub struct ScheduleRows {
    pub milestones: Vec<(Uuid, Milestone)>,
    pub lapses: Vec<(Uuid, chrono::NaiveDate)>,
    pub interviews: Vec<(Uuid, chrono::NaiveDate)>,
}

/// A person, and the links one party holds to them (any state: which are in force depends on
/// the time of the request, not of the read). Shared, not copied, by each request that reads it.
pub type PersonWithLinks = Option<Arc<(person::Model, Vec<link::Model>)>>;

/// A facility's placements or a party's links (in any state: which hold depends on the time of
/// the request), with the rows of the persons they name.
#[derive(Debug, Clone)]
pub struct Members<R> {
    pub rows: Vec<R>,
    pub persons: HashMap<Uuid, person::Model>,
}

/// The persons a facility's or a party's members name, as keys whose change forgets them.
fn persons_of<R>(members: &Arc<Members<R>>) -> impl Iterator<Item = Changed> + '_ {
    members.persons.keys().copied().map(Changed::Person)
}

/// The cache of one instance.
pub struct ReadCache {
    /// Which entries have outlived [`LIFETIME`].
    clock: Arc<dyn Clock>,
    /// This instance, as its announcements of what it changed name it.
    instance: Uuid,
    /// How many writes have been forgotten (moved on under `recent`'s lock, read without it).
    generation: AtomicU64,
    /// What the latest writes changed: a load that overlapped some is kept unless one of them
    /// changed what it was built from.
    recent: Mutex<Recent>,
    /// Requests answered from memory, and requests that read the database: for tests and
    /// operators, never for decisions.
    hits: AtomicU64,
    misses: AtomicU64,
    /// Whether this instance hears every write to what it keeps: when not, nothing is kept.
    live: AtomicBool,
    changed: tokio::sync::Notify,
    parties: Memo<Uuid, Option<party::Model>>,
    persons: Memo<(Uuid, Option<Uuid>), PersonWithLinks>,
    schedules: Memo<Uuid, Arc<ScheduleRows>>,
    placed_at: Memo<Uuid, Arc<Members<placement::Model>>>,
    /// A person's placements, past, present and to come (which hold now is asked at each read).
    placements: Memo<Uuid, Arc<Vec<placement::Model>>>,
    linked_to: Memo<Uuid, Arc<Members<link::Model>>>,
    /// Every active service with its organisation: one entry, read whole.
    directory: Memo<(), Arc<Vec<Listed>>>,
    /// An organisation by id (`None`: no such organisation). Its row is written only by
    /// inserts and updates, which declare the directory changed.
    organizations: Memo<Uuid, Option<organization::Model>>,
    /// The organisations that are places to turn to, by the area asked for.
    places: Memo<Option<String>, Arc<Vec<organization::Model>>>,
    /// Whom to call, by the facility a person is placed at and the reader's language: built
    /// from organisations and the directory alone, so forgotten when the directory changes.
    places_to_call: Memo<(Option<Uuid>, Language), Arc<PlacesToCall>>,
    /// By the party whose page it is and what it was asked with (the caller builds it).
    pages: Memo<(Uuid, String), Arc<WrittenPage>>,
    /// By the token's hash; only sessions found are kept, so a stranger's guesses keep nothing.
    sessions: Memo<String, SessionWithParty>,
    /// By what was asked (the caller builds the key: language, query, the minute it holds for).
    public: Memo<String, Arc<PublicAnswer>>,
    /// By recipient and what was asked of their inbox (the caller builds it: filters, cursor,
    /// page size, the local day a snooze is judged on).
    inboxes: Memo<(Uuid, String), Arc<InboxPage>>,
    /// A JSON answer about one person, as written, by the person and what was asked (the
    /// caller builds it: the operation, the reader's scope, the dates it covers). Written
    /// from the person's rows alone, it is forgotten with them.
    answers: Memo<(Uuid, String), bytes::Bytes>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache").field("generation", &self.generation()).field("live", &self.is_live()).finish()
    }
}

impl ReadCache {
    /// A cache that keeps nothing until [`ReadCache::set_live`], and nothing past [`LIFETIME`]
    /// by `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            instance: Uuid::new_v4(),
            generation: AtomicU64::new(0),
            recent: Mutex::new(Recent::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            live: AtomicBool::new(false),
            changed: tokio::sync::Notify::new(),
            parties: Memo::bounded(MAX_ENTRIES, |id, _| vec![Changed::Party(*id)]),
            persons: Memo::bounded(MAX_ENTRIES, |(person, holder), _| {
                std::iter::once(Changed::Person(*person)).chain(holder.map(Changed::Party)).collect()
            }),
            schedules: Memo::bounded(MAX_ENTRIES, |person, _| vec![Changed::Person(*person)]),
            placed_at: Memo::bounded(MAX_MEMBERS, |organisation, members| {
                std::iter::once(Changed::Organisation(*organisation)).chain(persons_of(members)).collect()
            }),
            placements: Memo::bounded(MAX_ENTRIES, |person, _| vec![Changed::Person(*person)]),
            linked_to: Memo::bounded(MAX_PARTIES, |holder, members| {
                std::iter::once(Changed::Party(*holder)).chain(persons_of(members)).collect()
            }),
            public: Memo::of_the_directory(MAX_PUBLIC),
            sessions: Memo::bounded(MAX_ENTRIES, |_, found| vec![Changed::Party(found.1.id)]),
            directory: Memo::of_the_directory(1),
            places: Memo::of_the_directory(MAX_PUBLIC),
            places_to_call: Memo::of_the_directory(MAX_PUBLIC),
            // Whom to call is written into the page from the directory.
            pages: Memo::bounded(MAX_PARTIES, |(owner, _), page: &Arc<WrittenPage>| {
                [Changed::Party(*owner), Changed::Inbox(*owner), Changed::Directory]
                    .into_iter()
                    .chain(page.persons.iter().copied().map(Changed::Person))
                    .collect()
            }),
            organizations: Memo::of_the_directory(MAX_ENTRIES),
            inboxes: Memo::bounded(MAX_PARTIES, |(recipient, _), page| {
                std::iter::once(Changed::Inbox(*recipient))
                    .chain(page.names.keys().copied().map(Changed::Person))
                    .collect()
            }),
            answers: Memo::bounded(MAX_ANSWERS, |(person, _), _| vec![Changed::Person(*person)]),
        }
    }
}

/// How many writes' changes are remembered for the loads that overlapped them: a load that
/// began more writes ago than this is not kept (at a thousand writes a second, a second's).
const RECENT_WRITES: usize = 1_024;

/// The changes of the latest writes, oldest first: the last is the current generation's.
#[derive(Debug, Default)]
struct Recent {
    changes: std::collections::VecDeque<Changes>,
}

impl Recent {
    /// Whether a write after `generation` (the current one being `current`) changed one of
    /// `sources`, or changed everything, or is too long ago to tell.
    fn written_to_since(&self, generation: u64, current: u64, sources: &[Changed]) -> bool {
        let Some(after) = current.checked_sub(generation) else { return true };
        let Ok(after) = usize::try_from(after) else { return true };
        if after > self.changes.len() {
            return true;
        }
        self.changes
            .iter()
            .rev()
            .take(after)
            .any(|changes| changes.is_everything() || sources.iter().any(|source| changes.contains(*source)))
    }
}

/// The generation and the instant read before loading, to stamp what was loaded with: its
/// lifetime counts from when its rows were read. `None` where the cache is off.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    generation: u64,
    at: chrono::DateTime<chrono::Utc>,
}

impl ReadCache {
    pub fn instance(&self) -> Uuid {
        self.instance
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// How many requests were answered from memory.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Acquire)
    }

    /// How many requests read the database (nothing kept, or kept too long).
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Acquire)
    }

    /// Whether this instance hears every write (see the module's comment).
    pub fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Release);
        // Whatever was kept may have missed a write; and a waiter learns of the change.
        self.forget(&Changes::everything());
    }

    /// A write committed, here or in another instance: forgets what was built from what it
    /// changed, and keeps no load that was reading meanwhile.
    pub fn forget(&self, changes: &Changes) {
        if changes.is_empty() {
            return;
        }
        // Logged and counted together, before any memo forgets: a load kept after this sees
        // the write in `recent`, and one kept before it is forgotten below. (A poisoned log
        // keeps no load from then on, see `written_to_since`: only the count moves.)
        let mut recent = self.recent.lock();
        if let Ok(recent) = recent.as_mut() {
            if recent.changes.len() == RECENT_WRITES {
                recent.changes.pop_front();
            }
            recent.changes.push_back(changes.clone());
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
        drop(recent);
        // Each memo looks up the keys named, not its entries (see `memo`), or empties whole.
        self.parties.forget(changes);
        self.persons.forget(changes);
        self.schedules.forget(changes);
        self.answers.forget(changes);
        self.placed_at.forget(changes);
        self.placements.forget(changes);
        self.linked_to.forget(changes);
        self.sessions.forget(changes);
        self.inboxes.forget(changes);
        self.pages.forget(changes);
        self.public.forget(changes);
        self.directory.forget(changes);
        self.places.forget(changes);
        self.places_to_call.forget(changes);
        self.organizations.forget(changes);
        self.changed.notify_waiters();
    }

    /// Waits until the generation has moved past `seen`: for tests of another instance's
    /// writes, which arrive asynchronously.
    pub async fn changed_since(&self, seen: u64) {
        loop {
            let notified = self.changed.notified();
            if self.generation() > seen {
                return;
            }
            notified.await;
        }
    }

    /// A party by id (`None`: no such party).
    pub async fn party<E, Fut>(&self, id: Uuid, load: impl FnOnce() -> Fut) -> Result<Option<party::Model>, E>
    where
        Fut: Future<Output = Result<Option<party::Model>, E>>,
    {
        self.cached(&self.parties, id, load).await
    }

    /// A person, with the links `party` holds to them (none asked for when `party` is `None`).
    pub async fn person_with_links<E, Fut>(
        &self,
        person_id: Uuid,
        party: Option<Uuid>,
        load: impl FnOnce() -> Fut,
    ) -> Result<PersonWithLinks, E>
    where
        Fut: Future<Output = Result<PersonWithLinks, E>>,
    {
        self.cached(&self.persons, (person_id, party), load).await
    }

    /// A person's schedule rows.
    pub async fn schedule_rows<E, Fut>(
        &self,
        person_id: Uuid,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<ScheduleRows>, E>
    where
        Fut: Future<Output = Result<Arc<ScheduleRows>, E>>,
    {
        self.cached(&self.schedules, person_id, load).await
    }

    /// Whom an organisation has placements for.
    pub async fn placed_at<E, Fut>(
        &self,
        organization_id: Uuid,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<Members<placement::Model>>, E>
    where
        Fut: Future<Output = Result<Arc<Members<placement::Model>>, E>>,
    {
        self.cached(&self.placed_at, organization_id, load).await
    }

    /// A person's placements.
    pub async fn placements_of<E, Fut>(
        &self,
        person_id: Uuid,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<Vec<placement::Model>>, E>
    where
        Fut: Future<Output = Result<Arc<Vec<placement::Model>>, E>>,
    {
        self.cached(&self.placements, person_id, load).await
    }

    /// Whom a party has links to.
    pub async fn linked_to<E, Fut>(
        &self,
        party_id: Uuid,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<Members<link::Model>>, E>
    where
        Fut: Future<Output = Result<Arc<Members<link::Model>>, E>>,
    {
        self.cached(&self.linked_to, party_id, load).await
    }

    /// The session whose token hashes to `token_hash`, with its party; `None` (not kept) when
    /// `load` finds none. Session writes (a touch, an ending) and party writes declare the party.
    pub async fn session<E, Fut>(
        &self,
        token_hash: String,
        load: impl FnOnce() -> Fut,
    ) -> Result<Option<SessionWithParty>, E>
    where
        Fut: Future<Output = Result<Option<SessionWithParty>, E>>,
    {
        let stamp = self.stamp();
        if let Some(kept) = stamp.and_then(|Stamp { at, .. }| self.sessions.get(&token_hash, at - LIFETIME)) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(kept));
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let found = load().await?;
        if let Some(found) = &found {
            self.keep(&self.sessions, token_hash, stamp, found.clone());
        }
        Ok(found)
    }

    /// The public directory, whole.
    pub async fn directory<E, Fut>(&self, load: impl FnOnce() -> Fut) -> Result<Arc<Vec<Listed>>, E>
    where
        Fut: Future<Output = Result<Arc<Vec<Listed>>, E>>,
    {
        self.cached(&self.directory, (), load).await
    }

    /// An organisation by id (`None`: no such organisation).
    pub async fn organization<E, Fut>(
        &self,
        id: Uuid,
        load: impl FnOnce() -> Fut,
    ) -> Result<Option<organization::Model>, E>
    where
        Fut: Future<Output = Result<Option<organization::Model>, E>>,
    {
        self.cached(&self.organizations, id, load).await
    }

    /// The organisations that are places to turn to in `area` (every one for `None`).
    pub async fn places_to_turn<E, Fut>(
        &self,
        area: Option<String>,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<Vec<organization::Model>>, E>
    where
        Fut: Future<Output = Result<Arc<Vec<organization::Model>>, E>>,
    {
        self.cached(&self.places, area, load).await
    }

    /// Whom to call about a person placed at `facility` (or at none), in `language`.
    pub async fn places_to_call<E, Fut>(
        &self,
        facility: Option<Uuid>,
        language: Language,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<PlacesToCall>, E>
    where
        Fut: Future<Output = Result<Arc<PlacesToCall>, E>>,
    {
        self.cached(&self.places_to_call, (facility, language), load).await
    }

    /// `party`'s own page, by what it was asked with (the caller names in `asked` everything
    /// the page depends on but the rows of the party, its inbox, its persons and the directory).
    /// `since` is [`ReadCache::read_starts`] taken before the caller read what `asked` is built
    /// from: a page written after a write that committed meanwhile is not kept.
    pub async fn written_page<E, Fut>(
        &self,
        party: Uuid,
        asked: String,
        since: Option<Stamp>,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<WrittenPage>, E>
    where
        Fut: Future<Output = Result<Arc<WrittenPage>, E>>,
    {
        self.cached_from(&self.pages, (party, asked), since, load).await
    }

    /// Where a read that goes on to build a key begins: see [`ReadCache::written_page`].
    pub fn read_starts(&self) -> Option<Stamp> {
        self.stamp()
    }

    /// A public answer by `key`, which names everything the answer depends on but the directory
    /// (forgotten when it changes).
    pub async fn public_answer<E, Fut>(&self, key: String, load: impl FnOnce() -> Fut) -> Result<Arc<PublicAnswer>, E>
    where
        Fut: Future<Output = Result<Arc<PublicAnswer>, E>>,
    {
        self.cached(&self.public, key, load).await
    }

    /// A page of `recipient`'s inbox, by what was asked of it (the caller names in `asked` everything the page depends on but the rows).
    pub async fn inbox_page<E, Fut>(
        &self,
        recipient: Uuid,
        asked: String,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<InboxPage>, E>
    where
        Fut: Future<Output = Result<Arc<InboxPage>, E>>,
    {
        self.cached(&self.inboxes, (recipient, asked), load).await
    }

    /// An answer about `person` as written, by what was asked of it (the caller names in
    /// `asked` everything the answer depends on but the person's rows: the operation, the
    /// reader's scope, the dates). Whether the reader may see the person is decided, and
    /// audited, at each request before it is asked for.
    pub async fn person_answer<E, Fut>(
        &self,
        person: Uuid,
        asked: String,
        load: impl FnOnce() -> Fut,
    ) -> Result<bytes::Bytes, E>
    where
        Fut: Future<Output = Result<bytes::Bytes, E>>,
    {
        self.cached(&self.answers, (person, asked), load).await
    }

    /// What is kept for `key`, or else what `load` reads, kept if no write committed meanwhile.
    async fn cached<K, V, E, Fut>(&self, memo: &Memo<K, V>, key: K, load: impl FnOnce() -> Fut) -> Result<V, E>
    where
        K: Eq + Hash,
        V: Clone,
        Fut: Future<Output = Result<V, E>>,
    {
        self.cached_from(memo, key, self.stamp(), load).await
    }

    /// [`ReadCache::cached`], keeping the value only if no write committed since `stamp`.
    async fn cached_from<K, V, E, Fut>(
        &self,
        memo: &Memo<K, V>,
        key: K,
        stamp: Option<Stamp>,
        load: impl FnOnce() -> Fut,
    ) -> Result<V, E>
    where
        K: Eq + Hash,
        V: Clone,
        Fut: Future<Output = Result<V, E>>,
    {
        if let Some(kept) = stamp.and_then(|Stamp { at, .. }| memo.get(&key, at - LIFETIME)) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(kept);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        // Boxed: a loader's future (the reads of a miss) would otherwise be laid out inside
        // every caller's future, hit or miss, and moved with it on each request.
        let value = Box::pin(load()).await?;
        self.keep(memo, key, stamp, value.clone());
        Ok(value)
    }

    fn stamp(&self) -> Option<Stamp> {
        self.is_live().then(|| Stamp { generation: self.generation(), at: self.clock.now() })
    }

    fn keep<K: Eq + Hash, V>(&self, memo: &Memo<K, V>, key: K, stamp: Option<Stamp>, value: V) {
        if let Some(Stamp { generation, at }) = stamp {
            memo.put(key, at, value, |sources| self.written_to_since(generation, sources));
        }
    }

    /// Whether a write committed since `generation` changed one of `sources` (or everything).
    fn written_to_since(&self, generation: u64, sources: &[Changed]) -> bool {
        let Ok(recent) = self.recent.lock() else { return true };
        recent.written_to_since(generation, self.generation(), sources)
    }
}

#[cfg(test)]
mod tests;
