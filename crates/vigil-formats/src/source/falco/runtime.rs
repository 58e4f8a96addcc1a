//! What Falco alerts and Sysdig Secure runtime events share: Falco field maps (`proc.name`,
//! `container.id`…) turned into OCSF process and container objects, MITRE ATT&CK tags turned
//! into `attacks`, and the JSON helpers both normalizers use.

use serde_json::{Map, Value};
use vigil_model::{Attack, Container, File, Named, Process, Str, UidName, User};

/// A record's text, or the rejection reason and detail when it is not UTF-8.
pub(crate) fn record_text(bytes: &[u8]) -> Result<&str, (&'static str, String)> {
    std::str::from_utf8(bytes).map_err(|error| {
        let detail = format!("invalid utf-8 at byte {}", error.valid_up_to());
        ("invalid_utf8", detail)
    })
}

/// A string value, or a number written as text; `None` for null, empty and Falco's `<NA>`.
pub(crate) fn text_of(value: Option<&Value>) -> Option<Str> {
    match value? {
        Value::String(s) if s.is_empty() || s == "<NA>" => None,
        Value::String(s) => Some(Str::from(s.as_str())),
        Value::Number(n) => Some(Str::from(n.to_string())),
        Value::Bool(b) => Some(Str::from(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// An integer value, from a number or a numeric string.
pub(crate) fn int_of(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Falco fields (`proc.name` → value), from an object or from Sysdig's legacy
/// `[{"key": …, "value": …}]` list.
pub(crate) fn fields_map(value: Option<&Value>) -> Map<String, Value> {
    match value {
        Some(Value::Object(map)) => map.clone(),
        Some(Value::Array(items)) => {
            let mut map = Map::new();
            for item in items {
                let key = item.get("key").and_then(Value::as_str);
                if let Some(key) = key {
                    let value = item.get("value").cloned().unwrap_or(Value::Null);
                    map.insert(key.to_owned(), value);
                }
            }
            map
        }
        _ => Map::new(),
    }
}

/// The file name of a path (`/usr/bin/bash` → `bash`).
fn file_of(path: Str) -> File {
    let name = path
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(Str::from);
    File {
        name,
        path: Some(path),
        ..File::default()
    }
}

/// The process a Falco field map describes (`proc.*`, `user.*`), with its parent
/// (`proc.p*`); `None` when it names no process at all.
pub(crate) fn process_from_fields(fields: &Map<String, Value>) -> Option<Process> {
    let get = |key: &str| text_of(fields.get(key));
    let user = User {
        name: get("user.name"),
        uid: get("user.uid"),
        ..User::default()
    };
    let parent = Process {
        name: get("proc.pname"),
        cmd_line: get("proc.pcmdline"),
        pid: int_of(fields.get("proc.ppid")),
        file: get("proc.pexepath")
            .or_else(|| get("proc.pexe"))
            .map(file_of),
        ..Process::default()
    };
    let has_parent = parent.name.is_some() || parent.cmd_line.is_some() || parent.pid.is_some();
    let process = Process {
        name: get("proc.name"),
        cmd_line: get("proc.cmdline"),
        pid: int_of(fields.get("proc.pid")),
        file: get("proc.exepath").or_else(|| get("proc.exe")).map(file_of),
        user: (user.name.is_some() || user.uid.is_some()).then_some(user),
        parent_process: has_parent.then(|| Box::new(parent)),
        terminal: None,
        container: None,
    };
    let named = process.name.is_some() || process.cmd_line.is_some() || process.pid.is_some();
    named.then_some(process)
}

/// A container from its id, name and image; `None` without an id or name, and for Falco's
/// `host` pseudo-container (the event happened outside any container).
pub(crate) fn container_of(
    id: Option<Str>,
    name: Option<Str>,
    image: Option<Str>,
) -> Option<Container> {
    let id = id.filter(|id| id != "host");
    if id.is_none() && name.is_none() {
        return None;
    }
    Some(Container {
        uid: id,
        name,
        image: image.map(|name| Named { name }),
        orchestrator: None,
    })
}

/// The 14 ATT&CK Enterprise tactics: uid, name, and the lowercase word Falco tags use.
const TACTICS: [(&str, &str, &str); 14] = [
    ("TA0043", "Reconnaissance", "reconnaissance"),
    ("TA0042", "Resource Development", "resource_development"),
    ("TA0001", "Initial Access", "initial_access"),
    ("TA0002", "Execution", "execution"),
    ("TA0003", "Persistence", "persistence"),
    ("TA0004", "Privilege Escalation", "privilege_escalation"),
    ("TA0005", "Defense Evasion", "defense_evasion"),
    ("TA0006", "Credential Access", "credential_access"),
    ("TA0007", "Discovery", "discovery"),
    ("TA0008", "Lateral Movement", "lateral_movement"),
    ("TA0009", "Collection", "collection"),
    ("TA0011", "Command and Control", "command_and_control"),
    ("TA0010", "Exfiltration", "exfiltration"),
    ("TA0040", "Impact", "impact"),
];

fn tactic_by_uid(uid: &str) -> Option<UidName> {
    let (uid, name, _) = TACTICS.iter().find(|(u, ..)| u.eq_ignore_ascii_case(uid))?;
    Some(UidName {
        uid: Some(Str::from(*uid)),
        name: Some(Str::from(*name)),
    })
}

fn tactic_by_word(word: &str) -> Option<UidName> {
    let (uid, name, _) = TACTICS
        .iter()
        .find(|(.., w)| w.eq_ignore_ascii_case(word))?;
    Some(UidName {
        uid: Some(Str::from(*uid)),
        name: Some(Str::from(*name)),
    })
}

/// `TA0002`: a tactic id.
fn is_tactic_id(s: &str) -> bool {
    s.len() == 6
        && s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("ta"))
        && s.bytes().skip(2).all(|b| b.is_ascii_digit())
}

/// `T1059`, `T1059.004`: a technique id.
fn is_technique_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('T').or_else(|| s.strip_prefix('t')) else {
        return false;
    };
    let (main, sub) = rest.split_once('.').unwrap_or((rest, "0"));
    main.len() == 4
        && main.bytes().all(|b| b.is_ascii_digit())
        && !sub.is_empty()
        && sub.bytes().all(|b| b.is_ascii_digit())
}

/// `command_and_scripting_interpreter` → `Command And Scripting Interpreter`.
fn readable(words: &str) -> Option<Str> {
    let mut out = String::with_capacity(words.len());
    for word in words.split('_').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    (!out.is_empty()).then(|| Str::from(out))
}

/// `attacks` from rule tags: Sysdig's `MITRE_T1059_command_and_scripting_interpreter`,
/// `MITRE_TA0002_execution`, and Falco's `T1059`, `T1059.004`, `mitre_execution`.
///
/// Tags list techniques and tactics without saying which goes with which, so: with exactly one
/// tactic, every technique gets it; otherwise techniques and tactics become separate entries
/// (no pairing is invented). Tactic names come from the ATT&CK table, not the tag, because
/// tags carry typos (`MITRE_TA0004_privilege_escaltion`).
pub(crate) fn attacks_from_tags<'t>(tags: impl IntoIterator<Item = &'t str>) -> Vec<Attack> {
    let mut techniques: Vec<UidName> = Vec::new();
    let mut tactics: Vec<UidName> = Vec::new();
    for tag in tags {
        let mitre_rest = tag
            .get(..6)
            .filter(|p| p.eq_ignore_ascii_case("mitre_"))
            .and_then(|_| tag.get(6..));
        let (id, words) = match mitre_rest {
            Some(rest) => match rest.split_once('_') {
                Some((id, words)) => (id, Some(words)),
                None => (rest, None),
            },
            None => (tag, None),
        };
        if is_tactic_id(id) {
            tactics.push(tactic_by_uid(id).unwrap_or_else(|| UidName {
                uid: Some(Str::from(id.to_ascii_uppercase())),
                name: words.and_then(readable),
            }));
        } else if is_technique_id(id) {
            techniques.push(UidName {
                uid: Some(Str::from(id.to_ascii_uppercase())),
                name: words.and_then(readable),
            });
        } else if let Some(word) = mitre_rest {
            // Falco names tactics by word: `mitre_execution`, `mitre_credential_access`.
            tactics.extend(tactic_by_word(word));
        }
    }
    dedup(&mut techniques);
    dedup(&mut tactics);
    if tactics.len() == 1 {
        let tactic = tactics.pop();
        if techniques.is_empty() {
            return vec![Attack {
                technique: None,
                tactic,
            }];
        }
        return techniques
            .into_iter()
            .map(|technique| Attack {
                technique: Some(technique),
                tactic: tactic.clone(),
            })
            .collect();
    }
    let technique_attacks = techniques.into_iter().map(|technique| Attack {
        technique: Some(technique),
        tactic: None,
    });
    let tactic_attacks = tactics.into_iter().map(|tactic| Attack {
        technique: None,
        tactic: Some(tactic),
    });
    technique_attacks.chain(tactic_attacks).collect()
}

fn dedup(items: &mut Vec<UidName>) {
    let mut seen: Vec<Str> = Vec::new();
    items.retain(|item| {
        let uid = item.uid.clone().unwrap_or_default();
        if seen.contains(&uid) {
            return false;
        }
        seen.push(uid);
        true
    });
}

/// Decodes `\\uXXXX` sequences left in a string that was escaped twice (Sysdig forwards
/// Falco outputs as `fd.name=\\u003cNA\\u003e`, which JSON decoding leaves as the literal
/// text `\\u003cNA\\u003e`). Invalid sequences and surrogates are kept as written.
pub(crate) fn unescape_unicode(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\\u") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u") {
        out.push_str(rest.get(..at).unwrap_or_default());
        let after = rest.get(at + 2..).unwrap_or_default();
        let decoded = after
            .get(..4)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = after.get(4..).unwrap_or_default();
            }
            None => {
                out.push_str("\\u");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A 64-bit FNV-1a hash, for ids derived from content: stable across builds and platforms
/// (unlike `std`'s hasher).
pub(crate) fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uids(attacks: &[Attack]) -> Vec<(Option<&str>, Option<&str>)> {
        attacks
            .iter()
            .map(|a| {
                (
                    a.technique.as_ref().and_then(|t| t.uid.as_deref()),
                    a.tactic.as_ref().and_then(|t| t.uid.as_deref()),
                )
            })
            .collect()
    }

    #[test]
    fn sysdig_tags_pair_with_a_single_tactic() {
        let attacks = attacks_from_tags([
            "NIST_800-53",
            "MITRE_TA0002_execution",
            "MITRE_T1059_command_and_scripting_interpreter",
            "MITRE_T1104_multi_stage_channels",
            "MITRE",
        ]);
        assert_eq!(
            uids(&attacks),
            [
                (Some("T1059"), Some("TA0002")),
                (Some("T1104"), Some("TA0002"))
            ]
        );
        let technique = attacks[0].technique.as_ref().unwrap();
        assert_eq!(
            technique.name.as_deref(),
            Some("Command And Scripting Interpreter")
        );
        assert_eq!(
            attacks[0].tactic.as_ref().unwrap().name.as_deref(),
            Some("Execution")
        );
    }

    #[test]
    fn several_tactics_are_not_paired() {
        let attacks = attacks_from_tags([
            "MITRE_TA0004_privilege_escaltion",
            "MITRE_TA0006_credential_access",
            "MITRE_T1557_adversary_in_the_middle",
        ]);
        assert_eq!(
            uids(&attacks),
            [
                (Some("T1557"), None),
                (None, Some("TA0004")),
                (None, Some("TA0006"))
            ]
        );
        let tactic = attacks[1].tactic.as_ref().unwrap();
        assert_eq!(tactic.name.as_deref(), Some("Privilege Escalation"));
    }

    #[test]
    fn falco_tags() {
        let attacks = attacks_from_tags(["T1059.004", "container", "mitre_execution", "shell"]);
        assert_eq!(uids(&attacks), [(Some("T1059.004"), Some("TA0002"))]);
        assert!(attacks_from_tags(["container", "T12", "mitre_nothing", "TA99"]).is_empty());
    }

    #[test]
    fn process_and_container_from_fields() {
        let fields = fields_map(Some(&serde_json::json!([
            {"key": "proc.name", "value": "touch"},
            {"key": "proc.pid", "value": "42"},
            {"key": "proc.pname", "value": "bash"},
            {"key": "user.name", "value": "root"},
            {"key": "proc.exepath", "value": "/usr/bin/touch"},
            {"key": "container.id", "value": "host"}
        ])));
        let process = process_from_fields(&fields).unwrap();
        assert_eq!(process.pid, Some(42));
        assert_eq!(process.file.unwrap().name.as_deref(), Some("touch"));
        assert_eq!(
            process.parent_process.unwrap().name.as_deref(),
            Some("bash")
        );
        assert!(container_of(Some("host".into()), None, None).is_none());
        assert!(process_from_fields(&Map::new()).is_none());
        assert_eq!(text_of(Some(&Value::from("<NA>"))), None);
    }

    #[test]
    fn doubly_escaped_text() {
        assert_eq!(unescape_unicode(r"fd=\u003cNA\u003e \u0026"), "fd=<NA> &");
        assert_eq!(
            unescape_unicode(r"\uZZZZ \ud800 \u12"),
            r"\uZZZZ \ud800 \u12"
        );
        assert_eq!(unescape_unicode("plain"), "plain");
    }
}
