//! Building a package root: a directory tree walked by file descriptors
//! (never following a symlink inside the root), things created under a
//! temporary name and renamed into place only when the name is free, and
//! mounts made on `/proc/self/fd/N` of the very mount point that was checked.

use crate::layout::{Node, Obs, Source, Type};
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Files larger than this are not read back for comparison.
const READ_MAX: i64 = 1 << 20;

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn cstr(s: &[u8]) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn openat(dir: RawFd, name: &CStr, flags: libc::c_int, mode: u32) -> io::Result<OwnedFd> {
    // SAFETY: name is a valid C string; the returned fd is owned by us.
    let fd = cvt(unsafe { libc::openat(dir, name.as_ptr(), flags | libc::O_CLOEXEC, mode) })?;
    // SAFETY: fd was just opened and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn proc_fd(fd: &OwnedFd) -> CString {
    // digits only: cannot hold a NUL
    CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap_or_default()
}

/// Every new file gets exactly the mode asked for.
pub fn clear_umask() {
    // SAFETY: umask has no preconditions.
    unsafe { libc::umask(0) };
}

/// Real and effective uid are both 0.
pub fn is_real_root() -> bool {
    // SAFETY: getuid/geteuid have no preconditions.
    unsafe { libc::getuid() == 0 && libc::geteuid() == 0 }
}

fn stat_at(dir: RawFd, name: &CStr, flags: libc::c_int) -> io::Result<libc::stat> {
    // SAFETY: an all-zero stat is a valid value to be overwritten.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: name is a valid C string and st a valid out pointer.
    cvt(unsafe { libc::fstatat(dir, name.as_ptr(), &mut st, flags) })?;
    Ok(st)
}

fn dev_of(st: &libc::stat) -> (u32, u32) {
    (libc::major(st.st_dev), libc::minor(st.st_dev))
}

/// A host path a bind mount would take (symlinks followed, as mount does).
pub fn source(path: &str) -> Option<Source> {
    let c = cstr(path.as_bytes()).ok()?;
    let st = stat_at(libc::AT_FDCWD, &c, 0).ok()?;
    Some(Source {
        is_dir: st.st_mode & libc::S_IFMT == libc::S_IFDIR,
        dev: dev_of(&st),
    })
}

/// A package root opened for work: every path below is relative to it.
pub struct Tree {
    fd: OwnedFd,
}

/// The directory an entry is in: the root itself, or one opened on the way.
struct Parent<'a> {
    own: Option<OwnedFd>,
    root: &'a OwnedFd,
}

impl AsRawFd for Parent<'_> {
    fn as_raw_fd(&self) -> RawFd {
        self.own.as_ref().unwrap_or(self.root).as_raw_fd()
    }
}

/// Why a path could not be reached.
pub enum Walk {
    Absent,
    Blocked(String),
    Err(io::Error),
}

impl Tree {
    /// Open `root` (an absolute path without symlinks the caller trusts).
    pub fn open(root: &Path) -> io::Result<Tree> {
        let c = cstr(root.as_os_str().as_bytes())?;
        let fd = openat(
            libc::AT_FDCWD,
            &c,
            libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW,
            0,
        )?;
        Ok(Tree { fd })
    }

    /// The directory holding `rel` (opened without following symlinks) and
    /// the last component.
    fn parent(&self, rel: &str) -> Result<(Parent<'_>, CString), Walk> {
        let mut parts: Vec<&str> = rel.split('/').collect();
        let leaf = parts.pop().unwrap_or("");
        let mut cur = Parent {
            own: None,
            root: &self.fd,
        };
        let mut walked = String::new();
        for p in parts {
            walked = if walked.is_empty() {
                p.to_string()
            } else {
                format!("{walked}/{p}")
            };
            let c = cstr(p.as_bytes()).map_err(Walk::Err)?;
            cur.own = Some(
                match openat(
                    cur.as_raw_fd(),
                    &c,
                    libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW,
                    0,
                ) {
                    Ok(fd) => fd,
                    Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Err(Walk::Absent),
                    Err(e) if matches!(e.raw_os_error(), Some(libc::ENOTDIR | libc::ELOOP)) => {
                        return Err(Walk::Blocked(format!(
                            "/{walked} is not a directory (a symlink or a file)"
                        )))
                    }
                    Err(e) => return Err(Walk::Err(e)),
                },
            );
        }
        Ok((cur, cstr(leaf.as_bytes()).map_err(Walk::Err)?))
    }

