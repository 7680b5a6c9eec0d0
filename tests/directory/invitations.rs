//! Invitations: secret hashed, single use, expiring, revocable.

#[allow(clippy::wildcard_imports)]
use super::*;

#[test]
fn an_invitation_secret_is_never_stored_in_plain_text() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "admin"));
    let issued = [sent[0].clone(), link.clone()];
    let check = |when: &str| {
        let state = f.state(ORG);
        let events = f.audit(ORG);
        let listed = f.run(f.dir.list_invitations(ORG, f.owner));
        let mut haystacks = vec![
            format!("{state:?}"),
            format!("{events:?}"),
            serde_json::to_string(&events).unwrap(),
            format!("{listed:?}"),
        ];
        for inv in state.invitations.values() {
            haystacks.push(serde_json::to_string(&**inv).unwrap());
        }
        for i in &issued {
            // The whole secret, and its random part alone.
            let random = i.secret.rsplit('.').next().unwrap();
            assert_eq!(random.len(), 64);
            for h in &haystacks {
                assert!(!h.contains(&i.secret), "{when}: secret stored");
                assert!(!h.contains(random), "{when}: secret's random part stored");
            }
            let stored = &state.invitations[&i.id];
            let hash: [u8; 32] = Sha256::digest(i.secret.as_bytes()).into();
            assert_eq!(stored.secret_hash, hash, "{when}: the stored hash");
        }
    };
    check("after creation");
    f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    f.run(f.dir.accept_invitation(&link.secret, full("b@acme.test")));
    check("after acceptance");
}

#[test]
fn an_invitation_is_single_use() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
    let (_, a) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    f.run(f.dir.accept_invitation(&link.secret, full("b@acme.test")));
    let e = f.refused(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    assert_matches!(e, DirectoryError::InvitationUsed);
    let e = f.refused(f.dir.accept_invitation(&link.secret, full("c@acme.test")));
    assert_matches!(e, DirectoryError::InvitationUsed);
    // Nor can a used invitation be revoked, or its member come back through it
    // after removal.
    let e = f.refused(f.dir.revoke_invitation(ORG, f.owner, sent[0].id));
    assert_matches!(e, DirectoryError::InvitationUsed);
    f.run(f.dir.remove_member(ORG, f.owner, a));
    let e = f.refused(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    assert_matches!(e, DirectoryError::InvitationUsed);
    assert_eq!(f.state(ORG).members.len(), 2);
}

#[test]
fn an_invitation_expires() {
    let f = Fx::helpdesk(10);
    let sent = f.run(
        f.dir
            .invite(ORG, f.owner, "a@acme.test, b@acme.test", "agent"),
    );
    assert_eq!(sent[0].expires_at, START.plus(TTL));
    f.clock.advance(TTL - 1);
    f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    f.clock.advance(1);
    let e = f.refused(
        f.dir
            .accept_invitation(&sent[1].secret, full("b@acme.test")),
    );
    assert_matches!(e, DirectoryError::InvitationExpired);
    // An expired invitation no longer blocks a new one to the same address.
    let again = f.run(f.dir.invite(ORG, f.owner, "b@acme.test", "agent"));
    assert_eq!(again[0].expires_at, START.plus(2 * TTL));
    f.run(
        f.dir
            .accept_invitation(&again[0].secret, full("b@acme.test")),
    );
}

#[test]
fn a_revoked_invitation_cannot_be_accepted() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
    f.run(f.dir.revoke_invitation(ORG, f.owner, sent[0].id));
    f.run(f.dir.revoke_invitation(ORG, f.owner, link.id));
    let e = f.refused(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    assert_matches!(e, DirectoryError::InvitationRevoked);
    let e = f.refused(f.dir.accept_invitation(&link.secret, full("b@acme.test")));
    assert_matches!(e, DirectoryError::InvitationRevoked);
    let e = f.refused(f.dir.revoke_invitation(ORG, f.owner, link.id));
    assert_matches!(e, DirectoryError::InvitationRevoked);
    assert_eq!(f.state(ORG).members.len(), 1);
}

#[test]
fn a_reissued_invitation_has_a_new_secret_and_lifetime_and_the_old_secret_is_dead() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
    f.clock.advance(TTL);
    let e = f.refused(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    assert_matches!(e, DirectoryError::InvitationExpired);
    let used_before = f.state(ORG).seats_used(START.plus(TTL));
    let again = f.run(f.dir.reissue_invitation(ORG, f.owner, sent[0].id));
    assert_ne!(again.id, sent[0].id);
    assert_ne!(again.secret, sent[0].secret);
    assert_eq!(again.email.as_deref(), Some("a@acme.test"));
    assert_eq!(again.role.as_str(), "agent");
    assert_eq!(again.expires_at, START.plus(2 * TTL));
    // The expired one held no seat; the new one does.
    assert_eq!(f.state(ORG).seats_used(START.plus(TTL)), used_before + 1);
    assert_eq!(
        f.state(ORG).invitations[&sent[0].id].state,
        InvitationState::Revoked
    );
    let e = f.refused(
        f.dir
            .accept_invitation(&sent[0].secret, full("a@acme.test")),
    );
    assert_matches!(e, DirectoryError::InvitationRevoked);
    let (_, id) = f.run(f.dir.accept_invitation(&again.secret, full("a@acme.test")));
    assert_eq!(f.role(id), "agent");
    // A link is reissued as a link.
    let new_link = f.run(f.dir.reissue_invitation(ORG, f.owner, link.id));
    assert_eq!(new_link.email, None);
    f.run(
        f.dir
            .accept_invitation(&new_link.secret, full("b@acme.test")),
    );
    let audit = f.audit(ORG);
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "reissue_invitation")
            .count(),
        2
    );
}

