//! Fixtures shared by the integration tests: one resource of every kind.
#![allow(dead_code)]

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
