//! The real `vigil serve` process: killed with SIGKILL while clients push (after a restart
//! every acknowledged batch is stored exactly once, and no batch twice), and asked by
//! `vigil search`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "kill-test-token";
const EVENTS_PER_BATCH: usize = 100;
const BATCHES: usize = 60;

/// Starts `vigil serve` on a free port; returns the child and its address.
fn serve(data_dir: &std::path::Path, config: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["serve", "--config"])
        .arg(config)
        .arg("--data-dir")
        .arg(data_dir)
        .env("VIGIL_KILL_TEST_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the vigil binary runs");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints where it listens")
            .expect("stderr is readable");
        if let Some(rest) = line.strip_prefix("vigil serve: listening on http://") {
            break rest.trim().to_owned();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

fn batch(index: usize) -> String {
    let mut body = String::new();
    for event in 0..EVENTS_PER_BATCH {
        let record = json!({
            "eventTime": "2026-11-20T14:00:00.00+0000",
            "action": "is.instance.instance.read",
            "outcome": "success",
            "severity": "normal",
            "initiator": {"id": "IBMid-1", "name": "kill@example.com", "typeURI": "service/security/account/user",
                          "host": {"address": "198.51.100.9"}},
            "target": {"id": format!("crn:v1:bluemix:public:is:us-south:a/acc::instance:{index}-{event}"),
                       "name": "vm", "typeURI": "is/instance"},
            "observer": {"name": "ActivityTracker"},
            "reason": {"reasonCode": 200},
            "correlationId": format!("batch-{index}"),
            "id": format!("{index}-{event}"),
            "message": "Virtual Private Cloud: read instance vm"
        });
        body.push_str(&record.to_string());
        body.push('\n');
    }
    body
}

async fn push(client: &reqwest::Client, address: &str, index: usize) -> bool {
    let response = client
        .post(format!(
            "http://{address}/api/ingest/ndjson?source=kill&source_type=ibm_activity_tracker"
        ))
        .bearer_auth(TOKEN)
        .body(batch(index))
        .send()
        .await;
    matches!(response, Ok(r) if r.status().is_success())
}

/// Events per batch id, once the count stops changing.
async fn stored(client: &reqwest::Client, address: &str, at_least: usize) -> Vec<usize> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let bytes = client
            .post(format!("http://{address}/api/search"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(
                json!({"q": "source_type:ibm_activity_tracker", "from": "2026-01-01T00:00:00Z",
                         "to": "2027-01-01T00:00:00Z", "limit": 10000})
                .to_string(),
            )
            .send()
            .await
            .expect("search answers")
            .bytes()
            .await
            .expect("search answers");
        let answer: Value = serde_json::from_slice(&bytes).expect("search answers JSON");
        let total = answer["total"].as_u64().unwrap_or(0) as usize;
        if total >= at_least || Instant::now() > deadline {
            let mut per_batch = vec![0usize; BATCHES];
            for hit in answer["events"].as_array().into_iter().flatten() {
                let id = hit["event"]["metadata"]["correlation_uid"]
                    .as_str()
                    .unwrap_or("");
                if let Some(index) = id
                    .strip_prefix("batch-")
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    per_batch[index] += 1;
                }
            }
            return per_batch;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_acknowledged_batch_and_duplicates_none() {
    vigil_sources::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vigil.toml");
    std::fs::write(
        &config,
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[[auth.tokens]]\nname = \"test\"\ntoken_env = \"VIGIL_KILL_TEST_TOKEN\"\nrole = \"admin\"\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let (mut child, address) = serve(&data, &config);
    let client = reqwest::Client::new();

    // Two clients push concurrently; the server is killed while they do.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut pushers = Vec::new();
    for lane in 0..2 {
        let client = client.clone();
        let address = address.clone();
        let acked = acked.clone();
        pushers.push(tokio::spawn(async move {
            for index in (lane..BATCHES).step_by(2) {
                if push(&client, &address, index).await {
                    acked.lock().unwrap().push(index);
                } else {
                    break;
                }
            }
        }));
    }
    // Kill once a fair share is acknowledged, with pushes in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < BATCHES / 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for pusher in pushers {
        pusher.await.unwrap();
    }
    let acked: Vec<usize> = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= BATCHES / 3,
        "only {} batches acknowledged",
        acked.len()
    );

    let (mut child, address) = serve(&data, &config);
    let per_batch = stored(&client, &address, acked.len() * EVENTS_PER_BATCH).await;
    child.kill().unwrap();
    child.wait().unwrap();
    for &index in &acked {
        assert_eq!(
            per_batch[index], EVENTS_PER_BATCH,
            "acknowledged batch {index} must be stored exactly once"
        );
    }
    for (index, count) in per_batch.iter().enumerate() {
        assert!(
            *count <= EVENTS_PER_BATCH,
            "batch {index} stored more than once: {count} events"
        );
    }
    eprintln!(
        "killed after {} acknowledged batches; stored batches: {}",
        acked.len(),
        per_batch.iter().filter(|c| **c > 0).count()
    );
}

fn search(address: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .arg("search")
        .args(["--url", &format!("http://{address}"), "--token", TOKEN])
        .args([
            "--from",
            "2026-01-01T00:00:00Z",
            "--to",
            "2027-01-01T00:00:00Z",
        ])
        .args(args)
        .output()
        .expect("the vigil binary runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_cli_prints_events_tables_and_query_errors() {
    vigil_sources::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vigil.toml");
    std::fs::write(
        &config,
        "[server]\nlisten = \"127.0.0.1:0\"\n[store]\ncommit_interval_secs = 1\n\n[[auth.tokens]]\nname = \"test\"\ntoken_env = \"VIGIL_KILL_TEST_TOKEN\"\nrole = \"admin\"\n",
    )
    .unwrap();
    let (mut child, address) = serve(&dir.path().join("data"), &config);
    let client = reqwest::Client::new();
    assert!(push(&client, &address, 0).await);
    assert!(push(&client, &address, 1).await);
    let per_batch = stored(&client, &address, 2 * EVENTS_PER_BATCH).await;
    assert_eq!(per_batch[0] + per_batch[1], 2 * EVENTS_PER_BATCH);

    let events = search(
        &address,
        &[
            "--format",
            "jsonl",
            "--limit",
            "5",
            "source_type:ibm_activity_tracker",
        ],
    );
    assert_eq!(
        events.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&events.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(events.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["class_name"], "API Activity");
    assert!(String::from_utf8_lossy(&events.stderr)
        .contains(&format!("5 of {} events", 2 * EVENTS_PER_BATCH)));

    let table = search(
        &address,
        &["--format", "csv", "* | stats count() by operation"],
    );
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8(table.stdout).unwrap();
    assert_eq!(
        text,
        format!(
            "operation,count\nis.instance.instance.read,{}\n",
            2 * EVENTS_PER_BATCH
        )
    );

    let wrong = search(&address, &["dst_port:[1 TO"]);
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("error:") && stderr.contains('^'),
        "{stderr}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Total events of `q` once it stops changing (or after 60 s).
async fn settled_total(client: &reqwest::Client, address: &str, q: &str, expected: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = u64::MAX;
    loop {
        let bytes = client
            .post(format!("http://{address}/api/search"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(json!({"q": q, "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "limit": 1}).to_string())
            .send()
            .await
            .expect("search answers")
            .bytes()
            .await
            .expect("search answers");
        let answer: Value = serde_json::from_slice(&bytes).expect("JSON");
        let total = answer["total"].as_u64().unwrap_or(0);
        if (total >= expected && total == last) || Instant::now() > deadline {
            return total;
        }
        last = total;
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
}

/// A watched file read while the server is killed: after the restart every line is stored
/// once (the checkpoint is saved after the events are durable, and re-applied from the log).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_reading_a_file_stores_every_line_once() {
    vigil_sources::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let watched = dir.path().join("logs");
    std::fs::create_dir(&watched).unwrap();
    const LINES: usize = 20_000;
    let mut text = String::new();
    for line in 0..LINES {
        let record = json!({
            "eventTime": "2026-11-20T14:00:00.00+0000",
            "action": "is.instance.instance.read",
            "outcome": "success",
            "initiator": {"id": "IBMid-1", "name": "dir@example.com", "typeURI": "service/security/account/user"},
            "target": {"id": "crn:v1:bluemix:public:is:us-south:a/acc::instance:x", "name": "vm", "typeURI": "is/instance"},
            "observer": {"name": "ActivityTracker"},
            "correlationId": format!("line-{line}"),
        });
        text.push_str(&record.to_string());
        text.push('\n');
    }
    std::fs::write(watched.join("at.log"), &text).unwrap();
    let config = dir.path().join("vigil.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\n[store]\ncommit_interval_secs = 1\n\n[[auth.tokens]]\nname = \"test\"\ntoken_env = \"VIGIL_KILL_TEST_TOKEN\"\nrole = \"admin\"\n\n[[sources]]\ntype = \"directory\"\nid = \"files\"\npath = \"{}\"\npoll_interval_ms = 20\nmax_read_bytes = 65536\n",
            watched.display()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let (mut child, address) = serve(&data, &config);
    let client = reqwest::Client::new();
    // Kill once some of the file is in, long before all of it.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let bytes = client
            .get(format!("http://{address}/api/health"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let health: Value = serde_json::from_slice(&bytes).unwrap();
        if health["pipeline"]["events"].as_u64().unwrap_or(0) >= 2_000 || Instant::now() > deadline
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();

    let (mut child, address) = serve(&data, &config);
    let total = settled_total(
        &client,
        &address,
        "source_type:ibm_activity_tracker",
        LINES as u64,
    )
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(total, LINES as u64, "every line once");
}
