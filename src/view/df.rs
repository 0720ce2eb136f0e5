//! What `df -k` (GNU coreutils) would print, as pure functions: which mounts
//! it lists, how it turns statvfs numbers into 1K blocks and percentages,
//! and pkgbdf's view of one package (its mounts, the `/<pkg>` prefix gone).
//!
//! The facts followed here (coreutils df.c, gnulib mountlist.c/fsusage.c):
//! - Block size is `f_frsize` (`f_bsize` when 0). Size is `f_blocks`, used is
//!   `f_blocks - f_bfree` (what root sees as used), avail is `f_bavail` (what
//!   others may still use; negative when its top bit is set). Converting
//!   to 1K blocks rounds *up*.
//! - Use% is `used*100 / (used + avail)` rounded up, in filesystem blocks:
//!   the reserved blocks count neither as used nor as available, so a full
//!   ext4 shows 100% while `f_bfree` is still positive. `-` when the sum is 0.
//! - Inodes: total `f_files`, free `f_ffree`, used the difference, IUse%
//!   rounded up the same way.
//! - Left out: dummy types (autofs, proc, subfs, debugfs, devpts, fusectl,
//!   fuse.portal, mqueue, rpc_pipefs, sysfs, devfs, kernfs), filesystems of
//!   0 blocks (cgroup, securityfs...), relative mount points, and duplicates
//!   of one device (by the st_dev of the mount point): a source with a '/'
//!   beats one without, a mount point nearer the root beats a longer one
//!   (unless its source is deeper inside the device), a different source on
//!   the same mount point (over-mounted) beats the one below. Unreadable
//!   mount points (EACCES, ENOENT) are skipped silently.

use crate::procfs::mountinfo::Mount;
use std::collections::HashMap;
use std::path::PathBuf;

/// A device number as (major, minor).
pub type Dev = (u32, u32);

/// statvfs(2) numbers of one filesystem (the type lives in the sys layer).
pub use crate::sys::fs::Usage;

/// Pseudo filesystems df leaves out (gnulib's ME_DUMMY on Linux).
pub fn is_dummy(fstype: &str) -> bool {
    matches!(
        fstype,
        "autofs"
            | "proc"
            | "subfs"
            | "debugfs"
            | "devpts"
            | "fusectl"
            | "fuse.portal"
            | "mqueue"
            | "rpc_pipefs"
            | "sysfs"
            | "devfs"
            | "kernfs"
            | "none"
    )
}

/// gnulib's ME_REMOTE: a source with a ':' (`host:/path`, `mon:6789:/`), a
/// `//host/share` of type smbfs/smb3/cifs, a cluster filesystem type, or
/// autofs's `-hosts`.
pub fn is_remote(source: &str, fstype: &str) -> bool {
    source.contains(':')
        || (source.starts_with("//") && matches!(fstype, "smbfs" | "smb3" | "cifs"))
        || matches!(
            fstype,
            "acfs" | "afs" | "coda" | "auristorfs" | "fhgfs" | "gpfs" | "ibrix" | "ocfs2" | "vxfs"
        )
        || source == "-hosts"
}

/// Types pkgbdf -l also treats as remote whatever their source looks like.
pub const NETWORK_TYPES: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ncpfs",
    "afs",
    "sshfs",
    "fuse.sshfs",
    "ceph",
    "fuse.ceph",
    "glusterfs",
    "fuse.glusterfs",
    "9p",
    "lustre",
    "beegfs",
];

/// One mount as the viewer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountView {
    pub mount: Mount,
    /// The mount point shown (inside a package view: without the prefix).
    pub dir: String,
    /// The path to stat and statvfs (the real one, byte for byte).
    pub real: PathBuf,
    pub dummy: bool,
    /// gnulib's notion (it decides duplicates).
    pub remote: bool,
}

impl MountView {
    fn new(mount: Mount, dir: String) -> MountView {
        let dummy = is_dummy(&mount.fstype);
        let remote = is_remote(&mount.source, &mount.fstype);
        let real = mount.path.clone();
        MountView {
            mount,
            dir,
            real,
            dummy,
            remote,
        }
    }

    /// Not local for `-l`: remote by gnulib's rule or a network type.
    pub fn nonlocal(&self) -> bool {
        self.remote || NETWORK_TYPES.contains(&self.mount.fstype.as_str())
    }
}

/// Every mount, as it stands (the system context, or inside a package where
/// the kernel already shows only the package's subtree).
pub fn system_view(mounts: Vec<Mount>) -> Vec<MountView> {
    mounts
        .into_iter()
        .map(|m| {
            let dir = m.mount_point.clone();
            MountView::new(m, dir)
        })
        .collect()
}

