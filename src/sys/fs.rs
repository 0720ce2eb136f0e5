//! Filesystem queries for pkgbdf: statvfs(2) numbers and the device a path
//! lives on. Read-only; nothing here changes process state.

use crate::df::Usage;
use nix::errno::Errno;
use nix::sys::stat::{major, minor, SFlag};
use std::path::Path;

/// What statvfs says about the filesystem holding `path`, in the form the
/// df arithmetic takes (block size = f_frsize, or f_bsize when that is 0).
pub fn usage(path: &Path) -> Result<Usage, Errno> {
    let v = nix::sys::statvfs::statvfs(path)?;
    let frsize = v.fragment_size() as u64;
    Ok(Usage {
        block_size: if frsize != 0 {
            frsize
        } else {
            v.block_size() as u64
        },
        blocks: v.blocks() as u64,
        bfree: v.blocks_free() as u64,
        bavail: v.blocks_available() as u64,
        files: v.files() as u64,
        ffree: v.files_free() as u64,
    })
}

/// The device (major, minor) of the filesystem `path` is on, and whether
/// `path` itself is a block device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub dev: (u32, u32),
    pub is_block: bool,
    /// For a block device node, the device it stands for.
    pub rdev: (u32, u32),
}

/// stat(2), following symlinks.
pub fn node(path: &Path) -> Result<Node, Errno> {
    let st = nix::sys::stat::stat(path)?;
    let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
    Ok(Node {
        dev: (major(st.st_dev) as u32, minor(st.st_dev) as u32),
        is_block: kind == SFlag::S_IFBLK,
        rdev: (major(st.st_rdev) as u32, minor(st.st_rdev) as u32),
    })
}

/// Whether our root directory is pid 1's, by comparing `/` with
/// `/proc/1/root` (device and inode). None when `/proc/1/root` may not be
/// followed (it needs ptrace rights on pid 1: root, or the same user).
pub fn same_root_as_init() -> Option<bool> {
    let own = nix::sys::stat::stat("/").ok()?;
    let init = nix::sys::stat::stat("/proc/1/root").ok()?;
    Some(own.st_dev == init.st_dev && own.st_ino == init.st_ino)
}
