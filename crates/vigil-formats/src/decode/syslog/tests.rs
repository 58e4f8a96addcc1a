use super::*;
use crate::time::civil_from_ms;

/// 2020-03-17T22:18:40Z: RFC 3164 lines get their year from here.
const REFERENCE_MS: i64 = 1_584_483_520_000;

fn check(line: &str, expected: Syslog<'_>) {
    assert_eq!(parse(line, REFERENCE_MS), expected, "{line}");
}

fn rfc3164_ms(text: &str) -> Option<i64> {
    parse_rfc3164_prefix(text.as_bytes(), REFERENCE_MS).map(|(ms, _)| ms)
}

#[test]
fn rfc3164_with_host_tag_and_space_padded_day() {
    let line = "<13>Feb  5 17:32:18 web-01.example.test sshd[4242]: accepted publickey for ops";
    check(
        line,
        Syslog {
            pri: Some(13),
            timestamp_text: Some("Feb  5 17:32:18"),
            timestamp_ms: rfc3164_ms("Feb  5 17:32:18"),
            hostname: Some("web-01.example.test"),
            app_name: Some("sshd"),
            proc_id: Some("4242"),
            msg: "accepted publickey for ops",
            ..Syslog::default()
        },
    );
    let parsed = parse(line, REFERENCE_MS);
    assert_eq!(parsed.severity(), Some(5));
    assert_eq!(parsed.facility(), Some(1));
    let (year, month, day, ..) = civil_from_ms(parsed.timestamp_ms.unwrap_or(0));
    assert_eq!((year, month, day), (2020, 2, 5));
}

#[test]
fn rfc3164_tag_without_pid_and_host_without_tag() {
    let parsed = parse("<30>Jan 10 00:00:01 10.1.2.3 cron: job done", REFERENCE_MS);
    assert_eq!(parsed.hostname, Some("10.1.2.3"));
    assert_eq!(parsed.app_name, Some("cron"));
    assert_eq!(parsed.proc_id, None);
    assert_eq!(parsed.msg, "job done");

    let parsed = parse(
        "<14>Aug 22 11:21:04 fw-7.example.test 1,2018/08/22 11:21:04,0132",
        0,
    );
    assert_eq!(parsed.hostname, Some("fw-7.example.test"));
    assert_eq!(parsed.app_name, None);
    assert_eq!(parsed.msg, "1,2018/08/22 11:21:04,0132");
}

#[test]
fn rfc3164_without_hostname_panos() {
    check(
        "<14>Apr  8 01:47:32 1,2012/04/08 01:47:32,0016,THREAT,file",
        Syslog {
            pri: Some(14),
            timestamp_text: Some("Apr  8 01:47:32"),
            timestamp_ms: rfc3164_ms("Apr  8 01:47:32"),
            msg: "1,2012/04/08 01:47:32,0016,THREAT,file",
            ..Syslog::default()
        },
    );
    // A tag straight after the timestamp is a tag, not a host.
    let parsed = parse("<14>Apr  8 01:47:32 kernel: link up", REFERENCE_MS);
    assert_eq!((parsed.hostname, parsed.app_name), (None, Some("kernel")));
    assert_eq!(parsed.msg, "link up");
}

#[test]
fn rfc3164_without_pri() {
    check(
        "Apr 30 06:00:00 fw-a.example.test 1,2020/02/09 00:00:00,0000,SYSTEM",
        Syslog {
            timestamp_text: Some("Apr 30 06:00:00"),
            timestamp_ms: rfc3164_ms("Apr 30 06:00:00"),
            hostname: Some("fw-a.example.test"),
            msg: "1,2020/02/09 00:00:00,0000,SYSTEM",
            ..Syslog::default()
        },
    );
}

