//! PAN-OS log types to OCSF classes (log-formats reference, section 3.4).
//!
//! TRAFFIC and the other session logs → Network Activity; THREAT `url` → HTTP Activity; the
//! other THREAT subtypes and CORRELATION → Detection Finding; SYSTEM → Base; CONFIG → Entity
//! Management; GLOBALPROTECT, USERID and AUTHENTICATION → Authentication when they name a user.
//! Anything else (an unknown type, a THREAT subtype this code does not know) is still an event:
//! a Base event whose `activity_name` says what it was.

use vigil_model::{
    ActivityId, Actor, ClassUid, Endpoint, Entity, Event, Evidence, FindingInfo, HttpRequest,
    SeverityId, Str, Traffic, User,
};

use super::fields::{
    authentication, config, correlation, globalprotect, hipmatch, session, system, threat, traffic,
    userid,
};
use super::parts::{
    endpoints, file, fill_session, firewall_rule, http_activity, ip, number, parse_url,
    push_categories, set_action, set_rule_uid, severity, status, threat_name_id, threat_severity,
    user,
};
use super::{non_empty, parse_time, Log};

/// Maps `log` onto `event` by log type (class, activity, severity and class attributes).
pub(super) fn map(log: &Log<'_>, event: &mut Event) {
    match log.log_type() {
        "TRAFFIC" => map_traffic(log, event),
        "THREAT" => map_threat(log, event),
        "SYSTEM" => map_system(log, event),
        "CONFIG" => map_config(log, event),
        "GLOBALPROTECT" => map_globalprotect(log, event),
        "USERID" => map_userid(log, event),
        "AUTHENTICATION" => map_authentication(log, event),
        "CORRELATION" => map_correlation(log, event),
        "DECRYPTION" | "TUNNEL" | "GTP" | "SCTP" => {
            event.class_uid = ClassUid::NetworkActivity;
            event.activity_id = ActivityId::TRAFFIC;
            event.severity_id = SeverityId::Informational;
            fill_session(log, event, None);
        }
        _ => map_base(log, event),
    }
}

/// The `device_name` field of the log type, or `""` when the type has none.
pub(super) fn device_name<'a>(log: &'a Log<'_>) -> &'a str {
    let at = match log.log_type() {
        "TRAFFIC" => traffic::DEVICE_NAME,
        "THREAT" => threat::DEVICE_NAME,
        "SYSTEM" => system::DEVICE_NAME,
        "CONFIG" => config::DEVICE_NAME,
        "USERID" => userid::DEVICE_NAME,
        "AUTHENTICATION" => authentication::DEVICE_NAME,
        "CORRELATION" => correlation::DEVICE_NAME,
        "HIPMATCH" => hipmatch::DEVICE_NAME,
        _ => return "",
    };
    log.get(at)
}

/// A Base event that says what it was: the subtype, or the log type when the subtype is empty
/// or PAN-OS's placeholder `0`.
fn map_base(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::Base;
    event.activity_id = ActivityId::OTHER;
    let subtype = log.subtype();
    let name = if subtype.is_empty() || subtype == "0" {
        log.log_type()
    } else {
        subtype
    };
    event.activity_name = Some(name.into());
    event.severity_id = SeverityId::Informational;
}

fn map_traffic(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::NetworkActivity;
    event.activity_id = match log.subtype() {
        "start" => ActivityId::OPEN,
        "end" => ActivityId::CLOSE,
        "drop" | "deny" => ActivityId::REFUSE,
        _ => ActivityId::TRAFFIC,
    };
    event.severity_id = SeverityId::Informational;
    fill_session(log, event, Some((traffic::SRCLOC, traffic::DSTLOC)));
    let counts = Traffic {
        bytes_out: number(log.get(traffic::BYTES_SENT)),
        bytes_in: number(log.get(traffic::BYTES_RECEIVED)),
        packets_out: number(log.get(traffic::PKTS_SENT)),
        packets_in: number(log.get(traffic::PKTS_RECEIVED)),
        bytes: number(log.get(traffic::BYTES)),
        packets: number(log.get(traffic::PACKETS)),
    }
    .with_totals();
    if counts != Traffic::default() {
        event.traffic = Some(counts);
    }
    event.duration = number(log.get(traffic::ELAPSED))
        .and_then(|secs| i64::try_from(secs.saturating_mul(1000)).ok());
    event.start_time = parse_time(log.get(traffic::START));
    set_rule_uid(event, log.get(traffic::RULE_UUID));
}

