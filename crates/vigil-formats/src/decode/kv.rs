//! `key=value` text as FortiGate writes it: pairs separated by spaces or TABs (one or more),
//! string values in double quotes (which may hold spaces, commas, `|`, brackets, `=` and
//! `\"`), other values running to the next space.
//!
//! Real lines bend this, and the parser bends with them instead of failing:
//!
//! * a quote that never closes takes the rest of the line (trailing spaces trimmed);
//! * text glued to a closing quote (`msg="…"|` from a relay) is dropped;
//! * a token with no `=` (a stray `|`, a trailing TAB) is skipped;
//! * a pair with an empty key (`=x`) is skipped; an empty value (`a= b=1`, `a=""`) is kept.
//!
//! Order and duplicate keys are kept. [`Pairs`] iterates without allocating (a value borrows
//! from the line unless it contains `\"`); [`parse`] collects it.

use std::borrow::Cow;

/// Parses a line of `key=value` pairs, in order, duplicates kept. Never fails.
pub fn parse(s: &str) -> Vec<(&str, Cow<'_, str>)> {
    // A pair is rarely shorter than 12 bytes; a good first guess saves regrowth.
    let mut pairs = Vec::with_capacity(s.len() / 12 + 4);
    pairs.extend(pairs_of(s));
    pairs
}

/// The pairs of `s`, lazily (see [`parse`]).
pub fn pairs_of(s: &str) -> Pairs<'_> {
    Pairs { rest: s }
}

/// Iterator over the pairs of one line (see [`pairs_of`]).
#[derive(Clone, Debug)]
pub struct Pairs<'a> {
    rest: &'a str,
}

fn is_separator(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, Cow<'a, str>);

    fn next(&mut self) -> Option<(&'a str, Cow<'a, str>)> {
        loop {
            let s = self.rest.trim_start_matches([' ', '\t', '\r', '\n']);
            if s.is_empty() {
                self.rest = s;
                return None;
            }
            let bytes = s.as_bytes();
            let token_end = bytes.iter().position(|c| *c == b'=' || is_separator(*c));
            let Some(eq) = token_end.filter(|at| bytes.get(*at) == Some(&b'=')) else {
                // A token with no `=`: skip it.
                self.rest = s.get(token_end.unwrap_or(s.len())..).unwrap_or("");
                continue;
            };
            let key = s.get(..eq).unwrap_or("");
            let after_eq = s.get(eq + 1..).unwrap_or("");
            let (value, rest) = match after_eq.strip_prefix('"') {
                Some(quoted) => quoted_value(quoted),
                None => {
                    let end = after_eq
                        .as_bytes()
                        .iter()
                        .position(|c| is_separator(*c))
                        .unwrap_or(after_eq.len());
                    (
                        Cow::Borrowed(after_eq.get(..end).unwrap_or("")),
                        after_eq.get(end..).unwrap_or(""),
                    )
                }
            };
            self.rest = rest;
            if key.is_empty() {
                continue;
            }
            return Some((key, value));
        }
    }
}

/// A quoted value whose opening quote is consumed. Returns the value and the rest of the line
/// after it (starting at a separator, or empty).
fn quoted_value(s: &str) -> (Cow<'_, str>, &str) {
    let bytes = s.as_bytes();
    let mut owned: Option<String> = None;
    let mut start = 0;
    loop {
        let found = memchr::memchr2(b'"', b'\\', bytes.get(start..).unwrap_or_default());
        let Some(at) = found.map(|at| at + start) else {
            // Unterminated: the rest of the line, without trailing blanks.
            let tail = s.get(start..).unwrap_or("");
            let tail = tail.trim_end_matches([' ', '\t', '\r', '\n']);
            return (join(owned, tail), "");
        };
        if bytes.get(at) == Some(&b'\\') {
            if bytes.get(at + 1) == Some(&b'"') {
                let buf = owned.get_or_insert_with(String::new);
                buf.push_str(s.get(start..at).unwrap_or(""));
                buf.push('"');
                start = at + 2;
            } else {
                // A lone backslash is an ordinary character (Windows paths).
                let buf = owned.get_or_insert_with(String::new);
                buf.push_str(s.get(start..=at).unwrap_or(""));
                start = at + 1;
            }
            continue;
        }
        let value = join(owned, s.get(start..at).unwrap_or(""));
        let after = s.get(at + 1..).unwrap_or("");
        // Drop anything glued to the closing quote (a relay's trailing `|`).
        let end = after
            .as_bytes()
            .iter()
            .position(|c| is_separator(*c))
            .unwrap_or(after.len());
        return (value, after.get(end..).unwrap_or(""));
    }
}

