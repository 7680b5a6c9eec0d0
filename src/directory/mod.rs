//! Directory operations: every change to members, roles, teams, invitations
//! and grants, checked by `can` and the invariants, written atomically with
//! its audit events.
//!
//! Each operation loads the organization, decides in pure code, and commits
//! on condition that the organization's version is still the one it read;
//! on a conflict it reloads and decides again. A refused operation writes
//! nothing.
//!
//! Where each part lives:
//!
//! | file | what |
//! |---|---|
//! | `plan.rs` | reading an organization (kept, caught up, loaded), the `Plan` an operation writes into, the conditional commit and its retries |
//! | `invariant.rs` | the invariants every plan is checked against before it commits |
//! | `organization.rs` | creating an organization; its information, name, settings and seat limit |
//! | `invitations.rs` | invitations by email and link: listed, revoked, reissued, accepted |
//! | `members.rs` | role changes, removal, status, ownership transfer, profiles |
//! | `teams.rs` | teams and their members |
//! | `roles.rs` | the role catalog at runtime |
//! | `knowledge.rs` | knowledge bases at runtime |
//! | `bots.rs` | bots, bot grants and their levels, API keys |
//! | `contacts.rs` | contacts, stored one by one |
//! | `import.rs` | batch import |
//! | `preview.rs` | previews: an operation decided, nothing written, its events and access changes |
//! | `reads.rs` | role counts, the member list, the audit log, actors, snapshots |
//! | `acting.rs` | [`Acting`]: the acting member named once, for operations on another member |
//! | `clock.rs`, `secret.rs`, `email.rs`, `text.rs`, `error.rs`, `orgs.rs` | the clock, secrets, addresses, text fields, errors, the kept organizations |

mod acting;
mod bots;
pub(crate) mod cache;
mod clock;
mod contacts;
mod email;
mod error;
#[cfg(feature = "import")]
mod import;
mod invariant;
mod invitations;
mod knowledge;
mod members;
mod organization;
mod orgs;
mod plan;
mod preview;
mod reads;
mod roles;
mod secret;
mod teams;
mod text;

pub use crate::record::ApiKeyInfo;
use crate::record::{
    ApiKey, AuditCursor, AuditEvent, AuditValue, Bot, Change, Invitation, InvitationState, Member,
    OrgState, Organization, StoredKnowledgeBase, Timestamp,
};
pub use acting::Acting;
pub use bots::{IssuedApiKey, BOT_PERMISSIONS, KEY_PERMISSIONS};
pub use cache::{ActorCache, DEFAULT_ACTOR_CACHE_CAPACITY};
pub use clock::{Clock, ManualClock, SystemClock};
pub use contacts::{AttributeChange, MAX_CONTACT_ATTRIBUTES, MAX_CONTACT_HISTORY_PAGE};
pub use error::{
    AddressProblem, BadAddress, DirectoryError, ImportProblem, RowError, LISTED_IN_MESSAGE,
};
#[cfg(feature = "import")]
#[cfg_attr(docsrs, doc(cfg(feature = "import")))]
pub use import::{import_template, ImportMode, ImportReport};
pub use orgs::DEFAULT_CACHED_ORGANIZATIONS;
use plan::Plan;
pub use preview::{AccessChange, Preview};
pub use text::MAX_TEXT_CHARS;

use crate::model::action::Action;
use crate::model::actor::{Actor, MemberActor, MemberStatus};
use crate::model::catalog::Catalog;
use crate::model::eval::can;
use crate::model::id::{ApiKeyId, BotId, InvitationId, KnowledgeBaseId, MemberId, OrgId, TeamId};
use crate::model::resource::Resource;
use crate::model::role::{Role, RoleKey};
use crate::model::team::Team;
use crate::store::{Commit, Store, StoreError};
use indexmap::IndexMap;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// How many times an operation reloads and retries after a version conflict.
const MAX_ATTEMPTS: usize = 128;

/// The largest organization id a store holds (SQL stores keep ids as signed
/// 64-bit integers): checked when an organization is created, so that every
/// store accepts the same ids.
const MAX_STORED_ID: u64 = i64::MAX as u64;

/// The most commits a directory applies from the change log to catch up;
/// further behind, it loads the organization whole.
const MAX_CATCH_UP: usize = 1_000;

