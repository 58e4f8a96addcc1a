//! What an Activity Tracker `action` means in OCSF: class, activity, service; and the small
//! vocabularies of the CADF fields (`typeURI`, `severity`, `outcome`).

use vigil_model::{ActivityId, ClassUid, SeverityId, StatusId, Str};

/// The OCSF class and activity of an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Classification {
    /// The class.
    pub class: ClassUid,
    /// The activity within the class.
    pub activity: ActivityId,
    /// The verb, when the activity is Other (99).
    pub activity_name: Option<Str>,
}

/// The verb of an action: its last dot-separated segment (`create` in
/// `iam-identity.user-apikey.create`).
pub(super) fn verb(action: &str) -> &str {
    action.rsplit('.').next().unwrap_or(action)
}

/// The service of an action: its first segment, or the first two for VPC (`is.`) services,
/// whose names have two parts (`is.security-group.security-group-rule.create`).
pub(super) fn service_name(action: &str) -> &str {
    let mut dots = action.match_indices('.').map(|(at, _)| at);
    let first = dots.next();
    let end = if action.starts_with("is.") {
        match (dots.next(), first) {
            (Some(second), _) => Some(second),
            (None, first) => first,
        }
    } else {
        first
    };
    match end {
        Some(end) => action.get(..end).unwrap_or(action),
        None => action,
    }
}

/// Objects whose every change is an Account Change (3001): credentials and identities.
const IDENTITY_OBJECTS: [&str; 4] = [
    "iam-identity.user-apikey",
    "iam-identity.serviceid-apikey",
    "iam-identity.account-serviceid",
    "iam-identity.account-profile",
];

/// Classifies an action: `*.login`/`*.authenticate`/`*.logout` are Authentication (3002);
/// changes to API keys, service IDs and trusted profiles, and user invitations and removals,
/// are Account Change (3001); everything else is API Activity (6003).
pub(super) fn classify(action: &str) -> Classification {
    let verb = verb(action);
    let object = action.strip_suffix(verb).and_then(|o| o.strip_suffix('.'));
    let is = |word: &str| verb.eq_ignore_ascii_case(word);

    if is("login") || is("authenticate") || is("logout") {
        let activity = if is("logout") {
            ActivityId::LOGOFF
        } else {
            ActivityId::LOGON
        };
        return Classification {
            class: ClassUid::Authentication,
            activity,
            activity_name: None,
        };
    }

    let identity_object = object.is_some_and(|o| {
        IDENTITY_OBJECTS
            .iter()
            .any(|known| o.eq_ignore_ascii_case(known))
    });
    let user_membership = object.is_some_and(|o| o.eq_ignore_ascii_case("user-management.user"))
        && ["invite", "create", "delete", "remove"]
            .iter()
            .any(|w| is(w));
    if identity_object || user_membership {
        let known = [
            ("create", 1),
            ("invite", 1),
            ("enable", 2),
            ("disable", 5),
            ("delete", 6),
            ("remove", 6),
            ("lock", 9),
        ];
        return with_verb(ClassUid::AccountChange, verb, &known);
    }

    with_verb(ClassUid::ApiActivity, verb, API_VERBS)
}

/// API Activity verbs: Create 1, Read 2, Update 3, Delete 4.
const API_VERBS: &[(&str, u8)] = &[
    ("create", 1),
    ("import", 1),
    ("provision", 1),
    ("read", 2),
    ("get", 2),
    ("list", 2),
    ("view", 2),
    ("search", 2),
    ("query", 2),
    ("download", 2),
    ("update", 3),
    ("set", 3),
    ("add", 3),
    ("attach", 3),
    ("patch", 3),
    ("modify", 3),
    ("put", 3),
    ("replace", 3),
    ("enable", 3),
    ("disable", 3),
    ("set-on", 3),
    ("set-off", 3),
    ("rotate", 3),
    ("restore", 3),
    ("assign", 3),
    ("bind", 3),
    ("configure", 3),
    ("rename", 3),
    ("upgrade", 3),
    ("start", 3),
    ("stop", 3),
    ("restart", 3),
    ("reboot", 3),
    ("delete", 4),
    ("remove", 4),
    ("detach", 4),
    ("unbind", 4),
    ("deprovision", 4),
];

