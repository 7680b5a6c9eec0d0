//! Property tests of evaluation.
//!
//! - The conversation filter agrees with `can` on every input.
//! - Nothing crosses organizations.
//! - `can` with the helpdesk preset equals a literal model of the source
//!   document's tables and the specification's readings, written out below
//!   without looking at the preset's data.
//! - For a member of any role and status, `can` gives the first of rules 2
//!   to 5 that fails, in the specification's order.
//!
//! Each property runs 10,000 cases; `PURVIEW_PROPTEST_CASES=N` changes that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::World;
use proptest::prelude::*;
use purview::model::MemberStatus;
use purview::{
    can, preset, Action, Actor, ApiKeyId, Assignment, Attributes, BotId, ContactId, Conversation,
    ConversationFilter, ConversationId, MemberActor, MemberId, OrgId, Permissions, Resource,
    TeamId,
};

use common::cases;

const ROLES: [&str; 5] = ["owner", "primary_admin", "admin", "primary_agent", "agent"];

fn assignment() -> impl Strategy<Value = Assignment> {
    prop_oneof![
        Just(Assignment::Unassigned),
        (1u64..TEAMS).prop_map(|t| Assignment::Team { team: TeamId(t) }),
        (1u64..TEAMS, 1u64..5).prop_map(|(t, m)| Assignment::TeamMember {
            team: TeamId(t),
            member: MemberId(m)
        }),
        (1u64..5).prop_map(|m| Assignment::Member {
            member: MemberId(m)
        }),
    ]
}

fn conversation() -> impl Strategy<Value = Conversation> {
    // Some conversations have no contact at hand.
    (
        1u64..3,
        proptest::option::weighted(0.8, 1u64..4),
        assignment(),
    )
        .prop_map(|(org, contact, a)| {
            match contact {
                Some(contact) => {
                    Conversation::new(ConversationId(1), OrgId(org), ContactId(contact))
                }
                None => Conversation::without_contact(ConversationId(1), OrgId(org)),
            }
            .assigned(a)
        })
}

/// Team ids drawn from `1..TEAMS`; a member is in up to 15 of them, so
/// that both the scan over a handful of teams and the binary search beyond
/// are checked.
const TEAMS: u64 = 14;

fn teams() -> impl Strategy<Value = Vec<TeamId>> {
    prop_oneof![
        proptest::collection::vec((1u64..TEAMS).prop_map(TeamId), 0..3),
        proptest::collection::vec((1u64..TEAMS).prop_map(TeamId), 9..16),
    ]
}

fn member() -> impl Strategy<Value = (usize, u64, u64, Vec<TeamId>, bool)> {
    (
        0usize..5,
        1u64..3,
        1u64..5,
        teams(),
        proptest::bool::weighted(0.9),
    )
}

fn build_member((role, org, id, teams, active): (usize, u64, u64, Vec<TeamId>, bool)) -> Actor {
    let catalog = preset::helpdesk();
    let status = if active {
        MemberStatus::Active
    } else {
        MemberStatus::Disabled
    };
    MemberActor::new(
        OrgId(org),
        MemberId(id),
        catalog.role(ROLES[role]).unwrap(),
        teams,
    )
    .with_status(status)
    .into()
}

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        8 => member().prop_map(build_member),
        1 => (1u64..3, prop_oneof![4 => 1u64..4, 1 => Just(ContactId::NONE.0)]).prop_map(|(org, id)| Actor::contact(OrgId(org), ContactId(id), Attributes::new())),
        1 => (1u64..3, 0u64..u64::MAX).prop_map(|(org, bits)| {
            Actor::api_key(OrgId(org), ApiKeyId(1), BotId(1), Permissions::from_bits_truncate(bits))
        }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    (0..Action::ALL.len()).prop_map(|i| Action::ALL[i])
}

