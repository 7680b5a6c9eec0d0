#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! # Map of the crate
//!
//! Pure model and evaluation (no I/O, no allocation on the hot path):
//! - ids ([`OrgId`], [`MemberId`], …), [`Permissions`] (bitflags with stable
//!   names), scopes ([`ConversationScope`], [`Reach`], [`KnowledgeRefs`]);
//! - [`Role`] and [`Catalog`] (roles as data, loadable from JSON and TOML),
//!   the built-in catalogs in [`preset`] (helpdesk, workspace, bot studio,
//!   assistant — each with its reference page), and [`Matrix`] and
//!   [`Catalog::render_reference`] to render them;
//! - the objects: [`Team`], [`Contact`] and [`Audience`], [`Conversation`]
//!   and [`Assignment`], [`KnowledgeBase`] and [`Document`];
//! - [`Actor`], [`Action`], [`Resource`], and [`can`] returning a
//!   [`Decision`] with a [`Reason`]; [`ConversationFilter`] is the same rule
//!   as a list or query filter.
//!
//! Directory operations and storage, in three layers:
//! - records (`src/record/`): what a store keeps — [`OrgState`] with its
//!   [`Member`]s, teams and [`Invitation`]s, the [`Change`]s that move it,
//!   and [`AuditEvent`]s; pure data that the stores and the directory both
//!   build on, neither importing the other;
//! - [`Directory`]: invitations, role changes, removal, ownership transfer,
//!   teams, bot grants, each checked by `can` and the invariants and written
//!   atomically with its [`AuditEvent`]s, or refused with a
//!   [`DirectoryError`] and nothing written; batch import from CSV
//!   (feature `import`);
//! - [`Store`]: the storage trait a host implements, with its contract;
//!   [`MemoryStore`] is the default; `SqliteStore` (feature `sqlite`) keeps
//!   a directory in one file; `PostgresStore` (feature `postgres`) shares one
//!   among many replicas and notifies them of changes; `testkit` (feature
//!   `testkit`) is the conformance suite for any store;
//! - [`ActorCache`]: actors per organization and member, invalidated by the
//!   organization's change version.

mod action;
mod actor;
mod cache;
mod catalog;
mod contact;
mod conversation;
mod decision;
mod directory;
mod eval;
mod executor;
mod filter;
mod id;
mod knowledge;
mod matrix;
mod permission;
pub mod preset;
mod record;
mod resource;
mod role;
mod scope;
mod store;
mod team;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;

// Identifiers.
pub use id::{
    AiChatId, ApiKeyId, BotId, ContactId, ConversationId, DocumentId, InvitationId,
    KnowledgeBaseId, MemberId, OrgId, TeamId,
};
// Permissions, scopes, roles and catalogs.
#[allow(deprecated)]
pub use catalog::Policy;
pub use catalog::{AdminMinimum, Catalog, CatalogError, CatalogProblem, DirectoryRules, MAX_ROLES};
pub use matrix::{KnowledgeLabel, Matrix, MatrixCell, MatrixRow, MatrixSection, ScopeLabel};
pub use permission::{Permissions, UnknownPermission, UnknownPermissionBits};
pub use role::{Role, RoleBuilder, RoleKey};
pub use scope::{ConversationScope, KnowledgeRefs, Reach};
// Objects of the domain.
pub use contact::{Attributes, Audience, Contact, ContactOrigin};
pub use conversation::{Assignment, AssignmentKind, Conversation, ConversationStatus};
pub use knowledge::{Document, KnowledgeBase};
pub use team::Team;
// Evaluation.
pub use action::{Action, ScopeUse};
pub use actor::{Actor, ApiKeyActor, ContactActor, MemberActor, MemberStatus};
pub use decision::{Decision, Placement, Reason, TargetProblem};
pub use eval::can;
pub use filter::ConversationFilter;
pub use resource::{Resource, ResourceKind};
// Directory operations and storage.
pub use cache::{ActorCache, DEFAULT_ACTOR_CACHE_CAPACITY};
#[cfg(feature = "import")]
#[cfg_attr(docsrs, doc(cfg(feature = "import")))]
pub use directory::{import_template, ImportMode, ImportReport};
pub use directory::{
    Acting, AddressProblem, ApiKeyInfo, AttributeChange, BadAddress, Clock, Directory,
    DirectoryError, IssuedApiKey, IssuedInvitation, ManualClock, NewOrganization, OrganizationInfo,
    Profile, ProfileUpdate, SystemClock, BOT_PERMISSIONS, DEFAULT_CACHED_ORGANIZATIONS,
    KEY_PERMISSIONS, LISTED_IN_MESSAGE, MAX_AUDIT_PAGE, MAX_CONTACT_ATTRIBUTES,
    MAX_CONTACT_HISTORY_PAGE, MAX_TEXT_CHARS,
};
pub use directory::{ImportProblem, RowError};
pub use executor::block_on;
pub use record::{
    ApiKey, AuditCursor, AuditEvent, Bot, Change, Committed, Invitation, InvitationState, Member,
    OrgState, Organization, Records, StoredContact, Timestamp,
};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use store::SqliteStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use store::{ChangeSubscription, PostgresStore};
pub use store::{Commit, ContactWrite, MemoryStore, Store, StoreError, Updates};
