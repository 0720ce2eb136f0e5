//! pkginit's syslog relay: the package's `/dev/log` is pkginit's own
//! datagram socket while pkginit runs; each line a package program sends
//! there goes on to the node's socket (the layout's link target,
//! `/system/dev/log`) with the package's name put before its tag:
//! `<30>Dec  1 22:00:00 sshd[123]: msg` reaches the node as
//! `<30>Dec  1 22:00:00 pkg01/sshd[123]: msg`. rsyslog's traditional
//! templates show that tag as it is and its `programname` is `pkg01`;
//! journald's `SYSLOG_IDENTIFIER` is `pkg01/sshd`.
//!
//! Bounded and never blocking: a line is sent by path each time (a
//! restarted node syslog daemon's new socket is found by the next line),
//! without waiting — a full, missing or refusing node socket drops the line
//! and counts it; a datagram is cut at [`MAX_LINE`] bytes; one call of
//! [`Relay::drain`] handles at most [`BATCH`] datagrams, so a flood from a
//! package user delays pkginit's loop by one batch at most. The package's
//! name always comes first: a user's forged `pkg02/x:` tag ends up as
//! `pkg01/pkg02/x:`.
//!
//! At level 0 the layout's link is put back, so a package's programs
//! still reach the node (untagged) while no pkginit runs.

use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The package's log socket (relative to the package root).
pub const DEV_LOG: &str = "/dev/log";
/// Where the socket is made before it is renamed over `/dev/log`.
const DEV_LOG_TMP: &str = "/dev/.log.pkginit";
/// The node's socket through the package's view of the node's /dev.
pub const NODE_LOG: &str = "/system/dev/log";
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
    /// The node's socket, as the package sees it.
    pub node: PathBuf,
    pkg: String,
    id: (u64, u64),
    /// The link to put back at the end.
    restore: PathBuf,
    buf: Vec<u8>,
    pub relayed: u64,
    pub dropped: u64,
    reported: u64,
    report_at: Option<Instant>,
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
            Ok((out, (sock, id))) => Some(Relay {
                sock,
                out,
                node,
                pkg: pkg.to_string(),
                id,
                restore,
                buf: vec![0; MAX_LINE],
                relayed: 0,
                dropped: 0,
                reported: 0,
                report_at: None,
            }),
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
            let n = match self.sock.recv(&mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let line = tag(&self.buf[..n], &self.pkg);
            match self.out.send_to(&line, &self.node) {
                Ok(_) => self.relayed += 1,
                // full (EAGAIN), restarting (ENOENT, ECONNREFUSED): dropped
                Err(_) => self.dropped += 1,
            }
        }
        self.report();
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
            "syslog relay: {new} line(s) dropped: '{}' full or gone",
            self.node.display()
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
    crate::logging::syslog_direct(relay.node.clone(), ident);
    log::info!(
        "{DEV_LOG}: lines relayed to '{}' as {pkg}/TAG",
        relay.node.display()
    );
    Some(relay)
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
    use super::tag;

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
