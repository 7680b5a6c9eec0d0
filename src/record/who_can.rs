//! Who can: the members who may take an action on a resource, found
//! through the state's index and decided by [`can`] for each candidate, so
//! that the answer is exactly `can`'s and its cost follows the candidates,
//! not the organization.

use super::state::OrgState;
use crate::model::action::Action;
use crate::model::actor::Actor;
use crate::model::conversation::{Assignment, Conversation};
use crate::model::eval::can;
use crate::model::id::MemberId;
use crate::model::resource::Resource;
use crate::model::role::Role;
use crate::model::scope::{ConversationScope, Reach};

impl OrgState {
    /// The members who may take `action` on `resource`, in id order:
    /// exactly the members for whom [`can`] allows it (disabled members
    /// never do).
    ///
    /// Candidates come from the index, role by role: the holders of a role
    /// whose scope or reach covers the whole organization (and, for a
    /// knowledge base or an invitation, whose references or rank admit it);
    /// for one's own account, that member; for a role
    /// limited to its members' teams, the members of the resource's team;
    /// for "assigned to me", the assignee; for bots reached only by grant,
    /// the bot's grantees; for an AI chat, its owner. Each candidate is then
    /// decided by `can`. The cost is in proportion to the candidates: the
    /// eligible assignees of a team's conversation are found among that
    /// team's members and the holders of organization-wide roles, whatever
    /// the organization's size. It serves auto-assignment (an assignee must
    /// be someone who may handle the conversation), notifications and
    /// mention pickers. It names members: a host shows it to a member only
    /// where that member may view members.
    ///
    /// [`Directory::who_can`](crate::Directory::who_can) asks it of an
    /// organization's current state.
    #[must_use]
    pub fn who_can(&self, action: Action, resource: &Resource<'_>) -> Vec<MemberId> {
        let mut candidates: Vec<MemberId> = Vec::new();
        let roles = || {
            self.org
                .catalog
                .roles()
                .filter(move |r| r.permissions().contains(action.required()))
        };
        let holders = |role: &Role, out: &mut Vec<MemberId>| {
            out.extend(self.role_holders(role.key().as_str()).map(|m| m.id));
        };
        match *resource {
            Resource::Conversation(c)
            | Resource::Reassignment {
                conversation: c, ..
            } => {
                let Some(scope_use) = action.scope_use() else {
                    return Vec::new();
                };
                let mut team_roles = Vec::new();
                for role in roles() {
                    let scope = match scope_use {
                        crate::model::action::ScopeUse::View => role.view_scope(),
                        _ => role.manage_scope(),
                    };
                    if reaches_everyone(scope, c) {
                        holders(role, &mut candidates);
                        continue;
                    }
                    if scope.contains(ConversationScope::MY_TEAMS) {
                        team_roles.push(role.key());
                    }
                    if scope.contains(ConversationScope::ASSIGNED_TO_ME) {
                        candidates.extend(c.assignment.member());
                    }
                }
                if let (Some(team), false) = (c.assignment.team(), team_roles.is_empty()) {
                    candidates.extend(
                        self.team_members(team)
                            .filter(|m| team_roles.contains(&&m.role))
                            .map(|m| m.id),
                    );
                }
            }
            Resource::Team { team, .. } => {
                for role in roles() {
                    match role.team_reach() {
                        Reach::All => holders(role, &mut candidates),
                        Reach::Own => candidates.extend(
                            self.team_members(team)
                                .filter(|m| m.role == *role.key())
                                .map(|m| m.id),
                        ),
                    }
                }
            }
            Resource::Bot { bot, .. } => {
                for role in roles() {
                    match role.bot_reach() {
                        Reach::All => holders(role, &mut candidates),
                        Reach::Own => candidates.extend(
                            self.bot_grantees(bot)
                                .filter(|m| m.role == *role.key())
                                .map(|m| m.id),
                        ),
                    }
                }
            }
            Resource::AiChat { owner, .. } => candidates.push(owner),
            Resource::Member { member, .. }
                if matches!(action, Action::EditOwnProfile | Action::ChangeOwnPassword) =>
            {
                candidates.push(member);
            }
            Resource::KnowledgeBase(kb) => {
                for role in roles().filter(|r| r.knowledge().includes(kb.id)) {
                    holders(role, &mut candidates);
                }
            }
            Resource::Document { knowledge_base, .. } => {
                for role in roles().filter(|r| r.knowledge().includes(knowledge_base.id)) {
                    holders(role, &mut candidates);
                }
            }
            Resource::Invitation { role: invited, .. } => {
                if !invited.is_unique() {
                    for role in roles().filter(|r| !invited.grants_beyond(r)) {
                        holders(role, &mut candidates);
                    }
                }
            }
            _ => {
                for role in roles() {
                    holders(role, &mut candidates);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|id| {
            self.actor(*id)
                .is_some_and(|a| can(&Actor::Member(a), action, resource).is_allowed())
        });
        candidates
    }
}

/// Whether a scope admits a conversation whoever holds it: organization
/// wide, or unassigned conversations when this one is unassigned.
fn reaches_everyone(scope: ConversationScope, c: &Conversation) -> bool {
    scope.contains(ConversationScope::ORGANIZATION)
        || (scope.contains(ConversationScope::UNASSIGNED) && c.assignment == Assignment::Unassigned)
}
