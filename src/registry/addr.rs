//! IP addresses as the registry compares them.

use std::net::IpAddr;

/// IPv4-mapped IPv6 (`::ffff:127.0.0.2`) becomes the IPv4 address, so that
/// both spellings of one address compare equal.
pub fn canon(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Parse an address as a user or a config file writes it: IPv4, IPv6, with or
/// without brackets, with an optional `/prefix` (dropped) or `%zone` (dropped).
pub fn parse(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(t);
    let t = t.split('/').next().unwrap_or(t);
    let t = t.split('%').next().unwrap_or(t);
    t.parse::<IpAddr>().ok().map(canon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_equals_v4() {
        assert_eq!(parse("::ffff:127.0.0.2"), parse("127.0.0.2"));
        assert_eq!(parse("[::FFFF:7f00:2]"), parse("127.0.0.2"));
    }

    #[test]
    fn v6_forms() {
        assert_eq!(parse("2001:db8::1"), parse("2001:0db8:0:0::1"));
        assert_eq!(parse("fe80::1%eth0"), parse("fe80::1"));
        assert_eq!(parse("192.10.25.0/24"), parse("192.10.25.0"));
    }

    #[test]
    fn garbage() {
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "300.1.1.1",
            "pkg01",
            "::g",
            "1.2.3.4 5",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
