//! PAN-OS CSV field names per log type, as PAN's own log format variables (`$receive_time`,
//! `$natsrc`…). Positions follow PAN's syslog field descriptions (PAN-OS 9.1 to 11.x) and were
//! checked against the real lines in the shared samples; a field beyond a type's table is
//! named `field_<i>` by the caller. `FUTURE_USE` slots are `future_use_<i>` so names stay
//! unique.

const HEAD: [&str; 7] = [
    "future_use_0",
    "receive_time",
    "serial",
    "type",
    "subtype",
    "config_ver",
    "time_generated",
];

/// The 31 fields TRAFFIC, THREAT and the other session logs start with.
const SESSION: [&str; 31] = [
    "future_use_0",
    "receive_time",
    "serial",
    "type",
    "subtype",
    "config_ver",
    "time_generated",
    "src",
    "dst",
    "natsrc",
    "natdst",
    "rule",
    "srcuser",
    "dstuser",
    "app",
    "vsys",
    "from",
    "to",
    "inbound_if",
    "outbound_if",
    "logset",
    "future_use_21",
    "sessionid",
    "repeatcnt",
    "sport",
    "dport",
    "natsport",
    "natdport",
    "flags",
    "proto",
    "action",
];

/// TRAFFIC from position 31. Positions past 64 follow PAN-OS 9.x–11.x documentation.
const TRAFFIC_TAIL: [&str; 86] = [
    "bytes",
    "bytes_sent",
    "bytes_received",
    "packets",
    "start",
    "elapsed",
    "category",
    "future_use_38",
    "seqno",
    "actionflags",
    "srcloc",
    "dstloc",
    "future_use_43",
    "pkts_sent",
    "pkts_received",
    "session_end_reason",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "action_source",
    "src_uuid",
    "dst_uuid",
    "tunnelid",
    "monitortag",
    "parent_session_id",
    "parent_start_time",
    "tunnel",
    "assoc_id",
    "chunks",
    "chunks_sent",
    "chunks_received",
    "rule_uuid",
    "http2_connection",
    "link_change_count",
    "policy_id",
    "link_switches",
    "sdwan_cluster",
    "sdwan_device_type",
    "sdwan_cluster_type",
    "sdwan_site",
    "dynusergroup_name",
    "xff_ip",
    "src_category",
    "src_profile",
    "src_model",
    "src_vendor",
    "src_osfamily",
    "src_osversion",
    "src_host",
    "src_mac",
    "dst_category",
    "dst_profile",
    "dst_model",
    "dst_vendor",
    "dst_osfamily",
    "dst_osversion",
    "dst_host",
    "dst_mac",
    "container_id",
    "pod_namespace",
    "pod_name",
    "src_edl",
    "dst_edl",
    "hostid",
    "serialnumber",
    "src_dag",
    "dst_dag",
    "session_owner",
    "high_res_timestamp",
    "nssai_sst",
    "nssai_sd",
    "subcategory_of_app",
    "category_of_app",
    "technology_of_app",
    "risk_of_app",
    "characteristic_of_app",
    "container_of_app",
    "tunneled_app",
    "is_saas_of_app",
    "sanctioned_state_of_app",
    "offloaded",
    "flow_type",
    "cluster_name",
];

/// THREAT from position 31 (verified through 73 on real lines; 74–79 from PAN documentation).
const THREAT_TAIL: [&str; 49] = [
    "misc",
    "threatid",
    "category",
    "severity",
    "direction",
    "seqno",
    "actionflags",
    "srcloc",
    "dstloc",
    "future_use_40",
    "contenttype",
    "pcap_id",
    "filedigest",
    "cloud",
    "url_idx",
    "user_agent",
    "filetype",
    "xff",
    "referer",
    "sender",
    "subject",
    "recipient",
    "reportid",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "future_use_60",
    "src_uuid",
    "dst_uuid",
    "http_method",
    "tunnel_id",
    "monitortag",
    "parent_session_id",
    "parent_start_time",
    "tunnel",
    "thr_category",
    "contentver",
    "future_use_71",
    "assoc_id",
    "ppid",
    "http_headers",
    "url_category_list",
    "rule_uuid",
    "http2_connection",
    "dynusergroup_name",
    "xff_ip",
];

