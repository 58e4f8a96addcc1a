//! FortiGate log types to OCSF classes (log-formats reference, sections 3.2 and 3.4).
//!
//! `traffic` → Network Activity; `utm` webfilter and dns → HTTP Activity, the other UTM
//! subtypes (ips, anomaly, virus, app-ctrl, dlp, ssh, ssl, waf…) → Detection Finding; `event`
//! admin logins and VPN/user authentications → Authentication, configuration changes
//! (`cfgpath`) → Entity Management, anything else → Base with `activity_name` from `logdesc`.

use vigil_model::{
    ActivityId, ClassUid, Entity, Event, Evidence, FindingInfo, HttpRequest, Named, SeverityId,
    StatusId, Str, Url, User,
};

use super::fields::Fgt;
use super::non_empty;
use super::parts::{
    endpoints, file, fill_session, firewall_rule, http_activity, real_user, set_action,
    set_traffic, severity, ui_parts, web_url,
};

/// Maps `fgt` onto `event` by log type (class, activity and class attributes).
pub(super) fn map(fgt: &Fgt<'_>, event: &mut Event) {
    match fgt.log_type {
        "traffic" => map_traffic(fgt, event),
        "utm" => map_utm(fgt, fgt.subtype, event),
        // FortiOS 5.0 logged each UTM feature as its own type.
        "virus" | "webfilter" | "ips" | "anomaly" | "app-ctrl" | "dlp" | "emailfilter" | "dns"
        | "waf" | "ssh" | "ssl" | "voip" | "file-filter" | "icap" => {
            map_utm(fgt, fgt.log_type, event)
        }
        "event" => map_event(fgt, event),
        _ => map_base(fgt, event),
    }
}

fn map_traffic(fgt: &Fgt<'_>, event: &mut Event) {
    event.class_uid = ClassUid::NetworkActivity;
    event.activity_id = match fgt.action {
        "start" => ActivityId::OPEN,
        "close" | "timeout" => ActivityId::CLOSE,
        "server-rst" | "client-rst" => ActivityId::RESET,
        "deny" | "block" | "blocked" => ActivityId::REFUSE,
        "ip-conn" => ActivityId::FAIL,
        _ => ActivityId::TRAFFIC,
    };
    fill_session(fgt, event);
    set_traffic(fgt, event);
    event.duration = fgt
        .duration
        .parse::<i64>()
        .ok()
        .map(|secs| secs.saturating_mul(1000));
}

fn map_utm(fgt: &Fgt<'_>, kind: &str, event: &mut Event) {
    match kind {
        "webfilter" | "dns" => map_web(fgt, kind, event),
        _ => map_finding(fgt, kind, event),
    }
}

/// Web filtering and DNS filtering verdicts: one request each.
fn map_web(fgt: &Fgt<'_>, kind: &str, event: &mut Event) {
    event.class_uid = ClassUid::HttpActivity;
    event.activity_id = http_activity(fgt.httpmethod);
    fill_session(fgt, event);
    set_traffic(fgt, event);
    let mut url = if kind == "dns" {
        Url {
            url_string: non_empty(fgt.qname),
            hostname: non_empty(fgt.qname),
            ..Url::default()
        }
    } else {
        web_url(fgt)
    };
    if let Some(category) = non_empty(fgt.catdesc) {
        url.categories.push(category);
    }
    event.http_request = Some(Box::new(HttpRequest {
        http_method: non_empty(fgt.httpmethod).map(|m| m.to_ascii_uppercase()),
        url: Some(url),
        user_agent: non_empty(fgt.agent),
        referrer: non_empty(fgt.referralurl),
        x_forwarded_for: non_empty(fgt.forwardedfor).into_iter().collect(),
        ..HttpRequest::default()
    }));
    event.message = non_empty(fgt.msg);
}

