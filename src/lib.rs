#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # Map of the crate
//!
//! Four layers, each a folder of `src/` and a module of the crate
//! ([`model`], [`record`], [`store`], [`directory`]), each importing only
//! the ones before it (a test reads the sources and holds them to that, and
//! to no import cycle). Every public type is in its layer's module; the
//! root re-exports the ones most hosts use (the earlier root paths of the
//! others still compile, hidden from this documentation, until 0.2):
//!
//! 1. `model/` — the pure model and [`can`]: ids ([`OrgId`], [`MemberId`],
//!    …), [`Permissions`] (bitflags with stable names), scopes
//!    ([`ConversationScope`], [`Reach`], [`KnowledgeRefs`]), [`Role`] and
//!    [`Catalog`] (roles as data, loadable from JSON and TOML), the built-in
//!    catalogs in [`preset`], [`Matrix`] and [`Catalog::render_reference`];
//!    the objects ([`Team`], [`Contact`] and [`Audience`], [`Conversation`]
//!    and [`Assignment`], [`KnowledgeBase`] and [`Document`]); [`Actor`],
//!    [`Action`], [`Resource`], and [`can`] returning a [`Decision`] with a
//!    [`Reason`]; [`ConversationFilter`], the same rule as a list filter.
//!    No I/O, no allocation on the hot path.
//! 2. `record/` — what a store keeps: [`OrgState`] with its [`Member`]s,
//!    teams, [`Invitation`]s, bots and keys, the [`Change`]s that move it,
//!    and [`AuditEvent`]s. Pure data.
//! 3. `store/` — [`Store`], the storage trait a host implements, with its
//!    contract; [`MemoryStore`] is the default; `SqliteStore` (feature
//!    `sqlite`) keeps a directory in one file; `PostgresStore` (feature
//!    `postgres`) shares one among many replicas and notifies them of
//!    changes; `testkit` (feature `testkit`) is the conformance suite for
//!    any store.
//! 4. `directory/` — [`Directory`]: every operation, checked by `can` and
//!    the invariants and written atomically with its [`AuditEvent`]s, or
//!    refused with a [`DirectoryError`] and nothing written; batch import
//!    (feature `import`); [`ActorCache`], actors invalidated by the
//!    organization's change version.
//!
//! Beside the layers, [`sql`] (features `sqlite`, `postgres`) writes the
//! model's list filters as SQL conditions on a host's own tables; it
//! imports only the model, and no layer imports it.
//!
//! [`executor::block_on`] runs the directory's futures without a runtime.
//!
//! # Where each rule of the specification lives
//!
//! | rule | where |
//! | --- | --- |
//! | evaluation, in order | [`can`] in `model/eval.rs`: rules 1–4 (organization, status, applicability, permission bits) in `model/gate.rs`, rule 5 per kind of resource in `model/eval.rs`; reasons in `model/decision.rs` ([`Reason`]) |
//! | the rule as a list filter | `model/filter.rs` ([`ConversationFilter`]), `model/list.rs` ([`IdFilter`], [`DocumentFilter`]); as SQL, `sql/` |
//! | which actions apply to which resources | `model/action.rs` ([`Action`]) |
//! | the four presets and their tables | `model/preset/` ([`preset`]), rendered by `model/reference.rs` |
//! | a catalog's own rules (one owner role, admin minimum, references) | `model/catalog/` ([`Catalog`], [`DirectoryRules`]) |
//! | one owner, admin minimum, seats, unique codes and names | `directory/invariant.rs`, checked on every plan |
//! | own role, outranking, a role beyond one's own, the owner by transfer only | `directory/members.rs` (one judge of a role change, used by the import too) |
//! | invitations: single use, expiry, revocation, hashed secrets, one pending per address | `directory/invitations.rs`, `directory/secret.rs` |
//! | authority of credentials (links, invitations, API keys) | `directory/invitations.rs`, `directory/bots.rs` |
//! | the organization lives: roles, settings, seats, knowledge bases, bots, contacts | `directory/roles.rs`, `organization.rs`, `knowledge.rs`, `bots.rs`, `contacts.rs` |
//! | batch import | `directory/import.rs` (feature `import`) |
//! | atomic, conditional commits under concurrency | `directory/plan.rs`, the [`Store`] contract in `store/mod.rs` |
//! | cost independent of the organization's size | `record/index.rs` (the kept lookups), `store/sql/write.rs` (set-based writes) |
//! | storage and its conformance suite | `store/`, `testkit/` |