/// Whether the records a caught-up state got from the log fit it: their
/// roles are in the catalog and their members' teams exist. A log that does
/// not fit is not trusted; the organization is loaded from its rows, which
/// the store checks strictly.
fn fits(state: &OrgState, commits: &[crate::record::Committed]) -> bool {
    commits
        .iter()
        .flat_map(|c| &c.changes)
        .all(|change| match change {
            Change::PutMember(m) => {
                state.org.catalog.role(m.role.as_str()).is_some()
                    && m.teams.iter().all(|t| state.teams.contains_key(t))
            }
            Change::PutInvitation(i) => {
                i.state != InvitationState::Pending
                    || state.org.catalog.role(i.role.as_str()).is_some()
            }
            _ => true,
        })
}

/// The most audit events [`Directory::audit_events`] returns at once.
pub const MAX_AUDIT_PAGE: usize = 1_000;

/// Seven days.
const DEFAULT_INVITATION_TTL: u64 = 7 * 24 * 60 * 60;

/// What [`Directory::organization_info`] shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationInfo {
    /// The organization's name.
    pub name: String,
    /// The seats it may use.
    pub seat_limit: u32,
    /// Seats in use: active members and pending invitations.
    pub seats_used: u64,
    /// Seats still free.
    pub seats_left: u64,
    /// The declared settings that are set, by key.
    pub settings: std::collections::BTreeMap<String, String>,
}

/// Profile fields of a member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Email (required for a new member unless an invitation names it).
    pub email: Option<String>,
    /// External user code, unique in the organization.
    pub user_code: Option<String>,
    /// User name.
    pub user_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A change of profile fields: `None` leaves a field as it is,
/// `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// New user code.
    pub user_code: Option<Option<String>>,
    /// New user name.
    pub user_name: Option<Option<String>>,
    /// New display name.
    pub display_name: Option<Option<String>>,
    /// New phone.
    pub phone: Option<Option<String>>,
}

/// What a new organization starts with.
#[derive(Clone, Debug)]
pub struct NewOrganization {
    /// The host's id for it.
    pub id: OrgId,
    /// Display name.
    pub name: String,
    /// Its role catalog (a preset or the host's own).
    pub catalog: Catalog,
    /// Seats: active members plus pending invitations never exceed it.
    pub seat_limit: u32,
    /// The founding member.
    pub founder: Profile,
    /// The founder's role when the catalog has no unique (Owner) role; with a
    /// unique role the founder always holds it.
    pub founder_role: Option<RoleKey>,
}

/// An invitation just created: its secret is here once and never again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedInvitation {
    /// The invitation.
    pub id: InvitationId,
    /// The invited email; `None` for a link.
    pub email: Option<String>,
    /// The role it grants.
    pub role: RoleKey,
    /// When it expires.
    pub expires_at: Timestamp,
    /// The one-time secret to deliver (in a link or an email); only its hash is stored.
    pub secret: String,
}

/// The directory of an application: operations over a [`Store`].
///
/// # Examples
///
/// ```
/// # futures_lite_block_on(async {
/// use purview::{preset, Directory, MemoryStore, NewOrganization, OrgId, Profile};
///
/// let dir = Directory::new(MemoryStore::new());
/// let owner = dir.create_organization(NewOrganization {
///     id: OrgId(1),
///     name: "Acme".into(),
///     catalog: preset::helpdesk(),
///     seat_limit: 10,
///     founder: Profile { email: Some("owner@acme.test".into()), ..Profile::default() },
///     founder_role: None,
/// }).await?;
/// let sent = dir.invite(OrgId(1), owner, "a@acme.test, b@acme.test", "agent").await?;
/// assert_eq!(sent.len(), 2);
/// # Ok::<(), purview::DirectoryError>(()) }).unwrap();
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     purview::executor::block_on(f)
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Directory<S, C = SystemClock> {
    store: S,
    clock: C,
    invitation_ttl: u64,
    /// The organizations this directory (and its clones) serves, kept
    /// between operations.
    orgs: Arc<orgs::OrgCache>,
    /// The organization settings the host declares.
    settings: Arc<std::collections::BTreeSet<String>>,
    /// Set on the directory a preview hands its operations: they decide,
    /// record here what they would do, and write nothing.
    preview: Option<preview::PreviewSink>,
}

impl<S: Store> Directory<S> {
    /// A directory over `store` with the system clock.
    #[must_use]
    pub fn new(store: S) -> Self {
        Directory {
            store,
            clock: SystemClock,
            invitation_ttl: DEFAULT_INVITATION_TTL,
            orgs: Arc::new(orgs::OrgCache::new(DEFAULT_CACHED_ORGANIZATIONS)),
            settings: Arc::default(),
            preview: None,
        }
    }
}

