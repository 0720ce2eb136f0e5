//! Sockets: which addresses a connected descriptor joins.

use nix::sys::socket::{getpeername, getsockname, SockaddrLike, SockaddrStorage};
use std::net::IpAddr;
use std::os::fd::RawFd;

/// The two ends of a TCP (or UDP) connection, from our side, as the kernel
/// gives them (an IPv4 peer of an IPv6 socket stays IPv4-mapped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub local: IpAddr,
    pub remote: Option<IpAddr>,
}

fn ip_of(ss: &SockaddrStorage) -> Option<IpAddr> {
    if let Some(v4) = ss.as_sockaddr_in() {
        return Some(IpAddr::V4(v4.ip()));
    }
    ss.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
}

/// The local and peer address of `fd` when it is an IP socket, else None.
pub fn endpoints(fd: RawFd) -> Option<Endpoints> {
    let local: SockaddrStorage = getsockname(fd).ok()?;
    local.family()?;
    let local = ip_of(&local)?;
    let remote = getpeername::<SockaddrStorage>(fd)
        .ok()
        .and_then(|p| ip_of(&p));
    Some(Endpoints { local, remote })
}

/// Whether `fd` is a socket listening for connections (SO_ACCEPTCONN).
pub fn is_listening(fd: RawFd) -> bool {
    let mut v: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: v and len are valid for writing and len is v's size; a bad
    // descriptor only makes the call fail.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ACCEPTCONN,
            (&mut v as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    r == 0 && v != 0
}
