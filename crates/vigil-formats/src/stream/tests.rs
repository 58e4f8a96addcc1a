use std::io::{Read, Write};

use proptest::prelude::*;

use super::*;

fn limits(max_record_bytes: usize) -> Limits {
    Limits {
        max_record_bytes,
        ..Limits::default()
    }
}

/// A reader that hands out at most `step` bytes per call, to exercise resumption.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Records as (line, offset, text), errors as (line, offset, "!reason").
fn check(framing: Framing, max: usize, step: usize, input: &[u8]) -> Vec<(u64, u64, String)> {
    let reader = Trickle { data: input, step };
    RecordReader::new(reader, framing, limits(max), Arc::from("t"))
        .map(|item| match item {
            Ok(r) => (
                r.provenance.line,
                r.provenance.offset,
                String::from_utf8_lossy(&r.bytes).into_owned(),
            ),
            Err(e) => (
                e.provenance.line,
                e.provenance.offset,
                format!("!{}", e.reason),
            ),
        })
        .collect()
}

fn texts(items: &[(u64, u64, String)]) -> Vec<&str> {
    items.iter().map(|(_, _, t)| t.as_str()).collect()
}

#[test]
fn ndjson_lines_and_offsets() {
    let input = b"{\"a\":1}\n{\"b\":\"}\"}\r\n\n{\"c\":[1,{\"d\":2}]}";
    for step in [1, 3, 1 << 20] {
        assert_eq!(
            check(Framing::Json, 1 << 20, step, input),
            vec![
                (1, 0, "{\"a\":1}".to_owned()),
                (2, 8, "{\"b\":\"}\"}".to_owned()),
                (4, 20, "{\"c\":[1,{\"d\":2}]}".to_owned()),
            ]
        );
    }
}

#[test]
fn pretty_printed_and_concatenated_objects() {
    let input = b"{\n  \"a\": \"x\\\"}\",\n  \"b\": {}\n}\n{\n\"c\": 1\n}{\"d\":2}";
    let got = check(Framing::Json, 1 << 20, 2, input);
    assert_eq!(
        texts(&got),
        vec![
            "{\n  \"a\": \"x\\\"}\",\n  \"b\": {}\n}",
            "{\n\"c\": 1\n}",
            "{\"d\":2}"
        ]
    );
    assert_eq!(got[1].0, 5, "second object starts on line 5");
}

#[test]
fn top_level_array_elements_are_records() {
    let input = b"[\n {\"a\":1},\n {\"b\":[2]} , 3, \"s\"\n]\n{\"after\":true}";
    assert_eq!(
        texts(&check(Framing::Json, 1 << 20, 1, input)),
        vec!["{\"a\":1}", "{\"b\":[2]}", "3", "\"s\"", "{\"after\":true}"]
    );
}

#[test]
fn non_json_lines_in_json_framing_are_records_of_their_own() {
    let input = b"<5>2024-08-07T13:49:16Z host Falco[1]: {\"rule\":\"x\"}\n{\"a\":1}\njunk here\n";
    assert_eq!(
        texts(&check(Framing::Json, 1 << 20, 7, input)),
        vec![
            "<5>2024-08-07T13:49:16Z host Falco[1]: {\"rule\":\"x\"}",
            "{\"a\":1}",
            "junk here"
        ]
    );
}

#[test]
fn unterminated_object_at_end_is_yielded_for_the_normalizer_to_reject() {
    let input = b"{\"a\":1}\n{\"b\": \"never closed";
    assert_eq!(
        texts(&check(Framing::Json, 1 << 20, 4, input)),
        vec!["{\"a\":1}", "{\"b\": \"never closed"]
    );
}

#[test]
fn lines_with_lf_crlf_nul_and_blank_lines() {
    let input = b"one\r\ntwo\0three\n\n\n  \nfour";
    let got = check(Framing::Lines, 1 << 20, 2, input);
    assert_eq!(texts(&got), vec!["one", "two", "three", "four"]);
    assert_eq!(got[3].0, 6, "line numbers count blank lines");
}

#[test]
fn octet_counted_frames_may_hold_newlines() {
    let input = b"11 <14>a\nb c d\n7 <14>xyz\nplain line\n";
    assert_eq!(
        texts(&check(Framing::Lines, 1 << 20, 3, input)),
        vec!["<14>a\nb c d", "<14>xyz", "plain line"]
    );
    // A Check Point line starting with the RFC 5424 version is not octet counting.
    let cp = b"1 2019-05-15T16:25:50Z HOST CheckPoint 19710 - [action:\"Drop\"]\n";
    assert_eq!(check(Framing::Lines, 1 << 20, 5, cp).len(), 1);
}

#[test]
fn oversize_line_is_rejected_and_the_stream_goes_on() {
    let mut input = vec![b'x'; 10_000];
    input.extend_from_slice(b"\nnext\n");
    for step in [7, 1 << 20] {
        let got = check(Framing::Lines, 100, step, &input);
        assert_eq!(
            got,
            vec![
                (1, 0, "!record_too_large".to_owned()),
                (2, 10_001, "next".to_owned())
            ]
        );
    }
}

