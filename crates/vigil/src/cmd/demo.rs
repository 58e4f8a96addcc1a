//! `vigil demo` (in progress: needs the telemetry generator).

use std::process::ExitCode;

/// Arguments of `vigil demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {}

/// Runs `vigil demo`.
pub fn run(_args: DemoArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("demo is not available yet")
}
