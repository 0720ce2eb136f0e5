//! execsh — enter a package as the calling user.

use crate::error::{Error, Result};
use crate::package::enter::{self, Target};
use crate::package::identity::{self, Lookup};
use crate::passwd::{self, Group, Passwd};
use crate::session::{self, Plan, Way, Who};
use crate::sys::syslog::{self, Facility};
use crate::sys::{self, fs as sysfs, ids, process, pty, signals, tty};
use crate::utmp::{self, Utmp};
use std::ffi::{CString, OsStr, OsString};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub const HELP: &str = "\
NAME
    execsh - enter a package as the calling user
SYNOPSIS
    execsh [-u USER] [pkg [program [args...]]]
DESCRIPTION
    Run a shell, or program, inside package pkg as the calling user. The
    binary is installed setuid-root; execsh keeps root only to change its
    root directory, write utmp/wtmp and hand the terminal over, and the
    process that runs the program has none of it. With no pkg, the package
    is the one getcpkg(8) names for this session.
    The steps:
    1. The package name is checked and looked up in the registry (the
       Serviceguard files under SGCONF, then the Pacemaker CIB; cmviewcl
       and crm_mon are not run).
    2. The root is opened from / one component at a time without following
       symbolic links. Each directory above it must belong to root and be
       writable by nobody else (a sticky directory such as /tmp is allowed);
       the root itself must belong to root, not be writable by group or
       others and be a mount point. The package must be running: its
       pkginit, started on this node by pkginit -p (a world of its own:
       pid, mount, IPC and UTS namespaces), is found through
       /run/pkginit/pkg.pid and checked (pid 1 of its own pid namespace,
       this very root as its root). A package that is not running is
       refused (package 'pkg' is not running), but to the real root, who
       gets its plain root, for maintenance (logged to LOG_AUTH). Before
       the chroot, still root, execsh joins the package's cgroup (the one
       /run/pcue/cgroup/PKG records, see mkpcue(8) --cgroup), so the
       session counts against the package's limits; a record that is not
       root's, is open to others or names anything but a cgroup of the
       package refuses the entry. Then chroot to it: the parent reads the
       package's files from there.
    3. The caller is looked up by real uid in the package's own /etc/passwd
       (no NSS). A caller without an account there is refused.
    4. If standard input is a terminal the caller owns, the session is
       interactive and gets a terminal of the package: a new pty of the
       package's own devpts (its /dev/ptmx), owned by the user, group tty
       of the package's /etc/group (else the user's group), mode 0620,
       with the caller's terminal settings and window size. A
       USER_PROCESS record naming that pty goes to the package's /run/utmp
       (or /var/run/utmp) and to /var/log/wtmp, in glibc's format and under
       an fcntl lock. A file that does not exist is not created. Its host
       is the client's address when the session came over the network: the
       connection held by a parent process that runs as root (sshd,
       telnetd); never a socket of the caller's own, nor SSH_CONNECTION,
       which the caller can set.
    5. The caller's terminal is put in raw mode and relayed to the
       package's pty, as su --pty and zlogin do: inside, tty, who am i,
       write and mesg work on a device of the package, and line editing,
       job control (^Z, fg) and ^C belong to the package's terminal. A
       window size change of the caller's terminal (SIGWINCH) is passed
       on. Without a devpts in the package (/dev/ptmx missing) the session
       runs on the caller's terminal, given to the user for the session.
    6. Before the fork, the parent joins the package's cgroup (when there
       is one) and its pid namespace, so that the child is a process of
       the package. The child joins the package's mount, IPC and UTS
       namespaces (its /, its /proc, its host name), drops the capability
       bounding set to the package's (see the README, Isolation), takes the
       supplementary groups of the package's /etc/group, the gid and the
       uid, in that order, and checks that root cannot be regained; it
       changes to the home directory of the package passwd entry (/ with
       a warning when that fails) and executes the program,
       or the shell: SHELL when it names an executable file in the
       package, else the passwd shell, else /bin/sh. The shell is a login
       shell (argv[0] -sh style).
    7. The parent is root in its real and saved uid too, from before the
       utmp record is written (as login and su keep theirs): the caller
       cannot signal it, so no kill of theirs leaves a login without its
       logout or the terminal lent. It ignores SIGINT and SIGQUIT, passes SIGHUP
       and SIGTERM on to the child and relays until the child exits (what
       it wrote last is passed on) or the caller's terminal hangs up (then
       the package's pty is closed, which hangs up the session, and the
       child gets SIGHUP); then it marks the utmp entry DEAD_PROCESS,
       appends the logout to wtmp, gives the caller's terminal back its
       settings (and owner and mode, when it was lent), and exits with the
       child's status.
    The terminal's name (for utmp, and the log) comes from the device,
    not from a path: the entry of the node's /dev/pts or /dev that is the
    very device open on standard input. A terminal the node's /dev does
    not hold (a pty of a devpts a user mounted in a namespace of their
    own, whose pts/0 is not the node's pts/0) makes the session a
    non-interactive one: it can name no record.
    A non-interactive session (standard input not a terminal) writes no
    utmp; it forks too (only a child can be in the package's pid
    namespace), the child drops its ids and executes the program, and
    execsh waits and exits with its status. The program stays in the
    caller's session, like su(1) without --pty.
    The parent never joins the package's mount namespace: when the
    package stops, the kernel ends its processes, the parent writes the
    logout and exits, and nothing keeps the package's filesystems busy.
    Entering and refusals are logged to syslog, facility LOG_AUTH.
OPTIONS
    -u USER  Enter as USER of the package's /etc/passwd instead of the
        caller's uid. Only for the real root (cron, control scripts).
ENVIRONMENT
    The program gets a new environment: HOME, USER, LOGNAME and SHELL from
    the package passwd entry, ctxROOT=/pkg, and
    PATH=/usr/local/bin:/usr/bin:/bin:/corp/bin (for uid 0
    /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/corp/bin).
    Kept from the caller when their value is sane: TERM (letters, digits
    and . _ + -), LANG, LANGUAGE, LC_*, TZ, COLUMNS and LINES (digits).
    Everything else is dropped: LD_*, PCUE_*, IFS, ENV, BASH_ENV, PATH...
    SHELL is read to choose the shell, as described above. Running setuid,
    execsh ignores PCUE_SGCONF, PCUE_ROOT_PREFIX and PCUE_LOG: the registry
    comes from /etc/cmcluster.conf.
EXIT STATUS
    1    Refused (bad or unknown package, unsafe root, no account, -u by a
         non-root caller) or failed before the program ran.
    2    Bad arguments.
    126  The program could not be executed.
    127  The program was not found.
    Otherwise the program's status, or 128+signal when it was killed.
FILES
    /etc/cmcluster.conf, $SGCONF/<pkg>/, /var/lib/pacemaker/cib/cib.xml,
    /run/pcue/cib.xml, /run/pcue/cgroup/<pkg>
    In the package: /etc/passwd, /etc/group, /run/utmp or /var/run/utmp,
    /var/log/wtmp
SEE ALSO
    getcpkg(8), pkgnet(8), who(1), last(1)
";

/// PATH for the program.
const USER_PATH: &str = "/usr/local/bin:/usr/bin:/bin:/corp/bin";
const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/corp/bin";
const TTY_MODE: u32 = 0o620;

#[derive(Debug)]
struct Args {
    user: Option<String>,
    pkg: Option<String>,
    program: Option<OsString>,
    args: Vec<OsString>,
}

fn parse(argv: &[OsString]) -> Result<Args> {
    let mut user = None;
    let mut i = 0;
    while let Some(a) = argv.get(i) {
        let b = a.as_bytes();
        if b == b"--" {
            i += 1;
            break;
        }
        if b == b"-u" {
            let v = argv
                .get(i + 1)
                .ok_or_else(|| Error::usage("option -u needs a user name"))?;
            user = Some(utf8(v, "user name")?);
            i += 2;
        } else if let Some(v) = b.strip_prefix(b"-u") {
            user = Some(utf8(OsStr::from_bytes(v), "user name")?);
            i += 1;
        } else if b.len() > 1 && b[0] == b'-' {
            return Err(Error::usage(format!(
                "unknown option '{}'",
                a.to_string_lossy()
            )));
        } else {
            break;
        }
    }
    let pkg = argv.get(i).map(|p| utf8(p, "package name")).transpose()?;
    Ok(Args {
        user,
        pkg,
        program: argv.get(i + 1).cloned(),
        args: argv.get(i + 2..).unwrap_or(&[]).to_vec(),
    })
}

fn utf8(a: &OsStr, what: &str) -> Result<String> {
    a.to_str().map(str::to_string).ok_or_else(|| {
        Error::fail(format!(
            "invalid {what} '{}': not valid UTF-8",
            a.to_string_lossy()
        ))
    })
}

/// A refusal: logged to LOG_AUTH, returned as the error the caller sees.
fn refuse(uid: u32, pkg: &str, e: Error) -> Error {
    let pkg: String = pkg.chars().take(64).collect();
    syslog::send(
        Facility::Auth,
        log::Level::Warn,
        "execsh",
        &format!("refused uid {uid} entry to package '{pkg}': {}", e.msg),
    );
    e
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let ruid = ids::real_uid();
    syslog::open(Facility::Auth, "execsh");
    let a = parse(argv).map_err(|e| if e.usage { e } else { refuse(ruid, "", e) })?;
    let shown = a.pkg.clone().unwrap_or_default();
    if a.user.is_some() && ruid != 0 {
        return Err(refuse(ruid, &shown, Error::fail("-u is only for root")));
    }
    // 1. which package
    let cfg = enter::config();
    let name = match a.pkg.clone() {
        Some(p) => p,
        None => {
            let found = identity::current_package(Lookup::default(), &cfg)
                .map_err(|e| refuse(ruid, "", e))?;
            found.ok_or_else(|| {
                refuse(
                    ruid,
                    "",
                    Error::fail("no package given and this session belongs to none"),
                )
            })?
        }
    };
    let target = enter::lookup(&name, &cfg).map_err(|e| refuse(ruid, &name, e))?;
    // 2. the root, then chroot
    if ids::effective_uid() != 0 {
        return Err(refuse(
            ruid,
            &name,
            Error::fail("not running as root: install the binary setuid-root"),
        ));
    }
    let tty = tty::stdin_tty();
    // the remote end of the session, for utmp's host: a connection held by
    // a root-owned parent (sshd, telnetd), never one of the caller's own
    // processes or descriptors, nor SSH_CONNECTION: all of those the
    // caller could choose
    let remote = match tty {
        Some(_) => identity::from_root_parents().and_then(|c| c.ends.remote),
        None => None,
    };
    // 2. the root, checked; the running package's pkginit; then chroot
    // (the parent reads the package's accounts and writes its utmp there)
    let root_fd = enter::open_root(&target.root).map_err(|e| refuse(ruid, &name, e))?;
    let init = session::find(&target.name, root_fd.as_fd());
    let who = if ruid == 0 { Who::Root } else { Who::User };
    let way = session::way_in(&target.name, init, who).map_err(|e| refuse(ruid, &name, e))?;
    if matches!(way, Way::Chroot) {
        log::warn!("package '{name}' is not running: entering its plain root (root only)");
        syslog::send(
            Facility::Auth,
            log::Level::Warn,
            "execsh",
            &format!("root entered package '{name}', which is not running, in its plain root"),
        );
    }
    // step 2 of the entry path (session::Host::join_cgroup): the cgroup
    // join, as root, before the chroot (the node's cgroupfs is not in the
    // package root)
    session::join_cgroup(&target.name).map_err(|e| refuse(ruid, &name, e))?;
    enter::enter(&root_fd, &target).map_err(|e| refuse(ruid, &name, e))?;
    drop(root_fd);
    // 3. the account, from the package's own files
    let (users, groups) = accounts();
    let pw = match &a.user {
        Some(u) => passwd::by_name(&users, u).ok_or_else(|| {
            refuse(
                ruid,
                &name,
                Error::fail(format!("no user '{u}' in package '{name}'")),
            )
        })?,
        None => passwd::by_uid(&users, ruid).ok_or_else(|| {
            refuse(
                ruid,
                &name,
                Error::fail(format!("you have no account in package '{name}'")),
            )
        })?,
    }
    .clone();
    let gids = passwd::groups_of(&groups, &pw.name, pw.gid);
    let (path, argv0) = program(&a, &pw, &target)?;
    let shell = if a.program.is_some() {
        login_shell(&pw, &target, false)
    } else {
        path.clone()
    };
    let env = environment(&pw, &target, &shell);
    // 4.-5. interactive: a terminal the caller owns (root may use any)
    let tty = tty.filter(|(_, st)| ruid == 0 || st.uid == ruid);
    let line = tty.as_ref().map(|(p, _)| p.display().to_string());
    syslog::send(
        Facility::Auth,
        log::Level::Info,
        "execsh",
        &format!(
            "uid {ruid} entered package '{}' as {} on {} running {}",
            target.name,
            pw.name,
            line.as_deref().unwrap_or("no tty"),
            path.display()
        ),
    );
    let saved = signals::save_signals();
    let launch = Launch {
        pw: &pw,
        gids: &gids,
        path: &path,
        argv0: &argv0,
        args: &a.args,
        env: &env,
        saved: &saved,
    };
    let tty_gid = groups
        .iter()
        .find(|g| g.name == "tty")
        .map(|g| g.gid)
        .unwrap_or(pw.gid);
    let records = tty.is_some();
    let mut host = Steps {
        way: &way,
        launch: &launch,
        tty,
        remote,
        tty_gid,
        fsize: None,
        pty: None,
        sigs: None,
        raw: None,
        session: None,
        fg: None,
    };
    // from the login on, the session is the parent's to close: the caller
    // may no longer signal it (its real and saved uid become root, as login
    // and su keep theirs), so no kill can leave a login without its logout
    // or the terminal lent
    session::run(&mut host, Plan { records })
}

/// execsh's steps of [`session::run`]: the terminal (a pty of the
/// package's relayed to the caller's, else the caller's own lent), the
/// utmp records, the user's ids and the program.
struct Steps<'a> {
    way: &'a Way,
    launch: &'a Launch<'a>,
    /// The caller's terminal (an interactive session).
    tty: Option<(PathBuf, sysfs::Stat)>,
    remote: Option<std::net::IpAddr>,
    tty_gid: u32,
    fsize: Option<(u64, u64)>,
    pty: Option<pty::Pty>,
    sigs: Option<pty::RelaySignals>,
    raw: Option<pty::Saved>,
    session: Option<Session>,
    fg: Option<i32>,
}

