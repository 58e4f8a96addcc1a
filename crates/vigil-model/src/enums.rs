//! OCSF identifiers and enumerations (OCSF 1.8.0 dictionary values).

/// The OCSF event classes Vigil emits. `class_uid = category_uid * 1000 + n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u32)]
pub enum ClassUid {
    /// Base Event (0): records with no better class, kept searchable.
    #[default]
    Base = 0,
    /// File System Activity (1001).
    FileSystemActivity = 1001,
    /// Process Activity (1007).
    ProcessActivity = 1007,
    /// Vulnerability Finding (2002).
    VulnerabilityFinding = 2002,
    /// Compliance Finding (2003).
    ComplianceFinding = 2003,
    /// Detection Finding (2004).
    DetectionFinding = 2004,
    /// Account Change (3001).
    AccountChange = 3001,
    /// Authentication (3002).
    Authentication = 3002,
    /// Entity Management (3004).
    EntityManagement = 3004,
    /// User Access Management (3005).
    UserAccessManagement = 3005,
    /// Network Activity (4001).
    NetworkActivity = 4001,
    /// HTTP Activity (4002).
    HttpActivity = 4002,
    /// DNS Activity (4003).
    DnsActivity = 4003,
    /// API Activity (6003).
    ApiActivity = 6003,
}

impl ClassUid {
    /// Every class, for tests and documentation.
    pub const ALL: [ClassUid; 14] = [
        ClassUid::Base,
        ClassUid::FileSystemActivity,
        ClassUid::ProcessActivity,
        ClassUid::VulnerabilityFinding,
        ClassUid::ComplianceFinding,
        ClassUid::DetectionFinding,
        ClassUid::AccountChange,
        ClassUid::Authentication,
        ClassUid::EntityManagement,
        ClassUid::UserAccessManagement,
        ClassUid::NetworkActivity,
        ClassUid::HttpActivity,
        ClassUid::DnsActivity,
        ClassUid::ApiActivity,
    ];

    /// The numeric `class_uid`.
    pub fn uid(self) -> u32 {
        self as u32
    }

    /// The OCSF class caption.
    pub fn name(self) -> &'static str {
        match self {
            ClassUid::Base => "Base Event",
            ClassUid::FileSystemActivity => "File System Activity",
            ClassUid::ProcessActivity => "Process Activity",
            ClassUid::VulnerabilityFinding => "Vulnerability Finding",
            ClassUid::ComplianceFinding => "Compliance Finding",
            ClassUid::DetectionFinding => "Detection Finding",
            ClassUid::AccountChange => "Account Change",
            ClassUid::Authentication => "Authentication",
            ClassUid::EntityManagement => "Entity Management",
            ClassUid::UserAccessManagement => "User Access Management",
            ClassUid::NetworkActivity => "Network Activity",
            ClassUid::HttpActivity => "HTTP Activity",
            ClassUid::DnsActivity => "DNS Activity",
            ClassUid::ApiActivity => "API Activity",
        }
    }

    /// The category this class belongs to.
    pub fn category(self) -> CategoryUid {
        match self.uid() / 1000 {
            1 => CategoryUid::System,
            2 => CategoryUid::Findings,
            3 => CategoryUid::Iam,
            4 => CategoryUid::Network,
            5 => CategoryUid::Discovery,
            6 => CategoryUid::Application,
            7 => CategoryUid::Remediation,
            _ => CategoryUid::Uncategorized,
        }
    }

    /// The class from its numeric uid.
    pub fn from_uid(uid: u32) -> Option<ClassUid> {
        ClassUid::ALL.into_iter().find(|c| c.uid() == uid)
    }

    /// Attributes OCSF 1.8.0 marks required for this class, beyond the base ones
    /// (dotted paths into the JSON form). Tests check every emitted event against this list.
    pub fn required_attributes(self) -> &'static [&'static str] {
        match self {
            ClassUid::ApiActivity => &["actor", "api", "src_endpoint"],
            ClassUid::Authentication => &["user"],
            ClassUid::AccountChange => &["user"],
            ClassUid::UserAccessManagement => &["user", "privileges"],
            ClassUid::EntityManagement => &["entity"],
            ClassUid::DetectionFinding => &["finding_info"],
            ClassUid::VulnerabilityFinding => &["finding_info", "vulnerabilities"],
            ClassUid::ComplianceFinding => &["finding_info", "compliance"],
            ClassUid::ProcessActivity => &["process", "actor"],
            ClassUid::FileSystemActivity => &["actor", "file"],
            ClassUid::NetworkActivity => &["src_endpoint", "dst_endpoint"],
            ClassUid::HttpActivity => &["http_request", "src_endpoint"],
            ClassUid::DnsActivity => &[],
            ClassUid::Base => &[],
        }
    }
}

