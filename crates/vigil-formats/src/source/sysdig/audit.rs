//! Activity audit (commands, connections, file access, `kubectl exec`) and platform audit.

use serde_json::{json, Map, Value};
use vigil_model::{
    ActivityId, Actor, Api, ClassUid, ConnectionInfo, DirectionId, Endpoint, Event, File,
    HttpRequest, HttpResponse, Named, Process, Resource, SeverityId, StatusId, Str, Url, User,
};

use super::{metadata, Labels, SOURCE_TYPE};
use crate::source::falco::{int_of, text_of};

/// An activity audit event of `kind` (`command`, `connection`, `fileaccess`, `kubernetes`).
pub(super) fn activity(object: &Map<String, Value>, kind: &str) -> Event {
    let mut event = match kind {
        "command" => command(object),
        "connection" => connection(object),
        "fileaccess" => file_access(object),
        _ => kube_exec(object),
    };
    event.severity_id = SeverityId::Informational;
    event.metadata = metadata(object, "activity_audit");
    let labels = Labels::of(object);
    event.device = labels.device(object, None);
    event.cloud = labels.cloud();
    event.count = int_of(object.get("count")).and_then(|c| u64::try_from(c).ok());
    if let Some(kubernetes) = labels.kubernetes() {
        event.set_unmapped("kubernetes", kubernetes);
    }
    event
}

fn text(object: &Map<String, Value>, key: &str) -> Option<Str> {
    text_of(object.get(key))
}

/// The acting process of connection and file events: `comm`/`processName` and `pid`.
fn acting_process(object: &Map<String, Value>) -> Box<Actor> {
    Box::new(Actor {
        process: Some(Box::new(Process {
            name: text(object, "comm").or_else(|| text(object, "processName")),
            pid: int_of(object.get("pid")),
            ..Process::default()
        })),
        ..Actor::default()
    })
}

/// `command` → Process Activity: Launch. The actor is the parent (`pcomm`, `ppid`) run by the
/// user.
fn command(object: &Map<String, Value>) -> Event {
    let mut event = Event::new(ClassUid::ProcessActivity, ActivityId::LAUNCH, SOURCE_TYPE);
    let user = User {
        name: text(object, "username"),
        uid: text(object, "uid"),
        ..User::default()
    };
    let login_name = text(object, "userLoginName");
    event.process = Some(Box::new(Process {
        name: text(object, "comm"),
        cmd_line: text(object, "cmdline"),
        pid: int_of(object.get("pid")),
        file: text(object, "procExepath").map(|path| File {
            name: path.rsplit('/').next().map(Str::from),
            path: Some(path),
            ..File::default()
        }),
        user: Some(user.clone()),
        parent_process: None,
        container: None,
        terminal: None,
    }));
    event.actor = Some(Box::new(Actor {
        user: Some(User {
            // The login user (who opened the session) when known, else the running user.
            name: login_name.or(user.name),
            uid: user.uid,
            ..User::default()
        }),
        process: Some(Box::new(Process {
            name: text(object, "pcomm"),
            pid: int_of(object.get("ppid")),
            ..Process::default()
        })),
        ..Actor::default()
    }));
    event.message = text(object, "cmdline");
    if let Some(cwd) = text(object, "cwd") {
        event.set_unmapped("cwd", Value::String(cwd.into()));
    }
    event
}

/// `connection` → Network Activity: Open, client → server.
fn connection(object: &Map<String, Value>) -> Event {
    let mut event = Event::new(ClassUid::NetworkActivity, ActivityId::OPEN, SOURCE_TYPE);
    let endpoint = |dotted: &str, numeric: &str, port: &str| Endpoint {
        ip: text(object, dotted).or_else(|| ipv4_of(object.get(numeric))),
        port: int_of(object.get(port)).and_then(|p| u16::try_from(p).ok()),
        ..Endpoint::default()
    };
    event.src_endpoint = Some(Box::new(endpoint(
        "clientIpv4Dot",
        "clientIpv4",
        "clientPort",
    )));
    let mut server = endpoint("serverIpv4Dot", "serverIpv4", "serverPort");
    server.hostname = object
        .get("dnsDomains")
        .and_then(Value::as_array)
        .and_then(|d| text_of(d.first()));
    event.dst_endpoint = Some(Box::new(server));
    let protocol = int_of(object.get("l4protocol")).and_then(|p| u8::try_from(p).ok());
    let direction = match object.get("direction").and_then(Value::as_str) {
        Some("in") => Some(DirectionId::Inbound),
        Some("out") => Some(DirectionId::Outbound),
        Some(_) => Some(DirectionId::Unknown),
        None => None,
    };
    event.connection_info = Some(ConnectionInfo {
        protocol_num: protocol,
        protocol_name: protocol.and_then(|p| match p {
            6 => Some(Str::const_new("tcp")),
            17 => Some(Str::const_new("udp")),
            _ => None,
        }),
        direction_id: direction,
        ..ConnectionInfo::default()
    });
    event.actor = Some(acting_process(object));
    event
}

/// A numeric IPv4 address (`2886795285` → `172.17.0.21`), or the text as written.
fn ipv4_of(value: Option<&Value>) -> Option<Str> {
    match value? {
        Value::Number(n) => {
            let n = u32::try_from(n.as_u64()?).ok()?;
            Some(Str::from(std::net::Ipv4Addr::from(n).to_string()))
        }
        other => text_of(Some(other)),
    }
}

