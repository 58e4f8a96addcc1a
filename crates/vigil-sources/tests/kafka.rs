//! The Kafka source against a real Kafka-compatible broker: `tansu` (in-memory storage),
//! found through the `VIGIL_KAFKA_BROKER` environment variable
//! (`cargo install tansu@0.6.0 --locked --features dynostore`). Without it the broker tests
//! say so and pass without running; the configuration checks run always.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{assert_quiet, lines_of, recv, wait_counters, PATIENCE};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vigil_model::SourceType;
use vigil_sources::{
    kafka, CheckpointStore, Chunk, KafkaConfig, KafkaSecurityProtocol, KafkaStartFrom,
    MemoryCheckpointStore, SourceConfig, SourceError, SourceHandle, SourceId,
};

/// A running `tansu` broker on 127.0.0.1 with in-memory storage; killed on drop.
struct Broker {
    child: Option<Child>,
    binary: PathBuf,
    port: u16,
}

impl Broker {
    /// The broker binary, or `None` (with a message) when the tests must be skipped.
    fn binary() -> Option<PathBuf> {
        let binary = std::env::var_os("VIGIL_KAFKA_BROKER").map(PathBuf::from);
        if binary.is_none() {
            eprintln!(
                "skipped: set VIGIL_KAFKA_BROKER to a tansu binary to run the Kafka broker tests"
            );
        }
        binary
    }

    fn start() -> Option<Broker> {
        let binary = Broker::binary()?;
        let mut broker = Broker {
            child: None,
            binary,
            port: free_port(),
        };
        broker.run();
        Some(broker)
    }

    /// A broker for a port chosen now but started later (`run`).
    fn stopped() -> Option<Broker> {
        Some(Broker {
            child: None,
            binary: Broker::binary()?,
            port: free_port(),
        })
    }

