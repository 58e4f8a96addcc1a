//! STIX 2.x: indicator objects and the subset of the patterning language that names values.
//!
//! The pattern grammar is parsed whole (so a malformed pattern is rejected, not half-read),
//! then reduced to the values it lets through; see the module docs of [`super`] for what is
//! supported.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::value::{self, Family, IndicatorKind};
use super::{IndicatorMeta, IntelSetBuilder, LoadReport};

/// Loads every indicator of `text` into `builder`.
pub(super) fn load(
    builder: &mut IntelSetBuilder,
    text: &str,
    source: &Arc<str>,
    report: &mut LoadReport,
) {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = LineCounter::new(text);
    match top_level_objects(text) {
        Ok(objects) => {
            for object in objects {
                let line = lines.line_of(object.get());
                load_object(builder, object.get(), line, source, report);
            }
        }
        Err(error) => {
            // Objects one per line (a TAXII export) when every non-empty line is an object.
            let one_per_line = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .all(|l| l.starts_with('{'));
            if one_per_line && text.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
                for (index, line) in text.lines().enumerate() {
                    if !line.trim().is_empty() {
                        load_object(builder, line, index as u64 + 1, source, report);
                    }
                }
            } else {
                report.reject(error.line() as u64, "invalid_json", error.to_string());
            }
        }
    }
}

/// The objects of a bundle, of an array, or the one object.
fn top_level_objects(text: &str) -> Result<Vec<&RawValue>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Bundle<'a> {
        #[serde(borrow, default)]
        objects: Option<Vec<&'a RawValue>>,
        #[serde(rename = "type", default)]
        kind: Option<Cow<'a, str>>,
    }
    if text.trim_start().starts_with('[') {
        return serde_json::from_str::<Vec<&RawValue>>(text);
    }
    let whole: &RawValue = serde_json::from_str(text)?;
    let bundle: Bundle<'_> = serde_json::from_str(whole.get())?;
    match bundle.objects {
        Some(objects) if bundle.kind.as_deref() != Some("indicator") => Ok(objects),
        _ => Ok(vec![whole]),
    }
}

/// Finds the line of a slice of the text, moving forward only (objects come in order).
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, part: &str) -> u64 {
        let start = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        if start < self.offset || start > self.text.len() {
            return 0;
        }
        self.line +=
            memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.offset..start]).count() as u64;
        self.offset = start;
        self.line
    }
}

#[derive(Deserialize)]
struct StixObject<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    pattern_type: Option<String>,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    confidence: Option<i64>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    indicator_types: Vec<String>,
    #[serde(default)]
    revoked: Option<bool>,
}

fn load_object(
    builder: &mut IntelSetBuilder,
    json: &str,
    line: u64,
    source: &Arc<str>,
    report: &mut LoadReport,
) {
    let object: StixObject<'_> = match serde_json::from_str(json) {
        Ok(object) => object,
        Err(error) => {
            report.reject(line, "invalid_object", error.to_string());
            return;
        }
    };
    if object.kind != "indicator" {
        report.ignored_objects += 1;
        return;
    }
    let id = object.id.as_deref().unwrap_or("indicator without id");
    if object.revoked == Some(true) {
        report.reject(line, "revoked", format!("`{id}` is revoked"));
        return;
    }
    if let Some(kind) = object.pattern_type.as_deref().filter(|k| *k != "stix") {
        report.reject(
            line,
            "unsupported_pattern_type",
            format!("`{id}` has pattern_type `{kind}`"),
        );
        return;
    }
    let Some(pattern) = object.pattern.as_deref() else {
        report.reject(line, "missing_pattern", format!("`{id}` has no pattern"));
        return;
    };
    if pattern.len() > builder.options().max_line_bytes {
        report.reject(
            line,
            "too_long",
            format!("`{id}`: pattern of {} bytes", pattern.len()),
        );
        return;
    }
    let valid_until_ms = match object.valid_until.as_deref().map(parse_rfc3339_ms) {
        Some(Some(ms)) => Some(ms),
        Some(None) => {
            report.reject(
                line,
                "invalid_timestamp",
                format!("`{id}`: bad valid_until"),
            );
            return;
        }
        None => None,
    };
    let terms = match parse_pattern(pattern) {
        Ok(terms) => terms,
        Err(PatternError { reason, detail }) => {
            report.reject(line, reason, format!("`{id}`: {detail} in `{pattern}`"));
            return;
        }
    };
    let mut labels: Vec<Box<str>> = Vec::new();
    for label in object.indicator_types.iter().chain(&object.labels) {
        if !labels.iter().any(|l| **l == **label) {
            labels.push(label.as_str().into());
        }
    }
    let meta = Arc::new(IndicatorMeta {
        source: source.clone(),
        feed: None,
        stix_id: object.id.as_deref().map(Into::into),
        name: object.name.as_deref().map(Into::into),
        confidence: object
            .confidence
            .and_then(|c| u8::try_from(c.clamp(0, 100)).ok()),
        labels,
        valid_until_ms,
    });
    for term in terms {
        match term {
            Term::Value { family, value } => match value::parse(&value, Some(family)) {
                Ok(parsed) => builder.add_parsed(parsed, line, &meta, report),
                Err((reason, detail)) => report.reject(line, reason, format!("`{id}`: {detail}")),
            },
            Term::Unsupported { reason, detail } => {
                report.reject(line, reason, format!("`{id}`: {detail}"));
            }
        }
    }
}

