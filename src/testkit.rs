//! The storage conformance suite (feature `testkit`).
//!
//! A host that implements [`Store`] runs [`run`] against its store in its own
//! tests; the crate runs it against every store it ships. The suite drives
//! the real [`Directory`] over the store and checks the contract of
//! [`Store`] and the directory's invariants, concurrency included: 16
//! operations at once demoting Admins, removing members, transferring
//! ownership and accepting one invitation.
//!
//! It is runtime-independent: concurrent operations are polled together in one
//! task, and each steps aside once before every load and commit, so that all
//! of them read before any writes — the race of replicas — even on a store
//! whose calls complete at once. Run it
//! inside your runtime (`#[tokio::test]`), or with [`crate::block_on`].
//!
//! ```
//! # #[cfg(feature = "testkit")] {
//! let report = purview::block_on(purview::testkit::run(purview::MemoryStore::new()));
//! assert!(report.is_ok(), "{report:?}");
//! # }
//! ```

use crate::actor::MemberStatus;
use crate::directory::{Directory, DirectoryError, ManualClock, NewOrganization, Profile};
use crate::id::{MemberId, OrgId};
use crate::preset;
use crate::record::{OrgState, Timestamp};
use crate::store::{Commit, Store, StoreError};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A failed conformance check.
#[derive(Debug, thiserror::Error)]
#[error("conformance check `{check}` failed: {message}")]
pub struct Failure {
    /// The check.
    pub check: &'static str,
    /// What went wrong.
    pub message: String,
}

/// How many operations run at once in the concurrency checks.
pub const CONCURRENCY: usize = 16;

/// The checks [`run`] performs, in order.
pub const CHECKS: &[&str] = &[
    "create_and_load",
    "version_conflict",
    "refused_changes_nothing",
    "audit_complete",
    "concurrent_demotions",
    "concurrent_removals",
    "concurrent_transfers",
    "concurrent_acceptance",
    "inputs_alike",
    "audit_in_pages",
    "creation_order",
    "change_log",
    "replica_catches_up",
    "eviction_and_reload",
    "replicas_race",
    "organization_settings",
    "role_catalog",
    "bots_and_keys",
    "contacts",
    "knowledge_bases",
    "contact_cost",
];

/// Runs every check against `store`. Each check uses fresh organization ids,
/// so a persistent store may be reused across runs.
///
/// # Errors
///
/// The first [`Failure`].
pub async fn run<S: Store + Clone>(store: S) -> Result<(), Failure> {
    let base = fresh_base();
    create_and_load(&store, OrgId(base)).await?;
    version_conflict(&store, OrgId(base + 1)).await?;
    refused_changes_nothing(&store, OrgId(base + 2)).await?;
    audit_complete(&store, OrgId(base + 3)).await?;
    concurrent_demotions(&store, OrgId(base + 4)).await?;
    concurrent_removals(&store, OrgId(base + 5)).await?;
    concurrent_transfers(&store, OrgId(base + 6)).await?;
    concurrent_acceptance(&store, OrgId(base + 7)).await?;
    inputs_alike(&store, OrgId(base + 8)).await?;
    audit_in_pages(&store, OrgId(base + 9)).await?;
    creation_order(&store, OrgId(base + 10)).await?;
    change_log(&store, OrgId(base + 11)).await?;
    replica_catches_up(&store, OrgId(base + 12)).await?;
    eviction_and_reload(&store, OrgId(base + 13), OrgId(base + 14)).await?;
    replicas_race(&store, OrgId(base + 15)).await?;
    organization_settings(&store, OrgId(base + 16)).await?;
    role_catalog(&store, OrgId(base + 17)).await?;
    bots_and_keys(&store, OrgId(base + 18)).await?;
    contacts(&store, OrgId(base + 19), OrgId(base + 20)).await?;
    knowledge_bases(&store, OrgId(base + 21)).await?;
    contact_cost(&store, OrgId(base + 22)).await?;
    Ok(())
}

fn fresh_base() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Within 2^52 so that ids survive JSON and SQL BIGINT; steps of 32.
    ((nanos as u64) & ((1 << 52) - 1)) & !0x1f
}

/// Admins and members, at least two Admins (the workspace rule).
fn two_admins() -> crate::catalog::Catalog {
    use crate::permission::Permissions as P;
    use crate::role::Role;
    let admin = Role::builder("admin", "Admin")
        .permissions(
            P::MEMBER_VIEW
                | P::MEMBER_INVITE
                | P::MEMBER_REMOVE
                | P::MEMBER_EDIT
                | P::MEMBER_ROLE_CHANGE
                | P::INVITATION_MANAGE
                | P::PROFILE_EDIT,
        )
        .build();
    let member = Role::builder("member", "Member")
        .permissions(P::PROFILE_EDIT)
        .build();
    let policy = crate::catalog::DirectoryRules {
        min_admins: Some(crate::catalog::AdminMinimum {
            role: crate::role::RoleKey::new("admin"),
            count: 2,
        }),
        ..crate::catalog::DirectoryRules::default()
    };
    crate::preset::built(
        crate::catalog::Catalog::new("two-admins", [admin, member])
            .and_then(|c| c.with_policy(policy)),
    )
}

