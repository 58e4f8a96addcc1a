//! Fast appenders for the pieces every wire format is made of: integers, hex ids, IPv4
//! addresses, JSON strings, percent-encoding and timestamps in the shapes the sources use.
//!
//! Everything writes into a `Vec<u8>` without going through `fmt`, because the generator
//! produces hundreds of megabytes for benchmarks.

use crate::rng::Rng;

/// Appends `n` in decimal.
#[inline]
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[at..]);
}

/// Appends `n` in decimal, with a sign when negative.
#[inline]
pub(crate) fn push_i64(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_u64(buf, n.unsigned_abs());
}

/// Appends `n` zero-padded to `width` digits (wider numbers are written whole).
#[inline]
pub(crate) fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut value = n;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    let start = at.min(digits.len().saturating_sub(width));
    buf.extend_from_slice(&digits[start..]);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `len` random lowercase hex digits.
#[inline]
pub(crate) fn push_hex(buf: &mut Vec<u8>, rng: &mut Rng, len: usize) {
    let mut bits = rng.next_u64();
    for i in 0..len {
        if i > 0 && i % 16 == 0 {
            bits = rng.next_u64();
        }
        buf.push(HEX[(bits & 0xf) as usize]);
        bits >>= 4;
    }
}

/// Appends a random version-4 UUID (`8-4-4-4-12` lowercase hex).
pub(crate) fn push_uuid(buf: &mut Vec<u8>, rng: &mut Rng) {
    push_hex(buf, rng, 8);
    buf.push(b'-');
    push_hex(buf, rng, 4);
    buf.extend_from_slice(b"-4");
    push_hex(buf, rng, 3);
    buf.push(b'-');
    buf.push(*rng.pick(b"89ab"));
    push_hex(buf, rng, 3);
    buf.push(b'-');
    push_hex(buf, rng, 12);
}

/// A random UUID as a `String`.
pub(crate) fn uuid(rng: &mut Rng) -> String {
    let mut buf = Vec::with_capacity(36);
    push_uuid(&mut buf, rng);
    String::from_utf8(buf).expect("uuid digits are ascii")
}

/// `len` random hex digits as a `String`.
pub(crate) fn hex(rng: &mut Rng, len: usize) -> String {
    let mut buf = Vec::with_capacity(len);
    push_hex(&mut buf, rng, len);
    String::from_utf8(buf).expect("hex digits are ascii")
}

/// Appends an IPv4 address in dotted-quad form.
#[inline]
pub(crate) fn push_ipv4(buf: &mut Vec<u8>, ip: u32) {
    for (i, octet) in ip.to_be_bytes().into_iter().enumerate() {
        if i > 0 {
            buf.push(b'.');
        }
        push_u64(buf, u64::from(octet));
    }
}

/// An IPv4 address as a `String`.
pub(crate) fn ipv4(ip: u32) -> String {
    let mut buf = Vec::with_capacity(15);
    push_ipv4(&mut buf, ip);
    String::from_utf8(buf).expect("dotted quad is ascii")
}

/// Appends `text` as a quoted JSON string, escaping what JSON requires.
#[inline]
pub(crate) fn push_json_str(buf: &mut Vec<u8>, text: &str) {
    buf.push(b'"');
    push_json_escaped(buf, text);
    buf.push(b'"');
}

/// Appends the inside of a JSON string (no quotes).
pub(crate) fn push_json_escaped(buf: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[from..i]);
        if escape.is_empty() {
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(escape);
        }
        from = i + 1;
    }
    buf.extend_from_slice(&bytes[from..]);
}

/// Percent-encodes `text` as COS object keys do: everything but `A-Z a-z 0-9 - _ . ~`.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)].to_ascii_uppercase()));
            out.push(char::from(HEX[usize::from(b & 0xf)].to_ascii_uppercase()));
        }
    }
    out
}

/// A UTC calendar time, to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

impl Civil {
    /// The calendar time of `ms` since the Unix epoch.
    pub(crate) fn from_ms(ms: i64) -> Civil {
        let days = ms.div_euclid(86_400_000);
        let in_day = ms.rem_euclid(86_400_000) as u32;
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: in_day / 3_600_000,
            minute: in_day / 60_000 % 60,
            second: in_day / 1000 % 60,
            millis: in_day % 1000,
        }
    }
}

/// How a timestamp ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Zone {
    /// `Z`
    Z,
    /// `+0000`
    Compact,
    /// `+00:00`
    Colon,
}

/// Appends `YYYY{sep}MM{sep}DD`.
pub(crate) fn push_date(buf: &mut Vec<u8>, civil: &Civil, sep: u8) {
    push_padded(buf, civil.year.max(0) as u64, 4);
    buf.push(sep);
    push_padded(buf, u64::from(civil.month), 2);
    buf.push(sep);
    push_padded(buf, u64::from(civil.day), 2);
}

/// Appends `hh:mm:ss`.
pub(crate) fn push_clock(buf: &mut Vec<u8>, civil: &Civil) {
    push_padded(buf, u64::from(civil.hour), 2);
    buf.push(b':');
    push_padded(buf, u64::from(civil.minute), 2);
    buf.push(b':');
    push_padded(buf, u64::from(civil.second), 2);
}

