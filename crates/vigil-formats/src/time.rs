//! Lenient timestamp parsing for the shapes real logs use. All results are milliseconds since
//! the Unix epoch, UTC. Nothing here reads the clock.

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let d = i64::from(d);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date and time of `ms`, for tests and formatting: (year, month, day, h, m, s, ms).
pub fn civil_from_ms(ms: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    let secs = rem / 1000;
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        ((secs / 60) % 60) as u32,
        (secs % 60) as u32,
        (rem % 1000) as u32,
    )
}

/// Formats `ms` as RFC 3339 with milliseconds, UTC (`2024-01-02T03:04:05.006Z`).
pub fn format_rfc3339_ms(ms: i64) -> String {
    let (y, mo, d, h, mi, s, frac) = civil_from_ms(ms);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z")
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn valid(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> bool {
    // 24:00 and leap seconds (60) appear in real data; accept them, they roll over.
    (1..=12).contains(&mo) && (1..=31).contains(&d) && h <= 24 && mi <= 59 && s <= 60 && y >= 0
}

/// Parses a UTC offset: `Z`, `z`, `UTC`, `GMT`, `+hh:mm`, `+hhmm`, `+hh`. Returns seconds east
/// of UTC and the bytes consumed.
pub fn parse_offset(s: &[u8]) -> Option<(i64, usize)> {
    match s.first()? {
        b'Z' | b'z' => Some((0, 1)),
        b'U' if s.starts_with(b"UTC") => Some((0, 3)),
        b'G' if s.starts_with(b"GMT") => Some((0, 3)),
        sign @ (b'+' | b'-') => {
            let hh = digits(s, 1, 2)?;
            let (mm, used) = if s.get(3) == Some(&b':') {
                (digits(s, 4, 2)?, 6)
            } else if let Some(mm) = digits(s, 3, 2) {
                (mm, 5)
            } else {
                (0, 3)
            };
            if hh > 23 || mm > 59 {
                return None;
            }
            let secs = i64::from(hh * 3600 + mm * 60);
            Some((if *sign == b'-' { -secs } else { secs }, used))
        }
        _ => None,
    }
}

/// Parses ISO 8601 / RFC 3339 leniently: `YYYY-MM-DD` then `T` or a space, `hh:mm[:ss]`, an
/// optional fraction of any length (`.` or `,`), and an optional offset (`Z`, `+00:00`,
/// `+0000`, `-06`, ` UTC`). No offset means UTC. Trailing bytes after a complete timestamp are
/// rejected, so `"2024-01-01 junk"` is not a time.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let (ms, used) = parse_rfc3339_prefix(s.as_bytes())?;
    if used == s.len() {
        Some(ms)
    } else {
        None
    }
}

/// Like [`parse_rfc3339`] but stops at the end of the timestamp; returns the bytes consumed.
pub fn parse_rfc3339_prefix(b: &[u8]) -> Option<(i64, usize)> {
    let y = digits(b, 0, 4)?;
    let sep = *b.get(4)?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    let mo = digits(b, 5, 2)?;
    if *b.get(7)? != sep {
        return None;
    }
    let d = digits(b, 8, 2)?;
    let t = *b.get(10)?;
    if t != b'T' && t != b't' && t != b' ' {
        return None;
    }
    let h = digits(b, 11, 2)?;
    if *b.get(13)? != b':' {
        return None;
    }
    let mi = digits(b, 14, 2)?;
    let mut i = 16;
    let mut s = 0;
    if b.get(i) == Some(&b':') {
        s = digits(b, i + 1, 2)?;
        i += 3;
    }
    let mut frac_ms = 0i64;
    if matches!(b.get(i), Some(b'.') | Some(b',')) {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                frac_ms = frac_ms * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            frac_ms *= 10;
        }
    }
    let y = i64::from(y);
    if !valid(y, mo, d, h, mi, s) {
        return None;
    }
    let mut offset = 0;
    let rest = &b[i..];
    let rest_trim = rest.strip_prefix(b" ").unwrap_or(rest);
    if let Some((off, used)) = parse_offset(rest_trim) {
        offset = off;
        i += used + (rest.len() - rest_trim.len());
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s) - offset;
    Some((secs * 1000 + frac_ms, i))
}

/// Interprets an integer epoch timestamp by magnitude: seconds, milliseconds, microseconds or
/// nanoseconds (values between 1973 and 2286 in each unit are unambiguous).
pub fn epoch_auto_ms(n: i64) -> i64 {
    let a = n.unsigned_abs();
    if a < 100_000_000_000 {
        n.saturating_mul(1000)
    } else if a < 100_000_000_000_000 {
        n
    } else if a < 100_000_000_000_000_000 {
        n / 1000
    } else {
        n / 1_000_000
    }
}

/// Parses an epoch given as text (`1557937550`, `1557937550.123`, `1724947703387000000`),
/// unit chosen by magnitude.
pub fn parse_epoch(s: &str) -> Option<i64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int.is_empty() || int.len() > 19 || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = int.parse().ok()?;
    let ms = epoch_auto_ms(n);
    match frac {
        Some(f) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => {
            if n.unsigned_abs() < 100_000_000_000 {
                let mut extra = 0i64;
                for (k, c) in f.bytes().take(3).enumerate() {
                    extra += i64::from(c - b'0') * [100, 10, 1][k];
                }
                Some(ms + extra)
            } else {
                Some(ms)
            }
        }
        Some(_) => None,
        None => Some(ms),
    }
}

