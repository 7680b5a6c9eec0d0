//! A cache of actors keyed by organization and member, invalidated by the
//! organization's change version.

use crate::actor::Actor;
use crate::directory::{Clock, Directory, DirectoryError};
use crate::id::{MemberId, OrgId};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Actors by organization and member, with the version each was read at.
type Entries = HashMap<(OrgId, MemberId), (u64, Arc<Actor>)>;

/// Caches the actors a service builds for its requests.
///
/// Each entry remembers the organization's change version it was read at.
/// [`ActorCache::get`] asks the store for the current version (one cheap
/// read) and rebuilds the actor when the organization has changed since: a
/// role change, a removal or a disabled member is seen at the next request.
/// A replica that learns versions by push (PostgreSQL notifications) calls
/// [`ActorCache::observe`] and can then use [`ActorCache::cached`] without
/// any read.
///
/// # Examples
///
/// ```
/// use purview::{block_on, preset, ActorCache, Directory, MemoryStore, NewOrganization, OrgId, Profile};
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
#[derive(Debug, Default)]
pub struct ActorCache {
    entries: Mutex<Entries>,
    known: Mutex<HashMap<OrgId, u64>>,
}

impl ActorCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn known(&self) -> MutexGuard<'_, HashMap<OrgId, u64>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
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
        let version = dir.store().version(org).await?;
        self.observe(org, version);
        if let Some(actor) = self.cached(org, member) {
            return Ok(actor);
        }
        match dir.actor(org, member).await {
            Ok((actor, read_at)) => {
                let actor = Arc::new(actor);
                self.entries()
                    .insert((org, member), (read_at, Arc::clone(&actor)));
                Ok(actor)
            }
            Err(e) => {
                self.entries().remove(&(org, member));
                Err(e)
            }
        }
    }

    /// The cached actor if it was read at the latest version this cache knows
    /// of for the organization; no I/O.
    #[must_use]
    pub fn cached(&self, org: OrgId, member: MemberId) -> Option<Arc<Actor>> {
        let latest = self.known().get(&org).copied()?;
        let entries = self.entries();
        let (read_at, actor) = entries.get(&(org, member))?;
        (*read_at == latest).then(|| Arc::clone(actor))
    }

    /// Records that the organization has reached `version` (from a read or a
    /// notification); entries read at older versions are dropped.
    pub fn observe(&self, org: OrgId, version: u64) {
        let changed = {
            let mut known = self.known();
            let latest = known.entry(org).or_insert(version);
            if version > *latest {
                *latest = version;
            }
            *latest
        };
        self.entries()
            .retain(|(o, _), (read_at, _)| *o != org || *read_at == changed);
    }

    /// Drops every entry of the organization.
    pub fn invalidate(&self, org: OrgId) {
        self.known().remove(&org);
        self.entries().retain(|(o, _), _| *o != org);
    }
}
