//! Identity attacks: stolen and guessed credentials, new keys, grants and account settings.

use super::at::{self, person, service, BROWSER, CLI, SCRIPT};
use super::rules::*;
use super::{tcp, StoryCtx, StoryDef, MINUTE, SECOND};
use crate::cis::{Client, HttpSpec, WafScores};
use crate::estate::Role;
use crate::panos::{Conn, Log};
use crate::simulate::{Loudness, StoryKind};
use crate::text::{hex, ipv4, uuid};

pub(super) const STORIES: &[&StoryDef] = &[
    &CREDENTIAL_STUFFING_TO_EXFILTRATION,
    &PASSWORD_SPRAYING,
    &STOLEN_KEY_PROBING,
    &MFA_OFF_AND_OUTSIDER_ADMIN,
    &GPU_HIJACK_WITH_NEW_KEY,
];

const CREDENTIAL_STUFFING_TO_EXFILTRATION: StoryDef = StoryDef {
    id: "A01",
    name: "Credential stuffing, cloud takeover and exfiltration",
    description: "One address stuffs leaked credentials into the shop's login form through CIS, then guesses a developer's IAM API key (failures, then a success) from the same address, creates a fresh API key, removes the public access block of the prod-data bucket and grants the Public Access group read on it, opens a serial console on a database server and pulls almost 3 GiB out of it to a second host.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1110.004", "T1078.004", "T1098.001", "T1530", "T1537", "T1048"],
    at_ms: 11 * 3_600_000,
    length_ms: 2 * 3_600_000,
    expected: &[
        CIS_LOGIN_FAILURE_BURST,
        AT_IAM_BRUTE_FORCE_THEN_SUCCESS,
        AT_IAM_USER_APIKEY_CREATED,
        AT_COS_PUBLIC_ACCESS_BLOCK_DELETED,
        AT_PUBLIC_ACCESS_GROUP_POLICY,
        AT_INSTANCE_CONSOLE_ACCESS_TOKEN_CREATED,
        VPC_LARGE_EGRESS_FLOW,
        PANOS_LARGE_UPLOAD,
    ],
    build: credential_stuffing_to_exfiltration,
};

/// Browser-like user agents credential stuffing tools rotate through.
const STUFFING_AGENTS: [&str; 3] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
];