fn fail(check: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        check,
        message: message.into(),
    }
}

fn ensure(ok: bool, check: &'static str, message: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(fail(check, message()))
    }
}

fn directory<S: Store + Clone>(store: &S) -> Directory<S, ManualClock> {
    Directory::with_clock(store.clone(), ManualClock::new(Timestamp(1_700_000_000)))
}

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.to_owned()),
        user_name: Some(email.split('@').next().unwrap_or(email).to_owned()),
        display_name: Some(email.to_owned()),
        phone: Some("+1 555 0100".to_owned()),
        user_code: None,
    }
}

/// The organization as the store has it; a failure when it is missing.
async fn loaded<S: Store>(
    store: &S,
    org: OrgId,
    check: &'static str,
) -> Result<std::sync::Arc<OrgState>, Failure> {
    store
        .load(org)
        .await
        .map_err(|e| fail(check, format!("load: {e}")))?
        .ok_or_else(|| fail(check, "the organization is missing"))
}

async fn snapshot<S: Store>(
    store: &S,
    org: OrgId,
    check: &'static str,
) -> Result<(Option<std::sync::Arc<OrgState>>, usize), Failure> {
    let state = store
        .load(org)
        .await
        .map_err(|e| fail(check, format!("load: {e}")))?;
    let audit = store
        .audit(org)
        .await
        .map_err(|e| fail(check, format!("audit: {e}")))?;
    Ok((state, audit.len()))
}

/// Creates an organization with `members` extra members of `role`, all with
/// full profiles; returns the founder and the members.
async fn organization<S: Store + Clone>(
    dir: &Directory<S, ManualClock>,
    org: OrgId,
    catalog: crate::catalog::Catalog,
    founder_role: Option<&str>,
    members: usize,
    role: &str,
    check: &'static str,
) -> Result<(MemberId, Vec<MemberId>), Failure> {
    let founder = dir
        .create_organization(NewOrganization {
            id: org,
            name: format!("conformance {}", org.get()),
            catalog,
            seat_limit: 1000,
            founder: profile(&format!("founder@{}.test", org.get())),
            founder_role: founder_role.map(crate::role::RoleKey::new),
        })
        .await
        .map_err(|e| fail(check, format!("create organization: {e}")))?;
    let mut ids = Vec::new();
    for i in 0..members {
        let email = format!("m{i}@{}.test", org.get());
        let inv = dir
            .invite(org, founder, &email, role)
            .await
            .map_err(|e| fail(check, format!("invite: {e}")))?;
        let secret = inv.first().map(|i| i.secret.clone()).unwrap_or_default();
        let (_, id) = dir
            .accept_invitation(&secret, profile(&email))
            .await
            .map_err(|e| fail(check, format!("accept: {e}")))?;
        ids.push(id);
    }
    Ok((founder, ids))
}

async fn create_and_load<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "create_and_load";
    let dir = directory(store);
    ensure(
        store
            .load(org)
            .await
            .map_err(|e| fail(C, e.to_string()))?
            .is_none(),
        C,
        || "a new organization already loads".into(),
    )?;
    ensure(
        store
            .version(org)
            .await
            .map_err(|e| fail(C, e.to_string()))?
            == 0,
        C,
        || "an unknown organization has a version".into(),
    )?;
    let (founder, members) =
        organization(&dir, org, preset::helpdesk(), None, 2, "agent", C).await?;
    let team = dir
        .create_team(org, founder, Some("T1"), "Team 1")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.add_team_member(org, founder, team, members[0])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let state = store
        .load(org)
        .await
        .map_err(|e| fail(C, e.to_string()))?
        .ok_or_else(|| fail(C, "organization vanished"))?;
    ensure(state.members.len() == 3, C, || {
        format!("3 members expected, {} loaded", state.members.len())
    })?;
    ensure(
        state
            .teams
            .get(&team)
            .is_some_and(|t| t.code.as_deref() == Some("T1") && t.name == "Team 1"),
        C,
        || "team not stored faithfully".into(),
    )?;
    ensure(
        state
            .members
            .get(&members[0])
            .is_some_and(|m| m.teams == [team]),
        C,
        || "team membership not stored".into(),
    )?;
    ensure(state.org.catalog.as_ref() == &preset::helpdesk(), C, || {
        "catalog not stored faithfully".into()
    })?;
    let v = store
        .version(org)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(v == state.version && v >= 6, C, || {
        format!("version {v} disagrees with loaded {}", state.version)
    })?;
    let again = dir
        .create_organization(NewOrganization {
            id: org,
            name: "again".into(),
            catalog: preset::helpdesk(),
            seat_limit: 5,
            founder: profile("x@y.test"),
            founder_role: None,
        })
        .await;
    ensure(
        matches!(again, Err(DirectoryError::OrganizationExists(_))),
        C,
        || format!("creating twice gave {again:?}"),
    )
}

