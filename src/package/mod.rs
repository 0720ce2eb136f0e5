//! A package as a process meets it:
//! - [`name`]: package names, the grammar, checked wherever a name enters;
//! - [`identity`]: which package this process is in, or was called for
//!   (root-mount identity, ctxROOT, the connection's local address);
//! - [`enter`]: entering a package, the checks execsh and pkgnet share;
//! - [`activation`]: the sockets a superserver hands over (inetd's 0-2,
//!   systemd's LISTEN_FDS), as pkgnet reads them.

pub mod activation;
pub mod enter;
pub mod identity;
pub mod name;
