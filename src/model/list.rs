//! List filters for the other kinds a host lists: knowledge bases and their
//! documents, bots, AI chats and members.
//!
//! Each filter applies rules 1 to 4 of [`can`](crate::can) once for the
//! actor and the action, and rule 5 through the same functions `can` calls,
//! so that a list and a page never disagree; the property tests hold every
//! filter to `can` for every row.

use crate::model::action::Action;
use crate::model::actor::{Actor, ContactActor, MemberActor};
use crate::model::eval::{admitted, bot_grant, document_admits, own_account_only};
use crate::model::gate::{contact_gate, key_gate, member_gate};
use crate::model::id::{BotId, DocumentId, KnowledgeBaseId, MemberId, OrgId};
use crate::model::knowledge::{Document, KnowledgeBase};
use crate::model::resource::ResourceKind;
use crate::model::scope::KnowledgeRefs;

/// Which rows of one kind an actor may take an action on, by one id
/// column: the row's own id (knowledge bases, bots, members) or its owner
/// (AI chats, [`IdFilter::ai_chats`]).
///
/// Building one allocates (the ids are kept, sorted); testing a row with
/// [`IdFilter::matches`] does not. With a SQL feature, the filter is also
/// a SQL condition on the host's table (`purview::sql`).
///
/// # Examples
///
/// ```
/// use purview::{preset, Action, Actor, BotId, IdFilter, MemberId, OrgId};
///
/// let bot_studio = preset::bot_studio();
/// let client = Actor::Member(
///     purview::MemberActor::new(OrgId(1), MemberId(7), bot_studio.role("client").unwrap(), [])
///         .with_bots([BotId(3)]),
/// );
/// let filter = IdFilter::bots(&client, Action::EditBot);
/// assert!(filter.matches(OrgId(1), BotId(3)));
/// assert!(!filter.matches(OrgId(1), BotId(4)));
/// assert!(!filter.matches(OrgId(2), BotId(3)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdFilter<I> {
    /// No row at all.
    Nothing,
    /// Every row of the organization.
    Organization(OrgId),
    /// The rows of the organization with one of these ids (sorted,
    /// deduplicated; empty matches nothing).
    Only {
        /// The organization; rows of any other never match.
        org: OrgId,
        /// The ids.
        ids: Vec<I>,
    },
    /// Every row of the organization but those with one of these ids
    /// (sorted, deduplicated).
    Except {
        /// The organization; rows of any other never match.
        org: OrgId,
        /// The ids left out.
        ids: Vec<I>,
    },
}

impl<I: Ord + Copy> IdFilter<I> {
    /// Whether the row of organization `org` with id `id` passes.
    #[must_use]
    pub fn matches(&self, org: OrgId, id: I) -> bool {
        match self {
            IdFilter::Nothing => false,
            IdFilter::Organization(o) => *o == org,
            IdFilter::Only { org: o, ids } => *o == org && ids.binary_search(&id).is_ok(),
            IdFilter::Except { org: o, ids } => *o == org && ids.binary_search(&id).is_err(),
        }
    }

    fn only(org: OrgId, ids: impl IntoIterator<Item = I>) -> Self {
        IdFilter::Only {
            org,
            ids: sorted(ids),
        }
    }

    fn except(org: OrgId, ids: impl IntoIterator<Item = I>) -> Self {
        let ids = sorted(ids);
        if ids.is_empty() {
            IdFilter::Organization(org)
        } else {
            IdFilter::Except { org, ids }
        }
    }
}

