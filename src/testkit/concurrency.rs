//! Concurrency: replicas racing on one organization, and the wrapper that
//! makes every store race.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) async fn concurrent_demotions<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "concurrent_demotions";
    let dir = directory(store);
    let (founder, admins) = organization(
        &dir,
        org,
        two_admins(),
        Some("admin"),
        CONCURRENCY,
        "admin",
        C,
    )
    .await?;
    let mut all = vec![founder];
    all.extend(&admins);
    // Every admin demotes the next one at the same moment.
    let race = racing(store);
    let ops = (0..all.len())
        .map(|i| {
            let (by, whom) = (all[i], all[(i + 1) % all.len()]);
            let dir = &race;
            async move { dir.change_role(org, by, whom, "member").await }
        })
        .collect();
    let results = join_all(ops).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let state = loaded(store, org, C).await?;
    let left = state.active_with_role("admin");
    ensure(left >= 2, C, || {
        format!("{left} admins left after concurrent demotions")
    })?;
    ensure(left == all.len() - ok, C, || {
        format!(
            "{ok} demotions succeeded but {left} of {} admins remain",
            all.len()
        )
    })?;
    for r in &results {
        if let Err(e) = r {
            ensure(
                matches!(
                    e,
                    DirectoryError::TooFewAdmins { .. } | DirectoryError::Denied(_)
                ),
                C,
                || format!("unexpected refusal: {e}"),
            )?;
        }
    }
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let demotions = events.iter().filter(|e| e.action == "change_role").count();
    ensure(demotions == ok, C, || {
        format!("{ok} demotions but {demotions} audit events")
    })
}

pub(super) async fn concurrent_removals<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "concurrent_removals";
    let dir = directory(store);
    let (owner, agents) =
        organization(&dir, org, preset::helpdesk(), None, CONCURRENCY, "agent", C).await?;
    // Each member removed twice at once, and the owner once: only single removals win.
    let race = racing(store);
    let mut ops: Vec<Op<'_>> = Vec::new();
    for a in agents.iter().take(CONCURRENCY / 2) {
        for _ in 0..2 {
            let dir = &race;
            let a = *a;
            ops.push(Box::pin(
                async move { dir.remove_member(org, owner, a).await },
            ));
        }
    }
    let dir_ref = &race;
    ops.push(Box::pin(async move {
        dir_ref.remove_member(org, agents[0], owner).await
    }));
    let results = join_all(ops).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    ensure(ok == CONCURRENCY / 2, C, || {
        format!("{ok} removals succeeded, expected {}", CONCURRENCY / 2)
    })?;
    let state = loaded(store, org, C).await?;
    ensure(state.members.contains_key(&owner), C, || {
        "the owner was removed".into()
    })?;
    ensure(
        state.members.len() == 1 + CONCURRENCY - CONCURRENCY / 2,
        C,
        || format!("{} members left", state.members.len()),
    )?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let removals = events
        .iter()
        .filter(|e| e.action == "remove_member")
        .count();
    ensure(removals == ok, C, || {
        format!("{ok} removals but {removals} audit events")
    })
}

pub(super) async fn concurrent_transfers<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "concurrent_transfers";
    let dir = directory(store);
    let (owner, admins) = organization(
        &dir,
        org,
        preset::helpdesk(),
        None,
        CONCURRENCY,
        "primary_admin",
        C,
    )
    .await?;
    let race = racing(store);
    let ops = admins
        .iter()
        .map(|to| {
            let dir = &race;
            let to = *to;
            async move { dir.transfer_ownership(org, owner, to).await }
        })
        .collect();
    let results = join_all(ops).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    ensure(ok == 1, C, || {
        format!("{ok} transfers succeeded, expected exactly 1")
    })?;
    let state = loaded(store, org, C).await?;
    let owners = state
        .members
        .values()
        .filter(|m| m.role.as_str() == "owner")
        .count();
    ensure(owners == 1, C, || {
        format!("{owners} owners after concurrent transfers")
    })?;
    ensure(
        state
            .members
            .get(&owner)
            .is_some_and(|m| m.role.as_str() == "primary_admin"),
        C,
        || "the old owner is not a primary admin".into(),
    )
}

pub(super) async fn concurrent_acceptance<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "concurrent_acceptance";
    let dir = directory(store);
    let (owner, _) = organization(&dir, org, preset::helpdesk(), None, 0, "agent", C).await?;
    let link = dir
        .create_invitation_link(org, owner, "agent")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let race = racing(store);
    let ops = (0..CONCURRENCY)
        .map(|i| {
            let dir = &race;
            let secret = link.secret.clone();
            async move {
                dir.accept_invitation(&secret, profile(&format!("n{i}@{}.test", org.get())))
                    .await
            }
        })
        .collect();
    let results = join_all(ops).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    ensure(ok == 1, C, || {
        format!("{ok} acceptances of one invitation succeeded")
    })?;
    for r in &results {
        if let Err(e) = r {
            ensure(matches!(e, DirectoryError::InvitationUsed), C, || {
                format!("a losing acceptance gave `{e}`")
            })?;
        }
    }
    let state = loaded(store, org, C).await?;
    ensure(state.members.len() == 2, C, || {
        format!("{} members after one acceptance", state.members.len())
    })?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let accepted = events
        .iter()
        .filter(|e| e.action == "accept_invitation")
        .count();
    ensure(accepted == 2, C, || {
        format!("{accepted} acceptance events, expected 2 (invitation and member)")
    })
}