/// A UTM detection (IPS signature, anomaly, virus, application control, DLP, SSL/SSH
/// inspection…): one finding, its evidence the session and the URL or file it was found in.
fn map_finding(fgt: &Fgt<'_>, kind: &str, event: &mut Event) {
    event.class_uid = ClassUid::DetectionFinding;
    event.activity_id = ActivityId::FINDING_CREATE;
    event.severity_id = severity(fgt.severity).unwrap_or(SeverityId::Unknown);
    let named = match kind {
        "ips" | "anomaly" => fgt.attack,
        "virus" => fgt.virus,
        "app-ctrl" => fgt.app,
        _ => "",
    };
    let title = [
        named,
        fgt.attack,
        fgt.virus,
        fgt.msg,
        fgt.logdesc,
        fgt.eventtype,
        kind,
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("utm");
    let uid = [fgt.attackid, fgt.virusid, fgt.incidentserialno, fgt.logid]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let mut types = vec![Str::from(kind)];
    if !fgt.eventtype.is_empty() && fgt.eventtype != kind {
        types.push(fgt.eventtype.into());
    }
    event.finding_info = Some(Box::new(FindingInfo {
        uid: uid.into(),
        title: title.into(),
        desc: non_empty(fgt.msg),
        types,
        src_url: non_empty(fgt.reference),
        ..FindingInfo::default()
    }));
    event.message = Some(non_empty(fgt.msg).unwrap_or_else(|| title.into()));
    let (src, dst) = endpoints(fgt);
    let has_url = !fgt.url.is_empty() || !fgt.hostname.is_empty();
    event.evidences.push(Evidence {
        src_endpoint: Some(src),
        dst_endpoint: Some(dst),
        url: has_url.then(|| web_url(fgt)),
        file: file(fgt),
        ..Evidence::default()
    });
    event.is_alert = Some(true);
    set_action(event, fgt.action);
    event.firewall_rule = firewall_rule(fgt);
}

fn map_event(fgt: &Fgt<'_>, event: &mut Event) {
    let admin_login = matches!(fgt.logid, "0100032001" | "0100032002" | "0100032003")
        || (fgt.subtype == "system" && matches!(fgt.action, "login" | "logout"));
    if admin_login {
        if let Some(user) = real_user(fgt.user) {
            return map_admin_login(fgt, user, event);
        }
    }
    if !fgt.cfgpath.is_empty() {
        return map_config(fgt, event);
    }
    let action = fgt.action.to_ascii_lowercase();
    let auth_word = ["login", "logon", "logout", "logoff", "auth"]
        .iter()
        .any(|w| action.contains(w));
    match fgt.subtype {
        "user" if auth_word => {
            if let Some(user) = real_user(fgt.user) {
                auth_event(fgt, user, &action, event);
                event.src_mut().ip = non_empty(fgt.srcip);
                return;
            }
        }
        "vpn" => {
            let vpn_user = [fgt.xauthuser, fgt.eapuser, fgt.user]
                .into_iter()
                .filter_map(real_user)
                .find(|u| u.parse::<std::net::IpAddr>().is_err());
            let vpn_login = auth_word
                || matches!(action.as_str(), "tunnel-up" | "tunnel-down")
                || (action == "negotiate" && vpn_user.is_some());
            if let (Some(user), true) = (vpn_user, vpn_login) {
                auth_event(fgt, user, &action, event);
                remote_logon(event);
                event.src_mut().ip = non_empty(fgt.remip).or_else(|| non_empty(fgt.srcip));
                if let Some(local) = non_empty(fgt.locip) {
                    event.dst_mut().ip = Some(local);
                }
                return;
            }
        }
        _ => {}
    }
    map_base(fgt, event);
}

/// An administrator logging in to (or out of) the firewall's GUI, SSH or console.
fn map_admin_login(fgt: &Fgt<'_>, name: &str, event: &mut Event) {
    let what = if fgt.logid == "0100032003" {
        "logout"
    } else {
        fgt.action
    };
    auth_event(fgt, name, what, event);
    if let Some(user) = event.user.as_deref_mut() {
        user.type_name = Some(Str::const_new("Admin"));
        user.type_id = Some(2);
    }
    remote_logon(event);
    let (_, ui_address) = ui_parts(fgt.ui);
    event.src_mut().ip = non_empty(fgt.srcip).or_else(|| non_empty(ui_address));
    if let Some(dst) = non_empty(fgt.dstip) {
        event.dst_mut().ip = Some(dst);
    }
}

/// A configuration change: `action=Add|Edit|Delete cfgpath=… cfgobj=… cfgattr=…`.
fn map_config(fgt: &Fgt<'_>, event: &mut Event) {
    event.class_uid = ClassUid::EntityManagement;
    event.activity_id = match fgt.action.to_ascii_lowercase().as_str() {
        "add" => ActivityId::CREATE,
        "edit" => ActivityId::UPDATE,
        "delete" => ActivityId::DELETE,
        _ => ActivityId::OTHER,
    };
    if event.activity_id == ActivityId::OTHER {
        event.activity_name = Some(non_empty(fgt.action).unwrap_or(Str::const_new("config")));
    }
    event.status_id = Some(StatusId::Success);
    let (method, address) = ui_parts(fgt.ui);
    let actor = event.actor_mut();
    actor.user = real_user(fgt.user).map(|name| User {
        name: Some(name.into()),
        ..User::default()
    });
    actor.app_name = non_empty(method);
    if let Some(ip) = non_empty(address).or_else(|| non_empty(fgt.srcip)) {
        event.src_mut().ip = Some(ip);
    }
    let mut data = serde_json::Map::new();
    for (key, value) in [("cfgattr", fgt.cfgattr), ("cfgtid", fgt.cfgtid)] {
        if !value.is_empty() {
            data.insert(key.into(), serde_json::Value::String(value.into()));
        }
    }
    event.entity = Some(Box::new(Entity {
        uid: non_empty(fgt.uuid),
        name: non_empty(fgt.cfgobj).or_else(|| non_empty(fgt.cfgpath)),
        type_name: non_empty(fgt.cfgpath),
        data: (!data.is_empty()).then_some(serde_json::Value::Object(data)),
    }));
    event.message = non_empty(fgt.msg);
}

fn map_base(fgt: &Fgt<'_>, event: &mut Event) {
    event.class_uid = ClassUid::Base;
    event.activity_id = ActivityId::OTHER;
    let name = [fgt.logdesc, fgt.action, fgt.subtype, fgt.log_type]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("event");
    event.activity_name = Some(name.into());
    event.message = non_empty(fgt.msg);
}

/// Authentication of `name`; `what` (the action) gives Logon or Logoff.
fn auth_event(fgt: &Fgt<'_>, name: &str, what: &str, event: &mut Event) {
    event.class_uid = ClassUid::Authentication;
    let what = what.to_ascii_lowercase();
    event.activity_id =
        if what.contains("logout") || what.contains("logoff") || what == "tunnel-down" {
            ActivityId::LOGOFF
        } else {
            ActivityId::LOGON
        };
    event.user = Some(Box::new(User {
        name: Some(name.into()),
        groups: real_user(fgt.group)
            .map(|group| Named { name: group.into() })
            .into_iter()
            .collect(),
        ..User::default()
    }));
    event.status_id = match fgt.status.to_ascii_lowercase().as_str() {
        "success" => Some(StatusId::Success),
        "failed" | "failure" | "fail" | "negotiate_error" => Some(StatusId::Failure),
        _ if what.contains("fail") => Some(StatusId::Failure),
        _ => None,
    };
    event.status_detail = non_empty(fgt.reason).filter(|r| r != "none" && r != "N/A");
    event.message = non_empty(fgt.msg);
}

/// Marks a logon as remote (the model has no `logon_type_id` yet: kept in `unmapped`).
fn remote_logon(event: &mut Event) {
    event.set_unmapped("logon_type", serde_json::Value::from("Remote Interactive"));
    event.set_unmapped("logon_type_id", serde_json::Value::from(10));
}
