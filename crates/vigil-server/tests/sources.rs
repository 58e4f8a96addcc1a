//! Pull and listen sources through the whole server: a watched directory, syslog over UDP and
//! TCP, and (with `VIGIL_S3S_FS`) an S3-compatible bucket; every one of them ends up as
//! searchable events, and a restart does not read anything twice.

use std::io::Write;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use vigil_server::auth::Tokens;
use vigil_server::config::Role;
use vigil_server::{ServeConfig, Server, ServerHandle};

const TOKEN: &str = "sources-test-token";
const PAN_TRAFFIC: &str = "<14>Nov 20 14:00:00 fw01 1,2026/11/20 14:00:00,007051000012345,TRAFFIC,end,2305,2026/11/20 14:00:00,10.0.1.5,203.0.113.9,0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/1,ethernet1/2,log-fwd,2026/11/20 14:00:00,12345,1,50123,443,0,0,0x400000,tcp,allow,5000,3000,2000,20,2026/11/20 13:59:50,10,any,0,1234567,0x0,10.0.0.0-10.255.255.255,United States,0,12,8,tcp-fin,0,0,0,0,,fw01,from-policy,,,0,,0,,N/A,0,0,0,0";

fn at_event(id: &str) -> String {
    json!({
        "eventTime": "2026-11-20T14:00:00.00+0000",
        "action": "is.instance.instance.read",
        "outcome": "success",
        "severity": "normal",
        "initiator": {"id": "IBMid-1", "name": "src@example.com", "typeURI": "service/security/account/user",
                      "host": {"address": "198.51.100.9"}},
        "target": {"id": "crn:v1:bluemix:public:is:us-south:a/acc::instance:x", "name": "vm", "typeURI": "is/instance"},
        "observer": {"name": "ActivityTracker"},
        "reason": {"reasonCode": 200},
        "correlationId": id,
        "message": "Virtual Private Cloud: read instance vm"
    })
    .to_string()
}

async fn start(dir: &Path, sources: &str) -> ServerHandle {
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n[store]\ncommit_interval_secs = 1\n{sources}",
        dir.join("data").display()
    );
    let config = ServeConfig::parse(&text).unwrap();
    let (documents, _) = vigil_detect::load_ibm_rule_pack();
    let mut tokens = Tokens::default();
    tokens.add_token(TOKEN, "tester", Role::Admin);
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

/// Total events of a query once it reaches `expected` (or the last total after 20 s).
async fn count(handle: &ServerHandle, q: &str, expected: u64) -> u64 {
    count_within(handle, q, expected, 200).await
}

/// The total after the sources had a second to (wrongly) read something again.
async fn settled(handle: &ServerHandle, q: &str) -> u64 {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    count_within(handle, q, 0, 1).await
}

