//! Roles: data, not code.

use crate::model::permission::Permissions;
use crate::model::scope::{ConversationScope, KnowledgeRefs, Reach};
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;

/// The key that names a role inside a catalog (`"agent"`, `"primary_admin"`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleKey(String);

impl RoleKey {
    /// A role key.
    #[must_use]
    pub fn new(key: impl Into<String>) -> Self {
        RoleKey(key.into())
    }

    /// The key as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for RoleKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for RoleKey {
    fn from(key: &str) -> Self {
        RoleKey(key.to_owned())
    }
}

/// A role: a key, a display name, a permission set, conversation scopes,
/// reaches over teams and bots, knowledge-base references and flags.
///
/// Privilege is judged by containment, not by rank: see [`Role::grants_beyond`].
///
/// # Examples
///
/// ```
/// use purview::{ConversationScope as S, Permissions as P, Reach, Role};
///
/// let lead = Role::builder("lead", "Team lead")
///     .permissions(P::CONVERSATION_VIEW | P::CONVERSATION_ASSIGN | P::TEAM_MEMBERS_EDIT)
///     .view_scope(S::UNASSIGNED | S::MY_TEAMS | S::ASSIGNED_TO_ME)
///     .manage_scope(S::UNASSIGNED | S::MY_TEAMS | S::ASSIGNED_TO_ME)
///     .team_reach(Reach::Own)
///     .build();
/// assert_eq!(lead.key().as_str(), "lead");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    key: RoleKey,
    name: String,
    #[serde(default)]
    permissions: Permissions,
    #[serde(default = "ConversationScope::empty")]
    view_scope: ConversationScope,
    #[serde(default = "ConversationScope::empty")]
    manage_scope: ConversationScope,
    #[serde(default)]
    team_reach: Reach,
    #[serde(default)]
    bot_reach: Reach,
    #[serde(default)]
    knowledge: KnowledgeRefs,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    unique: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    disabled: bool,
}

impl Default for Permissions {
    fn default() -> Self {
        Permissions::empty()
    }
}

impl Role {
    /// Starts a role with no permissions, empty scopes, reach over every team
    /// and bot, and references to every knowledge base.
    pub fn builder(key: impl Into<String>, name: impl Into<String>) -> RoleBuilder {
        RoleBuilder {
            role: Role {
                key: RoleKey::new(key),
                name: name.into(),
                permissions: Permissions::empty(),
                view_scope: ConversationScope::empty(),
                manage_scope: ConversationScope::empty(),
                team_reach: Reach::All,
                bot_reach: Reach::All,
                knowledge: KnowledgeRefs::All,
                unique: false,
                disabled: false,
            },
        }
    }

    /// A builder starting from this role as it is, to make a changed copy
    /// (for [`crate::Directory::edit_role`]).
    ///
    /// ```
    /// use purview::{preset, Permissions};
    /// let agent = preset::helpdesk().role("agent").unwrap().clone();
    /// let wider = agent.to_builder().permissions(agent.permissions() | Permissions::ANALYTICS_VIEW).build();
    /// assert_eq!(wider.key(), agent.key());
    /// assert!(wider.grants_beyond(&agent));
    /// ```
    pub fn to_builder(&self) -> RoleBuilder {
        RoleBuilder { role: self.clone() }
    }

    /// The role's key.
    #[must_use]
    pub fn key(&self) -> &RoleKey {
        &self.key
    }

    /// The role's display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The permissions the role holds (empty for a disabling role).
    #[must_use]
    pub fn permissions(&self) -> Permissions {
        if self.disabled {
            Permissions::empty()
        } else {
            self.permissions
        }
    }

    /// The conversations a member with this role may see.
    #[must_use]
    pub fn view_scope(&self) -> ConversationScope {
        if self.disabled {
            ConversationScope::empty()
        } else {
            self.view_scope
        }
    }

    /// The conversations a member with this role may handle: reply, close,
    /// reopen, mark as spam, assign and reassign.
    #[must_use]
    pub fn manage_scope(&self) -> ConversationScope {
        if self.disabled {
            ConversationScope::empty()
        } else {
            self.manage_scope
        }
    }

    /// Which teams the role's team permissions reach.
    #[must_use]
    pub fn team_reach(&self) -> Reach {
        if self.disabled {
            Reach::Own
        } else {
            self.team_reach
        }
    }

    /// Which bots the role's bot permissions reach.
    #[must_use]
    pub fn bot_reach(&self) -> Reach {
        if self.disabled {
            Reach::Own
        } else {
            self.bot_reach
        }
    }

    /// The knowledge bases the role may reference.
    #[must_use]
    pub fn knowledge(&self) -> &KnowledgeRefs {
        const NONE: &KnowledgeRefs = &KnowledgeRefs::Only(Vec::new());
        if self.disabled {
            NONE
        } else {
            &self.knowledge
        }
    }

