//! How an operation runs: the organization read (kept in memory, caught
//! up from the change log, or loaded), the decision on it written into a
//! [`Plan`], the invariants checked, and the conditional commit, retried on
//! a version conflict.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Store, C: Clock> Directory<S, C> {
    /// The organization's current state: the one kept in memory if the
    /// store says nothing changed since; brought up to date from the
    /// store's change log if it is behind (both in one read,
    /// [`Store::updates`]); loaded whole when nothing is kept or the log
    /// cannot bring it up to date. A store that shares its own state
    /// ([`Store::shares_state`]) is read directly.
    pub(super) async fn current(
        &self,
        org: OrgId,
    ) -> Result<Option<Arc<OrgState>>, DirectoryError> {
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
    pub(super) fn catch_up(
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
    pub(super) fn remember(&self, org: OrgId, read: u64, committed: u64, changes: &[Change]) {
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
    pub(super) fn now(&self) -> Timestamp {
        self.clock.now().min(Timestamp::MAX)
    }

    /// Loads, decides, checks invariants, commits on the version read; retries on conflict.
    pub(super) async fn run<T, F>(
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
    pub(super) async fn run_mode<T, F>(
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
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument;
            let span = tracing::info_span!(
                "purview.operation",
                org = org.get(),
                actor = actor.map(MemberId::get),
                operation = operation_name::<F>(),
                dry,
                outcome = tracing::field::Empty,
                retries = tracing::field::Empty,
            );
            let (result, retries) = self
                .attempts(org, actor, dry, op)
                .instrument(span.clone())
                .await;
            span.record("retries", retries);
            match &result {
                Ok(_) => {
                    span.record("outcome", "done");
                }
                Err(e) => {
                    span.record("outcome", "refused");
                    span.in_scope(|| tracing::info!(error = %e, "refused"));
                }
            }
            result
        }
        #[cfg(not(feature = "tracing"))]
        {
            self.attempts(org, actor, dry, op).await.0
        }
    }

    /// The attempts of one operation, and how many were retried after a
    /// version conflict.
    async fn attempts<T, F>(
        &self,
        org: OrgId,
        actor: Option<MemberId>,
        dry: bool,
        op: F,
    ) -> (Result<T, DirectoryError>, usize)
    where
        F: Fn(&OrgState, &mut Plan) -> Result<T, DirectoryError> + Send + Sync,
        T: Send,
    {
        for retries in 0..MAX_ATTEMPTS {
            match self.attempt(org, actor, dry, &op).await {
                Attempt::Done(result) => return (result, retries),
                Attempt::Conflict => {
                    #[cfg(feature = "tracing")]
                    tracing::debug!(org = org.get(), "version conflict: reading again");
                }
            }
        }
        (Err(DirectoryError::Contended), MAX_ATTEMPTS)
    }

    /// One attempt: read, decide, check, commit on the version read.
    async fn attempt<T, F>(
        &self,
        org: OrgId,
        actor: Option<MemberId>,
        dry: bool,
        op: &F,
    ) -> Attempt<T>
    where
        F: Fn(&OrgState, &mut Plan) -> Result<T, DirectoryError> + Send + Sync,
        T: Send,
    {
        let result = async {
            let state = self
                .current(org)
                .await?
                .ok_or(DirectoryError::UnknownOrganization(org))?;
            let now = self.now();
            let mut plan = Plan::new(&state, now, actor);
            let out = op(&state, &mut plan)?;
            invariant::check(&plan, now)?;
            if dry || plan.changes.is_empty() {
                return Ok(Some(out));
            }
            let version = state.version;
            let (changes, events) = plan.finish(org, version + 1);
            if self.previewing() {
                self.record_preview(&state, &changes, events);
                return Ok(Some(out));
            }
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
                    Ok(Some(out))
                }
                Err(StoreError::Conflict) => Ok(None),
                Err(e) => Err(e.into()),
            }
        }
        .await;
        match result {
            Ok(Some(out)) => Attempt::Done(Ok(out)),
            Ok(None) => Attempt::Conflict,
            Err(e) => Attempt::Done(Err(e)),
        }
    }

    /// Reads without writing.
    pub(super) async fn read<T, F>(&self, org: OrgId, op: F) -> Result<T, DirectoryError>
    where
        F: FnOnce(&OrgState, Timestamp) -> Result<T, DirectoryError> + Send,
    {
        let state = self
            .current(org)
            .await?
            .ok_or(DirectoryError::UnknownOrganization(org))?;
        op(&state, self.now())
    }
}

