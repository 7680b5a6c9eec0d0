//! The actor cache sees role changes and removals through the organization's
//! change version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::executor::block_on;
use purview::{
    can, preset, Action, ActorCache, Directory, DirectoryError, MemoryStore, NewOrganization,
    OrgId, Profile, Reason, Resource, Store,
};

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        user_name: Some("n".into()),
        display_name: Some("N".into()),
        phone: Some("1".into()),
        user_code: None,
    }
}

fn setup() -> (Directory<MemoryStore>, purview::MemberId, purview::MemberId) {
    let dir = Directory::new(MemoryStore::new());
    let owner = block_on(dir.create_organization(NewOrganization {
        id: OrgId(1),
        name: "Acme".into(),
        catalog: preset::helpdesk(),
        seat_limit: 5,
        founder: profile("o@acme.test"),
        founder_role: None,
    }))
    .unwrap();
    let inv = block_on(dir.invite(OrgId(1), owner, "agent@acme.test", "agent")).unwrap();
    let (_, agent) =
        block_on(dir.accept_invitation(&inv[0].secret, profile("agent@acme.test"))).unwrap();
    (dir, owner, agent)
}

#[test]
fn a_role_change_is_seen_after_invalidation_by_version() {
    let (dir, owner, agent) = setup();
    let cache = ActorCache::new();
    let org = Resource::Organization(OrgId(1));
    let before = block_on(cache.get(&dir, OrgId(1), agent)).unwrap();
    assert!(!can(&before, Action::ViewAnalytics, &org).is_allowed());
    // Cached: the same actor while nothing changed.
    let again = block_on(cache.get(&dir, OrgId(1), agent)).unwrap();
    assert!(std::sync::Arc::ptr_eq(&before, &again));

    block_on(dir.change_role(OrgId(1), owner, agent, "admin")).unwrap();
    // Without reading the version, the stale entry is still served...
    assert!(cache.cached(OrgId(1), agent).is_some());
    // ...and a read of the version (or a notification) invalidates it.
    let version = block_on(dir.store().version(OrgId(1))).unwrap();
    cache.observe(OrgId(1), version);
    assert!(cache.cached(OrgId(1), agent).is_none());
    let after = block_on(cache.get(&dir, OrgId(1), agent)).unwrap();
    assert!(can(&after, Action::ViewAnalytics, &org).is_allowed());
}

#[test]
fn a_removed_member_is_denied() {
    let (dir, owner, agent) = setup();
    let cache = ActorCache::new();
    block_on(cache.get(&dir, OrgId(1), agent)).unwrap();
    block_on(dir.remove_member(OrgId(1), owner, agent)).unwrap();
    let r = block_on(cache.get(&dir, OrgId(1), agent));
    assert!(
        matches!(r, Err(DirectoryError::UnknownMember(m)) if m == agent),
        "{r:?}"
    );
    assert!(cache.cached(OrgId(1), agent).is_none());
}

#[test]
fn a_disabled_member_is_denied_after_invalidation() {
    let (dir, owner, agent) = setup();
    let cache = ActorCache::new();
    block_on(cache.get(&dir, OrgId(1), agent)).unwrap();
    block_on(dir.set_member_status(OrgId(1), owner, agent, purview::MemberStatus::Disabled))
        .unwrap();
    let actor = block_on(cache.get(&dir, OrgId(1), agent)).unwrap();
    assert_eq!(
        can(
            &actor,
            Action::ViewContact,
            &Resource::Organization(OrgId(1))
        )
        .reason(),
        Some(Reason::ActorDisabled)
    );
}

