//! The field catalogue: the names an analyst types, what kind of value each holds, and where
//! the value sits in an OCSF event (as `vigil-model` serializes it).
//!
//! The store builds its index schema from this table and the in-memory evaluator reads events
//! through it, so a query means the same thing on indexed and on unindexed events. A name that
//! is not here can still be queried as a dotted OCSF path (`http_request.url.path`): such
//! fields are keywords, searched in the stored event.

/// The field of the rules that matched an event at ingest (`rule_hit:<rule id>`): indexed by
/// the store beside the catalogue fields, not part of the event JSON.
pub const RULE_HIT: &str = "rule_hit";

/// What a field holds; decides how values in a query are parsed and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Exact strings (case-insensitive match, wildcards allowed).
    Keyword,
    /// Tokenized text (free-text match on words).
    Text,
    /// IPv4 or IPv6 address (equality and CIDR).
    Ip,
    /// Signed 64-bit integer (equality, comparisons, ranges).
    Int,
    /// Event time in milliseconds since the epoch (comparisons accept RFC 3339 and epochs).
    Time,
}

/// One catalogue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDef {
    /// Canonical name (what `table`, `stats … by` and results use).
    pub name: &'static str,
    /// What the field holds.
    pub kind: FieldKind,
    /// OCSF paths in the event JSON, in order of preference; the field's values are the
    /// values found at all of them (arrays contribute every element; `[]` marks an array).
    pub paths: &'static [&'static str],
    /// Other names accepted for the field.
    pub aliases: &'static [&'static str],
}

macro_rules! field {
    ($name:literal, $kind:ident, [$($path:literal),+ $(,)?], [$($alias:literal),* $(,)?]) => {
        FieldDef {
            name: $name,
            kind: FieldKind::$kind,
            paths: &[$($path),+],
            aliases: &[$($alias),*],
        }
    };
}

/// Every named field, in the order they are documented.
pub const CATALOGUE: &[FieldDef] = &[
    field!("time", Time, ["time"], ["@timestamp", "_time"]),
    field!(
        "source_type",
        Keyword,
        ["vigil.source_type"],
        ["sourcetype"]
    ),
    field!("class", Keyword, ["class_name"], ["class_name"]),
    field!("class_uid", Int, ["class_uid"], []),
    field!("activity", Keyword, ["activity_name"], ["activity_name"]),
    field!("severity", Keyword, ["severity"], []),
    field!("severity_id", Int, ["severity_id"], []),
    field!("status", Keyword, ["status"], []),
    field!("status_code", Keyword, ["status_code"], []),
    field!("action", Keyword, ["action"], []),
    field!("disposition", Keyword, ["disposition"], []),
    field!("src_ip", Ip, ["src_endpoint.ip"], ["src", "source_ip"]),
    field!(
        "dst_ip",
        Ip,
        ["dst_endpoint.ip"],
        ["dst", "dest_ip", "destination_ip"]
    ),
    field!("src_port", Int, ["src_endpoint.port"], ["sport"]),
    field!(
        "dst_port",
        Int,
        ["dst_endpoint.port"],
        ["dport", "dest_port"]
    ),
    field!(
        "ip",
        Ip,
        ["src_endpoint.ip", "dst_endpoint.ip", "device.ip"],
        []
    ),
    field!(
        "protocol",
        Keyword,
        ["connection_info.protocol_name"],
        ["proto"]
    ),
    field!(
        "src_country",
        Keyword,
        ["src_endpoint.location.country"],
        []
    ),
    field!(
        "dst_country",
        Keyword,
        ["dst_endpoint.location.country"],
        []
    ),
    field!(
        "src_asn",
        Int,
        ["src_endpoint.autonomous_system.number"],
        ["asn"]
    ),
    field!(
        "dst_domain",
        Keyword,
        ["dst_endpoint.domain", "dst_endpoint.hostname"],
        []
    ),
    field!("bytes_in", Int, ["traffic.bytes_in"], []),
    field!("bytes_out", Int, ["traffic.bytes_out"], []),
    field!("bytes", Int, ["traffic.bytes"], []),
    field!("packets", Int, ["traffic.packets"], []),
    field!(
        "user",
        Keyword,
        ["actor.user.name", "user.name", "process.user.name"],
        ["user_name", "username"]
    ),
    field!(
        "user_id",
        Keyword,
        ["actor.user.uid", "user.uid"],
        ["user_uid"]
    ),
    field!("user_type", Keyword, ["actor.user.type", "user.type"], []),
    field!(
        "account",
        Keyword,
        ["cloud.account.uid", "actor.user.account.uid"],
        ["account_id"]
    ),
    field!("region", Keyword, ["cloud.region", "device.region"], []),
    field!("operation", Keyword, ["api.operation"], ["action_name"]),
    field!("service", Keyword, ["api.service.name"], []),
    field!(
        "resource",
        Keyword,
        ["resources[].uid", "resources[].name"],
        ["target"]
    ),
    field!("resource_type", Keyword, ["resources[].type"], []),
    field!(
        "host",
        Keyword,
        ["device.hostname", "src_endpoint.hostname"],
        ["hostname"]
    ),
    field!(
        "device",
        Keyword,
        ["device.uid", "device.instance_uid"],
        ["instance"]
    ),
    field!("vpc", Keyword, ["device.vpc_uid"], []),
    field!("container", Keyword, ["device.container.name"], []),
    field!("image", Keyword, ["device.container.image.name"], []),
    field!(
        "process",
        Keyword,
        ["process.name", "actor.process.name"],
        []
    ),
    field!("cmd_line", Text, ["process.cmd_line"], ["command_line"]),
    field!(
        "http_method",
        Keyword,
        ["http_request.http_method"],
        ["method"]
    ),
    field!("url", Keyword, ["http_request.url.url_string"], []),
    field!("url_host", Keyword, ["http_request.url.hostname"], []),
    field!("url_path", Keyword, ["http_request.url.path"], ["path"]),
    field!("user_agent", Text, ["http_request.user_agent"], ["ua"]),
    field!("http_status", Int, ["http_response.code"], []),
    field!(
        "rule",
        Keyword,
        ["firewall_rule.name", "finding_info.analytic.name"],
        []
    ),
    field!("finding", Text, ["finding_info.title"], []),
    field!("technique", Keyword, ["attacks[].technique.uid"], []),
    field!("product", Keyword, ["metadata.product.name"], []),
    field!("log_name", Keyword, ["metadata.log_name"], []),
    field!("message", Text, ["message"], ["msg"]),
    field!("file", Keyword, ["vigil.source"], ["origin"]),
];

/// The catalogue entry for `name` (canonical or alias; ASCII case-insensitive).
pub fn lookup(name: &str) -> Option<&'static FieldDef> {
    CATALOGUE.iter().find(|def| {
        def.name.eq_ignore_ascii_case(name)
            || def
                .aliases
                .iter()
                .any(|alias| alias.eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for def in CATALOGUE {
            for name in std::iter::once(&def.name).chain(def.aliases) {
                assert!(
                    seen.insert(name.to_ascii_lowercase()),
                    "`{name}` is defined twice"
                );
            }
        }
    }

    #[test]
    fn lookup_finds_aliases_in_any_case() {
        assert_eq!(lookup("SRC").map(|d| d.name), Some("src_ip"));
        assert_eq!(lookup("dst_port").map(|d| d.kind), Some(FieldKind::Int));
        assert_eq!(lookup("no_such_field"), None);
    }
}
