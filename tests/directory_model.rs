//! The directory as a state machine, against a reference model.
//!
//! Random sequences of up to 30 operations (invite and accept, links,
//! revocations and reissues, role changes, removals, disabling and enabling,
//! ownership transfers, teams and team membership, the clock moving past
//! invitations' lifetime) by random actors — active, disabled, the Owner, and members
//! already removed — run against the real `Directory` over the `MemoryStore`
//! and against a small model written below from the specification: members
//! with a role, a status and teams, invitations, teams, and for each role a
//! level (roles compare by level: a higher one exceeds a lower one) and the
//! permissions it holds.
//!
//! For each operation the model lists every rule the operation breaks; the
//! directory must succeed exactly when that list is empty, and otherwise
//! refuse with one of the listed rules. After every step the directory's
//! members (role, status, teams), invitations, teams, version and audit log
//! must agree with the model, and the invariants must hold on the stored
//! state: exactly one Owner (helpdesk), never fewer than two Admins once there
//! were two and never none (the workspace-like catalog), seats within the
//! limit.
//!
//! Each property runs 256 cases; `PURVIEW_PROPTEST_CASES=N` changes that:
//!
//! `PURVIEW_PROPTEST_CASES=5000 cargo test --release --all-features --test directory_model`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use purview::{
    block_on, preset, AdminMinimum, Catalog, Directory, DirectoryError, InvitationId,
    InvitationState, IssuedInvitation, ManualClock, MemberId, MemberStatus, MemoryStore,
    NewOrganization, OrgId, OrgState, Permissions as P, Policy, Profile, Reason, Role, RoleKey,
    Store, TeamId, Timestamp,
};
use std::collections::BTreeSet;
use std::sync::Arc;

