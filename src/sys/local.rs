//! Local sockets between pcue processes: a seqpacket socket bound to an
//! abstract name (one per network namespace, no file to plant or remove:
//! the name is gone with the last descriptor), listening; a connection
//! to one; the credentials of the other end (SO_PEERCRED); one message
//! each way, never blocking past a deadline.

use super::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    self, sockopt, AddressFamily, Backlog, MsgFlags, SockFlag, SockType, UnixAddr,
};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Instant;

/// A seqpacket socket bound to an abstract name (listening or not yet).
pub struct Bound(OwnedFd);

/// One end of a connection.
pub struct Conn(OwnedFd);

/// Who holds the other end: as the kernel recorded it at connect(2) (a
/// client) or listen(2) (a server), the pid as our pid namespace numbers
/// it (0: not in it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

fn seqpacket() -> Result<OwnedFd, Errno> {
    socket::socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        None,
    )
}

/// Claim the abstract `name`: EADDRINUSE when a socket holds it already.
/// Not listening yet: a connection is refused until `listen`.
pub fn bind_abstract(name: &[u8]) -> Result<Bound, Errno> {
    let fd = seqpacket()?;
    socket::bind(fd.as_raw_fd(), &UnixAddr::new_abstract(name)?)?;
    Ok(Bound(fd))
}

impl Bound {
    /// Accept connections from now on (the server's credentials, the ones
    /// clients see, are this process's).
    pub fn listen(&self) -> Result<(), Errno> {
        socket::listen(&self.0, Backlog::new(64)?)
    }

    /// The next pending connection (EAGAIN: none).
    pub fn accept(&self) -> Result<Conn, Errno> {
        let fd = socket::accept4(
            self.0.as_raw_fd(),
            SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        )?;
        // SAFETY: accept4 returned a fresh descriptor that nothing else owns.
        Ok(Conn(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }

    /// The descriptor's number, given up (`process::daemon` moves it).
    pub(super) fn into_raw(self) -> RawFd {
        self.0.into_raw_fd()
    }

    /// Take back a descriptor `into_raw` gave up.
    pub(super) fn from_raw(fd: RawFd) -> Bound {
        // SAFETY: only called with the number into_raw gave up, still open
        // and owned by nothing else.
        Bound(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

/// Connect to the socket listening on abstract `name`, without waiting:
/// ECONNREFUSED when nothing listens there, EAGAIN when its queue is full.
pub fn connect_abstract(name: &[u8]) -> Result<Conn, Errno> {
    let fd = seqpacket()?;
    socket::connect(fd.as_raw_fd(), &UnixAddr::new_abstract(name)?)?;
    Ok(Conn(fd))
}

impl Conn {
    /// The other end's credentials.
    pub fn peer(&self) -> Result<Peer, Errno> {
        let c = socket::getsockopt(&self.0, sockopt::PeerCredentials)?;
        Ok(Peer {
            pid: c.pid(),
            uid: c.uid(),
            gid: c.gid(),
        })
    }

    /// Send one message (no SIGPIPE when the other end is gone: EPIPE).
    pub fn send(&self, msg: &[u8]) -> Result<(), Errno> {
        let n = socket::send(self.0.as_raw_fd(), msg, MsgFlags::MSG_NOSIGNAL)?;
        if n == msg.len() {
            Ok(())
        } else {
            Err(Errno::EMSGSIZE)
        }
    }

    /// Receive one message of at most `max` bytes, waiting until
    /// `deadline` (ETIMEDOUT); an empty one when the other end closed.
    pub fn recv(&self, deadline: Instant, max: usize) -> Result<Vec<u8>, Errno> {
        let mut buf = vec![0u8; max + 1];
        loop {
            match socket::recv(self.0.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(n) if n > max => return Err(Errno::EMSGSIZE),
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(buf);
                }
                Err(Errno::EAGAIN) => {}
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e),
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .ok_or(Errno::ETIMEDOUT)?;
            let ms = u16::try_from(left.as_millis().max(1)).unwrap_or(u16::MAX);
            let mut fds = [PollFd::new(self.0.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(ms)) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// One name, one holder; a message each way; the peer is us.
    #[test]
    fn abstract_names_are_held_once_and_carry_messages() {
        let name = format!("pcue-test-local-{}", std::process::id());
        let s = bind_abstract(name.as_bytes()).unwrap();
        assert_eq!(
            bind_abstract(name.as_bytes()).err(),
            Some(Errno::EADDRINUSE)
        );
        assert_eq!(
            connect_abstract(name.as_bytes()).err(),
            Some(Errno::ECONNREFUSED),
            "bound, not listening"
        );
        s.listen().unwrap();
        let c = connect_abstract(name.as_bytes()).unwrap();
        let me = c.peer().unwrap();
        assert_eq!(me.pid, std::process::id() as i32);
        c.send(b"ping").unwrap();
        let a = s.accept().unwrap();
        let soon = Instant::now() + Duration::from_secs(5);
        assert_eq!(a.recv(soon, 16).unwrap(), b"ping");
        a.send(b"pong").unwrap();
        assert_eq!(c.recv(soon, 16).unwrap(), b"pong");
        let t = Instant::now() + Duration::from_millis(20);
        assert_eq!(c.recv(t, 16).err(), Some(Errno::ETIMEDOUT));
        drop(a);
        assert_eq!(c.recv(soon, 16).unwrap(), b"");
        drop(s);
        assert_eq!(
            connect_abstract(name.as_bytes()).err(),
            Some(Errno::ECONNREFUSED),
            "the name goes with its socket"
        );
    }
}
