//! The SQL stores' shared core: one schema with versioned migrations, the
//! commit protocol and the decoding of stored rows, over sqlx's `Any` driver
//! so that SQLite and PostgreSQL share every statement but their dialect.

use super::{Commit, StoreError, Updates};
use crate::catalog::{Catalog, Policy};
use crate::id::{BotId, InvitationId, KnowledgeBaseId, MemberId, OrgId, TeamId};
use crate::matrix::Matrix;
use crate::permission::Permissions;
use crate::record::{AuditCursor, Committed, StoredRecord};
use crate::record::{
    AuditEvent, Change, Invitation, InvitationState, Member, OrgState, Organization, Timestamp,
};
use crate::role::{Role, RoleKey};
use crate::scope::{ConversationScope, KnowledgeRefs, Reach};
use crate::team::Team;
use crate::MemberStatus;
use indexmap::IndexMap;
use sqlx::any::AnyRow;
use sqlx::AnyPool;
use sqlx::{Any, Row, Transaction};
use std::borrow::Cow;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Which SQL dialect a store speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
    Postgres,
}

/// The channel PostgreSQL change notifications are sent on; the payload is
/// `<organization id>:<version>`.
pub(crate) const CHANNEL: &str = "purview_changes";

/// The schema, one migration per version, applied in order on open.
const MIGRATIONS: &[&[&str]] = &[
    &[
        "CREATE TABLE purview_orgs (
        org_id BIGINT PRIMARY KEY,
        name TEXT NOT NULL,
        catalog_name TEXT NOT NULL,
        policy TEXT NOT NULL,
        knowledge_bases TEXT NOT NULL,
        matrix TEXT,
        seat_limit BIGINT NOT NULL,
        version BIGINT NOT NULL)",
        "CREATE TABLE purview_roles (
        org_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        role_key TEXT NOT NULL,
        name TEXT NOT NULL,
        permissions BIGINT NOT NULL,
        view_scope BIGINT NOT NULL,
        manage_scope BIGINT NOT NULL,
        team_reach TEXT NOT NULL,
        bot_reach TEXT NOT NULL,
        knowledge TEXT NOT NULL,
        is_unique BIGINT NOT NULL,
        is_disabled BIGINT NOT NULL,
        PRIMARY KEY (org_id, role_key))",
        "CREATE TABLE purview_members (
        org_id BIGINT NOT NULL,
        member_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        email TEXT NOT NULL,
        user_code TEXT,
        user_name TEXT,
        display_name TEXT,
        phone TEXT,
        role_key TEXT NOT NULL,
        status TEXT NOT NULL,
        teams TEXT NOT NULL,
        bots TEXT NOT NULL,
        PRIMARY KEY (org_id, member_id))",
        "CREATE TABLE purview_teams (
        org_id BIGINT NOT NULL,
        team_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        code TEXT,
        name TEXT NOT NULL,
        PRIMARY KEY (org_id, team_id))",
        "CREATE TABLE purview_invitations (
        org_id BIGINT NOT NULL,
        invitation_id BIGINT NOT NULL,
        position BIGINT NOT NULL,
        email TEXT,
        role_key TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_by BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (org_id, invitation_id))",
        "CREATE TABLE purview_audit (
        org_id BIGINT NOT NULL,
        version BIGINT NOT NULL,
        idx BIGINT NOT NULL,
        at BIGINT NOT NULL,
        actor BIGINT,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        before_value TEXT,
        after_value TEXT,
        PRIMARY KEY (org_id, version, idx))",
    ],
    &[
        // The change log: each commit after the first, its changes as JSON.
        "CREATE TABLE purview_changes (
        org_id BIGINT NOT NULL,
        version BIGINT NOT NULL,
        changes TEXT NOT NULL,
        PRIMARY KEY (org_id, version))",
    ],
];

/// The schema version this build of the crate writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

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

pub(crate) fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Lock waits, serialization failures and deadlocks mean another writer got
/// there first: the directory reloads and decides again.
fn from_sqlx(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        let code = db.code().unwrap_or_default();
        let contended = matches!(code.as_ref(), "40001" | "40P01" | "5" | "6" | "517" | "261");
        let message = db.message();
        if contended || message.contains("database is locked") {
            return StoreError::Conflict;
        }
    }
    backend(e)
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn to_i64(v: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| backend(format!("{what} {v} is beyond the stored range")))
}

/// The organization's key as stored; `None` for an id beyond what a store
/// holds, which no organization can have (creation refuses it).
fn stored_org(org: OrgId) -> Option<i64> {
    i64::try_from(org.0).ok()
}

fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| corrupt(format!("negative {what} {v}")))
}

fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(col)
        .map_err(|e| corrupt(format!("column {col}: {e}")))
}

fn id(row: &AnyRow, col: &str) -> Result<u64, StoreError> {
    to_u64(get::<i64>(row, col)?, col)
}

fn json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}

