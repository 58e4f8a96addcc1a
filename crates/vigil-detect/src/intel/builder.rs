//! Collecting indicators from files into an [`IntelSet`].

use std::collections::HashMap;
use std::sync::Arc;

use super::table::{self, CidrTable, FxBuildHasher, NONE};
use super::value::{self, Parsed};
use super::{
    stix, text, Indicator, IndicatorMeta, IntelFormat, IntelOptions, IntelSet, LoadReport,
};

/// Collects indicators from any number of files, then builds an [`IntelSet`].
#[derive(Debug)]
pub struct IntelSetBuilder {
    options: IntelOptions,
    indicators: Vec<Indicator>,
    ips: HashMap<u128, u32, FxBuildHasher>,
    /// Networks as (first, last, chain head) in the mapped-IPv6 space; sorted at build.
    cidrs: HashMap<(u128, u128), u32, FxBuildHasher>,
    domains: HashMap<Box<str>, u32, FxBuildHasher>,
    urls: HashMap<Box<str>, u32, FxBuildHasher>,
    hashes: HashMap<Box<str>, u32, FxBuildHasher>,
}

impl Default for IntelSetBuilder {
    fn default() -> IntelSetBuilder {
        IntelSetBuilder::new(IntelOptions::default())
    }
}

/// Whether an indicator was added.
enum Added {
    New,
    Duplicate,
    Full,
}

impl IntelSetBuilder {
    /// An empty builder.
    pub fn new(options: IntelOptions) -> IntelSetBuilder {
        IntelSetBuilder {
            options,
            indicators: Vec::new(),
            ips: HashMap::default(),
            cidrs: HashMap::default(),
            domains: HashMap::default(),
            urls: HashMap::default(),
            hashes: HashMap::default(),
        }
    }

    /// Adds the indicators of a STIX 2.x bundle (or object, or array or lines of objects).
    pub fn add_stix(&mut self, text: &str, source_name: &str) -> LoadReport {
        let mut report = LoadReport::new(source_name);
        stix::load(self, text, &Arc::from(source_name), &mut report);
        report
    }

    /// Adds a plain list: one value per line, kind inferred, `#` comments, hosts-file lines
    /// (`0.0.0.0 evil.com`) read as the domain.
    pub fn add_list(&mut self, text: &str, source_name: &str) -> LoadReport {
        let mut report = LoadReport::new(source_name);
        text::load_list(self, text, &Arc::from(source_name), &mut report);
        report
    }

    /// Adds a CSV list: `type,value[,source][,confidence]`, with an optional header (which may
    /// put the columns in another order).
    pub fn add_csv(&mut self, text: &str, source_name: &str) -> LoadReport {
        let mut report = LoadReport::new(source_name);
        text::load_csv(self, text, &Arc::from(source_name), &mut report);
        report
    }

    /// Adds a file in the format [`IntelFormat::detect`] finds.
    pub fn add_auto(&mut self, text: &str, source_name: &str) -> LoadReport {
        match IntelFormat::detect(source_name, text) {
            IntelFormat::Stix => self.add_stix(text, source_name),
            IntelFormat::Csv => self.add_csv(text, source_name),
            IntelFormat::List => self.add_list(text, source_name),
        }
    }

    /// The options in force.
    pub fn options(&self) -> &IntelOptions {
        &self.options
    }

    /// Checks a parsed value against the options, adds it, and counts the outcome.
    pub(super) fn add_parsed(
        &mut self,
        parsed: Parsed,
        line: u64,
        meta: &Arc<IndicatorMeta>,
        report: &mut LoadReport,
    ) {
        if let Err((reason, detail)) = value::check_policy(&parsed, &self.options) {
            report.reject(line, reason, detail);
            return;
        }
        match self.add(parsed, line, meta) {
            Added::New => report.accepted += 1,
            Added::Duplicate => report.duplicates += 1,
            Added::Full => report.reject(
                line,
                "too_many_indicators",
                format!("the set already holds {} indicators", self.indicators.len()),
            ),
        }
    }

    fn add(&mut self, parsed: Parsed, line: u64, meta: &Arc<IndicatorMeta>) -> Added {
        if self.indicators.len() >= self.options.max_indicators {
            return Added::Full;
        }
        let index = u32::try_from(self.indicators.len()).expect("max_indicators fits in u32");
        let (kind, display) = (parsed.kind(), parsed.display());
        let head = match parsed {
            Parsed::Ip(key, _) => self.ips.get(&key).copied().unwrap_or(NONE),
            Parsed::Cidr(net) => {
                let key = table::net_range(&net);
                self.cidrs.get(&key).copied().unwrap_or(NONE)
            }
            Parsed::Domain(ref d) => self.domains.get(d.as_str()).copied().unwrap_or(NONE),
            Parsed::Url { ref key, .. } => self.urls.get(key.as_str()).copied().unwrap_or(NONE),
            Parsed::Hash(_, ref h) => self.hashes.get(h.as_str()).copied().unwrap_or(NONE),
        };
        // The same value from the same source and indicator is one indicator.
        let mut at = head;
        while at != NONE {
            let existing = &self.indicators[at as usize];
            let same = existing.meta.source == meta.source
                && existing.meta.stix_id == meta.stix_id
                && existing.meta.feed == meta.feed;
            if same {
                return Added::Duplicate;
            }
            at = existing.next;
        }
        self.indicators.push(Indicator {
            kind,
            value: display.into_boxed_str(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            meta: meta.clone(),
            next: head,
        });
        match parsed {
            Parsed::Ip(key, _) => {
                self.ips.insert(key, index);
            }
            Parsed::Cidr(net) => {
                self.cidrs.insert(table::net_range(&net), index);
            }
            Parsed::Domain(d) => {
                self.domains.insert(d.into_boxed_str(), index);
            }
            Parsed::Url { key, .. } => {
                self.urls.insert(key.into_boxed_str(), index);
            }
            Parsed::Hash(_, h) => {
                self.hashes.insert(h.into_boxed_str(), index);
            }
        }
        Added::New
    }

    /// The set, ready to match.
    pub fn build(self) -> IntelSet {
        let cidrs = CidrTable::build(self.cidrs.into_iter().map(|((s, e), h)| (s, e, h)));
        IntelSet {
            options: self.options,
            indicators: self.indicators,
            ips: self.ips,
            cidrs,
            domains: self.domains,
            urls: self.urls,
            hashes: self.hashes,
        }
    }
}
