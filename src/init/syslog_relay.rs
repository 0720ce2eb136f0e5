//! pkginit's syslog relay: the package's `/dev/log` is pkginit's own
//! datagram socket while pkginit runs; each line a package program sends
//! there goes on to the node's socket (the layout's link target,
//! `/system/dev/log`) with the package's name put before its tag:
//! `<30>Dec  1 22:00:00 sshd[123]: msg` reaches the node as
//! `<30>Dec  1 22:00:00 pkg01/sshd[123]: msg`. rsyslog's traditional
//! templates show that tag as it is and its `programname` is `pkg01`;
//! journald's `SYSLOG_IDENTIFIER` is `pkg01/sshd`.
//!
//! The node's socket is found under the node's root as the package sees it
//! ([`SYSTEM`]): on a systemd node `/dev/log` is a link to
//! `/run/systemd/journal/dev-log`, whose absolute target means the node's
//! /run, so a link met under `/system` is followed from `/system` again
//! ([`resolve`]), never into the package's own /run; a plain socket (an
//! rsyslog node) is used as it is. Found again whenever a line cannot be
//! sent (a restarted syslog daemon, a package that moved to another node).
//!
//! Each line goes on with its sender's credentials (SCM_CREDENTIALS: pid,
//! uid, gid, as the kernel gave them to the relay), so the node's syslog
//! sees the package process, not pkginit: journald's `_UID` and `_PID`, an
//! rsyslog template's `%uid%`. A sender gone by then (ESRCH) keeps its uid
//! and gid with pkginit's pid; where the kernel refuses (EPERM: pkginit
//! without CAP_SETUID/CAP_SETGID/CAP_SYS_ADMIN) lines go with pkginit's own
//! credentials, and pkginit says so once.
//!
//! RFC 5424 lines (`<PRI>1 TIME HOST APP PROCID MSGID SD MSG`) are
//! converted to the traditional format the node's local socket reads
//! (`<PRI>Mmm dd hh:mm:ss pkg/APP[PROCID]: MSG`): neither rsyslog's
//! imuxsock nor journald parses RFC 5424 there (rsyslog's programname
//! would be `1`, escaping a per-package filter).
//!
//! Bounded and never blocking: a line is sent by path each time, without
//! waiting — a full, missing or refusing node socket drops the line and
//! counts it; the count, the node socket and the last reason are in
//! pkginit's status file (`telinit -s`), and a warning says so at most
//! once a minute (and at level 0); a datagram is cut at [`MAX_LINE`]
//! bytes; one call of [`Relay::drain`] handles at most [`BATCH`]
//! datagrams, so a flood from a package user delays pkginit's loop by one
//! batch at most. The package's name always comes first: a user's forged
//! `pkg02/x:` tag ends up as `pkg01/pkg02/x:`.
//!
//! At level 0 the layout's link is put back, so a package's programs
//! still reach the node (untagged) while no pkginit runs.

use crate::sys::syslog::{self as sys_syslog, Creds};
use crate::sys::Errno;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

/// The package's log socket (relative to the package root).
pub const DEV_LOG: &str = "/dev/log";
/// Where the socket is made before it is renamed over `/dev/log`.
const DEV_LOG_TMP: &str = "/dev/.log.pkginit";
/// The node's socket through the package's view of the node's /dev.
pub const NODE_LOG: &str = "/system/dev/log";
/// The node's root as the package sees it: a link found below it is
/// followed from here, not from the package's root.
pub const SYSTEM: &str = "/system";
/// Links followed at most when finding the node's socket.
const MAX_LINKS: usize = 40;
/// The longest line relayed, in bytes (rsyslog's default maxMessageSize);
/// the rest of a longer datagram is dropped.
pub const MAX_LINE: usize = 8192;
/// Datagrams handled per turn of pkginit's loop.
pub const BATCH: usize = 256;
/// Dropped lines are reported at most this often.
const REPORT_EVERY_S: u64 = 60;

/// The running relay.
pub struct Relay {
    sock: UnixDatagram,
    out: UnixDatagram,
    /// The node's socket, as the layout names it (`/system/dev/log`).
    pub node: PathBuf,
    /// Where that leads: the socket lines are sent to.
    pub target: PathBuf,
    pkg: String,
    id: (u64, u64),
    /// The link to put back at the end.
    restore: PathBuf,
    buf: Vec<u8>,
    pub relayed: u64,
    pub dropped: u64,
    reported: u64,
    report_at: Option<Instant>,
    /// Why the latest line was dropped.
    pub why: Option<String>,
    /// The kernel refused to send a sender's credentials (EPERM): said
    /// once, then lines go with pkginit's own.
    creds_refused: bool,
    /// Senders' credentials arrive with their lines (SO_PASSCRED).
    creds_on: bool,
}

