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
#[derive(Clone, PartialEq, Eq)]
pub struct Role {
    data: RoleData,
    /// Folded from `data` whenever a role is made (built or read).
    grants: Grants,
}

/// A role's fields, as they are written and read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleData {
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

/// A role shows its fields (its folded grants are derived from them).
impl fmt::Debug for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data;
        f.debug_struct("Role")
            .field("key", &d.key)
            .field("name", &d.name)
            .field("permissions", &d.permissions)
            .field("view_scope", &d.view_scope)
            .field("manage_scope", &d.manage_scope)
            .field("team_reach", &d.team_reach)
            .field("bot_reach", &d.bot_reach)
            .field("knowledge", &d.knowledge)
            .field("unique", &d.unique)
            .field("disabled", &d.disabled)
            .finish()
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.data.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RoleData::deserialize(deserializer).map(Role::from_data)
    }
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
            data: RoleData {
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
        RoleBuilder {
            data: self.data.clone(),
        }
    }

    /// The role's key.
    #[must_use]
    pub fn key(&self) -> &RoleKey {
        &self.data.key
    }

    /// The role's display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The permissions the role holds (empty for a disabling role).
    #[must_use]
    pub fn permissions(&self) -> Permissions {
        if self.data.disabled {
            Permissions::empty()
        } else {
            self.data.permissions
        }
    }

    /// The conversations a member with this role may see.
    #[must_use]
    pub fn view_scope(&self) -> ConversationScope {
        if self.data.disabled {
            ConversationScope::empty()
        } else {
            self.data.view_scope
        }
    }

    /// The conversations a member with this role may handle: reply, close,
    /// reopen, mark as spam, assign and reassign.
    #[must_use]
    pub fn manage_scope(&self) -> ConversationScope {
        if self.data.disabled {
            ConversationScope::empty()
        } else {
            self.data.manage_scope
        }
    }

    /// Which teams the role's team permissions reach.
    #[must_use]
    pub fn team_reach(&self) -> Reach {
        if self.data.disabled {
            Reach::Own
        } else {
            self.data.team_reach
        }
    }

    /// Which bots the role's bot permissions reach.
    #[must_use]
    pub fn bot_reach(&self) -> Reach {
        if self.data.disabled {
            Reach::Own
        } else {
            self.data.bot_reach
        }
    }

    /// The knowledge bases the role may reference.
    #[must_use]
    pub fn knowledge(&self) -> &KnowledgeRefs {
        const NONE: &KnowledgeRefs = &KnowledgeRefs::Only(Vec::new());
        if self.data.disabled {
            NONE
        } else {
            &self.data.knowledge
        }
    }

    /// Whether at most one member of an organization may hold this role (the Owner).
    #[must_use]
    pub fn is_unique(&self) -> bool {
        self.data.unique
    }

    /// Whether members with this role are disabled: they may do nothing.
    #[must_use]
    pub fn is_disabled(&self) -> bool {
        self.data.disabled
    }

    pub(crate) fn raw_permissions(&self) -> Permissions {
        self.data.permissions
    }

    pub(crate) fn raw_view_scope(&self) -> ConversationScope {
        self.data.view_scope
    }

    pub(crate) fn raw_manage_scope(&self) -> ConversationScope {
        self.data.manage_scope
    }

    pub(crate) fn raw_team_reach(&self) -> Reach {
        self.data.team_reach
    }

    pub(crate) fn raw_bot_reach(&self) -> Reach {
        self.data.bot_reach
    }

    pub(crate) fn raw_knowledge(&self) -> &KnowledgeRefs {
        &self.data.knowledge
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
        self.grants.beyond(other.grants) || !other.knowledge().covers(self.knowledge())
    }

    /// What the role grants, folded when the role was made.
    #[inline(always)]
    pub(crate) fn grants(&self) -> Grants {
        self.grants
    }

    /// A role with its grants folded from its fields.
    fn from_data(data: RoleData) -> Role {
        let mut role = Role {
            data,
            grants: Grants::NOTHING,
        };
        role.grants = Grants::of(&role);
        role
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
    data: RoleData,
}