/// OCSF categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum CategoryUid {
    /// Uncategorized (0).
    Uncategorized = 0,
    /// System Activity (1).
    System = 1,
    /// Findings (2).
    Findings = 2,
    /// Identity & Access Management (3).
    Iam = 3,
    /// Network Activity (4).
    Network = 4,
    /// Discovery (5).
    Discovery = 5,
    /// Application Activity (6).
    Application = 6,
    /// Remediation (7).
    Remediation = 7,
}

impl CategoryUid {
    /// The numeric `category_uid`.
    pub fn uid(self) -> u32 {
        self as u32
    }

    /// The OCSF category caption.
    pub fn name(self) -> &'static str {
        match self {
            CategoryUid::Uncategorized => "Uncategorized",
            CategoryUid::System => "System Activity",
            CategoryUid::Findings => "Findings",
            CategoryUid::Iam => "Identity & Access Management",
            CategoryUid::Network => "Network Activity",
            CategoryUid::Discovery => "Discovery",
            CategoryUid::Application => "Application Activity",
            CategoryUid::Remediation => "Remediation",
        }
    }
}

/// `activity_id`: its meaning depends on the class; 0 is Unknown and 99 Other in every class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ActivityId(pub u8);

impl ActivityId {
    /// Unknown (0).
    pub const UNKNOWN: ActivityId = ActivityId(0);
    /// Other (99): `activity_name` then says what it was.
    pub const OTHER: ActivityId = ActivityId(99);
    // API Activity / Entity Management / Account Change (create=1, read=2, update=3, delete=4).
    /// Create (1) in API Activity and Entity Management.
    pub const CREATE: ActivityId = ActivityId(1);
    /// Read (2) in API Activity and Entity Management.
    pub const READ: ActivityId = ActivityId(2);
    /// Update (3) in API Activity and Entity Management.
    pub const UPDATE: ActivityId = ActivityId(3);
    /// Delete (4) in API Activity and Entity Management.
    pub const DELETE: ActivityId = ActivityId(4);
    // Authentication.
    /// Logon (1) in Authentication.
    pub const LOGON: ActivityId = ActivityId(1);
    /// Logoff (2) in Authentication.
    pub const LOGOFF: ActivityId = ActivityId(2);
    // Network Activity.
    /// Open (1) in Network Activity.
    pub const OPEN: ActivityId = ActivityId(1);
    /// Close (2) in Network Activity.
    pub const CLOSE: ActivityId = ActivityId(2);
    /// Reset (3) in Network Activity.
    pub const RESET: ActivityId = ActivityId(3);
    /// Fail (4) in Network Activity.
    pub const FAIL: ActivityId = ActivityId(4);
    /// Refuse (5) in Network Activity.
    pub const REFUSE: ActivityId = ActivityId(5);
    /// Traffic (6) in Network Activity.
    pub const TRAFFIC: ActivityId = ActivityId(6);
    // Detection Finding.
    /// Create (1) in Detection Finding.
    pub const FINDING_CREATE: ActivityId = ActivityId(1);
    // Process Activity.
    /// Launch (1) in Process Activity.
    pub const LAUNCH: ActivityId = ActivityId(1);