/// `mount_point` seen from a process whose root is `root`: `/` for the root
/// itself, the rest without the prefix, None outside it.
pub fn strip_root(root: &str, mount_point: &str) -> Option<String> {
    let root = root.trim_end_matches('/');
    if mount_point == root || (root.is_empty() && mount_point == "/") {
        return Some("/".into());
    }
    let rest = mount_point.strip_prefix(root)?;
    rest.starts_with('/').then(|| rest.to_string())
}

/// The package whose root is `root` as a process chrooted there sees it:
/// the topmost mount on `root` and every mount whose parent chain reaches
/// it (what the kernel lists in such a process's /proc/self/mountinfo),
/// mount points stripped of the prefix. When nothing is mounted on `root`
/// itself, the mounts below it by path. Empty when there are none.
pub fn package_view(mounts: Vec<Mount>, root: &str) -> Vec<MountView> {
    let root = root.trim_end_matches('/');
    let top = mounts
        .iter()
        .rev()
        .find(|m| m.mount_point == root)
        .map(|m| m.id);
    let parent: HashMap<u64, u64> = mounts.iter().map(|m| (m.id, m.parent)).collect();
    let under_top = |m: &Mount| -> bool {
        let Some(top) = top else { return false };
        let mut id = m.id;
        // a parent chain is no longer than the table
        for _ in 0..=mounts.len() {
            if id == top {
                return true;
            }
            match parent.get(&id) {
                Some(&p) if p != id => id = p,
                _ => return false,
            }
        }
        false
    };
    let keep: Vec<bool> = mounts
        .iter()
        .map(|m| {
            if top.is_some() {
                under_top(m)
            } else {
                m.mount_point.len() > root.len() && strip_root(root, &m.mount_point).is_some()
            }
        })
        .collect();
    mounts
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .filter_map(|(m, _)| {
            let dir = strip_root(root, &m.mount_point)?;
            Some(MountView::new(m, dir))
        })
        .collect()
}

/// `-l` and `-t`.
#[derive(Clone, Debug, Default)]
pub struct Select {
    pub local: bool,
    /// Empty: every type.
    pub types: Vec<String>,
}

impl Select {
    pub fn type_ok(&self, fstype: &str) -> bool {
        self.types.is_empty() || self.types.iter().any(|t| t == fstype)
    }

    /// Why `e` is not listed (before its numbers are known), or None.
    /// `listed`: named on the command line (pseudo filesystems are shown).
    pub fn skip(&self, e: &MountView, listed: bool) -> Option<&'static str> {
        if self.local && e.nonlocal() {
            Some("remote")
        } else if e.dummy && !listed {
            Some("pseudo filesystem")
        } else if !self.type_ok(&e.mount.fstype) {
            Some("other type")
        } else if !listed && !e.dir.starts_with('/') {
            Some("relative mount point")
        } else {
            None
        }
    }
}

/// What became of one entry in [`dedupe`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    Kept,
    /// Left for the later filters (not statted: pseudo, remote with -l,
    /// other type, or its mount point could not be statted).
    Unstatted,
    /// A duplicate of the entry with this index, which stays.
    DuplicateOf(usize),
    /// Was kept, then replaced by the entry with this index.
    ReplacedBy(usize),
}

/// df's duplicate elimination. `dev_of` stats an entry's mount point (None
/// when that fails). Returns the surviving indices in df's order (each in
/// the place its device was first seen) and every entry's fate.
pub fn dedupe(
    entries: &[MountView],
    sel: &Select,
    mut dev_of: impl FnMut(&MountView) -> Option<Dev>,
) -> (Vec<usize>, Vec<Fate>) {
    let mut slots: Vec<usize> = Vec::with_capacity(entries.len());
    let mut last: HashMap<Dev, usize> = HashMap::with_capacity(entries.len());
    let mut fate = vec![Fate::Kept; entries.len()];
    for (i, e) in entries.iter().enumerate() {
        let unstatted = (e.nonlocal() && sel.local) || e.dummy || !sel.type_ok(&e.mount.fstype);
        let dev = if unstatted { None } else { dev_of(e) };
        let Some(dev) = dev else {
            fate[i] = Fate::Unstatted;
            slots.push(i);
            last.insert(e.mount.dev, slots.len() - 1);
            continue;
        };
        if let Some(&slot) = last.get(&dev) {
            let s = slots[slot];
            let seen = &entries[s];
            let both_remote_apart = e.remote && seen.remote && seen.mount.source != e.mount.source;
            if !both_remote_apart {
                let nearer_root = seen.dir.len() > e.dir.len();
                let source_deeper = seen.mount.root.len() < e.mount.root.len();
                let real_device = e.mount.source.contains('/') && !seen.mount.source.contains('/');
                let overmounted = seen.mount.source != e.mount.source && seen.dir == e.dir;
                if real_device || (nearer_root && !source_deeper) || overmounted {
                    fate[s] = Fate::ReplacedBy(i);
                    slots[slot] = i;
                } else {
                    fate[i] = Fate::DuplicateOf(s);
                }
                continue;
            }
        }
        slots.push(i);
        last.insert(dev, slots.len() - 1);
    }
    (slots, fate)
}

