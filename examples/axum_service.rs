//! An axum service that asks purview before answering.
//!
//! Each request names its actor in the `x-org-id` and `x-member-id` headers
//! (a stand-in for the host's own authentication). The service resolves the
//! actor through an [`ActorCache`], asks [`can`], and answers 403 with the
//! reason in a JSON body when the answer is no. The conversation list is
//! filtered with the same rule by [`ConversationFilter`].
//!
//! `cargo run --example axum_service`, then for instance
//! `curl -H 'x-org-id: 1' -H "x-member-id: $ID" localhost:3000/conversations/2`
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
use purview::{
    can, preset, Action, Actor, ActorCache, Assignment, ContactId, Conversation,
    ConversationFilter, ConversationId, Decision, Directory, DirectoryError, ImportMode, MemberId,
    MemoryStore, NewOrganization, OrgId, Profile, Resource,
};
use serde_json::json;
use std::sync::Arc;

/// The service's shared state.
pub struct App {
    /// The directory over the embedded store.
    pub dir: Directory<MemoryStore>,
    /// Actors per request, invalidated by the organization's change version.
    pub cache: ActorCache,
    /// The conversations the service holds (a database table in a real service).
    pub conversations: Vec<Conversation>,
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

fn conversation(app: &App, id: u64) -> Result<&Conversation, Response> {
    app.conversations
        .iter()
        .find(|c| c.id == ConversationId(id))
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "no such conversation"))
}

fn decide(decision: Decision) -> Result<(), Response> {
    decision
        .into_result()
        .map_err(|reason| error(StatusCode::FORBIDDEN, reason))
}

async fn list(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Response> {
    let actor = actor(&app, &headers).await?;
    let filter = ConversationFilter::view(&actor);
    let visible: Vec<&Conversation> = app
        .conversations
        .iter()
        .filter(|c| filter.matches(c))
        .collect();
    Ok(Json(visible).into_response())
}

async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let actor = actor(&app, &headers).await?;
    let c = conversation(&app, id)?;
    decide(can(
        &actor,
        Action::ViewConversation,
        &Resource::Conversation(c),
    ))?;
    Ok(Json(c).into_response())
}

async fn reply(
    State(app): State<Arc<App>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let actor = actor(&app, &headers).await?;
    let c = conversation(&app, id)?;
    decide(can(
        &actor,
        Action::ReplyConversation,
        &Resource::Conversation(c),
    ))?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "replied_to": id }))).into_response())
}

/// The demonstration data: an organization with the helpdesk preset, A and B
/// (Agents) in Team 1, and three conversations. Returns the app and the ids of
/// the owner, A and B.
///
/// # Errors
///
/// A [`DirectoryError`] if setting up the directory fails.
pub async fn demo_app() -> Result<(Arc<App>, [MemberId; 3]), DirectoryError> {
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
    let conversations = vec![
        Conversation::new(ConversationId(1), org, ContactId(1))
            .assigned(Assignment::Member { member: a }),
        Conversation::new(ConversationId(2), org, ContactId(2))
            .assigned(Assignment::TeamMember { team, member: b }),
        Conversation::new(ConversationId(3), OrgId(2), ContactId(3)),
    ];
    Ok((
        Arc::new(App {
            dir,
            cache: ActorCache::new(),
            conversations,
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
