//! Pacemaker as a registry backend, beside Serviceguard.
//!
//! The configuration comes from the CIB file the cluster itself keeps on
//! every node, `/var/lib/pacemaker/cib/cib.xml`: the cluster's CIB manager
//! rewrites it (to a temporary file, then renamed) whenever the
//! configuration changes, so reading it costs no process and is as current
//! as the node's cluster stack. A missing file means "not a Pacemaker
//! node"; one that exists and cannot be read or parsed is an error item,
//! so that pkgnet fails closed. The file is closed to all but root and
//! hacluster: other callers (a user's pkglogin or getcpkg) read the copy
//! of its packages the agent leaves in `/run/pcue/cib.xml` on every
//! action; no copy, or one older than the file or than
//! `PUBLIC_COPY_MAX_AGE`, is an error item too. Which node runs a package
//! comes from `crm_mon --output-as=xml`, asked only for a full listing
//! (pkglogin -l, pkgps -a), never by execsh or pkgnet.

use super::cib;
use super::{Config, Package};
use crate::sys;
use log::{debug, warn};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

pub const CIB_FILE: &str = "/var/lib/pacemaker/cib/cib.xml";
/// The world-readable copy of the CIB file's packages (`cib::public_copy`)
/// that the `ocf:pcue:package` agent writes on every action (probes included), for callers who may
/// not read the cluster's own file.
pub const PUBLIC_COPY: &str = "/run/pcue/cib.xml";
/// How old the public copy may be: the agent rewrites it on every action,
/// its monitor included (every 10 s in the documented configuration).
pub const PUBLIC_COPY_MAX_AGE: Duration = Duration::from_secs(600);
/// The largest CIB read: 32 MiB, some 30,000 packages (a package's group
/// takes about 1 KiB), far above the 4 MiB of other configuration files.
pub const CIB_MAX: u64 = 32 << 20;
const CRM_MON_TIMEOUT: Duration = Duration::from_secs(10);

/// The packages the CIB file configures, in document order, with an `Err`
/// item first when the file exists and cannot be read or parsed. The
/// cluster's own file is read when the caller may (root); a caller it is
/// closed to reads the agent's public copy instead, when there is one.
/// The CIB file is stat'ed into `rec` before it is read; a public copy,
/// trusted by its age, cannot be checked by stat.
pub fn scan_recorded(
    cfg: &Config,
    rec: Option<&super::index::Recorder>,
) -> Vec<Result<Package, String>> {
    let Some(path) = &cfg.cib else {
        return Vec::new();
    };
    if let Some(r) = rec {
        r.note(path);
    }
    let io_err = |p: &Path, e: &std::io::Error| crate::error::Error::io("read", p.display(), e).msg;
    let (path, text) = match sys::fs::read_text_max(path, CIB_MAX) {
        Ok(t) => (path.as_path(), t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            debug!("no '{}': not a Pacemaker node", path.display());
            return Vec::new();
        }
        Err(e)
            if e.kind() == std::io::ErrorKind::PermissionDenied && path == Path::new(CIB_FILE) =>
        {
            // A Pacemaker node (the CIB exists, or the agent made /run/pcue):
            // no copy, or one that may be stale, is an error item (pkgnet
            // refuses), never "no packages".
            if let Some(r) = rec {
                r.uncacheable();
            }
            let copy = Path::new(PUBLIC_COPY);
            match sys::fs::read_text_max(copy, CIB_MAX) {
                Ok(t) => match stale(path, copy) {
                    Some(why) => return vec![Err(why)],
                    None => (copy, t),
                },
                Err(e2)
                    if e2.kind() == std::io::ErrorKind::NotFound
                        && std::fs::metadata(path).is_err()
                        && std::fs::metadata(copy.parent().unwrap_or(copy)).is_err() =>
                {
                    // The CIB's directory is closed too (its existence is
                    // unknown) and the agent never ran since boot.
                    debug!("{}; no '{}'", io_err(path, &e), copy.display());
                    return Vec::new();
                }
                Err(e2) if e2.kind() == std::io::ErrorKind::NotFound => {
                    return vec![Err(format!(
                        "{}; no public copy '{}'",
                        io_err(path, &e),
                        copy.display()
                    ))];
                }
                Err(e2) => return vec![Err(io_err(copy, &e2))],
            }
        }
        Err(e) => return vec![Err(io_err(path, &e))],
    };
    packages_of(cfg, path, &text)
}

