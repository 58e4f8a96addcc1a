//! Check Point Log Exporter's structured data: `[key:"value"; key:"value"]`, which it puts in
//! the RFC 5424 STRUCTURED-DATA slot although it is not RFC 5424 (no SD-ID, colons and
//! semicolons).
//!
//! Real records show: keys that repeat (one per matched policy layer: kept, in order), `key::`
//! double colons (the key is `key`), `\]`, `\"` and `\\` escapes inside values, values that are
//! a single space, a trailing `; ]` or `;` before `]`, and a TAB after the closing bracket. An
//! unquoted value (`key:value;`) is accepted too. Other backslashes stay as written.
//!
//! [`parse`] is strict about the overall shape (it fails on a record cut short); the normalizer
//! uses [`parse_lenient`], which keeps what was decoded before the problem.

use std::borrow::Cow;

use crate::decode::DecodeError;

/// Decodes `[key:"value"; ...]`. Fails when the text is not in that shape or is cut short.
pub fn parse(sd: &str) -> Result<Vec<(&str, Cow<'_, str>)>, DecodeError> {
    let (pairs, problem) = parse_lenient(sd);
    match problem {
        None => Ok(pairs),
        Some(error) => Err(error),
    }
}

/// Decodes `[key:"value"; ...]` as far as it goes: the pairs before the first problem, and the
/// problem. A value cut short by the end of the text is kept as it stands (truncated records
/// are real: exporters cut long lines).
pub fn parse_lenient(sd: &str) -> (Vec<(&str, Cow<'_, str>)>, Option<DecodeError>) {
    let mut pairs = Vec::new();
    let b = sd.as_bytes();
    let mut i = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    if b.get(i) != Some(&b'[') {
        return (
            pairs,
            Some(DecodeError::new(
                "not_checkpoint",
                "check point structured data starts with `[`",
            )),
        );
    }
    i += 1;
    loop {
        // Separators: spaces, tabs and semicolons.
        while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b';')) {
            i += 1;
        }
        match b.get(i) {
            None => return (pairs, Some(truncated(i))),
            Some(b']') => {
                let rest = sd.get(i + 1..).unwrap_or("");
                if rest.trim().is_empty() {
                    return (pairs, None);
                }
                return (
                    pairs,
                    Some(DecodeError::new(
                        "trailing_data",
                        format!("text after the closing `]` at byte {}", i + 1),
                    )),
                );
            }
            Some(_) => {}
        }
        let key_len = b
            .iter()
            .skip(i)
            .take_while(|c| !matches!(c, b':' | b'"' | b';' | b']' | b'[' | b' ' | b'\t'))
            .count();
        if key_len == 0 || b.get(i + key_len) != Some(&b':') {
            let problem = if i + key_len >= b.len() {
                truncated(i)
            } else {
                DecodeError::new("invalid_pair", format!("expected `key:` at byte {i}"))
            };
            return (pairs, Some(problem));
        }
        let key = sd.get(i..i + key_len).unwrap_or("");
        i += key_len;
        while b.get(i) == Some(&b':') {
            i += 1;
        }
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        if b.get(i) == Some(&b'"') {
            i += 1;
            let start = i;
            loop {
                match b.get(i) {
                    None => {
                        let value = sd.get(start..).unwrap_or("");
                        pairs.push((key, unescape(value)));
                        return (pairs, Some(truncated(b.len())));
                    }
                    Some(b'\\') => i += 2,
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            pairs.push((key, unescape(sd.get(start..i).unwrap_or(""))));
            i += 1;
        } else {
            let len = b
                .iter()
                .skip(i)
                .take_while(|c| !matches!(c, b';' | b']'))
                .count();
            let value = sd.get(i..i + len).unwrap_or("").trim_end();
            pairs.push((key, Cow::Borrowed(value)));
            i += len;
        }
        // After a value: a separator or the end of the element.
        if !matches!(b.get(i), None | Some(b' ' | b'\t' | b';' | b']')) {
            return (
                pairs,
                Some(DecodeError::new(
                    "invalid_pair",
                    format!("expected `;` or `]` at byte {i}"),
                )),
            );
        }
    }
}

fn truncated(at: usize) -> DecodeError {
    DecodeError::new(
        "truncated_structured_data",
        format!("check point structured data ends at byte {at} without `]`"),
    )
}

/// Unescapes `\"`, `\\` and `\]`; other backslashes stay as written.
fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.clone().next(), Some('"' | '\\' | ']')) {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
