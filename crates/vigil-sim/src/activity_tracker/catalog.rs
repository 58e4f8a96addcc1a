//! The Activity Tracker actions generated, with their weights, and the dispatch to the
//! builders ([`identity`](super::identity) for IAM and account actions,
//! [`resources`](super::resources) for COS, VPC and Key Protect).

use super::identity::{
    apikey_create, browser_login, global_event, group_member_add, login, policy_event,
    service_login,
};
use super::resources::{bucket_event, key_rotate, object_event, security_group_rule, vpc_event};
use super::{Event, Outcome};
use crate::estate::{Account, Estate};
use crate::rng::Rng;

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

/// A routine working day: people log in, read and change things; tampering does not happen,
/// and the changes that raise alerts (admin grants, new API keys) are rare.
pub(crate) const ROUTINE_DAY_KINDS: &[(u32, Kind)] = &[
    (1700, Kind::UserApikeyLogin),
    (1100, Kind::BrowserLogin),
    (1500, Kind::ServiceIdLogin),
    (1300, Kind::ObjectRead),
    (600, Kind::ObjectWrite),
    (500, Kind::InstanceList),
    (8, Kind::PolicyCreate),
    (8, Kind::PolicyDelete),
    (4, Kind::GroupMemberAdd),
    (3, Kind::ApikeyCreate),
    (40, Kind::SecurityGroupRuleCreate),
    (15, Kind::SecurityGroupRuleUpdate),
    (40, Kind::SecurityGroupRuleDelete),
    (10, Kind::NetworkAclRuleCreate),
    (40, Kind::InstanceCreate),
    (1, Kind::ConsoleAccessToken),
    (15, Kind::BucketCreate),
    (2, Kind::BucketDelete),
    (50, Kind::KeyRotate),
    (2, Kind::UserInvite),
];

/// A routine night: automation (service IDs, data events), hardly any people.
pub(crate) const ROUTINE_NIGHT_KINDS: &[(u32, Kind)] = &[
    (15, Kind::UserApikeyLogin),
    (5, Kind::BrowserLogin),
    (220, Kind::ServiceIdLogin),
    (170, Kind::ObjectRead),
    (110, Kind::ObjectWrite),
    (25, Kind::InstanceList),
    (2, Kind::SecurityGroupRuleCreate),
    (2, Kind::SecurityGroupRuleDelete),
    (3, Kind::InstanceCreate),
    (6, Kind::KeyRotate),
];

/// Builds one event of `kind`: the event and its `requestData` and `responseData` objects.
/// On a `routine` day, logins fail less often and nobody joins the Administrators group.
pub(crate) fn build<'e>(
    kind: Kind,
    rng: &mut Rng,
    estate: &'e Estate,
    routine: bool,
) -> (Event<'e>, Vec<u8>, Vec<u8>) {
    let account = rng.pick(&estate.accounts);
    let mut request = Vec::with_capacity(512);
    let mut response = Vec::with_capacity(512);
    let event = match kind {
        Kind::UserApikeyLogin => login(rng, estate, account, routine, &mut request, &mut response),
        Kind::BrowserLogin => browser_login(rng, estate, account, &mut request),
        Kind::ServiceIdLogin => service_login(rng, estate, account, &mut request, &mut response),
        Kind::ObjectRead | Kind::ObjectWrite => object_event(
            kind == Kind::ObjectRead,
            rng,
            estate,
            account,
            &mut request,
            &mut response,
        ),
        Kind::InstanceList => vpc_event(
            rng,
            estate,
            account,
            "is.instance.instance.list",
            "list",
            "instance",
            "instance",
            &mut request,
        ),
        Kind::PolicyCreate | Kind::PolicyDelete => policy_event(
            kind == Kind::PolicyCreate,
            rng,
            estate,
            account,
            &mut request,
            &mut response,
        ),
        Kind::GroupMemberAdd => group_member_add(rng, estate, account, routine, &mut request),
        Kind::ApikeyCreate => apikey_create(rng, estate, account, &mut request, &mut response),
        Kind::SecurityGroupRuleCreate
        | Kind::SecurityGroupRuleUpdate
        | Kind::SecurityGroupRuleDelete => {
            security_group_rule(kind, rng, estate, account, &mut request, &mut response)
        }
        Kind::NetworkAclRuleCreate => vpc_event(
            rng,
            estate,
            account,
            "is.network-acl.rule.create",
            "create",
            "network-acl",
            "rule",
            &mut request,
        ),
        Kind::InstanceCreate => vpc_event(
            rng,
            estate,
            account,
            "is.instance.instance.create",
            "create",
            "instance",
            "instance",
            &mut request,
        ),
        Kind::ConsoleAccessToken => vpc_event(
            rng,
            estate,
            account,
            "is.instance.console-access-token.create",
            "create",
            "instance",
            "console-access-token",
            &mut request,
        ),
        Kind::FlowLogCollectorUpdate => vpc_event(
            rng,
            estate,
            account,
            "is.flow-log-collector.flow-log-collector.update",
            "update",
            "flow-log-collector",
            "flow-log-collector",
            &mut request,
        ),
        Kind::BucketCreate | Kind::BucketDelete => bucket_event(
            kind == Kind::BucketCreate,
            rng,
            estate,
            account,
            &mut request,
        ),
        Kind::KeyRotate => key_rotate(rng, estate, account, &mut request),
        Kind::AtrackerRouteUpdate => {
            global_event(rng, estate, account, "atracker.route.update", &mut request)
        }
        Kind::MfaSetOff => global_event(
            rng,
            estate,
            account,
            "billing.account-mfa.set-off",
            &mut request,
        ),
        Kind::UserInvite => global_event(
            rng,
            estate,
            account,
            "user-management.user.invite",
            &mut request,
        ),
    };
    (event, request, response)
}

pub(super) fn crn(
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

/// Fails with `per_mille` probability.
pub(super) fn maybe_fail(
    rng: &mut Rng,
    per_mille: u64,
    ok: Outcome,
    code: u64,
    why: &'static str,
) -> Outcome {
    if rng.chance(per_mille) {
        Outcome::failure(code, why)
    } else {
        ok
    }
}
