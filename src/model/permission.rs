//! The permission bits a role holds.
//!
//! [`Permissions`] is a `bitflags` set. Each bit has a stable snake_case name
//! ([`Permissions::name_of`]) used by serde, the catalog formats and the
//! rendered matrices; those names never change once released. Stored bits are
//! decoded with [`Permissions::from_stored`], which rejects unknown bits so
//! that a corrupt row grants nothing.

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

bitflags::bitflags! {
    /// A set of permissions.
    ///
    /// # Examples
    ///
    /// ```
    /// use purview::Permissions;
    ///
    /// let agent = Permissions::CONVERSATION_VIEW | Permissions::CONTACT_VIEW;
    /// assert!(agent.contains(Permissions::CONTACT_VIEW));
    /// assert!(!agent.contains(Permissions::CONTACT_EDIT));
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Permissions: u64 {
        // Conversations.
        /// See conversations (list and details) within the view scope.
        const CONVERSATION_VIEW = 1 << 0;
        /// Reply to customers in conversations within the manage scope.
        const CONVERSATION_REPLY = 1 << 1;
        /// Close and reopen conversations within the manage scope.
        const CONVERSATION_CLOSE = 1 << 2;
        /// Mark conversations as spam within the manage scope.
        const CONVERSATION_SPAM = 1 << 3;
        /// Assign and reassign conversations within the manage scope.
        const CONVERSATION_ASSIGN = 1 << 4;

        // Organization.
        /// See the organization's information.
        const ORGANIZATION_VIEW = 1 << 5;
        /// Edit the organization's profile and settings.
        const ORGANIZATION_EDIT = 1 << 6;
        /// Create and delete teams.
        const TEAM_MANAGE = 1 << 7;
        /// Edit which members belong to a team (within the role's team reach).
        const TEAM_MEMBERS_EDIT = 1 << 8;
        /// Edit the automatic assignment rules.
        const AUTO_ASSIGNMENT_EDIT = 1 << 9;
        /// See the analytics dashboard.
        const ANALYTICS_VIEW = 1 << 10;
        /// Edit quick reply templates.
        const QUICK_REPLY_EDIT = 1 << 11;

        // Contacts.
        /// See contact information.
        const CONTACT_VIEW = 1 << 12;
        /// Create and edit contact information.
        const CONTACT_EDIT = 1 << 13;

        // Members and invitations.
        /// See the member list.
        const MEMBER_VIEW = 1 << 14;
        /// Add members by email invitation or import.
        const MEMBER_INVITE = 1 << 15;
        /// Remove members.
        const MEMBER_REMOVE = 1 << 16;
        /// Edit other members' profiles and disable or enable them.
        const MEMBER_EDIT = 1 << 17;
        /// Change other members' roles.
        const MEMBER_ROLE_CHANGE = 1 << 18;
        /// Create invitation links (for a role that does not exceed one's own).
        const INVITATION_LINK_CREATE = 1 << 19;
        /// List and revoke invitations.
        const INVITATION_MANAGE = 1 << 20;

        // Own account.
        /// Edit one's own personal information.
        const PROFILE_EDIT = 1 << 21;
        /// Change one's own password.
        const PASSWORD_CHANGE = 1 << 22;

        // AI chat (always private to its creator).
        /// Create a new AI chat.
        const AI_CHAT_CREATE = 1 << 23;
        /// Send messages to the AI in one's own chat.
        const AI_CHAT_SEND = 1 << 24;
        /// See the history of one's own AI chats.
        const AI_CHAT_HISTORY = 1 << 25;
        /// Delete or rename one's own AI chats.
        const AI_CHAT_MANAGE = 1 << 26;

        // Knowledge.
        /// See knowledge-base documents.
        const DOCUMENT_VIEW = 1 << 27;
        /// Upload, edit and delete knowledge-base documents.
        const DOCUMENT_MANAGE = 1 << 28;
        /// See products.
        const PRODUCT_VIEW = 1 << 29;
        /// Manage products.
        const PRODUCT_MANAGE = 1 << 30;
        /// See customers.
        const CUSTOMER_VIEW = 1 << 31;
        /// Manage customers.
        const CUSTOMER_MANAGE = 1 << 32;
        /// See vendors.
        const VENDOR_VIEW = 1 << 33;
        /// Manage vendors.
        const VENDOR_MANAGE = 1 << 34;
        /// See websites.
        const WEBSITE_VIEW = 1 << 35;
        /// Manage websites.
        const WEBSITE_MANAGE = 1 << 36;
        /// See the tone of voice.
        const TONE_VIEW = 1 << 37;
        /// Manage the tone of voice.
        const TONE_MANAGE = 1 << 38;
        /// Query a knowledge base (within the role's references).
        const KNOWLEDGE_BASE_QUERY = 1 << 39;
        /// Create, configure and delete knowledge bases.
        const KNOWLEDGE_BASE_MANAGE = 1 << 40;

        // Approvals.
        /// See pending approvals.
        const APPROVAL_VIEW = 1 << 41;
        /// Approve or reject.
        const APPROVAL_DECIDE = 1 << 42;

        // Automations.
        /// See the workflow list.
        const WORKFLOW_VIEW = 1 << 43;
        /// Create and edit workflows.
        const WORKFLOW_EDIT = 1 << 44;
        /// See workflow execution logs.
        const EXECUTION_LOG_VIEW = 1 << 45;

        // Integrations.
        /// See integrations.
        const INTEGRATION_VIEW = 1 << 46;
        /// Configure the email integration.
        const EMAIL_INTEGRATION = 1 << 47;
        /// Configure OneDrive synchronization.
        const ONEDRIVE_SYNC = 1 << 48;
        /// Manage API integrations.
        const API_INTEGRATION = 1 << 49;

        // Bots.
        /// Create bots.
        const BOT_CREATE = 1 << 50;
        /// Configure every aspect of a bot: settings, integrations, behaviour.
        const BOT_CONFIGURE = 1 << 51;
        /// Publish bots.
        const BOT_PUBLISH = 1 << 52;
        /// Delete bots.
        const BOT_DELETE = 1 << 53;
        /// Edit a bot.
        const BOT_EDIT = 1 << 54;
        /// Customize a bot's user interface.
        const BOT_UI_CONFIGURE = 1 << 55;
        /// View and interact with a bot's conversation history.
        const BOT_HISTORY = 1 << 56;
        /// Generate API keys for a bot.
        const API_KEY_GENERATE = 1 << 57;
        /// Grant and revoke members' access to bots.
        const BOT_ACCESS_GRANT = 1 << 58;

        // Roles.
        /// Define and edit role templates.
        const ROLE_MANAGE = 1 << 59;
    }
}

