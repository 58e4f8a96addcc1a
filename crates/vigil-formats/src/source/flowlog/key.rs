//! The VPC flow log object key layout and IBM CRNs.
//!
//! A collector writes objects under
//! `ibm_vpc_flowlogs_v1/account=…/region=…/vpc-id=…/subnet-id=…/endpoint-type=vnics/instance-id=…/vnic-id=…/record-type=…/year=…/month=…/day=…/hour=…/stream-id=…/{seq}.gz`.
//! Real keys hold full CRNs in `vpc-id`, `subnet-id` and `instance-id`, percent-encoded
//! (`crn%3Av1%3A…%3Aa%2F713c…`). The key may be preceded by anything (a bucket, a local
//! directory), and a tool that decoded the key before writing it to disk turns the `%2F` of a
//! CRN's `a/<account>` scope into a real directory separator; both are accepted.

use percent_encoding::percent_decode_str;
use vigil_model::Str;

/// The first segment of every flow log object key.
const KEY_PREFIX: &str = "ibm_vpc_flowlogs_v1/";

/// What a flow log object key says about the objects under it. Every part is optional: keys
/// written by older collectors, or renamed by a copy, may lack some.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowLogKey {
    /// `account`: the IBM Cloud account id.
    pub account: Option<Str>,
    /// `region`: e.g. `us-south`.
    pub region: Option<Str>,
    /// `vpc-id`: the VPC CRN (or id), percent-decoded.
    pub vpc_id: Option<Str>,
    /// `subnet-id`: the subnet CRN (or id), percent-decoded.
    pub subnet_id: Option<Str>,
    /// `endpoint-type`: `vnics`.
    pub endpoint_type: Option<Str>,
    /// `instance-id`: the virtual server instance CRN (or id), percent-decoded.
    pub instance_id: Option<Str>,
    /// `vnic-id`: the network interface id.
    pub vnic_id: Option<Str>,
    /// `record-type`: `all`, `ingress`, `egress` (or the retired `internal`).
    pub record_type: Option<Str>,
    /// `year`, `month`, `day`, `hour`, as written.
    pub year: Option<Str>,
    /// `month`.
    pub month: Option<Str>,
    /// `day`.
    pub day: Option<Str>,
    /// `hour` (the documentation says 00–24).
    pub hour: Option<Str>,
    /// `stream-id`: creation time of the first object of the stream (`20211119T222506Z`).
    pub stream_id: Option<Str>,
    /// The object's sequence number within its stream (`00000004.gz` → 4).
    pub sequence: Option<u64>,
}

impl FlowLogKey {
    fn slot(&mut self, name: &str) -> Option<&mut Option<Str>> {
        Some(match name {
            "account" => &mut self.account,
            "region" => &mut self.region,
            "vpc-id" => &mut self.vpc_id,
            "subnet-id" => &mut self.subnet_id,
            "endpoint-type" => &mut self.endpoint_type,
            "instance-id" => &mut self.instance_id,
            "vnic-id" => &mut self.vnic_id,
            "record-type" => &mut self.record_type,
            "year" => &mut self.year,
            "month" => &mut self.month,
            "day" => &mut self.day,
            "hour" => &mut self.hour,
            "stream-id" => &mut self.stream_id,
            _ => return None,
        })
    }
}

