//! The STIX patterning language, as far as indicators of values need it.
//!
//! A pattern is parsed whole (so a malformed pattern is rejected, not half-read), then reduced
//! to the values it lets through; see the module docs of [`super`] for what is supported.

use super::value::{Family, IndicatorKind};

/// What one comparison of a pattern contributes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Term {
    /// A value of a family.
    Value { family: Family, value: String },
    /// A comparison skipped (inside an `OR` whose other branches still count).
    Unsupported {
        reason: &'static str,
        detail: String,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub(super) struct PatternError {
    pub(super) reason: &'static str,
    pub(super) detail: String,
}

fn error(reason: &'static str, detail: impl Into<String>) -> PatternError {
    PatternError {
        reason,
        detail: detail.into(),
    }
}

/// The values a pattern matches on, or why it cannot be used. An `OR` with some unsupported
/// branches returns those as [`Term::Unsupported`] beside the values.
pub(super) fn parse_pattern(pattern: &str) -> Result<Vec<Term>, PatternError> {
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
}
