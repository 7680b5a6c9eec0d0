//! Teams: an Admin edits only the teams they are in; codes and names unique.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn an_admin_cannot_edit_the_members_of_a_team_they_are_not_in() {
    let f = Fx::helpdesk(10);
    let admin = f.join("admin@acme.test", "admin");
    let agent = f.join("agent@acme.test", "agent");
    let mine = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Team 1"));
    let theirs = f.run(f.dir.create_team(ORG, f.owner, Some("T2"), "Team 2"));
    f.run(f.dir.add_team_member(ORG, f.owner, mine, admin));
    f.run(f.dir.add_team_member(ORG, f.owner, theirs, agent));

    let e = f.refused(f.dir.add_team_member(ORG, admin, theirs, admin));
    assert_matches!(e, DirectoryError::Denied(Reason::TeamNotJoined));
    let e = f.refused(f.dir.remove_team_member(ORG, admin, theirs, agent));
    assert_matches!(e, DirectoryError::Denied(Reason::TeamNotJoined));
    // Creating, renaming and deleting teams is beyond an Admin altogether.
    let e = f.refused(f.dir.create_team(ORG, admin, None, "Team 3"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::TEAM_MANAGE);
    let e = f.refused(f.dir.rename_team(ORG, admin, mine, None, "Renamed"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::TEAM_MANAGE);
    let e = f.refused(f.dir.delete_team(ORG, admin, mine));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::TEAM_MANAGE);
    // An Agent may not edit team members even in their own team.
    let e = f.refused(f.dir.add_team_member(ORG, agent, theirs, admin));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::TEAM_MEMBERS_EDIT);

    // In their own team the Admin may.
    f.run(f.dir.add_team_member(ORG, admin, mine, agent));
    let mut teams = vec![mine, theirs];
    teams.sort();
    assert_eq!(f.member(agent).teams, teams);
    f.run(f.dir.remove_team_member(ORG, admin, mine, agent));
    assert_eq!(f.member(agent).teams, [theirs]);
}

#[test]
fn an_admin_cannot_move_a_member_whose_role_exceeds_their_own_in_or_out_of_their_team() {
    let f = Fx::helpdesk(10);
    let admin = f.join("admin@acme.test", "admin");
    let boss = f.join("boss@acme.test", "primary_admin");
    let mine = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Team 1"));
    f.run(f.dir.add_team_member(ORG, f.owner, mine, admin));
    f.run(f.dir.add_team_member(ORG, f.owner, mine, boss));

    for (whom, expected) in [(f.owner, "owner"), (boss, "primary_admin")] {
        let e = f.refused(f.dir.add_team_member(ORG, admin, mine, whom));
        assert_matches!(e, DirectoryError::TargetExceedsActor { ref role, .. } if role.as_str() == expected);
    }
    let e = f.refused(f.dir.remove_team_member(ORG, admin, mine, boss));
    assert_matches!(e, DirectoryError::TargetExceedsActor { member, .. } if member == boss);
    // Their own membership is theirs to change.
    f.run(f.dir.remove_team_member(ORG, admin, mine, admin));
}

#[test]
fn team_codes_and_names_are_unique_when_created() {
    let f = Fx::helpdesk(10);
    f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Team 1"));
    let e = f.refused(f.dir.create_team(ORG, f.owner, Some("T1"), "Another"));
    assert_matches!(e, DirectoryError::DuplicateTeamCode(ref c) if c == "T1");
    let e = f.refused(f.dir.create_team(ORG, f.owner, Some(" T1 "), "Another"));
    assert_matches!(e, DirectoryError::DuplicateTeamCode(ref c) if c == "T1");
    // Names compare trimmed and without regard to case.
    let e = f.refused(f.dir.create_team(ORG, f.owner, Some("T2"), "  team 1 "));
    assert_matches!(e, DirectoryError::DuplicateTeamName(ref n) if n.eq_ignore_ascii_case("team 1"));
    let e = f.refused(f.dir.create_team(ORG, f.owner, None, "TEAM 1"));
    assert_matches!(e, DirectoryError::DuplicateTeamName(_));
    let e = f.refused(f.dir.create_team(ORG, f.owner, Some("T3"), "   "));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "team name",
            ..
        }
    );
    // Teams without a code do not clash on the missing code.
    f.run(f.dir.create_team(ORG, f.owner, None, "Team 2"));
    f.run(f.dir.create_team(ORG, f.owner, None, "Team 3"));
    assert_eq!(f.state(ORG).teams.len(), 3);
}

#[test]
fn team_codes_and_names_are_unique_when_renamed() {
    let f = Fx::helpdesk(10);
    f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Team 1"));
    let two = f.run(f.dir.create_team(ORG, f.owner, Some("T2"), "Team 2"));
    let e = f.refused(f.dir.rename_team(ORG, f.owner, two, Some("T2"), "team 1"));
    assert_matches!(e, DirectoryError::DuplicateTeamName(_));
    let e = f.refused(f.dir.rename_team(ORG, f.owner, two, Some("T1"), "Team 2"));
    assert_matches!(e, DirectoryError::DuplicateTeamCode(ref c) if c == "T1");
    let e = f.refused(f.dir.rename_team(ORG, f.owner, two, Some("T2"), ""));
    assert_matches!(e, DirectoryError::InvalidInput { .. });
    let e = f.refused(f.dir.rename_team(ORG, f.owner, TeamId(7), None, "Team 7"));
    assert_matches!(e, DirectoryError::UnknownTeam(TeamId(7)));
    // A team keeps its own name under a new code, and may change case.
    f.run(f.dir.rename_team(ORG, f.owner, two, Some("T22"), "TEAM 2"));
    let t = Arc::clone(&f.state(ORG).teams[&two]);
    assert_eq!(
        (t.code.as_deref(), t.name.as_str()),
        (Some("T22"), "TEAM 2")
    );
}
