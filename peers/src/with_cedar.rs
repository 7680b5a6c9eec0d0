//! The workload in Cedar: `policies/helpdesk.cedar` without a schema, and an
//! entity store with the organizations, roles, teams, members and
//! conversations.

use crate::world::{Assign, Conv, FeatureReq, ReassignReq, ViewReq, World, ROLES};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression,
};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

const POLICIES: &str = include_str!("../policies/helpdesk.cedar");

pub struct Cedar {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    members: Vec<EntityUid>,
    /// Team uids, by team id.
    teams: Vec<EntityUid>,
    orgs: [EntityUid; 2],
    /// Feature actions, in the order of `Feature::ALL` (the declaration order).
    features: Vec<EntityUid>,
    view: EntityUid,
    assign: EntityUid,
    convs: Vec<EntityUid>,
    list: Vec<EntityUid>,
    list_actor: usize,
}

fn uid(kind: &str, id: impl ToString) -> Result<EntityUid, String> {
    let kind = EntityTypeName::from_str(kind).map_err(|e| e.to_string())?;
    Ok(EntityUid::from_type_name_and_id(
        kind,
        EntityId::new(id.to_string()),
    ))
}

fn entity(
    uid: EntityUid,
    attrs: Vec<(&str, RestrictedExpression)>,
    parents: impl IntoIterator<Item = EntityUid>,
) -> Result<Entity, String> {
    let attrs: HashMap<String, RestrictedExpression> =
        attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    Entity::new(uid, attrs, parents.into_iter().collect::<HashSet<_>>()).map_err(|e| e.to_string())
}

impl Cedar {
    pub fn new(world: &World) -> Result<Cedar, String> {
        let policies = PolicySet::from_str(POLICIES).map_err(|e| format!("{e:?}"))?;
        let orgs = [uid("Org", 1)?, uid("Org", 2)?];
        let org = |o: u64| orgs[(o - 1) as usize].clone();
        let entity_ref = RestrictedExpression::new_entity_uid;

        let mut all = Vec::new();
        for o in &orgs {
            all.push(entity(o.clone(), vec![], [])?);
        }
        let roles: Vec<EntityUid> = ROLES
            .iter()
            .map(|r| uid("Role", r))
            .collect::<Result<_, _>>()?;
        for (i, r) in roles.iter().enumerate() {
            // The Owner holds everything a Primary Admin holds.
            let parents = if i == 0 {
                vec![roles[1].clone()]
            } else {
                vec![]
            };
            all.push(entity(r.clone(), vec![], parents)?);
        }
        let max_team = world.teams.iter().map(|t| t.0).max().unwrap_or(0);
        let teams: Vec<EntityUid> = (0..=max_team)
            .map(|t| uid("Team", t))
            .collect::<Result<_, _>>()?;
        for &(t, o) in &world.teams {
            all.push(entity(
                teams[t as usize].clone(),
                vec![("org", entity_ref(org(o)))],
                [],
            )?);
        }
        let members: Vec<EntityUid> = world
            .members
            .iter()
            .map(|m| uid("Member", m.id))
            .collect::<Result<_, _>>()?;
        for m in &world.members {
            let own: Vec<EntityUid> = m.teams.iter().map(|&t| teams[t as usize].clone()).collect();
            all.push(entity(
                members[m.id as usize].clone(),
                vec![
                    ("org", entity_ref(org(m.org))),
                    (
                        "teams",
                        RestrictedExpression::new_set(own.iter().cloned().map(entity_ref)),
                    ),
                ],
                own.into_iter().chain([roles[m.role].clone()]),
            )?);
        }
        let mut conversation = |c: &Conv| -> Result<EntityUid, String> {
            let id = uid("Conversation", c.id)?;
            let mut attrs = vec![("org", entity_ref(org(c.org)))];
            if let Some(t) = c.assign.team() {
                attrs.push(("team", entity_ref(teams[t as usize].clone())));
            }
            if let Some(m) = c.assign.member() {
                attrs.push(("assignee", entity_ref(members[m as usize].clone())));
            }
            all.push(entity(id.clone(), attrs, [])?);
            Ok(id)
        };
        let convs = world
            .convs
            .iter()
            .map(&mut conversation)
            .collect::<Result<_, _>>()?;
        let list = world
            .list
            .iter()
            .map(&mut conversation)
            .collect::<Result<_, _>>()?;
        let entities = Entities::from_entities(all, None).map_err(|e| e.to_string())?;

        Ok(Cedar {
            authorizer: Authorizer::new(),
            policies,
            entities,
            members,
            teams,
            orgs,
            features: crate::world::Feature::ALL
                .iter()
                .map(|f| uid("Action", f.key()))
                .collect::<Result<_, _>>()?,
            view: uid("Action", "view_conversation")?,
            assign: uid("Action", "assign_conversation")?,
            convs,
            list,
            list_actor: world.list_actor,
        })
    }

    /// Decides a request; any error in evaluating a policy is reported, not
    /// taken as a denial.
    fn decide(&self, request: Result<Request, String>) -> Result<bool, String> {
        let response = self
            .authorizer
            .is_authorized(&request?, &self.policies, &self.entities);
        if let Some(e) = response.diagnostics().errors().next() {
            return Err(e.to_string());
        }
        Ok(response.decision() == Decision::Allow)
    }

    fn request(
        &self,
        principal: &EntityUid,
        action: &EntityUid,
        resource: &EntityUid,
        context: Context,
    ) -> Result<Request, String> {
        Request::new(
            principal.clone(),
            action.clone(),
            resource.clone(),
            context,
            None,
        )
        .map_err(|e| e.to_string())
    }

    pub fn feature(&self, r: &FeatureReq) -> Result<bool, String> {
        let resource = if r.feature == crate::world::Feature::TeamMembers {
            &self.teams[r.team as usize]
        } else {
            &self.orgs[(r.org - 1) as usize]
        };
        self.decide(self.request(
            &self.members[r.member],
            &self.features[r.feature as usize],
            resource,
            Context::empty(),
        ))
    }

    fn view_of(&self, member: usize, conv: &EntityUid) -> Result<bool, String> {
        self.decide(self.request(&self.members[member], &self.view, conv, Context::empty()))
    }

    pub fn view(&self, r: &ViewReq) -> Result<bool, String> {
        self.view_of(r.member, &self.convs[r.conv])
    }

    pub fn reassign(&self, r: &ReassignReq) -> Result<bool, String> {
        let team = |t: u64| {
            (
                "to_team".to_owned(),
                RestrictedExpression::new_entity_uid(self.teams[t as usize].clone()),
            )
        };
        let member = |m: u64| {
            (
                "to_member".to_owned(),
                RestrictedExpression::new_entity_uid(self.members[m as usize].clone()),
            )
        };
        let context = match r.to {
            Assign::Unassigned => Ok(Context::empty()),
            Assign::Team(t) => Context::from_pairs([team(t)]),
            Assign::TeamMember(t, m) => Context::from_pairs([team(t), member(m)]),
            Assign::Member(m) => Context::from_pairs([member(m)]),
        }
        .map_err(|e| e.to_string())?;
        self.decide(self.request(
            &self.members[r.member],
            &self.assign,
            &self.convs[r.conv],
            context,
        ))
    }

    /// Without partial evaluation (an experimental feature), the list is one
    /// authorization per conversation.
    pub fn filter(&self, visible: &mut Vec<bool>) -> Result<(), String> {
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
