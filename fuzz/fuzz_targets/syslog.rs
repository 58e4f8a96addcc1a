#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_formats::decode::syslog;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = syslog::parse(&text, 1_700_000_000_000);
    if let Some(sd) = parsed.structured_data {
        let _ = syslog::parse_rfc5424_sd(sd);
    }
    let _ = syslog::octet_count_prefix(data);
});
