//! The Activity Tracker actions generated, with their weights, targets and service-specific
//! request and response data.

use super::{service_actor, service_actor_for, user_actor, Actor, Event, Outcome};
use crate::estate::{public_ip, Account, Estate, Instance, Role};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{hex, ipv4, push_json_str, uuid};

/// The actions generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    UserApikeyLogin,
    BrowserLogin,
    ServiceIdLogin,
    ObjectRead,
    ObjectWrite,
    InstanceList,
    PolicyCreate,
    PolicyDelete,
    GroupMemberAdd,
    ApikeyCreate,
    SecurityGroupRuleCreate,
    SecurityGroupRuleUpdate,
    SecurityGroupRuleDelete,
    NetworkAclRuleCreate,
    InstanceCreate,
    ConsoleAccessToken,
    FlowLogCollectorUpdate,
    BucketCreate,
    BucketDelete,
    KeyRotate,
    AtrackerRouteUpdate,
    MfaSetOff,
    UserInvite,
}

/// Relative frequencies: logins and data events dominate, tampering is rare.
pub(crate) const KINDS: &[(u32, Kind)] = &[
    (170, Kind::UserApikeyLogin),
    (90, Kind::BrowserLogin),
    (150, Kind::ServiceIdLogin),
    (130, Kind::ObjectRead),
    (60, Kind::ObjectWrite),
    (40, Kind::InstanceList),
    (14, Kind::PolicyCreate),
    (5, Kind::PolicyDelete),
    (8, Kind::GroupMemberAdd),
    (6, Kind::ApikeyCreate),
    (14, Kind::SecurityGroupRuleCreate),
    (5, Kind::SecurityGroupRuleUpdate),
    (6, Kind::SecurityGroupRuleDelete),
    (3, Kind::NetworkAclRuleCreate),
    (10, Kind::InstanceCreate),
    (3, Kind::ConsoleAccessToken),
    (1, Kind::FlowLogCollectorUpdate),
    (4, Kind::BucketCreate),
    (2, Kind::BucketDelete),
    (8, Kind::KeyRotate),
    (1, Kind::AtrackerRouteUpdate),
    (1, Kind::MfaSetOff),
    (3, Kind::UserInvite),
];

const ROLES: [&str; 5] = ["Viewer", "Operator", "Editor", "Administrator", "Writer"];
const SERVICES: [&str; 5] = ["is", "cloud-object-storage", "kms", "iam-identity", "logs"];
const GROUPS: [&str; 4] = ["Developers", "Operations", "Auditors", "Administrators"];
const SG_NAMES: [&str; 4] = ["web-sg", "app-sg", "db-sg", "bastion-sg"];
const PROFILES: [&str; 4] = ["bx2-2x8", "bx2-4x16", "cx2-8x16", "mx2-4x32"];
const OBJECT_PREFIXES: [&str; 4] = ["exports/daily/", "backups/pg/", "logs/app/", "reports/"];