#[test]
fn rfc3164_impossible_date_is_still_a_header() {
    // Anonymised samples carry `May 00 00:00:00`: the header is consumed, the time is unknown.
    let parsed = parse("May 00 00:00:00 XXX-XX-00 1,2020/00/00 00:00:00,TRAFFIC", 0);
    assert_eq!(parsed.timestamp_text, Some("May 00 00:00:00"));
    assert_eq!(parsed.timestamp_ms, None);
    assert_eq!(parsed.hostname, Some("XXX-XX-00"));
    assert_eq!(parsed.msg, "1,2020/00/00 00:00:00,TRAFFIC");
}

#[test]
fn rfc3164_with_milliseconds() {
    let parsed = parse("<13>Mar 17 22:18:40.325 h app: x", REFERENCE_MS);
    assert_eq!(parsed.timestamp_ms, Some(REFERENCE_MS + 325));
    assert_eq!(parsed.timestamp_text, Some("Mar 17 22:18:40.325"));
    assert_eq!(parsed.msg, "x");
}

#[test]
fn rfc5424_full_header_with_structured_data() {
    let line = r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 77 ID47 [exampleSDID@32473 iut="3" eventSource="Appl\"ication"][examplePriority@32473 class="high"] BOM'su root' failed"#;
    check(
        line,
        Syslog {
            pri: Some(165),
            version: Some(1),
            timestamp_text: Some("2003-10-11T22:14:15.003Z"),
            timestamp_ms: parse_rfc3339("2003-10-11T22:14:15.003Z"),
            hostname: Some("mymachine.example.com"),
            app_name: Some("evntslog"),
            proc_id: Some("77"),
            msg_id: Some("ID47"),
            structured_data: Some(
                r#"[exampleSDID@32473 iut="3" eventSource="Appl\"ication"][examplePriority@32473 class="high"]"#,
            ),
            msg: "BOM'su root' failed",
        },
    );
}

#[test]
fn rfc5424_nil_values() {
    check(
        "<14>1 2018-09-19T11:50:32-05:00 panorama-2 - - - - 1,2018/09/19 11:50:32,4535",
        Syslog {
            pri: Some(14),
            version: Some(1),
            timestamp_text: Some("2018-09-19T11:50:32-05:00"),
            timestamp_ms: parse_rfc3339("2018-09-19T16:50:32Z"),
            hostname: Some("panorama-2"),
            msg: "1,2018/09/19 11:50:32,4535",
            ..Syslog::default()
        },
    );
    let parsed = parse("<14>1 - - - - - -", 0);
    assert_eq!(parsed.version, Some(1));
    assert_eq!(parsed.timestamp_text, None);
    assert_eq!(parsed.msg, "");
    // A BOM before the message is not message.
    let parsed = parse("<14>1 - h a - - - \u{feff}hello", 0);
    assert_eq!(parsed.msg, "hello");
}

#[test]
fn rfc5424_check_point_structured_data_is_captured_whole() {
    let sd = r#"[action:"Accept"; __policy_id_tag:"product=VPN-1 & FireWall-1[db_tag={X};policy_name=Standard\]"; note:"a \"quoted\" ] bracket"; ifname:"eth0"]"#;
    let line = format!("<134>1 2020-03-29T13:19:22Z gw-test CheckPoint 1930 - {sd}");
    let parsed = parse(&line, 0);
    assert_eq!(parsed.structured_data, Some(sd));
    assert_eq!(parsed.app_name, Some("CheckPoint"));
    assert_eq!(parsed.proc_id, Some("1930"));
    assert_eq!(parsed.msg_id, None);
    assert_eq!(parsed.msg, "");
    // A trailing TAB after the SD stays in the message.
    let with_tab = format!("{line}\t");
    let parsed = parse(&with_tab, 0);
    assert_eq!((parsed.structured_data, parsed.msg), (Some(sd), "\t"));
}