async fn version_conflict<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "version_conflict";
    let dir = directory(store);
    let (founder, _) = organization(&dir, org, preset::helpdesk(), None, 0, "agent", C).await?;
    let state = loaded(store, org, C).await?;
    let stale = state.version;
    let mut m = crate::record::Member::clone(
        state
            .members
            .get(&founder)
            .ok_or_else(|| fail(C, "founder missing"))?,
    );
    m.user_name = Some("first".into());
    let first = [crate::record::Change::PutMember(std::sync::Arc::new(
        m.clone(),
    ))];
    let v = store
        .commit(Commit {
            org,
            expected_version: Some(stale),
            changes: &first,
            events: &[],
        })
        .await
        .map_err(|e| fail(C, format!("first commit: {e}")))?;
    ensure(v == stale + 1, C, || {
        format!("version {v} after committing on {stale}")
    })?;
    m.user_name = Some("second".into());
    let second = [crate::record::Change::PutMember(std::sync::Arc::new(m))];
    let before = snapshot(store, org, C).await?;
    let r = store
        .commit(Commit {
            org,
            expected_version: Some(stale),
            changes: &second,
            events: &[],
        })
        .await;
    ensure(matches!(r, Err(StoreError::Conflict)), C, || {
        format!("a stale commit gave {r:?}")
    })?;
    let after = snapshot(store, org, C).await?;
    ensure(before == after, C, || {
        "a conflicting commit changed the store".into()
    })?;
    let name = after
        .0
        .and_then(|s| s.members.get(&founder).and_then(|m| m.user_name.clone()));
    ensure(name.as_deref() == Some("first"), C, || {
        format!("user name {name:?}, expected \"first\"")
    })
}

async fn refused_changes_nothing<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "refused_changes_nothing";
    let dir = directory(store);
    let (owner, agents) = organization(&dir, org, preset::helpdesk(), None, 2, "agent", C).await?;
    let before = snapshot(store, org, C).await?;
    let refused: Vec<(&str, Result<(), DirectoryError>)> = vec![
        (
            "agent demotes owner",
            dir.change_role(org, agents[0], owner, "agent").await,
        ),
        (
            "agent removes owner",
            dir.remove_member(org, agents[0], owner).await,
        ),
        (
            "owner demotes self",
            dir.change_role(org, owner, owner, "agent").await,
        ),
        ("owner removed", dir.remove_member(org, owner, owner).await),
        (
            "agent promotes self",
            dir.change_role(org, agents[0], agents[0], "primary_admin")
                .await,
        ),
        (
            "bad addresses",
            dir.invite(org, owner, "ok@x.test, not-an-address", "agent")
                .await
                .map(|_| ()),
        ),
    ];
    for (what, r) in refused {
        ensure(r.is_err(), C, || format!("{what} was allowed"))?;
    }
    let after = snapshot(store, org, C).await?;
    ensure(before == after, C, || {
        "a refused operation changed the store".into()
    })
}

async fn audit_complete<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "audit_complete";
    let dir = directory(store);
    let (owner, members) = organization(&dir, org, preset::helpdesk(), None, 3, "agent", C).await?;
    dir.change_role(org, owner, members[0], "admin")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.set_member_status(org, owner, members[1], MemberStatus::Disabled)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.remove_member(org, owner, members[2])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let version = store
        .version(org)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let versions: Vec<u64> = events.iter().map(|e| e.version).collect();
    let mut sorted = versions.clone();
    sorted.sort_unstable();
    ensure(versions == sorted, C, || {
        "audit events out of commit order".into()
    })?;
    let mut committed: Vec<u64> = versions.clone();
    committed.dedup();
    ensure(committed == (1..=version).collect::<Vec<_>>(), C, || {
        format!("audit covers versions {committed:?}, store is at {version}")
    })?;
    let last = events.last().ok_or_else(|| fail(C, "no events"))?;
    ensure(
        last.action == "remove_member"
            && last.actor == Some(owner)
            && last.after.is_none()
            && last.before.is_some(),
        C,
        || format!("last event {last:?}"),
    )
}

async fn concurrent_demotions<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
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

async fn concurrent_removals<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
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

async fn concurrent_transfers<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
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

async fn concurrent_acceptance<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
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

