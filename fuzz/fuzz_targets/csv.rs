#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_formats::decode::csv;

fuzz_target!(|data: &[u8]| {
    let _ = csv::split(&String::from_utf8_lossy(data));
});
