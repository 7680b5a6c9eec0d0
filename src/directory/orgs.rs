//! The organizations a directory serves, kept in memory between operations
//! and brought up to date from the store's change log.

use crate::model::id::OrgId;
use crate::record::OrgState;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many organizations a directory keeps by default.
pub const DEFAULT_CACHED_ORGANIZATIONS: usize = 64;

/// Organizations by id with the tick of their last use; the least recently
/// used goes when there are more than the capacity.
pub(crate) struct OrgCache {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for OrgCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The organizations' records stay out of a directory's debug output.
        let inner = self.inner();
        f.debug_struct("OrgCache")
            .field("organizations", &inner.orgs.len())
            .field("capacity", &inner.capacity)
            .finish()
    }
}

struct Inner {
    orgs: HashMap<OrgId, (Arc<OrgState>, u64)>,
    tick: u64,
    capacity: usize,
}

impl OrgCache {
    pub(crate) fn new(capacity: usize) -> OrgCache {
        OrgCache {
            inner: Mutex::new(Inner {
                orgs: HashMap::new(),
                tick: 0,
                capacity,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Nothing panics while the lock is held.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn capacity(&self) -> usize {
        self.inner().capacity
    }

    /// The cached state, marked as just used.
    pub(crate) fn get(&self, org: OrgId) -> Option<Arc<OrgState>> {
        let mut inner = self.inner();
        inner.tick += 1;
        let tick = inner.tick;
        let (state, used) = inner.orgs.get_mut(&org)?;
        *used = tick;
        Some(Arc::clone(state))
    }

    /// Takes the cached state out (to update it in place when nobody else
    /// holds it).
    pub(crate) fn take(&self, org: OrgId) -> Option<Arc<OrgState>> {
        self.inner().orgs.remove(&org).map(|(state, _)| state)
    }

    /// Keeps `state` unless a newer one is cached; past the capacity, the
    /// least recently used organization goes.
    pub(crate) fn put(&self, org: OrgId, state: Arc<OrgState>) {
        let mut inner = self.inner();
        if inner.capacity == 0 {
            return;
        }
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((cached, used)) = inner.orgs.get_mut(&org) {
            if cached.version <= state.version {
                *cached = state;
            }
            *used = tick;
            return;
        }
        if inner.orgs.len() >= inner.capacity {
            let oldest = inner
                .orgs
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                inner.orgs.remove(&oldest);
            }
        }
        inner.orgs.insert(org, (state, tick));
    }

    pub(crate) fn remove(&self, org: OrgId) {
        self.inner().orgs.remove(&org);
    }

    pub(crate) fn len(&self) -> usize {
        self.inner().orgs.len()
    }
}
