//! The pure model: identifiers, permissions and scopes, roles and catalogs,
//! the objects of the domain, and [`can`] — no I/O, no allocation on the
//! hot path, no import from the layers above. Every type of the model is
//! here; the crate's root re-exports the ones most hosts use.
//!
//! | file | what it holds |
//! | --- | --- |
//! | `id.rs` | the identifiers |
//! | `permission.rs` | [`Permissions`], with stable names |
//! | `scope.rs` | conversation scope, reach, knowledge references |
//! | `role.rs` | [`Role`] and its builder |
//! | `catalog/` | [`Catalog`]: roles as data, checked; the directory's rules |
//! | `matrix.rs` | the layout of a permission matrix (sections, rows, cells) |
//! | `reference.rs` | a catalog rendered: its matrix and its reference page |
//! | `preset/` | the four built-in catalogs |
//! | `contact.rs`, `conversation.rs`, `knowledge.rs`, `team.rs` | the objects |
//! | `actor.rs`, `action.rs`, `resource.rs` | the three arguments of `can` |
//! | `decision.rs` | [`Decision`] and [`Reason`] |
//! | `gate.rs` | rules 1–4 of the evaluation, each once |
//! | `eval.rs` | `can` itself: the rules in order, rule 5 per kind of resource |
//! | `filter.rs` | the conversation rule as a list filter |
//! | `list.rs` | the list filters of knowledge bases, documents, bots, AI chats and members |

pub(crate) mod action;
pub(crate) mod actor;
pub(crate) mod catalog;
pub(crate) mod contact;
pub(crate) mod conversation;
pub(crate) mod decision;
pub(crate) mod eval;
pub(crate) mod filter;
pub(crate) mod gate;
pub(crate) mod id;
pub(crate) mod knowledge;
pub(crate) mod list;
pub(crate) mod matrix;
pub(crate) mod permission;
pub mod preset;
mod reference;
pub(crate) mod resource;
pub(crate) mod role;
pub(crate) mod scope;
pub(crate) mod team;

pub use action::{Action, ScopeUse};
pub use actor::{Actor, ApiKeyActor, ContactActor, MemberActor, MemberStatus};
#[allow(deprecated)]
pub use catalog::Policy;
pub use catalog::{AdminMinimum, Catalog, CatalogError, CatalogProblem, DirectoryRules, MAX_ROLES};
pub use contact::{Attributes, Audience, Contact, ContactOrigin};
pub use conversation::{Assignment, AssignmentKind, Conversation, ConversationStatus};
pub use decision::{Decision, Placement, Reason, TargetProblem};
pub use eval::can;
pub use filter::ConversationFilter;
pub use id::{
    AiChatId, ApiKeyId, BotId, ContactId, ConversationId, DocumentId, InvitationId,
    KnowledgeBaseId, MemberId, OrgId, TeamId,
};
pub use knowledge::{Document, KnowledgeBase};
pub use list::{DocumentFilter, IdFilter};
pub use matrix::{KnowledgeLabel, Matrix, MatrixCell, MatrixRow, MatrixSection, ScopeLabel};
pub use permission::{Permissions, UnknownPermission, UnknownPermissionBits};
pub use resource::{Resource, ResourceKind};
pub use role::{Role, RoleBuilder, RoleKey};
pub use scope::{ConversationScope, KnowledgeRefs, Reach};
pub use team::Team;
