//! Teams: created, renamed, deleted, and their members.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Store, C: Clock> Directory<S, C> {
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

    pub(super) async fn team_membership(
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
}