fn map_threat(log: &Log<'_>, event: &mut Event) {
    match log.subtype() {
        "url" => map_url(log, event),
        "virus" | "spyware" | "vulnerability" | "wildfire" | "wildfire-virus" | "ml-virus"
        | "file" | "scan" | "flood" | "data" | "packet" => map_threat_finding(log, event),
        _ => {
            map_base(log, event);
            let (name, _) = threat_name_id(log.get(threat::THREATID));
            event.message = non_empty(name);
        }
    }
}

/// THREAT `url`: the URL filtering verdict on one request.
fn map_url(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::HttpActivity;
    let method = log.get(threat::HTTP_METHOD);
    event.activity_id = http_activity(method);
    event.severity_id = threat_severity(log);
    fill_session(log, event, Some((threat::SRCLOC, threat::DSTLOC)));
    let mut url = parse_url(log.get(threat::MISC));
    push_categories(&mut url.categories, log.get(threat::CATEGORY));
    push_categories(&mut url.categories, log.get(threat::URL_CATEGORY_LIST));
    let xff = log.get(threat::XFF);
    event.http_request = Some(Box::new(HttpRequest {
        http_method: non_empty(method)
            .filter(|m| m != "unknown")
            .map(|m| m.to_ascii_uppercase()),
        url: Some(url),
        user_agent: non_empty(log.get(threat::USER_AGENT)),
        referrer: non_empty(log.get(threat::REFERER)),
        x_forwarded_for: non_empty(xff).into_iter().collect(),
        ..HttpRequest::default()
    }));
    set_rule_uid(event, log.get(threat::RULE_UUID));
}

/// A THREAT log of a detection subtype: one finding, its evidence the session and the file or
/// URL it was found in.
fn map_threat_finding(log: &Log<'_>, event: &mut Event) {
    let subtype = log.subtype();
    event.class_uid = ClassUid::DetectionFinding;
    event.activity_id = ActivityId::FINDING_CREATE;
    event.severity_id = threat_severity(log);
    let threatid = log.get(threat::THREATID);
    let (name, id) = threat_name_id(threatid);
    let misc = log.get(threat::MISC);
    let title = [name, misc, threatid, subtype]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("threat");
    let mut types = vec![Str::from(subtype)];
    let category = log.get(threat::THR_CATEGORY);
    if !category.is_empty() && category != "unknown" && category != subtype {
        types.push(category.into());
    }
    // WildFire logs carry the verdict (benign, grayware, malware, phishing) as the category.
    let verdict = log.get(threat::CATEGORY);
    let wildfire = subtype.starts_with("wildfire");
    if wildfire && !verdict.is_empty() {
        types.push(verdict.into());
    }
    event.finding_info = Some(Box::new(FindingInfo {
        uid: id.into(),
        title: title.into(),
        types,
        ..FindingInfo::default()
    }));
    event.message = Some(title.into());
    let (src, dst) = endpoints(log, Some((threat::SRCLOC, threat::DSTLOC)));
    let mut evidence = Evidence {
        src_endpoint: Some(src),
        dst_endpoint: Some(dst),
        ..Evidence::default()
    };
    let file_kind = matches!(
        subtype,
        "virus" | "wildfire" | "wildfire-virus" | "ml-virus" | "file" | "data"
    );
    if file_kind || (!misc.is_empty() && !misc.contains('/')) {
        evidence.file = file(misc, log.get(threat::FILETYPE), log.get(threat::FILEDIGEST));
    } else if !misc.is_empty() {
        evidence.url = Some(parse_url(misc));
    }
    event.evidences.push(evidence);
    event.is_alert = Some(!(wildfire && verdict == "benign"));
    set_action(event, log.get(session::ACTION));
    event.firewall_rule = firewall_rule(log.get(session::RULE), log.get(threat::RULE_UUID));
}

fn map_system(log: &Log<'_>, event: &mut Event) {
    map_base(log, event);
    event.severity_id = severity(log.get(system::SEVERITY)).unwrap_or(SeverityId::Informational);
    event.message = non_empty(log.get(system::OPAQUE));
}