fn cases() -> u32 {
    std::env::var("PURVIEW_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

const ORG: OrgId = OrgId(7);
const START: u64 = 1_700_000_000;
/// Invitations live 100 seconds; the clock moves 60 at a time, so an
/// invitation expires at the second tick after it was made.
const TTL: u64 = 100;
const TICK: u64 = 60;

// ---------------------------------------------------------------------------
// The reference model.

/// What a role may do, as bits of the model (not the crate's permissions).
const CHANGE_ROLE: u16 = 1;
const REMOVE: u16 = 1 << 1;
const EDIT: u16 = 1 << 2;
const INVITE: u16 = 1 << 3;
const LINK: u16 = 1 << 4;
const MANAGE_INVITATIONS: u16 = 1 << 5;
const TEAMS: u16 = 1 << 6;
const TEAM_MEMBERS: u16 = 1 << 7;
const ALL: u16 = u16::MAX;

#[derive(Debug)]
struct RoleRule {
    key: &'static str,
    /// A role exceeds another exactly when its level is higher.
    level: u8,
    unique: bool,
    disabling: bool,
    may: u16,
    own_teams_only: bool,
}

#[derive(Debug)]
struct Rules {
    /// The crate's catalog that these rules describe.
    catalog: fn() -> Catalog,
    roles: &'static [RoleRule],
    /// The role a former Owner takes on a transfer.
    successor: Option<&'static str>,
    /// The counted role and its minimum.
    min_admins: Option<(&'static str, usize)>,
    /// Name, display name and phone before a role change.
    profile_required: bool,
}

const fn role(key: &'static str, level: u8, may: u16, own_teams_only: bool) -> RoleRule {
    RoleRule {
        key,
        level,
        unique: false,
        disabling: false,
        may,
        own_teams_only,
    }
}

/// The helpdesk, from the source document's table and the specification's
/// readings: Owner and Primary Admin hold everything (member management
/// included); an Admin edits the members of their own teams; every role
/// creates invitation links; the Owner is unique and a former Owner becomes a
/// Primary Admin; a role change needs a filled profile.
static HELPDESK: Rules = Rules {
    catalog: preset::helpdesk,
    roles: &[
        RoleRule {
            unique: true,
            ..role("owner", 4, ALL, false)
        },
        role("primary_admin", 4, ALL, false),
        role("admin", 3, LINK | TEAM_MEMBERS, true),
        role("primary_agent", 2, LINK, true),
        role("agent", 1, LINK, true),
    ],
    successor: Some("primary_admin"),
    min_admins: None,
    profile_required: true,
};

/// The workspace rule with a custom catalog: Admins manage everything, a
/// lead changes roles below their own, members create links, a disabling role
/// may do nothing; at least two Admins.
static WORKSPACE: Rules = Rules {
    catalog: workspace_catalog,
    roles: &[
        role("admin", 3, ALL, false),
        role("lead", 2, CHANGE_ROLE | REMOVE | EDIT | LINK, false),
        role("member", 1, LINK, false),
        RoleRule {
            disabling: true,
            ..role("disabled", 0, 0, false)
        },
    ],
    successor: None,
    min_admins: Some(("admin", 2)),
    profile_required: false,
};

/// The crate's catalog for the workspace rules above.
fn workspace_catalog() -> Catalog {
    let lead = P::MEMBER_VIEW
        | P::MEMBER_EDIT
        | P::MEMBER_REMOVE
        | P::MEMBER_ROLE_CHANGE
        | P::INVITATION_LINK_CREATE
        | P::PROFILE_EDIT;
    let admin =
        lead | P::MEMBER_INVITE | P::INVITATION_MANAGE | P::TEAM_MANAGE | P::TEAM_MEMBERS_EDIT;
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

/// A rule an operation can break; every refusal of the directory maps to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rule {
    UnknownMember,
    UnknownTeam,
    Disabled,
    Permission,
    TeamReach,
    OwnRole,
    OwnerProtected,
    UniqueRole,
    NotOwner,
    TargetExceeds,
    RoleExceeds,
    Profile,
    TooFewAdmins,
    Seats,
    BadAddress,
    InvalidInput,
    Used,
    Revoked,
    Expired,
    Withdrawn,
    DuplicateTeamCode,
    DuplicateTeamName,
}

fn rule_of(e: &DirectoryError) -> Rule {
    match e {
        DirectoryError::Denied(Reason::ActorDisabled) => Rule::Disabled,
        DirectoryError::Denied(Reason::MissingPermission { .. }) => Rule::Permission,
        DirectoryError::Denied(Reason::TeamNotJoined) => Rule::TeamReach,
        DirectoryError::Denied(Reason::RoleExceedsOwn) | DirectoryError::RoleExceedsOwn(_) => {
            Rule::RoleExceeds
        }
        DirectoryError::Denied(Reason::UniqueRole) | DirectoryError::UniqueRole(_) => {
            Rule::UniqueRole
        }
        DirectoryError::UnknownMember(_) => Rule::UnknownMember,
        DirectoryError::UnknownTeam(_) => Rule::UnknownTeam,
        DirectoryError::OwnRole => Rule::OwnRole,
        DirectoryError::OwnerProtected => Rule::OwnerProtected,
        DirectoryError::NotOwner => Rule::NotOwner,
        DirectoryError::TargetExceedsActor { .. } => Rule::TargetExceeds,
        DirectoryError::ProfileIncomplete(_) => Rule::Profile,
        DirectoryError::TooFewAdmins { .. } => Rule::TooFewAdmins,
        DirectoryError::SeatsExceeded { .. } => Rule::Seats,
        DirectoryError::BadAddresses(_) => Rule::BadAddress,
        DirectoryError::InvalidInput { .. } => Rule::InvalidInput,
        DirectoryError::InvitationUsed => Rule::Used,
        DirectoryError::InvitationRevoked => Rule::Revoked,
        DirectoryError::InvitationExpired => Rule::Expired,
        DirectoryError::InvitationWithdrawn { .. } => Rule::Withdrawn,
        DirectoryError::DuplicateTeamCode(_) => Rule::DuplicateTeamCode,
        DirectoryError::DuplicateTeamName(_) => Rule::DuplicateTeamName,
        other => panic!("a refusal the model does not know: {other:?}"),
    }
}

#[derive(Clone, Debug)]
struct MMember {
    id: MemberId,
    email: String,
    role: &'static str,
    active: bool,
    teams: BTreeSet<TeamId>,
    /// Name, display name and phone filled.
    complete: bool,
}

#[derive(Clone, Debug)]
struct MInvitation {
    id: InvitationId,
    secret: String,
    email: Option<String>,
    role: &'static str,
    created_by: MemberId,
    expires_at: u64,
    state: InvitationState,
}

#[derive(Clone, Debug)]
struct MTeam {
    id: TeamId,
    code: Option<&'static str>,
    name: &'static str,
}

#[derive(Clone, Debug)]
struct Model {
    rules: &'static Rules,
    seats: usize,
    now: u64,
    members: Vec<MMember>,
    invitations: Vec<MInvitation>,
    teams: Vec<MTeam>,
    /// Every member id ever seen, removed ones included: actors are drawn from it.
    ever: Vec<MemberId>,
    /// Every address ever used.
    emails: Vec<String>,
    version: u64,
    events: usize,
}

impl Model {
    fn rule(&self, key: &str) -> &'static RoleRule {
        self.rules.roles.iter().find(|r| r.key == key).unwrap()
    }

    fn member(&self, id: MemberId) -> Option<&MMember> {
        self.members.iter().find(|m| m.id == id)
    }

    fn member_mut(&mut self, id: MemberId) -> &mut MMember {
        self.members.iter_mut().find(|m| m.id == id).unwrap()
    }

    fn enabled(&self, m: &MMember) -> bool {
        m.active && !self.rule(m.role).disabling
    }

    fn exceeds(&self, a: &str, b: &str) -> bool {
        self.rule(a).level > self.rule(b).level
    }

    /// Rules 2 and 4 of `can`: the actor is enabled and holds the permission.
    fn gate(&self, actor: &MMember, need: u16, broken: &mut Vec<Rule>) {
        if !self.enabled(actor) {
            broken.push(Rule::Disabled);
        }
        if self.rule(actor.role).may & need != need {
            broken.push(Rule::Permission);
        }
    }

    /// Revokes every invitation still open (pending, expired or not) for the
    /// address; the number revoked.
    fn settle(&mut self, email: &str) -> usize {
        let mut revoked = 0;
        for i in &mut self.invitations {
            if i.state == InvitationState::Pending && i.email.as_deref() == Some(email) {
                i.state = InvitationState::Revoked;
                revoked += 1;
            }
        }
        revoked
    }

    fn pending(&self, i: &MInvitation) -> bool {
        i.state == InvitationState::Pending && self.now < i.expires_at
    }

    fn seats_used(&self) -> usize {
        self.members.iter().filter(|m| m.active).count()
            + self.invitations.iter().filter(|i| self.pending(i)).count()
    }

    fn admins(&self) -> usize {
        self.rules.min_admins.map_or(0, |(key, _)| {
            self.members
                .iter()
                .filter(|m| m.active && m.role == key)
                .count()
        })
    }

    /// The invariants, judged on the state an operation would leave.
    fn invariants(&self, after: &Model) -> Vec<Rule> {
        let mut broken = Vec::new();
        if let Some(unique) = self.rules.roles.iter().find(|r| r.unique) {
            if after
                .members
                .iter()
                .filter(|m| m.role == unique.key)
                .count()
                != 1
            {
                broken.push(Rule::UniqueRole);
            }
        }
        if let Some((_, min)) = self.rules.min_admins {
            let (was, is) = (self.admins(), after.admins());
            if is < was && (is < min || is == 0) {
                broken.push(Rule::TooFewAdmins);
            }
        }
        if after.seats_used() > self.seats && after.seats_used() > self.seats_used() {
            broken.push(Rule::Seats);
        }
        broken
    }
}

// ---------------------------------------------------------------------------
// Operations.

/// Indices are taken modulo the current list they index, so every generated
/// sequence is meaningful whatever happened before.
#[derive(Clone, Debug)]
enum Op {
    /// An invitation by email, accepted at once.
    Join {
        actor: usize,
        role: usize,
        complete: bool,
    },
    /// An invitation by email to a new address or to one used before.
    Invite {
        actor: usize,
        role: usize,
        reuse: Option<usize>,
    },
    Link {
        actor: usize,
        role: usize,
    },
    /// Accepts an invitation; a link with a new address or one used before.
    Accept {
        invitation: usize,
        complete: bool,
        reuse: Option<usize>,
    },
    Revoke {
        actor: usize,
        invitation: usize,
    },
    /// Revokes an invitation and issues it again with a fresh secret.
    Reissue {
        actor: usize,
        invitation: usize,
    },
    ChangeRole {
        actor: usize,
        target: usize,
        role: usize,
    },
    Remove {
        actor: usize,
        target: usize,
    },
    SetStatus {
        actor: usize,
        target: usize,
        active: bool,
    },
    Transfer {
        actor: usize,
        target: usize,
    },
    CreateTeam {
        actor: usize,
        code: usize,
        name: usize,
    },
    AddToTeam {
        actor: usize,
        team: usize,
        target: usize,
    },
    RemoveFromTeam {
        actor: usize,
        team: usize,
        target: usize,
    },
    /// The clock moves forward; invitations expire.
    Tick,
}

const CODES: [Option<&str>; 4] = [None, Some("T1"), Some("T2"), Some("T3")];
const NAMES: [&str; 5] = ["Team 1", "team 1", "Team 2", "Sales", "Support"];

fn op() -> impl Strategy<Value = Op> {
    let ix = || 0usize..64;
    let reuse = || proptest::option::weighted(0.3, 0usize..64);
    prop_oneof![
        5 => (ix(), ix(), proptest::bool::weighted(0.8))
            .prop_map(|(actor, role, complete)| Op::Join { actor, role, complete }),
        2 => (ix(), ix(), reuse()).prop_map(|(actor, role, reuse)| Op::Invite { actor, role, reuse }),
        1 => (ix(), ix()).prop_map(|(actor, role)| Op::Link { actor, role }),
        2 => (ix(), any::<bool>(), reuse())
            .prop_map(|(invitation, complete, reuse)| Op::Accept { invitation, complete, reuse }),
        1 => (ix(), ix()).prop_map(|(actor, invitation)| Op::Revoke { actor, invitation }),
        1 => (ix(), ix()).prop_map(|(actor, invitation)| Op::Reissue { actor, invitation }),
        4 => (ix(), ix(), ix()).prop_map(|(actor, target, role)| Op::ChangeRole { actor, target, role }),
        2 => (ix(), ix()).prop_map(|(actor, target)| Op::Remove { actor, target }),
        3 => (ix(), ix(), any::<bool>())
            .prop_map(|(actor, target, active)| Op::SetStatus { actor, target, active }),
        2 => (ix(), ix()).prop_map(|(actor, target)| Op::Transfer { actor, target }),
        2 => (ix(), ix(), ix()).prop_map(|(actor, code, name)| Op::CreateTeam { actor, code, name }),
        2 => (ix(), ix(), ix()).prop_map(|(actor, team, target)| Op::AddToTeam { actor, team, target }),
        1 => (ix(), ix(), ix())
            .prop_map(|(actor, team, target)| Op::RemoveFromTeam { actor, team, target }),
        2 => Just(Op::Tick),
    ]
}

fn profile(email: &str, complete: bool) -> Profile {
    Profile {
        email: Some(email.to_owned()),
        user_code: None,
        user_name: Some("name".to_owned()),
        display_name: complete.then(|| "Display".to_owned()),
        phone: complete.then(|| "+1 555 0100".to_owned()),
    }
}

/// The real directory and the model, side by side.
struct Sim {
    dir: Directory<MemoryStore, ManualClock>,
    clock: ManualClock,
    model: Model,
    /// The most Admins ever counted in the stored state.
    most_admins: usize,
    fresh: usize,
    /// Each kind of operation with how it ended: `None` for a success, or
    /// the rule that refused it.
    seen: BTreeSet<(String, Option<Rule>)>,
}

/// Outcome of one operation: the model's broken rules, the directory's result.
type Outcome<T> = (Vec<Rule>, Result<T, DirectoryError>);

impl Sim {
    fn new(rules: &'static Rules, seats: u32) -> Sim {
        let clock = ManualClock::new(Timestamp(START));
        let dir = Directory::with_clock(MemoryStore::new(), clock.clone()).invitation_ttl(TTL);
        let email = "founder@acme.test".to_owned();
        let founder = block_on(dir.create_organization(NewOrganization {
            id: ORG,
            name: "Model".into(),
            catalog: (rules.catalog)(),
            seat_limit: seats,
            founder: profile(&email, true),
            // The first role: the Owner (always the founder's with a unique
            // role), or the Admin.
            founder_role: Some(RoleKey::new(rules.roles[0].key)),
        }))
        .unwrap();
        let model = Model {
            rules,
            seats: seats as usize,
            now: START,
            members: vec![MMember {
                id: founder,
                email: email.clone(),
                role: rules.roles[0].key,
                active: true,
                teams: BTreeSet::new(),
                complete: true,
            }],
            invitations: Vec::new(),
            teams: Vec::new(),
            ever: vec![founder],
            emails: vec![email],
            version: 1,
            events: 1,
        };
        let mut sim = Sim {
            dir,
            clock,
            model,
            most_admins: 0,
            fresh: 0,
            seen: BTreeSet::new(),
        };
        sim.check("creation");
        sim
    }

    fn who(&self, i: usize) -> MemberId {
        self.model.ever[i % self.model.ever.len()]
    }

    /// Mostly another member than the actor; one time in eight the actor.
    fn target(&self, actor: usize, i: usize) -> MemberId {
        let len = self.model.ever.len();
        if len == 1 || i % 8 == 0 {
            return self.who(actor);
        }
        self.model.ever[(actor % len + 1 + i % (len - 1)) % len]
    }

    /// Mostly one still pending (expired ones included); one time in four any.
    fn invitation(&self, i: usize) -> Option<MInvitation> {
        let all = &self.model.invitations;
        let open: Vec<&MInvitation> = all
            .iter()
            .filter(|inv| inv.state == InvitationState::Pending)
            .collect();
        if i % 4 != 0 && !open.is_empty() {
            Some(open[i % open.len()].clone())
        } else if all.is_empty() {
            None
        } else {
            Some(all[i % all.len()].clone())
        }
    }

    fn role_key(&self, i: usize) -> &'static str {
        let roles = self.model.rules.roles;
        roles[i % roles.len()].key
    }

    fn team(&self, i: usize) -> TeamId {
        // One index past the end names a team that does not exist.
        let teams = &self.model.teams;
        teams
            .get(i % (teams.len() + 1))
            .map_or(TeamId(999), |t| t.id)
    }

    fn fresh_email(&mut self) -> String {
        self.fresh += 1;
        format!("user{}@acme.test", self.fresh)
    }

    fn email(&mut self, reuse: Option<usize>) -> String {
        match reuse {
            Some(i) => self.model.emails[i % self.model.emails.len()].clone(),
            None => self.fresh_email(),
        }
    }

    /// Compares the directory's answer with the model's prediction.
    fn judge<T: std::fmt::Debug>(&mut self, what: &str, (broken, result): &Outcome<T>) -> bool {
        let kind = what.split([' ', '{']).next().unwrap_or(what).to_owned();
        self.seen.insert((kind, result.as_ref().err().map(rule_of)));
        match result {
            Ok(v) => assert!(
                broken.is_empty(),
                "{what}: succeeded with {v:?}, but the model says it breaks {broken:?}\n{:#?}",
                self.model
            ),
            Err(e) => {
                assert!(
                    !broken.is_empty(),
                    "{what}: refused with `{e}` ({e:?}), the model allows it\n{:#?}",
                    self.model
                );
                assert!(
                    broken.contains(&rule_of(e)),
                    "{what}: refused with `{e}` ({e:?}), the model expects one of {broken:?}\n{:#?}",
                    self.model
                );
            }
        }
        result.is_ok()
    }

    fn step(&mut self, op: &Op) {
        let what = format!("{op:?}");
        match *op {
            Op::Join {
                actor,
                role,
                complete,
            } => {
                let (actor, role, email) =
                    (self.who(actor), self.role_key(role), self.fresh_email());
                if let Some(sent) = self.invite(&what, actor, role, email) {
                    self.accept(&what, &sent.secret, &sent.email.clone().unwrap(), complete);
                }
            }
            Op::Invite { actor, role, reuse } => {
                let (actor, role, email) =
                    (self.who(actor), self.role_key(role), self.email(reuse));
                self.invite(&what, actor, role, email);
            }
            Op::Link { actor, role } => self.link(&what, self.who(actor), self.role_key(role)),
            Op::Accept {
                invitation,
                complete,
                reuse,
            } => {
                let Some(inv) = self.invitation(invitation) else {
                    return;
                };
                let email = match &inv.email {
                    Some(e) => e.clone(),
                    None => self.email(reuse),
                };
                self.accept(&what, &inv.secret, &email, complete);
            }
            Op::Revoke { actor, invitation } => {
                if let Some(inv) = self.invitation(invitation) {
                    self.revoke(&what, self.who(actor), inv.id);
                }
            }
            Op::Reissue { actor, invitation } => {
                if let Some(inv) = self.invitation(invitation) {
                    self.reissue(&what, self.who(actor), inv.id);
                }
            }
            Op::ChangeRole {
                actor,
                target,
                role,
            } => self.change_role(
                &what,
                self.who(actor),
                self.target(actor, target),
                self.role_key(role),
            ),
            Op::Remove { actor, target } => {
                self.remove(&what, self.who(actor), self.target(actor, target));
            }
            Op::SetStatus {
                actor,
                target,
                active,
            } => self.set_status(&what, self.who(actor), self.target(actor, target), active),
            Op::Transfer { actor, target } => {
                self.transfer(&what, self.who(actor), self.target(actor, target));
            }
            Op::CreateTeam { actor, code, name } => self.create_team(
                &what,
                self.who(actor),
                CODES[code % CODES.len()],
                NAMES[name % NAMES.len()],
            ),
            Op::AddToTeam {
                actor,
                team,
                target,
            } => self.team_membership(
                &what,
                self.who(actor),
                self.team(team),
                self.target(actor, target),
                true,
            ),
            Op::RemoveFromTeam {
                actor,
                team,
                target,
            } => self.team_membership(
                &what,
                self.who(actor),
                self.team(team),
                self.target(actor, target),
                false,
            ),
            Op::Tick => {
                self.clock.advance(TICK);
                self.model.now += TICK;
            }
        }
        self.check(&what);
    }

    fn invite(
        &mut self,
        what: &str,
        actor: MemberId,
        role: &'static str,
        email: String,
    ) -> Option<IssuedInvitation> {
        let m = &self.model;
        let mut broken = Vec::new();
        match m.member(actor) {
            None => broken.push(Rule::UnknownMember),
            Some(a) => {
                m.gate(a, INVITE, &mut broken);
                if m.rule(role).unique {
                    broken.push(Rule::UniqueRole);
                } else if m.exceeds(role, a.role) {
                    broken.push(Rule::RoleExceeds);
                }
                let taken = m.members.iter().any(|x| x.email == email)
                    || m.invitations
                        .iter()
                        .any(|i| m.pending(i) && i.email.as_deref() == Some(email.as_str()));
                if taken {
                    broken.push(Rule::BadAddress);
                }
                if m.seats_used() + 1 > m.seats {
                    broken.push(Rule::Seats);
                }
            }
        }
        let result = block_on(self.dir.invite(ORG, actor, &email, role));
        let outcome = (broken, result);
        if !self.judge(what, &outcome) {
            return None;
        }
        let sent = outcome.1.unwrap();
        assert_eq!(sent.len(), 1, "{what}");
        let sent = sent.into_iter().next().unwrap();
        self.issued(actor, role, &sent);
        Some(sent)
    }

    fn link(&mut self, what: &str, actor: MemberId, role: &'static str) {
        let m = &self.model;
        let mut broken = Vec::new();
        match m.member(actor) {
            None => broken.push(Rule::UnknownMember),
            Some(a) => {
                m.gate(a, LINK, &mut broken);
                if m.rule(role).unique {
                    broken.push(Rule::UniqueRole);
                } else if m.exceeds(role, a.role) {
                    broken.push(Rule::RoleExceeds);
                }
                if m.seats_used() + 1 > m.seats {
                    broken.push(Rule::Seats);
                }
            }
        }
        let result = block_on(self.dir.create_invitation_link(ORG, actor, role));
        let outcome = (broken, result);
        if self.judge(what, &outcome) {
            self.issued(actor, role, &outcome.1.unwrap());
        }
    }

    fn issued(&mut self, actor: MemberId, role: &'static str, sent: &IssuedInvitation) {
        assert_eq!(sent.role.as_str(), role);
        assert_eq!(sent.expires_at, Timestamp(self.model.now + TTL));
        if let Some(e) = &sent.email {
            if !self.model.emails.contains(e) {
                self.model.emails.push(e.clone());
            }
            // A new invitation supersedes the address's expired ones.
            self.model.events += self.model.settle(e);
        }
        self.model.invitations.push(MInvitation {
            id: sent.id,
            secret: sent.secret.clone(),
            email: sent.email.clone(),
            role,
            created_by: actor,
            expires_at: self.model.now + TTL,
            state: InvitationState::Pending,
        });
        self.model.version += 1;
        self.model.events += 1;
    }

    fn accept(&mut self, what: &str, secret: &str, email: &str, complete: bool) {
        let m = &self.model;
        let inv = m.invitations.iter().find(|i| i.secret == secret).unwrap();
        let mut broken = Vec::new();
        match inv.state {
            InvitationState::Accepted => broken.push(Rule::Used),
            InvitationState::Revoked => broken.push(Rule::Revoked),
            InvitationState::Pending if !m.pending(inv) => broken.push(Rule::Expired),
            InvitationState::Pending => {}
        }
        if m.members.iter().any(|x| x.email == email) {
            broken.push(Rule::BadAddress);
        }
        // A link never displaces the invitation issued for an address.
        let named = m
            .invitations
            .iter()
            .any(|i| i.id != inv.id && m.pending(i) && i.email.as_deref() == Some(email));
        if inv.email.is_none() && named {
            broken.push(Rule::BadAddress);
        }
        // Its creator must still be able to grant it.
        let need = if inv.email.is_some() { INVITE } else { LINK };
        let backed = m.member(inv.created_by).is_some_and(|c| {
            let mut lost = Vec::new();
            m.gate(c, need, &mut lost);
            lost.is_empty() && !m.exceeds(inv.role, c.role)
        });
        if !backed {
            broken.push(Rule::Withdrawn);
        }
        let (id, role) = (inv.id, inv.role);
        let result = block_on(self.dir.accept_invitation(secret, profile(email, complete)));
        let outcome = (broken, result);
        if !self.judge(what, &outcome) {
            return;
        }
        let (org, member) = outcome.1.unwrap();
        assert_eq!(org, ORG);
        let m = &mut self.model;
        m.invitations.iter_mut().find(|i| i.id == id).unwrap().state = InvitationState::Accepted;
        // Accepting one invitation settles the others open for the address,
        // expired ones included.
        m.events += m.settle(email);
        m.members.push(MMember {
            id: member,
            email: email.to_owned(),
            role,
            active: true,
            teams: BTreeSet::new(),
            complete,
        });
        m.ever.push(member);
        if !m.emails.iter().any(|e| e == email) {
            m.emails.push(email.to_owned());
        }
        m.version += 1;
        m.events += 2;
    }

    fn reissue(&mut self, what: &str, actor: MemberId, id: InvitationId) {
        let m = &self.model;
        let inv = m.invitations.iter().find(|i| i.id == id).unwrap().clone();
        let mut broken = Vec::new();
        match m.member(actor) {
            None => broken.push(Rule::UnknownMember),
            Some(a) => {
                if inv.created_by != actor {
                    m.gate(a, MANAGE_INVITATIONS, &mut broken);
                }
                m.gate(
                    a,
                    if inv.email.is_some() { INVITE } else { LINK },
                    &mut broken,
                );
                if m.exceeds(inv.role, a.role) {
                    broken.push(Rule::RoleExceeds);
                }
                match inv.state {
                    InvitationState::Accepted => broken.push(Rule::Used),
                    InvitationState::Revoked => broken.push(Rule::Revoked),
                    InvitationState::Pending => {}
                }
                if let Some(e) = &inv.email {
                    // A member has the address, or another invitation is
                    // pending for it.
                    let invited = m
                        .invitations
                        .iter()
                        .any(|j| j.id != inv.id && m.pending(j) && j.email == inv.email);
                    if invited || m.members.iter().any(|x| x.email == *e) {
                        broken.push(Rule::BadAddress);
                    }
                }
                // A pending invitation hands its seat over; an expired one needs one.
                if !m.pending(&inv) && m.seats_used() + 1 > m.seats {
                    broken.push(Rule::Seats);
                }
            }
        }
        let result = block_on(self.dir.reissue_invitation(ORG, actor, id));
        let outcome = (broken, result);
        if !self.judge(what, &outcome) {
            return;
        }
        let sent = outcome.1.unwrap();
        assert_eq!(sent.email, inv.email, "{what}");
        let m = &mut self.model;
        m.invitations.iter_mut().find(|i| i.id == id).unwrap().state = InvitationState::Revoked;
        // `issued` counts the version and the new invitation's event.
        m.events += 1;
        self.issued(actor, inv.role, &sent);
    }

    fn revoke(&mut self, what: &str, actor: MemberId, id: InvitationId) {
        let m = &self.model;
        let inv = m.invitations.iter().find(|i| i.id == id).unwrap();
        let mut broken = Vec::new();
        match m.member(actor) {
            None => broken.push(Rule::UnknownMember),
            Some(a) => {
                if inv.created_by == actor {
                    if !m.enabled(a) {
                        broken.push(Rule::Disabled);
                    }
                } else {
                    m.gate(a, MANAGE_INVITATIONS, &mut broken);
                }
                match inv.state {
                    InvitationState::Accepted => broken.push(Rule::Used),
                    InvitationState::Revoked => broken.push(Rule::Revoked),
                    InvitationState::Pending => {}
                }
            }
        }
        let result = block_on(self.dir.revoke_invitation(ORG, actor, id));
        if self.judge(what, &(broken, result)) {
            let m = &mut self.model;
            m.invitations.iter_mut().find(|i| i.id == id).unwrap().state = InvitationState::Revoked;
            m.version += 1;
            m.events += 1;
        }
    }

    /// Runs an operation on a member: `rules` lists what it breaks given the
    /// actor and the target (both known), `apply` changes a copy of the model
    /// and says how many events it writes (0: nothing changes).
    #[expect(
        clippy::too_many_arguments,
        reason = "one operation's parts, named at every call"
    )]
    fn on_member(
        &mut self,
        what: &str,
        actor: MemberId,
        target: MemberId,
        need: u16,
        rules: impl Fn(&Model, &MMember, &MMember) -> Vec<Rule>,
        apply: impl Fn(&mut Model) -> usize,
        run: impl std::future::Future<Output = Result<(), DirectoryError>>,
    ) {
        let m = &self.model;
        let mut next = m.clone();
        let mut events = 0;
        let broken = match (m.member(actor), m.member(target)) {
            (None, _) => vec![Rule::UnknownMember],
            // `can` comes before the target is looked up.
            (Some(a), None) => {
                let mut broken = vec![Rule::UnknownMember];
                m.gate(a, need, &mut broken);
                broken
            }
            (Some(a), Some(t)) => {
                let mut broken = rules(m, a, t);
                if broken.is_empty() {
                    events = apply(&mut next);
                    broken = m.invariants(&next);
                }
                broken
            }
        };
        let result = block_on(run);
        if self.judge(what, &(broken, result)) && events > 0 {
            next.version += 1;
            next.events += events;
            self.model = next;
        }
    }

    fn change_role(&mut self, what: &str, actor: MemberId, target: MemberId, role: &'static str) {
        let dir = self.dir.clone();
        self.on_member(
            what,
            actor,
            target,
            CHANGE_ROLE,
            |m, a, t| {
                let mut broken = Vec::new();
                m.gate(a, CHANGE_ROLE, &mut broken);
                if a.id == t.id {
                    broken.push(Rule::OwnRole);
                }
                if m.rule(t.role).unique {
                    broken.push(Rule::OwnerProtected);
                }
                if m.rule(role).unique {
                    broken.push(Rule::UniqueRole);
                }
                if a.id != t.id && m.exceeds(t.role, a.role) {
                    broken.push(Rule::TargetExceeds);
                }
                if m.exceeds(role, a.role) {
                    broken.push(Rule::RoleExceeds);
                }
                if m.rules.profile_required && !t.complete {
                    broken.push(Rule::Profile);
                }
                broken
            },
            |next| {
                let t = next.member_mut(target);
                if t.role == role {
                    return 0;
                }
                t.role = role;
                1
            },
            dir.change_role(ORG, actor, target, role),
        );
    }

    fn remove(&mut self, what: &str, actor: MemberId, target: MemberId) {
        let dir = self.dir.clone();
        self.on_member(
            what,
            actor,
            target,
            REMOVE,
            |m, a, t| {
                let mut broken = Vec::new();
                m.gate(a, REMOVE, &mut broken);
                if m.rule(t.role).unique {
                    broken.push(Rule::OwnerProtected);
                }
                if a.id != t.id && m.exceeds(t.role, a.role) {
                    broken.push(Rule::TargetExceeds);
                }
                broken
            },
            |next| {
                let email = next.member(target).unwrap().email.clone();
                let revoked = next.settle(&email);
                next.members.retain(|x| x.id != target);
                1 + revoked
            },
            dir.remove_member(ORG, actor, target),
        );
    }

    fn set_status(&mut self, what: &str, actor: MemberId, target: MemberId, active: bool) {
        let dir = self.dir.clone();
        let status = if active {
            MemberStatus::Active
        } else {
            MemberStatus::Disabled
        };
        self.on_member(
            what,
            actor,
            target,
            EDIT,
            |m, a, t| {
                let mut broken = Vec::new();
                m.gate(a, EDIT, &mut broken);
                if m.rule(t.role).unique {
                    broken.push(Rule::OwnerProtected);
                }
                if a.id != t.id && m.exceeds(t.role, a.role) {
                    broken.push(Rule::TargetExceeds);
                }
                broken
            },
            |next| {
                let t = next.member_mut(target);
                if t.active == active {
                    return 0;
                }
                t.active = active;
                1
            },
            dir.set_member_status(ORG, actor, target, status),
        );
    }

    fn transfer(&mut self, what: &str, actor: MemberId, target: MemberId) {
        let m = &self.model;
        let mut next = m.clone();
        let broken = match m.member(actor) {
            None => vec![Rule::UnknownMember],
            Some(a) => {
                let mut broken = Vec::new();
                if !m.enabled(a) {
                    broken.push(Rule::Disabled);
                }
                if !m.rule(a.role).unique {
                    broken.push(Rule::NotOwner);
                }
                match (m.rules.successor, m.member(target)) {
                    (None, _) => broken.push(Rule::InvalidInput),
                    (_, None) => broken.push(Rule::UnknownMember),
                    (Some(successor), Some(t)) => {
                        if t.id == a.id || !t.active {
                            broken.push(Rule::InvalidInput);
                        }
                        if broken.is_empty() {
                            let unique = a.role;
                            next.member_mut(actor).role = successor;
                            next.member_mut(target).role = unique;
                            broken = m.invariants(&next);
                        }
                    }
                }
                broken
            }
        };
        let result = block_on(self.dir.transfer_ownership(ORG, actor, target));
        if self.judge(what, &(broken, result)) {
            next.version += 1;
            next.events += 2;
            self.model = next;
        }
    }

    fn create_team(
        &mut self,
        what: &str,
        actor: MemberId,
        code: Option<&'static str>,
        name: &'static str,
    ) {
        let m = &self.model;
        let mut broken = Vec::new();
        match m.member(actor) {
            None => broken.push(Rule::UnknownMember),
            Some(a) => {
                m.gate(a, TEAMS, &mut broken);
                if code.is_some() && m.teams.iter().any(|t| t.code == code) {
                    broken.push(Rule::DuplicateTeamCode);
                }
                if m.teams.iter().any(|t| t.name.eq_ignore_ascii_case(name)) {
                    broken.push(Rule::DuplicateTeamName);
                }
            }
        }
        let result = block_on(self.dir.create_team(ORG, actor, code, name));
        let outcome = (broken, result);
        if self.judge(what, &outcome) {
            let m = &mut self.model;
            m.teams.push(MTeam {
                id: outcome.1.unwrap(),
                code,
                name,
            });
            m.version += 1;
            m.events += 1;
        }
    }

    fn team_membership(
        &mut self,
        what: &str,
        actor: MemberId,
        team: TeamId,
        target: MemberId,
        add: bool,
    ) {
        let m = &self.model;
        let mut broken = Vec::new();
        let mut changes = false;
        let team_known = m.teams.iter().any(|t| t.id == team);
        match (m.member(actor), m.member(target)) {
            (None, _) => broken.push(Rule::UnknownMember),
            (Some(a), target) => {
                // `can` first: the permission and the team reach.
                m.gate(a, TEAM_MEMBERS, &mut broken);
                if m.rule(a.role).own_teams_only && !a.teams.contains(&team) {
                    broken.push(Rule::TeamReach);
                }
                if !team_known {
                    broken.push(Rule::UnknownTeam);
                }
                match target {
                    None => broken.push(Rule::UnknownMember),
                    Some(t) => {
                        // A team membership is part of the member's record.
                        if a.id != t.id && m.exceeds(t.role, a.role) {
                            broken.push(Rule::TargetExceeds);
                        }
                        changes = team_known && t.teams.contains(&team) != add;
                    }
                }
            }
        }
        let result = if add {
            block_on(self.dir.add_team_member(ORG, actor, team, target))
        } else {
            block_on(self.dir.remove_team_member(ORG, actor, team, target))
        };
        if self.judge(what, &(broken, result)) && changes {
            let m = &mut self.model;
            let t = m.member_mut(target);
            if add {
                t.teams.insert(team);
            } else {
                t.teams.remove(&team);
            }
            m.version += 1;
            m.events += 1;
        }
    }

    /// The stored state agrees with the model, and the invariants hold on it.
    fn check(&mut self, what: &str) {
        let state: Arc<OrgState> = block_on(self.dir.snapshot(ORG)).unwrap();
        let events = block_on(self.dir.store().audit(ORG)).unwrap();
        let m = &self.model;

        let stored: Vec<_> = state
            .members
            .values()
            .map(|x| {
                (
                    x.id,
                    x.email.clone(),
                    x.role.as_str().to_owned(),
                    x.status,
                    x.teams.clone(),
                )
            })
            .collect();
        let modelled: Vec<_> = m
            .members
            .iter()
            .map(|x| {
                let status = if x.active {
                    MemberStatus::Active
                } else {
                    MemberStatus::Disabled
                };
                let teams: Vec<TeamId> = x.teams.iter().copied().collect();
                (x.id, x.email.clone(), x.role.to_owned(), status, teams)
            })
            .collect();
        assert_eq!(stored, modelled, "after {what}: members differ");

        let stored: Vec<_> = state
            .invitations
            .values()
            .map(|i| (i.id, i.email.clone(), i.role.as_str().to_owned(), i.state))
            .collect();
        let modelled: Vec<_> = m
            .invitations
            .iter()
            .map(|i| (i.id, i.email.clone(), i.role.to_owned(), i.state))
            .collect();
        assert_eq!(stored, modelled, "after {what}: invitations differ");

        let stored: Vec<_> = state
            .teams
            .values()
            .map(|t| (t.id, t.code.clone(), t.name.clone()))
            .collect();
        let modelled: Vec<_> = m
            .teams
            .iter()
            .map(|t| (t.id, t.code.map(str::to_owned), t.name.to_owned()))
            .collect();
        assert_eq!(stored, modelled, "after {what}: teams differ");

        assert_eq!(state.version, m.version, "after {what}: version");
        assert_eq!(events.len(), m.events, "after {what}: audit events");

        // The invariants, on the stored state alone.
        let now = Timestamp(m.now);
        assert!(
            state.seats_used(now) <= m.seats as u64,
            "after {what}: {} seats used of {}",
            state.seats_used(now),
            m.seats
        );
        if let Some(unique) = m.rules.roles.iter().find(|r| r.unique) {
            let holders = state
                .members
                .values()
                .filter(|x| x.role.as_str() == unique.key)
                .count();
            assert_eq!(
                holders, 1,
                "after {what}: {holders} holders of the unique role"
            );
        }
        if let Some((key, min)) = m.rules.min_admins {
            let admins = state.active_with_role(key);
            self.most_admins = self.most_admins.max(admins);
            assert!(admins >= 1, "after {what}: no active `{key}` left");
            assert!(
                admins >= self.most_admins.min(min),
                "after {what}: {admins} active `{key}` after there were {}",
                self.most_admins
            );
        }
    }
}

