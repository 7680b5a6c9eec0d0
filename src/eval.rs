//! `can`: the evaluation rules of the specification, in order.

use crate::action::Action;
use crate::actor::{Actor, ApiKeyActor, ContactActor, MemberActor};
use crate::contact::Audience;
use crate::conversation::{Assignment, Conversation};
use crate::decision::{Decision, Placement, Reason, TargetProblem};
use crate::filter::{contact_scope, member_scope};
use crate::id::TeamId;
use crate::resource::Resource;
use crate::scope::{ConversationScope, Reach};

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
pub fn can(actor: &Actor, action: Action, resource: &Resource<'_>) -> Decision {
    // 1. Organization isolation, before anything else is looked at.
    if resource.org() != Some(actor.org()) {
        return Decision::Denied(Reason::OtherOrganization);
    }
    // 2. Actor status.
    if let Actor::Member(m) = actor {
        if !m.is_enabled() {
            return Decision::Denied(Reason::ActorDisabled);
        }
    }
    // 3. The action applies to this kind of resource.
    if !action.applies_to(resource.kind()) {
        return Decision::Denied(Reason::NotApplicable {
            action,
            resource: resource.kind(),
        });
    }
    match actor {
        Actor::Member(m) => member(m, action, resource),
        Actor::Contact(c) => contact(c, action, resource),
        Actor::ApiKey(k) => api_key(k, action, resource),
    }
}

fn member(m: &MemberActor, action: Action, resource: &Resource<'_>) -> Decision {
    // 4. Permission bits.
    let missing = action.required().difference(m.role().permissions());
    if !missing.is_empty() {
        return Decision::Denied(Reason::MissingPermission { missing });
    }
    // 5. The resource's own rule.
    let denied = match *resource {
        Resource::Conversation(c) => return conversation_scope(m, action, c),
        Resource::Reassignment {
            conversation,
            to,
            to_member_teams,
        } => {
            let source = conversation_scope(m, action, conversation);
            if !source.is_allowed() {
                return source;
            }
            assignment_target(m, to, to_member_teams).err()
        }
        Resource::Team { team, .. } => (m.role().team_reach() == Reach::Own && !m.in_team(team))
            .then_some(Reason::TeamNotJoined),
        Resource::Bot { bot, .. } => {
            (m.role().bot_reach() == Reach::Own && !m.has_bot(bot)).then_some(Reason::BotNotGranted)
        }
        Resource::KnowledgeBase(kb) => {
            (!m.role().knowledge().includes(kb.id)).then_some(Reason::KnowledgeBaseNotReferenced)
        }
        Resource::Document { knowledge_base, .. } => {
            (!m.role().knowledge().includes(knowledge_base.id))
                .then_some(Reason::KnowledgeBaseNotReferenced)
        }
        Resource::AiChat { owner, .. } => (owner != m.id()).then_some(Reason::NotChatOwner),
        Resource::Member { member, .. } => {
            let own_account = matches!(action, Action::EditOwnProfile | Action::ChangeOwnPassword);
            (own_account && member != m.id()).then_some(Reason::NotSelf)
        }
        Resource::Invitation { role, .. } => {
            if role.is_unique() {
                Some(Reason::UniqueRole)
            } else {
                role.exceeds(m.role()).then_some(Reason::RoleExceedsOwn)
            }
        }
        Resource::Organization(_) | Resource::Contact { .. } => None,
    };
    match denied {
        Some(reason) => Decision::Denied(reason),
        None => Decision::Allowed,
    }
}

/// Rule 5 for conversations: the same filter hosts use for lists.
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
fn assignment_target(
    m: &MemberActor,
    to: Assignment,
    to_member_teams: &[TeamId],
) -> Result<(), Reason> {
    let deny = |p| Err(Reason::TargetNotAllowed(p));
    if let Assignment::TeamMember { team, .. } = to {
        if !to_member_teams.contains(&team) {
            return deny(TargetProblem::MemberNotInTeam);
        }
    }
    let scope = m.role().manage_scope();
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

fn contact(c: &ContactActor, action: Action, resource: &Resource<'_>) -> Decision {
    // 4. Contacts hold no role: only the actions open to contacts.
    if !action.open_to_contacts() {
        return Decision::Denied(Reason::RequiresMember);
    }
    // 5.
    let admitted =
        |audience: &Option<Audience>| audience.as_ref().is_some_and(|a| a.admits(&c.attributes));
    match *resource {
        Resource::Conversation(conv) => {
            if contact_scope(c).matches(conv) {
                Decision::Allowed
            } else {
                Decision::Denied(Reason::NotOwnConversation)
            }
        }
        Resource::KnowledgeBase(kb) => {
            if admitted(&kb.audience) {
                Decision::Allowed
            } else {
                Decision::Denied(Reason::AudienceNotAdmitted)
            }
        }
        Resource::Document {
            knowledge_base,
            document,
        } => {
            let doc_ok = document.audience.is_none() || admitted(&document.audience);
            if admitted(&knowledge_base.audience) && doc_ok {
                Decision::Allowed
            } else {
                Decision::Denied(Reason::AudienceNotAdmitted)
            }
        }
        _ => Decision::Denied(Reason::RequiresMember),
    }
}

fn api_key(k: &ApiKeyActor, action: Action, resource: &Resource<'_>) -> Decision {
    let missing = action.required().difference(k.permissions);
    if !missing.is_empty() {
        return Decision::Denied(Reason::MissingPermission { missing });
    }
    match *resource {
        Resource::Bot { bot, .. } if bot == k.bot => Decision::Allowed,
        _ => Decision::Denied(Reason::ApiKeyOtherBot),
    }
}