impl session::Host for Steps<'_> {
    /// Taken before the chroot, in main: the node's cgroupfs is not in the
    /// package root.
    fn join_cgroup(&mut self) -> Result<()> {
        Ok(())
    }

    fn join_pid_ns(&mut self) -> Result<()> {
        session::join_pid_ns(self.way)
    }

    fn become_root(&mut self) -> Result<()> {
        Ok(ids::become_root()?)
    }

    fn login(&mut self) -> Result<()> {
        let Some((tty_path, _)) = &self.tty else {
            return Ok(());
        };
        self.fsize = process::lift_fsize();
        let pw = self.launch.pw;
        // a terminal of the package's own devpts, relayed to the caller's
        match pty::open_pty(pw.uid, self.tty_gid, TTY_MODE) {
            Ok(p) => {
                self.sigs = Some(pty::relay_signals()?);
                let session = Session::login(pw, &p.path.display().to_string(), self.remote);
                signals::parent_signals();
                match pty::raw_mode() {
                    Ok(r) => self.raw = Some(r),
                    Err(e) => {
                        session.logout(None);
                        return Err(e.into());
                    }
                }
                self.session = Some(session);
                self.pty = Some(p);
                return Ok(());
            }
            Err(e) => log::warn!("{e}; the session runs on the caller's terminal"),
        }
        self.session = Some(Session::login(
            pw,
            &tty_path.display().to_string(),
            self.remote,
        ));
        if let Err(e) = tty::set_tty(pw.uid, self.tty_gid, TTY_MODE) {
            log::warn!("{e}");
        }
        self.fg = tty::foreground();
        signals::parent_signals();
        Ok(())
    }

    fn spawn(&mut self, child: fn(&mut Self) -> i32) -> Result<i32> {
        session::spawn_exec(self, "execsh", child)
    }

    fn join_rest(&mut self) -> Result<()> {
        session::join_rest(self.way)?;
        process::restore_fsize(self.fsize);
        if let Some(p) = &self.pty {
            pty::attach(&p.path)?;
        }
        Ok(())
    }

    fn drop_ids(&mut self) -> Result<()> {
        self.launch.ids()
    }

    fn exec(&mut self) -> Error {
        self.launch.exec()
    }

    fn wait(&mut self, child: i32) -> Result<process::Exit> {
        if self.tty.is_none() {
            signals::parent_signals();
        }
        signals::set_child(child);
        // utmp names the session by the pid the package sees (who(1)
        // inside drops a record whose process it cannot find): the
        // child's, in the package's pid namespace
        if let Some(s) = self.session.as_mut() {
            if let Some(p) = session::pid_inside(child) {
                s.moved_to(p);
            }
        }
        let status = match (self.pty.take(), self.sigs.take()) {
            (Some(p), Some(sigs)) => pty::relay(p, sigs, child),
            _ => process::wait_child(child),
        };
        if let Some(r) = self.raw.take() {
            r.restore();
        }
        if let Some(pg) = self.fg.take() {
            tty::set_foreground(pg);
        }
        Ok(status?)
    }

    fn logout(&mut self, how: Option<process::Exit>) {
        if let Some(r) = self.raw.take() {
            r.restore();
        }
        if let Some(s) = self.session.take() {
            s.logout(how);
        }
        if let (Some((_, st)), None) = (&self.tty, &self.pty) {
            if let Err(e) = tty::set_tty(st.uid, st.gid, st.mode) {
                log::warn!("{e}");
            }
        }
    }
}