#[test]
fn the_cache_holds_at_most_its_capacity_and_the_first_cached_goes_first() {
    let (dir, owner, agent) = setup();
    let cache = ActorCache::with_capacity(2);
    let a = block_on(cache.get(&dir, OrgId(1), owner)).unwrap();
    let version = block_on(dir.store().version(OrgId(1))).unwrap();
    // Two more actors of other organizations fill it: the first one goes.
    cache.put(OrgId(2), owner, 1, std::sync::Arc::clone(&a));
    cache.put(OrgId(3), owner, 1, std::sync::Arc::clone(&a));
    assert_eq!(cache.len(), 2);
    assert!(cache.cached(OrgId(1), owner).is_none());
    assert!(cache.cached(OrgId(2), owner).is_some());
    // A newer version of one organization drops its entries only.
    cache.observe(OrgId(2), 2);
    assert!(cache.cached(OrgId(2), owner).is_none());
    assert!(cache.cached(OrgId(3), owner).is_some());
    assert_eq!(cache.len(), 1);
    // An actor read at an older version than known is not kept.
    cache.put(OrgId(2), owner, 1, std::sync::Arc::clone(&a));
    assert!(cache.cached(OrgId(2), owner).is_none());
    // Read again through the directory, it is cached at the current version.
    block_on(cache.get(&dir, OrgId(1), agent)).unwrap();
    assert!(cache.cached(OrgId(1), agent).is_some());
    assert_eq!(version, block_on(dir.store().version(OrgId(1))).unwrap());
    assert_eq!(cache.len(), 2);
    cache.invalidate(OrgId(1));
    assert_eq!(cache.len(), 1);
}

/// A store that counts the calls a directory makes: each is one read or
/// write of a real store (one statement on the SQL stores). It keeps no
/// state of its own to hand out, so a directory over it keeps copies.
#[derive(Clone, Default)]
struct Counting {
    inner: MemoryStore,
    calls: std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>,
}

impl Counting {
    fn note(&self, call: &'static str) {
        self.calls.lock().unwrap().push(call);
    }

    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

impl Store for Counting {
    async fn load(
        &self,
        org: OrgId,
    ) -> Result<Option<std::sync::Arc<purview::OrgState>>, purview::StoreError> {
        self.note("load");
        self.inner.load(org).await
    }

    async fn commit(&self, commit: purview::Commit<'_>) -> Result<u64, purview::StoreError> {
        self.note("commit");
        self.inner.commit(commit).await
    }

    async fn audit_page(
        &self,
        org: OrgId,
        after: Option<purview::AuditCursor>,
        limit: usize,
    ) -> Result<Vec<purview::AuditEvent>, purview::StoreError> {
        self.note("audit_page");
        self.inner.audit_page(org, after, limit).await
    }

    async fn version(&self, org: OrgId) -> Result<u64, purview::StoreError> {
        self.note("version");
        self.inner.version(org).await
    }

    async fn changes_since(
        &self,
        org: OrgId,
        version: u64,
        limit: usize,
    ) -> Result<Option<Vec<purview::Committed>>, purview::StoreError> {
        self.note("changes_since");
        self.inner.changes_since(org, version, limit).await
    }

    async fn updates(
        &self,
        org: OrgId,
        since: u64,
        limit: usize,
    ) -> Result<purview::Updates, purview::StoreError> {
        self.note("updates");
        self.inner.updates(org, since, limit).await
    }

    async fn contact(
        &self,
        org: OrgId,
        id: purview::ContactId,
    ) -> Result<Option<purview::StoredContact>, purview::StoreError> {
        self.note("contact");
        self.inner.contact(org, id).await
    }