/// Input the directory refuses is refused the same way on every store, with a
/// typed error and nothing written: control characters in text fields,
/// organization ids and secrets beyond what a store holds; an invitation
/// lifetime past the representable range ends at [`Timestamp::MAX`]; two
/// spellings of one address are one address.
async fn inputs_alike<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "inputs_alike";
    let dir = directory(store).invitation_ttl(u64::MAX);
    let (owner, _) = organization(&dir, org, preset::helpdesk(), None, 0, "agent", C).await?;
    let before = snapshot(store, org, C).await?;
    let invalid = |r: Result<(), DirectoryError>, what: &str| match r {
        Err(DirectoryError::InvalidInput { .. }) => Ok(()),
        other => Err(fail(
            C,
            format!("{what}: expected InvalidInput, got {other:?}"),
        )),
    };
    invalid(
        dir.create_team(org, owner, None, "Sales\0")
            .await
            .map(|_| ()),
        "NUL in a team name",
    )?;
    invalid(
        dir.create_team(org, owner, Some("T\u{1b}1"), "Sales")
            .await
            .map(|_| ()),
        "escape in a team code",
    )?;
    invalid(
        dir.update_own_profile(
            org,
            owner,
            crate::directory::ProfileUpdate {
                display_name: Some(Some("x".repeat(crate::MAX_TEXT_CHARS + 1))),
                ..crate::directory::ProfileUpdate::default()
            },
        )
        .await,
        "an overlong display name",
    )?;
    #[cfg(feature = "import")]
    match dir
        .import_members(
            org,
            owner,
            b"email,user name\nnul@x.test,\"a\0b\"\n",
            crate::directory::ImportMode::Apply,
        )
        .await
    {
        Err(DirectoryError::ImportFailed(rows))
            if rows.len() == 1
                && rows[0].line == 2
                && matches!(
                    rows[0].problem,
                    crate::directory::ImportProblem::InvalidField {
                        field: "user name",
                        ..
                    }
                ) => {}
        other => return Err(fail(C, format!("NUL in an import cell: {other:?}"))),
    }
    let hex = "0".repeat(64);
    for secret in [
        format!("18446744073709551615.1.{hex}"),
        format!("{}.18446744073709551615.{hex}", org.get()),
    ] {
        match dir
            .accept_invitation(&secret, profile("crafted@x.test"))
            .await
        {
            Err(DirectoryError::InvitationInvalid) => {}
            other => return Err(fail(C, format!("secret {secret}: {other:?}"))),
        }
    }
    let after = snapshot(store, org, C).await?;
    ensure(before == after, C, || {
        "a refused input changed the store".into()
    })?;
    match dir
        .create_organization(NewOrganization {
            id: OrgId(u64::MAX),
            name: "Too far".into(),
            catalog: preset::helpdesk(),
            seat_limit: 10,
            founder: profile("far@x.test"),
            founder_role: None,
        })
        .await
    {
        Err(DirectoryError::InvalidInput { .. }) => {}
        other => return Err(fail(C, format!("organization id 2^64 - 1: {other:?}"))),
    }
    // No organization has such an id: reads say so, on every store alike.
    match dir.list_members(OrgId(u64::MAX), owner).await {
        Err(DirectoryError::UnknownOrganization(_)) => {}
        other => return Err(fail(C, format!("reading organization 2^64 - 1: {other:?}"))),
    }
    let far = store.version(OrgId(u64::MAX)).await;
    ensure(matches!(far, Ok(0)), C, || {
        format!("version of organization 2^64 - 1: {far:?}")
    })?;
    // The longest lifetime, and one address in two spellings.
    let sent = dir
        .invite(org, owner, "Caf\u{e9}@x.test", "agent")
        .await
        .map_err(|e| fail(C, format!("invite with u64::MAX lifetime: {e}")))?;
    ensure(
        sent.first().map(|i| i.expires_at) == Some(Timestamp::MAX),
        C,
        || format!("expiry {:?}, expected Timestamp::MAX", sent.first()),
    )?;
    match dir.invite(org, owner, "CAFE\u{301}@x.test", "agent").await {
        Err(DirectoryError::BadAddresses(bad))
            if bad.len() == 1
                && bad[0].problem == crate::directory::AddressProblem::AlreadyInvited => {}
        other => return Err(fail(C, format!("a decomposed spelling: {other:?}"))),
    }
    let state = loaded(store, org, C).await?;
    let stored = state.invitations.values().last().map(|i| i.expires_at);
    ensure(stored == Some(Timestamp::MAX), C, || {
        format!("stored expiry {stored:?}")
    })
}

/// The audit log read in pages is the whole log, in order, whatever the page
/// size, with pages starting inside a commit's events; past the end a page is
/// empty.
async fn audit_in_pages<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "audit_in_pages";
    let dir = directory(store);
    // Each acceptance writes two events in one commit.
    let (owner, _) = organization(&dir, org, preset::helpdesk(), None, 3, "agent", C).await?;
    for i in 0..5 {
        dir.create_team(org, owner, None, &format!("Team {i}"))
            .await
            .map_err(|e| fail(C, e.to_string()))?;
    }
    let all = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    ensure(all.len() == 1 + 3 * 3 + 5, C, || {
        format!("{} events, expected 15", all.len())
    })?;
    for size in [1, 2, 4, 7, 100] {
        let mut read: Vec<crate::AuditEvent> = Vec::new();
        loop {
            let after = read.last().map(crate::AuditEvent::cursor);
            let page = store
                .audit_page(org, after, size)
                .await
                .map_err(|e| fail(C, e.to_string()))?;
            ensure(page.len() <= size, C, || {
                format!("a page of {} events for a limit of {size}", page.len())
            })?;
            let last = page.len() < size;
            read.extend(page);
            if last {
                break;
            }
        }
        ensure(read == all, C, || {
            format!("pages of {size} are not the whole log in order")
        })?;
    }
    let past = store
        .audit_page(org, all.last().map(crate::AuditEvent::cursor), 10)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(past.is_empty(), C, || "a page past the end".into())?;
    let none = store
        .audit_page(org, None, 0)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(none.is_empty(), C, || "a page of limit 0".into())?;
    let first = dir
        .audit_events(org, owner, None, 4)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(first == all[..4], C, || {
        "the directory's first page differs".into()
    })
}

