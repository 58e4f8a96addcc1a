//! Threat-intelligence matching: indicators of compromise from STIX 2.1 bundles and from plain
//! or CSV lists, matched against every event's network, web and file fields.
//!
//! # Loading
//!
//! An [`IntelSetBuilder`] takes any number of files ([`IntelSetBuilder::add_stix`],
//! [`add_list`](IntelSetBuilder::add_list), [`add_csv`](IntelSetBuilder::add_csv), or
//! [`add_auto`](IntelSetBuilder::add_auto) which picks the format from the text), each under a
//! *source name* (usually its path) that every alert it causes names. Loading never fails:
//! each call returns a [`LoadReport`] counting what was accepted, what was a duplicate and what
//! was rejected, by reason, with the line of each rejected indicator (the first
//! [`MAX_REJECT_SAMPLES`] kept in full). [`IntelSet::from_stix`] and friends are the one-file
//! shortcuts.
//!
//! Supported indicator values: IPv4 and IPv6 addresses, CIDR networks (v4 and v6), domain
//! names (matching the domain and all its subdomains), URLs, and MD5 / SHA-1 / SHA-256 /
//! SHA-512 file hashes. Defanged values (`hxxp://evil[.]com`) are refanged. Networks wider than
//! [`IntelOptions::min_prefix_v4`] / [`min_prefix_v6`](IntelOptions::min_prefix_v6) and the
//! sinkhole addresses `0.0.0.0`, `127.0.0.1`, `255.255.255.255`, `::` and `::1` are rejected:
//! in a feed they are mistakes, and they would match a whole estate.
//!
//! STIX: `indicator` objects with `pattern_type` `stix` (or none, as in STIX 2.0). Supported
//! pattern forms are equality (and `IN`, and `ISSUBSET` for address ranges) on
//! `ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value`, `url:value`,
//! `file:hashes.'SHA-256'` (and `MD5`, `SHA-1`, `SHA-512`), and
//! `network-traffic:dst_ref.value` / `src_ref.value`, combined with `OR` inside or between
//! observation expressions. An `AND` of file hashes of one file is read as "any of these
//! hashes" (they name the same file), and `…_ref.type = '…'` constraints next to a value test
//! are dropped. Everything else (`AND` of different properties, `FOLLOWEDBY`, qualifiers,
//! `LIKE`, `MATCHES`, `!=`, other object types) is skipped with a counted reason; an `OR`
//! whose other branches are supported keeps those. Revoked indicators are skipped;
//! `valid_until` is honoured against the *event* time (an indicator matches events before it
//! expires, so a retro-hunt over old logs is still right); `valid_from` is ignored on purpose,
//! since indicators are usually published after the activity they describe.
//!
//! # Matching
//!
//! [`IntelSet::match_event`] is pure and `&self`, so it runs on any thread. It looks at the
//! source and destination endpoints (IP, hostname, domain, NAT proxy IP), the device IP,
//! `http_request.url` (the full URL and its host name) and `x_forwarded_for`, the evidences'
//! endpoints, URLs and files, and the file hashes of `file`, `process`, its parent and the
//! actor's process. Exact IPs, domains, URLs and hashes are hashed lookups; all CIDRs of both
//! families live in one sorted range table (IPv4 mapped into IPv6 space) searched by binary
//! search plus a walk up the enclosing networks, so the cost grows with the log of the number
//! of networks, not with it. A domain `d` is looked up as `d`, then each parent domain, so
//! `evil.com` matches `a.b.evil.com`. A URL is compared without its scheme, default port and
//! fragment, with a lower-case host; an indicator URL without a query also matches the same
//! path with any query.
//!
//! Each table entry hit gives one [`Alert`](crate::alert::Alert): rule id `vigil.intel.<kind>`, the configured
//! level (default high), a description naming the observed field and value, the indicator
//! (type, value) and its source, and the same facts as `matched_fields` of the evidence
//! (`indicator.type`, `indicator.value`, `indicator.source`, …). When several sources list the
//! same value, the one alert names them all.