/// Every named bit with its stable name, in declaration order.
const NAMES: [(Permissions, &str); 60] = [
    (Permissions::CONVERSATION_VIEW, "conversation_view"),
    (Permissions::CONVERSATION_REPLY, "conversation_reply"),
    (Permissions::CONVERSATION_CLOSE, "conversation_close"),
    (Permissions::CONVERSATION_SPAM, "conversation_spam"),
    (Permissions::CONVERSATION_ASSIGN, "conversation_assign"),
    (Permissions::ORGANIZATION_VIEW, "organization_view"),
    (Permissions::ORGANIZATION_EDIT, "organization_edit"),
    (Permissions::TEAM_MANAGE, "team_manage"),
    (Permissions::TEAM_MEMBERS_EDIT, "team_members_edit"),
    (Permissions::AUTO_ASSIGNMENT_EDIT, "auto_assignment_edit"),
    (Permissions::ANALYTICS_VIEW, "analytics_view"),
    (Permissions::QUICK_REPLY_EDIT, "quick_reply_edit"),
    (Permissions::CONTACT_VIEW, "contact_view"),
    (Permissions::CONTACT_EDIT, "contact_edit"),
    (Permissions::MEMBER_VIEW, "member_view"),
    (Permissions::MEMBER_INVITE, "member_invite"),
    (Permissions::MEMBER_REMOVE, "member_remove"),
    (Permissions::MEMBER_EDIT, "member_edit"),
    (Permissions::MEMBER_ROLE_CHANGE, "member_role_change"),
    (
        Permissions::INVITATION_LINK_CREATE,
        "invitation_link_create",
    ),
    (Permissions::INVITATION_MANAGE, "invitation_manage"),
    (Permissions::PROFILE_EDIT, "profile_edit"),
    (Permissions::PASSWORD_CHANGE, "password_change"),
    (Permissions::AI_CHAT_CREATE, "ai_chat_create"),
    (Permissions::AI_CHAT_SEND, "ai_chat_send"),
    (Permissions::AI_CHAT_HISTORY, "ai_chat_history"),
    (Permissions::AI_CHAT_MANAGE, "ai_chat_manage"),
    (Permissions::DOCUMENT_VIEW, "document_view"),
    (Permissions::DOCUMENT_MANAGE, "document_manage"),
    (Permissions::PRODUCT_VIEW, "product_view"),
    (Permissions::PRODUCT_MANAGE, "product_manage"),
    (Permissions::CUSTOMER_VIEW, "customer_view"),
    (Permissions::CUSTOMER_MANAGE, "customer_manage"),
    (Permissions::VENDOR_VIEW, "vendor_view"),
    (Permissions::VENDOR_MANAGE, "vendor_manage"),
    (Permissions::WEBSITE_VIEW, "website_view"),
    (Permissions::WEBSITE_MANAGE, "website_manage"),
    (Permissions::TONE_VIEW, "tone_view"),
    (Permissions::TONE_MANAGE, "tone_manage"),
    (Permissions::KNOWLEDGE_BASE_QUERY, "knowledge_base_query"),
    (Permissions::KNOWLEDGE_BASE_MANAGE, "knowledge_base_manage"),
    (Permissions::APPROVAL_VIEW, "approval_view"),
    (Permissions::APPROVAL_DECIDE, "approval_decide"),
    (Permissions::WORKFLOW_VIEW, "workflow_view"),
    (Permissions::WORKFLOW_EDIT, "workflow_edit"),
    (Permissions::EXECUTION_LOG_VIEW, "execution_log_view"),
    (Permissions::INTEGRATION_VIEW, "integration_view"),
    (Permissions::EMAIL_INTEGRATION, "email_integration"),
    (Permissions::ONEDRIVE_SYNC, "onedrive_sync"),
    (Permissions::API_INTEGRATION, "api_integration"),
    (Permissions::BOT_CREATE, "bot_create"),
    (Permissions::BOT_CONFIGURE, "bot_configure"),
    (Permissions::BOT_PUBLISH, "bot_publish"),
    (Permissions::BOT_DELETE, "bot_delete"),
    (Permissions::BOT_EDIT, "bot_edit"),
    (Permissions::BOT_UI_CONFIGURE, "bot_ui_configure"),
    (Permissions::BOT_HISTORY, "bot_history"),
    (Permissions::API_KEY_GENERATE, "api_key_generate"),
    (Permissions::BOT_ACCESS_GRANT, "bot_access_grant"),
    (Permissions::ROLE_MANAGE, "role_manage"),
];

