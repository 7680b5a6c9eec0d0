//! Identifier newtypes.
//!
//! Every object the crate talks about is named by a small `Copy` id so that
//! evaluation never compares strings or allocates. Hosts map their own keys
//! (database ids, hashed UUIDs) onto these.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// Wraps a raw id.
            #[must_use]
            pub const fn new(raw: u64) -> Self {
                Self(raw)
            }

            /// The raw id.
            #[must_use]
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl From<u64> for $name {
            fn from(raw: u64) -> Self {
                Self(raw)
            }
        }
    };
}

id_type!(
    /// An organization (a tenant, a "brand"). Every other object belongs to exactly one.
    OrgId,
    "org:"
);
id_type!(
    /// A member: a person with an account in one organization.
    MemberId,
    "member:"
);
id_type!(
    /// A team of members.
    TeamId,
    "team:"
);
id_type!(
    /// A contact: an external end user with no account.
    ContactId,
    "contact:"
);
impl ContactId {
    /// No contact: the contact of a conversation whose contact the host
    /// does not have at hand ([`Conversation::without_contact`](crate::Conversation::without_contact)).
    /// Reserved: a contact actor with this id sees no conversation, so a
    /// conversation without a contact is never a contact's own.
    pub const NONE: ContactId = ContactId(u64::MAX);
}

id_type!(
    /// A conversation with a contact.
    ConversationId,
    "conversation:"
);
id_type!(
    /// A bot.
    BotId,
    "bot:"
);
id_type!(
    /// A knowledge base (a "reference database").
    KnowledgeBaseId,
    "kb:"
);
id_type!(
    /// A document or content entry in a knowledge base.
    DocumentId,
    "document:"
);
id_type!(
    /// A private AI chat of one member.
    AiChatId,
    "ai-chat:"
);
id_type!(
    /// An API key, scoped to one bot.
    ApiKeyId,
    "api-key:"
);
id_type!(
    /// An invitation to join an organization.
    InvitationId,
    "invitation:"
);