#[test]
fn oversize_json_object_is_skipped_to_its_end() {
    let mut input = b"{\"big\":\"".to_vec();
    input.extend(std::iter::repeat_n(b'{', 5000));
    input.extend_from_slice(b"\"}\n{\"ok\":1}\n");
    for step in [13, 1 << 20] {
        let got = check(Framing::Json, 100, step, &input);
        assert_eq!(texts(&got), vec!["!record_too_large", "{\"ok\":1}"]);
    }
}

#[test]
fn oversize_octet_frame_is_skipped_by_count() {
    let mut input = b"500 <14>".to_vec();
    input.extend(std::iter::repeat_n(b'\n', 496));
    input.extend_from_slice(b"after\n");
    let got = check(Framing::Lines, 100, 9, &input);
    assert_eq!(texts(&got), vec!["!record_too_large", "after"]);
}

/// A 100 MB line goes through in bounded memory: the reader never holds more than the cap plus
/// one read chunk.
#[test]
fn hundred_megabyte_line() {
    struct Endless {
        left: usize,
    }
    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left == 0 {
                let tail = b"\nafter\n";
                let n = tail.len().min(buf.len());
                buf[..n].copy_from_slice(&tail[..n]);
                self.left = usize::MAX;
                return Ok(n);
            }
            if self.left == usize::MAX {
                return Ok(0);
            }
            let n = buf.len().min(self.left);
            buf[..n].fill(b'a');
            self.left -= n;
            Ok(n)
        }
    }
    let mut reader = RecordReader::new(
        Endless { left: 100 << 20 },
        Framing::Lines,
        limits(1 << 20),
        Arc::from("big"),
    );
    let first = reader.next().unwrap().unwrap_err();
    assert_eq!(first.reason, "record_too_large");
    assert!(reader.buf.capacity() < (1 << 20) + 2 * READ_CHUNK);
    let second = reader.next().unwrap().unwrap();
    assert_eq!(&second.bytes[..], b"after");
    assert_eq!(second.provenance.line, 2);
    assert!(reader.next().is_none());
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn ndjson(n: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..n {
        writeln!(data, "{{\"n\":{i},\"pad\":\"{}\"}}", "p".repeat(i % 50)).unwrap();
    }
    data
}

#[test]
fn gzip_and_zstd_are_sniffed() {
    let data = ndjson(1000);
    let zst = zstd::encode_all(&data[..], 1).unwrap();
    for (compressed, expect) in [
        (gzip(&data), Compression::Gzip),
        (zst, Compression::Zstd),
        (data.clone(), Compression::None),
    ] {
        let (compression, reader) = open(&compressed[..], Limits::default()).unwrap();
        assert_eq!(compression, expect);
        let records: Vec<_> =
            RecordReader::new(reader, Framing::Json, Limits::default(), Arc::from("z"))
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(records.len(), 1000);
    }
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_reports_the_rest() {
    let data = ndjson(20_000);
    let compressed = gzip(&data);
    let cut = &compressed[..compressed.len() / 2];
    let (_, reader) = open(cut, Limits::default()).unwrap();
    let items: Vec<_> =
        RecordReader::new(reader, Framing::Json, Limits::default(), Arc::from("t.gz")).collect();
    let (ok, errors): (Vec<_>, Vec<_>) = items.into_iter().partition(Result::is_ok);
    assert!(
        ok.len() > 1000,
        "records before the cut are kept: {}",
        ok.len()
    );
    assert_eq!(errors.len(), 1);
    let error = errors.into_iter().next().unwrap().unwrap_err();
    assert_eq!(error.reason, "truncated_stream", "{}", error.detail);
    assert_eq!(error.provenance.line, ok.len() as u64 + 1);
}

#[test]
fn decompression_cap_stops_a_bomb() {
    let data = vec![b'\n'; 10 << 20];
    let compressed = gzip(&data);
    let capped = Limits {
        max_decompressed_bytes: 1 << 20,
        ..Limits::default()
    };
    let (_, reader) = open(&compressed[..], capped).unwrap();
    let items: Vec<_> =
        RecordReader::new(reader, Framing::Lines, capped, Arc::from("bomb")).collect();
    assert_eq!(items.len(), 1);
    let error = items.into_iter().next().unwrap().unwrap_err();
    assert!(
        error
            .detail
            .contains("decompressed size cap of 1048576 bytes exceeded"),
        "{}",
        error.detail
    );
}

#[test]
fn byte_order_mark_is_skipped() {
    assert_eq!(
        texts(&check(Framing::Json, 1 << 20, 1, b"\xef\xbb\xbf{\"a\":1}")),
        vec!["{\"a\":1}"]
    );
}

proptest! {
    #[test]
    fn never_panics_and_is_independent_of_read_sizes(
        input in proptest::collection::vec(
            prop_oneof![Just(b'{'), Just(b'}'), Just(b'['), Just(b']'), Just(b'"'), Just(b'\\'),
                        Just(b'\n'), Just(b','), Just(b' '), Just(b'<'), Just(b'1'), any::<u8>()],
            0..400),
        step in 1usize..17,
        max in 8usize..64,
    ) {
        for framing in [Framing::Json, Framing::Lines] {
            let whole = check(framing, max, 1 << 20, &input);
            let trickled = check(framing, max, step, &input);
            prop_assert_eq!(whole, trickled);
        }
    }
}
