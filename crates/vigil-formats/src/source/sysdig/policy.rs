//! Runtime policy events, current and legacy → Detection Finding (2004).

use serde_json::{Map, Value};
use vigil_model::{
    ActivityId, Actor, Analytic, ClassUid, DispositionId, Endpoint, Event, Evidence, FindingInfo,
    Str, User,
};

use super::{metadata, severity, Labels, SOURCE_TYPE};
use crate::source::falco::{
    attacks_from_tags, fields_map, int_of, process_from_fields, text_of, unescape_unicode,
};

/// Whether `object` is a policy event: current (`content.ruleName`/`content.policyId`, or
/// `type: policy`) or legacy (top-level `policyId` and `output`).
pub(super) fn is_policy_event(object: &Map<String, Value>) -> bool {
    let content = object.get("content");
    let has = |key: &str| content.and_then(|c| c.get(key)).is_some();
    object.get("type").and_then(Value::as_str) == Some("policy")
        || has("ruleName")
        || has("policyId")
        || object.contains_key("policyId")
        || object.get("originator").and_then(Value::as_str) == Some("policy")
}

/// The finding of a policy event.
pub(super) fn finding(object: &Map<String, Value>) -> Event {
    let content = object.get("content").and_then(Value::as_object);
    let legacy = content.is_none();
    // Current events nest the rule under `content`; legacy ones keep it at the top.
    let within = |key: &str| content.and_then(|c| c.get(key)).or_else(|| object.get(key));
    let fields = fields_map(within("fields"));
    let labels = Labels::of(object);

    let mut event = Event::new(
        ClassUid::DetectionFinding,
        ActivityId::FINDING_CREATE,
        SOURCE_TYPE,
    );
    event.severity_id = severity(object.get("severity"));
    event.is_alert = Some(true);
    event.disposition_id = Some(disposition(
        object
            .get("actions")
            .or_else(|| object.get("actionResults")),
    ));

    let policy_name = text_of(object.get("name"));
    let rule_name = text_of(within("ruleName")).or_else(|| text_of(fields.get("falco.rule")));
    // Forwarded outputs can be escaped twice (`\\u003cNA\\u003e`); the raw record keeps them.
    let output = text_of(within("output")).map(|o| Str::from(unescape_unicode(&o)));
    let tags: Vec<&str> = within("ruleTags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let finding_type = text_of(object.get("source")).or_else(|| text_of(object.get("category")));
    event.message = output
        .clone()
        .or_else(|| text_of(object.get("description")));
    event.finding_info = Some(Box::new(FindingInfo {
        uid: text_of(object.get("id")).unwrap_or_default(),
        title: rule_name
            .clone()
            .or_else(|| policy_name.clone())
            .unwrap_or_default(),
        desc: output.or_else(|| text_of(object.get("description"))),
        types: finding_type.into_iter().collect(),
        analytic: Some(Analytic {
            uid: text_of(within("policyId")),
            name: rule_name.or_else(|| policy_name.clone()),
            type_name: Some(Str::const_new("Rule")),
            type_id: Some(1),
        }),
        src_url: None,
    }));
    event.attacks = attacks_from_tags(tags.iter().copied());

    let log_name = if legacy {
        "legacy_policy_events"
    } else {
        "runtime_policy_events"
    };
    event.metadata = metadata(object, log_name);
    event.metadata.labels = tags.iter().map(|t| Str::from(*t)).collect();

    event.device = labels.device(object, Some(&fields));
    event.cloud = labels.cloud();
    let container = event.device.as_ref().and_then(|d| d.container.clone());
    let mut process = process_from_fields(&fields);
    if let Some(process) = &mut process {
        process.container = container;
    }
    if let Some(user_name) = text_of(fields.get("user.name")) {
        event.actor = Some(Box::new(Actor {
            user: Some(User {
                name: Some(user_name),
                uid: text_of(fields.get("user.uid")),
                ..User::default()
            }),
            ..Actor::default()
        }));
    }
    let (src, dst) = flat_endpoints(object);
    if process.is_some() || src.is_some() || dst.is_some() {
        event.evidences.push(Evidence {
            process,
            src_endpoint: src,
            dst_endpoint: dst,
            ..Evidence::default()
        });
    }

    if let Some(policy_name) = policy_name {
        event.set_unmapped("policy_name", Value::String(policy_name.into()));
    }
    if let Some(kubernetes) = labels.kubernetes() {
        event.set_unmapped("kubernetes", kubernetes);
    }
    if let Some(actions) = object
        .get("actions")
        .or_else(|| object.get("actionResults"))
    {
        if actions.as_array().is_some_and(|a| !a.is_empty()) {
            event.set_unmapped("actions", actions.clone());
        }
    }
    event
}

/// `disposition_id` from the response actions: a successful kill, stop or pause blocked the
/// workload; a successful capture logged it; otherwise the event is only an alert.
fn disposition(actions: Option<&Value>) -> DispositionId {
    let mut disposition = DispositionId::ALERT;
    for action in actions.and_then(Value::as_array).into_iter().flatten() {
        let succeeded = action.get("successful").and_then(Value::as_bool) != Some(false);
        let kind = action
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = kind.to_ascii_uppercase();
        if !succeeded {
            continue;
        }
        if ["KILL", "STOP", "PAUSE"].iter().any(|k| kind.contains(k)) {
            return DispositionId::BLOCKED;
        }
        if kind.contains("CAPTURE") {
            disposition = DispositionId::LOGGED;
        }
    }
    disposition
}

/// Network endpoints some Events API results carry flat (`clientIpv4`/`serverIpv4`, or
/// `source_ip`/`destination_ip`).
fn flat_endpoints(object: &Map<String, Value>) -> (Option<Endpoint>, Option<Endpoint>) {
    let endpoint = |ip: &str, port: &str| {
        let ip = text_of(object.get(ip))?;
        let port = int_of(object.get(port)).and_then(|p| u16::try_from(p).ok());
        Some(Endpoint {
            ip: Some(ip),
            port,
            ..Endpoint::default()
        })
    };
    let src = endpoint("clientIpv4", "clientPort").or_else(|| endpoint("source_ip", "source_port"));
    let dst = endpoint("serverIpv4", "serverPort")
        .or_else(|| endpoint("destination_ip", "destination_port"));
    (src, dst)
}
