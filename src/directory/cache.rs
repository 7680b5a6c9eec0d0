//! A cache of actors keyed by organization and member, invalidated by the
//! organization's change version, bounded in size.

use crate::directory::{Clock, Directory, DirectoryError};
use crate::model::actor::Actor;
use crate::model::id::{MemberId, OrgId};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many actors [`ActorCache::new`] keeps at most.
pub const DEFAULT_ACTOR_CACHE_CAPACITY: usize = 100_000;

/// Caches the actors a service builds for its requests.
///
/// Each organization's entries remember the change version they were read
/// at. [`ActorCache::get`] brings the directory's copy of the organization
/// up to date (one read of the store: its version and, when it moved, the
/// commits since) and rebuilds the actor when the organization has changed
/// since: a role change, a removal or a disabled member is seen at the next
/// request.
/// A replica that learns versions by push (PostgreSQL notifications) calls
/// [`ActorCache::observe`] and can then use [`ActorCache::cached`] without
/// any read.
///
/// A hit is two hash lookups, whatever the number of actors cached; a newer
/// version drops that organization's entries and no other's. The cache holds
/// at most its capacity of actors ([`DEFAULT_ACTOR_CACHE_CAPACITY`], or
/// [`ActorCache::with_capacity`]); past it, roughly the actor cached first
/// goes first (first in, first out, over the slots the cache has used).
///
/// # Examples
///
/// ```
/// use purview::executor::block_on;
/// use purview::{preset, ActorCache, Directory, MemoryStore, NewOrganization, OrgId, Profile};
///
/// let dir = Directory::new(MemoryStore::new());
/// let owner = block_on(dir.create_organization(NewOrganization {
///     id: OrgId(1), name: "Acme".into(), catalog: preset::helpdesk(), seat_limit: 5,
///     founder: Profile { email: Some("o@acme.test".into()), ..Profile::default() },
///     founder_role: None,
/// }))?;
/// let cache = ActorCache::new();
/// let actor = block_on(cache.get(&dir, OrgId(1), owner))?;
/// assert_eq!(actor.org(), OrgId(1));
/// # Ok::<(), purview::DirectoryError>(())
/// ```
#[derive(Debug)]
pub struct ActorCache {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    orgs: HashMap<OrgId, OrgEntry>,
    /// The cached keys in insertion order, as a ring: the slot at `hand` is
    /// the next to be reused. A slot whose key was dropped or cached again
    /// elsewhere since is stale and evicts nothing.
    ring: Vec<(OrgId, MemberId)>,
    hand: usize,
    capacity: usize,
    len: usize,
}

/// One organization: the latest version known, and the actors read at it
/// with the ring slot each occupies.
#[derive(Debug)]
struct OrgEntry {
    version: u64,
    actors: HashMap<MemberId, (Arc<Actor>, usize)>,
}

impl Default for ActorCache {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_ACTOR_CACHE_CAPACITY)
    }
}

impl ActorCache {
    /// An empty cache of [`DEFAULT_ACTOR_CACHE_CAPACITY`] actors.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache of at most `capacity` actors (at least one).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        ActorCache {
            inner: Mutex::new(Inner {
                orgs: HashMap::new(),
                ring: Vec::new(),
                hand: 0,
                capacity: capacity.max(1),
                len: 0,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Nothing in here panics while the lock is held; a poisoned lock
        // still holds consistent maps.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The member's actor, rebuilt if the organization changed since it was cached.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::UnknownMember`] when the member no longer exists (the
    /// entry is dropped), [`DirectoryError::UnknownOrganization`], or a store error.
    pub async fn get<S: Store, C: Clock>(
        &self,
        dir: &Directory<S, C>,
        org: OrgId,
        member: MemberId,
    ) -> Result<Arc<Actor>, DirectoryError> {
        // One read: the organization as the directory keeps it, brought up
        // to date (its version tells whether cached actors are stale).
        let state = dir.snapshot(org).await?;
        self.observe(org, state.version);
        if let Some(actor) = self.cached(org, member) {
            return Ok(actor);
        }
        match state.actor(member) {
            Some(actor) => {
                let actor = Arc::new(Actor::Member(actor));
                self.put(org, member, state.version, Arc::clone(&actor));
                Ok(actor)
            }
            None => {
                let mut inner = self.inner();
                let removed = inner
                    .orgs
                    .get_mut(&org)
                    .and_then(|entry| entry.actors.remove(&member));
                if removed.is_some() {
                    inner.len -= 1;
                }
                Err(DirectoryError::UnknownMember(member))
            }
        }
    }

    /// The cached actor if it was read at the latest version this cache knows
    /// of for the organization; no I/O.
    #[must_use]
    pub fn cached(&self, org: OrgId, member: MemberId) -> Option<Arc<Actor>> {
        let inner = self.inner();
        let (actor, _) = inner.orgs.get(&org)?.actors.get(&member)?;
        Some(Arc::clone(actor))
    }

    /// Caches an actor built from the organization's state at version
    /// `read_at`. An actor read at an older version than the cache knows of
    /// is not kept; a newer version drops the organization's older entries.
    pub fn put(&self, org: OrgId, member: MemberId, read_at: u64, actor: Arc<Actor>) {
        let mut inner = self.inner();
        let inner = &mut *inner;
        let entry = inner.orgs.entry(org).or_insert_with(|| OrgEntry {
            version: read_at,
            actors: HashMap::new(),
        });
        if read_at < entry.version {
            return;
        }
        if read_at > entry.version {
            inner.len -= entry.actors.len();
            *entry = OrgEntry {
                version: read_at,
                actors: HashMap::new(),
            };
        }
        // The slot this actor takes: a new one while there is room, else the
        // oldest, whose actor (if still there) goes.
        let slot = if inner.ring.len() < inner.capacity {
            inner.ring.push((org, member));
            inner.ring.len() - 1
        } else {
            let slot = inner.hand;
            inner.hand = (slot + 1) % inner.capacity;
            let (old_org, old_member) = std::mem::replace(&mut inner.ring[slot], (org, member));
            if let Some(old) = inner.orgs.get_mut(&old_org) {
                if old.actors.get(&old_member).is_some_and(|(_, s)| *s == slot) {
                    old.actors.remove(&old_member);
                    inner.len -= 1;
                }
            }
            slot
        };
        if let Some(entry) = inner.orgs.get_mut(&org) {
            if entry.actors.insert(member, (actor, slot)).is_none() {
                inner.len += 1;
            }
        }
        // Organizations whose actors all went keep their version until the
        // organizations outnumber the capacity; then the empty ones go.
        if inner.orgs.len() > inner.capacity {
            inner.orgs.retain(|_, e| !e.actors.is_empty());
        }
    }

    /// Records that the organization has reached `version` (from a read or a
    /// notification); its entries read at older versions are dropped. Other
    /// organizations' entries are untouched.
    pub fn observe(&self, org: OrgId, version: u64) {
        let mut inner = self.inner();
        let inner = &mut *inner;
        if let Some(entry) = inner.orgs.get_mut(&org) {
            if version > entry.version {
                inner.len -= entry.actors.len();
                *entry = OrgEntry {
                    version,
                    actors: HashMap::new(),
                };
            }
        }
    }

    /// Drops every entry of the organization.
    pub fn invalidate(&self, org: OrgId) {
        let mut inner = self.inner();
        if let Some(entry) = inner.orgs.remove(&org) {
            inner.len -= entry.actors.len();
        }
    }

    /// How many actors are cached.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner().len
    }

    /// Whether no actor is cached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