fn accounts() -> (Vec<Passwd>, Vec<Group>) {
    // lossy: a Latin-1 GECOS spoils its own field, not the file
    let read = |p: &str| sys::fs::read_text(Path::new(p)).unwrap_or_default();
    let (users, d1) = passwd::parse_passwd(&read("/etc/passwd"));
    let (groups, d2) = passwd::parse_group(&read("/etc/group"));
    for (n, m) in d1 {
        log::debug!("/etc/passwd:{n}: {m}");
    }
    for (n, m) in d2 {
        log::debug!("/etc/group:{n}: {m}");
    }
    (users, groups)
}

/// An executable file the *caller* may reach: access(2) checks with the real
/// ids, so a user cannot learn, through execsh running as root, what lies in
/// directories closed to them (a hidden file and an absent one look alike).
fn is_exec_file(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let reachable = sysfs::access_x(p);
    reachable
        && std::fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
}

/// The program to run (inside the package) and its argv[0].
fn program(a: &Args, pw: &Passwd, t: &Target) -> Result<(PathBuf, OsString)> {
    if let Some(p) = &a.program {
        let pb = PathBuf::from(p);
        if p.as_bytes().contains(&b'/') {
            return Ok((pb, p.clone()));
        }
        let search = if pw.uid == 0 { ROOT_PATH } else { USER_PATH };
        let found = search
            .split(':')
            .map(|d| Path::new(d).join(p))
            .find(|c| is_exec_file(c));
        return match found {
            Some(f) => Ok((f, p.clone())),
            None => Err(Error::new(
                crate::error::code::NOT_FOUND,
                format!(
                    "can't execute '{}': not found in package '{}'",
                    p.to_string_lossy(),
                    t.name
                ),
            )),
        };
    }
    let shell = login_shell(pw, t, true);
    let base = shell
        .file_name()
        .map(|b| b.as_bytes().to_vec())
        .unwrap_or_else(|| b"sh".to_vec());
    let mut argv0 = b"-".to_vec();
    argv0.extend_from_slice(&base);
    Ok((shell, OsStr::from_bytes(&argv0).to_os_string()))
}

