//! Contacts in the SQL stores: one row each in `purview_contacts`, read by
//! its key or its external id, written with its audit event in one
//! statement on PostgreSQL (one transaction on SQLite), conditional on the
//! contact's own version. No statement reads more than the contact's row.

use super::statement::{bound, Arg, Dialect, Statement};
use super::values::{audit_event, corrupt, from_sqlx, get, id, json, stored_org, to_i64, to_json};
use super::SqlCore;
use crate::model::contact::{Attributes, ContactOrigin};
use crate::model::id::ContactId;
use crate::model::id::OrgId;
use crate::record::StoredContact;
use crate::record::{AuditEvent, AuditValue};
use crate::store::{ContactWrite, StoreError};
use sqlx::any::AnyRow;

const COLUMNS: &str = "contact_id, external_id, origin, attributes, version";

fn origin_name(o: ContactOrigin) -> &'static str {
    match o {
        ContactOrigin::System => "system",
        ContactOrigin::Manual => "manual",
    }
}

fn decode(r: &AnyRow) -> Result<StoredContact, StoreError> {
    let id = ContactId(id(r, "contact_id")?);
    let origin = match get::<String>(r, "origin")?.as_str() {
        "system" => ContactOrigin::System,
        "manual" => ContactOrigin::Manual,
        other => {
            return Err(corrupt(format!(
                "purview_contacts contact_id {}: unknown origin `{other}`",
                id.0
            )))
        }
    };
    let attributes: Attributes = json(&get::<String>(r, "attributes")?, "contact attributes")?;
    Ok(StoredContact {
        id,
        external_id: get(r, "external_id")?,
        origin,
        attributes,
        version: super::values::id(r, "version")?,
    })
}

impl SqlCore {
    pub(crate) async fn contact(
        &self,
        org: OrgId,
        contact: ContactId,
    ) -> Result<Option<StoredContact>, StoreError> {
        let (Some(key), Ok(contact)) = (stored_org(org), i64::try_from(contact.0)) else {
            return Ok(None);
        };
        let row = sqlx::query(&self.sql(&format!(
            "SELECT {COLUMNS} FROM purview_contacts WHERE org_id = $1 AND contact_id = $2"
        )))
        .bind(key)
        .bind(contact)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?;
        row.as_ref().map(decode).transpose()
    }

