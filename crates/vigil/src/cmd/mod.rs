//! Subcommands. Exit codes, shared by all of them:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | everything read was normalized |
//! | 1 | finished, but some records were rejected (see the summary and the dead-letter file) |
//! | 2 | an error: bad arguments, an input that could not be opened or read, an output that could not be written |

pub mod demo;
pub mod generate;
pub mod hunt;
pub mod parse;
mod rule_files;
pub mod rules;
pub mod search;
pub mod serve;
pub mod simulate;
mod summary;

/// Everything read was normalized.
pub const EXIT_OK: u8 = 0;
/// Some records were rejected.
pub const EXIT_REJECTED: u8 = 1;
/// An error stopped part or all of the work.
pub const EXIT_ERROR: u8 = 2;
