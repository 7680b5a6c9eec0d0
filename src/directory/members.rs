//! Members: role changes, removal, status, ownership transfer and
//! profiles.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Store, C: Clock> Directory<S, C> {
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
            let new_role = role_in(state, role)?;
            let old_role = role_in(state, target.role.as_str())?;
            judge_role_change(&me, Some((member, old_role)), new_role)
                .map_err(|refused| refused.for_member(member))?;
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
                    crate::model::decision::Reason::ActorDisabled,
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
}

/// Why a role change is refused. The rules of a role change are decided
/// once, by [`judge_role_change`], for [`Directory::change_role`] and for
/// the import's rows alike; each reports the refusal in its own error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum RoleChangeRefused {
    /// The change is to the actor's own role.
    OwnRole,
    /// The member holds the unique role (it changes hands by a transfer).
    OwnerProtected,
    /// The new role is the unique role.
    UniqueRole(RoleKey),
    /// The new role grants something the actor's does not.
    RoleExceedsOwn(RoleKey),
    /// The member's current role grants something the actor's does not.
    TargetExceedsActor(RoleKey),
}

impl RoleChangeRefused {
    /// The refusal as an operation on `member` reports it.
    pub(super) fn for_member(self, member: MemberId) -> DirectoryError {
        match self {
            RoleChangeRefused::OwnRole => DirectoryError::OwnRole,
            RoleChangeRefused::OwnerProtected => DirectoryError::OwnerProtected,
            RoleChangeRefused::UniqueRole(k) => DirectoryError::UniqueRole(k),
            RoleChangeRefused::RoleExceedsOwn(k) => DirectoryError::RoleExceedsOwn(k),
            RoleChangeRefused::TargetExceedsActor(role) => {
                DirectoryError::TargetExceedsActor { member, role }
            }
        }
    }

    /// The refusal as an import row reports it.
    #[cfg(feature = "import")]
    pub(super) fn for_import(self) -> super::ImportProblem {
        use super::ImportProblem;
        match self {
            RoleChangeRefused::OwnRole => ImportProblem::OwnRole,
            RoleChangeRefused::OwnerProtected => ImportProblem::OwnerProtected,
            RoleChangeRefused::UniqueRole(k) => ImportProblem::UniqueRole(k),
            RoleChangeRefused::RoleExceedsOwn(k) => ImportProblem::RoleExceedsOwn(k),
            RoleChangeRefused::TargetExceedsActor(k) => ImportProblem::TargetExceedsActor(k),
        }
    }
}

/// Decides whether `me` may give the role `new` to a member: `target` is
/// the member and the role they hold, or `None` for a member the change
/// creates. In order: nobody changes their own role; the unique role's
/// holder keeps it and nobody is given it (both go by a transfer); nobody
/// gives a role that grants beyond their own, or changes the role of a
/// member whose role grants beyond their own.
///
/// # Errors
///
/// The first rule the change breaks.
pub(super) fn judge_role_change(
    me: &MemberActor,
    target: Option<(MemberId, &Role)>,
    new: &Role,
) -> Result<(), RoleChangeRefused> {
    if let Some((member, current)) = target {
        if member == me.id() {
            return Err(RoleChangeRefused::OwnRole);
        }
        if current.is_unique() {
            return Err(RoleChangeRefused::OwnerProtected);
        }
    }
    if new.is_unique() {
        return Err(RoleChangeRefused::UniqueRole(new.key().clone()));
    }
    if new.grants_beyond(me.role()) {
        return Err(RoleChangeRefused::RoleExceedsOwn(new.key().clone()));
    }
    match target {
        Some((_, current)) if current.grants_beyond(me.role()) => {
            Err(RoleChangeRefused::TargetExceedsActor(current.key().clone()))
        }
        _ => Ok(()),
    }
}
