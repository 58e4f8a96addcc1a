//! Tokenizer and recursive-descent parser of the condition grammar (see the parent module).

use super::{combine, Cond, ConditionError, ConditionErrorKind, OfTarget, Quantifier, MAX_DEPTH};

/// Parses a condition; see [`super::parse`].
pub(super) fn parse(text: &str) -> Result<Cond, ConditionError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(ConditionError::syntax(0, "empty condition"));
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        depth: 0,
        end: text.len(),
    };
    let cond = parser.or_expr()?;
    if let Some(token) = parser.peek() {
        let message = match token.kind {
            TokenKind::Close => "unbalanced `)`".to_string(),
            _ => format!(
                "expected `and`, `or` or end of condition, found {}",
                describe(token.kind)
            ),
        };
        return Err(ConditionError::syntax(token.position, message));
    }
    Ok(cond)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenKind<'a> {
    Open,
    Close,
    Word(&'a str),
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: TokenKind<'a>,
    position: usize,
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' || byte == b'*'
}

fn tokenize(text: &str) -> Result<Vec<Token<'_>>, ConditionError> {
    if let Some(position) = text.find('|') {
        return Err(ConditionError {
            kind: ConditionErrorKind::ObsoleteAggregation,
            position: Some(position),
            message: "the pipe aggregation (`| count() by … > n`, `| near …`) is obsolete since \
                      sigma v2: express it as a correlation rule"
                .to_string(),
        });
    }
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte.is_ascii_whitespace() {
            index += 1;
        } else if byte == b'(' || byte == b')' {
            let kind = if byte == b'(' {
                TokenKind::Open
            } else {
                TokenKind::Close
            };
            tokens.push(Token {
                kind,
                position: index,
            });
            index += 1;
        } else if is_word_byte(byte) {
            let start = index;
            while index < bytes.len() && is_word_byte(bytes[index]) {
                index += 1;
            }
            tokens.push(Token {
                kind: TokenKind::Word(&text[start..index]),
                position: start,
            });
        } else {
            // Only ASCII bytes were consumed so far, so `index` is a character boundary.
            let character = text[index..]
                .chars()
                .next()
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            return Err(ConditionError::syntax(
                index,
                format!("unexpected character `{character}`"),
            ));
        }
    }
    Ok(tokens)
}

fn describe(kind: TokenKind<'_>) -> String {
    match kind {
        TokenKind::Open => "`(`".to_string(),
        TokenKind::Close => "`)`".to_string(),
        TokenKind::Word(word) => {
            let lower = word.to_ascii_lowercase();
            if word != lower && is_keyword(&lower) {
                format!("`{word}` (keywords are lowercase: `{lower}`)")
            } else {
                format!("`{word}`")
            }
        }
    }
}

fn is_keyword(word: &str) -> bool {
    matches!(word, "and" | "or" | "not" | "of" | "them" | "any" | "all")
}

fn is_operator(word: &str) -> bool {
    matches!(word, "and" | "or" | "not")
}

