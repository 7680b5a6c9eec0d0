//! Nobody grants a role above their own or edits a member above them.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn an_admin_cannot_invite_a_primary_admin() {
    let f = Fx::helpdesk(10);
    let admin = f.join("admin@acme.test", "admin");
    // Adding users by email needs member management, which an Admin lacks.
    for role in ["primary_admin", "agent"] {
        let e = f.refused(f.dir.invite(ORG, admin, "new@acme.test", role));
        assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
            if missing == P::MEMBER_INVITE);
    }
    // A link cannot grant a role that exceeds its creator's.
    let e = f.refused(f.dir.create_invitation_link(ORG, admin, "primary_admin"));
    assert_matches!(e, DirectoryError::Denied(Reason::RoleExceedsOwn));
    // Up to their own role it can.
    for role in ["admin", "primary_agent", "agent"] {
        let link = f.run(f.dir.create_invitation_link(ORG, admin, role));
        assert_eq!(link.role.as_str(), role);
        assert_eq!(link.email, None);
    }
}

#[test]
fn invitation_links_never_exceed_their_creator() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let primary_agent = f.join("pagent@acme.test", "primary_agent");
    for role in ["primary_admin", "admin", "primary_agent"] {
        let e = f.refused(f.dir.create_invitation_link(ORG, agent, role));
        assert_matches!(e, DirectoryError::Denied(Reason::RoleExceedsOwn));
    }
    for role in ["primary_admin", "admin"] {
        let e = f.refused(f.dir.create_invitation_link(ORG, primary_agent, role));
        assert_matches!(e, DirectoryError::Denied(Reason::RoleExceedsOwn));
    }
    for actor in [agent, primary_agent] {
        let e = f.refused(f.dir.create_invitation_link(ORG, actor, "owner"));
        assert_matches!(e, DirectoryError::Denied(Reason::UniqueRole));
    }
    // The link a creator may make grants exactly its role.
    let link = f.run(f.dir.create_invitation_link(ORG, agent, "agent"));
    let (_, id) = f.run(f.dir.accept_invitation(&link.secret, full("new@acme.test")));
    assert_eq!(f.role(id), "agent");
}

#[test]
fn an_invitation_grants_nothing_once_its_creator_may_no_longer_grant_it() {
    let f = Fx::helpdesk(20);
    let admin = f.join("admin@acme.test", "admin");
    let inviter = f.join("inviter@acme.test", "primary_admin");
    let leaver = f.join("leaver@acme.test", "agent");
    // A link for Admin and an email invitation, then the Admin is demoted.
    let link = f.run(f.dir.create_invitation_link(ORG, admin, "admin"));
    let email = f.run(f.dir.invite(ORG, inviter, "by-inviter@acme.test", "agent"));
    let agent_link = f.run(f.dir.create_invitation_link(ORG, leaver, "agent"));
    f.run(f.dir.change_role(ORG, f.owner, admin, "agent"));
    let e = f.refused(f.dir.accept_invitation(&link.secret, full("a@acme.test")));
    assert_matches!(
        e,
        DirectoryError::InvitationWithdrawn { creator, reason: Some(Reason::RoleExceedsOwn) }
            if creator == admin
    );
    // The creator loses member management: their email invitations lapse.
    f.run(f.dir.change_role(ORG, f.owner, inviter, "agent"));
    let e = f.refused(
        f.dir
            .accept_invitation(&email[0].secret, full("by-inviter@acme.test")),
    );
    assert_matches!(
        e,
        DirectoryError::InvitationWithdrawn { creator, reason: Some(Reason::MissingPermission { .. }) }
            if creator == inviter
    );
    // A disabled creator grants nothing; enabled again, the link works.
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, leaver, MemberStatus::Disabled),
    );
    let e = f.refused(
        f.dir
            .accept_invitation(&agent_link.secret, full("b@acme.test")),
    );
    assert_matches!(
        e,
        DirectoryError::InvitationWithdrawn { creator, reason: Some(Reason::ActorDisabled) }
            if creator == leaver
    );
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, leaver, MemberStatus::Active),
    );
    let (_, id) = f.run(
        f.dir
            .accept_invitation(&agent_link.secret, full("b@acme.test")),
    );
    assert_eq!(f.role(id), "agent");
    // A removed creator grants nothing.
    let again = f.run(f.dir.create_invitation_link(ORG, leaver, "agent"));
    f.run(f.dir.remove_member(ORG, f.owner, leaver));
    let e = f.refused(f.dir.accept_invitation(&again.secret, full("c@acme.test")));
    assert_matches!(
        e,
        DirectoryError::InvitationWithdrawn { creator, reason: None } if creator == leaver
    );
    assert_eq!(
        e.to_string(),
        format!("the invitation's creator (member `{leaver}`) may no longer grant it: they are no longer a member")
    );
}

#[test]
fn a_role_exceeding_ones_own_cannot_be_granted() {
    let f = Fx::workspace(10);
    let lead = f.join("lead@acme.test", "lead");
    let member = f.join("member@acme.test", "member");
    let e = f.refused(f.dir.change_role(ORG, lead, member, "admin"));
    assert_matches!(e, DirectoryError::RoleExceedsOwn(ref k) if k.as_str() == "admin");
    let e = f.refused(f.dir.create_invitation_link(ORG, lead, "admin"));
    assert_matches!(e, DirectoryError::Denied(Reason::RoleExceedsOwn));
    // Up to one's own role is fine.
    f.run(f.dir.change_role(ORG, lead, member, "lead"));
    assert_eq!(f.role(member), "lead");
}

#[test]
fn a_member_whose_role_exceeds_ones_own_cannot_be_changed() {
    let f = Fx::workspace(10);
    let _second = f.join("second@acme.test", "admin");
    let third = f.join("third@acme.test", "admin");
    let lead = f.join("lead@acme.test", "lead");
    let exceeds = |e: DirectoryError| {
        assert_matches!(e, DirectoryError::TargetExceedsActor { member, ref role }
            if member == third && role.as_str() == "admin");
    };
    exceeds(f.refused(f.dir.change_role(ORG, lead, third, "member")));
    exceeds(f.refused(f.dir.change_role(ORG, lead, third, "lead")));
    exceeds(f.refused(f.dir.remove_member(ORG, lead, third)));
    exceeds(
        f.refused(
            f.dir
                .set_member_status(ORG, lead, third, MemberStatus::Disabled),
        ),
    );
    exceeds(f.refused(f.dir.update_member_profile(
        ORG,
        lead,
        third,
        ProfileUpdate {
            phone: Some(None),
            ..ProfileUpdate::default()
        },
    )));
    assert_eq!(f.role(third), "admin");
}

#[test]
fn a_change_that_breaks_both_ceilings_names_the_role_beyond_the_actor_first() {
    // A Lead changes roles but holds less than an Admin. Changing an
    // Admin to Admin breaks both rules; the one judge of a role change (the
    // import's too) reports the role given before the member's own.
    let f = Fx::workspace(10);
    let lead = f.join("lead@acme.test", "lead");
    let admin = f.join("admin2@acme.test", "admin");
    let e = f.refused(f.dir.change_role(ORG, lead, admin, "admin"));
    assert_matches!(e, DirectoryError::RoleExceedsOwn(ref k) if k.as_str() == "admin");
    // Only the member's role beyond the actor's: named as such.
    let e = f.refused(f.dir.change_role(ORG, lead, admin, "member"));
    assert_matches!(e, DirectoryError::TargetExceedsActor { member, .. } if member == admin);
}
