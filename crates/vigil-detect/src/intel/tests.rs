//! Indicator loading (STIX, CSV, lists, with malformed lines counted at their line) and
//! matching against events built in place or through the real normalizers.

use std::sync::Arc;

use vigil_formats::{Context, Output, Record};
use vigil_model::{
    ActivityId, ClassUid, Endpoint, Event, Evidence, File, Fingerprint, HttpRequest, SourceType,
    Str, Traffic, Url,
};
use vigil_sigma::ast::Level;

use super::*;
use crate::alert::Alert;

/// 2026-11-20T00:00:00Z.
const DAY_MS: i64 = 1_795_132_800_000;
const HOUR: i64 = 3_600_000;

fn endpoint(ip: &str, port: Option<u16>) -> Option<Box<Endpoint>> {
    Some(Box::new(Endpoint {
        ip: Some(ip.into()),
        port,
        ..Endpoint::default()
    }))
}

/// A connection from `src` to `dst:port` at `time`.
fn flow(time: i64, src: &str, dst: &str, port: u16, bytes_out: u64) -> Event {
    let mut event = Event::new(
        ClassUid::NetworkActivity,
        ActivityId::TRAFFIC,
        SourceType::VpcFlowLog,
    );
    event.time = time;
    event.src_endpoint = endpoint(src, Some(40_000));
    event.dst_endpoint = endpoint(dst, Some(port));
    event.traffic = Some(Traffic {
        bytes_out: Some(bytes_out),
        ..Traffic::default()
    });
    event
}

/// The events of one raw record, through the real normalizer.
fn normalize(source_type: SourceType, record: &str) -> Vec<Event> {
    let record = Record::new("test", record.as_bytes().to_vec());
    let context = Context {
        path: Arc::from("test"),
        reference_time_ms: DAY_MS,
    };
    let mut out = Output::default();
    vigil_formats::source::normalize(source_type, &record, &context, &mut out);
    assert!(out.rejections.is_empty(), "{:?}", out.rejections);
    out.events
}

fn field<'a>(alert: &'a Alert, name: &str) -> Option<&'a str> {
    alert.evidence[0]
        .matched_fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn ids(alerts: &[Alert]) -> Vec<&str> {
    alerts
        .iter()
        .map(|a| a.rule.id.as_deref().unwrap_or(""))
        .collect()
}

// ---- builder ---------------------------------------------------------------------------------

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

// ---- intel: loading ------------------------------------------------------------------------

const BUNDLE: &str = r#"{
  "type": "bundle",
  "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
  "objects": [
    {"type": "identity", "id": "identity--1", "name": "ACME CERT"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--a1",
     "name": "C2 server", "indicator_types": ["malicious-activity"], "confidence": 80,
     "pattern": "[ipv4-addr:value = '198.51.100.66']", "pattern_type": "stix",
     "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--a2",
     "pattern": "[ipv6-addr:value = '2001:db8:bad::/48'] OR [domain-name:value = 'evil.example']",
     "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--a3",
     "pattern": "[url:value = 'http://dropper.example/payload.bin']",
     "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--a4",
     "pattern": "[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
     "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--a5",
     "pattern": "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.0/24']",
     "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--a6",
     "pattern": "[ipv4-addr:value = '192.0.2.99']", "pattern_type": "stix",
     "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2026-11-20T12:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--b1",
     "pattern": "[file:name = 'mimikatz.exe']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--b2",
     "pattern": "rule x { condition: true }", "pattern_type": "yara", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--b3", "revoked": true,
     "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--b4",
     "pattern": "[ipv4-addr:value = '198.51.100.2'] FOLLOWEDBY [domain-name:value = 'x.example']",
     "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--b5",
     "pattern": "[ipv4-addr:value = 'not-an-ip']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
    {"type": "indicator", "id": "indicator--b6", "labels": "not a list", "pattern": "[ipv4-addr:value = '198.51.100.3']"},
    {"type": "malware", "id": "malware--1", "name": "Beacon", "is_family": true},
    {"type": "relationship", "id": "relationship--1", "relationship_type": "indicates",
     "source_ref": "indicator--a1", "target_ref": "malware--1"}
  ]
}"#;

fn reasons(report: &LoadReport) -> Vec<(u64, &'static str)> {
    report.rejects.iter().map(|r| (r.line, r.reason)).collect()
}