/// A loaded organization lists its members, teams and invitations in the
/// order they were created, across commits and after removals, as the
/// directory wrote them.
async fn creation_order<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "creation_order";
    let dir = directory(store);
    let (owner, members) = organization(&dir, org, preset::helpdesk(), None, 4, "agent", C).await?;
    let mut teams = Vec::new();
    for i in 0..3 {
        let team = dir
            .create_team(org, owner, None, &format!("Team {i}"))
            .await
            .map_err(|e| fail(C, e.to_string()))?;
        teams.push(team);
    }
    let second = members
        .get(1)
        .copied()
        .ok_or_else(|| fail(C, "no members"))?;
    dir.remove_member(org, owner, second)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    dir.delete_team(org, owner, teams[1])
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let later = dir
        .invite(org, owner, &format!("later@{}.test", org.get()), "agent")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let state = loaded(store, org, C).await?;
    let mut expected = vec![owner];
    expected.extend(members.iter().copied().filter(|m| *m != second));
    let got: Vec<MemberId> = state.members.keys().copied().collect();
    ensure(got == expected, C, || {
        format!("members in order {got:?}, expected {expected:?}")
    })?;
    let got: Vec<_> = state.teams.keys().copied().collect();
    ensure(got == [teams[0], teams[2]], C, || {
        format!("teams in order {got:?}")
    })?;
    let last = state.invitations.keys().last().copied();
    ensure(last == later.first().map(|i| i.id), C, || {
        "the newest invitation is not the last".into()
    })?;
    // One commit that deletes records and writes them again, between new
    // ones: as `OrgState::apply` orders them, a record written after its
    // deletion goes to the end; one only rewritten keeps its place.
    let first = members[0];
    let kept = state
        .members
        .get(&first)
        .ok_or_else(|| fail(C, "first member missing"))?;
    let mut again = crate::record::Member::clone(kept);
    again.display_name = Some("Again".into());
    let mut fresh = crate::record::Member::clone(kept);
    fresh.id = MemberId(kept.id.0 ^ 0x5a5a_5a5a);
    fresh.email = format!("fresh@{}.test", org.get());
    fresh.user_code = None;
    let mut renamed = crate::record::Member::clone(
        state
            .members
            .get(&owner)
            .ok_or_else(|| fail(C, "owner missing"))?,
    );
    renamed.user_name = Some("Renamed".into());
    let team = state
        .teams
        .get(&teams[0])
        .ok_or_else(|| fail(C, "team missing"))?;
    let changes = [
        crate::record::Change::DeleteMember(first),
        crate::record::Change::PutMember(std::sync::Arc::new(fresh.clone())),
        crate::record::Change::PutMember(std::sync::Arc::new(again)),
        crate::record::Change::PutMember(std::sync::Arc::new(renamed)),
        crate::record::Change::DeleteTeam(teams[0]),
        crate::record::Change::PutTeam(std::sync::Arc::clone(team)),
    ];
    store
        .commit(Commit {
            org,
            expected_version: Some(state.version),
            changes: &changes,
            events: &[],
        })
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let mut expected = OrgState::clone(&state);
    for change in &changes {
        expected.apply(change);
    }
    expected.version += 1;
    let loaded = loaded(store, org, C).await?;
    let order = |s: &OrgState| -> (Vec<MemberId>, Vec<crate::id::TeamId>) {
        (
            s.members.keys().copied().collect(),
            s.teams.keys().copied().collect(),
        )
    };
    ensure(order(&loaded) == order(&expected), C, || {
        format!(
            "after deleting and writing again: {:?}, expected {:?}",
            order(&loaded),
            order(&expected)
        )
    })?;
    ensure(*loaded == expected, C, || {
        "after deleting and writing again, the records differ".into()
    })
}

/// The change log, where a store keeps one: the commits after a version, in
/// order, up to the limit, whose changes bring the state at that version to
/// the state loaded now. A store may keep no log (`None`).
async fn change_log<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
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
async fn replica_catches_up<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
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

