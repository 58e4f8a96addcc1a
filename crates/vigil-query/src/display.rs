//! Canonical query text: `Display` for [`Query`] and its parts. Parsing the text gives back
//! the same tree (spans aside): operators are uppercase, parentheses appear only where
//! precedence needs them, and every character the grammar would read differently is escaped.
//!
//! Trees the parser never builds print as the nearest text: `And([])` as `*`, `Or([])` as
//! `NOT *`, a one-operand `And`/`Or` as its operand, `TextTerm::Word("*")` as `*`.

use std::fmt::{self, Display, Formatter, Write};

use ipnet::IpNet;

use crate::ast::{
    Aggregation, Bound, Expr, FieldPredicate, Pipe, Predicate, Query, TextTerm, Value,
};
use crate::parse::compare_op_text;
use crate::time::format_duration;

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.filter)?;
        for pipe in &self.pipes {
            write!(f, " | {pipe}")?;
        }
        Ok(())
    }
}

/// Binding strength, loosest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Or,
    And,
    Not,
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self, None)
    }
}

/// Writes `expr` as an operand of `parent` (`None` at the top).
fn write_expr(f: &mut Formatter<'_>, expr: &Expr, parent: Option<Level>) -> fmt::Result {
    let (level, operands, separator) = match expr {
        Expr::And(operands) if operands.is_empty() => return f.write_str("*"),
        Expr::Or(operands) if operands.is_empty() => return f.write_str("NOT *"),
        Expr::And(operands) | Expr::Or(operands) if operands.len() == 1 => {
            return write_expr(f, &operands[0], parent);
        }
        Expr::And(operands) => (Level::And, operands, " AND "),
        Expr::Or(operands) => (Level::Or, operands, " OR "),
        Expr::Not(operand) => {
            f.write_str("NOT ")?;
            return write_expr(f, operand, Some(Level::Not));
        }
        Expr::All => return f.write_str("*"),
        Expr::Field(predicate) => return write!(f, "{predicate}"),
        Expr::Text(term) => return write!(f, "{term}"),
    };
    // A nested operand of the same operator needs parentheses too: the parser builds
    // `a OR (b OR c)` as two levels and `a OR b OR c` as one.
    let parenthesize = parent.is_some_and(|parent| parent >= level);
    if parenthesize {
        f.write_char('(')?;
    }
    for (index, operand) in operands.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        write_expr(f, operand, Some(level))?;
    }
    if parenthesize {
        f.write_char(')')?;
    }
    Ok(())
}

impl Display for TextTerm {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TextTerm::Phrase(text) => write_quoted(f, text),
            TextTerm::Word(pattern) => {
                let mut out = String::new();
                escape_pattern(&mut out, pattern, |c, first| {
                    is_word_special(c)
                        || matches!(c, ':' | '<' | '>')
                        || (first && matches!(c, '-' | '!' | '&'))
                });
                if is_operator_word(&out) {
                    out.insert(0, '\\');
                }
                f.write_str(&out)
            }
        }
    }
}

impl Display for FieldPredicate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.predicate {
            Predicate::Eq(value) => write!(f, "{field}:{}", ValueText(value)),
            Predicate::Wildcard(pattern) => {
                let mut out = String::new();
                escape_pattern(&mut out, pattern, |c, first| {
                    is_word_special(c) || (first && starts_special(c))
                });
                write!(f, "{field}:{out}")
            }
            Predicate::Cidr(net) => write!(f, "{field}:{net}"),
            Predicate::Compare(op, value) => {
                write!(f, "{field}{}", compare_op_text(*op))?;
                if value.quoted || value.text.is_empty() {
                    return write_quoted(f, &value.text);
                }
                let mut out = escape_literal(&value.text, |c| c == '=');
                if is_operator_word(&out) || out.starts_with('!') || out.starts_with("&&") {
                    out.insert(0, '\\');
                }
                f.write_str(&out)
            }
            Predicate::Range { low, high } => {
                f.write_str(field)?;
                f.write_str(match low {
                    Bound::Exclusive(_) => ":{",
                    _ => ":[",
                })?;
                write_bound(f, low)?;
                f.write_str(" TO ")?;
                write_bound(f, high)?;
                f.write_str(match high {
                    Bound::Exclusive(_) => "}",
                    _ => "]",
                })
            }
            Predicate::Exists => write!(f, "{field}:*"),
            Predicate::Regex(pattern) => {
                write!(f, "{field}:/")?;
                let mut chars = pattern.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '/' => f.write_str("\\/")?,
                        '\\' => {
                            f.write_char('\\')?;
                            if let Some(next) = chars.next() {
                                f.write_char(next)?;
                            }
                        }
                        _ => f.write_char(c)?,
                    }
                }
                f.write_char('/')
            }
        }
    }
}

