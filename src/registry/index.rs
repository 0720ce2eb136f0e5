//! The registry index: the answer of the strict lookup for every address,
//! kept in a root-owned file (`/run/pcue-registry.idx`) so that a
//! connection does not read and parse the whole registry. It lies in /run
//! itself, not in /run/pcue, whose existence tells an unprivileged reader
//! that the Pacemaker agent ran on this node (`pacemaker`).
//!
//! Exact, not a cache that may lag: the file lists every source the
//! answers were read from (cmcluster.conf, SGCONF, each directory in it,
//! each package file, the places cmviewcl would be, the CIB file), each
//! with what stat(2) said of it before it was read (device, inode, mode,
//! size, mtime and ctime in nanoseconds; or the error). A reader stats
//! them all again: one difference and the index is stale. Content cannot
//! change without the ctime changing, and a directory's entries without
//! its own; a mount or a retargeted symlink changes what the path stats
//! to. A source whose ctime falls within `RACY` of the start of the read
//! could change again within the same clock tick unseen: such an index
//! is not written. The cost of a lookup is then one stat per source (not
//! a read and a parse) and a binary search among the addresses.
//!
//! A root reader asks the registry keeper first (`keeper`), whose
//! watches make its answer cost the same whatever the number of
//! sources; this file is what it falls back to, what other users read,
//! and what the keeper rewrites whenever it reads the registry again.
//!
//! Stale or missing: a root reader (pkgnet under inetd) reads the
//! registry in full, answers from that, and writes a new index (to a
//! temporary file renamed over the old one). Any other reader reads the
//! registry itself, as without an index. The index is trusted only when
//! it is a regular file owned by root and not writable by group or
//! others, opened without following a symlink, in a directory only root
//! may write (and every directory above it): otherwise it is ignored as
//! if missing (and replaced, by root). The registry's configuration
//! (SGCONF, the CIB file, the root prefix...) is part of the index: an
//! index made for another is stale. When cmviewcl is installed and
//! asked, its answer is the cluster's state, not a file: no index.

use super::{Config, Package};
use crate::sys;
use log::debug;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The node's index.
pub const INDEX_FILE: &str = "/run/pcue-registry.idx";
const MAGIC: &str = "pcue-registry-index 1";
/// Far above a file timestamp's granularity (a clock tick, 1-10 ms).
pub(super) const RACY: Duration = Duration::from_millis(100);
/// The largest index read.
const INDEX_MAX: u64 = 256 << 20;
/// `addr <32 hex digits> <16 hex digits>\n`
const REC: usize = 5 + 32 + 1 + 16 + 1;

/// The sources a registry read went through, each stat'ed before it was
/// read, and whether the answer may be kept at all.
pub struct Recorder {
    seen: RefCell<Vec<(PathBuf, String)>>,
    newest_ctime_ns: Cell<i128>,
    cacheable: Cell<bool>,
    /// Called with each source before it is stat'ed and read (the
    /// keeper's watches: `keeper`).
    hook: RefCell<Option<Hook>>,
}

