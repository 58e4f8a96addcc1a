//! Activity Tracker events the stories write, shaped like the background's (same `emit`) and
//! like IBM's documentation samples: `requestData` holds the API request (the rule prototype
//! for a security group rule, the policy body for a policy) and `responseData` the answer.

use crate::activity_tracker::{Actor, Event, Initiator, Outcome};
use crate::estate::{Account, Instance, ServiceId, User};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{hex, ipv4, uuid};

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

fn log_source(service: &str, location: &str, account: &Account) -> String {
    format!(
        "crn:v1:bluemix:public:{service}:{location}:a/{}:::",
        account.id
    )
}

/// A person of the estate acting from `address` with `agent`, authenticated by `credential`
/// (`token` for a console or CLI session, `apikey` for an API key).
pub(crate) fn person(user: &User, address: u32, agent: &str, credential: &'static str) -> Actor<'static> {
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
fn call<'e>(
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

fn object(fill: impl FnOnce(&mut Obj<'_>)) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    let mut obj = Obj::new(&mut buf);
    fill(&mut obj);
    obj.finish();
    buf
}

/// The CRN of a user API key.
pub(crate) fn apikey_crn(account: &Account, key: &str) -> String {
    crn("iam-identity", "", account, "", "apikey", key)
}

/// `iam-identity.user-apikey.login`, with API key `key`.
pub(crate) fn apikey_login<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    key: &str,
    success: bool,
) -> Call<'e> {
    let request = object(|o| {
        o.str("client_id", "bx")
            .str("grant_type", "urn:ibm:params:oauth:grant-type:apikey")
            .str("apikey_id", key)
            .str("scope", "ibm openid")
            .str("response_type", "cloud_iam");
    });
    let response = object(|o| {
        if success {
            o.str("token_type", "Bearer")
                .u64("expires_in", 3600)
                .str("session_id", &format!("C-{}", uuid(rng)));
        } else {
            o.str("errorCode", "BXNIM0415E")
                .str("errorMessage", "Provided API key could not be found.");
        }
    });
    call(
        "iam-identity.user-apikey.login",
        "IAM Identity Service",
        format!("login user-apikey {key}"),
        actor,
        (apikey_crn(account, key), key.to_owned(), "iam-identity/user-apikey"),
        if success {
            Outcome::success(200, "normal")
        } else {
            Outcome::failure(400, "Provided API key could not be found.")
        },
        log_source("iam-identity", "global", account),
        request,
        response,
    )
}

/// `iam-identity.serviceid-apikey.login` for `service`.
pub(crate) fn serviceid_login<'e>(
    account: &Account,
    actor: Actor<'e>,
    service: &ServiceId,
    success: bool,
) -> Call<'e> {
    let id = service.iam_id.trim_start_matches("iam-").to_owned();
    let request = object(|o| {
        o.str("client_id", "default")
            .str("grant_type", "urn:ibm:params:oauth:grant-type:apikey")
            .str("serviceid", &id);
    });
    let response = object(|o| {
        if success {
            o.str("token_type", "Bearer").u64("expires_in", 3600);
        } else {
            o.str("errorCode", "BXNIM0415E")
                .str("errorMessage", "Provided API key could not be found.");
        }
    });
    call(
        "iam-identity.serviceid-apikey.login",
        "IAM Identity Service",
        format!("login serviceid-apikey {}", service.name),
        actor,
        (
            crn("iam-identity", "", account, "", "serviceid", &id),
            service.name.to_owned(),
            "iam-identity/serviceid-apikey",
        ),
        if success {
            Outcome::success(200, "normal")
        } else {
            Outcome::failure(400, "Provided API key could not be found.")
        },
        log_source("iam-identity", "global", account),
        request,
        response,
    )
}

/// `iam-identity.user-apikey.create` of key `key` named `name`.
pub(crate) fn user_apikey_create<'e>(
    account: &Account,
    actor: Actor<'e>,
    key: &str,
    name: &str,
) -> Call<'e> {
    let request = object(|o| {
        o.str("name", name)
            .str("description", "")
            .bool("store_value", false);
    });
    let response = object(|o| {
        o.str("id", key).str("entity_tag", "1-0").bool("locked", false);
    });
    call(
        "iam-identity.user-apikey.create",
        "IAM Identity Service",
        format!("create user-apikey {name}"),
        actor,
        (apikey_crn(account, key), name.to_owned(), "iam-identity/user-apikey"),
        Outcome::success(201, "critical"),
        log_source("iam-identity", "global", account),
        request,
        response,
    )
}

