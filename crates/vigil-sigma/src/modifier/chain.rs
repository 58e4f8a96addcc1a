//! Modifier names to a validated chain.
//!
//! Validation by name catches what is wrong whatever the values are: unknown names,
//! repetitions, and combinations that mean nothing. What depends on the values (a `gt` on a
//! word, `base64` of a wildcard) is checked while the values run through the chain.

use super::leaf::Cmp;
use super::reason;
use super::time::TimePart;
use super::ModifierError;

/// A UTF-16 flavour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Utf16 {
    /// `utf16le` / `wide`.
    Le,
    /// `utf16be`.
    Be,
    /// `utf16`: little endian after a byte order mark.
    LeBom,
}

/// A `re` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReFlag {
    /// `i` / `ignorecase`.
    IgnoreCase,
    /// `m` / `multiline`.
    MultiLine,
    /// `s` / `dotall`.
    DotAll,
}

/// A value-transforming modifier, in chain order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Contains,
    StartsWith,
    EndsWith,
    Windash,
    Expand,
    Encode(Utf16),
    Base64,
    Base64Offset,
    Re,
    Flag(ReFlag),
    Cidr,
    Compare(Cmp),
    Time(TimePart),
}

/// A parsed modifier name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Name {
    All,
    Neq,
    Cased,
    Exists,
    FieldRef,
    Op(Op),
}

/// A validated modifier chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Chain {
    /// `all`: values are AND-ed.
    pub all: bool,
    /// `neq`: the item is negated.
    pub neq: bool,
    /// `cased`: string tests are case-sensitive.
    pub cased: bool,
    /// `exists`.
    pub exists: bool,
    /// `fieldref`.
    pub fieldref: bool,
    /// Value-transforming modifiers in order.
    pub ops: Vec<Op>,
}

impl Chain {
    /// The anchoring modifier (`contains`, `startswith`, `endswith`), if any.
    pub fn shape(&self) -> Option<Op> {
        self.ops
            .iter()
            .copied()
            .find(|op| matches!(op, Op::Contains | Op::StartsWith | Op::EndsWith))
    }
}

fn parse_name(name: &str) -> Option<Name> {
    Some(match name {
        "all" => Name::All,
        "neq" => Name::Neq,
        "cased" => Name::Cased,
        "exists" => Name::Exists,
        "fieldref" => Name::FieldRef,
        "contains" => Name::Op(Op::Contains),
        "startswith" => Name::Op(Op::StartsWith),
        "endswith" => Name::Op(Op::EndsWith),
        "windash" => Name::Op(Op::Windash),
        "expand" => Name::Op(Op::Expand),
        "utf16le" | "wide" => Name::Op(Op::Encode(Utf16::Le)),
        "utf16be" => Name::Op(Op::Encode(Utf16::Be)),
        "utf16" => Name::Op(Op::Encode(Utf16::LeBom)),
        "base64" => Name::Op(Op::Base64),
        "base64offset" => Name::Op(Op::Base64Offset),
        "re" => Name::Op(Op::Re),
        "i" | "ignorecase" => Name::Op(Op::Flag(ReFlag::IgnoreCase)),
        "m" | "multiline" => Name::Op(Op::Flag(ReFlag::MultiLine)),
        "s" | "dotall" => Name::Op(Op::Flag(ReFlag::DotAll)),
        "cidr" => Name::Op(Op::Cidr),
        "gt" => Name::Op(Op::Compare(Cmp::Gt)),
        "gte" => Name::Op(Op::Compare(Cmp::Gte)),
        "lt" => Name::Op(Op::Compare(Cmp::Lt)),
        "lte" => Name::Op(Op::Compare(Cmp::Lte)),
        "minute" => Name::Op(Op::Time(TimePart::Minute)),
        "hour" => Name::Op(Op::Time(TimePart::Hour)),
        "day" => Name::Op(Op::Time(TimePart::Day)),
        "week" => Name::Op(Op::Time(TimePart::Week)),
        "month" => Name::Op(Op::Time(TimePart::Month)),
        "year" => Name::Op(Op::Time(TimePart::Year)),
        _ => return None,
    })
}

/// Coarse families, for the combination rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Generic,
    Shape,
    Text,
    Encode,
    Base64,
    Re,
    Flag,
    Cidr,
    Compare,
    Time,
    Exists,
    FieldRef,
}

