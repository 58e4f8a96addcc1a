//! The ground truth of a simulation: what was injected, when, naming what, and which rules of
//! the IBM Cloud pack should notice it; written as `ground-truth.json`.

use std::collections::BTreeSet;

use vigil_model::SourceType;

use crate::json::Obj;
use crate::text::{push_json_str, push_rfc3339, Zone};

/// Whether a story is an attack or a benign look-alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoryKind {
    /// Malicious: a hunt should raise an alert for it.
    Attack,
    /// Legitimate activity that looks like an attack: a hunt should not alert on it at
    /// `high` or `critical`.
    Benign,
}

impl StoryKind {
    /// `attack` or `benign`.
    pub fn name(self) -> &'static str {
        match self {
            StoryKind::Attack => "attack",
            StoryKind::Benign => "benign",
        }
    }
}

/// How much noise a story makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Loudness {
    /// Many records, well over every threshold.
    Loud,
    /// A handful of records, or just over a rule's threshold: near the noise floor.
    Quiet,
}

impl Loudness {
    /// `loud` or `quiet`.
    pub fn name(self) -> &'static str {
        match self {
            Loudness::Loud => "loud",
            Loudness::Quiet => "quiet",
        }
    }
}

/// A rule of the IBM Cloud pack that a story should make fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpectedRule {
    /// The rule's `id`.
    pub id: &'static str,
    /// The rule's `name`.
    pub name: &'static str,
    /// The rule's `title`.
    pub title: &'static str,
    /// The rule's `level`.
    pub level: &'static str,
}

/// What a story names, in the forms alerts name them (dotted IPv4 addresses, IAM ids, CRNs,
/// host names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoryEntities {
    /// IP addresses.
    pub ips: BTreeSet<String>,
    /// Users, service IDs, principals (IAM ids, e-mail addresses, Kubernetes users).
    pub users: BTreeSet<String>,
    /// API keys.
    pub api_keys: BTreeSet<String>,
    /// Cloud resources (CRNs, pods, containers).
    pub resources: BTreeSet<String>,
    /// Host names.
    pub hosts: BTreeSet<String>,
}

/// One injected story, as `ground-truth.json` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryTruth {
    /// `A01`…, `B01`….
    pub id: &'static str,
    /// A short title.
    pub name: &'static str,
    /// What happens, in a few sentences.
    pub description: &'static str,
    /// Attack or benign look-alike.
    pub kind: StoryKind,
    /// Loud or near the noise floor.
    pub loudness: Loudness,
    /// MITRE ATT&CK technique ids.
    pub techniques: &'static [&'static str],
    /// Time of its first record (ms since the epoch).
    pub start_ms: i64,
    /// Time of its last record (ms since the epoch).
    pub end_ms: i64,
    /// Everything it names.
    pub entities: StoryEntities,
    /// The entities that belong to this story alone (attacker addresses, keys it creates, the
    /// resources it touches), not shared infrastructure that background alerts also name: an
    /// alert that names one of these, in the story's window, is about the story.
    pub indicators: BTreeSet<String>,
    /// Sources its records are in.
    pub sources: BTreeSet<SourceType>,
    /// Rules of the IBM Cloud pack expected to fire on it (for benign stories: the rules that
    /// fire below `high`, or that wrongly fire above it).
    pub expected_rules: Vec<ExpectedRule>,
    /// Records it injected (a connection in the flow logs counts once, however many vNIC
    /// windows record it).
    pub records: u64,
}

/// Appends the JSON form of the ground truth.
pub(crate) fn write_json(
    out: &mut Vec<u8>,
    seed: u64,
    scale: f64,
    hours: u32,
    (start_ms, end_ms): (i64, i64),
    stories: &[StoryTruth],
) {
    let mut obj = Obj::new(out);
    obj.obj("simulation", |o| {
        o.u64("seed", seed)
            .with("scale", |b| b.extend_from_slice(format!("{scale}").as_bytes()))
            .u64("hours", u64::from(hours))
            .with("start", |b| time(b, start_ms))
            .with("end", |b| time(b, end_ms))
            .i64("start_ms", start_ms)
            .i64("end_ms", end_ms)
            .str(
                "matching",
                "an alert is about a story when it names one of the story's indicators and its time falls within [start_ms, end_ms]",
            );
    });
    obj.objs("stories", stories.len(), |i, o| story(o, &stories[i]));
    obj.finish();
    out.push(b'\n');
}

fn time(buf: &mut Vec<u8>, ms: i64) {
    buf.push(b'"');
    push_rfc3339(buf, ms, 0, 3, Zone::Z);
    buf.push(b'"');
}

fn strings<'a>(o: &mut Obj<'_>, key: &str, values: impl IntoIterator<Item = &'a String>) {
    o.with(key, |b| {
        b.push(b'[');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            push_json_str(b, value);
        }
        b.push(b']');
    });
}

fn story(o: &mut Obj<'_>, story: &StoryTruth) {
    o.str("id", story.id)
        .str("name", story.name)
        .str("kind", story.kind.name())
        .str("loudness", story.loudness.name())
        .str("description", story.description)
        .strs("techniques", story.techniques)
        .with("start", |b| time(b, story.start_ms))
        .with("end", |b| time(b, story.end_ms))
        .i64("start_ms", story.start_ms)
        .i64("end_ms", story.end_ms)
        .obj("entities", |e| {
            strings(e, "ips", &story.entities.ips);
            strings(e, "users", &story.entities.users);
            strings(e, "api_keys", &story.entities.api_keys);
            strings(e, "resources", &story.entities.resources);
            strings(e, "hosts", &story.entities.hosts);
        });
    strings(o, "indicators", &story.indicators);
    let sources: Vec<&str> = story.sources.iter().map(|s| s.name()).collect();
    o.strs("sources", &sources)
        .objs("expected_rules", story.expected_rules.len(), |i, r| {
            let rule = &story.expected_rules[i];
            r.str("id", rule.id)
                .str("name", rule.name)
                .str("title", rule.title)
                .str("level", rule.level);
        })
        .u64("records", story.records);
}
