//! A wait in a test that expires is a failure with a message (issue 21):
//! tests/lib.sh's wait_until, wait_for and wait_log say what they gave up
//! on, and no test polls with a bare `for i in $(seq N); do COND && break`
//! loop, which goes on silently when COND never holds.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn lib(script: &str) -> std::process::Output {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let t = std::env::temp_dir().join(format!("pcue-waits-{}", std::process::id()));
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("syslog"), "one line\n").unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(". {}/tests/lib.sh\n{script}", repo.display()))
        .env("T", &t)
        .output()
        .expect("bash");
    let _ = std::fs::remove_dir_all(&t);
    out
}

#[test]
fn the_wait_helpers_fail_with_a_message() {
    let cases = [
        (
            "wait_until 1 false",
            "wait_until: gave up after 1 s: false\n",
        ),
        (
            "wait_for 1 test -e /nonexistent",
            "wait_for: gave up after 1 s: test -e /nonexistent\n",
        ),
        ("wait_log 1 2 'line'", "fewer than 2 line(s) of "),
    ];
    for (script, said) in cases {
        let out = lib(&format!("{script}\necho not reached"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{script}: {out:?}");
        assert!(err.contains(said), "{script}: {err}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("not reached"),
            "{script}: set -e stops the test"
        );
    }
    for ok in [
        "wait_until 1 true",
        "wait_for 1 true",
        "wait_log 1 1 'one line'",
    ] {
        let out = lib(ok);
        assert!(out.status.success(), "{ok}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{ok}");
    }
}

#[test]
fn no_test_polls_with_a_silent_loop() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut found = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) != Some("rs") || p.ends_with("waits.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !(l.contains("for ") && l.contains("in $(seq ")) {
                continue;
            }
            // the loop's body: up to its `done`
            let body: Vec<&str> = lines[i..]
                .iter()
                .take_while(|b| !b.trim_start().starts_with("done"))
                .chain(std::iter::once(&lines[i]))
                .copied()
                .collect();
            if body.iter().any(|b| b.contains("&& break")) {
                found.push(format!("{}:{}: {}", p.display(), i + 1, l.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "polling loops that go on silently when they expire (use wait_until/wait_for ... || die):\n{}",
        found.join("\n")
    );
}
