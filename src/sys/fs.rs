//! Files and filesystems: stat and statvfs numbers in plain types, walks one
//! component at a time without following symlinks, the mount a descriptor
//! lies on, access(2) with the real ids, an inotify watch on a directory,
//! careful reads of files someone else may control, and a missing file made
//! with its mode, never through a symlink (utmp and wtmp for a package's init).

use nix::errno::Errno;
use nix::fcntl::{openat, OFlag};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use nix::sys::stat::{major, minor, FileStat, Mode, SFlag};
use std::ffi::OsStr;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// statvfs(2) numbers of one filesystem.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub block_size: u64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
}

/// What statvfs says about the filesystem holding `path` (block size =
/// f_frsize, or f_bsize when that is 0).
pub fn usage(path: &Path) -> Result<Usage, Errno> {
    let v = nix::sys::statvfs::statvfs(path)?;
    let frsize = v.fragment_size() as u64;
    Ok(Usage {
        block_size: if frsize != 0 {
            frsize
        } else {
            v.block_size() as u64
        },
        blocks: v.blocks() as u64,
        bfree: v.blocks_free() as u64,
        bavail: v.blocks_available() as u64,
        files: v.files() as u64,
        ffree: v.files_free() as u64,
    })
}

/// The device (major, minor) of the filesystem `path` is on, and whether
/// `path` itself is a block device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub dev: (u32, u32),
    pub is_block: bool,
    /// For a block device node, the device it stands for.
    pub rdev: (u32, u32),
}

/// stat(2), following symlinks.
pub fn node(path: &Path) -> Result<Node, Errno> {
    Ok(node_of(&nix::sys::stat::stat(path)?))
}

fn node_of(st: &FileStat) -> Node {
    let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
    Node {
        dev: (major(st.st_dev) as u32, minor(st.st_dev) as u32),
        is_block: kind == SFlag::S_IFBLK,
        rdev: (major(st.st_rdev) as u32, minor(st.st_rdev) as u32),
    }
}

/// A walk below a root directory by descriptors (O_PATH, never following
/// a symlink), one system call per component: the mechanism under
/// `df::resolve_in_root` for paths inside a package root.
pub struct InRoot {
    root: OwnedFd,
    cur: OwnedFd,
}

impl InRoot {
    /// Start at the directory `root`.
    pub fn open(root: &Path) -> Result<InRoot, Errno> {
        let root = open_at(None, root.as_os_str(), OFlag::O_DIRECTORY)?;
        let cur = root.try_clone().map_err(|_| Errno::EMFILE)?;
        Ok(InRoot { root, cur })
    }

    /// `name` in the current directory: a symlink's target (not entered),
    /// or None and it is entered.
    pub fn step(&mut self, name: &str) -> Result<Option<String>, Errno> {
        match nix::fcntl::readlinkat(Some(self.cur.as_raw_fd()), name) {
            Ok(t) => return Ok(Some(t.to_string_lossy().into_owned())),
            Err(Errno::EINVAL) => {}
            Err(e) => return Err(e),
        }
        self.cur = open_at(Some(self.cur.as_fd()), OsStr::new(name), OFlag::empty())?;
        Ok(None)
    }

    /// The parent of the current entry.
    pub fn up(&mut self) -> Result<(), Errno> {
        self.cur = open_at(Some(self.cur.as_fd()), OsStr::new(".."), OFlag::O_DIRECTORY)?;
        Ok(())
    }

    /// Back to the root.
    pub fn back_to_root(&mut self) -> Result<(), Errno> {
        self.cur = self.root.try_clone().map_err(|_| Errno::EMFILE)?;
        Ok(())
    }

    /// What `node` says of the current entry.
    pub fn node(&self) -> Result<Node, Errno> {
        Ok(node_of(&nix::sys::stat::fstat(self.cur.as_raw_fd())?))
    }
}