/// What is at `/dev/log` now, and what the relay does about it.
enum Found {
    /// The layout's link: relayed to its target.
    Link(PathBuf),
    /// A socket nobody listens on (a pkginit that was killed): replaced.
    Stale,
    /// Something else (a socket a daemon owns, a file): left alone.
    Other(&'static str),
}

fn look() -> Found {
    let Ok(m) = std::fs::symlink_metadata(DEV_LOG) else {
        return Found::Other("missing");
    };
    let ft = m.file_type();
    if ft.is_symlink() {
        return match std::fs::read_link(DEV_LOG) {
            Ok(t) if t.is_absolute() => Found::Link(t),
            Ok(t) => Found::Link(Path::new("/dev").join(t)),
            Err(_) => Found::Other("an unreadable link"),
        };
    }
    if !ft.is_socket() {
        return Found::Other("not a link or a socket");
    }
    match UnixDatagram::unbound().and_then(|s| s.connect(DEV_LOG)) {
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => Found::Stale,
        Ok(()) => Found::Other("a socket some daemon listens on"),
        Err(_) => Found::Other("a socket that cannot be reached"),
    }
}

impl Relay {
    /// Put the relay's socket at `/dev/log` for package `pkg`, in place of
    /// the layout's link (or a socket a killed pkginit left). None, logged,
    /// when `/dev/log` is something else or the socket cannot be made: the
    /// package then logs as before, untagged.
    pub fn start(pkg: &str) -> Option<Relay> {
        let (node, restore) = match look() {
            Found::Link(t) => (t.clone(), t),
            Found::Stale => (PathBuf::from(NODE_LOG), PathBuf::from(NODE_LOG)),
            Found::Other(why) => {
                log::info!("{DEV_LOG}: {why}: no syslog relay, lines go untagged");
                return None;
            }
        };
        let made = UnixDatagram::unbound()
            .and_then(|out| out.set_nonblocking(true).map(|_| out))
            .and_then(|out| Self::bind().map(|b| (out, b)));
        match made {
            Ok((out, (sock, id))) => {
                let creds_on = match sys_syslog::pass_credentials(&sock) {
                    Ok(()) => true,
                    Err(e) => {
                        log::warn!(
                            "syslog relay: can't ask for senders' credentials (SO_PASSCRED): {}: lines go as pkginit's own",
                            e.desc()
                        );
                        false
                    }
                };
                let target = find(&node);
                Some(Relay {
                    sock,
                    out,
                    node,
                    target,
                    pkg: pkg.to_string(),
                    id,
                    restore,
                    buf: vec![0; MAX_LINE],
                    relayed: 0,
                    dropped: 0,
                    reported: 0,
                    report_at: None,
                    why: None,
                    creds_refused: false,
                    creds_on,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_file(DEV_LOG_TMP);
                log::warn!("can't make the syslog relay '{DEV_LOG}': {e}: lines go untagged");
                None
            }
        }
    }

    fn bind() -> std::io::Result<(UnixDatagram, (u64, u64))> {
        let _ = std::fs::remove_file(DEV_LOG_TMP);
        let sock = UnixDatagram::bind(DEV_LOG_TMP)?;
        sock.set_nonblocking(true)?;
        // any package user may log, as with a node's /dev/log
        std::fs::set_permissions(DEV_LOG_TMP, std::fs::Permissions::from_mode(0o666))?;
        let m = std::fs::symlink_metadata(DEV_LOG_TMP)?;
        std::fs::rename(DEV_LOG_TMP, DEV_LOG)?;
        Ok((sock, (m.dev(), m.ino())))
    }

    /// The socket to poll.
    pub fn fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.sock)
    }

    /// Relay what waits, at most [`BATCH`] datagrams, never waiting.
    pub fn drain(&mut self) {
        for _ in 0..BATCH {
            let (n, from) = match sys_syslog::recv_with_creds(&self.sock, &mut self.buf) {
                Ok(r) => r,
                Err(Errno::EINTR) => continue,
                Err(_) => break,
            };
            let line = tag(&to_local(&self.buf[..n]), &self.pkg);
            let from = if self.creds_on { from } else { None };
            match self.send(&line, from) {
                Ok(()) => self.relayed += 1,
                Err(e) => {
                    self.dropped += 1;
                    self.why = Some(format!("'{}': {}", self.target.display(), e.desc()));
                }
            }
        }
        self.report();
    }

