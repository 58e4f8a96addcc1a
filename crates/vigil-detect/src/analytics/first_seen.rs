//! First-seen detections: a user or API key acting from a source IP, country or autonomous
//! system it was never seen with, or a user calling an API action it never called.
//!
//! Per entity (user, API key) and attribute, the values seen are kept as 64-bit hashes with
//! the time each was last seen (16 bytes a value). A new value alerts when:
//!
//! * the global learning period is over;
//! * the entity has been seen with this attribute at least `min_observations` times, over at
//!   least `min_age_ms` (a brand-new user's second address is not news);
//! * the attribute is not *saturated*: once an entity has had more distinct values than the
//!   cap (an API key used from an autoscaling fleet), the oldest values are evicted and new
//!   values of that attribute no longer alert for that entity.
//!
//! Only successful actions teach and alert (see [`Identity::succeeded`]). The new value is
//! learned at once, so it alerts once. When an event names both a user and an API key, both
//! learn, and each attribute alerts at most once for the event (the user first).

use std::hash::{DefaultHasher, Hash, Hasher};

use super::bounded::BoundedMap;
use super::observation::{Identity, Observation};
use super::report::{Analytic, Finding};
use super::FirstSeenOptions;
use crate::alert::{Alert, AlertCorrelation, Entities};

/// The attributes followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attribute {
    SourceIp = 0,
    Country = 1,
    Asn = 2,
    Action = 3,
}

const ATTRIBUTES: [Attribute; 4] = [
    Attribute::SourceIp,
    Attribute::Country,
    Attribute::Asn,
    Attribute::Action,
];

const VALID_ACCOUNTS: &[&str] = &["attack.initial_access", "attack.t1078", "attack.t1078.004"];
const LOCATION_FALSE_POSITIVES: &[&str] = &[
    "travel, a new VPN exit or a new office",
    "a CI runner or automation moved to another network",
];

impl Attribute {
    fn analytic(self) -> &'static Analytic {
        const SOURCE_IP: Analytic = Analytic {
            id: "vigil.analytics.first_seen.source_ip",
            title: "First seen: new source IP for a user or API key",
            tags: VALID_ACCOUNTS,
            falsepositives: LOCATION_FALSE_POSITIVES,
        };
        const COUNTRY: Analytic = Analytic {
            id: "vigil.analytics.first_seen.country",
            title: "First seen: new country for a user or API key",
            tags: VALID_ACCOUNTS,
            falsepositives: LOCATION_FALSE_POSITIVES,
        };
        const ASN: Analytic = Analytic {
            id: "vigil.analytics.first_seen.asn",
            title: "First seen: new autonomous system for a user or API key",
            tags: VALID_ACCOUNTS,
            falsepositives: LOCATION_FALSE_POSITIVES,
        };
        const ACTION: Analytic = Analytic {
            id: "vigil.analytics.first_seen.api_action",
            title: "First seen: API action new for this user",
            tags: &[
                "attack.t1078.004",
                "attack.privilege_escalation",
                "attack.persistence",
            ],
            falsepositives: &[
                "a new duty or a new tool for this identity",
                "a rare but legitimate administrative task",
            ],
        };
        match self {
            Attribute::SourceIp => &SOURCE_IP,
            Attribute::Country => &COUNTRY,
            Attribute::Asn => &ASN,
            Attribute::Action => &ACTION,
        }
    }

    fn field(self) -> &'static str {
        match self {
            Attribute::SourceIp => "src_endpoint.ip",
            Attribute::Country => "src_endpoint.location.country",
            Attribute::Asn => "src_endpoint.autonomous_system.number",
            Attribute::Action => "api.operation",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Attribute::SourceIp => "source IP",
            Attribute::Country => "country",
            Attribute::Asn => "autonomous system",
            Attribute::Action => "API action",
        }
    }

    fn value(self, identity: &Identity) -> Option<String> {
        match self {
            Attribute::SourceIp => identity.src_ip.as_deref().map(str::to_owned),
            Attribute::Country => identity.country.as_deref().map(str::to_owned),
            Attribute::Asn => identity.asn.map(|n| n.to_string()),
            Attribute::Action => identity.operation.as_deref().map(str::to_owned),
        }
    }
}

/// The values one entity was seen with for one attribute.
#[derive(Debug, Default)]
struct Seen {
    /// (hash of the value, last seen ms).
    values: Vec<(u64, i64)>,
    observations: u32,
    first_ms: i64,
    saturated: bool,
}

/// One user's or API key's attributes.
#[derive(Debug, Default)]
struct Profile {
    attributes: [Seen; 4],
}

/// Whose profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntityKind {
    User,
    ApiKey,
}

/// First-seen state, bounded.
#[derive(Debug)]
pub(super) struct FirstSeen {
    options: FirstSeenOptions,
    profiles: BoundedMap<Box<str>, Profile>,
    key: String,
    pub(super) values_evicted: u64,
    pub(super) alerts: u64,
}

