//! Syslog headers: RFC 3164, RFC 5424, and the shapes real senders wrap around them.
//!
//! [`parse`] never fails: whatever it does not recognize as header is message. It handles, in
//! this order of precedence:
//!
//! * an optional `<PRI>` (leading spaces tolerated);
//! * RFC 5424 `VERSION TIMESTAMP HOST APP PROCID MSGID SD MSG` (`-` is nil), with or without
//!   `<PRI>` (Check Point relays send `1 2019-05-15T16:25:50Z HOST CheckPoint 19710 - [...]`).
//!   STRUCTURED-DATA is found by scanning brackets with escape and quote awareness, so Check
//!   Point's non-standard `[key:"value"; ...]` is captured whole; a bracket that never closes
//!   takes the rest of the line (truncated records);
//! * an RFC 3164 timestamp `Mmm dd hh:mm:ss` (space-padded day; a structurally valid but
//!   impossible date such as `May 00` is still consumed, with no time) or an RFC 3339 one
//!   (Falco's `<5>2024-08-07T13:49:16Z host Falco[1]: …`, relays' `2026-04-03T00:31:09+00:00
//!   192.168.2.1 date=…`), then an optional HOSTNAME and an optional `TAG[pid]:`. The hostname
//!   is skipped when the first token cannot be one (`1,2012/04/08` of PAN-OS, `date=…`);
//! * anything else after `<PRI>` is message (FortiGate's `<189>date=2020-04-23 time=…`).
//!
//! [`parse_rfc5424_sd`] decodes standard STRUCTURED-DATA, and [`octet_count_prefix`]
//! recognizes RFC 6587 octet-counting framing.

use std::borrow::Cow;

use crate::decode::DecodeError;
use crate::time::{parse_rfc3164_prefix, parse_rfc3339, parse_rfc3339_prefix};

/// A syslog message split into its header parts. Every part is optional: a line with no
/// recognizable header is all `msg`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Syslog<'a> {
    /// `PRI` (facility * 8 + severity), when present.
    pub pri: Option<u8>,
    /// `1` for RFC 5424 lines.
    pub version: Option<u8>,
    /// The header timestamp, as written.
    pub timestamp_text: Option<&'a str>,
    /// The header timestamp in ms since the epoch (RFC 3164 year from the reference time).
    pub timestamp_ms: Option<i64>,
    /// HOSTNAME (RFC 5424 nil `-` gives `None`).
    pub hostname: Option<&'a str>,
    /// APP-NAME or the RFC 3164 TAG without `[pid]` and `:`.
    pub app_name: Option<&'a str>,
    /// PROCID or the RFC 3164 `[pid]`.
    pub proc_id: Option<&'a str>,
    /// MSGID (RFC 5424).
    pub msg_id: Option<&'a str>,
    /// STRUCTURED-DATA exactly as written, brackets included (RFC 5424; `None` for nil `-`).
    /// Check Point puts its own `[key:"value"; …]` format here.
    pub structured_data: Option<&'a str>,
    /// The message after the header.
    pub msg: &'a str,
}

impl Syslog<'_> {
    /// Severity (0 Emergency … 7 Debug) from PRI.
    pub fn severity(&self) -> Option<u8> {
        self.pri.map(|p| p & 7)
    }

    /// Facility from PRI.
    pub fn facility(&self) -> Option<u8> {
        self.pri.map(|p| p >> 3)
    }
}

/// Splits a syslog line into header and message. Never fails: what is not a header is message.
///
/// `reference_ms` gives RFC 3164 timestamps their year (see [`parse_rfc3164_prefix`]).
pub fn parse(line: &str, reference_ms: i64) -> Syslog<'_> {
    let trimmed = line.trim_start_matches([' ', '\t']);
    let (pri, rest) = match parse_pri(trimmed) {
        Some((pri, used)) => (Some(pri), trimmed.get(used..).unwrap_or("")),
        None => (None, trimmed),
    };
    if let Some(mut syslog) = parse_rfc5424(rest, pri.is_some()) {
        syslog.pri = pri;
        return syslog;
    }
    if let Some((timestamp_ms, used)) = timestamp_prefix(rest, reference_ms) {
        let timestamp_text = rest.get(..used);
        let after = rest.get(used..).unwrap_or("");
        let mut syslog = host_and_tag(after);
        syslog.pri = pri;
        syslog.timestamp_ms = timestamp_ms;
        syslog.timestamp_text = timestamp_text;
        return syslog;
    }
    Syslog {
        pri,
        msg: if pri.is_some() { rest } else { line },
        ..Syslog::default()
    }
}

