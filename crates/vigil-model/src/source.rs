//! Source types: what kind of record a file, object or stream holds.

use std::fmt;
use std::str::FromStr;

/// The kind of record a source carries. Chosen by detection (path layout and content) or by
/// the user (`--source-type`); it selects the normalizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum SourceType {
    /// IBM Cloud Activity Tracker / Event Routing: CADF JSON events, current and legacy archive.
    ActivityTracker,
    /// IBM Cloud VPC flow log objects: one JSON object with a header and `flow_logs`.
    VpcFlowLog,
    /// Palo Alto Networks PAN-OS: CSV over syslog, or CEF.
    PanOs,
    /// Fortinet FortiGate: key=value over syslog, or CEF.
    FortiGate,
    /// Check Point Log Exporter: syslog with its own structured data, or CEF.
    CheckPoint,
    /// IBM Cloud Internet Services (Cloudflare) Logpush `firewall_events`.
    CisFirewall,
    /// IBM Cloud Internet Services (Cloudflare) Logpush `http_requests`.
    CisHttp,
    /// IBM Cloud Workload Protection (Sysdig Secure) events: runtime policy (current and
    /// legacy), activity audit, platform audit.
    Sysdig,
    /// Falco JSON alerts, plain or over syslog.
    Falco,
    /// AWS CloudTrail: `{"Records": [...]}` files or one event per line.
    CloudTrail,
    /// Any other CEF line (vendor not one of the above).
    Cef,
    /// Any other LEEF line.
    Leef,
    /// Any other syslog line.
    Syslog,
    /// Any other JSON: kept with its own fields.
    #[default]
    Json,
}

impl SourceType {
    /// Every source type.
    pub const ALL: [SourceType; 14] = [
        SourceType::ActivityTracker,
        SourceType::VpcFlowLog,
        SourceType::PanOs,
        SourceType::FortiGate,
        SourceType::CheckPoint,
        SourceType::CisFirewall,
        SourceType::CisHttp,
        SourceType::Sysdig,
        SourceType::Falco,
        SourceType::CloudTrail,
        SourceType::Cef,
        SourceType::Leef,
        SourceType::Syslog,
        SourceType::Json,
    ];

    /// The stable name used on the command line, in configuration and in output.
    pub fn name(self) -> &'static str {
        match self {
            SourceType::ActivityTracker => "ibm_activity_tracker",
            SourceType::VpcFlowLog => "ibm_vpc_flow_logs",
            SourceType::PanOs => "panos",
            SourceType::FortiGate => "fortigate",
            SourceType::CheckPoint => "checkpoint",
            SourceType::CisFirewall => "cis_firewall_events",
            SourceType::CisHttp => "cis_http_requests",
            SourceType::Sysdig => "sysdig_secure",
            SourceType::Falco => "falco",
            SourceType::CloudTrail => "aws_cloudtrail",
            SourceType::Cef => "cef",
            SourceType::Leef => "leef",
            SourceType::Syslog => "syslog",
            SourceType::Json => "json",
        }
    }
}

impl fmt::Display for SourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a source type name that does not exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSourceType(pub String);

impl fmt::Display for UnknownSourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown source type `{}`; known: ", self.0)?;
        for (i, t) in SourceType::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(t.name())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownSourceType {}

impl FromStr for SourceType {
    type Err = UnknownSourceType;

    fn from_str(s: &str) -> Result<SourceType, UnknownSourceType> {
        SourceType::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| UnknownSourceType(s.to_owned()))
    }
}

impl serde::Serialize for SourceType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in SourceType::ALL {
            assert_eq!(t.name().parse::<SourceType>(), Ok(t));
        }
        let err = "nope".parse::<SourceType>().unwrap_err().to_string();
        assert!(err.contains("unknown source type `nope`"), "{err}");
    }
}
