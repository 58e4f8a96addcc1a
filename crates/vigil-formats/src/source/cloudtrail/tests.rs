use proptest::prelude::*;
use serde_json::json;
use vigil_model::{ClassUid, Native, Rejection, StatusId};

use super::*;
use crate::source::jsonutil::tests::arb_json;

// Fixtures written from AWS's documented record shape (CloudTrail record contents and the
// userIdentity element); values are AWS's documentation placeholders.

const CONSOLE_LOGIN_OK: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::111122223333:user/Alice","accountId":"111122223333","userName":"Alice"},"eventTime":"2023-07-19T21:44:40Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No","MFAUsed":"Yes"},"eventID":"e1bf1000-ddaa-4a2c-a6e2-a3e3ac6c8d03","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"signin.aws.amazon.com"}}"#;

const CONSOLE_LOGIN_FAILED: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","accountId":"111122223333","accessKeyId":"","userName":"JaneDoe"},"eventTime":"2023-07-19T21:45:10Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0","errorMessage":"Failed authentication","requestParameters":null,"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"},"eventID":"3f27bb3a-5b7f-4b8e-9a0c-5c5d1b1e2f00","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

const CREATE_ACCESS_KEY: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAJ45Q7YFFAREXAMPLE","arn":"arn:aws:iam::111122223333:user/Alice","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"Alice"},"eventTime":"2023-07-19T22:01:33Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.10","userAgent":"aws-cli/2.13.5 Python/3.11.4 Linux/5.10.184 exe/x86_64.amzn.2 prompt/off command/iam.create-access-key","requestParameters":{"userName":"Bob"},"responseElements":{"accessKey":{"accessKeyId":"AKIAI44QH8DHBEXAMPLE","status":"Active","userName":"Bob","createDate":"Jul 19, 2023 10:01:33 PM"}},"requestID":"9d3a1b3e-0c33-4b7a-9d8a-1c2b3d4e5f60","eventID":"c7d6a3b2-9f1e-4e5d-8c7b-6a5f4e3d2c1b","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"iam.amazonaws.com"}}"#;

const PUT_BUCKET_POLICY_ASSUMED_ROLE: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAIDPPEZS35WEXAMPLE:devops-session","arn":"arn:aws:sts::111122223333:assumed-role/DevOpsRole/devops-session","accountId":"111122223333","accessKeyId":"ASIAIOSFODNN7EXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAIDPPEZS35WEXAMPLE","arn":"arn:aws:iam::111122223333:role/DevOpsRole","accountId":"111122223333","userName":"DevOpsRole"},"webIdFederationData":{},"attributes":{"creationDate":"2023-07-19T20:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"2023-07-19T22:10:05Z","eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.50","userAgent":"[aws-cli/2.13.5 Python/3.11.4 Linux/5.10.184]","requestParameters":{"bucketName":"example-bucket","Host":"example-bucket.s3.eu-west-1.amazonaws.com","bucketPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}]},"policy":""},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","bytesTransferredOut":0},"requestID":"3E4C2F8A1B2C3D4E","eventID":"0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9","readOnly":false,"resources":[{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::example-bucket"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","vpcEndpointId":"vpce-0123456789abcdef0","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"example-bucket.s3.eu-west-1.amazonaws.com"}}"#;

const DELETE_TRAIL_DENIED: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEMALLORY01","arn":"arn:aws:iam::111122223333:user/Mallory","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEMALLORY01","userName":"Mallory"},"eventTime":"2023-07-19T22:20:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.77","userAgent":"aws-cli/2.13.5","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::111122223333:user/Mallory is not authorized to perform: cloudtrail:DeleteTrail on resource: arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events because no identity-based policy allows the cloudtrail:DeleteTrail action","requestParameters":{"name":"management-events"},"responseElements":null,"requestID":"5c8f1a2b-3d4e-5f60-7182-93a4b5c6d7e8","eventID":"8b7a6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

const SERVICE_ASSUME_ROLE: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},"eventTime":"2023-07-19T22:30:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"ec2.amazonaws.com","userAgent":"ec2.amazonaws.com","requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/WebServerRole","roleSessionName":"i-0123456789abcdef0"},"responseElements":{"credentials":{"accessKeyId":"ASIAEXAMPLEEC2SESSION","sessionToken":"<redacted>","expiration":"Jul 20, 2023 4:30:00 AM"}},"requestID":"f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f","eventID":"1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809","readOnly":true,"resources":[{"accountId":"111122223333","type":"AWS::IAM::Role","ARN":"arn:aws:iam::111122223333:role/WebServerRole"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","sharedEventID":"9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0","eventCategory":"Management"}"#;