#[test]
fn stix_bundle_indicators_and_counted_rejects_with_lines() {
    let (set, report) = IntelSet::from_stix(BUNDLE, "feeds/acme.json");
    assert_eq!(report.accepted, 8, "{report:#?}");
    assert_eq!(report.ignored_objects, 3);
    assert_eq!(
        reasons(&report),
        vec![
            (25, "unsupported_object_path"),
            (27, "unsupported_pattern_type"),
            (29, "revoked"),
            (31, "unsupported_followedby"),
            (34, "invalid_ip"),
            (36, "invalid_object"),
        ]
    );
    assert_eq!(report.rejected, 6);
    let stats = set.stats();
    assert_eq!(
        (
            stats.ips,
            stats.cidrs,
            stats.domains,
            stats.urls,
            stats.hashes
        ),
        (2, 2, 1, 1, 2)
    );
    let hit = set.lookup_ip("198.51.100.66");
    assert_eq!(hit.len(), 1);
    assert_eq!(hit[0].meta.stix_id.as_deref(), Some("indicator--a1"));
    assert_eq!(hit[0].meta.confidence, Some(80));
    assert_eq!(hit[0].line, 6);
    assert_eq!(&*hit[0].meta.source, "feeds/acme.json");
}

#[test]
fn stix_that_is_not_json_is_one_reject_at_its_line() {
    let (set, report) =
        IntelSet::from_stix("{\"type\": \"bundle\",\n \"objects\": [oops]}", "x.json");
    assert!(set.is_empty());
    assert_eq!(reasons(&report), vec![(2, "invalid_json")]);
}

#[test]
fn stix_objects_one_per_line_and_single_objects() {
    let lines = "{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[domain-name:value = 'a.example']\"}\n\
                 {\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern\":\"[domain-name:value = 'b.example'\"}\n";
    let (set, report) = IntelSet::from_stix(lines, "x.ndjson");
    assert_eq!(set.stats().domains, 1);
    assert_eq!(reasons(&report), vec![(2, "invalid_pattern")]);
    let one = r#"{"type":"indicator","id":"indicator--3","pattern":"[url:value = 'https://c2.example/gate']"}"#;
    assert_eq!(IntelSet::from_stix(one, "x").0.stats().urls, 1);
}

const CSV: &str = "\
# exported 2026-11-19
type,value,source,confidence
ip,198.51.100.7,abuse-feed,90
cidr,203.0.113.0/25,abuse-feed,high
ipv6,2001:db8:dead::/48,abuse-feed,
domain,evil.example,dns-feed,70
url,\"http://evil.example/a,b.php\",web-feed,50
sha256,9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08,av,99
md5,not-a-hash,av,99
email,bad@example.com,x,1
ip,300.1.1.1,x,1
domain,ok.example,x,150
ip,,x,1

ip,198.51.100.7,other-feed,40
";

#[test]
fn csv_with_header_quotes_and_malformed_lines() {
    let (set, report) = IntelSet::from_csv(CSV, "feeds/iocs.csv");
    assert_eq!(report.accepted, 7, "{report:#?}");
    assert_eq!(
        reasons(&report),
        vec![
            (9, "invalid_hash"),
            (10, "unknown_type"),
            (11, "invalid_ip"),
            (12, "invalid_confidence"),
            (13, "missing_field"),
        ]
    );
    let hits = set.lookup_ip("198.51.100.7");
    let feeds: Vec<&str> = hits.iter().filter_map(|i| i.meta.feed.as_deref()).collect();
    assert_eq!(feeds, vec!["other-feed", "abuse-feed"]);
    assert_eq!(set.lookup_ip("203.0.113.127")[0].meta.confidence, Some(85));
    assert!(set.lookup_ip("203.0.113.128").is_empty());
    assert_eq!(set.lookup_url("https://EVIL.example/a,b.php?x=1").len(), 1);
}

#[test]
fn csv_without_header_is_positional() {
    let (set, report) = IntelSet::from_csv(
        "ip,192.0.2.10\nhash,d41d8cd98f00b204e9800998ecf8427e,feed\n",
        "x.csv",
    );
    assert_eq!((report.accepted, report.rejected), (2, 0));
    assert_eq!(
        set.lookup_hash("D41D8CD98F00B204E9800998ECF8427E")[0].kind,
        IndicatorKind::Md5
    );
}

const LIST: &str = "\
# bad hosts, one per line
198.51.100.9
10.66.0.0/16     # a compromised lab subnet
hxxp://phish[.]example/login
evil[.]example
0.0.0.0 ads.tracker.example
2001:db8:bad::1
d41d8cd98f00b204e9800998ecf8427e
this is not an indicator
localhost
http://
0.0.0.0
";

