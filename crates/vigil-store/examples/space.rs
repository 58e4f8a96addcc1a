//! Where a store's bytes go: per partition component (docstore, postings, terms, positions,
//! fast columns) and per field, largest first.
//!
//! `cargo run --release -p vigil-store --example space -- <store dir>` (for instance one kept
//! by `measure --dir`).

use std::collections::BTreeMap;

use tantivy::space_usage::PerFieldSpaceUsage;
use tantivy::Index;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: space <store dir>");
    let mut by_field: BTreeMap<(String, &str), u64> = BTreeMap::new();
    let mut docstore = 0u64;
    let partitions = std::fs::read_dir(std::path::Path::new(&dir).join("partitions"))
        .expect("a store directory");
    for partition in partitions.flatten() {
        let index = Index::open_in_dir(partition.path()).expect("a partition");
        let searcher = index.reader().expect("a reader").searcher();
        let usage = searcher.space_usage().expect("space usage");
        for segment in usage.segments() {
            let mut add = |component: &'static str, per_field: &PerFieldSpaceUsage| {
                for field in per_field.fields() {
                    *by_field
                        .entry((field.field_name().to_owned(), component))
                        .or_default() += field.total().get_bytes();
                }
            };
            add("postings", segment.postings());
            add("terms", segment.termdict());
            add("positions", segment.positions());
            add("fast", segment.fast_fields());
            docstore += segment.store().total().get_bytes();
        }
    }
    let mut rows: Vec<_> = by_field.into_iter().filter(|(_, b)| *b > 0).collect();
    rows.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
    println!("{:<28} {:>12}", "docstore", docstore);
    for ((field, component), bytes) in rows {
        println!("{:<28} {bytes:>12}", format!("{field} {component}"));
    }
}
