//! The multi-call front end: argv[0] dispatch, the applet table, symlinks.txt,
//! --install, manual pages, and the setuid privilege drop.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::process::Command;

fn pcue(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).env_clear().output().unwrap()
}

fn table() -> Vec<String> {
    let out = pcue(&["--list"]);
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn symlinks_txt_matches_the_applet_table() {
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/symlinks.txt")).unwrap();
    let mut listed: Vec<String> = file
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.rsplit('/').next().unwrap().to_string())
        .collect();
    let mut t = table();
    listed.sort();
    t.sort();
    assert_eq!(
        listed, t,
        "symlinks.txt and `pcue --list` disagree: run `make symlinks`"
    );
    let all = [
        "execsh", "getcpkg", "mkpcue", "pkgbdf", "pkginit", "pkglogin", "pkgnet", "pkgps",
        "pkgstat", "telinit",
    ];
    assert_eq!(t, all, "all ten applets are registered");
}

#[test]
fn unknown_applet_is_127() {
    let out = pcue(&["nosuch"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pcue: applet not found: nosuch\n"
    );
    let t = TempDir::new("unknown");
    let link = t.path().join("frobnicate");
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    let out = Command::new(&link).output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pcue: applet not found: frobnicate\n"
    );
}

#[test]
fn front_end_options() {
    let v = pcue(&["--version"]);
    assert!(v.status.success());
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("pcue "));
    let h = pcue(&["--help"]);
    assert!(String::from_utf8_lossy(&h.stdout).contains("SYNOPSIS"));
    let bad = pcue(&["--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
    let none = pcue(&[]);
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn every_applet_has_help_and_a_man_page_by_both_names() {
    let t = TempDir::new("help");
    for name in table() {
        let by_link = applet(&t, &name, &["--help"], &[]);
        assert!(by_link.status.success(), "{name} --help");
        let text = String::from_utf8_lossy(&by_link.stdout).into_owned();
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS"] {
            assert!(
                text.lines().any(|l| l == section),
                "{name} --help lacks {section}"
            );
        }
        assert!(text.contains(&format!("{name} - ")), "{name}: NAME line");
        let by_arg = pcue(&[&name, "--help"]);
        assert_eq!(
            String::from_utf8_lossy(&by_arg.stdout),
            text,
            "pcue {name} --help"
        );
        let man = pcue(&["--man", &name]);
        let man = String::from_utf8_lossy(&man.stdout);
        assert!(
            man.contains(&format!(".TH {} 8", name.to_uppercase())),
            "{name} man page"
        );
        assert!(man.contains(".SH \"SYNOPSIS\""));
    }
}

#[test]
fn install_makes_links_and_never_overwrites() {
    let t = TempDir::new("install");
    let dir = t.path().join("bin");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("pkgps"), "precious\n").unwrap();
    let out = pcue(&["--install", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "an existing file is reported");
    assert!(String::from_utf8_lossy(&out.stderr).contains("can't install"));
    assert_eq!(
        std::fs::read_to_string(dir.join("pkgps")).unwrap(),
        "precious\n"
    );
    for name in table().iter().filter(|n| *n != "pkgps") {
        let l = std::fs::read_link(dir.join(name)).unwrap();
        assert_eq!(l, bin(), "{name} points at the binary");
    }
    // again: links are already right, the file is still reported
    let again = pcue(&["--install", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    std::fs::remove_file(dir.join("pkgps")).unwrap();
    assert!(pcue(&["--install", dir.to_str().unwrap()]).status.success());
}

#[test]
fn non_utf8_argument_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(bin())
        .arg("pkglogin")
        .arg(std::ffi::OsStr::from_bytes(b"\xff\xfe"))
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("pkglogin: argument is not valid UTF-8")
    );
}

/// A setuid-root copy run by an unprivileged user: getcpkg and pkglogin give
/// up root before doing anything. Both run cmviewcl (found through the
/// private /etc/cmcluster.conf's SGSBIN); the fake cmviewcl records its
/// parent's (the applet's) /proc status, which shows the effective uid.
#[test]
fn setuid_applets_drop_to_the_real_user() {
    let out = sandbox_ok(
        r#"
private_etc
setuid_copy
mkdir -p "$T/sbin" "$T/sg/pkg01" && chmod 755 "$T/sbin" "$T/sg" "$T/sg/pkg01"
echo 'IP[0]=127.0.0.2' > "$T/sg/pkg01/pkg01.cntl"
printf 'SGCONF=%s\nSGSBIN=%s\n' "$T/sg" "$T/sbin" > /etc/cmcluster.conf
cat > "$T/sbin/cmviewcl" <<EOS
#!/bin/sh
grep -E '^(Uid|Gid|Groups):' /proc/\$PPID/status > "$T/status.\$(cat /proc/\$PPID/comm)-\$PPID"
echo 'package:pkg01|status=up'
echo 'package:pkg01|owner=nodeA'
EOS
chmod 755 "$T/sbin/cmviewcl"
chmod 1777 "$T"
# the environment must not redirect a setuid run
export PCUE_SGCONF=/nonexistent PCUE_LOG=debug
echo "getcpkg=$(SSH_CONNECTION='10.9.9.9 5000 127.0.0.2 22' as_user "$T/bin/getcpkg")"
echo "pkglogin=$(as_user "$T/bin/pcue" pkglogin -l | tr '\t' ' ')"
mkdir -m 700 "$T/rootonly"
c=0; as_user "$T/bin/pcue" --install "$T/rootonly" 2>/dev/null || c=$?
echo "install_rc=$c entries=$(ls -A "$T/rootonly" | wc -l)"
for f in "$T"/status.*; do echo "== $f"; cat "$f"; done
ls -l "$T/bin/pcue"
"#,
    );
    assert_eq!(field(&out, "getcpkg"), Some("pkg01"), "{out}");
    assert_eq!(
        field(&out, "pkglogin"),
        Some("pkg01 /pkg01 127.0.0.2 nodeA"),
        "{out}"
    );
    let statuses: Vec<&str> = out.split("== ").skip(1).collect();
    assert_eq!(statuses.len(), 2, "cmviewcl ran under both applets: {out}");
    for s in statuses {
        assert!(
            s.contains("Uid:\t4242\t4242\t4242\t4242"),
            "effective uid is the user's: {s}"
        );
        assert!(
            s.contains("Gid:\t4242\t4242\t4242\t4242"),
            "effective gid is the user's: {s}"
        );
    }
    assert!(
        out.contains("-rwsr-xr-x"),
        "the copy really is setuid: {out}"
    );
}

/// `make install` into a staging DESTDIR: the setuid binary, one symlink per
/// symlinks.txt line, a man page per applet that man(1) can format; then
/// `make uninstall` removes exactly that and leaves a foreign file alone.
#[test]
fn make_install_and_uninstall_into_destdir() {
    require_root();
    require("make");
    let t = TempDir::new("inst");
    let dest = t.path().join("stage");
    let foreign = dest.join("corp/bin/keepme");
    std::fs::create_dir_all(foreign.parent().unwrap()).unwrap();
    std::fs::write(&foreign, "not ours\n").unwrap();
    let make = |target: &str| {
        let o = Command::new("make")
            .args([
                "-s",
                "-o",
                "build",
                "-C",
                env!("CARGO_MANIFEST_DIR"),
                target,
            ])
            .arg(format!("DESTDIR={}", dest.display()))
            .arg(format!("BIN={}", bin().display()))
            .arg(format!("MANOUT={}", t.path().join("man").display()))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "make {target}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    make("install");
    let pcue = dest.join("corp/bin/pcue");
    let meta = std::fs::metadata(&pcue).unwrap();
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    assert_eq!(
        meta.permissions().mode() & 0o7777,
        0o4755,
        "installed setuid root"
    );
    assert_eq!(meta.uid(), 0);
    for name in table() {
        assert_eq!(
            std::fs::read_link(dest.join("corp/bin").join(&name)).unwrap(),
            std::path::Path::new("pcue")
        );
        let page = dest.join(format!("usr/local/share/man/man8/{name}.8"));
        let text = std::fs::read_to_string(&page).unwrap();
        assert!(text.contains(".SH \"NAME\""), "{name}.8");
    }
    // man(1) reads the installed page; `make deps` installs man-db, and a
    // machine without it fails here rather than skipping the check.
    require("man");
    let page = dest.join("usr/local/share/man/man8/getcpkg.8");
    let o = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("get current package"));
    make("uninstall");
    assert!(!pcue.exists());
    assert!(!dest.join("corp/bin/getcpkg").exists());
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "not ours\n");
}

/// `--help` after an operand prints the manual text too, never argh's
/// generated help, for every applet whose line holds no other program's.
#[test]
fn help_anywhere_prints_the_manual() {
    let t = TempDir::new("help-late");
    for name in [
        "getcpkg", "mkpcue", "pkgbdf", "pkginit", "pkglogin", "pkgps", "telinit",
    ] {
        let first = applet(&t, name, &["--help"], &[]);
        let late = applet(&t, name, &["-Z9", "operand", "--help"], &[]);
        assert_eq!(late.status.code(), Some(0), "{name} operand --help");
        assert_eq!(
            String::from_utf8_lossy(&late.stdout),
            String::from_utf8_lossy(&first.stdout),
            "{name} operand --help"
        );
        let text = String::from_utf8_lossy(&late.stdout);
        assert!(text.starts_with("NAME\n"), "{name}: {text}");
        assert!(!text.contains("Options:"), "argh's help: {text}");
    }
}
