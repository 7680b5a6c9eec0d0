//! The assistant source document (seed 000): roles as templates with the
//! knowledge bases ("reference databases") they may reference, members who
//! pick a role and get its settings, contacts without accounts whose synced
//! attributes drive what they reach, and the document's three contact
//! scenarios — corporate website by identity, member center by membership
//! level, customer service by customer type.
//!
//! Properties run 10,000 cases; `PURVIEW_PROPTEST_CASES=N` changes that.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use proptest::prelude::*;
use purview::executor::block_on;
use purview::model::CatalogProblem;
use purview::preset::{ASSISTANT_INTERNAL, ASSISTANT_PRODUCTS, ASSISTANT_SUPPORT_PROCEDURES};
use purview::{
    can, preset, Action, Actor, Attributes, Audience, Catalog, ContactId, Conversation,
    ConversationId, Directory, Document, DocumentId, KnowledgeBase, KnowledgeBaseId, KnowledgeRefs,
    MemberId, MemoryStore, NewOrganization, OrgId, Permissions, Profile, Reason, Resource, Role,
    RoleKey,
};

const ORG: OrgId = OrgId(1);
const ME: MemberId = MemberId(10);

/// The preset's role templates and what each references, as documented.
const TEMPLATES: [(&str, &str, [bool; 3]); 3] = [
    // (key, name, [products, support procedures, internal])
    (
        "customer_service_representative",
        "Customer Service Representative",
        [true, true, false],
    ),
    (
        "administrative_staff",
        "Administrative Staff",
        [true, true, true],
    ),
    ("intern", "Intern", [true, false, false]),
];
const BASES: [KnowledgeBaseId; 3] = [
    ASSISTANT_PRODUCTS,
    ASSISTANT_SUPPORT_PROCEDURES,
    ASSISTANT_INTERNAL,
];

fn kb(id: KnowledgeBaseId, audience: Option<Audience>) -> KnowledgeBase {
    KnowledgeBase {
        id,
        org: ORG,
        audience,
    }
}

fn doc(id: u64, base: &KnowledgeBase, audience: Option<Audience>) -> Document {
    Document {
        id: DocumentId(id),
        org: ORG,
        knowledge_base: base.id,
        audience,
    }
}