const ALL: [&str; 6] = [
    CONSOLE_LOGIN_OK,
    CONSOLE_LOGIN_FAILED,
    CREATE_ACCESS_KEY,
    PUT_BUCKET_POLICY_ASSUMED_ROLE,
    DELETE_TRAIL_DENIED,
    SERVICE_ASSUME_ROLE,
];

fn run(json: &str) -> (Vec<Event>, Vec<Rejection>) {
    let mut out = Output::default();
    let ctx = Context {
        reference_time_ms: 1_700_000_000_000,
        ..Context::default()
    };
    normalize(&Record::new("ct.json", json.to_owned()), &ctx, &mut out);
    (out.events, out.rejections)
}

fn one(json: &str) -> Event {
    let (mut events, rejections) = run(json);
    assert!(rejections.is_empty(), "{rejections:?}");
    assert_eq!(events.len(), 1);
    events.remove(0)
}

#[test]
fn console_logins_are_logons_with_their_outcome() {
    let ok = one(CONSOLE_LOGIN_OK);
    assert_eq!(ok.class_uid, ClassUid::Authentication);
    assert_eq!(ok.activity_id.0, 1);
    assert_eq!(ok.status_id, Some(StatusId::Success));
    assert_eq!(ok.user.as_ref().unwrap().name.as_deref(), Some("Alice"));
    insta::assert_json_snapshot!("console_login_success", ok.to_json());
    let failed = one(CONSOLE_LOGIN_FAILED);
    assert_eq!(failed.status_id, Some(StatusId::Failure));
    assert_eq!(
        failed.status_detail.as_deref(),
        Some("Failed authentication")
    );
    let user = failed.user.as_ref().unwrap();
    assert_eq!(user.uid.as_deref(), Some("AIDACKCEVSQ6C2EXAMPLE"));
    assert_eq!(user.credential_uid, None);
    insta::assert_json_snapshot!("console_login_failure", failed.to_json());
}

#[test]
fn create_access_key_is_an_api_create() {
    let event = one(CREATE_ACCESS_KEY);
    assert_eq!(event.class_uid, ClassUid::ApiActivity);
    assert_eq!(event.activity_id.0, 1);
    let user = event.actor.as_ref().unwrap().user.as_ref().unwrap();
    assert_eq!(user.credential_uid.as_deref(), Some("AKIAIOSFODNN7EXAMPLE"));
    let api = event.api.as_ref().unwrap();
    assert_eq!(api.request_data, Some(json!({"userName": "Bob"})));
    insta::assert_json_snapshot!("create_access_key", event.to_json());
}

#[test]
fn assumed_role_put_bucket_policy() {
    let event = one(PUT_BUCKET_POLICY_ASSUMED_ROLE);
    assert_eq!(event.activity_id.0, 3);
    let user = event.actor.as_ref().unwrap().user.as_ref().unwrap();
    assert_eq!(user.name.as_deref(), Some("devops-session"));
    assert_eq!(user.type_name.as_deref(), Some("AssumedRole"));
    assert_eq!(user.type_id, Some(99));
    assert_eq!(
        event.resources[0].uid.as_deref(),
        Some("arn:aws:s3:::example-bucket")
    );
    insta::assert_json_snapshot!("put_bucket_policy_assumed_role", event.to_json());
}

#[test]
fn error_events_fail_with_their_code() {
    let event = one(DELETE_TRAIL_DENIED);
    assert_eq!(event.activity_id.0, 4);
    assert_eq!(event.status_id, Some(StatusId::Failure));
    assert_eq!(event.status_code.as_deref(), Some("AccessDenied"));
    insta::assert_json_snapshot!("delete_trail_access_denied", event.to_json());
}

#[test]
fn service_source_goes_to_domain_not_ip() {
    let event = one(SERVICE_ASSUME_ROLE);
    let src = event.src_endpoint.as_ref().unwrap();
    assert_eq!(src.ip, None);
    assert_eq!(src.domain.as_deref(), Some("ec2.amazonaws.com"));
    assert_eq!(event.activity_id.0, 99);
    assert_eq!(event.activity_name.as_deref(), Some("Assume"));
    let actor = event.actor.as_ref().unwrap();
    assert_eq!(actor.invoked_by.as_deref(), Some("ec2.amazonaws.com"));
    assert_eq!(actor.user.as_ref().unwrap().type_id, Some(4));
    insta::assert_json_snapshot!("service_assume_role", event.to_json());
}

