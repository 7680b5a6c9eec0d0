//! The organization's contacts (seed 000): external users with no account,
//! "automatically created by system or manually created", their attributes
//! synchronized by the host ("dynamic user information synchronization")
//! and deciding what each contact may read.
//!
//! A contact is stored alone, with a version of its own: an operation on a
//! contact reads the organization as it is cached (to check the acting
//! member), then reads and writes that one contact — a bounded number of
//! store round trips whatever the number of contacts or members. Every
//! write carries its audit event, before and after, since it changes what
//! the contact may reach; the events are read per contact
//! ([`Directory::contact_history`]).
//!
//! Contact writes are not ordered with the organization's commits: the
//! acting member's permission is the one they had in the state read just
//! before the write, as for any read-then-act. Two writes to one contact
//! are ordered by its version: the second one to commit reads again and
//! decides again.

use super::{acting, require, required, secret, Clock, Directory, DirectoryError, MAX_ATTEMPTS};
use crate::model::action::Action;
use crate::model::actor::ContactActor;
use crate::model::contact::{Attributes, ContactOrigin};
use crate::model::id::{ContactId, MemberId, OrgId};
use crate::model::resource::Resource;
use crate::record::{AuditEvent, StoredContact, Timestamp};
use crate::store::{ContactWrite, Store, StoreError};

/// The most attributes a contact holds.
pub const MAX_CONTACT_ATTRIBUTES: usize = 64;

/// The most audit events [`Directory::contact_history`] returns at once.
pub const MAX_CONTACT_HISTORY_PAGE: usize = 1_000;

/// How a contact's attributes change.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeChange {
    /// The attributes become exactly these.
    Replace(Attributes),
    /// These attributes are set (added, or overwritten in place), then
    /// those named in `remove` are removed; the others stay.
    Patch {
        /// Attributes to set.
        set: Attributes,
        /// Attribute keys to remove.
        remove: Vec<String>,
    },
}

impl AttributeChange {
    /// The attributes after the change, checked: keys and values trimmed,
    /// neither blank, with no control character, at most
    /// [`crate::MAX_TEXT_CHARS`] long; at most [`MAX_CONTACT_ATTRIBUTES`].
    fn applied(&self, current: &Attributes) -> Result<Attributes, DirectoryError> {
        let checked = |attrs: &Attributes| -> Result<Attributes, DirectoryError> {
            let mut out = Attributes::with_capacity(attrs.len());
            for (k, v) in attrs {
                out.insert(
                    required("attribute key", k)?,
                    required("attribute value", v)?,
                );
            }
            Ok(out)
        };
        let next = match self {
            AttributeChange::Replace(attrs) => checked(attrs)?,
            AttributeChange::Patch { set, remove } => {
                let mut next = current.clone();
                next.extend(checked(set)?);
                for key in remove {
                    next.shift_remove(key.trim());
                }
                next
            }
        };
        if next.len() > MAX_CONTACT_ATTRIBUTES {
            return Err(DirectoryError::TooManyAttributes {
                count: next.len(),
                max: MAX_CONTACT_ATTRIBUTES,
            });
        }
        Ok(next)
    }
}

/// Who writes a contact: the host's synchronization (the system) or a member.
#[derive(Clone, Copy)]
struct Writer {
    actor: Option<MemberId>,
    now: Timestamp,
}

impl<S: Store, C: Clock> Directory<S, C> {
    /// The host's synchronization (seed 000: "managed through API
    /// integration"): creates the contact with this external id, or changes
    /// its attributes; the host acts as the system (no member; the audit
    /// event records none). Idempotent: a change that leaves the
    /// attributes as they are writes nothing. Returns the contact's id.
    ///
    /// A `Patch` of a contact that does not exist creates it with the
    /// attributes set.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::InvalidInput`] for a blank or malformed external
    /// id, attribute key or value; [`DirectoryError::TooManyAttributes`];
    /// [`DirectoryError::UnknownOrganization`].
    pub async fn sync_contact(
        &self,
        org: OrgId,
        external_id: &str,
        change: AttributeChange,
    ) -> Result<ContactId, DirectoryError> {
        let external = required("external id", external_id)?;
        let now = self.read(org, |_, now| Ok(now)).await?;
        let writer = Writer { actor: None, now };
        for _ in 0..MAX_ATTEMPTS {
            let current = self.store.contact_by_external_id(org, &external).await?;
            let result = match current {
                Some(c) => {
                    let id = c.id;
                    self.change_contact(org, writer, "sync_contact", c, &change)
                        .await
                        .map(|()| id)
                }
                None => {
                    let attributes = change.applied(&Attributes::new())?;
                    self.insert_contact(
                        org,
                        writer,
                        "sync_contact",
                        Some(external.clone()),
                        ContactOrigin::System,
                        attributes,
                    )
                    .await
                }
            };
            match result {
                Err(DirectoryError::Store(StoreError::Conflict)) => continue,
                other => return other,
            }
        }
        Err(DirectoryError::Contended)
    }

