//! The borrowed, lenient shape of a Logpush `http_requests` or `firewall_events` record. One
//! struct serves both datasets: their fields overlap and real files mix them.

use serde_json::value::RawValue;

use crate::source::jsonutil::{lenient_struct, List, Scalar};

lenient_struct! {
    /// One Logpush record. Keys not named here are skipped (the native record keeps them).
    pub(super) struct CisRecord<'a> {
        pub edge_start: Scalar<'a> = "EdgeStartTimestamp",
        pub edge_end: Scalar<'a> = "EdgeEndTimestamp",
        pub datetime: Scalar<'a> = "Datetime",

        pub client_ip: Scalar<'a> = "ClientIP",
        pub client_src_port: Scalar<'a> = "ClientSrcPort",
        pub client_country: Scalar<'a> = "ClientCountry",
        pub client_city: Scalar<'a> = "ClientCity",
        pub client_region: Scalar<'a> = "ClientRegionCode",
        pub client_asn: Scalar<'a> = "ClientASN",
        pub client_asn_description: Scalar<'a> = "ClientASNDescription",
        pub client_ip_class: Scalar<'a> = "ClientIPClass",

        pub host: Scalar<'a> = "ClientRequestHost",
        pub method: Scalar<'a> = "ClientRequestMethod",
        pub path: Scalar<'a> = "ClientRequestPath",
        pub query: Scalar<'a> = "ClientRequestQuery",
        pub uri: Scalar<'a> = "ClientRequestURI",
        pub scheme: Scalar<'a> = "ClientRequestScheme",
        pub protocol: Scalar<'a> = "ClientRequestProtocol",
        pub user_agent: Scalar<'a> = "ClientRequestUserAgent",
        pub referer: Scalar<'a> = "ClientRequestReferer",
        pub request_bytes: Scalar<'a> = "ClientRequestBytes",
        pub referer_host: Scalar<'a> = "ClientRefererHost",
        pub referer_path: Scalar<'a> = "ClientRefererPath",
        pub referer_query: Scalar<'a> = "ClientRefererQuery",
        pub referer_scheme: Scalar<'a> = "ClientRefererScheme",

        pub edge_status: Scalar<'a> = "EdgeResponseStatus",
        pub edge_bytes: Scalar<'a> = "EdgeResponseBytes",
        pub edge_content_type: Scalar<'a> = "EdgeResponseContentType",
        pub edge_server_ip: Scalar<'a> = "EdgeServerIP",
        pub edge_colo_code: Scalar<'a> = "EdgeColoCode",
        pub zone_name: Scalar<'a> = "ZoneName",

        pub ssl_protocol: Scalar<'a> = "ClientSSLProtocol",
        pub ssl_cipher: Scalar<'a> = "ClientSSLCipher",
        pub ja3_hash: Scalar<'a> = "JA3Hash",

        pub ray_id: Scalar<'a> = "RayID",
        pub originator_ray_id: Scalar<'a> = "OriginatorRayID",

        pub action: Scalar<'a> = "Action",
        pub security_action: Scalar<'a> = "SecurityAction",
        pub waf_action: Scalar<'a> = "WAFAction",
        pub security_actions: List<Scalar<'a>> = "SecurityActions",
        pub firewall_matches_actions: List<Scalar<'a>> = "FirewallMatchesActions",
        pub rule_id: Scalar<'a> = "RuleID",
        pub security_rule_id: Scalar<'a> = "SecurityRuleID",
        pub waf_rule_id: Scalar<'a> = "WAFRuleID",
        pub security_rule_ids: List<Scalar<'a>> = "SecurityRuleIDs",
        pub firewall_matches_rule_ids: List<Scalar<'a>> = "FirewallMatchesRuleIDs",
        pub description: Scalar<'a> = "Description",
        pub security_rule_description: Scalar<'a> = "SecurityRuleDescription",
        pub waf_rule_message: Scalar<'a> = "WAFRuleMessage",
        pub source: Scalar<'a> = "Source",
        pub security_sources: List<Scalar<'a>> = "SecuritySources",
        pub firewall_matches_sources: List<Scalar<'a>> = "FirewallMatchesSources",
        pub kind: Scalar<'a> = "Kind",
        pub match_index: Scalar<'a> = "MatchIndex",
        pub metadata: Option<&'a RawValue> = "Metadata",

        pub waf_attack_score: Scalar<'a> = "WAFAttackScore",
        pub waf_sqli_attack_score: Scalar<'a> = "WAFSQLiAttackScore",
        pub waf_xss_attack_score: Scalar<'a> = "WAFXSSAttackScore",
        pub waf_rce_attack_score: Scalar<'a> = "WAFRCEAttackScore",
        pub bot_score: Scalar<'a> = "BotScore",
        pub bot_score_src: Scalar<'a> = "BotScoreSrc",

        // The destination validation file: `{"content":"tests"}`.
        pub content: Scalar<'a> = "content",
    }
}
