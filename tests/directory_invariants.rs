//! The directory's invariants (specification §4), each attacked head-on.
//!
//! Every refused operation is checked twice: it returns the exact
//! `DirectoryError` variant, and the organization's stored state and audit
//! log are exactly what they were before (a refused operation writes nothing).
//! Successful operations are checked for the audit events they write.
//!
//! `cargo test --all-features --test directory_invariants`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::{
    block_on, preset, AddressProblem, AdminMinimum, AuditEvent, BadAddress, BotId, Catalog,
    Directory, DirectoryError, Invitation, InvitationState, ManualClock, Member, MemberId,
    MemberStatus, MemoryStore, NewOrganization, OrgId, OrgState, Permissions as P, Policy, Profile,
    ProfileUpdate, Reason, Role, RoleKey, Store, Team, TeamId, Timestamp,
};
use sha2::{Digest, Sha256};
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Barrier};

const ORG: OrgId = OrgId(1);
const OTHER: OrgId = OrgId(2);
const START: Timestamp = Timestamp(1_700_000_000);
const TTL: u64 = 3_600;

/// `assert!(matches!(..))` that prints what it got.
macro_rules! assert_matches {
    ($value:expr, $pattern:pat $(if $guard:expr)? $(,)?) => {
        match $value {
            $pattern $(if $guard)? => {}
            ref other => panic!(
                "expected `{}`, got {other:?}",
                stringify!($pattern $(if $guard)?)
            ),
        }
    };
}

fn full(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        user_code: None,
        user_name: Some(email.split('@').next().unwrap().into()),
        display_name: Some(format!("Display {email}")),
        phone: Some("+1 555 0100".into()),
    }
}

fn bare(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        ..Profile::default()
    }
}

/// Admin, a custom "lead" that changes roles but holds less than an Admin,
/// Member and a disabling role; at least two Admins (the workspace rule).
fn workspace_like() -> Catalog {
    let lead = P::MEMBER_VIEW
        | P::MEMBER_EDIT
        | P::MEMBER_REMOVE
        | P::MEMBER_ROLE_CHANGE
        | P::INVITATION_LINK_CREATE
        | P::PROFILE_EDIT;
    let admin = lead
        | P::MEMBER_INVITE
        | P::INVITATION_MANAGE
        | P::TEAM_MANAGE
        | P::TEAM_MEMBERS_EDIT
        | P::ORGANIZATION_EDIT;
    Catalog::new(
        "workspace-like",
        [
            Role::builder("admin", "Admin").permissions(admin).build(),
            Role::builder("lead", "Lead").permissions(lead).build(),
            Role::builder("member", "Member")
                .permissions(P::PROFILE_EDIT | P::INVITATION_LINK_CREATE)
                .build(),
            Role::builder("disabled", "Disabled").disabled().build(),
        ],
    )
    .and_then(|c| {
        c.with_policy(Policy {
            min_admins: Some(AdminMinimum {
                role: RoleKey::new("admin"),
                count: 2,
            }),
            ..Policy::default()
        })
    })
    .unwrap()
}

struct Fx {
    dir: Directory<MemoryStore, ManualClock>,
    clock: ManualClock,
    /// The founder: the Owner in the helpdesk, an Admin in the workspace-like catalog.
    owner: MemberId,
}

impl Fx {
    fn helpdesk(seats: u32) -> Fx {
        Fx::new(preset::helpdesk(), None, seats)
    }

    fn workspace(seats: u32) -> Fx {
        Fx::new(workspace_like(), Some("admin"), seats)
    }

    fn new(catalog: Catalog, founder_role: Option<&str>, seats: u32) -> Fx {
        let clock = ManualClock::new(START);
        let dir = Directory::with_clock(MemoryStore::new(), clock.clone()).invitation_ttl(TTL);
        let owner = block_on(dir.create_organization(NewOrganization {
            id: ORG,
            name: "Acme".into(),
            catalog,
            seat_limit: seats,
            founder: full("owner@acme.test"),
            founder_role: founder_role.map(RoleKey::new),
        }))
        .unwrap();
        Fx { dir, clock, owner }
    }

    /// A second organization in the same store, with its own founder.
    fn other_org(&self) -> MemberId {
        block_on(self.dir.create_organization(NewOrganization {
            id: OTHER,
            name: "Other".into(),
            catalog: preset::helpdesk(),
            seat_limit: 10,
            founder: full("owner@other.test"),
            founder_role: None,
        }))
        .unwrap()
    }

    fn run<T>(&self, f: impl Future<Output = Result<T, DirectoryError>>) -> T {
        block_on(f).unwrap()
    }

    /// Invites `email` to `role` (by the founder) and accepts with `profile`.
    fn join_with(&self, org: OrgId, by: MemberId, role: &str, profile: Profile) -> MemberId {
        let email = profile.email.clone().unwrap();
        let sent = self.run(self.dir.invite(org, by, &email, role));
        let (joined_org, id) = self.run(self.dir.accept_invitation(&sent[0].secret, profile));
        assert_eq!(joined_org, org);
        id
    }

    fn join(&self, email: &str, role: &str) -> MemberId {
        self.join_with(ORG, self.owner, role, full(email))
    }

    fn state(&self, org: OrgId) -> Arc<OrgState> {
        block_on(self.dir.snapshot(org)).unwrap()
    }

    fn audit(&self, org: OrgId) -> Vec<AuditEvent> {
        block_on(self.dir.store().audit(org)).unwrap()
    }

    fn member(&self, id: MemberId) -> Arc<Member> {
        Arc::clone(&self.state(ORG).members[&id])
    }

    /// Runs an operation that must be refused; asserts that nothing changed in
    /// any of `orgs` (state, version and audit log); returns the error.
    fn frozen<T: Debug>(
        &self,
        orgs: &[OrgId],
        op: impl Future<Output = Result<T, DirectoryError>>,
    ) -> DirectoryError {
        let before: Vec<_> = orgs
            .iter()
            .map(|o| (self.state(*o), self.audit(*o)))
            .collect();
        let result = block_on(op);
        let after: Vec<_> = orgs
            .iter()
            .map(|o| (self.state(*o), self.audit(*o)))
            .collect();
        for ((b, a), org) in before.iter().zip(&after).zip(orgs) {
            assert_eq!(b.0, a.0, "a refused operation changed the state of {org}");
            assert_eq!(b.1, a.1, "a refused operation wrote audit events in {org}");
        }
        match result {
            Ok(v) => panic!("expected a refusal, the operation returned {v:?}"),
            Err(e) => e,
        }
    }

    fn refused<T: Debug>(
        &self,
        op: impl Future<Output = Result<T, DirectoryError>>,
    ) -> DirectoryError {
        self.frozen(&[ORG], op)
    }

    fn role(&self, id: MemberId) -> String {
        self.member(id).role.as_str().to_owned()
    }

    fn owners(&self) -> Vec<MemberId> {
        self.state(ORG)
            .members
            .values()
            .filter(|m| m.role.as_str() == "owner")
            .map(|m| m.id)
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Exactly one Owner; the unique role changes hands only by a transfer.

#[test]
fn an_agent_cannot_demote_the_owner() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let e = f.refused(f.dir.change_role(ORG, agent, f.owner, "agent"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_ROLE_CHANGE);
    assert_eq!(f.owners(), [f.owner]);
}

#[test]
fn an_admin_cannot_demote_the_owner() {
    let f = Fx::helpdesk(10);
    let admin = f.join("admin@acme.test", "admin");
    for role in ["agent", "admin", "primary_admin"] {
        let e = f.refused(f.dir.change_role(ORG, admin, f.owner, role));
        assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
            if missing == P::MEMBER_ROLE_CHANGE);
    }
}

#[test]
fn a_primary_admin_cannot_demote_the_owner() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    for role in ["primary_admin", "admin", "agent"] {
        let e = f.refused(f.dir.change_role(ORG, pa, f.owner, role));
        assert_matches!(e, DirectoryError::OwnerProtected);
    }
    assert_eq!(f.owners(), [f.owner]);
}

#[test]
fn the_owner_cannot_demote_themselves() {
    let f = Fx::helpdesk(10);
    let e = f.refused(f.dir.change_role(ORG, f.owner, f.owner, "primary_admin"));
    assert_matches!(e, DirectoryError::OwnRole);
}

#[test]
fn an_admin_cannot_remove_or_disable_the_owner() {
    let f = Fx::helpdesk(10);
    let admin = f.join("admin@acme.test", "admin");
    let e = f.refused(f.dir.remove_member(ORG, admin, f.owner));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_REMOVE);
    let e = f.refused(
        f.dir
            .set_member_status(ORG, admin, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_EDIT);
}

#[test]
fn a_primary_admin_cannot_remove_or_disable_the_owner() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let e = f.refused(f.dir.remove_member(ORG, pa, f.owner));
    assert_matches!(e, DirectoryError::OwnerProtected);
    let e = f.refused(
        f.dir
            .set_member_status(ORG, pa, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::OwnerProtected);
    assert_eq!(f.member(f.owner).status, MemberStatus::Active);
}

