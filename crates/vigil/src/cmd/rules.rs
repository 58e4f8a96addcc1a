//! `vigil rules`: load and check Sigma rules.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use vigil_model::SourceType;
use vigil_sigma::ast::Document;
use vigil_sigma::correlation::{CorrelationEngine, CorrelationOptions};
use vigil_sigma::engine::{EngineOptions, RuleSet};

use super::rule_files::RuleFiles;
use super::{EXIT_ERROR, EXIT_OK, EXIT_REJECTED};

/// Arguments of `vigil rules`.
#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// `vigil rules` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum RulesCommand {
    /// Load every Sigma document (rules, correlations, filters) under the paths, compile them
    /// with Vigil's pipelines, and report each one that cannot be used and why.
    Check(CheckArgs),
    /// Write the built-in IBM Cloud rule pack to a directory, as Sigma YAML files.
    Export(ExportArgs),
}

/// Arguments of `vigil rules export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Directory to write to (created if missing; files of the same name are overwritten).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Arguments of `vigil rules check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rule files or directories (`.yml` and `.yaml`, read recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print only the summary, not every rejected document.
    #[arg(long, short)]
    pub quiet: bool,
    /// Values for an `expand` placeholder: `NAME=VALUE[,VALUE…]` (repeatable). Rules using a
    /// placeholder with no values are rejected, as the Sigma specification requires.
    #[arg(long = "placeholder", value_name = "NAME=VALUES", value_parser = parse_placeholder)]
    pub placeholders: Vec<(String, Vec<String>)>,
}

fn parse_placeholder(text: &str) -> Result<(String, Vec<String>), String> {
    let (name, values) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE[,VALUE…], got `{text}`"))?;
    let name = name.trim().trim_matches('%');
    if name.is_empty() {
        return Err(format!("empty placeholder name in `{text}`"));
    }
    Ok((
        name.to_owned(),
        values.split(',').map(str::to_owned).collect(),
    ))
}

/// Runs `vigil rules`.
pub fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RulesCommand::Check(args) => check(args),
        RulesCommand::Export(args) => export(args),
    }
}

fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    let mut written = 0usize;
    for (name, text) in vigil_detect::ibm_rule_pack() {
        let path = args.dir.join(vigil_detect::IBM_RULE_PACK_PREFIX).join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        written += 1;
    }
    eprintln!(
        "vigil rules export: {written} rule files written under `{}`",
        args.dir.join(vigil_detect::IBM_RULE_PACK_PREFIX).display()
    );
    Ok(ExitCode::from(EXIT_OK))
}

/// One rejected document, for the report.
struct Rejected {
    place: String,
    reason: String,
    detail: String,
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut read = RuleFiles::read(&args.paths);
    let errors = std::mem::take(&mut read.read_errors);
    let files = read.files;
    let mut rejected: Vec<Rejected> = read
        .rejected
        .iter()
        .map(|e| Rejected {
            place: format!("{}#{}", e.source, e.document + 1),
            reason: e.reason.to_owned(),
            detail: format!(
                "{}{}: {}",
                e.title.as_deref().unwrap_or("(untitled)"),
                e.id.as_deref()
                    .map(|id| format!(" ({id})"))
                    .unwrap_or_default(),
                e.detail
            ),
        })
        .collect();
    let documents = std::mem::take(&mut read.documents);
    let loaded = documents.len();
    let count = |kind: fn(&Document) -> bool| documents.iter().filter(|d| kind(d)).count();
    let rules = count(|d| matches!(d, Document::Rule(_)));
    let correlations = count(|d| matches!(d, Document::Correlation(_)));
    let filters = count(|d| matches!(d, Document::Filter(_)));

    let mut set = RuleSet::with_shipped_pipelines()
        .map_err(|e| anyhow::anyhow!("the shipped pipelines do not load: {e}"))?;
    let mut options = EngineOptions::default();
    for (name, values) in args.placeholders {
        options
            .compile
            .placeholders
            .entry(name)
            .or_default()
            .extend(values);
    }
    set.options(options);
    set.add_documents(documents);
    let (compiled, build_errors) = set.build();
    for e in &build_errors {
        let place = read.place_of(e.id.as_deref(), &e.title).unwrap_or_default();
        rejected.push(Rejected {
            place: format!("{place} {} `{}`", e.kind.name(), e.title),
            reason: "compile".into(),
            detail: format!(
                "{}{}",
                e.id.as_deref()
                    .map(|id| format!("({id}) "))
                    .unwrap_or_default(),
                e.reason
            ),
        });
    }
    let known = compiled.known_rules();
    if let Err(e) = CorrelationEngine::new(
        compiled.correlations(),
        &known,
        CorrelationOptions::default(),
    ) {
        rejected.push(Rejected {
            place: "correlations".into(),
            reason: "correlation".into(),
            detail: e.to_string(),
        });
    }

    let mut routed: BTreeMap<SourceType, usize> = BTreeMap::new();
    let mut unrouted = 0usize;
    for rule in compiled.rules() {
        if rule.source_types.is_empty() {
            unrouted += 1;
        }
        for source_type in &rule.source_types {
            *routed.entry(*source_type).or_default() += 1;
        }
    }

    let stdout = io::stdout();
    let mut w = stdout.lock();
    if !args.quiet {
        for r in &rejected {
            writeln!(w, "rejected  {}  [{}]  {}", r.place, r.reason, r.detail)?;
        }
    }
    let usable = compiled.rules().len();
    writeln!(
        w,
        "vigil rules check: {files} files, {loaded} documents loaded ({rules} rules, {correlations} correlations, {filters} filters), {usable} rules compiled, {} rejected in {:.2}s",
        rejected.len(),
        started.elapsed().as_secs_f64()
    )?;
    if !rejected.is_empty() {
        let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rejected {
            *by_reason.entry(r.reason.as_str()).or_default() += 1;
        }
        writeln!(w, "  rejected by reason:")?;
        for (reason, n) in by_reason {
            writeln!(w, "  {n:>8}  {reason}")?;
        }
    }
    writeln!(
        w,
        "  rules routed to each source type (others are never evaluated on it):"
    )?;
    for (source_type, n) in &routed {
        writeln!(w, "  {n:>8}  {}", source_type.name())?;
    }
    writeln!(
        w,
        "  {unrouted:>8}  routed to no Vigil source (their logsource has no pipeline)"
    )?;
    for error in &errors {
        writeln!(w, "error: {error}")?;
    }
    Ok(ExitCode::from(if !errors.is_empty() {
        EXIT_ERROR
    } else if !rejected.is_empty() {
        EXIT_REJECTED
    } else {
        EXIT_OK
    }))
}
