//! Properties: canonical text parses back to the same tree, and no input (random text, or
//! text made of the grammar's own characters) panics the parser, the check, the matcher or
//! the row engine.

mod common;

use ipnet::IpNet;
use proptest::prelude::*;
use vigil_query::ast::{
    AggFunction, Aggregation, Bound, CompareOp, Expr, FieldPredicate, FieldRef, Pipe, Predicate,
    Query, SortKey, TextTerm, Value,
};
use vigil_query::{check, execute, parse, Matcher};

fn field_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "user",
        "src_ip",
        "dst_port",
        "time",
        "a.b",
        "resources[].uid",
        "@timestamp",
        "message",
    ])
    .prop_map(String::from)
}

fn column_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["user", "dst_port", "count", "dc(user)", "n", "a.b"])
        .prop_map(String::from)
}

/// Text with every character the grammar treats specially.
fn tricky_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .:*?\\\\\"()|/!&<>=\\[\\]{}é\t-]{1,8}"
}

fn value() -> impl Strategy<Value = Value> {
    (tricky_text(), any::<bool>()).prop_map(|(text, quoted)| Value { text, quoted })
}

/// A wildcard pattern: literal characters, wildcards and escapes, with at least one
/// unescaped wildcard and not the bare `*` (which is "exists").
fn pattern() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z0-9 .:()\"|/!&<>=\\-]".prop_map(|c| c),
        Just("*".to_string()),
        Just("?".to_string()),
        Just("\\*".to_string()),
        Just("\\?".to_string()),
        Just("\\\\".to_string()),
    ];
    prop::collection::vec(piece, 1..6)
        .prop_map(|pieces| pieces.concat())
        .prop_filter("needs an unescaped wildcard", |pattern| {
            let mut chars = pattern.chars();
            let mut wild = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '*' | '?' => wild = true,
                    _ => {}
                }
            }
            wild && pattern != "*"
        })
}

fn net() -> impl Strategy<Value = IpNet> {
    prop_oneof![
        (any::<[u8; 4]>(), 0u8..=32)
            .prop_map(|(octets, prefix)| IpNet::new(octets.into(), prefix).expect("prefix fits")),
        (any::<[u16; 8]>(), 0u8..=128).prop_map(|(segments, prefix)| IpNet::new(
            segments.into(),
            prefix
        )
        .expect("prefix fits")),
    ]
}

fn bound() -> impl Strategy<Value = Bound> {
    let end = || {
        value().prop_filter("`*` is the open end", |value| {
            value.quoted || value.text != "*"
        })
    };
    prop_oneof![
        Just(Bound::Unbounded),
        end().prop_map(Bound::Inclusive),
        end().prop_map(Bound::Exclusive)
    ]
}

fn predicate() -> impl Strategy<Value = Predicate> {
    let op = prop::sample::select(vec![
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ]);
    prop_oneof![
        value().prop_map(Predicate::Eq),
        pattern().prop_map(Predicate::Wildcard),
        net().prop_map(Predicate::Cidr),
        (op, value()).prop_map(|(op, value)| Predicate::Compare(op, value)),
        (bound(), bound()).prop_map(|(low, high)| Predicate::Range { low, high }),
        Just(Predicate::Exists),
        "[a-z.*+?()\\[\\]/| ]{0,6}".prop_map(Predicate::Regex),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        Just(Expr::All),
        (field_name(), predicate()).prop_map(|(field, predicate)| Expr::Field(FieldPredicate {
            field,
            field_span: 0..0,
            predicate,
            value_span: 0..0,
        })),
        pattern().prop_map(|word| Expr::Text(TextTerm::Word(word))),
        "[a-zA-Z0-9:()\"|!&<>-]{1,6}"
            .prop_filter("not the bare `*`", |word| word != "*")
            .prop_map(|word| Expr::Text(TextTerm::Word(word))),
        prop::sample::select(vec!["and", "OR", "Not", "to", "-", "&&x", "!"])
            .prop_map(|word| Expr::Text(TextTerm::Word(word.into()))),
        tricky_text().prop_map(|phrase| Expr::Text(TextTerm::Phrase(phrase))),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|operand| Expr::Not(Box::new(operand))),
        ]
    })
}

fn field_ref() -> impl Strategy<Value = FieldRef> {
    column_name().prop_map(|name| FieldRef { name, span: 0..0 })
}

