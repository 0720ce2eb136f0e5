//! Pacemaker as the registry (issue 13). Offline: the CIB fixtures made by
//! the real tools (src/registry/testdata), read through `PCUE_CIB`, with
//! the owning node from the real `crm_mon` (`CIB_file=`); pkgnet under a
//! real inetd failing closed when the CIB cannot be read or parsed.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/registry/testdata")
        .join(name)
}

fn text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn pkglogin_lists_the_cib_packages_with_their_node() {
    require("crm_mon");
    let t = TempDir::new("pcmk-list");
    let cib = fixture("cib-with-status.xml");
    let env = [
        ("PCUE_CIB", cib.to_str().unwrap()),
        ("PCUE_SGCONF", "/nonexistent-pcue-sgconf"),
        ("PCUE_CMCLUSTER_CONF", "/nonexistent-pcue.conf"),
    ];
    let o = applet(&t, "pkglogin", &["-l"], &env);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(
        out, "pkg01\t/pkg01\t10.77.0.100\tn1\npkg02\t/srv/pkg02\t10.77.0.102,fd00:77::102\tn2\n",
        "stderr: {err}"
    );
    assert_eq!(err, "", "a clean CIB gives no diagnostics");
    for (addr, want) in [
        ("10.77.0.100", "pkg01\n"),
        ("::ffff:10.77.0.102", "pkg02\n"),
        ("fd00:77::102", "pkg02\n"),
        ("10.77.0.110", ""),
    ] {
        let o = applet(&t, "pkglogin", &[addr], &env);
        assert_eq!(text(&o).0, want, "pkglogin {addr}: {:?}", text(&o));
    }
    // crm_simulate's crash of n1: the same packages, both on n2 now.
    let down = t.path().join("cib-n1-down.xml");
    let o = std::process::Command::new("crm_simulate")
        .args([
            "-x",
            cib.to_str().unwrap(),
            "-q",
            "true",
            "-d",
            "n1",
            "-S",
            "-O",
        ])
        .arg(&down)
        .output()
        .expect("crm_simulate");
    assert!(o.status.success(), "crm_simulate: {:?}", text(&o));
    let env2 = [
        ("PCUE_CIB", down.to_str().unwrap()),
        ("PCUE_SGCONF", "/nonexistent-pcue-sgconf"),
    ];
    let o = applet(&t, "pkglogin", &["-l"], &env2);
    let out = text(&o).0;
    assert!(out.contains("pkg01\t/pkg01\t10.77.0.100\tn2\n"), "{out}");
    assert!(out.contains("\tn2\n") && !out.contains("\tn1\n"), "{out}");
}

#[test]
fn bad_cib_entries_get_one_line_each_and_the_rest_is_used() {
    let t = TempDir::new("pcmk-bad");
    let grp = |g: &str, pkg: &str, ips: &[&str]| {
        let mut s = format!("<group id=\"{g}\">");
        for (i, a) in ips.iter().enumerate() {
            s += &format!(
                "<primitive id=\"{g}-ip{i}\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">\
                 <instance_attributes id=\"{g}-ia{i}\"><nvpair id=\"{g}-v{i}\" name=\"ip\" value=\"{a}\"/>\
                 </instance_attributes></primitive>"
            );
        }
        s + &format!(
            "<primitive id=\"{g}-pcue\" class=\"ocf\" provider=\"pcue\" type=\"package\">\
             <instance_attributes id=\"{g}-pia\"><nvpair id=\"{g}-p\" name=\"package\" value=\"{pkg}\"/>\
             </instance_attributes></primitive></group>\n"
        )
    };
    let cib = format!(
        "<cib>\n<configuration>\n<resources>\n{}{}{}</resources>\n</configuration>\n</cib>\n",
        grp("g1", "pkg01", &["127.0.0.2"]),
        grp("g2", "pkg02", &[]),
        grp("g3", "pkg03", &["127.0.0.2", "127.0.0.3"]),
    );
    let path = t.path().join("cib.xml");
    std::fs::write(&path, cib).unwrap();
    let env = [
        ("PCUE_CIB", path.to_str().unwrap()),
        ("PCUE_SGCONF", "/nonexistent-pcue-sgconf"),
        ("PCUE_CMVIEWCL", "0"),
    ];
    let o = applet(&t, "pkglogin", &["-l"], &env);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(
        out,
        "pkg01\t/pkg01\t127.0.0.2\t-\npkg02\t/pkg02\t-\t-\npkg03\t/pkg03\t127.0.0.3\t-\n"
    );
    let p = path.display();
    assert_eq!(
        err,
        format!(
            "pkglogin: {p}:5: group 'g2' (package 'pkg02') has no address\n\
             pkglogin: {p}:6: address 127.0.0.2 is claimed by 'pkg01' and 'pkg03'; 'pkg01' keeps it\n"
        )
    );
    // Malformed XML: one line; the Serviceguard packages are still listed.
    std::fs::write(&path, "<cib><configuration><resources><group id=\"g1\">").unwrap();
    let sg = t.path().join("sg");
    std::fs::create_dir_all(sg.join("pkgsg")).unwrap();
    std::fs::write(sg.join("pkgsg/pkgsg.cntl"), "IP[0]=127.0.0.9\n").unwrap();
    let env = [
        ("PCUE_CIB", path.to_str().unwrap()),
        ("PCUE_SGCONF", sg.to_str().unwrap()),
        ("PCUE_CMVIEWCL", "0"),
    ];
    let o = applet(&t, "pkglogin", &["-l"], &env);
    let (out, err) = text(&o);
    assert_eq!(out, "pkgsg\t/pkgsg\t127.0.0.9\t-\n", "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("pkglogin: {p}: malformed XML: ")),
        "{err}"
    );
}