/// `fileaccess` → File System Activity: Read or Update by `permissions` (kept in
/// `unmapped.permissions`).
fn file_access(object: &Map<String, Value>) -> Event {
    let permissions = text(object, "permissions").unwrap_or_default();
    let activity = if permissions.contains('w') {
        ActivityId::UPDATE
    } else if permissions.contains('r') {
        ActivityId::READ
    } else {
        ActivityId::OTHER
    };
    let mut event = Event::new(ClassUid::FileSystemActivity, activity, SOURCE_TYPE);
    if activity == ActivityId::OTHER {
        event.activity_name = Some(Str::from(format!("access ({permissions})")));
    }
    let directory = text(object, "directory").unwrap_or_default();
    let name = text(object, "filename").unwrap_or_default();
    let path = if directory.is_empty() || directory.ends_with('/') {
        format!("{directory}{name}")
    } else {
        format!("{directory}/{name}")
    };
    event.actor = Some(acting_process(object));
    event.message = Some(Str::from(path.as_str()));
    event.file = Some(Box::new(File {
        name: Some(name),
        path: Some(Str::from(path)),
        ..File::default()
    }));
    event.set_unmapped("permissions", json!(permissions.as_str()));
    event
}

/// `kubernetes` (`kubectl exec`) → API Activity: Create on `pods/exec`.
fn kube_exec(object: &Map<String, Value>) -> Event {
    let mut event = Event::new(ClassUid::ApiActivity, ActivityId::CREATE, SOURCE_TYPE);
    let resource = text(object, "resource").unwrap_or_else(|| Str::const_new("pods"));
    let sub_resource = text(object, "subResource");
    let operation = match &sub_resource {
        Some(sub) => format!("{resource}/{sub}"),
        None => resource.to_string(),
    };
    let user = object.get("user");
    event.actor = Some(Box::new(Actor {
        user: Some(User {
            name: text_of(user.and_then(|u| u.get("username"))),
            groups: user
                .and_then(|u| u.get("groups"))
                .and_then(Value::as_array)
                .map(|groups| {
                    let names = groups.iter().filter_map(|g| text_of(Some(g)));
                    names.map(|name| Named { name }).collect()
                })
                .unwrap_or_default(),
            ..User::default()
        }),
        ..Actor::default()
    }));
    event.api = Some(Box::new(Api {
        operation: Str::from(operation),
        service_name: Some(Str::const_new("kubernetes")),
        request_uid: text(object, "auditId"),
        request_data: object.get("args").cloned(),
        ..Api::default()
    }));
    let source = object
        .get("sourceAddresses")
        .and_then(Value::as_array)
        .and_then(|a| text_of(a.first()));
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: source,
        ..Endpoint::default()
    }));
    if let Some(agent) = text(object, "userAgent") {
        event.http_request_mut().user_agent = Some(agent);
    }
    event.resources.push(Resource {
        name: text(object, "name"),
        type_name: Some(resource),
        ..Resource::default()
    });
    if let Some(namespace) = text(object, "namespace") {
        event.set_unmapped("namespace", Value::String(namespace.into()));
    }
    let stages = object.get("stages");
    let stage = |key: &str| int_of(stages.and_then(|s| s.get(key))).map(crate::time::epoch_auto_ms);
    event.start_time = stage("started");
    event.end_time = stage("completed");
    event
}

/// Platform audit (`type: audittrail`) → API Activity: a user's request to the Sysdig API.
pub(super) fn platform(object: &Map<String, Value>) -> Event {
    let empty = Map::new();
    let content = object
        .get("content")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let get = |key: &str| text_of(content.get(key));
    let method = get("requestMethod");
    let activity = match method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("POST") => ActivityId::CREATE,
        Some("GET" | "HEAD") => ActivityId::READ,
        Some("PUT" | "PATCH") => ActivityId::UPDATE,
        Some("DELETE") => ActivityId::DELETE,
        _ => ActivityId::OTHER,
    };
    let mut event = Event::new(ClassUid::ApiActivity, activity, SOURCE_TYPE);
    if activity == ActivityId::OTHER {
        event.activity_name = method.clone();
    }
    event.severity_id = SeverityId::Informational;
    event.metadata = metadata(object, "platform_audit");
    let uri = get("requestUri");
    let operation = match (&method, &uri) {
        (Some(method), Some(uri)) => format!("{method} {uri}"),
        (Some(only), None) | (None, Some(only)) => only.to_string(),
        (None, None) => String::from("unknown"),
    };
    event.api = Some(Box::new(Api {
        operation: Str::from(operation),
        service_name: Some(Str::const_new("sysdig")),
        ..Api::default()
    }));
    event.actor = Some(Box::new(Actor {
        user: Some(User {
            uid: get("userId"),
            name: get("username").or_else(|| get("userName")),
            ..User::default()
        }),
        ..Actor::default()
    }));
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: get("userOriginIP"),
        ..Endpoint::default()
    }));
    event.http_request = Some(Box::new(HttpRequest {
        http_method: method,
        url: Some(Url {
            path: uri,
            query_string: get("queryString"),
            ..Url::default()
        }),
        ..HttpRequest::default()
    }));
    let code = int_of(content.get("responseStatusCode")).and_then(|c| u16::try_from(c).ok());
    if let Some(code) = code {
        event.http_response = Some(Box::new(HttpResponse {
            code: Some(code),
            ..HttpResponse::default()
        }));
        event.status_id = Some(if code < 400 {
            StatusId::Success
        } else {
            StatusId::Failure
        });
        event.status_code = Some(Str::from(code.to_string()));
    }
    if let Some(entity) = get("entityType") {
        event.resources.push(Resource {
            type_name: Some(entity),
            ..Resource::default()
        });
    }
    for key in ["teamId", "customerId"] {
        if let Some(value) = content.get(key) {
            event.set_unmapped(key, value.clone());
        }
    }
    event
}
