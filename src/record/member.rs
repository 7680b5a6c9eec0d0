//! The records of an organization's members and invitations, and the
//! organization's own record.

use crate::model::actor::MemberStatus;
use crate::model::catalog::Catalog;
use crate::model::id::{BotId, InvitationId, MemberId, OrgId, TeamId};
use crate::model::role::RoleKey;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The latest time the directory records: 2^63 − 1 seconds, what every
    /// store can hold. Later times (an invitation lifetime of `u64::MAX`, a
    /// clock set past it) are taken as this one, the same on every store.
    pub const MAX: Timestamp = Timestamp(i64::MAX as u64);

    /// The timestamp `secs` seconds later, saturating at [`Timestamp::MAX`].
    #[must_use]
    pub fn plus(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs)).min(Timestamp::MAX)
    }
}

/// An organization's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// The organization.
    pub id: OrgId,
    /// Its display name.
    pub name: String,
    /// Its role catalog.
    pub catalog: Arc<Catalog>,
    /// Active members plus pending invitations never exceed this.
    pub seat_limit: u32,
    /// The settings the host declares ([`crate::Directory::organization_settings`]),
    /// by key.
    pub settings: std::collections::BTreeMap<String, String>,
}

/// A member as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member.
    pub id: MemberId,
    /// Email in its stored form (NFC, case-folded); unique in the organization.
    pub email: String,
    /// External user code; unique in the organization when set.
    pub user_code: Option<String>,
    /// User name.
    pub user_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// The member's role, a key of the organization's catalog.
    pub role: RoleKey,
    /// The member's teams, sorted.
    pub teams: Vec<TeamId>,
    /// The bots the member was granted, sorted.
    pub bots: Vec<BotId>,
    /// The permission levels some grants carry, by bot, sorted: on such a
    /// bot the member does only what their role and the level both allow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bot_levels: Vec<(BotId, crate::model::permission::Permissions)>,
    /// Active or disabled.
    pub status: MemberStatus,
}

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Waiting to be accepted (until it expires).
    Pending,
    /// Accepted once; never again.
    Accepted,
    /// Revoked.
    Revoked,
}

/// An invitation as stored: its secret only as a SHA-256 hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The invitation.
    pub id: InvitationId,
    /// The invited email in its stored form; `None` for a link anyone may use once.
    pub email: Option<String>,
    /// The role it grants.
    pub role: RoleKey,
    /// SHA-256 of the secret.
    pub secret_hash: [u8; 32],
    /// Who created it.
    pub created_by: MemberId,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it stops being valid.
    pub expires_at: Timestamp,
    /// Pending, accepted or revoked.
    pub state: InvitationState,
}

impl Invitation {
    /// Whether it still holds a seat and can be accepted at `now`.
    #[must_use]
    pub fn is_pending(&self, now: Timestamp) -> bool {
        self.state == InvitationState::Pending && now < self.expires_at
    }
}
