//! The registry keeper: a resident process that has watched every source
//! of the registry since it read them, so that the strict lookup of a
//! root caller costs the same on a registry of 10,000 packages as on an
//! empty one (one request on a local socket), and stays exact.
//!
//! **Start.** The first root caller of the strict lookup (pkgnet under
//! inetd, root's getcpkg or pkglogin) that finds no keeper claims the
//! keeper's name (bind: only one process can) and forks one (no exec, no
//! command line of its own): a new session, forked again so that it is
//! nobody's child, every inherited descriptor closed (pkgnet's 0 and 1
//! are the client's connection), /dev/null on 0-2, in `/`, its log
//! silenced. Only from the node's mount namespace and root (those of pid
//! 1): a keeper never holds a package's namespace, and it holds no
//! descriptor of any package's filesystem (inotify watches do not keep a
//! filesystem busy). The caller answers itself, from the index or a full
//! read, as without a keeper.
//!
//! **Watches, then the read.** The keeper reads the registry as the
//! index's rebuild does (`index::read_all`), and each source is watched
//! before it is read (the recorder's hook): the source itself (a file:
//! its content and attributes; a directory: its entries), and each
//! directory the path resolves through, for the entry it names (symlinks
//! followed as the kernel follows them, each link's own directory
//! watched too: a retargeted symlink or a renamed ancestor is an event).
//! A change during or after the read is therefore queued. Mounts are not
//! inotify events: the keeper holds `/proc/self/mountinfo` open, which
//! the kernel flags on every mount or unmount in its namespace. A watch
//! that cannot be added (ENOSPC: `fs.inotify.max_user_watches`) or a
//! read that is not the configuration it was started for: the keeper
//! does not serve (it refuses every request, and tries again after
//! `RETRY`); callers fall back to the index and the full read.
//!
//! **Each request.** After the request is read, the keeper empties its
//! inotify queue without waiting and asks the mount table; anything that
//! concerns a watched name, a lost event (queue overflow) or a mount
//! change and it reads the registry again (new watches first), and only
//! then answers. The caller sends its request after whatever change it
//! must see has completed, and the kernel queues an inotify event, and
//! flags the mount table, inside the changing system call: the answer is
//! the registry as it is when the request is sent. (What inotify cannot
//! see: a write through a shared memory map of a package file, which no
//! editor or cluster tool does; and a filesystem that changes under the
//! kernel's feet, such as a network filesystem written by another node:
//! SGCONF is local to each node.) While idle the keeper takes the events
//! as they come, and reads the registry once `QUIET` passes without one:
//! the next request then finds it read; one that comes first reads it.
//!
//! **The socket.** An abstract unix socket (seqpacket), named after the
//! index's path and the registry's configuration (`name`): abstract
//! names need no directory and leave no file behind, one per network
//! namespace. Anyone may bind a free name, so the caller trusts the
//! socket only when its listener (SO_PEERCRED) is root in the caller's
//! own mount namespace and with its root directory; anything else (an
//! impostor, a keeper of another namespace, no answer within
//! `ANSWER_WAIT`) and the caller goes the old way. An impostor can make
//! lookups slower, never answer them. The request names the caller's
//! binary (device, inode, size, mtime of /proc/self/exe) and the
//! configuration's fingerprint; a keeper that differs refuses and exits
//! (an upgraded pcue gets a keeper of its own version). The keeper
//! serves root callers only (a caller's uid from SO_PEERCRED): others
//! read the registry themselves, as before.
//!
//! **End.** After `IDLE` without a request (`PCUE_KEEPER_IDLE` seconds
//! when not setuid; 0: no keeper), on a request from another binary or
//! configuration, and when its configuration file now says something
//! else.

use super::{index, Config, Package};
use crate::sys;
use crate::sys::fs::{WatchId, WatchKind, Watcher};
use log::debug;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime};