#[test]
fn a_pending_invitation_hands_its_seat_to_its_reissue_but_an_expired_one_needs_a_seat() {
    // The founder and two pending invitations fill three seats.
    let f = Fx::helpdesk(3);
    let first = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    f.run(f.dir.invite(ORG, f.owner, "x@acme.test", "agent"));
    // Every seat is taken, yet the pending one is reissued.
    f.run(f.dir.reissue_invitation(ORG, f.owner, first[0].id));
    f.clock.advance(TTL);
    let stale = f.run(f.dir.invite(ORG, f.owner, "b@acme.test", "agent"));
    f.run(f.dir.invite(ORG, f.owner, "c@acme.test", "agent"));
    f.clock.advance(TTL);
    // Both expired: two seats free, the reissue takes one.
    f.run(f.dir.reissue_invitation(ORG, f.owner, stale[0].id));
    f.run(f.dir.invite(ORG, f.owner, "d@acme.test", "agent"));
    let expired = f
        .state(ORG)
        .invitations
        .values()
        .find(|i| i.email.as_deref() == Some("c@acme.test"))
        .unwrap()
        .id;
    let e = f.refused(f.dir.reissue_invitation(ORG, f.owner, expired));
    assert_matches!(
        e,
        DirectoryError::SeatsExceeded {
            limit: 3,
            available: 0,
            needed: 1
        }
    );
}

#[test]
fn reissuing_needs_the_right_to_create_that_invitation_now() {
    let f = Fx::helpdesk(20);
    let admin = f.join("admin@acme.test", "admin");
    let agent = f.join("agent@acme.test", "agent");
    let by_owner = f.run(f.dir.invite(ORG, f.owner, "x@acme.test", "primary_admin"));
    // Someone else's invitation needs invitation management.
    for actor in [agent, admin] {
        let e = f.refused(f.dir.reissue_invitation(ORG, actor, by_owner[0].id));
        assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
    }
    // One's own link, after a demotion, exceeds one's role.
    let link = f.run(f.dir.create_invitation_link(ORG, admin, "admin"));
    f.run(f.dir.change_role(ORG, f.owner, admin, "agent"));
    let e = f.refused(f.dir.reissue_invitation(ORG, admin, link.id));
    assert_matches!(e, DirectoryError::Denied(Reason::RoleExceedsOwn));
    // A disabled creator reissues nothing.
    let own = f.run(f.dir.create_invitation_link(ORG, agent, "agent"));
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, agent, MemberStatus::Disabled),
    );
    let e = f.refused(f.dir.reissue_invitation(ORG, agent, own.id));
    assert_matches!(e, DirectoryError::Denied(Reason::ActorDisabled));
    // Another organization's member touches nothing here.
    let stranger = f.other_org();
    let e = f.frozen(
        &[ORG, OTHER],
        f.dir.reissue_invitation(ORG, stranger, by_owner[0].id),
    );
    assert_matches!(e, DirectoryError::UnknownMember(m) if m == stranger);
}

