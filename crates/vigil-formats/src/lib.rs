//! Decoders and normalizers: bytes in, OCSF [`Event`]s and [`Rejection`]s out.
//!
//! Three layers, each pure (no files, no sockets, no clock; time comes with the record or is
//! passed in through [`Context`]):
//!
//! 1. **Streams** ([`stream`]): decompression (gzip, zstd) with a size cap, and framing of a
//!    byte stream into records: JSON values (NDJSON, arrays, concatenated or pretty-printed
//!    JSON) or lines (LF, CRLF or NUL terminated, RFC 6587 octet counting), each with a size cap
//!    and its line and byte offset. The caller hands in any `Read`; this crate opens nothing.
//! 2. **Decoders** ([`decode`]): wire formats shared by several sources: syslog (RFC 3164 and
//!    RFC 5424), CEF, LEEF 1.0/2.0, key=value, Check Point's structured data, CSV.
//! 3. **Normalizers** ([`source`]): one module per source type, each turning one record into
//!    zero or more events (a flow log object holds many) or rejections.
//!
//! [`detect`] recognizes a source type from a path and the first bytes of its content, and
//! routes each line of a mixed syslog stream to its vendor.
//!
//! Invariants: input never panics; a record that cannot be normalized becomes a [`Rejection`]
//! with a reason and its location, and the stream goes on; every buffer has a cap.

pub mod decode;
pub mod detect;
pub mod pipeline;
pub mod source;
pub mod stream;
pub mod time;

mod record;

pub use record::{Context, Output, Record};
pub use source::normalize;
pub use vigil_model::{Event, Rejection, SourceType};
