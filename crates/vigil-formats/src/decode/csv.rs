//! CSV as PAN-OS writes it: comma separated, a field double-quoted only when it holds a comma
//! or a quote, `""` for a quote inside quotes, line breaks allowed inside quotes.
//!
//! Real lines bend this, and the splitter bends with them instead of failing: an opening quote
//! that never closes takes the rest of the line as its field; text after a closing quote and
//! before the next comma is kept, appended to the field; a quote in the middle of an unquoted
//! field is an ordinary character. A line with `n` commas outside quotes has `n + 1` fields, so
//! the empty line is one empty field and a trailing comma gives a trailing empty field.
//!
//! [`Fields`] iterates without allocating (a field borrows from the line unless it contains a
//! `""` escape); [`split`] collects it.

use std::borrow::Cow;

/// Splits one CSV line into its fields. Never fails; see the module docs for the quirks.
pub fn split(s: &str) -> Vec<Cow<'_, str>> {
    // Most PAN-OS lines have 30 to 120 fields; one allocation of a good guess saves regrowth.
    let mut fields = Vec::with_capacity(memchr::memchr_iter(b',', s.as_bytes()).count() + 1);
    fields.extend(fields_of(s));
    fields
}

/// The fields of `s`, lazily: no allocation unless a field holds a `""` escape or text after
/// its closing quote.
pub fn fields_of(s: &str) -> Fields<'_> {
    Fields {
        rest: s,
        done: false,
    }
}

/// Iterator over the fields of one CSV line (see [`fields_of`]).
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    rest: &'a str,
    done: bool,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Cow<'a, str>;

    fn next(&mut self) -> Option<Cow<'a, str>> {
        if self.done {
            return None;
        }
        let rest = self.rest;
        if let Some(quoted) = rest.strip_prefix('"') {
            let (field, after) = quoted_field(quoted);
            self.advance(after);
            return Some(field);
        }
        match memchr::memchr(b',', rest.as_bytes()) {
            Some(comma) => {
                self.rest = rest.get(comma + 1..).unwrap_or("");
                Some(Cow::Borrowed(rest.get(..comma).unwrap_or("")))
            }
            None => {
                self.done = true;
                Some(Cow::Borrowed(rest))
            }
        }
    }
}

impl<'a> Fields<'a> {
    /// Moves past the separator that ends a field: `after` starts at a comma or is empty.
    fn advance(&mut self, after: Option<&'a str>) {
        match after {
            Some(after) => self.rest = after,
            None => {
                self.rest = "";
                self.done = true;
            }
        }
    }
}

/// A quoted field whose opening quote is already consumed. Returns the field and what follows
/// its terminating comma (`None` when the line ends with this field).
fn quoted_field(s: &str) -> (Cow<'_, str>, Option<&str>) {
    let bytes = s.as_bytes();
    let mut owned: Option<String> = None;
    let mut start = 0;
    loop {
        let Some(quote) =
            memchr::memchr(b'"', bytes.get(start..).unwrap_or_default()).map(|at| at + start)
        else {
            // Unterminated: the rest of the line is the field.
            let tail = s.get(start..).unwrap_or("");
            return (join(owned, tail), None);
        };
        if bytes.get(quote + 1) == Some(&b'"') {
            // `""` is one quote: keep the text and the first quote, skip the second.
            let buf = owned.get_or_insert_with(String::new);
            buf.push_str(s.get(start..=quote).unwrap_or(""));
            start = quote + 2;
            continue;
        }
        let inner = s.get(start..quote).unwrap_or("");
        let after_quote = s.get(quote + 1..).unwrap_or("");
        if after_quote.is_empty() {
            return (join(owned, inner), None);
        }
        if let Some(next) = after_quote.strip_prefix(',') {
            return (join(owned, inner), Some(next));
        }
        // Text between the closing quote and the next comma: keep it, unquoted.
        let (junk, next) = match memchr::memchr(b',', after_quote.as_bytes()) {
            Some(comma) => (
                after_quote.get(..comma).unwrap_or(""),
                Some(after_quote.get(comma + 1..).unwrap_or("")),
            ),
            None => (after_quote, None),
        };
        let mut buf = owned.unwrap_or_default();
        buf.push_str(inner);
        buf.push_str(junk);
        return (Cow::Owned(buf), next);
    }
}

/// The field made of what was accumulated in `owned` (if anything) followed by `tail`.
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

    fn check(line: &str, expect: &[&str]) {
        let got = split(line);
        let got: Vec<&str> = got.iter().map(|f| f.as_ref()).collect();
        assert_eq!(got, expect, "line {line:?}");
        assert_eq!(fields_of(line).count(), expect.len());
    }

    #[test]
    fn plain_fields_and_empties() {
        check("", &[""]);
        check("a", &["a"]);
        check("a,b,,c", &["a", "b", "", "c"]);
        check("a,", &["a", ""]);
        check(",", &["", ""]);
    }

    #[test]
    fn quoted_fields_with_commas_and_escapes() {
        check(r#"1,"a, b",c"#, &["1", "a, b", "c"]);
        check(r#""say ""hi""",x"#, &[r#"say "hi""#, "x"]);
        check(r#""","""""#, &["", "\""]);
        check(r#"a,"""#, &["a", ""]);
    }

    #[test]
    fn embedded_newline_inside_quotes() {
        check(
            "1,\"line one\nline two\",3",
            &["1", "line one\nline two", "3"],
        );
    }

    #[test]
    fn unterminated_quote_keeps_the_rest() {
        check(r#"a,"open, never closed"#, &["a", "open, never closed"]);
        check(r#"a,"x""y"#, &["a", "x\"y"]);
        check(r#"a,""#, &["a", ""]);
    }

    #[test]
    fn text_after_closing_quote_is_kept() {
        check(r#""ab"cd,e"#, &["abcd", "e"]);
        check(r#""ab"cd"#, &["abcd"]);
    }

    #[test]
    fn quote_inside_unquoted_field_is_literal() {
        check(r#"ab"c,d"#, &["ab\"c", "d"]);
        check(
            r#"\"Deviating device: x\",1"#,
            &["\\\"Deviating device: x\\\"", "1"],
        );
    }

    #[test]
    fn borrows_when_no_escape() {
        let fields = split(r#"a,"b,c",d"#);
        assert!(fields.iter().all(|f| matches!(f, Cow::Borrowed(_))));
    }

    proptest! {
        #[test]
        fn never_panics_and_counts_fields(s in ".{0,200}") {
            let fields = split(&s);
            prop_assert!(!fields.is_empty());
            // Without quotes the split is exactly `str::split`.
            if !s.contains('"') {
                let expect: Vec<&str> = s.split(',').collect();
                let got: Vec<&str> = fields.iter().map(|f| f.as_ref()).collect();
                prop_assert_eq!(got, expect);
            }
        }

        #[test]
        fn quoted_round_trip(values in proptest::collection::vec("[a-z,\" \n]{0,12}", 1..8)) {
            let line: Vec<String> = values
                .iter()
                .map(|v| {
                    if v.contains([',', '"']) {
                        format!("\"{}\"", v.replace('"', "\"\""))
                    } else {
                        v.clone()
                    }
                })
                .collect();
            let line = line.join(",");
            let got: Vec<String> = split(&line).into_iter().map(Cow::into_owned).collect();
            prop_assert_eq!(got, values);
        }
    }
}