fn sorted<I: Ord>(ids: impl IntoIterator<Item = I>) -> Vec<I> {
    let mut ids: Vec<I> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl IdFilter<KnowledgeBaseId> {
    /// The knowledge bases on which `actor` may take `action`.
    ///
    /// A member reaches them through the role's knowledge references, and
    /// `knowledge_bases` is not read. A contact reaches one only through its
    /// audience, so the filter lists those of `knowledge_bases` (the
    /// organization's, with their audiences) that admit the contact; a
    /// knowledge base missing from it is not admitted.
    #[must_use]
    pub fn knowledge_bases<'k>(
        actor: &Actor,
        action: Action,
        knowledge_bases: impl IntoIterator<Item = &'k KnowledgeBase>,
    ) -> Self {
        let kind = ResourceKind::KnowledgeBase;
        match actor {
            Actor::Member(m) => match member_gate(m, action, Some(m.org()), kind) {
                Some(_) => IdFilter::Nothing,
                None => referenced(m),
            },
            Actor::Contact(c) => match contact_gate(c, action, Some(c.org), kind) {
                Some(_) => IdFilter::Nothing,
                None => IdFilter::only(c.org, admitting(c, knowledge_bases)),
            },
            Actor::ApiKey(_) => IdFilter::Nothing,
        }
    }
}

/// The knowledge bases a member's role references.
fn referenced(m: &MemberActor) -> IdFilter<KnowledgeBaseId> {
    match m.role().knowledge() {
        KnowledgeRefs::All => IdFilter::Organization(m.org()),
        // A role keeps its references sorted and deduplicated.
        KnowledgeRefs::Only(ids) => IdFilter::Only {
            org: m.org(),
            ids: ids.clone(),
        },
    }
}

/// The knowledge bases of the contact's organization whose audience admits it.
fn admitting<'k>(
    c: &ContactActor,
    knowledge_bases: impl IntoIterator<Item = &'k KnowledgeBase>,
) -> Vec<KnowledgeBaseId> {
    knowledge_bases
        .into_iter()
        .filter(|kb| kb.org == c.org && admitted(c, kb.audience.as_ref()))
        .map(|kb| kb.id)
        .collect()
}

impl IdFilter<BotId> {
    /// The bots on which `actor` may take `action`: a member's bot reach
    /// and the permission levels of their grants; an API key's one bot.
    #[must_use]
    pub fn bots(actor: &Actor, action: Action) -> Self {
        let kind = ResourceKind::Bot;
        match actor {
            Actor::Member(m) => {
                if member_gate(m, action, Some(m.org()), kind).is_some() {
                    IdFilter::Nothing
                } else if m.own_bots_only() {
                    let granted = m.bots().iter().copied();
                    IdFilter::only(
                        m.org(),
                        granted.filter(|b| bot_grant(m, action, *b).is_none()),
                    )
                } else {
                    let levelled = m.bot_levels().iter().map(|(b, _)| *b);
                    IdFilter::except(
                        m.org(),
                        levelled.filter(|b| bot_grant(m, action, *b).is_some()),
                    )
                }
            }
            Actor::ApiKey(k) => match key_gate(k, action, Some(k.org), kind) {
                Some(_) => IdFilter::Nothing,
                None => IdFilter::only(k.org, [k.bot]),
            },
            Actor::Contact(_) => IdFilter::Nothing,
        }
    }
}

impl IdFilter<MemberId> {
    /// The members on whom `actor` may take `action` (the member list for
    /// [`Action::ViewMembers`]; only oneself for one's own account).
    #[must_use]
    pub fn members(actor: &Actor, action: Action) -> Self {
        match actor {
            Actor::Member(m) => {
                if member_gate(m, action, Some(m.org()), ResourceKind::Member).is_some() {
                    IdFilter::Nothing
                } else if own_account_only(action) {
                    IdFilter::only(m.org(), [m.id()])
                } else {
                    IdFilter::Organization(m.org())
                }
            }
            Actor::Contact(_) | Actor::ApiKey(_) => IdFilter::Nothing,
        }
    }

    /// The AI chats on which `actor` may take `action`, by their owner
    /// column: a member's own chats only.
    #[must_use]
    pub fn ai_chats(actor: &Actor, action: Action) -> Self {
        match actor {
            Actor::Member(m) => match member_gate(m, action, Some(m.org()), ResourceKind::AiChat) {
                Some(_) => IdFilter::Nothing,
                None => IdFilter::only(m.org(), [m.id()]),
            },
            Actor::Contact(_) | Actor::ApiKey(_) => IdFilter::Nothing,
        }
    }
}

