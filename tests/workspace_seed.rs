//! The workspace source document (seed 003), cell by cell: all eight tables
//! of its permission matrix for Member, Editor, Developer and Admin, the
//! Disabled role, the privacy of AI chats, organization-wide conversations,
//! the security notes (two Admins, no change of one's own role), the rendered
//! matrix, and a property test of `can` against a literal model.
//!
//! The tables are copied from the document below, not derived from the preset.
//! The property runs 10,000 cases; `PURVIEW_PROPTEST_CASES=N` changes that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use purview::executor::block_on;
use purview::{
    can, preset, Action, Actor, AiChatId, Assignment, ContactId, Conversation, ConversationId,
    Directory, DirectoryError, Document, DocumentId, KnowledgeBase, KnowledgeBaseId, MemberId,
    MemoryStore, NewOrganization, OrgId, Profile, Reason, Resource, RoleKey, TeamId,
};

/// The "Permission Matrix" of the document, as written.
const SEED: &str = "\
AI Chat
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| Create new chat | ✅ | ✅ | ✅ | ✅ |
| Send messages to AI | ✅ | ✅ | ✅ | ✅ |
| View chat history | ✅ | ✅ | ✅ | ✅ |
| Delete/rename chat | ✅ | ✅ | ✅ | ✅ |
Knowledge Base
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| View documents | ✅ | ✅ | ✅ | ✅ |
| Upload/edit/delete documents | ❌ | ✅ | ✅ | ✅ |
| View products | ✅ | ✅ | ✅ | ✅ |
| Manage products | ❌ | ✅ | ✅ | ✅ |
| View customers | ✅ | ✅ | ✅ | ✅ |
| Manage customers | ❌ | ✅ | ✅ | ✅ |
| View vendors | ✅ | ✅ | ✅ | ✅ |
| Manage vendors | ❌ | ✅ | ✅ | ✅ |
| View websites | ✅ | ✅ | ✅ | ✅ |
| Manage websites | ❌ | ✅ | ✅ | ✅ |
| View tone of voice | ✅ | ✅ | ✅ | ✅ |
| Manage tone of voice | ❌ | ✅ | ✅ | ✅ |
Conversations (Customer Communication)
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| View conversation list | ✅ | ✅ | ✅ | ✅ |
| View conversation details | ✅ | ✅ | ✅ | ✅ |
| Reply to customers | ❌ | ✅ | ✅ | ✅ |
| Close/reopen conversations | ❌ | ✅ | ✅ | ✅ |
| Mark as spam | ❌ | ✅ | ✅ | ✅ |
Approvals
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| View pending approvals | ✅ | ✅ | ✅ | ✅ |
| Approve/reject | ❌ | ✅ | ✅ | ✅ |
Automations
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| View workflow list | ❌ | ❌ | ✅ | ✅ |
| Create/edit workflows | ❌ | ❌ | ✅ | ✅ |
| View execution logs | ❌ | ❌ | ✅ | ✅ |
Integrations
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| View integrations | ❌ | ❌ | ✅ | ✅ |
| Configure email integration | ❌ | ❌ | ✅ | ✅ |
| Configure OneDrive sync | ❌ | ❌ | ✅ | ✅ |
| Manage API integrations | ❌ | ❌ | ✅ | ✅ |
Organization Management
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| View organization info | ❌ | ❌ | ❌ | ✅ |
| Edit organization settings | ❌ | ❌ | ❌ | ✅ |
| View member list | ❌ | ❌ | ❌ | ✅ |
| Add/remove members | ❌ | ❌ | ❌ | ✅ |
| Change member roles | ❌ | ❌ | ❌ | ✅ |
Account Settings
| Feature | Member | Editor | Developer | Admin |
|---|---|---|---|---|
| Edit personal info | ✅ | ✅ | ✅ | ✅ |
| Change password | ✅ | ✅ | ✅ | ✅ |
";

/// The table's columns, in order.
const COLUMNS: [&str; 4] = ["member", "editor", "developer", "admin"];

const ORG: OrgId = OrgId(1);
const ME: MemberId = MemberId(10);
const OTHER: MemberId = MemberId(11);

