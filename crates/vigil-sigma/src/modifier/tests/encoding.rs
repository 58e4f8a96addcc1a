//! `base64`, `base64offset`, `utf16le`/`wide`, `utf16be`, `utf16`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;

use super::*;
use crate::modifier::reason;

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn base64_encodes_the_value() {
    assert!(check("f|base64", strs(&["cmd"]), json!({"f": "Y21k"})));
    assert!(check(
        "f|base64|contains",
        strs(&["cmd"]),
        json!({"f": "xY21ky"})
    ));
    // Sigma's default case-insensitivity applies to the encoded text too (as pySigma's
    // backends compare it).
    assert!(check("f|base64", strs(&["cmd"]), json!({"f": "y21K"})));
    assert!(!check(
        "f|base64|cased",
        strs(&["cmd"]),
        json!({"f": "y21K"})
    ));
}

#[test]
fn base64offset_finds_the_value_at_any_offset() {
    let spec = "f|base64offset|contains";
    for prefix in ["", "a", "ab", "abc"] {
        for suffix in ["", "z", "yz"] {
            let encoded = STANDARD.encode(format!("{prefix}http://evil{suffix}"));
            assert!(
                check(spec, strs(&["http://evil"]), json!({"f": encoded})),
                "{prefix}|{suffix}"
            );
        }
    }
    let other = STANDARD.encode("abc http://good");
    assert!(!check(spec, strs(&["http://evil"]), json!({"f": other})));
}

#[test]
fn wide_base64offset_finds_powershell_encoded_commands() {
    let spec = "c|wide|base64offset|contains";
    for prefix in ["", "x", "xy"] {
        let script = format!("{prefix}IEX (New-Object Net.WebClient)");
        let event = json!({"c": format!("powershell -enc {}", STANDARD.encode(utf16le(&script)))});
        assert!(check(spec, strs(&["IEX"]), event), "{prefix}");
    }
}

#[test]
fn utf16_flavours_before_base64() {
    let le = STANDARD.encode(utf16le("cmd"));
    let be: Vec<u8> = "cmd".encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut bom = vec![0xFF, 0xFE];
    bom.extend(utf16le("cmd"));
    assert!(check(
        "f|utf16le|base64",
        strs(&["cmd"]),
        json!({"f": le.clone()})
    ));
    assert!(check("f|wide|base64", strs(&["cmd"]), json!({"f": le})));
    assert!(check(
        "f|utf16be|base64",
        strs(&["cmd"]),
        json!({"f": STANDARD.encode(be)})
    ));
    assert!(check(
        "f|utf16|base64",
        strs(&["cmd"]),
        json!({"f": STANDARD.encode(bom)})
    ));
    // Non-ASCII text is fine when base64 follows.
    let e_acute = STANDARD.encode(utf16le("é"));
    assert!(check("f|wide|base64", strs(&["é"]), json!({"f": e_acute})));
}

#[test]
fn utf16_without_base64_matches_the_raw_wide_text() {
    assert!(check(
        "f|wide|contains",
        strs(&["cmd"]),
        json!({"f": "xc\u{0}m\u{0}d\u{0}y"})
    ));
    assert!(check(
        "f|utf16be",
        strs(&["ab"]),
        json!({"f": "\u{0}a\u{0}b"})
    ));
    assert!(check(
        "f|utf16",
        strs(&["a"]),
        json!({"f": "\u{feff}a\u{0}"})
    ));
    assert_eq!(error("f|wide", strs(&["é"])), reason::INVALID_ENCODING);
}

#[test]
fn base64_of_wildcards_is_rejected() {
    assert_eq!(error("f|base64", strs(&["a*"])), reason::INVALID_VALUE);
    assert_eq!(
        error("f|contains|base64offset", strs(&["a"])),
        reason::INVALID_VALUE
    );
    assert_eq!(
        error("f|wide|contains|base64", strs(&["a"])),
        reason::INVALID_VALUE
    );
}

#[test]
fn windash_before_base64_encodes_every_variant() {
    let spec = "f|windash|base64";
    assert!(check(
        spec,
        strs(&["-e"]),
        json!({"f": STANDARD.encode("/e")})
    ));
    assert!(check(
        spec,
        strs(&["-e"]),
        json!({"f": STANDARD.encode("\u{2013}e")})
    ));
}
