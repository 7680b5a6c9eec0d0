//! Directory operations: every change to members, roles, teams, invitations
//! and grants, checked by `can` and the invariants, written atomically with
//! its audit events.
//!
//! Each operation loads the organization, decides in pure code, and commits
//! on condition that the organization's version is still the one it read;
//! on a conflict it reloads and decides again. A refused operation writes
//! nothing.

mod bots;
mod contacts;
mod email;
mod error;
#[cfg(feature = "import")]
mod import;
mod invariant;
mod knowledge;
mod orgs;
mod roles;
mod secret;
mod text;

use crate::record::{
    ApiKey, AuditCursor, AuditEvent, Bot, Change, Invitation, InvitationState, Member, OrgState,
    Organization, StoredKnowledgeBase, Timestamp,
};
pub use bots::{ApiKeyInfo, IssuedApiKey, BOT_PERMISSIONS, KEY_PERMISSIONS};
pub use contacts::{AttributeChange, MAX_CONTACT_ATTRIBUTES, MAX_CONTACT_HISTORY_PAGE};
pub use error::{
    AddressProblem, BadAddress, DirectoryError, ImportProblem, RowError, LISTED_IN_MESSAGE,
};
#[cfg(feature = "import")]
pub use import::{import_template, ImportMode, ImportReport};
pub use orgs::DEFAULT_CACHED_ORGANIZATIONS;
pub use text::MAX_TEXT_CHARS;

use crate::action::Action;
use crate::actor::{Actor, MemberActor, MemberStatus};
use crate::catalog::Catalog;
use crate::decision::Decision;
use crate::eval::can;
use crate::id::{ApiKeyId, BotId, InvitationId, KnowledgeBaseId, MemberId, OrgId, TeamId};
use crate::resource::Resource;
use crate::role::{Role, RoleKey};
use crate::store::{Commit, Store, StoreError};
use crate::team::Team;
use indexmap::IndexMap;
use serde::Serialize;
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

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }
}

/// A clock that tells the time it is set to (for tests and simulations).
#[derive(Clone, Debug, Default)]
pub struct ManualClock(Arc<std::sync::atomic::AtomicU64>);

