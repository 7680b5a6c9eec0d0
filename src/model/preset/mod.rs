//! The built-in role catalogs, one per source product.
//!
//! | preset | product | roles |
//! |---|---|---|
//! | [`helpdesk`] | support desk: teams, conversation assignment, user import | Owner, Primary Admin, Admin, Primary Agent, Agent |
//! | [`workspace`] | business platform: AI chat, knowledge base, conversations, approvals, automations, integrations | Admin, Developer, Editor, Member, Disabled |
//! | [`bot_studio`] | bot builder with per-bot access | Admin, Client |
//! | [`assistant`] | AI assistant: role templates with knowledge-base references; contacts by attributes | Customer Service Representative, Administrative Staff, Intern |
//!
//! Each function builds a fresh [`Catalog`]; [`all`] lists them. Every preset
//! carries its permission matrix, laid out as in its source document, and
//! [`Catalog::render_markdown`] renders it from the roles themselves.

mod assistant;
mod bot_studio;
mod helpdesk;
mod workspace;

use crate::model::catalog::Catalog;
use crate::model::permission::Permissions as P;

/// Editing one's own profile and password: every preset's active roles.
const ACCOUNT: P = P::PROFILE_EDIT.union(P::PASSWORD_CHANGE);

/// Every AI chat feature; a chat is always private to its creator.
const AI_CHAT: P = P::AI_CHAT_CREATE
    .union(P::AI_CHAT_SEND)
    .union(P::AI_CHAT_HISTORY)
    .union(P::AI_CHAT_MANAGE);

/// Full member management: the member list, invitations by email and by
/// link, their management, profiles, removal and roles.
const MEMBER_MANAGEMENT: P = P::MEMBER_VIEW
    .union(P::MEMBER_INVITE)
    .union(P::MEMBER_EDIT)
    .union(P::MEMBER_REMOVE)
    .union(P::MEMBER_ROLE_CHANGE)
    .union(P::INVITATION_LINK_CREATE)
    .union(P::INVITATION_MANAGE);

pub use assistant::{
    assistant, ASSISTANT_INTERNAL, ASSISTANT_PRODUCTS, ASSISTANT_SUPPORT_PROCEDURES,
};
pub use bot_studio::{bot_studio, API_KEY_PERMISSIONS as BOT_API_KEY_PERMISSIONS};
#[cfg_attr(not(feature = "testkit"), allow(unused_imports))]
pub(crate) use helpdesk::built;
pub use helpdesk::helpdesk;
pub use workspace::workspace;

/// Every preset, in the order of the table above.
///
/// ```
/// let names: Vec<String> = purview::preset::all().iter().map(|c| c.name().to_owned()).collect();
/// assert_eq!(names, ["helpdesk", "workspace", "bot_studio", "assistant"]);
/// ```
#[must_use]
pub fn all() -> Vec<Catalog> {
    vec![helpdesk(), workspace(), bot_studio(), assistant()]
}

/// The preset with this name.
///
/// ```
/// assert!(purview::preset::by_name("workspace").is_some());
/// assert!(purview::preset::by_name("nope").is_none());
/// ```
#[must_use]
pub fn by_name(name: &str) -> Option<Catalog> {
    match name {
        "helpdesk" => Some(helpdesk()),
        "workspace" => Some(workspace()),
        "bot_studio" => Some(bot_studio()),
        "assistant" => Some(assistant()),
        _ => None,
    }
}
