//! An organization's bots and the API keys that act for them (seed 002).

use super::member::Timestamp;
use crate::model::id::{ApiKeyId, BotId, MemberId};
use crate::model::permission::Permissions;
use serde::{Deserialize, Serialize};

/// A registered bot. Bot grants and API keys name registered bots only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bot {
    /// The bot.
    pub id: BotId,
    /// Its display name.
    pub name: String,
    /// Whether it is published (seed 002 "Publish Bot").
    pub published: bool,
}

/// An API key as stored: its secret only as a SHA-256 hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The key.
    pub id: ApiKeyId,
    /// The only bot it acts on.
    pub bot: BotId,
    /// What it may do to its bot, at most: when used, it grants no more
    /// than its creator could grant then.
    pub permissions: Permissions,
    /// SHA-256 of the secret.
    pub secret_hash: [u8; 32],
    /// The member who generated it.
    pub created_by: MemberId,
    /// When it was generated.
    pub created_at: Timestamp,
    /// Whether it was revoked; a revoked key resolves to nothing.
    pub revoked: bool,
}

/// An API key as listed and audited: everything but its secret's hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyInfo {
    /// The key.
    pub id: ApiKeyId,
    /// The only bot it acts on.
    pub bot: BotId,
    /// What it may do to its bot, at most.
    pub permissions: Permissions,
    /// The member who generated it.
    pub created_by: MemberId,
    /// When it was generated.
    pub created_at: Timestamp,
    /// Whether it was revoked.
    pub revoked: bool,
}

impl ApiKeyInfo {
    /// What a stored key shows.
    #[must_use]
    pub fn of(k: &ApiKey) -> ApiKeyInfo {
        ApiKeyInfo {
            id: k.id,
            bot: k.bot,
            permissions: k.permissions,
            created_by: k.created_by,
            created_at: k.created_at,
            revoked: k.revoked,
        }
    }
}
