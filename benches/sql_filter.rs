//! The conversation list filtered in PostgreSQL: the query with purview's
//! condition against the same query with a hand-written one, on 1,000,000
//! conversations with the host's indexes (target: within 1.1×, with the
//! same plan).
//!
//! `PURVIEW_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!  cargo bench --bench sql_filter --features postgres -- --warm-up-time 1 --measurement-time 3`
//!
//! The table `purview_bench_conversations` is made once (20 organizations
//! of 50,000 conversations, 50 teams and 500 members each) and kept for
//! later runs. Before measuring, the bench prints both queries'
//! `EXPLAIN (COSTS OFF)` and stops if the plans differ. Two queries a list
//! endpoint makes: the first page (`ORDER BY id DESC LIMIT 50`) and the
//! count; for an Agent's view (unassigned, their 3 teams, their own), an
//! Agent's replies (unassigned, their own) and a Primary Admin's view (the whole
//! organization).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, Criterion};
use purview::sql::{ConversationColumns, SqlCondition};
use purview::{preset, Action, Actor, ConversationFilter, MemberId, OrgId, TeamId};
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder, Row};

const TABLE: &str = "purview_bench_conversations";
const ROWS: i64 = 1_000_000;
const ORGS: i64 = 20;

async fn table(conn: &mut PgConnection) {
    let have: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {TABLE} WHERE to_regclass('{TABLE}') IS NOT NULL"
    ))
    .fetch_one(&mut *conn)
    .await
    .ok();
    if have == Some(ROWS) {
        return;
    }
    eprintln!("making {TABLE}: {ROWS} conversations");
    for sql in [
        format!("DROP TABLE IF EXISTS {TABLE}"),
        format!(
            "CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL, \
             team_id BIGINT, assignee_id BIGINT, contact_id BIGINT, subject TEXT NOT NULL)"
        ),
        // Organization i % 20 + 1; a tenth unassigned, four tenths with a
        // team only, four with a team and a member, a tenth with a member
        // only; 50 teams and 500 members an organization.
        format!(
            "INSERT INTO {TABLE} SELECT i, i % {ORGS} + 1, \
             CASE WHEN i % 10 = 0 OR i % 10 = 9 THEN NULL ELSE (i / 7) % 50 + 1 END, \
             CASE WHEN i % 10 BETWEEN 5 AND 9 THEN (i / 11) % 500 + 1 ELSE NULL END, \
             (i / 3) % 20000 + 1, 'subject ' || i \
             FROM generate_series(1, {ROWS}) AS i"
        ),
        format!("CREATE INDEX {TABLE}_team ON {TABLE} (org_id, team_id)"),
        format!("CREATE INDEX {TABLE}_assignee ON {TABLE} (org_id, assignee_id)"),
        format!("CREATE INDEX {TABLE}_contact ON {TABLE} (org_id, contact_id)"),
        format!("ANALYZE {TABLE}"),
    ] {
        sqlx::query(&sql).execute(&mut *conn).await.unwrap();
    }
}

/// What a host writes by hand for an Agent's view: unassigned, their
/// teams, their own.
fn hand_written_view(
    head: &str,
    org: i64,
    teams: Vec<i64>,
    me: i64,
) -> QueryBuilder<'static, Postgres> {
    let mut q = QueryBuilder::new(head);
    q.push("org_id = ")
        .push_bind(org)
        .push(" AND (team_id IS NULL AND assignee_id IS NULL OR team_id = ANY(")
        .push_bind(teams)
        .push(") OR assignee_id = ")
        .push_bind(me)
        .push(")");
    q
}

/// An Agent's conversations to reply to: unassigned, or their own.
fn hand_written_own(head: &str, org: i64, me: i64) -> QueryBuilder<'static, Postgres> {
    let mut q = QueryBuilder::new(head);
    q.push("org_id = ")
        .push_bind(org)
        .push(" AND (team_id IS NULL AND assignee_id IS NULL OR assignee_id = ")
        .push_bind(me)
        .push(")");
    q
}

/// A Primary Admin's: the whole organization.
fn hand_written_org(head: &str, org: i64) -> QueryBuilder<'static, Postgres> {
    let mut q = QueryBuilder::new(head);
    q.push("org_id = ").push_bind(org);
    q
}

fn purview(
    head: &str,
    columns: &ConversationColumns,
    actor: &Actor,
    action: Action,
) -> QueryBuilder<'static, Postgres> {
    let mut q = QueryBuilder::new(head);
    ConversationFilter::for_action(actor, action).push_sql(columns, &mut q);
    q
}