fn attrs(pairs: &[(&str, &str)]) -> Attributes {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn contact(id: u64, pairs: &[(&str, &str)]) -> Actor {
    Actor::contact(ORG, ContactId(id), attrs(pairs))
}

// ---- Roles: templates with reference databases. ----

#[test]
fn the_role_templates_of_the_document() {
    let catalog = preset::assistant();
    let names: Vec<&str> = catalog.roles().map(|r| r.name()).collect();
    assert_eq!(
        names,
        TEMPLATES.iter().map(|t| t.1).collect::<Vec<_>>(),
        "customer service representative, administrative staff, intern"
    );
    assert_eq!(catalog.knowledge_bases(), &BASES);
}

#[test]
fn a_member_queries_a_knowledge_base_only_through_their_role_s_references() {
    let catalog = preset::assistant();
    for (key, _, refs) in TEMPLATES {
        let member = Actor::member(ORG, ME, catalog.role(key).unwrap(), []);
        for (i, id) in BASES.into_iter().enumerate() {
            let base = kb(id, None);
            let entry = doc(1, &base, None);
            for (action, resource) in [
                (Action::QueryKnowledgeBase, Resource::KnowledgeBase(&base)),
                (
                    Action::QueryKnowledgeBase,
                    Resource::Document {
                        knowledge_base: &base,
                        document: &entry,
                    },
                ),
                (Action::ViewDocuments, Resource::KnowledgeBase(&base)),
            ] {
                let decision = can(&member, action, &resource);
                if refs[i] {
                    assert!(decision.is_allowed(), "{key} {id:?}: {decision}");
                } else {
                    assert_eq!(
                        decision.reason(),
                        Some(Reason::KnowledgeBaseNotReferenced),
                        "{key} {id:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn an_organization_defines_its_own_template() {
    // "Roles can be created in advance with usable permissions and reference
    // databases."
    let billing = KnowledgeBaseId(40);
    let clerk = Role::builder("billing_clerk", "Billing Clerk")
        .permissions(Permissions::KNOWLEDGE_BASE_QUERY | Permissions::CONTACT_VIEW)
        .knowledge(KnowledgeRefs::only([billing]))
        .build();
    let catalog = Catalog::with_parts(
        "billing",
        [clerk.clone()],
        purview::DirectoryRules::default(),
        [billing],
    )
    .unwrap();
    let member = Actor::member(ORG, ME, catalog.role("billing_clerk").unwrap(), []);
    assert!(can(
        &member,
        Action::QueryKnowledgeBase,
        &Resource::KnowledgeBase(&kb(billing, None))
    )
    .is_allowed());
    assert_eq!(
        can(
            &member,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&kb(ASSISTANT_PRODUCTS, None))
        )
        .reason(),
        Some(Reason::KnowledgeBaseNotReferenced)
    );
    // A reference to a knowledge base the catalog does not declare is refused.
    let err = Catalog::new("billing", [clerk]).unwrap_err();
    assert_eq!(
        err.problems,
        vec![CatalogProblem::UnknownKnowledgeBase {
            role: RoleKey::new("billing_clerk"),
            knowledge_base: billing,
        }]
    );
}

#[test]
fn members_pick_a_role_and_get_its_settings() {
    let profile = |email: &str| Profile {
        email: Some(email.into()),
        ..Profile::default()
    };
    let dir = Directory::new(MemoryStore::new());
    let staff = block_on(dir.create_organization(NewOrganization {
        id: ORG,
        name: "Assist".into(),
        catalog: preset::assistant(),
        seat_limit: 5,
        founder: profile("staff@assist.test"),
        founder_role: Some(RoleKey::new("administrative_staff")),
    }))
    .unwrap();
    let invites = block_on(dir.invite(ORG, staff, "new@assist.test", "intern")).unwrap();
    let (_, newcomer) =
        block_on(dir.accept_invitation(&invites[0].secret, profile("new@assist.test"))).unwrap();
    let procedures = kb(ASSISTANT_SUPPORT_PROCEDURES, None);
    let query = |actor: &Actor| {
        can(
            actor,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&procedures),
        )
    };
    let (intern, _) = block_on(dir.actor(ORG, newcomer)).unwrap();
    assert_eq!(
        query(&intern).reason(),
        Some(Reason::KnowledgeBaseNotReferenced)
    );
    block_on(dir.change_role(ORG, staff, newcomer, "customer_service_representative")).unwrap();
    let (representative, _) = block_on(dir.actor(ORG, newcomer)).unwrap();
    assert!(query(&representative).is_allowed());
}

// ---- Contacts: no account, attributes synced by the host. ----

#[test]
fn a_contact_needs_no_account_and_reaches_only_its_own_conversations() {
    let visitor = contact(7, &[]);
    let own = Conversation::new(ConversationId(1), ORG, ContactId(7));
    let others = Conversation::new(ConversationId(2), ORG, ContactId(8));
    for action in [Action::ViewConversation, Action::ReplyConversation] {
        assert!(can(&visitor, action, &Resource::Conversation(&own)).is_allowed());
        assert_eq!(
            can(&visitor, action, &Resource::Conversation(&others)).reason(),
            Some(Reason::NotOwnConversation)
        );
    }
    // Closing, marking spam and assigning are a member's work.
    assert_eq!(
        can(
            &visitor,
            Action::CloseConversation,
            &Resource::Conversation(&own)
        )
        .reason(),
        Some(Reason::RequiresMember)
    );
}

#[test]
fn a_contact_reaches_nothing_that_needs_a_member() {
    let gold = contact(7, &[("tier", "gold")]);
    let resources = [
        Resource::Organization(ORG),
        Resource::Member {
            org: ORG,
            member: ME,
        },
        Resource::Team {
            org: ORG,
            team: purview::TeamId(1),
        },
        Resource::Bot {
            org: ORG,
            bot: purview::BotId(1),
        },
        Resource::Contact {
            org: ORG,
            contact: ContactId(7),
        },
    ];
    for action in Action::ALL {
        for resource in &resources {
            let decision = can(&gold, *action, resource);
            assert!(
                matches!(
                    decision.reason(),
                    Some(Reason::RequiresMember | Reason::NotApplicable { .. })
                ),
                "{action} on {:?}: {decision}",
                resource.kind()
            );
        }
    }
    // A knowledge base without an audience is for members only.
    let internal = kb(ASSISTANT_INTERNAL, None);
    assert_eq!(
        can(
            &gold,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&internal)
        )
        .reason(),
        Some(Reason::AudienceNotAdmitted)
    );
    // Nor anything of another organization.
    let elsewhere = KnowledgeBase {
        id: ASSISTANT_PRODUCTS,
        org: OrgId(2),
        audience: Some(Audience::Everyone),
    };
    assert_eq!(
        can(
            &gold,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&elsewhere)
        )
        .reason(),
        Some(Reason::OtherOrganization)
    );
}

/// Whether `contact` may read the entry `entry` of `base`.
fn reads(contact: &Actor, base: &KnowledgeBase, entry: &Document) -> bool {
    can(
        contact,
        Action::QueryKnowledgeBase,
        &Resource::Document {
            knowledge_base: base,
            document: entry,
        },
    )
    .is_allowed()
}

#[test]
fn scenario_corporate_website_visitors_by_identity() {
    // "Visitors receive different product information based on their identity."
    let products = kb(ASSISTANT_PRODUCTS, Some(Audience::Everyone));
    let brochure = doc(1, &products, None);
    let partner_pricing = doc(2, &products, Some(Audience::equals("identity", "partner")));
    let trade_catalogue = doc(
        3,
        &products,
        Some(Audience::one_of("identity", ["partner", "distributor"])),
    );
    let anonymous = contact(1, &[]);
    let visitor = contact(2, &[("identity", "visitor")]);
    let distributor = contact(3, &[("identity", "distributor")]);
    let partner = contact(4, &[("identity", "partner")]);
    for (who, expected) in [
        (&anonymous, [true, false, false]),
        (&visitor, [true, false, false]),
        (&distributor, [true, false, true]),
        (&partner, [true, true, true]),
    ] {
        let got = [
            reads(who, &products, &brochure),
            reads(who, &products, &partner_pricing),
            reads(who, &products, &trade_catalogue),
        ];
        assert_eq!(got, expected, "{who:?}");
    }
}

#[test]
fn scenario_member_center_by_membership_level() {
    // "Access corresponding service content based on membership level."
    let services = kb(
        ASSISTANT_SUPPORT_PROCEDURES,
        Some(Audience::present("membership_level")),
    );
    let faq = doc(1, &services, None);
    let lounge = doc(
        2,
        &services,
        Some(Audience::one_of("membership_level", ["gold", "platinum"])),
    );
    let concierge = doc(
        3,
        &services,
        Some(Audience::equals("membership_level", "platinum")),
    );
    let guest = contact(1, &[]);
    let silver = contact(2, &[("membership_level", "silver")]);
    let gold = contact(3, &[("membership_level", "gold")]);
    let platinum = contact(4, &[("membership_level", "platinum")]);
    for (who, expected) in [
        (&guest, [false, false, false]),
        (&silver, [true, false, false]),
        (&gold, [true, true, false]),
        (&platinum, [true, true, true]),
    ] {
        let got = [
            reads(who, &services, &faq),
            reads(who, &services, &lounge),
            reads(who, &services, &concierge),
        ];
        assert_eq!(got, expected, "{who:?}");
    }
    // Attributes are synced by the host: a contact whose level changes
    // reaches what the new level admits at the next check.
    let upgraded = contact(2, &[("membership_level", "platinum")]);
    assert!(reads(&upgraded, &services, &concierge));
    assert_eq!(
        can(
            &guest,
            Action::QueryKnowledgeBase,
            &Resource::KnowledgeBase(&services)
        )
        .reason(),
        Some(Reason::AudienceNotAdmitted)
    );
}

#[test]
fn scenario_customer_service_by_customer_type() {
    // "Provide differentiated support based on customer type."
    let support = kb(
        ASSISTANT_SUPPORT_PROCEDURES,
        Some(Audience::Any(vec![
            Audience::one_of("customer_type", ["retail", "enterprise"]),
            Audience::present("support_contract"),
        ])),
    );
    let general = doc(1, &support, None);
    let enterprise_runbook = doc(
        2,
        &support,
        Some(Audience::All(vec![
            Audience::equals("customer_type", "enterprise"),
            Audience::present("account_manager"),
        ])),
    );
    let prospect = contact(1, &[("customer_type", "prospect")]);
    let retail = contact(2, &[("customer_type", "retail")]);
    let contract = contact(3, &[("support_contract", "basic")]);
    let enterprise = contact(4, &[("customer_type", "enterprise")]);
    let managed = contact(
        5,
        &[("customer_type", "enterprise"), ("account_manager", "kim")],
    );
    for (who, expected) in [
        (&prospect, [false, false]),
        (&retail, [true, false]),
        (&contract, [true, false]),
        (&enterprise, [true, false]),
        (&managed, [true, true]),
    ] {
        let got = [
            reads(who, &support, &general),
            reads(who, &support, &enterprise_runbook),
        ];
        assert_eq!(got, expected, "{who:?}");
    }
}

#[test]
fn the_rendered_matrix() {
    let expected = "\
| Feature | Customer Service Representative | Administrative Staff | Intern |
|---|---|---|---|
| Reference databases | Products, Support procedures | all | Products |
| Query knowledge bases | ✓ | ✓ | ✓ |
| Maintain knowledge bases | | ✓ | |
| AI chat | ✓ | ✓ | ✓ |
| View conversations | ✓ | ✓ | ✓ |
| Handle conversations | ✓ | ✓ | |
| View contacts | ✓ | ✓ | ✓ |
| Edit contacts | ✓ | ✓ | |
| Manage members | | ✓ | |
| Manage role templates | | ✓ | |
| Organization settings | | ✓ | |
";
    assert_eq!(preset::assistant().render_markdown(), expected);
}

// ---- Properties. ----

use common::{attribute_key as key, attribute_value as value, audience, cases};

/// What each template may do, transcribed from the preset's documented table
/// (representative, administrative staff, intern).
fn model_holds(role: usize, action: Action) -> bool {
    use Action as A;
    let intern = matches!(
        action,
        A::QueryKnowledgeBase
            | A::ViewDocuments
            | A::CreateAiChat
            | A::SendAiMessage
            | A::ViewAiChat
            | A::ManageAiChat
            | A::ViewConversation
            | A::ListConversations
            | A::ViewContact
            | A::EditOwnProfile
            | A::ChangeOwnPassword
    );
    let representative = intern
        || matches!(
            action,
            A::ReplyConversation
                | A::CloseConversation
                | A::MarkSpam
                | A::AssignConversation
                | A::EditContact
        );
    let staff = representative
        || matches!(
            action,
            A::ManageKnowledgeBases
                | A::ManageDocuments
                | A::ViewMembers
                | A::InviteMembers
                | A::ImportMembers
                | A::EditMember
                | A::RemoveMember
                | A::ChangeMemberRole
                | A::CreateInvitationLink
                | A::ManageInvitations
                | A::ManageRoles
                | A::ViewOrganization
                | A::EditOrganization
        );
    [representative, staff, intern][role]
}

/// A reference evaluator of audience rules over a list of pairs.
fn model_admits(rule: &Audience, pairs: &[(String, String)]) -> bool {
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    match rule {
        Audience::Everyone => true,
        Audience::Equals { key, value: v } => value(key) == Some(v.as_str()),
        Audience::OneOf { key, values } => {
            value(key).is_some_and(|x| values.iter().any(|w| w == x))
        }
        Audience::Present { key } => value(key).is_some(),
        Audience::All(rules) => rules.iter().all(|r| model_admits(r, pairs)),
        Audience::Any(rules) => rules.iter().any(|r| model_admits(r, pairs)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn members_equal_the_literal_model(
        role in 0usize..3,
        action in (0..Action::ALL.len()).prop_map(|i| Action::ALL[i]),
        base in 0usize..3,
        kind in 0usize..4,
    ) {
        let catalog = preset::assistant();
        let member = Actor::member(ORG, ME, catalog.role(TEMPLATES[role].0).unwrap(), []);
        let knowledge = kb(BASES[base], None);
        let entry = doc(1, &knowledge, None);
        let c = Conversation::new(ConversationId(1), ORG, ContactId(1));
        let resource = match kind {
            0 => Resource::Organization(ORG),
            1 => Resource::KnowledgeBase(&knowledge),
            2 => Resource::Document { knowledge_base: &knowledge, document: &entry },
            _ => Resource::Conversation(&c),
        };
        let expected = action.applies_to(resource.kind())
            && model_holds(role, action)
            && match resource {
                Resource::KnowledgeBase(_) | Resource::Document { .. } => TEMPLATES[role].2[base],
                _ => true,
            };
        let decision = can(&member, action, &resource);
        prop_assert_eq!(decision.is_allowed(), expected, "{} by {}: {}", action, TEMPLATES[role].0, decision);
    }

    #[test]
    fn a_contact_reaches_exactly_what_its_attributes_admit(
        pairs in proptest::collection::vec((key(), value()), 0..4),
        base_rule in proptest::option::of(audience()),
        entry_rule in proptest::option::of(audience()),
    ) {
        // Attributes are a map: the last value of a key wins, as a host sync would.
        let mut attributes = Attributes::new();
        for (k, v) in &pairs {
            attributes.insert(k.clone(), v.clone());
        }
        let flat: Vec<(String, String)> = attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let who = Actor::contact(ORG, ContactId(1), attributes);
        let knowledge = kb(ASSISTANT_PRODUCTS, base_rule.clone());
        let entry = doc(1, &knowledge, entry_rule.clone());
        let base_ok = base_rule.as_ref().is_some_and(|r| model_admits(r, &flat));
        let entry_ok = entry_rule.as_ref().is_none_or(|r| model_admits(r, &flat));
        prop_assert_eq!(
            can(&who, Action::QueryKnowledgeBase, &Resource::KnowledgeBase(&knowledge)).is_allowed(),
            base_ok
        );
        prop_assert_eq!(
            can(&who, Action::QueryKnowledgeBase, &Resource::Document { knowledge_base: &knowledge, document: &entry }).is_allowed(),
            base_ok && entry_ok
        );
    }
}
