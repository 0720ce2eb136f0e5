//! Printing and at jobs in a package (issue 14): a real cupsd and a real atd
//! per package, started by pkginit from the package's inittab, built by
//! mkpcue's default layout; lp, lpstat, cupsenable, at and atq as a package's
//! users run them. Everything in private namespaces (tests/common sandbox);
//! the printer is the test backend "tofile" (tests/lib.sh, cups_pkg), which
//! appends each job to a file in the package.

mod common;
use common::*;

fn need() {
    for cmd in [
        "cupsd",
        "lp",
        "lpstat",
        "lpadmin",
        "cupsenable",
        "cupsdisable",
        "atd",
        "at",
        "atq",
        "setpriv",
        "nsenter",
        "mkfs.ext4",
        "e2fsck",
        "losetup",
        "ss",
    ] {
        require(cmd);
    }
}

/// The sandbox's registry, the setuid copy and the package addresses.
const SETUP: &str = r#"
net_up 127.0.0.2 127.0.0.3
private_etc
setuid_registry
setuid_copy
mount -t tmpfs -o mode=755 node-run /run
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
user_in() { local p=$1; shift; as_user "$T/bin/execsh" "$p" /bin/sh -c "$*"; }
"#;

#[test]
fn two_packages_print_each_with_its_own_cupsd() {
    need();
    let out = sandbox_ok(&format!(
        "{SETUP}{}",
        r#"
cups_pkg pkg01
cups_pkg pkg02
cups_start - pkg01
cups_start - pkg02
in_pkg pkg01 lpadmin -p pq1 -E -v tofile:/var/spool/out/pq1 || die "lpadmin in pkg01"
in_pkg pkg02 lpadmin -p pq2 -E -v tofile:/var/spool/out/pq2 || die "lpadmin in pkg02"
echo "a page of root" | in_pkg pkg01 lp -d pq1 -t by-root >/dev/null || die "lp as root"
user_in pkg01 'echo "a page of user" | lp -d pq1 -t by-user' >/dev/null || die "lp as the package user"
echo "a page of pkg02" | in_pkg pkg02 lp -d pq2 -t in-pkg02 >/dev/null || die "lp in pkg02"
wait_until 15 '[ "$(printed - pkg01 pq1 | wc -l)" -ge 2 ] && [ "$(printed - pkg02 pq2 | wc -l)" -ge 1 ]' ||
    die "jobs not printed: $(printed - pkg01 pq1) / $(printed - pkg02 pq2)"
echo "printed1=$(printed - pkg01 pq1 | cut -d' ' -f2- | sort | tr '\n' ';')"
echo "printed2=$(printed - pkg02 pq2 | cut -d' ' -f2- | tr '\n' ';')"
grep -q '^a page of user$' "$T/pkg01/var/spool/out/pq1" && echo "user_page=yes"
for p in pkg01 pkg02; do
    echo "printers_$p=$(in_pkg $p lpstat -e | tr '\n' ' ')"
    echo "jobs_$p=$(in_pkg $p lpstat -W all -o | awk '{print $1, $2}' | sort | tr '\n' ';')"
done
# the other package's printer, by name, from pkg01
st=0; in_pkg pkg01 lp -d pq2 /etc/passwd >/dev/null 2>"$T/e1" || st=$?; echo "lp_other_status=$st"
echo "lp_other=$(head -1 "$T/e1")"
st=0; in_pkg pkg01 lpstat -o pq2 >/dev/null 2>"$T/e2" || st=$?; echo "lpstat_other_status=$st"
# the node's own context has no scheduler, no printers and no jobs
echo "node_sched=$(lpstat -r 2>&1)"
echo "node_printers=$(lpstat -e 2>/dev/null | tr '\n' ' ')"
# a client on a package's address sees that package's printer only
echo "client1=$(lpstat -h 127.0.0.2:631 -e | tr '\n' ' ')"
echo "client2=$(lpstat -h 127.0.0.3:631 -e | tr '\n' ' ')"
echo "listen=$(ss -Htln | awk '{print $4}' | grep ':631$' | sort | tr '\n' ' ')"
echo "sockets=$(ls "$T/pkg01/run/cups/cups.sock" "$T/pkg02/run/cups/cups.sock" | wc -l)"
cups_stop - pkg01
cups_stop - pkg02
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(
        f("printed1"),
        "user=root title=by-root;user=user title=by-user;",
        "root's job and the package user's job, owned by each: {out}"
    );
    assert_eq!(f("user_page"), "yes", "{out}");
    assert_eq!(f("printed2"), "user=root title=in-pkg02;", "{out}");
    assert_eq!(f("printers_pkg01"), "pq1 ", "{out}");
    assert_eq!(f("printers_pkg02"), "pq2 ", "{out}");
    assert_eq!(f("jobs_pkg01"), "pq1-1 root;pq1-2 user;", "{out}");
    assert_eq!(f("jobs_pkg02"), "pq2-1 root;", "{out}");
    assert_ne!(f("lp_other_status"), "0", "lp -d pq2 in pkg01: {out}");
    assert!(
        f("lp_other").contains("does not exist"),
        "lp -d pq2 in pkg01: {out}"
    );
    assert_ne!(
        f("lpstat_other_status"),
        "0",
        "lpstat -o pq2 in pkg01: {out}"
    );
    assert_eq!(f("node_sched"), "scheduler is not running", "{out}");
    assert_eq!(f("node_printers"), "", "{out}");
    assert_eq!(f("client1"), "pq1 ", "{out}");
    assert_eq!(f("client2"), "pq2 ", "{out}");
    assert_eq!(
        f("listen"),
        "127.0.0.2:631 127.0.0.3:631 ",
        "each cupsd on its package's address only (no wildcard, no localhost): {out}"
    );
    assert_eq!(f("sockets"), "2", "{out}");
}

#[test]
fn queued_jobs_and_at_jobs_follow_the_package_over_a_failover_and_a_crash() {
    need();
    let out = sandbox_ok(&format!(
        "{SETUP}{}",
        r#"
IMG=$T/pkg01.img
truncate -s 48M "$IMG" && mkfs.ext4 -q -L pkg01 "$IMG" || die "mkfs"
mkdir -p "$T/pkg01" "$T/pkg02"
# built once, on the package filesystem
mount -o loop "$IMG" "$T/pkg01"
cups_pkg pkg01
"$T/bin/mkpcue" --umount pkg01 >/dev/null || die "mkpcue --umount"
umount "$T/pkg01"
sim_node nodeA
sim_node nodeB
inA() { node_do nodeA chroot "$T/pkg01" "$@"; }
inB() { node_do nodeB chroot "$T/pkg01" "$@"; }
userA() { node_do nodeA setpriv --reuid=$TUID --regid=$TGID --clear-groups "$T/bin/execsh" "$@"; }
userB() { node_do nodeB setpriv --reuid=$TUID --regid=$TGID --clear-groups "$T/bin/execsh" "$@"; }
# three jobs on a disabled printer: root, the package user, a client of the
# package address (the node's context, over TCP)
queue3() {
    local n=$1 tag=$2
    echo "root $tag" | node_do $n chroot "$T/pkg01" lp -d pq -t "$tag-root" >/dev/null || die "lp root $tag"
    node_do $n setpriv --reuid=$TUID --regid=$TGID --clear-groups "$T/bin/execsh" pkg01 /bin/sh -c \
        "echo 'user $tag' | lp -d pq -t $tag-user" >/dev/null || die "lp user $tag"
    echo "client $tag" | node_do $n lp -h 127.0.0.2:631 -d pq -t "$tag-client" >/dev/null || die "lp client $tag"
}
jobs() { node_do $1 chroot "$T/pkg01" lpstat -o | awk '{print $2}' | sort | tr '\n' ' '; }

# ---- nodeA: start, a disabled printer, 3 jobs; an at job while it halts
node_do nodeA mount -o loop "$IMG" "$T/pkg01"
cups_start nodeA pkg01
inA lpadmin -p pq -E -v tofile:/var/spool/out/pq || die lpadmin
inA cupsdisable -r "held for the move" pq || die cupsdisable
queue3 nodeA move
echo "a_jobs=$(jobs nodeA)"
# level 2 has neither cupsd nor atd: the package runs, its services halted
node_do nodeA "$T/bin/telinit" -p pkg01 2 || die "telinit 2"
wait_until 10 "node_do nodeA '$T/bin/telinit' -p pkg01 -s | grep -q '^atd .*stopped'" || die "atd still running"
userA pkg01 /bin/sh -c 'echo "echo ran as \$(id -un) in \$(/corp/bin/getcpkg) on \$(hostname) ctxROOT=\$ctxROOT >> /home/user/at.out" | at now' 2>/dev/null ||
    die "at in pkg01"
echo "a_atq=$(userA pkg01 /bin/sh -c 'atq | wc -l')"
cups_stop nodeA pkg01
node_do nodeA umount "$T/pkg01" || die "umount on nodeA"
echo "a_at_out=$(ls "$T/pkg01/home/user/at.out" 2>&1 | grep -c 'No such')"

# ---- nodeB: pkg02 there, with an at job queued and no atd of its own
node_do nodeB bash -c ". '$REPO/tests/lib.sh'; cups_pkg pkg02; printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\n' > '$T/pkg02/etc/inittab'" ||
    die "pkg02"
node_do nodeB "$T/bin/pkginit" -p pkg02 || die "pkginit -p pkg02 on nodeB"
userB pkg02 /bin/sh -c 'echo "echo pkg02 job ran in \$(/corp/bin/getcpkg) >> /tmp/at.out" | at now' 2>/dev/null || die "at in pkg02"
node_do nodeB e2fsck -p "$IMG" >/dev/null
node_do nodeB mount -o loop "$IMG" "$T/pkg01" || die "mount on nodeB"
cups_start nodeB pkg01
echo "b_jobs=$(jobs nodeB)"
echo "b_state=$(inB lpstat -p pq | head -1 | awk '{print $3}')"
echo "b_reason=$(inB lpstat -p pq | sed -n 2p | sed 's/^[[:space:]]*//')"
wait_until 15 "node_do nodeB test -s '$T/pkg01/home/user/at.out'" || die "the at job did not run on nodeB"
echo "b_at=$(node_do nodeB cat "$T/pkg01/home/user/at.out")"
echo "b_at_owner=$(node_do nodeB stat -c %u "$T/pkg01/home/user/at.out")"
echo "b_pkg02_atq=$(userB pkg02 /bin/sh -c 'atq | wc -l')"
echo "b_pkg02_out=$(node_do nodeB cat "$T/pkg02/tmp/at.out" "$T/pkg01/tmp/at.out" 2>/dev/null | wc -l)"
inB cupsenable pq || die cupsenable
wait_until 20 '[ "$(printed nodeB pkg01 pq | wc -l)" -ge 3 ]' || die "the moved jobs did not print: $(printed nodeB pkg01 pq)"
echo "b_printed=$(printed nodeB pkg01 pq | awk '{print $2, $3}' | sort | tr '\n' ';')"
echo "b_left=$(jobs nodeB)"

# ---- nodeB crashes right after lp returned; pkg01 starts on nodeA
inB cupsdisable -r "held before the crash" pq || die cupsdisable
queue3 nodeB crash
node_crash nodeB
wait_until 10 '[ -z "$(losetup -j "$IMG")" ]' || die "nodeB's loop device is still there"
node_do nodeA e2fsck -p "$IMG" >/dev/null
node_do nodeA mount -o loop "$IMG" "$T/pkg01" || die "mount on nodeA after the crash"
cups_start nodeA pkg01
echo "c_jobs=$(jobs nodeA)"
echo "c_state=$(inA lpstat -p pq | head -1 | awk '{print $3}')"
inA cupsenable pq || die cupsenable
wait_until 20 '[ "$(printed nodeA pkg01 pq | wc -l)" -ge 6 ]' || die "the crash jobs did not print: $(printed nodeA pkg01 pq)"
echo "c_printed=$(printed nodeA pkg01 pq | awk '{print $3}' | grep crash | sort | tr '\n' ';')"
cups_stop nodeA pkg01
node_do nodeA umount "$T/pkg01"
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    // nodeA: the 3 jobs wait on the disabled printer; the at job is queued
    // while the package halts and does not run there
    assert_eq!(f("a_jobs"), "root root user ", "{out}");
    assert_eq!(f("a_atq"), "1", "{out}");
    assert_eq!(f("a_at_out"), "1", "the at job did not run on nodeA: {out}");
    // nodeB: the same 3 jobs, the printer still disabled with its reason
    assert_eq!(f("b_jobs"), "root root user ", "{out}");
    assert_eq!(f("b_state"), "disabled", "{out}");
    assert_eq!(f("b_reason"), "held for the move", "{out}");
    // the at job ran after the move, in the package, as its user, with ctxROOT
    // and the package's host name (its own UTS namespace)
    assert_eq!(
        f("b_at"),
        "ran as user in pkg01 on pkg01 ctxROOT=/pkg01",
        "{out}"
    );
    assert_eq!(f("b_at_owner"), "4242", "{out}");
    // pkg02's job stays in pkg02's queue: pkg01's atd never ran it
    assert_eq!(f("b_pkg02_atq"), "1", "{out}");
    assert_eq!(f("b_pkg02_out"), "0", "{out}");
    // cupsenable prints all 3
    assert_eq!(
        f("b_printed"),
        "user=root title=move-client;user=root title=move-root;user=user title=move-user;",
        "{out}"
    );
    assert_eq!(f("b_left"), "", "{out}");
    // the crash: the 3 jobs and the disabled state survive kill -9
    assert_eq!(f("c_jobs"), "root root user ", "{out}");
    assert_eq!(f("c_state"), "disabled", "{out}");
    assert_eq!(
        f("c_printed"),
        "title=crash-client;title=crash-root;title=crash-user;",
        "{out}"
    );
}

#[test]
fn check_before_start_reports_what_cupsd_would_die_of() {
    need();
    let out = sandbox_ok(&format!(
        "{SETUP}{}",
        r#"
net_up 127.0.0.4
reg_cntl pkg03 127.0.0.4 10.254.0.9
cups_pkg pkg01
# a clean package passes the check, cupsd -t included
st=0; "$T/bin/mkpcue" --check pkg01 > "$T/c0" || st=$?; echo "clean_status=$st"
echo "clean=$(tail -1 "$T/c0")"
# the admin names a group the package's /etc/group lacks
r=$T/pkg01
sed -i 's/^SystemGroup root$/SystemGroup root lpadmin/' "$r/etc/cups/cups-files.conf"
sed -i '/^lpadmin:/d' "$r/etc/group"
st=0; "$T/bin/mkpcue" --check pkg01 > "$T/c1" || st=$?; echo "group_status=$st"
echo "group_ours=$(grep -c "SystemGroup lpadmin: no group 'lpadmin'" "$T/c1")"
echo "group_cupsd=$(grep -c 'cupsd -t: .*lpadmin' "$T/c1")"
# started anyway: cupsd dies at once, and pkginit's log says how
PCUE_BIN=$T/bin "$REPO/examples/serviceguard/pcue.sh" start pkg01 > "$T/start" 2>&1 || die "pcue.sh start"
echo "start_warned=$(grep -c 'lpadmin' "$T/start")"
wait_until 10 "grep -q 'Id \"cups\" (pid [0-9]*) exited with status 1' '$r/var/log/pkginit.log'" ||
    die "no exit status in pkginit.log: $(cat "$r/var/log/pkginit.log")"
echo "logged=yes"
"$T/bin/telinit" -p pkg01 -w 20 0 >/dev/null
# Port 631 and a listener on no address of the package
sed -i 's/^SystemGroup root lpadmin$/SystemGroup root/' "$r/etc/cups/cups-files.conf"
echo 'Port 631' >> "$r/etc/cups/cupsd.conf"
echo 'Listen 127.0.0.3:631' >> "$r/etc/cups/cupsd.conf"
sed -i 's|^CacheDir /var/cache/cups$|CacheDir /var/cache/cups-of-pkg01|' "$r/etc/cups/cups-files.conf"
st=0; "$T/bin/mkpcue" --check pkg01 > "$T/c2" || st=$?; echo "listen_status=$st"
echo "port=$(grep -c 'Port 631: listens on every address' "$T/c2")"
echo "foreign=$(grep -c 'Listen 127.0.0.3:631: not an address of package pkg01 (its addresses are 127.0.0.2)' "$T/c2")"
echo "cachedir=$(grep -c 'CacheDir /var/cache/cups-of-pkg01: no such directory' "$T/c2")"
# pkg03: one of its registry addresses is not up on this node
cups_pkg pkg03
echo "listens3=$(grep '^Listen' "$T/pkg03/etc/cups/cupsd.conf" | tr '\n' ';')"
st=0; "$T/bin/mkpcue" --check pkg03 > "$T/c3" || st=$?; echo "bind_status=$st"
echo "bind=$(grep -c "cupsd can't listen on '10.254.0.9:631': Cannot assign requested address" "$T/c3")"
echo "bind_own=$(grep -c "listen on '127.0.0.4:631'" "$T/c3")"
# the node's own CUPS with Port 631 holds *:631: pkg03's cupsd would run
# without its address; the start shows it, and so does a check while it runs
python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 631)); s.listen(); time.sleep(120)' &
wait_until 5 "ss -Htln | grep -q '0.0.0.0:631'" || die "no wildcard listener"
PCUE_BIN=$T/bin "$REPO/examples/serviceguard/pcue.sh" start pkg03 > "$T/start3" 2>&1 || die "pcue.sh start pkg03"
echo "start_inuse=$(grep -c "check: cupsd can't listen on '127.0.0.4:631': Address already in use" "$T/start3")"
wait_until 10 "chroot '$T/pkg03' lpstat -r 2>/dev/null | grep -q 'is running'" || die "pkg03's cupsd"
wait_until 5 "grep -q 'Unable to open listen socket for address 127.0.0.4:631' '$T/pkg03/var/log/cups/error_log'" ||
    die "cupsd did not fail to listen: $(cat "$T/pkg03/var/log/cups/error_log")"
st=0; "$T/bin/mkpcue" --check pkg03 > "$T/c4" || st=$?; echo "running_status=$st"
echo "running_inuse=$(grep -c "cupsd can't listen on '127.0.0.4:631': Address already in use" "$T/c4")"
kill %1
"$T/bin/telinit" -p pkg03 -w 20 0 >/dev/null
# an existing etc/cups is never overwritten
mkdir -p "$T/pkg02/etc/cups"
printf '# the package admin'"'"'s own\nListen /run/cups/cups.sock\n' > "$T/pkg02/etc/cups/cupsd.conf"
cp "$T/pkg02/etc/cups/cupsd.conf" "$T/mine"
PCUE_CMVIEWCL=0 "$T/bin/mkpcue" pkg02 > "$T/m2" || die "mkpcue pkg02"
cmp -s "$T/mine" "$T/pkg02/etc/cups/cupsd.conf" && echo "kept=yes"
echo "keep_line=$(grep -c '^keep /etc/cups/cupsd.conf' "$T/m2")"
echo "files_written=$(grep -c '^write /etc/cups/cups-files.conf' "$T/m2")"
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(f("clean_status"), "0", "{out}");
    assert!(f("clean").ends_with("matches the layout"), "{out}");
    assert_eq!(f("group_status"), "1", "{out}");
    assert_eq!(f("group_ours"), "1", "{out}");
    assert_eq!(f("group_cupsd"), "1", "cupsd -t's own words: {out}");
    assert!(
        f("start_warned").parse::<u32>().unwrap_or(0) >= 1,
        "pcue.sh start shows the check: {out}"
    );
    assert_eq!(f("logged"), "yes", "{out}");
    assert_eq!(f("listen_status"), "1", "{out}");
    assert_eq!(f("port"), "1", "{out}");
    assert_eq!(f("foreign"), "1", "{out}");
    assert_eq!(f("cachedir"), "1", "{out}");
    assert_eq!(
        f("listens3"),
        "Listen /run/cups/cups.sock;Listen 127.0.0.4:631;Listen 10.254.0.9:631;",
        "one Listen per registry address: {out}"
    );
    assert_eq!(f("bind_status"), "1", "{out}");
    assert_eq!(f("bind"), "1", "{out}");
    assert_eq!(f("bind_own"), "0", "127.0.0.4 is up and free: {out}");
    assert_eq!(f("start_inuse"), "1", "pcue.sh start shows it: {out}");
    assert_eq!(f("running_status"), "1", "{out}");
    assert_eq!(f("running_inuse"), "1", "{out}");
    assert_eq!(f("kept"), "yes", "{out}");
    assert_eq!(f("keep_line"), "1", "{out}");
    assert_eq!(f("files_written"), "1", "the missing file is added: {out}");
}

/// The README's raw queue, as written there (`-v socket://192.0.2.7:9100`,
/// the address replaced by one of the sandbox's): lpadmin in the package
/// takes the socket backend (Debian's `cups` package; with `cups-daemon`
/// alone the package's /opt/cups/backend has no socket and lpadmin refuses
/// the URI), and a job reaches the printer's port. A client on another
/// machine (an address that is not a loopback one, in the sandbox's network
/// namespace) is refused until `Allow` lets its network
/// in, and is told what the README says: the printer does not exist.
#[test]
fn the_readme_raw_queue_prints_through_the_socket_backend() {
    need();
    require("/usr/lib/cups/backend/socket");
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let at = readme
        .find("`-v socket://")
        .expect("the README's raw queue");
    let uri = readme[at + 4..].split('`').next().unwrap().to_string();
    assert!(
        readme.contains("Debian's `cups` package"),
        "the README says where the socket backend comes from"
    );
    let out = sandbox_ok(&format!(
        "URI='{uri}'\n{SETUP}{}",
        r#"
net_up 127.0.0.9 10.77.9.1
reg_cntl pkg03 10.77.9.1
uri=$(echo "$URI" | sed 's#socket://[^:]*:#socket://127.0.0.9:#')
echo "uri=$uri"
socat -u TCP-LISTEN:9100,bind=127.0.0.9,reuseaddr OPEN:"$T/printer.out",creat </dev/null >/dev/null 2>&1 &
wait_until 5 "ss -Htln | grep -q '127.0.0.9:9100 '" || die "no printer port"
cups_pkg pkg03
echo "backend=$(readlink "$T/pkg03/opt/cups/backend/socket")"
cups_start - pkg03
rc=0; in_pkg pkg03 lpadmin -p office -E -v "$uri" 2>"$T/lpadmin.err" || rc=$?
echo "lpadmin_rc=$rc $(head -1 "$T/lpadmin.err")"
echo "a raw page for the office" | in_pkg pkg03 lp -d office >/dev/null || die "lp -d office"
wait_until 20 'grep -q "raw page" "$T/printer.out" 2>/dev/null' && echo "printed=yes" || echo "printed=no"
# a client from 10.77.9.1, not a loopback address
rc=0; echo remote | lp -h 10.77.9.1:631 -d office >/dev/null 2>"$T/remote.err" || rc=$?
echo "remote=$rc $(head -1 "$T/remote.err")"
sed -i 's#^<Location />$#<Location />\n  Allow 10.77.9.0/24#' "$T/pkg03/etc/cups/cupsd.conf"
# (cupsd's pid file holds its pid in the package: signalled from inside)
"$T/bin/execsh" -u root pkg03 /bin/sh -c 'kill -HUP "$(cat /run/cups/cupsd.pid)"' || die "HUP cupsd"
wait_until 10 "echo allowed | lp -h 10.77.9.1:631 -d office >/dev/null 2>&1" && echo "allowed=yes" || echo "allowed=no"
cups_stop - pkg03
"#
    ));
    assert_eq!(field(&out, "uri"), Some("socket://127.0.0.9:9100"), "{out}");
    assert_eq!(
        field(&out, "backend"),
        Some("/usr/lib/cups/backend/socket"),
        "{out}"
    );
    assert!(
        field(&out, "lpadmin_rc").is_some_and(|v| v.starts_with("0 ")),
        "{out}"
    );
    assert_eq!(field(&out, "printed"), Some("yes"), "{out}");
    assert_eq!(
        field(&out, "remote"),
        Some("1 lp: Error - The printer or class does not exist."),
        "{out}"
    );
    assert_eq!(field(&out, "allowed"), Some("yes"), "{out}");
}