/// Whether our root directory is pid 1's, by comparing `/` with
/// `/proc/1/root` (device and inode). None when `/proc/1/root` may not be
/// followed (it needs ptrace rights on pid 1: root, or the same user).
pub fn same_root_as_init() -> Option<bool> {
    let own = nix::sys::stat::stat("/").ok()?;
    let init = nix::sys::stat::stat("/proc/1/root").ok()?;
    Some(own.st_dev == init.st_dev && own.st_ino == init.st_ino)
}

/// The type of a file, as far as the callers tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    Symlink,
    Regular,
    Other,
}

/// What fstat says, in plain numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub kind: Kind,
    pub uid: u32,
    pub gid: u32,
    /// The permission bits, set-id and sticky bits included (0o7777).
    pub mode: u32,
}

impl From<FileStat> for Stat {
    fn from(st: FileStat) -> Stat {
        let t = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
        let kind = if t == SFlag::S_IFDIR {
            Kind::Dir
        } else if t == SFlag::S_IFLNK {
            Kind::Symlink
        } else if t == SFlag::S_IFREG {
            Kind::Regular
        } else {
            Kind::Other
        };
        Stat {
            kind,
            uid: st.st_uid,
            gid: st.st_gid,
            mode: st.st_mode & 0o7777,
        }
    }
}

/// fstat(2) of an open descriptor (an O_PATH one too).
pub fn fstat(fd: BorrowedFd) -> Result<Stat, Errno> {
    nix::sys::stat::fstat(fd.as_raw_fd()).map(Stat::from)
}

/// What stat(2) says of a file that changes when the file does: device,
/// inode, mode, size, mtime and ctime (seconds, nanoseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ident {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub size: i64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

impl From<FileStat> for Ident {
    fn from(st: FileStat) -> Ident {
        Ident {
            dev: st.st_dev,
            ino: st.st_ino,
            mode: st.st_mode,
            size: st.st_size,
            mtime: (st.st_mtime, st.st_mtime_nsec),
            ctime: (st.st_ctime, st.st_ctime_nsec),
        }
    }
}

/// `Ident` of `path`, symlinks followed.
pub fn ident(path: &Path) -> Result<Ident, Errno> {
    nix::sys::stat::stat(path).map(Ident::from)
}

/// The mount ID of `path` (symlinks not followed) and whether it is the
/// root of its mount, from statx(2) (Linux 5.8): asked of the kernel, not
/// of a /proc file a mount could cover. None when it cannot say.
pub fn mount_of(path: &std::ffi::CStr) -> Option<(u64, bool)> {
    // SAFETY: an all-zero statx is a valid value of this plain C struct.
    let mut st: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: statx(2) with a NUL-terminated path and a buffer of the
    // kernel's struct, which it fills.
    let r = unsafe {
        libc::syscall(
            libc::SYS_statx,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
            libc::STATX_MNT_ID,
            &mut st as *mut libc::statx,
        )
    };
    if r != 0 || st.stx_mask & libc::STATX_MNT_ID == 0 {
        return None;
    }
    let known = st.stx_attributes_mask & libc::STATX_ATTR_MOUNT_ROOT as u64 != 0;
    let root = st.stx_attributes & libc::STATX_ATTR_MOUNT_ROOT as u64 != 0;
    known.then_some((st.stx_mnt_id, root))
}

/// Open `path` for reading, close-on-exec, in one system call: musl's
/// open(3) follows an O_CLOEXEC open with an fcntl(F_SETFD) (for kernels
/// before 2.6.23), which a reader of thousands of /proc files (pkgps) need
/// not pay each time.
pub fn open_read(path: &std::ffi::CStr) -> std::io::Result<File> {
    // SAFETY: openat(2) with a NUL-terminated path; the result is -1 or a
    // fresh descriptor that nothing else owns.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::O_RDONLY | libc::O_CLOEXEC | libc::O_LARGEFILE,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    Ok(unsafe { File::from_raw_fd(fd as i32) })
}

