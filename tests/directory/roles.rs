//! The role catalog at runtime (seed 000: roles "managed through backend role
//! management"; seed 002: "Manage role templates").

#[allow(clippy::wildcard_imports)]
use super::*;

/// The assistant preset with a Director above the Administrative Staff (it
/// holds everything they do and bot creation): someone who may edit the
/// role the admin minimum counts.
fn with_director() -> Fx {
    let staff = preset::assistant()
        .role("administrative_staff")
        .unwrap()
        .clone();
    let director = Role::builder("director", "Director")
        .permissions(staff.permissions() | P::BOT_CREATE)
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .build();
    Fx::new(
        preset::assistant().with_role(director).unwrap(),
        Some("director"),
        20,
    )
}

fn assistant() -> Fx {
    Fx::new(preset::assistant(), Some("administrative_staff"), 20)
}

fn auditor() -> Role {
    Role::builder("auditor", "Auditor")
        .permissions(P::MEMBER_VIEW | P::CONTACT_VIEW)
        .build()
}

#[cfg(feature = "import")]
#[test]
fn a_role_created_at_runtime_never_becomes_what_an_import_gives() {
    // The workspace-like catalog names no default role: an import gives its
    // last role, Disabled. A role added after it leaves that so.
    let catalog = workspace_like();
    let admin = catalog.role("admin").unwrap().clone();
    let managing = admin
        .to_builder()
        .permissions(admin.permissions() | P::ROLE_MANAGE)
        .build();
    let f = Fx::new(catalog.with_role(managing).unwrap(), Some("admin"), 20);
    let helper = Role::builder("helper", "Helper")
        .permissions(P::PROFILE_EDIT | P::MEMBER_VIEW)
        .build();
    f.run(f.dir.create_role(ORG, f.owner, helper));
    let policy = f.state(ORG).org.catalog.policy().clone();
    assert_eq!(
        policy.default_role.as_ref().map(RoleKey::as_str),
        Some("disabled")
    );
    let report = f.run(f.dir.import_members(
        ORG,
        f.owner,
        "email,role\nnew@acme.test,\n".as_bytes(),
        purview::ImportMode::Apply,
    ));
    assert_eq!(report.members_created, 1);
    let created = f
        .state(ORG)
        .members
        .values()
        .find(|m| m.email == "new@acme.test")
        .map(|m| m.role.as_str().to_owned());
    assert_eq!(created.as_deref(), Some("disabled"));
    // Named by the policy now, the default role stays.
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, f.owner, "disabled", None)),
        DirectoryError::RoleRequired { .. }
    );
}

#[test]
fn roles_are_managed_only_with_role_management() {
    let f = assistant();
    let intern = f.join("i@acme.test", "intern");
    assert_matches!(
        f.refused(f.dir.create_role(ORG, intern, auditor())),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    let edited = preset::assistant().role("intern").unwrap().clone();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, intern, edited)),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    assert_matches!(
        f.refused(
            f.dir
                .delete_role(ORG, intern, "customer_service_representative", None)
        ),
        DirectoryError::Denied(Reason::MissingPermission { .. })
    );
    // The Owner of another organization is nobody here.
    let other = f.other_org();
    assert_matches!(
        f.frozen(&[ORG, OTHER], f.dir.create_role(ORG, other, auditor())),
        DirectoryError::UnknownMember(_)
    );
}

