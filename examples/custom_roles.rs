//! Custom roles: a clinic's own catalog, built in code with the role builder
//! and loaded from `examples/catalog.toml` (and its JSON twin), then used;
//! then a role edited at runtime through the directory, which changes a
//! live member's decisions at once.
//!
//! Run with `cargo run --example custom_roles`.

use purview::executor::block_on;
use purview::model::{AdminMinimum, DirectoryRules};
use purview::{
    can, Action, Actor, Catalog, ConversationScope as S, Directory, KnowledgeBase, KnowledgeBaseId,
    KnowledgeRefs, MemberId, MemoryStore, NewOrganization, OrgId, Permissions as P, Profile, Reach,
    Resource, Role, RoleKey,
};

/// The clinic's patient-procedures knowledge base.
const PROCEDURES: KnowledgeBaseId = KnowledgeBaseId(1);
/// The clinic's billing knowledge base.
const BILLING: KnowledgeBaseId = KnowledgeBaseId(2);

/// The clinic's catalog, in code.
fn clinic() -> Result<Catalog, purview::CatalogError> {
    let conversations = P::CONVERSATION_VIEW | P::CONVERSATION_REPLY | P::CONVERSATION_CLOSE;
    let manager = Role::builder("practice_manager", "Practice Manager")
        .permissions(
            conversations
                | P::CONVERSATION_ASSIGN
                | P::CONTACT_VIEW
                | P::CONTACT_EDIT
                | P::MEMBER_VIEW
                | P::MEMBER_INVITE
                | P::MEMBER_EDIT
                | P::MEMBER_REMOVE
                | P::MEMBER_ROLE_CHANGE
                | P::TEAM_MANAGE
                | P::TEAM_MEMBERS_EDIT
                | P::KNOWLEDGE_BASE_QUERY
                | P::KNOWLEDGE_BASE_MANAGE
                | P::ROLE_MANAGE
                | P::PROFILE_EDIT,
        )
        .view_scope(S::ORGANIZATION)
        .manage_scope(S::ORGANIZATION)
        .build();
    let nurse = Role::builder("nurse", "Nurse")
        .permissions(conversations | P::CONTACT_VIEW | P::KNOWLEDGE_BASE_QUERY | P::PROFILE_EDIT)
        .view_scope(S::UNASSIGNED | S::MY_TEAMS | S::ASSIGNED_TO_ME)
        .manage_scope(S::MY_TEAMS | S::ASSIGNED_TO_ME)
        .team_reach(Reach::Own)
        .knowledge(KnowledgeRefs::only([PROCEDURES]))
        .build();
    let front_desk = Role::builder("front_desk", "Front Desk")
        .permissions(
            P::CONVERSATION_VIEW
                | P::CONVERSATION_REPLY
                | P::CONTACT_VIEW
                | P::CONTACT_EDIT
                | P::KNOWLEDGE_BASE_QUERY
                | P::PROFILE_EDIT,
        )
        .view_scope(S::UNASSIGNED | S::ASSIGNED_TO_ME)
        .manage_scope(S::UNASSIGNED | S::ASSIGNED_TO_ME)
        .team_reach(Reach::Own)
        .knowledge(KnowledgeRefs::only([BILLING]))
        .build();
    let policy = DirectoryRules {
        default_role: Some(RoleKey::new("front_desk")),
        owner_successor: None,
        min_admins: Some(AdminMinimum {
            role: RoleKey::new("practice_manager"),
            count: 1,
        }),
        profile_required_for_role_change: false,
    };
    Catalog::with_parts(
        "clinic",
        [manager, nurse, front_desk],
        policy,
        [PROCEDURES, BILLING],
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let in_code = clinic()?;
    let from_toml = Catalog::from_toml(include_str!("catalog.toml"))?;
    let from_json = Catalog::from_json(include_str!("catalog.json"))?;
    assert_eq!(
        in_code, from_toml,
        "examples/catalog.toml differs from the code"
    );
    assert_eq!(
        in_code, from_json,
        "examples/catalog.json differs from the code"
    );
    println!("The clinic catalog, identical in code, TOML and JSON:\n");
    print!("{}", in_code.render_markdown());

    let nurse = Actor::member(
        OrgId(1),
        MemberId(2),
        in_code.role("nurse").ok_or("no nurse")?,
        [],
    );
    println!();
    for id in [PROCEDURES, BILLING] {
        let base = KnowledgeBase {
            id,
            org: OrgId(1),
            audience: None,
        };
        let decision = can(
            &nurse,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&base),
        );
        println!("nurse queries knowledge base {id}: {decision}");
    }

    // A catalog with mistakes is refused with every problem named.
    let broken = r#"
        name = "broken"
        [[roles]]
        key = "x"
        name = "X"
        permissions = ["conversation_view", "teleport"]
        [[roles]]
        key = "x"
        name = "X again"
    "#;
    if let Err(e) = Catalog::from_toml(broken) {
        println!("\nrefused: {e}");
    }

    block_on(at_runtime(in_code))
}