fn family(name: Name) -> Family {
    match name {
        Name::All | Name::Neq | Name::Cased => Family::Generic,
        Name::Exists => Family::Exists,
        Name::FieldRef => Family::FieldRef,
        Name::Op(op) => match op {
            Op::Contains | Op::StartsWith | Op::EndsWith => Family::Shape,
            Op::Windash | Op::Expand => Family::Text,
            Op::Encode(_) => Family::Encode,
            Op::Base64 | Op::Base64Offset => Family::Base64,
            Op::Re => Family::Re,
            Op::Flag(_) => Family::Flag,
            Op::Cidr => Family::Cidr,
            Op::Compare(_) => Family::Compare,
            Op::Time(_) => Family::Time,
        },
    }
}

fn invalid(detail: String) -> ModifierError {
    ModifierError::new(reason::INVALID_COMBINATION, detail)
}

/// Parses and validates `names`; `keyword` is true for items without a field.
pub(crate) fn parse(names: &[String], keyword: bool) -> Result<Chain, ModifierError> {
    let mut parsed: Vec<(Name, &str)> = Vec::with_capacity(names.len());
    for name in names {
        let Some(modifier) = parse_name(name) else {
            return Err(ModifierError::new(
                reason::UNKNOWN_MODIFIER,
                format!("unknown modifier `{name}`"),
            ));
        };
        if let Some((_, earlier)) = parsed.iter().find(|(seen, _)| *seen == modifier) {
            return Err(invalid(format!("modifier `{name}` repeats `{earlier}`")));
        }
        parsed.push((modifier, name));
    }

    let families: Vec<Family> = parsed.iter().map(|(name, _)| family(*name)).collect();
    let count = |wanted: Family| families.iter().filter(|f| **f == wanted).count();
    let only = |allowed: &[Family]| families.iter().all(|f| allowed.contains(f));
    let name_of = |wanted: Family| {
        parsed
            .iter()
            .find(|(name, _)| family(*name) == wanted)
            .map_or("", |(_, text)| *text)
    };

    if count(Family::Shape) > 1 {
        return Err(invalid(
            "only one of `contains`, `startswith`, `endswith` may be used".into(),
        ));
    }
    if count(Family::Encode) > 1 {
        return Err(invalid(
            "only one of `utf16le`, `utf16be`, `utf16`, `wide` may be used".into(),
        ));
    }
    if count(Family::Base64) > 1 {
        return Err(invalid(
            "only one of `base64`, `base64offset` may be used".into(),
        ));
    }
    if count(Family::Compare) > 1 {
        return Err(invalid(
            "only one of `gt`, `gte`, `lt`, `lte` may be used".into(),
        ));
    }
    if count(Family::Time) > 1 {
        return Err(invalid(
            "only one of `minute`, `hour`, `day`, `week`, `month`, `year` may be used".into(),
        ));
    }

    // Flags only after `re`.
    let re_at = families.iter().position(|f| *f == Family::Re);
    if let Some(flag_at) = families.iter().position(|f| *f == Family::Flag) {
        if re_at.is_none_or(|re_at| re_at > flag_at) {
            return Err(invalid(format!(
                "`{}` is a `re` flag and must follow `re`",
                name_of(Family::Flag)
            )));
        }
    }

    let exclusive: &[(Family, &[Family], &str)] = &[
        (
            Family::Re,
            &[Family::Generic, Family::Flag],
            "`re` combines only with `i`, `m`, `s`, `all`, `neq`",
        ),
        (
            Family::Cidr,
            &[Family::Generic],
            "`cidr` combines only with `all`, `neq`",
        ),
        (
            Family::Compare,
            &[Family::Generic, Family::Time],
            "`gt`, `gte`, `lt`, `lte` combine only with a time part, `all`, `neq`",
        ),
        (
            Family::Time,
            &[Family::Generic, Family::Compare],
            "time parts combine only with `gt`, `gte`, `lt`, `lte`, `all`, `neq`",
        ),
        (
            Family::FieldRef,
            &[Family::Generic, Family::Shape],
            "`fieldref` combines only with `contains`, `startswith`, `endswith`, `cased`, `all`, `neq`",
        ),
    ];
    for (owner, allowed, message) in exclusive {
        if count(*owner) == 0 {
            continue;
        }
        let mut permitted = allowed.to_vec();
        permitted.push(*owner);
        if !only(&permitted) {
            return Err(invalid((*message).into()));
        }
    }
    if count(Family::Exists) > 0 && families.len() > 1 {
        return Err(invalid("`exists` takes no other modifier".into()));
    }

    let mut chain = Chain::default();
    for (name, _) in &parsed {
        match name {
            Name::All => chain.all = true,
            Name::Neq => chain.neq = true,
            Name::Cased => chain.cased = true,
            Name::Exists => chain.exists = true,
            Name::FieldRef => chain.fieldref = true,
            Name::Op(op) => chain.ops.push(*op),
        }
    }
    if chain.cased && chain.ops.iter().any(|op| matches!(op, Op::Re | Op::Cidr)) {
        return Err(invalid(
            "`cased` applies to string matching only (`re` is already case-sensitive)".into(),
        ));
    }
    if chain.cased && (count(Family::Compare) > 0 || count(Family::Time) > 0) {
        return Err(invalid("`cased` applies to string matching only".into()));
    }
    if keyword {
        let field_only = [
            Family::Exists,
            Family::FieldRef,
            Family::Cidr,
            Family::Compare,
            Family::Time,
        ];
        if let Some(bad) = field_only.into_iter().find(|f| count(*f) > 0) {
            return Err(invalid(format!(
                "`{}` needs a field; keyword items cannot use it",
                name_of(bad)
            )));
        }
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(names: &[&str]) -> Result<Chain, &'static str> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        parse(&names, false).map_err(|e| e.reason)
    }

    #[test]
    fn valid_chains() {
        for names in [
            &["contains", "all"][..],
            &["contains", "windash"],
            &["windash", "contains"],
            &["wide", "base64offset", "contains"],
            &["base64offset", "contains"],
            &["re", "i", "m", "s"],
            &["re", "ignorecase"],
            &["all", "re"],
            &["cidr", "neq"],
            &["hour", "gte"],
            &["gte", "hour"],
            &["fieldref", "contains", "neq"],
            &["contains", "fieldref"],
            &["expand", "contains"],
            &["cased", "endswith"],
            &["exists"],
            &[],
        ] {
            assert!(check(names).is_ok(), "{names:?}");
        }
    }

    #[test]
    fn invalid_chains() {
        for (names, why) in [
            (&["nope"][..], reason::UNKNOWN_MODIFIER),
            (&["Contains"], reason::UNKNOWN_MODIFIER),
            (&["re", "contains"], reason::INVALID_COMBINATION),
            (&["contains", "re"], reason::INVALID_COMBINATION),
            (&["i"], reason::INVALID_COMBINATION),
            (&["i", "re"], reason::INVALID_COMBINATION),
            (&["contains", "endswith"], reason::INVALID_COMBINATION),
            (&["contains", "contains"], reason::INVALID_COMBINATION),
            (&["re", "i", "ignorecase"], reason::INVALID_COMBINATION),
            (&["wide", "utf16be"], reason::INVALID_COMBINATION),
            (&["base64", "base64offset"], reason::INVALID_COMBINATION),
            (&["cidr", "contains"], reason::INVALID_COMBINATION),
            (&["gt", "lt"], reason::INVALID_COMBINATION),
            (&["gt", "contains"], reason::INVALID_COMBINATION),
            (&["hour", "minute"], reason::INVALID_COMBINATION),
            (&["exists", "neq"], reason::INVALID_COMBINATION),
            (&["fieldref", "re"], reason::INVALID_COMBINATION),
            (&["fieldref", "base64"], reason::INVALID_COMBINATION),
            (&["re", "cased"], reason::INVALID_COMBINATION),
            (&["cased", "gt"], reason::INVALID_COMBINATION),
        ] {
            assert_eq!(check(names).err(), Some(why), "{names:?}");
        }
    }

    #[test]
    fn keyword_items_reject_field_only_modifiers() {
        for name in ["exists", "fieldref", "cidr", "gt", "hour"] {
            let error = parse(&[name.to_owned()], true).err();
            assert_eq!(error.map(|e| e.reason), Some(reason::INVALID_COMBINATION));
        }
        assert!(parse(&["all".to_owned()], true).is_ok());
    }
}
