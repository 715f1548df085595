//! The cache's own rules, without a database.

use super::*;
use crate::clock::ManualClock;

fn cache() -> (ReadCache, ManualClock) {
    let clock = ManualClock::new(chrono::Utc::now());
    (ReadCache::new(Arc::new(clock.clone())), clock)
}

fn kept(cache: &ReadCache) -> bool {
    kept_for(cache, Uuid::nil())
}

fn kept_for(cache: &ReadCache, person: Uuid) -> bool {
    cache.schedules.get(&person, cache.clock.now() - LIFETIME).is_some()
}

#[test]
fn nothing_is_kept_until_the_cache_hears_every_write() {
    let (cache, _) = cache();
    let stamp = cache.stamp();
    cache.keep(&cache.schedules, Uuid::nil(), stamp, Arc::new(rows()));
    assert!(!kept(&cache));
    cache.set_live(true);
    let stamp = cache.stamp();
    cache.keep(&cache.schedules, Uuid::nil(), stamp, Arc::new(rows()));
    assert!(kept(&cache));
}

#[test]
fn rows_loaded_before_a_write_to_them_committed_are_not_kept_after_it() {
    let (cache, _) = cache();
    cache.set_live(true);
    let stamp = cache.stamp();
    // The rows are read here; a write to them commits before they are kept.
    cache.forget(&[Changed::Person(Uuid::nil())].into_iter().collect());
    cache.keep(&cache.schedules, Uuid::nil(), stamp, Arc::new(rows()));
    assert!(!kept(&cache));
    let stamp = cache.stamp();
    cache.forget(&Changes::everything());
    cache.keep(&cache.schedules, Uuid::nil(), stamp, Arc::new(rows()));
    assert!(!kept(&cache), "a write too broad to name changed them too");
}

#[test]
fn rows_loaded_across_writes_to_others_are_kept() {
    let (cache, _) = cache();
    cache.set_live(true);
    let stamp = cache.stamp();
    // Other visitors sign in (their sessions are touched) while this person's rows are read.
    for _ in 0..10 {
        cache.forget(&[Changed::Party(Uuid::now_v7()), Changed::Person(Uuid::now_v7())].into_iter().collect());
    }
    cache.keep(&cache.schedules, Uuid::nil(), stamp, Arc::new(rows()));
    assert!(kept(&cache));
}

#[test]
fn a_load_that_began_before_the_writes_remembered_is_not_kept() {
    let (cache, _) = cache();
    cache.set_live(true);
    let stamp = cache.stamp();
    for _ in 0..=RECENT_WRITES {
        cache.forget(&[Changed::Person(Uuid::now_v7())].into_iter().collect());
    }
    // The oldest of those writes is no longer remembered: it may have been to these rows.
    cache.keep(&cache.schedules, Uuid::nil(), stamp, Arc::new(rows()));
    assert!(!kept(&cache));
}

#[test]
fn what_is_built_from_the_directory_is_not_kept_across_its_change() {
    let (cache, _) = cache();
    cache.set_live(true);
    let calls = Arc::new(PlacesToCall { items: "<li>…</li>".to_owned() });
    let stamp = cache.stamp();
    cache.forget(&[Changed::Directory].into_iter().collect());
    cache.keep(&cache.places_to_call, (None, Language::Ja), stamp, calls.clone());
    let now = cache.clock.now();
    assert!(cache.places_to_call.get(&(None, Language::Ja), now - LIFETIME).is_none());
    let stamp = cache.stamp();
    cache.forget(&[Changed::Person(Uuid::now_v7())].into_iter().collect());
    cache.keep(&cache.places_to_call, (None, Language::Ja), stamp, calls);
    assert!(cache.places_to_call.get(&(None, Language::Ja), now - LIFETIME).is_some(), "a person's write leaves it");
}

#[test]
fn a_write_forgets_what_it_changed_and_keeps_the_rest() {
    let (cache, _) = cache();
    cache.set_live(true);
    let (changed, other) = (Uuid::now_v7(), Uuid::now_v7());
    for person in [changed, other] {
        let stamp = cache.stamp();
        cache.keep(&cache.schedules, person, stamp, Arc::new(rows()));
    }
    cache.forget(&[Changed::Person(changed)].into_iter().collect());
    assert!(!kept_for(&cache, changed));
    assert!(kept_for(&cache, other));
    cache.forget(&Changes::everything());
    assert!(!kept_for(&cache, other));
}

#[test]
fn a_facility_list_is_forgotten_when_a_person_on_it_changes() {
    let (cache, _) = cache();
    cache.set_live(true);
    let (facility, resident) = (Uuid::now_v7(), Uuid::now_v7());
    let members = Members { rows: Vec::new(), persons: HashMap::from([(resident, person(resident))]) };
    let stamp = cache.stamp();
    cache.keep(&cache.placed_at, facility, stamp, Arc::new(members));
    cache.forget(&[Changed::Person(Uuid::now_v7())].into_iter().collect());
    assert!(cache.placed_at.get(&facility, cache.clock.now() - LIFETIME).is_some());
    cache.forget(&[Changed::Person(resident)].into_iter().collect());
    assert!(cache.placed_at.get(&facility, cache.clock.now() - LIFETIME).is_none());
}

