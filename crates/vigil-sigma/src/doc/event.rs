//! [`Document`] over Vigil's normalized [`Event`]: native fields first, then OCSF.
//!
//! A rule written for a product uses the product's own field names (`eventName`,
//! `initiator.name`, `cfgpath`); a cross-source rule, or a pipeline's field mapping, uses OCSF
//! paths (`src_endpoint.ip`, `api.operation`). Both must work on the same event, so a field path
//! is looked up in two namespaces, in order:
//!
//! 1. the source's **native** fields ([`Native`]): decoded pairs by key (every value of a
//!    repeated key), a repaired JSON tree, or the original JSON record — parsed once, on first
//!    use, and cached in the wrapper;
//! 2. the **OCSF** attributes by their dotted OCSF path, read straight from the typed struct for
//!    the paths rules commonly use (no serialization), and otherwise from the event's OCSF JSON
//!    form (`Event::to_json`), computed once and cached.
//!
//! The first namespace that has the field answers. `ocsf.` before a path skips the native
//! namespace (`ocsf.action` is OCSF's `action` even when the source has its own `action`).
//! Keyword search reads every native string value, then the OCSF `message`.
//! `docs/adr/0003-sigma-engine.md` records why.

use std::borrow::Cow;
use std::cell::OnceCell;

use vigil_model::{Endpoint, Event, Native, Process, User};

use super::{Document, FieldValue};

/// The prefix that forces the OCSF namespace.
const OCSF_PREFIX: &str = "ocsf.";

/// An [`Event`] read as a Sigma [`Document`]. Cheap to build: the JSON forms it may need are
/// computed on first use and cached, so build one per event and drop it after evaluation.
pub struct EventDocument<'a> {
    event: &'a Event,
    /// The original record parsed, for [`Native::RawJson`] (`None` when it is not JSON).
    raw_json: OnceCell<Option<serde_json::Value>>,
    /// `event.to_json()`, for OCSF paths the typed resolver does not know.
    ocsf_json: OnceCell<serde_json::Value>,
}

impl<'a> EventDocument<'a> {
    /// Wraps `event`.
    pub fn new(event: &'a Event) -> EventDocument<'a> {
        EventDocument {
            event,
            raw_json: OnceCell::new(),
            ocsf_json: OnceCell::new(),
        }
    }

    /// The wrapped event.
    pub fn event(&self) -> &'a Event {
        self.event
    }

    /// The native fields as a JSON tree, when the source keeps them as JSON.
    fn native_json(&self) -> Option<&serde_json::Value> {
        match &self.event.native {
            Native::Json(tree) => Some(tree),
            Native::RawJson => self
                .raw_json
                .get_or_init(|| serde_json::from_slice(&self.event.raw).ok())
                .as_ref(),
            Native::None | Native::Pairs(_) => None,
        }
    }

    fn native_field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        if let Native::Pairs(pairs) = &self.event.native {
            let mut found = false;
            for (key, value) in pairs {
                if key == path {
                    found = true;
                    each(FieldValue::Str(Cow::Borrowed(value.as_str())));
                }
            }
            return found;
        }
        match self.native_json() {
            Some(tree) => tree.field(path, each),
            None => false,
        }
    }

    fn ocsf_field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        if let Some(found) = typed::field(self.event, path, each) {
            return found;
        }
        self.ocsf_json
            .get_or_init(|| self.event.to_json())
            .field(path, each)
    }
}

impl Document for EventDocument<'_> {
    fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        if let Some(ocsf_path) = path.strip_prefix(OCSF_PREFIX) {
            return self.ocsf_field(ocsf_path, each);
        }
        self.native_field(path, each) || self.ocsf_field(path, each)
    }

    fn keywords(&self, each: &mut dyn FnMut(&str) -> bool) {
        let mut go_on = true;
        if let Native::Pairs(pairs) = &self.event.native {
            for (_, value) in pairs {
                if !each(value) {
                    return;
                }
            }
        } else if let Some(tree) = self.native_json() {
            tree.keywords(&mut |text| {
                go_on = each(text);
                go_on
            });
        }
        if !go_on {
            return;
        }
        if let Some(message) = &self.event.message {
            each(message);
        }
    }
}

/// The OCSF paths read from the typed struct. Each function returns `Some(found)` for a path
/// it knows (found or absent) and `None` for one it does not (the caller falls back to JSON).
mod typed {
    use super::*;