/// Actions each role holds, transcribed from the feature table and the
/// specification's readings (member management for Owner and Primary Admin;
/// every role handles conversations and creates invitation links; everyone
/// edits their own profile and password).
fn holds(role: &str, action: Action) -> bool {
    use Action as A;
    const CONVERSATIONS: [Action; 6] = [
        A::ViewConversation,
        A::ListConversations,
        A::ReplyConversation,
        A::CloseConversation,
        A::MarkSpam,
        A::AssignConversation,
    ];
    const EVERYONE: [Action; 4] = [
        A::ViewContact,
        A::CreateInvitationLink,
        A::EditOwnProfile,
        A::ChangeOwnPassword,
    ];
    const ADMINS: [Action; 16] = [
        A::ViewOrganization,
        A::EditOrganization,
        A::CreateTeam,
        A::RenameTeam,
        A::DeleteTeam,
        A::EditAutoAssignment,
        A::InviteMembers,
        A::ImportMembers,
        A::RemoveMember,
        A::EditMember,
        A::ChangeMemberRole,
        A::ManageInvitations,
        A::EditTeamMembers,
        A::ViewAnalytics,
        A::EditQuickReplies,
        A::EditContact,
    ];
    if CONVERSATIONS.contains(&action) || EVERYONE.contains(&action) {
        return true;
    }
    match role {
        "owner" | "primary_admin" => ADMINS.contains(&action) || action == A::ViewMembers,
        "admin" => matches!(
            action,
            A::EditTeamMembers
                | A::ViewAnalytics
                | A::EditQuickReplies
                | A::EditContact
                | A::ViewMembers
        ),
        "primary_agent" => action == A::EditContact,
        _ => false,
    }
}

/// Which roles a role may grant by invitation: not the unique Owner, and not a
/// role that exceeds the creator's (Owner = Primary Admin > Admin > Primary
/// Agent > Agent in this catalog).
fn may_grant(creator: usize, role: usize) -> bool {
    let level = [4, 4, 3, 2, 1];
    role != 0 && level[role] <= level[creator]
}

#[derive(Clone, Copy)]
enum Scope {
    Organization,
    TeamsAndSelf,
    SelfOnly,
}

fn view_scope(role: usize) -> Scope {
    if role < 2 {
        Scope::Organization
    } else {
        Scope::TeamsAndSelf
    }
}

fn manage_scope(role: usize) -> Scope {
    match role {
        0 | 1 => Scope::Organization,
        2 => Scope::TeamsAndSelf,
        _ => Scope::SelfOnly,
    }
}

fn in_scope(scope: Scope, me: MemberId, teams: &[TeamId], a: Assignment) -> bool {
    let teams_ok = matches!(scope, Scope::TeamsAndSelf);
    match (scope, a) {
        (Scope::Organization, _) | (_, Assignment::Unassigned) => true,
        (_, Assignment::Team { team }) => teams_ok && teams.contains(&team),
        (_, Assignment::TeamMember { team, member }) => {
            (teams_ok && teams.contains(&team)) || member == me
        }
        (_, Assignment::Member { member }) => member == me,
    }
}

