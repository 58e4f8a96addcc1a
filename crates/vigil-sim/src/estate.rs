//! The synthetic estate every source describes: IBM Cloud accounts with one VPC each, subnets
//! per zone, instances with their vNICs and addresses, people and service IDs, COS buckets,
//! and the internet around it (office egress addresses, clients, scanners).
//!
//! It is built once from the seed, so the flow logs, firewall logs and audit events of one
//! dataset talk about the same machines, addresses and people.

use crate::rng::Rng;
use crate::text::{hex, uuid};

/// What an instance does; decides its traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Public web front end (floating IP, 443/80 from the internet).
    Web,
    /// Application tier (8080 from web, talks to the database and COS).
    App,
    /// Database (5432 from the app tier).
    Db,
    /// SSH jump host (22 from the offices).
    Bastion,
    /// Kubernetes worker (everything east-west, images from registries).
    Worker,
}

/// One subnet (the first /24 of its zone's address prefix).
#[derive(Clone, Debug)]
pub(crate) struct Subnet {
    pub zone: &'static str,
    /// IBM's zone code that prefixes ids in this zone (`0717` for `us-south-1`).
    pub code: &'static str,
    pub crn: String,
    /// The first address of the /24.
    pub base: u32,
}

/// One virtual server instance with one vNIC.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub account: usize,
    pub subnet: usize,
    pub name: String,
    pub role: Role,
    pub crn: String,
    pub vnic_id: String,
    pub ip: u32,
    pub floating_ip: Option<u32>,
}

/// One account, its region and its VPC.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub id: String,
    pub region: &'static str,
    pub vpc_crn: String,
    pub collector_crn: String,
    pub resource_group_crn: String,
    pub cos_instance: String,
    pub security_groups: Vec<String>,
    pub subnets: Vec<Subnet>,
    pub buckets: Vec<String>,
}

/// A person with an IBMid.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub iam_id: String,
    pub email: String,
    /// The office the person works from (index into [`Estate::offices`]).
    pub office: usize,
}

/// A service ID used by automation.
#[derive(Clone, Debug)]
pub(crate) struct ServiceId {
    pub iam_id: String,
    pub name: &'static str,
}

/// The whole estate.
#[derive(Clone, Debug)]
pub(crate) struct Estate {
    pub accounts: Vec<Account>,
    pub instances: Vec<Instance>,
    pub users: Vec<User>,
    pub service_ids: Vec<ServiceId>,
    /// Office egress addresses.
    pub offices: Vec<u32>,
    /// Ordinary internet clients.
    pub clients: Vec<u32>,
    /// Addresses that scan and attack.
    pub scanners: Vec<u32>,
    /// AWS accounts (12 digits) of the hybrid part of the estate.
    pub aws_accounts: Vec<String>,
}

/// IBM zone code, zone, address prefix of each zone of the two regions used.
const ZONES: [(&str, &str, &str, u32); 6] = [
    ("us-south", "0717", "us-south-1", 0x0af0_0000), // 10.240.0.0
    ("us-south", "0727", "us-south-2", 0x0af0_4000), // 10.240.64.0
    ("us-south", "0737", "us-south-3", 0x0af0_8000), // 10.240.128.0
    ("eu-de", "02b7", "eu-de-1", 0x0af3_0000),       // 10.243.0.0
    ("eu-de", "02c7", "eu-de-2", 0x0af3_4000),       // 10.243.64.0
    ("eu-de", "02d7", "eu-de-3", 0x0af3_8000),       // 10.243.128.0
];

const PEOPLE: [&str; 16] = [
    "anna.schmidt",
    "ravi.kumar",
    "maria.garcia",
    "james.oconnor",
    "li.wei",
    "fatima.haddad",
    "lukas.becker",
    "sofia.rossi",
    "kenji.tanaka",
    "olivia.brown",
    "mateo.silva",
    "noah.dubois",
    "emma.jensen",
    "arjun.mehta",
    "chloe.martin",
    "david.cohen",
];

const SERVICE_IDS: [&str; 6] = [
    "terraform-automation",
    "backup-exporter",
    "log-shipper",
    "k8s-cluster-autoscaler",
    "ci-deployer",
    "security-scanner",
];

const ROLES: [(Role, &str, usize); 5] = [
    (Role::Web, "web", 6),
    (Role::App, "app", 6),
    (Role::Db, "db", 3),
    (Role::Bastion, "bastion", 1),
    (Role::Worker, "kube-worker", 6),
];

