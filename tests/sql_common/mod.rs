//! Checks shared by the SQLite and PostgreSQL store tests: persistence,
//! concurrent writers, strict decoding of damaged rows, and failure injection
//! at every statement of a commit.
#![allow(dead_code)]

use purview::directory::ImportMode;
use purview::model::MemberStatus;
use purview::store::StoreError;
use purview::{
    preset, Directory, DirectoryError, MemberId, NewOrganization, OrgId, Profile, RoleKey, Store,
};
use std::future::Future;

/// What the shared checks need beyond [`Store`].
pub trait SqlStore: Store + Clone + Send + Sync + 'static {
    /// Arms an injected failure at this statement of the next commit.
    fn fail_after(&self, statements: usize);
    /// Disarms it.
    fn disarm(&self);
    /// Runs raw SQL (to damage rows on purpose).
    fn raw(&self, sql: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

#[cfg(feature = "sqlite")]
impl SqlStore for purview::SqliteStore {
    fn fail_after(&self, statements: usize) {
        purview::SqliteStore::fail_after(self, statements);
    }
    fn disarm(&self) {
        purview::SqliteStore::disarm(self);
    }
    fn raw(&self, sql: &str) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.execute_raw(sql)
    }
}

#[cfg(feature = "postgres")]
impl SqlStore for purview::PostgresStore {
    fn fail_after(&self, statements: usize) {
        purview::PostgresStore::fail_after(self, statements);
    }
    fn disarm(&self) {
        purview::PostgresStore::disarm(self);
    }
    fn raw(&self, sql: &str) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.execute_raw(sql)
    }
}

/// Organization ids no earlier run used (the PostgreSQL database is shared
/// between runs).
pub fn fresh_org() -> OrgId {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    OrgId((nanos >> 8) % (1 << 50) * 64 + NEXT.fetch_add(1, Ordering::Relaxed) % 64)
}

pub fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        user_name: Some("name".into()),
        display_name: Some("Name".into()),
        phone: Some("+1 555 0100".into()),
        user_code: None,
    }
}

