//! Syslog listeners against real sockets on 127.0.0.1.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{recv_data, recv_lines, wait_counters};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_rustls::rustls;
use tokio_util::sync::CancellationToken;
use vigil_formats::pipeline::{process, StreamOptions};
use vigil_formats::stream::{Framing, Limits, RecordReader};
use vigil_sources::{
    syslog, Chunk, SourceHandle, SourceId, SyslogConfig, SyslogProtocol, TlsConfig,
};

fn config(protocol: SyslogProtocol) -> SyslogConfig {
    SyslogConfig {
        id: SourceId::new("firewalls"),
        protocol,
        address: "127.0.0.1:0".parse().unwrap(),
        source_type: None,
        max_message_bytes: 1024,
        max_connections: 8,
        batch_max_bytes: 64 * 1024,
        batch_max_ms: 20,
        connection_idle_timeout_secs: 60,
        tls: None,
    }
}

struct Running {
    rx: mpsc::Receiver<Chunk>,
    handle: SourceHandle,
    shutdown: CancellationToken,
    addr: SocketAddr,
}

async fn start(config: SyslogConfig) -> Running {
    let (tx, rx) = mpsc::channel(64);
    let shutdown = CancellationToken::new();
    let handle = syslog::spawn(config, tx, shutdown.clone()).await.unwrap();
    let addr = handle.local_addr.unwrap();
    Running {
        rx,
        handle,
        shutdown,
        addr,
    }
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        self.handle.join().await.unwrap();
    }
}

/// The records `vigil_formats` reads from a chunk, as text.
fn records(chunk: &Chunk) -> Vec<String> {
    let mut reader = RecordReader::new(
        &chunk.bytes[..],
        Framing::Lines,
        Limits::default(),
        Arc::from(chunk.origin.as_str()),
    );
    let mut out = Vec::new();
    while let Some(record) = reader.next_record() {
        out.push(String::from_utf8_lossy(&record.unwrap().bytes).into_owned());
    }
    out
}

const PANOS: &str = "<14>1 2024-05-01T10:00:00Z fw01 - - - - 1,2024/05/01 10:00:00,001801000001,TRAFFIC,end,2561,2024/05/01 10:00:00,10.0.0.5,203.0.113.7,0.0.0.0,0.0.0.0,allow-web,,,web-browsing,vsys1,trust,untrust,ethernet1/1,ethernet1/2,fwd,2024/05/01 10:00:00,1234,1,51234,443,0,0,0x0,tcp,allow,1200,600,600,10,2024/05/01 09:59:59,1,any,0,1,0x0,10.0.0.0-10.255.255.255,United States,0,5,5,tcp-fin";

#[tokio::test]
async fn udp_datagrams_are_one_message_each_batched_per_peer() {
    let mut run = start(config(SyslogProtocol::Udp)).await;
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for message in [
        "<13>Jan  1 00:00:00 host a: one\n",
        "<13>Jan  1 00:00:00 host a: two",
        "<13>three\nwith a newline",
    ] {
        client.send_to(message.as_bytes(), run.addr).await.unwrap();
    }
    let mut got = Vec::new();
    let mut origins = Vec::new();
    while got.len() < 3 {
        let chunk = recv_data(&mut run.rx).await;
        origins.push(chunk.origin.clone());
        got.extend(records(&chunk));
    }
    assert_eq!(
        got,
        [
            "<13>Jan  1 00:00:00 host a: one",
            "<13>Jan  1 00:00:00 host a: two",
            "<13>three\nwith a newline"
        ]
    );
    let expected_origin = format!("syslog+udp://{}/{}", run.addr, client.local_addr().unwrap());
    assert!(origins.iter().all(|o| *o == expected_origin), "{origins:?}");
    assert_eq!(run.handle.counters().messages, 3);
    run.stop().await;
}

