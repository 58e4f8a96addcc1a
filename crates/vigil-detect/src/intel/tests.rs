//! Unit tests of the builder: duplicates, policy, metadata sharing.

use super::*;

#[test]
fn the_same_value_twice_from_one_source_is_one_indicator() {
    let mut builder = IntelSetBuilder::default();
    let report = builder.add_list("198.51.100.7\n198.51.100.7\n", "a.txt");
    assert_eq!((report.accepted, report.duplicates), (1, 1));
    let report = builder.add_list("198.51.100.7\n", "b.txt");
    assert_eq!(report.accepted, 1);
    let set = builder.build();
    let sources: Vec<&str> = set
        .lookup_ip("198.51.100.7")
        .iter()
        .map(|i| &*i.meta.source)
        .collect();
    assert_eq!(sources, vec!["b.txt", "a.txt"]);
}

#[test]
fn broad_networks_and_sinkholes_are_rejected() {
    let (set, report) = IntelSet::from_list(
        "0.0.0.0/0\n10.0.0.0/7\n0.0.0.0\n127.0.0.1\n::\n2001:db8::/16\n10.0.0.0/8\n",
        "x",
    );
    assert_eq!(report.accepted, 1);
    assert_eq!(report.rejected_by_reason.get("network_too_broad"), Some(&3));
    assert_eq!(report.rejected_by_reason.get("reserved_address"), Some(&3));
    assert_eq!(set.stats().cidrs, 1);
}

#[test]
fn the_indicator_cap_is_counted() {
    let mut builder = IntelSetBuilder::new(IntelOptions {
        max_indicators: 2,
        ..IntelOptions::default()
    });
    let report = builder.add_list("192.0.2.1\n192.0.2.2\n192.0.2.3\n", "x");
    assert_eq!(report.accepted, 2);
    assert_eq!(
        report.rejected_by_reason.get("too_many_indicators"),
        Some(&1)
    );
    assert_eq!(report.rejects[0].line, 3);
}

#[test]
fn list_lines_share_one_metadata() {
    let (set, _) = IntelSet::from_list("192.0.2.1\nevil.example\n", "x");
    let [a, b] = set.indicators() else {
        panic!("two indicators")
    };
    assert!(Arc::ptr_eq(&a.meta, &b.meta));
}

#[test]
fn formats_are_detected() {
    assert_eq!(
        IntelFormat::detect("x.json", " {\"type\":\"bundle\"}"),
        IntelFormat::Stix
    );
    assert_eq!(IntelFormat::detect("x.CSV", "type,value"), IntelFormat::Csv);
    assert_eq!(IntelFormat::detect("x.txt", "1.2.3.4"), IntelFormat::List);
}