type Hook = Box<dyn FnMut(&Path)>;

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            seen: RefCell::new(Vec::new()),
            newest_ctime_ns: Cell::new(i128::MIN),
            cacheable: Cell::new(true),
            hook: RefCell::new(None),
        }
    }

    /// A recorder that calls `f` with each source before it is read.
    pub fn watching(f: impl FnMut(&Path) + 'static) -> Recorder {
        let r = Recorder::new();
        *r.hook.borrow_mut() = Some(Box::new(f));
        r
    }

    /// Whether what was read can stand for the registry (see `uncacheable`).
    pub fn cacheable(&self) -> bool {
        self.cacheable.get()
    }

    /// Stat `p` (following symlinks, as its reader will) before it is read.
    pub fn note(&self, p: &Path) {
        if let Some(f) = self.hook.borrow_mut().as_mut() {
            f(p);
        }
        let (t, ctime) = token(p);
        if let Some(c) = ctime {
            self.newest_ctime_ns.set(self.newest_ctime_ns.get().max(c));
        }
        self.seen.borrow_mut().push((p.to_path_buf(), t));
    }

    /// What was read cannot be checked by stat (a command's output, a copy
    /// trusted by its age): no index.
    pub fn uncacheable(&self) {
        self.cacheable.set(false);
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

/// What stat says of `p`, as one word, and its ctime in ns.
fn token(p: &Path) -> (String, Option<i128>) {
    let mut t = String::new();
    let c = write_token(&mut t, sys::fs::ident(p));
    (t, c)
}

/// `token` of a stat result, into `out` (cleared first); the ctime in ns.
fn write_token(out: &mut String, st: Result<sys::fs::Ident, sys::Errno>) -> Option<i128> {
    use std::fmt::Write;
    out.clear();
    match st {
        Ok(m) => {
            let _ = write!(
                out,
                "{}:{}:{:o}:{}:{}.{}:{}.{}",
                m.dev, m.ino, m.mode, m.size, m.mtime.0, m.mtime.1, m.ctime.0, m.ctime.1
            );
            Some(i128::from(m.ctime.0) * 1_000_000_000 + i128::from(m.ctime.1))
        }
        Err(e) => {
            let _ = write!(out, "e{}", e as i32);
            None
        }
    }
}

/// Bytes as one word: printable ASCII but `%` as is, the rest `%XX`.
pub(super) fn esc(b: &[u8]) -> String {
    let mut o = String::with_capacity(b.len());
    for &c in b {
        if (0x21..=0x7e).contains(&c) && c != b'%' {
            o.push(c as char);
        } else {
            o.push_str(&format!("%{c:02X}"));
        }
    }
    o
}

pub(super) fn unesc(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut o = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            o.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            o.push(b[i]);
            i += 1;
        }
    }
    Some(o)
}

fn key(ip: IpAddr) -> String {
    let v6 = match crate::registry::addr::canon(ip) {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    };
    format!("{:032x}", u128::from(v6))
}

/// Everything the registry's answers depend on besides its sources.
/// Not whether cmviewcl may be asked: an index is used only where it is
/// not (`usable`), and then the answers are the same.
pub(super) fn fingerprint(cfg: &Config) -> String {
    esc(format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        env!("CARGO_PKG_VERSION"),
        cfg.sgconf,
        cfg.root_prefix,
        cfg.cib,
        cfg.sgsbin,
        cfg.unread,
        cfg.conf_file
    )
    .as_bytes())
}

/// Whether an index may stand for this registry: one is configured, and
/// cmviewcl will not be asked (its answer is not a file).
pub fn usable(cfg: &Config) -> bool {
    cfg.index.is_some() && !(cfg.use_cmviewcl && super::cmviewcl_exe(cfg).is_some())
}

/// The index as text: `items` in the registry's order, `rec` what they
/// were read from.
pub fn encode(cfg: &Config, rec: &Recorder, items: &[Result<Package, String>]) -> String {
    let mut first_err: Option<usize> = None;
    let mut answer: BTreeMap<String, usize> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        match it {
            Err(_) => {
                first_err.get_or_insert(i);
            }
            Ok(p) => {
                for a in &p.addrs {
                    answer.entry(key(*a)).or_insert(first_err.unwrap_or(i));
                }
            }
        }
    }
    // the items answers name, each once, and where each begins
    let mut body = String::new();
    let mut at: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in answer.values().chain(first_err.iter()) {
        if at.contains_key(&i) {
            continue;
        }
        at.insert(i, body.len());
        match &items[i] {
            Err(e) => body.push_str(&format!("e {}\n", esc(e.as_bytes()))),
            Ok(p) => match &p.skipped {
                Some(why) => body.push_str(&format!("s {}\n", esc(why.as_bytes()))),
                None => body.push_str(&format!(
                    "p {} {} {}\n",
                    esc(p.name.as_bytes()),
                    esc(p.root.as_os_str().as_bytes()),
                    p.resource
                        .as_deref()
                        .map(|r| esc(r.as_bytes()))
                        .unwrap_or_else(|| "-".into())
                )),
            },
        }
    }
    let mut o = format!("{MAGIC}\nconfig {}\n", fingerprint(cfg));
    for (p, t) in rec.seen.borrow().iter() {
        o.push_str(&format!("source {} {t}\n", esc(p.as_os_str().as_bytes())));
    }
    match first_err {
        Some(i) => o.push_str(&format!("miss {:016x}\n", at[&i])),
        None => o.push_str("miss -\n"),
    }
    o.push_str(&format!("addrs {}\n", answer.len()));
    for (k, i) in &answer {
        o.push_str(&format!("addr {k} {:016x}\n", at[i]));
    }
    o.push_str("items\n");
    o.push_str(&body);
    o
}

