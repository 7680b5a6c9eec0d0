//! The helpdesk workload, described once in plain data that every
//! implementation translates into its own representation before timing.

/// The helpdesk roles, in the order of the source table.
pub const ROLES: [&str; 5] = ["owner", "primary_admin", "admin", "primary_agent", "agent"];

/// The eleven rows of the helpdesk feature table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    ConversationFilter,
    ManualAssignment,
    OrganizationProfile,
    Teams,
    TeamMembers,
    AutoAssignment,
    ContactEdit,
    ContactView,
    Analytics,
    QuickReplies,
    InvitationLink,
}

impl Feature {
    pub const ALL: [Feature; 11] = [
        Feature::ConversationFilter,
        Feature::ManualAssignment,
        Feature::OrganizationProfile,
        Feature::Teams,
        Feature::TeamMembers,
        Feature::AutoAssignment,
        Feature::ContactEdit,
        Feature::ContactView,
        Feature::Analytics,
        Feature::QuickReplies,
        Feature::InvitationLink,
    ];

    /// The name the casbin policy and the Cedar actions use.
    pub fn key(self) -> &'static str {
        match self {
            Feature::ConversationFilter => "conversation_filter",
            Feature::ManualAssignment => "manual_assignment",
            Feature::OrganizationProfile => "organization_profile",
            Feature::Teams => "teams",
            Feature::TeamMembers => "team_members",
            Feature::AutoAssignment => "auto_assignment",
            Feature::ContactEdit => "contact_edit",
            Feature::ContactView => "contact_view",
            Feature::Analytics => "analytics",
            Feature::QuickReplies => "quick_replies",
            Feature::InvitationLink => "invitation_link",
        }
    }
}

/// Who a conversation is assigned to (or would be, for a reassignment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assign {
    Unassigned,
    Team(u64),
    TeamMember(u64, u64),
    Member(u64),
}

impl Assign {
    pub fn team(self) -> Option<u64> {
        match self {
            Assign::Team(t) | Assign::TeamMember(t, _) => Some(t),
            Assign::Unassigned | Assign::Member(_) => None,
        }
    }

