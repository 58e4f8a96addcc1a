//! IBM Cloud Activity Tracker (Event Routing) CADF events, one JSON object per line.
//!
//! The mix follows what an account really emits: mostly logins (API keys, service IDs,
//! browser sessions) and COS data events, then VPC and IAM changes, and now and then the
//! rare actions detections care about (MFA switched off, a flow log collector paused, an
//! audit route changed, a security group opened to the world, bursts of failed logins from
//! a scanner). Field order, spellings and value shapes follow IBM's documentation samples:
//! `eventTime` with 1–3 fraction digits and `+0000`, sometimes `Z` or `+00:00`; `reasonCode`
//! a number; `requestData`/`responseData` service-specific objects, so events weigh 1–2 KB.

mod catalog;
mod identity;
mod resources;

use crate::estate::{Estate, ServiceId, User};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{ipv4, push_json_str, push_rfc3339, Zone};
use crate::Stream;

/// Mean time between two events.
pub(crate) const MEAN_GAP_MS: u64 = 1_500;

/// Browser and tool user agents seen in `initiator.host.agent`.
const BROWSERS: [&str; 4] = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
];

const TOOLS: [&str; 5] = [
    "IBM Cloud CLI 2.24.0 / linux",
    "terraform-provider-ibm/1.65.1",
    "ibm-cloud-sdk-go/0.8.0 (lang=go; arch=amd64; os=linux; go.version=go1.22.3)",
    "ibm-cos-sdk-python/2.13.5 Python/3.11.9 Linux/6.5.0-1022-ibm Botocore/1.19.0",
    "ibm-cos-sdk-java/2.13.4 Linux/5.15.0 OpenJDK_64-Bit_Server_VM/17.0.11",
];

/// Who acts.
pub(crate) enum Actor<'e> {
    /// A person, from an address, with a user agent.
    User(&'e User, String, &'static str),
    /// A service ID, from an address, with a user agent.
    Service(&'e ServiceId, String, &'static str),
    /// Anyone else, spelled out (an identity the estate does not know, or a known one using
    /// an unusual credential).
    Other(Initiator),
}

/// An `initiator` written out field by field.
#[derive(Clone, Debug)]
pub(crate) struct Initiator {
    pub id: String,
    pub name: String,
    /// `service/security/account/user` or `.../serviceid`.
    pub type_uri: &'static str,
    pub authn_id: String,
    pub authn_name: String,
    pub address: String,
    pub agent: String,
    /// `token`, `apikey`, `user`…
    pub credential: &'static str,
}

/// How an event ended.
pub(crate) struct Outcome {
    pub failed: bool,
    pub code: u64,
    pub reason_type: &'static str,
    pub failure: Option<&'static str>,
    pub severity: &'static str,
}

impl Outcome {
    pub(crate) fn success(code: u64, severity: &'static str) -> Outcome {
        let reason_type = match code {
            201 => "Created",
            202 => "Accepted",
            204 => "No Content",
            _ => "OK",
        };
        Outcome {
            failed: false,
            code,
            reason_type,
            failure: None,
            severity,
        }
    }

    /// A failure with HTTP `code`, its reason and IBM's severity for that code.
    pub(crate) fn failure(code: u64, failure: &'static str) -> Outcome {
        let (reason_type, severity) = match code {
            400 => ("Bad Request", "warning"),
            401 => ("Unauthorized", "critical"),
            403 => ("Forbidden", "critical"),
            404 => ("Not Found", "warning"),
            409 => ("Conflict", "warning"),
            _ => ("Internal Server Error", "warning"),
        };
        Outcome {
            failed: true,
            code,
            reason_type,
            failure: Some(failure),
            severity,
        }
    }
}

/// Everything an event says besides its request and response data.
pub(crate) struct Event<'e> {
    pub action: &'static str,
    /// The service's display name, for `message`.
    pub display: &'static str,
    /// `message` after the display name: `<verb> <object> <name>`.
    pub summary: String,
    pub actor: Actor<'e>,
    pub target_id: String,
    pub target_name: String,
    pub target_type: &'static str,
    pub resource_group: Option<&'e str>,
    pub outcome: Outcome,
    pub data_event: bool,
    pub log_source_crn: String,
}

/// Appends `n` events.
pub(crate) fn write(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    for _ in 0..n {
        let time_ms = stream.tick(MEAN_GAP_MS);
        let kinds = if !stream.routine() {
            catalog::KINDS
        } else if business_hours(time_ms) {
            catalog::ROUTINE_DAY_KINDS
        } else {
            catalog::ROUTINE_NIGHT_KINDS
        };
        let kind = *stream.rng.weighted(kinds);
        let routine = stream.routine();
        let (event, request, response) = catalog::build(kind, &mut stream.rng, estate, routine);
        emit(out, &mut stream.rng, time_ms, &event, &request, &response);
    }
}

/// Monday to Friday, 07:00 to 19:00 UTC: when the estate's people work.
pub(crate) fn business_hours(time_ms: i64) -> bool {
    let days = time_ms.div_euclid(86_400_000);
    // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
    let weekday = (days + 3).rem_euclid(7);
    let hour = time_ms.rem_euclid(86_400_000) / 3_600_000;
    weekday < 5 && (7..19).contains(&hour)
}

