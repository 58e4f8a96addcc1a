//! The borrowed, lenient shape of a CloudTrail event and of a CloudTrail file.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::source::jsonutil::{lenient_struct, List, Scalar};

lenient_struct! {
    /// One CloudTrail event, or a CloudTrail file (`Records` set, the rest empty). Keys not
    /// named here are kept raw in `rest` (they go to `unmapped`).
    pub(super) struct CtEvent<'a> {
        pub records: Records<'a> = "Records",
        pub event_version: IgnoredAny = "eventVersion",
        pub user_identity: UserIdentity<'a> = "userIdentity",
        pub event_time: Scalar<'a> = "eventTime",
        pub event_source: Scalar<'a> = "eventSource",
        pub event_name: Scalar<'a> = "eventName",
        pub aws_region: Scalar<'a> = "awsRegion",
        pub source_ip_address: Scalar<'a> = "sourceIPAddress",
        pub user_agent: Scalar<'a> = "userAgent",
        pub error_code: Scalar<'a> = "errorCode",
        pub error_message: Scalar<'a> = "errorMessage",
        pub request_parameters: Option<&'a RawValue> = "requestParameters",
        pub response_elements: Option<&'a RawValue> = "responseElements",
        pub additional_event_data: Option<&'a RawValue> = "additionalEventData",
        pub request_id: Scalar<'a> = "requestID",
        pub event_id: Scalar<'a> = "eventID",
        pub event_type: Scalar<'a> = "eventType",
        pub api_version: Scalar<'a> = "apiVersion",
        pub read_only: Scalar<'a> = "readOnly",
        pub management_event: Scalar<'a> = "managementEvent",
        pub event_category: Scalar<'a> = "eventCategory",
        pub resources: List<CtResource<'a>> = "resources",
        pub recipient_account_id: Scalar<'a> = "recipientAccountId",
        pub shared_event_id: Scalar<'a> = "sharedEventID",
        pub vpc_endpoint_id: Scalar<'a> = "vpcEndpointId",
        pub tls_details: TlsDetails<'a> = "tlsDetails",
        ..rest
    }
}

lenient_struct! {
    /// `userIdentity`.
    pub(super) struct UserIdentity<'a> {
        pub kind: Scalar<'a> = "type",
        pub principal_id: Scalar<'a> = "principalId",
        pub arn: Scalar<'a> = "arn",
        pub account_id: Scalar<'a> = "accountId",
        pub access_key_id: Scalar<'a> = "accessKeyId",
        pub user_name: Scalar<'a> = "userName",
        pub invoked_by: Scalar<'a> = "invokedBy",
        pub session_context: SessionContext<'a> = "sessionContext",
    }
}

lenient_struct! {
    /// `userIdentity.sessionContext`.
    pub(super) struct SessionContext<'a> {
        pub session_issuer: SessionIssuer<'a> = "sessionIssuer",
        pub attributes: SessionAttributes<'a> = "attributes",
    }
}

lenient_struct! {
    /// `userIdentity.sessionContext.sessionIssuer`: the role a session was assumed from.
    pub(super) struct SessionIssuer<'a> {
        pub arn: Scalar<'a> = "arn",
    }
}

lenient_struct! {
    /// `userIdentity.sessionContext.attributes`.
    pub(super) struct SessionAttributes<'a> {
        pub mfa_authenticated: Scalar<'a> = "mfaAuthenticated",
    }
}

lenient_struct! {
    /// One of `resources`.
    pub(super) struct CtResource<'a> {
        pub arn: Scalar<'a> = "ARN",
        pub account_id: Scalar<'a> = "accountId",
        pub kind: Scalar<'a> = "type",
    }
}

lenient_struct! {
    /// `tlsDetails`.
    pub(super) struct TlsDetails<'a> {
        pub tls_version: Scalar<'a> = "tlsVersion",
        pub cipher_suite: Scalar<'a> = "cipherSuite",
        pub client_provided_host_header: Scalar<'a> = "clientProvidedHostHeader",
    }
}

/// `Records` of a CloudTrail file: its events, still raw; or a sign that the key held
/// something other than an array.
#[derive(Debug, Default)]
pub(super) enum Records<'a> {
    /// No `Records` key: the record is one event.
    #[default]
    Absent,
    /// The events.
    Array(Vec<&'a RawValue>),
    /// `Records` held something else (named).
    NotAnArray(&'static str),
}

impl<'de: 'a, 'a> Deserialize<'de> for Records<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RecordsVisitor)
    }
}

struct RecordsVisitor;

impl<'de> Visitor<'de> for RecordsVisitor {
    type Value = Records<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any json value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Records::NotAnArray("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Records::NotAnArray("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Records::NotAnArray("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Records::NotAnArray("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Records::NotAnArray("a string"))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Records::NotAnArray("null"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Records::NotAnArray("an object"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item);
        }
        Ok(Records::Array(items))
    }
}