/// Parses a flow log object key (or a local path ending in one). Returns `None` when the path
/// does not contain the `ibm_vpc_flowlogs_v1/` layout.
pub fn parse_object_key(path: &str) -> Option<FlowLogKey> {
    // Local copies on Windows use backslashes; the layout itself never contains one.
    let normalized;
    let path = if path.contains('\\') {
        normalized = path.replace('\\', "/");
        normalized.as_str()
    } else {
        path
    };
    let start = path.rfind(KEY_PREFIX)?;
    let rest = path.get(start + KEY_PREFIX.len()..)?;
    let mut key = FlowLogKey::default();
    // The last `name=` slot seen: a segment without a known name continues it (a decoded
    // `%2F` inside a CRN).
    let mut last: Option<&str> = None;
    let mut after_stream_id = false;
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        if after_stream_id {
            key.sequence = parse_sequence(segment);
            break;
        }
        if let Some((name, value)) = segment.split_once('=') {
            if let Some(slot) = key.slot(name) {
                *slot = Some(decode(value));
                last = Some(name);
                after_stream_id = name == "stream-id";
                continue;
            }
        }
        let Some(name) = last else { continue };
        if let Some(Some(value)) = key.slot(name) {
            value.push('/');
            value.push_str(&decode(segment));
        }
    }
    Some(key)
}

fn decode(value: &str) -> Str {
    Str::from(percent_decode_str(value).decode_utf8_lossy())
}

fn parse_sequence(file_name: &str) -> Option<u64> {
    let stem = file_name.split('.').next()?;
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// The parts of an IBM Cloud Resource Name that flow logs need:
/// `crn:v1:{cname}:{ctype}:{service}:{location}:a/{account}:{instance}:{type}:{resource}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Crn<'a> {
    /// The location: a region (`us-south`) or a zone (`us-south-3`).
    pub location: Option<&'a str>,
    /// The account id from the `a/…` scope.
    pub account: Option<&'a str>,
    /// The resource type (`instance`, `vpc`, `subnet`, `flow-log-collector`).
    pub resource_type: Option<&'a str>,
}

impl<'a> Crn<'a> {
    /// Splits `text` as a CRN; `None` when it does not start with `crn:`.
    pub fn parse(text: &'a str) -> Option<Crn<'a>> {
        if !text.starts_with("crn:") {
            return None;
        }
        let mut parts = text.split(':');
        let non_empty = |s: Option<&'a str>| s.filter(|s| !s.is_empty());
        let location = non_empty(parts.nth(5));
        let account = parts
            .next()
            .and_then(|scope| scope.strip_prefix("a/"))
            .filter(|s| !s.is_empty());
        let resource_type = non_empty(parts.nth(1));
        Some(Crn {
            location,
            account,
            resource_type,
        })
    }

    /// The zone, when the location is one (`us-south-3`: a region followed by `-<digits>`).
    pub fn zone(&self) -> Option<&'a str> {
        let location = self.location?;
        zone_region(location).map(|_| location)
    }

    /// The region: the location itself, or the zone without its `-<digits>` suffix.
    pub fn region(&self) -> Option<&'a str> {
        let location = self.location?;
        Some(zone_region(location).unwrap_or(location))
    }
}