/// A valid index, its addresses and items located.
pub struct Index {
    data: Vec<u8>,
    miss: Option<usize>,
    recs: std::ops::Range<usize>,
    items: usize,
}

/// `data` as an index for `cfg`, if it is one and every source still
/// stats as it did. None: stale or not an index.
pub fn validate(cfg: &Config, data: Vec<u8>) -> Option<Index> {
    parse(cfg, data, true)
}

/// `items` as an index, in memory (the keeper's: its watches stand for
/// the stat of each source).
pub fn from_items(
    cfg: &Config,
    rec: &Recorder,
    items: &[Result<Package, String>],
) -> Option<Index> {
    parse(cfg, encode(cfg, rec, items).into_bytes(), false)
}

/// `data` as an index for `cfg`; with `check`, each source stat'ed again
/// and compared.
fn parse(cfg: &Config, data: Vec<u8>, check: bool) -> Option<Index> {
    let text = &data;
    let mut pos = 0;
    let next_line = |pos: &mut usize| -> Option<&str> {
        let end = text[*pos..].iter().position(|&c| c == b'\n')? + *pos;
        let l = std::str::from_utf8(&text[*pos..end]).ok()?;
        *pos = end + 1;
        Some(l)
    };
    if next_line(&mut pos)? != MAGIC {
        return None;
    }
    if next_line(&mut pos)?.strip_prefix("config ")? != fingerprint(cfg) {
        debug!("registry index: made for another configuration");
        return None;
    }
    // sources beneath SGCONF (two per package) are stat'ed relative to
    // it: a short walk each; the rest by their whole path
    let base = sys::fs::open_dir(&cfg.sgconf).ok();
    let mut sgconf = cfg.sgconf.as_os_str().as_bytes().to_vec();
    sgconf.push(b'/');
    let (mut path, mut now) = (Vec::new(), String::new());
    let miss;
    loop {
        let l = next_line(&mut pos)?;
        if let Some(src) = l.strip_prefix("source ") {
            if !check {
                continue;
            }
            let (p, t) = src.split_once(' ')?;
            path.clear();
            if p.contains('%') {
                path.extend(unesc(p)?);
            } else {
                path.extend_from_slice(p.as_bytes());
            }
            let st = match (&base, path.strip_prefix(sgconf.as_slice())) {
                (Some(fd), Some(rel)) if !rel.is_empty() => {
                    sys::fs::ident_at(fd.as_fd(), Path::new(std::ffi::OsStr::from_bytes(rel)))
                }
                _ => sys::fs::ident(Path::new(std::ffi::OsStr::from_bytes(&path))),
            };
            write_token(&mut now, st);
            if now != t {
                debug!(
                    "registry index: '{}' changed",
                    String::from_utf8_lossy(&path)
                );
                return None;
            }
        } else {
            miss = match l.strip_prefix("miss ")? {
                "-" => None,
                h => Some(usize::from_str_radix(h, 16).ok()?),
            };
            break;
        }
    }
    let n: usize = next_line(&mut pos)?.strip_prefix("addrs ")?.parse().ok()?;
    let recs = pos..pos.checked_add(n.checked_mul(REC)?)?;
    let mut after = recs.end;
    if text.get(recs.clone()).is_none() || next_line(&mut after)? != "items" {
        return None;
    }
    Some(Index {
        miss,
        recs,
        items: after,
        data,
    })
}

impl Index {
    /// The strict lookup's answer for `ip` (see `Registry::find_addr_strict`).
    /// A package comes with `ip` as its one address.
    pub fn lookup(&self, ip: IpAddr) -> Option<Result<Option<Package>, String>> {
        let ip = crate::registry::addr::canon(ip);
        let want = key(ip);
        let recs = &self.data[self.recs.clone()];
        let (mut lo, mut hi) = (0, recs.len() / REC);
        let mut found = None;
        while lo < hi {
            let mid = (lo + hi) / 2;
            let r = &recs[mid * REC..(mid + 1) * REC];
            match r[5..37].cmp(want.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let h = std::str::from_utf8(&r[38..54]).ok()?;
                    found = Some(usize::from_str_radix(h, 16).ok()?);
                    break;
                }
            }
        }
        let Some(off) = found.or(self.miss) else {
            return Some(Ok(None));
        };
        let start = self.items.checked_add(off)?;
        let rest = self.data.get(start..)?;
        let line = std::str::from_utf8(&rest[..rest.iter().position(|&c| c == b'\n')?]).ok()?;
        let text = |s: &str| unesc(s).map(|b| String::from_utf8_lossy(&b).into_owned());
        let f: Vec<&str> = line.split(' ').collect();
        Some(match f.as_slice() {
            ["e", msg] => Err(text(msg)?),
            ["s", why] => Err(format!(
                "address {ip} is named by a skipped entry: {}",
                text(why)?
            )),
            ["p", name, root, rsc] => Ok(Some(Package {
                name: text(name)?,
                root: PathBuf::from(std::ffi::OsString::from_vec(unesc(root)?)),
                addrs: vec![ip],
                owner: None,
                status: None,
                resource: (*rsc != "-").then(|| text(rsc)).flatten(),
                skipped: None,
            })),
            _ => return None,
        })
    }
}

