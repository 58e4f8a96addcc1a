//! The per-source index: shared matching work and candidate selection.
//!
//! For one source type, every literal-string item of every rule routed there is grouped by
//! field. A field is *probed* at most once per event: its values are looked up once, exact
//! patterns of all rules are answered by one hash lookup of the ASCII-lowercased value, and
//! all other patterns (prefix, suffix, contains) by one Aho-Corasick scan (ASCII
//! case-insensitive; `cased` patterns re-checked at the match position). Each hit stamps a
//! *slot* (one OR-group of one item); an item is true when all its groups are stamped. Rules
//! then read item truth instead of matching again.
//!
//! Candidate selection: each rule is indexed by up to two necessary requirements (see
//! `require.rs`). Fields those requirements use are probed eagerly, before any rule runs;
//! when an atom becomes true, its requirements are marked, and a rule whose requirements are
//! all marked becomes a candidate. Only candidates, plus the rules with no requirement, are
//! evaluated; other fields are probed lazily when a candidate needs them.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::compile::SharedTable;
use super::require::Atom;
use super::scratch::{FastMap, Hit, Scratch, Tables};
use crate::doc::Document;
use crate::modifier::StringPatternKind;

/// Up to this many patterns a field's automaton is a DFA (fastest, but its memory grows with
/// the patterns); beyond, the library chooses.
const MAX_DFA_PATTERNS: usize = 500;

/// Marks "no probe" in [`SourceIndex::item_probe`].
const NO_PROBE: u32 = u32::MAX;

/// One use of a pattern: which slot it stamps and how the hit must be anchored.
#[derive(Debug)]
struct Use {
    slot: u32,
    kind: StringPatternKind,
    /// The exact text, for a case-sensitive pattern (hits are case-insensitive).
    cased: Option<Box<str>>,
}

/// Everything the index does with one field (or with keyword search, `field: None`).
#[derive(Debug, Default)]
struct Probe {
    field: Option<String>,
    /// Exact patterns by ASCII-lowercased text.
    exact: FastMap<Box<str>, Vec<Use>>,
    /// Longest exact text: longer values cannot hit.
    max_exact_len: usize,
    /// Slots any present, non-null value satisfies (empty prefix/suffix/contains texts).
    any_value: Vec<u32>,
    /// Texts of the other patterns, lowercased and unique, then their automaton.
    texts: Vec<String>,
    text_ids: HashMap<String, usize>,
    uses: Vec<Vec<Use>>,
    automaton: Option<AhoCorasick>,
    /// Requirements holding when the field is present.
    present: Vec<u32>,
}

/// The index of one source type.
#[derive(Debug, Default)]
pub(super) struct SourceIndex {
    /// Variants evaluated on this source type, ascending.
    pub variants: Vec<u32>,
    /// Those with no requirement: evaluated on every event.
    pub always: Vec<u32>,
    probes: Vec<Probe>,
    /// Probes of the fields requirements use.
    eager: Vec<u32>,
    /// Probe of each shared item (by shared id), or [`NO_PROBE`].
    item_probe: Vec<u32>,
}

/// What building an index needs to know about one variant.
pub(super) struct VariantEntry<'a> {
    pub id: u32,
    /// Its shared items.
    pub shared: std::ops::Range<u32>,
    /// Its chosen requirements, as global requirement ids with their atoms.
    pub requirements: Vec<(u32, &'a [Atom])>,
}

