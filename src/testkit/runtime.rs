//! The organization administered at runtime: settings, roles, bots and
//! API keys, knowledge bases.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The organization's name and seat limit, changed at runtime, are stored,
/// reach a replica that keeps the organization through the log, and a
/// refused limit changes nothing.
pub(super) async fn organization_settings<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    const C: &str = "organization_settings";
    let a = directory(store).organization_settings(["timezone", "language"]);
    let b = directory(store).organization_settings(["timezone", "language"]);
    let (owner, _) = organization(&a, org, preset::helpdesk(), None, 2, "agent", C).await?;
    b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    a.rename_organization(org, owner, "Renamed")
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    a.set_seat_limit(org, 7)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    a.set_organization_setting(org, owner, "timezone", Some("Asia/Taipei"))
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    let before = loaded(store, org, C).await?;
    ensure(
        before.org.name == "Renamed"
            && before.org.seat_limit == 7
            && before.org.settings.get("timezone").map(String::as_str) == Some("Asia/Taipei"),
        C,
        || {
            format!(
                "stored {:?} with {} seats",
                before.org.name, before.org.seat_limit
            )
        },
    )?;
    let kept = b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    ensure(*kept == *before, C, || {
        "a replica does not see the new settings".into()
    })?;
    let info = b
        .organization_info(org, owner)
        .await
        .map_err(|e| fail(C, e.to_string()))?;
    ensure(info.settings.len() == 1, C, || {
        format!("a replica shows the settings {:?}", info.settings)
    })?;
    match a
        .set_organization_setting(org, owner, "currency", Some("TWD"))
        .await
    {
        Err(DirectoryError::UnknownSetting(_)) => {}
        other => return Err(fail(C, format!("an undeclared setting gave {other:?}"))),
    }
    match a.set_seat_limit(org, 1).await {
        Err(DirectoryError::SeatLimitBelowUse { limit: 1, used: 3 }) => {}
        other => return Err(fail(C, format!("a limit below use gave {other:?}"))),
    }
    let after = loaded(store, org, C).await?;
    ensure(*after == *before, C, || {
        "a refused limit changed the organization".into()
    })?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let system = events
        .iter()
        .filter(|e| e.action == "set_seat_limit" && e.actor.is_none())
        .count();
    ensure(system == 1, C, || {
        format!("{system} seat limit events recorded as the system's")
    })
}

/// Roles created, edited and deleted at runtime are stored in order with
/// the catalog's policy and matrix, reach a replica through the log, move
/// the holders of a deleted role in the same commit, and a refused edit
/// changes nothing.
pub(super) async fn role_catalog<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    use crate::model::permission::Permissions as P;
    use crate::model::role::Role;
    const C: &str = "role_catalog";
    let a = directory(store);
    let b = directory(store);
    let (admin, interns) = organization(
        &a,
        org,
        preset::assistant(),
        Some("administrative_staff"),
        2,
        "intern",
        C,
    )
    .await?;
    b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let auditor = Role::builder("auditor", "Auditor")
        .permissions(P::MEMBER_VIEW | P::CONTACT_VIEW)
        .build();
    a.create_role(org, admin, auditor.clone())
        .await
        .map_err(err)?;
    let intern = preset::assistant()
        .role("intern")
        .cloned()
        .ok_or_else(|| fail(C, "no intern"))?;
    let wider = Role::builder("intern", "Trainee")
        .permissions(intern.permissions() | P::CONVERSATION_REPLY)
        .view_scope(intern.view_scope())
        .knowledge(intern.knowledge().clone())
        .build();
    a.edit_role(org, admin, wider.clone()).await.map_err(err)?;
    a.change_role(org, admin, interns[0], "customer_service_representative")
        .await
        .map_err(err)?;
    a.delete_role(
        org,
        admin,
        "customer_service_representative",
        Some("auditor"),
    )
    .await
    .map_err(err)?;
    let stored = loaded(store, org, C).await?;
    let keys: Vec<&str> = stored
        .org
        .catalog
        .roles()
        .map(|r| r.key().as_str())
        .collect();
    ensure(
        keys == ["administrative_staff", "intern", "auditor"],
        C,
        || format!("stored roles {keys:?}"),
    )?;
    ensure(
        stored.org.catalog.role("intern") == Some(&wider)
            && stored.org.catalog.role("auditor") == Some(&auditor)
            && stored.org.catalog.policy() == preset::assistant().policy()
            && stored.org.catalog.matrix().columns.len() == 3,
        C,
        || format!("stored catalog {:?}", stored.org.catalog),
    )?;
    let moved = stored.members.get(&interns[0]).map(|m| m.role.as_str());
    ensure(moved == Some("auditor"), C, || {
        format!("the deleted role's holder has {moved:?}")
    })?;
    let kept = b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    ensure(*kept == *stored, C, || {
        "a replica does not see the new catalog".into()
    })?;
    let (actor, _) = b.actor(org, interns[1]).await.map_err(err)?;
    ensure(
        matches!(&actor, crate::model::actor::Actor::Member(m)
            if m.role().permissions().contains(P::CONVERSATION_REPLY)),
        C,
        || "a replica's actor does not have the edited role".into(),
    )?;
    // The admin minimum's role keeps what it grants; the admin's own role
    // is not theirs to edit anyway: both refused, nothing written.
    let narrowed = Role::builder("administrative_staff", "Staff").build();
    match a.edit_role(org, admin, narrowed).await {
        Err(DirectoryError::OwnRoleEdit(_)) => {}
        other => return Err(fail(C, format!("editing one's own role gave {other:?}"))),
    }
    let after = loaded(store, org, C).await?;
    ensure(*after == *stored, C, || {
        "a refused edit changed the organization".into()
    })?;
    let events = store.audit(org).await.map_err(|e| fail(C, e.to_string()))?;
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.subject.starts_with("role:"))
        .map(|e| e.action.as_str())
        .collect();
    ensure(
        actions == ["create_role", "edit_role", "delete_role"],
        C,
        || format!("role events {actions:?}"),
    )
}

