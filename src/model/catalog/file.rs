//! A catalog's file form: JSON with the feature `json`, TOML with the
//! feature `toml` (both on by default), and
//! any other serde format through `Serialize` and `Deserialize`. Names are
//! strings in the file, so that every unknown one is reported.

use super::{Catalog, CatalogError, CatalogProblem, DirectoryRules};
use crate::model::id::KnowledgeBaseId;
use crate::model::matrix::Matrix;
use crate::model::permission::Permissions;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::{ConversationScope, KnowledgeRefs, Reach};
use serde::{Deserialize, Serialize};

impl Catalog {
    /// Reads a catalog from JSON.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] with every problem found: syntax, unknown permission
    /// or scope names (each named), blank or duplicate keys, several unique
    /// roles, an empty catalog, references to roles or knowledge bases that do
    /// not exist, the unique role named as its own successor.
    #[cfg(feature = "json")]
    #[cfg_attr(docsrs, doc(cfg(feature = "json")))]
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = serde_json::from_str(text).map_err(|e| CatalogError {
            problems: vec![CatalogProblem::Syntax(e.to_string())],
        })?;
        file.into_catalog()
    }

    /// Reads a catalog from TOML (feature `toml`).
    ///
    /// # Errors
    ///
    /// As [`Catalog::from_json`].
    #[cfg(feature = "toml")]
    #[cfg_attr(docsrs, doc(cfg(feature = "toml")))]
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| CatalogError {
            problems: vec![CatalogProblem::Syntax(e.to_string())],
        })?;
        file.into_catalog()
    }

    /// The catalog as pretty JSON; [`Catalog::from_json`] reads it back unchanged.
    #[must_use]
    #[cfg(feature = "json")]
    #[cfg_attr(docsrs, doc(cfg(feature = "json")))]
    pub fn to_json(&self) -> String {
        // A catalog is plain data with string keys and ids within 2^63 - 1
        // (checked when it is built): serialization cannot fail.
        serde_json::to_string_pretty(&CatalogFile::from(self)).unwrap_or_default()
    }

    /// The catalog as TOML (feature `toml`); [`Catalog::from_toml`] reads it
    /// back unchanged.
    #[must_use]
    #[cfg(feature = "toml")]
    #[cfg_attr(docsrs, doc(cfg(feature = "toml")))]
    pub fn to_toml(&self) -> String {
        // As for JSON: every value of a built catalog fits TOML, whose
        // integers stop at 2^63 - 1.
        toml::to_string_pretty(&CatalogFile::from(self)).unwrap_or_default()
    }
}

/// A catalog serializes in its file form (as [`Catalog::to_json`] writes
/// it), in any serde format the host picks.
impl Serialize for Catalog {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CatalogFile::from(self).serialize(serializer)
    }
}

/// A catalog deserializes from its file form, in any serde format, checked
/// as [`Catalog::from_json`] checks it: a catalog that breaks a rule is an
/// error naming every problem, never a catalog.
impl<'de> Deserialize<'de> for Catalog {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Catalog, D::Error> {
        CatalogFile::deserialize(deserializer)?
            .into_catalog()
            .map_err(serde::de::Error::custom)
    }
}

/// The file format: names as strings so that every unknown one is reported.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    name: String,
    #[serde(default)]
    policy: DirectoryRules,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    knowledge_bases: Vec<KnowledgeBaseId>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    matrix: Option<Matrix>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    key: RoleKey,
    name: String,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    view_scope: Vec<String>,
    #[serde(default)]
    manage_scope: Vec<String>,
    #[serde(default)]
    team_reach: Reach,
    #[serde(default)]
    bot_reach: Reach,
    #[serde(default)]
    knowledge: KnowledgeRefs,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    unique: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    disabled: bool,
}

impl CatalogFile {
    fn into_catalog(self) -> Result<Catalog, CatalogError> {
        let mut problems = Vec::new();
        let mut roles = Vec::with_capacity(self.roles.len());
        for r in self.roles {
            let mut permissions = Permissions::empty();
            for name in &r.permissions {
                match Permissions::by_name(name) {
                    Ok(p) => permissions |= p,
                    Err(_) => problems.push(CatalogProblem::UnknownPermission {
                        role: r.key.clone(),
                        name: name.clone(),
                    }),
                }
            }
            let mut scope = |names: &[String]| {
                let mut s = ConversationScope::empty();
                for name in names {
                    match ConversationScope::by_name(name) {
                        Some(part) => s |= part,
                        None => problems.push(CatalogProblem::UnknownScope {
                            role: r.key.clone(),
                            name: name.clone(),
                        }),
                    }
                }
                s
            };
            let view = scope(&r.view_scope);
            let manage = scope(&r.manage_scope);
            let mut b = Role::builder(r.key.as_str(), r.name)
                .permissions(permissions)
                .view_scope(view)
                .manage_scope(manage)
                .team_reach(r.team_reach)
                .bot_reach(r.bot_reach)
                .knowledge(r.knowledge);
            if r.unique {
                b = b.unique();
            }
            if r.disabled {
                b = b.disabled();
            }
            roles.push(b.build());
        }
        Catalog::assemble(
            self.name,
            roles,
            self.policy,
            self.knowledge_bases,
            self.matrix,
            problems,
        )
    }
}

impl From<&Catalog> for CatalogFile {
    fn from(c: &Catalog) -> Self {
        CatalogFile {
            name: c.name.clone(),
            policy: c.policy.clone(),
            knowledge_bases: c.knowledge_bases.clone(),
            roles: c
                .roles
                .values()
                .map(|r| RoleFile {
                    key: r.key().clone(),
                    name: r.name().to_owned(),
                    permissions: r.raw_permissions().names().map(str::to_owned).collect(),
                    view_scope: r.raw_view_scope().names().map(str::to_owned).collect(),
                    manage_scope: r.raw_manage_scope().names().map(str::to_owned).collect(),
                    team_reach: r.raw_team_reach(),
                    bot_reach: r.raw_bot_reach(),
                    knowledge: r.raw_knowledge().clone(),
                    unique: r.is_unique(),
                    disabled: r.is_disabled(),
                })
                .collect(),
            matrix: c.matrix.clone(),
        }
    }
}