#[test]
fn the_owner_cannot_remove_or_disable_themselves() {
    let f = Fx::helpdesk(10);
    let e = f.refused(f.dir.remove_member(ORG, f.owner, f.owner));
    assert_matches!(e, DirectoryError::OwnerProtected);
    let e = f.refused(
        f.dir
            .set_member_status(ORG, f.owner, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::OwnerProtected);
}

#[test]
fn the_owner_role_is_never_given_by_a_role_change() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let agent = f.join("agent@acme.test", "agent");
    for actor in [f.owner, pa] {
        let e = f.refused(f.dir.change_role(ORG, actor, agent, "owner"));
        assert_matches!(e, DirectoryError::UniqueRole(ref k) if k.as_str() == "owner");
    }
    // Nor by an invitation, by email or by link.
    let e = f.refused(f.dir.invite(ORG, f.owner, "new@acme.test", "owner"));
    assert_matches!(e, DirectoryError::Denied(Reason::UniqueRole));
    let e = f.refused(f.dir.create_invitation_link(ORG, f.owner, "owner"));
    assert_matches!(e, DirectoryError::Denied(Reason::UniqueRole));
    assert_eq!(f.owners(), [f.owner]);
}

#[test]
fn only_the_owner_transfers_ownership() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let agent = f.join("agent@acme.test", "agent");
    for (actor, to) in [(pa, pa), (pa, agent), (agent, pa), (agent, agent)] {
        let e = f.refused(f.dir.transfer_ownership(ORG, actor, to));
        assert_matches!(e, DirectoryError::NotOwner);
    }
}

#[test]
fn ownership_goes_only_to_another_active_member_of_the_organization() {
    let f = Fx::helpdesk(10);
    let other_owner = f.other_org();
    let agent = f.join("agent@acme.test", "agent");
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, agent, MemberStatus::Disabled),
    );
    let e = f.refused(f.dir.transfer_ownership(ORG, f.owner, f.owner));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "new owner",
            ..
        }
    );
    let e = f.refused(f.dir.transfer_ownership(ORG, f.owner, agent));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "new owner",
            ..
        }
    );
    let e = f.frozen(
        &[ORG, OTHER],
        f.dir.transfer_ownership(ORG, f.owner, other_owner),
    );
    assert_matches!(e, DirectoryError::UnknownMember(id) if id == other_owner);
}

#[test]
fn a_transfer_makes_the_old_owner_a_primary_admin() {
    let f = Fx::helpdesk(10);
    let agent = f.join("agent@acme.test", "agent");
    let events_before = f.audit(ORG).len();
    f.clock.advance(42);
    f.run(f.dir.transfer_ownership(ORG, f.owner, agent));
    assert_eq!(f.owners(), [agent]);
    assert_eq!(f.role(f.owner), "primary_admin");
    assert_eq!(f.role(agent), "owner");

    // Two events in one commit: the old owner, then the new one.
    let state = f.state(ORG);
    let events = f.audit(ORG);
    assert_eq!(events.len(), events_before + 2);
    let new = &events[events_before..];
    for (i, (e, id)) in new.iter().zip([f.owner, agent]).enumerate() {
        assert_eq!(e.action, "transfer_ownership");
        assert_eq!(e.actor, Some(f.owner));
        assert_eq!(e.version, state.version);
        assert_eq!(e.index, i as u32);
        assert_eq!(e.at, START.plus(42));
        assert_eq!(e.subject, id.to_string());
        let after: Member = serde_json::from_str(e.after.as_deref().unwrap()).unwrap();
        assert_eq!(&after, &*state.members[&id]);
    }

    // The old owner is now bound by the rules like anyone else.
    let e = f.refused(f.dir.transfer_ownership(ORG, f.owner, agent));
    assert_matches!(e, DirectoryError::NotOwner);
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "agent"));
    assert_matches!(e, DirectoryError::OwnerProtected);
    // And the new owner can hand it back.
    f.run(f.dir.transfer_ownership(ORG, agent, f.owner));
    assert_eq!(f.owners(), [f.owner]);
    assert_eq!(f.role(agent), "primary_admin");
}

// ---------------------------------------------------------------------------
// Minimum Admin count (the workspace rule: at least two Admins).

#[test]
fn the_last_two_admins_cannot_demote_each_other() {
    let f = Fx::workspace(10);
    let second = f.join("second@acme.test", "admin");
    for (actor, target) in [(f.owner, second), (second, f.owner)] {
        for role in ["lead", "member", "disabled"] {
            let e = f.refused(f.dir.change_role(ORG, actor, target, role));
            assert_matches!(e, DirectoryError::TooFewAdmins { ref role, required: 2 }
                if role.as_str() == "admin");
        }
    }
    assert_eq!(f.state(ORG).active_with_role("admin"), 2);
}

#[test]
fn the_last_two_admins_cannot_remove_or_disable_each_other() {
    let f = Fx::workspace(10);
    let second = f.join("second@acme.test", "admin");
    for (actor, target) in [(f.owner, second), (second, f.owner)] {
        let e = f.refused(f.dir.remove_member(ORG, actor, target));
        assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
        let e = f.refused(
            f.dir
                .set_member_status(ORG, actor, target, MemberStatus::Disabled),
        );
        assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    }
    // Removing or disabling oneself counts the same.
    let e = f.refused(f.dir.remove_member(ORG, second, second));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    let e = f.refused(
        f.dir
            .set_member_status(ORG, second, second, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
}

#[test]
fn a_third_admin_may_go_but_not_the_second() {
    let f = Fx::workspace(10);
    let b = f.join("b@acme.test", "admin");
    let c = f.join("c@acme.test", "admin");
    f.run(f.dir.change_role(ORG, f.owner, c, "member"));
    assert_eq!(f.state(ORG).active_with_role("admin"), 2);
    let e = f.refused(f.dir.change_role(ORG, b, f.owner, "member"));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    // A disabled Admin does not count: promoting one back is not enough to
    // let another go.
    f.run(f.dir.change_role(ORG, f.owner, c, "admin"));
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, c, MemberStatus::Disabled),
    );
    let e = f.refused(f.dir.remove_member(ORG, f.owner, b));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
}

#[test]
fn a_new_organization_may_start_with_one_admin_but_never_reaches_zero() {
    // A deputy holds exactly the Admin's permissions, so neither exceeds the
    // other, but only Admins are counted.
    let perms = P::MEMBER_VIEW
        | P::MEMBER_INVITE
        | P::MEMBER_EDIT
        | P::MEMBER_REMOVE
        | P::MEMBER_ROLE_CHANGE;
    let catalog = Catalog::new(
        "deputies",
        [
            Role::builder("admin", "Admin").permissions(perms).build(),
            Role::builder("deputy", "Deputy").permissions(perms).build(),
        ],
    )
    .and_then(|c| {
        c.with_policy(Policy {
            min_admins: Some(AdminMinimum {
                role: RoleKey::new("admin"),
                count: 2,
            }),
            ..Policy::default()
        })
    })
    .unwrap();
    let f = Fx::new(catalog, Some("admin"), 10);
    let deputy = f.join("deputy@acme.test", "deputy");
    let e = f.refused(f.dir.change_role(ORG, deputy, f.owner, "deputy"));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    let e = f.refused(f.dir.remove_member(ORG, deputy, f.owner));
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    let e = f.refused(
        f.dir
            .set_member_status(ORG, deputy, f.owner, MemberStatus::Disabled),
    );
    assert_matches!(e, DirectoryError::TooFewAdmins { required: 2, .. });
    // Growing is always allowed.
    f.run(f.dir.change_role(ORG, f.owner, deputy, "admin"));
    assert_eq!(f.state(ORG).active_with_role("admin"), 2);
}

