//! A disabled member may do nothing.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn a_disabled_member_may_do_nothing() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let agent = f.join("agent@acme.test", "agent");
    let team = f.run(f.dir.create_team(ORG, pa, Some("T1"), "Team 1"));
    let own_link = f.run(f.dir.create_invitation_link(ORG, pa, "agent"));
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, pa, MemberStatus::Disabled),
    );
    assert_eq!(f.member(pa).status, MemberStatus::Disabled);

    let disabled = |e: DirectoryError| {
        assert_matches!(e, DirectoryError::Denied(Reason::ActorDisabled));
    };
    let d = &f.dir;
    disabled(f.refused(d.change_role(ORG, pa, agent, "admin")));
    disabled(f.refused(d.invite(ORG, pa, "x@acme.test", "agent")));
    disabled(f.refused(d.create_invitation_link(ORG, pa, "agent")));
    disabled(f.refused(d.revoke_invitation(ORG, pa, own_link.id)));
    disabled(f.refused(d.list_invitations(ORG, pa)));
    disabled(f.refused(d.remove_member(ORG, pa, agent)));
    disabled(f.refused(d.set_member_status(ORG, pa, agent, MemberStatus::Disabled)));
    disabled(f.refused(d.set_member_status(ORG, pa, pa, MemberStatus::Active)));
    disabled(f.refused(d.transfer_ownership(ORG, pa, agent)));
    disabled(f.refused(d.update_own_profile(
        ORG,
        pa,
        ProfileUpdate {
            phone: Some(Some("+1 555 0199".into())),
            ..ProfileUpdate::default()
        },
    )));
    disabled(f.refused(d.update_member_profile(ORG, pa, agent, ProfileUpdate::default())));
    disabled(f.refused(d.create_team(ORG, pa, None, "Team 2")));
    disabled(f.refused(d.rename_team(ORG, pa, team, None, "Renamed")));
    disabled(f.refused(d.delete_team(ORG, pa, team)));
    disabled(f.refused(d.add_team_member(ORG, pa, team, agent)));
    disabled(f.refused(d.remove_team_member(ORG, pa, team, agent)));
    disabled(f.refused(d.grant_bot(ORG, pa, agent, BotId(1))));
    disabled(f.refused(d.role_counts(ORG, pa)));
    disabled(f.refused(d.list_members(ORG, pa)));
    disabled(f.refused(d.audit_events(ORG, pa, None, 10)));
    #[cfg(feature = "import")]
    disabled(f.refused(d.import_members(
        ORG,
        pa,
        b"email,role\nagent@acme.test,Admin\n",
        purview::ImportMode::Apply,
    )));

    // Enabled again, the same member may act.
    f.run(d.set_member_status(ORG, f.owner, pa, MemberStatus::Active));
    f.run(d.revoke_invitation(ORG, pa, own_link.id));
    f.run(d.change_role(ORG, pa, agent, "admin"));
    assert_eq!(f.role(agent), "admin");
}

#[test]
fn a_member_holding_a_disabling_role_may_do_nothing() {
    let f = Fx::workspace(10);
    let second = f.join("second@acme.test", "admin");
    let third = f.join("third@acme.test", "admin");
    f.run(f.dir.change_role(ORG, f.owner, third, "disabled"));
    let state = f.state(ORG);
    assert_eq!(state.members[&third].status, MemberStatus::Active);
    let e = f.refused(f.dir.create_invitation_link(ORG, third, "disabled"));
    assert_matches!(e, DirectoryError::Denied(Reason::ActorDisabled));
    let e = f.refused(f.dir.change_role(ORG, third, second, "member"));
    assert_matches!(e, DirectoryError::Denied(Reason::ActorDisabled));
}
