//! Comments and README lines say what the code does (issue 21): no file
//! the README calls pure reads the system, no comment cites a document the
//! repository lacks, init's module doc counts its parts right, and the
//! README says which crates the tests use.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("rs" | "sh" | "md")
        ) {
            out.push(p);
        }
    }
}

/// Calls that read or change the system, which a pure module has none of.
const SYSTEM: &[&str] = &[
    "std::fs::",
    "Command::new",
    "procfs::tcp_sockets",
    "sys::fs::read",
    "TcpListener",
    "std::env::var",
];

#[test]
fn what_the_readme_calls_pure_reads_nothing() {
    let readme = read(&repo().join("README.md"));
    // the layout tree: "src/" at the margin, two more spaces per level
    let mut dirs: Vec<String> = Vec::new();
    let mut checked = 0;
    for l in readme.lines() {
        let t = l.trim_start();
        let level = (l.len() - t.len()) / 2;
        let Some(name) = t.split_whitespace().next() else {
            continue;
        };
        if name.ends_with('/') && level <= dirs.len() {
            dirs.truncate(level);
            dirs.push(name.to_string());
            continue;
        }
        if level > dirs.len() || level == 0 {
            continue;
        }
        let dir: String = dirs[..level].concat();
        if !(name.ends_with(".rs") && l.contains("(pure")) {
            continue;
        }
        let path = repo().join(&dir).join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(_) => continue,
        };
        let code: String = text
            .lines()
            .take_while(|l| !l.starts_with("#[cfg(test)]"))
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for s in SYSTEM {
            assert!(
                !code.contains(s),
                "README calls {} pure, but it uses {s}",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "the README's layout lines were found ({checked})"
    );
}

#[test]
fn no_comment_cites_a_missing_document() {
    let mut files = Vec::new();
    for d in ["src", "applets", "tests", "scripts", "examples", "ocf"] {
        if repo().join(d).is_dir() {
            sources(&repo().join(d), &mut files);
        }
    }
    files.push(repo().join("README.md"));
    files.push(repo().join("Makefile"));
    let mut missing = Vec::new();
    for f in files {
        let text = read(&f);
        for (i, l) in text.lines().enumerate() {
            for w in l.split(|c: char| !(c.is_ascii_alphanumeric() || "._-/".contains(c))) {
                let w = w.trim_matches('.');
                if !w.ends_with(".md") || w.contains("://") {
                    continue;
                }
                let exists = repo().join(w).exists()
                    || f.parent().is_some_and(|p| p.join(w).exists())
                    || w.rsplit('/').next() == Some("README.md");
                if !exists {
                    missing.push(format!("{}:{}: {w}", f.display(), i + 1));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documents not in the repository:\n{}",
        missing.join("\n")
    );
}

#[test]
fn init_counts_its_parts() {
    let text = read(&repo().join("src/init/mod.rs"));
    let first = text.lines().next().unwrap();
    let parts = text.lines().filter(|l| l.starts_with("//! - [`")).count();
    let words = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    // a number of parts, when the first line names one, is the list's
    for (n, w) in words.iter().enumerate() {
        if first.contains(&format!(" {w} parts")) {
            assert_eq!(n, parts, "src/init/mod.rs lists {parts} parts: {first}");
        }
    }
}

#[test]
fn the_readme_names_the_crates_the_tests_use() {
    let readme = read(&repo().join("README.md"));
    let mut files = Vec::new();
    sources(&repo().join("tests"), &mut files);
    let uses_libc = files.iter().any(|f| read(f).contains("libc::"));
    assert!(uses_libc, "the tests use libc");
    assert!(
        !readme.contains("Tests use only the standard library"),
        "the README says the tests use only std"
    );
    assert!(
        readme.contains("Tests use the standard library, libc"),
        "the README names libc among what the tests use"
    );
}
