//! Per-event working memory, reused across events: stamps instead of clearing.
//!
//! Every array holds the *epoch* (event number) at which its entry was last set; an entry
//! counts only when its stamp equals the current epoch, so starting an event is one increment,
//! not a clear of arrays as long as the rule set.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with a fast non-cryptographic hash. Keys are rule patterns (not attacker
/// controlled), and lookups of hostile values cannot make the table degenerate.
pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The `rustc` "Fx" hash: a multiply-rotate over 8-byte words.
#[derive(Default)]
pub(super) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The rule-set-wide tables the stamps refer to.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    /// The item each slot (one OR-group of a shared item) belongs to.
    pub slot_item: Vec<u32>,
    /// Each shared item's first slot; its slots are consecutive.
    pub item_first_slot: Vec<u32>,
    /// Each shared item's number of groups (slots).
    pub item_groups: Vec<u16>,
    /// The requirements each shared item is an atom of.
    pub item_requirements: Vec<Vec<u32>>,
    /// The variant each requirement belongs to.
    pub requirement_variant: Vec<u32>,
    /// How many requirements each variant has.
    pub variant_requirements: Vec<u16>,
    /// The number of probes of the largest source index.
    pub max_probes: usize,
}

/// Working memory for evaluating events with one [`super::CompiledRuleSet`] (or several:
/// it grows to fit). Keep one per thread and pass it to
/// [`super::CompiledRuleSet::evaluate_with`].
#[derive(Debug, Default)]
pub struct Scratch {
    epoch: u32,
    slot_stamp: Vec<u32>,
    item_stamp: Vec<u32>,
    item_count: Vec<u16>,
    probe_stamp: Vec<u32>,
    requirement_stamp: Vec<u32>,
    variant_stamp: Vec<u32>,
    variant_count: Vec<u16>,
    /// The first value that made each shared item true (a range of `texts`), for evidence.
    item_text_stamp: Vec<u32>,
    item_text: Vec<(u32, u32)>,
    texts: String,
    /// Variants to evaluate for the current event.
    pub(super) candidates: Vec<u32>,
    /// A buffer for lowercased values.
    pub(super) lower: String,
}

impl Scratch {
    /// Empty working memory; it sizes itself on first use.
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// Grows the arrays to fit `tables`.
    pub(super) fn fit(&mut self, tables: &Tables) {
        grow(&mut self.slot_stamp, tables.slot_item.len());
        grow(&mut self.item_stamp, tables.item_groups.len());
        grow(&mut self.item_count, tables.item_groups.len());
        grow(&mut self.item_text_stamp, tables.item_groups.len());
        grow(&mut self.item_text, tables.item_groups.len());
        grow(&mut self.probe_stamp, tables.max_probes);
        grow(
            &mut self.requirement_stamp,
            tables.requirement_variant.len(),
        );
        grow(&mut self.variant_stamp, tables.variant_requirements.len());
        grow(&mut self.variant_count, tables.variant_requirements.len());
    }

