//! Pure parsers for the Serviceguard files the registry reads. Each takes the
//! file's text and returns what it found plus `(line, message)` diagnostics
//! for the lines it skipped.

use std::net::IpAddr;

pub type Diag = (usize, String);

/// Strip a `#` comment that is not inside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Split on `;` outside quotes.
fn split_statements(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ';') => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&line[start..]);
    out
}

/// A shell word: `"x"`, `'x'` or bare `x`.
fn unquote(v: &str) -> Option<&str> {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q) {
            return inner.strip_suffix(q);
        }
    }
    if v.contains(char::is_whitespace) {
        return None;
    }
    Some(v)
}

/// `/etc/cmcluster.conf` and similar sourceable `KEY=value  # comment` files.
pub fn key_values(text: &str) -> (Vec<(String, String)>, Vec<Diag>) {
    let (mut kv, mut diags) = (Vec::new(), Vec::new());
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        let line = line.strip_prefix("export ").unwrap_or(line).trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once('=') {
            Some((k, v))
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                match unquote(v) {
                    Some(v) => kv.push((k.to_string(), v.to_string())),
                    None => diags.push((n + 1, format!("bad value for '{k}'"))),
                }
            }
            _ => diags.push((n + 1, "not a KEY=value line".to_string())),
        }
    }
    (kv, diags)
}

/// What a package's files say about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageFile {
    /// `package_name` of a modular file.
    pub name: Option<String>,
    pub addrs: Vec<IpAddr>,
    /// `PCUE_ROOT=` (control script) or `PEV_PCUE_ROOT` (modular file).
    pub root: Option<String>,
}

fn push_addr(out: &mut PackageFile, diags: &mut Vec<Diag>, n: usize, v: &str) {
    if v.is_empty() {
        return;
    }
    match crate::registry::addr::parse(v) {
        Some(ip) if !out.addrs.contains(&ip) => out.addrs.push(ip),
        Some(_) => {}
        None => diags.push((n, format!("bad IP address '{v}'"))),
    }
}

/// A legacy control script: `IP[n]=…` / `IP_ADDRESS[n]=…` assignments, several
/// per line with `;`, values quoted or bare. Other variables are ignored.
pub fn control_script(text: &str) -> (PackageFile, Vec<Diag>) {
    let (mut out, mut diags) = (PackageFile::default(), Vec::new());
    for (n, raw) in text.lines().enumerate() {
        for stmt in split_statements(strip_comment(raw)) {
            let stmt = stmt.trim();
            let Some((lhs, rhs)) = stmt.split_once('=') else {
                continue;
            };
            let var = lhs.split('[').next().unwrap_or(lhs);
            let indexed = lhs.len() > var.len();
            let value = || unquote(rhs);
            match (var, indexed) {
                ("IP" | "IP_ADDRESS", true) => match value() {
                    Some(v) => push_addr(&mut out, &mut diags, n + 1, v),
                    None => diags.push((n + 1, format!("bad value for '{lhs}'"))),
                },
                ("PCUE_ROOT", false) => out.root = value().map(str::to_string),
                _ => {}
            }
        }
    }
    (out, diags)
}

/// A modular package file: `keyword value` lines, lists by repetition.
pub fn modular(text: &str) -> (PackageFile, Vec<Diag>) {
    let (mut out, mut diags) = (PackageFile::default(), Vec::new());
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        let Some((key, rest)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        let Some(value) = unquote(rest) else {
            diags.push((n + 1, format!("bad value for '{key}'")));
            continue;
        };
        match key.to_ascii_lowercase().as_str() {
            "package_name" => out.name = Some(value.to_string()),
            "ip_address" => push_addr(&mut out, &mut diags, n + 1, value),
            "ip_subnet" | "ip_subnet_node" if crate::registry::addr::parse(value).is_none() => {
                diags.push((n + 1, format!("bad subnet '{value}'")));
            }
            "pev_pcue_root" => out.root = Some(value.to_string()),
            _ => {}
        }
    }
    (out, diags)
}

/// One package as `cmviewcl -f line -l package` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterPackage {
    pub name: String,
    pub status: Option<String>,
    pub state: Option<String>,
    pub owner: Option<String>,
}

