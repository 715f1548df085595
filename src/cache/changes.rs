//! What a write says it changed, for the cache to forget exactly that: in this instance after
//! the commit, in the others as a `NOTIFY` payload.

use std::collections::HashSet;

use uuid::Uuid;

/// One thing whose cached reads a write may have made stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Changed {
    /// The person's row, links, placements or schedule.
    Person(Uuid),
    /// The party's row or the links it holds.
    Party(Uuid),
    /// Whom the organisation has placements for.
    Organisation(Uuid),
    /// What an inbox lists: the delivered alerts of a recipient (a party, or a team, whose
    /// alerts name the organisation as their recipient), their contact logs and ladder steps.
    Inbox(Uuid),
    /// The public directory of help: a service, its sessions, or an organisation's public
    /// details (or a new organisation, which may be a place to turn to). One key for all of it: the public answers built from it are few and cheap to
    /// build again, and each shows many services.
    Directory,
}

/// The payload's word for [`Changed::Directory`].
const DIRECTORY: &str = "directory";

/// A `NOTIFY` payload may be 8 000 bytes; past this many keys, others are told to forget all.
const KEYS_A_PAYLOAD: usize = 150;

/// What one write changed: some keys, or everything (a write too broad to name, or one whose
/// keys could not be told).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    keys: HashSet<Changed>,
    everything: bool,
}

impl Changes {
    pub fn everything() -> Self {
        Self { keys: HashSet::new(), everything: true }
    }

    pub fn add(&mut self, changed: Changed) {
        if !self.everything {
            self.keys.insert(changed);
        }
    }

    pub fn add_all(&mut self, other: &Changes) {
        if other.everything {
            *self = Self::everything();
        } else {
            other.keys.iter().for_each(|key| self.add(*key));
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.everything && self.keys.is_empty()
    }

    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// The keys named (none when everything changed: ask [`Changes::is_everything`] first).
    pub fn keys(&self) -> impl Iterator<Item = &Changed> {
        self.keys.iter()
    }

    pub fn contains(&self, changed: Changed) -> bool {
        self.everything || self.keys.contains(&changed)
    }

    /// The payload other instances read: `*`, or keys such as `person:<uuid>` joined by commas.
    /// Only fixed words, hex digits and separators: safe inside a quoted SQL literal.
    pub fn payload(&self) -> String {
        if self.everything || self.keys.len() > KEYS_A_PAYLOAD {
            return "*".to_owned();
        }
        let mut keys: Vec<String> = self
            .keys
            .iter()
            .map(|key| match key {
                Changed::Person(id) => format!("person:{id}"),
                Changed::Party(id) => format!("party:{id}"),
                Changed::Organisation(id) => format!("organisation:{id}"),
                Changed::Inbox(id) => format!("inbox:{id}"),
                Changed::Directory => DIRECTORY.to_owned(),
            })
            .collect();
        keys.sort();
        keys.join(",")
    }

    /// What another instance said; anything it cannot read means everything, never nothing.
    pub fn from_payload(payload: &str) -> Self {
        let mut changes = Self::default();
        for key in payload.split(',') {
            if key == DIRECTORY {
                changes.add(Changed::Directory);
                continue;
            }
            let parsed = key.split_once(':').and_then(|(kind, id)| {
                let id = Uuid::parse_str(id).ok()?;
                match kind {
                    "person" => Some(Changed::Person(id)),
                    "party" => Some(Changed::Party(id)),
                    "organisation" => Some(Changed::Organisation(id)),
                    "inbox" => Some(Changed::Inbox(id)),
                    _ => None,
                }
            });
            match parsed {
                Some(changed) => changes.add(changed),
                None => return Self::everything(),
            }
        }
        changes
    }
}

/// A `NOTIFY` payload: the instance that wrote, then what it changed. The writer has forgotten
/// those entries itself as it committed, so it need not hear its own word again (which could
/// arrive while it reads afresh, and leave that read unkept).
pub fn announcement(instance: Uuid, changes: &Changes) -> String {
    format!("{instance}|{}", changes.payload())
}

/// Which instance an announcement came from (`None`: it does not say), and what it changed.
pub fn heard(payload: &str) -> (Option<Uuid>, Changes) {
    match payload.split_once('|') {
        Some((instance, keys)) => match Uuid::parse_str(instance) {
            Ok(instance) => (Some(instance), Changes::from_payload(keys)),
            Err(_) => (None, Changes::everything()),
        },
        None => (None, Changes::from_payload(payload)),
    }
}

impl FromIterator<Changed> for Changes {
    fn from_iter<I: IntoIterator<Item = Changed>>(keys: I) -> Self {
        let mut changes = Self::default();
        keys.into_iter().for_each(|key| changes.add(key));
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_travel_to_other_instances_and_back() {
        let changes: Changes = [
            Changed::Person(Uuid::now_v7()),
            Changed::Party(Uuid::now_v7()),
            Changed::Organisation(Uuid::now_v7()),
            Changed::Inbox(Uuid::now_v7()),
            Changed::Directory,
        ]
        .into_iter()
        .collect();
        assert_eq!(Changes::from_payload(&changes.payload()), changes);
    }

    #[test]
    fn an_announcement_names_the_instance_that_wrote() {
        let (instance, changes) = (Uuid::now_v7(), Changes::from_iter([Changed::Person(Uuid::now_v7())]));
        assert_eq!(heard(&announcement(instance, &changes)), (Some(instance), changes.clone()));
        assert_eq!(heard(&changes.payload()), (None, changes));
        assert_eq!(heard("not-an-instance|*").1, Changes::everything());
        assert!(heard("not-an-instance|directory").1.is_everything());
    }

    #[test]
    fn what_cannot_be_read_or_told_key_by_key_means_everything() {
        assert!(Changes::from_payload("").is_everything());
        assert!(Changes::from_payload("*").is_everything());
        assert!(Changes::from_payload("person:not-a-uuid").is_everything());
        assert!(Changes::from_payload(&format!("team:{}", Uuid::nil())).is_everything());
        let many: Changes = (0..=KEYS_A_PAYLOAD).map(|_| Changed::Person(Uuid::now_v7())).collect();
        assert_eq!(many.payload(), "*");
        assert!(many.payload().len() < 8_000);
    }
}