fn with_verb(class: ClassUid, verb: &str, known: &[(&str, u8)]) -> Classification {
    match known.iter().find(|(w, _)| verb.eq_ignore_ascii_case(w)) {
        Some((_, id)) => Classification {
            class,
            activity: ActivityId(*id),
            activity_name: None,
        },
        None => Classification {
            class,
            activity: ActivityId::OTHER,
            activity_name: (!verb.is_empty()).then(|| Str::from(verb)),
        },
    }
}

/// The OCSF user type of the identity an Account Change action changes, from its object:
/// user API keys and users are users, service IDs and their keys services, trusted profiles
/// Other.
pub(super) fn subject_type(action: &str) -> (Option<&'static str>, Option<u8>) {
    let action = action.to_ascii_lowercase();
    if action.starts_with("iam-identity.serviceid-apikey.")
        || action.starts_with("iam-identity.account-serviceid.")
    {
        (Some("Service"), Some(4))
    } else if action.starts_with("iam-identity.account-profile.") {
        (Some("Trusted Profile"), Some(99))
    } else if action.starts_with("iam-identity.user-apikey.")
        || action.starts_with("user-management.user.")
    {
        (Some("User"), Some(1))
    } else {
        (None, None)
    }
}

/// OCSF `user.type` and `user.type_id` of an initiator, from its `typeURI` in any of its
/// spellings (`service/security/account/user`, `User`, `/service/security/account/user`,
/// `.../serviceid`, `service/security/account/service-id`…), else from the shape of its id
/// (`IBMid-…`, `iam-ServiceId-…`, `iam-Profile-…`).
pub(super) fn user_type(type_uri: Option<&str>, id: Option<&str>) -> (Option<Str>, Option<u8>) {
    const USER: (&str, u8) = ("User", 1);
    const SERVICE: (&str, u8) = ("Service", 4);
    const PROFILE: (&str, u8) = ("Trusted Profile", 99);
    let known = |(name, type_id): (&str, u8)| (Some(Str::from(name)), Some(type_id));

    if let Some(uri) = type_uri.map(str::trim).filter(|u| !u.is_empty()) {
        let last = uri.trim_end_matches('/').rsplit('/').next().unwrap_or(uri);
        let last = last.to_ascii_lowercase();
        return match last.as_str() {
            "user" => known(USER),
            "serviceid" | "service-id" | "service" | "certificateid" | "clientid" => known(SERVICE),
            "profile" | "trustedprofile" | "trusted-profile" => known(PROFILE),
            _ => (Some(Str::from(uri)), Some(99)),
        };
    }
    let id = id.unwrap_or_default();
    let starts = |prefix: &str| {
        id.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if starts("IBMid-") {
        known(USER)
    } else if starts("iam-ServiceId-") || starts("ServiceId-") {
        known(SERVICE)
    } else if starts("iam-Profile-") || starts("Profile-") {
        known(PROFILE)
    } else {
        (None, None)
    }
}

/// `severity`: normal → Informational, warning → Medium, critical → High.
pub(super) fn severity(word: Option<&str>) -> SeverityId {
    let Some(word) = word.map(str::trim) else {
        return SeverityId::Unknown;
    };
    if word.eq_ignore_ascii_case("normal") {
        SeverityId::Informational
    } else if word.eq_ignore_ascii_case("warning") {
        SeverityId::Medium
    } else if word.eq_ignore_ascii_case("critical") {
        SeverityId::High
    } else {
        SeverityId::Other
    }
}

/// `outcome`: success → Success, failure → Failure, pending → Other, unknown → Unknown.
/// The second value is true when the word itself should be kept as the status detail.
pub(super) fn status(outcome: Option<&str>) -> (Option<StatusId>, bool) {
    let Some(word) = outcome.map(str::trim).filter(|w| !w.is_empty()) else {
        return (None, false);
    };
    if word.eq_ignore_ascii_case("success") {
        (Some(StatusId::Success), false)
    } else if word.eq_ignore_ascii_case("failure") {
        (Some(StatusId::Failure), false)
    } else if word.eq_ignore_ascii_case("unknown") {
        (Some(StatusId::Unknown), true)
    } else {
        (Some(StatusId::Other), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(action: &str) -> (u32, u8, Option<&'static str>) {
        let c = classify(action);
        let name: Option<&'static str> = c
            .activity_name
            .map(|n| Box::leak(n.to_string().into_boxed_str()) as &'static str);
        (c.class.uid(), c.activity.0, name)
    }

    #[test]
    fn verbs_to_classes_and_activities() {
        for (action, expected) in [
            ("iam-am.policy.create", (6003, 1, None)),
            ("iam-groups.group.read", (6003, 2, None)),
            ("iam-groups.member.add", (6003, 3, None)),
            ("billing.account-mfa.set-off", (6003, 3, None)),
            (
                "is.security-group.security-group-interface.detach",
                (6003, 4, None),
            ),
            ("kms.secrets.ack-rotate", (6003, 99, Some("ack-rotate"))),
            ("iam-identity.user-apikey.login", (3002, 1, None)),
            ("iam-identity.user.logout", (3002, 2, None)),
            (
                "iam-identity.serviceid-apikey.authenticate",
                (3002, 1, None),
            ),
            ("iam-identity.user-apikey.create", (3001, 1, None)),
            ("iam-identity.serviceid-apikey.delete", (3001, 6, None)),
            (
                "iam-identity.account-serviceid.update",
                (3001, 99, Some("update")),
            ),
            ("iam-identity.account-profile.lock", (3001, 9, None)),
            ("user-management.user.invite", (3001, 1, None)),
            ("user-management.user.delete", (3001, 6, None)),
            ("user-management.user.update", (6003, 3, None)),
            ("USER-MANAGEMENT.USER.DELETE", (3001, 6, None)),
            ("nodots", (6003, 99, Some("nodots"))),
            ("trailing.", (6003, 99, None)),
        ] {
            assert_eq!(class_of(action), expected, "{action}");
        }
    }

    #[test]
    fn service_names_with_two_part_vpc_names() {
        assert_eq!(
            service_name("is.security-group.security-group-rule.create"),
            "is.security-group"
        );
        assert_eq!(service_name("is.snapshot.create"), "is.snapshot");
        assert_eq!(
            service_name("iam-identity.user-apikey.login"),
            "iam-identity"
        );
        assert_eq!(service_name("is.x"), "is");
        assert_eq!(service_name("plain"), "plain");
    }

    #[test]
    fn type_uri_spellings() {
        let t = |uri: Option<&str>, id: Option<&str>| {
            let (name, id) = user_type(uri, id);
            (name.map(|n| n.to_string()), id)
        };
        let user = (Some("User".to_owned()), Some(1));
        let service = (Some("Service".to_owned()), Some(4));
        for uri in [
            "service/security/account/user",
            "User",
            "/service/security/account/user",
            "user/",
        ] {
            assert_eq!(t(Some(uri), None), user, "{uri}");
        }
        for uri in [
            "service/security/account/serviceid",
            "service/security/account/service-id",
            "service/security/account/service",
            "service/security/client/certificateid",
            "service/security/clientid",
        ] {
            assert_eq!(t(Some(uri), None), service, "{uri}");
        }
        assert_eq!(
            t(Some("odd/thing"), None),
            (Some("odd/thing".into()), Some(99))
        );
        assert_eq!(t(None, Some("IBMid-123")), user);
        assert_eq!(t(Some(" "), Some("iam-ServiceId-1")), service);
        assert_eq!(t(None, Some("keyreact")), (None, None));
    }

    #[test]
    fn severities_and_outcomes() {
        assert_eq!(severity(Some("normal")), SeverityId::Informational);
        assert_eq!(severity(Some("Warning")), SeverityId::Medium);
        assert_eq!(severity(Some("critical")), SeverityId::High);
        assert_eq!(severity(Some("loud")), SeverityId::Other);
        assert_eq!(severity(None), SeverityId::Unknown);
        assert_eq!(status(Some("success")), (Some(StatusId::Success), false));
        assert_eq!(status(Some("failure")), (Some(StatusId::Failure), false));
        assert_eq!(status(Some("pending")), (Some(StatusId::Other), true));
        assert_eq!(status(Some("unknown")), (Some(StatusId::Unknown), true));
        assert_eq!(status(Some("")), (None, false));
    }
}
