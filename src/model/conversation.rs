//! Conversations and their assignment.

use crate::model::id::{ContactId, ConversationId, MemberId, OrgId, TeamId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who a conversation is assigned to.
///
/// The four states of the helpdesk seed: nobody, a team only, a team and one
/// of its members, or a member only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Assignment {
    /// Assigned to nobody: any agent can take it.
    Unassigned,
    /// Assigned to a team, no specific member.
    Team {
        /// The team.
        team: TeamId,
    },
    /// Assigned to a member within a team.
    TeamMember {
        /// The team.
        team: TeamId,
        /// The member handling it.
        member: MemberId,
    },
    /// Assigned to a member, no team.
    Member {
        /// The member handling it.
        member: MemberId,
    },
}

impl Assignment {
    /// The assignment of a host's row, from its team and member columns
    /// (either may be empty), the reverse of [`Assignment::team`] and
    /// [`Assignment::member`].
    ///
    /// ```
    /// use purview::{Assignment, MemberId, TeamId};
    /// let a = Assignment::from_parts(Some(TeamId(1)), None);
    /// assert_eq!(a, Assignment::Team { team: TeamId(1) });
    /// for a in [a, Assignment::Unassigned, Assignment::Member { member: MemberId(2) }] {
    ///     assert_eq!(Assignment::from_parts(a.team(), a.member()), a);
    /// }
    /// ```
    #[must_use]
    pub fn from_parts(team: Option<TeamId>, member: Option<MemberId>) -> Assignment {
        match (team, member) {
            (None, None) => Assignment::Unassigned,
            (Some(team), None) => Assignment::Team { team },
            (Some(team), Some(member)) => Assignment::TeamMember { team, member },
            (None, Some(member)) => Assignment::Member { member },
        }
    }

    /// The assigned team, if any.
    #[must_use]
    pub fn team(self) -> Option<TeamId> {
        match self {
            Assignment::Team { team } | Assignment::TeamMember { team, .. } => Some(team),
            Assignment::Unassigned | Assignment::Member { .. } => None,
        }
    }

    /// The assigned member, if any.
    #[must_use]
    pub fn member(self) -> Option<MemberId> {
        match self {
            Assignment::TeamMember { member, .. } | Assignment::Member { member } => Some(member),
            Assignment::Unassigned | Assignment::Team { .. } => None,
        }
    }

    /// The state without its ids.
    #[must_use]
    pub fn kind(self) -> AssignmentKind {
        match self {
            Assignment::Unassigned => AssignmentKind::Unassigned,
            Assignment::Team { .. } => AssignmentKind::Team,
            Assignment::TeamMember { .. } => AssignmentKind::TeamMember,
            Assignment::Member { .. } => AssignmentKind::Member,
        }
    }
}

/// The four assignment states, without ids; used in denial reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AssignmentKind {
    /// Assigned to nobody.
    Unassigned,
    /// Assigned to a team only.
    Team,
    /// Assigned to a team and a member.
    TeamMember,
    /// Assigned to a member only.
    Member,
}

impl fmt::Display for AssignmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AssignmentKind::Unassigned => "unassigned",
            AssignmentKind::Team => "team only",
            AssignmentKind::TeamMember => "team and member",
            AssignmentKind::Member => "member only",
        })
    }
}

/// A conversation's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConversationStatus {
    /// Open.
    #[default]
    Open,
    /// Closed (can be reopened).
    Closed,
    /// Marked as spam.
    Spam,
}

/// A conversation between the organization and a contact.
///
/// ```
/// use purview::{Assignment, Conversation, ContactId, ConversationId, OrgId, TeamId};
/// let c = Conversation::new(ConversationId(1), OrgId(1), ContactId(9))
///     .assigned(Assignment::Team { team: TeamId(1) });
/// assert_eq!(c.assignment.team(), Some(TeamId(1)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conversation {
    /// The conversation.
    pub id: ConversationId,
    /// The organization it belongs to.
    pub org: OrgId,
    /// The contact it is with ([`ContactId::NONE`] when the host has none
    /// at hand).
    pub contact: ContactId,
    /// Who it is assigned to.
    pub assignment: Assignment,
    /// Open, closed or spam.
    pub status: ConversationStatus,
}

impl Conversation {
    /// An open, unassigned conversation.
    #[must_use]
    pub fn new(id: ConversationId, org: OrgId, contact: ContactId) -> Self {
        Conversation {
            id,
            org,
            contact,
            assignment: Assignment::Unassigned,
            status: ConversationStatus::Open,
        }
    }

    /// An open, unassigned conversation whose contact the host does not
    /// have at hand: its contact is [`ContactId::NONE`]. Members decide on
    /// it as on any other; no contact sees it as their own.
    ///
    /// ```
    /// use purview::{can, preset, Action, Actor, Attributes, ContactId, Conversation};
    /// use purview::{ConversationId, MemberId, OrgId, Resource};
    /// let c = Conversation::without_contact(ConversationId(1), OrgId(1));
    /// let owner = Actor::member(OrgId(1), MemberId(1), preset::helpdesk().role("owner").unwrap(), []);
    /// assert!(can(&owner, Action::ViewConversation, &Resource::Conversation(&c)).is_allowed());
    /// let nobody = Actor::contact(OrgId(1), ContactId::NONE, Attributes::new());
    /// assert!(!can(&nobody, Action::ViewConversation, &Resource::Conversation(&c)).is_allowed());
    /// ```
    #[must_use]
    pub fn without_contact(id: ConversationId, org: OrgId) -> Self {
        Conversation::new(id, org, ContactId::NONE)
    }

    /// The same conversation with another assignment.
    #[must_use]
    pub fn assigned(mut self, assignment: Assignment) -> Self {
        self.assignment = assignment;
        self
    }
}