    async fn contact_by_external_id(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> Result<Option<purview::StoredContact>, purview::StoreError> {
        self.note("contact_by_external_id");
        self.inner.contact_by_external_id(org, external_id).await
    }

    async fn write_contact(
        &self,
        write: purview::ContactWrite<'_>,
    ) -> Result<(), purview::StoreError> {
        self.note("write_contact");
        self.inner.write_contact(write).await
    }

    async fn contact_audit(
        &self,
        org: OrgId,
        contact: purview::ContactId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<purview::AuditEvent>, purview::StoreError> {
        self.note("contact_audit");
        self.inner.contact_audit(org, contact, after, limit).await
    }
}

#[test]
fn an_actor_after_another_replicas_change_is_one_store_read() {
    let store = Counting::default();
    let serving = Directory::new(store.clone());
    let admin = Directory::new(store.clone());
    let owner = block_on(admin.create_organization(NewOrganization {
        id: OrgId(1),
        name: "Acme".into(),
        catalog: preset::helpdesk(),
        seat_limit: 5,
        founder: profile("o@acme.test"),
        founder_role: None,
    }))
    .unwrap();
    let inv = block_on(admin.invite(OrgId(1), owner, "agent@acme.test", "agent")).unwrap();
    let (_, agent) =
        block_on(admin.accept_invitation(&inv[0].secret, profile("agent@acme.test"))).unwrap();
    let cache = ActorCache::new();
    block_on(cache.get(&serving, OrgId(1), agent)).unwrap();
    store.take();

    // Nothing changed: one read, the cached actor.
    let first = block_on(cache.get(&serving, OrgId(1), agent)).unwrap();
    let again = block_on(cache.get(&serving, OrgId(1), agent)).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    assert_eq!(store.take(), ["updates", "updates"]);

    // Another replica changes the role: an operation is one read and one
    // commit...
    block_on(admin.change_role(OrgId(1), owner, agent, "admin")).unwrap();
    assert_eq!(store.take(), ["updates", "commit"]);
    // ...and the serving replica resolves the new actor with one read.
    let after = block_on(cache.get(&serving, OrgId(1), agent)).unwrap();
    assert_eq!(store.take(), ["updates"]);
    let org = Resource::Organization(OrgId(1));
    assert!(can(&after, Action::ViewAnalytics, &org).is_allowed());
    assert!(!can(&first, Action::ViewAnalytics, &org).is_allowed());
}

/// A contact operation reads and writes that contact only: the same store
/// calls with one contact in the organization or a thousand — one read of
/// the organization's version (it is cached), the contact, and the write.
#[test]
fn a_contact_operation_costs_the_same_store_calls_whatever_the_number_of_contacts() {
    use purview::directory::AttributeChange;
    use purview::Attributes;
    let store = Counting::default();
    let dir = Directory::new(store.clone());
    let owner = block_on(dir.create_organization(NewOrganization {
        id: OrgId(1),
        name: "Acme".into(),
        catalog: preset::helpdesk(),
        seat_limit: 5,
        founder: profile("o@acme.test"),
        founder_role: None,
    }))
    .unwrap();
    let tier =
        |t: &str| -> Attributes { [("tier".to_owned(), t.to_owned())].into_iter().collect() };
    let mut seen = Vec::new();
    for contacts in [1usize, 1_000] {
        for i in 0..contacts {
            block_on(dir.sync_contact(
                OrgId(1),
                &format!("c{contacts}-{i}"),
                AttributeChange::Replace(tier("gold")),
            ))
            .unwrap();
        }
        store.take();
        let id = block_on(dir.sync_contact(
            OrgId(1),
            &format!("c{contacts}-0"),
            AttributeChange::Replace(tier("silver")),
        ))
        .unwrap();
        let sync = store.take();
        block_on(dir.edit_contact(OrgId(1), owner, id, AttributeChange::Replace(tier("gold"))))
            .unwrap();
        let edit = store.take();
        block_on(dir.contact_actor(OrgId(1), id)).unwrap().unwrap();
        let actor = store.take();
        seen.push((sync, edit, actor));
    }
    assert_eq!(seen[0], seen[1]);
    let (sync, edit, actor) = &seen[0];
    assert_eq!(
        *sync,
        ["updates", "contact_by_external_id", "write_contact"]
    );
    assert_eq!(*edit, ["updates", "contact", "write_contact"]);
    assert_eq!(*actor, ["contact"]);
}