mod builder;
mod matching;
mod pattern;
mod stix;
mod table;
mod text;
mod value;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use vigil_sigma::ast::Level;

pub use builder::IntelSetBuilder;
pub use value::IndicatorKind;

use table::{CidrTable, FxBuildHasher};

/// How many rejected indicators a [`LoadReport`] keeps with their line and detail (all are
/// counted).
pub const MAX_REJECT_SAMPLES: usize = 100;

/// How threat-intelligence alerts are made and which indicators are accepted.
#[derive(Clone, Debug)]
pub struct IntelOptions {
    /// The level of every indicator alert.
    pub level: Level,
    /// IPv4 networks with a shorter prefix are rejected (`network_too_broad`).
    pub min_prefix_v4: u8,
    /// IPv6 networks with a shorter prefix are rejected (`network_too_broad`).
    pub min_prefix_v6: u8,
    /// Indicators past this many are rejected (`too_many_indicators`).
    pub max_indicators: usize,
    /// Lines (list, CSV) and STIX patterns longer than this are rejected (`too_long`).
    pub max_line_bytes: usize,
}

impl Default for IntelOptions {
    fn default() -> IntelOptions {
        IntelOptions {
            level: Level::High,
            min_prefix_v4: 8,
            min_prefix_v6: 32,
            max_indicators: 10_000_000,
            max_line_bytes: 8 * 1024,
        }
    }
}

/// What an indicator says beyond its value; shared by all values of one STIX indicator, one
/// list file, or one CSV feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorMeta {
    /// The file or feed it was loaded from (the name given to the builder).
    pub source: Arc<str>,
    /// The feed or provider named inside the file (CSV `source` column).
    pub feed: Option<Box<str>>,
    /// The STIX `id`.
    pub stix_id: Option<Box<str>>,
    /// The STIX `name`.
    pub name: Option<Box<str>>,
    /// Confidence, 0–100.
    pub confidence: Option<u8>,
    /// STIX `indicator_types` and `labels`.
    pub labels: Vec<Box<str>>,
    /// STIX `valid_until` (ms): the indicator matches only events before it.
    pub valid_until_ms: Option<i64>,
}

impl IndicatorMeta {
    fn of_source(source: &Arc<str>) -> IndicatorMeta {
        IndicatorMeta {
            source: source.clone(),
            feed: None,
            stix_id: None,
            name: None,
            confidence: None,
            labels: Vec::new(),
            valid_until_ms: None,
        }
    }
}

/// One indicator value.
#[derive(Clone, Debug)]
pub struct Indicator {
    /// What kind of value.
    pub kind: IndicatorKind,
    /// The value as matched: an address, a network, a lower-case domain, a refanged URL, a
    /// lower-case hex hash.
    pub value: Box<str>,
    /// The line of the source file it came from (1-based; for STIX, the line where its object
    /// starts).
    pub line: u32,
    /// Source, feed, STIX id and the rest.
    pub meta: Arc<IndicatorMeta>,
    /// The next indicator with the same lookup key (another source), or [`NONE`](table::NONE).
    next: u32,
}

impl Indicator {
    /// Whether the indicator is in force at `time_ms`.
    pub fn valid_at(&self, time_ms: i64) -> bool {
        self.meta.valid_until_ms.is_none_or(|until| time_ms < until)
    }
}

/// One rejected indicator, line or STIX term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    /// 1-based line (for STIX, where the object starts; 0 for the whole file).
    pub line: u64,
    /// A stable reason (`invalid_ip`, `unknown_type`, `unsupported_operator`…).
    pub reason: &'static str,
    /// What exactly, for people.
    pub detail: String,
}