/// A permission name that is not one of [`Permissions`]' stable names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission `{0}`")]
pub struct UnknownPermission(pub String);

/// Stored permission bits that name no permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stored permission bits {bits:#x} include unknown bits {unknown:#x}")]
pub struct UnknownPermissionBits {
    /// The whole stored value.
    pub bits: u64,
    /// The bits that name no permission.
    pub unknown: u64,
}

impl Permissions {
    /// The stable name of a single permission bit, or `None` when `self` is not
    /// exactly one named bit.
    ///
    /// ```
    /// use purview::Permissions;
    /// assert_eq!(Permissions::name_of(Permissions::CONTACT_EDIT), Some("contact_edit"));
    /// assert_eq!(Permissions::name_of(Permissions::empty()), None);
    /// ```
    #[must_use]
    pub fn name_of(bit: Permissions) -> Option<&'static str> {
        NAMES.iter().find(|(p, _)| *p == bit).map(|(_, n)| *n)
    }

    /// The permission with this stable name.
    ///
    /// # Errors
    ///
    /// [`UnknownPermission`] naming `name` when no permission has that name.
    pub fn by_name(name: &str) -> Result<Permissions, UnknownPermission> {
        NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(p, _)| *p)
            .ok_or_else(|| UnknownPermission(name.to_owned()))
    }

    /// Every named permission with its stable name, in a fixed order.
    pub fn named() -> impl Iterator<Item = (Permissions, &'static str)> {
        NAMES.iter().copied()
    }

    /// The names of the bits in this set, in the fixed order of [`Permissions::named`].
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        NAMES
            .iter()
            .filter(move |(p, _)| self.contains(*p))
            .map(|(_, n)| *n)
    }

    /// Decodes bits read from storage.
    ///
    /// # Errors
    ///
    /// [`UnknownPermissionBits`] when any bit names no permission: a corrupt
    /// or newer row is refused rather than partly trusted.
    pub fn from_stored(bits: u64) -> Result<Permissions, UnknownPermissionBits> {
        Permissions::from_bits(bits).ok_or(UnknownPermissionBits {
            bits,
            unknown: bits & !Permissions::all().bits(),
        })
    }

    /// Parses a list of names, reporting every unknown one.
    ///
    /// # Errors
    ///
    /// The list of unknown names, in input order.
    pub fn from_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Permissions, Vec<UnknownPermission>> {
        let mut set = Permissions::empty();
        let mut unknown = Vec::new();
        for name in names {
            match Permissions::by_name(name) {
                Ok(p) => set |= p,
                Err(e) => unknown.push(e),
            }
        }
        if unknown.is_empty() {
            Ok(set)
        } else {
            Err(unknown)
        }
    }
}

