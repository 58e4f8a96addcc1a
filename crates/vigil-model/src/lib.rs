//! Vigil's vocabulary: the normalized event every other crate speaks.
//!
//! An [`Event`] is one OCSF 1.x event (pinned to OCSF 1.8.0) held as a typed Rust struct, plus
//! what Vigil needs beside OCSF: the source type it came from, where it came from
//! ([`Provenance`]: file or object, line, byte offset), the original record bytes and the
//! source's native fields ([`Native`]). Decoders in `vigil-formats` build events; detection,
//! storage and the API read them.
//!
//! Why a typed struct and not a JSON tree: events are decoded millions per second. A typed
//! struct with inline small strings ([`Str`], a `CompactString`) costs a handful of
//! allocations per event, where a `serde_json::Value` tree costs one per key and value.
//! Sub-objects that only some classes carry are boxed so the common event stays small. The
//! original record is a [`bytes::Bytes`] slice of the read buffer, so keeping it is free.
//! `docs/adr/0001-event-model.md` records the decision.
//!
//! This crate does no IO and knows nothing about any source format.

mod enums;
mod event;
mod native;
mod provenance;
mod ser;
mod source;

pub use enums::{
    ActionId, ActivityId, CategoryUid, ClassUid, DirectionId, DispositionId, SeverityId, StatusId,
};
pub use event::{
    Account, Actor, Analytic, Api, Attack, AutonomousSystem, Cloud, ConnectionInfo, Container,
    Device, Endpoint, Entity, Event, Evidence, File, FindingInfo, Fingerprint, FirewallRule,
    HttpRequest, HttpResponse, Location, Metadata, Named, Process, Product, Resource, Tls, Traffic,
    UidName, Url, User,
};
pub use native::Native;
pub use provenance::{Provenance, Rejection, REJECTED_RECORD_KEEP_BYTES};
pub use source::SourceType;

/// The string type of event fields: inline up to 24 bytes, so IPs, ports, verbs and most names
/// cost no allocation.
pub type Str = compact_str::CompactString;

/// The OCSF schema version Vigil emits.
pub const OCSF_VERSION: &str = "1.8.0";
