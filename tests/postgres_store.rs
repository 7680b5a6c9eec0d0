//! The PostgreSQL store, against a real server named by the environment
//! variable `PURVIEW_TEST_POSTGRES_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/test`). Without it the tests say they
//! were skipped; under `CI=true` a missing or unreachable database fails them.
//!
//! Checked: the conformance suite (16 concurrent operations), 16 replicas —
//! each with its own pool — writing at once, change notifications, schema
//! migration on open, strict decoding of damaged rows, failure injection at
//! every statement of a commit, and that data outlives the pool.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sql_common;

use purview::{Directory, PostgresStore, Store};
use sql_common::*;

const VAR: &str = "PURVIEW_TEST_POSTGRES_URL";

/// The database URL, or `None` (with a message) when the tests are skipped.
fn url(test: &str) -> Option<String> {
    match std::env::var(VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{VAR} must name the test database when CI=true");
            }
            // Written past the test harness's capture, so that it shows.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "skipped {test}: set {VAR} to a PostgreSQL URL to run it"
            );
            None
        }
    }
}

async fn connect(url: &str) -> PostgresStore {
    match PostgresStore::connect(url).await {
        Ok(store) => store,
        Err(e) => panic!("cannot reach the test database at {url}: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_the_conformance_suite() {
    let Some(url) = url("passes_the_conformance_suite") else {
        return;
    };
    conformance(connect(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_replicas_writing_at_once_keep_the_invariants() {
    let Some(url) = url("sixteen_replicas_writing_at_once_keep_the_invariants") else {
        return;
    };
    let mut replicas = Vec::new();
    for _ in 0..16 {
        replicas.push(PostgresStore::connect_with(&url, 2).await.unwrap());
    }
    concurrent_writers(replicas, 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_learn_of_changes_by_version_and_notification() {
    let Some(url) = url("replicas_learn_of_changes_by_version_and_notification") else {
        return;
    };
    let writer = connect(&url).await;
    let reader = connect(&url).await;
    let mut changes = reader.subscribe().await.unwrap();
    let org = fresh_org();
    let dir = Directory::new(writer.clone());
    let (owner, admins) = organization(&dir, org, 1).await;
    dir.change_role(org, owner, admins[0], "agent")
        .await
        .unwrap();
    let version = reader.version(org).await.unwrap();
    assert_eq!(version, writer.version(org).await.unwrap());
    // Every commit of this organization arrives, in order, up to the last.
    let mut seen = Vec::new();
    while seen.last() != Some(&version) {
        let (changed, v) = tokio::time::timeout(std::time::Duration::from_secs(10), changes.next())
            .await
            .expect("a notification within 10 s")
            .unwrap();
        if changed == org {
            seen.push(v);
        }
    }
    assert_eq!(seen, (1..=version).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_outlives_the_pool_and_the_schema_is_migrated_once() {
    let Some(url) = url("data_outlives_the_pool_and_the_schema_is_migrated_once") else {
        return;
    };
    let first = connect(&url).await;
    assert_eq!(first.schema_version().await.unwrap(), 7);
    let closing = first.clone();
    survives_reopen(first, || async move {
        closing.close().await;
        let again = connect(&url).await;
        assert_eq!(again.schema_version().await.unwrap(), 7);
        again
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_rows_are_typed_errors_never_access() {
    let Some(url) = url("damaged_rows_are_typed_errors_never_access") else {
        return;
    };
    damaged_rows_are_errors(connect(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_break_the_data_rules_are_typed_errors_never_access() {
    let Some(url) = url("rows_that_break_the_data_rules_are_typed_errors_never_access") else {
        return;
    };
    rule_breaking_rows_are_errors(connect(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_at_any_statement_writes_nothing() {
    let Some(url) = url("a_failure_at_any_statement_writes_nothing") else {
        return;
    };
    // A commit is one statement, small or large.
    failure_at_every_statement(connect(&url).await, 0, 1).await;
    failure_at_every_statement(connect(&url).await, 900, 1).await;
}

/// `url` with `password` in its user info, keeping its user (`postgres` when
/// it names none), host, database and parameters.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, host) = match authority.rsplit_once('@') {
        Some((info, host)) => (info.split(':').next().unwrap_or("postgres"), host),
        None => ("postgres", authority),
    };
    format!("{scheme}://{user}:{password}@{host}{tail}")
}

/// `url` with `password` as a query parameter.
fn with_password_parameter(url: &str, password: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}password={password}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_output_never_shows_the_password() {
    let Some(url) = url("debug_output_never_shows_the_password") else {
        return;
    };
    for (password, url) in [
        ("s3cr3t-pw", with_password(&url, "s3cr3t-pw")),
        ("s3cr3t-qp", with_password_parameter(&url, "s3cr3t-qp")),
    ] {
        // Trust authentication accepts any password.
        let store = connect(&url).await;
        for printed in [
            format!("{store:?}"),
            format!("{store:#?}"),
            format!("{:?}", Directory::new(store.clone())),
            format!("{:#?}", Directory::new(store.clone())),
        ] {
            assert!(!printed.contains(password), "{printed}");
            assert!(printed.contains("PostgresStore"), "{printed}");
        }
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_log_that_stops_short_is_not_trusted() {
    let Some(url) = url("a_change_log_that_stops_short_is_not_trusted") else {
        return;
    };
    a_log_that_stops_short_is_not_trusted(connect(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_over_the_hosts_own_pool_shares_it_and_is_notified() {
    let Some(url) = url("a_store_over_the_hosts_own_pool_shares_it_and_is_notified") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .unwrap();
    let store = PostgresStore::from_pool(pool.clone()).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), 7);
    let mut changes = store.subscribe().await.unwrap();
    let org = fresh_org();
    let dir = Directory::new(store);
    organization(&dir, org, 1).await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM purview_members WHERE org_id = $1")
        .bind(org.0 as i64)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
    // The subscription listens to the pool's database.
    let version = dir.store().version(org).await.unwrap();
    loop {
        let (changed, v) = tokio::time::timeout(std::time::Duration::from_secs(10), changes.next())
            .await
            .expect("a notification within 10 s")
            .unwrap();
        if changed == org && v == version {
            break;
        }
    }
    // A pool of another database is refused, naming what it needs.
    let sqlite = sqlx::any::AnyPoolOptions::new()
        .connect_lazy("sqlite::memory:")
        .unwrap();
    let err = PostgresStore::from_pool(sqlite).await.unwrap_err();
    assert!(err.to_string().contains("postgres"), "{err}");
}
