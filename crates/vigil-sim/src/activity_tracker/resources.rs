//! Resource actions: COS buckets and objects, VPC security groups, ACLs, instances and flow
//! log collectors, Key Protect keys.

use super::catalog::{crn, maybe_fail, Kind};
use super::{service_actor, user_actor, Event, Outcome};
use crate::estate::{public_ip, Account, Estate, Instance, Role};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{hex, ipv4, uuid};

const SG_NAMES: [&str; 4] = ["web-sg", "app-sg", "db-sg", "bastion-sg"];
const PROFILES: [&str; 4] = ["bx2-2x8", "bx2-4x16", "cx2-8x16", "mx2-4x32"];
const OBJECT_PREFIXES: [&str; 4] = ["exports/daily/", "backups/pg/", "logs/app/", "reports/"];

pub(super) fn object_event<'e>(
    read: bool,
    rng: &mut Rng,
    estate: &'e Estate,
    account: &'e Account,
    request: &mut Vec<u8>,
    response: &mut Vec<u8>,
) -> Event<'e> {
    let actor = if rng.chance(800) {
        service_actor(rng, estate)
    } else {
        user_actor(rng, estate, false)
    };
    let bucket = rng.pick(&account.buckets);
    let object = format!(
        "{}{}-{}.json.gz",
        rng.pick(&OBJECT_PREFIXES),
        20250000 + rng.range(601, 628),
        hex(rng, 8)
    );
    let outcome = maybe_fail(
        rng,
        15,
        Outcome::success(200, "normal"),
        404,
        "The specified key does not exist.",
    );
    let length = rng.heavy(200_000, 500_000_000);
    let mut obj = Obj::new(request);
    obj.str("bucket_location", account.region)
        .str("object_key", &object)
        .u64("object_length", length)
        .str("request_id", &uuid(rng))
        .str("storage_class", "smart");
    if !read {
        obj.str("content_type", "application/gzip").str(
            "sse_kp_customer_root_key_crn",
            &crn(
                "kms",
                account.region,
                account,
                &account.cos_instance,
                "key",
                &uuid(rng),
            ),
        );
    }
    obj.finish();
    let mut obj = Obj::new(response);
    obj.str("etag", &hex(rng, 32))
        .u64("bytes_transferred", length);
    obj.finish();
    let verb = if read { "read" } else { "create" };
    Event {
        action: if read {
            "cloud-object-storage.object.read"
        } else {
            "cloud-object-storage.object.create"
        },
        display: "Cloud Object Storage",
        summary: format!("{verb} object {object}"),
        actor,
        target_id: crn(
            "cloud-object-storage",
            "global",
            account,
            &account.cos_instance,
            "bucket",
            bucket,
        ),
        target_name: object,
        target_type: "cloud-object-storage/object",
        resource_group: Some(&account.resource_group_crn),
        outcome,
        data_event: true,
        log_source_crn: crn(
            "cloud-object-storage",
            "global",
            account,
            &account.cos_instance,
            "bucket",
            bucket,
        ),
    }
}

