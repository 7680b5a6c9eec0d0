//! Contacts: external users with no account, whose attributes — synced by the
//! host through its API — decide which knowledge they reach. The three
//! scenarios of the assistant product: a corporate website serving visitors
//! by identity, a member center by membership level, and a customer service
//! center by customer type.
//!
//! Run with `cargo run --example contacts`.

use purview::{
    can, preset, Action, Actor, Attributes, Audience, ContactId, Document, DocumentId,
    KnowledgeBase, OrgId, Resource,
};

const ORG: OrgId = OrgId(1);

fn contact(id: u64, pairs: &[(&str, &str)]) -> (String, Actor) {
    let attributes: Attributes = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let label = if pairs.is_empty() {
        "(no attributes)".to_owned()
    } else {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    (label, Actor::contact(ORG, ContactId(id), attributes))
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

fn main() {
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
            contact(1, &[("identity", "visitor")]),
            contact(2, &[("identity", "distributor")]),
            contact(3, &[("identity", "partner")]),
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
            contact(4, &[]),
            contact(5, &[("membership_level", "silver")]),
            contact(6, &[("membership_level", "platinum")]),
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
            contact(7, &[("customer_type", "prospect")]),
            contact(8, &[("customer_type", "retail")]),
            contact(
                9,
                &[("customer_type", "enterprise"), ("account_manager", "kim")],
            ),
        ],
    );
}
