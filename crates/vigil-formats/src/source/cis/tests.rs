use std::sync::Arc;

use proptest::prelude::*;
use serde_json::json;
use vigil_model::{ActionId, ClassUid, DispositionId, Rejection, SeverityId};

use super::*;
use crate::source::jsonutil::tests::arb_json;

type Normalizer = fn(&Record, &Context, &mut Output);

fn run_at(normalize: Normalizer, path: &str, json: &str) -> (Vec<Event>, Vec<Rejection>) {
    let ctx = Context {
        path: Arc::from(path),
        reference_time_ms: 1_700_000_000_000,
    };
    let mut out = Output::default();
    normalize(&Record::new("cis.log", json.to_owned()), &ctx, &mut out);
    (out.events, out.rejections)
}

fn one(normalize: Normalizer, json: &str) -> Event {
    let (mut events, rejections) = run_at(normalize, "logs/20220531/x.log.gz", json);
    assert!(rejections.is_empty(), "{rejections:?}");
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn rejected(normalize: Normalizer, path: &str, json: &str) -> Rejection {
    let (events, mut rejections) = run_at(normalize, path, json);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(rejections.len(), 1);
    rejections.remove(0)
}

const FIREWALL_BLOCK: &str = r#"{"Action":"block","ClientASN":14061,"ClientASNDescription":"DIGITALOCEAN-ASN","ClientCountry":"nl","ClientIP":"142.93.204.250","ClientRequestHost":"example.com","ClientRequestMethod":"GET","ClientRequestPath":"/Visitor/bin/WebStrings.srf","ClientRequestProtocol":"HTTP/1.1","ClientRequestQuery":"?file=..%2f..%2fwindows/win.ini","ClientRequestScheme":"https","ClientRequestUserAgent":"Mozilla/5.0","ClientRefererHost":"www.example.com","ClientRefererPath":"/a","ClientRefererQuery":"?b=c","ClientRefererScheme":"https","Datetime":"2022-05-08 10:19:15","EdgeColoCode":"AMS","EdgeResponseStatus":403,"Kind":"firewall","MatchIndex":0,"Metadata":{"ruleset_version":"65","type":"customer"},"OriginResponseStatus":0,"OriginatorRayID":"00","RayID":"708174c00f61faa8","RuleID":"e35c9a670b864a3ba0203ffb1bc977d1","Source":"firewallmanaged","Description":"Path traversal"}"#;

#[test]
fn firewall_block_is_a_denied_http_activity() {
    let event = one(normalize_firewall, FIREWALL_BLOCK);
    assert_eq!(event.class_uid, ClassUid::HttpActivity);
    assert_eq!(event.activity_id.0, 3);
    assert_eq!(event.disposition_id, Some(DispositionId::BLOCKED));
    assert_eq!(event.action_id, Some(ActionId::Denied));
    assert_eq!(event.severity_id, SeverityId::Medium);
    assert_eq!(
        event.metadata.correlation_uid.as_deref(),
        Some("708174c00f61faa8")
    );
    assert_eq!(event.time, 1_652_005_155_000);
    let request = event.http_request.as_ref().unwrap();
    assert_eq!(
        request.referrer.as_deref(),
        Some("https://www.example.com/a?b=c")
    );
    let url = request.url.as_ref().unwrap();
    assert_eq!(
        url.query_string.as_deref(),
        Some("file=..%2f..%2fwindows/win.ini")
    );
    assert_eq!(
        url.url_string.as_deref(),
        Some("https://example.com/Visitor/bin/WebStrings.srf?file=..%2f..%2fwindows/win.ini")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn timestamps_in_all_five_shapes() {
    const MS: i64 = 1_653_485_126_000; // 2022-05-25T13:25:26Z
    for start in [
        json!(1_653_485_126_000_000_000_u64),
        json!(1_653_485_126),
        json!("2022-05-25T13:25:26Z"),
        json!("1653485126000000000"),
        json!("1653485126"),
        json!("2022-05-25 13:25:26"),
    ] {
        let record = json!({"RayID": "r", "EdgeStartTimestamp": start,
            "EdgeEndTimestamp": "2022-05-25T13:25:32Z"});
        let event = one(normalize_http, &record.to_string());
        assert_eq!(event.time, MS, "{start}");
        assert_eq!(event.end_time, Some(MS + 6000));
        assert_eq!(event.duration, Some(6000));
        let record = json!({"RayID": "r", "Datetime": start});
        assert_eq!(
            one(normalize_firewall, &record.to_string()).time,
            MS,
            "{start}"
        );
    }
    let event = one(normalize_http, r#"{"RayID":"r"}"#);
    assert_eq!(event.time, 1_700_000_000_000);
    assert_eq!(event.unmapped["time_missing"], json!(true));
}

#[test]
fn invalid_ipv4_from_ibm_docs_is_kept() {
    let event = one(
        normalize_http,
        r#"{"ClientIP":"68.278.11.89","ClientRequestHost":"testing.logpull.com","ClientRequestMethod":"GET","ClientRequestURI":"/var/www","EdgeEndTimestamp":1545155129703000000,"EdgeResponseBytes":1935,"EdgeResponseStatus":403,"EdgeStartTimestamp":1545155129696000000,"RayID":"48b371889c489b2c"}"#,
    );
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("68.278.11.89")
    );
    assert_eq!(event.http_response.as_ref().unwrap().code, Some(403));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn logpush_test_and_ownership_records_are_rejected_visibly() {
    for normalize in [normalize_http as Normalizer, normalize_firewall] {
        let r = rejected(normalize, "bucket/test.txt.gz", r#"{"content":"tests"}"#);
        assert_eq!(r.reason, "logpush_test_record");
        let r = rejected(
            normalize,
            "bucket/ownership-challenge-7a1b.txt",
            r#"{"x":1}"#,
        );
        assert_eq!(r.reason, "logpush_test_record");
        assert!(
            r.detail.contains("ownership-challenge-7a1b.txt"),
            "{}",
            r.detail
        );
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJkZXN0IjoiczMifQ.c2lnbmF0dXJlK3Rva2Vu/x==";
        let r = rejected(normalize, "bucket/x.txt", token);
        assert_eq!(r.reason, "logpush_test_record");
        assert_eq!(
            rejected(normalize, "b/x", "12345678901234567890").reason,
            "not_an_object"
        );
        assert_eq!(
            rejected(normalize, "b/x", "short-junk").reason,
            "invalid_json"
        );
        assert_eq!(
            rejected(normalize, "b/x", r#"{"foo":1}"#).reason,
            "missing_field"
        );
        let r = rejected(normalize, "b/x", "{\"RayID\":\"a\",\n \"ClientIP\" }");
        assert_eq!(r.reason, "invalid_json");
        assert!(r.detail.contains("line 2"), "{}", r.detail);
    }
}

#[test]
fn action_words_to_dispositions() {
    for (word, id, action) in [
        ("block", 2, ActionId::Denied),
        ("challenge", 23, ActionId::Denied),
        ("jschallenge", 23, ActionId::Denied),
        ("managed_challenge", 23, ActionId::Denied),
        ("managedchallenge", 23, ActionId::Denied),
        ("log", 17, ActionId::Allowed),
        ("allow", 1, ActionId::Allowed),
        ("bypass", 1, ActionId::Allowed),
        ("skip", 1, ActionId::Allowed),
        ("connectionclose", 21, ActionId::Denied),
        ("challengesolved", 1, ActionId::Allowed),
        ("jschallengebypassed", 1, ActionId::Allowed),
        (
            "managed_challenge_non_interactive_solved",
            1,
            ActionId::Allowed,
        ),
        ("drop", 6, ActionId::Denied),
        ("something_new", 99, ActionId::Other),
    ] {
        assert_eq!(disposition(word), (DispositionId(id), action), "{word}");
    }
    assert_eq!(
        first_action(&[&Scalar::Str("unknown".into()), &Scalar::Str("".into())]),
        None
    );
    assert_eq!(
        first_action(&[
            &Scalar::Str("unknown_action".into()),
            &Scalar::Str("log".into())
        ]),
        Some("log")
    );
}

#[test]
fn methods_to_activities() {
    for (method, id) in [
        ("CONNECT", 1),
        ("DELETE", 2),
        ("GET", 3),
        ("HEAD", 4),
        ("OPTIONS", 5),
        ("POST", 6),
        ("PUT", 7),
        ("TRACE", 8),
        ("PATCH", 9),
        ("PURGE", 99),
    ] {
        assert_eq!(http_activity(Some(method)).0 .0, id, "{method}");
    }
    assert_eq!(http_activity(Some("PURGE")).1.as_deref(), Some("PURGE"));
    assert_eq!(http_activity(None), (ActivityId::UNKNOWN, None));
}

#[test]
fn waf_attack_score_gives_the_risk_score() {
    let event = one(
        normalize_http,
        r#"{"RayID":"r","WAFAttackScore":12,"BotScore":"3"}"#,
    );
    assert_eq!(event.risk_score, Some(88));
    assert_eq!(event.unmapped["WAFAttackScore"], json!(12));
    assert_eq!(event.unmapped["BotScore"], json!("3"));
    let event = one(normalize_http, r#"{"RayID":"r","WAFAttackScore":0}"#);
    assert_eq!(event.risk_score, None);
}

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/cis-logpush"
);

#[test]
fn every_real_sample_normalizes() {
    let files = [
        "ibm-cis-docs-logpull-http_requests.ndjson",
        "elastic-cloudflare_logpush-firewall_event.ndjson",
        "elastic-cloudflare_logpush-http_request-subset.ndjson",
        "panther-analysis-cloudflare-firewall_events.ndjson",
        "panther-analysis-cloudflare-http_requests.ndjson",
    ];
    let mut all = std::collections::BTreeMap::new();
    for file in files {
        let path = format!("{SAMPLES}/{file}");
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("skipped: shared samples not found at {path}");
            return;
        };
        let normalize: Normalizer = if file.contains("firewall") {
            normalize_firewall
        } else {
            normalize_http
        };
        let mut events = Vec::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let (mut got, rejections) = run_at(normalize, &path, line);
            assert!(rejections.is_empty(), "{file}:{}: {rejections:?}", n + 1);
            let event = got.remove(0);
            assert!(
                event.unmapped.get("time_missing").is_none(),
                "{file}:{}",
                n + 1
            );
            for attribute in event.class_uid.required_attributes() {
                assert!(!event.to_json()[attribute].is_null(), "{file}:{}", n + 1);
            }
            events.push(event);
        }
        all.insert(file, events);
    }
    let elastic_firewall = &all["elastic-cloudflare_logpush-firewall_event.ndjson"];
    // The same event with Datetime as RFC 3339, unix seconds and unix ns strings.
    assert!(elastic_firewall[..3]
        .iter()
        .all(|e| e.time == 1_653_974_623_000));
    insta::assert_json_snapshot!(
        "sample_elastic_firewall_block",
        elastic_firewall[0].to_json()
    );
    insta::assert_json_snapshot!(
        "sample_elastic_http_request",
        all["elastic-cloudflare_logpush-http_request-subset.ndjson"][0].to_json()
    );
    insta::assert_json_snapshot!(
        "sample_panther_firewall_l7ddos_skip",
        all["panther-analysis-cloudflare-firewall_events.ndjson"][0].to_json()
    );
    insta::assert_json_snapshot!(
        "sample_panther_http_request",
        all["panther-analysis-cloudflare-http_requests.ndjson"][0].to_json()
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for normalize in [normalize_http as Normalizer, normalize_firewall] {
            let mut out = Output::default();
            normalize(&Record::new("p", bytes.clone()), &Context::default(), &mut out);
            prop_assert_eq!(out.events.len() + out.rejections.len(), 1);
        }
    }

    #[test]
    fn arbitrary_logpush_shaped_objects_never_panic(value in arb_json(2), text in ".{0,24}") {
        let record = json!({"RayID": value.clone(), "ClientIP": text.clone(),
            "EdgeStartTimestamp": value.clone(), "Datetime": text.clone(),
            "ClientRequestURI": text.clone(), "ClientRequestScheme": value.clone(),
            "ClientRequestHost": text.clone(), "ClientRequestMethod": text.clone(),
            "SecurityAction": text.clone(), "SecurityActions": value.clone(),
            "ClientRefererHost": text.clone(), "ClientRefererQuery": text.clone(),
            "ClientSrcPort": value.clone(), "ClientASN": value.clone(),
            "WAFAttackScore": value.clone(), "Action": text});
        for normalize in [normalize_http as Normalizer, normalize_firewall] {
            let mut out = Output::default();
            normalize(&Record::new("p", record.to_string()), &Context::default(), &mut out);
            prop_assert_eq!(out.events.len() + out.rejections.len(), 1);
        }
    }
}
