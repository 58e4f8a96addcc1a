//! `vigil hunt`: files in, alerts out. Decode, normalize and run every rule over files and
//! folders, on all cores, then correlate across files in event-time order.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use vigil_detect::alert::Alert;
use vigil_detect::analytics::{Analytics, AnalyticsOptions, Observation};
use vigil_detect::hunt::{AlertBuilder, MatchedEvent, Matcher};
use vigil_detect::intel::{IntelOptions, IntelSet, IntelSetBuilder};
use vigil_formats::pipeline::{self, StreamOptions};
use vigil_model::{Provenance, SourceType};
use vigil_sigma::ast::{Document, Level};
use vigil_sigma::correlation::CorrelationOptions;
use vigil_sigma::engine::{CompiledRuleSet, EngineOptions, RuleSet, Scratch};

use super::rule_files::RuleFiles;
use super::summary::Summary;
use super::EXIT_OK;
use crate::walk::{self, Input};

/// Output formats for alerts.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertFormat {
    /// Alerts grouped by rule and level, for people.
    Table,
    /// One JSON alert per line.
    Jsonl,
    /// One CSV row per alert.
    Csv,
}

/// Arguments of `vigil hunt`.
#[derive(clap::Args, Debug)]
pub struct HuntArgs {
    /// Files or directories to hunt through (recursively; gzip and zstd decompressed).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// More Sigma rules (files or directories of `.yml`), besides the built-in IBM Cloud pack.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in IBM Cloud rule pack.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Read every input as this source type instead of detecting it.
    #[arg(long, value_name = "TYPE")]
    pub source_type: Option<SourceType>,
    /// Only events at or after this time (RFC 3339 or epoch seconds/ms).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only events before this time (RFC 3339 or epoch seconds/ms).
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Only alerts of this level or above: informational, low, medium, high, critical.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub min_level: Option<Level>,
    /// Evaluate every rule on every event, whatever its logsource (for unfamiliar data; rules
    /// written for one product will fire on others').
    #[arg(long)]
    pub ignore_logsource: bool,
    /// How to print alerts.
    #[arg(long, value_enum, default_value_t = AlertFormat::Table)]
    pub format: AlertFormat,
    /// Write alerts to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Threat-intelligence indicators to match every event against: STIX 2.1 bundles, CSV
    /// (`type,value[,source][,confidence]`) or plain lists of IPs, CIDRs, domains, URLs and
    /// hashes (repeatable; the format is recognized from the content).
    #[arg(long = "intel", value_name = "FILE")]
    pub intel: Vec<PathBuf>,
    /// Stop (exit 2) when any rule cannot be loaded or compiled, instead of skipping it with
    /// a warning.
    #[arg(long)]
    pub strict: bool,
    /// Turn off the behavioural analytics (beaconing, egress and API-rate baselines,
    /// first-seen source IPs, countries, ASNs and API actions).
    #[arg(long)]
    pub no_analytics: bool,
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| {
        format!("unknown level `{s}`; expected informational, low, medium, high or critical")
    })
}

fn parse_time(s: &str, flag: &str) -> anyhow::Result<i64> {
    vigil_formats::time::parse_any(s).with_context(|| {
        format!(
            "`--{flag} {s}` is not a time: use RFC 3339 (2025-06-02T08:00:00Z) or epoch seconds"
        )
    })
}

/// Counters shared by the workers, for the progress bar and the summary.
#[derive(Default)]
struct Progress {
    files: AtomicU64,
    bytes: AtomicU64,
    events: AtomicU64,
    matched: AtomicU64,
}

