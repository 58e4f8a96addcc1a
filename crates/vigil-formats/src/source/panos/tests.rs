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

const TRAFFIC_END: &str = "Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,2049,2018/11/30 16:09:07,192.168.15.207,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,apple-maps,vsys1,trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,2018/11/30 16:09:07,22751,1,55113,443,16418,443,0x400053,tcp,allow,7734,1758,5976,36,2018/11/30 15:59:04,586,computer-and-internet-info,0,32091112,0x0,192.168.0.0-192.168.255.255,United States,0,16,20,tcp-fin,0,0,0,0,,PA-220,from-policy,,,0,,0,,N/A,0,0,0,0";

const THREAT_URL: &str = "Nov 30 16:44:36 PA-220 1,2018/11/30 16:44:36,012801096514,THREAT,url,2049,2018/11/30 16:44:36,192.168.15.224,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,2018/11/30 16:44:36,28191,1,52984,443,37679,443,0x403000,tcp,block-url,\"consent.cmp.oath.com/\",(9999),business-and-economy,informational,client-to-server,7726,0x2000000000000000,192.168.0.0-192.168.255.255,United States,0,,0,,,0,,,,,,,,0,0,0,0,0,,PA-220,,,,,0,,0,,N/A,unknown,AppThreat-0-0,0x0,0,4294967295,";

const THREAT_VULN: &str = "<14>Aug 22 11:21:04 hq-lx-net-7.dart.org 1,2018/08/22 11:21:04,013201001141,THREAT,vulnerability,0,2018/08/22 11:21:02,10.0.190.116,10.0.2.225,0.0.0.0,0.0.0.0,DMZ-to-LAN_hq-direct-access,dart\\abluitt,dart\\kmendoza_admin,msrpc,vsys1,DMZ-2_L3,LAN_L3,ethernet1/3,ethernet1/6,Panorama,2018/08/22 11:21:02,398906,1,26475,135,0,0,0x2000,tcp,alert,\"\",Microsoft RPC Endpoint Mapper Detection(30845),any,informational,client-to-server,6585310726021616818,0x8000000000000000,10.0.0.0-10.255.255.255,10.0.0.0-10.255.255.255,0,,0,,,0,,,,,,,,0,346,12,0,0,,pa5220-hq-mdf-1,,,,,0,,0,,N/A,info-leak,AppThreat-8054-4933,0x0";

const THREAT_WILDFIRE: &str = "<14>Aug 22 11:21:04 hq-lx-net-7.dart.org 1,2018/08/22 11:21:04,013201001141,THREAT,wildfire,0,2018/08/22 11:20:55,23.43.62.88,10.4.25.93,23.43.62.88,198.51.223.40,LAN-to-WAN-Known-User,,dart\\dhoftender,web-browsing,vsys1,WAN_L3,LAN_L3,ethernet1/1,ethernet1/6,Panorama,2018/08/22 11:20:55,895841,1,80,50844,80,35947,0x402000,tcp,allow,\"stream.x86.x-none.dat\",Windows Dynamic Link Library (DLL)(52019),benign,informational,server-to-client,6585310726021616809,0x8000000000000000,United States,10.0.0.0-10.255.255.255,0,,0,9e5c336d886db943e0e464efb1e375d2a29d4ba117255bc6aa9a7053b86577c0,wildfire.paloaltonetworks.com,50,,pe,,,,,,11069273395,346,12,0,0,,pa5220-hq-mdf-1,,,,,0,,0,,N/A,unknown,WildFire-0-0,0x0";

const SYSTEM_5424: &str = "<14>1 2018-09-19T11:50:35-05:00 Panorama-1 - - - - 1,2018/09/19 11:50:35,000710000506,SYSTEM,general,0,2018/09/19 11:50:35,,general,,0,0,general,informational,\"Deviating device: Prod--2, Serial: 453524335, Object: N/A, Metric: mp-cpu, Value: 34\",1163103,0x0,0,0,0,0,,Panorama-1";

