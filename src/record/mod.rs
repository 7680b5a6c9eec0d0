//! What a store keeps: an organization's state and the changes that move
//! it, and its audit events. Pure data, below both the stores and the
//! directory: [`crate::store`] and [`crate::directory`] depend on this module
//! and not on each other.

mod address;
mod audit;
mod bots;
mod change;
mod contacts;
mod index;
mod knowledge;
mod member;
mod records;
mod state;
mod who_can;

pub(crate) use address::normalize;
pub use audit::{AuditCursor, AuditEvent, AuditValue};
pub use bots::{ApiKey, ApiKeyInfo, Bot};
pub use change::{Change, Committed};
pub use contacts::StoredContact;
pub use knowledge::StoredKnowledgeBase;
pub use member::{Invitation, InvitationState, Member, Organization, Timestamp};
pub use records::Records;
pub use state::OrgState;

/// A stored record that breaks a rule the data itself must keep, whatever
/// store holds it: found by [`OrgState::broken_rule`] and reported by the store
/// as [`StoreError::Corrupt`], naming the record as the store names it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BrokenRule {
    /// The record that breaks the rule (the later one, in stored order, when
    /// two records clash).
    pub(crate) record: StoredRecord,
    /// What is wrong with it, naming the other record involved, if any.
    pub(crate) problem: String,
}

/// A record of an organization's stored state.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StoredRecord {
    /// A member.
    Member(crate::model::id::MemberId),
    /// A team.
    Team(crate::model::id::TeamId),
}
