//! An axum service that asks purview before answering.
//!
//! Each request names its actor in the `x-org-id` and `x-member-id` headers
//! (a stand-in for the host's own authentication). The service resolves the
//! actor through an [`ActorCache`], asks [`can`], and answers 403 with the
//! reason in a JSON body when the answer is no. The conversations live in
//! the service's own table (SQLite here); the list endpoint filters it in
//! SQL with the same rule — [`ConversationFilter`] pushed into the query as
//! a condition on the table's columns — so the list and the page agree.
//!
//! `cargo run --example axum_service --features sqlite`, then for instance
//! `curl -H 'x-org-id: 1' -H "x-member-id: $ID" localhost:3000/conversations`
//! with an id printed at start.

#![allow(
    clippy::result_large_err,
    reason = "axum handlers return a `Response` as their error, as axum expects"
)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use purview::directory::ImportMode;
use purview::sql::{ConversationColumns, SqlCondition};
use purview::{
    can, preset, Action, Actor, ActorCache, Assignment, ContactId, Conversation,
    ConversationFilter, ConversationId, Decision, Directory, DirectoryError, MemberId, MemoryStore,
    NewOrganization, OrgId, Profile, Resource, TeamId,
};
use serde_json::json;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{QueryBuilder, Row as _, Sqlite, SqlitePool};
use std::sync::Arc;

/// The service's shared state.
pub struct App {
    /// The directory over the embedded store.
    pub dir: Directory<MemoryStore>,
    /// Actors per request, invalidated by the organization's change version.
    pub cache: ActorCache,
    /// The service's own database, with its `conversations` table.
    pub db: SqlitePool,
    /// The table's columns that the conversation filter reads.
    pub columns: ConversationColumns,
}

/// The service's conversation table: its own columns, among which those
/// the filter reads (`NULL` where a conversation has no team, no assignee
/// or no contact).
const SCHEMA: &str = "CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    team_id INTEGER,
    assignee_id INTEGER,
    contact_id INTEGER,
    subject TEXT NOT NULL
)";

const SELECT: &str =
    "SELECT id, org_id, team_id, assignee_id, contact_id, subject FROM conversations";

/// A row of the table, as the service answers it and as `can` reads it.
#[derive(serde::Serialize)]
pub struct Listed {
    /// The conversation as purview sees it.
    #[serde(flatten)]
    pub conversation: Conversation,
    /// A column of the service's own.
    pub subject: String,
}

fn row(r: &sqlx::sqlite::SqliteRow) -> Result<Listed, sqlx::Error> {
    let id = |name: &str| -> Result<Option<u64>, sqlx::Error> {
        let v: Option<i64> = r.try_get(name)?;
        v.map(|v| u64::try_from(v).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose()
    };
    let required = |name: &str| {
        id(name)?.ok_or_else(|| sqlx::Error::ColumnDecode {
            index: name.to_owned(),
            source: "NULL in a NOT NULL column".into(),
        })
    };
    let org = OrgId(required("org_id")?);
    let cid = ConversationId(required("id")?);
    let assignment =
        Assignment::from_parts(id("team_id")?.map(TeamId), id("assignee_id")?.map(MemberId));
    let conversation = match id("contact_id")? {
        Some(contact) => Conversation::new(cid, org, ContactId(contact)),
        None => Conversation::without_contact(cid, org),
    }
    .assigned(assignment);
    Ok(Listed {
        conversation,
        subject: r.try_get("subject")?,
    })
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/conversations", get(list))
        .route("/conversations/{id}", get(show))
        .route("/conversations/{id}/reply", post(reply))
        .with_state(app)
}

fn error(status: StatusCode, reason: impl std::fmt::Display) -> Response {
    (
        status,
        Json(json!({ "error": status.canonical_reason(), "reason": reason.to_string() })),
    )
        .into_response()
}

/// Resolves the actor named by the request headers.
async fn actor(app: &App, headers: &HeaderMap) -> Result<Arc<Actor>, Response> {
    let read = |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.parse().ok() };
    let (Some(org), Some(member)) = (read("x-org-id"), read("x-member-id")) else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "x-org-id and x-member-id are required",
        ));
    };
    match app.cache.get(&app.dir, OrgId(org), MemberId(member)).await {
        Ok(actor) => Ok(actor),
        Err(DirectoryError::UnknownMember(_) | DirectoryError::UnknownOrganization(_)) => {
            Err(error(StatusCode::UNAUTHORIZED, "unknown actor"))
        }
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, e)),
    }
}

async fn conversation(app: &App, id: u64) -> Result<Listed, Response> {
    let id = i64::try_from(id).map_err(|_| error(StatusCode::NOT_FOUND, "no such conversation"))?;
    let found = sqlx::query(&format!("{SELECT} WHERE id = ?"))
        .bind(id)
        .fetch_optional(&app.db)
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    let r = found.ok_or_else(|| error(StatusCode::NOT_FOUND, "no such conversation"))?;
    row(&r).map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))
}