/// Builds one event of `kind`: the event and its `requestData` and `responseData` objects.
pub(crate) fn build<'e>(kind: Kind, rng: &mut Rng, estate: &'e Estate) -> (Event<'e>, Vec<u8>, Vec<u8>) {
    let account = rng.pick(&estate.accounts);
    let mut request = Vec::with_capacity(512);
    let mut response = Vec::with_capacity(512);
    let event = match kind {
        Kind::UserApikeyLogin => login(rng, estate, account, &mut request, &mut response),
        Kind::BrowserLogin => browser_login(rng, estate, account, &mut request),
        Kind::ServiceIdLogin => service_login(rng, estate, account, &mut request, &mut response),
        Kind::ObjectRead | Kind::ObjectWrite => {
            object_event(kind == Kind::ObjectRead, rng, estate, account, &mut request, &mut response)
        }
        Kind::InstanceList => vpc_event(rng, estate, account, "is.instance.instance.list", "list", "instance", "instance", &mut request),
        Kind::PolicyCreate | Kind::PolicyDelete => {
            policy_event(kind == Kind::PolicyCreate, rng, estate, account, &mut request, &mut response)
        }
        Kind::GroupMemberAdd => group_member_add(rng, estate, account, &mut request),
        Kind::ApikeyCreate => apikey_create(rng, estate, account, &mut request, &mut response),
        Kind::SecurityGroupRuleCreate | Kind::SecurityGroupRuleUpdate | Kind::SecurityGroupRuleDelete => {
            security_group_rule(kind, rng, estate, account, &mut request, &mut response)
        }
        Kind::NetworkAclRuleCreate => vpc_event(rng, estate, account, "is.network-acl.rule.create", "create", "network-acl", "rule", &mut request),
        Kind::InstanceCreate => vpc_event(rng, estate, account, "is.instance.instance.create", "create", "instance", "instance", &mut request),
        Kind::ConsoleAccessToken => vpc_event(rng, estate, account, "is.instance.console-access-token.create", "create", "instance", "console-access-token", &mut request),
        Kind::FlowLogCollectorUpdate => vpc_event(rng, estate, account, "is.flow-log-collector.flow-log-collector.update", "update", "flow-log-collector", "flow-log-collector", &mut request),
        Kind::BucketCreate | Kind::BucketDelete => bucket_event(kind == Kind::BucketCreate, rng, estate, account, &mut request),
        Kind::KeyRotate => key_rotate(rng, estate, account, &mut request),
        Kind::AtrackerRouteUpdate => global_event(rng, estate, account, "atracker.route.update", &mut request),
        Kind::MfaSetOff => global_event(rng, estate, account, "billing.account-mfa.set-off", &mut request),
        Kind::UserInvite => global_event(rng, estate, account, "user-management.user.invite", &mut request),
    };
    (event, request, response)
}

fn crn(service: &str, location: &str, account: &Account, instance: &str, kind: &str, id: &str) -> String {
    format!("crn:v1:bluemix:public:{service}:{location}:a/{}:{instance}:{kind}:{id}", account.id)
}

fn log_source(service: &str, location: &str, account: &Account) -> String {
    format!("crn:v1:bluemix:public:{service}:{location}:a/{}:::", account.id)
}

/// Fails with `per_mille` probability.
fn maybe_fail(rng: &mut Rng, per_mille: u64, ok: Outcome, code: u64, why: &'static str) -> Outcome {
    if rng.chance(per_mille) {
        Outcome::failure(code, why)
    } else {
        ok
    }
}

fn login<'e>(rng: &mut Rng, estate: &'e Estate, account: &Account, request: &mut Vec<u8>, response: &mut Vec<u8>) -> Event<'e> {
    let key = format!("ApiKey-{}", uuid(rng));
    let mut actor = user_actor(rng, estate, false);
    let outcome = maybe_fail(rng, 70, Outcome::success(200, "normal"), 400, "Provided API key could not be found.");
    if outcome.failed && rng.chance(500) {
        // A guessing run from the internet rather than a typo at the office.
        if let Actor::User(_, address, agent) = &mut actor {
            *address = ipv4(*rng.pick(&estate.scanners));
            *agent = "python-requests/2.31.0";
        }
    }
    let mut obj = Obj::new(request);
    obj.str("client_id", "bx")
        .str("grant_type", "urn:ibm:params:oauth:grant-type:apikey")
        .str("apikey_id", &key)
        .str("scope", "ibm openid")
        .str("response_type", "cloud_iam");
    obj.finish();
    let mut obj = Obj::new(response);
    if outcome.failed {
        obj.str("errorCode", "BXNIM0415E")
            .str("errorMessage", "Provided API key could not be found.");
    } else {
        obj.str("token_type", "Bearer")
            .u64("expires_in", 3600)
            .str("session_id", &format!("C-{}", uuid(rng)));
    }
    obj.finish();
    Event {
        action: "iam-identity.user-apikey.login",
        display: "IAM Identity Service",
        summary: format!("login user-apikey {key}"),
        actor,
        target_id: crn("iam-identity", "", account, "", "apikey", &key),
        target_name: key,
        target_type: "iam-identity/user-apikey",
        resource_group: None,
        outcome,
        data_event: false,
        log_source_crn: log_source("iam-identity", "global", account),
    }
}

