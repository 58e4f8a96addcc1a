//! Vigil's detection runtime: the rule sets it runs, starting with the IBM Cloud rule pack.
//!
//! Today this crate owns the **IBM Cloud rule pack** ([`ibm_rule_pack`]): Sigma rules and
//! correlations over Activity Tracker, VPC flow logs, PAN-OS, FortiGate, Check Point, CIS
//! (Cloudflare) firewall and HTTP events, Falco and Workload Protection (Sysdig) events. The
//! rule files live in `rules/ibm/` and are embedded in the binary at build time, so `vigil hunt`
//! works with no files installed and `vigil rules export` can write them out. Each rule file
//! has a `<stem>.tests.ndjson` beside it with raw records (as the source writes them) that must
//! and must not fire it; `tests/rule_pack.rs` runs them through the real normalizers, the
//! engine with the shipped pipelines, and the correlation engine.
//!
//! It also owns what turns matches into alerts ([`alert`], [`hunt`]: single-rule alerts,
//! correlations fed in event-time order, `generate: false` honoured), threat-intelligence
//! indicator matching ([`intel`]) and the behavioural analytics Sigma cannot express
//! ([`analytics`]: beaconing, baselines, first-seen), all producing one [`alert::Alert`] shape.
//! Later: dedup, suppression policies and notifications.
//!
//! What it must not know: file systems, clocks or wire formats. Rules are matched by
//! `vigil-sigma` on events `vigil-formats` normalized; this crate only chooses and combines.

pub mod alert;
pub mod analytics;
pub mod hunt;
pub mod intel;
mod pack;

pub use pack::{ibm_rule_pack, load_ibm_rule_pack, IBM_RULE_PACK_PREFIX};
