//! Building a package root: a directory tree walked by file descriptors
//! (never following a symlink inside the root), things created under a
//! temporary name and renamed into place only when the name is free, and
//! mounts made on `/proc/self/fd/N` of the very mount point that was checked.
//! Plain types only (`FileType`, `Found`, `HostPath`): the layout planner
//! takes them as they are.

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::mount::{MntFlags, MsFlags};
use nix::sys::stat::{fstatat, FileStat, Mode, SFlag};
use nix::unistd::{getegid, geteuid, Gid, Uid, UnlinkatFlags};
use nix::NixPath;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Files larger than this are not read back for comparison.
const READ_MAX: i64 = 1 << 20;

/// What kind of file an lstat found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Dir,
    File,
    Symlink,
    Fifo,
    Socket,
    Other,
}

impl std::fmt::Display for FileType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileType::Dir => "a directory",
            FileType::File => "a regular file",
            FileType::Symlink => "a symlink",
            FileType::Fifo => "a fifo",
            FileType::Socket => "a socket",
            FileType::Other => "a special file",
        })
    }
}

/// A file in the root as lstat saw it, with a symlink's target and a small
/// regular file's content when asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub typ: FileType,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub target: Option<String>,
    pub data: Option<Vec<u8>>,
}

/// A host path as a bind mount would take it (symlinks followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostPath {
    pub is_dir: bool,
    /// major, minor of the filesystem it is on.
    pub dev: (u32, u32),
}

fn mode(bits: u32) -> Mode {
    Mode::from_bits_truncate(bits)
}

fn cstr(s: &[u8]) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::from(Errno::EINVAL))
}

/// openat with O_CLOEXEC; `None` is the working directory.
fn openat<P: ?Sized + NixPath>(
    dir: Option<RawFd>,
    name: &P,
    flags: OFlag,
    perm: u32,
) -> nix::Result<OwnedFd> {
    let fd = nix::fcntl::openat(dir, name, flags | OFlag::O_CLOEXEC, mode(perm))?;
    // SAFETY: fd was just opened by openat and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn proc_fd(fd: &OwnedFd) -> CString {
    // digits only: cannot hold a NUL
    CString::new(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap_or_default()
}

fn stat_at<P: ?Sized + NixPath>(
    dir: Option<RawFd>,
    name: &P,
    flags: AtFlags,
) -> io::Result<FileStat> {
    Ok(fstatat(dir, name, flags)?)
}

fn file_type(st: &FileStat) -> FileType {
    match SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) {
        SFlag::S_IFDIR => FileType::Dir,
        SFlag::S_IFREG => FileType::File,
        SFlag::S_IFLNK => FileType::Symlink,
        SFlag::S_IFIFO => FileType::Fifo,
        SFlag::S_IFSOCK => FileType::Socket,
        _ => FileType::Other,
    }
}

