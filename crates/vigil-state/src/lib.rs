//! State store: alerts, rules, source checkpoints, dead letters and the audit log, in SQLite (WAL).
