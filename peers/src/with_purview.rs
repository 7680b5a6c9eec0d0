//! The workload in purview: the `helpdesk` preset, `can`, and `ConversationFilter`.

use crate::world::{Assign, Conv, Feature, FeatureReq, ReassignReq, ViewReq, World, ROLES};
use purview::{
    can, preset, Action, Actor, Assignment, ContactId, Conversation, ConversationFilter,
    ConversationId, MemberId, OrgId, Resource, Role, TeamId,
};

pub struct Purview {
    actors: Vec<Actor>,
    /// Teams of every member, by member id, as `Resource::Reassignment` wants them.
    member_teams: Vec<Vec<TeamId>>,
    convs: Vec<Conversation>,
    list: Vec<Conversation>,
    list_actor: usize,
    /// An unassigned conversation of each organization, for the "manual
    /// assignment" feature (every manage scope includes unassigned ones).
    unassigned: [Conversation; 2],
    /// The role an invitation link grants in the "invitation link" feature:
    /// Agent, which no role exceeds.
    agent: Role,
}

pub fn assignment(a: Assign) -> Assignment {
    match a {
        Assign::Unassigned => Assignment::Unassigned,
        Assign::Team(t) => Assignment::Team { team: TeamId(t) },
        Assign::TeamMember(t, m) => Assignment::TeamMember {
            team: TeamId(t),
            member: MemberId(m),
        },
        Assign::Member(m) => Assignment::Member {
            member: MemberId(m),
        },
    }
}

fn conversation(c: &Conv) -> Conversation {
    Conversation::new(ConversationId(c.id), OrgId(c.org), ContactId(c.id))
        .assigned(assignment(c.assign))
}

impl Purview {
    pub fn new(world: &World) -> Purview {
        let catalog = preset::helpdesk();
        let role = |i: usize| match catalog.role(ROLES[i]) {
            Some(r) => r.clone(),
            None => unreachable!("the helpdesk preset has role {}", ROLES[i]),
        };
        let actors = world
            .members
            .iter()
            .map(|m| {
                Actor::member(
                    OrgId(m.org),
                    MemberId(m.id),
                    &role(m.role),
                    m.teams.iter().map(|&t| TeamId(t)),
                )
            })
            .collect();
        let member_teams = world
            .members
            .iter()
            .map(|m| m.teams.iter().map(|&t| TeamId(t)).collect())
            .collect();
        let unassigned = [1, 2]
            .map(|org| Conversation::new(ConversationId(u64::MAX - org), OrgId(org), ContactId(0)));
        Purview {
            actors,
            member_teams,
            convs: world.convs.iter().map(conversation).collect(),
            list: world.list.iter().map(conversation).collect(),
            list_actor: world.list_actor,
            unassigned,
            agent: role(4),
        }
    }

    #[inline]
    pub fn feature(&self, r: &FeatureReq) -> bool {
        let org = OrgId(r.org);
        let org_wide = |action| (action, Resource::Organization(org));
        let (action, resource) = match r.feature {
            Feature::ConversationFilter => org_wide(Action::ListConversations),
            Feature::ManualAssignment => (
                Action::AssignConversation,
                Resource::Conversation(&self.unassigned[(r.org - 1) as usize]),
            ),
            Feature::OrganizationProfile => org_wide(Action::EditOrganization),
            Feature::Teams => org_wide(Action::CreateTeam),
            Feature::TeamMembers => (
                Action::EditTeamMembers,
                Resource::Team {
                    org,
                    team: TeamId(r.team),
                },
            ),
            Feature::AutoAssignment => org_wide(Action::EditAutoAssignment),
            Feature::ContactEdit => org_wide(Action::EditContact),
            Feature::ContactView => org_wide(Action::ViewContact),
            Feature::Analytics => org_wide(Action::ViewAnalytics),
            Feature::QuickReplies => org_wide(Action::EditQuickReplies),
            Feature::InvitationLink => (
                Action::CreateInvitationLink,
                Resource::Invitation {
                    org,
                    role: &self.agent,
                },
            ),
        };
        can(&self.actors[r.member], action, &resource).is_allowed()
    }

    #[inline]
    pub fn view(&self, r: &ViewReq) -> bool {
        can(
            &self.actors[r.member],
            Action::ViewConversation,
            &Resource::Conversation(&self.convs[r.conv]),
        )
        .is_allowed()
    }

    #[inline]
    pub fn reassign(&self, r: &ReassignReq) -> bool {
        let to_member_teams: &[TeamId] = match r.to.member() {
            Some(m) => &self.member_teams[m as usize],
            None => &[],
        };
        can(
            &self.actors[r.member],
            Action::AssignConversation,
            &Resource::Reassignment {
                conversation: &self.convs[r.conv],
                to: assignment(r.to),
                to_member_teams,
            },
        )
        .is_allowed()
    }

    /// The list filter: built once for the actor, applied to every conversation.
    pub fn filter(&self, visible: &mut Vec<bool>) {
        let filter = ConversationFilter::view(&self.actors[self.list_actor]);
        visible.clear();
        visible.extend(self.list.iter().map(|c| filter.matches(c)));
    }

    /// The same, counting only: what the timing runs.
    #[inline]
    pub fn filter_count(&self) -> usize {
        let filter = ConversationFilter::view(std::hint::black_box(&self.actors[self.list_actor]));
        self.list.iter().filter(|c| filter.matches(c)).count()
    }
}
