//! Role catalogs: the roles of one organization, in order, with the policy
//! that the directory enforces, loadable from JSON and TOML.

use crate::model::id::KnowledgeBaseId;
use crate::model::matrix::Matrix;
use crate::model::role::{Role, RoleKey};
use crate::model::scope::KnowledgeRefs;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::fmt;

mod file;

/// The rules a catalog asks the directory to keep, beyond roles themselves
/// (named for the directory: these are not access policies, which the
/// roles are).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryRules {
    /// The role given when an import names no valid role (the helpdesk's Agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role: Option<RoleKey>,
    /// The role the old holder of the unique role gets on a transfer (the
    /// helpdesk's Primary Admin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_successor: Option<RoleKey>,
    /// A role that must keep a minimum number of members (the workspace's two Admins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_admins: Option<AdminMinimum>,
    /// Whether a member's name, display name and phone must be filled before
    /// their role changes (the helpdesk rule).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub profile_required_for_role_change: bool,
}

/// The former name of [`DirectoryRules`].
#[deprecated(note = "renamed `DirectoryRules`: the directory's rules, not an access policy")]
pub type Policy = DirectoryRules;

/// A minimum number of active members holding a role.
///
/// Once the count has reached `count` it may not fall below it, and it never
/// falls to zero: a new organization may start with one and add more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminMinimum {
    /// The role counted.
    pub role: RoleKey,
    /// The minimum.
    pub count: u32,
}

/// An ordered set of roles with its policy and permission matrix.
///
/// # Examples
///
/// ```
/// use purview::{Catalog, Permissions as P, Role};
///
/// let catalog = Catalog::new("tiny", [
///     Role::builder("lead", "Lead").permissions(P::MEMBER_VIEW | P::CONTACT_VIEW).build(),
///     Role::builder("staff", "Staff").permissions(P::CONTACT_VIEW).build(),
/// ])?;
/// assert_eq!(catalog.role("staff").unwrap().name(), "Staff");
///
/// let json = catalog.to_json();
/// assert_eq!(Catalog::from_json(&json)?, catalog);
/// # Ok::<(), purview::CatalogError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    name: String,
    roles: IndexMap<RoleKey, Role>,
    policy: DirectoryRules,
    knowledge_bases: Vec<KnowledgeBaseId>,
    matrix: Option<Matrix>,
}

/// One thing wrong with a catalog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogProblem {
    /// The text is not valid JSON or TOML, or not of the catalog's shape.
    #[error("cannot read the catalog: {0}")]
    Syntax(String),
    /// The catalog has no roles.
    #[error("the catalog has no roles")]
    Empty,
    /// A role's key is empty or only whitespace: nothing could name it.
    #[error("role {name:?} has a blank key {:?}: a role key needs a character other than whitespace", .key.as_str())]
    BlankRoleKey {
        /// The key as given.
        key: RoleKey,
        /// The role's display name, to find it by.
        name: String,
    },
    /// A text of the catalog — its name, a role's key or display name —
    /// holds a control character or is longer than
    /// [`crate::MAX_TEXT_CHARS`]: every store must keep what the directory
    /// keeps.
    #[error("{field} `{}` {problem}", .value.escape_debug())]
    InvalidText {
        /// What the text is (`catalog name`, `role key`, `role name`).
        field: &'static str,
        /// The text as given.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Two roles share a key.
    #[error("role key `{0}` is used more than once")]
    DuplicateRole(RoleKey),
    /// More than one role is unique (owner-like).
    #[error("more than one unique role: {}", join(.0))]
    SeveralUnique(Vec<RoleKey>),
    /// A role names a permission that does not exist.
    #[error("role `{role}` names unknown permission `{name}`")]
    UnknownPermission {
        /// The role.
        role: RoleKey,
        /// The unknown name.
        name: String,
    },
    /// A role names a conversation scope part that does not exist.
    #[error("role `{role}` names unknown conversation scope `{name}`")]
    UnknownScope {
        /// The role.
        role: RoleKey,
        /// The unknown name.
        name: String,
    },
    /// A role references a knowledge base the catalog does not declare.
    #[error("role `{role}` references knowledge base `{knowledge_base}` that the catalog does not declare")]
    UnknownKnowledgeBase {
        /// The role.
        role: RoleKey,
        /// The undeclared knowledge base.
        knowledge_base: KnowledgeBaseId,
    },
    /// A knowledge-base id beyond 2^63 − 1, which TOML and SQL cannot hold.
    #[error("knowledge base id {0} is beyond 2^63 - 1")]
    KnowledgeBaseIdOutOfRange(KnowledgeBaseId),
    /// The policy or the matrix names a role that does not exist.
    #[error("{place} names unknown role `{key}`")]
    UnknownRole {
        /// Where the reference is (`policy.default_role`, `matrix.columns`, …).
        place: &'static str,
        /// The unknown key.
        key: RoleKey,
    },
    /// `policy.owner_successor` names the unique role itself: a transfer
    /// would leave its old holder holding the unique role too.
    #[error("policy.owner_successor names `{0}`, the unique role itself: the old holder of the unique role must get another role on a transfer")]
    SuccessorIsUnique(RoleKey),
    /// More roles than [`MAX_ROLES`]: every commit that changes a catalog
    /// carries it whole, so its size is bounded.
    #[error("{0} roles; a catalog holds at most {MAX_ROLES}")]
    TooManyRoles(usize),
    /// [`Catalog::without_role`] names a role the catalog does not have.
    #[error("the catalog has no role `{0}`")]
    NoSuchRole(RoleKey),
}

