//! The closing summary of `vigil parse` and the one-line table form of an event.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::Duration;

use vigil_formats::pipeline::{Counts, StreamStats};
use vigil_model::{Event, Rejection, SourceType};

/// Counts gathered over every input.
#[derive(Default)]
pub struct Summary {
    files: u64,
    bytes: u64,
    by_source: BTreeMap<SourceType, Counts>,
    /// Reason → (count, first location).
    reasons: BTreeMap<&'static str, (u64, String)>,
    errors: Vec<String>,
}

impl Summary {
    /// Adds one stream's counts.
    pub fn add_stream(&mut self, stats: &StreamStats) {
        self.files += 1;
        self.bytes += stats.bytes;
        for (source, counts) in &stats.by_source {
            let total = self.by_source.entry(*source).or_default();
            total.records += counts.records;
            total.events += counts.events;
            total.rejected += counts.rejected;
        }
    }

    /// Adds another summary's counts (from a worker thread).
    pub fn merge(&mut self, other: Summary) {
        self.files += other.files;
        self.bytes += other.bytes;
        for (source, counts) in other.by_source {
            let total = self.by_source.entry(source).or_default();
            total.records += counts.records;
            total.events += counts.events;
            total.rejected += counts.rejected;
        }
        for (reason, (count, first)) in other.reasons {
            let entry = self.reasons.entry(reason).or_insert((0, first));
            entry.0 += count;
        }
        self.errors.extend(other.errors);
    }

    /// Notes rejections for the reasons table.
    pub fn note_rejections(&mut self, rejections: &[Rejection]) {
        for r in rejections {
            let entry = self.reasons.entry(r.reason).or_insert_with(|| {
                let p = &r.provenance;
                let index = p.index.map(|i| format!(" element {i}")).unwrap_or_default();
                (
                    0,
                    format!("{}:{} (byte {}){index}", p.source, p.line, p.offset),
                )
            });
            entry.0 += 1;
        }
    }

    /// Records an error (an input that could not be read, an output that could not be written).
    pub fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    /// Whether any error happened.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The exit code the counts call for (see `cmd/mod.rs`).
    pub fn exit_code(&self) -> u8 {
        if self.has_errors() {
            super::EXIT_ERROR
        } else if self.rejected() > 0 {
            super::EXIT_REJECTED
        } else {
            super::EXIT_OK
        }
    }

    /// Total rejections.
    pub fn rejected(&self) -> u64 {
        self.by_source.values().map(|c| c.rejected).sum()
    }

    /// Prints the summary.
    pub fn print(&self, w: &mut dyn Write, elapsed: Duration) -> io::Result<()> {
        let records: u64 = self.by_source.values().map(|c| c.records).sum();
        let events: u64 = self.by_source.values().map(|c| c.events).sum();
        let secs = elapsed.as_secs_f64();
        writeln!(
            w,
            "vigil: {} files, {} read, {records} records, {events} events, {} rejected in {secs:.2}s ({:.1} MB/s, {:.0} events/s)",
            self.files,
            human_bytes(self.bytes),
            self.rejected(),
            self.bytes as f64 / 1e6 / secs.max(1e-9),
            events as f64 / secs.max(1e-9),
        )?;
        if !self.by_source.is_empty() {
            writeln!(
                w,
                "  {:<22} {:>10} {:>10} {:>10}",
                "source type", "records", "events", "rejected"
            )?;
            for (source, c) in &self.by_source {
                writeln!(
                    w,
                    "  {:<22} {:>10} {:>10} {:>10}",
                    source.name(),
                    c.records,
                    c.events,
                    c.rejected
                )?;
            }
        }
        if !self.reasons.is_empty() {
            let mut reasons: Vec<_> = self.reasons.iter().collect();
            reasons.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
            writeln!(w, "  top rejection reasons:")?;
            for (reason, (count, first)) in reasons.into_iter().take(10) {
                writeln!(w, "  {count:>10}  {reason:<24} first at {first}")?;
            }
        }
        for error in &self.errors {
            writeln!(w, "error: {error}")?;
        }
        Ok(())
    }
}

fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

/// One aligned line for an event: time, source, class/activity, severity, who, from → to,
/// and what.
pub fn table_row(e: &Event) -> String {
    // Findings carry their endpoints in `evidences`, as OCSF puts them.
    let evidence = e.evidences.first();
    let src = e
        .src_endpoint
        .as_deref()
        .or(evidence.and_then(|ev| ev.src_endpoint.as_ref()));
    let dst = e
        .dst_endpoint
        .as_deref()
        .or(evidence.and_then(|ev| ev.dst_endpoint.as_ref()));
    let endpoint = |ep: Option<&vigil_model::Endpoint>| -> String {
        match ep {
            Some(ep) => {
                let host = ep
                    .ip
                    .as_deref()
                    .or(ep.hostname.as_deref())
                    .or(ep.domain.as_deref())
                    .unwrap_or("-");
                match ep.port {
                    Some(port) => format!("{host}:{port}"),
                    None => host.to_owned(),
                }
            }
            None => "-".to_owned(),
        }
    };
    let who = e
        .actor
        .as_ref()
        .and_then(|a| a.user.as_ref())
        .or(e.user.as_deref())
        .and_then(|u| u.name.as_deref().or(u.uid.as_deref()))
        .unwrap_or("-");
    let what = e
        .api
        .as_ref()
        .map(|a| a.operation.as_str())
        .or(e.finding_info.as_ref().map(|f| f.title.as_str()))
        .or(e.message.as_deref())
        .unwrap_or("");
    let what: String = what
        .chars()
        .take(80)
        .collect::<String>()
        .replace(['\n', '\r'], " ");
    format!(
        "{}  {:<20} {:<32} {:<13} {:<24} {:>21} -> {:<21} {}",
        vigil_formats::time::format_rfc3339_ms(e.time),
        e.source_type.name(),
        format!("{}/{}", e.class_uid.name(), e.activity_caption()),
        e.severity_id.name(),
        truncate(who, 24),
        endpoint(src),
        endpoint(dst),
        what
    )
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
