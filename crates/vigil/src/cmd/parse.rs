//! `vigil parse`: files in, OCSF events out.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use anyhow::Context as _;
use vigil_formats::pipeline::{self, StreamOptions};
use vigil_formats::stream::Limits;
use vigil_formats::Output;
use vigil_model::SourceType;

use super::summary::{table_row, Summary};
use super::EXIT_OK;
use crate::walk::{self, Input};

/// Output formats for events.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One OCSF event per line; the original record is under `raw_data`, Vigil's provenance
    /// under `vigil`.
    Jsonl,
    /// One aligned line per event, for people.
    Table,
    /// Nothing but the summary (for measuring).
    None,
}

/// Arguments of `vigil parse`.
#[derive(clap::Args, Debug)]
pub struct ParseArgs {
    /// Files or directories (read recursively; gzip and zstd are decompressed); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read every input as this source type instead of detecting it: ibm_activity_tracker,
    /// ibm_vpc_flow_logs, panos, fortigate, checkpoint, cis_firewall_events,
    /// cis_http_requests, sysdig_secure, falco, aws_cloudtrail, cef, leef, syslog, json.
    #[arg(long, value_name = "TYPE")]
    pub source_type: Option<SourceType>,
    /// How to print events.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Write events to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every rejected record (JSON Lines: reason, detail, source, line, offset, record) to
    /// this file.
    #[arg(long, value_name = "FILE")]
    pub dead_letter: Option<PathBuf>,
    /// Largest record (line or JSON value) kept; longer ones are rejected.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_record_bytes)]
    pub max_record_bytes: usize,
    /// Most bytes one compressed input may decompress to.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_decompressed_bytes)]
    pub max_decompressed_bytes: u64,
}

/// Runs `vigil parse`.
pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let stdout = io::stdout();
    let mut events_out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path).with_context(|| format!("cannot create `{}`", path.display()))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, stdout.lock())),
    };
    let mut dead_letter = match &args.dead_letter {
        Some(path) => Some(BufWriter::new(File::create(path).with_context(|| {
            format!("cannot create dead-letter file `{}`", path.display())
        })?)),
        None => None,
    };
    let limits = Limits {
        max_record_bytes: args.max_record_bytes,
        max_decompressed_bytes: args.max_decompressed_bytes,
    };
    let mut summary = Summary::default();
    let mut write_error: Option<io::Error> = None;
    for input in walk::inputs(&args.paths) {
        let path = match input {
            Input::Error(path, error) => {
                summary.error(format!("cannot read `{}`: {error}", path.display()));
                continue;
            }
            Input::File(path) => path,
        };
        let name = path.display().to_string();
        let (reader, mtime): (Box<dyn io::Read>, Option<SystemTime>) = if name == "-" {
            (Box::new(io::stdin().lock()), None)
        } else {
            match File::open(&path) {
                Ok(file) => {
                    let mtime = file.metadata().and_then(|m| m.modified()).ok();
                    (Box::new(file), mtime)
                }
                Err(error) => {
                    summary.error(format!("cannot open `{name}`: {error}"));
                    continue;
                }
            }
        };
        let options = StreamOptions {
            source_type: args.source_type,
            limits,
            reference_time_ms: walk::reference_time_ms(mtime),
        };
        let result = pipeline::process(reader, &name, &options, |out: &mut Output| {
            if write_error.is_some() {
                return;
            }
            if let Err(e) = write_output(out, args.format, &mut events_out, dead_letter.as_mut()) {
                write_error = Some(e);
            }
            summary.note_rejections(&out.rejections);
        });
        match result {
            Ok(stats) => summary.add_stream(&stats),
            Err(error) => summary.error(format!("cannot read `{name}`: {error}")),
        }
        if write_error.is_some() {
            break;
        }
    }
    let flushed = events_out.flush();
    if let Some(dl) = dead_letter.as_mut() {
        dl.flush().context("cannot write the dead-letter file")?;
    }
    let elapsed = started.elapsed();
    match write_error.or(flushed.err()) {
        // A closed pipe (`vigil parse … | head`) is the reader's choice, not an error.
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::from(EXIT_OK)),
        Some(e) => {
            summary.error(format!("cannot write events: {e}"));
        }
        None => {}
    }
    summary.print(&mut io::stderr().lock(), elapsed)?;
    Ok(ExitCode::from(summary.exit_code()))
}

fn write_output(
    out: &mut Output,
    format: Format,
    events: &mut dyn Write,
    dead_letter: Option<&mut BufWriter<File>>,
) -> io::Result<()> {
    for event in &out.events {
        match format {
            Format::Jsonl => {
                serde_json::to_writer(&mut *events, event)?;
                events.write_all(b"\n")?;
            }
            Format::Table => writeln!(events, "{}", table_row(event))?,
            Format::None => {}
        }
    }
    if let Some(dl) = dead_letter {
        for rejection in &out.rejections {
            serde_json::to_writer(&mut *dl, rejection)?;
            dl.write_all(b"\n")?;
        }
    }
    Ok(())
}
