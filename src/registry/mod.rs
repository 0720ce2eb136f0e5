//! The package registry: which packages exist, their roots, their addresses
//! and (when the cluster says) the node that runs them.
//!
//! Serviceguard layout: `$SGCONF/<pkg>/` holds a legacy control script
//! (`*.cntl`, `pkg.ctl`, `pkgctl`) or a modular package file (`*.conf`).
//! When `cmviewcl` can be run, its `-f line` output names the packages.
//! A package's root is `<prefix>/<name>` unless its files say otherwise.
//! Pacemaker packages (`pacemaker.rs`) follow the Serviceguard ones.
//! Addresses are compared as `addr.rs` canonicalizes them.

pub mod addr;
pub mod cib;
pub mod index;
pub mod keeper;
pub mod pacemaker;
pub mod parse;

use crate::sys;
use log::{debug, warn};
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the registry comes from.
#[derive(Clone, Debug)]
pub struct Config {
    pub sgconf: PathBuf,
    /// Directories searched for `cmviewcl`, in order.
    pub sgsbin: Vec<PathBuf>,
    /// Default parent of package roots (`/`).
    pub root_prefix: PathBuf,
    /// Ask `cmviewcl` for the package list.
    pub use_cmviewcl: bool,
    /// The configuration file exists but could not be read: the registry
    /// is not what the node says it is.
    pub unread: Option<String>,
    /// The Pacemaker CIB file to read (None: no Pacemaker).
    pub cib: Option<PathBuf>,
    /// The index of the strict lookup (`index`); None: no index.
    pub index: Option<PathBuf>,
    /// The configuration file this was read from (a source of the index).
    pub conf_file: Option<PathBuf>,
}

pub const CMCLUSTER_CONF: &str = "/etc/cmcluster.conf";
const CMVIEWCL_TIMEOUT: Duration = Duration::from_secs(10);

impl Config {
    /// The node's configuration: `/etc/cmcluster.conf` (`SGCONF`, `SGSBIN`,
    /// `PCUE_ROOT_PREFIX`), then, unless running setuid, the environment
    /// (`PCUE_SGCONF`, `PCUE_ROOT_PREFIX`, `SGSBIN`, `PCUE_CMVIEWCL=0`).
    /// The index is `/run/pcue-registry.idx` for the node's own registry;
    /// a registry the environment moves has none unless `PCUE_INDEX` names
    /// one.
    pub fn from_system() -> Config {
        let mut cfg = Config {
            sgconf: PathBuf::from("/etc/cmcluster"),
            sgsbin: Vec::new(),
            root_prefix: PathBuf::from("/"),
            use_cmviewcl: true,
            unread: None,
            cib: Some(PathBuf::from(pacemaker::CIB_FILE)),
            index: Some(PathBuf::from(index::INDEX_FILE)),
            conf_file: None,
        };
        let moved = [
            "PCUE_CMCLUSTER_CONF",
            "PCUE_SGCONF",
            "PCUE_ROOT_PREFIX",
            "PCUE_CIB",
            "PCUE_CMVIEWCL",
            "SGSBIN",
        ]
        .iter()
        .any(|v| sys::ids::trusted_env(v).is_some());
        if moved {
            cfg.index = None;
        }
        if let Some(i) = sys::ids::trusted_env("PCUE_INDEX") {
            cfg.index = Some(i.into());
        }
        let conf =
            sys::ids::trusted_env("PCUE_CMCLUSTER_CONF").unwrap_or_else(|| CMCLUSTER_CONF.into());
        cfg.conf_file = Some(PathBuf::from(&conf));
        let mut conf_sbin = None;
        let text = match crate::sys::fs::read_text(Path::new(&conf)) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                cfg.unread = Some(crate::error::Error::io("read", &conf, &e).msg);
                None
            }
        };
        if let Some(text) = text {
            let (kv, diags) = parse::key_values(&text);
            report(Path::new(&conf), &diags);
            for (k, v) in kv {
                match k.as_str() {
                    "SGCONF" => cfg.sgconf = v.into(),
                    "SGSBIN" => conf_sbin = Some(PathBuf::from(v)),
                    "PCUE_ROOT_PREFIX" => cfg.root_prefix = v.into(),
                    "PCUE_CIB" => cfg.cib = Some(v.into()),
                    _ => {}
                }
            }
        }
        if let Some(v) = sys::ids::trusted_env("PCUE_SGCONF") {
            cfg.sgconf = v.into();
        }
        if let Some(v) = sys::ids::trusted_env("PCUE_ROOT_PREFIX") {
            cfg.root_prefix = v.into();
        }
        if let Some(v) = sys::ids::trusted_env("PCUE_CIB") {
            cfg.cib = Some(v.into());
        }
        if sys::ids::trusted_env("PCUE_CMVIEWCL").as_deref() == Some("0") {
            cfg.use_cmviewcl = false;
        }
        let env_sbin = sys::ids::trusted_env("SGSBIN").map(PathBuf::from);
        cfg.sgsbin = env_sbin.into_iter().chain(conf_sbin).collect();
        for d in [
            "/usr/local/cmcluster/bin",
            "/opt/cmcluster/bin",
            "/usr/sbin",
        ] {
            cfg.sgsbin.push(d.into());
        }
        cfg
    }
}

