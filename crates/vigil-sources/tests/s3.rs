//! The S3 poller against a real S3-compatible server: `s3s-fs`, found through the
//! `VIGIL_S3S_FS` environment variable (`cargo install s3s-fs --locked --features binary`).
//! Without it these tests say so and pass without running.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{assert_quiet, recv, recv_data, wait_counters};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vigil_sources::{s3, Chunk, MemoryCheckpointStore, S3Config, Secret, SourceHandle, SourceId};

const ACCESS_KEY: &str = "vigil-test-access";
const SECRET_KEY: &str = "vigil-test-secret-0123456789";
const BUCKET: &str = "flowlogs";

/// A running `s3s-fs` on 127.0.0.1 serving a temporary directory; killed on drop.
struct S3sFs {
    child: Child,
    endpoint: String,
    _root: tempfile::TempDir,
}

impl S3sFs {
    fn start() -> Option<S3sFs> {
        let Some(binary) = std::env::var_os("VIGIL_S3S_FS") else {
            eprintln!("skipped: set VIGIL_S3S_FS to an s3s-fs binary to run the S3 tests");
            return None;
        };
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(PathBuf::from(binary))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("VIGIL_S3S_FS runs");
        let server = S3sFs {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            _root: root,
        };
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("s3s-fs did not start listening");
    }

    /// A client for putting test objects.
    fn client(&self) -> impl ObjectStore {
        let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .with_client_options(ClientOptions::new().with_allow_http(true))
            .build()
            .unwrap()
    }

