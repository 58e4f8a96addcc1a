//! Streams (in progress).
