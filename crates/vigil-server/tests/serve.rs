//! `vigil serve` end to end over real HTTP on loopback: push, durability, detection, search,
//! alerts, rules, auth, limits, and a restart that loses and duplicates nothing.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use vigil_server::auth::Tokens;
use vigil_server::config::Role;
use vigil_server::{ServeConfig, Server, ServerHandle};

const TOKEN: &str = "test-admin-token";
const INGEST_TOKEN: &str = "test-ingest-token";
const MFA_RULE: &str =
    include_str!("../../vigil-detect/rules/ibm/activity_tracker/account_mfa_disabled.tests.ndjson");
const MFA_RULE_ID: &str = "e64333cc-85f5-45a9-a3b1-66515159deb6";

/// The records of a rule-pack test file that must match (or not).
fn records(tests: &str, expect: &str) -> Vec<String> {
    tests
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|case| case["expect"] == expect)
        .filter_map(|case| case["record"].as_str().map(str::to_owned))
        .collect()
}

async fn start(dir: &Path, max_body_bytes: usize) -> ServerHandle {
    start_with(dir, |config| config.server.max_body_bytes = max_body_bytes).await
}

/// A server on loopback with the built-in pack and the test tokens; `adjust` changes the
/// configuration first.
async fn start_with(dir: &Path, adjust: impl FnOnce(&mut ServeConfig)) -> ServerHandle {
    let mut config = ServeConfig::default();
    config.server.data_dir = dir.to_path_buf();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.store.commit_interval_secs = 1;
    adjust(&mut config);
    let (documents, errors) = vigil_detect::load_ibm_rule_pack();
    assert!(errors.is_empty());
    let mut tokens = Tokens::default();
    tokens.add_token(TOKEN, "tester", Role::Admin);
    tokens.add_token(INGEST_TOKEN, "collector", Role::Ingest);
    Server {
        config,
        documents,
        intel: vigil_detect::intel::IntelSet::default(),
        extra_tokens: tokens,
    }
    .start()
    .await
    .unwrap()
}

struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    fn new(handle: &ServerHandle) -> Client {
        vigil_sources::install_tls_provider();
        Client {
            base: format!("http://{}", handle.addr),
            // A fresh connection per request: a pooled keep-alive connection can race the
            // server closing it (seen once as `IncompleteMessage` under load).
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            if body.first() == Some(&b'{') {
                request = request.header("content-type", "application/json");
            }
            request = request.body(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(TOKEN), None)
            .await
    }

    async fn search(&self, q: &str) -> (u16, Value) {
        let body = json!({ "q": q, "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "limit": 1000 });
        self.send(
            reqwest::Method::POST,
            "/api/search",
            Some(TOKEN),
            Some(body.to_string().into_bytes()),
        )
        .await
    }
}

/// Waits until a search finds `expected` events (the index commits about every second).
async fn wait_for_events(client: &Client, q: &str, expected: u64) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, answer) = client.search(q).await;
        assert_eq!(status, 200, "{answer}");
        if answer["total"].as_u64() == Some(expected) {
            return answer;
        }
        last = answer;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {expected} events for `{q}`, last answer: {last}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_detect_search_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), 1024 * 1024).await;
    let client = Client::new(&handle);

    // Health needs no token; everything else does.
    let (status, health) = client
        .send(reqwest::Method::GET, "/api/health", None, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    let (status, _) = client
        .send(reqwest::Method::GET, "/api/alerts", None, None)
        .await;
    assert_eq!(status, 401);
    let (status, _) = client
        .send(reqwest::Method::GET, "/api/alerts", Some("wrong"), None)
        .await;
    assert_eq!(status, 401);
    // The ingest role may push but not read.
    let (status, _) = client
        .send(
            reqwest::Method::GET,
            "/api/alerts",
            Some(INGEST_TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 403);

    // One record that fires the MFA rule, one that does not, one broken line; gzip.
    let mut batch = String::new();
    for record in records(MFA_RULE, "match").iter().take(1) {
        batch.push_str(record);
        batch.push('\n');
    }
    for record in records(MFA_RULE, "no_match").iter().take(1) {
        batch.push_str(record);
        batch.push('\n');
    }
    batch.push_str("{\"eventTime\": \"broken\n");
    let (status, receipt) = client
        .send(
            reqwest::Method::POST,
            "/api/ingest/ndjson?source=at-test&source_type=ibm_activity_tracker",
            Some(INGEST_TOKEN),
            Some(gzip(batch.as_bytes())),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(receipt["events"], 2, "{receipt}");
    assert_eq!(receipt["rejected"], 1, "{receipt}");

    // Too large: 413, nothing stored.
    let (status, _) = client
        .send(
            reqwest::Method::POST,
            "/api/ingest/ndjson",
            Some(INGEST_TOKEN),
            Some(vec![b'x'; 2 * 1024 * 1024]),
        )
        .await;
    assert_eq!(status, 413);

    // Searchable, with the rule hit indexed.
    let answer = wait_for_events(&client, "source_type:ibm_activity_tracker", 2).await;
    assert_eq!(answer["kind"], "events");
    let hits = wait_for_events(&client, &format!("rule_hit:{MFA_RULE_ID}"), 1).await;
    assert_eq!(hits["events"][0]["rules"], json!([MFA_RULE_ID]));
    assert_eq!(
        hits["events"][0]["event"]["api"]["operation"],
        "billing.account-mfa.set-off"
    );
    let (status, table) = client
        .search("* | stats count() by operation | sort -count")
        .await;
    assert_eq!(status, 200, "{table}");
    assert_eq!(table["kind"], "table");
    assert_eq!(table["rows"].as_array().unwrap().len(), 2);

    // A malformed query says where.
    let (status, error) = client.search("src_ip:").await;
    assert_eq!(status, 400);
    assert!(error["position"]["start"].is_number(), "{error}");

    // The alert, its evidence, and an update that is audited.
    let (status, alerts) = client.get("/api/alerts").await;
    assert_eq!(status, 200);
    // (Recorded before the searches above found the event: the commit thread records alerts
    // right after the append, and the index commits a second later.)
    let alert = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule_id"] == MFA_RULE_ID)
        .unwrap_or_else(|| panic!("no MFA alert in {alerts}"))
        .clone();
    assert_eq!(alert["status"], "new");
    let id = alert["id"].as_i64().unwrap();
    let (status, detail) = client.get(&format!("/api/alerts/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        !detail["evidence"].as_array().unwrap().is_empty(),
        "{detail}"
    );
    let (status, updated) = client
        .send(
            reqwest::Method::PATCH,
            &format!("/api/alerts/{id}"),
            Some(TOKEN),
            Some(br#"{"status": "acknowledged", "assignee": "ana"}"#.to_vec()),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["status"], "acknowledged");
    assert_eq!(updated["assignee"], "ana");
    let (status, _) = client
        .send(
            reqwest::Method::PATCH,
            &format!("/api/alerts/{id}"),
            Some(TOKEN),
            Some(br#"{"status": "done"}"#.to_vec()),
        )
        .await;
    assert_eq!(status, 400, "an unknown status is refused");

    // Dead letters name the reason and place.
    let (status, letters) = client.get("/api/dead-letters?source=http:at-test").await;
    assert_eq!(status, 200);
    assert_eq!(
        letters["dead_letters"].as_array().unwrap().len(),
        1,
        "{letters}"
    );

    // Metrics and the OpenAPI description.
    let (status, metrics) = client.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics
        .as_str()
        .unwrap()
        .contains("vigil_events_total{source_type=\"ibm_activity_tracker\"} 2"));
    let (status, openapi) = client.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(openapi["openapi"], "3.1.0");

    // Lake export: the day's partition as Parquet under <data_dir>/lake.
    let (status, exported) = client
        .send(
            reqwest::Method::POST,
            "/api/export",
            Some(TOKEN),
            Some(br#"{"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}"#.to_vec()),
        )
        .await;
    assert_eq!(status, 200, "{exported}");
    assert_eq!(exported["rows"], 2, "{exported}");
    let path = exported["files"][0]["path"].as_str().unwrap();
    assert!(path.ends_with("vigil-events-2026-11-20.parquet"), "{path}");
    assert!(std::path::Path::new(path).starts_with(dir.path().join("lake")));
    let (status, _) = client
        .send(
            reqwest::Method::POST,
            "/api/export",
            Some(INGEST_TOKEN),
            Some(br#"{"from": "-30d"}"#.to_vec()),
        )
        .await;
    assert_eq!(status, 403, "only admins export");

    // Restart on the same data: same events, no duplicates, alert still there.
    handle.shutdown().await.unwrap();
    let handle = start(dir.path(), 1024 * 1024).await;
    let client = Client::new(&handle);
    wait_for_events(&client, "source_type:ibm_activity_tracker", 2).await;
    let (_, alerts) = client.get("/api/alerts").await;
    assert!(alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["rule_id"] == MFA_RULE_ID));
    handle.shutdown().await.unwrap();
}

/// A burst beyond the byte budget: the push that does not fit gets 503 with `Retry-After`,
/// nothing of it is stored, and the one in flight completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pipeline_answers_503_and_stores_nothing_of_the_refused_batch() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start_with(dir.path(), |config| config.server.max_queue_bytes = 1).await;
    let client = Client::new(&handle);
    let record = &records(MFA_RULE, "no_match")[0];
    let big: String = std::iter::repeat_n(format!("{record}\n"), 4000).collect();
    let first = {
        let http = client.http.clone();
        let url = format!(
            "{}/api/ingest/ndjson?source_type=ibm_activity_tracker",
            client.base
        );
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(TOKEN)
                .body(big)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    // Wait until the big batch is in flight, then push another.
    let mut in_flight = false;
    for _ in 0..500 {
        let (_, health) = client
            .send(reqwest::Method::GET, "/api/health", None, None)
            .await;
        if health["pipeline"]["in_flight_chunks"].as_u64() >= Some(1) {
            in_flight = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(in_flight, "the first batch was never seen in flight");
    let response = client
        .http
        .post(format!(
            "{}/api/ingest/ndjson?source_type=ibm_activity_tracker",
            client.base
        ))
        .bearer_auth(TOKEN)
        .body(format!("{record}\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(first.await.unwrap(), 200);
    wait_for_events(&client, "source_type:ibm_activity_tracker", 4000).await;
    handle.shutdown().await.unwrap();
}

/// Retention runs on its timer: events older than `retention_days` leave with their partition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_old_partitions_on_its_timer() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start_with(dir.path(), |config| {
        config.store.retention_days = 1;
        config.store.retention_interval_secs = 1;
    })
    .await;
    let client = Client::new(&handle);
    // Dated 2026-11-20 and two days before: both more than a day before any time this test
    // runs. The store keeps its newest partition whatever its age, so one of two goes.
    let record = &records(MFA_RULE, "no_match")[0];
    let older = record.replace("2026-11-20T", "2026-11-18T");
    let (status, _) = client
        .send(
            reqwest::Method::POST,
            "/api/ingest/ndjson?source_type=ibm_activity_tracker",
            Some(TOKEN),
            Some(format!("{record}\n{older}\n").into_bytes()),
        )
        .await;
    assert_eq!(status, 200);
    let mut dropped = false;
    for _ in 0..100 {
        let (_, metrics) = client.get("/metrics").await;
        if metrics
            .as_str()
            .unwrap_or("")
            .contains("vigil_retention_dropped_partitions_total 1")
        {
            dropped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(dropped, "retention did not drop the old partition");
    let (_, answer) = client.search("*").await;
    assert_eq!(answer["total"], 1, "{answer}");
    assert_eq!(
        answer["events"][0]["time"],
        json!(1_795_183_200_000_i64),
        "the newest day stays"
    );
    handle.shutdown().await.unwrap();
}

const BURST_RULE: &str =
    include_str!("../../vigil-detect/rules/ibm/activity_tracker/access_denied_burst.tests.ndjson");
const BURST_CORRELATION_ID: &str = "307ea1b3-c887-46fb-bb9a-c39895219974";

/// A correlation window open at shutdown is still open after the restart: half a burst
/// before, half after, one alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correlation_windows_survive_a_restart() {
    let case = BURST_RULE
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|case| case["expect"] == "match" && case["records"].is_array())
        .expect("the burst rule has a positive sequence");
    let records: Vec<&str> = case["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(records.len() >= 15, "{} records", records.len());
    let (before, after) = records.split_at(records.len() / 2);
    let dir = tempfile::tempdir().unwrap();
    let push = |client: &Client, part: &[&str]| {
        let body: String = part.iter().map(|r| format!("{r}\n")).collect();
        let request = client
            .http
            .post(format!(
                "{}/api/ingest/ndjson?source_type=ibm_activity_tracker",
                client.base
            ))
            .bearer_auth(TOKEN)
            .body(body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let burst_alerts = |alerts: &Value| {
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["rule_id"] == BURST_CORRELATION_ID)
            .count()
    };

    let handle = start(dir.path(), 1024 * 1024).await;
    let client = Client::new(&handle);
    assert_eq!(push(&client, before).await, 200);
    idle(&client).await;
    let (_, alerts) = client.get("/api/alerts").await;
    assert_eq!(burst_alerts(&alerts), 0, "half a burst is not a burst");
    handle.shutdown().await.unwrap();

    let handle = start(dir.path(), 1024 * 1024).await;
    let client = Client::new(&handle);
    assert_eq!(push(&client, after).await, 200);
    // Alerts are recorded just after the acknowledgement: wait for them.
    let mut fired = 0;
    for _ in 0..100 {
        let (_, alerts) = client.get("/api/alerts").await;
        fired = burst_alerts(&alerts);
        if fired > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(fired, 1);
    handle.shutdown().await.unwrap();

    // Without the saved windows the second half alone fires nothing.
    let fresh = tempfile::tempdir().unwrap();
    let handle = start(fresh.path(), 1024 * 1024).await;
    let client = Client::new(&handle);
    assert_eq!(push(&client, after).await, 200);
    // Wait for the pipeline to be idle (alerts recorded) before reading.
    for _ in 0..100 {
        let (_, health) = client
            .send(reqwest::Method::GET, "/api/health", None, None)
            .await;
        if health["pipeline"]["in_flight_chunks"] == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, alerts) = client.get("/api/alerts").await;
    assert_eq!(burst_alerts(&alerts), 0, "{alerts}");
    handle.shutdown().await.unwrap();
}

/// Waits until no chunk is queued or in work (so its alerts are recorded).
async fn idle(client: &Client) {
    for _ in 0..200 {
        let (_, health) = client
            .send(reqwest::Method::GET, "/api/health", None, None)
            .await;
        if health["pipeline"]["in_flight_chunks"] == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the pipeline never became idle");
}

const UPLOADED_RULE: &str = "title: Test instance read by the kill account
id: 5d0c4c77-3f0e-4d35-a0a4-4f3a3e0b1a01
status: test
logsource:
  product: ibm_cloud
  service: activity_tracker
detection:
  selection:
    action: billing.account-mfa.set-on
  condition: selection
level: high
";

/// Rules over the API: upload, in force at once, test against stored events, disable (and
/// the pipeline stops raising it), delete; built-in rules cannot be deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_api_upload_test_disable_delete() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start(dir.path(), 1024 * 1024).await;
    let client = Client::new(&handle);
    let rule_id = "5d0c4c77-3f0e-4d35-a0a4-4f3a3e0b1a01";
    let set_on = records(MFA_RULE, "no_match")[0].clone();
    assert!(set_on.contains("set-on"));
    let push = |body: String| {
        let request = client
            .http
            .post(format!(
                "{}/api/ingest/ndjson?source_type=ibm_activity_tracker",
                client.base
            ))
            .bearer_auth(TOKEN)
            .body(body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let count_alerts = |alerts: &Value| {
        alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["rule_id"] == rule_id)
            .map(|a| a["count"].as_u64().unwrap())
            .sum::<u64>()
    };

    // A broken rule is refused with the reason.
    let (status, error) = client
        .send(
            reqwest::Method::POST,
            "/api/rules",
            Some(TOKEN),
            Some(b"title: x\ndetection: {}\n".to_vec()),
        )
        .await;
    assert_eq!(status, 400, "{error}");
    assert!(!error["errors"].as_array().unwrap().is_empty());

    let (status, uploaded) = client
        .send(
            reqwest::Method::POST,
            "/api/rules",
            Some(TOKEN),
            Some(UPLOADED_RULE.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(status, 201, "{uploaded}");
    let (_, rules) = client.get("/api/rules").await;
    assert!(rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == rule_id && r["origin"] == "uploaded"));

    assert_eq!(push(format!("{set_on}\n")).await, 200);
    idle(&client).await;
    let (_, alerts) = client.get("/api/alerts").await;
    assert_eq!(count_alerts(&alerts), 1, "{alerts}");

    // Test a rule against what is stored.
    wait_for_events(&client, "source_type:ibm_activity_tracker", 1).await;
    let body = json!({"yaml": UPLOADED_RULE, "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"});
    let (status, tested) = client
        .send(
            reqwest::Method::POST,
            "/api/rules/test",
            Some(TOKEN),
            Some(body.to_string().into_bytes()),
        )
        .await;
    assert_eq!(status, 200, "{tested}");
    assert_eq!(tested["events_tested"], 1);
    assert_eq!(tested["matches"].as_array().unwrap().len(), 1, "{tested}");

    // Disabled: the same event no longer raises it.
    let (status, _) = client
        .send(
            reqwest::Method::PUT,
            &format!("/api/rules/{rule_id}/enabled"),
            Some(TOKEN),
            Some(br#"{"enabled": false}"#.to_vec()),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(push(format!("{set_on}\n")).await, 200);
    idle(&client).await;
    let (_, alerts) = client.get("/api/alerts").await;
    assert_eq!(
        count_alerts(&alerts),
        1,
        "no new hit while disabled: {alerts}"
    );

    // Built-in rules are disabled, never deleted; uploaded ones are deleted.
    let (status, _) = client
        .send(
            reqwest::Method::DELETE,
            &format!("/api/rules/{MFA_RULE_ID}"),
            Some(TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = client
        .send(
            reqwest::Method::DELETE,
            &format!("/api/rules/{rule_id}"),
            Some(TOKEN),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, rules) = client.get("/api/rules").await;
    assert!(!rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == rule_id));
    handle.shutdown().await.unwrap();
}

/// Checkpoints that reached the event log but not SQLite (a crash in between) are applied at
/// the next start, so the source does not read that chunk again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_in_the_event_log_are_recovered_at_start() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = vigil_store::EventStore::open(
            dir.path().join("events"),
            vigil_store::StoreOptions::default(),
        )
        .unwrap();
        let meta = json!([["files", "2049:77", {"offset": 4096}]]).to_string();
        store.append_with_meta(&[], meta.as_bytes()).unwrap();
        // Gone before the checkpoint reached SQLite.
        store.close_without_commit();
    }
    let handle = start(dir.path(), 1024 * 1024).await;
    let saved = handle
        .state
        .state
        .load_checkpoint(&"files".into(), "2049:77")
        .unwrap();
    assert_eq!(saved, Some(json!({"offset": 4096})));
    assert_eq!(handle.state.store.stats().unconfirmed_meta, 0);
    handle.shutdown().await.unwrap();
}
