//! The organization's role catalog at runtime: roles created, edited,
//! deleted (their holders moved to a replacement in the same commit), and
//! applied from a template.
//!
//! Each operation writes the whole catalog as one change (a catalog holds at
//! most [`crate::MAX_ROLES`] roles, so a commit's size does not grow with
//! the organization), with one audit event for the role it changes: the
//! role before and after. Members' and invitations' records are written only
//! for a deletion's holders.

use super::{
    acting, profile_complete, require, required, role_in, Clock, Directory, DirectoryError,
};
use crate::model::action::Action;
use crate::model::actor::{MemberActor, MemberStatus};
use crate::model::catalog::Catalog;
use crate::model::id::{MemberId, OrgId};
use crate::model::resource::Resource;
use crate::model::role::Role;
use crate::model::scope::KnowledgeRefs;
use crate::record::{Invitation, InvitationState, Member, OrgState};
use crate::store::Store;

impl<S: Store, C: Clock> Directory<S, C> {
    /// Adds a role to the organization's catalog, after the others (seed
    /// 000: roles "created in advance with usable permissions and reference
    /// databases", "managed through backend role management").
    ///
    /// Needs role management, and the role may not exceed the actor's own.
    /// A unique (owner-like) role is never created at runtime.
    ///
    /// A catalog whose policy names no default role gives imports its last
    /// role; so that the new role never becomes what an import gives unasked,
    /// that last role is made the policy's default role in the same commit
    /// (and, named by the policy, is not deleted afterwards).
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without role management;
    /// [`DirectoryError::RoleExists`]; [`DirectoryError::RoleBeyondActor`]
    /// when it would exceed the actor's role; [`DirectoryError::UniqueRole`]
    /// for a unique role; [`DirectoryError::UnknownKnowledgeBase`] for a
    /// reference to a knowledge base the organization does not have;
    /// [`DirectoryError::InvalidInput`] for a blank key or name, or one with
    /// a control character or too long; [`DirectoryError::Catalog`] when the
    /// catalog would hold more than [`crate::MAX_ROLES`] roles.
    pub async fn create_role(
        &self,
        org: OrgId,
        actor: MemberId,
        role: Role,
    ) -> Result<(), DirectoryError> {
        self.put_role(org, actor, &role, Some(false)).await
    }

    /// Replaces a role of the organization's catalog by `role`, found by its
    /// key: its name, permissions, scopes, reach and knowledge-base
    /// references. Members holding it, and their cached actors, have the new
    /// role from this commit on. An edit that changes nothing writes nothing.
    ///
    /// Nobody edits the role they hold, nor a role that exceeds their own,
    /// nor makes a role exceed it; the unique role and the role the admin
    /// minimum counts keep everything they grant (so the organization can
    /// always manage itself), and no role becomes or stops being unique.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without role management;
    /// [`DirectoryError::UnknownRole`]; [`DirectoryError::OwnRoleEdit`];
    /// [`DirectoryError::RoleBeyondActor`]; [`DirectoryError::ProtectedRole`];
    /// [`DirectoryError::UniqueRole`]; [`DirectoryError::UnknownKnowledgeBase`];
    /// [`DirectoryError::InvalidInput`].
    pub async fn edit_role(
        &self,
        org: OrgId,
        actor: MemberId,
        role: Role,
    ) -> Result<(), DirectoryError> {
        self.put_role(org, actor, &role, Some(true)).await
    }

    /// Applies a role template: the role `key` of `template` (a preset, or a
    /// catalog read from a file) is created in the organization's catalog,
    /// or replaces the role with that key, judged as
    /// [`Directory::create_role`] or [`Directory::edit_role`].
    ///
    /// # Errors
    ///
    /// [`DirectoryError::UnknownRole`] when the template has no role `key`;
    /// otherwise as [`Directory::create_role`] and [`Directory::edit_role`].
    pub async fn apply_role_template(
        &self,
        org: OrgId,
        actor: MemberId,
        template: &Catalog,
        key: &str,
    ) -> Result<(), DirectoryError> {
        let role = template
            .role(key)
            .ok_or_else(|| DirectoryError::UnknownRole(key.to_owned()))?;
        self.put_role(org, actor, role, None).await
    }

