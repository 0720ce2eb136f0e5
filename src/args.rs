//! Command lines: argh for the options, plus what administrators expect of a
//! Unix tool and argh lacks: grouped short flags (`-di`), `--help` printing
//! the manual text, and a clear refusal of non-UTF-8 options.

use crate::error::{Error, Result};
use std::ffi::OsString;

/// Expand `-abc` into `-a -b -c` (before `--`). Values must be separate
/// words (`-t ext4`); negative numbers are left alone.
pub fn expand_short(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    for a in args {
        let group = !rest
            && a.len() > 2
            && a.starts_with('-')
            && !a.starts_with("--")
            && a[1..].chars().all(|c| c.is_ascii_alphabetic());
        if a == "--" {
            rest = true;
        }
        if group {
            out.extend(a[1..].chars().map(|c| format!("-{c}")));
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// Command-line words as UTF-8, or a usage error naming the bad one.
pub fn utf8(args: &[OsString]) -> Result<Vec<String>> {
    args.iter()
        .map(|a| {
            a.to_str().map(str::to_string).ok_or_else(|| {
                Error::usage(format!(
                    "argument is not valid UTF-8: '{}'",
                    a.to_string_lossy()
                ))
            })
        })
        .collect()
}

/// True when `--help` (or `-h`) comes before `--` and before the first
/// operand: options precede operands, and what follows an operand may be
/// another program's command line (`pkgnet /usr/sbin/in.telnetd -h`).
pub fn wants_help(args: &[OsString]) -> bool {
    args.iter()
        .take_while(|a| *a != "--" && a.as_encoded_bytes().first() == Some(&b'-'))
        .any(|a| a == "--help" || a == "-h")
}

/// Parse `args` (without argv[0]) into `T`.
pub fn parse<T: argh::FromArgs>(applet: &str, args: &[OsString]) -> Result<T> {
    let words = expand_short(&utf8(args)?);
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    T::from_args(&[applet], &refs).map_err(|e| match e.status {
        Ok(()) => {
            print!("{}", e.output);
            Error::quiet(0)
        }
        Err(()) => Error::usage(first_line(&e.output)),
    })
}

fn first_line(s: &str) -> String {
    let l = s.lines().next().unwrap_or("bad arguments").trim();
    let l = l.strip_suffix('.').unwrap_or(l);
    let mut chars = l.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn groups() {
        assert_eq!(
            expand_short(&s(&["-di", "-f", "--list", "-1", "x", "--", "-ab"])),
            s(&["-d", "-i", "-f", "--list", "-1", "x", "--", "-ab"])
        );
    }

    #[test]
    fn help_before_dashdash_only() {
        let v = |x: &[&str]| x.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(wants_help(&v(&["-i", "--help"])));
        assert!(!wants_help(&v(&["--", "--help"])));
        assert!(!wants_help(&v(&["/usr/sbin/in.telnetd", "-h"])));
        assert!(!wants_help(&v(&["pkg01", "/bin/ls", "--help"])));
    }
}
