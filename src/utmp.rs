//! utmp/wtmp records in glibc's x86_64 format (384 bytes), written by our own
//! code: musl's utmp functions are no-ops. `who`, `last` and `utmpdump` read
//! what we write. Layout: glibc's `struct utmp` (bits/utmp.h), as
//! `utmpdump` shows it.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

pub const RECORD: usize = 384;

pub const EMPTY: i16 = 0;
pub const RUN_LVL: i16 = 1;
pub const BOOT_TIME: i16 = 2;
pub const INIT_PROCESS: i16 = 5;
pub const LOGIN_PROCESS: i16 = 6;
pub const USER_PROCESS: i16 = 7;
pub const DEAD_PROCESS: i16 = 8;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Utmp {
    pub ut_type: i16,
    pub pid: i32,
    pub line: String,
    pub id: String,
    pub user: String,
    pub host: String,
    pub exit_termination: i16,
    pub exit_status: i16,
    pub session: i32,
    pub tv_sec: i32,
    pub tv_usec: i32,
    pub addr_v6: [u8; 16],
}

fn put(buf: &mut [u8], at: usize, len: usize, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(len);
    buf[at..at + n].copy_from_slice(&b[..n]);
}

fn get(buf: &[u8], at: usize, len: usize) -> String {
    let f = &buf[at..at + len];
    let end = f.iter().position(|&c| c == 0).unwrap_or(len);
    String::from_utf8_lossy(&f[..end]).into_owned()
}

fn i32_at(buf: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

fn i16_at(buf: &[u8], at: usize) -> i16 {
    i16::from_le_bytes([buf[at], buf[at + 1]])
}

impl Utmp {
    /// A record stamped with the current time.
    pub fn now(ut_type: i16) -> Utmp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Utmp {
            ut_type,
            tv_sec: d.as_secs() as i32,
            tv_usec: d.subsec_micros() as i32,
            ..Default::default()
        }
    }

    /// A RUN_LVL record for a change from `prev` to `new` (sysvinit's form:
    /// user `runlevel`, id `~~`, line `~`, pid = new + 256 * prev).
    pub fn run_level(new: u8, prev: u8) -> Utmp {
        Utmp {
            pid: new as i32 + 256 * prev as i32,
            line: "~".into(),
            id: "~~".into(),
            user: "runlevel".into(),
            ..Utmp::now(RUN_LVL)
        }
    }

    /// The BOOT_TIME record init writes at start.
    pub fn boot() -> Utmp {
        Utmp {
            line: "~".into(),
            id: "~~".into(),
            user: "reboot".into(),
            ..Utmp::now(BOOT_TIME)
        }
    }

    pub fn encode(&self) -> [u8; RECORD] {
        let mut b = [0u8; RECORD];
        b[0..2].copy_from_slice(&self.ut_type.to_le_bytes());
        b[4..8].copy_from_slice(&self.pid.to_le_bytes());
        put(&mut b, 8, 32, &self.line);
        put(&mut b, 40, 4, &self.id);
        put(&mut b, 44, 32, &self.user);
        put(&mut b, 76, 256, &self.host);
        b[332..334].copy_from_slice(&self.exit_termination.to_le_bytes());
        b[334..336].copy_from_slice(&self.exit_status.to_le_bytes());
        b[336..340].copy_from_slice(&self.session.to_le_bytes());
        b[340..344].copy_from_slice(&self.tv_sec.to_le_bytes());
        b[344..348].copy_from_slice(&self.tv_usec.to_le_bytes());
        b[348..364].copy_from_slice(&self.addr_v6);
        b
    }

    pub fn decode(b: &[u8]) -> Option<Utmp> {
        if b.len() < RECORD {
            return None;
        }
        let mut addr_v6 = [0u8; 16];
        addr_v6.copy_from_slice(&b[348..364]);
        Some(Utmp {
            ut_type: i16_at(b, 0),
            pid: i32_at(b, 4),
            line: get(b, 8, 32),
            id: get(b, 40, 4),
            user: get(b, 44, 32),
            host: get(b, 76, 256),
            exit_termination: i16_at(b, 332),
            exit_status: i16_at(b, 334),
            session: i32_at(b, 336),
            tv_sec: i32_at(b, 340),
            tv_usec: i32_at(b, 344),
            addr_v6,
        })
    }

    /// Store an IP address the way glibc does (IPv4 in the first word).
    pub fn set_addr(&mut self, ip: std::net::IpAddr) {
        self.addr_v6 = [0; 16];
        match ip {
            std::net::IpAddr::V4(v4) => self.addr_v6[..4].copy_from_slice(&v4.octets()),
            std::net::IpAddr::V6(v6) => self.addr_v6.copy_from_slice(&v6.octets()),
        }
    }

    /// The slot this record takes in utmp: the same type for run-level and
    /// boot records, the same `ut_id` for process records (as pututline).
    fn same_slot(&self, other: &Utmp) -> bool {
        match self.ut_type {
            RUN_LVL | BOOT_TIME => other.ut_type == self.ut_type,
            INIT_PROCESS | LOGIN_PROCESS | USER_PROCESS | DEAD_PROCESS => {
                matches!(
                    other.ut_type,
                    INIT_PROCESS | LOGIN_PROCESS | USER_PROCESS | DEAD_PROCESS
                ) && other.id == self.id
            }
            _ => false,
        }
    }
}

