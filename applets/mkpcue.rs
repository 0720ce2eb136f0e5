//! mkpcue — build, mount, check and unmount a package root.

use crate::error::{Error, Result};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    mkpcue - build, mount, check and unmount a package root
SYNOPSIS
    mkpcue [-n] [-f LAYOUT] [--mount|--umount|--check] PKG
DESCRIPTION
    Not yet implemented.
EXIT STATUS
    1   Not yet implemented.
";

pub fn main(_argv: &[OsString]) -> Result<i32> {
    Err(Error::fail("not yet implemented"))
}
