//! The search language analysts type: a Lucene-like filter (`src_ip:10.0.0.0/8 AND
//! status:failure AND NOT user:svc-*`) followed by pipes (`| stats count() by dst_port | sort
//! -count | head 10`).
//!
//! This crate owns the grammar ([`parse`]), the syntax tree ([`ast`]), canonical text
//! (`Display` on [`ast::Query`]), the semantic check ([`check`]), the field catalogue
//! ([`fields`]: analyst names → OCSF paths and kinds), and the reference semantics: a
//! [`Matcher`] for filters and a row engine ([`execute`]) for pipes, over events as
//! `vigil-model` serializes them. It knows no index: `vigil-store` compiles the checked tree
//! to tantivy queries and aggregations and is tested against [`execute`]. It must not know
//! storage, IO or clocks ("now" is an argument of [`check`]).
//!
//! A query goes `parse` → `check` → (`execute` | the store). Every error is a [`ParseError`]
//! with a byte span; [`ParseError::render`] draws a caret under it.
//!
//! ```
//! use serde_json::json;
//! use vigil_query::{check, execute, parse, Output};
//!
//! let now_ms = 1_714_557_600_000;
//! let query = parse("status:failure AND NOT user:svc-* | stats count() by user").unwrap();
//! let query = check(&query, now_ms).unwrap();
//! let events = [
//!     json!({"status": "Failure", "actor": {"user": {"name": "alice"}}}),
//!     json!({"status": "Failure", "actor": {"user": {"name": "svc-backup"}}}),
//!     json!({"status": "Success", "actor": {"user": {"name": "alice"}}}),
//! ];
//! let Output::Table(table) = execute(&query, &events).unwrap() else { panic!("stats makes a table") };
//! assert_eq!(table.columns, ["user", "count"]);
//! assert_eq!(table.rows, [[json!("alice"), json!(1)]]);
//!
//! let error = parse("src_ip: AND x").unwrap_err();
//! assert_eq!(error.render("src_ip: AND x"), "error: expected a value after `src_ip:`\n  src_ip: AND x\n         ^");
//! ```
//!
//! # Grammar
//!
//! ```text
//! query     := filter? ( "|" pipe )*
//! filter    := or
//! or        := and ( ("OR" | "||") and )*
//! and       := unary ( ("AND" | "&&")? unary )*          juxtaposition is AND
//! unary     := ("NOT" | "!") unary | "-" unary            `-` only directly before a term
//!            | primary
//! primary   := "(" or ")" | "*" | PHRASE | WORD
//!            | FIELD ":" value | FIELD ":" "(" values ")" | FIELD cmp VALUE
//! value     := PHRASE | "/" regex "/" | range | cmp VALUE | "*" | WORD
//! values    := the `or` grammar with `value` as the term   `user:(alice OR bob*)`
//! range     := ("[" | "{") end "TO" end ("]" | "}")        `*` is an open end
//! cmp       := ">" | ">=" | "<" | "<="
//! pipe      := "stats" aggs ("by" fields)?
//!            | "timechart" ("span=")? DURATION aggs ("by" field)?
//!            | "top" N? field | "sort" (("-"|"+")? field ","?)+
//!            | "head" N? | "tail" N? | "dedup" fields | "table" fields | "where" filter
//! aggs      := agg ( ","? agg )*       agg := FUNC "(" field? ")" ("as" NAME)?
//! ```
//!
//! - Operators and `TO` are recognized in any case (`and`, `Or`, `NOT`): analysts type them
//!   in lowercase and mean the operator far more often than the word. To search for the word,
//!   quote it (`"and"`) or escape a letter (`\and`). Precedence: NOT > AND > OR.
//! - A backslash escapes any character (`svc\-backup`, `a\ b`, `url_path:\/api`); in
//!   wildcard patterns `\*`, `\?` and `\\` stay escaped in the tree (see
//!   [`ast::Predicate::Wildcard`]). A value with an unescaped `*` or `?` is a wildcard; an
//!   unescaped value that parses as `address/prefix` is a CIDR; `field:*` is exists.
//! - Field names are identifiers (`src_ip`, `actor.user.name`, `resources[].uid`,
//!   `@timestamp`); a bare word followed by `:` is a field. Quote or escape free text that
//!   holds a `:` (`"http://x"`). White space may surround `>`/`<` but not follow `:`.
//! - `field:(a OR b*)` expands to predicates on the field: `(field:a OR field:b*)`.
//! - Durations: a number and `ms`, `s`, `m`, `h`, `d` or `w`, chained (`1h30m`).
//! - Pipe names and `by`/`as` are case-insensitive; `fields` is a synonym of `table`;
//!   `head`/`tail`/`top` default to 10. Aggregations: `count()` (also bare `count`),
//!   `count(f)`, `dc(f)` = `distinct_count(f)`, `sum`, `avg`, `min`, `max`; their column is
//!   the `as` name or `count`, `count(f)`, `dc(f)`, `sum(f)`, … Pipes can name such columns
//!   (`sort -dc(user)`); `where` needs an `as` name for them.
//!
//! # Semantics (shared with the store)
//!
//! - A field's values are every non-null value at its catalogue paths; arrays contribute
//!   their elements wherever they are met (`resources[].uid`). A predicate holds if **any**
//!   value satisfies it; `NOT` negates that (so `NOT user:x` holds for events without a user).
//!   Names outside the catalogue must be dotted paths and are read directly from the event.
//! - Keyword fields: equality is ASCII-case-insensitive; wildcards match the whole value,
//!   ASCII-case-insensitively; regexes match the whole value, case-insensitively; comparisons
//!   and ranges compare ASCII-lowercased strings lexicographically. Numbers in the event are
//!   compared in their JSON text.
//! - Text fields (`message`, `cmd_line`, `user_agent`, `finding`) and free text: the text is
//!   split into words (runs of alphanumeric characters, lowercased: tantivy's
//!   `SimpleTokenizer` + `LowerCaser`). A value or word matches if its words occur
//!   consecutively (`svc-backup` is the phrase `svc backup`); a wildcard word matches word by
//!   word (`svc-*` is `svc` followed by any word); a regex must match one whole word. A term
//!   with no letters or digits matches nothing. Free text searches `raw_data` (the original
//!   record) and every text field, each on its own (a phrase does not span two fields);
//!   in `where` after an aggregation, it searches every string cell of the row.
//! - IP fields: equality of addresses (IPv4-mapped IPv6 equals IPv4), CIDR containment,
//!   ranges over addresses (IPv4 ordered as IPv4-mapped IPv6); `10.0.*` means `10.0.0.0/16`.
//! - Integer and time fields: numeric equality, comparisons and ranges (integers in strings
//!   count). Time values are RFC 3339 (UTC if no offset; a date alone is midnight UTC),
//!   epoch milliseconds, or relative to `check`'s "now": `now`,
//!   `now-1d`, `-24h`.
//! - Dotted paths outside the catalogue and computed columns (`count`): numbers compare as
//!   numbers when both sides are numbers, otherwise as keywords; a CIDR tests IP values.
//! - `exists` (`field:*`): the field has at least one non-null value.
//! - Pipes: `stats` makes one row per combination of group-by values (an event with two
//!   values of a `by` field counts in both groups; events missing a `by` field are left out),
//!   rows sorted by group key; without `by` it makes exactly one row. `count(f)` counts rows
//!   where `f` exists, `dc` counts distinct JSON values, `sum`/`avg`/`min`/`max` fold every
//!   numeric value (`sum` of none is 0, the others `null`). `timechart` buckets start at
//!   multiples of the span since the epoch, in a long table (`time`, split field,
//!   aggregates), empty buckets left out. `top` counts rows per value (`count`, `percent`
//!   of the input rows that have the field, two decimals), most frequent first, ties by value. `sort` is stable and
//!   puts rows without the field last in both directions; it sorts by the first value.
//!   `dedup` keeps the first row per combination of values and drops rows missing a field.
//!   `table` cells hold `null`, the value, or an array of values. JSON values order as
//!   null < booleans < numbers < strings < arrays < objects.

#![warn(missing_docs)]

pub mod ast;
mod check;
mod display;
mod error;
mod exec;
pub mod fields;
mod matcher;
mod parse;
mod predicate;
mod record;
mod resolve;
mod time;
mod words;

pub use check::check;
pub use error::ParseError;
pub use exec::{execute, Output, Table};
pub use matcher::Matcher;
pub use parse::parse;

/// A time as queries write it (RFC 3339, epoch milliseconds, `now`, `now-1d`, `-24h`), in
/// milliseconds since the epoch, relative times counted from `now_ms`; `None` if `text` is
/// not a time. For time bounds given beside a query (`vigil search --from --to`, the API).
pub fn parse_time_ms(text: &str, now_ms: i64) -> Option<i64> {
    time::parse_time_ms(text, Some(now_ms)).ok()
}
