//! pkgnet — route an inetd connection into its package.

use crate::error::{Error, Result};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    pkgnet - route an inetd connection into its package
SYNOPSIS
    pkgnet path [args...]
DESCRIPTION
    Not yet implemented.
EXIT STATUS
    1   Not yet implemented.
";

pub fn main(_argv: &[OsString]) -> Result<i32> {
    Err(Error::fail("not yet implemented"))
}