fn map_config(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::EntityManagement;
    event.severity_id = SeverityId::Informational;
    let cmd = log.get(config::CMD);
    event.activity_id = match cmd {
        "add" | "create" | "clone" | "multi-clone" => ActivityId::CREATE,
        "set" | "edit" | "rename" | "move" | "override" => ActivityId::UPDATE,
        "delete" | "multi-delete" => ActivityId::DELETE,
        "show" | "get" => ActivityId::READ,
        _ => ActivityId::OTHER,
    };
    if event.activity_id == ActivityId::OTHER {
        event.activity_name = Some(if cmd.is_empty() { "config" } else { cmd }.into());
    }
    event.status_id = status(log.get(config::RESULT));
    let admin = log.get(config::ADMIN);
    let client = log.get(config::CLIENT);
    if !admin.is_empty() || !client.is_empty() {
        event.actor = Some(Box::new(Actor {
            user: user(admin),
            app_name: non_empty(client),
            ..Actor::default()
        }));
    }
    if let Some(host) = non_empty(log.get(config::HOST)) {
        event.src_mut().ip = Some(host);
    }
    let path = log.get(config::PATH);
    let name = [path, cmd]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("configuration");
    let mut data = serde_json::Map::new();
    for (key, at) in [("before", config::BEFORE), ("after", config::AFTER)] {
        let value = log.get(at);
        if !value.is_empty() {
            data.insert(key.into(), serde_json::Value::String(value.into()));
        }
    }
    event.entity = Some(Box::new(Entity {
        name: Some(name.into()),
        data: (!data.is_empty()).then_some(serde_json::Value::Object(data)),
        ..Entity::default()
    }));
}

fn map_globalprotect(log: &Log<'_>, event: &mut Event) {
    let Some(subject) = user(log.get(globalprotect::SRCUSER)) else {
        map_base(log, event);
        event.activity_name =
            non_empty(log.get(globalprotect::EVENTID)).or(event.activity_name.take());
        return;
    };
    let eventid = log.get(globalprotect::EVENTID);
    auth_event(event, subject, eventid);
    event.status_id = status(log.get(globalprotect::STATUS));
    let detail = [globalprotect::ERROR, globalprotect::REASON]
        .into_iter()
        .map(|at| log.get(at))
        .find(|s| !s.is_empty());
    event.status_detail = detail.map(Str::from);
    event.message = non_empty(log.get(globalprotect::OPAQUE));
    let src = event.src_mut();
    src.ip =
        ip(log.get(globalprotect::PUBLIC_IP)).or_else(|| ip(log.get(globalprotect::PRIVATE_IP)));
    src.hostname = non_empty(log.get(globalprotect::MACHINENAME));
}

fn map_userid(log: &Log<'_>, event: &mut Event) {
    let Some(subject) = user(log.get(userid::USER)) else {
        return map_base(log, event);
    };
    auth_event(event, subject, log.subtype());
    event.src_mut().ip = ip(log.get(userid::IP));
}

fn map_authentication(log: &Log<'_>, event: &mut Event) {
    let Some(subject) = user(log.get(authentication::USER)) else {
        return map_base(log, event);
    };
    let outcome = log.get(authentication::EVENT);
    auth_event(event, subject, "login");
    event.status_id = status(outcome);
    event.status_code = non_empty(outcome);
    event.message = non_empty(log.get(authentication::DESC));
    event.src_mut().ip = ip(log.get(authentication::IP));
}

fn map_correlation(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::DetectionFinding;
    event.activity_id = ActivityId::FINDING_CREATE;
    event.severity_id = severity(log.get(correlation::SEVERITY)).unwrap_or(SeverityId::Unknown);
    let name = log.get(correlation::OBJECTNAME);
    let category = log.get(correlation::CATEGORY);
    let evidence = log.get(correlation::EVIDENCE);
    event.finding_info = Some(Box::new(FindingInfo {
        uid: log.get(correlation::OBJECT_ID).into(),
        title: [name, category, "correlation"]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .into(),
        desc: non_empty(evidence),
        types: non_empty(category).into_iter().collect(),
        ..FindingInfo::default()
    }));
    event.message = non_empty(evidence);
    event.is_alert = Some(true);
    event.evidences.push(Evidence {
        src_endpoint: Some(Endpoint {
            ip: ip(log.get(correlation::SRC)),
            ..Endpoint::default()
        }),
        data: non_empty(log.get(correlation::SRCUSER))
            .map(|u| serde_json::json!({ "srcuser": u.as_str() })),
        ..Evidence::default()
    });
}

/// Authentication of `subject`; `what` (an event id or subtype) gives Logon or Logoff.
fn auth_event(event: &mut Event, subject: User, what: &str) {
    event.class_uid = ClassUid::Authentication;
    event.severity_id = SeverityId::Informational;
    event.activity_id = if what.contains("logout") || what.contains("logoff") {
        ActivityId::LOGOFF
    } else if [
        "login",
        "logon",
        "auth",
        "connected",
        "prelogin",
        "register",
    ]
    .iter()
    .any(|w| what.contains(w))
    {
        ActivityId::LOGON
    } else {
        ActivityId::OTHER
    };
    if event.activity_id == ActivityId::OTHER {
        event.activity_name = Some(
            if what.is_empty() {
                "authentication"
            } else {
                what
            }
            .into(),
        );
    }
    event.user = Some(Box::new(subject));
}
