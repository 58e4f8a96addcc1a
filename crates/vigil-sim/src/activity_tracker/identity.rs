//! IAM and account actions: logins, policies, access groups, API keys, audit routing, MFA,
//! user invitations.

use super::catalog::{crn, log_source, maybe_fail};
use super::{service_actor_for, user_actor, Actor, Event, Outcome};
use crate::estate::{Account, Estate};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{hex, ipv4, push_json_str, uuid};

const ROLES: [&str; 5] = ["Viewer", "Operator", "Editor", "Administrator", "Writer"];
const SERVICES: [&str; 5] = ["is", "cloud-object-storage", "kms", "iam-identity", "logs"];
const GROUPS: [&str; 4] = ["Developers", "Operations", "Auditors", "Administrators"];

pub(super) fn login<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &Account,
    routine: bool,
    request: &mut Vec<u8>,
    response: &mut Vec<u8>,
) -> Event<'e> {
    let key = format!("ApiKey-{}", uuid(rng));
    let mut actor = user_actor(rng, estate, false);
    let outcome = maybe_fail(
        rng,
        if routine { 15 } else { 70 },
        Outcome::success(200, "normal"),
        400,
        "Provided API key could not be found.",
    );
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

pub(super) fn browser_login<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &Account,
    request: &mut Vec<u8>,
) -> Event<'e> {
    let user = rng.pick(&estate.users);
    let actor = Actor::User(
        user,
        ipv4(estate.offices[user.office]),
        rng.one(&super::BROWSERS),
    );
    let target_id = crn("iam-identity", "", account, "", "user", &user.iam_id);
    let target_name = user.email.clone();
    let outcome = maybe_fail(
        rng,
        40,
        Outcome::success(200, "normal"),
        400,
        "Identity cookie is invalid or expired.",
    );
    let mut obj = Obj::new(request);
    obj.str("client_id", "bx").str(
        "grant_type",
        "urn:ibm:params:oauth:grant-type:identity-cookie",
    );
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

pub(super) fn service_login<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &Account,
    request: &mut Vec<u8>,
    response: &mut Vec<u8>,
) -> Event<'e> {
    let service = rng.pick(&estate.service_ids);
    let actor = service_actor_for(rng, estate, service);
    let id = service.iam_id.trim_start_matches("iam-").to_owned();
    let outcome = maybe_fail(
        rng,
        10,
        Outcome::success(200, "normal"),
        400,
        "Provided API key could not be found.",
    );
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

pub(super) fn policy_event<'e>(
    create: bool,
    rng: &mut Rng,
    estate: &'e Estate,
    account: &'e Account,
    request: &mut Vec<u8>,
    response: &mut Vec<u8>,
) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let policy = uuid(rng);
    let subject = rng.pick(&estate.users).iam_id.clone();
    let role = *rng.pick(&ROLES);
    let service = *rng.pick(&SERVICES);
    let outcome = maybe_fail(
        rng,
        30,
        Outcome::success(if create { 201 } else { 204 }, "warning"),
        403,
        "The user does not have permission to manage policies in this account.",
    );
    let write_body = |o: &mut Obj<'_>| {
        o.str("type", "access")
            .objs("subjects", 1, |_, s| {
                s.objs("attributes", 1, |_, a| {
                    a.str("name", "iam_id").str("value", &subject);
                });
            })
            .objs("roles", 1, |_, r| {
                r.str(
                    "role_id",
                    &format!("crn:v1:bluemix:public:iam::::role:{role}"),
                );
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
    obj.str(
        "url",
        &format!(
            "https://iam.cloud.ibm.com/v1/policies{}",
            if create {
                String::new()
            } else {
                format!("/{policy}")
            }
        ),
    )
    .str(
        "api_name",
        if create {
            "postPolicyV1"
        } else {
            "deletePolicyV1"
        },
    )
    .str("method", if create { "POST" } else { "DELETE" });
    if create {
        obj.obj("body", write_body);
    }
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str(
        "status",
        if create {
            "201 Created"
        } else {
            "204 No Content"
        },
    )
    .str(
        "elapsed_time",
        &format!("{}.{:03}ms", rng.range(40, 400), rng.below(1000)),
    )
    .str("transaction_id", &uuid(rng));
    if create && !outcome.failed {
        // IBM puts the created policy in as a JSON string.
        let mut body = Vec::with_capacity(512);
        let mut inner = Obj::new(&mut body);
        inner.str("id", &policy);
        write_body(&mut inner);
        inner
            .str(
                "href",
                &format!("https://iam.cloud.ibm.com/v1/policies/{policy}"),
            )
            .str("created_by_id", &subject)
            .str("state", "active");
        inner.finish();
        let body = String::from_utf8(body).expect("the writer only appends utf-8");
        obj.with("response_body", |b| push_json_str(b, &body));
    }
    obj.finish();
    Event {
        action: if create {
            "iam-am.policy.create"
        } else {
            "iam-am.policy.delete"
        },
        display: "IAM Access Management",
        summary: format!(
            "{} policy {policy}",
            if create { "create" } else { "delete" }
        ),
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

pub(super) fn group_member_add<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &Account,
    routine: bool,
    request: &mut Vec<u8>,
) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    // `GROUPS` ends with Administrators, which nobody joins on a routine day.
    let groups = if routine { &GROUPS[..3] } else { &GROUPS[..] };
    let group = *rng.pick(groups);
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

pub(super) fn apikey_create<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &Account,
    request: &mut Vec<u8>,
    response: &mut Vec<u8>,
) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let key = format!("ApiKey-{}", uuid(rng));
    let name = format!("automation-key-{}", hex(rng, 4));
    let mut obj = Obj::new(request);
    obj.str("name", &name)
        .str("description", "created from the console")
        .bool("store_value", false);
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str("id", &key)
        .str("entity_tag", "1-0")
        .bool("locked", false);
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

/// Account-wide (global) actions: audit routing, MFA, user invitations.
pub(super) fn global_event<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &Account,
    action: &'static str,
    request: &mut Vec<u8>,
) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let (display, summary, service, kind, name, type_uri, severity) = match action {
        "atracker.route.update" => (
            "Activity Tracker Event Routing",
            "update route",
            "atracker",
            "route",
            "default-route".to_owned(),
            "atracker/route",
            "critical",
        ),
        "billing.account-mfa.set-off" => (
            "Billing",
            "set-off account-mfa",
            "billing",
            "account",
            account.id.clone(),
            "billing/account-mfa",
            "critical",
        ),
        _ => (
            "User Management",
            "invite user",
            "user-management",
            "user",
            format!("contractor-{}@example.net", hex(rng, 4)),
            "user-management/user",
            "warning",
        ),
    };
    let mut obj = Obj::new(request);
    match action {
        "atracker.route.update" => {
            obj.str("updateType", "rules")
                .strs("initialValue", &["us-south", "eu-de", "global"])
                .strs("newValue", &["us-south"]);
        }
        "billing.account-mfa.set-off" => {
            obj.str("updateType", "mfa")
                .str("initialValue", "TOTP4ALL")
                .str("newValue", "NONE");
        }
        _ => {
            obj.str("email", &name)
                .strs("access_groups", &["Developers"]);
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
