//! LEEF fixtures written from the format description (IBM's LEEF guide): no real vendor LEEF
//! line of the sources Vigil reads was found.

use super::*;
use crate::time::parse_rfc3339;

fn pairs<'a>(leef: &'a Leef<'_>) -> Vec<(&'a str, &'a str)> {
    leef.attributes
        .iter()
        .map(|(k, v)| (*k, v.as_ref()))
        .collect()
}

#[test]
fn leef_1_0_with_tabs() {
    let line = "LEEF:1.0|Example Corp|Edge Firewall|4.2|deny-tcp|src=192.0.2.10\tdst=198.51.100.7\tsrcPort=51515\tdstPort=443\tproto=TCP\tusrName=alice\tmsg=a=b c\t";
    let leef = parse(line).unwrap();
    assert_eq!(leef.version, "1.0");
    assert_eq!(
        (
            leef.vendor.as_ref(),
            leef.product.as_ref(),
            leef.product_version.as_ref(),
            leef.event_id.as_ref()
        ),
        ("Example Corp", "Edge Firewall", "4.2", "deny-tcp")
    );
    assert_eq!(leef.delimiter, '\t');
    assert_eq!(
        pairs(&leef),
        vec![
            ("src", "192.0.2.10"),
            ("dst", "198.51.100.7"),
            ("srcPort", "51515"),
            ("dstPort", "443"),
            ("proto", "TCP"),
            ("usrName", "alice"),
            ("msg", "a=b c"),
        ]
    );
}

#[test]
fn leef_2_0_delimiters() {
    for (delimiter_field, delimiter) in [
        ("^", '^'),
        ("x5E", '^'),
        ("0x5E", '^'),
        ("0X5e", '^'),
        ("x09", '\t'),
        ("", '\t'),
    ] {
        let text = format!(
            "LEEF:2.0|Example|IDS|1.1|sig-17|{delimiter_field}|src=192.0.2.1{delimiter}sev=7{delimiter}cat=exploit"
        );
        let leef = parse(&text).unwrap();
        assert_eq!(leef.delimiter, delimiter, "{text}");
        assert_eq!(
            pairs(&leef),
            vec![("src", "192.0.2.1"), ("sev", "7"), ("cat", "exploit")],
            "{text}"
        );
    }
}

#[test]
fn leef_2_0_without_delimiter_field_reads_tabs() {
    let leef = parse("LEEF:2.0|Example|IDS|1.1|sig-17|src=192.0.2.1\tsev=7").unwrap();
    assert_eq!(leef.delimiter, '\t');
    assert_eq!(pairs(&leef), vec![("src", "192.0.2.1"), ("sev", "7")]);
}

#[test]
fn delimiter_inside_a_value_continues_it() {
    let leef = parse("LEEF:2.0|V|P|1|E|^|msg=up^down and out^usrName=bob").unwrap();
    assert_eq!(
        pairs(&leef),
        vec![("msg", "up^down and out"), ("usrName", "bob")]
    );
}

#[test]
fn header_escapes_and_short_records() {
    let leef = parse(r"LEEF:1.0|Ex\|ample|P\\Q|1|E|").unwrap();
    assert_eq!(
        (leef.vendor.as_ref(), leef.product.as_ref()),
        ("Ex|ample", r"P\Q")
    );
    assert!(leef.attributes.is_empty());
    // EventID ending the line.
    let leef = parse("LEEF:1.0|V|P|1|E").unwrap();
    assert_eq!(leef.event_id, "E");
    for (text, reason) in [
        ("CEF:0|a|b|c|d|e|1|", "not_leef"),
        ("LEEF:|V|P", "not_leef"),
        ("LEEF:3.0|V|P|1|E|", "unsupported_version"),
        ("LEEF:1.0|V|P", "truncated_header"),
        ("LEEF:2.0|V|P|1|E|abc|x=1", "invalid_delimiter"),
    ] {
        assert_eq!(
            parse(text).map(|_| ()).map_err(|e| e.reason),
            Err(reason),
            "{text}"
        );
    }
}

#[test]
fn find_after_a_syslog_header() {
    assert_eq!(
        find("<13>Jan  1 00:00:00 host LEEF:1.0|V|P|1|E|a=1"),
        Some(25)
    );
    assert_eq!(find("xLEEF:1.0|V|"), None);
    assert_eq!(find("LEEF:x|"), None);
}

#[test]
fn device_times() {
    let expected = parse_rfc3339("2024-05-06T07:08:09Z");
    assert_eq!(dev_time_ms("May 06 2024 07:08:09"), expected);
    assert_eq!(dev_time_ms("may 6 2024 07:08:09 UTC"), expected);
    assert_eq!(
        dev_time_ms("May 06 2024 09:08:09.250 +02:00"),
        expected.map(|ms| ms + 250)
    );
    assert_eq!(dev_time_ms("2024-05-06T07:08:09Z"), expected);
    assert_eq!(dev_time_ms("1714979289000"), expected);
    assert_eq!(dev_time_ms("1714979289"), expected);
    assert_eq!(dev_time_ms("May 36 2024 07:08:09"), None);
    assert_eq!(dev_time_ms("soon"), None);
}

proptest::proptest! {
    #[test]
    fn never_panics(line in "\\PC*") {
        let _ = find(&line);
        let _ = parse(&line);
        let _ = dev_time_ms(&line);
    }

    #[test]
    fn never_panics_after_the_prefix(
        prefix in proptest::sample::select(vec!["LEEF:1.0|", "LEEF:2.0|", "LEEF:2.0|V|P|1|E|"]),
        rest in "[ -~\\\\|=é\t]{0,80}",
    ) {
        let line = format!("{prefix}{rest}");
        let _ = parse(&line);
    }
}
