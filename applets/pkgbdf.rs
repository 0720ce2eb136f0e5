//! pkgbdf — package disk free: `bdf` for the filesystems of one package.

use crate::args;
use crate::error::{Error, Result};
use crate::logging;
use crate::package::identity::{self, Root};
use crate::procfs::mountinfo;
use crate::registry::{self, Config};
use crate::sys;
use crate::sys::Errno;
use crate::view::df::{self, Dev, MountView, Row, Select};
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

pub const HELP: &str = "\
NAME
    pkgbdf - package disk free
SYNOPSIS
    pkgbdf [-p pkg] [-b] [-i] [-l] [-t fstype] [filesystem|file]...
DESCRIPTION
    Report the size, used and available space of mounted filesystems in
    the form of bdf(1m), limited to the filesystems of a package and with
    their mount points as the package sees them. Any user may run it.
    Inside a package (a process whose root is a package root) pkgbdf shows
    the filesystems mounted at or below the package root, their mount
    points without the /<pkg> prefix: / for the root itself, then /usr,
    /var... The kernel already limits /proc/self/mountinfo to what lies
    below a process's root, so this needs no privilege.
    From the system context, -p pkg shows the same view of that package:
    its root comes from the registry (see pkglogin(8)), else it is
    <prefix>/<pkg>; pkgbdf takes the topmost mount on that root and every
    mount below it in the mount tree, and reads their numbers through the
    real paths. Whether the caller is in the system context is decided by
    comparing / with /proc/1/root when that may be followed (root), else
    by root-mount identity (see getcpkg(8)). Without -p in the system
    context pkgbdf shows every filesystem, as bdf does (\"degenerates to
    bdf\").
    The numbers are those df -k (GNU coreutils) prints for the same
    filesystems: 1K blocks from statvfs (f_frsize, or f_bsize when that
    is 0), rounded up; used is f_blocks - f_bfree; avail is f_bavail, the
    space left to users other than root; %used is used / (used + avail)
    rounded up, so blocks reserved for root count as neither used nor
    available and a filesystem full for users shows 100%. With -i, iused
    is f_files - f_ffree, ifree is f_ffree and %iuse is rounded up the
    same way; a filesystem without an inode count shows - there.
    Left out, as df leaves them out: pseudo filesystems (proc, sysfs,
    devpts, mqueue, debugfs, autofs, fusectl, rpc_pipefs...), filesystems
    of zero blocks (cgroup, securityfs, pstore...), mount points that
    cannot be read (permission denied, gone), and the second sight of one
    device (a bind mount of a filesystem already listed: the mount point
    nearer the root, a real device name, or the mount on top of an
    over-mounted point is the one shown). A filesystem named on the
    command line is shown even when it would be left out.
OPTIONS
    -p pkg  Show the filesystems of package pkg. Inside a package only its
        own name is accepted; another package cannot be seen from there.
    -b  Debugging: the context, the package root and why each mount was
        shown or left out, on stderr.
    -i  Add the inode columns iused, ifree and %iuse.
    -l  Local filesystems only. Remote are those df -l leaves out (a
        source of the form host:path, //host/share of type cifs, smb3 or
        smbfs; types afs, coda, ocfs2, gpfs, acfs, auristorfs, fhgfs,
        ibrix, vxfs) and also these types whatever their source: nfs,
        nfs4, cifs, smb3, smbfs, ncpfs, sshfs, fuse.sshfs, ceph,
        fuse.ceph, glusterfs, fuse.glusterfs, 9p, lustre, beegfs.
    -t fstype  Only filesystems of type fstype (may be repeated).
OPERANDS
    filesystem|file  Show only the filesystem holding this file, or
        mounted from this block device. Inside a package and with -p it is
        a package path: with -p it is resolved inside the package root
        (.. stops at the root, absolute symbolic links start again from
        it, a relative path starts at the root).
OUTPUT
    A header, then one line per filesystem:
        Filesystem          kbytes   used  avail %used Mounted on
    and with -i the columns iused, ifree and %iuse before Mounted on. The
    filesystem column is 19 characters wide; a longer device name is
    printed alone on its line and its numbers follow on the next line,
    indented to the kbytes column, as bdf does. Number columns are right
    aligned and widen to the widest number, so big filesystems keep the
    columns straight. The mount point is the last field and is never cut
    or wrapped: it can make a line long, never misalign one. Control
    characters in names are shown as ?.
EXIT STATUS
    0   Success.
    1   A file or filesystem operand could not be found or statted, a
        filesystem could not be read, the package has nothing mounted at
        or under its root, or nothing was left to show. The other
        filesystems are still printed.
    2   Bad arguments, or an invalid package name.
ENVIRONMENT
    The registry's variables, for -p: PCUE_SGCONF, PCUE_ROOT_PREFIX,
    PCUE_CMCLUSTER_CONF, PCUE_CMVIEWCL and SGSBIN, see pkglogin(8) (ignored
    when setuid).
FILES
    /proc/self/mountinfo, /proc/1/mountinfo
    /etc/cmcluster.conf, $SGCONF/<pkg>/
SEE ALSO
    bdf(1m), df(1), getcpkg(8), mkpcue(8)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// Disk free of a package.
struct Args {
    /// the package to show
    #[argh(option, short = 'p')]
    package: Option<String>,
    /// debugging diagnostics on stderr
    #[argh(switch, short = 'b')]
    debug: bool,
    /// add the inode columns
    #[argh(switch, short = 'i')]
    inodes: bool,
    /// local filesystems only
    #[argh(switch, short = 'l')]
    local: bool,
    /// only filesystems of this type
    #[argh(option, short = 't')]
    fstype: Vec<String>,
    /// a file or block device
    #[argh(positional)]
    paths: Vec<String>,
}

/// -b: a diagnostic line, built only when asked for (the loop over a
/// thousand mounts must not format lines nobody reads).
fn diag(msg: impl FnOnce() -> String) {
    if log::log_enabled!(log::Level::Debug) {
        log::debug!("{}", msg());
    }
}

/// An error that does not stop the others from being printed.
fn complain(e: Error, status: &mut i32) {
    logging::warn_and_go(&e);
    *status = 1;
}

/// Package paths resolved by descriptors below the root (linear, bounded).
struct Walker<'a>(&'a mut sys::fs::InRoot);