#[test]
fn used_revoked_unknown_and_joined_invitations_are_not_reissued() {
    let f = Fx::helpdesk(10);
    let used = f.run(f.dir.invite(ORG, f.owner, "a@acme.test", "agent"));
    f.run(
        f.dir
            .accept_invitation(&used[0].secret, full("a@acme.test")),
    );
    let e = f.refused(f.dir.reissue_invitation(ORG, f.owner, used[0].id));
    assert_matches!(e, DirectoryError::InvitationUsed);
    let revoked = f.run(f.dir.invite(ORG, f.owner, "b@acme.test", "agent"));
    f.run(f.dir.revoke_invitation(ORG, f.owner, revoked[0].id));
    let e = f.refused(f.dir.reissue_invitation(ORG, f.owner, revoked[0].id));
    assert_matches!(e, DirectoryError::InvitationRevoked);
    let e = f.refused(
        f.dir
            .reissue_invitation(ORG, f.owner, purview::InvitationId(999)),
    );
    assert_matches!(e, DirectoryError::UnknownInvitation(_));
    // An expired invitation whose address joined through a link since was
    // settled by the joining: it is not sent again.
    let lapsed = f.run(f.dir.invite(ORG, f.owner, "d@acme.test", "agent"));
    f.clock.advance(TTL + 1);
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
    f.run(f.dir.accept_invitation(&link.secret, full("d@acme.test")));
    assert_eq!(
        f.state(ORG).invitations[&lapsed[0].id].state,
        InvitationState::Revoked
    );
    let e = f.refused(f.dir.reissue_invitation(ORG, f.owner, lapsed[0].id));
    assert_matches!(e, DirectoryError::InvitationRevoked);
}

#[test]
fn a_wrong_secret_is_refused() {
    let f = Fx::helpdesk(10);
    f.other_org();
    let sent = f.run(
        f.dir
            .invite(ORG, f.owner, "a@acme.test, b@acme.test", "agent"),
    );
    let secret = &sent[0].secret;
    let mut flipped = secret.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == '0' { '1' } else { '0' });
    let (_, rest) = secret.split_once('.').unwrap();
    let (_, random) = rest.split_once('.').unwrap();
    let wrong_id = format!("{}.{}.{random}", ORG.get(), sent[1].id.get());
    let unknown_id = format!("{}.12345.{random}", ORG.get());
    let unknown_org = format!("999.{rest}");
    let other_org = format!("{}.{rest}", OTHER.get());
    for wrong in [
        flipped.as_str(),
        &secret[..secret.len() - 1],
        &wrong_id,
        &unknown_id,
        &unknown_org,
        &other_org,
        "",
        "not a secret",
        &secret.to_uppercase(),
    ] {
        let e = f.frozen(
            &[ORG, OTHER],
            f.dir.accept_invitation(wrong, full("a@acme.test")),
        );
        assert_matches!(e, DirectoryError::InvitationInvalid);
    }
    // The right secret still works.
    f.run(f.dir.accept_invitation(secret, full("a@acme.test")));
}

#[test]
fn only_invitation_managers_revoke_someone_elses_invitation() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let admin = f.join("admin@acme.test", "admin");
    let owners = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
    let agents = f.run(f.dir.create_invitation_link(ORG, agent, "agent"));
    for actor in [agent, admin] {
        let e = f.refused(f.dir.revoke_invitation(ORG, actor, owners.id));
        assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
            if missing == P::INVITATION_MANAGE);
    }
    let e = f.refused(f.dir.revoke_invitation(ORG, admin, agents.id));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
    // The creator may revoke their own link.
    f.run(f.dir.revoke_invitation(ORG, agent, agents.id));
    assert_eq!(
        f.state(ORG).invitations[&agents.id].state,
        InvitationState::Revoked
    );
}