/// Every row of the seed's tables: (feature, [Member, Editor, Developer, Admin]).
fn seed_rows() -> Vec<(&'static str, [bool; 4])> {
    SEED.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Feature"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let marks: Vec<bool> = cells[1..]
                .iter()
                .map(|c| match *c {
                    "✅" => true,
                    "❌" => false,
                    other => panic!("unexpected mark {other}"),
                })
                .collect();
            (cells[0], marks.try_into().unwrap())
        })
        .collect()
}

/// The objects a check is made on.
struct World {
    kb: KnowledgeBase,
    doc: Document,
    conversation: Conversation,
    member_role: purview::Role,
}

impl World {
    fn new() -> World {
        let kb = KnowledgeBase {
            id: KnowledgeBaseId(1),
            org: ORG,
            audience: None,
        };
        World {
            doc: Document {
                id: DocumentId(1),
                org: ORG,
                knowledge_base: kb.id,
                audience: None,
            },
            kb,
            // Assigned to another member in a team the actor is not in: the
            // workspace's conversations are organization-wide.
            conversation: Conversation::new(ConversationId(1), ORG, ContactId(1)).assigned(
                Assignment::TeamMember {
                    team: TeamId(9),
                    member: OTHER,
                },
            ),
            member_role: preset::workspace().role("member").unwrap().clone(),
        }
    }
}

/// The actions a feature row stands for, each on its resource.
fn checks<'a>(feature: &str, w: &'a World) -> Vec<(Action, Resource<'a>)> {
    use Action as A;
    let org = Resource::Organization(ORG);
    let own_chat = Resource::AiChat {
        org: ORG,
        chat: AiChatId(1),
        owner: ME,
    };
    let me = Resource::Member {
        org: ORG,
        member: ME,
    };
    let other = Resource::Member {
        org: ORG,
        member: OTHER,
    };
    let conv = Resource::Conversation(&w.conversation);
    let doc = Resource::Document {
        knowledge_base: &w.kb,
        document: &w.doc,
    };
    match feature {
        "Create new chat" => vec![(A::CreateAiChat, org)],
        "Send messages to AI" => vec![(A::SendAiMessage, own_chat)],
        "View chat history" => vec![(A::ViewAiChat, own_chat)],
        "Delete/rename chat" => vec![(A::ManageAiChat, own_chat)],
        "View documents" => vec![
            (A::ViewDocuments, org),
            (A::ViewDocuments, Resource::KnowledgeBase(&w.kb)),
            (A::ViewDocuments, doc),
        ],
        "Upload/edit/delete documents" => {
            vec![(A::ManageDocuments, org), (A::ManageDocuments, doc)]
        }
        "View products" => vec![(A::ViewProducts, org)],
        "Manage products" => vec![(A::ManageProducts, org)],
        "View customers" => vec![(A::ViewCustomers, org)],
        "Manage customers" => vec![(A::ManageCustomers, org)],
        "View vendors" => vec![(A::ViewVendors, org)],
        "Manage vendors" => vec![(A::ManageVendors, org)],
        "View websites" => vec![(A::ViewWebsites, org)],
        "Manage websites" => vec![(A::ManageWebsites, org)],
        "View tone of voice" => vec![(A::ViewToneOfVoice, org)],
        "Manage tone of voice" => vec![(A::ManageToneOfVoice, org)],
        "View conversation list" => vec![(A::ListConversations, org)],
        "View conversation details" => vec![(A::ViewConversation, conv)],
        "Reply to customers" => vec![(A::ReplyConversation, conv)],
        "Close/reopen conversations" => vec![(A::CloseConversation, conv)],
        "Mark as spam" => vec![(A::MarkSpam, conv)],
        "View pending approvals" => vec![(A::ViewApprovals, org)],
        "Approve/reject" => vec![(A::DecideApprovals, org)],
        "View workflow list" => vec![(A::ViewWorkflows, org)],
        "Create/edit workflows" => vec![(A::EditWorkflows, org)],
        "View execution logs" => vec![(A::ViewExecutionLogs, org)],
        "View integrations" => vec![(A::ViewIntegrations, org)],
        "Configure email integration" => vec![(A::ConfigureEmailIntegration, org)],
        "Configure OneDrive sync" => vec![(A::ConfigureOneDriveSync, org)],
        "Manage API integrations" => vec![(A::ManageApiIntegrations, org)],
        "View organization info" => vec![(A::ViewOrganization, org)],
        "Edit organization settings" => vec![(A::EditOrganization, org)],
        "View member list" => vec![(A::ViewMembers, org), (A::ViewMembers, other)],
        "Add/remove members" => vec![
            (A::InviteMembers, org),
            (
                A::InviteMembers,
                Resource::Invitation {
                    org: ORG,
                    role: &w.member_role,
                },
            ),
            (
                A::CreateInvitationLink,
                Resource::Invitation {
                    org: ORG,
                    role: &w.member_role,
                },
            ),
            (A::ManageInvitations, org),
            (A::RemoveMember, other),
            (A::EditMember, other),
        ],
        "Change member roles" => vec![(A::ChangeMemberRole, other)],
        "Edit personal info" => vec![(A::EditOwnProfile, me)],
        "Change password" => vec![(A::ChangeOwnPassword, me)],
        other => panic!("no checks for feature {other}"),
    }
}