fn report(file: &Path, diags: &[parse::Diag]) {
    for (line, msg) in diags {
        warn!("{}:{line}: {msg}", file.display());
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub root: PathBuf,
    pub addrs: Vec<IpAddr>,
    /// Owning node, from cmviewcl.
    pub owner: Option<String>,
    pub status: Option<String>,
    /// Pacemaker: the id of the package's `ocf:pcue:package` primitive.
    pub resource: Option<String>,
    /// Not a package: an entry skipped for the reason given (a bad name, a
    /// group in a clone...) whose addresses may still be up. `scan` drops
    /// it; `find_addr_strict` refuses its addresses.
    pub skipped: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub packages: Vec<Package>,
}

impl Registry {
    /// The node's registry as `Config::from_system` finds it.
    pub fn system() -> Registry {
        Registry::load(&Config::from_system())
    }

    pub fn load(cfg: &Config) -> Registry {
        let mut packages: Vec<Package> = scan(cfg).collect();
        if cfg.use_cmviewcl {
            pacemaker::fill_owners(cfg, &mut packages);
        }
        debug!(
            "registry: {} packages from {}",
            packages.len(),
            cfg.sgconf.display()
        );
        Registry { packages }
    }

    /// Every package, and what could not be read (the `Err` items of
    /// `scan_checked`, in order). Skipped entries are left out.
    pub fn load_checked(cfg: &Config) -> (Registry, Vec<String>) {
        let mut errors = Vec::new();
        let mut packages = Vec::new();
        for it in scan_checked(cfg) {
            match it {
                Ok(p) if p.skipped.is_some() => {}
                Ok(p) => packages.push(p),
                Err(e) => errors.push(e),
            }
        }
        if cfg.use_cmviewcl {
            pacemaker::fill_owners(cfg, &mut packages);
        }
        (Registry { packages }, errors)
    }

    /// The package owning `ip`; an incomplete registry is an error, never
    /// "no package": a configuration file, SGCONF or a package file that
    /// exists and cannot be read before the owner is found, or an address
    /// of an entry that was skipped or that the CIB leaves undecided (it
    /// may be up). For pkgnet, which must not serve a package address
    /// from the system context, and getcpkg and pkglogin, which must not
    /// call it the system's.
    ///
    /// With an index: a root caller asks the registry's keeper
    /// (`keeper`), and starts one when none is there; without its answer,
    /// the index's (`index`) when it is current; else a root caller reads
    /// the registry in full and writes a new index, any other reads as
    /// far as the first match.
    pub fn find_addr_strict(
        cfg: &Config,
        ip: IpAddr,
    ) -> std::result::Result<Option<Package>, String> {
        let ip = crate::registry::addr::canon(ip);
        if index::usable(cfg) {
            match keeper::ask(cfg, ip) {
                keeper::Asked::Answer(a) => return a,
                keeper::Asked::Nobody => keeper::spawn(cfg),
                keeper::Asked::Declined => {}
            }
            if let Some(answer) = index::open(cfg).and_then(|i| i.lookup(ip)) {
                return answer;
            }
            if sys::ids::effective_uid() == 0 {
                return first_owner(index::rebuild(cfg), ip);
            }
        }
        first_owner(scan_checked(cfg), ip)
    }

    pub fn by_name(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }
}

/// The strict answer for `ip` among `items`, in order: the first item
/// that is an error or names `ip`.
fn first_owner(
    items: impl IntoIterator<Item = std::result::Result<Package, String>>,
    ip: IpAddr,
) -> std::result::Result<Option<Package>, String> {
    for p in items {
        let p = p?;
        if p.addrs.contains(&ip) {
            if let Some(why) = p.skipped {
                return Err(format!("address {ip} is named by a skipped entry: {why}"));
            }
            return Ok(Some(p));
        }
    }
    Ok(None)
}

/// Package `name`'s root: the registry's, else `<prefix>/<name>`. Lazy:
/// the registry is read up to that package.
pub fn root_of(cfg: &Config, name: &str) -> PathBuf {
    scan(cfg)
        .find(|p| p.name == name)
        .map(|p| p.root)
        .unwrap_or_else(|| cfg.root_prefix.join(name))
}

/// `root_of` with symlinks resolved, as mount tables name it.
pub fn real_root(cfg: &Config, name: &str) -> crate::error::Result<PathBuf> {
    let root = root_of(cfg, name);
    fs::canonicalize(&root).map_err(|e| crate::error::Error::io("stat", root.display(), &e))
}

fn unread(verb: &str, p: &Path, e: &std::io::Error) -> String {
    crate::error::Error::io(verb, p.display(), e).msg
}

/// Every package, in order: cmviewcl's list when it answers, else the
/// sub-directories of SGCONF (sorted) that hold a package file. Lazy: each
/// directory is read when the iterator reaches it. What cannot be read is
/// reported (a warning) and skipped.
pub fn scan(cfg: &Config) -> impl Iterator<Item = Package> + '_ {
    scan_checked(cfg).filter_map(|r| match r {
        Ok(p) if p.skipped.is_some() => None,
        Ok(p) => Some(p),
        Err(e) => {
            warn!("{e}");
            None
        }
    })
}

