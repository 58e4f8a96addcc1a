#![no_main]
//! Decompression and framing of arbitrary bytes, both framings, small caps.
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use vigil_formats::stream::{self, Framing, Limits, RecordReader};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_record_bytes: 4096,
        max_decompressed_bytes: 1 << 20,
    };
    for framing in [Framing::Json, Framing::Lines] {
        let Ok((_, reader)) = stream::open(data, limits) else {
            return;
        };
        for item in RecordReader::new(reader, framing, limits, Arc::from("fuzz")) {
            let _ = item;
        }
    }
});
