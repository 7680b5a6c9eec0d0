//! The bot studio preset.

use super::{built, ACCOUNT};
use crate::model::catalog::{AdminMinimum, Catalog, DirectoryRules};
use crate::model::matrix::{Matrix, MatrixRow, MatrixSection};
use crate::model::permission::Permissions as P;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::Reach;

/// What a Client does to the bots granted to them: edit, configure the user
/// interface, view and interact with the conversation history.
const BOT_USE: P = P::BOT_EDIT.union(P::BOT_UI_CONFIGURE).union(P::BOT_HISTORY);

/// An Admin's bot management: everything but deleting.
const BOT_MANAGEMENT: P = P::BOT_CREATE
    .union(P::BOT_CONFIGURE)
    .union(P::BOT_PUBLISH)
    .union(P::API_KEY_GENERATE)
    .union(P::BOT_ACCESS_GRANT)
    .union(BOT_USE);

/// Create, read, update and delete users.
const USER_CRUD: P = P::MEMBER_VIEW
    .union(P::MEMBER_INVITE)
    .union(P::MEMBER_EDIT)
    .union(P::MEMBER_REMOVE)
    .union(P::MEMBER_ROLE_CHANGE);

/// What an API key generated for a bot may do to that bot: interact with its
/// conversation history. A host may give a key less; it never acts on
/// another bot.
pub const API_KEY_PERMISSIONS: P = P::BOT_HISTORY;

/// The bot studio catalog: Admin and Client.
///
/// As the source document lists them:
///
/// - Admin: create, configure and publish bots, generate API keys; manage
///   other Admins (same access level) and Clients, with create, read, update
///   and delete of every user; onboard Admins and Clients by email
///   invitation; create, view and revoke invitations; grant users access to
///   bots.
/// - Client: edit, configure the user interface of, and view and interact
///   with the history of the bots granted to them, and no others.
/// - Nobody deletes a bot.
/// - An API key acts only on its own bot ([`API_KEY_PERMISSIONS`]).
///
/// Readings where the document is silent: both roles edit their own profile
/// and password; invitations are by email only (no invitation links); the
/// organization always keeps at least one Admin; an import with no valid role
/// gives Client.
///
/// # Examples
///
/// ```
/// use purview::{can, preset, Action, Actor, BotId, MemberActor, MemberId, OrgId, Resource};
///
/// let studio = preset::bot_studio();
/// let client = MemberActor::new(OrgId(1), MemberId(2), studio.role("client").unwrap(), [])
///     .with_bots([BotId(7)]);
/// let client = Actor::from(client);
/// let granted = Resource::Bot { org: OrgId(1), bot: BotId(7) };
/// let other = Resource::Bot { org: OrgId(1), bot: BotId(8) };
/// assert!(can(&client, Action::EditBot, &granted).is_allowed());
/// assert_eq!(
///     can(&client, Action::EditBot, &other).to_string(),
///     "denied: the member was not granted access to this bot"
/// );
/// ```
///
/// # Reference
///
/// Rendered from this catalog by [`Catalog::render_reference`] (and checked
/// against it by the test suite):
///
#[doc = include_str!("../../../docs/presets/bot_studio.md")]
#[must_use]
pub fn bot_studio() -> Catalog {
    let admin = Role::builder("admin", "Admin")
        .permissions(BOT_MANAGEMENT | USER_CRUD | P::INVITATION_MANAGE | ACCOUNT)
        .build();
    let client = Role::builder("client", "Client")
        .permissions(BOT_USE | ACCOUNT)
        .bot_reach(Reach::Own)
        .build();

    let policy = DirectoryRules {
        default_role: Some(RoleKey::new("client")),
        owner_successor: None,
        min_admins: Some(AdminMinimum {
            role: RoleKey::new("admin"),
            count: 1,
        }),
        profile_required_for_role_change: false,
    };
    let row = MatrixRow::permissions;
    let matrix = Matrix {
        columns: vec![RoleKey::new("admin"), RoleKey::new("client")],
        yes: "✓".to_owned(),
        no: String::new(),
        sections: vec![
            MatrixSection {
                title: Some("Bot Management".to_owned()),
                rows: vec![
                    row("Create Bot", P::BOT_CREATE),
                    row("Configure Bot", P::BOT_CONFIGURE),
                    row("Publish Bot", P::BOT_PUBLISH),
                    row("Generate API Key", P::API_KEY_GENERATE),
                    row("Delete Bot", P::BOT_DELETE),
                    row("Edit Bot", P::BOT_EDIT),
                    row("Configure Bot UI", P::BOT_UI_CONFIGURE),
                    row("Interact with History", P::BOT_HISTORY),
                ],
            },
            MatrixSection {
                title: Some("User Management".to_owned()),
                rows: vec![
                    row("Manage Admins and Clients", P::MEMBER_VIEW | P::MEMBER_EDIT),
                    row("CRUD Operations for Users", USER_CRUD),
                    row("Onboarding via Email", P::MEMBER_INVITE),
                    row("Invitation Management", P::INVITATION_MANAGE),
                    row("Grant Access to Bots", P::BOT_ACCESS_GRANT),
                ],
            },
        ],
    };
    built(
        Catalog::new("bot_studio", [admin, client])
            .and_then(|c| c.with_policy(policy))
            .and_then(|c| c.with_matrix(matrix)),
    )
}