/// What one comparison of a pattern contributes.
#[derive(Debug, PartialEq, Eq)]
enum Term {
    /// A value of a family.
    Value { family: Family, value: String },
    /// A comparison skipped (inside an `OR` whose other branches still count).
    Unsupported {
        reason: &'static str,
        detail: String,
    },
}

#[derive(Debug, PartialEq, Eq)]
struct PatternError {
    reason: &'static str,
    detail: String,
}

fn error(reason: &'static str, detail: impl Into<String>) -> PatternError {
    PatternError {
        reason,
        detail: detail.into(),
    }
}

/// The values a pattern matches on, or why it cannot be used. An `OR` with some unsupported
/// branches returns those as [`Term::Unsupported`] beside the values.
fn parse_pattern(pattern: &str) -> Result<Vec<Term>, PatternError> {
    let tokens = tokenize(pattern)?;
    let mut parser = Parser { tokens, at: 0 };
    let node = parser.observation_or()?;
    if parser.at != parser.tokens.len() {
        return Err(error(
            "invalid_pattern",
            format!("unexpected `{}`", parser.tokens[parser.at]),
        ));
    }
    let mut terms = Vec::new();
    reduce(&node, &mut terms)?;
    if terms.iter().all(|t| matches!(t, Term::Unsupported { .. })) {
        // Nothing usable: the first reason stands for the pattern.
        let Some(Term::Unsupported { reason, detail }) = terms.into_iter().next() else {
            return Err(error("invalid_pattern", "an empty pattern"));
        };
        return Err(PatternError { reason, detail });
    }
    Ok(terms)
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Open,
    Close,
    LParen,
    RParen,
    Comma,
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    Op(&'static str),
    /// A keyword or object path.
    Word(String),
    /// A string literal (unescaped).
    Str(String),
    /// A number, boolean, or `t'…'` / `h'…'` / `b'…'` literal, as written.
    Other(String),
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Open => f.write_str("["),
            Token::Close => f.write_str("]"),
            Token::LParen => f.write_str("("),
            Token::RParen => f.write_str(")"),
            Token::Comma => f.write_str(","),
            Token::Op(op) => f.write_str(op),
            Token::Word(w) | Token::Other(w) => f.write_str(w),
            Token::Str(s) => write!(f, "'{s}'"),
        }
    }
}