/// The region of a zone name (`us-south-3` → `us-south`), `None` when `location` is not a zone.
fn zone_region(location: &str) -> Option<&str> {
    let (region, number) = location.rsplit_once('-')?;
    let is_zone =
        !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && region.contains('-');
    is_zone.then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OBSERVED: &str = "ibm_vpc_flowlogs_v1/account=713c783d9a507a53135fe6793c37cc74/region=us-south/vpc-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3Aus-south%3Aa%2F713c783d9a507a53135fe6793c37cc74%3A%3Avpc%3Ar006-f6045065-8a82-44fc-ae1e-4817f499c9c6/subnet-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3Aus-south-1%3Aa%2F713c783d9a507a53135fe6793c37cc74%3A%3Asubnet%3A0717-92648d20-23a7-440f-a3bf-ceb75a3aab3b/endpoint-type=vnics/instance-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3Aus-south-1%3Aa%2F713c783d9a507a53135fe6793c37cc74%3A%3Ainstance%3A0717_de4510d7-20d3-460e-9907-e24ddcfce463/vnic-id=0717-07e4fad5-b0a2-4958-b4fb-0cfa140f02c8/record-type=egress/year=2021/month=11/day=19/hour=22/stream-id=20211119T222506Z/00000004.gz";

    #[test]
    fn observed_key_with_percent_encoded_crns() {
        let key = parse_object_key(OBSERVED).unwrap();
        assert_eq!(
            key.account.as_deref(),
            Some("713c783d9a507a53135fe6793c37cc74")
        );
        assert_eq!(key.region.as_deref(), Some("us-south"));
        assert_eq!(
            key.vpc_id.as_deref(),
            Some("crn:v1:bluemix:public:is:us-south:a/713c783d9a507a53135fe6793c37cc74::vpc:r006-f6045065-8a82-44fc-ae1e-4817f499c9c6")
        );
        assert_eq!(
            key.instance_id.as_deref(),
            Some("crn:v1:bluemix:public:is:us-south-1:a/713c783d9a507a53135fe6793c37cc74::instance:0717_de4510d7-20d3-460e-9907-e24ddcfce463")
        );
        assert_eq!(
            key.vnic_id.as_deref(),
            Some("0717-07e4fad5-b0a2-4958-b4fb-0cfa140f02c8")
        );
        assert_eq!(key.record_type.as_deref(), Some("egress"));
        assert_eq!(key.endpoint_type.as_deref(), Some("vnics"));
        assert_eq!(key.hour.as_deref(), Some("22"));
        assert_eq!(key.stream_id.as_deref(), Some("20211119T222506Z"));
        assert_eq!(key.sequence, Some(4));
    }

    #[test]
    fn key_under_a_local_directory_with_decoded_slashes() {
        let decoded = percent_decode_str(OBSERVED)
            .decode_utf8_lossy()
            .into_owned();
        let path = format!("/data/cos/bucket-1/{decoded}");
        let key = parse_object_key(&path).unwrap();
        assert_eq!(key, parse_object_key(OBSERVED).unwrap());
        let windows = path.replace('/', "\\");
        assert_eq!(parse_object_key(&windows), parse_object_key(OBSERVED));
    }

    #[test]
    fn partial_and_foreign_paths() {
        assert_eq!(parse_object_key("/var/log/messages"), None);
        let key = parse_object_key("ibm_vpc_flowlogs_v1/account=a1/record-type=all").unwrap();
        assert_eq!(key.account.as_deref(), Some("a1"));
        assert_eq!(key.record_type.as_deref(), Some("all"));
        assert_eq!(key.vpc_id, None);
        let key = parse_object_key("x/ibm_vpc_flowlogs_v1/stream-id=s/notanumber.gz").unwrap();
        assert_eq!(key.sequence, None);
        // Invalid percent escapes are kept as written, never a panic.
        let key = parse_object_key("ibm_vpc_flowlogs_v1/vpc-id=%ZZ%E2%82").unwrap();
        assert!(key.vpc_id.is_some());
    }

    #[test]
    fn crn_parts() {
        let crn = Crn::parse("crn:v1:bluemix:public:is:us-south-3:a/cdefe6d99f7ea459aacb25775fb88a33::instance:0737_507f").unwrap();
        assert_eq!(crn.account, Some("cdefe6d99f7ea459aacb25775fb88a33"));
        assert_eq!(crn.zone(), Some("us-south-3"));
        assert_eq!(crn.region(), Some("us-south"));
        assert_eq!(crn.resource_type, Some("instance"));
        let vpc = Crn::parse("crn:v1:bluemix:public:is:us-south:a/acct::vpc:r006-x").unwrap();
        assert_eq!(vpc.zone(), None);
        assert_eq!(vpc.region(), Some("us-south"));
        assert_eq!(Crn::parse("crn"), None);
        assert_eq!(Crn::parse("crn:"), Some(Crn::default()));
        assert_eq!(Crn::parse("0737-40a0d077"), None);
        // Single-word locations (`global`, `eu`) are regions, not zones.
        assert_eq!(
            Crn::parse("crn:v1:bluemix:public:is:eu-3:a/x::y:z")
                .unwrap()
                .zone(),
            None
        );
    }
}