/// How one attempt of an operation ended.
enum Attempt<T> {
    /// Decided: done, or refused.
    Done(Result<T, DirectoryError>),
    /// Another writer committed first: read again and decide again.
    Conflict,
}

/// The operation an operation's closure belongs to, from its type's path
/// (`…::change_role::{{closure}}` gives `change_role`): for the trace only.
#[cfg(feature = "tracing")]
fn operation_name<F>() -> &'static str {
    let path = std::any::type_name::<F>();
    let path = path.split("::{{closure}}").next().unwrap_or(path);
    path.rsplit("::").next().unwrap_or(path)
}

/// What an operation will write: the records it changes (over the state it
/// read), the changes for the store, the audit events.
pub(crate) struct Plan<'s> {
    /// The state the operation read.
    pub(super) before: &'s OrgState,
    /// Records the operation writes, in the order first written; `None`
    /// deletes. With `before`, they are the state the operation would leave,
    /// without copying the organization.
    pub(super) members: IndexMap<MemberId, Option<Arc<Member>>>,
    pub(super) teams: IndexMap<TeamId, Option<Arc<Team>>>,
    pub(super) invitations: IndexMap<InvitationId, Arc<Invitation>>,
    pub(super) bots: IndexMap<BotId, Option<Arc<Bot>>>,
    pub(super) api_keys: IndexMap<ApiKeyId, Arc<ApiKey>>,
    /// The catalog the operation leaves, when it changes it.
    pub(super) catalog: Option<Arc<Catalog>>,
    pub(super) changes: Vec<Change>,
    pub(super) pending: Vec<(String, String, Option<AuditValue>, Option<AuditValue>)>,
    pub(super) now: Timestamp,
    pub(super) actor: Option<MemberId>,
    pub(super) minted: u64,
}

