//! Credentials grant only what they name (specification §4, "Authority").

#[allow(clippy::wildcard_imports)]
use super::*;

#[cfg(feature = "import")]
#[test]
fn an_invitation_link_never_joins_a_member_created_by_an_import() {
    let f = Fx::helpdesk(20);
    let agent = f.join("agent@acme.test", "agent");
    let report = import(
        &f,
        f.owner,
        "email,user code,role,team code,team name\nboss@acme.test,B-1,Primary Admin,T1,Team 1\n",
    );
    let boss = report.invitations[0].clone();
    let link = f.run(f.dir.create_invitation_link(ORG, agent, "agent"));
    // Whoever holds the Agent's link claims the imported Primary Admin's
    // address, in any spelling: the address belongs to a member.
    for claim in ["boss@acme.test", "BOSS@Acme.test"] {
        let e = f.refused(f.dir.accept_invitation(&link.secret, full(claim)));
        assert_matches!(
            e,
            DirectoryError::BadAddresses(ref bad)
                if bad.len() == 1 && bad[0].problem == AddressProblem::AlreadyMember
        );
    }
    // The link still makes a new member, with the link's role only.
    let (_, newcomer) = f.run(
        f.dir
            .accept_invitation(&link.secret, full("newcomer@acme.test")),
    );
    assert_eq!(f.role(newcomer), "agent");
    assert!(f.member(newcomer).teams.is_empty());
    // The real invitee joins through their own invitation, with the import's data.
    let (_, id) = f.run(
        f.dir
            .accept_invitation(&boss.secret, full("ignored@acme.test")),
    );
    let m = f.member(id);
    assert_eq!(
        (m.email.as_str(), m.role.as_str(), m.status),
        ("boss@acme.test", "primary_admin", MemberStatus::Active)
    );
    assert_eq!(m.user_code.as_deref(), Some("B-1"));
    assert_eq!(m.teams.len(), 1);
}

#[test]
fn an_email_invitation_grants_its_own_address_and_role() {
    let f = Fx::helpdesk(20);
    let sent = f.run(f.dir.invite(ORG, f.owner, "x@acme.test", "primary_agent"));
    // The address given on acceptance is ignored for an email invitation.
    let (_, id) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("owner@acme.test")),
    );
    let m = f.member(id);
    assert_eq!(
        (m.email.as_str(), m.role.as_str()),
        ("x@acme.test", "primary_agent")
    );
}

#[cfg(feature = "import")]
#[test]
fn revoking_an_import_invitation_needs_the_right_to_remove_its_member() {
    let f = Fx::helpdesk(20);
    let pa = f.join("pa@acme.test", "primary_admin");
    let report = import(&f, pa, "email,role\nnew@acme.test,Agent\n");
    let invitation = report.invitations[0].id;
    let new = f.state(ORG).member_by_email("new@acme.test").unwrap().id;
    f.run(f.dir.change_role(ORG, f.owner, pa, "agent"));
    // The demoted creator may not delete the member by revoking, as they may
    // not remove them.
    let e = f.refused(f.dir.revoke_invitation(ORG, pa, invitation));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
    let e = f.refused(f.dir.remove_member(ORG, pa, new));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
    // Someone who may remove them may revoke it: the member goes with it.
    f.run(f.dir.revoke_invitation(ORG, f.owner, invitation));
    assert!(!f.state(ORG).members.contains_key(&new));
    // A creator revoking an invitation that removes nobody needs no more.
    let link = f.run(f.dir.create_invitation_link(ORG, pa, "agent"));
    f.run(f.dir.revoke_invitation(ORG, pa, link.id));
}

#[cfg(feature = "import")]
#[test]
fn an_invited_address_keeps_one_invitation_when_an_import_names_it() {
    let f = Fx::helpdesk(3);
    let sent = f.run(f.dir.invite(ORG, f.owner, "x@acme.test", "agent"));
    let e = f.refused(f.dir.invite(ORG, f.owner, "x@acme.test", "agent"));
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::AlreadyInvited
    );
    let report = import(
        &f,
        f.owner,
        "email,user name,role,team code\nX@acme.test,xavier,Admin,T1\n",
    );
    assert_eq!(
        (
            report.members_created,
            report.invitations.len(),
            report.invitations_updated
        ),
        (1, 0, 1)
    );
    let state = f.state(ORG);
    let pending: Vec<_> = state
        .invitations
        .values()
        .filter(|i| i.is_pending(START))
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].id, pending[0].role.as_str()),
        (sent[0].id, "admin")
    );
    // Owner plus one pending invitation: the import took no second seat.
    assert_eq!(state.seats_used(START), 2);
    // The first invitation's secret still works and grants the role it now names.
    let (_, x) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("x@acme.test")),
    );
    let m = f.member(x);
    assert_eq!(
        (m.role.as_str(), m.user_name.as_deref(), m.teams.len()),
        ("admin", Some("xavier"), 1)
    );
    assert_eq!(f.state(ORG).seats_used(START), 2);
    // An import that changes the role of a member who has not joined changes
    // what their invitation grants.
    let report = import(&f, f.owner, "email,role\ny@acme.test,Agent\n");
    import(&f, f.owner, "email,role\ny@acme.test,Primary Agent\n");
    let (_, y) = f.run(
        f.dir
            .accept_invitation(&report.invitations[0].secret, full("y@acme.test")),
    );
    assert_eq!(f.role(y), "primary_agent");
}

