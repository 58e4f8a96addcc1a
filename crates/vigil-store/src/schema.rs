//! The index schema, built from the query field catalogue, and the mapping of one event to a
//! tantivy document.
//!
//! Per catalogue kind:
//! - Keyword: one token per value (the `vigil_keyword` tokenizer: whole value, lowercased) so
//!   matches are exact and case-insensitive; a fast column keeps the value as written for
//!   aggregations.
//! - Text: the default tokenizer with positions (phrases).
//! - Int: i64 fast column; indexed (for term lookups) except counters whose values are nearly
//!   unique (`bytes*`, `packets`), where a term index costs space and range queries use the
//!   column anyway.
//! - Time: i64 fast column only (ranges and sorting run on the column).
//! - Ip: tantivy IP field (IPv4 stored as IPv4-mapped IPv6), indexed and fast.
//!
//! Beside the catalogue: `rule_hit` (ids of the rules that matched, a multi-valued keyword),
//! `_raw` (the original record tokenized for free text, never stored: it is inside the
//! event JSON) and `_event` (the event JSON, stored once in the zstd docstore). `_event` is a
//! stored-only text field: tantivy writes and reads text with one copy, but bytes fields one
//! byte at a time (2-3 µs per event at ingest). Partitions created before were given a bytes
//! field; they keep it (see [`EventEncoding`]).

use std::net::{IpAddr, Ipv6Addr};

use tantivy::schema::{
    Field, IndexRecordOption, IpAddrOptions, NumericOptions, Schema, TantivyDocument,
    TextFieldIndexing, TextOptions, Value as _, STORED,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::Index;
use vigil_query::fields::{FieldDef, FieldKind, CATALOGUE};

use crate::extract::{PathTrie, Scalar};
use crate::record::EventRecord;

/// The tokenizer of keyword fields: the whole value, lowercased.
pub(crate) const KEYWORD_TOKENIZER: &str = "vigil_keyword";
/// The free-text field over the original record.
pub(crate) const RAW_FIELD: &str = "_raw";
/// The stored event JSON.
pub(crate) const EVENT_FIELD: &str = "_event";
/// Keyword values are cut to this many bytes (tantivy caps term length; nobody searches
/// for a whole kilobyte).
pub(crate) const MAX_KEYWORD_BYTES: usize = 1024;

/// The rule hits given at ingest: not in the catalogue (they are not in the event JSON).
pub static RULE_HIT_FIELD: FieldDef = FieldDef {
    name: "rule_hit",
    kind: FieldKind::Keyword,
    paths: &[],
    aliases: &["rule_hits"],
};

/// Int fields whose values are nearly unique: fast column only.
const UNINDEXED_INTS: &[&str] = &["bytes_in", "bytes_out", "bytes", "packets"];

/// Extraction target of `raw_data`.
const RAW_TARGET: u16 = u16::MAX;

/// One named field of the index.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IndexedField {
    pub def: &'static FieldDef,
    pub field: Field,
    /// Has an inverted index (term queries); every named field has a fast column, except
    /// Text fields.
    pub indexed: bool,
}

/// The schema and the field handles.
pub(crate) struct StoreSchema {
    pub schema: Schema,
    /// Catalogue fields in catalogue order, then `rule_hit`.
    pub fields: Vec<IndexedField>,
    pub time: Field,
    pub raw: Field,
    pub event: Field,
    pub rule_hit: Field,
    trie: PathTrie,
}