fn decide(decision: Decision) -> Result<(), Response> {
    decision
        .into_result()
        .map_err(|reason| error(StatusCode::FORBIDDEN, reason))
}

/// The conversations the actor may see, filtered by the database: the
/// filter becomes a condition on the table's columns, its values bound.
async fn list(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Response> {
    let actor = actor(&app, &headers).await?;
    let mut query = QueryBuilder::<Sqlite>::new(format!("{SELECT} WHERE "));
    ConversationFilter::view(&actor).push_sql(&app.columns, &mut query);
    query.push(" ORDER BY id");
    let rows = query
        .build()
        .fetch_all(&app.db)
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    let visible = rows
        .iter()
        .map(row)
        .collect::<Result<Vec<Listed>, _>>()
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok(Json(visible).into_response())
}

async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let actor = actor(&app, &headers).await?;
    let r = conversation(&app, id).await?;
    decide(can(
        &actor,
        Action::ViewConversation,
        &Resource::Conversation(&r.conversation),
    ))?;
    Ok(Json(r).into_response())
}

async fn reply(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let actor = actor(&app, &headers).await?;
    let r = conversation(&app, id).await?;
    decide(can(
        &actor,
        Action::ReplyConversation,
        &Resource::Conversation(&r.conversation),
    ))?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "replied_to": id }))).into_response())
}

/// The demonstration data: an organization with the helpdesk preset, A and B
/// (Agents) in Team 1, and four conversations in the service's table. Returns the app and the ids of
/// the owner, A and B.
///
/// # Errors
///
/// A [`DirectoryError`] if setting up the directory fails, a database
/// error if setting up the table does.
pub async fn demo_app() -> Result<(Arc<App>, [MemberId; 3]), Box<dyn std::error::Error>> {
    let org = OrgId(1);
    let dir = Directory::new(MemoryStore::new());
    let owner = dir
        .create_organization(NewOrganization {
            id: org,
            name: "Acme".into(),
            catalog: preset::helpdesk(),
            seat_limit: 10,
            founder: Profile {
                email: Some("owner@acme.test".into()),
                ..Profile::default()
            },
            founder_role: None,
        })
        .await?;
    let csv = "email,role,team code,team name\na@acme.test,Agent,T1,Team 1\nb@acme.test,Agent,T1,Team 1\n";
    let report = dir
        .import_members(org, owner, csv.as_bytes(), ImportMode::Apply)
        .await?;
    for invitation in &report.invitations {
        dir.accept_invitation(&invitation.secret, Profile::default())
            .await?;
    }
    let state = dir.snapshot(org).await?;
    let id = |email: &str| {
        state
            .member_by_email(email)
            .map(|m| m.id)
            .ok_or(DirectoryError::UnknownMember(MemberId(0)))
    };
    let (a, b) = (id("a@acme.test")?, id("b@acme.test")?);
    let team = state
        .teams
        .values()
        .next()
        .map(|t| t.id)
        .ok_or(DirectoryError::UnknownMember(MemberId(0)))?;
    // The service's table, in memory for the demonstration: one connection,
    // so that every query sees the same database.
    let db = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    sqlx::query(SCHEMA).execute(&db).await?;
    let rows = [
        (
            1,
            org,
            None,
            Some(a),
            Some(ContactId(1)),
            "Refund for order 1",
        ),
        (
            2,
            org,
            Some(team),
            Some(b),
            Some(ContactId(2)),
            "Delivery date",
        ),
        (
            3,
            OrgId(2),
            None,
            None,
            Some(ContactId(3)),
            "Another organization's",
        ),
        (4, org, None, None, None, "Unassigned, no contact yet"),
    ];
    for (id, org, team, assignee, contact, subject) in rows {
        let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        sqlx::query("INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?)")
            .bind(id)
            .bind(as_i64(org.0))
            .bind(team.map(|t: TeamId| as_i64(t.0)))
            .bind(assignee.map(|m: MemberId| as_i64(m.0)))
            .bind(contact.map(|c: ContactId| as_i64(c.0)))
            .bind(subject)
            .execute(&db)
            .await?;
    }
    let columns = ConversationColumns::new("org_id", "team_id", "assignee_id", "contact_id")?;
    Ok((
        Arc::new(App {
            dir,
            cache: ActorCache::new(),
            db,
            columns,
        }),
        [owner, a, b],
    ))
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (app, [owner, a, b]) = demo_app().await?;
    println!("owner: {owner}, A: {a}, B: {b} (use the number after `member:` as x-member-id)");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(app)).await?;
    Ok(())
}