const PAGE: (&str, &str) = (
    "SELECT id, team_id, assignee_id, subject FROM purview_bench_conversations WHERE ",
    " ORDER BY id DESC LIMIT 50",
);
const COUNT: (&str, &str) = (
    "SELECT count(*) FROM purview_bench_conversations WHERE ",
    "",
);

/// The plan PostgreSQL picks for the query, with its parameters bound.
async fn plan(
    conn: &mut PgConnection,
    mut q: QueryBuilder<'static, Postgres>,
    tail: &str,
) -> String {
    q.push(tail);
    let rows = q.build().fetch_all(&mut *conn).await.unwrap();
    rows.iter()
        .map(|r| r.get::<String, _>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn run(conn: &mut PgConnection, mut q: QueryBuilder<'static, Postgres>, tail: &str) -> usize {
    q.push(tail);
    q.build().fetch_all(&mut *conn).await.unwrap().len()
}

fn bench(c: &mut Criterion) {
    let Ok(url) = std::env::var("PURVIEW_BENCH_POSTGRES_URL") else {
        eprintln!("skipped: set PURVIEW_BENCH_POSTGRES_URL to a PostgreSQL URL to run it");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut conn = rt.block_on(PgConnection::connect(&url)).unwrap();
    rt.block_on(table(&mut conn));

    let columns =
        ConversationColumns::new("org_id", "team_id", "assignee_id", "contact_id").unwrap();
    let helpdesk = preset::helpdesk();
    let org = 7;
    let teams = [3, 17, 42];
    let agent = Actor::member(
        OrgId(org),
        MemberId(123),
        helpdesk.role("agent").unwrap(),
        teams.map(TeamId),
    );
    let primary_admin = Actor::member(
        OrgId(org),
        MemberId(5),
        helpdesk.role("primary_admin").unwrap(),
        [],
    );
    let teams: Vec<i64> = teams.iter().map(|t| *t as i64).collect();
    let org = org as i64;

    // Each case: its name, the actor and action, and the hand-written
    // query from its head.
    type Hand<'a> = Box<dyn Fn(&str) -> QueryBuilder<'static, Postgres> + 'a>;
    let cases: [(&str, &Actor, Action, Hand<'_>); 3] = [
        (
            "agent_view",
            &agent,
            Action::ViewConversation,
            Box::new(|head| hand_written_view(head, org, teams.clone(), 123)),
        ),
        (
            "agent_reply",
            &agent,
            Action::ReplyConversation,
            Box::new(|head| hand_written_own(head, org, 123)),
        ),
        (
            "primary_admin_view",
            &primary_admin,
            Action::ViewConversation,
            Box::new(|head| hand_written_org(head, org)),
        ),
    ];
    let mut group = c.benchmark_group("sql_filter_1m");
    for (query, (head, tail)) in [("page", PAGE), ("count", COUNT)] {
        for (who, actor, action, hand) in &cases {
            let ours = |head: &str| purview(head, &columns, actor, *action);
            let explain = format!("EXPLAIN (COSTS OFF) {head}");
            let our_plan = rt.block_on(plan(&mut conn, ours(&explain), tail));
            let their_plan = rt.block_on(plan(&mut conn, hand(&explain), tail));
            eprintln!(
                "{query}/{who}\n  purview:      {}{tail}\n  hand-written: {}{tail}\n{our_plan}\n",
                ours(head).sql(),
                hand(head).sql()
            );
            assert_eq!(our_plan, their_plan, "{query}/{who}: the plans differ");
            let a = rt.block_on(run(&mut conn, ours(head), tail));
            let b = rt.block_on(run(&mut conn, hand(head), tail));
            assert_eq!(a, b, "{query}/{who}: the rows differ");
            // Both queries warm (the server's caches, the statements
            // prepared) before either is measured.
            for _ in 0..100 {
                rt.block_on(run(&mut conn, ours(head), tail));
                rt.block_on(run(&mut conn, hand(head), tail));
            }
            group.bench_function(format!("{query}/{who}/purview"), |b| {
                b.iter(|| rt.block_on(run(&mut conn, ours(head), tail)))
            });
            group.bench_function(format!("{query}/{who}/hand_written"), |b| {
                b.iter(|| rt.block_on(run(&mut conn, hand(head), tail)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