const PROTO: &str = "pcue-keeper 1";
/// How long a caller waits for the keeper's answer.
const ANSWER_WAIT: Duration = Duration::from_millis(1000);
/// How long the keeper waits for a request once connected.
const REQUEST_WAIT: Duration = Duration::from_millis(200);
/// The keeper exits after this long without a request.
const IDLE: Duration = Duration::from_secs(60);
/// A keeper that could not watch its sources tries again after this.
const RETRY: Duration = Duration::from_secs(10);
/// The largest request or answer.
const MSG_MAX: usize = 16 << 10;
/// A change seen while idle is read once no event came for this long.
const QUIET: Duration = Duration::from_millis(50);
/// Symlinks followed while resolving one path (the kernel's limit).
const LINKS_MAX: u32 = 40;

/// The keeper's abstract socket name for `cfg`'s registry; None when it
/// has no index, or a path of its configuration is relative (the keeper
/// runs in `/`, not in the caller's directory).
pub fn name(cfg: &Config) -> Option<Vec<u8>> {
    let idx = cfg.index.as_deref()?;
    let mut paths = vec![idx, cfg.sgconf.as_path(), cfg.root_prefix.as_path()];
    paths.extend(cfg.cib.as_deref());
    paths.extend(cfg.conf_file.as_deref());
    if paths.iter().any(|p| !p.is_absolute()) {
        return None;
    }
    // FNV-1a: a name, not a secret (the request carries the whole
    // fingerprint and the keeper compares it)
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let fp = index::fingerprint(cfg);
    for b in idx
        .as_os_str()
        .as_bytes()
        .iter()
        .chain(b"\n")
        .chain(fp.as_bytes())
    {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    Some(format!("pcue-registry-keeper/{h:016x}").into_bytes())
}

/// Who asks: this binary and the registry's configuration.
fn fingerprint(cfg: &Config) -> String {
    let exe = match sys::fs::ident(Path::new("/proc/self/exe")) {
        Ok(m) => format!("{}:{}:{}:{}.{}", m.dev, m.ino, m.size, m.mtime.0, m.mtime.1),
        Err(e) => format!("e{}", e as i32),
    };
    let idx = index::esc(format!("{:?}", cfg.index).as_bytes());
    format!("{exe}|{idx}|{}", index::fingerprint(cfg))
}

/// A request: the protocol, the caller's fingerprint, the address.
pub fn request(fp: &str, ip: IpAddr) -> Vec<u8> {
    format!("{PROTO}\n{fp}\n{ip}\n").into_bytes()
}

/// The fingerprint and address of a request.
pub fn parse_request(b: &[u8]) -> Option<(&str, IpAddr)> {
    let t = std::str::from_utf8(b).ok()?.strip_suffix('\n')?;
    let mut l = t.split('\n');
    if l.next()? != PROTO {
        return None;
    }
    let fp = l.next()?;
    let ip = l.next()?.parse().ok()?;
    l.next().is_none().then_some((fp, ip))
}

/// What a caller makes of an answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// The strict lookup's answer.
    Answer(Result<Option<Package>, String>),
    /// The keeper does not answer (why): go the old way.
    Refused(String),
}

/// One line: `n` (no package), `p NAME ROOT RESOURCE|-`, `e MESSAGE`,
/// `x WHY` (refused); fields escaped as in the index.
pub fn encode_reply(r: &Reply) -> Vec<u8> {
    let e = |b: &[u8]| index::esc(b);
    let line = match r {
        Reply::Answer(Ok(None)) => "n".to_string(),
        Reply::Answer(Ok(Some(p))) => format!(
            "p {} {} {}",
            e(p.name.as_bytes()),
            e(p.root.as_os_str().as_bytes()),
            p.resource
                .as_deref()
                .map(|r| e(r.as_bytes()))
                .unwrap_or_else(|| "-".into())
        ),
        Reply::Answer(Err(m)) => format!("e {}", e(m.as_bytes())),
        Reply::Refused(why) => format!("x {}", e(why.as_bytes())),
    };
    format!("{line}\n").into_bytes()
}