/// Bots and API keys are stored with the organization: a replica resolves
/// a key generated by another, the store keeps only the secret's hash, a
/// revoked key and a deleted bot's key resolve to nothing everywhere, a
/// deleted bot's grants go with it, and a refused key changes nothing.
pub(super) async fn bots_and_keys<S: Store + Clone>(store: &S, org: OrgId) -> Result<(), Failure> {
    use crate::model::permission::Permissions as P;
    const C: &str = "bots_and_keys";
    let a = directory(store);
    let b = directory(store);
    // The bot studio's Admin, allowed to delete bots too.
    let studio = preset::bot_studio();
    let admin_role = studio.role("admin").ok_or_else(|| fail(C, "no admin"))?;
    let deleting = admin_role
        .to_builder()
        .permissions(admin_role.permissions() | P::BOT_DELETE)
        .build();
    let catalog = studio
        .with_role(deleting)
        .map_err(|e| fail(C, e.to_string()))?;
    let (admin, clients) = organization(&a, org, catalog, Some("admin"), 1, "client", C).await?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let bot = a.create_bot(org, admin, "Helper").await.map_err(err)?;
    let hosted = a.register_bot(org, "Hosted").await.map_err(err)?;
    a.publish_bot(org, admin, bot, true).await.map_err(err)?;
    a.grant_bot_level(org, admin, clients[0], bot, P::BOT_HISTORY)
        .await
        .map_err(err)?;
    let key = a
        .generate_api_key(org, admin, bot, P::BOT_HISTORY | P::BOT_EDIT)
        .await
        .map_err(err)?;
    let other = a
        .generate_api_key(org, admin, hosted, P::BOT_HISTORY)
        .await
        .map_err(err)?;
    let resolved = b.resolve_api_key(&key.secret).await.map_err(err)?;
    ensure(
        resolved.as_ref().is_some_and(|k| {
            k.id == key.id
                && k.bot == bot
                && k.org == org
                && k.permissions == P::BOT_HISTORY | P::BOT_EDIT
        }),
        C,
        || format!("a replica resolves the key to {resolved:?}"),
    )?;
    let stored = loaded(store, org, C).await?;
    let levels = stored
        .members
        .get(&clients[0])
        .map(|m| m.bot_levels.clone());
    ensure(levels == Some(vec![(bot, P::BOT_HISTORY)]), C, || {
        format!("stored grant levels {levels:?}")
    })?;
    let (client, _) = b.actor(org, clients[0]).await.map_err(err)?;
    let edit = crate::model::eval::can(
        &client,
        crate::Action::EditBot,
        &crate::Resource::Bot { org, bot },
    );
    ensure(!edit.is_allowed(), C, || {
        "a replica's actor does not have the grant's level".into()
    })?;
    let stored_key = stored.api_keys.get(&key.id);
    ensure(
        stored.bots.len() == 2
            && stored
                .bots
                .get(&bot)
                .is_some_and(|b| b.published && b.name == "Helper")
            && stored_key.is_some_and(|k| {
                use sha2::Digest;
                k.secret_hash == <[u8; 32]>::from(sha2::Sha256::digest(key.secret.as_bytes()))
                    && !k.revoked
            }),
        C,
        || format!("stored bots {:?}, key {stored_key:?}", stored.bots),
    )?;
    // A key never carries what mints credentials: refused, nothing written.
    let before = snapshot(store, org, C).await?;
    match a
        .generate_api_key(org, admin, bot, P::API_KEY_GENERATE)
        .await
    {
        Err(DirectoryError::NotKeyPermissions(_)) => {}
        other => return Err(fail(C, format!("a key-minting key gave {other:?}"))),
    }
    let after = snapshot(store, org, C).await?;
    ensure(after == before, C, || {
        "a refused key changed the organization or its audit log".into()
    })?;
    a.revoke_api_key(org, admin, key.id).await.map_err(err)?;
    let revoked = b.resolve_api_key(&key.secret).await.map_err(err)?;
    ensure(revoked.is_none(), C, || {
        format!("a replica resolves a revoked key to {revoked:?}")
    })?;
    a.delete_bot(org, admin, hosted).await.map_err(err)?;
    let gone = b.resolve_api_key(&other.secret).await.map_err(err)?;
    ensure(gone.is_none(), C, || {
        format!("a deleted bot's key resolves to {gone:?}")
    })?;
    a.delete_bot(org, admin, bot).await.map_err(err)?;
    let last = loaded(store, org, C).await?;
    let grants = last.members.get(&clients[0]).map(|m| m.bots.clone());
    let levels = last.members.get(&clients[0]).map(|m| m.bot_levels.len());
    ensure(
        last.bots.is_empty()
            && grants.as_deref() == Some(&[][..])
            && levels == Some(0)
            && last.api_keys.values().all(|k| k.revoked),
        C,
        || {
            format!(
                "after deleting the bots: {:?}, grants {grants:?}",
                last.bots
            )
        },
    )?;
    let kept = b.snapshot(org).await.map_err(err)?;
    ensure(*kept == *last, C, || {
        "a replica does not see the bots deleted".into()
    })
}