    /// A member creates a contact by hand (seed 000 "manually created";
    /// seed 001 "Edit Contact Information"), with contact editing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without contact editing;
    /// [`DirectoryError::ContactExists`] when another contact has the
    /// external id; [`DirectoryError::InvalidInput`],
    /// [`DirectoryError::TooManyAttributes`] as [`Directory::sync_contact`].
    pub async fn create_contact(
        &self,
        org: OrgId,
        actor: MemberId,
        external_id: Option<&str>,
        attributes: Attributes,
    ) -> Result<ContactId, DirectoryError> {
        let external = external_id
            .map(|e| required("external id", e))
            .transpose()?;
        let attributes = AttributeChange::Replace(attributes).applied(&Attributes::new())?;
        let now = self
            .read(org, |state, now| {
                let me = acting(state, actor)?;
                require(&me, Action::EditContact, &Resource::Organization(org))?;
                Ok(now)
            })
            .await?;
        let writer = Writer {
            actor: Some(actor),
            now,
        };
        for _ in 0..MAX_ATTEMPTS {
            if let Some(e) = &external {
                if self.store.contact_by_external_id(org, e).await?.is_some() {
                    return Err(DirectoryError::ContactExists(e.clone()));
                }
            }
            let result = self
                .insert_contact(
                    org,
                    writer,
                    "create_contact",
                    external.clone(),
                    ContactOrigin::Manual,
                    attributes.clone(),
                )
                .await;
            match result {
                Err(DirectoryError::Store(StoreError::Conflict)) => continue,
                other => return other,
            }
        }
        Err(DirectoryError::Contended)
    }

    /// A member changes a contact's attributes, with contact editing. A
    /// change that leaves them as they are writes nothing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without contact editing;
    /// [`DirectoryError::UnknownContact`] (also for a contact of another
    /// organization); [`DirectoryError::InvalidInput`],
    /// [`DirectoryError::TooManyAttributes`].
    pub async fn edit_contact(
        &self,
        org: OrgId,
        actor: MemberId,
        contact: ContactId,
        change: AttributeChange,
    ) -> Result<(), DirectoryError> {
        let writer = self.contact_editor(org, actor, contact).await?;
        self.retried(org, contact, |current| {
            self.change_contact(org, writer, "edit_contact", current, &change)
        })
        .await
    }

    /// A member removes a contact, with contact editing. Its audit events
    /// stay.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without contact editing;
    /// [`DirectoryError::UnknownContact`].
    pub async fn remove_contact(
        &self,
        org: OrgId,
        actor: MemberId,
        contact: ContactId,
    ) -> Result<(), DirectoryError> {
        let writer = self.contact_editor(org, actor, contact).await?;
        self.retried(org, contact, |current| {
            self.delete_contact(org, writer, "remove_contact", current)
        })
        .await
    }

    /// The host's synchronization removes the contact with this external
    /// id, as the system. `false` when there was none.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::UnknownOrganization`].
    pub async fn remove_synced_contact(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> Result<bool, DirectoryError> {
        let now = self.read(org, |_, now| Ok(now)).await?;
        let writer = Writer { actor: None, now };
        for _ in 0..MAX_ATTEMPTS {
            let Some(current) = self
                .store
                .contact_by_external_id(org, external_id.trim())
                .await?
            else {
                return Ok(false);
            };
            match self
                .delete_contact(org, writer, "sync_remove_contact", current)
                .await
            {
                Err(DirectoryError::Store(StoreError::Conflict)) => continue,
                other => return other.map(|()| true),
            }
        }
        Err(DirectoryError::Contended)
    }

    /// The actor of a contact, ready for [`crate::can`]: one store read.
    /// `None` for a contact that does not exist (or of another
    /// organization).
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Store`].
    pub async fn contact_actor(
        &self,
        org: OrgId,
        contact: ContactId,
    ) -> Result<Option<ContactActor>, DirectoryError> {
        Ok(self
            .store
            .contact(org, contact)
            .await?
            .map(|c| c.actor(org)))
    }

    /// The actor of the contact with this external id: one store read.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Store`].
    pub async fn contact_actor_by_external_id(
        &self,
        org: OrgId,
        external_id: &str,
    ) -> Result<Option<ContactActor>, DirectoryError> {
        Ok(self
            .store
            .contact_by_external_id(org, external_id.trim())
            .await?
            .map(|c| c.actor(org)))
    }

