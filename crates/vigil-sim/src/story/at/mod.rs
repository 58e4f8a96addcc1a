//! Activity Tracker events the stories write, shaped like the background's (same `emit`) and
//! like IBM's documentation samples: `requestData` holds the API request (the rule prototype
//! for a security group rule, the policy body for a policy) and `responseData` the answer.

use crate::activity_tracker::{Actor, Event, Initiator, Outcome};
use crate::estate::{Account, ServiceId, User};
use crate::json::Obj;
use crate::text::ipv4;

/// `crn:v1:bluemix:public:<service>:<location>:a/<account>:<instance>:<kind>:<id>`.
pub(crate) fn crn(
    service: &str,
    location: &str,
    account: &Account,
    instance: &str,
    kind: &str,
    id: &str,
) -> String {
    format!(
        "crn:v1:bluemix:public:{service}:{location}:a/{}:{instance}:{kind}:{id}",
        account.id
    )
}

pub(super) fn log_source(service: &str, location: &str, account: &Account) -> String {
    format!(
        "crn:v1:bluemix:public:{service}:{location}:a/{}:::",
        account.id
    )
}

/// A person of the estate acting from `address` with `agent`, authenticated by `credential`
/// (`token` for a console or CLI session, `apikey` for an API key).
pub(crate) fn person(
    user: &User,
    address: u32,
    agent: &str,
    credential: &'static str,
) -> Actor<'static> {
    let short = user.email.split('@').next().unwrap_or_default();
    Actor::Other(Initiator {
        id: user.iam_id.clone(),
        name: user.email.clone(),
        type_uri: "service/security/account/user",
        authn_id: user.iam_id.clone(),
        authn_name: short.to_owned(),
        address: ipv4(address),
        agent: agent.to_owned(),
        credential,
    })
}

/// A service ID of the estate calling with its API key from `address`.
pub(crate) fn service(service: &ServiceId, address: u32, agent: &str) -> Actor<'static> {
    Actor::Other(Initiator {
        id: service.iam_id.clone(),
        name: service.name.to_owned(),
        type_uri: "service/security/account/serviceid",
        authn_id: service.iam_id.clone(),
        authn_name: service.name.to_owned(),
        address: ipv4(address),
        agent: agent.to_owned(),
        credential: "apikey",
    })
}

/// The command line tool attackers and scripts use.
pub(crate) const CLI: &str = "IBM Cloud CLI 2.24.0 / linux";
/// A script on Python's HTTP client.
pub(crate) const SCRIPT: &str = "python-requests/2.31.0";
/// A browser on the console.
pub(crate) const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36";
/// Terraform.
pub(crate) const TERRAFORM: &str = "terraform-provider-ibm/1.65.1";

/// An event with its request and response bodies.
pub(crate) struct Call<'e> {
    pub event: Event<'e>,
    pub request: Vec<u8>,
    pub response: Vec<u8>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn call<'e>(
    action: &'static str,
    display: &'static str,
    summary: String,
    actor: Actor<'e>,
    target: (String, String, &'static str),
    outcome: Outcome,
    log_source_crn: String,
    request: Vec<u8>,
    response: Vec<u8>,
) -> Call<'e> {
    let (target_id, target_name, target_type) = target;
    Call {
        event: Event {
            action,
            display,
            summary,
            actor,
            target_id,
            target_name,
            target_type,
            resource_group: None,
            outcome,
            data_event: false,
            log_source_crn,
        },
        request,
        response,
    }
}

pub(super) fn object(fill: impl FnOnce(&mut Obj<'_>)) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    let mut obj = Obj::new(&mut buf);
    fill(&mut obj);
    obj.finish();
    buf
}

mod identity;
mod resources;

pub(crate) use identity::*;
pub(crate) use resources::*;