/// A number the way df carries it: an unsigned value and a flag saying it
/// stands for its two's-complement negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Val {
    pub raw: u64,
    pub neg: bool,
}

/// Values at the top of the range mean "unknown" to df.
pub fn known(n: u64) -> bool {
    n < u64::MAX - 1
}

/// total, used and available of one kind (blocks or inodes), and the units
/// they are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields {
    pub total: Val,
    pub used: Val,
    pub avail: Val,
    pub unit: u64,
}

fn fields(total: u64, to_root: u64, avail: Val, unit: u64) -> Fields {
    let mut used = Val {
        raw: u64::MAX,
        neg: false,
    };
    if known(total) && known(to_root) {
        used = Val {
            raw: total.wrapping_sub(to_root),
            neg: total < to_root,
        };
    }
    Fields {
        total: Val {
            raw: total,
            neg: false,
        },
        used,
        avail,
        unit,
    }
}

pub fn block_fields(u: &Usage) -> Fields {
    let avail = Val {
        raw: u.bavail,
        neg: u.bavail >> 63 != 0 && known(u.bavail),
    };
    fields(u.blocks, u.bfree, avail, u.block_size)
}

pub fn inode_fields(u: &Usage) -> Fields {
    let avail = Val {
        raw: u.ffree,
        neg: false,
    };
    fields(u.files, u.ffree, avail, 1)
}

/// `n` blocks of `unit` bytes in blocks of `out` bytes, rounded up.
pub fn scale_up(n: u64, unit: u64, out: u64) -> u128 {
    let bytes = n as u128 * unit as u128;
    let out = out.max(1) as u128;
    bytes.div_ceil(out)
}

/// A number cell: `-` when unknown, else the value in `out`-byte units.
pub fn cell(v: Val, unit: u64, out: u64) -> String {
    if !known(v.raw) && !v.neg {
        return "-".into();
    }
    let mag = if v.neg { v.raw.wrapping_neg() } else { v.raw };
    let n = scale_up(mag, unit, out);
    let mut s = String::with_capacity(21);
    if v.neg {
        s.push('-');
    }
    // u64 formatting is cheaper than u128's; the rest only overflows it
    match u64::try_from(n) {
        Ok(n) => s.push_str(&n.to_string()),
        Err(_) => s.push_str(&n.to_string()),
    }
    s
}

/// Use%: used / (used + available), rounded up; None prints as `-`.
pub fn percent(f: &Fields) -> Option<u64> {
    let (used, avail) = (f.used, f.avail);
    if !known(used.raw) || !known(avail.raw) {
        return None;
    }
    let sum = used.raw.wrapping_add(avail.raw);
    if !used.neg && used.raw <= u64::MAX / 100 && sum != 0 && (sum < used.raw) == avail.neg {
        let u100 = used.raw * 100;
        return Some(u100 / sum + u64::from(u100 % sum != 0));
    }
    // Outside what integers can do simply (negative or huge): in floating
    // point, rounded up the same way.
    let signed = |v: Val| {
        if v.neg {
            -(v.raw.wrapping_neg() as f64)
        } else {
            v.raw as f64
        }
    };
    let (u, a) = (signed(used), signed(avail));
    let total = u + a;
    if total == 0.0 {
        return None;
    }
    let mut p = u * 100.0 / total;
    let ip = (p as i64) as f64;
    if ip - 1.0 < p && p <= ip + 1.0 {
        p = ip + if ip < p { 1.0 } else { 0.0 };
    }
    (p >= 0.0).then(|| p.round() as u64)
}

pub fn percent_cell(p: Option<u64>) -> String {
    p.map(|p| format!("{p}%")).unwrap_or_else(|| "-".into())
}

/// The cells of one line: kbytes used avail %used, then with `inodes`
/// iused ifree %iuse.
pub fn cells(u: &Usage, inodes: bool) -> Vec<String> {
    let b = block_fields(u);
    let mut out = vec![
        cell(b.total, b.unit, 1024),
        cell(b.used, b.unit, 1024),
        cell(b.avail, b.unit, 1024),
        percent_cell(percent(&b)),
    ];
    if inodes {
        let i = inode_fields(u);
        out.push(cell(i.used, 1, 1));
        out.push(cell(i.avail, 1, 1));
        out.push(percent_cell(percent(&i)));
    }
    out
}