#[test]
fn a_records_file_yields_one_event_per_element_with_its_own_bytes() {
    let file = format!("{{\"Records\":[\n{}\n]}}", ALL.join(",\n"));
    let (events, rejections) = run(&file);
    assert!(rejections.is_empty(), "{rejections:?}");
    assert_eq!(events.len(), ALL.len());
    for (i, (event, element)) in events.iter().zip(ALL).enumerate() {
        assert_eq!(event.provenance.index, Some(i as u32));
        assert_eq!(&event.raw[..], element.as_bytes());
        assert_eq!(event.native, Native::RawJson);
        let native = event.native.to_json(&event.raw);
        assert!(native["eventName"].is_string(), "{i}");
    }
    let single = one(CREATE_ACCESS_KEY);
    assert_eq!(single.provenance.index, None);
    assert_eq!(
        single.native.to_json(&single.raw)["requestParameters"]["userName"],
        json!("Bob")
    );
}

#[test]
fn bad_elements_are_rejected_alone() {
    let file = format!(
        "{{\"Records\":[{CREATE_ACCESS_KEY}, 5, {{\"eventTime\":\"2023-07-19T22:01:33Z\"}}, {DELETE_TRAIL_DENIED}]}}"
    );
    let (events, rejections) = run(&file);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].provenance.index, Some(3));
    let reasons: Vec<_> = rejections
        .iter()
        .map(|r| {
            (
                r.provenance.index,
                r.reason,
                String::from_utf8_lossy(&r.record).into_owned(),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            (Some(1), "not_an_object", "5".to_owned()),
            (
                Some(2),
                "missing_field",
                "{\"eventTime\":\"2023-07-19T22:01:33Z\"}".to_owned()
            ),
        ]
    );
}

#[test]
fn odd_files_and_non_events() {
    let (events, rejections) = run(r#"{"Records":[]}"#);
    assert!(events.is_empty() && rejections.is_empty());
    let (_, rejections) = run(r#"{"Records":"nope"}"#);
    assert_eq!(rejections[0].reason, "invalid_field");
    assert!(rejections[0].detail.contains("found a string"));
    let (_, rejections) = run(r#"{"awsAccountId":"1","digestStartTime":"x"}"#);
    assert_eq!(rejections[0].reason, "missing_field");
    assert!(rejections[0].detail.contains("`eventName`"));
    let (_, rejections) = run("{\"Records\":[{\"eventName\":\"GetObject\"},]}");
    assert_eq!(rejections[0].reason, "invalid_json");
    assert!(
        rejections[0].detail.contains("column"),
        "{}",
        rejections[0].detail
    );
    let event = one(r#"{"eventName":"GetObject"}"#);
    assert_eq!(event.time, 1_700_000_000_000);
    assert_eq!(event.unmapped["time_missing"], json!(true));
}

#[test]
fn verbs_of_event_names() {
    for (name, activity, activity_name) in [
        ("CreateUser", 1, None),
        ("RunInstances", 1, None),
        ("GetObject", 2, None),
        ("BatchGetItem", 2, None),
        ("ListBuckets", 2, None),
        ("DescribeInstances", 2, None),
        ("PutBucketPolicy", 3, None),
        ("AuthorizeSecurityGroupIngress", 3, None),
        ("DeleteTrail", 4, None),
        ("DetachRolePolicy", 4, None),
        ("TerminateInstances", 4, None),
        ("AssumeRole", 99, Some("Assume")),
        ("Decrypt", 99, Some("Decrypt")),
        ("ListenerRule", 99, Some("Listener")),
        ("x", 99, Some("x")),
    ] {
        let (class, id, got) = classify(name);
        assert_eq!(class, ClassUid::ApiActivity);
        assert_eq!((id.0, got.as_deref()), (activity, activity_name), "{name}");
    }
    assert_eq!(classify("ConsoleLogin").0, ClassUid::Authentication);
    assert_eq!(arn_last_part("arn:aws:iam::1:root"), Some("root"));
    assert_eq!(arn_last_part("arn:aws:iam::1:user/path/bob"), Some("bob"));
    assert_eq!(arn_last_part("not-an-arn"), None);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut out = Output::default();
        normalize(&Record::new("p", bytes), &Context::default(), &mut out);
    }

    #[test]
    fn arbitrary_cloudtrail_shaped_objects_never_panic(
        name in prop_oneof![Just(json!("ConsoleLogin")), Just(json!("CreateUser")), arb_json(1)],
        identity in arb_json(3),
        other in arb_json(2),
        as_file in any::<bool>(),
    ) {
        let event = json!({"eventName": name, "userIdentity": identity, "eventTime": other.clone(),
            "sourceIPAddress": other.clone(), "responseElements": other.clone(),
            "resources": other.clone(), "tlsDetails": other.clone(), "errorCode": other});
        let record = if as_file { json!({"Records": [event, 1, null]}) } else { event };
        let mut out = Output::default();
        normalize(&Record::new("p", record.to_string()), &Context::default(), &mut out);
        let expected = if as_file { 3 } else { 1 };
        prop_assert_eq!(out.events.len() + out.rejections.len(), expected);
    }
}
