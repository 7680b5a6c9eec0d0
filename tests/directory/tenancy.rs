//! Nothing crosses organizations.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn a_member_of_one_organization_touches_nothing_in_another() {
    let f = Fx::helpdesk(10);
    let b_owner = f.other_org();
    // Organization A: the owner, an agent, a team, a pending invitation.
    let a_agent = f.join("agent@acme.test", "agent");
    let a_team = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Team 1"));
    let a_inv = f.run(f.dir.invite(ORG, f.owner, "later@acme.test", "agent"));
    // Organization B: the same shape.
    let b_agent = f.join_with(OTHER, b_owner, "agent", full("agent@other.test"));
    let b_team = f.run(f.dir.create_team(OTHER, b_owner, Some("T1"), "Team 1"));
    let b_inv = f.run(f.dir.invite(OTHER, b_owner, "later@other.test", "agent"));
    let both = [ORG, OTHER];

    // Every operation by A's owner on organization B: A's owner is nobody there.
    let a = f.owner;
    let unknown_actor = |e: DirectoryError| {
        assert_matches!(e, DirectoryError::UnknownMember(id) if id == a);
    };
    let d = &f.dir;
    unknown_actor(f.frozen(&both, d.invite(OTHER, a, "x@other.test", "agent")));
    unknown_actor(f.frozen(&both, d.create_invitation_link(OTHER, a, "agent")));
    unknown_actor(f.frozen(&both, d.list_invitations(OTHER, a)));
    unknown_actor(f.frozen(&both, d.revoke_invitation(OTHER, a, b_inv[0].id)));
    unknown_actor(f.frozen(&both, d.change_role(OTHER, a, b_agent, "admin")));
    unknown_actor(f.frozen(&both, d.change_role(OTHER, a, b_owner, "agent")));
    unknown_actor(f.frozen(&both, d.remove_member(OTHER, a, b_agent)));
    unknown_actor(f.frozen(&both, d.remove_member(OTHER, a, b_owner)));
    unknown_actor(f.frozen(
        &both,
        d.set_member_status(OTHER, a, b_agent, MemberStatus::Disabled),
    ));
    unknown_actor(f.frozen(&both, d.transfer_ownership(OTHER, a, b_agent)));
    unknown_actor(f.frozen(&both, d.transfer_ownership(OTHER, a, a)));
    unknown_actor(f.frozen(
        &both,
        d.update_own_profile(OTHER, a, ProfileUpdate::default()),
    ));
    unknown_actor(f.frozen(
        &both,
        d.update_member_profile(OTHER, a, b_agent, ProfileUpdate::default()),
    ));
    unknown_actor(f.frozen(&both, d.create_team(OTHER, a, None, "Mine now")));
    unknown_actor(f.frozen(&both, d.rename_team(OTHER, a, b_team, None, "Mine")));
    unknown_actor(f.frozen(&both, d.delete_team(OTHER, a, b_team)));
    unknown_actor(f.frozen(&both, d.add_team_member(OTHER, a, b_team, b_agent)));
    unknown_actor(f.frozen(&both, d.remove_team_member(OTHER, a, b_team, b_agent)));
    unknown_actor(f.frozen(&both, d.grant_bot(OTHER, a, b_agent, BotId(1))));
    unknown_actor(f.frozen(&both, d.revoke_bot(OTHER, a, b_agent, BotId(1))));
    unknown_actor(f.frozen(&both, d.role_counts(OTHER, a)));
    unknown_actor(f.frozen(&both, d.list_members(OTHER, a)));
    unknown_actor(f.frozen(&both, d.audit_events(OTHER, a, None, 10)));
    #[cfg(feature = "import")]
    unknown_actor(f.frozen(
        &both,
        d.import_members(
            OTHER,
            a,
            b"email,role\nagent@other.test,Primary Admin\n",
            purview::ImportMode::Apply,
        ),
    ));

    // In its own organization, A's owner cannot reach B's objects either.
    let unknown_member = |e: DirectoryError, who: MemberId| {
        assert_matches!(e, DirectoryError::UnknownMember(id) if id == who);
    };
    unknown_member(
        f.frozen(&both, d.change_role(ORG, a, b_agent, "admin")),
        b_agent,
    );
    unknown_member(f.frozen(&both, d.remove_member(ORG, a, b_owner)), b_owner);
    unknown_member(
        f.frozen(
            &both,
            d.set_member_status(ORG, a, b_agent, MemberStatus::Disabled),
        ),
        b_agent,
    );
    unknown_member(
        f.frozen(&both, d.transfer_ownership(ORG, a, b_agent)),
        b_agent,
    );
    unknown_member(
        f.frozen(
            &both,
            d.update_member_profile(ORG, a, b_agent, ProfileUpdate::default()),
        ),
        b_agent,
    );
    unknown_member(
        f.frozen(&both, d.add_team_member(ORG, a, a_team, b_agent)),
        b_agent,
    );
    // `can` comes first: a helpdesk Owner may not grant bots at all.
    let e = f.frozen(&both, d.grant_bot(ORG, a, b_agent, BotId(1)));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::BOT_ACCESS_GRANT);
    let e = f.frozen(&both, d.add_team_member(ORG, a, b_team, a_agent));
    assert_matches!(e, DirectoryError::UnknownTeam(t) if t == b_team);
    let e = f.frozen(&both, d.rename_team(ORG, a, b_team, None, "Mine"));
    assert_matches!(e, DirectoryError::UnknownTeam(t) if t == b_team);
    let e = f.frozen(&both, d.delete_team(ORG, a, b_team));
    assert_matches!(e, DirectoryError::UnknownTeam(t) if t == b_team);
    let e = f.frozen(&both, d.revoke_invitation(ORG, a, b_inv[0].id));
    assert_matches!(e, DirectoryError::UnknownInvitation(i) if i == b_inv[0].id);

    // B's invitation secret, readdressed to A, is no invitation of A's.
    let forged =
        b_inv[0]
            .secret
            .replacen(&format!("{}.", OTHER.get()), &format!("{}.", ORG.get()), 1);
    assert_ne!(forged, b_inv[0].secret);
    let e = f.frozen(
        &both,
        d.accept_invitation(&forged, full("later@other.test")),
    );
    assert_matches!(e, DirectoryError::InvitationInvalid);

    // Both organizations still work on their own.
    f.run(d.accept_invitation(&a_inv[0].secret, full("later@acme.test")));
    f.run(d.accept_invitation(&b_inv[0].secret, full("later@other.test")));
    assert_eq!(f.state(ORG).members.len(), 3);
    assert_eq!(f.state(OTHER).members.len(), 3);
}
