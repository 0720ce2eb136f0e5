//! Sockets a superserver passes to the program it starts, as pkgnet reads
//! them: inetd and xinetd put the connection on descriptors 0-2; systemd's
//! socket activation (and `systemd-socket-activate` without `--inetd`) puts
//! LISTEN_FDS sockets from descriptor 3 on, each a connection (Accept=yes)
//! or a listening socket, with descriptor 0 on /dev/null. LISTEN_FDS is
//! only checked: the daemon inherits every descriptor, so the caller
//! routes every IP socket it holds, however many LISTEN_FDS names. Pure:
//! the caller reads the descriptors and the registry.

use std::net::IpAddr;

/// More passed sockets than this is not a configuration pkgnet serves.
pub const MAX: usize = 64;

/// An IP socket found among the passed descriptors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Passed {
    pub fd: i32,
    pub local: IpAddr,
    /// The client, for a connection; None for a listening socket.
    pub remote: Option<IpAddr>,
}

/// LISTEN_FDS's number (1 when it is not set), or why it is refused. It
/// does not say which descriptors count: all of them do.
pub fn count(listen_fds: Option<&str>) -> Result<usize, String> {
    match listen_fds {
        None => Ok(1),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= MAX => Ok(n),
            _ => Err(format!(
                "LISTEN_FDS='{}' is not a number up to {MAX}",
                v.chars().take(32).collect::<String>()
            )),
        },
    }
}

/// Where the passed sockets lead: None when none is an IP socket (nothing
/// for the registry to decide); Some(None) the system context; Some(Some(P))
/// package P. An error, with the reason, when they cannot be served in one
/// context without serving a package address from another: a socket
/// listening on every address (it takes the packages' connections too),
/// sockets of different contexts, or a registry that cannot be read
/// (`owner`'s error).
pub fn route<P: PartialEq>(
    passed: &[Passed],
    owner: impl Fn(IpAddr) -> Result<Option<P>, String>,
) -> Result<Option<Option<P>>, String> {
    let mut found: Option<Option<P>> = None;
    for p in passed {
        if p.local.is_unspecified() {
            return Err(format!(
                "descriptor {} listens on every address ({}), packages' too",
                p.fd, p.local
            ));
        }
        let o = owner(p.local)?;
        match &found {
            None => found = Some(o),
            Some(prev) if *prev == o => {}
            Some(_) => {
                return Err(format!(
                    "descriptor {} ({}) belongs to another context than descriptor {}",
                    p.fd, p.local, passed[0].fd
                ))
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn owner(a: IpAddr) -> Result<Option<&'static str>, String> {
        match a.to_string().as_str() {
            "127.0.0.2" | "fd00::2" => Ok(Some("pkg01")),
            "127.0.0.3" => Ok(Some("pkg02")),
            "10.9.9.9" => Err("SGCONF unreadable".into()),
            _ => Ok(None),
        }
    }

    fn conn(fd: i32, local: &str) -> Passed {
        Passed {
            fd,
            local: ip(local),
            remote: Some(ip("127.0.0.1")),
        }
    }

    #[test]
    fn counts() {
        assert_eq!(count(None), Ok(1));
        assert_eq!(count(Some("2")), Ok(2));
        assert_eq!(count(Some("0")), Ok(0));
        assert!(count(Some("-1")).is_err());
        assert!(count(Some("65")).is_err());
        assert!(count(Some("1 ")).is_err());
    }

    #[test]
    fn routes_by_the_passed_sockets() {
        assert_eq!(route(&[], owner), Ok(None));
        assert_eq!(
            route(&[conn(3, "127.0.0.2")], owner),
            Ok(Some(Some("pkg01")))
        );
        assert_eq!(route(&[conn(3, "127.0.0.1")], owner), Ok(Some(None)));
        // a v4 and a v6 listener of one package
        let both = [
            conn(3, "127.0.0.2"),
            Passed {
                fd: 4,
                local: ip("fd00::2"),
                remote: None,
            },
        ];
        assert_eq!(route(&both, owner), Ok(Some(Some("pkg01"))));
    }

    #[test]
    fn refuses_what_would_serve_a_package_elsewhere() {
        let wild = Passed {
            fd: 3,
            local: ip("0.0.0.0"),
            remote: None,
        };
        assert_eq!(
            route(&[wild], owner).unwrap_err(),
            "descriptor 3 listens on every address (0.0.0.0), packages' too"
        );
        let six = Passed {
            fd: 3,
            local: ip("::"),
            remote: None,
        };
        assert!(route(&[six], owner).is_err());
        let mixed = [conn(3, "127.0.0.1"), conn(4, "127.0.0.2")];
        assert_eq!(
            route(&mixed, owner).unwrap_err(),
            "descriptor 4 (127.0.0.2) belongs to another context than descriptor 3"
        );
        assert!(route(&[conn(3, "127.0.0.2"), conn(4, "127.0.0.3")], owner).is_err());
        assert_eq!(
            route(&[conn(3, "10.9.9.9")], owner).unwrap_err(),
            "SGCONF unreadable"
        );
    }
}
