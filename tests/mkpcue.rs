//! mkpcue in private mount, network and pid namespaces: package roots under
//! the sandbox's tmpfs `$T` (`PCUE_ROOT_PREFIX=$T`), never on the host.

mod common;
use common::*;

/// Every test starts here: an empty registry, and helpers.
const WORLD: &str = r#"
export PCUE_ROOT_PREFIX="$T" PCUE_SGCONF="$T/sg" PCUE_CMVIEWCL=0
mkdir -p "$T/sg"
mk() { "$PCUE" mkpcue "$@"; }
# a root's entries (own filesystem only), with type, mode, owner, link, size
snap() { find "$1" -xdev -type d -printf '%P d %m %u:%g\n' -o -printf '%P %y %m %u:%g %l %s\n' | sort; }
# ...and the contents of its files (not the device nodes bound in /dev)
sums() { (cd "$1" && find . -xdev -path ./dev -prune -o -type f -exec sha256sum {} + | sort); }
mounts_below() { awk -v r="$1" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo; }
"#;

fn run(script: &str) -> String {
    sandbox_ok(&format!("{WORLD}\n{script}"))
}

#[test]
fn builds_the_layout_and_a_second_run_changes_nothing() {
    let out = run(r#"
r=$T/pkg01
mk pkg01 > $T/first.out
echo "first_last=$(tail -1 $T/first.out)"
echo "root_mp=$(mountpoint -q $r && echo yes)"
echo "usr=$(awk -v p=$r/usr '$5 == p { split($6, o, ","); print o[1] }' /proc/self/mountinfo)"
echo "sysetc=$(awk -v p=$r/system/etc '$5 == p { split($6, o, ","); print o[1] }' /proc/self/mountinfo)"
echo "proc=$(findmnt -no FSTYPE $r/proc)"
echo "pts=$(findmnt -no FSTYPE $r/dev/pts) $(findmnt -no OPTIONS $r/dev/pts | tr , '\n' | grep -c -e ptmxmode=666)"
echo "null=$(stat -c %F $r/dev/null) $(echo hi > $r/dev/null && echo writable)"
echo "links=$(readlink $r/bin) $(readlink $r/etc/hosts) $(readlink $r/var/run) $(readlink $r/dev/ptmx)"
echo "tmp=$(stat -c '%a %U' $r/tmp)"
echo "root=$(stat -c %a $r/root)"
echo "shadow=$(stat -c '%a %U:%G' $r/etc/shadow)"
echo "crontabs=$(stat -c '%a %U:%G' $r/var/spool/cron/crontabs)"
echo "utmp=$(stat -c '%a %U:%G %s' $r/run/utmp)"
echo "wtmp=$(stat -c '%a %U:%G %s' $r/var/log/wtmp)"
echo "initctl=$(stat -c '%F %a' $r/run/initctl) $(test -e $r/tmp/initctl || echo none-in-tmp)"
echo "marker=$(cat $r/.pcue-package) $(stat -c '%a %U' $r/.pcue-package)"
echo "pcue_same=$(cmp -s $PCUE $r/corp/bin/pcue && echo yes) $(findmnt -no OPTIONS $r/corp/bin/pcue | cut -d, -f1)"
echo "applet=$(readlink $r/corp/bin/getcpkg)"
echo "high_uids=$(awk -F: '$3 >= 1000' $r/etc/passwd | wc -l)"
echo "root_line=$(grep -c '^root:' $r/etc/passwd)"
echo "shadow_users=$(cut -d: -f1 $r/etc/shadow | sort | tr '\n' ' ')"
echo "passwd_users=$(cut -d: -f1 $r/etc/passwd | sort | tr '\n' ' ')"
grep -q '^# /etc/inittab of package pkg01' $r/etc/inittab && echo inittab=ok
# the second run: no change to the tree or to the mount table
snap $r > $T/s1; sums $r > $T/h1; cat /proc/self/mountinfo > $T/m1
mk pkg01 > $T/second.out; echo "second_rc=$?"
snap $r > $T/s2; sums $r > $T/h2; cat /proc/self/mountinfo > $T/m2
echo "second=$(cat $T/second.out)"
cmp -s $T/s1 $T/s2 && echo same_tree=yes
cmp -s $T/h1 $T/h2 && echo same_files=yes
cmp -s $T/m1 $T/m2 && echo same_mounts=yes
mk --check pkg01; echo "check_rc=$?"
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    assert!(
        f("first_last").starts_with("pkg01: ") && f("first_last").contains("change(s) made"),
        "{out}"
    );
    assert_eq!(f("root_mp"), "yes", "{out}");
    assert_eq!(f("usr"), "ro");
    assert_eq!(f("sysetc"), "ro");
    assert_eq!(f("proc"), "proc");
    assert_eq!(f("pts"), "devpts 1");
    assert_eq!(f("null"), "character special file writable");
    assert_eq!(f("links"), "usr/bin /system/etc/hosts ../run pts/ptmx");
    assert_eq!(f("tmp"), "1777 root");
    assert_eq!(f("root"), "700");
    assert_eq!(f("shadow"), "640 root:shadow");
    assert_eq!(f("crontabs"), "1730 root:crontab");
    assert_eq!(f("utmp"), "664 root:utmp 0");
    assert_eq!(f("wtmp"), "664 root:utmp 0");
    assert_eq!(f("initctl"), "fifo 640 none-in-tmp");
    assert_eq!(f("marker"), "pkg01 644 root");
    assert_eq!(f("pcue_same"), "yes ro");
    assert_eq!(f("applet"), "pcue");
    assert_eq!(f("high_uids"), "0");
    assert_eq!(f("root_line"), "1");
    assert_eq!(
        f("shadow_users"),
        f("passwd_users"),
        "shadow holds exactly the kept users"
    );
    assert_eq!(f("inittab"), "ok");
    assert_eq!(f("second_rc"), "0");
    assert!(f("second").starts_with("pkg01: nothing to do"), "{out}");
    assert_eq!(f("same_tree"), "yes", "{out}");
    assert_eq!(f("same_files"), "yes");
    assert_eq!(f("same_mounts"), "yes");
    assert!(out.contains("pkg01: ") && out.contains(" matches the layout\n"));
    assert_eq!(f("check_rc"), "0", "{out}");
}

#[test]
fn check_reports_tampering_then_umount_and_mount() {
    let out = run(r#"
r=$T/pkg01
mk pkg01 >/dev/null
rm $r/etc/hosts
chmod 755 $r/tmp
umount $r/proc
set +e
mk --check pkg01 > $T/check.out; echo "check_rc=$?"
sed 's/^/drift: /' $T/check.out
# a build repairs what is missing, leaves the changed mode alone and says so
mk pkg01 > $T/repair.out; echo "repair_rc=$?"
sed 's/^/repair: /' $T/repair.out
mk --check pkg01 > $T/check2.out; echo "check2_rc=$?"
sed 's/^/drift2: /' $T/check2.out
chmod 1777 $r/tmp
# package stop: nothing below the root stays mounted, not even a mount a
# package admin made at a Latin-1 path
mkdir -p $r/srv/caf$'\xe9'; mount -t tmpfs latin1 $r/srv/caf$'\xe9'
mk --umount pkg01 > $T/umount.out; echo "umount_rc=$?"
echo "left=$(mounts_below $r | wc -l)"
mk --umount pkg01 | sed 's/^/again: /'
# package start on a node: mounts only, then the root is whole again
mk --mount pkg01 > $T/mount.out; echo "mount_rc=$?"
grep -c '^mkdir\|^write\|^symlink' $T/mount.out | sed 's/^/mount_made_files=/'
mk --check pkg01 >/dev/null; echo "check3_rc=$?"
# a busy mount is reported with its user, and stays; --lazy detaches it
(cd $r/tmp && exec sleep 30) & busy=$!
wait_until 5 '[ "$(readlink /proc/$busy/cwd)" = "$r/tmp" ] && [ "$(cat /proc/$busy/comm)" = sleep ]' || die "the busy process did not start"
mk --umount pkg01 > $T/busy.out 2> $T/busy.err; echo "busy_rc=$?"
sed 's/^/busy: /' $T/busy.out $T/busy.err
echo "busy_left=$(mounts_below $r | wc -l)"
mk --umount --lazy pkg01 >/dev/null; echo "lazy_rc=$?"
echo "lazy_left=$(mounts_below $r | wc -l)"
kill $busy
# --mount on a root that was never built
mk --mount pkgnew 2> $T/new.err; echo "new_rc=$?"
echo "new_err=$(cat $T/new.err)"
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    assert_eq!(f("check_rc"), "1", "{out}");
    for want in [
        "drift: /etc/hosts: missing",
        "drift: /tmp: mode 0755, layout says 1777",
        "drift: /proc: not mounted",
        "drift: pkg01: 3 difference(s) from the layout",
    ] {
        assert!(out.lines().any(|l| l == want), "{want}\n{out}");
    }
    assert_eq!(f("repair_rc"), "0");
    assert!(out.contains("repair: symlink /etc/hosts -> /system/etc/hosts\n"));
    assert!(out.contains("repair: mount /proc proc proc nosuid,nodev,noexec\n"));
    assert!(out.contains("repair: keep /tmp: mode 0755 owner 0:0, the layout says 1777 0:0\n"));
    assert_eq!(f("check2_rc"), "1");
    assert!(out.contains("drift2: /tmp: mode 0755, layout says 1777\n"));
    assert!(!out.contains("drift2: /proc"));
    assert_eq!(f("umount_rc"), "0", "{out}");
    assert_eq!(f("left"), "0");
    assert!(out.contains("again: pkg01: nothing mounted on or below"));
    assert_eq!(f("mount_rc"), "0", "{out}");
    assert_eq!(f("mount_made_files"), "0");
    assert_eq!(f("check3_rc"), "0");
    assert_eq!(f("busy_rc"), "1", "{out}");
    assert!(out.contains("busy: busy /\n"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("busy: busy pid ") && l.contains("(sleep) has its cwd in")),
        "{out}"
    );
    assert!(out.contains("mount(s) still busy (--lazy detaches them)"));
    assert_eq!(f("busy_left"), "1", "only the root itself stays: {out}");
    assert_eq!(f("lazy_rc"), "0");
    assert_eq!(f("lazy_left"), "0");
    assert_eq!(f("new_rc"), "1");
    assert!(f("new_err").contains("does not exist"), "{out}");
}

#[test]
fn dry_run_changes_nothing() {
    let out = run(r#"
r=$T/pkg01
cat /proc/self/mountinfo > $T/m0
mk -n pkg01 > $T/plan.out; echo "plan_rc=$?"
cat /proc/self/mountinfo > $T/m1
echo "plan_first=$(head -1 $T/plan.out)"
echo "plan_last=$(tail -1 $T/plan.out)"
grep -q '^mount /proc proc' $T/plan.out && echo plan_has_proc=yes
echo "exists=$(test -e $r && echo yes || echo no)"
cmp -s $T/m0 $T/m1 && echo same_mounts=yes
# on a built, tampered root
mk pkg01 >/dev/null
umount $r/proc; rm $r/etc/hosts
snap $r > $T/s1; cat /proc/self/mountinfo > $T/m2
mk --dry-run pkg01 > $T/plan2.out
mk -n --umount pkg01 > $T/plan3.out
mk -n --mount pkg01 > $T/plan4.out
snap $r > $T/s2; cat /proc/self/mountinfo > $T/m3
cmp -s $T/s1 $T/s2 && echo same_tree2=yes
cmp -s $T/m2 $T/m3 && echo same_mounts2=yes
sed 's/^/plan2: /' $T/plan2.out
echo "plan3_n=$(grep -c '^umount ' $T/plan3.out)"
echo "mounted_n=$(mounts_below $r | wc -l)"
sed 's/^/plan4: /' $T/plan4.out
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    assert_eq!(f("plan_rc"), "0");
    assert_eq!(f("plan_first"), "mkdir / 0755 0:0", "{out}");
    assert!(f("plan_last").ends_with("change(s) planned, none made (dry run)"));
    assert_eq!(f("plan_has_proc"), "yes");
    assert_eq!(f("exists"), "no");
    assert_eq!(f("same_mounts"), "yes");
    assert_eq!(f("same_tree2"), "yes", "{out}");
    assert_eq!(f("same_mounts2"), "yes");
    assert!(out.contains("plan2: symlink /etc/hosts -> /system/etc/hosts\n"));
    assert!(out.contains("plan2: mount /proc proc proc nosuid,nodev,noexec\n"));
    assert!(
        out.contains("plan2: pkg01: 2 change(s) planned, none made (dry run)\n"),
        "{out}"
    );
    assert_eq!(f("plan3_n"), f("mounted_n"), "{out}");
    assert!(out.contains("plan4: mount /proc proc"));
    assert!(
        !out.contains("plan4: symlink"),
        "--mount makes no files: {out}"
    );
}

#[test]
fn refuses_bad_names_symlinked_roots_and_non_root_callers() {
    let out = run(r#"
mkdir $T/x; cat /proc/self/mountinfo > $T/x/m0; ls -A $T > $T/x/l0
long=$(printf 'p%.0s' $(seq 10000))
set +e
for n in "" . .. / a/b ../x etc usr system proc "pkg 1" "$long" $'pkg\n' $'a\tb' -x; do
    mk -- "$n" > /dev/null 2> $T/x/err; rc=$?
    echo "refused rc=$rc len=${#n} err=$(head -c 200 $T/x/err)"
done
mk --check a/b 2>/dev/null; echo "check_rc=$?"
mk --umount .. 2>/dev/null; echo "umount_rc=$?"
cat /proc/self/mountinfo > $T/x/m1; ls -A $T > $T/x/l1
cmp -s $T/x/m0 $T/x/m1 && echo same_mounts=yes
cmp -s $T/x/l0 $T/x/l1 && echo same_dir=yes
# a root that is a symlink to the host's /etc is refused, /etc untouched
ln -s /etc $T/evil
mk evil > /dev/null 2> $T/err; echo "evil_rc=$? evil_err=$(cat $T/err)"
echo "evil_marker=$(test -e /etc/.pcue-package && echo yes || echo no)"
# a component inside the root that is a symlink stops mkpcue before any change
private_etc
mkdir -p $T/trap; ln -s /etc $T/trap/var
snap $T/trap > $T/t0
mk trap > /dev/null 2> $T/err; echo "trap_rc=$?"
echo "trap_err=$(tr '\n' '|' < $T/err)"
snap $T/trap > $T/t1
cmp -s $T/t0 $T/t1 && echo trap_same=yes
echo "trap_etc=$(ls /etc/log /etc/spool 2>&1 | grep -c 'No such')"
echo "trap_mounts=$(mounts_below $T/trap | wc -l)"
# not root
chmod 755 $T
as_user "$PCUE" mkpcue pkg01 2> $T/err; echo "user_rc=$? user_err=$(cat $T/err)"
echo "user_made=$(test -e $T/pkg01 && echo yes || echo no)"
# installed setuid-root: mkpcue drops to the caller first, so still refused
# (the overlaid /etc/cmcluster.conf keeps even a broken run inside $T)
setuid_copy
mkdir -p $T/suid $T/hostile
echo "PCUE_ROOT_PREFIX=$T/suid" > /etc/cmcluster.conf
as_user env PCUE_ROOT_PREFIX=$T/hostile "$T/bin/mkpcue" pkg01 2> $T/err; echo "suid_rc=$? suid_err=$(cat $T/err)"
echo "suid_made=$(ls -A $T/suid $T/hostile | grep -c pkg01)"
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    let refused: Vec<&str> = out.lines().filter(|l| l.starts_with("refused ")).collect();
    assert_eq!(refused.len(), 15, "{out}");
    for l in refused {
        assert!(l.starts_with("refused rc=2 "), "{l}");
        assert!(l.contains("err=mkpcue: invalid package name '"), "{l}");
        assert!(l.contains("': "), "name and reason on one line: {l}");
    }
    assert_eq!(f("check_rc"), "2");
    assert_eq!(f("umount_rc"), "2");
    assert_eq!(f("same_mounts"), "yes");
    assert_eq!(f("same_dir"), "yes");
    assert!(
        out.contains("evil_rc=1 evil_err=mkpcue: refusing package root '"),
        "{out}"
    );
    assert!(out.contains("': it is a symlink"));
    assert_eq!(f("evil_marker"), "no");
    assert_eq!(f("trap_rc"), "1", "{out}");
    assert!(
        f("trap_err").contains("mkpcue: trap: /var is a symlink, not a directory|"),
        "{out}"
    );
    assert!(f("trap_err").contains("nothing was changed"), "{out}");
    assert_eq!(f("trap_same"), "yes");
    assert_eq!(f("trap_etc"), "2");
    assert_eq!(f("trap_mounts"), "0");
    assert_eq!(
        f("user_rc"),
        "1 user_err=mkpcue: must be run by root (real and effective uid 0)"
    );
    assert_eq!(f("user_made"), "no");
    assert_eq!(
        f("suid_rc"),
        "1 suid_err=mkpcue: must be run by root (real and effective uid 0)"
    );
    assert_eq!(f("suid_made"), "0");
}

#[test]
fn pre_existing_files_are_kept_untouched() {
    let out = run(r#"
r=$T/pkg01
mkdir -p $r/etc $r/tmp $r/home/app $r/var/log
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:2000:2000:App:/home/app:/bin/sh\n' > $r/etc/passwd
chmod 600 $r/etc/passwd
printf '10.0.0.1 db\n' > $r/etc/hosts
printf 'data\n' > $r/home/app/state; chown 2000:2000 $r/home/app/state
printf 'old\n' > $r/var/log/wtmp; chmod 644 $r/var/log/wtmp
ln -s /nowhere $r/etc/resolv.conf
chmod 700 $r/tmp
snap $r > $T/before; sums $r > $T/hbefore
mk pkg01 > $T/out; echo "rc=$?"
sed 's/^/out: /' $T/out
# every entry that was there is there, the same, with the same content
snap $r | grep -Fx -f $T/before > $T/after
sums $r | grep -Fx -f $T/hbefore > $T/hafter
cmp -s $T/before $T/after && echo tree_kept=yes
cmp -s $T/hbefore $T/hafter && echo content_kept=yes
echo "app=$(grep -c '^app:' $r/etc/passwd)"
mk --check pkg01 | sed 's/^/check: /' || true
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    assert_eq!(f("rc"), "0", "{out}");
    assert_eq!(f("tree_kept"), "yes", "{out}");
    assert_eq!(f("content_kept"), "yes", "{out}");
    assert_eq!(f("app"), "1");
    for want in [
        "out: keep /etc/passwd: exists, differs from the layout",
        "out: keep /etc/hosts: a regular file",
        "out: keep /etc/resolv.conf: a symlink to /nowhere",
        "out: keep /var/log/wtmp: exists, differs from the layout",
        "out: keep /tmp: mode 0700 owner 0:0, the layout says 1777 0:0",
        "out: write /etc/group 0644 0:0",
        "check: /etc/hosts: is a regular file, layout says a symlink",
        "check: /etc/passwd: mode 0600, layout says 0644",
    ] {
        assert!(out.lines().any(|l| l.starts_with(want)), "{want}\n{out}");
    }
    assert!(!out.contains("out: write /etc/passwd"));
}

#[test]
fn kill_9_in_the_middle_then_a_second_run_completes() {
    require("strace");
    // SIGKILL delivered by strace at the Nth call of one system call: in the
    // middle of mounting, of writing files, of renaming new entries.
    let out = run(r#"
set +e
i=0
for spec in mount:1 mount:4 mount:9 linkat:2 linkat:5 mkdirat:1 mkdirat:12 symlinkat:3 symlinkat:20 renameat2:1 mknodat:1; do
    i=$((i + 1)); sc=${spec%:*}; n=${spec#*:}
    strace -f -qq -o /dev/null -e trace=$sc -e inject=$sc:signal=SIGKILL:when=$n \
        "$PCUE" mkpcue pkg$i > $T/o$i 2>&1
    killed=$(tail -1 $T/o$i | grep -c 'change(s) made')
    started=$(grep -c '^mkdir / 0755' $T/o$i); done_steps=$(grep -vc '^strace\|^+++' $T/o$i)
    mk --check pkg$i > /dev/null 2>&1; partial=$?
    mk pkg$i > /dev/null 2> $T/e$i; second=$?
    mk --check pkg$i > $T/c$i 2>&1; check=$?
    mk pkg$i > $T/t$i 2>&1; third=$(grep -c 'nothing to do' $T/t$i)
    echo "run $spec steps=$done_steps started=$started finished=$killed partial_rc=$partial second_rc=$second check_rc=$check third_noop=$third"
    [ $check = 0 ] || sed "s/^/$spec: /" $T/c$i $T/e$i
done
"#);
    let runs: Vec<&str> = out.lines().filter(|l| l.starts_with("run ")).collect();
    assert_eq!(runs.len(), 11, "{out}");
    for l in runs {
        assert!(
            l.ends_with("started=1 finished=0 partial_rc=1 second_rc=0 check_rc=0 third_noop=1"),
            "{l}\n{out}"
        );
    }
}

#[test]
fn a_failing_step_is_named_with_the_mounts_made_before_it() {
    let out = run(r#"
set +e
cat > $T/bad.layout <<'EOF'
root
dir a 0755
mount a tmpfs pcue-a mode=0755
dir b 0700
mount b nosuchfs none defaults
file c 0644 empty
EOF
mk -f $T/bad.layout pkgf > $T/out 2> $T/err; echo "rc=$?"
sed 's/^/out: /' $T/out; sed 's/^/err: /' $T/err
echo "c=$(test -e $T/pkgf/c && echo yes || echo no)"
# the layout format: errors name the line; the built-in layout prints
printf 'root\ndir etc 0755\nfile etc/x 0644 nonsense\n' > $T/worse.layout
mk -f $T/worse.layout pkgw 2> $T/err; echo "worse_rc=$? worse_err=$(cat $T/err)"
mk --print-layout > $T/printed
mk --print-layout -f $T/bad.layout | cmp -s - $T/bad.layout && echo print_f=yes
grep -c '^bind    usr          /usr        ro$' $T/printed | sed 's/^/printed_usr=/'
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    assert_eq!(f("rc"), "1", "{out}");
    assert!(out.contains("out: bind / onto itself (private)\n"), "{out}");
    assert!(out.contains("out: mount /a tmpfs pcue-a mode=0755\n"));
    assert!(
        out.contains("err: mkpcue: pkgf: mounts made by this run, left in place: / /a\n"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| {
            l.starts_with(
            "err: mkpcue: pkgf: step 6 of 7 (mount /b nosuchfs none defaults) failed: can't mount '"
        ) && l.ends_with("/pkgf/b': No such device")
        }),
        "{out}"
    );
    assert_eq!(f("c"), "no");
    assert!(
        f("worse_rc").starts_with("1 worse_err=mkpcue: /")
            && f("worse_rc").ends_with("/worse.layout: line 3: unknown content 'nonsense'"),
        "{out}"
    );
    assert_eq!(f("print_f"), "yes");
    assert_eq!(f("printed_usr"), "1");
}

#[test]
fn a_real_program_runs_inside_as_an_unprivileged_user() {
    let out = run(r#"
mkpcue_root pkg01
r=$T/pkg01
chmod 755 $T
chroot --userspec=$TUID:$TGID $r /bin/sh -c 'ls -l /etc/passwd; id; cat /etc/hosts' > $T/in.out
sed 's/^/in: /' $T/in.out
tail -n +3 $T/in.out | cmp -s - /etc/hosts && echo hosts_same=yes
echo "pkg=$(chroot --userspec=$TUID:$TGID $r /corp/bin/getcpkg)"
echo "pkg_pcue=$(chroot --userspec=$TUID:$TGID $r /corp/bin/pcue getcpkg)"
echo "whoami=$(chroot --userspec=$TUID:$TGID $r /usr/bin/whoami)"
echo "urandom=$(chroot --userspec=$TUID:$TGID $r /bin/sh -c 'head -c 4 /dev/urandom | wc -c')"
echo "proc=$(chroot --userspec=$TUID:$TGID $r /bin/sh -c 'cat /proc/self/status | grep -c ^Uid:')"
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    let inside: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("in: ")).collect();
    assert!(
        inside[0].starts_with("-rw-r--r-- 1 root root ") && inside[0].ends_with(" /etc/passwd"),
        "{out}"
    );
    assert_eq!(
        inside[1], "uid=4242(user) gid=4242(user) groups=4242(user)",
        "names come from the package's own passwd and group: {out}"
    );
    assert_eq!(f("hosts_same"), "yes", "{out}");
    assert_eq!(f("pkg"), "pkg01");
    assert_eq!(f("pkg_pcue"), "pkg01");
    assert_eq!(f("whoami"), "user");
    assert_eq!(f("urandom"), "4");
    assert_eq!(f("proc"), "1");
}

/// A root that execsh and pkgnet would refuse (here: a directory above it
/// belongs to a user, who could swap the root out) is still built, with a
/// warning naming the reason, and `--check` counts it as drift.
#[test]
fn a_root_that_execsh_would_refuse_is_reported() {
    let out = run(r#"
mkdir -p "$T/udir/sg"
chown 4242:4242 "$T/udir"
export PCUE_ROOT_PREFIX="$T/udir"
mk pkg05 > /dev/null 2> "$T/err"; echo "rc=$?"
echo "warn=$(grep -c "warning: pkg05: execsh and pkgnet will refuse this root: '$T/udir' above the package root is owned by uid 4242, not root" "$T/err")"
c=0; mk --check pkg05 > "$T/check" || c=$?; echo "check_rc=$c"
echo "check=$(grep -c "execsh and pkgnet would refuse this root" "$T/check")"
chown 0:0 "$T/udir"
mk pkg05 > /dev/null 2> "$T/err2"; echo "clean_rc=$? $(wc -c < "$T/err2")"
c=0; mk --check pkg05 > /dev/null || c=$?; echo "clean_check=$c"
"#);
    assert_eq!(field(&out, "rc"), Some("0"), "{out}");
    assert_eq!(field(&out, "warn"), Some("1"), "{out}");
    assert_eq!(field(&out, "check_rc"), Some("1"), "{out}");
    assert_eq!(field(&out, "check"), Some("1"), "{out}");
    assert_eq!(
        field(&out, "clean_rc"),
        Some("0 0"),
        "no warning once root owns it: {out}"
    );
    assert_eq!(field(&out, "clean_check"), Some("0"), "{out}");
}

/// The node's /dev is bound into the package (at /system/dev) for its log
/// socket, and only for that: its device files do not open there (nodev),
/// even for root in the package, while the package's own /dev/null works
/// and syslog through /dev/log -> /system/dev/log still arrives.
#[test]
fn the_nodes_devices_do_not_open_through_system_dev() {
    require("socat");
    let out = run(r#"
private_dev
mknod -m 666 /dev/pcue-nodev c 1 3
mkpcue_root pkg01
r=$T/pkg01
echo "opts=$(findmnt -no OPTIONS $r/system/dev | tr , '\n' | grep -x -e ro -e nodev | sort | tr '\n' ' ')"
chroot $r /bin/sh -c 'echo x > /system/dev/pcue-nodev' 2> $T/err && echo "node_dev=opened"
grep -q 'Permission denied' $T/err && echo "node_dev=refused"
chroot --userspec=$TUID:$TGID $r /bin/sh -c 'echo x > /dev/null' && echo "own_null=ok"
chroot --userspec=$TUID:$TGID $r /usr/bin/logger -t pcue-nodev "hello from pkg01"
wait_until 5 "grep -q 'hello from pkg01' $T/syslog" && echo "syslog=arrived"
mk --check pkg01 > $T/check.out; echo "check_rc=$?"
"#);
    let f = |k| field(&out, k).unwrap_or("<missing>");
    assert_eq!(f("opts"), "nodev ro ", "{out}");
    assert_eq!(f("node_dev"), "refused", "{out}");
    assert_eq!(f("own_null"), "ok", "{out}");
    assert_eq!(f("syslog"), "arrived", "{out}");
    assert_eq!(f("check_rc"), "0", "{out}");
}
