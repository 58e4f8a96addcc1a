//! `[[sources]]` tables of `vigil.toml` into typed configuration.

mod common;

use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vigil_model::SourceType;
use vigil_sources::{
    KafkaSaslMechanism, KafkaSecurityProtocol, KafkaStartFrom, MemoryCheckpointStore, SourceConfig,
    SyslogProtocol,
};

#[derive(Debug, Deserialize)]
struct File {
    sources: Vec<SourceConfig>,
}

fn parse(text: &str) -> Result<Vec<SourceConfig>, String> {
    toml::from_str::<File>(text)
        .map(|f| f.sources)
        .map_err(|e| e.to_string())
}

const FULL: &str = r#"
[[sources]]
type = "directory"
id = "app-logs"
path = "/var/log/app"
include = ["**/*.log"]
poll_interval_ms = 500

[[sources]]
type = "syslog"
id = "firewalls"
protocol = "tls"
address = "0.0.0.0:6514"
source_type = "panos"
max_connections = 32
tls = { cert_path = "/etc/vigil/cert.pem", key_path = "/etc/vigil/key.pem" }

[[sources]]
type = "s3"
id = "flow-logs"
bucket = "my-flowlogs"
endpoint_url = "https://s3.us-south.cloud-object-storage.appdomain.cloud"
region = "us-south"
access_key_id = "AKID"
secret_access_key = "very-secret"
prefixes = ["ibm_vpc_flowlogs_v1"]

[[sources]]
type = "kafka"
id = "event-streams"
bootstrap_servers = ["broker-0-abc.kafka.svc01.us-south.eventstreams.cloud.ibm.com:9093", "broker-1-abc.kafka.svc01.us-south.eventstreams.cloud.ibm.com:9093"]
topics = ["activity-tracker", "vpc-flow"]
group_id = "vigil"
source_type = "ibm_activity_tracker"
security_protocol = "sasl_ssl"
sasl = { mechanism = "plain", username = "token", password = "api-key-secret" }
"#;

#[test]
fn every_kind_parses_with_defaults_filled_in() {
    let sources = parse(FULL).unwrap();
    assert_eq!(sources.len(), 4);
    let ids: Vec<&str> = sources.iter().map(|s| s.id().as_str()).collect();
    assert_eq!(ids, ["app-logs", "firewalls", "flow-logs", "event-streams"]);
    let SourceConfig::Directory(dir) = &sources[0] else {
        panic!("{:?}", sources[0]);
    };
    assert_eq!(dir.poll_interval_ms, 500);
    assert_eq!(dir.idle_flush_ms, 10_000);
    assert_eq!(dir.max_read_bytes, 1024 * 1024);
    assert!(dir.exclude.is_empty());
    let SourceConfig::Syslog(syslog) = &sources[1] else {
        panic!("{:?}", sources[1]);
    };
    assert_eq!(syslog.protocol, SyslogProtocol::Tls);
    assert_eq!(syslog.source_type, Some(SourceType::PanOs));
    assert_eq!(syslog.max_connections, 32);
    assert_eq!(syslog.batch_max_bytes, 64 * 1024);
    assert_eq!(syslog.batch_max_ms, 100);
    assert!(syslog.tls.is_some());
    let SourceConfig::S3(s3) = &sources[2] else {
        panic!("{:?}", sources[2]);
    };
    assert!(s3.path_style);
    assert_eq!(s3.secret_access_key.expose(), "very-secret");
    assert_eq!(s3.recent_keys_max, 1000);
    assert!(
        !format!("{s3:?}").contains("very-secret"),
        "secrets are not printed"
    );
    let SourceConfig::Kafka(kafka) = &sources[3] else {
        panic!("{:?}", sources[3]);
    };
    assert_eq!(kafka.bootstrap_servers.len(), 2);
    assert_eq!(kafka.topics, ["activity-tracker", "vpc-flow"]);
    assert_eq!(kafka.source_type, Some(SourceType::ActivityTracker));
    assert_eq!(kafka.security_protocol, KafkaSecurityProtocol::SaslSsl);
    assert_eq!(kafka.start_from, KafkaStartFrom::Earliest);
    assert_eq!(kafka.batch_max_bytes, 64 * 1024);
    assert_eq!(kafka.batch_max_ms, 100);
    assert_eq!(kafka.max_message_bytes, 1024 * 1024);
    let sasl = kafka.sasl.as_ref().unwrap();
    assert_eq!(sasl.mechanism, KafkaSaslMechanism::Plain);
    assert_eq!(sasl.password.expose(), "api-key-secret");
    assert!(
        !format!("{kafka:?}").contains("api-key-secret"),
        "secrets are not printed"
    );
}

#[test]
fn mistakes_are_errors_naming_what_is_wrong() {
    let unknown =
        parse("[[sources]]\ntype = \"directory\"\nid = \"a\"\npath = \"/x\"\npoll_interval = 5\n")
            .unwrap_err();
    assert!(unknown.contains("poll_interval"), "{unknown}");
    let kind = parse("[[sources]]\ntype = \"kinesis\"\nid = \"a\"\n").unwrap_err();
    assert!(kind.contains("kinesis"), "{kind}");
    let mechanism = parse(
        "[[sources]]\ntype = \"kafka\"\nid = \"a\"\nbootstrap_servers = [\"b:9093\"]\ntopics = [\"t\"]\ngroup_id = \"g\"\nsecurity_protocol = \"sasl_ssl\"\nsasl = { mechanism = \"gssapi\", username = \"u\", password = \"p\" }\n",
    )
    .unwrap_err();
    assert!(mechanism.contains("gssapi"), "{mechanism}");
    let source_type = parse(
        "[[sources]]\ntype = \"syslog\"\nid = \"a\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:514\"\nsource_type = \"nope\"\n",
    )
    .unwrap_err();
    assert!(
        source_type.contains("unknown source type `nope`"),
        "{source_type}"
    );
    let protocol = parse(
        "[[sources]]\ntype = \"syslog\"\nid = \"a\"\nprotocol = \"quic\"\naddress = \"127.0.0.1:514\"\n",
    )
    .unwrap_err();
    assert!(protocol.contains("quic"), "{protocol}");
    let missing = parse("[[sources]]\ntype = \"s3\"\nid = \"a\"\nbucket = \"b\"\n").unwrap_err();
    assert!(missing.contains("access_key_id"), "{missing}");
}

#[tokio::test]
async fn spawn_starts_a_configured_source() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.log"), b"<13>hello\n").unwrap();
    let text = format!(
        "[[sources]]\ntype = \"directory\"\nid = \"d\"\npath = {:?}\npoll_interval_ms = 20\nsource_type = \"syslog\"\n",
        tmp.path().to_string_lossy()
    );
    let config = parse(&text).unwrap().remove(0);
    let (tx, mut rx) = mpsc::channel(4);
    let shutdown = CancellationToken::new();
    let handle = vigil_sources::spawn(
        config,
        Arc::new(MemoryCheckpointStore::new()),
        tx,
        shutdown.clone(),
    )
    .await
    .unwrap();
    let chunk = common::recv_data(&mut rx).await;
    assert_eq!(chunk.source_id.as_str(), "d");
    assert_eq!(chunk.source_type, Some(SourceType::Syslog));
    assert_eq!(&chunk.bytes[..], b"<13>hello\n");
    shutdown.cancel();
    handle.join().await.unwrap();
}
