//! The SQLite store (feature `sqlite`).

use super::sql::{backend, Dialect, SqlCore};
use super::{Commit, Store, StoreError};
use crate::directory::{AuditEvent, OrgState};
use crate::id::OrgId;
use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// An embedded, persistent store: one SQLite file in WAL mode, for a single
/// service (one process, any number of tasks).
///
/// Opening creates the file and its schema, or migrates an older schema, with
/// versioned migrations. Commits are transactions whose first statement moves
/// the organization's version conditionally, so concurrent writers from many
/// tasks serialize on SQLite's write lock and a writer that read a stale
/// version gets [`StoreError::Conflict`] (the directory then decides again).
/// Every stored row is decoded strictly: unknown permission bits, unknown role
/// keys or malformed values are [`StoreError::Corrupt`], never access.
///
/// Runs on the tokio runtime (through sqlx).
///
/// ```no_run
/// # async fn demo() -> Result<(), purview::StoreError> {
/// let store = purview::SqliteStore::open("purview.db").await?;
/// let directory = purview::Directory::new(store);
/// # let _ = directory;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct SqliteStore {
    core: SqlCore,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the file cannot be opened or migrated, or
    /// holds a schema newer than this crate's.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path
            .as_ref()
            .to_str()
            .ok_or_else(|| StoreError::Backend("the database path is not valid UTF-8".into()))?;
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            })
            .acquire_timeout(Duration::from_secs(30))
            .connect(&format!("sqlite://{path}?mode=rwc"))
            .await
            .map_err(backend)?;
        let core = SqlCore::new(pool, Dialect::Sqlite);
        core.migrate().await?;
        Ok(SqliteStore { core })
    }

    /// The schema version recorded in the file.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the database cannot be read.
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        self.core.schema_version().await
    }

    /// The SQLite journal mode in effect (`wal`).
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the database cannot be read.
    pub async fn journal_mode(&self) -> Result<String, StoreError> {
        use sqlx::Row;
        let row = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&self.core.pool)
            .await
            .map_err(backend)?;
        row.try_get::<String, _>(0).map_err(backend)
    }

    /// Runs one SQL statement as it is — for tests that damage stored rows
    /// on purpose, and for maintenance.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the statement fails.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(sql)
            .execute(&self.core.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected())
    }

    /// Failure injection for tests (feature `testkit`): the statement at this
    /// position within the next commit fails as a lost connection would, and
    /// the transaction rolls back.
    #[cfg(feature = "testkit")]
    pub fn fail_after(&self, statements: usize) {
        self.core.fail_after(statements);
    }

    /// Disarms [`SqliteStore::fail_after`].
    #[cfg(feature = "testkit")]
    pub fn disarm(&self) {
        self.core.disarm();
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.core.pool.close().await;
    }
}

impl Store for SqliteStore {
    async fn load(&self, org: OrgId) -> Result<Option<Arc<OrgState>>, StoreError> {
        self.core.load(org).await
    }

    async fn commit(&self, commit: Commit<'_>) -> Result<u64, StoreError> {
        self.core.commit(commit).await
    }

    async fn audit(&self, org: OrgId) -> Result<Vec<AuditEvent>, StoreError> {
        self.core.audit(org).await
    }

    async fn version(&self, org: OrgId) -> Result<u64, StoreError> {
        self.core.version(org).await
    }
}
