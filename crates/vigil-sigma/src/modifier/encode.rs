//! Encoding modifiers: `utf16le`/`wide`, `utf16be`, `utf16` (with BOM), `base64`,
//! `base64offset`.
//!
//! UTF-16 turns text into bytes (wildcards are kept between the encoded runs, as pySigma
//! does); base64 turns bytes into text again. Bytes that are never base64-encoded must be
//! UTF-8 to be matched against event strings (ASCII text encodes to `c\0m\0d\0`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::chain::Utf16;
use super::pattern::{Pattern, Tok};
use super::{reason, ModifierError};

/// One part of an encoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Encoded bytes.
    Bytes(Vec<u8>),
    /// `*`.
    Star,
    /// `?`.
    One,
}

/// A UTF-16 encoded value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Encoded {
    /// Starts with a byte order mark (`utf16`).
    pub bom: bool,
    /// The encoded runs and the wildcards between them.
    pub parts: Vec<Part>,
}

/// Encodes a pattern without dash tokens (expand them first).
pub(crate) fn utf16(pattern: &[Tok], flavour: Utf16) -> Encoded {
    let mut parts: Vec<Part> = Vec::new();
    for tok in pattern {
        match tok {
            Tok::Lit(c) => {
                let mut units = [0u16; 2];
                let mut bytes = Vec::with_capacity(4);
                for unit in c.encode_utf16(&mut units) {
                    match flavour {
                        Utf16::Be => bytes.extend_from_slice(&unit.to_be_bytes()),
                        Utf16::Le | Utf16::LeBom => bytes.extend_from_slice(&unit.to_le_bytes()),
                    }
                }
                match parts.last_mut() {
                    Some(Part::Bytes(run)) => run.extend_from_slice(&bytes),
                    _ => parts.push(Part::Bytes(bytes)),
                }
            }
            Tok::Star => parts.push(Part::Star),
            Tok::One => parts.push(Part::One),
            // Callers expand dashes first; a stray one is kept as a single-character wildcard
            // would be wrong, so encode the plain dash.
            Tok::Dash => match parts.last_mut() {
                Some(Part::Bytes(run)) => run.extend_from_slice(&dash_bytes(flavour)),
                _ => parts.push(Part::Bytes(dash_bytes(flavour).to_vec())),
            },
        }
    }
    Encoded {
        bom: flavour == Utf16::LeBom,
        parts,
    }
}

fn dash_bytes(flavour: Utf16) -> [u8; 2] {
    match flavour {
        Utf16::Be => [0, b'-'],
        Utf16::Le | Utf16::LeBom => [b'-', 0],
    }
}

impl Encoded {
    /// Adds `*` at the start and/or end unless there is one.
    pub fn anchor(&mut self, any_start: bool, any_end: bool) {
        if any_start && self.parts.first() != Some(&Part::Star) {
            self.parts.insert(0, Part::Star);
        }
        if any_end && self.parts.last() != Some(&Part::Star) {
            self.parts.push(Part::Star);
        }
    }

    /// The bytes to base64-encode (BOM as `FF FE`); `None` when wildcards are left.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        if self.bom {
            out.extend_from_slice(&[0xFF, 0xFE]);
        }
        for part in &self.parts {
            match part {
                Part::Bytes(bytes) => out.extend_from_slice(bytes),
                Part::Star | Part::One => return None,
            }
        }
        Some(out)
    }

    /// The value as a string pattern to match event text: each byte run must be UTF-8; the
    /// BOM is U+FEFF, as pySigma renders it.
    pub fn to_pattern(&self) -> Result<Pattern, ModifierError> {
        let mut out = Vec::new();
        if self.bom {
            out.push(Tok::Lit('\u{feff}'));
        }
        for part in &self.parts {
            match part {
                Part::Bytes(bytes) => {
                    let text = std::str::from_utf8(bytes).map_err(|_| {
                        ModifierError::new(
                            reason::INVALID_ENCODING,
                            "utf-16 encoded text is not utf-8 and is not base64-encoded after",
                        )
                    })?;
                    out.extend(text.chars().map(Tok::Lit));
                }
                Part::Star => out.push(Tok::Star),
                Part::One => out.push(Tok::One),
            }
        }
        Ok(out)
    }
}

/// `base64`: the standard alphabet with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// `base64offset`: the value shifted by 0, 1 and 2 bytes, with the characters that depend on
/// the unknown neighbours cut off (pySigma's start offsets 0, 2, 3 and end cuts by
/// `(len + shift) % 3`: none, 3, 2).
pub(crate) fn base64_offsets(bytes: &[u8]) -> [String; 3] {
    const START: [usize; 3] = [0, 2, 3];
    const END_CUT: [usize; 3] = [0, 3, 2];
    std::array::from_fn(|shift| {
        let mut shifted = vec![b' '; shift];
        shifted.extend_from_slice(bytes);
        let encoded = STANDARD.encode(&shifted);
        let start = START[shift];
        let end = encoded
            .len()
            .saturating_sub(END_CUT[(bytes.len() + shift) % 3]);
        encoded.get(start..end).unwrap_or("").to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modifier::pattern::{literal, parse};

    #[test]
    fn utf16_flavours() {
        let le = utf16(&literal("cmd"), Utf16::Le);
        assert_eq!(le.bytes().unwrap(), b"c\0m\0d\0");
        let be = utf16(&literal("cmd"), Utf16::Be);
        assert_eq!(be.bytes().unwrap(), b"\0c\0m\0d");
        let bom = utf16(&literal("cmd"), Utf16::LeBom);
        assert_eq!(bom.bytes().unwrap(), b"\xff\xfec\0m\0d\0");
        assert_eq!(
            bom.to_pattern().unwrap(),
            literal("\u{feff}c\0m\0d\0"),
            "pySigma renders the BOM as U+FEFF"
        );
    }

    #[test]
    fn utf16_keeps_wildcards_between_runs() {
        let encoded = utf16(&parse("a*b"), Utf16::Le);
        assert_eq!(
            encoded.parts,
            [
                Part::Bytes(b"a\0".to_vec()),
                Part::Star,
                Part::Bytes(b"b\0".to_vec())
            ]
        );
        assert_eq!(encoded.bytes(), None);
    }

    #[test]
    fn non_ascii_utf16_is_not_utf8() {
        let encoded = utf16(&literal("é"), Utf16::Le);
        assert_eq!(
            encoded.to_pattern().err().map(|e| e.reason),
            Some(reason::INVALID_ENCODING)
        );
    }

    #[test]
    fn base64_offsets_match_pysigma() {
        // Values from pySigma's test suite for `base64offset`.
        assert_eq!(
            base64_offsets(b"foobar"),
            [
                "Zm9vYmFy".to_owned(),
                "Zvb2Jhc".to_owned(),
                "mb29iYX".to_owned()
            ]
        );
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            base64_offsets(b""),
            [String::new(), String::new(), String::new()]
        );
    }

    #[test]
    fn base64_offsets_of_powershell_wide() {
        // `wide|base64offset` of `IEX` as used by SigmaHQ PowerShell rules.
        let bytes = utf16(&literal("IEX"), Utf16::Le).bytes().unwrap();
        let out = base64_offsets(&bytes);
        assert_eq!(out, ["SQBFAFgA", "kARQBYA", "JAEUAWA"].map(str::to_owned));
    }
}