/// The most roles a catalog holds.
pub const MAX_ROLES: usize = 256;

fn join(keys: &[RoleKey]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A catalog that could not be built or loaded, with every problem found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    /// Every problem, in the order found.
    pub problems: Vec<CatalogProblem>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid role catalog: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl Catalog {
    /// A catalog of these roles, in this order, with an empty policy.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] listing every problem: no roles, a blank role key,
    /// duplicate keys, more than one unique role.
    pub fn new(
        name: impl Into<String>,
        roles: impl IntoIterator<Item = Role>,
    ) -> Result<Catalog, CatalogError> {
        Catalog::assemble(
            name.into(),
            roles.into_iter().collect(),
            DirectoryRules::default(),
            Vec::new(),
            None,
            Vec::new(),
        )
    }

    /// A catalog of these roles with its policy and the knowledge bases its
    /// roles may reference, checked all at once.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] listing every problem: no roles, a blank role key,
    /// duplicate keys, more than one unique role, a policy naming an unknown
    /// role or naming the unique role as its own successor, a role
    /// referencing a knowledge base not in the list.
    ///
    /// # Examples
    ///
    /// ```
    /// use purview::{Catalog, KnowledgeBaseId, KnowledgeRefs, Permissions as P, Role};
    /// use purview::model::DirectoryRules;
    ///
    /// let faq = KnowledgeBaseId(1);
    /// let helper = Role::builder("helper", "Helper")
    ///     .permissions(P::KNOWLEDGE_BASE_QUERY)
    ///     .knowledge(KnowledgeRefs::only([faq]))
    ///     .build();
    /// let catalog = Catalog::with_parts("faq", [helper.clone()], DirectoryRules::default(), [faq])?;
    /// assert_eq!(catalog.knowledge_bases(), &[faq]);
    /// assert!(Catalog::with_parts("faq", [helper], DirectoryRules::default(), []).is_err());
    /// # Ok::<(), purview::CatalogError>(())
    /// ```
    pub fn with_parts(
        name: impl Into<String>,
        roles: impl IntoIterator<Item = Role>,
        policy: DirectoryRules,
        knowledge_bases: impl IntoIterator<Item = KnowledgeBaseId>,
    ) -> Result<Catalog, CatalogError> {
        Catalog::assemble(
            name.into(),
            roles.into_iter().collect(),
            policy,
            knowledge_bases.into_iter().collect(),
            None,
            Vec::new(),
        )
    }

    /// The same catalog with a policy.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] when the policy names a role that does not exist, or
    /// names the unique role as the successor of its own holder.
    pub fn with_policy(mut self, policy: DirectoryRules) -> Result<Catalog, CatalogError> {
        self.policy = policy;
        self.rechecked()
    }

    /// The same catalog with the knowledge bases its roles may reference.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] when a role references a knowledge base not in the list.
    pub fn with_knowledge_bases(
        mut self,
        knowledge_bases: impl IntoIterator<Item = KnowledgeBaseId>,
    ) -> Result<Catalog, CatalogError> {
        self.knowledge_bases = knowledge_bases.into_iter().collect();
        self.rechecked()
    }

    /// The same catalog with a permission matrix for rendering.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] when the matrix names a role that does not exist.
    pub fn with_matrix(mut self, matrix: Matrix) -> Result<Catalog, CatalogError> {
        self.matrix = Some(matrix);
        self.rechecked()
    }

    /// The same catalog with `role` in place of the role with its key, or
    /// with `role` added after the others (and as a column of the catalog's
    /// matrix, if it has one). The catalog is checked again whole.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] as [`Catalog::with_parts`] (a second unique role, a
    /// reference to an undeclared knowledge base, more than [`MAX_ROLES`]
    /// roles, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use purview::{preset, Permissions as P, Role};
    ///
    /// let catalog = preset::helpdesk()
    ///     .with_role(Role::builder("auditor", "Auditor").permissions(P::MEMBER_VIEW).build())?;
    /// assert_eq!(catalog.roles().last().unwrap().key().as_str(), "auditor");
    /// assert!(catalog.render_markdown().contains("Auditor"));
    /// # Ok::<(), purview::CatalogError>(())
    /// ```
    pub fn with_role(mut self, role: Role) -> Result<Catalog, CatalogError> {
        if !self.roles.contains_key(role.key()) {
            if let Some(m) = &mut self.matrix {
                m.columns.push(role.key().clone());
            }
        }
        self.roles.insert(role.key().clone(), role);
        self.rechecked()
    }

    /// The same catalog without the role `key` (and without its column in
    /// the catalog's matrix). The catalog is checked again whole: a policy
    /// that names the role refuses it.
    ///
    /// # Errors
    ///
    /// [`CatalogError`] with [`CatalogProblem::NoSuchRole`] for a key the
    /// catalog lacks, [`CatalogProblem::Empty`] for its last role,
    /// [`CatalogProblem::UnknownRole`] when the policy names it.
    pub fn without_role(mut self, key: &str) -> Result<Catalog, CatalogError> {
        if self.roles.shift_remove(key).is_none() {
            return Err(CatalogError {
                problems: vec![CatalogProblem::NoSuchRole(RoleKey::new(key))],
            });
        }
        if let Some(m) = &mut self.matrix {
            m.columns.retain(|c| c.as_str() != key);
        }
        self.rechecked()
    }

    /// The catalog built again from its parts, every rule checked.
    fn rechecked(self) -> Result<Catalog, CatalogError> {
        Catalog::assemble(
            self.name,
            self.roles.into_values().collect(),
            self.policy,
            self.knowledge_bases,
            self.matrix,
            Vec::new(),
        )
    }

    fn assemble(
        name: String,
        roles: Vec<Role>,
        policy: DirectoryRules,
        mut knowledge_bases: Vec<KnowledgeBaseId>,
        matrix: Option<Matrix>,
        mut problems: Vec<CatalogProblem>,
    ) -> Result<Catalog, CatalogError> {
        knowledge_bases.sort_unstable();
        knowledge_bases.dedup();
        for id in &knowledge_bases {
            if i64::try_from(id.0).is_err() {
                problems.push(CatalogProblem::KnowledgeBaseIdOutOfRange(*id));
            }
        }
        if roles.is_empty() {
            problems.push(CatalogProblem::Empty);
        }
        if roles.len() > MAX_ROLES {
            problems.push(CatalogProblem::TooManyRoles(roles.len()));
        }
        let mut text = |field: &'static str, value: &str| {
            let problem = if value.chars().any(char::is_control) {
                Some("contains a control character")
            } else if value.chars().count() > crate::MAX_TEXT_CHARS {
                Some("is longer than 256 characters")
            } else {
                None
            };
            if let Some(problem) = problem {
                problems.push(CatalogProblem::InvalidText {
                    field,
                    value: value.to_owned(),
                    problem,
                });
            }
        };
        text("catalog name", &name);
        for role in &roles {
            // A blank key is reported as such.
            if !role.key().as_str().trim().is_empty() {
                text("role key", role.key().as_str());
            }
            text("role name", role.name());
        }
        let mut map: IndexMap<RoleKey, Role> = IndexMap::with_capacity(roles.len());
        for role in roles {
            if role.key().as_str().trim().is_empty() {
                problems.push(CatalogProblem::BlankRoleKey {
                    key: role.key().clone(),
                    name: role.name().to_owned(),
                });
            }
            if map.contains_key(role.key()) {
                problems.push(CatalogProblem::DuplicateRole(role.key().clone()));
            } else {
                map.insert(role.key().clone(), role);
            }
        }
        let unique: Vec<RoleKey> = map
            .values()
            .filter(|r| r.is_unique())
            .map(|r| r.key().clone())
            .collect();
        if unique.len() > 1 {
            problems.push(CatalogProblem::SeveralUnique(unique));
        }
        for role in map.values() {
            // The role as written, a disabling one included.
            if let KnowledgeRefs::Only(ids) = role.raw_knowledge() {
                for id in ids {
                    if knowledge_bases.binary_search(id).is_err() {
                        problems.push(CatalogProblem::UnknownKnowledgeBase {
                            role: role.key().clone(),
                            knowledge_base: *id,
                        });
                    }
                }
            }
        }
        let mut check = |place: &'static str, key: &RoleKey| {
            if !map.contains_key(key) {
                problems.push(CatalogProblem::UnknownRole {
                    place,
                    key: key.clone(),
                });
            }
        };
        if let Some(k) = &policy.default_role {
            check("policy.default_role", k);
        }
        if let Some(k) = &policy.owner_successor {
            check("policy.owner_successor", k);
        }
        if let Some(m) = &policy.min_admins {
            check("policy.min_admins.role", &m.role);
        }
        if let Some(m) = &matrix {
            for k in &m.columns {
                check("matrix.columns", k);
            }
        }
        if let Some(k) = &policy.owner_successor {
            if map.get(k).is_some_and(Role::is_unique) {
                problems.push(CatalogProblem::SuccessorIsUnique(k.clone()));
            }
        }
        if problems.is_empty() {
            Ok(Catalog {
                name,
                roles: map,
                policy,
                knowledge_bases,
                matrix,
            })
        } else {
            Err(CatalogError { problems })
        }
    }

    /// The catalog's name (`helpdesk`, …).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role with this key.
    #[must_use]
    pub fn role(&self, key: &str) -> Option<&Role> {
        self.roles.get(key)
    }

    /// The role whose display name is `name`, compared case-insensitively
    /// (as a host's data names it: "Primary Agent"); the first in catalog
    /// order when several share a name.
    ///
    /// ```
    /// let helpdesk = purview::preset::helpdesk();
    /// let role = helpdesk.role_named("primary agent").unwrap();
    /// assert_eq!(role.key().as_str(), "primary_agent");
    /// assert!(helpdesk.role_named("nobody").is_none());
    /// ```
    #[must_use]
    pub fn role_named(&self, name: &str) -> Option<&Role> {
        let wanted = name.trim().to_lowercase();
        self.roles
            .values()
            .find(|r| r.name().to_lowercase() == wanted)
    }

    /// The roles, in catalog order.
    pub fn roles(&self) -> impl ExactSizeIterator<Item = &Role> {
        self.roles.values()
    }

    /// The unique (owner-like) role, if the catalog has one.
    #[must_use]
    pub fn unique_role(&self) -> Option<&Role> {
        self.roles.values().find(|r| r.is_unique())
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &DirectoryRules {
        &self.policy
    }

    /// The knowledge bases the catalog's roles may reference.
    #[must_use]
    pub fn knowledge_bases(&self) -> &[KnowledgeBaseId] {
        &self.knowledge_bases
    }

    /// The matrix the catalog was given, if any (what stores persist).
    pub(crate) fn stored_matrix(&self) -> Option<&Matrix> {
        self.matrix.as_ref()
    }
}
