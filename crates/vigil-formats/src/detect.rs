//! Source detection: which normalizer a file, object or line needs.
//!
//! A stream is recognized once, from its path layout and its first (decompressed) bytes
//! ([`detect`]). JSON sources are told apart by the keys of the first records. Text streams —
//! what a syslog server writes, often several firewall vendors in one file — are routed line by
//! line ([`route_line`]), so a mixed file is read correctly. The user's `--source-type` skips
//! both.

use memchr::memmem;
use vigil_model::SourceType;

use crate::stream::Framing;

/// What detection found for a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The source type of the stream (for text streams, of its first line).
    pub source_type: SourceType,
    /// How to frame the stream.
    pub framing: Framing,
    /// Route each record with [`route_line`] (text streams).
    pub per_line: bool,
}

/// How a source type's streams are framed.
pub fn framing_of(source_type: SourceType) -> Framing {
    match source_type {
        SourceType::ActivityTracker
        | SourceType::VpcFlowLog
        | SourceType::CisFirewall
        | SourceType::CisHttp
        | SourceType::Sysdig
        | SourceType::Falco
        | SourceType::CloudTrail
        | SourceType::Json => Framing::Json,
        SourceType::PanOs
        | SourceType::FortiGate
        | SourceType::CheckPoint
        | SourceType::Cef
        | SourceType::Leef
        | SourceType::Syslog => Framing::Lines,
    }
}

/// Recognizes a stream from its path (file path or object key) and its first decompressed
/// bytes (a few KiB are enough; more makes JSON detection surer).
pub fn detect(path: &str, head: &[u8]) -> Detected {
    let json = |source_type| Detected {
        source_type,
        framing: Framing::Json,
        per_line: false,
    };
    if path.contains("ibm_vpc_flowlogs_v1/") {
        return json(SourceType::VpcFlowLog);
    }
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let body = &head[start..];
    match body.first() {
        Some(b'{') | Some(b'[') => json(sniff_json(body).unwrap_or(SourceType::Json)),
        _ => {
            let line_end = memchr::memchr2(b'\n', 0, body).unwrap_or(body.len());
            let first_line = &body[..line_end];
            let source_type = route_line(first_line);
            Detected {
                source_type,
                framing: if source_type == SourceType::Falco {
                    Framing::Json
                } else {
                    Framing::Lines
                },
                per_line: source_type != SourceType::Falco,
            }
        }
    }
}

fn has(hay: &[u8], needle: &str) -> bool {
    memmem::find(hay, needle.as_bytes()).is_some()
}

/// Recognizes a JSON source from the text of its first record(s).
pub fn sniff_json(text: &[u8]) -> Option<SourceType> {
    // Only look at the first records; a JSON source's keys show at once.
    let text = &text[..text.len().min(64 * 1024)];
    if has(text, "\"flow_logs\"")
        && (has(text, "\"collector_crn\"") || has(text, "\"capture_start_time\""))
    {
        return Some(SourceType::VpcFlowLog);
    }
    if has(text, "\"eventSource\"") && (has(text, "\"eventVersion\"") || has(text, "\"awsRegion\""))
    {
        return Some(SourceType::CloudTrail);
    }
    if has(text, "\"o_initiator\"")
        || (has(text, "\"initiator\"")
            && has(text, "\"action\"")
            && (has(text, "\"eventTime\"") || has(text, "\"observer\"") || has(text, "\"target\"")))
    {
        return Some(SourceType::ActivityTracker);
    }
    if has(text, "\"RayID\"") || has(text, "\"ClientRequestHost\"") || has(text, "\"ClientIP\"") {
        let firewall = has(text, "\"Kind\"")
            || (has(text, "\"RuleID\"") && has(text, "\"Action\""))
            || has(text, "\"MatchIndex\"");
        return Some(if firewall {
            SourceType::CisFirewall
        } else {
            SourceType::CisHttp
        });
    }
    if has(text, "\"output_fields\"")
        || (has(text, "\"rule\"") && has(text, "\"priority\"") && has(text, "\"output\""))
    {
        return Some(SourceType::Falco);
    }
    if has(text, "\"timestampRFC3339Nano\"")
        || has(text, "\"policyId\"")
        || (has(text, "\"originator\"") && has(text, "\"category\""))
        || (has(text, "\"comm\"") && has(text, "\"cmdline\"") && has(text, "\"agentId\""))
    {
        return Some(SourceType::Sysdig);
    }
    None
}

