//! PAN-OS CEF into the positional form of the CSV layout, so one mapping serves both.
//!
//! PAN's CEF format strings put the subtype and the log type in the header
//! (`CEF:0|Palo Alto Networks|PAN-OS|$sender_sw_version|$subtype|$type|sev|`; some senders swap
//! the two, so the type is whichever is an upper-case log type) and the fields in the
//! extension under CEF names, with custom slots labelled (`cs1Label=Rule cs1=…`). Slots are
//! resolved by label ([`cef::labelled`]), then each key is looked up in [`CEF_NAMES`]; a key
//! with no PAN-OS position is kept as an extra native pair under its CEF name. No real PAN-OS
//! CEF line was available: the names follow PAN's CEF configuration guide as summarized in the
//! log-formats reference (section 3.1) and are not verified on live data.

use std::borrow::Cow;

use super::{fields, is_log_type, layouts, Log};
use crate::decode::cef;

/// CEF keys (or slot labels) and the PAN-OS field each carries, for every log type; a name
/// that the type's layout does not have is skipped for that type.
const CEF_NAMES: [(&str, &str); 60] = [
    ("rt", "receive_time"),
    ("deviceExternalId", "serial"),
    ("src", "src"),
    ("dst", "dst"),
    ("sourceTranslatedAddress", "natsrc"),
    ("destinationTranslatedAddress", "natdst"),
    ("Rule", "rule"),
    ("suser", "srcuser"),
    ("duser", "dstuser"),
    ("app", "app"),
    ("Virtual System", "vsys"),
    ("Source Zone", "from"),
    ("Destination Zone", "to"),
    ("deviceInboundInterface", "inbound_if"),
    ("deviceOutboundInterface", "outbound_if"),
    ("LogProfile", "logset"),
    ("SessionID", "sessionid"),
    ("cnt", "repeatcnt"),
    ("spt", "sport"),
    ("dpt", "dport"),
    ("sourceTranslatedPort", "natsport"),
    ("destinationTranslatedPort", "natdport"),
    ("Flags", "flags"),
    ("proto", "proto"),
    ("act", "action"),
    ("externalId", "seqno"),
    ("dvchost", "device_name"),
    ("PanOSActionFlags", "actionflags"),
    ("PanOSSourceLocation", "srcloc"),
    ("PanOSDestinationLocation", "dstloc"),
    ("PanOSDGl1", "dg_hier_level_1"),
    ("PanOSDGl2", "dg_hier_level_2"),
    ("PanOSDGl3", "dg_hier_level_3"),
    ("PanOSDGl4", "dg_hier_level_4"),
    ("PanOSVsysName", "vsys_name"),
    ("PanOSSrcUUID", "src_uuid"),
    ("PanOSDstUUID", "dst_uuid"),
    ("PanOSMonitorTag", "monitortag"),
    ("PanOSParentSessionID", "parent_session_id"),
    ("PanOSParentStartTime", "parent_start_time"),
    ("PanOSTunnelType", "tunnel"),
    ("PanOSRuleUUID", "rule_uuid"),
    // TRAFFIC.
    ("Total bytes", "bytes"),
    ("in", "bytes_sent"),
    ("out", "bytes_received"),
    ("Packets", "packets"),
    ("PanOSPacketsReceived", "pkts_received"),
    ("PanOSPacketsSent", "pkts_sent"),
    ("start", "start"),
    ("Elapsed time in seconds", "elapsed"),
    ("URL Category", "category"),
    ("reason", "session_end_reason"),
    // THREAT.
    ("request", "misc"),
    ("Direction", "direction"),
    ("fileId", "pcap_id"),
    ("requestClientApplication", "user_agent"),
    ("requestMethod", "http_method"),
    ("PanOSThreatCategory", "thr_category"),
    // SYSTEM.
    ("msg", "opaque"),
    ("Module", "module"),
];

