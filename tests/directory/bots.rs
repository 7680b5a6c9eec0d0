//! Bots and API keys (seed 002): keys act for one bot, are returned once and
//! stored hashed, carry only what their creator could grant when they are
//! used, and resolve to nothing once revoked.

#[allow(clippy::wildcard_imports)]
use super::*;

fn studio() -> Fx {
    Fx::new(preset::bot_studio(), Some("admin"), 20)
}

/// The bot studio with an Admin that may delete bots too.
fn deleting_studio() -> Fx {
    let studio = preset::bot_studio();
    let admin = studio.role("admin").unwrap();
    let deleting = admin
        .to_builder()
        .permissions(admin.permissions() | P::BOT_DELETE)
        .build();
    Fx::new(studio.with_role(deleting).unwrap(), Some("admin"), 20)
}

fn resolve(f: &Fx, secret: &str) -> Option<purview::ApiKeyActor> {
    f.run(f.dir.resolve_api_key(secret))
}

#[test]
fn a_key_is_returned_once_stored_hashed_and_acts_for_its_bot_only() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let other = f.run(f.dir.create_bot(ORG, f.owner, "Sales"));
    let key = f.run(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY));
    assert!(
        !format!("{key:?}").contains(&key.secret),
        "Debug shows the secret"
    );
    // Stored: the hash only; nowhere the secret, not in the audit log either,
    // and the audit log does not carry the hash.
    let state = f.state(ORG);
    let stored = &state.api_keys[&key.id];
    assert_eq!(
        stored.secret_hash,
        <[u8; 32]>::from(Sha256::digest(key.secret.as_bytes()))
    );
    assert!(!format!("{state:?}").contains(&key.secret));
    let events = f.audit(ORG);
    let last = events.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor, last.subject.clone()),
        ("generate_api_key", Some(f.owner), key.id.to_string())
    );
    let text = format!("{events:?}");
    assert!(!text.contains(&key.secret) && !text.contains("secret_hash"));
    // Resolved: the key's actor, for its bot only.
    let actor = resolve(&f, &key.secret).unwrap();
    assert_eq!((actor.org, actor.id, actor.bot), (ORG, key.id, bot));
    assert_eq!(actor.permissions, P::BOT_HISTORY);
    let actor = purview::Actor::ApiKey(actor);
    let on = |b| purview::Resource::Bot { org: ORG, bot: b };
    assert!(purview::can(&actor, purview::Action::UseBotHistory, &on(bot)).is_allowed());
    assert_eq!(
        purview::can(&actor, purview::Action::UseBotHistory, &on(other)).reason(),
        Some(Reason::ApiKeyOtherBot)
    );
    assert!(!purview::can(&actor, purview::Action::EditBot, &on(bot)).is_allowed());
}

#[test]
fn a_key_carries_only_bot_permissions_within_its_creators_role() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    for minting in [P::API_KEY_GENERATE, P::BOT_ACCESS_GRANT, P::MEMBER_INVITE] {
        let e = f.refused(
            f.dir
                .generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY | minting),
        );
        assert_matches!(e, DirectoryError::NotKeyPermissions(p) if p == minting);
    }
    // Nobody deletes a bot in the bot studio: no key does either.
    let e = f.refused(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_DELETE));
    assert_matches!(e, DirectoryError::KeyBeyondActor { missing } if missing == P::BOT_DELETE);
    let e = f.refused(f.dir.generate_api_key(ORG, f.owner, bot, P::empty()));
    assert_matches!(
        e,
        DirectoryError::InvalidInput {
            field: "permissions",
            ..
        }
    );
    let e = f.refused(
        f.dir
            .generate_api_key(ORG, f.owner, BotId(424_242), P::BOT_HISTORY),
    );
    assert_matches!(e, DirectoryError::UnknownBot(BotId(424_242)));
    // The lowest role generates nothing, even for a bot granted to them.
    let client = f.join("c@acme.test", "client");
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    let e = f.refused(f.dir.generate_api_key(ORG, client, bot, P::BOT_HISTORY));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { missing })
        if missing == P::API_KEY_GENERATE);
    let e = f.refused(f.dir.api_keys(ORG, client, bot));
    assert_matches!(e, DirectoryError::Denied(Reason::MissingPermission { .. }));
}