const CONFIG: &str = "1,2020/05/26 04:11:09,007000000018919,CONFIG,0,0,2020/05/26 04:11:09,86.181.133.251,,multi-clone,aduncan@paloaltonetworks.com,Web,Succeeded,vsys  vsys1 profiles virus,,default-1  { decoder { http  { action default; } } } ,5481,0x8000000000000000,0,0,0,0,,uk1,0,";

const GP_CURRENT: &str = "1,2020/04/01 10:49:35,015351000040055,GLOBALPROTECT,0,2305,2020/04/01 10:49:35,vsys1,gateway-auth,login,LDAP,,corp\\jdoe,192.168.0.0-192.168.255.255,LAPTOP-1,203.0.113.7,0.0.0.0,10.9.0.12,0.0.0.0,2c2ec970-de09-444c-b84f-2c0be75e13cd,,5.1.0,Windows,\"Microsoft Windows 10 Pro, 64-bit\",1,,Authentication failed: Invalid username or password,\"\",failure,,0,,0,gp-portal,11,0x0";

const GP_91: &str = "1,2020/04/01 10:49:35,015351000040055,11,0x0,GLOBALPROTECT,0,2305,2020/04/01 10:49:35,vsys1,portal-prelogin,before-login,,,,192.168.0.0-192.168.255.255,,192.168.45.33,0.0.0.0,0.0.0.0,0.0.0.0,2c2ec970-de09-444c-b84f-2c0be75e13cd,,Browser,Windows,\"Microsoft Windows 7  Service Pack 1, 64-bit\",1,,,\"\",success,,0,,0,gp-portal";

const USERID: &str = "1,2021/01/20 08:55:02,012801190281,USERID,login,2304,2021/01/20 08:55:02,vsys1,172.16.100.1,graylog-user1,,0,1,2592000,0,0,vpn-client,globalprotect,1,0x0,0,0,0,0,,PA-220,1,,2021/01/20 08:55:02,1,0x0,graylog-user1";

const CORRELATION: &str = "1,2020/05/31 17:19:44,0007SE00209,CORRELATION,,,2020/05/31 17:19:44,10.154.8.125,pancademo\\david.mccoy,,compromised-host,medium,31,40,0,0,,uk1rama,,beacon-heuristics,6005,\"Host has made use of Internet Relay Chat (IRC), a protocol popular with command-and-control activity.\"";

const HIPMATCH: &str = "0,2020/03/18 04:03:19,,HIPMATCH,0,0,2020/03/18 04:02:55,user1@prismaissase.com,vsys1,DFWMACW12KG8WL,Mac,172.1.19.3,test-Object,1,object,0,0,28,0x8600000000000000,15,18,0,0,,GP cloud service,1,0.0.0.0,4c:32:75:9a:5f:ed,hostId,MAC Address,YYYY-MM-DDThh:ss:sssTZD";

const CEF_TRAFFIC: &str = "<14>Mar  1 10:00:00 fw1 CEF:0|Palo Alto Networks|PAN-OS|10.1.3|end|TRAFFIC|1|rt=Mar 01 2026 10:00:00 GMT deviceExternalId=012801096514 src=10.0.0.5 dst=198.51.100.7 sourceTranslatedAddress=203.0.113.9 destinationTranslatedAddress=198.51.100.7 cs1Label=Rule cs1=allow-web suser=corp\\alice duser= app=ssl cs3Label=Virtual System cs3=vsys1 cs4Label=Source Zone cs4=trust cs5Label=Destination Zone cs5=untrust deviceInboundInterface=ethernet1/2 deviceOutboundInterface=ethernet1/1 cs6Label=LogProfile cs6=default cn1Label=SessionID cn1=4242 cnt=1 spt=51515 dpt=443 sourceTranslatedPort=40000 destinationTranslatedPort=443 flexString1Label=Flags flexString1=0x400053 proto=tcp act=allow flexNumber1Label=Total bytes flexNumber1=3000 in=1000 out=2000 cn2Label=Packets cn2=20 PanOSPacketsReceived=12 PanOSPacketsSent=8 cn3Label=Elapsed time in seconds cn3=12 cs2Label=URL Category cs2=any externalId=777 reason=tcp-fin dvchost=PA-3220 cat=from-policy PanOSRuleUUID=30468339-a760-46b2-b80b-ee873e6d11e4";