#[test]
fn plain_list_inference_comments_and_rejects() {
    let (set, report) = IntelSet::from_list(LIST, "lists/bad.txt");
    assert_eq!(report.accepted, 7, "{report:#?}");
    assert_eq!(
        reasons(&report),
        vec![
            (9, "invalid_line"),
            (10, "invalid_domain"),
            (11, "invalid_url"),
            (12, "reserved_address"),
        ]
    );
    assert_eq!(set.lookup_url("http://phish.example/login").len(), 1);
    assert_eq!(set.lookup_domain("cdn.ads.tracker.example").len(), 1);
    assert_eq!(set.lookup_ip("10.66.3.4")[0].kind, IndicatorKind::Cidr);
}

// ---- intel: matching -----------------------------------------------------------------------

fn intel(text: &str) -> IntelSet {
    let mut builder = IntelSetBuilder::default();
    let report = builder.add_auto(text, "lists/test.txt");
    assert_eq!(report.rejected, 0, "{report:#?}");
    builder.build()
}

fn matches(set: &IntelSet, event: &Event) -> Vec<Alert> {
    let mut out = Vec::new();
    set.match_event(event, &mut out);
    out
}

#[test]
fn cidr_v4_and_v6_match_endpoints() {
    let set = intel("203.0.113.0/24\n2001:db8:bad::/48\n198.51.100.7\n");
    let alerts = matches(&set, &flow(DAY_MS, "10.0.0.5", "203.0.113.200", 443, 10));
    assert_eq!(ids(&alerts), vec!["vigil.intel.ip"]);
    let alert = &alerts[0];
    assert_eq!(alert.rule.level, "high");
    assert_eq!(field(alert, "dst_endpoint.ip"), Some("203.0.113.200"));
    assert_eq!(field(alert, "indicator.type"), Some("cidr"));
    assert_eq!(field(alert, "indicator.value"), Some("203.0.113.0/24"));
    assert_eq!(field(alert, "indicator.source"), Some("lists/test.txt"));
    assert_eq!(field(alert, "indicator.line"), Some("1"));
    let description = alert.rule.description.as_deref().unwrap_or_default();
    assert!(
        description.contains("`dst_endpoint.ip` = `203.0.113.200`"),
        "{description}"
    );
    assert!(description.contains("lists/test.txt"), "{description}");
    assert!(alert.entities.ips.contains("203.0.113.200"));

    let v6 = matches(
        &set,
        &flow(DAY_MS, "2001:db8:bad:1::5", "2001:db8::1", 22, 10),
    );
    assert_eq!(field(&v6[0], "src_endpoint.ip"), Some("2001:db8:bad:1::5"));
    assert!(matches(&set, &flow(DAY_MS, "10.0.0.5", "203.0.114.1", 443, 10)).is_empty());
    assert!(matches(&set, &flow(DAY_MS, "2001:db8:bae::1", "10.0.0.1", 443, 10)).is_empty());
    // The exact address and the network are two entries: two alerts.
    let both = intel("198.51.100.0/24\n198.51.100.7\n");
    assert_eq!(
        matches(&both, &flow(DAY_MS, "198.51.100.7", "10.0.0.1", 22, 1)).len(),
        2
    );
}

fn web_request(host: &str, url: &str) -> Event {
    let mut event = Event::new(ClassUid::HttpActivity, ActivityId(1), SourceType::CisHttp);
    event.time = DAY_MS;
    event.src_endpoint = endpoint("192.0.2.1", None);
    event.http_request = Some(Box::new(HttpRequest {
        url: Some(Url {
            url_string: Some(url.into()),
            hostname: Some(host.into()),
            ..Url::default()
        }),
        ..HttpRequest::default()
    }));
    event
}

#[test]
fn domains_match_themselves_and_subdomains_only() {
    let set = intel("evil.example\n");
    let sub = matches(
        &set,
        &web_request("A.B.Evil.Example.", "https://a.b.evil.example/x"),
    );
    assert_eq!(ids(&sub), vec!["vigil.intel.domain"]);
    assert_eq!(
        field(&sub[0], "http_request.url.hostname"),
        Some("A.B.Evil.Example.")
    );
    assert_eq!(
        matches(&set, &web_request("evil.example", "https://evil.example/")).len(),
        1
    );
    assert!(matches(
        &set,
        &web_request("notevil.example", "https://notevil.example/")
    )
    .is_empty());
    assert!(matches(
        &set,
        &web_request("evil.example.com", "https://evil.example.com/")
    )
    .is_empty());
    let mut dns_like = flow(DAY_MS, "10.0.0.5", "198.18.0.1", 443, 1);
    dns_like.dst_endpoint.as_mut().unwrap().hostname = Some("c2.evil.example".into());
    assert_eq!(
        field(&matches(&set, &dns_like)[0], "dst_endpoint.hostname"),
        Some("c2.evil.example")
    );
}