    /// A contact's audit events (every change to its attributes, before and
    /// after), up to `limit` (at most [`MAX_CONTACT_HISTORY_PAGE`]) after
    /// version `after`. Needs contact viewing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without contact viewing.
    pub async fn contact_history(
        &self,
        org: OrgId,
        actor: MemberId,
        contact: ContactId,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, DirectoryError> {
        self.read(org, |state, _| {
            let me = acting(state, actor)?;
            require(
                &me,
                Action::ViewContact,
                &Resource::Contact { org, contact },
            )
        })
        .await?;
        let limit = limit.min(MAX_CONTACT_HISTORY_PAGE);
        Ok(self.store.contact_audit(org, contact, after, limit).await?)
    }

    /// Reads the contact and writes what `write` makes of it, again from a
    /// fresh read while another write of the contact lands first.
    async fn retried<F, Fut>(
        &self,
        org: OrgId,
        contact: ContactId,
        write: F,
    ) -> Result<(), DirectoryError>
    where
        F: Fn(StoredContact) -> Fut,
        Fut: std::future::Future<Output = Result<(), DirectoryError>>,
    {
        for _ in 0..MAX_ATTEMPTS {
            let current = self
                .store
                .contact(org, contact)
                .await?
                .ok_or(DirectoryError::UnknownContact(contact))?;
            match write(current).await {
                Err(DirectoryError::Store(StoreError::Conflict)) => continue,
                other => return other,
            }
        }
        Err(DirectoryError::Contended)
    }

    /// Checks that `actor` may edit the contact; the writer to use.
    async fn contact_editor(
        &self,
        org: OrgId,
        actor: MemberId,
        contact: ContactId,
    ) -> Result<Writer, DirectoryError> {
        let now = self
            .read(org, |state, now| {
                let me = acting(state, actor)?;
                require(
                    &me,
                    Action::EditContact,
                    &Resource::Contact { org, contact },
                )?;
                Ok(now)
            })
            .await?;
        Ok(Writer {
            actor: Some(actor),
            now,
        })
    }

    async fn insert_contact(
        &self,
        org: OrgId,
        writer: Writer,
        action: &str,
        external_id: Option<String>,
        origin: ContactOrigin,
        attributes: Attributes,
    ) -> Result<ContactId, DirectoryError> {
        let id = secret::random_id().map_err(DirectoryError::NoRandomness)?;
        let contact = StoredContact {
            id: ContactId(id),
            external_id,
            origin,
            attributes,
            version: 1,
        };
        self.write(org, writer, action, None, Some(&contact), None)
            .await?;
        Ok(contact.id)
    }

    async fn change_contact(
        &self,
        org: OrgId,
        writer: Writer,
        action: &str,
        current: StoredContact,
        change: &AttributeChange,
    ) -> Result<(), DirectoryError> {
        let attributes = change.applied(&current.attributes)?;
        if attributes == current.attributes {
            return Ok(());
        }
        let next = StoredContact {
            attributes,
            version: current.version + 1,
            ..current.clone()
        };
        self.write(
            org,
            writer,
            action,
            Some(current.version),
            Some(&next),
            Some(&current),
        )
        .await
    }

    async fn delete_contact(
        &self,
        org: OrgId,
        writer: Writer,
        action: &str,
        current: StoredContact,
    ) -> Result<(), DirectoryError> {
        self.write(
            org,
            writer,
            action,
            Some(current.version),
            None,
            Some(&current),
        )
        .await
    }

    async fn write(
        &self,
        org: OrgId,
        writer: Writer,
        action: &str,
        expected_version: Option<u64>,
        contact: Option<&StoredContact>,
        before: Option<&StoredContact>,
    ) -> Result<(), DirectoryError> {
        let id = contact.or(before).map_or(ContactId(0), |c| c.id);
        let version = expected_version.map_or(1, |v| v + 1);
        let event = AuditEvent {
            org,
            version,
            index: 0,
            at: writer.now,
            actor: writer.actor,
            action: action.to_owned(),
            subject: id.to_string(),
            before: before.map(|c| crate::record::AuditValue::Contact(c.clone())),
            after: contact.map(|c| crate::record::AuditValue::Contact(c.clone())),
        };
        if self.previewing() {
            // A contact changes no member's access: the preview holds its
            // event only.
            let state = self
                .current(org)
                .await?
                .ok_or(DirectoryError::UnknownOrganization(org))?;
            self.record_preview(&state, &[], vec![event]);
            return Ok(());
        }
        self.store
            .write_contact(ContactWrite {
                org,
                id,
                expected_version,
                contact,
                event: &event,
            })
            .await?;
        Ok(())
    }
}
