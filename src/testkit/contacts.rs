//! Contacts stored one by one, and what a contact operation costs.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Contacts are stored one by one: the host's synchronization upserts by
/// external id and is idempotent, a replica reads what another wrote, every
/// write is audited before and after, a refused change writes nothing,
/// concurrent synchronizations of one new contact make one contact,
/// concurrent patches lose none of each other, and nothing crosses
/// organizations.
pub(super) async fn contacts<S: Store + Clone>(
    store: &S,
    org: OrgId,
    other: OrgId,
) -> Result<(), Failure> {
    use crate::directory::AttributeChange;
    use crate::model::contact::Attributes;
    const C: &str = "contacts";
    let attrs = |pairs: &[(&str, &str)]| -> Attributes {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let a = directory(store);
    let b = directory(store);
    let (owner, _) = organization(&a, org, preset::helpdesk(), None, 0, "agent", C).await?;
    organization(&a, other, preset::helpdesk(), None, 0, "agent", C).await?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let gold = attrs(&[("tier", "gold")]);
    let id = a
        .sync_contact(org, "crm-1", AttributeChange::Replace(gold.clone()))
        .await
        .map_err(err)?;
    let again = a
        .sync_contact(org, " crm-1 ", AttributeChange::Replace(gold.clone()))
        .await
        .map_err(err)?;
    let events = a
        .contact_history(org, owner, id, None, 100)
        .await
        .map_err(err)?;
    ensure(again == id && events.len() == 1, C, || {
        format!(
            "a repeated synchronization gave {again} and {} events",
            events.len()
        )
    })?;
    ensure(
        events[0].actor.is_none()
            && events[0].action == "sync_contact"
            && events[0].before.is_none()
            && events[0]
                .after
                .as_ref()
                .is_some_and(|v| v.to_json().contains("gold")),
        C,
        || format!("the creation's event {:?}", events[0]),
    )?;
    let seen = b
        .contact_actor_by_external_id(org, "crm-1")
        .await
        .map_err(err)?;
    ensure(
        seen.as_ref()
            .is_some_and(|c| c.id == id && c.attributes == gold),
        C,
        || format!("a replica reads {seen:?}"),
    )?;
    b.edit_contact(
        org,
        owner,
        id,
        AttributeChange::Patch {
            set: attrs(&[("tier", "platinum"), ("region", "eu")]),
            remove: Vec::new(),
        },
    )
    .await
    .map_err(err)?;
    let stored = store
        .contact(org, id)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(
        stored.as_ref().is_some_and(|c| {
            c.version == 2
                && c.attributes == attrs(&[("tier", "platinum"), ("region", "eu")])
                && c.external_id.as_deref() == Some("crm-1")
        }),
        C,
        || format!("stored after a patch: {stored:?}"),
    )?;
    // Refused: nothing written.
    match a
        .edit_contact(
            org,
            owner,
            id,
            AttributeChange::Replace(attrs(&[("tier", "  ")])),
        )
        .await
    {
        Err(DirectoryError::InvalidInput { .. }) => {}
        other => return Err(fail(C, format!("a blank value gave {other:?}"))),
    }
    let after = store
        .contact(org, id)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let events = a
        .contact_history(org, owner, id, None, 100)
        .await
        .map_err(err)?;
    ensure(after == stored && events.len() == 2, C, || {
        "a refused change wrote something".into()
    })?;
    // Nothing crosses organizations.
    let foreign = a.contact_actor(other, id).await.map_err(err)?;
    ensure(foreign.is_none(), C, || {
        format!("another organization reads {foreign:?}")
    })?;
    match a
        .edit_contact(other, owner, id, AttributeChange::Replace(gold.clone()))
        .await
    {
        Err(DirectoryError::UnknownMember(_)) => {}
        other => return Err(fail(C, format!("a foreign edit gave {other:?}"))),
    }
    // Concurrent synchronizations of one new contact: one contact.
    let racers: Vec<_> = (0..CONCURRENCY).map(|_| racing(store)).collect();
    let results = join_all(
        racers
            .iter()
            .map(|d| d.sync_contact(org, "crm-2", AttributeChange::Replace(gold.clone())))
            .collect(),
    )
    .await;
    let ids: Vec<_> = results.into_iter().collect::<Result<_, _>>().map_err(err)?;
    ensure(ids.iter().all(|i| *i == ids[0]), C, || {
        format!("concurrent synchronizations made {ids:?}")
    })?;
    // Concurrent patches of one contact: each lands.
    let results = join_all(
        racers
            .iter()
            .enumerate()
            .map(|(i, d)| {
                d.edit_contact(
                    org,
                    owner,
                    ids[0],
                    AttributeChange::Patch {
                        set: attrs(&[(&format!("k{i}"), "v")]),
                        remove: Vec::new(),
                    },
                )
            })
            .collect(),
    )
    .await;
    results
        .into_iter()
        .collect::<Result<Vec<()>, _>>()
        .map_err(err)?;
    let raced = store
        .contact(org, ids[0])
        .await
        .map_err(|e| fail(C, e.to_string()))?
        .ok_or_else(|| fail(C, "the raced contact is missing"))?;
    ensure(
        raced.attributes.len() == 1 + CONCURRENCY && raced.version == 1 + CONCURRENCY as u64,
        C,
        || format!("after concurrent patches: {raced:?}"),
    )?;
    // Removed: gone, its history kept; synchronized again: a new contact.
    a.remove_contact(org, owner, id).await.map_err(err)?;
    let gone = b.contact_actor(org, id).await.map_err(err)?;
    let events = b
        .contact_history(org, owner, id, None, 100)
        .await
        .map_err(err)?;
    ensure(
        gone.is_none() && events.len() == 3 && events[2].after.is_none(),
        C,
        || format!("after removal: {gone:?}, {} events", events.len()),
    )?;
    let fresh = b
        .sync_contact(org, "crm-1", AttributeChange::Replace(gold))
        .await
        .map_err(err)?;
    ensure(fresh != id, C, || {
        "a removed contact came back under its id".into()
    })?;
    // A write that neither creates nor names a version to replace is a
    // conflict on every store, and writes no event.
    let nothing = crate::model::id::ContactId(fresh.get() ^ 1);
    let event = crate::record::AuditEvent {
        org,
        version: 1,
        index: 0,
        at: crate::record::Timestamp(0),
        actor: None,
        action: "delete".into(),
        subject: nothing.to_string(),
        before: None,
        after: None,
    };
    let write = crate::store::ContactWrite {
        org,
        id: nothing,
        expected_version: None,
        contact: None,
        event: &event,
    };
    let result = store.write_contact(write).await;
    let events = store
        .contact_audit(org, nothing, None, 10)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(
        matches!(result, Err(StoreError::Conflict)) && events.is_empty(),
        C,
        || format!("an empty write gave {result:?} and {} events", events.len()),
    )?;
    // Nor is a contact created for an organization that does not exist.
    let ghost = OrgId(org.0.wrapping_add(1 << 57));
    let stray = crate::record::StoredContact {
        id: nothing,
        external_id: Some("crm-ghost".into()),
        origin: crate::model::contact::ContactOrigin::System,
        attributes: Attributes::new(),
        version: 1,
    };
    let event = crate::record::AuditEvent {
        org: ghost,
        action: "sync_contact".into(),
        ..event
    };
    let result = store
        .write_contact(crate::store::ContactWrite {
            org: ghost,
            id: nothing,
            expected_version: None,
            contact: Some(&stray),
            event: &event,
        })
        .await;
    let kept = store
        .contact(ghost, nothing)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let events = store
        .contact_audit(ghost, nothing, None, 10)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(
        result.is_err() && kept.is_none() && events.is_empty(),
        C,
        || {
            format!(
                "a contact of no organization gave {result:?}, kept {kept:?}, {} events",
                events.len()
            )
        },
    )
}

/// A contact operation reads and writes that contact only: through a
/// wrapper that records every call, a synchronization, an edit and a
/// resolution make the same calls with one contact or fifty, and none of
/// them loads or commits the organization (a store that hands out its own
/// state, as `MemoryStore` does, is read by `load`, which copies nothing).
pub(super) async fn contact_cost<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    use crate::directory::AttributeChange;
    use crate::model::contact::Attributes;
    const C: &str = "contact_cost";
    let counted = Recorded {
        inner: store.clone(),
        calls: std::sync::Arc::default(),
    };
    let dir = directory(&counted);
    let (owner, _) = organization(&dir, org, preset::helpdesk(), None, 0, "agent", C).await?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let tier =
        |t: &str| -> Attributes { [("tier".to_owned(), t.to_owned())].into_iter().collect() };
    let mut seen = Vec::new();
    for (round, contacts) in [1usize, 50].into_iter().enumerate() {
        for i in 0..contacts {
            dir.sync_contact(
                org,
                &format!("r{round}-{i}"),
                AttributeChange::Replace(tier("gold")),
            )
            .await
            .map_err(err)?;
        }
        counted.take();
        let id = dir
            .sync_contact(
                org,
                &format!("r{round}-0"),
                AttributeChange::Replace(tier("silver")),
            )
            .await
            .map_err(err)?;
        let sync = counted.take();
        dir.edit_contact(org, owner, id, AttributeChange::Replace(tier("gold")))
            .await
            .map_err(err)?;
        let edit = counted.take();
        dir.contact_actor(org, id).await.map_err(err)?;
        let actor = counted.take();
        seen.push((sync, edit, actor));
    }
    ensure(seen[0] == seen[1], C, || {
        format!("the calls grew with the contacts: {seen:?}")
    })?;
    let whole = |calls: &[&str]| {
        calls.iter().any(|c| {
            *c == "commit" || *c == "changes_since" || (*c == "load" && !store.shares_state())
        })
    };
    let (sync, edit, actor) = &seen[0];
    ensure(
        !whole(sync) && !whole(edit) && actor == &["contact"],
        C,
        || format!("a contact operation touched the organization: {seen:?}"),
    )?;
    ensure(
        sync.last() == Some(&"write_contact") && edit.last() == Some(&"write_contact"),
        C,
        || format!("a contact write was not one call: {seen:?}"),
    )
}

