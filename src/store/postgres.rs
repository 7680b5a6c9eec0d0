//! The PostgreSQL store (feature `postgres`).

use super::sql::{backend, from_sqlx, sql_store_common, Dialect, SqlCore, CHANNEL};
use super::{Commit, Store, StoreError};
use crate::model::id::OrgId;
use crate::record::{AuditEvent, OrgState};
use sqlx::any::AnyPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgListener};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// One store shared by many service replicas.
///
/// Each replica opens its own `PostgresStore` (its own pool) on the same
/// database. Opening creates or migrates the schema with versioned migrations
/// (replicas starting together take turns under an advisory lock). A commit
/// is one transaction whose first statement moves the organization's version
/// only if it is still the one read — a conditional update that also locks
/// the organization's row — so two replicas that read the same version can
/// never both commit: the second gets [`StoreError::Conflict`] and its
/// directory decides again on fresh data. Serialization failures and
/// deadlocks are reported the same way. Loads read one consistent snapshot.
///
/// Replicas learn of changes two ways: [`Store::version`] is one indexed read
/// that tells a cache whether it is stale (see [`crate::ActorCache`]), and
/// [`PostgresStore::subscribe`] delivers a notification for every commit
/// (`LISTEN`/`NOTIFY`).
///
/// Runs on the tokio runtime (through sqlx).
///
/// ```no_run
/// # async fn demo() -> Result<(), purview::StoreError> {
/// let store = purview::PostgresStore::connect("postgres://postgres@127.0.0.1/test").await?;
/// let mut changes = store.subscribe().await?;
/// let (org, version) = changes.next().await?;
/// # let _ = (org, version);
/// # Ok(()) }
/// ```
///
/// Its [`Debug`](fmt::Debug) output names the server, user and database but
/// never the password, so a store (or a directory over it) can be logged.
#[derive(Clone)]
pub struct PostgresStore {
    core: SqlCore,
    /// The URL connected to, password included (for [`PostgresStore::subscribe`]).
    url: String,
    /// The URL without its password or parameters, for `Debug`.
    shown: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("database", &self.shown)
            .field("core", &self.core)
            .finish()
    }
}

/// The database a URL names, as sqlx reads it, with no password and no
/// parameters: `postgres://user@host:port/database`.
fn shown(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(o) => {
            let host = o.get_socket().map_or_else(
                || format!("{}:{}", o.get_host(), o.get_port()),
                |socket| socket.display().to_string(),
            );
            format!(
                "postgres://{}@{host}/{}",
                o.get_username(),
                o.get_database().unwrap_or_default()
            )
        }
        Err(_) => "(a URL sqlx cannot read)".to_owned(),
    }
}

/// A subscription to committed changes: one `(organization, version)` per
/// commit, in commit order per organization.
#[derive(Debug)]
pub struct ChangeSubscription {
    listener: PgListener,
}

impl ChangeSubscription {
    /// The next committed change.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the connection fails;
    /// [`StoreError::Corrupt`] for a payload that is not a change.
    pub async fn next(&mut self) -> Result<(OrgId, u64), StoreError> {
        let n = self.listener.recv().await.map_err(backend)?;
        parse(n.payload())
            .ok_or_else(|| StoreError::Corrupt(format!("change notification `{}`", n.payload())))
    }
}

fn parse(payload: &str) -> Option<(OrgId, u64)> {
    let (org, version) = payload.split_once(':')?;
    Some((OrgId(org.parse().ok()?), version.parse().ok()?))
}

impl PostgresStore {
    /// Connects a pool of up to 16 connections to `url` and creates or
    /// migrates the schema.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the server cannot be reached or the
    /// schema cannot be migrated.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::connect_with(url, 16).await
    }

    /// As [`PostgresStore::connect`], with a pool of `max_connections`.
    ///
    /// # Errors
    ///
    /// As [`PostgresStore::connect`].
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
    ) -> Result<PostgresStore, StoreError> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .map_err(from_sqlx)?;
        let core = SqlCore::new(pool, Dialect::Postgres);
        core.migrate().await?;
        Ok(PostgresStore {
            core,
            url: url.to_owned(),
            shown: shown(url),
        })
    }

    /// A store over a pool the host already has, shared with the host's
    /// own queries and with the host's settings (size, timeouts, TLS): the
    /// pool must connect to PostgreSQL (`postgres:` or `postgresql:` URL).
    /// Creates or migrates the schema; [`PostgresStore::subscribe`] listens
    /// on a connection of its own to the pool's database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the pool is not a PostgreSQL pool or
    /// the schema cannot be migrated.
    pub async fn from_pool(pool: sqlx::AnyPool) -> Result<PostgresStore, StoreError> {
        let url = pool.connect_options().database_url.to_string();
        let scheme = pool.connect_options().database_url.scheme().to_owned();
        if scheme != "postgres" && scheme != "postgresql" {
            return Err(StoreError::Backend(
                format!("a PostgreSQL store needs a postgres: pool, not {scheme}:").into(),
            ));
        }
        let core = SqlCore::new(pool, Dialect::Postgres);
        core.migrate().await?;
        Ok(PostgresStore {
            core,
            shown: shown(&url),
            url,
        })
    }

    /// Subscribes to every commit of every organization in this database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the listening connection fails.
    pub async fn subscribe(&self) -> Result<ChangeSubscription, StoreError> {
        let mut listener = PgListener::connect(&self.url).await.map_err(backend)?;
        listener.listen(CHANNEL).await.map_err(backend)?;
        Ok(ChangeSubscription { listener })
    }
}

sql_store_common!(PostgresStore);

#[cfg(test)]
mod tests {
    #[test]
    fn notification_payloads() {
        assert_eq!(super::parse("7:12"), Some((crate::OrgId(7), 12)));
        assert_eq!(super::parse("7"), None);
        assert_eq!(super::parse("x:1"), None);
    }

    #[test]
    fn the_shown_url_has_no_password_and_no_parameters() {
        for url in [
            "postgres://ann:s3cr3t@db.example:6543/app",
            "postgres://ann:s3cr3t@db.example:6543/app?sslmode=disable",
            "postgres://ann@db.example:6543/app?password=s3cr3t",
            "postgres://ann@db.example:6543/app?pass%77ord=s3cr3t",
            "postgres://ann:s3cr%40t@db.example:6543/app",
        ] {
            let shown = super::shown(url);
            assert_eq!(shown, "postgres://ann@db.example:6543/app", "{url}");
        }
        assert!(!super::shown("postgres://ann:s3cr3t@[::1").contains("s3cr3t"));
    }
}
