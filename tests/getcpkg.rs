//! getcpkg in private mount, network and pid namespaces: two package roots,
//! a registry with 127.0.0.2 → pkg01 and 127.0.0.3, fd00::3 → pkg02.

mod common;
use common::*;

/// The world every test here starts from.
const WORLD: &str = r#"
net_up 127.0.0.2 127.0.0.3 fd00::3
export SGCONF="$T/sg" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_CMVIEWCL=0
reg_cntl pkg01 127.0.0.2
mkdir -p "$SGCONF/pkg02"
printf 'package_name pkg02\nip_subnet 127.0.0.0\nip_address 127.0.0.3\nip_address fd00::3\n' > "$SGCONF/pkg02/pkg02.conf"
mkroot pkg01
mkroot pkg02
chmod 755 "$T"
unset SSH_CONNECTION
# serve one connection on ADDR:PORT with CMD (socat), then connect to it
serve() { # serve LISTEN-SPEC CONNECT-SPEC CMD...
    local listen=$1 connect=$2; shift 2
    as_user socat -t 10 "$listen" "EXEC:$*" & local pid=$!
    wait_until 5 'out=$(socat -t 10 -T 10 - "$connect" </dev/null 2>/dev/null)' ||
        die "nothing answers on $connect"
    wait $pid || true
    printf '%s' "$out"
}
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

