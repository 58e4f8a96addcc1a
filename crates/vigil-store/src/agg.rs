//! Aggregations over fast fields: a tantivy collector that groups matching documents by
//! key columns and folds count, distinct count, sum, avg, min and max.
//!
//! Per segment, keys are column-local numbers (string ordinals, i64 bits, IPv6 bits) and only
//! become values at harvest, once per group. A single key with only `count()` (`top`, a
//! histogram, `stats count() by dst_port`) counts into a dense array indexed by ordinal or
//! value offset when the column's range is small. Multi-valued keys (the `ip` field holds
//! source, destination and device addresses) count the document once per value.
//! Documents without a value for a key are left out of the groups, as Splunk does.

use std::collections::{HashMap, HashSet};
use std::net::Ipv6Addr;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// How a key column is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Str,
    Int,
    Ip,
    /// An i64 (time) column floored to buckets of this many milliseconds.
    Bucket(i64),
}

/// One group-by key.
#[derive(Clone, Debug)]
pub(crate) struct KeySpec {
    pub field: String,
    pub kind: KeyKind,
}

/// What an aggregation folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AggKind {
    Count,
    CountField,
    DistinctCount,
    Sum,
    Avg,
    Min,
    Max,
}

/// One aggregation: its kind and, except for `count()`, the column it reads.
#[derive(Clone, Debug)]
pub(crate) struct AggSpec {
    pub kind: AggKind,
    pub field: Option<KeySpec>,
}

/// A whole aggregation.
#[derive(Clone, Debug)]
pub(crate) struct AggPlan {
    pub keys: Vec<KeySpec>,
    pub aggs: Vec<AggSpec>,
    pub max_groups: usize,
}

/// A key or distinct value once decoded.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum GroupValue {
    Int(i64),
    Str(String),
    Ip(Ipv6Addr),
}

/// An accumulator.
#[derive(Clone, Debug)]
pub(crate) enum Acc {
    Count(u64),
    Distinct(HashSet<GroupValue>),
    Sum { sum: i128, count: u64 },
    Min(Option<i64>),
    Max(Option<i64>),
}

