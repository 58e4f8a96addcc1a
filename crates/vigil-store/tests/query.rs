//! Query semantics per predicate kind, partition pruning and pipes, on hand-made events.

mod common;

use common::*;
use serde_json::json;
use vigil_query::ast::{AggFunction, Bound, CompareOp, Expr, Pipe, Predicate};
use vigil_store::{EventStore, SearchRequest, StoreError};

/// Five events over three days; each `raw` names its event (`e1`…).
fn store() -> (tempfile::TempDir, EventStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    let events = [
        (
            flow(Flow {
                time_ms: DAY0 + HOUR,
                src: "10.0.0.1",
                dst: "8.8.8.8",
                dst_port: 53,
                user: Some("alice"),
                action: "Allowed",
                bytes_out: 100,
                raw: "e1 accept udp 10.0.0.1 8.8.8.8 dns query example.com",
            }),
            vec!["r-dns"],
        ),
        (
            flow(Flow {
                time_ms: DAY0 + 2 * HOUR,
                src: "10.0.0.2",
                dst: "1.2.3.4",
                dst_port: 443,
                user: Some("Bob"),
                action: "Denied",
                bytes_out: 5000,
                raw: "e2 deny tcp 10.0.0.2 1.2.3.4 https connection refused",
            }),
            vec![],
        ),
        (
            flow(Flow {
                time_ms: DAY0 + 3 * HOUR,
                src: "192.168.1.5",
                dst: "10.0.0.1",
                dst_port: 22,
                user: Some("svc-backup"),
                action: "Allowed",
                bytes_out: 20000,
                raw: "e3 accept tcp ssh login from 192.168.1.5",
            }),
            vec!["r-ssh", "r-lateral"],
        ),
        (
            flow(Flow {
                time_ms: DAY0 + DAY + HOUR,
                src: "10.0.0.1",
                dst: "1.2.3.4",
                dst_port: 443,
                user: None,
                action: "Allowed",
                bytes_out: 300,
                raw: "e4 accept tcp 10.0.0.1 1.2.3.4 https connection established",
            }),
            vec![],
        ),
        (
            flow(Flow {
                time_ms: DAY0 + 2 * DAY + 5 * HOUR,
                src: "2001:db8::1",
                dst: "2001:db8::2",
                dst_port: 443,
                user: Some("alice"),
                action: "Denied",
                bytes_out: 50,
                raw: "e5 deny tcp ipv6 connection refused",
            }),
            vec![],
        ),
    ];
    let batch: Vec<_> = events.iter().map(|(e, rules)| stored(e, rules)).collect();
    store.append(&batch).unwrap();
    store.flush().unwrap();
    (dir, store)
}

/// The event names (`e1`…) matching `filter` over all days, newest first.
fn names(store: &EventStore, filter: Expr) -> Vec<String> {
    let response = search(store, filter, vec![], DAY0, DAY0 + 3 * DAY);
    let (total, raws) = raws(&response);
    assert_eq!(total as usize, raws.len());
    raws.iter()
        .map(|r| r.split(' ').next().unwrap().to_owned())
        .collect()
}

fn check(store: &EventStore, filter: Expr, expect: &[&str]) {
    assert_eq!(names(store, filter.clone()), expect, "{filter:?}");
}

#[test]
fn keyword_predicates() {
    let (_dir, store) = store();
    check(&store, eq("user", "ALICE"), &["e5", "e1"]);
    check(&store, eq("username", "bob"), &["e2"]);
    check(
        &store,
        field("user", Predicate::Wildcard("svc-*".into())),
        &["e3"],
    );
    check(
        &store,
        field("user", Predicate::Wildcard("B?b".into())),
        &["e2"],
    );
    check(
        &store,
        field("user", Predicate::Regex("Al.*".into())),
        &["e5", "e1"],
    );
    check(
        &store,
        field("user", Predicate::Exists),
        &["e5", "e3", "e2", "e1"],
    );
    check(
        &store,
        field("user", Predicate::Wildcard("*".into())),
        &["e5", "e3", "e2", "e1"],
    );
    check(
        &store,
        eq("source_type", "vpc_flow_log"),
        &["e5", "e4", "e3", "e2", "e1"],
    );
    check(&store, eq("rule_hit", "r-ssh"), &["e3"]);
    check(&store, field("rule_hit", Predicate::Exists), &["e3", "e1"]);
}

