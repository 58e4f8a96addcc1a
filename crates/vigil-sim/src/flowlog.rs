//! IBM Cloud VPC flow log objects: one JSON object per object (header plus a `flow_logs`
//! array), gzip-compressed, under the collector's COS key layout.
//!
//! Objects rotate over the vNICs of the estate; each vNIC keeps its stream id, its sequence
//! number and its capture clock, so successive objects of one vNIC have consecutive,
//! five-minute capture windows. Records follow the real dumps: rejected inbound probes carry
//! empty `start_time`/`end_time` and `was_initiated: false`, connections that began in an
//! earlier window have cumulative counters above the window's, and the array is not sorted.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::estate::{Estate, Instance, Role};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{compact_time, percent_encode, push_ipv4, push_rfc3339_seconds, Civil};

/// A capture window.
const WINDOW_MS: i64 = 300_000;

/// IBM's private DNS resolvers, NTP server and the COS private endpoint.
const DNS: [u32; 2] = [0xa11a_000a, 0xa11a_000b]; // 161.26.0.10, 161.26.0.11
const NTP: u32 = 0xa11a_0006; // 161.26.0.6
const COS_PRIVATE: u32 = 0x0a01_810b; // 10.1.129.11

/// Ports probed by internet scanners.
const PROBED: [u64; 12] = [
    22, 23, 445, 3389, 5900, 6379, 8080, 8443, 9200, 2375, 1433, 3306,
];

/// Per vNIC progress.
#[derive(Clone, Debug)]
struct Vnic {
    instance: usize,
    stream_id: String,
    sequence: u32,
    capture_end_ms: i64,
}

/// The flow log stream: its randomness and each vNIC's progress.
#[derive(Clone, Debug)]
pub(crate) struct State {
    rng: Rng,
    vnics: Vec<Vnic>,
}

impl State {
    /// Every instance's vNIC, with a collector started a little before `start_ms`.
    pub(crate) fn new(seed: u64, start_ms: i64, estate: &Estate) -> State {
        let mut rng = Rng::for_stream(seed, "flow_logs");
        let vnics = (0..estate.instances.len())
            .map(|instance| {
                let first_end = start_ms + rng.below(WINDOW_MS as u64) as i64;
                let created = first_end - WINDOW_MS - rng.below(3_600_000) as i64;
                Vnic {
                    instance,
                    stream_id: compact_time(created),
                    sequence: 0,
                    capture_end_ms: first_end,
                }
            })
            .collect();
        State { rng, vnics }
    }
}

/// The next object: its key and its JSON body (not compressed).
pub(crate) fn object(state: &mut State, estate: &Estate, records: usize) -> (String, Vec<u8>) {
    // The vNIC whose window closes first writes next, so objects come in time order and
    // interleave accounts and zones as a real bucket listing does.
    let vnic_index = state
        .vnics
        .iter()
        .enumerate()
        .min_by_key(|(_, vnic)| vnic.capture_end_ms)
        .map_or(0, |(index, _)| index);
    let start_ms = state.vnics[vnic_index].capture_end_ms;
    object_at(state, estate, vnic_index, start_ms, records, &[])
}

impl State {
    /// How many vNICs (one per instance, in the estate's order).
    pub(crate) fn vnic_count(&self) -> usize {
        self.vnics.len()
    }

    /// The instance (index into the estate) of vNIC `vnic`.
    pub(crate) fn vnic_instance(&self, vnic: usize) -> usize {
        self.vnics[vnic].instance
    }

    /// Where the next capture window of vNIC `vnic` starts.
    pub(crate) fn next_window_start(&self, vnic: usize) -> i64 {
        self.vnics[vnic].capture_end_ms
    }
}

