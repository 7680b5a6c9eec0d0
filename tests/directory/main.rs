//! The directory's invariants (specification §4), each attacked head-on.
//!
//! Every refused operation is checked twice: it returns the exact
//! `DirectoryError` variant, and the organization's stored state and audit
//! log are exactly what they were before (a refused operation writes nothing).
//! Successful operations are checked for the audit events they write.
//!
//! `cargo test --all-features --test directory`
//!
//! One module a topic; the fixtures are here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use purview::directory::{AddressProblem, BadAddress, ManualClock, ProfileUpdate};
use purview::executor::block_on;
use purview::model::{AdminMinimum, DirectoryRules, MemberStatus, Team};
use purview::record::{AuditEvent, AuditValue, Invitation, InvitationState, Member, Timestamp};
use purview::{
    preset, BotId, Catalog, Directory, DirectoryError, MemberId, MemoryStore, NewOrganization,
    OrgId, OrgState, Permissions as P, Profile, Reason, Role, RoleKey, Store, TeamId,
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
        c.with_policy(DirectoryRules {
            min_admins: Some(AdminMinimum {
                role: RoleKey::new("admin"),
                count: 2,
            }),
            ..DirectoryRules::default()
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

/// An import by `by`, applied.
#[cfg(feature = "import")]
fn import(f: &Fx, by: MemberId, csv: &str) -> purview::ImportReport {
    f.run(
        f.dir
            .import_members(ORG, by, csv.as_bytes(), purview::ImportMode::Apply),
    )
}

/// An audit event's value read back as the record it shows.
fn record<T: serde::de::DeserializeOwned>(value: &Option<purview::record::AuditValue>) -> T {
    let value = value.as_ref().expect("the event shows a value");
    serde_json::from_str(&value.to_json()).expect("the value is that record")
}

mod admin_minimum;
mod audit;
mod authority;
mod bots;
mod disabled;
mod input;
mod invitations;
mod invite_input;
mod organization;
mod own_role;
mod owner;
mod profile_rule;
mod role_ceiling;
mod roles;
mod seats;
mod teams;
mod tenancy;
mod user_codes;