#[test]
fn admins_demoting_each_other_at_the_same_moment_keep_two() {
    // Three Admins on three threads each demote the next one at once, over
    // one shared store; only the first commit can win.
    for round in 0..20 {
        let f = Fx::workspace(10);
        let b = f.join("b@acme.test", "admin");
        let c = f.join("c@acme.test", "admin");
        let pairs = [(f.owner, b), (b, c), (c, f.owner)];
        let barrier = Arc::new(Barrier::new(pairs.len()));
        let handles: Vec<_> = pairs
            .into_iter()
            .map(|(actor, target)| {
                let dir = f.dir.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    block_on(dir.change_role(ORG, actor, target, "member"))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "round {round}: {results:?}");
        for r in &results {
            if let Err(e) = r {
                // Either the count rule, or the loser was demoted first and
                // may no longer change roles.
                assert_matches!(
                    e,
                    DirectoryError::TooFewAdmins { .. }
                        | DirectoryError::Denied(Reason::MissingPermission { .. })
                );
            }
        }
        let state = f.state(ORG);
        assert_eq!(state.active_with_role("admin"), 2, "round {round}");
        let demotions = f
            .audit(ORG)
            .iter()
            .filter(|e| e.action == "change_role")
            .count();
        assert_eq!(demotions, 1, "round {round}");
    }
}

// ---------------------------------------------------------------------------
// Nobody changes their own role.

#[test]
fn a_member_cannot_promote_themselves() {
    let f = Fx::workspace(10);
    let lead = f.join("lead@acme.test", "lead");
    let e = f.refused(f.dir.change_role(ORG, lead, lead, "admin"));
    assert_matches!(e, DirectoryError::OwnRole);
    // Not even sideways or down.
    let e = f.refused(f.dir.change_role(ORG, lead, lead, "member"));
    assert_matches!(e, DirectoryError::OwnRole);
    // An Admin cannot demote themselves either (another Admin must).
    let _second = f.join("second@acme.test", "admin");
    let _third = f.join("third@acme.test", "admin");
    let e = f.refused(f.dir.change_role(ORG, f.owner, f.owner, "member"));
    assert_matches!(e, DirectoryError::OwnRole);
}

#[test]
fn a_helpdesk_member_cannot_change_their_own_role() {
    let f = Fx::helpdesk(10);
    let pa = f.join("pa@acme.test", "primary_admin");
    let agent = f.join("agent@acme.test", "agent");
    let e = f.refused(f.dir.change_role(ORG, pa, pa, "owner"));
    assert_matches!(e, DirectoryError::OwnRole);
    let e = f.refused(f.dir.change_role(ORG, pa, pa, "agent"));
    assert_matches!(e, DirectoryError::OwnRole);
    // An Agent may not change roles at all.
    let e = f.refused(f.dir.change_role(ORG, agent, agent, "primary_admin"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::MEMBER_ROLE_CHANGE);
}

// ---------------------------------------------------------------------------
// Nobody grants a role above their own or edits a member above them.

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

// ---------------------------------------------------------------------------
// Teams: an Admin edits only the teams they are in; codes and names unique.

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

// ---------------------------------------------------------------------------
// Nothing crosses organizations.

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

// ---------------------------------------------------------------------------
// A disabled member may do nothing.

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

// ---------------------------------------------------------------------------
// Helpdesk: a role change needs name, display name and phone.

#[test]
fn a_helpdesk_role_change_needs_name_display_name_and_phone() {
    let f = Fx::helpdesk(10);
    let agent = f.join_with(ORG, f.owner, "agent", bare("agent@acme.test"));
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_matches!(e, DirectoryError::ProfileIncomplete(ref m)
        if m == &["name", "display name", "phone"]);

    let set =
        |update: ProfileUpdate| f.run(f.dir.update_member_profile(ORG, f.owner, agent, update));
    set(ProfileUpdate {
        user_name: Some(Some("agent".into())),
        phone: Some(Some("   ".into())),
        ..ProfileUpdate::default()
    });
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_matches!(e, DirectoryError::ProfileIncomplete(ref m)
        if m == &["display name", "phone"]);
    set(ProfileUpdate {
        display_name: Some(Some("Agent".into())),
        ..ProfileUpdate::default()
    });
    let e = f.refused(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_matches!(e, DirectoryError::ProfileIncomplete(ref m) if m == &["phone"]);
    set(ProfileUpdate {
        phone: Some(Some("+1 555 0100".into())),
        ..ProfileUpdate::default()
    });
    f.run(f.dir.change_role(ORG, f.owner, agent, "admin"));
    assert_eq!(f.role(agent), "admin");
}

#[test]
fn a_catalog_without_the_profile_rule_changes_roles_of_bare_profiles() {
    let f = Fx::workspace(10);
    let member = f.join_with(ORG, f.owner, "member", bare("member@acme.test"));
    f.run(f.dir.change_role(ORG, f.owner, member, "lead"));
    assert_eq!(f.role(member), "lead");
}

// ---------------------------------------------------------------------------
// Seats: active members plus pending invitations never exceed the limit.

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

// ---------------------------------------------------------------------------
// Adding users by email: lines or commas, trimmed, deduplicated, all or nothing.

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

// ---------------------------------------------------------------------------
// Invitations: secret hashed, single use, expiring, revocable.

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

// ---------------------------------------------------------------------------
// Unique user codes.

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

// ---------------------------------------------------------------------------
// Audit events: who, what, before, after, when.

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
    let was: Member = serde_json::from_str(e.before.as_deref().unwrap()).unwrap();
    let is: Member = serde_json::from_str(e.after.as_deref().unwrap()).unwrap();
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
        (ev[0].action.as_str(), ev[0].actor, ev[0].before.as_deref()),
        ("create_invitation", Some(f.owner), None)
    );
    assert_eq!(ev[0].subject, sent[0].id.to_string());
    let stored: Invitation = serde_json::from_str(ev[0].after.as_deref().unwrap()).unwrap();
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
    let inv: Invitation = serde_json::from_str(ev[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(inv.state, InvitationState::Accepted);
    let was: Invitation = serde_json::from_str(ev[0].before.as_deref().unwrap()).unwrap();
    assert_eq!(was.state, InvitationState::Pending);
    assert_eq!(
        (ev[1].subject.clone(), ev[1].before.as_deref()),
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
    let t: Team = serde_json::from_str(ev[0].after.as_deref().unwrap()).unwrap();
    assert_eq!((t.code.as_deref(), t.name.as_str()), (Some("T1"), "Team 1"));

    // A removal: something before, nothing after.
    let n = f.audit(ORG).len();
    let removed = f.member(a);
    f.run(f.dir.remove_member(ORG, f.owner, a));
    let ev = events(n);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].action.as_str(), ev[0].after.as_deref()),
        ("remove_member", None)
    );
    let was: Member = serde_json::from_str(ev[0].before.as_deref().unwrap()).unwrap();
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

// ---------------------------------------------------------------------------
// Credentials grant only what they name (specification §4, "Authority").

#[cfg(feature = "import")]
fn import(f: &Fx, by: MemberId, csv: &str) -> purview::ImportReport {
    f.run(
        f.dir
            .import_members(ORG, by, csv.as_bytes(), purview::ImportMode::Apply),
    )
}

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

// ---------------------------------------------------------------------------
// Input every store treats alike: checked once, in the directory.

fn invalid_input(e: DirectoryError, expected: &str) {
    assert_matches!(e, DirectoryError::InvalidInput { field, .. } if field == expected);
}

#[test]
fn text_fields_refuse_control_characters_and_overlong_values() {
    let f = Fx::helpdesk(10);
    let long = "x".repeat(purview::MAX_TEXT_CHARS + 1);
    for bad in ["Sales\0", "Sa\nles", "\u{1b}[2J", long.as_str()] {
        invalid_input(
            f.refused(f.dir.create_team(ORG, f.owner, None, bad)),
            "team name",
        );
        invalid_input(
            f.refused(f.dir.create_team(ORG, f.owner, Some(bad), "Sales")),
            "team code",
        );
        for (field, update) in [
            (
                "user code",
                ProfileUpdate {
                    user_code: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
            (
                "user name",
                ProfileUpdate {
                    user_name: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
            (
                "display name",
                ProfileUpdate {
                    display_name: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
            (
                "phone",
                ProfileUpdate {
                    phone: Some(Some(bad.into())),
                    ..ProfileUpdate::default()
                },
            ),
        ] {
            invalid_input(
                f.refused(f.dir.update_own_profile(ORG, f.owner, update)),
                field,
            );
        }
        let sent = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
        let mut profile = full("new@acme.test");
        profile.display_name = Some(bad.into());
        invalid_input(
            f.refused(f.dir.accept_invitation(&sent.secret, profile)),
            "display name",
        );
        f.run(f.dir.revoke_invitation(ORG, f.owner, sent.id));
    }
    let team = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "  Sales  "));
    assert_eq!(f.state(ORG).teams[&team].name, "Sales");
    invalid_input(
        f.refused(f.dir.rename_team(ORG, f.owner, team, None, "Sales\u{7f}")),
        "team name",
    );
    // The longest value is kept whole.
    let longest = "é".repeat(purview::MAX_TEXT_CHARS);
    f.run(f.dir.rename_team(ORG, f.owner, team, None, &longest));
    assert_eq!(f.state(ORG).teams[&team].name, longest);
    // An organization's name and founder.
    let e = block_on(f.dir.create_organization(NewOrganization {
        id: OTHER,
        name: "Other\0".into(),
        catalog: preset::helpdesk(),
        seat_limit: 10,
        founder: full("owner@other.test"),
        founder_role: None,
    }))
    .unwrap_err();
    invalid_input(e, "organization name");
    assert!(block_on(f.dir.snapshot(OTHER)).is_err());
}

#[cfg(feature = "import")]
#[test]
fn import_cells_with_control_characters_fail_their_row() {
    let f = Fx::helpdesk(10);
    let csv = "email,user code,user name,display name,role,team code,team name\n\
               ok@acme.test,C1,ok,,Agent,,\n\
               a@acme.test,\"C\0\",a,,Agent,,\n\
               b@acme.test,,b,\"two\nlines\",Agent,,\n\
               c@acme.test,,c,,Agent,\"T\u{1b}\",\n";
    let e =
        f.refused(
            f.dir
                .import_members(ORG, f.owner, csv.as_bytes(), purview::ImportMode::Apply),
        );
    let DirectoryError::ImportFailed(rows) = e else {
        panic!("expected ImportFailed, got {e:?}")
    };
    let got: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| match &r.problem {
            purview::ImportProblem::InvalidField { field, .. } => (r.line, *field),
            other => panic!("line {}: {other:?}", r.line),
        })
        .collect();
    assert_eq!(
        got,
        [(3, "user code"), (4, "display name"), (6, "team code")]
    );
}

#[test]
fn addresses_are_compared_in_nfc_and_case_folded() {
    let f = Fx::helpdesk(10);
    let sent = f.run(f.dir.invite(ORG, f.owner, "Caf\u{e9}@acme.test", "agent"));
    assert_eq!(sent[0].email.as_deref(), Some("caf\u{e9}@acme.test"));
    for spelling in ["cafe\u{301}@acme.test", "CAF\u{c9}@ACME.TEST"] {
        let e = f.refused(f.dir.invite(ORG, f.owner, spelling, "agent"));
        assert_matches!(
            e,
            DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::AlreadyInvited
        );
    }
    f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("x@acme.test")),
    );
    let e = f.refused(f.dir.invite(ORG, f.owner, "CAFE\u{301}@acme.test", "agent"));
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::AlreadyMember
    );
    // One list with both spellings is one invitation.
    let sent = f.run(f.dir.invite(
        ORG,
        f.owner,
        "Zo\u{eb}@acme.test\nzoe\u{308}@acme.test",
        "agent",
    ));
    assert_eq!(sent.len(), 1);
}

#[test]
fn addresses_with_hidden_characters_or_width_forms_are_refused() {
    let f = Fx::helpdesk(10);
    for (address, problem) in [
        ("boss\u{200B}@acme.test", AddressProblem::HiddenCharacters),
        ("boss@acme\u{200D}.test", AddressProblem::HiddenCharacters),
        ("\u{202E}tset.emca@ssob", AddressProblem::HiddenCharacters),
        ("boss\u{2067}@acme.test", AddressProblem::HiddenCharacters),
        ("\u{FF42}oss@acme.test", AddressProblem::WidthForms),
    ] {
        let e = f.refused(f.dir.invite(ORG, f.owner, address, "agent"));
        assert_matches!(
            e,
            DirectoryError::BadAddresses(ref bad) if bad.len() == 1 && bad[0].problem == problem
        );
        // The message shows what the address hides.
        if problem == AddressProblem::HiddenCharacters {
            assert!(e.to_string().contains("\\u{"), "{e}");
        }
        let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "agent"));
        let e = f.refused(f.dir.accept_invitation(&link.secret, full(address)));
        assert_matches!(e, DirectoryError::BadAddresses(_));
        f.run(f.dir.revoke_invitation(ORG, f.owner, link.id));
    }
}