fn run(rules: &'static Rules, seats: u32, ops: &[Op]) {
    let mut sim = Sim::new(rules, seats);
    for op in ops {
        sim.step(op);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn helpdesk_directory_agrees_with_the_model(
        seats in 2u32..8,
        ops in proptest::collection::vec(op(), 1..=30),
    ) {
        run(&HELPDESK, seats, &ops);
    }

    #[test]
    fn workspace_directory_agrees_with_the_model(
        seats in 2u32..8,
        ops in proptest::collection::vec(op(), 1..=30),
    ) {
        run(&WORKSPACE, seats, &ops);
    }
}

/// The generated sequences are not vacuous: over a fixed stream of them, every
/// kind of operation both succeeds and is refused, and every rule of the model
/// refuses something.
#[test]
fn generated_sequences_reach_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let sequences = proptest::collection::vec(op(), 1..=30);
    let mut seen = BTreeSet::new();
    for rules in [&HELPDESK, &WORKSPACE] {
        for _ in 0..256 {
            let ops = sequences.new_tree(&mut runner).unwrap().current();
            let mut sim = Sim::new(rules, 5);
            for op in &ops {
                sim.step(op);
            }
            seen.extend(sim.seen);
        }
    }
    let kinds = [
        "Join",
        "Invite",
        "Link",
        "Accept",
        "Revoke",
        "Reissue",
        "ChangeRole",
        "Remove",
        "SetStatus",
        "Transfer",
        "CreateTeam",
        "AddToTeam",
        "RemoveFromTeam",
    ];
    for kind in kinds {
        assert!(
            seen.contains(&(kind.to_owned(), None)),
            "{kind} never succeeded"
        );
        assert!(
            seen.iter().any(|(k, r)| k == kind && r.is_some()),
            "{kind} was never refused"
        );
    }
    use Rule::*;
    for rule in [
        UnknownMember,
        UnknownTeam,
        Disabled,
        Permission,
        TeamReach,
        OwnRole,
        OwnerProtected,
        UniqueRole,
        NotOwner,
        TargetExceeds,
        RoleExceeds,
        Profile,
        TooFewAdmins,
        Seats,
        BadAddress,
        InvalidInput,
        Used,
        Revoked,
        Expired,
        Withdrawn,
        DuplicateTeamCode,
        DuplicateTeamName,
    ] {
        assert!(
            seen.iter().any(|(_, r)| *r == Some(rule)),
            "no operation was refused by {rule:?}"
        );
    }
}
