//! Package-root layouts, split by job as the registry is:
//!
//! - [`format`]: the text format mkpcue reads (see `default.layout`), a pure
//!   parser;
//! - [`plan`]: the world as observed, and the pure planner and checker that
//!   compare a layout with it and say what to do, keep and report;
//! - [`apply`]: the part that touches the system: the host's account files,
//!   observing a root, carrying the steps out (through `sys::mount`);
//! - [`check`]: what else `mkpcue --check` judges in a root: the login
//!   stack and the package's own CUPS (pure).

pub mod apply;
pub mod check;
pub mod format;
pub mod plan;

pub use format::{fill, parse};
pub use plan::{check, plan, Item, Mode, Plan, Step, World};

/// The layout built into the binary (`mkpcue --print-layout`).
pub const DEFAULT: &str = include_str!("default.layout");