    fn parent_io(&self, rel: &str) -> io::Result<(Parent<'_>, CString)> {
        self.parent(rel).map_err(|w| match w {
            Walk::Absent => io::Error::from_raw_os_error(libc::ENOENT),
            Walk::Blocked(_) => io::Error::from_raw_os_error(libc::ENOTDIR),
            Walk::Err(e) => e,
        })
    }

    /// What is at `rel` ("" is the root). Regular files up to 1 MiB are
    /// read when `read` is set (symlinks are never followed).
    pub fn observe(&self, rel: &str, read: bool) -> Obs {
        let (dir, leaf, st) = if rel.is_empty() {
            let st = match stat_at(self.fd.as_raw_fd(), c"", libc::AT_EMPTY_PATH) {
                Ok(st) => st,
                Err(e) => return Obs::Blocked(crate::error::strerror_io(&e)),
            };
            (None, CString::default(), st)
        } else {
            let (dir, leaf) = match self.parent(rel) {
                Ok(x) => x,
                Err(Walk::Absent) => return Obs::Absent,
                Err(Walk::Blocked(why)) => return Obs::Blocked(why),
                Err(Walk::Err(e)) => return Obs::Blocked(crate::error::strerror_io(&e)),
            };
            match stat_at(dir.as_raw_fd(), &leaf, libc::AT_SYMLINK_NOFOLLOW) {
                Ok(st) => (Some(dir), leaf, st),
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Obs::Absent,
                Err(e) => return Obs::Blocked(crate::error::strerror_io(&e)),
            }
        };
        let typ = match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => Type::Dir,
            libc::S_IFREG => Type::File,
            libc::S_IFLNK => Type::Symlink,
            libc::S_IFIFO => Type::Fifo,
            _ => Type::Other,
        };
        let mut node = Node {
            typ,
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            target: None,
            data: None,
        };
        if let Some(dir) = dir {
            if typ == Type::Symlink {
                let mut buf = vec![0u8; 4096];
                // SAFETY: buf is valid for buf.len() bytes.
                let n = unsafe {
                    libc::readlinkat(
                        dir.as_raw_fd(),
                        leaf.as_ptr(),
                        buf.as_mut_ptr().cast(),
                        buf.len(),
                    )
                };
                if n >= 0 {
                    buf.truncate(n as usize);
                    node.target = Some(String::from_utf8_lossy(&buf).into_owned());
                }
            } else if typ == Type::File && read && st.st_size <= READ_MAX {
                let f = openat(
                    dir.as_raw_fd(),
                    &leaf,
                    libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK,
                    0,
                );
                if let Ok(f) = f {
                    let mut data = Vec::new();
                    if io::Read::read_to_end(&mut std::fs::File::from(f), &mut data).is_ok() {
                        node.data = Some(data);
                    }
                }
            }
        }
        Obs::Node(node)
    }

    /// A directory, made under a temporary name, owned and moded, then
    /// renamed into place only if the name is still free.
    pub fn mkdir(&self, rel: &str, mode: u32, uid: u32, gid: u32) -> io::Result<()> {
        self.create(rel, uid, gid, |dir, tmp| {
            // SAFETY: tmp is a valid C string.
            cvt(unsafe { libc::mkdirat(dir, tmp.as_ptr(), mode) }).map(drop)
        })
    }

    pub fn mkfifo(&self, rel: &str, mode: u32, uid: u32, gid: u32) -> io::Result<()> {
        self.create(rel, uid, gid, |dir, tmp| {
            // SAFETY: tmp is a valid C string.
            cvt(unsafe { libc::mknodat(dir, tmp.as_ptr(), libc::S_IFIFO | mode, 0) }).map(drop)
        })
    }

    pub fn symlink(&self, rel: &str, target: &str) -> io::Result<()> {
        let t = cstr(target.as_bytes())?;
        // SAFETY: geteuid/getegid have no preconditions.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        self.create(rel, uid, gid, |dir, tmp| {
            // SAFETY: both are valid C strings.
            cvt(unsafe { libc::symlinkat(t.as_ptr(), dir, tmp.as_ptr()) }).map(drop)
        })
    }

    /// An empty file 0644 to mount a file on.
    pub fn touch(&self, rel: &str) -> io::Result<()> {
        self.write_new(rel, 0o644, 0, 0, &[])
    }

    fn create(
        &self,
        rel: &str,
        uid: u32,
        gid: u32,
        make: impl FnOnce(RawFd, &CStr) -> io::Result<()>,
    ) -> io::Result<()> {
        let (dir, leaf) = self.parent_io(rel)?;
        // Owned by us as made (our ids, a parent without set-gid): making it
        // under its own name is already atomic, no temporary name needed.
        let parent = stat_at(dir.as_raw_fd(), c"", libc::AT_EMPTY_PATH)?;
        // SAFETY: geteuid/getegid have no preconditions.
        let ours = unsafe { (libc::geteuid(), libc::getegid()) } == (uid, gid);
        if ours && parent.st_mode & libc::S_ISGID == 0 {
            return make(dir.as_raw_fd(), &leaf);
        }
        let tmp = temp_name(&leaf)?;
        make(dir.as_raw_fd(), &tmp)?;
        let done = (|| {
            // SAFETY: tmp is a valid C string.
            cvt(unsafe {
                libc::fchownat(
                    dir.as_raw_fd(),
                    tmp.as_ptr(),
                    uid,
                    gid,
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            })?;
            rename_noreplace(dir.as_raw_fd(), &tmp, &leaf)
        })();
        if done.is_err() {
            remove_temp(dir.as_raw_fd(), &tmp);
        }
        done
    }

    /// A regular file with `data`, linked into place only if the name is
    /// free: an unnamed O_TMPFILE (a temporary name where the filesystem has
    /// none), so an interrupted run leaves nothing half-written behind.
    pub fn write_new(
        &self,
        rel: &str,
        mode: u32,
        uid: u32,
        gid: u32,
        data: &[u8],
    ) -> io::Result<()> {
        use std::io::Write;
        let (dir, leaf) = self.parent_io(rel)?;
        let d = dir.as_raw_fd();
        let (fd, tmp) = match openat(d, c".", libc::O_TMPFILE | libc::O_WRONLY, mode) {
            Ok(fd) => (fd, None),
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
                ) =>
            {
                let tmp = temp_name(&leaf)?;
                let fd = openat(
                    d,
                    &tmp,
                    libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW,
                    mode,
                )?;
                (fd, Some(tmp))
            }
            Err(e) => return Err(e),
        };
        let raw = fd.as_raw_fd();
        let mut file = std::fs::File::from(fd);
        let done = (|| {
            file.write_all(data)?;
            // SAFETY: raw is our open fd.
            cvt(unsafe { libc::fchown(raw, uid, gid) })?;
            // SAFETY: raw is our open fd (chown may have cleared set-id bits).
            cvt(unsafe { libc::fchmod(raw, mode) })?;
            file.sync_all()?;
            match &tmp {
                Some(tmp) => rename_noreplace(d, tmp, &leaf),
                None => {
                    let p = CString::new(format!("/proc/self/fd/{raw}")).unwrap_or_default();
                    // SAFETY: both names are valid C strings.
                    cvt(unsafe {
                        libc::linkat(
                            libc::AT_FDCWD,
                            p.as_ptr(),
                            d,
                            leaf.as_ptr(),
                            libc::AT_SYMLINK_FOLLOW,
                        )
                    })
                    .map(drop)
                }
            }
        })();
        if let (Err(_), Some(tmp)) = (&done, &tmp) {
            remove_temp(d, tmp);
        }
        done
    }

    /// The mount point `rel`, opened without following a symlink; it must be
    /// a directory or a regular file.
    fn target(&self, rel: &str) -> io::Result<OwnedFd> {
        let (dir, leaf) = self.parent_io(rel)?;
        let fd = openat(dir.as_raw_fd(), &leaf, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
        let st = stat_at(fd.as_raw_fd(), c"", libc::AT_EMPTY_PATH)?;
        match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR | libc::S_IFREG => Ok(fd),
            _ => Err(io::Error::from_raw_os_error(libc::ENOTDIR)),
        }
    }

    /// Bind `source` (a host path) onto `rel`, read-only if asked.
    pub fn bind(&self, rel: &str, source: &str, ro: bool) -> io::Result<()> {
        let t = self.target(rel)?;
        let src = cstr(source.as_bytes())?;
        mount(Some(&src), &proc_fd(&t), None, libc::MS_BIND, None)?;
        if ro {
            self.remount_ro(rel)?;
        }
        Ok(())
    }

    /// Make the bind mount on `rel` read-only, keeping its nosuid, nodev,
    /// noexec and atime flags (the kernel refuses to drop locked ones).
    pub fn remount_ro(&self, rel: &str) -> io::Result<()> {
        // opened again: the lookup now lands on the mount's root
        let t = self.target(rel)?;
        let p = proc_fd(&t);
        // SAFETY: an all-zero statvfs is a valid value to be overwritten.
        let mut sv: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: p is a valid C string and sv a valid out pointer.
        cvt(unsafe { libc::statvfs(p.as_ptr(), &mut sv) })?;
        let mut flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY;
        // the kernel's ST_* values (musl's libc crate lacks some)
        for (st, ms) in [
            (2, libc::MS_NOSUID),
            (4, libc::MS_NODEV),
            (8, libc::MS_NOEXEC),
            (1024, libc::MS_NOATIME),
            (2048, libc::MS_NODIRATIME),
            (4096, libc::MS_RELATIME),
        ] {
            if sv.f_flag & st != 0 {
                flags |= ms;
            }
        }
        mount(None, &p, None, flags, None)
    }

    /// A fresh filesystem on `rel`. `options` mixes mount flags (ro,
    /// nosuid, nodev, noexec, noatime, relatime) and filesystem data.
    pub fn mount(&self, rel: &str, fstype: &str, source: &str, options: &str) -> io::Result<()> {
        let t = self.target(rel)?;
        let (flags, data) = split_options(options);
        let fs = cstr(fstype.as_bytes())?;
        let src = cstr(source.as_bytes())?;
        let data = cstr(data.as_bytes())?;
        mount(Some(&src), &proc_fd(&t), Some(&fs), flags, Some(&data))
    }
}

