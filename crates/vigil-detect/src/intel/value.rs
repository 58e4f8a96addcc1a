//! Indicator values: their kind, validation, and the canonical forms both indicators and
//! event fields are reduced to before a lookup.

use std::net::IpAddr;

use ipnet::IpNet;

use super::IntelOptions;

/// What kind of value an indicator is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndicatorKind {
    /// One IPv4 or IPv6 address.
    Ip,
    /// An IPv4 or IPv6 network.
    Cidr,
    /// A domain and its subdomains.
    Domain,
    /// A URL.
    Url,
    /// An MD5 file hash.
    Md5,
    /// A SHA-1 file hash.
    Sha1,
    /// A SHA-256 file hash.
    Sha256,
    /// A SHA-512 file hash.
    Sha512,
}

impl IndicatorKind {
    /// The stable name used in alerts (`ip`, `cidr`, `domain`, `url`, `md5`, `sha1`, `sha256`,
    /// `sha512`).
    pub fn name(self) -> &'static str {
        match self {
            IndicatorKind::Ip => "ip",
            IndicatorKind::Cidr => "cidr",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Md5 => "md5",
            IndicatorKind::Sha1 => "sha1",
            IndicatorKind::Sha256 => "sha256",
            IndicatorKind::Sha512 => "sha512",
        }
    }

    /// The hash kind of a hex digest of `len` characters.
    fn of_hash_len(len: usize) -> Option<IndicatorKind> {
        Some(match len {
            32 => IndicatorKind::Md5,
            40 => IndicatorKind::Sha1,
            64 => IndicatorKind::Sha256,
            128 => IndicatorKind::Sha512,
            _ => return None,
        })
    }

    /// Whether this is a file hash.
    pub fn is_hash(self) -> bool {
        matches!(
            self,
            IndicatorKind::Md5
                | IndicatorKind::Sha1
                | IndicatorKind::Sha256
                | IndicatorKind::Sha512
        )
    }
}

/// The family a source declares a value to be (CSV `type`, STIX object path); `None` when it
/// is to be inferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    /// An address or a network.
    Ip,
    /// A domain name.
    Domain,
    /// A URL.
    Url,
    /// A hash; of the given kind when declared.
    Hash(Option<IndicatorKind>),
    /// An address, a network or a domain (`network-traffic:dst_ref.value`).
    Host,
}

/// A validated indicator value in canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Parsed {
    /// Lookup key (IPv6 space, IPv4 mapped) and the address.
    Ip(u128, IpAddr),
    /// A network, host bits cleared.
    Cidr(IpNet),
    /// Lower case, no trailing dot, no leading `*.`.
    Domain(String),
    /// The lookup key (see [`url_key`]) and the refanged URL for display.
    Url { key: String, display: String },
    /// Lower-case hex.
    Hash(IndicatorKind, String),
}

impl Parsed {
    pub(super) fn kind(&self) -> IndicatorKind {
        match self {
            Parsed::Ip(..) => IndicatorKind::Ip,
            Parsed::Cidr(_) => IndicatorKind::Cidr,
            Parsed::Domain(_) => IndicatorKind::Domain,
            Parsed::Url { .. } => IndicatorKind::Url,
            Parsed::Hash(kind, _) => *kind,
        }
    }

    pub(super) fn display(&self) -> String {
        match self {
            Parsed::Ip(_, ip) => ip.to_string(),
            Parsed::Cidr(net) => net.to_string(),
            Parsed::Domain(d) => d.clone(),
            Parsed::Url { display, .. } => display.clone(),
            Parsed::Hash(_, h) => h.clone(),
        }
    }
}

