//! IBM Cloud Internet Services (Cloudflare) Logpush: `firewall_events` and `http_requests`,
//! one JSON object per line.
//!
//! A Logpush job has one timestamp format for all its output; each call here plays one batch
//! of one job and picks the format: RFC 3339 strings, Unix nanoseconds (the default) or Unix
//! seconds. `http_requests` carries the ~60 fields a default job selects (~1.5 KB a record);
//! `firewall_events` one rule match per record, joined to requests by `RayID`.

use crate::estate::Estate;
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{hex, ipv4, push_i64, push_json_str, push_rfc3339, Zone};
use crate::Stream;

/// Mean time between two records.
pub(crate) const MEAN_GAP_MS: u64 = 25;

/// `firewall_events` are this many times sparser than requests.
pub(crate) const FIREWALL_GAP_FACTOR: u64 = 20;

const HOSTS: [&str; 3] = ["www.example.com", "api.example.com", "shop.example.com"];
const COLOS: [(&str, u64); 4] = [("DFW", 25), ("IAD", 14), ("FRA", 19), ("AMS", 11)];
const COUNTRIES: [&str; 6] = ["us", "de", "gb", "in", "br", "nl"];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "okhttp/4.12.0",
];
const ATTACK_AGENTS: [&str; 3] = [
    "sqlmap/1.8.4#stable (https://sqlmap.org)",
    "Fuzz Faster U Fool v2.1.0",
    "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
];
const PATHS: [&str; 6] = [
    "/",
    "/api/v1/orders",
    "/api/v1/cart",
    "/static/app.js",
    "/login",
    "/images/hero.webp",
];
const ATTACK_PATHS: [&str; 4] = [
    "/wp-login.php",
    "/.env",
    "/api/v1/orders?id=1%27%20OR%201=1--",
    "/cgi-bin/.%2e/.%2e/bin/sh",
];

/// Timestamp formats a Logpush job can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stamp {
    Rfc3339,
    UnixNano,
    Unix,
}

/// The timestamp format of one Logpush job (or batch).
pub(crate) fn pick_stamp(rng: &mut Rng) -> Stamp {
    *rng.weighted(&[(5, Stamp::Rfc3339), (4, Stamp::UnixNano), (1, Stamp::Unix)])
}

fn push_stamp(buf: &mut Vec<u8>, stamp: Stamp, ms: i64) {
    match stamp {
        Stamp::Rfc3339 => {
            buf.push(b'"');
            push_rfc3339(buf, ms, 0, 0, Zone::Z);
            buf.push(b'"');
        }
        Stamp::UnixNano => push_i64(buf, ms * 1_000_000),
        Stamp::Unix => push_i64(buf, ms / 1000),
    }
}

/// A client of the zones: usually an ordinary visitor, sometimes a scanner.
#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub ip: String,
    /// Drives bot and WAF scores, and `ClientIPClass`.
    pub attacker: bool,
    pub agent: String,
    pub country: &'static str,
    pub asn: u64,
}

impl Client {
    /// A client at `ip` (its ASN derived from the address, as the random clients' are).
    pub(crate) fn at(ip: u32, attacker: bool, agent: &str, country: &'static str) -> Client {
        Client {
            ip: ipv4(ip),
            attacker,
            agent: agent.to_owned(),
            country,
            asn: u64::from(ip >> 16) % 60_000 + 1_000,
        }
    }
}

fn client(rng: &mut Rng, estate: &Estate, attack_per_mille: u64) -> Client {
    let attacker = rng.chance(attack_per_mille);
    let ip = if attacker {
        *rng.pick(&estate.scanners)
    } else {
        *rng.pick(&estate.clients)
    };
    let agent = if attacker {
        rng.one(&ATTACK_AGENTS)
    } else {
        rng.one(&AGENTS)
    };
    Client::at(ip, attacker, agent, rng.one(&COUNTRIES))
}

/// One `firewall_events` record.
#[derive(Clone, Debug)]
pub(crate) struct FirewallSpec<'a> {
    pub client: &'a Client,
    pub host: &'a str,
    pub method: &'a str,
    /// Path, with `?query` when there is one.
    pub uri: &'a str,
    /// `firewallmanaged`, `firewallcustom`, `ratelimit`…
    pub source: &'a str,
    pub action: &'a str,
    pub description: &'a str,
    /// The request's `RayID` (shared with its `http_requests` record); drawn when `None`.
    pub ray_id: Option<&'a str>,
}