/// Mount flags out of a comma list; the rest is filesystem data.
pub fn split_options(options: &str) -> (libc::c_ulong, String) {
    let mut flags = 0;
    let mut data = Vec::new();
    for o in options.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" => flags |= libc::MS_RDONLY,
            "rw" | "defaults" => {}
            "nosuid" => flags |= libc::MS_NOSUID,
            "nodev" => flags |= libc::MS_NODEV,
            "noexec" => flags |= libc::MS_NOEXEC,
            "noatime" => flags |= libc::MS_NOATIME,
            "relatime" => flags |= libc::MS_RELATIME,
            other => data.push(other),
        }
    }
    (flags, data.join(","))
}

fn mount(
    src: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: libc::c_ulong,
    data: Option<&CStr>,
) -> io::Result<()> {
    let p = |c: Option<&CStr>| c.map(|c| c.as_ptr()).unwrap_or(std::ptr::null());
    // SAFETY: every pointer is a valid C string or null, as mount(2) allows.
    cvt(unsafe { libc::mount(p(src), target.as_ptr(), p(fstype), flags, p(data).cast()) }).map(drop)
}

fn temp_name(leaf: &CStr) -> io::Result<CString> {
    let mut v = b".".to_vec();
    v.extend_from_slice(&leaf.to_bytes()[..leaf.to_bytes().len().min(200)]);
    v.extend_from_slice(format!(".mkpcue-{}", std::process::id()).as_bytes());
    cstr(&v)
}

