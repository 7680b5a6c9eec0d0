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
