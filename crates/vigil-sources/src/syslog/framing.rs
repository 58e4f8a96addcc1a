//! RFC 6587 framing in (octet counting or LF-delimited, told apart per message) and
//! newline-delimited batches out.

use bytes::{Buf, BytesMut};

/// What the decoder is discarding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Skip {
    /// Nothing.
    None,
    /// The rest of an oversize octet-counted message.
    Bytes(usize),
    /// The rest of an oversize line.
    Line,
}

/// One decoded frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A message (without its framing).
    Message(BytesMut),
    /// A message over the size cap, dropped.
    Oversize,
}

/// Splits a TCP byte stream into syslog messages (RFC 6587 §3.4): a message starting with a
/// digit is octet-counted (`LEN SP MSG`), anything else runs to the next LF. Stray CR, LF,
/// NUL and spaces between messages are skipped. Memory stays within about
/// `max_message_bytes` plus one read: oversize messages are discarded as they arrive.
#[derive(Debug)]
pub(crate) struct Decoder {
    buf: BytesMut,
    max_message_bytes: usize,
    skip: Skip,
    /// Where the search for LF resumes in `buf` (bytes before it hold none).
    line_scan_from: usize,
}

/// The longest octet count accepted (digits): 9 digits is far above any cap.
const MAX_COUNT_DIGITS: usize = 9;

impl Decoder {
    pub(crate) fn new(max_message_bytes: usize) -> Decoder {
        Decoder {
            buf: BytesMut::with_capacity(16 * 1024),
            max_message_bytes,
            skip: Skip::None,
            line_scan_from: 0,
        }
    }

    /// The buffer to read into (`AsyncReadExt::read_buf`).
    pub(crate) fn buffer(&mut self) -> &mut BytesMut {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
        &mut self.buf
    }

    /// Appends bytes (tests and non-async callers).
    #[cfg(test)]
    pub(crate) fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete frame, `None` when more bytes are needed.
    pub(crate) fn next_frame(&mut self) -> Option<Frame> {
        loop {
            match self.skip {
                Skip::None => {}
                Skip::Bytes(n) => {
                    let k = n.min(self.buf.len());
                    self.buf.advance(k);
                    if k < n {
                        self.skip = Skip::Bytes(n - k);
                        return None;
                    }
                    self.skip = Skip::None;
                }
                Skip::Line => match memchr::memchr(b'\n', &self.buf) {
                    Some(i) => {
                        self.buf.advance(i + 1);
                        self.skip = Skip::None;
                    }
                    None => {
                        self.buf.clear();
                        return None;
                    }
                },
            }
            let start = self
                .buf
                .iter()
                .position(|&b| !matches!(b, b'\n' | b'\r' | 0 | b' ' | b'\t'));
            match start {
                None => {
                    self.buf.clear();
                    self.line_scan_from = 0;
                    return None;
                }
                Some(0) => {}
                Some(n) => {
                    self.buf.advance(n);
                    self.line_scan_from = 0;
                }
            }
            if self.buf[0].is_ascii_digit() {
                match self.octet_counted() {
                    Counted::NeedMore => return None,
                    Counted::Frame(frame) => return Some(frame),
                    Counted::Line => {}
                    Counted::Skipping => continue,
                }
            }
            return self.line();
        }
    }

    /// At end of stream: the unterminated last line, if any.
    pub(crate) fn finish(&mut self) -> Option<Frame> {
        if self.skip != Skip::None || self.buf.iter().all(|b| b.is_ascii_whitespace()) {
            self.buf.clear();
            return None;
        }
        let rest = self.buf.split();
        Some(self.cap(rest))
    }

    fn octet_counted(&mut self) -> Counted {
        let digits = self
            .buf
            .iter()
            .take(MAX_COUNT_DIGITS + 1)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == self.buf.len() {
            // All digits so far: wait for the space (or what shows it is not a count).
            return if digits > MAX_COUNT_DIGITS {
                Counted::Line
            } else {
                Counted::NeedMore
            };
        }
        if digits > MAX_COUNT_DIGITS || self.buf[digits] != b' ' {
            return Counted::Line;
        }
        let mut len = 0usize;
        for &d in &self.buf[..digits] {
            len = len * 10 + usize::from(d - b'0');
        }
        if len > self.max_message_bytes {
            self.buf.advance(digits + 1);
            self.skip = Skip::Bytes(len);
            self.line_scan_from = 0;
            return Counted::Frame(Frame::Oversize);
        }
        if len == 0 {
            self.buf.advance(digits + 1);
            return Counted::Skipping;
        }
        if self.buf.len() < digits + 1 + len {
            return Counted::NeedMore;
        }
        self.buf.advance(digits + 1);
        self.line_scan_from = 0;
        Counted::Frame(Frame::Message(self.buf.split_to(len)))
    }

