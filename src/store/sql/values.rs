//! Values between rows and records: ids, enums by name, JSON, digests, and
//! errors, every decoded value checked.

use crate::model::actor::MemberStatus;
use crate::model::id::{MemberId, OrgId};
use crate::model::scope::Reach;
use crate::record::{AuditEvent, AuditValue, InvitationState, Timestamp};
use crate::store::StoreError;
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

pub(crate) fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string().into())
}

/// Lock waits, serialization failures and deadlocks mean another writer got
/// there first: the directory reloads and decides again.
pub(crate) fn from_sqlx(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        let code = db.code().unwrap_or_default();
        let contended = matches!(code.as_ref(), "40001" | "40P01" | "5" | "6" | "517" | "261");
        let message = db.message();
        if contended || message.contains("database is locked") {
            return StoreError::Conflict;
        }
    }
    StoreError::Backend(Box::new(e))
}

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(super) fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| backend(format!("{what} {v} is beyond the stored range")))
}

/// The organization's key as stored; `None` for an id beyond what a store
/// holds, which no organization can have (creation refuses it).
pub(super) fn stored_org(org: OrgId) -> Option<i64> {
    i64::try_from(org.0).ok()
}

pub(super) fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| corrupt(format!("negative {what} {v}")))
}

pub(super) fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(col)
        .map_err(|e| corrupt(format!("column {col}: {e}")))
}

pub(super) fn id(row: &AnyRow, col: &str) -> Result<u64, StoreError> {
    to_u64(get::<i64>(row, col)?, col)
}

pub(super) fn json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("{what}: {e}")))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}

pub(super) fn reach(text: &str) -> Result<Reach, StoreError> {
    match text {
        "all" => Ok(Reach::All),
        "own" => Ok(Reach::Own),
        other => Err(corrupt(format!("unknown reach `{other}`"))),
    }
}

pub(super) fn reach_name(r: Reach) -> &'static str {
    match r {
        Reach::All => "all",
        Reach::Own => "own",
    }
}

pub(super) fn status(text: &str) -> Result<MemberStatus, StoreError> {
    match text {
        "active" => Ok(MemberStatus::Active),
        "disabled" => Ok(MemberStatus::Disabled),
        "invited" => Ok(MemberStatus::Invited),
        other => Err(corrupt(format!("unknown member status `{other}`"))),
    }
}

pub(super) fn status_name(s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Active => "active",
        MemberStatus::Disabled => "disabled",
        MemberStatus::Invited => "invited",
    }
}

pub(super) fn invitation_state(text: &str) -> Result<InvitationState, StoreError> {
    match text {
        "pending" => Ok(InvitationState::Pending),
        "accepted" => Ok(InvitationState::Accepted),
        "revoked" => Ok(InvitationState::Revoked),
        other => Err(corrupt(format!("unknown invitation state `{other}`"))),
    }
}

pub(super) fn invitation_state_name(s: InvitationState) -> &'static str {
    match s {
        InvitationState::Pending => "pending",
        InvitationState::Accepted => "accepted",
        InvitationState::Revoked => "revoked",
    }
}

pub(super) fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn unhex(text: &str) -> Result<[u8; 32], StoreError> {
    let bad = || corrupt("secret hash is not 64 hexadecimal digits");
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// An audit event from its row (of the organization's log or a contact's).
pub(super) fn audit_event(org: OrgId, r: &AnyRow) -> Result<AuditEvent, StoreError> {
    let subject: String = get(r, "subject")?;
    Ok(AuditEvent {
        org,
        version: id(r, "version")?,
        index: u32::try_from(get::<i64>(r, "idx")?)
            .map_err(|_| corrupt("audit index out of range"))?,
        at: Timestamp(id(r, "at")?),
        actor: get::<Option<i64>>(r, "actor")?
            .map(|a| to_u64(a, "actor").map(MemberId))
            .transpose()?,
        before: audit_value(&subject, get(r, "before_value")?)?,
        after: audit_value(&subject, get(r, "after_value")?)?,
        action: get(r, "action")?,
        subject,
    })
}

/// An audit event's value from its stored JSON, by the event's subject.
fn audit_value(subject: &str, text: Option<String>) -> Result<Option<AuditValue>, StoreError> {
    text.map(|t| {
        AuditValue::from_json(subject, &t)
            .map_err(|e| corrupt(format!("audit value of {subject}: {e}")))
    })
    .transpose()
}