/// An answer for `ip` (a package comes with `ip` as its one address, as
/// from the index); None: not an answer.
pub fn decode_reply(b: &[u8], ip: IpAddr) -> Option<Reply> {
    let line = std::str::from_utf8(b).ok()?.strip_suffix('\n')?;
    let text = |s: &str| index::unesc(s).and_then(|b| String::from_utf8(b).ok());
    let f: Vec<&str> = line.split(' ').collect();
    Some(match f.as_slice() {
        ["n"] => Reply::Answer(Ok(None)),
        ["p", name, root, rsc] => Reply::Answer(Ok(Some(Package {
            name: text(name)?,
            root: PathBuf::from(OsString::from(std::ffi::OsStr::from_bytes(&index::unesc(
                root,
            )?))),
            addrs: vec![super::addr::canon(ip)],
            owner: None,
            status: None,
            resource: if *rsc == "-" { None } else { Some(text(rsc)?) },
            skipped: None,
        }))),
        ["e", msg] => Reply::Answer(Err(text(msg)?)),
        ["x", why] => Reply::Refused(text(why)?),
        _ => return None,
    })
}

/// What asking the keeper gave.
pub enum Asked {
    Answer(Result<Option<Package>, String>),
    /// No keeper listens under the name: one may be started.
    Nobody,
    /// Not asked, or no answer to trust (an impostor, another namespace,
    /// a refusal, a timeout): the old way, and no keeper started.
    Declined,
}

/// Ask the keeper of `cfg`'s registry for `ip` (root callers only).
pub fn ask(cfg: &Config, ip: IpAddr) -> Asked {
    if sys::ids::effective_uid() != 0 || idle() == Duration::ZERO {
        return Asked::Declined;
    }
    let Some(name) = name(cfg) else {
        return Asked::Declined;
    };
    let conn = match sys::local::connect_abstract(&name) {
        Ok(c) => c,
        Err(sys::Errno::ECONNREFUSED) => return Asked::Nobody,
        Err(e) => {
            debug!("registry keeper: can't connect: {}", e.desc());
            return Asked::Declined;
        }
    };
    if let Err(why) = trusted(&conn) {
        debug!("registry keeper ignored: {why}");
        return Asked::Declined;
    }
    let deadline = Instant::now() + ANSWER_WAIT;
    let got = conn
        .send(&request(&fingerprint(cfg), ip))
        .and_then(|_| conn.recv(deadline, MSG_MAX));
    match got.ok().and_then(|b| decode_reply(&b, ip)) {
        Some(Reply::Answer(a)) => Asked::Answer(a),
        Some(Reply::Refused(why)) => {
            debug!("registry keeper refused: {why}");
            Asked::Declined
        }
        None => {
            debug!("registry keeper: no answer");
            Asked::Declined
        }
    }
}

/// Whether the listener is a keeper: root, in our mount namespace, with
/// our root directory.
fn trusted(conn: &sys::local::Conn) -> Result<(), String> {
    let p = conn.peer().map_err(|e| e.desc().to_string())?;
    if p.uid != 0 {
        return Err(format!("its listener is uid {}", p.uid));
    }
    if p.pid <= 0 {
        return Err("its listener is outside our pid namespace".into());
    }
    let me = sys::process::pid();
    let ns = sys::ns::ns_id(p.pid, "mnt");
    if ns.is_none() || ns != sys::ns::ns_id(me, "mnt") {
        return Err(format!("pid {} is in another mount namespace", p.pid));
    }
    let root = sys::ns::root_id(p.pid);
    if root.is_none() || root != sys::ns::root_id(me) {
        return Err(format!("pid {} has another root directory", p.pid));
    }
    Ok(())
}

/// How long a keeper lives without a request.
fn idle() -> Duration {
    match sys::ids::trusted_env("PCUE_KEEPER_IDLE").map(|v| v.parse::<u64>()) {
        Some(Ok(s)) => Duration::from_secs(s),
        _ => IDLE,
    }
}

