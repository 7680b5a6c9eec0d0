//! The organization: its creation, its information, name and settings,
//! and its seat limit.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Store, C: Clock> Directory<S, C> {
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
        if self.previewing() {
            // A preview decides as the store would: an existing
            // organization is refused.
            if self.current(new.id).await?.is_some() {
                return Err(DirectoryError::OrganizationExists(new.id));
            }
            self.record_preview(&before, &changes, events);
            return Ok(id);
        }
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
                let shown = |value: &Option<String>| AuditValue::Setting {
                    key: key.to_owned(),
                    value: value.clone(),
                };
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
}