/// A rejection: reason and detail.
pub(super) type Invalid = (&'static str, String);

/// Undoes the usual defanging: `hxxp`, `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`, `[://]`.
pub(super) fn refang(value: &str) -> std::borrow::Cow<'_, str> {
    let lower_start = value.get(..4).map(str::to_ascii_lowercase);
    let hxxp = lower_start.as_deref() == Some("hxxp");
    if !hxxp && !value.contains(['[', '(', '{']) {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = value
        .replace("[.]", ".")
        .replace("(.)", ".")
        .replace("{.}", ".")
        .replace("[dot]", ".")
        .replace("[://]", "://")
        .replace("[:]", ":");
    if hxxp {
        out.replace_range(..4, "http");
    }
    std::borrow::Cow::Owned(out)
}

/// Parses `raw` as a value of `family` (inferred when `None`).
pub(super) fn parse(raw: &str, family: Option<Family>) -> Result<Parsed, Invalid> {
    let refanged = refang(raw.trim());
    let value = refanged.trim();
    if value.is_empty() {
        return Err(("empty_value", "the value is empty".to_owned()));
    }
    let family = family.unwrap_or_else(|| infer(value));
    match family {
        Family::Ip => parse_ip_or_net(value).ok_or_else(|| {
            (
                "invalid_ip",
                format!("`{value}` is not an IP address or network"),
            )
        }),
        Family::Domain => {
            if let Some(parsed) = parse_ip_or_net(value) {
                return Ok(parsed);
            }
            parse_domain(value).map(Parsed::Domain)
        }
        Family::Host => {
            if let Some(parsed) = parse_ip_or_net(value) {
                return Ok(parsed);
            }
            parse_domain(value).map(Parsed::Domain)
        }
        Family::Url => parse_url(value),
        Family::Hash(declared) => parse_hash(value, declared),
    }
}

/// The family of an undeclared value.
fn infer(value: &str) -> Family {
    if value.contains("://") {
        return Family::Url;
    }
    if parse_ip_or_net(value).is_some() {
        return Family::Ip;
    }
    if IndicatorKind::of_hash_len(value.len()).is_some()
        && value.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Family::Hash(None);
    }
    if value.contains('/') {
        return Family::Url;
    }
    Family::Domain
}

fn parse_ip_or_net(value: &str) -> Option<Parsed> {
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(Parsed::Ip(ip_to_key(ip), ip));
    }
    let net = value.parse::<IpNet>().ok()?;
    let full = match net {
        IpNet::V4(n) => n.prefix_len() == 32,
        IpNet::V6(n) => n.prefix_len() == 128,
    };
    if full {
        let ip = net.addr();
        return Some(Parsed::Ip(ip_to_key(ip), ip));
    }
    Some(Parsed::Cidr(net.trunc()))
}

/// The lookup key of an address: IPv6 as is, IPv4 mapped (`::ffff:a.b.c.d`), so one table
/// holds both and an event's mapped address finds the IPv4 indicator.
pub(super) fn ip_to_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => 0xffff_0000_0000 | u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The lookup key of an address written in an event (trimmed; `[v6]` brackets allowed).
pub(super) fn ip_key(text: &str) -> Option<u128> {
    let text = text.trim();
    let text = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    // Cheap reject before the parser: addresses start with a hex digit or `:`.
    let first = *text.as_bytes().first()?;
    if !(first.is_ascii_hexdigit() || first == b':') {
        return None;
    }
    text.parse::<IpAddr>().ok().map(ip_to_key)
}

fn parse_domain(value: &str) -> Result<String, Invalid> {
    let invalid = |why: &str| {
        (
            "invalid_domain",
            format!("`{value}` is not a domain: {why}"),
        )
    };
    let mut domain = value.trim_end_matches('.').to_lowercase();
    if let Some(rest) = domain.strip_prefix("*.") {
        domain = rest.to_owned();
    }
    if domain.len() > 253 {
        return Err(invalid("longer than 253 bytes"));
    }
    if !domain.contains('.') {
        return Err(invalid("a single label"));
    }
    for label in domain.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(invalid("an empty or over-long label"));
        }
        let bad = label
            .chars()
            .any(|c| !(c.is_alphanumeric() || c == '-' || c == '_'));
        if bad {
            return Err(invalid("a character a host name cannot hold"));
        }
    }
    Ok(domain)
}