/// A literal value after `field:`.
struct ValueText<'v>(&'v Value);

impl Display for ValueText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let value = self.0;
        if value.quoted || value.text.is_empty() {
            return write_quoted(f, &value.text);
        }
        let mut out = escape_literal(&value.text, starts_special);
        // Unescaped, this would read as a CIDR.
        if value.text.contains('/') && value.text.parse::<IpNet>().is_ok() {
            out = out.replace('/', "\\/");
        }
        f.write_str(&out)
    }
}

fn write_bound(f: &mut Formatter<'_>, bound: &Bound) -> fmt::Result {
    let value = match bound {
        Bound::Unbounded => return f.write_char('*'),
        Bound::Inclusive(value) | Bound::Exclusive(value) => value,
    };
    if value.quoted || value.text.is_empty() {
        return write_quoted(f, &value.text);
    }
    let mut out = String::new();
    for c in value.text.chars() {
        if c.is_whitespace() || matches!(c, ']' | '}' | '"' | '\\' | '*' | '?') {
            out.push('\\');
        }
        out.push(c);
    }
    f.write_str(&out)
}

fn write_quoted(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

/// Characters that end or change a word anywhere in it.
fn is_word_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '|' | '\\')
}

/// Characters that change the meaning of a value when they start it.
fn starts_special(c: char) -> bool {
    matches!(c, '/' | '[' | '{' | '<' | '>')
}

fn is_operator_word(text: &str) -> bool {
    ["AND", "OR", "NOT"]
        .iter()
        .any(|keyword| text.eq_ignore_ascii_case(keyword))
}

/// Escapes a literal (no wildcards): specials anywhere, `*` and `?`, and the characters for
/// which `special_first` holds in first position.
fn escape_literal(text: &str, special_first: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    for (index, c) in text.chars().enumerate() {
        if is_word_special(c) || matches!(c, '*' | '?') || (index == 0 && special_first(c)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes a wildcard pattern: its own escapes (`\*`, `\?`, `\\`) pass through, wildcards
/// stay, every other character for which `special(c, is_first)` holds gets a backslash.
fn escape_pattern(out: &mut String, pattern: &str, special: impl Fn(char, bool) -> bool) {
    let mut chars = pattern.chars();
    let mut first = true;
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push('\\');
            out.push(chars.next().unwrap_or('\\'));
        } else {
            if !matches!(c, '*' | '?') && special(c, first) {
                out.push('\\');
            }
            out.push(c);
        }
        first = false;
    }
}

impl Display for Pipe {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let join = |names: &mut dyn Iterator<Item = String>| names.collect::<Vec<_>>().join(", ");
        match self {
            Pipe::Stats { aggs, by } => {
                write!(
                    f,
                    "stats {}",
                    join(&mut aggs.iter().map(Aggregation::to_string))
                )?;
                if !by.is_empty() {
                    write!(
                        f,
                        " by {}",
                        join(&mut by.iter().map(|field| field.name.clone()))
                    )?;
                }
                Ok(())
            }
            Pipe::Timechart { span_ms, aggs, by } => {
                let aggs = join(&mut aggs.iter().map(Aggregation::to_string));
                write!(f, "timechart span={} {aggs}", format_duration(*span_ms))?;
                if let Some(by) = by {
                    write!(f, " by {}", by.name)?;
                }
                Ok(())
            }
            Pipe::Top { limit, field } => write!(f, "top {limit} {}", field.name),
            Pipe::Sort(keys) => {
                let keys = keys.iter().map(|key| {
                    format!(
                        "{}{}",
                        if key.descending { "-" } else { "" },
                        key.field.name
                    )
                });
                write!(f, "sort {}", join(&mut keys.into_iter()))
            }
            Pipe::Head(count) => write!(f, "head {count}"),
            Pipe::Tail(count) => write!(f, "tail {count}"),
            Pipe::Dedup(fields) => write!(
                f,
                "dedup {}",
                join(&mut fields.iter().map(|field| field.name.clone()))
            ),
            Pipe::Table(fields) => write!(
                f,
                "table {}",
                join(&mut fields.iter().map(|field| field.name.clone()))
            ),
            Pipe::Where(expr) => write!(f, "where {expr}"),
        }
    }
}

impl Display for Aggregation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let field = self.field.as_ref().map(|field| field.name.as_str());
        write!(f, "{}({})", self.function.name(), field.unwrap_or(""))?;
        if self.alias != self.function.default_alias(field) {
            write!(f, " as {}", self.alias)?;
        }
        Ok(())
    }
}