#[tokio::test]
async fn tcp_reads_octet_counting_and_lf_framing_told_apart_per_message() {
    let mut run = start(config(SyslogProtocol::Tcp)).await;
    let mut client = TcpStream::connect(run.addr).await.unwrap();
    let multi = "<13>1 2024-05-01T10:00:00Z host app - - - line one\nline two";
    let stream = format!(
        "{}\n{} {}{} {}",
        PANOS,
        multi.len(),
        multi,
        PANOS.len(),
        PANOS
    );
    // Written in small pieces so frames straddle reads.
    for piece in stream.as_bytes().chunks(7) {
        client.write_all(piece).await.unwrap();
    }
    client
        .write_all(b"\n<13>last message without newline")
        .await
        .unwrap();
    client.shutdown().await.unwrap();
    let mut got = Vec::new();
    let mut chunks = Vec::new();
    while got.len() < 4 {
        let chunk = recv_data(&mut run.rx).await;
        got.extend(records(&chunk));
        chunks.push(chunk);
    }
    assert_eq!(
        got,
        [PANOS, multi, PANOS, "<13>last message without newline"]
    );
    let local = client.local_addr().unwrap();
    assert_eq!(
        chunks[0].origin,
        format!("syslog+tcp://{}/{}", run.addr, local)
    );

    // The pipeline reads the chunk as the serve loop will: PAN-OS records become events.
    let mut all = Vec::new();
    for chunk in &chunks {
        all.extend_from_slice(&chunk.bytes);
    }
    let stats = process(
        &all[..],
        &chunks[0].origin,
        &StreamOptions::default(),
        |_| {},
    )
    .unwrap();
    let panos = stats.by_source[&vigil_formats::SourceType::PanOs];
    assert_eq!(panos.records, 2);
    assert_eq!(panos.events, 2);
    wait_counters(&run.handle, |c| {
        c.messages == 4 && c.connections_accepted == 1
    })
    .await;
    run.stop().await;
}

#[tokio::test]
async fn messages_are_batched_into_few_chunks() {
    let mut config = config(SyslogProtocol::Tcp);
    config.batch_max_bytes = 4096;
    config.batch_max_ms = 60_000;
    let mut run = start(config).await;
    let mut client = TcpStream::connect(run.addr).await.unwrap();
    let mut stream = String::new();
    for i in 0..1000 {
        stream.push_str(&format!("<13>Jan  1 00:00:00 host app: message {i:04}\n"));
    }
    client.write_all(stream.as_bytes()).await.unwrap();
    client.shutdown().await.unwrap();
    let (lines, chunks) = recv_lines(&mut run.rx, 1000).await;
    assert_eq!(lines.len(), 1000);
    assert_eq!(lines[999], "<13>Jan  1 00:00:00 host app: message 0999");
    assert!(
        chunks.len() <= stream.len() / 4096 + 1,
        "{} chunks",
        chunks.len()
    );
    assert!(chunks.iter().all(|c| c.bytes.len() < 4096 + 64));
    run.stop().await;
}

#[tokio::test]
async fn oversize_messages_are_dropped_and_counted() {
    let mut run = start(config(SyslogProtocol::Tcp)).await;
    let mut client = TcpStream::connect(run.addr).await.unwrap();
    let big = "x".repeat(5000);
    let stream = format!("<13>{big}\n5000 <13>{}<13>after\n", &big[..4996]);
    client.write_all(stream.as_bytes()).await.unwrap();
    client.shutdown().await.unwrap();
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(records(&chunk), ["<13>after"]);
    wait_counters(&run.handle, |c| c.oversize == 2 && c.messages == 1).await;
    run.stop().await;
}

