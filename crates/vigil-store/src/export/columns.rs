//! The lake export's columns: the Arrow schema, and a builder that turns stored documents
//! into `RecordBatch`es.
//!
//! `time` and `rule_hits` come from the index (the event's stored time and the rule hits
//! given at ingest are not in the JSON); every other named column is read from the event
//! JSON through the field catalogue's paths with the same one-pass extractor the indexer uses
//! ([`PathTrie`]); `event` is the JSON itself.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use vigil_query::fields::{self, FieldDef, FieldKind};

use crate::extract::{PathTrie, Scalar};
use crate::schema::scalar_i64;

/// Catalogue fields exported as columns, in column order (after `time`).
const CATALOGUE_COLUMNS: &[&str] = &[
    "source_type",
    "class_uid",
    "severity_id",
    "src_ip",
    "dst_ip",
    "src_port",
    "dst_port",
    "user",
    "operation",
    "action",
    "status",
];

/// A field's paths are ranked by their position in the catalogue (the first path wins when
/// several hold a value): target = column × `PATH_SLOTS` + rank.
const PATH_SLOTS: usize = 8;

/// The column of the time.
pub(crate) const TIME_COLUMN: &str = "time";
/// The column of the rule hits.
pub(crate) const RULE_HITS_COLUMN: &str = "rule_hits";
/// The column of the event JSON.
pub(crate) const EVENT_COLUMN: &str = "event";

/// The export's columns and the extractor of the JSON ones. Built once per export.
pub(crate) struct ExportColumns {
    schema: SchemaRef,
    defs: Vec<&'static FieldDef>,
    trie: PathTrie,
}

impl ExportColumns {
    pub(crate) fn new() -> ExportColumns {
        let mut defs = Vec::new();
        let mut trie = PathTrie::default();
        let mut columns = vec![Field::new(
            TIME_COLUMN,
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        )];
        for (column, name) in CATALOGUE_COLUMNS.iter().enumerate() {
            let def = fields::lookup(name).expect("export columns name catalogue fields");
            assert!(def.paths.len() <= PATH_SLOTS, "`{name}` has too many paths");
            for (rank, path) in def.paths.iter().enumerate() {
                let target = u16::try_from(column * PATH_SLOTS + rank).expect("few export columns");
                trie.insert(path, target);
            }
            let data_type = match def.kind {
                FieldKind::Int => DataType::Int64,
                // IPs are exported as written: engines without an address type read strings.
                FieldKind::Keyword | FieldKind::Text | FieldKind::Ip | FieldKind::Time => {
                    DataType::Utf8
                }
            };
            columns.push(Field::new(def.name, data_type, true));
            defs.push(def);
        }
        columns.push(Field::new(
            RULE_HITS_COLUMN,
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ));
        columns.push(Field::new(EVENT_COLUMN, DataType::Utf8, false));
        ExportColumns {
            schema: Arc::new(Schema::new(columns)),
            defs,
            trie,
        }
    }

    /// The Arrow schema of every exported file.
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// An empty batch builder.
    pub(crate) fn builder(&self, capacity: usize) -> BatchBuilder<'_> {
        BatchBuilder {
            columns: self,
            time: TimestampMillisecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            values: self
                .defs
                .iter()
                .map(|def| match def.kind {
                    FieldKind::Int => ValueBuilder::Int(Int64Builder::with_capacity(capacity)),
                    _ => ValueBuilder::Str(StringBuilder::new()),
                })
                .collect(),
            rule_hits: ListBuilder::new(StringBuilder::new()),
            event: StringBuilder::new(),
            rows: 0,
        }
    }
}

enum ValueBuilder {
    Int(Int64Builder),
    Str(StringBuilder),
}

/// Rows of one batch being built.
pub(crate) struct BatchBuilder<'c> {
    columns: &'c ExportColumns,
    time: TimestampMillisecondBuilder,
    values: Vec<ValueBuilder>,
    rule_hits: ListBuilder<StringBuilder>,
    event: StringBuilder,
    rows: usize,
}

impl BatchBuilder<'_> {
    /// Rows added since the last [`BatchBuilder::finish`].
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Adds one stored event. Malformed JSON still gives a row (the values read before the
    /// error, and the JSON as stored), as the index does.
    pub(crate) fn push(&mut self, time_ms: i64, rule_ids: &[String], json: &str) {
        self.time.append_value(time_ms);
        let mut found: Vec<(u16, Scalar<'_>)> = Vec::new();
        // Errors are tolerated: see above.
        let _ = self.columns.trie.extract(json.as_bytes(), &mut found);
        for (column, builder) in self.values.iter_mut().enumerate() {
            // The value of the best-ranked path, the first found among equals.
            let best = found
                .iter()
                .filter(|(target, _)| usize::from(*target) / PATH_SLOTS == column)
                .min_by_key(|(target, _)| *target)
                .map(|(_, value)| value);
            match builder {
                ValueBuilder::Int(ints) => ints.append_option(best.and_then(scalar_i64)),
                ValueBuilder::Str(strings) => match best {
                    Some(value) => strings.append_value(scalar_text(value)),
                    None => strings.append_null(),
                },
            }
        }
        for rule_id in rule_ids {
            self.rule_hits.values().append_value(rule_id);
        }
        self.rule_hits.append(true);
        self.event.append_value(json);
        self.rows += 1;
    }

    /// The rows added so far as one batch; the builder is empty again.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.values.len() + 3);
        arrays.push(Arc::new(self.time.finish()));
        for builder in &mut self.values {
            match builder {
                ValueBuilder::Int(ints) => arrays.push(Arc::new(ints.finish())),
                ValueBuilder::Str(strings) => arrays.push(Arc::new(strings.finish())),
            }
        }
        arrays.push(Arc::new(self.rule_hits.finish()));
        arrays.push(Arc::new(self.event.finish()));
        self.rows = 0;
        RecordBatch::try_new(self.columns.schema(), arrays)
    }
}

/// A scalar as column text: strings as they are, numbers and booleans as JSON writes them.
fn scalar_text(value: &Scalar<'_>) -> String {
    match value {
        Scalar::Str(text) => text.to_string(),
        Scalar::I64(v) => v.to_string(),
        Scalar::U64(v) => v.to_string(),
        Scalar::F64(v) => v.to_string(),
        Scalar::Bool(v) => v.to_string(),
    }
}