/// `<PRI>` at the start: 1 to 3 digits, at most 191. Returns PRI and the bytes consumed.
fn parse_pri(s: &str) -> Option<(u8, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'<') {
        return None;
    }
    let digits = b.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
    if !(1..=3).contains(&digits) || b.get(1 + digits) != Some(&b'>') {
        return None;
    }
    let value: u16 = s.get(1..1 + digits)?.parse().ok()?;
    let pri = u8::try_from(value).ok().filter(|p| *p <= 191)?;
    Some((pri, digits + 2))
}

/// Splits off the next space-separated token, skipping leading spaces. Returns the token and
/// what follows it (starting at the separator).
fn next_token(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches(' ');
    let end = s.find(' ').unwrap_or(s.len());
    (s.get(..end).unwrap_or(""), s.get(end..).unwrap_or(""))
}

/// `-` (nil) becomes `None`, as does an empty token at the end of a short line.
fn nil(token: &str) -> Option<&str> {
    if token.is_empty() || token == "-" {
        None
    } else {
        Some(token)
    }
}

/// RFC 5424 after PRI: `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD
/// [SP MSG]`. Without PRI the timestamp must be a real one, so bare CSV such as `1,2018/…` or
/// text starting with a number is not mistaken for a header.
fn parse_rfc5424(rest: &str, has_pri: bool) -> Option<Syslog<'_>> {
    let b = rest.as_bytes();
    let version_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&version_len)
        || b.first() == Some(&b'0')
        || b.get(version_len) != Some(&b' ')
    {
        return None;
    }
    let version: u8 = rest.get(..version_len)?.parse().ok()?;
    let after_version = rest.get(version_len..)?;
    let (timestamp, after) = next_token(after_version);
    let timestamp_ms = parse_rfc3339(timestamp);
    let looks_like_timestamp = timestamp.len() >= 10
        && timestamp.as_bytes().iter().take(4).all(u8::is_ascii_digit)
        && timestamp.as_bytes().get(4) == Some(&b'-');
    let accepted = match (has_pri, timestamp) {
        (true, "-") => true,
        (true, _) => looks_like_timestamp,
        (false, _) => timestamp_ms.is_some(),
    };
    if !accepted {
        return None;
    }
    let (hostname, after) = next_token(after);
    let (app_name, after) = next_token(after);
    let (proc_id, after) = next_token(after);
    let (msg_id, after) = next_token(after);
    let after = after.trim_start_matches(' ');
    let (structured_data, msg) = if after.starts_with('[') {
        let end = structured_data_end(after.as_bytes());
        (after.get(..end), after.get(end..).unwrap_or(""))
    } else if after == "-" || after.starts_with("- ") {
        (None, after.get(1..).unwrap_or(""))
    } else {
        // Not conforming (no SD at all): keep what is there as the message.
        (None, after)
    };
    let msg = msg.strip_prefix(' ').unwrap_or(msg);
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    Some(Syslog {
        pri: None,
        version: Some(version),
        timestamp_text: nil(timestamp),
        timestamp_ms,
        hostname: nil(hostname),
        app_name: nil(app_name),
        proc_id: nil(proc_id),
        msg_id: nil(msg_id),
        structured_data,
        msg,
    })
}

/// The end (exclusive) of the STRUCTURED-DATA starting at `b[0] == b'['`: one or more
/// adjacent `[...]` elements. Inside an element a backslash escapes the next byte and `]`
/// within double quotes does not close it. An element that never closes runs to the end.
fn structured_data_end(b: &[u8]) -> usize {
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        i += 1;
        let mut in_quotes = false;
        loop {
            match b.get(i) {
                None => return b.len(),
                Some(b'\\') => i += 2,
                Some(b'"') => {
                    in_quotes = !in_quotes;
                    i += 1;
                }
                Some(b']') if !in_quotes => {
                    i += 1;
                    break;
                }
                Some(_) => i += 1,
            }
        }
    }
    i.min(b.len())
}