/// The same walk, with an `Err` item where something that exists could not
/// be read (the configuration file, SGCONF, a package directory or file).
pub fn scan_checked(
    cfg: &Config,
) -> impl Iterator<Item = std::result::Result<Package, String>> + '_ {
    scan_recorded(cfg, None)
}

/// `scan_checked`, each source stat'ed into `rec` before it is read.
pub fn scan_recorded<'a>(
    cfg: &'a Config,
    rec: Option<&'a index::Recorder>,
) -> impl Iterator<Item = std::result::Result<Package, String>> + 'a {
    let cluster = if cfg.use_cmviewcl {
        cmviewcl(cfg)
    } else {
        None
    };
    let from_cluster = cluster.is_some();
    let mut head: Vec<std::result::Result<Package, String>> =
        cfg.unread.iter().cloned().map(Err).collect();
    type Name = std::result::Result<String, String>;
    let names: Vec<(Name, Option<parse::ClusterPackage>)> = match cluster {
        Some(list) => list
            .into_iter()
            .map(|p| (Ok(p.name.clone()), Some(p)))
            .collect(),
        None => match subdirs(&cfg.sgconf, rec) {
            Ok(names) => names.into_iter().map(|n| (n, None)).collect(),
            Err(e) => {
                head.push(Err(e));
                Vec::new()
            }
        },
    };
    let sg = head
        .into_iter()
        .chain(names.into_iter().filter_map(move |(name, cl)| {
            let name = match name {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            let bad_name = crate::package::name::check(&name).err().map(|e| {
                warn!("{}: skipping package: {}", cfg.sgconf.display(), e.msg);
                format!("{}: {}", cfg.sgconf.display(), e.msg)
            });
            let dir = cfg.sgconf.join(&name);
            let files = match package_files(&dir, rec) {
                Ok(f) => f,
                Err(e) => return Some(Err(e)),
            };
            if bad_name.is_some() && files.is_empty() {
                return None;
            }
            if files.is_empty() && !from_cluster {
                return None; // a directory that is not a package (scripts/, ...)
            }
            let info = match read_package_files(&files, &name, rec) {
                Ok(i) => i,
                Err(e) => return Some(Err(e)),
            };
            let root = match info.root {
                Some(r) if Path::new(&r).is_absolute() => PathBuf::from(r),
                Some(r) => {
                    warn!(
                        "{}: package root '{r}' is not absolute; using the default",
                        dir.display()
                    );
                    cfg.root_prefix.join(&name)
                }
                None => cfg.root_prefix.join(&name),
            };
            let (owner, status) = cl.map(|c| (c.owner, c.status)).unwrap_or_default();
            Some(Ok(Package {
                name,
                root,
                addrs: info.addrs,
                owner,
                status,
                resource: None,
                skipped: bad_name,
            }))
        }));
    // Pacemaker's packages after Serviceguard's, its CIB read when reached.
    sg.chain(std::iter::once(()).flat_map(move |_| pacemaker::scan_recorded(cfg, rec)))
}

