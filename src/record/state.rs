//! The stored state of one organization, and the changes that move it.

use crate::actor::{MemberActor, MemberStatus};
use crate::catalog::Catalog;
use crate::id::{BotId, InvitationId, MemberId, OrgId, TeamId};
use crate::role::{Role, RoleKey};
use crate::team::Team;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The latest time the directory records: 2^63 − 1 seconds, what every
    /// store can hold. Later times (an invitation lifetime of `u64::MAX`, a
    /// clock set past it) are taken as this one, the same on every store.
    pub const MAX: Timestamp = Timestamp(i64::MAX as u64);

    /// The timestamp `secs` seconds later, saturating at [`Timestamp::MAX`].
    #[must_use]
    pub fn plus(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs)).min(Timestamp::MAX)
    }
}

/// An organization's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// The organization.
    pub id: OrgId,
    /// Its display name.
    pub name: String,
    /// Its role catalog.
    pub catalog: Arc<Catalog>,
    /// Active members plus pending invitations never exceed this.
    pub seat_limit: u32,
}

/// A member as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member.
    pub id: MemberId,
    /// Email in its stored form (NFC, case-folded); unique in the organization.
    pub email: String,
    /// External user code; unique in the organization when set.
    pub user_code: Option<String>,
    /// User name.
    pub user_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// The member's role, a key of the organization's catalog.
    pub role: RoleKey,
    /// The member's teams, sorted.
    pub teams: Vec<TeamId>,
    /// The bots the member was granted, sorted.
    pub bots: Vec<BotId>,
    /// Active or disabled.
    pub status: MemberStatus,
}

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Waiting to be accepted (until it expires).
    Pending,
    /// Accepted once; never again.
    Accepted,
    /// Revoked.
    Revoked,
}

/// An invitation as stored: its secret only as a SHA-256 hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The invitation.
    pub id: InvitationId,
    /// The invited email in its stored form; `None` for a link anyone may use once.
    pub email: Option<String>,
    /// The role it grants.
    pub role: RoleKey,
    /// SHA-256 of the secret.
    pub secret_hash: [u8; 32],
    /// Who created it.
    pub created_by: MemberId,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it stops being valid.
    pub expires_at: Timestamp,
    /// Pending, accepted or revoked.
    pub state: InvitationState,
}

impl Invitation {
    /// Whether it still holds a seat and can be accepted at `now`.
    #[must_use]
    pub fn is_pending(&self, now: Timestamp) -> bool {
        self.state == InvitationState::Pending && now < self.expires_at
    }
}

/// Everything stored about one organization except its audit log.
///
/// Records are shared (`Arc`) so that copying a state to check an operation's
/// outcome costs little.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgState {
    /// The organization.
    pub org: Organization,
    /// The change version: every committed change increments it.
    pub version: u64,
    /// Members by id, in creation order.
    pub members: IndexMap<MemberId, Arc<Member>>,
    /// Teams by id, in creation order.
    pub teams: IndexMap<TeamId, Arc<Team>>,
    /// Invitations by id, in creation order.
    pub invitations: IndexMap<InvitationId, Arc<Invitation>>,
}

/// One change to an organization's state. A store applies a list of them
/// atomically, with [`OrgState::apply`] as their meaning.
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
}

impl OrgState {
    /// A new, empty organization at version 0.
    #[must_use]
    pub fn new(org: Organization) -> OrgState {
        OrgState {
            org,
            version: 0,
            members: IndexMap::new(),
            teams: IndexMap::new(),
            invitations: IndexMap::new(),
        }
    }

