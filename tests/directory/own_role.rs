//! Nobody changes their own role.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn a_member_cannot_promote_themselves() {
    let f = Fx::workspace(10);
    let lead = f.join("lead@acme.test", "lead");
    let e = f.refused(f.dir.change_role(ORG, lead, lead, "admin"));
    assert_matches!(e, DirectoryError::OwnRole);
    // Not even sideways or down.
    let e = f.refused(f.dir.change_role(ORG, lead, lead, "member"));
    assert_matches!(e, DirectoryError::OwnRole);
    // An Admin cannot demote themselves either (another Admin must).
    let _second = f.join("second@acme.test", "admin");
    let _third = f.join("third@acme.test", "admin");
    let e = f.refused(f.dir.change_role(ORG, f.owner, f.owner, "member"));
    assert_matches!(e, DirectoryError::OwnRole);
}

#[test]
fn a_helpdesk_member_cannot_change_their_own_role() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let agent = f.join("agent@acme.test", "agent");
    let e = f.refused(f.dir.change_role(ORG, pa, pa, "owner"));
    assert_matches!(e, DirectoryError::OwnRole);
    let e = f.refused(f.dir.change_role(ORG, pa, pa, "agent"));
    assert_matches!(e, DirectoryError::OwnRole);
    // An Agent may not change roles at all.
    let e = f.refused(f.dir.change_role(ORG, agent, agent, "primary_admin"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_ROLE_CHANGE);
}

#[test]
fn the_acting_handle_names_the_actor_once() {
    let f = Fx::helpdesk(10);
    let agent = f.join("a@acme.test", "agent");
    let owner = f.dir.acting(ORG, f.owner);
    assert_eq!((owner.org(), owner.actor()), (ORG, f.owner));
    f.run(owner.change_role(agent, "primary_agent"));
    assert_eq!(f.role(agent), "primary_agent");
    // The agent acting on the Owner is refused, and writes nothing.
    let e = f.refused(f.dir.acting(ORG, agent).change_role(f.owner, "agent"));
    assert_matches!(e, DirectoryError::Denied(_));
    let e = f.refused(owner.change_role(f.owner, "agent"));
    assert_matches!(e, DirectoryError::OwnRole | DirectoryError::OwnerProtected);
}