/// Replicas that all keep the organization change it at once, many times
/// each, through the interleaving store: every commit lands on the version
/// it was decided on, losers catch up from the log and decide again, and
/// afterwards every replica's kept state is the store's.
async fn replicas_race<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
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
    let last = if (ROUNDS - 1) % 2 == 0 {
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

/// The organization's name and seat limit, changed at runtime, are stored,
/// reach a replica that keeps the organization through the log, and a
/// refused limit changes nothing.
async fn organization_settings<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    const C: &str = "organization_settings";
    let a = directory(store).organization_settings(["timezone", "language"]);
    let b = directory(store).organization_settings(["timezone", "language"]);
    let (owner, _) = organization(&a, org, preset::helpdesk(), None, 2, "agent", C).await?;
    b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    a.rename_organization(org, owner, "Renamed")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    a.set_seat_limit(org, 7)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    a.set_organization_setting(org, owner, "timezone", Some("Asia/Taipei"))
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let before = loaded(store, org, C).await?;
    ensure(
        before.org.name == "Renamed"
            && before.org.seat_limit == 7
            && before.org.settings.get("timezone").map(String::as_str) == Some("Asia/Taipei"),
        C,
        || {
            format!(
                "stored {:?} with {} seats",
                before.org.name, before.org.seat_limit
            )
        },
    )?;
    let kept = b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    ensure(*kept == *before, C, || {
        "a replica does not see the new settings".into()
    })?;
    let info = b
        .organization_info(org, owner)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(info.settings.len() == 1, C, || {
        format!("a replica shows the settings {:?}", info.settings)
    })?;
    match a
        .set_organization_setting(org, owner, "currency", Some("TWD"))
        .await
    {
        Err(DirectoryError::UnknownSetting(_)) => {}
        other => return Err(fail(C, format!("an undeclared setting gave {other:?}"))),
    }
    match a.set_seat_limit(org, 1).await {
        Err(DirectoryError::SeatLimitBelowUse { limit: 1, used: 3 }) => {}
        other => return Err(fail(C, format!("a limit below use gave {other:?}"))),
    }
    let after = loaded(store, org, C).await?;
    ensure(*after == *before, C, || {
        "a refused limit changed the organization".into()
    })?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let system = events
        .iter()
        .filter(|e| e.action == "set_seat_limit" && e.actor.is_none())
        .count();
    ensure(system == 1, C, || {
        format!("{system} seat limit events recorded as the system's")
    })
}

/// Roles created, edited and deleted at runtime are stored in order with
/// the catalog's policy and matrix, reach a replica through the log, move
/// the holders of a deleted role in the same commit, and a refused edit
/// changes nothing.
async fn role_catalog<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    use crate::permission::Permissions as P;
    use crate::role::Role;
    const C: &str = "role_catalog";
    let a = directory(store);
    let b = directory(store);
    let (admin, interns) = organization(
        &a,
        org,
        preset::assistant(),
        Some("administrative_staff"),
        2,
        "intern",
        C,
    )
    .await?;
    b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let auditor = Role::builder("auditor", "Auditor")
        .permissions(P::MEMBER_VIEW | P::CONTACT_VIEW)
        .build();
    a.create_role(org, admin, auditor.clone())
        .await
        .map_err(err)?;
    let intern = preset::assistant()
        .role("intern")
        .cloned()
        .ok_or_else(|| fail(C, "no intern"))?;
    let wider = Role::builder("intern", "Trainee")
        .permissions(intern.permissions() | P::CONVERSATION_REPLY)
        .view_scope(intern.view_scope())
        .knowledge(intern.knowledge().clone())
        .build();
    a.edit_role(org, admin, wider.clone()).await.map_err(err)?;
    a.change_role(org, admin, interns[0], "customer_service_representative")
        .await
        .map_err(err)?;
    a.delete_role(
        org,
        admin,
        "customer_service_representative",
        Some("auditor"),
    )
    .await
    .map_err(err)?;
    let stored = loaded(store, org, C).await?;
    let keys: Vec<&str> = stored
        .org
        .catalog
        .roles()
        .map(|r| r.key().as_str())
        .collect();
    ensure(
        keys == ["administrative_staff", "intern", "auditor"],
        C,
        || format!("stored roles {keys:?}"),
    )?;
    ensure(
        stored.org.catalog.role("intern") == Some(&wider)
            && stored.org.catalog.role("auditor") == Some(&auditor)
            && stored.org.catalog.policy() == preset::assistant().policy()
            && stored.org.catalog.matrix().columns.len() == 3,
        C,
        || format!("stored catalog {:?}", stored.org.catalog),
    )?;
    let moved = stored.members.get(&interns[0]).map(|m| m.role.as_str());
    ensure(moved == Some("auditor"), C, || {
        format!("the deleted role's holder has {moved:?}")
    })?;
    let kept = b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    ensure(*kept == *stored, C, || {
        "a replica does not see the new catalog".into()
    })?;
    let (actor, _) = b.actor(org, interns[1]).await.map_err(err)?;
    ensure(
        matches!(&actor, crate::actor::Actor::Member(m)
            if m.role().permissions().contains(P::CONVERSATION_REPLY)),
        C,
        || "a replica's actor does not have the edited role".into(),
    )?;
    // The admin minimum's role keeps what it grants; the admin's own role
    // is not theirs to edit anyway: both refused, nothing written.
    let narrowed = Role::builder("administrative_staff", "Staff").build();
    match a.edit_role(org, admin, narrowed).await {
        Err(DirectoryError::OwnRoleEdit(_)) => {}
        other => return Err(fail(C, format!("editing one's own role gave {other:?}"))),
    }
    let after = loaded(store, org, C).await?;
    ensure(*after == *stored, C, || {
        "a refused edit changed the organization".into()
    })?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.subject.starts_with("role:"))
        .map(|e| e.action.as_str())
        .collect();
    ensure(
        actions == ["create_role", "edit_role", "delete_role"],
        C,
        || format!("role events {actions:?}"),
    )
}

