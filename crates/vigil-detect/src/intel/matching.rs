//! Matching one event's fields against an [`IntelSet`] and turning hits into alerts.

use std::fmt::Write as _;

use vigil_model::{Endpoint, Event, File, Fingerprint, Process, Url};

use super::value::{self, IndicatorKind};
use super::{Indicator, IntelSet};
use crate::alert::{Alert, AlertEvidence, AlertRule, Entities};

/// One table entry an event field hit.
struct Hit {
    /// Head of the entry's indicator chain (unique across tables).
    head: u32,
    /// The event field (`dst_endpoint.ip`, `evidences[0].url`…).
    field: String,
    /// The value the field held.
    observed: String,
}

/// Walks an event's fields, collecting hits.
struct Walk<'s> {
    set: &'s IntelSet,
    hits: Vec<Hit>,
    heads: Vec<u32>,
    url_key: String,
}

impl<'s> Walk<'s> {
    fn record(&mut self, prefix: &str, suffix: &str, observed: &str) {
        for i in 0..self.heads.len() {
            let head = self.heads[i];
            if self.hits.iter().any(|h| h.head == head) {
                continue;
            }
            let mut field = String::with_capacity(prefix.len() + suffix.len() + 1);
            field.push_str(prefix);
            if !prefix.is_empty() && !suffix.is_empty() {
                field.push('.');
            }
            field.push_str(suffix);
            self.hits.push(Hit {
                head,
                field,
                observed: observed.to_owned(),
            });
        }
        self.heads.clear();
    }

    fn ip(&mut self, prefix: &str, suffix: &str, text: Option<&str>) {
        let Some(text) = text else { return };
        if self.set.ips.is_empty() && self.set.cidrs.len() == 0 {
            return;
        }
        if let Some(key) = value::ip_key(text) {
            self.set.ip_heads(key, &mut self.heads);
            self.record(prefix, suffix, text);
        }
    }

    /// A host name field: an address literal is looked up as an IP, anything else as a domain.
    fn host(&mut self, prefix: &str, suffix: &str, text: Option<&str>) {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        if value::ip_key(text).is_some() {
            self.ip(prefix, suffix, Some(text));
            return;
        }
        let heads = &mut self.heads;
        self.set.domain_heads(text, &mut |head, _| heads.push(head));
        self.record(prefix, suffix, text);
    }

    fn endpoint(&mut self, prefix: &str, endpoint: Option<&Endpoint>) {
        let Some(endpoint) = endpoint else { return };
        self.ip(prefix, "ip", endpoint.ip.as_deref());
        self.host(prefix, "hostname", endpoint.hostname.as_deref());
        self.host(prefix, "domain", endpoint.domain.as_deref());
        if let Some(proxy) = &endpoint.proxy_endpoint {
            self.ip(prefix, "proxy_endpoint.ip", proxy.ip.as_deref());
        }
    }

    fn url(&mut self, prefix: &str, url: Option<&Url>) {
        let Some(url) = url else { return };
        let full = match &url.url_string {
            Some(full) => Some(full.to_string()),
            None => url.hostname.as_ref().map(|host| {
                let mut full = host.to_string();
                if let Some(port) = url.port {
                    let _ = write!(full, ":{port}");
                }
                full.push_str(url.path.as_deref().unwrap_or("/"));
                if let Some(query) = url.query_string.as_deref().filter(|q| !q.is_empty()) {
                    full.push('?');
                    full.push_str(query);
                }
                full
            }),
        };
        if let Some(full) = &full {
            let mut key = std::mem::take(&mut self.url_key);
            self.set.url_heads(full, &mut key, &mut self.heads);
            self.url_key = key;
            self.record(prefix, "", full);
        }
        let host = url
            .hostname
            .as_deref()
            .or_else(|| full.as_deref().and_then(value::url_host));
        self.host(prefix, "hostname", host);
    }

    fn hashes(&mut self, prefix: &str, file: Option<&File>) {
        let Some(file) = file else { return };
        if self.set.hashes.is_empty() {
            return;
        }
        for Fingerprint { value, .. } in &file.hashes {
            self.set.hash_head(value, &mut self.heads);
            self.record(prefix, "hashes", value);
        }
    }

    fn process(&mut self, prefix: &str, process: Option<&Process>) {
        let Some(process) = process else { return };
        self.hashes(&format!("{prefix}.file"), process.file.as_ref());
        if let Some(parent) = &process.parent_process {
            self.hashes(
                &format!("{prefix}.parent_process.file"),
                parent.file.as_ref(),
            );
        }
    }

