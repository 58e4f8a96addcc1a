//! IPS and Threat Prevention: Detection Finding.

use vigil_model::{
    ActivityId, Analytic, Attack, ClassUid, Event, Evidence, File, FindingInfo, Fingerprint, Str,
    UidName, Url,
};

use super::network::endpoints;
use super::{mark_firewall, Log};

/// IPS and Threat Prevention: Detection Finding.
pub(super) fn detection(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::DetectionFinding;
    event.activity_id = ActivityId::FINDING_CREATE;
    event.is_alert = Some(true);
    let product = log.product().unwrap_or("Check Point");
    let title = [
        "protection_name",
        "attack",
        "malware_family",
        "malware_action",
    ]
    .iter()
    .find_map(|f| log.get(f))
    .map(Str::from)
    .unwrap_or_else(|| compact_str::format_compact!("{product} detection"));
    let protection_id = log.get("protection_id");
    let analytic = log.get("protection_name").map(|name| Analytic {
        uid: protection_id.map(Str::from),
        name: Some(name.into()),
        type_name: Some(Str::const_new("Rule")),
        type_id: Some(1),
    });
    event.finding_info = Some(Box::new(FindingInfo {
        uid: protection_id.or(log.get("loguid")).unwrap_or("").into(),
        title,
        desc: ["attack_info", "description", "message_info"]
            .iter()
            .find_map(|f| log.get(f))
            .map(Str::from),
        types: vec![log.get("protection_type").unwrap_or(product).into()],
        analytic,
        src_url: None,
    }));
    let (src, dst) = endpoints(log);
    let file = file(log);
    let url = log.get("resource").map(|u| Url {
        url_string: Some(u.into()),
        ..Url::default()
    });
    event.evidences.push(Evidence {
        src_endpoint: (src.ip.is_some()).then_some(src),
        dst_endpoint: (dst.ip.is_some()).then_some(dst),
        file,
        url,
        ..Evidence::default()
    });
    if event.message.is_none() {
        event.message = event.finding_info.as_ref().map(|f| f.title.clone());
    }
    event.attacks = attacks(log);
    if let Some(confidence) = log.get("confidence_level") {
        event.set_unmapped("confidence_level", confidence.into());
    }
    mark_firewall(event);
}

fn file(log: &Log<'_>) -> Option<File> {
    let hashes: Vec<Fingerprint> = [
        ("file_md5", "MD5"),
        ("file_sha1", "SHA-1"),
        ("file_sha256", "SHA-256"),
    ]
    .iter()
    .filter_map(|(key, algorithm)| {
        log.get(key).map(|value| Fingerprint {
            algorithm: Some(Str::const_new(algorithm)),
            value: value.into(),
        })
    })
    .collect();
    let name = log.get("file_name");
    if name.is_none() && hashes.is_empty() {
        return None;
    }
    Some(File {
        name: name.map(Str::from),
        type_name: log.get("file_type").map(Str::from),
        hashes,
        ..File::default()
    })
}

/// MITRE ATT&CK tags: `mitre_<tactic>:"T1234"` pairs.
fn attacks(log: &Log<'_>) -> Vec<Attack> {
    let mut attacks = Vec::new();
    for (key, value) in &log.pairs {
        let Some(tactic) = key.strip_prefix("mitre_") else {
            continue;
        };
        for technique in value.split([',', ';', ' ']).map(str::trim) {
            if technique.starts_with('T') && technique.len() > 1 {
                attacks.push(Attack {
                    technique: Some(UidName {
                        uid: Some(technique.into()),
                        name: None,
                    }),
                    tactic: Some(UidName {
                        uid: None,
                        name: Some(tactic_name(tactic)),
                    }),
                });
            }
        }
    }
    attacks
}

/// `initial_access` to `Initial Access`, ATT&CK's spelling of tactic names.
fn tactic_name(key: &str) -> Str {
    let mut name = Str::default();
    for (i, word) in key.split('_').filter(|w| !w.is_empty()).enumerate() {
        if i > 0 {
            name.push(' ');
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name
}