fn browser_login<'e>(rng: &mut Rng, estate: &'e Estate, account: &Account, request: &mut Vec<u8>) -> Event<'e> {
    let user = rng.pick(&estate.users);
    let actor = Actor::User(user, ipv4(estate.offices[user.office]), *rng.pick(&super::BROWSERS));
    let target_id = crn("iam-identity", "", account, "", "user", &user.iam_id);
    let target_name = user.email.clone();
    let outcome = maybe_fail(rng, 40, Outcome::success(200, "normal"), 400, "Identity cookie is invalid or expired.");
    let mut obj = Obj::new(request);
    obj.str("client_id", "bx").str("grant_type", "urn:ibm:params:oauth:grant-type:identity-cookie");
    obj.finish();
    Event {
        action: "iam-identity.user-identitycookie.login",
        display: "IAM Identity Service",
        summary: format!("login user-identitycookie {target_name}"),
        actor,
        target_id,
        target_name,
        target_type: "iam-identity/user-identitycookie",
        resource_group: None,
        outcome,
        data_event: false,
        log_source_crn: log_source("iam-identity", "global", account),
    }
}

fn service_login<'e>(rng: &mut Rng, estate: &'e Estate, account: &Account, request: &mut Vec<u8>, response: &mut Vec<u8>) -> Event<'e> {
    let service = rng.pick(&estate.service_ids);
    let actor = service_actor_for(rng, estate, service);
    let id = service.iam_id.trim_start_matches("iam-").to_owned();
    let outcome = maybe_fail(rng, 10, Outcome::success(200, "normal"), 400, "Provided API key could not be found.");
    let mut obj = Obj::new(request);
    obj.str("client_id", "default")
        .str("grant_type", "urn:ibm:params:oauth:grant-type:apikey")
        .str("serviceid", &id);
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str("token_type", "Bearer").u64("expires_in", 3600);
    obj.finish();
    Event {
        action: "iam-identity.serviceid-apikey.login",
        display: "IAM Identity Service",
        summary: format!("login serviceid-apikey {}", service.name),
        actor,
        target_id: crn("iam-identity", "", account, "", "serviceid", &id),
        target_name: service.name.to_owned(),
        target_type: "iam-identity/serviceid-apikey",
        resource_group: None,
        outcome,
        data_event: false,
        log_source_crn: log_source("iam-identity", "global", account),
    }
}

fn object_event<'e>(read: bool, rng: &mut Rng, estate: &'e Estate, account: &'e Account, request: &mut Vec<u8>, response: &mut Vec<u8>) -> Event<'e> {
    let actor = if rng.chance(800) { service_actor(rng, estate) } else { user_actor(rng, estate, false) };
    let bucket = rng.pick(&account.buckets);
    let object = format!("{}{}-{}.json.gz", rng.pick(&OBJECT_PREFIXES), 20250000 + rng.range(601, 628), hex(rng, 8));
    let outcome = maybe_fail(rng, 15, Outcome::success(200, "normal"), 404, "The specified key does not exist.");
    let length = rng.heavy(200_000, 500_000_000);
    let mut obj = Obj::new(request);
    obj.str("bucket_location", account.region)
        .str("object_key", &object)
        .u64("object_length", length)
        .str("request_id", &uuid(rng))
        .str("storage_class", "smart");
    if !read {
        obj.str("content_type", "application/gzip")
            .str("sse_kp_customer_root_key_crn", &crn("kms", account.region, account, &account.cos_instance, "key", &uuid(rng)));
    }
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str("etag", &hex(rng, 32)).u64("bytes_transferred", length);
    obj.finish();
    let verb = if read { "read" } else { "create" };
    Event {
        action: if read { "cloud-object-storage.object.read" } else { "cloud-object-storage.object.create" },
        display: "Cloud Object Storage",
        summary: format!("{verb} object {object}"),
        actor,
        target_id: crn("cloud-object-storage", "global", account, &account.cos_instance, "bucket", bucket),
        target_name: object,
        target_type: "cloud-object-storage/object",
        resource_group: Some(&account.resource_group_crn),
        outcome,
        data_event: true,
        log_source_crn: crn("cloud-object-storage", "global", account, &account.cos_instance, "bucket", bucket),
    }
}