fn hash_of(value: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

impl FirstSeen {
    pub(super) fn new(options: FirstSeenOptions) -> FirstSeen {
        let cap = options.max_entities;
        FirstSeen {
            options,
            profiles: BoundedMap::new(cap),
            key: String::new(),
            values_evicted: 0,
            alerts: 0,
        }
    }

    pub(super) fn entities(&self) -> usize {
        self.profiles.len()
    }

    pub(super) fn evicted(&self) -> u64 {
        self.profiles.evicted()
    }

    pub(super) fn observe(
        &mut self,
        observation: &Observation,
        identity: &Identity,
        learning: bool,
        out: &mut Vec<Alert>,
    ) {
        if !identity.succeeded {
            return;
        }
        let mut alerted = [false; 4];
        let entities = [
            (EntityKind::User, identity.user.as_deref()),
            (EntityKind::ApiKey, identity.api_key.as_deref()),
        ];
        for (kind, name) in entities {
            let Some(name) = name else { continue };
            self.key.clear();
            self.key.push_str(match kind {
                EntityKind::User => "user:",
                EntityKind::ApiKey => "key:",
            });
            self.key.push_str(name);
            let profile =
                self.profiles
                    .entry(self.key.as_str(), observation.time, Profile::default);
            for attribute in ATTRIBUTES {
                // Actions are followed for users; a key's actions are its user's.
                if attribute == Attribute::Action && kind == EntityKind::ApiKey {
                    continue;
                }
                let Some(value) = attribute.value(identity) else {
                    continue;
                };
                let cap = match attribute {
                    Attribute::Action => self.options.max_actions,
                    _ => self.options.max_values,
                };
                let seen = &mut profile.attributes[attribute as usize];
                let Some(known) = learn(
                    seen,
                    &value,
                    observation.time,
                    cap,
                    &mut self.values_evicted,
                ) else {
                    continue;
                };
                let eligible = !learning
                    && !seen.saturated
                    && known.observations_before >= self.options.min_observations
                    && observation.time - seen.first_ms >= self.options.min_age_ms;
                if !eligible || alerted[attribute as usize] {
                    continue;
                }
                alerted[attribute as usize] = true;
                let finding = finding(kind, name, attribute, &value, identity, seen, known);
                let level = match attribute {
                    Attribute::SourceIp => self.options.source_ip_level,
                    Attribute::Country => self.options.country_level,
                    Attribute::Asn => self.options.asn_level,
                    Attribute::Action => self.options.action_level,
                };
                out.push(attribute.analytic().alert(level, observation, finding));
                self.alerts += 1;
            }
        }
    }
}

/// What an entity knew before a new value.
#[derive(Clone, Copy, Debug)]
struct Known {
    values_before: usize,
    observations_before: u32,
}

/// Records `value`; `Some` when it is new for this entity.
fn learn(
    seen: &mut Seen,
    value: &str,
    now_ms: i64,
    cap: usize,
    evicted: &mut u64,
) -> Option<Known> {
    let hash = hash_of(value);
    let observations_before = seen.observations;
    if seen.observations == 0 {
        seen.first_ms = now_ms;
    }
    seen.observations = seen.observations.saturating_add(1);
    if let Some(slot) = seen.values.iter_mut().find(|(h, _)| *h == hash) {
        slot.1 = slot.1.max(now_ms);
        return None;
    }
    let values_before = seen.values.len();
    if seen.values.len() >= cap {
        // Forget the value seen longest ago; from now on this attribute does not alert.
        let oldest = seen
            .values
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, last))| *last)
            .map(|(i, _)| i);
        if let Some(oldest) = oldest {
            seen.values.swap_remove(oldest);
            *evicted += 1;
        }
        seen.saturated = true;
    }
    seen.values.push((hash, now_ms));
    Some(Known {
        values_before,
        observations_before,
    })
}

fn finding(
    kind: EntityKind,
    name: &str,
    attribute: Attribute,
    value: &str,
    identity: &Identity,
    seen: &Seen,
    known: Known,
) -> Finding {
    let (entity_field, entity_noun) = match kind {
        EntityKind::User => ("actor.user.uid", "user"),
        EntityKind::ApiKey => ("actor.user.credential_uid", "API key"),
    };
    let mut entities = Entities::default();
    match kind {
        EntityKind::User => entities.users.insert(name.to_owned()),
        EntityKind::ApiKey => entities.api_keys.insert(name.to_owned()),
    };
    if let Some(user) = &identity.user {
        entities.users.insert(user.to_string());
    }
    if let Some(key) = &identity.api_key {
        entities.api_keys.insert(key.to_string());
    }
    if let Some(ip) = &identity.src_ip {
        entities.ips.insert(ip.to_string());
    }
    let noun = attribute.noun();
    let mut matched_fields = vec![
        (entity_field.to_owned(), name.to_owned()),
        (attribute.field().to_owned(), value.to_owned()),
        (
            "first_seen.known_values".to_owned(),
            known.values_before.to_string(),
        ),
        (
            "first_seen.observations".to_owned(),
            known.observations_before.to_string(),
        ),
    ];
    if let Some(country) = identity
        .country
        .as_deref()
        .filter(|_| attribute != Attribute::Country)
    {
        matched_fields.push((
            "src_endpoint.location.country".to_owned(),
            country.to_owned(),
        ));
    }
    Finding {
        description: format!(
            "{entity_noun} {name} used {noun} {value} for the first time, after {} successful \
             actions with {} other {noun} value(s) since it was first seen",
            known.observations_before, known.values_before
        ),
        correlation: AlertCorrelation {
            kind: "first_seen",
            group: vec![
                (entity_field.to_owned(), Some(name.to_owned())),
                (attribute.field().to_owned(), Some(value.to_owned())),
            ],
            window_start: seen.first_ms,
            window_end: seen.values.last().map_or(seen.first_ms, |(_, t)| *t),
            value: known.values_before as f64,
            events: known.observations_before as usize,
        },
        entities,
        matched_fields,
    }
}
