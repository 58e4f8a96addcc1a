//! `vigil demo`: the one-command first experience, with nothing to install. Simulates a day
//! of an IBM Cloud VPC estate's telemetry (every source in its wire format, with attack
//! stories and benign look-alikes), starts the platform (`vigil serve`'s server on loopback,
//! storing under a data directory), imports the day through the ingest pipeline (durable
//! store, streaming detection with the built-in pack, correlations and analytics), prints what
//! was found and how to look, then keeps serving until Ctrl-C (`--once` stops after the
//! report).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use vigil_server::auth::Tokens;
use vigil_server::pipeline::Job;
use vigil_sources::{Chunk, SourceId};
use vigil_state::AlertFilter;

use super::serve::{init_logging, prepare, wait_for_signal, ServeArgs};
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
    /// Where the platform stores events and state (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address of the API.
    #[arg(long, default_value = "127.0.0.1:8470")]
    pub listen: SocketAddr,
    /// Print the report and stop instead of serving until Ctrl-C.
    #[arg(long)]
    pub once: bool,
}

/// Runs `vigil demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    init_logging_quiet();
    let work = tempfile::Builder::new()
        .prefix("vigil-demo-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| work.path().join("estate"));
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| work.path().join("vigil-data"));
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
    let mut server = prepare(&ServeArgs {
        config: None,
        data_dir: Some(data_dir.clone()),
        listen: Some(args.listen),
    })?;
    let demo_token = vigil_server::auth::generate_token()?;
    let mut tokens = Tokens::default();
    tokens.add_token(&demo_token, "demo", vigil_server::config::Role::Admin);
    server.extra_tokens = tokens;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let handle = server.start().await?;
        eprintln!("\nvigil demo: importing the day through the ingest pipeline (store, detection, correlations, analytics)");
        let started = Instant::now();
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| p.file_name().is_some_and(|n| n != "ground-truth.json"))
            .collect();
        files.sort();
        let mut bytes_read = 0u64;
        for path in &files {
            let bytes = tokio::fs::read(path)
                .await
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            bytes_read += bytes.len() as u64;
            let job = Job {
                chunk: Chunk {
                    source_id: SourceId::new("demo-import"),
                    origin: path.display().to_string(),
                    bytes: bytes.into(),
                    source_type: None,
                    checkpoint: None,
                },
                received_ms: vigil_server::server::now_ms(),
                ack: None,
                submitted: None,
            };
            handle.state.pipeline.submit(job).await?;
        }
        let pipeline = handle.state.pipeline.clone();
        while pipeline.stats().in_flight.load(Ordering::Relaxed) > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let store = handle.state.store.clone();
        tokio::task::spawn_blocking(move || store.flush()).await??;
        let elapsed = started.elapsed().as_secs_f64();
        let stats = pipeline.stats();
        let events = stats.events.load(Ordering::Relaxed);
        eprintln!(
            "  {} files, {:.1} MB (compressed as written), {} events stored, {} rejected, {} alert hits in {:.1} s ({:.0} events/s)",
            files.len(),
            bytes_read as f64 / 1e6,
            events,
            stats.rejected.load(Ordering::Relaxed),
            stats.alerts.load(Ordering::Relaxed),
            elapsed,
            events as f64 / elapsed.max(1e-9),
        );
        report(&handle.state.state)?;
        let base = format!("http://{}", handle.addr);
        eprintln!("\nthe platform is up at {base}");
        eprintln!("  token (this run only):  export VIGIL_TOKEN={demo_token}");
        eprintln!("  alerts:   curl -s -H \"Authorization: Bearer $VIGIL_TOKEN\" {base}/api/alerts?level=high");
        eprintln!("  search:   vigil search --url {base} 'dst_port:22 AND action:allowed | stats count() by src_ip | sort -count | head 10' --from 2000-01-01T00:00:00Z");
        eprintln!("  metrics:  curl -s -H \"Authorization: Bearer $VIGIL_TOKEN\" {base}/metrics");
        eprintln!("  API:      {base}/api/openapi.json");
        eprintln!("  stories injected: {}/ground-truth.json", dir.display());
        if !args.once {
            eprintln!("\nserving until Ctrl-C");
            wait_for_signal().await;
        }
        handle.shutdown().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    drop(work);
    Ok(ExitCode::SUCCESS)
}

/// Alerts by level and the top rules, from the state store.
fn report(state: &vigil_state::StateStore) -> anyhow::Result<()> {
    let levels = state.count_alerts_by_level(None)?;
    eprintln!("\nalerts (deduplicated) by level:");
    for (level, count) in levels.iter().rev() {
        eprintln!("  {count:>6}  {}", level.name());
    }
    let page = state.list_alerts(&AlertFilter {
        min_level: Some(vigil_sigma::ast::Level::High),
        limit: 25,
        ..AlertFilter::default()
    })?;
    eprintln!(
        "\nhigh and critical alerts ({} in all, newest first):",
        page.total
    );
    for alert in &page.alerts {
        eprintln!(
            "  #{:<5} {:<8} x{:<4} {}",
            alert.id.0,
            alert.level.name(),
            alert.count,
            alert.rule_title
        );
    }
    Ok(())
}

/// Warnings and errors only: the demo prints its own report.
fn init_logging_quiet() {
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "warn");
    }
    init_logging();
}
