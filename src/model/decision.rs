//! Decisions and the reasons for denials.

use crate::model::action::{Action, ScopeUse};
use crate::model::permission::Permissions;
use crate::model::resource::ResourceKind;
use serde::Serialize;
use std::fmt;

/// The answer to `can(actor, action, resource)`: allowed, or denied with the
/// rule that decided.
///
/// ```
/// use purview::{Decision, Reason};
/// let d = Decision::Denied(Reason::ActorDisabled);
/// assert!(!d.is_allowed());
/// assert_eq!(d.to_string(), "denied: the actor is disabled");
/// assert_eq!(d.into_result(), Err(Reason::ActorDisabled));
/// ```
///
/// It serializes (serde) for logs and API answers:
/// `"allowed"`, or `{"denied":{"rule":"actor_disabled"}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[must_use]
pub enum Decision {
    /// The action may proceed.
    Allowed,
    /// The action may not proceed, for this reason.
    Denied(Reason),
}

impl Decision {
    /// Whether the action is allowed.
    #[must_use]
    pub fn is_allowed(self) -> bool {
        matches!(self, Decision::Allowed)
    }

    /// The reason for a denial, `None` when allowed.
    #[must_use]
    pub fn reason(self) -> Option<Reason> {
        match self {
            Decision::Allowed => None,
            Decision::Denied(r) => Some(r),
        }
    }

    /// `Ok(())` when allowed, the reason as an error when denied, for `?`:
    ///
    /// ```
    /// use purview::{can, preset, Action, Actor, MemberId, OrgId, Reason, Resource};
    /// fn archive(actor: &Actor) -> Result<(), Reason> {
    ///     can(actor, Action::EditOrganization, &Resource::Organization(OrgId(1))).into_result()?;
    ///     Ok(())
    /// }
    /// let agent = Actor::member(OrgId(1), MemberId(2), preset::helpdesk().role("agent").unwrap(), []);
    /// assert!(matches!(archive(&agent), Err(Reason::MissingPermission { .. })));
    /// ```
    ///
    /// # Errors
    ///
    /// The [`Reason`] of a denial.
    pub fn into_result(self) -> Result<(), Reason> {
        match self {
            Decision::Allowed => Ok(()),
            Decision::Denied(r) => Err(r),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allowed => f.write_str("allowed"),
            Decision::Denied(r) => write!(f, "denied: {r}"),
        }
    }
}

/// Where a conversation sits relative to the actor who was denied it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Placement {
    /// Assigned to nobody.
    Unassigned,
    /// Assigned to one of the actor's teams, no member.
    OwnTeam,
    /// Assigned to a teammate within one of the actor's teams.
    Teammate,
    /// Assigned to a team the actor is not in (with or without a member).
    OtherTeam,
    /// Assigned to another member, no team.
    OtherMember,
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Placement::Unassigned => "unassigned conversation",
            Placement::OwnTeam => "conversation assigned to the actor's team with no member",
            Placement::Teammate => "conversation assigned to a teammate",
            Placement::OtherTeam => "conversation assigned to another team",
            Placement::OtherMember => "conversation assigned to another member",
        })
    }
}

/// Why an assignment target is not allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TargetProblem {
    /// The target names a team and a member who is not in that team.
    MemberNotInTeam,
    /// The actor may not leave conversations unassigned.
    Unassigned,
    /// The target team is not one the actor may assign to.
    Team,
    /// The target member is not one the actor may assign to.
    Member,
}

/// Which rule denied an action. Every denial names one; the `Display` text is
/// meant for logs and for end users. It is an error type (`?` turns it into
/// `Box<dyn Error>`), and serializes with the rule's name in `rule` and its
/// details beside it: `{"rule":"missing_permission","missing":["member_invite"]}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// Rule 1: the resource belongs to another organization.
    OtherOrganization,
    /// Rule 2: the member is disabled (or holds a disabling role).
    ActorDisabled,
    /// Rule 3: the action does not apply to this kind of resource.
    NotApplicable {
        /// The action.
        action: Action,
        /// The kind of resource it was asked about.
        resource: ResourceKind,
    },
    /// Rule 4: the role lacks these permission bits.
    MissingPermission {
        /// The bits the action needs that the role does not hold.
        missing: Permissions,
    },
    /// Rule 4: only members may do this; the actor is a contact.
    RequiresMember,
    /// Rule 5: the conversation is outside the role's scope.
    ConversationOutOfScope {
        /// Which scope was applied.
        scope: ScopeUse,
        /// Where the conversation sits relative to the actor.
        placement: Placement,
    },
    /// Rule 5: the reassignment's target is not allowed.
    TargetNotAllowed {
        /// What is wrong with the target.
        problem: TargetProblem,
    },
    /// Rule 5: the role reaches only its own teams, and this is not one.
    TeamNotJoined,
    /// Rule 5: the role reaches only granted bots, and this is not one.
    BotNotGranted,
    /// Rule 5: the member's grant of this bot carries a permission level
    /// that lacks these.
    BeyondBotLevel {
        /// What the action needs beyond the grant's level.
        missing: Permissions,
    },
    /// Rule 5: an API key acts only on its own bot.
    ApiKeyOtherBot,
    /// Rule 5: the role does not reference this knowledge base.
    KnowledgeBaseNotReferenced,
    /// Rule 5: the contact's attributes are not in the audience.
    AudienceNotAdmitted,
    /// Rule 5: a contact sees only its own conversations.
    NotOwnConversation,
    /// Rule 5: AI chats are private to the member who created them.
    NotChatOwner,
    /// Rule 5: the action is about one's own account, and this is another member.
    NotSelf,
    /// Rule 5: the role to grant exceeds the actor's own.
    RoleExceedsOwn,
    /// Rule 5: the unique (Owner) role is granted only by a transfer.
    UniqueRole,
}