fn reach(text: &str) -> Result<Reach, StoreError> {
    match text {
        "all" => Ok(Reach::All),
        "own" => Ok(Reach::Own),
        other => Err(corrupt(format!("unknown reach `{other}`"))),
    }
}

fn reach_name(r: Reach) -> &'static str {
    match r {
        Reach::All => "all",
        Reach::Own => "own",
    }
}

fn status(text: &str) -> Result<MemberStatus, StoreError> {
    match text {
        "active" => Ok(MemberStatus::Active),
        "disabled" => Ok(MemberStatus::Disabled),
        "invited" => Ok(MemberStatus::Invited),
        other => Err(corrupt(format!("unknown member status `{other}`"))),
    }
}

fn status_name(s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Active => "active",
        MemberStatus::Disabled => "disabled",
        MemberStatus::Invited => "invited",
    }
}

fn invitation_state(text: &str) -> Result<InvitationState, StoreError> {
    match text {
        "pending" => Ok(InvitationState::Pending),
        "accepted" => Ok(InvitationState::Accepted),
        "revoked" => Ok(InvitationState::Revoked),
        other => Err(corrupt(format!("unknown invitation state `{other}`"))),
    }
}

fn invitation_state_name(s: InvitationState) -> &'static str {
    match s {
        InvitationState::Pending => "pending",
        InvitationState::Accepted => "accepted",
        InvitationState::Revoked => "revoked",
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<[u8; 32], StoreError> {
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
    fn sql<'a>(&self, text: &'a str) -> Cow<'a, str> {
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

    fn step(&self) -> Result<(), StoreError> {
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
            "SELECT name, catalog_name, policy, knowledge_bases, matrix, seat_limit, version
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
                    teams, bots
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
        tx.commit().await.map_err(from_sqlx)?;
        decode(org, &row, &roles, &members, &teams, &invitations).map(|s| Some(Arc::new(s)))
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
        let mut commits = Vec::with_capacity(rows.len());
        for (expected, r) in (version + 1..).zip(&rows) {
            let at = id(r, "version")?;
            if at != expected {
                // A gap: the log does not hold every commit from there.
                return Ok(None);
            }
            commits.push(Committed {
                version: at,
                changes: log_entry(r)?,
            });
        }
        Ok(Some(commits))
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
        let mut commits = Vec::with_capacity(logged.len());
        for (expected, r) in (since + 1..).zip(&logged) {
            let at = id(r, "version")?;
            if at != expected {
                // A gap: the log does not hold every commit from there.
                return Ok(Updates {
                    version,
                    commits: None,
                });
            }
            commits.push(Committed {
                version: at,
                changes: log_entry(r)?,
            });
        }
        if commits.is_empty() {
            return Ok(Updates {
                version,
                commits: None,
            });
        }
        Ok(Updates {
            version,
            commits: Some(commits),
        })
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
        rows.iter()
            .map(|r| {
                Ok(AuditEvent {
                    org,
                    version: id(r, "version")?,
                    index: u32::try_from(get::<i64>(r, "idx")?)
                        .map_err(|_| corrupt("audit index out of range"))?,
                    at: Timestamp(id(r, "at")?),
                    actor: get::<Option<i64>>(r, "actor")?
                        .map(|a| to_u64(a, "actor").map(MemberId))
                        .transpose()?,
                    action: get(r, "action")?,
                    subject: get(r, "subject")?,
                    before: get(r, "before_value")?,
                    after: get(r, "after_value")?,
                })
            })
            .collect()
    }

    /// Applies a commit in one transaction: the version moves from the one
    /// read to the next (a conditional update that also locks the row), the
    /// changes and audit events are written, and a notification is queued
    /// (PostgreSQL). Any failure rolls everything back.
    pub(crate) async fn commit(&self, commit: Commit<'_>) -> Result<u64, StoreError> {
        let org = to_i64(commit.org.0, "organization id")?;
        if let (Dialect::Postgres, Some(expected)) = (self.dialect, commit.expected_version) {
            if let Some(statement) = OneStatement::of(org, expected, &commit)? {
                return self.commit_in_one(statement, expected).await;
            }
        }
        let mut tx = self.pool.begin().await.map_err(from_sqlx)?;
        let version = match commit.expected_version {
            None => {
                let Some(Change::CreateOrganization(o)) = commit.changes.first() else {
                    return Err(backend("a new organization must be created first"));
                };
                self.step()?;
                let inserted = sqlx::query(&self.sql(
                    "INSERT INTO purview_orgs
                       (org_id, name, catalog_name, policy, knowledge_bases, matrix, seat_limit, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT (org_id) DO NOTHING",
                ))
                .bind(org)
                .bind(o.name.clone())
                .bind(o.catalog.name().to_owned())
                .bind(to_json(o.catalog.policy())?)
                .bind(to_json(&o.catalog.knowledge_bases())?)
                .bind(o.catalog.stored_matrix().map(to_json).transpose()?)
                .bind(i64::from(o.seat_limit))
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
                if inserted.rows_affected() != 1 {
                    return Err(StoreError::Conflict);
                }
                for (position, role) in o.catalog.roles().enumerate() {
                    self.step()?;
                    self.put_role(&mut tx, org, position, role).await?;
                }
                1
            }
            Some(expected) => {
                self.step()?;
                let updated = sqlx::query(&self.sql(
                    "UPDATE purview_orgs SET version = version + 1
                     WHERE org_id = $1 AND version = $2",
                ))
                .bind(org)
                .bind(to_i64(expected, "version")?)
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::Conflict);
                }
                expected + 1
            }
        };
        self.write_changes(&mut tx, org, version, commit.changes)
            .await?;
        if commit.expected_version.is_some() {
            self.step()?;
            let logged: Vec<Logged<'_>> = commit.changes.iter().filter_map(Logged::of).collect();
            sqlx::query(
                &self.sql(
                    "INSERT INTO purview_changes (org_id, version, changes) VALUES ($1, $2, $3)",
                ),
            )
            .bind(org)
            .bind(to_i64(version, "version")?)
            .bind(to_json(&logged)?)
            .execute(&mut *tx)
            .await
            .map_err(from_sqlx)?;
        }
        for chunk in commit.events.chunks(BATCH_ROWS) {
            self.step()?;
            let sql = self.sql_rows(
                "INSERT INTO purview_audit
                   (org_id, version, idx, at, actor, action, subject, before_value, after_value)
                 VALUES ",
                chunk.len(),
                9,
                "",
            );
            let mut query = sqlx::query(&sql);
            for event in chunk {
                query = query
                    .bind(org)
                    .bind(to_i64(event.version, "version")?)
                    .bind(i64::from(event.index))
                    .bind(to_i64(event.at.0, "timestamp")?)
                    .bind(event.actor.map(|a| to_i64(a.0, "actor")).transpose()?)
                    .bind(event.action.clone())
                    .bind(event.subject.clone())
                    .bind(event.before.clone())
                    .bind(event.after.clone());
            }
            query.execute(&mut *tx).await.map_err(from_sqlx)?;
        }
        if self.dialect == Dialect::Postgres {
            self.step()?;
            // Delivered to listeners when, and only if, the transaction commits.
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(format!("{}:{version}", commit.org.0))
                .execute(&mut *tx)
                .await
                .map_err(from_sqlx)?;
        }
        self.step()?;
        tx.commit().await.map_err(from_sqlx)?;
        Ok(version)
    }

    async fn put_role(
        &self,
        tx: &mut Transaction<'static, Any>,
        org: i64,
        position: usize,
        role: &Role,
    ) -> Result<(), StoreError> {
        sqlx::query(&self.sql(
            "INSERT INTO purview_roles
               (org_id, position, role_key, name, permissions, view_scope, manage_scope,
                team_reach, bot_reach, knowledge, is_unique, is_disabled)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        ))
        .bind(org)
        .bind(position as i64)
        .bind(role.key().as_str().to_owned())
        .bind(role.name().to_owned())
        .bind(to_i64(role.raw_permissions().bits(), "permissions")?)
        .bind(i64::from(role.raw_view_scope().bits()))
        .bind(i64::from(role.raw_manage_scope().bits()))
        .bind(reach_name(role.raw_team_reach()))
        .bind(reach_name(role.raw_bot_reach()))
        .bind(to_json(role.raw_knowledge())?)
        .bind(i64::from(role.is_unique()))
        .bind(i64::from(role.is_disabled()))
        .execute(&mut **tx)
        .await
        .map_err(from_sqlx)?;
        Ok(())
    }

    /// A PostgreSQL commit of a few records as one statement, so one round
    /// trip: the conditional version move is the first part of the
    /// statement, and every write is joined to it, so that nothing is
    /// written unless the version moved; the notification is sent by the
    /// same statement. A statement is atomic by itself.
    async fn commit_in_one(
        &self,
        statement: OneStatement,
        expected: u64,
    ) -> Result<u64, StoreError> {
        self.step()?;
        let mut query = sqlx::query(&statement.text);
        for arg in statement.args {
            query = match arg {
                Arg::Int(v) => query.bind(v),
                Arg::OptInt(v) => query.bind(v),
                Arg::Text(v) => query.bind(v),
                Arg::OptText(v) => query.bind(v),
            };
        }
        let row = query.fetch_optional(&self.pool).await.map_err(from_sqlx)?;
        match row {
            Some(_) => Ok(expected + 1),
            None => Err(StoreError::Conflict),
        }
    }

    /// Writes a commit's changes with a bounded number of statements per
    /// table: the net effect per record (its last change; a record deleted
    /// and written again is deleted first, so it moves to the end as
    /// [`OrgState::apply`] does), then one multi-row `DELETE` and one
    /// multi-row upsert per [`BATCH_ROWS`] records. New rows are ordered by
    /// `position`, the commit's version in the high 32 bits and the record's
    /// place in the commit below: no `MAX(position)` is read.
    async fn write_changes(
        &self,
        tx: &mut Transaction<'static, Any>,
        org: i64,
        version: u64,
        changes: &[Change],
    ) -> Result<(), StoreError> {
        let (members, teams, invitations) = nets(changes);
        let position = positions(version)?;

        self.delete_rows(tx, org, "purview_members", "member_id", &members.deleted)
            .await?;
        self.delete_rows(tx, org, "purview_teams", "team_id", &teams.deleted)
            .await?;

        let rows: Vec<(usize, &Member)> = members.written();
        for chunk in rows.chunks(BATCH_ROWS) {
            self.step()?;
            let sql = self.sql_rows(
                "INSERT INTO purview_members
                   (org_id, member_id, position, email, user_code, user_name, display_name,
                    phone, role_key, status, teams, bots)
                 VALUES ",
                chunk.len(),
                12,
                " ON CONFLICT (org_id, member_id) DO UPDATE SET
                   email = excluded.email, user_code = excluded.user_code,
                   user_name = excluded.user_name, display_name = excluded.display_name,
                   phone = excluded.phone, role_key = excluded.role_key,
                   status = excluded.status, teams = excluded.teams, bots = excluded.bots",
            );
            let mut query = sqlx::query(&sql);
            for (i, m) in chunk {
                query = query
                    .bind(org)
                    .bind(to_i64(m.id.0, "member id")?)
                    .bind(position(*i))
                    .bind(m.email.clone())
                    .bind(m.user_code.clone())
                    .bind(m.user_name.clone())
                    .bind(m.display_name.clone())
                    .bind(m.phone.clone())
                    .bind(m.role.as_str().to_owned())
                    .bind(status_name(m.status))
                    .bind(to_json(&m.teams)?)
                    .bind(to_json(&m.bots)?);
            }
            query.execute(&mut **tx).await.map_err(from_sqlx)?;
        }
        let rows: Vec<(usize, &Team)> = teams.written();
        for chunk in rows.chunks(BATCH_ROWS) {
            self.step()?;
            let sql = self.sql_rows(
                "INSERT INTO purview_teams (org_id, team_id, position, code, name) VALUES ",
                chunk.len(),
                5,
                " ON CONFLICT (org_id, team_id) DO UPDATE SET
                   code = excluded.code, name = excluded.name",
            );
            let mut query = sqlx::query(&sql);
            for (i, t) in chunk {
                query = query
                    .bind(org)
                    .bind(to_i64(t.id.0, "team id")?)
                    .bind(position(*i))
                    .bind(t.code.clone())
                    .bind(t.name.clone());
            }
            query.execute(&mut **tx).await.map_err(from_sqlx)?;
        }
        let rows: Vec<(usize, &Invitation)> = invitations.written();
        for chunk in rows.chunks(BATCH_ROWS) {
            self.step()?;
            let sql = self.sql_rows(
                "INSERT INTO purview_invitations
                   (org_id, invitation_id, position, email, role_key, secret_hash, created_by,
                    created_at, expires_at, state)
                 VALUES ",
                chunk.len(),
                10,
                " ON CONFLICT (org_id, invitation_id) DO UPDATE SET
                   email = excluded.email, role_key = excluded.role_key,
                   secret_hash = excluded.secret_hash, created_by = excluded.created_by,
                   created_at = excluded.created_at, expires_at = excluded.expires_at,
                   state = excluded.state",
            );
            let mut query = sqlx::query(&sql);
            for (i, inv) in chunk {
                query = query
                    .bind(org)
                    .bind(to_i64(inv.id.0, "invitation id")?)
                    .bind(position(*i))
                    .bind(inv.email.clone())
                    .bind(inv.role.as_str().to_owned())
                    .bind(hex(&inv.secret_hash))
                    .bind(to_i64(inv.created_by.0, "member id")?)
                    .bind(to_i64(inv.created_at.0, "timestamp")?)
                    .bind(to_i64(inv.expires_at.0, "timestamp")?)
                    .bind(invitation_state_name(inv.state));
            }
            query.execute(&mut **tx).await.map_err(from_sqlx)?;
        }
        Ok(())
    }

    /// Deletes rows by id, [`BATCH_ROWS`] per statement.
    async fn delete_rows(
        &self,
        tx: &mut Transaction<'static, Any>,
        org: i64,
        table: &str,
        column: &str,
        ids: &[u64],
    ) -> Result<(), StoreError> {
        for chunk in ids.chunks(BATCH_ROWS) {
            self.step()?;
            let list: Vec<String> = (0..chunk.len())
                .map(|i| match self.dialect {
                    Dialect::Postgres => format!("${}", i + 2),
                    Dialect::Sqlite => "?".to_owned(),
                })
                .collect();
            let org_param = match self.dialect {
                Dialect::Postgres => "$1",
                Dialect::Sqlite => "?",
            };
            let sql = format!(
                "DELETE FROM {table} WHERE org_id = {org_param} AND {column} IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(org);
            for id in chunk {
                query = query.bind(to_i64(*id, column)?);
            }
            query.execute(&mut **tx).await.map_err(from_sqlx)?;
        }
        Ok(())
    }

    /// `head` followed by `rows` groups of `cols` placeholders and `tail`, in
    /// this store's dialect (`head` and `tail` hold no placeholder).
    fn sql_rows(&self, head: &str, rows: usize, cols: usize, tail: &str) -> String {
        let mut text = String::with_capacity(head.len() + tail.len() + rows * cols * 6);
        text.push_str(head);
        for r in 0..rows {
            text.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..cols {
                if c > 0 {
                    text.push_str(", ");
                }
                match self.dialect {
                    Dialect::Postgres => text.push_str(&format!("${}", r * cols + c + 1)),
                    // Anonymous parameters: SQLite numbers them in order, and
                    // binding numbered ones costs time in their count.
                    Dialect::Sqlite => text.push('?'),
                }
            }
            text.push(')');
        }
        text.push_str(tail);
        text
    }
}