/// The node's index for `cfg`, when it is there, trusted and current.
pub fn open(cfg: &Config) -> Option<Index> {
    let path = cfg.index.as_deref()?;
    let dir = path.parent()?;
    if let Some(why) = sys::fs::open_to_others(dir) {
        debug!("registry index '{}' ignored: {why}", path.display());
        return None;
    }
    let data = match sys::fs::read_trusted(path, INDEX_MAX) {
        Ok(d) => d,
        Err(e) => {
            debug!(
                "registry index '{}' not used: {}",
                path.display(),
                crate::error::strerror_io(&e)
            );
            return None;
        }
    };
    validate(cfg, data)
}

/// Read the registry in full, recording its sources; when the caller is
/// root and the read can be checked by stat, write the index.
pub fn rebuild(cfg: &Config) -> Vec<Result<Package, String>> {
    let start = SystemTime::now();
    let rec = Recorder::new();
    let items = read_all(cfg, &rec);
    let _ = keep(cfg, &rec, &items, start);
    items
}

/// Read the registry in full, each source through `rec` (the
/// configuration file first: read again, and `rec` uncacheable if it
/// changed since `cfg` was made from it).
pub fn read_all(cfg: &Config, rec: &Recorder) -> Vec<Result<Package, String>> {
    if let Some(conf) = &cfg.conf_file {
        rec.note(conf);
        // the configuration was read before this stat: read it again, and
        // keep nothing if it changed in between
        let again = Config::from_system();
        if (&again.sgconf, &again.root_prefix, &again.cib, &again.unread)
            != (&cfg.sgconf, &cfg.root_prefix, &cfg.cib, &cfg.unread)
        {
            rec.uncacheable();
        }
    }
    // whether cmviewcl is there, for callers who would ask it (pkgnet,
    // which never does, shares the index with them: without cmviewcl
    // both read the same files)
    for d in &cfg.sgsbin {
        rec.note(&d.join("cmviewcl"));
    }
    super::scan_recorded(cfg, Some(rec)).collect()
}

/// Write the index of `items` (read through `rec` from `start` on) when
/// the caller is root and the read can be checked by stat. False when a
/// source changed too recently (a later read may keep its answers).
pub fn keep(
    cfg: &Config,
    rec: &Recorder,
    items: &[Result<Package, String>],
    start: SystemTime,
) -> bool {
    let started_ns = start
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    let racy = rec.newest_ctime_ns.get() >= started_ns - RACY.as_nanos() as i128;
    if racy {
        debug!("registry index not written: a source changed just now");
    }
    if let Some(path) = cfg.index.as_deref() {
        if rec.cacheable.get() && !racy && sys::ids::effective_uid() == 0 {
            // only the speed of the next lookups depends on it
            if let Err(e) = write(path, encode(cfg, rec, items).as_bytes()) {
                debug!("can't write the registry index '{}': {e}", path.display());
            }
        }
    }
    !racy
}

