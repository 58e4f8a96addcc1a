//! Syslog listeners: UDP (one datagram, one message), TCP with RFC 6587 framing, and TLS.
//!
//! Messages are batched per connection (per peer for UDP) into chunks of newline-delimited
//! messages, flushed at `batch_max_bytes` or `batch_max_ms` after the first message, so a
//! busy firewall costs one channel send per ~64 KiB rather than per message. A message with
//! newlines of its own (and a `<PRI>`) is forwarded octet-counted (`LEN SP MSG`), which
//! `vigil_formats`' `Lines` framing reads back whole. The origin names the listener and the
//! peer: `syslog+tcp://0.0.0.0:5514/10.0.0.7:41234`.
//!
//! Syslog cannot be replayed, so chunks carry no checkpoint. Backpressure reaches senders:
//! a TCP connection is not read while its chunk waits for room; UDP datagrams wait in the
//! kernel buffer (and are dropped by the kernel when it fills, as with any syslog server).

mod framing;

use std::collections::HashMap;
use std::io::BufReader;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::chunk::{add, Output};
use crate::config::invalid;
use crate::{
    Chunk, SourceCounters, SourceError, SourceHandle, SyslogConfig, SyslogProtocol, TlsConfig,
};
use framing::{append_message, Decoder, Frame};

/// Binds the listener and starts serving. Fails at once when the address cannot be bound,
/// the configuration is invalid, or the TLS certificate or key cannot be loaded.
pub async fn spawn(
    config: SyslogConfig,
    sender: mpsc::Sender<Chunk>,
    shutdown: CancellationToken,
) -> Result<SourceHandle, SourceError> {
    if config.max_message_bytes == 0
        || config.max_connections == 0
        || config.batch_max_bytes == 0
        || config.batch_max_ms == 0
        || config.connection_idle_timeout_secs == 0
    {
        return Err(invalid(
            &config.id,
            "`max_message_bytes`, `max_connections`, `batch_max_bytes`, `batch_max_ms` and `connection_idle_timeout_secs` must be positive",
        ));
    }
    let acceptor = match (config.protocol, &config.tls) {
        (SyslogProtocol::Tls, Some(tls)) => Some(tls_acceptor(tls)?),
        (SyslogProtocol::Tls, None) => {
            return Err(invalid(
                &config.id,
                "`protocol = \"tls\"` needs a `tls` table",
            ));
        }
        (_, Some(_)) => {
            return Err(invalid(
                &config.id,
                "a `tls` table needs `protocol = \"tls\"`",
            ));
        }
        (_, None) => None,
    };
    let counters = Arc::new(SourceCounters::default());
    let socket_error = |error| SourceError::Socket {
        address: config.address.to_string(),
        error,
    };
    let id = config.id.clone();
    let out = Output {
        sender,
        shutdown,
        counters: counters.clone(),
    };
    let (local_addr, task) = match config.protocol {
        SyslogProtocol::Udp => {
            let socket = UdpSocket::bind(config.address)
                .await
                .map_err(socket_error)?;
            let local = socket.local_addr().map_err(socket_error)?;
            let emitter = Arc::new(Emitter::new(config, local, out));
            (local, tokio::spawn(run_udp(socket, emitter)))
        }
        SyslogProtocol::Tcp | SyslogProtocol::Tls => {
            let listener = TcpListener::bind(config.address)
                .await
                .map_err(socket_error)?;
            let local = listener.local_addr().map_err(socket_error)?;
            let emitter = Arc::new(Emitter::new(config, local, out));
            (local, tokio::spawn(run_tcp(listener, acceptor, emitter)))
        }
    };
    Ok(SourceHandle::new(id, Some(local_addr), counters, task))
}

