//! A write to standard output that fails is a one-line error and exit
//! status 1 from every applet, never a panic (SIGABRT); a reader that went
//! away (EPIPE) is quiet. No privileges needed: /dev/full and a pipe whose
//! reading end is closed.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Output, Stdio};

fn full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full")
}

fn applets() -> Vec<String> {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/symlinks.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Run `cmd` with standard output on /dev/full.
fn to_full(mut cmd: Command) -> Output {
    cmd.stdout(full())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .output()
        .expect("run")
}

fn assert_write_error(what: &str, applet: &str, out: &Output) {
    assert_eq!(
        (out.status.code(), out.status.signal()),
        (Some(1), None),
        "{what}: exit 1, not a signal: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{applet}: can't write 'standard output': No space left on device\n"),
        "{what}"
    );
}

#[test]
fn every_applet_s_help_to_a_full_device_is_an_error() {
    let t = TempDir::new("writes");
    let dir = applet_dir(&t);
    for a in applets() {
        let mut c = Command::new(dir.join(&a));
        c.arg("--help").env_clear();
        assert_write_error(&format!("{a} --help"), &a, &to_full(c));
        let mut c = Command::new(bin());
        c.args(["--man", &a]).env_clear();
        assert_write_error(&format!("pcue --man {a}"), "pcue", &to_full(c));
    }
    for args in [&["--list"][..], &["--version"], &["--help"]] {
        let mut c = Command::new(bin());
        c.args(args).env_clear();
        assert_write_error(&format!("pcue {args:?}"), "pcue", &to_full(c));
    }
}

#[test]
fn listings_to_a_full_device_are_an_error() {
    let t = TempDir::new("writes");
    let dir = applet_dir(&t);
    let sg = t.path().join("sg");
    std::fs::create_dir_all(sg.join("pkg01")).unwrap();
    std::fs::write(sg.join("pkg01/pkg01.cntl"), "IP[0]=\"127.0.0.2\"\n").unwrap();
    let sg = sg.to_str().unwrap();
    let runs: &[(&str, &[&str])] = &[
        ("pkglogin", &["-l"]),
        ("pkglogin", &["127.0.0.2"]),
        ("pkgps", &["-a"]),
        ("pkgbdf", &[]),
        ("pkgstat", &[]),
        ("pkgstat", &["-r"]),
    ];
    for (a, args) in runs {
        let mut c = Command::new(dir.join(a));
        c.args(*args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("PCUE_SGCONF", sg)
            .env("PCUE_CMVIEWCL", "0")
            .env("PCUE_CIB", "/nonexistent");
        assert_write_error(&format!("{a} {args:?}"), a, &to_full(c));
    }
}

/// A pipe whose reader is gone: with SIGPIPE at its default the applet
/// dies of it, silently (as a C tool does); with SIGPIPE blocked the write
/// fails with EPIPE and the applet leaves with status 1, silently too.
#[test]
fn a_closed_pipe_is_quiet() {
    for blocked in [false, true] {
        let mut fds = [0; 2];
        // SAFETY: a fresh pipe; the reading end is closed at once.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        unsafe { libc::close(fds[0]) };
        // SAFETY: fds[1] is ours; Stdio takes it over.
        let w: std::fs::File = unsafe { std::os::fd::FromRawFd::from_raw_fd(fds[1]) };
        let mut c = Command::new(bin());
        c.args(["--man", "pkgps"])
            .env_clear()
            .stdout(w)
            .stderr(Stdio::piped());
        if blocked {
            // SAFETY: sigprocmask in the child before exec.
            unsafe {
                c.pre_exec(|| {
                    let mut set: libc::sigset_t = std::mem::zeroed();
                    libc::sigemptyset(&mut set);
                    libc::sigaddset(&mut set, libc::SIGPIPE);
                    libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                    Ok(())
                });
            }
        }
        let out = c.output().unwrap();
        drop(c);
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "blocked={blocked}: nothing said"
        );
        if blocked {
            assert_eq!(out.status.code(), Some(1), "{:?}", out.status);
        } else {
            assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
        }
    }
}