pub(super) fn security_group_rule<'e>(
    kind: Kind,
    rng: &mut Rng,
    estate: &'e Estate,
    account: &'e Account,
    request: &mut Vec<u8>,
    response: &mut Vec<u8>,
) -> Event<'e> {
    let actor = if rng.chance(600) {
        service_actor(rng, estate)
    } else {
        user_actor(rng, estate, true)
    };
    let index = rng.index(account.security_groups.len());
    let group = &account.security_groups[index];
    let rule = format!("{}-{}", &group[..4], uuid(rng));
    let (port, remote) = if rng.chance(60) {
        // The change everyone regrets: SSH or RDP open to the world.
        (*rng.pick(&[22, 3389]), "0.0.0.0/0".to_owned())
    } else {
        (
            *rng.pick(&[443, 80, 8080, 5432, 6379, 22]),
            format!("10.{}.0.0/16", rng.pick(&[240, 243])),
        )
    };
    let (action, verb, code) = match kind {
        Kind::SecurityGroupRuleCreate => (
            "is.security-group.security-group-rule.create",
            "create",
            201,
        ),
        Kind::SecurityGroupRuleUpdate => (
            "is.security-group.security-group-rule.update",
            "update",
            200,
        ),
        _ => (
            "is.security-group.security-group-rule.delete",
            "delete",
            204,
        ),
    };
    let mut obj = Obj::new(request);
    obj.str("generation", "2")
        .str("requestId", &uuid(rng))
        .str("security_group_id", group);
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
            // The request body of `POST /security_groups/{id}/rules` is the rule prototype.
            write_rule(&mut obj, &remote);
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
    obj.str(
        "responseURI",
        &format!("/v1/security_groups/{group}/rules/{rule}"),
    )
    .str("id", &rule);
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
pub(super) fn vpc_event<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &'e Account,
    action: &'static str,
    verb: &str,
    kind: &str,
    object: &str,
    request: &mut Vec<u8>,
) -> Event<'e> {
    let actor = if rng.chance(500) {
        service_actor(rng, estate)
    } else {
        user_actor(rng, estate, true)
    };
    let apps: Vec<&Instance> = estate
        .with_role(Role::App)
        .filter(|i| estate.accounts[i.account].id == account.id)
        .collect();
    let instance = apps
        .get(rng.index(apps.len()))
        .copied()
        .unwrap_or(&estate.instances[0]);
    let (target_id, target_name, type_uri) = match kind {
        "instance" => (
            instance.crn.clone(),
            instance.name.clone(),
            "is.instance/instance",
        ),
        "network-acl" => (
            crn(
                "is",
                account.region,
                account,
                "",
                "network-acl",
                &format!("r006-{}", uuid(rng)),
            ),
            "edge-acl".to_owned(),
            "is.network-acl/rule",
        ),
        _ => (
            account.collector_crn.clone(),
            "vpc-flow-collector".to_owned(),
            "is.flow-log-collector/flow-log-collector",
        ),
    };
    let mut obj = Obj::new(request);
    obj.str("generation", "2").str("requestId", &uuid(rng));
    match action {
        "is.instance.instance.create" => {
            obj.obj("instance", |o| {
                o.str("name", &format!("app-{}", hex(rng, 4)))
                    .obj("profile", |p| {
                        p.str("name", rng.one(&PROFILES));
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
            obj.str("updateType", "active")
                .bool("initialValue", true)
                .bool("newValue", false);
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

pub(super) fn bucket_event<'e>(
    create: bool,
    rng: &mut Rng,
    estate: &'e Estate,
    account: &'e Account,
    request: &mut Vec<u8>,
) -> Event<'e> {
    let actor = user_actor(rng, estate, true);
    let bucket = if create {
        format!("scratch-{}", hex(rng, 8))
    } else {
        rng.pick(&account.buckets).clone()
    };
    let mut obj = Obj::new(request);
    obj.str("bucket_location", account.region)
        .str("storage_class", "smart")
        .str("request_id", &uuid(rng))
        .str("user_agent", "Mozilla/5.0 (IBM Cloud console)");
    obj.finish();
    let verb = if create { "create" } else { "delete" };
    Event {
        action: if create {
            "cloud-object-storage.bucket.create"
        } else {
            "cloud-object-storage.bucket.delete"
        },
        display: "Cloud Object Storage",
        summary: format!("{verb} bucket {bucket}"),
        actor,
        target_id: crn(
            "cloud-object-storage",
            "global",
            account,
            &account.cos_instance,
            "bucket",
            &bucket,
        ),
        target_name: bucket,
        target_type: "cloud-object-storage/bucket",
        resource_group: Some(&account.resource_group_crn),
        outcome: maybe_fail(
            rng,
            40,
            Outcome::success(200, if create { "normal" } else { "critical" }),
            409,
            "The bucket you tried to create already exists",
        ),
        data_event: false,
        log_source_crn: crn(
            "cloud-object-storage",
            "global",
            account,
            &account.cos_instance,
            "bucket",
            "",
        ),
    }
}

pub(super) fn key_rotate<'e>(
    rng: &mut Rng,
    estate: &'e Estate,
    account: &Account,
    request: &mut Vec<u8>,
) -> Event<'e> {
    let actor = service_actor(rng, estate);
    let instance = uuid(rng);
    let key = uuid(rng);
    let mut obj = Obj::new(request);
    obj.str("keyId", &key)
        .str("keyVersionId", &uuid(rng))
        .str("requestId", &uuid(rng));
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
