//! The crate's one error type: a message and where in the query text it applies.
//!
//! Every failure of this crate (a syntax error, an unknown field, a value of the wrong kind,
//! a regex that does not compile, a column a pipe cannot see) is about a place in the text
//! the analyst typed, so a single struct serves them all; there is no IO to fail.

use crate::ast::Span;

/// What is wrong with a query, and where (a byte range of the query text).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {})", span.start)]
pub struct ParseError {
    /// Lowercase, no trailing period, identifiers in backticks.
    pub message: String,
    /// The byte range the message is about (may be empty, at the end of the text).
    pub span: Span,
}

impl ParseError {
    /// An error about `span`.
    pub fn new(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            message: message.into(),
            span,
        }
    }

    /// The message, the query line the span starts on, and a caret line under the span:
    ///
    /// ```text
    /// error: expected a value after `src_ip:`
    ///   src_ip: AND x
    ///          ^
    /// ```
    ///
    /// Spans that do not fit the text (another text, or cut inside a character) are clamped,
    /// never a panic.
    pub fn render(&self, query: &str) -> String {
        let start = floor_char_boundary(query, self.span.start);
        let end = floor_char_boundary(query, self.span.end.max(start));
        let line_start = query[..start].rfind('\n').map_or(0, |at| at + 1);
        let line_end = query[start..]
            .find('\n')
            .map_or(query.len(), |at| start + at);
        let line = &query[line_start..line_end];
        let indent = display_width(&query[line_start..start]);
        let underlined = display_width(&query[start..end.min(line_end)]).max(1);
        format!(
            "error: {}\n  {}\n  {}{}",
            self.message,
            line.replace('\t', " "),
            " ".repeat(indent),
            "^".repeat(underlined)
        )
    }
}

/// The largest char boundary of `text` at or below `index`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Columns a terminal uses for `text`, counting one per character (good enough for the
/// ASCII queries analysts type; wide characters shift the caret, they do not break it).
fn display_width(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, span: Span, expected: &str) {
        let error = ParseError::new("expected a value after `src_ip:`", span);
        assert_eq!(error.render(query), expected, "query {query:?}");
    }

    #[test]
    fn render_puts_a_caret_under_the_span() {
        check(
            "src_ip: AND x",
            7..8,
            "error: expected a value after `src_ip:`\n  src_ip: AND x\n         ^",
        );
        check(
            "user:bob AND src_ip:",
            13..20,
            "error: expected a value after `src_ip:`\n  user:bob AND src_ip:\n               ^^^^^^^",
        );
        // An empty span at the end still gets one caret.
        check(
            "src_ip:",
            7..7,
            "error: expected a value after `src_ip:`\n  src_ip:\n         ^",
        );
    }

    #[test]
    fn render_clamps_spans_that_do_not_fit() {
        check(
            "é",
            1..1,
            "error: expected a value after `src_ip:`\n  é\n  ^",
        );
        check(
            "ab",
            10..20,
            "error: expected a value after `src_ip:`\n  ab\n    ^",
        );
        check(
            "ab",
            std::ops::Range { start: 2, end: 1 },
            "error: expected a value after `src_ip:`\n  ab\n    ^",
        );
    }

    #[test]
    fn render_shows_only_the_line_of_the_span() {
        check(
            "user:bob\n| stats nope()",
            17..21,
            "error: expected a value after `src_ip:`\n  | stats nope()\n          ^^^^",
        );
    }
}
