//! `can`: the evaluation rules of the specification, in order.

use crate::model::action::Action;
use crate::model::actor::{Actor, ApiKeyActor, ContactActor, MemberActor};
use crate::model::contact::Audience;
use crate::model::conversation::{Assignment, Conversation};
use crate::model::decision::{Decision, Placement, Reason, TargetProblem};
use crate::model::filter::{contact_scope, member_scope};
use crate::model::gate::{contact_gate, key_gate, member_gate};
use crate::model::id::{BotId, KnowledgeBaseId, MemberId, TeamId};
use crate::model::permission::Permissions;
use crate::model::resource::{Resource, ResourceKind};
use crate::model::role::Role;
use crate::model::scope::ConversationScope;

/// May `actor` take `action` on `resource`?
///
/// The rules, in order; the first that decides, decides, and a denial names it:
/// 1. organization isolation ([`Reason::OtherOrganization`]);
/// 2. actor status ([`Reason::ActorDisabled`]);
/// 3. the action applies to this kind of resource ([`Reason::NotApplicable`]);
/// 4. the role holds the permission bits ([`Reason::MissingPermission`]; a
///    contact may take only actions open to contacts, [`Reason::RequiresMember`]);
/// 5. the resource's own rule: conversation scopes and assignment targets, team
///    and bot reach, per-bot API keys, knowledge-base references, contact
///    audiences, ownership of AI chats, invitations that would exceed one's role.
///
/// Pure: no I/O, no allocation, no locks, no panics.
///
/// # Examples
///
/// ```
/// use purview::{can, preset, Action, Actor, Assignment, Conversation, Resource, Reason};
/// use purview::{ContactId, ConversationId, MemberId, OrgId, TeamId};
///
/// let helpdesk = preset::helpdesk();
/// let agent = Actor::member(OrgId(1), MemberId(1), helpdesk.role("agent").unwrap(), [TeamId(1)]);
/// let team_conv = Conversation::new(ConversationId(1), OrgId(1), ContactId(1))
///     .assigned(Assignment::Team { team: TeamId(1) });
///
/// assert!(can(&agent, Action::ViewConversation, &Resource::Conversation(&team_conv)).is_allowed());
/// let reply = can(&agent, Action::ReplyConversation, &Resource::Conversation(&team_conv));
/// assert_eq!(
///     reply.to_string(),
///     "denied: conversation assigned to the actor's team with no member is outside the manage scope"
/// );
/// ```
#[inline(always)]
pub fn can(actor: &Actor, action: Action, resource: &Resource<'_>) -> Decision {
    match actor {
        Actor::Member(m) => member(m, action, resource),
        Actor::Contact(c) => contact(c, action, resource),
        Actor::ApiKey(k) => api_key(k, action, resource),
    }
}

/// A member: one arm per kind of resource, each with the kind known, so
/// that rules 1 to 4 ([`member_gate`]) reduce to a few comparisons, then
/// the kind's own rule 5.
#[inline(always)]
fn member(m: &MemberActor, action: Action, resource: &Resource<'_>) -> Decision {
    // Rules 1 to 4 for the resource's organization and kind; a denial ends
    // the evaluation.
    macro_rules! gate {
        ($org:expr, $kind:ident) => {
            if let Some(reason) = member_gate(m, action, $org, ResourceKind::$kind) {
                return Decision::Denied(reason);
            }
        };
    }
    match *resource {
        Resource::Conversation(c) => {
            gate!(Some(c.org), Conversation);
            conversation_scope(m, action, c)
        }
        Resource::Reassignment {
            conversation,
            to,
            to_member_teams,
        } => {
            gate!(Some(conversation.org), Reassignment);
            let source = conversation_scope(m, action, conversation);
            if !source.is_allowed() {
                return source;
            }
            decided(assignment_target(m, to, to_member_teams).err())
        }
        Resource::Organization(org) => {
            gate!(Some(org), Organization);
            Decision::Allowed
        }
        Resource::Contact { org, .. } => {
            gate!(Some(org), Contact);
            Decision::Allowed
        }
        Resource::AiChat { org, owner, .. } => {
            gate!(Some(org), AiChat);
            if owner == m.id() {
                Decision::Allowed
            } else {
                Decision::Denied(Reason::NotChatOwner)
            }
        }
        Resource::KnowledgeBase(kb) => {
            gate!(Some(kb.org), KnowledgeBase);
            knowledge_reference(m, kb.id)
        }
        Resource::Document { knowledge_base, .. } => {
            gate!(resource.org(), Document);
            knowledge_reference(m, knowledge_base.id)
        }
        Resource::Invitation { org, role } => {
            gate!(Some(org), Invitation);
            // Most invitations are to a role the inviter's surely covers:
            // two words of each role compared, one branch.
            if role.grants().surely_covered_by(m.role().grants()) {
                return Decision::Allowed;
            }
            match invitation_role(m, role) {
                InvitationRole::Allowed => Decision::Allowed,
                InvitationRole::Unique => Decision::Denied(Reason::UniqueRole),
                InvitationRole::Beyond => Decision::Denied(Reason::RoleExceedsOwn),
            }
        }
        Resource::Team { org, team } => {
            gate!(Some(org), Team);
            denied_if(outside_team_reach(m, team), Reason::TeamNotJoined)
        }
        Resource::Member { org, member } => {
            gate!(Some(org), Member);
            denied_if(not_own_account(m, action, member), Reason::NotSelf)
        }
        Resource::Bot { org, bot } => {
            gate!(Some(org), Bot);
            decided(bot_grant(m, action, bot))
        }
    }
}

