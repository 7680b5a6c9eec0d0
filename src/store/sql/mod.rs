//! The SQL stores' shared core: one schema with versioned migrations, the
//! commit protocol and the reads, over sqlx's `Any` driver so that SQLite
//! and PostgreSQL share every statement but their dialect. The parts:
//!
//! | file | what |
//! |---|---|
//! | `schema.rs` | the migrations and the notification channel |
//! | `statement.rs` | the dialects, statements and their bound values |
//! | `values.rs` | values between rows and records, checked |
//! | `tables.rs` | every table a commit writes, described once |
//! | `write.rs` | a commit as set-based statements |
//! | `log.rs` | the change log's form of a change |
//! | `decode.rs` | an organization's rows into its state |
//! | `contacts.rs` | contacts, one row each |
//! | `mod.rs` | [`SqlCore`]: the commit protocol and the reads |

mod contacts;
mod decode;
mod log;
mod schema;
mod statement;
mod tables;
mod values;
mod write;

#[cfg(feature = "postgres")]
pub(crate) use schema::CHANNEL;
pub(crate) use statement::Dialect;
pub(crate) use values::{backend, from_sqlx};

use crate::model::id::OrgId;
use crate::record::{AuditCursor, AuditEvent, Committed, OrgState};
use crate::store::{Commit, StoreError, Updates};
use decode::{consecutive, decode, Rows};
use schema::{MIGRATIONS, SCHEMA_VERSION};
use sqlx::{Any, AnyPool, Row, Transaction};
use statement::bound;
use std::borrow::Cow;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use values::{audit_event, corrupt, get, id, stored_org, to_i64};

/// The shared core of [`crate::SqliteStore`] and [`crate::PostgresStore`].
///
/// Its `Debug` shows the dialect and the pool's counts, never the pool's
/// connect options (which hold the password).
#[derive(Clone)]
pub(crate) struct SqlCore {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    /// Statements left before an injected failure; negative when none is armed.
    fail_after: Arc<AtomicI64>,
}

impl std::fmt::Debug for SqlCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlCore")
            .field("dialect", &self.dialect)
            .field("connections", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .field("closed", &self.pool.is_closed())
            .finish_non_exhaustive()
    }
}
impl SqlCore {
    pub(crate) fn new(pool: AnyPool, dialect: Dialect) -> SqlCore {
        SqlCore {
            pool,
            dialect,
            fail_after: Arc::new(AtomicI64::new(-1)),
        }
    }