impl df::Walk for Walker<'_> {
    fn step(&mut self, name: &str) -> std::result::Result<Option<String>, sys::Errno> {
        self.0.step(name)
    }
    fn up(&mut self) -> std::result::Result<(), sys::Errno> {
        self.0.up()
    }
    fn back_to_root(&mut self) -> std::result::Result<(), sys::Errno> {
        self.0.back_to_root()
    }
}

/// The mounts this run looks at.
struct View {
    entries: Vec<MountView>,
    /// With -p from the system context: the package root's real path;
    /// operands are package paths below it.
    root: Option<String>,
}

impl View {
    /// The real path of a package path.
    fn real(&self, p: &str) -> PathBuf {
        match &self.root {
            Some(r) if p == "/" => PathBuf::from(r),
            Some(r) => PathBuf::from(format!("{r}{p}")),
            None => PathBuf::from(p),
        }
    }
}

const MOUNTINFO: &str = "/proc/self/mountinfo";

fn view(package: Option<&str>) -> Result<View> {
    let mounts =
        crate::procfs::mount_table(MOUNTINFO).map_err(|e| Error::io("read", MOUNTINFO, &e))?;
    let Some(pkg) = package else {
        diag(|| format!("context: {:?}", identity::root_identity()));
        return Ok(View {
            entries: df::system_view(mounts),
            root: None,
        });
    };
    crate::package::name::check(pkg)?;
    let ctx = identity::root_identity();
    diag(|| format!("context: {ctx:?}"));
    let own = match ctx {
        Ok(Root::System) => None,
        Ok(Root::Marker(name)) => Some(Some(name)),
        Ok(Root::MountPoint(mp)) => Some(identity::package_of_root(
            &mp,
            &crate::registry::Config::from_system(),
        )),
        Err(e) => {
            diag(|| format!("root identity unknown ({}): system context", e.msg));
            None
        }
    };
    if let Some(own) = own {
        return match own {
            Some(own) if own == pkg => Ok(View {
                entries: df::system_view(mounts),
                root: None,
            }),
            Some(own) => Err(Error::fail(format!(
                "can't show package '{pkg}' from inside package '{own}'"
            ))),
            None => Err(Error::fail(format!(
                "can't show package '{pkg}' from inside another root"
            ))),
        };
    }
    let cfg = Config::from_system();
    let root = registry::real_root(&cfg, pkg)?;
    let root = root.to_string_lossy().into_owned();
    diag(|| format!("package {pkg}: root {root}"));
    let entries = df::package_view(mounts, &root);
    if entries.is_empty() {
        return Err(Error::fail(format!(
            "nothing is mounted at or under '{root}' (package '{pkg}')"
        )));
    }
    Ok(View {
        entries,
        root: Some(root),
    })
}

