//! A directory on SQLite: create an organization in a file, close it, open
//! the file again and find everything as it was.
//!
//! Run with `cargo run --example sqlite --features sqlite [path]`.

use purview::{
    can, preset, Action, Directory, NewOrganization, OrgId, Profile, Resource, SqliteStore,
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).map_or_else(
        || std::env::temp_dir().join("purview-example.db"),
        Into::into,
    );
    let _ = std::fs::remove_file(&path);
    let org = OrgId(1);

    let store = SqliteStore::open(&path).await?;
    println!(
        "opened {} (journal mode {}, schema version {})",
        path.display(),
        store.journal_mode().await?,
        store.schema_version().await?
    );
    let directory = Directory::new(store.clone());
    let owner = directory
        .create_organization(NewOrganization {
            id: org,
            name: "Acme Support".into(),
            catalog: preset::helpdesk(),
            seat_limit: 10,
            founder: profile("owner@acme.test"),
            founder_role: None,
        })
        .await?;
    let invitation = directory
        .invite(org, owner, "agent@acme.test", "agent")
        .await?;
    let (_, agent) = directory
        .accept_invitation(&invitation[0].secret, profile("agent@acme.test"))
        .await?;
    directory.change_role(org, owner, agent, "admin").await?;
    store.close().await;

    // A new process would do just this.
    let directory = Directory::new(SqliteStore::open(&path).await?);
    let state = directory.snapshot(org).await?;
    println!(
        "reopened: {} members at version {}",
        state.members.len(),
        state.version
    );
    let (actor, _) = directory.actor(org, agent).await?;
    println!(
        "the former agent may view analytics: {}",
        can(&actor, Action::ViewAnalytics, &Resource::Organization(org))
    );
    for event in directory.audit_events(org, owner, None, 100).await? {
        println!(
            "audit v{} {} {}",
            event.version, event.action, event.subject
        );
    }
    Ok(())
}
