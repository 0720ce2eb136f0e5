//! `/proc/<pid>/mountinfo`, one struct per line.
//!
//! `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
//! fields: mount ID, parent ID, major:minor, root, mount point, options,
//! optional fields up to `-`, fs type, source, super options. Paths escape
//! space, tab, newline and backslash as `\040`-style octal.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub id: u64,
    pub parent: u64,
    pub dev: (u32, u32),
    pub root: String,
    pub mount_point: String,
    pub options: String,
    pub fstype: String,
    pub source: String,
    pub super_options: String,
}

/// Undo the kernel's octal escapes (`\040` → space).
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
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
    String::from_utf8_lossy(&out).into_owned()
}

/// One line, or None when it is not a mountinfo line.
pub fn parse_line(line: &str) -> Option<Mount> {
    let mut it = line.split(' ');
    let id = it.next()?.parse().ok()?;
    let parent = it.next()?.parse().ok()?;
    let (maj, min) = it.next()?.split_once(':')?;
    let dev = (maj.parse().ok()?, min.parse().ok()?);
    let root = unescape(it.next()?);
    let mount_point = unescape(it.next()?);
    let options = it.next()?.to_string();
    // optional fields end at a lone "-"
    for f in it.by_ref() {
        if f == "-" {
            break;
        }
    }
    let fstype = unescape(it.next()?);
    let source = unescape(it.next()?);
    let super_options = it.next().unwrap_or("").to_string();
    Some(Mount {
        id,
        parent,
        dev,
        root,
        mount_point,
        options,
        fstype,
        source,
        super_options,
    })
}

/// Every parsable line of a mountinfo file, in order.
pub fn parse(text: &str) -> Vec<Mount> {
    text.lines().filter_map(parse_line).collect()
}

/// The mount that is `/` for the process whose table this is: the last
/// (topmost) one mounted on `/`.
pub fn root_mount(mounts: &[Mount]) -> Option<&Mount> {
    mounts.iter().rev().find(|m| m.mount_point == "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    // From the kernel's Documentation/filesystems/proc.rst
    const DOC: &str =
        "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue";

    #[test]
    fn documented_example() {
        let m = parse_line(DOC).unwrap();
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
        let m = parse_line(l).unwrap();
        assert_eq!(m.mount_point, "/pkg one/my\\dir");
        assert_eq!(m.source, "tmp\tfs");
        assert_eq!(unescape(r"a\0"), r"a\0", "short escape left alone");
        assert_eq!(unescape(r"\999"), r"\999");
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
        let ms = parse(text);
        assert_eq!(ms.len(), 4);
        assert_eq!(ms[2].fstype, "tmpfs");
        assert_eq!(root_mount(&ms).unwrap().id, 801, "topmost mount on / wins");
    }
}
