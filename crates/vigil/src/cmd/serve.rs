//! `vigil serve`: the running platform (collection, durable store, streaming detection, API).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use vigil_server::auth::Tokens;
use vigil_server::{ServeConfig, Server};
use vigil_sigma::ast::Document;

use super::rule_files::RuleFiles;

/// Arguments of `vigil serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Configuration file (TOML; see the README). Without it: loopback, `./vigil-data`, the
    /// built-in rules, no pull sources (push endpoints only).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where events and state live (overrides `server.data_dir`).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on (overrides `server.listen`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Reads the configuration, the rule files it names and the indicators.
pub(crate) fn prepare(args: &ServeArgs) -> anyhow::Result<Server> {
    let mut config = match &args.config {
        Some(path) => ServeConfig::load(path)?,
        None => ServeConfig::default(),
    };
    if let Some(dir) = &args.data_dir {
        config.server.data_dir = dir.clone();
    }
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    let documents = rule_documents(&config)?;
    let intel = super::hunt::load_intel(&config.detection.intel_paths)?;
    Ok(Server {
        config,
        documents,
        intel,
        extra_tokens: Tokens::default(),
    })
}

/// The built-in pack (unless turned off) and the configured rule files; a rule that does not
/// load is reported and left out, as `vigil hunt` does.
fn rule_documents(config: &ServeConfig) -> anyhow::Result<Vec<Document>> {
    let mut documents = Vec::new();
    if config.detection.builtin_rules {
        let (pack, errors) = vigil_detect::load_ibm_rule_pack();
        if let Some(error) = errors.first() {
            anyhow::bail!("the built-in rule pack does not load: {error}");
        }
        documents.extend(pack);
    }
    let mut read = RuleFiles::read(&config.detection.rule_paths);
    for error in &read.read_errors {
        eprintln!("warning: rules: {error}");
    }
    for rejected in &read.rejected {
        eprintln!("warning: rule skipped: {rejected} (see `vigil rules check`)");
    }
    documents.append(&mut read.documents);
    Ok(documents)
}

/// Runs `vigil serve` until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    let server = prepare(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let data_dir = server.config.server.data_dir.clone();
        let handle = server.start().await?;
        eprintln!("vigil serve: listening on http://{}", handle.addr);
        eprintln!("  data: {}", data_dir.display());
        if let Some(path) = &handle.token_file {
            eprintln!(
                "  API token: {} (send it as `Authorization: Bearer <token>`)",
                path.display()
            );
        }
        wait_for_signal().await;
        eprintln!("vigil serve: stopping (finishing queued chunks)");
        handle.shutdown().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Logs to stderr; `RUST_LOG` chooses the level (default `info`).
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Ctrl-C, or SIGTERM on Unix.
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