/// Start a keeper for `cfg`'s registry unless one holds the name, from
/// the node's mount namespace and root only. The caller goes on.
pub fn spawn(cfg: &Config) {
    if sys::ids::effective_uid() != 0 || idle() == Duration::ZERO {
        return;
    }
    let me = sys::process::pid();
    if sys::ns::ns_id(1, "mnt").is_none()
        || sys::ns::ns_id(1, "mnt") != sys::ns::ns_id(me, "mnt")
        || sys::fs::same_root_as_init() != Some(true)
    {
        debug!("registry keeper not started: not in the node's mount namespace and root");
        return;
    }
    let Some(name) = name(cfg) else { return };
    let sock = match sys::local::bind_abstract(&name) {
        Ok(s) => s,
        Err(e) => {
            debug!("registry keeper not started: {}", e.desc());
            return;
        }
    };
    match sys::process::daemon(sock) {
        Ok(None) => {}
        Ok(Some(sock)) => {
            log::set_max_level(log::LevelFilter::Off);
            sys::process::set_name(c"pcue-keeper");
            let mut cfg = cfg.clone();
            cfg.use_cmviewcl = false;
            serve(&cfg, sock);
            sys::process::exit_now(0);
        }
        Err(e) => debug!("registry keeper not started: {e}"),
    }
}

/// What the watches say matters: per watch, every entry (a source) or
/// the entries named (a directory a source's path goes through).
#[derive(Default)]
struct Interest {
    any: bool,
    names: HashSet<OsString>,
}

/// The watches of one read of the registry.
struct Watches {
    watcher: Watcher,
    interest: HashMap<WatchId, Interest>,
    /// Each path resolved so far: the real path, or None (missing, or
    /// not followed any further).
    resolved: HashMap<PathBuf, Option<PathBuf>>,
    failed: Option<String>,
}

impl Watches {
    fn new() -> Result<Watches, String> {
        Ok(Watches {
            watcher: Watcher::new().map_err(|e| format!("inotify: {}", e.desc()))?,
            interest: HashMap::new(),
            resolved: HashMap::new(),
            failed: None,
        })
    }

    fn add(&mut self, p: &Path, kind: WatchKind) -> Option<&mut Interest> {
        match self.watcher.add(p, kind) {
            Ok(id) => Some(self.interest.entry(id).or_default()),
            // gone, or not a directory: the watch above it sees it come
            Err(sys::Errno::ENOENT | sys::Errno::ENOTDIR) => None,
            Err(e) => {
                self.failed
                    .get_or_insert_with(|| format!("can't watch '{}': {}", p.display(), e.desc()));
                None
            }
        }
    }

    /// Watch source `p` and the way to it.
    fn source(&mut self, p: &Path) {
        let Some(real) = self.resolve(p, &mut 0) else {
            return;
        };
        let kind = match std::fs::metadata(&real) {
            Ok(m) if m.is_dir() => WatchKind::Dir,
            Ok(_) => WatchKind::File,
            Err(_) => return,
        };
        if let Some(i) = self.add(&real, kind) {
            i.any = true;
        }
    }

    /// `p`'s real path, each directory it goes through watched for the
    /// entry it names (symlinks resolved, `links` counting them).
    fn resolve(&mut self, p: &Path, links: &mut u32) -> Option<PathBuf> {
        if p == Path::new("/") {
            return Some(p.to_path_buf());
        }
        if let Some(r) = self.resolved.get(p) {
            return r.clone();
        }
        let r = self.resolve_uncached(p, links);
        self.resolved.insert(p.to_path_buf(), r.clone());
        r
    }