impl Acc {
    fn merge(&mut self, other: Acc) {
        match (self, other) {
            (Acc::Count(a), Acc::Count(b)) => *a += b,
            (Acc::Distinct(a), Acc::Distinct(b)) => a.extend(b),
            (Acc::Sum { sum, count }, Acc::Sum { sum: s, count: c }) => {
                *sum += s;
                *count += c;
            }
            (Acc::Min(a), Acc::Min(b)) => *a = min_opt(*a, b),
            (Acc::Max(a), Acc::Max(b)) => *a = max_opt(*a, b),
            // Both sides come from the same plan.
            _ => {}
        }
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Groups: key values → accumulators in plan order.
pub(crate) type Groups = HashMap<Vec<GroupValue>, Vec<Acc>>;

/// Merges `from` into `into`; fails past `max_groups`.
pub(crate) fn merge_groups(
    into: &mut Groups,
    from: Groups,
    max_groups: usize,
) -> Result<(), String> {
    for (key, accs) in from {
        match into.get_mut(&key) {
            Some(existing) => {
                for (a, b) in existing.iter_mut().zip(accs) {
                    a.merge(b);
                }
            }
            None => {
                if into.len() >= max_groups {
                    return Err(too_many(max_groups));
                }
                into.insert(key, accs);
            }
        }
    }
    Ok(())
}

fn too_many(max_groups: usize) -> String {
    format!("the aggregation makes more than {max_groups} groups")
}

/// The collector.
pub(crate) struct GroupCollector {
    pub plan: Arc<AggPlan>,
}

enum Reader {
    Str(StrColumn),
    Int(Column<i64>),
    Ip(Column<Ipv6Addr>),
    Bucket(Column<i64>, i64),
    Missing,
}

impl Reader {
    fn open(segment: &SegmentReader, spec: &KeySpec) -> tantivy::Result<Reader> {
        let fast = segment.fast_fields();
        Ok(match spec.kind {
            KeyKind::Str => fast.str(&spec.field)?.map_or(Reader::Missing, Reader::Str),
            KeyKind::Int => fast
                .column_opt::<i64>(&spec.field)?
                .map_or(Reader::Missing, Reader::Int),
            KeyKind::Ip => fast
                .column_opt::<Ipv6Addr>(&spec.field)?
                .map_or(Reader::Missing, Reader::Ip),
            KeyKind::Bucket(span) => fast
                .column_opt::<i64>(&spec.field)?
                .map_or(Reader::Missing, |c| Reader::Bucket(c, span)),
        })
    }

    /// Appends the document's values, encoded, to `out`.
    fn values(&self, doc: DocId, out: &mut Vec<u128>) {
        match self {
            Reader::Str(column) => out.extend(column.term_ords(doc).map(u128::from)),
            Reader::Int(column) => out.extend(column.values_for_doc(doc).map(encode_i64)),
            Reader::Ip(column) => out.extend(column.values_for_doc(doc).map(u128::from)),
            Reader::Bucket(column, span) => out.extend(
                column
                    .values_for_doc(doc)
                    .map(|t| encode_i64(t.div_euclid(*span) * span)),
            ),
            Reader::Missing => {}
        }
    }

    fn numbers(&self, doc: DocId) -> impl Iterator<Item = i64> + '_ {
        let column = match self {
            Reader::Int(column) | Reader::Bucket(column, _) => Some(column),
            _ => None,
        };
        column.into_iter().flat_map(move |c| c.values_for_doc(doc))
    }

    fn decode(&self, value: u128) -> GroupValue {
        match self {
            Reader::Str(column) => {
                let mut text = String::new();
                let _ = column.ord_to_str(value as u64, &mut text);
                GroupValue::Str(text)
            }
            Reader::Ip(_) => GroupValue::Ip(Ipv6Addr::from(value)),
            Reader::Int(_) | Reader::Bucket(..) | Reader::Missing => {
                GroupValue::Int(decode_i64(value))
            }
        }
    }
}

fn encode_i64(v: i64) -> u128 {
    u128::from(v as u64)
}

fn decode_i64(v: u128) -> i64 {
    v as u64 as i64
}

enum SegAcc {
    Count(u64),
    Distinct(HashSet<u128>),
    Sum { sum: i128, count: u64 },
    Min(Option<i64>),
    Max(Option<i64>),
}

/// Dense counting for one key and only `count()`.
struct Dense {
    counts: Vec<u64>,
    /// Encoded key of slot 0 and slot width (1, or the bucket span).
    base: i64,
    step: i64,
}

/// Per-segment state.
pub(crate) struct GroupSegmentCollector {
    plan: Arc<AggPlan>,
    keys: Vec<Reader>,
    agg_readers: Vec<Reader>,
    groups: HashMap<Vec<u128>, Vec<SegAcc>>,
    key_values: Vec<Vec<u128>>,
    combo: Vec<u128>,
    dense: Option<Dense>,
    error: Option<String>,
}

/// Largest dense array (slots) worth allocating per segment.
const MAX_DENSE_SLOTS: i64 = 1 << 20;

impl Collector for GroupCollector {
    type Fruit = Result<Groups, String>;
    type Child = GroupSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<GroupSegmentCollector> {
        let keys = self
            .plan
            .keys
            .iter()
            .map(|spec| Reader::open(segment, spec))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let agg_readers = self
            .plan
            .aggs
            .iter()
            .map(|agg| match &agg.field {
                Some(spec) => Reader::open(segment, spec),
                None => Ok(Reader::Missing),
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        let count_only = self.plan.aggs.iter().all(|a| a.kind == AggKind::Count);
        let dense = match (count_only, keys.as_slice()) {
            (true, [Reader::Str(column)]) => Some(Dense {
                counts: vec![0; column.num_terms()],
                base: 0,
                step: 1,
            }),
            (true, [Reader::Int(column)]) => {
                let (min, max) = (column.min_value(), column.max_value());
                max.checked_sub(min)
                    .filter(|range| *range < MAX_DENSE_SLOTS)
                    .map(|range| Dense {
                        counts: vec![0; range as usize + 1],
                        base: min,
                        step: 1,
                    })
            }
            (true, [Reader::Bucket(column, span)]) => {
                let (min, max) = (column.min_value(), column.max_value());
                let (low, high) = (min.div_euclid(*span), max.div_euclid(*span));
                high.checked_sub(low)
                    .filter(|range| *range < MAX_DENSE_SLOTS)
                    .map(|range| Dense {
                        counts: vec![0; range as usize + 1],
                        base: low * span,
                        step: *span,
                    })
            }
            _ => None,
        };
        Ok(GroupSegmentCollector {
            plan: self.plan.clone(),
            key_values: vec![Vec::new(); keys.len()],
            keys,
            agg_readers,
            groups: HashMap::new(),
            combo: Vec::new(),
            dense,
            error: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut merged = Groups::new();
        for fruit in fruits {
            let groups = match fruit {
                Ok(groups) => groups,
                Err(e) => return Ok(Err(e)),
            };
            if let Err(e) = merge_groups(&mut merged, groups, self.plan.max_groups) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(merged))
    }
}

impl GroupSegmentCollector {
    fn collect_dense(&mut self, doc: DocId) {
        let Some(dense) = self.dense.as_mut() else {
            return;
        };
        match &self.keys[0] {
            Reader::Str(column) => {
                for ord in column.term_ords(doc) {
                    if let Some(slot) = dense.counts.get_mut(ord as usize) {
                        *slot += 1;
                    }
                }
            }
            Reader::Int(column) | Reader::Bucket(column, _) => {
                for value in column.values_for_doc(doc) {
                    let slot = (value - dense.base).div_euclid(dense.step);
                    if let Some(slot) = usize::try_from(slot)
                        .ok()
                        .and_then(|s| dense.counts.get_mut(s))
                    {
                        *slot += 1;
                    }
                }
            }
            Reader::Ip(_) | Reader::Missing => {}
        }
    }

    fn new_accs(&self) -> Vec<SegAcc> {
        self.plan
            .aggs
            .iter()
            .map(|agg| match agg.kind {
                AggKind::Count | AggKind::CountField => SegAcc::Count(0),
                AggKind::DistinctCount => SegAcc::Distinct(HashSet::new()),
                AggKind::Sum | AggKind::Avg => SegAcc::Sum { sum: 0, count: 0 },
                AggKind::Min => SegAcc::Min(None),
                AggKind::Max => SegAcc::Max(None),
            })
            .collect()
    }

    fn fold(&mut self, doc: DocId) {
        if self.error.is_some() {
            return;
        }
        if !self.groups.contains_key(self.combo.as_slice()) {
            if self.groups.len() >= self.plan.max_groups {
                self.error = Some(too_many(self.plan.max_groups));
                return;
            }
            let accs = self.new_accs();
            self.groups.insert(self.combo.clone(), accs);
        }
        let accs = self
            .groups
            .get_mut(self.combo.as_slice())
            .expect("inserted above when missing");
        for ((acc, spec), reader) in accs.iter_mut().zip(&self.plan.aggs).zip(&self.agg_readers) {
            match acc {
                SegAcc::Count(count) => {
                    let counted = match spec.kind {
                        AggKind::CountField => {
                            let mut values = Vec::new();
                            reader.values(doc, &mut values);
                            !values.is_empty()
                        }
                        _ => true,
                    };
                    if counted {
                        *count += 1;
                    }
                }
                SegAcc::Distinct(set) => {
                    let mut values = Vec::new();
                    reader.values(doc, &mut values);
                    set.extend(values);
                }
                SegAcc::Sum { sum, count } => {
                    for value in reader.numbers(doc) {
                        *sum += i128::from(value);
                        *count += 1;
                    }
                }
                SegAcc::Min(min) => {
                    for value in reader.numbers(doc) {
                        *min = min_opt(*min, Some(value));
                    }
                }
                SegAcc::Max(max) => {
                    for value in reader.numbers(doc) {
                        *max = max_opt(*max, Some(value));
                    }
                }
            }
        }
    }
}

impl SegmentCollector for GroupSegmentCollector {
    type Fruit = Result<Groups, String>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.dense.is_some() {
            self.collect_dense(doc);
            return;
        }
        for (reader, values) in self.keys.iter().zip(self.key_values.iter_mut()) {
            values.clear();
            reader.values(doc, values);
            if values.is_empty() {
                return;
            }
        }
        // Every combination of the key values (one, unless a key is multi-valued).
        let mut positions = vec![0usize; self.keys.len()];
        loop {
            self.combo.clear();
            for (values, &position) in self.key_values.iter().zip(&positions) {
                self.combo.push(values[position]);
            }
            self.fold(doc);
            let mut carry = true;
            for (position, values) in positions.iter_mut().zip(&self.key_values).rev() {
                if !carry {
                    break;
                }
                *position += 1;
                if *position < values.len() {
                    carry = false;
                } else {
                    *position = 0;
                }
            }
            if carry {
                break;
            }
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        // Dense count over a single-valued column: batch reads of the first value.
        if let (Some(dense), [Reader::Int(column) | Reader::Bucket(column, _)]) =
            (self.dense.as_mut(), self.keys.as_slice())
        {
            if column.get_cardinality() != Cardinality::Multivalued {
                let mut values = vec![None; docs.len()];
                column.first_vals(docs, &mut values);
                for value in values.into_iter().flatten() {
                    let slot = (value - dense.base).div_euclid(dense.step);
                    if let Some(slot) = usize::try_from(slot)
                        .ok()
                        .and_then(|s| dense.counts.get_mut(s))
                    {
                        *slot += 1;
                    }
                }
                return;
            }
        }
        for &doc in docs {
            self.collect(doc, 0.0);
        }
    }

    fn harvest(self) -> Self::Fruit {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mut groups = Groups::new();
        if let Some(dense) = &self.dense {
            let key_reader = &self.keys[0];
            for (slot, &count) in dense.counts.iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let key = match key_reader {
                    Reader::Str(_) => key_reader.decode(slot as u128),
                    _ => GroupValue::Int(dense.base + slot as i64 * dense.step),
                };
                let accs = vec![Acc::Count(count); self.plan.aggs.len()];
                groups.insert(vec![key], accs);
            }
            return Ok(groups);
        }
        for (key, accs) in self.groups {
            let key: Vec<GroupValue> = key
                .iter()
                .zip(&self.keys)
                .map(|(value, reader)| reader.decode(*value))
                .collect();
            let accs = accs
                .into_iter()
                .zip(&self.agg_readers)
                .map(|(acc, reader)| match acc {
                    SegAcc::Count(c) => Acc::Count(c),
                    SegAcc::Distinct(set) => {
                        Acc::Distinct(set.into_iter().map(|v| reader.decode(v)).collect())
                    }
                    SegAcc::Sum { sum, count } => Acc::Sum { sum, count },
                    SegAcc::Min(v) => Acc::Min(v),
                    SegAcc::Max(v) => Acc::Max(v),
                })
                .collect();
            groups.insert(key, accs);
        }
        Ok(groups)
    }
}