/// Replicas that all keep the organization change it at once, many times
/// each, through the interleaving store: every commit lands on the version
/// it was decided on, losers catch up from the log and decide again, and
/// afterwards every replica's kept state is the store's.
pub(super) async fn replicas_race<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "replicas_race";
    const ROUNDS: usize = 5;
    let dir = directory(store);
    let (owner, agents) = organization(&dir, org, preset::helpdesk(), None, 4, "agent", C).await?;
    let replicas: Vec<_> = agents.iter().map(|_| racing(store)).collect();
    for r in &replicas {
        r.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    }
    let start = store
        .version(org)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let ops = replicas
        .iter()
        .zip(&agents)
        .map(|(r, agent)| async move {
            let mut done = 0usize;
            for round in 0..ROUNDS {
                let role = if round % 2 == 0 {
                    "primary_agent"
                } else {
                    "agent"
                };
                r.change_role(org, owner, *agent, role).await?;
                done += 1;
            }
            Ok::<usize, DirectoryError>(done)
        })
        .collect();
    let mut changes = 0;
    for result in join_all(ops).await {
        changes += result.map_err(|e| fail(C, format!("a replica's change failed: {e}")))?;
    }
    let loaded = loaded(store, org, C).await?;
    ensure(loaded.version == start + changes as u64, C, || {
        format!(
            "{changes} changes moved the version from {start} to {}",
            loaded.version
        )
    })?;
    for (i, r) in replicas.iter().enumerate() {
        let kept = r.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
        ensure(*kept == *loaded, C, || {
            format!("replica {i} keeps another state than the store's")
        })?;
    }
    // Every Agent ends where its last round put it.
    let last = if (ROUNDS - 1).is_multiple_of(2) {
        "primary_agent"
    } else {
        "agent"
    };
    for agent in &agents {
        let role = loaded.members.get(agent).map(|m| m.role.as_str());
        ensure(role == Some(last), C, || {
            format!("an Agent ends as {role:?}")
        })?;
    }
    Ok(())
}

/// The store under test, made to step aside once before every load and
/// commit. The concurrency checks poll all their operations in one task; a
/// store whose calls complete at once (an in-memory store) would otherwise
/// run them one after another. Through this wrapper every operation loads,
/// then every operation tries to commit on the version it read — the race
/// that replicas run — whatever the store.
#[derive(Clone)]
pub(super) struct Interleaved<S>(S);

/// Returns `Pending` once (waking itself at once), then `Ready`.
pub(super) fn step_aside() -> impl Future<Output = ()> + Send {
    let mut yielded = false;
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

impl<S: Store> Store for Interleaved<S> {
    async fn load(&self, org: OrgId) -> Result<Option<std::sync::Arc<OrgState>>, StoreError> {
        step_aside().await;
        self.0.load(org).await
    }

    async fn commit(&self, commit: Commit<'_>) -> Result<u64, StoreError> {
        step_aside().await;
        self.0.commit(commit).await
    }

    async fn audit_page(
        &self,
        org: OrgId,
        after: Option<crate::AuditCursor>,
        limit: usize,
    ) -> Result<Vec<crate::AuditEvent>, StoreError> {
        self.0.audit_page(org, after, limit).await
    }

    async fn version(&self, org: OrgId) -> Result<u64, StoreError> {
        self.0.version(org).await
    }

    async fn changes_since(
        &self,
        org: OrgId,
        version: u64,
        limit: usize,
    ) -> Result<Option<Vec<crate::record::Committed>>, StoreError> {
        self.0.changes_since(org, version, limit).await
    }

    async fn updates(
        &self,
        org: OrgId,
        since: u64,
        limit: usize,
    ) -> Result<crate::Updates, StoreError> {
        step_aside().await;
        self.0.updates(org, since, limit).await
    }

    async fn contact(
        &self,
        org: OrgId,
        id: crate::model::id::ContactId,
    ) -> Result<Option<crate::record::StoredContact>, StoreError> {
        step_aside().await;
        self.0.contact(org, id).await
    }

    async fn contact_by_external_id(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> Result<Option<crate::record::StoredContact>, StoreError> {
        step_aside().await;
        self.0.contact_by_external_id(org, external_id).await
    }

    async fn write_contact(&self, write: crate::store::ContactWrite<'_>) -> Result<(), StoreError> {
        step_aside().await;
        self.0.write_contact(write).await
    }

    async fn contact_audit(
        &self,
        org: OrgId,
        contact: crate::model::id::ContactId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<crate::AuditEvent>, StoreError> {
        self.0.contact_audit(org, contact, after, limit).await
    }

    fn shares_state(&self) -> bool {
        self.0.shares_state()
    }
}

/// The directory the concurrent operations go through.
pub(super) fn racing<S: Store + Clone>(store: &S) -> Directory<Interleaved<S>, ManualClock> {
    directory(&Interleaved(store.clone()))
}

/// Polls all futures together until each is done; results in input order.
pub(super) async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx: &mut Context<'_>| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect())
        }
    })
    .await
}
