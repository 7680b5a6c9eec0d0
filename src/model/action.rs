//! Actions: what the actor wants to do.

use crate::model::permission::Permissions as P;
use crate::model::resource::ResourceKind;
use std::fmt;

/// Which conversation scope an action is judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScopeUse {
    /// Seeing: the role's view scope.
    View,
    /// Handling (reply, close, reopen, spam, assign): the role's manage scope.
    Manage,
}

impl fmt::Display for ScopeUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScopeUse::View => "view scope",
            ScopeUse::Manage => "manage scope",
        })
    }
}

// Resource kinds, abbreviated for the table below.
const ORG: u16 = 1 << ResourceKind::Organization as u16;
const TEAM: u16 = 1 << ResourceKind::Team as u16;
const CONV: u16 = 1 << ResourceKind::Conversation as u16;
const REASSIGN: u16 = 1 << ResourceKind::Reassignment as u16;
const CONTACT: u16 = 1 << ResourceKind::Contact as u16;
const MEMBER: u16 = 1 << ResourceKind::Member as u16;
const INVITE: u16 = 1 << ResourceKind::Invitation as u16;
const BOT: u16 = 1 << ResourceKind::Bot as u16;
const KB: u16 = 1 << ResourceKind::KnowledgeBase as u16;
const DOC: u16 = 1 << ResourceKind::Document as u16;
const CHAT: u16 = 1 << ResourceKind::AiChat as u16;

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $perm:expr, $kinds:expr, $contact:literal; )*) => {
        /// What an actor wants to do.
        ///
        /// Each action names the permission bits it needs
        /// ([`Action::required`]) and the kinds of resource it applies to
        /// ([`Action::applies_to`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Action {
            $( $(#[$doc])* $variant, )*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The action's stable snake_case name.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// The permission bits a member's role must hold.
            #[inline(always)]
            #[must_use]
            pub const fn required(self) -> P {
                // A table indexed by the action: one load, even when the
                // action is not known at compile time. Out of range cannot
                // happen; if it did, every bit would be required (deny).
                const REQUIRED: &[P] = &[$($perm),*];
                let i = self as usize;
                if i < REQUIRED.len() { REQUIRED[i] } else { P::all() }
            }

            #[inline(always)]
            const fn kinds(self) -> u16 {
                const KINDS: &[u16] = &[$($kinds),*];
                let i = self as usize;
                if i < KINDS.len() { KINDS[i] } else { 0 }
            }

            /// Whether a contact (an external user without an account) may
            /// ever take this action; all others need a member.
            #[inline(always)]
            #[must_use]
            pub const fn open_to_contacts(self) -> bool {
                const OPEN: &[bool] = &[$($contact),*];
                let i = self as usize;
                i < OPEN.len() && OPEN[i]
            }
        }
    };
}

