//! Parser table: each query with its tree (a compact s-expression of the filter, then the
//! pipes in canonical text), or its error message and span. Every valid query also
//! round-trips through its canonical text.

use crate::ast::{Bound, Expr, Predicate, Query, TextTerm};
use crate::parse;

fn sexp(expr: &Expr) -> String {
    let list = |name: &str, operands: &[Expr]| {
        let inner: Vec<String> = operands.iter().map(sexp).collect();
        format!("({name} {})", inner.join(" "))
    };
    match expr {
        Expr::All => "*".into(),
        Expr::And(operands) => list("and", operands),
        Expr::Or(operands) => list("or", operands),
        Expr::Not(operand) => format!("(not {})", sexp(operand)),
        Expr::Text(TextTerm::Word(word)) => format!("(word {word:?})"),
        Expr::Text(TextTerm::Phrase(phrase)) => format!("(phrase {phrase:?})"),
        Expr::Field(field) => {
            let name = &field.field;
            let value = |value: &crate::ast::Value| {
                format!("{:?}{}", value.text, if value.quoted { "q" } else { "" })
            };
            match &field.predicate {
                Predicate::Eq(v) => format!("(eq {name} {})", value(v)),
                Predicate::Wildcard(pattern) => format!("(wild {name} {pattern:?})"),
                Predicate::Cidr(net) => format!("(cidr {name} {net})"),
                Predicate::Compare(op, v) => format!("({op:?} {name} {})", value(v)),
                Predicate::Exists => format!("(exists {name})"),
                Predicate::Regex(pattern) => format!("(regex {name} {pattern:?})"),
                Predicate::Range { low, high } => {
                    let end = |bound: &Bound, open: &str, close: &str| match bound {
                        Bound::Unbounded => "*".to_string(),
                        Bound::Inclusive(v) => format!("{open}{}{close}", value(v)),
                        Bound::Exclusive(v) => {
                            format!("{open}{}{close}", value(v)).replace(['[', ']'], "~")
                        }
                    };
                    format!(
                        "(range {name} {} {})",
                        end(low, "[", ""),
                        end(high, "", "]")
                    )
                }
            }
        }
    }
}

fn render(query: &Query) -> String {
    let mut out = sexp(&query.filter);
    for pipe in &query.pipes {
        out.push_str(&format!(" | {pipe}"));
    }
    out
}

/// `expected` is the tree, or `error: <message> @ <start>..<end>`.
fn check(text: &str, expected: &str) {
    let actual = match parse(text) {
        Ok(query) => {
            let canonical = query.to_string();
            let reparsed = parse(&canonical).unwrap_or_else(|error| {
                panic!("canonical text {canonical:?} of {text:?} fails: {error}")
            });
            assert_eq!(
                reparsed.without_spans(),
                query.without_spans(),
                "canonical text {canonical:?} of {text:?}"
            );
            render(&query)
        }
        Err(error) => format!(
            "error: {} @ {}..{}",
            error.message, error.span.start, error.span.end
        ),
    };
    assert_eq!(actual, expected, "query {text:?}");
}