#[test]
fn rfc5424_without_pri_check_point_relay() {
    let line =
        r#"1 2019-05-15T16:25:50Z fw-host CheckPoint 19710 - [action:"Drop"; src:"192.0.2.7"; ]"#;
    check(
        line,
        Syslog {
            version: Some(1),
            timestamp_text: Some("2019-05-15T16:25:50Z"),
            timestamp_ms: Some(1_557_937_550_000),
            hostname: Some("fw-host"),
            app_name: Some("CheckPoint"),
            proc_id: Some("19710"),
            structured_data: Some(r#"[action:"Drop"; src:"192.0.2.7"; ]"#),
            ..Syslog::default()
        },
    );
    // Leading spaces are tolerated.
    let indented = format!(" {line}");
    let parsed = parse(&indented, 0);
    assert_eq!(parsed.app_name, Some("CheckPoint"));
}

#[test]
fn rfc5424_truncated_structured_data_takes_the_rest() {
    let line = r#"1 2019-05-15T16:27:08Z h CheckPoint 1 - [action:"Monitored";..."#;
    let parsed = parse(line, 0);
    assert_eq!(parsed.structured_data, Some(r#"[action:"Monitored";..."#));
    assert_eq!(parsed.msg, "");
    let parsed = parse(
        r#"1 2019-05-15T16:27:08Z h CheckPoint 1 - [rule_uid:"d5d7-...."#,
        0,
    );
    assert_eq!(parsed.structured_data, Some(r#"[rule_uid:"d5d7-...."#));
}

#[test]
fn bare_csv_and_numbers_are_not_rfc5424() {
    for line in [
        "1,2018/09/19 11:50:35,0007,SYSTEM",
        "1 apple and 2 pears",
        "12 2019-99-99 x",
    ] {
        check(
            line,
            Syslog {
                msg: line,
                ..Syslog::default()
            },
        );
    }
}

#[test]
fn relay_prefix_without_pri() {
    let line =
        r#"2026-04-03T00:31:09.976660+00:00 192.0.2.1 date=2026-04-02 time=17:31:09 devname="fgt""#;
    check(
        line,
        Syslog {
            timestamp_text: Some("2026-04-03T00:31:09.976660+00:00"),
            timestamp_ms: parse_rfc3339("2026-04-03T00:31:09.976Z"),
            hostname: Some("192.0.2.1"),
            msg: r#"date=2026-04-02 time=17:31:09 devname="fgt""#,
            ..Syslog::default()
        },
    );
}

#[test]
fn fortigate_pri_then_key_values() {
    check(
        r#"<189>date=2020-04-23 time=01:16:08 devname="fgt-1" logid="0000000013""#,
        Syslog {
            pri: Some(189),
            msg: r#"date=2020-04-23 time=01:16:08 devname="fgt-1" logid="0000000013""#,
            ..Syslog::default()
        },
    );
    // Without PRI the line is all message.
    let line = r#"date=2019-02-20 time=09:57:22 logid="0111046400""#;
    assert_eq!(parse(line, 0).msg, line);
}

#[test]
fn falco_rfc3339_in_rfc3164_shape() {
    check(
        r#"<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: {"output":"x","priority":"Notice"}"#,
        Syslog {
            pri: Some(5),
            timestamp_text: Some("2024-08-07T13:49:16Z"),
            timestamp_ms: parse_rfc3339("2024-08-07T13:49:16Z"),
            hostname: Some("a72f9a747cf8"),
            app_name: Some("Falco"),
            proc_id: Some("1"),
            msg: r#"{"output":"x","priority":"Notice"}"#,
            ..Syslog::default()
        },
    );
}

#[test]
fn cef_and_leef_after_a_header_are_message_not_tag() {
    let parsed = parse(
        "<134>Feb 12 10:00:00 gw CEF:0|Check Point|VPN-1|x|Log|y|1|a=b",
        0,
    );
    assert_eq!(parsed.hostname, Some("gw"));
    assert_eq!(parsed.app_name, None);
    assert_eq!(parsed.msg, "CEF:0|Check Point|VPN-1|x|Log|y|1|a=b");
    let parsed = parse("<134>Feb 12 10:00:00 LEEF:1.0|IBM|QRadar|1|e|", 0);
    assert_eq!(parsed.hostname, None);
    assert_eq!(parsed.msg, "LEEF:1.0|IBM|QRadar|1|e|");
}

#[test]
fn malformed_headers_are_message() {
    for line in ["", "<", "<>", "<1000>x", "<14", "Feb", "Feb 30 99:99:99x"] {
        let parsed = parse(line, 0);
        assert_eq!(parsed.pri, None, "{line}");
        assert_eq!(parsed.msg, line);
    }
    assert_eq!(parse("<192>x", 0).pri, None);
    let parsed = parse("<191>", 0);
    assert_eq!((parsed.pri, parsed.msg), (Some(191), ""));
    let parsed = parse("<14>Feb  5 17:32:18", REFERENCE_MS);
    assert_eq!((parsed.hostname, parsed.msg), (None, ""));
}

#[test]
fn standard_structured_data_decodes() {
    let elements =
        parse_rfc5424_sd(r#"[a@1 x="1" y="q\"uo\\te\]"][meta seq="2"]"#).unwrap_or_default();
    assert_eq!(
        elements,
        vec![
            SdElement {
                id: "a@1",
                params: vec![("x", "1".into()), ("y", r#"q"uo\te]"#.into())],
            },
            SdElement {
                id: "meta",
                params: vec![("seq", "2".into())],
            },
        ]
    );
    assert_eq!(parse_rfc5424_sd("-"), Ok(vec![]));
    assert_eq!(
        parse_rfc5424_sd("[empty]"),
        Ok(vec![SdElement {
            id: "empty",
            params: vec![]
        }])
    );
    // Unknown escapes stay as written.
    let elements = parse_rfc5424_sd(r#"[a p="c:\dir"]"#).unwrap_or_default();
    assert_eq!(elements[0].params[0].1, r"c:\dir");
}

#[test]
fn malformed_structured_data_is_an_error() {
    for (sd, reason) in [
        (
            r#"[action:"Accept"; src:"1.2.3.4"]"#,
            "invalid_structured_data",
        ),
        ("x", "invalid_structured_data"),
        ("[a", "truncated_structured_data"),
        (r#"[a b="c"#, "truncated_structured_data"),
        (r#"[a b=c]"#, "invalid_structured_data"),
        (r#"[a b="c"] "#, "invalid_structured_data"),
    ] {
        assert_eq!(
            parse_rfc5424_sd(sd).map_err(|e| e.reason),
            Err(reason),
            "{sd}"
        );
    }
}

#[test]
fn octet_counting() {
    assert_eq!(octet_count_prefix(b"123 <14>Apr  8 ..."), Some((123, 4)));
    assert_eq!(octet_count_prefix(b"9 <1>x"), Some((9, 2)));
    assert_eq!(
        octet_count_prefix(b"1 2019-05-15T16:25:50Z h CheckPoint"),
        None
    );
    assert_eq!(octet_count_prefix(b"0123 <14>"), None);
    assert_eq!(octet_count_prefix(b"1234567890 <14>"), None);
    assert_eq!(octet_count_prefix(b"<14>"), None);
    assert_eq!(octet_count_prefix(b"12"), None);
}

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples");

/// The lines of a shared sample file, or `None` (after saying so) when samples are absent.
fn sample_lines(file: &str) -> Option<Vec<String>> {
    let path = format!("{SAMPLES}/{file}");
    match std::fs::read(&path) {
        Ok(bytes) => Some(
            String::from_utf8_lossy(&bytes)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        Err(_) => {
            println!("skipped: shared samples not found at {path}");
            None
        }
    }
}

#[test]
fn real_panos_lines_give_the_csv_body() {
    for file in [
        "panos/graylog-paloalto-syslog.log",
        "panos/elastic-panw-panos-traffic-subset.log",
        "panos/elastic-panw-panos-threat-url-subset.log",
        "panos/wazuh-ruleset-paloalto-anonymized.log",
    ] {
        let Some(lines) = sample_lines(file) else {
            return;
        };
        for line in &lines {
            let parsed = parse(line, REFERENCE_MS);
            let body = parsed.msg.as_bytes();
            assert!(
                body.first().is_some_and(u8::is_ascii_digit) && body.get(1) == Some(&b','),
                "{file}: {line}"
            );
            if line.starts_with("<14>Apr  8") {
                assert_eq!(parsed.hostname, None, "{line}");
            } else if line.starts_with('<') || line.starts_with(|c: char| c.is_ascii_uppercase()) {
                assert!(parsed.hostname.is_some(), "{file}: {line}");
            }
        }
    }
}

#[test]
fn real_fortigate_lines_give_the_key_values() {
    for file in [
        "fortigate/elastic-test-fortinet.log",
        "fortigate/elastic-test-fortinet-7-6.log",
        "fortigate/elastic-test-fortinet-7-4-subset.log",
    ] {
        let Some(lines) = sample_lines(file) else {
            return;
        };
        for line in &lines {
            let parsed = parse(line, REFERENCE_MS);
            assert!(parsed.msg.starts_with("date="), "{file}: {line}");
            if line.starts_with("2026-") {
                assert_eq!(parsed.hostname, Some("192.168.2.1"));
                assert!(parsed.timestamp_ms.is_some());
            }
        }
    }
}

#[test]
fn real_check_point_lines_give_their_structured_data() {
    for file in [
        "checkpoint/elastic-test-checkpoint-subset.log",
        "checkpoint/elastic-test-checkpoint-authentication.log",
        "checkpoint/elastic-test-checkpoint-audit-subset.log",
        "checkpoint/wazuh-ruleset-checkpoint_smart1.log",
    ] {
        let Some(lines) = sample_lines(file) else {
            return;
        };
        for line in &lines {
            let parsed = parse(line, REFERENCE_MS);
            assert_eq!(parsed.version, Some(1), "{line}");
            assert_eq!(parsed.app_name, Some("CheckPoint"), "{line}");
            assert!(parsed.timestamp_ms.is_some(), "{line}");
            let sd = parsed.structured_data.unwrap_or_default();
            assert!(sd.starts_with('['), "{line}");
            assert!(parsed.msg.trim().is_empty(), "{line}");
        }
    }
}

#[test]
fn real_falco_syslog_lines_give_the_json() {
    let Some(lines) = sample_lines("falco/elastic-falco-syslog-sample-subset.log") else {
        return;
    };
    for line in &lines {
        let parsed = parse(line, REFERENCE_MS);
        assert_eq!(parsed.app_name, Some("Falco"));
        assert_eq!(parsed.proc_id, Some("1"));
        assert!(parsed.timestamp_ms.is_some());
        assert!(
            serde_json::from_str::<serde_json::Value>(parsed.msg).is_ok(),
            "{line}"
        );
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(line in "\\PC*") {
        let parsed = parse(&line, REFERENCE_MS);
        proptest::prop_assert!(line.ends_with(parsed.msg) || line.contains(parsed.msg));
        let _ = parse_rfc5424_sd(&line);
        let _ = octet_count_prefix(line.as_bytes());
    }

    #[test]
    fn never_panics_after_a_header(
        prefix in proptest::sample::select(vec![
            "<14>", "<134>1 ", "<134>1 2020-03-29T13:19:22Z h a p - ", "1 2019-05-15T16:25:50Z ",
            "Apr  8 01:47:32 ", "<5>2024-08-07T13:49:16Z ", "[", "[a b=\"", "12 <",
        ]),
        rest in "[ -~\\]\\[\"\\\\:;é]{0,60}",
    ) {
        let line = format!("{prefix}{rest}");
        let _ = parse(&line, REFERENCE_MS);
        let _ = parse_rfc5424_sd(&line);
        let _ = octet_count_prefix(line.as_bytes());
    }
}