    /// One line to the node's socket, as `from` when given; the socket
    /// found again, and the line sent once more, when it is gone or
    /// refuses (a restarted syslog daemon). Full (EAGAIN): not retried.
    fn send(&mut self, line: &[u8], from: Option<Creds>) -> Result<(), Errno> {
        let r = self.send_as(line, from);
        match r {
            Err(Errno::ENOENT | Errno::ECONNREFUSED | Errno::ENOTSOCK | Errno::ENOTDIR) => {
                self.target = find(&self.node);
                self.send_as(line, from)
            }
            r => r,
        }
    }

    /// At most three tries: as the sender; as the sender's uid and gid
    /// with our pid when the sender is gone (ESRCH); as ourselves when the
    /// kernel refuses credentials (EPERM, said once).
    fn send_as(&mut self, line: &[u8], from: Option<Creds>) -> Result<(), Errno> {
        let own = sys_syslog::own_creds();
        let mut creds = from.filter(|_| !self.creds_refused);
        loop {
            match sys_syslog::send_as(&self.out, line, &self.target, creds) {
                Err(Errno::ESRCH) if creds.is_some_and(|c| c.pid != own.pid) => {
                    creds = creds.map(|c| Creds { pid: own.pid, ..c });
                }
                Err(Errno::EPERM) if creds.is_some() => {
                    self.creds_refused = true;
                    log::warn!(
                        "syslog relay: the kernel refuses to pass on senders' credentials: Operation not permitted: lines go with pkginit's own"
                    );
                    creds = None;
                }
                r => return r,
            }
        }
    }

    /// The status file's line: where lines go, how many went, how many
    /// were dropped and why the latest was.
    pub fn status_line(&self) -> String {
        let mut l = format!(
            "syslog {} relayed {} dropped {}",
            self.target.display(),
            self.relayed,
            self.dropped
        );
        if let Some(w) = &self.why {
            l.push_str(&format!(" why {}", w.replace('\n', " ")));
        }
        l.push('\n');
        l
    }

    /// Say how many lines were dropped since the last report, at most once
    /// a minute (pkginit's own lines go straight to the node, not through
    /// the relay).
    fn report(&mut self) {
        let new = self.dropped - self.reported;
        if new == 0
            || self
                .report_at
                .is_some_and(|t| t.elapsed().as_secs() < REPORT_EVERY_S)
        {
            return;
        }
        log::warn!(
            "syslog relay: {new} line(s) dropped: {}",
            self.why.as_deref().unwrap_or("full or gone")
        );
        self.reported = self.dropped;
        self.report_at = Some(Instant::now());
    }

