//! The house's layering rules, read from the source tree (README, "Design
//! notes"): applets → src modules → sys, no arrow back up.
//!
//! - nothing under src/sys names `crate::` outside `crate::sys`, nor a
//!   crate other than std, nix and libc;
//! - no applet names another applet (`crate::applets::NAME` or
//!   `super::NAME`: only mod.rs' own items, the APPLETS table, are shared);
//! - no `nix::`, `libc::` or `unsafe` outside src/sys;
//! - no `.unwrap()` or `.expect(` outside test code (`#[cfg(test)]` items
//!   and tests/).
//!
//! Comments, string and character literals are blanked before the rules
//! look, so a doc line may name what the code may not use.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every .rs file below `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The source with comments, string literals (plain, byte, raw) and
/// character literals replaced by spaces; newlines are kept, so line
/// numbers still hold.
fn code_only(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let ident_before = i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if !ident_before && (c == 'r' || (c == 'b' && next == Some('r'))) && {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            while b.get(j) == Some(&'#') {
                j += 1;
            }
            b.get(j) == Some(&'"')
        } {
            // raw string: r"..", r#".."#, br".."
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &b[i..j.min(b.len())] {
                out.push(blank(ch));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // a character literal ('x', '\n', '\u{7f}'), not a lifetime ('a)
            let end = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&j| b[j] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for _ in i..=e {
                        out.push(' ');
                    }
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The lines (1-based number, text) of code that is not test code: the
/// item after each `#[cfg(test)]` (a `;` item or a `{ … }` block) is left
/// out. Works on `code_only` text, so braces in strings do not count.
fn non_test_lines(code: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "#[cfg(test)]" {
            out.push((i + 1, lines[i]));
            i += 1;
            continue;
        }
        // skip the item: up to its `;` at depth 0, or its closing brace
        let mut depth = 0i32;
        let mut opened = false;
        i += 1;
        while i < lines.len() {
            let l = lines[i];
            for ch in l.chars() {
                match ch {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            i += 1;
            if (opened && depth <= 0) || (!opened && l.trim_end().ends_with(';')) {
                break;
            }
        }
    }
    out
}

/// Whether `word` occurs in `line` as a path start or keyword: not preceded
/// by a character of an identifier or `::` (so `unix::` is not `nix::`).
fn names(line: &str, word: &str) -> bool {
    let mut from = 0;
    while let Some(k) = line[from..].find(word) {
        let at = from + k;
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        let starts = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        let ends = word.ends_with(':')
            || word.ends_with('(')
            || !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if starts && ends {
            return true;
        }
        from = at + word.len();
    }
    false
}

struct Src {
    rel: String,
    code: String,
}

fn sources(under: &str) -> Vec<Src> {
    let base = root();
    rust_files(&base.join(under))
        .into_iter()
        .map(|p| Src {
            rel: p.strip_prefix(&base).unwrap().display().to_string(),
            code: code_only(&std::fs::read_to_string(&p).unwrap()),
        })
        .collect()
}

fn all_sources() -> Vec<Src> {
    let mut v = sources("src");
    v.extend(sources("applets"));
    assert!(
        v.iter().any(|s| s.rel == "src/sys/mod.rs"),
        "no src/sys found"
    );
    assert!(
        v.iter().any(|s| s.rel == "applets/mod.rs"),
        "no applets found"
    );
    v
}

fn report(rule: &str, bad: Vec<String>) {
    assert!(bad.is_empty(), "{rule}:\n  {}", bad.join("\n  "));
}

/// Rule (a): src/sys is the bottom layer.
fn sys_violations(files: &[Src]) -> Vec<String> {
    let mut bad = Vec::new();
    for f in files.iter().filter(|f| f.rel.starts_with("src/sys/")) {
        let is_mod = f.rel == "src/sys/mod.rs";
        // `super::` in mod.rs names the crate, except inside its test module
        let outside_tests: Vec<usize> = non_test_lines(&f.code).iter().map(|l| l.0).collect();
        for (n, l) in f.code.lines().enumerate() {
            let mut up = false;
            let mut from = 0;
            while let Some(k) = l[from..].find("crate::") {
                let at = from + k + "crate::".len();
                if !l[at..].starts_with("sys") {
                    up = true;
                }
                from = at;
            }
            // super:: from sys/mod.rs, super::super:: from below it: the crate
            if (is_mod && names(l, "super::") && outside_tests.contains(&(n + 1)))
                || l.contains("super::super::")
            {
                up = true;
            }
            for other in ["log::", "once_cell::", "argh::", "env_logger::"] {
                if names(l, other) {
                    up = true;
                }
            }
            if up {
                bad.push(format!("{}:{}: {}", f.rel, n + 1, l.trim()));
            }
        }
    }
    bad
}

/// Rule (b): applets depend on src/ only.
fn applet_violations(files: &[Src]) -> Vec<String> {
    let applets: Vec<String> = files
        .iter()
        .filter(|f| f.rel.starts_with("applets/") && f.rel != "applets/mod.rs")
        .map(|f| f.rel["applets/".len()..f.rel.len() - 3].to_string())
        .collect();
    let mut bad = Vec::new();
    for f in files
        .iter()
        .filter(|f| f.rel.starts_with("applets/") && f.rel != "applets/mod.rs")
    {
        for (n, l) in f.code.lines().enumerate() {
            // mod.rs' own items (the APPLETS table) are shared; its modules not
            let sibling = applets.iter().any(|a| {
                names(l, &format!("super::{a}"))
                    || names(l, &format!("crate::applets::{a}"))
                    || l.contains(&format!("crate::applets::{{{a}"))
                    || l.contains(&format!("super::{{{a}"))
                    || l.contains(&format!("super::{{self, {a}"))
            });
            if sibling {
                bad.push(format!("{}:{}: {}", f.rel, n + 1, l.trim()));
            }
        }
    }
    bad
}

/// Rule (c): nix, libc and unsafe live in src/sys only.
fn unsafe_violations(files: &[Src]) -> Vec<String> {
    let mut bad = Vec::new();
    for f in files.iter().filter(|f| !f.rel.starts_with("src/sys/")) {
        for (n, l) in f.code.lines().enumerate() {
            if ["nix::", "libc::", "unsafe"].iter().any(|w| names(l, w)) {
                bad.push(format!("{}:{}: {}", f.rel, n + 1, l.trim()));
            }
        }
    }
    bad
}

/// Rule (d): no unwrap/expect outside test code.
fn unwrap_violations(files: &[Src]) -> Vec<String> {
    let mut bad = Vec::new();
    for f in files {
        for (n, l) in non_test_lines(&f.code) {
            if l.contains(".unwrap()") || l.contains(".expect(") {
                bad.push(format!("{}:{}: {}", f.rel, n, l.trim()));
            }
        }
    }
    bad
}

#[test]
fn sys_imports_nothing_above_it() {
    report(
        "src/sys names the crate above it, or a crate other than std/nix/libc",
        sys_violations(&all_sources()),
    );
}

#[test]
fn no_applet_imports_another() {
    report(
        "an applet imports another applet",
        applet_violations(&all_sources()),
    );
}

#[test]
fn nix_libc_and_unsafe_only_in_sys() {
    report(
        "nix::, libc:: or unsafe outside src/sys",
        unsafe_violations(&all_sources()),
    );
}

#[test]
fn no_unwrap_or_expect_outside_tests() {
    report(
        "unwrap()/expect( outside #[cfg(test)] code",
        unwrap_violations(&all_sources()),
    );
}

/// The rules themselves catch what they are for, on planted text.
#[test]
fn the_rules_see_violations() {
    let src = |rel: &str, text: &str| Src {
        rel: rel.to_string(),
        code: code_only(text),
    };
    let files = [
        src(
            "src/sys/x.rs",
            "use crate::sys::fds;\nuse crate::view::df::Usage;\n// crate::ok in a comment\nfn f() { log::warn!(\"x\"); }\n",
        ),
        src(
            "src/sys/mod.rs",
            "use super::error::Error;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
        src(
            "applets/a.rs",
            "use crate::applets::b;\nuse super::b::X;\nuse super::Applet;\nlet t = crate::applets::APPLETS;\nuse crate::applets::{b::Y};\n",
        ),
        src("applets/b.rs", "let s = \"crate::applets::a\";\n"),
        src(
            "src/y.rs",
            "use std::os::unix::fs::MetadataExt;\nfn f<'a>(_: &'a str) { unsafe { libc::getpid() }; }\n/// unsafe in a doc line\nlet c = '{';\nlet n = nix::unistd::getpid();\n",
        ),
        src(
            "src/z.rs",
            "fn a() { x.unwrap_or(1); y.unwrap(); }\n#[cfg(test)]\nfn helper() {\n    z.unwrap();\n}\nfn b() { w.expect(\"no\"); }\n#[cfg(test)]\nmod tests {\n    fn t() { let s = \"}\"; q.unwrap(); }\n}\n",
        ),
    ];
    let lines = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|s| s.split(": ").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        lines(sys_violations(&files)),
        ["src/sys/x.rs:2", "src/sys/x.rs:4", "src/sys/mod.rs:1"]
    );
    assert_eq!(
        lines(applet_violations(&files)),
        ["applets/a.rs:1", "applets/a.rs:2", "applets/a.rs:5"]
    );
    assert_eq!(
        lines(unsafe_violations(&files)),
        ["src/y.rs:2", "src/y.rs:5"]
    );
    assert_eq!(
        lines(unwrap_violations(&files)),
        ["src/z.rs:1", "src/z.rs:6"]
    );
}