/// The shell: SHELL when it names an executable file in the package, else
/// the passwd shell, else /bin/sh.
fn login_shell(pw: &Passwd, t: &Target, warn: bool) -> PathBuf {
    let env_shell = std::env::var_os("SHELL").map(PathBuf::from);
    match env_shell {
        Some(s) if s.is_absolute() && is_exec_file(&s) => s,
        other => {
            let fallback = [pw.shell.as_str(), "/bin/sh"]
                .into_iter()
                .map(PathBuf::from)
                .find(|s| s.is_absolute() && is_exec_file(s))
                .unwrap_or_else(|| PathBuf::from("/bin/sh"));
            if let (Some(s), true) = (other, warn) {
                log::warn!(
                    "SHELL '{}' is not a program in package '{}'; using '{}'",
                    s.display(),
                    t.name,
                    fallback.display()
                );
            }
            fallback
        }
    }
}

fn sane(v: &str, max: usize, ok: impl Fn(char) -> bool) -> bool {
    !v.is_empty() && v.len() <= max && v.chars().all(ok)
}

/// The caller's variables that are kept, when their value is sane.
fn kept(name: &str, v: &str) -> bool {
    let text = |c: char| !c.is_control();
    match name {
        "TERM" => sane(v, 64, |c| c.is_ascii_alphanumeric() || "._+-".contains(c)),
        "COLUMNS" | "LINES" => sane(v, 6, |c| c.is_ascii_digit()),
        "LANG" | "LANGUAGE" | "TZ" => sane(v, 256, text),
        n if n.len() > 3
            && n.starts_with("LC_")
            && n[3..].chars().all(|c| c.is_ascii_uppercase() || c == '_') =>
        {
            sane(v, 256, text)
        }
        _ => false,
    }
}

