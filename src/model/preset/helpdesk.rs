//! The helpdesk preset.

use super::{ACCOUNT, MEMBER_MANAGEMENT};
use crate::model::catalog::{Catalog, DirectoryRules};
use crate::model::matrix::{Matrix, MatrixCell, MatrixRow, MatrixSection, ScopeLabel};
use crate::model::permission::Permissions as P;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::{ConversationScope as S, Reach};

/// Everything a member handles in a conversation: view, reply, close and
/// reopen, mark as spam, assign. The scopes decide which conversations.
const CONVERSATIONS: P = P::CONVERSATION_VIEW
    .union(P::CONVERSATION_REPLY)
    .union(P::CONVERSATION_CLOSE)
    .union(P::CONVERSATION_SPAM)
    .union(P::CONVERSATION_ASSIGN);

/// Owner and Primary Admin: "exactly the same as the Owner".
const FULL: P = CONVERSATIONS
    .union(ACCOUNT)
    .union(P::ORGANIZATION_VIEW)
    .union(P::ORGANIZATION_EDIT)
    .union(P::TEAM_MANAGE)
    .union(P::TEAM_MEMBERS_EDIT)
    .union(P::AUTO_ASSIGNMENT_EDIT)
    .union(P::CONTACT_EDIT)
    .union(P::CONTACT_VIEW)
    .union(P::ANALYTICS_VIEW)
    .union(P::QUICK_REPLY_EDIT)
    .union(MEMBER_MANAGEMENT);

const ADMIN: P = CONVERSATIONS
    .union(ACCOUNT)
    .union(P::TEAM_MEMBERS_EDIT)
    .union(P::CONTACT_EDIT)
    .union(P::CONTACT_VIEW)
    .union(P::ANALYTICS_VIEW)
    .union(P::QUICK_REPLY_EDIT)
    .union(P::INVITATION_LINK_CREATE)
    .union(P::MEMBER_VIEW);

const PRIMARY_AGENT: P = CONVERSATIONS
    .union(ACCOUNT)
    .union(P::CONTACT_EDIT)
    .union(P::CONTACT_VIEW)
    .union(P::INVITATION_LINK_CREATE);

const AGENT: P = CONVERSATIONS
    .union(ACCOUNT)
    .union(P::CONTACT_VIEW)
    .union(P::INVITATION_LINK_CREATE);

/// Unassigned + their teams + assigned to themselves.
const TEAM_SCOPE: S = S::UNASSIGNED.union(S::MY_TEAMS).union(S::ASSIGNED_TO_ME);
/// Unassigned + themselves.
const SELF_SCOPE: S = S::UNASSIGNED.union(S::ASSIGNED_TO_ME);