/// A helpdesk organization: the Owner and `admins` Primary Admins.
pub async fn organization<S: Store>(
    dir: &Directory<S>,
    org: OrgId,
    admins: usize,
) -> (MemberId, Vec<MemberId>) {
    let owner = dir
        .create_organization(NewOrganization {
            id: org,
            name: "Acme".into(),
            catalog: preset::helpdesk(),
            seat_limit: 1_000,
            founder: profile("owner@acme.test"),
            founder_role: None,
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..admins {
        let email = format!("admin{i}@acme.test");
        let inv = dir
            .invite(org, owner, &email, "primary_admin")
            .await
            .unwrap();
        let (_, id) = dir
            .accept_invitation(&inv[0].secret, profile(&email))
            .await
            .unwrap();
        ids.push(id);
    }
    (owner, ids)
}

/// A busy organization: members, teams, invitations, audit events.
pub async fn populated<S: Store>(dir: &Directory<S>, org: OrgId) -> MemberId {
    let (owner, admins) = organization(dir, org, 2).await;
    dir.change_role(org, owner, admins[1], "agent")
        .await
        .unwrap();
    let csv = "email,user code,user name,display name,role,team code,team name\n\
               a@acme.test,A1,Ann,Ann A,admin,T1,Tier one\n\
               b@acme.test,B1,Bob,Bob B,agent,T1,Tier one\n\
               b@acme.test,B1,Bob,Bob B,agent,T2,Tier two\n";
    dir.import_members(org, owner, csv.as_bytes(), ImportMode::Apply)
        .await
        .unwrap();
    dir.invite(org, owner, "c@acme.test, d@acme.test", "agent")
        .await
        .unwrap();
    dir.set_member_status(org, owner, admins[1], MemberStatus::Disabled)
        .await
        .unwrap();
    owner
}

/// Invariants of a helpdesk organization that must hold whatever happened:
/// exactly one Owner, every member's role in the catalog, and the audit log
/// complete.
pub async fn assert_invariants<S: Store>(store: &S, dir: &Directory<S>, org: OrgId) {
    let state = dir.snapshot(org).await.unwrap();
    let owners = state
        .members
        .values()
        .filter(|m| m.role.as_str() == "owner")
        .count();
    assert_eq!(owners, 1, "exactly one Owner");
    for m in state.members.values() {
        assert!(state.org.catalog.role(m.role.as_str()).is_some());
    }
    assert_audit_complete(store, dir, org).await;
}

/// One batch of audit events for every committed version, none lost.
pub async fn assert_audit_complete<S: Store>(store: &S, dir: &Directory<S>, org: OrgId) {
    let state = dir.snapshot(org).await.unwrap();
    let events = store.audit(org).await.unwrap();
    let mut versions: Vec<u64> = events.iter().map(|e| e.version).collect();
    versions.dedup();
    assert_eq!(
        versions,
        (1..=state.version).collect::<Vec<_>>(),
        "every committed version has its audit events, none lost"
    );
}

/// Reopening keeps everything: the same state, version and audit log.
pub async fn survives_reopen<S: Store, F, Fut>(first: S, reopen: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = S>,
{
    let org = fresh_org();
    let dir = Directory::new(first);
    populated(&dir, org).await;
    let before = dir.snapshot(org).await.unwrap();
    let audit = dir.store().audit(org).await.unwrap();
    assert!(before.members.len() >= 5 && !before.teams.is_empty() && !audit.is_empty());
    drop(dir);
    let again = Directory::new(reopen().await);
    assert_eq!(*again.snapshot(org).await.unwrap(), *before);
    assert_eq!(again.store().audit(org).await.unwrap(), audit);
    assert_eq!(again.store().version(org).await.unwrap(), before.version);
}

/// Many writers at once — through one store or many (replicas) — in a
/// workspace organization whose Admins all try to demote one another and
/// invite: at least two Admins remain, every demotion that succeeded is
/// accounted for, and no audit event is lost.
pub async fn concurrent_writers<S: SqlStore>(stores: Vec<S>, writers: usize) {
    let org = fresh_org();
    let first = Directory::new(stores[0].clone());
    let founder = first
        .create_organization(NewOrganization {
            id: org,
            name: "Acme".into(),
            catalog: preset::workspace(),
            seat_limit: 200,
            founder: profile("admin0@acme.test"),
            founder_role: Some(RoleKey::new("admin")),
        })
        .await
        .unwrap();
    let mut admins = vec![founder];
    for i in 1..writers {
        let email = format!("admin{i}@acme.test");
        let inv = first.invite(org, founder, &email, "admin").await.unwrap();
        let (_, id) = first
            .accept_invitation(&inv[0].secret, profile(&email))
            .await
            .unwrap();
        admins.push(id);
    }
    let mut tasks = Vec::new();
    for (i, admin) in admins.iter().copied().enumerate() {
        let dir = Directory::new(stores[i % stores.len()].clone());
        let target = admins[(i + 1) % admins.len()];
        tasks.push(tokio::spawn(async move {
            let demoted = dir.change_role(org, admin, target, "member").await;
            let invited = dir
                .invite(org, admin, &format!("new{i}@acme.test"), "editor")
                .await;
            (demoted, invited)
        }));
    }
    let mut demotions = 0;
    for t in tasks {
        let (demoted, invited) = t.await.unwrap();
        match demoted {
            Ok(()) => demotions += 1,
            // Demoted first by someone else, the floor of two Admins, or
            // retries exhausted under contention: refused, nothing written.
            Err(
                DirectoryError::Denied(_)
                | DirectoryError::TooFewAdmins { .. }
                | DirectoryError::Contended,
            ) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
        match invited {
            Ok(_) | Err(DirectoryError::Denied(_) | DirectoryError::Contended) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert!(demotions >= 1);
    let state = first.snapshot(org).await.unwrap();
    let remaining = state.active_with_role("admin");
    assert!(remaining >= 2, "{remaining} Admins left");
    assert_eq!(remaining + demotions, writers);
    assert_audit_complete(&stores[0], &first, org).await;
}

/// A damaged row is a typed error, never access.
pub async fn damaged_rows_are_errors<S: SqlStore>(store: S) {
    let zeros = "0".repeat(64);
    let key = |permissions: &str, revoked: &str| {
        format!(
            "INSERT INTO purview_api_keys (org_id, api_key_id, position, bot_id, permissions, \
             secret_hash, created_by, created_at, revoked) \
             VALUES ({{org}}, 77, 0, 5, {permissions}, '{zeros}', 1, 0, {revoked})"
        )
    };
    let (key_bits, key_flag) = (key("4611686018427387904", "0"), key("8", "2"));
    let damages: [(&str, &str); 10] = [
        (
            "unknown permission bits",
            "UPDATE purview_roles SET permissions = 4611686018427387904 WHERE org_id = {org} AND role_key = 'agent'",
        ),
        (
            "unknown scope bits",
            "UPDATE purview_roles SET view_scope = 200 WHERE org_id = {org} AND role_key = 'agent'",
        ),
        (
            "unknown role key",
            "UPDATE purview_members SET role_key = 'superuser' WHERE org_id = {org} AND email = 'a@acme.test'",
        ),
        (
            "malformed teams",
            "UPDATE purview_members SET teams = 'not json' WHERE org_id = {org} AND email = 'a@acme.test'",
        ),
        (
            "unknown status",
            "UPDATE purview_members SET status = 'root' WHERE org_id = {org} AND email = 'a@acme.test'",
        ),
        (
            "malformed secret hash",
            "UPDATE purview_invitations SET secret_hash = 'zz' WHERE org_id = {org}",
        ),
        (
            "negative id",
            "UPDATE purview_teams SET team_id = -5 WHERE org_id = {org} AND name = 'Tier one'",
        ),
        ("unknown API key permission bits", &key_bits),
        ("an API key flag neither 0 nor 1", &key_flag),
        (
            "a bot flag neither 0 nor 1",
            "INSERT INTO purview_bots (org_id, bot_id, position, name, published) \
             VALUES ({org}, 5, 0, 'Helper', 3)",
        ),
    ];
    for (what, sql) in damages {
        assert_damage_is_corrupt(&store, what, sql, "").await;
    }
}

/// Rows that decode one by one but together break a rule of the data — no
/// holder or two holders of the unique role, a flag that is neither 0 nor 1, a member in a
/// team that does not exist, two members or teams sharing what must be
/// unique — are a typed error naming the table and the row, never access.
pub async fn rule_breaking_rows_are_errors<S: SqlStore>(store: S) {
    let damages: [(&str, &str, &str); 9] = [
        (
            "no holder of the unique role",
            "UPDATE purview_members SET role_key = 'primary_admin' WHERE org_id = {org} AND role_key = 'owner'",
            "purview_members member_id ",
        ),
        (
            "two holders of the unique role",
            "UPDATE purview_members SET role_key = 'owner' WHERE org_id = {org} AND email = 'a@acme.test'",
            "purview_members member_id ",
        ),
        (
            "is_unique = 7",
            "UPDATE purview_roles SET is_unique = 7 WHERE org_id = {org} AND role_key = 'owner'",
            "purview_roles role_key `owner`: is_unique",
        ),
        (
            "is_disabled = -1",
            "UPDATE purview_roles SET is_disabled = -1 WHERE org_id = {org} AND role_key = 'agent'",
            "purview_roles role_key `agent`: is_disabled",
        ),
        (
            "a member in a team that does not exist",
            "UPDATE purview_members SET teams = '[987654321]' WHERE org_id = {org} AND email = 'a@acme.test'",
            "purview_members member_id ",
        ),
        (
            "two members with one email",
            "UPDATE purview_members SET email = 'a@acme.test' WHERE org_id = {org} AND email = 'b@acme.test'",
            "purview_members member_id ",
        ),
        (
            "two members with one user code",
            "UPDATE purview_members SET user_code = 'A1' WHERE org_id = {org} AND email = 'b@acme.test'",
            "purview_members member_id ",
        ),
        (
            "two teams with one code",
            "UPDATE purview_teams SET code = 'T1' WHERE org_id = {org} AND name = 'Tier two'",
            "purview_teams team_id ",
        ),
        (
            "two teams with one name differing in case",
            "UPDATE purview_teams SET name = 'TIER ONE' WHERE org_id = {org} AND name = 'Tier two'",
            "purview_teams team_id ",
        ),
    ];
    for (what, sql, names) in damages {
        assert_damage_is_corrupt(&store, what, sql, names).await;
    }
    // An audit value that is not the record its subject names is corrupt
    // too: the log is read back typed, never guessed.
    let org = fresh_org();
    let dir = Directory::new(store.clone());
    populated(&dir, org).await;
    assert!(store.audit_page(org, None, 1_000).await.is_ok());
    let changed = store
        .raw(&format!(
            "UPDATE purview_audit SET after_value = '[1, 2]' WHERE org_id = {} AND subject LIKE 'member:%'",
            org.0
        ))
        .await
        .unwrap();
    assert!(changed >= 1, "the damage touched no audit row");
    match store.audit_page(org, None, 1_000).await {
        Err(StoreError::Corrupt(message)) => {
            assert!(message.contains("audit value of member:"), "{message}");
        }
        other => panic!("a damaged audit value must be corrupt, not {other:?}"),
    }
}

/// A commit the change log does not hold (written by a replica of a crate
/// version without the log, or a log row lost): a replica that kept the
/// organization does not trust the log that stops short, loads the rows and
/// decides on them.
pub async fn a_log_that_stops_short_is_not_trusted<S: SqlStore>(store: S) {
    let org = fresh_org();
    let kept = Directory::new(store.clone());
    let owner = populated(&kept, org).await;
    let state = kept.snapshot(org).await.unwrap();
    let agent = state
        .members
        .values()
        .find(|m| m.role.as_str() == "agent")
        .unwrap()
        .id;
    let other = Directory::new(store.clone());
    other
        .change_role(org, owner, agent, "primary_agent")
        .await
        .unwrap();
    let version = store.version(org).await.unwrap();
    let deleted = store
        .raw(&format!(
            "DELETE FROM purview_changes WHERE org_id = {} AND version = {version}",
            org.0
        ))
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    // The log no longer reaches the organization's version.
    let log = store.changes_since(org, version - 1, 10).await.unwrap();
    assert!(log.as_ref().is_none_or(|l| l.is_empty()), "{log:?}");
    let (actor, read_at) = kept.actor(org, agent).await.unwrap();
    assert_eq!(read_at, version);
    assert!(
        matches!(&actor, purview::Actor::Member(m) if m.role().key().as_str() == "primary_agent"),
        "{actor:?}"
    );
    // And it commits on the version it loaded.
    kept.change_role(org, owner, agent, "agent").await.unwrap();
    assert_eq!(store.version(org).await.unwrap(), version + 1);
}

/// Damages a fresh populated organization with `sql` (`{org}` stands for its
/// id) and checks that loading it is [`StoreError::Corrupt`] with a message
/// containing `names`, and that directory operations refuse with it too,
/// writing nothing.
async fn assert_damage_is_corrupt<S: SqlStore>(store: &S, what: &str, sql: &str, names: &str) {
    let org = fresh_org();
    let dir = Directory::new(store.clone());
    let owner = populated(&dir, org).await;
    let changed = store
        .raw(&sql.replace("{org}", &org.0.to_string()))
        .await
        .unwrap();
    assert!(changed >= 1, "{what}: the damage touched no row");
    // Damage done outside the crate moves no version: a directory that kept
    // the organization in memory does not see it, one that loads it does.
    let dir = Directory::new(store.clone());
    match store.load(org).await {
        Err(StoreError::Corrupt(message)) => {
            assert!(message.contains(names), "{what}: `{names}` in `{message}`");
        }
        Err(e) => panic!("{what}: load must report corruption, not {e}"),
        Ok(_) => panic!("{what}: load must report corruption, not a state"),
    }
    // Nothing is granted from it, and nothing is written.
    let version = store.version(org).await.unwrap();
    assert!(
        matches!(
            dir.actor(org, owner).await,
            Err(DirectoryError::Store(StoreError::Corrupt(_)))
        ),
        "{what}: actor"
    );
    assert!(
        matches!(
            dir.snapshot(org).await,
            Err(DirectoryError::Store(StoreError::Corrupt(_)))
        ),
        "{what}: snapshot"
    );
    assert!(
        matches!(
            dir.invite(org, owner, "x@acme.test", "agent").await,
            Err(DirectoryError::Store(StoreError::Corrupt(_)))
        ),
        "{what}: invite"
    );
    assert_eq!(store.version(org).await.unwrap(), version, "{what}");
}

/// A failure at any statement of a commit leaves nothing half-written.
///
/// `extra` more rows of new Agents make the import larger; `statements` is
/// how many statements the commit must have been failed at, at least.
pub async fn failure_at_every_statement<S: SqlStore>(store: S, extra: usize, statements: usize) {
    let org = fresh_org();
    let dir = Directory::new(store.clone());
    let owner = populated(&dir, org).await;
    let mut csv = String::from(
        "email,user code,user name,display name,role,team code,team name\n\
         e@acme.test,E1,Eve,Eve E,agent,T3,Tier three\n\
         f@acme.test,F1,Fay,Fay F,admin,T3,Tier three\n\
         a@acme.test,A1,Ann,Ann A,agent,T1,Tier one\n",
    );
    for i in 0..extra {
        csv.push_str(&format!("more{i}@acme.test,,,,agent,,\n"));
    }
    let mut failures = 0;
    for step in 0.. {
        let before = dir.snapshot(org).await.unwrap();
        let audit = store.audit(org).await.unwrap();
        store.fail_after(step);
        let result = dir
            .import_members(org, owner, csv.as_bytes(), ImportMode::Apply)
            .await;
        store.disarm();
        match result {
            Err(DirectoryError::Store(StoreError::Backend(m))) => {
                assert!(m.to_string().contains("injected"), "{m}");
                failures += 1;
                assert_eq!(*dir.snapshot(org).await.unwrap(), *before, "step {step}");
                assert_eq!(store.audit(org).await.unwrap(), audit, "step {step}");
            }
            Ok(report) => {
                assert_eq!(report.members_created, 2 + extra);
                break;
            }
            Err(e) => panic!("step {step}: {e}"),
        }
        assert!(step < 1000, "the import never completed");
    }
    // Each statement of the commit failed once, and there are as many
    // whatever the commit's size: on SQLite the version move, one write of
    // each table, the change log, the audit events and the final commit;
    // on PostgreSQL the whole commit is one statement.
    assert_eq!(
        failures, statements,
        "{failures} statements were tried, expected {statements}"
    );
    assert_invariants(&store, &dir, org).await;
}

/// Runs the crate's conformance suite.
pub async fn conformance<S: Store + Clone>(store: S) {
    if let Err(f) = purview::testkit::run(store).await {
        panic!("{f}");
    }
}
