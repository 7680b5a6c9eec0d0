//! Adding users by email: lines or commas, trimmed, deduplicated, all or nothing.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn invite_takes_lines_and_commas_trimmed_and_deduplicated() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(
        ORG,
        f.owner,
        " a@acme.test,\nB@Acme.test \r\n, A@ACME.test ;\n\n c@acme.test ",
        "primary_agent",
    ));
    let emails: Vec<_> = sent.iter().map(|i| i.email.clone().unwrap()).collect();
    assert_eq!(emails, ["a@acme.test", "b@acme.test", "c@acme.test"]);
    for i in &sent {
        assert_eq!(i.role.as_str(), "primary_agent");
        assert_eq!(i.expires_at, START.plus(TTL));
    }
    let mut secrets: Vec<_> = sent.iter().map(|i| i.secret.clone()).collect();
    secrets.sort();
    secrets.dedup();
    assert_eq!(secrets.len(), 3);
    let state = f.state(ORG);
    assert_eq!(state.invitations.len(), 3);
    assert!(state
        .invitations
        .values()
        .all(|i| i.state == InvitationState::Pending && i.created_by == f.owner));
}

#[test]
fn invite_deduplicates_addresses_that_differ_only_in_non_ascii_case() {
    let f = Fx::helpdesk(10);
    let sent = f.run(
        f.dir
            .invite(ORG, f.owner, "ÄNNE@acme.test, änne@acme.test", "agent"),
    );
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].email.as_deref(), Some("änne@acme.test"));
    assert_eq!(f.state(ORG).seats_used(START), 2);
}

#[test]
fn invite_reports_every_bad_address_and_creates_nothing() {
    let f = Fx::helpdesk(10);
    f.join("member@acme.test", "agent");
    f.run(f.dir.invite(ORG, f.owner, "pending@acme.test", "agent"));
    let e = f.refused(f.dir.invite(
        ORG,
        f.owner,
        "ok@acme.test, not-an-address\nMember@acme.test, pending@acme.test, two@@acme.test,\n  spaced out@acme.test  ",
        "agent",
    ));
    let bad = |address: &str, problem| BadAddress {
        address: address.into(),
        problem,
    };
    assert_matches!(e, DirectoryError::BadAddresses(ref list) if list == &[
        bad("not-an-address", AddressProblem::Invalid),
        bad("Member@acme.test", AddressProblem::AlreadyMember),
        bad("pending@acme.test", AddressProblem::AlreadyInvited),
        bad("two@@acme.test", AddressProblem::Invalid),
        bad("spaced out@acme.test", AddressProblem::Invalid),
    ]);
    let message = e.to_string();
    assert!(
        message.contains("`not-an-address` is not a valid email address"),
        "{message}"
    );
    let e = f.refused(f.dir.invite(ORG, f.owner, " ,\n ; \r\n", "agent"));
    assert_matches!(e, DirectoryError::NoAddresses);
    let e = f.refused(f.dir.invite(ORG, f.owner, "x@acme.test", "no_such_role"));
    assert_matches!(e, DirectoryError::UnknownRole(ref r) if r == "no_such_role");
}
