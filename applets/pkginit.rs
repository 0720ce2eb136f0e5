//! pkginit — package init: an inittab processor with its own run-levels.

use crate::error::{Error, Result};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    pkginit - package init: an inittab processor with its own run-levels
SYNOPSIS
    pkginit [-n]
DESCRIPTION
    Not yet implemented.
EXIT STATUS
    1   Not yet implemented.
";

pub fn main(_argv: &[OsString]) -> Result<i32> {
    Err(Error::fail("not yet implemented"))
}