/// Appends `n` `firewall_events` records.
pub(crate) fn write_firewall(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    let stamp = pick_stamp(&mut stream.rng);
    write_firewall_as(stream, estate, n, out, stamp);
}

/// Appends `n` `firewall_events` records with timestamps as `stamp`.
pub(crate) fn write_firewall_as(
    stream: &mut Stream,
    estate: &Estate,
    n: usize,
    out: &mut Vec<u8>,
    stamp: Stamp,
) {
    for _ in 0..n {
        let now = stream.tick(MEAN_GAP_MS * FIREWALL_GAP_FACTOR);
        let rng = &mut stream.rng;
        let client = client(rng, estate, 600);
        let (source, action, description) = *rng.weighted(&[
            (
                30,
                (
                    "firewallmanaged",
                    "block",
                    "Log4j Headers - CVE:CVE-2021-44228",
                ),
            ),
            (
                20,
                (
                    "firewallcustom",
                    "managed_challenge",
                    "Challenge non-allowlisted countries on /login",
                ),
            ),
            (15, ("ratelimit", "block", "Rate limit API writes")),
            (10, ("firewallcustom", "log", "Log admin paths")),
            (10, ("securitylevel", "challenge", "")),
            (8, ("bic", "jschallenge", "")),
            (5, ("l7ddos", "block", "HTTP DDoS attack")),
            (2, ("firewallcustom", "skip", "Allow uptime monitor")),
        ]);
        let path = if client.attacker {
            *rng.pick(&ATTACK_PATHS)
        } else {
            *rng.pick(&PATHS)
        };
        let host = rng.one(&HOSTS);
        let spec = FirewallSpec {
            client: &client,
            host,
            method: if path.starts_with("/api") {
                "POST"
            } else {
                "GET"
            },
            uri: path,
            source,
            action,
            description,
            ray_id: None,
        };
        firewall_record(out, rng, stamp, now, &spec);
    }
}

/// Appends one `firewall_events` record.
pub(crate) fn firewall_record(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    stamp: Stamp,
    now: i64,
    spec: &FirewallSpec<'_>,
) {
    let client = spec.client;
    let (colo, _) = *rng.pick(&COLOS);
    let (path, query) = spec.uri.split_once('?').unwrap_or((spec.uri, ""));
    let mut obj = Obj::new(out);
    obj.str("Action", spec.action)
        .u64("ClientASN", client.asn)
        .str("ClientASNDescription", "EXAMPLE-TRANSIT")
        .str("ClientCountry", client.country)
        .str("ClientIP", &client.ip)
        .str(
            "ClientIPClass",
            if client.attacker {
                "badHost"
            } else {
                "noRecord"
            },
        )
        .str("ClientRefererHost", "")
        .str("ClientRefererPath", "")
        .str("ClientRefererQuery", "")
        .str("ClientRefererScheme", "")
        .str("ClientRequestHost", spec.host)
        .str("ClientRequestMethod", spec.method)
        .str("ClientRequestPath", path)
        .str("ClientRequestProtocol", "HTTP/2")
        .str("ClientRequestQuery", query)
        .str("ClientRequestScheme", "https")
        .str("ClientRequestUserAgent", &client.agent)
        .with("Datetime", |b| push_stamp(b, stamp, now))
        .str("Description", spec.description)
        .str("EdgeColoCode", colo)
        .u64(
            "EdgeResponseStatus",
            if matches!(spec.action, "log" | "skip") {
                200
            } else {
                403
            },
        )
        .str("Kind", "firewall")
        .u64("MatchIndex", 0)
        .obj("Metadata", |m| {
            m.str("ruleset_version", "5");
        })
        .u64("OriginResponseStatus", 0)
        .str("OriginatorRayID", "00")
        .str(
            "RayID",
            &spec.ray_id.map_or_else(|| hex(rng, 16), str::to_owned),
        )
        .str("Ref", "")
        .str("RuleID", &hex(rng, 32))
        .str("Source", spec.source);
    obj.finish();
    out.push(b'\n');
}

/// What the WAF made of a request: attack scores (1 = certainly an attack, 99 = clean).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WafScores {
    pub attack: u64,
    pub sqli: u64,
    pub xss: u64,
    pub rce: u64,
}

