//! Behavioural analytics end to end: beaconing, hourly baselines and first-seen detections
//! over events built in place or through the real normalizers, fed as events or as
//! observations, and the alerts they give. Threat-intelligence loading and matching are tested
//! in `src/intel/tests.rs`.

use std::sync::Arc;

use vigil_detect::alert::Alert;
use vigil_detect::analytics::{Analytics, AnalyticsError, AnalyticsOptions, Observation};
use vigil_formats::{Context, Output, Record};
use vigil_model::{
    ActivityId, Actor, Api, AutonomousSystem, ClassUid, Endpoint, Event, HttpRequest, Location,
    SourceType, StatusId, Traffic, Url, User,
};
use vigil_sigma::ast::Level;

/// 2026-11-20T00:00:00Z.
const DAY_MS: i64 = 1_795_132_800_000;
const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

// ---- events ------------------------------------------------------------------------------

fn endpoint(ip: &str, port: Option<u16>) -> Option<Box<Endpoint>> {
    Some(Box::new(Endpoint {
        ip: Some(ip.into()),
        port,
        ..Endpoint::default()
    }))
}

/// A connection from `src` to `dst:port` at `time` sending `bytes_out`.
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
        bytes_in: Some(1_000),
        ..Traffic::default()
    });
    event
}

