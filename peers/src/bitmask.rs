//! The workload hand-written: plain structs, a feature mask, team masks and a
//! few `if`s, as a host would write it for this one role model.

use crate::world::{Assign, Conv, Feature, FeatureReq, ReassignReq, ViewReq, World};

const fn bit(f: Feature) -> u16 {
    1 << f as u16
}

/// The feature table, by role (Owner, Primary Admin, Admin, Primary Agent, Agent).
const AGENT: u16 = bit(Feature::ConversationFilter)
    | bit(Feature::ManualAssignment)
    | bit(Feature::ContactView)
    | bit(Feature::InvitationLink);
const PRIMARY_AGENT: u16 = AGENT | bit(Feature::ContactEdit);
const ADMIN: u16 = PRIMARY_AGENT
    | bit(Feature::TeamMembers)
    | bit(Feature::Analytics)
    | bit(Feature::QuickReplies);
const FULL: u16 =
    ADMIN | bit(Feature::OrganizationProfile) | bit(Feature::Teams) | bit(Feature::AutoAssignment);
const FEATURES: [u16; 5] = [FULL, FULL, ADMIN, PRIMARY_AGENT, AGENT];

struct Plain {
    org: u64,
    id: u64,
    features: u16,
    /// Owner and Primary Admin: every conversation, every team.
    org_wide: bool,
    /// Admin: handles (and assigns to) their teams too.
    manage_teams: bool,
    /// One bit per team.
    teams: u64,
}

pub struct Bitmask {
    members: Vec<Plain>,
    /// Team mask of every member, by member id.
    member_teams: Vec<u64>,
    convs: Vec<Conv>,
    list: Vec<Conv>,
    list_actor: usize,
}

fn mask(teams: &[u64]) -> u64 {
    teams.iter().fold(0, |m, t| m | 1 << t)
}

impl Bitmask {
    pub fn new(world: &World) -> Bitmask {
        Bitmask {
            members: world
                .members
                .iter()
                .map(|m| Plain {
                    org: m.org,
                    id: m.id,
                    features: FEATURES[m.role],
                    org_wide: m.role < 2,
                    manage_teams: m.role == 2,
                    teams: mask(&m.teams),
                })
                .collect(),
            member_teams: world.members.iter().map(|m| mask(&m.teams)).collect(),
            convs: world.convs.clone(),
            list: world.list.clone(),
            list_actor: world.list_actor,
        }
    }

    #[inline]
    pub fn feature(&self, r: &FeatureReq) -> bool {
        let a = &self.members[r.member];
        let b = bit(r.feature);
        if a.org != r.org || a.features & b == 0 {
            return false;
        }
        // An Admin edits the members of their own teams only.
        r.feature != Feature::TeamMembers || a.org_wide || a.teams & (1 << r.team) != 0
    }

    #[inline]
    pub fn view(&self, r: &ViewReq) -> bool {
        view(&self.members[r.member], &self.convs[r.conv])
    }

    #[inline]
    pub fn reassign(&self, r: &ReassignReq) -> bool {
        let a = &self.members[r.member];
        let c = &self.convs[r.conv];
        if a.org != c.org || a.features & bit(Feature::ManualAssignment) == 0 {
            return false;
        }
        if !a.org_wide && !in_scope(a, c.assign, a.manage_teams) {
            return false;
        }
        let to_teams = match r.to.member() {
            Some(m) => self.member_teams[m as usize],
            None => 0,
        };
        if let Assign::TeamMember(team, _) = r.to {
            if to_teams & (1 << team) == 0 {
                return false;
            }
        }
        if a.org_wide {
            return true;
        }
        match r.to {
            Assign::Unassigned => true,
            Assign::Team(team) => a.manage_teams && a.teams & (1 << team) != 0,
            Assign::TeamMember(team, member) => {
                (a.manage_teams && a.teams & (1 << team) != 0) || member == a.id
            }
            Assign::Member(member) => member == a.id || (a.manage_teams && a.teams & to_teams != 0),
        }
    }

    pub fn filter(&self, visible: &mut Vec<bool>) {
        let a = &self.members[self.list_actor];
        visible.clear();
        visible.extend(self.list.iter().map(|c| view(a, c)));
    }

    #[inline]
    pub fn filter_count(&self) -> usize {
        let a = std::hint::black_box(&self.members[self.list_actor]);
        self.list.iter().filter(|c| view(a, c)).count()
    }
}

/// Unassigned, one of the member's teams (when `teams`), or the member.
#[inline]
fn in_scope(a: &Plain, assign: Assign, teams: bool) -> bool {
    match assign {
        Assign::Unassigned => true,
        Assign::Team(team) => teams && a.teams & (1 << team) != 0,
        Assign::TeamMember(team, member) => (teams && a.teams & (1 << team) != 0) || member == a.id,
        Assign::Member(member) => member == a.id,
    }
}

#[inline]
fn view(a: &Plain, c: &Conv) -> bool {
    a.org == c.org
        && a.features & bit(Feature::ConversationFilter) != 0
        && (a.org_wide || in_scope(a, c.assign, true))
}