/// `Ident` of `rel` beneath the directory `dir`, symlinks followed: one
/// short path walk instead of the whole path's.
pub fn ident_at(dir: BorrowedFd, rel: &Path) -> Result<Ident, Errno> {
    nix::sys::stat::fstatat(Some(dir.as_raw_fd()), rel, nix::fcntl::AtFlags::empty())
        .map(Ident::from)
}

/// A directory opened for `ident_at` (O_PATH, symlinks followed).
pub fn open_dir(path: &Path) -> Result<OwnedFd, Errno> {
    let fd = nix::fcntl::open(
        path,
        OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    // SAFETY: open returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Open `name` (one path component) beneath `dir` (or `/` itself when `dir`
/// is None) as an O_PATH descriptor, never following a symlink: a symlink
/// comes back as itself, for the caller to see in `fstat` and refuse.
pub fn open_nofollow(dir: Option<BorrowedFd>, name: &OsStr) -> Result<OwnedFd, Errno> {
    open_at(dir, name, OFlag::empty())
}

/// The one openat behind `open_nofollow` and `InRoot`: O_PATH, O_NOFOLLOW,
/// O_CLOEXEC plus `extra`; `name` as bytes, never re-encoded.
fn open_at(dir: Option<BorrowedFd>, name: &OsStr, extra: OFlag) -> Result<OwnedFd, Errno> {
    let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | extra;
    let at = dir.map(|d| d.as_raw_fd()).unwrap_or(libc::AT_FDCWD);
    let fd = openat(Some(at), name, flags, Mode::empty())?;
    // SAFETY: openat returned a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The mount ID of the mount `fd` lies on (`mnt_id` in
/// /proc/self/fdinfo). For a directory that is a mount point it is the ID of
/// the mount whose root it is.
pub fn mount_id(fd: BorrowedFd) -> Option<u64> {
    statx_mount_id(fd).or_else(|| fdinfo_mount_id(fd))
}

/// The mount id by statx(2) (STATX_MNT_ID, Linux 5.8): one call where the
/// fdinfo file takes an open, reads and a close.
fn statx_mount_id(fd: BorrowedFd) -> Option<u64> {
    const STATX_MNT_ID: u32 = 0x1000;
    /// struct statx: 256 bytes; stx_mask at 0, stx_mnt_id at 144.
    #[repr(C, align(8))]
    struct Statx([u8; 256]);
    let mut buf = Statx([0; 256]);
    // SAFETY: statx of the descriptor itself (empty path, AT_EMPTY_PATH)
    // into a buffer of struct statx's size.
    let r = unsafe {
        libc::syscall(
            libc::SYS_statx,
            fd.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH,
            STATX_MNT_ID,
            buf.0.as_mut_ptr(),
        )
    };
    let mask = u32::from_ne_bytes(buf.0[0..4].try_into().ok()?);
    if r != 0 || mask & STATX_MNT_ID == 0 {
        return None;
    }
    Some(u64::from_ne_bytes(buf.0[144..152].try_into().ok()?))
}

fn fdinfo_mount_id(fd: BorrowedFd) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("mnt_id:"))
        .and_then(|v| v.trim().parse().ok())
}

/// access(2) for execution, with the real ids: whether the caller (not our
/// setuid self) may run `p`.
pub fn access_x(p: &Path) -> bool {
    nix::unistd::access(p, nix::unistd::AccessFlags::X_OK).is_ok()
}

/// (device, inode) of a path (following symlinks).
pub fn file_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// (device, inode) of an open file.
pub fn fd_id(f: &File) -> Option<(u64, u64)> {
    f.metadata().ok().map(|m| (m.dev(), m.ino()))
}

/// Whether `path` (following symlinks) is a FIFO.
pub fn is_fifo(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// An inotify watch on one directory for entries created, deleted, moved
/// or changed in their attributes.
pub struct DirWatch {
    ino: Inotify,
}

impl DirWatch {
    pub fn new(dir: &Path) -> super::Result<DirWatch> {
        let err = |e| super::Error::call("watch", dir.display(), e);
        let ino = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK).map_err(err)?;
        let mask = AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_DELETE
            | AddWatchFlags::IN_MOVED_FROM
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_ATTRIB;
        ino.add_watch(dir, mask).map_err(err)?;
        Ok(DirWatch { ino })
    }

    /// Swallow the pending events.
    pub fn drain(&self) {
        while self.ino.read_events().is_ok_and(|ev| !ev.is_empty()) {}
    }

    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.ino.as_fd()
    }
}

