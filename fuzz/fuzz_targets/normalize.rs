#![no_main]
//! Every normalizer on arbitrary bytes, and the whole pipeline with detection.
use libfuzzer_sys::fuzz_target;
use vigil_formats::pipeline::{self, StreamOptions};
use vigil_formats::{source, Context, Output, Record};
use vigil_model::SourceType;

fuzz_target!(|data: &[u8]| {
    let record = Record::new("fuzz", bytes::Bytes::copy_from_slice(data));
    let ctx = Context::default();
    let mut out = Output::default();
    for source_type in SourceType::ALL {
        source::normalize(source_type, &record, &ctx, &mut out);
        for event in &out.events {
            let _ = event.to_json();
        }
        out.clear();
    }
    let _ = pipeline::process(data, "fuzz", &StreamOptions::default(), |out| out.clear());
});
