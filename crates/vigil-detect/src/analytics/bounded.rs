//! A map with a hard entry cap that evicts its least recently seen entries, and counts them.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// One entry and when (event time, ms) it was last touched.
#[derive(Debug)]
struct Slot<V> {
    last_seen_ms: i64,
    value: V,
}

/// At most `cap` entries. When full, inserting evicts the eighth of the
/// entries seen longest ago (by event time), so eviction costs O(n) once per n/8 inserts:
/// constant per insert, amortized. Keys come from the monitored traffic, so the map keeps
/// std's randomly keyed hasher (no hash flooding).
#[derive(Debug)]
pub(super) struct BoundedMap<K, V> {
    map: HashMap<K, Slot<V>>,
    cap: usize,
    evicted: u64,
}

impl<K: Hash + Eq, V> BoundedMap<K, V> {
    /// An empty map holding at most `cap` (at least 1) entries.
    pub(super) fn new(cap: usize) -> BoundedMap<K, V> {
        BoundedMap {
            map: HashMap::new(),
            cap: cap.max(1),
            evicted: 0,
        }
    }

    /// The entry of `key`, created by `make` when absent (evicting first when full); marks it
    /// seen at `now_ms`.
    pub(super) fn entry<Q>(&mut self, key: &Q, now_ms: i64, make: impl FnOnce() -> V) -> &mut V
    where
        Q: ToOwned + Hash + Eq + ?Sized,
        K: Borrow<Q> + From<Q::Owned>,
    {
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.evict();
            }
            self.map.insert(
                K::from(key.to_owned()),
                Slot {
                    last_seen_ms: now_ms,
                    value: make(),
                },
            );
        }
        let slot = self
            .map
            .get_mut(key)
            .expect("the key is present: found or just inserted");
        slot.last_seen_ms = slot.last_seen_ms.max(now_ms);
        &mut slot.value
    }

    /// How many entries.
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    /// How many entries were evicted so far.
    pub(super) fn evicted(&self) -> u64 {
        self.evicted
    }

    fn evict(&mut self) {
        let count = (self.cap / 8).max(1);
        let mut times: Vec<i64> = self.map.values().map(|s| s.last_seen_ms).collect();
        let (_, &mut cutoff, _) = times.select_nth_unstable(count - 1);
        let before = self.map.len();
        // Ties at the cutoff go too: at least `count` entries leave.
        self.map.retain(|_, slot| slot.last_seen_ms > cutoff);
        self.evicted += (before - self.map.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_seen_entries_leave_first() {
        let mut map: BoundedMap<Box<str>, i32> = BoundedMap::new(16);
        for i in 0..16 {
            *map.entry(format!("k{i}").as_str(), i, || 0) += 1;
        }
        // Touch k0 so k1 and k2 are the oldest: the new key evicts them (an eighth of 16).
        *map.entry("k0", 100, || 0) += 1;
        *map.entry("new", 101, || 0) += 1;
        assert_eq!(map.len(), 15);
        assert_eq!(map.evicted(), 2);
        assert!(map.map.contains_key("k0"));
        assert!(!map.map.contains_key("k1"));
        assert!(!map.map.contains_key("k2"));
        assert!(map.map.contains_key("k3"));
        for i in 0..1000 {
            map.entry(format!("more{i}").as_str(), 200 + i, || 0);
        }
        assert!(map.len() <= 16);
        assert_eq!(map.evicted() as usize + map.len(), 1017);
    }
}
