//! The helpdesk source document, cell by cell: the Feature Permission
//! Comparison Table (11 features × 5 roles), both scope rows, the example of
//! A and B in Team 1, and the rendered role permission list. The tables below
//! are copied from the document, not derived from the preset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::model::TargetProblem;
use purview::{
    can, preset, Action, Actor, Assignment, ContactId, Conversation, ConversationId, Decision,
    MemberId, OrgId, Reason, Resource, TeamId,
};

const ROLES: [&str; 5] = ["owner", "primary_admin", "admin", "primary_agent", "agent"];

/// "2. Feature Permission Comparison Table", the nine checkmark rows, as
/// written; the two scope rows follow in `VIEW_SCOPE` and `ASSIGNMENT_SCOPE`.
const FEATURES: [(&str, [bool; 5]); 9] = [
    (
        "Organization Profile Settings",
        [true, true, false, false, false],
    ),
    ("Create / Delete Teams", [true, true, false, false, false]),
    ("Edit Team Member Setup", [true, true, true, false, false]),
    (
        "Auto-assignment Rule Settings",
        [true, true, false, false, false],
    ),
    ("Edit Contact Information", [true, true, true, true, false]),
    ("View Contact Information", [true, true, true, true, true]),
    ("Analytics Dashboard", [true, true, true, false, false]),
    (
        "Edit Quick Reply Templates",
        [true, true, true, false, false],
    ),
    ("Create Invitation Link", [true, true, true, true, true]),
];

/// The two scope rows, as written.
const VIEW_SCOPE: [&str; 5] = [
    "Entire organization",
    "Entire organization",
    "Unassigned + Assigned team only",
    "Unassigned + Assigned team only",
    "Unassigned + Assigned team only",
];
const ASSIGNMENT_SCOPE: [&str; 5] = [
    "Entire organization",
    "Entire organization",
    "Unassigned + assigned team",
    "Unassigned + self",
    "Unassigned + self",
];

const ORG: OrgId = OrgId(1);
const MY_TEAM: TeamId = TeamId(1);
const OTHER_TEAM: TeamId = TeamId(2);
const ME: MemberId = MemberId(10);
const TEAMMATE: MemberId = MemberId(11);
const STRANGER: MemberId = MemberId(12);

fn actor(role: &str) -> Actor {
    let c = preset::helpdesk();
    Actor::member(ORG, ME, c.role(role).unwrap(), [MY_TEAM])
}

/// The actions a feature row stands for, each on its resource.
fn feature_checks(feature: &str, actor: &Actor) -> Vec<Decision> {
    let catalog = preset::helpdesk();
    let agent = catalog.role("agent").unwrap();
    let org = Resource::Organization(ORG);
    let my_team = Resource::Team {
        org: ORG,
        team: MY_TEAM,
    };
    let contact = Resource::Contact {
        org: ORG,
        contact: ContactId(5),
    };
    let link = Resource::Invitation {
        org: ORG,
        role: agent,
    };
    match feature {
        "Organization Profile Settings" => vec![can(actor, Action::EditOrganization, &org)],
        "Create / Delete Teams" => vec![
            can(actor, Action::CreateTeam, &org),
            can(actor, Action::DeleteTeam, &my_team),
        ],
        "Edit Team Member Setup" => vec![can(actor, Action::EditTeamMembers, &my_team)],
        "Auto-assignment Rule Settings" => vec![can(actor, Action::EditAutoAssignment, &org)],
        "Edit Contact Information" => vec![can(actor, Action::EditContact, &contact)],
        "View Contact Information" => vec![can(actor, Action::ViewContact, &contact)],
        "Analytics Dashboard" => vec![can(actor, Action::ViewAnalytics, &org)],
        "Edit Quick Reply Templates" => vec![can(actor, Action::EditQuickReplies, &org)],
        "Create Invitation Link" => vec![can(actor, Action::CreateInvitationLink, &link)],
        other => panic!("no mapping for {other}"),
    }
}

