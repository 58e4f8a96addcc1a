use std::sync::Arc;

use vigil_model::{
    Account, ActionId, ActivityId, Actor, Api, ClassUid, Cloud, Endpoint, Event, Native,
    SeverityId, SourceType, User,
};

use super::*;

/// Every value of `path`, rendered (`s:` string, `i:` int, `b:` bool, `f:` float, `null`), or
/// `None` when the field does not exist.
fn values(doc: &dyn Document, path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let found = doc.field(path, &mut |value| {
        out.push(match value {
            FieldValue::Str(s) => format!("s:{s}"),
            FieldValue::Int(n) => format!("i:{n}"),
            FieldValue::Float(x) => format!("f:{x}"),
            FieldValue::Bool(b) => format!("b:{b}"),
            FieldValue::Null => "null".to_owned(),
        })
    });
    found.then_some(out)
}

fn keywords(doc: &dyn Document) -> Vec<String> {
    let mut out = Vec::new();
    doc.keywords(&mut |text| {
        out.push(text.to_owned());
        true
    });
    out
}

fn strs(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|s| (*s).to_owned()).collect())
}

/// A FortiGate-like event: native pairs with a repeated key, OCSF network fields.
fn firewall_event() -> Event {
    let mut event = Event::new(
        ClassUid::NetworkActivity,
        ActivityId::TRAFFIC,
        SourceType::FortiGate,
    );
    event.severity_id = SeverityId::Low;
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: Some("10.0.0.5".into()),
        port: Some(51_000),
        ..Endpoint::default()
    }));
    event.dst_mut().ip = Some("203.0.113.9".into());
    event.dst_mut().port = Some(22);
    event.action_id = Some(ActionId::Denied);
    event.action = Some("deny".into());
    event.message = Some("session denied by policy".into());
    event.metadata.product = vigil_model::Product::new("FortiGate", "Fortinet");
    event.native = Native::Pairs(vec![
        ("action".into(), "deny".into()),
        ("srcip".into(), "10.0.0.5".into()),
        ("tag".into(), "a".into()),
        ("tag".into(), "b".into()),
    ]);
    event
}

/// A CloudTrail-like event: the original record is JSON and is the native form.
fn cloudtrail_event() -> Event {
    let mut event = Event::new(
        ClassUid::ApiActivity,
        ActivityId::CREATE,
        SourceType::CloudTrail,
    );
    event.raw = br#"{"eventSource":"iam.amazonaws.com","eventName":"CreateUser","userIdentity":{"type":"IAMUser","userName":"alice"},"requestParameters":{"userName":"mallory"},"readOnly":false}"#
        .to_vec()
        .into();
    event.native = Native::RawJson;
    event.api = Some(Box::new(Api {
        operation: "CreateUser".into(),
        service_name: Some("iam.amazonaws.com".into()),
        ..Api::default()
    }));
    event.actor = Some(Box::new(Actor {
        user: Some(User {
            name: Some("alice".into()),
            ..User::default()
        }),
        ..Actor::default()
    }));
    event.cloud = Some(Arc::new(Cloud {
        provider: "AWS".into(),
        account: Some(Account {
            uid: Some("123456789012".into()),
            ..Account::default()
        }),
        ..Cloud::default()
    }));
    event
}

#[test]
fn native_pairs_by_key_with_every_repeated_value() {
    let event = firewall_event();
    let doc = EventDocument::new(&event);
    assert_eq!(values(&doc, "srcip"), strs(&["s:10.0.0.5"]));
    assert_eq!(values(&doc, "tag"), strs(&["s:a", "s:b"]));
    assert_eq!(values(&doc, "nope"), None);
}

#[test]
fn native_wins_and_ocsf_prefix_forces_ocsf() {
    let mut event = firewall_event();
    event.action = None; // the OCSF form then says the caption of `action_id`
    let doc = EventDocument::new(&event);
    assert_eq!(values(&doc, "action"), strs(&["s:deny"]));
    assert_eq!(values(&doc, "ocsf.action"), strs(&["s:Denied"]));
    assert_eq!(values(&doc, "ocsf.srcip"), None);
}