fn tokenize(pattern: &str) -> Result<Vec<Token>, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let single = match c {
            '[' => Some(Token::Open),
            ']' => Some(Token::Close),
            '(' => Some(Token::LParen),
            ')' => Some(Token::RParen),
            ',' => Some(Token::Comma),
            '=' => Some(Token::Op("=")),
            _ => None,
        };
        if let Some(token) = single {
            tokens.push(token);
            i += 1;
            continue;
        }
        match c {
            _ if c.is_whitespace() => i += 1,
            '!' | '<' | '>' => {
                let two = chars.get(i + 1) == Some(&'=');
                let op = match (c, two) {
                    ('!', true) => "!=",
                    ('<', true) => "<=",
                    ('>', true) => ">=",
                    ('<', false) => "<",
                    ('>', false) => ">",
                    _ => return Err(error("invalid_pattern", "a lone `!`")),
                };
                tokens.push(Token::Op(op));
                i += if two { 2 } else { 1 };
            }
            '\'' => {
                let (literal, next) = string_literal(&chars, i)?;
                tokens.push(Token::Str(literal));
                i = next;
            }
            _ if (c == 't' || c == 'h' || c == 'b') && chars.get(i + 1) == Some(&'\'') => {
                let (literal, next) = string_literal(&chars, i + 1)?;
                tokens.push(Token::Other(format!("{c}'{literal}'")));
                i = next;
            }
            _ if c.is_ascii_digit() || c == '-' || c == '+' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
                tokens.push(Token::Other(chars[start..i].iter().collect()));
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                // A keyword or an object path; paths may hold quoted steps (`hashes.'SHA-256'`)
                // and list steps (`values[*]`).
                let mut word = String::new();
                while i < chars.len() {
                    let c = chars[i];
                    if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.') {
                        word.push(c);
                        i += 1;
                    } else if c == '\'' && word.ends_with('.') {
                        let (step, next) = string_literal(&chars, i)?;
                        word.push('\'');
                        word.push_str(&step);
                        word.push('\'');
                        i = next;
                    } else if c == '[' && word.contains(':') {
                        let end = chars[i..].iter().position(|&c| c == ']');
                        let Some(end) = end else {
                            return Err(error("invalid_pattern", "an unclosed list index"));
                        };
                        word.extend(&chars[i..=i + end]);
                        i += end + 1;
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(word));
            }
            _ => return Err(error("invalid_pattern", format!("unexpected `{c}`"))),
        }
    }
    Ok(tokens)
}