/// SYSTEM from position 7.
const SYSTEM_TAIL: [&str; 16] = [
    "vsys",
    "eventid",
    "object",
    "future_use_10",
    "future_use_11",
    "module",
    "severity",
    "opaque",
    "seqno",
    "actionflags",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
];

/// CONFIG from position 7.
const CONFIG_TAIL: [&str; 19] = [
    "host",
    "vsys",
    "cmd",
    "admin",
    "client",
    "result",
    "path",
    "before_change_detail",
    "after_change_detail",
    "seqno",
    "actionflags",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "dg_id",
    "comment",
];

/// GLOBALPROTECT from position 7 (current layout).
const GLOBALPROTECT_TAIL: [&str; 29] = [
    "vsys",
    "eventid",
    "stage",
    "auth_method",
    "tunnel_type",
    "srcuser",
    "srcregion",
    "machinename",
    "public_ip",
    "public_ipv6",
    "private_ip",
    "private_ipv6",
    "hostid",
    "serialnumber",
    "client_ver",
    "client_os",
    "client_os_ver",
    "repeatcnt",
    "reason",
    "error",
    "opaque",
    "status",
    "location",
    "login_duration",
    "connect_method",
    "error_code",
    "portal",
    "seqno",
    "actionflags",
];

/// USERID from position 7.
const USERID_TAIL: [&str; 25] = [
    "vsys",
    "ip",
    "user",
    "datasourcename",
    "eventid",
    "repeatcnt",
    "timeout",
    "beginport",
    "endport",
    "datasource",
    "datasourcetype",
    "seqno",
    "actionflags",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "vsys_id",
    "factortype",
    "factorcompletiontime",
    "factorno",
    "ugflags",
    "userbysource",
];

/// AUTHENTICATION from position 7.
const AUTHENTICATION_TAIL: [&str; 27] = [
    "vsys",
    "ip",
    "user",
    "normalize_user",
    "object",
    "authpolicy",
    "repeatcnt",
    "authid",
    "vendor",
    "logset",
    "serverprofile",
    "desc",
    "clienttype",
    "event",
    "factorno",
    "seqno",
    "actionflags",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "vsys_id",
    "authproto",
    "rule_uuid",
    "high_res_timestamp",
];

/// HIPMATCH from position 7.
const HIPMATCH_TAIL: [&str; 20] = [
    "srcuser",
    "vsys",
    "machinename",
    "os",
    "src",
    "matchname",
    "repeatcnt",
    "matchtype",
    "future_use_15",
    "future_use_16",
    "seqno",
    "actionflags",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "vsys_id",
    "srcipv6",
];

/// CORRELATION from position 7.
const CORRELATION_TAIL: [&str; 15] = [
    "src",
    "srcuser",
    "vsys",
    "category",
    "severity",
    "dg_hier_level_1",
    "dg_hier_level_2",
    "dg_hier_level_3",
    "dg_hier_level_4",
    "vsys_name",
    "device_name",
    "vsys_id",
    "objectname",
    "object_id",
    "evidence",
];

/// The layout of one log type: the fixed head and the type's tail.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    head: &'static [&'static str],
    tail: &'static [&'static str],
}

impl Layout {
    /// The name of field `i`, when the layout names it.
    pub(super) fn name(&self, i: usize) -> Option<&'static str> {
        match i.checked_sub(self.head.len()) {
            None => self.head.get(i).copied(),
            Some(j) => self.tail.get(j).copied(),
        }
    }

    /// How many fields the layout names.
    pub(super) fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// The position of the field named `name`.
    pub(super) fn position(&self, name: &str) -> Option<usize> {
        self.head
            .iter()
            .chain(self.tail)
            .position(|field| *field == name)
    }
}

/// The layout of the PAN-OS 9.1 GLOBALPROTECT log, whose `seqno` and `actionflags` come
/// before the type.
pub(super) const GLOBALPROTECT_91: Layout = Layout {
    head: &[
        "future_use_0",
        "receive_time",
        "serial",
        "seqno",
        "actionflags",
        "type",
        "subtype",
        "config_ver",
        "time_generated",
    ],
    tail: GLOBALPROTECT_TAIL.split_at(GLOBALPROTECT_TAIL.len() - 2).0,
};

