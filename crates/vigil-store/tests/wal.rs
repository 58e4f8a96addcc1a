//! The write-ahead log on its own: torn tails, CRC mismatches, rotation, replay, truncation.

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use vigil_store::wal::{RecordKind, Wal, WalOptions, WalSync};

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
    wal.replay(after, |seq, kind, payload| {
        assert_eq!(kind, RecordKind::Event);
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

/// Events and metadata of every whole batch, as replay gives them.
fn replayed_records(wal: &Wal, after: u64) -> Vec<(u64, RecordKind, String)> {
    let mut out = Vec::new();
    wal.replay(after, |seq, kind, payload| {
        out.push((seq, kind, String::from_utf8(payload.to_vec()).unwrap()));
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn metadata_records_end_their_batch_and_are_reported_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), options(), 1).unwrap();
    let first = wal
        .append_batch_with_meta(payloads(0..2), Some(b"m1"))
        .unwrap();
    assert_eq!((first.first, first.last), (1, 3));
    // Metadata alone is a batch too (a checkpoint over a chunk without events).
    let alone = wal.append_batch_with_meta(vec![], Some(b"m2")).unwrap();
    assert_eq!((alone.first, alone.last), (4, 4));
    wal.append_batch(payloads(2..3)).unwrap();
    drop(wal);
    let (wal, report) = Wal::open(dir.path(), options(), 1).unwrap();
    assert_eq!(report.meta, vec![(3, b"m1".to_vec()), (4, b"m2".to_vec())]);
    assert_eq!((report.records, report.last_seq), (5, 5));
    assert_eq!(
        replayed_records(&wal, 0),
        vec![
            (1, RecordKind::Event, "record 0".into()),
            (2, RecordKind::Event, "record 1".into()),
            (3, RecordKind::Meta, "m1".into()),
            (4, RecordKind::Meta, "m2".into()),
            (5, RecordKind::Event, "record 2".into()),
        ]
    );
}

#[test]
fn a_torn_batch_is_dropped_whole_with_its_metadata() {
    // Cut the last batch at every byte: its events and metadata vanish together, the
    // batch before it stays whole.
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), options(), 1).unwrap();
    wal.append_batch_with_meta(payloads(0..2), Some(b"kept"))
        .unwrap();
    let segment = segments(dir.path(), "log").pop().unwrap();
    let whole_first_batch = fs::metadata(&segment).unwrap().len();
    wal.append_batch_with_meta(payloads(2..5), Some(b"torn"))
        .unwrap();
    drop(wal);
    let full = fs::read(&segment).unwrap();
    for cut in whole_first_batch + 1..full.len() as u64 {
        fs::write(&segment, &full[..cut as usize]).unwrap();
        let (wal, report) = Wal::open(dir.path(), options(), 1).unwrap();
        let torn = report.torn.as_ref().expect("the torn batch is reported");
        assert_eq!(torn.offset, whole_first_batch, "cut at {cut}");
        assert_eq!(report.meta, vec![(3, b"kept".to_vec())], "cut at {cut}");
        assert_eq!(report.last_seq, 3, "cut at {cut}");
        assert_eq!(replayed_records(&wal, 0).len(), 3, "cut at {cut}");
        drop(wal);
        // Open replaced the emptied tail with a fresh segment; start over from the copy.
        for path in segments(dir.path(), "log") {
            fs::remove_file(path).unwrap();
        }
    }
}

#[test]
fn unconfirmed_metadata_keeps_its_segment_and_every_later_one() {
    let dir = tempfile::tempdir().unwrap();
    let small = WalOptions {
        segment_max_bytes: 4096,
        ..options()
    };
    let (wal, _) = Wal::open(dir.path(), small.clone(), 1).unwrap();
    for i in 0..10u32 {
        wal.append_batch(vec![vec![b'x'; 1000 + i as usize]])
            .unwrap();
    }
    let meta_seq = wal
        .append_batch_with_meta(vec![vec![b'y'; 1000]], Some(b"checkpoint"))
        .unwrap()
        .last;
    for _ in 0..10 {
        wal.append_batch(vec![vec![b'z'; 1000]]).unwrap();
    }
    let last = wal.last_seq();
    assert_eq!(wal.unconfirmed_meta(), 1);
    // Everything is committed, but the segment holding the metadata and the later ones stay.
    assert!(wal.remove_through(last).unwrap() > 0);
    let seqs: Vec<u64> = replayed_records(&wal, 0).iter().map(|r| r.0).collect();
    let first = seqs[0];
    assert!(first > 1 && first < meta_seq, "{seqs:?}");
    assert_eq!(seqs, (first..=last).collect::<Vec<_>>());
    // Once confirmed, everything goes: the active segment was rotated, the log is empty.
    wal.confirm_meta(meta_seq);
    assert_eq!(wal.unconfirmed_meta(), 0);
    wal.remove_through(last).unwrap();
    assert_eq!(wal.segment_count(), 1);
    assert_eq!(wal.disk_bytes(), 8);
    assert!(replayed_records(&wal, 0).is_empty());
    drop(wal);
    // An empty log no longer knows the last number: its owner says where to go on.
    let (wal, report) = Wal::open(dir.path(), small, last + 1).unwrap();
    assert!(report.meta.is_empty());
    assert_eq!(wal.append_batch(payloads(0..1)).unwrap().first, last + 1);
}

#[test]
fn metadata_found_on_open_starts_unconfirmed() {
    let dir = tempfile::tempdir().unwrap();
    let (wal, _) = Wal::open(dir.path(), options(), 1).unwrap();
    let seq = wal
        .append_batch_with_meta(payloads(0..1), Some(b"m"))
        .unwrap()
        .last;
    drop(wal);
    let (wal, _) = Wal::open(dir.path(), options(), 1).unwrap();
    assert_eq!(wal.unconfirmed_meta(), 1);
    wal.remove_through(seq).unwrap();
    assert_eq!(replayed_records(&wal, 0).len(), 2);
    wal.confirm_meta(seq);
    wal.remove_through(seq).unwrap();
    assert!(replayed_records(&wal, 0).is_empty());
}

#[test]
fn version_1_segments_are_still_read() {
    // Version 1: no flags byte, the CRC over the sequence number and the payload, every
    // record an event batch of its own.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"VGLWAL01".to_vec();
    for seq in 1..=3u64 {
        let payload = format!("old {seq}");
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&seq.to_le_bytes());
        hasher.update(payload.as_bytes());
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&hasher.finalize().to_le_bytes());
        bytes.extend_from_slice(&seq.to_le_bytes());
        bytes.extend_from_slice(payload.as_bytes());
    }
    fs::write(dir.path().join("wal-00000000000000000001.log"), &bytes).unwrap();
    let (wal, report) = Wal::open(dir.path(), options(), 1).unwrap();
    assert_eq!((report.records, report.last_seq, report.torn), (3, 3, None));
    assert_eq!(
        replayed(&wal, 1),
        vec![(2, "old 2".into()), (3, "old 3".into())]
    );
    assert_eq!(wal.append_batch(payloads(0..1)).unwrap().first, 4);
}

#[test]
fn oversized_metadata_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let tight = WalOptions {
        max_record_bytes: 10,
        ..options()
    };
    let (wal, _) = Wal::open(dir.path(), tight, 1).unwrap();
    let result = wal.append_batch_with_meta(payloads(0..1), Some(&[0; 11]));
    assert!(
        matches!(
            result,
            Err(vigil_store::StoreError::MetaTooLarge {
                bytes: 11,
                max_bytes: 10
            })
        ),
        "{result:?}"
    );
    assert_eq!(wal.last_seq(), 0);
}
