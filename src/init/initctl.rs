//! sysvinit's control request, what `telinit` writes to the init FIFO:
//! 384 bytes, native endian, `int magic, cmd, runlevel, sleeptime;
//! char data[368]`. Debian's own telinit writes the same bytes, so it can
//! drive pkginit through `/run/initctl -> /tmp/initctl`.

pub const SIZE: usize = 384;
pub const MAGIC: i32 = 0x0309_1969;

pub const CMD_START: i32 = 0;
pub const CMD_RUNLVL: i32 = 1;
pub const CMD_POWERFAIL: i32 = 2;
pub const CMD_POWERFAILNOW: i32 = 3;
pub const CMD_POWEROK: i32 = 4;
pub const CMD_BSD: i32 = 5;
pub const CMD_SETENV: i32 = 6;
pub const CMD_UNSETENV: i32 = 7;

/// The sleeptime telinit sends unless `-t` says otherwise.
pub const DEFAULT_SLEEP: i32 = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub cmd: i32,
    pub runlevel: i32,
    pub sleeptime: i32,
    pub data: Vec<u8>,
}

/// What a package init is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Change to `0`-`6`, or start the ondemand entries of `a`-`c`.
    Level(u8),
    /// Re-read inittab (`q`, `Q`).
    Reload,
}

impl Request {
    pub fn run_level(level: u8, sleeptime: i32) -> Request {
        Request {
            cmd: CMD_RUNLVL,
            runlevel: level as i32,
            sleeptime,
            data: Vec::new(),
        }
    }

    pub fn encode(&self) -> [u8; SIZE] {
        let mut b = [0u8; SIZE];
        b[0..4].copy_from_slice(&MAGIC.to_ne_bytes());
        b[4..8].copy_from_slice(&self.cmd.to_ne_bytes());
        b[8..12].copy_from_slice(&self.runlevel.to_ne_bytes());
        b[12..16].copy_from_slice(&self.sleeptime.to_ne_bytes());
        let n = self.data.len().min(SIZE - 16);
        b[16..16 + n].copy_from_slice(&self.data[..n]);
        b
    }

    /// Decode one request; the error says why it is bogus.
    pub fn decode(b: &[u8]) -> Result<Request, String> {
        if b.len() != SIZE {
            return Err(format!("wrong size {} (not {SIZE})", b.len()));
        }
        let int = |at: usize| i32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        if int(0) != MAGIC {
            return Err(format!("wrong magic 0x{:08x}", int(0) as u32));
        }
        Ok(Request {
            cmd: int(4),
            runlevel: int(8),
            sleeptime: int(12),
            data: b[16..].to_vec(),
        })
    }

    /// What the request asks of a package init, or why it cannot be done.
    pub fn command(&self) -> Result<Command, String> {
        match self.cmd {
            CMD_RUNLVL => {}
            CMD_POWERFAIL | CMD_POWERFAILNOW | CMD_POWEROK => {
                return Err("power requests have no meaning in a package".into())
            }
            CMD_SETENV | CMD_UNSETENV => {
                return Err("environment requests are not supported".into())
            }
            CMD_START | CMD_BSD => return Err(format!("request {} not supported", self.cmd)),
            c => return Err(format!("unknown request {c}")),
        }
        match u8::try_from(self.runlevel).map(|c| c.to_ascii_lowercase()) {
            Ok(c @ (b'0'..=b'6' | b'a'..=b'c')) => Ok(Command::Level(c)),
            Ok(b'q') => Ok(Command::Reload),
            Ok(b's') => Err("run-level S is not supported in a package".into()),
            _ => Err(format!("unknown run-level {}", self.runlevel)),
        }
    }

    /// The grace time between TERM and KILL, in seconds (sysvinit's
    /// default when the field is out of range).
    pub fn sleep_secs(&self) -> u32 {
        match self.sleeptime {
            0..=3600 => self.sleeptime as u32,
            _ => DEFAULT_SLEEP as u32,
        }
    }
}

/// Take the requests out of bytes read from the FIFO. Whole requests are
/// found by their magic (a writer's 384 bytes arrive in one piece, so
/// garbage before one only shifts it); everything else is junk. Returns
/// the decoded or rejected requests in order, and the count of junk bytes.
pub fn split(buf: &[u8]) -> (Vec<Result<Request, String>>, usize) {
    let magic = MAGIC.to_ne_bytes();
    let mut out = Vec::new();
    let mut junk = 0;
    let mut at = 0;
    while at < buf.len() {
        let next = buf[at..].windows(4).position(|w| w == magic);
        match next {
            Some(off) if at + off + SIZE <= buf.len() => {
                junk += off;
                let start = at + off;
                let r = Request::decode(&buf[start..start + SIZE]);
                out.push(r.and_then(|r| r.command().map(|_| r)));
                at = start + SIZE;
            }
            _ => {
                junk += buf.len() - at;
                break;
            }
        }
    }
    (out, junk)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `telinit -t 7 4` as Debian's telinit writes it (captured from the FIFO).
    fn debian_t7_4() -> Vec<u8> {
        let mut b = vec![0u8; SIZE];
        b[0..4].copy_from_slice(&[0x69, 0x19, 0x09, 0x03]);
        b[4] = 1;
        b[8] = 0x34;
        b[12] = 7;
        b
    }

    #[test]
    fn decodes_debian_telinit() {
        let r = Request::decode(&debian_t7_4()).unwrap();
        assert_eq!(r.command(), Ok(Command::Level(b'4')));
        assert_eq!(r.sleep_secs(), 7);
        assert_eq!(Request::run_level(b'4', 7).encode().to_vec(), debian_t7_4());
    }

    #[test]
    fn validation() {
        assert!(Request::decode(&[0u8; 100]).unwrap_err().contains("size"));
        assert!(Request::decode(&[0u8; SIZE]).unwrap_err().contains("magic"));
        let bad = |lvl: u8, cmd: i32| Request {
            cmd,
            ..Request::run_level(lvl, 3)
        };
        assert_eq!(bad(b'Q', 1).command(), Ok(Command::Reload));
        assert_eq!(bad(b'B', 1).command(), Ok(Command::Level(b'b')));
        assert!(bad(b'S', 1).command().is_err());
        assert!(bad(b'7', 1).command().is_err());
        assert!(bad(b'3', 2).command().unwrap_err().contains("power"));
        assert!(bad(b'3', 99).command().is_err());
        let mut r = Request::run_level(b'3', -5);
        assert_eq!(r.sleep_secs(), 3);
        r.sleeptime = 0;
        assert_eq!(r.sleep_secs(), 0);
    }

    #[test]
    fn split_finds_requests_in_junk() {
        let mut buf = b"garbage".to_vec();
        buf.extend_from_slice(&Request::run_level(b'3', 3).encode());
        buf.extend_from_slice(&Request::run_level(b'S', 3).encode());
        buf.extend_from_slice(&[1, 2, 3]);
        let (reqs, junk) = split(&buf);
        assert_eq!(junk, 10);
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].as_ref().unwrap().runlevel, b'3' as i32);
        assert!(reqs[1].is_err());
        // a request cut short is junk
        let (reqs, junk) = split(&Request::run_level(b'3', 3).encode()[..200]);
        assert!(reqs.is_empty());
        assert_eq!(junk, 200);
    }
}
