//! [`Scalar`]: any JSON value, read leniently.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use vigil_model::Str;

/// A JSON value read leniently: strings stay borrowed from the record when they hold no
/// escapes; numbers stay numbers until asked for as text; arrays and objects are skipped
/// ([`Scalar::Other`]). Absent and `null` are both [`Scalar::Null`] (the default).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Scalar<'a> {
    /// Absent or `null`.
    #[default]
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// A negative integer (or any integer that fits `i64`, when read from text).
    Int(i64),
    /// A non-negative integer.
    UInt(u64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// An array or object (skipped).
    Other,
}

impl<'a> Scalar<'a> {
    /// Whether the value is absent or `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Scalar::Null)
    }

    /// The value when it is a non-empty string.
    pub fn str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// The value when it is a string that is not empty once trimmed, trimmed.
    pub fn trimmed(&self) -> Option<&str> {
        self.str().map(str::trim).filter(|s| !s.is_empty())
    }

    /// The value as text: a non-empty string as is, a number or boolean as JSON writes it.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Scalar::Str(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
            Scalar::Int(n) => Some(Cow::Owned(n.to_string())),
            Scalar::UInt(n) => Some(Cow::Owned(n.to_string())),
            Scalar::Float(n) => Some(Cow::Owned(n.to_string())),
            Scalar::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            _ => None,
        }
    }

    /// [`Scalar::text`] as an event string.
    pub fn to_str(&self) -> Option<Str> {
        self.text().map(|t| Str::from(t.as_ref()))
    }

    /// [`Scalar::str`] as an event string (numbers are not text here).
    pub fn str_owned(&self) -> Option<Str> {
        self.str().map(Str::from)
    }

    /// The value as a signed integer: an integer, an integral float, or a string holding one.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Scalar::Int(n) => Some(*n),
            Scalar::UInt(n) => i64::try_from(*n).ok(),
            Scalar::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Some(*f as i64),
            Scalar::Str(s) => {
                let s = s.trim();
                s.parse::<i64>().ok().or_else(|| {
                    let f = s.parse::<f64>().ok()?;
                    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18).then_some(f as i64)
                })
            }
            _ => None,
        }
    }

    /// The value as an unsigned integer (see [`Scalar::i64`]).
    pub fn u64(&self) -> Option<u64> {
        match self {
            Scalar::UInt(n) => Some(*n),
            Scalar::Str(s) => match s.trim().parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => u64::try_from(self.i64()?).ok(),
            },
            _ => u64::try_from(self.i64()?).ok(),
        }
    }

    /// The value as a float: any number, or a string holding one.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Scalar::Int(n) => Some(*n as f64),
            Scalar::UInt(n) => Some(*n as f64),
            Scalar::Float(f) => Some(*f),
            Scalar::Str(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        }
    }

    /// The value as a boolean: `true`/`false`, the strings `"true"`/`"false"` (any case), or
    /// the numbers 1 and 0.
    pub fn bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Str(s) => {
                let s = s.trim();
                if s.eq_ignore_ascii_case("true") {
                    Some(true)
                } else if s.eq_ignore_ascii_case("false") {
                    Some(false)
                } else {
                    None
                }
            }
            Scalar::Int(0) | Scalar::UInt(0) => Some(false),
            Scalar::Int(1) | Scalar::UInt(1) => Some(true),
            _ => None,
        }
    }

    /// The value as a timestamp in ms since the epoch: an epoch number in s, ms, µs or ns
    /// (chosen by magnitude; a fraction counts as sub-seconds), or text in any shape
    /// [`crate::time::parse_any`] reads (RFC 3339, `YYYY-MM-DD hh:mm:ss`, numeric strings).
    pub fn time_ms(&self) -> Option<i64> {
        match self {
            Scalar::Int(n) => Some(crate::time::epoch_auto_ms(*n)),
            Scalar::UInt(n) => Some(crate::time::epoch_auto_ms(i64::try_from(*n).ok()?)),
            Scalar::Float(f) if f.is_finite() => {
                if f.abs() < 1.0e11 {
                    Some((f * 1000.0).round() as i64)
                } else if f.abs() < 9.0e18 {
                    Some(crate::time::epoch_auto_ms(*f as i64))
                } else {
                    None
                }
            }
            Scalar::Str(s) => crate::time::parse_any(s),
            _ => None,
        }
    }

    /// The value as a JSON value (`Other` becomes `null`: the original is in the raw record).
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Scalar::Null | Scalar::Other => Value::Null,
            Scalar::Str(s) => Value::String(s.to_string()),
            Scalar::Int(n) => Value::from(*n),
            Scalar::UInt(n) => Value::from(*n),
            Scalar::Float(f) => Value::from(*f),
            Scalar::Bool(b) => Value::Bool(*b),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any json value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(if v >= 0 {
            Scalar::UInt(v as u64)
        } else {
            Scalar::Int(v)
        })
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::UInt(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}