/// Replace `path` by `data`, atomically, in a directory only root may
/// write (made, 0755, when missing).
fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = path.parent().ok_or("no directory")?;
    match std::fs::DirBuilder::new().mode(0o755).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(crate::error::strerror_io(&e)),
    }
    if let Some(why) = sys::fs::open_to_others(dir) {
        return Err(why);
    }
    let name = path.file_name().ok_or("no file name")?;
    let tmp = dir.join(format!(
        ".{}.{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let io = |e: std::io::Error| crate::error::strerror_io(&e);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&tmp)
        .map_err(io)?;
    let done = f.write_all(data).and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, addrs: &[&str], skipped: Option<&str>) -> Result<Package, String> {
        Ok(Package {
            name: name.into(),
            root: PathBuf::from(format!("/srv/{name} x")),
            addrs: addrs.iter().map(|a| a.parse().unwrap()).collect(),
            owner: None,
            status: None,
            resource: None,
            skipped: skipped.map(str::to_string),
        })
    }

    fn cfg(dir: &Path) -> Config {
        Config {
            sgconf: dir.join("sg"),
            sgsbin: Vec::new(),
            root_prefix: PathBuf::from("/"),
            use_cmviewcl: false,
            unread: None,
            cib: None,
            index: None,
            conf_file: None,
        }
    }

    /// The index answers what a walk of the same items answers, for
    /// every address, a miss included; a changed source makes it stale.
    #[test]
    fn answers_as_the_walk_and_goes_stale() {
        let d = std::env::temp_dir().join(format!("pcue-idx-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let src = d.join("pkg.conf");
        std::fs::write(&src, "ip_address 10.0.0.1\n").unwrap();
        let c = cfg(&d);
        let walk = |items: &[Result<Package, String>], ip: IpAddr| {
            for it in items {
                match it {
                    Err(e) => return Err(e.clone()),
                    Ok(p) if p.addrs.contains(&ip) => {
                        return match &p.skipped {
                            Some(w) => {
                                Err(format!("address {ip} is named by a skipped entry: {w}"))
                            }
                            None => Ok(Some(p.name.clone())),
                        }
                    }
                    _ => {}
                }
            }
            Ok(None)
        };
        let sets: Vec<Vec<Result<Package, String>>> = vec![
            vec![
                pkg("pkg01", &["10.0.0.1", "fd00::1"], None),
                pkg("bad", &["10.0.0.2"], Some("a bad name")),
                pkg("pkg03", &["10.0.0.1", "10.0.0.3"], None),
            ],
            vec![
                pkg("pkg01", &["10.0.0.1"], None),
                Err("can't read '/x y': Permission denied".into()),
                pkg("pkg03", &["10.0.0.3"], None),
            ],
            vec![],
        ];
        for items in &sets {
            let rec = Recorder::new();
            rec.note(&src);
            rec.note(&d.join("missing"));
            let text = encode(&c, &rec, items);
            let idx = validate(&c, text.clone().into_bytes()).expect("valid");
            for a in [
                "10.0.0.1",
                "::ffff:10.0.0.1",
                "10.0.0.2",
                "10.0.0.3",
                "fd00::1",
                "10.9.9.9",
            ] {
                let ip: IpAddr = a.parse().unwrap();
                let got = idx.lookup(ip).unwrap().map(|p| p.map(|p| p.name));
                assert_eq!(
                    got,
                    walk(items, crate::registry::addr::canon(ip)),
                    "{a} in {text}"
                );
            }
            if let Some(Ok(Some(p))) = idx.lookup("10.0.0.3".parse().unwrap()) {
                assert_eq!(p.root, PathBuf::from("/srv/pkg03 x"));
            }
            // another configuration: stale
            let mut other = c.clone();
            other.root_prefix = "/x".into();
            assert!(validate(&other, text.clone().into_bytes()).is_none());
        }
        let rec = Recorder::new();
        rec.note(&src);
        let text = encode(&c, &rec, &sets[0]);
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&src, "ip_address 10.0.0.9\n").unwrap();
        assert!(
            validate(&c, text.clone().into_bytes()).is_none(),
            "edited in place"
        );
        // a source that appears
        let rec = Recorder::new();
        rec.note(&d.join("later"));
        let text = encode(&c, &rec, &sets[0]);
        assert!(validate(&c, text.clone().into_bytes()).is_some());
        std::fs::write(d.join("later"), "").unwrap();
        assert!(validate(&c, text.into_bytes()).is_none(), "created");
        // garbage is not an index
        for bad in ["", "pcue-registry-index 1\n", "x\n"] {
            assert!(validate(&c, bad.as_bytes().to_vec()).is_none());
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn escaping_round_trips() {
        for s in [&b"plain"[..], b"a b%c\n\xff", b""] {
            assert_eq!(unesc(&esc(s)).unwrap(), s);
            assert!(!esc(s).contains([' ', '\n']));
        }
    }
}