/// True when `s` ends in something shaped like a UUID (df then shows the
/// device a `/dev/disk/by-uuid/...` or `/dev/mapper/luks-...` link names).
pub fn has_uuid_suffix(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 36
        && b[b.len() - 36..]
            .iter()
            .all(|c| c.is_ascii_hexdigit() || *c == b'-')
}

/// df's choice of mount for a file: the longest mount point that is a
/// prefix of the resolved path (the last one of equal length: the top of a
/// stack), skipping lofs, a pseudo filesystem only when nothing better.
pub fn point_match(entries: &[MountView], resolved: &str) -> Option<usize> {
    let mut best: Option<usize> = None;
    let mut best_len = 0;
    for (i, e) in entries.iter().enumerate() {
        if e.mount.fstype == "lofs" || !e.dir.starts_with('/') {
            continue;
        }
        if let Some(b) = best {
            if !entries[b].dummy && e.dummy {
                continue;
            }
        }
        let len = e.dir.len();
        let inside = len == 1
            || (resolved.starts_with(&e.dir)
                && (len == resolved.len() || resolved.as_bytes().get(len) == Some(&b'/')));
        if best_len <= len && len <= resolved.len() && inside {
            best = Some(i);
            best_len = len;
        }
    }
    best
}

/// When the path match is wrong (the mount point's device differs from the
/// file's): the last mount of device `dev` whose mount point really is on
/// that device.
pub fn dev_match(
    entries: &[MountView],
    dev: Dev,
    mut dev_of: impl FnMut(&MountView) -> Option<Dev>,
) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, e) in entries.iter().enumerate() {
        if e.mount.dev != dev || e.mount.fstype == "lofs" {
            continue;
        }
        if let Some(b) = best {
            if !entries[b].dummy && e.dummy {
                continue;
            }
        }
        if dev_of(e) == Some(dev) {
            best = Some(i);
        }
    }
    best
}

/// What a block device operand names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disk {
    /// The entry to show.
    Mounted(usize),
    /// Not mounted: df then reports the filesystem holding the node.
    NotMounted,
    /// Every mount of it is hidden under a later mount on the same point.
    OverMounted,
}

/// For a block device operand: the mount of that device with the shortest
/// mount point that is not hidden by a later mount on the same point.
/// `source_is`: does this entry's source name the device.
pub fn disk_match(entries: &[MountView], mut source_is: impl FnMut(&MountView) -> bool) -> Disk {
    let mut best: Option<usize> = None;
    let mut eclipsed = false;
    for (i, e) in entries.iter().enumerate() {
        if !source_is(e) {
            continue;
        }
        let top = entries.iter().rposition(|o| o.dir == e.dir);
        if top.is_some_and(|t| t != i && !source_is(&entries[t])) {
            eclipsed = true;
            continue;
        }
        if best.is_none_or(|b| e.dir.len() < entries[b].dir.len()) {
            best = Some(i);
        }
    }
    match best {
        Some(b) => Disk::Mounted(b),
        None if eclipsed => Disk::OverMounted,
        None => Disk::NotMounted,
    }
}

/// The mount point of a file no mount entry claims: walk up while the
/// parent is on the same device (`dev_of` on package paths).
pub fn mount_point_of(resolved: &str, mut dev_of: impl FnMut(&str) -> Option<Dev>) -> String {
    let Some(dev) = dev_of(resolved) else {
        return resolved.to_string();
    };
    let mut cur = resolved.trim_end_matches('/').to_string();
    while !cur.is_empty() {
        let parent = match cur.rfind('/') {
            Some(0) => "/".to_string(),
            Some(n) => cur[..n].to_string(),
            None => break,
        };
        if dev_of(&parent) != Some(dev) {
            return cur;
        }
        if parent == "/" {
            return parent;
        }
        cur = parent;
    }
    "/".into()
}

/// One step of a walk below a package root, for `resolve_in_root`.
pub trait Walk {
    /// Look `name` up in the current directory: `Some(target)` when it is
    /// a symbolic link (not entered), else it becomes the current entry.
    fn step(&mut self, name: &str) -> Result<Option<String>, crate::sys::Errno>;
    /// Back to the parent of the current entry (never above the root).
    fn up(&mut self) -> Result<(), crate::sys::Errno>;
    /// Back to the root (an absolute link).
    fn back_to_root(&mut self) -> Result<(), crate::sys::Errno>;
}

/// The kernel's limit on symbolic links in one lookup.
pub const MAX_LINKS: usize = 40;