    type Each<'e> = &'e mut dyn FnMut(FieldValue<'_>);

    fn text(each: Each<'_>, value: Option<&str>) -> Option<bool> {
        Some(match value {
            Some(text) => {
                each(FieldValue::Str(Cow::Borrowed(text)));
                true
            }
            None => false,
        })
    }

    fn int(each: Each<'_>, value: Option<i64>) -> Option<bool> {
        Some(match value {
            Some(n) => {
                each(FieldValue::Int(n));
                true
            }
            None => false,
        })
    }

    fn boolean(each: Each<'_>, value: Option<bool>) -> Option<bool> {
        Some(match value {
            Some(b) => {
                each(FieldValue::Bool(b));
                true
            }
            None => false,
        })
    }

    fn unsigned(each: Each<'_>, value: Option<u64>) -> Option<bool> {
        match value {
            Some(n) => match i64::try_from(n) {
                Ok(n) => int(each, Some(n)),
                // Past i64 only the JSON form can say it exactly.
                Err(_) => None,
            },
            None => Some(false),
        }
    }

    fn split(path: &str) -> (&str, Option<&str>) {
        match path.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (path, None),
        }
    }

    /// Resolves `path` on `e`; see the module documentation.
    pub(super) fn field(e: &Event, path: &str, each: Each<'_>) -> Option<bool> {
        let (head, rest) = split(path);
        let Some(rest) = rest else {
            return top_level(e, head, each);
        };
        match head {
            "metadata" => metadata(e, rest, each),
            "cloud" => {
                let cloud = e.cloud.as_deref();
                match rest {
                    "provider" => text(each, cloud.map(|c| c.provider.as_str())),
                    "region" => text(each, cloud.and_then(|c| c.region.as_deref())),
                    "zone" => text(each, cloud.and_then(|c| c.zone.as_deref())),
                    "project_uid" => text(each, cloud.and_then(|c| c.project_uid.as_deref())),
                    "account.uid" => {
                        let account = cloud.and_then(|c| c.account.as_ref());
                        text(each, account.and_then(|a| a.uid.as_deref()))
                    }
                    "account.name" => {
                        let account = cloud.and_then(|c| c.account.as_ref());
                        text(each, account.and_then(|a| a.name.as_deref()))
                    }
                    _ => None,
                }
            }
            "device" => {
                let device = e.device.as_deref();
                match rest {
                    "hostname" => text(each, device.and_then(|d| d.hostname.as_deref())),
                    "ip" => text(each, device.and_then(|d| d.ip.as_deref())),
                    "uid" => text(each, device.and_then(|d| d.uid.as_deref())),
                    "instance_uid" => text(each, device.and_then(|d| d.instance_uid.as_deref())),
                    "region" => text(each, device.and_then(|d| d.region.as_deref())),
                    "type" => text(each, device.and_then(|d| d.type_name.as_deref())),
                    _ => None,
                }
            }
            "actor" => {
                let actor = e.actor.as_deref();
                let (sub, sub_rest) = split(rest);
                match (sub, sub_rest) {
                    ("user", Some(r)) => user(actor.and_then(|a| a.user.as_ref()), r, each),
                    ("process", Some(r)) => {
                        process(actor.and_then(|a| a.process.as_deref()), r, each)
                    }
                    ("invoked_by", None) => text(each, actor.and_then(|a| a.invoked_by.as_deref())),
                    ("app_name", None) => text(each, actor.and_then(|a| a.app_name.as_deref())),
                    _ => None,
                }
            }
            "user" => user(e.user.as_deref(), rest, each),
            "src_endpoint" => endpoint(e.src_endpoint.as_deref(), rest, each),
            "dst_endpoint" => endpoint(e.dst_endpoint.as_deref(), rest, each),
            "connection_info" => {
                let info = e.connection_info.as_ref();
                match rest {
                    "protocol_name" => text(each, info.and_then(|c| c.protocol_name.as_deref())),
                    "protocol_num" => int(each, info.and_then(|c| c.protocol_num).map(i64::from)),
                    "direction_id" => int(
                        each,
                        info.and_then(|c| c.direction_id)
                            .map(|d| i64::from(d as u8)),
                    ),
                    "uid" => text(each, info.and_then(|c| c.uid.as_deref())),
                    _ => None,
                }
            }
            "traffic" => {
                let traffic = e.traffic.as_ref();
                let value = match rest {
                    "bytes" => traffic.and_then(|t| t.bytes),
                    "bytes_in" => traffic.and_then(|t| t.bytes_in),
                    "bytes_out" => traffic.and_then(|t| t.bytes_out),
                    "packets" => traffic.and_then(|t| t.packets),
                    "packets_in" => traffic.and_then(|t| t.packets_in),
                    "packets_out" => traffic.and_then(|t| t.packets_out),
                    _ => return None,
                };
                unsigned(each, value)
            }
            "api" => {
                let api = e.api.as_deref();
                match rest {
                    "operation" => text(each, api.map(|a| a.operation.as_str())),
                    "service.name" => text(each, api.and_then(|a| a.service_name.as_deref())),
                    "version" => text(each, api.and_then(|a| a.version.as_deref())),
                    "request.uid" => text(each, api.and_then(|a| a.request_uid.as_deref())),
                    "response.error" => text(each, api.and_then(|a| a.response_error.as_deref())),
                    "response.error_message" => {
                        text(each, api.and_then(|a| a.response_error_message.as_deref()))
                    }
                    _ => None,
                }
            }
            "http_request" => {
                let request = e.http_request.as_deref();
                let url = request.and_then(|r| r.url.as_ref());
                match rest {
                    "http_method" => text(each, request.and_then(|r| r.http_method.as_deref())),
                    "user_agent" => text(each, request.and_then(|r| r.user_agent.as_deref())),
                    "referrer" => text(each, request.and_then(|r| r.referrer.as_deref())),
                    "version" => text(each, request.and_then(|r| r.version.as_deref())),
                    "url.url_string" => text(each, url.and_then(|u| u.url_string.as_deref())),
                    "url.hostname" => text(each, url.and_then(|u| u.hostname.as_deref())),
                    "url.path" => text(each, url.and_then(|u| u.path.as_deref())),
                    "url.query_string" => text(each, url.and_then(|u| u.query_string.as_deref())),
                    "url.scheme" => text(each, url.and_then(|u| u.scheme.as_deref())),
                    _ => None,
                }
            }
            "http_response" => {
                let response = e.http_response.as_deref();
                match rest {
                    "code" => int(each, response.and_then(|r| r.code).map(i64::from)),
                    "status" => text(each, response.and_then(|r| r.status.as_deref())),
                    _ => None,
                }
            }
            "resources" => {
                let mut found = false;
                for resource in &e.resources {
                    let value = match rest {
                        "uid" => resource.uid.as_deref(),
                        "name" => resource.name.as_deref(),
                        "type" => resource.type_name.as_deref(),
                        _ => return None,
                    };
                    found |= text(each, value) == Some(true);
                }
                Some(found)
            }
            "process" => process(e.process.as_deref(), rest, each),
            "file" => {
                let file = e.file.as_deref();
                match rest {
                    "name" => text(each, file.and_then(|f| f.name.as_deref())),
                    "path" => text(each, file.and_then(|f| f.path.as_deref())),
                    _ => None,
                }
            }
            "firewall_rule" => {
                let rule = e.firewall_rule.as_deref();
                match rest {
                    "uid" => text(each, rule.and_then(|r| r.uid.as_deref())),
                    "name" => text(each, rule.and_then(|r| r.name.as_deref())),
                    _ => None,
                }
            }
            "finding_info" => {
                let info = e.finding_info.as_deref();
                match rest {
                    "uid" => text(each, info.map(|i| i.uid.as_str())),
                    "title" => text(each, info.map(|i| i.title.as_str())),
                    "desc" => text(each, info.and_then(|i| i.desc.as_deref())),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn top_level(e: &Event, name: &str, each: Each<'_>) -> Option<bool> {
        match name {
            "class_uid" => int(each, Some(i64::from(e.class_uid.uid()))),
            "class_name" => text(each, Some(e.class_uid.name())),
            "category_uid" => int(each, Some(i64::from(e.class_uid.category().uid()))),
            "category_name" => text(each, Some(e.class_uid.category().name())),
            "activity_id" => int(each, Some(i64::from(e.activity_id.0))),
            "activity_name" => text(each, Some(e.activity_caption())),
            "type_uid" => unsigned(each, Some(e.type_uid())),
            "severity_id" => int(each, Some(i64::from(e.severity_id as u8))),
            "severity" => text(each, Some(e.severity_id.name())),
            "status_id" => int(each, e.status_id.map(|s| i64::from(s as u8))),
            "status" => text(each, e.status_id.map(|s| s.name())),
            "status_code" => text(each, e.status_code.as_deref()),
            "status_detail" => text(each, e.status_detail.as_deref()),
            "time" => int(each, Some(e.time)),
            "start_time" => int(each, e.start_time),
            "end_time" => int(each, e.end_time),
            "duration" => int(each, e.duration),
            "count" => unsigned(each, e.count),
            "message" => text(each, e.message.as_deref()),
            "app_name" => text(each, e.app_name.as_deref()),
            "auth_protocol" => text(each, e.auth_protocol.as_deref()),
            "logon_type_id" => int(each, e.logon_type_id.map(i64::from)),
            "is_mfa" => boolean(each, e.is_mfa),
            "is_alert" => boolean(each, e.is_alert),
            "risk_score" => int(each, e.risk_score),
            "action_id" => int(each, e.action_id.map(|a| i64::from(a as u8))),
            // As the JSON form writes it: the source's word, else the caption of `action_id`.
            "action" => text(
                each,
                e.action
                    .as_deref()
                    .or_else(|| e.action_id.map(|a| a.name())),
            ),
            "disposition_id" => int(each, e.disposition_id.map(|d| i64::from(d.0))),
            "disposition" => text(each, e.disposition_id.map(|d| d.name())),
            _ => None,
        }
    }

    fn metadata(e: &Event, rest: &str, each: Each<'_>) -> Option<bool> {
        let m = &e.metadata;
        match rest {
            "product.name" => text(each, Some(m.product.name.as_str())),
            "product.vendor_name" => text(each, Some(m.product.vendor_name.as_str())),
            "product.version" => text(each, m.product.version.as_deref()),
            "uid" => text(each, m.uid.as_deref()),
            "correlation_uid" => text(each, m.correlation_uid.as_deref()),
            "log_name" => text(each, m.log_name.as_deref()),
            "event_code" => text(each, m.event_code.as_deref()),
            "tenant_uid" => text(each, m.tenant_uid.as_deref()),
            "labels" => {
                for label in &m.labels {
                    each(FieldValue::Str(Cow::Borrowed(label.as_str())));
                }
                Some(!m.labels.is_empty())
            }
            _ => None,
        }
    }

    fn user(u: Option<&User>, rest: &str, each: Each<'_>) -> Option<bool> {
        match rest {
            "uid" => text(each, u.and_then(|u| u.uid.as_deref())),
            "name" => text(each, u.and_then(|u| u.name.as_deref())),
            "email_addr" => text(each, u.and_then(|u| u.email_addr.as_deref())),
            "type" => text(each, u.and_then(|u| u.type_name.as_deref())),
            "type_id" => int(each, u.and_then(|u| u.type_id).map(i64::from)),
            "domain" => text(each, u.and_then(|u| u.domain.as_deref())),
            "credential_uid" => text(each, u.and_then(|u| u.credential_uid.as_deref())),
            "account.uid" => {
                let account = u.and_then(|u| u.account.as_ref());
                text(each, account.and_then(|a| a.uid.as_deref()))
            }
            _ => None,
        }
    }

    fn endpoint(ep: Option<&Endpoint>, rest: &str, each: Each<'_>) -> Option<bool> {
        let value = match rest {
            "port" => return int(each, ep.and_then(|p| p.port).map(i64::from)),
            "ip" => ep.and_then(|p| p.ip.as_deref()),
            "hostname" => ep.and_then(|p| p.hostname.as_deref()),
            "domain" => ep.and_then(|p| p.domain.as_deref()),
            "mac" => ep.and_then(|p| p.mac.as_deref()),
            "uid" => ep.and_then(|p| p.uid.as_deref()),
            "instance_uid" => ep.and_then(|p| p.instance_uid.as_deref()),
            "interface_name" => ep.and_then(|p| p.interface_name.as_deref()),
            "interface_uid" => ep.and_then(|p| p.interface_uid.as_deref()),
            "zone" => ep.and_then(|p| p.zone.as_deref()),
            "svc_name" => ep.and_then(|p| p.svc_name.as_deref()),
            "vpc_uid" => ep.and_then(|p| p.vpc_uid.as_deref()),
            "subnet_uid" => ep.and_then(|p| p.subnet_uid.as_deref()),
            _ => return None,
        };
        text(each, value)
    }

    fn process(p: Option<&Process>, rest: &str, each: Each<'_>) -> Option<bool> {
        let (head, sub) = split(rest);
        match (head, sub) {
            ("pid", None) => int(each, p.and_then(|p| p.pid)),
            ("name", None) => text(each, p.and_then(|p| p.name.as_deref())),
            ("cmd_line", None) => text(each, p.and_then(|p| p.cmd_line.as_deref())),
            ("terminal", None) => text(each, p.and_then(|p| p.terminal.as_deref())),
            ("file", Some("path")) => {
                let file = p.and_then(|p| p.file.as_ref());
                text(each, file.and_then(|f| f.path.as_deref()))
            }
            ("file", Some("name")) => {
                let file = p.and_then(|p| p.file.as_ref());
                text(each, file.and_then(|f| f.name.as_deref()))
            }
            ("user", Some(r)) => user(p.and_then(|p| p.user.as_ref()), r, each),
            ("parent_process", Some(r)) => {
                process(p.and_then(|p| p.parent_process.as_deref()), r, each)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
