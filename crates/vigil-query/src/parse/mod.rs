//! The parser: a hand-written recursive descent over the text (see the grammar in the crate
//! docs). Precedence is NOT > AND > OR; juxtaposition is AND. Operators are recognized in any
//! case (`and`, `And`, `AND`): to search for the word itself, quote it or escape a letter.

mod cursor;
mod pipes;
#[cfg(test)]
mod tests;

use ipnet::IpNet;

use crate::ast::{Bound, CompareOp, Expr, FieldPredicate, Predicate, Query, Span, TextTerm, Value};
use crate::error::ParseError;
use cursor::{ends_word, Cursor, Word};

/// How deep parentheses and prefix operators may nest; deeper input is an error, not a stack
/// overflow.
const MAX_DEPTH: usize = 64;

/// Parses a query: a filter, then `| pipe` stages. An empty filter (or `*`) is [`Expr::All`].
pub fn parse(text: &str) -> Result<Query> {
    let mut parser = Parser {
        cur: Cursor::new(text),
        depth: 0,
    };
    parser.query()
}

/// What a term means where it stands.
#[derive(Clone, Debug)]
enum Scope {
    /// A filter: terms are `field:value`, free text, groups.
    Filter,
    /// Inside `field:( … )`: terms are values of `field`.
    Group { field: String, field_span: Span },
}

pub(crate) struct Parser<'t> {
    cur: Cursor<'t>,
    depth: usize,
}

type Result<T> = std::result::Result<T, ParseError>;

impl<'t> Parser<'t> {
    fn query(&mut self) -> Result<Query> {
        self.cur.skip_ws();
        let filter = if self.at_expr_end() {
            Expr::All
        } else {
            self.or_expr(&Scope::Filter, "")?
        };
        let pipes = self.pipes()?;
        Ok(Query { filter, pipes })
    }

    /// At the end of the text, a `)`, or a pipe `|` (not `||`).
    fn at_expr_end(&self) -> bool {
        match self.cur.peek() {
            None | Some(')') => true,
            Some('|') => self.cur.peek_second() != Some('|'),
            Some(_) => false,
        }
    }

    fn error<T>(&self, message: impl Into<String>, span: Span) -> Result<T> {
        Err(ParseError::new(message, span))
    }

