//! The changes that move an organization's state, as a store keeps them in
//! its change log.

use super::bots::{ApiKey, Bot};
use super::knowledge::StoredKnowledgeBase;
use super::member::{Invitation, Member, Organization};
use crate::model::catalog::Catalog;
use crate::model::id::{BotId, KnowledgeBaseId, MemberId, TeamId};
use crate::model::team::Team;
use std::sync::Arc;

/// One commit of the change log: the version it produced and its changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// The organization's version after the commit.
    pub version: u64,
    /// The commit's changes, in order.
    pub changes: Vec<Change>,
}

/// One change to an organization's state. A store applies a list of them
/// atomically, with [`OrgState::apply`](crate::OrgState::apply) as their meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// Creates the organization (only as the first change of its first commit).
    CreateOrganization(Organization),
    /// Inserts or replaces a member.
    PutMember(Arc<Member>),
    /// Deletes a member.
    DeleteMember(MemberId),
    /// Inserts or replaces a team.
    PutTeam(Arc<Team>),
    /// Deletes a team.
    DeleteTeam(TeamId),
    /// Inserts or replaces an invitation.
    PutInvitation(Arc<Invitation>),
    /// Sets the organization's name and seat limit; its catalog stays.
    SetOrganization {
        /// The organization's name.
        name: String,
        /// The seats the organization may use.
        seat_limit: u32,
    },
    /// Replaces the organization's role catalog (its roles, policy,
    /// knowledge bases and matrix); the records stay.
    SetCatalog(Arc<Catalog>),
    /// Inserts or replaces a registered bot.
    PutBot(Arc<Bot>),
    /// Deletes a registered bot.
    DeleteBot(BotId),
    /// Inserts or replaces an API key.
    PutApiKey(Arc<ApiKey>),
    /// Sets the organization's settings, all of them.
    SetSettings(std::collections::BTreeMap<String, String>),
    /// Inserts or replaces a knowledge base's record.
    PutKnowledgeBase(Arc<StoredKnowledgeBase>),
    /// Deletes a knowledge base's record.
    DeleteKnowledgeBase(KnowledgeBaseId),
}