#[test]
fn crafted_secrets_beyond_the_stored_range_are_invalid() {
    let f = Fx::helpdesk(10);
    let hex = "a".repeat(64);
    for secret in [
        format!("18446744073709551615.1.{hex}"),
        format!("9223372036854775808.1.{hex}"),
        format!("1.18446744073709551615.{hex}"),
    ] {
        let e = f.refused(f.dir.accept_invitation(&secret, full("x@acme.test")));
        assert_matches!(e, DirectoryError::InvitationInvalid);
    }
    let e = block_on(f.dir.create_organization(NewOrganization {
        id: OrgId(u64::MAX),
        name: "Far".into(),
        catalog: preset::helpdesk(),
        seat_limit: 10,
        founder: full("far@acme.test"),
        founder_role: None,
    }))
    .unwrap_err();
    invalid_input(e, "organization id");
}

#[test]
fn an_unbounded_invitation_lifetime_ends_at_the_latest_stored_time() {
    let f = Fx::helpdesk(10);
    let dir = f.dir.clone().invitation_ttl(u64::MAX);
    let sent = f.run(dir.invite(ORG, f.owner, "late@acme.test", "agent"));
    assert_eq!(sent[0].expires_at, Timestamp::MAX);
    assert_eq!(START.plus(u64::MAX), Timestamp::MAX);
}

#[test]
fn an_error_lists_the_first_hundred_problems_and_counts_the_rest() {
    let f = Fx::helpdesk(10);
    let list: String = (0..200_000).map(|i| format!("bad{i}\n")).collect();
    let e = f.refused(f.dir.invite(ORG, f.owner, &list, "agent"));
    let DirectoryError::BadAddresses(ref bad) = e else {
        panic!("{e:?}")
    };
    assert_eq!(bad.len(), 200_000);
    let text = e.to_string();
    assert!(text.len() < 10_000, "{} bytes", text.len());
    assert!(text.ends_with("; and 199900 more"), "{text}");
    assert!(text.contains("`bad99`") && !text.contains("`bad100`"));
}

#[cfg(feature = "import")]
#[test]
fn a_role_change_before_joining_is_granted_through_the_invitation() {
    let f = Fx::workspace(10);
    let lead = f.join("lead@acme.test", "lead");
    let report = import(&f, f.owner, "email,role\nx@acme.test,Member\n");
    let x = f.state(ORG).member_by_email("x@acme.test").unwrap().id;
    // The lead changes roles but may not invite: they cannot grant the
    // invitation anew.
    let e = f.refused(f.dir.change_role(ORG, lead, x, "lead"));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
    f.run(f.dir.change_role(ORG, f.owner, x, "lead"));
    let invitation = &f.state(ORG).invitations[&report.invitations[0].id];
    assert_eq!(
        (invitation.role.as_str(), invitation.created_by),
        ("lead", f.owner)
    );
    let (_, joined) = f.run(
        f.dir
            .accept_invitation(&report.invitations[0].secret, full("x@acme.test")),
    );
    assert_eq!((joined, f.role(x)), (x, "lead".to_owned()));
}

#[test]
fn the_audit_log_is_read_in_pages_of_at_most_max_audit_page() {
    let f = Fx::helpdesk(10);
    for i in 0..purview::MAX_AUDIT_PAGE {
        f.run(f.dir.create_team(ORG, f.owner, None, &format!("Team {i}")));
    }
    let all = f.audit(ORG);
    assert_eq!(all.len(), purview::MAX_AUDIT_PAGE + 1);
    let first = f.run(f.dir.audit_events(ORG, f.owner, None, usize::MAX));
    assert_eq!(first, all[..purview::MAX_AUDIT_PAGE]);
    let rest = f.run(
        f.dir
            .audit_events(ORG, f.owner, first.last().map(AuditEvent::cursor), 10),
    );
    assert_eq!(rest, all[purview::MAX_AUDIT_PAGE..]);
}

#[test]
fn one_huge_value_makes_a_short_message() {
    let f = Fx::helpdesk(10);
    let huge = "a".repeat(8 << 20);
    let e = f.refused(f.dir.invite(ORG, f.owner, &huge, "agent"));
    let text = e.to_string();
    assert!(text.len() < 1_000, "{} bytes", text.len());
    assert!(text.contains('…'));
}

#[test]
fn an_address_that_case_folding_turns_into_another_is_refused() {
    let f = Fx::helpdesk(10);
    // Folded, it would be strasse@, another mailbox: the invitation would go
    // to someone else.
    let e = f.refused(f.dir.invite(ORG, f.owner, "Straße@acme.test", "agent"));
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::CaseFolding
    );
    let e = f.refused(
        f.dir
            .invite(ORG, f.owner, "boss\u{FE0F}@acme.test", "agent"),
    );
    assert_matches!(
        e,
        DirectoryError::BadAddresses(ref bad) if bad[0].problem == AddressProblem::HiddenCharacters
    );
}

#[cfg(feature = "import")]
#[test]
fn import_messages_escape_what_cells_hide() {
    let f = Fx::helpdesk(10);
    let csv = "email,team code,team name\n\
               a@acme.test,T1,X\u{202E}Y\n\
               b@acme.test,T2,X\u{202E}Y\n";
    let e =
        f.refused(
            f.dir
                .import_members(ORG, f.owner, csv.as_bytes(), purview::ImportMode::Apply),
        );
    let text = e.to_string();
    assert!(text.contains("X\\u{202e}Y"), "{text}");
    assert!(!text.contains('\u{202E}'), "{text}");
}

#[cfg(feature = "import")]
#[test]
fn revoking_an_invitation_never_removes_a_member_above_the_actor() {
    // A manager handles invitations and removes members, below an Admin.
    let manager = P::MEMBER_VIEW
        | P::MEMBER_INVITE
        | P::MEMBER_EDIT
        | P::MEMBER_ROLE_CHANGE
        | P::MEMBER_REMOVE
        | P::INVITATION_MANAGE;
    let catalog = Catalog::new(
        "managers",
        [
            Role::builder("admin", "Admin")
                .permissions(manager | P::ORGANIZATION_EDIT)
                .build(),
            Role::builder("manager", "Manager")
                .permissions(manager)
                .build(),
            Role::builder("member", "Member").build(),
        ],
    )
    .unwrap();
    let f = Fx::new(catalog, Some("admin"), 10);
    let manager = f.join("manager@acme.test", "manager");
    let report = import(&f, f.owner, "email,role\nx@acme.test,Admin\n");
    let e = f.refused(
        f.dir
            .revoke_invitation(ORG, manager, report.invitations[0].id),
    );
    assert_matches!(
        e,
        DirectoryError::TargetExceedsActor { ref role, .. } if role.as_str() == "admin"
    );
}

#[test]
fn a_bot_grant_never_edits_a_member_above_the_actor() {
    let lead = P::MEMBER_VIEW | P::MEMBER_INVITE | P::BOT_ACCESS_GRANT;
    let catalog = Catalog::new(
        "bot-leads",
        [
            Role::builder("admin", "Admin")
                .permissions(lead | P::MEMBER_REMOVE | P::MEMBER_ROLE_CHANGE)
                .build(),
            Role::builder("lead", "Lead").permissions(lead).build(),
        ],
    )
    .unwrap();
    let f = Fx::new(catalog, Some("admin"), 10);
    let bot = f.run(f.dir.register_bot(ORG, "Helper"));
    let lead = f.join("lead@acme.test", "lead");
    let e = f.refused(f.dir.grant_bot(ORG, lead, f.owner, bot));
    assert_matches!(e, DirectoryError::TargetExceedsActor { member, .. } if member == f.owner);
    let e = f.refused(f.dir.revoke_bot(ORG, lead, f.owner, bot));
    assert_matches!(e, DirectoryError::TargetExceedsActor { member, .. } if member == f.owner);
    // A member at the lead's level, the lead may grant.
    let other = f.join("other@acme.test", "lead");
    f.run(f.dir.grant_bot(ORG, lead, other, bot));
    assert_eq!(f.member(other).bots, [bot]);
}

