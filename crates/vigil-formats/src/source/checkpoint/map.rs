//! Check Point fields to OCSF, per class (see the module documentation for how the class is
//! chosen).

use vigil_model::{
    ActionId, ActivityId, Actor, ClassUid, DispositionId, Endpoint, Entity, Event, StatusId, Str,
    User,
};

use super::{network, threat, Log};

/// Products (blades) whose records are threat detections.
const THREAT_PRODUCTS: [&str; 11] = [
    "IPS",
    "SmartDefense",
    "Threat Prevention",
    "Threat Emulation",
    "Threat Extraction",
    "Anti-Bot",
    "Anti-Virus",
    "New Anti Virus",
    "Anti Malware",
    "Anti-Malware",
    "Zero Phishing",
];

/// Fields that name a detected threat.
const THREAT_FIELDS: [&str; 5] = [
    "protection_name",
    "attack",
    "malware_family",
    "malware_action",
    "protection_id",
];

/// What kind of record this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Authentication,
    Audit,
    Detection,
    Network,
    Other,
}

fn kind(log: &Log<'_>) -> Kind {
    let operation = log.get("operation").unwrap_or("");
    let subject = log.get("subject").unwrap_or("").to_ascii_lowercase();
    let login_operation = matches!(
        operation.to_ascii_lowercase().as_str(),
        "log in" | "log out" | "login" | "logout"
    );
    if login_operation || subject.contains("login") || subject.contains("logout") {
        return Kind::Authentication;
    }
    if !operation.is_empty() && (log.get("administrator").is_some() || !subject.is_empty()) {
        return Kind::Audit;
    }
    let threat_product = log
        .product()
        .is_some_and(|p| THREAT_PRODUCTS.iter().any(|t| t.eq_ignore_ascii_case(p)));
    if threat_product || THREAT_FIELDS.iter().any(|f| log.get(f).is_some()) {
        return Kind::Detection;
    }
    if log.get("src").is_some() || log.get("dst").is_some() {
        return Kind::Network;
    }
    Kind::Other
}

/// Chooses the class and fills the class-specific attributes.
pub(super) fn classify_and_map(log: &Log<'_>, event: &mut Event) {
    let action = log.get("action");
    let kind = kind(log);
    // Management records carry `action:"Accept"` whatever happened: it is no security
    // control's decision there, so only the native field keeps it.
    if let Some(word) = action.filter(|_| !matches!(kind, Kind::Authentication | Kind::Audit)) {
        event.action = Some(word.into());
        if let Some((action_id, disposition_id)) = action_ids(word) {
            event.action_id = Some(action_id);
            event.disposition_id = Some(disposition_id);
        }
    }
    event.message = message(log);
    match kind {
        Kind::Authentication => authentication(log, event),
        Kind::Audit => audit(log, event),
        Kind::Detection => threat::detection(log, event),
        Kind::Network => network::network(log, event),
        Kind::Other => {
            event.class_uid = ClassUid::Base;
            set_other_activity(event, action);
            if event.message.is_none() {
                // A record cut short may hold nothing else: its text is the message.
                let text = Some(log.header.msg.trim())
                    .filter(|m| !m.is_empty())
                    .or(log.header.structured_data);
                event.message = log.product().or(action).or(text).map(Str::from);
            }
        }
    }
}

pub(super) fn set_other_activity(event: &mut Event, name: Option<&str>) {
    match name {
        Some(name) => {
            event.activity_id = ActivityId::OTHER;
            event.activity_name = Some(name.into());
        }
        None => event.activity_id = ActivityId::UNKNOWN,
    }
}

/// The action word to `action_id` and `disposition_id`.
fn action_ids(word: &str) -> Option<(ActionId, DispositionId)> {
    Some(match word.to_ascii_lowercase().as_str() {
        "accept" | "allow" | "encrypt" | "decrypt" | "bypass" => {
            (ActionId::Allowed, DispositionId::ALLOWED)
        }
        "drop" => (ActionId::Denied, DispositionId::DROPPED),
        "reject" => (ActionId::Denied, DispositionId::REJECTED),
        "block" | "prevent" => (ActionId::Denied, DispositionId::BLOCKED),
        "quarantine" => (ActionId::Denied, DispositionId::QUARANTINED),
        "detect" | "monitored" | "monitor" | "flag" => {
            (ActionId::Observed, DispositionId::DETECTED)
        }
        "inspect" => (ActionId::Observed, DispositionId::LOGGED),
        "ask" => (ActionId::Observed, DispositionId::CHALLENGE),
        _ => return None,
    })
}

/// The first field that reads as a message.
fn message(log: &Log<'_>) -> Option<Str> {
    const FIELDS: [&str; 11] = [
        "sys_message",
        "additional_info",
        "operation_result_description",
        "fieldschanges",
        "description",
        "reason",
        "message_info",
        "comment",
        "tcp_packet_out_of_state",
        "reject_category",
        "ike",
    ];
    if let Some(text) = FIELDS.iter().find_map(|f| log.get(f)) {
        return Some(text.into());
    }
    if let Some(cef) = &log.cef {
        let name = cef.name.trim();
        if !name.is_empty() {
            return Some(name.into());
        }
    }
    log.get("subject").or_else(|| log.get("msg")).map(Str::from)
}

