//! The organization's knowledge bases at runtime (seed 000: roles are
//! created "with usable permissions and reference databases"): registered,
//! renamed, given audience rules, removed.
//!
//! The catalog lists the knowledge bases the organization has — roles may
//! reference only those — and each has a record with its name and audience.
//! Registering and removing change both in one commit; a knowledge base a
//! role references is removed only when asked to detach it, and then the
//! references go in the same commit, each role edit judged as
//! [`Directory::edit_role`] judges one.

use super::roles::judged;
use super::{acting, require, required, Clock, Directory, DirectoryError};
use crate::model::action::Action;
use crate::model::actor::MemberActor;
use crate::model::catalog::Catalog;
use crate::model::contact::Audience;
use crate::model::id::{KnowledgeBaseId, MemberId, OrgId};
use crate::model::resource::Resource;
use crate::model::role::RoleKey;
use crate::model::scope::KnowledgeRefs;
use crate::record::{OrgState, StoredKnowledgeBase};
use crate::store::Store;

impl<S: Store, C: Clock> Directory<S, C> {
    /// Registers a knowledge base, with knowledge-base management. Roles
    /// may reference it from the commit on.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without knowledge-base management;
    /// [`DirectoryError::InvalidInput`] for a blank name, or one with a
    /// control character or too long; [`DirectoryError::Catalog`] when the
    /// catalog would not hold it.
    pub async fn register_knowledge_base(
        &self,
        org: OrgId,
        actor: MemberId,
        name: &str,
        audience: Option<Audience>,
    ) -> Result<KnowledgeBaseId, DirectoryError> {
        let name = required("knowledge base name", name)?;
        self.run(org, Some(actor), |state, plan| {
            librarian(state, org, actor)?;
            // Below 2^53 like every minted id, and below 2^63 as the catalog
            // formats need.
            let id = KnowledgeBaseId(plan.new_id(6));
            let mut bases = state.org.catalog.knowledge_bases().to_vec();
            bases.push(id);
            let catalog = Catalog::clone(&state.org.catalog).with_knowledge_bases(bases)?;
            plan.set_knowledge_catalog(catalog);
            plan.put_knowledge_base(
                "register_knowledge_base",
                StoredKnowledgeBase {
                    id,
                    name: name.clone(),
                    audience: audience.clone(),
                },
            );
            Ok(id)
        })
        .await
    }

    /// Renames a knowledge base. A rename that changes nothing writes
    /// nothing.
    ///
    /// # Errors
    ///
    /// As [`Directory::register_knowledge_base`], and
    /// [`DirectoryError::KnowledgeBaseNotFound`].
    pub async fn rename_knowledge_base(
        &self,
        org: OrgId,
        actor: MemberId,
        kb: KnowledgeBaseId,
        name: &str,
    ) -> Result<(), DirectoryError> {
        let name = required("knowledge base name", name)?;
        self.edit_knowledge_base(org, actor, kb, move |record| record.name.clone_from(&name))
            .await
    }

    /// Sets a knowledge base's audience rule (`None`: members only). It
    /// decides which contacts reach the knowledge base from the commit on.
    ///
    /// # Errors
    ///
    /// As [`Directory::rename_knowledge_base`].
    pub async fn set_knowledge_base_audience(
        &self,
        org: OrgId,
        actor: MemberId,
        kb: KnowledgeBaseId,
        audience: Option<Audience>,
    ) -> Result<(), DirectoryError> {
        self.edit_knowledge_base(org, actor, kb, move |record| {
            record.audience.clone_from(&audience);
        })
        .await
    }

    /// Removes a knowledge base. One that roles reference is refused with
    /// [`DirectoryError::KnowledgeBaseInUse`] unless `detach` is set; then
    /// the references are removed from those roles in the same commit, each
    /// judged as a role edit by the actor (not their own role, none above
    /// theirs, and the unique role and the admin minimum's role lose
    /// nothing).
    ///
    /// # Errors
    ///
    /// As [`Directory::rename_knowledge_base`];
    /// [`DirectoryError::KnowledgeBaseInUse`]; with `detach`, the errors of
    /// [`Directory::edit_role`] for a referencing role.
    pub async fn remove_knowledge_base(
        &self,
        org: OrgId,
        actor: MemberId,
        kb: KnowledgeBaseId,
        detach: bool,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = librarian(state, org, actor)?;
            declared(state, kb)?;
            let referencing: Vec<RoleKey> = state
                .org
                .catalog
                .roles()
                .filter(
                    |r| matches!(r.raw_knowledge(), KnowledgeRefs::Only(ids) if ids.contains(&kb)),
                )
                .map(|r| r.key().clone())
                .collect();
            if !referencing.is_empty() && !detach {
                return Err(DirectoryError::KnowledgeBaseInUse {
                    knowledge_base: kb,
                    roles: referencing,
                });
            }
            let mut catalog = Catalog::clone(&state.org.catalog);
            for key in &referencing {
                let Some(old) = catalog.role(key.as_str()).cloned() else {
                    continue;
                };
                let KnowledgeRefs::Only(ids) = old.raw_knowledge() else {
                    continue;
                };
                let kept = KnowledgeRefs::only(ids.iter().copied().filter(|id| *id != kb));
                let new = old.to_builder().knowledge(kept).build();
                catalog = judged(&catalog, &me, Some(&old), &new)?;
                plan.record_role_edit("detach_knowledge_base", &old, &new);
            }
            let bases: Vec<KnowledgeBaseId> = catalog
                .knowledge_bases()
                .iter()
                .copied()
                .filter(|id| *id != kb)
                .collect();
            let catalog = catalog.with_knowledge_bases(bases)?;
            plan.set_knowledge_catalog(catalog);
            plan.delete_knowledge_base("remove_knowledge_base", kb);
            Ok(())
        })
        .await
    }

    async fn edit_knowledge_base(
        &self,
        org: OrgId,
        actor: MemberId,
        kb: KnowledgeBaseId,
        edit: impl Fn(&mut StoredKnowledgeBase) + Send + Sync,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            librarian(state, org, actor)?;
            let current = declared(state, kb)?;
            let mut next = current.clone();
            edit(&mut next);
            if next != current {
                plan.put_knowledge_base("edit_knowledge_base", next);
            }
            Ok(())
        })
        .await
    }
}

/// The acting member, with knowledge-base management.
fn librarian(state: &OrgState, org: OrgId, actor: MemberId) -> Result<MemberActor, DirectoryError> {
    let me = acting(state, actor)?;
    require(
        &me,
        Action::ManageKnowledgeBases,
        &Resource::Organization(org),
    )?;
    Ok(me)
}

/// The knowledge base's record; one the catalog declares without a record
/// (declared before knowledge bases were named) is named by its id.
fn declared(state: &OrgState, kb: KnowledgeBaseId) -> Result<StoredKnowledgeBase, DirectoryError> {
    if state
        .org
        .catalog
        .knowledge_bases()
        .binary_search(&kb)
        .is_err()
    {
        return Err(DirectoryError::KnowledgeBaseNotFound(kb));
    }
    Ok(state.knowledge_bases.get(&kb).map_or_else(
        || StoredKnowledgeBase {
            id: kb,
            name: kb.to_string(),
            audience: None,
        },
        |k| StoredKnowledgeBase::clone(k),
    ))
}