/// How long a writer waits for the lock: utmp and wtmp are readable (and so
/// lockable) by every user of the package, and a login may not hang on a
/// lock someone holds on purpose (pkginit's loop does not wait at all: it
/// uses the `try_` writers and queues). Long enough for
/// many logins at once on a loaded node; the pause grows from 1 ms to 50 ms,
/// so a lock held for a moment costs little.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
const LOCK_PAUSE_MAX: std::time::Duration = std::time::Duration::from_millis(50);

/// An exclusive fcntl lock on the whole file, held until the file is closed,
/// waited for up to `wait`: false when someone else still holds one.
fn lock(f: &File, path: &Path, wait: std::time::Duration) -> Result<bool> {
    let start = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(1);
    loop {
        match crate::sys::locks::try_write_lock(f) {
            Ok(true) => return Ok(true),
            Ok(false) if start.elapsed() >= wait => return Ok(false),
            Ok(false) => {}
            Err(e) => return Err(Error::errno("lock", path.display(), e)),
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(LOCK_PAUSE_MAX);
    }
}

fn busy(path: &Path) -> Error {
    Error::errno("lock", path.display(), crate::sys::Errno::EAGAIN)
}

fn open(path: &Path, append: bool) -> Result<File> {
    crate::sys::fs::open_nofollow_rw(path, append)
        .map_err(|e| Error::io("open", path.display(), &e))
}

/// Put `rec` into utmp: over the record of the same slot, else over the
/// first empty or dead one, else at the end. A torn record at the end (size
/// not a multiple of 384) is overwritten rather than built upon.
pub fn write_utmp(path: &Path, rec: &Utmp) -> Result<()> {
    if !utmp_within(path, rec, LOCK_WAIT)? {
        return Err(busy(path));
    }
    Ok(())
}

/// As [`write_utmp`], but one lock attempt only: false (nothing written)
/// when someone holds a lock on the file. For a loop that must never wait
/// on a lock a user holds: it keeps the record and tries again later.
pub fn try_write_utmp(path: &Path, rec: &Utmp) -> Result<bool> {
    utmp_within(path, rec, std::time::Duration::ZERO)
}

fn utmp_within(path: &Path, rec: &Utmp, wait: std::time::Duration) -> Result<bool> {
    let mut f = open(path, false)?;
    if !lock(&f, path, wait)? {
        return Ok(false);
    }
    let mut buf = Vec::new();
    f.seek(SeekFrom::Start(0))
        .and_then(|_| f.read_to_end(&mut buf))
        .map_err(|e| Error::io("read", path.display(), &e))?;
    let records: Vec<Utmp> = buf.chunks_exact(RECORD).filter_map(Utmp::decode).collect();
    let slot = records
        .iter()
        .position(|r| rec.same_slot(r))
        .or_else(|| {
            // reuse a free slot only for a new process record
            (rec.ut_type != RUN_LVL && rec.ut_type != BOOT_TIME)
                .then(|| records.iter().position(|r| r.ut_type == EMPTY))
                .flatten()
        })
        .unwrap_or(records.len());
    if buf.len() % RECORD != 0 {
        log::warn!(
            "{}: torn record at the end ({} bytes); overwriting it",
            path.display(),
            buf.len() % RECORD
        );
    }
    f.write_all_at(&rec.encode(), (slot * RECORD) as u64)
        .map_err(|e| Error::io("write", path.display(), &e))?;
    if slot == records.len() {
        let want = ((slot + 1) * RECORD) as u64;
        if buf.len() as u64 > want {
            let _ = f.set_len(want);
        }
    }
    Ok(true)
}

/// Append one record to wtmp with a single write; a short write is cut back
/// off so no half record is left.
pub fn append_wtmp(path: &Path, rec: &Utmp) -> Result<()> {
    if !wtmp_within(path, rec, LOCK_WAIT)? {
        return Err(busy(path));
    }
    Ok(())
}

/// As [`append_wtmp`], one lock attempt only: false when someone holds a
/// lock on the file (nothing written).
pub fn try_append_wtmp(path: &Path, rec: &Utmp) -> Result<bool> {
    wtmp_within(path, rec, std::time::Duration::ZERO)
}

fn wtmp_within(path: &Path, rec: &Utmp, wait: std::time::Duration) -> Result<bool> {
    let mut f = open(path, true)?;
    if !lock(&f, path, wait)? {
        return Ok(false);
    }
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len % RECORD as u64 != 0 {
        // align, so later readers stay in step
        let aligned = len - len % RECORD as u64;
        log::warn!("{}: torn record at the end; cutting it off", path.display());
        f.set_len(aligned)
            .map_err(|e| Error::io("truncate", path.display(), &e))?;
    }
    let before = f.metadata().map(|m| m.len()).unwrap_or(0);
    if let Err(e) = f.write_all(&rec.encode()) {
        let _ = f.set_len(before);
        return Err(Error::io("write", path.display(), &e));
    }
    Ok(true)
}

/// `pts/3` for `/dev/pts/3`; `ut_id` is the last 4 characters of the line.
pub fn line_and_id(tty: &str) -> (String, String) {
    let line = tty.strip_prefix("/dev/").unwrap_or(tty).to_string();
    let id: String = {
        let chars: Vec<char> = line.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    (line, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every whole record of a utmp or wtmp file.
    fn read_all(path: &Path) -> Result<Vec<Utmp>> {
        let mut buf = Vec::new();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut buf))
            .map_err(|e| Error::io("read", path.display(), &e))?;
        Ok(buf.chunks_exact(RECORD).filter_map(Utmp::decode).collect())
    }

    #[test]
    fn layout_offsets() {
        let mut r = Utmp {
            ut_type: USER_PROCESS,
            pid: 0x01020304,
            line: "pts/3".into(),
            id: "ts/3".into(),
            user: "alice".into(),
            host: "10.0.0.1".into(),
            tv_sec: 1_700_000_000,
            tv_usec: 5,
            ..Default::default()
        };
        r.set_addr("10.0.0.1".parse().unwrap());
        let b = r.encode();
        assert_eq!(&b[0..2], &7i16.to_le_bytes());
        assert_eq!(&b[4..8], &[4, 3, 2, 1]);
        assert_eq!(&b[8..13], b"pts/3");
        assert_eq!(&b[40..44], b"ts/3");
        assert_eq!(&b[44..49], b"alice");
        assert_eq!(&b[76..84], b"10.0.0.1");
        assert_eq!(&b[340..344], &1_700_000_000i32.to_le_bytes());
        assert_eq!(&b[348..352], &[10, 0, 0, 1]);
        assert_eq!(Utmp::decode(&b).unwrap(), r);
    }

    #[test]
    fn run_level_pid() {
        let r = Utmp::run_level(b'3', b'N');
        assert_eq!(r.pid, b'3' as i32 + 256 * b'N' as i32);
        assert_eq!(
            (r.user.as_str(), r.id.as_str(), r.line.as_str()),
            ("runlevel", "~~", "~")
        );
    }

    #[test]
    fn slots_and_torn_tail() {
        let dir = std::env::temp_dir().join(format!("pcue-utmp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("utmp");
        std::fs::write(&p, [0u8; 100]).unwrap(); // a torn record
        write_utmp(&p, &Utmp::run_level(b'2', b'N')).unwrap();
        write_utmp(&p, &Utmp::run_level(b'3', b'2')).unwrap();
        let login = Utmp {
            id: "ts/1".into(),
            user: "a".into(),
            ..Utmp::now(USER_PROCESS)
        };
        write_utmp(&p, &login).unwrap();
        write_utmp(
            &p,
            &Utmp {
                ut_type: DEAD_PROCESS,
                user: String::new(),
                ..login.clone()
            },
        )
        .unwrap();
        let all = read_all(&p).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 2 * RECORD as u64);
        assert_eq!(
            all[0].pid,
            b'3' as i32 + 256 * b'2' as i32,
            "one RUN_LVL record, replaced"
        );
        assert_eq!(all[1].ut_type, DEAD_PROCESS);
        let w = dir.join("wtmp");
        std::fs::write(&w, [0u8; 10]).unwrap();
        append_wtmp(&w, &login).unwrap();
        append_wtmp(&w, &login).unwrap();
        assert_eq!(std::fs::metadata(&w).unwrap().len(), 2 * RECORD as u64);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_held_lock_is_given_up_not_waited_for() {
        let dir = std::env::temp_dir().join(format!("pcue-utmp-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("utmp");
        std::fs::write(&p, []).unwrap();
        // another process holds a read lock (fcntl locks are per process,
        // so the holder must be a child)
        let mut holder = std::process::Command::new("python3")
            .args(["-c", "import fcntl,sys,time; f=open(sys.argv[1]); fcntl.lockf(f, fcntl.LOCK_SH); print('held', flush=True); time.sleep(60)"])
            .arg(&p)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line, "held\n");
        let t = std::time::Instant::now();
        let err = write_utmp(&p, &Utmp::run_level(b'3', b'N')).unwrap_err();
        let waited = t.elapsed();
        assert!(
            waited >= LOCK_WAIT && waited < LOCK_WAIT * 2,
            "waited {waited:?}, bounded by {LOCK_WAIT:?}"
        );
        assert!(err.msg.starts_with("can't lock"), "{}", err.msg);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 0, "nothing written");
        holder.kill().unwrap();
        holder.wait().unwrap();
        write_utmp(&p, &Utmp::run_level(b'3', b'N')).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tty_line_and_id() {
        assert_eq!(line_and_id("/dev/pts/12"), ("pts/12".into(), "s/12".into()));
        assert_eq!(line_and_id("/dev/tty1"), ("tty1".into(), "tty1".into()));
    }
}