fn actor(role: &str) -> Actor {
    Actor::member(ORG, ME, preset::workspace().role(role).unwrap(), [])
}

#[test]
fn every_cell_of_the_eight_tables() {
    let w = World::new();
    let rows = seed_rows();
    assert_eq!(rows.len(), 4 + 12 + 5 + 2 + 3 + 4 + 5 + 2);
    for (feature, marks) in rows {
        for (column, role) in COLUMNS.iter().enumerate() {
            let actor = actor(role);
            for (action, resource) in checks(feature, &w) {
                let decision = can(&actor, action, &resource);
                assert_eq!(
                    decision.is_allowed(),
                    marks[column],
                    "{feature} / {role}: {action} → {decision}"
                );
                if !marks[column] {
                    assert!(
                        matches!(decision.reason(), Some(Reason::MissingPermission { .. })),
                        "{feature} / {role}: {decision}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_rendered_matrix_equals_the_seed_tables() {
    let mut expected = String::new();
    // Each section: its title line, then its table; rendered as a `###` heading.
    let mut first = true;
    for line in SEED.lines() {
        if line.starts_with('|') {
            expected.push_str(line);
            expected.push('\n');
        } else {
            if !first {
                expected.push('\n');
            }
            first = false;
            expected.push_str(&format!("### {line}\n\n"));
        }
    }
    assert_eq!(preset::workspace().render_markdown(), expected);
}

#[test]
fn disabled_may_do_nothing_at_all() {
    let w = World::new();
    let disabled = actor("disabled");
    let chat = Resource::AiChat {
        org: ORG,
        chat: AiChatId(1),
        owner: ME,
    };
    let mut resources = vec![
        Resource::Organization(ORG),
        Resource::Conversation(&w.conversation),
        Resource::KnowledgeBase(&w.kb),
        Resource::Document {
            knowledge_base: &w.kb,
            document: &w.doc,
        },
        chat,
        Resource::Member {
            org: ORG,
            member: ME,
        },
    ];
    resources.push(Resource::Invitation {
        org: ORG,
        role: &w.member_role,
    });
    for action in Action::ALL {
        for resource in &resources {
            assert_eq!(
                can(&disabled, *action, resource).reason(),
                Some(Reason::ActorDisabled),
                "{action}"
            );
        }
    }
    // Not even their own account.
    assert!(!preset::workspace()
        .role("disabled")
        .unwrap()
        .permissions()
        .contains(purview::Permissions::PROFILE_EDIT));
}

#[test]
fn each_member_sees_only_their_own_ai_chats() {
    let others = Resource::AiChat {
        org: ORG,
        chat: AiChatId(2),
        owner: OTHER,
    };
    for role in COLUMNS {
        let actor = actor(role);
        for action in [
            Action::SendAiMessage,
            Action::ViewAiChat,
            Action::ManageAiChat,
        ] {
            assert_eq!(
                can(&actor, action, &others).reason(),
                Some(Reason::NotChatOwner),
                "{role} {action}"
            );
        }
    }
}

#[test]
fn conversations_are_organization_wide() {
    for a in [
        Assignment::Unassigned,
        Assignment::Team { team: TeamId(3) },
        Assignment::Member { member: OTHER },
        Assignment::TeamMember {
            team: TeamId(4),
            member: OTHER,
        },
    ] {
        let c = Conversation::new(ConversationId(1), ORG, ContactId(1)).assigned(a);
        let conv = Resource::Conversation(&c);
        assert!(can(&actor("member"), Action::ViewConversation, &conv).is_allowed());
        for role in ["editor", "developer", "admin"] {
            assert!(can(&actor(role), Action::ReplyConversation, &conv).is_allowed());
            assert!(can(&actor(role), Action::CloseConversation, &conv).is_allowed());
        }
    }
}

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        user_name: Some("n".into()),
        display_name: Some("N".into()),
        phone: None,
        user_code: None,
    }
}

/// An organization with two Admins and an Editor.
fn organization() -> (Directory<MemoryStore>, MemberId, MemberId, MemberId) {
    let dir = Directory::new(MemoryStore::new());
    let first = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Acme".into(),
        catalog: preset::workspace(),
        seat_limit: 10,
        founder: profile("first@acme.test"),
        founder_role: Some(RoleKey::new("admin")),
    }))
    .unwrap();
    let join = |email: &str, role: &str| {
        let inv = block_on(dir.invite(ORG, first, email, role)).unwrap();
        block_on(dir.accept_invitation(&inv[0].secret, profile(email)))
            .unwrap()
            .1
    };
    let second = join("second@acme.test", "admin");
    let editor = join("editor@acme.test", "editor");
    (dir, first, second, editor)
}

