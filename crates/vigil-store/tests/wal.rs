//! The write-ahead log on its own: torn tails, CRC mismatches, rotation, replay, truncation.

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use vigil_store::wal::{Wal, WalOptions, WalSync};

fn options() -> WalOptions {
    WalOptions {
        sync: WalSync::EveryAppend,
        ..WalOptions::default()
    }
}

fn payloads(range: std::ops::Range<u32>) -> Vec<Vec<u8>> {
    range.map(|i| format!("record {i}").into_bytes()).collect()
}

fn replayed(wal: &Wal, after: u64) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    wal.replay(after, |seq, payload| {
        out.push((seq, String::from_utf8(payload.to_vec()).unwrap()));
        Ok(())
    })
    .unwrap();
    out
}

fn segments(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    found.sort();
    found
}

#[test]
fn appends_get_consecutive_sequences_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, report) = Wal::open(dir.path(), options(), 1).unwrap();
    assert_eq!(report.last_seq, 0);
    let first = wal.append_batch(payloads(0..3)).unwrap();
    let second = wal.append_batch(payloads(3..5)).unwrap();
    assert_eq!(
        (first.first, first.last, second.first, second.last),
        (1, 3, 4, 5)
    );
    drop(wal);
    let (wal, report) = Wal::open(dir.path(), options(), 1).unwrap();
    assert_eq!(
        (report.records, report.last_seq, report.torn.clone()),
        (5, 5, None)
    );
    assert_eq!(
        replayed(&wal, 3),
        vec![(4, "record 3".into()), (5, "record 4".into())]
    );
    assert_eq!(wal.append_batch(payloads(5..6)).unwrap().first, 6);
    // The store may ask to start higher (its index committed past the log's end).
    drop(wal);
    let (wal, _) = Wal::open(dir.path(), options(), 100).unwrap();
    assert_eq!(wal.append_batch(payloads(0..1)).unwrap().first, 100);
}

#[test]
fn a_torn_tail_is_cut_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), options(), 1).unwrap();
    wal.append_batch(payloads(0..4)).unwrap();
    drop(wal);
    let segment = segments(dir.path(), "log").pop().unwrap();
    let good_len = fs::metadata(&segment).unwrap().len();
    // Half a record header, as a kill during a write leaves it.
    OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap()
        .write_all(&[9, 0, 0, 0, 1, 2])
        .unwrap();

    let (wal, report) = Wal::open(dir.path(), options(), 1).unwrap();
    let torn = report.torn.expect("the torn tail is reported");
    assert_eq!(
        (torn.segment.clone(), torn.offset),
        (segment.clone(), good_len)
    );
    assert!(torn.reason.contains("cut short"), "{}", torn.reason);
    assert_eq!(fs::metadata(&segment).unwrap().len(), good_len);
    assert_eq!(report.last_seq, 4);
    assert_eq!(replayed(&wal, 0).len(), 4);
    assert_eq!(wal.append_batch(payloads(4..5)).unwrap().first, 5);
}

#[test]
fn a_crc_mismatch_ends_the_log_and_later_segments_are_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let small = WalOptions {
        segment_max_bytes: 4096,
        ..options()
    };
    let (wal, _) = Wal::open(dir.path(), small.clone(), 1).unwrap();
    // Records of ~1 KiB: several segments.
    for i in 0..12u32 {
        wal.append_batch(vec![vec![b'a' + (i % 26) as u8; 1000]])
            .unwrap();
    }
    drop(wal);
    let logs = segments(dir.path(), "log");
    assert!(logs.len() >= 3, "{logs:?}");
    // Flip a payload byte of the first record of the second segment.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&logs[1])
        .unwrap();
    file.seek(SeekFrom::Start(8 + 16 + 10)).unwrap();
    file.write_all(b"#").unwrap();
    drop(file);

    let (wal, report) = Wal::open(dir.path(), small, 1).unwrap();
    let torn = report.torn.expect("the corruption is reported");
    assert_eq!((torn.segment.clone(), torn.offset), (logs[1].clone(), 8));
    assert!(torn.reason.contains("crc mismatch"), "{}", torn.reason);
    assert_eq!(torn.quarantined.len(), logs.len() - 2);
    assert_eq!(segments(dir.path(), "corrupt").len(), logs.len() - 2);
    let records = replayed(&wal, 0);
    assert_eq!(records.len() as u64, report.last_seq);
    assert!(records
        .iter()
        .enumerate()
        .all(|(i, (seq, _))| *seq == i as u64 + 1));
    // Appends carry on after the last good record.
    assert_eq!(
        wal.append_batch(payloads(0..1)).unwrap().first,
        report.last_seq + 1
    );
}

#[test]
fn garbage_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("wal-00000000000000000001.log"),
        b"not a wal at all",
    )
    .unwrap();
    fs::write(
        dir.path().join("wal-00000000000000000009.log"),
        b"VGLWAL01\xff\xff\xff\xff",
    )
    .unwrap();
    fs::write(dir.path().join("unrelated.txt"), b"x").unwrap();
    let (wal, report) = Wal::open(dir.path(), options(), 1).unwrap();
    assert!(report.torn.is_some());
    assert_eq!(report.last_seq, 0);
    assert_eq!(wal.append_batch(payloads(0..2)).unwrap().first, 1);
    assert_eq!(replayed(&wal, 0).len(), 2);
}

#[test]
fn rotation_and_removal_below_a_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let small = WalOptions {
        segment_max_bytes: 4096,
        ..options()
    };
    let (wal, _) = Wal::open(dir.path(), small, 1).unwrap();
    for i in 0..40u32 {
        wal.append_batch(vec![vec![b'x'; 500 + i as usize]])
            .unwrap();
    }
    let before = wal.segment_count();
    assert!(before > 4);
    let removed = wal.remove_through(20).unwrap();
    assert!(removed > 0 && removed < before);
    // Everything above 20 is still there, in order.
    let records = replayed(&wal, 20);
    assert_eq!(
        records.iter().map(|r| r.0).collect::<Vec<_>>(),
        (21..=40).collect::<Vec<_>>()
    );
    // Removing everything keeps the active segment.
    wal.remove_through(40).unwrap();
    assert_eq!(wal.segment_count(), 1);
    assert_eq!(wal.append_batch(payloads(0..1)).unwrap().first, 41);
}

#[test]
fn oversized_records_are_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let tight = WalOptions {
        max_record_bytes: 10,
        ..options()
    };
    let (wal, _) = Wal::open(dir.path(), tight, 1).unwrap();
    assert!(wal.append_batch(vec![b"ok".to_vec(), vec![0; 11]]).is_err());
    assert_eq!(wal.last_seq(), 0);
    assert_eq!(wal.append_batch(vec![b"ok".to_vec()]).unwrap().first, 1);
}