#[test]
fn a_key_resolves_to_nothing_once_revoked_tampered_or_its_creator_may_no_longer_generate_it() {
    let f = studio();
    let second = f.join("second@acme.test", "admin");
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let wide = P::BOT_HISTORY | P::BOT_EDIT;
    let revoked = f.run(f.dir.generate_api_key(ORG, f.owner, bot, wide));
    let seconds = f.run(f.dir.generate_api_key(ORG, second, bot, wide));
    assert!(resolve(&f, &revoked.secret).is_some());
    // Listed without hashes; revoking twice writes once.
    let listed = f.run(f.dir.api_keys(ORG, f.owner, bot));
    assert_eq!(
        listed.iter().map(|k| (k.id, k.revoked)).collect::<Vec<_>>(),
        [(revoked.id, false), (seconds.id, false)]
    );
    f.run(f.dir.revoke_api_key(ORG, f.owner, revoked.id));
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(f.dir.revoke_api_key(ORG, f.owner, revoked.id));
    assert_eq!((f.state(ORG), f.audit(ORG)), (state, events));
    assert_eq!(resolve(&f, &revoked.secret), None);
    assert!(f.run(f.dir.api_keys(ORG, f.owner, bot))[0].revoked);
    // A tampered secret, an invitation's form, a made-up key: nothing.
    let mut tampered = seconds.secret.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '0' { '1' } else { '0' });
    assert_eq!(resolve(&f, &tampered), None);
    assert_eq!(resolve(&f, seconds.secret.trim_start_matches("pvk.")), None);
    assert_eq!(resolve(&f, "pvk.1.2.xyz"), None);
    assert_eq!(
        resolve(
            &f,
            &format!("pvk.99.{}.{}", seconds.id.get(), "0".repeat(64))
        ),
        None
    );
    // A key secret is no invitation secret.
    assert_matches!(
        block_on(
            f.dir
                .accept_invitation(&seconds.secret, full("x@acme.test"))
        ),
        Err(DirectoryError::InvitationInvalid)
    );
    // Its creator demoted to Client may no longer generate keys: the key
    // grants nothing; promoted again, it grants what it named.
    assert!(resolve(&f, &seconds.secret).is_some());
    f.run(f.dir.change_role(ORG, f.owner, second, "client"));
    assert_eq!(resolve(&f, &seconds.secret), None);
    f.run(f.dir.change_role(ORG, f.owner, second, "admin"));
    assert_eq!(resolve(&f, &seconds.secret).unwrap().permissions, wide);
    // Disabled or removed: nothing.
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, second, MemberStatus::Disabled),
    );
    assert_eq!(resolve(&f, &seconds.secret), None);
    f.run(
        f.dir
            .set_member_status(ORG, f.owner, second, MemberStatus::Active),
    );
    f.run(f.dir.remove_member(ORG, f.owner, second));
    assert_eq!(resolve(&f, &seconds.secret), None);
}

#[test]
fn a_keys_permissions_shrink_with_its_creators_role() {
    // A key maker's role is narrowed at runtime: the key keeps naming both
    // permissions, and grants only what the role keeps.
    let studio = preset::bot_studio();
    let admin = studio.role("admin").unwrap().clone();
    let manager = Role::builder("manager", "Manager")
        .permissions(admin.permissions() | P::ROLE_MANAGE)
        .build();
    let maker = Role::builder("maker", "Key maker")
        .permissions(P::API_KEY_GENERATE | P::BOT_HISTORY | P::BOT_EDIT)
        .build();
    let catalog = studio
        .with_role(manager)
        .unwrap()
        .with_role(maker.clone())
        .unwrap();
    let f = Fx::new(catalog, Some("manager"), 20);
    let lead = f.join("maker@acme.test", "maker");
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let key = f.run(
        f.dir
            .generate_api_key(ORG, lead, bot, P::BOT_HISTORY | P::BOT_EDIT),
    );
    let narrowed = maker
        .to_builder()
        .permissions(maker.permissions() - P::BOT_EDIT)
        .build();
    f.run(f.dir.edit_role(ORG, f.owner, narrowed));
    assert_eq!(
        resolve(&f, &key.secret).unwrap().permissions,
        P::BOT_HISTORY
    );
}