fn target_ok(
    role: usize,
    me: MemberId,
    teams: &[TeamId],
    to: Assignment,
    to_teams: &[TeamId],
) -> bool {
    if let Assignment::TeamMember { team, .. } = to {
        if !to_teams.contains(&team) {
            return false;
        }
    }
    let scope = manage_scope(role);
    match (scope, to) {
        (Scope::Organization, _) | (_, Assignment::Unassigned) => true,
        (Scope::TeamsAndSelf, Assignment::Team { team }) => teams.contains(&team),
        (Scope::TeamsAndSelf, Assignment::TeamMember { team, member }) => {
            teams.contains(&team) || member == me
        }
        (Scope::TeamsAndSelf, Assignment::Member { member }) => {
            member == me || to_teams.iter().any(|t| teams.contains(t))
        }
        (Scope::SelfOnly, Assignment::Team { .. }) => false,
        (
            Scope::SelfOnly,
            Assignment::TeamMember { member, .. } | Assignment::Member { member },
        ) => member == me,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn an_assignment_is_its_team_and_member(a in assignment()) {
        prop_assert_eq!(Assignment::from_parts(a.team(), a.member()), a);
    }

    #[test]
    fn the_filter_agrees_with_can(actor in actor(), c in conversation()) {
        for action in Action::ALL.iter().filter(|a| a.scope_use().is_some()) {
            let filter = ConversationFilter::for_action(&actor, *action);
            let decision = can(&actor, *action, &Resource::Conversation(&c));
            prop_assert_eq!(filter.matches(&c), decision.is_allowed(), "{} {:?}", action, decision);
        }
    }

    #[test]
    fn nothing_crosses_organizations(actor in actor(), action in action(), index in 0usize..64) {
        let other = World::new(OrgId(actor.org().get() + 100));
        let resources = other.resources();
        let resource = &resources[index % resources.len()];
        prop_assert_eq!(can(&actor, action, resource).reason(), Some(purview::Reason::OtherOrganization));
    }

    #[test]
    fn can_equals_the_literal_model(
        role in 0usize..5,
        me in 1u64..5,
        my_teams in teams(),
        action in action(),
        a in assignment(),
        to in assignment(),
        to_teams in teams(),
        team in 1u64..4,
        other_member in 1u64..5,
        grant in 0usize..5,
        kind in 0usize..6,
    ) {
        let catalog = preset::helpdesk();
        let me = MemberId(me);
        let actor = Actor::member(OrgId(1), me, catalog.role(ROLES[role]).unwrap(), my_teams.clone());
        let c = Conversation::new(ConversationId(1), OrgId(1), ContactId(1)).assigned(a);
        let granted = catalog.role(ROLES[grant]).unwrap();
        let resource = match kind {
            0 => Resource::Organization(OrgId(1)),
            1 => Resource::Team { org: OrgId(1), team: TeamId(team) },
            2 => Resource::Member { org: OrgId(1), member: MemberId(other_member) },
            3 => Resource::Invitation { org: OrgId(1), role: granted },
            4 => Resource::Conversation(&c),
            _ => Resource::Reassignment { conversation: &c, to, to_member_teams: &to_teams },
        };
        let expected = action.applies_to(resource.kind())
            && holds(ROLES[role], action)
            && match resource {
                Resource::Team { team, .. } => role < 2 || my_teams.contains(&team),
                Resource::Member { member, .. } => {
                    !matches!(action, Action::EditOwnProfile | Action::ChangeOwnPassword) || member == me
                }
                Resource::Invitation { .. } => may_grant(role, grant),
                Resource::Conversation(_) => {
                    let scope = if action == Action::ViewConversation { view_scope(role) } else { manage_scope(role) };
                    in_scope(scope, me, &my_teams, a)
                }
                Resource::Reassignment { .. } => {
                    in_scope(manage_scope(role), me, &my_teams, a) && target_ok(role, me, &my_teams, to, &to_teams)
                }
                _ => true,
            };
        let decision = can(&actor, action, &resource);
        prop_assert_eq!(decision.is_allowed(), expected, "{} by {} on {:?}: {}", action, ROLES[role], resource.kind(), decision);
    }
}

#[test]
fn a_contact_sees_its_own_conversations_and_never_one_without_a_contact() {
    let contact = Actor::contact(OrgId(1), ContactId(3), Attributes::new());
    let own = Conversation::new(ConversationId(1), OrgId(1), ContactId(3));
    let other = Conversation::new(ConversationId(2), OrgId(1), ContactId(4));
    let none = Conversation::without_contact(ConversationId(3), OrgId(1));
    let view = |c: &Conversation| {
        can(
            &contact,
            Action::ViewConversation,
            &Resource::Conversation(c),
        )
    };
    assert!(view(&own).is_allowed());
    assert_eq!(
        view(&other).reason(),
        Some(purview::Reason::NotOwnConversation)
    );
    assert_eq!(
        view(&none).reason(),
        Some(purview::Reason::NotOwnConversation)
    );
    let filter = ConversationFilter::view(&contact);
    assert!(filter.matches(&own) && !filter.matches(&other) && !filter.matches(&none));
    // The id that stands for no contact is nobody's: it sees nothing.
    let nobody = Actor::contact(OrgId(1), ContactId::NONE, Attributes::new());
    let filter = ConversationFilter::view(&nobody);
    assert!(!filter.matches(&none) && !filter.matches(&own));
    assert_eq!(
        can(
            &nobody,
            Action::ViewConversation,
            &Resource::Conversation(&none)
        )
        .reason(),
        Some(purview::Reason::NotOwnConversation)
    );
}

/// A role of random fields, disabling or not.
fn any_role() -> impl Strategy<Value = purview::Role> {
    use purview::{ConversationScope, KnowledgeBaseId, KnowledgeRefs, Reach, Role};
    (
        any::<u64>(),
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(proptest::collection::vec(1u64..5, 0..3)),
        proptest::bool::weighted(0.2),
    )
        .prop_map(|(bits, view, manage, teams, bots, refs, disabled)| {
            let reach = |own| if own { Reach::Own } else { Reach::All };
            // Few permissions, so that one role often covers another.
            let mut b = Role::builder("r", "R")
                .permissions(Permissions::from_bits_truncate(bits & 0b1111))
                .view_scope(ConversationScope::from_bits_truncate(view))
                .manage_scope(ConversationScope::from_bits_truncate(manage))
                .team_reach(reach(teams))
                .bot_reach(reach(bots))
                .knowledge(match refs {
                    None => KnowledgeRefs::All,
                    Some(ids) => KnowledgeRefs::only(ids.into_iter().map(KnowledgeBaseId)),
                });
            if disabled {
                b = b.disabled();
            }
            b.build()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// `grants_beyond` is containment of what each role grants as `can`
    /// reads it (a disabling role grants nothing): the definition, written
    /// out through the accessors.
    #[test]
    fn grants_beyond_is_containment_of_what_each_role_grants(a in any_role(), b in any_role()) {
        let covered = b.permissions().contains(a.permissions())
            && b.view_scope().covers(a.view_scope())
            && b.manage_scope().covers(a.manage_scope())
            && b.team_reach().covers(a.team_reach())
            && b.bot_reach().covers(a.bot_reach())
            && b.knowledge().covers(a.knowledge());
        prop_assert_eq!(a.grants_beyond(&b), !covered);
        prop_assert!(!a.grants_beyond(&a));
    }

    /// An invitation is allowed exactly when the role invited to is not
    /// unique and grants nothing beyond the inviter's role, whatever the two
    /// roles hold (lists of knowledge bases, a disabling role on either
    /// side); a refusal names the unique role before the excess. `can`
    /// takes a shortcut for roles that are surely covered; this holds it
    /// to the rule.
    #[test]
    fn an_invitation_is_judged_by_uniqueness_then_containment(
        mine in any_role(),
        theirs in any_role(),
        unique in proptest::bool::weighted(0.25),
    ) {
        use purview::Reason;
        let mine = mine.to_builder().permissions(Permissions::all()).build();
        let theirs = if unique { theirs.to_builder().unique().build() } else { theirs };
        let actor = Actor::member(OrgId(1), MemberId(1), &mine, [TeamId(1)]);
        let decision = can(
            &actor,
            Action::InviteMembers,
            &Resource::Invitation { org: OrgId(1), role: &theirs },
        );
        let expected = if mine.is_disabled() {
            Some(Reason::ActorDisabled)
        } else if unique {
            Some(Reason::UniqueRole)
        } else if theirs.grants_beyond(&mine) {
            Some(Reason::RoleExceedsOwn)
        } else {
            None
        };
        prop_assert_eq!(decision.reason(), expected);
    }
}

/// The status of a member: mostly active.
fn any_status() -> impl Strategy<Value = MemberStatus> {
    prop_oneof![
        6 => Just(MemberStatus::Active),
        1 => Just(MemberStatus::Disabled),
        1 => Just(MemberStatus::Invited),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// For a member of any role (any permissions and scopes, disabling or
    /// not) and any status, `can` on the organization and on a conversation
    /// gives the first of rules 2 to 5 that fails, written out here from the
    /// specification: the actor is enabled, the action applies, the role
    /// holds every bit, the conversation is in the scope that judges the
    /// action.
    #[test]
    fn a_member_is_judged_by_the_rules_in_order(
        bits in prop_oneof![Just(u64::MAX), any::<u64>()],
        view in any::<u8>(),
        manage in any::<u8>(),
        disabling in proptest::bool::weighted(0.2),
        status in any_status(),
        action in action(),
        my_teams in teams(),
        a in assignment(),
        on_conversation in any::<bool>(),
    ) {
        use purview::model::ScopeUse;
        use purview::{ConversationScope as S, Reason};
        let mut role = purview::Role::builder("r", "R")
            .permissions(Permissions::from_bits_truncate(bits))
            .view_scope(S::from_bits_truncate(view))
            .manage_scope(S::from_bits_truncate(manage));
        if disabling {
            role = role.disabled();
        }
        let role = role.build();
        let me = MemberId(3);
        let actor: Actor = MemberActor::new(OrgId(1), me, &role, my_teams.clone())
            .with_status(status)
            .into();
        let c = Conversation::new(ConversationId(1), OrgId(1), ContactId(1)).assigned(a);
        let resource = if on_conversation {
            Resource::Conversation(&c)
        } else {
            Resource::Organization(OrgId(1))
        };
        // A scope's flags, read literally.
        let in_scope = |scope: S| {
            let teams = scope.contains(S::MY_TEAMS);
            let mine = scope.contains(S::ASSIGNED_TO_ME);
            scope.contains(S::ORGANIZATION)
                || match a {
                    Assignment::Unassigned => scope.contains(S::UNASSIGNED),
                    Assignment::Team { team } => teams && my_teams.contains(&team),
                    Assignment::TeamMember { team, member } => {
                        (teams && my_teams.contains(&team)) || (mine && member == me)
                    }
                    Assignment::Member { member } => mine && member == me,
                }
        };
        let missing = action.required().difference(role.permissions());
        // Rules 2 to 4, each naming its reason exactly.
        let refused = if status != MemberStatus::Active || disabling {
            Some(Reason::ActorDisabled)
        } else if !action.applies_to(resource.kind()) {
            Some(Reason::NotApplicable { action, resource: resource.kind() })
        } else if !missing.is_empty() {
            Some(Reason::MissingPermission { missing })
        } else {
            None
        };
        // Rule 5 on a conversation: the scope that judges the action.
        let out_of_scope = on_conversation
            && match action.scope_use() {
                Some(ScopeUse::View) => !in_scope(role.view_scope()),
                Some(ScopeUse::Manage) => !in_scope(role.manage_scope()),
                Some(other) => panic!("a scope use this test does not know: {other:?}"),
                None => false,
            };
        let decision = can(&actor, action, &resource);
        match refused {
            Some(reason) => prop_assert_eq!(decision.reason(), Some(reason)),
            None if out_of_scope => prop_assert!(
                matches!(decision.reason(), Some(Reason::ConversationOutOfScope { .. })),
                "{} on a conversation: {}", action, decision
            ),
            None => prop_assert!(decision.is_allowed(), "{} on {:?}: {}", action, resource.kind(), decision),
        }
        if on_conversation && action.scope_use().is_some() {
            let filter = ConversationFilter::for_action(&actor, action);
            prop_assert_eq!(filter.matches(&c), decision.is_allowed());
        }
    }
}
