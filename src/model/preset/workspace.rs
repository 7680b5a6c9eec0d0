//! The workspace preset.

use super::{built, ACCOUNT, AI_CHAT};
use crate::model::catalog::{AdminMinimum, Catalog, DirectoryRules};
use crate::model::matrix::{Matrix, MatrixRow, MatrixSection};
use crate::model::permission::Permissions as P;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::ConversationScope as S;

/// Seeing every kind of knowledge-base content.
const KNOWLEDGE_VIEW: P = P::DOCUMENT_VIEW
    .union(P::PRODUCT_VIEW)
    .union(P::CUSTOMER_VIEW)
    .union(P::VENDOR_VIEW)
    .union(P::WEBSITE_VIEW)
    .union(P::TONE_VIEW);

/// Managing every kind of knowledge-base content.
const KNOWLEDGE_MANAGE: P = P::DOCUMENT_MANAGE
    .union(P::PRODUCT_MANAGE)
    .union(P::CUSTOMER_MANAGE)
    .union(P::VENDOR_MANAGE)
    .union(P::WEBSITE_MANAGE)
    .union(P::TONE_MANAGE);

/// Handling conversations: reply, close and reopen, mark as spam.
const CONVERSATION_HANDLE: P = P::CONVERSATION_REPLY
    .union(P::CONVERSATION_CLOSE)
    .union(P::CONVERSATION_SPAM);

const AUTOMATIONS: P = P::WORKFLOW_VIEW
    .union(P::WORKFLOW_EDIT)
    .union(P::EXECUTION_LOG_VIEW);

const INTEGRATIONS: P = P::INTEGRATION_VIEW
    .union(P::EMAIL_INTEGRATION)
    .union(P::ONEDRIVE_SYNC)
    .union(P::API_INTEGRATION);

/// Adding and removing members: email invitations, invitation links and
/// their management, removal, disabling.
const MEMBERS_ADD_REMOVE: P = P::MEMBER_INVITE
    .union(P::MEMBER_REMOVE)
    .union(P::MEMBER_EDIT)
    .union(P::INVITATION_LINK_CREATE)
    .union(P::INVITATION_MANAGE);

const ORGANIZATION_MANAGEMENT: P = P::ORGANIZATION_VIEW
    .union(P::ORGANIZATION_EDIT)
    .union(P::MEMBER_VIEW)
    .union(MEMBERS_ADD_REMOVE)
    .union(P::MEMBER_ROLE_CHANGE);

const MEMBER: P = AI_CHAT
    .union(KNOWLEDGE_VIEW)
    .union(P::CONVERSATION_VIEW)
    .union(P::APPROVAL_VIEW)
    .union(ACCOUNT);
const EDITOR: P = MEMBER
    .union(KNOWLEDGE_MANAGE)
    .union(CONVERSATION_HANDLE)
    .union(P::APPROVAL_DECIDE);
const DEVELOPER: P = EDITOR.union(AUTOMATIONS).union(INTEGRATIONS);
const ADMIN: P = DEVELOPER.union(ORGANIZATION_MANAGEMENT);