impl RoleBuilder {
    /// Sets the permissions.
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.data.permissions = permissions;
        self
    }

    /// Sets the conversation view scope.
    pub fn view_scope(mut self, scope: ConversationScope) -> Self {
        self.data.view_scope = scope;
        self
    }

    /// Sets the conversation manage scope (reply, close, spam, assign).
    pub fn manage_scope(mut self, scope: ConversationScope) -> Self {
        self.data.manage_scope = scope;
        self
    }

    /// Sets the team reach.
    pub fn team_reach(mut self, reach: Reach) -> Self {
        self.data.team_reach = reach;
        self
    }

    /// Sets the bot reach.
    pub fn bot_reach(mut self, reach: Reach) -> Self {
        self.data.bot_reach = reach;
        self
    }

    /// Sets the knowledge-base references.
    pub fn knowledge(mut self, refs: KnowledgeRefs) -> Self {
        // Kept sorted and deduplicated whatever the caller built: `can`
        // searches the list, and the list filters read it as a set.
        self.data.knowledge = match refs {
            KnowledgeRefs::Only(ids) => KnowledgeRefs::only(ids),
            all => all,
        };
        self
    }

    /// Marks the role unique: at most one member holds it, and it changes
    /// hands only by a transfer.
    pub fn unique(mut self) -> Self {
        self.data.unique = true;
        self
    }

    /// Marks the role disabling: its members may do nothing.
    pub fn disabled(mut self) -> Self {
        self.data.disabled = true;
        self
    }

    /// The role.
    #[must_use]
    pub fn build(self) -> Role {
        Role::from_data(self.data)
    }
}

/// What a role grants, folded into two words when the role is made:
/// [`Role::grants_beyond`] compares them bit by bit, and an invitation's
/// check in [`can`](crate::can) is a few loads and one branch
/// ([`Grants::surely_covered_by`]).
///
/// Read through the role's accessors, so a disabling role grants nothing.
/// A conversation scope counts as every part when it holds the
/// organization-wide part (which covers the others); a reach over all
/// teams or bots, and references to all knowledge bases, are one bit each.
/// Two more bits say what the words cannot decide alone: the role
/// references a list of knowledge bases (compared as lists), and the role
/// is unique (nobody is invited to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Grants {
    permissions: Permissions,
    reach: u16,
}

/// The bit of [`Grants::reach`] for references to every knowledge base.
const ALL_KNOWLEDGE: u16 = 1 << 10;
/// The bits of [`Grants::reach`] that compare by containment: the two
/// scopes, the two reaches and [`ALL_KNOWLEDGE`].
const COMPARED: u16 = (ALL_KNOWLEDGE << 1) - 1;
/// The role references a list of knowledge bases: compared as lists.
const KNOWLEDGE_LIST: u16 = 1 << 11;
/// The role is unique: nobody is invited to it.
const UNIQUE: u16 = 1 << 12;

impl Grants {
    const NOTHING: Grants = Grants {
        permissions: Permissions::empty(),
        reach: 0,
    };

    /// The grants of `role`.
    fn of(role: &Role) -> Grants {
        fn scope(s: ConversationScope) -> u16 {
            if s.contains(ConversationScope::ORGANIZATION) {
                0xF
            } else {
                u16::from(s.bits())
            }
        }
        let all = |r: Reach| u16::from(r == Reach::All);
        let knowledge = match role.knowledge() {
            KnowledgeRefs::All => ALL_KNOWLEDGE,
            KnowledgeRefs::Only(ids) if ids.is_empty() => 0,
            KnowledgeRefs::Only(_) => KNOWLEDGE_LIST,
        };
        Grants {
            permissions: role.permissions(),
            reach: scope(role.view_scope())
                | (scope(role.manage_scope()) << 4)
                | (all(role.team_reach()) << 8)
                | (all(role.bot_reach()) << 9)
                | knowledge
                | if role.is_unique() { UNIQUE } else { 0 },
        }
    }

    /// Whether these grants hold a permission, a scope or a reach `other`
    /// lacks (lists of knowledge bases apart).
    #[inline(always)]
    fn beyond(self, other: Grants) -> bool {
        !self.permissions.difference(other.permissions).is_empty()
            | (self.reach & !other.reach & COMPARED != 0)
    }

    /// Whether a role with these grants is surely not unique and covered by
    /// a role with `other`'s: every permission, scope and reach of it is
    /// `other`'s, and it references every knowledge base (then so does
    /// `other`) or none. `false` says to look closer.
    #[inline(always)]
    pub(crate) fn surely_covered_by(self, other: Grants) -> bool {
        self.permissions.difference(other.permissions).is_empty()
            & (self.reach & !(other.reach & COMPARED) == 0)
    }
}