/// `iam-identity.serviceid-apikey.create` of key `key` for `service`.
pub(crate) fn serviceid_apikey_create<'e>(
    account: &Account,
    actor: Actor<'e>,
    service: &ServiceId,
    key: &str,
    name: &str,
) -> Call<'e> {
    let request = object(|o| {
        o.str("name", name)
            .str("iam_id", &service.iam_id)
            .bool("store_value", false);
    });
    let response = object(|o| {
        o.str("id", key).str("entity_tag", "1-0").bool("locked", false);
    });
    call(
        "iam-identity.serviceid-apikey.create",
        "IAM Identity Service",
        format!("create serviceid-apikey {name}"),
        actor,
        (
            crn("iam-identity", "", account, "", "apikey", key),
            name.to_owned(),
            "iam-identity/serviceid-apikey",
        ),
        Outcome::success(201, "critical"),
        log_source("iam-identity", "global", account),
        request,
        response,
    )
}

/// `iam-am.policy.create`: `role` (`Administrator`, `Editor`, `Reader`…, platform or service
/// role as its CRN suffix, e.g. `role:Administrator`) for `subject` on `service` (and on one
/// resource of it when `resource` is given as `(type, id)`).
pub(crate) fn policy_create<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    subject: (&str, &str),
    role: &str,
    service: &str,
    resource: Option<(&str, &str)>,
) -> Call<'e> {
    let policy = uuid(rng);
    let (subject_name, subject_value) = subject;
    let write_body = |o: &mut Obj<'_>| {
        o.str("type", "access")
            .objs("subjects", 1, |_, s| {
                s.objs("attributes", 1, |_, a| {
                    a.str("name", subject_name).str("value", subject_value);
                });
            })
            .objs("roles", 1, |_, r| {
                r.str("role_id", &format!("crn:v1:bluemix:public:iam::::{role}"));
            })
            .objs("resources", 1, |_, r| {
                let (kind, id) = resource.unwrap_or_default();
                let count = if resource.is_some() { 4 } else { 2 };
                r.objs("attributes", count, |i, a| {
                    let (name, value) = match i {
                        0 => ("accountId", account.id.as_str()),
                        1 => ("serviceName", service),
                        2 => ("resourceType", kind),
                        _ => ("resource", id),
                    };
                    a.str("name", name).str("value", value);
                });
            });
    };
    let request = object(|o| {
        o.str("url", "https://iam.cloud.ibm.com/v1/policies")
            .str("api_name", "postPolicyV1")
            .str("method", "POST")
            .obj("body", write_body);
    });
    let response = object(|o| {
        o.str("status", "201 Created")
            .str(
                "elapsed_time",
                &format!("{}.{:03}ms", rng.range(40, 400), rng.below(1000)),
            )
            .str("transaction_id", &uuid(rng));
    });
    call(
        "iam-am.policy.create",
        "IAM Access Management",
        format!("create policy {policy}"),
        actor,
        (
            crn("iam-am", "", account, "", "policy", &policy),
            policy.clone(),
            "iam-am/policy",
        ),
        Outcome::success(201, "warning"),
        log_source("iam-am", "", account),
        request,
        response,
    )
}

/// The CRN of a bucket of the account.
pub(crate) fn bucket_crn(account: &Account, bucket: &str) -> String {
    crn(
        "cloud-object-storage",
        "global",
        account,
        &account.cos_instance,
        "bucket",
        bucket,
    )
}

