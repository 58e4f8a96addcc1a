//! The state store through its public API (one test binary, one module per table).

mod alerts;
mod audit;
mod checkpoints;
mod common;
mod concurrency;
mod dead_letters;
mod dedup;
mod migrations;
mod rules;