async fn count_within(handle: &ServerHandle, q: &str, expected: u64, tries: usize) -> u64 {
    vigil_sources::install_tls_provider();
    let client = reqwest::Client::new();
    let mut total = 0;
    for _ in 0..tries {
        let bytes = client
            .post(format!("http://{}/api/search", handle.addr))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(
                json!({"q": q, "from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"})
                    .to_string(),
            )
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        total = answer["total"].as_u64().unwrap_or(0);
        if total >= expected {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_and_syslog_sources_feed_the_store_once() {
    let dir = tempfile::tempdir().unwrap();
    let watched = dir.path().join("logs");
    std::fs::create_dir(&watched).unwrap();
    let sources = format!(
        "[[sources]]\ntype = \"directory\"\nid = \"files\"\npath = \"{}\"\npoll_interval_ms = 50\n\
         [[sources]]\ntype = \"syslog\"\nid = \"fw-udp\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:0\"\nbatch_max_ms = 20\n\
         [[sources]]\ntype = \"syslog\"\nid = \"fw-tcp\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:0\"\nbatch_max_ms = 20\n",
        watched.display()
    );
    let handle = start(dir.path(), &sources).await;
    let addrs = handle.source_addrs();
    let udp = addrs.iter().find(|(id, _)| id == "fw-udp").unwrap().1;
    let tcp = addrs.iter().find(|(id, _)| id == "fw-tcp").unwrap().1;

    // A file that grows: three events, then two more.
    let file = watched.join("activity.log");
    let mut writer = std::fs::File::create(&file).unwrap();
    for i in 0..3 {
        writeln!(writer, "{}", at_event(&format!("file-{i}"))).unwrap();
    }
    writer.flush().unwrap();
    // Syslog: 5 datagrams, 5 lines over TCP.
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..5 {
        socket.send_to(PAN_TRAFFIC.as_bytes(), udp).unwrap();
    }
    let mut stream = TcpStream::connect(tcp).unwrap();
    for _ in 0..5 {
        stream.write_all(PAN_TRAFFIC.as_bytes()).unwrap();
        stream.write_all(b"\n").unwrap();
    }
    stream.flush().unwrap();
    drop(stream);
    assert_eq!(
        count(&handle, "source_type:ibm_activity_tracker", 3).await,
        3
    );
    for i in 3..5 {
        writeln!(writer, "{}", at_event(&format!("file-{i}"))).unwrap();
    }
    writer.flush().unwrap();
    assert_eq!(
        count(&handle, "source_type:ibm_activity_tracker", 5).await,
        5
    );
    assert_eq!(count(&handle, "source_type:panos", 10).await, 10);
    assert_eq!(
        count(&handle, "source_type:panos AND dst_port:443", 10).await,
        10
    );

    // Restart: the file is not read again (its checkpoint was saved after the events were
    // durable), and new lines after the restart are.
    handle.shutdown().await.unwrap();
    let handle = start(dir.path(), &sources).await;
    writeln!(writer, "{}", at_event("file-5")).unwrap();
    writer.flush().unwrap();
    assert_eq!(
        count(&handle, "source_type:ibm_activity_tracker", 6).await,
        6
    );
    assert_eq!(
        settled(&handle, "source_type:ibm_activity_tracker").await,
        6,
        "nothing read twice"
    );
    handle.shutdown().await.unwrap();
}

/// A running `s3s-fs` serving a temporary directory (`VIGIL_S3S_FS`); killed on drop.
struct S3sFs {
    child: Child,
    port: u16,
    root: tempfile::TempDir,
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3s_fs() -> Option<S3sFs> {
    let Some(binary) = std::env::var_os("VIGIL_S3S_FS") else {
        eprintln!("skipped: set VIGIL_S3S_FS to an s3s-fs binary to run the S3 source test");
        return None;
    };
    let root = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(binary)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", "AKTEST", "--secret-key", "SECRETTEST"])
        .arg(root.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("VIGIL_S3S_FS runs");
    let server = S3sFs { child, port, root };
    for _ in 0..400 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    panic!("s3s-fs did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_objects_are_read_once_through_the_server() {
    let Some(s3) = s3s_fs() else {
        return;
    };
    // s3s-fs serves folders as buckets and files as objects: a Logpush-like key layout.
    let bucket = s3.root.path().join("logs");
    let prefix = bucket.join("cis/20261120");
    std::fs::create_dir_all(&prefix).unwrap();
    let mut object = String::new();
    for i in 0..4 {
        object.push_str(&at_event(&format!("s3-{i}")));
        object.push('\n');
    }
    std::fs::write(prefix.join("a.log"), &object).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sources = format!(
        "[[sources]]\ntype = \"s3\"\nid = \"cos\"\nendpoint_url = \"http://127.0.0.1:{}\"\nregion = \"us-east-1\"\n\
         bucket = \"logs\"\nprefixes = [\"cis/\"]\naccess_key_id = \"AKTEST\"\nsecret_access_key = \"SECRETTEST\"\n\
         path_style = true\npoll_interval_ms = 50\n",
        s3.port
    );
    let handle = start(dir.path(), &sources).await;
    assert_eq!(
        count(&handle, "source_type:ibm_activity_tracker", 4).await,
        4
    );
    handle.shutdown().await.unwrap();
    // A restart reads only the new object.
    std::fs::write(prefix.join("b.log"), at_event("s3-new") + "\n").unwrap();
    let handle = start(dir.path(), &sources).await;
    assert_eq!(
        count(&handle, "source_type:ibm_activity_tracker", 5).await,
        5
    );
    assert_eq!(
        settled(&handle, "source_type:ibm_activity_tracker").await,
        5,
        "nothing read twice"
    );
    handle.shutdown().await.unwrap();
}
