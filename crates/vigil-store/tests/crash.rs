//! A real kill -9: a child process appends as fast as it can and prints every acknowledged
//! sequence; the parent kills it mid-stream, reopens the store and checks that every
//! acknowledged event is searchable exactly once.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;
use vigil_query::ast::{Expr, Pipe};
use vigil_store::{EventStore, StoreOptions, WalOptions, WalSync};

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
