use super::*;

/// A decoded record as plain strings: `[version, vendor, product, device_version,
/// signature_id, name, severity]` and the extension pairs.
type Flat = (Vec<String>, Vec<(String, String)>);

fn flat(cef: &Cef<'_>) -> Flat {
    let header = [
        cef.version,
        &cef.vendor,
        &cef.product,
        &cef.device_version,
        &cef.signature_id,
        &cef.name,
        &cef.severity,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let ext = cef
        .extensions
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (header, ext)
}

fn expected(header: [&str; 7], ext: &[(&str, &str)]) -> Option<Flat> {
    Some((
        header.iter().map(|s| s.to_string()).collect(),
        ext.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    ))
}

/// `find` then `parse`: what a normalizer sees, or `None` for a line that is not CEF.
fn decode(line: &str) -> Option<Flat> {
    let at = find(line)?;
    let cef = parse(line.get(at..)?).ok()?;
    Some(flat(&cef))
}

const THREAT: [&str; 7] = [
    "0",
    "security",
    "threatmanager",
    "1.0",
    "100",
    "trojan successfully stopped",
    "10",
];
const WORM: [&str; 7] = [
    "1",
    "Security",
    "threatmanager",
    "1.0",
    "100",
    "worm successfully stopped",
    "10",
];

/// The expected outcome of each line of `cef-parser-edge-cases.jsonl`, in file order.
fn edge_case_expectations() -> Vec<(&'static str, Option<Flat>)> {
    let extra = [
        ("additional.dotfieldName", "new_value"),
        (
            "ad.Authentification",
            "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
        ),
        ("ad.Error_,Code", "3221225578"),
        ("dst", "12.121.122.82"),
        ("ad.field[0]", "field0"),
    ];
    let with = |first: &[(&'static str, &'static str)], last: (&'static str, &'static str)| {
        let mut pairs = first.to_vec();
        pairs.extend_from_slice(&extra);
        pairs.push(last);
        pairs
    };
    vec![
        ("message", None),
        ("escaped_pipes", expected(THREAT, &[("moo", r"this\|has an escaped pipe")])),
        ("pipes_in_message", expected(THREAT, &[("moo", "this|has an pipe")])),
        ("equal_in_message", expected(THREAT, &[("moo", "this =has = equals=")])),
        (
            "escaped_backslash_in_header",
            expected(
                [
                    "0",
                    r"secu\rity",
                    r"threat\manager",
                    r"1.\0",
                    r"10\0",
                    r"tro\jan successfully stopped",
                    r"\10",
                ],
                &[],
            ),
        ),
        (
            "escaped_backslash_in_header_edge_case",
            expected(
                [
                    "0",
                    r"security\|",
                    r"threatmanager\",
                    "1.0",
                    "100",
                    "trojan successfully stopped",
                    "10",
                ],
                &[],
            ),
        ),
        (
            "escaped_pipes_in_header",
            expected(
                [
                    "0",
                    "secu|rity",
                    "threatmanager|",
                    "1.|0",
                    "10|0",
                    "tro|jan successfully stopped",
                    "|10",
                ],
                &[],
            ),
        ),
        (
            "backslash_in_message",
            expected(THREAT, &[("moo", r"this \has \ backslashs\")]),
        ),
        (
            "equal_in_header",
            expected(
                [
                    "0",
                    "security",
                    "threatmanager=equal",
                    "1.0",
                    "100",
                    "trojan successfully stopped",
                    "10",
                ],
                &[],
            ),
        ),
        (
            "spaces_in_between_keys",
            expected(
                THREAT,
                &[("src", "10.0.0.192"), ("dst", "12.121.122.82"), ("spt", "1232")],
            ),
        ),
        (
            "dots_in_keys",
            expected(
                ["0", "Vendor", "Device", "Version", "13", "my message", "5"],
                &[
                    ("dvchost", "loghost"),
                    ("cat", "traffic"),
                    ("deviceSeverity", "notice"),
                    ("ad.nn", "TEST"),
                    ("src", "192.168.0.1"),
                    ("destinationPort", "53"),
                ],
            ),
        ),
        (
            "allow_spaces_in_values",
            expected(
                THREAT,
                &[
                    ("src", "10.0.0.192"),
                    ("dst", "12.121.122.82"),
                    ("spt", "1232"),
                    ("dproc", "InternetExplorer x.x.x.x"),
                ],
            ),
        ),
        (
            "preserve_additional_fields_with_dot_notations",
            expected(THREAT, &with(&[("src", "10.0.0.192")], ("ad.name[1]", "new_name"))),
        ),
        (
            "preserve_complex_multiple_dot_notation_in_extension_fields",
            expected(
                THREAT,
                &with(&[("src", "10.0.0.192")], ("ad.foo.name[1]", "new_name")),
            ),
        ),
        (
            "preserve_random_values_key_value_pairs_alongside_with_additional_fields",
            expected(
                THREAT,
                &with(
                    &[
                        ("src", "10.0.0.192"),
                        (
                            "cs4",
                            "401 random.user Admin 0 23041A10181C0000  23041810181C0000  \
                             /CN=random.user/OU=User Login End-Entity  /CN=TEST/OU=Login CA TEST 34",
                        ),
                    ],
                    ("ad.name[1]", "new_name"),
                ),
            ),
        ),
        (
            "preserve_unmatched_key_mappings",
            expected(
                THREAT,
                &[
                    ("src", "10.0.0.192"),
                    ("dst", "12.121.122.82"),
                    ("new_key_by_device", "new_values here"),
                ],
            ),
        ),
        (
            "translate_abbreviated_cef_fields",
            expected(
                THREAT,
                &[
                    ("src", "10.0.0.192"),
                    ("dst", "12.121.122.82"),
                    ("proto", "TCP"),
                    ("shost", "source.host.name"),
                    ("dhost", "destination.host.name"),
                    ("spt", "11024"),
                    ("dpt", "9200"),
                    ("outcome", "Success"),
                    ("amac", "00:80:48:1c:24:91"),
                ],
            ),
        ),
        (
            "message",
            expected(
                THREAT,
                &[
                    ("src", "192.168.1.11"),
                    ("target", "aaaaaああああaaaa"),
                    ("msg", "Description Omitted"),
                ],
            ),
        ),
        (
            "parse_test",
            expected(WORM, &[("src", "10.0.0.1"), ("dst", "2.1.2.2"), ("spt", "1232")]),
        ),
        (
            "parse_test",
            expected(
                WORM,
                &[("src", "ip=10.0.0.1"), ("dst", "2.1.2.2"), ("spt", "1232")],
            ),
        ),
        (
            "parse_test",
            expected(WORM, &[("dst", "2.1.2.2"), ("path", r"\home\"), ("spt", "1232")]),
        ),
        (
            "parse_test",
            expected(
                WORM,
                &[
                    ("dst", "2.1.2.2"),
                    ("msg", "Detected a threat.\r No action needed"),
                    ("spt", "1232"),
                ],
            ),
        ),
        (
            "parse_test",
            expected(
                WORM,
                &[
                    ("cs4", "None"),
                    ("request", "https://foo.com?id=foo&a=bar"),
                    ("abc", "lol"),
                ],
            ),
        ),
    ]
}

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples");

fn read_sample(file: &str) -> Option<String> {
    let path = format!("{SAMPLES}/{file}");
    match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => {
            println!("skipped: shared samples not found at {path}");
            None
        }
    }
}

#[test]
fn every_edge_case_has_its_exact_outcome() {
    let Some(text) = read_sample("cef-edge-cases/cef-parser-edge-cases.jsonl") else {
        return;
    };
    let expectations = edge_case_expectations();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), expectations.len());
    for (index, (json, (case, outcome))) in lines.iter().zip(expectations).enumerate() {
        let record: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(record["case"], case, "line {index}");
        let line = record["line"].as_str().unwrap();
        assert_eq!(decode(line), outcome, "line {index} ({case}): {line}");
    }
}

#[test]
fn check_point_cef_sample() {
    let Some(text) = read_sample("checkpoint/vrl-parse_cef-checkpoint-real_case.cef") else {
        return;
    };
    let line = text.trim_end();
    assert_eq!(find(line), Some(0));
    let cef = parse(line).unwrap();
    assert_eq!(cef.vendor, "Check Point");
    assert_eq!(cef.product, "VPN-1 & FireWall-1");
    assert_eq!(cef.signature_id, "Log");
    assert_eq!(cef.name, "https");
    assert_eq!(severity_id(&cef.severity), SeverityId::Unknown);
    assert_eq!(cef.get("originsicname"), Some("CN=R80,O=R80_M..6u6bdo"));
    assert_eq!(cef.get("product"), Some("VPN-1 & FireWall-1"));
    assert_eq!(cef.get("rt"), Some("1543270652000"));
    assert_eq!(cef.get("src"), Some("192.168.101.100"));
    // `cs2Label` has no `cs2`: it keeps its own name.
    let labelled = labelled(&cef.extensions);
    assert!(labelled
        .iter()
        .any(|(k, v)| k == "cs2Label" && v == "Rule Name"));
    assert_eq!(labelled.len(), cef.extensions.len());
}

#[test]
fn find_skips_syslog_headers_and_lookalikes() {
    assert_eq!(find("<134>Feb 12 10:00:00 gw CEF:0|a|b|c|d|e|1|"), Some(24));
    assert_eq!(find("xCEF:0|a|b|c|d|e|1| CEF:1|v|"), Some(20));
    assert_eq!(find("CEF:|a|b"), None);
    assert_eq!(find("CEF:x|a|b"), None);
    assert_eq!(find("no marker"), None);
    assert_eq!(find("CEF:0"), None);
}

#[test]
fn header_errors() {
    for (s, reason) in [
        ("LEEF:1.0|a|b|c|d|", "not_cef"),
        ("CEF:a|b|c|d|e|f|g|", "not_cef"),
        ("CEF:0|a|b|c|d|e", "truncated_header"),
        ("CEF:0|", "truncated_header"),
        (r"CEF:0|a|b|c|d|e\|", "truncated_header"),
    ] {
        assert_eq!(
            parse(s).map(|_| ()).map_err(|e| e.reason),
            Err(reason),
            "{s}"
        );
    }
    // A severity that ends the line without its `|` is accepted.
    let cef = parse("CEF:0|a|b|c|d|e|7").unwrap();
    assert_eq!((cef.severity.as_ref(), cef.extensions.len()), ("7", 0));
}

#[test]
fn extension_escapes_and_empty_values() {
    let cef = parse(r"CEF:0|v|p|1|s|n|5|shost= msg=line1\nline2 a=x\\y b=\q c=  spaced  ").unwrap();
    let pairs: Vec<(&str, &str)> = cef
        .extensions
        .iter()
        .map(|(k, v)| (*k, v.as_ref()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("shost", ""),
            ("msg", "line1\nline2"),
            ("a", r"x\y"),
            ("b", r"\q"),
            ("c", "spaced"),
        ]
    );
    // Leading text that is not a pair is ignored; free text alone gives no pairs.
    assert_eq!(
        parse("CEF:0|v|p|1|s|n|5|junk here a=1").unwrap().get("a"),
        Some("1")
    );
    assert!(parse("CEF:0|v|p|1|s|n|5|just words")
        .unwrap()
        .extensions
        .is_empty());
}

#[test]
fn severities() {
    for (sev, id) in [
        ("0", SeverityId::Low),
        ("3", SeverityId::Low),
        ("4", SeverityId::Medium),
        ("6", SeverityId::Medium),
        ("7", SeverityId::High),
        ("8", SeverityId::High),
        ("9", SeverityId::Critical),
        ("10", SeverityId::Critical),
        ("11", SeverityId::Unknown),
        ("Unknown", SeverityId::Unknown),
        ("low", SeverityId::Low),
        ("Medium", SeverityId::Medium),
        ("HIGH", SeverityId::High),
        ("Very-High", SeverityId::Critical),
        (" 5 ", SeverityId::Medium),
        ("-1", SeverityId::Unknown),
        ("", SeverityId::Unknown),
    ] {
        assert_eq!(severity_id(sev), id, "{sev}");
    }
}

#[test]
fn custom_slots_take_their_labels() {
    let cef = parse(
        "CEF:0|v|p|1|s|n|5|cs1=web cs1Label=Policy cn1Label=Count cn1=42 cs2=orphan \
         c6a1=fe80::1 c6a1Label=Inner IPv6 flexString1Label=Lonely deviceCustomDate1=1700000000000 \
         deviceCustomDate1Label=Seen src=1.2.3.4",
    )
    .unwrap();
    let labelled: Vec<(String, String)> = labelled(&cef.extensions)
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("Policy", "web"),
        ("Count", "42"),
        ("cs2", "orphan"),
        ("Inner IPv6", "fe80::1"),
        ("flexString1Label", "Lonely"),
        ("Seen", "1700000000000"),
        ("src", "1.2.3.4"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(labelled, expected);
}

proptest::proptest! {
    #[test]
    fn never_panics(line in "\\PC*") {
        let _ = find(&line);
        if let Ok(cef) = parse(&line) {
            let _ = labelled(&cef.extensions);
            let _ = severity_id(&cef.severity);
        }
    }

    #[test]
    fn never_panics_after_the_prefix(rest in "[ -~\\\\|=é\t]{0,80}") {
        let line = format!("CEF:0|{rest}");
        proptest::prop_assert_eq!(find(&line), Some(0));
        if let Ok(cef) = parse(&line) {
            let _ = labelled(&cef.extensions);
        }
        let _ = parse(&format!("CEF:0|v|p|1|s|n|5|{rest}"));
    }
}
