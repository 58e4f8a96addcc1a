//! The pipe stages after the filter: `| stats …`, `| timechart …`, `| top …`, `| sort …`,
//! `| head`, `| tail`, `| dedup …`, `| table …`, `| where …`.

use super::{Parser, Result, Scope};
use crate::ast::{AggFunction, Aggregation, FieldRef, Pipe, SortKey};
use crate::error::ParseError;
use crate::time::parse_duration_ms;

/// What `head`, `tail` and `top` use when no count is given.
const DEFAULT_LIMIT: usize = 10;

const PIPE_NAMES: &str =
    "`stats`, `timechart`, `top`, `sort`, `head`, `tail`, `dedup`, `table` or `where`";

impl Parser<'_> {
    pub(super) fn pipes(&mut self) -> Result<Vec<Pipe>> {
        let mut pipes = Vec::new();
        loop {
            self.cur.skip_ws();
            if self.cur.at_end() {
                return Ok(pipes);
            }
            if !self.cur.eat('|') {
                // The filter stops only at the end, a pipe or a `)` it did not open.
                let span = self.cur.next_char_span();
                return self.error(
                    format!("unexpected `{}`", self.cur.slice(span.clone())),
                    span,
                );
            }
            self.cur.skip_ws();
            let Some((name, name_span)) = self.cur.ident() else {
                let message = format!("expected a pipe command after `|`: {PIPE_NAMES}");
                return self.error(message, self.cur.next_char_span());
            };
            let pipe = match name.to_ascii_lowercase().as_str() {
                "stats" => self.stats(&name, name_span.clone())?,
                "timechart" => self.timechart(name_span.clone())?,
                "top" => self.top(name_span.clone())?,
                "sort" => Pipe::Sort(self.sort_keys(name_span.clone())?),
                "head" => Pipe::Head(self.optional_count()?.unwrap_or(DEFAULT_LIMIT)),
                "tail" => Pipe::Tail(self.optional_count()?.unwrap_or(DEFAULT_LIMIT)),
                "dedup" => Pipe::Dedup(self.field_list("dedup", name_span.clone())?),
                "table" | "fields" => Pipe::Table(self.field_list(&name, name_span.clone())?),
                "where" => {
                    self.cur.skip_ws();
                    if self.at_expr_end() {
                        return self.error("`where` needs a condition, like `count>10`", name_span);
                    }
                    Pipe::Where(self.or_expr(&Scope::Filter, "where")?)
                }
                _ => {
                    let message = format!("unknown pipe command `{name}`: expected {PIPE_NAMES}");
                    return self.error(message, name_span);
                }
            };
            self.cur.skip_ws();
            if !self.cur.at_end() && self.cur.peek() != Some('|') {
                let raw = self.cur.peek_raw_word();
                let span = if raw.is_empty() {
                    self.cur.next_char_span()
                } else {
                    self.cur.pos()..self.cur.pos() + raw.len()
                };
                let found = self.cur.slice(span.clone());
                return self.error(
                    format!("unexpected `{found}` in `{}`", name.to_ascii_lowercase()),
                    span,
                );
            }
            pipes.push(pipe);
        }
    }

    /// At the end of the text or of this pipe stage.
    fn at_stage_end(&self) -> bool {
        self.cur.at_end() || self.cur.peek() == Some('|')
    }

    /// Whether the next identifier is `keyword` (any case), without consuming it.
    fn next_is_keyword(&mut self, keyword: &str) -> bool {
        let start = self.cur.pos();
        let found = self
            .cur
            .ident()
            .is_some_and(|(name, _)| name.eq_ignore_ascii_case(keyword));
        self.cur.set_pos(start);
        found
    }

    /// Skips white space and one optional comma (lists accept `a, b` and `a b`).
    fn list_separator(&mut self) {
        self.cur.skip_ws();
        if self.cur.eat(',') {
            self.cur.skip_ws();
        }
    }

    /// `name` or `func(arg)` / `func()` (to name aggregate columns: `sort -dc(user)`).
    fn field_ref(&mut self, context: &str) -> Result<FieldRef> {
        let start = self.cur.pos();
        let Some((mut name, _)) = self.cur.ident() else {
            let message = format!("expected a field name in `{context}`");
            return self.error(message, self.cur.next_char_span());
        };
        if self.cur.eat('(') {
            let argument = self.cur.ident();
            if !self.cur.eat(')') {
                return self.error(
                    format!("expected `)` to close `{name}(`"),
                    self.cur.next_char_span(),
                );
            }
            if let Some((argument, _)) = argument {
                name = format!("{name}({argument})");
            }
        }
        Ok(FieldRef {
            name,
            span: start..self.cur.pos(),
        })
    }

    fn field_list(
        &mut self,
        context: &str,
        pipe_span: std::ops::Range<usize>,
    ) -> Result<Vec<FieldRef>> {
        let context = context.to_ascii_lowercase();
        let mut fields = Vec::new();
        self.cur.skip_ws();
        while !self.at_stage_end() {
            if !fields.is_empty() {
                self.list_separator();
            }
            fields.push(self.field_ref(&context)?);
            self.cur.skip_ws();
        }
        if fields.is_empty() {
            return self.error(format!("`{context}` needs at least one field"), pipe_span);
        }
        Ok(fields)
    }

    fn sort_keys(&mut self, pipe_span: std::ops::Range<usize>) -> Result<Vec<SortKey>> {
        let mut keys = Vec::new();
        self.cur.skip_ws();
        while !self.at_stage_end() {
            if !keys.is_empty() {
                self.list_separator();
            }
            let descending = if self.cur.eat('-') {
                true
            } else {
                self.cur.eat('+');
                false
            };
            keys.push(SortKey {
                field: self.field_ref("sort")?,
                descending,
            });
            self.cur.skip_ws();
        }
        if keys.is_empty() {
            return self.error(
                "`sort` needs at least one field, like `sort -count`",
                pipe_span,
            );
        }
        Ok(keys)
    }

    /// A count after `head`, `tail`, `top`, if one is there.
    fn optional_count(&mut self) -> Result<Option<usize>> {
        self.cur.skip_ws();
        if !self.cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Ok(None);
        }
        let start = self.cur.pos();
        while self.cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.cur.bump();
        }
        let span = start..self.cur.pos();
        let digits = self.cur.slice(span.clone());
        match digits.parse::<usize>() {
            Ok(count) => Ok(Some(count)),
            Err(_) => self.error(format!("`{digits}` is too large"), span),
        }
    }

    fn stats(&mut self, name: &str, name_span: std::ops::Range<usize>) -> Result<Pipe> {
        let aggs = self.aggregations(name, name_span)?;
        let mut by = Vec::new();
        self.cur.skip_ws();
        if self.next_is_keyword("by") {
            let by_span = self.cur.ident().map_or(0..0, |(_, span)| span);
            by = self.field_list("stats … by", by_span)?;
        }
        Ok(Pipe::Stats { aggs, by })
    }

    fn timechart(&mut self, name_span: std::ops::Range<usize>) -> Result<Pipe> {
        self.cur.skip_ws();
        if self.next_is_keyword("span") {
            let start = self.cur.pos();
            self.cur.ident();
            self.cur.skip_ws();
            if !self.cur.eat('=') {
                self.cur.set_pos(start);
            }
            self.cur.skip_ws();
        }
        let start = self.cur.pos();
        while self.cur.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.cur.bump();
        }
        let span = start..self.cur.pos();
        let Some(span_ms) = parse_duration_ms(self.cur.slice(span.clone())).filter(|ms| *ms > 0)
        else {
            let span = if span.is_empty() {
                self.cur.next_char_span()
            } else {
                span
            };
            return self.error("expected a bucket span like `5m` after `timechart` (`ms`, `s`, `m`, `h`, `d`, `w`)", span);
        };
        let aggs = self.aggregations("timechart", name_span)?;
        self.cur.skip_ws();
        let mut by = None;
        if self.next_is_keyword("by") {
            self.cur.ident();
            self.cur.skip_ws();
            by = Some(self.field_ref("timechart … by")?);
            self.list_separator();
            if !self.at_stage_end() {
                return self.error("`timechart` splits by one field", self.cur.next_char_span());
            }
        }
        Ok(Pipe::Timechart { span_ms, aggs, by })
    }

    fn top(&mut self, name_span: std::ops::Range<usize>) -> Result<Pipe> {
        let count_at = self.cur.pos();
        let limit = self.optional_count()?.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 {
            return self.error(
                "`top` needs a count of at least 1",
                count_at..self.cur.pos(),
            );
        }
        self.cur.skip_ws();
        if self.at_stage_end() {
            return self.error("`top` needs a field, like `top 5 dst_port`", name_span);
        }
        Ok(Pipe::Top {
            limit,
            field: self.field_ref("top")?,
        })
    }

    fn aggregations(
        &mut self,
        pipe: &str,
        pipe_span: std::ops::Range<usize>,
    ) -> Result<Vec<Aggregation>> {
        let pipe = pipe.to_ascii_lowercase();
        let mut aggs = Vec::new();
        loop {
            self.cur.skip_ws();
            if self.at_stage_end() || self.next_is_keyword("by") {
                break;
            }
            if !aggs.is_empty() {
                self.list_separator();
            }
            aggs.push(self.aggregation()?);
        }
        if aggs.is_empty() {
            return self.error(
                format!("`{pipe}` needs an aggregation, like `count()`"),
                pipe_span,
            );
        }
        Ok(aggs)
    }

    fn aggregation(&mut self) -> Result<Aggregation> {
        let start = self.cur.pos();
        let Some((name, name_span)) = self.cur.ident() else {
            let message = "expected an aggregation, like `count()` or `dc(user)`";
            return self.error(message, self.cur.next_char_span());
        };
        let function = match name.to_ascii_lowercase().as_str() {
            "count" => AggFunction::Count,
            "dc" | "distinct_count" => AggFunction::DistinctCount,
            "sum" => AggFunction::Sum,
            "avg" => AggFunction::Avg,
            "min" => AggFunction::Min,
            "max" => AggFunction::Max,
            _ => {
                let message = format!(
                    "unknown function `{name}`: expected `count`, `dc`, `sum`, `avg`, `min` or `max`"
                );
                return self.error(message, name_span);
            }
        };
        let mut field = None;
        if self.cur.eat('(') {
            self.cur.skip_ws();
            if let Some((argument, span)) = self.cur.ident() {
                field = Some(FieldRef {
                    name: argument,
                    span,
                });
            }
            self.cur.skip_ws();
            if !self.cur.eat(')') {
                return self.error(
                    format!("expected `)` to close `{name}(`"),
                    self.cur.next_char_span(),
                );
            }
        }
        if function != AggFunction::Count && field.is_none() {
            let message = format!(
                "`{}` needs a field, like `{}(bytes)`",
                function.name(),
                function.name()
            );
            return self.error(message, start..self.cur.pos());
        }
        let span = start..self.cur.pos();
        let mut alias = function.default_alias(field.as_ref().map(|field| field.name.as_str()));
        let before_alias = self.cur.pos();
        self.cur.skip_ws();
        if self.next_is_keyword("as") {
            self.cur.ident();
            self.cur.skip_ws();
            let Some((name, _)) = self.cur.ident() else {
                return Err(ParseError::new(
                    "expected a column name after `as`",
                    self.cur.next_char_span(),
                ));
            };
            alias = name;
        } else {
            self.cur.set_pos(before_alias);
        }
        Ok(Aggregation {
            function,
            field,
            alias,
            span,
        })
    }
}