#[test]
fn a_rename_that_changes_nothing_writes_nothing() {
    let f = Fx::helpdesk(10);
    let team = f.run(f.dir.create_team(ORG, f.owner, Some("T1"), "Sales"));
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(
        f.dir
            .rename_team(ORG, f.owner, team, Some("T1"), "  Sales "),
    );
    assert_eq!(f.state(ORG), state);
    assert_eq!(f.audit(ORG), events);
    f.run(
        f.dir
            .rename_team(ORG, f.owner, team, Some("T1"), "Sales EU"),
    );
    assert_eq!(f.state(ORG).version, state.version + 1);
}

// ---------------------------------------------------------------------------
// The organization's own settings.

#[test]
fn the_seat_limit_is_set_by_the_host_as_the_system_never_below_the_seats_in_use() {
    let f = Fx::helpdesk(5);
    f.join("a@acme.test", "agent");
    // A pending invitation holds a seat: Owner, Agent and it make three.
    f.run(f.dir.invite(ORG, f.owner, "p@acme.test", "agent"));
    assert_matches!(
        f.refused(f.dir.set_seat_limit(ORG, 2)),
        DirectoryError::SeatLimitBelowUse { limit: 2, used: 3 }
    );
    f.run(f.dir.set_seat_limit(ORG, 3));
    assert_eq!(f.state(ORG).org.seat_limit, 3);
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor, last.subject.as_str()),
        ("set_seat_limit", None, "organization:1")
    );
    assert!(last.before.unwrap().contains("\"seat_limit\":5"));
    assert!(last.after.unwrap().contains("\"seat_limit\":3"));
    // Full now: the next invitation finds no seat.
    assert_matches!(
        f.refused(f.dir.invite(ORG, f.owner, "q@acme.test", "agent")),
        DirectoryError::SeatsExceeded { limit: 3, .. }
    );
    // The same limit again writes nothing.
    let version = f.state(ORG).version;
    f.run(f.dir.set_seat_limit(ORG, 3));
    assert_eq!(f.state(ORG).version, version);
    // Raised, the seat is there.
    f.run(f.dir.set_seat_limit(ORG, 4));
    f.run(f.dir.invite(ORG, f.owner, "q@acme.test", "agent"));
}

#[test]
fn renaming_the_organization_needs_the_organization_edit_permission() {
    let f = Fx::helpdesk(10);
    // The helpdesk's Admin does not edit the organization's profile.
    let admin = f.join("ad@acme.test", "admin");
    assert_matches!(
        f.refused(f.dir.rename_organization(ORG, admin, "Evil")),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    assert_matches!(
        f.refused(f.dir.rename_organization(ORG, f.owner, "   ")),
        DirectoryError::InvalidInput { .. }
    );
    assert_matches!(
        f.refused(f.dir.rename_organization(ORG, f.owner, "Acme\u{7}")),
        DirectoryError::InvalidInput { .. }
    );
    // The Owner of another organization is nobody here.
    let other = f.other_org();
    assert_matches!(
        f.frozen(
            &[ORG, OTHER],
            f.dir.rename_organization(ORG, other, "Taken")
        ),
        DirectoryError::UnknownMember(_)
    );
    f.run(f.dir.rename_organization(ORG, f.owner, "  Acme Support "));
    assert_eq!(f.state(ORG).org.name, "Acme Support");
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor),
        ("rename_organization", Some(f.owner))
    );
    assert_eq!(f.state(OTHER).org.name, "Other");
}

#[test]
fn organization_info_shows_the_seats_left_to_those_who_may_view_it() {
    let f = Fx::helpdesk(5);
    let agent = f.join("a@acme.test", "agent");
    assert_eq!(
        f.run(f.dir.organization_info(ORG, f.owner)),
        purview::OrganizationInfo {
            name: "Acme".into(),
            seat_limit: 5,
            seats_used: 2,
            seats_left: 3,
            settings: Default::default(),
        }
    );
    assert_matches!(
        block_on(f.dir.organization_info(ORG, agent)),
        Err(DirectoryError::Denied(Reason::MissingPermission { .. }))
    );
}

#[test]
fn organization_settings_are_the_hosts_keys_set_by_those_who_may_edit_the_organization() {
    let f = Fx::helpdesk(5);
    let dir = f
        .dir
        .clone()
        .organization_settings(["timezone", "language"]);
    let agent = f.join("a@acme.test", "agent");
    let e = f.refused(dir.set_organization_setting(ORG, agent, "timezone", Some("UTC")));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::ORGANIZATION_EDIT);
    let e = f.refused(dir.set_organization_setting(ORG, f.owner, "currency", Some("TWD")));
    assert_matches!(e, DirectoryError::UnknownSetting(ref k) if k == "currency");
    let e = f.refused(dir.set_organization_setting(ORG, f.owner, "language", Some("zh\u{7}")));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "setting value",
            ..
        }
    );

    f.run(dir.set_organization_setting(ORG, f.owner, "timezone", Some(" Asia/Taipei ")));
    let info = f.run(dir.organization_info(ORG, f.owner));
    assert_eq!(
        info.settings.into_iter().collect::<Vec<_>>(),
        [("timezone".to_owned(), "Asia/Taipei".to_owned())]
    );
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.actor,
            last.before.as_deref(),
            last.after.as_deref()
        ),
        (
            "set_organization_setting",
            Some(f.owner),
            Some(r#"{"timezone":null}"#),
            Some(r#"{"timezone":"Asia/Taipei"}"#)
        )
    );
    // The same value again writes nothing; a blank value clears it.
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(dir.set_organization_setting(ORG, f.owner, "timezone", Some("Asia/Taipei")));
    assert_eq!((f.state(ORG), f.audit(ORG)), (state, events));
    f.run(dir.set_organization_setting(ORG, f.owner, "timezone", Some("  ")));
    assert!(f.state(ORG).org.settings.is_empty());
    // A directory that does not declare a key neither sets nor shows it.
    f.run(dir.set_organization_setting(ORG, f.owner, "language", Some("zh-TW")));
    assert!(f
        .run(f.dir.organization_info(ORG, f.owner))
        .settings
        .is_empty());
    assert_matches!(
        block_on(
            f.dir
                .set_organization_setting(ORG, f.owner, "language", None)
        ),
        Err(DirectoryError::UnknownSetting(_))
    );
}

// ---------------------------------------------------------------------------
// The role catalog at runtime (seed 000: roles "managed through backend role
// management"; seed 002: "Manage role templates").

/// The assistant preset with a Director above the Administrative Staff (it
/// holds everything they do and bot creation): someone who may edit the
/// role the admin minimum counts.
fn with_director() -> Fx {
    let staff = preset::assistant()
        .role("administrative_staff")
        .unwrap()
        .clone();
    let director = Role::builder("director", "Director")
        .permissions(staff.permissions() | P::BOT_CREATE)
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .build();
    Fx::new(
        preset::assistant().with_role(director).unwrap(),
        Some("director"),
        20,
    )
}

fn assistant() -> Fx {
    Fx::new(preset::assistant(), Some("administrative_staff"), 20)
}

fn auditor() -> Role {
    Role::builder("auditor", "Auditor")
        .permissions(P::MEMBER_VIEW | P::CONTACT_VIEW)
        .build()
}

#[test]
fn a_role_created_at_runtime_never_becomes_what_an_import_gives() {
    // The workspace-like catalog names no default role: an import gives its
    // last role, Disabled. A role added after it leaves that so.
    let catalog = workspace_like();
    let admin = catalog.role("admin").unwrap().clone();
    let managing = admin
        .to_builder()
        .permissions(admin.permissions() | P::ROLE_MANAGE)
        .build();
    let f = Fx::new(catalog.with_role(managing).unwrap(), Some("admin"), 20);
    let helper = Role::builder("helper", "Helper")
        .permissions(P::PROFILE_EDIT | P::MEMBER_VIEW)
        .build();
    f.run(f.dir.create_role(ORG, f.owner, helper));
    let policy = f.state(ORG).org.catalog.policy().clone();
    assert_eq!(
        policy.default_role.as_ref().map(RoleKey::as_str),
        Some("disabled")
    );
    let report = f.run(f.dir.import_members(
        ORG,
        f.owner,
        "email,role\nnew@acme.test,\n".as_bytes(),
        purview::ImportMode::Apply,
    ));
    assert_eq!(report.members_created, 1);
    let created = f
        .state(ORG)
        .members
        .values()
        .find(|m| m.email == "new@acme.test")
        .map(|m| m.role.as_str().to_owned());
    assert_eq!(created.as_deref(), Some("disabled"));
    // Named by the policy now, the default role stays.
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, f.owner, "disabled", None)),
        DirectoryError::RoleRequired { .. }
    );
}

#[test]
fn roles_are_managed_only_with_role_management() {
    let f = assistant();
    let intern = f.join("i@acme.test", "intern");
    assert_matches!(
        f.refused(f.dir.create_role(ORG, intern, auditor())),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    let edited = preset::assistant().role("intern").unwrap().clone();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, intern, edited)),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    assert_matches!(
        f.refused(
            f.dir
                .delete_role(ORG, intern, "customer_service_representative", None)
        ),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    // The Owner of another organization is nobody here.
    let other = f.other_org();
    assert_matches!(
        f.frozen(&[ORG, OTHER], f.dir.create_role(ORG, other, auditor())),
        DirectoryError::UnknownMember(_)
    );
}