/// What a watch reports (`Watcher::add`): a directory's entries
/// created, deleted, moved in or out or changed in their attributes, and
/// the directory itself deleted or moved; or a file's content or
/// attributes changed, and the file deleted or moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    Dir,
    File,
}

/// One watch of a `Watcher`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WatchId(WatchDescriptor);

/// One event: the watch it came on (None: the queue overflowed, events
/// were lost) and the entry it names in a watched directory.
#[derive(Debug)]
pub struct WatchEvent {
    pub watch: Option<WatchId>,
    pub name: Option<std::ffi::OsString>,
}

/// An inotify instance holding many watches, read without blocking.
pub struct Watcher {
    ino: Inotify,
}

impl Watcher {
    pub fn new() -> Result<Watcher, Errno> {
        let ino = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)?;
        Ok(Watcher { ino })
    }

    /// Readable when events are queued.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.ino.as_fd()
    }

    /// Watch `path` (following a symlink it ends in). The same inode
    /// watched twice is one watch (its events the union of both kinds).
    pub fn add(&self, path: &Path, kind: WatchKind) -> Result<WatchId, Errno> {
        let mask = match kind {
            WatchKind::Dir => {
                AddWatchFlags::IN_CREATE
                    | AddWatchFlags::IN_DELETE
                    | AddWatchFlags::IN_MOVED_FROM
                    | AddWatchFlags::IN_MOVED_TO
                    | AddWatchFlags::IN_ATTRIB
            }
            WatchKind::File => AddWatchFlags::IN_MODIFY | AddWatchFlags::IN_ATTRIB,
        } | AddWatchFlags::IN_DELETE_SELF
            | AddWatchFlags::IN_MOVE_SELF
            | AddWatchFlags::from_bits_retain(libc::IN_MASK_ADD);
        self.ino.add_watch(path, mask).map(WatchId)
    }

    /// Every event queued now (none: an empty list); an error when the
    /// queue cannot be read.
    pub fn pending(&self) -> Result<Vec<WatchEvent>, Errno> {
        let mut out = Vec::new();
        loop {
            match self.ino.read_events() {
                Ok(evs) if evs.is_empty() => return Ok(out),
                Ok(evs) => out.extend(evs.into_iter().map(|e| WatchEvent {
                    watch:
                        (!e.mask.contains(AddWatchFlags::IN_Q_OVERFLOW)).then_some(WatchId(e.wd)),
                    name: e.name,
                })),
                Err(Errno::EAGAIN) => return Ok(out),
                Err(Errno::EINTR) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// This mount namespace's mount table, watched: the kernel flags the open
/// table (POLLPRI) when a mount or unmount changes it.
pub struct MountWatch {
    table: File,
}

impl MountWatch {
    /// A priority event (`fds::Want::Pri`) when the table changes.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.table.as_fd()
    }

    pub fn new() -> Result<MountWatch, Errno> {
        let table = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_CLOEXEC)
            .open("/proc/self/mountinfo")
            .map_err(|e| super::errno_of(&e))?;
        Ok(MountWatch { table })
    }

    /// Whether the table changed since the last call (or the open); true
    /// when that cannot be told.
    pub fn changed(&self) -> bool {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let mut fds = [PollFd::new(self.table.as_fd(), PollFlags::POLLPRI)];
        loop {
            match poll(&mut fds, PollTimeout::ZERO) {
                Err(Errno::EINTR) => {}
                Err(_) => return true,
                Ok(_) => {
                    return fds[0]
                        .revents()
                        .is_none_or(|r| r.intersects(PollFlags::POLLPRI | PollFlags::POLLERR))
                }
            }
        }
    }
}

/// Why someone other than us (or root) could plant, replace or rename a
/// name in directory `dir`: the first of `/` and each directory down to
/// `dir` that is not a real directory (a symlink), belongs to another
/// user, or that group or others may write to (sticky or not: a sticky
/// directory still lets anyone take a free name). None when only root and
/// we can.
pub fn open_to_others(dir: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = nix::unistd::geteuid().as_raw();
    let mut at = std::path::PathBuf::from("/");
    let check = |p: &Path| -> Option<String> {
        let m = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) => return Some(format!("'{}': {}", p.display(), super::errno_of(&e).desc())),
        };
        if !m.is_dir() {
            return Some(format!("'{}' is not a directory", p.display()));
        }
        if m.uid() != 0 && m.uid() != me {
            return Some(format!("'{}' belongs to uid {}", p.display(), m.uid()));
        }
        if m.mode() & 0o022 != 0 {
            return Some(format!(
                "'{}' is writable by others (mode {:04o})",
                p.display(),
                m.mode() & 0o7777
            ));
        }
        None
    };
    if let Some(why) = check(&at) {
        return Some(why);
    }
    for c in dir.components() {
        if let std::path::Component::Normal(n) = c {
            at.push(n);
            if let Some(why) = check(&at) {
                return Some(why);
            }
        }
    }
    None
}