    fn event(&mut self, event: &Event) {
        self.endpoint("src_endpoint", event.src_endpoint.as_deref());
        self.endpoint("dst_endpoint", event.dst_endpoint.as_deref());
        if let Some(device) = &event.device {
            self.ip("device", "ip", device.ip.as_deref());
            self.host("device", "hostname", device.hostname.as_deref());
        }
        if let Some(request) = &event.http_request {
            self.url("http_request.url", request.url.as_ref());
            for forwarded in &request.x_forwarded_for {
                // Sometimes one string holds the whole chain.
                for hop in forwarded.split(',') {
                    self.ip("http_request", "x_forwarded_for", Some(hop));
                }
            }
        }
        if !self.set.hashes.is_empty() {
            self.hashes("file", event.file.as_deref());
            if event.process.is_some() {
                self.process("process", event.process.as_deref());
            }
            if let Some(actor) = &event.actor {
                self.process("actor.process", actor.process.as_deref());
            }
        }
        for (index, evidence) in event.evidences.iter().enumerate() {
            let prefix = format!("evidences[{index}]");
            self.endpoint(
                &format!("{prefix}.src_endpoint"),
                evidence.src_endpoint.as_ref(),
            );
            self.endpoint(
                &format!("{prefix}.dst_endpoint"),
                evidence.dst_endpoint.as_ref(),
            );
            self.url(&format!("{prefix}.url"), evidence.url.as_ref());
            self.hashes(&format!("{prefix}.file"), evidence.file.as_ref());
            self.process(&format!("{prefix}.process"), evidence.process.as_ref());
        }
    }
}

/// What alerts say about a kind.
fn rule_of(kind: IndicatorKind) -> (&'static str, &'static str) {
    match kind {
        IndicatorKind::Ip | IndicatorKind::Cidr => {
            ("vigil.intel.ip", "Threat intelligence: listed IP address")
        }
        IndicatorKind::Domain => ("vigil.intel.domain", "Threat intelligence: listed domain"),
        IndicatorKind::Url => ("vigil.intel.url", "Threat intelligence: listed URL"),
        IndicatorKind::Md5
        | IndicatorKind::Sha1
        | IndicatorKind::Sha256
        | IndicatorKind::Sha512 => (
            "vigil.intel.file_hash",
            "Threat intelligence: listed file hash",
        ),
    }
}

impl IntelSet {
    /// Matches every relevant field of `event`; appends one alert per indicator entry hit (an
    /// entry is one value, with every source that lists it) and returns how many.
    pub fn match_event(&self, event: &Event, out: &mut Vec<Alert>) -> usize {
        if self.indicators.is_empty() {
            return 0;
        }
        let mut walk = Walk {
            set: self,
            hits: Vec::new(),
            heads: Vec::new(),
            url_key: String::new(),
        };
        walk.event(event);
        if walk.hits.is_empty() {
            return 0;
        }
        let before = out.len();
        let mut entities: Option<Entities> = None;
        for hit in &walk.hits {
            let indicators: Vec<&Indicator> = self
                .chain(hit.head)
                .filter(|i| i.valid_at(event.time))
                .collect();
            if indicators.is_empty() {
                continue;
            }
            let entities = entities
                .get_or_insert_with(|| {
                    let mut entities = Entities::default();
                    entities.add_event(event);
                    entities
                })
                .clone();
            out.push(self.alert(event, hit, &indicators, entities));
        }
        out.len() - before
    }

    fn alert(
        &self,
        event: &Event,
        hit: &Hit,
        indicators: &[&Indicator],
        entities: Entities,
    ) -> Alert {
        let first = indicators[0];
        let (id, title) = rule_of(first.kind);
        let mut matched_fields = vec![(hit.field.clone(), hit.observed.clone())];
        let mut tags = vec!["vigil.intel".to_owned()];
        let mut description = format!(
            "`{}` = `{}` matches {} indicator `{}`",
            hit.field,
            hit.observed,
            first.kind.name(),
            first.value
        );
        for (n, indicator) in indicators.iter().enumerate() {
            let meta = &indicator.meta;
            let _ = write!(
                description,
                "{} from `{}` line {}",
                if n == 0 { "" } else { ";" },
                meta.source,
                indicator.line
            );
            if let Some(feed) = &meta.feed {
                let _ = write!(description, " (feed {feed})");
            }
            if let Some(name) = &meta.name {
                let _ = write!(description, " ({name})");
            }
            matched_fields.push((
                "indicator.type".to_owned(),
                indicator.kind.name().to_owned(),
            ));
            matched_fields.push(("indicator.value".to_owned(), indicator.value.to_string()));
            matched_fields.push(("indicator.source".to_owned(), meta.source.to_string()));
            matched_fields.push(("indicator.line".to_owned(), indicator.line.to_string()));
            if let Some(feed) = &meta.feed {
                matched_fields.push(("indicator.feed".to_owned(), feed.to_string()));
            }
            if let Some(stix_id) = &meta.stix_id {
                matched_fields.push(("indicator.id".to_owned(), stix_id.to_string()));
            }
            if let Some(name) = &meta.name {
                matched_fields.push(("indicator.name".to_owned(), name.to_string()));
            }
            if let Some(confidence) = meta.confidence {
                matched_fields.push(("indicator.confidence".to_owned(), confidence.to_string()));
            }
            for label in &meta.labels {
                let tag = format!("intel.{label}");
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
        }
        Alert {
            time: event.time,
            rule: std::sync::Arc::new(AlertRule {
                id: Some(id.to_owned()),
                name: None,
                title: title.to_owned(),
                level: self.options.level.name(),
                tags,
                author: None,
                description: Some(description),
                falsepositives: vec![
                    "stale indicators (shared hosting, reassigned addresses)".to_owned()
                ],
            }),
            correlation: None,
            entities,
            evidence: vec![AlertEvidence {
                time: event.time,
                source_type: event.source_type,
                provenance: event.provenance.clone(),
                class_name: event.class_uid.name(),
                matched_searches: Vec::new(),
                matched_fields,
            }],
        }
    }
}
