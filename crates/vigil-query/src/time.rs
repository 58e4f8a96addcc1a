//! Durations (`30s`, `5m`, `1h30m`) and time literals (RFC 3339, epoch milliseconds,
//! `now`, `now-1d`, `-24h`). Pure: "now" is always passed in.

/// Milliseconds per unit, longest unit name first where one is a prefix of another.
const UNITS: &[(&str, i64)] = &[
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
    ("w", 604_800_000),
];

/// `5m`, `30s`, `1h30m`, `500ms` → milliseconds; `None` if malformed or out of range.
pub(crate) fn parse_duration_ms(text: &str) -> Option<i64> {
    let mut rest = text;
    let mut total: i64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let amount: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let (_, ms) = UNITS.iter().find(|(name, _)| *name == unit)?;
        total = total.checked_add(amount.checked_mul(*ms)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// Canonical text of a duration: the longest unit that divides it (`300000` → `5m`).
pub(crate) fn format_duration(ms: i64) -> String {
    for (name, unit) in UNITS.iter().rev() {
        if ms != 0 && ms % unit == 0 {
            return format!("{}{name}", ms / unit);
        }
    }
    format!("{ms}ms")
}

/// Why a time literal was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TimeError {
    /// Not any form of time.
    Malformed,
    /// Relative (`-24h`, `now`), and no reference time was given.
    NeedsNow,
}

/// A time literal in milliseconds since the epoch: `2024-05-01T10:00:00Z` (offset optional,
/// UTC if absent; a date alone is midnight UTC), epoch milliseconds (always milliseconds, so
/// that normalized values read back the same), `now`, `now-1d`, `now+5m`, `-24h`.
pub(crate) fn parse_time_ms(text: &str, now_ms: Option<i64>) -> Result<i64, TimeError> {
    let text = text.trim();
    if let Some(offset) = relative_offset(text) {
        let offset = offset.ok_or(TimeError::Malformed)?;
        let now = now_ms.ok_or(TimeError::NeedsNow)?;
        return now.checked_add(offset).ok_or(TimeError::Malformed);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| TimeError::Malformed);
    }
    parse_rfc3339_ms(text).ok_or(TimeError::Malformed)
}

