//! AWS CloudTrail events, one JSON object per line (as CloudTrail Lake exports or an
//! EventBridge-to-file pipeline write them, not the `{"Records":[…]}` S3 delivery files).
//!
//! The hybrid part of the estate: two AWS accounts with people (IAM users), CI roles
//! (assumed roles) and AWS services acting. Mostly reads and S3 data events; now and then a
//! console login failure, an access key created, a security group opened or a trail stopped.

use crate::estate::Estate;
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{hex, ipv4, push_rfc3339, uuid, Zone};
use crate::Stream;

/// Mean time between two events.
pub(crate) const MEAN_GAP_MS: u64 = 800;

const REGIONS: [&str; 2] = ["us-east-1", "eu-central-1"];
const ROLES: [&str; 3] = [
    "ci-deployer",
    "data-pipeline",
    "OrganizationAccountAccessRole",
];
const BUCKETS: [&str; 3] = [
    "example-data-lake",
    "example-build-artifacts",
    "example-cloudtrail-logs",
];

/// Service, event name, read only, data event.
type Call = (&'static str, &'static str, bool, bool);

const EVENTS: [(u32, Call); 14] = [
    (200, ("s3.amazonaws.com", "GetObject", true, true)),
    (90, ("s3.amazonaws.com", "PutObject", false, true)),
    (150, ("sts.amazonaws.com", "AssumeRole", true, false)),
    (80, ("sts.amazonaws.com", "GetCallerIdentity", true, false)),
    (120, ("ec2.amazonaws.com", "DescribeInstances", true, false)),
    (60, ("kms.amazonaws.com", "Decrypt", true, false)),
    (40, ("s3.amazonaws.com", "ListBuckets", true, false)),
    (25, ("signin.amazonaws.com", "ConsoleLogin", false, false)),
    (8, ("ec2.amazonaws.com", "RunInstances", false, false)),
    (
        6,
        (
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            false,
            false,
        ),
    ),
    (4, ("iam.amazonaws.com", "CreateAccessKey", false, false)),
    (3, ("iam.amazonaws.com", "AttachUserPolicy", false, false)),
    (3, ("s3.amazonaws.com", "PutBucketPolicy", false, false)),
    (1, ("cloudtrail.amazonaws.com", "StopLogging", false, false)),
];

/// Appends `n` events.
pub(crate) fn write(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    for _ in 0..n {
        let now = stream.tick(MEAN_GAP_MS);
        event(out, &mut stream.rng, estate, now);
    }
}

/// `len` characters of AWS-style upper-case ids.
fn upper_id(rng: &mut Rng, prefix: &str, len: usize) -> String {
    const CHARS: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut id = String::with_capacity(prefix.len() + len);
    id.push_str(prefix);
    for _ in 0..len {
        id.push(char::from(*rng.pick(CHARS)));
    }
    id
}