/// `cloud-object-storage.bucket-public-access-block.delete` on `bucket`.
pub(crate) fn public_access_block_delete<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    bucket: &str,
) -> Call<'e> {
    let request = object(|o| {
        o.str("bucket_location", account.region)
            .str("request_id", &uuid(rng));
    });
    call(
        "cloud-object-storage.bucket-public-access-block.delete",
        "Cloud Object Storage",
        format!("delete bucket-public-access-block {bucket}"),
        actor,
        (
            bucket_crn(account, bucket),
            bucket.to_owned(),
            "cloud-object-storage/bucket",
        ),
        Outcome::success(204, "critical"),
        bucket_crn(account, ""),
        request,
        Vec::new(),
    )
}

/// `cloud-object-storage.object.create` (a data event) of `object` in `bucket`.
pub(crate) fn object_write<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    bucket: &str,
    object_key: &str,
    length: u64,
) -> Call<'e> {
    let request = object(|o| {
        o.str("bucket_location", account.region)
            .str("object_key", object_key)
            .u64("object_length", length)
            .str("request_id", &uuid(rng))
            .str("storage_class", "smart")
            .str("content_type", "application/octet-stream");
    });
    let response = object(|o| {
        o.str("etag", &hex(rng, 32)).u64("bytes_transferred", length);
    });
    let mut call = call(
        "cloud-object-storage.object.create",
        "Cloud Object Storage",
        format!("create object {object_key}"),
        actor,
        (
            bucket_crn(account, bucket),
            object_key.to_owned(),
            "cloud-object-storage/object",
        ),
        Outcome::success(200, "normal"),
        bucket_crn(account, bucket),
        request,
        response,
    );
    call.event.data_event = true;
    call
}

/// `is.instance.console-access-token.create` on `instance`.
pub(crate) fn console_token<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    instance: &Instance,
) -> Call<'e> {
    let request = object(|o| {
        o.str("generation", "2")
            .str("requestId", &uuid(rng))
            .str("console_type", "serial")
            .bool("force", true);
    });
    call(
        "is.instance.console-access-token.create",
        "Virtual Private Cloud",
        format!("create console-access-token {}", instance.name),
        actor,
        (instance.crn.clone(), instance.name.clone(), "is.instance/console-access-token"),
        Outcome::success(201, "warning"),
        crn("is", account.region, account, "", "instance", ""),
        request,
        Vec::new(),
    )
}

/// `is.floating-ip.floating-ip.create`, bound to `instance`'s interface.
pub(crate) fn floating_ip_create<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    instance: &Instance,
    address: u32,
) -> Call<'e> {
    let id = format!("r006-{}", uuid(rng));
    let request = object(|o| {
        o.str("generation", "2")
            .str("requestId", &uuid(rng))
            .str("name", &format!("fip-{}", hex(rng, 4)))
            .obj("target", |t| {
                t.str("id", &instance.vnic_id);
            });
    });
    let response = object(|o| {
        o.str("id", &id)
            .str("address", &ipv4(address))
            .str("status", "available");
    });
    call(
        "is.floating-ip.floating-ip.create",
        "Virtual Private Cloud",
        format!("create floating-ip {}", ipv4(address)),
        actor,
        (
            crn("is", account.region, account, "", "floating-ip", &id),
            ipv4(address),
            "is.floating-ip/floating-ip",
        ),
        Outcome::success(201, "warning"),
        crn("is", account.region, account, "", "floating-ip", ""),
        request,
        response,
    )
}

/// The CRN of security group `index` of the account.
pub(crate) fn security_group_crn(account: &Account, index: usize) -> String {
    crn(
        "is",
        account.region,
        account,
        "",
        "security-group",
        &account.security_groups[index],
    )
}

/// `is.security-group.security-group-rule.create`: inbound TCP `port` from `cidr` on
/// security group `index` (named `name`). Returns the call and the rule's id.
pub(crate) fn security_group_rule_create<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    (index, name): (usize, &str),
    port: u64,
    cidr: &str,
) -> (Call<'e>, String) {
    let group = &account.security_groups[index];
    let rule = format!("{}-{}", &group[..4], uuid(rng));
    let request = object(|o| {
        o.str("generation", "2")
            .str("requestId", &uuid(rng))
            .str("security_group_id", group)
            .str("direction", "inbound")
            .str("ip_version", "ipv4")
            .str("protocol", "tcp")
            .u64("port_min", port)
            .u64("port_max", port)
            .obj("remote", |r| {
                r.str("cidr_block", cidr);
            });
    });
    let response = object(|o| {
        o.str(
            "responseURI",
            &format!("/v1/security_groups/{group}/rules/{rule}"),
        )
        .str("id", &rule);
    });
    (
        call(
            "is.security-group.security-group-rule.create",
            "Security Groups for VPC",
            format!("create security-group-rule {name}"),
            actor,
            (
                security_group_crn(account, index),
                name.to_owned(),
                "is.security-group/security-group-rule",
            ),
            Outcome::success(201, "warning"),
            security_group_crn(account, index),
            request,
            response,
        ),
        rule,
    )
}