    fn config(&self) -> S3Config {
        S3Config {
            id: SourceId::new("cos"),
            bucket: BUCKET.to_owned(),
            endpoint_url: Some(self.endpoint.clone()),
            region: "us-east-1".to_owned(),
            access_key_id: ACCESS_KEY.to_owned(),
            secret_access_key: Secret::new(SECRET_KEY),
            path_style: true,
            prefixes: vec!["logs".to_owned()],
            source_type: None,
            poll_interval_ms: 50,
            max_object_bytes: 1024 * 1024,
            recent_keys_max: 1000,
            request_timeout_secs: 30,
        }
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Running {
    rx: mpsc::Receiver<Chunk>,
    handle: SourceHandle,
    shutdown: CancellationToken,
}

async fn start(config: S3Config, store: Arc<MemoryCheckpointStore>) -> Running {
    let (tx, rx) = mpsc::channel(16);
    let shutdown = CancellationToken::new();
    let handle = s3::spawn(config, store, tx, shutdown.clone())
        .await
        .unwrap();
    Running {
        rx,
        handle,
        shutdown,
    }
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        self.handle.join().await.unwrap();
    }
}

async fn put(client: &impl ObjectStore, key: &str, body: &[u8]) {
    client
        .put(&Path::from(key), body.to_vec().into())
        .await
        .unwrap();
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn new_objects_are_read_once_late_ones_too_and_restart_does_not_reread() {
    let Some(server) = S3sFs::start() else {
        return;
    };
    let client = server.client();
    let flows = gzip(b"{\"flow_logs\":[]}\n");
    put(&client, "logs/2024/05/01/a.log", b"<13>a\n").await;
    put(&client, "logs/2024/05/01/b.json.gz", &flows).await;
    put(&client, "logs/2024/05/01/c.log", b"<13>c\n").await;
    put(&client, "other/x.log", b"<13>not under the prefix\n").await;
    let store = Arc::new(MemoryCheckpointStore::new());

    let mut run = start(server.config(), store.clone()).await;
    let mut origins = Vec::new();
    for expected in [&b"<13>a\n"[..], &flows[..], b"<13>c\n"] {
        let chunk = recv_data(&mut run.rx).await;
        assert_eq!(&chunk.bytes[..], expected, "{}", chunk.origin);
        chunk.commit(&*store).unwrap();
        origins.push(chunk.origin);
    }
    assert_eq!(
        origins,
        [
            "s3://flowlogs/logs/2024/05/01/a.log",
            "s3://flowlogs/logs/2024/05/01/b.json.gz",
            "s3://flowlogs/logs/2024/05/01/c.log"
        ]
    );

    // One new object after the newest, one landing late (sorts before the newest read).
    put(&client, "logs/2024/05/01/d.log", b"<13>d\n").await;
    put(&client, "logs/2024/05/01/b2.log", b"<13>b2\n").await;
    let mut late = Vec::new();
    for _ in 0..2 {
        let chunk = recv_data(&mut run.rx).await;
        chunk.commit(&*store).unwrap();
        late.push(chunk.origin);
    }
    late.sort();
    assert_eq!(
        late,
        [
            "s3://flowlogs/logs/2024/05/01/b2.log",
            "s3://flowlogs/logs/2024/05/01/d.log"
        ]
    );
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    assert_eq!(run.handle.counters().objects, 5);
    run.stop().await;

    // Restart from the committed checkpoint: only what is new is read.
    put(&client, "logs/2024/05/01/e.log", b"<13>e\n").await;
    let mut run = start(server.config(), store.clone()).await;
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(chunk.origin, "s3://flowlogs/logs/2024/05/01/e.log");
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    assert_eq!(run.handle.counters().objects, 1);
    run.stop().await;
}

#[tokio::test]
async fn an_object_read_but_not_committed_is_read_again_after_restart() {
    let Some(server) = S3sFs::start() else {
        return;
    };
    let client = server.client();
    put(&client, "logs/1.log", b"<13>one\n").await;
    put(&client, "logs/2.log", b"<13>two\n").await;
    let store = Arc::new(MemoryCheckpointStore::new());
    let mut run = start(server.config(), store.clone()).await;
    recv_data(&mut run.rx).await.commit(&*store).unwrap();
    let uncommitted = recv_data(&mut run.rx).await;
    assert_eq!(uncommitted.origin, "s3://flowlogs/logs/2.log");
    run.stop().await;

    let mut run = start(server.config(), store.clone()).await;
    let again = recv_data(&mut run.rx).await;
    assert_eq!(again.origin, "s3://flowlogs/logs/2.log");
    assert_eq!(&again.bytes[..], b"<13>two\n");
    run.stop().await;
}

#[tokio::test]
async fn objects_over_the_cap_are_skipped_and_counted_once() {
    let Some(server) = S3sFs::start() else {
        return;
    };
    let client = server.client();
    put(&client, "logs/big.log", &[b'x'; 4096]).await;
    put(&client, "logs/small.log", b"<13>small\n").await;
    let mut config = server.config();
    config.max_object_bytes = 1000;
    let store = Arc::new(MemoryCheckpointStore::new());
    let mut run = start(config, store.clone()).await;
    let skipped = recv(&mut run.rx).await;
    assert_eq!(skipped.origin, "s3://flowlogs/logs/big.log");
    assert!(skipped.bytes.is_empty());
    assert!(skipped.checkpoint.is_some(), "the skip is checkpointed too");
    let small = recv(&mut run.rx).await;
    assert_eq!(&small.bytes[..], b"<13>small\n");
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    assert_eq!(run.handle.counters().oversize, 1);
    run.stop().await;
}

#[tokio::test]
async fn wrong_credentials_are_counted_as_errors() {
    let Some(server) = S3sFs::start() else {
        return;
    };
    put(&server.client(), "logs/1.log", b"<13>one\n").await;
    let mut config = server.config();
    config.secret_access_key = Secret::new("wrong");
    let mut run = start(config, Arc::new(MemoryCheckpointStore::new())).await;
    wait_counters(&run.handle, |c| c.errors >= 1).await;
    assert!(run.rx.try_recv().is_err());
    assert_eq!(run.handle.counters().chunks, 0);
    run.stop().await;
}
