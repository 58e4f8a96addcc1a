//! Time-part modifiers: parse a field's timestamp and take one part of it, in UTC.
//!
//! Accepted timestamps: RFC 3339 text (`T`, `t` or a space between date and time; seconds,
//! fraction and offset optional; no offset means UTC; a bare date is midnight), or an epoch
//! number (integer, float or numeric text) in seconds, milliseconds, microseconds or
//! nanoseconds, chosen by magnitude (≥ 1e11 is milliseconds, ≥ 1e14 microseconds, ≥ 1e17
//! nanoseconds: 1e11 seconds is the year 5138).

use crate::doc::FieldValue;

/// A part of a timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimePart {
    /// 0–59.
    Minute,
    /// 0–23.
    Hour,
    /// Day of the month, 1–31.
    Day,
    /// ISO 8601 week of the year, 1–53.
    Week,
    /// 1–12.
    Month,
    /// The year.
    Year,
}

/// The part of the timestamp held by `value`, if it holds one.
pub(crate) fn part_of(value: &FieldValue<'_>, part: TimePart) -> Option<i64> {
    let seconds = epoch_seconds(value)?;
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    Some(match part {
        TimePart::Minute => (second_of_day / 60) % 60,
        TimePart::Hour => second_of_day / 3600,
        TimePart::Day => i64::from(civil_from_days(days).2),
        TimePart::Month => i64::from(civil_from_days(days).1),
        TimePart::Year => civil_from_days(days).0,
        TimePart::Week => iso_week(days),
    })
}

/// Seconds since the Unix epoch (floored).
fn epoch_seconds(value: &FieldValue<'_>) -> Option<i64> {
    match value {
        FieldValue::Int(int) => Some(scale_int(*int)),
        FieldValue::Float(float) => scale_float(*float),
        FieldValue::Str(text) => parse_text(text),
        FieldValue::Bool(_) | FieldValue::Null => None,
    }
}

fn scale_int(value: i64) -> i64 {
    let magnitude = value.unsigned_abs();
    let divisor = if magnitude >= 100_000_000_000_000_000 {
        1_000_000_000
    } else if magnitude >= 100_000_000_000_000 {
        1_000_000
    } else if magnitude >= 100_000_000_000 {
        1_000
    } else {
        1
    };
    value.div_euclid(divisor)
}

fn scale_float(value: f64) -> Option<i64> {
    if !value.is_finite() {
        return None;
    }
    let magnitude = value.abs();
    let seconds = if magnitude >= 1e17 {
        value / 1e9
    } else if magnitude >= 1e14 {
        value / 1e6
    } else if magnitude >= 1e11 {
        value / 1e3
    } else {
        value
    };
    // `as` saturates; out-of-range floats give far-away but harmless dates.
    Some(seconds.floor() as i64)
}

fn parse_text(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let numeric = !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
        && bytes.get(4) != Some(&b'-');
    if numeric {
        if let Ok(int) = text.parse::<i64>() {
            return Some(scale_int(int));
        }
        return text.parse::<f64>().ok().and_then(scale_float);
    }
    parse_rfc3339(bytes)
}

/// A small cursor over ASCII digits.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, count: usize) -> Option<i64> {
        let slice = self.bytes.get(self.at..self.at + count)?;
        let mut value = 0i64;
        for b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
        }
        self.at += count;
        Some(value)
    }

    fn eat(&mut self, wanted: u8) -> bool {
        if self.bytes.get(self.at) == Some(&wanted) {
            self.at += 1;
            return true;
        }
        false
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }
}