/// `is.security-group.security-group-rule.delete` of `rule`.
pub(crate) fn security_group_rule_delete<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    (index, name): (usize, &str),
    rule: &str,
) -> Call<'e> {
    let group = &account.security_groups[index];
    let request = object(|o| {
        o.str("generation", "2")
            .str("requestId", &uuid(rng))
            .str("security_group_id", group)
            .str("rule_id", rule);
    });
    call(
        "is.security-group.security-group-rule.delete",
        "Security Groups for VPC",
        format!("delete security-group-rule {name}"),
        actor,
        (
            security_group_crn(account, index),
            name.to_owned(),
            "is.security-group/security-group-rule",
        ),
        Outcome::success(204, "warning"),
        security_group_crn(account, index),
        request,
        Vec::new(),
    )
}

/// An account-wide action: `billing.account-mfa.set-off`, `user-management.user.invite`.
pub(crate) fn mfa_off<'e>(account: &Account, actor: Actor<'e>) -> Call<'e> {
    let request = object(|o| {
        o.str("updateType", "mfa")
            .str("initialValue", "TOTP4ALL")
            .str("newValue", "NONE");
    });
    call(
        "billing.account-mfa.set-off",
        "Billing",
        format!("set-off account-mfa {}", account.id),
        actor,
        (
            crn("billing", "global", account, "", "account", &account.id),
            account.id.clone(),
            "billing/account-mfa",
        ),
        Outcome::success(200, "critical"),
        log_source("billing", "global", account),
        request,
        Vec::new(),
    )
}

/// `user-management.user.invite` of `email` into `group`.
pub(crate) fn user_invite<'e>(account: &Account, actor: Actor<'e>, email: &str, group: &str) -> Call<'e> {
    let request = object(|o| {
        o.str("email", email).strs("access_groups", &[group]);
    });
    call(
        "user-management.user.invite",
        "User Management",
        format!("invite user {email}"),
        actor,
        (
            crn("user-management", "global", account, "", "user", email),
            email.to_owned(),
            "user-management/user",
        ),
        Outcome::success(200, "warning"),
        log_source("user-management", "global", account),
        request,
        Vec::new(),
    )
}

/// `iam-groups.member.add` of `member` to access group `group`.
pub(crate) fn group_member_add<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    group: &str,
    member: &str,
) -> Call<'e> {
    let group_id = format!("AccessGroupId-{}", uuid(rng));
    let request = object(|o| {
        o.objs("members", 1, |_, m| {
            m.str("iam_id", member).str("type", "user");
        });
    });
    call(
        "iam-groups.member.add",
        "IAM Access Groups",
        format!("add member {group}"),
        actor,
        (
            crn("iam-groups", "global", account, "", "groups", &group_id),
            group.to_owned(),
            "iam-groups/member",
        ),
        Outcome::success(207, "warning"),
        log_source("iam-groups", "global", account),
        request,
        Vec::new(),
    )
}

/// `atracker.route.delete` of route `name`.
pub(crate) fn atracker_route_delete<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    name: &str,
) -> (Call<'e>, String) {
    let id = uuid(rng);
    let target = crn("atracker", account.region, account, "", "route", &id);
    (
        call(
            "atracker.route.delete",
            "Activity Tracker Event Routing",
            format!("delete route {name}"),
            actor,
            (target.clone(), name.to_owned(), "atracker/route"),
            Outcome::success(204, "critical"),
            log_source("atracker", account.region, account),
            object(|o| {
                o.str("route_id", &id);
            }),
            Vec::new(),
        ),
        target,
    )
}