    /// Applies one change (not the version: the store sets it on commit).
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::CreateOrganization(org) => self.org = org.clone(),
            Change::PutMember(m) => {
                self.members.insert(m.id, Arc::clone(m));
            }
            Change::DeleteMember(id) => {
                self.members.shift_remove(id);
            }
            Change::PutTeam(t) => {
                self.teams.insert(t.id, Arc::clone(t));
            }
            Change::DeleteTeam(id) => {
                self.teams.shift_remove(id);
            }
            Change::PutInvitation(i) => {
                self.invitations.insert(i.id, Arc::clone(i));
            }
        }
    }

    /// The member's role in this organization's catalog.
    #[must_use]
    pub fn role_of(&self, member: &Member) -> Option<&Role> {
        self.org.catalog.role(member.role.as_str())
    }

    /// The member with this email, compared in the stored form (NFC and
    /// case-folded).
    #[must_use]
    pub fn member_by_email(&self, email: &str) -> Option<&Arc<Member>> {
        let email = super::normalize(email);
        self.members.values().find(|m| m.email == email)
    }

    /// The actor for a member, ready for [`crate::can`]; `None` when the
    /// member does not exist or their stored role is not in the catalog.
    #[must_use]
    pub fn actor(&self, id: MemberId) -> Option<MemberActor> {
        let m = self.members.get(&id)?;
        let role = self.role_of(m)?;
        Some(
            MemberActor::new(self.org.id, m.id, role, m.teams.iter().copied())
                .with_bots(m.bots.iter().copied())
                .with_status(m.status),
        )
    }

    /// Active members plus pending invitations at `now`.
    #[must_use]
    pub fn seats_used(&self, now: Timestamp) -> u64 {
        let active = self
            .members
            .values()
            .filter(|m| m.status == MemberStatus::Active)
            .count();
        let pending = self
            .invitations
            .values()
            .filter(|i| i.is_pending(now))
            .count();
        (active + pending) as u64
    }

    /// Active members holding the role.
    #[must_use]
    pub fn active_with_role(&self, role: &str) -> usize {
        self.members
            .values()
            .filter(|m| m.status == MemberStatus::Active && m.role.as_str() == role)
            .count()
    }

    /// The first record, in stored order, that breaks a rule of the data
    /// itself. Every operation keeps these rules, so a state that breaks one
    /// was damaged outside the crate and must not be used: at most one member
    /// holds the unique role; every team a member is in exists; members'
    /// emails (compared lowercased) and user codes are unique; teams' codes,
    /// and their names compared case-insensitively as the directory compares
    /// them, are unique. One pass over members and teams, with hash maps.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn broken_rule(&self) -> Option<super::BrokenRule> {
        use super::{BrokenRule, StoredRecord};
        use std::collections::HashMap;

        let unique = self.org.catalog.unique_role().map(Role::key);
        let mut holder: Option<MemberId> = None;
        let mut emails: HashMap<String, MemberId> = HashMap::with_capacity(self.members.len());
        let mut codes: HashMap<&str, MemberId> = HashMap::with_capacity(self.members.len());
        for m in self.members.values() {
            let broken = |problem: String| {
                Some(BrokenRule {
                    record: StoredRecord::Member(m.id),
                    problem,
                })
            };
            if unique == Some(&m.role) {
                if let Some(first) = holder {
                    return broken(format!(
                        "holds the unique role `{}`, as member_id {} does",
                        m.role, first.0
                    ));
                }
                holder = Some(m.id);
            }
            if let Some(t) = m.teams.iter().find(|t| !self.teams.contains_key(*t)) {
                return broken(format!("is in team_id {}, which does not exist", t.0));
            }
            if let Some(first) = emails.insert(super::normalize(&m.email), m.id) {
                return broken(format!(
                    "has email `{}`, as member_id {} does",
                    m.email, first.0
                ));
            }
            if let Some(code) = &m.user_code {
                if let Some(first) = codes.insert(code.as_str(), m.id) {
                    return broken(format!(
                        "has user code `{code}`, as member_id {} does",
                        first.0
                    ));
                }
            }
        }
        if let (Some(role), None, Some(m)) = (unique, holder, self.members.values().next()) {
            return Some(BrokenRule {
                record: StoredRecord::Member(m.id),
                problem: format!("no member holds the unique role `{role}`; exactly one must"),
            });
        }
        let mut team_codes: HashMap<&str, TeamId> = HashMap::with_capacity(self.teams.len());
        let mut team_names: HashMap<String, &Team> = HashMap::with_capacity(self.teams.len());
        for t in self.teams.values() {
            let broken = |problem: String| {
                Some(BrokenRule {
                    record: StoredRecord::Team(t.id),
                    problem,
                })
            };
            if let Some(code) = &t.code {
                if let Some(first) = team_codes.insert(code.as_str(), t.id) {
                    return broken(format!("has code `{code}`, as team_id {} does", first.0));
                }
            }
            if let Some(first) = team_names.insert(t.name.to_lowercase(), t) {
                return broken(format!(
                    "has name `{}`, as team_id {} does with `{}` (team names are compared case-insensitively)",
                    t.name, first.id.0, first.name
                ));
            }
        }
        None
    }

    /// Members per role, in catalog order (every role listed, zero included).
    #[must_use]
    pub fn role_counts(&self) -> IndexMap<RoleKey, usize> {
        let mut counts: IndexMap<RoleKey, usize> = self
            .org
            .catalog
            .roles()
            .map(|r| (r.key().clone(), 0))
            .collect();
        for m in self.members.values() {
            *counts.entry(m.role.clone()).or_insert(0) += 1;
        }
        counts
    }
}