#[cfg(feature = "import")]
#[test]
fn an_import_does_not_rewrite_an_invitation_that_exceeds_the_importer() {
    // A lead imports and invites, an Admin holds more.
    let lead = P::MEMBER_VIEW | P::MEMBER_INVITE | P::MEMBER_EDIT | P::MEMBER_ROLE_CHANGE;
    let catalog = Catalog::new(
        "importers",
        [
            Role::builder("admin", "Admin")
                .permissions(lead | P::MEMBER_REMOVE | P::INVITATION_MANAGE)
                .build(),
            Role::builder("lead", "Lead").permissions(lead).build(),
            Role::builder("member", "Member").build(),
        ],
    )
    .unwrap();
    let f = Fx::new(catalog, Some("admin"), 10);
    let lead = f.join("lead@acme.test", "lead");
    f.run(f.dir.invite(ORG, f.owner, "x@acme.test", "admin"));
    let e = f.refused(f.dir.import_members(
        ORG,
        lead,
        b"email,role\nx@acme.test,Member\n",
        purview::ImportMode::Apply,
    ));
    assert_matches!(
        e,
        DirectoryError::ImportFailed(ref rows)
            if rows == &[purview::RowError {
                line: 2,
                problem: purview::ImportProblem::TargetExceedsActor(RoleKey::new("admin")),
            }]
    );
}

#[test]
fn a_link_never_displaces_the_invitation_issued_for_an_address() {
    let f = Fx::helpdesk(4);
    let sent = f.run(f.dir.invite(ORG, f.owner, "y@acme.test", "primary_admin"));
    let agent = f.join("agent@acme.test", "agent");
    let link = f.run(f.dir.create_invitation_link(ORG, agent, "agent"));
    // Whoever holds the Agent's link claims the invited address: refused,
    // and the invitation still works.
    let e = f.refused(f.dir.accept_invitation(&link.secret, full("Y@acme.test")));
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::AlreadyInvited
    );
    let (_, y) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("y@acme.test")),
    );
    assert_eq!(f.role(y), "primary_admin");
}

#[test]
fn an_address_has_one_open_invitation_expired_ones_included() {
    let f = Fx::helpdesk(10);
    let old = f.run(f.dir.invite(ORG, f.owner, "y@acme.test", "agent"));
    f.clock.advance(TTL + 1);
    // A new invitation supersedes the expired one.
    let new = f.run(f.dir.invite(ORG, f.owner, "y@acme.test", "agent"));
    let state = f.state(ORG);
    assert_eq!(
        state.invitations[&old[0].id].state,
        InvitationState::Revoked
    );
    let open: Vec<_> = state
        .invitations
        .values()
        .filter(|i| i.state == InvitationState::Pending)
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, new[0].id);
    assert!(f
        .audit(ORG)
        .iter()
        .any(|e| e.action == "supersede_invitation" && e.subject == old[0].id.to_string()));
}

#[test]
fn an_expired_invitation_is_not_reissued_over_a_newer_one() {
    let f = Fx::helpdesk(10);
    let old = f.run(f.dir.invite(ORG, f.owner, "z@acme.test", "agent"));
    f.clock.advance(TTL + 1);
    f.run(f.dir.invite(ORG, f.owner, "z@acme.test", "agent"));
    // The newer invitation superseded it.
    let e = f.refused(f.dir.reissue_invitation(ORG, f.owner, old[0].id));
    assert_matches!(e, DirectoryError::InvitationRevoked);
}

#[cfg(feature = "import")]
#[test]
fn an_import_supersedes_an_expired_invitation_and_revoking_it_settles_the_address() {
    // An expired invitation may not be reissued over an import's, nor
    // revoked under an import's member.
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let old = f.run(f.dir.invite(ORG, f.owner, "x@acme.test", "primary_admin"));
    f.clock.advance(TTL + 1);
    let report = import(&f, pa, "email,role\nx@acme.test,Agent\n");
    assert_eq!(report.invitations.len(), 1);
    assert_eq!(
        f.state(ORG).invitations[&old[0].id].state,
        InvitationState::Revoked
    );
    f.clock.advance(TTL + 1);
    let e = f.refused(f.dir.reissue_invitation(ORG, f.owner, old[0].id));
    assert_matches!(e, DirectoryError::InvitationRevoked);
    // Reissuing the import's invitation sends the import's role.
    let again = f.run(
        f.dir
            .reissue_invitation(ORG, f.owner, report.invitations[0].id),
    );
    assert_eq!(again.role.as_str(), "agent");
    // Revoking it removes the member and leaves nothing open for the address.
    f.run(f.dir.revoke_invitation(ORG, f.owner, again.id));
    let state = f.state(ORG);
    assert!(state.member_by_email("x@acme.test").is_none());
    assert!(state
        .invitations
        .values()
        .all(|i| i.state != InvitationState::Pending));
}

#[test]
fn the_audit_log_names_the_founder_and_the_newcomer_as_actors() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(ORG, f.owner, "n@acme.test", "agent"));
    let (_, n) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("n@acme.test")),
    );
    let events = f.audit(ORG);
    assert_eq!(
        (events[0].action.as_str(), events[0].actor),
        ("create_organization", Some(f.owner))
    );
    let accepted: Vec<_> = events
        .iter()
        .filter(|e| e.action == "accept_invitation")
        .collect();
    assert_eq!(accepted.len(), 2);
    assert!(accepted.iter().all(|e| e.actor == Some(n)));
}