fn environment(pw: &Passwd, t: &Target, shell: &Path) -> Vec<CString> {
    let shell = shell.display().to_string();
    let mut env: Vec<(String, String)> = vec![
        ("HOME".into(), pw.dir.clone()),
        ("USER".into(), pw.name.clone()),
        ("LOGNAME".into(), pw.name.clone()),
        ("SHELL".into(), shell),
        (
            "PATH".into(),
            if pw.uid == 0 { ROOT_PATH } else { USER_PATH }.into(),
        ),
        ("ctxROOT".into(), t.ctx_root()),
    ];
    for (k, v) in std::env::vars_os() {
        let (Some(k), Some(v)) = (k.to_str(), v.to_str()) else {
            continue;
        };
        if kept(k, v) && !env.iter().any(|(e, _)| e == k) {
            env.push((k.to_string(), v.to_string()));
        }
    }
    env.into_iter()
        .filter_map(|(k, v)| CString::new(format!("{k}={v}")).ok())
        .collect()
}

/// What the process that runs the program becomes and executes: the user
/// (passwd entry and groups), the program, its argv[0], arguments and
/// environment, and the signal dispositions to restore.
struct Launch<'a> {
    pw: &'a Passwd,
    gids: &'a [u32],
    path: &'a Path,
    argv0: &'a OsStr,
    args: &'a [OsString],
    env: &'a [CString],
    saved: &'a signals::Saved,
}