fn quantifier(word: &str) -> Option<Quantifier> {
    match word {
        "1" | "any" => Some(Quantifier::One),
        "all" => Some(Quantifier::All),
        _ => None,
    }
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    next: usize,
    depth: usize,
    end: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.next).copied()
    }

    fn peek_word(&self, offset: usize) -> Option<&'a str> {
        match self.tokens.get(self.next + offset)?.kind {
            TokenKind::Word(word) => Some(word),
            _ => None,
        }
    }

    fn advance(&mut self) -> Option<Token<'a>> {
        let token = self.peek()?;
        self.next += 1;
        Some(token)
    }

    fn eat_word(&mut self, expected: &str) -> bool {
        if self.peek_word(0) == Some(expected) {
            self.next += 1;
            return true;
        }
        false
    }

    fn position(&self) -> usize {
        self.peek().map_or(self.end, |token| token.position)
    }

    fn enter(&mut self) -> Result<(), ConditionError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ConditionError::syntax(
                self.position(),
                format!("condition nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Cond, ConditionError> {
        self.enter()?;
        let mut items = vec![self.and_expr()?];
        while self.eat_word("or") {
            items.push(self.and_expr()?);
        }
        self.depth -= 1;
        Ok(combine(items, Cond::Or))
    }

    fn and_expr(&mut self) -> Result<Cond, ConditionError> {
        let mut items = vec![self.not_expr()?];
        while self.eat_word("and") {
            items.push(self.not_expr()?);
        }
        Ok(combine(items, Cond::And))
    }

    fn not_expr(&mut self) -> Result<Cond, ConditionError> {
        if !self.eat_word("not") {
            return self.primary();
        }
        self.enter()?;
        let inner = self.not_expr()?;
        self.depth -= 1;
        Ok(Cond::Not(Box::new(inner)))
    }

    fn primary(&mut self) -> Result<Cond, ConditionError> {
        let Some(token) = self.advance() else {
            return Err(ConditionError::syntax(
                self.end,
                "expected an identifier, `not`, `(` or a `1 of`/`all of` selector, found end \
                 of condition",
            ));
        };
        match token.kind {
            TokenKind::Open => {
                let inner = self.or_expr()?;
                match self.advance() {
                    Some(Token {
                        kind: TokenKind::Close,
                        ..
                    }) => Ok(inner),
                    Some(other) => Err(ConditionError::syntax(
                        other.position,
                        format!(
                            "expected `)`, `and` or `or`, found {}",
                            describe(other.kind)
                        ),
                    )),
                    None => Err(ConditionError::syntax(token.position, "unclosed `(`")),
                }
            }
            TokenKind::Close => Err(ConditionError::syntax(
                token.position,
                "expected an identifier, `not`, `(` or a selector, found `)`",
            )),
            TokenKind::Word(word) => self.word(word, token.position),
        }
    }

    fn word(&mut self, word: &'a str, position: usize) -> Result<Cond, ConditionError> {
        if is_operator(word) {
            return Err(ConditionError::syntax(
                position,
                format!("expected an identifier, found `{word}`"),
            ));
        }
        if self.peek_word(0) == Some("of") {
            let Some(quantifier) = quantifier(word) else {
                return Err(ConditionError::syntax(
                    position,
                    format!("`{word} of`: the quantifier must be `1`, `any` or `all`"),
                ));
            };
            self.next += 1;
            return self.target(quantifier);
        }
        if word == "near" && self.peek_word(0).is_some_and(|next| !is_operator(next)) {
            return Err(ConditionError {
                kind: ConditionErrorKind::ObsoleteAggregation,
                position: Some(position),
                message: "the `near` aggregation is obsolete since sigma v2: express it as a \
                          temporal correlation rule"
                    .to_string(),
            });
        }
        if word.contains('*') {
            return Err(ConditionError::syntax(
                position,
                format!("`{word}`: wildcards are only allowed in `1 of`/`all of` patterns"),
            ));
        }
        Ok(Cond::Ident(word.to_string()))
    }

    fn target(&mut self, quantifier: Quantifier) -> Result<Cond, ConditionError> {
        let position = self.position();
        match self.advance().map(|token| token.kind) {
            Some(TokenKind::Word("them")) => Ok(Cond::Of {
                quantifier,
                target: OfTarget::Them,
            }),
            Some(TokenKind::Word(pattern)) if !is_operator(pattern) => Ok(Cond::Of {
                quantifier,
                target: OfTarget::Pattern(pattern.to_string()),
            }),
            Some(other) => Err(ConditionError::syntax(
                position,
                format!(
                    "expected a pattern or `them` after `of`, found {}",
                    describe(other)
                ),
            )),
            None => Err(ConditionError::syntax(
                position,
                "expected a pattern or `them` after `of`, found end of condition",
            )),
        }
    }
}
