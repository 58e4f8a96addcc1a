//! Positions of the PAN-OS CSV fields the mapping reads, per log type (0-based, as in PAN's
//! syslog field descriptions; the names of all fields are in [`super::layouts`]).

/// Positions shared by every log type.
pub(super) const RECEIVE_TIME: usize = 1;
pub(super) const SERIAL: usize = 2;
pub(super) const TYPE: usize = 3;
pub(super) const SUBTYPE: usize = 4;
pub(super) const TIME_GENERATED: usize = 6;

/// TRAFFIC and THREAT (and the other session logs: DECRYPTION, TUNNEL, GTP, SCTP) share their
/// first 31 fields.
pub(super) mod session {
    pub(crate) const SRC: usize = 7;
    pub(crate) const DST: usize = 8;
    pub(crate) const NATSRC: usize = 9;
    pub(crate) const NATDST: usize = 10;
    pub(crate) const RULE: usize = 11;
    pub(crate) const SRCUSER: usize = 12;
    pub(crate) const APP: usize = 14;
    pub(crate) const FROM: usize = 16;
    pub(crate) const TO: usize = 17;
    pub(crate) const INBOUND_IF: usize = 18;
    pub(crate) const OUTBOUND_IF: usize = 19;
    pub(crate) const SESSIONID: usize = 22;
    pub(crate) const REPEATCNT: usize = 23;
    pub(crate) const SPORT: usize = 24;
    pub(crate) const DPORT: usize = 25;
    pub(crate) const NATSPORT: usize = 26;
    pub(crate) const NATDPORT: usize = 27;
    pub(crate) const PROTO: usize = 29;
    pub(crate) const ACTION: usize = 30;
}

/// TRAFFIC positions after the shared ones.
pub(super) mod traffic {
    pub(crate) const BYTES: usize = 31;
    pub(crate) const BYTES_SENT: usize = 32;
    pub(crate) const BYTES_RECEIVED: usize = 33;
    pub(crate) const PACKETS: usize = 34;
    pub(crate) const START: usize = 35;
    pub(crate) const ELAPSED: usize = 36;
    pub(crate) const SRCLOC: usize = 41;
    pub(crate) const DSTLOC: usize = 42;
    pub(crate) const PKTS_SENT: usize = 44;
    pub(crate) const PKTS_RECEIVED: usize = 45;
    pub(crate) const DEVICE_NAME: usize = 52;
    pub(crate) const RULE_UUID: usize = 65;
}

/// THREAT positions after the shared ones.
pub(super) mod threat {
    pub(crate) const MISC: usize = 31;
    pub(crate) const THREATID: usize = 32;
    pub(crate) const CATEGORY: usize = 33;
    pub(crate) const SEVERITY: usize = 34;
    pub(crate) const SRCLOC: usize = 38;
    pub(crate) const DSTLOC: usize = 39;
    pub(crate) const FILEDIGEST: usize = 43;
    pub(crate) const USER_AGENT: usize = 46;
    pub(crate) const FILETYPE: usize = 47;
    pub(crate) const XFF: usize = 48;
    pub(crate) const REFERER: usize = 49;
    pub(crate) const DEVICE_NAME: usize = 59;
    pub(crate) const HTTP_METHOD: usize = 63;
    pub(crate) const THR_CATEGORY: usize = 69;
    pub(crate) const URL_CATEGORY_LIST: usize = 75;
    pub(crate) const RULE_UUID: usize = 76;
}

/// SYSTEM positions.
pub(super) mod system {
    pub(crate) const SEVERITY: usize = 13;
    pub(crate) const OPAQUE: usize = 14;
    pub(crate) const DEVICE_NAME: usize = 22;
}

/// CONFIG positions.
pub(super) mod config {
    pub(crate) const HOST: usize = 7;
    pub(crate) const CMD: usize = 9;
    pub(crate) const ADMIN: usize = 10;
    pub(crate) const CLIENT: usize = 11;
    pub(crate) const RESULT: usize = 12;
    pub(crate) const PATH: usize = 13;
    pub(crate) const BEFORE: usize = 14;
    pub(crate) const AFTER: usize = 15;
    pub(crate) const DEVICE_NAME: usize = 23;
}

/// GLOBALPROTECT positions in the current layout (type at 3); the PAN-OS 9.1 layout puts
/// `seqno` and `actionflags` at 3 and 4, so every position from 3 on is 2 further.
pub(super) mod globalprotect {
    pub(crate) const EVENTID: usize = 8;
    pub(crate) const SRCUSER: usize = 12;
    pub(crate) const MACHINENAME: usize = 14;
    pub(crate) const PUBLIC_IP: usize = 15;
    pub(crate) const PRIVATE_IP: usize = 17;
    pub(crate) const REASON: usize = 25;
    pub(crate) const ERROR: usize = 26;
    pub(crate) const OPAQUE: usize = 27;
    pub(crate) const STATUS: usize = 28;
}

/// HIPMATCH positions.
pub(super) mod hipmatch {
    pub(crate) const DEVICE_NAME: usize = 24;
}

/// USERID positions.
pub(super) mod userid {
    pub(crate) const IP: usize = 8;
    pub(crate) const USER: usize = 9;
    pub(crate) const DEVICE_NAME: usize = 25;
}

/// AUTHENTICATION positions.
pub(super) mod authentication {
    pub(crate) const IP: usize = 8;
    pub(crate) const USER: usize = 9;
    pub(crate) const DESC: usize = 18;
    pub(crate) const EVENT: usize = 20;
    pub(crate) const DEVICE_NAME: usize = 29;
}

/// CORRELATION positions.
pub(super) mod correlation {
    pub(crate) const SRC: usize = 7;
    pub(crate) const SRCUSER: usize = 8;
    pub(crate) const CATEGORY: usize = 10;
    pub(crate) const SEVERITY: usize = 11;
    pub(crate) const DEVICE_NAME: usize = 17;
    pub(crate) const OBJECTNAME: usize = 19;
    pub(crate) const OBJECT_ID: usize = 20;
    pub(crate) const EVIDENCE: usize = 21;
}
