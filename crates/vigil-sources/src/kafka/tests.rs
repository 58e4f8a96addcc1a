//! The batcher and the librdkafka settings, without a broker.

use super::*;
use crate::{Secret, SourceId};

fn batcher(runtime: &tokio::runtime::Runtime) -> (Batcher, mpsc::Receiver<Chunk>) {
    let (sender, receiver) = mpsc::channel(64);
    let config = KafkaConfig {
        id: SourceId::new("k"),
        bootstrap_servers: vec!["broker:9093".to_owned()],
        topics: vec!["t".to_owned()],
        group_id: "g".to_owned(),
        client_id: "vigil".to_owned(),
        start_from: KafkaStartFrom::Earliest,
        source_type: None,
        max_message_bytes: 8,
        batch_max_bytes: 10,
        batch_max_ms: 100,
        commit_interval_ms: 1_000,
        fetch_queue_max_bytes: 1024 * 1024,
        session_timeout_ms: 6_000,
        max_poll_interval_ms: 60_000,
        request_timeout_ms: 1_000,
        security_protocol: KafkaSecurityProtocol::SaslSsl,
        sasl: Some(crate::KafkaSasl {
            mechanism: KafkaSaslMechanism::Plain,
            username: "token".to_owned(),
            password: Secret::new("api-key"),
        }),
        tls_ca_path: None,
    };
    let batcher = Batcher {
        broker: "broker:9093".to_owned(),
        batches: HashMap::new(),
        out: Output {
            sender,
            shutdown: CancellationToken::new(),
            counters: Arc::new(SourceCounters::default()),
        },
        runtime: runtime.handle().clone(),
        config,
    };
    (batcher, receiver)
}

/// (origin, bytes, next offset) of a chunk.
fn summary(chunk: &Chunk) -> (String, String, i64) {
    let update = chunk
        .checkpoint
        .as_ref()
        .expect("kafka chunks carry a checkpoint");
    let next = update.value["next_offset"].as_i64().expect("an offset");
    (
        format!("{} {}", chunk.origin, update.key),
        String::from_utf8_lossy(&chunk.bytes).into_owned(),
        next,
    )
}

#[test]
fn batches_are_per_partition_split_by_size_and_carry_their_own_offset() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let (mut batcher, mut receiver) = batcher(&runtime);
    assert!(batcher.take("t", 0, 5, Some(b"aaaa\n")));
    assert!(batcher.take("t", 1, 9, Some(b"bb")));
    // 5 + 4 + 1 bytes reach `batch_max_bytes`: partition 0 is flushed at once.
    assert!(batcher.take("t", 0, 6, Some(b"cccc")));
    // Over `max_message_bytes` (skipped), then a tombstone: both still advance.
    assert!(batcher.take("t", 1, 10, Some(b"123456789")));
    assert!(batcher.take("t", 1, 11, None));
    let full = receiver.try_recv().expect("partition 0 is full");
    assert_eq!(
        summary(&full),
        (
            "kafka://broker:9093/t/0 t/0".to_owned(),
            "aaaa\ncccc\n".to_owned(),
            7
        )
    );
    assert!(receiver.try_recv().is_err(), "partition 1 is not due yet");
    assert!(batcher.flush_due(Instant::now() + Duration::from_millis(100)));
    let due = receiver.try_recv().expect("partition 1 is due");
    assert_eq!(
        summary(&due),
        (
            "kafka://broker:9093/t/1 t/1".to_owned(),
            "bb\n".to_owned(),
            12
        )
    );
    let counters = batcher.out.counters.snapshot();
    assert_eq!(
        (counters.messages, counters.oversize, counters.chunks),
        (5, 1, 2)
    );
}

#[test]
fn a_batch_of_skipped_messages_only_moves_the_checkpoint() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let (mut batcher, mut receiver) = batcher(&runtime);
    assert!(batcher.take("t", 0, 41, Some(&[b'x'; 64])));
    assert!(batcher.flush_due(Instant::now() + Duration::from_secs(1)));
    let chunk = receiver.try_recv().expect("a checkpoint-only chunk");
    assert!(chunk.bytes.is_empty());
    assert_eq!(summary(&chunk).2, 42);
}

#[test]
fn librdkafka_settings_map_from_the_configuration() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let (batcher, _receiver) = batcher(&runtime);
    let client = client_config(&batcher.config);
    for (key, value) in [
        ("security.protocol", "sasl_ssl"),
        ("sasl.mechanism", "PLAIN"),
        ("sasl.username", "token"),
        ("sasl.password", "api-key"),
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "earliest"),
        ("queued.max.messages.kbytes", "1024"),
    ] {
        assert_eq!(client.get(key), Some(value), "{key}");
    }
    assert!(validate(&batcher.config).is_ok());
}
