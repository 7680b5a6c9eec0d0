//! Rules 1 and 2 of `can`: nothing crosses organizations, and a disabled
//! member may do nothing — for every action on every kind of resource.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::World;
use purview::model::MemberStatus;
use purview::{
    can, preset, Action, Actor, ApiKeyId, Attributes, BotId, ContactId, MemberActor, MemberId,
    OrgId, Permissions, Reason, TeamId,
};

fn actors(org: OrgId) -> Vec<Actor> {
    let catalog = preset::helpdesk();
    let mut attrs = Attributes::new();
    attrs.insert("tier".into(), "gold".into());
    let mut all: Vec<Actor> = catalog
        .roles()
        .map(|r| Actor::member(org, MemberId(1), r, [TeamId(1)]))
        .collect();
    all.push(Actor::contact(org, ContactId(1), attrs));
    all.push(Actor::api_key(
        org,
        ApiKeyId(1),
        BotId(1),
        Permissions::all(),
    ));
    all
}

#[test]
fn every_action_across_organizations_is_denied_first() {
    let other = World::new(OrgId(2));
    let mut checked = 0;
    for actor in actors(OrgId(1)) {
        for resource in other.resources() {
            for action in Action::ALL {
                assert_eq!(
                    can(&actor, *action, &resource).reason(),
                    Some(Reason::OtherOrganization),
                    "{action} on {:?} by {actor:?}",
                    resource.kind()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 5_000, "{checked}");
}

#[test]
fn a_document_whose_knowledge_base_is_in_another_organization_is_denied() {
    let mine = World::new(OrgId(1));
    let theirs = World::new(OrgId(2));
    let mixed = purview::Resource::Document {
        knowledge_base: &mine.kb,
        document: &theirs.doc,
    };
    for actor in actors(OrgId(1)) {
        assert_eq!(
            can(&actor, Action::QueryKnowledgeBase, &mixed).reason(),
            Some(Reason::OtherOrganization)
        );
    }
}

#[test]
fn a_disabled_member_may_do_nothing() {
    let world = World::new(OrgId(1));
    let catalog = preset::helpdesk();
    for role in catalog.roles() {
        let disabled: Actor = MemberActor::new(OrgId(1), MemberId(1), role, [TeamId(1)])
            .with_status(MemberStatus::Disabled)
            .into();
        for resource in world.resources() {
            for action in Action::ALL {
                assert_eq!(
                    can(&disabled, *action, &resource).reason(),
                    Some(Reason::ActorDisabled),
                    "{action}"
                );
            }
        }
    }
}

#[test]
fn an_invited_member_may_do_nothing_until_they_join() {
    let world = World::new(OrgId(1));
    let catalog = preset::helpdesk();
    let invited: Actor =
        MemberActor::new(OrgId(1), MemberId(1), catalog.role("owner").unwrap(), [])
            .with_status(MemberStatus::Invited)
            .into();
    for resource in world.resources() {
        for action in Action::ALL {
            assert!(!can(&invited, *action, &resource).is_allowed(), "{action}");
        }
    }
}
