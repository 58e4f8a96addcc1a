//! Resource events: COS buckets and objects, VPC instances, floating IPs, security groups
//! and flow log collectors, Key Protect keys, Activity Tracker routes.

use super::{call, crn, log_source, object, Call};
use crate::activity_tracker::{Actor, Outcome};
use crate::estate::{Account, Instance};
use crate::rng::Rng;
use crate::text::{hex, ipv4, uuid};

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
        o.str("etag", &hex(rng, 32))
            .u64("bytes_transferred", length);
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
        (
            instance.crn.clone(),
            instance.name.clone(),
            "is.instance/console-access-token",
        ),
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
        (
            instance_crn.clone(),
            name.to_owned(),
            "is.instance/instance",
        ),
        Outcome::success(201, "warning"),
        format!("crn:v1:bluemix:public:is:{region}:a/{}:::", account.id),
        request,
        response,
    );
    (call, instance_crn)
}
