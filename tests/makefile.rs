//! The Makefile's targets do what they say (issue 21): `make unit` runs the
//! unit tests, and `make test` run by another user than root says it needs
//! root before doing anything. Run on a copy of the Makefile and scripts/
//! in a scratch directory, with `CARGO` a stand-in that records how it was
//! called, so nothing is built.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// A copy of the Makefile and scripts/ in `t`, readable by everyone, and
/// a fake cargo that appends its arguments to `calls`.
fn copy(t: &TempDir) -> (std::path::PathBuf, std::path::PathBuf) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let d = t.path().join("repo");
    std::fs::create_dir_all(&d).unwrap();
    let ok = Command::new("cp")
        .arg("-r")
        .arg(repo.join("Makefile"))
        .arg(repo.join("scripts"))
        .arg(repo.join("symlinks.txt"))
        .arg(&d)
        .status()
        .unwrap();
    assert!(ok.success());
    let calls = t.path().join("calls");
    let fake = t.path().join("fake-cargo");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$*\" >> {}\n", calls.display()),
    )
    .unwrap();
    for p in [t.path(), &d, &fake] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (d, fake)
}

#[test]
fn make_unit_runs_the_unit_tests() {
    require("make");
    let t = TempDir::new("make");
    let (d, fake) = copy(&t);
    let out = Command::new("make")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("CARGO_TEST_FLAGS")
        .arg("-C")
        .arg(&d)
        .arg("unit")
        .arg(format!("CARGO={}", fake.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let calls = std::fs::read_to_string(t.path().join("calls")).unwrap_or_default();
    assert_eq!(
        calls, "test --release --locked --lib --bins\n",
        "make unit runs cargo's unit tests: {out:?}"
    );
}

#[test]
fn make_test_says_it_needs_root() {
    require_root();
    require("make");
    require("setpriv");
    let t = TempDir::new("make");
    let (d, fake) = copy(&t);
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg("make")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("CARGO_TEST_FLAGS")
        .arg("-C")
        .arg(&d)
        .arg("test")
        .arg(format!("CARGO={}", fake.display()))
        .env("HOME", t.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        err.contains(
            "make test: needs root (private namespaces, Debian packages); run it as root, or 'make unit' for the unit tests alone"
        ),
        "{err}"
    );
    assert!(
        !t.path().join("calls").exists(),
        "nothing was run before the refusal"
    );
    assert!(!d.join("target").exists(), "nothing was built: {err}");
}
