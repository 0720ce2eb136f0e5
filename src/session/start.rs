//! Starting a package as a world of its own (`pkginit -p PKG`, run on the
//! node by root: pcue.sh start, the OCF agent's start, the README's
//! command for a start by hand).
//!
//! The starter, as root on the node:
//! 1. checks the package root as execsh does and refuses when the
//!    package's pkginit already runs;
//! 2. unshares only the pid namespace (for its child; were it to share the
//!    child's new mount namespace, pivot_root would move its root too), and
//!    forks: the child is pid 1 of the new pid namespace;
//! 3. writes the child's node pid to `/run/pkginit/PKG.pid` and waits
//!    on a pipe for pkginit's word ("ok" once it has reached its first
//!    status, or why it could not start), then exits: 0, or 1 with the
//!    reason.
//!
//! The child, pid 1, before it becomes pkginit (it stays in the foreground:
//! if pid 1 of a pid namespace exits, the kernel ends every process in it):
//! a session of its own; new mount, IPC and UTS namespaces; every mount
//! made a slave (nothing it mounts reaches the node); pivot_root to the
//! package root and the old root detached; the layout's /proc (the node's
//! pid namespace) replaced by a /proc of its own pid namespace; the host
//! name (the package's /etc/hostname when it holds a valid name, else the
//! package's name); the marker /.pcue-package written when missing; the
//! bounding set cut to [`caps::KEEP`]; its own capabilities to
//! [`caps::PKGINIT`]; not dumpable.

use super::caps;
use crate::error::{Error, Result};
use crate::sys::{self, process};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

/// What the child becomes once the world is made: pkginit, given the
/// pipe to report on.
pub type Init<'a> = &'a mut dyn FnMut(File) -> Result<()>;

/// A valid host name: 1-64 of letters, digits, '-' and '.'.
pub fn valid_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && !s.starts_with(['-', '.'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Start package `name` whose checked root is `root` (its path `shown`).
/// In the starter: Ok(0) once pkginit reported "ok". In the child (pid 1):
/// whatever `init` returns, when it returns.
pub fn start(name: &str, root: OwnedFd, shown: &str, init: Init) -> Result<i32> {
    if let Some(i) = super::find(name, root.as_fd()) {
        return Err(Error::fail(format!(
            "package '{name}' is already running (pkginit pid {})",
            i.pid
        )));
    }
    std::fs::create_dir_all(super::RUN_DIR).map_err(|e| Error::io("make", super::RUN_DIR, &e))?;
    let (mut r, w) = process::pipe()?;
    sys::ns::unshare(sys::ns::Which::Pid)?;
    let child = match process::fork("pkginit")? {
        process::Forked::Child => {
            drop(r);
            return child(name, &root, shown, w, init);
        }
        process::Forked::Parent(c) => c,
    };
    drop(w);
    drop(root);
    let pf = super::pid_file(name);
    let tmp = pf.with_extension("pid.tmp");
    let wrote = std::fs::write(&tmp, format!("{child}\n")).and_then(|_| std::fs::rename(&tmp, &pf));
    let mut msg = String::new();
    let _ = r.read_to_string(&mut msg);
    if msg == "ok" {
        if let Err(e) = wrote {
            log::warn!("{}", Error::io("write", pf.display(), &e).msg);
        }
        return Ok(0);
    }
    let _ = std::fs::remove_file(&pf);
    std::thread::sleep(std::time::Duration::from_millis(10));
    process::reap_pid(child);
    Err(Error::fail(if msg.is_empty() {
        "pkginit died while starting".to_string()
    } else {
        msg
    }))
}

fn child(name: &str, root: &OwnedFd, shown: &str, mut w: File, init: Init) -> Result<i32> {
    match world(name, root, shown) {
        Ok(()) => {}
        Err(e) => {
            let _ = w.write_all(e.msg.as_bytes());
            return Err(Error::quiet(1));
        }
    }
    init(w)?;
    Ok(0)
}

/// Make the package's world around pid 1 (see the module text).
fn world(name: &str, root: &OwnedFd, shown: &str) -> Result<()> {
    process::setsid();
    sys::ns::unshare(sys::ns::Which::Rest)?;
    sys::ns::make_slave()?;
    sys::ns::pivot_to(root.as_fd(), shown)?;
    sys::ns::mount_own_proc()?;
    let own = sys::fs::read_text(Path::new("/etc/hostname"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| valid_hostname(s));
    sys::ns::set_hostname(own.as_deref().unwrap_or(name))?;
    let marker = Path::new("/").join(crate::package::identity::MARKER);
    if std::fs::symlink_metadata(&marker).is_err() {
        let _ = std::fs::write(&marker, format!("{name}\n"));
    }
    sys::ns::drop_bounding(caps::KEEP)?;
    sys::ns::limit_own(caps::PKGINIT)?;
    sys::ns::set_nondumpable()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert!(valid_hostname("pkg01"));
        assert!(valid_hostname("db.example-1"));
        assert!(!valid_hostname(""));
        assert!(!valid_hostname("-x"));
        assert!(!valid_hostname("a b"));
        assert!(!valid_hostname(&"x".repeat(65)));
    }
}