impl SourceIndex {
    /// Builds the index of the variants in `entries`.
    pub fn build(
        entries: &[VariantEntry<'_>],
        shared: &SharedTable,
        tables: &Tables,
    ) -> SourceIndex {
        let mut index = SourceIndex {
            item_probe: vec![NO_PROBE; shared.items.len()],
            ..SourceIndex::default()
        };
        let mut probe_of_field: HashMap<Option<String>, u32> = HashMap::new();
        let mut probe_id = |index: &mut SourceIndex, field: Option<&str>| -> u32 {
            let key = field.map(str::to_owned);
            if let Some(&id) = probe_of_field.get(&key) {
                return id;
            }
            let id = u32::try_from(index.probes.len()).unwrap_or(NO_PROBE);
            index.probes.push(Probe {
                field: key.clone(),
                ..Probe::default()
            });
            probe_of_field.insert(key, id);
            id
        };
        let mut eager = Vec::new();
        for entry in entries {
            index.variants.push(entry.id);
            if entry.requirements.is_empty() {
                index.always.push(entry.id);
            }
            for id in entry.shared.clone() {
                let Some(item) = shared.items.get(id as usize) else {
                    continue;
                };
                let probe = probe_id(&mut index, item.field.as_deref());
                if let Some(slot) = index.item_probe.get_mut(id as usize) {
                    *slot = probe;
                }
                let first_slot = tables
                    .item_first_slot
                    .get(id as usize)
                    .copied()
                    .unwrap_or(0);
                if let Some(target) = index.probes.get_mut(probe as usize) {
                    for (group, patterns) in item.groups.iter().enumerate() {
                        let slot = first_slot + group as u32;
                        for pattern in patterns {
                            target.add(slot, pattern);
                        }
                    }
                }
            }
            for (requirement, atoms) in &entry.requirements {
                for atom in atoms.iter() {
                    match atom {
                        Atom::Item(id) => {
                            let probe = index.item_probe.get(*id as usize).copied();
                            eager.extend(probe.filter(|&p| p != NO_PROBE));
                        }
                        Atom::Present(field) => {
                            let probe = probe_id(&mut index, Some(field));
                            if let Some(target) = index.probes.get_mut(probe as usize) {
                                target.present.push(*requirement);
                            }
                            eager.push(probe);
                        }
                    }
                }
            }
        }
        eager.sort_unstable();
        eager.dedup();
        index.eager = eager;
        for probe in &mut index.probes {
            probe.finish();
        }
        index
    }

    /// How many probes (fields, and keyword search) the index has.
    pub fn probe_count(&self) -> usize {
        self.probes.len()
    }

    /// The fields probed on every event (`None`: keyword search).
    pub fn eager_fields(&self) -> Vec<Option<&str>> {
        self.eager
            .iter()
            .filter_map(|&p| self.probes.get(p as usize))
            .map(|probe| probe.field.as_deref())
            .collect()
    }

    /// Probes the eager fields of `doc` and leaves in `scratch.candidates` the variants to
    /// evaluate, ascending. Starts a new event in `scratch`.
    pub fn select(&self, doc: &dyn Document, tables: &Tables, scratch: &mut Scratch) {
        scratch.next_event();
        for &probe in &self.eager {
            self.probe(probe, doc, tables, scratch);
        }
        scratch.candidates.extend_from_slice(&self.always);
        scratch.candidates.sort_unstable();
    }

    /// Whether the shared item `id` is true for the current event (probing its field first
    /// if no rule needed it yet).
    pub fn item_true(
        &self,
        id: u32,
        doc: &dyn Document,
        tables: &Tables,
        scratch: &mut Scratch,
    ) -> bool {
        let probe = self
            .item_probe
            .get(id as usize)
            .copied()
            .unwrap_or(NO_PROBE);
        if probe == NO_PROBE {
            return false;
        }
        self.probe(probe, doc, tables, scratch);
        scratch.item_true(id, tables)
    }

    fn probe(&self, id: u32, doc: &dyn Document, tables: &Tables, scratch: &mut Scratch) {
        let Some(probe) = self.probes.get(id as usize) else {
            return;
        };
        if !scratch.start_probe(id) {
            return;
        }
        let mut lower = std::mem::take(&mut scratch.lower);
        match &probe.field {
            Some(path) => {
                let present = doc.field(path, &mut |value| {
                    value.with_text(|text| probe.scan(text, &mut lower, tables, scratch));
                });
                if present {
                    for &requirement in &probe.present {
                        scratch.satisfy(requirement, tables);
                    }
                }
            }
            None => doc.keywords(&mut |text| {
                probe.scan(text, &mut lower, tables, scratch);
                true
            }),
        }
        scratch.lower = lower;
    }
}

impl Probe {
    fn add(&mut self, slot: u32, pattern: &crate::modifier::StringPattern) {
        let cased = pattern.cased.then(|| pattern.text.clone().into_boxed_str());
        let entry = Use {
            slot,
            kind: pattern.kind,
            cased,
        };
        let lowered = pattern.text.to_ascii_lowercase();
        if pattern.kind == StringPatternKind::Exact {
            self.max_exact_len = self.max_exact_len.max(lowered.len());
            self.exact
                .entry(lowered.into_boxed_str())
                .or_default()
                .push(entry);
            return;
        }
        if lowered.is_empty() {
            self.any_value.push(slot);
            return;
        }
        let id = match self.text_ids.get(&lowered) {
            Some(&id) => id,
            None => {
                let id = self.texts.len();
                self.texts.push(lowered.clone());
                self.text_ids.insert(lowered, id);
                self.uses.push(Vec::new());
                id
            }
        };
        if let Some(uses) = self.uses.get_mut(id) {
            uses.push(entry);
        }
    }

    fn finish(&mut self) {
        self.text_ids = HashMap::new();
        if self.texts.is_empty() {
            return;
        }
        // Standard semantics, overlapping search: every occurrence of every pattern.
        self.automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(if self.texts.len() <= MAX_DFA_PATTERNS {
                Some(AhoCorasickKind::DFA)
            } else {
                None
            })
            .build(&self.texts)
            .ok();
        self.texts = Vec::new();
    }

    fn scan(&self, text: &str, lower: &mut String, tables: &Tables, scratch: &mut Scratch) {
        let mut hit = Hit::new(text);
        for &slot in &self.any_value {
            scratch.stamp(slot, tables, &mut hit);
        }
        if !self.exact.is_empty() && text.len() <= self.max_exact_len {
            lower.clear();
            lower.push_str(text);
            lower.make_ascii_lowercase();
            if let Some(uses) = self.exact.get(lower.as_str()) {
                for entry in uses {
                    if entry.cased.as_deref().is_none_or(|cased| cased == text) {
                        scratch.stamp(entry.slot, tables, &mut hit);
                    }
                }
            }
        }
        let Some(automaton) = &self.automaton else {
            return;
        };
        // Most values hit nothing: the unanchored search with its prefilter says so fastest.
        if !automaton.is_match(text) {
            return;
        }
        for found in automaton.find_overlapping_iter(text) {
            let Some(uses) = self.uses.get(found.pattern().as_usize()) else {
                continue;
            };
            for entry in uses {
                let anchored = match entry.kind {
                    StringPatternKind::Contains => true,
                    StringPatternKind::Prefix => found.start() == 0,
                    StringPatternKind::Suffix => found.end() == text.len(),
                    StringPatternKind::Exact => found.start() == 0 && found.end() == text.len(),
                };
                if !anchored {
                    continue;
                }
                if let Some(cased) = entry.cased.as_deref() {
                    if text.get(found.start()..found.end()) != Some(cased) {
                        continue;
                    }
                }
                scratch.stamp(entry.slot, tables, &mut hit);
            }
        }
    }
}
