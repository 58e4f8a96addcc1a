//! FortiGate CEF back to FortiGate's own field names.
//!
//! FortiOS's CEF output (`CEF:0|Fortinet|Fortigate|v6.0.3|00013|traffic:forward close|3|…`)
//! carries most fields as `FTNTFGT<name>` and the common ones under CEF keys (`src`, `spt`,
//! `act`, `out`…), with `cat=type:subtype`. Stripping the prefix and renaming the CEF keys gives
//! the pairs of the `key=value` format. Names follow Fortinet's "FortiOS CEF support" mapping
//! as we know it; no real FortiGate CEF line was available to check them.

use std::borrow::Cow;

use crate::decode::cef;

/// CEF keys and the FortiGate field each carries.
const CEF_TO_FORTIGATE: [(&str, &str); 27] = [
    ("deviceExternalId", "devid"),
    ("dvchost", "devname"),
    ("externalId", "sessionid"),
    ("src", "srcip"),
    ("spt", "srcport"),
    ("smac", "srcmac"),
    ("shost", "srcname"),
    ("deviceInboundInterface", "srcintf"),
    ("dst", "dstip"),
    ("dpt", "dstport"),
    ("dmac", "dstmac"),
    ("dhost", "hostname"),
    ("deviceOutboundInterface", "dstintf"),
    ("proto", "proto"),
    ("act", "action"),
    ("app", "service"),
    ("out", "sentbyte"),
    ("in", "rcvdbyte"),
    ("sourceTranslatedAddress", "transip"),
    ("sourceTranslatedPort", "transport"),
    ("destinationTranslatedAddress", "tranip"),
    ("destinationTranslatedPort", "tranport"),
    ("suser", "user"),
    ("msg", "msg"),
    ("request", "url"),
    ("requestClientApplication", "agent"),
    ("fname", "filename"),
];

/// Pairs in record order, as `key=value` decoding gives them.
pub(super) type Pairs<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// The pairs of a FortiGate CEF record (starting at `CEF:`) under FortiGate names, and the
/// FortiOS version from the header.
pub(super) fn from_cef(s: &str) -> Result<(Pairs<'_>, Option<Cow<'_, str>>), String> {
    let record = cef::parse(s).map_err(|e| e.to_string())?;
    if !record.vendor.eq_ignore_ascii_case("Fortinet") {
        return Err(format!("cef vendor `{}` is not fortinet", record.vendor));
    }
    let mut pairs = Vec::with_capacity(record.extensions.len() + 2);
    let mut type_from_cat = None;
    for (key, value) in record.extensions {
        if key == "cat" {
            if let Some((log_type, subtype)) = value.split_once(':') {
                type_from_cat = Some((log_type.to_owned(), subtype.to_owned()));
            }
        }
        let name = match key.strip_prefix("FTNTFGT") {
            Some(name) => name,
            None => CEF_TO_FORTIGATE
                .iter()
                .find(|(cef_key, _)| *cef_key == key)
                .map_or(key, |(_, name)| *name),
        };
        pairs.push((name, value));
    }
    // `cat=traffic:forward` gives type and subtype when no `FTNTFGTtype` does.
    if let Some((log_type, subtype)) = type_from_cat {
        if !pairs.iter().any(|(k, _)| *k == "type") {
            pairs.push(("type", Cow::Owned(log_type)));
        }
        if !pairs.iter().any(|(k, _)| *k == "subtype") {
            pairs.push(("subtype", Cow::Owned(subtype)));
        }
    }
    Ok((pairs, Some(record.device_version)))
}