/// Resolve `path` the way a process chrooted at the package root would:
/// `..` stops at the root, absolute symlinks restart from it, relative
/// paths start at the root; Err(ELOOP) after `MAX_LINKS` links, and the
/// walk's own errors (a missing component) as they come. Linear in the
/// components read: each is one `step`, and the path is joined once.
pub fn resolve_in_root(path: &str, walk: &mut impl Walk) -> Result<String, crate::sys::Errno> {
    let mut todo: Vec<String> = path.split('/').rev().map(str::to_string).collect();
    let mut done: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(c) = todo.pop() {
        match c.as_str() {
            "" | "." => continue,
            ".." => {
                if done.pop().is_some() {
                    walk.up()?;
                }
                continue;
            }
            _ => {}
        }
        match walk.step(&c)? {
            None => done.push(c),
            Some(target) => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(crate::sys::Errno::ELOOP);
                }
                if target.starts_with('/') {
                    done.clear();
                    walk.back_to_root()?;
                }
                todo.extend(target.split('/').rev().map(str::to_string));
            }
        }
    }
    Ok(format!("/{}", done.join("/")))
}

/// One output line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub cells: Vec<String>,
    pub dir: String,
}

/// Names longer than this go on a line of their own (as bdf does).
pub const NAME_WIDTH: usize = 19;

const HEADERS: [&str; 7] = [
    "kbytes", "used", "avail", "%used", "iused", "ifree", "%iuse",
];