    /// Runs `parse` one level deeper, refusing input nested past [`MAX_DEPTH`].
    fn nested<T>(&mut self, span: Span, parse: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_DEPTH {
            return self.error(
                format!("the query nests deeper than {MAX_DEPTH} levels"),
                span,
            );
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    /// The operator keyword at the cursor (`AND`, `OR`, `NOT`, `&&`, `||`, `!`), not consumed.
    fn peek_operator(&self) -> Option<(&'static str, usize)> {
        let rest = self.cur.rest();
        if rest.starts_with("&&") {
            return Some(("AND", 2));
        }
        if rest.starts_with("||") {
            return Some(("OR", 2));
        }
        if rest.starts_with('!') {
            return Some(("NOT", 1));
        }
        let raw = self.cur.peek_raw_word();
        ["AND", "OR", "NOT"]
            .into_iter()
            .find(|keyword| raw.eq_ignore_ascii_case(keyword))
            .map(|keyword| (keyword, raw.len()))
    }

    /// Consumes the operator `wanted` if it is next; returns how it was written.
    fn eat_operator(&mut self, wanted: &str) -> Option<&'t str> {
        let (keyword, len) = self.peek_operator()?;
        if keyword != wanted {
            return None;
        }
        let start = self.cur.pos();
        self.cur.set_pos(start + len);
        Some(self.cur.slice(start..start + len))
    }

    fn or_expr(&mut self, scope: &Scope, after: &str) -> Result<Expr> {
        let mut operands = vec![self.and_expr(scope, after)?];
        loop {
            self.cur.skip_ws();
            let Some(op) = self.eat_operator("OR") else {
                break;
            };
            operands.push(self.and_expr(scope, op)?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Expr::Or(operands)
        })
    }

    fn and_expr(&mut self, scope: &Scope, after: &str) -> Result<Expr> {
        let mut operands = vec![self.unary(scope, after)?];
        loop {
            self.cur.skip_ws();
            if self.at_expr_end() || matches!(self.peek_operator(), Some(("OR", _))) {
                break;
            }
            let after = self.eat_operator("AND").unwrap_or("");
            operands.push(self.unary(scope, after)?);
        }
        Ok(if operands.len() == 1 {
            operands.remove(0)
        } else {
            Expr::And(operands)
        })
    }

    fn unary(&mut self, scope: &Scope, after: &str) -> Result<Expr> {
        self.cur.skip_ws();
        let start = self.cur.pos();
        if let Some(op) = self.eat_operator("NOT") {
            let span = start..self.cur.pos();
            let operand = self.nested(span, |parser| parser.unary(scope, op))?;
            return Ok(Expr::Not(Box::new(operand)));
        }
        let negates = self.cur.peek() == Some('-')
            && self
                .cur
                .peek_second()
                .is_some_and(|next| !next.is_whitespace());
        if negates {
            self.cur.bump();
            let operand = self.nested(start..start + 1, |parser| parser.unary(scope, "-"))?;
            return Ok(Expr::Not(Box::new(operand)));
        }
        self.primary(scope, after)
    }

    fn expected_term(&self, after: &str) -> ParseError {
        let span = self.cur.next_char_span();
        let found = match self.cur.peek() {
            None => String::new(),
            Some(_) => {
                let raw = self.cur.peek_raw_word();
                let raw = if raw.is_empty() {
                    &self.cur.rest()[..span.len()]
                } else {
                    raw
                };
                format!(", found `{raw}`")
            }
        };
        let message = if after.is_empty() {
            format!("expected a search term{found}")
        } else {
            format!("expected a term after `{after}`{found}")
        };
        ParseError::new(message, span)
    }

    fn primary(&mut self, scope: &Scope, after: &str) -> Result<Expr> {
        self.cur.skip_ws();
        let start = self.cur.pos();
        if self.at_expr_end() || matches!(self.peek_operator(), Some(("AND" | "OR", _))) {
            return Err(self.expected_term(after));
        }
        if self.cur.peek() == Some('(') {
            return self.group(scope, after);
        }
        if let Scope::Group { field, field_span } = scope {
            return self.value_term(field, field_span.clone());
        }
        if self.cur.peek() == Some('"') {
            let (text, span) = self.quoted()?;
            if text.is_empty() {
                return self.error("expected text between the quotes", span);
            }
            return Ok(Expr::Text(TextTerm::Phrase(text)));
        }
        if let Some((name, name_span)) = self.cur.ident() {
            if self.cur.eat(':') {
                return self.field_value(name, name_span);
            }
            self.cur.skip_ws();
            if matches!(self.cur.peek(), Some('<' | '>')) {
                return self.compare(name, name_span);
            }
            self.cur.set_pos(start);
        }
        if let Some(c @ ('<' | '>')) = self.cur.peek() {
            return self.error(
                format!("expected a field name before `{c}`"),
                self.cur.next_char_span(),
            );
        }
        let word = self.word(ends_word)?;
        if !word.had_escape && word.literal == "*" {
            return Ok(Expr::All);
        }
        Ok(Expr::Text(TextTerm::Word(word.pattern)))
    }

    /// `( expr )`, in the scope of the enclosing term (a filter, or a field's values).
    fn group(&mut self, scope: &Scope, after: &str) -> Result<Expr> {
        let open = self.cur.next_char_span();
        self.cur.bump();
        let inner_after = if after.ends_with(':') {
            format!("{after}(")
        } else {
            "(".to_string()
        };
        let inner = self.nested(open.clone(), |parser| parser.or_expr(scope, &inner_after))?;
        self.cur.skip_ws();
        if !self.cur.eat(')') {
            return self.error("unclosed `(`", open);
        }
        Ok(inner)
    }

    /// After `field:`.
    fn field_value(&mut self, field: String, field_span: Span) -> Result<Expr> {
        let ends_value = match self.cur.peek() {
            None => true,
            Some(c) => c.is_whitespace() || c == ')' || c == '|',
        };
        if ends_value {
            let message = format!("expected a value after `{field}:`");
            return self.error(message, self.cur.next_char_span());
        }
        if self.cur.peek() == Some('(') {
            let after = format!("{field}:");
            let scope = Scope::Group { field, field_span };
            return self.group(&scope, &after);
        }
        self.value_term(&field, field_span)
    }

    /// One value of `field`: quoted, `/regex/`, range, comparison, or a word.
    fn value_term(&mut self, field: &str, field_span: Span) -> Result<Expr> {
        let predicate_of = |predicate, value_span| {
            Expr::Field(FieldPredicate {
                field: field.to_string(),
                field_span: field_span.clone(),
                predicate,
                value_span,
            })
        };
        match self.cur.peek() {
            Some('"') => {
                let (text, span) = self.quoted()?;
                Ok(predicate_of(
                    Predicate::Eq(Value { text, quoted: true }),
                    span,
                ))
            }
            Some('/') => {
                let (pattern, span) = self.regex()?;
                Ok(predicate_of(Predicate::Regex(pattern), span))
            }
            Some('[' | '{') => {
                let (low, high, span) = self.range(field)?;
                Ok(predicate_of(Predicate::Range { low, high }, span))
            }
            Some('<' | '>') => self.compare(field.to_string(), field_span),
            _ => {
                let word = self.word(ends_word)?;
                if word.literal.is_empty() {
                    let message = format!("expected a value of `{field}`");
                    return self.error(message, self.cur.next_char_span());
                }
                Ok(predicate_of(classify(&word), word.span))
            }
        }
    }

    /// `>`, `>=`, `<`, `<=` and a value (the cursor is on the operator).
    fn compare(&mut self, field: String, field_span: Span) -> Result<Expr> {
        let op = if self.cur.eat('>') {
            if self.cur.eat('=') {
                CompareOp::Ge
            } else {
                CompareOp::Gt
            }
        } else {
            self.cur.bump();
            if self.cur.eat('=') {
                CompareOp::Le
            } else {
                CompareOp::Lt
            }
        };
        self.cur.skip_ws();
        if self.at_expr_end() || self.peek_operator().is_some() {
            let message = format!("expected a value after `{field}{}`", compare_op_text(op));
            return self.error(message, self.cur.next_char_span());
        }
        let (value, value_span) = if self.cur.peek() == Some('"') {
            let (text, span) = self.quoted()?;
            (Value { text, quoted: true }, span)
        } else {
            let word = self.word(ends_word)?;
            (
                Value {
                    text: word.literal,
                    quoted: false,
                },
                word.span,
            )
        };
        Ok(Expr::Field(FieldPredicate {
            field,
            field_span,
            predicate: Predicate::Compare(op, value),
            value_span,
        }))
    }

    /// `/pattern/` (the cursor is on the first `/`).
    fn regex(&mut self) -> Result<(String, Span)> {
        let start = self.cur.pos();
        self.cur.bump();
        let mut pattern = String::new();
        loop {
            match self.cur.bump() {
                None => break,
                Some('/') => return Ok((pattern, start..self.cur.pos())),
                Some('\\') => match self.cur.bump() {
                    Some('/') => pattern.push('/'),
                    Some(escaped) => {
                        pattern.push('\\');
                        pattern.push(escaped);
                    }
                    None => break,
                },
                Some(c) => pattern.push(c),
            }
        }
        self.error(
            "unterminated regex: expected a closing `/`",
            start..self.cur.pos(),
        )
    }

    /// `[lo TO hi]`, `{lo TO hi}` or a mix (the cursor is on the opening bracket).
    fn range(&mut self, field: &str) -> Result<(Bound, Bound, Span)> {
        let start = self.cur.pos();
        let inclusive_low = self.cur.bump() == Some('[');
        self.cur.skip_ws();
        let low = self.range_end(
            inclusive_low,
            &format!("expected the lower end of the `{field}` range"),
        )?;
        self.cur.skip_ws();
        let keyword = self
            .cur
            .word(|c| c.is_whitespace() || matches!(c, ']' | '}' | '"'));
        let is_to = keyword
            .as_ref()
            .is_ok_and(|word| !word.had_escape && word.literal.eq_ignore_ascii_case("TO"));
        if !is_to {
            let span = keyword.map_or_else(|span| span, |word| word.span);
            let span = if span.is_empty() {
                self.cur.next_char_span()
            } else {
                span
            };
            return self.error("expected `TO` between the ends of the range", span);
        }
        self.cur.skip_ws();
        let high_at = self.cur.pos();
        // Which bracket closes the range is known only after the upper end.
        let high = self.range_end(
            true,
            &format!("expected the upper end of the `{field}` range"),
        )?;
        self.cur.skip_ws();
        let high = match self.cur.bump() {
            Some(']') => high,
            Some('}') => match high {
                Bound::Inclusive(value) => Bound::Exclusive(value),
                other => other,
            },
            _ => {
                let span = if self.cur.at_end() {
                    self.cur.pos()..self.cur.pos()
                } else {
                    high_at..self.cur.pos()
                };
                return self.error("expected `]` or `}` to close the range", span);
            }
        };
        Ok((low, high, start..self.cur.pos()))
    }

    fn range_end(&mut self, inclusive: bool, missing: &str) -> Result<Bound> {
        let value = match self.cur.peek() {
            None | Some(']' | '}') => return self.error(missing, self.cur.next_char_span()),
            Some('"') => Value {
                text: self.quoted()?.0,
                quoted: true,
            },
            Some(_) => {
                let word = self.word(|c| c.is_whitespace() || matches!(c, ']' | '}' | '"'))?;
                if !word.had_escape && word.literal == "*" {
                    return Ok(Bound::Unbounded);
                }
                Value {
                    text: word.literal,
                    quoted: false,
                }
            }
        };
        Ok(if inclusive {
            Bound::Inclusive(value)
        } else {
            Bound::Exclusive(value)
        })
    }

    fn word(&mut self, stop: impl Fn(char) -> bool) -> Result<Word> {
        self.cur.word(stop).map_err(|span| {
            ParseError::new("nothing to escape after `\\` at the end of the query", span)
        })
    }

    fn quoted(&mut self) -> Result<(String, Span)> {
        self.cur.quoted().map_err(|span| {
            ParseError::new("unterminated quoted string: expected a closing `\"`", span)
        })
    }
}

/// What a bare value word means: `*` exists, wildcards, a CIDR, or a plain value.
fn classify(word: &Word) -> Predicate {
    if !word.had_escape && word.literal == "*" {
        return Predicate::Exists;
    }
    if word.has_wildcard {
        return Predicate::Wildcard(word.pattern.clone());
    }
    if !word.had_escape && word.literal.contains('/') {
        if let Ok(net) = word.literal.parse::<IpNet>() {
            return Predicate::Cidr(net);
        }
    }
    Predicate::Eq(Value {
        text: word.literal.clone(),
        quoted: false,
    })
}

/// The operator as written in canonical text.
pub(crate) fn compare_op_text(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
    }
}