impl Estate {
    /// Builds the estate for `seed`.
    pub(crate) fn new(seed: u64) -> Estate {
        let mut rng = Rng::for_stream(seed, "estate");
        let mut accounts = Vec::new();
        for (region, vpc_prefix, names) in [
            ("us-south", "r006", ["prod-data", "prod-web", "prod-logs"]),
            ("eu-de", "r010", ["eu-data", "eu-web", "eu-archive"]),
        ] {
            let id = hex(&mut rng, 32);
            let scope = format!("a/{id}");
            let subnets = ZONES
                .iter()
                .filter(|zone| zone.0 == region)
                .map(|&(_, code, zone, prefix)| Subnet {
                    zone,
                    code,
                    crn: format!(
                        "crn:v1:bluemix:public:is:{zone}:{scope}::subnet:{code}-{}",
                        uuid(&mut rng)
                    ),
                    base: prefix,
                })
                .collect();
            accounts.push(Account {
                region,
                vpc_crn: format!(
                    "crn:v1:bluemix:public:is:{region}:{scope}::vpc:{vpc_prefix}-{}",
                    uuid(&mut rng)
                ),
                collector_crn: format!(
                    "crn:v1:bluemix:public:is:{region}:{scope}::flow-log-collector:{vpc_prefix}-{}",
                    uuid(&mut rng)
                ),
                resource_group_crn: format!(
                    "crn:v1:bluemix:public:resource-controller::{scope}::resource-group:{}",
                    hex(&mut rng, 32)
                ),
                cos_instance: uuid(&mut rng),
                security_groups: (0..4)
                    .map(|_| format!("{vpc_prefix}-{}", uuid(&mut rng)))
                    .collect(),
                subnets,
                buckets: names
                    .iter()
                    .map(|n| format!("{n}-{}", hex(&mut rng, 6)))
                    .collect(),
                id,
            });
        }

        let mut instances = Vec::new();
        for (account_index, account) in accounts.iter().enumerate() {
            let floating_base: u32 = if account.region == "us-south" {
                0xa930_0000 // 169.48.0.0
            } else {
                0x9eb1_0000 // 158.177.0.0
            };
            for &(role, stem, count) in &ROLES {
                for n in 0..count {
                    let subnet_index = n % account.subnets.len();
                    let subnet = &account.subnets[subnet_index];
                    let code = subnet.code;
                    let host = 4 + instances.len() as u32;
                    let public = matches!(role, Role::Web | Role::Bastion);
                    instances.push(Instance {
                        account: account_index,
                        subnet: subnet_index,
                        name: format!("{stem}-{:02}", n + 1),
                        role,
                        crn: format!(
                            "crn:v1:bluemix:public:is:{}:a/{}::instance:{code}_{}",
                            subnet.zone,
                            account.id,
                            uuid(&mut rng)
                        ),
                        vnic_id: format!("{code}-{}", uuid(&mut rng)),
                        ip: subnet.base + host,
                        floating_ip: public.then(|| floating_base + rng.below(0xffff) as u32),
                    });
                }
            }
        }

        let offices: Vec<u32> = (0..4).map(|_| public_ip(&mut rng)).collect();
        let users = PEOPLE
            .iter()
            .enumerate()
            .map(|(i, person)| User {
                iam_id: format!(
                    "IBMid-{}{}",
                    100_000 + rng.below(900_000),
                    hex(&mut rng, 4).to_uppercase()
                ),
                email: format!("{person}@example.com"),
                office: i % offices.len(),
            })
            .collect();
        let service_ids = SERVICE_IDS
            .iter()
            .map(|name| ServiceId {
                iam_id: format!("iam-ServiceId-{}", uuid(&mut rng)),
                name,
            })
            .collect();
        let clients = (0..2048).map(|_| public_ip(&mut rng)).collect();
        let scanners = (0..64).map(|_| public_ip(&mut rng)).collect();
        let aws_accounts = (0..2)
            .map(|_| format!("{:012}", 100_000_000_000 + rng.below(900_000_000_000)))
            .collect();

        Estate {
            accounts,
            instances,
            users,
            service_ids,
            offices,
            clients,
            scanners,
            aws_accounts,
        }
    }

    /// The instances of one role.
    pub(crate) fn with_role(&self, role: Role) -> impl Iterator<Item = &Instance> {
        self.instances.iter().filter(move |i| i.role == role)
    }

    /// A random instance of `role` in the same account as `like` (or `like` itself when the
    /// account has none).
    pub(crate) fn peer<'a>(
        &'a self,
        rng: &mut Rng,
        like: &'a Instance,
        role: Role,
    ) -> &'a Instance {
        let peers: Vec<&Instance> = self
            .instances
            .iter()
            .filter(|i| i.role == role && i.account == like.account)
            .collect();
        if peers.is_empty() {
            return like;
        }
        peers[rng.index(peers.len())]
    }
}

/// A random routable public IPv4 address (no private, shared, loopback, link-local,
/// multicast or reserved ranges).
pub(crate) fn public_ip(rng: &mut Rng) -> u32 {
    loop {
        let ip = rng.next_u64() as u32;
        let first = ip >> 24;
        let second = (ip >> 16) & 0xff;
        let private = first == 0
            || first == 10
            || first == 127
            || first >= 224
            || (first == 100 && (64..128).contains(&second))
            || (first == 169 && second == 254)
            || (first == 172 && (16..32).contains(&second))
            || (first == 192 && second == 168);
        if !private {
            return ip;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estate_is_consistent() {
        let estate = Estate::new(1);
        assert_eq!(estate.accounts.len(), 2);
        assert_eq!(estate.instances.len(), 2 * 22);
        for instance in &estate.instances {
            let account = &estate.accounts[instance.account];
            assert!(instance.crn.contains(&account.id), "{}", instance.crn);
            assert!(instance.crn.contains(account.subnets[instance.subnet].zone));
            assert_eq!(instance.vnic_id.len(), 41, "{}", instance.vnic_id);
        }
        assert_eq!(Estate::new(1).instances[5].crn, estate.instances[5].crn);
        assert_ne!(Estate::new(2).instances[5].crn, estate.instances[5].crn);
    }
}
