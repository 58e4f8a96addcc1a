#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_formats::decode::checkpoint;

fuzz_target!(|data: &[u8]| {
    let _ = checkpoint::parse(&String::from_utf8_lossy(data));
});
