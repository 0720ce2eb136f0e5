//! Each make target installs what it needs (issue 21, item 22): `make demo`
//! on a fresh machine installed everything the tests use (Corosync,
//! Pacemaker, CUPS...) and took 65 s. scripts/deps.sh takes a group, the
//! Makefile's targets pass theirs, and `DEPS_DRY_RUN=1` says what a group
//! would install: here on a machine where no command is found (an empty
//! PATH), as on a fresh one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The packages `scripts/deps.sh GROUP` would install where no command is
/// on the PATH.
fn would_install(group: &str) -> Vec<String> {
    let out = Command::new("/bin/bash")
        .arg(repo().join("scripts/deps.sh"))
        .arg(group)
        .env_clear()
        .env("PATH", "/nonexistent-pcue-path")
        .env("DEPS_DRY_RUN", "1")
        .current_dir(repo())
        .output()
        .expect("run scripts/deps.sh");
    assert!(
        out.status.success(),
        "deps.sh {group}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `make -n TARGET ...`: the deps.sh line make would run for it.
fn deps_line(args: &[&str]) -> String {
    let out = Command::new("make")
        .arg("-n")
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run make -n");
    assert!(out.status.success(), "make -n {args:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.contains("scripts/deps.sh"))
        .unwrap_or("")
        .trim()
        .to_string()
}

#[test]
fn make_demo_installs_only_what_the_demo_needs() {
    assert_eq!(deps_line(&["demo"]), "scripts/deps.sh demo");
    assert_eq!(deps_line(&["test"]), "scripts/deps.sh test");
    assert_eq!(deps_line(&["failover"]), "scripts/deps.sh failover");
    assert_eq!(
        deps_line(&["failover", "ENGINE=pacemaker"]),
        "scripts/deps.sh pacemaker"
    );
    let demo = would_install("demo");
    // what the demo runs: inetd, cron, socat, sshd and ssh, useradd, script
    for p in ["openbsd-inetd", "cron", "socat", "openssh-server", "passwd"] {
        assert!(demo.iter().any(|d| d == p), "demo lacks {p}: {demo:?}");
    }
    let test = would_install("test");
    for heavy in [
        "corosync",
        "pacemaker",
        "cups-daemon",
        "at",
        "busybox-static",
        "man-db",
        "pcs",
        "crmsh",
        "hyperfine",
    ] {
        assert!(
            !demo.iter().any(|d| d == heavy),
            "demo installs {heavy}: {demo:?}"
        );
        assert_eq!(
            test.iter().any(|d| d == heavy),
            heavy != "hyperfine",
            "test and {heavy}: {test:?}"
        );
    }
    assert!(demo.len() <= 12, "{demo:?}");
    assert!(demo.iter().all(|d| test.contains(d)), "{demo:?} {test:?}");
    assert!(would_install("bench").iter().any(|d| d == "hyperfine"));
}