    fn resolve_uncached(&mut self, p: &Path, links: &mut u32) -> Option<PathBuf> {
        let parent = p.parent()?;
        let last = p.components().next_back()?;
        let dir = self.resolve(parent, links)?;
        let name = match last {
            Component::Normal(n) => n,
            Component::ParentDir => return Some(dir.parent().unwrap_or(&dir).to_path_buf()),
            Component::CurDir => return Some(dir),
            Component::RootDir | Component::Prefix(_) => return Some(PathBuf::from("/")),
        };
        if let Some(i) = self.add(&dir, WatchKind::Dir) {
            i.names.insert(name.to_os_string());
        }
        let full = dir.join(name);
        let m = std::fs::symlink_metadata(&full).ok()?;
        if !m.file_type().is_symlink() {
            return Some(full);
        }
        *links += 1;
        if *links > LINKS_MAX {
            return None;
        }
        let target = std::fs::read_link(&full).ok()?;
        let target = if target.is_absolute() {
            target
        } else {
            dir.join(target)
        };
        // a link's target is resolved afresh (not cached: `links` counts)
        self.resolve_uncached_chain(&target, links)
    }

    /// Resolve `p` component by component from `/`.
    fn resolve_uncached_chain(&mut self, p: &Path, links: &mut u32) -> Option<PathBuf> {
        let mut cur = PathBuf::from("/");
        for c in p.components() {
            match c {
                Component::RootDir | Component::Prefix(_) => cur = PathBuf::from("/"),
                Component::CurDir => {}
                Component::ParentDir => {
                    cur.pop();
                }
                Component::Normal(n) => {
                    let next = cur.join(n);
                    cur = self.resolve(&next, links)?;
                }
            }
        }
        Some(cur)
    }

    /// Whether anything queued concerns the registry (an unreadable
    /// queue does).
    fn changed(&self) -> bool {
        let Ok(evs) = self.watcher.pending() else {
            return true;
        };
        evs.iter().any(|e| {
            let Some(i) = e.watch.and_then(|w| self.interest.get(&w)) else {
                return true; // lost events, or a watch we did not make
            };
            i.any || e.name.as_ref().is_none_or(|n| i.names.contains(n))
        })
    }
}

/// The keeper's view: the index of its last read and the watches made
/// for it.
struct View {
    index: index::Index,
    watches: Watches,
    /// Read too soon after a source changed for the index file.
    racy: bool,
}

/// Why a read cannot be the keeper's.
const CHANGED: &str = "the configuration changed";

/// Read the registry, each source watched before it is read.
fn read(cfg: &Config) -> Result<View, String> {
    let start = SystemTime::now();
    let watches = Rc::new(RefCell::new(Watches::new()?));
    let w = Rc::clone(&watches);
    let rec = index::Recorder::watching(move |p| w.borrow_mut().source(p));
    let items = index::read_all(cfg, &rec);
    if !rec.cacheable() {
        return Err(CHANGED.into());
    }
    let idx = index::from_items(cfg, &rec, &items).ok_or("the index does not parse")?;
    // the file index too, for callers that do not ask the keeper
    let racy = !index::keep(cfg, &rec, &items, start);
    drop(rec);
    let watches = Rc::try_unwrap(watches)
        .map_err(|_| "watches still shared")?
        .into_inner();
    if let Some(why) = watches.failed {
        return Err(why);
    }
    Ok(View {
        index: idx,
        watches,
        racy,
    })
}

