//! The workload in casbin: `policies/helpdesk.conf` (RBAC with domains and
//! attributes in the matcher, one custom function) and
//! `policies/helpdesk_policy.csv`, plus a `g` line per member.

use crate::world::{Assign, Conv, FeatureReq, ReassignReq, ViewReq, World, ROLES};
use casbin::function_map::OperatorFunction;
use casbin::rhai::{Array, Dynamic, ImmutableString};
use casbin::{CoreApi, DefaultModel, Enforcer, StringAdapter};
use serde::Serialize;

const MODEL: &str = include_str!("../policies/helpdesk.conf");
const POLICY: &str = include_str!("../policies/helpdesk_policy.csv");

/// The member as the request's subject.
#[derive(Serialize, Hash)]
struct Sub<'a> {
    id: &'a str,
    teams: &'a [String],
}

/// The resource as the request's object; unused fields are empty.
#[derive(Serialize, Hash, Default)]
struct Obj<'a> {
    team: &'a str,
    member: &'a str,
    to_team: &'a str,
    to_member: &'a str,
    to_member_teams: &'a [String],
}

struct Names {
    id: String,
    teams: Vec<String>,
}

/// A conversation's assignment as strings, empty where there is none.
struct ConvNames {
    org: &'static str,
    team: String,
    member: String,
}

pub struct Casbin {
    enforcer: Enforcer,
    members: Vec<Names>,
    /// Team names, by team id.
    teams: Vec<String>,
    convs: Vec<ConvNames>,
    list: Vec<ConvNames>,
    list_actor: usize,
}

fn org(o: u64) -> &'static str {
    if o == 1 {
        "org1"
    } else {
        "org2"
    }
}

fn team(t: u64) -> String {
    format!("t{t}")
}

fn member(m: u64) -> String {
    format!("m{m}")
}

fn conv_names(c: &Conv) -> ConvNames {
    ConvNames {
        org: org(c.org),
        team: c.assign.team().map(team).unwrap_or_default(),
        member: c.assign.member().map(member).unwrap_or_default(),
    }
}

/// Do two lists of team names intersect?
fn shares_team(a: Dynamic, b: Dynamic) -> Dynamic {
    let (Some(a), Some(b)) = (a.try_cast::<Array>(), b.try_cast::<Array>()) else {
        return false.into();
    };
    let names = |v: Array| -> Vec<ImmutableString> {
        v.into_iter()
            .filter_map(|d| d.into_immutable_string().ok())
            .collect()
    };
    let (a, b) = (names(a), names(b));
    a.iter().any(|t| b.contains(t)).into()
}

impl Casbin {
    pub fn new(world: &World) -> Result<Casbin, casbin::Error> {
        let mut policy = POLICY.to_owned();
        for m in &world.members {
            policy.push_str(&format!(
                "g, {}, {}, {}\n",
                member(m.id),
                ROLES[m.role],
                org(m.org)
            ));
        }
        let enforcer = purview::executor::block_on(async {
            let model = DefaultModel::from_str(MODEL).await?;
            let mut e = Enforcer::new(model, StringAdapter::new(policy)).await?;
            e.add_function("shares_team", OperatorFunction::Arg2(shares_team));
            Ok::<_, casbin::Error>(e)
        })?;
        Ok(Casbin {
            enforcer,
            members: world
                .members
                .iter()
                .map(|m| Names {
                    id: member(m.id),
                    teams: m.teams.iter().copied().map(team).collect(),
                })
                .collect(),
            teams: (0..=world.teams.iter().map(|t| t.0).max().unwrap_or(0))
                .map(team)
                .collect(),
            convs: world.convs.iter().map(conv_names).collect(),
            list: world.list.iter().map(conv_names).collect(),
            list_actor: world.list_actor,
        })
    }

    fn sub(&self, member: usize) -> Sub<'_> {
        let m = &self.members[member];
        Sub {
            id: &m.id,
            teams: &m.teams,
        }
    }

    pub fn feature(&self, r: &FeatureReq) -> Result<bool, casbin::Error> {
        let obj = Obj {
            team: &self.teams[r.team as usize],
            ..Obj::default()
        };
        self.enforcer
            .enforce((self.sub(r.member), org(r.org), obj, r.feature.key()))
    }

    fn view_of(&self, member: usize, c: &ConvNames) -> Result<bool, casbin::Error> {
        let obj = Obj {
            team: &c.team,
            member: &c.member,
            ..Obj::default()
        };
        self.enforcer
            .enforce((self.sub(member), c.org, obj, "view_conversation"))
    }

    pub fn view(&self, r: &ViewReq) -> Result<bool, casbin::Error> {
        self.view_of(r.member, &self.convs[r.conv])
    }

    pub fn reassign(&self, r: &ReassignReq) -> Result<bool, casbin::Error> {
        let c = &self.convs[r.conv];
        let (to_team, to_member) = match r.to {
            Assign::Unassigned => ("", None),
            Assign::Team(t) => (self.teams[t as usize].as_str(), None),
            Assign::TeamMember(t, m) => (self.teams[t as usize].as_str(), Some(m as usize)),
            Assign::Member(m) => ("", Some(m as usize)),
        };
        let target = to_member.map(|m| &self.members[m]);
        let obj = Obj {
            team: &c.team,
            member: &c.member,
            to_team,
            to_member: target.map_or("", |t| &t.id),
            to_member_teams: target.map_or(&[], |t| &t.teams),
        };
        self.enforcer
            .enforce((self.sub(r.member), c.org, obj, "assign_conversation"))
    }

    /// casbin has no filter: the list is one check per conversation.
    pub fn filter(&self, visible: &mut Vec<bool>) -> Result<(), casbin::Error> {
        visible.clear();
        for c in &self.list {
            visible.push(self.view_of(self.list_actor, c)?);
        }
        Ok(())
    }

    pub fn filter_count(&self) -> usize {
        let actor = std::hint::black_box(self.list_actor);
        self.list
            .iter()
            .filter(|c| self.view_of(actor, c).unwrap_or(false))
            .count()
    }
}
