//! Pipe execution on realistic events: each query with its output, written as event uids
//! (`events: a, b`) or as a table (a header line of columns, then one JSON array per row).

mod common;

use common::{events, uid, NOW_MS};
use vigil_query::{check as check_query, execute, parse, Output};

fn check(query: &str, expected: &str) {
    let parsed = parse(query).unwrap_or_else(|error| panic!("{}", error.render(query)));
    let checked =
        check_query(&parsed, NOW_MS).unwrap_or_else(|errors| panic!("{query}: {errors:?}"));
    let events = events();
    let output =
        execute(&checked, &events).unwrap_or_else(|error| panic!("{}", error.render(query)));
    let actual = match output {
        Output::Events(events) => {
            let uids: Vec<&str> = events.iter().map(|event| uid(event)).collect();
            format!("events: {}", uids.join(", "))
                .trim_end()
                .to_string()
        }
        Output::Table(table) => {
            let mut lines = vec![table.columns.join(" | ")];
            for row in &table.rows {
                assert_eq!(row.len(), table.columns.len(), "row width of {query:?}");
                lines.push(serde_json::Value::Array(row.clone()).to_string());
            }
            lines.join("\n")
        }
    };
    assert_eq!(actual, expected.trim(), "query {query:?}");
}

#[test]
fn events_pass_through_row_pipes() {
    check("status:failure", "events: at-1, at-2");
    check(
        "source_type:ibm_vpc_flow_logs | head 2",
        "events: flow-1, flow-2",
    );
    check(
        "source_type:ibm_vpc_flow_logs | tail 2",
        "events: flow-4, flow-5",
    );
    check("| head 0", "events:");
    check(
        "dst_port:* | sort -dst_port, src_port",
        "events: flow-5, flow-2, panos-1, flow-1, flow-3, flow-4",
    );
    check(
        "| sort -status | head 4",
        "events: at-3, at-1, at-2, flow-1",
    );
    check("| sort status | head 4", "events: at-1, at-2, at-3, flow-1");
    check(
        "src_ip:* | dedup src_ip",
        "events: flow-1, flow-3, at-2, panos-1, flow-5, cis-1",
    );
    check("| dedup user, status", "events: at-1, at-2, at-3");
    check("| where dst_port:22", "events: flow-3, flow-4");
    check(
        "| sort -time | where -source_type:ibm_vpc_flow_logs | head 3",
        "events: cis-1, falco-1, panos-1",
    );
}

#[test]
fn stats_groups_and_aggregates() {
    check(
        "| stats count() by dst_port | sort -count | head 3",
        r#"
dst_port | count
[443,3]
[22,2]
[53,1]
"#,
    );
    check(
        "source_type:ibm_vpc_flow_logs | stats count(), sum(bytes) as total, avg(bytes), min(bytes), max(dst_port), dc(src_ip)",
        r#"
count | total | avg(bytes) | min(bytes) | max(dst_port) | dc(src_ip)
[5,61349,12269.8,300,443,3]
"#,
    );
    check(
        "| stats count(), count(user) as with_user, dc(user) by source_type",
        r#"
source_type | count | with_user | dc(user)
["cis_http_requests",1,0,0]
["falco",1,1,1]
["ibm_activity_tracker",3,3,2]
["ibm_vpc_flow_logs",5,0,0]
["panos",1,0,0]
"#,
    );
    check(
        "status:failure | stats count() by user, src_ip",
        r#"
user | src_ip | count
["alice@example.com","198.51.100.7",1]
["svc-backup","10.240.128.9",1]
"#,
    );
    // An event with two resource types counts in both groups; events without are left out.
    check(
        "| stats count() by resource_type",
        r#"
resource_type | count
["instance",1]
["subnet",1]
"#,
    );
    check(
        "nothing_matches_this | stats count(), sum(bytes), avg(bytes)",
        "count | sum(bytes) | avg(bytes)\n[0,0,null]",
    );
    check(
        "| stats count() by dst_port | where count>=2 | sort -dst_port",
        r#"
dst_port | count
[443,3]
[22,2]
"#,
    );
    check(
        "| stats count() as n by user | stats count() as users, sum(n) as events, max(n)",
        r#"
users | events | max(n)
[3,4,2]
"#,
    );
}

#[test]
fn timechart_buckets_align_to_the_span() {
    check(
        "source_type:ibm_vpc_flow_logs OR source_type:panos | timechart 5m count(), sum(bytes)",
        r#"
time | count | sum(bytes)
[1714557600000,3,51029]
[1714557900000,2,8054]
[1714558500000,1,10000]
"#,
    );
    check(
        "action:* | timechart span=10m count() by action",
        r#"
time | action | count
[1714557600000,"Allowed",2]
[1714557600000,"Denied",2]
[1714557600000,"deny",1]
[1714558200000,"Allowed",1]
[1714561200000,"block",1]
"#,
    );
    check(
        "| timechart 1d count()",
        r#"
time | count
[1714521600000,11]
"#,
    );
}

#[test]
fn top_counts_and_ranks() {
    check(
        "| top 3 dst_port",
        r#"
dst_port | count | percent
[443,3,50.0]
[22,2,33.33]
[53,1,16.67]
"#,
    );
    check(
        "| top 3 ip",
        r#"
ip | count | percent
["198.51.100.7",4,40.0]
["10.240.128.4",3,30.0]
["10.240.128.5",1,10.0]
"#,
    );
}

#[test]
fn table_projects_fields() {
    check(
        "source_type:ibm_activity_tracker | table time, user, resource_type, src_ip",
        r#"
time | user | resource_type | src_ip
[1714557780000,"alice@example.com",null,"198.51.100.7"]
[1714557840000,"svc-backup",null,"10.240.128.9"]
[1714558080000,"alice@example.com",["instance","subnet"],"198.51.100.7"]
"#,
    );
    check(
        "status:* | table user, status | dedup user | sort -user",
        r#"
user | status
["svc-backup","Failure"]
["alice@example.com","Failure"]
"#,
    );
}

#[test]
fn unchecked_names_fail_at_execution() {
    let events = events();
    let query = parse("| stats count() by user | sort -bytes").unwrap();
    let error = execute(&query, &events).unwrap_err();
    assert_eq!(
        error.message,
        "unknown column `bytes`: the columns here are `user`, `count`"
    );
}
