//! A position in the query text and the small scanning steps the parser is made of.
//!
//! The language is context-sensitive (`:` ends a field name but is part of an IPv6 value,
//! `/` opens a regex only where a value starts), so there is no separate token stream: the
//! parser asks the cursor for the kind of token the grammar expects at this point.

use crate::ast::Span;

/// Characters that end a word in a filter (outside quotes, unless escaped).
pub(crate) fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '|')
}

/// Characters that may start an identifier (field or column name).
pub(crate) fn starts_ident(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '@'
}

/// Characters that may continue an identifier (`[]` is handled as a pair).
pub(crate) fn continues_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@')
}

/// A word as read from the text, in the forms the grammar needs.
#[derive(Debug)]
pub(crate) struct Word {
    /// Unescaped text (`a\*b` → `a*b`).
    pub literal: String,
    /// Wildcard-pattern text: unescaped, except `\*`, `\?`, `\\` which stay escaped.
    pub pattern: String,
    /// Some `*` or `?` was not escaped.
    pub has_wildcard: bool,
    /// Some character was escaped.
    pub had_escape: bool,
    /// Where the word is.
    pub span: Span,
}

pub(crate) struct Cursor<'t> {
    text: &'t str,
    pos: usize,
}

impl<'t> Cursor<'t> {
    pub fn new(text: &'t str) -> Cursor<'t> {
        Cursor { text, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub fn rest(&self) -> &'t str {
        &self.text[self.pos..]
    }

    pub fn slice(&self, span: Span) -> &'t str {
        &self.text[span]
    }

    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.pos += expected.len_utf8();
            return true;
        }
        false
    }

    pub fn eat_str(&mut self, expected: &str) -> bool {
        if self.rest().starts_with(expected) {
            self.pos += expected.len();
            return true;
        }
        false
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// The span of the next character (empty at the end).
    pub fn next_char_span(&self) -> Span {
        let len = self.peek().map_or(0, char::len_utf8);
        self.pos..self.pos + len
    }

    /// The raw text up to the next word end, not consumed (for keyword checks: an escaped
    /// `\AND` is not the operator because the raw text differs).
    pub fn peek_raw_word(&self) -> &'t str {
        let rest = self.rest();
        let end = rest.find(ends_word).unwrap_or(rest.len());
        &rest[..end]
    }

    /// An identifier (`src_ip`, `actor.user.name`, `resources[].uid`, `@timestamp`), or
    /// `None` without moving.
    pub fn ident(&mut self) -> Option<(String, Span)> {
        let start = self.pos;
        if !self.peek().is_some_and(starts_ident) {
            return None;
        }
        loop {
            if self.eat_str("[]") {
                continue;
            }
            match self.peek() {
                Some(c) if continues_ident(c) => {
                    self.bump();
                }
                _ => break,
            }
        }
        Some((self.text[start..self.pos].to_string(), start..self.pos))
    }

    /// Reads a word up to an unescaped character for which `stop` holds. Fails only on a
    /// backslash at the very end.
    pub fn word(&mut self, stop: impl Fn(char) -> bool) -> Result<Word, Span> {
        let start = self.pos;
        let mut word = Word {
            literal: String::new(),
            pattern: String::new(),
            has_wildcard: false,
            had_escape: false,
            span: start..start,
        };
        while let Some(c) = self.peek() {
            if stop(c) {
                break;
            }
            let escape_at = self.pos;
            self.bump();
            if c == '\\' {
                let Some(escaped) = self.bump() else {
                    return Err(escape_at..self.pos);
                };
                word.had_escape = true;
                word.literal.push(escaped);
                if matches!(escaped, '*' | '?' | '\\') {
                    word.pattern.push('\\');
                }
                word.pattern.push(escaped);
                continue;
            }
            if matches!(c, '*' | '?') {
                word.has_wildcard = true;
            }
            word.literal.push(c);
            word.pattern.push(c);
        }
        word.span = start..self.pos;
        Ok(word)
    }

    /// A double-quoted string starting at the cursor (which is on the `"`): `\"` and `\\`
    /// (and any `\x`) unescape to the character. `Err` holds the span of the unclosed string.
    pub fn quoted(&mut self) -> Result<(String, Span), Span> {
        let start = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(start..self.pos),
                Some('"') => return Ok((text, start..self.pos)),
                Some('\\') => match self.bump() {
                    Some(escaped) => text.push(escaped),
                    None => return Err(start..self.pos),
                },
                Some(c) => text.push(c),
            }
        }
    }
}
