//! Threat-intelligence matching and behavioural analytics throughput, one core.
//!
//! * `intel/load_100k`: parsing and indexing a 100,000-line CSV (IPs, networks, domains, URLs,
//!   hashes), indicators per second;
//! * `intel/match_100k/<mix>/<hot|cold>`: events per second against those 100,000 indicators:
//!   `flows` (Network Activity with source, destination and device IPs), `web` (HTTP Activity
//!   with a client IP, a URL and its host), `mixed` (8 flows, 1 web request, 1 runtime finding
//!   with a file hash); one event in a thousand is planted to hit, and random public addresses
//!   hit the networks a few times more. `hot` loops over 1,000 events that stay in cache, as an
//!   event does between its normalization and its matching in a pipeline; `cold` over 20,000
//!   events (tens of MB of boxed fields) whose every field read is a cache miss;
//! * `analytics/observe`: events per second through every analytic (beaconing, egress and
//!   API-rate baselines, first seen) over a mix of flows and API calls from 2,000 hosts and
//!   200 users.
//!
//! Before the timed runs, a counting allocator reports the heap bytes the 100,000-indicator
//! set holds.
//!
//! `cargo bench -p vigil-detect --bench analytics`

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigil_detect::analytics::{Analytics, AnalyticsOptions};
use vigil_detect::intel::{IntelSet, IntelSetBuilder};
use vigil_model::{
    ActivityId, Actor, Api, ClassUid, Endpoint, Event, Evidence, File, Fingerprint, HttpRequest,
    SourceType, StatusId, Traffic, Url, User,
};

/// Counts live heap bytes.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to `System` unchanged; the counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// 64-bit LCG: deterministic data without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 16
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn public_ipv4(&mut self) -> String {
        // 11.0.0.0 – 99.255.255.255: public, never in the default internal networks.
        let a = 11 + self.below(89);
        format!(
            "{a}.{}.{}.{}",
            self.below(256),
            self.below(256),
            self.below(256)
        )
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut out = String::with_capacity(digits);
        while out.len() < digits {
            let _ = write!(out, "{:016x}", self.next());
        }
        out.truncate(digits);
        out
    }
}

const DOMAIN_WORDS: [&str; 8] = [
    "cdn", "update", "api", "login", "secure", "files", "img", "mail",
];

/// 100,000 CSV lines: 40% IPs, 20% networks (/22 to /28; 1 in 10 IPv6), 25% domains, 10% URLs,
/// 5% hashes.
/// Returns the text and some listed values to plant in events.
fn indicators_csv() -> (String, Vec<String>, Vec<String>, Vec<String>) {
    let mut rng = Lcg(1);
    let mut csv = String::from("type,value,source,confidence\n");
    let (mut ips, mut domains, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..100_000u32 {
        let line = match i % 20 {
            0..=7 => {
                let ip = rng.public_ipv4();
                if i % 97 == 0 {
                    ips.push(ip.clone());
                }
                format!("ip,{ip},feed-a,80")
            }
            8..=11 => {
                if i % 10 == 8 {
                    format!("cidr,2001:db8:{:x}::/48,feed-b,60", rng.below(65_536))
                } else {
                    let prefix = 22 + rng.below(7);
                    let ip = rng.public_ipv4();
                    format!("cidr,{ip}/{prefix},feed-b,60")
                }
            }
            12..=16 => {
                let domain = format!("{}{}.example", DOMAIN_WORDS[i as usize % 8], rng.hex(8));
                if i % 53 == 0 {
                    domains.push(domain.clone());
                }
                format!("domain,{domain},feed-c,70")
            }
            17 | 18 => format!(
                "url,http://{}.example/{}/gate.php,feed-c,70",
                rng.hex(10),
                rng.hex(6)
            ),
            _ => {
                let hash = rng.hex(64);
                hashes.push(hash.clone());
                format!("sha256,{hash},feed-d,90")
            }
        };
        csv.push_str(&line);
        csv.push('\n');
    }
    (csv, ips, domains, hashes)
}

fn flow(rng: &mut Lcg, planted: &[String], hit: bool, time: i64) -> Event {
    let mut event = Event::new(
        ClassUid::NetworkActivity,
        ActivityId::TRAFFIC,
        SourceType::VpcFlowLog,
    );
    event.time = time;
    let src = format!("10.240.{}.{}", rng.below(8), rng.below(250));
    let dst = if hit {
        planted[rng.below(planted.len() as u64) as usize].clone()
    } else {
        rng.public_ipv4()
    };
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: Some(src.as_str().into()),
        port: Some(40_000),
        ..Endpoint::default()
    }));
    event.dst_endpoint = Some(Box::new(Endpoint {
        ip: Some(dst.as_str().into()),
        port: Some(443),
        ..Endpoint::default()
    }));
    event.device_mut().ip = Some("10.240.0.4".into());
    event.traffic = Some(Traffic {
        bytes_out: Some(rng.below(100_000)),
        bytes_in: Some(rng.below(100_000)),
        ..Traffic::default()
    });
    event
}