/// `package:NAME|attr=value` lines; deeper prefixes (`package:p|node:n|…`)
/// and other object types are skipped. Packages keep their first-seen order.
pub fn cmviewcl_lines(text: &str) -> (Vec<ClusterPackage>, Vec<Diag>) {
    let (mut pkgs, mut diags): (Vec<ClusterPackage>, Vec<Diag>) = (Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').collect();
        let Some(name) = parts[0].strip_prefix("package:") else {
            continue;
        };
        if parts.len() != 2 {
            continue;
        }
        let Some((attr, value)) = parts[1].split_once('=') else {
            diags.push((n + 1, "not an attribute=value line".to_string()));
            continue;
        };
        let idx = match pkgs.iter().position(|p| p.name == name) {
            Some(i) => i,
            None => {
                pkgs.push(ClusterPackage {
                    name: name.to_string(),
                    ..Default::default()
                });
                pkgs.len() - 1
            }
        };
        let p = &mut pkgs[idx];
        let v = Some(value.to_string());
        match attr {
            "status" => p.status = v,
            "state" => p.state = v,
            "owner" => p.owner = v,
            _ => {}
        }
    }
    (pkgs, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cmcluster_conf() {
        let text = "# Serviceguard configuration\n\
                    SGCONF=/usr/local/cmcluster/conf   # where packages live\n\
                    SGSBIN=\"/usr/local/cmcluster/bin\"\n\
                    export SGRUN=/usr/local/cmcluster/run\n\
                    \n\
                    this is junk\n";
        let (kv, d) = key_values(text);
        assert_eq!(kv[0], ("SGCONF".into(), "/usr/local/cmcluster/conf".into()));
        assert_eq!(kv[1], ("SGSBIN".into(), "/usr/local/cmcluster/bin".into()));
        assert_eq!(kv[2].0, "SGRUN");
        assert_eq!(d, vec![(6, "not a KEY=value line".into())]);
    }

    #[test]
    fn legacy_template_lines() {
        // The stock template as Serviceguard's manual shows it, plus the paper's IP_ADDRESS.
        let text = r#"
VG[0]=vg01
LV[0]=/dev/vg01/lvol1; FS[0]=/pkg01a; FS_MOUNT_OPT[0]="-o rw";
#IP[0]=""
#IP[1]="10.9.9.9"
IP[0]=192.10.25.12
SUBNET[0]=192.10.25.0
IP[1]=2001::1
SUBNET[1]=2001::/64
IP_ADDRESS[0]="127.0.0.2"; IP_ADDRESS[1]='::ffff:127.0.0.9' # the site's own
IP[2]=""
IP[3]=not-an-ip
SERVICE_CMD[0]="/usr/bin/X11/xclock -display 192.10.25.54:0"
PCUE_ROOT=/srv/pkg01
"#;
        let (p, d) = control_script(text);
        assert_eq!(
            p.addrs,
            vec![
                ip("192.10.25.12"),
                ip("2001::1"),
                ip("127.0.0.2"),
                ip("127.0.0.9")
            ]
        );
        assert_eq!(p.root.as_deref(), Some("/srv/pkg01"));
        assert_eq!(d, vec![(12, "bad IP address 'not-an-ip'".into())]);
    }

    #[test]
    fn modular_file() {
        let text = "package_name      pkg1\npackage_type      failover\nnode_name node1\n\
                    ip_subnet         192.10.25.0\n\
                    ip_address        192.10.25.12      # belongs to the preceding ip_subnet\n\
                    ip_address        192.10.25.13\n\
                    ip_address        fd00::12\n\
                    fs_mount_opt      \"-o rw\"\n\
                    ip_address        192.10.25\n\
                    PEV_PCUE_ROOT     /export/pkg1\n";
        let (p, d) = modular(text);
        assert_eq!(p.name.as_deref(), Some("pkg1"));
        assert_eq!(
            p.addrs,
            vec![ip("192.10.25.12"), ip("192.10.25.13"), ip("fd00::12")]
        );
        assert_eq!(p.root.as_deref(), Some("/export/pkg1"));
        assert_eq!(d, vec![(9, "bad IP address '192.10.25'".into())]);
    }

    #[test]
    fn cmviewcl_documented_sample() {
        let text = "package:pkg1|name=pkg1\npackage:pkg1|status=up\npackage:pkg1|state=running\n\
                    package:pkg1|owner=ftsys9\npackage:pkg1|style=modular\n\
                    package:pkg1|run_script=/etc/cmcluster/pkg1/pkg1.cntl\n\
                    package:pkg1|node:ftsys9|status=up\nnode:ftsys9|status=up\n\
                    package:pkg2|status=down\npackage:pkg2|state=halted\npackage:pkg2|owner=unowned\n\
                    package:pkg3|garbage\n";
        let (p, d) = cmviewcl_lines(text);
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0],
            ClusterPackage {
                name: "pkg1".into(),
                status: Some("up".into()),
                state: Some("running".into()),
                owner: Some("ftsys9".into())
            }
        );
        assert_eq!(p[1].state.as_deref(), Some("halted"));
        assert_eq!(d.len(), 1);
    }
}
