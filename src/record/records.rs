//! [`Records`]: an organization's records of one kind, by id, in the order
//! they were first written, as a persistent map.

use std::fmt;
use std::hash::Hash;

/// Records by id, in the order they were first written (a record written
/// again keeps its place; one removed and written again goes to the end).
///
/// A persistent map: a copy shares every record with the original, so
/// copying an organization's state costs the same with 10 members or
/// 100,000, and a copy that changes pays for what it changes only. Looking a
/// record up, writing and removing one cost O(log n); iterating goes in
/// order.
///
/// Two `Records` are equal when they hold the same records in the same
/// order.
#[derive(Clone)]
pub struct Records<K: Clone + Hash + Eq, V: Clone> {
    /// Each record with its place.
    by_id: imbl::HashMap<K, (u64, V)>,
    /// Ids by place.
    order: imbl::OrdMap<u64, K>,
    /// The next place.
    next: u64,
}

impl<K: Clone + Hash + Eq, V: Clone> Default for Records<K, V> {
    fn default() -> Self {
        Records {
            by_id: imbl::HashMap::new(),
            order: imbl::OrdMap::new(),
            next: 0,
        }
    }
}

impl<K: Clone + Hash + Eq, V: Clone> Records<K, V> {
    /// No records.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The record with this id.
    #[must_use]
    pub fn get(&self, id: &K) -> Option<&V> {
        self.by_id.get(id).map(|(_, v)| v)
    }

    /// The record's place in the order: records sort by it as they iterate.
    #[must_use]
    pub fn place(&self, id: &K) -> Option<u64> {
        self.by_id.get(id).map(|(place, _)| *place)
    }

    /// Whether a record has this id.
    #[must_use]
    pub fn contains_key(&self, id: &K) -> bool {
        self.by_id.contains_key(id)
    }

    /// Writes a record: in its place if the id is there, else at the end.
    /// Returns the record it replaced.
    pub fn insert(&mut self, id: K, value: V) -> Option<V> {
        if let Some((_, old)) = self.by_id.get_mut(&id) {
            return Some(std::mem::replace(old, value));
        }
        let place = self.next;
        self.next += 1;
        self.order.insert(place, id.clone());
        self.by_id.insert(id, (place, value));
        None
    }

    /// Removes a record; the others keep their order.
    pub fn remove(&mut self, id: &K) -> Option<V> {
        let (place, value) = self.by_id.remove(id)?;
        self.order.remove(&place);
        Some(value)
    }

    /// Ids and records, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + '_ {
        self.order
            .values()
            .filter_map(move |id| self.by_id.get(id).map(|(_, v)| (id, v)))
    }

    /// Ids, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + '_ {
        self.order.values()
    }

    /// Records, in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + '_ {
        self.iter().map(|(_, v)| v)
    }

    /// The last record written at the end.
    #[must_use]
    pub fn last(&self) -> Option<(&K, &V)> {
        self.iter().next_back()
    }
}

impl<K: Clone + Hash + Eq, V: Clone> FromIterator<(K, V)> for Records<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut records = Records::new();
        for (k, v) in iter {
            records.insert(k, v);
        }
        records
    }
}

impl<K: Clone + Hash + Eq, V: Clone + PartialEq> PartialEq for Records<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<K: Clone + Hash + Eq, V: Clone + Eq> Eq for Records<K, V> {}

impl<K: Clone + Hash + Eq + fmt::Debug, V: Clone + fmt::Debug> fmt::Debug for Records<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// `records[&id]`, as with a map.
///
/// # Panics
///
/// When no record has the id; [`Records::get`] is the lookup that cannot
/// fail.
impl<K: Clone + Hash + Eq, V: Clone> std::ops::Index<&K> for Records<K, V> {
    type Output = V;

    #[allow(clippy::panic)]
    fn index(&self, id: &K) -> &V {
        match self.get(id) {
            Some(v) => v,
            None => panic!("no record with this id"),
        }
    }
}

impl<'a, K: Clone + Hash + Eq, V: Clone> IntoIterator for &'a Records<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Box<dyn DoubleEndedIterator<Item = (&'a K, &'a V)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::Records;

    #[test]
    fn records_keep_the_order_they_were_first_written_in() {
        let mut r: Records<u64, &str> = Records::new();
        assert!(r.is_empty());
        r.insert(3, "c");
        r.insert(1, "a");
        r.insert(2, "b");
        assert_eq!(r.insert(1, "A"), Some("a"));
        assert_eq!(r.keys().copied().collect::<Vec<_>>(), [3, 1, 2]);
        assert_eq!(r.remove(&3), Some("c"));
        assert_eq!(r.remove(&3), None);
        r.insert(3, "C");
        assert_eq!(
            r.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [(1, "A"), (2, "b"), (3, "C")]
        );
        assert_eq!(r.last(), Some((&3, &"C")));
        assert_eq!(r.get(&2), Some(&"b"));
        assert!(r.contains_key(&1) && !r.contains_key(&9));
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn a_copy_moves_apart_from_its_original_and_equality_sees_order() {
        let original: Records<u64, u64> = (0..1_000).map(|i| (i, i)).collect();
        let mut copy = original.clone();
        copy.remove(&500);
        copy.insert(1_000, 1_000);
        assert_eq!(original.len(), 1_000);
        assert_eq!(original.get(&500), Some(&500));
        assert_eq!(copy.get(&500), None);
        assert_ne!(copy, original);
        // The same records in another order are not equal.
        let a: Records<u64, u64> = [(1, 1), (2, 2)].into_iter().collect();
        let b: Records<u64, u64> = [(2, 2), (1, 1)].into_iter().collect();
        assert_ne!(a, b);
        let c: Records<u64, u64> = [(1, 1), (2, 2)].into_iter().collect();
        assert_eq!(a, c);
    }
}