/// A commit's net changes to members, teams and invitations. The
/// organization's creation is written with the version, not here.
fn nets(changes: &[Change]) -> (Net<'_, Member>, Net<'_, Team>, Net<'_, Invitation>) {
    let mut members: Net<'_, Member> = Net::default();
    let mut teams: Net<'_, Team> = Net::default();
    let mut invitations: Net<'_, Invitation> = Net::default();
    for change in changes {
        match change {
            Change::CreateOrganization(_) => {}
            Change::PutMember(m) => members.put(m.id.0, m),
            Change::DeleteMember(id) => members.delete(id.0),
            Change::PutTeam(t) => teams.put(t.id.0, t),
            Change::DeleteTeam(id) => teams.delete(id.0),
            Change::PutInvitation(i) => invitations.put(i.id.0, i),
        }
    }
    (members, teams, invitations)
}

/// The `position` of a record new in the commit that makes `version`, by
/// its place in the commit: the version in the high 32 bits.
fn positions(version: u64) -> Result<impl Fn(usize) -> i64, StoreError> {
    let base = i64::try_from(version)
        .ok()
        .and_then(|v| v.checked_mul(1 << 32))
        .ok_or_else(|| backend(format!("version {version} is beyond the stored range")))?;
    Ok(move |i: usize| base + i64::try_from(i).unwrap_or(i64::MAX - base))
}

