#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_formats::decode::leef;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(at) = leef::find(&text) {
        let _ = leef::parse(&text[at..]);
    }
    let _ = leef::parse(&text);
});
