//! The acting member, named once: `dir.acting(org, actor)` is a handle whose
//! operations on another member take only that member, so that the actor
//! and the target of an operation cannot be swapped by mistake (both are
//! `MemberId`s).

use super::{Clock, Directory, DirectoryError, ProfileUpdate};
use crate::model::actor::MemberStatus;
use crate::model::id::{BotId, MemberId, OrgId, TeamId};
use crate::model::permission::Permissions;
use crate::store::Store;

/// A member acting in an organization, for the operations that take a
/// second member ([`Directory::acting`]).
///
/// ```
/// # purview::executor::block_on(async {
/// use purview::{preset, Directory, MemoryStore, NewOrganization, OrgId, Profile};
/// let dir = Directory::new(MemoryStore::new());
/// let owner = dir.create_organization(NewOrganization {
///     id: OrgId(1),
///     name: "Acme".into(),
///     catalog: preset::helpdesk(),
///     seat_limit: 5,
///     founder: Profile { email: Some("o@acme.test".into()), ..Profile::default() },
///     founder_role: None,
/// }).await?;
/// // The Owner may not demote themselves, however it is written.
/// let refused = dir.acting(OrgId(1), owner).change_role(owner, "agent").await;
/// assert!(refused.is_err());
/// # Ok::<(), purview::DirectoryError>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct Acting<'d, S, C> {
    dir: &'d Directory<S, C>,
    org: OrgId,
    actor: MemberId,
}

impl<S, C> Clone for Acting<'_, S, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S, C> Copy for Acting<'_, S, C> {}

impl<S: Store, C: Clock> Directory<S, C> {
    /// `actor` acting in `org`: the operations on another member, each
    /// taking only that member.
    #[must_use]
    pub fn acting(&self, org: OrgId, actor: MemberId) -> Acting<'_, S, C> {
        Acting {
            dir: self,
            org,
            actor,
        }
    }
}

impl<S: Store, C: Clock> Acting<'_, S, C> {
    /// The organization.
    #[must_use]
    pub fn org(&self) -> OrgId {
        self.org
    }

    /// The acting member.
    #[must_use]
    pub fn actor(&self) -> MemberId {
        self.actor
    }

    /// [`Directory::change_role`] of `member`.
    ///
    /// # Errors
    ///
    /// As [`Directory::change_role`].
    pub async fn change_role(&self, member: MemberId, role: &str) -> Result<(), DirectoryError> {
        self.dir
            .change_role(self.org, self.actor, member, role)
            .await
    }

    /// [`Directory::remove_member`] of `member`.
    ///
    /// # Errors
    ///
    /// As [`Directory::remove_member`].
    pub async fn remove_member(&self, member: MemberId) -> Result<(), DirectoryError> {
        self.dir.remove_member(self.org, self.actor, member).await
    }

    /// [`Directory::set_member_status`] of `member`.
    ///
    /// # Errors
    ///
    /// As [`Directory::set_member_status`].
    pub async fn set_member_status(
        &self,
        member: MemberId,
        status: MemberStatus,
    ) -> Result<(), DirectoryError> {
        self.dir
            .set_member_status(self.org, self.actor, member, status)
            .await
    }

    /// [`Directory::transfer_ownership`] to `to`.
    ///
    /// # Errors
    ///
    /// As [`Directory::transfer_ownership`].
    pub async fn transfer_ownership(&self, to: MemberId) -> Result<(), DirectoryError> {
        self.dir.transfer_ownership(self.org, self.actor, to).await
    }

    /// [`Directory::update_member_profile`] of `member`.
    ///
    /// # Errors
    ///
    /// As [`Directory::update_member_profile`].
    pub async fn update_member_profile(
        &self,
        member: MemberId,
        update: ProfileUpdate,
    ) -> Result<(), DirectoryError> {
        self.dir
            .update_member_profile(self.org, self.actor, member, update)
            .await
    }

    /// [`Directory::add_team_member`]: `member` into `team`.
    ///
    /// # Errors
    ///
    /// As [`Directory::add_team_member`].
    pub async fn add_team_member(
        &self,
        team: TeamId,
        member: MemberId,
    ) -> Result<(), DirectoryError> {
        self.dir
            .add_team_member(self.org, self.actor, team, member)
            .await
    }

    /// [`Directory::remove_team_member`]: `member` out of `team`.
    ///
    /// # Errors
    ///
    /// As [`Directory::remove_team_member`].
    pub async fn remove_team_member(
        &self,
        team: TeamId,
        member: MemberId,
    ) -> Result<(), DirectoryError> {
        self.dir
            .remove_team_member(self.org, self.actor, team, member)
            .await
    }

    /// [`Directory::grant_bot`] to `member`.
    ///
    /// # Errors
    ///
    /// As [`Directory::grant_bot`].
    pub async fn grant_bot(&self, member: MemberId, bot: BotId) -> Result<(), DirectoryError> {
        self.dir.grant_bot(self.org, self.actor, member, bot).await
    }

    /// [`Directory::grant_bot_level`] to `member`.
    ///
    /// # Errors
    ///
    /// As [`Directory::grant_bot_level`].
    pub async fn grant_bot_level(
        &self,
        member: MemberId,
        bot: BotId,
        level: Permissions,
    ) -> Result<(), DirectoryError> {
        self.dir
            .grant_bot_level(self.org, self.actor, member, bot, level)
            .await
    }

    /// [`Directory::revoke_bot`] from `member`.
    ///
    /// # Errors
    ///
    /// As [`Directory::revoke_bot`].
    pub async fn revoke_bot(&self, member: MemberId, bot: BotId) -> Result<(), DirectoryError> {
        self.dir.revoke_bot(self.org, self.actor, member, bot).await
    }
}