/// An API call by `user` from `ip` (optionally with a country) at `time`.
fn api_call(time: i64, user: &str, ip: &str, country: Option<&str>, operation: &str) -> Event {
    let mut event = Event::new(
        ClassUid::ApiActivity,
        ActivityId::READ,
        SourceType::ActivityTracker,
    );
    event.time = time;
    event.status_id = Some(StatusId::Success);
    event.actor = Some(Box::new(Actor {
        user: Some(User {
            uid: Some(user.into()),
            ..User::default()
        }),
        ..Actor::default()
    }));
    let mut src = Endpoint {
        ip: Some(ip.into()),
        ..Endpoint::default()
    };
    if let Some(country) = country {
        src.location = Some(Location {
            country: Some(country.into()),
            ..Location::default()
        });
        src.autonomous_system = Some(AutonomousSystem {
            number: Some(if country == "US" { 36351 } else { 14061 }),
            name: None,
        });
    }
    event.src_endpoint = Some(Box::new(src));
    event.api = Some(Box::new(Api {
        operation: operation.into(),
        ..Api::default()
    }));
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

/// An Activity Tracker record of `action` by `user` from `ip` at `DAY_MS + offset`.
fn at_record(offset: i64, user: &str, ip: &str, action: &str, outcome: &str) -> String {
    let seconds = offset / SECOND;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!(
        r#"{{"eventTime":"2026-11-20T{h:02}:{m:02}:{s:02}.00+0000","action":"{action}","outcome":"{outcome}","message":"m","severity":"normal","dataEvent":false,"initiator":{{"id":"{user}","name":"{user}@example.com","typeURI":"service/security/account/user","credential":{{"type":"token"}},"host":{{"address":"{ip}","addressType":"IPv4","agent":"ibmcloud-cli/2.31.0"}}}},"target":{{"id":"crn:v1:bluemix:public:is:us-south:a/7f3c2a91d0b84e6fa1c5e2d9b8a4f610::instance:0717_1","name":"x","typeURI":"is.instance/instance"}},"observer":{{"name":"ActivityTracker"}},"reason":{{"reasonCode":200,"reasonType":"OK"}},"logSourceCRN":"crn:v1:bluemix:public:is:us-south:a/7f3c2a91d0b84e6fa1c5e2d9b8a4f610:::","saveServiceCopy":true,"id":"x","correlationId":"y"}}"#
    )
}

/// A deterministic pseudo-random sequence (64-bit LCG), for jitter and random intervals.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }
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

// ---- events for web requests --------------------------------------------------------

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

// ---- beaconing -----------------------------------------------------------------------------

fn run(analytics: &mut Analytics, events: &[Event]) -> Vec<Alert> {
    let mut out = Vec::new();
    for event in events {
        analytics.observe(event, &mut out);
    }
    out
}

fn analytics() -> Analytics {
    Analytics::new(AnalyticsOptions::default()).unwrap()
}

#[test]
fn beaconing_every_60s_with_1s_jitter_alerts_once() {
    let mut lcg = Lcg(7);
    let events: Vec<Event> = (0..30)
        .map(|i| {
            let at = DAY_MS + i * MINUTE + lcg.between(-SECOND, SECOND);
            flow(at, "10.240.0.5", "203.0.113.10", 443, 900)
        })
        .collect();
    let mut engine = analytics();
    let alerts = run(&mut engine, &events);
    assert_eq!(ids(&alerts), vec!["vigil.analytics.beaconing"]);
    let alert = &alerts[0];
    assert_eq!(alert.rule.level, "medium");
    let correlation = alert.correlation.as_ref().unwrap();
    assert_eq!(correlation.kind, "beaconing");
    assert_eq!(correlation.events, 8);
    assert!(
        (correlation.value - 60.0).abs() < 1.0,
        "{}",
        correlation.value
    );
    assert_eq!(alert.time, events[7].time);
    assert_eq!(field(alert, "destination"), Some("203.0.113.10:443"));
    assert!(alert.entities.ips.contains("10.240.0.5"));
    assert_eq!(engine.stats().beacon_alerts, 1);
}

#[test]
fn random_intervals_do_not_beacon() {
    let mut lcg = Lcg(42);
    let mut at = DAY_MS;
    let events: Vec<Event> = (0..200)
        .map(|_| {
            at += lcg.between(10 * SECOND, 20 * MINUTE);
            flow(at, "10.240.0.5", "203.0.113.10", 443, 900)
        })
        .collect();
    assert!(run(&mut analytics(), &events).is_empty());
}

#[test]
fn regular_traffic_that_is_not_beaconing() {
    let every_minute = |src: &str, dst: &str, port: u16| -> Vec<Event> {
        (0..30)
            .map(|i| flow(DAY_MS + i * MINUTE, src, dst, port, 100))
            .collect()
    };
    // East-west (internal to internal), inbound, NTP, and sub-10-second chatter.
    assert!(run(
        &mut analytics(),
        &every_minute("10.240.0.5", "10.240.1.9", 443)
    )
    .is_empty());
    assert!(run(
        &mut analytics(),
        &every_minute("203.0.113.10", "10.240.0.5", 443)
    )
    .is_empty());
    assert!(run(
        &mut analytics(),
        &every_minute("10.240.0.5", "203.0.113.10", 123)
    )
    .is_empty());
    let chatter: Vec<Event> = (0..200)
        .map(|i| {
            flow(
                DAY_MS + i * 3 * SECOND,
                "10.240.0.5",
                "203.0.113.10",
                443,
                1,
            )
        })
        .collect();
    assert!(run(&mut analytics(), &chatter).is_empty());
    // One long connection reported in one-minute flow log windows is not a beacon.
    let windows: Vec<Event> = (0..30)
        .map(|i| {
            let mut event = flow(DAY_MS + i * MINUTE, "10.240.0.5", "203.0.113.10", 443, 1);
            event.set_unmapped("was_initiated", serde_json::Value::Bool(i == 0));
            event
        })
        .collect();
    assert!(run(&mut analytics(), &windows).is_empty());
}

/// `2026-11-20Thh:mm:ssZ` of `DAY_MS + offset`.
fn rfc3339(offset: i64) -> String {
    let seconds = offset / SECOND;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!("2026-11-20T{h:02}:{m:02}:{s:02}Z")
}

/// A VPC flow log object with one flow record of a connection opened at `DAY_MS + offset`
/// (or, when `opened` is false, a later window of it).
fn flow_log_object(offset: i64, target: &str, opened: bool) -> String {
    let (start, end) = (rfc3339(offset), rfc3339(offset + 2 * SECOND));
    let window = if opened {
        format!(r#""start_time":"{start}","end_time":"{end}","connection_start_time":"{start}","#)
    } else {
        r#""start_time":"","end_time":"","#.to_owned()
    };
    format!(
        r#"{{"version":"0.0.1","collector_crn":"crn:v1:bluemix:public:is:us-south:a/7f3c2a91d0b84e6fa1c5e2d9b8a4f610::flow-log-collector:r006-1","attached_endpoint_type":"vnic","network_interface_id":"0717-1","instance_crn":"crn:v1:bluemix:public:is:us-south-1:a/7f3c2a91d0b84e6fa1c5e2d9b8a4f610::instance:0717_1","vpc_crn":"crn:v1:bluemix:public:is:us-south:a/7f3c2a91d0b84e6fa1c5e2d9b8a4f610::vpc:r006-2","capture_start_time":"{start}","capture_end_time":"{end}","state":"ok","number_of_flow_logs":1,"flow_logs":[{{{window}"direction":"O","action":"accepted","initiator_ip":"10.240.64.12","target_ip":"{target}","initiator_port":52000,"target_port":8443,"transport_protocol":6,"ether_type":"IPv4","was_initiated":{opened},"was_terminated":true,"bytes_from_initiator":420,"packets_from_initiator":5,"bytes_from_target":1900,"packets_from_target":5}}]}}"#
    )
}

#[test]
fn a_beacon_in_real_vpc_flow_logs() {
    let mut lcg = Lcg(11);
    let mut events = Vec::new();
    for i in 0..12 {
        let at = i * 5 * MINUTE + lcg.between(-2 * SECOND, 2 * SECOND) + HOUR;
        events.extend(normalize(
            SourceType::VpcFlowLog,
            &flow_log_object(at, "185.234.72.19", true),
        ));
    }
    let alerts = run(&mut analytics(), &events);
    assert_eq!(ids(&alerts), vec!["vigil.analytics.beaconing"]);
    assert_eq!(field(&alerts[0], "destination"), Some("185.234.72.19:8443"));
    assert_eq!(alerts[0].evidence[0].source_type, SourceType::VpcFlowLog);
    // The same times as windows of one connection opened earlier: no beacon.
    let windows: Vec<Event> = (0..12)
        .flat_map(|i| {
            normalize(
                SourceType::VpcFlowLog,
                &flow_log_object(HOUR + i * 5 * MINUTE, "185.234.72.19", i == 0),
            )
        })
        .collect();
    assert!(run(&mut analytics(), &windows).is_empty());
}

#[test]
fn beacons_to_a_domain_are_one_pair_whatever_the_address() {
    let events: Vec<Event> = (0..10)
        .map(|i| {
            let mut event = web_request("Updates.C2.example", "https://updates.c2.example/poll");
            event.class_uid = ClassUid::HttpActivity;
            event.time = DAY_MS + i * 5 * MINUTE;
            event.src_endpoint = endpoint("10.240.0.7", Some(50_000));
            event.dst_endpoint = endpoint(&format!("198.51.100.{}", i % 3 + 1), Some(443));
            event
        })
        .collect();
    let alerts = run(&mut analytics(), &events);
    assert_eq!(ids(&alerts), vec!["vigil.analytics.beaconing"]);
    assert_eq!(field(&alerts[0], "destination"), Some("updates.c2.example"));
}

#[test]
fn beacon_pairs_are_bounded_and_evictions_counted() {
    let mut options = AnalyticsOptions::default();
    options.beaconing.max_pairs = 64;
    let mut engine = Analytics::new(options).unwrap();
    let events: Vec<Event> = (0..1_000)
        .map(|i| {
            flow(
                DAY_MS + i * SECOND,
                "10.240.0.5",
                &format!("198.51.{}.{}", i / 250, i % 250),
                443,
                1,
            )
        })
        .collect();
    run(&mut engine, &events);
    let stats = engine.stats();
    assert!(stats.beacon_pairs <= 64);
    assert_eq!(
        stats.beacon_pairs as u64 + stats.beacon_pairs_evicted,
        1_000
    );
}

// ---- baselines -------------------------------------------------------------------------------

/// `hours` hours of egress from 10.240.0.5, about `per_hour` bytes an hour in 12 flows, then
/// one hour of `last_hour` bytes.
fn egress_day(hours: i64, per_hour: u64, last_hour: u64) -> Vec<Event> {
    let mut lcg = Lcg(3);
    let mut events = Vec::new();
    for hour in 0..=hours {
        let total = if hour == hours { last_hour } else { per_hour };
        for flow_index in 0..12 {
            let noise = lcg.between(90, 110) as u64;
            // Irregular times: this is a busy host, not a beacon.
            let at = DAY_MS + hour * HOUR + flow_index * 5 * MINUTE + lcg.between(0, 4 * MINUTE);
            events.push(flow(
                at,
                "10.240.0.5",
                "198.51.100.20",
                443,
                total / 12 * noise / 100,
            ));
        }
    }
    events
}

#[test]
fn an_egress_spike_after_learning_alerts_once_in_its_hour() {
    let mut engine = analytics();
    let alerts = run(&mut engine, &egress_day(10, 120_000_000, 2_000_000_000));
    assert_eq!(ids(&alerts), vec!["vigil.analytics.egress_volume"]);
    let alert = &alerts[0];
    let correlation = alert.correlation.as_ref().unwrap();
    assert_eq!(correlation.kind, "baseline");
    assert_eq!(correlation.window_start, DAY_MS + 10 * HOUR);
    assert!(correlation.value > 360_000_000.0);
    assert_eq!(field(alert, "src_endpoint.ip"), Some("10.240.0.5"));
    // The alert comes when the running total crosses the threshold, not at the hour's end.
    assert!(
        alert.time < DAY_MS + 10 * HOUR + 30 * MINUTE,
        "{}",
        alert.time
    );
    assert_eq!(engine.stats().egress_alerts, 1);
}

#[test]
fn usual_egress_and_spikes_during_learning_do_not_alert() {
    assert!(run(&mut analytics(), &egress_day(10, 120_000_000, 150_000_000)).is_empty());
    // The spike falls in the sixth hour: still learning.
    assert!(run(&mut analytics(), &egress_day(5, 120_000_000, 2_000_000_000)).is_empty());
    // Below the 50 MB floor a tenfold increase is not worth an alert.
    assert!(run(&mut analytics(), &egress_day(10, 1_000_000, 10_000_000)).is_empty());
}

#[test]
fn an_api_call_burst_alerts() {
    let mut events = Vec::new();
    for hour in 0..9 {
        for call in 0..20 {
            events.push(api_call(
                DAY_MS + hour * HOUR + call * MINUTE,
                "IBMid-1",
                "198.51.100.23",
                None,
                "is.instance.list",
            ));
        }
    }
    for call in 0..400 {
        events.push(api_call(
            DAY_MS + 9 * HOUR + call * 5 * SECOND,
            "IBMid-1",
            "198.51.100.23",
            None,
            "is.instance.list",
        ));
    }
    let alerts = run(&mut analytics(), &events);
    assert_eq!(ids(&alerts), vec!["vigil.analytics.api_call_rate"]);
    assert!(alerts[0].entities.users.contains("IBMid-1"));
    assert_eq!(alerts[0].correlation.as_ref().unwrap().value, 101.0);
}

// ---- first seen --------------------------------------------------------------------------------

/// A user's routine: `hours` hours of calls from one address and country.
fn routine(hours: i64) -> Vec<Event> {
    (0..hours * 4)
        .map(|i| {
            api_call(
                DAY_MS + i * 15 * MINUTE,
                "IBMid-7",
                "198.51.100.23",
                Some("US"),
                "is.instance.list",
            )
        })
        .collect()
}

#[test]
fn a_new_ip_and_country_after_learning_alert() {
    let mut events = routine(8);
    events.push(api_call(
        DAY_MS + 8 * HOUR,
        "IBMid-7",
        "45.155.205.1",
        Some("RU"),
        "is.instance.list",
    ));
    events.push(api_call(
        DAY_MS + 8 * HOUR + MINUTE,
        "IBMid-7",
        "45.155.205.1",
        Some("RU"),
        "is.instance.list",
    ));
    let alerts = run(&mut analytics(), &events);
    assert_eq!(
        ids(&alerts),
        vec![
            "vigil.analytics.first_seen.source_ip",
            "vigil.analytics.first_seen.country",
            "vigil.analytics.first_seen.asn",
        ]
    );
    let country = &alerts[1];
    assert_eq!(country.rule.level, "medium");
    assert_eq!(field(country, "src_endpoint.location.country"), Some("RU"));
    assert_eq!(field(country, "first_seen.known_values"), Some("1"));
    assert_eq!(alerts[0].rule.level, "low");
    assert!(alerts[0].entities.ips.contains("45.155.205.1"));
}

#[test]
fn new_values_during_learning_do_not_alert() {
    let mut events = routine(4);
    events.push(api_call(
        DAY_MS + 4 * HOUR,
        "IBMid-7",
        "45.155.205.1",
        Some("RU"),
        "is.instance.list",
    ));
    events.push(api_call(
        DAY_MS + 4 * HOUR + MINUTE,
        "IBMid-7",
        "45.155.205.1",
        Some("RU"),
        "iam.policy.create",
    ));
    assert!(run(&mut analytics(), &events).is_empty());
    // A user first seen after the global learning has its own: no alert on its second address.
    let mut late = routine(8);
    late.push(api_call(
        DAY_MS + 8 * HOUR,
        "IBMid-new",
        "192.0.2.1",
        Some("US"),
        "is.instance.list",
    ));
    late.push(api_call(
        DAY_MS + 8 * HOUR + MINUTE,
        "IBMid-new",
        "192.0.2.2",
        Some("DE"),
        "is.instance.list",
    ));
    assert!(run(&mut analytics(), &late).is_empty());
}

#[test]
fn failed_actions_neither_teach_nor_alert() {
    let mut events = routine(8);
    let mut failed = api_call(
        DAY_MS + 8 * HOUR,
        "IBMid-7",
        "45.155.205.1",
        Some("US"),
        "is.instance.list",
    );
    failed.status_id = Some(StatusId::Failure);
    events.push(failed);
    let mut engine = analytics();
    assert!(run(&mut engine, &events).is_empty());
    let success = api_call(
        DAY_MS + 8 * HOUR + MINUTE,
        "IBMid-7",
        "45.155.205.1",
        Some("US"),
        "is.instance.list",
    );
    assert_eq!(
        ids(&run(&mut engine, &[success])),
        vec!["vigil.analytics.first_seen.source_ip"]
    );
}

#[test]
fn a_new_api_action_after_learning_alerts_once() {
    let mut events = routine(8);
    for offset in [0, MINUTE] {
        events.push(api_call(
            DAY_MS + 8 * HOUR + offset,
            "IBMid-7",
            "198.51.100.23",
            Some("US"),
            "iam-identity.user-apikey.create",
        ));
    }
    let alerts = run(&mut analytics(), &events);
    assert_eq!(ids(&alerts), vec!["vigil.analytics.first_seen.api_action"]);
    assert_eq!(
        field(&alerts[0], "api.operation"),
        Some("iam-identity.user-apikey.create")
    );
}

#[test]
fn real_activity_tracker_records_new_source_ip() {
    let mut events = Vec::new();
    for i in 0..40 {
        let record = at_record(
            i * 15 * MINUTE,
            "IBMid-6650003AXY",
            "198.51.100.23",
            "is.instance.list",
            "success",
        );
        events.extend(normalize(SourceType::ActivityTracker, &record));
    }
    let record = at_record(
        10 * HOUR + 7 * MINUTE,
        "IBMid-6650003AXY",
        "185.220.101.4",
        "is.instance.list",
        "success",
    );
    events.extend(normalize(SourceType::ActivityTracker, &record));
    // Through observations, as a parallel reader would feed them.
    let observations: Vec<Observation> =
        events.iter().filter_map(Observation::from_event).collect();
    let mut engine = analytics();
    let mut alerts = Vec::new();
    for observation in &observations {
        engine.observe_observation(observation, &mut alerts);
    }
    assert_eq!(ids(&alerts), vec!["vigil.analytics.first_seen.source_ip"]);
    assert!(alerts[0].entities.users.contains("IBMid-6650003AXY"));
    assert_eq!(
        alerts[0].evidence[0].source_type,
        SourceType::ActivityTracker
    );
    assert_eq!(engine.stats().first_seen_entities, 1);
}

// ---- options -------------------------------------------------------------------------------

#[test]
fn impossible_options_are_refused_with_their_name() {
    let mut options = AnalyticsOptions::default();
    options.beaconing.history = 4;
    let Err(AnalyticsError::InvalidOption { option, .. }) = Analytics::new(options) else {
        panic!("accepted a history shorter than min_connections");
    };
    assert_eq!(option, "beaconing.history");
    let mut options = AnalyticsOptions::default();
    options.api_rate.min_history_hours = 0;
    let error = Analytics::new(options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid analytics option `api_rate.min_history_hours`: must be at least 1"
    );
}

#[test]
fn options_deserialize_with_units_and_levels() {
    let options: AnalyticsOptions = serde_json::from_value(serde_json::json!({
        "learning_period_ms": 604_800_000,
        "internal_networks": ["10.0.0.0/8"],
        "beaconing": {"max_cv": 0.2, "level": "high"},
        "first_seen": {"country_level": "high"}
    }))
    .unwrap();
    assert_eq!(options.beaconing.level, Level::High);
    assert_eq!(options.beaconing.min_connections, 8);
    let unknown = serde_json::from_value::<AnalyticsOptions>(serde_json::json!({"beacon": {}}));
    assert!(unknown.is_err());
}

#[test]
fn the_engine_moves_between_threads() {
    fn movable<T: Send>() {}
    movable::<Analytics>();
    movable::<Observation>();
}
