//! Package names: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 39 characters (the
//! Serviceguard limit), never a system directory's name. Checked wherever a
//! name enters: the command line, the registry, the mount table.

use crate::error::{Error, Result};

pub const MAX_LEN: usize = 39;

/// Top-level directory names a package may never take: a package root at
/// `/<name>` must not shadow the system.
const RESERVED: &[&str] = &[
    "bin",
    "boot",
    "corp",
    "dev",
    "etc",
    "home",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "lost+found",
    "media",
    "mnt",
    "opt",
    "proc",
    "root",
    "run",
    "sbin",
    "srv",
    "sys",
    "system",
    "tmp",
    "usr",
    "var",
];

/// Why `name` is not a package name, or Ok.
pub fn check(name: &str) -> Result<()> {
    // control characters escaped: the message stays one line
    let shown: String = name
        .chars()
        .take(48)
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect();
    let shown = if name.chars().count() > 48 {
        format!("{shown}...")
    } else {
        shown
    };
    let bad = |why: &str| {
        Err(Error::usage(format!(
            "invalid package name '{shown}': {why}"
        )))
    };
    let Some(first) = name.chars().next() else {
        return bad("empty");
    };
    if name.len() > MAX_LEN {
        return bad("longer than 39 characters");
    }
    if !first.is_ascii_alphanumeric() {
        return bad("must start with a letter or digit");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return bad("only letters, digits, '.', '_' and '-' are allowed");
    }
    if RESERVED.contains(&name) {
        return bad("that is a system directory");
    }
    Ok(())
}

pub fn is_valid(name: &str) -> bool {
    check(name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts() {
        for ok in ["pkg01", "PKG-1", "a", "9x", "db.prod_2", &"a".repeat(39)] {
            assert!(is_valid(ok), "{ok}");
        }
    }

    #[test]
    fn refuses() {
        let long = "a".repeat(40);
        let huge = "p".repeat(10_000);
        for bad in [
            "", ".", "..", "/", "a/b", "../tmp/x", "-x", ".hidden", "etc", "usr", "system", "a b",
            "pkg\n", "pkg\0", "pkgé", &long, &huge,
        ] {
            assert!(!is_valid(bad), "{bad:?}");
        }
        let e = check(&huge).unwrap_err();
        assert!(e.msg.len() < 120, "message stays one short line: {}", e.msg);
        assert!(e.usage);
        let e = check("pkg\n").unwrap_err();
        assert_eq!(
            e.msg,
            "invalid package name 'pkg\\n': only letters, digits, '.', '_' and '-' are allowed"
        );
    }
}