/// Knowledge bases are stored with the organization, their names and
/// audiences with them; a replica sees them; a referenced one is refused
/// removal, writing nothing, and removed with its references detached in
/// one commit.
pub(super) async fn knowledge_bases<S: Store + Clone>(
    store: &S,
    org: OrgId,
) -> Result<(), Failure> {
    use crate::model::contact::Audience;
    const C: &str = "knowledge_bases";
    let a = directory(store);
    let b = directory(store);
    let (staff, _) = organization(
        &a,
        org,
        preset::assistant(),
        Some("administrative_staff"),
        0,
        "intern",
        C,
    )
    .await?;
    b.snapshot(org).await.map_err(|e| fail(C, e.to_string()))?;
    let err = |e: DirectoryError| fail(C, e.to_string());
    let gold = Audience::one_of("tier", ["gold"]);
    let faq = a
        .register_knowledge_base(org, staff, "FAQ", Some(gold.clone()))
        .await
        .map_err(err)?;
    a.rename_knowledge_base(org, staff, faq, "Questions")
        .await
        .map_err(err)?;
    let stored = loaded(store, org, C).await?;
    let record = stored.knowledge_bases.get(&faq);
    ensure(
        record.is_some_and(|k| k.name == "Questions" && k.audience.as_ref() == Some(&gold))
            && stored.org.catalog.knowledge_bases().contains(&faq),
        C,
        || format!("stored knowledge base {record:?}"),
    )?;
    let kept = b.snapshot(org).await.map_err(err)?;
    ensure(*kept == *stored, C, || {
        "a replica does not see the knowledge base".into()
    })?;
    let products = preset::ASSISTANT_PRODUCTS;
    let before = snapshot(store, org, C).await?;
    match a.remove_knowledge_base(org, staff, products, false).await {
        Err(DirectoryError::KnowledgeBaseInUse { .. }) => {}
        other => return Err(fail(C, format!("removing a referenced one gave {other:?}"))),
    }
    ensure(snapshot(store, org, C).await? == before, C, || {
        "a refused removal wrote".into()
    })?;
    a.remove_knowledge_base(org, staff, products, true)
        .await
        .map_err(err)?;
    let stored = loaded(store, org, C).await?;
    let intern = stored
        .org
        .catalog
        .role("intern")
        .map(|r| r.knowledge().clone());
    ensure(
        !stored.org.catalog.knowledge_bases().contains(&products)
            && intern == Some(crate::model::scope::KnowledgeRefs::only([])),
        C,
        || format!("after detaching: intern references {intern:?}"),
    )?;
    let kept = b.snapshot(org).await.map_err(err)?;
    ensure(*kept == *stored, C, || {
        "a replica does not see the removal".into()
    })
}