#[test]
fn security_note_at_least_two_admins() {
    let (dir, first, second, _) = organization();
    let before = block_on(dir.snapshot(ORG)).unwrap();
    for attempt in [
        block_on(dir.change_role(ORG, first, second, "editor")).err(),
        block_on(dir.remove_member(ORG, second, first)).err(),
        block_on(dir.set_member_status(ORG, first, second, purview::MemberStatus::Disabled)).err(),
        block_on(dir.change_role(ORG, second, first, "disabled")).err(),
    ] {
        assert!(
            matches!(attempt, Some(DirectoryError::TooFewAdmins { .. })),
            "{attempt:?}"
        );
    }
    assert_eq!(*block_on(dir.snapshot(ORG)).unwrap(), *before);
}

#[test]
fn security_note_users_cannot_change_their_own_role() {
    let (dir, first, _, editor) = organization();
    assert!(matches!(
        block_on(dir.change_role(ORG, first, first, "developer")),
        Err(DirectoryError::OwnRole)
    ));
    // An Editor cannot change roles at all, their own included.
    assert!(matches!(
        block_on(dir.change_role(ORG, editor, editor, "admin")),
        Err(DirectoryError::OwnRole | DirectoryError::Denied(_))
    ));
    // Another administrator must make the change.
    block_on(dir.change_role(ORG, first, editor, "developer")).unwrap();
}

#[test]
fn security_note_data_isolation() {
    let w = World::new();
    let stranger = Actor::member(OrgId(2), ME, preset::workspace().role("admin").unwrap(), []);
    for action in Action::ALL {
        for resource in [
            Resource::Organization(ORG),
            Resource::Conversation(&w.conversation),
            Resource::KnowledgeBase(&w.kb),
        ] {
            assert_eq!(
                can(&stranger, *action, &resource).reason(),
                Some(Reason::OtherOrganization)
            );
        }
    }
}

// ---- The property: `can` equals the literal model. ----

use common::cases;

