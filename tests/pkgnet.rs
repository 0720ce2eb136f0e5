//! pkgnet under a real inetd (Debian's openbsd-inetd, foreground, its own
//! config file) in private mount, network and pid namespaces: connections
//! to 127.0.0.2 reach pkg01, to 127.0.0.3 pkg02, to 127.0.0.1 the system;
//! a package whose root cannot be entered refuses the connection. The
//! package roots are built by mkpcue (tests/lib.sh `mkpcue_root`).

mod common;
use common::*;

const WORLD: &str = r#"
private_dev
private_etc
mount -t tmpfs -o mode=755 pcue-run /run   # inetd's pid file stays in the sandbox; root's alone, as on a node
net_up 127.0.0.2 127.0.0.3
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T"
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
# roots built by mkpcue (same SGCONF and PCUE_ROOT_PREFIX as pkgnet's),
# each with a motd only that package has
for p in pkg01 pkg02; do mkpcue_root $p; echo $p > "$T/$p/etc/motd"; done
echo system > /etc/motd
P="$T/bin/pcue"; mkdir -p "$T/bin"; cp "$PCUE" "$P"; ln -s pcue "$T/bin/pkgnet"
# both started as the node starts them (pkginit -p): connections join them
ln -s pcue "$T/bin/pkginit"; ln -s pcue "$T/bin/telinit"
for p in pkg01 pkg02; do iso_start $p; done
cat > "$T/inetd.conf" <<CONF
7301 stream tcp nowait root $T/bin/pkgnet pkgnet /bin/cat /etc/motd
7302 stream tcp nowait root $T/bin/pkgnet pkgnet /usr/bin/env
7303 stream tcp nowait root $T/bin/pkgnet pkgnet /nonexistent/daemon -h
CONF
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
ask() { socat -t 10 -T 10 - "TCP:$1,bind=127.0.0.1" </dev/null 2>/dev/null; }
wait_until 5 'ask 127.0.0.1:7302 >/dev/null' || die "inetd does not answer on 7302: $(cat "$T/inetd.log")"
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