/// A person of the estate, acting from their office, with a browser or a command line tool.
pub(crate) fn user_actor<'e>(rng: &mut Rng, estate: &'e Estate, browser: bool) -> Actor<'e> {
    let user = rng.pick(&estate.users);
    let address = ipv4(estate.offices[user.office]);
    let agent = if browser {
        *rng.pick(&BROWSERS)
    } else {
        *rng.pick(&TOOLS[..3])
    };
    Actor::User(user, address, agent)
}

/// A service ID of the estate, calling from one of the instances (private or floating address).
pub(crate) fn service_actor<'e>(rng: &mut Rng, estate: &'e Estate) -> Actor<'e> {
    let service = rng.pick(&estate.service_ids);
    service_actor_for(rng, estate, service)
}

/// `service` calling from one of the instances.
pub(crate) fn service_actor_for<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    service: &'e ServiceId,
) -> Actor<'e> {
    let instance = rng.pick(&estate.instances);
    let address = ipv4(instance.floating_ip.unwrap_or(instance.ip));
    Actor::Service(service, address, rng.one(&TOOLS[1..]))
}

/// Writes one event line. `request` and `response` are whole JSON objects (or empty).
pub(crate) fn emit(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    time_ms: i64,
    event: &Event<'_>,
    request: &[u8],
    response: &[u8],
) {
    let mut obj = Obj::new(out);
    // IBM's spec says two fraction digits and `+0000`; real events vary.
    let (digits, zone) = *rng.weighted(&[
        (70, (2, Zone::Compact)),
        (14, (3, Zone::Compact)),
        (8, (1, Zone::Compact)),
        (5, (0, Zone::Z)),
        (3, (3, Zone::Colon)),
    ]);
    obj.with("eventTime", |b| {
        b.push(b'"');
        push_rfc3339(b, time_ms, 0, digits, zone);
        b.push(b'"');
    });
    obj.str("action", event.action);
    obj.str(
        "outcome",
        if event.outcome.failed {
            "failure"
        } else {
            "success"
        },
    );
    obj.with("message", |b| {
        let mut message = String::with_capacity(96);
        message.push_str(event.display);
        message.push_str(": ");
        message.push_str(&event.summary);
        if event.outcome.failed {
            message.push_str(" -failure");
        }
        push_json_str(b, &message);
    });
    obj.obj("initiator", |o| write_initiator(o, &event.actor));
    obj.obj("target", |o| {
        o.str("id", &event.target_id)
            .str("name", &event.target_name)
            .str("typeURI", event.target_type);
        if let Some(group) = event.resource_group {
            o.str("resourceGroupId", group);
        }
    });
    obj.obj("observer", |o| {
        o.str("name", "ActivityTracker");
    });
    obj.obj("reason", |o| {
        o.u64("reasonCode", event.outcome.code)
            .str("reasonType", event.outcome.reason_type);
        if let Some(failure) = event.outcome.failure {
            o.str("reasonForFailure", failure);
        }
    });
    obj.str("severity", event.outcome.severity);
    if !request.is_empty() {
        obj.with("requestData", |b| b.extend_from_slice(request));
    }
    if !response.is_empty() {
        obj.with("responseData", |b| b.extend_from_slice(response));
    }
    obj.with("correlationId", |b| {
        b.push(b'"');
        crate::text::push_uuid(b, rng);
        b.push(b'"');
    });
    obj.bool("dataEvent", event.data_event)
        .str("logSourceCRN", &event.log_source_crn)
        .bool("saveServiceCopy", true);
    obj.finish();
    out.push(b'\n');
}

fn write_initiator(o: &mut Obj<'_>, actor: &Actor<'_>) {
    match actor {
        Actor::User(user, address, agent) => {
            let short = user.email.split('@').next().unwrap_or_default();
            o.str("id", &user.iam_id)
                .str("typeURI", "service/security/account/user")
                .str("name", &user.email)
                .str("authnId", &user.iam_id)
                .str("authnName", short)
                .obj("host", |h| {
                    h.str("address", address)
                        .str("addressType", "IPv4")
                        .str("agent", agent);
                })
                .obj("credential", |c| {
                    c.str("type", "token");
                });
        }
        Actor::Service(service, address, agent) => {
            o.str("id", &service.iam_id)
                .str("typeURI", "service/security/account/serviceid")
                .str("name", service.name)
                .str("authnId", &service.iam_id)
                .str("authnName", service.name)
                .obj("host", |h| {
                    h.str("address", address)
                        .str("addressType", "IPv4")
                        .str("agent", agent);
                })
                .obj("credential", |c| {
                    c.str("type", "apikey");
                });
        }
        Actor::Other(initiator) => {
            o.str("id", &initiator.id)
                .str("typeURI", initiator.type_uri)
                .str("name", &initiator.name)
                .str("authnId", &initiator.authn_id)
                .str("authnName", &initiator.authn_name)
                .obj("host", |h| {
                    h.str("address", &initiator.address)
                        .str("addressType", "IPv4")
                        .str("agent", &initiator.agent);
                })
                .obj("credential", |c| {
                    c.str("type", initiator.credential);
                });
        }
    }
}
