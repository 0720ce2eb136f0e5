//! Command lines: argh for the options, plus what administrators expect of a
//! Unix tool and argh lacks: grouped short flags with attached values
//! (`-di`, `-tb` for `-t b`, `-t5`), `--help` anywhere printing the manual
//! text, and a clear refusal of non-UTF-8 options.
//!
//! Each applet's `Args` derives `FromArgs` and `ArgsInfo` (which short flags
//! take a value) and sets `help_triggers("--help")`, so that argh's own help
//! never shows and a bare `help` is an operand like any other.

use crate::error::{Error, Result};
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;

/// Expand `-abc` into `-a -b -c` (before `--`), the way getopt reads it: a
/// flag in `takes_value` ends the group, and the rest of the word is its
/// value (`-tb` is `-t b`, `-dt5` is `-d -t 5`); a word that is the value of
/// such a flag is left alone, and so are negative numbers (`-1`).
pub fn expand_short(args: &[String], takes_value: &[char]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    let mut value_next = false;
    for a in args {
        let word = std::mem::take(&mut value_next);
        if rest || word || a == "--" || a.starts_with("--") || a.len() <= 2 {
            rest |= a == "--" && !word;
            value_next = !rest && !word && short_flag(a).is_some_and(|c| takes_value.contains(&c));
            out.push(a.clone());
            continue;
        }
        match a.strip_prefix('-') {
            Some(group) if group.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                for (i, c) in group.char_indices() {
                    out.push(format!("-{c}"));
                    if takes_value.contains(&c) {
                        let value = &group[i + c.len_utf8()..];
                        if value.is_empty() {
                            value_next = true;
                        } else {
                            out.push(value.to_string());
                        }
                        break;
                    }
                }
            }
            _ => out.push(a.clone()),
        }
    }
    out
}

/// `c` when `word` is the short flag `-c`.
fn short_flag(word: &str) -> Option<char> {
    let mut cs = word.strip_prefix('-')?.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) if c != '-' => Some(c),
        _ => None,
    }
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
/// another program's command line (`pkgnet /usr/sbin/in.telnetd -h`). For
/// the applets that take no command line, `parse` looks further.
pub fn wants_help(args: &[OsString]) -> bool {
    args.iter()
        .take_while(|a| *a != "--" && a.as_encoded_bytes().first() == Some(&b'-'))
        .any(|a| a == "--help" || a == "-h")
}

/// The short flags of `T` that take a value.
fn value_flags<T: ArgsInfo>() -> Vec<char> {
    T::get_args_info()
        .flags
        .iter()
        .filter(|f| matches!(f.kind, argh::FlagInfoKind::Option { .. }))
        .filter_map(|f| f.short)
        .collect()
}

/// Parse `args` (without argv[0]) into `T`. `--help` anywhere before `--`,
/// or `-h` when `T` has no such flag, prints `help` (the manual text) and
/// leaves with status 0.
pub fn parse<T: FromArgs + ArgsInfo>(applet: &str, help: &str, args: &[OsString]) -> Result<T> {
    let words = expand_short(&utf8(args)?, &value_flags::<T>());
    let has_h = T::get_args_info()
        .flags
        .iter()
        .any(|f| f.short == Some('h'));
    if asks_help(&words, has_h) {
        crate::out!("{help}")?;
        return Err(Error::quiet(0));
    }
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    T::from_args(&[applet], &refs).map_err(|e| match e.status {
        // argh's help: not reached with help_triggers("--help")
        Ok(()) => match crate::out!("{help}") {
            Ok(()) => Error::quiet(0),
            Err(e) => e,
        },
        Err(()) => Error::usage(first_line(&e.output)),
    })
}

/// `--help` (or `-h` unless it is a flag of the applet) before `--`.
fn asks_help(words: &[String], has_h: bool) -> bool {
    words
        .iter()
        .take_while(|w| *w != "--")
        .any(|w| w == "--help" || (w == "-h" && !has_h))
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
            expand_short(&s(&["-di", "-f", "--list", "-1", "x", "--", "-ab"]), &[]),
            s(&["-d", "-i", "-f", "--list", "-1", "x", "--", "-ab"])
        );
    }

    #[test]
    fn a_flag_that_takes_a_value_ends_the_group() {
        let tv = ['t', 'p'];
        // df's -tb is -t b (it used to filter by type "-b")
        assert_eq!(expand_short(&s(&["-tb"]), &tv), s(&["-t", "b"]));
        assert_eq!(
            expand_short(&s(&["-lt", "ext4"]), &tv),
            s(&["-l", "-t", "ext4"])
        );
        assert_eq!(
            expand_short(&s(&["-ltext4"]), &tv),
            s(&["-l", "-t", "ext4"])
        );
        // telinit -t5 0
        assert_eq!(expand_short(&s(&["-t5", "0"]), &tv), s(&["-t", "5", "0"]));
        // a value that looks like a group is a value
        assert_eq!(
            expand_short(&s(&["-p", "-ab", "-ab"]), &tv),
            s(&["-p", "-ab", "-a", "-b"])
        );
        assert_eq!(
            expand_short(&s(&["-t", "--", "-ab"]), &tv),
            s(&["-t", "--", "-a", "-b"])
        );
        assert_eq!(expand_short(&s(&["-p-x"]), &tv), s(&["-p", "-x"]));
        assert_eq!(expand_short(&s(&["-aé"]), &tv), s(&["-a", "-é"]));
    }

    #[derive(FromArgs, ArgsInfo, Debug)]
    #[argh(help_triggers("--help"))]
    /// test
    struct T {
        /// a switch
        #[argh(switch, short = 'a')]
        a: bool,
        /// a type
        #[argh(option, short = 't')]
        t: Option<String>,
        /// operands
        #[argh(positional)]
        rest: Vec<String>,
    }

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn parse_with_attached_values_and_help_anywhere() {
        assert_eq!(value_flags::<T>(), vec!['t']);
        let t: T = parse("t", "MANUAL\n", &os(&["-atb", "x"])).unwrap();
        assert_eq!((t.a, t.t.as_deref(), t.rest), (true, Some("b"), s(&["x"])));
        let t: T = parse("t", "MANUAL\n", &os(&["help"])).unwrap();
        assert_eq!(t.rest, s(&["help"]), "a bare word is an operand");
        for line in [&["x", "--help"][..], &["-a", "x", "-h"], &["--help"]] {
            let e = parse::<T>("t", "MANUAL\n", &os(line)).unwrap_err();
            assert_eq!((e.code, e.msg.as_str()), (0, ""), "{line:?}");
        }
        let t: T = parse("t", "MANUAL\n", &os(&["--", "--help"])).unwrap();
        assert_eq!(t.rest, s(&["--help"]));
        let e = parse::<T>("t", "MANUAL\n", &os(&["-z"])).unwrap_err();
        assert!(e.usage && e.msg.contains("-z"), "{e:?}");
    }

    #[test]
    fn help_before_dashdash_only() {
        let v = |x: &[&str]| x.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(wants_help(&v(&["-i", "--help"])));
        assert!(!wants_help(&v(&["--", "--help"])));
        assert!(!wants_help(&v(&["/usr/sbin/in.telnetd", "-h"])));
        assert!(!wants_help(&v(&["pkg01", "/bin/ls", "--help"])));
        assert!(asks_help(&s(&["x", "-h"]), false));
        assert!(!asks_help(&s(&["x", "-h"]), true));
    }
}