/// Sub-directories of SGCONF (or symlinks to one), sorted; none when SGCONF
/// does not exist. What exists but cannot be followed (a symlink into a
/// package filesystem not mounted yet, SGCONF itself such a symlink) is an
/// `Err` in its place: it may be a package.
fn subdirs(
    sgconf: &Path,
    rec: Option<&index::Recorder>,
) -> std::result::Result<Vec<std::result::Result<String, String>>, String> {
    if let Some(r) = rec {
        r.note(sgconf);
    }
    let rd = match fs::read_dir(sgconf) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(link) = dangling_link_on(sgconf) {
                return Err(unread("read", &link, &e));
            }
            debug!("no '{}': no packages", sgconf.display());
            return Ok(Vec::new());
        }
        Err(e) => return Err(unread("read", sgconf, &e)),
    };
    let mut names: Vec<(String, Option<String>)> = Vec::new();
    for e in rd {
        let e = e.map_err(|e| unread("read", sgconf, &e))?;
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        match e.file_type() {
            Ok(t) if t.is_dir() => names.push((name, None)),
            Ok(t) if t.is_symlink() => match followed(&e.path(), rec) {
                Ok(m) if m.is_dir() => names.push((name, None)),
                Ok(_) => {}
                Err(err) => {
                    let why = unread("read", &e.path(), &err);
                    names.push((name, Some(why)));
                }
            },
            Ok(_) => {}
            Err(err) => {
                let why = unread("read", &e.path(), &err);
                names.push((name, Some(why)));
            }
        }
    }
    names.sort();
    Ok(names
        .into_iter()
        .map(|(n, why)| match why {
            None => Ok(n),
            Some(why) => Err(why),
        })
        .collect())
}

/// What a symlink in SGCONF points to, stat'ed into `rec` first.
fn followed(p: &Path, rec: Option<&index::Recorder>) -> std::io::Result<fs::Metadata> {
    if let Some(r) = rec {
        r.note(p);
    }
    fs::metadata(p)
}

/// The first component of `p` that is a symlink pointing nowhere (a
/// filesystem not mounted yet), when `p` does not exist.
fn dangling_link_on(p: &Path) -> Option<PathBuf> {
    p.ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|a| {
            fs::symlink_metadata(a).is_ok_and(|m| m.file_type().is_symlink())
                && fs::metadata(a).is_err()
        })
        .map(Path::to_path_buf)
}

fn is_control_script(name: &str) -> bool {
    name.ends_with(".cntl") || name == "pkg.ctl" || name == "pkgctl"
}

