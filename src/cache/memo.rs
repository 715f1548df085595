//! One kind of kept entry, with an index from what each entry was built from to the entries:
//! a write forgets the few entries its changed keys name without looking at the others, so its
//! cost (taken while readers wait on the lock) does not grow with how much is kept.

use std::{
    collections::{HashMap, HashSet},
    hash::Hash,
    sync::{Arc, Mutex},
};

use super::{Changed, Changes};

/// What an entry was built from: the keys whose change must forget it.
pub(super) type Sources<K, V> = fn(&K, &V) -> Vec<Changed>;

pub(super) struct Memo<K, V> {
    inner: Mutex<Inner<K, V>>,
    capacity: usize,
    sources: Sources<K, V>,
}

struct Inner<K, V> {
    /// Keys are shared with the index: a page's key names every person it shows, and is
    /// listed under each of them without being copied.
    entries: HashMap<Arc<K>, Entry<V>>,
    /// Exactly the entries held, by each of their sources: kept in step on every insert,
    /// replacement and removal, so it never outgrows the entries.
    by_source: HashMap<Changed, HashSet<Arc<K>>>,
}

/// What is kept: the value, and when its rows were read.
struct Entry<V> {
    kept_at: chrono::DateTime<chrono::Utc>,
    value: V,
}

impl<K, V> Memo<K, V> {
    /// At most `capacity` entries (bounds memory whatever the traffic), each forgotten when
    /// one of `sources` changes.
    pub(super) fn bounded(capacity: usize, sources: Sources<K, V>) -> Self {
        Self { inner: Mutex::new(Inner { entries: HashMap::new(), by_source: HashMap::new() }), capacity, sources }
    }

    /// Entries built from the directory of help alone: its change forgets them all.
    pub(super) fn of_the_directory(capacity: usize) -> Self {
        Self::bounded(capacity, |_, _| vec![Changed::Directory])
    }
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// What is kept for `key`, if its rows were read after `fresh_since`.
    pub(super) fn get(&self, key: &K, fresh_since: chrono::DateTime<chrono::Utc>) -> Option<V> {
        let inner = self.inner.lock().ok()?;
        inner.entries.get(key).filter(|entry| entry.kept_at > fresh_since).map(|entry| entry.value.clone())
    }
}

impl<K: Eq + Hash, V> Memo<K, V> {
    /// Keeps `value` unless `changed_meanwhile` says a write committed, since its rows were
    /// read, to one of what it was built from; the check and the insert happen under the lock
    /// `clear` and `forget` take, so neither can fall between them.
    pub(super) fn put(
        &self,
        key: K,
        kept_at: chrono::DateTime<chrono::Utc>,
        value: V,
        changed_meanwhile: impl FnOnce(&[Changed]) -> bool,
    ) {
        let Ok(mut inner) = self.inner.lock() else { return };
        let sources = (self.sources)(&key, &value);
        if changed_meanwhile(&sources) {
            return;
        }
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&key) {
            inner.make_room(kept_at - super::LIFETIME, self.sources);
        }
        inner.remove(&key, self.sources, None);
        let key = Arc::new(key);
        for source in sources {
            inner.by_source.entry(source).or_default().insert(Arc::clone(&key));
        }
        inner.entries.insert(key, Entry { kept_at, value });
    }

    fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.entries.clear();
            inner.by_source.clear();
        }
    }

    /// Drops the entries built from a key `changes` names, or every entry when everything changed.
    pub(super) fn forget(&self, changes: &Changes) {
        if changes.is_everything() {
            return self.clear();
        }
        let Ok(mut inner) = self.inner.lock() else { return };
        for changed in changes.keys() {
            let Some(keys) = inner.by_source.remove(changed) else { continue };
            for key in keys {
                inner.remove(key.as_ref(), self.sources, Some(changed));
            }
        }
    }

    #[cfg(test)]
    pub(super) fn indexed(&self) -> usize {
        self.inner.lock().map(|inner| inner.by_source.values().map(HashSet::len).sum()).unwrap_or(0)
    }
}

