//! Invitations: by email and by link, listed, revoked, reissued and
//! accepted.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Store, C: Clock> Directory<S, C> {
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
                    crate::model::decision::Reason::ActorDisabled,
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
                Some(creator) => can(
                    &Actor::Member(creator),
                    creating(inv),
                    &Resource::Invitation { org, role },
                )
                .into_result()
                .map_err(Some),
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
}
