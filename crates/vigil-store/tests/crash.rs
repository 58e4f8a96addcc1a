//! A real kill -9: a child process appends as fast as it can and prints every acknowledged
//! sequence; the parent kills it mid-stream, reopens the store and checks that every
//! acknowledged event is searchable exactly once. Then the same with batch metadata: a child
//! that saves source checkpoints as the server does, killed between the append and the save,
//! resumes without reading a chunk twice or skipping one.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;
use vigil_query::ast::{Expr, Pipe};
use vigil_store::{EventStore, StoreOptions, StoredEvent, WalOptions, WalSync};

const CHILD_DIR: &str = "VIGIL_STORE_CRASH_CHILD_DIR";

fn crash_options() -> StoreOptions {
    StoreOptions {
        // Commits happen while the child runs, so the kill lands anywhere in the protocol.
        commit_interval_ms: 20,
        commit_max_docs: 700,
        wal: WalOptions {
            sync: WalSync::EveryAppend,
            segment_max_bytes: 64 << 10,
            ..WalOptions::default()
        },
        ..options()
    }
}

/// The child's body: runs only when the parent sets the directory.
#[test]
fn crash_child_process() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let store = EventStore::open(&dir, crash_options()).unwrap();
    let stdout = std::io::stdout();
    for batch in 0u64.. {
        let events: Vec<_> = (0..10)
            .map(|i| {
                let n = batch * 10 + i;
                let user = format!("user-{n}");
                let raw = format!("event {n}");
                let time = DAY0 + (n % 3) as i64 * DAY + n as i64;
                stored(
                    &flow(Flow {
                        time_ms: time,
                        src: "10.0.0.1",
                        dst: "10.0.0.2",
                        dst_port: 22,
                        user: Some(&user),
                        action: "Allowed",
                        bytes_out: 1,
                        raw: &raw,
                    }),
                    &[],
                )
            })
            .collect();
        store.append(&events).unwrap();
        let mut out = stdout.lock();
        writeln!(out, "ACK {}", batch * 10 + 9).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn kill_9_loses_no_acknowledged_event_and_duplicates_none() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acked = None;
        while let Some(Ok(line)) = lines.next() {
            if let Some(n) = line.strip_prefix("ACK ") {
                acked = Some(n.parse::<u64>().unwrap());
                // Different kill points per round.
                if acked.unwrap() >= 400 + round * 137 {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let acked = acked.expect("the child acknowledged something");

        let store = EventStore::open(dir.path(), crash_options()).unwrap();
        let response = search(
            &store,
            Expr::All,
            vec![Pipe::Stats {
                aggs: vec![count()],
                by: vec![fref("user")],
            }],
            0,
            i64::MAX,
        );
        let counts: BTreeMap<u64, u64> = table(&response)
            .rows
            .iter()
            .map(|row| {
                (
                    row[0].as_str().unwrap()[5..].parse().unwrap(),
                    row[1].as_u64().unwrap(),
                )
            })
            .collect();
        let duplicated: Vec<_> = counts.iter().filter(|(_, &c)| c > 1).collect();
        assert!(
            duplicated.is_empty(),
            "round {round}: duplicated {duplicated:?}"
        );
        let missing: Vec<u64> = (0..=acked).filter(|n| !counts.contains_key(n)).collect();
        assert!(
            missing.is_empty(),
            "round {round}: lost {} acknowledged events, first {:?}",
            missing.len(),
            missing.first()
        );
        // Every later child starts its numbers from 0 again: clear the store between rounds.
        drop(store);
        std::fs::remove_dir_all(dir.path()).unwrap();
        std::fs::create_dir_all(dir.path()).unwrap();
    }
}

// Exactly-once for a source: the child plays the server's commit thread. Each chunk's events
// go into the store with the chunk's checkpoint as batch metadata, then the checkpoint is
// saved to a file (standing for SQLite), then confirmed. On start it recovers as the server
// does: the saved checkpoint, then every recovered metadata blob in order.

const META_CHILD_DIR: &str = "VIGIL_STORE_META_CRASH_CHILD_DIR";
/// When set, the child stops for good right after appending this chunk, before saving its
/// checkpoint: the kill then lands exactly between the two.
const META_CHILD_STOP_AFTER: &str = "VIGIL_STORE_META_CRASH_STOP_AFTER";
const EVENTS_PER_CHUNK: u64 = 10;

fn meta_crash_options() -> StoreOptions {
    StoreOptions {
        // Commits (which rotate and delete log segments) run while the child works.
        commit_interval_ms: 10,
        commit_max_docs: 300,
        wal: WalOptions {
            sync: WalSync::EveryAppend,
            segment_max_bytes: 16 << 10,
            ..WalOptions::default()
        },
        ..options()
    }
}

/// Chunk `n` of the source: ten events, except every seventh chunk, which is empty (all its
/// records rejected) and only advances the checkpoint.
fn chunk_events(chunk: u64) -> Vec<StoredEvent> {
    if chunk % 7 == 3 {
        return Vec::new();
    }
    (0..EVENTS_PER_CHUNK)
        .map(|i| {
            let n = chunk * EVENTS_PER_CHUNK + i;
            let user = format!("user-{n}");
            let raw = format!("chunk {chunk} event {n}");
            stored(
                &flow(Flow {
                    time_ms: DAY0 + n as i64,
                    src: "10.0.0.1",
                    dst: "10.0.0.2",
                    dst_port: 22,
                    user: Some(&user),
                    action: "Allowed",
                    bytes_out: 1,
                    raw: &raw,
                }),
                &[],
            )
        })
        .collect()
}

fn checkpoint_blob(next_chunk: u64) -> Vec<u8> {
    format!(r#"{{"next_chunk":{next_chunk}}}"#).into_bytes()
}

fn parse_checkpoint(blob: &[u8]) -> u64 {
    let value: serde_json::Value = serde_json::from_slice(blob).unwrap();
    value["next_chunk"].as_u64().unwrap()
}

/// The saved checkpoint (the "SQLite" row), 0 when none.
fn saved_checkpoint(dir: &std::path::Path) -> u64 {
    std::fs::read(dir.join("saved_checkpoint"))
        .map(|bytes| parse_checkpoint(&bytes))
        .unwrap_or(0)
}

fn save_checkpoint(dir: &std::path::Path, next_chunk: u64) {
    let tmp = dir.join("saved_checkpoint.tmp");
    std::fs::write(&tmp, checkpoint_blob(next_chunk)).unwrap();
    std::fs::rename(&tmp, dir.join("saved_checkpoint")).unwrap();
}

/// Where the source resumes: the saved checkpoint, overridden by the recovered metadata.
fn resume_point(dir: &std::path::Path, store: &EventStore) -> u64 {
    let mut next_chunk = saved_checkpoint(dir);
    for (_, blob) in store.recovered_meta() {
        next_chunk = parse_checkpoint(blob);
    }
    next_chunk
}

#[test]
fn meta_crash_child_process() {
    let Ok(dir) = std::env::var(META_CHILD_DIR) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let stop_after: Option<u64> = std::env::var(META_CHILD_STOP_AFTER)
        .ok()
        .map(|v| v.parse().unwrap());
    let store = EventStore::open(dir.join("store"), meta_crash_options()).unwrap();
    let resume = resume_point(&dir, &store);
    save_checkpoint(&dir, resume);
    if let Some((seq, _)) = store.recovered_meta().last() {
        store.confirm_meta(*seq).unwrap();
    }
    let stdout = std::io::stdout();
    for chunk in resume.. {
        let seq = store
            .append_with_meta(&chunk_events(chunk), &checkpoint_blob(chunk + 1))
            .unwrap();
        if stop_after == Some(chunk) {
            // Let commits run (they rotate the log and delete what they may), then wait
            // for the kill without saving.
            std::thread::sleep(std::time::Duration::from_millis(300));
            writeln!(stdout.lock(), "APPENDED {chunk}").unwrap();
            stdout.lock().flush().unwrap();
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
        save_checkpoint(&dir, chunk + 1);
        store.confirm_meta(seq).unwrap();
        let mut out = stdout.lock();
        writeln!(out, "SAVED {chunk}").unwrap();
        out.flush().unwrap();
    }
}

/// How many times each event number is in the store.
fn event_counts(store: &EventStore) -> BTreeMap<u64, u64> {
    let response = search(
        store,
        Expr::All,
        vec![Pipe::Stats {
            aggs: vec![count()],
            by: vec![fref("user")],
        }],
        0,
        i64::MAX,
    );
    table(&response)
        .rows
        .iter()
        .map(|row| {
            (
                row[0].as_str().unwrap()[5..].parse().unwrap(),
                row[1].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn kill_9_between_append_and_checkpoint_save_reads_every_chunk_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    // Round 0 is killed between the append of chunk 30 and the save of its checkpoint; the
    // later rounds anywhere (mid-append, mid-save, mid-commit). The same store and the same
    // "SQLite" carry over: each child resumes where recovery says.
    let rounds: [(Option<u64>, u64); 4] = [(Some(30), 0), (None, 23), (None, 41), (None, 67)];
    for (round, (stop_after, run_chunks)) in rounds.into_iter().enumerate() {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "meta_crash_child_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(META_CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(chunk) = stop_after {
            command.env(META_CHILD_STOP_AFTER, chunk.to_string());
        }
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while let Some(Ok(line)) = lines.next() {
            if line.starts_with("APPENDED ") {
                break;
            }
            seen += 1;
            if stop_after.is_none() && seen >= run_chunks {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();

        let store = EventStore::open(dir.path().join("store"), meta_crash_options()).unwrap();
        if stop_after == Some(30) {
            // The save never happened, but the checkpoint is in the log with the events.
            assert_eq!(saved_checkpoint(dir.path()), 30);
            let last = store
                .recovered_meta()
                .last()
                .map(|(_, b)| parse_checkpoint(b));
            assert_eq!(last, Some(31));
        }
        let resume = resume_point(dir.path(), &store);
        assert!(resume >= saved_checkpoint(dir.path()), "round {round}");
        // Exactly the chunks before the resume point are in the store, each event once.
        let counts = event_counts(&store);
        let expected: Vec<u64> = (0..resume)
            .flat_map(|chunk| {
                chunk_events(chunk)
                    .into_iter()
                    .enumerate()
                    .map(move |(i, _)| chunk * EVENTS_PER_CHUNK + i as u64)
            })
            .collect();
        let duplicated: Vec<_> = counts.iter().filter(|(_, &c)| c > 1).collect();
        assert!(
            duplicated.is_empty(),
            "round {round}: duplicated {duplicated:?}"
        );
        assert_eq!(
            counts.keys().copied().collect::<Vec<_>>(),
            expected,
            "round {round}: resume at chunk {resume}"
        );
        drop(store);
    }
}
