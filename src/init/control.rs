//! The other end of pkginit's control FIFO, as telinit uses it: send one
//! request, and for level 0 wait until that very pkginit has exited.

use super::{status, FIFO, PIDFILE};
use crate::error::{Error, Result};
use crate::init::initctl::Request;
use crate::sys::fifo::{self, WriteErr};
use crate::sys::locks;
use std::path::Path;
use std::time::{Duration, Instant};

/// The pkginit running now: its pid and start time (a pid can be reused).
#[derive(Clone, Copy, Debug)]
pub struct Running {
    pid: i32,
    start: u64,
}

/// pkginit's pid (the holder of its pid file's lock) and start time, if it
/// runs: the lock's holder, not the file's text, so a stale file cannot
/// mislead.
pub fn running() -> Option<Running> {
    let pid = locks::lock_holder(Path::new(PIDFILE)).filter(|&p| p > 0)?;
    let start = crate::procfs::read_stat(pid)?.starttime;
    Some(Running { pid, start })
}

/// Write one request to the FIFO; never blocks on a FIFO nobody reads.
pub fn send(req: &Request) -> Result<()> {
    match fifo::write(Path::new(FIFO), &req.encode()) {
        Ok(()) => Ok(()),
        Err(WriteErr::NoReader) => Err(Error::fail("pkginit is not running in this package")),
        Err(WriteErr::Other(e)) => Err(e.into()),
    }
}

/// After a reload request: wait up to `wait` for pkginit's status to count
/// one more reload than `before`, then Ok, or Err with why pkginit kept its
/// old table, or with "no answer".
pub fn wait_reload(before: u64, wait: Duration) -> Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        if let Some(r) = status::reload_state().filter(|r| r.count > before) {
            return match r.failed {
                None => Ok(()),
                Some(why) => Err(Error::fail(format!("pkginit kept its old table: {why}"))),
            };
        }
        if Instant::now() >= deadline {
            return Err(Error::fail(format!(
                "pkginit did not answer the reload within {} s",
                wait.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait up to `wait` until pkginit has exited: its pid file unlocked (it
/// removes the file just before it exits) and `was`, the process that ran
/// when the request was sent, gone. False when it still runs.
pub fn wait_exit(was: Option<Running>, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        let unlocked = locks::lock_holder(Path::new(PIDFILE)).is_none();
        if unlocked && was.is_none_or(|r| !alive(r)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The process still exists and is not a zombie (a zombie holds no mount busy).
fn alive(r: Running) -> bool {
    crate::procfs::read_stat(r.pid).is_some_and(|s| s.starttime == r.start && s.state != 'Z')
}