/// The decision of a rule that either passes or names its reason.
#[inline(always)]
fn decided(denied: Option<Reason>) -> Decision {
    match denied {
        Some(reason) => Decision::Denied(reason),
        None => Decision::Allowed,
    }
}

/// The decision of a rule that either passes or denies for `reason`.
#[inline(always)]
fn denied_if(denied: bool, reason: Reason) -> Decision {
    if denied {
        Decision::Denied(reason)
    } else {
        Decision::Allowed
    }
}

/// Rule 5 for knowledge: the role references the knowledge base.
#[inline(always)]
fn knowledge_reference(m: &MemberActor, kb: KnowledgeBaseId) -> Decision {
    if m.role().knowledge().includes(kb) {
        Decision::Allowed
    } else {
        Decision::Denied(Reason::KnowledgeBaseNotReferenced)
    }
}

/// Rule 5 for teams: a role that reaches only its members' teams.
///
/// The rule-5 functions of the kinds asked about less often stay out of
/// line, so that the general evaluator stays small for the kinds asked
/// about most. Each returns a value that fits in registers (a flag, a
/// byte, a tag and a permission set), and its caller names the reason:
/// `can`'s decision then never passes through memory.
#[inline(never)]
fn outside_team_reach(m: &MemberActor, team: TeamId) -> bool {
    m.own_teams_only() && !m.in_team(team)
}

/// Rule 5 for members: one's own profile and password are one's own.
#[inline(never)]
fn not_own_account(m: &MemberActor, action: Action, member: MemberId) -> bool {
    own_account_only(action) && member != m.id()
}

/// The actions a member takes only on their own account.
pub(crate) fn own_account_only(action: Action) -> bool {
    matches!(action, Action::EditOwnProfile | Action::ChangeOwnPassword)
}

/// The outcome of rule 5 for an invitation.
#[derive(Clone, Copy)]
enum InvitationRole {
    Allowed,
    /// [`Reason::UniqueRole`].
    Unique,
    /// [`Reason::RoleExceedsOwn`].
    Beyond,
}

/// Rule 5 for invitations: nobody invites to the unique role, or to a role
/// that grants beyond their own.
#[inline(never)]
fn invitation_role(m: &MemberActor, role: &Role) -> InvitationRole {
    if role.is_unique() {
        InvitationRole::Unique
    } else if role.grants_beyond(m.role()) {
        InvitationRole::Beyond
    } else {
        InvitationRole::Allowed
    }
}

/// The outcome of rule 5 for a bot.
#[derive(Clone, Copy)]
enum BotGrant {
    Allowed,
    /// [`Reason::BotNotGranted`].
    NotGranted,
    /// [`Reason::BeyondBotLevel`], with the bits the level lacks.
    BeyondLevel(Permissions),
}

/// Rule 5 for bots: the bot reach, then the grant's permission level.
#[inline(always)]
pub(crate) fn bot_grant(m: &MemberActor, action: Action, bot: BotId) -> Option<Reason> {
    match bot_grant_of(m, action, bot) {
        BotGrant::Allowed => None,
        BotGrant::NotGranted => Some(Reason::BotNotGranted),
        BotGrant::BeyondLevel(missing) => Some(Reason::BeyondBotLevel { missing }),
    }
}

/// Rule 5 for bots, out of line, as a value that fits in registers.
#[inline(never)]
fn bot_grant_of(m: &MemberActor, action: Action, bot: BotId) -> BotGrant {
    if m.own_bots_only() && !m.has_bot(bot) {
        return BotGrant::NotGranted;
    }
    match m.bot_level(bot) {
        Some(level) => {
            let missing = action.required().difference(level);
            if missing.is_empty() {
                BotGrant::Allowed
            } else {
                BotGrant::BeyondLevel(missing)
            }
        }
        None => BotGrant::Allowed,
    }
}

/// Rule 5 for conversations: the same filter hosts use for lists.
#[inline(always)]
fn conversation_scope(m: &MemberActor, action: Action, c: &Conversation) -> Decision {
    let Some(scope_use) = action.scope_use() else {
        return Decision::Allowed;
    };
    if member_scope(m, scope_use).matches(c) {
        Decision::Allowed
    } else {
        Decision::Denied(Reason::ConversationOutOfScope {
            scope: scope_use,
            placement: placement(m, c.assignment),
        })
    }
}

