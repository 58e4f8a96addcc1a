//! Filter semantics on realistic events: each query with the events it matches.

mod common;

use common::{events, uid, NOW_MS};
use vigil_query::{check as check_query, parse, Matcher};

/// `expected` lists the `metadata.uid`s of matching events, in fixture order.
fn check(query: &str, expected: &[&str]) {
    let parsed = parse(query).unwrap_or_else(|error| panic!("{}", error.render(query)));
    let checked =
        check_query(&parsed, NOW_MS).unwrap_or_else(|errors| panic!("{query}: {errors:?}"));
    let matcher =
        Matcher::new(&checked.filter).unwrap_or_else(|error| panic!("{}", error.render(query)));
    let events = events();
    let matched: Vec<&str> = events
        .iter()
        .filter(|event| matcher.matches(event))
        .map(uid)
        .collect();
    assert_eq!(matched, expected, "query {query:?}");
}

const ALL: &[&str] = &[
    "flow-1", "flow-2", "flow-3", "flow-4", "at-1", "at-2", "at-3", "panos-1", "falco-1", "flow-5",
    "cis-1",
];

#[test]
fn everything_and_nothing() {
    check("", ALL);
    check("*", ALL);
    check("NOT *", &[]);
}

#[test]
fn keywords_are_case_insensitive_with_wildcards_and_regexes() {
    check("status:failure", &["at-1", "at-2"]);
    check("status:FAILURE", &["at-1", "at-2"]);
    check(
        "action:denied OR action:DENY",
        &["flow-3", "flow-4", "panos-1"],
    );
    check("user:svc-*", &["at-2"]);
    check("user:ALICE@*", &["at-1", "at-3"]);
    check("user:?oot", &["falco-1"]);
    check("user:/alice@example\\.(com|org)/", &["at-1", "at-3"]);
    check("user:/alice/", &[]);
    check(
        "source_type:ibm_activity_tracker AND NOT user:svc-*",
        &["at-1", "at-3"],
    );
    check("status_code>=400", &["at-1", "at-2"]);
    check("operation:iam-identity.*.login", &["at-1", "at-2"]);
}

#[test]
fn ips_and_cidrs() {
    check("src_ip:10.0.0.0/8", &["flow-1", "flow-2", "at-2"]);
    check("src_ip:10.240.128.4", &["flow-1", "flow-2"]);
    check("dst_ip:10.240.*", &["flow-3", "flow-4"]);
    check("ip:10.240.128.4", &["flow-1", "flow-2", "flow-3"]);
    check("src_ip:2001:db8::/32", &["flow-5"]);
    check("src_ip:2001:DB8:0::5", &["flow-5"]);
    check("src_ip:203.0.113.0/24", &["cis-1"]);
    check("src_ip:203.0.113.50", &["cis-1"]);
    check(
        "src_ip:[198.51.100.0 TO 198.51.100.255]",
        &["flow-3", "flow-4", "at-1", "at-3"],
    );
    check(r#"src_ip:"10.240.0.0/16""#, &["flow-1", "flow-2", "at-2"]);
}

#[test]
fn integers_and_times() {
    check("dst_port:22", &["flow-3", "flow-4"]);
    check("dst_port>=443", &["flow-2", "panos-1", "flow-5"]);
    check("dst_port:[22 TO 53}", &["flow-3", "flow-4"]);
    check(
        "dst_port:{22 TO *]",
        &["flow-1", "flow-2", "panos-1", "flow-5"],
    );
    check("bytes > 10000", &["flow-2"]);
    check("bytes >= 10000", &["flow-2", "flow-5"]);
    check("http_status:403", &["cis-1"]);
    check(
        "time:[2024-05-01T10:00:00Z TO 2024-05-01T10:03:00Z]",
        &["flow-1", "flow-2", "flow-3", "at-1"],
    );
    check("time>=now+10m", &["falco-1", "flow-5", "cis-1"]);
    check("time<2024-05-01T12:02:00+02:00", &["flow-1", "flow-2"]);
    check("time:1714557690000", &["flow-2"]);
    check("time>-1h", ALL);
}

#[test]
fn exists_arrays_and_dotted_paths() {
    check("status:*", &["at-1", "at-2", "at-3"]);
    check(
        "NOT user:*",
        &[
            "flow-1", "flow-2", "flow-3", "flow-4", "panos-1", "flow-5", "cis-1",
        ],
    );
    check("resource:*web-2", &["at-3"]);
    check("resource_type:subnet", &["at-3"]);
    check("technique:T1609", &["falco-1"]);
    check("unmapped.output_fields.proc.name:sh", &["falco-1"]);
    check("unmapped.output_fields.proc.tty>30000", &["falco-1"]);
    check("unmapped.output_fields.proc.tty:34816.0", &["falco-1"]);
    check(
        "metadata.uid:(flow-1 OR at-*)",
        &["flow-1", "at-1", "at-2", "at-3"],
    );
    check("traffic.bytes_out:[100 TO 200]", &["flow-3", "flow-4"]);
    check("connection_info.protocol_name:UDP", &["flow-1"]);
}

#[test]
fn free_text_and_text_fields() {
    check("failed", &["at-1", "at-2"]);
    check("LOGIN failed", &["at-1", "at-2"]);
    check(r#""login failed for alice""#, &["at-1"]);
    check(r#""failed login""#, &[]);
    check("svc-backup", &["at-2"]);
    check("shell", &["falco-1"]);
    check("spawn*", &["falco-1"]);
    check("block_outbound", &["panos-1"]);
    check("sqlmap", &["cis-1"]);
    check("10.240.128.9", &["at-2"]);
    check("message:login", &["at-1", "at-2"]);
    check(r#"message:"create instance""#, &["at-3"]);
    check("cmd_line:upt*", &["falco-1"]);
    check("cmd_line:/upti.e/", &["falco-1"]);
    check("user_agent:sqlmap", &["cis-1"]);
    check("finding:terminal AND NOT message:login", &["falco-1"]);
    check("---", &[]);
}

#[test]
fn boolean_combinations() {
    check(
        "src_ip:10.0.0.0/8 AND status:failure AND NOT user:svc-*",
        &[],
    );
    check(
        "(status:failure OR action:denied) AND src_ip:198.51.100.7",
        &["flow-3", "flow-4", "at-1"],
    );
    check(
        "-source_type:ibm_vpc_flow_logs -source_type:ibm_activity_tracker",
        &["panos-1", "falco-1", "cis-1"],
    );
    check("dst_port:(22 OR 53)", &["flow-1", "flow-3", "flow-4"]);
}

#[test]
fn matcher_new_refuses_what_check_refuses() {
    for (query, message) in [
        ("usr:bob", "unknown field `usr`; did you mean `user`?"),
        (
            "dst_port:abc",
            "`abc` is not an integer (`dst_port` holds integers)",
        ),
        (
            "time>-24h",
            "relative time `-24h` needs a reference time: `check` the query first",
        ),
        ("user:/(/", "invalid regex: unclosed group"),
    ] {
        let parsed = parse(query).unwrap();
        let error = Matcher::new(&parsed.filter).unwrap_err();
        assert_eq!(error.message, message, "query {query:?}");
    }
}