/// Records a commit writes to one table, by id in the order first touched:
/// the last record written (`None`: deleted), and the ids deleted at some
/// point.
struct Net<'a, T> {
    last: IndexMap<u64, Option<&'a T>>,
    deleted: Vec<u64>,
}

impl<T> Default for Net<'_, T> {
    fn default() -> Self {
        Net {
            last: IndexMap::new(),
            deleted: Vec::new(),
        }
    }
}

impl<'a, T> Net<'a, T> {
    fn put(&mut self, id: u64, record: &'a T) {
        self.last.insert(id, Some(record));
    }

    fn delete(&mut self, id: u64) {
        if !matches!(self.last.insert(id, None), Some(None)) {
            self.deleted.push(id);
        }
    }

    /// Whether a record deleted by the commit is written again by it.
    fn rewritten(&self) -> bool {
        self.deleted
            .iter()
            .any(|id| matches!(self.last.get(id), Some(Some(_))))
    }

    /// The records written, with their place in the commit.
    fn written(&self) -> Vec<(usize, &'a T)> {
        self.last
            .values()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i, r)))
            .collect()
    }
}

/// A change as the change log stores it (the organization's creation is not
/// logged: a log starts at version 2).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Logged<'a> {
    PutMember(Cow<'a, Member>),
    DeleteMember(MemberId),
    PutTeam(Cow<'a, Team>),
    DeleteTeam(TeamId),
    PutInvitation(Cow<'a, Invitation>),
}

impl<'a> Logged<'a> {
    fn of(change: &'a Change) -> Option<Logged<'a>> {
        Some(match change {
            Change::CreateOrganization(_) => return None,
            Change::PutMember(m) => Logged::PutMember(Cow::Borrowed(&**m)),
            Change::DeleteMember(id) => Logged::DeleteMember(*id),
            Change::PutTeam(t) => Logged::PutTeam(Cow::Borrowed(&**t)),
            Change::DeleteTeam(id) => Logged::DeleteTeam(*id),
            Change::PutInvitation(i) => Logged::PutInvitation(Cow::Borrowed(&**i)),
        })
    }

    fn into_change(self) -> Change {
        match self {
            Logged::PutMember(m) => Change::PutMember(Arc::new(m.into_owned())),
            Logged::DeleteMember(id) => Change::DeleteMember(id),
            Logged::PutTeam(t) => Change::PutTeam(Arc::new(t.into_owned())),
            Logged::DeleteTeam(id) => Change::DeleteTeam(id),
            Logged::PutInvitation(i) => Change::PutInvitation(Arc::new(i.into_owned())),
        }
    }
}

/// A value bound to a statement built at run time.
enum Arg {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

/// A statement's text with `$n` placeholders and the values they stand for,
/// in order.
#[derive(Default)]
struct OneStatement {
    text: String,
    args: Vec<Arg>,
}

impl OneStatement {
    /// The next placeholder, bound to `arg`.
    fn p(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// `(p, p, …)` for one row.
    fn row(&mut self, args: Vec<Arg>) -> String {
        let cells: Vec<String> = args.into_iter().map(|a| self.p(a)).collect();
        format!("({})", cells.join(", "))
    }

    /// The whole commit as one PostgreSQL statement, or `None` when it is
    /// too large for one (more than [`BATCH_ROWS`] rows in a table) or
    /// deletes and writes one record again (two changes to one row in one
    /// statement are not allowed).
    fn of(
        org: i64,
        expected: u64,
        commit: &Commit<'_>,
    ) -> Result<Option<OneStatement>, StoreError> {
        if commit
            .changes
            .iter()
            .any(|c| matches!(c, Change::CreateOrganization(_)))
        {
            return Ok(None);
        }
        let (members, teams, invitations) = nets(commit.changes);
        let large = |n: usize| n > BATCH_ROWS;
        if members.rewritten()
            || teams.rewritten()
            || large(members.last.len())
            || large(teams.last.len())
            || large(invitations.last.len())
            || large(commit.events.len())
        {
            return Ok(None);
        }
        let version = expected + 1;
        let position = positions(version)?;
        let mut st = OneStatement::default();
        let org_p = st.p(Arg::Int(org));
        let expected_p = st.p(Arg::Int(to_i64(expected, "version")?));
        let mut parts = vec![format!(
            "v AS (UPDATE purview_orgs SET version = version + 1
                   WHERE org_id = {org_p} AND version = {expected_p} RETURNING version)"
        )];
        for (table, column, deleted) in [
            ("purview_members", "member_id", &members.deleted),
            ("purview_teams", "team_id", &teams.deleted),
        ] {
            if deleted.is_empty() {
                continue;
            }
            let ids: Vec<String> = deleted
                .iter()
                .map(|id| to_i64(*id, column).map(|id| st.p(Arg::Int(id))))
                .collect::<Result<_, _>>()?;
            parts.push(format!(
                "d_{table} AS (DELETE FROM {table} WHERE org_id = {org_p} AND {column} IN ({})
                   AND EXISTS (SELECT 1 FROM v))",
                ids.join(", ")
            ));
        }
        let rows = members.written();
        if !rows.is_empty() {
            let mut values = Vec::with_capacity(rows.len());
            for (i, m) in rows {
                values.push(st.row(vec![
                    Arg::Int(org),
                    Arg::Int(to_i64(m.id.0, "member id")?),
                    Arg::Int(position(i)),
                    Arg::Text(m.email.clone()),
                    Arg::OptText(m.user_code.clone()),
                    Arg::OptText(m.user_name.clone()),
                    Arg::OptText(m.display_name.clone()),
                    Arg::OptText(m.phone.clone()),
                    Arg::Text(m.role.as_str().to_owned()),
                    Arg::Text(status_name(m.status).to_owned()),
                    Arg::Text(to_json(&m.teams)?),
                    Arg::Text(to_json(&m.bots)?),
                ]));
            }
            parts.push(format!(
                "m AS (INSERT INTO purview_members
                   (org_id, member_id, position, email, user_code, user_name, display_name,
                    phone, role_key, status, teams, bots)
                 SELECT x.* FROM (VALUES {}) AS x, v
                 ON CONFLICT (org_id, member_id) DO UPDATE SET
                   email = excluded.email, user_code = excluded.user_code,
                   user_name = excluded.user_name, display_name = excluded.display_name,
                   phone = excluded.phone, role_key = excluded.role_key,
                   status = excluded.status, teams = excluded.teams, bots = excluded.bots)",
                values.join(", ")
            ));
        }
        let rows = teams.written();
        if !rows.is_empty() {
            let mut values = Vec::with_capacity(rows.len());
            for (i, t) in rows {
                values.push(st.row(vec![
                    Arg::Int(org),
                    Arg::Int(to_i64(t.id.0, "team id")?),
                    Arg::Int(position(i)),
                    Arg::OptText(t.code.clone()),
                    Arg::Text(t.name.clone()),
                ]));
            }
            parts.push(format!(
                "t AS (INSERT INTO purview_teams (org_id, team_id, position, code, name)
                 SELECT x.* FROM (VALUES {}) AS x, v
                 ON CONFLICT (org_id, team_id) DO UPDATE SET
                   code = excluded.code, name = excluded.name)",
                values.join(", ")
            ));
        }
        let rows = invitations.written();
        if !rows.is_empty() {
            let mut values = Vec::with_capacity(rows.len());
            for (i, inv) in rows {
                values.push(st.row(vec![
                    Arg::Int(org),
                    Arg::Int(to_i64(inv.id.0, "invitation id")?),
                    Arg::Int(position(i)),
                    Arg::OptText(inv.email.clone()),
                    Arg::Text(inv.role.as_str().to_owned()),
                    Arg::Text(hex(&inv.secret_hash)),
                    Arg::Int(to_i64(inv.created_by.0, "member id")?),
                    Arg::Int(to_i64(inv.created_at.0, "timestamp")?),
                    Arg::Int(to_i64(inv.expires_at.0, "timestamp")?),
                    Arg::Text(invitation_state_name(inv.state).to_owned()),
                ]));
            }
            parts.push(format!(
                "i AS (INSERT INTO purview_invitations
                   (org_id, invitation_id, position, email, role_key, secret_hash, created_by,
                    created_at, expires_at, state)
                 SELECT x.* FROM (VALUES {}) AS x, v
                 ON CONFLICT (org_id, invitation_id) DO UPDATE SET
                   email = excluded.email, role_key = excluded.role_key,
                   secret_hash = excluded.secret_hash, created_by = excluded.created_by,
                   created_at = excluded.created_at, expires_at = excluded.expires_at,
                   state = excluded.state)",
                values.join(", ")
            ));
        }
        let logged: Vec<Logged<'_>> = commit.changes.iter().filter_map(Logged::of).collect();
        let log_row = st.row(vec![
            Arg::Int(org),
            Arg::Int(to_i64(version, "version")?),
            Arg::Text(to_json(&logged)?),
        ]);
        parts.push(format!(
            "l AS (INSERT INTO purview_changes (org_id, version, changes)
             SELECT x.* FROM (VALUES {log_row}) AS x, v)"
        ));
        if !commit.events.is_empty() {
            let mut values = Vec::with_capacity(commit.events.len());
            for event in commit.events {
                values.push(st.row(vec![
                    Arg::Int(org),
                    Arg::Int(to_i64(event.version, "version")?),
                    Arg::Int(i64::from(event.index)),
                    Arg::Int(to_i64(event.at.0, "timestamp")?),
                    Arg::OptInt(event.actor.map(|a| to_i64(a.0, "actor")).transpose()?),
                    Arg::Text(event.action.clone()),
                    Arg::Text(event.subject.clone()),
                    Arg::OptText(event.before.clone()),
                    Arg::OptText(event.after.clone()),
                ]));
            }
            parts.push(format!(
                "a AS (INSERT INTO purview_audit
                   (org_id, version, idx, at, actor, action, subject, before_value, after_value)
                 SELECT x.* FROM (VALUES {}) AS x, v)",
                values.join(", ")
            ));
        }
        let channel = st.p(Arg::Text(CHANNEL.to_owned()));
        let payload = st.p(Arg::Text(format!("{}:{version}", org)));
        st.text = format!(
            "WITH {} SELECT v.version, pg_notify({channel}, {payload}) FROM v",
            parts.join(",\n")
        );
        Ok(Some(st))
    }
}

