//! pkgbdf — package disk free.

use crate::error::{Error, Result};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    pkgbdf - package disk free
SYNOPSIS
    pkgbdf [-p pkg] [-b] [-i] [-l] [-t fstype] [filesystem|file]
DESCRIPTION
    Not yet implemented.
EXIT STATUS
    1   Not yet implemented.
";

pub fn main(_argv: &[OsString]) -> Result<i32> {
    Err(Error::fail("not yet implemented"))
}
