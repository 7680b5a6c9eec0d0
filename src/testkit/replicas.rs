//! The change log, replicas catching up, eviction and reload.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The change log, where a store keeps one: the commits after a version, in
/// order, up to the limit, whose changes bring the state at that version to
/// the state loaded now. A store may keep no log (`None`).
pub(super) async fn change_log<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "change_log";
    let dir = directory(store);
    let (owner, members) = organization(&dir, org, preset::helpdesk(), None, 2, "agent", C).await?;
    let load = |what: &'static str| async move {
        store
            .load(org)
            .await
            .map_err(|e| fail(C, format!("{what}: {e}")))?
            .ok_or_else(|| fail(C, "missing"))
    };
    let at = load("before").await?;
    let agent = members
        .first()
        .copied()
        .ok_or_else(|| fail(C, "no members"))?;
    for role in ["primary_agent", "agent", "primary_agent"] {
        dir.change_role(org, owner, agent, role)
            .await
            .map_err(|e| fail(C, e.to_string()))?;
    }
    dir.create_team(org, owner, Some("T1"), "Team")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.remove_member(org, owner, members[1])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let now = load("after").await?;
    let log = store
        .changes_since(org, at.version, 1_000)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let Some(log) = log else {
        // No log kept: allowed.
        return Ok(());
    };
    let versions: Vec<u64> = log.iter().map(|c| c.version).collect();
    let expected: Vec<u64> = (at.version + 1..=now.version).collect();
    ensure(versions == expected, C, || {
        format!("versions {versions:?}, expected {expected:?}")
    })?;
    let mut replayed = OrgState::clone(&at);
    for commit in &log {
        for change in &commit.changes {
            replayed.apply(change);
        }
        replayed.version = commit.version;
    }
    ensure(replayed == *now, C, || {
        "the log does not bring the state to the one loaded".into()
    })?;
    let two = store
        .changes_since(org, at.version, 2)
        .await
        .map_err(|e| fail(C, e.to_string()))?
        .unwrap_or_default();
    ensure(two.len() == 2 && two[..] == log[..2], C, || {
        format!("a limit of 2 gave {} commits", two.len())
    })?;
    let none = store
        .changes_since(org, now.version, 10)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(none.is_none_or(|l| l.is_empty()), C, || {
        "commits after the current version".into()
    })?;
    // `updates`: the version and the same commits, in one answer.
    let updates = |since: u64, limit: usize| async move {
        store
            .updates(org, since, limit)
            .await
            .map_err(|e| fail(C, format!("updates after {since}: {e}")))
    };
    let behind = updates(at.version, 1_000).await?;
    ensure(behind.version == now.version, C, || {
        format!(
            "updates says version {}, loaded {}",
            behind.version, now.version
        )
    })?;
    ensure(behind.commits.as_ref() == Some(&log), C, || {
        "updates gives other commits than changes_since".into()
    })?;
    let limited = updates(at.version, 2).await?;
    ensure(
        limited.version == now.version && limited.commits.as_deref() == Some(&log[..2]),
        C,
        || "updates with a limit of 2 gives other commits".into(),
    )?;
    let current = updates(now.version, 10).await?;
    ensure(
        current.version == now.version && current.commits.is_none_or(|c| c.is_empty()),
        C,
        || "updates at the current version gives commits".into(),
    )?;
    // The last id of the run's block: no check creates it.
    let missing = store
        .updates(OrgId(org.0 | 0x1f), 0, 10)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(missing.version == 0, C, || {
        format!(
            "an organization never created has version {}",
            missing.version
        )
    })
}

/// Two replicas (directories) over one store: what one commits, many times
/// over, the other sees at its next operation, and decides on.
pub(super) async fn replica_catches_up<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "replica_catches_up";
    let a = directory(store);
    let b = directory(store);
    let (owner, members) = organization(&a, org, preset::helpdesk(), None, 3, "agent", C).await?;
    let agent = members[0];
    // B keeps the organization as it is now.
    let (_, seen) = b
        .actor(org, agent)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    for i in 0..40 {
        let role = if i % 2 == 0 { "primary_agent" } else { "agent" };
        a.change_role(org, owner, agent, role)
            .await
            .map_err(|e| fail(C, e.to_string()))?;
    }
    a.change_role(org, owner, agent, "admin")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    a.remove_member(org, owner, members[1])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let (actor, version) = b
        .actor(org, agent)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(version == seen + 42, C, || {
        format!("B read version {version}, expected {}", seen + 42)
    })?;
    let admin = preset::helpdesk();
    let admin = admin
        .role("admin")
        .ok_or_else(|| fail(C, "no admin role"))?;
    ensure(
        matches!(&actor, crate::Actor::Member(m) if m.role().key() == admin.key()),
        C,
        || "B does not see the role A gave".into(),
    )?;
    // B decides on what A did: the removed member is unknown to it.
    match b.change_role(org, owner, members[1], "primary_agent").await {
        Err(DirectoryError::UnknownMember(_)) => {}
        other => return Err(fail(C, format!("B changed a removed member: {other:?}"))),
    }
    b.change_role(org, owner, members[2], "primary_agent")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    // And A sees B's commit.
    let kept = a.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    let loaded = loaded(store, org, C).await?;
    ensure(*kept == *loaded, C, || {
        "a replica's state differs from the store's".into()
    })
}

/// A directory keeping one organization serves two: each use of the other
/// loads it again, and every answer is the store's.
pub(super) async fn eviction_and_reload<S: Store + Clone>(
    store: &S,
    first: OrgId,
    second: OrgId,
) -> Result<(), Failure> {
    const C: &str = "eviction_and_reload";
    let dir = directory(store).cached_organizations(1);
    let (one, a) = organization(&dir, first, preset::helpdesk(), None, 1, "agent", C).await?;
    let (two, b) = organization(&dir, second, preset::helpdesk(), None, 1, "agent", C).await?;
    for i in 0..6 {
        let role = if i % 2 == 0 { "primary_agent" } else { "agent" };
        let (org, owner, agent) = if i % 3 == 0 {
            (first, one, a[0])
        } else {
            (second, two, b[0])
        };
        dir.change_role(org, owner, agent, role)
            .await
            .map_err(|e| fail(C, e.to_string()))?;
        ensure(dir.organizations_in_memory() <= 1, C, || {
            format!("{} organizations kept", dir.organizations_in_memory())
        })?;
        let loaded = loaded(store, org, C).await?;
        let role_now = loaded
            .members
            .get(&agent)
            .map(|m| m.role.as_str().to_owned());
        ensure(role_now.as_deref() == Some(role), C, || {
            format!("step {i}: role {role_now:?}, expected {role}")
        })?;
        let kept = dir
            .snapshot(org)
            .await
            .map_err(|e| fail(C, e.to_string()))?;
        ensure(*kept == *loaded, C, || {
            format!("step {i}: kept state differs")
        })?;
    }
    Ok(())
}
