//! The semantic check: each query with its normal form (canonical text) or its errors.

mod common;

use common::NOW_MS;
use vigil_query::{check as check_query, parse};

/// `expected` is the checked query's canonical text, or `error: <message> @ <span>` lines.
fn check(query: &str, expected: &str) {
    let parsed = parse(query).unwrap_or_else(|error| panic!("{}", error.render(query)));
    let actual = match check_query(&parsed, NOW_MS) {
        Ok(checked) => {
            // The normal form is a fixed point.
            let again = check_query(&checked, NOW_MS).expect("a checked query checks");
            assert_eq!(again, checked, "checking {query:?} twice");
            checked.to_string()
        }
        Err(errors) => errors
            .iter()
            .map(|error| {
                format!(
                    "error: {} @ {}..{}",
                    error.message, error.span.start, error.span.end
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    };
    assert_eq!(actual, expected, "query {query:?}");
}

#[test]
fn names_become_canonical() {
    check(
        "dport:22 AND src:10.0.0.0/8 AND username:bob",
        "dst_port:22 AND src_ip:10.0.0.0/8 AND user:bob",
    );
    check("SRC_IP:1.2.3.4", "src_ip:1.2.3.4");
    check("actor.user.name:bob", "actor.user.name:bob");
    check(
        "| stats dc(username), count(dport) as n by sourcetype | sort -dc(user), -n",
        "* | stats dc(user), count(dst_port) as n by source_type | sort -dc(user), -n",
    );
    check(
        "| stats count() by dport | where dst_port>1024 AND count>2 | table dport, count",
        "* | stats count() by dst_port | where dst_port>1024 AND count>2 | table dst_port, count",
    );
}

#[test]
fn values_become_normal() {
    check("time>-24h", "time>1714471200000");
    check(
        "time:[now-1h TO now]",
        "time:[1714554000000 TO 1714557600000]",
    );
    check("time>=2024-05-01T10:00:00Z", "time>=1714557600000");
    check("time<2024-05-01", "time<1714521600000");
    check("src_ip:10.1.*", "src_ip:10.1.0.0/16");
    check("src_ip:::FFFF:10.0.0.1", "src_ip:10.0.0.1");
    check("src_ip:2001:DB8::1", "src_ip:2001:db8::1");
    check(r#"dst_ip:"10.0.0.0/8""#, "dst_ip:10.0.0.0/8");
    check("url_path:10.0.0.0/8", r"url_path:10.0.0.0\/8");
    check("dst_port:0443", "dst_port:443");
    check("src_ip:[10.0.0.1 TO *]", "src_ip:[10.0.0.1 TO *]");
    check(
        "| timechart 5m count() | where time>now",
        "* | timechart span=5m count() | where time>1714557600000",
    );
}

#[test]
fn wrong_names_and_values_are_errors_with_spans() {
    check(
        "usr:bob",
        "error: unknown field `usr`; did you mean `user`? @ 0..3",
    );
    check(
        "srcip:1.2.3.4",
        "error: unknown field `srcip`; did you mean `src_ip`? @ 0..5",
    );
    check(
        "nothing_like_it:1",
        "error: unknown field `nothing_like_it` (fields outside the catalogue are dotted OCSF paths, like `unmapped.rule_id`) @ 0..15",
    );
    check(
        "dst_port:http",
        "error: `http` is not an integer (`dst_port` holds integers) @ 9..13",
    );
    check(
        "dst_port:[1 TO x]",
        "error: `x` is not an integer (`dst_port` holds integers) @ 9..17",
    );
    check(
        "src_ip:10.0.0.256",
        "error: `10.0.0.256` is not an ip address (`src_ip` holds ip addresses) @ 7..17",
    );
    check("src_ip:10.*.1.*", "error: wildcards other than whole IPv4 octets (`10.0.*`) do not apply to `src_ip`, which holds ip addresses @ 7..15");
    check(
        "src_ip:/10\\..*/",
        "error: regular expressions do not apply to `src_ip`, which holds ip addresses @ 7..15",
    );
    check(
        "dst_port:2*",
        "error: wildcards do not apply to `dst_port`, which holds integers @ 9..11",
    );
    check("time:yesterday", "error: `yesterday` is not a time: RFC 3339 (`2024-05-01T10:00:00Z`), epoch milliseconds, `now-1d` or `-24h` (`time` holds times) @ 5..14");
    check(
        "message>a",
        "error: comparisons and ranges do not apply to `message`, which holds text @ 8..9",
    );
    check(
        "user:/[ab/",
        "error: invalid regex: unclosed character class @ 5..10",
    );
    check("usr:a AND dst_port:b", "error: unknown field `usr`; did you mean `user`? @ 0..3\nerror: `b` is not an integer (`dst_port` holds integers) @ 19..20");
}

#[test]
fn pipes_see_only_existing_columns() {
    check(
        "| stats count() by user | sort -dst_port",
        "error: unknown column `dst_port`: the columns here are `user`, `count` @ 32..40",
    );
    check("| stats count() by user | table user, counts", "error: unknown column `counts`: did you mean `count`? the columns here are `user`, `count` @ 38..44");
    check(
        "| stats count() by user | where bytes>5",
        "error: unknown column `bytes`: the columns here are `user`, `count` @ 32..37",
    );
    check(
        "| stats sum(user)",
        "error: `sum` needs numbers, and `user` holds keywords @ 8..17",
    );
    check(
        "| stats avg(src_ip)",
        "error: `avg` needs numbers, and `src_ip` holds ip addresses @ 8..19",
    );
    check(
        "| stats count(), count()",
        "error: column `count` appears twice: name one with `as` @ 17..24",
    );
    check(
        "| stats count() by user | timechart 5m count()",
        "error: `timechart` needs a `time` column: the columns here are `user`, `count` @ 39..46",
    );
    check(
        "| top 5 dport | sort -percent | where count>1",
        "* | top 5 dst_port | sort -percent | where count>1",
    );
    check(
        "| table user, src_ip | dedup user | sort src_ip | stats dc(src_ip)",
        "* | table user, src_ip | dedup user | sort src_ip | stats dc(src_ip)",
    );
    check(
        "| table user, bytes | stats sum(bytes)",
        "* | table user, bytes | stats sum(bytes)",
    );
    check("| dedup nope", "error: unknown field `nope` (fields outside the catalogue are dotted OCSF paths, like `unmapped.rule_id`) @ 8..12");
}