fn policy_event<'e>(create: bool, rng: &mut Rng, estate: &'e Estate, account: &'e Account, request: &mut Vec<u8>, response: &mut Vec<u8>) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let policy = uuid(rng);
    let subject = rng.pick(&estate.users).iam_id.clone();
    let role = *rng.pick(&ROLES);
    let service = *rng.pick(&SERVICES);
    let outcome = maybe_fail(rng, 30, Outcome::success(if create { 201 } else { 204 }, "warning"), 403, "The user does not have permission to manage policies in this account.");
    let write_body = |o: &mut Obj<'_>| {
        o.str("type", "access")
            .objs("subjects", 1, |_, s| {
                s.objs("attributes", 1, |_, a| {
                    a.str("name", "iam_id").str("value", &subject);
                });
            })
            .objs("roles", 1, |_, r| {
                r.str("role_id", &format!("crn:v1:bluemix:public:iam::::role:{role}"));
            })
            .objs("resources", 1, |_, r| {
                r.objs("attributes", 2, |i, a| {
                    if i == 0 {
                        a.str("name", "accountId").str("value", &account.id);
                    } else {
                        a.str("name", "serviceName").str("value", service);
                    }
                });
            });
    };
    let mut obj = Obj::new(request);
    obj.str("url", &format!("https://iam.cloud.ibm.com/v1/policies{}", if create { String::new() } else { format!("/{policy}") }))
        .str("api_name", if create { "postPolicyV1" } else { "deletePolicyV1" })
        .str("method", if create { "POST" } else { "DELETE" });
    if create {
        obj.obj("body", write_body);
    }
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str("status", if create { "201 Created" } else { "204 No Content" })
        .str("elapsed_time", &format!("{}.{:03}ms", rng.range(40, 400), rng.below(1000)))
        .str("transaction_id", &uuid(rng));
    if create && !outcome.failed {
        // IBM puts the created policy in as a JSON string.
        let mut body = Vec::with_capacity(512);
        let mut inner = Obj::new(&mut body);
        inner.str("id", &policy);
        write_body(&mut inner);
        inner.str("href", &format!("https://iam.cloud.ibm.com/v1/policies/{policy}"))
            .str("created_by_id", &subject)
            .str("state", "active");
        inner.finish();
        let body = String::from_utf8(body).expect("the writer only appends utf-8");
        obj.with("response_body", |b| push_json_str(b, &body));
    }
    obj.finish();
    Event {
        action: if create { "iam-am.policy.create" } else { "iam-am.policy.delete" },
        display: "IAM Access Management",
        summary: format!("{} policy {policy}", if create { "create" } else { "delete" }),
        actor,
        target_id: crn("iam-am", "", account, "", "policy", &policy),
        target_name: policy,
        target_type: "iam-am/policy",
        resource_group: None,
        outcome,
        data_event: false,
        log_source_crn: log_source("iam-am", "", account),
    }
}