/// Parses any of the textual shapes: RFC 3339 (lenient), `YYYY/MM/DD hh:mm:ss`, or an epoch.
pub fn parse_any(s: &str) -> Option<i64> {
    let s = s.trim();
    parse_rfc3339(s).or_else(|| parse_epoch(s))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Parses an RFC 3164 timestamp `Mmm dd hh:mm:ss` (day space- or zero-padded) at the start of
/// `b`. The year is not in the record: it is the year of `reference_ms`, or the year before
/// when that would put the time more than a month after the reference. Returns the time and
/// the bytes consumed (15).
pub fn parse_rfc3164_prefix(b: &[u8], reference_ms: i64) -> Option<(i64, usize)> {
    let month = MONTHS.iter().position(|m| b.get(0..3) == Some(&m[..]))? as u32 + 1;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let day = match (b.get(4)?, b.get(5)?) {
        (b' ', d) if d.is_ascii_digit() => u32::from(d - b'0'),
        (a, d) if a.is_ascii_digit() && d.is_ascii_digit() => {
            u32::from(a - b'0') * 10 + u32::from(d - b'0')
        }
        _ => return None,
    };
    if b.get(6) != Some(&b' ') {
        return None;
    }
    let h = digits(b, 7, 2)?;
    let mi = digits(b, 10, 2)?;
    let s = digits(b, 13, 2)?;
    if b.get(9) != Some(&b':') || b.get(12) != Some(&b':') {
        return None;
    }
    let (ref_year, ..) = civil_from_ms(reference_ms);
    if !valid(ref_year, month, day, h, mi, s) {
        return None;
    }
    let at = |year: i64| {
        (days_from_civil(year, month, day) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(s))
            * 1000
    };
    let mut ms = at(ref_year);
    if ms > reference_ms + 31 * 86_400_000 {
        ms = at(ref_year - 1);
    }
    Some((ms, 15))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_584_483_520_000; // 2020-03-17T22:18:40Z

    #[test]
    fn rfc3339_variants_of_activity_tracker() {
        for (s, ms) in [
            ("2020-03-17T22:18:40.325+0000", T0 + 325),
            ("2020-03-17T22:18:40.32+0000", T0 + 320),
            ("2020-03-17T22:18:40.3+0000", T0 + 300),
            ("2020-03-17T22:18:40Z", T0),
            ("2020-03-17T22:18:40.325Z", T0 + 325),
            ("2020-03-17T22:18:40.325+00:00", T0 + 325),
            ("2020-03-17T16:18:40.325-06:00", T0 + 325),
            ("2020-03-17T22:18:40.325123456Z", T0 + 325),
            ("2020-03-17 22:18:40", T0),
            ("2020-03-17 22:18:40 UTC", T0),
            ("2020/03/17 22:18:40", T0),
        ] {
            assert_eq!(parse_rfc3339(s), Some(ms), "{s}");
        }
        for bad in [
            "",
            "2020-03-17",
            "2020-13-17T22:18:40Z",
            "2020-03-17T22:18:40Zjunk",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn epochs_by_magnitude() {
        assert_eq!(parse_epoch("1584483520"), Some(T0));
        assert_eq!(parse_epoch("1584483520325"), Some(T0 + 325));
        assert_eq!(parse_epoch("1584483520325123"), Some(T0 + 325));
        assert_eq!(parse_epoch("1584483520325123456"), Some(T0 + 325));
        assert_eq!(parse_epoch("1584483520.5"), Some(T0 + 500));
        assert_eq!(parse_epoch("12a"), None);
        assert_eq!(parse_epoch("99999999999999999999"), None);
    }

    #[test]
    fn rfc3164_year_from_reference() {
        // Reference 2020-03-17: "Mar 17" is 2020, "Dec 31" is 2019.
        assert_eq!(
            parse_rfc3164_prefix(b"Mar 17 22:18:40 host", T0),
            Some((T0, 15))
        );
        let (dec, _) = parse_rfc3164_prefix(b"Dec 31 23:59:59", T0).unwrap();
        assert_eq!(civil_from_ms(dec).0, 2019);
        let (apr, _) = parse_rfc3164_prefix(b"Apr  8 01:47:32", T0).unwrap();
        assert_eq!(civil_from_ms(apr), (2020, 4, 8, 1, 47, 32, 0));
        assert_eq!(parse_rfc3164_prefix(b"Foo  8 01:47:32", T0), None);
    }

    #[test]
    fn civil_round_trip() {
        for ms in [0, T0, -86_400_000, 4_102_444_800_000, 951_782_400_000] {
            let (y, mo, d, h, mi, s, f) = civil_from_ms(ms);
            let back = (days_from_civil(y, mo, d) * 86_400
                + i64::from(h) * 3600
                + i64::from(mi) * 60
                + i64::from(s))
                * 1000
                + i64::from(f);
            assert_eq!(back, ms);
        }
        assert_eq!(format_rfc3339_ms(T0 + 5), "2020-03-17T22:18:40.005Z");
    }
}
