//! The SQLite store: the conformance suite (concurrency included), a file
//! that keeps everything across reopen, WAL mode, concurrent writers from
//! many tasks, strict decoding of damaged rows, and failure injection at every
//! statement of a commit; rows that break the data rules together are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sql_common;

use purview::SqliteStore;
use sql_common::*;
use std::path::PathBuf;

/// A fresh database file under the system's temporary directory.
fn db_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "purview-test-{}-{}",
        std::process::id(),
        fresh_org().0
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.db"))
}

async fn open(name: &str) -> SqliteStore {
    SqliteStore::open(db_path(name)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_conformance_suite() {
    conformance(open("conformance").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keeps_everything_across_reopen_in_wal_mode() {
    let path = db_path("reopen");
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.journal_mode().await.unwrap(), "wal");
    assert_eq!(store.schema_version().await.unwrap(), 7);
    let closing = store.clone();
    survives_reopen(store, || async move {
        closing.close().await;
        let again = SqliteStore::open(&path).await.unwrap();
        // Reopening an up-to-date file migrates nothing.
        assert_eq!(again.schema_version().await.unwrap(), 7);
        again
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_from_many_tasks() {
    concurrent_writers(vec![open("writers").await], 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_rows_are_typed_errors_never_access() {
    damaged_rows_are_errors(open("damaged").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_break_the_data_rules_are_typed_errors_never_access() {
    rule_breaking_rows_are_errors(open("rules").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_at_any_statement_writes_nothing() {
    failure_at_every_statement(open("failures").await, 0, 7).await;
    failure_at_every_statement(open("failures-large").await, 900, 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_file_name_opens_the_file_it_names() {
    let path = db_path("we?ird#na%25me");
    let store = SqliteStore::open(&path).await.unwrap();
    store.close().await;
    assert!(path.exists(), "{} was not created", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_log_that_stops_short_is_not_trusted() {
    a_log_that_stops_short_is_not_trusted(open("short-log").await).await;
}

/// A database that cannot be opened is a backend error that keeps the
/// driver's error as its source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_failure_keeps_the_drivers_error_as_its_source() {
    let missing = std::env::temp_dir()
        .join("purview-no-such-directory")
        .join("nested")
        .join("x.db");
    match SqliteStore::open(&missing).await {
        Err(e @ purview::StoreError::Backend(_)) => {
            let source = std::error::Error::source(&e).map(ToString::to_string);
            assert!(
                source.as_deref().is_some_and(|s| !s.is_empty()),
                "{e}: {source:?}"
            );
        }
        Err(other) => panic!("expected a backend error, got {other}"),
        Ok(_) => panic!("a database in a missing directory opened"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_over_the_hosts_own_pool_shares_it() {
    use purview::Store;
    sqlx::any::install_default_drivers();
    let path = db_path("from_pool");
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(3)
        .connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    let store = SqliteStore::from_pool(pool.clone()).await.unwrap();
    assert_eq!(store.journal_mode().await.unwrap(), "wal");
    assert_eq!(store.schema_version().await.unwrap(), 7);
    let org = fresh_org();
    let dir = purview::Directory::new(store);
    organization(&dir, org, 1).await;
    // The host's pool sees the store's tables, and the data is the file's.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM purview_members WHERE org_id = ?")
        .bind(org.0 as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        again.version(org).await.unwrap(),
        dir.store().version(org).await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_of_another_database_is_refused() {
    sqlx::any::install_default_drivers();
    // A lazy pool: its URL is all that is looked at, nothing is connected.
    let pool = sqlx::any::AnyPoolOptions::new()
        .connect_lazy("postgres://nobody@127.0.0.1:1/none")
        .unwrap();
    let err = SqliteStore::from_pool(pool).await.unwrap_err();
    assert!(matches!(err, purview::StoreError::Backend(_)), "{err:?}");
    assert!(err.to_string().contains("sqlite"), "{err}");
}