    /// The caption of this activity in `class`, when it has a fixed one.
    pub fn name_in(self, class: ClassUid) -> Option<&'static str> {
        let n = self.0;
        if n == 0 {
            return Some("Unknown");
        }
        if n == 99 {
            return Some("Other");
        }
        let names: &[&str] = match class {
            ClassUid::ApiActivity | ClassUid::EntityManagement => {
                &["Create", "Read", "Update", "Delete"]
            }
            ClassUid::Authentication => &[
                "Logon",
                "Logoff",
                "Authentication Ticket",
                "Service Ticket Request",
                "Service Ticket Renew",
                "Preauth",
            ],
            ClassUid::AccountChange => &[
                "Create",
                "Enable",
                "Password Change",
                "Password Reset",
                "Disable",
                "Delete",
                "Attach Policy",
                "Detach Policy",
                "Lock",
                "MFA Factor Enable",
                "MFA Factor Disable",
            ],
            ClassUid::UserAccessManagement => &["Assign Privileges", "Revoke Privileges"],
            ClassUid::NetworkActivity => &[
                "Open", "Close", "Reset", "Fail", "Refuse", "Traffic", "Listen",
            ],
            ClassUid::HttpActivity => &[
                "Connect", "Delete", "Get", "Head", "Options", "Post", "Put", "Trace", "Patch",
            ],
            ClassUid::DetectionFinding
            | ClassUid::VulnerabilityFinding
            | ClassUid::ComplianceFinding => &["Create", "Update", "Close"],
            ClassUid::ProcessActivity => &["Launch", "Terminate", "Open", "Inject", "Set User ID"],
            ClassUid::FileSystemActivity => &[
                "Create",
                "Read",
                "Update",
                "Delete",
                "Rename",
                "Set Attributes",
                "Set Security",
                "Get Attributes",
                "Get Security",
                "Encrypt",
                "Decrypt",
                "Mount",
                "Unmount",
                "Open",
            ],
            ClassUid::DnsActivity => &["Query", "Response", "Traffic"],
            ClassUid::Base => &[],
        };
        names.get(usize::from(n) - 1).copied()
    }
}

/// `severity_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum SeverityId {
    /// Unknown (0).
    #[default]
    Unknown = 0,
    /// Informational (1).
    Informational = 1,
    /// Low (2).
    Low = 2,
    /// Medium (3).
    Medium = 3,
    /// High (4).
    High = 4,
    /// Critical (5).
    Critical = 5,
    /// Fatal (6).
    Fatal = 6,
    /// Other (99).
    Other = 99,
}

impl SeverityId {
    /// The OCSF caption.
    pub fn name(self) -> &'static str {
        match self {
            SeverityId::Unknown => "Unknown",
            SeverityId::Informational => "Informational",
            SeverityId::Low => "Low",
            SeverityId::Medium => "Medium",
            SeverityId::High => "High",
            SeverityId::Critical => "Critical",
            SeverityId::Fatal => "Fatal",
            SeverityId::Other => "Other",
        }
    }

    /// Syslog severity (RFC 5424, 0 Emergency .. 7 Debug) to OCSF.
    pub fn from_syslog(severity: u8) -> SeverityId {
        match severity {
            0 => SeverityId::Fatal,
            1 | 2 => SeverityId::Critical,
            3 => SeverityId::High,
            4 => SeverityId::Medium,
            5 => SeverityId::Low,
            6 | 7 => SeverityId::Informational,
            _ => SeverityId::Unknown,
        }
    }
}

/// `status_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum StatusId {
    /// Unknown (0).
    #[default]
    Unknown = 0,
    /// Success (1).
    Success = 1,
    /// Failure (2).
    Failure = 2,
    /// Other (99).
    Other = 99,
}

impl StatusId {
    /// The OCSF caption.
    pub fn name(self) -> &'static str {
        match self {
            StatusId::Unknown => "Unknown",
            StatusId::Success => "Success",
            StatusId::Failure => "Failure",
            StatusId::Other => "Other",
        }
    }
}

/// `action_id` of the security_control profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum ActionId {
    /// Unknown (0).
    #[default]
    Unknown = 0,
    /// Allowed (1).
    Allowed = 1,
    /// Denied (2).
    Denied = 2,
    /// Observed (3).
    Observed = 3,
    /// Modified (4).
    Modified = 4,
    /// Other (99).
    Other = 99,
}

impl ActionId {
    /// The OCSF caption.
    pub fn name(self) -> &'static str {
        match self {
            ActionId::Unknown => "Unknown",
            ActionId::Allowed => "Allowed",
            ActionId::Denied => "Denied",
            ActionId::Observed => "Observed",
            ActionId::Modified => "Modified",
            ActionId::Other => "Other",
        }
    }
}

/// `disposition_id` of the security_control profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct DispositionId(pub u8);