/// The package files of one directory, sorted by name (none when the
/// directory does not exist: a package cmviewcl names without files).
/// Every entry with a package file's name is returned whatever its type:
/// one that is not a regular file fails when it is read.
fn package_files(
    dir: &Path,
    rec: Option<&index::Recorder>,
) -> std::result::Result<Vec<PathBuf>, String> {
    if let Some(r) = rec {
        r.note(dir);
    }
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(link) = dangling_link_on(dir) {
                return Err(unread("read", &link, &e));
            }
            return Ok(Vec::new());
        }
        Err(e) => return Err(unread("read", dir, &e)),
    };
    let mut files = Vec::new();
    for e in rd {
        let e = e.map_err(|e| unread("read", dir, &e))?;
        let n = e.file_name();
        let n = n.to_string_lossy();
        if is_control_script(&n) || n.ends_with(".conf") {
            files.push(e.path());
        }
    }
    files.sort();
    Ok(files)
}

fn read_package_files(
    files: &[PathBuf],
    name: &str,
    rec: Option<&index::Recorder>,
) -> std::result::Result<parse::PackageFile, String> {
    let mut merged = parse::PackageFile::default();
    for file in files {
        if let Some(r) = rec {
            r.note(file);
        }
        let text = crate::sys::fs::read_text(file).map_err(|e| unread("read", file, &e))?;
        let fname = file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (info, diags) = if is_control_script(&fname) {
            parse::control_script(&text)
        } else {
            parse::modular(&text)
        };
        report(file, &diags);
        if let Some(n) = &info.name {
            if n != name {
                warn!(
                    "{}: package_name '{n}' differs from its directory '{name}'",
                    file.display()
                );
            }
        }
        for a in info.addrs {
            if !merged.addrs.contains(&a) {
                merged.addrs.push(a);
            }
        }
        if info.root.is_some() {
            merged.root = info.root;
        }
    }
    Ok(merged)
}

/// `cmviewcl -f line -l package`, or None (with a debug line) when it is not
/// installed, fails, or hangs past the time limit.
/// The cmviewcl that would be run: the first executable one in SGSBIN's
/// directories.
fn cmviewcl_exe(cfg: &Config) -> Option<PathBuf> {
    cfg.sgsbin
        .iter()
        .map(|d| d.join("cmviewcl"))
        .find(|p| is_executable(p))
}

fn cmviewcl(cfg: &Config) -> Option<Vec<parse::ClusterPackage>> {
    let Some(exe) = cmviewcl_exe(cfg) else {
        debug!(
            "cmviewcl not found; reading packages from {}",
            cfg.sgconf.display()
        );
        return None;
    };
    let mut cmd = Command::new(&exe);
    cmd.args(["-f", "line", "-l", "package"]);
    let (out, status) = run_with_timeout(cmd, CMVIEWCL_TIMEOUT)?;
    if !status.success() {
        debug!("'{}' failed ({status}); reading directories", exe.display());
        return None;
    }
    let (pkgs, diags) = parse::cmviewcl_lines(&String::from_utf8_lossy(&out));
    report(&exe, &diags);
    Some(pkgs)
}

/// Run a cluster command (cmviewcl, crm_mon) with a clean environment
/// (PATH only, plus what `cmd` already sets), no stdin, stderr dropped:
/// its output and status, or None (with a debug line) when it cannot be
/// started, says more than `CONFIG_MAX` bytes, or does not finish within
/// `timeout` (it is then killed and reaped).
fn run_with_timeout(
    mut cmd: Command,
    timeout: Duration,
) -> Option<(Vec<u8>, std::process::ExitStatus)> {
    let exe = PathBuf::from(cmd.get_program());
    let set: Vec<(std::ffi::OsString, std::ffi::OsString)> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_os_string(), v?.to_os_string())))
        .collect();
    cmd.env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(set)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            debug!(
                "can't run '{}': {}",
                exe.display(),
                crate::error::strerror_io(&e)
            );
            return None;
        }
    };
    let deadline = Instant::now() + timeout;
    let out = child
        .stdout
        .take()
        .and_then(|o| sys::fds::read_until(o, deadline, sys::fs::CONFIG_MAX));
    let Some(out) = out else {
        let _ = child.kill();
        let _ = child.wait();
        debug!(
            "'{}' did not answer in time (or said too much)",
            exe.display()
        );
        return None;
    };
    match child.wait() {
        Ok(status) => Some((out, status)),
        Err(e) => {
            debug!(
                "can't wait for '{}': {}",
                exe.display(),
                crate::error::strerror_io(&e)
            );
            None
        }
    }
}