#[test]
fn a_public_answer_is_forgotten_by_a_directory_change_and_by_nothing_else() {
    let (cache, _) = cache();
    cache.set_live(true);
    let answer = Arc::new(PublicAnswer {
        status: 200,
        body: bytes::Bytes::from_static(b"<p>help</p>"),
        gzipped: bytes::Bytes::new(),
    });
    let keep = |cache: &ReadCache| {
        let stamp = cache.stamp();
        cache.keep(&cache.public, "ja|/help".to_owned(), stamp, answer.clone());
    };
    let public_kept =
        |cache: &ReadCache| cache.public.get(&"ja|/help".to_owned(), cache.clock.now() - LIFETIME).is_some();
    keep(&cache);
    cache.forget(&[Changed::Person(Uuid::now_v7()), Changed::Organisation(Uuid::now_v7())].into_iter().collect());
    assert!(public_kept(&cache), "a person's or a placement's change leaves the directory page");
    cache.forget(&[Changed::Directory].into_iter().collect());
    assert!(!public_kept(&cache));
    keep(&cache);
    cache.forget(&Changes::everything());
    assert!(!public_kept(&cache));
}

#[test]
fn an_inbox_page_is_forgotten_by_its_recipient_and_by_a_person_it_names() {
    let (cache, _) = cache();
    cache.set_live(true);
    let (recipient, named) = (Uuid::now_v7(), Uuid::now_v7());
    let names = HashMap::from([(named, "A".to_owned())]);
    let page = Arc::new(InboxPage::new(Vec::new(), None, Vec::new(), Vec::new(), names));
    let keep = |cache: &ReadCache| {
        let stamp = cache.stamp();
        cache.keep(&cache.inboxes, (recipient, "all".to_owned()), stamp, page.clone());
    };
    let page_kept =
        |cache: &ReadCache| cache.inboxes.get(&(recipient, "all".to_owned()), cache.clock.now() - LIFETIME).is_some();
    keep(&cache);
    let others: Changes = [Changed::Inbox(Uuid::now_v7()), Changed::Person(Uuid::now_v7()), Changed::Party(recipient)]
        .into_iter()
        .collect();
    cache.forget(&others);
    assert!(page_kept(&cache), "another inbox, another person, the recipient's own row leave the page");
    cache.forget(&[Changed::Inbox(recipient)].into_iter().collect());
    assert!(!page_kept(&cache));
    keep(&cache);
    cache.forget(&[Changed::Person(named)].into_iter().collect());
    assert!(!page_kept(&cache), "a person named on the page was renamed or erased");
}

fn person(id: Uuid) -> person::Model {
    let now = chrono::Utc::now();
    person::Model {
        id,
        display_name: "A".to_owned(),
        birth_date: None,
        language: crate::domain::Language::Ja,
        timezone: crate::domain::Zone::default(),
        created_at: now,
        updated_at: now,
    }
}

#[test]
fn an_entry_is_served_for_its_lifetime_and_not_after() {
    let (cache, clock) = cache();
    cache.set_live(true);
    let stamp = cache.stamp();
    cache.keep(&cache.schedules, Uuid::nil(), stamp, Arc::new(rows()));
    clock.advance(LIFETIME - chrono::Duration::seconds(1));
    assert!(kept(&cache), "served within its lifetime");
    clock.advance(chrono::Duration::seconds(1));
    assert!(!kept(&cache), "read afresh once its lifetime is over");
}

fn rows() -> ScheduleRows {
    ScheduleRows { milestones: Vec::new(), lapses: Vec::new(), interviews: Vec::new() }
}

#[test]
fn an_answer_about_a_person_is_forgotten_with_the_person_and_by_nothing_else() {
    let (cache, _) = cache();
    cache.set_live(true);
    let (person, other) = (Uuid::now_v7(), Uuid::now_v7());
    let asked = "upcoming|2026-12-06|2027-01-05|bail".to_owned();
    let keep = |cache: &ReadCache| {
        let stamp = cache.stamp();
        cache.keep(&cache.answers, (person, asked.clone()), stamp, bytes::Bytes::from_static(b"{}"));
    };
    let answer_kept =
        |cache: &ReadCache| cache.answers.get(&(person, asked.clone()), cache.clock.now() - LIFETIME).is_some();
    keep(&cache);
    let others: Changes =
        [Changed::Person(other), Changed::Party(person), Changed::Inbox(person), Changed::Organisation(person)]
            .into_iter()
            .collect();
    cache.forget(&others);
    assert!(answer_kept(&cache), "another person's change, or any party's, inbox's or organisation's, leaves it");
    cache.forget(&[Changed::Person(person)].into_iter().collect());
    assert!(!answer_kept(&cache), "a change to the person forgets it");
    keep(&cache);
    cache.forget(&Changes::everything());
    assert!(!answer_kept(&cache));
}
