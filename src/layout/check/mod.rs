//! The checks of a package root that `mkpcue --check` runs besides the
//! layout's own (`layout::plan::check`): what a package's services read
//! inside it, judged before it starts. Pure: the callers read the files.
//! - [`loginstack`]: the login stack (PAM files, modules, login.defs);
//! - [`cups`]: the package's own CUPS configuration.

pub mod cups;
pub mod loginstack;