    pub fn member(self) -> Option<u64> {
        match self {
            Assign::TeamMember(_, m) | Assign::Member(m) => Some(m),
            Assign::Unassigned | Assign::Team(_) => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Member {
    pub id: u64,
    pub org: u64,
    /// Index into [`ROLES`].
    pub role: usize,
    /// Sorted.
    pub teams: Vec<u64>,
}

#[derive(Clone, Copy, Debug)]
pub struct Conv {
    pub id: u64,
    pub org: u64,
    pub assign: Assign,
}

/// May the member use the feature in the organization? For
/// [`Feature::TeamMembers`] the question is about `team`, a team of `org`.
#[derive(Clone, Copy, Debug)]
pub struct FeatureReq {
    pub member: usize,
    pub org: u64,
    pub team: u64,
    pub feature: Feature,
}

/// May the member see conversation `conv` (an index into `World::convs`)?
#[derive(Clone, Copy, Debug)]
pub struct ViewReq {
    pub member: usize,
    pub conv: usize,
}

/// May the member reassign conversation `conv` to `to`?
#[derive(Clone, Copy, Debug)]
pub struct ReassignReq {
    pub member: usize,
    pub conv: usize,
    pub to: Assign,
}

/// The directory and the requests of the four workloads.
pub struct World {
    /// Every member of both organizations; a member's index is its id. The
    /// first [`ACTORS`] are the actors of the requests, all in organization 1.
    pub members: Vec<Member>,
    /// Every team: (id, organization).
    pub teams: Vec<(u64, u64)>,
    /// The conversations of the view and reassign workloads.
    pub convs: Vec<Conv>,
    /// The conversations of the list filter.
    pub list: Vec<Conv>,
    /// The actor whose list is filtered: an Agent in teams 1 and 3.
    pub list_actor: usize,
    pub features: Vec<FeatureReq>,
    pub views: Vec<ViewReq>,
    pub reassigns: Vec<ReassignReq>,
}

/// Members of organization 1 who make requests: every role with four team sets.
pub const ACTORS: usize = 20;
const ORG2_MEMBERS: u64 = 5;
const ORG1_TEAMS: [u64; 5] = [1, 2, 3, 4, 5];
const ORG2_TEAMS: [u64; 2] = [6, 7];
const VIEW_CONVERSATIONS: usize = 1_000;
const REASSIGNS_PER_ACTOR: usize = 1_000;
pub const LIST_CONVERSATIONS: usize = 100_000;

/// A small deterministic generator (SplitMix64), so every run sees the same requests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Team sets of organization 1's members, by `id % 4`: two teams, one team,
/// none, three teams.
fn org1_teams(id: u64) -> Vec<u64> {
    match id % 4 {
        0 => vec![1, 3],
        1 => vec![2],
        2 => vec![],
        _ => vec![1, 2, 4],
    }
}

fn conversation(rng: &mut Rng, id: u64) -> Conv {
    // One conversation in ten belongs to the other organization.
    let org = if rng.below(10) == 0 { 2 } else { 1 };
    let (teams, members): (&[u64], (u64, u64)) = if org == 1 {
        (&ORG1_TEAMS, (0, ACTORS as u64))
    } else {
        (&ORG2_TEAMS, (ACTORS as u64, ACTORS as u64 + ORG2_MEMBERS))
    };
    let member = members.0 + rng.below(members.1 - members.0);
    let assign = match rng.below(4) {
        0 => Assign::Unassigned,
        1 => Assign::Team(rng.pick(teams)),
        2 => Assign::TeamMember(rng.pick(teams), member),
        _ => Assign::Member(member),
    };
    Conv { id, org, assign }
}

impl World {
    pub fn new() -> World {
        let mut rng = Rng(0x0070_7572_7669_6577);
        let mut members: Vec<Member> = (0..ACTORS as u64)
            .map(|id| Member {
                id,
                org: 1,
                role: (id % 5) as usize,
                teams: org1_teams(id),
            })
            .collect();
        for k in 0..ORG2_MEMBERS {
            members.push(Member {
                id: ACTORS as u64 + k,
                org: 2,
                role: k as usize,
                teams: vec![ORG2_TEAMS[(k % 2) as usize]],
            });
        }
        let teams = ORG1_TEAMS
            .iter()
            .map(|&t| (t, 1))
            .chain(ORG2_TEAMS.iter().map(|&t| (t, 2)))
            .collect();

        let convs: Vec<Conv> = (0..VIEW_CONVERSATIONS as u64)
            .map(|id| conversation(&mut rng, id))
            .collect();
        let list = (0..LIST_CONVERSATIONS as u64)
            .map(|i| conversation(&mut rng, VIEW_CONVERSATIONS as u64 + i))
            .collect();

        let mut features = Vec::new();
        for member in 0..ACTORS {
            for (org, team) in [(1, ORG1_TEAMS[0]), (2, ORG2_TEAMS[0])] {
                for feature in Feature::ALL {
                    features.push(FeatureReq {
                        member,
                        org,
                        team,
                        feature,
                    });
                }
            }
        }

        let mut views = Vec::new();
        for member in 0..ACTORS {
            for conv in 0..convs.len() {
                views.push(ViewReq { member, conv });
            }
        }

        let mut reassigns = Vec::new();
        for member in 0..ACTORS {
            for _ in 0..REASSIGNS_PER_ACTOR {
                let conv = rng.below(convs.len() as u64) as usize;
                // A quarter of the targets name the actor themselves.
                let target_member = if rng.below(4) == 0 {
                    member as u64
                } else {
                    rng.below(ACTORS as u64)
                };
                let to = match rng.below(4) {
                    0 => Assign::Unassigned,
                    1 => Assign::Team(rng.pick(&ORG1_TEAMS)),
                    2 => {
                        // Half the time one of the member's own teams.
                        let own = &members[target_member as usize].teams;
                        let team = if !own.is_empty() && rng.below(2) == 0 {
                            rng.pick(own)
                        } else {
                            rng.pick(&ORG1_TEAMS)
                        };
                        Assign::TeamMember(team, target_member)
                    }
                    _ => Assign::Member(target_member),
                };
                reassigns.push(ReassignReq { member, conv, to });
            }
        }

        World {
            members,
            teams,
            convs,
            list,
            list_actor: 4,
            features,
            views,
            reassigns,
        }
    }

    /// The teams of the member a target names (empty when it names none).
    pub fn target_teams(&self, to: Assign) -> &[u64] {
        match to.member() {
            Some(m) => &self.members[m as usize].teams,
            None => &[],
        }
    }

    pub fn describe_feature(&self, r: &FeatureReq) -> String {
        let m = &self.members[r.member];
        format!(
            "member {} ({}, teams {:?}) asks for feature {} in organization {} (team {})",
            m.id,
            ROLES[m.role],
            m.teams,
            r.feature.key(),
            r.org,
            r.team
        )
    }

    pub fn describe_view(&self, member: usize, c: &Conv) -> String {
        let m = &self.members[member];
        format!(
            "member {} ({}, teams {:?}) views conversation {} of organization {} assigned {:?}",
            m.id, ROLES[m.role], m.teams, c.id, c.org, c.assign
        )
    }

    pub fn describe_reassign(&self, r: &ReassignReq) -> String {
        let m = &self.members[r.member];
        let c = &self.convs[r.conv];
        format!(
            "member {} ({}, teams {:?}) reassigns conversation {} of organization {} from {:?} to {:?} (target member's teams {:?})",
            m.id,
            ROLES[m.role],
            m.teams,
            c.id,
            c.org,
            c.assign,
            r.to,
            self.target_teams(r.to)
        )
    }
}
