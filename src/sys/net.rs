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

/// Accept one connection on the listening socket `fd`, close-on-exec.
pub fn accept(fd: std::os::fd::BorrowedFd) -> Result<std::os::fd::OwnedFd, nix::errno::Errno> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let c = nix::sys::socket::accept4(fd.as_raw_fd(), nix::sys::socket::SockFlag::SOCK_CLOEXEC)?;
    // SAFETY: accept returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(c) })
}

/// The address `fd` is bound to, with its port, when it is an IP socket.
pub fn bound(fd: RawFd) -> Option<std::net::SocketAddr> {
    let ss: SockaddrStorage = getsockname(fd).ok()?;
    let port = ss
        .as_sockaddr_in()
        .map(|a| a.port())
        .or_else(|| ss.as_sockaddr_in6().map(|a| a.port()))?;
    Some(std::net::SocketAddr::new(ip_of(&ss)?.to_canonical(), port))
}

/// What `turn_away` found waiting on a socket it may not serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TurnedAway {
    /// A connection taken from a listening socket and closed: its client
    /// and the address it was made to.
    Connection {
        from: Option<IpAddr>,
        to: Option<IpAddr>,
    },
    /// A datagram read and dropped, and its sender.
    Datagram { from: Option<IpAddr> },
    /// Nothing was waiting.
    Nothing,
}

/// Take what is waiting on the socket `fd` (inetd passes a `wait`
/// service's listening or datagram socket) and drop it without a byte
/// sent: one pending connection accepted and closed, or one datagram
/// read. Waits at most a second for it (inetd starts us when it is there);
/// the socket's flags are inetd's too and stay as they are.
pub fn turn_away(fd: RawFd) -> TurnedAway {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use nix::sys::socket::{accept, recvfrom};
    use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
    // SAFETY: fd is open for the whole call (descriptor 0, never closed here).
    let sock = unsafe { BorrowedFd::borrow_raw(fd) };
    let mut fds = [PollFd::new(sock, PollFlags::POLLIN)];
    if !matches!(poll(&mut fds, PollTimeout::from(1000u16)), Ok(n) if n > 0) {
        return TurnedAway::Nothing;
    }
    if is_listening(fd) {
        let Ok(conn) = accept(fd) else {
            return TurnedAway::Nothing;
        };
        // SAFETY: accept returned a new descriptor that nothing else owns.
        let conn = unsafe { OwnedFd::from_raw_fd(conn) };
        let ends = endpoints(conn.as_raw_fd());
        drop(conn);
        return TurnedAway::Connection {
            from: ends.and_then(|e| e.remote),
            to: ends.map(|e| e.local),
        };
    }
    // one byte: the rest of the datagram is discarded with it
    let mut buf = [0u8; 1];
    match recvfrom::<SockaddrStorage>(fd, &mut buf) {
        Ok((_, from)) => TurnedAway::Datagram {
            from: from.as_ref().and_then(ip_of).map(|ip| ip.to_canonical()),
        },
        Err(_) => TurnedAway::Nothing,
    }
}