#[test]
fn terms() {
    check("", "*");
    check("   ", "*");
    check("*", "*");
    check("user:alice", r#"(eq user "alice")"#);
    check(r#"user:"Alice Smith""#, r#"(eq user "Alice Smith"q)"#);
    check("user:svc-*", r#"(wild user "svc-*")"#);
    check("user:a?c", r#"(wild user "a?c")"#);
    check(r"user:a\*c", r#"(eq user "a*c")"#);
    check(r"user:a\*c*", r#"(wild user "a\\*c*")"#);
    check(r"user:a\ b", r#"(eq user "a b")"#);
    check("user:*", "(exists user)");
    check(r"user:\*", r#"(eq user "*")"#);
    check("src_ip:10.0.0.0/8", "(cidr src_ip 10.0.0.0/8)");
    check("src_ip:2001:db8::/32", "(cidr src_ip 2001:db8::/32)");
    check("src_ip:fe80::1", r#"(eq src_ip "fe80::1")"#);
    check(r"url_path:10.0.0.0\/8", r#"(eq url_path "10.0.0.0/8")"#);
    check(
        "resource:crn:v1:bluemix:public:kms:us-south:a/x::key:1",
        r#"(eq resource "crn:v1:bluemix:public:kms:us-south:a/x::key:1")"#,
    );
    check("user:/adm.*n/", r#"(regex user "adm.*n")"#);
    check(
        r"url_path:/\/api\/v[12]/",
        r#"(regex url_path "/api/v[12]")"#,
    );
    check(r"user:/a\d+/", r#"(regex user "a\\d+")"#);
    check("resources[].uid:x", r#"(eq resources[].uid "x")"#);
    check("@timestamp:1", r#"(eq @timestamp "1")"#);
    check("actor.user.name:root", r#"(eq actor.user.name "root")"#);
    check("fail*", r#"(word "fail*")"#);
    check(r#""failed password""#, r#"(phrase "failed password")"#);
    check(r#""say \"hi\"""#, r#"(phrase "say \"hi\"")"#);
    check("10.0.0.1", r#"(word "10.0.0.1")"#);
    check(r"a\:b", r#"(word "a:b")"#);
    check("12:30", r#"(word "12:30")"#);
    check(r"\and", r#"(word "and")"#);
    check(r"\-x", r#"(word "-x")"#);
}

#[test]
fn comparisons_and_ranges() {
    check("dst_port>1024", r#"(Gt dst_port "1024")"#);
    check("dst_port >= 1024", r#"(Ge dst_port "1024")"#);
    check("dst_port<10", r#"(Lt dst_port "10")"#);
    check("dst_port<=10", r#"(Le dst_port "10")"#);
    check("dst_port:>10", r#"(Gt dst_port "10")"#);
    check("dst_port:<=-5", r#"(Le dst_port "-5")"#);
    check(
        r#"time>="2024-05-01 10:00""#,
        r#"(Ge time "2024-05-01 10:00"q)"#,
    );
    check("time>-24h", r#"(Gt time "-24h")"#);
    check("dst_port:[1 TO 1024]", r#"(range dst_port ["1" "1024"])"#);
    check("dst_port:{1 TO 1024}", r#"(range dst_port ~"1" "1024"~)"#);
    check("dst_port:[1 to 1024}", r#"(range dst_port ["1" "1024"~)"#);
    check("dst_port:[* TO 1024]", r#"(range dst_port * "1024"])"#);
    check("dst_port:{1024 TO *}", r#"(range dst_port ~"1024" *)"#);
    check("time:[now-7d TO now]", r#"(range time ["now-7d" "now"])"#);
    check(
        r#"time:["2024-05-01" TO "2024-05-02"]"#,
        r#"(range time ["2024-05-01"q "2024-05-02"q])"#,
    );
    check(
        "time:[2024-05-01T00:00:00Z TO 2024-05-02T00:00:00Z]",
        r#"(range time ["2024-05-01T00:00:00Z" "2024-05-02T00:00:00Z"])"#,
    );
}

#[test]
fn boolean_structure() {
    check("a b", r#"(and (word "a") (word "b"))"#);
    check(
        "a AND b OR c",
        r#"(or (and (word "a") (word "b")) (word "c"))"#,
    );
    check(
        "a OR b AND c",
        r#"(or (word "a") (and (word "b") (word "c")))"#,
    );
    check(
        "a or b and not c",
        r#"(or (word "a") (and (word "b") (not (word "c"))))"#,
    );
    check(
        "a || b && !c",
        r#"(or (word "a") (and (word "b") (not (word "c"))))"#,
    );
    check("NOT a b", r#"(and (not (word "a")) (word "b"))"#);
    check("NOT NOT a", r#"(not (not (word "a")))"#);
    check("-user:svc-*", r#"(not (wild user "svc-*"))"#);
    check("- a", r#"(and (word "-") (word "a"))"#);
    check(
        "(a OR b) c",
        r#"(and (or (word "a") (word "b")) (word "c"))"#,
    );
    check(
        "a OR (b OR c)",
        r#"(or (word "a") (or (word "b") (word "c")))"#,
    );
    check("((a))", r#"(word "a")"#);
    check("NOT(a)", r#"(not (word "a"))"#);
    check("a AND(b)", r#"(and (word "a") (word "b"))"#);
    check("* AND a", r#"(and * (word "a"))"#);
    check(
        "src_ip:10.0.0.0/8 AND status:failure AND NOT user:svc-*",
        r#"(and (cidr src_ip 10.0.0.0/8) (eq status "failure") (not (wild user "svc-*")))"#,
    );
    check(
        "user:(alice OR bob*)",
        r#"(or (eq user "alice") (wild user "bob*"))"#,
    );
    check(
        "user:(alice bob) x",
        r#"(and (and (eq user "alice") (eq user "bob")) (word "x"))"#,
    );
    check(
        r#"user:(NOT "a b" OR -c)"#,
        r#"(or (not (eq user "a b"q)) (not (eq user "c")))"#,
    );
    check(
        "dst_port:(>1000 AND <2000 OR [1 TO 5] OR *)",
        r#"(or (and (Gt dst_port "1000") (Lt dst_port "2000")) (range dst_port ["1" "5"]) (exists dst_port))"#,
    );
    check(
        "ip:(10.0.0.0/8 OR (::1))",
        "(or (cidr ip 10.0.0.0/8) (eq ip \"::1\"))",
    );
}

#[test]
fn pipes() {
    check(
        "| stats count() by dst_port | sort -count | head 10",
        "* | stats count() by dst_port | sort -count | head 10",
    );
    check(
        "* | STATS count, DC(user) AS users, sum(bytes) by src_ip dst_port",
        "* | stats count(), dc(user) as users, sum(bytes) by src_ip, dst_port",
    );
    check(
        "| stats count(user) distinct_count(user) avg(bytes) min(x.y) max(bytes) as top",
        "* | stats count(user), dc(user), avg(bytes), min(x.y), max(bytes) as top",
    );
    check(
        "| timechart 5m count() by action",
        "* | timechart span=5m count() by action",
    );
    check(
        "| timechart span=1h30m sum(bytes)",
        "* | timechart span=90m sum(bytes)",
    );
    check(
        "| timechart span = 30s count()",
        "* | timechart span=30s count()",
    );
    check(
        "| top dst_port | top 3 user",
        "* | top 10 dst_port | top 3 user",
    );
    check(
        "| sort -count, +user time -dc(user)",
        "* | sort -count, user, time, -dc(user)",
    );
    check(
        "| head | tail | head 0 | tail 5",
        "* | head 10 | tail 10 | head 0 | tail 5",
    );
    check(
        "| dedup user, src_ip | table time user src_ip | fields user",
        "* | dedup user, src_ip | table time, user, src_ip | table user",
    );
    check(
        "x | stats count() as n by user | where n>5 AND user:a* | sort -n",
        r#"(word "x") | stats count() as n by user | where n>5 AND user:a* | sort -n"#,
    );
    check("a||b | head", r#"(or (word "a") (word "b")) | head 10"#);
    check(
        "| stats count() by user\n| head 3",
        "* | stats count() by user | head 3",
    );
}

#[test]
fn errors() {
    check("src_ip:", "error: expected a value after `src_ip:` @ 7..7");
    check(
        "src_ip: 10.0.0.1",
        "error: expected a value after `src_ip:` @ 7..8",
    );
    check(
        "user:bob AND",
        "error: expected a term after `AND` @ 12..12",
    );
    check(
        "user:bob AND OR x",
        "error: expected a term after `AND`, found `OR` @ 13..14",
    );
    check("OR x", "error: expected a search term, found `OR` @ 0..1");
    check("NOT", "error: expected a term after `NOT` @ 3..3");
    check("(a OR b", "error: unclosed `(` @ 0..1");
    check("a)", "error: unexpected `)` @ 1..2");
    check("user:(a", "error: unclosed `(` @ 5..6");
    check(
        "user:()",
        "error: expected a term after `user:(`, found `)` @ 6..7",
    );
    check(
        r#""abc"#,
        "error: unterminated quoted string: expected a closing `\"` @ 0..4",
    );
    check(r#""""#, "error: expected text between the quotes @ 0..2");
    check(
        "user:/abc",
        "error: unterminated regex: expected a closing `/` @ 5..9",
    );
    check(
        r"abc\",
        "error: nothing to escape after `\\` at the end of the query @ 3..4",
    );
    check(
        "dst_port:[1 1024]",
        "error: expected `TO` between the ends of the range @ 12..16",
    );
    check(
        "dst_port:[1 TO 1024",
        "error: expected `]` or `}` to close the range @ 19..19",
    );
    check(
        "dst_port:[ TO 5]",
        "error: expected `TO` between the ends of the range @ 14..15",
    );
    check(
        "dst_port:[]",
        "error: expected the lower end of the `dst_port` range @ 10..11",
    );
    check(
        "dst_port>",
        "error: expected a value after `dst_port>` @ 9..9",
    );
    check(
        "dst_port>= AND x",
        "error: expected a value after `dst_port>=` @ 11..12",
    );
    check("> 5", "error: expected a field name before `>` @ 0..1");
    check("a | ", "error: expected a pipe command after `|`: `stats`, `timechart`, `top`, `sort`, `head`, `tail`, `dedup`, `table` or `where` @ 4..4");
    check("| frobnicate", "error: unknown pipe command `frobnicate`: expected `stats`, `timechart`, `top`, `sort`, `head`, `tail`, `dedup`, `table` or `where` @ 2..12");
    check(
        "| stats",
        "error: `stats` needs an aggregation, like `count()` @ 2..7",
    );
    check(
        "| stats by user",
        "error: `stats` needs an aggregation, like `count()` @ 2..7",
    );
    check(
        "| stats count() by",
        "error: `stats … by` needs at least one field @ 16..18",
    );
    check("| stats total(bytes)", "error: unknown function `total`: expected `count`, `dc`, `sum`, `avg`, `min` or `max` @ 8..13");
    check(
        "| stats sum()",
        "error: `sum` needs a field, like `sum(bytes)` @ 8..13",
    );
    check(
        "| stats sum",
        "error: `sum` needs a field, like `sum(bytes)` @ 8..11",
    );
    check(
        "| stats sum(bytes",
        "error: expected `)` to close `sum(` @ 17..17",
    );
    check(
        "| stats count() as",
        "error: expected a column name after `as` @ 18..18",
    );
    check("| timechart count()", "error: expected a bucket span like `5m` after `timechart` (`ms`, `s`, `m`, `h`, `d`, `w`) @ 12..17");
    check("| timechart 5x count()", "error: expected a bucket span like `5m` after `timechart` (`ms`, `s`, `m`, `h`, `d`, `w`) @ 12..14");
    check("| timechart 0s count()", "error: expected a bucket span like `5m` after `timechart` (`ms`, `s`, `m`, `h`, `d`, `w`) @ 12..14");
    check(
        "| timechart 5m count() by a, b",
        "error: `timechart` splits by one field @ 29..30",
    );
    check(
        "| top 0 user",
        "error: `top` needs a count of at least 1 @ 5..7",
    );
    check(
        "| top",
        "error: `top` needs a field, like `top 5 dst_port` @ 2..5",
    );
    check(
        "| head 99999999999999999999999",
        "error: `99999999999999999999999` is too large @ 7..30",
    );
    check("| head ten", "error: unexpected `ten` in `head` @ 7..10");
    check(
        "| sort",
        "error: `sort` needs at least one field, like `sort -count` @ 2..6",
    );
    check("| table", "error: `table` needs at least one field @ 2..7");
    check(
        "| where",
        "error: `where` needs a condition, like `count>10` @ 2..7",
    );
    check("| where (a", "error: unclosed `(` @ 8..9");
    check("| head 5)", "error: unexpected `)` in `head` @ 8..9");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let error = parse(&deep).unwrap_err();
    assert_eq!(error.message, "the query nests deeper than 64 levels");
    let negations = format!("{}a", "NOT ".repeat(10_000));
    assert!(parse(&negations).is_err());
    let dashes = format!("{}a", "-".repeat(10_000));
    assert!(parse(&dashes).is_err());
    let shallow = format!("{}a{}", "(".repeat(60), ")".repeat(60));
    assert!(parse(&shallow).is_ok());
}

#[test]
fn spans_point_at_field_and_value() {
    let query = parse("x AND src_ip:10.0.0.0/8 | stats dc(user) as u by dst_port").unwrap();
    let Expr::And(operands) = &query.filter else {
        panic!("expected and")
    };
    let Expr::Field(field) = &operands[1] else {
        panic!("expected field")
    };
    assert_eq!(
        (field.field_span.clone(), field.value_span.clone()),
        (6..12, 13..23)
    );
    let crate::ast::Pipe::Stats { aggs, by } = &query.pipes[0] else {
        panic!("expected stats")
    };
    assert_eq!(aggs[0].span, 32..40);
    assert_eq!(
        aggs[0].field.as_ref().map(|field| field.span.clone()),
        Some(35..39)
    );
    assert_eq!(aggs[0].alias, "u");
    assert_eq!(by[0].span, 49..57);
    let query = parse("| stats DC(username)").unwrap();
    let crate::ast::Pipe::Stats { aggs, .. } = &query.pipes[0] else {
        panic!("expected stats")
    };
    assert_eq!(aggs[0].alias, "dc(username)");
}