/// Bots and API keys are stored with the organization: a replica resolves
/// a key generated by another, the store keeps only the secret's hash, a
/// revoked key and a deleted bot's key resolve to nothing everywhere, a
/// deleted bot's grants go with it, and a refused key changes nothing.
async fn bots_and_keys<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    use crate::permission::Permissions as P;
    const C: &str = "bots_and_keys";
    let a = directory(store);
    let b = directory(store);
    // The bot studio's Admin, allowed to delete bots too.
    let studio = preset::bot_studio();
    let admin_role = studio.role("admin").ok_or_else(|| fail(C, "no admin"))?;
    let deleting = admin_role
        .to_builder()
        .permissions(admin_role.permissions() | P::BOT_DELETE)
        .build();
    let catalog = studio
        .with_role(deleting)
        .map_err(|e| fail(C, e.to_string()))?;
    let (admin, clients) = organization(&a, org, catalog, Some("admin"), 1, "client", C).await?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let bot = a.create_bot(org, admin, "Helper").await.map_err(err)?;
    let hosted = a.register_bot(org, "Hosted").await.map_err(err)?;
    a.publish_bot(org, admin, bot, true).await.map_err(err)?;
    a.grant_bot_level(org, admin, clients[0], bot, P::BOT_HISTORY)
        .await
        .map_err(err)?;
    let key = a
        .generate_api_key(org, admin, bot, P::BOT_HISTORY | P::BOT_EDIT)
        .await
        .map_err(err)?;
    let other = a
        .generate_api_key(org, admin, hosted, P::BOT_HISTORY)
        .await
        .map_err(err)?;
    let resolved = b.resolve_api_key(&key.secret).await.map_err(err)?;
    ensure(
        resolved.as_ref().is_some_and(|k| {
            k.id == key.id
                && k.bot == bot
                && k.org == org
                && k.permissions == P::BOT_HISTORY | P::BOT_EDIT
        }),
        C,
        || format!("a replica resolves the key to {resolved:?}"),
    )?;
    let stored = loaded(store, org, C).await?;
    let levels = stored
        .members
        .get(&clients[0])
        .map(|m| m.bot_levels.clone());
    ensure(levels == Some(vec![(bot, P::BOT_HISTORY)]), C, || {
        format!("stored grant levels {levels:?}")
    })?;
    let (client, _) = b.actor(org, clients[0]).await.map_err(err)?;
    let edit = crate::eval::can(
        &client,
        crate::Action::EditBot,
        &crate::Resource::Bot { org, bot },
    );
    ensure(!edit.is_allowed(), C, || {
        "a replica's actor does not have the grant's level".into()
    })?;
    let stored_key = stored.api_keys.get(&key.id);
    ensure(
        stored.bots.len() == 2
            && stored
                .bots
                .get(&bot)
                .is_some_and(|b| b.published && b.name == "Helper")
            && stored_key.is_some_and(|k| {
                use sha2::Digest;
                k.secret_hash == <[u8; 32]>::from(sha2::Sha256::digest(key.secret.as_bytes()))
                    && !k.revoked
            }),
        C,
        || format!("stored bots {:?}, key {stored_key:?}", stored.bots),
    )?;
    // A key never carries what mints credentials: refused, nothing written.
    let before = snapshot(store, org, C).await?;
    match a
        .generate_api_key(org, admin, bot, P::API_KEY_GENERATE)
        .await
    {
        Err(DirectoryError::NotKeyPermissions(_)) => {}
        other => return Err(fail(C, format!("a key-minting key gave {other:?}"))),
    }
    let after = snapshot(store, org, C).await?;
    ensure(after == before, C, || {
        "a refused key changed the organization or its audit log".into()
    })?;
    a.revoke_api_key(org, admin, key.id).await.map_err(err)?;
    let revoked = b.resolve_api_key(&key.secret).await.map_err(err)?;
    ensure(revoked.is_none(), C, || {
        format!("a replica resolves a revoked key to {revoked:?}")
    })?;
    a.delete_bot(org, admin, hosted).await.map_err(err)?;
    let gone = b.resolve_api_key(&other.secret).await.map_err(err)?;
    ensure(gone.is_none(), C, || {
        format!("a deleted bot's key resolves to {gone:?}")
    })?;
    a.delete_bot(org, admin, bot).await.map_err(err)?;
    let last = loaded(store, org, C).await?;
    let grants = last.members.get(&clients[0]).map(|m| m.bots.clone());
    let levels = last.members.get(&clients[0]).map(|m| m.bot_levels.len());
    ensure(
        last.bots.is_empty()
            && grants.as_deref() == Some(&[][..])
            && levels == Some(0)
            && last.api_keys.values().all(|k| k.revoked),
        C,
        || {
            format!(
                "after deleting the bots: {:?}, grants {grants:?}",
                last.bots
            )
        },
    )?;
    let kept = b.snapshot(org).await.map_err(err)?;
    ensure(*kept == *last, C, || {
        "a replica does not see the bots deleted".into()
    })
}

