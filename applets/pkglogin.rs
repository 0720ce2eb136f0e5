//! pkglogin — IP address to package name.

use crate::args;
use crate::error::{Error, Result};
use crate::registry::{Config, Registry};
use argh::{ArgsInfo, FromArgs};
use std::ffi::OsString;

pub const HELP: &str = "\
NAME
    pkglogin - IP address to package name translation
SYNOPSIS
    pkglogin ADDRESS
    pkglogin -l
DESCRIPTION
    Print the package that owns ADDRESS, or nothing when no package does.
    IPv4 and IPv6 are accepted; an IPv4-mapped IPv6 address
    (::ffff:127.0.0.2) is the same as the IPv4 address.
    Packages come from the Serviceguard configuration: SGCONF from
    /etc/cmcluster.conf (default /etc/cmcluster), one directory per package.
    If cmviewcl can be run (from SGSBIN, /usr/local/cmcluster/bin,
    /opt/cmcluster/bin or /usr/sbin), 'cmviewcl -f line -l package' names
    the packages and their owning nodes; otherwise every directory holding
    a package file is a package. Addresses come from legacy control scripts
    (*.cntl, pkg.ctl, pkgctl: IP[n]= and IP_ADDRESS[n]=) and modular package
    files (*.conf: ip_address). A package's root is /<name>, or
    PCUE_ROOT_PREFIX/<name> when /etc/cmcluster.conf sets PCUE_ROOT_PREFIX,
    or what the package's own files set: PCUE_ROOT= in a control script,
    PEV_PCUE_ROOT in a modular file.
    Malformed lines are reported as FILE:LINE: message and skipped.
    On a Pacemaker node, the packages of the cluster's CIB follow: a group
    holding an ocf:pcue:package primitive is the package named by its
    package parameter, rooted at its root parameter (default as above), with
    the ip of the group's IPaddr2 and the ipv6addr of its IPv6addr
    primitives; the owning node is crm_mon's. Parameters are resolved as
    Pacemaker resolves them: instance_attributes sets by score (equal
    scores: the later set), id-refs, templates, the group's sets; an
    address that a set scoped by a rule may give is refused (pcue cannot
    evaluate rules on node attributes or dates). The CIB is read from
    /var/lib/pacemaker/cib/cib.xml, or, by a caller it is closed to, from
    the copy of its packages /run/pcue/cib.xml that the agent writes (no
    copy, or one older than the CIB or than 600 s, is an error). A
    malformed CIB, a group without an address, an address claimed twice:
    one line each.
OPTIONS
    -l  List every package, one per line: name, root, addresses (comma
        separated), owning node; fields separated by a tab, - when empty.
        An address claimed by two packages is reported on stderr; the
        first package in this order owns it.
ENVIRONMENT
    PCUE_SGCONF  Use this directory instead of SGCONF (ignored when setuid).
    PCUE_ROOT_PREFIX  Parent of package roots (ignored when setuid).
    PCUE_CMCLUSTER_CONF  Read this file instead of /etc/cmcluster.conf
        (ignored when setuid).
    PCUE_CMVIEWCL  0: do not run cmviewcl (ignored when setuid).
    SGSBIN  Where to look for cmviewcl and crm_mon first (ignored when
        setuid).
    PCUE_CIB  Read this CIB file instead (ignored when setuid); crm_mon
        then reads it too (CIB_file).
    PCUE_INDEX  The registry index to use (ignored when setuid); when any
        variable above moves the registry, there is none unless this names
        one (nor a keeper).
    PCUE_KEEPER_IDLE  Seconds the registry keeper lives without a request
        (default 60; 0: no keeper is asked or started); ignored when
        setuid.
    The registry must be read in full to say that no package owns an
    address: what exists and cannot be read (a package file, SGCONF, the
    CIB), an address of an entry the registry skips (a bad package name,
    a CIB group inside a clone) or one the CIB leaves undecided is an
    error, never \"no package\".
    For root the answer comes from the registry keeper (see pkgnet(8)),
    started when there is none; otherwise, and for other users, from the
    registry index /run/pcue-registry.idx when it is current; root
    rewrites a stale one.
EXIT STATUS
    0   Success, whether or not a package owns the address.
    1   The registry cannot answer for ADDRESS (one line says why); with
        -l, part of the registry could not be read (what could is listed).
    2   No address, or a malformed one.
FILES
    /etc/cmcluster.conf, $SGCONF/<pkg>/*.cntl, pkg.ctl, pkgctl, *.conf,
    /var/lib/pacemaker/cib/cib.xml, /run/pcue/cib.xml,
    /run/pcue-registry.idx, @pcue-registry-keeper/HASH (abstract socket)
SEE ALSO
    getcpkg(8), cmviewcl(1m), crm_mon(8)
";

#[derive(FromArgs, ArgsInfo)]
#[argh(help_triggers("--help"))]
/// IP address to package name.
struct Args {
    /// list every package
    #[argh(switch, short = 'l')]
    list: bool,
    /// the address
    #[argh(positional)]
    address: Option<String>,
}

pub fn main(argv: &[OsString]) -> Result<i32> {
    let a: Args = args::parse("pkglogin", HELP, argv)?;
    match (a.list, a.address) {
        (true, None) => {
            let (reg, errors) = Registry::load_checked(&Config::from_system());
            for e in &errors {
                log::warn!("{e}");
            }
            for (i, p) in reg.packages.iter().enumerate() {
                for a in &p.addrs {
                    if let Some(first) = reg.packages[..i].iter().find(|q| q.addrs.contains(a)) {
                        log::warn!(
                            "address {a} is claimed by '{}' and '{}'; '{}' wins",
                            first.name,
                            p.name,
                            first.name
                        );
                    }
                }
                let addrs: Vec<String> = p.addrs.iter().map(|a| a.to_string()).collect();
                let addrs = if addrs.is_empty() {
                    "-".to_string()
                } else {
                    addrs.join(",")
                };
                let node = p.owner.as_deref().unwrap_or("-");
                crate::outln!("{}\t{}\t{addrs}\t{node}", p.name, p.root.display())?;
            }
            Ok(if errors.is_empty() { 0 } else { 1 })
        }
        (false, Some(text)) => {
            let ip = crate::registry::addr::parse(&text).ok_or_else(|| {
                Error::usage(format!("invalid address '{}'", text.escape_debug()))
            })?;
            let p = Registry::find_addr_strict(&Config::from_system(), ip)
                .map_err(|why| Error::fail(format!("can't tell whose address {ip} is: {why}")))?;
            if let Some(p) = p {
                crate::outln!("{}", p.name)?;
            }
            Ok(0)
        }
        _ => Err(Error::usage("usage: pkglogin ADDRESS | pkglogin -l")),
    }
}
