//! The assistant preset.

use super::{built, ACCOUNT, AI_CHAT, MEMBER_MANAGEMENT};
use crate::model::catalog::{AdminMinimum, Catalog, DirectoryRules};
use crate::model::id::KnowledgeBaseId;
use crate::model::matrix::{KnowledgeLabel, Matrix, MatrixCell, MatrixRow, MatrixSection};
use crate::model::permission::Permissions as P;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::{ConversationScope as S, KnowledgeRefs};

/// The assistant preset's product knowledge base: what every role references.
pub const ASSISTANT_PRODUCTS: KnowledgeBaseId = KnowledgeBaseId(1);
/// The assistant preset's support-procedures knowledge base: customer service
/// and administrative staff reference it.
pub const ASSISTANT_SUPPORT_PROCEDURES: KnowledgeBaseId = KnowledgeBaseId(2);
/// The assistant preset's internal knowledge base: administrative staff only.
pub const ASSISTANT_INTERNAL: KnowledgeBaseId = KnowledgeBaseId(3);

/// Querying the referenced knowledge bases and reading their entries.
const KNOWLEDGE_QUERY: P = P::KNOWLEDGE_BASE_QUERY.union(P::DOCUMENT_VIEW);
/// Maintaining knowledge bases and their content.
const KNOWLEDGE_MAINTAIN: P = P::KNOWLEDGE_BASE_MANAGE.union(P::DOCUMENT_MANAGE);
const CONVERSATION_HANDLE: P = P::CONVERSATION_REPLY
    .union(P::CONVERSATION_CLOSE)
    .union(P::CONVERSATION_SPAM)
    .union(P::CONVERSATION_ASSIGN);

const INTERN: P = AI_CHAT
    .union(ACCOUNT)
    .union(KNOWLEDGE_QUERY)
    .union(P::CONVERSATION_VIEW)
    .union(P::CONTACT_VIEW);
const REPRESENTATIVE: P = INTERN.union(CONVERSATION_HANDLE).union(P::CONTACT_EDIT);
const ADMINISTRATIVE: P = REPRESENTATIVE
    .union(KNOWLEDGE_MAINTAIN)
    .union(MEMBER_MANAGEMENT)
    .union(P::ROLE_MANAGE)
    .union(P::ORGANIZATION_VIEW)
    .union(P::ORGANIZATION_EDIT);

/// The assistant catalog: role templates with the knowledge bases each may
/// reference.
///
/// The source document describes roles as templates an organization
/// predefines — its examples are customer service representative,
/// administrative staff and intern — each with usable permissions and
/// reference databases; members pick a role and get its settings. This preset
/// ships those three as a starting point (organizations define their own with
/// [`Role::builder`] or a catalog file):
///
/// | role | references | may |
/// |---|---|---|
/// | Customer Service Representative | products, support procedures | handle conversations, edit contacts |
/// | Administrative Staff | all | also maintain knowledge bases, members and role templates |
/// | Intern | products | read: conversations, contacts, knowledge |
///
/// A member queries a knowledge base only through their role's references
/// ([`Reason::KnowledgeBaseNotReferenced`](crate::Reason::KnowledgeBaseNotReferenced)).
///
/// Contacts — external users with no account — hold no role. A contact
/// reaches a knowledge base or entry only when its [`Audience`](crate::Audience)
/// admits the contact's attributes, sees only its own conversations, and
/// nothing that needs a member.
///
/// Readings where the document is silent: conversations are
/// organization-wide; the organization keeps at least one Administrative
/// Staff member; an import with no valid role gives Intern.
///
/// # Examples
///
/// ```
/// use purview::{can, preset, Action, Actor, KnowledgeBase, MemberId, OrgId, Resource};
///
/// let assistant = preset::assistant();
/// let intern = Actor::member(OrgId(1), MemberId(3), assistant.role("intern").unwrap(), []);
/// let procedures = KnowledgeBase {
///     id: preset::ASSISTANT_SUPPORT_PROCEDURES,
///     org: OrgId(1),
///     audience: None,
/// };
/// assert_eq!(
///     can(&intern, Action::QueryKnowledgeBase, &Resource::KnowledgeBase(&procedures)).to_string(),
///     "denied: the role does not reference this knowledge base"
/// );
/// ```
///
/// # Reference
///
/// Rendered from this catalog by [`Catalog::render_reference`] (and checked
/// against it by the test suite):
///
#[doc = include_str!("../../../docs/presets/assistant.md")]
#[must_use]
pub fn assistant() -> Catalog {
    let representative = Role::builder(
        "customer_service_representative",
        "Customer Service Representative",
    )
    .permissions(REPRESENTATIVE)
    .view_scope(S::ORGANIZATION)
    .manage_scope(S::ORGANIZATION)
    .knowledge(KnowledgeRefs::only([
        ASSISTANT_PRODUCTS,
        ASSISTANT_SUPPORT_PROCEDURES,
    ]))
    .build();
    let administrative = Role::builder("administrative_staff", "Administrative Staff")
        .permissions(ADMINISTRATIVE)
        .view_scope(S::ORGANIZATION)
        .manage_scope(S::ORGANIZATION)
        .knowledge(KnowledgeRefs::All)
        .build();
    let intern = Role::builder("intern", "Intern")
        .permissions(INTERN)
        .view_scope(S::ORGANIZATION)
        .knowledge(KnowledgeRefs::only([ASSISTANT_PRODUCTS]))
        .build();

    let policy = DirectoryRules {
        default_role: Some(RoleKey::new("intern")),
        owner_successor: None,
        min_admins: Some(AdminMinimum {
            role: RoleKey::new("administrative_staff"),
            count: 1,
        }),
        profile_required_for_role_change: false,
    };
    let row = MatrixRow::permissions;
    let matrix = Matrix {
        columns: [
            "customer_service_representative",
            "administrative_staff",
            "intern",
        ]
        .into_iter()
        .map(RoleKey::new)
        .collect(),
        yes: "✓".to_owned(),
        no: String::new(),
        sections: vec![MatrixSection {
            title: None,
            rows: vec![
                MatrixRow {
                    feature: "Reference databases".to_owned(),
                    cell: MatrixCell::KnowledgeBases(vec![
                        KnowledgeLabel::new(ASSISTANT_PRODUCTS, "Products"),
                        KnowledgeLabel::new(ASSISTANT_SUPPORT_PROCEDURES, "Support procedures"),
                        KnowledgeLabel::new(ASSISTANT_INTERNAL, "Internal"),
                    ]),
                },
                row("Query knowledge bases", KNOWLEDGE_QUERY),
                row("Maintain knowledge bases", KNOWLEDGE_MAINTAIN),
                row("AI chat", AI_CHAT),
                row("View conversations", P::CONVERSATION_VIEW),
                row("Handle conversations", CONVERSATION_HANDLE),
                row("View contacts", P::CONTACT_VIEW),
                row("Edit contacts", P::CONTACT_EDIT),
                row("Manage members", MEMBER_MANAGEMENT),
                row("Manage role templates", P::ROLE_MANAGE),
                row(
                    "Organization settings",
                    P::ORGANIZATION_VIEW | P::ORGANIZATION_EDIT,
                ),
            ],
        }],
    };
    built(
        Catalog::with_parts(
            "assistant",
            [representative, administrative, intern],
            policy,
            [
                ASSISTANT_PRODUCTS,
                ASSISTANT_SUPPORT_PROCEDURES,
                ASSISTANT_INTERNAL,
            ],
        )
        .and_then(|c| c.with_matrix(matrix)),
    )
}
