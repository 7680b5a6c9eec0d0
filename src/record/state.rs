//! The stored state of one organization: its records, their index, and
//! [`OrgState::apply`], the meaning of every [`Change`].

use super::bots::{ApiKey, Bot};
use super::change::Change;
use super::index::{partition, Index};
use super::knowledge::StoredKnowledgeBase;
use super::member::{Invitation, Member, Organization, Timestamp};
use super::records::Records;
use crate::model::actor::MemberActor;
use crate::model::id::{ApiKeyId, BotId, InvitationId, KnowledgeBaseId, MemberId, TeamId};
use crate::model::role::{Role, RoleKey};
use crate::model::team::Team;
use indexmap::IndexMap;
use std::sync::{Arc, OnceLock};

/// Everything stored about one organization except its audit log.
///
/// Records are shared (`Arc`) so that copying a state to check an operation's
/// outcome costs little. Lookups by address and user code, counts per role,
/// active members and open invitations are kept in an index built on first
/// use and maintained by [`OrgState::apply`], so that an operation does not
/// pass over every member: change a state only through `apply` once it has
/// been read (assigning to its fields afterwards leaves the index stale).
#[derive(Clone)]
pub struct OrgState {
    /// The organization.
    pub org: Organization,
    /// The change version: every committed change increments it.
    pub version: u64,
    /// Members by id, in creation order.
    pub members: Records<MemberId, Arc<Member>>,
    /// Teams by id, in creation order.
    pub teams: Records<TeamId, Arc<Team>>,
    /// Invitations by id, in creation order.
    pub invitations: Records<InvitationId, Arc<Invitation>>,
    /// Registered bots by id, in creation order.
    pub bots: Records<BotId, Arc<Bot>>,
    /// API keys by id, in creation order (revoked ones included).
    pub api_keys: Records<ApiKeyId, Arc<ApiKey>>,
    /// Knowledge bases' names and audiences, by id, in creation order (the
    /// catalog lists which exist).
    pub knowledge_bases: Records<KnowledgeBaseId, Arc<StoredKnowledgeBase>>,
    /// Lookups over the records, built on first use.
    index: OnceLock<Index>,
}

impl PartialEq for OrgState {
    fn eq(&self, other: &Self) -> bool {
        // The index is derived from the records.
        self.org == other.org
            && self.version == other.version
            && self.members == other.members
            && self.teams == other.teams
            && self.invitations == other.invitations
            && self.bots == other.bots
            && self.api_keys == other.api_keys
            && self.knowledge_bases == other.knowledge_bases
    }
}

impl Eq for OrgState {}

impl std::fmt::Debug for OrgState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgState")
            .field("org", &self.org)
            .field("version", &self.version)
            .field("members", &self.members)
            .field("teams", &self.teams)
            .field("invitations", &self.invitations)
            .field("bots", &self.bots)
            .field("api_keys", &self.api_keys)
            .field("knowledge_bases", &self.knowledge_bases)
            .finish_non_exhaustive()
    }
}