/// pkgnet reads the CIB file on every connection (no process): a package
/// address goes into its package; while the CIB cannot be parsed or read,
/// every connection is refused (LOG_AUTH), never served by the system.
#[test]
fn pkgnet_routes_by_the_cib_and_fails_closed_without_it() {
    require("inetd");
    require("socat");
    let cib = fixture("cib.xml");
    let out = sandbox_ok(&format!(
        r#"
private_dev
private_etc
mount -t tmpfs pcue-run /run
net_up 127.0.0.2 127.0.0.3
sed -e 's/10.77.0.100/127.0.0.2/' -e 's/10.77.0.102/127.0.0.3/' -e 's|/srv/pkg02|'"$T"'/pkg02|' {cib} > "$T/cib.xml"
export PCUE_CIB="$T/cib.xml" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T"
for p in pkg01 pkg02; do mkpcue_root $p; echo $p > "$T/$p/etc/motd"; done
echo system > /etc/motd
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"; ln -s pcue "$T/bin/pkgnet"
# both started as the node starts them (pkginit -p): connections join them
ln -s pcue "$T/bin/pkginit"; for p in pkg01 pkg02; do iso_start $p; done
echo "7301 stream tcp nowait root $T/bin/pkgnet pkgnet /bin/cat /etc/motd" > "$T/inetd.conf"
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
ask() {{ socat -t 10 -T 10 - "TCP:$1,bind=127.0.0.1" </dev/null 2>/dev/null; }}
wait_until 5 'ask 127.0.0.1:7301 >/dev/null' || die "inetd does not answer on 7301: $(cat "$T/inetd.log")"
echo "p1=$(ask 127.0.0.2:7301)"
echo "p2=$(ask 127.0.0.3:7301)"
echo "sys=$(ask 127.0.0.1:7301)"
cp "$T/cib.xml" "$T/cib.good"
head -c 300 "$T/cib.good" > "$T/cib.xml"
echo "bad_p1=[$(ask 127.0.0.2:7301)]"
echo "bad_sys=[$(ask 127.0.0.1:7301)]"
rm "$T/cib.xml"; mkdir "$T/cib.xml"
echo "dir_sys=[$(ask 127.0.0.1:7301)]"
rmdir "$T/cib.xml"; cp "$T/cib.good" "$T/cib.xml"
echo "again_p1=$(ask 127.0.0.2:7301)"
# the syslog relay writes records without newlines: count matches, not lines
count() {{ grep -ao -e "$1" "$T/syslog" | wc -l; }}
wait_until 5 '[ "$(count "the package registry is unreadable")" -ge 3 ]' || true
echo "logged=$(count 'the package registry is unreadable')"
echo "malformed=$(count 'cib.xml: malformed XML: ')"
echo "isdir=$(count "can't read '$T/cib.xml': not a regular file")"
"#,
        cib = cib.display()
    ));
    assert_eq!(field(&out, "p1"), Some("pkg01"), "{out}");
    assert_eq!(field(&out, "p2"), Some("pkg02"), "{out}");
    assert_eq!(field(&out, "sys"), Some("system"), "{out}");
    assert_eq!(field(&out, "bad_p1"), Some("[]"), "{out}");
    assert_eq!(field(&out, "bad_sys"), Some("[]"), "{out}");
    assert_eq!(field(&out, "dir_sys"), Some("[]"), "{out}");
    assert_eq!(field(&out, "again_p1"), Some("pkg01"), "{out}");
    assert!(
        field(&out, "logged").is_some_and(|n| n.parse::<u32>().unwrap_or(0) >= 3),
        "{out}"
    );
    assert_eq!(field(&out, "malformed"), Some("2"), "{out}");
    assert_eq!(field(&out, "isdir"), Some("1"), "{out}");
}

