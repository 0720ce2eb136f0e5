//! pkglogin: address → package over a registry built in a temp directory.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use std::path::Path;

fn registry(t: &TempDir) -> String {
    let sg = t.path().join("sg");
    let w = |rel: &str, text: &str| {
        let p = sg.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "pkg01/pkg01.cntl",
        "#IP[0]=\"10.0.0.99\"\nIP[0]=127.0.0.2; SUBNET[0]=127.0.0.0\n",
    );
    w("pkg02/pkg02.conf", "package_name pkg02\nip_subnet 127.0.0.0\nip_address 127.0.0.3\nip_address fd00::3\nip_address bogus\n");
    w(
        "pkg03/pkgctl",
        "IP_ADDRESS[0]='127.0.0.4'\nPCUE_ROOT=/srv/three\n",
    );
    w("scripts/README", "not a package\n");
    w("etc/x.cntl", "IP[0]=127.0.0.9\n");
    std::fs::create_dir_all(sg.join("empty")).unwrap();
    sg.to_str().unwrap().to_string()
}

fn run(t: &TempDir, sg: &str, args: &[&str]) -> (i32, String, String) {
    let o = applet(
        t,
        "pkglogin",
        args,
        &[("PCUE_SGCONF", sg), ("PCUE_CMVIEWCL", "0")],
    );
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn v4_v6_and_mapped() {
    let t = TempDir::new("pl");
    let sg = registry(&t);
    for (addr, want) in [
        ("127.0.0.2", "pkg01\n"),
        ("127.0.0.3", "pkg02\n"),
        ("fd00::3", "pkg02\n"),
        ("FD00:0:0::3", "pkg02\n"),
        ("::ffff:127.0.0.2", "pkg01\n"),
        ("[::ffff:127.0.0.4]", "pkg03\n"),
        ("127.0.0.4", "pkg03\n"),
    ] {
        let (code, out, _) = run(&t, &sg, &[addr]);
        assert_eq!((code, out.as_str()), (0, want), "{addr}");
    }
}

#[test]
fn unknown_prints_nothing_and_exits_0() {
    let t = TempDir::new("pl");
    let sg = registry(&t);
    for addr in ["10.0.0.99", "::1"] {
        assert_eq!(run(&t, &sg, &[addr]).0, 0);
        assert_eq!(run(&t, &sg, &[addr]).1, "", "{addr}");
    }
    // an address of a skipped entry (the directory 'etc' is no package
    // name) is not "no package": the entry may be up
    let (code, out, err) = run(&t, &sg, &["127.0.0.9"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    // the scan's diagnostic, then the one-line error
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("pkglogin: can't tell whose address 127.0.0.9 is: address 127.0.0.9 is named by a skipped entry: ")
            && last.ends_with("invalid package name 'etc': that is a system directory"),
        "{err}"
    );
    // an unreadable package file: no answer, for any address, and -l
    // lists what it can and exits 1
    let f = Path::new(&sg).join("pkg02/pkg02.conf");
    std::fs::remove_file(&f).unwrap();
    std::os::unix::fs::symlink("/nonexistent-pcue-mount/pkg02.conf", &f).unwrap();
    for addr in ["10.0.0.99", "127.0.0.3", "127.0.0.4"] {
        let (code, out, err) = run(&t, &sg, &[addr]);
        assert_eq!((code, out.as_str()), (1, ""), "{addr}: {err}");
        assert!(
            err.contains("/pkg02/pkg02.conf': No such file or directory"),
            "{err}"
        );
    }
    assert_eq!(
        run(&t, &sg, &["127.0.0.2"]).1,
        "pkg01\n",
        "read before the gap"
    );
    let (code, out, err) = run(&t, &sg, &["-l"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("pkg01\t") && out.contains("pkg03\t"), "{out}");
    assert!(
        err.contains("pkg02.conf': No such file or directory"),
        "{err}"
    );
}

#[test]
fn malformed_input_is_a_usage_error() {
    let t = TempDir::new("pl");
    let sg = registry(&t);
    for bad in ["pkg01", "1.2.3", "300.0.0.1", "", "127.0.0.2 x", "::g"] {
        let (code, out, err) = run(&t, &sg, &[bad]);
        assert_eq!(code, 2, "{bad:?}");
        assert_eq!(out, "");
        assert!(err.starts_with("pkglogin: invalid address"), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    assert_eq!(run(&t, &sg, &[]).0, 2);
    assert_eq!(run(&t, &sg, &["-l", "127.0.0.2"]).0, 2);
    assert_eq!(run(&t, &sg, &["-x"]).0, 2);
}

#[test]
fn list_is_stable_and_diagnoses_bad_lines() {
    let t = TempDir::new("pl");
    let sg = registry(&t);
    let (code, out, err) = run(&t, &sg, &["-l"]);
    assert_eq!(code, 0);
    assert_eq!(out, "pkg01\t/pkg01\t127.0.0.2\t-\npkg02\t/pkg02\t127.0.0.3,fd00::3\t-\npkg03\t/srv/three\t127.0.0.4\t-\n");
    let conf = Path::new(&sg).join("pkg02/pkg02.conf");
    assert!(
        err.contains(&format!(
            "pkglogin: {}:5: bad IP address 'bogus'",
            conf.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("invalid package name 'etc': that is a system directory"),
        "{err}"
    );
}

#[test]
fn cmviewcl_names_packages_and_nodes() {
    let t = TempDir::new("pl");
    let sg = registry(&t);
    let sbin = t.path().join("sbin");
    std::fs::create_dir_all(&sbin).unwrap();
    let fake = sbin.join("cmviewcl");
    std::fs::write(&fake, "#!/bin/sh\n[ \"$*\" = '-f line -l package' ] || exit 3\nprintf 'package:pkg02|status=up\\npackage:pkg02|owner=nodeB\\npackage:pkg02|node:nodeB|status=up\\npackage:pkg01|status=down\\npackage:pkg01|owner=unowned\\n'\n").unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&fake).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let o = applet(
        &t,
        "pkglogin",
        &["-l"],
        &[("PCUE_SGCONF", &sg), ("SGSBIN", sbin.to_str().unwrap())],
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "pkg02\t/pkg02\t127.0.0.3,fd00::3\tnodeB\npkg01\t/pkg01\t127.0.0.2\tunowned\n"
    );
    // a failing cmviewcl falls back to the directories
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'cmviewcl: illegal option -- f' >&2\nexit 2\n",
    )
    .unwrap();
    let o = applet(
        &t,
        "pkglogin",
        &["-l"],
        &[("PCUE_SGCONF", &sg), ("SGSBIN", sbin.to_str().unwrap())],
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);
}

#[test]
fn duplicate_address_first_package_wins_and_is_reported() {
    let t = TempDir::new("pl");
    let sg = registry(&t);
    std::fs::create_dir_all(Path::new(&sg).join("pkg00")).unwrap();
    std::fs::write(Path::new(&sg).join("pkg00/pkg00.cntl"), "IP[0]=127.0.0.3\n").unwrap();
    assert_eq!(
        run(&t, &sg, &["127.0.0.3"]).1,
        "pkg00\n",
        "sorted order: pkg00 before pkg02"
    );
    let (_, out, err) = run(&t, &sg, &["-l"]);
    assert!(out.starts_with("pkg00\t"), "{out}");
    assert!(
        err.contains("address 127.0.0.3 is claimed by 'pkg00' and 'pkg02'; 'pkg00' wins"),
        "{err}"
    );
}
