//! A minimal JSON object writer over a byte buffer.
//!
//! Keys are trusted constants and written as they are; string values are escaped. Building
//! through `serde_json::Value` would cost several times more, and the generator writes
//! hundreds of megabytes.

use crate::text::{push_i64, push_json_str, push_u64};

/// A JSON object being written. Call [`Obj::finish`] to close it.
pub(crate) struct Obj<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object in `buf`.
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> Obj<'a> {
        buf.push(b'{');
        Obj { buf, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.buf.push(b'"');
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    /// `"key":"value"`.
    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        push_json_str(self.buf, value);
        self
    }

    /// `"key":n`.
    pub(crate) fn u64(&mut self, key: &str, value: u64) -> &mut Self {
        self.key(key);
        push_u64(self.buf, value);
        self
    }

    /// `"key":n` (signed).
    pub(crate) fn i64(&mut self, key: &str, value: i64) -> &mut Self {
        self.key(key);
        push_i64(self.buf, value);
        self
    }

    /// `"key":true|false`.
    pub(crate) fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    /// `"key":null`.
    pub(crate) fn null(&mut self, key: &str) -> &mut Self {
        self.key(key);
        self.buf.extend_from_slice(b"null");
        self
    }

    /// `"key":` followed by whatever `write` appends (it must append one JSON value).
    pub(crate) fn with(&mut self, key: &str, write: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.key(key);
        write(self.buf);
        self
    }

    /// `"key":{…}` written by `fill`.
    pub(crate) fn obj(&mut self, key: &str, fill: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        self.key(key);
        let mut inner = Obj::new(self.buf);
        fill(&mut inner);
        inner.finish();
        self
    }

    /// `"key":["a","b"]`.
    pub(crate) fn strs(&mut self, key: &str, values: &[&str]) -> &mut Self {
        self.key(key);
        self.buf.push(b'[');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            push_json_str(self.buf, value);
        }
        self.buf.push(b']');
        self
    }

    /// `"key":[{…},…]`, one object per `fill` call.
    pub(crate) fn objs(
        &mut self,
        key: &str,
        count: usize,
        mut fill: impl FnMut(usize, &mut Obj<'_>),
    ) -> &mut Self {
        self.key(key);
        self.buf.push(b'[');
        for i in 0..count {
            if i > 0 {
                self.buf.push(b',');
            }
            let mut inner = Obj::new(self.buf);
            fill(i, &mut inner);
            inner.finish();
        }
        self.buf.push(b']');
        self
    }

    /// Closes the object.
    pub(crate) fn finish(self) {
        self.buf.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_nested_objects() {
        let mut buf = Vec::new();
        let mut obj = Obj::new(&mut buf);
        obj.str("a", "x\"y")
            .u64("b", 1)
            .i64("c", -1)
            .bool("d", true)
            .null("e")
            .obj("f", |f| {
                f.strs("g", &["h", "i"]);
            })
            .objs("j", 2, |i, o| {
                o.u64("k", i as u64);
            })
            .with("l", |b| b.extend_from_slice(b"[]"));
        obj.finish();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            r#"{"a":"x\"y","b":1,"c":-1,"d":true,"e":null,"f":{"g":["h","i"]},"j":[{"k":0},{"k":1}],"l":[]}"#
        );
    }
}
