//! The bot studio source document (seed 002), item by item: every Admin and
//! Client permission it lists, "Cannot Delete Bot", per-bot access for
//! Clients, API keys scoped to one bot, onboarding by email, the rendered
//! matrix, and a property test of `can` against a literal model.
//!
//! The document's lists are transcribed below, not derived from the preset.
//! The property runs 10,000 cases; `PURVIEW_PROPTEST_CASES=N` changes that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use purview::executor::block_on;
use purview::{
    can, preset, Action, Actor, ApiKeyId, BotId, Directory, MemberActor, MemberId, MemoryStore,
    NewOrganization, OrgId, Profile, Reason, Resource, RoleKey,
};

const ORG: OrgId = OrgId(1);
const ME: MemberId = MemberId(10);
const OTHER: MemberId = MemberId(11);
const GRANTED: BotId = BotId(1);
const NOT_GRANTED: BotId = BotId(2);

/// The document's permission lists: (item, Admin, Client), as written. A
/// Client's items hold for "the bots they have access to".
const ITEMS: [(&str, bool, bool); 13] = [
    // Admin Permissions — Bot Management.
    ("Create Bot", true, false),
    ("Configure Bot", true, false),
    ("Publish Bot", true, false),
    ("Generate API Key", true, false),
    ("Cannot Delete Bot", false, false),
    // Admin Permissions — User Management.
    ("Manage Admins and Clients", true, false),
    ("CRUD Operations for Users", true, false),
    ("Onboarding via Email", true, false),
    ("Invitation Management", true, false),
    ("Grant access to bots", true, false),
    // Client Permissions (Admins have full access to configure all aspects).
    ("Edit Bot", true, true),
    ("Configure Bot UI", true, true),
    ("Interact with History", true, true),
];

fn catalog() -> purview::Catalog {
    preset::bot_studio()
}

fn member(role: &str) -> Actor {
    let c = catalog();
    Actor::from(MemberActor::new(ORG, ME, c.role(role).unwrap(), []).with_bots([GRANTED]))
}

/// The actions an item stands for, each on its resource.
fn checks<'a>(item: &str, roles: &'a purview::Catalog) -> Vec<(Action, Resource<'a>)> {
    use Action as A;
    let org = Resource::Organization(ORG);
    let bot = Resource::Bot {
        org: ORG,
        bot: GRANTED,
    };
    let other = Resource::Member {
        org: ORG,
        member: OTHER,
    };
    let invite = |role: &str| Resource::Invitation {
        org: ORG,
        role: roles.role(role).unwrap(),
    };
    match item {
        "Create Bot" => vec![(A::CreateBot, org)],
        "Configure Bot" => vec![(A::ConfigureBot, bot)],
        "Publish Bot" => vec![(A::PublishBot, bot)],
        "Generate API Key" => vec![(A::GenerateApiKey, bot)],
        "Cannot Delete Bot" => vec![(A::DeleteBot, bot)],
        "Manage Admins and Clients" => vec![
            (A::ViewMembers, other),
            (A::EditMember, other),
            (A::ChangeMemberRole, other),
        ],
        "CRUD Operations for Users" => vec![
            (A::InviteMembers, org),
            (A::ViewMembers, org),
            (A::EditMember, other),
            (A::RemoveMember, other),
        ],
        "Onboarding via Email" => vec![
            (A::InviteMembers, invite("admin")),
            (A::InviteMembers, invite("client")),
        ],
        "Invitation Management" => vec![(A::ManageInvitations, org)],
        "Grant access to bots" => vec![(A::GrantBotAccess, bot)],
        "Edit Bot" => vec![(A::EditBot, bot)],
        "Configure Bot UI" => vec![(A::ConfigureBotUi, bot)],
        "Interact with History" => vec![(A::UseBotHistory, bot)],
        other => panic!("no checks for {other}"),
    }
}

#[test]
fn every_item_for_admin_and_client() {
    let roles = catalog();
    for (item, admin, client) in ITEMS {
        for (role, expected) in [("admin", admin), ("client", client)] {
            let actor = member(role);
            for (action, resource) in checks(item, &roles) {
                let decision = can(&actor, action, &resource);
                assert_eq!(
                    decision.is_allowed(),
                    expected,
                    "{item} / {role}: {action} → {decision}"
                );
                if !expected {
                    assert!(matches!(
                        decision.reason(),
                        Some(Reason::MissingPermission { .. })
                    ));
                }
            }
        }
    }
}

