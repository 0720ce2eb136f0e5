//! pkgps — process status of one package.

use crate::error::{Error, Result};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    pkgps - process status of one package
SYNOPSIS
    pkgps [-p pkg | -a]
DESCRIPTION
    Not yet implemented.
EXIT STATUS
    1   Not yet implemented.
";

pub fn main(_argv: &[OsString]) -> Result<i32> {
    Err(Error::fail("not yet implemented"))
}