/// The most a configuration file may hold: far above any real one (a
/// legacy control script is some 60 KiB), far below harm.
pub const CONFIG_MAX: u64 = 4 << 20;

/// The one reader for configuration files (cmcluster.conf, package files,
/// a layout, a package's passwd): a regular file (symlinks followed) of at
/// most `CONFIG_MAX` bytes. A FIFO, a device, a directory or a larger file
/// is an error ("not a regular file", "larger than N bytes"), found
/// without blocking: the open is non-blocking, and the type is checked
/// before the open (no device is opened) and again on the descriptor.
/// Bytes that are not UTF-8 (a Latin-1 comment in an old control script, a
/// Latin-1 GECOS) become U+FFFD instead of losing the whole file.
pub fn read_text(p: &Path) -> std::io::Result<String> {
    read_text_max(p, CONFIG_MAX)
}

/// `read_text` with another cap (the CIB's, which grows with the cluster).
pub fn read_text_max(p: &Path, cap: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::OpenOptionsExt;
    let not_regular = || Error::new(ErrorKind::InvalidData, "not a regular file");
    if !std::fs::metadata(p)?.is_file() {
        return Err(not_regular());
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(p)?;
    if !f.metadata()?.is_file() {
        return Err(not_regular());
    }
    let mut data = Vec::new();
    f.take(cap + 1).read_to_end(&mut data)?;
    if data.len() as u64 > cap {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {cap} bytes"),
        ));
    }
    Ok(String::from_utf8_lossy(&data).into_owned())
}

/// At most `cap` bytes of a regular file (a FIFO there does not block the
/// open), None for anything else or an unreadable one.
pub fn read_regular(path: &Path, cap: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .ok()?;
    if !f.metadata().ok()?.is_file() {
        return None;
    }
    let mut data = Vec::new();
    f.take(cap).read_to_end(&mut data).ok()?;
    Some(data)
}

/// At most `cap` bytes of a regular file owned by root, and whether there
/// was more. For files under a root someone else controls (a package's
/// /etc/passwd): a final symlink is not followed and a FIFO does not block
/// the open; either, a device, or a file another user owns is refused.
pub fn read_root_file(path: &Path, cap: usize) -> std::io::Result<(Vec<u8>, bool)> {
    read_root_file_meta(path, cap).map(|(d, more, _)| (d, more))
}

