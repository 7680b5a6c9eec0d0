//! Actors: who is asking.

use crate::model::contact::Attributes;
use crate::model::id::{ApiKeyId, BotId, ContactId, MemberId, OrgId, TeamId};
use crate::model::permission::Permissions;
use crate::model::role::Role;
use crate::model::scope::{ConversationScope, Reach};

/// Who is asking: a member, a contact or an API key. Every actor carries its
/// organization.
///
/// Build actors once per request (or cache them, keyed by the organization's
/// change version); evaluation then only reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Actor {
    /// A member of the organization, acting through their role.
    Member(MemberActor),
    /// An external contact with no account.
    Contact(ContactActor),
    /// An API key, acting for one bot.
    ApiKey(ApiKeyActor),
}

impl Actor {
    /// The actor's organization.
    #[must_use]
    pub fn org(&self) -> OrgId {
        match self {
            Actor::Member(m) => m.org,
            Actor::Contact(c) => c.org,
            Actor::ApiKey(k) => k.org,
        }
    }

    /// A member actor; see [`MemberActor::new`].
    #[must_use]
    pub fn member(
        org: OrgId,
        id: MemberId,
        role: &Role,
        teams: impl IntoIterator<Item = TeamId>,
    ) -> Actor {
        Actor::Member(MemberActor::new(org, id, role, teams))
    }

    /// A contact actor.
    #[must_use]
    pub fn contact(org: OrgId, id: ContactId, attributes: Attributes) -> Actor {
        Actor::Contact(ContactActor {
            org,
            id,
            attributes,
        })
    }

    /// An API key actor acting for `bot` with `permissions`.
    #[must_use]
    pub fn api_key(org: OrgId, id: ApiKeyId, bot: BotId, permissions: Permissions) -> Actor {
        Actor::ApiKey(ApiKeyActor {
            org,
            id,
            bot,
            permissions,
        })
    }
}

/// Whether a member may act.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MemberStatus {
    /// The member may act through their role.
    #[default]
    Active,
    /// The member may do nothing.
    Disabled,
    /// Created by an import and invited: may do nothing until the invitation
    /// is accepted. Holds a seat through the pending invitation.
    Invited,
}

/// A member acting through their role.
///
/// What evaluation reads on every call (the effective permissions and scopes,
/// already emptied for a disabled member) is computed once, when the actor is
/// built, and kept first in the struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberActor {
    org: OrgId,
    id: MemberId,
    permissions: Permissions,
    view_scope: ConversationScope,
    manage_scope: ConversationScope,
    own_teams_only: bool,
    own_bots_only: bool,
    enabled: bool,
    teams: Box<[TeamId]>,
    bots: Box<[BotId]>,
    /// Permission levels of some bot grants, sorted by bot.
    bot_levels: Box<[(BotId, Permissions)]>,
    status: MemberStatus,
    role: Role,
}

impl MemberActor {
    /// An active member with a copy of their role and their teams.
    #[must_use]
    pub fn new(
        org: OrgId,
        id: MemberId,
        role: &Role,
        teams: impl IntoIterator<Item = TeamId>,
    ) -> Self {
        MemberActor {
            org,
            id,
            permissions: Permissions::empty(),
            view_scope: ConversationScope::empty(),
            manage_scope: ConversationScope::empty(),
            own_teams_only: true,
            own_bots_only: true,
            enabled: false,
            teams: sorted(teams),
            bots: Box::new([]),
            bot_levels: Box::new([]),
            status: MemberStatus::Active,
            role: role.clone(),
        }
        .refreshed()
    }

    /// Recomputes what evaluation reads from the role and the status.
    fn refreshed(mut self) -> Self {
        self.enabled = self.status == MemberStatus::Active && !self.role.is_disabled();
        if self.enabled {
            self.permissions = self.role.permissions();
            self.view_scope = self.role.view_scope();
            self.manage_scope = self.role.manage_scope();
            self.own_teams_only = self.role.team_reach() == Reach::Own;
            self.own_bots_only = self.role.bot_reach() == Reach::Own;
        } else {
            self.permissions = Permissions::empty();
            self.view_scope = ConversationScope::empty();
            self.manage_scope = ConversationScope::empty();
            self.own_teams_only = true;
            self.own_bots_only = true;
        }
        self
    }