/// Administrator log in and log out: Authentication.
fn authentication(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::Authentication;
    let operation = log.get("operation").unwrap_or("").to_ascii_lowercase();
    let subject = log.get("subject").unwrap_or("").to_ascii_lowercase();
    let logoff = if operation.is_empty() {
        subject.contains("logout")
    } else {
        operation.contains("out")
    };
    event.activity_id = if logoff {
        ActivityId::LOGOFF
    } else {
        ActivityId::LOGON
    };
    event.status_id = Some(auth_status(log));
    event.status_detail = log.get("additional_info").map(Str::from);
    event.user = Some(Box::new(User {
        name: log.get("administrator").map(Str::from),
        type_name: Some(Str::const_new("Admin")),
        type_id: Some(2),
        ..User::default()
    }));
    event.src_endpoint = client_endpoint(log).map(Box::new);
    let target = Endpoint {
        ip: log.get("origin").map(Str::from),
        hostname: log.get("device_name").map(Str::from),
        ..Endpoint::default()
    };
    if target.ip.is_some() || target.hostname.is_some() {
        event.dst_endpoint = Some(Box::new(target));
    }
}

/// `audit_status`, else `operation_number` (10 log in, 11 failed log in, 12 log out), else a
/// failure said in words, else success: Check Point writes `audit_status` or a failure text for
/// every failed log in seen in real records.
fn auth_status(log: &Log<'_>) -> StatusId {
    match log
        .get("audit_status")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("success") => return StatusId::Success,
        Some("failure" | "failed") => return StatusId::Failure,
        _ => {}
    }
    match log.get("operation_number") {
        Some("10" | "12") => return StatusId::Success,
        Some("11") => return StatusId::Failure,
        _ => {}
    }
    let info = log
        .get("additional_info")
        .unwrap_or("")
        .to_ascii_lowercase();
    if info.contains("fail") || info.contains("wrong") || info.contains("denied") {
        StatusId::Failure
    } else {
        StatusId::Success
    }
}

/// Where an administrator connected from: `client_ip`, and `machine` as name or address.
fn client_endpoint(log: &Log<'_>) -> Option<Endpoint> {
    let machine = log.get("machine");
    let machine_is_ip = machine.is_some_and(|m| m.parse::<std::net::IpAddr>().is_ok());
    let ip = log.get("client_ip").or(machine.filter(|_| machine_is_ip));
    let hostname = machine.filter(|_| !machine_is_ip);
    (ip.is_some() || hostname.is_some()).then(|| Endpoint {
        ip: ip.map(Str::from),
        hostname: hostname.map(Str::from),
        ..Endpoint::default()
    })
}

/// Management audit (object changes, publish, updates, scripts): Entity Management.
fn audit(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::EntityManagement;
    let operation = log.get("operation").unwrap_or("");
    let verb =
        operation
            .split_whitespace()
            .find_map(|word| match word.to_ascii_lowercase().as_str() {
                "create" | "add" | "new" | "clone" => Some(ActivityId::CREATE),
                "modify" | "update" | "edit" | "change" | "set" | "rename" => {
                    Some(ActivityId::UPDATE)
                }
                "delete" | "remove" => Some(ActivityId::DELETE),
                "read" | "show" | "view" | "get" => Some(ActivityId::READ),
                _ => None,
            });
    match verb {
        Some(activity) => event.activity_id = activity,
        None => set_other_activity(event, Some(operation)),
    }
    if let Some(status) = log.get("audit_status") {
        event.status_id = Some(match status.to_ascii_lowercase().as_str() {
            "success" => StatusId::Success,
            "failure" | "failed" => StatusId::Failure,
            _ => StatusId::Other,
        });
        event.status_code = Some(status.into());
    }
    let mut actor = Actor {
        session_uid: log.get("session_uid").map(Str::from),
        app_name: log.product().map(Str::from),
        ..Actor::default()
    };
    if let Some(name) = log.get("administrator") {
        actor.user_mut().name = Some(name.into());
    }
    event.actor = Some(Box::new(actor));
    event.src_endpoint = client_endpoint(log).map(Box::new);
    let mut data = serde_json::Map::new();
    for key in ["fieldschanges", "logic_changes", "advanced_changes"] {
        if let Some(value) = log.get(key) {
            data.insert(key.to_owned(), value.into());
        }
    }
    event.entity = Some(Box::new(Entity {
        uid: log.get("uid").or(log.get("taskid")).map(Str::from),
        name: log
            .get("objectname")
            .or(log.get("task"))
            .or(log.get("session_name"))
            .map(Str::from),
        type_name: log.get("objecttype").or(log.get("subject")).map(Str::from),
        data: (!data.is_empty()).then_some(serde_json::Value::Object(data)),
    }));
}