impl Launch<'_> {
    /// Become the user and go home (in the child, before exec).
    fn ids(&self) -> Result<()> {
        let Launch {
            pw, gids, saved, ..
        } = *self;
        saved.restore();
        ids::become_user(gids, pw.gid, pw.uid)?;
        let home = Path::new(&pw.dir);
        if pw.dir.is_empty() || process::chdir(home).is_err() {
            log::warn!("can't enter home directory '{}'; using '/'", pw.dir);
            let _ = process::chdir(Path::new("/"));
        }
        Ok(())
    }

    /// Execute the program. Returns only the error.
    fn exec(&self) -> Error {
        let Launch {
            path,
            argv0,
            args,
            env,
            ..
        } = *self;
        let mut argv = Vec::with_capacity(args.len() + 1);
        for a in std::iter::once(argv0).chain(args.iter().map(OsString::as_os_str)) {
            match sys::cstring_os(a) {
                Ok(c) => argv.push(c),
                Err(_) => {
                    return Error::new(crate::error::code::EXEC_OWN, "argument holds a NUL byte")
                }
            }
        }
        let Ok(cpath) = sys::cstring_os(path.as_os_str()) else {
            return Error::new(
                crate::error::code::EXEC_OWN,
                "program path holds a NUL byte",
            );
        };
        let e = process::execve(&cpath, &argv, env);
        let code = if e == sys::Errno::ENOENT {
            crate::error::code::NOT_FOUND
        } else {
            crate::error::code::NOT_EXECUTABLE
        };
        Error::errno("execute", path.display(), e).with_code(code)
    }
}

/// The utmp/wtmp side of an interactive session.
struct Session {
    utmp: Option<PathBuf>,
    wtmp: Option<PathBuf>,
    rec: Utmp,
}

/// A regular file (not a symlink) at `p`.
fn regular(p: &str) -> Option<PathBuf> {
    std::fs::symlink_metadata(p)
        .ok()
        .filter(|m| m.file_type().is_file())
        .map(|_| PathBuf::from(p))
}