#[test]
fn nobody_deletes_a_bot() {
    for role in catalog().roles() {
        assert!(!role
            .permissions()
            .contains(purview::Permissions::BOT_DELETE));
    }
    // Nor does an API key generated in this preset.
    assert!(!preset::BOT_API_KEY_PERMISSIONS.contains(purview::Permissions::BOT_DELETE));
    let key = Actor::api_key(ORG, ApiKeyId(1), GRANTED, preset::BOT_API_KEY_PERMISSIONS);
    let bot = Resource::Bot {
        org: ORG,
        bot: GRANTED,
    };
    assert!(matches!(
        can(&key, Action::DeleteBot, &bot).reason(),
        Some(Reason::MissingPermission { .. })
    ));
}

#[test]
fn a_client_reaches_only_the_bots_granted_to_them() {
    let client = member("client");
    let other_bot = Resource::Bot {
        org: ORG,
        bot: NOT_GRANTED,
    };
    for action in [
        Action::EditBot,
        Action::ConfigureBotUi,
        Action::UseBotHistory,
    ] {
        assert_eq!(
            can(&client, action, &other_bot).reason(),
            Some(Reason::BotNotGranted),
            "{action}"
        );
    }
    // Admins reach every bot of the organization.
    let admin = member("admin");
    for action in [
        Action::ConfigureBot,
        Action::PublishBot,
        Action::EditBot,
        Action::GenerateApiKey,
        Action::GrantBotAccess,
    ] {
        assert!(can(&admin, action, &other_bot).is_allowed(), "{action}");
    }
}

#[test]
fn an_api_key_acts_only_on_its_own_bot() {
    let key = Actor::api_key(ORG, ApiKeyId(1), GRANTED, preset::BOT_API_KEY_PERMISSIONS);
    let own = Resource::Bot {
        org: ORG,
        bot: GRANTED,
    };
    let other = Resource::Bot {
        org: ORG,
        bot: NOT_GRANTED,
    };
    assert!(can(&key, Action::UseBotHistory, &own).is_allowed());
    assert_eq!(
        can(&key, Action::UseBotHistory, &other).reason(),
        Some(Reason::ApiKeyOtherBot)
    );
    assert!(matches!(
        can(&key, Action::ConfigureBot, &own).reason(),
        Some(Reason::MissingPermission { .. })
    ));
    assert_eq!(
        can(
            &key,
            Action::UseBotHistory,
            &Resource::Bot {
                org: OrgId(2),
                bot: GRANTED
            }
        )
        .reason(),
        Some(Reason::OtherOrganization)
    );
}

#[test]
fn admins_manage_admins_and_clients_and_grant_access_through_the_directory() {
    let profile = |email: &str| Profile {
        email: Some(email.into()),
        ..Profile::default()
    };
    let dir = Directory::new(MemoryStore::new());
    let admin = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Bots".into(),
        catalog: catalog(),
        seat_limit: 5,
        founder: profile("admin@bots.test"),
        founder_role: Some(RoleKey::new("admin")),
    }))
    .unwrap();
    // Onboarding via email: one Admin and one Client.
    let invites = block_on(dir.invite(ORG, admin, "second@bots.test", "admin")).unwrap();
    let (_, second) =
        block_on(dir.accept_invitation(&invites[0].secret, profile("second@bots.test"))).unwrap();
    let invites = block_on(dir.invite(ORG, admin, "client@bots.test", "client")).unwrap();
    let (_, client) =
        block_on(dir.accept_invitation(&invites[0].secret, profile("client@bots.test"))).unwrap();

    // Bots are registered (seed 002 "Create Bot"); grants name them.
    let granted = block_on(dir.create_bot(ORG, admin, "Support bot")).unwrap();
    let other = block_on(dir.create_bot(ORG, admin, "Sales bot")).unwrap();
    let unregistered = block_on(dir.grant_bot(ORG, admin, client, BotId(424_242)));
    assert!(
        matches!(unregistered, Err(purview::DirectoryError::UnknownBot(_))),
        "{unregistered:?}"
    );
    // A Client creates no bot.
    assert!(block_on(dir.create_bot(ORG, client, "Mine")).is_err());

    // Before a grant the Client reaches no bot; after it, that bot only.
    let bot = Resource::Bot {
        org: ORG,
        bot: granted,
    };
    let (actor, _) = block_on(dir.actor(ORG, client)).unwrap();
    assert_eq!(
        can(&actor, Action::EditBot, &bot).reason(),
        Some(Reason::BotNotGranted)
    );
    block_on(dir.grant_bot(ORG, admin, client, granted)).unwrap();
    let (actor, _) = block_on(dir.actor(ORG, client)).unwrap();
    assert!(can(&actor, Action::EditBot, &bot).is_allowed());
    // A Client cannot grant access.
    assert!(block_on(dir.grant_bot(ORG, client, client, other)).is_err());

    // An Admin manages another Admin at the same level, down to Client and back.
    block_on(dir.change_role(ORG, admin, second, "client")).unwrap();
    block_on(dir.change_role(ORG, admin, second, "admin")).unwrap();
    // ...and deletes users.
    block_on(dir.remove_member(ORG, second, client)).unwrap();
    // The last Admin is kept.
    block_on(dir.change_role(ORG, admin, second, "client")).unwrap();
    let last = block_on(dir.remove_member(ORG, admin, admin));
    assert!(
        matches!(last, Err(purview::DirectoryError::TooFewAdmins { .. })),
        "{last:?}"
    );
}

