//! `vigil`: the command line. Thin glue over the library crates; the only place that knows
//! about files, terminals and exit codes.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod walk;

/// Vigil: threat investigation and response for IBM Cloud VPC estates.
#[derive(Parser, Debug)]
#[command(name = "vigil", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decode and normalize log files to OCSF events.
    Parse(cmd::parse::ParseArgs),
    /// Hunt through log files with Sigma rules (the IBM Cloud pack built in): alerts out.
    Hunt(cmd::hunt::HuntArgs),
    /// Generate demo telemetry, parse it and print the summary.
    Demo(cmd::demo::DemoArgs),
    /// Generate synthetic telemetry files (for benchmarks and demos).
    Generate(cmd::generate::GenerateArgs),
    /// Work with Sigma rules: `vigil rules check PATH...`.
    Rules(cmd::rules::RulesArgs),
    /// Simulate a day of the estate with labelled attack stories and a ground truth.
    Simulate(cmd::simulate::SimulateArgs),
    /// Run the platform: collect, store, detect as events arrive, serve the API.
    Serve(cmd::serve::ServeArgs),
    /// Search the events of a running `vigil serve`.
    Search(cmd::search::SearchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => cmd::parse::run(args),
        Command::Hunt(args) => cmd::hunt::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Generate(args) => cmd::generate::run(args),
        Command::Rules(args) => cmd::rules::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Search(args) => cmd::search::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}