/// The layout for log type `log_type` (field 3). Unknown types get the common head only.
pub(super) fn layout(log_type: &str) -> Layout {
    let (head, tail): (&'static [&'static str], &'static [&'static str]) = match log_type {
        "TRAFFIC" => (&SESSION, &TRAFFIC_TAIL),
        "THREAT" => (&SESSION, &THREAT_TAIL),
        "DECRYPTION" | "TUNNEL" | "GTP" | "SCTP" => (&SESSION, &[]),
        "SYSTEM" => (&HEAD, &SYSTEM_TAIL),
        "CONFIG" => (&HEAD, &CONFIG_TAIL),
        "GLOBALPROTECT" => (&HEAD, &GLOBALPROTECT_TAIL),
        "USERID" => (&HEAD, &USERID_TAIL),
        "AUTHENTICATION" => (&HEAD, &AUTHENTICATION_TAIL),
        "HIPMATCH" => (&HEAD, &HIPMATCH_TAIL),
        "CORRELATION" => (&HEAD, &CORRELATION_TAIL),
        _ => (&HEAD, &[]),
    };
    Layout { head, tail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::panos::fields::*;

    #[test]
    fn tables_agree_with_position_constants() {
        let traffic = layout("TRAFFIC");
        assert_eq!(traffic.name(session::ACTION), Some("action"));
        assert_eq!(traffic.name(traffic::ELAPSED), Some("elapsed"));
        assert_eq!(traffic.name(traffic::PKTS_RECEIVED), Some("pkts_received"));
        assert_eq!(traffic.name(traffic::DEVICE_NAME), Some("device_name"));
        assert_eq!(traffic.name(traffic::RULE_UUID), Some("rule_uuid"));
        assert_eq!(traffic.name(116), Some("cluster_name"));
        assert_eq!(traffic.name(117), None);
        let threat = layout("THREAT");
        assert_eq!(threat.name(threat::SEVERITY), Some("severity"));
        assert_eq!(threat.name(threat::FILEDIGEST), Some("filedigest"));
        assert_eq!(threat.name(threat::DEVICE_NAME), Some("device_name"));
        assert_eq!(threat.name(threat::HTTP_METHOD), Some("http_method"));
        assert_eq!(threat.name(threat::THR_CATEGORY), Some("thr_category"));
        assert_eq!(threat.name(threat::RULE_UUID), Some("rule_uuid"));
        assert_eq!(layout("SYSTEM").name(system::OPAQUE), Some("opaque"));
        assert_eq!(
            layout("SYSTEM").name(system::DEVICE_NAME),
            Some("device_name")
        );
        assert_eq!(
            layout("CONFIG").name(config::AFTER),
            Some("after_change_detail")
        );
        assert_eq!(
            layout("CONFIG").name(config::DEVICE_NAME),
            Some("device_name")
        );
        let gp = layout("GLOBALPROTECT");
        assert_eq!(gp.name(globalprotect::STATUS), Some("status"));
        assert_eq!(gp.name(33), Some("portal"));
        assert_eq!(
            GLOBALPROTECT_91.name(globalprotect::STATUS + 2),
            Some("status")
        );
        assert_eq!(GLOBALPROTECT_91.name(35), Some("portal"));
        assert_eq!(GLOBALPROTECT_91.name(36), None);
        assert_eq!(
            layout("HIPMATCH").name(hipmatch::DEVICE_NAME),
            Some("device_name")
        );
        assert_eq!(
            layout("USERID").name(userid::DEVICE_NAME),
            Some("device_name")
        );
        let auth = layout("AUTHENTICATION");
        assert_eq!(auth.name(authentication::EVENT), Some("event"));
        assert_eq!(auth.name(authentication::DEVICE_NAME), Some("device_name"));
        let correlation = layout("CORRELATION");
        assert_eq!(correlation.name(correlation::EVIDENCE), Some("evidence"));
        assert_eq!(
            correlation.name(correlation::DEVICE_NAME),
            Some("device_name")
        );
        assert_eq!(layout("IPTAG").name(7), None);
    }
}
