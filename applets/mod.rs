//! The applet table: one row per applet. Dispatch, `pcue --list`,
//! `pcue --install`, the manual pages, `symlinks.txt` and the tests all come
//! from this table.

use crate::error::Result;
use std::ffi::OsString;

pub mod execsh;
pub mod getcpkg;
pub mod mkpcue;
pub mod pkgbdf;
pub mod pkginit;
pub mod pkglogin;
pub mod pkgnet;
pub mod pkgps;
pub mod pkgstat;
pub mod telinit;

/// An applet's entry point gets the words after its name.
pub type Main = fn(&[OsString]) -> Result<i32>;

pub struct Applet {
    pub name: &'static str,
    pub main: Main,
    /// Keeps the effective uid when the binary is setuid-root. Every other
    /// applet drops to the real uid/gid before it reads its arguments.
    pub keeps_root: bool,
    /// Exit status for a bad command line.
    pub usage_code: i32,
    /// The manual text (`--help`, `pcue --man`).
    pub help: &'static str,
}

pub const APPLETS: &[Applet] = &[
    Applet {
        name: "execsh",
        main: execsh::main,
        keeps_root: true,
        usage_code: 2,
        help: execsh::HELP,
    },
    Applet {
        name: "getcpkg",
        main: getcpkg::main,
        keeps_root: false,
        usage_code: 2,
        help: getcpkg::HELP,
    },
    Applet {
        name: "mkpcue",
        main: mkpcue::main,
        keeps_root: false,
        usage_code: 2,
        help: mkpcue::HELP,
    },
    Applet {
        name: "pkgbdf",
        main: pkgbdf::main,
        keeps_root: false,
        usage_code: 2,
        help: pkgbdf::HELP,
    },
    Applet {
        name: "pkginit",
        main: pkginit::main,
        keeps_root: false,
        usage_code: 2,
        help: pkginit::HELP,
    },
    Applet {
        name: "pkglogin",
        main: pkglogin::main,
        keeps_root: false,
        usage_code: 2,
        help: pkglogin::HELP,
    },
    Applet {
        name: "pkgnet",
        main: pkgnet::main,
        keeps_root: false,
        usage_code: 125,
        help: pkgnet::HELP,
    },
    Applet {
        name: "pkgps",
        main: pkgps::main,
        keeps_root: false,
        usage_code: 2,
        help: pkgps::HELP,
    },
    Applet {
        name: "pkgstat",
        main: pkgstat::main,
        keeps_root: false,
        usage_code: 2,
        help: pkgstat::HELP,
    },
    Applet {
        name: "telinit",
        main: telinit::main,
        keeps_root: false,
        usage_code: 2,
        help: telinit::HELP,
    },
];

pub fn find(name: &str) -> Option<&'static Applet> {
    APPLETS.iter().find(|a| a.name == name)
}