/// A quoted string starting at `chars[at] == '\''`: its unescaped content and the index after
/// the closing quote.
fn string_literal(chars: &[char], at: usize) -> Result<(String, usize), PatternError> {
    let mut out = String::new();
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else { break };
                out.push(next);
                i += 2;
            }
            '\'' => return Ok((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(error("invalid_pattern", "an unterminated string"))
}

/// The pattern tree.
#[derive(Debug)]
enum Node {
    /// `OR` between observations or comparisons: any branch.
    Or(Vec<Node>),
    /// `AND` inside one observation (`[a AND b]`).
    And(Vec<Node>),
    /// Something that needs more than one observation, or a qualifier: `[a] AND [b]`,
    /// `FOLLOWEDBY`, `WITHIN`, `REPEATS`, `START`.
    Unsupported(&'static str, String),
    /// `path op value(s)`.
    Comparison {
        path: String,
        op: String,
        values: Vec<Token>,
    },
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, token: Token) -> Result<(), PatternError> {
        if self.peek() == Some(&token) {
            self.at += 1;
            return Ok(());
        }
        let found = self
            .peek()
            .map_or("the end".to_owned(), |t| format!("`{t}`"));
        Err(error(
            "invalid_pattern",
            format!("expected `{token}`, found {found}"),
        ))
    }

    /// `obs_and ('OR' obs_and)*`
    fn observation_or(&mut self) -> Result<Node, PatternError> {
        let mut branches = vec![self.observation_and()?];
        while self.keyword("OR") {
            self.at += 1;
            branches.push(self.observation_and()?);
        }
        Ok(one_or(branches, Node::Or))
    }

    /// `obs_seq ('AND' obs_seq)*`: both must be observed, which one event cannot show.
    fn observation_and(&mut self) -> Result<Node, PatternError> {
        let first = self.observation_sequence()?;
        if !self.keyword("AND") {
            return Ok(first);
        }
        while self.keyword("AND") {
            self.at += 1;
            self.observation_sequence()?;
        }
        Ok(Node::Unsupported(
            "unsupported_observation_and",
            "`AND` between observations".to_owned(),
        ))
    }

    /// `obs_qualified ('FOLLOWEDBY' obs_qualified)*`
    fn observation_sequence(&mut self) -> Result<Node, PatternError> {
        let first = self.observation_qualified()?;
        if !self.keyword("FOLLOWEDBY") {
            return Ok(first);
        }
        while self.keyword("FOLLOWEDBY") {
            self.at += 1;
            self.observation_qualified()?;
        }
        Ok(Node::Unsupported(
            "unsupported_followedby",
            "`FOLLOWEDBY`".to_owned(),
        ))
    }

    /// `obs_atom qualifier*`
    fn observation_qualified(&mut self) -> Result<Node, PatternError> {
        let atom = self.observation_atom()?;
        let mut qualified = None;
        loop {
            if self.keyword("WITHIN") {
                self.at += 1;
                self.literal()?;
                self.expect_keyword("SECONDS")?;
                qualified = Some("WITHIN");
            } else if self.keyword("REPEATS") {
                self.at += 1;
                self.literal()?;
                self.expect_keyword("TIMES")?;
                qualified = Some("REPEATS");
            } else if self.keyword("START") {
                self.at += 1;
                self.literal()?;
                self.expect_keyword("STOP")?;
                self.literal()?;
                qualified = Some("START … STOP");
            } else {
                break;
            }
        }
        Ok(match qualified {
            Some(q) => Node::Unsupported("unsupported_qualifier", format!("the `{q}` qualifier")),
            None => atom,
        })
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), PatternError> {
        if self.keyword(word) {
            self.at += 1;
            return Ok(());
        }
        Err(error("invalid_pattern", format!("expected `{word}`")))
    }

    fn literal(&mut self) -> Result<Token, PatternError> {
        match self.peek().cloned() {
            Some(t @ (Token::Str(_) | Token::Other(_))) => {
                self.at += 1;
                Ok(t)
            }
            Some(Token::Word(w)) if w == "true" || w == "false" => {
                self.at += 1;
                Ok(Token::Other(w))
            }
            other => Err(error(
                "invalid_pattern",
                format!(
                    "expected a literal, found {}",
                    other.map_or("the end".to_owned(), |t| format!("`{t}`"))
                ),
            )),
        }
    }

    /// `'[' cmp_or ']' | '(' obs_or ')'`
    fn observation_atom(&mut self) -> Result<Node, PatternError> {
        match self.peek() {
            Some(Token::Open) => {
                self.at += 1;
                let node = self.comparison_or()?;
                self.expect(Token::Close)?;
                Ok(node)
            }
            Some(Token::LParen) => {
                self.at += 1;
                let node = self.observation_or()?;
                self.expect(Token::RParen)?;
                Ok(node)
            }
            _ => Err(error("invalid_pattern", "expected `[` or `(`")),
        }
    }

    fn comparison_or(&mut self) -> Result<Node, PatternError> {
        let mut branches = vec![self.comparison_and()?];
        while self.keyword("OR") {
            self.at += 1;
            branches.push(self.comparison_and()?);
        }
        Ok(one_or(branches, Node::Or))
    }

    fn comparison_and(&mut self) -> Result<Node, PatternError> {
        let mut parts = vec![self.comparison_atom()?];
        while self.keyword("AND") {
            self.at += 1;
            parts.push(self.comparison_atom()?);
        }
        Ok(one_or(parts, Node::And))
    }

    /// `'(' cmp_or ')' | path ['NOT'] op value`
    fn comparison_atom(&mut self) -> Result<Node, PatternError> {
        if self.peek() == Some(&Token::LParen) {
            self.at += 1;
            let node = self.comparison_or()?;
            self.expect(Token::RParen)?;
            return Ok(node);
        }
        let path = match self.peek() {
            Some(Token::Word(w)) if w.contains(':') => w.clone(),
            _ => return Err(error("invalid_pattern", "expected an object path")),
        };
        self.at += 1;
        let mut negated = false;
        if self.keyword("NOT") {
            self.at += 1;
            negated = true;
        }
        let op = match self.peek().cloned() {
            Some(Token::Op(op)) => op.to_owned(),
            Some(Token::Word(w)) => w.to_ascii_uppercase(),
            _ => {
                return Err(error(
                    "invalid_pattern",
                    format!("expected an operator after `{path}`"),
                ))
            }
        };
        self.at += 1;
        let values = if op == "IN" {
            self.expect(Token::LParen)?;
            let mut values = vec![self.literal()?];
            while self.peek() == Some(&Token::Comma) {
                self.at += 1;
                values.push(self.literal()?);
            }
            self.expect(Token::RParen)?;
            values
        } else {
            vec![self.literal()?]
        };
        let op = if negated { format!("NOT {op}") } else { op };
        Ok(Node::Comparison { path, op, values })
    }
}

fn one_or(mut nodes: Vec<Node>, many: fn(Vec<Node>) -> Node) -> Node {
    if nodes.len() == 1 {
        nodes.pop().expect("one node")
    } else {
        many(nodes)
    }
}

/// Turns the tree into terms (see [`parse_pattern`]).
fn reduce(node: &Node, terms: &mut Vec<Term>) -> Result<(), PatternError> {
    match node {
        Node::Or(branches) => {
            for branch in branches {
                // A branch that cannot be used at all is skipped; the others still match.
                if let Err(PatternError { reason, detail }) = reduce(branch, terms) {
                    terms.push(Term::Unsupported { reason, detail });
                }
            }
            Ok(())
        }
        Node::And(parts) => reduce_and(parts, terms),
        Node::Unsupported(reason, detail) => Err(error(reason, detail.clone())),
        Node::Comparison { path, op, values } => {
            terms.extend(comparison_terms(path, op, values)?);
            Ok(())
        }
    }
}

/// An `AND` inside one observation: usable when, once `…_ref.type` constraints are dropped,
/// one part remains, or when every part is a file hash (hashes of one file name the same
/// file, so any of them will do).
fn reduce_and(parts: &[Node], terms: &mut Vec<Term>) -> Result<(), PatternError> {
    let is_type_constraint = |node: &Node| {
        matches!(node, Node::Comparison { path, op, .. }
            if op == "=" && (path.ends_with("_ref.type") || path.ends_with(":type")))
    };
    let kept: Vec<&Node> = parts.iter().filter(|p| !is_type_constraint(p)).collect();
    if kept.len() == 1 {
        return reduce(kept[0], terms);
    }
    let is_hash = |node: &&Node| {
        matches!(node, Node::Comparison { path, op, .. }
            if (op == "=" || op == "IN") && path.starts_with("file:hashes."))
    };
    if !kept.is_empty() && kept.iter().all(is_hash) {
        for part in kept {
            reduce(part, terms)?;
        }
        return Ok(());
    }
    Err(error(
        "unsupported_and",
        "`AND` of different properties (one event would have to show them all)",
    ))
}

fn comparison_terms(path: &str, op: &str, values: &[Token]) -> Result<Vec<Term>, PatternError> {
    let family = path_family(path)?;
    let ranges_allowed = matches!(family, Family::Ip | Family::Host);
    let supported = op == "=" || op == "IN" || (op == "ISSUBSET" && ranges_allowed);
    if !supported {
        return Err(error(
            "unsupported_operator",
            format!("`{path} {op}` (only `=`, `IN`, and `ISSUBSET` on addresses)"),
        ));
    }
    let mut terms = Vec::new();
    for value in values {
        let Token::Str(value) = value else {
            return Err(error(
                "unsupported_literal",
                format!("`{path}` compared with `{value}`, not a string"),
            ));
        };
        terms.push(Term::Value {
            family,
            value: value.clone(),
        });
    }
    Ok(terms)
}

/// The family of values an object path holds.
fn path_family(path: &str) -> Result<Family, PatternError> {
    let lower = path.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "ipv4-addr:value" | "ipv6-addr:value" => Family::Ip,
        "domain-name:value" => Family::Domain,
        "url:value" => Family::Url,
        "network-traffic:dst_ref.value" | "network-traffic:src_ref.value" => Family::Host,
        _ => {
            if let Some(algorithm) = lower.strip_prefix("file:hashes.") {
                let algorithm = algorithm.trim_matches('\'').replace(['-', '_'], "");
                let kind = match algorithm.as_str() {
                    "md5" => IndicatorKind::Md5,
                    "sha1" => IndicatorKind::Sha1,
                    "sha256" => IndicatorKind::Sha256,
                    "sha512" => IndicatorKind::Sha512,
                    _ => {
                        return Err(error(
                            "unsupported_hash_algorithm",
                            format!("`{path}` (MD5, SHA-1, SHA-256 and SHA-512 are supported)"),
                        ))
                    }
                };
                return Ok(Family::Hash(Some(kind)));
            }
            return Err(error("unsupported_object_path", format!("`{path}`")));
        }
    })
}