#[test]
fn ip_predicates() {
    let (_dir, store) = store();
    check(&store, eq("src_ip", "10.0.0.1"), &["e4", "e1"]);
    check(&store, eq("ip", "10.0.0.1"), &["e4", "e3", "e1"]);
    check(
        &store,
        field("src_ip", Predicate::Cidr("10.0.0.0/8".parse().unwrap())),
        &["e4", "e2", "e1"],
    );
    check(
        &store,
        field("src", Predicate::Cidr("2001:db8::/32".parse().unwrap())),
        &["e5"],
    );
    check(
        &store,
        field("src_ip", Predicate::Wildcard("192.168.*".into())),
        &["e3"],
    );
    check(&store, eq("dst_ip", "2001:db8::2"), &["e5"]);
}

#[test]
fn number_and_time_predicates() {
    let (_dir, store) = store();
    check(&store, eq("dst_port", "443"), &["e5", "e4", "e2"]);
    // bytes_out has no term index: equality runs on the column.
    check(&store, eq("bytes_out", "300"), &["e4"]);
    check(
        &store,
        cmp("bytes_out", CompareOp::Gt, "1000"),
        &["e3", "e2"],
    );
    check(
        &store,
        cmp("bytes_out", CompareOp::Le, "100"),
        &["e5", "e1"],
    );
    check(
        &store,
        range(
            "dst_port",
            Bound::Inclusive(value("22")),
            Bound::Inclusive(value("53")),
        ),
        &["e3", "e1"],
    );
    check(
        &store,
        range(
            "dst_port",
            Bound::Exclusive(value("22")),
            Bound::Exclusive(value("53")),
        ),
        &[],
    );
    check(
        &store,
        range("dst_port", Bound::Exclusive(value("53")), Bound::Unbounded),
        &["e5", "e4", "e2"],
    );
    check(
        &store,
        cmp("time", CompareOp::Ge, "2024-05-02"),
        &["e5", "e4"],
    );
    check(
        &store,
        field("bytes_out", Predicate::Exists),
        &["e5", "e4", "e3", "e2", "e1"],
    );
}

#[test]
fn boolean_operators() {
    let (_dir, store) = store();
    check(
        &store,
        Expr::Not(Box::new(eq("action", "allowed"))),
        &["e5", "e2"],
    );
    check(
        &store,
        Expr::And(vec![
            field("src_ip", Predicate::Cidr("10.0.0.0/8".parse().unwrap())),
            Expr::Not(Box::new(eq("dst_port", "443"))),
        ]),
        &["e1"],
    );
    check(
        &store,
        Expr::Or(vec![eq("user", "bob"), eq("dst_port", "22")]),
        &["e3", "e2"],
    );
    check(
        &store,
        Expr::And(vec![Expr::Not(Box::new(eq("dst_port", "443")))]),
        &["e3", "e1"],
    );
    check(&store, Expr::All, &["e5", "e4", "e3", "e2", "e1"]);
}

#[test]
fn free_text_words_and_phrases() {
    let (_dir, store) = store();
    check(&store, word("refused"), &["e5", "e2"]);
    check(&store, word("SSH"), &["e3"]);
    check(&store, word("conn*"), &["e5", "e4", "e2"]);
    // An address is several words: matched as a phrase, verified on the stored record.
    check(&store, word("1.2.3.4"), &["e4", "e2"]);
    check(&store, phrase("connection refused"), &["e5", "e2"]);
    check(&store, phrase("refused connection"), &[]);
    check(
        &store,
        Expr::And(vec![word("https"), Expr::Not(Box::new(word("refused")))]),
        &["e4"],
    );
}

#[test]
fn dotted_paths_are_matched_on_the_stored_event() {
    let (_dir, store) = store();
    check(
        &store,
        cmp("traffic.bytes_out", CompareOp::Gt, "1000"),
        &["e3", "e2"],
    );
    check(&store, eq("dst_endpoint.port", "22"), &["e3"]);
    check(
        &store,
        Expr::And(vec![eq("user", "alice"), eq("vigil.source", "TEST")]),
        &["e5", "e1"],
    );
    check(
        &store,
        Expr::Not(Box::new(eq("dst_endpoint.ip", "1.2.3.4"))),
        &["e5", "e3", "e1"],
    );
}