/// The object of vNIC `vnic` for the window starting at `start_ms` (which becomes the vNIC's
/// latest window): `background` flows drawn for its role, then `pieces` as given.
pub(crate) fn object_at(
    state: &mut State,
    estate: &Estate,
    vnic_index: usize,
    start_ms: i64,
    background: usize,
    pieces: &[FlowPiece],
) -> (String, Vec<u8>) {
    let vnic = &mut state.vnics[vnic_index];
    vnic.sequence += 1;
    let end_ms = start_ms + WINDOW_MS;
    vnic.capture_end_ms = end_ms;
    let sequence = vnic.sequence;
    let stream_id = vnic.stream_id.clone();
    let instance = &estate.instances[vnic.instance];
    let account = &estate.accounts[instance.account];
    let subnet = &account.subnets[instance.subnet];
    let rng = &mut state.rng;

    let civil = Civil::from_ms(start_ms);
    let key = format!(
        "ibm_vpc_flowlogs_v1/account={}/region={}/vpc-id={}/subnet-id={}/endpoint-type=vnics/instance-id={}/vnic-id={}/record-type=all/year={:04}/month={:02}/day={:02}/hour={:02}/stream-id={}/{:08}.gz",
        account.id,
        account.region,
        percent_encode(&account.vpc_crn),
        percent_encode(&subnet.crn),
        percent_encode(&instance.crn),
        instance.vnic_id,
        civil.year,
        civil.month,
        civil.day,
        civil.hour,
        stream_id,
        sequence,
    );

    let records = background + pieces.len();
    let mut body = Vec::with_capacity(256 + records * 720);
    let mut obj = Obj::new(&mut body);
    obj.str("version", "0.0.1")
        .str("collector_crn", &account.collector_crn)
        .str("attached_endpoint_type", "vnic")
        .str("network_interface_id", &instance.vnic_id)
        .str("instance_crn", &instance.crn)
        .str("vpc_crn", &account.vpc_crn)
        .with("capture_start_time", |b| quoted_time(b, start_ms))
        .with("capture_end_time", |b| quoted_time(b, end_ms))
        .str("state", if rng.chance(5) { "skip data" } else { "ok" })
        .u64("number_of_flow_logs", records as u64)
        .objs("flow_logs", records, |i, o| {
            if i < background {
                flow_record(o, rng, estate, instance, start_ms);
            } else {
                piece_record(o, &pieces[i - background]);
            }
        });
    obj.finish();
    (key, body)
}

/// The capture window length (ms).
pub(crate) const WINDOW: i64 = WINDOW_MS;

/// What one vNIC records of a given flow in one capture window: the flow's counters split
/// over the windows it spans, as the collector reports long connections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FlowPiece {
    /// True when this vNIC opened the connection (direction `O`).
    pub outbound: bool,
    pub rejected: bool,
    /// Within the window (ignored for rejected flows, which carry no window times).
    pub start_ms: i64,
    pub end_ms: i64,
    pub connection_start_ms: i64,
    pub initiator_ip: u32,
    pub target_ip: u32,
    pub initiator_port: u64,
    pub target_port: u64,
    pub protocol: u64,
    pub was_initiated: bool,
    pub was_terminated: bool,
    pub bytes_from_initiator: u64,
    pub packets_from_initiator: u64,
    pub bytes_from_target: u64,
    pub packets_from_target: u64,
    pub cumulative_bytes_from_initiator: u64,
    pub cumulative_packets_from_initiator: u64,
    pub cumulative_bytes_from_target: u64,
    pub cumulative_packets_from_target: u64,
}

fn piece_record(o: &mut Obj<'_>, piece: &FlowPiece) {
    if piece.rejected {
        o.str("start_time", "").str("end_time", "");
    } else {
        o.with("start_time", |b| quoted_time(b, piece.start_ms))
            .with("end_time", |b| quoted_time(b, piece.end_ms));
    }
    o.with("connection_start_time", |b| {
        quoted_time(b, piece.connection_start_ms)
    })
    .str("direction", if piece.outbound { "O" } else { "I" })
    .str(
        "action",
        if piece.rejected {
            "rejected"
        } else {
            "accepted"
        },
    )
    .with("initiator_ip", |b| quoted_ip(b, piece.initiator_ip))
    .with("target_ip", |b| quoted_ip(b, piece.target_ip))
    .u64("initiator_port", piece.initiator_port)
    .u64("target_port", piece.target_port)
    .u64("transport_protocol", piece.protocol)
    .str("ether_type", "IPv4")
    .bool("was_initiated", piece.was_initiated)
    .bool("was_terminated", piece.was_terminated)
    .u64("bytes_from_initiator", piece.bytes_from_initiator)
    .u64("packets_from_initiator", piece.packets_from_initiator)
    .u64("bytes_from_target", piece.bytes_from_target)
    .u64("packets_from_target", piece.packets_from_target)
    .u64(
        "cumulative_bytes_from_initiator",
        piece.cumulative_bytes_from_initiator,
    )
    .u64(
        "cumulative_packets_from_initiator",
        piece.cumulative_packets_from_initiator,
    )
    .u64(
        "cumulative_bytes_from_target",
        piece.cumulative_bytes_from_target,
    )
    .u64(
        "cumulative_packets_from_target",
        piece.cumulative_packets_from_target,
    );
}

