//! `vigil demo`: the main job on the embedded default, with nothing to install. Generates a
//! realistic IBM Cloud VPC estate's telemetry (every source, in its wire format), normalizes
//! all of it as `vigil parse` would, and shows the summary and the events an analyst would
//! look at first.

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use vigil_formats::pipeline::{self, StreamOptions};
use vigil_model::{ClassUid, Event, SeverityId, StatusId};

use super::summary::{table_row, Summary};
use super::{EXIT_ERROR, EXIT_OK, EXIT_REJECTED};
use crate::walk::{self, Input};

/// Arguments of `vigil demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Write the generated telemetry here and keep it (default: a temporary directory,
    /// removed at the end).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Size factor: 1.0 is about 15 MB of records.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Seed of the generator (same seed, same data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many notable events to show.
    #[arg(long, default_value_t = 20)]
    pub show: usize,
}

/// Runs `vigil demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let temporary;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temporary = tempfile::Builder::new()
                .prefix("vigil-demo-")
                .tempdir()
                .context("cannot create a temporary directory")?;
            temporary.path().to_path_buf()
        }
    };
    let options = vigil_sim::DatasetOptions {
        seed: args.seed,
        scale: args.scale,
        ..vigil_sim::DatasetOptions::default()
    };
    let started = Instant::now();
    let written = vigil_sim::write_dataset(&dir, &options)
        .with_context(|| format!("cannot write demo telemetry to `{}`", dir.display()))?;
    let total = written.total();
    eprintln!(
        "vigil demo: generated {} files ({:.1} MB on disk) of IBM Cloud VPC telemetry in {:.2}s under {}",
        written.files.len(),
        total.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        dir.display()
    );

    let started = Instant::now();
    let mut summary = Summary::default();
    let mut by_class: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut notable: Vec<Event> = Vec::new();
    for input in walk::inputs(std::slice::from_ref(&dir)) {
        let path = match input {
            Input::File(path) => path,
            Input::Error(path, error) => {
                summary.error(format!("cannot read `{}`: {error}", path.display()));
                continue;
            }
        };
        let name = path.display().to_string();
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(error) => {
                summary.error(format!("cannot open `{name}`: {error}"));
                continue;
            }
        };
        let stream_options = StreamOptions {
            reference_time_ms: options.start_ms,
            ..StreamOptions::default()
        };
        let result = pipeline::process(file, &name, &stream_options, |out| {
            summary.note_rejections(&out.rejections);
            for event in out.events.drain(..) {
                *by_class.entry(event.class_uid.name()).or_default() += 1;
                if is_notable(&event) {
                    notable.push(event);
                }
            }
        });
        match result {
            Ok(stats) => summary.add_stream(&stats),
            Err(error) => summary.error(format!("cannot read `{name}`: {error}")),
        }
    }
    summary.print(&mut io::stderr().lock(), started.elapsed())?;
    eprintln!("  events by OCSF class:");
    for (class, count) in &by_class {
        eprintln!("  {count:>10}  {class}");
    }
    notable.sort_by(|a, b| b.severity_id.cmp(&a.severity_id).then(a.time.cmp(&b.time)));
    println!(
        "\nnotable events ({} of {}: findings, failed logons, denied traffic, high severity):",
        notable.len().min(args.show),
        notable.len()
    );
    for event in notable.iter().take(args.show) {
        println!("{}", table_row(event));
    }
    println!(
        "\nnext: `vigil parse {} --format table` lists every event",
        dir.display()
    );
    Ok(ExitCode::from(if summary.has_errors() {
        EXIT_ERROR
    } else if summary.rejected() > 0 {
        EXIT_REJECTED
    } else {
        EXIT_OK
    }))
}

/// What an analyst looks at first: findings, failed logons, denied connections and anything
/// high severity.
fn is_notable(event: &Event) -> bool {
    event.class_uid == ClassUid::DetectionFinding
        || event.severity_id >= SeverityId::High
        || (event.class_uid == ClassUid::Authentication
            && event.status_id == Some(StatusId::Failure))
}