impl StoreSchema {
    /// The schema; `raw_text_positions` decides whether `_raw` keeps word positions.
    pub(crate) fn new(raw_text_positions: bool) -> StoreSchema {
        let mut builder = Schema::builder();
        let keyword = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(KEYWORD_TOKENIZER)
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            )
            .set_fast("raw");
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("default")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(false),
        );
        let mut fields = Vec::new();
        let mut time = None;
        let mut trie = PathTrie::default();
        for (position, def) in CATALOGUE
            .iter()
            .chain(std::iter::once(&RULE_HIT_FIELD))
            .enumerate()
        {
            let (field, indexed) = match def.kind {
                FieldKind::Keyword => (builder.add_text_field(def.name, keyword.clone()), true),
                FieldKind::Text => (builder.add_text_field(def.name, text.clone()), true),
                FieldKind::Int if UNINDEXED_INTS.contains(&def.name) => (
                    builder.add_i64_field(def.name, NumericOptions::default().set_fast()),
                    false,
                ),
                FieldKind::Int => (
                    builder.add_i64_field(
                        def.name,
                        NumericOptions::default().set_fast().set_indexed(),
                    ),
                    true,
                ),
                FieldKind::Time => {
                    let field =
                        builder.add_i64_field(def.name, NumericOptions::default().set_fast());
                    time = Some(field);
                    (field, false)
                }
                FieldKind::Ip => (
                    builder.add_ip_addr_field(
                        def.name,
                        IpAddrOptions::default().set_indexed().set_fast(),
                    ),
                    true,
                ),
            };
            // Time comes from the stored event's own time, not from the JSON.
            if def.kind != FieldKind::Time {
                let target = u16::try_from(position).expect("the catalogue has few fields");
                for path in def.paths {
                    trie.insert(path, target);
                }
            }
            fields.push(IndexedField {
                def,
                field,
                indexed,
            });
        }
        trie.insert("raw_data", RAW_TARGET);
        let raw_option = if raw_text_positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::Basic
        };
        let raw = builder.add_text_field(
            RAW_FIELD,
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("default")
                    .set_index_option(raw_option)
                    .set_fieldnorms(false),
            ),
        );
        let event = builder.add_text_field(EVENT_FIELD, STORED);
        let rule_hit = fields
            .last()
            .map(|f| f.field)
            .expect("rule_hit was added last");
        StoreSchema {
            schema: builder.build(),
            fields,
            time: time.expect("the catalogue has a time field"),
            raw,
            event,
            rule_hit,
            trie,
        }
    }

    /// Registers the tokenizers the schema names on `index` (they are not persisted).
    pub(crate) fn register_tokenizers(index: &Index) {
        let keyword = TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build();
        index.tokenizers().register(KEYWORD_TOKENIZER, keyword);
    }

    /// The field an analyst's name refers to (canonical name or alias, any case).
    pub(crate) fn lookup(&self, name: &str) -> Option<&IndexedField> {
        self.fields.iter().find(|f| {
            f.def.name.eq_ignore_ascii_case(name)
                || f.def.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// The document for one event. `scratch` is reused between calls. Malformed JSON still
    /// gives a document (time, rule hits, stored bytes and whatever was read before the
    /// error): an acknowledged event is never dropped.
    pub(crate) fn document<'a>(
        &self,
        record: &EventRecord<'a>,
        encoding: EventEncoding,
        scratch: &mut Vec<(u16, Scalar<'a>)>,
    ) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_i64(self.time, record.time_ms);
        match encoding {
            // Invalid UTF-8 can only come from a caller that did not serialize JSON; keep
            // what can be kept rather than drop an acknowledged event.
            EventEncoding::Text => doc.add_text(self.event, String::from_utf8_lossy(record.json)),
            EventEncoding::Bytes => doc.add_bytes(self.event, record.json),
        }
        for rule in &record.rule_ids {
            doc.add_text(self.rule_hit, keyword_value(rule));
        }
        scratch.clear();
        // Errors are tolerated: see above.
        let _ = self.trie.extract(record.json, scratch);
        for (target, value) in scratch.drain(..) {
            if target == RAW_TARGET {
                if let Scalar::Str(text) = value {
                    doc.add_text(self.raw, &text);
                }
                continue;
            }
            let Some(indexed) = self.fields.get(usize::from(target)) else {
                continue;
            };
            add_value(&mut doc, indexed, value);
        }
        doc
    }
}

/// How a partition stores `_event`: text today, bytes in partitions created before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventEncoding {
    Text,
    Bytes,
}

impl EventEncoding {
    /// The encoding `schema` (a partition's own) gives `_event`.
    pub(crate) fn of(schema: &Schema) -> EventEncoding {
        let bytes = schema
            .get_field(EVENT_FIELD)
            .ok()
            .map(|field| schema.get_field_entry(field).field_type())
            .is_some_and(|field_type| matches!(field_type, tantivy::schema::FieldType::Bytes(_)));
        if bytes {
            EventEncoding::Bytes
        } else {
            EventEncoding::Text
        }
    }
}

/// The stored event JSON of a document, whichever the encoding.
pub(crate) fn stored_event_json(document: &TantivyDocument, field: Field) -> Option<&[u8]> {
    let value = document.get_first(field)?;
    value
        .as_str()
        .map(str::as_bytes)
        .or_else(|| value.as_bytes())
}