/// A host path a bind mount would take (symlinks followed, as mount does).
pub fn host_path(path: &str) -> Option<HostPath> {
    let st = stat_at(None, path, AtFlags::empty()).ok()?;
    Some(HostPath {
        is_dir: file_type(&st) == FileType::Dir,
        dev: (libc::major(st.st_dev), libc::minor(st.st_dev)),
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
#[derive(Debug)]
pub enum Walk {
    Absent,
    Blocked(String),
    Err(io::Error),
}

/// Why a package root could not be opened.
#[derive(Debug)]
pub enum NoRoot {
    Missing,
    /// A symlink or not a directory.
    NotADirectory,
    Err(io::Error),
}

const DIR_PATH: OFlag = OFlag::O_PATH
    .union(OFlag::O_DIRECTORY)
    .union(OFlag::O_NOFOLLOW);

impl Tree {
    /// Open `root` (an absolute path without symlinks the caller trusts).
    pub fn open(root: &Path) -> io::Result<Tree> {
        let fd = openat(None, root, DIR_PATH, 0)?;
        Ok(Tree { fd })
    }

    /// `open`, telling a missing root and one that is not a directory (or is
    /// a symlink) from other failures.
    pub fn open_root(root: &Path) -> Result<Tree, NoRoot> {
        match openat(None, root, DIR_PATH, 0) {
            Ok(fd) => Ok(Tree { fd }),
            Err(Errno::ENOENT) => Err(NoRoot::Missing),
            Err(Errno::ELOOP | Errno::ENOTDIR) => Err(NoRoot::NotADirectory),
            Err(e) => Err(NoRoot::Err(e.into())),
        }
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
            cur.own = Some(match openat(Some(cur.as_raw_fd()), p, DIR_PATH, 0) {
                Ok(fd) => fd,
                Err(Errno::ENOENT) => return Err(Walk::Absent),
                Err(Errno::ENOTDIR | Errno::ELOOP) => {
                    return Err(Walk::Blocked(format!(
                        "/{walked} is not a directory (a symlink or a file)"
                    )))
                }
                Err(e) => return Err(Walk::Err(e.into())),
            });
        }
        Ok((cur, cstr(leaf.as_bytes()).map_err(Walk::Err)?))
    }

    fn parent_io(&self, rel: &str) -> io::Result<(Parent<'_>, CString)> {
        self.parent(rel).map_err(|w| match w {
            Walk::Absent => io::Error::from(Errno::ENOENT),
            Walk::Blocked(_) => io::Error::from(Errno::ENOTDIR),
            Walk::Err(e) => e,
        })
    }

    /// What is at `rel` ("" is the root). Regular files up to 1 MiB are
    /// read when `read` is set (symlinks are never followed).
    pub fn observe(&self, rel: &str, read: bool) -> Result<Found, Walk> {
        let (dir, leaf, st) = if rel.is_empty() {
            let st = stat_at(Some(self.fd.as_raw_fd()), "", AtFlags::AT_EMPTY_PATH)
                .map_err(Walk::Err)?;
            (None, CString::default(), st)
        } else {
            let (dir, leaf) = self.parent(rel)?;
            match stat_at(
                Some(dir.as_raw_fd()),
                leaf.as_c_str(),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            ) {
                Ok(st) => (Some(dir), leaf, st),
                Err(e) if e.raw_os_error() == Some(Errno::ENOENT as i32) => {
                    return Err(Walk::Absent)
                }
                Err(e) => return Err(Walk::Err(e)),
            }
        };
        let typ = file_type(&st);
        let mut found = Found {
            typ,
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            target: None,
            data: None,
        };
        if let Some(dir) = dir {
            if typ == FileType::Symlink {
                if let Ok(t) = nix::fcntl::readlinkat(Some(dir.as_raw_fd()), leaf.as_c_str()) {
                    found.target = Some(String::from_utf8_lossy(t.as_bytes()).into_owned());
                }
            } else if typ == FileType::File && read && st.st_size <= READ_MAX {
                let f = openat(
                    Some(dir.as_raw_fd()),
                    leaf.as_c_str(),
                    OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK,
                    0,
                );
                if let Ok(f) = f {
                    let mut data = Vec::new();
                    if io::Read::read_to_end(&mut std::fs::File::from(f), &mut data).is_ok() {
                        found.data = Some(data);
                    }
                }
            }
        }
        Ok(found)
    }

    /// A directory, made under a temporary name, owned and moded, then
    /// renamed into place only if the name is still free.
    pub fn mkdir(&self, rel: &str, perm: u32, uid: u32, gid: u32) -> io::Result<()> {
        self.create(rel, uid, gid, |dir, tmp| {
            Ok(nix::sys::stat::mkdirat(Some(dir), tmp, mode(perm))?)
        })
    }

    pub fn mkfifo(&self, rel: &str, perm: u32, uid: u32, gid: u32) -> io::Result<()> {
        self.create(rel, uid, gid, |dir, tmp| {
            Ok(nix::sys::stat::mknodat(
                Some(dir),
                tmp,
                SFlag::S_IFIFO,
                mode(perm),
                0,
            )?)
        })
    }

    /// A FIFO made anew over what is at `rel` (a symlink, or a FIFO that is
    /// not the layout's): made under a temporary name and renamed over it,
    /// so the name never points anywhere else meanwhile. Only a symlink or
    /// a FIFO is replaced; anything else there now is an error (EEXIST).
    pub fn mkfifo_over(&self, rel: &str, perm: u32, uid: u32, gid: u32) -> io::Result<()> {
        let (dir, leaf) = self.parent_io(rel)?;
        let d = dir.as_raw_fd();
        let st = stat_at(Some(d), leaf.as_c_str(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
        let fmt = st.st_mode & SFlag::S_IFMT.bits();
        if fmt != SFlag::S_IFLNK.bits() && fmt != SFlag::S_IFIFO.bits() {
            return Err(io::Error::from_raw_os_error(libc::EEXIST));
        }
        let tmp = temp_name(&leaf)?;
        nix::sys::stat::mknodat(Some(d), tmp.as_c_str(), SFlag::S_IFIFO, mode(perm), 0)?;
        let done = (|| {
            nix::unistd::fchownat(
                Some(d),
                tmp.as_c_str(),
                Some(Uid::from_raw(uid)),
                Some(Gid::from_raw(gid)),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            )?;
            nix::fcntl::renameat(Some(d), tmp.as_c_str(), Some(d), leaf.as_c_str())?;
            Ok(())
        })();
        if done.is_err() {
            remove_temp(d, &tmp);
        }
        done
    }

    pub fn symlink(&self, rel: &str, target: &str) -> io::Result<()> {
        let t = cstr(target.as_bytes())?;
        let (uid, gid) = (geteuid().as_raw(), getegid().as_raw());
        self.create(rel, uid, gid, |dir, tmp| {
            Ok(nix::unistd::symlinkat(t.as_c_str(), Some(dir), tmp)?)
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
        let parent = stat_at(Some(dir.as_raw_fd()), "", AtFlags::AT_EMPTY_PATH)?;
        let ours = (geteuid().as_raw(), getegid().as_raw()) == (uid, gid);
        if ours && parent.st_mode & Mode::S_ISGID.bits() == 0 {
            return make(dir.as_raw_fd(), &leaf);
        }
        let tmp = temp_name(&leaf)?;
        make(dir.as_raw_fd(), &tmp)?;
        let done = (|| {
            nix::unistd::fchownat(
                Some(dir.as_raw_fd()),
                tmp.as_c_str(),
                Some(Uid::from_raw(uid)),
                Some(Gid::from_raw(gid)),
                AtFlags::AT_SYMLINK_NOFOLLOW,
            )?;
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
        perm: u32,
        uid: u32,
        gid: u32,
        data: &[u8],
    ) -> io::Result<()> {
        use std::io::Write;
        let (dir, leaf) = self.parent_io(rel)?;
        let d = dir.as_raw_fd();
        let (fd, tmp) = match openat(Some(d), ".", OFlag::O_TMPFILE | OFlag::O_WRONLY, perm) {
            Ok(fd) => (fd, None),
            Err(Errno::EOPNOTSUPP | Errno::EISDIR | Errno::EINVAL) => {
                let tmp = temp_name(&leaf)?;
                let fd = openat(
                    Some(d),
                    tmp.as_c_str(),
                    OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW,
                    perm,
                )?;
                (fd, Some(tmp))
            }
            Err(e) => return Err(e.into()),
        };
        let raw = fd.as_raw_fd();
        let mut file = std::fs::File::from(fd);
        let done = (|| {
            file.write_all(data)?;
            nix::unistd::fchown(raw, Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)))?;
            // chown may have cleared set-id bits
            nix::sys::stat::fchmod(raw, mode(perm))?;
            file.sync_all()?;
            match &tmp {
                Some(tmp) => rename_noreplace(d, tmp, &leaf),
                None => {
                    let p = CString::new(format!("/proc/self/fd/{raw}")).unwrap_or_default();
                    Ok(nix::unistd::linkat(
                        None,
                        p.as_c_str(),
                        Some(d),
                        leaf.as_c_str(),
                        AtFlags::AT_SYMLINK_FOLLOW,
                    )?)
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
        let fd = openat(
            Some(dir.as_raw_fd()),
            leaf.as_c_str(),
            OFlag::O_PATH | OFlag::O_NOFOLLOW,
            0,
        )?;
        let st = stat_at(Some(fd.as_raw_fd()), "", AtFlags::AT_EMPTY_PATH)?;
        match file_type(&st) {
            FileType::Dir | FileType::File => Ok(fd),
            _ => Err(io::Error::from(Errno::ENOTDIR)),
        }
    }

    /// Bind `source` (a host path) onto `rel`, read-only and without
    /// device files (nodev) if asked.
    pub fn bind(&self, rel: &str, source: &str, ro: bool, nodev: bool) -> io::Result<()> {
        let t = self.target(rel)?;
        mount(Some(source), &proc_fd(&t), None, MsFlags::MS_BIND, None)?;
        if ro || nodev {
            self.remount(rel, ro, nodev)?;
        }
        Ok(())
    }

    /// Make the bind mount on `rel` read-only and/or nodev, keeping the
    /// flags it has (read-only, nosuid, nodev, noexec, atime: the kernel
    /// refuses to drop locked ones).
    pub fn remount(&self, rel: &str, ro: bool, nodev: bool) -> io::Result<()> {
        // opened again: the lookup now lands on the mount's root
        let t = self.target(rel)?;
        let p = proc_fd(&t);
        let sv = nix::sys::statvfs::statvfs(p.as_c_str())?;
        let mut flags = MsFlags::MS_REMOUNT | MsFlags::MS_BIND;
        if ro {
            flags |= MsFlags::MS_RDONLY;
        }
        if nodev {
            flags |= MsFlags::MS_NODEV;
        }
        // the kernel's ST_* values (musl's libc crate lacks some)
        for (st, ms) in [
            (1, MsFlags::MS_RDONLY),
            (2, MsFlags::MS_NOSUID),
            (4, MsFlags::MS_NODEV),
            (8, MsFlags::MS_NOEXEC),
            (1024, MsFlags::MS_NOATIME),
            (2048, MsFlags::MS_NODIRATIME),
            (4096, MsFlags::MS_RELATIME),
        ] {
            if sv.flags().bits() & st != 0 {
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
        mount(
            Some(source),
            &proc_fd(&t),
            Some(fstype),
            flags,
            Some(data.as_str()),
        )
    }
}

/// Mount flags out of a comma list; the rest is filesystem data.
pub fn split_options(options: &str) -> (MsFlags, String) {
    let mut flags = MsFlags::empty();
    let mut data = Vec::new();
    for o in options.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" => flags |= MsFlags::MS_RDONLY,
            "rw" | "defaults" => {}
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            "noatime" => flags |= MsFlags::MS_NOATIME,
            "relatime" => flags |= MsFlags::MS_RELATIME,
            other => data.push(other),
        }
    }
    (flags, data.join(","))
}

fn mount(
    src: Option<&str>,
    target: &CStr,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
) -> io::Result<()> {
    Ok(nix::mount::mount(src, target, fstype, flags, data)?)
}

fn temp_name(leaf: &CStr) -> io::Result<CString> {
    let mut v = b".".to_vec();
    v.extend_from_slice(&leaf.to_bytes()[..leaf.to_bytes().len().min(200)]);
    v.extend_from_slice(format!(".mkpcue-{}", std::process::id()).as_bytes());
    cstr(&v)
}

/// Remove a name this run just made (a file, else a directory).
fn remove_temp(dir: RawFd, tmp: &CStr) {
    if nix::unistd::unlinkat(Some(dir), tmp, UnlinkatFlags::NoRemoveDir).is_err() {
        let _ = nix::unistd::unlinkat(Some(dir), tmp, UnlinkatFlags::RemoveDir);
    }
}

fn rename_noreplace(dir: RawFd, from: &CStr, to: &CStr) -> io::Result<()> {
    // SAFETY: both names are valid C strings and dir an open directory;
    // renameat2 via syscall because nix offers it on glibc only and musl may
    // lack the wrapper.
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
    nix::mount::mount(
        Some(p.as_c_str()),
        p.as_c_str(),
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )?;
    let t = Tree::open(root)?;
    mount(None, &proc_fd(&t.fd), None, MsFlags::MS_PRIVATE, None)
}

/// `mkdir root 0755` (the parent is the host's; it must exist).
pub fn mkdir_root(root: &Path) -> io::Result<()> {
    Ok(nix::unistd::mkdir(root, mode(0o755))?)
}

/// What became of an unmount that did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unmounted {
    Done,
    /// Not a mount point (any more: gone with a lazily detached parent).
    Gone,
    Busy,
}

/// Unmount `path` (never following a symlink); lazily (MNT_DETACH) if asked.
pub fn umount(path: &Path, lazy: bool) -> io::Result<Unmounted> {
    let mut flags = MntFlags::UMOUNT_NOFOLLOW;
    if lazy {
        flags |= MntFlags::MNT_DETACH;
    }
    match nix::mount::umount2(path, flags) {
        Ok(()) => Ok(Unmounted::Done),
        Err(Errno::EINVAL) => Ok(Unmounted::Gone),
        Err(Errno::EBUSY) => Ok(Unmounted::Busy),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_split() {
        let (f, d) = split_options("nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_eq!(f, MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC);
        assert_eq!(d, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_eq!(split_options("defaults"), (MsFlags::empty(), String::new()));
    }

    #[test]
    fn tree_without_privileges() {
        let d = std::env::temp_dir().join(format!("pcue-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let t = Tree::open(&d).unwrap();
        let (uid, gid) = (
            nix::unistd::getuid().as_raw(),
            nix::unistd::getgid().as_raw(),
        );
        t.mkdir("a", 0o750, uid, gid).unwrap();
        t.write_new("a/f", 0o640, uid, gid, b"hello\n").unwrap();
        assert_eq!(
            t.write_new("a/f", 0o600, uid, gid, b"other")
                .unwrap_err()
                .raw_os_error(),
            Some(Errno::EEXIST as i32),
            "an existing file is never replaced"
        );
        assert_eq!(std::fs::read(d.join("a/f")).unwrap(), b"hello\n");
        t.symlink("l", "/etc").unwrap();
        t.mkfifo("a/p", 0o640, uid, gid).unwrap();
        match t.observe("a/f", true) {
            Ok(n) => {
                assert_eq!((n.typ, n.mode), (FileType::File, 0o640));
                assert_eq!(n.data.as_deref(), Some(&b"hello\n"[..]));
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            t.observe("a/p", false),
            Ok(Found {
                typ: FileType::Fifo,
                ..
            })
        ));
        assert!(matches!(t.observe("a/none", false), Err(Walk::Absent)));
        // a walk never goes through the symlink to the host's /etc
        assert!(matches!(
            t.observe("l/passwd", false),
            Err(Walk::Blocked(_))
        ));
        assert!(t.write_new("l/x", 0o644, uid, gid, b"").is_err());
        match t.observe("l", false) {
            Ok(n) => assert_eq!(n.target.as_deref(), Some("/etc")),
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