impl DispositionId {
    /// Unknown (0).
    pub const UNKNOWN: DispositionId = DispositionId(0);
    /// Allowed (1).
    pub const ALLOWED: DispositionId = DispositionId(1);
    /// Blocked (2).
    pub const BLOCKED: DispositionId = DispositionId(2);
    /// Quarantined (3).
    pub const QUARANTINED: DispositionId = DispositionId(3);
    /// Isolated (4).
    pub const ISOLATED: DispositionId = DispositionId(4);
    /// Deleted (5).
    pub const DELETED: DispositionId = DispositionId(5);
    /// Dropped (6).
    pub const DROPPED: DispositionId = DispositionId(6);
    /// Custom Action (7).
    pub const CUSTOM_ACTION: DispositionId = DispositionId(7);
    /// Approved (8).
    pub const APPROVED: DispositionId = DispositionId(8);
    /// Restored (9).
    pub const RESTORED: DispositionId = DispositionId(9);
    /// Exonerated (10).
    pub const EXONERATED: DispositionId = DispositionId(10);
    /// Corrected (11).
    pub const CORRECTED: DispositionId = DispositionId(11);
    /// Partially Corrected (12).
    pub const PARTIALLY_CORRECTED: DispositionId = DispositionId(12);
    /// Uncorrected (13).
    pub const UNCORRECTED: DispositionId = DispositionId(13);
    /// Delayed (14).
    pub const DELAYED: DispositionId = DispositionId(14);
    /// Detected (15).
    pub const DETECTED: DispositionId = DispositionId(15);
    /// No Action (16).
    pub const NO_ACTION: DispositionId = DispositionId(16);
    /// Logged (17).
    pub const LOGGED: DispositionId = DispositionId(17);
    /// Tagged (18).
    pub const TAGGED: DispositionId = DispositionId(18);
    /// Alert (19).
    pub const ALERT: DispositionId = DispositionId(19);
    /// Count (20).
    pub const COUNT: DispositionId = DispositionId(20);
    /// Reset (21).
    pub const RESET: DispositionId = DispositionId(21);
    /// Captcha (22).
    pub const CAPTCHA: DispositionId = DispositionId(22);
    /// Challenge (23).
    pub const CHALLENGE: DispositionId = DispositionId(23);
    /// Access Revoked (24).
    pub const ACCESS_REVOKED: DispositionId = DispositionId(24);
    /// Rejected (25).
    pub const REJECTED: DispositionId = DispositionId(25);
    /// Unauthorized (26).
    pub const UNAUTHORIZED: DispositionId = DispositionId(26);
    /// Error (27).
    pub const ERROR: DispositionId = DispositionId(27);
    /// Other (99).
    pub const OTHER: DispositionId = DispositionId(99);

    /// The OCSF caption.
    pub fn name(self) -> &'static str {
        const NAMES: [&str; 28] = [
            "Unknown",
            "Allowed",
            "Blocked",
            "Quarantined",
            "Isolated",
            "Deleted",
            "Dropped",
            "Custom Action",
            "Approved",
            "Restored",
            "Exonerated",
            "Corrected",
            "Partially Corrected",
            "Uncorrected",
            "Delayed",
            "Detected",
            "No Action",
            "Logged",
            "Tagged",
            "Alert",
            "Count",
            "Reset",
            "Captcha",
            "Challenge",
            "Access Revoked",
            "Rejected",
            "Unauthorized",
            "Error",
        ];
        NAMES.get(usize::from(self.0)).copied().unwrap_or("Other")
    }
}

/// `connection_info.direction_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum DirectionId {
    /// Unknown (0).
    #[default]
    Unknown = 0,
    /// Inbound (1).
    Inbound = 1,
    /// Outbound (2).
    Outbound = 2,
    /// Lateral (3).
    Lateral = 3,
    /// Local (4).
    Local = 4,
    /// Other (99).
    Other = 99,
}

impl DirectionId {
    /// The OCSF caption.
    pub fn name(self) -> &'static str {
        match self {
            DirectionId::Unknown => "Unknown",
            DirectionId::Inbound => "Inbound",
            DirectionId::Outbound => "Outbound",
            DirectionId::Lateral => "Lateral",
            DirectionId::Local => "Local",
            DirectionId::Other => "Other",
        }
    }
}