#[test]
fn traffic_end_maps_to_network_activity() {
    let event = check(TRAFFIC_END);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.activity_id, ActivityId::CLOSE);
    assert_eq!(iso(event.time), "2018-11-30T16:09:07.000Z");
    assert_eq!(
        event.metadata.original_time.as_deref(),
        Some("2018/11/30 16:09:07")
    );
    let src = event.src_endpoint.as_ref().unwrap();
    assert_eq!(src.ip.as_deref(), Some("192.168.15.207"));
    assert_eq!(src.port, Some(55113));
    assert_eq!(src.zone.as_deref(), Some("trust"));
    let nat = src.proxy_endpoint.as_ref().unwrap();
    assert_eq!(
        (nat.ip.as_deref(), nat.port),
        (Some("192.168.1.63"), Some(16418))
    );
    let traffic = event.traffic.unwrap();
    assert_eq!(
        (traffic.bytes_out, traffic.bytes_in),
        (Some(1758), Some(5976))
    );
    assert_eq!(
        (traffic.packets_out, traffic.packets_in),
        (Some(16), Some(20))
    );
    assert_eq!(event.duration, Some(586_000));
    assert_eq!(event.action_id, Some(ActionId::Allowed));
    assert_eq!(event.native.pair("natsport"), Some("16418"));
    assert_eq!(event.native.pair("session_end_reason"), Some("tcp-fin"));
    assert_eq!(event.native.pair("field_60"), None);
    assert_eq!(
        event.device.as_ref().unwrap().hostname.as_deref(),
        Some("PA-220")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn traffic_subtypes_give_activities_and_empty_subtype_is_kept() {
    for (subtype, activity) in [
        ("start", ActivityId::OPEN),
        ("drop", ActivityId::REFUSE),
        ("deny", ActivityId::REFUSE),
        ("", ActivityId::TRAFFIC),
        ("test", ActivityId::TRAFFIC),
    ] {
        let line = TRAFFIC_END.replace("TRAFFIC,end,", &format!("TRAFFIC,{subtype},"));
        let event = check(&line);
        assert_eq!(event.activity_id, activity, "{subtype}");
        assert_eq!(
            event.metadata.event_code.as_deref(),
            non_empty(subtype).as_deref()
        );
    }
}

#[test]
fn deny_and_reset_actions() {
    let line = TRAFFIC_END.replace(",tcp,allow,", ",tcp,reset-both,");
    let event = check(&line);
    assert_eq!(event.action_id, Some(ActionId::Denied));
    assert_eq!(event.disposition_id, Some(DispositionId::RESET));
    let event = check(&TRAFFIC_END.replace(",tcp,allow,", ",tcp,drop,"));
    assert_eq!(event.disposition_id, Some(DispositionId::DROPPED));
}

#[test]
fn threat_url_maps_to_http_activity() {
    let event = check(THREAT_URL);
    assert_eq!(event.class_uid, ClassUid::HttpActivity);
    let url = event.http_request.as_ref().unwrap().url.as_ref().unwrap();
    assert_eq!(url.hostname.as_deref(), Some("consent.cmp.oath.com"));
    assert_eq!(url.categories, vec!["business-and-economy"]);
    assert_eq!(event.disposition_id, Some(DispositionId::BLOCKED));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn threat_vulnerability_maps_to_detection_finding() {
    let event = check(THREAT_VULN);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    let info = event.finding_info.as_ref().unwrap();
    assert_eq!(info.title, "Microsoft RPC Endpoint Mapper Detection");
    assert_eq!(info.uid, "30845");
    assert_eq!(event.severity_id, SeverityId::Informational);
    assert_eq!(event.disposition_id, Some(DispositionId::ALERT));
    // The header time is 11:21:04; time_generated (11:21:02) wins.
    assert_eq!(iso(event.time), "2018-08-22T11:21:02.000Z");
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn threat_wildfire_carries_the_file_and_its_digest() {
    let event = check(THREAT_WILDFIRE);
    let evidence = event.evidences.first().unwrap();
    let file = evidence.file.as_ref().unwrap();
    assert_eq!(file.name.as_deref(), Some("stream.x86.x-none.dat"));
    assert_eq!(
        file.hashes.first().unwrap().algorithm.as_deref(),
        Some("SHA-256")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn short_threat_line_without_hostname() {
    // RFC 3164 with no hostname and a double-space day; the line stops at field 40.
    let line = "<14>Apr  8 01:47:32 1,2012/04/08 01:47:32,001606001116,THREAT,file,1,2012/04/08 01:47:27,217.31.49.10,192.168.0.2,0.0.0.0,0.0.0.0,rule1,,tng\\crusher,web-browsing,vsys1,untrust,trust,ethernet1/2,ethernet1/1,forwardAll,2012/04/08 01:47:32,1628,1,80,51060,0,0,0x200000,tcp,block-continue,\"imer.up\",Windows Executable (EXE)(52020),any,low,server-to-client,0,0x0,Czech Republic,192.168.0.0-192.168.255.255,0,";
    let event = check(line);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    assert_eq!(
        event.finding_info.as_ref().unwrap().title,
        "Windows Executable (EXE)"
    );
    assert_eq!(event.severity_id, SeverityId::Low);
    assert_eq!(event.device.as_ref().unwrap().hostname, None);
    assert_eq!(
        event.device.as_ref().unwrap().uid.as_deref(),
        Some("001606001116")
    );
}

#[test]
fn system_over_rfc5424_is_a_base_event_with_its_description() {
    let event = check(SYSTEM_5424);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.activity_name.as_deref(), Some("general"));
    assert!(event
        .message
        .as_deref()
        .unwrap()
        .starts_with("Deviating device: Prod--2, Serial"));
    assert_eq!(
        event.device.as_ref().unwrap().hostname.as_deref(),
        Some("Panorama-1")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn system_description_with_embedded_newline() {
    let line = SYSTEM_5424.replace("Object: N/A, ", "Object: N/A,\n");
    let event = check(&line);
    assert!(event.message.as_deref().unwrap().contains("N/A,\nMetric"));
    assert_eq!(event.native.pair("seqno"), Some("1163103"));
}

#[test]
fn config_maps_to_entity_management() {
    let event = check(CONFIG);
    assert_eq!(event.class_uid, ClassUid::EntityManagement);
    assert_eq!(event.activity_id, ActivityId::CREATE);
    assert_eq!(event.status_id, Some(StatusId::Success));
    let admin = event.actor.as_ref().unwrap().user.as_ref().unwrap();
    assert_eq!(admin.name.as_deref(), Some("aduncan@paloaltonetworks.com"));
    assert_eq!(
        event.entity.as_ref().unwrap().name.as_deref(),
        Some("vsys  vsys1 profiles virus")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn globalprotect_current_layout_with_user_is_authentication() {
    let event = check(GP_CURRENT);
    assert_eq!(event.class_uid, ClassUid::Authentication);
    assert_eq!(event.activity_id, ActivityId::LOGON);
    assert_eq!(event.status_id, Some(StatusId::Failure));
    assert_eq!(
        event.user.as_ref().unwrap().name.as_deref(),
        Some("corp\\jdoe")
    );
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(event.native.pair("seqno"), Some("11"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn globalprotect_91_layout_without_user_is_kept_as_base() {
    let event = check(GP_91);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.activity_name.as_deref(), Some("portal-prelogin"));
    assert_eq!(event.metadata.log_name.as_deref(), Some("GLOBALPROTECT"));
    assert_eq!(event.native.pair("type"), Some("GLOBALPROTECT"));
    assert_eq!(event.native.pair("seqno"), Some("11"));
    assert_eq!(event.native.pair("status"), Some("success"));
    assert_eq!(event.native.pair("portal"), Some("gp-portal"));
    // With a user, the same layout is an authentication.
    let with_user = GP_91.replace("before-login,,,,", "before-login,,,corp\\bob,");
    let event = check(&with_user);
    assert_eq!(event.class_uid, ClassUid::Authentication);
    assert_eq!(event.status_id, Some(StatusId::Success));
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("192.168.45.33")
    );
}

#[test]
fn userid_login_is_authentication() {
    let event = check(USERID);
    assert_eq!(event.class_uid, ClassUid::Authentication);
    assert_eq!(event.activity_id, ActivityId::LOGON);
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("172.16.100.1")
    );
    assert_eq!(
        event.device.as_ref().unwrap().hostname.as_deref(),
        Some("PA-220")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn correlation_is_a_detection_finding() {
    let event = check(CORRELATION);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    assert_eq!(event.severity_id, SeverityId::Medium);
    assert_eq!(
        event.finding_info.as_ref().unwrap().title,
        "beacon-heuristics"
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn hipmatch_and_unknown_types_are_base_events() {
    let event = check(HIPMATCH);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.activity_name.as_deref(), Some("HIPMATCH"));
    assert_eq!(event.native.pair("machinename"), Some("DFWMACW12KG8WL"));
    assert_eq!(
        event.native.pair("field_30"),
        Some("YYYY-MM-DDThh:ss:sssTZD")
    );
    insta::assert_json_snapshot!(event.to_json());
    let event = check("1,2024/01/02 03:04:05,0011,IPTAG,register,1,2024/01/02 03:04:05,x,y");
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.activity_name.as_deref(), Some("register"));
    assert_eq!(event.native.pair("field_8"), Some("y"));
    let event = check(&THREAT_VULN.replace("THREAT,vulnerability,", "THREAT,,"));
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.activity_name.as_deref(), Some("THREAT"));
}

#[test]
fn bogus_dates_fall_back_to_another_time() {
    // Anonymized: every date invalid except receive_time.
    let line = "Apr 30 06:00:00 xx-xx-xx.xx 1,2020/02/09 00:00:00,00000000,SYSTEM,general,0,2020/00/00 00:00:00,,general,,0,0,general,high,\"xxxxxxxxxxxxxxx\",0000000,0x0,0,0,0,0,,XXX-XX-XX";
    let event = check(line);
    assert_eq!(iso(event.time), "2020-02-09T00:00:00.000Z");
    assert_eq!(event.severity_id, SeverityId::High);
    // Every date invalid: the header, else the reference time; the text is kept.
    let line = "May 00 00:00:00 XXX-XX-00 1,2020/00/00 00:00:00,00000000,TRAFFIC,start,0000,2020/06/00 00:00:00,00.00.000.00,00.00.00.0,0.0.0.0,0.0.0.0,xxx-xxx_xxxx,,,xxx,xxxxx,xxxx,xxxx,xxxx.0,xxx.000,xxxxxxxx,2020/00/00 00:00:00,0000,1,0000,000,0,0,0x0,xxx,xxxx,000,000,00,0,2020/00/00 00:00:00,1,any,0";
    let event = check(line);
    assert_eq!(event.time, REFERENCE_MS);
    assert_eq!(
        event.metadata.original_time.as_deref(),
        Some("2020/06/00 00:00:00")
    );
}

#[test]
fn pan_os_cef_traffic() {
    let event = check(CEF_TRAFFIC);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.activity_id, ActivityId::CLOSE);
    assert_eq!(iso(event.time), "2026-03-01T10:00:00.000Z");
    assert_eq!(event.metadata.product.version.as_deref(), Some("10.1.3"));
    assert_eq!(
        event.firewall_rule.as_ref().unwrap().name.as_deref(),
        Some("allow-web")
    );
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().zone.as_deref(),
        Some("trust")
    );
    let traffic = event.traffic.unwrap();
    assert_eq!(
        (traffic.bytes_out, traffic.bytes_in),
        (Some(1000), Some(2000))
    );
    assert_eq!(event.native.pair("sessionid"), Some("4242"));
    assert_eq!(event.native.pair("action_source"), Some("from-policy"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn pan_os_cef_threat_with_swapped_header() {
    let line = "CEF:0|Palo Alto Networks|PAN-OS|11.1|THREAT|virus|8|rt=Jul 03 2026 14:23:07 src=192.0.2.61 dst=203.0.113.12 spt=51002 dpt=80 suser=akaya app=web-browsing act=reset-both request=eicar.com cat=Eicar File Detected(39040)";
    let event = check(line);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    assert_eq!(event.severity_id, SeverityId::High);
    assert_eq!(event.finding_info.as_ref().unwrap().uid, "39040");
    assert_eq!(event.disposition_id, Some(DispositionId::RESET));
}

#[test]
fn not_pan_os_is_rejected() {
    for line in [
        "",
        "hello world",
        "<14>Jan  1 00:00:00 host sshd[1]: Accepted password for root",
        "date=2020-04-23 time=12:17:45 devname=\"x\"",
        "1,2020/01/01 00:00:00,serial",
        "CEF:0|Fortinet|Fortigate|7.0|13|traffic|3|src=1.2.3.4",
    ] {
        let out = run(line);
        assert!(out.events.is_empty(), "{line:?}");
        assert_eq!(out.rejections.len(), 1, "{line:?}");
        assert_eq!(out.rejections[0].reason, "not_panos");
    }
}

fn samples_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/samples/panos"
    ));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        println!("skipped: shared samples not found at {}", dir.display());
        None
    }
}

#[test]
fn every_real_sample_normalizes() {
    let Some(dir) = samples_dir() else { return };
    let mut lines: Vec<(String, String)> = Vec::new();
    for name in [
        "elastic-panw-panos-threat-url-subset.log",
        "elastic-panw-panos-traffic-subset.log",
        "graylog-paloalto-syslog.log",
        "wazuh-ruleset-paloalto-anonymized.log",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        lines.extend(text.lines().map(|l| (name.to_owned(), l.to_owned())));
    }
    let wrapped =
        std::fs::read_to_string(dir.join("graylog-paloalto-syslog-multiline.jsonl")).unwrap();
    for line in wrapped.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let message = value["message"].as_str().unwrap().to_owned();
        lines.push(("multiline".to_owned(), message));
    }
    assert!(lines.len() >= 49, "{}", lines.len());
    for (name, line) in &lines {
        let event = check(line);
        assert!(
            (946_684_800_000..4_102_444_800_000).contains(&event.time),
            "{name}: {line}"
        );
        assert!(matches!(event.native, Native::Pairs(_)), "{name}");
        assert_ne!(event.metadata.log_name, None, "{name}: {line}");
    }
}

proptest! {
    #[test]
    fn never_panics_on_any_text(s in ".{0,300}") {
        let _ = run(&s);
    }

    #[test]
    fn never_panics_on_mangled_pan_lines(cut in 0usize..700, junk in "[,\"\n a-z0-9/:()]{0,40}") {
        for base in [TRAFFIC_END, THREAT_URL, GP_91, CONFIG, CEF_TRAFFIC] {
            let mut line: String = base.chars().take(cut).collect();
            line.push_str(&junk);
            let out = run(&line);
            prop_assert_eq!(out.events.len() + out.rejections.len(), 1);
        }
    }
}
