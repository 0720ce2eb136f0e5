//! pcue: the Package Context Unix Environment as one multi-call binary.
//!
//! `src/` is the mechanism (dispatch, registry, parsers, the `sys` layer);
//! `applets/` is the policy, one file per applet. The top level holds the
//! front end (dispatch, args, error, logging, man) and the records several
//! subsystems share (utmp, passwd, utc); each subsystem is a folder.

pub mod args;
pub mod dispatch;
pub mod error;
pub mod init;
pub mod layout;
pub mod logging;
pub mod man;
pub mod package;
pub mod passwd;
pub mod procfs;
pub mod registry;
pub mod sys;
pub mod utc;
pub mod utmp;
pub mod view;

#[path = "../applets/mod.rs"]
pub mod applets;

pub use dispatch::run;