/// The helpdesk catalog: Owner, Primary Admin, Admin, Primary Agent, Agent.
///
/// The feature table of the source document, cell by cell, with these
/// readings where it is silent:
///
/// - Conversation view scope: Owner and Primary Admin the whole
///   organization; the others unassigned + their teams + assigned to themselves.
/// - Manual assignment (manage) scope: Owner and Primary Admin the whole
///   organization; Admin unassigned + their teams (teammates' conversations
///   included) + themselves; Primary Agent and Agent unassigned + themselves.
///   The same scope bounds where a conversation may be assigned to.
/// - Replying, closing, reopening and marking spam are handling a
///   conversation and use the manage scope: an Agent sees a teammate's
///   conversation but cannot answer it.
/// - An Admin edits the members of their own teams only.
/// - Adding users by email, importing users and changing roles need member
///   management, which Owner and Primary Admin hold; every role creates
///   invitation links, for a role that does not exceed its own.
/// - The Owner is unique; a transfer makes the old Owner a Primary Admin.
///   A role change needs the member's name, display name and phone.
///
/// # Examples
///
/// ```
/// let helpdesk = purview::preset::helpdesk();
/// let names: Vec<_> = helpdesk.roles().map(|r| r.name()).collect();
/// assert_eq!(names, ["Owner", "Primary Admin", "Admin", "Primary Agent", "Agent"]);
/// ```
///
/// # Reference
///
/// Rendered from this catalog by [`Catalog::render_reference`] (and checked
/// against it by the test suite):
///
#[doc = include_str!("../../../docs/presets/helpdesk.md")]
#[must_use]
pub fn helpdesk() -> Catalog {
    let owner = Role::builder("owner", "Owner")
        .permissions(FULL)
        .view_scope(S::ORGANIZATION)
        .manage_scope(S::ORGANIZATION)
        .unique()
        .build();
    let primary_admin = Role::builder("primary_admin", "Primary Admin")
        .permissions(FULL)
        .view_scope(S::ORGANIZATION)
        .manage_scope(S::ORGANIZATION)
        .build();
    let admin = Role::builder("admin", "Admin")
        .permissions(ADMIN)
        .view_scope(TEAM_SCOPE)
        .manage_scope(TEAM_SCOPE)
        .team_reach(Reach::Own)
        .build();
    let primary_agent = Role::builder("primary_agent", "Primary Agent")
        .permissions(PRIMARY_AGENT)
        .view_scope(TEAM_SCOPE)
        .manage_scope(SELF_SCOPE)
        .team_reach(Reach::Own)
        .build();
    let agent = Role::builder("agent", "Agent")
        .permissions(AGENT)
        .view_scope(TEAM_SCOPE)
        .manage_scope(SELF_SCOPE)
        .team_reach(Reach::Own)
        .build();

    let policy = DirectoryRules {
        default_role: Some(RoleKey::new("agent")),
        owner_successor: Some(RoleKey::new("primary_admin")),
        min_admins: None,
        profile_required_for_role_change: true,
    };
    let row = MatrixRow::permissions;
    let matrix = Matrix {
        columns: ["owner", "primary_admin", "admin", "primary_agent", "agent"]
            .into_iter()
            .map(RoleKey::new)
            .collect(),
        yes: "✓".to_owned(),
        no: String::new(),
        sections: vec![MatrixSection {
            title: None,
            rows: vec![
                MatrixRow {
                    feature: "Conversation Filter Scope".to_owned(),
                    cell: MatrixCell::ViewScope(vec![
                        ScopeLabel::new(S::ORGANIZATION, "Entire organization"),
                        ScopeLabel::new(TEAM_SCOPE, "Unassigned + Assigned team only"),
                    ]),
                },
                MatrixRow {
                    feature: "Manual Assignment Scope".to_owned(),
                    cell: MatrixCell::ManageScope(vec![
                        ScopeLabel::new(S::ORGANIZATION, "Entire organization"),
                        ScopeLabel::new(TEAM_SCOPE, "Unassigned + assigned team"),
                        ScopeLabel::new(SELF_SCOPE, "Unassigned + self"),
                    ]),
                },
                row("Organization Profile Settings", P::ORGANIZATION_EDIT),
                row("Create / Delete Teams", P::TEAM_MANAGE),
                row("Edit Team Member Setup", P::TEAM_MEMBERS_EDIT),
                row("Auto-assignment Rule Settings", P::AUTO_ASSIGNMENT_EDIT),
                row("Edit Contact Information", P::CONTACT_EDIT),
                row("View Contact Information", P::CONTACT_VIEW),
                row("Analytics Dashboard", P::ANALYTICS_VIEW),
                row("Edit Quick Reply Templates", P::QUICK_REPLY_EDIT),
                row("Create Invitation Link", P::INVITATION_LINK_CREATE),
            ],
        }],
    };
    built(
        Catalog::new(
            "helpdesk",
            [owner, primary_admin, admin, primary_agent, agent],
        )
        .and_then(|c| c.with_policy(policy))
        .and_then(|c| c.with_matrix(matrix)),
    )
}

/// Presets are constant data checked by tests: a failure here is a bug in the
/// crate, reported by the preset tests, never reachable by input.
pub(crate) fn built(result: Result<Catalog, crate::model::catalog::CatalogError>) -> Catalog {
    match result {
        Ok(c) => c,
        #[expect(
            clippy::panic,
            reason = "presets are constants validated by the test suite"
        )]
        Err(e) => panic!("built-in preset is invalid: {e}"),
    }
}