#[test]
fn errors_carry_spans() {
    let (_dir, store) = store();
    let run = |filter: Expr, pipes: Vec<Pipe>| {
        store
            .search(&SearchRequest {
                query: query(filter, pipes),
                from_ms: DAY0,
                to_ms: DAY0 + DAY,
                limit: 10,
            })
            .unwrap_err()
    };
    let span = |e: StoreError| match e {
        StoreError::Query { span, message } => (span, message),
        other => panic!("{other:?}"),
    };
    let (s, m) = span(run(eq("nosuch", "1"), vec![]));
    assert_eq!((s, m.as_str()), (0..6, "unknown field `nosuch`"));
    let (s, m) = span(run(eq("dst_port", "abc"), vec![]));
    assert_eq!(s, 9..13);
    assert!(m.contains("not an integer"), "{m}");
    let (s, _) = span(run(eq("src_ip", "10.0.0.300"), vec![]));
    assert_eq!(s, 7..11);
    let (s, _) = span(run(
        field("user", Predicate::Cidr("10.0.0.0/8".parse().unwrap())),
        vec![],
    ));
    assert_eq!(s, 5..9);
    let (s, _) = span(run(field("user", Predicate::Regex("(".into())), vec![]));
    assert_eq!(s, 5..9);
    let (s, _) = span(run(
        Expr::All,
        vec![Pipe::Stats {
            aggs: vec![count()],
            by: vec![fref("message")],
        }],
    ));
    assert_eq!(s, 0..7);
    let (s, _) = span(run(
        Expr::All,
        vec![Pipe::Stats {
            aggs: vec![agg(AggFunction::Sum, Some("user"), "s")],
            by: vec![],
        }],
    ));
    assert_eq!(s, 0..4);
    let (s, m) = span(run(
        Expr::All,
        vec![
            Pipe::Head(1),
            Pipe::Top {
                limit: 3,
                field: fref("user"),
            },
        ],
    ));
    assert_eq!((s, m.as_str()), (0..4, "only the first pipe may aggregate"));
    let (s, _) = span(run(
        Expr::All,
        vec![
            Pipe::Top {
                limit: 3,
                field: fref("user"),
            },
            Pipe::Sort(vec![sort("nosuch", false)]),
        ],
    ));
    assert_eq!(s, 0..6);
}

#[test]
fn only_partitions_overlapping_the_range_are_searched() {
    let (_dir, store) = store();
    assert_eq!(store.stats().partitions, 3);
    let response = search(&store, Expr::All, vec![], DAY0 + DAY, DAY0 + 2 * DAY);
    assert_eq!(response.partitions_searched, 1);
    assert_eq!(raws(&response).1.len(), 1);
    let response = search(
        &store,
        Expr::All,
        vec![],
        DAY0 + 2 * HOUR,
        DAY0 + DAY + 2 * HOUR,
    );
    assert_eq!(response.partitions_searched, 2);
    // The range is exact within a partition: e1 (1h) is out, e4 (day 1 + 1h) is in.
    let names: Vec<_> = raws(&response)
        .1
        .iter()
        .map(|r| r[..2].to_owned())
        .collect();
    assert_eq!(names, ["e4", "e3", "e2"]);
    let response = search(&store, Expr::All, vec![], DAY0 + 10 * DAY, DAY0 + 11 * DAY);
    assert_eq!(response.partitions_searched, 0);
    assert_eq!(raws(&response), (0, vec![]));
}

#[test]
fn events_carry_time_json_and_rule_hits() {
    let (_dir, store) = store();
    let response = search(&store, eq("dst_port", "22"), vec![], DAY0, DAY0 + DAY);
    let vigil_store::SearchResult::Events { events, .. } = &response.result else {
        panic!()
    };
    assert_eq!(events[0].time_ms, DAY0 + 3 * HOUR);
    assert_eq!(events[0].rule_ids, ["r-lateral", "r-ssh"]);
    assert_eq!(events[0].event["actor"]["user"]["name"], "svc-backup");
}