/// Runs `vigil hunt`.
pub fn run(args: HuntArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let from = args
        .from
        .as_deref()
        .map(|s| parse_time(s, "from"))
        .transpose()?;
    let to = args
        .to
        .as_deref()
        .map(|s| parse_time(s, "to"))
        .transpose()?;
    let mut summary = Summary::default();
    let rules = load_rules(&args, &mut summary)?;
    if rules.rules().is_empty() {
        bail!("no rules to hunt with: the built-in pack is off and `--rules` loaded none");
    }
    let intel = load_intel(&args.intel)?;
    let matcher = Matcher::new(&rules)
        .map_err(|e| anyhow::anyhow!("the correlation rules cannot run: {e}"))?;

    let inputs: Vec<PathBuf> = walk::inputs(&args.paths)
        .into_iter()
        .filter_map(|input| match input {
            Input::File(path) => Some(path),
            Input::Error(path, error) => {
                summary.error(format!("cannot read `{}`: {error}", path.display()));
                None
            }
        })
        .collect();
    let queue = Mutex::new(inputs.iter().rev().cloned().collect::<Vec<_>>());
    let progress = Progress::default();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let bar = progress_bar(inputs.len());
    let results = Mutex::new(WorkerOutput::default());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut local = WorkerOutput::default();
                let mut scratch = Scratch::new();
                let worker = Worker {
                    args: &args,
                    matcher: &matcher,
                    intel: &intel,
                    window: (from, to),
                    progress: &progress,
                };
                loop {
                    let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                    let Some(path) = next else { break };
                    worker.hunt_file(&path, &mut scratch, &mut local);
                    progress.files.fetch_add(1, Ordering::Relaxed);
                }
                if let Ok(mut all) = results.lock() {
                    all.merge(local);
                }
            });
        }
        if let Some(bar) = &bar {
            while progress.files.load(Ordering::Relaxed) < inputs.len() as u64 {
                update_bar(bar, &progress, started);
                std::thread::sleep(Duration::from_millis(100));
                if queue.lock().map(|q| q.is_empty()).unwrap_or(true)
                    && progress.files.load(Ordering::Relaxed) >= inputs.len() as u64
                {
                    break;
                }
            }
        }
    });
    if let Some(bar) = &bar {
        update_bar(bar, &progress, started);
        bar.finish_and_clear();
    }
    let WorkerOutput {
        summary: worker_summary,
        mut matched,
        mut observations,
        alerts: intel_alerts,
    } = results.into_inner().unwrap_or_default();
    summary.merge(worker_summary);

    // Correlations need event-time order across every file: sort the matched events (ties by
    // place, so the output does not depend on which thread read what first).
    matched.sort_by(|a, b| {
        time_and_place(a.time, &a.evidence.provenance)
            .cmp(&time_and_place(b.time, &b.evidence.provenance))
    });
    let matched_events = matched.len();
    let mut builder = AlertBuilder::new(&rules, CorrelationOptions::default())
        .map_err(|e| anyhow::anyhow!("the correlation rules cannot run: {e}"))?;
    let mut alerts = intel_alerts;
    for event in matched {
        builder.push(event, &mut alerts);
    }
    if !args.no_analytics {
        // Analytics, like correlations, need event-time order across files.
        observations.sort_by(|a, b| {
            time_and_place(a.time, &a.provenance).cmp(&time_and_place(b.time, &b.provenance))
        });
        let mut analytics = Analytics::new(AnalyticsOptions::default())
            .map_err(|e| anyhow::anyhow!("the analytics cannot run: {e}"))?;
        for observation in &observations {
            analytics.observe_observation(observation, &mut alerts);
        }
    }
    alerts.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.rule.title.cmp(&b.rule.title))
    });
    if let Some(min) = args.min_level {
        alerts.retain(|a| a.rule.level() >= min);
    }

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(BufWriter::new(File::create(path).with_context(|| {
                format!("cannot create `{}`", path.display())
            })?))
        }
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let written = match args.format {
        AlertFormat::Table => write_table(&mut out, &alerts),
        AlertFormat::Jsonl => write_jsonl(&mut out, &alerts),
        AlertFormat::Csv => write_csv(&mut out, &alerts),
    }
    .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::from(EXIT_OK)),
        Err(e) => summary.error(format!("cannot write alerts: {e}")),
        Ok(()) => {}
    }

    let elapsed = started.elapsed();
    let mut err = io::stderr().lock();
    summary.print(&mut err, elapsed)?;
    print_alert_summary(
        &mut err,
        &alerts,
        rules.rules().len(),
        rules.correlations().len(),
    )?;
    writeln!(err, "  {matched_events} events matched a rule")?;
    Ok(ExitCode::from(summary.exit_code()))
}

/// The order matched events and observations are fed in: event time, ties broken by place so
/// the result does not depend on which thread read what first.
fn time_and_place(time: i64, place: &Provenance) -> (i64, &str, u64, Option<u32>) {
    (time, &place.source, place.offset, place.index)
}

/// What every worker thread shares.
struct Worker<'a> {
    args: &'a HuntArgs,
    matcher: &'a Matcher<'a>,
    intel: &'a IntelSet,
    window: (Option<i64>, Option<i64>),
    progress: &'a Progress,
}

/// What one worker gathers; merged at the end.
#[derive(Default)]
struct WorkerOutput {
    summary: Summary,
    /// Events that matched a rule.
    matched: Vec<MatchedEvent>,
    /// What the analytics need of every event they use.
    observations: Vec<Observation>,
    /// Indicator alerts (stateless, raised as events are read).
    alerts: Vec<Alert>,
}