fn group_member_add<'e>(rng: &mut Rng, estate: &'e Estate, account: &Account, request: &mut Vec<u8>) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let group = *rng.pick(&GROUPS);
    let member = rng.pick(&estate.users).iam_id.clone();
    let group_id = format!("AccessGroupId-{}", uuid(rng));
    let mut obj = Obj::new(request);
    obj.objs("members", 1, |_, m| {
        m.str("iam_id", &member).str("type", "user");
    });
    obj.finish();
    Event {
        action: "iam-groups.member.add",
        display: "IAM Access Groups",
        summary: format!("add member {group}"),
        actor,
        target_id: crn("iam-groups", "global", account, "", "groups", &group_id),
        target_name: group.to_owned(),
        target_type: "iam-groups/member",
        resource_group: None,
        outcome: Outcome::success(207, "warning"),
        data_event: false,
        log_source_crn: log_source("iam-groups", "global", account),
    }
}

fn apikey_create<'e>(rng: &mut Rng, estate: &'e Estate, account: &Account, request: &mut Vec<u8>, response: &mut Vec<u8>) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let key = format!("ApiKey-{}", uuid(rng));
    let name = format!("automation-key-{}", hex(rng, 4));
    let mut obj = Obj::new(request);
    obj.str("name", &name).str("description", "created from the console").bool("store_value", false);
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str("id", &key).str("entity_tag", "1-0").bool("locked", false);
    obj.finish();
    Event {
        action: "iam-identity.user-apikey.create",
        display: "IAM Identity Service",
        summary: format!("create user-apikey {name}"),
        actor,
        target_id: crn("iam-identity", "", account, "", "apikey", &key),
        target_name: name,
        target_type: "iam-identity/user-apikey",
        resource_group: None,
        outcome: Outcome::success(201, "critical"),
        data_event: false,
        log_source_crn: log_source("iam-identity", "global", account),
    }
}

fn security_group_rule<'e>(kind: Kind, rng: &mut Rng, estate: &'e Estate, account: &'e Account, request: &mut Vec<u8>, response: &mut Vec<u8>) -> Event<'e> {
    let actor = if rng.chance(600) { service_actor(rng, estate) } else { user_actor(rng, estate, true) };
    let index = rng.index(account.security_groups.len());
    let group = &account.security_groups[index];
    let rule = format!("{}-{}", &group[..4], uuid(rng));
    let (port, remote) = if rng.chance(60) {
        // The change everyone regrets: SSH or RDP open to the world.
        (*rng.pick(&[22, 3389]), "0.0.0.0/0".to_owned())
    } else {
        (*rng.pick(&[443, 80, 8080, 5432, 6379, 22]), format!("10.{}.0.0/16", rng.pick(&[240, 243])))
    };
    let (action, verb, code) = match kind {
        Kind::SecurityGroupRuleCreate => ("is.security-group.security-group-rule.create", "create", 201),
        Kind::SecurityGroupRuleUpdate => ("is.security-group.security-group-rule.update", "update", 200),
        _ => ("is.security-group.security-group-rule.delete", "delete", 204),
    };
    let mut obj = Obj::new(request);
    obj.str("generation", "2").str("requestId", &uuid(rng)).str("security_group_id", group);
    let write_rule = |o: &mut Obj<'_>, cidr: &str| {
        o.str("direction", "inbound")
            .str("ip_version", "ipv4")
            .str("protocol", "tcp")
            .u64("port_min", port)
            .u64("port_max", port)
            .obj("remote", |r| {
                r.str("cidr_block", cidr);
            });
    };
    match kind {
        Kind::SecurityGroupRuleCreate => {
            obj.obj("rule", |o| write_rule(o, &remote));
        }
        Kind::SecurityGroupRuleUpdate => {
            obj.str("updateType", "remote")
                .obj("initialValue", |o| write_rule(o, "10.240.0.0/18"))
                .obj("newValue", |o| write_rule(o, &remote));
        }
        _ => {
            obj.str("rule_id", &rule);
        }
    }
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str("responseURI", &format!("/v1/security_groups/{group}/rules/{rule}")).str("id", &rule);
    obj.finish();
    Event {
        action,
        display: "Security Groups for VPC",
        summary: format!("{verb} security-group-rule {}", SG_NAMES[index % SG_NAMES.len()]),
        actor,
        target_id: crn("is", account.region, account, "", "security-group", group),
        target_name: SG_NAMES[index % SG_NAMES.len()].to_owned(),
        target_type: "is.security-group/security-group-rule",
        resource_group: Some(&account.resource_group_crn),
        outcome: maybe_fail(rng, 30, Outcome::success(code, "warning"), 403, "Your access token is invalid or does not have the necessary permissions to perform this task"),
        data_event: false,
        log_source_crn: crn("is", account.region, account, "", "security-group", group),
    }
}

