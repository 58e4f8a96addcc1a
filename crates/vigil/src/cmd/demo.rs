//! `vigil demo`: the main job on the embedded default, with nothing to install. Simulates a
//! day of an IBM Cloud VPC estate's telemetry (every source, in its wire format, with attack
//! stories and benign look-alikes), then hunts it with the built-in IBM Cloud rule pack,
//! analytics included, and prints the report an analyst would read.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::hunt::{AlertFormat, HuntArgs};
use super::simulate::SimulateArgs;

/// Arguments of `vigil demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Write the simulated telemetry here and keep it (default: a temporary directory,
    /// removed at the end). It must be empty or not exist.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Background volume: 1.0 is about 200,000 records a day.
    #[arg(long, default_value_t = 0.5)]
    pub scale: f64,
    /// Seed of the simulation (same seed, same data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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
            temporary.path().join("estate")
        }
    };
    eprintln!(
        "vigil demo: simulating a day of IBM Cloud VPC telemetry under {}",
        dir.display()
    );
    let simulated = super::simulate::run(SimulateArgs {
        out: dir.clone(),
        hours: 24,
        seed: args.seed,
        scale: args.scale,
        start: None,
    })?;
    if simulated != ExitCode::SUCCESS {
        return Ok(simulated);
    }
    eprintln!("\nvigil demo: hunting it with the built-in IBM Cloud rule pack and analytics\n");
    let code = super::hunt::run(HuntArgs {
        paths: vec![dir.clone()],
        rules: Vec::new(),
        no_default_rules: false,
        source_type: None,
        from: None,
        to: None,
        min_level: None,
        ignore_logsource: false,
        format: AlertFormat::Table,
        output: None,
        threads: None,
        intel: Vec::new(),
        no_analytics: false,
        strict: false,
    })?;
    eprintln!(
        "\nnext: `vigil simulate --out DIR`, then `vigil hunt DIR --format jsonl`; the stories \
         injected are in DIR/ground-truth.json; `vigil parse DIR --format table` lists every event"
    );
    Ok(code)
}