/// Compresses a body the way the collector stores it.
pub(crate) fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 8), Compression::new(6));
    encoder
        .write_all(body)
        .expect("writing into a Vec cannot fail");
    encoder.finish().expect("writing into a Vec cannot fail")
}

fn quoted_time(buf: &mut Vec<u8>, ms: i64) {
    buf.push(b'"');
    push_rfc3339_seconds(buf, ms);
    buf.push(b'"');
}

/// Who talks to whom, from the vNIC's point of view.
struct Flow {
    outbound: bool,
    peer: u32,
    service_port: u64,
    protocol: u64,
    rejected: bool,
}

fn pick_flow(rng: &mut Rng, estate: &Estate, instance: &Instance) -> Flow {
    let peer_of = |rng: &mut Rng, role| estate.peer(rng, instance, role).ip;
    let draw = rng.below(100);
    let inbound = |peer, port| Flow {
        outbound: false,
        peer,
        service_port: port,
        protocol: 6,
        rejected: false,
    };
    let outbound = |peer, port, protocol| Flow {
        outbound: true,
        peer,
        service_port: port,
        protocol,
        rejected: false,
    };
    match (instance.role, draw) {
        // Internet-facing machines are probed all day long.
        (Role::Web | Role::Bastion, 0..=29) => Flow {
            rejected: true,
            ..inbound(*rng.pick(&estate.scanners), *rng.pick(&PROBED))
        },
        (Role::Web, 30..=69) => {
            inbound(*rng.pick(&estate.clients), *rng.pick(&[443, 443, 443, 80]))
        }
        (Role::Web, 70..=84) => outbound(peer_of(rng, Role::App), 8080, 6),
        (Role::Bastion, 30..=59) => inbound(*rng.pick(&estate.offices), 22),
        (Role::Bastion, 60..=84) => outbound(
            estate.instances[rng.index(estate.instances.len())].ip,
            22,
            6,
        ),
        (Role::App, 0..=34) => inbound(peer_of(rng, Role::Web), 8080),
        (Role::App, 35..=64) => outbound(peer_of(rng, Role::Db), 5432, 6),
        (Role::App, 65..=79) => outbound(COS_PRIVATE, 443, 6),
        (Role::Db, 0..=69) => inbound(peer_of(rng, Role::App), 5432),
        (Role::Db, 70..=79) => outbound(COS_PRIVATE, 443, 6),
        (Role::Worker, 0..=39) => outbound(
            peer_of(rng, Role::Worker),
            *rng.pick(&[10250, 443, 2379, 8472]),
            6,
        ),
        (Role::Worker, 40..=54) => inbound(peer_of(rng, Role::Worker), 10250),
        (Role::Worker, 55..=79) => outbound(*rng.pick(&estate.clients), 443, 6),
        (_, 85..=93) | (Role::Db | Role::App | Role::Worker, 80..=84) => {
            outbound(*rng.pick(&DNS), 53, 17)
        }
        (_, 94..=96) => outbound(NTP, 123, 17),
        _ => outbound(*rng.pick(&estate.clients), 443, 6),
    }
}