/// A pkgnet run by an unprivileged inetd user, on a node whose CIB file
/// is closed to it: with no public copy, or a copy older than the CIB (or,
/// when the CIB cannot even be stat'ed, older than 600 s), it refuses the
/// connection instead of serving the system's answer on a package address;
/// a fresh copy (mkpcue --public-cib) is used.
#[test]
fn unprivileged_pkgnet_refuses_without_a_current_public_copy() {
    require("inetd");
    require("socat");
    let cib = fixture("cib.xml");
    let out = sandbox_ok(&format!(
        r#"
private_dev
private_etc
mount -t tmpfs pcue-run /run
mount -t tmpfs pcue-varlib /var/lib
net_up 127.0.0.2
export PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T"
mkdir -p /var/lib/pacemaker/cib /run/pcue; chmod 755 /var/lib/pacemaker/cib
sed -e 's/10.77.0.100/127.0.0.2/' {cib} > /var/lib/pacemaker/cib/cib.xml
chmod 600 /var/lib/pacemaker/cib/cib.xml
echo system > /etc/motd
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"; ln -s pcue "$T/bin/pkgnet"; ln -s pcue "$T/bin/mkpcue"
chmod 755 "$T" "$T/bin"
echo "7305 stream tcp nowait nobody $T/bin/pkgnet pkgnet /bin/cat /etc/motd" > "$T/inetd.conf"
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
ask() {{ socat -t 10 -T 10 - "TCP:$1,bind=127.0.0.1" </dev/null 2>/dev/null; }}
wait_until 5 "ss -Htln | grep -q ':7305 '" || die "inetd does not listen on 7305: $(cat "$T/inetd.log")"
echo "nocopy_p1=[$(ask 127.0.0.2:7305)]"
echo "nocopy_sys=[$(ask 127.0.0.1:7305)]"
$T/bin/mkpcue --public-cib /var/lib/pacemaker/cib/cib.xml > /run/pcue/cib.xml; chmod 644 /run/pcue/cib.xml
echo "copy_sys=[$(ask 127.0.0.1:7305)]"
echo "copy_p1=[$(ask 127.0.0.2:7305)]"
touch -d '1 minute ago' /run/pcue/cib.xml
echo "older_sys=[$(ask 127.0.0.1:7305)]"
chmod 700 /var/lib/pacemaker/cib
echo "closed_sys=[$(ask 127.0.0.1:7305)]"
touch -d '20 minutes ago' /run/pcue/cib.xml
echo "expired_sys=[$(ask 127.0.0.1:7305)]"
"#,
        cib = cib.display()
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(f("nocopy_p1"), "[]", "never the system's answer: {out}");
    assert_eq!(f("nocopy_sys"), "[]", "{out}");
    assert_eq!(f("copy_sys"), "[system]", "a current copy is used: {out}");
    assert_ne!(f("copy_p1"), "[system]", "pkg01's address: {out}");
    assert_eq!(f("older_sys"), "[]", "a copy older than the CIB: {out}");
    assert_eq!(f("closed_sys"), "[system]", "within the bound: {out}");
    assert_eq!(f("expired_sys"), "[]", "beyond the bound: {out}");
}

/// Pacemaker keeps 127 characters of an exit reason and cuts the rest
/// without a mark ("...before pcue_pkg01 in the )", issue 21): every
/// reason of the agent goes through its `reason`, which cuts a longer one
/// to 124 characters and "...", and every reason it can give fits with the
/// package's names at their longest (a 39-character package, its default
/// root, 10-digit ids) and a tool's 40-character line.
#[test]
fn every_exit_reason_of_the_agent_fits_in_127_characters() {
    let agent =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ocf/package")).unwrap();
    let calls: Vec<&str> = agent
        .lines()
        .filter(|l| l.contains("ocf_exit_reason"))
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    assert_eq!(
        calls,
        ["\tocf_exit_reason \"$1\""],
        "only reason() calls ocf_exit_reason"
    );
    let pkg = "p".repeat(39);
    let root = format!("/{pkg}");
    let tool = "t".repeat(40);
    let vars = [
        ("$OCF_RESOURCE_INSTANCE", format!("pcue_{pkg}")),
        ("$OCF_RESKEY_level", "7".into()),
        ("$OCF_RESKEY_root", root.clone()),
        ("$PKG", pkg.clone()),
        ("$ROOT", root.clone()),
        ("$real", root.clone()),
        ("$BIN", "/corp/bin".into()),
        ("$GRACE", "9".repeat(10)),
        ("$lvl", "3".into()),
        ("$1", "4".repeat(10)),
        ("$2", "1777".into()),
    ];
    let mut n = 0;
    for line in agent.lines() {
        let Some(at) = line.find("reason \"") else {
            continue;
        };
        let text = &line[at + 8..];
        let Some(end) = text.rfind('"') else {
            panic!("a reason on more than one line: {line}")
        };
        let mut text = text[..end].to_string();
        // a tool's line: $(printf '%s' "$out" | tail -1)
        while let Some(a) = text.find("$(") {
            let b = text[a..].find(')').map(|b| a + b + 1).unwrap();
            text.replace_range(a..b, &tool);
        }
        for (k, v) in &vars {
            text = text.replace(k, v);
        }
        assert!(
            !text.contains('$'),
            "a variable the test does not know: {line}"
        );
        assert!(text.len() <= 127, "{} characters: {text}", text.len());
        n += 1;
    }
    assert!(n >= 16, "{n} reasons found");
}

/// The OCF agent ocf:pcue:package on a package root built by mkpcue: its
/// meta-data is valid (the OCF DTD and resource-agents' schema), it passes
/// ocf-tester, and bad input gets the OCF exit codes: no or an invalid
/// package (6), pcue not installed (5), a root that is not mounted (1) or
/// not safe (4) starts nothing; stop of a stopped package succeeds; stop
/// ends an execsh session left in the package, which records the logout.
#[test]
fn ocf_agent_passes_ocf_tester_and_refuses_bad_input() {
    for cmd in ["ocf-tester", "xmllint", "utmpdump", "last", "findmnt"] {
        require(cmd);
    }
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("ocf/package");
    let out = sandbox_ok(&format!(
        r#"
AGENT={agent}
private_dev
private_etc
mount -t tmpfs pcue-run /run
setuid_copy
cat > $T/cib.xml <<XML
<cib><configuration><resources><primitive id="fence1" class="stonith" type="fence_ipmilan"><instance_attributes id="fence1-ia"><nvpair id="fence1-pw" name="password" value="S3cr3t-fence"/></instance_attributes></primitive><group id="grp_pkg01">
<primitive id="ip_pkg01" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="ip_pkg01-ia"><nvpair id="ip_pkg01-ip" name="ip" value="127.0.0.2"/></instance_attributes></primitive>
<primitive id="pcue_pkg01" class="ocf" provider="pcue" type="package"><instance_attributes id="pcue_pkg01-ia"><nvpair id="pcue_pkg01-p" name="package" value="pkg01"/><nvpair id="pcue_pkg01-r" name="root" value="$T/pkg01"/></instance_attributes></primitive>
</group></resources></configuration></cib>
XML
printf 'SGCONF=%s\nPCUE_CIB=%s\n' $T/sg $T/cib.xml > /etc/cmcluster.conf
mkdir $T/pkg01; mount -t tmpfs -o mode=755 pkg01fs $T/pkg01
$T/bin/mkpcue pkg01 >/dev/null
printf 'id:3:initdefault:\nsl:2345:respawn:/bin/sleep 1000\n' > $T/pkg01/etc/inittab
echo "user:x:$TUID:$TGID:u:/:/bin/sh" >> $T/pkg01/etc/passwd; echo "user:x:$TGID:" >> $T/pkg01/etc/group
$T/bin/mkpcue --umount pkg01 >/dev/null
export OCF_ROOT=/usr/lib/ocf
$AGENT meta-data > $T/md.xml
xmllint --noout --dtdvalid /usr/share/resource-agents/ra-api-1.dtd $T/md.xml 2>/dev/null; echo "dtd=$?"
xmllint --noout --relaxng /usr/share/resource-agents/metadata.rng $T/md.xml 2>/dev/null; echo "rng=$?"
ocf-tester -n pkg -o package=pkg01 -o root=$T/pkg01 -o pcue_bin=$T/bin -o grace=5 $AGENT > $T/ot.log 2>&1; echo "ocf_tester=$?"
grep -q 'passed all tests' $T/ot.log || cat $T/ot.log >&2
export OCF_RESOURCE_INSTANCE=pkg OCF_RESKEY_root=$T/pkg01 OCF_RESKEY_pcue_bin=$T/bin OCF_RESKEY_grace=3 OCF_RESKEY_package=pkg01
act() {{ local name=$1 rc=0; shift; env "$@" $AGENT "$ACTION" > $T/$name.out 2>&1 || rc=$?
    echo "$name=$rc"; echo "${{name}}_msg=$(sed -n 's/^ocf-exit-reason://p' $T/$name.out | head -1)"; }}
ACTION=validate-all act nopkg OCF_RESKEY_package=
ACTION=validate-all act badpkg OCF_RESKEY_package=../etc
ACTION=validate-all act badlevel OCF_RESKEY_level=9
ACTION=start act noinst OCF_RESKEY_pcue_bin=$T/nonexistent
ACTION=monitor act probe OCF_RESKEY_CRM_meta_interval=0
ACTION=stop act stop_down
mkdir $T/plain
ACTION=start act notmounted OCF_RESKEY_root=$T/plain
chmod 777 $T/pkg01
ACTION=start act unsafe
chmod 755 $T/pkg01
ln -s $T/pkg01 $T/link
ACTION=start act symlink OCF_RESKEY_root=$T/link
# a root deeper than an exit reason can hold: cut, and marked so
deep=$T/$(printf 'd%.0s' $(seq 150))
mkdir -p $deep
ACTION=start act deep OCF_RESKEY_root=$deep
# (the pkginits ocf-tester started and stopped are zombies of the sandbox's pid 1)
echo "pkginit_after_refusals=$(ps -e -o stat=,comm= | awk '$2 == "pkginit" && $1 !~ /^Z/' | wc -l)"
ACTION=start act start
ACTION=monitor act mon OCF_RESKEY_CRM_meta_interval=10000
ACTION=monitor act monlevel OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_level=2
echo "level=$($T/bin/telinit -p pkg01 -s | head -1 | cut -d' ' -f1-2)"
# an execsh session of the package's user, and a process the node's root
# left in the plain root (outside the package's namespaces)
on_pty $T/bin/execsh -u user pkg01 /bin/sh -c 'sleep 300' &
wait_until 10 '[ "$($T/bin/pkgps -p pkg01 | grep -c "sleep 300")" -ge 1 ]'
chroot $T/pkg01 /bin/sleep 301 &
wait_until 10 'pgrep -f "^/bin/sleep 301" >/dev/null'
echo "inroot=$($T/bin/pkgps -p pkg01 | tail -n +2 | wc -l)"
held="$($T/bin/pkgps -p pkg01 | tail -n +2 | awk '{{print $2}}') $(pgrep -f '^/bin/sleep 301$')"
ACTION=stop act stop
echo "inroot_after=$(for p in $held; do alive $p && echo $p; done | wc -l)"
echo "mounts_after=$(findmnt -rn -o TARGET | grep -c "^$T/pkg01/")"
echo "logout=$(utmpdump $T/pkg01/var/log/wtmp 2>/dev/null | grep -c '^\[8\].*\[pts/')"
echo "last=$(last -f $T/pkg01/var/log/wtmp | grep '^user ' | grep -c -v 'still logged in')"
ACTION=stop act stop2
ACTION=monitor act mon_after OCF_RESKEY_CRM_meta_interval=10000
# the public copy of a CIB with a fencing password
rm -f /run/pcue/cib.xml
ACTION=monitor act pub OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_cib=$T/cib.xml
echo "pub_mode=$(stat -c '%a %u' /run/pcue/cib.xml)"
echo "pub_leak=$(grep -c -e S3cr3t -e fence /run/pcue/cib.xml)"
echo "pub_names=$(grep -o 'name="[^"]*"' /run/pcue/cib.xml | sort -u | tr '\n' ' ')"
# no temporary file left (cgroup/ is the directory of the cgroup records)
echo "pub_tmp=$(ls -A /run/pcue | grep -vcx -e cib.xml -e cgroup)"
ln -s "$PCUE" $T/pkglogin
echo "pub_pkg=$(PCUE_CIB=/run/pcue/cib.xml $T/pkglogin -l | awk -v r=$T/pkg01 '$1 == "pkg01" && $2 == r && $3 == "127.0.0.2"' | wc -l)"
"#,
        agent = agent.display()
    ));
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    assert_eq!(f("dtd"), "0", "{out}");
    assert_eq!(f("rng"), "0", "{out}");
    assert_eq!(f("ocf_tester"), "0", "{out}");
    assert_eq!(f("nopkg"), "6", "{out}");
    assert_eq!(f("nopkg_msg"), "the package parameter is required");
    assert_eq!(f("badpkg"), "6", "{out}");
    assert_eq!(f("badpkg_msg"), "invalid package name '../etc'");
    assert_eq!(f("badlevel"), "6", "{out}");
    assert_eq!(f("noinst"), "5", "{out}");
    assert!(
        f("noinst_msg").starts_with("pcue is not installed"),
        "{out}"
    );
    assert_eq!(f("probe"), "7", "a probe where the package is down: {out}");
    assert_eq!(f("stop_down"), "0", "{out}");
    assert_eq!(f("notmounted"), "1", "{out}");
    assert!(f("notmounted_msg").contains("is not mounted"), "{out}");
    assert_eq!(f("unsafe"), "4", "{out}");
    assert!(f("unsafe_msg").contains("mode 777"), "{out}");
    assert_eq!(f("symlink"), "4", "{out}");
    assert_eq!(f("deep"), "1", "{out}");
    assert_eq!(f("deep_msg").len(), 127, "{out}");
    assert!(f("deep_msg").ends_with("ddd..."), "{out}");
    for l in out.lines().filter(|l| l.contains("_msg=")) {
        assert!(
            l.len() - l.find('=').unwrap() <= 128,
            "an exit reason over 127: {l}"
        );
    }
    assert_eq!(f("pkginit_after_refusals"), "0", "nothing started: {out}");
    assert_eq!(f("start"), "0", "{out}");
    assert_eq!(f("mon"), "0", "{out}");
    assert_eq!(f("pub_mode"), "644 0", "{out}");
    assert_eq!(f("pub_leak"), "0", "no fencing password: {out}");
    assert_eq!(
        f("pub_names"),
        "name=\"ip\" name=\"package\" name=\"root\" ",
        "{out}"
    );
    assert_eq!(f("pub_tmp"), "0", "{out}");
    assert_eq!(f("pub_pkg"), "1", "{out}");
    assert_eq!(f("monlevel"), "1", "{out}");
    assert_eq!(f("level"), "run-level 3", "{out}");
    assert_eq!(
        f("inroot"),
        "4",
        "its pid namespace: pkginit, its sleep, the session's sh and sleep: {out}"
    );
    assert_eq!(f("stop"), "0", "{out}");
    assert_eq!(f("inroot_after"), "0", "{out}");
    assert_eq!(f("mounts_after"), "0", "{out}");
    assert_eq!(f("logout"), "1", "the execsh session's DEAD_PROCESS: {out}");
    assert_eq!(f("last"), "1", "last shows the session ended: {out}");
    assert_eq!(f("stop2"), "0", "{out}");
    assert_eq!(f("mon_after"), "7", "{out}");
}

/// A real two-node Corosync + Pacemaker cluster in namespaces runs pkg01
/// (Filesystem on an ext4 image -> IPaddr2 -> ocf:pcue:package) and pkg02:
/// the scenario of `make failover ENGINE=pacemaker` (scripts/pacemaker.sh,
/// run with --keys in the sandbox), asserted from its KEY=value lines.
/// Standby of the owner moves the package (same user, file, crontab whose
/// job runs on the new node, run-level, a second boot in wtmp; an execsh
/// session left open is ended by the stop and its logout recorded); a
/// kill -9 of the new owner's pid 1 makes the survivor start it over the
/// stale state; the crashed node rejoins and the package moves back.
#[test]
fn a_pacemaker_cluster_fails_the_package_over() {
    for cmd in [
        "corosync",
        "pacemakerd",
        "crm_mon",
        "cibadmin",
        "crm_attribute",
        "crm_resource",
        "inetd",
        "socat",
        "cron",
        "mkfs.ext4",
        "losetup",
        "nsenter",
        "modprobe",
        "utmpdump",
        "last",
    ] {
        require(cmd);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pacemaker.sh");
    let res = sandbox(&format!("bash {} --inside --keys", script.display()));
    let out = String::from_utf8_lossy(&res.stdout).into_owned();
    let err = String::from_utf8_lossy(&res.stderr);
    let all = format!("{out}\n--- stderr\n{err}");
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    // pcue's registry on a cluster node: address and owner from the cluster
    assert_eq!(f("reg_pkg01"), "10.77.0.100 n1", "{all}");
    assert_eq!(f("a_service"), "service of pkg01 on n1", "{all}");
    assert_eq!(f("a_login"), "alice host=n1 package=pkg01", "{all}");
    // standby of n1
    assert!(f("standby_s").parse::<f64>().is_ok(), "{all}");
    assert_eq!(f("b_login"), "alice host=n2 package=pkg01", "{all}");
    assert_eq!(f("b_file"), "written by alice on n1", "{all}");
    assert_eq!(f("b_runlevel"), "3", "{all}");
    assert_eq!(f("b_boots"), "2", "{all}");
    assert_eq!(f("b_logouts"), "1", "the execsh session's logout: {all}");
    assert_eq!(
        f("b_execsh"),
        "in=pkg01 host=n2 user=alice uts=pkg01",
        "{all}"
    );
    assert_eq!(f("b_pkgbdf"), "/dev/loop /", "pkgbdf -p pkg01 on n2: {all}");
    assert_eq!(
        f("b_tasks_max"),
        "300",
        "the agent's tasks_max, on n2 after the switch-over: {all}"
    );
    assert_eq!(f("b_cron"), "cron ran on n2 as alice in pkg01", "{all}");
    // crash of n2
    assert!(f("crash_s").parse::<f64>().is_ok(), "{all}");
    assert_eq!(f("c_boots"), "3", "{all}");
    assert_eq!(f("c_login"), "alice host=n1 package=pkg01", "{all}");
    assert_eq!(f("c_file"), "written by alice on n1", "{all}");
    assert_eq!(f("c_cronlog"), "cron ran on n2 as alice in pkg01", "{all}");
    // rejoin and move back
    assert!(f("rejoin_s").parse::<f64>().is_ok(), "{all}");
    assert_eq!(f("back"), "n2", "{all}");
    assert_eq!(f("loops_left"), "0", "{all}");
    assert_eq!(f("failed"), "0", "{all}");
    assert!(res.status.success(), "{all}");
}

/// The README's Pacemaker recipes run as they stand there (issue 21, item
/// 11), read from README.md by scripts/pacemaker-readme.sh on a real
/// two-node cluster whose configuration starts empty (fencing on): the
/// fencing line and the crm recipe (one transaction), then, with pkg01
/// removed and fencing back on, the fencing line and recipe for pcs. Each
/// time pkg01 (Filesystem -> IPaddr2 -> ocf:pcue:package) runs on node1 at
/// its run-level with its address, and no action failed.
#[test]
fn the_readme_crm_and_pcs_recipes_start_the_package() {
    for cmd in [
        "corosync",
        "pacemakerd",
        "crm_mon",
        "crm_resource",
        "cibadmin",
        "crm",
        "pcs",
        "mkfs.ext4",
        "losetup",
        "nsenter",
    ] {
        require(cmd);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pacemaker-readme.sh");
    let res = sandbox(&format!("bash {} --inside", script.display()));
    let out = String::from_utf8_lossy(&res.stdout).into_owned();
    let err = String::from_utf8_lossy(&res.stderr);
    let all = format!("{out}\n--- stderr\n{err}");
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    for tool in ["crm", "pcs"] {
        assert_eq!(f(&format!("{tool}_rc")), "0", "{tool}: {all}");
        assert_eq!(f(&format!("{tool}_started")), "n1", "{tool}: {all}");
        assert_eq!(f(&format!("{tool}_failures")), "0", "{tool}: {all}");
        assert_eq!(f(&format!("{tool}_level")), "run-level 3", "{tool}: {all}");
        assert_eq!(f(&format!("{tool}_vip")), "1", "{tool}: {all}");
    }
    assert_eq!(f("loops_left"), "0", "{all}");
    assert_eq!(f("failed"), "0", "{all}");
    assert!(res.status.success(), "{all}");
}

/// The answers recorded beside cib-reading.xml (cib-reading.answers, which
/// the unit tests of registry/cib.rs compare pcue's reading with) are what
/// the installed Pacemaker says today: `crm_resource -r RSC -g PARAM`.
#[test]
fn crm_resource_still_gives_the_recorded_answers() {
    require("crm_resource");
    let dir = fixture("");
    let o = std::process::Command::new("sh")
        .arg("./cib-reading.sh")
        .current_dir(&dir)
        .output()
        .expect("sh");
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let recorded = std::fs::read_to_string(dir.join("cib-reading.answers")).unwrap();
    assert_eq!(out, recorded);
    assert_eq!(recorded.lines().count(), 21);
}

/// pkgnet under a real inetd on a CIB that only Pacemaker's own reading
/// gets right (cib-reading.xml): sets by score (and equal scores, the
/// later set), the package name chosen by score, id-ref nvpairs and sets,
/// templates, a group's inherited address, `#default`. The address
/// Pacemaker brings up goes into its package; the addresses of sets
/// under a rule pcue cannot evaluate are refused (LOG_AUTH); no package
/// address is served by the system. With the index on, twice each.
#[test]
fn pkgnet_routes_the_cib_as_pacemaker_reads_it() {
    require("inetd");
    require("socat");
    let cib = fixture("cib-reading.xml");
    let out = sandbox_ok(&format!(
        r#"
private_dev
private_etc
mount -t tmpfs -o mode=755 pcue-run /run
net_up
cp {cib} "$T/cib.xml"
export PCUE_CIB="$T/cib.xml" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T" PCUE_INDEX=/run/pcue-registry.idx
for p in pkgscore pkga pkgb pkgrule pkgref pkgtpl pkginh; do mkpcue_root $p; echo $p > "$T/$p/etc/motd"; done
echo system > /etc/motd
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"; ln -s pcue "$T/bin/pkgnet"
# each started as the node starts it (pkginit -p) where the registry
# resolves it: connections join the running package
ln -s pcue "$T/bin/pkginit"
for p in pkgscore pkga pkgb pkgrule pkgref pkgtpl pkginh; do
    printf 'id:3:initdefault:\nsl:3:respawn:+/bin/sleep 100000\n' > "$T/$p/etc/inittab"
    "$T/bin/pkginit" -p $p >/dev/null 2>&1 || true
done
echo "7301 stream tcp nowait root $T/bin/pkgnet pkgnet /bin/cat /etc/motd" > "$T/inetd.conf"
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
ask() {{ socat -t 10 -T 10 - "TCP:$1,bind=127.0.0.1" </dev/null 2>/dev/null; }}
wait_until 5 "ss -Htln | grep -q ':7301 '" || die "inetd does not listen on 7301: $(cat "$T/inetd.log")"
sleep 0.25
for round in 1 2; do
    for i in $(seq 1 16); do echo "r${{round}}_$i=[$(ask 127.0.1.$i:7301)]"; done
done
echo "index=$(stat -c '%u %a' /run/pcue-registry.idx)"
wait_log 5 6 'refused connection from 127.0.0.1 to 127.0.1.[567]'
grep -a -o "refused connection from 127.0.0.1 to 127.0.1.5: [^<]*" "$T/syslog" | head -1 | sed 's/^/why5=/'
echo "refusals=$(grep -a -o 'refused connection from 127.0.0.1 to 127.0.1.[567]:' "$T/syslog" | wc -l)"
"#,
        cib = cib.display()
    ));
    let want = [
        (1, "[system]"), // the lower-scored set: never up
        (2, "[pkgscore]"),
        (3, "[pkga]"), // the package named by the higher-scored set
        (4, "[pkgb]"),
        (5, "[]"), // a set under a rule on #uname
        (6, "[]"),
        (7, "[]"),
        (8, "[pkgrule]"),
        (9, "[pkgref]"),  // nvpair id-ref
        (10, "[pkgref]"), // set id-ref
        (11, "[pkgtpl]"), // the template's
        (12, "[pkgtpl]"), // the primitive's own set over its template's
        (13, "[pkginh]"), // inherited from the group
        (14, "[system]"), // #default took it away
        (15, "[system]"), // equal scores: the later set wins
        (16, "[pkgscore]"),
    ];
    for round in [1, 2] {
        for (i, w) in want {
            assert_eq!(
                field(&out, &format!("r{round}_{i}")),
                Some(w),
                "127.0.1.{i} (round {round}): {out}"
            );
        }
    }
    assert_eq!(field(&out, "index"), Some("0 644"), "{out}");
    let why = field(&out, "why5").unwrap_or_default();
    assert!(
        why.contains("address 127.0.1.5 is named by a skipped entry")
            && why.contains("'ip' of 'ip_rule' is undecidable: instance_attributes 'ip_rule-n1' of 'ip_rule' depends on a rule pcue cannot evaluate"),
        "{out}"
    );
    assert_eq!(field(&out, "refusals"), Some("6"), "{out}");
}

/// A CIB nested 200,000 elements deep (1.4 MB): pkglogin, getcpkg and
/// mkpcue --public-cib end with one clear line and a failure status, no
/// crash; pkgnet refuses every connection.
#[test]
fn a_deeply_nested_cib_is_an_error_not_a_crash() {
    require("inetd");
    require("socat");
    let out = sandbox_ok(
        r#"
private_dev
private_etc
mount -t tmpfs pcue-run /run
net_up 127.0.0.2
{ printf '<cib><configuration><resources>'
  head -c 200000 /dev/zero | tr '\0' x | sed 's|x|<x>|g'
  head -c 200000 /dev/zero | tr '\0' x | sed 's|x|</x>|g'
  printf '</resources></configuration></cib>\n'; } > "$T/cib.xml"
echo "size=$(stat -c %s "$T/cib.xml")"
export PCUE_CIB="$T/cib.xml" PCUE_SGCONF="$T/sg" PCUE_ROOT_PREFIX="$T"
echo system > /etc/motd
mkdir -p "$T/bin"; cp "$PCUE" "$T/bin/pcue"; "$T/bin/pcue" --install "$T/bin" >/dev/null
r=0; "$T/bin/pkglogin" -l > "$T/l.out" 2> "$T/l.err" || r=$?
echo "list_rc=$r list_out=[$(cat "$T/l.out")]"; echo "list_err=$(cat "$T/l.err")"
r=0; "$T/bin/pkglogin" 127.0.0.2 > /dev/null 2> "$T/a.err" || r=$?
echo "addr_rc=$r"; echo "addr_err=$(cat "$T/a.err")"
r=0; SSH_CONNECTION="127.0.0.1 5000 127.0.0.2 22" "$T/bin/getcpkg" -f 2> "$T/g.err" || r=$?
echo "getcpkg_rc=$r"; echo "getcpkg_err=$(cat "$T/g.err")"
r=0; "$T/bin/mkpcue" --public-cib "$T/cib.xml" > /dev/null 2> "$T/m.err" || r=$?
echo "mkpcue_rc=$r"; echo "mkpcue_err=$(cat "$T/m.err")"
echo "7301 stream tcp nowait root $T/bin/pkgnet pkgnet /bin/cat /etc/motd" > "$T/inetd.conf"
inetd -d "$T/inetd.conf" > "$T/inetd.log" 2>&1 &
ask() { socat -t 10 -T 10 - "TCP:$1,bind=127.0.0.1" </dev/null 2>/dev/null; }
wait_until 5 "ss -Htln | grep -q ':7301 '" || die "inetd does not listen on 7301: $(cat "$T/inetd.log")"
echo "net_sys=[$(ask 127.0.0.1:7301)]"
echo "net_p=[$(ask 127.0.0.2:7301)]"
wait_log 5 2 'nested deeper than 256'
echo "logged=$(grep -a -o 'refused connection[^<]*nested deeper than 256' "$T/syslog" | wc -l)"
"#,
    );
    let f = |k: &str| field(&out, k).unwrap_or("<missing>").to_string();
    let deep = "cib.xml: elements nested deeper than 256 levels (Pacemaker reads no deeper)";
    assert!(f("size").parse::<u64>().unwrap_or(0) > 1_400_000, "{out}");
    assert_eq!(f("list_rc"), "1 list_out=[]", "{out}");
    assert!(
        f("list_err").starts_with("pkglogin: ") && f("list_err").ends_with(deep),
        "{out}"
    );
    assert_eq!(f("addr_rc"), "1", "{out}");
    assert!(
        f("addr_err").starts_with("pkglogin: can't tell whose address 127.0.0.2 is: ")
            && f("addr_err").ends_with(deep),
        "{out}"
    );
    assert_eq!(f("getcpkg_rc"), "5", "{out}");
    assert!(f("getcpkg_err").ends_with(deep), "{out}");
    assert_eq!(f("mkpcue_rc"), "1", "{out}");
    assert!(
        f("mkpcue_err").starts_with("mkpcue: ") && f("mkpcue_err").ends_with(deep),
        "{out}"
    );
    assert_eq!(f("net_sys"), "[]", "{out}");
    assert_eq!(f("net_p"), "[]", "{out}");
    assert_eq!(f("logged"), "2", "{out}");
}
