//! Installed manual pages keep their structure: rendered by man(1) as
//! `make install` would install them, an example stands on its own line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::process::Command;

/// The applet's manual page as `make install` installs it, rendered by
/// `man -l` at 80 columns.
fn rendered(applet: &str) -> String {
    require("man");
    let t = TempDir::new("man");
    let page = t.path().join(format!("{applet}.8"));
    let troff = Command::new(bin())
        .args(["--man", applet])
        .output()
        .unwrap();
    assert!(troff.status.success(), "pcue --man {applet}");
    std::fs::write(&page, &troff.stdout).unwrap();
    let out = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .env("LANG", "C")
        .output()
        .expect("run man");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `man -l pkgnet.8`: the inetd.conf line of pkgnet's page is a line of its
/// own, between the sentence that introduces it and the next one (before
/// issue 12 it ran into the prose: "...the connected socket: ftp stream tcp
/// nowait root ... The local address...").
#[test]
fn man_keeps_the_inetd_conf_example_on_its_own_line() {
    let text = rendered("pkgnet");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let example = "ftp stream tcp nowait root /corp/bin/pkgnet pkgnet /usr/sbin/in.ftpd -l";
    let at = lines
        .iter()
        .position(|l| *l == example)
        .unwrap_or_else(|| panic!("no line is the example alone:\n{text}"));
    assert!(lines[at - 1].ends_with("socket:"), "{text}");
    assert!(lines[at + 1].starts_with("The local address"), "{text}");
}

/// `man -l execsh.8`: each numbered step of DESCRIPTION is a paragraph of
/// its own, starting its line with its number after a blank line (before
/// issue 21 the seven steps ran together: "...the Pacemaker CIB; cmviewcl
/// and crm_mon are not run). 2. The root is opened...").
#[test]
fn man_sets_numbered_steps_apart() {
    let text = rendered("execsh");
    let lines: Vec<&str> = text.lines().collect();
    for n in 1..=7 {
        let tag = format!("{n}.");
        let at = lines
            .iter()
            .position(|l| {
                let mut w = l.split_whitespace();
                w.next() == Some(tag.as_str()) && w.next().is_some()
            })
            .unwrap_or_else(|| panic!("step {n} does not start a line:\n{text}"));
        assert!(
            lines[at - 1].trim().is_empty(),
            "step {n} is not a paragraph of its own:\n{text}"
        );
        // no other step runs on inside a line
        assert!(
            !lines
                .iter()
                .any(|l| l.contains(&format!(") {n}. ")) || l.contains(&format!(". {n}. "))),
            "step {n} runs together with the one before:\n{text}"
        );
    }
}