fn web(rng: &mut Lcg, planted: &[String], hit: bool, time: i64) -> Event {
    let mut event = Event::new(ClassUid::HttpActivity, ActivityId(1), SourceType::CisHttp);
    event.time = time;
    let host = if hit {
        format!("www.{}", planted[rng.below(planted.len() as u64) as usize])
    } else {
        format!("www.{}.example", rng.hex(8))
    };
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: Some(rng.public_ipv4().as_str().into()),
        ..Endpoint::default()
    }));
    event.dst_endpoint = Some(Box::new(Endpoint {
        hostname: Some(host.as_str().into()),
        ..Endpoint::default()
    }));
    event.http_request = Some(Box::new(HttpRequest {
        url: Some(Url {
            url_string: Some(format!("https://{host}/account/login?next=%2Fhome").into()),
            hostname: Some(host.as_str().into()),
            ..Url::default()
        }),
        ..HttpRequest::default()
    }));
    event
}

fn finding(rng: &mut Lcg, planted: &[String], hit: bool, time: i64) -> Event {
    let mut event = Event::new(ClassUid::DetectionFinding, ActivityId(1), SourceType::Falco);
    event.time = time;
    let hash = if hit {
        planted[rng.below(planted.len() as u64) as usize].clone()
    } else {
        rng.hex(64)
    };
    event.evidences.push(Evidence {
        file: Some(File {
            hashes: vec![Fingerprint {
                algorithm: Some("SHA-256".into()),
                value: hash.as_str().into(),
            }],
            ..File::default()
        }),
        ..Evidence::default()
    });
    event
}

fn events(
    kind: &str,
    count: i64,
    ips: &[String],
    domains: &[String],
    hashes: &[String],
) -> Vec<Event> {
    let mut rng = Lcg(9);
    (0..count)
        .map(|i| {
            let hit = i % 1_000 == 999;
            let time = 1_795_132_800_000 + i * 100;
            match (kind, i % 10) {
                ("flows", _) | ("mixed", 0..=7) => flow(&mut rng, ips, hit, time),
                ("web", _) | ("mixed", 8) => web(&mut rng, domains, hit, time),
                _ => finding(&mut rng, hashes, hit, time),
            }
        })
        .collect()
}

fn intel(c: &mut Criterion) {
    let (csv, ips, domains, hashes) = indicators_csv();
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    let (set, report) = IntelSet::from_csv(&csv, "bench.csv");
    let held = LIVE_BYTES.load(Ordering::Relaxed) - before;
    println!(
        "intel: {} indicators accepted, {} rejected; {:?}; the set holds {:.1} MB ({:.0} B an indicator)",
        report.accepted,
        report.rejected,
        set.stats(),
        held as f64 / 1e6,
        held as f64 / report.accepted as f64
    );

    let mut group = c.benchmark_group("intel");
    group.throughput(Throughput::Elements(100_000));
    group.sample_size(10);
    group.bench_function("load_100k", |b| {
        b.iter(|| {
            let mut builder = IntelSetBuilder::default();
            black_box(builder.add_csv(black_box(&csv), "bench.csv"));
            black_box(builder.build())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("intel/match_100k");
    for (kind, temperature, count) in [
        ("flows", "hot", 1_000),
        ("web", "hot", 1_000),
        ("mixed", "hot", 1_000),
        ("mixed", "cold", 20_000),
    ] {
        let events = events(kind, count, &ips, &domains, &hashes);
        let mut out = Vec::new();
        let hits: usize = events.iter().map(|e| set.match_event(e, &mut out)).sum();
        let name = format!("{kind}/{temperature}");
        println!(
            "intel/match_100k/{name}: {hits} alerts over {} events",
            events.len()
        );
        group.throughput(Throughput::Elements(events.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                for event in &events {
                    set.match_event(black_box(event), &mut out);
                }
                black_box(out.len())
            })
        });
    }
    group.finish();
}

fn api_call(rng: &mut Lcg, time: i64) -> Event {
    let mut event = Event::new(
        ClassUid::ApiActivity,
        ActivityId::READ,
        SourceType::ActivityTracker,
    );
    event.time = time;
    event.status_id = Some(StatusId::Success);
    let user = rng.below(200);
    event.actor = Some(Box::new(Actor {
        user: Some(User {
            uid: Some(format!("IBMid-{user:06}").into()),
            ..User::default()
        }),
        ..Actor::default()
    }));
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: Some(format!("198.51.100.{}", user % 50 + rng.below(2)).into()),
        ..Endpoint::default()
    }));
    event.api = Some(Box::new(Api {
        operation: format!("is.instance.op{}", rng.below(30)).into(),
        ..Api::default()
    }));
    event
}

fn analytics(c: &mut Criterion) {
    let mut rng = Lcg(5);
    // A day of traffic compressed: one event every 200 ms, 9 flows to 1 API call.
    let events: Vec<Event> = (0..50_000)
        .map(|i| {
            let time = 1_795_132_800_000 + i * 200;
            if i % 10 == 9 {
                api_call(&mut rng, time)
            } else {
                let mut event = flow(&mut rng, &[], false, time);
                let src = format!("10.240.{}.{}", rng.below(8), rng.below(250));
                event.src_endpoint.as_mut().expect("set by flow").ip = Some(src.into());
                event
            }
        })
        .collect();
    let mut group = c.benchmark_group("analytics");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("observe", |b| {
        b.iter(|| {
            let mut engine =
                Analytics::new(AnalyticsOptions::default()).expect("the defaults are valid");
            let mut out = Vec::new();
            for event in &events {
                engine.observe(black_box(event), &mut out);
            }
            black_box((out.len(), engine.stats()))
        })
    });
    group.finish();
}

criterion_group!(benches, intel, analytics);
criterion_main!(benches);