/// The practice manager lets nurses read the billing base too, while a nurse
/// is signed in: the nurse's next decision has the edited role.
async fn at_runtime(clinic: Catalog) -> Result<(), Box<dyn std::error::Error>> {
    let dir = Directory::new(MemoryStore::new());
    let org = OrgId(1);
    let profile = |email: &str| Profile {
        email: Some(email.into()),
        ..Profile::default()
    };
    let manager = dir
        .create_organization(NewOrganization {
            id: org,
            name: "Clinic".into(),
            catalog: clinic,
            seat_limit: 10,
            founder: profile("manager@clinic.test"),
            founder_role: Some(RoleKey::new("practice_manager")),
        })
        .await?;
    let sent = dir
        .invite(org, manager, "nurse@clinic.test", "nurse")
        .await?;
    let (_, nurse) = dir
        .accept_invitation(&sent[0].secret, profile("nurse@clinic.test"))
        .await?;
    let billing = KnowledgeBase {
        id: BILLING,
        org,
        audience: None,
    };
    let ask = |actor: &Actor| {
        can(
            actor,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&billing),
        )
    };
    let (before, _) = dir.actor(org, nurse).await?;
    println!("\nAt runtime, nurse queries billing: {}", ask(&before));

    let snapshot = dir.snapshot(org).await?;
    let old = snapshot.org.catalog.role("nurse").ok_or("no nurse")?;
    let edited = Role::builder("nurse", "Nurse")
        .permissions(old.permissions())
        .view_scope(old.view_scope())
        .manage_scope(old.manage_scope())
        .team_reach(old.team_reach())
        .knowledge(KnowledgeRefs::only([PROCEDURES, BILLING]))
        .build();
    // First a preview: the same checks, nothing written, and who would
    // gain or lose what.
    let ((), preview) = dir
        .preview(|d| {
            let edited = edited.clone();
            async move { d.edit_role(org, manager, edited).await }
        })
        .await?;
    for change in &preview.access {
        if let Some((from, to)) = &change.knowledge {
            println!(
                "preview: member {} would reference {} instead of {}",
                change.member,
                refs(to),
                refs(from)
            );
        }
    }
    dir.edit_role(org, manager, edited).await?;
    let (after, _) = dir.actor(org, nurse).await?;
    println!("after the manager edits the nurse role: {}", ask(&after));

    // Nobody edits their own role, nor deletes a role still held without
    // moving its holders.
    let own = snapshot
        .org
        .catalog
        .role("practice_manager")
        .ok_or("no manager")?;
    if let Err(e) = dir.edit_role(org, manager, own.clone()).await {
        println!("refused: {e}");
    }
    if let Err(e) = dir.delete_role(org, manager, "nurse", None).await {
        println!("refused: {e}");
    }
    Ok(())
}

/// Knowledge references in a line.
fn refs(refs: &KnowledgeRefs) -> String {
    match refs {
        KnowledgeRefs::All => "every knowledge base".to_owned(),
        KnowledgeRefs::Only(ids) => {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            format!("knowledge bases [{}]", ids.join(", "))
        }
    }
}
