//! The borrowed, lenient shape of a CADF event as Activity Tracker writes it.

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::source::jsonutil::{lenient_struct, Scalar};

lenient_struct! {
    /// One Activity Tracker event. Keys not named here are kept raw in `rest` (they go to
    /// `unmapped`).
    pub(super) struct AtEvent<'a> {
        pub action: Scalar<'a> = "action",
        pub outcome: Scalar<'a> = "outcome",
        pub event_time: Scalar<'a> = "eventTime",
        pub initiator: Initiator<'a> = "initiator",
        pub target: Target<'a> = "target",
        pub reason: Reason<'a> = "reason",
        pub severity: Scalar<'a> = "severity",
        pub message: Scalar<'a> = "message",
        pub id: Scalar<'a> = "id",
        pub correlation_id: Scalar<'a> = "correlationId",
        pub log_source_crn: Scalar<'a> = "logSourceCRN",
        pub request_data: Option<&'a RawValue> = "requestData",
        pub response_data: Option<&'a RawValue> = "responseData",
        pub data_event: Scalar<'a> = "dataEvent",
        // Known CADF fields with nothing to map: the native record keeps them.
        pub observer: IgnoredAny = "observer",
        pub save_service_copy: IgnoredAny = "saveServiceCopy",
        // The legacy LogDNA archive form holds the event under `_source`.
        pub legacy_source: Option<&'a RawValue> = "_source",
        ..rest
    }
}

lenient_struct! {
    /// `initiator`: who acted.
    pub(super) struct Initiator<'a> {
        pub id: Scalar<'a> = "id",
        pub name: Scalar<'a> = "name",
        pub type_uri: Scalar<'a> = "typeURI",
        pub authn_id: Scalar<'a> = "authnId",
        pub authn_name: Scalar<'a> = "authnName",
        pub credential: Credential<'a> = "credential",
        pub host: Host<'a> = "host",
    }
}

lenient_struct! {
    /// `initiator.credential`.
    pub(super) struct Credential<'a> {
        pub kind: Scalar<'a> = "type",
    }
}

lenient_struct! {
    /// `initiator.host` / `target.host`.
    pub(super) struct Host<'a> {
        pub address: Scalar<'a> = "address",
        pub agent: Scalar<'a> = "agent",
    }
}

lenient_struct! {
    /// `target`: what was acted on.
    pub(super) struct Target<'a> {
        pub id: Scalar<'a> = "id",
        pub name: Scalar<'a> = "name",
        pub type_uri: Scalar<'a> = "typeURI",
        pub resource_group_id: Scalar<'a> = "resourceGroupId",
    }
}

lenient_struct! {
    /// `reason`.
    pub(super) struct Reason<'a> {
        pub code: Scalar<'a> = "reasonCode",
        pub kind: Scalar<'a> = "reasonType",
        pub failure: Scalar<'a> = "reasonForFailure",
    }
}
