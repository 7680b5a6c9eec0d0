//! Unique user codes.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn user_codes_are_unique_in_the_organization() {
    let f = Fx::helpdesk(10);
    let a = f.join_with(
        ORG,
        f.owner,
        "agent",
        Profile {
            user_code: Some("EMP-1".into()),
            ..full("a@acme.test")
        },
    );
    let b = f.join("b@acme.test", "agent");
    let code = |c: &str| ProfileUpdate {
        user_code: Some(Some(c.into())),
        ..ProfileUpdate::default()
    };
    let e = f.refused(f.dir.update_own_profile(ORG, b, code("EMP-1")));
    assert_matches!(e, DirectoryError::DuplicateUserCode(ref c) if c == "EMP-1");
    let e = f.refused(
        f.dir
            .update_member_profile(ORG, f.owner, b, code("  EMP-1 ")),
    );
    assert_matches!(e, DirectoryError::DuplicateUserCode(ref c) if c == "EMP-1");
    let sent = f.run(f.dir.invite(ORG, f.owner, "c@acme.test", "agent"));
    let e = f.refused(f.dir.accept_invitation(
        &sent[0].secret,
        Profile {
            user_code: Some("EMP-1".into()),
            ..full("c@acme.test")
        },
    ));
    assert_matches!(e, DirectoryError::DuplicateUserCode(ref c) if c == "EMP-1");
    // Codes are free again once released.
    f.run(f.dir.update_own_profile(
        ORG,
        a,
        ProfileUpdate {
            user_code: Some(None),
            ..ProfileUpdate::default()
        },
    ));
    f.run(f.dir.update_own_profile(ORG, b, code("EMP-1")));
    assert_eq!(f.member(b).user_code.as_deref(), Some("EMP-1"));
}

#[test]
fn a_profile_update_that_changes_nothing_writes_nothing() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let same = ProfileUpdate {
        user_name: Some(Some("  agent ".into())),
        phone: Some(Some("+1 555 0100".into())),
        ..ProfileUpdate::default()
    };
    let (state, audit) = (f.state(ORG), f.audit(ORG));
    f.run(
        f.dir
            .update_own_profile(ORG, agent, ProfileUpdate::default()),
    );
    f.run(f.dir.update_own_profile(ORG, agent, same.clone()));
    f.run(f.dir.update_member_profile(ORG, f.owner, agent, same));
    assert_eq!(f.state(ORG), state, "no version, no change");
    assert_eq!(f.audit(ORG), audit, "no audit event");
    // A real change writes one event.
    f.run(f.dir.update_own_profile(
        ORG,
        agent,
        ProfileUpdate {
            phone: Some(Some("+1 555 0199".into())),
            ..ProfileUpdate::default()
        },
    ));
    assert_eq!(f.state(ORG).version, state.version + 1);
    assert_eq!(f.audit(ORG).len(), audit.len() + 1);
}