/// Keys whose meaning depends on the log type: `cat` is the action source of TRAFFIC, the
/// threat id of THREAT and the subtype of SYSTEM.
fn by_type(log_type: &str, key: &str) -> Option<&'static str> {
    match (log_type, key) {
        ("TRAFFIC", "cat") => Some("action_source"),
        ("THREAT", "cat") => Some("threatid"),
        ("SYSTEM", "cat") => Some("subtype"),
        ("SYSTEM", "fname") => Some("object"),
        _ => None,
    }
}

/// Decodes a PAN-OS CEF record (starting at `CEF:`) into positional form.
pub(super) fn from_cef<'a>(s: &'a str) -> Result<Log<'a>, String> {
    let record = cef::parse(s).map_err(|e| e.to_string())?;
    if !record.vendor.eq_ignore_ascii_case("Palo Alto Networks") {
        return Err(format!(
            "cef vendor `{}` is not palo alto networks",
            record.vendor
        ));
    }
    let (log_type, subtype) = if is_log_type(&record.name) {
        (record.name.clone(), record.signature_id.clone())
    } else if is_log_type(&record.signature_id) {
        (record.signature_id.clone(), record.name.clone())
    } else {
        return Err("cef header names no pan-os log type".into());
    };
    let layout = layouts::layout(&log_type);
    let mut positional: Vec<Cow<'a, str>> = vec![Cow::Borrowed(""); layout.len()];
    let mut extra = Vec::new();
    let mut set = |at: usize, value: Cow<'a, str>| {
        if let Some(slot) = positional.get_mut(at) {
            *slot = value;
        }
    };
    set(fields::TYPE, log_type.clone());
    set(fields::SUBTYPE, subtype);
    for (key, value) in cef::labelled(&record.extensions) {
        let name = by_type(&log_type, &key).or_else(|| {
            CEF_NAMES
                .iter()
                .find(|(cef_key, _)| *cef_key == key)
                .map(|(_, name)| *name)
        });
        match name.and_then(|name| layout.position(name)) {
            Some(at) => set(at, value),
            None => extra.push((key, value)),
        }
    }
    Ok(Log {
        fields: positional,
        shift: 0,
        payload_start: 0,
        extra,
        version: Some(record.device_version),
        cef_severity: Some(cef::severity_id(&record.severity)),
    })
}

/// A CEF time: `Mmm dd yyyy hh:mm:ss` with an optional zone (`GMT`, `UTC`, `+0000`,
/// `GMT+01:00`); no zone is UTC.
pub(super) fn parse_cef_time(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = s.split_whitespace();
    let month = parts.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let day: u32 = parts.next()?.parse().ok()?;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u32>().ok());
    let (Some(Some(h)), Some(Some(mi)), Some(Some(sec))) =
        (clock.next(), clock.next(), clock.next())
    else {
        return None;
    };
    if !(1..=31).contains(&day) || h > 24 || mi > 59 || sec > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let offset = match parts.next() {
        None => 0,
        Some(zone) => {
            let zone = zone
                .strip_prefix("GMT")
                .or_else(|| zone.strip_prefix("UTC"))
                .unwrap_or(zone);
            if zone.is_empty() {
                0
            } else {
                crate::time::parse_offset(zone.as_bytes())?.0
            }
        }
    };
    let days = crate::time::days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec) - offset;
    Some(secs * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cef_times() {
        let utc = parse_cef_time("Sep 19 2018 16:50:32 GMT").unwrap();
        assert_eq!(
            crate::time::format_rfc3339_ms(utc),
            "2018-09-19T16:50:32.000Z"
        );
        assert_eq!(parse_cef_time("Sep 19 2018 16:50:32"), Some(utc));
        assert_eq!(parse_cef_time("Sep 19 2018 17:50:32 GMT+01:00"), Some(utc));
        assert_eq!(parse_cef_time("Sep 19 2018 11:50:32 -0500"), Some(utc));
        assert_eq!(parse_cef_time("Foo 19 2018 16:50:32"), None);
        assert_eq!(parse_cef_time("Sep 00 2018 16:50:32"), None);
        assert_eq!(parse_cef_time(""), None);
    }
}
