//! Permission matrices: the "Role Permission List", rendered from a catalog.

use crate::model::id::KnowledgeBaseId;
use crate::model::permission::Permissions;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::{ConversationScope, KnowledgeRefs};
use serde::{Deserialize, Serialize};

/// How a catalog's permission matrix is laid out: which roles are columns,
/// which features are rows, and the marks for yes and no.
///
/// Every cell is computed from the roles, never written by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// The roles shown, in column order.
    pub columns: Vec<RoleKey>,
    /// The mark for a feature the role has.
    pub yes: String,
    /// The mark for a feature the role lacks (may be empty).
    #[serde(default)]
    pub no: String,
    /// Sections of rows, each with an optional title.
    pub sections: Vec<MatrixSection>,
}

/// A titled group of rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixSection {
    /// The section's heading, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The rows.
    pub rows: Vec<MatrixRow>,
}

/// One feature row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixRow {
    /// The feature's label.
    pub feature: String,
    /// What the cells show.
    pub cell: MatrixCell,
}

/// What a row's cells show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MatrixCell {
    /// The yes mark when the role holds all these permissions.
    Permissions(Permissions),
    /// The label of the role's conversation view scope.
    ViewScope(Vec<ScopeLabel>),
    /// The label of the role's conversation manage scope.
    ManageScope(Vec<ScopeLabel>),
    /// The knowledge bases the role may reference, by label, or `all`.
    KnowledgeBases(Vec<KnowledgeLabel>),
}

/// A human label for a knowledge base.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeLabel {
    /// The knowledge base.
    pub id: KnowledgeBaseId,
    /// Its label.
    pub label: String,
}

impl KnowledgeLabel {
    /// A label for a knowledge base.
    #[must_use]
    pub fn new(id: KnowledgeBaseId, label: impl Into<String>) -> Self {
        KnowledgeLabel {
            id,
            label: label.into(),
        }
    }
}

/// A human label for a conversation scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeLabel {
    /// The scope.
    pub scope: ConversationScope,
    /// Its label.
    pub label: String,
}

impl ScopeLabel {
    /// A label for a scope.
    #[must_use]
    pub fn new(scope: ConversationScope, label: impl Into<String>) -> Self {
        ScopeLabel {
            scope,
            label: label.into(),
        }
    }
}

impl MatrixRow {
    /// A row that checks permissions.
    #[must_use]
    pub fn permissions(feature: impl Into<String>, permissions: Permissions) -> Self {
        MatrixRow {
            feature: feature.into(),
            cell: MatrixCell::Permissions(permissions),
        }
    }
}

impl Matrix {
    /// The text of one cell.
    #[must_use]
    pub fn cell<'a>(&'a self, row: &'a MatrixRow, role: &Role) -> std::borrow::Cow<'a, str> {
        use std::borrow::Cow;
        let scope_label = |labels: &'a [ScopeLabel], scope: ConversationScope| {
            labels.iter().find(|l| l.scope == scope).map_or_else(
                || Cow::Owned(scope.to_string()),
                |l| Cow::Borrowed(l.label.as_str()),
            )
        };
        match &row.cell {
            MatrixCell::Permissions(p) => {
                if role.permissions().contains(*p) {
                    Cow::Borrowed(self.yes.as_str())
                } else {
                    Cow::Borrowed(self.no.as_str())
                }
            }
            MatrixCell::ViewScope(labels) => scope_label(labels, role.view_scope()),
            MatrixCell::ManageScope(labels) => scope_label(labels, role.manage_scope()),
            MatrixCell::KnowledgeBases(labels) => match role.knowledge() {
                KnowledgeRefs::All => Cow::Borrowed("all"),
                KnowledgeRefs::Only(ids) => Cow::Owned(
                    ids.iter()
                        .map(|id| {
                            labels
                                .iter()
                                .find(|l| l.id == *id)
                                .map_or_else(|| id.to_string(), |l| l.label.clone())
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            },
        }
    }
}