#[test]
fn keys_and_bots_of_one_organization_touch_nothing_in_another() {
    let f = studio();
    let theirs = f.other_org();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let key = f.run(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY));
    let other_bot = f.run(f.dir.register_bot(OTHER, "Theirs"));
    let both = [ORG, OTHER];
    // The helpdesk Owner of the other organization has no bot rights; an
    // actor of one organization is unknown in the other.
    assert_matches!(
        f.frozen(&both, f.dir.revoke_api_key(OTHER, f.owner, key.id)),
        DirectoryError::UnknownMember(_)
    );
    assert_matches!(
        f.frozen(&both, f.dir.revoke_api_key(OTHER, theirs, key.id)),
        DirectoryError::UnknownApiKey(k) if k == key.id
    );
    assert_matches!(
        f.frozen(&both, f.dir.generate_api_key(ORG, f.owner, other_bot, P::BOT_HISTORY)),
        DirectoryError::UnknownBot(b) if b == other_bot
    );
    assert_matches!(
        f.frozen(&both, f.dir.grant_bot(ORG, f.owner, f.owner, other_bot)),
        DirectoryError::UnknownBot(b) if b == other_bot
    );
    assert_matches!(
        f.frozen(&both, f.dir.create_bot(OTHER, f.owner, "Mine")),
        DirectoryError::UnknownMember(_)
    );
    // The key names its organization: presented as another's, nothing.
    let forged = key.secret.replacen(
        &format!("pvk.{}.", ORG.get()),
        &format!("pvk.{}.", OTHER.get()),
        1,
    );
    assert_eq!(resolve(&f, &forged), None);
}

#[test]
fn publishing_is_checked_and_a_publish_that_changes_nothing_writes_nothing() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let client = f.join("c@acme.test", "client");
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    assert_matches!(
        f.refused(f.dir.publish_bot(ORG, client, bot, true)),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    assert_matches!(
        f.refused(f.dir.publish_bot(ORG, f.owner, BotId(424_242), true)),
        DirectoryError::UnknownBot(_)
    );
    f.run(f.dir.publish_bot(ORG, f.owner, bot, true));
    assert!(f.state(ORG).bots[&bot].published);
    let (state, events) = (f.state(ORG), f.audit(ORG));
    f.run(f.dir.publish_bot(ORG, f.owner, bot, true));
    assert_eq!((f.state(ORG), f.audit(ORG)), (state, events));
    assert_matches!(
        f.refused(f.dir.create_bot(ORG, f.owner, "  ")),
        DirectoryError::InvalidInput {
            field: "bot name",
            ..
        }
    );
}

#[test]
fn a_grant_can_carry_a_permission_level_within_the_members_role() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let client = f.join("c@acme.test", "client");
    let on = purview::Resource::Bot { org: ORG, bot };
    let decide = |f: &Fx, action| {
        let (actor, _) = f.run(f.dir.actor(ORG, client));
        purview::can(&actor, action, &on)
    };
    // History only: the Client's role would allow editing too.
    f.run(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::BOT_HISTORY),
    );
    assert_eq!(f.member(client).bots, [bot]);
    assert_eq!(f.member(client).bot_levels, [(bot, P::BOT_HISTORY)]);
    assert!(decide(&f, purview::Action::UseBotHistory).is_allowed());
    assert_eq!(
        decide(&f, purview::Action::EditBot).reason(),
        Some(Reason::BeyondBotLevel {
            missing: P::BOT_EDIT
        })
    );
    // A level only narrows a role: never beyond it, never naming what acts
    // on no bot, never empty; refused, nothing written.
    let e = f.refused(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::BOT_PUBLISH),
    );
    assert_matches!(e, DirectoryError::LevelBeyondRole { member, missing }
        if member == client && missing == P::BOT_PUBLISH);
    let e = f.refused(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::MEMBER_INVITE),
    );
    assert_matches!(e, DirectoryError::InvalidInput { field: "level", .. });
    let e = f.refused(f.dir.grant_bot_level(ORG, f.owner, client, bot, P::empty()));
    assert_matches!(e, DirectoryError::InvalidInput { field: "level", .. });
    // The lowest role sets no level, not even on a bot granted to them.
    let e = f.refused(
        f.dir
            .grant_bot_level(ORG, client, client, bot, P::BOT_HISTORY),
    );
    assert_matches!(e, DirectoryError::Denied(_));
    // Granted again without a level: the whole role; revoked: nothing left.
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    assert!(f.member(client).bot_levels.is_empty());
    assert!(decide(&f, purview::Action::EditBot).is_allowed());
    f.run(
        f.dir
            .grant_bot_level(ORG, f.owner, client, bot, P::BOT_EDIT),
    );
    f.run(f.dir.revoke_bot(ORG, f.owner, client, bot));
    let m = f.member(client);
    assert!(m.bots.is_empty() && m.bot_levels.is_empty());
    assert_eq!(
        decide(&f, purview::Action::EditBot).reason(),
        Some(Reason::BotNotGranted)
    );
}