impl std::error::Error for Reason {}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::OtherOrganization => {
                f.write_str("the resource belongs to another organization")
            }
            Reason::ActorDisabled => f.write_str("the actor is disabled"),
            Reason::NotApplicable { action, resource } => {
                write!(f, "`{action}` does not apply to a {resource}")
            }
            Reason::MissingPermission { missing } => {
                write!(f, "the role lacks the permission `{missing}`")
            }
            Reason::RequiresMember => f.write_str("only members of the organization may do this"),
            Reason::ConversationOutOfScope { scope, placement } => {
                write!(f, "{placement} is outside the {scope}")
            }
            Reason::TargetNotAllowed { problem } => match problem {
                TargetProblem::MemberNotInTeam => {
                    f.write_str("assignment target: the member is not in that team")
                }
                TargetProblem::Unassigned => {
                    f.write_str("assignment target: the role may not unassign conversations")
                }
                TargetProblem::Team => {
                    f.write_str("assignment target: the role may not assign to that team")
                }
                TargetProblem::Member => {
                    f.write_str("assignment target: the role may not assign to that member")
                }
            },
            Reason::TeamNotJoined => f.write_str("the role reaches only the member's own teams"),
            Reason::BotNotGranted => f.write_str("the member was not granted access to this bot"),
            Reason::BeyondBotLevel { missing } => {
                write!(
                    f,
                    "the member's grant of this bot does not carry `{missing}`"
                )
            }
            Reason::ApiKeyOtherBot => f.write_str("an API key acts only on its own bot"),
            Reason::KnowledgeBaseNotReferenced => {
                f.write_str("the role does not reference this knowledge base")
            }
            Reason::AudienceNotAdmitted => {
                f.write_str("the contact's attributes are not in the audience")
            }
            Reason::NotOwnConversation => f.write_str("a contact sees only its own conversations"),
            Reason::NotChatOwner => {
                f.write_str("AI chats are private to the member who created them")
            }
            Reason::NotSelf => f.write_str("this applies only to one's own account"),
            Reason::RoleExceedsOwn => f.write_str("the role to grant exceeds the actor's own"),
            Reason::UniqueRole => f.write_str("the unique role changes hands only by a transfer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_reasons_serialize_with_the_rule_named() {
        let json = |v: &Decision| serde_json::to_string(v).unwrap_or_default();
        assert_eq!(json(&Decision::Allowed), r#""allowed""#);
        assert_eq!(
            json(&Decision::Denied(Reason::ActorDisabled)),
            r#"{"denied":{"rule":"actor_disabled"}}"#
        );
        assert_eq!(
            json(&Decision::Denied(Reason::MissingPermission {
                missing: Permissions::MEMBER_INVITE
            })),
            r#"{"denied":{"rule":"missing_permission","missing":["member_invite"]}}"#
        );
        assert_eq!(
            json(&Decision::Denied(Reason::NotApplicable {
                action: Action::ViewConversation,
                resource: ResourceKind::KnowledgeBase
            })),
            r#"{"denied":{"rule":"not_applicable","action":"view_conversation","resource":"knowledge base"}}"#
        );
        assert_eq!(
            json(&Decision::Denied(Reason::ConversationOutOfScope {
                scope: ScopeUse::Manage,
                placement: Placement::Teammate
            })),
            r#"{"denied":{"rule":"conversation_out_of_scope","scope":"manage","placement":"teammate"}}"#
        );
        assert_eq!(
            json(&Decision::Denied(Reason::TargetNotAllowed {
                problem: TargetProblem::MemberNotInTeam
            })),
            r#"{"denied":{"rule":"target_not_allowed","problem":"member_not_in_team"}}"#
        );
    }

    #[test]
    fn a_denial_is_an_error_and_the_source_of_a_refused_operation() {
        assert_eq!(Decision::Allowed.into_result(), Ok(()));
        let reason = Reason::TeamNotJoined;
        assert_eq!(Decision::Denied(reason).into_result(), Err(reason));
        let boxed: Box<dyn std::error::Error> = Box::new(reason);
        assert_eq!(boxed.to_string(), reason.to_string());
        let refused = crate::DirectoryError::Denied(reason);
        let source = std::error::Error::source(&refused).map(ToString::to_string);
        assert_eq!(source, Some(reason.to_string()));
    }
}
