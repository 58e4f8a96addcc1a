//! The directory watcher against real files in a temporary directory.

mod common;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{assert_quiet, recv, recv_data, recv_lines, wait_counters};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vigil_sources::{
    dir, CheckpointStore, Chunk, DirectoryConfig, MemoryCheckpointStore, SourceHandle, SourceId,
};

fn config(path: &Path) -> DirectoryConfig {
    DirectoryConfig {
        id: SourceId::new("files"),
        path: path.to_path_buf(),
        include: vec!["**/*.log".to_owned(), "**/*.gz".to_owned()],
        exclude: vec!["**/skip-*".to_owned()],
        source_type: None,
        poll_interval_ms: 20,
        idle_flush_ms: 60_000,
        max_read_bytes: 1024 * 1024,
        max_compressed_file_bytes: 1024 * 1024,
        max_files: 100,
    }
}

struct Running {
    rx: mpsc::Receiver<Chunk>,
    handle: SourceHandle,
    shutdown: CancellationToken,
}

async fn start(config: DirectoryConfig, store: Arc<MemoryCheckpointStore>) -> Running {
    let (tx, rx) = mpsc::channel(16);
    let shutdown = CancellationToken::new();
    let handle = dir::spawn(config, store, tx, shutdown.clone())
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

fn append(path: &Path, bytes: &[u8]) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

fn commit(chunk: &Chunk, store: &MemoryCheckpointStore) {
    chunk.commit(store).unwrap();
}

#[tokio::test]
async fn growing_file_delivers_whole_lines_and_keeps_the_partial_one() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.log");
    append(&path, b"one\ntwo\npar");
    let store = Arc::new(MemoryCheckpointStore::new());
    let mut run = start(config(tmp.path()), store.clone()).await;

    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(&chunk.bytes[..], b"one\ntwo\n");
    assert_eq!(chunk.origin, path.to_string_lossy());
    let update = chunk.checkpoint.clone().unwrap();
    assert_eq!(update.value["offset"], 8);

    append(&path, b"tial\nthree\n");
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(&chunk.bytes[..], b"partial\nthree\n");
    assert_eq!(chunk.checkpoint.unwrap().value["offset"], 22);

    // Files the globs leave out are never read.
    append(&tmp.path().join("notes.txt"), b"ignored\n");
    append(&tmp.path().join("skip-me.log"), b"ignored\n");
    fs::create_dir(tmp.path().join("sub")).unwrap();
    append(&tmp.path().join("sub/nested.log"), b"nested\n");
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(&chunk.bytes[..], b"nested\n");
    assert_quiet(&mut run.rx, Duration::from_millis(200)).await;
    assert_eq!(run.handle.counters().chunks, 3);
    assert_eq!(run.handle.counters().bytes, 29);
    run.stop().await;
}

#[tokio::test]
async fn partial_last_line_is_flushed_once_the_file_is_idle() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.log");
    append(&path, b"done\nno newline");
    let mut config = config(tmp.path());
    config.idle_flush_ms = 100;
    let mut run = start(config, Arc::new(MemoryCheckpointStore::new())).await;
    assert_eq!(&recv_data(&mut run.rx).await.bytes[..], b"done\n");
    assert_eq!(&recv_data(&mut run.rx).await.bytes[..], b"no newline");
    append(&path, b"\nnext\n");
    assert_eq!(&recv_data(&mut run.rx).await.bytes[..], b"\nnext\n");
    run.stop().await;
}

#[tokio::test]
async fn rotation_finishes_the_old_file_and_starts_the_new_one_at_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.log");
    append(&path, b"1\n2\n");
    let mut config = config(tmp.path());
    config.idle_flush_ms = 100;
    let mut run = start(config, Arc::new(MemoryCheckpointStore::new())).await;
    let (lines, _) = recv_lines(&mut run.rx, 2).await;
    assert_eq!(lines, ["1", "2"]);

    // The writer appends, then logrotate renames (out of the globs) and a new file appears.
    append(&path, b"3\n");
    fs::rename(&path, tmp.path().join("app.log.1")).unwrap();
    append(&path, b"4\n");
    let (mut lines, chunks) = recv_lines(&mut run.rx, 2).await;
    lines.sort();
    assert_eq!(lines, ["3", "4"]);
    assert!(chunks.iter().all(|c| c.origin == path.to_string_lossy()));
    // The rotated file is forgotten once read and idle.
    loop {
        let chunk = recv(&mut run.rx).await;
        assert!(chunk.bytes.is_empty(), "{:?}", chunk.bytes);
        if chunk.checkpoint.as_ref().is_some_and(|c| c.value.is_null()) {
            break;
        }
    }
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    assert_eq!(run.handle.counters().files_rotated, 1);
    run.stop().await;
}

#[tokio::test]
async fn truncation_restarts_at_zero_and_is_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.log");
    append(&path, b"first line\nsecond line\n");
    let mut run = start(config(tmp.path()), Arc::new(MemoryCheckpointStore::new())).await;
    assert_eq!(
        recv_lines(&mut run.rx, 2).await.0,
        ["first line", "second line"]
    );

    // copytruncate: same inode, emptied, then written again.
    fs::write(&path, b"new\n").unwrap();
    assert_eq!(&recv_data(&mut run.rx).await.bytes[..], b"new\n");
    assert_eq!(run.handle.counters().files_truncated, 1);

    // Rewritten in place to a longer content: the fingerprint tells.
    fs::write(&path, b"other content, longer than before\n").unwrap();
    assert_eq!(
        &recv_data(&mut run.rx).await.bytes[..],
        b"other content, longer than before\n"
    );
    assert_eq!(run.handle.counters().files_truncated, 2);
    run.stop().await;
}

