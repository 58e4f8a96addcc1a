//! Defence evasion and impact: audit and network evidence removed, encryption keys destroyed.

use super::at::{self, person, service, CLI, TERRAFORM};
use super::rules::*;
use super::{StoryCtx, StoryDef, MINUTE};
use crate::simulate::{Loudness, StoryKind};
use crate::text::uuid;

pub(super) const STORIES: &[&StoryDef] = &[
    &COLLECTOR_DELETED_AFTER_GRANT,
    &KEY_PROTECT_KEY_DESTROYED,
    &AUDIT_ROUTE_DELETED,
];

const COLLECTOR_DELETED_AFTER_GRANT: StoryDef = StoryDef {
    id: "A14",
    name: "Flow log collector deleted after a policy change",
    description: "The ci-deployer service ID's key, used from an unknown address, grants the service ID Administrator on VPC infrastructure, then deletes the eu-de VPC's flow log collector: that VPC's flow logs stop.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1098.003", "T1562.008", "T1070"],
    at_ms: 21 * 3_600_000 + 30 * MINUTE,
    length_ms: 20 * MINUTE,
    expected: &[AT_IAM_POLICY_GRANTS_ADMIN, AT_FLOW_LOG_COLLECTOR_DELETED],
    build: collector_deleted_after_grant,
};

fn collector_deleted_after_grant(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[1];
    let deployer = &estate.service_ids[4];
    let source = ctx.fresh_ip();
    ctx.name_ip(source, true);
    ctx.name_user(&deployer.iam_id, false);
    ctx.name_resource(&account.collector_crn, true);

    let call = at::serviceid_login(
        account,
        service(deployer, source, TERRAFORM),
        deployer,
        true,
    );
    ctx.activity(ctx.at(0), 1, &call.event, &call.request, &call.response);
    let call = at::policy_create(
        &mut ctx.rng,
        account,
        service(deployer, source, TERRAFORM),
        ("iam_id", &deployer.iam_id),
        "role:Administrator",
        "is",
        None,
    );
    ctx.activity(
        ctx.at(4 * MINUTE),
        1,
        &call.event,
        &call.request,
        &call.response,
    );
    let deleted = ctx.at(12 * MINUTE);
    let call =
        at::flow_log_collector_delete(&mut ctx.rng, account, service(deployer, source, TERRAFORM));
    ctx.activity(deleted, 1, &call.event, &call.request, &call.response);
    ctx.cut_flow_logs(1, deleted);
}

const KEY_PROTECT_KEY_DESTROYED: StoryDef = StoryDef {
    id: "A15",
    name: "Key Protect root key destroyed",
    description: "From an unknown address, an engineer's stolen CLI session schedules the root key protecting the prod-data bucket for deletion, then deletes it: crypto-shredding the bucket's data.",
    kind: StoryKind::Attack,
    loudness: Loudness::Quiet,
    techniques: &["T1485", "T1486"],
    at_ms: 22 * 3_600_000 + 15 * MINUTE,
    length_ms: 15 * MINUTE,
    expected: &[AT_KEY_PROTECT_KEY_DISABLED, AT_KEY_PROTECT_KEY_DELETED],
    build: key_protect_key_destroyed,
};

fn key_protect_key_destroyed(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let user = &estate.users[6];
    let source = ctx.fresh_ip();
    ctx.name_ip(source, true);
    ctx.name_user(&user.iam_id, false);
    let instance = uuid(&mut ctx.rng);
    let key = uuid(&mut ctx.rng);
    let key_crn = at::crn("kms", account.region, account, &instance, "key", &key);
    ctx.name_resource(&key_crn, true);
    let name = "prod-data-root-key";
    let call = at::kms(
        &mut ctx.rng,
        account,
        person(user, source, CLI, "token"),
        "kms.secrets.setkeyfordeletion",
        (&instance, &key, name),
    );
    ctx.activity(ctx.at(0), 0, &call.event, &call.request, &call.response);
    let call = at::kms(
        &mut ctx.rng,
        account,
        person(user, source, CLI, "token"),
        "kms.secrets.delete",
        (&instance, &key, name),
    );
    ctx.activity(
        ctx.at(9 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
}

const AUDIT_ROUTE_DELETED: StoryDef = StoryDef {
    id: "A16",
    name: "Activity Tracker route deleted at night",
    description: "At three in the morning, from an unknown address, an engineer's credentials delete the Activity Tracker Event Routing route that copies the account's audit events to IBM Cloud Logs. One event.",
    kind: StoryKind::Attack,
    loudness: Loudness::Quiet,
    techniques: &["T1562.008"],
    at_ms: 3 * 3_600_000 + 12 * MINUTE,
    length_ms: 5 * MINUTE,
    expected: &[AT_ATRACKER_ROUTE_OR_TARGET_DELETED],
    build: audit_route_deleted,
};

fn audit_route_deleted(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let user = &estate.users[12];
    let source = ctx.fresh_ip();
    ctx.name_ip(source, true);
    ctx.name_user(&user.iam_id, false);
    let (call, route) = at::atracker_route_delete(
        &mut ctx.rng,
        account,
        person(user, source, CLI, "token"),
        "route-to-cloud-logs",
    );
    ctx.name_resource(&route, true);
    ctx.activity(ctx.at(0), 0, &call.event, &call.request, &call.response);
}
