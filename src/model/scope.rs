//! Scopes: which conversations, teams, bots and knowledge bases a role reaches.

use crate::model::id::KnowledgeBaseId;
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

bitflags::bitflags! {
    /// Which conversations a role reaches, for viewing or for handling.
    ///
    /// `ORGANIZATION` covers every conversation of the organization; the other
    /// parts add up. A conversation assigned to a team and a member is covered
    /// by `MY_TEAMS` when the team is one of the actor's, and by
    /// `ASSIGNED_TO_ME` when the member is the actor. A conversation assigned
    /// to a member only (no team) is covered only by `ASSIGNED_TO_ME` (for that
    /// member) or `ORGANIZATION`: team scope follows the conversation's team,
    /// never the assignee's other memberships, so it can be written as a
    /// database filter.
    ///
    /// Serialized as a list of the names `organization`, `unassigned`,
    /// `my_teams`, `assigned_to_me`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct ConversationScope: u8 {
        /// Every conversation of the organization.
        const ORGANIZATION = 1 << 0;
        /// Conversations assigned to nobody.
        const UNASSIGNED = 1 << 1;
        /// Conversations assigned to one of the actor's teams (with or without a member).
        const MY_TEAMS = 1 << 2;
        /// Conversations assigned to the actor.
        const ASSIGNED_TO_ME = 1 << 3;
    }
}

const SCOPE_NAMES: [(ConversationScope, &str); 4] = [
    (ConversationScope::ORGANIZATION, "organization"),
    (ConversationScope::UNASSIGNED, "unassigned"),
    (ConversationScope::MY_TEAMS, "my_teams"),
    (ConversationScope::ASSIGNED_TO_ME, "assigned_to_me"),
];

impl ConversationScope {
    /// Whether every conversation `other` covers is also covered by `self`.
    ///
    /// ```
    /// use purview::ConversationScope as S;
    /// assert!(S::ORGANIZATION.covers(S::UNASSIGNED | S::MY_TEAMS));
    /// assert!((S::UNASSIGNED | S::MY_TEAMS).covers(S::UNASSIGNED));
    /// assert!(!S::UNASSIGNED.covers(S::MY_TEAMS));
    /// ```
    #[must_use]
    pub fn covers(self, other: ConversationScope) -> bool {
        self.contains(ConversationScope::ORGANIZATION) || self.contains(other)
    }

    /// The stable names of the parts of this scope.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        SCOPE_NAMES
            .iter()
            .filter(move |(s, _)| self.contains(*s))
            .map(|(_, n)| *n)
    }

    /// The scope part with this stable name.
    #[must_use]
    pub fn by_name(name: &str) -> Option<ConversationScope> {
        SCOPE_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(s, _)| *s)
    }
}

impl fmt::Display for ConversationScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for name in self.names() {
            if !first {
                f.write_str(" + ")?;
            }
            f.write_str(name)?;
            first = false;
        }
        if first {
            f.write_str("nothing")?;
        }
        Ok(())
    }
}

impl Serialize for ConversationScope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for ConversationScope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScopeVisitor;
        impl<'de> Visitor<'de> for ScopeVisitor {
            type Value = ConversationScope;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of conversation scope names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut scope = ConversationScope::empty();
                while let Some(name) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    scope |= ConversationScope::by_name(&name).ok_or_else(|| {
                        de::Error::custom(format!(
                            "unknown conversation scope `{name}` (expected organization, unassigned, my_teams or assigned_to_me)"
                        ))
                    })?;
                }
                Ok(scope)
            }
        }
        deserializer.deserialize_seq(ScopeVisitor)
    }
}

/// How far a role reaches over a kind of object that members can be attached
/// to (teams, bots).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Every object of the organization.
    #[default]
    All,
    /// Only the objects the member belongs to or was granted.
    Own,
}

impl Reach {
    /// Whether `self` reaches everything `other` reaches.
    #[must_use]
    pub fn covers(self, other: Reach) -> bool {
        matches!((self, other), (Reach::All, _) | (Reach::Own, Reach::Own))
    }
}

/// The knowledge bases a role may reference (query).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum KnowledgeRefs {
    /// Every knowledge base of the organization.
    #[default]
    All,
    /// Only these knowledge bases (kept sorted and deduplicated).
    Only(Vec<KnowledgeBaseId>),
}

impl KnowledgeRefs {
    /// A set of references, sorted and deduplicated.
    #[must_use]
    pub fn only(ids: impl IntoIterator<Item = KnowledgeBaseId>) -> Self {
        let mut ids: Vec<_> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        KnowledgeRefs::Only(ids)
    }

    /// Whether the knowledge base is referenced.
    #[must_use]
    pub fn includes(&self, kb: KnowledgeBaseId) -> bool {
        match self {
            KnowledgeRefs::All => true,
            KnowledgeRefs::Only(ids) => ids.binary_search(&kb).is_ok(),
        }
    }

    /// Whether `self` references everything `other` references.
    #[must_use]
    pub fn covers(&self, other: &KnowledgeRefs) -> bool {
        match (self, other) {
            (KnowledgeRefs::All, _) => true,
            (KnowledgeRefs::Only(_), KnowledgeRefs::All) => false,
            (KnowledgeRefs::Only(mine), KnowledgeRefs::Only(theirs)) => {
                theirs.iter().all(|id| mine.binary_search(id).is_ok())
            }
        }
    }
}

impl Serialize for KnowledgeRefs {
    /// `"all"` or a list of knowledge-base ids.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            KnowledgeRefs::All => serializer.serialize_str("all"),
            KnowledgeRefs::Only(ids) => ids.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for KnowledgeRefs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RefsVisitor;
        impl<'de> Visitor<'de> for RefsVisitor {
            type Value = KnowledgeRefs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"all\" or a list of knowledge-base ids")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "all" {
                    Ok(KnowledgeRefs::All)
                } else {
                    Err(E::custom(format!(
                        "unknown knowledge reference `{v}` (expected \"all\" or a list of ids)"
                    )))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element::<KnowledgeBaseId>()? {
                    ids.push(id);
                }
                Ok(KnowledgeRefs::only(ids))
            }
        }
        deserializer.deserialize_any(RefsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_serde_round_trips_and_rejects_unknown_names() {
        let s = ConversationScope::UNASSIGNED | ConversationScope::ASSIGNED_TO_ME;
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["unassigned","assigned_to_me"]"#);
        assert_eq!(serde_json::from_str::<ConversationScope>(&json).unwrap(), s);
        let err = serde_json::from_str::<ConversationScope>(r#"["galaxy"]"#).unwrap_err();
        assert!(err.to_string().contains("`galaxy`"));
    }

    #[test]
    fn knowledge_refs_cover_subsets_only() {
        let ab = KnowledgeRefs::only([KnowledgeBaseId(2), KnowledgeBaseId(1)]);
        let a = KnowledgeRefs::only([KnowledgeBaseId(1)]);
        assert!(ab.covers(&a));
        assert!(!a.covers(&ab));
        assert!(KnowledgeRefs::All.covers(&ab));
        assert!(!ab.covers(&KnowledgeRefs::All));
        assert!(ab.includes(KnowledgeBaseId(2)));
        assert!(!a.includes(KnowledgeBaseId(2)));
    }

    #[test]
    fn reach_all_covers_own() {
        assert!(Reach::All.covers(Reach::Own));
        assert!(!Reach::Own.covers(Reach::All));
    }
}
