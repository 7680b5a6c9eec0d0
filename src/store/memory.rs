//! The in-memory store: the default, safe to share across threads.

use super::{Commit, ContactWrite, Store, StoreError};
use crate::model::id::{ContactId, OrgId};
use crate::record::{AuditCursor, AuditEvent, Change, Committed, OrgState, StoredContact};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Default)]
struct Entry {
    state: Option<Arc<OrgState>>,
    audit: Vec<AuditEvent>,
    /// Every commit after the first, in order.
    log: Vec<Committed>,
    contacts: Contacts,
}

/// An organization's contacts, by id and by external id, with each
/// contact's audit events.
#[derive(Default)]
struct Contacts {
    by_id: HashMap<ContactId, StoredContact>,
    by_external: HashMap<String, ContactId>,
    audit: HashMap<ContactId, Vec<AuditEvent>>,
}

impl Contacts {
    fn write(&mut self, w: &ContactWrite<'_>) -> Result<(), StoreError> {
        let current = self.by_id.get(&w.id);
        match (w.expected_version, current) {
            // Creating writes a contact; there is nothing to delete.
            (None, None) if w.contact.is_none() => return Err(StoreError::Conflict),
            (None, None) => {
                let taken = w
                    .contact
                    .and_then(|c| c.external_id.as_ref())
                    .is_some_and(|e| self.by_external.contains_key(e));
                if taken || self.audit.contains_key(&w.id) {
                    return Err(StoreError::Conflict);
                }
            }
            (Some(v), Some(c)) if c.version == v => {
                let moved = w
                    .contact
                    .and_then(|n| n.external_id.as_ref())
                    .filter(|e| c.external_id.as_ref() != Some(*e));
                if moved.is_some_and(|e| self.by_external.contains_key(e)) {
                    return Err(StoreError::Conflict);
                }
            }
            _ => return Err(StoreError::Conflict),
        }
        if let Some(old) = self.by_id.remove(&w.id) {
            if let Some(e) = old.external_id {
                self.by_external.remove(&e);
            }
        }
        if let Some(c) = w.contact {
            if let Some(e) = &c.external_id {
                self.by_external.insert(e.clone(), c.id);
            }
            self.by_id.insert(c.id, c.clone());
        }
        self.audit.entry(w.id).or_default().push(w.event.clone());
        Ok(())
    }
}

/// Keeps every organization in memory behind one mutex.
///
/// Loads hand out a shared snapshot; a commit replaces it. Cloning the store
/// shares it.
///
/// ```
/// use purview::MemoryStore;
/// let store = MemoryStore::new();
/// let replica = store.clone(); // the same data
/// # let _ = replica;
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<HashMap<OrgId, Entry>>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<OrgId, Entry>> {
        // A panic while holding the lock cannot leave a half-applied commit:
        // nothing in a commit panics once the version has been checked.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store for MemoryStore {
    async fn contact(
        &self,
        org: OrgId,
        id: ContactId,
    ) -> Result<Option<StoredContact>, StoreError> {
        Ok(self
            .lock()
            .get(&org)
            .and_then(|e| e.contacts.by_id.get(&id).cloned()))
    }

    async fn contact_by_external_id(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> Result<Option<StoredContact>, StoreError> {
        Ok(self.lock().get(&org).and_then(|e| {
            let id = e.contacts.by_external.get(external_id)?;
            e.contacts.by_id.get(id).cloned()
        }))
    }

    async fn write_contact(&self, write: ContactWrite<'_>) -> Result<(), StoreError> {
        let mut map = self.lock();
        let entry = map
            .get_mut(&write.org)
            .filter(|e| e.state.is_some())
            .ok_or_else(|| StoreError::Backend(format!("no organization {}", write.org).into()))?;
        entry.contacts.write(&write)
    }

    async fn contact_audit(
        &self,
        org: OrgId,
        contact: ContactId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let map = self.lock();
        let Some(events) = map.get(&org).and_then(|e| e.contacts.audit.get(&contact)) else {
            return Ok(Vec::new());
        };
        // In version order: the page starts after a binary search.
        let start = after.map_or(0, |a| events.partition_point(|e| e.version <= a));
        Ok(events.iter().skip(start).take(limit).cloned().collect())
    }

    async fn load(&self, org: OrgId) -> Result<Option<Arc<OrgState>>, StoreError> {
        Ok(self.lock().get(&org).and_then(|e| e.state.clone()))
    }

    async fn commit(&self, commit: Commit<'_>) -> Result<u64, StoreError> {
        let mut map = self.lock();
        let current = map.get_mut(&commit.org).and_then(|e| e.state.take());
        // The state is shared copy-on-write: when no reader holds the current
        // snapshot any more, the commit updates it in place. A refused commit
        // puts back what it took and adds nothing.
        let mut next = match (current, commit.expected_version) {
            (None, None) => match commit.changes.first() {
                Some(Change::CreateOrganization(org)) => Arc::new(OrgState::new(org.clone())),
                _ => {
                    return Err(StoreError::Backend(
                        "a new organization must be created first".into(),
                    ))
                }
            },
            (Some(state), Some(v)) if state.version == v => state,
            (current, _) => {
                if let Some(entry) = map.get_mut(&commit.org) {
                    entry.state = current;
                }
                return Err(StoreError::Conflict);
            }
        };
        let entry = map.entry(commit.org).or_default();
        let state = Arc::make_mut(&mut next);
        for change in commit.changes {
            state.apply(change);
        }
        state.version = commit.expected_version.map_or(1, |v| v + 1);
        let version = state.version;
        entry.state = Some(next);
        entry.audit.extend_from_slice(commit.events);
        if commit.expected_version.is_some() {
            entry.log.push(Committed {
                version,
                changes: commit.changes.to_vec(),
            });
        }
        Ok(version)
    }

    async fn audit_page(
        &self,
        org: OrgId,
        after: Option<AuditCursor>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let map = self.lock();
        let Some(entry) = map.get(&org) else {
            return Ok(Vec::new());
        };
        // The log is in commit order: the page starts by binary search.
        let start = after.map_or(0, |c| entry.audit.partition_point(|e| e.cursor() <= c));
        Ok(entry
            .audit
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn changes_since(
        &self,
        org: OrgId,
        version: u64,
        limit: usize,
    ) -> Result<Option<Vec<Committed>>, StoreError> {
        let map = self.lock();
        let Some(entry) = map.get(&org) else {
            return Ok(None);
        };
        // The log starts at version 2: the creation is not in it.
        if version == 0 {
            return Ok(None);
        }
        let start = entry.log.partition_point(|c| c.version <= version);
        Ok(Some(
            entry.log.iter().skip(start).take(limit).cloned().collect(),
        ))
    }

    fn shares_state(&self) -> bool {
        // `load` hands out the store's own state: nothing to cache.
        true
    }

    async fn version(&self, org: OrgId) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .get(&org)
            .and_then(|e| e.state.as_ref().map(|s| s.version))
            .unwrap_or(0))
    }
}
