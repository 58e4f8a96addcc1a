//! `vigil generate` (being written).

use std::process::ExitCode;

/// Arguments of `vigil generate`.
#[derive(clap::Args, Debug)]
pub struct GenerateArgs {}

/// Runs `vigil generate`.
pub fn run(_args: GenerateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("generate is not available yet")
}
