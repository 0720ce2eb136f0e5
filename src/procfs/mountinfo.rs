//! The text of `/proc/PID/mountinfo` (pure), one struct per line; the
//! files are read by `procfs`.
//!
//! `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
//! fields: mount ID, parent ID, major:minor, root, mount point, options,
//! optional fields up to `-`, fs type, source, super options. Paths escape
//! space, tab, newline and backslash as `\040`-style octal.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub id: u64,
    pub parent: u64,
    pub dev: (u32, u32),
    pub root: String,
    /// The mount point as text (lossy where it is not UTF-8), for comparing
    /// and showing.
    pub mount_point: String,
    /// The mount point byte for byte, for system calls (statvfs, umount).
    pub path: PathBuf,
    pub options: String,
    pub fstype: String,
    pub source: String,
    pub super_options: String,
}

/// Undo the kernel's octal escapes (`\040` → space). The result may hold
/// any byte but NUL.
pub fn unescape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            if v <= 255 {
                out.push(v as u8);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// One line as the kernel wrote it (any byte but the escaped ones), or None
/// when it is not a mountinfo line.
pub fn parse_line(line: &[u8]) -> Option<Mount> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let num = |b: Option<&[u8]>| std::str::from_utf8(b?).ok()?.parse().ok();
    let mut it = line.split(|&c| c == b' ');
    let id = num(it.next())?;
    let parent = num(it.next())?;
    let devs = text(it.next()?);
    let (maj, min) = devs.split_once(':')?;
    let dev = (maj.parse().ok()?, min.parse().ok()?);
    let root = text(&unescape(it.next()?));
    let path = unescape(it.next()?);
    let mount_point = text(&path);
    let options = text(it.next()?);
    // optional fields end at a lone "-"
    for f in it.by_ref() {
        if f == b"-" {
            break;
        }
    }
    let fstype = text(&unescape(it.next()?));
    let source = text(&unescape(it.next()?));
    let super_options = it.next().map(text).unwrap_or_default();
    Some(Mount {
        id,
        parent,
        dev,
        root,
        mount_point,
        path: PathBuf::from(OsString::from_vec(path)),
        options,
        fstype,
        source,
        super_options,
    })
}

/// Every parsable line of a mountinfo text, in order. Bytes, not UTF-8:
/// the kernel escapes only blanks, newlines and backslashes, so a mount
/// point may hold any other byte (a Latin-1 directory name, a FUSE mount a
/// user named); such a path is kept lossily in `mount_point`, exactly in
/// `path`, and never fails the whole table.
pub fn parse(text: &[u8]) -> Vec<Mount> {
    text.split(|&b| b == b'\n').filter_map(parse_line).collect()
}

/// The mount that is `/` for the process whose table this is: the last
/// (topmost) one mounted on `/`.
pub fn root_mount(mounts: &[Mount]) -> Option<&Mount> {
    mounts.iter().rev().find(|m| m.mount_point == "/")
}

/// The mounts to take down for `--umount`, last mounted first: every mount
/// on or below the root, except the root's own mount when it is not a bind
/// of the root onto itself (a package filesystem the cluster mounted).
pub fn umount_order<'a>(mounts: &'a [Mount], root: &str) -> Vec<&'a Mount> {
    let below = |mp: &str| {
        mp.len() > root.len() && mp.starts_with(root) && {
            root == "/" || mp.as_bytes()[root.len()] == b'/'
        }
    };
    let mut out: Vec<&Mount> = mounts
        .iter()
        .rev()
        .filter(|m| below(&m.mount_point))
        .collect();
    for m in mounts.iter().rev().filter(|m| m.mount_point == root) {
        if self_bind(mounts, m) {
            out.push(m);
        }
    }
    out
}

/// A mount of the directory onto itself: same device as its parent mount,
/// and its root is the parent's root plus the way from the parent's mount
/// point to it.
pub fn self_bind(mounts: &[Mount], m: &Mount) -> bool {
    let Some(parent) = mounts.iter().find(|p| p.id == m.parent) else {
        return false;
    };
    if parent.dev != m.dev {
        return false;
    }
    let rel = if parent.mount_point == "/" {
        m.mount_point.as_str()
    } else {
        match m.mount_point.strip_prefix(&parent.mount_point) {
            Some(r) => r,
            None => return false,
        }
    };
    let want = if parent.root == "/" {
        rel.to_string()
    } else {
        format!("{}{rel}", parent.root)
    };
    m.root == want
}