fn dev_of(p: &Path) -> Option<Dev> {
    sys::fs::node(p).ok().map(|n| n.dev)
}

/// The device column: a name ending in a UUID that is a symlink shows the
/// device it leads to (`/dev/mapper/luks-<uuid>` → `/dev/dm-0`), as df does.
fn device_name(e: &MountView) -> String {
    let src = &e.mount.source;
    if df::has_uuid_suffix(src) {
        if let Ok(p) = fs::canonicalize(src) {
            return p.to_string_lossy().into_owned();
        }
    }
    src.clone()
}

struct Run {
    sel: Select,
    inodes: bool,
    rows: Vec<Row>,
    status: i32,
}

impl Run {
    /// Numbers for `e`, read through `stat_path`; `listed`: named on the
    /// command line (shown even when empty or pseudo).
    fn show(&mut self, e: &MountView, name: String, stat_path: &Path, shown: &str, listed: bool) {
        if let Some(why) = self.sel.skip(e, listed) {
            diag(|| format!("{}: left out: {why}", e.dir));
            return;
        }
        match sys::fs::usage(stat_path) {
            Err(err @ (Errno::EACCES | Errno::ENOENT)) if !listed => {
                diag(|| format!("{}: left out: {}", e.dir, err.desc()));
            }
            Err(err) => complain(Error::errno("statvfs", shown, err), &mut self.status),
            Ok(u) if u.blocks == 0 && !listed => {
                diag(|| format!("{}: left out: no blocks", e.dir));
            }
            Ok(u) => {
                diag(|| {
                    format!(
                        "{}: statvfs block size {} blocks {} free {} avail {} files {} free {}",
                        e.dir, u.block_size, u.blocks, u.bfree, u.bavail, u.files, u.ffree
                    )
                });
                self.rows.push(Row {
                    name,
                    cells: df::cells(&u, self.inodes),
                    dir: e.dir.clone(),
                });
            }
        }
    }

    fn all(&mut self, v: &View) {
        let (keep, fate) = df::dedupe(&v.entries, &self.sel, |e| dev_of(Path::new(&e.real)));
        for (e, f) in v.entries.iter().zip(&fate) {
            match f {
                df::Fate::DuplicateOf(o) => {
                    diag(|| format!("{}: left out: same device as {}", e.dir, v.entries[*o].dir))
                }
                df::Fate::ReplacedBy(o) => diag(|| {
                    format!(
                        "{}: left out: same device as {}, which wins",
                        e.dir, v.entries[*o].dir
                    )
                }),
                _ => {}
            }
        }
        for i in keep {
            let e = &v.entries[i];
            self.show(e, device_name(e), Path::new(&e.real), &e.dir, false);
        }
    }

