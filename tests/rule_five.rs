//! Rule 5 for the kinds of resource whose check `can` keeps out of line
//! (teams, members, invitations, bots): the exact decision, reason and
//! payload included, for each way the rule passes or refuses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::{
    can, Action, Actor, BotId, ConversationScope as S, Decision, MemberActor, MemberId, OrgId,
    Permissions as P, Reach, Reason, Resource, Role, TeamId,
};

const ORG: OrgId = OrgId(1);
const ME: MemberId = MemberId(7);

/// A role that reaches only its own teams and bots, and may do the things
/// asked below.
fn lead() -> Role {
    Role::builder("lead", "Lead")
        .permissions(
            P::TEAM_MANAGE
                | P::PROFILE_EDIT
                | P::PASSWORD_CHANGE
                | P::MEMBER_INVITE
                | P::BOT_CONFIGURE
                | P::BOT_PUBLISH,
        )
        .view_scope(S::MY_TEAMS)
        .manage_scope(S::MY_TEAMS)
        .team_reach(Reach::Own)
        .bot_reach(Reach::Own)
        .build()
}

fn actor(role: &Role) -> Actor {
    Actor::Member(
        MemberActor::new(ORG, ME, role, [TeamId(1)])
            .with_bots([BotId(1), BotId(2)])
            .with_bot_levels([(BotId(2), P::BOT_CONFIGURE)]),
    )
}

#[test]
fn a_team_beyond_the_reach_is_not_joined() {
    let a = actor(&lead());
    let team = |t| Resource::Team {
        org: ORG,
        team: TeamId(t),
    };
    assert_eq!(can(&a, Action::RenameTeam, &team(1)), Decision::Allowed);
    assert_eq!(
        can(&a, Action::RenameTeam, &team(2)),
        Decision::Denied(Reason::TeamNotJoined)
    );
}

#[test]
fn ones_own_account_is_ones_own() {
    let a = actor(&lead());
    let member = |m| Resource::Member {
        org: ORG,
        member: m,
    };
    for action in [Action::EditOwnProfile, Action::ChangeOwnPassword] {
        assert_eq!(can(&a, action, &member(ME)), Decision::Allowed);
        assert_eq!(
            can(&a, action, &member(MemberId(8))),
            Decision::Denied(Reason::NotSelf)
        );
    }
}

#[test]
fn an_invitation_names_neither_the_unique_role_nor_one_beyond_ones_own() {
    let lead = lead();
    let a = actor(&lead);
    let invite = |role| Resource::Invitation { org: ORG, role };
    let narrower = lead.to_builder().permissions(P::PROFILE_EDIT).build();
    let wider = lead
        .to_builder()
        .permissions(lead.permissions() | P::ANALYTICS_VIEW)
        .build();
    let unique = narrower.to_builder().unique().build();
    assert_eq!(
        can(&a, Action::InviteMembers, &invite(&lead)),
        Decision::Allowed
    );
    assert_eq!(
        can(&a, Action::InviteMembers, &invite(&narrower)),
        Decision::Allowed
    );
    assert_eq!(
        can(&a, Action::InviteMembers, &invite(&wider)),
        Decision::Denied(Reason::RoleExceedsOwn)
    );
    assert_eq!(
        can(&a, Action::InviteMembers, &invite(&unique)),
        Decision::Denied(Reason::UniqueRole)
    );
}

#[test]
fn a_bot_is_reached_by_its_grant_and_limited_by_the_grants_level() {
    let a = actor(&lead());
    let bot = |b| Resource::Bot {
        org: ORG,
        bot: BotId(b),
    };
    // Granted, no level: the role decides.
    assert_eq!(can(&a, Action::PublishBot, &bot(1)), Decision::Allowed);
    // Granted with a level: only what the level also allows.
    assert_eq!(can(&a, Action::ConfigureBot, &bot(2)), Decision::Allowed);
    assert_eq!(
        can(&a, Action::PublishBot, &bot(2)),
        Decision::Denied(Reason::BeyondBotLevel {
            missing: P::BOT_PUBLISH
        })
    );
    // Not granted, with the role reaching only granted bots.
    assert_eq!(
        can(&a, Action::ConfigureBot, &bot(3)),
        Decision::Denied(Reason::BotNotGranted)
    );
}