impl<S: Store, C: Clock> Directory<S, C> {
    /// A directory over `store` with another clock.
    #[must_use]
    pub fn with_clock(store: S, clock: C) -> Self {
        Directory {
            store,
            clock,
            invitation_ttl: DEFAULT_INVITATION_TTL,
            orgs: Arc::new(orgs::OrgCache::new(DEFAULT_CACHED_ORGANIZATIONS)),
            settings: Arc::default(),
            preview: None,
        }
    }

    /// The same directory with invitations valid for `secs` seconds (default
    /// seven days). A lifetime that would end past [`Timestamp::MAX`] ends
    /// there: `u64::MAX` means "until revoked", on every store alike.
    #[must_use]
    pub fn invitation_ttl(mut self, secs: u64) -> Self {
        self.invitation_ttl = secs;
        self
    }

    /// The same directory with the organization settings the host declares
    /// (seed 001 "Organization Profile Settings", seed 003 "Edit
    /// organization settings"): keys such as `timezone` or `language`,
    /// whose text values members with organization editing set
    /// ([`Directory::set_organization_setting`]) and members with
    /// organization viewing read ([`Directory::organization_info`]). Every
    /// replica of a service declares the same keys. None by default.
    #[must_use]
    pub fn organization_settings(
        mut self,
        keys: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.settings = Arc::new(keys.into_iter().map(Into::into).collect());
        self
    }

    /// The same directory keeping at most `organizations` organizations in
    /// memory between operations (default [`DEFAULT_CACHED_ORGANIZATIONS`];
    /// 0 keeps none and loads every time). The least recently used goes
    /// first; an organization that went is loaded whole when next used.
    /// Clones of a directory share what it keeps.
    #[must_use]
    pub fn cached_organizations(mut self, organizations: usize) -> Self {
        self.orgs = Arc::new(orgs::OrgCache::new(organizations));
        self
    }

    /// How many organizations this directory keeps in memory now.
    #[must_use]
    pub fn organizations_in_memory(&self) -> usize {
        self.orgs.len()
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &S {
        &self.store
    }
}

/// The acting member, as an actor of this organization. A member id of
/// another organization is unknown here.
fn acting(state: &OrgState, actor: MemberId) -> Result<MemberActor, DirectoryError> {
    state
        .actor(actor)
        .ok_or(DirectoryError::UnknownMember(actor))
}

/// An invitation `me` handles (revokes, reissues): their own, or any with
/// invitation management.
fn handled_invitation<'s>(
    state: &'s OrgState,
    me: &MemberActor,
    id: InvitationId,
) -> Result<&'s Invitation, DirectoryError> {
    let inv = state
        .invitations
        .get(&id)
        .ok_or(DirectoryError::UnknownInvitation(id))?;
    if inv.created_by != me.id() {
        require(
            me,
            Action::ManageInvitations,
            &Resource::Organization(state.org.id),
        )?;
    }
    Ok(inv)
}

/// Revokes every invitation pending for `email` but `keep`: the address has
/// been settled (it joined, or its member was removed).
fn settle_pending(
    state: &OrgState,
    plan: &mut Plan,
    action: &str,
    email: &str,
    keep: Option<InvitationId>,
) {
    settle(plan, state.open_invitations(email), action, keep);
}

/// Revokes the invitations among `invitations` still open (pending, expired
/// or not) but `keep`. An address has at most one open invitation: issuing
/// one supersedes the expired ones, joining or leaving settles them all, so
/// that no older invitation can be reissued over the newer state.
fn settle<'i>(
    plan: &mut Plan,
    invitations: impl Iterator<Item = &'i Arc<Invitation>>,
    action: &str,
    keep: Option<InvitationId>,
) {
    for inv in invitations {
        if Some(inv.id) != keep && inv.state == InvitationState::Pending {
            let mut revoked = Invitation::clone(inv);
            revoked.state = InvitationState::Revoked;
            plan.put_invitation(action, revoked);
        }
    }
}

/// Points the invitations of a member who has not joined at `role`, granted
/// now by `by` (who may grant it: the caller checked). Their invitation is
/// what grants them a role when they join.
fn retarget<'i>(
    plan: &mut Plan,
    invitations: impl Iterator<Item = &'i Arc<Invitation>>,
    by: MemberId,
    role: &RoleKey,
    action: &str,
) {
    for i in invitations {
        if i.role != *role {
            let mut next = Invitation::clone(i);
            next.role = role.clone();
            next.created_by = by;
            plan.put_invitation(action, next);
        }
    }
}

