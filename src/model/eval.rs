//! `can`: the evaluation rules of the specification, in order.

use crate::model::action::Action;
use crate::model::actor::{Actor, ApiKeyActor, ContactActor, MemberActor};
use crate::model::contact::Audience;
use crate::model::conversation::{Assignment, Conversation};
use crate::model::decision::{Decision, Placement, Reason, TargetProblem};
use crate::model::filter::{contact_scope, member_scope};
use crate::model::id::{OrgId, TeamId};
use crate::model::resource::{Resource, ResourceKind};
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

/// Rules 1 to 3, the same for every kind of actor.
#[inline]
fn common(org: OrgId, enabled: bool, action: Action, resource: &Resource<'_>) -> Option<Reason> {
    // 1. Organization isolation, before anything else is looked at.
    if resource.org() != Some(org) {
        return Some(Reason::OtherOrganization);
    }
    // 2. Actor status.
    if !enabled {
        return Some(Reason::ActorDisabled);
    }
    // 3. The action applies to this kind of resource.
    let kind = resource.kind();
    if !action.applies_to(kind) {
        return Some(Reason::NotApplicable {
            action,
            resource: kind,
        });
    }
    None
}

#[inline(always)]
fn member(m: &MemberActor, action: Action, resource: &Resource<'_>) -> Decision {
    // The two kinds asked about most take a path where the kind is known, so
    // rules 1 to 4 reduce to a few comparisons; the rest take the general path.
    match *resource {
        Resource::Conversation(c) => match gate(m, action, Some(c.org), ResourceKind::Conversation)
        {
            Some(reason) => Decision::Denied(reason),
            None => conversation_scope(m, action, c),
        },
        Resource::Reassignment {
            conversation,
            to,
            to_member_teams,
        } => match gate(
            m,
            action,
            Some(conversation.org),
            ResourceKind::Reassignment,
        ) {
            Some(reason) => Decision::Denied(reason),
            None => {
                let source = conversation_scope(m, action, conversation);
                if !source.is_allowed() {
                    return source;
                }
                match assignment_target(m, to, to_member_teams) {
                    Ok(()) => Decision::Allowed,
                    Err(reason) => Decision::Denied(reason),
                }
            }
        },
        Resource::Organization(org) => match gate(m, action, Some(org), ResourceKind::Organization)
        {
            Some(reason) => Decision::Denied(reason),
            None => Decision::Allowed,
        },
        Resource::AiChat { org, owner, .. } => {
            match gate(m, action, Some(org), ResourceKind::AiChat) {
                Some(reason) => Decision::Denied(reason),
                None if owner == m.id() => Decision::Allowed,
                None => Decision::Denied(Reason::NotChatOwner),
            }
        }
        Resource::KnowledgeBase(kb) => {
            match gate(m, action, Some(kb.org), ResourceKind::KnowledgeBase) {
                Some(reason) => Decision::Denied(reason),
                None => knowledge_reference(m, kb.id),
            }
        }
        Resource::Document { knowledge_base, .. } => {
            match gate(m, action, resource.org(), ResourceKind::Document) {
                Some(reason) => Decision::Denied(reason),
                None => knowledge_reference(m, knowledge_base.id),
            }
        }
        _ => match gate(m, action, resource.org(), resource.kind()) {
            Some(reason) => Decision::Denied(reason),
            None => member_resource(m, action, resource),
        },
    }
}

/// Rule 5 for knowledge: the role references the knowledge base.
#[inline(always)]
fn knowledge_reference(m: &MemberActor, kb: crate::model::id::KnowledgeBaseId) -> Decision {
    if m.role().knowledge().includes(kb) {
        Decision::Allowed
    } else {
        Decision::Denied(Reason::KnowledgeBaseNotReferenced)
    }
}

