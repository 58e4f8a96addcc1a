//! The group table: every open group of every correlation, with least-recently-updated
//! order for eviction.
//!
//! Layout: a hash index from the packed group key to a slot of a slab; slots are linked in
//! update order (intrusive doubly linked list of `u32` indices), so touching, evicting and
//! inserting are O(1). The key is stored twice (index and slot): a second small allocation
//! per group, traded for a plain `std` map (see the memory measurement in the bench).

use std::collections::HashMap;

use super::window::Window;

const NONE: u32 = u32::MAX;

/// One group's state.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    /// Newest event time seen for the group (lateness and eviction reference).
    pub newest_ms: i64,
    /// The observations in the window.
    pub window: Window,
}

#[derive(Clone, Debug)]
struct Slot {
    key: Box<[u8]>,
    /// Towards the most recently updated end.
    newer: u32,
    /// Towards the least recently updated end.
    older: u32,
    group: Group,
}

/// All groups, keyed by packed group key, in update order.
#[derive(Clone, Debug, Default)]
pub(crate) struct GroupTable {
    index: HashMap<Box<[u8]>, u32>,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    newest: Option<u32>,
    oldest: Option<u32>,
}

impl GroupTable {
    /// Number of groups.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// The slot of `key`.
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        self.index.get(key).copied()
    }

    /// The group in `slot`.
    pub fn group(&self, slot: u32) -> Option<&Group> {
        self.slot(slot).map(|s| &s.group)
    }

    /// The group in `slot`, mutably.
    pub fn group_mut(&mut self, slot: u32) -> Option<&mut Group> {
        self.slots
            .get_mut(slot as usize)
            .and_then(Option::as_mut)
            .map(|s| &mut s.group)
    }

    /// The packed key of `slot`.
    pub fn key(&self, slot: u32) -> Option<&[u8]> {
        self.slot(slot).map(|s| &*s.key)
    }

    /// The least recently updated group.
    pub fn oldest(&self) -> Option<u32> {
        self.oldest
    }

    fn slot(&self, slot: u32) -> Option<&Slot> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Adds a group as the most recently updated; the caller enforces the group limit. `None`
    /// when the slab is full (`u32::MAX` groups).
    pub fn insert(&mut self, key: &[u8], group: Group) -> Option<u32> {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&s| s != NONE)?;
                self.slots.push(None);
                slot
            }
        };
        let key: Box<[u8]> = key.into();
        self.index.insert(key.clone(), slot);
        self.slots[slot as usize] = Some(Slot {
            key,
            newer: NONE,
            older: NONE,
            group,
        });
        self.link_newest(slot);
        Some(slot)
    }

    /// Marks `slot` as the most recently updated.
    pub fn touch(&mut self, slot: u32) {
        if self.newest == Some(slot) || self.slot(slot).is_none() {
            return;
        }
        self.unlink(slot);
        self.link_newest(slot);
    }

    /// Removes the group in `slot`.
    pub fn remove(&mut self, slot: u32) -> Option<Group> {
        self.slot(slot)?;
        self.unlink(slot);
        let removed = self.slots.get_mut(slot as usize)?.take()?;
        self.index.remove(&removed.key);
        self.free.push(slot);
        if self.index.is_empty() {
            // Nothing left: give the slab back too.
            *self = GroupTable::default();
        }
        Some(removed.group)
    }

    /// Slots from least to most recently updated.
    pub fn slots_oldest_first(&self) -> Vec<u32> {
        let mut order = Vec::with_capacity(self.len());
        let mut cursor = self.oldest;
        while let Some(slot) = cursor {
            order.push(slot);
            cursor = self.slot(slot).and_then(|s| link(s.newer));
        }
        order
    }

    /// Heap bytes from capacities: index, slab, keys and windows (allocator overhead and
    /// per-allocation rounding not included).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let index = self.index.capacity() * (size_of::<(Box<[u8]>, u32)>() + 1);
        let slab = self.slots.capacity() * size_of::<Option<Slot>>() + self.free.capacity() * 4;
        let per_group: usize = self
            .slots
            .iter()
            .flatten()
            .map(|slot| 2 * slot.key.len() + slot.group.window.heap_bytes())
            .sum();
        index + slab + per_group
    }

    fn link_newest(&mut self, slot: u32) {
        let previous_newest = self.newest;
        if let Some(Some(entry)) = self.slots.get_mut(slot as usize) {
            entry.older = previous_newest.unwrap_or(NONE);
            entry.newer = NONE;
        }
        if let Some(previous) = previous_newest {
            if let Some(Some(entry)) = self.slots.get_mut(previous as usize) {
                entry.newer = slot;
            }
        }
        self.newest = Some(slot);
        if self.oldest.is_none() {
            self.oldest = Some(slot);
        }
    }

    fn unlink(&mut self, slot: u32) {
        let Some(entry) = self.slot(slot) else {
            return;
        };
        let (newer, older) = (link(entry.newer), link(entry.older));
        match newer {
            Some(newer) => {
                if let Some(Some(entry)) = self.slots.get_mut(newer as usize) {
                    entry.older = older.unwrap_or(NONE);
                }
            }
            None => self.newest = older,
        }
        match older {
            Some(older) => {
                if let Some(Some(entry)) = self.slots.get_mut(older as usize) {
                    entry.newer = newer.unwrap_or(NONE);
                }
            }
            None => self.oldest = newer,
        }
    }
}

fn link(slot: u32) -> Option<u32> {
    (slot != NONE).then_some(slot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::CorrelationType;

    fn group() -> Group {
        Group {
            newest_ms: 0,
            window: Window::new(CorrelationType::EventCount, 1),
        }
    }

    #[test]
    fn touch_and_remove_keep_update_order() {
        let mut table = GroupTable::default();
        let a = table.insert(b"a", group()).unwrap();
        let b = table.insert(b"b", group()).unwrap();
        let c = table.insert(b"c", group()).unwrap();
        assert_eq!(table.slots_oldest_first(), vec![a, b, c]);
        table.touch(a);
        assert_eq!(table.slots_oldest_first(), vec![b, c, a]);
        table.remove(c);
        assert_eq!(table.slots_oldest_first(), vec![b, a]);
        assert_eq!(table.oldest(), Some(b));
        let d = table.insert(b"d", group()).unwrap();
        assert_eq!(d, c, "freed slots are reused");
        assert_eq!(table.find(b"d"), Some(d));
        assert_eq!(table.find(b"c"), None);
        table.remove(b);
        table.remove(a);
        table.remove(d);
        assert_eq!(table.len(), 0);
        assert_eq!(table.oldest(), None);
    }
}