/// Contacts are stored one by one: the host's synchronization upserts by
/// external id and is idempotent, a replica reads what another wrote, every
/// write is audited before and after, a refused change writes nothing,
/// concurrent synchronizations of one new contact make one contact,
/// concurrent patches lose none of each other, and nothing crosses
/// organizations.
async fn contacts<S: Store + Clone>(store: &S, org: OrgId, other: OrgId) -> Result<(), Failure> {
    use crate::contact::Attributes;
    use crate::directory::AttributeChange;
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
                .as_deref()
                .is_some_and(|v| v.contains("gold")),
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
    })
}

/// Knowledge bases are stored with the organization, their names and
/// audiences with them; a replica sees them; a referenced one is refused
/// removal, writing nothing, and removed with its references detached in
/// one commit.
async fn knowledge_bases<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    use crate::contact::Audience;
    const C: &str = "knowledge_bases";
    let a = directory(store);
    let b = directory(store);
    let (staff, _) = organization(
        &a,
        org,
        preset::assistant(),
        Some("administrative_staff"),
        0,
        "intern",
        C,
    )
    .await?;
    b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let gold = Audience::one_of("tier", ["gold"]);
    let faq = a
        .register_knowledge_base(org, staff, "FAQ", Some(gold.clone()))
        .await
        .map_err(err)?;
    a.rename_knowledge_base(org, staff, faq, "Questions")
        .await
        .map_err(err)?;
    let stored = loaded(store, org, C).await?;
    let record = stored.knowledge_bases.get(&faq);
    ensure(
        record.is_some_and(|k| k.name == "Questions" && k.audience.as_ref() == Some(&gold))
            && stored.org.catalog.knowledge_bases().contains(&faq),
        C,
        || format!("stored knowledge base {record:?}"),
    )?;
    let kept = b.snapshot(org).await.map_err(err)?;
    ensure(*kept == *stored, C, || {
        "a replica does not see the knowledge base".into()
    })?;
    let products = preset::ASSISTANT_PRODUCTS;
    let before = snapshot(store, org, C).await?;
    match a.remove_knowledge_base(org, staff, products, false).await {
        Err(DirectoryError::KnowledgeBaseInUse { .. }) => {}
        other => return Err(fail(C, format!("removing a referenced one gave {other:?}"))),
    }
    ensure(snapshot(store, org, C).await? == before, C, || {
        "a refused removal wrote".into()
    })?;
    a.remove_knowledge_base(org, staff, products, true)
        .await
        .map_err(err)?;
    let stored = loaded(store, org, C).await?;
    let intern = stored
        .org
        .catalog
        .role("intern")
        .map(|r| r.knowledge().clone());
    ensure(
        !stored.org.catalog.knowledge_bases().contains(&products)
            && intern == Some(crate::scope::KnowledgeRefs::only([])),
        C,
        || format!("after detaching: intern references {intern:?}"),
    )?;
    let kept = b.snapshot(org).await.map_err(err)?;
    ensure(*kept == *stored, C, || {
        "a replica does not see the removal".into()
    })
}

/// A contact operation reads and writes that contact only: through a
/// wrapper that records every call, a synchronization, an edit and a
/// resolution make the same calls with one contact or fifty, and none of
/// them loads or commits the organization (a store that hands out its own
/// state, as `MemoryStore` does, is read by `load`, which copies nothing).
async fn contact_cost<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    use crate::contact::Attributes;
    use crate::directory::AttributeChange;
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
struct Recorded<S> {
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
        id: crate::id::ContactId,
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
        contact: crate::id::ContactId,
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

/// A directory keeping one organization serves two: each use of the other
/// loads it again, and every answer is the store's.
async fn eviction_and_reload<S: Store + Clone>(
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

type Op<'a> = Pin<Box<dyn Future<Output = Result<(), DirectoryError>> + Send + 'a>>;

/// The store under test, made to step aside once before every load and
/// commit. The concurrency checks poll all their operations in one task; a
/// store whose calls complete at once (an in-memory store) would otherwise
/// run them one after another. Through this wrapper every operation loads,
/// then every operation tries to commit on the version it read — the race
/// that replicas run — whatever the store.
#[derive(Clone)]
struct Interleaved<S>(S);

/// Returns `Pending` once (waking itself at once), then `Ready`.
fn step_aside() -> impl Future<Output = ()> + Send {
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
        id: crate::id::ContactId,
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
        contact: crate::id::ContactId,
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
fn racing<S: Store + Clone>(store: &S) -> Directory<Interleaved<S>, ManualClock> {
    directory(&Interleaved(store.clone()))
}

/// Polls all futures together until each is done; results in input order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
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
