use bytes::Bytes;
use vigil_model::{Provenance, Rejection, SourceType};
use vigil_state::{
    DeadLetter, DeadLetterCount, DeadLetterFilter, SourceId, StateStore, StoreOptions,
    MAX_DEAD_LETTER_RAW_BYTES,
};

fn letter(source: &str, reason: &str, time_ms: i64, raw: &[u8]) -> DeadLetter {
    DeadLetter {
        time_ms,
        source_id: SourceId::from(source),
        source_type: SourceType::PanOs,
        location: format!("fw.log line {time_ms}"),
        reason: reason.to_owned(),
        detail: "expected 60 fields".to_owned(),
        raw: raw.to_vec(),
        original_len: None,
    }
}

#[test]
fn raw_records_are_capped_with_their_original_length() {
    let store = StateStore::open_in_memory().unwrap();
    let big = vec![b'x'; 100_000];
    store
        .record_dead_letters(&[
            letter("fw", "bad_csv", 1, &big),
            letter("fw", "bad_csv", 2, b"short"),
        ])
        .unwrap();
    let letters = store
        .list_dead_letters(&DeadLetterFilter::default())
        .unwrap();
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0].raw, b"short");
    assert_eq!(letters[0].raw_len, 5);
    assert!(!letters[0].is_truncated());
    assert_eq!(letters[1].raw.len(), MAX_DEAD_LETTER_RAW_BYTES);
    assert_eq!(letters[1].raw_len, 100_000);
    assert!(letters[1].is_truncated());
    assert_eq!(letters[1].source_type, SourceType::PanOs);
    assert_eq!(letters[1].location, "fw.log line 1");
}

#[test]
fn a_rejection_keeps_its_location_and_truncated_length() {
    let record = Bytes::from(vec![b'{'; MAX_DEAD_LETTER_RAW_BYTES + 10]);
    let rejection = Rejection::new(
        SourceType::ActivityTracker,
        Provenance {
            source: "at/2025.json.gz".into(),
            line: 7,
            offset: 700,
            index: Some(2),
        },
        "invalid_json",
        "EOF while parsing",
        &record,
    );
    let letter = DeadLetter::from_rejection(SourceId::from("cos"), 99, &rejection);
    assert_eq!(letter.location, "at/2025.json.gz line 7 offset 700 index 2");
    let store = StateStore::open_in_memory().unwrap();
    store.record_dead_letters(&[letter]).unwrap();
    let stored = &store
        .list_dead_letters(&DeadLetterFilter::default())
        .unwrap()[0];
    assert_eq!(stored.raw.len(), MAX_DEAD_LETTER_RAW_BYTES);
    assert_eq!(
        stored.raw_len,
        u64::try_from(MAX_DEAD_LETTER_RAW_BYTES + 10).unwrap()
    );
    assert_eq!(
        (stored.reason.as_str(), stored.detail.as_str()),
        ("invalid_json", "EOF while parsing")
    );
    assert_eq!(stored.time_ms, 99);
}

#[test]
fn dead_letters_are_filtered_and_counted_per_source() {
    let store = StateStore::open_in_memory().unwrap();
    store
        .record_dead_letters(&[
            letter("fw", "bad_csv", 1, b"a"),
            letter("fw", "bad_csv", 2, b"b"),
            letter("fw", "bad_time", 3, b"c"),
            letter("cos", "invalid_json", 4, b"d"),
        ])
        .unwrap();
    store
        .record_dead_letters(&[letter("fw", "bad_csv", 5, b"e")])
        .unwrap();
    let counts = store.dead_letter_counts().unwrap();
    let count = |s: &str, r: &str, n: u64| DeadLetterCount {
        source_id: SourceId::from(s),
        reason: r.to_owned(),
        count: n,
    };
    assert_eq!(
        counts,
        vec![
            count("cos", "invalid_json", 1),
            count("fw", "bad_csv", 3),
            count("fw", "bad_time", 1)
        ]
    );

    let only = |filter: DeadLetterFilter| -> Vec<Vec<u8>> {
        store
            .list_dead_letters(&filter)
            .unwrap()
            .into_iter()
            .map(|l| l.raw)
            .collect()
    };
    assert_eq!(
        only(DeadLetterFilter {
            source_id: Some("fw".into()),
            reason: Some("bad_csv".to_owned()),
            ..DeadLetterFilter::default()
        }),
        vec![b"e".to_vec(), b"b".to_vec(), b"a".to_vec()]
    );
    assert_eq!(
        only(DeadLetterFilter {
            since_ms: Some(2),
            until_ms: Some(4),
            ..DeadLetterFilter::default()
        }),
        vec![b"c".to_vec(), b"b".to_vec()]
    );
    assert_eq!(
        only(DeadLetterFilter {
            limit: 1,
            offset: 1,
            ..DeadLetterFilter::default()
        }),
        vec![b"d".to_vec()]
    );
}

#[test]
fn old_dead_letters_are_pruned_but_still_counted() {
    let store = StateStore::open_in_memory_with(StoreOptions {
        max_dead_letters: 3,
        ..StoreOptions::default()
    })
    .unwrap();
    for batch in 0..3 {
        let letters: Vec<DeadLetter> = (0..2)
            .map(|i| letter("fw", "bad_csv", batch * 2 + i, b"r"))
            .collect();
        store.record_dead_letters(&letters).unwrap();
    }
    let times: Vec<i64> = store
        .list_dead_letters(&DeadLetterFilter::default())
        .unwrap()
        .iter()
        .map(|l| l.time_ms)
        .collect();
    assert_eq!(times, vec![5, 4, 3]);
    assert_eq!(store.dead_letter_counts().unwrap()[0].count, 6);
}

#[test]
fn oversized_text_is_cut_at_a_character_boundary() {
    let store = StateStore::open_in_memory().unwrap();
    let mut l = letter("fw", "bad_csv", 1, b"");
    l.detail = "é".repeat(5_000);
    store.record_dead_letters(&[l]).unwrap();
    let stored = &store
        .list_dead_letters(&DeadLetterFilter::default())
        .unwrap()[0];
    assert!(
        stored.detail.len() <= 4096 && stored.detail.len() >= 4094,
        "{}",
        stored.detail.len()
    );
    assert!(stored.detail.chars().all(|c| c == 'é'));
}