/// Substring searchers for [`route_line`], built once: building a searcher per needle per line
/// cost a fifth of PAN-OS decoding time.
struct LineNeedles {
    cef: memmem::Finder<'static>,
    leef: memmem::Finder<'static>,
    checkpoint: [memmem::Finder<'static>; 4],
    falco: [memmem::Finder<'static>; 3],
    json_start: memmem::Finder<'static>,
    logid: memmem::Finder<'static>,
    fortigate: [memmem::Finder<'static>; 3],
}

static NEEDLES: std::sync::LazyLock<LineNeedles> = std::sync::LazyLock::new(|| LineNeedles {
    cef: memmem::Finder::new("CEF:"),
    leef: memmem::Finder::new("LEEF:"),
    checkpoint: [
        memmem::Finder::new(" CheckPoint "),
        memmem::Finder::new("[action:\""),
        memmem::Finder::new("originsicname:\""),
        memmem::Finder::new("[flags:\""),
    ],
    falco: [
        memmem::Finder::new("Falco["),
        memmem::Finder::new("falco["),
        memmem::Finder::new("falco:"),
    ],
    json_start: memmem::Finder::new("{\""),
    logid: memmem::Finder::new("logid="),
    fortigate: [
        memmem::Finder::new("devid="),
        memmem::Finder::new("devname="),
        memmem::Finder::new("date="),
    ],
});

/// Routes one text line (syslog or not) to its vendor's normalizer.
pub fn route_line(line: &[u8]) -> SourceType {
    // Only the head of a line decides; long lines are not scanned to the end.
    let head = &line[..line.len().min(512)];
    let n = &*NEEDLES;
    let any = |finders: &[memmem::Finder<'static>]| finders.iter().any(|f| f.find(head).is_some());
    if let Some(at) = n.cef.find(head) {
        return vendor_of(&line[at..], SourceType::Cef);
    }
    if let Some(at) = n.leef.find(head) {
        return vendor_of(&line[at..], SourceType::Leef);
    }
    if any(&n.checkpoint) {
        return SourceType::CheckPoint;
    }
    if any(&n.falco) && n.json_start.find(head).is_some() {
        return SourceType::Falco;
    }
    if n.logid.find(head).is_some() && any(&n.fortigate) {
        return SourceType::FortiGate;
    }
    if looks_like_panos(head) {
        return SourceType::PanOs;
    }
    SourceType::Syslog
}

/// PAN-OS CSV: a field `1` (or any number) then `,YYYY/MM/DD hh:mm:ss,` soon after the header.
fn looks_like_panos(head: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = memchr::memchr(b',', &head[from..]) {
        let comma = from + i;
        let date = head.get(comma + 1..comma + 21);
        if let Some(d) = date {
            let shape = d.iter().enumerate().all(|(k, &c)| match k {
                4 | 7 => c == b'/',
                10 => c == b' ',
                13 | 16 => c == b':',
                19 => c == b',',
                _ => c.is_ascii_digit(),
            });
            let before_is_number = comma > 0 && head[comma - 1].is_ascii_digit();
            if shape && before_is_number {
                return true;
            }
        }
        from = comma + 1;
        if from > 200 {
            break;
        }
    }
    false
}

/// The vendor of a CEF or LEEF header (`CEF:0|Vendor|Product|…`).
fn vendor_of(header: &[u8], fallback: SourceType) -> SourceType {
    let mut fields = header.split(|&b| b == b'|');
    fields.next();
    let vendor = fields.next().unwrap_or_default();
    let is = |name: &str| vendor.eq_ignore_ascii_case(name.as_bytes());
    if is("Check Point") {
        SourceType::CheckPoint
    } else if is("Palo Alto Networks") {
        SourceType::PanOs
    } else if is("Fortinet") {
        SourceType::FortiGate
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, head: &str, expect: SourceType) {
        assert_eq!(detect(path, head.as_bytes()).source_type, expect, "{head}");
    }

    #[test]
    fn json_sources_by_keys() {
        check(
            "x",
            r#"{"version":"0.0.1","collector_crn":"crn:..","flow_logs":[]}"#,
            SourceType::VpcFlowLog,
        );
        check(
            "ibm_vpc_flowlogs_v1/account=1/region=us-south/x.gz",
            "\x1f\u{8b}",
            SourceType::VpcFlowLog,
        );
        check(
            r"x",
            r#"{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com"}]}"#,
            SourceType::CloudTrail,
        );
        check(
            "x",
            r#"{"eventTime":"2020-03-17T22:18:40.325+0000","action":"iam-am.policy.create","initiator":{}}"#,
            SourceType::ActivityTracker,
        );
        check(
            "x",
            r#"{"_source":{"o_initiator":{"id":"IBMid"}}}"#,
            SourceType::ActivityTracker,
        );
        check(
            "x",
            r#"{"Action":"block","ClientIP":"1.2.3.4","Kind":"firewall","RayID":"1"}"#,
            SourceType::CisFirewall,
        );
        check(
            "x",
            r#"{"ClientIP":"1.2.3.4","EdgeStartTimestamp":1,"RayID":"1"}"#,
            SourceType::CisHttp,
        );
        check(
            "x",
            r#"{"output":"x","priority":"Notice","rule":"r","output_fields":{}}"#,
            SourceType::Falco,
        );
        check(
            "x",
            r#"{"id":"1","timestampRFC3339Nano":"2020-11-25T16:49:08Z","originator":"policy"}"#,
            SourceType::Sysdig,
        );
        check("x", "  [{\"a\":1}]", SourceType::Json);
    }

    #[test]
    fn text_lines_by_vendor() {
        for (line, expect) in [
            ("<14>1 2018-09-19T11:50:32-05:00 Panorama--2 - - - - 1,2018/09/19 11:50:32,453524335,TRAFFIC,end", SourceType::PanOs),
            ("Apr 30 06:00:00 xx-xx-xx.xx 1,2020/02/09 00:00:00,00000000,SYSTEM,general", SourceType::PanOs),
            ("<189>date=2020-04-23 time=01:16:08 devname=\"x\" devid=\"y\" logid=\"0000000013\" type=\"traffic\"", SourceType::FortiGate),
            ("<134>1 2020-03-29T13:19:20Z gw-da58d3 CheckPoint 1930 - [flags:\"133440\"; ifdir:\"inbound\"]", SourceType::CheckPoint),
            ("CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|https|Unknown|act=Accept", SourceType::CheckPoint),
            ("<13>Jan 1 00:00:00 h CEF:0|Palo Alto Networks|PAN-OS|10|end|TRAFFIC|1|src=1.2.3.4", SourceType::PanOs),
            ("CEF:0|security|threatmanager|1.0|100|trojan|10|src=1.2.3.4", SourceType::Cef),
            ("LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=1.2.3.4", SourceType::Leef),
            ("<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: {\"uuid\":\"x\"}", SourceType::Falco),
            ("<13>Jan  1 00:00:00 host sshd[1]: Accepted password", SourceType::Syslog),
        ] {
            assert_eq!(route_line(line.as_bytes()), expect, "{line}");
        }
    }

    #[test]
    fn text_streams_are_routed_per_line_except_falco() {
        let d = detect(
            "fw.log",
            b"<189>date=2020-04-23 time=01:16:08 devid=\"y\" logid=\"1\"\n",
        );
        assert_eq!((d.framing, d.per_line), (Framing::Lines, true));
        let d = detect(
            "falco.log",
            b"<5>2024-08-07T13:49:16Z h Falco[1]: {\"uuid\":\"x\"}\n",
        );
        assert_eq!(
            (d.source_type, d.framing, d.per_line),
            (SourceType::Falco, Framing::Json, false)
        );
    }
}
