use super::*;

fn check(sd: &str, expected: &[(&str, &str)]) {
    let pairs = parse(sd).unwrap_or_else(|e| panic!("{e}: {sd}"));
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    assert_eq!(pairs, expected, "{sd}");
}

#[test]
fn plain_pairs() {
    check(
        r#"[action:"Accept"; flags:"444676"; ifdir:"outbound"]"#,
        &[
            ("action", "Accept"),
            ("flags", "444676"),
            ("ifdir", "outbound"),
        ],
    );
    check("[]", &[]);
}

#[test]
fn duplicate_keys_are_kept_in_order() {
    check(
        r#"[layer_name:"Net Security"; layer_name:"Net Application"; rule_action:"Accept"; rule_action:"Drop"]"#,
        &[
            ("layer_name", "Net Security"),
            ("layer_name", "Net Application"),
            ("rule_action", "Accept"),
            ("rule_action", "Drop"),
        ],
    );
}

#[test]
fn double_colon_keys() {
    check(
        r#"[ike::"Main Mode Failed; Reason: x"; scheme::"IKE"; sys_message::"installed Standard"]"#,
        &[
            ("ike", "Main Mode Failed; Reason: x"),
            ("scheme", "IKE"),
            ("sys_message", "installed Standard"),
        ],
    );
}

#[test]
fn escapes_inside_values() {
    check(
        r#"[tag:"product=X[db_tag={1};policy_name=Std\]"; q:"say \"hi\""; path:"c:\\dir\\"; odd:"a\nb"]"#,
        &[
            ("tag", "product=X[db_tag={1};policy_name=Std]"),
            ("q", r#"say "hi""#),
            ("path", r"c:\dir\"),
            ("odd", r"a\nb"),
        ],
    );
}

#[test]
fn single_space_values_trailing_separators_and_tab() {
    check(
        "[advanced_changes:\" \"; src:\"192.0.2.1\"; ]\t",
        &[("advanced_changes", " "), ("src", "192.0.2.1")],
    );
    check(r#"[a:"1";]"#, &[("a", "1")]);
    check(r#"[a:"1";; b:"2" ;]"#, &[("a", "1"), ("b", "2")]);
}

#[test]
fn unquoted_values() {
    check("[a:1; b: two ]", &[("a", "1"), ("b", "two")]);
}

#[test]
fn truncated_records_keep_what_was_decoded() {
    let (pairs, problem) = parse_lenient(r#"[action:"Monitored";..."#);
    assert_eq!(pairs, vec![("action", Cow::Borrowed("Monitored"))]);
    assert_eq!(problem.map(|e| e.reason), Some("truncated_structured_data"));

    let (pairs, problem) = parse_lenient(r#"[action:""; VPN routing..."#);
    assert_eq!(pairs, vec![("action", Cow::Borrowed(""))]);
    assert_eq!(problem.map(|e| e.reason), Some("invalid_pair"));

    let (pairs, problem) = parse_lenient(r#"[rule_name:"CSN"; rule_uid:"d5d708fe-3315-....."#);
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[1], ("rule_uid", Cow::Borrowed("d5d708fe-3315-.....")));
    assert_eq!(problem.map(|e| e.reason), Some("truncated_structured_data"));

    let (pairs, problem) = parse_lenient(r#"[xlatesrc:"0.0.0.0";"#);
    assert_eq!(pairs.len(), 1);
    assert!(problem.is_some());
}

#[test]
fn malformed_shapes_are_errors() {
    for (sd, reason) in [
        ("", "not_checkpoint"),
        ("action:\"Accept\"", "not_checkpoint"),
        (r#"[exampleSDID@32473 iut="3"]"#, "invalid_pair"),
        (r#"[a:"1"x]"#, "invalid_pair"),
        (r#"[a:"1"] tail"#, "trailing_data"),
        ("[a", "truncated_structured_data"),
        (r#"[a:"1""#, "truncated_structured_data"),
    ] {
        assert_eq!(parse(sd).map_err(|e| e.reason), Err(reason), "{sd}");
    }
}

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples");

#[test]
fn real_records_decode() {
    for file in [
        "elastic-test-checkpoint-subset.log",
        "elastic-test-checkpoint-authentication.log",
        "elastic-test-checkpoint-audit-subset.log",
        "wazuh-ruleset-checkpoint_smart1.log",
    ] {
        let path = format!("{SAMPLES}/checkpoint/{file}");
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("skipped: shared samples not found at {path}");
            return;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let header = crate::decode::syslog::parse(line, 0);
            let sd = header.structured_data.unwrap_or_default();
            let (pairs, problem) = parse_lenient(sd);
            assert!(!pairs.is_empty(), "{line}");
            // Only the records the sample itself cut short may fail.
            let cut = line.contains("...") || !line.trim_end().ends_with(']');
            assert_eq!(problem.is_some(), cut, "{problem:?}: {line}");
            for (key, _) in &pairs {
                assert!(!key.is_empty() && !key.contains(':'), "{key}: {line}");
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(sd in "\\PC*") {
        let _ = parse_lenient(&sd);
    }

    #[test]
    fn never_panics_inside_brackets(body in "[ -~\\\\\":;\\]\té]{0,80}") {
        let sd = format!("[{body}");
        let (pairs, problem) = parse_lenient(&sd);
        if problem.is_none() {
            proptest::prop_assert_eq!(parse(&sd).ok(), Some(pairs));
        }
    }
}
