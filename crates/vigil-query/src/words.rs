//! Word-level matching shared by free text and text fields (phrases of words, wildcard
//! words), and whole-value wildcards for keyword fields.

use regex::Regex;

use crate::record::tokenize;

/// One word of a text search: a word, or a wildcard pattern over one word.
#[derive(Debug)]
pub(crate) enum TokenTest {
    Exact(String),
    Pattern(Regex),
}

impl TokenTest {
    fn matches(&self, token: &str) -> bool {
        match self {
            TokenTest::Exact(expected) => token == expected,
            TokenTest::Pattern(regex) => regex.is_match(token),
        }
    }
}

/// Whether `tokens` hold `phrase` as consecutive words. An empty phrase matches nothing.
pub(crate) fn contains_phrase(tokens: &[String], phrase: &[TokenTest]) -> bool {
    !phrase.is_empty()
        && tokens.len() >= phrase.len()
        && tokens.windows(phrase.len()).any(|window| {
            window
                .iter()
                .zip(phrase)
                .all(|(token, test)| test.matches(token))
        })
}

/// The words of a plain term, as exact token tests.
pub(crate) fn phrase_of(text: &str) -> Vec<TokenTest> {
    tokenize(text).into_iter().map(TokenTest::Exact).collect()
}

/// The words of a wildcard term: split like text, with unescaped `*` and `?` kept inside
/// words (`svc-*` is the word `svc` followed by any word).
pub(crate) fn pattern_phrase(pattern: &str) -> Vec<TokenTest> {
    let mut words: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let piece = match c {
            '\\' => chars.next().map(Piece::Literal),
            '*' => Some(Piece::Any),
            '?' => Some(Piece::One),
            _ => Some(Piece::Literal(c)),
        };
        match piece {
            Some(Piece::Literal(c)) if !c.is_alphanumeric() => words.push(Vec::new()),
            Some(piece) => words.last_mut().expect("starts with one word").push(piece),
            None => {}
        }
    }
    words
        .into_iter()
        .filter(|word| !word.is_empty())
        .map(|word| {
            if word.iter().all(|piece| matches!(piece, Piece::Literal(_))) {
                let text: String = word.iter().filter_map(Piece::literal).collect();
                return TokenTest::Exact(text.to_lowercase());
            }
            TokenTest::Pattern(pieces_regex(&word, str::to_lowercase))
        })
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Piece {
    Literal(char),
    Any,
    One,
}

impl Piece {
    fn literal(&self) -> Option<char> {
        match self {
            Piece::Literal(c) => Some(*c),
            _ => None,
        }
    }
}

/// An anchored regex for wildcard pieces, literals folded with `fold`.
fn pieces_regex(pieces: &[Piece], fold: fn(&str) -> String) -> Regex {
    let mut source = String::from("(?s)^");
    for piece in pieces {
        match piece {
            Piece::Literal(c) => source.push_str(&regex::escape(&fold(&c.to_string()))),
            Piece::Any => source.push_str(".*"),
            Piece::One => source.push('.'),
        }
    }
    source.push('$');
    // Escaped literals and `.`/`.*` only: always a valid, small regex.
    Regex::new(&source).expect("a wildcard pattern always compiles")
}

/// A whole-value wildcard, ASCII-case-insensitive (for keyword fields).
pub(crate) fn keyword_pattern(pattern: &str) -> Regex {
    let mut pieces = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => pieces.extend(chars.next().map(Piece::Literal)),
            '*' => pieces.push(Piece::Any),
            '?' => pieces.push(Piece::One),
            _ => pieces.push(Piece::Literal(c)),
        }
    }
    pieces_regex(&pieces, str::to_ascii_lowercase)
}
