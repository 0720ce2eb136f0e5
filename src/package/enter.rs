//! Entering a package: the checks execsh and pkgnet share.
//!
//! 1. The name is a valid package name and the registry knows it (read from
//!    the Serviceguard files only: no external program runs as root).
//! 2. The root is reached from `/` one component at a time with
//!    O_PATH|O_NOFOLLOW, so a symlink planted anywhere on the way is seen and
//!    refused. Every directory above the root is owned by root and writable
//!    by nobody else, unless it is sticky (like `/tmp`: others cannot rename
//!    or remove what root put there). The root itself is owned by root, not
//!    writable by group or others, and a mount point (its mount ID differs
//!    from its parent's), which the package identity of getcpkg needs.
//! 3. fchdir to that very descriptor, chroot("."), chdir("/"): for the
//!    parent of a session (execsh reads the package's accounts and writes its
//!    utmp there) and root's plain-root maintenance entry; what runs in the
//!    package joins its namespaces (`crate::session`).

use crate::error::{Error, Result};
use crate::registry::Config;
use crate::sys::fs::{self as sysfs, Kind};
use crate::sys::process;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

/// A package we are about to enter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub root: PathBuf,
}

impl Target {
    /// `ctxROOT` inside the package: `/` followed by its name.
    pub fn ctx_root(&self) -> String {
        format!("/{}", self.name)
    }
}

/// Where execsh and pkgnet read the registry: the Serviceguard files,
/// never `cmviewcl` (no outside program runs as root for us).
pub fn config() -> Config {
    let mut cfg = Config::from_system();
    cfg.use_cmviewcl = false;
    cfg
}

/// Step 1: a valid name the registry knows.
/// The registry is read only as far as the package (`cfg`: see `config`).
pub fn lookup(name: &str, cfg: &Config) -> Result<Target> {
    crate::package::name::check(name).map_err(|e| Error::fail(e.msg))?;
    let p = crate::registry::scan(cfg)
        .find(|p| p.name == name)
        .ok_or_else(|| Error::fail(format!("unknown package '{name}'")))?;
    Ok(Target {
        name: p.name,
        root: p.root,
    })
}

/// Step 2: an O_PATH descriptor of the package root, every check passed.
pub fn open_root(root: &Path) -> Result<OwnedFd> {
    let shown = root.display().to_string();
    let mut comps = root.components();
    if comps.next() != Some(Component::RootDir) {
        return Err(Error::fail(format!(
            "package root '{shown}' is not an absolute path"
        )));
    }
    let names: Vec<&std::ffi::OsStr> = comps
        .map(|c| match c {
            Component::Normal(n) => Ok(n),
            _ => Err(Error::fail(format!(
                "package root '{shown}' has a '.' or '..' component"
            ))),
        })
        .collect::<Result<_>>()?;
    if names.is_empty() {
        return Err(Error::fail("package root '/' is the system's root"));
    }
    let mut dir = sysfs::open_nofollow(None, std::ffi::OsStr::new("/"))
        .map_err(|e| Error::errno("open", "/", e))?;
    check(&dir, Path::new("/"), false)?;
    let mut path = PathBuf::from("/");
    for (i, name) in names.iter().enumerate() {
        path.push(name);
        let next = sysfs::open_nofollow(Some(dir.as_fd()), name)
            .map_err(|e| Error::errno("open", path.display(), e))?;
        let last = i + 1 == names.len();
        check(&next, &path, last)?;
        if last {
            let (a, b) = (sysfs::mount_id(next.as_fd()), sysfs::mount_id(dir.as_fd()));
            match (a, b) {
                (Some(a), Some(b)) if a != b => {}
                (Some(_), Some(_)) => {
                    return Err(Error::fail(format!(
                        "package root '{shown}' is not a mount point"
                    )))
                }
                _ => {
                    return Err(Error::fail(format!(
                        "can't read the mount of '{shown}': /proc/self/fdinfo unreadable"
                    )))
                }
            }
        }
        dir = next;
    }
    Ok(dir)
}

fn check(fd: &OwnedFd, path: &Path, is_root: bool) -> Result<()> {
    let st = sysfs::fstat(fd.as_fd()).map_err(|e| Error::errno("stat", path.display(), e))?;
    let what = if is_root {
        format!("package root '{}'", path.display())
    } else {
        format!("'{}' above the package root", path.display())
    };
    match st.kind {
        Kind::Dir => {}
        Kind::Symlink => return Err(Error::fail(format!("{what} is a symbolic link"))),
        _ => return Err(Error::fail(format!("{what} is not a directory"))),
    }
    if st.uid != 0 {
        return Err(Error::fail(format!(
            "{what} is owned by uid {}, not root",
            st.uid
        )));
    }
    let writable = st.mode & 0o022 != 0;
    let sticky = st.mode & 0o1000 != 0;
    if writable && (is_root || !sticky) {
        return Err(Error::fail(format!(
            "{what} is writable by group or others (mode {:04o})",
            st.mode
        )));
    }
    Ok(())
}

/// Step 3: make the checked root our root.
pub fn enter(fd: &OwnedFd, t: &Target) -> Result<()> {
    process::chroot_fd(fd.as_fd(), &t.root.display().to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_paths_that_are_refused_before_any_open() {
        let msg = |p: &str| open_root(Path::new(p)).unwrap_err().msg;
        assert_eq!(msg("pkg01"), "package root 'pkg01' is not an absolute path");
        assert_eq!(msg("/"), "package root '/' is the system's root");
        assert_eq!(
            msg("/srv/../etc"),
            "package root '/srv/../etc' has a '.' or '..' component"
        );
        assert_eq!(
            msg("/nonexistent-pcue-root/pkg01"),
            "can't open '/nonexistent-pcue-root': No such file or directory"
        );
    }

    #[test]
    fn lookup_checks_the_name_first() {
        let cfg = Config {
            sgconf: "/nonexistent-pcue-sgconf".into(),
            sgsbin: Vec::new(),
            root_prefix: "/".into(),
            use_cmviewcl: false,
            unread: None,
            cib: None,
            index: None,
            conf_file: None,
        };
        assert_eq!(
            lookup("../x", &cfg).unwrap_err().msg,
            "invalid package name '../x': must start with a letter or digit"
        );
        assert_eq!(
            lookup("pkg01", &cfg).unwrap_err().msg,
            "unknown package 'pkg01'"
        );
        assert_eq!(
            Target {
                name: "pkg01".into(),
                root: "/srv/p".into()
            }
            .ctx_root(),
            "/pkg01"
        );
    }
}