/// A VPC infrastructure event on an instance, ACL or collector of the account.
#[allow(clippy::too_many_arguments)]
fn vpc_event<'e>(rng: &mut Rng, estate: &'e Estate, account: &'e Account, action: &'static str, verb: &str, kind: &str, object: &str, request: &mut Vec<u8>) -> Event<'e> {
    let actor = if rng.chance(500) { service_actor(rng, estate) } else { user_actor(rng, estate, true) };
    let apps: Vec<&Instance> = estate
        .with_role(Role::App)
        .filter(|i| estate.accounts[i.account].id == account.id)
        .collect();
    let instance = apps.get(rng.index(apps.len())).copied().unwrap_or(&estate.instances[0]);
    let (target_id, target_name, type_uri) = match kind {
        "instance" => (instance.crn.clone(), instance.name.clone(), "is.instance/instance"),
        "network-acl" => (crn("is", account.region, account, "", "network-acl", &format!("r006-{}", uuid(rng))), "edge-acl".to_owned(), "is.network-acl/rule"),
        _ => (account.collector_crn.clone(), "vpc-flow-collector".to_owned(), "is.flow-log-collector/flow-log-collector"),
    };
    let mut obj = Obj::new(request);
    obj.str("generation", "2").str("requestId", &uuid(rng));
    match action {
        "is.instance.instance.create" => {
            obj.obj("instance", |o| {
                o.str("name", &format!("app-{}", hex(rng, 4)))
                    .obj("profile", |p| {
                        p.str("name", *rng.pick(&PROFILES));
                    })
                    .obj("zone", |z| {
                        z.str("name", account.subnets[0].zone);
                    })
                    .obj("primary_network_interface", |n| {
                        n.obj("subnet", |s| {
                            s.str("crn", &account.subnets[0].crn);
                        });
                    })
                    .obj("vpc", |v| {
                        v.str("crn", &account.vpc_crn);
                    });
            });
        }
        "is.flow-log-collector.flow-log-collector.update" => {
            obj.str("updateType", "active").bool("initialValue", true).bool("newValue", false);
        }
        "is.network-acl.rule.create" => {
            obj.str("action", if rng.chance(500) { "allow" } else { "deny" })
                .str("direction", "inbound")
                .str("source", &format!("{}/32", ipv4(public_ip(rng))))
                .str("destination", "0.0.0.0/0")
                .str("protocol", "all");
        }
        _ => {
            obj.str("limit", "50");
        }
    }
    obj.finish();
    let severity = if verb == "list" { "normal" } else { "warning" };
    Event {
        action,
        display: "Virtual Private Cloud",
        summary: format!("{verb} {object} {target_name}"),
        actor,
        target_id,
        target_name,
        target_type: type_uri,
        resource_group: Some(&account.resource_group_crn),
        outcome: maybe_fail(rng, 20, Outcome::success(if verb == "create" { 201 } else { 200 }, severity), 403, "Your access token is invalid or does not have the necessary permissions to perform this task"),
        data_event: false,
        log_source_crn: crn("is", account.region, account, "", kind, ""),
    }
}

