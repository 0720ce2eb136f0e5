//! Terminals: whether stdout is one and its width, the terminal on stdin
//! (its path, owner and mode), and its foreground process group.

use super::fs::Stat;
use super::{Error, Result};
use nix::sys::stat::Mode;
use nix::unistd::{Gid, Pid, Uid};
use std::os::fd::{AsFd, AsRawFd};
use std::path::PathBuf;

/// Whether stdout is a terminal, and the width of the first of stdout,
/// stderr, stdin that has a window size (as ps asks them).
pub fn terminal() -> (bool, Option<u16>) {
    let tty = nix::unistd::isatty(1).unwrap_or(false);
    let cols = [1, 2, 0].into_iter().find_map(|fd| {
        let mut ws = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: fd is a plain descriptor number, ws a valid winsize that
        // TIOCGWINSZ only writes. (nix has no call for it, only a macro
        // that makes the same unsafe one.)
        let r = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
        (r == 0 && ws.ws_col > 0 && ws.ws_row > 0).then_some(ws.ws_col)
    });
    (tty, cols)
}

/// Standard input's terminal: its name in this node's /dev and its status,
/// or None when stdin is not a terminal or one the node's /dev does not
/// hold. The name comes from the device, never from a path the caller
/// could arrange (/proc/self/fd/0 says /dev/pts/0 as well for a pty of a
/// devpts a user mounted in a namespace of their own): the entry of
/// /dev/pts (pts/N, N from the device number) or of /dev that is the very
/// inode open on fd 0.
pub fn stdin_tty() -> Option<(PathBuf, Stat)> {
    let stdin = std::io::stdin();
    let fd0 = stdin.as_fd();
    if !nix::unistd::isatty(fd0.as_raw_fd()).unwrap_or(false) {
        return None;
    }
    let st = nix::sys::stat::fstat(fd0.as_raw_fd()).ok()?;
    let path = node_name(&st)?;
    Some((path, Stat::from(st)))
}

/// The node's name for the terminal `st`: an entry (not a symlink) of
/// /dev/pts or /dev on the same device with the same inode.
fn node_name(st: &nix::sys::stat::FileStat) -> Option<PathBuf> {
    use nix::sys::stat::{lstat, major, minor, SFlag};
    let same = |p: &std::path::Path| {
        lstat(p).is_ok_and(|s| {
            s.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFCHR.bits()
                && (s.st_dev, s.st_ino, s.st_rdev) == (st.st_dev, st.st_ino, st.st_rdev)
        })
    };
    let (maj, min) = (major(st.st_rdev), minor(st.st_rdev));
    // Unix98 ptys: majors 136-143, 256 minors each
    if (136..=143).contains(&maj) {
        let p = PathBuf::from(format!("/dev/pts/{}", (maj - 136) * 256 + min));
        return same(&p).then_some(p);
    }
    std::fs::read_dir("/dev")
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| same(p))
}

/// chown and chmod the terminal on fd 0 (by descriptor, not by path).
pub fn set_tty(uid: u32, gid: u32, mode: u32) -> Result<()> {
    let fd = std::io::stdin().as_fd().as_raw_fd();
    nix::unistd::fchown(fd, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))
        .map_err(|e| Error::call("chown", "tty", e))?;
    nix::sys::stat::fchmod(fd, Mode::from_bits_truncate(mode & 0o7777))
        .map_err(|e| Error::call("chmod", "tty", e))
}

/// The foreground process group of the terminal on fd 0.
pub fn foreground() -> Option<i32> {
    nix::unistd::tcgetpgrp(std::io::stdin().as_fd())
        .ok()
        .map(|p| p.as_raw())
}

/// Give the terminal back to `pgrp` (SIGTTOU must be ignored by then).
pub fn set_foreground(pgrp: i32) {
    let _ = nix::unistd::tcsetpgrp(std::io::stdin().as_fd(), Pid::from_raw(pgrp));
}