fn add_value(doc: &mut TantivyDocument, indexed: &IndexedField, value: Scalar<'_>) {
    let field = indexed.field;
    match indexed.def.kind {
        FieldKind::Keyword | FieldKind::Text => match value {
            Scalar::Str(text) if indexed.def.kind == FieldKind::Keyword => {
                doc.add_text(field, keyword_value(&text));
            }
            Scalar::Str(text) => doc.add_text(field, &text),
            Scalar::I64(v) => doc.add_text(field, v.to_string()),
            Scalar::U64(v) => doc.add_text(field, v.to_string()),
            Scalar::F64(v) => doc.add_text(field, v.to_string()),
            Scalar::Bool(v) => doc.add_text(field, if v { "true" } else { "false" }),
        },
        FieldKind::Int | FieldKind::Time => {
            if let Some(number) = scalar_i64(&value) {
                doc.add_i64(field, number);
            }
        }
        FieldKind::Ip => {
            if let Scalar::Str(text) = value {
                if let Some(ip) = parse_ip(&text) {
                    doc.add_ip_addr(field, ip);
                }
            }
        }
    }
}

/// The name of the catalogue's time field (a fast column of every partition).
pub(crate) fn time_field_name() -> &'static str {
    CATALOGUE
        .iter()
        .find(|def| def.kind == FieldKind::Time)
        .map(|def| def.name)
        .expect("the catalogue has a time field")
}

/// The integer an Int field takes from a JSON scalar: numbers (floats truncated, `u64` past
/// `i64::MAX` saturated) and numeric strings; `None` otherwise.
pub(crate) fn scalar_i64(value: &Scalar<'_>) -> Option<i64> {
    match value {
        Scalar::I64(v) => Some(*v),
        Scalar::U64(v) => Some(i64::try_from(*v).unwrap_or(i64::MAX)),
        Scalar::F64(v) if v.is_finite() => Some(*v as i64),
        Scalar::Str(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A keyword value cut to [`MAX_KEYWORD_BYTES`] on a character boundary.
pub(crate) fn keyword_value(text: &str) -> &str {
    if text.len() <= MAX_KEYWORD_BYTES {
        return text;
    }
    let mut end = MAX_KEYWORD_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// An address as the index holds it (IPv4 mapped into IPv6); `None` when not an address.
pub(crate) fn parse_ip(text: &str) -> Option<Ipv6Addr> {
    text.trim().parse::<IpAddr>().ok().map(to_index_ip)
}

/// IPv4 mapped into IPv6, IPv6 as it is.
pub(crate) fn to_index_ip(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// The address as written back to users: IPv4-mapped addresses as IPv4.
pub(crate) fn from_index_ip(ip: Ipv6Addr) -> IpAddr {
    match ip.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(ip),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &[u8]) -> EventRecord<'_> {
        EventRecord {
            time_ms: 5,
            rule_ids: vec!["r1"],
            json,
        }
    }

    #[test]
    fn the_event_is_stored_as_text_and_read_back_whatever_the_encoding() {
        let schema = StoreSchema::new(false);
        assert_eq!(EventEncoding::of(&schema.schema), EventEncoding::Text);
        let json = br#"{"raw_data":"x","action":"Allowed"}"#;
        for encoding in [EventEncoding::Text, EventEncoding::Bytes] {
            let doc = schema.document(&record(json), encoding, &mut Vec::new());
            assert_eq!(
                stored_event_json(&doc, schema.event),
                Some(json.as_slice()),
                "{encoding:?}"
            );
        }
    }

    #[test]
    fn partitions_created_with_a_bytes_event_field_keep_it() {
        // The schema before `_event` became text.
        let mut builder = Schema::builder();
        builder.add_bytes_field(EVENT_FIELD, STORED);
        assert_eq!(EventEncoding::of(&builder.build()), EventEncoding::Bytes);
    }

    #[test]
    fn invalid_utf8_is_kept_as_far_as_it_goes() {
        let schema = StoreSchema::new(false);
        let doc = schema.document(
            &record(b"{\"raw_data\":\"a\xffb\"}"),
            EventEncoding::Text,
            &mut Vec::new(),
        );
        assert_eq!(
            stored_event_json(&doc, schema.event),
            Some("{\"raw_data\":\"a\u{fffd}b\"}".as_bytes())
        );
    }
}
