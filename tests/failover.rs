//! A package failing over between two simulated nodes (issue 7): the
//! scenario of `make failover` (scripts/failover.sh, run with --keys in the
//! sandbox), asserted here from the KEY=value lines it prints. Two nodes and a
//! client, each its own net, mount, uts and pid namespaces on a bridge; the
//! package filesystem an ext4 image on a loop device; the registry one
//! /etc/cmcluster.conf in a private /etc; each node starts and halts the
//! package through examples/serviceguard/pcue.sh, and a real inetd with
//! pkgnet serves the client's logins.
//!
//! Slow (20-80 s): after the clean failover it waits for the package's cron
//! to run alice's job on the new node, and cron wakes once a minute.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

#[test]
fn package_fails_over_cleanly_and_after_a_crash() {
    for cmd in [
        "inetd",
        "socat",
        "cron",
        "crontab",
        "mkfs.ext4",
        "e2fsck",
        "losetup",
        "nsenter",
        "setpriv",
        "utmpdump",
        "last",
        "who",
        "ip",
    ] {
        require(cmd);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/failover.sh");
    let res = sandbox(&format!("bash {} --inside --keys", script.display()));
    let out = String::from_utf8_lossy(&res.stdout).into_owned();
    let err = String::from_utf8_lossy(&res.stderr);
    let all = format!("{out}\n--- stderr\n{err}");
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();

    // (the host name inside is the package's own: its UTS namespace)
    // 1. On nodeA the client, through inetd → pkgnet, is alice of the
    //    package's passwd; her file and crontab land on the package filesystem.
    assert_eq!(f("a_host"), "pkg01", "{all}");
    assert_eq!(f("a_file"), "written by alice on pkg01", "{all}");
    let crontab = f("a_crontab");
    assert!(
        crontab.starts_with("* * * * * echo \"cron ran on $(hostname)"),
        "crontab -l as alice on nodeA: {crontab}\n{all}"
    );
    assert_eq!(f("a_boots"), "1", "{all}");

    // 2. Clean halt on nodeA, start on nodeB: the same connection lands on
    //    nodeB with the same user, file and crontab, run-level 3 from
    //    inittab, and the wtmp tells both boots (utmpdump and last agree).
    assert_eq!(f("b_host"), "pkg01", "{all}");
    assert_eq!(f("b_user"), "alice", "{all}");
    assert_eq!(f("b_file"), "written by alice on pkg01", "{all}");
    assert_eq!(f("b_crontab"), crontab, "{all}");
    assert_eq!(f("b_runlevel"), "3", "who -r inside the package: {all}");
    assert_eq!(f("b_boots"), "2", "BOOT_TIME records: {all}");
    assert_eq!(f("b_last_boots"), "2", "last -x reboot lines: {all}");
    assert_eq!(f("b_levels"), "3 0 3", "RUN_LVL records in order: {all}");
    assert_eq!(f("b_service"), "service of pkg01 on pkg01", "{all}");
    assert_eq!(f("b_cron"), "cron ran on pkg01 as alice in pkg01", "{all}");

    // 3. nodeB crashes; nodeA starts the package over the stale pid file,
    //    FIFO and utmp: pkginit starts, every INIT_PROCESS record in utmp is
    //    a live process of the package, a third boot and no level 0 from B.
    let stale = f("stale_pid");
    assert!(
        stale.parse::<u32>().is_ok(),
        "stale pid file: {stale}\n{all}"
    );
    assert_eq!(
        f("c_start"),
        "0",
        "pcue.sh start over the stale state: {all}"
    );
    assert!(f("c_pid").parse::<u32>().is_ok(), "{all}");
    let utmp = f("c_utmp_init");
    let (live, total) = utmp.split_once('/').unwrap_or(("", ""));
    assert!(
        live == total && total.parse::<u32>().unwrap_or(0) >= 2,
        "live INIT_PROCESS records / all: {utmp}\n{all}"
    );
    assert_eq!(f("c_host"), "pkg01", "{all}");
    assert_eq!(f("c_file"), "written by alice on pkg01", "{all}");
    assert_eq!(f("c_runlevel"), "3", "{all}");
    assert_eq!(f("c_crontab"), crontab, "{all}");
    assert_eq!(f("c_boots"), "3", "{all}");
    assert_eq!(f("c_last_boots"), "3", "{all}");
    assert_eq!(f("c_levels"), "3 0 3 3", "{all}");

    // The end: a clean halt, the loop device freed, every check passed.
    assert_eq!(f("end_halt"), "0", "{all}");
    assert_eq!(f("loops_left"), "0", "{all}");
    assert_eq!(f("failed"), "0", "{all}");
    assert!(
        res.status.success(),
        "failover.sh exit status {}: {all}",
        res.status
    );

    // Seen from the host, after the namespaces are gone: no loop device is
    // left on the image.
    let img = f("img");
    assert!(img.ends_with("/pkg01.img"), "{all}");
    let losetup = Command::new("losetup")
        .arg("-a")
        .output()
        .expect("losetup -a");
    let list = String::from_utf8_lossy(&losetup.stdout);
    assert!(!list.contains(&img), "a loop device left on {img}:\n{list}");
}