/// Rows per multi-row statement: 500 rows of at most 12 columns stay far
/// below both SQLite's and PostgreSQL's limits on bound parameters.
const BATCH_ROWS: usize = 500;

/// Decodes an organization's rows. Everything is checked: permission and
/// scope bits this crate does not know, flags other than 0 and 1, role keys
/// missing from the catalog, malformed values, and then the rules the rows
/// keep together (one holder of the unique role, members' teams exist,
/// unique emails, user codes, team codes and names) — each is
/// [`StoreError::Corrupt`], never access.
fn decode(
    org: OrgId,
    row: &AnyRow,
    roles: &[AnyRow],
    members: &[AnyRow],
    teams: &[AnyRow],
    invitations: &[AnyRow],
) -> Result<OrgState, StoreError> {
    let mut decoded_roles = Vec::with_capacity(roles.len());
    for r in roles {
        let key: String = get(r, "role_key")?;
        let bits = to_u64(get(r, "permissions")?, "permissions")?;
        let permissions =
            Permissions::from_stored(bits).map_err(|e| corrupt(format!("role `{key}`: {e}")))?;
        let scope = |col: &str| -> Result<ConversationScope, StoreError> {
            let bits = get::<i64>(r, col)?;
            u8::try_from(bits)
                .ok()
                .and_then(ConversationScope::from_bits)
                .ok_or_else(|| corrupt(format!("role `{key}`: unknown {col} bits {bits}")))
        };
        let knowledge: KnowledgeRefs = json(&get::<String>(r, "knowledge")?, "knowledge")?;
        let mut b = Role::builder(key.clone(), get::<String>(r, "name")?)
            .permissions(permissions)
            .view_scope(scope("view_scope")?)
            .manage_scope(scope("manage_scope")?)
            .team_reach(reach(&get::<String>(r, "team_reach")?)?)
            .bot_reach(reach(&get::<String>(r, "bot_reach")?)?)
            .knowledge(knowledge);
        // Flags are exactly 0 or 1: any other value is damage, not "true".
        let flag = |col: &str| -> Result<bool, StoreError> {
            match get::<i64>(r, col)? {
                0 => Ok(false),
                1 => Ok(true),
                other => Err(corrupt(format!(
                    "purview_roles role_key `{key}`: {col} is {other}, not 0 or 1"
                ))),
            }
        };
        if flag("is_unique")? {
            b = b.unique();
        }
        if flag("is_disabled")? {
            b = b.disabled();
        }
        decoded_roles.push(b.build());
    }
    let policy: Policy = json(&get::<String>(row, "policy")?, "policy")?;
    let bases: Vec<KnowledgeBaseId> =
        json(&get::<String>(row, "knowledge_bases")?, "knowledge bases")?;
    let matrix: Option<Matrix> = get::<Option<String>>(row, "matrix")?
        .map(|m| json(&m, "matrix"))
        .transpose()?;
    let mut catalog = Catalog::with_parts(
        get::<String>(row, "catalog_name")?,
        decoded_roles,
        policy,
        bases,
    )
    .map_err(|e| corrupt(format!("catalog: {e}")))?;
    if let Some(m) = matrix {
        catalog = catalog
            .with_matrix(m)
            .map_err(|e| corrupt(format!("catalog: {e}")))?;
    }
    let known_role = |key: String| -> Result<RoleKey, StoreError> {
        if catalog.role(&key).is_some() {
            Ok(RoleKey::new(key))
        } else {
            Err(corrupt(format!("unknown role key `{key}`")))
        }
    };
    let mut state = OrgState::new(Organization {
        id: org,
        name: get(row, "name")?,
        catalog: Arc::new(catalog.clone()),
        seat_limit: u32::try_from(get::<i64>(row, "seat_limit")?)
            .map_err(|_| corrupt("seat limit out of range"))?,
    });
    state.version = id(row, "version")?;
    let mut member_map = IndexMap::with_capacity(members.len());
    for r in members {
        let id = MemberId(id(r, "member_id")?);
        let teams: Vec<TeamId> = json(&get::<String>(r, "teams")?, "member teams")?;
        let bots: Vec<BotId> = json(&get::<String>(r, "bots")?, "member bots")?;
        let member = Member {
            id,
            email: get(r, "email")?,
            user_code: get(r, "user_code")?,
            user_name: get(r, "user_name")?,
            display_name: get(r, "display_name")?,
            phone: get(r, "phone")?,
            role: known_role(get(r, "role_key")?)?,
            teams,
            bots,
            status: status(&get::<String>(r, "status")?)?,
        };
        member_map.insert(id, Arc::new(member));
    }
    let mut team_map = IndexMap::with_capacity(teams.len());
    for r in teams {
        let id = TeamId(id(r, "team_id")?);
        team_map.insert(
            id,
            Arc::new(Team {
                id,
                org,
                code: get(r, "code")?,
                name: get(r, "name")?,
            }),
        );
    }
    let mut invitation_map = IndexMap::with_capacity(invitations.len());
    for r in invitations {
        let id = InvitationId(id(r, "invitation_id")?);
        invitation_map.insert(
            id,
            Arc::new(Invitation {
                id,
                email: get(r, "email")?,
                role: known_role(get(r, "role_key")?)?,
                secret_hash: unhex(&get::<String>(r, "secret_hash")?)?,
                created_by: MemberId(id_of(r, "created_by")?),
                created_at: Timestamp(id_of(r, "created_at")?),
                expires_at: Timestamp(id_of(r, "expires_at")?),
                state: invitation_state(&get::<String>(r, "state")?)?,
            }),
        );
    }
    state.members = member_map;
    state.teams = team_map;
    state.invitations = invitation_map;
    if let Some(broken) = state.broken_rule() {
        let row = match broken.record {
            StoredRecord::Member(id) => format!("purview_members member_id {}", id.0),
            StoredRecord::Team(id) => format!("purview_teams team_id {}", id.0),
        };
        return Err(corrupt(format!("{row}: {}", broken.problem)));
    }
    Ok(state)
}

/// The changes of one row of the change log.
fn log_entry(row: &AnyRow) -> Result<Vec<Change>, StoreError> {
    let logged: Vec<Logged<'static>> = json(&get::<String>(row, "changes")?, "change log")?;
    Ok(logged.into_iter().map(Logged::into_change).collect())
}

fn id_of(row: &AnyRow, col: &str) -> Result<u64, StoreError> {
    id(row, col)
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