#[test]
fn a_created_role_is_checked_before_anything_is_written() {
    let f = assistant();
    // Beyond the creator's own role.
    let beyond = Role::builder("boss", "Boss").permissions(P::all()).build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, beyond)),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "boss"
    );
    // A second holder of a unique role is never made at runtime.
    let unique = Role::builder("chief", "Chief")
        .permissions(P::MEMBER_VIEW)
        .unique()
        .build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, unique)),
        DirectoryError::UniqueRole(k) if k.as_str() == "chief"
    );
    // A key the catalog has.
    let again = Role::builder("intern", "Intern again").build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, again)),
        DirectoryError::RoleExists(k) if k.as_str() == "intern"
    );
    // A knowledge base the organization does not have.
    let reader = Role::builder("reader", "Reader")
        .permissions(P::KNOWLEDGE_BASE_QUERY)
        .knowledge(purview::KnowledgeRefs::only([purview::KnowledgeBaseId(99)]))
        .build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, reader)),
        DirectoryError::UnknownKnowledgeBase {
            knowledge_base: purview::KnowledgeBaseId(99),
            ..
        }
    );
    // Texts as every other text field.
    for (key, name) in [
        (" auditor", "Auditor"),
        ("", "Auditor"),
        ("auditor", " "),
        ("auditor", "A\u{7}"),
    ] {
        let bad = Role::builder(key, name).build();
        assert_matches!(
            f.refused(f.dir.create_role(ORG, f.owner, bad)),
            DirectoryError::InvalidInput { .. }
        );
    }
}

#[test]
fn a_created_role_is_in_the_catalog_the_matrix_and_the_audit_log_and_can_be_granted() {
    let f = assistant();
    let version = f.state(ORG).version;
    f.run(f.dir.create_role(ORG, f.owner, auditor()));
    let state = f.state(ORG);
    assert_eq!(state.version, version + 1);
    assert_eq!(state.org.catalog.roles().last(), Some(&auditor()));
    // The live organization's matrix and reference page show it.
    assert!(state.org.catalog.render_markdown().contains("Auditor"));
    assert!(state.org.catalog.render_reference().contains("auditor"));
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.actor,
            last.subject.as_str(),
            last.before.is_none()
        ),
        ("create_role", Some(f.owner), "role:auditor", true)
    );
    assert!(last.after.unwrap().contains("\"auditor\""));
    let a = f.join("au@acme.test", "auditor");
    assert_eq!(f.role(a), "auditor");
}

#[test]
fn an_edited_role_changes_its_holders_decisions_at_once() {
    let f = assistant();
    let intern = f.join("i@acme.test", "intern");
    let reply = |f: &Fx| {
        let (actor, _) = f.run(f.dir.actor(ORG, intern));
        matches!(&actor, purview::Actor::Member(m)
            if m.role().permissions().contains(P::CONVERSATION_REPLY))
    };
    assert!(!reply(&f));
    let old = preset::assistant().role("intern").unwrap().clone();
    let wider = Role::builder("intern", "Trainee")
        .permissions(old.permissions() | P::CONVERSATION_REPLY)
        .view_scope(old.view_scope())
        .knowledge(old.knowledge().clone())
        .build();
    f.run(f.dir.edit_role(ORG, f.owner, wider.clone()));
    assert!(reply(&f));
    assert_eq!(f.state(ORG).org.catalog.role("intern"), Some(&wider));
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.subject.as_str()),
        ("edit_role", "role:intern")
    );
    assert!(last.before.unwrap().contains("\"Intern\""));
    assert!(last.after.unwrap().contains("\"Trainee\""));
    // The same role again writes nothing.
    let version = f.state(ORG).version;
    f.run(f.dir.edit_role(ORG, f.owner, wider));
    assert_eq!(f.state(ORG).version, version);
    // A template puts the preset's role back.
    f.run(
        f.dir
            .apply_role_template(ORG, f.owner, &preset::assistant(), "intern"),
    );
    assert!(!reply(&f));
    assert_eq!(f.state(ORG).org.catalog.role("intern"), Some(&old));
}

#[test]
fn nobody_edits_their_own_role_a_role_above_them_or_beyond_them() {
    let f = with_director();
    let staff = f.join("s@acme.test", "administrative_staff");
    let own = preset::assistant()
        .role("administrative_staff")
        .unwrap()
        .clone();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, own)),
        DirectoryError::OwnRoleEdit(k) if k.as_str() == "administrative_staff"
    );
    let director = f.state(ORG).org.catalog.role("director").unwrap().clone();
    let lowered = Role::builder("director", "Director")
        .permissions(P::MEMBER_VIEW)
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, lowered)),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "director"
    );
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, staff, "director", Some("intern"))),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "director"
    );
    let raised = Role::builder("intern", "Intern")
        .permissions(director.permissions())
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, raised)),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "intern"
    );
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, Role::builder("ghost", "Ghost").build())),
        DirectoryError::UnknownRole(k) if k == "ghost"
    );
    let made_unique = Role::builder("intern", "Intern").unique().build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, made_unique)),
        DirectoryError::UniqueRole(_)
    );
}

#[test]
fn the_role_the_admin_minimum_counts_keeps_what_it_grants() {
    let f = with_director();
    let staff = preset::assistant()
        .role("administrative_staff")
        .unwrap()
        .clone();
    let without_roles = Role::builder("administrative_staff", "Administrative Staff")
        .permissions(staff.permissions() - P::ROLE_MANAGE)
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, without_roles)),
        DirectoryError::ProtectedRole { role, .. } if role.as_str() == "administrative_staff"
    );
    let disabled = Role::builder("administrative_staff", "Administrative Staff")
        .permissions(staff.permissions())
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .disabled()
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, disabled)),
        DirectoryError::ProtectedRole { .. }
    );
    // Renamed, or granted more within the editor's own: allowed.
    let renamed = Role::builder("administrative_staff", "Staff")
        .permissions(staff.permissions())
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .build();
    f.run(f.dir.edit_role(ORG, f.owner, renamed));
    // Nor is it deleted; nor the default role.
    assert_matches!(
        f.refused(
            f.dir
                .delete_role(ORG, f.owner, "administrative_staff", Some("intern"))
        ),
        DirectoryError::RoleRequired { .. }
    );
    assert_matches!(
        f.refused(f.dir.delete_role(
            ORG,
            f.owner,
            "intern",
            Some("customer_service_representative")
        )),
        DirectoryError::RoleRequired { .. }
    );
}

#[test]
fn the_unique_role_is_neither_edited_nor_deleted() {
    // The helpdesk's Owner holds the unique role: it is their own; everybody
    // else is below it. A catalog giving the Owner role management shows it.
    let mut catalog = preset::helpdesk();
    let owner = catalog.role("owner").unwrap().clone();
    let owner = Role::builder("owner", owner.name())
        .permissions(owner.permissions() | P::ROLE_MANAGE)
        .view_scope(owner.view_scope())
        .manage_scope(owner.manage_scope())
        .unique()
        .build();
    catalog = catalog.with_role(owner.clone()).unwrap();
    let f = Fx::new(catalog, None, 10);
    let renamed = Role::builder("owner", "Chief")
        .permissions(owner.permissions())
        .view_scope(owner.view_scope())
        .manage_scope(owner.manage_scope())
        .unique()
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, renamed)),
        DirectoryError::OwnRoleEdit(_)
    );
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, f.owner, "owner", Some("agent"))),
        DirectoryError::OwnRoleEdit(_)
    );
    // The Owner may not make another role unique either.
    let agent = f.state(ORG).org.catalog.role("agent").unwrap().clone();
    let unique_agent = Role::builder("agent", agent.name())
        .permissions(agent.permissions())
        .unique()
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, unique_agent)),
        DirectoryError::UniqueRole(_)
    );
}

#[test]
fn a_role_in_use_is_deleted_only_with_a_replacement_that_moves_its_holders() {
    let f = assistant();
    let rep = f.join("r@acme.test", "customer_service_representative");
    let sent = f.run(f.dir.invite(
        ORG,
        f.owner,
        "p@acme.test",
        "customer_service_representative",
    ));
    assert_matches!(
        f.refused(
            f.dir
                .delete_role(ORG, f.owner, "customer_service_representative", None)
        ),
        DirectoryError::RoleInUse {
            members: 1,
            invitations: 1,
            ..
        }
    );
    assert_matches!(
        f.refused(f.dir.delete_role(
            ORG,
            f.owner,
            "customer_service_representative",
            Some("customer_service_representative")
        )),
        DirectoryError::InvalidInput { .. }
    );
    assert_matches!(
        f.refused(f.dir.delete_role(
            ORG,
            f.owner,
            "customer_service_representative",
            Some("ghost")
        )),
        DirectoryError::UnknownRole(_)
    );
    f.run(f.dir.delete_role(
        ORG,
        f.owner,
        "customer_service_representative",
        Some("intern"),
    ));
    let state = f.state(ORG);
    assert!(state
        .org
        .catalog
        .role("customer_service_representative")
        .is_none());
    assert!(!state
        .org
        .catalog
        .matrix()
        .columns
        .iter()
        .any(|c| c.as_str() == "customer_service_representative"));
    assert_eq!(f.role(rep), "intern");
    assert_eq!(state.invitations[&sent[0].id].role.as_str(), "intern");
    // One commit: the role, its holder and its invitation.
    let events: Vec<_> = f
        .audit(ORG)
        .into_iter()
        .filter(|e| e.version == state.version)
        .collect();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.action == "delete_role"));
    // The invitation grants the replacement.
    let (_, joined) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("p@acme.test")),
    );
    assert_eq!(f.role(joined), "intern");
    // The key is gone: nothing grants it any more.
    assert_matches!(
        f.refused(f.dir.invite(
            ORG,
            f.owner,
            "q@acme.test",
            "customer_service_representative"
        )),
        DirectoryError::UnknownRole(_)
    );
    // A role nobody holds goes without a replacement.
    f.run(f.dir.create_role(ORG, f.owner, auditor()));
    // A link is a bearer's credential: deleting its role revokes it, and it
    // never grants the replacement.
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "auditor"));
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, f.owner, "auditor", None)),
        DirectoryError::RoleInUse {
            members: 0,
            invitations: 1,
            ..
        }
    );
    f.run(f.dir.delete_role(ORG, f.owner, "auditor", Some("intern")));
    assert_eq!(
        f.state(ORG).invitations[&link.id].state,
        InvitationState::Revoked
    );
    assert_matches!(
        block_on(f.dir.accept_invitation(&link.secret, full("l@acme.test"))),
        Err(DirectoryError::InvitationRevoked)
    );
    f.run(f.dir.create_role(ORG, f.owner, auditor()));
    f.run(f.dir.delete_role(ORG, f.owner, "auditor", None));
    assert!(f.state(ORG).org.catalog.role("auditor").is_none());
}