#[test]
fn a_created_role_is_checked_before_anything_is_written() {
    let f = assistant();
    // Beyond the creator's own role.
    let beyond = Role::builder("boss", "Boss").permissions(P::all()).build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, beyond)),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "boss"
    );
    // A second holder of a unique role is never made at runtime.
    let unique = Role::builder("chief", "Chief")
        .permissions(P::MEMBER_VIEW)
        .unique()
        .build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, unique)),
        DirectoryError::UniqueRole(k) if k.as_str() == "chief"
    );
    // A key the catalog has.
    let again = Role::builder("intern", "Intern again").build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, again)),
        DirectoryError::RoleExists(k) if k.as_str() == "intern"
    );
    // A knowledge base the organization does not have.
    let reader = Role::builder("reader", "Reader")
        .permissions(P::KNOWLEDGE_BASE_QUERY)
        .knowledge(purview::KnowledgeRefs::only([purview::KnowledgeBaseId(99)]))
        .build();
    assert_matches!(
        f.refused(f.dir.create_role(ORG, f.owner, reader)),
        DirectoryError::UnknownKnowledgeBase {
            knowledge_base: purview::KnowledgeBaseId(99),
            ..
        }
    );
    // Texts as every other text field.
    for (key, name) in [
        (" auditor", "Auditor"),
        ("", "Auditor"),
        ("auditor", " "),
        ("auditor", "A\u{7}"),
    ] {
        let bad = Role::builder(key, name).build();
        assert_matches!(
            f.refused(f.dir.create_role(ORG, f.owner, bad)),
            DirectoryError::InvalidInput { .. }
        );
    }
}

#[test]
fn a_created_role_is_in_the_catalog_the_matrix_and_the_audit_log_and_can_be_granted() {
    let f = assistant();
    let version = f.state(ORG).version;
    f.run(f.dir.create_role(ORG, f.owner, auditor()));
    let state = f.state(ORG);
    assert_eq!(state.version, version + 1);
    assert_eq!(state.org.catalog.roles().last(), Some(&auditor()));
    // The live organization's matrix and reference page show it.
    assert!(state.org.catalog.render_markdown().contains("Auditor"));
    assert!(state.org.catalog.render_reference().contains("auditor"));
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.actor,
            last.subject.as_str(),
            last.before.is_none()
        ),
        ("create_role", Some(f.owner), "role:auditor", true)
    );
    assert!(last.after.unwrap().to_json().contains("\"auditor\""));
    let a = f.join("au@acme.test", "auditor");
    assert_eq!(f.role(a), "auditor");
}

#[test]
fn an_edited_role_changes_its_holders_decisions_at_once() {
    let f = assistant();
    let intern = f.join("i@acme.test", "intern");
    let reply = |f: &Fx| {
        let (actor, _) = f.run(f.dir.actor(ORG, intern));
        matches!(&actor, purview::Actor::Member(m)
            if m.role().permissions().contains(P::CONVERSATION_REPLY))
    };
    assert!(!reply(&f));
    let old = preset::assistant().role("intern").unwrap().clone();
    let wider = Role::builder("intern", "Trainee")
        .permissions(old.permissions() | P::CONVERSATION_REPLY)
        .view_scope(old.view_scope())
        .knowledge(old.knowledge().clone())
        .build();
    f.run(f.dir.edit_role(ORG, f.owner, wider.clone()));
    assert!(reply(&f));
    assert_eq!(f.state(ORG).org.catalog.role("intern"), Some(&wider));
    let last = f.audit(ORG).pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.subject.as_str()),
        ("edit_role", "role:intern")
    );
    assert_matches!(last.before, Some(AuditValue::Role(r)) if r.name() == "Intern");
    assert_matches!(last.after, Some(AuditValue::Role(r)) if r.name() == "Trainee");
    // The same role again writes nothing.
    let version = f.state(ORG).version;
    f.run(f.dir.edit_role(ORG, f.owner, wider));
    assert_eq!(f.state(ORG).version, version);
    // A template puts the preset's role back.
    f.run(
        f.dir
            .apply_role_template(ORG, f.owner, &preset::assistant(), "intern"),
    );
    assert!(!reply(&f));
    assert_eq!(f.state(ORG).org.catalog.role("intern"), Some(&old));
}

#[test]
fn nobody_edits_their_own_role_a_role_above_them_or_beyond_them() {
    let f = with_director();
    let staff = f.join("s@acme.test", "administrative_staff");
    let own = preset::assistant()
        .role("administrative_staff")
        .unwrap()
        .clone();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, own)),
        DirectoryError::OwnRoleEdit(k) if k.as_str() == "administrative_staff"
    );
    let director = f.state(ORG).org.catalog.role("director").unwrap().clone();
    let lowered = Role::builder("director", "Director")
        .permissions(P::MEMBER_VIEW)
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, lowered)),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "director"
    );
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, staff, "director", Some("intern"))),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "director"
    );
    let raised = Role::builder("intern", "Intern")
        .permissions(director.permissions())
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, raised)),
        DirectoryError::RoleBeyondActor(k) if k.as_str() == "intern"
    );
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, staff, Role::builder("ghost", "Ghost").build())),
        DirectoryError::UnknownRole(k) if k == "ghost"
    );
    let made_unique = Role::builder("intern", "Intern").unique().build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, made_unique)),
        DirectoryError::UniqueRole(_)
    );
}