/// `is.flow-log-collector.flow-log-collector.delete` of the account's collector.
pub(crate) fn flow_log_collector_delete<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
) -> Call<'e> {
    let request = object(|o| {
        o.str("generation", "2").str("requestId", &uuid(rng));
    });
    call(
        "is.flow-log-collector.flow-log-collector.delete",
        "Virtual Private Cloud",
        "delete flow-log-collector vpc-flow-collector".to_owned(),
        actor,
        (
            account.collector_crn.clone(),
            "vpc-flow-collector".to_owned(),
            "is.flow-log-collector/flow-log-collector",
        ),
        Outcome::success(204, "critical"),
        crn("is", account.region, account, "", "flow-log-collector", ""),
        request,
        Vec::new(),
    )
}

/// A Key Protect key action (`kms.secrets.setkeyfordeletion`, `kms.secrets.delete`) on key
/// `key` named `name` of Key Protect instance `instance`.
pub(crate) fn kms<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    action: &'static str,
    (instance, key, name): (&str, &str, &str),
) -> Call<'e> {
    let verb = action.rsplit('.').next().unwrap_or(action);
    let request = object(|o| {
        o.str("keyId", key).str("requestId", &uuid(rng));
    });
    call(
        action,
        "Key Protect",
        format!("{verb} secrets {name}"),
        actor,
        (
            crn("kms", account.region, account, instance, "key", key),
            name.to_owned(),
            "kms/secrets",
        ),
        Outcome::success(if verb == "delete" { 200 } else { 204 }, "critical"),
        crn("kms", account.region, account, instance, "", ""),
        request,
        Vec::new(),
    )
}

/// A read or list call (`is.vpc.vpc.list`…) by `actor`; `denied` makes it fail with 403.
#[allow(clippy::too_many_arguments)]
pub(crate) fn api_call<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    action: &'static str,
    display: &'static str,
    type_uri: &'static str,
    denied: bool,
) -> Call<'e> {
    let mut parts = action.splitn(3, '.');
    let service = parts.next().unwrap_or(action);
    let kind = parts.next().unwrap_or_default();
    let verb = action.rsplit('.').next().unwrap_or(action);
    let location = if matches!(service, "is" | "kms" | "atracker") {
        account.region
    } else {
        "global"
    };
    let request = object(|o| {
        o.str("requestId", &uuid(rng)).str("limit", "100");
    });
    call(
        action,
        display,
        format!("{verb} {kind}"),
        actor,
        (
            crn(service, location, account, "", kind, ""),
            kind.to_owned(),
            type_uri,
        ),
        if denied {
            Outcome::failure(
                403,
                "The user does not have the necessary permissions for this action.",
            )
        } else {
            Outcome::success(200, "normal")
        },
        log_source(service, location, account),
        request,
        Vec::new(),
    )
}

/// `is.instance.instance.create` of `name` with `profile` in `zone` (a zone of `region`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn instance_create<'e>(
    rng: &mut Rng,
    account: &Account,
    actor: Actor<'e>,
    (region, zone, zone_code): (&str, &str, &str),
    name: &str,
    profile: &str,
) -> (Call<'e>, String) {
    let instance_crn = format!(
        "crn:v1:bluemix:public:is:{zone}:a/{}::instance:{zone_code}_{}",
        account.id,
        uuid(rng)
    );
    let request = object(|o| {
        o.str("generation", "2")
            .str("requestId", &uuid(rng))
            .obj("instance", |i| {
                i.str("name", name)
                    .obj("profile", |p| {
                        p.str("name", profile);
                    })
                    .obj("zone", |z| {
                        z.str("name", zone);
                    });
            });
    });
    let response = object(|o| {
        o.str("crn", &instance_crn).str("status", "pending");
    });
    let call = call(
        "is.instance.instance.create",
        "Virtual Private Cloud",
        format!("create instance {name}"),
        actor,
        (instance_crn.clone(), name.to_owned(), "is.instance/instance"),
        Outcome::success(201, "warning"),
        format!("crn:v1:bluemix:public:is:{region}:a/{}:::", account.id),
        request,
        response,
    );
    (call, instance_crn)
}