fn parse_url(value: &str) -> Result<Parsed, Invalid> {
    let mut key = String::new();
    if value.chars().any(char::is_whitespace) || !url_key(value, &mut key) {
        return Err(("invalid_url", format!("`{value}` is not a URL")));
    }
    Ok(Parsed::Url {
        key,
        display: value.to_owned(),
    })
}

fn parse_hash(value: &str, declared: Option<IndicatorKind>) -> Result<Parsed, Invalid> {
    if !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(("invalid_hash", format!("`{value}` is not hexadecimal")));
    }
    let Some(kind) = IndicatorKind::of_hash_len(value.len()) else {
        return Err((
            "invalid_hash",
            format!(
                "a hash of {} hex digits is none of MD5, SHA-1, SHA-256, SHA-512",
                value.len()
            ),
        ));
    };
    if let Some(declared) = declared {
        if declared != kind {
            return Err((
                "invalid_hash",
                format!(
                    "`{value}` is a {} digest, declared {}",
                    kind.name(),
                    declared.name()
                ),
            ));
        }
    }
    Ok(Parsed::Hash(kind, value.to_ascii_lowercase()))
}

/// The checks of [`IntelOptions`] that do not depend on the format: network width and sinkhole
/// addresses.
pub(super) fn check_policy(parsed: &Parsed, options: &IntelOptions) -> Result<(), Invalid> {
    match parsed {
        Parsed::Cidr(IpNet::V4(net)) if net.prefix_len() < options.min_prefix_v4 => Err((
            "network_too_broad",
            format!("`{net}` is wider than /{}", options.min_prefix_v4),
        )),
        Parsed::Cidr(IpNet::V6(net)) if net.prefix_len() < options.min_prefix_v6 => Err((
            "network_too_broad",
            format!("`{net}` is wider than /{}", options.min_prefix_v6),
        )),
        Parsed::Ip(_, ip) if is_sinkhole(*ip) => Err((
            "reserved_address",
            format!("`{ip}` is a placeholder or sinkhole address, not an indicator"),
        )),
        _ => Ok(()),
    }
}

fn is_sinkhole(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_unspecified() || v4.is_loopback() || v4.is_broadcast(),
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_loopback(),
    }
}

/// `host` in lower case without a trailing dot, in `buffer`; `None` when empty or longer than
/// the buffer (no host name is).
pub(super) fn lower_host<'b>(host: &str, buffer: &'b mut [u8; 256]) -> Option<&'b str> {
    let host = host.trim().trim_end_matches('.');
    if host.is_empty() || host.len() > buffer.len() {
        return None;
    }
    let out = &mut buffer[..host.len()];
    out.copy_from_slice(host.as_bytes());
    out.make_ascii_lowercase();
    // ASCII lower-casing keeps UTF-8 valid.
    std::str::from_utf8(out).ok()
}

/// A hex hash in lower case in `buffer`; `None` when it cannot be one.
pub(super) fn lower_hash<'b>(hash: &str, buffer: &'b mut [u8; 128]) -> Option<&'b str> {
    let hash = hash.trim();
    IndicatorKind::of_hash_len(hash.len())?;
    let out = &mut buffer[..hash.len()];
    out.copy_from_slice(hash.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// Writes the lookup key of a URL into `out`: `host[:port]/path[?query]`, scheme, user info,
/// default ports (80, 443) and fragment dropped, host in lower case without a trailing dot,
/// an empty path written `/`. False when there is no host.
pub(super) fn url_key(url: &str, out: &mut String) -> bool {
    out.clear();
    let url = url.trim();
    let rest = match url.find("://") {
        Some(at)
            if at > 0
                && url[..at]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.') =>
        {
            &url[at + 3..]
        }
        _ => url,
    };
    let rest = rest.split('#').next().unwrap_or("");
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(split);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => return false,
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
            _ => (host_port, None),
        }
    };
    let host = host.trim_end_matches('.');
    if host.is_empty() {
        return false;
    }
    let bracket = host.contains(':');
    if bracket {
        out.push('[');
    }
    for c in host.chars() {
        out.push(c.to_ascii_lowercase());
    }
    if bracket {
        out.push(']');
    }
    if let Some(port) = port.filter(|p| !p.is_empty() && *p != "80" && *p != "443") {
        out.push(':');
        out.push_str(port);
    }
    if !path_and_query.starts_with('/') {
        out.push('/');
    }
    out.push_str(path_and_query);
    if out.ends_with('?') {
        out.pop();
    }
    true
}