/// Rules 1 to 4 for a member.
#[inline(always)]
fn gate(m: &MemberActor, action: Action, org: Option<OrgId>, kind: ResourceKind) -> Option<Reason> {
    // 1. Organization isolation, before anything else is looked at.
    if org != Some(m.org()) {
        return Some(Reason::OtherOrganization);
    }
    // 2. Actor status.
    if !m.is_enabled() {
        return Some(Reason::ActorDisabled);
    }
    // 3. The action applies to this kind of resource.
    if !action.applies_to(kind) {
        return Some(Reason::NotApplicable {
            action,
            resource: kind,
        });
    }
    // 4. Permission bits.
    let missing = action.required().difference(m.permissions());
    if !missing.is_empty() {
        return Some(Reason::MissingPermission { missing });
    }
    None
}

/// Rule 5 for the resources other than the organization, contacts and conversations.
#[inline(never)]
fn member_resource(m: &MemberActor, action: Action, resource: &Resource<'_>) -> Decision {
    let denied = match *resource {
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
        Resource::Team { team, .. } => {
            (m.own_teams_only() && !m.in_team(team)).then_some(Reason::TeamNotJoined)
        }
        Resource::Bot { bot, .. } => {
            if m.own_bots_only() && !m.has_bot(bot) {
                Some(Reason::BotNotGranted)
            } else {
                m.bot_level(bot).and_then(|level| {
                    let missing = action.required().difference(level);
                    (!missing.is_empty()).then_some(Reason::BeyondBotLevel { missing })
                })
            }
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
                role.grants_beyond(m.role())
                    .then_some(Reason::RoleExceedsOwn)
            }
        }
        Resource::Conversation(c) => return conversation_scope(m, action, c),
        Resource::Organization(_) | Resource::Contact { .. } => None,
    };
    match denied {
        Some(reason) => Decision::Denied(reason),
        None => Decision::Allowed,
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
        out_of_scope(m, scope_use, c)
    }
}

#[inline]
fn out_of_scope(
    m: &MemberActor,
    scope_use: crate::model::action::ScopeUse,
    c: &Conversation,
) -> Decision {
    Decision::Denied(Reason::ConversationOutOfScope {
        scope: scope_use,
        placement: placement(m, c.assignment),
    })
}

#[inline]
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
#[inline]
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
                    && document
                        .audience
                        .as_ref()
                        .is_none_or(|a| a.admits(&c.attributes)),
            )
        }
        _ => contact_other(c, action, resource),
    }
}

/// Rules 1 to 4 for a contact: contacts hold no role, only the actions open
/// to contacts.
#[inline(always)]
fn contact_gate(
    c: &ContactActor,
    action: Action,
    org: Option<OrgId>,
    kind: ResourceKind,
) -> Option<Reason> {
    if org != Some(c.org) {
        return Some(Reason::OtherOrganization);
    }
    if !action.applies_to(kind) {
        return Some(Reason::NotApplicable {
            action,
            resource: kind,
        });
    }
    if !action.open_to_contacts() {
        return Some(Reason::RequiresMember);
    }
    None
}

/// A knowledge base or entry admits a contact only through an audience.
#[inline(always)]
fn admitted(c: &ContactActor, audience: Option<&Audience>) -> bool {
    audience.is_some_and(|a| a.admits(&c.attributes))
}

#[inline(always)]
fn audience(admitted: bool) -> Decision {
    if admitted {
        Decision::Allowed
    } else {
        Decision::Denied(Reason::AudienceNotAdmitted)
    }
}

#[inline(never)]
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

#[inline(never)]
fn api_key(k: &ApiKeyActor, action: Action, resource: &Resource<'_>) -> Decision {
    if let Some(reason) = common(k.org, true, action, resource) {
        return Decision::Denied(reason);
    }
    let missing = action.required().difference(k.permissions);
    if !missing.is_empty() {
        return Decision::Denied(Reason::MissingPermission { missing });
    }
    match *resource {
        Resource::Bot { bot, .. } if bot == k.bot => Decision::Allowed,
        _ => Decision::Denied(Reason::ApiKeyOtherBot),
    }
}
