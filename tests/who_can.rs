//! Who can: `OrgState::who_can` names exactly the members for whom `can`
//! allows, over random organizations of every preset (roles, statuses,
//! teams, bot grants), every action and every kind of resource.
//!
//! Properties run 10,000 cases; `PURVIEW_PROPTEST_CASES=N` changes that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::cases;
use proptest::prelude::*;
use purview::model::MemberStatus;
use purview::record::{Change, Member, Organization};
use purview::{
    can, preset, Action, Actor, AiChatId, Assignment, BotId, ContactId, Conversation,
    ConversationId, Document, DocumentId, KnowledgeBase, KnowledgeBaseId, MemberId, OrgId,
    OrgState, Resource, RoleKey, TeamId,
};
use std::sync::Arc;

const ORG: OrgId = OrgId(1);

/// A member as drawn: role index, status, teams, bots.
type Drawn = (usize, u8, Vec<u64>, Vec<u64>);

fn members() -> impl Strategy<Value = Vec<Drawn>> {
    proptest::collection::vec(
        (
            0usize..8,
            0u8..4,
            proptest::collection::vec(1u64..5, 0..3),
            proptest::collection::vec(1u64..4, 0..2),
        ),
        0..24,
    )
}

fn state(catalog: usize, drawn: &[Drawn]) -> OrgState {
    let catalog = preset::all().swap_remove(catalog);
    let roles: Vec<RoleKey> = catalog.roles().map(|r| r.key().clone()).collect();
    let mut state = OrgState::new(Organization {
        id: ORG,
        name: "Random".into(),
        catalog: Arc::new(catalog),
        seat_limit: 1_000,
        settings: Default::default(),
    });
    for (i, (role, status, teams, bots)) in drawn.iter().enumerate() {
        let mut teams: Vec<TeamId> = teams.iter().copied().map(TeamId).collect();
        teams.sort_unstable();
        teams.dedup();
        let mut bots: Vec<BotId> = bots.iter().copied().map(BotId).collect();
        bots.sort_unstable();
        bots.dedup();
        let member = Member {
            id: MemberId(i as u64 + 1),
            email: format!("m{i}@acme.test"),
            user_code: None,
            user_name: None,
            display_name: None,
            phone: None,
            role: roles[role % roles.len()].clone(),
            teams,
            bots,
            bot_levels: Vec::new(),
            status: match status {
                0 => MemberStatus::Disabled,
                1 => MemberStatus::Invited,
                _ => MemberStatus::Active,
            },
        };
        state.apply(&Change::PutMember(Arc::new(member)));
    }
    state
}

fn assignment(a: u8, team: u64, member: u64) -> Assignment {
    match a % 4 {
        0 => Assignment::Unassigned,
        1 => Assignment::Team { team: TeamId(team) },
        2 => Assignment::TeamMember {
            team: TeamId(team),
            member: MemberId(member),
        },
        _ => Assignment::Member {
            member: MemberId(member),
        },
    }
}

/// Every member, decided one by one by `can`: what `who_can` must equal.
fn by_can(state: &OrgState, action: Action, resource: &Resource<'_>) -> Vec<MemberId> {
    state
        .members
        .values()
        .filter(|m| {
            let actor = Actor::Member(state.actor(m.id).unwrap());
            can(&actor, action, resource).is_allowed()
        })
        .map(|m| m.id)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn who_can_names_exactly_the_members_can_allows(
        catalog in 0usize..4,
        drawn in members(),
        action in (0..Action::ALL.len()).prop_map(|i| Action::ALL[i]),
        kind in 0usize..10,
        (a, to, team, member) in (0u8..4, 0u8..4, 1u64..5, 1u64..26),
        other_org in proptest::bool::weighted(0.1),
    ) {
        let state = state(catalog, &drawn);
        let org = if other_org { OrgId(2) } else { ORG };
        let conv = Conversation::new(ConversationId(1), org, ContactId(1))
            .assigned(assignment(a, team, member));
        let kb = KnowledgeBase { id: KnowledgeBaseId(team), org, audience: None };
        let doc = Document { id: DocumentId(1), org, knowledge_base: KnowledgeBaseId(team), audience: None };
        let to_teams = [TeamId(team)];
        let roles: Vec<_> = state.org.catalog.roles().collect();
        let resource = match kind {
            0 => Resource::Organization(org),
            1 => Resource::Conversation(&conv),
            2 => Resource::Reassignment {
                conversation: &conv,
                to: assignment(to, team, member),
                to_member_teams: &to_teams,
            },
            3 => Resource::Team { org, team: TeamId(team) },
            4 => Resource::Bot { org, bot: BotId(team % 4) },
            5 => Resource::KnowledgeBase(&kb),
            6 => Resource::Document { knowledge_base: &kb, document: &doc },
            7 => Resource::AiChat { org, chat: AiChatId(1), owner: MemberId(member) },
            8 => Resource::Member { org, member: MemberId(member) },
            _ => Resource::Invitation { org, role: roles[member as usize % roles.len()] },
        };
        prop_assert_eq!(
            state.who_can(action, &resource),
            by_can(&state, action, &resource),
            "{} on {:?}", action, resource.kind()
        );
    }
}

#[test]
fn a_team_conversation_s_eligible_assignees_are_its_team_and_the_organization_wide_roles() {
    // Helpdesk: Owner and Primary Admin manage every conversation; an Admin
    // manages their teams'; agents only unassigned ones and their own.
    let drawn: Vec<Drawn> = vec![
        (0, 3, vec![], vec![]),  // 1: owner
        (2, 3, vec![1], vec![]), // 2: admin in team 1
        (2, 3, vec![2], vec![]), // 3: admin in team 2
        (2, 0, vec![1], vec![]), // 4: admin in team 1, disabled
        (4, 3, vec![1], vec![]), // 5: agent in team 1
    ];
    let state = state(0, &drawn);
    let conv = Conversation::new(ConversationId(1), ORG, ContactId(1))
        .assigned(Assignment::Team { team: TeamId(1) });
    let resource = Resource::Reassignment {
        conversation: &conv,
        to: Assignment::TeamMember {
            team: TeamId(1),
            member: MemberId(5),
        },
        to_member_teams: &[TeamId(1)],
    };
    assert_eq!(
        state.who_can(Action::AssignConversation, &resource),
        [MemberId(1), MemberId(2)]
    );
    assert_eq!(
        state.who_can(Action::AssignConversation, &resource),
        by_can(&state, Action::AssignConversation, &resource)
    );
}