    /// The statement in this store's dialect: `$n` placeholders become `?n`
    /// for SQLite.
    pub(super) fn sql<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.dialect {
            Dialect::Postgres => Cow::Borrowed(text),
            Dialect::Sqlite => Cow::Owned(text.replace('$', "?")),
        }
    }

    #[cfg(feature = "testkit")]
    /// Arms a failure: the `n`-th statement of the next commits fails (0 is
    /// the first), as a lost connection would.
    pub(crate) fn fail_after(&self, statements: usize) {
        let n = i64::try_from(statements).unwrap_or(i64::MAX);
        self.fail_after.store(n, Ordering::SeqCst);
    }

    /// Disarms an injected failure.
    #[cfg(feature = "testkit")]
    pub(crate) fn disarm(&self) {
        self.fail_after.store(-1, Ordering::SeqCst);
    }

    pub(super) fn step(&self) -> Result<(), StoreError> {
        let left = self.fail_after.load(Ordering::SeqCst);
        if left < 0 {
            return Ok(());
        }
        if left == 0 {
            self.fail_after.store(-1, Ordering::SeqCst);
            return Err(StoreError::Backend("injected failure".into()));
        }
        self.fail_after.store(left - 1, Ordering::SeqCst);
        Ok(())
    }

    /// Creates or upgrades the schema, one migration at a time, each in its
    /// own transaction together with the recorded version.
    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        if self.dialect == Dialect::Postgres {
            // Replicas starting at once migrate one after another.
            sqlx::query("SELECT pg_advisory_xact_lock(7270811)")
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
        }
        sqlx::query("CREATE TABLE IF NOT EXISTS purview_schema (version BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(from_sqlx)?;
        let current: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM purview_schema")
            .fetch_one(&mut *tx)
            .await
            .map_err(from_sqlx)?
            .try_get("v")
            .map_err(|e| corrupt(format!("schema version: {e}")))?;
        let current = current.unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(backend(format!(
                "the database has schema version {current}, newer than this crate's {SCHEMA_VERSION}"
            )));
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            for statement in *migration {
                sqlx::query(statement)
                    .execute(&mut *tx)
                    .await
                    .map_err(from_sqlx)?;
            }
            sqlx::query(&self.sql("INSERT INTO purview_schema (version) VALUES ($1)"))
                .bind(i as i64 + 1)
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
        }
        tx.commit().await.map_err(from_sqlx)
    }

    /// The schema version recorded in the database.
    pub(crate) async fn schema_version(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT MAX(version) AS v FROM purview_schema")
            .fetch_one(&self.pool)
            .await
            .map_err(from_sqlx)?;
        let v: Option<i64> = row.try_get("v").map_err(corrupt)?;
        Ok(v.unwrap_or(0))
    }

    async fn begin_read(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        if self.dialect == Dialect::Postgres {
            // One snapshot for every table read.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
        }
        Ok(tx)
    }

    pub(crate) async fn version(&self, org: OrgId) -> Result<u64, StoreError> {
        let Some(key) = stored_org(org) else {
            return Ok(0);
        };
        let row = sqlx::query(&self.sql("SELECT version FROM purview_orgs WHERE org_id = $1"))
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(from_sqlx)?;
        match row {
            None => Ok(0),
            Some(row) => id(&row, "version"),
        }
    }

    pub(crate) async fn load(&self, org: OrgId) -> Result<Option<Arc<OrgState>>, StoreError> {
        let Some(key) = stored_org(org) else {
            return Ok(None);
        };
        let mut tx = self.begin_read().await?;
        let Some(row) = sqlx::query(&self.sql(
            "SELECT name, catalog_name, policy, knowledge_bases, matrix, seat_limit, version,
                    settings
             FROM purview_orgs WHERE org_id = $1",
        ))
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(from_sqlx)?
        else {
            return Ok(None);
        };
        let roles = sqlx::query(&self.sql(
            "SELECT role_key, name, permissions, view_scope, manage_scope, team_reach, bot_reach,
                    knowledge, is_unique, is_disabled
             FROM purview_roles WHERE org_id = $1 ORDER BY position",
        ))
        .bind(key)
        .fetch_all(&mut *tx)
        .await
        .map_err(from_sqlx)?;
        let members = sqlx::query(&self.sql(
            "SELECT member_id, email, user_code, user_name, display_name, phone, role_key, status,
                    teams, bots, bot_levels
             FROM purview_members WHERE org_id = $1 ORDER BY position",
        ))
        .bind(key)
        .fetch_all(&mut *tx)
        .await
        .map_err(from_sqlx)?;
        let teams = sqlx::query(&self.sql(
            "SELECT team_id, code, name FROM purview_teams WHERE org_id = $1 ORDER BY position",
        ))
        .bind(key)
        .fetch_all(&mut *tx)
        .await
        .map_err(from_sqlx)?;
        let invitations = sqlx::query(&self.sql(
            "SELECT invitation_id, email, role_key, secret_hash, created_by, created_at,
                    expires_at, state
             FROM purview_invitations WHERE org_id = $1 ORDER BY position",
        ))
        .bind(key)
        .fetch_all(&mut *tx)
        .await
        .map_err(from_sqlx)?;
        let bots = sqlx::query(&self.sql(
            "SELECT bot_id, name, published FROM purview_bots WHERE org_id = $1 ORDER BY position",
        ))
        .bind(key)
        .fetch_all(&mut *tx)
        .await
        .map_err(from_sqlx)?;
        let api_keys = sqlx::query(&self.sql(
            "SELECT api_key_id, bot_id, permissions, secret_hash, created_by, created_at, revoked
             FROM purview_api_keys WHERE org_id = $1 ORDER BY position",
        ))
        .bind(key)
        .fetch_all(&mut *tx)
        .await
        .map_err(from_sqlx)?;
        let knowledge_bases = sqlx::query(&self.sql(
            "SELECT kb_id, name, audience FROM purview_knowledge_bases
             WHERE org_id = $1 ORDER BY position",
        ))
        .bind(key)
        .fetch_all(&mut *tx)
        .await
        .map_err(from_sqlx)?;
        tx.commit().await.map_err(from_sqlx)?;
        let rows = Rows {
            knowledge_bases: &knowledge_bases,
            org: &row,
            roles: &roles,
            members: &members,
            teams: &teams,
            invitations: &invitations,
            bots: &bots,
            api_keys: &api_keys,
        };
        decode(org, &rows).map(|s| Some(Arc::new(s)))
    }

    /// The change log after `version`, by the primary key; `None` when it
    /// does not reach back that far (commits written before the log existed,
    /// or the organization's creation).
    pub(crate) async fn changes_since(
        &self,
        org: OrgId,
        version: u64,
        limit: usize,
    ) -> Result<Option<Vec<Committed>>, StoreError> {
        let Some(key) = stored_org(org) else {
            return Ok(None);
        };
        if version == 0 {
            return Ok(None);
        }
        let rows = sqlx::query(&self.sql(
            "SELECT version, changes FROM purview_changes
             WHERE org_id = $1 AND version > $2 ORDER BY version LIMIT $3",
        ))
        .bind(key)
        .bind(to_i64(version, "version")?)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        consecutive(version, &rows)
    }

    /// The version and the change log after `since` in one statement: the
    /// organization's row and the log's rows by their primary keys (one
    /// snapshot, so the two agree).
    pub(crate) async fn updates(
        &self,
        org: OrgId,
        since: u64,
        limit: usize,
    ) -> Result<Updates, StoreError> {
        let Some(key) = stored_org(org) else {
            return Ok(Updates::default());
        };
        let rows = sqlx::query(&self.sql(
            "SELECT CAST(0 AS BIGINT) AS kind, version, CAST(NULL AS TEXT) AS changes
             FROM purview_orgs WHERE org_id = $1
             UNION ALL
             SELECT CAST(1 AS BIGINT) AS kind, version, changes FROM (
               SELECT version, changes FROM purview_changes
               WHERE org_id = $1 AND version > $2 ORDER BY version LIMIT $3) AS c",
        ))
        .bind(key)
        .bind(to_i64(since, "version")?)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        let mut version = 0;
        let mut logged = Vec::with_capacity(rows.len());
        for r in &rows {
            if get::<i64>(r, "kind")? == 0 {
                version = id(r, "version")?;
            } else {
                logged.push(r);
            }
        }
        if version == 0 {
            return Ok(Updates::default());
        }
        if version <= since {
            let commits = (version == since).then(Vec::new);
            return Ok(Updates { version, commits });
        }
        // The creation is not logged: version 1 has no log row.
        if since == 0 {
            return Ok(Updates {
                version,
                commits: None,
            });
        }
        let commits = consecutive(since, logged)?.filter(|c| !c.is_empty());
        Ok(Updates { version, commits })
    }

    /// A page of the audit log, by the primary key (organization, version,
    /// index): the page costs the same whatever the history's length.
    pub(crate) async fn audit_page(
        &self,
        org: OrgId,
        after: Option<AuditCursor>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let Some(key) = stored_org(org) else {
            return Ok(Vec::new());
        };
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Before the first event: version 0 has none.
        let after = after.unwrap_or_default();
        let rows = sqlx::query(&self.sql(
            "SELECT version, idx, at, actor, action, subject, before_value, after_value
             FROM purview_audit
             WHERE org_id = $1 AND (version > $2 OR (version = $2 AND idx > $3))
             ORDER BY version, idx LIMIT $4",
        ))
        .bind(key)
        .bind(i64::try_from(after.version).unwrap_or(i64::MAX))
        .bind(i64::from(after.index))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(from_sqlx)?;
        rows.iter().map(|r| audit_event(org, r)).collect()
    }

    /// Applies a commit atomically. On PostgreSQL it is one statement (one
    /// round trip): the conditional version move first, every write joined
    /// to it, the notification sent by the same statement. On SQLite, a few
    /// statements in one transaction, the version move first. Either way a
    /// commit of 100,000 records takes as many statements as a commit of
    /// one, and any failure leaves nothing written.
    pub(crate) async fn commit(&self, commit: Commit<'_>) -> Result<u64, StoreError> {
        let (statements, version) = write::statements(self.dialect, &commit)?;
        if self.dialect == Dialect::Postgres {
            for statement in &statements {
                self.step()?;
                let row = bound(statement)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(from_sqlx)?;
                if row.is_none() {
                    return Err(StoreError::Conflict);
                }
            }
            return Ok(version);
        }
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        for (i, statement) in statements.iter().enumerate() {
            self.step()?;
            let done = bound(statement)
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
            if i == 0 && done.rows_affected() != 1 {
                // The version moved (or the organization exists): nothing
                // is written.
                return Err(StoreError::Conflict);
            }
        }
        self.step()?;
        tx.commit().await.map_err(from_sqlx)?;
        Ok(version)
    }
}

