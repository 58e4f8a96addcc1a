//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use tokio::sync::mpsc;
use vigil_sources::{Chunk, CountersSnapshot, SourceHandle};

/// How long a test waits for something that should happen (a failure guard, not a
/// measurement).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The next chunk, failing the test when none comes.
pub async fn recv(rx: &mut mpsc::Receiver<Chunk>) -> Chunk {
    match tokio::time::timeout(PATIENCE, rx.recv()).await {
        Ok(Some(chunk)) => chunk,
        Ok(None) => panic!("source stopped"),
        Err(_) => panic!("no chunk arrived"),
    }
}

/// The next chunk that has bytes (skipping checkpoint-only chunks).
pub async fn recv_data(rx: &mut mpsc::Receiver<Chunk>) -> Chunk {
    loop {
        let chunk = recv(rx).await;
        if !chunk.bytes.is_empty() {
            return chunk;
        }
    }
}

/// Receives chunks until `want` lines have arrived; returns them and the chunks.
pub async fn recv_lines(rx: &mut mpsc::Receiver<Chunk>, want: usize) -> (Vec<String>, Vec<Chunk>) {
    let mut lines = Vec::new();
    let mut chunks = Vec::new();
    while lines.len() < want {
        let chunk = recv(rx).await;
        lines.extend(lines_of(&chunk));
        chunks.push(chunk);
    }
    (lines, chunks)
}

/// The lines of a chunk's bytes.
pub fn lines_of(chunk: &Chunk) -> Vec<String> {
    String::from_utf8_lossy(&chunk.bytes)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Asserts that no chunk with bytes arrives while the source makes a few more passes.
pub async fn assert_quiet(rx: &mut mpsc::Receiver<Chunk>, passes: Duration) {
    let deadline = tokio::time::Instant::now() + passes;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Err(_) => return,
            Ok(None) => return,
            Ok(Some(chunk)) => assert!(
                chunk.bytes.is_empty(),
                "unexpected chunk from {}: {:?}",
                chunk.origin,
                String::from_utf8_lossy(&chunk.bytes)
            ),
        }
    }
}

/// Waits until `done` holds for the source's counters.
pub async fn wait_counters(handle: &SourceHandle, done: impl Fn(&CountersSnapshot) -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let counters = handle.counters();
        if done(&counters) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "counters never reached the expected state: {counters:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
