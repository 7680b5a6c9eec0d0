//! Storage: the [`Store`] trait a host implements and its contract, the
//! in-memory store, and the SQL stores (features `sqlite`, `postgres`).

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use crate::model::id::{ContactId, OrgId};
use crate::record::{AuditCursor, AuditEvent, Change, Committed, OrgState, StoredContact};

/// The page size [`Store::audit`] reads with.
const AUDIT_EXPORT_PAGE: usize = 1_000;
use std::future::Future;
use std::sync::Arc;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{ChangeSubscription, PostgresStore};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::SqliteStore;

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The organization's version was no longer the one read: another writer
    /// committed first. The directory reloads and decides again.
    #[error("the organization changed since it was read (version conflict)")]
    Conflict,
    /// A stored value could not be decoded; nothing was granted from it.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The backend failed (connection, I/O, …); the driver's own error is
    /// the source.
    #[error("storage backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A commit to apply atomically.
#[derive(Clone, Debug)]
pub struct Commit<'a> {
    /// The organization.
    pub org: OrgId,
    /// The version read; `None` when creating the organization.
    pub expected_version: Option<u64>,
    /// The changes, in order; their meaning is [`OrgState::apply`].
    pub changes: &'a [Change],
    /// The audit events of the changes.
    pub events: &'a [AuditEvent],
}

/// One contact's write, applied atomically with its audit event.
#[derive(Clone, Copy, Debug)]
pub struct ContactWrite<'a> {
    /// The organization.
    pub org: OrgId,
    /// The contact.
    pub id: ContactId,
    /// The contact's version read; `None` when creating it.
    pub expected_version: Option<u64>,
    /// The contact as written (its version one more than the one read, or
    /// 1); `None` deletes it.
    pub contact: Option<&'a StoredContact>,
    /// The write's audit event (its version is the contact's new one).
    pub event: &'a AuditEvent,
}

/// What [`Store::updates`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Updates {
    /// The organization's current version; 0 when it does not exist.
    pub version: u64,
    /// The commits after the version asked for, oldest first, at most as
    /// many as asked for; `None` when the store's log does not reach back
    /// to that version.
    pub commits: Option<Vec<Committed>>,
}

