//! README's "Layout" names every source file where it is: each .rs file
//! under src/ and applets/ appears in the tree drawn there, and everything
//! the tree names under them exists. A newcomer reads that tree to find
//! where a behaviour lives; this keeps it true.
//!
//! The tree: a name per line (or several .rs names on one line), indented
//! two spaces per folder level, a folder ending in `/`; descriptions follow
//! the names, continuation lines start in the description column.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where descriptions start: a line indented this far continues one.
const DESCRIPTION_COLUMN: usize = 20;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The code block of the README's "## Layout" section.
fn layout_block(readme: &str) -> &str {
    let section = readme.split("\n## Layout\n").nth(1).expect("no ## Layout");
    let start = section.find("\n```\n").expect("no tree in ## Layout") + 5;
    let len = section[start..].find("\n```").expect("tree not closed");
    &section[start..start + len]
}

/// The paths the tree names: files as `src/view/ps.rs`, folders as
/// `src/view/`.
fn named_paths(tree: &str) -> BTreeSet<String> {
    let mut dirs: Vec<String> = Vec::new();
    let mut out = BTreeSet::new();
    for line in tree.lines() {
        let indent = line.len() - line.trim_start().len();
        if line.trim().is_empty() || indent >= DESCRIPTION_COLUMN {
            continue;
        }
        assert!(indent % 2 == 0, "odd indent in the Layout tree: {line:?}");
        let level = indent / 2;
        assert!(level <= dirs.len(), "indented below no folder: {line:?}");
        dirs.truncate(level);
        let names: Vec<&str> = line
            .split_whitespace()
            .take_while(|w| w.ends_with(".rs") || w.ends_with('/'))
            .collect();
        for name in names {
            let path = format!("{}{name}", dirs.concat());
            if name.ends_with('/') {
                dirs.push(name.to_string());
            }
            out.insert(path);
        }
    }
    out
}

/// The .rs files and the folders holding them under `dir`, relative to
/// the crate root.
fn tree_paths(dir: &Path, out: &mut BTreeSet<String>) {
    let rel = |p: &Path| p.strip_prefix(root()).unwrap().display().to_string();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            let mut inner = BTreeSet::new();
            tree_paths(&p, &mut inner);
            if !inner.is_empty() {
                out.insert(format!("{}/", rel(&p)));
                out.extend(inner);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.insert(rel(&p));
        }
    }
}

/// What the README names under src/ and applets/, against the tree.
fn differences(named: &BTreeSet<String>, real: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    let ours = |p: &&String| p.starts_with("src/") || p.starts_with("applets/");
    let missing = real.iter().filter(ours).filter(|p| !named.contains(*p));
    let stale = named.iter().filter(ours).filter(|p| !real.contains(*p));
    (missing.cloned().collect(), stale.cloned().collect())
}

#[test]
fn readme_layout_names_every_source_file_and_nothing_else() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let named = named_paths(layout_block(&readme));
    let mut real = BTreeSet::new();
    tree_paths(&root().join("src"), &mut real);
    tree_paths(&root().join("applets"), &mut real);
    real.insert("src/".into());
    real.insert("applets/".into());
    assert!(
        real.contains("src/sys/mod.rs") && real.len() > 40,
        "{real:?}"
    );
    let (missing, stale) = differences(&named, &real);
    assert!(missing.is_empty(), "not in README's Layout: {missing:?}");
    assert!(
        stale.is_empty(),
        "README's Layout names what is not there: {stale:?}"
    );
}

/// The reading of the tree, on a planted one: levels, several names on a
/// line, a long name followed by one space, continuation lines.
#[test]
fn the_tree_is_read_as_drawn() {
    let tree = "\
applets/            policy
  mod.rs            the table
  a.rs b.rs   one each
src/                mechanism
  main.rs           the binary
  view/             views:
    ps.rs           ps -f, see src/x.rs
                    continued: src/y.rs
    syslog_relay.rs the relay
  lib.rs            the list
tests/              tests
";
    let named = named_paths(tree);
    let want = [
        "applets/",
        "applets/a.rs",
        "applets/b.rs",
        "applets/mod.rs",
        "src/",
        "src/lib.rs",
        "src/main.rs",
        "src/view/",
        "src/view/ps.rs",
        "src/view/syslog_relay.rs",
        "tests/",
    ];
    assert_eq!(named.iter().map(String::as_str).collect::<Vec<_>>(), want);
    let mut real: BTreeSet<String> = named.clone();
    real.remove("src/view/ps.rs");
    real.insert("src/view/df.rs".into());
    let (missing, stale) = differences(&named, &real);
    assert_eq!(missing, ["src/view/df.rs"]);
    assert_eq!(stale, ["src/view/ps.rs"]);
}