    /// Creates `role` or replaces the role with its key: `exists` says
    /// which is asked for (`None`: either).
    async fn put_role(
        &self,
        org: OrgId,
        actor: MemberId,
        role: &Role,
        exists: Option<bool>,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = manager(state, actor)?;
            let old = state.org.catalog.role(role.key().as_str());
            match (exists, old) {
                (Some(false), Some(_)) => {
                    return Err(DirectoryError::RoleExists(role.key().clone()))
                }
                (Some(true), None) => {
                    return Err(DirectoryError::UnknownRole(role.key().as_str().to_owned()))
                }
                _ => {}
            }
            let base = match old {
                None => pinned_default(&state.org.catalog)?,
                Some(_) => Catalog::clone(&state.org.catalog),
            };
            let next = judged(&base, &me, old, role)?;
            match old {
                None => plan.set_catalog("create_role", role.key(), next),
                // An edit that changes nothing writes nothing.
                Some(old) if old != role => plan.set_catalog("edit_role", role.key(), next),
                Some(_) => {}
            }
            Ok(())
        })
        .await
    }

    /// Deletes a role from the organization's catalog. A role held by
    /// members or named by pending invitations is deleted only with a
    /// `replacement`: in the same commit every holder moves to it, judged as
    /// a role change by the actor for each of them, and every pending
    /// invitation of an address naming the role is granted anew with it by
    /// the actor. Invitation links naming it, and expired invitations, are
    /// revoked: a link is never made to grant a role it did not name.
    /// Settled invitations keep the key they were accepted or revoked with.
    ///
    /// Nobody deletes the role they hold or one that exceeds their own; the
    /// unique role and the roles the policy names (default role, owner
    /// successor, the admin minimum's role) are never deleted.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without role management (or, for an
    /// invitation moved, without the right to grant it);
    /// [`DirectoryError::UnknownRole`] for `key` or `replacement`;
    /// [`DirectoryError::OwnRoleEdit`]; [`DirectoryError::RoleBeyondActor`];
    /// [`DirectoryError::RoleRequired`]; [`DirectoryError::RoleInUse`]
    /// without a replacement; for the replacement,
    /// [`DirectoryError::InvalidInput`] when it is the deleted role itself,
    /// [`DirectoryError::UniqueRole`], [`DirectoryError::RoleExceedsOwn`],
    /// and [`DirectoryError::ProfileIncomplete`] for a holder whose profile
    /// the policy needs filled.
    pub async fn delete_role(
        &self,
        org: OrgId,
        actor: MemberId,
        key: &str,
        replacement: Option<&str>,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = manager(state, actor)?;
            let old = role_in(state, key)?;
            if me.role().key() == old.key() {
                return Err(DirectoryError::OwnRoleEdit(old.key().clone()));
            }
            if old.grants_beyond(me.role()) {
                return Err(DirectoryError::RoleBeyondActor(old.key().clone()));
            }
            let policy = state.org.catalog.policy();
            let required_by = if old.is_unique() {
                Some("it is the unique role")
            } else if policy.default_role.as_ref() == Some(old.key()) {
                Some("policy.default_role names it")
            } else if policy.owner_successor.as_ref() == Some(old.key()) {
                Some("policy.owner_successor names it")
            } else if policy.min_admins.as_ref().map(|m| &m.role) == Some(old.key()) {
                Some("the admin minimum counts it")
            } else {
                None
            };
            if let Some(why) = required_by {
                return Err(DirectoryError::RoleRequired {
                    role: old.key().clone(),
                    why,
                });
            }
            let holders: Vec<&Member> = state.role_holders(key).map(|m| &**m).collect();
            let invitations: Vec<&Invitation> = state
                .role_invitations(key)
                .map(|i| &**i)
                .filter(|i| i.state == InvitationState::Pending)
                .collect();
            let live = invitations
                .iter()
                .filter(|i| i.is_pending(plan.now))
                .count();
            let replacement = match replacement {
                Some(r) => Some(role_in(state, r)?),
                None if holders.is_empty() && live == 0 => None,
                None => {
                    return Err(DirectoryError::RoleInUse {
                        role: old.key().clone(),
                        members: holders.len(),
                        invitations: live,
                    })
                }
            };
            if let Some(new) = replacement {
                if new.key() == old.key() {
                    return Err(DirectoryError::InvalidInput {
                        field: "replacement role",
                        problem: "is the role deleted",
                    });
                }
                if new.is_unique() {
                    return Err(DirectoryError::UniqueRole(new.key().clone()));
                }
                if new.grants_beyond(me.role()) {
                    return Err(DirectoryError::RoleExceedsOwn(new.key().clone()));
                }
                for m in &holders {
                    // As a role change: the actor outranks the holder (their
                    // role does not exceed the actor's: checked above), and
                    // the holder's profile is complete where the policy asks.
                    profile_complete(state, m)?;
                    if m.status == MemberStatus::Invited {
                        require(
                            &me,
                            Action::InviteMembers,
                            &Resource::Invitation { org, role: new },
                        )?;
                    }
                    let mut next = Member::clone(m);
                    next.role = new.key().clone();
                    plan.put_member("delete_role", next);
                }
            }
            for inv in invitations {
                let mut next = Invitation::clone(inv);
                match replacement {
                    // An address's invitation is granted anew, as the actor
                    // could invite that address; a link is a bearer's
                    // credential, issued for the role it named to whoever
                    // holds it, and is revoked rather than made to grant
                    // another role.
                    Some(new) if inv.is_pending(plan.now) && inv.email.is_some() => {
                        require(
                            &me,
                            Action::InviteMembers,
                            &Resource::Invitation { org, role: new },
                        )?;
                        next.role = new.key().clone();
                        next.created_by = me.id();
                    }
                    // A link, or expired (it can never be accepted): settled.
                    _ => next.state = InvitationState::Revoked,
                }
                plan.put_invitation("delete_role", next);
            }
            let next = Catalog::clone(&state.org.catalog).without_role(key)?;
            plan.set_catalog("delete_role", old.key(), next);
            Ok(())
        })
        .await
    }
}

