//! Knowledge bases ("reference databases") and their documents.

use crate::model::contact::Audience;
use crate::model::id::{DocumentId, KnowledgeBaseId, OrgId};
use serde::{Deserialize, Serialize};

/// A knowledge base.
///
/// Members reach it through their role's knowledge references; contacts reach
/// it only when it carries an [`Audience`] that admits them. A knowledge base
/// without an audience is for members only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeBase {
    /// The knowledge base.
    pub id: KnowledgeBaseId,
    /// The organization it belongs to.
    pub org: OrgId,
    /// Which contacts may reach it; `None` keeps it for members only.
    pub audience: Option<Audience>,
}

/// A document or content entry of a knowledge base.
///
/// A contact reaches a document when the knowledge base admits it and, if the
/// document carries its own audience, the document admits it too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// The document.
    pub id: DocumentId,
    /// The organization it belongs to.
    pub org: OrgId,
    /// The knowledge base it belongs to.
    pub knowledge_base: KnowledgeBaseId,
    /// A further audience restriction; `None` inherits the knowledge base's.
    pub audience: Option<Audience>,
}
