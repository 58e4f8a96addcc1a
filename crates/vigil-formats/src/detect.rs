//! Source detection (in progress).