fn parse_rfc3339(bytes: &[u8]) -> Option<i64> {
    let mut cursor = Cursor { bytes, at: 0 };
    let year = cursor.digits(4)?;
    cursor.eat(b'-').then_some(())?;
    let month = cursor.digits(2)?;
    cursor.eat(b'-').then_some(())?;
    let day = cursor.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds_of_day = 0;
    let mut offset_seconds = 0;
    if matches!(cursor.peek(), Some(b'T' | b't' | b' ')) {
        cursor.at += 1;
        let hour = cursor.digits(2)?;
        cursor.eat(b':').then_some(())?;
        let minute = cursor.digits(2)?;
        let mut second = 0;
        if cursor.eat(b':') {
            second = cursor.digits(2)?;
            if cursor.eat(b'.') || cursor.eat(b',') {
                let start = cursor.at;
                while cursor.peek().is_some_and(|b| b.is_ascii_digit()) {
                    cursor.at += 1;
                }
                if cursor.at == start {
                    return None;
                }
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        seconds_of_day = hour * 3600 + minute * 60 + second;
        match cursor.peek() {
            None => {}
            Some(b'Z' | b'z') => cursor.at += 1,
            Some(sign @ (b'+' | b'-')) => {
                cursor.at += 1;
                let hours = cursor.digits(2)?;
                cursor.eat(b':');
                let minutes = if cursor.peek().is_some() {
                    cursor.digits(2)?
                } else {
                    0
                };
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let offset = hours * 3600 + minutes * 60;
                offset_seconds = if sign == b'+' { offset } else { -offset };
            }
            Some(_) => return None,
        }
    }
    if cursor.at != bytes.len() {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + seconds_of_day - offset_seconds)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
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

/// The date of a day count: (year, month 1–12, day 1–31).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (year, month as u32, day as u32)
}

/// ISO 8601 week number: the week of the Thursday of the same Monday-based week.
fn iso_week(days: i64) -> i64 {
    // 1970-01-01 was a Thursday: weekday 0 = Monday … 6 = Sunday.
    let weekday = (days + 3).rem_euclid(7);
    let thursday = days - weekday + 3;
    let (year, _, _) = civil_from_days(thursday);
    let ordinal = thursday - days_from_civil(year, 1, 1);
    ordinal / 7 + 1
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn check(text: &str, part: TimePart) -> Option<i64> {
        part_of(&FieldValue::Str(Cow::Borrowed(text)), part)
    }

    #[test]
    fn rfc3339_parts_in_utc() {
        let stamp = "2024-02-29T23:45:12.123+02:00";
        assert_eq!(check(stamp, TimePart::Hour), Some(21));
        assert_eq!(check(stamp, TimePart::Minute), Some(45));
        assert_eq!(check(stamp, TimePart::Day), Some(29));
        assert_eq!(check(stamp, TimePart::Month), Some(2));
        assert_eq!(check(stamp, TimePart::Year), Some(2024));
        assert_eq!(check("2024-01-01T01:00:00-02:00", TimePart::Hour), Some(3));
        assert_eq!(
            check("2023-12-31T23:30:00-01:00", TimePart::Year),
            Some(2024)
        );
        assert_eq!(check("2024-05-06 07:08:09", TimePart::Hour), Some(7));
        assert_eq!(check("2024-05-06", TimePart::Day), Some(6));
        assert_eq!(check("2024-05-06T07:08Z", TimePart::Minute), Some(8));
    }

    #[test]
    fn invalid_timestamps_have_no_part() {
        for text in [
            "",
            "yesterday",
            "2024-13-01",
            "2023-02-29",
            "2024-01-01T24:00:00Z",
            "2024-01-01T10:00:00X",
            "2024-01-01T10:00:00.Z",
            "2024-01-01T10",
        ] {
            assert_eq!(check(text, TimePart::Hour), None, "{text}");
        }
        assert_eq!(part_of(&FieldValue::Bool(true), TimePart::Hour), None);
        assert_eq!(part_of(&FieldValue::Float(f64::NAN), TimePart::Hour), None);
    }

    #[test]
    fn epoch_numbers_by_magnitude() {
        // 2021-01-01T10:20:30Z = 1609496430.
        for value in [
            FieldValue::Int(1_609_496_430),
            FieldValue::Int(1_609_496_430_123),
            FieldValue::Int(1_609_496_430_123_456),
            FieldValue::Int(1_609_496_430_123_456_789),
            FieldValue::Float(1_609_496_430.5),
            FieldValue::Str(Cow::Borrowed("1609496430")),
            FieldValue::Str(Cow::Borrowed("1609496430123")),
        ] {
            assert_eq!(part_of(&value, TimePart::Hour), Some(10), "{value:?}");
            assert_eq!(part_of(&value, TimePart::Minute), Some(20), "{value:?}");
            assert_eq!(part_of(&value, TimePart::Year), Some(2021), "{value:?}");
        }
        assert_eq!(part_of(&FieldValue::Int(-1), TimePart::Year), Some(1969));
        assert!(part_of(&FieldValue::Int(i64::MIN), TimePart::Year).is_some());
        assert!(part_of(&FieldValue::Float(1e300), TimePart::Year).is_some());
    }

    #[test]
    fn iso_weeks_at_year_edges() {
        assert_eq!(check("2021-01-03", TimePart::Week), Some(53)); // Sunday of 2020-W53
        assert_eq!(check("2021-01-04", TimePart::Week), Some(1));
        assert_eq!(check("2024-12-30", TimePart::Week), Some(1)); // 2025-W01
        assert_eq!(check("2024-06-15", TimePart::Week), Some(24));
        assert_eq!(check("2026-01-01", TimePart::Week), Some(1));
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 11_016, 19_782, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(
                days_from_civil(year, i64::from(month), i64::from(day)),
                days
            );
        }
    }
}
