//! What every document of the pack must carry, and the ATT&CK table its tags are checked
//! against.

use vigil_sigma::ast::Document;

/// ATT&CK (Enterprise) tactics by the names Sigma tags use.
const TACTICS: &[&str] = &[
    "reconnaissance",
    "resource_development",
    "initial_access",
    "execution",
    "persistence",
    "privilege_escalation",
    "defense_evasion",
    "credential_access",
    "discovery",
    "lateral_movement",
    "collection",
    "command_and_control",
    "exfiltration",
    "impact",
];

/// The techniques the pack uses, with the tactics ATT&CK files them under. A tag naming a
/// technique missing here is an error: add it, with its tactics from attack.mitre.org.
const TECHNIQUES: &[(&str, &[&str])] = &[
    ("t1003.008", &["credential_access"]),
    ("t1018", &["discovery"]),
    ("t1021", &["lateral_movement"]),
    ("t1021.001", &["lateral_movement"]),
    ("t1021.002", &["lateral_movement"]),
    ("t1021.004", &["lateral_movement"]),
    ("t1021.006", &["lateral_movement"]),
    ("t1021.008", &["lateral_movement"]),
    ("t1046", &["discovery"]),
    ("t1048", &["exfiltration"]),
    (
        "t1053.003",
        &["execution", "persistence", "privilege_escalation"],
    ),
    ("t1059.004", &["execution"]),
    ("t1068", &["privilege_escalation"]),
    ("t1070.002", &["defense_evasion"]),
    ("t1070.003", &["defense_evasion"]),
    ("t1071", &["command_and_control"]),
    ("t1071.001", &["command_and_control"]),
    ("t1071.004", &["command_and_control"]),
    (
        "t1078.004",
        &[
            "defense_evasion",
            "persistence",
            "privilege_escalation",
            "initial_access",
        ],
    ),
    ("t1087.004", &["discovery"]),
    ("t1090.003", &["command_and_control"]),
    ("t1098", &["persistence", "privilege_escalation"]),
    ("t1098.001", &["persistence", "privilege_escalation"]),
    ("t1098.003", &["persistence", "privilege_escalation"]),
    ("t1098.004", &["persistence", "privilege_escalation"]),
    ("t1105", &["command_and_control"]),
    ("t1110", &["credential_access"]),
    ("t1110.001", &["credential_access"]),
    ("t1110.003", &["credential_access"]),
    ("t1110.004", &["credential_access"]),
    ("t1133", &["persistence", "initial_access"]),
    ("t1136.003", &["persistence"]),
    ("t1190", &["initial_access"]),
    ("t1485", &["impact"]),
    ("t1490", &["impact"]),
    ("t1496", &["impact"]),
    ("t1526", &["discovery"]),
    ("t1530", &["collection"]),
    ("t1546.004", &["privilege_escalation", "persistence"]),
    ("t1552.001", &["credential_access"]),
    ("t1552.005", &["credential_access"]),
    (
        "t1556",
        &["credential_access", "defense_evasion", "persistence"],
    ),
    (
        "t1556.006",
        &["credential_access", "defense_evasion", "persistence"],
    ),
    ("t1562.001", &["defense_evasion"]),
    ("t1562.004", &["defense_evasion"]),
    ("t1562.006", &["defense_evasion"]),
    ("t1562.007", &["defense_evasion"]),
    ("t1562.008", &["defense_evasion"]),
    ("t1567", &["exfiltration"]),
    ("t1568", &["command_and_control"]),
    ("t1571", &["command_and_control"]),
    ("t1578.002", &["defense_evasion"]),
    ("t1580", &["discovery"]),
    ("t1609", &["execution"]),
    ("t1611", &["privilege_escalation"]),
    ("t1619", &["discovery"]),
];

/// What is wrong with a document's metadata (empty when nothing is).
pub fn metadata_problems(document: &Document) -> Vec<String> {
    let meta = document.meta();
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_string());
        }
    };
    need(
        meta.id.as_deref().is_some_and(is_uuid_v4),
        "`id` must be a UUIDv4",
    );
    need(
        meta.name.as_deref().is_some_and(|n| {
            n.starts_with("ibm_")
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        }),
        "`name` must be `ibm_` then snake_case",
    );
    need(
        meta.status
            .as_deref()
            .is_some_and(|s| matches!(s, "experimental" | "test" | "stable")),
        "`status` must be experimental, test or stable",
    );
    need(
        meta.description
            .as_deref()
            .is_some_and(|d| d.trim().len() >= 40),
        "`description` must say what and why (40 characters at least)",
    );
    need(
        meta.author.as_deref() == Some("Vigil"),
        "`author` must be `Vigil`",
    );
    need(
        meta.date.as_deref().is_some_and(is_date),
        "`date` must be YYYY-MM-DD",
    );
    need(
        !meta.falsepositives.is_empty(),
        "`falsepositives` must not be empty",
    );
    need(meta.level.is_some(), "`level` is missing");
    problems.extend(tag_problems(&meta.tags));
    if let Document::Filter(_) = document {
        problems.push("the pack holds rules and correlations only".to_string());
    }
    problems
}

/// Tags: at least one tactic and one technique; known names only; each technique filed
/// under one of the document's tactics, and each tactic backed by one of its techniques.
fn tag_problems(tags: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    for tag in tags {
        let Some(value) = tag.strip_prefix("attack.") else {
            problems.push(format!("tag `{tag}` is not an `attack.` tag"));
            continue;
        };
        if TACTICS.contains(&value) {
            tactics.push(value);
        } else if let Some((_, of)) = TECHNIQUES.iter().find(|(id, _)| *id == value) {
            techniques.push((value, *of));
        } else {
            problems.push(format!("tag `{tag}`: unknown tactic or technique"));
        }
    }
    if tactics.is_empty() || techniques.is_empty() {
        problems.push("tags need at least one tactic and one technique".to_string());
    }
    for (technique, of) in &techniques {
        if !of.iter().any(|t| tactics.contains(t)) {
            problems.push(format!(
                "`{technique}` is filed under {of:?}, none of them tagged"
            ));
        }
    }
    for tactic in &tactics {
        if !techniques.iter().any(|(_, of)| of.contains(tactic)) {
            problems.push(format!("tactic `{tactic}` has no technique of it tagged"));
        }
    }
    problems
}

fn is_uuid_v4(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    groups.len() == 5
        && groups.iter().zip(lengths).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}