/// Who calls.
enum Identity {
    User(String),
    Role(&'static str),
    Service(&'static str),
}

fn event(out: &mut Vec<u8>, rng: &mut Rng, estate: &Estate, now: i64) {
    let (source, name, read_only, data) = *rng.weighted(&EVENTS);
    let account = rng.pick(&estate.aws_accounts).as_str();
    let region = if source == "signin.amazonaws.com" || source == "iam.amazonaws.com" {
        "us-east-1"
    } else {
        *rng.pick(&REGIONS)
    };
    let user = rng.pick(&estate.users);
    let person = user.email.split('@').next().unwrap_or_default().to_owned();
    let identity = match name {
        "ConsoleLogin" | "CreateAccessKey" | "AttachUserPolicy" | "StopLogging" | "ListBuckets" => {
            Identity::User(person.clone())
        }
        "Decrypt" if rng.chance(700) => Identity::Service("s3.amazonaws.com"),
        _ if rng.chance(300) => Identity::User(person.clone()),
        _ => Identity::Role(rng.one(&ROLES)),
    };
    let login_failed = name == "ConsoleLogin" && rng.chance(150);
    let denied = !login_failed && name != "ConsoleLogin" && rng.chance(25);
    let from_attacker = login_failed && rng.chance(500);
    let source_ip = match (&identity, from_attacker) {
        (Identity::Service(service), _) => (*service).to_owned(),
        (_, true) => ipv4(*rng.pick(&estate.scanners)),
        (Identity::User(_), false) => ipv4(estate.offices[user.office]),
        (Identity::Role(_), false) => ipv4(*rng.pick(&estate.clients)),
    };
    let agent = match (&identity, source) {
        (Identity::Service(service), _) => *service,
        (_, "signin.amazonaws.com") => "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
        (Identity::User(_), _) => "aws-cli/2.15.58 md/awscrt#0.19.19 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#s3.ls",
        _ => "Boto3/1.34.120 md/Botocore#1.34.120 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.120",
    };

    let mut obj = Obj::new(out);
    obj.str("eventVersion", if data { "1.10" } else { "1.09" });
    obj.obj("userIdentity", |o| match &identity {
        Identity::User(person) => {
            o.str("type", "IAMUser")
                .str("principalId", &upper_id(rng, "AIDA", 17))
                .str("arn", &format!("arn:aws:iam::{account}:user/{person}"))
                .str("accountId", account);
            if name != "ConsoleLogin" {
                o.str("accessKeyId", &upper_id(rng, "AKIA", 16));
            }
            o.str("userName", person);
        }
        Identity::Role(role) => {
            let principal = upper_id(rng, "AROA", 17);
            let session = format!("{role}-{}", 1_700_000_000 + rng.below(50_000_000));
            o.str("type", "AssumedRole")
                .str("principalId", &format!("{principal}:{session}"))
                .str(
                    "arn",
                    &format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                )
                .str("accountId", account)
                .str("accessKeyId", &upper_id(rng, "ASIA", 16))
                .obj("sessionContext", |c| {
                    c.obj("sessionIssuer", |i| {
                        i.str("type", "Role")
                            .str("principalId", &principal)
                            .str("arn", &format!("arn:aws:iam::{account}:role/{role}"))
                            .str("accountId", account)
                            .str("userName", role);
                    })
                    .obj("attributes", |a| {
                        a.with("creationDate", |b| {
                            b.push(b'"');
                            push_rfc3339(b, now - 600_000, 0, 0, Zone::Z);
                            b.push(b'"');
                        })
                        .str("mfaAuthenticated", "false");
                    });
                });
        }
        Identity::Service(service) => {
            o.str("type", "AWSService").str("invokedBy", service);
        }
    });
    obj.with("eventTime", |b| {
        b.push(b'"');
        push_rfc3339(b, now, 0, 0, Zone::Z);
        b.push(b'"');
    });
    obj.str("eventSource", source)
        .str("eventName", name)
        .str("awsRegion", region)
        .str("sourceIPAddress", &source_ip)
        .str("userAgent", agent);
    if denied {
        obj.str("errorCode", "AccessDenied").str(
            "errorMessage",
            &format!(
                "User is not authorized to perform: {}:{name}",
                source.split('.').next().unwrap_or_default()
            ),
        );
    }
    if login_failed {
        obj.str("errorMessage", "Failed authentication");
    }
    let bucket = *rng.pick(&BUCKETS);
    obj.with("requestParameters", |b| {
        parameters(b, rng, name, bucket, region, &person)
    });
    obj.with("responseElements", |b| {
        if name == "ConsoleLogin" {
            b.extend_from_slice(if login_failed {
                b"{\"ConsoleLogin\":\"Failure\"}"
            } else {
                b"{\"ConsoleLogin\":\"Success\"}"
            });
        } else if name == "CreateAccessKey" && !denied {
            let mut response = Obj::new(b);
            response.obj("accessKey", |k| {
                k.str("accessKeyId", &upper_id(rng, "AKIA", 16))
                    .str("status", "Active")
                    .str("userName", &person)
                    .str("createDate", "Jun 2, 2025 8:14:03 AM");
            });
            response.finish();
        } else {
            b.extend_from_slice(b"null");
        }
    });
    if name == "ConsoleLogin" {
        obj.obj("additionalEventData", |a| {
            a.str("LoginTo", "https://console.aws.amazon.com/console/home")
                .str("MobileVersion", "No")
                .str("MFAUsed", if rng.chance(700) { "Yes" } else { "No" });
        });
    }
    if data {
        obj.obj("additionalEventData", |a| {
            a.str("SignatureVersion", "SigV4")
                .str("CipherSuite", "TLS_AES_128_GCM_SHA256")
                .u64(
                    "bytesTransferredIn",
                    if name == "PutObject" {
                        rng.heavy(50_000, 1_000_000_000)
                    } else {
                        0
                    },
                )
                .str("AuthenticationMethod", "AuthHeader")
                .str("x-amz-id-2", &hex(rng, 48))
                .u64(
                    "bytesTransferredOut",
                    if name == "GetObject" {
                        rng.heavy(50_000, 1_000_000_000)
                    } else {
                        0
                    },
                );
        });
    }
    obj.str("requestID", &upper_id(rng, "", 16))
        .str("eventID", &uuid(rng))
        .bool("readOnly", read_only);
    if data {
        obj.objs("resources", 2, |i, r| {
            if i == 0 {
                r.str("type", "AWS::S3::Object").str(
                    "ARN",
                    &format!("arn:aws:s3:::{bucket}/exports/{}.parquet", hex(rng, 8)),
                );
            } else {
                r.str("accountId", account)
                    .str("type", "AWS::S3::Bucket")
                    .str("ARN", &format!("arn:aws:s3:::{bucket}"));
            }
        });
    }
    obj.str(
        "eventType",
        if name == "ConsoleLogin" {
            "AwsConsoleSignIn"
        } else {
            "AwsApiCall"
        },
    )
    .bool("managementEvent", !data)
    .str("recipientAccountId", account)
    .str("eventCategory", if data { "Data" } else { "Management" });
    if !matches!(identity, Identity::Service(_)) && name != "ConsoleLogin" {
        obj.obj("tlsDetails", |t| {
            t.str("tlsVersion", "TLSv1.3")
                .str("cipherSuite", "TLS_AES_128_GCM_SHA256")
                .str(
                    "clientProvidedHostHeader",
                    &format!(
                        "{}.{region}.amazonaws.com",
                        source.split('.').next().unwrap_or_default()
                    ),
                );
        });
    }
    obj.finish();
    out.push(b'\n');
}

/// `requestParameters` for each event name (`null` when the call takes none).
fn parameters(
    b: &mut Vec<u8>,
    rng: &mut Rng,
    name: &str,
    bucket: &str,
    region: &str,
    person: &str,
) {
    let mut write = |fill: &mut dyn FnMut(&mut Obj<'_>)| {
        let mut obj = Obj::new(b);
        fill(&mut obj);
        obj.finish();
    };
    match name {
        "GetObject" | "PutObject" => write(&mut |o| {
            o.str("bucketName", bucket)
                .str("Host", &format!("{bucket}.s3.{region}.amazonaws.com"))
                .str("key", &format!("exports/{}.parquet", hex(rng, 8)));
        }),
        "AssumeRole" => write(&mut |o| {
            o.str("roleArn", "arn:aws:iam::123456789012:role/ci-deployer")
                .str("roleSessionName", &format!("gha-{}", hex(rng, 10)))
                .u64("durationSeconds", 3600);
        }),
        "DescribeInstances" => write(&mut |o| {
            o.obj("instancesSet", |_| {}).obj("filterSet", |_| {});
        }),
        "Decrypt" => write(&mut |o| {
            o.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
                .obj("encryptionContext", |c| {
                    c.str("aws:s3:arn", &format!("arn:aws:s3:::{bucket}"));
                });
        }),
        "RunInstances" => write(&mut |o| {
            o.str("instanceType", "t3.medium")
                .str("imageId", &format!("ami-{}", hex(rng, 17)))
                .u64("minCount", 1)
                .u64("maxCount", 1);
        }),
        "AuthorizeSecurityGroupIngress" => write(&mut |o| {
            o.str("groupId", &format!("sg-{}", hex(rng, 17)))
                .obj("ipPermissions", |p| {
                    p.objs("items", 1, |_, i| {
                        i.str("ipProtocol", "tcp")
                            .u64("fromPort", 22)
                            .u64("toPort", 22)
                            .obj("ipRanges", |r| {
                                r.objs("items", 1, |_, c| {
                                    c.str("cidrIp", "0.0.0.0/0");
                                });
                            });
                    });
                });
        }),
        "CreateAccessKey" => write(&mut |o| {
            o.str("userName", person);
        }),
        "AttachUserPolicy" => write(&mut |o| {
            o.str("userName", person)
                .str("policyArn", "arn:aws:iam::aws:policy/AdministratorAccess");
        }),
        "PutBucketPolicy" => write(&mut |o| {
            o.str("bucketName", bucket)
                .str("Host", &format!("{bucket}.s3.amazonaws.com"))
                .str("bucketPolicy", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\"}]}");
        }),
        "StopLogging" => write(&mut |o| {
            o.str(
                "name",
                "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail",
            );
        }),
        _ => b.extend_from_slice(b"null"),
    }
}
