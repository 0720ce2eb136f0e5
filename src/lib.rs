//! pcue: the Package Context Unix Environment as one multi-call binary.
//!
//! `src/` is the mechanism (dispatch, registry, parsers, the `sys` layer);
//! `applets/` is the policy, one file per applet.

pub mod activation;
pub mod addr;
pub mod args;
pub mod context;
pub mod cups;
pub mod df;
pub mod dispatch;
pub mod enter;
pub mod error;
pub mod init;
pub mod initctl;
pub mod inittab;
pub mod layout;
pub mod logging;
pub mod loginstack;
pub mod man;
pub mod mountinfo;
pub mod name;
pub mod passwd;
pub mod procfs;
pub mod ps_format;
pub mod registry;
pub mod sys;
pub mod utc;
pub mod utmp;

#[path = "../applets/mod.rs"]
pub mod applets;

pub use dispatch::run;