fn flow_record(
    o: &mut Obj<'_>,
    rng: &mut Rng,
    estate: &Estate,
    instance: &Instance,
    window_start_ms: i64,
) {
    let flow = pick_flow(rng, estate, instance);
    let ephemeral = rng.range(32_768, 60_999);
    let (initiator_ip, target_ip, initiator_port, target_port) = if flow.outbound {
        (instance.ip, flow.peer, ephemeral, flow.service_port)
    } else {
        (flow.peer, instance.ip, ephemeral, flow.service_port)
    };
    let window_end_ms = window_start_ms + WINDOW_MS;

    if flow.rejected {
        // Shape of the real dump: no window times, one SYN counted cumulatively.
        let connection_start = window_start_ms - rng.below(240_000) as i64;
        let packets = rng.range(1, 3);
        o.str("start_time", "")
            .str("end_time", "")
            .with("connection_start_time", |b| {
                quoted_time(b, connection_start)
            })
            .str("direction", "I")
            .str("action", "rejected")
            .with("initiator_ip", |b| quoted_ip(b, initiator_ip))
            .with("target_ip", |b| quoted_ip(b, target_ip))
            .u64("initiator_port", ephemeral)
            .u64("target_port", target_port)
            .u64("transport_protocol", flow.protocol)
            .str("ether_type", "IPv4")
            .bool("was_initiated", false)
            .bool("was_terminated", true)
            .u64("bytes_from_initiator", 0)
            .u64("packets_from_initiator", 0)
            .u64("bytes_from_target", 0)
            .u64("packets_from_target", 0)
            .u64(
                "cumulative_bytes_from_initiator",
                packets * if flow.protocol == 6 { 54 } else { 60 },
            )
            .u64("cumulative_packets_from_initiator", packets)
            .u64("cumulative_bytes_from_target", 0)
            .u64("cumulative_packets_from_target", 0);
        return;
    }

    let initiated = rng.chance(800);
    let start = window_start_ms + rng.below(WINDOW_MS as u64 - 1000) as i64;
    let end = (start + rng.heavy(2_000, WINDOW_MS as u64) as i64).min(window_end_ms);
    let connection_start = if initiated {
        start
    } else {
        window_start_ms - rng.range(1_000, 3_600_000) as i64
    };
    let terminated = rng.chance(if flow.protocol == 17 { 900 } else { 700 });
    let (request_typical, response_typical) = match flow.service_port {
        53 => (80, 160),
        123 => (90, 90),
        22 => (4_000, 40_000),
        5432 => (2_000, 30_000),
        _ => (1_500, 25_000),
    };
    let bytes_out = rng.heavy(request_typical, 80_000_000);
    let bytes_in = rng.heavy(response_typical, 900_000_000);
    let packets_out = bytes_out / rng.range(200, 1400) + 1;
    let packets_in = bytes_in / rng.range(400, 1400) + 1;
    let earlier = if initiated { 1 } else { rng.range(2, 40) };

    o.with("start_time", |b| quoted_time(b, start))
        .with("end_time", |b| quoted_time(b, end))
        .with("connection_start_time", |b| {
            quoted_time(b, connection_start)
        })
        .str("direction", if flow.outbound { "O" } else { "I" })
        .str("action", "accepted")
        .with("initiator_ip", |b| quoted_ip(b, initiator_ip))
        .with("target_ip", |b| quoted_ip(b, target_ip))
        .u64("initiator_port", initiator_port)
        .u64("target_port", target_port)
        .u64("transport_protocol", flow.protocol)
        .str("ether_type", "IPv4")
        .bool("was_initiated", initiated)
        .bool("was_terminated", terminated)
        .u64("bytes_from_initiator", bytes_out)
        .u64("packets_from_initiator", packets_out)
        .u64("bytes_from_target", bytes_in)
        .u64("packets_from_target", packets_in)
        .u64("cumulative_bytes_from_initiator", bytes_out * earlier)
        .u64("cumulative_packets_from_initiator", packets_out * earlier)
        .u64("cumulative_bytes_from_target", bytes_in * earlier)
        .u64("cumulative_packets_from_target", packets_in * earlier);
}

fn quoted_ip(buf: &mut Vec<u8>, ip: u32) {
    buf.push(b'"');
    push_ipv4(buf, ip);
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_advance_per_vnic() {
        let estate = Estate::new(1);
        let mut state = State::new(1, crate::DEFAULT_START_MS, &estate);
        let count = estate.instances.len();
        let keys: Vec<String> = (0..count + 1)
            .map(|_| object(&mut state, &estate, 1).0)
            .collect();
        assert!(keys[0].ends_with("/00000001.gz"), "{}", keys[0]);
        assert!(keys[count].ends_with("/00000002.gz"), "{}", keys[count]);
        assert!(
            keys[0].contains("vpc-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3A"),
            "{}",
            keys[0]
        );
        assert!(keys[0].contains("/record-type=all/year=2025/month=06/day=02/hour="));
    }
}
