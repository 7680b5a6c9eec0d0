//! The bot studio at runtime (seed 002): an Admin creates and publishes
//! bots, adds a Client to one at a permission level, and generates an API
//! key for another service; the service resolves the key on each request,
//! and the key stops working when revoked.
//!
//! `cargo run --example bots`

use purview::executor::block_on;
use purview::{
    can, preset, Action, Actor, BotId, Directory, MemoryStore, NewOrganization, OrgId, Permissions,
    Profile, Resource, RoleKey,
};
use std::error::Error;
use std::fmt::Write as _;

const ORG: OrgId = OrgId(1);

fn profile(email: &str) -> Profile {
    Profile {
        email: Some(email.into()),
        ..Profile::default()
    }
}

/// Runs the demonstration and returns what it prints.
///
/// # Errors
///
/// Any directory error, which the demonstration does not expect.
pub fn run() -> Result<String, Box<dyn Error>> {
    let mut out = String::new();
    let dir = Directory::new(MemoryStore::new());
    let admin = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Bot Studio".into(),
        catalog: preset::bot_studio(),
        seat_limit: 5,
        founder: profile("admin@studio.test"),
        founder_role: Some(RoleKey::new("admin")),
    }))?;
    let sent = block_on(dir.invite(ORG, admin, "client@studio.test", "client"))?;
    let (_, client) =
        block_on(dir.accept_invitation(&sent[0].secret, profile("client@studio.test")))?;

    let support = block_on(dir.create_bot(ORG, admin, "Support bot"))?;
    let sales = block_on(dir.create_bot(ORG, admin, "Sales bot"))?;
    block_on(dir.publish_bot(ORG, admin, support, true))?;
    writeln!(out, "Bots: Support bot (published), Sales bot")?;

    // The Client is added to the support bot to read its history only.
    block_on(dir.grant_bot_level(ORG, admin, client, support, Permissions::BOT_HISTORY))?;
    let (who, _) = block_on(dir.actor(ORG, client))?;
    let on = |bot: BotId| Resource::Bot { org: ORG, bot };
    writeln!(
        out,
        "The Client, added to the support bot at history level:"
    )?;
    for (label, action, bot) in [
        ("support bot, history", Action::UseBotHistory, support),
        ("support bot, edit", Action::EditBot, support),
        ("sales bot, history", Action::UseBotHistory, sales),
        ("any bot, delete", Action::DeleteBot, support),
    ] {
        writeln!(out, "  {label:<22} {}", can(&who, action, &on(bot)))?;
    }
    let refused = block_on(dir.generate_api_key(ORG, client, support, Permissions::BOT_HISTORY));
    if let Err(e) = refused {
        writeln!(out, "The Client asks for an API key:\n  {e}")?;
    }

    // A key for another service: shown once, stored only as a hash.
    let key = block_on(dir.generate_api_key(ORG, admin, support, Permissions::BOT_HISTORY))?;
    writeln!(out, "API key {} generated for the support bot", key.id)?;
    let minting =
        block_on(dir.generate_api_key(ORG, admin, support, Permissions::API_KEY_GENERATE));
    if let Err(e) = minting {
        writeln!(out, "A key that would mint keys:\n  refused: {e}")?;
    }
    let service = |dir: &Directory<MemoryStore>| -> Result<String, Box<dyn Error>> {
        Ok(match block_on(dir.resolve_api_key(&key.secret))? {
            None => "the key resolves to nothing".to_owned(),
            Some(k) => {
                let k = Actor::ApiKey(k);
                format!(
                    "support history {}; sales history {}",
                    can(&k, Action::UseBotHistory, &on(support)),
                    can(&k, Action::UseBotHistory, &on(sales))
                )
            }
        })
    };
    writeln!(out, "The service presents the key:\n  {}", service(&dir)?)?;
    block_on(dir.revoke_api_key(ORG, admin, key.id))?;
    writeln!(out, "After revoking it:\n  {}", service(&dir)?)?;
    Ok(out)
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run()?);
    Ok(())
}
