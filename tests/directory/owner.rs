//! Exactly one Owner; the unique role changes hands only by a transfer.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn an_agent_cannot_demote_the_owner() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let e = f.refused(f.dir.change_role(ORG, agent, f.owner, "agent"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_ROLE_CHANGE);
    assert_eq!(f.owners(), [f.owner]);
}

#[test]
fn an_admin_cannot_demote_the_owner() {
    let f = Fx::helpdesk(10);
    let admin = f.join("admin@acme.test", "admin");
    for role in ["agent", "admin", "primary_admin"] {
        let e = f.refused(f.dir.change_role(ORG, admin, f.owner, role));
        assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
            if missing == P::MEMBER_ROLE_CHANGE);
    }
}

#[test]
fn a_primary_admin_cannot_demote_the_owner() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    for role in ["primary_admin", "admin", "agent"] {
        let e = f.refused(f.dir.change_role(ORG, pa, f.owner, role));
        assert_matches!(e, DirectoryError::OwnerProtected);
    }
    assert_eq!(f.owners(), [f.owner]);
}

#[test]
fn the_owner_cannot_demote_themselves() {
    let f = Fx::helpdesk(10);
    let e = f.refused(f.dir.change_role(ORG, f.owner, f.owner, "primary_admin"));
    assert_matches!(e, DirectoryError::OwnRole);
}

#[test]
fn an_admin_cannot_remove_or_disable_the_owner() {
    let f = Fx::helpdesk(10);
    let admin = f.join("admin@acme.test", "admin");
    let e = f.refused(f.dir.remove_member(ORG, admin, f.owner));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_REMOVE);
    let e = f.refused(
        f.dir
            .set_member_status(ORG, admin, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_EDIT);
}

#[test]
fn a_primary_admin_cannot_remove_or_disable_the_owner() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let e = f.refused(f.dir.remove_member(ORG, pa, f.owner));
    assert_matches!(e, DirectoryError::OwnerProtected);
    let e = f.refused(
        f.dir
            .set_member_status(ORG, pa, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::OwnerProtected);
    assert_eq!(f.member(f.owner).status, MemberStatus::Active);
}

#[test]
fn the_owner_cannot_remove_or_disable_themselves() {
    let f = Fx::helpdesk(10);
    let e = f.refused(f.dir.remove_member(ORG, f.owner, f.owner));
    assert_matches!(e, DirectoryError::OwnerProtected);
    let e = f.refused(
        f.dir
            .set_member_status(ORG, f.owner, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::OwnerProtected);
}

#[test]
fn the_owner_role_is_never_given_by_a_role_change() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let agent = f.join("agent@acme.test", "agent");
    for actor in [f.owner, pa] {
        let e = f.refused(f.dir.change_role(ORG, actor, agent, "owner"));
        assert_matches!(e, DirectoryError::UniqueRole(ref k) if k.as_str() == "owner");
    }
    // Nor by an invitation, by email or by link.
    let e = f.refused(f.dir.invite(ORG, f.owner, "new@acme.test", "owner"));
    assert_matches!(e, DirectoryError::Denied(Reason::UniqueRole));
    let e = f.refused(f.dir.create_invitation_link(ORG, f.owner, "owner"));
    assert_matches!(e, DirectoryError::Denied(Reason::UniqueRole));
    assert_eq!(f.owners(), [f.owner]);
}

#[test]
fn only_the_owner_transfers_ownership() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let agent = f.join("agent@acme.test", "agent");
    for (actor, to) in [(pa, pa), (pa, agent), (agent, pa), (agent, agent)] {
        let e = f.refused(f.dir.transfer_ownership(ORG, actor, to));
        assert_matches!(e, DirectoryError::NotOwner);
    }
}

#[test]
fn ownership_goes_only_to_another_active_member_of_the_organization() {
    let f = Fx::helpdesk(10);
    let other_owner = f.other_org();
    let agent = f.join("agent@acme.test", "agent");
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, agent, MemberStatus::Disabled),
    );
    let e = f.refused(f.dir.transfer_ownership(ORG, f.owner, f.owner));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "new owner",
            ..
        }
    );
    let e = f.refused(f.dir.transfer_ownership(ORG, f.owner, agent));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "new owner",
            ..
        }
    );
    let e = f.frozen(
        &[ORG, OTHER],
        f.dir.transfer_ownership(ORG, f.owner, other_owner),
    );
    assert_matches!(e, DirectoryError::UnknownMember(id) if id == other_owner);
}

#[test]
fn a_transfer_makes_the_old_owner_a_primary_admin() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let events_before = f.audit(ORG).len();
    f.clock.advance(42);
    f.run(f.dir.transfer_ownership(ORG, f.owner, agent));
    assert_eq!(f.owners(), [agent]);
    assert_eq!(f.role(f.owner), "primary_admin");
    assert_eq!(f.role(agent), "owner");

    // Two events in one commit: the old owner, then the new one.
    let state = f.state(ORG);
    let events = f.audit(ORG);
    assert_eq!(events.len(), events_before + 2);
    let new = &events[events_before..];
    for (i, (e, id)) in new.iter().zip([f.owner, agent]).enumerate() {
        assert_eq!(e.action, "transfer_ownership");
        assert_eq!(e.actor, Some(f.owner));
        assert_eq!(e.version, state.version);
        assert_eq!(e.index, i as u32);
        assert_eq!(e.at, START.plus(42));
        assert_eq!(e.subject, id.to_string());
        let after: Member = record(&e.after);
        assert_eq!(&after, &*state.members[&id]);
    }

    // The old owner is now bound by the rules like anyone else.
    let e = f.refused(f.dir.transfer_ownership(ORG, f.owner, agent));
    assert_matches!(e, DirectoryError::NotOwner);
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "agent"));
    assert_matches!(e, DirectoryError::OwnerProtected);
    // And the new owner can hand it back.
    f.run(f.dir.transfer_ownership(ORG, agent, f.owner));
    assert_eq!(f.owners(), [f.owner]);
    assert_eq!(f.role(agent), "primary_admin");
}
