//! pkginit, the init of one package, in parts:
//! - [`machine`]: the pure state machine (which inittab entries run, when
//!   they stop, the respawn throttle) behind its [`machine::Host`] trait;
//! - [`runtime`]: the real host — the event loop over signals, the control
//!   FIFO and deadlines, process spawning, utmp records, the stop at level 0;
//! - [`status`]: the status file pkginit rewrites and `telinit -s` reads;
//! - [`syslog_relay`]: the package's `/dev/log`, relayed to the node's
//!   syslog with the package's name in each line's tag;
//! - [`control`]: telinit's end of the control FIFO — send a request, wait
//!   for pkginit to exit;
//! - [`inittab`]: /etc/inittab, sysvinit's grammar (pure);
//! - [`initctl`]: sysvinit's 384-byte control request, what telinit writes
//!   (pure).
//!
//! The paths below are all relative to the package root (pkginit runs
//! chrooted into it); pkginit, telinit and the tests share them.

pub mod control;
pub mod initctl;
pub mod inittab;
pub mod machine;
pub mod runtime;
pub mod status;
pub mod syslog_relay;

pub const INITTAB: &str = "/etc/inittab";
/// Control requests, sysvinit's 384-byte format, where sysvinit's own
/// telinit writes them: in a directory only root may write to (pkginit
/// checks it), so no package user can plant, replace or race the name.
pub const FIFO: &str = "/run/initctl";
/// The FIFO's directory, watched for the FIFO's removal or replacement.
pub const FIFO_DIR: &str = "/run";
/// fcntl-locked while pkginit runs; the lock's holder is the running pkginit.
pub const PIDFILE: &str = "/var/run/pkginit.pid";
pub const STATUS: &str = "/var/run/pkginit.status";
/// ctxROOT=... for pam_env's envfile=.
pub const ENVFILE: &str = "/var/run/pkginit.env";
pub const UTMP: &str = "/var/run/utmp";
pub const WTMP: &str = "/var/log/wtmp";
