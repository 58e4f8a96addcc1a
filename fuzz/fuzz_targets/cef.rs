#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_formats::decode::cef;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(at) = cef::find(&text) {
        if let Ok(parsed) = cef::parse(&text[at..]) {
            let _ = cef::severity_id(&parsed.severity);
            let _ = cef::labelled(&parsed.extensions);
        }
    }
    let _ = cef::parse(&text);
});