fn credential_stuffing_to_exfiltration(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let victim = &estate.users[3];
    let attacker = ctx.fresh_ip();
    let drop_host = ctx.fresh_ip();
    ctx.name_ip(attacker, true);
    ctx.name_ip(drop_host, true);
    ctx.name_user(&victim.iam_id, false);
    ctx.name_user(&victim.email, false);
    let origin = crate::cis::origins(estate)[0];

    // 1. Stuffing the shop's login form: 38 POSTs in four minutes, two of them accepted.
    let mut time = ctx.at(0);
    for n in 0..38 {
        time += ctx.jitter(12 * SECOND) + SECOND;
        let agent = STUFFING_AGENTS[n % STUFFING_AGENTS.len()];
        let client = Client::at(attacker, false, agent, "nl");
        let accepted = n == 17 || n == 31;
        let status = if accepted { 200 } else { 401 };
        let spec = HttpSpec {
            client: &client,
            host: "shop.example.com",
            method: "POST",
            uri: "/login",
            status,
            origin_status: status,
            security: None,
            waf: WafScores {
                attack: ctx.rng.range(60, 95),
                sqli: 99,
                xss: ctx.rng.range(85, 99),
                rce: ctx.rng.range(80, 99),
            },
            bot_score: ctx.rng.range(1, 9),
            origin_ip: ipv4(origin),
            referer: "https://shop.example.com/login",
            body_bytes: if accepted { 2_310 } else { 164 },
            duration_ms: ctx.rng.range(80, 400),
            ray_id: None,
        };
        ctx.cis_http(time, &spec);
    }

    // 2. The same address guesses the developer's API key: six failures, then a hit.
    let leaked_key = format!("ApiKey-{}", uuid(&mut ctx.rng));
    ctx.name_key(&leaked_key, true);
    ctx.name_key(&at::apikey_crn(account, &leaked_key), true);
    let mut time = ctx.at(18 * MINUTE);
    for _ in 0..6 {
        time += ctx.jitter(50 * SECOND) + 10 * SECOND;
        let guess = format!("ApiKey-{}", uuid(&mut ctx.rng));
        let call = at::apikey_login(
            &mut ctx.rng,
            account,
            person(victim, attacker, SCRIPT, "apikey"),
            &guess,
            false,
        );
        ctx.activity(time, 0, &call.event, &call.request, &call.response);
    }
    time += 40 * SECOND;
    let call = at::apikey_login(
        &mut ctx.rng,
        account,
        person(victim, attacker, CLI, "apikey"),
        &leaked_key,
        true,
    );
    ctx.activity(time, 0, &call.event, &call.request, &call.response);

    // 3. Persistence: a key of their own, used at once.
    let new_key = format!("ApiKey-{}", uuid(&mut ctx.rng));
    ctx.name_key(&new_key, true);
    ctx.name_key(&at::apikey_crn(account, &new_key), true);
    let call = at::user_apikey_create(
        account,
        person(victim, attacker, CLI, "apikey"),
        &new_key,
        "terraform-ci",
    );
    ctx.activity(
        ctx.at(26 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
    let call = at::apikey_login(
        &mut ctx.rng,
        account,
        person(victim, attacker, CLI, "apikey"),
        &new_key,
        true,
    );
    ctx.activity(
        ctx.at(31 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );

    // 4. The prod-data bucket made public: public access block removed, Public Access group
    //    granted object reads.
    let bucket = account.buckets[0].clone();
    let bucket_crn = at::bucket_crn(account, &bucket);
    ctx.name_resource(&bucket_crn, true);
    let call = at::public_access_block_delete(
        &mut ctx.rng,
        account,
        person(victim, attacker, CLI, "apikey"),
        &bucket,
    );
    ctx.activity(
        ctx.at(40 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
    let call = at::policy_create(
        &mut ctx.rng,
        account,
        person(victim, attacker, CLI, "apikey"),
        ("access_group_id", "AccessGroupId-PublicAccess"),
        "serviceRole:ObjectReader",
        "cloud-object-storage",
        Some(("bucket", &bucket)),
    );
    ctx.activity(
        ctx.at(42 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );

    // 5. A serial console on a database server, then its data leaves for a second host.
    let db = ctx.instance(0, Role::Db, 0);
    ctx.name_resource(&db.crn, true);
    ctx.name_ip(db.ip, false);
    ctx.name_host(&db.name, false);
    let call = at::console_token(
        &mut ctx.rng,
        account,
        person(victim, attacker, CLI, "apikey"),
        db,
    );
    ctx.activity(
        ctx.at(55 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
    let start = ctx.at(62 * MINUTE);
    let length = 8 * MINUTE;
    let sent = 3_006_477_107; // 2.8 GiB
    let port = ctx.rng.range(40_000, 60_000);
    ctx.flow(tcp(
        start, length, db.ip, port, drop_host, 443, sent, 9_400_000,
    ));
    let conn = Conn {
        src: db.ip,
        dst: drop_host,
        nat_src: 0xa930_0001,
        nat_dst: drop_host,
        sport: port,
        dport: 443,
        app: 0,
        inbound: false,
        rule: "allow-vpc-egress",
    };
    let log = Log::Traffic {
        subtype: "end",
        action: "allow",
        volume: Some((sent + 41_000_000, 9_400_000, (length / SECOND) as u64)),
    };
    ctx.panos(start + length, 0, &conn, &log);
}

const PASSWORD_SPRAYING: StoryDef = StoryDef {
    id: "A02",
    name: "Password spraying from one address",
    description: "One address tries an API key for five different people within nine minutes, once or twice each: just at the spraying rule's threshold, and below every per-user brute force threshold.",
    kind: StoryKind::Attack,
    loudness: Loudness::Quiet,
    techniques: &["T1110.003"],
    at_ms: 5 * 3_600_000 + 40 * MINUTE,
    length_ms: 15 * MINUTE,
    expected: &[AT_IAM_PASSWORD_SPRAYING],
    build: password_spraying,
};

fn password_spraying(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let sprayer = ctx.fresh_ip();
    ctx.name_ip(sprayer, true);
    let mut time = ctx.at(0);
    for (n, user) in estate.users[5..10].iter().enumerate() {
        ctx.name_user(&user.iam_id, false);
        let tries = if n == 2 { 2 } else { 1 };
        for _ in 0..tries {
            time += ctx.jitter(80 * SECOND) + 20 * SECOND;
            let guess = format!("ApiKey-{}", uuid(&mut ctx.rng));
            let call = at::apikey_login(
                &mut ctx.rng,
                account,
                person(user, sprayer, SCRIPT, "apikey"),
                &guess,
                false,
            );
            ctx.activity(time, 0, &call.event, &call.request, &call.response);
        }
    }
}

const STOLEN_KEY_PROBING: StoryDef = StoryDef {
    id: "A03",
    name: "Stolen service ID key probing its permissions",
    description: "The API key of the log-shipper service ID, leaked from a build log, is used from an unknown address: it logs in, then walks through two dozen list and read calls across VPC, IAM, Key Protect, COS and the resource controller in nine minutes; most are denied.",
    kind: StoryKind::Attack,
    loudness: Loudness::Quiet,
    techniques: &["T1078.004", "T1526", "T1580", "T1069.003"],
    at_ms: 16 * 3_600_000,
    length_ms: 15 * MINUTE,
    expected: &[AT_ACCESS_DENIED_BURST, AT_CLOUD_API_ENUMERATION],
    build: stolen_key_probing,
};

/// Read and list calls a discovery script walks through: action, service display name,
/// target type, allowed for a log shipper.
const DISCOVERY_CALLS: [(&str, &str, &str, bool); 25] = [
    (
        "is.instance.instance.list",
        "Virtual Private Cloud",
        "is.instance/instance",
        false,
    ),
    (
        "is.vpc.vpc.list",
        "Virtual Private Cloud",
        "is.vpc/vpc",
        false,
    ),
    (
        "is.subnet.subnet.list",
        "Virtual Private Cloud",
        "is.subnet/subnet",
        false,
    ),
    (
        "is.security-group.security-group.list",
        "Security Groups for VPC",
        "is.security-group/security-group",
        false,
    ),
    (
        "is.floating-ip.floating-ip.list",
        "Virtual Private Cloud",
        "is.floating-ip/floating-ip",
        false,
    ),
    (
        "is.volume.volume.list",
        "Block Storage for VPC",
        "is.volume/volume",
        false,
    ),
    (
        "is.image.image.list",
        "Virtual Private Cloud",
        "is.image/image",
        true,
    ),
    (
        "is.key.key.list",
        "Virtual Private Cloud",
        "is.key/key",
        false,
    ),
    (
        "is.flow-log-collector.flow-log-collector.list",
        "Virtual Private Cloud",
        "is.flow-log-collector/flow-log-collector",
        true,
    ),
    (
        "is.network-acl.network-acl.list",
        "Virtual Private Cloud",
        "is.network-acl/network-acl",
        false,
    ),
    (
        "is.public-gateway.public-gateway.list",
        "Virtual Private Cloud",
        "is.public-gateway/public-gateway",
        false,
    ),
    (
        "is.load-balancer.load-balancer.list",
        "Virtual Private Cloud",
        "is.load-balancer/load-balancer",
        false,
    ),
    (
        "iam-identity.serviceid.list",
        "IAM Identity Service",
        "iam-identity/serviceid",
        false,
    ),
    (
        "iam-identity.apikey.list",
        "IAM Identity Service",
        "iam-identity/apikey",
        false,
    ),
    (
        "iam-identity.profile.list",
        "IAM Identity Service",
        "iam-identity/profile",
        false,
    ),
    (
        "iam-groups.group.list",
        "IAM Access Groups",
        "iam-groups/group",
        false,
    ),
    (
        "iam-am.policy.list",
        "IAM Access Management",
        "iam-am/policy",
        false,
    ),
    ("kms.secrets.list", "Key Protect", "kms/secrets", false),
    (
        "kms.instance-policies.read",
        "Key Protect",
        "kms/instance-policies",
        false,
    ),
    (
        "cloud-object-storage.bucket.list",
        "Cloud Object Storage",
        "cloud-object-storage/bucket",
        true,
    ),
    (
        "resource-controller.instance.list",
        "Resource Controller",
        "resource-controller/instance",
        true,
    ),
    (
        "resource-controller.key.list",
        "Resource Controller",
        "resource-controller/key",
        false,
    ),
    (
        "atracker.route.list",
        "Activity Tracker Event Routing",
        "atracker/route",
        true,
    ),
    (
        "atracker.target.list",
        "Activity Tracker Event Routing",
        "atracker/target",
        true,
    ),
    ("logs.alert.list", "IBM Cloud Logs", "logs/alert", true),
];

fn stolen_key_probing(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let shipper = &estate.service_ids[2];
    let prober = ctx.fresh_ip();
    ctx.name_ip(prober, true);
    ctx.name_user(&shipper.iam_id, false);
    let call = at::serviceid_login(account, service(shipper, prober, SCRIPT), shipper, true);
    ctx.activity(ctx.at(0), 0, &call.event, &call.request, &call.response);
    let mut time = ctx.at(40 * SECOND);
    for (action, display, type_uri, allowed) in DISCOVERY_CALLS {
        time += ctx.jitter(25 * SECOND) + 3 * SECOND;
        let call = at::api_call(
            &mut ctx.rng,
            account,
            service(shipper, prober, SCRIPT),
            action,
            display,
            type_uri,
            !allowed,
        );
        ctx.activity(time, 0, &call.event, &call.request, &call.response);
    }
}

const MFA_OFF_AND_OUTSIDER_ADMIN: StoryDef = StoryDef {
    id: "A04",
    name: "MFA switched off and an outsider made administrator",
    description: "Late at night, an account administrator's hijacked console session from a foreign address switches off account MFA, invites an outside address, grants the new identity the Administrator role on the whole account and adds it to the Administrators access group.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1556.006", "T1136.003", "T1098.003", "T1078.004"],
    at_ms: 23 * 3_600_000 + 5 * MINUTE,
    length_ms: 20 * MINUTE,
    expected: &[
        AT_ACCOUNT_MFA_DISABLED,
        AT_USER_INVITED,
        AT_IAM_POLICY_GRANTS_ADMIN,
        AT_ADMIN_ACCESS_GROUP_MEMBER_ADDED,
    ],
    build: mfa_off_and_outsider_admin,
};

fn mfa_off_and_outsider_admin(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let admin = &estate.users[0];
    let session = ctx.fresh_ip();
    ctx.name_ip(session, true);
    ctx.name_user(&admin.iam_id, false);
    let outsider = format!("it-support.{}@protonmail.example", hex(&mut ctx.rng, 4));
    let outsider_id = format!(
        "IBMid-{}{}",
        100_000 + ctx.rng.below(900_000),
        hex(&mut ctx.rng, 4).to_uppercase()
    );
    ctx.name_user(&outsider, true);
    ctx.name_user(&outsider_id, true);

    let call = at::mfa_off(account, person(admin, session, BROWSER, "token"));
    ctx.activity(
        ctx.at(3 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
    let call = at::user_invite(
        account,
        person(admin, session, BROWSER, "token"),
        &outsider,
        "Developers",
    );
    ctx.activity(
        ctx.at(5 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
    let call = at::policy_create(
        &mut ctx.rng,
        account,
        person(admin, session, BROWSER, "token"),
        ("iam_id", &outsider_id),
        "role:Administrator",
        "",
        None,
    );
    ctx.activity(
        ctx.at(11 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
    let call = at::group_member_add(
        &mut ctx.rng,
        account,
        person(admin, session, BROWSER, "token"),
        "Administrators",
        &outsider_id,
    );
    ctx.activity(
        ctx.at(13 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
}

const GPU_HIJACK_WITH_NEW_KEY: StoryDef = StoryDef {
    id: "A05",
    name: "Resource hijacking: new service ID key, GPU instances in an unused region",
    description: "The terraform-automation service ID's key is used from an unknown address to create a second API key for the service ID, then, with it, twelve GPU instances in Tokyo, a region the estate does not use.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1098.001", "T1578.002", "T1496", "T1535"],
    at_ms: 9 * 3_600_000,
    length_ms: 30 * MINUTE,
    expected: &[
        AT_IAM_SERVICEID_APIKEY_CREATED,
        AT_INSTANCE_CREATION_BURST,
        AT_GPU_INSTANCE_CREATED,
        AT_INSTANCE_CREATED_OUTSIDE_APPROVED_REGIONS,
    ],
    build: gpu_hijack_with_new_key,
};

fn gpu_hijack_with_new_key(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let automation = &estate.service_ids[0];
    let hijacker = ctx.fresh_ip();
    ctx.name_ip(hijacker, true);
    ctx.name_user(&automation.iam_id, false);

    let call = at::serviceid_login(
        account,
        service(automation, hijacker, CLI),
        automation,
        true,
    );
    ctx.activity(ctx.at(0), 0, &call.event, &call.request, &call.response);
    let key = format!("ApiKey-{}", uuid(&mut ctx.rng));
    let key_crn = at::crn("iam-identity", "", account, "", "apikey", &key);
    ctx.name_key(&key, true);
    ctx.name_key(&key_crn, true);
    let call = at::serviceid_apikey_create(
        account,
        service(automation, hijacker, CLI),
        automation,
        &key,
        "tf-runner-2",
    );
    ctx.activity(
        ctx.at(2 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );

    let mut time = ctx.at(6 * MINUTE);
    for n in 0..12 {
        time += ctx.jitter(40 * SECOND) + 20 * SECOND;
        let (zone, code) = [
            ("jp-tok-1", "0757"),
            ("jp-tok-2", "0767"),
            ("jp-tok-3", "0777"),
        ][n % 3];
        let name = format!("render-node-{:02}", n + 1);
        let (call, crn) = at::instance_create(
            &mut ctx.rng,
            account,
            service(automation, hijacker, CLI),
            ("jp-tok", zone, code),
            &name,
            "gx3-16x80x1l4",
        );
        ctx.name_resource(&crn, true);
        ctx.activity(time, 0, &call.event, &call.request, &call.response);
    }
}