impl ManualClock {
    /// A clock at `now`.
    #[must_use]
    pub fn new(now: Timestamp) -> Self {
        ManualClock(Arc::new(std::sync::atomic::AtomicU64::new(now.0)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
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
/// #     purview::block_on(f)
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

    /// The organization's current state: the one kept in memory if the
    /// store says nothing changed since; brought up to date from the
    /// store's change log if it is behind (both in one read,
    /// [`Store::updates`]); loaded whole when nothing is kept or the log
    /// cannot bring it up to date. A store that shares its own state
    /// ([`Store::shares_state`]) is read directly.
    async fn current(&self, org: OrgId) -> Result<Option<Arc<OrgState>>, DirectoryError> {
        if self.store.shares_state() || self.orgs.capacity() == 0 {
            return Ok(self.store.load(org).await?);
        }
        if let Some(kept) = self.orgs.get(org) {
            let behind = kept.version;
            let updates = self.store.updates(org, behind, MAX_CATCH_UP).await?;
            if updates.version == 0 {
                self.orgs.remove(org);
                return Ok(None);
            }
            if updates.version == behind {
                return Ok(Some(kept));
            }
            drop(kept);
            if let (true, Some(commits)) = (updates.version > behind, updates.commits) {
                if let Some(state) = self.catch_up(org, behind, updates.version, &commits) {
                    return Ok(Some(state));
                }
            }
        }
        let state = self.store.load(org).await?;
        match &state {
            Some(state) => self.orgs.put(org, Arc::clone(state)),
            None => self.orgs.remove(org),
        }
        Ok(state)
    }

    /// Applies `commits` (those after `behind`) to the kept state; `None`
    /// when they do not bring it to `version` or another task moved it
    /// meanwhile (the caller loads the organization whole).
    fn catch_up(
        &self,
        org: OrgId,
        behind: u64,
        version: u64,
        commits: &[crate::record::Committed],
    ) -> Option<Arc<OrgState>> {
        let consecutive = commits
            .iter()
            .enumerate()
            .all(|(i, c)| c.version == behind + 1 + i as u64);
        if !consecutive || commits.last().is_none_or(|c| c.version < version) {
            return None;
        }
        let mut state = self.orgs.take(org)?;
        // Another task may have brought it forward meanwhile.
        if state.version >= version {
            self.orgs.put(org, Arc::clone(&state));
            return Some(state);
        }
        if state.version < behind {
            self.orgs.put(org, state);
            return None;
        }
        let from = state.version;
        let next = Arc::make_mut(&mut state);
        for commit in commits.iter().filter(|c| c.version > from) {
            for change in &commit.changes {
                next.apply(change);
            }
            next.version = commit.version;
        }
        if !fits(next, commits) {
            // A logged record the catalog does not know: the rows decide.
            return None;
        }
        self.orgs.put(org, Arc::clone(&state));
        Some(state)
    }

    /// After a commit from `read` to `committed`, the kept state moves with it.
    fn remember(&self, org: OrgId, read: u64, committed: u64, changes: &[Change]) {
        if self.store.shares_state() {
            return;
        }
        if let Some(mut state) = self.orgs.take(org) {
            if state.version == read {
                let next = Arc::make_mut(&mut state);
                for change in changes {
                    next.apply(change);
                }
                next.version = committed;
            }
            self.orgs.put(org, state);
        }
    }

    /// The clock's time, no later than [`Timestamp::MAX`].
    fn now(&self) -> Timestamp {
        self.clock.now().min(Timestamp::MAX)
    }

    /// Loads, decides, checks invariants, commits on the version read; retries on conflict.
    async fn run<T, F>(
        &self,
        org: OrgId,
        actor: Option<MemberId>,
        op: F,
    ) -> Result<T, DirectoryError>
    where
        F: Fn(&OrgState, &mut Plan) -> Result<T, DirectoryError> + Send + Sync,
        T: Send,
    {
        self.run_mode(org, actor, false, op).await
    }

    /// As `run`; with `dry`, stops after the checks and writes nothing.
    async fn run_mode<T, F>(
        &self,
        org: OrgId,
        actor: Option<MemberId>,
        dry: bool,
        op: F,
    ) -> Result<T, DirectoryError>
    where
        F: Fn(&OrgState, &mut Plan) -> Result<T, DirectoryError> + Send + Sync,
        T: Send,
    {
        for _ in 0..MAX_ATTEMPTS {
            let state = self
                .current(org)
                .await?
                .ok_or(DirectoryError::UnknownOrganization(org))?;
            let now = self.now();
            let mut plan = Plan::new(&state, now, actor);
            let out = op(&state, &mut plan)?;
            invariant::check(&plan, now)?;
            if dry || plan.changes.is_empty() {
                return Ok(out);
            }
            let version = state.version;
            let (changes, events) = plan.finish(org, version + 1);
            // Nothing here holds the snapshot any more: a store that shares
            // it copy-on-write can update it in place.
            drop(state);
            let commit = Commit {
                org,
                expected_version: Some(version),
                changes: &changes,
                events: &events,
            };
            match self.store.commit(commit).await {
                Ok(committed) => {
                    self.remember(org, version, committed, &changes);
                    return Ok(out);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DirectoryError::Contended)
    }

    /// Reads without writing.
    async fn read<T, F>(&self, org: OrgId, op: F) -> Result<T, DirectoryError>
    where
        F: FnOnce(&OrgState, Timestamp) -> Result<T, DirectoryError> + Send,
    {
        let state = self
            .current(org)
            .await?
            .ok_or(DirectoryError::UnknownOrganization(org))?;
        op(&state, self.now())
    }

    /// Creates an organization with its catalog, seat limit and founder. The
    /// founder holds the catalog's unique role (the Owner) if it has one, and
    /// `founder_role` otherwise.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::OrganizationExists`]; [`DirectoryError::BadAddresses`]
    /// for the founder's email; [`DirectoryError::UnknownRole`] when no founder
    /// role can be chosen; [`DirectoryError::SeatsExceeded`] for a zero limit;
    /// [`DirectoryError::InvalidInput`] for an id beyond 2^63 − 1 (what every
    /// store holds), an empty name, or a text field with a control character
    /// or longer than [`MAX_TEXT_CHARS`].
    pub async fn create_organization(
        &self,
        new: NewOrganization,
    ) -> Result<MemberId, DirectoryError> {
        if new.id.get() > MAX_STORED_ID {
            return Err(DirectoryError::InvalidInput {
                field: "organization id",
                problem: "it is beyond 2^63 - 1, which stores cannot hold",
            });
        }
        if self.store.version(new.id).await? > 0 {
            return Err(DirectoryError::OrganizationExists(new.id));
        }
        let role = match (new.catalog.unique_role(), &new.founder_role) {
            (Some(unique), _) => unique.key().clone(),
            (None, Some(key)) if new.catalog.role(key.as_str()).is_some() => key.clone(),
            (None, key) => {
                return Err(DirectoryError::UnknownRole(
                    key.as_ref()
                        .map_or_else(String::new, |k| k.as_str().to_owned()),
                ))
            }
        };
        let email = email::check(new.founder.email.as_deref().unwrap_or(""))
            .map_err(|b| DirectoryError::BadAddresses(vec![b]))?;
        let founder = profile_fields(&new.founder)?;
        let name = required("organization name", &new.name)?;
        let organization = Organization {
            id: new.id,
            name,
            catalog: Arc::new(new.catalog),
            seat_limit: new.seat_limit,
            settings: Default::default(),
        };
        let before = OrgState::new(organization.clone());
        let now = self.now();
        let mut plan = Plan::new(&before, now, None);
        let id = MemberId(plan.new_id(0));
        plan.actor = Some(id);
        plan.changes.push(Change::CreateOrganization(organization));
        plan.put_member(
            "create_organization",
            Member {
                id,
                email,
                user_code: founder.user_code,
                user_name: founder.user_name,
                display_name: founder.display_name,
                phone: founder.phone,
                role,
                teams: Vec::new(),
                bots: Vec::new(),
                bot_levels: Vec::new(),
                status: MemberStatus::Active,
            },
        );
        invariant::check(&plan, now)?;
        let (changes, events) = plan.finish(new.id, 1);
        self.store
            .commit(Commit {
                org: new.id,
                expected_version: None,
                changes: &changes,
                events: &events,
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict => DirectoryError::OrganizationExists(new.id),
                e => e.into(),
            })?;
        Ok(id)
    }

    /// Invites one or many addresses (one per line or separated by commas;
    /// trimmed; duplicates dropped) to `role`. All or nothing: if any address
    /// is invalid or taken, or the seats do not suffice, nothing is created and
    /// every bad address is reported.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] (member management, or a role exceeding the
    /// actor's), [`DirectoryError::NoAddresses`],
    /// [`DirectoryError::BadAddresses`], [`DirectoryError::SeatsExceeded`],
    /// [`DirectoryError::UnknownRole`].
    pub async fn invite(
        &self,
        org: OrgId,
        actor: MemberId,
        emails: &str,
        role: &str,
    ) -> Result<Vec<IssuedInvitation>, DirectoryError> {
        let addresses = email::split(emails);
        let ttl = self.invitation_ttl;
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            let role = role_in(state, role)?;
            require(
                &me,
                Action::InviteMembers,
                &Resource::Invitation { org, role },
            )?;
            if addresses.is_empty() {
                return Err(DirectoryError::NoAddresses);
            }
            // Each address is looked up in the state's index: the cost
            // follows the addresses given, not the organization.
            let now = plan.now;
            let invited = |e: &str| state.open_invitations(e).any(|i| i.is_pending(now));
            let mut bad = Vec::new();
            let mut good = Vec::new();
            for a in &addresses {
                match email::check(a) {
                    Err(b) => bad.push(b),
                    Ok(e) => {
                        let problem = if state.member_by_email(&e).is_some() {
                            Some(AddressProblem::AlreadyMember)
                        } else if invited(e.as_str()) {
                            Some(AddressProblem::AlreadyInvited)
                        } else {
                            None
                        };
                        match problem {
                            Some(problem) => bad.push(BadAddress {
                                address: a.clone(),
                                problem,
                            }),
                            None => good.push(e),
                        }
                    }
                }
            }
            if !bad.is_empty() {
                return Err(DirectoryError::BadAddresses(bad));
            }
            seats(state, plan.now, good.len() as u64)?;
            good.into_iter()
                .map(|e| {
                    // Expired invitations of the address are superseded.
                    settle(
                        plan,
                        state.open_invitations(&e),
                        "supersede_invitation",
                        None,
                    );
                    plan.issue(org, me.id(), Some(e), role.key().clone(), ttl)
                })
                .collect()
        })
        .await
    }

    /// Creates an invitation link for `role`: anyone holding it may join once
    /// before it expires. It holds a seat while pending.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] (no link permission, a role exceeding the
    /// actor's, the unique role), [`DirectoryError::SeatsExceeded`],
    /// [`DirectoryError::UnknownRole`].
    pub async fn create_invitation_link(
        &self,
        org: OrgId,
        actor: MemberId,
        role: &str,
    ) -> Result<IssuedInvitation, DirectoryError> {
        let ttl = self.invitation_ttl;
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            let role = role_in(state, role)?;
            require(
                &me,
                Action::CreateInvitationLink,
                &Resource::Invitation { org, role },
            )?;
            seats(state, plan.now, 1)?;
            plan.issue(org, me.id(), None, role.key().clone(), ttl)
        })
        .await
    }

    /// Every invitation of the organization (pending, accepted, revoked), in
    /// creation order. Secrets are never included.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without invitation management.
    pub async fn list_invitations(
        &self,
        org: OrgId,
        actor: MemberId,
    ) -> Result<Vec<Arc<Invitation>>, DirectoryError> {
        self.read(org, |state, _| {
            let me = acting(state, actor)?;
            require(&me, Action::ManageInvitations, &Resource::Organization(org))?;
            Ok(state.invitations.values().cloned().collect())
        })
        .await
    }

    /// Revokes a pending invitation. Its creator may revoke it, and so may
    /// anyone with invitation management. When the invitation is that of a
    /// member created by an import who has not joined, the member is removed
    /// with it — which needs the right to remove them (member removal, not
    /// the Owner, not a member whose role exceeds the actor's), whoever
    /// created the invitation.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::UnknownInvitation`],
    /// [`DirectoryError::InvitationUsed`], [`DirectoryError::InvitationRevoked`],
    /// [`DirectoryError::OwnerProtected`] and
    /// [`DirectoryError::TargetExceedsActor`] for the member it would remove.
    pub async fn revoke_invitation(
        &self,
        org: OrgId,
        actor: MemberId,
        id: InvitationId,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            let inv = handled_invitation(state, &me, id)?;
            if inv.created_by == me.id() && !me.is_enabled() {
                return Err(DirectoryError::Denied(
                    crate::decision::Reason::ActorDisabled,
                ));
            }
            match inv.state {
                InvitationState::Accepted => return Err(DirectoryError::InvitationUsed),
                InvitationState::Revoked => return Err(DirectoryError::InvitationRevoked),
                InvitationState::Pending => {}
            }
            let mut next = Invitation::clone(inv);
            next.state = InvitationState::Revoked;
            plan.put_invitation("revoke_invitation", next);
            // A member created by an import who never joined goes with the
            // invitation: that is a removal, and needs the right to remove
            // them, whoever created the invitation.
            let invited = inv
                .email
                .as_deref()
                .and_then(|e| state.member_by_email(e))
                .filter(|m| m.status == MemberStatus::Invited);
            if let Some(m) = invited {
                require(
                    &me,
                    Action::RemoveMember,
                    &Resource::Member { org, member: m.id },
                )?;
                let role = role_in(state, m.role.as_str())?;
                if role.is_unique() {
                    return Err(DirectoryError::OwnerProtected);
                }
                outranks(&me, m, role)?;
                plan.delete_member("revoke_invitation", m.id);
                settle_pending(state, plan, "revoke_invitation", &m.email, Some(inv.id));
            }
            Ok(())
        })
        .await
    }

    /// Sends an invitation again: the old one is revoked (its secret stops
    /// working) and a new one for the same address (or link) and role is
    /// issued by `actor`, with a fresh secret and a full lifetime. An expired
    /// invitation can be reissued too — this is how a member created by an
    /// import whose invitation lapsed is invited again; the member and the
    /// import's data stay.
    ///
    /// The actor must be allowed to create such an invitation now (invite by
    /// email, or create a link, for a role that does not exceed their own);
    /// reissuing someone else's invitation also needs invitation management.
    /// A pending invitation hands its seat to the new one; an expired one
    /// needs a free seat.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::UnknownInvitation`],
    /// [`DirectoryError::InvitationUsed`], [`DirectoryError::InvitationRevoked`],
    /// [`DirectoryError::BadAddresses`] when the address has become a member,
    /// [`DirectoryError::SeatsExceeded`], [`DirectoryError::UnknownRole`].
    pub async fn reissue_invitation(
        &self,
        org: OrgId,
        actor: MemberId,
        id: InvitationId,
    ) -> Result<IssuedInvitation, DirectoryError> {
        let ttl = self.invitation_ttl;
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            let inv = handled_invitation(state, &me, id)?;
            let role = role_in(state, inv.role.as_str())?;
            require(&me, creating(inv), &Resource::Invitation { org, role })?;
            match inv.state {
                InvitationState::Accepted => return Err(DirectoryError::InvitationUsed),
                InvitationState::Revoked => return Err(DirectoryError::InvitationRevoked),
                InvitationState::Pending => {}
            }
            if let Some(email) = &inv.email {
                let joined = state
                    .member_by_email(email)
                    .is_some_and(|m| m.status != MemberStatus::Invited);
                // An address has at most one pending invitation: an expired
                // one is not reissued over a newer one.
                let invited = state
                    .open_invitations(email)
                    .any(|i| i.id != inv.id && i.is_pending(plan.now));
                if joined || invited {
                    return Err(DirectoryError::BadAddresses(vec![BadAddress {
                        address: email.clone(),
                        problem: if joined {
                            AddressProblem::AlreadyMember
                        } else {
                            AddressProblem::AlreadyInvited
                        },
                    }]));
                }
            }
            seats(state, plan.now, u64::from(!inv.is_pending(plan.now)))?;
            let mut old = Invitation::clone(inv);
            old.state = InvitationState::Revoked;
            plan.put_invitation("reissue_invitation", old);
            if let Some(email) = &inv.email {
                settle_pending(state, plan, "supersede_invitation", email, Some(inv.id));
            }
            plan.issue(org, me.id(), inv.email.clone(), inv.role.clone(), ttl)
        })
        .await
    }

    /// Accepts an invitation with its secret and creates the member, with
    /// the role the invitation names. Single use: of concurrent acceptances
    /// of one invitation, exactly one succeeds.
    ///
    /// An email invitation uses its own address (`profile.email` is
    /// ignored); if an import created a member for that address, that member
    /// joins, keeping the import's data. A link needs `profile.email`, and
    /// always creates a new member: an address that belongs to any member —
    /// one created by an import and not yet joined included — is refused, so
    /// a link never selects an existing record. **The address given with a
    /// link is only the newcomer's claim: the host must verify it (a
    /// confirmation email) before trusting it.** Accepting an invitation
    /// revokes every other invitation pending for the same address.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::InvitationInvalid`] for a malformed or wrong secret,
    /// [`DirectoryError::InvitationExpired`], [`DirectoryError::InvitationUsed`],
    /// [`DirectoryError::InvitationRevoked`],
    /// [`DirectoryError::InvitationWithdrawn`] when its creator may no longer
    /// grant it (removed, disabled, or demoted below its role),
    /// [`DirectoryError::BadAddresses`], [`DirectoryError::DuplicateUserCode`],
    /// [`DirectoryError::InvalidInput`] for a profile field with a control
    /// character or longer than [`MAX_TEXT_CHARS`].
    pub async fn accept_invitation(
        &self,
        secret: &str,
        profile: Profile,
    ) -> Result<(OrgId, MemberId), DirectoryError> {
        let (org, id) = secret::ids(secret).ok_or(DirectoryError::InvitationInvalid)?;
        let hash = secret::hash(secret);
        let profile = profile_fields(&profile)?;
        let org_exists = self.store.version(org).await? > 0;
        if !org_exists {
            return Err(DirectoryError::InvitationInvalid);
        }
        self.run(org, None, |state, plan| {
            let inv = state
                .invitations
                .get(&id)
                .ok_or(DirectoryError::InvitationInvalid)?;
            if !secret::equal(&inv.secret_hash, &hash) {
                return Err(DirectoryError::InvitationInvalid);
            }
            match inv.state {
                InvitationState::Accepted => return Err(DirectoryError::InvitationUsed),
                InvitationState::Revoked => return Err(DirectoryError::InvitationRevoked),
                InvitationState::Pending if !inv.is_pending(plan.now) => {
                    return Err(DirectoryError::InvitationExpired)
                }
                InvitationState::Pending => {}
            }
            let email = match &inv.email {
                Some(e) => e.clone(),
                None => email::check(profile.email.as_deref().unwrap_or(""))
                    .map_err(|b| DirectoryError::BadAddresses(vec![b]))?,
            };
            let role = role_in(state, inv.role.as_str())?;
            // The creator must still be able to grant what the invitation
            // grants: a demoted, disabled or removed creator's invitations
            // grant nothing.
            let backing = match state.actor(inv.created_by) {
                None => Err(None),
                Some(creator) => match can(
                    &Actor::Member(creator),
                    creating(inv),
                    &Resource::Invitation { org, role },
                ) {
                    Decision::Allowed => Ok(()),
                    Decision::Denied(reason) => Err(Some(reason)),
                },
            };
            if let Err(reason) = backing {
                return Err(DirectoryError::InvitationWithdrawn {
                    creator: inv.created_by,
                    reason,
                });
            }
            // A link never displaces the invitation issued for an address.
            let named = state
                .open_invitations(&email)
                .any(|i| i.id != inv.id && i.is_pending(plan.now));
            if inv.email.is_none() && named && state.member_by_email(&email).is_none() {
                return Err(DirectoryError::BadAddresses(vec![BadAddress {
                    address: email,
                    problem: AddressProblem::AlreadyInvited,
                }]));
            }
            let mut accepted = Invitation::clone(inv);
            accepted.state = InvitationState::Accepted;
            // Accepting one invitation settles every other one still open for
            // the address: it now belongs to a member.
            settle_pending(state, plan, "accept_invitation", &email, Some(inv.id));
            match state.member_by_email(&email) {
                // A link creates a new member and never selects an existing
                // record: the address it is accepted with is only the
                // newcomer's claim. A member created by an import joins only
                // through the invitation issued for their own address.
                Some(existing)
                    if existing.status != MemberStatus::Invited || inv.email.is_none() =>
                {
                    Err(DirectoryError::BadAddresses(vec![BadAddress {
                        address: email,
                        problem: AddressProblem::AlreadyMember,
                    }]))
                }
                Some(existing) => {
                    // The import's data stays, the newcomer fills what it left
                    // empty; the role is the one the invitation names.
                    plan.actor = Some(existing.id);
                    plan.put_invitation("accept_invitation", accepted);
                    let mut joined = Member::clone(existing);
                    joined.status = MemberStatus::Active;
                    joined.role = inv.role.clone();
                    joined.user_code = joined.user_code.or(profile.user_code.clone());
                    joined.user_name = joined.user_name.or(profile.user_name.clone());
                    joined.display_name = joined.display_name.or(profile.display_name.clone());
                    joined.phone = joined.phone.or(profile.phone.clone());
                    let id = joined.id;
                    plan.put_member("accept_invitation", joined);
                    Ok((org, id))
                }
                None => {
                    let member = MemberId(plan.new_id(1));
                    plan.actor = Some(member);
                    plan.put_invitation("accept_invitation", accepted);
                    plan.put_member(
                        "accept_invitation",
                        Member {
                            id: member,
                            email,
                            user_code: profile.user_code.clone(),
                            user_name: profile.user_name.clone(),
                            display_name: profile.display_name.clone(),
                            phone: profile.phone.clone(),
                            role: inv.role.clone(),
                            teams: Vec::new(),
                            bots: Vec::new(),
                            bot_levels: Vec::new(),
                            status: MemberStatus::Active,
                        },
                    );
                    Ok((org, member))
                }
            }
        })
        .await
    }

    /// Changes a member's role.
    ///
    /// Refused when: the actor may not change roles; it is the actor's own
    /// role; the member holds the unique role, or the new role is unique (use
    /// [`Directory::transfer_ownership`]); the member's role or the new role
    /// exceeds the actor's; the catalog requires a filled profile and the
    /// member's name, display name or phone is empty; it would leave too few
    /// Admins. A member created by an import who has not joined yet gets the
    /// new role through their invitation, which now grants it on the actor's
    /// authority: that also needs the right to invite to the role.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::OwnRole`],
    /// [`DirectoryError::OwnerProtected`], [`DirectoryError::UniqueRole`],
    /// [`DirectoryError::TargetExceedsActor`], [`DirectoryError::RoleExceedsOwn`],
    /// [`DirectoryError::ProfileIncomplete`], [`DirectoryError::TooFewAdmins`],
    /// [`DirectoryError::UnknownMember`], [`DirectoryError::UnknownRole`].
    pub async fn change_role(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
        role: &str,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(
                &me,
                Action::ChangeMemberRole,
                &Resource::Member { org, member },
            )?;
            let target = member_in(state, member)?;
            if member == actor {
                return Err(DirectoryError::OwnRole);
            }
            let new_role = role_in(state, role)?;
            let old_role = role_in(state, target.role.as_str())?;
            if old_role.is_unique() {
                return Err(DirectoryError::OwnerProtected);
            }
            if new_role.is_unique() {
                return Err(DirectoryError::UniqueRole(new_role.key().clone()));
            }
            outranks(&me, target, old_role)?;
            if new_role.exceeds(me.role()) {
                return Err(DirectoryError::RoleExceedsOwn(new_role.key().clone()));
            }
            profile_complete(state, target)?;
            if target.role == *new_role.key() {
                return Ok(());
            }
            if target.status == MemberStatus::Invited {
                // A member who has not joined gets their role from their
                // invitation: changing it grants the invitation anew, which
                // needs the right to invite to that role.
                require(
                    &me,
                    Action::InviteMembers,
                    &Resource::Invitation {
                        org,
                        role: new_role,
                    },
                )?;
                let open = state.open_invitations(&target.email);
                retarget(plan, open, me.id(), new_role.key(), "change_role");
            }
            let mut next = Member::clone(target);
            next.role = new_role.key().clone();
            plan.put_member("change_role", next);
            Ok(())
        })
        .await
    }

    /// Removes a member. The Owner cannot be removed; nor can a member whose
    /// role exceeds the actor's; nor the Admins the organization must keep.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::OwnerProtected`],
    /// [`DirectoryError::TargetExceedsActor`], [`DirectoryError::TooFewAdmins`],
    /// [`DirectoryError::UnknownMember`].
    pub async fn remove_member(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::RemoveMember, &Resource::Member { org, member })?;
            let target = member_in(state, member)?;
            let role = role_in(state, target.role.as_str())?;
            if role.is_unique() {
                return Err(DirectoryError::OwnerProtected);
            }
            outranks(&me, target, role)?;
            // An invitation still pending for the removed address would hold a
            // seat and let them back in: it goes with them.
            settle_pending(state, plan, "remove_member", &target.email, None);
            plan.delete_member("remove_member", member);
            Ok(())
        })
        .await
    }

    /// Disables or re-enables a member. A disabled member may do nothing and
    /// holds no seat; enabling needs a seat. Same protections as removal.
    ///
    /// # Errors
    ///
    /// As [`Directory::remove_member`], and [`DirectoryError::SeatsExceeded`].
    pub async fn set_member_status(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
        status: MemberStatus,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::EditMember, &Resource::Member { org, member })?;
            let target = member_in(state, member)?;
            let role = role_in(state, target.role.as_str())?;
            if role.is_unique() {
                return Err(DirectoryError::OwnerProtected);
            }
            outranks(&me, target, role)?;
            if status == MemberStatus::Invited || target.status == MemberStatus::Invited {
                return Err(DirectoryError::InvalidInput {
                    field: "status",
                    problem: "invited members become active by accepting their invitation",
                });
            }
            if target.status == status {
                return Ok(());
            }
            let mut next = Member::clone(target);
            next.status = status;
            plan.put_member("set_member_status", next);
            Ok(())
        })
        .await
    }

    /// Transfers the unique role (ownership): only its holder may, to another
    /// active member; the old holder takes the catalog's successor role (the
    /// helpdesk's Primary Admin).
    ///
    /// # Errors
    ///
    /// [`DirectoryError::NotOwner`], [`DirectoryError::UnknownMember`],
    /// [`DirectoryError::InvalidInput`] (to oneself, to a disabled member, or a
    /// catalog without a successor role).
    pub async fn transfer_ownership(
        &self,
        org: OrgId,
        actor: MemberId,
        to: MemberId,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            if !me.is_enabled() {
                return Err(DirectoryError::Denied(
                    crate::decision::Reason::ActorDisabled,
                ));
            }
            let catalog = &state.org.catalog;
            let unique = catalog.unique_role().ok_or(DirectoryError::NotOwner)?;
            if me.role().key() != unique.key() {
                return Err(DirectoryError::NotOwner);
            }
            let successor =
                catalog
                    .policy()
                    .owner_successor
                    .clone()
                    .ok_or(DirectoryError::InvalidInput {
                        field: "catalog",
                        problem: "the catalog names no role for a former owner",
                    })?;
            let target = member_in(state, to)?;
            if to == actor {
                return Err(DirectoryError::InvalidInput {
                    field: "new owner",
                    problem: "ownership is already the actor's",
                });
            }
            if target.status != MemberStatus::Active {
                return Err(DirectoryError::InvalidInput {
                    field: "new owner",
                    problem: "a disabled member cannot become the owner",
                });
            }
            let mut old = Member::clone(member_in(state, actor)?);
            old.role = successor;
            let mut new = Member::clone(target);
            new.role = unique.key().clone();
            plan.put_member("transfer_ownership", old);
            plan.put_member("transfer_ownership", new);
            Ok(())
        })
        .await
    }

    /// Updates the actor's own profile. Values are trimmed; an update that
    /// changes nothing writes nothing (no new version, no audit event).
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::DuplicateUserCode`],
    /// [`DirectoryError::InvalidInput`] for a value with a control character or
    /// longer than [`MAX_TEXT_CHARS`].
    pub async fn update_own_profile(
        &self,
        org: OrgId,
        actor: MemberId,
        update: ProfileUpdate,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(
                &me,
                Action::EditOwnProfile,
                &Resource::Member { org, member: actor },
            )?;
            let current = member_in(state, actor)?;
            let next = updated(current, &update)?;
            // An update that changes nothing writes nothing.
            if next != *current {
                plan.put_member("update_own_profile", next);
            }
            Ok(())
        })
        .await
    }

    /// Updates another member's profile (member management; not a member whose
    /// role exceeds the actor's). As for one's own profile, an update that
    /// changes nothing writes nothing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::TargetExceedsActor`],
    /// [`DirectoryError::DuplicateUserCode`], [`DirectoryError::UnknownMember`],
    /// [`DirectoryError::InvalidInput`] as for one's own profile.
    pub async fn update_member_profile(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
        update: ProfileUpdate,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::EditMember, &Resource::Member { org, member })?;
            let target = member_in(state, member)?;
            outranks(&me, target, role_in(state, target.role.as_str())?)?;
            let next = updated(target, &update)?;
            if next != *target {
                plan.put_member("update_member_profile", next);
            }
            Ok(())
        })
        .await
    }

    /// Creates a team; code and name are each unique in the organization.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::DuplicateTeamCode`],
    /// [`DirectoryError::DuplicateTeamName`], [`DirectoryError::InvalidInput`]
    /// for an empty name, or a code or name with a control character or longer
    /// than [`MAX_TEXT_CHARS`].
    pub async fn create_team(
        &self,
        org: OrgId,
        actor: MemberId,
        code: Option<&str>,
        name: &str,
    ) -> Result<TeamId, DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::CreateTeam, &Resource::Organization(org))?;
            let id = TeamId(plan.new_id(2));
            plan.put_team(
                "create_team",
                Team {
                    id,
                    org,
                    code: field("team code", code)?,
                    name: team_name(name)?,
                },
            );
            Ok(id)
        })
        .await
    }

    /// What a member may see of the organization (seed 003 "View
    /// organization info"; seed 001 "Check the remaining available seats"):
    /// its name, seat limit and the seats in use now.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without the organization-view permission;
    /// [`DirectoryError::UnknownOrganization`], [`DirectoryError::UnknownMember`].
    pub async fn organization_info(
        &self,
        org: OrgId,
        actor: MemberId,
    ) -> Result<OrganizationInfo, DirectoryError> {
        self.read(org, |state, now| {
            let me = acting(state, actor)?;
            require(&me, Action::ViewOrganization, &Resource::Organization(org))?;
            let seats_used = state.seats_used(now);
            Ok(OrganizationInfo {
                name: state.org.name.clone(),
                seat_limit: state.org.seat_limit,
                seats_used,
                seats_left: u64::from(state.org.seat_limit).saturating_sub(seats_used),
                settings: state
                    .org
                    .settings
                    .iter()
                    .filter(|(k, _)| self.settings.contains(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
        })
        .await
    }

    /// Renames the organization (seed 001 "Organization Profile Settings",
    /// seed 003 "Edit organization settings"). A rename that changes nothing
    /// writes nothing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without the organization-edit permission;
    /// [`DirectoryError::InvalidInput`] for an empty name or one with a
    /// control character or longer than [`MAX_TEXT_CHARS`].
    pub async fn rename_organization(
        &self,
        org: OrgId,
        actor: MemberId,
        name: &str,
    ) -> Result<(), DirectoryError> {
        let name = required("organization name", name)?;
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::EditOrganization, &Resource::Organization(org))?;
            if name != state.org.name {
                plan.set_organization("rename_organization", name.clone(), state.org.seat_limit);
            }
            Ok(())
        })
        .await
    }

    /// Sets (or with `None` clears) one of the settings the host declares
    /// ([`Directory::organization_settings`]), with organization editing. A
    /// change that changes nothing writes nothing; the audit event shows the
    /// setting before and after.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without organization editing;
    /// [`DirectoryError::UnknownSetting`] for a key the host did not
    /// declare; [`DirectoryError::InvalidInput`] for a value with a control
    /// character or longer than [`MAX_TEXT_CHARS`] (a blank value clears
    /// the setting).
    pub async fn set_organization_setting(
        &self,
        org: OrgId,
        actor: MemberId,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), DirectoryError> {
        if !self.settings.contains(key) {
            return Err(DirectoryError::UnknownSetting(key.to_owned()));
        }
        let value = field("setting value", value)?;
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::EditOrganization, &Resource::Organization(org))?;
            let before = state.org.settings.get(key).cloned();
            if before != value {
                let mut next = state.org.settings.clone();
                match &value {
                    Some(v) => next.insert(key.to_owned(), v.clone()),
                    None => next.remove(key),
                };
                let shown = |v: &Option<String>| serde_json::json!({ key: v }).to_string();
                plan.record(
                    "set_organization_setting",
                    format!("organization:{}", org.get()),
                    Some(shown(&before)),
                    Some(shown(&value)),
                );
                plan.changes.push(Change::SetSettings(next));
            }
            Ok(())
        })
        .await
    }

    /// Sets the organization's seat limit. Seats are bought (seed 001), so
    /// this is the host's act — its billing — and not a member's: there is
    /// no acting member, and the audit event records none (the system).
    /// Expose it to no member-facing route. A limit that changes nothing
    /// writes nothing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::SeatLimitBelowUse`] for a limit below the seats in
    /// use now (active members and pending invitations), with both figures;
    /// [`DirectoryError::UnknownOrganization`].
    pub async fn set_seat_limit(&self, org: OrgId, limit: u32) -> Result<(), DirectoryError> {
        self.run(org, None, |state, plan| {
            let used = state.seats_used(plan.now);
            if u64::from(limit) < used {
                return Err(DirectoryError::SeatLimitBelowUse { limit, used });
            }
            if limit != state.org.seat_limit {
                plan.set_organization("set_seat_limit", state.org.name.clone(), limit);
            }
            Ok(())
        })
        .await
    }

    /// Renames a team and sets its code. A rename that changes nothing writes
    /// nothing (no new version, no audit event).
    ///
    /// # Errors
    ///
    /// As [`Directory::create_team`], and [`DirectoryError::UnknownTeam`].
    pub async fn rename_team(
        &self,
        org: OrgId,
        actor: MemberId,
        team: TeamId,
        code: Option<&str>,
        name: &str,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::RenameTeam, &Resource::Team { org, team })?;
            let t = state
                .teams
                .get(&team)
                .ok_or(DirectoryError::UnknownTeam(team))?;
            let mut next = Team::clone(t);
            next.code = field("team code", code)?;
            next.name = team_name(name)?;
            // A rename that changes nothing writes nothing.
            if next != **t {
                plan.put_team("rename_team", next);
            }
            Ok(())
        })
        .await
    }

    /// Deletes a team and removes it from its members.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::UnknownTeam`].
    pub async fn delete_team(
        &self,
        org: OrgId,
        actor: MemberId,
        team: TeamId,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::DeleteTeam, &Resource::Team { org, team })?;
            state
                .teams
                .get(&team)
                .ok_or(DirectoryError::UnknownTeam(team))?;
            // In the members' order, so that the audit events are too.
            let mut members: Vec<&Arc<Member>> = state.team_members(team).collect();
            members.sort_by_key(|m| state.members.place(&m.id));
            for m in members {
                let mut next = Member::clone(m);
                next.teams.retain(|t| *t != team);
                plan.put_member("delete_team", next);
            }
            plan.delete_team("delete_team", team);
            Ok(())
        })
        .await
    }

    /// Adds a member to a team (an Admin only in their own teams).
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::UnknownTeam`],
    /// [`DirectoryError::UnknownMember`].
    pub async fn add_team_member(
        &self,
        org: OrgId,
        actor: MemberId,
        team: TeamId,
        member: MemberId,
    ) -> Result<(), DirectoryError> {
        self.team_membership(org, actor, team, member, true).await
    }

    /// Removes a member from a team (an Admin only in their own teams).
    ///
    /// # Errors
    ///
    /// As [`Directory::add_team_member`].
    pub async fn remove_team_member(
        &self,
        org: OrgId,
        actor: MemberId,
        team: TeamId,
        member: MemberId,
    ) -> Result<(), DirectoryError> {
        self.team_membership(org, actor, team, member, false).await
    }

    async fn team_membership(
        &self,
        org: OrgId,
        actor: MemberId,
        team: TeamId,
        member: MemberId,
        add: bool,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::EditTeamMembers, &Resource::Team { org, team })?;
            state
                .teams
                .get(&team)
                .ok_or(DirectoryError::UnknownTeam(team))?;
            let target = member_in(state, member)?;
            // Team membership is part of the member's record: nobody edits a
            // member whose role exceeds their own.
            let target_role = state
                .role_of(target)
                .ok_or_else(|| DirectoryError::UnknownRole(target.role.as_str().to_owned()))?;
            outranks(&me, target, target_role)?;
            let mut next = Member::clone(target);
            if add {
                if let Err(at) = next.teams.binary_search(&team) {
                    next.teams.insert(at, team);
                }
            } else {
                next.teams.retain(|t| *t != team);
            }
            if next.teams != target.teams {
                plan.put_member(
                    if add {
                        "add_team_member"
                    } else {
                        "remove_team_member"
                    },
                    next,
                );
            }
            Ok(())
        })
        .await
    }

    /// Members per role, in catalog order ("Role Management").
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without the member-list permission.
    pub async fn role_counts(
        &self,
        org: OrgId,
        actor: MemberId,
    ) -> Result<IndexMap<RoleKey, usize>, DirectoryError> {
        self.read(org, |state, _| {
            let me = acting(state, actor)?;
            require(&me, Action::ViewMembers, &Resource::Organization(org))?;
            Ok(state.role_counts())
        })
        .await
    }

    /// The members, in creation order.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without the member-list permission.
    pub async fn list_members(
        &self,
        org: OrgId,
        actor: MemberId,
    ) -> Result<Vec<Arc<Member>>, DirectoryError> {
        self.read(org, |state, _| {
            let me = acting(state, actor)?;
            require(&me, Action::ViewMembers, &Resource::Organization(org))?;
            Ok(state.members.values().cloned().collect())
        })
        .await
    }

    /// A page of the organization's audit events, in commit order: up to
    /// `limit` (at most [`MAX_AUDIT_PAGE`]) events after `after`, from the
    /// first when `None`. Pass the last event's [`AuditEvent::cursor`] to
    /// read the next page; a page shorter than asked is the last. Readable by
    /// whoever may see the member list.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without the member-list permission.
    pub async fn audit_events(
        &self,
        org: OrgId,
        actor: MemberId,
        after: Option<AuditCursor>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, DirectoryError> {
        self.read(org, |state, _| {
            let me = acting(state, actor)?;
            require(&me, Action::ViewMembers, &Resource::Organization(org))
        })
        .await?;
        Ok(self
            .store
            .audit_page(org, after, limit.min(MAX_AUDIT_PAGE))
            .await?)
    }

    /// The actor for a member, ready for [`crate::can`], with the version it
    /// was read at (for caches).
    ///
    /// # Errors
    ///
    /// [`DirectoryError::UnknownOrganization`], [`DirectoryError::UnknownMember`].
    pub async fn actor(
        &self,
        org: OrgId,
        member: MemberId,
    ) -> Result<(Actor, u64), DirectoryError> {
        self.read(org, |state, _| {
            let a = state
                .actor(member)
                .ok_or(DirectoryError::UnknownMember(member))?;
            Ok((Actor::Member(a), state.version))
        })
        .await
    }

    /// The organization's state as stored (for hosts that render or export it).
    ///
    /// # Errors
    ///
    /// [`DirectoryError::UnknownOrganization`].
    pub async fn snapshot(&self, org: OrgId) -> Result<Arc<OrgState>, DirectoryError> {
        self.current(org)
            .await?
            .ok_or(DirectoryError::UnknownOrganization(org))
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
    match can(&Actor::Member(actor.clone()), action, resource) {
        Decision::Allowed => Ok(()),
        Decision::Denied(reason) => Err(DirectoryError::Denied(reason)),
    }
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
    if target.id != me.id() && target_role.exceeds(me.role()) {
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

/// What an operation will write: the records it changes (over the state it
/// read), the changes for the store, the audit events.
pub(crate) struct Plan<'s> {
    /// The state the operation read.
    before: &'s OrgState,
    /// Records the operation writes, in the order first written; `None`
    /// deletes. With `before`, they are the state the operation would leave,
    /// without copying the organization.
    members: IndexMap<MemberId, Option<Arc<Member>>>,
    teams: IndexMap<TeamId, Option<Arc<Team>>>,
    invitations: IndexMap<InvitationId, Arc<Invitation>>,
    bots: IndexMap<BotId, Option<Arc<Bot>>>,
    api_keys: IndexMap<ApiKeyId, Arc<ApiKey>>,
    /// The catalog the operation leaves, when it changes it.
    catalog: Option<Arc<Catalog>>,
    changes: Vec<Change>,
    pending: Vec<(String, String, Option<String>, Option<String>)>,
    now: Timestamp,
    actor: Option<MemberId>,
    minted: u64,
}

impl<'s> Plan<'s> {
    fn new(state: &'s OrgState, now: Timestamp, actor: Option<MemberId>) -> Plan<'s> {
        Plan {
            before: state,
            members: IndexMap::new(),
            teams: IndexMap::new(),
            invitations: IndexMap::new(),
            bots: IndexMap::new(),
            api_keys: IndexMap::new(),
            catalog: None,
            changes: Vec::new(),
            pending: Vec::new(),
            now,
            actor,
            minted: 0,
        }
    }

    /// The role catalog as the operation would leave it.
    fn catalog(&self) -> &Catalog {
        self.catalog.as_deref().unwrap_or(&self.before.org.catalog)
    }

    /// The member as the operation would leave it.
    fn member(&self, id: MemberId) -> Option<&Arc<Member>> {
        match self.members.get(&id) {
            Some(written) => written.as_ref(),
            None => self.before.members.get(&id),
        }
    }

    /// The team as the operation would leave it.
    fn team(&self, id: TeamId) -> Option<&Arc<Team>> {
        match self.teams.get(&id) {
            Some(written) => written.as_ref(),
            None => self.before.teams.get(&id),
        }
    }

    /// The invitation as the operation would leave it.
    fn invitation(&self, id: InvitationId) -> Option<&Arc<Invitation>> {
        self.invitations
            .get(&id)
            .or_else(|| self.before.invitations.get(&id))
    }

    /// The registered bot as the operation would leave it.
    fn bot(&self, id: BotId) -> Option<&Arc<Bot>> {
        match self.bots.get(&id) {
            Some(written) => written.as_ref(),
            None => self.before.bots.get(&id),
        }
    }

    /// The API key as the operation would leave it.
    fn api_key(&self, id: ApiKeyId) -> Option<&Arc<ApiKey>> {
        self.api_keys
            .get(&id)
            .or_else(|| self.before.api_keys.get(&id))
    }

    /// The teams the plan writes (not those it deletes).
    fn written_teams(&self) -> impl Iterator<Item = &Arc<Team>> + '_ {
        self.teams.values().flatten()
    }

    /// Whether the plan writes or deletes the team.
    fn touches_team(&self, id: TeamId) -> bool {
        self.teams.contains_key(&id)
    }

    /// A fresh id, unique in the organization and, being derived from the
    /// organization, its version and a counter through SHA-256, practically
    /// unique across organizations: an id of one organization names nothing
    /// in another. Fits in 53 bits for JSON clients.
    fn new_id(&mut self, kind: u8) -> u64 {
        loop {
            self.minted += 1;
            let mut h = Sha256::new();
            h.update(self.before.org.id.get().to_le_bytes());
            h.update(self.before.version.to_le_bytes());
            h.update(self.minted.to_le_bytes());
            h.update([kind]);
            let d = h.finalize();
            let mut b = [0u8; 8];
            b.copy_from_slice(&d[..8]);
            let id = u64::from_le_bytes(b) & ((1 << 53) - 1);
            let taken = id == 0
                || self.member(MemberId(id)).is_some()
                || self.team(TeamId(id)).is_some()
                || self.invitation(InvitationId(id)).is_some()
                || self.bot(BotId(id)).is_some()
                || self.api_key(ApiKeyId(id)).is_some();
            if !taken {
                return id;
            }
        }
    }

    /// The changes, ready to commit, and the audit events they write.
    fn finish(mut self, org: OrgId, version: u64) -> (Vec<Change>, Vec<AuditEvent>) {
        let events = self.events(org, version);
        (self.changes, events)
    }

    fn record(
        &mut self,
        action: &str,
        subject: String,
        before: Option<String>,
        after: Option<String>,
    ) {
        self.pending
            .push((action.to_owned(), subject, before, after));
    }

    fn put_member(&mut self, action: &str, m: Member) {
        let before = self.member(m.id).map(|b| json(&**b));
        let m = Arc::new(m);
        self.record(action, m.id.to_string(), before, Some(json(&*m)));
        self.members.insert(m.id, Some(Arc::clone(&m)));
        self.changes.push(Change::PutMember(m));
    }

    fn delete_member(&mut self, action: &str, id: MemberId) {
        let before = self.member(id).map(|b| json(&**b));
        self.record(action, id.to_string(), before, None);
        self.members.insert(id, None);
        self.changes.push(Change::DeleteMember(id));
    }

    fn set_organization(&mut self, action: &str, name: String, seat_limit: u32) {
        let fields = |name: &str, seats: u32| {
            serde_json::json!({ "name": name, "seat_limit": seats }).to_string()
        };
        let before = fields(&self.before.org.name, self.before.org.seat_limit);
        let after = fields(&name, seat_limit);
        self.record(
            action,
            format!("organization:{}", self.before.org.id.get()),
            Some(before),
            Some(after),
        );
        self.changes
            .push(Change::SetOrganization { name, seat_limit });
    }

    /// Writes a knowledge base's record.
    fn put_knowledge_base(&mut self, action: &str, k: StoredKnowledgeBase) {
        let before = self.before.knowledge_bases.get(&k.id).map(|x| json(&**x));
        let k = Arc::new(k);
        self.record(action, k.id.to_string(), before, Some(json(&*k)));
        self.changes.push(Change::PutKnowledgeBase(k));
    }

    /// Deletes a knowledge base's record (the event shows the record, or
    /// its id for one declared without a record).
    fn delete_knowledge_base(&mut self, action: &str, id: KnowledgeBaseId) {
        let before = self
            .before
            .knowledge_bases
            .get(&id)
            .map_or_else(|| json(&id), |x| json(&**x));
        self.record(action, id.to_string(), Some(before), None);
        self.changes.push(Change::DeleteKnowledgeBase(id));
    }

    /// Replaces the catalog with no event of its own: the events of the
    /// knowledge bases and roles it changes tell what changed.
    fn set_knowledge_catalog(&mut self, catalog: Catalog) {
        let catalog = Arc::new(catalog);
        self.catalog = Some(Arc::clone(&catalog));
        self.changes.push(Change::SetCatalog(catalog));
    }

    /// The audit event of a role edited as part of a larger change.
    fn record_role_edit(&mut self, action: &str, old: &Role, new: &Role) {
        self.record(
            action,
            format!("role:{}", old.key()),
            Some(json(old)),
            Some(json(new)),
        );
    }

    /// Replaces the catalog; the audit event shows the role `key` before and
    /// after.
    fn set_catalog(&mut self, action: &str, key: &RoleKey, catalog: Catalog) {
        let before = self.catalog().role(key.as_str()).map(json);
        let after = catalog.role(key.as_str()).map(json);
        self.record(action, format!("role:{key}"), before, after);
        let catalog = Arc::new(catalog);
        self.catalog = Some(Arc::clone(&catalog));
        self.changes.push(Change::SetCatalog(catalog));
    }

    fn put_team(&mut self, action: &str, t: Team) {
        let before = self.team(t.id).map(|b| json(&**b));
        let t = Arc::new(t);
        self.record(action, t.id.to_string(), before, Some(json(&*t)));
        self.teams.insert(t.id, Some(Arc::clone(&t)));
        self.changes.push(Change::PutTeam(t));
    }

    fn delete_team(&mut self, action: &str, id: TeamId) {
        let before = self.team(id).map(|b| json(&**b));
        self.record(action, id.to_string(), before, None);
        self.teams.insert(id, None);
        self.changes.push(Change::DeleteTeam(id));
    }

    fn put_bot(&mut self, action: &str, b: Bot) {
        let before = self.bot(b.id).map(|x| json(&**x));
        let b = Arc::new(b);
        self.record(action, b.id.to_string(), before, Some(json(&*b)));
        self.bots.insert(b.id, Some(Arc::clone(&b)));
        self.changes.push(Change::PutBot(b));
    }

    fn delete_bot(&mut self, action: &str, id: BotId) {
        let before = self.bot(id).map(|x| json(&**x));
        self.record(action, id.to_string(), before, None);
        self.bots.insert(id, None);
        self.changes.push(Change::DeleteBot(id));
    }

    /// Writes an API key; its audit values leave the secret's hash out.
    fn put_api_key(&mut self, action: &str, k: ApiKey) {
        let before = self.api_key(k.id).map(|x| json(&ApiKeyInfo::of(x)));
        self.record(
            action,
            k.id.to_string(),
            before,
            Some(json(&ApiKeyInfo::of(&k))),
        );
        let k = Arc::new(k);
        self.api_keys.insert(k.id, Arc::clone(&k));
        self.changes.push(Change::PutApiKey(k));
    }

    fn put_invitation(&mut self, action: &str, i: Invitation) {
        let before = self.invitation(i.id).map(|b| json(&**b));
        let i = Arc::new(i);
        self.record(action, i.id.to_string(), before, Some(json(&*i)));
        self.invitations.insert(i.id, Arc::clone(&i));
        self.changes.push(Change::PutInvitation(i));
    }

    fn issue(
        &mut self,
        org: OrgId,
        by: MemberId,
        email: Option<String>,
        role: RoleKey,
        ttl: u64,
    ) -> Result<IssuedInvitation, DirectoryError> {
        let id = InvitationId(self.new_id(3));
        let secret = secret::generate(org, id).map_err(|e| {
            DirectoryError::Store(StoreError::Backend(format!("no system randomness: {e}")))
        })?;
        let expires_at = self.now.plus(ttl);
        self.put_invitation(
            "create_invitation",
            Invitation {
                id,
                email: email.clone(),
                role: role.clone(),
                secret_hash: secret::hash(&secret),
                created_by: by,
                created_at: self.now,
                expires_at,
                state: InvitationState::Pending,
            },
        );
        Ok(IssuedInvitation {
            id,
            email,
            role,
            expires_at,
            secret,
        })
    }

    fn events(&mut self, org: OrgId, version: u64) -> Vec<AuditEvent> {
        let (now, actor) = (self.now, self.actor);
        std::mem::take(&mut self.pending)
            .into_iter()
            .enumerate()
            .map(|(i, (action, subject, before, after))| AuditEvent {
                org,
                version,
                index: u32::try_from(i).unwrap_or(u32::MAX),
                at: now,
                actor,
                action,
                subject,
                before,
                after,
            })
            .collect()
    }
}

fn json<T: Serialize>(value: &T) -> String {
    // Records are plain data: serialization cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}
