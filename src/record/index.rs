//! The lookups an organization's state keeps over its records, built on
//! first use and maintained by `OrgState::apply`, so that an
//! operation does not pass over every member.

use super::bots::ApiKey;
use super::member::{Invitation, InvitationState, Member, Timestamp};
use super::records::Records;
use crate::model::actor::MemberStatus;
use crate::model::id::{ApiKeyId, BotId, InvitationId, MemberId, TeamId};
use crate::model::role::RoleKey;
use crate::model::team::Team;
use std::collections::HashMap;
use std::sync::Arc;

/// What the directory looks up without passing over every record. The
/// maps that grow with the organization are persistent, like the records:
/// a copy of a state shares its index too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Index {
    /// Member by stored address.
    pub(super) emails: imbl::HashMap<String, MemberId>,
    /// Member by user code.
    pub(super) codes: imbl::HashMap<String, MemberId>,
    /// Members per role (their count is the set's), and the count of
    /// active members per role.
    pub(super) role_members: imbl::HashMap<RoleKey, imbl::OrdSet<MemberId>>,
    pub(super) active_holders: HashMap<RoleKey, usize>,
    /// Pending invitations (expired or not) per role.
    pub(super) role_invitations: imbl::HashMap<RoleKey, imbl::OrdSet<InvitationId>>,
    /// Active members.
    pub(super) active: usize,
    /// Members by team.
    pub(super) team_members: imbl::HashMap<TeamId, imbl::HashSet<MemberId>>,
    /// Team by code, and by name in lowercase (names compare that way).
    pub(super) team_codes: imbl::HashMap<String, TeamId>,
    pub(super) team_names: imbl::HashMap<String, TeamId>,
    /// Open invitations (not accepted or revoked, expired or not) by address.
    pub(super) open: imbl::HashMap<String, Vec<InvitationId>>,
    /// When each open invitation (links included) expires, sorted: how many
    /// are still pending at a time is one binary search, whatever their
    /// number.
    pub(super) expiries: imbl::Vector<Timestamp>,
    /// Members granted each bot.
    pub(super) bot_members: imbl::HashMap<BotId, imbl::OrdSet<MemberId>>,
    /// API keys of each bot, revoked ones included, in creation order (a
    /// key is never deleted and never changes bots).
    pub(super) bot_keys: imbl::HashMap<BotId, imbl::Vector<ApiKeyId>>,
}

impl Index {
    pub(super) fn build(
        members: &Records<MemberId, Arc<Member>>,
        invitations: &Records<InvitationId, Arc<Invitation>>,
        teams: &Records<TeamId, Arc<Team>>,
        api_keys: &Records<ApiKeyId, Arc<ApiKey>>,
    ) -> Index {
        let mut index = Index::default();
        for m in members.values() {
            index.add_member(m);
        }
        for i in invitations.values() {
            index.add_invitation(i);
        }
        for t in teams.values() {
            index.add_team(t);
        }
        for k in api_keys.values() {
            index.bot_keys.entry(k.bot).or_default().push_back(k.id);
        }
        index
    }

    pub(super) fn add_team(&mut self, t: &Team) {
        if let Some(code) = &t.code {
            self.team_codes.insert(code.clone(), t.id);
        }
        self.team_names.insert(t.name.to_lowercase(), t.id);
    }

    pub(super) fn remove_team(&mut self, t: &Team) {
        if let Some(code) = &t.code {
            if self.team_codes.get(code) == Some(&t.id) {
                self.team_codes.remove(code);
            }
        }
        let name = t.name.to_lowercase();
        if self.team_names.get(&name) == Some(&t.id) {
            self.team_names.remove(&name);
        }
    }

    pub(super) fn add_member(&mut self, m: &Member) {
        for t in &m.teams {
            self.team_members.entry(*t).or_default().insert(m.id);
        }
        for b in &m.bots {
            self.bot_members.entry(*b).or_default().insert(m.id);
        }
        self.emails.insert(m.email.clone(), m.id);
        if let Some(code) = &m.user_code {
            self.codes.insert(code.clone(), m.id);
        }
        self.role_members
            .entry(m.role.clone())
            .or_default()
            .insert(m.id);
        if m.status == MemberStatus::Active {
            *self.active_holders.entry(m.role.clone()).or_default() += 1;
            self.active += 1;
        }
    }

    pub(super) fn remove_member(&mut self, m: &Member) {
        for t in &m.teams {
            if let Some(members) = self.team_members.get_mut(t) {
                members.remove(&m.id);
                if members.is_empty() {
                    self.team_members.remove(t);
                }
            }
        }
        for b in &m.bots {
            if let Some(members) = self.bot_members.get_mut(b) {
                members.remove(&m.id);
                if members.is_empty() {
                    self.bot_members.remove(b);
                }
            }
        }
        if self.emails.get(&m.email) == Some(&m.id) {
            self.emails.remove(&m.email);
        }
        if let Some(code) = &m.user_code {
            if self.codes.get(code) == Some(&m.id) {
                self.codes.remove(code);
            }
        }
        if let Some(members) = self.role_members.get_mut(&m.role) {
            members.remove(&m.id);
            if members.is_empty() {
                self.role_members.remove(&m.role);
            }
        }
        if m.status == MemberStatus::Active {
            decrement(&mut self.active_holders, &m.role);
            self.active = self.active.saturating_sub(1);
        }
    }

    pub(super) fn add_invitation(&mut self, i: &Invitation) {
        if i.state != InvitationState::Pending {
            return;
        }
        if let Some(e) = &i.email {
            self.open.entry(e.clone()).or_default().push(i.id);
        }
        self.role_invitations
            .entry(i.role.clone())
            .or_default()
            .insert(i.id);
        let at = partition(&self.expiries, i.expires_at);
        self.expiries.insert(at, i.expires_at);
    }

    pub(super) fn remove_invitation(&mut self, i: &Invitation) {
        if i.state != InvitationState::Pending {
            return;
        }
        if let Some(e) = &i.email {
            if let Some(ids) = self.open.get_mut(e) {
                ids.retain(|id| *id != i.id);
                if ids.is_empty() {
                    self.open.remove(e);
                }
            }
        }
        if let Some(ids) = self.role_invitations.get_mut(&i.role) {
            ids.remove(&i.id);
            if ids.is_empty() {
                self.role_invitations.remove(&i.role);
            }
        }
        // The last entry at or before the expiry; it is the expiry when the
        // invitation was counted.
        let at = partition(&self.expiries, i.expires_at);
        if at > 0 && self.expiries.get(at - 1) == Some(&i.expires_at) {
            self.expiries.remove(at - 1);
        }
    }
}

/// The number of entries of the sorted `times` at or before `t`.
pub(super) fn partition(times: &imbl::Vector<Timestamp>, t: Timestamp) -> usize {
    let (mut lo, mut hi) = (0, times.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if times.get(mid).is_some_and(|x| *x <= t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn decrement(counts: &mut HashMap<RoleKey, usize>, role: &RoleKey) {
    if let Some(n) = counts.get_mut(role) {
        *n -= 1;
        if *n == 0 {
            counts.remove(role);
        }
    }
}