    fn operand(&mut self, v: &View, arg: &str) {
        let resolved = match &v.root {
            Some(root) => sys::fs::InRoot::open(Path::new(root)).and_then(|mut w| {
                let p = df::resolve_in_root(arg, &mut Walker(&mut w))?;
                let real = v.real(&p);
                Ok((p, real, w.node()?))
            }),
            None => {
                let canon = fs::canonicalize(arg)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_else(|_| arg.to_string());
                sys::fs::node(Path::new(arg)).map(|n| (canon, PathBuf::from(arg), n))
            }
        };
        let (virt, real, node) = match resolved {
            Ok(r) => r,
            Err(e) => return complain(Error::errno("stat", arg, e), &mut self.status),
        };
        diag(|| format!("{arg}: package path {virt}, real {}", real.display()));
        let es = &v.entries;
        if node.is_block {
            let canon = fs::canonicalize(&real).ok();
            let names_it = |e: &MountView| {
                e.mount.dev == node.rdev
                    // only a path names a device ("tmpfs" is not one in our cwd)
                    || (canon.is_some()
                        && e.mount.source.starts_with('/')
                        && fs::canonicalize(&e.mount.source).ok() == canon)
            };
            match df::disk_match(es, names_it) {
                df::Disk::Mounted(i) => {
                    let e = &es[i];
                    return self.show(e, device_name(e), Path::new(&e.real), arg, true);
                }
                df::Disk::NotMounted => {}
                df::Disk::OverMounted => {
                    let msg = format!("can't access '{arg}': over-mounted by another device");
                    return complain(Error::fail(msg), &mut self.status);
                }
            }
        }
        let by_path = df::point_match(es, &virt)
            .filter(|&i| dev_of(Path::new(&es[i].real)) == Some(node.dev));
        let found = by_path.or_else(|| df::dev_match(es, node.dev, |e| dev_of(Path::new(&e.real))));
        match found {
            Some(i) => {
                let e = &es[i];
                self.show(e, device_name(e), &real, arg, true);
            }
            None => {
                // no mount entry claims it: df shows "-" and the directory
                // where the device changes
                let mp = df::mount_point_of(&virt, |p| dev_of(&v.real(p)));
                diag(|| format!("{arg}: no mount entry; mount point {mp}"));
                let m = mountinfo::Mount {
                    id: 0,
                    parent: 0,
                    dev: node.dev,
                    root: "/".into(),
                    mount_point: mp.clone(),
                    path: PathBuf::from(&mp),
                    options: String::new(),
                    fstype: "-".into(),
                    source: "-".into(),
                    super_options: String::new(),
                };
                let e = df::system_view(vec![m]).remove(0);
                self.show(&e, "-".into(), &real, arg, true);
            }
        }
    }
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = args::parse("pkgbdf", HELP, argv)?;
    if a.debug {
        logging::raise(log::LevelFilter::Debug);
    }
    let v = view(a.package.as_deref())?;
    let mut run = Run {
        sel: Select {
            local: a.local,
            types: a.fstype,
        },
        inodes: a.inodes,
        rows: Vec::new(),
        status: 0,
    };
    if a.paths.is_empty() {
        run.all(&v);
    } else {
        for p in &a.paths {
            run.operand(&v, p);
        }
    }
    if run.rows.is_empty() {
        if run.status == 0 {
            return Err(Error::fail("no file systems processed"));
        }
        return Ok(run.status);
    }
    let out = df::render(&run.rows, run.inodes);
    crate::out::write_all(out.as_bytes())?;
    crate::out::flush()?;
    Ok(run.status)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `-tb` is type `b`, as df reads it, not type `-b`.
    #[test]
    fn type_attached_to_its_flag() {
        let argv: Vec<OsString> = ["-tb", "-ilttmpfs", "/x"]
            .iter()
            .map(OsString::from)
            .collect();
        let a: Args = args::parse("pkgbdf", HELP, &argv).unwrap();
        assert_eq!(a.fstype, ["b", "tmpfs"]);
        assert!(a.local && a.inodes && !a.debug);
        assert_eq!(a.paths, ["/x"]);
    }
}