#[test]
fn ocsf_paths_from_the_typed_struct() {
    let event = firewall_event();
    let doc = EventDocument::new(&event);
    assert_eq!(values(&doc, "src_endpoint.ip"), strs(&["s:10.0.0.5"]));
    assert_eq!(values(&doc, "dst_endpoint.port"), strs(&["i:22"]));
    assert_eq!(values(&doc, "class_uid"), strs(&["i:4001"]));
    assert_eq!(values(&doc, "severity_id"), strs(&["i:2"]));
    assert_eq!(values(&doc, "action_id"), strs(&["i:2"]));
    assert_eq!(
        values(&doc, "metadata.product.name"),
        strs(&["s:FortiGate"])
    );
    // Known paths that the event does not carry are absent, not looked up again as JSON.
    assert_eq!(values(&doc, "dst_endpoint.hostname"), None);
    assert_eq!(values(&doc, "api.operation"), None);
    assert_eq!(doc.ocsf_json.get(), None);
}

#[test]
fn other_ocsf_paths_fall_back_to_the_json_form_once() {
    let event = firewall_event();
    let doc = EventDocument::new(&event);
    assert_eq!(values(&doc, "category_name"), strs(&["s:Network Activity"]));
    assert_eq!(
        values(&doc, "type_name"),
        strs(&["s:Network Activity: Traffic"])
    );
    assert!(doc.ocsf_json.get().is_some());
    assert_eq!(values(&doc, "vigil.source_type"), strs(&["s:fortigate"]));
    assert_eq!(values(&doc, "src_endpoint.location.country"), None);
}

#[test]
fn raw_json_native_is_parsed_lazily_and_once() {
    let event = cloudtrail_event();
    let doc = EventDocument::new(&event);
    assert!(doc.raw_json.get().is_none());
    assert_eq!(values(&doc, "eventName"), strs(&["s:CreateUser"]));
    assert!(doc.raw_json.get().is_some());
    assert_eq!(values(&doc, "userIdentity.type"), strs(&["s:IAMUser"]));
    assert_eq!(values(&doc, "readOnly"), strs(&["b:false"]));
    assert_eq!(values(&doc, "api.operation"), strs(&["s:CreateUser"]));
    assert_eq!(values(&doc, "actor.user.name"), strs(&["s:alice"]));
    assert_eq!(values(&doc, "cloud.account.uid"), strs(&["s:123456789012"]));
    assert_eq!(values(&doc, "cloud.provider"), strs(&["s:AWS"]));
}

#[test]
fn raw_record_that_is_not_json_has_no_native_fields() {
    let mut event = cloudtrail_event();
    event.raw = b"not json".to_vec().into();
    let doc = EventDocument::new(&event);
    assert_eq!(values(&doc, "eventName"), None);
    assert_eq!(values(&doc, "api.operation"), strs(&["s:CreateUser"]));
}

#[test]
fn repaired_json_tree_is_the_native_form() {
    let mut event = cloudtrail_event();
    event.native = Native::Json(Box::new(
        serde_json::json!({"output_fields": {"proc.cmdline": "nc -l"}}),
    ));
    let doc = EventDocument::new(&event);
    assert_eq!(
        values(&doc, "output_fields.proc.cmdline"),
        strs(&["s:nc -l"])
    );
    assert_eq!(values(&doc, "eventName"), None);
}

#[test]
fn keywords_are_native_values_then_the_message() {
    let event = firewall_event();
    let doc = EventDocument::new(&event);
    assert_eq!(
        keywords(&doc),
        ["deny", "10.0.0.5", "a", "b", "session denied by policy"]
    );
    let mut seen = 0;
    doc.keywords(&mut |_| {
        seen += 1;
        seen < 2
    });
    assert_eq!(seen, 2, "stops when told to");

    let event = cloudtrail_event();
    let doc = EventDocument::new(&event);
    let words = keywords(&doc);
    assert!(words.contains(&"mallory".to_owned()), "{words:?}");
    let mut seen = 0;
    doc.keywords(&mut |_| {
        seen += 1;
        false
    });
    assert_eq!(seen, 1, "stops inside the native tree too");
}