/// Which seed rows an action needs (all of them): the literal model.
fn rows_for(action: Action) -> &'static [&'static str] {
    use Action as A;
    match action {
        A::CreateAiChat => &["Create new chat"],
        A::SendAiMessage => &["Send messages to AI"],
        A::ViewAiChat => &["View chat history"],
        A::ManageAiChat => &["Delete/rename chat"],
        A::ViewDocuments => &["View documents"],
        A::ManageDocuments => &["Upload/edit/delete documents"],
        A::ViewProducts => &["View products"],
        A::ManageProducts => &["Manage products"],
        A::ViewCustomers => &["View customers"],
        A::ManageCustomers => &["Manage customers"],
        A::ViewVendors => &["View vendors"],
        A::ManageVendors => &["Manage vendors"],
        A::ViewWebsites => &["View websites"],
        A::ManageWebsites => &["Manage websites"],
        A::ViewToneOfVoice => &["View tone of voice"],
        A::ManageToneOfVoice => &["Manage tone of voice"],
        A::ListConversations => &["View conversation list"],
        A::ViewConversation => &["View conversation details"],
        A::ReplyConversation => &["Reply to customers"],
        A::CloseConversation => &["Close/reopen conversations"],
        A::MarkSpam => &["Mark as spam"],
        A::ViewApprovals => &["View pending approvals"],
        A::DecideApprovals => &["Approve/reject"],
        A::ViewWorkflows => &["View workflow list"],
        A::EditWorkflows => &["Create/edit workflows"],
        A::ViewExecutionLogs => &["View execution logs"],
        A::ViewIntegrations => &["View integrations"],
        A::ConfigureEmailIntegration => &["Configure email integration"],
        A::ConfigureOneDriveSync => &["Configure OneDrive sync"],
        A::ManageApiIntegrations => &["Manage API integrations"],
        A::ViewOrganization => &["View organization info"],
        A::EditOrganization => &["Edit organization settings"],
        A::ViewMembers => &["View member list"],
        A::InviteMembers
        | A::CreateInvitationLink
        | A::ManageInvitations
        | A::RemoveMember
        | A::EditMember => &["Add/remove members"],
        A::ChangeMemberRole => &["Change member roles"],
        A::ImportMembers => &["Add/remove members", "Change member roles"],
        A::EditOwnProfile => &["Edit personal info"],
        A::ChangeOwnPassword => &["Change password"],
        // Everything else (teams, assignment, contacts, bots, knowledge-base
        // administration, role templates) is not part of this product.
        _ => &["(none)"],
    }
}

fn model_holds(role: usize, action: Action) -> bool {
    let rows = seed_rows();
    rows_for(action).iter().all(|needed| {
        rows.iter()
            .find(|(f, _)| f == needed)
            .is_some_and(|(_, marks)| marks[role])
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn can_equals_the_literal_model(
        role in 0usize..5,
        action in (0..Action::ALL.len()).prop_map(|i| Action::ALL[i]),
        kind in 0usize..7,
        who in 10u64..13,
        grant in 0usize..5,
    ) {
        // Role 4 is Disabled; 0..4 are the table's columns.
        let roles = ["member", "editor", "developer", "admin", "disabled"];
        let catalog = preset::workspace();
        let actor = Actor::member(ORG, ME, catalog.role(roles[role]).unwrap(), []);
        let w = World::new();
        let granted = catalog.role(roles[grant]).unwrap();
        let resource = match kind {
            0 => Resource::Organization(ORG),
            1 => Resource::Conversation(&w.conversation),
            2 => Resource::KnowledgeBase(&w.kb),
            3 => Resource::Document { knowledge_base: &w.kb, document: &w.doc },
            4 => Resource::AiChat { org: ORG, chat: AiChatId(1), owner: MemberId(who) },
            5 => Resource::Member { org: ORG, member: MemberId(who) },
            _ => Resource::Invitation { org: ORG, role: granted },
        };
        // Grant order by containment: Member < Editor < Developer < Admin;
        // Disabled grants nothing and so exceeds nothing.
        let may_grant = grant == 4 || grant <= role;
        let expected = role < 4
            && action.applies_to(resource.kind())
            && model_holds(role, action)
            && match resource {
                Resource::AiChat { owner, .. } => owner == ME,
                Resource::Member { member, .. } => {
                    !matches!(action, Action::EditOwnProfile | Action::ChangeOwnPassword) || member == ME
                }
                Resource::Invitation { .. } => may_grant,
                _ => true,
            };
        let decision = can(&actor, action, &resource);
        prop_assert_eq!(decision.is_allowed(), expected, "{} by {} on {:?}: {}", action, roles[role], resource.kind(), decision);
    }
}
