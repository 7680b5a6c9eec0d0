//! Contacts as stored: one record each, read and written alone, so that an
//! organization may have millions of them (seed 000: contacts get "a contact
//! ID in the synchronized user information storage").

use crate::model::actor::ContactActor;
use crate::model::contact::{Attributes, ContactOrigin};
use crate::model::id::{ContactId, OrgId};
use serde::{Deserialize, Serialize};

/// A contact as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredContact {
    /// The contact.
    pub id: ContactId,
    /// The host's id for it (its synchronization key), unique in the
    /// organization when set.
    pub external_id: Option<String>,
    /// Created by the host's synchronization or by a member.
    pub origin: ContactOrigin,
    /// Its attributes, which decide what it may reach.
    pub attributes: Attributes,
    /// 1 when created, one more for each write.
    pub version: u64,
}

impl StoredContact {
    /// The contact as an actor of `org`, ready for [`crate::can`].
    #[must_use]
    pub fn actor(&self, org: OrgId) -> ContactActor {
        ContactActor {
            org,
            id: self.id,
            attributes: self.attributes.clone(),
        }
    }
}