#[test]
fn a_deleted_roles_replacement_is_judged_as_a_role_change() {
    let f = with_director();
    let staff = f.join("s@acme.test", "administrative_staff");
    f.join("r@acme.test", "customer_service_representative");
    // Staff may not move the holders to a role above their own.
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, staff, "customer_service_representative", Some("director"))),
        DirectoryError::RoleExceedsOwn(k) if k.as_str() == "director"
    );
    // The helpdesk asks for complete profiles before a role change: so does
    // a deletion, for each holder.
    let mut catalog = preset::helpdesk();
    let owner = catalog.role("owner").unwrap().clone();
    catalog = catalog
        .with_role(
            Role::builder("owner", owner.name())
                .permissions(owner.permissions() | P::ROLE_MANAGE)
                .view_scope(owner.view_scope())
                .manage_scope(owner.manage_scope())
                .unique()
                .build(),
        )
        .unwrap()
        .with_role(
            Role::builder("helper", "Helper")
                .permissions(P::CONTACT_VIEW)
                .build(),
        )
        .unwrap();
    let h = Fx::new(catalog, None, 10);
    h.join_with(ORG, h.owner, "helper", bare("b@acme.test"));
    assert_matches!(
        h.refused(h.dir.delete_role(ORG, h.owner, "helper", Some("agent"))),
        DirectoryError::ProfileIncomplete(_)
    );
}

// ---------------------------------------------------------------------------
// Bots and API keys (seed 002): keys act for one bot, are returned once and
// stored hashed, carry only what their creator could grant when they are
// used, and resolve to nothing once revoked.

fn studio() -> Fx {
    Fx::new(preset::bot_studio(), Some("admin"), 20)
}

/// The bot studio with an Admin that may delete bots too.
fn deleting_studio() -> Fx {
    let studio = preset::bot_studio();
    let admin = studio.role("admin").unwrap();
    let deleting = admin
        .to_builder()
        .permissions(admin.permissions() | P::BOT_DELETE)
        .build();
    Fx::new(studio.with_role(deleting).unwrap(), Some("admin"), 20)
}

fn resolve(f: &Fx, secret: &str) -> Option<purview::ApiKeyActor> {
    f.run(f.dir.resolve_api_key(secret))
}

#[test]
fn a_key_is_returned_once_stored_hashed_and_acts_for_its_bot_only() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let other = f.run(f.dir.create_bot(ORG, f.owner, "Sales"));
    let key = f.run(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY));
    assert!(
        !format!("{key:?}").contains(&key.secret),
        "Debug shows the secret"
    );
    // Stored: the hash only; nowhere the secret, not in the audit log either,
    // and the audit log does not carry the hash.
    let state = f.state(ORG);
    let stored = &state.api_keys[&key.id];
    assert_eq!(
        stored.secret_hash,
        <[u8; 32]>::from(Sha256::digest(key.secret.as_bytes()))
    );
    assert!(!format!("{state:?}").contains(&key.secret));
    let events = f.audit(ORG);
    let last = events.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor, last.subject.clone()),
        ("generate_api_key", Some(f.owner), key.id.to_string())
    );
    let text = format!("{events:?}");
    assert!(!text.contains(&key.secret) && !text.contains("secret_hash"));
    // Resolved: the key's actor, for its bot only.
    let actor = resolve(&f, &key.secret).unwrap();
    assert_eq!((actor.org, actor.id, actor.bot), (ORG, key.id, bot));
    assert_eq!(actor.permissions, P::BOT_HISTORY);
    let actor = purview::Actor::ApiKey(actor);
    let on = |b| purview::Resource::Bot { org: ORG, bot: b };
    assert!(purview::can(&actor, purview::Action::UseBotHistory, &on(bot)).is_allowed());
    assert_eq!(
        purview::can(&actor, purview::Action::UseBotHistory, &on(other)).reason(),
        Some(Reason::ApiKeyOtherBot)
    );
    assert!(!purview::can(&actor, purview::Action::EditBot, &on(bot)).is_allowed());
}

#[test]
fn a_key_carries_only_bot_permissions_within_its_creators_role() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    for minting in [P::API_KEY_GENERATE, P::BOT_ACCESS_GRANT, P::MEMBER_INVITE] {
        let e = f.refused(
            f.dir
                .generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY | minting),
        );
        assert_matches!(e, DirectoryError::NotKeyPermissions(p) if p == minting);
    }
    // Nobody deletes a bot in the bot studio: no key does either.
    let e = f.refused(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_DELETE));
    assert_matches!(e, DirectoryError::KeyBeyondActor { missing } if missing == P::BOT_DELETE);
    let e = f.refused(f.dir.generate_api_key(ORG, f.owner, bot, P::empty()));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "permissions",
            ..
        }
    );
    let e = f.refused(
        f.dir
            .generate_api_key(ORG, f.owner, BotId(424_242), P::BOT_HISTORY),
    );
    assert_matches!(e, DirectoryError::UnknownBot(BotId(424_242)));
    // The lowest role generates nothing, even for a bot granted to them.
    let client = f.join("c@acme.test", "client");
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    let e = f.refused(f.dir.generate_api_key(ORG, client, bot, P::BOT_HISTORY));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::API_KEY_GENERATE);
    let e = f.refused(f.dir.api_keys(ORG, client, bot));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
}

#[test]
fn a_key_resolves_to_nothing_once_revoked_tampered_or_its_creator_may_no_longer_generate_it() {
    let f = studio();
    let second = f.join("second@acme.test", "admin");
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let wide = P::BOT_HISTORY | P::BOT_EDIT;
    let revoked = f.run(f.dir.generate_api_key(ORG, f.owner, bot, wide));
    let seconds = f.run(f.dir.generate_api_key(ORG, second, bot, wide));
    assert!(resolve(&f, &revoked.secret).is_some());
    // Listed without hashes; revoking twice writes once.
    let listed = f.run(f.dir.api_keys(ORG, f.owner, bot));
    assert_eq!(
        listed.iter().map(|k| (k.id, k.revoked)).collect::<Vec<_>>(),
        [(revoked.id, false), (seconds.id, false)]
    );
    f.run(f.dir.revoke_api_key(ORG, f.owner, revoked.id));
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(f.dir.revoke_api_key(ORG, f.owner, revoked.id));
    assert_eq!((f.state(ORG), f.audit(ORG)), (state, events));
    assert_eq!(resolve(&f, &revoked.secret), None);
    assert!(f.run(f.dir.api_keys(ORG, f.owner, bot))[0].revoked);
    // A tampered secret, an invitation's form, a made-up key: nothing.
    let mut tampered = seconds.secret.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    assert_eq!(resolve(&f, &tampered), None);
    assert_eq!(resolve(&f, seconds.secret.trim_start_matches("pvk.")), None);
    assert_eq!(resolve(&f, "pvk.1.2.xyz"), None);
    assert_eq!(
        resolve(
            &f,
            &format!("pvk.99.{}.{}", seconds.id.get(), "0".repeat(64))
        ),
        None
    );
    // A key secret is no invitation secret.
    assert_matches!(
        block_on(
            f.dir
                .accept_invitation(&seconds.secret, full("x@acme.test"))
        ),
        Err(DirectoryError::InvitationInvalid)
    );
    // Its creator demoted to Client may no longer generate keys: the key
    // grants nothing; promoted again, it grants what it named.
    assert!(resolve(&f, &seconds.secret).is_some());
    f.run(f.dir.change_role(ORG, f.owner, second, "client"));
    assert_eq!(resolve(&f, &seconds.secret), None);
    f.run(f.dir.change_role(ORG, f.owner, second, "admin"));
    assert_eq!(resolve(&f, &seconds.secret).unwrap().permissions, wide);
    // Disabled or removed: nothing.
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, second, MemberStatus::Disabled),
    );
    assert_eq!(resolve(&f, &seconds.secret), None);
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, second, MemberStatus::Active),
    );
    f.run(f.dir.remove_member(ORG, f.owner, second));
    assert_eq!(resolve(&f, &seconds.secret), None);
}

