use super::*;
use proptest::prelude::*;

fn id(name: &str) -> Cond {
    Cond::Ident(name.to_string())
}

fn not(inner: Cond) -> Cond {
    Cond::Not(Box::new(inner))
}

fn one_of(pattern: &str) -> Cond {
    Cond::Of {
        quantifier: Quantifier::One,
        target: OfTarget::Pattern(pattern.to_string()),
    }
}

fn all_of(pattern: &str) -> Cond {
    Cond::Of {
        quantifier: Quantifier::All,
        target: OfTarget::Pattern(pattern.to_string()),
    }
}

/// Parses `text`, expecting success.
fn check(text: &str, expected: Cond) {
    assert_eq!(parse(text), Ok(expected), "parsing {text:?}");
}

/// Parses `text`, expecting an error of `kind` at `position`.
fn check_error(text: &str, kind: ConditionErrorKind, position: usize) {
    let error = parse(text).expect_err(text);
    assert_eq!(
        (error.kind, error.position),
        (kind, Some(position)),
        "{text:?}: {error}"
    );
}

/// Parses and resolves `text` against `identifiers`, expecting the printed result.
fn check_resolved(text: &str, identifiers: &[&str], expected: &str) {
    let resolved = parse(text).and_then(|cond| resolve(&cond, identifiers));
    assert_eq!(
        resolved.map(|cond| cond.to_string()),
        Ok(expected.to_string()),
        "{text:?}"
    );
}

#[test]
fn identifier() {
    check("selection", id("selection"));
    check("  sel-1_x\n", id("sel-1_x"));
    check("(selection)", id("selection"));
    check("((selection))", id("selection"));
}

#[test]
fn and_or_chains_are_n_ary() {
    check("a and b and c", Cond::And(vec![id("a"), id("b"), id("c")]));
    check("a or b or c", Cond::Or(vec![id("a"), id("b"), id("c")]));
}

#[test]
fn precedence_or_and_not() {
    check(
        "a or b and c",
        Cond::Or(vec![id("a"), Cond::And(vec![id("b"), id("c")])]),
    );
    check(
        "a and b or c",
        Cond::Or(vec![Cond::And(vec![id("a"), id("b")]), id("c")]),
    );
    check("not a and b", Cond::And(vec![not(id("a")), id("b")]));
    check("not a or b", Cond::Or(vec![not(id("a")), id("b")]));
    check("not not a", not(not(id("a"))));
}

#[test]
fn parentheses_keep_structure() {
    check(
        "selection and not (a or b)",
        Cond::And(vec![id("selection"), not(Cond::Or(vec![id("a"), id("b")]))]),
    );
    check(
        "(a and b) and c",
        Cond::And(vec![Cond::And(vec![id("a"), id("b")]), id("c")]),
    );
    check(
        "(a or b) and c",
        Cond::And(vec![Cond::Or(vec![id("a"), id("b")]), id("c")]),
    );
}

#[test]
fn selectors() {
    check("not 1 of filter_*", not(one_of("filter_*")));
    check("any of sel*", one_of("sel*"));
    check("all of selection_*", all_of("selection_*"));
    check(
        "all of them",
        Cond::Of {
            quantifier: Quantifier::All,
            target: OfTarget::Them,
        },
    );
    check(
        "1 of them",
        Cond::Of {
            quantifier: Quantifier::One,
            target: OfTarget::Them,
        },
    );
    check(
        "1 of selection* and not 1 of filter*",
        Cond::And(vec![one_of("selection*"), not(one_of("filter*"))]),
    );
    check("1 of *_x*", one_of("*_x*"));
    // `x of` binds tighter than `and`, `or` and `not`.
    check(
        "all of a* or 1 of b*",
        Cond::Or(vec![all_of("a*"), one_of("b*")]),
    );
}

#[test]
fn words_that_are_only_keywords_in_position() {
    check("all and them", Cond::And(vec![id("all"), id("them")]));
    check("near", id("near"));
    check("near and x", Cond::And(vec![id("near"), id("x")]));
    check("1", id("1"));
}

#[test]
fn syntax_errors() {
    use ConditionErrorKind::Syntax;
    check_error("", Syntax, 0);
    check_error("   ", Syntax, 0);
    check_error("a and", Syntax, 5);
    check_error("a b", Syntax, 2);
    check_error("(a", Syntax, 0);
    check_error("a)", Syntax, 1);
    check_error("()", Syntax, 1);
    check_error("and", Syntax, 0);
    check_error("sel*", Syntax, 0);
    check_error("2 of sel*", Syntax, 0);
    check_error("1 of", Syntax, 4);
    check_error("1 of (a)", Syntax, 5);
    check_error("1 of and", Syntax, 5);
    check_error("a & b", Syntax, 2);
    check_error("a and é", Syntax, 6);
}

#[test]
fn keywords_are_lowercase_only() {
    let error = parse("a AND b").expect_err("uppercase keyword");
    assert_eq!(error.position, Some(2));
    assert!(error.message.contains("keywords are lowercase"), "{error}");
    assert!(parse("NOT a").is_err());
    assert!(parse("ALL of them").is_err());
    assert!(parse("1 OF them").is_err());
}

