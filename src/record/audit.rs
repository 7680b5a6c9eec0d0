//! Audit events: who changed what, before and after, when.

use super::bots::{ApiKeyInfo, Bot};
use super::contacts::StoredContact;
use super::knowledge::StoredKnowledgeBase;
use super::member::{Invitation, Member, Timestamp};
use crate::model::id::{KnowledgeBaseId, MemberId, OrgId};
use crate::model::role::Role;
use crate::model::team::Team;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// One audited change, written in the same commit as the change itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    /// The object before; `None` when it was created.
    pub before: Option<AuditValue>,
    /// The object after; `None` when it was deleted.
    pub after: Option<AuditValue>,
}

/// The object an audit event shows, before or after the change, as the
/// typed record it is.
///
/// It serializes as the record alone (a member as a [`Member`], a setting
/// as `{"key": value}`), which is also how the SQL stores keep it; read
/// back, the event's subject says which record it is
/// ([`AuditValue::from_json`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditValue {
    /// A member (`member:…`).
    Member(Member),
    /// A team (`team:…`).
    Team(Team),
    /// An invitation (`invitation:…`).
    Invitation(Invitation),
    /// A bot (`bot:…`).
    Bot(Bot),
    /// An API key, without its secret's hash (`api-key:…`).
    ApiKey(ApiKeyInfo),
    /// A role of the catalog (`role:…`).
    Role(Role),
    /// A knowledge base's record (`kb:…`).
    KnowledgeBase(StoredKnowledgeBase),
    /// A knowledge base declared in the catalog without a record, as it
    /// was removed (`kb:…`).
    KnowledgeBaseId(KnowledgeBaseId),
    /// The organization's name and seat limit (`organization:…`).
    Organization {
        /// The name.
        name: String,
        /// The seat limit.
        seat_limit: u32,
    },
    /// One of the organization's settings (`organization:…`); `None` when
    /// unset.
    Setting {
        /// The setting's key.
        key: String,
        /// Its value.
        value: Option<String>,
    },
    /// A contact (`contact:…`).
    Contact(StoredContact),
}

impl Serialize for AuditValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AuditValue::Member(m) => m.serialize(serializer),
            AuditValue::Team(t) => t.serialize(serializer),
            AuditValue::Invitation(i) => i.serialize(serializer),
            AuditValue::Bot(b) => b.serialize(serializer),
            AuditValue::ApiKey(k) => k.serialize(serializer),
            AuditValue::Role(r) => r.serialize(serializer),
            AuditValue::KnowledgeBase(k) => k.serialize(serializer),
            AuditValue::KnowledgeBaseId(id) => id.serialize(serializer),
            AuditValue::Organization { name, seat_limit } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("name", name)?;
                map.serialize_entry("seat_limit", seat_limit)?;
                map.end()
            }
            AuditValue::Setting { key, value } => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(key, value)?;
                map.end()
            }
            AuditValue::Contact(c) => c.serialize(serializer),
        }
    }
}

#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
impl AuditValue {
    /// The value as JSON: the record alone, as the SQL stores keep it.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The value of an event about `subject`, from its JSON.
    ///
    /// # Errors
    ///
    /// A [`serde_json::Error`] when the text is not such a record (or the
    /// subject names no kind of record).
    pub fn from_json(subject: &str, text: &str) -> Result<AuditValue, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        Self::from_value(subject, value)
    }

    fn from_value(
        subject: &str,
        value: serde_json::Value,
    ) -> Result<AuditValue, serde_json::Error> {
        use serde::de::Error as _;
        use serde_json::from_value as read;
        let kind = subject.split(':').next().unwrap_or_default();
        Ok(match kind {
            "member" => AuditValue::Member(read(value)?),
            "team" => AuditValue::Team(read(value)?),
            "invitation" => AuditValue::Invitation(read(value)?),
            "bot" => AuditValue::Bot(read(value)?),
            "api-key" => AuditValue::ApiKey(read(value)?),
            "role" => AuditValue::Role(read(value)?),
            "kb" if value.is_object() => AuditValue::KnowledgeBase(read(value)?),
            "kb" => AuditValue::KnowledgeBaseId(read(value)?),
            "contact" => AuditValue::Contact(read(value)?),
            "organization" => {
                let serde_json::Value::Object(mut map) = value else {
                    return Err(serde_json::Error::custom(
                        "an organization's value is an object",
                    ));
                };
                if map.len() == 2 && map.contains_key("name") && map.contains_key("seat_limit") {
                    AuditValue::Organization {
                        name: read(map.remove("name").unwrap_or_default())?,
                        seat_limit: read(map.remove("seat_limit").unwrap_or_default())?,
                    }
                } else if let (1, Some((key, value))) = (map.len(), map.into_iter().next()) {
                    AuditValue::Setting {
                        key,
                        value: read(value)?,
                    }
                } else {
                    return Err(serde_json::Error::custom("not an organization's value"));
                }
            }
            _ => {
                return Err(serde_json::Error::custom(format!(
                    "no record for the subject `{subject}`"
                )))
            }
        })
    }
}

/// An event reads back with each value decoded by the event's subject
/// (feature `json`).
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
impl<'de> serde::Deserialize<'de> for AuditEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        #[derive(Deserialize)]
        struct Raw {
            org: OrgId,
            version: u64,
            index: u32,
            at: Timestamp,
            actor: Option<MemberId>,
            action: String,
            subject: String,
            before: Option<serde_json::Value>,
            after: Option<serde_json::Value>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let value = |v: Option<serde_json::Value>| {
            v.map(|v| AuditValue::from_value(&raw.subject, v).map_err(D::Error::custom))
                .transpose()
        };
        Ok(AuditEvent {
            before: value(raw.before)?,
            after: value(raw.after)?,
            org: raw.org,
            version: raw.version,
            index: raw.index,
            at: raw.at,
            actor: raw.actor,
            action: raw.action,
            subject: raw.subject,
        })
    }
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