fn remove_temp(dir: RawFd, tmp: &CStr) {
    // SAFETY: tmp is a valid C string; a name this run just made.
    unsafe {
        if libc::unlinkat(dir, tmp.as_ptr(), 0) != 0 {
            libc::unlinkat(dir, tmp.as_ptr(), libc::AT_REMOVEDIR);
        }
    }
}

fn rename_noreplace(dir: RawFd, from: &CStr, to: &CStr) -> io::Result<()> {
    // SAFETY: both names are valid C strings; renameat2 via syscall (musl
    // may lack the wrapper).
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            dir,
            from.as_ptr(),
            dir,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Make `root` (an existing directory) a mount point: bind it onto itself,
/// then make that mount private so what is mounted below stays there.
pub fn bind_self(root: &Path) -> io::Result<()> {
    let t = Tree::open(root)?;
    let p = proc_fd(&t.fd);
    mount(Some(&p), &p, None, libc::MS_BIND, None)?;
    let t = Tree::open(root)?;
    mount(None, &proc_fd(&t.fd), None, libc::MS_PRIVATE, None)
}

/// An exclusive lock on directory `dir`, held until the fd is dropped.
pub fn lock_dir(dir: &Path) -> io::Result<OwnedFd> {
    let c = cstr(dir.as_os_str().as_bytes())?;
    let fd = openat(libc::AT_FDCWD, &c, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
    // SAFETY: fd is our open descriptor.
    cvt(unsafe { libc::flock(fd.as_raw_fd(), libc::LOCK_EX) })?;
    Ok(fd)
}

/// `mkdir root 0755` (the parent is the host's; it must exist).
pub fn mkdir_root(root: &Path) -> io::Result<()> {
    let c = cstr(root.as_os_str().as_bytes())?;
    // SAFETY: c is a valid C string.
    cvt(unsafe { libc::mkdir(c.as_ptr(), 0o755) }).map(drop)
}

/// Unmount `path` (never following a symlink); lazily (MNT_DETACH) if asked.
pub fn umount(path: &Path, lazy: bool) -> io::Result<()> {
    let c = cstr(path.as_os_str().as_bytes())?;
    let flags = libc::UMOUNT_NOFOLLOW | if lazy { libc::MNT_DETACH } else { 0 };
    // SAFETY: c is a valid C string.
    cvt(unsafe { libc::umount2(c.as_ptr(), flags) }).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_split() {
        let (f, d) = split_options("nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_eq!(f, libc::MS_NOSUID | libc::MS_NOEXEC);
        assert_eq!(d, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_eq!(split_options("defaults"), (0, String::new()));
    }

    #[test]
    fn tree_without_privileges() {
        let d = std::env::temp_dir().join(format!("pcue-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let t = Tree::open(&d).unwrap();
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        t.mkdir("a", 0o750, uid, gid).unwrap();
        t.write_new("a/f", 0o640, uid, gid, b"hello\n").unwrap();
        assert_eq!(
            t.write_new("a/f", 0o600, uid, gid, b"other")
                .unwrap_err()
                .raw_os_error(),
            Some(libc::EEXIST),
            "an existing file is never replaced"
        );
        assert_eq!(std::fs::read(d.join("a/f")).unwrap(), b"hello\n");
        t.symlink("l", "/etc").unwrap();
        t.mkfifo("a/p", 0o640, uid, gid).unwrap();
        match t.observe("a/f", true) {
            Obs::Node(n) => {
                assert_eq!((n.typ, n.mode), (Type::File, 0o640));
                assert_eq!(n.data.as_deref(), Some(&b"hello\n"[..]));
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            t.observe("a/p", false),
            Obs::Node(Node {
                typ: Type::Fifo,
                ..
            })
        ));
        assert!(matches!(t.observe("a/none", false), Obs::Absent));
        // a walk never goes through the symlink to the host's /etc
        assert!(matches!(t.observe("l/passwd", false), Obs::Blocked(_)));
        assert!(t.write_new("l/x", 0o644, uid, gid, b"").is_err());
        match t.observe("l", false) {
            Obs::Node(n) => assert_eq!(n.target.as_deref(), Some("/etc")),
            o => panic!("{o:?}"),
        }
        // no temporary names left behind
        let names: Vec<_> = std::fs::read_dir(d.join("a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
