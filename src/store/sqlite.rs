//! The SQLite store (feature `sqlite`).

use super::sql::{backend, from_sqlx, sql_store_common, Dialect, SqlCore};
use super::{Commit, Store, StoreError};
use crate::model::id::OrgId;
use crate::record::{AuditEvent, OrgState};
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
            .connect(&format!("sqlite://{}?mode=rwc", encode_path(path)))
            .await
            .map_err(from_sqlx)?;
        let core = SqlCore::new(pool, Dialect::Sqlite);
        core.migrate().await?;
        Ok(SqliteStore { core })
    }

    /// A store over a pool the host already has, with the host's own
    /// settings (size, timeouts, connection hooks): the pool must open a
    /// SQLite database (`sqlite:` URL). Sets the file's journal to WAL (it
    /// stays so) and creates or migrates the schema. Concurrent writers
    /// wait on SQLite's write lock only as long as each connection's
    /// `busy_timeout` allows: [`SqliteStore::open`] sets 10 s; a host's
    /// pool should set its own in `after_connect`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the pool is not a SQLite pool, or its
    /// database cannot be migrated or holds a schema newer than this
    /// crate's.
    pub async fn from_pool(pool: sqlx::AnyPool) -> Result<SqliteStore, StoreError> {
        let scheme = pool.connect_options().database_url.scheme().to_owned();
        if scheme != "sqlite" {
            return Err(StoreError::Backend(
                format!("a SQLite store needs a sqlite: pool, not {scheme}:").into(),
            ));
        }
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await
            .map_err(from_sqlx)?;
        let core = SqlCore::new(pool, Dialect::Sqlite);
        core.migrate().await?;
        Ok(SqliteStore { core })
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
}

sql_store_common!(SqliteStore);

/// The path as the URL's path: the characters a URL gives meaning to are
/// percent-encoded (the driver decodes them).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}