/// Which documents an actor may take an action on: those of the knowledge
/// bases it reaches, less, for a contact, the documents whose own audience
/// refuses them.
///
/// # Examples
///
/// ```
/// use purview::{Action, Actor, Attributes, Audience, ContactId, Document, DocumentFilter};
/// use purview::{DocumentId, KnowledgeBase, KnowledgeBaseId, OrgId};
///
/// let faq = KnowledgeBase { id: KnowledgeBaseId(1), org: OrgId(1), audience: Some(Audience::Everyone) };
/// let vip_only = Document {
///     id: DocumentId(2), org: OrgId(1), knowledge_base: KnowledgeBaseId(1),
///     audience: Some(Audience::equals("tier", "vip")),
/// };
/// let public = Document { id: DocumentId(3), audience: None, ..vip_only.clone() };
/// let visitor = Actor::contact(OrgId(1), ContactId(9), Attributes::new());
/// let filter = DocumentFilter::for_action(&visitor, Action::ViewDocuments, [&faq], [&vip_only]);
/// assert!(filter.matches(&public));
/// assert!(!filter.matches(&vip_only));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentFilter {
    /// The knowledge bases whose documents pass.
    pub knowledge_bases: IdFilter<KnowledgeBaseId>,
    /// Whether documents' own audiences judge (for a contact; a member
    /// reaches every document of a knowledge base they reach).
    pub by_audience: bool,
    /// Of the documents with an audience of their own that were given, those
    /// that refuse the contact (sorted).
    pub hidden: Vec<DocumentId>,
    /// Of the documents with an audience of their own that were given, those
    /// that admit the contact (sorted).
    pub admitted: Vec<DocumentId>,
}

impl DocumentFilter {
    /// The documents on which `actor` may take `action`.
    ///
    /// `knowledge_bases` are the organization's knowledge bases with their
    /// audiences and `restricted` the documents that carry an audience of
    /// their own; both are read only for a contact (a member reaches a
    /// document through the role's references). A document with an
    /// audience of its own that is missing from `restricted` is refused in
    /// memory ([`DocumentFilter::matches`] sees its audience) and in SQL with
    /// the host's flag column
    /// (`purview::sql::DocumentColumns::with_restricted_flag`); in SQL
    /// without the flag, which cannot tell, it is taken to inherit its
    /// knowledge base's audience.
    #[must_use]
    pub fn for_action<'k, 'd>(
        actor: &Actor,
        action: Action,
        knowledge_bases: impl IntoIterator<Item = &'k KnowledgeBase>,
        restricted: impl IntoIterator<Item = &'d Document>,
    ) -> Self {
        let kind = ResourceKind::Document;
        let members = |knowledge_bases| DocumentFilter {
            knowledge_bases,
            by_audience: false,
            hidden: Vec::new(),
            admitted: Vec::new(),
        };
        match actor {
            Actor::Member(m) => match member_gate(m, action, Some(m.org()), kind) {
                Some(_) => members(IdFilter::Nothing),
                None => members(referenced(m)),
            },
            Actor::Contact(c) => match contact_gate(c, action, Some(c.org), kind) {
                Some(_) => members(IdFilter::Nothing),
                None => {
                    let (admitted, hidden): (Vec<&Document>, Vec<&Document>) = restricted
                        .into_iter()
                        .filter(|d| d.org == c.org)
                        .partition(|d| document_admits(c, d.audience.as_ref()));
                    DocumentFilter {
                        knowledge_bases: IdFilter::only(c.org, admitting(c, knowledge_bases)),
                        by_audience: true,
                        hidden: sorted(hidden.into_iter().map(|d| d.id)),
                        admitted: sorted(admitted.into_iter().map(|d| d.id)),
                    }
                }
            },
            Actor::ApiKey(_) => members(IdFilter::Nothing),
        }
    }

    /// Whether the document passes.
    #[must_use]
    pub fn matches(&self, document: &Document) -> bool {
        let own_audience = || {
            // A document with an audience of its own passes only when it
            // was given and admits the contact: one not given is refused.
            !self.by_audience
                || document.audience.is_none()
                || self.admitted.binary_search(&document.id).is_ok()
        };
        self.knowledge_bases
            .matches(document.org, document.knowledge_base)
            && self.hidden.binary_search(&document.id).is_err()
            && own_audience()
    }
}