fn join(owned: Option<String>, tail: &str) -> Cow<'_, str> {
    match owned {
        None => Cow::Borrowed(tail),
        Some(mut buf) => {
            buf.push_str(tail);
            Cow::Owned(buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(line: &str, expect: &[(&str, &str)]) {
        let got = parse(line);
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (*k, v.as_ref())).collect();
        assert_eq!(got, expect, "line {line:?}");
    }

    #[test]
    fn quoted_and_unquoted_values() {
        check(
            r#"date=2019-05-10 logid="0000000013" srcip=10.1.100.11 app="HTTP.BROWSER_Firefox""#,
            &[
                ("date", "2019-05-10"),
                ("logid", "0000000013"),
                ("srcip", "10.1.100.11"),
                ("app", "HTTP.BROWSER_Firefox"),
            ],
        );
    }

    #[test]
    fn quoted_values_hold_separators() {
        check(
            r#"msg="a, b | [c] d=e" ipaddr="1.2.3.4, 5.6.7.8" x=1"#,
            &[
                ("msg", "a, b | [c] d=e"),
                ("ipaddr", "1.2.3.4, 5.6.7.8"),
                ("x", "1"),
            ],
        );
    }

    #[test]
    fn escaped_quote_inside_quotes() {
        check(
            r#"msg="say \"hi\" now" y=2"#,
            &[("msg", r#"say "hi" now"#), ("y", "2")],
        );
        check(
            r#"path="C:\dir\file" z=3"#,
            &[("path", r"C:\dir\file"), ("z", "3")],
        );
    }

    #[test]
    fn unterminated_quote_at_end_of_line() {
        check(
            r#"apn="N/A" msg="FX04 STATE: sim in slot:2 connecting  "#,
            &[
                ("apn", "N/A"),
                ("msg", "FX04 STATE: sim in slot:2 connecting"),
            ],
        );
    }

    #[test]
    fn trailing_pipe_after_closing_quote() {
        check(
            r#"profile="super_admin" msg="logged in from https(172.16.1.2)"|"#,
            &[
                ("profile", "super_admin"),
                ("msg", "logged in from https(172.16.1.2)"),
            ],
        );
        check("a=1 |", &[("a", "1")]);
    }

    #[test]
    fn tabs_and_multiple_spaces() {
        check(
            "logdesc=\"x\"   action=\"FortiExtender Authorized\"    msg=\"m\"\t",
            &[
                ("logdesc", "x"),
                ("action", "FortiExtender Authorized"),
                ("msg", "m"),
            ],
        );
        check("a=1\tb=2", &[("a", "1"), ("b", "2")]);
    }

    #[test]
    fn unquoted_slash_value_and_empties() {
        check(
            "assignip=N/A vpntunnel=\"x\" e= f=\"\" =g h",
            &[
                ("assignip", "N/A"),
                ("vpntunnel", "x"),
                ("e", ""),
                ("f", ""),
            ],
        );
    }

    #[test]
    fn order_and_duplicates_kept() {
        check("a=1 b=2 a=3", &[("a", "1"), ("b", "2"), ("a", "3")]);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            for (key, _) in parse(&s) {
                prop_assert!(!key.is_empty());
                prop_assert!(!key.contains([' ', '\t', '=']));
            }
        }

        #[test]
        fn round_trip(pairs in proptest::collection::vec(("[a-z_]{1,8}", "[a-zA-Z0-9 ,|=\\[\\]\"]{0,12}"), 0..8)) {
            let line: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", v.replace('"', "\\\"")))
                .collect();
            let line = line.join(" ");
            let got: Vec<(String, String)> = parse(&line)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.into_owned()))
                .collect();
            prop_assert_eq!(got, pairs);
        }
    }
}