pub(crate) fn is_executable(p: &Path) -> bool {
    sys::fs::access_x(p) && p.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(dir: &Path) -> Config {
        Config {
            sgconf: dir.join("sg"),
            sgsbin: Vec::new(),
            root_prefix: PathBuf::from("/"),
            use_cmviewcl: false,
            unread: None,
            cib: Some(dir.join("cib.xml")),
            index: None,
            conf_file: None,
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pcue-reg-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(d.join("sg")).unwrap();
        d
    }

    #[test]
    fn strict_lookup_refuses_a_skipped_sgconf_directory() {
        let d = tmp("sg");
        for (dir, addr) in [("pkg 01", "127.0.0.2"), ("pkg02", "127.0.0.3")] {
            fs::create_dir(d.join("sg").join(dir)).unwrap();
            fs::write(
                d.join("sg").join(dir).join("pkg.conf"),
                format!("ip_address {addr}\n"),
            )
            .unwrap();
        }
        fs::create_dir(d.join("sg/not a package")).unwrap();
        let c = cfg(&d);
        let why = Registry::find_addr_strict(&c, ip("127.0.0.2")).unwrap_err();
        assert!(why.contains("invalid package name 'pkg 01'"), "{why}");
        let p = Registry::find_addr_strict(&c, ip("127.0.0.3")).unwrap();
        assert_eq!(p.map(|p| p.name).as_deref(), Some("pkg02"));
        assert_eq!(Registry::find_addr_strict(&c, ip("127.0.0.9")), Ok(None));
        let names: Vec<String> = Registry::load(&c)
            .packages
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, vec!["pkg02"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn strict_lookup_refuses_a_skipped_cib_group() {
        let d = tmp("cib");
        let prim = |g: &str, pkg: &str, a: &str| {
            format!(
                "<group id=\"{g}\"><primitive id=\"{g}-ip\" class=\"ocf\" provider=\"heartbeat\" \
                 type=\"IPaddr2\"><instance_attributes id=\"{g}-ia\"><nvpair id=\"{g}-v\" \
                 name=\"ip\" value=\"{a}\"/></instance_attributes></primitive><primitive \
                 id=\"{g}-pcue\" class=\"ocf\" provider=\"pcue\" type=\"package\">\
                 <instance_attributes id=\"{g}-pia\"><nvpair id=\"{g}-p\" name=\"package\" \
                 value=\"{pkg}\"/></instance_attributes></primitive></group>"
            )
        };
        let text = format!(
            "<cib><configuration><resources>{}{}</resources></configuration></cib>",
            prim("g1", "pkg 01", "127.0.0.2"),
            prim("g2", "pkg02", "127.0.0.3")
        );
        fs::write(d.join("cib.xml"), text).unwrap();
        let c = cfg(&d);
        let why = Registry::find_addr_strict(&c, ip("127.0.0.2")).unwrap_err();
        assert!(why.contains("127.0.0.2"), "{why}");
        let p = Registry::find_addr_strict(&c, ip("127.0.0.3")).unwrap();
        assert_eq!(p.map(|p| p.name).as_deref(), Some("pkg02"));
        assert_eq!(Registry::find_addr_strict(&c, ip("127.0.0.9")), Ok(None));
        let names: Vec<String> = Registry::load(&c)
            .packages
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, vec!["pkg02"]);
        fs::remove_dir_all(&d).unwrap();
    }
}