#[test]
fn the_role_the_admin_minimum_counts_keeps_what_it_grants() {
    let f = with_director();
    let staff = preset::assistant()
        .role("administrative_staff")
        .unwrap()
        .clone();
    let without_roles = Role::builder("administrative_staff", "Administrative Staff")
        .permissions(staff.permissions() - P::ROLE_MANAGE)
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, without_roles)),
        DirectoryError::ProtectedRole { role, .. } if role.as_str() == "administrative_staff"
    );
    let disabled = Role::builder("administrative_staff", "Administrative Staff")
        .permissions(staff.permissions())
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .disabled()
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, disabled)),
        DirectoryError::ProtectedRole { .. }
    );
    // Renamed, or granted more within the editor's own: allowed.
    let renamed = Role::builder("administrative_staff", "Staff")
        .permissions(staff.permissions())
        .view_scope(staff.view_scope())
        .manage_scope(staff.manage_scope())
        .build();
    f.run(f.dir.edit_role(ORG, f.owner, renamed));
    // Nor is it deleted; nor the default role.
    assert_matches!(
        f.refused(
            f.dir
                .delete_role(ORG, f.owner, "administrative_staff", Some("intern"))
        ),
        DirectoryError::RoleRequired { .. }
    );
    assert_matches!(
        f.refused(f.dir.delete_role(
            ORG,
            f.owner,
            "intern",
            Some("customer_service_representative")
        )),
        DirectoryError::RoleRequired { .. }
    );
}

#[test]
fn the_unique_role_is_neither_edited_nor_deleted() {
    // The helpdesk's Owner holds the unique role: it is their own; everybody
    // else is below it. A catalog giving the Owner role management shows it.
    let mut catalog = preset::helpdesk();
    let owner = catalog.role("owner").unwrap().clone();
    let owner = Role::builder("owner", owner.name())
        .permissions(owner.permissions() | P::ROLE_MANAGE)
        .view_scope(owner.view_scope())
        .manage_scope(owner.manage_scope())
        .unique()
        .build();
    catalog = catalog.with_role(owner.clone()).unwrap();
    let f = Fx::new(catalog, None, 10);
    let renamed = Role::builder("owner", "Chief")
        .permissions(owner.permissions())
        .view_scope(owner.view_scope())
        .manage_scope(owner.manage_scope())
        .unique()
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, renamed)),
        DirectoryError::OwnRoleEdit(_)
    );
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, f.owner, "owner", Some("agent"))),
        DirectoryError::OwnRoleEdit(_)
    );
    // The Owner may not make another role unique either.
    let agent = f.state(ORG).org.catalog.role("agent").unwrap().clone();
    let unique_agent = Role::builder("agent", agent.name())
        .permissions(agent.permissions())
        .unique()
        .build();
    assert_matches!(
        f.refused(f.dir.edit_role(ORG, f.owner, unique_agent)),
        DirectoryError::UniqueRole(_)
    );
}

