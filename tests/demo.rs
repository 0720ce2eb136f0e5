//! `make demo`, the README's first command, keeps working: the whole
//! two-package node runs in its namespaces and every step shows what it
//! claims (the script checks each step and exits non-zero otherwise).

mod common;
use common::*;
use std::process::Command;

#[test]
fn demo_runs_and_every_step_checks_out() {
    require_root();
    for cmd in ["inetd", "socat", "script", "cron", "unshare"] {
        require(cmd);
    }
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/demo.sh"))
        .arg(bin())
        .env_remove("PCUE_SGCONF")
        .env_remove("PCUE_ROOT_PREFIX")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{text}");
    assert!(!text.contains("FAILED"), "{text}");
    for shown in [
        "Welcome to package pkg01.",
        "Welcome to package pkg02.",
        "This is the system context of node1.",
        "uid=2001(alice) gid=2001(alice) groups=2001(alice)",
        "run-level 4",
        "every step showed what it claims",
    ] {
        assert!(text.contains(shown), "demo output lacks {shown:?}:\n{text}");
    }
    let oks = text.matches("ok:").count();
    assert!(oks >= 40, "only {oks} checks passed:\n{text}");
}