    /// Whether at most one member of an organization may hold this role (the Owner).
    #[must_use]
    pub fn is_unique(&self) -> bool {
        self.unique
    }

    /// Whether members with this role are disabled: they may do nothing.
    #[must_use]
    pub fn is_disabled(&self) -> bool {
        self.disabled
    }

    pub(crate) fn raw_permissions(&self) -> Permissions {
        self.permissions
    }

    pub(crate) fn raw_view_scope(&self) -> ConversationScope {
        self.view_scope
    }

    pub(crate) fn raw_manage_scope(&self) -> ConversationScope {
        self.manage_scope
    }

    pub(crate) fn raw_team_reach(&self) -> Reach {
        self.team_reach
    }

    pub(crate) fn raw_bot_reach(&self) -> Reach {
        self.bot_reach
    }

    pub(crate) fn raw_knowledge(&self) -> &KnowledgeRefs {
        &self.knowledge
    }

    /// Whether this role grants something `other` does not: a permission, a
    /// wider conversation scope, a wider team or bot reach, or a knowledge
    /// base reference.
    ///
    /// The relation is containment, not rank: of two incomparable roles each
    /// grants beyond the other, so `!a.grants_beyond(b)` — `a` is covered by
    /// `b` — is the test for "no more than". A role never grants beyond
    /// itself, and a disabling role grants beyond nothing.
    ///
    /// ```
    /// use purview::preset;
    /// let c = preset::helpdesk();
    /// let admin = c.role("admin").unwrap();
    /// let agent = c.role("agent").unwrap();
    /// let primary_admin = c.role("primary_admin").unwrap();
    /// assert!(admin.grants_beyond(agent));
    /// assert!(!agent.grants_beyond(admin));
    /// assert!(primary_admin.grants_beyond(admin));
    /// ```
    #[must_use]
    #[inline]
    pub fn grants_beyond(&self, other: &Role) -> bool {
        // A disabling role grants nothing: never beyond, and anything an
        // enabled role grants is beyond it (read through the accessors,
        // which give a disabling role nothing). Two enabled roles compare
        // their fields directly, the case every invitation asks.
        if self.disabled {
            return false;
        }
        if other.disabled {
            return !(other.permissions().contains(self.permissions)
                && other.view_scope().covers(self.view_scope)
                && other.manage_scope().covers(self.manage_scope)
                && other.team_reach().covers(self.team_reach)
                && other.bot_reach().covers(self.bot_reach)
                && other.knowledge().covers(&self.knowledge));
        }
        !(other.permissions.contains(self.permissions)
            && other.view_scope.covers(self.view_scope)
            && other.manage_scope.covers(self.manage_scope)
            && other.team_reach.covers(self.team_reach)
            && other.bot_reach.covers(self.bot_reach)
            && other.knowledge.covers(&self.knowledge))
    }

    /// The former name of [`Role::grants_beyond`].
    #[deprecated(note = "renamed `grants_beyond`: it holds for both of two incomparable roles")]
    #[must_use]
    pub fn exceeds(&self, other: &Role) -> bool {
        self.grants_beyond(other)
    }
}

/// Builds a [`Role`]; see [`Role::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct RoleBuilder {
    role: Role,
}

impl RoleBuilder {
    /// Sets the permissions.
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.role.permissions = permissions;
        self
    }

    /// Sets the conversation view scope.
    pub fn view_scope(mut self, scope: ConversationScope) -> Self {
        self.role.view_scope = scope;
        self
    }

    /// Sets the conversation manage scope (reply, close, spam, assign).
    pub fn manage_scope(mut self, scope: ConversationScope) -> Self {
        self.role.manage_scope = scope;
        self
    }

    /// Sets the team reach.
    pub fn team_reach(mut self, reach: Reach) -> Self {
        self.role.team_reach = reach;
        self
    }

    /// Sets the bot reach.
    pub fn bot_reach(mut self, reach: Reach) -> Self {
        self.role.bot_reach = reach;
        self
    }

    /// Sets the knowledge-base references.
    pub fn knowledge(mut self, refs: KnowledgeRefs) -> Self {
        // Kept sorted and deduplicated whatever the caller built: `can`
        // searches the list, and the list filters read it as a set.
        self.role.knowledge = match refs {
            KnowledgeRefs::Only(ids) => KnowledgeRefs::only(ids),
            all => all,
        };
        self
    }

    /// Marks the role unique: at most one member holds it, and it changes
    /// hands only by a transfer.
    pub fn unique(mut self) -> Self {
        self.role.unique = true;
        self
    }

    /// Marks the role disabling: its members may do nothing.
    pub fn disabled(mut self) -> Self {
        self.role.disabled = true;
        self
    }

    /// The role.
    #[must_use]
    pub fn build(self) -> Role {
        self.role
    }
}
