//! The layering rules the compiler and clippy cannot say (README, "Design
//! notes"); the others are lints: `#![deny(unsafe_code)]` with the one
//! allowance in src/sys, and unwrap/expect/print in Cargo.toml's [lints].
//!
//! - nothing under src/sys names the crate above it (`crate::` outside
//!   `crate::sys`, `super::` from sys/mod.rs), nor a crate other than std,
//!   nix and libc;
//! - no applet names another applet (`crate::applets::NAME`, `super::NAME`:
//!   only mod.rs' own items, the APPLETS table, are shared);
//! - `nix::` and `libc::` appear only under src/sys;
//! - src/procfs (the /proc readers and parsers) names nothing of src/view
//!   (what a peer tool prints from them): the views import procfs.
//!
//! Line comments and one-line string literals are blanked before the rules
//! look, so a doc line may name what the code may not use.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every .rs file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A line without its `//` comment and with the insides of its string
/// literals blanked (`"..."`, escapes followed).
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => {
                in_str = !in_str;
                out.push('"');
            }
            '/' if !in_str && chars.peek() == Some(&'/') => break,
            _ if in_str => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Whether `word` starts a path in `line`: not preceded by a character of
/// an identifier or `:` (so `unix::` is not `nix::`).
fn names(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        !line[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

struct Src {
    rel: String,
    lines: Vec<String>,
}

fn src(rel: &str, text: &str) -> Src {
    Src {
        rel: rel.to_string(),
        lines: text.lines().map(code).collect(),
    }
}

fn all_sources() -> Vec<Src> {
    let base = root();
    let mut files = Vec::new();
    rust_files(&base.join("src"), &mut files);
    rust_files(&base.join("applets"), &mut files);
    files.sort();
    let v: Vec<Src> = files
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&base).unwrap().display().to_string();
            src(&rel, &std::fs::read_to_string(p).unwrap())
        })
        .collect();
    for must in ["src/sys/mod.rs", "applets/mod.rs"] {
        assert!(v.iter().any(|s| s.rel == must), "no {must} found");
    }
    v
}

/// The crates of Cargo.toml's [dependencies] other than nix and libc, as
/// paths (`log::`).
fn crates_above_sys() -> Vec<String> {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let deps = toml.split("\n[dependencies]\n").nth(1).unwrap();
    let deps = deps.split("\n[").next().unwrap();
    let v: Vec<String> = deps
        .lines()
        .filter_map(|l| l.split('=').next())
        .map(|n| n.trim().replace('-', "_"))
        .filter(|n| !n.is_empty() && !n.starts_with('#') && n != "nix" && n != "libc")
        .map(|n| format!("{n}::"))
        .collect();
    assert!(v.contains(&"log::".to_string()), "{v:?}");
    v
}

/// Each offending line as `path:line`.
fn violations(files: &[Src], bad: impl Fn(&Src, &str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        for (n, l) in f.lines.iter().enumerate() {
            if bad(f, l) {
                out.push(format!("{}:{}", f.rel, n + 1));
            }
        }
    }
    out
}

fn sys_violations(files: &[Src], crates: &[String]) -> Vec<String> {
    violations(files, |f, l| {
        f.rel.starts_with("src/sys/")
            && (l
                .match_indices("crate::")
                .any(|(at, w)| !l[at + w.len()..].starts_with("sys"))
                || l.contains("super::super::")
                || (f.rel == "src/sys/mod.rs"
                    && names(l, "super::")
                    && l.trim() != "use super::*;")
                || crates.iter().any(|c| names(l, c)))
    })
}

fn applet_violations(files: &[Src]) -> Vec<String> {
    let applets: Vec<&str> = files
        .iter()
        .filter_map(|f| f.rel.strip_prefix("applets/")?.strip_suffix(".rs"))
        .filter(|a| *a != "mod")
        .collect();
    violations(files, |f, l| {
        f.rel.starts_with("applets/")
            && f.rel != "applets/mod.rs"
            && applets.iter().any(|a| {
                [
                    format!("super::{a}"),
                    format!("crate::applets::{a}"),
                    format!("super::{{{a}"),
                    format!("crate::applets::{{{a}"),
                    format!("super::{{self, {a}"),
                ]
                .iter()
                .any(|p| {
                    l.match_indices(p.as_str()).any(|(at, _)| {
                        !l[at + p.len()..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
                })
            })
    })
}

fn nix_libc_violations(files: &[Src]) -> Vec<String> {
    violations(files, |f, l| {
        !f.rel.starts_with("src/sys/") && (names(l, "nix::") || names(l, "libc::"))
    })
}

fn procfs_violations(files: &[Src]) -> Vec<String> {
    violations(files, |f, l| {
        f.rel.starts_with("src/procfs/") && names(l, "crate::view")
    })
}

#[test]
fn sys_imports_nothing_above_it() {
    let bad = sys_violations(&all_sources(), &crates_above_sys());
    assert!(bad.is_empty(), "src/sys names what is above it: {bad:?}");
}

#[test]
fn no_applet_imports_another() {
    let bad = applet_violations(&all_sources());
    assert!(bad.is_empty(), "an applet imports another: {bad:?}");
}

#[test]
fn nix_and_libc_only_in_sys() {
    let bad = nix_libc_violations(&all_sources());
    assert!(bad.is_empty(), "nix:: or libc:: outside src/sys: {bad:?}");
}

#[test]
fn procfs_imports_no_view() {
    let bad = procfs_violations(&all_sources());
    assert!(bad.is_empty(), "src/procfs imports src/view: {bad:?}");
}

/// The rules catch what they are for, on planted text.
#[test]
fn the_rules_see_violations() {
    let files = [
        src(
            "src/sys/x.rs",
            "use crate::sys::fds;\nuse crate::view::df::Usage;\n// crate::ok in a comment\nfn f() { log::warn!(\"x\"); }\nlet s = \"crate::applets\";\n",
        ),
        src(
            "src/sys/mod.rs",
            "use super::error::Error;\nmod tests {\n    use super::*;\n}\n",
        ),
        src(
            "applets/a.rs",
            "use crate::applets::b;\nuse super::b::X;\nuse super::Applet;\nlet t = crate::applets::APPLETS;\nuse crate::applets::{b::Y};\nuse super::bb;\n",
        ),
        src("applets/b.rs", "let s = \"crate::applets::a\";\n"),
        src(
            "src/y.rs",
            "use std::os::unix::fs::MetadataExt;\nfn f() { libc::getpid(); }\n/// libc:: in a doc line\nlet n = nix::unistd::getpid(); // \"\n",
        ),
        src(
            "src/procfs/t.rs",
            "/// see crate::view::ps\nuse crate::view::ps::TtyDriver;\nuse crate::procfs::stat;\n",
        ),
    ];
    assert_eq!(
        sys_violations(&files, &["log::".to_string()]),
        ["src/sys/x.rs:2", "src/sys/x.rs:4", "src/sys/mod.rs:1"]
    );
    assert_eq!(
        applet_violations(&files),
        ["applets/a.rs:1", "applets/a.rs:2", "applets/a.rs:5"]
    );
    assert_eq!(nix_libc_violations(&files), ["src/y.rs:2", "src/y.rs:4"]);
    assert_eq!(procfs_violations(&files), ["src/procfs/t.rs:2"]);
}