    /// Put the layout's link back at `/dev/log`, if the socket there is
    /// still ours.
    pub fn stop(&mut self) {
        self.report_at = None;
        self.report();
        let ours = std::fs::symlink_metadata(DEV_LOG).is_ok_and(|m| (m.dev(), m.ino()) == self.id);
        if !ours {
            return;
        }
        let _ = std::fs::remove_file(DEV_LOG_TMP);
        let back = std::os::unix::fs::symlink(&self.restore, DEV_LOG_TMP)
            .and_then(|_| std::fs::rename(DEV_LOG_TMP, DEV_LOG));
        if let Err(e) = back {
            let _ = std::fs::remove_file(DEV_LOG_TMP);
            log::warn!("can't put the link '{DEV_LOG}' back: {e}");
        }
    }
}

/// The relay of the package whose ctxROOT is `ctx_root` (none in the
/// system context); pkginit's own lines then go straight to the node under
/// `pkg01/pkginit`, never through the relay.
pub fn for_package(ctx_root: &str) -> Option<Relay> {
    let pkg = ctx_root.trim_start_matches('/');
    if pkg.is_empty() {
        log::info!("no package name: no syslog relay");
        return None;
    }
    let relay = Relay::start(pkg)?;
    let ident: &'static str = Box::leak(format!("{pkg}/pkginit").into_boxed_str());
    crate::logging::syslog_direct(relay.target.clone(), ident);
    log::info!(
        "{DEV_LOG}: lines relayed to '{}' ('{}') as {pkg}/TAG",
        relay.node.display(),
        relay.target.display()
    );
    Some(relay)
}

/// The node's socket `node` leads to, as the package reaches it; `node`
/// itself when a link cannot be read or there are too many.
fn find(node: &Path) -> PathBuf {
    let found = resolve(node, |p| {
        let m = std::fs::symlink_metadata(p).ok()?;
        if m.file_type().is_symlink() {
            std::fs::read_link(p).ok()
        } else {
            None
        }
    });
    match found {
        Some(t) => t,
        None => {
            log::warn!(
                "syslog relay: '{}': too many links or unreadable",
                node.display()
            );
            node.to_path_buf()
        }
    }
}

fn components(p: &Path) -> VecDeque<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// `path` (absolute, in the package) with every symbolic link on the way
/// followed, as the kernel would, except that a link below [`SYSTEM`] (the
/// node's root) with an absolute target is followed from [`SYSTEM`]: the
/// node's `/dev/log -> /run/systemd/journal/dev-log` means the node's /run.
/// `readlink` answers a link's target (None: not a link). None after
/// [`MAX_LINKS`] links (a loop).
pub fn resolve(path: &Path, readlink: impl Fn(&Path) -> Option<PathBuf>) -> Option<PathBuf> {
    let system = Path::new(SYSTEM);
    let mut todo = components(path);
    let mut cur = PathBuf::from("/");
    let mut links = 0;
    while let Some(c) = todo.pop_front() {
        if c == ".." {
            // never above the node's root from a node path
            if cur != system {
                cur.pop();
            }
            continue;
        }
        let next = cur.join(&c);
        match readlink(&next) {
            Some(t) => {
                links += 1;
                if links > MAX_LINKS {
                    return None;
                }
                if t.is_absolute() {
                    cur = if next.starts_with(system) {
                        system.to_path_buf()
                    } else {
                        PathBuf::from("/")
                    };
                }
                let mut front = components(&t);
                front.extend(todo);
                todo = front;
            }
            None => cur = next,
        }
    }
    Some(cur)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// An RFC 5424 line (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
/// STRUCTURED-DATA [MSG]`) in the traditional format of a local socket:
/// `<PRI>Mmm dd hh:mm:ss APP-NAME[PROCID]: MSG` (the timestamp's date and
/// time as written, its fraction and offset left out; `-` fields left
/// out; structured data kept before the message when there is some, a
/// BOM before the message dropped). Any other line is returned as it is.
pub fn to_local(line: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    let at = pri_len(line);
    if at == 0 || !line[at..].starts_with(b"1 ") {
        return Cow::Borrowed(line);
    }
    let mut rest = &line[at + 2..];
    let mut word = || -> Option<&[u8]> {
        let end = rest.iter().position(|&c| c == b' ').unwrap_or(rest.len());
        let w = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        (!w.is_empty()).then_some(w)
    };
    let (Some(time), Some(_host), Some(app), Some(procid), Some(_msgid)) =
        (word(), word(), word(), word(), word())
    else {
        return Cow::Borrowed(line);
    };
    // STRUCTURED-DATA: "-" or one or more [...] elements (with escapes)
    let sd_len = if rest.starts_with(b"-") {
        1
    } else if rest.starts_with(b"[") {
        let mut i = 0;
        let mut sd_end = None;
        let mut in_quotes = false;
        while i < rest.len() {
            match rest[i] {
                b'\\' if in_quotes => i += 1,
                b'"' => in_quotes = !in_quotes,
                b']' if !in_quotes && rest.get(i + 1) != Some(&b'[') => {
                    sd_end = Some(i + 1);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        match sd_end {
            Some(e) => e,
            None => return Cow::Borrowed(line),
        }
    } else {
        return Cow::Borrowed(line);
    };
    let sd = &rest[..sd_len];
    let mut msg = rest.get(sd_len..).unwrap_or_default();
    msg = msg.strip_prefix(b" ").unwrap_or(msg);
    msg = msg.strip_prefix("\u{feff}".as_bytes()).unwrap_or(msg);
    let mut out = Vec::with_capacity(line.len());
    out.extend_from_slice(&line[..at]);
    if let Some(t) = bsd_time(time) {
        out.extend_from_slice(t.as_bytes());
    }
    if app != b"-" {
        out.extend_from_slice(app);
        if procid != b"-" {
            out.push(b'[');
            out.extend_from_slice(procid);
            out.push(b']');
        }
        out.extend_from_slice(b": ");
    }
    if sd != b"-" {
        out.extend_from_slice(sd);
        out.push(b' ');
    }
    out.extend_from_slice(msg);
    Cow::Owned(out)
}

/// `YYYY-MM-DDThh:mm:ss...` as `Mmm dd hh:mm:ss ` (the time as written:
/// the local socket's format has no zone); None for `-` or nonsense.
fn bsd_time(t: &[u8]) -> Option<String> {
    let t = std::str::from_utf8(t).ok()?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-');
    let (_y, m, day) = (d.next()?, d.next()?, d.next()?);
    let m: usize = m.parse().ok()?;
    let day: u32 = day.parse().ok()?;
    let hms = time.get(..8)?;
    let ok = hms.len() == 8
        && hms.as_bytes()[2] == b':'
        && hms.as_bytes()[5] == b':'
        && hms
            .bytes()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit());
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || !ok {
        return None;
    }
    Some(format!("{} {day:>2} {hms} ", MONTHS[m - 1]))
}

/// `<PRI>` at the start of `b`: its length, with the brackets.
fn pri_len(b: &[u8]) -> usize {
    if b.first() != Some(&b'<') {
        return 0;
    }
    match b.iter().take(5).position(|&c| c == b'>') {
        Some(e) if e > 1 && b[1..e].iter().all(u8::is_ascii_digit) => e + 1,
        _ => 0,
    }
}

/// A BSD timestamp `Mmm dd hh:mm:ss ` at the start of `b` (16 bytes).
fn is_bsd_time(b: &[u8]) -> bool {
    let Some(t) = b.get(..16) else { return false };
    let d = |i: usize| t[i].is_ascii_digit();
    t[..3].iter().all(u8::is_ascii_alphabetic)
        && t[3] == b' '
        && (t[4] == b' ' || d(4))
        && d(5)
        && t[6] == b' '
        && d(7)
        && d(8)
        && t[9] == b':'
        && d(10)
        && d(11)
        && t[12] == b':'
        && d(13)
        && d(14)
        && t[15] == b' '
}

/// The line `line` as it goes to the node: the package's name before the
/// sender's tag (`pkg/TAG[pid]:`), or as a tag of its own (`pkg: text`)
/// when the line has none; RFC 5424 lines (`<PRI>1 TIME HOST APP ...`) get
/// it before APP. Nothing else of the line changes.
pub fn tag(line: &[u8], pkg: &str) -> Vec<u8> {
    let mut at = pri_len(line);
    let rest = &line[at..];
    let mut own_tag = true;
    if at > 0 && rest.starts_with(b"1 ") {
        // VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME
        let mut spaces = 0;
        if let Some(i) = rest.iter().position(|&c| {
            spaces += usize::from(c == b' ');
            spaces == 3
        }) {
            at += i + 1;
            own_tag = false;
        }
    } else if is_bsd_time(rest) {
        at += 16;
    }
    if own_tag {
        let word = line[at..].split(|&c| c == b' ').next().unwrap_or_default();
        own_tag = !(word.ends_with(b":") || word.contains(&b'['));
    }
    let mut out = Vec::with_capacity(line.len() + pkg.len() + 2);
    out.extend_from_slice(&line[..at]);
    out.extend_from_slice(pkg.as_bytes());
    out.extend_from_slice(if own_tag { b": " } else { b"/" });
    out.extend_from_slice(&line[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::{resolve, tag, to_local};
    use std::path::{Path, PathBuf};

    /// A node root at /system with systemd's link, inside a package
    /// whose own /dev/log is the layout's link.
    fn links(p: &Path) -> Option<PathBuf> {
        let t = match p.to_str()? {
            "/dev/log" => "/system/dev/log",
            "/system/dev/log" => "/run/systemd/journal/dev-log",
            "/system/var/run" => "/run",
            "/system/dev/loop" => "/dev/loop2",
            "/system/dev/loop2" => "loop",
            "/system/dev/rel" => "../run/x",
            _ => return None,
        };
        Some(PathBuf::from(t))
    }

    #[test]
    fn a_node_link_is_followed_in_the_node_s_root() {
        let r = |p: &str| resolve(Path::new(p), links).map(|p| p.display().to_string());
        // journald's link means the node's /run, never the package's
        assert_eq!(
            r("/system/dev/log").as_deref(),
            Some("/system/run/systemd/journal/dev-log")
        );
        assert_eq!(
            r("/dev/log").as_deref(),
            Some("/system/run/systemd/journal/dev-log")
        );
        // a plain socket (rsyslog) as it is
        assert_eq!(r("/system/dev/other").as_deref(), Some("/system/dev/other"));
        // links on the way, relative ones from the link's directory
        assert_eq!(r("/system/var/run/x").as_deref(), Some("/system/run/x"));
        assert_eq!(r("/system/dev/rel").as_deref(), Some("/system/run/x"));
        // never above the node's root
        assert_eq!(r("/system/../../etc").as_deref(), Some("/system/etc"));
        // a loop
        assert_eq!(r("/system/dev/loop"), None);
    }

    fn l(s: &str) -> String {
        String::from_utf8_lossy(&to_local(s.as_bytes())).into_owned()
    }

    #[test]
    fn rfc5424_lines_in_the_local_format() {
        // logger --rfc5424
        assert_eq!(
            l("<13>1 2026-12-07T03:36:50.784119+00:00 vm app5424 - - [timeQuality tzKnown=\"1\" isSynced=\"0\"] hello"),
            "<13>Dec  7 03:36:50 app5424: [timeQuality tzKnown=\"1\" isSynced=\"0\"] hello"
        );
        assert_eq!(
            l("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 42 ID47 - \u{feff}An application event"),
            "<165>Oct 11 22:14:15 evntslog[42]: An application event"
        );
        assert_eq!(
            l("<34>1 - host su - - - 'su root' failed"),
            "<34>su: 'su root' failed"
        );
        // and then tagged with the package like any other
        assert_eq!(
            String::from_utf8_lossy(&tag(
                &to_local(b"<13>1 2026-12-01T22:00:00Z host app 42 - - hi"),
                "pkg01"
            )),
            "<13>Dec  1 22:00:00 pkg01/app[42]: hi"
        );
        // what is not RFC 5424 is left alone
        for s in [
            "<13>Dec  1 22:00:00 app: hi",
            "<13>1 short",
            "<13>1 2026-12-01T22:00:00Z host app 42 - [unclosed hi",
            "1 2026-12-01T22:00:00Z host app 42 - - no pri",
        ] {
            assert_eq!(l(s), s);
        }
    }

    fn t(s: &str) -> String {
        String::from_utf8_lossy(&tag(s.as_bytes(), "pkg01")).into_owned()
    }

    #[test]
    fn the_package_comes_before_the_tag() {
        // musl's and glibc's syslog(3), util-linux logger on /dev/log
        assert_eq!(
            t("<38>Dec  1 22:00:00 sshd[123]: Accepted publickey"),
            "<38>Dec  1 22:00:00 pkg01/sshd[123]: Accepted publickey"
        );
        assert_eq!(
            t("<13>Dec 11 09:05:59 app: hello"),
            "<13>Dec 11 09:05:59 pkg01/app: hello"
        );
        // no timestamp (rsyslog stamps it)
        assert_eq!(t("<13>cron[9]: job"), "<13>pkg01/cron[9]: job");
        // RFC 5424 (logger --rfc5424)
        assert_eq!(
            t("<13>1 2026-12-01T22:00:00Z host app 42 - - hi"),
            "<13>1 2026-12-01T22:00:00Z host pkg01/app 42 - - hi"
        );
    }

    #[test]
    fn a_line_without_a_tag_gets_the_package_as_its_tag() {
        assert_eq!(
            t("<13>Dec  1 22:00:00 just words"),
            "<13>Dec  1 22:00:00 pkg01: just words"
        );
        assert_eq!(t("plain"), "pkg01: plain");
        assert_eq!(t(""), "pkg01: ");
        assert_eq!(t("<1234567>x: y"), "pkg01/<1234567>x: y");
    }

    #[test]
    fn a_forged_tag_stays_behind_the_real_one() {
        assert_eq!(
            t("<13>pkg02/sshd[1]: root login"),
            "<13>pkg01/pkg02/sshd[1]: root login"
        );
        assert_eq!(t("<13>pkg02: x"), "<13>pkg01/pkg02: x");
        // bytes are passed on as they are, never interpreted
        assert_eq!(
            tag(b"<13>a: \xff\n<13>pkg02/x: y\0", "p"),
            b"<13>p/a: \xff\n<13>pkg02/x: y\0".to_vec()
        );
    }
}
