//! An organization's knowledge bases as stored (seed 000's "reference
//! databases"): a name and an audience rule each. The catalog lists which
//! exist (roles reference only those); this record names them.

use crate::model::contact::Audience;
use crate::model::id::KnowledgeBaseId;
use serde::{Deserialize, Serialize};

/// A knowledge base as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKnowledgeBase {
    /// The knowledge base.
    pub id: KnowledgeBaseId,
    /// Its display name.
    pub name: String,
    /// Which contacts may reach it; `None` keeps it for members only.
    pub audience: Option<Audience>,
}