impl fmt::Display for Permissions {
    /// The stable names joined by `, `; `(none)` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for name in self.names() {
            if !first {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
            first = false;
        }
        if first {
            f.write_str("(none)")?;
        }
        Ok(())
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NamesVisitor;
        impl<'de> Visitor<'de> for NamesVisitor {
            type Value = Permissions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of permission names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Permissions, A::Error> {
                let mut set = Permissions::empty();
                while let Some(name) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    set |= Permissions::by_name(&name).map_err(de::Error::custom)?;
                }
                Ok(set)
            }
        }
        deserializer.deserialize_seq(NamesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bit_has_one_unique_name() {
        let mut seen = Permissions::empty();
        for (bit, name) in Permissions::named() {
            assert_eq!(bit.bits().count_ones(), 1, "{name}");
            assert!(!seen.intersects(bit), "{name} reuses a bit");
            seen |= bit;
            assert_eq!(Permissions::by_name(name), Ok(bit));
        }
        assert_eq!(seen, Permissions::all());
    }

    #[test]
    fn serde_is_a_list_of_names_and_unknown_names_are_named() {
        let set = Permissions::CONTACT_VIEW | Permissions::BOT_EDIT;
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["contact_view","bot_edit"]"#);
        assert_eq!(serde_json::from_str::<Permissions>(&json).unwrap(), set);
        let err = serde_json::from_str::<Permissions>(r#"["contact_view","fly"]"#).unwrap_err();
        assert!(
            err.to_string().contains("unknown permission `fly`"),
            "{err}"
        );
    }

    #[test]
    fn stored_bits_with_unknown_bits_are_rejected() {
        assert_eq!(
            Permissions::from_stored(Permissions::CONTACT_VIEW.bits()),
            Ok(Permissions::CONTACT_VIEW)
        );
        let err = Permissions::from_stored(1 << 63 | 1).unwrap_err();
        assert_eq!(err.unknown, 1 << 63);
    }

    #[test]
    fn from_names_reports_every_unknown_name() {
        let err = Permissions::from_names(["a", "contact_view", "b"]).unwrap_err();
        assert_eq!(
            err,
            vec![UnknownPermission("a".into()), UnknownPermission("b".into())]
        );
    }
}
