//! Audit events: who changed what, before and after, when.

use super::member::Timestamp;
use crate::model::id::{MemberId, OrgId};
use serde::{Deserialize, Serialize};

/// One audited change, written in the same commit as the change itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The organization.
    pub org: OrgId,
    /// The organization's version that the change produced.
    pub version: u64,
    /// Position within that version's events.
    pub index: u32,
    /// When.
    pub at: Timestamp,
    /// Who: the acting member. Creating an organization is recorded as the
    /// founder's act, and accepting an invitation as the new member's (the
    /// invitation's creator is in the invitation record). `None` marks a
    /// change the host made as the system, not as a member:
    /// `Directory::set_seat_limit` (its billing).
    pub actor: Option<MemberId>,
    /// What: the operation's stable name (`change_role`, `remove_member`, …).
    pub action: String,
    /// The object changed (`member:7`, `team:2`, `invitation:4`).
    pub subject: String,
    /// The object before, as JSON; `None` when it was created.
    pub before: Option<String>,
    /// The object after, as JSON; `None` when it was deleted.
    pub after: Option<String>,
}

/// A position in an organization's audit log: an event's version and index.
/// Pages of the log start after a cursor.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct AuditCursor {
    /// The version of the commit that wrote the event.
    pub version: u64,
    /// The event's position within that commit.
    pub index: u32,
}

impl AuditEvent {
    /// The event's position, to read the page after it.
    #[must_use]
    pub fn cursor(&self) -> AuditCursor {
        AuditCursor {
            version: self.version,
            index: self.index,
        }
    }
}
