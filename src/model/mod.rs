//! The pure model: identifiers, permissions and scopes, roles and catalogs,
//! the objects of the domain, and [`can`](crate::can) — no I/O, no
//! allocation on the hot path, no import from the layers above.
//!
//! | file | what it holds |
//! | --- | --- |
//! | `id.rs` | the identifiers |
//! | `permission.rs` | [`Permissions`](crate::Permissions), with stable names |
//! | `scope.rs` | conversation scope, reach, knowledge references |
//! | `role.rs` | [`Role`](crate::Role) and its builder |
//! | `catalog.rs` | [`Catalog`](crate::Catalog): roles as data, checked; the directory's rules |
//! | `matrix.rs` | the layout of a permission matrix (sections, rows, cells) |
//! | `reference.rs` | a catalog rendered: its matrix and its reference page |
//! | `preset/` | the four built-in catalogs |
//! | `contact.rs`, `conversation.rs`, `knowledge.rs`, `team.rs` | the objects |
//! | `actor.rs`, `action.rs`, `resource.rs` | the three arguments of `can` |
//! | `decision.rs` | [`Decision`](crate::Decision) and [`Reason`](crate::Reason) |
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
