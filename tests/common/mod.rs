//! Fixtures shared by the integration tests: one resource of every kind,
//! the property tests' case count, and audiences drawn at random.
#![allow(dead_code)]

use proptest::prelude::*;
use purview::{
    preset, AiChatId, Assignment, Audience, BotId, Catalog, ContactId, Conversation,
    ConversationId, Document, DocumentId, KnowledgeBase, KnowledgeBaseId, MemberId, OrgId,
    Resource, TeamId,
};

/// Objects of one organization that resources borrow.
pub struct World {
    pub org: OrgId,
    pub catalog: Catalog,
    pub conversations: Vec<Conversation>,
    pub kb: KnowledgeBase,
    pub doc: Document,
}

impl World {
    pub fn new(org: OrgId) -> World {
        let c = |id, a| Conversation::new(ConversationId(id), org, ContactId(1)).assigned(a);
        World {
            org,
            catalog: preset::helpdesk(),
            conversations: vec![
                c(1, Assignment::Unassigned),
                c(2, Assignment::Team { team: TeamId(1) }),
                c(
                    3,
                    Assignment::TeamMember {
                        team: TeamId(1),
                        member: MemberId(2),
                    },
                ),
                c(
                    4,
                    Assignment::Member {
                        member: MemberId(1),
                    },
                ),
            ],
            kb: KnowledgeBase {
                id: KnowledgeBaseId(1),
                org,
                audience: Some(Audience::Everyone),
            },
            doc: Document {
                id: DocumentId(1),
                org,
                knowledge_base: KnowledgeBaseId(1),
                audience: None,
            },
        }
    }

    /// One resource of every kind (conversations in every assignment state).
    pub fn resources(&self) -> Vec<Resource<'_>> {
        let org = self.org;
        let mut r = vec![
            Resource::Organization(org),
            Resource::Team {
                org,
                team: TeamId(1),
            },
            Resource::Contact {
                org,
                contact: ContactId(1),
            },
            Resource::Member {
                org,
                member: MemberId(1),
            },
            Resource::Invitation {
                org,
                role: self.catalog.role("agent").unwrap(),
            },
            Resource::Bot { org, bot: BotId(1) },
            Resource::KnowledgeBase(&self.kb),
            Resource::Document {
                knowledge_base: &self.kb,
                document: &self.doc,
            },
            Resource::AiChat {
                org,
                chat: AiChatId(1),
                owner: MemberId(1),
            },
        ];
        for c in &self.conversations {
            r.push(Resource::Conversation(c));
            r.push(Resource::Reassignment {
                conversation: c,
                to: Assignment::Unassigned,
                to_member_teams: &[],
            });
        }
        r
    }
}

/// How many cases each property runs: `PURVIEW_PROPTEST_CASES`, else
/// 10,000.
pub fn cases() -> u32 {
    cases_or(10_000)
}

/// How many cases a property runs: `PURVIEW_PROPTEST_CASES`, else `default`.
pub fn cases_or(default: u32) -> u32 {
    std::env::var("PURVIEW_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Attribute keys a contact's attributes and audiences are drawn from.
pub fn attribute_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("tier"),
        Just("identity"),
        Just("level"),
        Just("region")
    ]
    .prop_map(String::from)
}

/// Attribute values, the empty one included.
pub fn attribute_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("gold"),
        Just("silver"),
        Just("partner"),
        Just("eu"),
        Just("")
    ]
    .prop_map(String::from)
}

/// An audience rule, nested up to three levels.
pub fn audience() -> impl Strategy<Value = Audience> {
    let leaf = prop_oneof![
        Just(Audience::Everyone),
        (attribute_key(), attribute_value()).prop_map(|(k, v)| Audience::equals(k, v)),
        (
            attribute_key(),
            proptest::collection::vec(attribute_value(), 0..3)
        )
            .prop_map(|(k, v)| Audience::one_of(k, v)),
        attribute_key().prop_map(Audience::present),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Audience::All),
            proptest::collection::vec(inner, 0..3).prop_map(Audience::Any),
        ]
    })
}
