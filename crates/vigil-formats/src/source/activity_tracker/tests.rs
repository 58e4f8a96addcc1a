use proptest::prelude::*;
use serde_json::json;
use vigil_model::{ClassUid, Native, Rejection, SeverityId, StatusId};

use super::*;
use crate::source::jsonutil::tests::arb_json;

/// 2020-03-17T22:18:40Z, the reference time of these tests.
const T0: i64 = 1_584_483_520_000;

fn run(json: &str) -> (Vec<Event>, Vec<Rejection>) {
    let ctx = Context {
        reference_time_ms: T0,
        ..Context::default()
    };
    let mut out = Output::default();
    normalize(&Record::new("test.log", json.to_owned()), &ctx, &mut out);
    (out.events, out.rejections)
}

fn one(json: &str) -> Event {
    let (mut events, rejections) = run(json);
    assert!(rejections.is_empty(), "{rejections:?}");
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn rejected(json: &str) -> Rejection {
    let (events, mut rejections) = run(json);
    assert!(events.is_empty());
    assert_eq!(rejections.len(), 1);
    rejections.remove(0)
}

const LOGIN_FAILED: &str = r#"{"eventTime":"2024-02-01T10:11:12.5+0000","action":"iam-identity.user-apikey.login","outcome":"failure","severity":"critical","initiator":{"id":"IBMid-550000ABCD","name":"alice@example.com","typeURI":"service/security/account/user","credential":{"type":"apikey"},"host":{"address":"203.0.113.9","agent":"ibmcloud-cli/2.20"}},"target":{"id":"crn:v1:bluemix:public:iam-identity:global:a/0123456789abcdef::apikey:ApiKey-1","name":"ci-key","typeURI":"iam-identity/apikey"},"reason":{"reasonCode":400,"reasonType":"Bad Request","reasonForFailure":"invalid api key"},"message":"IAM Identity Service: login user-apikey ci-key -failure","logSourceCRN":"crn:v1:bluemix:public:iam-identity:global:a/0123456789abcdef:::","saveServiceCopy":true,"dataEvent":false,"observer":{"name":"ActivityTracker"},"id":"7c0f8a52-0000-4000-8000-000000000001","correlationId":"5a1b-corr"}"#;

const APIKEY_CREATE: &str = r#"{"eventTime":"2024-02-01T10:12:00.01Z","action":"iam-identity.serviceid-apikey.create","outcome":"success","severity":"critical","initiator":{"id":"iam-Profile-9f1b","name":"ci-profile","typeURI":"service/security/account/profile","authnId":"IBMid-550000ABCD","authnName":"alice@example.com","credential":{"type":"token"},"host":{"address":"203.0.113.9"}},"target":{"id":"crn:v1:bluemix:public:iam-identity:global:a/0123456789abcdef::serviceid:ServiceId-77","name":"backdoor-key","typeURI":"iam-identity/serviceid-apikey"},"reason":{"reasonCode":"201","reasonType":"Created"},"message":"IAM Identity Service: create serviceid-apikey backdoor-key","logSourceCRN":"crn:v1:bluemix:public:iam-identity:global:a/0123456789abcdef:::"}"#;

#[test]
fn failed_api_key_login_is_a_failed_logon() {
    let event = one(LOGIN_FAILED);
    assert_eq!(event.class_uid, ClassUid::Authentication);
    assert_eq!(event.activity_id.0, 1);
    assert_eq!(event.status_id, Some(StatusId::Failure));
    assert_eq!(event.status_code.as_deref(), Some("400"));
    assert_eq!(event.severity_id, SeverityId::High);
    let user = event.user.as_ref().unwrap();
    assert_eq!(user.uid.as_deref(), Some("IBMid-550000ABCD"));
    assert_eq!(user.type_id, Some(1));
    assert_eq!(event.time, 1_706_782_272_500);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn service_id_key_created_through_a_trusted_profile() {
    let event = one(APIKEY_CREATE);
    assert_eq!(event.class_uid, ClassUid::AccountChange);
    assert_eq!(event.activity_id.0, 1);
    let actor = event.actor.as_ref().unwrap();
    assert_eq!(actor.invoked_by.as_deref(), Some("IBMid-550000ABCD"));
    assert_eq!(actor.user.as_ref().unwrap().type_id, Some(99));
    assert_eq!(event.user.as_ref().unwrap().type_id, Some(4));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn event_time_in_every_documented_shape() {
    for (time, ms) in [
        ("2020-03-17T22:18:40.325+0000", T0 + 325),
        ("2020-03-17T22:18:40.32+0000", T0 + 320),
        ("2020-03-17T22:18:40.3+0000", T0 + 300),
        ("2020-03-17T22:18:40Z", T0),
        ("2020-03-17T22:18:40+00:00", T0),
        ("2020-03-17T16:18:40-06:00", T0),
    ] {
        let event = one(&format!(r#"{{"action":"a.b.read","eventTime":"{time}"}}"#));
        assert_eq!(event.time, ms, "{time}");
        assert_eq!(event.metadata.original_time.as_deref(), Some(time));
    }
}

#[test]
fn event_without_event_time_is_kept_at_the_reference_time() {
    // A context-based-restriction denial has no eventTime.
    let event = one(
        r#"{"action":"is.vpc.vpc.create","outcome":"failure","severity":"critical","reason":{"reasonCode":403}}"#,
    );
    assert_eq!(event.time, T0);
    assert_eq!(event.unmapped["time_missing"], json!(true));
    let event = one(r#"{"action":"a.b.read","eventTime":"someday"}"#);
    assert_eq!(event.time, T0);
    assert_eq!(event.unmapped["time_invalid"], json!(true));
}

#[test]
fn reason_code_as_number_or_string() {
    let a = one(r#"{"action":"a.b.read","reason":{"reasonCode":200}}"#);
    let b = one(r#"{"action":"a.b.read","reason":{"reasonCode":"200"}}"#);
    assert_eq!(a.status_code.as_deref(), Some("200"));
    assert_eq!(b.status_code.as_deref(), Some("200"));
}

#[test]
fn type_uri_in_its_four_spellings() {
    for (uri, type_id) in [
        ("service/security/account/user", 1),
        ("User", 1),
        ("/service/security/account/user", 1),
        ("service/security/account/serviceid", 4),
        ("service/security/account/service-id", 4),
    ] {
        let event = one(&format!(
            r#"{{"action":"a.b.read","initiator":{{"id":"x","typeURI":"{uri}"}}}}"#
        ));
        let user = event.actor.unwrap().user.unwrap();
        assert_eq!(user.type_id, Some(type_id), "{uri}");
    }
}

#[test]
fn unknown_top_level_keys_go_to_unmapped() {
    let event = one(
        r#"{"action":"a.b.read","eventTime":"2020-03-17T22:18:40Z","meta":{"serviceProviderName":"kms"},"eventType":"activity","requestPath":"/x","additonalData":{},"dataEvent":"true"}"#,
    );
    assert_eq!(
        event.unmapped,
        json!({"meta": {"serviceProviderName": "kms"}, "eventType": "activity",
               "requestPath": "/x", "additonalData": {}, "dataEvent": true})
    );
}

#[test]
fn invalid_initiator_address_is_kept_as_written() {
    let event = one(
        r#"{"action":"is.volume.volume.update","initiator":{"host":{"address":"192.0.2.0/24172"}}}"#,
    );
    let ip = event.src_endpoint.unwrap().ip;
    assert_eq!(ip.as_deref(), Some("192.0.2.0/24172"));
    let event = one(r#"{"action":"a.b.read","initiator":{"host":{"address":" 10.45.116.217"}}}"#);
    assert_eq!(
        event.src_endpoint.unwrap().ip.as_deref(),
        Some("10.45.116.217")
    );
}

#[test]
fn pending_outcome_is_other_with_the_word_kept() {
    let event = one(r#"{"action":"user-management.user.create","outcome":"pending"}"#);
    assert_eq!(event.status_id, Some(StatusId::Other));
    assert_eq!(event.status_detail.as_deref(), Some("pending"));
}

#[test]
fn legacy_archive_form_is_unprefixed() {
    let line = r#"{"_index":"x","_source":{"_host":"logdna","_ts":1584483520000,"eventTime":"2020-03-17T22:18:40.325+0000","action":"iam-groups.member.add","outcome":"success","o_initiator":{"id":"IBMid-1","name":"bob","typeURI":"service/security/account/user","o_host":{"address":"198.51.100.7"}},"o_target":{"id":"crn:v1:bluemix:public:iam-groups:global:a/abc::group:AccessGroupId-1","name":"admins"},"o_reason":{"reasonCode":200},"o_requestData":{"o_member":{"iam_id":"IBMid-2"}},"severity":"warning"}}"#;
    let event = one(line);
    assert_eq!(event.class_uid, ClassUid::ApiActivity);
    assert_eq!(event.activity_id.0, 3);
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(event.resources[0].name.as_deref(), Some("admins"));
    let Native::Json(tree) = &event.native else {
        panic!(
            "legacy native form is the un-prefixed tree: {:?}",
            event.native
        )
    };
    assert_eq!(tree["initiator"]["id"], json!("IBMid-1"));
    assert_eq!(tree["initiator"]["host"]["address"], json!("198.51.100.7"));
    assert_eq!(tree["requestData"]["member"]["iam_id"], json!("IBMid-2"));
    assert!(event.unmapped.get("_host").is_none());
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn records_that_are_not_cadf_events_are_rejected() {
    let r = rejected(r#"{"hello":"world"}"#);
    assert_eq!(r.reason, "missing_field");
    assert!(r.detail.contains("`action`"), "{}", r.detail);
    assert_eq!(rejected(r#"{"action":""}"#).reason, "missing_field");
    assert_eq!(rejected(r#"{"_source":[1]}"#).reason, "missing_field");
    assert_eq!(rejected(r#"{"_source":{"x":1}}"#).reason, "missing_field");
    assert_eq!(rejected("[1,2]").reason, "not_an_object");
    let r = rejected("{\"action\":\"a.b.c\",\n\"x\": }");
    assert_eq!(r.reason, "invalid_json");
    assert!(r.detail.contains("line 2 column"), "{}", r.detail);
    let (_, rejections) = {
        let mut out = Output::default();
        let bytes = b"{\"action\":\"a.\xc3\"}".to_vec();
        normalize(&Record::new("t", bytes), &Context::default(), &mut out);
        (out.events, out.rejections)
    };
    assert_eq!(rejections[0].reason, "invalid_utf8");
}

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/activity-tracker"
);

fn sample(name: &str) -> Option<String> {
    let path = format!("{SAMPLES}/{name}");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            println!("skipped: shared samples not found at {path}");
            None
        }
    }
}

#[test]
fn every_real_sample_normalizes() {
    let Some(text) = sample("ibm-cloud-docs-at-events.ndjson") else {
        return;
    };
    let mut events = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let (mut got, rejections) = run(line);
        assert!(rejections.is_empty(), "line {}: {rejections:?}", n + 1);
        let event = got.remove(0);
        for path in event.class_uid.required_attributes() {
            assert!(
                !event.to_json()[path].is_null(),
                "line {}: no `{path}`",
                n + 1
            );
        }
        events.push(event);
    }
    assert_eq!(events.len(), 37);
    // Seven records name no initiator address: five service IDs calling (their
    // `src_endpoint.svc_name` names the service) and two doc excerpts of user calls whose
    // `src_endpoint` is present, as OCSF requires, but empty.
    let without_address: Vec<_> = events
        .iter()
        .filter_map(|e| e.src_endpoint.as_ref().filter(|s| s.ip.is_none()))
        .collect();
    assert_eq!(without_address.len(), 7);
    assert_eq!(
        without_address
            .iter()
            .filter(|s| s.svc_name.is_some())
            .count(),
        5
    );
    // Line 1: the policy creation with `meta` and misspelled `additonalData`.
    insta::assert_json_snapshot!("sample_policy_create", events[0].to_json());
    // Line 22: a denied VPC creation without eventTime.
    assert_eq!(events[21].unmapped["time_missing"], json!(true));
    insta::assert_json_snapshot!("sample_cbr_denial_without_time", events[21].to_json());
    // Line 23: the invalid address from IBM's docs.
    insta::assert_json_snapshot!("sample_invalid_address", events[22].to_json());
}

#[test]
fn builder_guide_example_with_comments_normalizes() {
    let Some(text) = sample("ibm-at-builder-guide-event-definition-example.jsonc") else {
        return;
    };
    let json: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let event = one(&json);
    assert_eq!(event.class_uid, ClassUid::ApiActivity);
    assert_eq!(event.activity_id.0, 3);
    insta::assert_json_snapshot!("builder_guide_example", event.to_json());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut out = Output::default();
        normalize(&Record::new("p", bytes), &Context::default(), &mut out);
        prop_assert_eq!(out.events.len() + out.rejections.len(), 1);
    }

    #[test]
    fn arbitrary_cadf_shaped_objects_never_panic(
        action in prop_oneof![Just(json!("iam-identity.user-apikey.login")), arb_json(1)],
        initiator in arb_json(3),
        target in arb_json(2),
        other in arb_json(2),
        legacy in any::<bool>(),
    ) {
        let event = json!({"action": action, "initiator": initiator, "target": target,
            "eventTime": other.clone(), "reason": other.clone(), "outcome": other.clone(),
            "requestData": other.clone(), "logSourceCRN": other.clone(), "extra": other});
        let record = if legacy { json!({"_source": event}) } else { event };
        let mut out = Output::default();
        normalize(&Record::new("p", record.to_string()), &Context::default(), &mut out);
        prop_assert_eq!(out.events.len() + out.rejections.len(), 1);
    }
}