/// Where a conversation out of scope sits relative to the member.
#[inline(always)]
fn placement(m: &MemberActor, a: Assignment) -> Placement {
    match a {
        Assignment::Unassigned => Placement::Unassigned,
        Assignment::Team { team } if m.in_team(team) => Placement::OwnTeam,
        Assignment::TeamMember { team, .. } if m.in_team(team) => Placement::Teammate,
        Assignment::Team { .. } | Assignment::TeamMember { .. } => Placement::OtherTeam,
        Assignment::Member { .. } => Placement::OtherMember,
    }
}

/// The manage scope also bounds where a conversation may go.
#[inline(always)]
fn assignment_target(
    m: &MemberActor,
    to: Assignment,
    to_member_teams: &[TeamId],
) -> Result<(), Reason> {
    let deny = |problem| Err(Reason::TargetNotAllowed { problem });
    if let Assignment::TeamMember { team, .. } = to {
        if !to_member_teams.contains(&team) {
            return deny(TargetProblem::MemberNotInTeam);
        }
    }
    let scope = m.scope(crate::model::action::ScopeUse::Manage);
    if scope.contains(ConversationScope::ORGANIZATION) {
        return Ok(());
    }
    let my_teams = scope.contains(ConversationScope::MY_TEAMS);
    let me = scope.contains(ConversationScope::ASSIGNED_TO_ME);
    match to {
        Assignment::Unassigned if scope.contains(ConversationScope::UNASSIGNED) => Ok(()),
        Assignment::Unassigned => deny(TargetProblem::Unassigned),
        Assignment::Team { team } if my_teams && m.in_team(team) => Ok(()),
        Assignment::Team { .. } => deny(TargetProblem::Team),
        Assignment::TeamMember { team, member } => {
            if (my_teams && m.in_team(team)) || (me && member == m.id()) {
                Ok(())
            } else if my_teams || me {
                deny(TargetProblem::Member)
            } else {
                deny(TargetProblem::Team)
            }
        }
        Assignment::Member { member } => {
            let teammate = my_teams && to_member_teams.iter().any(|t| m.in_team(*t));
            if (me && member == m.id()) || teammate {
                Ok(())
            } else {
                deny(TargetProblem::Member)
            }
        }
    }
}

#[inline(always)]
fn contact(c: &ContactActor, action: Action, resource: &Resource<'_>) -> Decision {
    // Knowledge, asked about most, takes a path where the kind is known.
    match *resource {
        Resource::KnowledgeBase(kb) => {
            if let Some(reason) = contact_gate(c, action, Some(kb.org), ResourceKind::KnowledgeBase)
            {
                return Decision::Denied(reason);
            }
            audience(admitted(c, kb.audience.as_ref()))
        }
        Resource::Document {
            knowledge_base,
            document,
        } => {
            if let Some(reason) = contact_gate(c, action, resource.org(), ResourceKind::Document) {
                return Decision::Denied(reason);
            }
            audience(
                admitted(c, knowledge_base.audience.as_ref())
                    && document_admits(c, document.audience.as_ref()),
            )
        }
        _ => contact_other(c, action, resource),
    }
}

/// A knowledge base or entry admits a contact only through an audience.
#[inline(always)]
pub(crate) fn admitted(c: &ContactActor, audience: Option<&Audience>) -> bool {
    audience.is_some_and(|a| a.admits(&c.attributes))
}

/// A document with no audience of its own inherits its knowledge base's.
#[inline(always)]
pub(crate) fn document_admits(c: &ContactActor, own: Option<&Audience>) -> bool {
    own.is_none_or(|a| a.admits(&c.attributes))
}

#[inline(always)]
fn audience(admitted: bool) -> Decision {
    if admitted {
        Decision::Allowed
    } else {
        Decision::Denied(Reason::AudienceNotAdmitted)
    }
}

#[inline(always)]
fn contact_other(c: &ContactActor, action: Action, resource: &Resource<'_>) -> Decision {
    if let Some(reason) = contact_gate(c, action, resource.org(), resource.kind()) {
        return Decision::Denied(reason);
    }
    match *resource {
        Resource::Conversation(conv) => {
            if contact_scope(c).matches(conv) {
                Decision::Allowed
            } else {
                Decision::Denied(Reason::NotOwnConversation)
            }
        }
        _ => Decision::Denied(Reason::RequiresMember),
    }
}

/// An API key: rules 1 to 4 as for a member (a key is never disabled),
/// then rule 5: the key's one bot.
#[inline(always)]
fn api_key(k: &ApiKeyActor, action: Action, resource: &Resource<'_>) -> Decision {
    if let Some(reason) = key_gate(k, action, resource.org(), resource.kind()) {
        return Decision::Denied(reason);
    }
    match *resource {
        Resource::Bot { bot, .. } if bot == k.bot => Decision::Allowed,
        _ => Decision::Denied(Reason::ApiKeyOtherBot),
    }
}