impl WorkerOutput {
    fn merge(&mut self, mut other: WorkerOutput) {
        self.summary.merge(other.summary);
        self.matched.append(&mut other.matched);
        self.observations.append(&mut other.observations);
        self.alerts.append(&mut other.alerts);
    }
}

impl Worker<'_> {
    fn hunt_file(&self, path: &PathBuf, scratch: &mut Scratch, out: &mut WorkerOutput) {
        let name = path.display().to_string();
        let file = match File::open(path) {
            Ok(file) => file,
            Err(error) => {
                out.summary.error(format!("cannot open `{name}`: {error}"));
                return;
            }
        };
        let modified = file.metadata().and_then(|m| m.modified()).ok();
        let options = StreamOptions {
            source_type: self.args.source_type,
            reference_time_ms: walk::reference_time_ms(modified),
            ..StreamOptions::default()
        };
        let (from, to) = self.window;
        let analytics = !self.args.no_analytics;
        let WorkerOutput {
            summary,
            matched,
            observations,
            alerts,
        } = out;
        let result = pipeline::process(file, &name, &options, |batch| {
            summary.note_rejections(&batch.rejections);
            self.progress
                .events
                .fetch_add(batch.events.len() as u64, Ordering::Relaxed);
            for event in batch.events.drain(..) {
                if from.is_some_and(|f| event.time < f) || to.is_some_and(|t| event.time >= t) {
                    continue;
                }
                self.intel.match_event(&event, alerts);
                if analytics {
                    observations.extend(Observation::from_event(&event));
                }
                if let Some(found) = self.matcher.match_event(&event, scratch) {
                    self.progress.matched.fetch_add(1, Ordering::Relaxed);
                    matched.push(found);
                }
            }
        });
        match result {
            Ok(stats) => {
                self.progress
                    .bytes
                    .fetch_add(stats.bytes, Ordering::Relaxed);
                summary.add_stream(&stats);
            }
            Err(error) => summary.error(format!("cannot read `{name}`: {error}")),
        }
    }
}

pub(crate) fn load_intel(paths: &[PathBuf]) -> anyhow::Result<IntelSet> {
    let mut builder = IntelSetBuilder::new(IntelOptions::default());
    for path in paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read intel file `{}`", path.display()))?;
        let report = builder.add_auto(&text, &path.display().to_string());
        eprintln!(
            "intel `{}`: {} indicators, {} duplicates, {} rejected",
            path.display(),
            report.accepted,
            report.duplicates,
            report.rejected
        );
        for reject in report.rejects.iter().take(5) {
            eprintln!("  rejected: {reject:?}");
        }
    }
    Ok(builder.build())
}

fn load_rules(args: &HuntArgs, summary: &mut Summary) -> anyhow::Result<CompiledRuleSet> {
    let mut documents: Vec<Document> = Vec::new();
    if !args.no_default_rules {
        let (pack, errors) = vigil_detect::load_ibm_rule_pack();
        for e in errors {
            summary.error(format!("built-in rule pack: {e}"));
        }
        documents.extend(pack);
    }
    let mut read = RuleFiles::read(&args.rules);
    for error in std::mem::take(&mut read.read_errors) {
        summary.error(format!("rules: {error}"));
    }
    // Rules that cannot be used: file, document, construct, reason.
    let mut skipped: Vec<String> = read.rejected.iter().map(ToString::to_string).collect();
    documents.append(&mut read.documents);
    let mut set = RuleSet::with_shipped_pipelines()
        .map_err(|e| anyhow::anyhow!("the shipped pipelines do not load: {e}"))?;
    set.options(EngineOptions {
        ignore_logsource: args.ignore_logsource,
        ..EngineOptions::default()
    });
    set.add_documents(documents);
    let (compiled, errors) = set.build();
    for e in errors {
        match read.place_of(e.id.as_deref(), &e.title) {
            Some(place) => skipped.push(format!(
                "{}: {e}",
                place.rsplit_once('#').map_or(place, |(file, _)| file)
            )),
            None => skipped.push(e.to_string()),
        }
    }
    if args.strict && !skipped.is_empty() {
        for message in &skipped {
            eprintln!("error: {message}");
        }
        bail!(
            "{} rule document(s) cannot be used (`--strict`); `vigil rules check` explains each",
            skipped.len()
        );
    }
    for message in &skipped {
        eprintln!("warning: rule skipped: {message} (see `vigil rules check`)");
    }
    Ok(compiled)
}

fn progress_bar(files: usize) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} files {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}