pub mod directory;
pub mod executor;
pub mod model;
pub mod record;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub mod sql;
pub mod store;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;

// The root: what most hosts use. Every other type is in the module of its
// layer (`model`, `record`, `store`, `directory`).
#[doc(inline)]
pub use directory::{ActorCache, Directory, DirectoryError, NewOrganization, Profile};
pub use model::preset;
#[doc(inline)]
pub use model::{
    can, Action, Actor, Assignment, Attributes, Audience, Catalog, Conversation,
    ConversationFilter, ConversationScope, Decision, Document, DocumentFilter, IdFilter,
    KnowledgeBase, KnowledgeRefs, MemberActor, Permissions, Reach, Reason, Resource, Role, RoleKey,
};
#[doc(inline)]
pub use model::{
    AiChatId, ApiKeyId, BotId, ContactId, ConversationId, DocumentId, InvitationId,
    KnowledgeBaseId, MemberId, OrgId, TeamId,
};
#[doc(inline)]
pub use record::OrgState;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
#[doc(inline)]
pub use store::PostgresStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
#[doc(inline)]
pub use store::SqliteStore;
#[doc(inline)]
pub use store::{MemoryStore, Store};

// The crate's earlier paths: every type also at the root, as before it was
// grouped into its layer's module. They still compile, hidden from the
// documentation, and will be removed in 0.2.
#[cfg(feature = "import")]
#[doc(hidden)]
pub use directory::{import_template, ImportMode, ImportReport};
#[doc(hidden)]
pub use directory::{
    AccessChange, Acting, AddressProblem, ApiKeyInfo, AttributeChange, BadAddress, Clock,
    ImportProblem, IssuedApiKey, IssuedInvitation, ManualClock, OrganizationInfo, Preview,
    ProfileUpdate, RowError, SystemClock, BOT_PERMISSIONS, DEFAULT_ACTOR_CACHE_CAPACITY,
    DEFAULT_CACHED_ORGANIZATIONS, KEY_PERMISSIONS, LISTED_IN_MESSAGE, MAX_AUDIT_PAGE,
    MAX_CONTACT_ATTRIBUTES, MAX_CONTACT_HISTORY_PAGE, MAX_TEXT_CHARS,
};
#[doc(hidden)]
#[allow(deprecated)]
pub use model::Policy;
#[doc(hidden)]
pub use model::{
    AdminMinimum, ApiKeyActor, AssignmentKind, CatalogError, CatalogProblem, Contact, ContactActor,
    ContactOrigin, ConversationStatus, DirectoryRules, KnowledgeLabel, Matrix, MatrixCell,
    MatrixRow, MatrixSection, MemberStatus, Placement, ResourceKind, RoleBuilder, ScopeLabel,
    ScopeUse, TargetProblem, Team, UnknownPermission, UnknownPermissionBits, MAX_ROLES,
};
#[doc(hidden)]
pub use record::{
    ApiKey, AuditCursor, AuditEvent, Bot, Change, Committed, Invitation, InvitationState, Member,
    Organization, Records, StoredContact, Timestamp,
};
#[cfg(feature = "postgres")]
#[doc(hidden)]
pub use store::ChangeSubscription;
#[doc(hidden)]
pub use store::{Commit, ContactWrite, StoreError, Updates};

/// Runs a future to completion on the current thread: now
/// [`executor::block_on`], where it is kept out of the crate's root.
#[deprecated(note = "moved to `purview::executor::block_on`, out of the crate's root")]
#[doc(hidden)]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    executor::block_on(future)
}
