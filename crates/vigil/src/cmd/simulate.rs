//! `vigil simulate`: a simulated day of the estate with labelled attack stories (see
//! `vigil_sim::simulate`), laid out as in object storage and on a syslog server, plus
//! `ground-truth.json`. `vigil hunt DIR` is meant to find every attack in it.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vigil_sim::{simulate, SimulateOptions, Simulation, StoryKind, DEFAULT_DAY_START_MS};

use super::EXIT_OK;

/// Arguments of `vigil simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// Output directory: created if missing; it must be empty.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Hours of telemetry. Stories keep their length; below 24 their start times are
    /// compressed into the span.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// Seed: the same seed, hours and scale write the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Background volume factor: 1.0 is about 200,000 records a day. Stories do not scale.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Start of the simulated time (RFC 3339 or epoch seconds/ms; default
    /// 2025-06-02T00:00:00Z, a Monday).
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
}

/// Runs `vigil simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let start_ms = match &args.start {
        Some(text) => vigil_formats::time::parse_any(text).with_context(|| {
            format!("`--start {text}` is not a time: use RFC 3339 (2025-06-02T00:00:00Z) or epoch seconds")
        })?,
        None => DEFAULT_DAY_START_MS,
    };
    anyhow::ensure!(
        args.scale.is_finite() && args.scale > 0.0,
        "`--scale` must be a positive number, not {}",
        args.scale
    );
    let options = SimulateOptions {
        seed: args.seed,
        hours: args.hours,
        scale: args.scale,
        start_ms,
    };
    let started = Instant::now();
    let simulation = simulate(&args.out, &options)
        .with_context(|| format!("cannot simulate into `{}`", args.out.display()))?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut stderr = io::stderr().lock();
    print_summary(&mut stderr, &simulation, &args, elapsed).context("cannot write the summary")?;
    Ok(ExitCode::from(EXIT_OK))
}

fn print_summary(
    w: &mut dyn Write,
    simulation: &Simulation,
    args: &SimulateArgs,
    elapsed_secs: f64,
) -> io::Result<()> {
    writeln!(
        w,
        "{:<22} {:>7} {:>11} {:>10} {:>13}",
        "source", "files", "records", "on disk", "decompressed"
    )?;
    let summary = &simulation.files;
    for (source, totals) in &summary.by_source {
        writeln!(
            w,
            "{:<22} {:>7} {:>11} {:>10} {:>13}",
            source.name(),
            totals.files,
            totals.records,
            human_bytes(totals.bytes),
            human_bytes(totals.uncompressed_bytes)
        )?;
    }
    let total = summary.total();
    writeln!(
        w,
        "{:<22} {:>7} {:>11} {:>10} {:>13}",
        "total",
        total.files,
        total.records,
        human_bytes(total.bytes),
        human_bytes(total.uncompressed_bytes)
    )?;
    writeln!(w)?;
    let attacks = simulation
        .stories
        .iter()
        .filter(|s| s.kind == StoryKind::Attack)
        .count();
    writeln!(
        w,
        "{} stories ({attacks} attacks, {} benign look-alikes):",
        simulation.stories.len(),
        simulation.stories.len() - attacks
    )?;
    for story in &simulation.stories {
        writeln!(
            w,
            "  {} {:<6} {:<5} {}–{}  {}",
            story.id,
            story.kind.name(),
            story.loudness.name(),
            clock(story.start_ms),
            clock(story.end_ms),
            story.name
        )?;
    }
    writeln!(
        w,
        "wrote {} files and `{}` in {elapsed_secs:.1} s (seed {}, {} h, scale {})",
        total.files,
        simulation.ground_truth.display(),
        args.seed,
        args.hours,
        args.scale
    )
}

/// `HH:MM` (UTC) of a time, with the day when it is not the first.
fn clock(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let minutes = seconds.div_euclid(60);
    let hours = minutes.div_euclid(60);
    format!("{:02}:{:02}", hours.rem_euclid(24), minutes.rem_euclid(60))
}

/// `1234567` → `1.2 MB` (decimal units).
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_prints_utc_hours_and_minutes() {
        assert_eq!(
            clock(DEFAULT_DAY_START_MS + 11 * 3_600_000 + 5 * 60_000),
            "11:05"
        );
        assert_eq!(human_bytes(1_234_567), "1.2 MB");
    }
}
