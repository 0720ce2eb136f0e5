//! What a peer tool would print, computed from what `procfs` and `sys`
//! read:
//! - [`ps`]: ps -f's fields and table as procps-ng 4 computes them (pure);
//! - [`df`]: what df -k would print, and pkgbdf's view of one package (pure);
//! - [`scan`]: reading every process for a listing, one small mount-table
//!   read each;
//! - [`roots`]: each process's root mount, with the parent fallback for
//!   zombies and sshd-style chroots;
//! - [`world`]: the processes of a package started as a world of its own,
//!   from what any user may read (its pkginit's root mount, `NSpid`);
//! - [`listing`]: pkgps's rows: which processes, their cells, the table.
//!
//! This layer imports `procfs`; `procfs` never imports it.

pub mod df;
pub mod listing;
pub mod ps;
pub mod roots;
pub mod scan;
pub mod world;