#[test]
fn obsolete_aggregations_are_their_own_kind() {
    use ConditionErrorKind::ObsoleteAggregation;
    check_error("selection | count() by host > 5", ObsoleteAggregation, 10);
    check_error("selection | count(User) > 3", ObsoleteAggregation, 10);
    check_error("sel | near a and not b", ObsoleteAggregation, 4);
    check_error("near a and not b", ObsoleteAggregation, 0);
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(
        parse(&deep).map_err(|error| error.kind),
        Err(ConditionErrorKind::Syntax)
    );
    let nots = format!("{}a", "not ".repeat(100_000));
    assert!(parse(&nots).is_err());
    let ok = format!(
        "{}a{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(parse(&ok), Ok(id("a")));
}

#[test]
fn resolve_expands_selectors_in_identifier_order() {
    let identifiers = [
        "selection_a",
        "selection_b",
        "filter_1",
        "_helper",
        "keywords",
    ];
    check_resolved(
        "all of selection_*",
        &identifiers,
        "selection_a and selection_b",
    );
    check_resolved(
        "1 of selection* and not 1 of filter*",
        &identifiers,
        "(selection_a or selection_b) and not filter_1",
    );
    check_resolved(
        "all of them",
        &identifiers,
        "selection_a and selection_b and filter_1 and keywords",
    );
    check_resolved(
        "1 of *_*",
        &identifiers,
        "selection_a or selection_b or filter_1",
    );
    check_resolved("1 of _h*", &identifiers, "_helper");
    check_resolved("_helper and keywords", &identifiers, "_helper and keywords");
    check_resolved("not 1 of keywords", &identifiers, "not keywords");
}

#[test]
fn resolve_matches_whole_identifiers() {
    // pySigma's prefix match would also select `selection_2` here.
    check_resolved("1 of selection", &["selection", "selection_2"], "selection");
}

#[test]
fn resolve_errors() {
    let unknown = parse("selection and not filter")
        .and_then(|cond| resolve(&cond, &["selection"]))
        .expect_err("unknown identifier");
    assert_eq!(unknown.kind, ConditionErrorKind::UnknownIdentifier);
    assert!(unknown.message.contains("`filter`"), "{unknown}");

    let empty = parse("selection and not 1 of filter*")
        .and_then(|cond| resolve(&cond, &["selection"]))
        .expect_err("empty selection");
    assert_eq!(empty.kind, ConditionErrorKind::EmptySelection);
    assert_eq!(
        empty.message,
        "`1 of filter*` selects no search of the rule"
    );

    let only_underscore = parse("1 of them").and_then(|cond| resolve(&cond, &["_x"]));
    assert_eq!(
        only_underscore.map_err(|error| error.kind),
        Err(ConditionErrorKind::EmptySelection)
    );
}

#[test]
fn pattern_matching() {
    assert!(matches_pattern("sel*", "sel"));
    assert!(matches_pattern("sel*", "selection"));
    assert!(matches_pattern("*tion", "selection"));
    assert!(matches_pattern("s*l*n", "selection"));
    assert!(matches_pattern("*", ""));
    assert!(matches_pattern("a**b", "ab"));
    assert!(matches_pattern("*a*a*a*", "banana_a"));
    assert!(!matches_pattern("sel", "selection"));
    assert!(!matches_pattern("s*x", "selection"));
    assert!(!matches_pattern("", "a"));
}

#[test]
fn display_prints_minimal_parentheses() {
    let text = "a and (b or c) and not (d and e) and (f and g)";
    assert_eq!(
        parse(text).map(|cond| cond.to_string()),
        Ok(text.to_string())
    );
    assert_eq!(
        parse("((a)) or (b)").map(|cond| cond.to_string()),
        Ok("a or b".to_string())
    );
}

fn identifier_strategy() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_-]{0,6}".prop_filter("not a reserved word", |word| {
        !matches!(word.as_str(), "and" | "or" | "not" | "near")
    })
}

fn pattern_strategy() -> impl Strategy<Value = String> {
    "[a-z_*][a-z0-9_*-]{0,6}".prop_filter("not a keyword", |word| {
        !matches!(word.as_str(), "and" | "or" | "not" | "them")
    })
}

fn cond_strategy() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        identifier_strategy().prop_map(Cond::Ident),
        (any::<bool>(), proptest::option::of(pattern_strategy())).prop_map(|(all, pattern)| {
            Cond::Of {
                quantifier: if all {
                    Quantifier::All
                } else {
                    Quantifier::One
                },
                target: pattern.map_or(OfTarget::Them, OfTarget::Pattern),
            }
        }),
    ];
    leaf.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|cond| Cond::Not(Box::new(cond))),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
            proptest::collection::vec(inner, 2..4).prop_map(Cond::Or),
        ]
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_tree(cond in cond_strategy()) {
        let text = cond.to_string();
        prop_assert_eq!(parse(&text), Ok(cond), "text: {}", text);
    }

    #[test]
    fn parser_never_panics(text in "\\PC{0,80}") {
        let _ = parse(&text);
    }

    #[test]
    fn parser_never_panics_on_condition_like_text(
        words in proptest::collection::vec(
            prop_oneof![
                Just("and"), Just("or"), Just("not"), Just("("), Just(")"), Just("1 of"),
                Just("all of"), Just("them"), Just("sel*"), Just("a"), Just("|"), Just("near"),
            ],
            0..24,
        )
    ) {
        let text = words.join(" ");
        if let Ok(cond) = parse(&text) {
            // Whatever parses prints back to the same tree and resolves without panicking.
            prop_assert_eq!(parse(&cond.to_string()), Ok(cond.clone()));
            let _ = resolve(&cond, &["a", "sel1", "_b"]);
        }
    }
}
