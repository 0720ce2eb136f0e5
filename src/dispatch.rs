//! argv[0] dispatch and the `pcue` multi-call front end. The only place that
//! prints an error and picks the exit status.

// the front end owns what pcue itself prints (--list, --help, --version,
// the manual pages, its own errors), through out!/outln! and out::err_line

use crate::applets::{self, Applet};
use crate::error::{code, Error, Result};
use crate::{args, logging, man, sys};
use std::ffi::{OsStr, OsString};
use std::path::Path;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const HELP: &str = "\
NAME
    pcue - Package Context Unix Environment multi-call binary
SYNOPSIS
    pcue APPLET [ARGS...]
    APPLET [ARGS...]            (through a symlink named after the applet)
    pcue --list | --install DIR | --man NAME | --help | --version
DESCRIPTION
    One static binary whose applets make each high-availability cluster
    package look like its own small Unix machine. It runs the applet named
    by the last component of argv[0], or by its first argument when called
    as pcue.
    When the binary is setuid-root, every applet but execsh gives up root
    for the caller's real uid and gid before it reads its arguments, and
    environment variables that would change a path or a configuration
    (PCUE_SGCONF, PCUE_ROOT_PREFIX, PCUE_LOG...) are ignored.
OPTIONS
    --list  Print the applet names, one per line.
    --install DIR  Make a symlink DIR/NAME for every applet (relative when
        the binary lives in DIR). An existing file of that name is left
        alone and reported.
    --man NAME  Print the manual page of NAME (an applet or pcue) as troff.
    --help  Print this text.
    --version  Print the version.
ENVIRONMENT
    PCUE_LOG  Diagnostics on stderr: error, warn (default), info, debug,
              trace, in env_logger's syntax: a level, or directives such
              as warn,pcue::view=debug (module paths count); a spec that
              does not parse is ignored. It never lowers warn.
EXIT STATUS
    127  No such applet.
    2    Bad arguments to pcue itself.
    Otherwise the applet's own status.
SEE ALSO
    execsh(8), getcpkg(8), mkpcue(8), pkgbdf(8), pkginit(8), pkglogin(8),
    pkgnet(8), pkgps(8), telinit(8)
";

fn base(arg0: &OsStr) -> String {
    let p = Path::new(arg0);
    p.file_name().unwrap_or(arg0).to_string_lossy().into_owned()
}

/// Entry point: returns the exit status.
pub fn run() -> i32 {
    // latch "were we started setuid?" before anything changes an id
    sys::ids::is_setuid();
    // like a C tool, die quietly on a closed pipe instead of failing a print
    sys::signals::default_sigpipe();
    let argv: Vec<OsString> = std::env::args_os().collect();
    let name = argv.first().map(|a| base(a)).unwrap_or_default();
    let (name, rest) = if name == "pcue" {
        match argv.get(1).and_then(|a| a.to_str()) {
            Some(a) if a.starts_with('-') => {
                // --install writes files: never with a setuid root's rights
                if sys::ids::is_setuid() {
                    if let Err(e) = sys::ids::drop_privileges() {
                        return finish("pcue", Err(e.into()), code::USAGE);
                    }
                }
                return finish("pcue", front(&argv[1..]), code::USAGE);
            }
            Some(a) => (a.to_string(), &argv[2..]),
            None if argv.len() > 1 => {
                crate::out::err_line(&format!(
                    "pcue: applet not found: {}",
                    argv[1].to_string_lossy()
                ));
                return code::NOT_FOUND;
            }
            None => {
                crate::out::err_line(HELP.trim_end());
                return code::USAGE;
            }
        }
    } else {
        (name, argv.get(1..).unwrap_or(&[]))
    };
    match applets::find(&name) {
        Some(a) => run_applet(a, rest),
        None => {
            crate::out::err_line(&format!("pcue: applet not found: {name}"));
            code::NOT_FOUND
        }
    }
}

fn run_applet(a: &'static Applet, args: &[OsString]) -> i32 {
    if sys::ids::is_setuid() && !a.keeps_root {
        if let Err(e) = sys::ids::drop_privileges() {
            return finish(a.name, Err(e.into()), a.usage_code);
        }
    }
    logging::init(a.name);
    if args::wants_help(args) {
        return finish(a.name, crate::out!("{}", a.help).map(|_| 0), a.usage_code);
    }
    finish(a.name, (a.main)(args), a.usage_code)
}

fn finish(name: &'static str, r: Result<i32>, usage_code: i32) -> i32 {
    // what is still buffered must reach its file too, or be reported
    let r = match (r, crate::out::flush()) {
        (Ok(_), Err(e)) => Err(e),
        (r, _) => r,
    };
    match r {
        Ok(c) => c,
        Err(e) => {
            if !e.msg.is_empty() {
                logging::final_error(name, &e.msg);
            }
            if e.usage {
                usage_code
            } else {
                e.code
            }
        }
    }
}

/// `pcue --list` and friends.
fn front(args: &[OsString]) -> Result<i32> {
    let words = args::utf8(args)?;
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["--list"] => {
            for a in applets::APPLETS {
                crate::outln!("{}", a.name)?;
            }
            Ok(0)
        }
        ["--help" | "-h"] => {
            crate::out!("{HELP}")?;
            Ok(0)
        }
        ["--version" | "-V"] => {
            crate::outln!("pcue {VERSION}")?;
            Ok(0)
        }
        ["--man", "pcue"] => {
            crate::out!("{}", man::troff("pcue", 8, VERSION, HELP))?;
            Ok(0)
        }
        ["--man", name] => match applets::find(name) {
            Some(a) => {
                crate::out!("{}", man::troff(a.name, 8, VERSION, a.help))?;
                Ok(0)
            }
            None => Err(Error::new(code::NOT_FOUND, format!("applet not found: {name}"))),
        },
        ["--install", dir] => install(Path::new(dir)),
        _ => Err(Error::usage("usage: pcue APPLET [ARGS...] | --list | --install DIR | --man NAME | --help | --version")),
    }
}

/// Make the applet symlinks in `dir`; never replaces a file that is there.
fn install(dir: &Path) -> Result<i32> {
    let exe = std::fs::read_link("/proc/self/exe")
        .map_err(|e| Error::io("read", "/proc/self/exe", &e))?;
    let same_dir = exe.parent().and_then(|p| p.canonicalize().ok()) == dir.canonicalize().ok();
    let target = if same_dir {
        Path::new(exe.file_name().unwrap_or(OsStr::new("pcue"))).to_path_buf()
    } else {
        exe.clone()
    };
    let mut status = 0;
    for a in applets::APPLETS {
        let link = dir.join(a.name);
        match std::fs::symlink_metadata(&link) {
            Ok(_) => {
                let points_here = std::fs::read_link(&link)
                    .map(|t| t == target)
                    .unwrap_or(false);
                if !points_here {
                    crate::out::err_line(&format!(
                        "pcue: can't install '{}': File exists",
                        link.display()
                    ));
                    status = 1;
                }
            }
            Err(_) => {
                if let Err(e) = std::os::unix::fs::symlink(&target, &link) {
                    crate::out::err_line(&format!(
                        "pcue: {}",
                        Error::io("symlink", link.display(), &e)
                    ));
                    status = 1;
                }
            }
        }
    }
    Ok(status)
}