impl Session {
    fn login(pw: &Passwd, tty: &str, remote: Option<std::net::IpAddr>) -> Session {
        let (line, id) = utmp::line_and_id(tty);
        let mut rec = Utmp {
            pid: process::pid(),
            line,
            id,
            user: pw.name.clone(),
            session: process::session_id(),
            ..Utmp::now(utmp::USER_PROCESS)
        };
        if let Some(ip) = remote {
            rec.host = ip.to_string();
            rec.set_addr(ip);
        }
        let utmp = regular("/run/utmp").or_else(|| regular("/var/run/utmp"));
        let wtmp = regular("/var/log/wtmp");
        if utmp.is_none() {
            log::warn!(
                "no /run/utmp or /var/run/utmp in the package; who will not see this session"
            );
        }
        let s = Session { utmp, wtmp, rec };
        s.write(&s.rec);
        s
    }

    /// The session's process is `pid` (as the package sees it): utmp's
    /// record says so (wtmp keeps the login as written).
    fn moved_to(&mut self, pid: i32) {
        if pid == self.rec.pid {
            return;
        }
        self.rec.pid = pid;
        if let Some(u) = &self.utmp {
            if let Err(e) = utmp::write_utmp(u, &self.rec) {
                log::warn!("{e}");
            }
        }
    }

    /// Write the record; a record that cannot be written (a user holding
    /// the file's lock, a full disk) is skipped, and said so in LOG_AUTH
    /// too, so that a login missing from last(1) leaves a trace.
    fn write(&self, rec: &Utmp) {
        let results = [
            self.utmp.as_ref().map(|u| utmp::write_utmp(u, rec)),
            self.wtmp.as_ref().map(|w| utmp::append_wtmp(w, rec)),
        ];
        for e in results.into_iter().flatten().filter_map(|r| r.err()) {
            log::warn!("{e}");
            syslog::send(
                Facility::Auth,
                log::Level::Warn,
                "execsh",
                &format!(
                    "record of {} on {} not written: {}",
                    rec.user, rec.line, e.msg
                ),
            );
        }
    }

    fn logout(&self, how: Option<process::Exit>) {
        let (term, code) = match how {
            Some(process::Exit::Signal(s)) => (s as i16, 0),
            Some(process::Exit::Code(c)) => (0, c as i16),
            None => (0, 0),
        };
        let rec = Utmp {
            ut_type: utmp::DEAD_PROCESS,
            user: String::new(),
            exit_termination: term,
            exit_status: code,
            ..Utmp {
                pid: self.rec.pid,
                line: self.rec.line.clone(),
                id: self.rec.id.clone(),
                session: self.rec.session,
                ..Utmp::now(utmp::DEAD_PROCESS)
            }
        };
        self.write(&rec);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn arguments() {
        let a = parse(&os(&["-u", "bob", "pkg01", "/bin/ls", "-l", "--help"])).unwrap();
        assert_eq!(a.user.as_deref(), Some("bob"));
        assert_eq!(a.pkg.as_deref(), Some("pkg01"));
        assert_eq!(a.program, Some(OsString::from("/bin/ls")));
        assert_eq!(a.args, os(&["-l", "--help"]));
        let a = parse(&os(&["-ubob", "--", "-x"])).unwrap();
        assert_eq!(
            (a.user.as_deref(), a.pkg.as_deref()),
            (Some("bob"), Some("-x"))
        );
        assert!(parse(&os(&["-x"])).unwrap_err().usage);
        assert!(parse(&os(&["-u"])).unwrap_err().usage);
        let bad = OsString::from(OsStr::from_bytes(b"pk\xffg"));
        let e = parse(&[bad]).err().unwrap();
        assert_eq!(e.msg, "invalid package name 'pk\u{fffd}g': not valid UTF-8");
        let prog = OsString::from(OsStr::from_bytes(b"/bin/\xff"));
        let a = parse(&[OsString::from("p"), prog.clone(), prog.clone()]).unwrap();
        assert_eq!((a.program, a.args), (Some(prog.clone()), vec![prog]));
    }

    #[test]
    fn kept_variables() {
        assert!(kept("TERM", "xterm-256color"));
        assert!(!kept("TERM", "../../tmp/evil"));
        assert!(kept("LC_ALL", "C.UTF-8"));
        assert!(!kept("LC_ALL", "C\n"));
        assert!(kept("COLUMNS", "80"));
        assert!(!kept("COLUMNS", "80x"));
        for bad in [
            "LD_PRELOAD",
            "PCUE_SGCONF",
            "IFS",
            "ENV",
            "BASH_ENV",
            "PATH",
            "LC_",
        ] {
            assert!(!kept(bad, "x"), "{bad}");
        }
    }
}