/// A timestamp at the start of `rest` that is followed by a space or the end: RFC 3164
/// (structurally, so `May 00 00:00:00` is consumed with no time) or RFC 3339. Returns the time
/// and the bytes consumed.
fn timestamp_prefix(rest: &str, reference_ms: i64) -> Option<(Option<i64>, usize)> {
    let b = rest.as_bytes();
    let ends_token = |at: usize| matches!(b.get(at), None | Some(b' '));
    if is_rfc3164_shape(b) {
        let mut used = 15;
        let mut ms = parse_rfc3164_prefix(b, reference_ms).map(|(ms, _)| ms);
        // Some senders add milliseconds (`Mar 17 22:18:40.325`).
        if b.get(15) == Some(&b'.') {
            let frac = b.iter().skip(16).take_while(|c| c.is_ascii_digit()).count();
            if frac > 0 {
                let mut extra = 0i64;
                for (k, c) in b.iter().skip(16).take(3.min(frac)).enumerate() {
                    extra += i64::from(c - b'0') * [100, 10, 1][k];
                }
                ms = ms.map(|ms| ms + extra);
                used = 16 + frac;
            }
        }
        if ends_token(used) {
            return Some((ms, used));
        }
        return None;
    }
    let (ms, used) = parse_rfc3339_prefix(b)?;
    if ends_token(used) {
        Some((Some(ms), used))
    } else {
        None
    }
}

/// `Mmm dd hh:mm:ss` with a month name, day space- or zero-padded, and digits in place.
fn is_rfc3164_shape(b: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let Some(head) = b.get(..15).and_then(|h| <&[u8; 15]>::try_from(h).ok()) else {
        return false;
    };
    let digit = |i: usize| head[i].is_ascii_digit();
    MONTHS.contains(&&head[..3])
        && head[3] == b' '
        && (head[4] == b' ' || digit(4))
        && digit(5)
        && head[6] == b' '
        && digit(7)
        && digit(8)
        && head[9] == b':'
        && digit(10)
        && digit(11)
        && head[12] == b':'
        && digit(13)
        && digit(14)
}

/// The part of an RFC 3164-style line after the timestamp: `[HOSTNAME] [TAG[pid]:] MSG`.
fn host_and_tag(after: &str) -> Syslog<'_> {
    let rest = after.trim_start_matches(' ');
    if let Some(syslog) = tag(rest) {
        return syslog;
    }
    let (first, after_first) = next_token(rest);
    if !is_hostname_like(first) {
        return Syslog {
            msg: rest,
            ..Syslog::default()
        };
    }
    let rest = after_first.trim_start_matches(' ');
    let mut syslog = tag(rest).unwrap_or(Syslog {
        msg: rest,
        ..Syslog::default()
    });
    syslog.hostname = Some(first);
    syslog
}

/// A TAG at the start of `s`: `name[pid]:`, `name[pid]` or `name:`, followed by a space or the
/// end. `CEF:0|…` and `LEEF:1.0|…` are not tags (no space after the colon).
fn tag(s: &str) -> Option<Syslog<'_>> {
    let b = s.as_bytes();
    let name_len = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/'))
        .count();
    if name_len == 0 || name_len > 48 {
        return None;
    }
    let mut i = name_len;
    let mut proc_id = None;
    if b.get(i) == Some(&b'[') {
        let pid_len = b
            .iter()
            .skip(i + 1)
            .take_while(|c| !matches!(c, b']' | b' '))
            .count();
        if pid_len == 0 || pid_len > 32 || b.get(i + 1 + pid_len) != Some(&b']') {
            return None;
        }
        proc_id = s.get(i + 1..i + 1 + pid_len);
        i += pid_len + 2;
    }
    let colon = b.get(i) == Some(&b':');
    if colon {
        i += 1;
    }
    if !(colon || proc_id.is_some()) || !matches!(b.get(i), None | Some(b' ')) {
        return None;
    }
    let msg = s.get(i..).unwrap_or("");
    Some(Syslog {
        app_name: s.get(..name_len),
        proc_id,
        msg: msg.strip_prefix(' ').unwrap_or(msg),
        ..Syslog::default()
    })
}

/// Whether `token` can be a HOSTNAME: a name, an IPv4 or an IPv6 address.
fn is_hostname_like(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 255
        && token
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b':' | b'%'))
}