actions! {
    // Conversations.
    /// See one conversation's details.
    ViewConversation = "view_conversation", P::CONVERSATION_VIEW, CONV, true;
    /// See the conversation list (use [`crate::ConversationFilter`] for which ones).
    ListConversations = "list_conversations", P::CONVERSATION_VIEW, ORG, false;
    /// Reply to the customer.
    ReplyConversation = "reply_conversation", P::CONVERSATION_REPLY, CONV, true;
    /// Close or reopen.
    CloseConversation = "close_conversation", P::CONVERSATION_CLOSE, CONV, false;
    /// Mark as spam.
    MarkSpam = "mark_spam", P::CONVERSATION_SPAM, CONV, false;
    /// Assign or reassign: on a conversation, whether it may be reassigned at
    /// all; on a reassignment, whether it may go to that target.
    AssignConversation = "assign_conversation", P::CONVERSATION_ASSIGN, CONV | REASSIGN, false;

    // Organization.
    /// See the organization's information.
    ViewOrganization = "view_organization", P::ORGANIZATION_VIEW, ORG, false;
    /// Edit the organization's profile and settings.
    EditOrganization = "edit_organization", P::ORGANIZATION_EDIT, ORG, false;
    /// Create a team.
    CreateTeam = "create_team", P::TEAM_MANAGE, ORG, false;
    /// Rename a team or change its code.
    RenameTeam = "rename_team", P::TEAM_MANAGE, TEAM, false;
    /// Delete a team.
    DeleteTeam = "delete_team", P::TEAM_MANAGE, TEAM, false;
    /// Add members to or remove members from a team.
    EditTeamMembers = "edit_team_members", P::TEAM_MEMBERS_EDIT, TEAM, false;
    /// Edit the automatic assignment rules.
    EditAutoAssignment = "edit_auto_assignment", P::AUTO_ASSIGNMENT_EDIT, ORG, false;
    /// See the analytics dashboard.
    ViewAnalytics = "view_analytics", P::ANALYTICS_VIEW, ORG, false;
    /// Edit quick reply templates.
    EditQuickReplies = "edit_quick_replies", P::QUICK_REPLY_EDIT, ORG, false;

    // Contacts.
    /// See contact information.
    ViewContact = "view_contact", P::CONTACT_VIEW, ORG | CONTACT, false;
    /// Create or edit contact information.
    EditContact = "edit_contact", P::CONTACT_EDIT, ORG | CONTACT, false;

    // Members and invitations.
    /// See the member list or one member.
    ViewMembers = "view_members", P::MEMBER_VIEW, ORG | MEMBER, false;
    /// Invite members by email; on an invitation, for that role.
    InviteMembers = "invite_members", P::MEMBER_INVITE, ORG | INVITE, false;
    /// Import members in a batch (creates, updates and changes roles).
    ImportMembers = "import_members",
        P::MEMBER_INVITE.union(P::MEMBER_EDIT).union(P::MEMBER_ROLE_CHANGE), ORG, false;
    /// Remove a member.
    RemoveMember = "remove_member", P::MEMBER_REMOVE, MEMBER, false;
    /// Edit another member's profile, disable or enable them.
    EditMember = "edit_member", P::MEMBER_EDIT, MEMBER, false;
    /// Change a member's role.
    ChangeMemberRole = "change_member_role", P::MEMBER_ROLE_CHANGE, MEMBER, false;
    /// Create an invitation link for a role.
    CreateInvitationLink = "create_invitation_link", P::INVITATION_LINK_CREATE, INVITE, false;
    /// List and revoke invitations.
    ManageInvitations = "manage_invitations", P::INVITATION_MANAGE, ORG, false;

    // Own account.
    /// Edit one's own personal information.
    EditOwnProfile = "edit_own_profile", P::PROFILE_EDIT, MEMBER, false;
    /// Change one's own password.
    ChangeOwnPassword = "change_own_password", P::PASSWORD_CHANGE, MEMBER, false;

    // AI chat.
    /// Create a new AI chat.
    CreateAiChat = "create_ai_chat", P::AI_CHAT_CREATE, ORG, false;
    /// Send messages to the AI in a chat.
    SendAiMessage = "send_ai_message", P::AI_CHAT_SEND, CHAT, false;
    /// See a chat's history.
    ViewAiChat = "view_ai_chat", P::AI_CHAT_HISTORY, CHAT, false;
    /// Delete or rename a chat.
    ManageAiChat = "manage_ai_chat", P::AI_CHAT_MANAGE, CHAT, false;

    // Knowledge.
    /// See documents.
    ViewDocuments = "view_documents", P::DOCUMENT_VIEW, ORG | KB | DOC, true;
    /// Upload, edit and delete documents.
    ManageDocuments = "manage_documents", P::DOCUMENT_MANAGE, ORG | KB | DOC, false;
    /// See products.
    ViewProducts = "view_products", P::PRODUCT_VIEW, ORG, false;
    /// Manage products.
    ManageProducts = "manage_products", P::PRODUCT_MANAGE, ORG, false;
    /// See customers.
    ViewCustomers = "view_customers", P::CUSTOMER_VIEW, ORG, false;
    /// Manage customers.
    ManageCustomers = "manage_customers", P::CUSTOMER_MANAGE, ORG, false;
    /// See vendors.
    ViewVendors = "view_vendors", P::VENDOR_VIEW, ORG, false;
    /// Manage vendors.
    ManageVendors = "manage_vendors", P::VENDOR_MANAGE, ORG, false;
    /// See websites.
    ViewWebsites = "view_websites", P::WEBSITE_VIEW, ORG, false;
    /// Manage websites.
    ManageWebsites = "manage_websites", P::WEBSITE_MANAGE, ORG, false;
    /// See the tone of voice.
    ViewToneOfVoice = "view_tone_of_voice", P::TONE_VIEW, ORG, false;
    /// Manage the tone of voice.
    ManageToneOfVoice = "manage_tone_of_voice", P::TONE_MANAGE, ORG, false;
    /// Query a knowledge base or read one of its entries.
    QueryKnowledgeBase = "query_knowledge_base", P::KNOWLEDGE_BASE_QUERY, KB | DOC, true;
    /// Create, configure or delete knowledge bases.
    ManageKnowledgeBases = "manage_knowledge_bases", P::KNOWLEDGE_BASE_MANAGE, ORG | KB, false;

    // Approvals.
    /// See pending approvals.
    ViewApprovals = "view_approvals", P::APPROVAL_VIEW, ORG, false;
    /// Approve or reject.
    DecideApprovals = "decide_approvals", P::APPROVAL_DECIDE, ORG, false;

    // Automations.
    /// See the workflow list.
    ViewWorkflows = "view_workflows", P::WORKFLOW_VIEW, ORG, false;
    /// Create and edit workflows.
    EditWorkflows = "edit_workflows", P::WORKFLOW_EDIT, ORG, false;
    /// See execution logs.
    ViewExecutionLogs = "view_execution_logs", P::EXECUTION_LOG_VIEW, ORG, false;

    // Integrations.
    /// See integrations.
    ViewIntegrations = "view_integrations", P::INTEGRATION_VIEW, ORG, false;
    /// Configure the email integration.
    ConfigureEmailIntegration = "configure_email_integration", P::EMAIL_INTEGRATION, ORG, false;
    /// Configure OneDrive sync.
    ConfigureOneDriveSync = "configure_onedrive_sync", P::ONEDRIVE_SYNC, ORG, false;
    /// Manage API integrations.
    ManageApiIntegrations = "manage_api_integrations", P::API_INTEGRATION, ORG, false;

    // Bots.
    /// Create a bot.
    CreateBot = "create_bot", P::BOT_CREATE, ORG, false;
    /// Configure every aspect of a bot.
    ConfigureBot = "configure_bot", P::BOT_CONFIGURE, BOT, false;
    /// Publish a bot.
    PublishBot = "publish_bot", P::BOT_PUBLISH, BOT, false;
    /// Delete a bot.
    DeleteBot = "delete_bot", P::BOT_DELETE, BOT, false;
    /// Edit a bot.
    EditBot = "edit_bot", P::BOT_EDIT, BOT, false;
    /// Customize a bot's user interface.
    ConfigureBotUi = "configure_bot_ui", P::BOT_UI_CONFIGURE, BOT, false;
    /// View and interact with a bot's conversation history.
    UseBotHistory = "use_bot_history", P::BOT_HISTORY, BOT, false;
    /// Generate an API key for a bot.
    GenerateApiKey = "generate_api_key", P::API_KEY_GENERATE, BOT, false;
    /// Grant or revoke members' access to a bot.
    GrantBotAccess = "grant_bot_access", P::BOT_ACCESS_GRANT, BOT, false;

    // Roles.
    /// Define and edit role templates.
    ManageRoles = "manage_roles", P::ROLE_MANAGE, ORG, false;
}

impl Action {
    /// Whether the action applies to this kind of resource (rule 3).
    #[inline(always)]
    #[must_use]
    pub const fn applies_to(self, kind: ResourceKind) -> bool {
        self.kinds() & (1 << kind as u16) != 0
    }

    /// Which conversation scope judges this action on a conversation, if any.
    #[inline(always)]
    #[must_use]
    pub const fn scope_use(self) -> Option<ScopeUse> {
        match self {
            Action::ViewConversation => Some(ScopeUse::View),
            Action::ReplyConversation
            | Action::CloseConversation
            | Action::MarkSpam
            | Action::AssignConversation => Some(ScopeUse::Manage),
            _ => None,
        }
    }

    /// The action with this stable name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An action serializes as its name (`"view_conversation"`).
impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(!a.required().is_empty(), "{a} needs no permission");
        }
    }

    #[test]
    fn conversation_actions_apply_to_conversations_only_where_scoped() {
        for a in Action::ALL {
            assert_eq!(
                a.applies_to(ResourceKind::Conversation),
                a.scope_use().is_some(),
                "{a}"
            );
        }
    }
}