#[test]
fn a_role_in_use_is_deleted_only_with_a_replacement_that_moves_its_holders() {
    let f = assistant();
    let rep = f.join("r@acme.test", "customer_service_representative");
    let sent = f.run(f.dir.invite(
        ORG,
        f.owner,
        "p@acme.test",
        "customer_service_representative",
    ));
    assert_matches!(
        f.refused(
            f.dir
                .delete_role(ORG, f.owner, "customer_service_representative", None)
        ),
        DirectoryError::RoleInUse {
            members: 1,
            invitations: 1,
            ..
        }
    );
    assert_matches!(
        f.refused(f.dir.delete_role(
            ORG,
            f.owner,
            "customer_service_representative",
            Some("customer_service_representative")
        )),
        DirectoryError::InvalidInput { .. }
    );
    assert_matches!(
        f.refused(f.dir.delete_role(
            ORG,
            f.owner,
            "customer_service_representative",
            Some("ghost")
        )),
        DirectoryError::UnknownRole(_)
    );
    f.run(f.dir.delete_role(
        ORG,
        f.owner,
        "customer_service_representative",
        Some("intern"),
    ));
    let state = f.state(ORG);
    assert!(state
        .org
        .catalog
        .role("customer_service_representative")
        .is_none());
    assert!(!state
        .org
        .catalog
        .matrix()
        .columns
        .iter()
        .any(|c| c.as_str() == "customer_service_representative"));
    assert_eq!(f.role(rep), "intern");
    assert_eq!(state.invitations[&sent[0].id].role.as_str(), "intern");
    // One commit: the role, its holder and its invitation.
    let events: Vec<_> = f
        .audit(ORG)
        .into_iter()
        .filter(|e| e.version == state.version)
        .collect();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.action == "delete_role"));
    // The invitation grants the replacement.
    let (_, joined) = f.run(
        f.dir
            .accept_invitation(&sent[0].secret, full("p@acme.test")),
    );
    assert_eq!(f.role(joined), "intern");
    // The key is gone: nothing grants it any more.
    assert_matches!(
        f.refused(f.dir.invite(
            ORG,
            f.owner,
            "q@acme.test",
            "customer_service_representative"
        )),
        DirectoryError::UnknownRole(_)
    );
    // A role nobody holds goes without a replacement.
    f.run(f.dir.create_role(ORG, f.owner, auditor()));
    // A link is a bearer's credential: deleting its role revokes it, and it
    // never grants the replacement.
    let link = f.run(f.dir.create_invitation_link(ORG, f.owner, "auditor"));
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, f.owner, "auditor", None)),
        DirectoryError::RoleInUse {
            members: 0,
            invitations: 1,
            ..
        }
    );
    f.run(f.dir.delete_role(ORG, f.owner, "auditor", Some("intern")));
    assert_eq!(
        f.state(ORG).invitations[&link.id].state,
        InvitationState::Revoked
    );
    assert_matches!(
        block_on(f.dir.accept_invitation(&link.secret, full("l@acme.test"))),
        Err(DirectoryError::InvitationRevoked)
    );
    f.run(f.dir.create_role(ORG, f.owner, auditor()));
    f.run(f.dir.delete_role(ORG, f.owner, "auditor", None));
    assert!(f.state(ORG).org.catalog.role("auditor").is_none());
}

#[test]
fn a_deleted_roles_replacement_is_judged_as_a_role_change() {
    let f = with_director();
    let staff = f.join("s@acme.test", "administrative_staff");
    f.join("r@acme.test", "customer_service_representative");
    // Staff may not move the holders to a role above their own.
    assert_matches!(
        f.refused(f.dir.delete_role(ORG, staff, "customer_service_representative", Some("director"))),
        DirectoryError::RoleExceedsOwn(k) if k.as_str() == "director"
    );
    // The helpdesk asks for complete profiles before a role change: so does
    // a deletion, for each holder.
    let mut catalog = preset::helpdesk();
    let owner = catalog.role("owner").unwrap().clone();
    catalog = catalog
        .with_role(
            Role::builder("owner", owner.name())
                .permissions(owner.permissions() | P::ROLE_MANAGE)
                .view_scope(owner.view_scope())
                .manage_scope(owner.manage_scope())
                .unique()
                .build(),
        )
        .unwrap()
        .with_role(
            Role::builder("helper", "Helper")
                .permissions(P::CONTACT_VIEW)
                .build(),
        )
        .unwrap();
    let h = Fx::new(catalog, None, 10);
    h.join_with(ORG, h.owner, "helper", bare("b@acme.test"));
    assert_matches!(
        h.refused(h.dir.delete_role(ORG, h.owner, "helper", Some("agent"))),
        DirectoryError::ProfileIncomplete(_)
    );
}