/// One RFC 5424 SD-ELEMENT: `[id name="value" ...]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdElement<'a> {
    /// SD-ID.
    pub id: &'a str,
    /// SD-PARAMs in order, values unescaped (`\"`, `\\`, `\]`).
    pub params: Vec<(&'a str, Cow<'a, str>)>,
}

/// Decodes standard RFC 5424 STRUCTURED-DATA (`[id k="v" ...][id2 ...]`). Nil `-` and the
/// empty string give no elements. Check Point's `[key:"value"; ...]` is not standard and fails
/// here: use [`crate::decode::checkpoint::parse`] for it.
pub fn parse_rfc5424_sd(sd: &str) -> Result<Vec<SdElement<'_>>, DecodeError> {
    let mut elements = Vec::new();
    if sd.is_empty() || sd == "-" {
        return Ok(elements);
    }
    let b = sd.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b.get(i) != Some(&b'[') {
            return Err(DecodeError::new(
                "invalid_structured_data",
                format!("expected `[` at byte {i}"),
            ));
        }
        i += 1;
        let id_len = b
            .iter()
            .skip(i)
            .take_while(|c| !matches!(c, b' ' | b']' | b'=' | b'"'))
            .count();
        if id_len > 0 && b.get(i + id_len).is_none() {
            return Err(DecodeError::new(
                "truncated_structured_data",
                format!("sd element at byte {i} does not close"),
            ));
        }
        if id_len == 0 || !matches!(b.get(i + id_len), Some(b' ' | b']')) {
            return Err(DecodeError::new(
                "invalid_structured_data",
                format!("invalid sd-id at byte {i}"),
            ));
        }
        let id = sd.get(i..i + id_len).unwrap_or("");
        i += id_len;
        let mut params = Vec::new();
        loop {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            match b.get(i) {
                None => {
                    return Err(DecodeError::new(
                        "truncated_structured_data",
                        format!("sd element `{id}` does not close"),
                    ))
                }
                Some(b']') => {
                    i += 1;
                    break;
                }
                Some(_) => {}
            }
            let name_len = b
                .iter()
                .skip(i)
                .take_while(|c| !matches!(c, b'=' | b' ' | b']' | b'"'))
                .count();
            if name_len == 0 || b.get(i + name_len) != Some(&b'=') {
                return Err(DecodeError::new(
                    "invalid_structured_data",
                    format!("expected `name=` at byte {i}"),
                ));
            }
            let name = sd.get(i..i + name_len).unwrap_or("");
            i += name_len + 1;
            if b.get(i) != Some(&b'"') {
                return Err(DecodeError::new(
                    "invalid_structured_data",
                    format!("expected `\"` at byte {i}"),
                ));
            }
            i += 1;
            let start = i;
            loop {
                match b.get(i) {
                    None => {
                        return Err(DecodeError::new(
                            "truncated_structured_data",
                            format!("value of `{name}` does not close"),
                        ))
                    }
                    Some(b'\\') => i += 2,
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            let raw = sd.get(start..i).unwrap_or("");
            params.push((name, unescape_sd_value(raw)));
            i += 1;
        }
        elements.push(SdElement { id, params });
    }
    Ok(elements)
}

/// Unescapes `\"`, `\\` and `\]`; any other backslash stays as written (RFC 5424 §6.3.3).
fn unescape_sd_value(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.clone().next() {
            Some(next @ ('"' | '\\' | ']')) => {
                out.push(next);
                chars.next();
            }
            _ => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// RFC 6587 octet counting: `MSG-LEN SP <PRI>…`. Returns the announced length and the bytes
/// of the prefix, space included. The frame must continue with `<`, so an RFC 5424 line without
/// PRI (`1 2019-05-15T…`) is not mistaken for a count.
pub fn octet_count_prefix(b: &[u8]) -> Option<(usize, usize)> {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=9).contains(&digits) || b.first() == Some(&b'0') {
        return None;
    }
    if b.get(digits) != Some(&b' ') || b.get(digits + 1) != Some(&b'<') {
        return None;
    }
    let mut len = 0usize;
    for c in b.get(..digits)? {
        len = len * 10 + usize::from(c - b'0');
    }
    Some((len, digits + 1))
}

#[cfg(test)]
mod tests;