/// A store that records the name of every call.
#[derive(Clone)]
pub(super) struct Recorded<S> {
    inner: S,
    calls: std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>,
}

impl<S> Recorded<S> {
    fn note(&self, call: &'static str) {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(call);
    }

    fn take(&self) -> Vec<&'static str> {
        std::mem::take(
            &mut *self
                .calls
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

impl<S: Store> Store for Recorded<S> {
    async fn load(&self, org: OrgId) -> Result<Option<std::sync::Arc<OrgState>>, StoreError> {
        self.note("load");
        self.inner.load(org).await
    }

    async fn commit(&self, commit: Commit<'_>) -> Result<u64, StoreError> {
        self.note("commit");
        self.inner.commit(commit).await
    }

    async fn audit_page(
        &self,
        org: OrgId,
        after: Option<crate::AuditCursor>,
        limit: usize,
    ) -> Result<Vec<crate::AuditEvent>, StoreError> {
        self.note("audit_page");
        self.inner.audit_page(org, after, limit).await
    }

    async fn version(&self, org: OrgId) -> Result<u64, StoreError> {
        self.note("version");
        self.inner.version(org).await
    }

    async fn changes_since(
        &self,
        org: OrgId,
        version: u64,
        limit: usize,
    ) -> Result<Option<Vec<crate::record::Committed>>, StoreError> {
        self.note("changes_since");
        self.inner.changes_since(org, version, limit).await
    }

    async fn updates(
        &self,
        org: OrgId,
        since: u64,
        limit: usize,
    ) -> Result<crate::Updates, StoreError> {
        self.note("updates");
        self.inner.updates(org, since, limit).await
    }

    async fn contact(
        &self,
        org: OrgId,
        id: crate::model::id::ContactId,
    ) -> Result<Option<crate::record::StoredContact>, StoreError> {
        self.note("contact");
        self.inner.contact(org, id).await
    }

    async fn contact_by_external_id(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> Result<Option<crate::record::StoredContact>, StoreError> {
        self.note("contact_by_external_id");
        self.inner.contact_by_external_id(org, external_id).await
    }

    async fn write_contact(&self, write: crate::store::ContactWrite<'_>) -> Result<(), StoreError> {
        self.note("write_contact");
        self.inner.write_contact(write).await
    }

    async fn contact_audit(
        &self,
        org: OrgId,
        contact: crate::model::id::ContactId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<crate::AuditEvent>, StoreError> {
        self.note("contact_audit");
        self.inner.contact_audit(org, contact, after, limit).await
    }

    fn shares_state(&self) -> bool {
        self.inner.shares_state()
    }
}
