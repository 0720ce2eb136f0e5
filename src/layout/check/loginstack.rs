//! A package's login stack, as `mkpcue --check` judges it: what login, sshd,
//! su and passwd read inside the package to let one of the package's own
//! users in. Pure: the caller says what a path inside the root holds (`read`)
//! and whether one exists (`exists`); paths are absolute, as the package
//! sees them.
//!
//! Reported, one line each: a service's PAM file missing (it would fall to
//! `/etc/pam.d/other`, which mkpcue's layout makes deny everything: the
//! login services always, a daemon's when the package holds the daemon), an
//! `@include` of a missing file, a module not found in the package's module
//! directories, an unknown line, a stack without the types its service
//! needs, `pam_limits` without `/etc/security/limits.conf` (every session
//! fails), no `/etc/shadow`, a `login.defs` whose `ENV_PATH` or
//! `ENV_SUPATH` lacks `/corp/bin` (a login's PATH would not find getcpkg),
//! and an sshd stack whose sessions get no PATH with `/corp/bin` from
//! pam_env (sshd sets a PATH of its own, without it).

/// The services a person logs in (or changes a password) through; `su-l`
/// is util-linux su's for `su -` and `su -l`.
pub const SERVICES: [(&str, &[&str]); 6] = [
    ("login", &["auth", "account", "session"]),
    ("sshd", &["auth", "account", "session"]),
    ("su", &["auth", "account", "session"]),
    ("su-l", &["auth", "account", "session"]),
    ("passwd", &["password"]),
    ("chpasswd", &["password"]),
];

/// Daemons that open PAM sessions for the package's users, by the program
/// that names the service: checked when the package holds the program.
pub const DAEMONS: [(&str, &str, &[&str]); 2] = [
    ("cron", "/usr/sbin/cron", &["account", "session"]),
    ("atd", "/usr/sbin/atd", &["account", "session"]),
];

/// Where Linux-PAM looks for a module named without a path.
pub fn module_dirs() -> Vec<String> {
    let triplet = format!("{}-linux-gnu", std::env::consts::ARCH);
    vec![
        format!("/usr/lib/{triplet}/security"),
        format!("/lib/{triplet}/security"),
        "/usr/lib64/security".into(),
        "/lib64/security".into(),
        "/usr/lib/security".into(),
        "/lib/security".into(),
    ]
}

const TYPES: [&str; 4] = ["auth", "account", "password", "session"];
/// Nested `@include`s followed at most this deep (a loop ends here).
const MAX_DEPTH: usize = 8;

/// What one walk over a service's stack found.
#[derive(Default)]
struct Walk {
    problems: Vec<String>,
    types: Vec<&'static str>,
    limits: bool,
    /// A session's pam_env gives PATH a /corp/bin.
    corp_path: bool,
    /// Files walked to their end for this service: one included again
    /// adds nothing new, so it is not walked again (a file that includes
    /// itself, or another, on many lines would otherwise cost
    /// lines^MAX_DEPTH walks).
    done: Vec<String>,
    /// `problems`, to report each once (a file walked again deeper down a
    /// loop of includes finds the same ones).
    seen: std::collections::HashSet<String>,
}

impl Walk {
    fn report(&mut self, problem: String) {
        if self.seen.insert(problem.clone()) {
            self.problems.push(problem);
        }
    }
}

/// One PAM line: its type (without a leading `-`), whether a missing
/// module is tolerated (`-type`), the module and its arguments. None for a
/// line that is not `TYPE CONTROL MODULE [ARGS]`.
fn parse_line(line: &str) -> Option<(&str, bool, &str, &str)> {
    let line = line.trim();
    let (typ, rest) = line.split_once(char::is_whitespace)?;
    let (typ, quiet) = match typ.strip_prefix('-') {
        Some(t) => (t, true),
        None => (typ, false),
    };
    let rest = rest.trim_start();
    // a control is a word, or [value=action ...] with blanks inside
    let after = if rest.starts_with('[') {
        &rest[rest.find(']')? + 1..]
    } else {
        rest.split_once(char::is_whitespace)?.1
    };
    let after = after.trim_start();
    let module = after.split_whitespace().next()?;
    Some((typ, quiet, module, after[module.len()..].trim()))
}

