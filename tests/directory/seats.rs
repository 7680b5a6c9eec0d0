//! Seats: active members plus pending invitations never exceed the limit.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn an_invitation_beyond_the_seat_limit_is_refused_and_nothing_is_created() {
    let f = Fx::helpdesk(3);
    f.run(
        f.dir
            .invite(ORG, f.owner, "a@acme.test, b@acme.test", "agent"),
    );
    let e = f.refused(f.dir.invite(ORG, f.owner, "c@acme.test", "agent"));
    assert_matches!(
        e,
        DirectoryError::SeatsExceeded {
            limit: 3,
            available: 0,
            needed: 1
        }
    );
    let e = f.refused(f.dir.create_invitation_link(ORG, f.owner, "agent"));
    assert_matches!(e, DirectoryError::SeatsExceeded { available: 0, .. });
}

#[test]
fn a_batch_needing_more_seats_than_are_free_creates_nothing() {
    let f = Fx::helpdesk(4);
    let e = f.refused(f.dir.invite(
        ORG,
        f.owner,
        "a@acme.test\nb@acme.test\nc@acme.test\nd@acme.test",
        "agent",
    ));
    assert_matches!(
        e,
        DirectoryError::SeatsExceeded {
            limit: 4,
            available: 3,
            needed: 4
        }
    );
    assert!(f.state(ORG).invitations.is_empty());
    // Exactly the free seats is fine.
    let sent = f.run(f.dir.invite(
        ORG,
        f.owner,
        "a@acme.test\nb@acme.test\nc@acme.test",
        "agent",
    ));
    assert_eq!(sent.len(), 3);
    assert_eq!(f.state(ORG).seats_used(START), 4);
}

#[test]
fn pending_invitations_and_links_hold_seats_until_revoked_or_expired() {
    let f = Fx::helpdesk(3);
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
    let sent = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    let e = f.refused(f.dir.invite(ORG, f.owner, "b@acme.test", "agent"));
    assert_matches!(e, DirectoryError::SeatsExceeded { available: 0, .. });
    // Revoking frees a seat.
    f.run(f.dir.revoke_invitation(ORG, f.owner, link.id));
    let b = f.run(f.dir.invite(ORG, f.owner, "b@acme.test", "agent"));
    let e = f.refused(f.dir.invite(ORG, f.owner, "c@acme.test", "agent"));
    assert_matches!(e, DirectoryError::SeatsExceeded { available: 0, .. });
    // Accepting turns a pending seat into a member's: no seat needed.
    f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    assert_eq!(f.state(ORG).seats_used(START), 3);
    // Expiry frees the seat of an invitation never accepted.
    f.clock.advance(TTL);
    f.run(f.dir.invite(ORG, f.owner, "c@acme.test", "agent"));
    let e = f.refused(f.dir.accept_invitation(&b[0].secret, full("b@acme.test")));
    assert_matches!(e, DirectoryError::InvitationExpired);
}

#[test]
fn enabling_a_disabled_member_needs_a_seat() {
    let f = Fx::helpdesk(2);
    let agent = f.join("agent@acme.test", "agent");
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, agent, MemberStatus::Disabled),
    );
    // The disabled member's seat is free and is taken by an invitation.
    f.run(f.dir.invite(ORG, f.owner, "new@acme.test", "agent"));
    let e = f.refused(
        f.dir
            .set_member_status(ORG, f.owner, agent, MemberStatus::Active),
    );
    assert_matches!(
        e,
        DirectoryError::SeatsExceeded {
            limit: 2,
            available: 0,
            needed: 1
        }
    );
    assert_eq!(f.member(agent).status, MemberStatus::Disabled);
}