#[test]
fn every_cell_of_the_feature_permission_comparison_table() {
    let mut checked = 0;
    for (feature, cells) in FEATURES {
        for (role, expected) in ROLES.iter().zip(cells) {
            for decision in feature_checks(feature, &actor(role)) {
                assert_eq!(
                    decision.is_allowed(),
                    expected,
                    "{feature} for {role}: {decision}"
                );
                if !expected {
                    assert!(
                        matches!(decision.reason(), Some(Reason::MissingPermission { .. })),
                        "{feature} for {role}: {decision}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked, 50,
        "9 rows × 5 roles, Create / Delete Teams checked twice"
    );
}

/// Where a conversation sits, relative to `ME` (in `MY_TEAM` with `TEAMMATE`).
const PLACES: [(&str, Assignment); 8] = [
    ("unassigned", Assignment::Unassigned),
    ("my team only", Assignment::Team { team: MY_TEAM }),
    ("other team only", Assignment::Team { team: OTHER_TEAM }),
    (
        "my team, teammate",
        Assignment::TeamMember {
            team: MY_TEAM,
            member: TEAMMATE,
        },
    ),
    (
        "my team, me",
        Assignment::TeamMember {
            team: MY_TEAM,
            member: ME,
        },
    ),
    (
        "other team, stranger",
        Assignment::TeamMember {
            team: OTHER_TEAM,
            member: STRANGER,
        },
    ),
    ("me only", Assignment::Member { member: ME }),
    ("stranger only", Assignment::Member { member: STRANGER }),
];

/// SPEC §3 helpdesk: view scope per role over `PLACES`.
const CAN_VIEW: [[bool; 8]; 5] = [
    [true; 8],
    [true; 8],
    [true, true, false, true, true, false, true, false],
    [true, true, false, true, true, false, true, false],
    [true, true, false, true, true, false, true, false],
];

/// SPEC §3 helpdesk: manual assignment (manage) scope per role over `PLACES`.
const CAN_REASSIGN: [[bool; 8]; 5] = [
    [true; 8],
    [true; 8],
    [true, true, false, true, true, false, true, false],
    [true, false, false, false, true, false, true, false],
    [true, false, false, false, true, false, true, false],
];

fn conversation(a: Assignment) -> Conversation {
    Conversation::new(ConversationId(1), ORG, ContactId(1)).assigned(a)
}

#[test]
fn both_scope_rows_as_text_and_as_behaviour() {
    let catalog = preset::helpdesk();
    let matrix = catalog.matrix();
    let rows = &matrix.sections[0].rows;
    for (i, role) in ROLES.iter().enumerate() {
        let r = catalog.role(role).unwrap();
        assert_eq!(matrix.cell(&rows[0], r), VIEW_SCOPE[i], "{role}");
        assert_eq!(matrix.cell(&rows[1], r), ASSIGNMENT_SCOPE[i], "{role}");
        let a = actor(role);
        for (j, (place, assignment)) in PLACES.iter().enumerate() {
            let c = conversation(*assignment);
            let res = Resource::Conversation(&c);
            assert_eq!(
                can(&a, Action::ViewConversation, &res).is_allowed(),
                CAN_VIEW[i][j],
                "{role} view {place}"
            );
            let reassign = can(&a, Action::AssignConversation, &res);
            assert_eq!(
                reassign.is_allowed(),
                CAN_REASSIGN[i][j],
                "{role} reassign {place}"
            );
            if !CAN_REASSIGN[i][j] {
                assert!(
                    matches!(
                        reassign.reason(),
                        Some(Reason::ConversationOutOfScope { .. })
                    ),
                    "{reassign}"
                );
            }
        }
    }
}

#[test]
fn the_example_scenario_a_and_b_in_team_1() {
    // | Conversation Assignment | Can A view? | Can A reassign? |
    let table = [
        (
            "Assigned to A",
            Assignment::Member { member: ME },
            true,
            true,
        ),
        (
            "Assigned to Team 1 (no specific user)",
            Assignment::Team { team: MY_TEAM },
            true,
            false,
        ),
        (
            "Assigned to Team 1 — B",
            Assignment::TeamMember {
                team: MY_TEAM,
                member: TEAMMATE,
            },
            true,
            false,
        ),
    ];
    let a = actor("agent");
    for (label, assignment, view, reassign) in table {
        let c = conversation(assignment);
        let res = Resource::Conversation(&c);
        assert_eq!(
            can(&a, Action::ViewConversation, &res).is_allowed(),
            view,
            "{label}"
        );
        assert_eq!(
            can(&a, Action::AssignConversation, &res).is_allowed(),
            reassign,
            "{label}"
        );
    }
}

#[test]
fn replying_and_closing_use_the_manage_scope() {
    let a = actor("agent");
    let c = conversation(Assignment::TeamMember {
        team: MY_TEAM,
        member: TEAMMATE,
    });
    let res = Resource::Conversation(&c);
    assert!(can(&a, Action::ViewConversation, &res).is_allowed());
    for action in [
        Action::ReplyConversation,
        Action::CloseConversation,
        Action::MarkSpam,
    ] {
        let d = can(&a, action, &res);
        assert_eq!(
            d.to_string(),
            "denied: conversation assigned to a teammate is outside the manage scope"
        );
    }
    let admin = actor("admin");
    assert!(can(&admin, Action::ReplyConversation, &res).is_allowed());
}

fn reassign(role: &str, to: Assignment, to_member_teams: &[TeamId]) -> Decision {
    let c = conversation(Assignment::Unassigned);
    can(
        &actor(role),
        Action::AssignConversation,
        &Resource::Reassignment {
            conversation: &c,
            to,
            to_member_teams,
        },
    )
}

#[test]
fn the_assignment_scope_bounds_the_target() {
    let other_team = Assignment::Team { team: OTHER_TEAM };
    let stranger = Assignment::Member { member: STRANGER };
    let teammate = Assignment::Member { member: TEAMMATE };
    for role in ["owner", "primary_admin"] {
        assert!(reassign(role, other_team, &[]).is_allowed());
        assert!(reassign(role, stranger, &[OTHER_TEAM]).is_allowed());
        assert!(reassign(
            role,
            Assignment::TeamMember {
                team: OTHER_TEAM,
                member: STRANGER
            },
            &[OTHER_TEAM]
        )
        .is_allowed());
    }
    // Admin: unassigned, one of their teams, or a member of one of their teams.
    assert!(reassign("admin", Assignment::Unassigned, &[]).is_allowed());
    assert!(reassign("admin", Assignment::Team { team: MY_TEAM }, &[]).is_allowed());
    assert!(reassign("admin", teammate, &[MY_TEAM]).is_allowed());
    assert!(reassign(
        "admin",
        Assignment::TeamMember {
            team: MY_TEAM,
            member: TEAMMATE
        },
        &[MY_TEAM]
    )
    .is_allowed());
    assert_eq!(
        reassign("admin", other_team, &[]).reason(),
        Some(Reason::TargetNotAllowed {
            problem: TargetProblem::Team
        })
    );
    assert_eq!(
        reassign("admin", stranger, &[OTHER_TEAM]).reason(),
        Some(Reason::TargetNotAllowed {
            problem: TargetProblem::Member
        })
    );
    // Primary Agent and Agent: unassigned or themselves only.
    for role in ["primary_agent", "agent"] {
        assert!(reassign(role, Assignment::Unassigned, &[]).is_allowed());
        assert!(reassign(role, Assignment::Member { member: ME }, &[MY_TEAM]).is_allowed());
        assert_eq!(
            reassign(role, Assignment::Team { team: MY_TEAM }, &[]).reason(),
            Some(Reason::TargetNotAllowed {
                problem: TargetProblem::Team
            })
        );
        assert_eq!(
            reassign(role, teammate, &[MY_TEAM]).reason(),
            Some(Reason::TargetNotAllowed {
                problem: TargetProblem::Member
            })
        );
    }
    // A team + member target needs the member in that team, for everyone.
    for role in ROLES {
        assert_eq!(
            reassign(
                role,
                Assignment::TeamMember {
                    team: MY_TEAM,
                    member: STRANGER
                },
                &[OTHER_TEAM]
            )
            .reason(),
            Some(Reason::TargetNotAllowed {
                problem: TargetProblem::MemberNotInTeam
            }),
            "{role}"
        );
    }
}

#[test]
fn an_admin_edits_team_members_only_in_their_own_teams() {
    let admin = actor("admin");
    assert!(can(
        &admin,
        Action::EditTeamMembers,
        &Resource::Team {
            org: ORG,
            team: MY_TEAM
        }
    )
    .is_allowed());
    assert_eq!(
        can(
            &admin,
            Action::EditTeamMembers,
            &Resource::Team {
                org: ORG,
                team: OTHER_TEAM
            }
        )
        .reason(),
        Some(Reason::TeamNotJoined)
    );
    assert!(can(
        &actor("primary_admin"),
        Action::EditTeamMembers,
        &Resource::Team {
            org: ORG,
            team: OTHER_TEAM
        }
    )
    .is_allowed());
}

#[test]
fn an_invitation_link_grants_no_role_above_its_creator() {
    let catalog = preset::helpdesk();
    let link = |creator: &str, role: &str| {
        can(
            &actor(creator),
            Action::CreateInvitationLink,
            &Resource::Invitation {
                org: ORG,
                role: catalog.role(role).unwrap(),
            },
        )
    };
    for role in ["admin", "primary_agent", "agent"] {
        assert!(link("admin", role).is_allowed(), "{role}");
    }
    assert_eq!(
        link("admin", "primary_admin").reason(),
        Some(Reason::RoleExceedsOwn)
    );
    assert_eq!(link("admin", "owner").reason(), Some(Reason::UniqueRole));
    assert_eq!(
        link("agent", "primary_agent").reason(),
        Some(Reason::RoleExceedsOwn)
    );
    assert!(link("agent", "agent").is_allowed());
    assert!(link("primary_admin", "primary_admin").is_allowed());
    assert_eq!(link("owner", "owner").reason(), Some(Reason::UniqueRole));
}

#[test]
fn member_management_is_for_owner_and_primary_admin() {
    let catalog = preset::helpdesk();
    let agent_role = catalog.role("agent").unwrap();
    let member = Resource::Member {
        org: ORG,
        member: STRANGER,
    };
    let org = Resource::Organization(ORG);
    let invite = Resource::Invitation {
        org: ORG,
        role: agent_role,
    };
    for (i, role) in ROLES.iter().enumerate() {
        let a = actor(role);
        let expected = i < 2;
        for d in [
            can(&a, Action::InviteMembers, &invite),
            can(&a, Action::ImportMembers, &org),
            can(&a, Action::ChangeMemberRole, &member),
            can(&a, Action::RemoveMember, &member),
        ] {
            assert_eq!(d.is_allowed(), expected, "{role}: {d}");
        }
    }
}

/// The document's table, as written (empty cells collapsed as in the source).
const SEED_TABLE: &str = "\
| Feature | Owner | Primary Admin | Admin | Primary Agent | Agent |
|---|---|---|---|---|---|
| Conversation Filter Scope | Entire organization | Entire organization | Unassigned + Assigned team only | Unassigned + Assigned team only | Unassigned + Assigned team only |
| Manual Assignment Scope | Entire organization | Entire organization | Unassigned + assigned team | Unassigned + self | Unassigned + self |
| Organization Profile Settings | ✓ | ✓ | |||
| Create / Delete Teams | ✓ | ✓ | |||
| Edit Team Member Setup | ✓ | ✓ | ✓ | ||
| Auto-assignment Rule Settings | ✓ | ✓ | |||
| Edit Contact Information | ✓ | ✓ | ✓ | ✓ | |
| View Contact Information | ✓ | ✓ | ✓ | ✓ | ✓ |
| Analytics Dashboard | ✓ | ✓ | ✓ | ||
| Edit Quick Reply Templates | ✓ | ✓ | ✓ | ||
| Create Invitation Link | ✓ | ✓ | ✓ | ✓ | ✓ |
";

/// Rows of a Markdown table as cells; missing trailing cells are empty.
fn cells(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .map(|l| {
            let mut row: Vec<String> = l
                .trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect();
            row.resize(6, String::new());
            row.truncate(6);
            row
        })
        .collect()
}

#[test]
fn the_rendered_matrix_equals_the_documents_table() {
    let rendered = preset::helpdesk().render_markdown();
    assert_eq!(cells(&rendered), cells(SEED_TABLE), "{rendered}");
}
