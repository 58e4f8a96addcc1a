//! IAM and account events: logins, API keys, policies, access groups, invitations, MFA,
//! and the read and list calls of discovery.

use super::{call, crn, log_source, object, Call};
use crate::activity_tracker::{Actor, Outcome};
use crate::estate::{Account, ServiceId};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::uuid;

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
        (
            apikey_crn(account, key),
            key.to_owned(),
            "iam-identity/user-apikey",
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
        o.str("id", key)
            .str("entity_tag", "1-0")
            .bool("locked", false);
    });
    call(
        "iam-identity.user-apikey.create",
        "IAM Identity Service",
        format!("create user-apikey {name}"),
        actor,
        (
            apikey_crn(account, key),
            name.to_owned(),
            "iam-identity/user-apikey",
        ),
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
        o.str("id", key)
            .str("entity_tag", "1-0")
            .bool("locked", false);
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
                // Account-wide policies name no service; resource policies add the resource.
                let (kind, id) = resource.unwrap_or_default();
                let mut attributes = vec![("accountId", account.id.as_str())];
                if !service.is_empty() {
                    attributes.push(("serviceName", service));
                }
                if resource.is_some() {
                    attributes.push(("resourceType", kind));
                    attributes.push(("resource", id));
                }
                r.objs("attributes", attributes.len(), |i, a| {
                    let (name, value) = attributes[i];
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
pub(crate) fn user_invite<'e>(
    account: &Account,
    actor: Actor<'e>,
    email: &str,
    group: &str,
) -> Call<'e> {
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
