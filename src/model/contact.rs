//! Contacts (external end users) and audience rules over their attributes.

use crate::model::id::{ContactId, OrgId};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A contact's attributes, synced by the host through its API (`tier = gold`).
pub type Attributes = IndexMap<String, String>;

/// An external end user with no account.
///
/// The system creates a contact when an unknown visitor starts a conversation,
/// or an operator creates one by hand; its attributes drive what it may reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// The contact.
    pub id: ContactId,
    /// The organization it belongs to.
    pub org: OrgId,
    /// How the contact came to exist.
    pub origin: ContactOrigin,
    /// Attributes synced by the host.
    pub attributes: Attributes,
}

/// How a contact was created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContactOrigin {
    /// Created automatically by the system.
    System,
    /// Created manually by an operator.
    Manual,
}

/// A rule over contact attributes that says which contacts a knowledge base
/// or content entry is for.
///
/// Evaluation compares strings in place and never allocates.
///
/// # Examples
///
/// ```
/// use purview::{Attributes, Audience};
///
/// let premium = Audience::one_of("tier", ["gold", "platinum"]);
/// let mut attrs = Attributes::new();
/// attrs.insert("tier".into(), "gold".into());
/// assert!(premium.admits(&attrs));
/// attrs.insert("tier".into(), "silver".into());
/// assert!(!premium.admits(&attrs));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Every contact.
    Everyone,
    /// The attribute is present and equals the value.
    Equals {
        /// Attribute key.
        key: String,
        /// Required value.
        value: String,
    },
    /// The attribute is present and equals one of the values.
    OneOf {
        /// Attribute key.
        key: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// The attribute is present, whatever its value.
    Present {
        /// Attribute key.
        key: String,
    },
    /// Every rule admits the contact (an empty list admits everyone).
    All(Vec<Audience>),
    /// At least one rule admits the contact (an empty list admits nobody).
    Any(Vec<Audience>),
}

impl Audience {
    /// `key = value`.
    #[must_use]
    pub fn equals(key: impl Into<String>, value: impl Into<String>) -> Self {
        Audience::Equals {
            key: key.into(),
            value: value.into(),
        }
    }

    /// `key in [values]`.
    #[must_use]
    pub fn one_of<I, S>(key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Audience::OneOf {
            key: key.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `key` is present.
    #[must_use]
    pub fn present(key: impl Into<String>) -> Self {
        Audience::Present { key: key.into() }
    }

    /// Whether a contact with these attributes is in the audience.
    ///
    /// Combinations nested deeper than [`Audience::MAX_DEPTH`] admit nobody,
    /// so that no rule can exhaust the stack.
    #[inline(always)]
    #[must_use]
    pub fn admits(&self, attributes: &Attributes) -> bool {
        self.admits_at(attributes, 0)
    }

    /// How deep `all`/`any` combinations may nest before they admit nobody.
    pub const MAX_DEPTH: u32 = 32;

    #[inline(always)]
    fn admits_at(&self, attributes: &Attributes, depth: u32) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Equals { key, value } => lookup(attributes, key).is_some_and(|v| v == value),
            Audience::OneOf { key, values } => {
                lookup(attributes, key).is_some_and(|v| values.iter().any(|w| w == v))
            }
            Audience::Present { key } => lookup(attributes, key).is_some(),
            Audience::All(rules) => rules.iter().all(|r| r.admits_nested(attributes, depth + 1)),
            Audience::Any(rules) => rules.iter().any(|r| r.admits_nested(attributes, depth + 1)),
        }
    }

    /// Combinations nest: kept out of line so that a single rule stays small
    /// enough to inline.
    #[inline(never)]
    fn admits_nested(&self, attributes: &Attributes, depth: u32) -> bool {
        depth <= Self::MAX_DEPTH && self.admits_at(attributes, depth)
    }
}

/// A contact carries a handful of attributes: comparing keys in place beats
/// hashing the one asked for. Larger maps use the index.
#[inline(always)]
fn lookup<'a>(attributes: &'a Attributes, key: &str) -> Option<&'a str> {
    if attributes.len() <= 16 {
        attributes
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v.as_str())
    } else {
        lookup_indexed(attributes, key)
    }
}

#[cold]
#[inline(never)]
fn lookup_indexed<'a>(attributes: &'a Attributes, key: &str) -> Option<&'a str> {
    attributes.get(key).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(n: usize) -> Attributes {
        (0..n).map(|i| (format!("k{i}"), format!("v{i}"))).collect()
    }

    #[test]
    fn small_and_large_attribute_maps_answer_alike() {
        for n in [0, 1, 16, 17, 40] {
            let a = attrs(n);
            for i in 0..n + 2 {
                let key = format!("k{i}");
                let value = format!("v{i}");
                let present = i < n;
                assert_eq!(Audience::present(&key).admits(&a), present, "{n} {i}");
                assert_eq!(Audience::equals(&key, &value).admits(&a), present);
                assert!(!Audience::equals(&key, "other").admits(&a));
                assert_eq!(
                    Audience::one_of(&key, ["x", value.as_str()]).admits(&a),
                    present
                );
            }
        }
    }

    #[test]
    fn rules_nested_beyond_the_limit_admit_nobody() {
        let nest = |levels: u32| {
            let mut rule = Audience::Everyone;
            for _ in 0..levels {
                rule = Audience::All(vec![rule]);
            }
            rule
        };
        let a = attrs(1);
        assert!(nest(Audience::MAX_DEPTH).admits(&a));
        assert!(!nest(Audience::MAX_DEPTH + 1).admits(&a));
        assert!(!nest(1000).admits(&a));
    }

    #[test]
    fn empty_combinations() {
        let a = attrs(2);
        assert!(Audience::All(vec![]).admits(&a));
        assert!(!Audience::Any(vec![]).admits(&a));
        assert!(Audience::Everyone.admits(&Attributes::new()));
    }
}