#[test]
fn a_keys_permissions_shrink_with_its_creators_role() {
    // A key maker's role is narrowed at runtime: the key keeps naming both
    // permissions, and grants only what the role keeps.
    let studio = preset::bot_studio();
    let admin = studio.role("admin").unwrap().clone();
    let manager = Role::builder("manager", "Manager")
        .permissions(admin.permissions() | P::ROLE_MANAGE)
        .build();
    let maker = Role::builder("maker", "Key maker")
        .permissions(P::API_KEY_GENERATE | P::BOT_HISTORY | P::BOT_EDIT)
        .build();
    let catalog = studio
        .with_role(manager)
        .unwrap()
        .with_role(maker.clone())
        .unwrap();
    let f = Fx::new(catalog, Some("manager"), 20);
    let lead = f.join("maker@acme.test", "maker");
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let key = f.run(
        f.dir
            .generate_api_key(ORG, lead, bot, P::BOT_HISTORY | P::BOT_EDIT),
    );
    let narrowed = maker
        .to_builder()
        .permissions(maker.permissions() - P::BOT_EDIT)
        .build();
    f.run(f.dir.edit_role(ORG, f.owner, narrowed));
    assert_eq!(
        resolve(&f, &key.secret).unwrap().permissions,
        P::BOT_HISTORY
    );
}

#[test]
fn keys_and_bots_of_one_organization_touch_nothing_in_another() {
    let f = studio();
    let theirs = f.other_org();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let key = f.run(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY));
    let other_bot = f.run(f.dir.register_bot(OTHER, "Theirs"));
    let both = [ORG, OTHER];
    // The helpdesk Owner of the other organization has no bot rights; an
    // actor of one organization is unknown in the other.
    assert_matches!(
        f.frozen(&both, f.dir.revoke_api_key(OTHER, f.owner, key.id)),
        DirectoryError::UnknownMember(_)
    );
    assert_matches!(
        f.frozen(&both, f.dir.revoke_api_key(OTHER, theirs, key.id)),
        DirectoryError::UnknownApiKey(k) if k == key.id
    );
    assert_matches!(
        f.frozen(&both, f.dir.generate_api_key(ORG, f.owner, other_bot, P::BOT_HISTORY)),
        DirectoryError::UnknownBot(b) if b == other_bot
    );
    assert_matches!(
        f.frozen(&both, f.dir.grant_bot(ORG, f.owner, f.owner, other_bot)),
        DirectoryError::UnknownBot(b) if b == other_bot
    );
    assert_matches!(
        f.frozen(&both, f.dir.create_bot(OTHER, f.owner, "Mine")),
        DirectoryError::UnknownMember(_)
    );
    // The key names its organization: presented as another's, nothing.
    let forged = key.secret.replacen(
        &format!("pvk.{}.", ORG.get()),
        &format!("pvk.{}.", OTHER.get()),
        1,
    );
    assert_eq!(resolve(&f, &forged), None);
}

#[test]
fn publishing_is_checked_and_a_publish_that_changes_nothing_writes_nothing() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let client = f.join("c@acme.test", "client");
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    assert_matches!(
        f.refused(f.dir.publish_bot(ORG, client, bot, true)),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    assert_matches!(
        f.refused(f.dir.publish_bot(ORG, f.owner, BotId(424_242), true)),
        DirectoryError::UnknownBot(_)
    );
    f.run(f.dir.publish_bot(ORG, f.owner, bot, true));
    assert!(f.state(ORG).bots[&bot].published);
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(f.dir.publish_bot(ORG, f.owner, bot, true));
    assert_eq!((f.state(ORG), f.audit(ORG)), (state, events));
    assert_matches!(
        f.refused(f.dir.create_bot(ORG, f.owner, "  ")),
        DirectoryError::InvalidInput {
            field: "bot name",
            ..
        }
    );
}

#[test]
fn a_grant_can_carry_a_permission_level_within_the_members_role() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let client = f.join("c@acme.test", "client");
    let on = purview::Resource::Bot { org: ORG, bot };
    let decide = |f: &Fx, action| {
        let (actor, _) = f.run(f.dir.actor(ORG, client));
        purview::can(&actor, action, &on)
    };
    // History only: the Client's role would allow editing too.
    f.run(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::BOT_HISTORY),
    );
    assert_eq!(f.member(client).bots, [bot]);
    assert_eq!(f.member(client).bot_levels, [(bot, P::BOT_HISTORY)]);
    assert!(decide(&f, purview::Action::UseBotHistory).is_allowed());
    assert_eq!(
        decide(&f, purview::Action::EditBot).reason(),
        Some(Reason::BeyondBotLevel {
            missing: P::BOT_EDIT
        })
    );
    // A level only narrows a role: never beyond it, never naming what acts
    // on no bot, never empty; refused, nothing written.
    let e = f.refused(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::BOT_PUBLISH),
    );
    assert_matches!(e, DirectoryError::LevelBeyondRole { member, missing }
        if member == client && missing == P::BOT_PUBLISH);
    let e = f.refused(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::MEMBER_INVITE),
    );
    assert_matches!(e, DirectoryError::InvalidInput { field: "level", .. });
    let e = f.refused(f.dir.grant_bot_level(ORG, f.owner, client, bot, P::empty()));
    assert_matches!(e, DirectoryError::InvalidInput { field: "level", .. });
    // The lowest role sets no level, not even on a bot granted to them.
    let e = f.refused(
        f.dir
            .grant_bot_level(ORG, client, client, bot, P::BOT_HISTORY),
    );
    assert_matches!(e, DirectoryError::Denied(_));
    // Granted again without a level: the whole role; revoked: nothing left.
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    assert!(f.member(client).bot_levels.is_empty());
    assert!(decide(&f, purview::Action::EditBot).is_allowed());
    f.run(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::BOT_EDIT),
    );
    f.run(f.dir.revoke_bot(ORG, f.owner, client, bot));
    let m = f.member(client);
    assert!(m.bots.is_empty() && m.bot_levels.is_empty());
    assert_eq!(
        decide(&f, purview::Action::EditBot).reason(),
        Some(Reason::BotNotGranted)
    );
}

#[test]
fn a_member_whose_grant_carries_a_level_passes_on_no_more_than_it() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let second = f.join("second@acme.test", "admin");
    let client = f.join("c@acme.test", "client");
    let own = P::BOT_ACCESS_GRANT | P::API_KEY_GENERATE | P::BOT_HISTORY;
    f.run(f.dir.grant_bot_level(ORG, f.owner, second, bot, own));
    // A key: only what the second Admin may do to the bot.
    let e = f.refused(
        f.dir
            .generate_api_key(ORG, second, bot, P::BOT_HISTORY | P::BOT_EDIT),
    );
    assert_matches!(e, DirectoryError::KeyBeyondActor { missing } if missing == P::BOT_EDIT);
    let key = f.run(f.dir.generate_api_key(ORG, second, bot, P::BOT_HISTORY));
    // A grant: never more on the bot than their level.
    let e = f.refused(f.dir.grant_bot(ORG, second, client, bot));
    assert_matches!(e, DirectoryError::LevelBeyondActor { missing }
        if missing == P::BOT_EDIT | P::BOT_UI_CONFIGURE);
    let e = f.refused(f.dir.grant_bot_level(ORG, second, client, bot, P::BOT_EDIT));
    assert_matches!(e, DirectoryError::LevelBeyondActor { missing } if missing == P::BOT_EDIT);
    f.run(
        f.dir
            .grant_bot_level(ORG, second, client, bot, P::BOT_HISTORY),
    );
    // The key follows its creator's level when used.
    assert_eq!(
        resolve(&f, &key.secret).unwrap().permissions,
        P::BOT_HISTORY
    );
    f.run(f.dir.grant_bot_level(
        ORG,
        f.owner,
        second,
        bot,
        P::BOT_ACCESS_GRANT | P::API_KEY_GENERATE,
    ));
    assert_eq!(resolve(&f, &key.secret), None);
}

#[test]
fn nobody_deletes_a_bot_in_the_bot_studio_and_a_deleted_bot_takes_its_grants_and_keys() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    assert_matches!(
        f.refused(f.dir.delete_bot(ORG, f.owner, bot)),
        DirectoryError::Denied(Reason::MissingPermission { missing }) if missing == P::BOT_DELETE
    );

    let f = deleting_studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let kept = f.run(f.dir.create_bot(ORG, f.owner, "Sales"));
    let client = f.join("c@acme.test", "client");
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    f.run(f.dir.grant_bot(ORG, f.owner, client, kept));
    f.run(f.dir.grant_bot(ORG, f.owner, f.owner, bot));
    let key = f.run(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY));
    let other = f.run(f.dir.generate_api_key(ORG, f.owner, kept, P::BOT_HISTORY));
    // A Client deletes nothing.
    assert_matches!(
        f.refused(f.dir.delete_bot(ORG, client, bot)),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    let before = f.audit(ORG).len();
    f.run(f.dir.delete_bot(ORG, f.owner, bot));
    let state = f.state(ORG);
    assert!(!state.bots.contains_key(&bot));
    assert_eq!(state.members[&client].bots, [kept]);
    assert!(state.members[&f.owner].bots.is_empty());
    assert!(state.api_keys[&key.id].revoked && !state.api_keys[&other.id].revoked);
    assert_eq!(resolve(&f, &key.secret), None);
    assert!(resolve(&f, &other.secret).is_some());
    // One commit: the grants, the key and the bot.
    let events = f.audit(ORG);
    let actions: Vec<&str> = events[before..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["revoke_bot", "revoke_bot", "revoke_api_key", "delete_bot"]
    );
    assert!(events[before..].iter().all(|e| e.version == state.version));
    assert_matches!(
        f.refused(f.dir.delete_bot(ORG, f.owner, bot)),
        DirectoryError::UnknownBot(_)
    );
    // Revoking a grant of a bot no longer registered still works.
    assert_matches!(
        f.refused(f.dir.grant_bot(ORG, f.owner, client, bot)),
        DirectoryError::UnknownBot(_)
    );
}