impl<K: Eq + Hash, V> Inner<K, V> {
    /// A full memo drops the entries read before `stale_before`, which are never served
    /// again; when they are fewer than a quarter of it, it is emptied instead (so a scan frees
    /// at least a quarter, and costs each insert a constant share on average).
    fn make_room(&mut self, stale_before: chrono::DateTime<chrono::Utc>, sources: Sources<K, V>) {
        let stale: Vec<Arc<K>> = self
            .entries
            .iter()
            .filter(|(_, entry)| entry.kept_at <= stale_before)
            .map(|(key, _)| Arc::clone(key))
            .collect();
        if stale.len() * 4 < self.entries.len() {
            self.entries.clear();
            self.by_source.clear();
            return;
        }
        for key in &stale {
            self.remove(key.as_ref(), sources, None);
        }
    }

    /// Removes `key`'s entry and its place under each of its sources but `done` (whose set the
    /// caller has taken out already).
    fn remove(&mut self, key: &K, sources: Sources<K, V>, done: Option<&Changed>) {
        let Some(entry) = self.entries.remove(key) else { return };
        for source in sources(key, &entry.value) {
            if Some(&source) == done {
                continue;
            }
            if let Some(keys) = self.by_source.get_mut(&source) {
                keys.remove(key);
                if keys.is_empty() {
                    self.by_source.remove(&source);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;

    fn by_first(key: &(Uuid, u8), _: &&str) -> Vec<Changed> {
        vec![Changed::Person(key.0)]
    }

    #[test]
    fn a_change_forgets_the_entries_built_from_it_and_no_other() {
        let memo: Memo<(Uuid, u8), &str> = Memo::bounded(10, by_first);
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).single().expect("a valid instant");
        let (changed, other) = (Uuid::now_v7(), Uuid::now_v7());
        memo.put((changed, 1), at, "a", |_| false);
        memo.put((changed, 2), at, "b", |_| false);
        memo.put((other, 1), at, "c", |_| false);
        memo.forget(&[Changed::Person(changed)].into_iter().collect());
        let before = at - chrono::Duration::seconds(1);
        assert_eq!(memo.get(&(changed, 1), before), None);
        assert_eq!(memo.get(&(changed, 2), before), None);
        assert_eq!(memo.get(&(other, 1), before), Some("c"));
        assert_eq!(memo.indexed(), 1, "the index holds only what is kept");
    }

    #[test]
    fn a_full_memo_drops_what_has_outlived_its_lifetime_and_keeps_the_rest() {
        let memo: Memo<(Uuid, u8), &str> = Memo::bounded(4, by_first);
        let early = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).single().expect("a valid instant");
        let later = early + super::super::LIFETIME + chrono::Duration::seconds(1);
        let (old, fresh, new) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        memo.put((old, 1), early, "old", |_| false);
        memo.put((old, 2), early, "old", |_| false);
        memo.put((fresh, 1), later, "fresh", |_| false);
        memo.put((fresh, 2), later, "fresh", |_| false);
        memo.put((new, 1), later, "new", |_| false);
        let before = early - chrono::Duration::seconds(1);
        assert_eq!(memo.get(&(fresh, 1), before), Some("fresh"), "a fresh entry outlives the filling");
        assert_eq!(memo.get(&(fresh, 2), before), Some("fresh"));
        assert_eq!(memo.get(&(new, 1), before), Some("new"));
        assert_eq!(memo.get(&(old, 1), before), None);
        assert_eq!(memo.indexed(), 3, "what was dropped left the index too");
        // Full of fresh entries, it is emptied: memory stays bounded.
        memo.put((old, 3), later, "again", |_| false);
        memo.put((old, 4), later, "again", |_| false);
        assert_eq!(memo.get(&(fresh, 1), before), None);
        assert_eq!(memo.get(&(old, 4), before), Some("again"));
    }

    #[test]
    fn an_entry_kept_again_from_other_sources_is_forgotten_by_those_alone() {
        // Sources read from the value: an entry rebuilt from other rows moves in the index.
        let memo: Memo<u8, Uuid> = Memo::bounded(10, |_, person| vec![Changed::Person(*person)]);
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).single().expect("a valid instant");
        let (first, then) = (Uuid::now_v7(), Uuid::now_v7());
        memo.put(1, at, first, |_| false);
        memo.put(1, at, then, |_| false);
        assert_eq!(memo.indexed(), 1, "the replaced entry's source is no longer indexed");
        let before = at - chrono::Duration::seconds(1);
        memo.forget(&[Changed::Person(first)].into_iter().collect());
        assert_eq!(memo.get(&1, before), Some(then));
        memo.forget(&[Changed::Person(then)].into_iter().collect());
        assert_eq!(memo.get(&1, before), None);
        assert_eq!(memo.indexed(), 0);
    }
}
