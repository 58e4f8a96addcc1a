//! `vigil search '<query>'`: asks a running `vigil serve` (its `/api/search`) and prints the
//! events or the table, for people or for tools. A malformed query is shown with a caret
//! under the place that is wrong.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

use super::hunt::csv_field as csv;
use super::EXIT_ERROR;

/// How to print results.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SearchFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON object per event or row.
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
}

/// Arguments of `vigil search`.
#[derive(clap::Args, Debug)]
pub struct SearchArgs {
    /// The query, e.g. `src_ip:10.0.0.0/8 AND status:failure | stats count() by dst_port`.
    pub query: String,
    /// Start: RFC 3339, epoch milliseconds, `now-1h`, `-24h` (default: 24 h before `--to`).
    #[arg(long)]
    pub from: Option<String>,
    /// End (default: now).
    #[arg(long)]
    pub to: Option<String>,
    /// Events returned when the query does not aggregate.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormat::Table)]
    pub format: SearchFormat,
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8470", env = "VIGIL_URL")]
    pub url: String,
    /// API token (default: `$VIGIL_TOKEN`, else the token `vigil serve` generated in
    /// `--data-dir`).
    #[arg(long, env = "VIGIL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Where the server keeps its data (to find its generated token).
    #[arg(long, default_value = "vigil-data")]
    pub data_dir: PathBuf,
}

/// Runs `vigil search`.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let token = match &args.token {
        Some(token) => token.clone(),
        None => {
            let path = args.data_dir.join(vigil_server::auth::TOKEN_FILE);
            std::fs::read_to_string(&path)
                .with_context(|| {
                    format!(
                        "no `--token` and cannot read `{}` (pass --token or --data-dir)",
                        path.display()
                    )
                })?
                .trim()
                .to_owned()
        }
    };
    let body = json!({
        "q": args.query,
        "from": args.from,
        "to": args.to,
        "limit": args.limit,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let url = format!("{}/api/search", args.url.trim_end_matches('/'));
    vigil_sources::install_tls_provider();
    let (status, bytes) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .with_context(|| format!("cannot reach `{url}` (is `vigil serve` running?)"))?;
        let status = response.status();
        let bytes = response.bytes().await.context("cannot read the response")?;
        Ok::<_, anyhow::Error>((status, bytes))
    })?;
    let answer: Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("the server answered {status} with no JSON"))?;
    if !status.is_success() {
        let message = answer["error"].as_str().unwrap_or("unknown error");
        eprintln!("error: {message}");
        if let Some(explain) = answer["explain"].as_str() {
            eprintln!("{explain}");
        }
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = print(&mut out, &answer, args.format).and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => bail!("cannot write the results: {e}"),
        Ok(()) => {}
    }
    let took = answer["took_ms"].as_u64().unwrap_or(0);
    match answer["kind"].as_str() {
        Some("events") => eprintln!(
            "{} of {} events in {took} ms",
            answer["events"].as_array().map_or(0, Vec::len),
            answer["total"].as_u64().unwrap_or(0)
        ),
        _ => eprintln!(
            "{} rows in {took} ms",
            answer["rows"].as_array().map_or(0, Vec::len)
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The columns and rows of an answer: a table as it is; events as a fixed set of columns.
fn rows(answer: &Value) -> (Vec<String>, Vec<Vec<Value>>) {
    if answer["kind"] == "table" {
        let columns = answer["columns"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|v| v.as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let rows = answer["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|row| row.as_array().cloned().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        return (columns, rows);
    }
    let columns = [
        "time",
        "source_type",
        "class",
        "src",
        "dst",
        "user",
        "operation",
        "rules",
    ];
    let mut out = Vec::new();
    for hit in answer["events"].as_array().into_iter().flatten() {
        let event = &hit["event"];
        let endpoint = |side: &str| {
            let ip = event[side]["ip"].as_str().unwrap_or("");
            match event[side]["port"].as_u64() {
                Some(port) if !ip.is_empty() => format!("{ip}:{port}"),
                _ => ip.to_owned(),
            }
        };
        out.push(vec![
            json!(vigil_formats::time::format_rfc3339_ms(
                hit["time"].as_i64().unwrap_or(0)
            )),
            event["vigil"]["source_type"].clone(),
            event["class_name"].clone(),
            json!(endpoint("src_endpoint")),
            json!(endpoint("dst_endpoint")),
            event["actor"]["user"]["name"].clone(),
            event["api"]["operation"].clone(),
            json!(hit["rules"]
                .as_array()
                .map(|r| r
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "))
                .unwrap_or_default()),
        ]);
    }
    (columns.iter().map(|c| (*c).to_owned()).collect(), out)
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn print(out: &mut dyn Write, answer: &Value, format: SearchFormat) -> io::Result<()> {
    match format {
        SearchFormat::Jsonl => {
            if answer["kind"] == "events" {
                for hit in answer["events"].as_array().into_iter().flatten() {
                    writeln!(out, "{}", hit["event"])?;
                }
                return Ok(());
            }
            let (columns, rows) = rows(answer);
            for row in rows {
                let object: serde_json::Map<String, Value> =
                    columns.iter().cloned().zip(row).collect();
                writeln!(out, "{}", Value::Object(object))?;
            }
            Ok(())
        }
        SearchFormat::Csv => {
            let (columns, rows) = rows(answer);
            writeln!(
                out,
                "{}",
                columns.iter().map(|c| csv(c)).collect::<Vec<_>>().join(",")
            )?;
            for row in rows {
                let line: Vec<String> = row.iter().map(|v| csv(&cell(v))).collect();
                writeln!(out, "{}", line.join(","))?;
            }
            Ok(())
        }
        SearchFormat::Table => {
            let (columns, rows) = rows(answer);
            let texts: Vec<Vec<String>> =
                rows.iter().map(|r| r.iter().map(cell).collect()).collect();
            let mut widths: Vec<usize> = columns.iter().map(String::len).collect();
            for row in &texts {
                for (i, text) in row.iter().enumerate() {
                    if let Some(width) = widths.get_mut(i) {
                        *width = (*width).max(text.chars().count()).min(60);
                    }
                }
            }
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(text, width)| {
                        let cut: String = text.chars().take(*width).collect();
                        format!("{cut:<width$}")
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            };
            writeln!(out, "{}", line(&columns))?;
            for row in &texts {
                writeln!(out, "{}", line(row))?;
            }
            Ok(())
        }
    }
}
