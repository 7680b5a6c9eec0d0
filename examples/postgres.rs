//! A directory on PostgreSQL shared by two replicas: one changes a role, the
//! other hears of it through a change notification, sees the version move,
//! and reloads the actor.
//!
//! Run with
//! `PURVIEW_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo run --example postgres --features postgres`.

use purview::{
    can, preset, Action, ActorCache, Directory, NewOrganization, OrgId, PostgresStore, Profile,
    Resource, Store,
};

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        user_name: Some("name".into()),
        display_name: Some("Name".into()),
        phone: Some("+1 555 0100".into()),
        user_code: None,
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("PURVIEW_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    // Two replicas, each with its own pool.
    let replica_a = Directory::new(PostgresStore::connect(&url).await?);
    let store_b = PostgresStore::connect(&url).await?;
    let mut changes = store_b.subscribe().await?;
    let replica_b = Directory::new(store_b.clone());
    let cache = ActorCache::new();

    // A fresh organization id, so the example can run again and again.
    let org = OrgId(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
    );
    let owner = replica_a
        .create_organization(NewOrganization {
            id: org,
            name: "Acme Support".into(),
            catalog: preset::helpdesk(),
            seat_limit: 10,
            founder: profile("owner@acme.test"),
            founder_role: None,
        })
        .await?;
    let invitation = replica_a
        .invite(org, owner, "agent@acme.test", "agent")
        .await?;
    let (_, agent) = replica_a
        .accept_invitation(&invitation[0].secret, profile("agent@acme.test"))
        .await?;

    let analytics = Resource::Organization(org);
    let before = cache.get(&replica_b, org, agent).await?;
    println!(
        "replica B, agent views analytics: {}",
        can(&before, Action::ViewAnalytics, &analytics)
    );

    replica_a.change_role(org, owner, agent, "admin").await?;
    let version = store_b.version(org).await?;
    // The notification names the organization and its new version.
    loop {
        let (changed, v) = changes.next().await?;
        if changed == org && v == version {
            println!(
                "replica B heard: organization {} is at version {v}",
                changed.0
            );
            cache.observe(changed, v);
            break;
        }
    }
    let after = cache.get(&replica_b, org, agent).await?;
    println!(
        "replica B, admin views analytics: {}",
        can(&after, Action::ViewAnalytics, &analytics)
    );
    Ok(())
}
