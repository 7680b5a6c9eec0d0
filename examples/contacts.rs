//! Contacts: external users with no account, whose attributes — synced by the
//! host through its API — decide which knowledge they reach. The three
//! scenarios of the assistant product: a corporate website serving visitors
//! by identity, a member center by membership level, and a customer service
//! center by customer type.
//!
//! The contacts live in the directory: the host's synchronization creates
//! them by its own external ids and keeps their attributes up to date, and
//! each request resolves its contact in one store read. At the end a
//! membership upgrade, synchronized, opens a door, and the contact's
//! history shows every change before and after; last, a knowledge base
//! registered at runtime with its own audience rule.
//!
//! Run with `cargo run --example contacts`.

use std::error::Error;

use purview::directory::AttributeChange;
use purview::executor::block_on;
use purview::record::AuditValue;
use purview::{
    can, preset, Action, Actor, Attributes, Audience, Directory, Document, DocumentId,
    KnowledgeBase, MemoryStore, NewOrganization, OrgId, Profile, Resource, RoleKey,
};

const ORG: OrgId = OrgId(1);

fn attributes(pairs: &[(&str, &str)]) -> Attributes {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Synchronizes the host's record `external` into the directory, then
/// resolves the contact as a request would.
fn contact(
    dir: &Directory<MemoryStore>,
    external: &str,
    pairs: &[(&str, &str)],
) -> Result<(String, Actor), Box<dyn Error>> {
    block_on(dir.sync_contact(ORG, external, AttributeChange::Replace(attributes(pairs))))?;
    let actor =
        block_on(dir.contact_actor_by_external_id(ORG, external))?.ok_or("no such contact")?;
    let label = if pairs.is_empty() {
        "(no attributes)".to_owned()
    } else {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok((format!("{external} ({label})"), Actor::Contact(actor)))
}

fn scenario(
    title: &str,
    base: &KnowledgeBase,
    entries: &[(&str, Option<Audience>)],
    contacts: &[(String, Actor)],
) {
    println!("\n## {title}\n");
    let documents: Vec<(&str, Document)> = entries
        .iter()
        .enumerate()
        .map(|(i, (name, audience))| {
            let document = Document {
                id: DocumentId(i as u64 + 1),
                org: ORG,
                knowledge_base: base.id,
                audience: audience.clone(),
            };
            (*name, document)
        })
        .collect();
    for (label, who) in contacts {
        println!("{label}:");
        for (name, document) in &documents {
            let resource = Resource::Document {
                knowledge_base: base,
                document,
            };
            println!(
                "  {name:<22} {}",
                can(who, Action::QueryKnowledgeBase, &resource)
            );
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = Directory::new(MemoryStore::new());
    let staff = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Acme".into(),
        catalog: preset::assistant(),
        seat_limit: 10,
        founder: Profile {
            email: Some("staff@acme.test".into()),
            ..Profile::default()
        },
        founder_role: Some(RoleKey::new("administrative_staff")),
    }))?;
    let dir = &dir;
    scenario(
        "Corporate website: product information by identity",
        &KnowledgeBase {
            id: preset::ASSISTANT_PRODUCTS,
            org: ORG,
            audience: Some(Audience::Everyone),
        },
        &[
            ("brochure", None),
            (
                "partner pricing",
                Some(Audience::equals("identity", "partner")),
            ),
            (
                "trade catalogue",
                Some(Audience::one_of("identity", ["partner", "distributor"])),
            ),
        ],
        &[
            contact(dir, "crm-1", &[("identity", "visitor")])?,
            contact(dir, "crm-2", &[("identity", "distributor")])?,
            contact(dir, "crm-3", &[("identity", "partner")])?,
        ],
    );
    scenario(
        "Member center: service content by membership level",
        &KnowledgeBase {
            id: preset::ASSISTANT_SUPPORT_PROCEDURES,
            org: ORG,
            audience: Some(Audience::present("membership_level")),
        },
        &[
            ("member FAQ", None),
            (
                "lounge booking",
                Some(Audience::one_of("membership_level", ["gold", "platinum"])),
            ),
            (
                "concierge line",
                Some(Audience::equals("membership_level", "platinum")),
            ),
        ],
        &[
            contact(dir, "crm-4", &[])?,
            contact(dir, "crm-5", &[("membership_level", "silver")])?,
            contact(dir, "crm-6", &[("membership_level", "platinum")])?,
        ],
    );
    scenario(
        "Customer service: support by customer type",
        &KnowledgeBase {
            id: preset::ASSISTANT_SUPPORT_PROCEDURES,
            org: ORG,
            audience: Some(Audience::Any(vec![
                Audience::one_of("customer_type", ["retail", "enterprise"]),
                Audience::present("support_contract"),
            ])),
        },
        &[
            ("general support", None),
            (
                "enterprise runbook",
                Some(Audience::All(vec![
                    Audience::equals("customer_type", "enterprise"),
                    Audience::present("account_manager"),
                ])),
            ),
        ],
        &[
            contact(dir, "crm-7", &[("customer_type", "prospect")])?,
            contact(dir, "crm-8", &[("customer_type", "retail")])?,
            contact(
                dir,
                "crm-9",
                &[("customer_type", "enterprise"), ("account_manager", "kim")],
            )?,
        ],
    );

    // The host's CRM upgrades crm-5 to platinum: one patch, synchronized.
    let concierge = KnowledgeBase {
        id: preset::ASSISTANT_SUPPORT_PROCEDURES,
        org: ORG,
        audience: Some(Audience::equals("membership_level", "platinum")),
    };
    let reads = || -> Result<purview::Decision, Box<dyn Error>> {
        let who =
            block_on(dir.contact_actor_by_external_id(ORG, "crm-5"))?.ok_or("no such contact")?;
        Ok(can(
            &Actor::Contact(who),
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&concierge),
        ))
    };
    println!("\n## A membership upgrade, synchronized\n");
    println!("crm-5 and the concierge line, before: {}", reads()?);
    let id = block_on(dir.sync_contact(
        ORG,
        "crm-5",
        AttributeChange::Patch {
            set: attributes(&[("membership_level", "platinum")]),
            remove: Vec::new(),
        },
    ))?;
    println!("crm-5 and the concierge line, after:  {}", reads()?);
    // The same synchronization again changes nothing and writes nothing.
    block_on(dir.sync_contact(
        ORG,
        "crm-5",
        AttributeChange::Patch {
            set: attributes(&[("membership_level", "platinum")]),
            remove: Vec::new(),
        },
    ))?;
    println!("\ncrm-5's history (every change, before and after):");
    for e in block_on(dir.contact_history(ORG, staff, id, None, 10))? {
        let by = e.actor.map_or("the host".to_owned(), |a| a.to_string());
        println!(
            "  v{} {} by {by}: {} -> {}",
            e.version,
            e.action,
            e.before.as_ref().map_or("-".into(), shown),
            e.after.as_ref().map_or("-".into(), shown)
        );
    }

    // Knowledge bases are the organization's own: one registered at runtime
    // with its audience rule reaches exactly the contacts it admits.
    let guide = block_on(dir.register_knowledge_base(
        ORG,
        staff,
        "Concierge guide",
        Some(Audience::equals("membership_level", "platinum")),
    ))?;
    let kb = block_on(dir.snapshot(ORG))?
        .knowledge_base(guide)
        .ok_or("no such knowledge base")?;
    println!("\n## A knowledge base registered at runtime: Concierge guide\n");
    for external in ["crm-4", "crm-5", "crm-6"] {
        let who =
            block_on(dir.contact_actor_by_external_id(ORG, external))?.ok_or("no such contact")?;
        println!(
            "{external:<6} {}",
            can(
                &Actor::Contact(who),
                Action::QueryKnowledgeBase,
                &Resource::KnowledgeBase(&kb)
            )
        );
    }
    Ok(())
}

/// A stored contact's attributes, from its audit value.
fn shown(value: &AuditValue) -> String {
    match value {
        AuditValue::Contact(c) => format!("{:?}", c.attributes),
        other => other.to_json(),
    }
}