/// Appends RFC 3339 UTC with `digits` fraction digits (0–9; the digits past milliseconds come
/// from `sub_ms_nanos`, 0–999,999) and the given zone suffix.
pub(crate) fn push_rfc3339(buf: &mut Vec<u8>, ms: i64, sub_ms_nanos: u32, digits: u32, zone: Zone) {
    let civil = Civil::from_ms(ms);
    push_date(buf, &civil, b'-');
    buf.push(b'T');
    push_clock(buf, &civil);
    if digits > 0 {
        let nanos = u64::from(civil.millis) * 1_000_000 + u64::from(sub_ms_nanos % 1_000_000);
        let scaled = nanos / 10u64.pow(9 - digits.min(9));
        buf.push(b'.');
        push_padded(buf, scaled, digits.min(9) as usize);
    }
    buf.extend_from_slice(match zone {
        Zone::Z => b"Z",
        Zone::Compact => b"+0000",
        Zone::Colon => b"+00:00",
    });
}

/// Appends `YYYY-MM-DDThh:mm:ssZ`.
pub(crate) fn push_rfc3339_seconds(buf: &mut Vec<u8>, ms: i64) {
    push_rfc3339(buf, ms, 0, 0, Zone::Z);
}

/// Appends PAN-OS's `YYYY/MM/DD hh:mm:ss`.
pub(crate) fn push_slash_time(buf: &mut Vec<u8>, ms: i64) {
    let civil = Civil::from_ms(ms);
    push_date(buf, &civil, b'/');
    buf.push(b' ');
    push_clock(buf, &civil);
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Appends an RFC 3164 timestamp `Mmm dd hh:mm:ss` (day space-padded).
pub(crate) fn push_rfc3164(buf: &mut Vec<u8>, ms: i64) {
    let civil = Civil::from_ms(ms);
    let month = MONTHS[(civil.month as usize).clamp(1, 12) - 1];
    buf.extend_from_slice(month.as_bytes());
    buf.push(b' ');
    if civil.day < 10 {
        buf.push(b' ');
    }
    push_u64(buf, u64::from(civil.day));
    buf.push(b' ');
    push_clock(buf, &civil);
}

/// `YYYYMMDDThhmmssZ` (flow log stream ids).
pub(crate) fn compact_time(ms: i64) -> String {
    let civil = Civil::from_ms(ms);
    let mut buf = Vec::with_capacity(16);
    push_padded(&mut buf, civil.year.max(0) as u64, 4);
    push_padded(&mut buf, u64::from(civil.month), 2);
    push_padded(&mut buf, u64::from(civil.day), 2);
    buf.push(b'T');
    push_padded(&mut buf, u64::from(civil.hour), 2);
    push_padded(&mut buf, u64::from(civil.minute), 2);
    push_padded(&mut buf, u64::from(civil.second), 2);
    buf.push(b'Z');
    String::from_utf8(buf).expect("digits are ascii")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(text(|b| push_u64(b, 0)), "0");
        assert_eq!(text(|b| push_u64(b, u64::MAX)), "18446744073709551615");
        assert_eq!(text(|b| push_i64(b, -42)), "-42");
        assert_eq!(text(|b| push_padded(b, 7, 3)), "007");
        assert_eq!(text(|b| push_padded(b, 12345, 3)), "12345");
        assert_eq!(text(|b| push_ipv4(b, 0x0af0_8004)), "10.240.128.4");
    }

    #[test]
    fn timestamps() {
        // 2025-06-02T08:00:00.123Z
        let ms = 1_748_851_200_123;
        assert_eq!(
            text(|b| push_rfc3339(b, ms, 456_789, 9, Zone::Z)),
            "2025-06-02T08:00:00.123456789Z"
        );
        assert_eq!(
            text(|b| push_rfc3339(b, ms, 0, 2, Zone::Compact)),
            "2025-06-02T08:00:00.12+0000"
        );
        assert_eq!(
            text(|b| push_rfc3339(b, ms, 0, 0, Zone::Colon)),
            "2025-06-02T08:00:00+00:00"
        );
        assert_eq!(text(|b| push_slash_time(b, ms)), "2025/06/02 08:00:00");
        assert_eq!(text(|b| push_rfc3164(b, ms)), "Jun  2 08:00:00");
        assert_eq!(compact_time(ms), "20250602T080000Z");
        assert_eq!(Civil::from_ms(0).year, 1970);
        assert_eq!(Civil::from_ms(951_782_400_000).day, 29); // 2000-02-29
    }

    #[test]
    fn escaping() {
        assert_eq!(
            text(|b| push_json_str(b, "a\"b\\c\nd\u{1}")),
            r#""a\"b\\c\nd\u0001""#
        );
        assert_eq!(percent_encode("crn:v1:a/b"), "crn%3Av1%3Aa%2Fb");
        let mut rng = Rng::new(3);
        let id = uuid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