/// The workspace catalog: Admin, Developer, Editor, Member, Disabled.
///
/// Every matrix of the source document, cell by cell: AI chat, knowledge base
/// (documents, products, customers, vendors, websites, tone of voice),
/// conversations, approvals, automations, integrations, organization
/// management and account settings, for Member, Editor, Developer and Admin.
/// Readings where the document is silent:
///
/// - Disabled may do nothing at all: the role is a disabling role, so every
///   request of its members is denied as [`Reason::ActorDisabled`](crate::Reason::ActorDisabled).
/// - AI chats are seen, used, renamed and deleted only by the member who
///   created them, whatever the role.
/// - Conversations are organization-wide: there are no team scopes.
/// - "Add/remove members" covers email invitations, invitation links (for a
///   role that does not exceed the creator's), listing and revoking
///   invitations, removing and disabling members.
/// - At least two Admins: once an organization has two, no demotion, removal
///   or disabling may leave fewer, and the count never reaches zero. Nobody
///   changes their own role. An import with no valid role gives Member.
///
/// # Examples
///
/// ```
/// use purview::{can, preset, Action, Actor, MemberId, OrgId, Resource};
///
/// let workspace = preset::workspace();
/// let editor = Actor::member(OrgId(1), MemberId(1), workspace.role("editor").unwrap(), []);
/// let org = Resource::Organization(OrgId(1));
/// assert!(can(&editor, Action::ManageDocuments, &org).is_allowed());
/// assert_eq!(
///     can(&editor, Action::EditWorkflows, &org).to_string(),
///     "denied: the role lacks the permission `workflow_edit`"
/// );
/// ```
///
/// # Reference
///
/// Rendered from this catalog by [`Catalog::render_reference`] (and checked
/// against it by the test suite):
///
#[doc = include_str!("../../../docs/presets/workspace.md")]
#[must_use]
pub fn workspace() -> Catalog {
    let org = S::ORGANIZATION;
    let admin = Role::builder("admin", "Admin")
        .permissions(ADMIN)
        .view_scope(org)
        .manage_scope(org)
        .build();
    let developer = Role::builder("developer", "Developer")
        .permissions(DEVELOPER)
        .view_scope(org)
        .manage_scope(org)
        .build();
    let editor = Role::builder("editor", "Editor")
        .permissions(EDITOR)
        .view_scope(org)
        .manage_scope(org)
        .build();
    let member = Role::builder("member", "Member")
        .permissions(MEMBER)
        .view_scope(org)
        .build();
    let disabled = Role::builder("disabled", "Disabled").disabled().build();

    let policy = DirectoryRules {
        default_role: Some(RoleKey::new("member")),
        owner_successor: None,
        min_admins: Some(AdminMinimum {
            role: RoleKey::new("admin"),
            count: 2,
        }),
        profile_required_for_role_change: false,
    };
    let row = MatrixRow::permissions;
    let section = |title: &str, rows: Vec<MatrixRow>| MatrixSection {
        title: Some(title.to_owned()),
        rows,
    };
    let matrix = Matrix {
        columns: ["member", "editor", "developer", "admin"]
            .into_iter()
            .map(RoleKey::new)
            .collect(),
        yes: "✅".to_owned(),
        no: "❌".to_owned(),
        sections: vec![
            section(
                "AI Chat",
                vec![
                    row("Create new chat", P::AI_CHAT_CREATE),
                    row("Send messages to AI", P::AI_CHAT_SEND),
                    row("View chat history", P::AI_CHAT_HISTORY),
                    row("Delete/rename chat", P::AI_CHAT_MANAGE),
                ],
            ),
            section(
                "Knowledge Base",
                vec![
                    row("View documents", P::DOCUMENT_VIEW),
                    row("Upload/edit/delete documents", P::DOCUMENT_MANAGE),
                    row("View products", P::PRODUCT_VIEW),
                    row("Manage products", P::PRODUCT_MANAGE),
                    row("View customers", P::CUSTOMER_VIEW),
                    row("Manage customers", P::CUSTOMER_MANAGE),
                    row("View vendors", P::VENDOR_VIEW),
                    row("Manage vendors", P::VENDOR_MANAGE),
                    row("View websites", P::WEBSITE_VIEW),
                    row("Manage websites", P::WEBSITE_MANAGE),
                    row("View tone of voice", P::TONE_VIEW),
                    row("Manage tone of voice", P::TONE_MANAGE),
                ],
            ),
            section(
                "Conversations (Customer Communication)",
                vec![
                    row("View conversation list", P::CONVERSATION_VIEW),
                    row("View conversation details", P::CONVERSATION_VIEW),
                    row("Reply to customers", P::CONVERSATION_REPLY),
                    row("Close/reopen conversations", P::CONVERSATION_CLOSE),
                    row("Mark as spam", P::CONVERSATION_SPAM),
                ],
            ),
            section(
                "Approvals",
                vec![
                    row("View pending approvals", P::APPROVAL_VIEW),
                    row("Approve/reject", P::APPROVAL_DECIDE),
                ],
            ),
            section(
                "Automations",
                vec![
                    row("View workflow list", P::WORKFLOW_VIEW),
                    row("Create/edit workflows", P::WORKFLOW_EDIT),
                    row("View execution logs", P::EXECUTION_LOG_VIEW),
                ],
            ),
            section(
                "Integrations",
                vec![
                    row("View integrations", P::INTEGRATION_VIEW),
                    row("Configure email integration", P::EMAIL_INTEGRATION),
                    row("Configure OneDrive sync", P::ONEDRIVE_SYNC),
                    row("Manage API integrations", P::API_INTEGRATION),
                ],
            ),
            section(
                "Organization Management",
                vec![
                    row("View organization info", P::ORGANIZATION_VIEW),
                    row("Edit organization settings", P::ORGANIZATION_EDIT),
                    row("View member list", P::MEMBER_VIEW),
                    row("Add/remove members", MEMBERS_ADD_REMOVE),
                    row("Change member roles", P::MEMBER_ROLE_CHANGE),
                ],
            ),
            section(
                "Account Settings",
                vec![
                    row("Edit personal info", P::PROFILE_EDIT),
                    row("Change password", P::PASSWORD_CHANGE),
                ],
            ),
        ],
    };
    built(
        Catalog::new("workspace", [admin, developer, editor, member, disabled])
            .and_then(|c| c.with_policy(policy))
            .and_then(|c| c.with_matrix(matrix)),
    )
}
