//! pcue: the Package Context Unix Environment as one multi-call binary.
//!
//! `src/` is the mechanism (dispatch, registry, parsers, the `sys` layer);
//! `applets/` is the policy, one file per applet. The top level holds the
//! front end (dispatch, args, error, logging, man) and the records several
//! subsystems share (utmp, passwd, utc); each subsystem is a folder.
//!
//! Everything is crate-private, so the compiler reports what nothing uses,
//! except [`run`] (the binary's entry) and what tests/fuzz.rs drives from
//! outside: [`parsers`], [`passwd`] and [`utmp`].
//!
//! `unsafe` is refused everywhere but in `sys`, the bottom layer.
//! `print!` and friends are refused everywhere (clippy's print lints,
//! Cargo.toml): they panic when the write fails. Output goes through
//! `out!`/`outln!` (src/out.rs), which return a failed write as an error,
//! from where output is owned: the front end (dispatch, args' --help) and
//! the applets; everything else logs or returns.

#![deny(unsafe_code)]

pub(crate) mod args;
pub(crate) mod cgroup;
pub(crate) mod dispatch;
pub(crate) mod error;
pub(crate) mod init;
pub(crate) mod layout;
pub(crate) mod logging;
pub(crate) mod man;
pub(crate) mod out;
pub(crate) mod package;
pub mod passwd;
pub(crate) mod procfs;
pub(crate) mod registry;
pub(crate) mod session;
#[allow(unsafe_code)]
pub(crate) mod sys;
pub(crate) mod utc;
pub mod utmp;
pub(crate) mod view;

#[path = "../applets/mod.rs"]
pub(crate) mod applets;

pub use dispatch::run;

/// The parsers of what others wrote, public for tests/fuzz.rs.
pub mod parsers {
    pub use crate::cgroup::{resources, stat as cgroup_stat};
    pub use crate::init::{initctl, inittab};
    pub use crate::layout::check::{cups, loginstack};
    pub use crate::layout::format as layout;
    pub use crate::layout::DEFAULT as DEFAULT_LAYOUT;
    pub use crate::procfs::{mountinfo, net_tcp, stat};
    pub use crate::registry::{cib, parse};
}