#[test]
fn inside_each_package_as_an_unprivileged_user() {
    let out = run(r#"
echo "p1=$(chroot --userspec=$TUID:$TGID "$T/pkg01" /corp/bin/getcpkg)"
echo "p2=$(chroot --userspec=$TUID:$TGID "$T/pkg02" /corp/bin/pcue getcpkg)"
sys=$(as_user "$PCUE" getcpkg); sysrc=$?
echo "sys=$sys"
echo "sysrc=$sysrc"
"#);
    assert_eq!(field(&out, "p1"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "p2"), Some("pkg02"), "{out}");
    assert_eq!(
        field(&out, "sys"),
        Some(""),
        "system context prints nothing: {out}"
    );
    assert_eq!(field(&out, "sysrc"), Some("0"));
}

#[test]
fn socket_on_fd0_and_addresses() {
    let out = run(r#"
echo "f=$(serve TCP-LISTEN:7001,bind=127.0.0.2,reuseaddr TCP:127.0.0.2:7001 "$PCUE getcpkg -f",nofork)"
echo "plain=$(serve TCP-LISTEN:7002,bind=127.0.0.3,reuseaddr TCP:127.0.0.3:7002 "$PCUE getcpkg",nofork)"
echo "i=$(serve TCP-LISTEN:7003,bind=127.0.0.2,reuseaddr TCP:127.0.0.2:7003,bind=127.0.0.1 "$PCUE getcpkg -i",nofork)"
echo "v6=$(serve TCP6-LISTEN:7004,bind=[fd00::3],reuseaddr TCP6:[fd00::3]:7004 "$PCUE getcpkg -f",nofork)"
echo "none=$(serve TCP-LISTEN:7005,bind=127.0.0.1,reuseaddr TCP:127.0.0.1:7005 "$PCUE getcpkg -f",nofork)"
"#);
    assert_eq!(field(&out, "f"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "plain"), Some("pkg02"), "{out}");
    assert_eq!(field(&out, "i"), Some("127.0.0.1 127.0.0.2"), "{out}");
    assert_eq!(field(&out, "v6"), Some("pkg02"), "{out}");
    assert_eq!(
        field(&out, "none"),
        Some(""),
        "a non-package address: {out}"
    );
}

#[test]
fn parent_chain_and_mapped_addresses() {
    // Without nofork socat keeps the TCP socket and gives its child a
    // socketpair: getcpkg must find the connection among its parents.
    let out = run(r#"
echo "parent=$(serve TCP-LISTEN:7011,bind=127.0.0.2,reuseaddr TCP:127.0.0.2:7011 "$PCUE getcpkg -d")"
echo "mapped=$(serve TCP6-LISTEN:7012,ipv6only=0,reuseaddr TCP4:127.0.0.3:7012 "$PCUE getcpkg")"
echo "mappedi=$(serve TCP6-LISTEN:7013,ipv6only=0,reuseaddr TCP4:127.0.0.3:7013,bind=127.0.0.1 "$PCUE getcpkg -i",nofork)"
"#);
    assert_eq!(field(&out, "parent"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "mapped"), Some("pkg02"), "{out}");
    assert_eq!(
        field(&out, "mappedi"),
        Some("127.0.0.1 127.0.0.3"),
        "mapped addresses print as IPv4: {out}"
    );
}

#[test]
fn ssh_connection_and_exit_codes() {
    let out = run(r#"
echo "ssh=$(SSH_CONNECTION='10.1.1.1 5555 127.0.0.3 22' as_user "$PCUE" getcpkg)"
echo "ssh6=$(SSH_CONNECTION='fd00::9 5555 fd00::3 22' as_user "$PCUE" getcpkg)"
echo "sshi=$(SSH_CONNECTION='10.1.1.1 5555 127.0.0.3 22' as_user "$PCUE" getcpkg -i)"
set +e
as_user "$PCUE" getcpkg -f </dev/null; echo "frc=$?"
as_user "$PCUE" getcpkg -x 2>/dev/null; echo "badrc=$?"
mkdir -p "$T/noproc"; mount -t tmpfs t "$T/noproc"; mkdir -p "$T/noproc/bin"; cp "$PCUE" "$T/noproc/bin/pcue"
chroot "$T/noproc" /bin/pcue getcpkg 2>"$T/err"; echo "noproc=$?"; echo "noprocmsg=$(cat "$T/err")"
"#);
    assert_eq!(field(&out, "ssh"), Some("pkg02"), "{out}");
    assert_eq!(field(&out, "ssh6"), Some("pkg02"), "{out}");
    assert_eq!(field(&out, "sshi"), Some("10.1.1.1 127.0.0.3"), "{out}");
    assert_eq!(
        field(&out, "frc"),
        Some("4"),
        "-f without a connection: {out}"
    );
    assert_eq!(field(&out, "badrc"), Some("2"), "{out}");
    assert_eq!(field(&out, "noproc"), Some("6"), "{out}");
    assert_eq!(
        field(&out, "noprocmsg"),
        Some("getcpkg: can't read '/proc/self/mountinfo': No such file or directory")
    );
}

/// When pid 1 is in another mount namespace its table lacks our root: the
/// marker mkpcue writes decides, and only a root-owned one closed to others.
#[test]
fn marker_when_pid1_cannot_see_the_root() {
    let out = run(r#"
unshare --mount --propagation private bash -c '
  . "$0"
  mkroot pkg09
  echo pkg09 > "$T/pkg09/.pcue-package"; chmod 644 "$T/pkg09/.pcue-package"
  echo "marker=$(chroot --userspec=$TUID:$TGID "$T/pkg09" /corp/bin/getcpkg)"
  chmod 666 "$T/pkg09/.pcue-package"
  echo "writable=$(chroot --userspec=$TUID:$TGID "$T/pkg09" /corp/bin/getcpkg)"
  rm "$T/pkg09/.pcue-package"
  echo "none=$(chroot --userspec=$TUID:$TGID "$T/pkg09" /corp/bin/getcpkg)"
' "$(dirname "$PCUE")/../tests/lib.sh" 2>&1 || true
"#
    .replace(
        "$(dirname \"$PCUE\")/../tests/lib.sh",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lib.sh"),
    )
    .as_str());
    assert_eq!(field(&out, "marker"), Some("pkg09"), "{out}");
    assert_eq!(
        field(&out, "writable"),
        Some(""),
        "a marker others can write is ignored: {out}"
    );
    assert_eq!(field(&out, "none"), Some(""), "{out}");
}

/// A mount point with a byte that is not UTF-8 (a Latin-1 directory name, or
/// a FUSE mount a user named) anywhere in the table spoils nothing: getcpkg,
/// pkgps and pkgbdf still answer, inside the package and outside.
#[test]
fn a_non_utf8_mount_point_anywhere() {
    let out = run(r#"
mkdir -p "$T/caf"$'\xe9' "$T/pkg01/srv/caf"$'\xe9'
mount -t tmpfs latin1-host "$T/caf"$'\xe9'
mount -t tmpfs latin1-pkg "$T/pkg01/srv/caf"$'\xe9'
echo "in=$(chroot --userspec=$TUID:$TGID "$T/pkg01" /corp/bin/getcpkg) rc=$?"
chroot --userspec=$TUID:$TGID "$T/pkg01" /corp/bin/pkgbdf > "$T/bdf.out" 2>&1; echo "bdf=$?"
cat "$T/bdf.out" >&2
echo "bdf_pkg=$(grep -c 'latin1-pkg' "$T/bdf.out")"
chroot --userspec=$TUID:$TGID "$T/pkg01" /corp/bin/pkgps > "$T/ps.out" 2>&1; echo "ps=$?"
as_user "$PCUE" pkgps -a > "$T/psa.out" 2>&1; echo "psa=$?"
"$PCUE" pkgbdf > "$T/sysbdf.out" 2>&1; echo "sysbdf=$?"
cat "$T/ps.out" "$T/psa.out" "$T/sysbdf.out" >&2
"#);
    assert_eq!(field(&out, "in"), Some("pkg01 rc=0"), "{out}");
    assert_eq!(field(&out, "bdf"), Some("0"), "{out}");
    assert_eq!(field(&out, "bdf_pkg"), Some("1"), "{out}");
    assert_eq!(field(&out, "ps"), Some("0"), "{out}");
    assert_eq!(field(&out, "psa"), Some("0"), "{out}");
    assert_eq!(field(&out, "sysbdf"), Some("0"), "{out}");
}