    /// Starts a new event.
    pub(super) fn next_event(&mut self) {
        self.candidates.clear();
        self.texts.clear();
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // After 2^32 events: forget every stamp once rather than misread an old one.
            for stamps in [
                &mut self.slot_stamp,
                &mut self.item_stamp,
                &mut self.item_text_stamp,
                &mut self.probe_stamp,
                &mut self.requirement_stamp,
                &mut self.variant_stamp,
            ] {
                stamps.fill(0);
            }
            self.epoch = 1;
        }
    }

    /// Marks probe `id` done for this event; false when it already was.
    #[inline]
    pub(super) fn start_probe(&mut self, id: u32) -> bool {
        match self.probe_stamp.get_mut(id as usize) {
            Some(stamp) if *stamp != self.epoch => {
                *stamp = self.epoch;
                true
            }
            _ => false,
        }
    }

    /// Records a hit of `hit`'s text on `slot`; when that completes its item, satisfies the
    /// item's requirements. The item keeps the first text that hit it, for evidence.
    #[inline]
    pub(super) fn stamp(&mut self, slot: u32, tables: &Tables, hit: &mut Hit<'_>) {
        let epoch = self.epoch;
        match self.slot_stamp.get_mut(slot as usize) {
            Some(stamp) if *stamp != epoch => *stamp = epoch,
            _ => return,
        }
        let Some(&item) = tables.slot_item.get(slot as usize) else {
            return;
        };
        let i = item as usize;
        if let (Some(stamp), Some(range)) =
            (self.item_text_stamp.get_mut(i), self.item_text.get_mut(i))
        {
            if *stamp != epoch {
                *stamp = epoch;
                *range = hit.range(&mut self.texts);
            }
        }
        let (Some(stamp), Some(count)) = (self.item_stamp.get_mut(i), self.item_count.get_mut(i))
        else {
            return;
        };
        if *stamp != epoch {
            *stamp = epoch;
            *count = 0;
        }
        *count += 1;
        if Some(&*count) == tables.item_groups.get(i) {
            if let Some(requirements) = tables.item_requirements.get(i) {
                for &requirement in requirements {
                    self.satisfy(requirement, tables);
                }
            }
        }
    }

    /// The first text that hit shared item `id` in this event, if any.
    pub(super) fn item_text(&self, id: u32) -> Option<&str> {
        let i = id as usize;
        if self.item_text_stamp.get(i) != Some(&self.epoch) {
            return None;
        }
        let &(start, end) = self.item_text.get(i)?;
        self.texts.get(start as usize..end as usize)
    }

    /// Whether shared item `id` is true for this event (its field must have been probed).
    #[inline]
    pub(super) fn item_true(&self, id: u32, tables: &Tables) -> bool {
        let i = id as usize;
        self.item_stamp.get(i) == Some(&self.epoch)
            && self.item_count.get(i) == tables.item_groups.get(i)
    }

    /// Marks a requirement as holding; a variant whose requirements all hold becomes a
    /// candidate.
    pub(super) fn satisfy(&mut self, requirement: u32, tables: &Tables) {
        let epoch = self.epoch;
        match self.requirement_stamp.get_mut(requirement as usize) {
            Some(stamp) if *stamp != epoch => *stamp = epoch,
            _ => return,
        }
        let Some(&variant) = tables.requirement_variant.get(requirement as usize) else {
            return;
        };
        let v = variant as usize;
        let (Some(stamp), Some(count)) =
            (self.variant_stamp.get_mut(v), self.variant_count.get_mut(v))
        else {
            return;
        };
        if *stamp != epoch {
            *stamp = epoch;
            *count = 0;
        }
        *count += 1;
        if Some(&*count) == tables.variant_requirements.get(v) {
            self.candidates.push(variant);
        }
    }
}

/// The value being scanned, copied into the scratch's text buffer once, on its first hit.
pub(super) struct Hit<'t> {
    text: &'t str,
    range: Option<(u32, u32)>,
}

impl<'t> Hit<'t> {
    /// Evidence keeps at most this many bytes of a value.
    const MAX_BYTES: usize = 4096;

    pub(super) fn new(text: &'t str) -> Hit<'t> {
        Hit { text, range: None }
    }

    fn range(&mut self, texts: &mut String) -> (u32, u32) {
        if let Some(range) = self.range {
            return range;
        }
        let mut end = self.text.len().min(Hit::MAX_BYTES);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let start = u32::try_from(texts.len()).unwrap_or(u32::MAX);
        texts.push_str(self.text.get(..end).unwrap_or_default());
        let range = (start, u32::try_from(texts.len()).unwrap_or(u32::MAX));
        self.range = Some(range);
        range
    }
}

fn grow<T: Default + Clone>(values: &mut Vec<T>, len: usize) {
    if values.len() < len {
        values.resize(len, T::default());
    }
}