/// The host of a URL (for URL fields with no separate host name).
pub(super) fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host_port.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => host_port,
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(url: &str) -> String {
        let mut out = String::new();
        assert!(url_key(url, &mut out), "{url}");
        out
    }

    #[test]
    fn url_keys_drop_scheme_default_port_fragment_and_case_of_host() {
        assert_eq!(
            key("HTTP://Evil.COM/Gate.php?x=1#top"),
            "evil.com/Gate.php?x=1"
        );
        assert_eq!(key("https://evil.com:443"), "evil.com/");
        assert_eq!(key("evil.com:8080/a"), "evil.com:8080/a");
        assert_eq!(key("http://user:pw@evil.com./a?"), "evil.com/a");
        assert_eq!(key("http://[2001:db8::1]:8443/x"), "[2001:db8::1]:8443/x");
        assert_eq!(key("http://evil.com?q=1"), "evil.com/?q=1");
        assert!(!url_key("http:///nohost", &mut String::new()));
    }

    #[test]
    fn values_are_inferred_and_refanged() {
        assert_eq!(
            parse("hxxp://evil[.]com/x", None).unwrap().kind(),
            IndicatorKind::Url
        );
        assert_eq!(
            parse("evil[.]com", None).unwrap(),
            Parsed::Domain("evil.com".into())
        );
        assert_eq!(
            parse("*.Evil.com.", None).unwrap(),
            Parsed::Domain("evil.com".into())
        );
        assert_eq!(
            parse("10.0.0.0/8", None).unwrap().kind(),
            IndicatorKind::Cidr
        );
        assert_eq!(parse("10.1.2.3/8", None).unwrap().display(), "10.0.0.0/8");
        assert_eq!(
            parse("2001:db8::/32", None).unwrap().kind(),
            IndicatorKind::Cidr
        );
        assert_eq!(
            parse("192.0.2.7/32", None).unwrap().kind(),
            IndicatorKind::Ip
        );
        assert_eq!(
            parse(&"A".repeat(64), None).unwrap().kind(),
            IndicatorKind::Sha256
        );
        assert_eq!(
            parse("evil.com/path", None).unwrap().kind(),
            IndicatorKind::Url
        );
        assert_eq!(parse("localhost", None).unwrap_err().0, "invalid_domain");
        assert_eq!(
            parse("bad domain.com", None).unwrap_err().0,
            "invalid_domain"
        );
        assert_eq!(
            parse(
                &"a".repeat(40),
                Some(Family::Hash(Some(IndicatorKind::Md5)))
            )
            .unwrap_err()
            .0,
            "invalid_hash"
        );
    }

    #[test]
    fn event_ips_map_v4_into_v6_space() {
        assert_eq!(ip_key("192.0.2.1"), ip_key("::ffff:192.0.2.1"));
        assert_eq!(ip_key("[2001:db8::1]"), ip_key("2001:db8::1"));
        assert_eq!(ip_key("-"), None);
        assert_eq!(ip_key("192.0.2.0/24172"), None);
    }

    #[test]
    fn url_hosts() {
        assert_eq!(url_host("https://u@Evil.com:8443/x"), Some("Evil.com"));
        assert_eq!(url_host("evil.com/x"), Some("evil.com"));
        assert_eq!(url_host("http://[2001:db8::1]/"), Some("2001:db8::1"));
    }
}