#[test]
fn limit_keeps_the_newest_and_total_counts_all() {
    let (_dir, store) = store();
    let response = store
        .search(&SearchRequest {
            query: query(Expr::All, vec![]),
            from_ms: DAY0,
            to_ms: DAY0 + 3 * DAY,
            limit: 2,
        })
        .unwrap();
    let (total, raws) = raws(&response);
    assert_eq!(total, 5);
    assert_eq!(
        raws.iter().map(|r| &r[..2]).collect::<Vec<_>>(),
        ["e5", "e4"]
    );
}

#[test]
fn stats_by_and_every_function() {
    let (_dir, store) = store();
    let all = DAY0 + 3 * DAY;
    let response = search(
        &store,
        Expr::All,
        vec![Pipe::Stats {
            aggs: vec![count()],
            by: vec![fref("action")],
        }],
        DAY0,
        all,
    );
    let t = table(&response);
    assert_eq!(t.columns, ["action", "count"]);
    assert_eq!(
        t.rows,
        vec![
            vec![json!("Allowed"), json!(3)],
            vec![json!("Denied"), json!(2)]
        ]
    );

    let aggs = vec![
        count(),
        agg(AggFunction::Count, Some("user"), "users"),
        agg(AggFunction::DistinctCount, Some("src_ip"), "dc(src_ip)"),
        agg(AggFunction::Sum, Some("bytes_out"), "sum"),
        agg(AggFunction::Avg, Some("bytes_out"), "avg"),
        agg(AggFunction::Min, Some("bytes_out"), "min"),
        agg(AggFunction::Max, Some("dst_port"), "max"),
    ];
    let response = search(
        &store,
        Expr::All,
        vec![Pipe::Stats { aggs, by: vec![] }],
        DAY0,
        all,
    );
    let t = table(&response);
    assert_eq!(
        t.columns,
        ["count", "users", "dc(src_ip)", "sum", "avg", "min", "max"]
    );
    assert_eq!(
        t.rows,
        vec![vec![
            json!(5),
            json!(4),
            json!(4),
            json!(25450),
            json!(5090.0),
            json!(50),
            json!(443)
        ]]
    );

    // Two keys, one of them an IP; the multi-valued `ip` counts an event once per address.
    let response = search(
        &store,
        eq("dst_port", "443"),
        vec![Pipe::Stats {
            aggs: vec![count()],
            by: vec![fref("src_ip"), fref("action")],
        }],
        DAY0,
        all,
    );
    assert_eq!(
        table(&response).rows,
        vec![
            vec![json!("10.0.0.1"), json!("Allowed"), json!(1)],
            vec![json!("10.0.0.2"), json!("Denied"), json!(1)],
            vec![json!("2001:db8::1"), json!("Denied"), json!(1)],
        ]
    );
    let response = search(
        &store,
        eq("src_ip", "10.0.0.1"),
        vec![Pipe::Stats {
            aggs: vec![count()],
            by: vec![fref("ip")],
        }],
        DAY0,
        all,
    );
    assert_eq!(
        table(&response).rows,
        vec![
            vec![json!("1.2.3.4"), json!(1)],
            vec![json!("8.8.8.8"), json!(1)],
            vec![json!("10.0.0.1"), json!(2)]
        ]
    );
    // Over nothing: one row of zeros and nulls.
    let response = search(
        &store,
        eq("user", "nobody"),
        vec![Pipe::Stats {
            aggs: vec![count(), agg(AggFunction::Max, Some("bytes_out"), "max")],
            by: vec![],
        }],
        DAY0,
        all,
    );
    assert_eq!(table(&response).rows, vec![vec![json!(0), json!(null)]]);
}