    /// The permissions the member holds now: the role's, or none when disabled.
    #[inline]
    #[must_use]
    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// The conversation scope for `scope_use`, empty when disabled.
    #[inline]
    #[must_use]
    pub fn scope(&self, scope_use: crate::model::action::ScopeUse) -> ConversationScope {
        match scope_use {
            crate::model::action::ScopeUse::View => self.view_scope,
            crate::model::action::ScopeUse::Manage => self.manage_scope,
        }
    }

    /// Whether the role reaches only the member's own teams.
    #[inline]
    #[must_use]
    pub fn own_teams_only(&self) -> bool {
        self.own_teams_only
    }

    /// Whether the role reaches only the bots granted to the member.
    #[inline]
    #[must_use]
    pub fn own_bots_only(&self) -> bool {
        self.own_bots_only
    }

    /// The same member with the bots they were granted access to.
    #[must_use]
    pub fn with_bots(mut self, bots: impl IntoIterator<Item = BotId>) -> Self {
        self.bots = sorted(bots);
        self
    }

    /// The same member with permission levels on some of their bots: on
    /// such a bot they do only what their role and the level both allow.
    #[must_use]
    pub fn with_bot_levels(
        mut self,
        levels: impl IntoIterator<Item = (BotId, Permissions)>,
    ) -> Self {
        let mut levels: Vec<(BotId, Permissions)> = levels.into_iter().collect();
        levels.sort_unstable_by_key(|(b, _)| *b);
        levels.dedup_by_key(|(b, _)| *b);
        self.bot_levels = levels.into_boxed_slice();
        self
    }

    /// The permission level of the member's grant of a bot, if it carries one.
    #[inline]
    #[must_use]
    pub fn bot_level(&self, bot: BotId) -> Option<Permissions> {
        if self.bot_levels.is_empty() {
            return None;
        }
        self.bot_levels
            .binary_search_by_key(&bot, |(b, _)| *b)
            .ok()
            .map(|i| self.bot_levels[i].1)
    }

    /// The same member with another status.
    #[must_use]
    pub fn with_status(mut self, status: MemberStatus) -> Self {
        self.status = status;
        self.refreshed()
    }

    /// The member's organization.
    #[inline]
    #[must_use]
    pub fn org(&self) -> OrgId {
        self.org
    }

    /// The member.
    #[inline]
    #[must_use]
    pub fn id(&self) -> MemberId {
        self.id
    }

    /// The member's role.
    #[inline]
    #[must_use]
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The member's teams, sorted.
    #[must_use]
    pub fn teams(&self) -> &[TeamId] {
        &self.teams
    }

    /// The bots the member was granted, sorted.
    #[must_use]
    pub fn bots(&self) -> &[BotId] {
        &self.bots
    }

    /// The permission levels of the member's bot grants, sorted by bot.
    pub(crate) fn bot_levels(&self) -> &[(BotId, Permissions)] {
        &self.bot_levels
    }

    /// The member's status.
    #[must_use]
    pub fn status(&self) -> MemberStatus {
        self.status
    }

    /// Whether the member belongs to the team.
    #[inline]
    #[must_use]
    pub fn in_team(&self, team: TeamId) -> bool {
        crate::model::team::sorted_contains(&self.teams, team)
    }

    /// Whether the member was granted the bot.
    #[inline]
    #[must_use]
    pub fn has_bot(&self, bot: BotId) -> bool {
        self.bots.binary_search(&bot).is_ok()
    }

    /// Whether the member may act at all: active, and not holding a disabling role.
    #[inline]
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }
}

impl From<MemberActor> for Actor {
    fn from(m: MemberActor) -> Actor {
        Actor::Member(m)
    }
}

fn sorted<T: Ord>(items: impl IntoIterator<Item = T>) -> Box<[T]> {
    let mut v: Vec<T> = items.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

/// An external contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactActor {
    /// The contact's organization.
    pub org: OrgId,
    /// The contact.
    pub id: ContactId,
    /// The attributes the host synced.
    pub attributes: Attributes,
}

/// An API key acting for one bot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyActor {
    /// The key's organization.
    pub org: OrgId,
    /// The key.
    pub id: ApiKeyId,
    /// The only bot the key acts on.
    pub bot: BotId,
    /// What the key may do to its bot.
    pub permissions: Permissions,
}