#[test]
fn the_rendered_matrix_lists_the_document_s_items() {
    let expected = "\
### Bot Management

| Feature | Admin | Client |
|---|---|---|
| Create Bot | ✓ | |
| Configure Bot | ✓ | |
| Publish Bot | ✓ | |
| Generate API Key | ✓ | |
| Delete Bot | | |
| Edit Bot | ✓ | ✓ |
| Configure Bot UI | ✓ | ✓ |
| Interact with History | ✓ | ✓ |

### User Management

| Feature | Admin | Client |
|---|---|---|
| Manage Admins and Clients | ✓ | |
| CRUD Operations for Users | ✓ | |
| Onboarding via Email | ✓ | |
| Invitation Management | ✓ | |
| Grant Access to Bots | ✓ | |
";
    assert_eq!(catalog().render_markdown(), expected);
}

// ---- The property: `can` equals the literal model. ----

use common::cases;

/// What each role may do, from the lists above: Admin every item but
/// deleting, plus their own account; Client the three bot items and their own
/// account.
fn model_holds(role: usize, action: Action) -> bool {
    use Action as A;
    let client = matches!(
        action,
        A::EditBot
            | A::ConfigureBotUi
            | A::UseBotHistory
            | A::EditOwnProfile
            | A::ChangeOwnPassword
    );
    let admin = client
        || matches!(
            action,
            A::CreateBot
                | A::ConfigureBot
                | A::PublishBot
                | A::GenerateApiKey
                | A::GrantBotAccess
                | A::ViewMembers
                | A::InviteMembers
                | A::ImportMembers
                | A::EditMember
                | A::RemoveMember
                | A::ChangeMemberRole
                | A::ManageInvitations
        );
    if role == 0 {
        admin
    } else {
        client
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn can_equals_the_literal_model(
        role in 0usize..2,
        action in (0..Action::ALL.len()).prop_map(|i| Action::ALL[i]),
        granted in proptest::collection::vec(1u64..4, 0..3),
        bot in 1u64..4,
        who in 10u64..12,
        grant in 0usize..2,
        kind in 0usize..4,
    ) {
        let roles = ["admin", "client"];
        let c = catalog();
        let actor = Actor::from(
            MemberActor::new(ORG, ME, c.role(roles[role]).unwrap(), [])
                .with_bots(granted.iter().map(|b| BotId(*b))),
        );
        let resource = match kind {
            0 => Resource::Organization(ORG),
            1 => Resource::Bot { org: ORG, bot: BotId(bot) },
            2 => Resource::Member { org: ORG, member: MemberId(who) },
            _ => Resource::Invitation { org: ORG, role: c.role(roles[grant]).unwrap() },
        };
        let expected = action.applies_to(resource.kind())
            && model_holds(role, action)
            && match resource {
                Resource::Bot { bot, .. } => role == 0 || granted.contains(&bot.0),
                Resource::Member { member, .. } => {
                    !matches!(action, Action::EditOwnProfile | Action::ChangeOwnPassword) || member == ME
                }
                // Admin exceeds Client; Client exceeds nothing Admin holds.
                Resource::Invitation { .. } => grant >= role,
                _ => true,
            };
        let decision = can(&actor, action, &resource);
        prop_assert_eq!(decision.is_allowed(), expected, "{} by {} on {:?}: {}", action, roles[role], resource.kind(), decision);
    }
}