/// The keeper's loop on `sock` (bound to its name, not listening yet):
/// read, listen, answer until idle.
fn serve(cfg: &Config, sock: sys::local::Bound) {
    use sys::fds::Want;
    let mine = fingerprint(cfg);
    let Ok(mounts) = sys::fs::MountWatch::new() else {
        return;
    };
    let mut view = Err(String::new());
    if reread(cfg, &mounts, &mut view).is_err() || sock.listen().is_err() {
        return;
    }
    let mut read_at = Instant::now();
    let mut last = Instant::now();
    // a change whose events were taken while idle, not read yet: since when
    let mut dirty: Option<Instant> = None;
    let mut racy_rereads = 0;
    loop {
        let left = idle().saturating_sub(last.elapsed());
        if left.is_zero() {
            return;
        }
        // a read too recent for the index file: read again once the
        // sources' clock tick is past, for the callers of the file (a
        // bounded number of times: a clock that jumped back keeps a
        // source's ctime in the future)
        let racy = matches!(&view, Ok(v) if v.racy) && racy_rereads < 5;
        let mut wait = left;
        if racy {
            wait = wait.min((index::RACY * 2).saturating_sub(read_at.elapsed()));
        }
        if let Some(t) = dirty {
            wait = wait.min(QUIET.saturating_sub(t.elapsed()));
        }
        let ms = wait.as_millis() as u64;
        let ready = match &view {
            Ok(v) => sys::fds::wait_any(
                &[
                    (sock.as_fd(), Want::In),
                    (v.watches.watcher.as_fd(), Want::In),
                    (mounts.as_fd(), Want::Pri),
                ],
                ms,
            ),
            Err(_) => sys::fds::wait_any(&[(sock.as_fd(), Want::In)], ms),
        };
        // a change while idle: its events taken now (the mount table's by
        // the wait itself), the registry read once they stop coming, so
        // that the next request need not wait for the read
        if ready.get(2) == Some(&true)
            || (ready.get(1) == Some(&true) && matches!(&view, Ok(v) if v.watches.changed()))
        {
            dirty = Some(Instant::now());
        }
        if !ready[0] {
            let quiet = dirty.is_some_and(|t| t.elapsed() >= QUIET);
            let retick = racy && dirty.is_none() && read_at.elapsed() >= index::RACY * 2;
            if quiet || retick {
                if retick {
                    racy_rereads += 1;
                }
                if reread(cfg, &mounts, &mut view).is_err() {
                    return;
                }
                read_at = Instant::now();
                dirty = None;
            }
            continue;
        }
        last = Instant::now();
        let Ok(conn) = sock.accept() else { continue };
        if !conn.peer().is_ok_and(|p| p.uid == 0) {
            continue;
        }
        let Ok(req) = conn.recv(Instant::now() + REQUEST_WAIT, MSG_MAX) else {
            continue;
        };
        let Some((fp, ip)) = parse_request(&req) else {
            let _ = conn.send(&encode_reply(&Reply::Refused("not a request".into())));
            continue;
        };
        if fp != mine {
            // another binary or configuration: make way for its keeper
            drop(sock);
            let _ = conn.send(&encode_reply(&Reply::Refused(
                "a keeper of another binary or configuration".into(),
            )));
            return;
        }
        // every change that completed before the request was sent is
        // queued by now (or was taken while idle: `dirty`): look before
        // answering
        let stale = dirty.is_some()
            || match &view {
                Ok(v) => mounts.changed() | v.watches.changed(),
                Err(_) => read_at.elapsed() >= RETRY,
            };
        if stale {
            if reread(cfg, &mounts, &mut view).is_err() {
                let why = "the configuration changed".into();
                let _ = conn.send(&encode_reply(&Reply::Refused(why)));
                return;
            }
            read_at = Instant::now();
            dirty = None;
        }
        let reply = match &view {
            Ok(v) => match v.index.lookup(ip) {
                Some(a) => Reply::Answer(a),
                None => Reply::Refused("the index does not answer".into()),
            },
            Err(why) => Reply::Refused(format!("not serving: {why}")),
        };
        let _ = conn.send(&encode_reply(&reply));
    }
}