#[test]
fn top_and_timechart() {
    let (_dir, store) = store();
    let response = search(
        &store,
        Expr::All,
        vec![Pipe::Top {
            limit: 2,
            field: fref("dport"),
        }],
        DAY0,
        DAY0 + 3 * DAY,
    );
    let t = table(&response);
    assert_eq!(t.columns, ["dst_port", "count"]);
    assert_eq!(
        t.rows,
        vec![vec![json!(443), json!(3)], vec![json!(22), json!(1)]]
    );

    let response = search(
        &store,
        Expr::All,
        vec![Pipe::Timechart {
            span_ms: HOUR,
            aggs: vec![count()],
            by: None,
        }],
        DAY0,
        DAY0 + 4 * HOUR,
    );
    let t = table(&response);
    assert_eq!(t.columns, ["time", "count"]);
    let counts: Vec<_> = t
        .rows
        .iter()
        .map(|r| (r[0].as_i64().unwrap() - DAY0, r[1].as_u64().unwrap()))
        .collect();
    assert_eq!(counts, [(0, 0), (HOUR, 1), (2 * HOUR, 1), (3 * HOUR, 1)]);

    let response = search(
        &store,
        Expr::All,
        vec![Pipe::Timechart {
            span_ms: DAY,
            aggs: vec![agg(AggFunction::Sum, Some("bytes_out"), "bytes")],
            by: Some(fref("action")),
        }],
        DAY0,
        DAY0 + 3 * DAY,
    );
    assert_eq!(
        table(&response).rows,
        vec![
            vec![json!(DAY0), json!("Allowed"), json!(20100)],
            vec![json!(DAY0), json!("Denied"), json!(5000)],
            vec![json!(DAY0 + DAY), json!("Allowed"), json!(300)],
            vec![json!(DAY0 + 2 * DAY), json!("Denied"), json!(50)],
        ]
    );
}

#[test]
fn row_pipes_on_tables() {
    let (_dir, store) = store();
    let all = DAY0 + 3 * DAY;
    let stats = || Pipe::Stats {
        aggs: vec![count()],
        by: vec![fref("user")],
    };
    let response = search(
        &store,
        Expr::All,
        vec![
            stats(),
            Pipe::Sort(vec![sort("count", true), sort("user", false)]),
            Pipe::Head(2),
        ],
        DAY0,
        all,
    );
    assert_eq!(
        table(&response).rows,
        vec![vec![json!("alice"), json!(2)], vec![json!("Bob"), json!(1)]]
    );
    let response = search(
        &store,
        Expr::All,
        vec![stats(), Pipe::Where(cmp("count", CompareOp::Gt, "1"))],
        DAY0,
        all,
    );
    assert_eq!(table(&response).rows, vec![vec![json!("alice"), json!(2)]]);
    let response = search(
        &store,
        Expr::All,
        vec![stats(), Pipe::Tail(1), Pipe::Table(vec![fref("count")])],
        DAY0,
        all,
    );
    let t = table(&response);
    assert_eq!(
        (t.columns.clone(), t.rows.clone()),
        (vec!["count".to_owned()], vec![vec![json!(1)]])
    );
    let response = search(
        &store,
        Expr::All,
        vec![
            Pipe::Stats {
                aggs: vec![count()],
                by: vec![fref("user"), fref("action")],
            },
            Pipe::Dedup(vec![fref("action")]),
        ],
        DAY0,
        all,
    );
    assert_eq!(table(&response).rows.len(), 2);
}

#[test]
fn row_pipes_on_events() {
    let (_dir, store) = store();
    let all = DAY0 + 3 * DAY;
    let first_two = |pipes: Vec<Pipe>| -> Vec<String> {
        raws(&search(&store, Expr::All, pipes, DAY0, all))
            .1
            .iter()
            .map(|r| r[..2].to_owned())
            .collect()
    };
    assert_eq!(first_two(vec![Pipe::Head(2)]), ["e5", "e4"]);
    assert_eq!(first_two(vec![Pipe::Tail(2)]), ["e2", "e1"]);
    assert_eq!(
        first_two(vec![Pipe::Sort(vec![sort("bytes_out", false)])]),
        ["e5", "e1", "e4", "e2", "e3"]
    );
    assert_eq!(
        first_two(vec![Pipe::Dedup(vec![fref("dst_port")])]),
        ["e5", "e3", "e1"]
    );
    assert_eq!(
        first_two(vec![Pipe::Where(Expr::And(vec![
            eq("user", "alice"),
            word("ipv6")
        ]))]),
        ["e5"]
    );
    let response = search(
        &store,
        eq("dst_port", "22"),
        vec![Pipe::Table(vec![
            fref("time"),
            fref("src"),
            fref("rule_hit"),
            fref("dst_endpoint.port"),
        ])],
        DAY0,
        all,
    );
    let t = table(&response);
    assert_eq!(
        t.columns,
        ["time", "src_ip", "rule_hit", "dst_endpoint.port"]
    );
    assert_eq!(
        t.rows,
        vec![vec![
            json!(DAY0 + 3 * HOUR),
            json!("192.168.1.5"),
            json!("r-lateral"),
            json!(22)
        ]]
    );
}
