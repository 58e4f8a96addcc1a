//! The FortiGate fields the mapping reads, picked from the pairs in one pass.
//!
//! A line holds 20 to 60 pairs and the mapping reads about as many fields: looking each up by
//! name would compare every key against every name, so one `match` over the keys fills a
//! struct instead. The first occurrence of a key wins; everything stays in the native pairs.

use std::borrow::Cow;

/// Declares [`Fgt`] with one `&str` per field (named as the key unless given) and the pass
/// that fills it.
macro_rules! fields {
    ($($field:ident $(= $key:literal)?),* $(,)?) => {
        /// The fields of one FortiGate record (`""` when absent).
        #[derive(Clone, Copy, Debug, Default)]
        pub(super) struct Fgt<'a> {
            $(pub(super) $field: &'a str,)*
        }

        impl<'a> Fgt<'a> {
            /// Picks the fields out of `pairs`; the first occurrence of a key wins.
            pub(super) fn from_pairs(pairs: &'a [(&'a str, Cow<'a, str>)]) -> Fgt<'a> {
                let mut fgt = Fgt::default();
                for (key, value) in pairs {
                    let slot = match *key {
                        $(fields!(@key $field $($key)?) => &mut fgt.$field,)*
                        _ => continue,
                    };
                    if slot.is_empty() {
                        *slot = value.as_ref();
                    }
                }
                fgt
            }
        }
    };
    (@key $field:ident $key:literal) => { $key };
    (@key $field:ident) => { stringify!($field) };
}

fields! {
    date, time, tz, eventtime, logid,
    log_type = "type", subtype, eventtype, level, devname, devid,
    logdesc, msg, action, status, reason, user, group, ui, method,
    srcip, srcport, srcintf, srccountry, srcmac, srcname,
    dstip, dstport, dstintf, dstcountry, dstmac, dstname,
    sessionid, proto, service,
    policyid, policyname, poluuid, policytype,
    transip, transport, tranip, tranport,
    app, appcat, duration, sentbyte, rcvdbyte, sentpkt, rcvdpkt,
    attack, attackid, virus, virusid, severity, crlevel, reference = "ref", incidentserialno,
    hostname, url, catdesc, qname, filename, filetype, analyticscksum,
    agent, httpmethod, referralurl, forwardedfor,
    cfgpath, cfgobj, cfgattr, cfgtid, uuid,
    remip, locip, xauthuser, eapuser, tunnelip,
}

impl Fgt<'_> {
    /// Whether the record is FortiGate's: it has a log id or device id, or the date, time and
    /// type every FortiGate log starts with.
    pub(super) fn is_fortigate(&self) -> bool {
        !self.logid.is_empty()
            || !self.devid.is_empty()
            || (!self.date.is_empty() && !self.time.is_empty() && !self.log_type.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_occurrence_wins_and_renamed_keys_are_read() {
        let pairs = crate::decode::kv::parse(
            r#"type="utm" ref="http://x" srcip=1.2.3.4 srcip=5.6.7.8 other=1"#,
        );
        let fgt = Fgt::from_pairs(&pairs);
        assert_eq!(fgt.log_type, "utm");
        assert_eq!(fgt.reference, "http://x");
        assert_eq!(fgt.srcip, "1.2.3.4");
        assert!(!fgt.is_fortigate());
    }
}
