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
//! inside your runtime (`#[tokio::test]`), or with [`crate::executor::block_on`].
//!
//! ```
//! # #[cfg(feature = "testkit")] {
//! let report = purview::executor::block_on(purview::testkit::run(purview::MemoryStore::new()));
//! assert!(report.is_ok(), "{report:?}");
//! # }
//! ```

use crate::directory::{Directory, DirectoryError, ManualClock, NewOrganization, Profile};
use crate::model::actor::MemberStatus;
use crate::model::id::{MemberId, OrgId};
use crate::model::preset;
use crate::record::{OrgState, Timestamp};
use crate::store::{Commit, Store, StoreError};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

mod concurrency;
mod contacts;
mod replicas;
mod runtime;
mod store_contract;
#[allow(clippy::wildcard_imports)]
use concurrency::*;
#[allow(clippy::wildcard_imports)]
use contacts::*;
#[allow(clippy::wildcard_imports)]
use replicas::*;
#[allow(clippy::wildcard_imports)]
use runtime::*;
#[allow(clippy::wildcard_imports)]
use store_contract::*;

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
fn two_admins() -> crate::model::catalog::Catalog {
    use crate::model::permission::Permissions as P;
    use crate::model::role::Role;
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
    let policy = crate::model::catalog::DirectoryRules {
        min_admins: Some(crate::model::catalog::AdminMinimum {
            role: crate::model::role::RoleKey::new("admin"),
            count: 2,
        }),
        ..crate::model::catalog::DirectoryRules::default()
    };
    crate::model::preset::built(
        crate::model::catalog::Catalog::new("two-admins", [admin, member])
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
    catalog: crate::model::catalog::Catalog,
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
            founder_role: founder_role.map(crate::model::role::RoleKey::new),
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

/// One of the operations a concurrency check runs at once.
type Op<'a> = Pin<Box<dyn Future<Output = Result<(), DirectoryError>> + Send + 'a>>;