#[tokio::test]
async fn restart_resumes_from_committed_checkpoints_without_loss_or_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.log");
    let other = tmp.path().join("other.log");
    append(&path, b"a\nb\n");
    let store = Arc::new(MemoryCheckpointStore::new());

    let mut run = start(config(tmp.path()), store.clone()).await;
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(&chunk.bytes[..], b"a\nb\n");
    commit(&chunk, &store);
    // Read but never made durable: must come again after the restart.
    append(&path, b"c\n");
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(&chunk.bytes[..], b"c\n");
    run.stop().await;

    // Written while stopped, including a partial line and a new file.
    append(&path, b"d\npart");
    append(&other, b"x\n");

    let mut run = start(config(tmp.path()), store.clone()).await;
    let (mut lines, chunks) = recv_lines(&mut run.rx, 3).await;
    lines.sort();
    assert_eq!(lines, ["c", "d", "x"]);
    for chunk in &chunks {
        commit(chunk, &store);
    }
    append(&path, b"ial\n");
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(&chunk.bytes[..], b"partial\n");
    commit(&chunk, &store);
    run.stop().await;

    // Everything committed: a third start reads nothing.
    let mut run = start(config(tmp.path()), store.clone()).await;
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    assert_eq!(run.handle.counters().bytes, 0);
    run.stop().await;
}

#[tokio::test]
async fn a_reused_inode_with_other_content_is_read_from_the_start() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("app.log");
    append(&path, b"old content\n");
    let store = Arc::new(MemoryCheckpointStore::new());
    let mut run = start(config(tmp.path()), store.clone()).await;
    commit(&recv_data(&mut run.rx).await, &store);
    run.stop().await;
    // Same inode (written in place), other head bytes: the checkpoint does not apply.
    fs::write(&path, b"NEW CONTENT!\nmore\n").unwrap();
    let mut run = start(config(tmp.path()), store.clone()).await;
    assert_eq!(
        &recv_data(&mut run.rx).await.bytes[..],
        b"NEW CONTENT!\nmore\n"
    );
    run.stop().await;
}

#[tokio::test]
async fn gzip_file_is_read_whole_once_it_stops_growing_and_not_after_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("flows.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(b"{\"a\":1}\n{\"a\":2}\n").unwrap();
    let gz = encoder.finish().unwrap();
    let (head, tail) = gz.split_at(gz.len() / 2);
    append(&path, head);
    let store = Arc::new(MemoryCheckpointStore::new());
    let mut config = config(tmp.path());
    config.idle_flush_ms = 500;
    let mut run = start(config.clone(), store.clone()).await;
    append(&path, tail);
    let chunk = recv_data(&mut run.rx).await;
    assert_eq!(
        &chunk.bytes[..],
        &gz[..],
        "delivered whole, still compressed"
    );
    assert_eq!(chunk.checkpoint.as_ref().unwrap().value["done"], true);
    commit(&chunk, &store);
    assert_quiet(&mut run.rx, Duration::from_millis(300)).await;
    run.stop().await;

    let mut run = start(config, store.clone()).await;
    assert_quiet(&mut run.rx, Duration::from_millis(400)).await;
    run.stop().await;
}

#[tokio::test]
async fn compressed_file_over_the_cap_is_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut data = vec![0x1f, 0x8b];
    data.extend(std::iter::repeat_n(7u8, 2000));
    append(&tmp.path().join("big.gz"), &data);
    let mut config = config(tmp.path());
    config.idle_flush_ms = 50;
    config.max_compressed_file_bytes = 1000;
    let mut run = start(config, Arc::new(MemoryCheckpointStore::new())).await;
    let chunk = recv(&mut run.rx).await;
    assert!(chunk.bytes.is_empty());
    assert_eq!(chunk.checkpoint.unwrap().value["done"], true);
    assert_eq!(run.handle.counters().oversize, 1);
    run.stop().await;
}

#[tokio::test]
async fn lines_longer_than_a_read_are_delivered_in_pieces() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = config(tmp.path());
    config.max_read_bytes = 8;
    let path = tmp.path().join("app.log");
    append(&path, b"0123456789abcdef\nok\n");
    let mut run = start(config, Arc::new(MemoryCheckpointStore::new())).await;
    let mut got = Vec::new();
    while got.len() < 20 {
        got.extend_from_slice(&recv_data(&mut run.rx).await.bytes);
    }
    assert_eq!(&got[..], b"0123456789abcdef\nok\n");
    wait_counters(&run.handle, |c| c.oversize == 2).await;
    run.stop().await;
}

#[tokio::test]
async fn invalid_globs_are_rejected_and_a_missing_directory_is_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bad = config(tmp.path());
    bad.include = vec!["[".to_owned()];
    let (tx, _rx) = mpsc::channel(1);
    let err = dir::spawn(
        bad,
        Arc::new(MemoryCheckpointStore::new()),
        tx,
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("glob `[`"), "{err}");

    let missing = config(&tmp.path().join("not-there"));
    let run = start(missing, Arc::new(MemoryCheckpointStore::new())).await;
    wait_counters(&run.handle, |c| c.errors >= 1).await;
    run.stop().await;
}

#[tokio::test]
async fn dropping_the_receiver_stops_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    append(&tmp.path().join("app.log"), b"x\n");
    let store: Arc<dyn CheckpointStore> = Arc::new(MemoryCheckpointStore::new());
    let (tx, rx) = mpsc::channel(1);
    let handle = dir::spawn(config(tmp.path()), store, tx, CancellationToken::new())
        .await
        .unwrap();
    drop(rx);
    tokio::time::timeout(common::PATIENCE, handle.join())
        .await
        .expect("source stops")
        .unwrap();
}