/// The action that creates an invitation like `inv`.
fn creating(inv: &Invitation) -> Action {
    if inv.email.is_some() {
        Action::InviteMembers
    } else {
        Action::CreateInvitationLink
    }
}

fn member_in(state: &OrgState, id: MemberId) -> Result<&Member, DirectoryError> {
    state
        .members
        .get(&id)
        .map(|m| &**m)
        .ok_or(DirectoryError::UnknownMember(id))
}

fn role_in<'s>(state: &'s OrgState, key: &str) -> Result<&'s Role, DirectoryError> {
    state
        .org
        .catalog
        .role(key)
        .ok_or_else(|| DirectoryError::UnknownRole(key.to_owned()))
}

fn require(
    actor: &MemberActor,
    action: Action,
    resource: &Resource<'_>,
) -> Result<(), DirectoryError> {
    can(&Actor::Member(actor.clone()), action, resource)
        .into_result()
        .map_err(DirectoryError::Denied)
}

/// Where the policy asks for it, the member's name, display name and phone
/// are filled before their role changes.
fn profile_complete(state: &OrgState, target: &Member) -> Result<(), DirectoryError> {
    if state.org.catalog.policy().profile_required_for_role_change {
        let missing: Vec<&'static str> = [
            ("name", &target.user_name),
            ("display name", &target.display_name),
            ("phone", &target.phone),
        ]
        .into_iter()
        .filter(|(_, v)| v.as_deref().is_none_or(|s| s.trim().is_empty()))
        .map(|(n, _)| n)
        .collect();
        if !missing.is_empty() {
            return Err(DirectoryError::ProfileIncomplete(missing));
        }
    }
    Ok(())
}

/// Nobody edits a member whose role exceeds their own.
fn outranks(me: &MemberActor, target: &Member, target_role: &Role) -> Result<(), DirectoryError> {
    if target.id != me.id() && target_role.grants_beyond(me.role()) {
        Err(DirectoryError::TargetExceedsActor {
            member: target.id,
            role: target_role.key().clone(),
        })
    } else {
        Ok(())
    }
}

fn seats(state: &OrgState, now: Timestamp, needed: u64) -> Result<(), DirectoryError> {
    let limit = u64::from(state.org.seat_limit);
    let available = limit.saturating_sub(state.seats_used(now));
    if needed > available {
        Err(DirectoryError::SeatsExceeded {
            limit: state.org.seat_limit,
            available,
            needed,
        })
    } else {
        Ok(())
    }
}

/// A text field as stored (trimmed, `None` when empty), or why it is refused.
fn field(name: &'static str, value: Option<&str>) -> Result<Option<String>, DirectoryError> {
    value.map_or(Ok(None), |v| {
        text::check(v).map_err(|problem| DirectoryError::InvalidInput {
            field: name,
            problem,
        })
    })
}

/// A text field that may not be empty.
fn required(name: &'static str, value: &str) -> Result<String, DirectoryError> {
    field(name, Some(value))?.ok_or(DirectoryError::InvalidInput {
        field: name,
        problem: "it is empty",
    })
}

fn team_name(name: &str) -> Result<String, DirectoryError> {
    required("team name", name)
}

/// The profile's text fields as stored; the email is checked as an address
/// where it is used.
fn profile_fields(p: &Profile) -> Result<Profile, DirectoryError> {
    Ok(Profile {
        email: p.email.clone(),
        user_code: field("user code", p.user_code.as_deref())?,
        user_name: field("user name", p.user_name.as_deref())?,
        display_name: field("display name", p.display_name.as_deref())?,
        phone: field("phone", p.phone.as_deref())?,
    })
}

fn updated(m: &Member, u: &ProfileUpdate) -> Result<Member, DirectoryError> {
    let mut next = m.clone();
    let set = |slot: &mut Option<String>, name, value: &Option<Option<String>>| {
        if let Some(v) = value {
            *slot = field(name, v.as_deref())?;
        }
        Ok::<(), DirectoryError>(())
    };
    set(&mut next.user_code, "user code", &u.user_code)?;
    set(&mut next.user_name, "user name", &u.user_name)?;
    set(&mut next.display_name, "display name", &u.display_name)?;
    set(&mut next.phone, "phone", &u.phone)?;
    Ok(next)
}