/// Why the public copy may not stand for the CIB file: older than the file
/// (when the caller may stat it), or older than `PUBLIC_COPY_MAX_AGE`.
fn stale(cib: &Path, copy: &Path) -> Option<String> {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified());
    let copied = match mtime(copy) {
        Ok(t) => t,
        Err(e) => return Some(crate::error::Error::io("stat", copy.display(), &e).msg),
    };
    if let Ok(changed) = mtime(cib) {
        if changed > copied {
            return Some(format!(
                "'{}' is older than '{}'",
                copy.display(),
                cib.display()
            ));
        }
    }
    let age = SystemTime::now().duration_since(copied).unwrap_or_default();
    (age > PUBLIC_COPY_MAX_AGE).then(|| {
        format!(
            "'{}' is {} s old (at most {} s)",
            copy.display(),
            age.as_secs(),
            PUBLIC_COPY_MAX_AGE.as_secs()
        )
    })
}

/// The packages of one CIB document (`path` names it in diagnostics),
/// after one entry per refused address (a skipped group's, or one a rule
/// leaves undecided): a refusal is never overridden by a package claiming
/// the same address.
pub fn packages_of(cfg: &Config, path: &Path, text: &str) -> Vec<Result<Package, String>> {
    let (found, refused, diags) = match cib::packages_and_skipped(text) {
        Ok(r) => r,
        Err(e) => return vec![Err(format!("{}: {e}", path.display()))],
    };
    for (line, msg) in &diags {
        warn!("{}:{line}: {msg}", path.display());
    }
    let refusals = refused.into_iter().map(|(a, why)| {
        Ok(Package {
            name: String::new(),
            root: PathBuf::new(),
            addrs: vec![a],
            owner: None,
            status: None,
            resource: None,
            skipped: Some(format!("{}: {why}", path.display())),
        })
    });
    let packages = found.into_iter().map(|p| {
        Ok(Package {
            root: p
                .root
                .map(PathBuf::from)
                .unwrap_or_else(|| cfg.root_prefix.join(&p.name)),
            name: p.name,
            addrs: p.addrs,
            owner: None,
            status: None,
            resource: Some(p.resource),
            skipped: None,
        })
    });
    refusals.chain(packages).collect()
}

/// Fill in the owning node of each Pacemaker package from `crm_mon`, when
/// it is installed and answers in time; otherwise leave them unknown.
pub fn fill_owners(cfg: &Config, packages: &mut [Package]) {
    let resources: Vec<&str> = packages
        .iter()
        .filter_map(|p| p.resource.as_deref())
        .collect();
    if resources.is_empty() {
        return;
    }
    let Some(text) = crm_mon(cfg) else { return };
    let active = match cib::active_nodes(&text) {
        Ok(a) => a,
        Err(e) => {
            warn!("crm_mon: {e}");
            return;
        }
    };
    for p in packages.iter_mut() {
        let Some(rsc) = p.resource.as_deref() else {
            continue;
        };
        p.owner = active
            .iter()
            .find(|(r, _)| r == rsc)
            .map(|(_, n)| n.clone());
    }
}

/// `crm_mon -1 --output-as=xml` (with `CIB_file` when the registry reads
/// a CIB file other than the cluster's own), or None with a debug line.
fn crm_mon(cfg: &Config) -> Option<String> {
    let exe = cfg
        .sgsbin
        .iter()
        .map(|d| d.join("crm_mon"))
        .find(|p| super::is_executable(p))?;
    let mut cmd = Command::new(&exe);
    cmd.args(["-1", "--output-as=xml"]);
    if let Some(cib) = cfg.cib.as_deref().filter(|c| *c != Path::new(CIB_FILE)) {
        cmd.env("CIB_file", cib);
    }
    let (out, _status) = super::run_with_timeout(cmd, CRM_MON_TIMEOUT)?;
    // crm_mon exits non-zero when the cluster is not running but still
    // prints a document; an empty answer is no answer.
    (!out.is_empty()).then(|| String::from_utf8_lossy(&out).into_owned())
}
