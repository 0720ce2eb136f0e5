//! execsh — enter a package as the calling user.

use crate::error::{Error, Result};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    execsh - enter a package as the calling user
SYNOPSIS
    execsh [-u USER] [pkg [program [args...]]]
DESCRIPTION
    Not yet implemented.
EXIT STATUS
    1   Not yet implemented.
";

pub fn main(_argv: &[OsString]) -> Result<i32> {
    Err(Error::fail("not yet implemented"))
}
