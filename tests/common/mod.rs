//! Shared by the integration tests: where the binary is, and a sandbox in
//! private mount, network and pid namespaces for the privileged ones.

// test code: its helpers may unwrap and expect too (Cargo.toml [lints])
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test: `PCUE_BIN` (make test points it at the static
/// build), else the one cargo built.
pub fn bin() -> PathBuf {
    match std::env::var_os("PCUE_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_BIN_EXE_pcue")),
    }
}

/// A private scratch directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("pcue-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory holding symlinks named after every applet, pointing at the
/// binary: running through them exercises argv[0] dispatch.
pub fn applet_dir(t: &TempDir) -> PathBuf {
    let d = t.path().join("bin");
    std::fs::create_dir_all(&d).unwrap();
    for line in std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("symlinks.txt"))
        .unwrap()
        .lines()
    {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let _ = std::os::unix::fs::symlink(bin(), d.join(line));
    }
    d
}

/// Run an applet by its symlink name with a clean environment plus `env`.
pub fn applet(t: &TempDir, name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(applet_dir(t).join(name));
    c.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run applet")
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Fail (not skip) when a privileged test runs without root: CI is root.
pub fn require_root() {
    assert!(
        is_root(),
        "this test needs root (it builds private namespaces); run it as root"
    );
}

/// Fail when a command the test needs is missing: `make test` installs it.
pub fn require(cmd: &str) {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "this test needs '{cmd}'; `make deps` installs it");
}

/// Run `script` under bash inside fresh mount (private propagation), network
/// and pid namespaces, with tests/lib.sh sourced, `$PCUE` the binary and `$T`
/// a tmpfs scratch directory. Everything it mounts or configures vanishes
/// with the namespaces.
pub fn sandbox(script: &str) -> Output {
    require_root();
    require("unshare");
    let t = TempDir::new("sb");
    // cgroups are the node's, not the namespace's: every package started
    // in the sandbox gets its cgroup under a prefix of this run's own
    // (src/cgroup, PCUE_CGROUP_PREFIX), removed below
    let cg_prefix = t
        .path()
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lib.sh");
    let full = format!(
        "mount -t tmpfs -o mode=755 pcue-test \"$T\"\n. {lib}\ncd \"$T\"\n{script}\n",
        lib = lib.display()
    );
    let out = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "--net",
            "--pid",
            "--fork",
            "--mount-proc",
            "--uts",
            "--ipc",
        ])
        .args(["timeout", "--kill-after=5", "300", "bash", "-c", &full])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("PCUE", bin())
        .env("T", t.path())
        .env("HOME", "/root")
        .env("PCUE_CGROUP_PREFIX", &cg_prefix)
        .stdin(Stdio::null())
        .output()
        .expect("run unshare");
    drop(t);
    remove_cgroups(&cg_prefix);
    out
}

/// Remove what a sandbox left under its cgroup prefix in every hierarchy
/// (its processes died with its pid namespace; a dying one may hold a
/// cgroup for a moment: bounded retries).
pub fn remove_cgroups(prefix: &str) {
    let Ok(hs) = std::fs::read_dir("/sys/fs/cgroup") else {
        return;
    };
    for h in hs.flatten() {
        let base = h.path().join(prefix);
        if !base.is_dir() {
            continue;
        }
        for _ in 0..100 {
            // the deepest first (a package's leaf in a scope)
            let mut subs = Vec::new();
            let mut todo = vec![base.clone()];
            while let Some(d) = todo.pop() {
                if let Ok(rd) = std::fs::read_dir(&d) {
                    for p in rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
                        todo.push(p.clone());
                        subs.push(p);
                    }
                }
            }
            for d in subs.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            if std::fs::remove_dir(&base).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// Run in the sandbox and require success; returns stdout.
pub fn sandbox_ok(script: &str) -> String {
    let out = sandbox(script);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "sandbox failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    stdout
}

/// The value of `KEY=value` lines a script printed.
pub fn field<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}