fn aggregation() -> impl Strategy<Value = Aggregation> {
    let function = prop::sample::select(vec![
        AggFunction::Count,
        AggFunction::DistinctCount,
        AggFunction::Sum,
        AggFunction::Avg,
        AggFunction::Min,
        AggFunction::Max,
    ]);
    let field = prop::option::of(field_name().prop_map(|name| FieldRef { name, span: 0..0 }));
    let alias = prop::option::of(prop::sample::select(vec!["n", "total", "users", "count"]));
    (function, field, alias).prop_map(|(function, field, alias)| {
        let field = if function == AggFunction::Count {
            field
        } else {
            field.or(Some(FieldRef {
                name: "bytes".into(),
                span: 0..0,
            }))
        };
        let default = function.default_alias(field.as_ref().map(|field| field.name.as_str()));
        Aggregation {
            function,
            field,
            alias: alias.map_or(default, String::from),
            span: 0..0,
        }
    })
}

fn pipe() -> impl Strategy<Value = Pipe> {
    let refs = || prop::collection::vec(field_ref(), 1..3);
    let aggs = || prop::collection::vec(aggregation(), 1..3);
    prop_oneof![
        (aggs(), prop::collection::vec(field_ref(), 0..3))
            .prop_map(|(aggs, by)| Pipe::Stats { aggs, by }),
        (
            prop::sample::select(vec![
                500i64, 1_000, 30_000, 90_000, 300_000, 3_600_000, 86_400_000
            ]),
            aggs(),
            prop::option::of(field_ref())
        )
            .prop_map(|(span_ms, aggs, by)| Pipe::Timechart { span_ms, aggs, by }),
        (1usize..100, field_ref()).prop_map(|(limit, field)| Pipe::Top { limit, field }),
        prop::collection::vec((field_ref(), any::<bool>()), 1..3).prop_map(|keys| Pipe::Sort(
            keys.into_iter()
                .map(|(field, descending)| SortKey { field, descending })
                .collect()
        )),
        (0usize..1000).prop_map(Pipe::Head),
        (0usize..1000).prop_map(Pipe::Tail),
        refs().prop_map(Pipe::Dedup),
        refs().prop_map(Pipe::Table),
        expr().prop_map(Pipe::Where),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    (expr(), prop::collection::vec(pipe(), 0..4))
        .prop_map(|(filter, pipes)| Query { filter, pipes })
}

/// Runs everything downstream of the parser on `text`; only panics would fail.
fn exercise(text: &str) {
    let Ok(parsed) = parse(text) else { return };
    let canonical = parsed.to_string();
    let reparsed = parse(&canonical)
        .unwrap_or_else(|error| panic!("canonical {canonical:?} of {text:?}: {error}"));
    assert_eq!(
        reparsed.without_spans(),
        parsed.without_spans(),
        "canonical {canonical:?} of {text:?}"
    );
    let _ = Matcher::new(&parsed.filter);
    let events = common::events();
    if let Ok(checked) = check(&parsed, common::NOW_MS) {
        assert_eq!(
            check(&checked, common::NOW_MS),
            Ok(checked.clone()),
            "check of {text:?} is not a fixed point"
        );
        execute(&checked, &events)
            .unwrap_or_else(|error| panic!("checked {text:?} fails to run: {error}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_text_parses_to_the_same_tree(query in query()) {
        let text = query.to_string();
        let parsed = parse(&text).map_err(|error| TestCaseError::fail(format!("{text:?}: {error}")))?;
        prop_assert_eq!(parsed.without_spans(), query, "text {:?}", text);
    }

    #[test]
    fn random_text_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn grammar_soup_never_panics(text in "([a-z_.]{1,6}|[:()\"*?\\\\\\[\\]{}<>=|!& /-]|AND|OR|NOT|TO|src_ip|dst_port|time|user|10\\.0\\.0\\.0/8|-24h|\\| ?(stats|sort|head|top|where|timechart 5m|table|dedup) ?|count\\(\\)|by){0,16}") {
        exercise(&text);
    }
}

#[test]
fn rendered_errors_never_panic() {
    for text in [
        "src_ip:",
        "é:(",
        "a\n| stats nope()",
        "\"unclosed é",
        "dst_port:[1 TO",
    ] {
        let error = parse(text).unwrap_err();
        let rendered = error.render(text);
        assert!(rendered.starts_with("error: "), "{rendered}");
        assert!(rendered.contains('^'), "{rendered}");
    }
}