fn update_bar(bar: &indicatif::ProgressBar, progress: &Progress, started: Instant) {
    let events = progress.events.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    bar.set_position(progress.files.load(Ordering::Relaxed));
    bar.set_message(format!(
        "{:.1} MB, {events} events ({:.0}/s), {} matches",
        progress.bytes.load(Ordering::Relaxed) as f64 / 1e6,
        events as f64 / secs,
        progress.matched.load(Ordering::Relaxed)
    ));
}

fn level_rank(alert: &Alert) -> std::cmp::Reverse<Level> {
    std::cmp::Reverse(alert.rule.level())
}

fn write_table(w: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    let mut groups: BTreeMap<(std::cmp::Reverse<Level>, &str), Vec<&Alert>> = BTreeMap::new();
    for alert in alerts {
        groups
            .entry((level_rank(alert), alert.rule.title.as_str()))
            .or_default()
            .push(alert);
    }
    for ((level, title), group) in &groups {
        let first = group[0];
        let tags = first.rule.tags.join(" ");
        writeln!(
            w,
            "[{}] {title} — {} alert(s)  {tags}",
            level.0.name(),
            group.len()
        )?;
        for alert in group.iter().take(50) {
            let entities = &alert.entities;
            let mut who: Vec<&str> = entities.users.iter().map(String::as_str).take(2).collect();
            who.extend(entities.ips.iter().map(String::as_str).take(3));
            let place = alert
                .evidence
                .first()
                .map(|e| format!("{}:{}", e.provenance.source, e.provenance.line))
                .unwrap_or_default();
            let extra = match &alert.correlation {
                Some(c) => format!(" ({} {} over {} events)", c.kind, c.value, c.events),
                None => String::new(),
            };
            writeln!(
                w,
                "    {}  {}{extra}  {place}",
                vigil_formats::time::format_rfc3339_ms(alert.time),
                who.join(", ")
            )?;
        }
        if group.len() > 50 {
            writeln!(
                w,
                "    … {} more (use --format jsonl for all)",
                group.len() - 50
            )?;
        }
    }
    Ok(())
}

fn write_jsonl(w: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    for alert in alerts {
        serde_json::to_writer(&mut *w, alert)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Quotes a CSV field when it needs it (RFC 4180).
/// `s` as one CSV field (quoted when it holds a comma, quote or line break).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_csv(w: &mut dyn Write, alerts: &[Alert]) -> io::Result<()> {
    writeln!(w, "time,level,rule_id,rule_title,tags,kind,ips,users,api_keys,resources,source_type,source,line,matched_fields")?;
    for a in alerts {
        let join = |set: &std::collections::BTreeSet<String>| {
            set.iter().cloned().collect::<Vec<_>>().join(" ")
        };
        let first = a.evidence.first();
        let fields: Vec<String> = first
            .map(|e| {
                e.matched_fields
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect()
            })
            .unwrap_or_default();
        let row = [
            vigil_formats::time::format_rfc3339_ms(a.time),
            a.rule.level.to_owned(),
            a.rule.id.clone().unwrap_or_default(),
            a.rule.title.clone(),
            a.rule.tags.join(" "),
            a.correlation
                .as_ref()
                .map_or("match", |c| c.kind)
                .to_owned(),
            join(&a.entities.ips),
            join(&a.entities.users),
            join(&a.entities.api_keys),
            join(&a.entities.resources),
            first
                .map(|e| e.source_type.name().to_owned())
                .unwrap_or_default(),
            first
                .map(|e| e.provenance.source.to_string())
                .unwrap_or_default(),
            first
                .map(|e| e.provenance.line.to_string())
                .unwrap_or_default(),
            fields.join(" "),
        ];
        let row: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        writeln!(w, "{}", row.join(","))?;
    }
    Ok(())
}

fn print_alert_summary(
    w: &mut dyn Write,
    alerts: &[Alert],
    rules: usize,
    correlations: usize,
) -> io::Result<()> {
    let mut by_level: BTreeMap<std::cmp::Reverse<Level>, usize> = BTreeMap::new();
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for alert in alerts {
        *by_level.entry(level_rank(alert)).or_default() += 1;
        *by_rule.entry(alert.rule.title.as_str()).or_default() += 1;
    }
    writeln!(
        w,
        "vigil hunt: {} alerts from {rules} rules and {correlations} correlations",
        alerts.len()
    )?;
    for (level, n) in &by_level {
        writeln!(w, "  {n:>10}  {}", level.0.name())?;
    }
    let mut top: Vec<_> = by_rule.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !top.is_empty() {
        writeln!(w, "  top rules:")?;
        for (title, n) in top.into_iter().take(15) {
            writeln!(w, "  {n:>10}  {title}")?;
        }
    }
    Ok(())
}