/// The mount ID of the last (topmost) line of a mountinfo text whose mount
/// point is `/`. Only fields 1 and 5 are looked at.
pub fn root_mount_id(text: &[u8]) -> Option<u64> {
    let mut found = None;
    for line in text.split(|&b| b == b'\n') {
        let mut f = line.split(|&b| b == b' ');
        let id = f.next();
        let mp = f.nth(3);
        if mp == Some(b"/") {
            if let Some(id) = id
                .and_then(|s| std::str::from_utf8(s).ok())
                .and_then(|s| s.parse().ok())
            {
                found = Some(id);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    // From the kernel's Documentation/filesystems/proc.rst
    const DOC: &str =
        "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue";

    #[test]
    fn documented_example() {
        let m = parse_line(DOC.as_bytes()).unwrap();
        assert_eq!((m.id, m.parent, m.dev), (36, 35, (98, 0)));
        assert_eq!(
            (m.root.as_str(), m.mount_point.as_str()),
            ("/mnt1", "/mnt2")
        );
        assert_eq!(
            (m.fstype.as_str(), m.source.as_str()),
            ("ext3", "/dev/root")
        );
        assert_eq!(m.super_options, "rw,errors=continue");
    }

    #[test]
    fn escapes_and_no_optional_fields() {
        let l = r"612 598 0:71 / /pkg\040one/my\134dir rw,relatime - tmpfs tmp\011fs rw,size=1024k";
        let m = parse_line(l.as_bytes()).unwrap();
        assert_eq!(m.mount_point, "/pkg one/my\\dir");
        assert_eq!(m.source, "tmp\tfs");
        assert_eq!(unescape(br"a\0"), br"a\0", "short escape left alone");
        assert_eq!(unescape(br"\999"), br"\999");
    }

    #[test]
    fn a_non_utf8_mount_point_does_not_spoil_the_table() {
        let t = parse(
            b"25 1 0:22 / / rw - ext4 /dev/sda1 rw\n\
              26 25 0:23 / /srv/caf\xe9 rw - tmpfs t rw\n\
              27 25 0:24 / /pkg01 rw - ext4 /dev/sdb1 rw\n",
        );
        assert_eq!(t.len(), 3);
        assert_eq!(t[1].mount_point, "/srv/caf\u{fffd}");
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(t[1].path.as_os_str().as_bytes(), b"/srv/caf\xe9");
        assert_eq!(t[2].mount_point, "/pkg01");
        assert_eq!(root_mount(&t).map(|m| m.id), Some(25));
    }

    #[test]
    fn several_optional_fields_and_root() {
        let text = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
800 22 0:80 / /pkg01 rw,relatime shared:300 master:2 propagate_from:2 - tmpfs tmpfs rw
801 22 8:1 /srv / rw - ext4 /dev/sda1 rw
garbage line
";
        let ms = parse(text.as_bytes());
        assert_eq!(ms.len(), 4);
        assert_eq!(ms[2].fstype, "tmpfs");
        assert_eq!(root_mount(&ms).unwrap().id, 801, "topmost mount on / wins");
    }

    const PACKAGE_MOUNTS: &str = "\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
100 22 0:50 / /t rw - tmpfs pcue-test rw
101 100 0:50 /pkg1 /t/pkg1 rw - tmpfs pcue-test rw
102 101 8:1 /usr /t/pkg1/usr ro,relatime - ext4 /dev/sda1 rw
103 101 0:60 / /t/pkg1/proc rw - proc proc rw
104 22 0:70 / /t/pkg10 rw - tmpfs other rw
";

    #[test]
    fn umount_order_and_self_bind() {
        let ms = parse(PACKAGE_MOUNTS.as_bytes());
        let points = |root| -> Vec<String> {
            umount_order(&ms, root)
                .iter()
                .map(|m| m.mount_point.clone())
                .collect()
        };
        assert_eq!(
            points("/t/pkg1"),
            ["/t/pkg1/proc", "/t/pkg1/usr", "/t/pkg1"]
        );
        // /t/pkg10 is not below /t/pkg1, and a package filesystem stays
        assert!(points("/t/pkg10").is_empty());
        assert!(self_bind(&ms, &ms[2]));
        assert!(!self_bind(&ms, &ms[1]));
        let on_root = parse(
            b"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n30 22 8:1 /pkg01 /pkg01 rw - ext4 /dev/sda1 rw\n",
        );
        assert!(self_bind(&on_root, &on_root[1]));
    }

    #[test]
    fn topmost_root_wins() {
        let t = b"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:21 / /proc rw - proc proc rw
800 22 0:80 / /pkg01 rw - tmpfs tmpfs rw
801 22 8:1 /srv / rw - ext4 /dev/sda1 rw
802 801 0:81 / /x\\040/ rw - tmpfs t rw
";
        assert_eq!(root_mount_id(t), Some(801));
        assert_eq!(
            root_mount_id(b"612 598 0:71 / /pkg rw - tmpfs t rw\n"),
            None
        );
        assert_eq!(root_mount_id(b""), None);
        // a chrooted process sees its package root first, as "/"
        let chroot = b"640 630 0:82 / / rw,relatime - tmpfs tmpfs-pkg01 rw,mode=755
641 640 8:1 /usr /usr ro,relatime - ext4 /dev/root rw
642 640 0:83 / /proc rw,relatime - proc proc rw
";
        assert_eq!(root_mount_id(chroot), Some(640));
    }
}