/// What loading one file did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// The source name given.
    pub source: String,
    /// Indicator values added.
    pub accepted: u64,
    /// Values already present from the same source, feed and STIX indicator (not added
    /// again).
    pub duplicates: u64,
    /// Rejected values, lines or pattern terms, all counted.
    pub rejected: u64,
    /// Rejections by reason.
    pub rejected_by_reason: BTreeMap<&'static str, u64>,
    /// The first [`MAX_REJECT_SAMPLES`] rejections.
    pub rejects: Vec<Reject>,
    /// STIX objects that are not indicators (malware, relationships…), skipped silently.
    pub ignored_objects: u64,
}

impl LoadReport {
    fn new(source: &str) -> LoadReport {
        LoadReport {
            source: source.to_owned(),
            ..LoadReport::default()
        }
    }

    fn reject(&mut self, line: u64, reason: &'static str, detail: impl Into<String>) {
        self.rejected += 1;
        *self.rejected_by_reason.entry(reason).or_default() += 1;
        if self.rejects.len() < MAX_REJECT_SAMPLES {
            self.rejects.push(Reject {
                line,
                reason,
                detail: detail.into(),
            });
        }
    }
}

/// The file formats [`IntelSetBuilder::add_auto`] recognizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntelFormat {
    /// A STIX 2.x bundle, object, array of objects, or objects one per line.
    Stix,
    /// `type,value[,source][,confidence]`.
    Csv,
    /// One value per line.
    List,
}

impl IntelFormat {
    /// The format of `text` named `name`: STIX when it starts with `{` or `[`, CSV when the
    /// name ends in `.csv`, a list otherwise.
    pub fn detect(name: &str, text: &str) -> IntelFormat {
        let start = text.trim_start_matches('\u{feff}').trim_start();
        if start.starts_with('{') || start.starts_with('[') {
            IntelFormat::Stix
        } else if name.to_ascii_lowercase().ends_with(".csv") {
            IntelFormat::Csv
        } else {
            IntelFormat::List
        }
    }
}

/// Indicator counts of a set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntelStats {
    /// All indicator values.
    pub indicators: usize,
    /// Exact IP addresses.
    pub ips: usize,
    /// Distinct networks.
    pub cidrs: usize,
    /// Domains.
    pub domains: usize,
    /// URLs.
    pub urls: usize,
    /// File hashes.
    pub hashes: usize,
}

/// A built, immutable set of indicators; matching is `&self` and thread-safe.
#[derive(Debug)]
pub struct IntelSet {
    options: IntelOptions,
    indicators: Vec<Indicator>,
    ips: HashMap<u128, u32, FxBuildHasher>,
    cidrs: CidrTable,
    domains: HashMap<Box<str>, u32, FxBuildHasher>,
    urls: HashMap<Box<str>, u32, FxBuildHasher>,
    hashes: HashMap<Box<str>, u32, FxBuildHasher>,
}

impl Default for IntelSet {
    fn default() -> IntelSet {
        IntelSetBuilder::default().build()
    }
}

impl IntelSet {
    /// A set of the indicators of one STIX text, with default options.
    pub fn from_stix(text: &str, source_name: &str) -> (IntelSet, LoadReport) {
        let mut builder = IntelSetBuilder::default();
        let report = builder.add_stix(text, source_name);
        (builder.build(), report)
    }

    /// A set of one plain list, with default options.
    pub fn from_list(text: &str, source_name: &str) -> (IntelSet, LoadReport) {
        let mut builder = IntelSetBuilder::default();
        let report = builder.add_list(text, source_name);
        (builder.build(), report)
    }

    /// A set of one CSV list, with default options.
    pub fn from_csv(text: &str, source_name: &str) -> (IntelSet, LoadReport) {
        let mut builder = IntelSetBuilder::default();
        let report = builder.add_csv(text, source_name);
        (builder.build(), report)
    }

