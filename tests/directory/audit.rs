//! Audit events: who, what, before, after, when.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn a_role_change_is_audited_with_who_what_before_after_and_when() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let before = f.member(agent);
    f.clock.advance(100);
    f.run(f.dir.change_role(ORG, f.owner, agent, "admin"));
    let state = f.state(ORG);
    let e = f.audit(ORG).pop().unwrap();
    assert_eq!(e.org, ORG);
    assert_eq!(e.version, state.version);
    assert_eq!(e.index, 0);
    assert_eq!(e.at, START.plus(100));
    assert_eq!(e.actor, Some(f.owner));
    assert_eq!(e.action, "change_role");
    assert_eq!(e.subject, format!("member:{}", agent.get()));
    let was: Member = record(&e.before);
    let is: Member = record(&e.after);
    assert_eq!(was, *before);
    assert_eq!(was.role.as_str(), "agent");
    assert_eq!(is, *state.members[&agent]);
    assert_eq!(is.role.as_str(), "admin");
}

#[test]
fn invitations_teams_and_removals_are_audited() {
    let f = Fx::helpdesk(10);
    let events = |from: usize| f.audit(ORG)[from..].to_vec();

    // An invitation: created, nothing before.
    let n = f.audit(ORG).len();
    let sent = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    let ev = events(n);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].action.as_str(), ev[0].actor, ev[0].before.as_ref()),
        ("create_invitation", Some(f.owner), None)
    );
    assert_eq!(ev[0].subject, sent[0].id.to_string());
    let stored: Invitation = record(&ev[0].after);
    assert_eq!(stored, *f.state(ORG).invitations[&sent[0].id]);

    // Acceptance: by the newcomer; the invitation then the member.
    f.clock.advance(5);
    let n = f.audit(ORG).len();
    let (_, a) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    let ev = events(n);
    assert_eq!(ev.len(), 2);
    assert!(ev
        .iter()
        .all(|e| e.action == "accept_invitation" && e.actor == Some(a) && e.at == START.plus(5)));
    let inv: Invitation = record(&ev[0].after);
    assert_eq!(inv.state, InvitationState::Accepted);
    let was: Invitation = record(&ev[0].before);
    assert_eq!(was.state, InvitationState::Pending);
    assert_eq!(
        (ev[1].subject.clone(), ev[1].before.as_ref()),
        (a.to_string(), None)
    );

    // A team.
    let n = f.audit(ORG).len();
    let team = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Team 1"));
    let ev = events(n);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].action.as_str(), ev[0].subject.clone()),
        ("create_team", team.to_string())
    );
    let t: Team = record(&ev[0].after);
    assert_eq!((t.code.as_deref(), t.name.as_str()), (Some("T1"), "Team 1"));

    // A removal: something before, nothing after.
    let n = f.audit(ORG).len();
    let removed = f.member(a);
    f.run(f.dir.remove_member(ORG, f.owner, a));
    let ev = events(n);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].action.as_str(), ev[0].after.as_ref()),
        ("remove_member", None)
    );
    let was: Member = record(&ev[0].before);
    assert_eq!(was, *removed);
}

/// An operation's audited name and a closure that runs it.
type Step<'a> = (&'static str, Box<dyn Fn() + 'a>);

#[test]
fn every_successful_change_commits_one_version_with_its_events_and_a_no_op_writes_nothing() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let team = f.run(f.dir.create_team(ORG, f.owner, None, "Team 1"));
    let steps: Vec<Step<'_>> = vec![
        (
            "change_role",
            Box::new(|| f.run(f.dir.change_role(ORG, f.owner, agent, "primary_agent"))),
        ),
        (
            "set_member_status",
            Box::new(|| {
                f.run(
                    f.dir
                        .set_member_status(ORG, f.owner, agent, MemberStatus::Disabled),
                )
            }),
        ),
        (
            "set_member_status",
            Box::new(|| {
                f.run(
                    f.dir
                        .set_member_status(ORG, f.owner, agent, MemberStatus::Active),
                )
            }),
        ),
        (
            "add_team_member",
            Box::new(|| f.run(f.dir.add_team_member(ORG, f.owner, team, agent))),
        ),
        (
            "remove_team_member",
            Box::new(|| f.run(f.dir.remove_team_member(ORG, f.owner, team, agent))),
        ),
        (
            "rename_team",
            Box::new(|| f.run(f.dir.rename_team(ORG, f.owner, team, Some("T"), "Team"))),
        ),
        (
            "update_member_profile",
            Box::new(|| {
                f.run(f.dir.update_member_profile(
                    ORG,
                    f.owner,
                    agent,
                    ProfileUpdate {
                        user_code: Some(Some("A-1".into())),
                        ..ProfileUpdate::default()
                    },
                ))
            }),
        ),
        (
            "delete_team",
            Box::new(|| f.run(f.dir.delete_team(ORG, f.owner, team))),
        ),
    ];
    for (action, step) in steps {
        let (v, n) = (f.state(ORG).version, f.audit(ORG).len());
        step();
        let events = f.audit(ORG);
        assert_eq!(f.state(ORG).version, v + 1, "{action}");
        assert_eq!(events.len(), n + 1, "{action}");
        let e = &events[n];
        assert_eq!(
            (e.action.as_str(), e.version, e.actor),
            (action, v + 1, Some(f.owner))
        );
    }

    // Operations that change nothing write nothing.
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(f.dir.change_role(ORG, f.owner, agent, "primary_agent"));
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, agent, MemberStatus::Active),
    );
    assert_eq!(f.state(ORG), state);
    assert_eq!(f.audit(ORG), events);
}

/// A value reads back only as the record its subject names.
#[test]
fn audit_values_read_back_by_their_subject_or_not_at_all() {
    use purview::record::AuditValue;
    for (subject, text) in [
        ("nothing:1", "{}"),
        ("member:1", "[]"),
        ("member:1", "{\"id\": 1}"),
        ("organization:1", "{\"a\": \"x\", \"b\": \"y\"}"),
        ("organization:1", "7"),
        ("kb:1", "\"one\""),
        ("team:2", "not json"),
    ] {
        assert!(
            AuditValue::from_json(subject, text).is_err(),
            "{subject}: {text}"
        );
    }
    assert_eq!(
        AuditValue::from_json("organization:1", "{\"timezone\": null}").unwrap(),
        AuditValue::Setting {
            key: "timezone".into(),
            value: None
        }
    );
    assert_eq!(
        AuditValue::from_json("organization:1", "{\"name\": \"Acme\", \"seat_limit\": 5}").unwrap(),
        AuditValue::Organization {
            name: "Acme".into(),
            seat_limit: 5
        }
    );
    assert_eq!(
        AuditValue::from_json("kb:4", "4").unwrap(),
        AuditValue::KnowledgeBaseId(purview::KnowledgeBaseId(4))
    );
}