/// pam_env with these arguments sets a PATH holding /corp/bin: from its
/// env file (`envfile=`, default /etc/environment, unless `readenv=0`:
/// `PATH=...` lines) or its conf file (`conffile=`, default
/// /etc/security/pam_env.conf: `PATH DEFAULT=... OVERRIDE=...`).
fn pam_env_path_has_corp_bin(args: &str, read: &dyn Fn(&str) -> Option<String>) -> bool {
    let arg = |key: &str| {
        args.split_whitespace()
            .find_map(|a| a.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
    };
    let has = |v: &str| v.trim_matches('"').split(':').any(|d| d == "/corp/bin");
    let envfile = (arg("readenv") != Some("0"))
        .then(|| read(arg("envfile").unwrap_or("/etc/environment")))
        .flatten()
        .is_some_and(|t| {
            t.lines().any(|l| {
                let l = l.trim();
                let l = l.strip_prefix("export ").unwrap_or(l);
                l.strip_prefix("PATH=").is_some_and(has)
            })
        });
    let conffile = read(arg("conffile").unwrap_or("/etc/security/pam_env.conf")).is_some_and(|t| {
        t.lines().any(|l| {
            let mut w = l.split_whitespace();
            w.next() == Some("PATH")
                && w.any(|v| {
                    v.strip_prefix("DEFAULT=")
                        .or_else(|| v.strip_prefix("OVERRIDE="))
                        .is_some_and(has)
                })
        })
    });
    envfile || conffile
}

fn walk(
    file: &str,
    depth: usize,
    read: &dyn Fn(&str) -> Option<String>,
    exists: &dyn Fn(&str) -> bool,
    dirs: &[String],
    w: &mut Walk,
) {
    let path = format!("/etc/pam.d/{file}");
    let Some(text) = read(&path) else {
        return;
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(inc) = line.strip_prefix("@include") {
            let inc = inc.trim();
            if inc.is_empty() || inc.contains('/') {
                w.report(format!("{path}:{n}: bad @include '{inc}'"));
            } else if depth >= MAX_DEPTH {
                w.report(format!("{path}:{n}: @include nested too deep"));
            } else if w.done.iter().any(|d| d == inc) {
                // walked already: its problems and types are known
            } else if read(&format!("/etc/pam.d/{inc}")).is_none() {
                w.report(format!(
                    "{path}:{n}: includes /etc/pam.d/{inc}, which is missing"
                ));
            } else {
                walk(inc, depth + 1, read, exists, dirs, w);
            }
            continue;
        }
        let Some((typ, quiet, module, args)) = parse_line(line) else {
            w.report(format!("{path}:{n}: not a PAM line"));
            continue;
        };
        let Some(t) = TYPES.iter().find(|t| **t == typ) else {
            w.report(format!("{path}:{n}: unknown type '{typ}'"));
            continue;
        };
        if !w.types.contains(t) {
            w.types.push(t);
        }
        let found = if module.starts_with('/') {
            exists(module)
        } else {
            dirs.iter().any(|d| exists(&format!("{d}/{module}")))
        };
        if !found && !quiet {
            w.report(format!("{path}:{n}: module {module} not found"));
        }
        if module.rsplit('/').next() == Some("pam_limits.so") {
            w.limits = true;
        }
        if typ == "session" && module.rsplit('/').next() == Some("pam_env.so") {
            w.corp_path |= pam_env_path_has_corp_bin(args, read);
        }
    }
    if !w.done.iter().any(|d| d == file) {
        w.done.push(file.to_string());
    }
}

/// Every problem of the root's login stack; empty when a package user can
/// log in as far as the files tell.
pub fn check(read: &dyn Fn(&str) -> Option<String>, exists: &dyn Fn(&str) -> bool) -> Vec<String> {
    let dirs = module_dirs();
    let mut out = Vec::new();
    let mut limits_by = None;
    let daemons = DAEMONS
        .iter()
        .filter(|(_, program, _)| exists(program))
        .map(|(svc, _, needs)| (*svc, *needs));
    for (svc, needs) in SERVICES.into_iter().chain(daemons) {
        let path = format!("/etc/pam.d/{svc}");
        if read(&path).is_none() {
            out.push(format!("{path}: missing: {svc} falls to /etc/pam.d/other"));
            continue;
        }
        let mut w = Walk::default();
        walk(svc, 0, read, exists, &dirs, &mut w);
        for p in w.problems {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        let lacking: Vec<&str> = needs
            .iter()
            .copied()
            .filter(|t| !w.types.contains(t))
            .collect();
        if !lacking.is_empty() {
            out.push(format!("{path}: no {} lines", lacking.join("/")));
        }
        if svc == "sshd" && !w.corp_path {
            // sshd sets a PATH of its own, without /corp/bin
            out.push(format!(
                "{path}: no session pam_env gives PATH a /corp/bin (ssh ADDR getcpkg: not found)"
            ));
        }
        if w.limits && limits_by.is_none() {
            limits_by = Some(path);
        }
    }
    if let Some(by) = limits_by {
        if !exists("/etc/security/limits.conf") {
            out.push(format!(
                "/etc/security/limits.conf: missing; pam_limits ({by}) fails every session"
            ));
        }
    }
    if !exists("/etc/shadow") {
        out.push("/etc/shadow: missing; pam_unix knows no password".into());
    }
    match read("/etc/login.defs") {
        None => out.push("/etc/login.defs: missing; a login's PATH lacks /corp/bin".into()),
        Some(defs) => {
            for key in ["ENV_PATH", "ENV_SUPATH"] {
                if !path_has_corp_bin(&defs, key) {
                    out.push(format!("/etc/login.defs: {key} lacks /corp/bin"));
                }
            }
        }
    }
    out
}

/// `KEY PATH=a:b:c` (or `KEY a:b:c`) in login.defs lists /corp/bin.
fn path_has_corp_bin(defs: &str, key: &str) -> bool {
    defs.lines().any(|l| {
        let mut w = l.split_whitespace();
        w.next() == Some(key)
            && w.next().is_some_and(|v| {
                let v = v.strip_prefix("PATH=").unwrap_or(v);
                v.split(':').any(|d| d == "/corp/bin")
            })
    })
}

/// `target` (a symlink's) taken from directory `base`, both relative to
/// the root, as a path relative to the root: `..` stops at the root.
pub fn join_inside(base: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|c| !c.is_empty()).collect()
    };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const MODS: &str = "/usr/lib/x86_64-linux-gnu/security";

    fn world(files: &[(&str, &str)]) -> (HashMap<String, String>, Vec<String>) {
        let files: HashMap<String, String> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let dir = format!("/usr/lib/{}-linux-gnu/security", std::env::consts::ARCH);
        let mods = [
            "pam_unix.so",
            "pam_limits.so",
            "pam_env.so",
            "pam_rootok.so",
            "pam_nologin.so",
        ]
        .iter()
        .map(|m| format!("{dir}/{m}"))
        .collect();
        (files, mods)
    }

    fn run(files: &[(&str, &str)]) -> Vec<String> {
        let (files, mods) = world(files);
        check(&|p| files.get(p).cloned(), &|p| {
            files.contains_key(p) || mods.iter().any(|m| m == p)
        })
    }

    // the stacks mkpcue's default layout writes, reduced
    const GOOD: [(&str, &str); 13] = [
        ("/etc/pam.d/common-auth", "auth     required pam_unix.so\n"),
        ("/etc/pam.d/common-account", "account  required pam_unix.so\n"),
        ("/etc/pam.d/common-password", "password required pam_unix.so obscure sha512\n"),
        ("/etc/pam.d/common-session", "session  required pam_limits.so\nsession  required pam_unix.so\nsession  required pam_env.so readenv=1 envfile=/var/run/pkginit.env\nsession  optional pam_env.so readenv=1 envfile=/etc/security/path.env\n"),
        ("/etc/security/path.env", "# users\nPATH=/usr/bin:/bin:/corp/bin\n"),
        ("/etc/pam.d/login", "# login\nauth     requisite pam_nologin.so\n@include common-auth\n@include common-account\n@include common-session\n@include common-password\n"),
        ("/etc/pam.d/sshd", "@include common-auth\naccount  required pam_nologin.so\n@include common-account\n@include common-session\n"),
        ("/etc/pam.d/su", "auth     sufficient pam_rootok.so\n@include common-auth\n@include common-account\n@include common-session\n"),
        ("/etc/pam.d/su-l", "@include su\n"),
        ("/etc/pam.d/passwd", "@include common-password\n"),
        ("/etc/pam.d/chpasswd", "@include common-password\n"),
        ("/etc/login.defs", "ENV_SUPATH      PATH=/usr/sbin:/usr/bin:/corp/bin\nENV_PATH        PATH=/usr/bin:/bin:/corp/bin\n"),
        ("/etc/security/limits.conf", "# none\n"),
    ];

    fn with(changes: &[(&str, Option<&str>)]) -> Vec<String> {
        let mut files: Vec<(&str, &str)> = GOOD.to_vec();
        files.push(("/etc/shadow", "root:*:19000:0:99999:7:::\n"));
        for (p, t) in changes {
            files.retain(|(q, _)| q != p);
            if let Some(t) = t {
                files.push((p, t));
            }
        }
        run(&files)
    }

    #[test]
    fn the_default_stack_is_clean() {
        assert_eq!(with(&[]), Vec::<String>::new());
        assert!(MODS.ends_with("/security"));
    }

    #[test]
    fn the_old_layout_has_no_login_stack() {
        // pam.d/cron and a deny-all other, as before issue 12
        let got = run(&[
            ("/etc/pam.d/cron", "auth required pam_unix.so\n"),
            ("/etc/pam.d/other", "auth required pam_deny.so\n"),
        ]);
        assert_eq!(
            got,
            [
                "/etc/pam.d/login: missing: login falls to /etc/pam.d/other",
                "/etc/pam.d/sshd: missing: sshd falls to /etc/pam.d/other",
                "/etc/pam.d/su: missing: su falls to /etc/pam.d/other",
                "/etc/pam.d/su-l: missing: su-l falls to /etc/pam.d/other",
                "/etc/pam.d/passwd: missing: passwd falls to /etc/pam.d/other",
                "/etc/pam.d/chpasswd: missing: chpasswd falls to /etc/pam.d/other",
                "/etc/shadow: missing; pam_unix knows no password",
                "/etc/login.defs: missing; a login's PATH lacks /corp/bin",
            ]
        );
    }

    #[test]
    fn broken_pieces_are_named() {
        let got = with(&[
            ("/etc/pam.d/common-auth", None),
            ("/etc/pam.d/su", Some("auth [success=1 default=ignore] pam_nosuch.so\n-session optional pam_systemd.so\nsession required pam_unix.so\naccount required\nfrob x y\n")),
            ("/etc/security/limits.conf", None),
            ("/etc/login.defs", Some("ENV_PATH PATH=/usr/bin:/bin\nENV_SUPATH /sbin:/corp/bin\n")),
        ]);
        assert_eq!(
            got,
            [
                "/etc/pam.d/login:3: includes /etc/pam.d/common-auth, which is missing",
                "/etc/pam.d/sshd:1: includes /etc/pam.d/common-auth, which is missing",
                "/etc/pam.d/sshd: no auth lines",
                "/etc/pam.d/su:1: module pam_nosuch.so not found",
                "/etc/pam.d/su:4: not a PAM line",
                "/etc/pam.d/su:5: unknown type 'frob'",
                "/etc/pam.d/su: no account lines",
                "/etc/pam.d/su-l: no account lines",
                "/etc/security/limits.conf: missing; pam_limits (/etc/pam.d/login) fails every session",
                "/etc/login.defs: ENV_PATH lacks /corp/bin",
            ]
        );
    }

    /// `su -` inside every package was denied: the layout had no su-l,
    /// and --check said nothing (issue 21, item 13). A daemon's stack is
    /// asked for when the package holds the daemon.
    #[test]
    fn su_l_and_the_daemons_falling_to_other_are_named() {
        let got = with(&[("/etc/pam.d/su-l", None)]);
        assert_eq!(
            got,
            ["/etc/pam.d/su-l: missing: su-l falls to /etc/pam.d/other"]
        );
        let mut files: Vec<(&str, &str)> = GOOD.to_vec();
        files.push(("/etc/shadow", ""));
        files.push(("/usr/sbin/cron", ""));
        assert_eq!(
            run(&files),
            ["/etc/pam.d/cron: missing: cron falls to /etc/pam.d/other"]
        );
        files.push((
            "/etc/pam.d/cron",
            "account required pam_unix.so\nsession required pam_unix.so\n",
        ));
        assert_eq!(run(&files), Vec::<String>::new());
    }

    /// A stock sshd_config gives logins sshd's own PATH: only the package's
    /// pam_env puts /corp/bin on it (issue 21, item 16), from an env file
    /// or pam_env.conf; a stack without one is named.
    #[test]
    fn sshd_without_a_corp_bin_path_is_named() {
        let want = ["/etc/pam.d/sshd: no session pam_env gives PATH a /corp/bin (ssh ADDR getcpkg: not found)"];
        assert_eq!(with(&[("/etc/security/path.env", None)]), want);
        assert_eq!(
            with(&[("/etc/security/path.env", Some("PATH=/usr/bin:/bin\n"))]),
            want
        );
        assert_eq!(
            with(&[
                ("/etc/security/path.env", None),
                (
                    "/etc/security/pam_env.conf",
                    Some("PATH DEFAULT=/usr/bin:/corp/bin\n")
                ),
            ]),
            Vec::<String>::new()
        );
        let export = |p: &str| {
            (p == "/etc/environment").then(|| "export PATH=\"/bin:/corp/bin\"\n".to_string())
        };
        assert!(pam_env_path_has_corp_bin("", &export));
        let plain = |p: &str| (p == "/etc/environment").then(|| "PATH=/corp/bin\n".to_string());
        assert!(!pam_env_path_has_corp_bin("readenv=0", &plain));
    }

    #[test]
    fn links_stay_inside() {
        assert_eq!(join_inside("var", "../run/x"), "run/x");
        assert_eq!(join_inside("etc", "/system/etc/hosts"), "system/etc/hosts");
        assert_eq!(join_inside("", "../../../etc/shadow"), "etc/shadow");
        assert_eq!(join_inside("", "usr/lib"), "usr/lib");
    }

    /// A file that includes itself (or another) on many lines is walked
    /// once, not lines^depth times: mkpcue --check hung on twelve such lines.
    #[test]
    fn repeated_includes_are_walked_once() {
        let many = "@include loop\n".repeat(12) + "auth required pam_unix.so\n";
        let (mut files, mods) = world(&GOOD);
        files.insert("/etc/shadow".into(), String::new());
        files.insert("/etc/pam.d/loop".into(), many);
        files.insert(
            "/etc/pam.d/su".into(),
            "@include loop\n@include loop\n@include common-account\n@include common-session\n"
                .into(),
        );
        let reads = std::cell::Cell::new(0usize);
        let got = check(
            &|p| {
                reads.set(reads.get() + 1);
                assert!(reads.get() < 10_000, "read {p} too often");
                files.get(p).cloned()
            },
            &|p| files.contains_key(p) || mods.iter().any(|m| m == p),
        );
        let want: Vec<String> = (1..=12)
            .map(|n| format!("/etc/pam.d/loop:{n}: @include nested too deep"))
            .collect();
        assert_eq!(got, want, "the loop is still reported, each line once");
        assert!(reads.get() < 200, "{} reads", reads.get());
    }

    #[test]
    fn include_loops_end() {
        let got = with(&[("/etc/pam.d/passwd", Some("@include passwd\n"))]);
        assert!(got.iter().any(|p| p.contains("nested too deep")), "{got:?}");
    }
}