    /// Whether the set has no indicator.
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// Counts by kind.
    pub fn stats(&self) -> IntelStats {
        IntelStats {
            indicators: self.indicators.len(),
            ips: self.ips.len(),
            cidrs: self.cidrs.len(),
            domains: self.domains.len(),
            urls: self.urls.len(),
            hashes: self.hashes.len(),
        }
    }

    /// The options the set was built with.
    pub fn options(&self) -> &IntelOptions {
        &self.options
    }

    /// Every indicator.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The indicators (of every source) whose lookup key starts at `head`.
    fn chain(&self, head: u32) -> impl Iterator<Item = &Indicator> {
        let mut at = head;
        std::iter::from_fn(move || {
            let indicator = self.indicators.get(at as usize)?;
            at = indicator.next;
            Some(indicator)
        })
    }

    /// The indicators an IP address (as text) falls under: exact, then networks from the
    /// most specific out.
    pub fn lookup_ip(&self, ip: &str) -> Vec<&Indicator> {
        let mut heads = Vec::new();
        if let Some(key) = value::ip_key(ip) {
            self.ip_heads(key, &mut heads);
        }
        heads.into_iter().flat_map(|h| self.chain(h)).collect()
    }

    /// The indicators a host name falls under (itself or a parent domain).
    pub fn lookup_domain(&self, host: &str) -> Vec<&Indicator> {
        let mut heads = Vec::new();
        self.domain_heads(host, &mut |head, _| heads.push(head));
        heads.into_iter().flat_map(|h| self.chain(h)).collect()
    }

    /// The indicators a URL falls under (not its host: see [`IntelSet::lookup_domain`]).
    pub fn lookup_url(&self, url: &str) -> Vec<&Indicator> {
        let mut heads = Vec::new();
        let mut key = String::new();
        self.url_heads(url, &mut key, &mut heads);
        heads.into_iter().flat_map(|h| self.chain(h)).collect()
    }

    /// The indicators a file hash (hex, any case) is.
    pub fn lookup_hash(&self, hash: &str) -> Vec<&Indicator> {
        let mut heads = Vec::new();
        self.hash_head(hash, &mut heads);
        heads.into_iter().flat_map(|h| self.chain(h)).collect()
    }

    fn ip_heads(&self, key: u128, heads: &mut Vec<u32>) {
        if let Some(&head) = self.ips.get(&key) {
            heads.push(head);
        }
        self.cidrs.lookup(key, heads);
    }

    /// Calls `found(head, matched_domain)` for the host and each parent domain listed.
    fn domain_heads(&self, host: &str, found: &mut dyn FnMut(u32, &str)) {
        if self.domains.is_empty() {
            return;
        }
        let mut buffer = [0u8; 256];
        let Some(host) = value::lower_host(host, &mut buffer) else {
            return;
        };
        let mut rest = host;
        loop {
            if let Some(&head) = self.domains.get(rest) {
                found(head, rest);
            }
            match rest.find('.') {
                // A parent must still have a dot: single labels are never indicators.
                Some(dot) if rest[dot + 1..].contains('.') => rest = &rest[dot + 1..],
                _ => break,
            }
        }
    }

    fn url_heads(&self, url: &str, key: &mut String, heads: &mut Vec<u32>) {
        if self.urls.is_empty() || !value::url_key(url, key) {
            return;
        }
        if let Some(&head) = self.urls.get(key.as_str()) {
            heads.push(head);
        }
        if let Some((without_query, _)) = key.split_once('?') {
            if let Some(&head) = self.urls.get(without_query) {
                heads.push(head);
            }
        }
    }

    fn hash_head(&self, hash: &str, heads: &mut Vec<u32>) {
        if self.hashes.is_empty() {
            return;
        }
        let mut buffer = [0u8; 128];
        if let Some(hash) = value::lower_hash(hash, &mut buffer) {
            if let Some(&head) = self.hashes.get(hash) {
                heads.push(head);
            }
        }
    }
}

#[cfg(test)]
mod tests;