/// One `http_requests` record.
#[derive(Clone, Debug)]
pub(crate) struct HttpSpec<'a> {
    pub client: &'a Client,
    pub host: &'a str,
    pub method: &'a str,
    /// Path, with `?query` when there is one.
    pub uri: &'a str,
    /// What the edge answered.
    pub status: u64,
    /// What the origin answered; 0 when the edge blocked the request.
    pub origin_status: u64,
    /// `(SecurityAction, SecurityRuleID, SecurityRuleDescription)` when a rule acted.
    pub security: Option<(&'a str, &'a str, &'a str)>,
    pub waf: WafScores,
    pub bot_score: u64,
    /// Origin address (the web tier's floating IP).
    pub origin_ip: String,
    pub referer: &'a str,
    /// Response body size.
    pub body_bytes: u64,
    pub duration_ms: u64,
    /// The request's `RayID`; drawn when `None`.
    pub ray_id: Option<&'a str>,
}

/// Appends `n` `http_requests` records.
pub(crate) fn write_http(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    let stamp = pick_stamp(&mut stream.rng);
    write_http_as(stream, estate, n, out, stamp);
}

/// The addresses CIS forwards to: the web tier's floating IPs.
pub(crate) fn origins(estate: &Estate) -> Vec<u32> {
    estate
        .instances
        .iter()
        .filter_map(|i| i.floating_ip)
        .collect()
}

/// Appends `n` `http_requests` records with timestamps as `stamp`.
pub(crate) fn write_http_as(
    stream: &mut Stream,
    estate: &Estate,
    n: usize,
    out: &mut Vec<u8>,
    stamp: Stamp,
) {
    let origins = origins(estate);
    for _ in 0..n {
        let start = stream.tick(MEAN_GAP_MS);
        let rng = &mut stream.rng;
        let client = client(rng, estate, 30);
        let path = if client.attacker {
            *rng.pick(&ATTACK_PATHS)
        } else {
            *rng.pick(&PATHS)
        };
        let host = *rng.pick(&HOSTS);
        let status = if client.attacker {
            *rng.pick(&[403, 404, 403])
        } else {
            *rng.pick(&[200, 200, 200, 200, 304, 301, 404, 502])
        };
        let blocked = client.attacker && status == 403;
        let duration = rng.heavy(40, 30_000);
        let body = if status == 200 {
            rng.heavy(8_000, 20_000_000)
        } else {
            rng.range(0, 2_000)
        };
        let origin_ip = ipv4(*rng.pick(&origins));
        let waf = if client.attacker {
            WafScores {
                attack: rng.range(1, 20),
                sqli: rng.range(1, 15),
                xss: rng.range(80, 99),
                rce: rng.range(70, 99),
            }
        } else {
            WafScores {
                attack: rng.range(80, 99),
                sqli: 99,
                xss: rng.range(80, 99),
                rce: rng.range(70, 99),
            }
        };
        let bot_score = if client.attacker {
            rng.range(1, 10)
        } else {
            rng.range(30, 99)
        };
        let spec = HttpSpec {
            client: &client,
            host,
            method: if path.starts_with("/api") {
                "POST"
            } else {
                "GET"
            },
            uri: path,
            status,
            origin_status: if blocked { 0 } else { status },
            security: blocked.then_some((
                "block",
                "6179ae15870a4bb7b2d480d4843b323c",
                "Managed rules: SQLi",
            )),
            waf,
            bot_score,
            origin_ip,
            referer: if client.attacker {
                ""
            } else {
                "https://www.example.com/"
            },
            body_bytes: body,
            duration_ms: duration,
            ray_id: None,
        };
        http_record(out, rng, stamp, start, &spec);
    }
}