fn bucket_event<'e>(create: bool, rng: &mut Rng, estate: &'e Estate, account: &'e Account, request: &mut Vec<u8>) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let bucket = if create { format!("scratch-{}", hex(rng, 8)) } else { rng.pick(&account.buckets).clone() };
    let mut obj = Obj::new(request);
    obj.str("bucket_location", account.region)
        .str("storage_class", "smart")
        .str("request_id", &uuid(rng))
        .str("user_agent", "Mozilla/5.0 (IBM Cloud console)");
    obj.finish();
    let verb = if create { "create" } else { "delete" };
    Event {
        action: if create { "cloud-object-storage.bucket.create" } else { "cloud-object-storage.bucket.delete" },
        display: "Cloud Object Storage",
        summary: format!("{verb} bucket {bucket}"),
        actor,
        target_id: crn("cloud-object-storage", "global", account, &account.cos_instance, "bucket", &bucket),
        target_name: bucket,
        target_type: "cloud-object-storage/bucket",
        resource_group: Some(&account.resource_group_crn),
        outcome: maybe_fail(rng, 40, Outcome::success(200, if create { "normal" } else { "critical" }), 409, "The bucket you tried to create already exists"),
        data_event: false,
        log_source_crn: crn("cloud-object-storage", "global", account, &account.cos_instance, "bucket", ""),
    }
}

fn key_rotate<'e>(rng: &mut Rng, estate: &'e Estate, account: &Account, request: &mut Vec<u8>) -> Event<'e> {
    let actor = service_actor(rng, estate);
    let instance = uuid(rng);
    let key = uuid(rng);
    let mut obj = Obj::new(request);
    obj.str("keyId", &key).str("keyVersionId", &uuid(rng)).str("requestId", &uuid(rng));
    obj.finish();
    Event {
        action: "kms.secrets.rotate",
        display: "Key Protect",
        summary: "rotate secrets root-key-data".to_owned(),
        actor,
        target_id: crn("kms", account.region, account, &instance, "key", &key),
        target_name: "root-key-data".to_owned(),
        target_type: "kms/secrets",
        resource_group: None,
        outcome: Outcome::success(204, "warning"),
        data_event: false,
        log_source_crn: crn("kms", account.region, account, &instance, "", ""),
    }
}

/// Account-wide (global) actions: audit routing, MFA, user invitations.
fn global_event<'e>(rng: &mut Rng, estate: &'e Estate, account: &Account, action: &'static str, request: &mut Vec<u8>) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let (display, summary, service, kind, name, type_uri, severity) = match action {
        "atracker.route.update" => ("Activity Tracker Event Routing", "update route", "atracker", "route", "default-route".to_owned(), "atracker/route", "critical"),
        "billing.account-mfa.set-off" => ("Billing", "set-off account-mfa", "billing", "account", account.id.clone(), "billing/account-mfa", "critical"),
        _ => ("User Management", "invite user", "user-management", "user", format!("contractor-{}@example.net", hex(rng, 4)), "user-management/user", "warning"),
    };
    let mut obj = Obj::new(request);
    match action {
        "atracker.route.update" => {
            obj.str("updateType", "rules")
                .strs("initialValue", &["us-south", "eu-de", "global"])
                .strs("newValue", &["us-south"]);
        }
        "billing.account-mfa.set-off" => {
            obj.str("updateType", "mfa").str("initialValue", "TOTP4ALL").str("newValue", "NONE");
        }
        _ => {
            obj.str("email", &name).strs("access_groups", &["Developers"]);
        }
    }
    obj.finish();
    Event {
        action,
        display,
        summary: format!("{summary} {name}"),
        actor,
        target_id: crn(service, "global", account, "", kind, &name),
        target_name: name,
        target_type: type_uri,
        resource_group: None,
        outcome: Outcome::success(200, severity),
        data_event: false,
        log_source_crn: log_source(service, "global", account),
    }
}