    fn run(&mut self) {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let log = tempfile::tempfile().unwrap();
        let mut child = Command::new(&self.binary)
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(log.try_clone().unwrap())
            .spawn()
            .expect("VIGIL_KAFKA_BROKER runs");
        for _ in 0..400 {
            if let Some(status) = child.try_wait().unwrap() {
                let mut log = log;
                let mut text = String::new();
                log.seek(SeekFrom::Start(0)).unwrap();
                log.read_to_string(&mut text).unwrap();
                panic!(
                    "tansu exited ({status}); was it built with `--features dynostore`?\n{text}"
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.child = Some(child);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        panic!("tansu did not start listening");
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", self.address());
        config
    }

    async fn create_topic(&self, name: &str, partitions: i32) {
        let admin: AdminClient<DefaultClientContext> = self.client_config().create().unwrap();
        let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
        let results = admin
            .create_topics([&topic], &AdminOptions::new())
            .await
            .unwrap();
        for result in results {
            result.unwrap();
        }
    }

    /// Produces `payloads` to one partition and waits until the broker has them.
    fn produce(&self, topic: &str, partition: i32, payloads: &[&[u8]]) {
        let producer: BaseProducer = self.client_config().create().unwrap();
        for payload in payloads {
            producer
                .send(
                    BaseRecord::<(), [u8]>::to(topic)
                        .partition(partition)
                        .payload(payload),
                )
                .unwrap();
        }
        producer.flush(PATIENCE).unwrap();
    }

    /// The group's committed offset of a partition, as Kafka holds it.
    fn committed(&self, group: &str, topic: &str, partition: i32) -> Offset {
        let consumer: BaseConsumer = self
            .client_config()
            .set("group.id", group)
            .create()
            .unwrap();
        let mut wanted = TopicPartitionList::new();
        wanted.add_partition(topic, partition);
        let committed = consumer.committed_offsets(wanted, PATIENCE).unwrap();
        committed
            .find_partition(topic, partition)
            .map(|element| element.offset())
            .unwrap_or(Offset::Invalid)
    }

    fn config(&self, topic: &str, group: &str) -> KafkaConfig {
        KafkaConfig {
            id: SourceId::new("event-streams"),
            bootstrap_servers: vec![self.address()],
            topics: vec![topic.to_owned()],
            group_id: group.to_owned(),
            client_id: "vigil-test".to_owned(),
            start_from: KafkaStartFrom::Earliest,
            source_type: None,
            max_message_bytes: 1024,
            batch_max_bytes: 64 * 1024,
            batch_max_ms: 20,
            commit_interval_ms: 50,
            fetch_queue_max_bytes: 1024 * 1024,
            session_timeout_ms: 6_000,
            max_poll_interval_ms: 60_000,
            request_timeout_ms: 5_000,
            security_protocol: KafkaSecurityProtocol::Plaintext,
            sasl: None,
            tls_ca_path: None,
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Running {
    rx: mpsc::Receiver<Chunk>,
    handle: SourceHandle,
    shutdown: CancellationToken,
}

async fn start(config: KafkaConfig, store: Arc<dyn CheckpointStore>) -> Running {
    let (tx, rx) = mpsc::channel(16);
    let shutdown = CancellationToken::new();
    let handle = kafka::spawn(config, store, tx, shutdown.clone())
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
        tokio::time::timeout(PATIENCE, self.handle.join())
            .await
            .expect("the source stops")
            .unwrap();
    }

    /// Receives chunks until `want` records came; returns the records by partition origin,
    /// each chunk committed to `store` when `commit` says so.
    async fn records(
        &mut self,
        want: usize,
        store: &dyn CheckpointStore,
        commit: impl Fn(&Chunk) -> bool,
    ) -> BTreeMap<String, Vec<String>> {
        let mut by_origin: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut count = 0;
        while count < want {
            let chunk = recv(&mut self.rx).await;
            let lines = lines_of(&chunk);
            count += lines.len();
            if commit(&chunk) {
                chunk.commit(store).unwrap();
            }
            by_origin.entry(chunk.origin).or_default().extend(lines);
        }
        by_origin
    }
}

fn origins(broker: &Broker, topic: &str) -> [String; 2] {
    [0, 1].map(|p| format!("kafka://{}/{topic}/{p}", broker.address()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_records_are_not_read_again_after_restart_uncommitted_ones_are() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("events", 2).await;
    broker.produce("events", 0, &[b"p0-a\n", b"p0-b", b"p0-c"]);
    broker.produce("events", 1, &[b"p1-a", b"p1-b"]);
    let [origin0, origin1] = origins(&broker, "events");
    let store = Arc::new(MemoryCheckpointStore::new());

    let mut run = start(broker.config("events", "vigil"), store.clone()).await;
    // Only partition 0's chunks are made "durable".
    let first = run
        .records(5, &*store, |chunk| chunk.origin == origin0)
        .await;
    assert_eq!(first[&origin0], ["p0-a", "p0-b", "p0-c"]);
    assert_eq!(first[&origin1], ["p1-a", "p1-b"]);
    assert_eq!(
        store
            .load(&SourceId::new("event-streams"), "events/0")
            .unwrap(),
        Some(json!({ "next_offset": 3 }))
    );
    assert_eq!(
        store
            .load(&SourceId::new("event-streams"), "events/1")
            .unwrap(),
        None
    );
    // The group's offset in Kafka follows the durable checkpoint, and only it.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while broker.committed("vigil", "events", 0) != Offset::Offset(3) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "offset never committed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(broker.committed("vigil", "events", 1), Offset::Invalid);
    run.stop().await;

    let mut run = start(broker.config("events", "vigil"), store.clone()).await;
    let again = run.records(2, &*store, |_| true).await;
    assert_eq!(
        again,
        BTreeMap::from([(origin1.clone(), vec!["p1-a".to_owned(), "p1-b".to_owned()])]),
        "only the uncommitted records come again"
    );
    broker.produce("events", 0, &[b"p0-d"]);
    let new = run.records(1, &*store, |_| true).await;
    assert_eq!(new[&origin0], ["p0-d"]);
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    assert_eq!(run.handle.counters().messages, 3);
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_checkpoint_ahead_of_the_group_offset_wins() {
    // A crash after the durable write but before the commit to Kafka: the local checkpoint
    // is ahead of the group's offset, and reading resumes from it.
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("flows", 1).await;
    // One batch per record: tansu 0.6 serves a fetch from the record batches whose *base*
    // offset is at or after the fetch offset, so reading cannot start inside a batch there
    // (Kafka returns the whole batch and the client skips the records before the offset).
    for record in [&b"one"[..], b"two", b"three"] {
        broker.produce("flows", 0, &[record]);
    }
    let store = Arc::new(MemoryCheckpointStore::new());
    store
        .save(
            &SourceId::new("event-streams"),
            "flows/0",
            &json!({ "next_offset": 2 }),
        )
        .unwrap();
    let mut config = broker.config("flows", "fresh-group");
    config.source_type = Some(SourceType::VpcFlowLog);
    let mut run = start(config, store.clone()).await;
    let chunk = recv(&mut run.rx).await;
    assert_eq!(lines_of(&chunk), ["three"]);
    assert_eq!(chunk.source_type, Some(SourceType::VpcFlowLog));
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_over_the_cap_are_skipped_counted_and_passed() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("big", 1).await;
    let large = vec![b'x'; 4096];
    broker.produce("big", 0, &[b"small-1", &large, b"", b"small-2"]);
    let store = Arc::new(MemoryCheckpointStore::new());
    let mut run = start(broker.config("big", "vigil"), store.clone()).await;
    let lines = run.records(2, &*store, |_| true).await;
    let all: Vec<&String> = lines.values().flatten().collect();
    assert_eq!(all, ["small-1", "small-2"]);
    wait_counters(&run.handle, |c| c.messages == 4).await;
    assert_eq!(run.handle.counters().oversize, 1);
    assert_eq!(
        store
            .load(&SourceId::new("event-streams"), "big/0")
            .unwrap(),
        Some(json!({ "next_offset": 4 })),
        "skipped messages count as read"
    );
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_move_between_members_without_loss_or_replay_of_durable_records() {
    let Some(broker) = Broker::start() else {
        return;
    };
    broker.create_topic("shared", 2).await;
    let [origin0, origin1] = origins(&broker, "shared");
    // Two Vigil instances in one group, each with its own checkpoint store.
    let store_a = Arc::new(MemoryCheckpointStore::new());
    let store_b = Arc::new(MemoryCheckpointStore::new());
    let mut config_a = broker.config("shared", "vigil");
    config_a.id = SourceId::new("a");
    let mut config_b = broker.config("shared", "vigil");
    config_b.id = SourceId::new("b");

    let mut a = start(config_a.clone(), store_a.clone()).await;
    broker.produce("shared", 0, &[b"0-1"]);
    broker.produce("shared", 1, &[b"1-1"]);
    let read = a.records(2, &*store_a, |_| true).await;
    assert_eq!(read.len(), 2, "the only member reads both partitions");

    // B joins: the partitions are shared out, A commits what is durable as it gives one up.
    let mut b = start(config_b, store_b.clone()).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut round = 0;
    // Produce until each member has read a record (the rebalance takes a moment).
    while !(got.contains_key("a") && got.contains_key("b")) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no rebalance: {got:?}"
        );
        round += 1;
        for partition in [0, 1] {
            let record = format!("{partition}-r{round}");
            broker.produce("shared", partition, &[record.as_bytes()]);
        }
        for (name, run, store) in [("a", &mut a, &store_a), ("b", &mut b, &store_b)] {
            while let Ok(Some(chunk)) =
                tokio::time::timeout(Duration::from_millis(300), run.rx.recv()).await
            {
                chunk.commit(&**store).unwrap();
                got.entry(name.to_owned())
                    .or_default()
                    .extend(lines_of(&chunk));
            }
        }
    }
    let mut everything: Vec<String> = got.values().flatten().cloned().collect();
    everything.sort();
    everything.dedup();
    let expected: usize = 2 * round;
    assert_eq!(everything.len(), expected, "nothing lost: {got:?}");
    let total: usize = got.values().map(Vec::len).sum();
    assert_eq!(total, expected, "nothing durable read twice: {got:?}");

    // B leaves: A takes its partition back and resumes after what B made durable (from the
    // group's offset, B's progress being unknown to A's own store).
    b.stop().await;
    broker.produce("shared", 0, &[b"0-last"]);
    broker.produce("shared", 1, &[b"1-last"]);
    let last = a.records(2, &*store_a, |_| true).await;
    let mut lines: Vec<&String> = last.values().flatten().collect();
    lines.sort();
    assert_eq!(lines, ["0-last", "1-last"], "{last:?}");
    assert!(last.contains_key(&origin0) && last.contains_key(&origin1));
    assert_quiet(&mut a.rx, Duration::from_millis(500)).await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_is_counted_and_retried_without_panic() {
    let Some(mut broker) = Broker::stopped() else {
        return;
    };
    let store = Arc::new(MemoryCheckpointStore::new());
    let config = SourceConfig::Kafka(broker.config("late", "vigil"));
    let (tx, mut rx) = mpsc::channel(16);
    let shutdown = CancellationToken::new();
    let handle = vigil_sources::spawn(config, store.clone(), tx, shutdown.clone())
        .await
        .unwrap();
    wait_counters(&handle, |c| c.errors >= 1).await;
    assert_eq!(handle.counters().chunks, 0);

    // The broker comes up: the source connects by itself and reads.
    broker.run();
    broker.create_topic("late", 1).await;
    broker.produce("late", 0, &[b"finally"]);
    let chunk = recv(&mut rx).await;
    assert_eq!(lines_of(&chunk), ["finally"]);
    shutdown.cancel();
    tokio::time::timeout(PATIENCE, handle.join())
        .await
        .expect("the source stops")
        .unwrap();
}

#[tokio::test]
async fn invalid_settings_are_refused_before_connecting() {
    let config = |edit: fn(&mut KafkaConfig)| {
        let mut config = KafkaConfig {
            id: SourceId::new("k"),
            bootstrap_servers: vec!["127.0.0.1:9".to_owned()],
            topics: vec!["t".to_owned()],
            group_id: "g".to_owned(),
            client_id: "vigil".to_owned(),
            start_from: KafkaStartFrom::Latest,
            source_type: None,
            max_message_bytes: 1024,
            batch_max_bytes: 1024,
            batch_max_ms: 10,
            commit_interval_ms: 10,
            fetch_queue_max_bytes: 1024 * 1024,
            session_timeout_ms: 6_000,
            max_poll_interval_ms: 60_000,
            request_timeout_ms: 1_000,
            security_protocol: KafkaSecurityProtocol::Plaintext,
            sasl: None,
            tls_ca_path: None,
        };
        edit(&mut config);
        config
    };
    type Edit = fn(&mut KafkaConfig);
    let cases: [(Edit, &str); 4] = [
        (|c| c.topics.clear(), "must not be empty"),
        (|c| c.batch_max_ms = 0, "must be positive"),
        (
            |c| c.security_protocol = KafkaSecurityProtocol::SaslSsl,
            "a `sasl` table",
        ),
        (
            |c| c.tls_ca_path = Some(PathBuf::from("/etc/ca.pem")),
            "`tls_ca_path` needs",
        ),
    ];
    for (edit, expected) in cases {
        let (tx, _rx) = mpsc::channel(1);
        let result = kafka::spawn(
            config(edit),
            Arc::new(MemoryCheckpointStore::new()),
            tx,
            CancellationToken::new(),
        )
        .await;
        match result {
            Err(error @ SourceError::Config { .. }) => {
                assert!(error.to_string().contains(expected), "{error}")
            }
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }
}