#[test]
fn urls_match_with_any_query_unless_the_indicator_has_one() {
    let set = intel("http://dropper.example/payload.bin\nhttps://c2.example/gate?id=7\n");
    let hit = matches(
        &set,
        &web_request("dropper.example", "https://dropper.example/payload.bin?v=2"),
    );
    assert_eq!(ids(&hit), vec!["vigil.intel.url"]);
    assert_eq!(
        field(&hit[0], "http_request.url"),
        Some("https://dropper.example/payload.bin?v=2")
    );
    assert_eq!(
        matches(
            &set,
            &web_request("c2.example", "http://c2.example/gate?id=7")
        )
        .len(),
        1
    );
    assert!(matches(
        &set,
        &web_request("c2.example", "http://c2.example/gate?id=8")
    )
    .is_empty());
    assert!(matches(
        &set,
        &web_request("dropper.example", "http://dropper.example/other")
    )
    .is_empty());
}

#[test]
fn file_hashes_match_in_any_case_in_evidences() {
    let set = intel("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n");
    let mut event = Event::new(
        ClassUid::DetectionFinding,
        ActivityId(1),
        SourceType::Sysdig,
    );
    event.time = DAY_MS;
    event.evidences.push(Evidence {
        file: Some(File {
            name: Some("x".into()),
            hashes: vec![Fingerprint {
                algorithm: Some("SHA-256".into()),
                value: Str::from(
                    "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
                ),
            }],
            ..File::default()
        }),
        ..Evidence::default()
    });
    let alerts = matches(&set, &event);
    assert_eq!(ids(&alerts), vec!["vigil.intel.file_hash"]);
    assert_eq!(
        field(&alerts[0], "evidences[0].file.hashes").map(str::len),
        Some(64)
    );
    assert_eq!(field(&alerts[0], "indicator.type"), Some("sha256"));
}

#[test]
fn one_value_from_two_sources_is_one_alert_naming_both() {
    let mut builder = IntelSetBuilder::new(IntelOptions {
        level: Level::Critical,
        ..IntelOptions::default()
    });
    builder.add_list("198.51.100.66\n", "a.txt");
    builder.add_stix(BUNDLE, "acme.json");
    let set = builder.build();
    let alerts = matches(&set, &flow(DAY_MS, "10.0.0.5", "198.51.100.66", 443, 1));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].rule.level, "critical");
    let sources: Vec<&str> = alerts[0].evidence[0]
        .matched_fields
        .iter()
        .filter(|(k, _)| k == "indicator.source")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(sources, vec!["acme.json", "a.txt"]);
    assert!(alerts[0]
        .rule
        .tags
        .contains(&"intel.malicious-activity".to_owned()));
}

#[test]
fn expired_indicators_match_only_earlier_events() {
    let (set, _) = IntelSet::from_stix(BUNDLE, "acme.json");
    let before = flow(DAY_MS + 11 * HOUR, "10.0.0.5", "192.0.2.99", 443, 1);
    let after = flow(DAY_MS + 13 * HOUR, "10.0.0.5", "192.0.2.99", 443, 1);
    assert_eq!(matches(&set, &before).len(), 1);
    assert!(matches(&set, &after).is_empty());
}

#[test]
fn a_real_cis_firewall_event_matches_its_client_ip() {
    let record = r#"{"Action":"block","ClientASN":14061,"ClientASNDescription":"DIGITALOCEAN-ASN","ClientCountry":"nl","ClientIP":"142.93.204.250","ClientRequestHost":"example.com","ClientRequestMethod":"GET","ClientRequestPath":"/Visitor/bin/WebStrings.srf","ClientRequestProtocol":"HTTP/1.1","ClientRequestQuery":"?file=..%2f..%2fwindows/win.ini","ClientRequestScheme":"https","ClientRequestUserAgent":"Mozilla/5.0","Datetime":"2022-05-08 10:19:15","EdgeColoCode":"AMS","EdgeResponseStatus":403,"Kind":"firewall","MatchIndex":0,"Metadata":{"ruleset_version":"65","type":"customer"},"OriginResponseStatus":0,"OriginatorRayID":"00","RayID":"708174c00f61faa8","RuleID":"e35c9a670b864a3ba0203ffb1bc977d1","Source":"firewallmanaged","Description":"Path traversal"}"#;
    let events = normalize(SourceType::CisFirewall, record);
    let set = intel("142.93.192.0/18\n");
    let alerts = matches(&set, &events[0]);
    assert_eq!(field(&alerts[0], "src_endpoint.ip"), Some("142.93.204.250"));
    assert_eq!(alerts[0].evidence[0].source_type, SourceType::CisFirewall);
}

#[test]
fn a_set_is_shared_by_reader_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<IntelSet>();
}