/// The acting member, with role management.
fn manager(state: &OrgState, actor: MemberId) -> Result<MemberActor, DirectoryError> {
    let me = acting(state, actor)?;
    require(
        &me,
        Action::ManageRoles,
        &Resource::Organization(state.org.id),
    )?;
    Ok(me)
}

/// The catalog with `new` in place of `old` (or added), if `me` may make
/// that change.
/// The catalog with its import default pinned: a catalog whose policy
/// names no default role gives imports its last role, so before a role is
/// added after the others, that last role becomes the policy's default —
/// a role created at runtime never becomes what an import gives unasked.
fn pinned_default(catalog: &Catalog) -> Result<Catalog, DirectoryError> {
    let mut policy = catalog.policy().clone();
    if policy.default_role.is_some() {
        return Ok(Catalog::clone(catalog));
    }
    policy.default_role = catalog.roles().last().map(|r| r.key().clone());
    Ok(Catalog::clone(catalog).with_policy(policy)?)
}

pub(super) fn judged(
    catalog: &Catalog,
    me: &MemberActor,
    old: Option<&Role>,
    new: &Role,
) -> Result<Catalog, DirectoryError> {
    let key = required("role key", new.key().as_str())?;
    if key != new.key().as_str() {
        return Err(DirectoryError::InvalidInput {
            field: "role key",
            problem: "has leading or trailing whitespace",
        });
    }
    required("role name", new.name())?;
    if let Some(old) = old {
        if me.role().key() == old.key() {
            return Err(DirectoryError::OwnRoleEdit(old.key().clone()));
        }
        if old.grants_beyond(me.role()) {
            return Err(DirectoryError::RoleBeyondActor(old.key().clone()));
        }
    }
    if new.grants_beyond(me.role()) {
        return Err(DirectoryError::RoleBeyondActor(new.key().clone()));
    }
    if new.is_unique() != old.is_some_and(Role::is_unique) {
        return Err(DirectoryError::UniqueRole(new.key().clone()));
    }
    if let Some(old) = old {
        let admins = catalog.policy().min_admins.as_ref();
        let why = if old.is_unique() {
            Some("the unique role")
        } else if admins.is_some_and(|m| m.role == *old.key()) {
            Some("counted by the admin minimum")
        } else {
            None
        };
        if let Some(why) = why {
            if old.grants_beyond(new) || new.is_disabled() {
                return Err(DirectoryError::ProtectedRole {
                    role: old.key().clone(),
                    why,
                });
            }
        }
    }
    if let KnowledgeRefs::Only(ids) = new.raw_knowledge() {
        let bases = catalog.knowledge_bases();
        if let Some(id) = ids.iter().find(|id| bases.binary_search(id).is_err()) {
            return Err(DirectoryError::UnknownKnowledgeBase {
                role: new.key().clone(),
                knowledge_base: *id,
            });
        }
    }
    Ok(Catalog::clone(catalog).with_role(new.clone())?)
}