    pub(crate) async fn contact_by_external_id(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> Result<Option<StoredContact>, StoreError> {
        let Some(key) = stored_org(org) else {
            return Ok(None);
        };
        let row = sqlx::query(&self.sql(&format!(
            "SELECT {COLUMNS} FROM purview_contacts WHERE org_id = $1 AND external_id = $2"
        )))
        .bind(key)
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(from_sqlx)?;
        row.as_ref().map(decode).transpose()
    }

    pub(crate) async fn contact_audit(
        &self,
        org: OrgId,
        contact: ContactId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let (Some(key), Ok(contact)) = (stored_org(org), i64::try_from(contact.0)) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(&self.sql(
            "SELECT version, idx, at, actor, action, subject, before_value, after_value
             FROM purview_contact_audit
             WHERE org_id = $1 AND contact_id = $2 AND version > $3
             ORDER BY version LIMIT $4",
        ))
        .bind(key)
        .bind(contact)
        .bind(after.map_or(0, |a| i64::try_from(a).unwrap_or(i64::MAX)))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        rows.iter().map(|r| audit_event(org, r)).collect()
    }

    /// Writes a contact and its audit event: on PostgreSQL one statement
    /// whose audit insert is joined to the contact's write, on SQLite the
    /// write then the event in one transaction. The write changes no row
    /// when the version moved, the id or external id exists (creation), a
    /// contact was ever deleted under this id, or the organization does not
    /// exist: a conflict, nothing written.
    pub(crate) async fn write_contact(&self, w: ContactWrite<'_>) -> Result<(), StoreError> {
        let one = self.dialect == Dialect::Postgres;
        let mut st = Statement::new(self.dialect);
        let org = st.p(Arg::Int(to_i64(w.org.0, "organization id")?));
        let id = st.p(Arg::Int(to_i64(w.id.0, "contact id")?));
        let write = match (w.contact, w.expected_version) {
            (Some(c), expected) => {
                let external = st.p(Arg::OptText(c.external_id.clone()));
                let origin = st.p(Arg::Text(origin_name(c.origin).to_owned()));
                let attributes = st.p(Arg::Text(to_json(&c.attributes)?));
                let version = st.p(Arg::Int(to_i64(c.version, "contact version")?));
                match expected {
                    None => format!(
                        "INSERT INTO purview_contacts
                           (org_id, contact_id, external_id, origin, attributes, version)
                         SELECT {org}, {id}, {external}, {origin}, {attributes}, {version}
                         WHERE EXISTS (SELECT 1 FROM purview_orgs WHERE org_id = {org})
                           AND NOT EXISTS (SELECT 1 FROM purview_contact_audit
                                           WHERE org_id = {org} AND contact_id = {id})
                         ON CONFLICT DO NOTHING"
                    ),
                    Some(v) => {
                        let expected = st.p(Arg::Int(to_i64(v, "contact version")?));
                        format!(
                            "UPDATE purview_contacts
                             SET external_id = {external}, origin = {origin},
                                 attributes = {attributes}, version = {version}
                             WHERE org_id = {org} AND contact_id = {id} AND version = {expected}"
                        )
                    }
                }
            }
            (None, Some(v)) => {
                let expected = st.p(Arg::Int(to_i64(v, "contact version")?));
                format!(
                    "DELETE FROM purview_contacts
                     WHERE org_id = {org} AND contact_id = {id} AND version = {expected}"
                )
            }
            (None, None) => return Err(StoreError::Conflict),
        };
        if !one {
            // SQLite: the write alone first; the event after it.
            st.text = write.clone();
            let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
            self.step()?;
            let done = bound(&st).execute(&mut *tx).await.map_err(from_sqlx)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
            let mut ev = Statement::new(self.dialect);
            let org = ev.p(Arg::Int(to_i64(w.org.0, "organization id")?));
            let id = ev.p(Arg::Int(to_i64(w.id.0, "contact id")?));
            ev.text = format!(
                "{} VALUES ({})",
                AUDIT_INSERT,
                event_values(&mut ev, &org, &id, w.event)?
            );
            self.step()?;
            bound(&ev).execute(&mut *tx).await.map_err(from_sqlx)?;
            self.step()?;
            return tx.commit().await.map_err(from_sqlx);
        }
        let values = event_values(&mut st, &org, &id, w.event)?;
        st.text = format!(
            "WITH c AS ({write} RETURNING 1 AS done),
             a AS ({AUDIT_INSERT} SELECT {values} FROM c)
             SELECT done FROM c"
        );
        self.step()?;
        let row = bound(&st)
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)?;
        if row.is_some() {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }
}

const AUDIT_INSERT: &str = "INSERT INTO purview_contact_audit
    (org_id, contact_id, version, idx, at, actor, action, subject, before_value, after_value)";

/// The values of an audit row, bound to `st`.
fn event_values(
    st: &mut Statement,
    org: &str,
    id: &str,
    e: &AuditEvent,
) -> Result<String, StoreError> {
    let version = st.p(Arg::Int(to_i64(e.version, "contact version")?));
    let at = st.p(Arg::Int(to_i64(e.at.0, "timestamp")?));
    let actor = match e.actor {
        Some(a) => st.p(Arg::Int(to_i64(a.0, "actor")?)),
        None => "NULL".to_owned(),
    };
    let action = st.p(Arg::Text(e.action.clone()));
    let subject = st.p(Arg::Text(e.subject.clone()));
    let before = st.p(Arg::OptText(e.before.as_ref().map(AuditValue::to_json)));
    let after = st.p(Arg::OptText(e.after.as_ref().map(AuditValue::to_json)));
    Ok(format!(
        "{org}, {id}, {version}, 0, {at}, {actor}, {action}, {subject}, {before}, {after}"
    ))
}
