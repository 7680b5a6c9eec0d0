//! Reads: role counts, the member list, the audit log, actors and
//! snapshots.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Store, C: Clock> Directory<S, C> {
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

    /// The members who may take `action` on `resource`, in id order:
    /// exactly those for whom [`can`] allows it, found in time proportional
    /// to the candidates, not the organization ([`OrgState::who_can`]).
    /// For auto-assignment (seed 001: an assignee must be someone who may
    /// handle the conversation), notifications and mention pickers. A query
    /// of the host's: it names members, so show its answer to a member only
    /// where they may view members.
    ///
    /// ```
    /// # purview::executor::block_on(async {
    /// use purview::{preset, Action, Assignment, ContactId, Conversation, ConversationId};
    /// use purview::{Directory, MemoryStore, NewOrganization, OrgId, Profile, Resource};
    /// let org = OrgId(1);
    /// let dir = Directory::new(MemoryStore::new());
    /// let owner = dir.create_organization(NewOrganization {
    ///     id: org,
    ///     name: "Acme".into(),
    ///     catalog: preset::helpdesk(),
    ///     seat_limit: 5,
    ///     founder: Profile { email: Some("owner@acme.test".into()), ..Profile::default() },
    ///     founder_role: None,
    /// }).await?;
    /// let sent = dir.invite(org, owner, "a@acme.test, b@acme.test", "agent").await?;
    /// let (_, in_team) = dir.accept_invitation(&sent[0].secret, Profile::default()).await?;
    /// let (_, elsewhere) = dir.accept_invitation(&sent[1].secret, Profile::default()).await?;
    /// let team = dir.create_team(org, owner, None, "Billing").await?;
    /// dir.add_team_member(org, owner, team, in_team).await?;
    ///
    /// // A conversation of the team: its agent may see it, the other agent may not.
    /// let conv = Conversation::new(ConversationId(1), org, ContactId(1))
    ///     .assigned(Assignment::Team { team });
    /// let eligible = dir.who_can(org, Action::ViewConversation, &Resource::Conversation(&conv)).await?;
    /// assert_eq!(eligible, [owner, in_team]);
    /// assert!(!eligible.contains(&elsewhere));
    /// # Ok::<(), purview::DirectoryError>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// [`DirectoryError::UnknownOrganization`].
    pub async fn who_can(
        &self,
        org: OrgId,
        action: Action,
        resource: &Resource<'_>,
    ) -> Result<Vec<MemberId>, DirectoryError> {
        Ok(self.snapshot(org).await?.who_can(action, resource))
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