/// Loads the certificate chain and key into a TLS acceptor (ring provider).
fn tls_acceptor(tls: &TlsConfig) -> Result<TlsAcceptor, SourceError> {
    let open = |path: &std::path::Path| {
        std::fs::File::open(path)
            .map(BufReader::new)
            .map_err(|error| SourceError::Io {
                path: path.to_path_buf(),
                error,
            })
    };
    let certs = rustls_pemfile::certs(&mut open(&tls.cert_path)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| SourceError::Io {
            path: tls.cert_path.clone(),
            error,
        })?;
    if certs.is_empty() {
        return Err(SourceError::Tls {
            detail: format!("no certificate in `{}`", tls.cert_path.display()),
        });
    }
    let key = rustls_pemfile::private_key(&mut open(&tls.key_path)?)
        .map_err(|error| SourceError::Io {
            path: tls.key_path.clone(),
            error,
        })?
        .ok_or_else(|| SourceError::Tls {
            detail: format!("no private key in `{}`", tls.key_path.display()),
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| SourceError::Tls {
            detail: e.to_string(),
        })?;
    Ok(TlsAcceptor::from(Arc::new(server)))
}

/// Shared by the tasks of one listener: batching limits and the output.
struct Emitter {
    config: SyslogConfig,
    local: SocketAddr,
    out: Output,
}

/// Messages waiting to be sent as one chunk.
struct Batch {
    buf: BytesMut,
    started: Option<Instant>,
    origin: String,
}

impl Batch {
    fn new(origin: String) -> Batch {
        Batch {
            buf: BytesMut::new(),
            started: None,
            origin,
        }
    }
}

impl Emitter {
    fn new(config: SyslogConfig, local: SocketAddr, out: Output) -> Emitter {
        Emitter { config, local, out }
    }

    fn origin(&self, peer: SocketAddr) -> String {
        format!(
            "{}://{}/{}",
            self.config.protocol.scheme(),
            self.local,
            peer
        )
    }

    fn batch_max(&self) -> Duration {
        Duration::from_millis(self.config.batch_max_ms)
    }

    /// Counts a frame and adds its message to the batch; `false` when the source must stop.
    async fn push(&self, batch: &mut Batch, frame: Frame) -> bool {
        match frame {
            Frame::Oversize => {
                add(&self.out.counters.oversize, 1);
                true
            }
            Frame::Message(message) => self.push_message(batch, &message).await,
        }
    }

    async fn push_message(&self, batch: &mut Batch, message: &[u8]) -> bool {
        add(&self.out.counters.messages, 1);
        append_message(&mut batch.buf, message);
        if batch.started.is_none() {
            batch.started = Some(Instant::now());
        }
        if batch.buf.len() >= self.config.batch_max_bytes {
            return self.flush(batch).await;
        }
        true
    }

    fn chunk(&self, batch: &mut Batch) -> Option<Chunk> {
        batch.started = None;
        if batch.buf.is_empty() {
            return None;
        }
        let bytes: Bytes = batch.buf.split().freeze();
        Some(Chunk {
            source_id: self.config.id.clone(),
            origin: batch.origin.clone(),
            bytes,
            source_type: self.config.source_type,
            checkpoint: None,
        })
    }

    /// Sends the batch (waiting for room); `false` when the source must stop.
    async fn flush(&self, batch: &mut Batch) -> bool {
        match self.chunk(batch) {
            Some(chunk) => self.out.send(chunk).await,
            None => true,
        }
    }

    /// Sends what is left at shutdown or when a connection ends.
    async fn flush_final(&self, batch: &mut Batch) {
        if let Some(chunk) = self.chunk(batch) {
            if self.out.shutdown.is_cancelled() {
                self.out.send_final(chunk).await;
            } else {
                self.out.send(chunk).await;
            }
        }
    }
}

async fn run_udp(socket: UdpSocket, emitter: Arc<Emitter>) -> Result<(), SourceError> {
    let mut datagram = vec![0u8; 65_536];
    let mut batches: HashMap<SocketAddr, Batch> = HashMap::new();
    let shutdown = emitter.out.shutdown.clone();
    loop {
        let deadline = batches
            .values()
            .filter_map(|b| b.started)
            .min()
            .map(|started| started + emitter.batch_max());
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            _ = sleep_until_some(deadline) => {
                let now = Instant::now();
                for batch in batches.values_mut() {
                    let due = batch.started.is_some_and(|s| s + emitter.batch_max() <= now);
                    if due && !emitter.flush(batch).await {
                        return Ok(());
                    }
                }
                batches.retain(|_, b| !b.buf.is_empty());
            }
            received = socket.recv_from(&mut datagram) => {
                let (len, peer) = match received {
                    Ok(received) => received,
                    Err(e) => {
                        add(&emitter.out.counters.errors, 1);
                        tracing::debug!(source = %emitter.config.id, error = %e, "udp receive failed");
                        continue;
                    }
                };
                if len > emitter.config.max_message_bytes {
                    add(&emitter.out.counters.oversize, 1);
                    continue;
                }
                if !batches.contains_key(&peer) && batches.len() >= emitter.config.max_connections {
                    for batch in batches.values_mut() {
                        if !emitter.flush(batch).await {
                            return Ok(());
                        }
                    }
                    batches.clear();
                }
                let batch = batches
                    .entry(peer)
                    .or_insert_with(|| Batch::new(emitter.origin(peer)));
                if !emitter.push_message(batch, &datagram[..len]).await {
                    return Ok(());
                }
            }
        }
    }
    for batch in batches.values_mut() {
        emitter.flush_final(batch).await;
    }
    Ok(())
}