/// Appends one `http_requests` record.
pub(crate) fn http_record(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    stamp: Stamp,
    start: i64,
    spec: &HttpSpec<'_>,
) {
    let client = spec.client;
    let (path, _) = spec.uri.split_once('?').unwrap_or((spec.uri, ""));
    let blocked = spec.origin_status == 0;
    let (colo, colo_id) = *rng.pick(&COLOS);
    let duration = spec.duration_ms;
    let body = spec.body_bytes;
    let ray = spec.ray_id.map_or_else(|| hex(rng, 16), str::to_owned);
    let (security_action, security_rule, security_description) =
        spec.security.unwrap_or(("", "", ""));
    let mut obj = Obj::new(out);
    obj.u64("BotScore", spec.bot_score)
        .str("BotScoreSrc", "Machine Learning")
        .strs("BotTags", &[])
        .str(
            "CacheCacheStatus",
            if path.starts_with("/static") || path.starts_with("/images") {
                "hit"
            } else {
                "dynamic"
            },
        )
        .u64("CacheResponseBytes", body + 600)
        .u64("CacheResponseStatus", spec.status)
        .bool("CacheTieredFill", false)
        .u64("ClientASN", client.asn)
        .str("ClientCountry", client.country)
        .str(
            "ClientDeviceType",
            if client.agent.contains("iPhone") {
                "mobile"
            } else {
                "desktop"
            },
        )
        .str("ClientIP", &client.ip)
        .str(
            "ClientIPClass",
            if client.attacker {
                "badHost"
            } else {
                "noRecord"
            },
        )
        .u64("ClientRequestBytes", rng.range(300, 4_000))
        .str("ClientRequestHost", spec.host)
        .str("ClientRequestMethod", spec.method)
        .str("ClientRequestPath", path)
        .str("ClientRequestProtocol", "HTTP/2")
        .str("ClientRequestReferer", spec.referer)
        .str("ClientRequestScheme", "https")
        .str("ClientRequestSource", "eyeball")
        .str("ClientRequestURI", spec.uri)
        .str("ClientRequestUserAgent", &client.agent)
        .str("ClientSSLCipher", "AEAD-AES128-GCM-SHA256")
        .str("ClientSSLProtocol", "TLSv1.3")
        .u64("ClientSrcPort", rng.range(1025, 65_000))
        .u64("ClientTCPRTTMs", rng.range(5, 180))
        .str("ClientXRequestedWith", "")
        .obj("Cookies", |_| {})
        .bool("EdgeCFConnectingO2O", false)
        .str("EdgeColoCode", colo)
        .u64("EdgeColoID", colo_id)
        .with("EdgeEndTimestamp", |b| {
            push_stamp(b, stamp, start + duration as i64)
        })
        .str("EdgePathingOp", if blocked { "ban" } else { "wl" })
        .str(
            "EdgePathingSrc",
            if blocked {
                "filterBasedFirewall"
            } else {
                "macro"
            },
        )
        .str("EdgePathingStatus", "nr")
        .str("EdgeRequestHost", spec.host)
        .u64("EdgeResponseBodyBytes", body)
        .u64("EdgeResponseBytes", body + 650)
        .with("EdgeResponseCompressionRatio", |b| {
            b.extend_from_slice(b"1.0")
        })
        .str(
            "EdgeResponseContentType",
            if path.starts_with("/api") {
                "application/json"
            } else {
                "text/html"
            },
        )
        .u64("EdgeResponseStatus", spec.status)
        .str("EdgeServerIP", "104.16.0.1")
        .with("EdgeStartTimestamp", |b| push_stamp(b, stamp, start))
        .u64("EdgeTimeToFirstByteMs", duration.min(duration / 2 + 3))
        .u64("OriginDNSResponseTimeMs", 0)
        .str("OriginIP", if blocked { "" } else { &spec.origin_ip })
        .u64("OriginResponseBytes", 0)
        .u64(
            "OriginResponseDurationMs",
            if blocked { 0 } else { duration },
        )
        .u64("OriginResponseStatus", spec.origin_status)
        .str("OriginSSLProtocol", "TLSv1.3")
        .u64("OriginTCPHandshakeDurationMs", rng.range(1, 30))
        .u64("OriginTLSHandshakeDurationMs", rng.range(3, 60))
        .str("ParentRayID", "00")
        .str("RayID", &ray)
        .str("SecurityAction", security_action)
        .with("SecurityActions", |b| {
            if security_action.is_empty() {
                b.extend_from_slice(b"[]");
            } else {
                b.push(b'[');
                push_json_str(b, security_action);
                b.push(b']');
            }
        })
        .str("SecurityRuleDescription", security_description)
        .str("SecurityRuleID", security_rule)
        .u64("WAFAttackScore", spec.waf.attack)
        .str("WAFFlags", "0")
        .str("WAFMatchedVar", "")
        .u64("WAFRCEAttackScore", spec.waf.rce)
        .u64("WAFSQLiAttackScore", spec.waf.sqli)
        .u64("WAFXSSAttackScore", spec.waf.xss)
        .u64("WorkerCPUTime", 0)
        .str("WorkerStatus", "unknown")
        .bool("WorkerSubrequest", false)
        .u64("WorkerSubrequestCount", 0)
        .with("ZoneName", |b| push_json_str(b, "example.com"));
    obj.finish();
    out.push(b'\n');
}