/// What both SQL stores offer beyond opening: raw statements and failure
/// injection (feature `testkit`), closing, and the [`Store`](super::Store)
/// implementation, all delegated to their [`SqlCore`].
macro_rules! sql_store_common {
    ($store:ident) => {
        impl $store {
            /// Runs one SQL statement as it is, for tests that damage stored
            /// rows on purpose (feature `testkit`). Returns the rows affected.
            ///
            /// # Errors
            ///
            /// [`StoreError::Backend`] when the statement fails.
            #[cfg(feature = "testkit")]
            pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
                let done = sqlx::query(sql)
                    .execute(&self.core.pool)
                    .await
                    .map_err(backend)?;
                Ok(done.rows_affected())
            }

            /// The schema version recorded in the database.
            ///
            /// # Errors
            ///
            /// [`StoreError::Backend`] when the database cannot be read.
            pub async fn schema_version(&self) -> Result<i64, StoreError> {
                self.core.schema_version().await
            }

            /// Failure injection for tests (feature `testkit`): the statement
            /// at this position within the next commit fails as a lost
            /// connection would, and the transaction rolls back.
            #[cfg(feature = "testkit")]
            pub fn fail_after(&self, statements: usize) {
                self.core.fail_after(statements);
            }

            /// Disarms an injected failure.
            #[cfg(feature = "testkit")]
            pub fn disarm(&self) {
                self.core.disarm();
            }

            /// Closes the pool, waiting for connections to finish.
            pub async fn close(&self) {
                self.core.pool.close().await;
            }
        }

        impl Store for $store {
            async fn load(&self, org: OrgId) -> Result<Option<Arc<OrgState>>, StoreError> {
                self.core.load(org).await
            }

            async fn commit(&self, commit: Commit<'_>) -> Result<u64, StoreError> {
                self.core.commit(commit).await
            }

            async fn audit_page(
                &self,
                org: OrgId,
                after: Option<crate::record::AuditCursor>,
                limit: usize,
            ) -> Result<Vec<AuditEvent>, StoreError> {
                self.core.audit_page(org, after, limit).await
            }

            async fn version(&self, org: OrgId) -> Result<u64, StoreError> {
                self.core.version(org).await
            }

            async fn contact(
                &self,
                org: OrgId,
                id: crate::model::id::ContactId,
            ) -> Result<Option<crate::record::StoredContact>, StoreError> {
                self.core.contact(org, id).await
            }

            async fn contact_by_external_id(
                &self,
                org: OrgId,
                external_id: &str,
            ) -> Result<Option<crate::record::StoredContact>, StoreError> {
                self.core.contact_by_external_id(org, external_id).await
            }

            async fn write_contact(
                &self,
                write: super::ContactWrite<'_>,
            ) -> Result<(), StoreError> {
                self.core.write_contact(write).await
            }

            async fn contact_audit(
                &self,
                org: OrgId,
                contact: crate::model::id::ContactId,
                after: Option<u64>,
                limit: usize,
            ) -> Result<Vec<AuditEvent>, StoreError> {
                self.core.contact_audit(org, contact, after, limit).await
            }

            async fn changes_since(
                &self,
                org: OrgId,
                version: u64,
                limit: usize,
            ) -> Result<Option<Vec<crate::record::Committed>>, StoreError> {
                self.core.changes_since(org, version, limit).await
            }

            async fn updates(
                &self,
                org: OrgId,
                since: u64,
                limit: usize,
            ) -> Result<super::Updates, StoreError> {
                self.core.updates(org, since, limit).await
            }
        }
    };
}
pub(crate) use sql_store_common;
