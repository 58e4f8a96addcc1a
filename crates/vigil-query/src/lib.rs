//! The search language analysts type: a Lucene-like filter (`src_ip:10.0.0.0/8 AND
//! status:failure AND NOT user:svc-*`) followed by pipes (`| stats count() by dst_port | sort
//! -count | head 10`).
//!
//! This crate owns the grammar ([`parse`]), the syntax tree ([`ast`]), and the field catalogue
//! ([`fields`]: analyst names → OCSF paths and kinds). It knows no index: `vigil-store`
//! compiles the tree to tantivy queries and aggregations. It must not know storage, IO or
//! clocks.

pub mod ast;
pub mod fields;
