//! Resources: what the action is done to.

use crate::model::conversation::{Assignment, Conversation};
use crate::model::id::{AiChatId, BotId, ContactId, MemberId, OrgId, TeamId};
use crate::model::knowledge::{Document, KnowledgeBase};
use crate::model::role::Role;
use std::fmt;

/// What an action is done to. Borrowed, so building one costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resource<'a> {
    /// The organization as a whole: features and settings that are not about
    /// one object.
    Organization(OrgId),
    /// A team.
    Team {
        /// Its organization.
        org: OrgId,
        /// The team.
        team: TeamId,
    },
    /// A conversation.
    Conversation(&'a Conversation),
    /// A conversation together with the assignment it would move to.
    Reassignment {
        /// The conversation as it is now.
        conversation: &'a Conversation,
        /// The new assignment.
        to: Assignment,
        /// The teams of the member named in `to`, if any (empty otherwise),
        /// sorted: a team-and-member target needs the member in that team.
        to_member_teams: &'a [TeamId],
    },
    /// A contact.
    Contact {
        /// Its organization.
        org: OrgId,
        /// The contact.
        contact: ContactId,
    },
    /// A member (as the object of an action: remove, edit, change role).
    Member {
        /// Its organization.
        org: OrgId,
        /// The member.
        member: MemberId,
    },
    /// An invitation (email or link) that would grant a role.
    Invitation {
        /// Its organization.
        org: OrgId,
        /// The role it would grant.
        role: &'a Role,
    },
    /// A bot.
    Bot {
        /// Its organization.
        org: OrgId,
        /// The bot.
        bot: BotId,
    },
    /// A knowledge base.
    KnowledgeBase(&'a KnowledgeBase),
    /// A document of a knowledge base.
    Document {
        /// The knowledge base the document belongs to.
        knowledge_base: &'a KnowledgeBase,
        /// The document.
        document: &'a Document,
    },
    /// A private AI chat.
    AiChat {
        /// Its organization.
        org: OrgId,
        /// The chat.
        chat: AiChatId,
        /// The member who created it.
        owner: MemberId,
    },
}

/// The kinds of [`Resource`], without data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
#[non_exhaustive]
pub enum ResourceKind {
    /// [`Resource::Organization`].
    Organization = 0,
    /// [`Resource::Team`].
    Team,
    /// [`Resource::Conversation`].
    Conversation,
    /// [`Resource::Reassignment`].
    Reassignment,
    /// [`Resource::Contact`].
    Contact,
    /// [`Resource::Member`].
    Member,
    /// [`Resource::Invitation`].
    Invitation,
    /// [`Resource::Bot`].
    Bot,
    /// [`Resource::KnowledgeBase`].
    KnowledgeBase,
    /// [`Resource::Document`].
    Document,
    /// [`Resource::AiChat`].
    AiChat,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Organization => "organization",
            ResourceKind::Team => "team",
            ResourceKind::Conversation => "conversation",
            ResourceKind::Reassignment => "reassignment",
            ResourceKind::Contact => "contact",
            ResourceKind::Member => "member",
            ResourceKind::Invitation => "invitation",
            ResourceKind::Bot => "bot",
            ResourceKind::KnowledgeBase => "knowledge base",
            ResourceKind::Document => "document",
            ResourceKind::AiChat => "AI chat",
        })
    }
}

impl Resource<'_> {
    /// The resource's kind.
    #[inline]
    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        match self {
            Resource::Organization(_) => ResourceKind::Organization,
            Resource::Team { .. } => ResourceKind::Team,
            Resource::Conversation(_) => ResourceKind::Conversation,
            Resource::Reassignment { .. } => ResourceKind::Reassignment,
            Resource::Contact { .. } => ResourceKind::Contact,
            Resource::Member { .. } => ResourceKind::Member,
            Resource::Invitation { .. } => ResourceKind::Invitation,
            Resource::Bot { .. } => ResourceKind::Bot,
            Resource::KnowledgeBase(_) => ResourceKind::KnowledgeBase,
            Resource::Document { .. } => ResourceKind::Document,
            Resource::AiChat { .. } => ResourceKind::AiChat,
        }
    }

    /// The organization the resource belongs to, or `None` when its parts
    /// disagree (a document whose knowledge base is in another organization),
    /// which is treated as another organization.
    #[inline]
    #[must_use]
    pub fn org(&self) -> Option<OrgId> {
        match *self {
            Resource::Organization(org)
            | Resource::Team { org, .. }
            | Resource::Contact { org, .. }
            | Resource::Member { org, .. }
            | Resource::Invitation { org, .. }
            | Resource::Bot { org, .. }
            | Resource::AiChat { org, .. } => Some(org),
            Resource::Conversation(c)
            | Resource::Reassignment {
                conversation: c, ..
            } => Some(c.org),
            Resource::KnowledgeBase(kb) => Some(kb.org),
            Resource::Document {
                knowledge_base,
                document,
            } => (knowledge_base.org == document.org
                && knowledge_base.id == document.knowledge_base)
                .then_some(knowledge_base.org),
        }
    }
}

/// A kind of resource serializes as its `Display` name (`"knowledge base"`).
impl serde::Serialize for ResourceKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