#[tokio::test]
async fn connections_over_the_limit_are_refused() {
    let mut config = config(SyslogProtocol::Tcp);
    config.max_connections = 1;
    let mut run = start(config).await;
    let mut first = TcpStream::connect(run.addr).await.unwrap();
    first.write_all(b"<13>first\n").await.unwrap();
    assert_eq!(records(&recv_data(&mut run.rx).await), ["<13>first"]);
    let mut second = TcpStream::connect(run.addr).await.unwrap();
    let mut buf = [0u8; 1];
    // The listener closes it at once: end of stream (or a reset).
    let read = tokio::time::timeout(common::PATIENCE, second.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(read, Ok(0) | Err(_)));
    wait_counters(&run.handle, |c| c.connections_rejected == 1).await;
    // The first connection still works; once it closes, a new one is accepted.
    first.write_all(b"<13>still\n").await.unwrap();
    assert_eq!(records(&recv_data(&mut run.rx).await), ["<13>still"]);
    drop(first);
    wait_counters(&run.handle, |c| c.connections_accepted == 1).await;
    let mut third = loop {
        let mut third = TcpStream::connect(run.addr).await.unwrap();
        third.write_all(b"<13>third\n").await.unwrap();
        // Until the first connection's task has ended, a new one may still be refused.
        let mut probe = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(200), third.read(&mut probe)).await {
            Err(_) => break third,
            Ok(_) => continue,
        }
    };
    assert_eq!(records(&recv_data(&mut run.rx).await), ["<13>third"]);
    third.shutdown().await.unwrap();
    run.stop().await;
}

#[tokio::test]
async fn shutdown_flushes_the_pending_batch() {
    let mut config = config(SyslogProtocol::Tcp);
    config.batch_max_ms = 600_000;
    let mut run = start(config).await;
    let mut client = TcpStream::connect(run.addr).await.unwrap();
    client.write_all(b"<13>pending\n").await.unwrap();
    wait_counters(&run.handle, |c| c.messages == 1).await;
    run.shutdown.cancel();
    assert_eq!(records(&recv_data(&mut run.rx).await), ["<13>pending"]);
    run.handle.join().await.unwrap();
    drop(client);
}

#[tokio::test]
async fn tls_listener_reads_framed_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = tmp.path().join("cert.pem");
    let key_path = tmp.path().join("key.pem");
    std::fs::write(&cert_path, certified.cert.pem()).unwrap();
    std::fs::write(&key_path, certified.signing_key.serialize_pem()).unwrap();
    let mut config = config(SyslogProtocol::Tls);
    config.tls = Some(TlsConfig {
        cert_path,
        key_path,
    });
    let mut run = start(config).await;

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
    let tcp = TcpStream::connect(run.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"11 <13>secure113 <13>encrypted<13>lf framed\n")
        .await
        .unwrap();
    tls.shutdown().await.unwrap();
    let mut got = Vec::new();
    let mut origin = String::new();
    while got.len() < 3 {
        let chunk = recv_data(&mut run.rx).await;
        origin = chunk.origin.clone();
        got.extend(records(&chunk));
    }
    assert_eq!(got, ["<13>secure1", "<13>encrypted", "<13>lf framed"]);
    assert!(origin.starts_with(&format!("syslog+tls://{}/", run.addr)));

    // A client that does not speak TLS is counted as an error, and the listener goes on.
    let mut plain = TcpStream::connect(run.addr).await.unwrap();
    plain.write_all(b"<13>not tls\n").await.unwrap();
    wait_counters(&run.handle, |c| c.errors >= 1).await;
    run.stop().await;
}

#[tokio::test]
async fn tls_without_certificate_or_with_a_bad_one_fails_to_start() {
    let (tx, _rx) = mpsc::channel(1);
    let err = syslog::spawn(
        config(SyslogProtocol::Tls),
        tx.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("needs a `tls` table"), "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.pem");
    std::fs::write(&empty, "not a pem\n").unwrap();
    let mut config = config(SyslogProtocol::Tls);
    config.tls = Some(TlsConfig {
        cert_path: empty.clone(),
        key_path: empty,
    });
    let err = syslog::spawn(config, tx, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no certificate"), "{err}");
}