/// `Some(offset)` if `text` is relative (`now`, `now±dur`, `±dur` with a unit); the inner
/// `None` means relative but malformed.
fn relative_offset(text: &str) -> Option<Option<i64>> {
    let lower = text.to_ascii_lowercase();
    let rest = match lower.strip_prefix("now") {
        Some("") => return Some(Some(0)),
        Some(rest) => rest,
        None => {
            // A bare signed duration: needs a unit, or it is an epoch.
            let unsigned = lower.strip_prefix(['-', '+'])?;
            if unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            &lower
        }
    };
    let (sign, duration) = match rest.as_bytes().first() {
        Some(b'-') => (-1, &rest[1..]),
        Some(b'+') => (1, &rest[1..]),
        _ => return Some(None),
    };
    Some(parse_duration_ms(duration).map(|ms| sign * ms))
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH:MM|±HHMM]` → epoch milliseconds.
fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |from: usize, len: usize| -> Option<i64> {
        let slice = bytes.get(from..from + len)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(slice).ok()?.parse().ok()
    };
    let year = number(0, 4)?;
    let month = number(5, 2)?;
    let day = number(8, 2)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    let mut at = 10;
    if matches!(bytes.get(at), Some(b'T' | b't' | b' ')) {
        let hour = number(at + 1, 2)?;
        let minute = number(at + 4, 2)?;
        if bytes.get(at + 3) != Some(&b':') || hour > 23 || minute > 59 {
            return None;
        }
        at += 6;
        let mut second = 0;
        if bytes.get(at) == Some(&b':') {
            second = number(at + 1, 2)?;
            if second > 60 {
                return None;
            }
            at += 3;
        }
        millis += (hour * 3600 + minute * 60 + second) * 1000;
        if matches!(bytes.get(at), Some(b'.' | b',')) {
            at += 1;
            let digits = bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 {
                return None;
            }
            let mut fraction = 0;
            for (index, byte) in bytes[at..at + digits].iter().take(3).enumerate() {
                fraction += i64::from(byte - b'0') * [100, 10, 1][index];
            }
            millis += fraction;
            at += digits;
        }
    }
    match bytes.get(at) {
        None => Some(millis),
        Some(b'Z' | b'z') if at + 1 == bytes.len() => Some(millis),
        Some(sign @ (b'+' | b'-')) => {
            let hours = number(at + 1, 2)?;
            let minutes_at = if bytes.get(at + 3) == Some(&b':') {
                at + 4
            } else {
                at + 3
            };
            let minutes = number(minutes_at, 2)?;
            if minutes_at + 2 != bytes.len() || hours > 23 || minutes > 59 {
                return None;
            }
            let offset = (hours * 60 + minutes) * 60_000;
            Some(if *sign == b'+' {
                millis - offset
            } else {
                millis + offset
            })
        }
        Some(_) => None,
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_714_557_600_000; // 2024-05-01T10:00:00Z

    fn check(text: &str, expected: Result<i64, TimeError>) {
        assert_eq!(parse_time_ms(text, Some(NOW)), expected, "time {text:?}");
    }

    #[test]
    fn time_literals() {
        check("2024-05-01T10:00:00Z", Ok(NOW));
        check("2024-05-01t10:00:00z", Ok(NOW));
        check("2024-05-01 10:00:00", Ok(NOW));
        check("2024-05-01T12:00:00+02:00", Ok(NOW));
        check("2024-05-01T05:30:00-0430", Ok(NOW));
        check("2024-05-01T10:00:00.123456Z", Ok(NOW + 123));
        check("2024-05-01T10:00Z", Ok(NOW));
        check("2024-05-01", Ok(NOW - 10 * 3_600_000));
        check("1970-01-01T00:00:00Z", Ok(0));
        check("2000-02-29T00:00:00Z", Ok(951_782_400_000));
        check("1714557600", Ok(1_714_557_600));
        check("-5", Ok(-5));
        check("1714557600000", Ok(NOW));
        check("0", Ok(0));
        check("now", Ok(NOW));
        check("NOW-1d", Ok(NOW - 86_400_000));
        check("now+5m", Ok(NOW + 300_000));
        check("-24h", Ok(NOW - 86_400_000));
        check("-1h30m", Ok(NOW - 5_400_000));
        check("2023-02-29T00:00:00Z", Err(TimeError::Malformed));
        check("2024-13-01", Err(TimeError::Malformed));
        check("2024-05-01T25:00:00Z", Err(TimeError::Malformed));
        check("2024-05-01T10:00:00Zjunk", Err(TimeError::Malformed));
        check("now-", Err(TimeError::Malformed));
        check("now-5x", Err(TimeError::Malformed));
        check("yesterday", Err(TimeError::Malformed));
        check("99999999999999999999", Err(TimeError::Malformed));
        check("-9999999999999999w", Err(TimeError::Malformed));
        assert_eq!(parse_time_ms("-24h", None), Err(TimeError::NeedsNow));
    }

    #[test]
    fn durations() {
        for (text, ms) in [
            ("30s", Some(30_000)),
            ("5m", Some(300_000)),
            ("1h", Some(3_600_000)),
            ("1d", Some(86_400_000)),
            ("500ms", Some(500)),
            ("1h30m", Some(5_400_000)),
            ("", None),
            ("m", None),
            ("5", None),
            ("5y", None),
            ("-5m", None),
        ] {
            assert_eq!(parse_duration_ms(text), ms, "duration {text:?}");
        }
        for (ms, text) in [
            (300_000, "5m"),
            (90_000, "90s"),
            (500, "500ms"),
            (604_800_000, "1w"),
            (0, "0ms"),
        ] {
            assert_eq!(format_duration(ms), text);
        }
    }
}