impl OrgState {
    /// A new, empty organization at version 0.
    #[must_use]
    pub fn new(org: Organization) -> OrgState {
        OrgState {
            org,
            version: 0,
            members: Records::new(),
            teams: Records::new(),
            invitations: Records::new(),
            bots: Records::new(),
            api_keys: Records::new(),
            knowledge_bases: Records::new(),
            index: OnceLock::new(),
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            Index::build(
                &self.members,
                &self.invitations,
                &self.teams,
                &self.api_keys,
            )
        })
    }

    /// Applies one change (not the version: the store sets it on commit).
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::CreateOrganization(org) => self.org = org.clone(),
            Change::PutMember(m) => {
                let old = self.members.insert(m.id, Arc::clone(m));
                if let Some(index) = self.index.get_mut() {
                    if let Some(old) = old {
                        index.remove_member(&old);
                    }
                    index.add_member(m);
                }
            }
            Change::DeleteMember(id) => {
                let old = self.members.remove(id);
                if let (Some(index), Some(old)) = (self.index.get_mut(), old) {
                    index.remove_member(&old);
                }
            }
            Change::PutTeam(t) => {
                let old = self.teams.insert(t.id, Arc::clone(t));
                if let Some(index) = self.index.get_mut() {
                    if let Some(old) = old {
                        index.remove_team(&old);
                    }
                    index.add_team(t);
                }
            }
            Change::DeleteTeam(id) => {
                let old = self.teams.remove(id);
                if let (Some(index), Some(old)) = (self.index.get_mut(), old) {
                    index.remove_team(&old);
                }
            }
            Change::PutInvitation(i) => {
                let old = self.invitations.insert(i.id, Arc::clone(i));
                if let Some(index) = self.index.get_mut() {
                    if let Some(old) = old {
                        index.remove_invitation(&old);
                    }
                    index.add_invitation(i);
                }
            }
            Change::SetOrganization { name, seat_limit } => {
                self.org.name.clone_from(name);
                self.org.seat_limit = *seat_limit;
            }
            Change::SetCatalog(catalog) => self.org.catalog = Arc::clone(catalog),
            Change::PutBot(b) => {
                self.bots.insert(b.id, Arc::clone(b));
            }
            Change::DeleteBot(id) => {
                self.bots.remove(id);
            }
            Change::SetSettings(settings) => self.org.settings.clone_from(settings),
            Change::PutKnowledgeBase(k) => {
                self.knowledge_bases.insert(k.id, Arc::clone(k));
            }
            Change::DeleteKnowledgeBase(id) => {
                self.knowledge_bases.remove(id);
            }
            Change::PutApiKey(k) => {
                let old = self.api_keys.insert(k.id, Arc::clone(k));
                if let Some(index) = self.index.get_mut() {
                    match old {
                        Some(old) if old.bot == k.bot => {}
                        Some(old) => {
                            if let Some(keys) = index.bot_keys.get_mut(&old.bot) {
                                keys.retain(|id| *id != k.id);
                            }
                            index.bot_keys.entry(k.bot).or_default().push_back(k.id);
                        }
                        None => index.bot_keys.entry(k.bot).or_default().push_back(k.id),
                    }
                }
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
        let id = self.index().emails.get(&email)?;
        self.members.get(id)
    }

    /// The member with this user code.
    #[must_use]
    pub fn member_by_user_code(&self, code: &str) -> Option<&Arc<Member>> {
        let id = self.index().codes.get(code)?;
        self.members.get(id)
    }

    /// The invitations still open for the address (in its stored form): not
    /// accepted nor revoked, expired or not. The directory keeps at most one.
    pub fn open_invitations<'s>(
        &'s self,
        email: &str,
    ) -> impl Iterator<Item = &'s Arc<Invitation>> + 's {
        self.index()
            .open
            .get(email)
            .into_iter()
            .flatten()
            .filter_map(|id| self.invitations.get(id))
    }

    /// The team with this code.
    #[must_use]
    pub fn team_by_code(&self, code: &str) -> Option<&Arc<Team>> {
        let id = self.index().team_codes.get(code)?;
        self.teams.get(id)
    }

    /// The team with this name, compared in lowercase (as team names are).
    #[must_use]
    pub fn team_by_name(&self, name: &str) -> Option<&Arc<Team>> {
        let id = self.index().team_names.get(&name.to_lowercase())?;
        self.teams.get(id)
    }

    /// The members of a team.
    pub fn team_members<'s>(&'s self, team: TeamId) -> impl Iterator<Item = &'s Arc<Member>> + 's {
        self.index()
            .team_members
            .get(&team)
            .into_iter()
            .flatten()
            .filter_map(|id| self.members.get(id))
    }

    /// A knowledge base the organization has, ready for [`crate::can`]:
    /// its audience from its record (none for one the catalog declares
    /// without a record). `None` when the catalog does not list it.
    #[must_use]
    pub fn knowledge_base(
        &self,
        id: KnowledgeBaseId,
    ) -> Option<crate::model::knowledge::KnowledgeBase> {
        self.org.catalog.knowledge_bases().binary_search(&id).ok()?;
        Some(crate::model::knowledge::KnowledgeBase {
            id,
            org: self.org.id,
            audience: self
                .knowledge_bases
                .get(&id)
                .and_then(|k| k.audience.clone()),
        })
    }

    /// The members granted a bot, by id.
    pub fn bot_grantees<'s>(&'s self, bot: BotId) -> impl Iterator<Item = &'s Arc<Member>> + 's {
        self.index()
            .bot_members
            .get(&bot)
            .into_iter()
            .flatten()
            .filter_map(|id| self.members.get(id))
    }

    /// The API keys of a bot, revoked ones included, in creation order.
    pub fn bot_keys<'s>(&'s self, bot: BotId) -> impl Iterator<Item = &'s Arc<ApiKey>> + 's {
        self.index()
            .bot_keys
            .get(&bot)
            .into_iter()
            .flatten()
            .filter_map(|id| self.api_keys.get(id))
    }

    /// Members holding the role, whatever their status.
    #[must_use]
    pub fn holders(&self, role: &str) -> usize {
        self.index()
            .role_members
            .get(role)
            .map_or(0, imbl::OrdSet::len)
    }

    /// The members holding a role, by id.
    pub fn role_holders<'s>(&'s self, role: &str) -> impl Iterator<Item = &'s Arc<Member>> + 's {
        self.index()
            .role_members
            .get(role)
            .into_iter()
            .flatten()
            .filter_map(|id| self.members.get(id))
    }

    /// The pending invitations (expired or not) naming a role, by id.
    pub fn role_invitations<'s>(
        &'s self,
        role: &str,
    ) -> impl Iterator<Item = &'s Arc<Invitation>> + 's {
        self.index()
            .role_invitations
            .get(role)
            .into_iter()
            .flatten()
            .filter_map(|id| self.invitations.get(id))
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
                .with_bot_levels(m.bot_levels.iter().copied())
                .with_status(m.status),
        )
    }

    /// Active members plus pending invitations at `now`.
    #[must_use]
    pub fn seats_used(&self, now: Timestamp) -> u64 {
        let index = self.index();
        let pending = index.expiries.len() - partition(&index.expiries, now);
        (index.active + pending) as u64
    }

    /// Active members holding the role.
    #[must_use]
    pub fn active_with_role(&self, role: &str) -> usize {
        self.index().active_holders.get(role).copied().unwrap_or(0)
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

#[cfg(test)]
mod tests {
    //! The index kept by `apply` is the index built from the records.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::actor::MemberStatus;
    use crate::model::id::OrgId;
    use crate::record::InvitationState;

    fn member(id: u64, role: &str, code: Option<&str>, status: MemberStatus) -> Change {
        in_teams(id, role, code, status, &[])
    }

    fn in_teams(
        id: u64,
        role: &str,
        code: Option<&str>,
        status: MemberStatus,
        teams: &[u64],
    ) -> Change {
        Change::PutMember(Arc::new(Member {
            id: MemberId(id),
            email: format!("m{id}@acme.test"),
            user_code: code.map(str::to_owned),
            user_name: None,
            display_name: None,
            phone: None,
            role: RoleKey::new(role),
            teams: teams.iter().copied().map(TeamId).collect(),
            bots: Vec::new(),
            bot_levels: Vec::new(),
            status,
        }))
    }

    fn team(id: u64, code: Option<&str>, name: &str) -> Change {
        Change::PutTeam(Arc::new(Team {
            id: TeamId(id),
            org: OrgId(1),
            code: code.map(str::to_owned),
            name: name.to_owned(),
        }))
    }

    fn invitation(id: u64, email: Option<&str>, expires: u64, state: InvitationState) -> Change {
        Change::PutInvitation(Arc::new(Invitation {
            id: InvitationId(id),
            email: email.map(str::to_owned),
            role: RoleKey::new("agent"),
            secret_hash: [0; 32],
            created_by: MemberId(1),
            created_at: Timestamp(0),
            expires_at: Timestamp(expires),
            state,
        }))
    }

    /// The index with its address lists in a canonical order.
    fn canonical(index: &Index) -> Index {
        let mut index = index.clone();
        for (_, ids) in index.open.iter_mut() {
            ids.sort_unstable();
        }
        index
    }

    #[test]
    fn pending_invitations_are_counted_by_their_expiry_alone() {
        let mut state = OrgState::new(Organization {
            id: OrgId(1),
            name: "Acme".into(),
            catalog: Arc::new(crate::model::preset::helpdesk()),
            seat_limit: 100,
            settings: Default::default(),
        });
        use crate::record::InvitationState::*;
        // Three expiring at 50 (one of them settled later), one at 80.
        for change in [
            invitation(1, Some("a@acme.test"), 50, Pending),
            invitation(2, None, 50, Pending),
            invitation(3, Some("b@acme.test"), 80, Pending),
            invitation(4, Some("c@acme.test"), 50, Pending),
        ] {
            state.apply(&change);
        }
        let seats = |s: &OrgState, t: u64| s.seats_used(Timestamp(t));
        assert_eq!((seats(&state, 0), seats(&state, 49)), (4, 4));
        // An invitation expires at its expiry time: pending before it only.
        assert_eq!((seats(&state, 50), seats(&state, 79)), (1, 1));
        assert_eq!(seats(&state, 80), 0);
        state.apply(&invitation(2, None, 50, Accepted));
        assert_eq!((seats(&state, 0), seats(&state, 50)), (3, 1));
        state.apply(&invitation(3, Some("b@acme.test"), 80, Revoked));
        assert_eq!((seats(&state, 0), seats(&state, 50)), (2, 0));
        let kept = canonical(state.index());
        assert_eq!(
            kept,
            canonical(&Index::build(
                &state.members,
                &state.invitations,
                &state.teams,
                &state.api_keys
            ))
        );
    }

    #[test]
    fn the_maintained_index_is_the_index_of_the_records() {
        let mut state = OrgState::new(Organization {
            id: OrgId(1),
            name: "Acme".into(),
            catalog: Arc::new(crate::model::preset::helpdesk()),
            seat_limit: 100,
            settings: Default::default(),
        });
        // Built before anything happens, then maintained.
        assert_eq!(state.seats_used(Timestamp(0)), 0);
        use crate::model::actor::MemberStatus::*;
        use crate::record::InvitationState::*;
        let changes = [
            member(1, "owner", Some("C1"), Active),
            member(2, "agent", Some("C2"), Active),
            member(3, "agent", None, Invited),
            invitation(10, Some("x@acme.test"), 50, Pending),
            invitation(11, None, 50, Pending),
            invitation(12, Some("m3@acme.test"), 80, Pending),
            member(2, "admin", Some("C9"), Disabled),
            invitation(10, Some("x@acme.test"), 50, Revoked),
            invitation(13, Some("x@acme.test"), 90, Pending),
            Change::DeleteMember(MemberId(3)),
            invitation(12, Some("m3@acme.test"), 80, Revoked),
            member(4, "agent", Some("C2"), Active),
            Change::DeleteMember(MemberId(99)),
            in_teams(5, "agent", None, Active, &[7, 8]),
            in_teams(6, "agent", None, Active, &[7]),
            in_teams(5, "agent", None, Active, &[8]),
            team(7, Some("T7"), "Support"),
            team(8, None, "Sales"),
            team(7, Some("T7b"), "Help"),
            team(9, Some("T7"), "support"),
            Change::DeleteTeam(TeamId(8)),
        ];
        for change in &changes {
            state.apply(change);
            let kept = canonical(state.index());
            let built = canonical(&Index::build(
                &state.members,
                &state.invitations,
                &state.teams,
                &state.api_keys,
            ));
            assert_eq!(kept, built, "after {change:?}");
        }
        let team = |t| {
            let mut ids: Vec<MemberId> = state.team_members(TeamId(t)).map(|m| m.id).collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(team(7), [MemberId(6)]);
        assert_eq!(team(8), [MemberId(5)]);
        assert_eq!(state.member_by_user_code("C2").unwrap().id, MemberId(4));
        assert!(state.member_by_user_code("C1").is_some());
        assert_eq!(
            state.member_by_email("M2@acme.test").unwrap().id,
            MemberId(2)
        );
        // Teams by code and by name in any case; a renamed team's old code
        // and name are free for others.
        assert_eq!(state.team_by_code("T7b").unwrap().id, TeamId(7));
        assert_eq!(state.team_by_code("T7").unwrap().id, TeamId(9));
        assert_eq!(state.team_by_name("SUPPORT").unwrap().id, TeamId(9));
        assert_eq!(state.team_by_name("help").unwrap().id, TeamId(7));
        assert!(state.team_by_name("Sales").is_none());
        assert_eq!(state.holders("admin"), 1);
        assert_eq!(state.active_with_role("admin"), 0);
        assert_eq!(state.active_with_role("agent"), 3);
        assert_eq!(
            state
                .open_invitations("x@acme.test")
                .map(|i| i.id)
                .collect::<Vec<_>>(),
            [InvitationId(13)]
        );
        // Owner, agents 4, 5 and 6 active; invitation 13 pending at 60 (the
        // link expired at 50), none at 90.
        assert_eq!(state.seats_used(Timestamp(60)), 5);
        assert_eq!(state.seats_used(Timestamp(90)), 4);
        // A copy keeps its index; the copy and the original move apart.
        let mut copy = state.clone();
        copy.apply(&Change::DeleteMember(MemberId(4)));
        assert_eq!(copy.active_with_role("agent"), 2);
        assert_eq!(state.active_with_role("agent"), 3);
        assert_eq!(copy, {
            let mut fresh = state.clone();
            fresh.members.remove(&MemberId(4));
            fresh
        });
    }
}