/// `read_root_file`, and the metadata of the very file read (fstat of its
/// descriptor).
pub fn read_root_file_meta(
    path: &Path,
    cap: usize,
) -> std::io::Result<(Vec<u8>, bool, std::fs::Metadata)> {
    use std::io::{Error, ErrorKind, Read};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let m = f.metadata()?;
    if !m.is_file() {
        return Err(Error::new(ErrorKind::InvalidData, "not a regular file"));
    }
    if m.uid() != 0 {
        return Err(Error::new(ErrorKind::InvalidData, "not owned by root"));
    }
    let mut data = Vec::with_capacity((m.len() as usize).min(cap) + 1);
    f.take(cap as u64 + 1).read_to_end(&mut data)?;
    let more = data.len() > cap;
    data.truncate(cap);
    Ok((data, more, m))
}

/// At most `cap` bytes of a file root alone may have written: opened
/// without following a final symlink (a FIFO does not block the open), a
/// regular file owned by root and not writable by group or others, as
/// the descriptor says. Anything else is an error saying why.
pub fn read_trusted(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    let m = f.metadata()?;
    let why = if !m.is_file() {
        Some("not a regular file".to_string())
    } else if m.uid() != 0 {
        Some(format!("owned by uid {}, not root", m.uid()))
    } else if m.mode() & 0o022 != 0 {
        Some(format!(
            "writable by group or others (mode {:04o})",
            m.mode() & 0o7777
        ))
    } else {
        None
    };
    if let Some(why) = why {
        return Err(Error::new(ErrorKind::InvalidData, why));
    }
    let mut data = Vec::new();
    f.take(cap + 1).read_to_end(&mut data)?;
    if data.len() as u64 > cap {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {cap} bytes"),
        ));
    }
    Ok(data)
}

/// Open an existing file without following a final symlink, close-on-exec:
/// for reading and writing, or for appending.
pub fn open_nofollow_rw(path: &Path, append: bool) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW);
    if append {
        o.append(true);
    } else {
        o.read(true).write(true);
    }
    o.open(path)
}

/// Create `path` with `mode` if it is missing; an existing file is left
/// as it is, and a symlink in its place is not followed (best effort: the
/// caller reports nothing, the writer of the records will).
pub fn create_missing(path: &Path, mode: u32) {
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(mode)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path);
}

/// The type (statfs f_type) of the filesystem holding `path`: how the
/// cgroup code tells a cgroup hierarchy from anything planted in its
/// place.
pub fn fs_type(path: &Path) -> Result<u64, Errno> {
    let s = nix::sys::statfs::statfs(path)?;
    Ok(s.filesystem_type().0 as u64)
}

/// The filesystem type (statfs magic) of an open file.
pub fn fd_fs_type(f: &File) -> Result<u64, Errno> {
    let s = nix::sys::statfs::fstatfs(f)?;
    Ok(s.filesystem_type().0 as u64)
}

