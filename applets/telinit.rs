//! telinit — change a package's run-level.

use crate::error::{Error, Result};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    telinit - change a package's run-level
SYNOPSIS
    telinit [-t SEC] [0-6|a|b|c|q|Q]
DESCRIPTION
    Not yet implemented.
EXIT STATUS
    1   Not yet implemented.
";

pub fn main(_argv: &[OsString]) -> Result<i32> {
    Err(Error::fail("not yet implemented"))
}