/// Sleeps until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

async fn run_tcp(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    emitter: Arc<Emitter>,
) -> Result<(), SourceError> {
    let permits = Arc::new(Semaphore::new(emitter.config.max_connections));
    let mut connections = JoinSet::new();
    let shutdown = emitter.out.shutdown.clone();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of descriptors and the like: back off instead of spinning.
                        add(&emitter.out.counters.errors, 1);
                        tracing::warn!(source = %emitter.config.id, error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    add(&emitter.out.counters.connections_rejected, 1);
                    drop(stream);
                    continue;
                };
                add(&emitter.out.counters.connections_accepted, 1);
                let emitter = emitter.clone();
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    serve_stream(stream, peer, acceptor, &emitter).await;
                    drop(permit);
                });
            }
        }
    }
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Completes the TLS handshake if any, then reads the connection.
async fn serve_stream(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    emitter: &Emitter,
) {
    let idle = Duration::from_secs(emitter.config.connection_idle_timeout_secs);
    let Some(acceptor) = acceptor else {
        return serve_connection(stream, peer, emitter).await;
    };
    let handshake = tokio::select! {
        _ = emitter.out.shutdown.cancelled() => return,
        handshake = tokio::time::timeout(idle, acceptor.accept(stream)) => handshake,
    };
    match handshake {
        Ok(Ok(tls)) => serve_connection(tls, peer, emitter).await,
        Ok(Err(e)) => {
            add(&emitter.out.counters.errors, 1);
            tracing::debug!(source = %emitter.config.id, %peer, error = %e, "tls handshake failed");
        }
        Err(_) => {
            add(&emitter.out.counters.errors, 1);
            tracing::debug!(source = %emitter.config.id, %peer, "tls handshake timed out");
        }
    }
}

/// Reads one connection to its end (or idle timeout, or shutdown), batching its messages.
async fn serve_connection<S: AsyncRead + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    emitter: &Emitter,
) {
    let idle = Duration::from_secs(emitter.config.connection_idle_timeout_secs);
    let mut decoder = Decoder::new(emitter.config.max_message_bytes);
    let mut batch = Batch::new(emitter.origin(peer));
    loop {
        let deadline = batch.started.map(|started| started + emitter.batch_max());
        tokio::select! {
            biased;
            _ = emitter.out.shutdown.cancelled() => break,
            _ = sleep_until_some(deadline) => {
                if !emitter.flush(&mut batch).await {
                    return;
                }
            }
            read = tokio::time::timeout(idle, stream.read_buf(decoder.buffer())) => {
                match read {
                    Ok(Ok(0)) => {
                        if let Some(frame) = decoder.finish() {
                            if !emitter.push(&mut batch, frame).await {
                                return;
                            }
                        }
                        break;
                    }
                    Ok(Ok(_)) => {
                        while let Some(frame) = decoder.next_frame() {
                            if !emitter.push(&mut batch, frame).await {
                                return;
                            }
                        }
                    }
                    Ok(Err(e)) => {
                        add(&emitter.out.counters.errors, 1);
                        tracing::debug!(source = %emitter.config.id, %peer, error = %e, "connection read failed");
                        break;
                    }
                    Err(_) => {
                        tracing::debug!(source = %emitter.config.id, %peer, "connection idle; closed");
                        break;
                    }
                }
            }
        }
    }
    emitter.flush_final(&mut batch).await;
}
