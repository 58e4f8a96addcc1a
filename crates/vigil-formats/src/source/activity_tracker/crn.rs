//! IBM Cloud Resource Names: `crn:v1:<cname>:<ctype>:<service>:<location>:<scope>:<instance>:…`.
//! Only the parts Vigil uses: the account (`a/<id>` scope) and the location.

/// The parts of a CRN that locate a resource in an account and a region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Crn<'a> {
    /// The account id of an `a/<id>` scope.
    pub account: Option<&'a str>,
    /// The location segment (`global`, `us-south`, `us-south-1`…), when not empty.
    pub location: Option<&'a str>,
}

/// Reads the account and location of a CRN. Tolerates a missing `crn:` prefix (seen in IBM's
/// own samples): the location is then the segment before the `a/` scope.
pub fn parse(crn: &str) -> Crn<'_> {
    let mut segments = [""; 8];
    let mut count = 0;
    for (slot, segment) in segments.iter_mut().zip(crn.trim().split(':')) {
        *slot = segment;
        count += 1;
    }
    let segments = segments.get(..count).unwrap_or_default();
    let scope_at = segments.iter().position(|s| s.starts_with("a/"));
    let location_at = match scope_at {
        Some(at) => at.checked_sub(1),
        None if segments.first() == Some(&"crn") => Some(5),
        None => None,
    };
    let non_empty = |s: &&str| !s.is_empty();
    Crn {
        account: scope_at
            .and_then(|at| segments.get(at))
            .and_then(|s| s.get(2..))
            .filter(non_empty),
        location: location_at
            .and_then(|at| segments.get(at))
            .copied()
            .filter(non_empty),
    }
}

/// Splits a CRN location into region and zone: `us-south-1` is zone `us-south-1` of region
/// `us-south`; anything else (`us-south`, `global`) is a region.
pub fn region_and_zone(location: &str) -> (&str, Option<&str>) {
    if let Some((region, number)) = location.rsplit_once('-') {
        if region.contains('-') && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
        {
            return (region, Some(location));
        }
    }
    (location, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_and_location() {
        let crn = parse("crn:v1:bluemix:public:kms:us-south:a/b3e8:dd24::key:d68b");
        assert_eq!(crn.account, Some("b3e8"));
        assert_eq!(crn.location, Some("us-south"));
        let crn = parse("v1:bluemix:public:kms:us-south:a/b3e8:dd24::");
        assert_eq!(crn.account, Some("b3e8"));
        assert_eq!(crn.location, Some("us-south"));
        let crn = parse("crn:v1::public:is::a/cf27::snapshot:09ca");
        assert_eq!(crn.account, Some("cf27"));
        assert_eq!(crn.location, None);
        let crn = parse("crn:v1:production:public:bss:undefined:s/undefined:1234:event:1");
        assert_eq!(crn.account, None);
        assert_eq!(crn.location, Some("undefined"));
        assert_eq!(parse("<ATR_CRN>"), Crn::default());
        assert_eq!(parse(""), Crn::default());
        assert_eq!(parse("a/"), Crn::default());
    }

    #[test]
    fn zones_and_regions() {
        assert_eq!(
            region_and_zone("us-south-1"),
            ("us-south", Some("us-south-1"))
        );
        assert_eq!(region_and_zone("us-south"), ("us-south", None));
        assert_eq!(region_and_zone("global"), ("global", None));
        assert_eq!(region_and_zone("eu-"), ("eu-", None));
    }
}