/// Control characters as `?`, as df shows them.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect::<String>()
        .into()
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// The bdf table: `Filesystem kbytes used avail %used [iused ifree %iuse]
/// Mounted on`. The name column is 19 wide; a longer name stands alone on
/// its line and the numbers follow on the next, indented to the column.
/// Number columns are right-aligned and as wide as their widest cell.
pub fn render(rows: &[Row], inodes: bool) -> String {
    let ncols = if inodes { 7 } else { 4 };
    let mut width: Vec<usize> = HEADERS[..ncols].iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(&r.cells) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line_len = NAME_WIDTH + width.iter().map(|w| w + 1).sum::<usize>() + 40;
    let mut out = String::with_capacity((rows.len() + 1) * line_len);
    let line = |out: &mut String, name: &str, cells: &mut dyn Iterator<Item = &str>, dir: &str| {
        let name = printable(name);
        let n = name.chars().count();
        out.push_str(&name);
        if n > NAME_WIDTH {
            out.push('\n');
            pad(out, NAME_WIDTH);
        } else {
            pad(out, NAME_WIDTH - n);
        }
        for (c, w) in cells.zip(&width) {
            pad(out, 1 + w.saturating_sub(c.chars().count()));
            out.push_str(c);
        }
        out.push(' ');
        out.push_str(&printable(dir));
        out.push('\n');
    };
    let mut head = HEADERS[..ncols].iter().copied();
    line(&mut out, "Filesystem", &mut head, "Mounted on");
    for r in rows {
        line(
            &mut out,
            &r.name,
            &mut r.cells.iter().map(String::as_str),
            &r.dir,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procfs::mountinfo;

    fn u(bs: u64, blocks: u64, bfree: u64, bavail: u64, files: u64, ffree: u64) -> Usage {
        Usage {
            block_size: bs,
            blocks,
            bfree,
            bavail,
            files,
            ffree,
        }
    }

    // statvfs of this machine's ext4 root (stat -f -c '%S %b %f %a %c %d' /
    // gave the same numbers before and after) and what df printed between:
    //   df -k: /dev/vda 264212084 12444700 82841188 14% /
    //   df -i: /dev/vda 16777216 392144 16385072 3% /
    // A third of the free blocks are reserved: used/(used+avail) is 13.06%,
    // and df rounds it up to 14 (nearest would say 13).
    #[test]
    fn ext4_root_like_df() {
        let s = u(4096, 66053021, 62941846, 20710297, 16777216, 16385072);
        assert_eq!(
            cells(&s, true),
            [
                "264212084",
                "12444700",
                "82841188",
                "14%",
                "392144",
                "16385072",
                "3%"
            ]
        );
    }

    // A tmpfs of size=7m holding a 1 MiB file and 5 empty ones: statvfs
    // 4096 1792 1536 1536 3085512 3085506; df -k and df -i said
    //   tmpfs 7168 1024 6144 15% /tmp/pkgbdf-x  (14.28.. rounded up)
    //   tmpfs 3085512 6 3085506 1% /tmp/pkgbdf-x
    #[test]
    fn tmpfs_percent_rounds_up() {
        let s = u(4096, 1792, 1536, 1536, 3085512, 3085506);
        assert_eq!(
            cells(&s, true),
            ["7168", "1024", "6144", "15%", "6", "3085506", "1%"]
        );
    }

    #[test]
    fn reserved_blocks_count_as_neither() {
        // 1000 blocks, 100 free of which 50 reserved for root: used 900,
        // avail 50, 900*100/950 = 94.7 → 95 (not 90)
        let s = u(1024, 1000, 100, 50, 0, 0);
        assert_eq!(cells(&s, true), ["1000", "900", "50", "95%", "0", "0", "-"]);
        // full for users while root still has room: 100%
        let s = u(1024, 1000, 40, 0, 0, 0);
        assert_eq!(percent(&block_fields(&s)), Some(100));
    }

    #[test]
    fn small_blocks_round_up_and_empty_is_dash() {
        // 512-byte blocks: 3 blocks are 1.5K → 2
        let s = u(512, 3, 1, 1, 0, 0);
        assert_eq!(cells(&s, false), ["2", "1", "1", "67%"]);
        let s = u(4096, 0, 0, 0, 0, 0);
        assert_eq!(cells(&s, false), ["0", "0", "0", "-"]);
    }

    #[test]
    fn negative_avail_and_unknown() {
        // f_bavail with its top bit set: 10 blocks over the limit
        let s = u(1024, 100, 0, (-10i64) as u64, 0, 0);
        let b = block_fields(&s);
        assert!(b.avail.neg);
        assert_eq!(cell(b.avail, 1024, 1024), "-10");
        // used 100, avail -10: 100*100/90 = 111.1 → 112
        assert_eq!(percent(&b), Some(112));
        let s = u(1024, u64::MAX, 0, 0, 0, 0);
        assert_eq!(cells(&s, false)[0], "-");
    }

    #[test]
    fn dummy_and_remote() {
        for t in ["proc", "sysfs", "devpts", "mqueue", "autofs", "debugfs"] {
            assert!(is_dummy(t), "{t}");
        }
        for t in ["tmpfs", "ext4", "cgroup2", "overlay", "devtmpfs"] {
            assert!(!is_dummy(t), "{t}");
        }
        assert!(is_remote("server:/export", "nfs4"));
        assert!(is_remote("//host/share", "cifs"));
        assert!(!is_remote("//host/share", "tmpfs"));
        assert!(is_remote("x", "ocfs2"));
        assert!(!is_remote("/dev/sda1", "ext4"));
        let e = |src: &str, t: &str| {
            MountView::new(
                mountinfo::parse_line(format!("1 0 0:1 / /m rw - {t} {src} rw").as_bytes())
                    .unwrap(),
                "/m".into(),
            )
        };
        assert!(e("hostshare", "9p").nonlocal(), "our extra network types");
        assert!(!e("hostshare", "9p").remote, "but not gnulib's");
        assert!(!e("tmpfs", "tmpfs").nonlocal());
    }

    // A package root at /pkg01 as a host sees it, with the host's other mounts.
    const HOST: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw
24 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=8056484k
25 24 0:24 / /dev/pts rw shared:3 - devpts devpts rw,mode=620
26 22 0:30 / /run rw shared:5 - tmpfs tmpfs rw,size=1611788k
100 22 0:80 / /pkg01 rw,relatime shared:300 - tmpfs tmpfs-pkg01 rw,size=7168k
101 100 8:1 /usr /pkg01/usr ro,relatime shared:1 - ext4 /dev/sda1 rw
102 100 0:81 / /pkg01/proc rw - proc proc rw
103 100 7:0 / /pkg01/data rw - ext4 /dev/loop0 rw
104 22 0:82 / /pkg010 rw - tmpfs tmpfs rw
105 22 0:83 / /pkg01x/a rw - tmpfs tmpfs rw
";

    #[test]
    fn package_view_strips_prefix_and_keeps_only_its_tree() {
        let v = package_view(mountinfo::parse(HOST.as_bytes()), "/pkg01/");
        let dirs: Vec<(&str, &str)> = v
            .iter()
            .map(|e| (e.dir.as_str(), e.real.to_str().unwrap()))
            .collect();
        assert_eq!(
            dirs,
            [
                ("/", "/pkg01"),
                ("/usr", "/pkg01/usr"),
                ("/proc", "/pkg01/proc"),
                ("/data", "/pkg01/data")
            ]
        );
        assert!(package_view(mountinfo::parse(HOST.as_bytes()), "/nopkg").is_empty());
    }

    #[test]
    fn package_view_hidden_and_unmounted_roots() {
        // 200 was mounted on /p/sub before /p itself: hidden under it
        let text = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
200 22 0:90 / /p/sub rw - tmpfs a rw
201 22 0:91 / /p rw - tmpfs b rw
202 201 0:92 / /p/sub rw - tmpfs c rw
";
        let v = package_view(mountinfo::parse(text.as_bytes()), "/p");
        let ids: Vec<u64> = v.iter().map(|e| e.mount.id).collect();
        assert_eq!(ids, [201, 202]);
        // a root that is a plain directory: what is below it, by path
        let v = package_view(mountinfo::parse(text.as_bytes()), "/p/sub/..");
        assert!(v.is_empty(), "not normalised: no match");
        let text = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n300 22 0:93 / /q/data rw - tmpfs t rw\n";
        let v = package_view(mountinfo::parse(text.as_bytes()), "/q");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].dir, "/data");
    }

    #[test]
    fn strip() {
        assert_eq!(strip_root("/pkg01", "/pkg01").as_deref(), Some("/"));
        assert_eq!(
            strip_root("/pkg01", "/pkg01/var/log").as_deref(),
            Some("/var/log")
        );
        assert_eq!(strip_root("/pkg01", "/pkg010"), None);
        assert_eq!(strip_root("/", "/usr").as_deref(), Some("/usr"));
    }

    fn entries(text: &str) -> Vec<MountView> {
        system_view(mountinfo::parse(text.as_bytes()))
    }

    #[test]
    fn duplicates_like_df() {
        // the bind of /usr is the root device: "/" is nearer the root;
        // /dev/pts is pseudo (never statted); two tmpfs on one point: the
        // upper one is what stat sees for both
        let text = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
101 22 8:1 /usr /pkg01/usr ro - ext4 /dev/sda1 rw
110 22 0:60 / /m rw - tmpfs lower rw
111 110 0:61 / /m rw - tmpfs upper rw
120 22 0:70 / /b/long/er rw - tmpfs t rw
121 22 0:70 / /b rw - tmpfs t rw
";
        let es = entries(text);
        let stat = |e: &MountView| -> Option<Dev> {
            match e.dir.as_str() {
                "/m" => Some((0, 61)),
                _ => Some(e.mount.dev),
            }
        };
        let (keep, fate) = dedupe(&es, &Select::default(), stat);
        let kept: Vec<&str> = keep.iter().map(|&i| es[i].dir.as_str()).collect();
        assert_eq!(kept, ["/", "/proc", "/m", "/b"]);
        assert_eq!(
            es[keep[2]].mount.source, "upper",
            "over-mounted: the upper wins"
        );
        assert_eq!(fate[2], Fate::DuplicateOf(0));
        assert_eq!(fate[1], Fate::Unstatted);
        assert_eq!(fate[5], Fate::ReplacedBy(6), "shorter mount point wins");
    }

    #[test]
    fn duplicates_device_names_and_bind_roots() {
        // a source with '/' beats a pseudo name; a bind of a subdirectory
        // does not displace the whole device even at a shorter path
        let text = "\
30 1 0:50 / /srv/x rw - ext4 tmpname rw
31 1 0:50 / /srv/y rw - ext4 /dev/sdb1 rw
40 1 0:51 / /data/whole rw - ext4 /dev/sdc1 rw
41 1 0:51 /sub /d rw - ext4 /dev/sdc1 rw
50 1 0:52 / /n1 rw - nfs4 srv:/a rw
51 1 0:52 / /n2 rw - nfs4 srv:/b rw
";
        let es = entries(text);
        let (keep, _) = dedupe(&es, &Select::default(), |e| Some(e.mount.dev));
        let kept: Vec<&str> = keep.iter().map(|&i| es[i].dir.as_str()).collect();
        assert_eq!(kept, ["/srv/y", "/data/whole", "/n1", "/n2"]);
        // with -l the remote ones are not statted and -l drops them later
        let sel = Select {
            local: true,
            types: vec![],
        };
        let (keep, fate) = dedupe(&es, &sel, |e| Some(e.mount.dev));
        assert_eq!(keep.len(), 4);
        assert_eq!(fate[4], Fate::Unstatted);
        assert_eq!(sel.skip(&es[4], false), Some("remote"));
    }

    #[test]
    fn select() {
        let es = entries(
            "23 22 0:21 / /proc rw - proc proc rw\n24 22 0:5 / /x rw - tmpfs t rw\n25 22 0:6 / rel rw - tmpfs t rw\n",
        );
        let all = Select::default();
        assert_eq!(all.skip(&es[0], false), Some("pseudo filesystem"));
        assert_eq!(all.skip(&es[0], true), None, "named on the command line");
        assert_eq!(all.skip(&es[1], false), None);
        assert_eq!(all.skip(&es[2], false), Some("relative mount point"));
        let t = Select {
            local: false,
            types: vec!["ext4".into()],
        };
        assert_eq!(t.skip(&es[1], false), Some("other type"));
    }

    #[test]
    fn points() {
        let text = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
30 22 0:50 / /data rw - tmpfs a rw
31 30 0:51 / /data rw - tmpfs b rw
32 22 0:52 / /database rw - tmpfs c rw
";
        let es = entries(text);
        assert_eq!(point_match(&es, "/data/f"), Some(3), "the top of the stack");
        assert_eq!(point_match(&es, "/database"), Some(4));
        assert_eq!(point_match(&es, "/etc/passwd"), Some(0));
        // a pseudo filesystem never beats a real one by path; the device
        // check that follows (dev_match) finds it
        assert_eq!(point_match(&es, "/proc/1"), Some(0));
        assert_eq!(dev_match(&es, (0, 21), |e| Some(e.mount.dev)), Some(1));
        assert_eq!(dev_match(&es, (0, 50), |e| Some(e.mount.dev)), Some(2));
        assert_eq!(dev_match(&es, (0, 50), |_| None), None);
        let d = disk_match(&es, |e| e.mount.source == "a");
        assert_eq!(d, Disk::OverMounted, "device a is over-mounted by b");
        let sda = disk_match(&es, |e| e.mount.source == "/dev/sda1");
        assert_eq!(sda, Disk::Mounted(0));
        assert_eq!(
            disk_match(&es, |e| e.mount.source == "zz"),
            Disk::NotMounted
        );
        let devs = |p: &str| {
            Some(if p.starts_with("/m/in") {
                (0, 9)
            } else {
                (8, 1)
            })
        };
        assert_eq!(mount_point_of("/m/in/x/y", devs), "/m/in");
        assert_eq!(mount_point_of("/etc/x", |_| Some((8, 1))), "/");
    }

    #[test]
    fn resolve_inside_root() {
        /// A tree of links only: every other name is a directory.
        struct Fake {
            here: Vec<String>,
            steps: usize,
        }
        impl Walk for Fake {
            fn step(&mut self, name: &str) -> Result<Option<String>, crate::sys::Errno> {
                self.steps += 1;
                let p = format!("{}/{name}", self.here.concat());
                let link = match p.as_str() {
                    "/abs" => Some("/data/real"),
                    "/rel" => Some("data/../data"),
                    "/loop" => Some("/loop"),
                    "/gone" => return Err(crate::sys::Errno::ENOENT),
                    "/l" => Some("x/../l"),
                    _ => None,
                };
                if link.is_none() {
                    self.here.push(format!("/{name}"));
                }
                Ok(link.map(str::to_string))
            }
            fn up(&mut self) -> Result<(), crate::sys::Errno> {
                self.here.pop();
                Ok(())
            }
            fn back_to_root(&mut self) -> Result<(), crate::sys::Errno> {
                self.here.clear();
                Ok(())
            }
        }
        let w = || Fake {
            here: Vec::new(),
            steps: 0,
        };
        assert_eq!(resolve_in_root("/abs/f", &mut w()).unwrap(), "/data/real/f");
        assert_eq!(resolve_in_root("../../rel/x", &mut w()).unwrap(), "/data/x");
        assert_eq!(
            resolve_in_root("etc/./passwd", &mut w()).unwrap(),
            "/etc/passwd"
        );
        assert_eq!(resolve_in_root("/", &mut w()).unwrap(), "/");
        assert_eq!(
            resolve_in_root("/loop", &mut w()),
            Err(crate::sys::Errno::ELOOP)
        );
        assert_eq!(
            resolve_in_root("/gone/x", &mut w()),
            Err(crate::sys::Errno::ENOENT)
        );
        // a link to itself through a directory: ELOOP after 40 links
        let mut f = w();
        assert_eq!(resolve_in_root("/l", &mut f), Err(crate::sys::Errno::ELOOP));
        assert_eq!(f.steps, 2 * MAX_LINKS + 1);
        // one step per component, however long the path
        let long = "x/".repeat(2000);
        let mut f = w();
        let r = resolve_in_root(&format!("/d/{long}"), &mut f).unwrap();
        assert_eq!((r.len(), f.steps), (2 + 4000, 2001));
    }

    #[test]
    fn uuid_suffix() {
        assert!(has_uuid_suffix(
            "/dev/mapper/luks-828fc648-9f30-43d8-a0b1-f7196a2edb66"
        ));
        assert!(!has_uuid_suffix("/dev/sda1"));
    }

    #[test]
    fn render_like_bdf() {
        let rows = vec![
            Row {
                name: "/dev/vg00/lvol3".into(),
                cells: ["1048576", "204096", "837824", "20%"]
                    .map(String::from)
                    .to_vec(),
                dir: "/".into(),
            },
            Row {
                name: "server:/export/a/rather/long/name".into(),
                cells: ["7168", "0", "7168", "0%"].map(String::from).to_vec(),
                dir: "/mnt/x y".into(),
            },
        ];
        let out = render(&rows, false);
        let want = "\
Filesystem           kbytes   used  avail %used Mounted on
/dev/vg00/lvol3     1048576 204096 837824   20% /
server:/export/a/rather/long/name
                       7168      0   7168    0% /mnt/x y
";
        assert_eq!(out, want);
        let out = render(&rows[..1], true);
        assert_eq!(
            out.lines().next().unwrap(),
            "Filesystem           kbytes   used  avail %used iused ifree %iuse Mounted on"
        );
        assert_eq!(printable("a\nb"), "a?b");
    }
}