impl<'s> Plan<'s> {
    pub(super) fn new(state: &'s OrgState, now: Timestamp, actor: Option<MemberId>) -> Plan<'s> {
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
    pub(super) fn catalog(&self) -> &Catalog {
        self.catalog.as_deref().unwrap_or(&self.before.org.catalog)
    }

    /// The member as the operation would leave it.
    pub(super) fn member(&self, id: MemberId) -> Option<&Arc<Member>> {
        match self.members.get(&id) {
            Some(written) => written.as_ref(),
            None => self.before.members.get(&id),
        }
    }

    /// The team as the operation would leave it.
    pub(super) fn team(&self, id: TeamId) -> Option<&Arc<Team>> {
        match self.teams.get(&id) {
            Some(written) => written.as_ref(),
            None => self.before.teams.get(&id),
        }
    }

    /// The invitation as the operation would leave it.
    pub(super) fn invitation(&self, id: InvitationId) -> Option<&Arc<Invitation>> {
        self.invitations
            .get(&id)
            .or_else(|| self.before.invitations.get(&id))
    }

    /// The registered bot as the operation would leave it.
    pub(super) fn bot(&self, id: BotId) -> Option<&Arc<Bot>> {
        match self.bots.get(&id) {
            Some(written) => written.as_ref(),
            None => self.before.bots.get(&id),
        }
    }

    /// The API key as the operation would leave it.
    pub(super) fn api_key(&self, id: ApiKeyId) -> Option<&Arc<ApiKey>> {
        self.api_keys
            .get(&id)
            .or_else(|| self.before.api_keys.get(&id))
    }

    #[cfg(feature = "import")]
    /// The teams the plan writes (not those it deletes).
    pub(super) fn written_teams(&self) -> impl Iterator<Item = &Arc<Team>> + '_ {
        self.teams.values().flatten()
    }

    #[cfg(feature = "import")]
    /// Whether the plan writes or deletes the team.
    pub(super) fn touches_team(&self, id: TeamId) -> bool {
        self.teams.contains_key(&id)
    }

    /// A fresh id, unique in the organization and, being derived from the
    /// organization, its version and a counter through SHA-256, practically
    /// unique across organizations: an id of one organization names nothing
    /// in another. Fits in 53 bits for JSON clients.
    pub(super) fn new_id(&mut self, kind: u8) -> u64 {
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
    pub(super) fn finish(mut self, org: OrgId, version: u64) -> (Vec<Change>, Vec<AuditEvent>) {
        let events = self.events(org, version);
        (self.changes, events)
    }

    pub(super) fn record(
        &mut self,
        action: &str,
        subject: String,
        before: Option<AuditValue>,
        after: Option<AuditValue>,
    ) {
        self.pending
            .push((action.to_owned(), subject, before, after));
    }

    pub(super) fn put_member(&mut self, action: &str, m: Member) {
        let before = self
            .member(m.id)
            .map(|b| AuditValue::Member(Member::clone(b)));
        let m = Arc::new(m);
        self.record(
            action,
            m.id.to_string(),
            before,
            Some(AuditValue::Member(Member::clone(&m))),
        );
        self.members.insert(m.id, Some(Arc::clone(&m)));
        self.changes.push(Change::PutMember(m));
    }

    pub(super) fn delete_member(&mut self, action: &str, id: MemberId) {
        let before = self
            .member(id)
            .map(|b| AuditValue::Member(Member::clone(b)));
        self.record(action, id.to_string(), before, None);
        self.members.insert(id, None);
        self.changes.push(Change::DeleteMember(id));
    }

    pub(super) fn set_organization(&mut self, action: &str, name: String, seat_limit: u32) {
        let fields = |name: &str, seat_limit: u32| AuditValue::Organization {
            name: name.to_owned(),
            seat_limit,
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
    pub(super) fn put_knowledge_base(&mut self, action: &str, k: StoredKnowledgeBase) {
        let before = self
            .before
            .knowledge_bases
            .get(&k.id)
            .map(|x| AuditValue::KnowledgeBase(StoredKnowledgeBase::clone(x)));
        let k = Arc::new(k);
        self.record(
            action,
            k.id.to_string(),
            before,
            Some(AuditValue::KnowledgeBase(StoredKnowledgeBase::clone(&k))),
        );
        self.changes.push(Change::PutKnowledgeBase(k));
    }

    /// Deletes a knowledge base's record (the event shows the record, or
    /// its id for one declared without a record).
    pub(super) fn delete_knowledge_base(&mut self, action: &str, id: KnowledgeBaseId) {
        let before = self
            .before
            .knowledge_bases
            .get(&id)
            .map_or(AuditValue::KnowledgeBaseId(id), |x| {
                AuditValue::KnowledgeBase(StoredKnowledgeBase::clone(x))
            });
        self.record(action, id.to_string(), Some(before), None);
        self.changes.push(Change::DeleteKnowledgeBase(id));
    }

    /// Replaces the catalog with no event of its own: the events of the
    /// knowledge bases and roles it changes tell what changed.
    pub(super) fn set_knowledge_catalog(&mut self, catalog: Catalog) {
        let catalog = Arc::new(catalog);
        self.catalog = Some(Arc::clone(&catalog));
        self.changes.push(Change::SetCatalog(catalog));
    }

    /// The audit event of a role edited as part of a larger change.
    pub(super) fn record_role_edit(&mut self, action: &str, old: &Role, new: &Role) {
        self.record(
            action,
            format!("role:{}", old.key()),
            Some(AuditValue::Role(old.clone())),
            Some(AuditValue::Role(new.clone())),
        );
    }

    /// Replaces the catalog; the audit event shows the role `key` before and
    /// after.
    pub(super) fn set_catalog(&mut self, action: &str, key: &RoleKey, catalog: Catalog) {
        let before = self
            .catalog()
            .role(key.as_str())
            .map(|r| AuditValue::Role(r.clone()));
        let after = catalog
            .role(key.as_str())
            .map(|r| AuditValue::Role(r.clone()));
        self.record(action, format!("role:{key}"), before, after);
        let catalog = Arc::new(catalog);
        self.catalog = Some(Arc::clone(&catalog));
        self.changes.push(Change::SetCatalog(catalog));
    }

    pub(super) fn put_team(&mut self, action: &str, t: Team) {
        let before = self.team(t.id).map(|b| AuditValue::Team(Team::clone(b)));
        let t = Arc::new(t);
        self.record(
            action,
            t.id.to_string(),
            before,
            Some(AuditValue::Team(Team::clone(&t))),
        );
        self.teams.insert(t.id, Some(Arc::clone(&t)));
        self.changes.push(Change::PutTeam(t));
    }

    pub(super) fn delete_team(&mut self, action: &str, id: TeamId) {
        let before = self.team(id).map(|b| AuditValue::Team(Team::clone(b)));
        self.record(action, id.to_string(), before, None);
        self.teams.insert(id, None);
        self.changes.push(Change::DeleteTeam(id));
    }

    pub(super) fn put_bot(&mut self, action: &str, b: Bot) {
        let before = self.bot(b.id).map(|x| AuditValue::Bot(Bot::clone(x)));
        let b = Arc::new(b);
        self.record(
            action,
            b.id.to_string(),
            before,
            Some(AuditValue::Bot(Bot::clone(&b))),
        );
        self.bots.insert(b.id, Some(Arc::clone(&b)));
        self.changes.push(Change::PutBot(b));
    }

    pub(super) fn delete_bot(&mut self, action: &str, id: BotId) {
        let before = self.bot(id).map(|x| AuditValue::Bot(Bot::clone(x)));
        self.record(action, id.to_string(), before, None);
        self.bots.insert(id, None);
        self.changes.push(Change::DeleteBot(id));
    }

    /// Writes an API key; its audit values leave the secret's hash out.
    pub(super) fn put_api_key(&mut self, action: &str, k: ApiKey) {
        let before = self
            .api_key(k.id)
            .map(|x| AuditValue::ApiKey(ApiKeyInfo::of(x)));
        self.record(
            action,
            k.id.to_string(),
            before,
            Some(AuditValue::ApiKey(ApiKeyInfo::of(&k))),
        );
        let k = Arc::new(k);
        self.api_keys.insert(k.id, Arc::clone(&k));
        self.changes.push(Change::PutApiKey(k));
    }

    pub(super) fn put_invitation(&mut self, action: &str, i: Invitation) {
        let before = self
            .invitation(i.id)
            .map(|b| AuditValue::Invitation(Invitation::clone(b)));
        let i = Arc::new(i);
        self.record(
            action,
            i.id.to_string(),
            before,
            Some(AuditValue::Invitation(Invitation::clone(&i))),
        );
        self.invitations.insert(i.id, Arc::clone(&i));
        self.changes.push(Change::PutInvitation(i));
    }

    pub(super) fn issue(
        &mut self,
        org: OrgId,
        by: MemberId,
        email: Option<String>,
        role: RoleKey,
        ttl: u64,
    ) -> Result<IssuedInvitation, DirectoryError> {
        let id = InvitationId(self.new_id(3));
        let secret = secret::generate(org, id).map_err(DirectoryError::NoRandomness)?;
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

    pub(super) fn events(&mut self, org: OrgId, version: u64) -> Vec<AuditEvent> {
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