#[test]
fn inetd_routes_each_address_to_its_package() {
    require("inetd");
    require("socat");
    let out = run(r#"
echo "p1=$(ask 127.0.0.2:7301)"
echo "p2=$(ask 127.0.0.3:7301)"
echo "sys=$(ask 127.0.0.1:7301)"
echo "ctx1=$(ask 127.0.0.2:7302 | grep '^ctxROOT=')"
echo "ctxsys=$(ask 127.0.0.1:7302 | grep '^ctxROOT=')"
echo "missing=[$(ask 127.0.0.2:7303)]"
wait_log 5 1 'pkgnet.*127.0.0.1 -> 127.0.0.2 -> pkg01 -> /bin/cat'
wait_log 5 1 'pkgnet.*127.0.0.1 -> 127.0.0.1 -> system -> /bin/cat'
wait_log 5 1 "pkgnet.*can't execute '/nonexistent/daemon'"
echo "routed=$(grep -a -c 'pkgnet.*127.0.0.1 -> 127.0.0.2 -> pkg01 -> /bin/cat' "$T/syslog")"
echo "routedsys=$(grep -a -c 'pkgnet.*127.0.0.1 -> 127.0.0.1 -> system -> /bin/cat' "$T/syslog")"
echo "execfail=$(grep -a -c "pkgnet.*can't execute '/nonexistent/daemon': No such file or directory" "$T/syslog")"
"#);
    assert_eq!(field(&out, "p1"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "p2"), Some("pkg02"), "{out}");
    assert_eq!(field(&out, "sys"), Some("system"), "{out}");
    assert_eq!(field(&out, "ctx1"), Some("ctxROOT=/pkg01"), "{out}");
    assert_eq!(field(&out, "ctxsys"), Some("ctxROOT=/"), "{out}");
    assert_eq!(
        field(&out, "missing"),
        Some("[]"),
        "an exec failure says nothing to the client (and -h went to the daemon, not to pkgnet's help): {out}"
    );
    assert_eq!(field(&out, "routed"), Some("1"), "{out}");
    assert_eq!(field(&out, "routedsys"), Some("1"), "{out}");
    assert_eq!(field(&out, "execfail"), Some("1"), "{out}");
}

/// Fail closed: pkg02's root unmounted (a plain directory is left, still
/// holding the package's files), or mounted again by mkpcue and then made
/// writable by others, or removed, and 127.0.0.3 gets no byte — never the system's
/// answer — while pkg01 and the system go on being served.
#[test]
fn unmounted_package_fails_closed() {
    require("inetd");
    require("socat");
    let out = run(r#"
# unmounted: the directory still holds the whole tree, pkg02's motd too,
# but it is not a mount point any more
"$T/bin/telinit" -p pkg02 0 || die "telinit -p pkg02 0"
umount -R "$T/pkg02"
test -s "$T/pkg02/etc/motd" && echo "left=yes"
echo "p2=[$(ask 127.0.0.3:7301)]"
echo "p1=$(ask 127.0.0.2:7301)"
echo "sys=$(ask 127.0.0.1:7301)"
wait_log 5 1 'refused connection'
grep -a 'refused connection' "$T/syslog" | head -1 | sed 's/^.*pkgnet\[[0-9]*\]: /refused=/'
# mkpcue mounts it again and it is served; then made writable by others
mkpcue_root pkg02
iso_start pkg02
echo "back=$(ask 127.0.0.3:7301)"
chmod 757 "$T/pkg02"
echo "open=[$(ask 127.0.0.3:7301)]"
# gone altogether
chmod 755 "$T/pkg02"; "$T/bin/telinit" -p pkg02 0 || die "telinit -p pkg02 0 (2)"
umount -R "$T/pkg02"; rm -rf --one-file-system "$T/pkg02"
echo "gone=[$(ask 127.0.0.3:7301)]"
wait_log 5 3 'refused connection from 127.0.0.1 to 127.0.0.3 (package .pkg02.)'
echo "refusals=$(grep -a -c 'refused connection from 127.0.0.1 to 127.0.0.3 (package .pkg02.)' "$T/syslog")"
grep -a 'refused connection' "$T/syslog" | sed 's/^.*: package root/reason=/; s/^.*: can/reason=can/' | sed 's/^/r/'
"#);
    assert_eq!(field(&out, "left"), Some("yes"), "{out}");
    assert_eq!(field(&out, "p2"), Some("[]"), "{out}");
    assert_eq!(field(&out, "back"), Some("pkg02"), "{out}");
    assert_eq!(field(&out, "open"), Some("[]"), "{out}");
    assert_eq!(field(&out, "gone"), Some("[]"), "{out}");
    assert_eq!(field(&out, "p1"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "sys"), Some("system"), "{out}");
    let refused = field(&out, "refused").unwrap_or_default();
    assert!(
        refused.starts_with(
            "refused connection from 127.0.0.1 to 127.0.0.3 (package 'pkg02'): package root '"
        ) && refused.ends_with("/pkg02' is not a mount point"),
        "{out}"
    );
    assert_eq!(field(&out, "refusals"), Some("3"), "{out}");
    assert!(
        out.contains("' is writable by group or others (mode 0757)"),
        "{out}"
    );
    assert!(out.contains("/pkg02': No such file or directory"), "{out}");
}

/// Usage errors exit 125 before the socket is looked at; exec failures
/// 127/126 with the message on stderr when fd 0 is not a socket.
#[test]
fn exit_codes() {
    let t = TempDir::new("pkgnet");
    let r = applet(&t, "pkgnet", &[], &[]);
    assert_eq!(r.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "pkgnet: usage: pkgnet [-a [-m max] [-i idle]] path [args...]\n"
    );
    // -a serves a listening socket on descriptor 0, and nothing else
    let r = applet(&t, "pkgnet", &["-a", "/bin/cat"], &[]);
    assert_eq!(r.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "pkgnet: -a: descriptor 0 is not a listening socket (a 'stream tcp wait' service)\n"
    );
    let r = applet(&t, "pkgnet", &["-m", "9", "/bin/cat"], &[]);
    assert_eq!(r.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "pkgnet: -m and -i are for the accepting mode (-a)\n"
    );
    let r = applet(&t, "pkgnet", &["cat"], &[]);
    assert_eq!(r.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "pkgnet: path must be absolute: 'cat'\n"
    );
    let r = applet(&t, "pkgnet", &["/nonexistent/x"], &[]);
    assert_eq!(r.status.code(), Some(127));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        "pkgnet: can't execute '/nonexistent/x': No such file or directory\n"
    );
    let r = applet(&t, "pkgnet", &["/etc/passwd"], &[]);
    assert_eq!(r.status.code(), Some(126));
    let r = applet(
        &t,
        "pkgnet",
        &["/bin/sh", "-c", "echo \"$ctxROOT\"; exit 9"],
        &[],
    );
    assert_eq!(r.status.code(), Some(9), "the daemon's own status");
    assert_eq!(String::from_utf8_lossy(&r.stdout), "/\n");
}

/// The registry must be read in full before a connection is served from the
/// system context: a Latin-1 byte in an old control script still routes into
/// the package, and a registry the service's user cannot read refuses every
/// connection (LOG_AUTH) instead of serving the system's answer.
#[test]
fn an_odd_or_unreadable_registry_fails_closed() {
    require("inetd");
    require("socat");
    let out = run(r#"
printf '# r\351seau de production\n' >> "$SGCONF/pkg01/pkg01.cntl"
echo "latin1=$(ask 127.0.0.2:7301)"
# the same service run by an unprivileged inetd user, SGCONF closed to it
cat > "$T/inetd2.conf" <<CONF
7304 stream tcp nowait nobody $T/bin/pkgnet pkgnet /bin/cat /etc/motd
CONF
chmod 755 "$T" "$T/bin"
inetd -d "$T/inetd2.conf" > "$T/inetd2.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q ':7304 '" || die "inetd does not listen on 7304: $(cat "$T/inetd2.log")"
chmod 700 "$SGCONF"
echo "closed_pkg=[$(ask 127.0.0.2:7304)]"
echo "closed_sys=[$(ask 127.0.0.1:7304)]"
chmod 755 "$SGCONF"
echo "open_sys=[$(ask 127.0.0.1:7304)]"
wait_log 5 2 'the package registry is unreadable'
echo "logged=$(grep -ac 'the package registry is unreadable' "$T/syslog")"

"#);
    assert_eq!(field(&out, "latin1"), Some("pkg01"), "{out}");
    assert_eq!(
        field(&out, "closed_pkg"),
        Some("[]"),
        "never the system's answer: {out}"
    );
    assert_eq!(field(&out, "closed_sys"), Some("[]"), "{out}");
    assert_eq!(
        field(&out, "open_sys"),
        Some("[system]"),
        "readable again: served: {out}"
    );
    assert!(
        field(&out, "logged").is_some_and(|n| n.parse::<u32>().unwrap_or(0) >= 2),
        "{out}"
    );
}

/// An entry the registry skips still has its address up: a package
/// directory with a bad name ("pkg 01"), a CIB group inside a clone. Its
/// connections are refused (LOG_AUTH), never served from the system
/// context; the other packages and the system are served.
#[test]
fn a_skipped_entry_s_address_fails_closed() {
    require("inetd");
    require("socat");
    let out = run(r#"
mv "$SGCONF/pkg01" "$SGCONF/pkg 01"
echo "badname=[$(ask 127.0.0.2:7301)]"
echo "other=[$(ask 127.0.0.3:7301)]"
echo "sys=[$(ask 127.0.0.1:7301)]"
mv "$SGCONF/pkg 01" "$T/pkg01-moved"
cat > "$T/cib.xml" <<CIB
<cib><configuration><resources><clone id="c1"><group id="g1">
<primitive id="g1-ip" class="ocf" provider="heartbeat" type="IPaddr2">
<instance_attributes id="g1-ia"><nvpair id="g1-v" name="ip" value="127.0.0.2"/>
</instance_attributes></primitive>
<primitive id="g1-pcue" class="ocf" provider="pcue" type="package">
<instance_attributes id="g1-pia"><nvpair id="g1-p" name="package" value="pkg01"/>
</instance_attributes></primitive></group></clone></resources></configuration></cib>
CIB
cat > "$T/inetd2.conf" <<CONF
7305 stream tcp nowait root $T/bin/pkgnet pkgnet /bin/cat /etc/motd
CONF
PCUE_CIB="$T/cib.xml" inetd -d "$T/inetd2.conf" > "$T/inetd2.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q ':7305 '" || die "inetd does not listen on 7305: $(cat "$T/inetd2.log")"
echo "clone=[$(ask 127.0.0.2:7305)]"
echo "clone_sys=[$(ask 127.0.0.1:7305)]"
wait_log 5 2 'named by a skipped entry'
echo "logged=$(grep -ac 'named by a skipped entry' "$T/syslog")"
"#);
    assert_eq!(field(&out, "badname"), Some("[]"), "refused: {out}");
    assert_eq!(field(&out, "other"), Some("[pkg02]"), "{out}");
    assert_eq!(field(&out, "sys"), Some("[system]"), "{out}");
    assert_eq!(field(&out, "clone"), Some("[]"), "refused: {out}");
    assert_eq!(field(&out, "clone_sys"), Some("[system]"), "{out}");
    assert!(
        field(&out, "logged").is_some_and(|n| n.parse::<u32>().unwrap_or(0) >= 2),
        "{out}"
    );
}

/// Under inetd pkgnet's stderr is the client's socket: a registry warning
/// (a malformed control script) or a usage error in inetd.conf goes to
/// syslog, never a byte of it to the client.
#[test]
fn nothing_of_pkgnet_reaches_the_client() {
    require("inetd");
    require("socat");
    let out = run(r#"
mkdir -p "$SGCONF/pkgx"
printf 'IP[0]=999.1.1.1\n' > "$SGCONF/pkgx/pkgx.cntl"
echo "sys=[$(ask 127.0.0.1:7301 | tr '\n' ' ')]"
cat > "$T/inetd3.conf" <<CONF
7305 stream tcp nowait root $T/bin/pkgnet pkgnet relative/daemon
CONF
inetd -d "$T/inetd3.conf" > "$T/inetd3.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q ':7305 '" || die "no inetd on 7305"
echo "usage=[$(ask 127.0.0.1:7305 | tr '\n' ' ')]"
wait_log 5 1 "pkgnet.*bad IP address '999.1.1.1'"
wait_log 5 1 'pkgnet.*path must be absolute'
echo "logged_bad=$(grep -a -c "pkgnet.*bad IP address '999.1.1.1'" "$T/syslog")"
echo "logged_usage=$(grep -a -c 'pkgnet.*path must be absolute' "$T/syslog")"
"#);
    assert_eq!(field(&out, "sys"), Some("[system ]"), "{out}");
    assert_eq!(field(&out, "usage"), Some("[]"), "{out}");
    assert_ne!(field(&out, "logged_bad"), Some("0"), "{out}");
    assert_eq!(field(&out, "logged_usage"), Some("1"), "{out}");
}

/// The registry index (/run/pcue-registry.idx, written by pkgnet as root):
/// the registry edited between two connections — an address moved from
/// one package to another by an in-place edit of the same size, a package
/// removed, the index deleted, the index replaced by one that lies and
/// that others may write, owned by another user, a symlink to a lying
/// root-owned file, an old index put back — and every connection goes
/// where the registry says at that moment. An unprivileged reader gets
/// the same answers.
#[test]
fn the_index_follows_every_edit_and_is_never_trusted_when_tampered() {
    require("inetd");
    require("socat");
    require("setpriv");
    // the index alone: no keeper (the test below has one)
    let out = sandbox_ok(&format!(
        "export PCUE_INDEX=/run/pcue-registry.idx PCUE_KEEPER_IDLE=0\n{WORLD}\n{}",
        r#"
IDX=/run/pcue-registry.idx
chmod 755 /run   # as on a node: the index's directory must be root's alone
settle() { sleep 0.25; }   # beyond the index's 100 ms racy window
settle
echo "p1=$(ask 127.0.0.2:7301)"
echo "keepers=$(pgrep -x pcue-keeper | wc -l)"
echo "made=$(stat -c '%u %a %F' $IDX)"
echo "dir=$(stat -c '%u %a' /run)"
test -e /run/pcue || echo "no_pcue_dir=yes"   # that one says "the Pacemaker agent ran"
echo "p1_indexed=$(ask 127.0.0.2:7301)"
cp $IDX "$T/old.idx"
# moved in place, same size: pkg01 gets .3, pkg02 gets .2 (no settle: the
# connection right after the edit must see it too)
printf '# legacy control script for pkg01\nIP[0]="127.0.0.3"\n' > "$SGCONF/pkg01/pkg01.cntl"
printf '# legacy control script for pkg02\nIP[0]="127.0.0.2"\n' > "$SGCONF/pkg02/pkg02.cntl"
echo "moved2=$(ask 127.0.0.2:7301)"
echo "moved3=$(ask 127.0.0.3:7301)"
settle
echo "moved2b=$(ask 127.0.0.2:7301)"
echo "moved3b=$(ask 127.0.0.3:7301)"
grep -q 'pkg02' $IDX && echo "rewritten=yes"
# root's pkglogin (which would ask cmviewcl, were it installed) answers
# from pkgnet's index without rewriting it
ino=$(stat -c %i $IDX)
echo "root_pkglogin=$("$T/bin/pcue" pkglogin 127.0.0.2)"
[ "$(stat -c %i $IDX)" = "$ino" ] && echo "shared=yes"
# the unprivileged reader: same answers from the index
chmod 755 "$T" "$T/bin"
for a in 127.0.0.1 127.0.0.2 127.0.0.3; do
    echo "user_$a=[$(as_user env PCUE_INDEX=$IDX PCUE_SGCONF=$SGCONF PCUE_ROOT_PREFIX=$T "$T/bin/pcue" pkglogin $a 2>&1)]"
done
# an old index put back (root-owned, 0644): stale, replaced
cp "$T/old.idx" $IDX; chmod 644 $IDX
echo "old2=$(ask 127.0.0.2:7301)"
# a package removed
settle
rm -r "$SGCONF/pkg02"
echo "removed2=$(ask 127.0.0.2:7301)"
echo "removed3=$(ask 127.0.0.3:7301)"
# the index deleted
settle
rm $IDX
echo "deleted3=$(ask 127.0.0.3:7301)"
settle
echo "deleted3b=$(ask 127.0.0.3:7301)"
test -f $IDX && echo "recreated=yes"
# a lying index (127.0.0.3 into pkg02, whose root is still mounted),
# current in every source, that others may write: ignored and replaced
reg_cntl pkg02 127.0.0.9
settle
ask 127.0.0.3:7301 >/dev/null
sed "s|^p pkg01 \([^ ]*\)pkg01 |p pkg02 \1pkg02 |" $IDX > "$T/lie.idx"
grep -q '^p pkg02 ' "$T/lie.idx" && echo "lie_made=yes"
cp "$T/lie.idx" $IDX; chmod 666 $IDX
echo "writable3=$(ask 127.0.0.3:7301)"
echo "writable_now=$(stat -c '%u %a' $IDX)"
cp "$T/lie.idx" $IDX; chmod 644 $IDX; chown nobody $IDX
echo "foreign3=$(ask 127.0.0.3:7301)"
cp "$T/lie.idx" /run/lie.idx; chmod 644 /run/lie.idx; rm $IDX; ln -s /run/lie.idx $IDX
echo "symlink3=$(ask 127.0.0.3:7301)"
echo "symlink_now=$(stat -c '%F' $IDX)"
# and the lie itself, root-owned and closed, would have been believed
# (the index is root's word): shows the test's lie is a real one
cp "$T/lie.idx" $IDX; chmod 644 $IDX
echo "believed3=$(ask 127.0.0.3:7301)"
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(f("p1"), "pkg01", "{out}");
    assert_eq!(f("keepers"), "0", "PCUE_KEEPER_IDLE=0: {out}");
    assert_eq!(f("made"), "0 644 regular file", "{out}");
    assert_eq!(f("dir"), "0 755", "{out}");
    assert_eq!(f("no_pcue_dir"), "yes", "{out}");
    assert_eq!(f("p1_indexed"), "pkg01", "{out}");
    assert_eq!(f("moved2"), "pkg02", "{out}");
    assert_eq!(f("moved3"), "pkg01", "{out}");
    assert_eq!(f("moved2b"), "pkg02", "{out}");
    assert_eq!(f("moved3b"), "pkg01", "{out}");
    assert_eq!(f("rewritten"), "yes", "{out}");
    assert_eq!(f("root_pkglogin"), "pkg02", "{out}");
    assert_eq!(
        f("shared"),
        "yes",
        "one index for pkgnet and root's pkglogin: {out}"
    );
    assert_eq!(f("user_127.0.0.1"), "[]", "{out}");
    assert_eq!(f("user_127.0.0.2"), "[pkg02]", "{out}");
    assert_eq!(f("user_127.0.0.3"), "[pkg01]", "{out}");
    assert_eq!(f("old2"), "pkg02", "{out}");
    assert_eq!(f("removed2"), "system", "{out}");
    assert_eq!(f("removed3"), "pkg01", "{out}");
    assert_eq!(f("deleted3"), "pkg01", "{out}");
    assert_eq!(f("deleted3b"), "pkg01", "{out}");
    assert_eq!(f("recreated"), "yes", "{out}");
    assert_eq!(f("lie_made"), "yes", "{out}");
    assert_eq!(f("writable3"), "pkg01", "{out}");
    assert_eq!(f("writable_now"), "0 644", "replaced: {out}");
    assert_eq!(f("foreign3"), "pkg01", "{out}");
    assert_eq!(f("symlink3"), "pkg01", "{out}");
    assert_eq!(f("symlink_now"), "regular file", "replaced: {out}");
    assert_eq!(f("believed3"), "pkg02", "{out}");
}

/// A CIB of no package (`cib_none`), and one giving 127.0.0.4 to pkg02
/// (`cib_pkg02`), for the keeper's tests.
const CIBS: &str = r#"
net_up 127.0.0.4
printf '<cib><configuration><resources/></configuration></cib>\n' > "$T/cib.xml"
cat > "$T/cib-pkg02.xml" <<'XML'
<cib><configuration><resources><group id="g2"><primitive id="g2-ip" class="ocf"
provider="heartbeat" type="IPaddr2"><instance_attributes id="g2-ia"><nvpair id="g2-v"
name="ip" value="127.0.0.4"/></instance_attributes></primitive><primitive id="g2-pcue"
class="ocf" provider="pcue" type="package"><instance_attributes id="g2-pia"><nvpair
id="g2-p" name="package" value="pkg02"/></instance_attributes></primitive></group>
</resources></configuration></cib>
XML
"#;

/// The registry keeper (src/registry/keeper.rs) started by pkgnet's first
/// connection: every connection after an edit goes where the registry
/// says at that moment — an address moved by an in-place edit of the
/// same size (no pause), a package file appended to with `>>`, a package
/// removed, the index deleted or replaced by a lie others may write, a
/// mount over SGCONF and over the CIB file (not inotify events: the
/// mount table's) and their unmounts, a package's files on a filesystem
/// that is unmounted (not kept busy by the keeper; the registry then
/// fails closed), and an edit read with no connection to ask. The keeper
/// answered: one keeper,
/// the same process from the first connection to the last, nobody's
/// child, holding nothing of the caller's, and a root-owned lie in the
/// index file (which the index alone believes, see above) is not read.
#[test]
fn the_keeper_follows_every_edit() {
    require("inetd");
    require("socat");
    let out = sandbox_ok(&format!(
        "export PCUE_INDEX=/run/pcue-registry.idx PCUE_CIB=\"$T/cib.xml\"\n{CIBS}\n{WORLD}\n{}",
        r#"
IDX=/run/pcue-registry.idx
chmod 755 /run
settle() { sleep 0.25; }   # beyond the index's 100 ms racy window
echo "p1=$(ask 127.0.0.2:7301)"
wait_until 5 'pgrep -x pcue-keeper >/dev/null' || die "no keeper after the first connection"
K=$(pgrep -x pcue-keeper)
echo "keepers=$(pgrep -x pcue-keeper | wc -l)"
echo "keeper_ppid=$(ps -o ppid= -p "$K" | tr -d ' ')"
echo "keeper_tty=$(ps -o tty= -p "$K" | tr -d ' ')"
echo "keeper_cwd=$(readlink /proc/$K/cwd)"
echo "keeper_fds=$(ls -l /proc/$K/fd | awk 'NR > 1 { print $NF }' | sed "s/\[[0-9]*\]//; s|^/proc/$K/|/proc/K/|" | sort | tr '\n' ' ')"
echo "keeper_uid=$(stat -c %u /proc/$K)"
echo "keeper_socket=$(grep -c '@pcue-registry-keeper/' /proc/net/unix)"
lie() { # the index file, root-owned and closed, with pkg01's item renamed pkg02
    sed "s|^p pkg01 \([^ ]*\)pkg01 |p pkg02 \1pkg02 |" $IDX > "$T/lie.idx"
    grep -q '^p pkg02 ' "$T/lie.idx" || die "no lie made from $(cat $IDX)"
    cp "$T/lie.idx" $IDX; chmod 644 $IDX
}
wait_until 5 "test -f $IDX" || die "no index"
lie
echo "lie2=$(ask 127.0.0.2:7301)"
# moved in place, same size, no pause
printf '# legacy control script for pkg01\nIP[0]="127.0.0.3"\n' > "$SGCONF/pkg01/pkg01.cntl"
printf '# legacy control script for pkg02\nIP[0]="127.0.0.2"\n' > "$SGCONF/pkg02/pkg02.cntl"
echo "moved2=$(ask 127.0.0.2:7301)"
echo "moved3=$(ask 127.0.0.3:7301)"
# a package file appended to
echo 'IP[1]="127.0.0.4"' >> "$SGCONF/pkg02/pkg02.cntl"
echo "appended4=$(ask 127.0.0.4:7301)"
# a package removed
rm -r "$SGCONF/pkg02"
echo "removed2=$(ask 127.0.0.2:7301)"
echo "removed4=$(ask 127.0.0.4:7301)"
echo "removed3=$(ask 127.0.0.3:7301)"
# the index deleted; then a lie in its place that others may write
rm -f $IDX
echo "deleted3=$(ask 127.0.0.3:7301)"
printf 'pcue-registry-index 1\n' > $IDX; chmod 666 $IDX
echo "writable3=$(ask 127.0.0.3:7301)"
rm -f $IDX
# a mount over SGCONF: an empty directory, then gone again
mkdir "$T/empty"; mount --bind "$T/empty" "$SGCONF"
echo "sgmounted3=$(ask 127.0.0.3:7301)"
umount "$SGCONF"
echo "sgunmounted3=$(ask 127.0.0.3:7301)"
# a mount over the CIB file: a CIB giving 127.0.0.4 to pkg02
echo "nocib4=$(ask 127.0.0.4:7301)"
mount --bind "$T/cib-pkg02.xml" "$T/cib.xml"
echo "cibmounted4=$(ask 127.0.0.4:7301)"
umount "$T/cib.xml"
echo "cibunmounted4=$(ask 127.0.0.4:7301)"
# a package's files on a filesystem of its own (its SGCONF entry a symlink
# into it): watched, not held busy; unmounted, the registry cannot be
# read in full and every connection fails closed
net_up 127.0.0.5
mkdir "$T/pkgfs"; mount -t tmpfs pkgfs "$T/pkgfs"; mkdir "$T/pkgfs/conf"
printf '# legacy control script for pkg02\nIP[0]="127.0.0.5"\n' > "$T/pkgfs/conf/pkg02.cntl"
ln -s "$T/pkgfs/conf" "$SGCONF/pkg02"
echo "onfs5=$(ask 127.0.0.5:7301)"
umount "$T/pkgfs" && echo "fs_unmounted=yes"
echo "fsgone5=[$(ask 127.0.0.5:7301)]"
echo "fsgone1=[$(ask 127.0.0.1:7301)]"
echo "fsgone3=$(ask 127.0.0.3:7301)"
rm "$SGCONF/pkg02"
echo "linkgone3=$(ask 127.0.0.3:7301)"
# still the keeper's answers: a lie of the registry as it is now
settle; ask 127.0.0.1:7301 >/dev/null; wait_until 5 "test -f $IDX" || die "no index"; lie
echo "lie3=$(ask 127.0.0.3:7301)"
echo "same_keeper=$( [ "$(pgrep -x pcue-keeper)" = "$K" ] && echo yes)"
# an edit and no connection: the keeper reads it on its own (and rewrites
# the index file), the next connection need not wait for the read
reg_cntl pkg01 127.0.0.6
wait_until 5 "grep -q '^addr 00000000000000000000ffff7f000006 ' $IDX" && echo "idle_read=yes"
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(f("p1"), "pkg01", "{out}");
    assert_eq!(f("keepers"), "1", "{out}");
    assert_eq!(f("keeper_ppid"), "1", "nobody's child: {out}");
    assert_eq!(f("keeper_tty"), "?", "{out}");
    assert_eq!(f("keeper_cwd"), "/", "{out}");
    assert_eq!(
        f("keeper_fds"),
        "/dev/null /dev/null /dev/null /proc/K/mountinfo anon_inode:inotify socket: ",
        "nothing of the caller's (its socket on 0-1): {out}"
    );
    assert_eq!(f("keeper_uid"), "0", "{out}");
    assert_eq!(f("keeper_socket"), "1", "{out}");
    assert_eq!(
        f("lie2"),
        "pkg01",
        "the keeper answered, not the index: {out}"
    );
    assert_eq!(f("moved2"), "pkg02", "{out}");
    assert_eq!(f("moved3"), "pkg01", "{out}");
    assert_eq!(f("appended4"), "pkg02", "{out}");
    assert_eq!(f("removed2"), "system", "{out}");
    assert_eq!(f("removed4"), "system", "{out}");
    assert_eq!(f("removed3"), "pkg01", "{out}");
    assert_eq!(f("deleted3"), "pkg01", "{out}");
    assert_eq!(f("writable3"), "pkg01", "{out}");
    assert_eq!(f("sgmounted3"), "system", "{out}");
    assert_eq!(f("sgunmounted3"), "pkg01", "{out}");
    assert_eq!(f("nocib4"), "system", "{out}");
    assert_eq!(f("cibmounted4"), "pkg02", "{out}");
    assert_eq!(f("cibunmounted4"), "system", "{out}");
    assert_eq!(f("onfs5"), "pkg02", "{out}");
    assert_eq!(
        f("fs_unmounted"),
        "yes",
        "the keeper holds it not busy: {out}"
    );
    assert_eq!(f("fsgone5"), "[]", "{out}");
    assert_eq!(f("fsgone1"), "[]", "a miss needs the whole registry: {out}");
    assert_eq!(f("fsgone3"), "pkg01", "its owner comes before: {out}");
    assert_eq!(f("linkgone3"), "pkg01", "{out}");
    assert_eq!(
        f("lie3"),
        "pkg01",
        "the keeper answered, not the index: {out}"
    );
    assert_eq!(f("same_keeper"), "yes", "{out}");
    assert_eq!(f("idle_read"), "yes", "{out}");
}

/// A socket under the keeper's name that is not a keeper: bound by an
/// unprivileged user, or by root in another mount namespace, answering
/// every request with pkg02. pkgnet connects, sees who listens, sends
/// nothing and goes the old way: every connection where the registry
/// says, none into pkg02 by the impostor's word, and no keeper starts
/// while the name is taken.
#[test]
fn an_impostor_keeper_is_ignored() {
    require("inetd");
    require("socat");
    require("setpriv");
    require("python3");
    let out = sandbox_ok(&format!(
        "export PCUE_INDEX=/run/pcue-registry.idx\n{WORLD}\n{}",
        r#"
chmod 755 /run
keepers() { local p; for p in $(pgrep -x pcue-keeper); do alive $p && echo $p; done; true; }
IMPOSTOR='
import socket, sys
name, log, lie = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("\0" + name)
s.listen(16)
open(log + ".ready", "w").close()
while True:
    c, _ = s.accept()
    c.settimeout(2)
    with open(log, "a") as f:
        f.write("accepted\n")
    try:
        if c.recv(65536):
            with open(log, "a") as f:
                f.write("asked\n")
        c.send((lie + "\n").encode())
    except OSError:
        pass
    c.close()
'
echo "p1=$(ask 127.0.0.2:7301)"
wait_until 5 'pgrep -x pcue-keeper >/dev/null' || die "no keeper"
NAME=$(awk '$8 ~ /^@pcue-registry-keeper\// { print substr($8, 2); exit }' /proc/net/unix)
[ -n "$NAME" ] || die "no keeper socket"
kill "$(pgrep -x pcue-keeper)"
wait_until 5 "! grep -q '@$NAME' /proc/net/unix" || die "the keeper's name stays"
mkdir -m 777 "$T/imp"
for who in user other-ns; do
    if [ $who = user ]; then
        setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- python3 -c "$IMPOSTOR" "$NAME" "$T/imp/$who" "p pkg02 $T/pkg02 -" &
    else
        unshare --mount python3 -c "$IMPOSTOR" "$NAME" "$T/imp/$who" "p pkg02 $T/pkg02 -" &
    fi
    IMP=$!
    wait_until 5 "test -e $T/imp/$who.ready" || die "no impostor $who"
    echo "${who}_2=$(ask 127.0.0.2:7301)"
    echo "${who}_1=$(ask 127.0.0.1:7301)"
    # pkgnet reads SO_PEERCRED as soon as its connect returns and goes on
    # without the impostor's accept: let the impostor's log catch up
    wait_until 5 "[ \$(grep -c accepted $T/imp/$who) -ge 2 ]" || true
    echo "${who}_accepted=$(grep -c accepted "$T/imp/$who")"
    echo "${who}_asked=$(grep -c asked "$T/imp/$who")"
    echo "${who}_keepers=$(keepers | wc -l)"
    kill $IMP; wait $IMP 2>/dev/null || true
    rm -f "$T/imp/$who.ready"
done
# the name free again: a keeper of ours starts and answers
echo "back2=$(ask 127.0.0.2:7301)"
wait_until 5 'test -n "$(keepers)"' && echo "keeper_back=yes"
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(f("p1"), "pkg01", "{out}");
    for who in ["user", "other-ns"] {
        assert_eq!(f(&format!("{who}_2")), "pkg01", "{who}: {out}");
        assert_eq!(f(&format!("{who}_1")), "system", "{who}: {out}");
        assert_eq!(
            f(&format!("{who}_accepted")),
            "2",
            "{who}: pkgnet did reach the impostor: {out}"
        );
        assert_eq!(
            f(&format!("{who}_asked")),
            "0",
            "{who}: and told it nothing: {out}"
        );
        assert_eq!(f(&format!("{who}_keepers")), "0", "{who}: {out}");
    }
    assert_eq!(f("back2"), "pkg01", "{out}");
    assert_eq!(f("keeper_back"), "yes", "{out}");
}

/// The keeper's lifetime: root's pkglogin starts one (running the binary
/// that asked); a request from another pcue binary (another inode: an
/// upgrade) makes it exit and that binary's keeper take over; without
/// requests it exits after PCUE_KEEPER_IDLE seconds. Never a second one
/// for the same registry.
#[test]
fn the_keeper_ends_when_idle_or_outdated() {
    let out = sandbox_ok(
        r#"
mount -t tmpfs -o mode=755 pcue-run /run
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0 \
    PCUE_CIB="$T/no-cib.xml" PCUE_CMCLUSTER_CONF="$T/no.conf" \
    PCUE_INDEX=/run/pcue-registry.idx PCUE_KEEPER_IDLE=3
reg_cntl pkg01 10.0.0.1
mkdir "$T/a" "$T/b"; cp "$PCUE" "$T/a/pcue"; cp "$PCUE" "$T/b/pcue"
keepers() { local p; for p in $(pgrep -x pcue-keeper); do alive $p && echo $p; done; true; }
echo "a1=$("$T/a/pcue" pkglogin 10.0.0.1)"
wait_until 5 'test -n "$(keepers)"' || die "no keeper"
K1=$(keepers)
echo "k1_exe=$(readlink /proc/$K1/exe)"
echo "a2=$("$T/a/pcue" pkglogin 10.0.0.1)"
echo "k1_still=$(keepers)"
echo "b1=$("$T/b/pcue" pkglogin 10.0.0.1)"
wait_until 5 "! alive $K1" && echo "k1_gone=yes"
echo "b2=$("$T/b/pcue" pkglogin 10.0.0.1)"
wait_until 5 'test -n "$(keepers)"' || die "no keeper for b"
K2=$(keepers)
echo "k2_exe=$(readlink /proc/$K2/exe)"
echo "b3=$("$T/b/pcue" pkglogin 10.0.0.1)"
echo "count=$(keepers | wc -l)"
wait_until 10 "! alive $K2" && echo "k2_idle_gone=yes"
"#,
    );
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    for k in ["a1", "a2", "b1", "b2", "b3"] {
        assert_eq!(f(k), "pkg01", "{k}: {out}");
    }
    assert!(f("k1_exe").ends_with("/a/pcue"), "{out}");
    assert_ne!(f("k1_still"), "", "{out}");
    assert_eq!(
        f("k1_gone"),
        "yes",
        "another binary's request ends it: {out}"
    );
    assert!(f("k2_exe").ends_with("/b/pcue"), "{out}");
    assert_eq!(f("count"), "1", "{out}");
    assert_eq!(f("k2_idle_gone"), "yes", "idle: {out}");
}

/// Hostile clients of the keeper (a root daemon any local user can
/// reach on its abstract socket): a user's request gets no answer, a
/// user who connects and sends nothing holds nobody up, root's garbage
/// (not a request, an oversized one) gets a refusal; the same keeper
/// goes on routing every connection right.
#[test]
fn the_keeper_shrugs_off_hostile_clients() {
    require("inetd");
    require("socat");
    require("setpriv");
    require("python3");
    let out = sandbox_ok(&format!(
        "export PCUE_INDEX=/run/pcue-registry.idx\n{WORLD}\n{}",
        r#"
CLIENT='
import socket, sys, time
name, what = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("\0" + name)
s.settimeout(3)
if what == "stall":
    time.sleep(3)
    sys.exit(0)
msg = {"request": b"pcue-keeper 1\nfp\n127.0.0.2\n", "garbage": b"hello\n",
       "big": b"x" * 100000}[what]
try:
    s.send(msg)
    got = s.recv(65536)
    print(repr(got[:1]) if got else "eof")
except OSError as e:
    print("error")
'
echo "p1=$(ask 127.0.0.2:7301)"
wait_until 5 'pgrep -x pcue-keeper >/dev/null' || die "no keeper"
K=$(pgrep -x pcue-keeper)
NAME=$(awk '$8 ~ /^@pcue-registry-keeper\// { print substr($8, 2); exit }' /proc/net/unix)
user() { setpriv --reuid="$TUID" --regid="$TGID" --clear-groups -- python3 -c "$CLIENT" "$NAME" "$@"; }
echo "user_request=$(user request)"
# a root-owned lie in the index file: believed by a caller the keeper
# does not answer, so an answer of pkg01 is the keeper's
IDX=/run/pcue-registry.idx
wait_until 5 "test -f $IDX" || die "no index"
sed "s|^p pkg01 \([^ ]*\)pkg01 |p pkg02 \1pkg02 |" $IDX > "$T/lie.idx"
grep -q '^p pkg02 ' "$T/lie.idx" || die "no lie made"
cp "$T/lie.idx" $IDX; chmod 644 $IDX
echo "lie_alone=$(PCUE_KEEPER_IDLE=0 "$T/bin/pcue" pkglogin 127.0.0.2)"
user stall & STALL=$!
sleep 0.3
echo "while_stalled=$(ask 127.0.0.2:7301)"
wait $STALL || true
echo "root_garbage=$(python3 -c "$CLIENT" "$NAME" garbage)"
echo "root_big=$(python3 -c "$CLIENT" "$NAME" big)"
echo "after2=$(ask 127.0.0.2:7301)"
echo "after1=$(ask 127.0.0.1:7301)"
echo "same_keeper=$( [ "$(pgrep -x pcue-keeper)" = "$K" ] && echo yes)"
"#
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(f("p1"), "pkg01", "{out}");
    assert!(
        ["eof", "error"].contains(&f("user_request").as_str()),
        "a user gets no answer: {out}"
    );
    assert_eq!(f("lie_alone"), "pkg02", "the lie is one: {out}");
    assert_eq!(
        f("while_stalled"),
        "pkg01",
        "the keeper answered while a user stalled: {out}"
    );
    assert_eq!(f("root_garbage"), "b'x'", "refused: {out}");
    assert!(
        ["eof", "error"].contains(&f("root_big").as_str()),
        "an oversized request is dropped: {out}"
    );
    assert_eq!(f("after2"), "pkg01", "{out}");
    assert_eq!(f("after1"), "system", "{out}");
    assert_eq!(f("same_keeper"), "yes", "{out}");
}

/// pkgnet -a under a `stream tcp wait` service on the wildcard address: one
/// pkgnet accepts every connection and routes each by the address it was
/// made to, as `nowait` does — into pkg01 or pkg02 (their pid 1, host name,
/// bounding set), or the system — with the registry read for each (an
/// address moved between two connections follows), a stopped package's
/// connection refused (LOG_AUTH), the daemon given only the connection,
/// and the package's stop and unmount not held up by the accepting pkgnet.
/// Idle, it exits, and inetd starts it again for the next connection.
#[test]
fn pkgnet_accepts_and_routes_each_connection() {
    require("inetd");
    require("socat");
    require("python3");
    let out = run(r#"
cat > "$T/svc" <<'S'
#!/bin/sh
echo "motd=$(cat /etc/motd) ctx=$ctxROOT host=$(hostname)"
echo "pid1=$(tr '\0' ' ' < /proc/1/cmdline)"
echo "bnd=$(grep CapBnd /proc/self/status | cut -f2)"
# the descriptors that are sockets: only 0-2, one connection
echo "socks=$(ls -l /proc/$$/fd | grep -c socket) conns=$(ls -l /proc/$$/fd | grep socket | sed 's/.*-> //' | sort -u | wc -l)"
S
chmod 755 "$T/svc"
for p in pkg01 pkg02; do cp "$T/svc" "$T/$p/etc/svc"; done
cp "$T/svc" /etc/svc
cat > "$T/inetd.conf" <<CONF
7311 stream tcp wait root $T/bin/pkgnet pkgnet -a -i 2 /etc/svc
7312 stream tcp wait root $T/bin/pkgnet pkgnet -a /bin/sleep 60
7313 dgram udp wait root $T/bin/pkgnet pkgnet -a /etc/svc
7314 stream tcp nowait root $T/bin/pkgnet pkgnet -a /etc/svc
CONF
inetd -d "$T/inetd.conf" > "$T/inetd2.log" 2>&1 &
wait_until 5 "ss -Htln | grep -q ':7312 '" || die "inetd does not listen on 7312: $(cat "$T/inetd2.log")"
ask 127.0.0.2:7311 | sed 's/^/p1./'
ask 127.0.0.3:7311 | sed 's/^/p2./'
ask 127.0.0.1:7311 | sed 's/^/sys./'
# one pkgnet served the three
echo "servers=$(pgrep -fx 'pkgnet -a -i 2 /etc/svc' | wc -l)"
wait_log 5 3 'pkgnet\[[0-9]*\]: 127.0.0.1 -> 127.0.0.[123] -> [a-z0-9]* -> /etc/svc'
echo "loggers=$(grep -a -o 'pkgnet\[[0-9]*\]: 127.0.0.1 -> 127.0.0.[123] -> [a-z0-9]* -> /etc/svc' "$T/syslog" | cut -d: -f1 | sort -u | wc -l)"
# 127.0.0.3 moved from pkg02 to pkg01 between two connections
reg_cntl pkg01 127.0.0.2 127.0.0.3
reg_cntl pkg02
echo "moved=$(ask 127.0.0.3:7311 | sed -n 's/^motd=\([^ ]*\).*/\1/p')"
reg_cntl pkg01 127.0.0.2
reg_cntl pkg02 127.0.0.3
# a registry file that cannot be read (a FIFO: a package filesystem not
# mounted yet, say): even the system's address is refused, at once (the
# same pkgnet serving on), until it can be read again
C="$SGCONF/pkg02/pkg02.cntl"; mv "$C" "$T/cntl.saved"; mkfifo "$C"
t0=$(date +%s)
echo "unreadable=[$(ask 127.0.0.1:7311)] in $(( $(date +%s) - t0 )) s"
rm "$C"; mv "$T/cntl.saved" "$C"
wait_log 5 1 "refused connection from 127.0.0.1 to 127.0.0.1: the package registry is unreadable"
echo "readable=$(ask 127.0.0.1:7311 | sed -n 's/^motd=\([^ ]*\).*/\1/p')"
# a stopped package: refused, never the system's
"$T/bin/telinit" -p pkg02 -w 10 0 >/dev/null || die "telinit -p pkg02 0"
echo "stopped=[$(ask 127.0.0.3:7311)]"
wait_log 5 1 "refused connection from 127.0.0.1 to 127.0.0.3 (package 'pkg02'): package 'pkg02' is not running"
echo "served=$(ask 127.0.0.1:7311 | sed -n 's/^motd=\([^ ]*\).*/\1/p')"
# what pkgnet -a inherits beside its listening socket (here another
# listening socket on descriptor 5) is not handed to the daemons
T="$T" python3 - > "$T/leak.log" 2>&1 <<'PY' &
import os, socket
l = socket.socket(); l.bind(("127.0.0.1", 7319)); l.listen(8)
x = socket.socket(); x.bind(("127.0.0.1", 7318)); x.listen(1)
for fd in (0, 1, 2):
    os.dup2(l.fileno(), fd)
os.dup2(x.fileno(), 5)
os.execv(os.environ["T"] + "/bin/pkgnet", ["pkgnet", "-a", "-i", "5", "/etc/svc"])
PY
wait_until 5 "ss -Htln | grep -q ':7319 '" || die "no listener on 7319: $(cat "$T/leak.log")"
ask 127.0.0.1:7319 | sed -n 's/^socks=/leak.socks=/p'
# -a is for stream tcp wait: a datagram service's datagram is dropped (once:
# inetd does not start pkgnet again for it), a nowait connection closed
echo hi | socat -t 2 -T 2 - UDP-DATAGRAM:127.0.0.2:7313,bind=127.0.0.1 > "$T/udp.out" 2>/dev/null || true
echo "udp=[$(cat "$T/udp.out")]"
echo "nowait=[$(ask 127.0.0.2:7314)]"
wait_log 5 1 "refused connection from 127.0.0.1 to 127.0.0.2: -a: descriptor 0 is not a listening socket"
wait_log 5 1 "refused datagram from 127.0.0.1: -a: descriptor 0 is not a listening socket"
sleep 1
echo "udprefusals=$(grep -a -c 'refused datagram from 127.0.0.1: -a' "$T/syslog")"
# idle: it exits, and inetd starts one again
wait_until 6 "! pgrep -fx 'pkgnet -a -i 2 /etc/svc' >/dev/null" && echo "idle=gone"
echo "again=$(ask 127.0.0.2:7311 | sed -n 's/^motd=\([^ ]*\).*/\1/p')"
# an open connection into pkg01: its stop ends the daemon, and the package
# filesystem is free to unmount (the accepting pkgnet never joined it)
socat -u TCP:127.0.0.2:7312,bind=127.0.0.1 - </dev/null >/dev/null 2>&1 &
wait_until 5 "pgrep -f '^(/bin/)?sleep 60' >/dev/null" || die "no daemon on 7312"
"$T/bin/telinit" -p pkg01 -w 10 0 >/dev/null || die "telinit -p pkg01 0"
wait_until 5 "! pgrep -f '^(/bin/)?sleep 60' >/dev/null" && echo "daemon=gone"
pgrep -fx 'pkgnet -a /bin/sleep 60' >/dev/null && echo "acceptor=alive"
umount -R "$T/pkg01" && echo "unmounted=yes"
"#);
    let f = |k: &str| {
        field(&out, k)
            .unwrap_or_else(|| panic!("no {k} in:\n{out}"))
            .to_string()
    };
    assert_eq!(f("p1.motd"), "pkg01 ctx=/pkg01 host=pkg01", "{out}");
    assert!(f("p1.pid1").contains("pkginit -p pkg01"), "{out}");
    assert_eq!(f("p2.motd"), "pkg02 ctx=/pkg02 host=pkg02", "{out}");
    assert!(f("p2.pid1").contains("pkginit -p pkg02"), "{out}");
    assert_eq!(
        f("sys.motd").split(' ').take(2).collect::<Vec<_>>(),
        ["system", "ctx=/"],
        "{out}"
    );
    assert!(!f("sys.pid1").contains("pkginit"), "{out}");
    for who in ["p1", "p2"] {
        let bnd = u64::from_str_radix(&f(&format!("{who}.bnd")), 16).unwrap();
        assert_eq!(bnd & (1 << 21), 0, "no CAP_SYS_ADMIN in {who}: {out}");
    }
    for who in ["p1", "p2", "sys"] {
        assert_eq!(f(&format!("{who}.socks")), "3 conns=1", "{who}: {out}");
    }
    assert_eq!(f("leak.socks"), "3 conns=1", "nothing inherited: {out}");
    assert_eq!(f("udp"), "[]", "{out}");
    assert_eq!(f("nowait"), "[]", "{out}");
    assert_eq!(f("udprefusals"), "1", "{out}");
    assert_eq!(f("servers"), "1", "{out}");
    assert_eq!(f("loggers"), "1", "one pkgnet logged the three: {out}");
    assert_eq!(f("moved"), "pkg01", "{out}");
    // refused (closed without a byte), not left hanging until the
    // client's 10 s timeout
    let unreadable = f("unreadable");
    let secs: u64 = unreadable
        .strip_prefix("[] in ")
        .and_then(|r| r.strip_suffix(" s"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a broken registry refuses: {out}"));
    assert!(secs < 5, "refused without a hang: {out}");
    assert_eq!(f("readable"), "system", "{out}");
    assert_eq!(f("stopped"), "[]", "{out}");
    assert_eq!(f("served"), "system", "{out}");
    assert_eq!(f("idle"), "gone", "{out}");
    assert_eq!(f("again"), "pkg01", "{out}");
    assert_eq!(f("daemon"), "gone", "{out}");
    assert_eq!(f("acceptor"), "alive", "{out}");
    assert_eq!(f("unmounted"), "yes", "{out}");
}