/// Milliseconds since the epoch of an RFC 3339 timestamp (`2024-05-01T12:00:00.5+02:00`).
pub(super) fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        part.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut millis = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        for _ in (at - start).min(3)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() => {
            let minutes = digits(at + 1..at + 3)? * 60 + digits(at + 4..at + 6)?;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pattern: &str) -> Vec<(Family, String)> {
        parse_pattern(pattern)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t {
                Term::Value { family, value } => Some((family, value)),
                Term::Unsupported { .. } => None,
            })
            .collect()
    }

    fn reason(pattern: &str) -> &'static str {
        parse_pattern(pattern).unwrap_err().reason
    }

    #[test]
    fn common_comparison_forms() {
        assert_eq!(
            values("[ipv4-addr:value = '1.2.3.4']"),
            vec![(Family::Ip, "1.2.3.4".into())]
        );
        assert_eq!(
            values("[ipv4-addr:value = '1.2.3.4' OR ipv6-addr:value = '2001:db8::1']").len(),
            2
        );
        assert_eq!(
            values("[domain-name:value = 'evil.com'] OR [url:value = 'http://x.org/a\\'b']"),
            vec![
                (Family::Domain, "evil.com".into()),
                (Family::Url, "http://x.org/a'b".into())
            ]
        );
        assert_eq!(
            values("[file:hashes.'SHA-256' = 'aa']"),
            vec![(Family::Hash(Some(IndicatorKind::Sha256)), "aa".into())]
        );
        assert_eq!(
            values("[file:hashes.MD5 = 'a' AND file:hashes.'SHA-1' = 'b']").len(),
            2
        );
        assert_eq!(
            values("[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.1']"),
            vec![(Family::Host, "198.51.100.1".into())]
        );
        assert_eq!(
            values("[ipv4-addr:value IN ('1.1.1.1', '2.2.2.2')]").len(),
            2
        );
        assert_eq!(
            values("[ipv4-addr:value ISSUBSET '198.51.100.0/24']"),
            vec![(Family::Ip, "198.51.100.0/24".into())]
        );
        assert_eq!(values("([ipv4-addr:value = '1.2.3.4'])").len(), 1);
    }

    #[test]
    fn unsupported_forms_name_their_reason() {
        assert_eq!(
            reason("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.com']"),
            "unsupported_observation_and"
        );
        assert_eq!(
            reason("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '5.6.7.8']"),
            "unsupported_followedby"
        );
        assert_eq!(
            reason("[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES"),
            "unsupported_qualifier"
        );
        assert_eq!(reason("[file:name = 'x.exe']"), "unsupported_object_path");
        assert_eq!(reason("[url:value LIKE '%evil%']"), "unsupported_operator");
        assert_eq!(
            reason("[ipv4-addr:value != '1.2.3.4']"),
            "unsupported_operator"
        );
        assert_eq!(
            reason("[file:hashes.'SHA-256' = 'a' AND file:name = 'b']"),
            "unsupported_and"
        );
        assert_eq!(
            reason("[file:hashes.SSDEEP = 'x']"),
            "unsupported_hash_algorithm"
        );
        assert_eq!(reason("[ipv4-addr:value = '1.2.3.4'"), "invalid_pattern");
        assert_eq!(reason("ipv4-addr:value = '1.2.3.4'"), "invalid_pattern");
        assert_eq!(
            reason("[ipv4-addr:value = 'unterminated]"),
            "invalid_pattern"
        );
    }

    #[test]
    fn or_keeps_the_supported_branches() {
        let terms = parse_pattern("[file:name = 'x'] OR [domain-name:value = 'evil.com']").unwrap();
        assert_eq!(terms.len(), 2);
        assert!(matches!(
            terms[0],
            Term::Unsupported {
                reason: "unsupported_object_path",
                ..
            }
        ));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2024-03-01T00:00:00.250Z"),
            Some(1_709_251_200_250)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-03-01T02:00:00+02:00"),
            Some(1_709_251_200_000)
        );
        assert_eq!(parse_rfc3339_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
    }
}
