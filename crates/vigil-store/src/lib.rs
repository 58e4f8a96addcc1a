//! Event store: write-ahead log, time-partitioned tantivy indexes, retention, search and aggregations.