/// Read the registry again into `view` (the mount table's flag taken
/// first, the old watches dropped first: they count against the limit).
/// Err: the configuration is no longer the keeper's.
fn reread(
    cfg: &Config,
    mounts: &sys::fs::MountWatch,
    view: &mut Result<View, String>,
) -> Result<(), ()> {
    drop(std::mem::replace(view, Err(String::new())));
    let _ = mounts.changed();
    *view = read(cfg);
    match view {
        Err(why) if why == CHANGED => Err(()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, root: &str, rsc: Option<&str>, ip: &str) -> Package {
        Package {
            name: name.into(),
            root: root.into(),
            addrs: vec![ip.parse().unwrap()],
            owner: None,
            status: None,
            resource: rsc.map(str::to_string),
            skipped: None,
        }
    }

    /// Every answer survives the wire, odd bytes included; garbage is not
    /// an answer.
    #[test]
    fn replies_round_trip() {
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        for r in [
            Reply::Answer(Ok(None)),
            Reply::Answer(Ok(Some(pkg("pkg01", "/srv/a b%c\n", None, "10.0.0.7")))),
            Reply::Answer(Ok(Some(pkg(
                "pkg02",
                "/pkg02",
                Some("pcue_pkg02"),
                "10.0.0.7",
            )))),
            Reply::Answer(Err("can't read '/x y': Permission denied".into())),
            Reply::Answer(Err(String::new())),
            Reply::Refused("not serving: can't watch '/a': No space left on device".into()),
        ] {
            let b = encode_reply(&r);
            assert_eq!(b.iter().filter(|&&c| c == b'\n').count(), 1);
            assert_eq!(decode_reply(&b, ip), Some(r));
        }
        // an IPv4-mapped address comes back as the registry names it
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        let b = encode_reply(&Reply::Answer(Ok(Some(pkg("p", "/p", None, "10.0.0.7")))));
        match decode_reply(&b, mapped) {
            Some(Reply::Answer(Ok(Some(p)))) => assert_eq!(p.addrs, vec![ip]),
            other => panic!("{other:?}"),
        }
        for bad in [
            &b""[..],
            b"n",
            b"n\nn\n",
            b"p a b\n",
            b"p a b c d\n",
            b"e %zz\n",
            b"q x\n",
            b"e \xff\n",
        ] {
            assert_eq!(decode_reply(bad, ip), None, "{bad:?}");
        }
    }

    #[test]
    fn requests_round_trip_and_reject_garbage() {
        let ip: IpAddr = "fd00::1".parse().unwrap();
        let r = request("0.1.0|1:2:3:4.5|x%20y", ip);
        assert_eq!(parse_request(&r), Some(("0.1.0|1:2:3:4.5|x%20y", ip)));
        for bad in [
            &b""[..],
            b"pcue-keeper 1\nfp\n10.0.0.1",
            b"pcue-keeper 2\nfp\n10.0.0.1\n",
            b"pcue-keeper 1\nfp\nnot-an-ip\n",
            b"pcue-keeper 1\nfp\n10.0.0.1\nmore\n",
        ] {
            assert_eq!(parse_request(bad), None, "{bad:?}");
        }
    }

    fn cfg(sgconf: &str, index: &str) -> Config {
        Config {
            sgconf: sgconf.into(),
            sgsbin: Vec::new(),
            root_prefix: PathBuf::from("/"),
            use_cmviewcl: false,
            unread: None,
            cib: Some("/var/lib/pacemaker/cib/cib.xml".into()),
            index: Some(index.into()),
            conf_file: Some("/etc/cmcluster.conf".into()),
        }
    }

    /// The name follows the index and the configuration; the fingerprint
    /// the configuration and this binary; whether cmviewcl may be asked
    /// changes neither (an index stands only where it is not).
    #[test]
    fn names_and_fingerprints_follow_the_configuration() {
        let a = cfg("/etc/cmcluster", "/run/pcue-registry.idx");
        let n = name(&a).unwrap();
        assert!(n.starts_with(b"pcue-registry-keeper/") && n.len() < 100);
        assert_eq!(name(&a.clone()), Some(n.clone()));
        let mut b = a.clone();
        b.use_cmviewcl = true;
        assert_eq!(name(&b), Some(n.clone()));
        assert_eq!(fingerprint(&b), fingerprint(&a));
        for other in [
            cfg("/etc/other", "/run/pcue-registry.idx"),
            cfg("/etc/cmcluster", "/run/other.idx"),
            Config {
                root_prefix: "/srv".into(),
                ..a.clone()
            },
            Config {
                cib: None,
                ..a.clone()
            },
        ] {
            assert_ne!(name(&other), Some(n.clone()), "{other:?}");
            assert_ne!(fingerprint(&other), fingerprint(&a), "{other:?}");
        }
        // this binary's identity is in the fingerprint
        let fp = fingerprint(&a);
        let exe = std::fs::metadata("/proc/self/exe").unwrap();
        use std::os::unix::fs::MetadataExt;
        assert!(
            fp.starts_with(&format!("{}:{}:{}:", exe.dev(), exe.ino(), exe.size())),
            "{fp}"
        );
        // no keeper for a relative path (it runs in /), nor without index
        assert_eq!(name(&cfg("etc/cmcluster", "/run/x.idx")), None);
        assert_eq!(
            name(&Config {
                index: None,
                ..a.clone()
            }),
            None
        );
    }

    /// The watches of a registry whose SGCONF is reached through a
    /// symlink, with a CIB file not there: what concerns a source is a
    /// change, what only shares its directories is not.
    #[test]
    fn watches_see_what_concerns_a_source_and_nothing_else() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let d = std::env::temp_dir().join(format!("pcue-keeper-w-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("real/sg/pkg01")).unwrap();
        std::fs::write(d.join("real/sg/pkg01/pkg01.cntl"), "IP[0]=10.0.0.1\n").unwrap();
        symlink("real", d.join("link")).unwrap();
        let fresh = || {
            let mut w = Watches::new().unwrap();
            for p in [
                "link/sg",
                "link/sg/pkg01",
                "link/sg/pkg01/pkg01.cntl",
                "no-cib/cib.xml",
            ] {
                w.source(&d.join(p));
            }
            assert_eq!(w.failed, None);
            assert!(!w.changed(), "nothing yet");
            w
        };
        let w = fresh();
        // beside the sources, in the directories their paths go through
        std::fs::write(d.join("unrelated"), "x").unwrap();
        std::fs::write(d.join("real/unrelated"), "x").unwrap();
        std::fs::create_dir(d.join("real/other")).unwrap();
        let _ = std::fs::read_to_string(d.join("real/sg/pkg01/pkg01.cntl")).unwrap();
        assert!(!w.changed(), "unrelated entries and a read are not changes");
        type Edit = Box<dyn Fn(&Path)>;
        let edits: Vec<(&str, Edit)> = vec![
            (
                "appended",
                Box::new(|d| {
                    use std::io::Write;
                    let mut f = std::fs::OpenOptions::new()
                        .append(true)
                        .open(d.join("real/sg/pkg01/pkg01.cntl"))
                        .unwrap();
                    f.write_all(b"IP[1]=10.0.0.2\n").unwrap();
                }),
            ),
            (
                "a package added",
                Box::new(|d| std::fs::create_dir(d.join("real/sg/pkg02")).unwrap()),
            ),
            (
                "the CIB's directory made",
                Box::new(|d| std::fs::create_dir(d.join("no-cib")).unwrap()),
            ),
            (
                "the symlink retargeted",
                Box::new(|d| {
                    std::fs::remove_file(d.join("link")).unwrap();
                    symlink("other", d.join("link")).unwrap();
                }),
            ),
            (
                "SGCONF's mode",
                Box::new(|d| {
                    let p = d.join("real/sg");
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap()
                }),
            ),
        ];
        for (what, edit) in edits {
            let w = fresh();
            edit(&d);
            assert!(w.changed(), "{what}");
            assert!(!w.changed(), "{what}: seen once");
            // back as it was for the next one
            let _ = std::fs::remove_dir(d.join("real/sg/pkg02"));
            let _ = std::fs::remove_dir(d.join("no-cib"));
            let _ = std::fs::remove_file(d.join("link"));
            symlink("real", d.join("link")).unwrap();
        }
        std::fs::remove_dir_all(&d).unwrap();
    }
}