/// Persistence for the directory.
///
/// # Contract
///
/// - **Atomic.** [`Store::commit`] applies all of a commit's changes and audit
///   events, or none of them.
/// - **Isolated by version.** Each organization has a change version.
///   `commit` succeeds only if the organization's version is still
///   `expected_version` (or, when that is `None`, the organization does not
///   exist yet), and then sets it to `expected_version + 1` (or 1). Otherwise
///   it changes nothing and returns [`StoreError::Conflict`]. Two writers that
///   read the same version can never both commit.
/// - **Faithful.** [`Store::load`] returns exactly what was committed: the
///   state after applying every committed change in order, with its version.
///   A stored value that cannot be decoded is [`StoreError::Corrupt`], never a
///   guess.
/// - **A faithful log, if any.** [`Store::changes_since`] returns, when it
///   returns commits, exactly the commits after the version asked for, in
///   order, with the changes they applied: applying them to the state at
///   that version gives the state [`Store::load`] returns.
/// - **Consistent updates.** [`Store::updates`] reports a version and
///   commits that were current together: the commits, when there are any,
///   follow the version asked for one by one and end at or before the
///   version reported.
/// - **Complete audit.** [`Store::audit_page`] returns the events ever
///   committed for the organization in commit order, a page at a time after
///   a cursor; the pages together are the whole log.
/// - **Contacts one by one.** Contacts are kept apart from the
///   organization's state, each with a version of its own:
///   [`Store::write_contact`] creates a contact only if the organization
///   exists and neither its id nor its external id exists in it (else it
///   fails, writing nothing), and replaces or deletes
///   one only if its version is still the one read — else it changes
///   nothing and returns [`StoreError::Conflict`] — and writes the audit
///   event with it, atomically. Reading or writing a contact costs the same
///   with ten contacts or millions.
///
/// The invariants of the directory are checked by the crate in pure code;
/// a store only has to keep this contract. The conformance suite
/// (`purview::testkit`, feature `testkit`) checks it.
///
/// Futures are `Send` and tied to no runtime.
pub trait Store: Send + Sync {
    /// The organization's state, or `None` when it does not exist.
    fn load(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Option<Arc<OrgState>>, StoreError>> + Send;

    /// Applies a commit atomically if the version still matches; returns the new version.
    fn commit(&self, commit: Commit<'_>) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Up to `limit` audit events of the organization in commit order,
    /// starting after `after` (from the first when `None`). Stores keep an
    /// index on (organization, version, index), so a page costs the same
    /// whatever the length of the history.
    fn audit_page(
        &self,
        org: OrgId,
        after: Option<AuditCursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<AuditEvent>, StoreError>> + Send;

    /// Every audit event of the organization, in commit order, read page by
    /// page: for exports and tests. Directory operations never read the
    /// whole history.
    fn audit(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Vec<AuditEvent>, StoreError>> + Send {
        async move {
            let mut all: Vec<AuditEvent> = Vec::new();
            loop {
                let after = all.last().map(AuditEvent::cursor);
                let page = self.audit_page(org, after, AUDIT_EXPORT_PAGE).await?;
                let done = page.len() < AUDIT_EXPORT_PAGE;
                all.extend(page);
                if done {
                    return Ok(all);
                }
            }
        }
    }

    /// The organization's current version (0 when it does not exist): a cheap
    /// way for a replica to tell whether its cached actors are stale.
    fn version(&self, org: OrgId) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The change log: up to `limit` commits after `version`, oldest first,
    /// each with the changes it applied. `Ok(None)` when the store keeps no
    /// log that reaches back to `version` (the directory then loads the
    /// organization whole) — the default, so a store without a log keeps
    /// the contract.
    fn changes_since(
        &self,
        org: OrgId,
        version: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Option<Vec<Committed>>, StoreError>> + Send {
        let _ = (org, version, limit);
        async { Ok(None) }
    }

    /// What a replica holding the organization at version `since` needs to
    /// catch up, in one read where the store can: the current version (0
    /// when the organization does not exist) and up to `limit` commits
    /// after `since` ([`Updates::commits`] is `None` when the log does not
    /// reach back there). A replica whose organization did not change pays
    /// this one read; one that is behind pays the same read, however far
    /// behind within `limit` commits.
    ///
    /// The provided method reads [`Store::version`], then
    /// [`Store::changes_since`] when the organization moved: two reads. The
    /// SQL stores answer with one statement.
    fn updates(
        &self,
        org: OrgId,
        since: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Updates, StoreError>> + Send {
        async move {
            let version = self.version(org).await?;
            let commits = if version == since {
                Some(Vec::new())
            } else if version > since {
                self.changes_since(org, since, limit).await?
            } else {
                None
            };
            Ok(Updates { version, commits })
        }
    }

    /// A contact of the organization, or `None`.
    fn contact(
        &self,
        org: OrgId,
        id: ContactId,
    ) -> impl Future<Output = Result<Option<StoredContact>, StoreError>> + Send;

    /// The contact of the organization with this external id, or `None`.
    fn contact_by_external_id(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> impl Future<Output = Result<Option<StoredContact>, StoreError>> + Send;

    /// Writes one contact and its audit event atomically, if its version
    /// still matches (see the contract).
    fn write_contact(
        &self,
        write: ContactWrite<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` audit events of one contact in version order, after
    /// version `after` (from the first when `None`), deleted contacts'
    /// included.
    fn contact_audit(
        &self,
        org: OrgId,
        contact: ContactId,
        after: Option<u64>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<AuditEvent>, StoreError>> + Send;

    /// Whether [`Store::load`] hands out the store's own state, already in
    /// memory (as [`MemoryStore`] does): a directory then keeps no copy of
    /// its own. `false` by default.
    fn shares_state(&self) -> bool {
        false
    }
}
