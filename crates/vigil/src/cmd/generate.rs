//! `vigil generate`: writes a synthetic dataset of every source Vigil reads, each in its wire
//! format and laid out as in object storage or on a syslog server (see `vigil_sim`). For
//! benchmarks, demos and trying `vigil parse` without real logs.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vigil_sim::{write_dataset, DatasetOptions, DatasetSummary, FeedSummary};

use super::EXIT_OK;

/// Arguments of `vigil generate`.
#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Output directory (created if missing; files already there with the same names are
    /// replaced).
    pub out: PathBuf,
    /// Size factor: 1.0 writes about 16 MB of records (about 8 MB on disk); sizes grow
    /// linearly.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Seed of the generator: the same seed and scale write the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Flow records in each VPC flow log object.
    #[arg(long, default_value_t = 200)]
    pub flow_records_per_object: usize,
}

/// Runs `vigil generate`.
pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.scale.is_finite() && args.scale > 0.0,
        "`--scale` must be a positive number, not {}",
        args.scale
    );
    anyhow::ensure!(
        args.flow_records_per_object > 0,
        "`--flow-records-per-object` must be at least 1"
    );
    let options = DatasetOptions {
        seed: args.seed,
        scale: args.scale,
        flow_records_per_object: args.flow_records_per_object,
        ..DatasetOptions::default()
    };
    let started = Instant::now();
    let summary = write_dataset(&args.out, &options)
        .with_context(|| format!("cannot write the dataset to `{}`", args.out.display()))?;
    let elapsed = started.elapsed().as_secs_f64();
    let mut stderr = io::stderr().lock();
    print_summary(&mut stderr, &summary, &args, elapsed).context("cannot write the summary")?;
    Ok(ExitCode::from(EXIT_OK))
}

fn print_summary(
    w: &mut dyn Write,
    summary: &DatasetSummary,
    args: &GenerateArgs,
    elapsed_secs: f64,
) -> io::Result<()> {
    writeln!(
        w,
        "{:<22} {:>7} {:>11} {:>10} {:>13}",
        "source", "files", "records", "on disk", "decompressed"
    )?;
    let row = |w: &mut dyn Write, name: &str, totals: &FeedSummary| {
        writeln!(
            w,
            "{:<22} {:>7} {:>11} {:>10} {:>13}",
            name,
            totals.files,
            totals.records,
            human_bytes(totals.bytes),
            human_bytes(totals.uncompressed_bytes)
        )
    };
    for (source, totals) in &summary.by_source {
        row(w, source.name(), totals)?;
    }
    let total = summary.total();
    row(w, "total", &total)?;
    writeln!(
        w,
        "wrote {} files to `{}` in {elapsed_secs:.1} s (seed {}, scale {})",
        total.files,
        args.out.display(),
        args.seed,
        args.scale
    )
}

/// `1234567` → `1.2 MB` (decimal units, as file managers show them).
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
    fn human_bytes_uses_decimal_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_234_567), "1.2 MB");
        assert_eq!(human_bytes(5_000_000_000), "5.0 GB");
    }

    #[test]
    fn summary_lists_every_source_and_a_total() {
        let dir = std::env::temp_dir().join(format!("vigil-generate-test-{}", std::process::id()));
        let args = GenerateArgs {
            out: dir.clone(),
            scale: 0.05,
            seed: 3,
            flow_records_per_object: 10,
        };
        let options = DatasetOptions {
            seed: args.seed,
            scale: args.scale,
            flow_records_per_object: args.flow_records_per_object,
            ..DatasetOptions::default()
        };
        let summary = write_dataset(&dir, &options).unwrap();
        let mut out = Vec::new();
        print_summary(&mut out, &summary, &args, 0.5).unwrap();
        let text = String::from_utf8(out).unwrap();
        for name in [
            "ibm_activity_tracker",
            "ibm_vpc_flow_logs",
            "panos",
            "fortigate",
            "checkpoint",
            "falco",
            "total",
        ] {
            assert!(text.contains(name), "{name} missing:\n{text}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Every generated file is detected as the source it was written as, and every record
    /// normalizes: the generator and the normalizers agree on the wire formats.
    #[test]
    fn generated_dataset_normalizes_without_rejections() {
        use vigil_formats::pipeline::{process, StreamOptions};

        let dir = std::env::temp_dir().join(format!("vigil-generate-parse-{}", std::process::id()));
        let options = DatasetOptions {
            scale: 0.2,
            flow_records_per_object: 50,
            ..DatasetOptions::default()
        };
        let summary = write_dataset(&dir, &options).unwrap();
        let stream_options = StreamOptions {
            reference_time_ms: options.start_ms,
            ..StreamOptions::default()
        };
        let mut reasons = Vec::new();
        for file in &summary.files {
            let path = dir.join(&file.path);
            let reader = std::fs::File::open(&path).unwrap();
            let mut events = 0u64;
            let stats = process(reader, &path.to_string_lossy(), &stream_options, |out| {
                events += out.events.len() as u64;
                for rejection in out.rejections.drain(..) {
                    reasons.push(format!(
                        "{:?}: {} ({})",
                        file.path, rejection.reason, rejection.detail
                    ));
                }
            })
            .unwrap();
            assert_eq!(events, file.records, "{:?}", file.path);
            let detected: Vec<_> = stats.by_source.keys().copied().collect();
            assert_eq!(detected, vec![file.source_type], "{:?}", file.path);
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            reasons.is_empty(),
            "{} rejections, first: {:#?}",
            reasons.len(),
            &reasons[..reasons.len().min(5)]
        );
    }
}