/// An existing file opened for writing only, without following a final
/// symlink, close-on-exec (a cgroup interface file).
pub fn open_write_existing(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Write `data` in one write(2) (one value to a cgroup interface file).
pub fn write_once(mut f: &File, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let n = f.write(data)?;
    if n != data.len() {
        return Err(std::io::Error::from_raw_os_error(libc::EIO));
    }
    Ok(())
}

/// Write `data` in one write(2) to an existing file, opened without
/// following a final symlink (cgroup interface files: one value per write).
pub fn write_existing(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    let n = f.write(data)?;
    if n != data.len() {
        return Err(std::io::Error::from_raw_os_error(libc::EIO));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statx_gives_the_mount_id_fdinfo_gives() {
        for p in ["/", "/proc", "/dev"] {
            let fd = open_nofollow(None, OsStr::new(p)).unwrap();
            let via_statx = statx_mount_id(fd.as_fd());
            assert!(via_statx.is_some(), "statx STATX_MNT_ID on {p}");
            assert_eq!(via_statx, fdinfo_mount_id(fd.as_fd()), "{p}");
        }
        let root = open_nofollow(None, OsStr::new("/")).unwrap();
        let proc = open_nofollow(None, OsStr::new("/proc")).unwrap();
        assert_ne!(mount_id(root.as_fd()), mount_id(proc.as_fd()));
    }

    #[test]
    fn root_file_refuses_what_is_not_a_plain_root_file() {
        let d = std::env::temp_dir().join(format!("pcue-fs-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let plain = d.join("plain");
        std::fs::write(&plain, "root:x:0:0::/:/bin/sh\nuser:x:1:1::/:/bin/sh\n").unwrap();
        let own = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&plain).unwrap());
        if own == 0 {
            let (b, more) = read_root_file(&plain, 1 << 20).unwrap();
            assert_eq!((b.len(), more), (44, false));
            assert_eq!(
                read_root_file(&plain, 10).unwrap(),
                (b[..10].to_vec(), true)
            );
        } else {
            assert!(read_root_file(&plain, 1 << 20).is_err(), "owned by {own}");
        }
        // a FIFO nobody writes to: refused at once, not waited on
        let fifo = d.join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        assert!(read_root_file(&fifo, 1 << 20).is_err());
        assert_eq!(read_regular(&fifo, 1 << 20), None);
        assert_eq!(read_regular(&plain, 4).as_deref(), Some(&b"root"[..]));
        let link = d.join("link");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(read_root_file(&link, 1 << 20).is_err());
        assert!(read_root_file(Path::new("/dev/zero"), 1 << 20).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn fstat_tells_kinds_apart() {
        let d = std::env::temp_dir().join(format!("pcue-fs-kind-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::os::unix::fs::symlink("/", d.join("l")).unwrap();
        let dir = open_nofollow(None, d.as_os_str()).unwrap();
        assert_eq!(fstat(dir.as_fd()).unwrap().kind, Kind::Dir);
        let l = open_nofollow(Some(dir.as_fd()), OsStr::new("l")).unwrap();
        assert_eq!(fstat(l.as_fd()).unwrap().kind, Kind::Symlink);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn config_reads_are_bounded() {
        let d = std::env::temp_dir().join(format!("pcue-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let msg = |p: &Path| read_text(p).unwrap_err().to_string();
        let plain = d.join("plain");
        std::fs::write(&plain, b"SGCONF=/etc/cmcluster\n# r\xe9seau\n").unwrap();
        assert_eq!(
            read_text(&plain).unwrap(),
            "SGCONF=/etc/cmcluster\n# r\u{fffd}seau\n"
        );
        let fifo = d.join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        assert_eq!(msg(&fifo), "not a regular file");
        let zero = d.join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(msg(&zero), "not a regular file");
        assert_eq!(msg(&d), "not a regular file");
        let big = d.join("big");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(CONFIG_MAX + 1).unwrap();
        assert_eq!(msg(&big), format!("larger than {CONFIG_MAX} bytes"));
        f.set_len(CONFIG_MAX).unwrap();
        assert_eq!(read_text(&big).unwrap().len() as u64, CONFIG_MAX);
        assert_eq!(
            read_text(&d.join("none")).unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_root_whose_name_is_not_utf8_is_opened_as_it_is() {
        use std::os::unix::ffi::OsStrExt;
        let d = std::env::temp_dir().join(format!("pcue-fs-latin1-{}", std::process::id()));
        // "café" in Latin-1: not UTF-8, so a lossy conversion names another file
        let root = d.join(OsStr::from_bytes(b"caf\xe9"));
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(d.join("caf\u{fffd}")).unwrap();
        let mut w = InRoot::open(&root).unwrap();
        // the lossy twin has no etc: stepping in proves the real root was opened
        assert_eq!(w.step("etc").unwrap(), None);
        assert_eq!(w.node().unwrap(), node(&root.join("etc")).unwrap());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