#[test]
fn a_member_whose_grant_carries_a_level_passes_on_no_more_than_it() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let second = f.join("second@acme.test", "admin");
    let client = f.join("c@acme.test", "client");
    let own = P::BOT_ACCESS_GRANT | P::API_KEY_GENERATE | P::BOT_HISTORY;
    f.run(f.dir.grant_bot_level(ORG, f.owner, second, bot, own));
    // A key: only what the second Admin may do to the bot.
    let e = f.refused(
        f.dir
            .generate_api_key(ORG, second, bot, P::BOT_HISTORY | P::BOT_EDIT),
    );
    assert_matches!(e, DirectoryError::KeyBeyondActor { missing } if missing == P::BOT_EDIT);
    let key = f.run(f.dir.generate_api_key(ORG, second, bot, P::BOT_HISTORY));
    // A grant: never more on the bot than their level.
    let e = f.refused(f.dir.grant_bot(ORG, second, client, bot));
    assert_matches!(e, DirectoryError::LevelBeyondActor { missing }
        if missing == P::BOT_EDIT | P::BOT_UI_CONFIGURE);
    let e = f.refused(f.dir.grant_bot_level(ORG, second, client, bot, P::BOT_EDIT));
    assert_matches!(e, DirectoryError::LevelBeyondActor { missing } if missing == P::BOT_EDIT);
    f.run(
        f.dir
            .grant_bot_level(ORG, second, client, bot, P::BOT_HISTORY),
    );
    // The key follows its creator's level when used.
    assert_eq!(
        resolve(&f, &key.secret).unwrap().permissions,
        P::BOT_HISTORY
    );
    f.run(f.dir.grant_bot_level(
        ORG,
        f.owner,
        second,
        bot,
        P::BOT_ACCESS_GRANT | P::API_KEY_GENERATE,
    ));
    assert_eq!(resolve(&f, &key.secret), None);
}

#[test]
fn nobody_deletes_a_bot_in_the_bot_studio_and_a_deleted_bot_takes_its_grants_and_keys() {
    let f = studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    assert_matches!(
        f.refused(f.dir.delete_bot(ORG, f.owner, bot)),
        DirectoryError::Denied(Reason::MissingPermission { missing }) if missing == P::BOT_DELETE
    );

    let f = deleting_studio();
    let bot = f.run(f.dir.create_bot(ORG, f.owner, "Support"));
    let kept = f.run(f.dir.create_bot(ORG, f.owner, "Sales"));
    let client = f.join("c@acme.test", "client");
    f.run(f.dir.grant_bot(ORG, f.owner, client, bot));
    f.run(f.dir.grant_bot(ORG, f.owner, client, kept));
    f.run(f.dir.grant_bot(ORG, f.owner, f.owner, bot));
    let key = f.run(f.dir.generate_api_key(ORG, f.owner, bot, P::BOT_HISTORY));
    let other = f.run(f.dir.generate_api_key(ORG, f.owner, kept, P::BOT_HISTORY));
    // A Client deletes nothing.
    assert_matches!(
        f.refused(f.dir.delete_bot(ORG, client, bot)),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    let before = f.audit(ORG).len();
    f.run(f.dir.delete_bot(ORG, f.owner, bot));
    let state = f.state(ORG);
    assert!(!state.bots.contains_key(&bot));
    assert_eq!(state.members[&client].bots, [kept]);
    assert!(state.members[&f.owner].bots.is_empty());
    assert!(state.api_keys[&key.id].revoked && !state.api_keys[&other.id].revoked);
    assert_eq!(resolve(&f, &key.secret), None);
    assert!(resolve(&f, &other.secret).is_some());
    // One commit: the grants, the key and the bot.
    let events = f.audit(ORG);
    let actions: Vec<&str> = events[before..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["revoke_bot", "revoke_bot", "revoke_api_key", "delete_bot"]
    );
    assert!(events[before..].iter().all(|e| e.version == state.version));
    assert_matches!(
        f.refused(f.dir.delete_bot(ORG, f.owner, bot)),
        DirectoryError::UnknownBot(_)
    );
    // Revoking a grant of a bot no longer registered still works.
    assert_matches!(
        f.refused(f.dir.grant_bot(ORG, f.owner, client, bot)),
        DirectoryError::UnknownBot(_)
    );
}