    fn line(&mut self) -> Option<Frame> {
        let from = self.line_scan_from.min(self.buf.len());
        match memchr::memchr(b'\n', &self.buf[from..]) {
            Some(i) => {
                let end = from + i;
                self.line_scan_from = 0;
                let mut line = self.buf.split_to(end + 1);
                line.truncate(end);
                Some(self.cap(line))
            }
            None if self.buf.len() > self.max_message_bytes => {
                self.buf.clear();
                self.line_scan_from = 0;
                self.skip = Skip::Line;
                Some(Frame::Oversize)
            }
            None => {
                self.line_scan_from = self.buf.len();
                None
            }
        }
    }

    fn cap(&self, message: BytesMut) -> Frame {
        if message.len() > self.max_message_bytes {
            Frame::Oversize
        } else {
            Frame::Message(message)
        }
    }
}

enum Counted {
    NeedMore,
    Frame(Frame),
    /// Not a count after all: read as a line.
    Line,
    /// A zero-length frame was dropped; look again.
    Skipping,
}

/// Appends one message to a batch in a form `vigil_formats`' `Lines` framing reads back as
/// exactly that message: `MSG LF`, or `LEN SP MSG LF` (RFC 6587 octet counting) when the
/// message holds a LF or CR of its own and starts with `<` (the PRI, which the reader needs
/// to recognize a count). A message with inner newlines and no PRI is not syslog; its lines
/// are kept as they are and become separate records.
pub(crate) fn append_message(batch: &mut BytesMut, message: &[u8]) {
    let mut message = message;
    while let [rest @ .., b'\n' | b'\r' | 0] = message {
        message = rest;
    }
    if message.is_empty() {
        return;
    }
    let inner_newline = memchr::memchr2(b'\n', b'\r', message).is_some();
    if inner_newline && message.first() == Some(&b'<') {
        batch.extend_from_slice(message.len().to_string().as_bytes());
        batch.extend_from_slice(b" ");
    }
    batch.extend_from_slice(message);
    batch.extend_from_slice(b"\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(max: usize, pieces: &[&[u8]], expect: &[&str]) {
        let mut decoder = Decoder::new(max);
        let mut got = Vec::new();
        for piece in pieces {
            decoder.feed(piece);
            while let Some(frame) = decoder.next_frame() {
                got.push(show(frame));
            }
        }
        if let Some(frame) = decoder.finish() {
            got.push(show(frame));
        }
        assert_eq!(got, expect);
    }

    fn show(frame: Frame) -> String {
        match frame {
            Frame::Message(m) => String::from_utf8_lossy(&m).into_owned(),
            Frame::Oversize => "<oversize>".to_owned(),
        }
    }

    #[test]
    fn lf_delimited() {
        check(
            100,
            &[b"<13>a\n<13>b\r\n\n<13>c"],
            &["<13>a", "<13>b\r", "<13>c"],
        );
    }

    #[test]
    fn octet_counted_with_inner_newline() {
        check(100, &[b"7 <13>a\nb6 <13>cd"], &["<13>a\nb", "<13>cd"]);
    }

    #[test]
    fn mixed_framing_per_message_and_split_reads() {
        check(
            100,
            &[b"5 <1>a", b"b<2>line\n1", b"0 <3>456789", b"0\n"],
            &["<1>ab", "<2>line", "<3>4567890"],
        );
    }

    #[test]
    fn digits_without_space_are_a_line() {
        check(100, &[b"2024-01-01 msg\n"], &["2024-01-01 msg"]);
        check(100, &[b"1234567890123 x\n"], &["1234567890123 x"]);
    }

    #[test]
    fn oversize_messages_are_dropped_and_framing_resumes() {
        check(4, &[b"10 <1>abcdef", b"g<2>x\n"], &["<oversize>", "<2>x"]);
        check(4, &[b"<1>abcdef", b"gh\n<2>x\n"], &["<oversize>", "<2>x"]);
        check(4, &[b"<1>abcd\n<2>x\n"], &["<oversize>", "<2>x"]);
    }

    #[test]
    fn zero_count_is_skipped() {
        check(10, &[b"0 <1>a\n"], &["<1>a"]);
    }

    #[test]
    fn batch_encoding_round_trips_through_the_formats_reader() {
        let mut batch = BytesMut::new();
        append_message(&mut batch, b"<13>one\n");
        append_message(&mut batch, b"<13>two\nlines");
        append_message(&mut batch, b"");
        append_message(&mut batch, b"plain\0");
        assert_eq!(&batch[..], b"<13>one\n13 <13>two\nlines\nplain\n");
        let mut reader = vigil_formats::stream::RecordReader::new(
            &batch[..],
            vigil_formats::stream::Framing::Lines,
            vigil_formats::stream::Limits::default(),
            std::sync::Arc::from("t"),
        );
        let mut records = Vec::new();
        while let Some(Ok(record)) = reader.next_record() {
            records.push(String::from_utf8_lossy(&record.bytes).into_owned());
        }
        assert_eq!(records, ["<13>one", "<13>two\nlines", "plain"]);
    }
}
