//! Pure parsers for what Pacemaker says about packages: the CIB (the
//! cluster's configuration, as `/var/lib/pacemaker/cib/cib.xml`,
//! `cibadmin -Q` or a `CIB_file`) and the status `crm_mon --output-as=xml`
//! prints. Each takes the document's text; diagnostics are `(line,
//! message)` pairs for what was skipped, as in `parse`.
//!
//! A package is a `<group>` holding one `ocf:pcue:package` primitive. Its
//! name is that primitive's `package` parameter, its root the `root`
//! parameter (else the registry's default), its addresses the `ip` of the
//! group's `IPaddr2`/`IPaddr` primitives and the `ipv6addr` of its
//! `IPv6addr` primitives. Templates (`template=`), `id-ref` parameter sets
//! and several sets are followed; a set scoped by a `<rule>` is not
//! evaluated here and is skipped with a diagnostic.

use super::parse::Diag;
use roxmltree::{Document, Node};
use std::net::IpAddr;

/// The agent that makes a group a package.
pub const PROVIDER: &str = "pcue";
pub const TYPE: &str = "package";

/// One package as the CIB configures it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CibPackage {
    pub name: String,
    /// The group's id.
    pub group: String,
    /// The `ocf:pcue:package` primitive's id (crm_mon reports it).
    pub resource: String,
    /// The `root` parameter, when set.
    pub root: Option<String>,
    pub addrs: Vec<IpAddr>,
}

fn line(doc: &Document, n: Node) -> usize {
    doc.text_pos_at(n.range().start).row as usize
}

fn parse_doc(text: &str) -> Result<Document<'_>, String> {
    let opt = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    Document::parse_with_options(text, opt).map_err(|e| format!("malformed XML: {e}"))
}

/// An element's attributes after its template: class, provider, type.
struct Agent<'a> {
    class: &'a str,
    provider: &'a str,
    kind: &'a str,
}

/// The CIB's packages. `Err` when the text is not XML or has no
/// `<resources>` section: nothing in it can be trusted.
pub fn packages(text: &str) -> Result<(Vec<CibPackage>, Vec<Diag>), String> {
    packages_and_skipped(text).map(|(p, _, d)| (p, d))
}

/// The packages, the skipped groups' addresses, the diagnostics.
pub type Parsed = (Vec<CibPackage>, Vec<IpAddr>, Vec<Diag>);

/// `packages`, and the addresses of the groups holding an
/// `ocf:pcue:package` primitive that were skipped (no or a bad `package`
/// parameter, a name already taken, a group inside a clone): the cluster
/// may still have them up, so a strict lookup must refuse them.
pub fn packages_and_skipped(text: &str) -> Result<Parsed, String> {
    let doc = parse_doc(text)?;
    let resources = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("resources")
                && n.parent_element()
                    .is_some_and(|p| p.has_tag_name("configuration"))
        })
        .ok_or_else(|| "no <configuration><resources> section".to_string())?;
    let mut out: Vec<CibPackage> = Vec::new();
    let mut skipped: Vec<IpAddr> = Vec::new();
    let mut diags = Vec::new();
    let cib = Cib { doc: &doc };
    // A pcue primitive anywhere but directly in a top-level group.
    for p in resources
        .descendants()
        .filter(|n| n.has_tag_name("primitive"))
    {
        if !cib.is_package_agent(p) {
            continue;
        }
        let parent = p.parent_element();
        let in_group = parent.is_some_and(|g| g.has_tag_name("group"));
        let top = parent
            .and_then(|g| g.parent_element())
            .is_some_and(|r| r == resources);
        if !in_group || !top {
            let why = if in_group {
                "its group is inside a clone: a package runs on one node"
            } else {
                "it is not in a group: a package is a group"
            };
            diags.push((
                line(&doc, p),
                format!("primitive '{}' skipped: {why}", id(p)),
            ));
            if let Some(g) = parent.filter(|_| in_group) {
                skipped.extend(cib.addrs(g, &mut Vec::new()));
            }
        }
    }
    for g in resources.children().filter(|n| n.has_tag_name("group")) {
        let prims: Vec<Node> = g
            .children()
            .filter(|n| n.has_tag_name("primitive"))
            .collect();
        let pkgs: Vec<Node> = prims
            .iter()
            .copied()
            .filter(|p| cib.is_package_agent(*p))
            .collect();
        let Some(&p) = pkgs.first() else { continue };
        for extra in &pkgs[1..] {
            diags.push((
                line(&doc, *extra),
                format!(
                    "group '{}': second ocf:pcue:package primitive '{}' ignored",
                    id(g),
                    id(*extra)
                ),
            ));
        }
        let params = cib.params(p, &mut diags);
        let Some(name) = lookup(&params, "package") else {
            diags.push((
                line(&doc, p),
                format!("primitive '{}' has no 'package' parameter", id(p)),
            ));
            skipped.extend(cib.addrs(g, &mut Vec::new()));
            continue;
        };
        if let Err(e) = crate::package::name::check(name) {
            diags.push((line(&doc, p), format!("primitive '{}': {}", id(p), e.msg)));
            skipped.extend(cib.addrs(g, &mut Vec::new()));
            continue;
        }
        if let Some(first) = out.iter().find(|q| q.name == name) {
            diags.push((
                line(&doc, g),
                format!(
                    "group '{}': package '{name}' is already group '{}'",
                    id(g),
                    first.group
                ),
            ));
            skipped.extend(cib.addrs(g, &mut Vec::new()));
            continue;
        }
        let root = match lookup(&params, "root") {
            Some(r) if r.starts_with('/') => Some(r.to_string()),
            Some(r) => {
                diags.push((
                    line(&doc, p),
                    format!("package '{name}': root '{r}' is not absolute; using the default"),
                ));
                None
            }
            None => None,
        };
        let mut addrs: Vec<IpAddr> = Vec::new();
        for q in &prims {
            let Some(a) = cib.agent(*q) else { continue };
            let key = match (a.class, a.kind) {
                ("ocf", "IPaddr2" | "IPaddr") => "ip",
                ("ocf", "IPv6addr") => "ipv6addr",
                _ => continue,
            };
            let qp = cib.params(*q, &mut diags);
            let Some(v) = lookup(&qp, key) else {
                diags.push((
                    line(&doc, *q),
                    format!("primitive '{}' has no '{key}' parameter", id(*q)),
                ));
                continue;
            };
            match crate::registry::addr::parse(v) {
                Some(ip) => {
                    if let Some(owner) = out.iter().find(|o| o.addrs.contains(&ip)) {
                        diags.push((
                            line(&doc, *q),
                            format!(
                                "address {ip} is claimed by '{}' and '{name}'; '{}' keeps it",
                                owner.name, owner.name
                            ),
                        ));
                    } else if !addrs.contains(&ip) {
                        addrs.push(ip);
                    }
                }
                None => diags.push((
                    line(&doc, *q),
                    format!("primitive '{}': bad IP address '{v}'", id(*q)),
                )),
            }
        }
        if addrs.is_empty() {
            diags.push((
                line(&doc, g),
                format!("group '{}' (package '{name}') has no address", id(g)),
            ));
        }
        out.push(CibPackage {
            name: name.to_string(),
            group: id(g).to_string(),
            resource: id(p).to_string(),
            root,
            addrs,
        });
    }
    Ok((out, skipped, diags))
}

fn id<'a>(n: Node<'a, '_>) -> &'a str {
    n.attribute("id").unwrap_or("?")
}

fn lookup<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

struct Cib<'d, 'i> {
    doc: &'d Document<'i>,
}

impl<'d, 'i> Cib<'d, 'i> {
    /// The element a template or id-ref names.
    fn by_id(&self, tag: &str, want: &str) -> Option<Node<'d, 'i>> {
        self.doc
            .descendants()
            .find(|n| n.has_tag_name(tag) && n.attribute("id") == Some(want))
    }

    fn template(&self, p: Node<'d, 'i>) -> Option<Node<'d, 'i>> {
        p.attribute("template")
            .and_then(|t| self.by_id("template", t))
    }

    fn agent(&self, p: Node<'d, 'i>) -> Option<Agent<'d>> {
        let t = self.template(p);
        let get = |k: &str| p.attribute(k).or_else(|| t.and_then(|t| t.attribute(k)));
        Some(Agent {
            class: get("class")?,
            provider: get("provider").unwrap_or(""),
            kind: get("type")?,
        })
    }

    fn is_package_agent(&self, p: Node<'d, 'i>) -> bool {
        self.agent(p)
            .is_some_and(|a| a.class == "ocf" && a.provider == PROVIDER && a.kind == TYPE)
    }

    /// The primitive's parameters: its own sets, then its template's; in
    /// each, sets in document order, the first value of a name wins.
    /// The addresses group `g`'s IPaddr2/IPaddr/IPv6addr primitives name,
    /// without the checks a package's get (for a skipped group).
    fn addrs(&self, g: Node<'d, 'i>, diags: &mut Vec<Diag>) -> Vec<IpAddr> {
        let mut out = Vec::new();
        for q in g.children().filter(|n| n.has_tag_name("primitive")) {
            let Some(a) = self.agent(q) else { continue };
            let key = match (a.class, a.kind) {
                ("ocf", "IPaddr2" | "IPaddr") => "ip",
                ("ocf", "IPv6addr") => "ipv6addr",
                _ => continue,
            };
            let qp = self.params(q, diags);
            if let Some(ip) = lookup(&qp, key).and_then(crate::registry::addr::parse) {
                out.push(ip);
            }
        }
        out
    }

    fn params(&self, p: Node<'d, 'i>, diags: &mut Vec<Diag>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let owners = std::iter::once(p).chain(self.template(p));
        for owner in owners {
            for set in owner
                .children()
                .filter(|n| n.has_tag_name("instance_attributes"))
            {
                let set = match set.attribute("id-ref") {
                    Some(r) => match self.by_id("instance_attributes", r) {
                        Some(s) => s,
                        None => {
                            diags.push((
                                line(self.doc, set),
                                format!("instance_attributes id-ref '{r}' not found"),
                            ));
                            continue;
                        }
                    },
                    None => set,
                };
                if set.children().any(|n| n.has_tag_name("rule")) {
                    diags.push((
                        line(self.doc, set),
                        format!(
                            "instance_attributes '{}' of '{}' depends on a rule: ignored",
                            id(set),
                            id(p)
                        ),
                    ));
                    continue;
                }
                for nv in set.children().filter(|n| n.has_tag_name("nvpair")) {
                    let (Some(k), Some(v)) = (nv.attribute("name"), nv.attribute("value")) else {
                        continue;
                    };
                    if !out.iter().any(|(n, _)| n == k) {
                        out.push((k.to_string(), v.to_string()));
                    }
                }
            }
        }
        out
    }
}

/// Where each resource is active, from `crm_mon --output-as=xml`:
/// `(resource id, node)` for every resource whose role is Started (or
/// Promoted/Unpromoted/Slave/Master) on a node.
pub fn active_nodes(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc = parse_doc(text)?;
    let res = doc
        .descendants()
        .find(|n| n.has_tag_name("resources"))
        .ok_or_else(|| "no <resources> in the status".to_string())?;
    let mut out = Vec::new();
    for r in res.descendants().filter(|n| n.has_tag_name("resource")) {
        let role = r.attribute("role").unwrap_or("");
        let active = r.attribute("active") != Some("false");
        if !active
            || !matches!(
                role,
                "Started" | "Promoted" | "Unpromoted" | "Master" | "Slave"
            )
        {
            continue;
        }
        if r.attribute("failed") == Some("true") {
            continue;
        }
        if let Some(node) = r
            .children()
            .find(|n| n.has_tag_name("node"))
            .and_then(|n| n.attribute("name"))
        {
            out.push((id(r).to_string(), node.to_string()));
        }
    }
    Ok(out)
}

/// The public copy of a CIB (`/run/pcue/cib.xml`): a CIB-shaped document
/// holding only what the registry reads back with `packages`, one group per
/// package with its `ocf:pcue:package` primitive (`package`, `root`) and
/// one IPaddr2/IPv6addr primitive per address (`ip`, `ipv6addr`). No other
/// resource or parameter of the cluster's file (fencing passwords...)
/// reaches it. `Err` when the text is not a CIB, as `packages`.
pub fn public_copy(text: &str) -> Result<String, String> {
    fn esc(s: &str) -> String {
        let mut o = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => o.push_str("&amp;"),
                '<' => o.push_str("&lt;"),
                '>' => o.push_str("&gt;"),
                '"' => o.push_str("&quot;"),
                '\'' => o.push_str("&apos;"),
                _ => o.push(c),
            }
        }
        o
    }
    let (found, _) = packages(text)?;
    let mut o = String::from("<cib>\n<configuration>\n<resources>\n");
    for (n, p) in found.iter().enumerate() {
        let (g, r) = (esc(&p.group), esc(&p.resource));
        o.push_str(&format!("<group id=\"{g}\">\n"));
        o.push_str(&format!(
            "<primitive id=\"{r}\" class=\"ocf\" provider=\"{PROVIDER}\" type=\"{TYPE}\">\
             <instance_attributes id=\"pcue{n}-ia\">\
             <nvpair id=\"pcue{n}-package\" name=\"package\" value=\"{}\"/>",
            esc(&p.name)
        ));
        if let Some(root) = &p.root {
            o.push_str(&format!(
                "<nvpair id=\"pcue{n}-root\" name=\"root\" value=\"{}\"/>",
                esc(root)
            ));
        }
        o.push_str("</instance_attributes></primitive>\n");
        for (i, a) in p.addrs.iter().enumerate() {
            let (kind, name) = match a {
                IpAddr::V4(_) => ("IPaddr2", "ip"),
                IpAddr::V6(_) => ("IPv6addr", "ipv6addr"),
            };
            o.push_str(&format!(
                "<primitive id=\"pcue{n}-ip{i}\" class=\"ocf\" provider=\"heartbeat\" type=\"{kind}\">\
                 <instance_attributes id=\"pcue{n}-ip{i}-ia\">\
                 <nvpair id=\"pcue{n}-ip{i}-v\" name=\"{name}\" value=\"{a}\"/>\
                 </instance_attributes></primitive>\n"
            ));
        }
        o.push_str("</group>\n");
    }
    o.push_str("</resources>\n</configuration>\n</cib>\n");
    Ok(o)
}

#[cfg(test)]
mod tests {
    //! Fixtures in testdata/ were made with the real tools, offline:
    //! `cibadmin --empty`, then `CIB_file=cib.xml cibadmin --create` of the
    //! groups; `crm_simulate -x cib.xml -u n1 -u n2 -q true -S` twice gave
    //! cib-with-status.xml (what `cibadmin -Q` returns on a live node), and
    //! `CIB_file=... crm_mon -1 --output-as=xml` the status files; `-d n1`
    //! simulated n1's crash.
    use super::*;

    const CIB: &str = include_str!("testdata/cib.xml");
    const CIB_STATUS: &str = include_str!("testdata/cib-with-status.xml");
    const MON: &str = include_str!("testdata/crm_mon.xml");
    const MON_N1_DOWN: &str = include_str!("testdata/crm_mon-n1-down.xml");

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// A CIB with the given `<resources>` content.
    fn cib(resources: &str) -> String {
        format!(
            "<cib epoch=\"1\"><configuration><crm_config/><nodes/><resources>{resources}\
             </resources><constraints/></configuration><status/></cib>"
        )
    }

    fn group(id: &str, pkg: &str, ips: &[&str]) -> String {
        let mut s = format!("<group id=\"{id}\">");
        for (i, a) in ips.iter().enumerate() {
            s += &format!(
                "<primitive id=\"{id}-ip{i}\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">\
                 <instance_attributes id=\"{id}-ip{i}-ia\"><nvpair id=\"{id}-ip{i}-v\" name=\"ip\" value=\"{a}\"/>\
                 </instance_attributes></primitive>"
            );
        }
        s += &format!(
            "<primitive id=\"{id}-pcue\" class=\"ocf\" provider=\"pcue\" type=\"package\">\
             <instance_attributes id=\"{id}-pcue-ia\"><nvpair id=\"{id}-pcue-p\" name=\"package\" value=\"{pkg}\"/>\
             </instance_attributes></primitive></group>"
        );
        s
    }

    #[test]
    fn real_cib_from_cibadmin() {
        let (pkgs, diags) = packages(CIB).unwrap();
        assert_eq!(diags, vec![]);
        assert_eq!(
            pkgs,
            vec![
                CibPackage {
                    name: "pkg01".into(),
                    group: "grp_pkg01".into(),
                    resource: "pcue_pkg01".into(),
                    root: None,
                    addrs: vec![ip("10.77.0.100")],
                },
                CibPackage {
                    name: "pkg02".into(),
                    group: "grp_pkg02".into(),
                    resource: "pcue_pkg02".into(),
                    root: Some("/srv/pkg02".into()),
                    addrs: vec![ip("10.77.0.102"), ip("fd00:77::102")],
                },
            ]
        );
    }

    #[test]
    fn live_cib_with_status_section_reads_the_same() {
        assert_eq!(packages(CIB_STATUS).unwrap(), packages(CIB).unwrap());
    }

    #[test]
    fn crm_mon_says_where_packages_run() {
        let a = active_nodes(MON).unwrap();
        assert!(a.contains(&("pcue_pkg01".into(), "n1".into())), "{a:?}");
        assert!(a.contains(&("pcue_pkg02".into(), "n2".into())), "{a:?}");
        let a = active_nodes(MON_N1_DOWN).unwrap();
        assert!(a.contains(&("pcue_pkg01".into(), "n2".into())), "{a:?}");
        assert!(!a.iter().any(|(_, n)| n == "n1"), "{a:?}");
    }

    #[test]
    fn stopped_and_failed_resources_have_no_node() {
        let mon = r#"<pacemaker-result><resources><group id="g">
            <resource id="a" role="Stopped" active="false" failed="false" nodes_running_on="0"/>
            <resource id="b" role="Started" active="true" failed="true" nodes_running_on="1"><node name="n1" id="1"/></resource>
            <resource id="c" role="Started" active="true" failed="false" nodes_running_on="1"><node name="n2" id="2"/></resource>
            </group></resources></pacemaker-result>"#;
        assert_eq!(active_nodes(mon).unwrap(), vec![("c".into(), "n2".into())]);
    }

    #[test]
    fn malformed_xml_is_one_error() {
        let e = packages("<cib><configuration><resources><group id=\"g\">").unwrap_err();
        assert!(e.starts_with("malformed XML: "), "{e}");
        assert!(!e.contains('\n'), "{e}");
        assert!(packages("").is_err());
        assert!(packages("<cib/>")
            .unwrap_err()
            .contains("no <configuration><resources>"));
        assert!(active_nodes("not xml").is_err());
        // A DTD (entity expansion) is refused, not expanded.
        let bomb = "<!DOCTYPE cib [<!ENTITY a \"aaaa\">]><cib/>";
        assert!(packages(bomb).is_err());
    }

    #[test]
    fn group_without_address_is_kept_and_reported() {
        let text = cib(&(group("g1", "pkg01", &[]) + &group("g2", "pkg02", &["10.0.0.2"])));
        let (pkgs, diags) = packages(&text).unwrap();
        assert_eq!(pkgs.len(), 2);
        assert!(pkgs[0].addrs.is_empty());
        assert_eq!(pkgs[1].addrs, vec![ip("10.0.0.2")]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].1, "group 'g1' (package 'pkg01') has no address");
    }

    #[test]
    fn an_address_claimed_twice_stays_with_the_first() {
        let text = cib(&(group("g1", "pkg01", &["10.0.0.1"])
            + &group("g2", "pkg02", &["10.0.0.1", "10.0.0.2"])
            + &group("g3", "pkg03", &["10.0.0.3"])));
        let (pkgs, diags) = packages(&text).unwrap();
        assert_eq!(pkgs[0].addrs, vec![ip("10.0.0.1")]);
        assert_eq!(pkgs[1].addrs, vec![ip("10.0.0.2")]);
        assert_eq!(pkgs[2].addrs, vec![ip("10.0.0.3")]);
        assert_eq!(
            diags.iter().map(|d| d.1.as_str()).collect::<Vec<_>>(),
            vec!["address 10.0.0.1 is claimed by 'pkg01' and 'pkg02'; 'pkg01' keeps it"]
        );
    }

    #[test]
    fn skipped_groups_give_their_addresses() {
        let nopkg =
            "<group id=\"g6\"><primitive id=\"g6-ip\" class=\"ocf\" provider=\"heartbeat\" \
             type=\"IPaddr2\"><instance_attributes id=\"g6-ia\"><nvpair id=\"g6-v\" name=\"ip\" \
             value=\"10.0.0.6\"/></instance_attributes></primitive><primitive id=\"g6-pcue\" \
             class=\"ocf\" provider=\"pcue\" type=\"package\"/></group>";
        let text = cib(&(group("g1", "pkg 01", &["10.0.0.1"])
            + &group("g2", "pkg02", &["10.0.0.2"])
            + &group("g3", "pkg02", &["10.0.0.3"])
            + "<clone id=\"c4\">"
            + &group("g4", "pkg04", &["10.0.0.4"])
            + "</clone>"
            + nopkg
            + &group("g7", "pkg07", &["10.0.0.7"])));
        let (pkgs, skipped, _) = packages_and_skipped(&text).unwrap();
        let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["pkg02", "pkg07"]);
        let mut skipped = skipped;
        skipped.sort();
        assert_eq!(
            skipped,
            vec![
                ip("10.0.0.1"),
                ip("10.0.0.3"),
                ip("10.0.0.4"),
                ip("10.0.0.6")
            ]
        );
        let (_, none, _) = packages_and_skipped(CIB).unwrap();
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn bad_names_and_parameters_are_skipped_with_a_line() {
        let text = cib(&(group("g1", "../etc", &["10.0.0.1"])
            + &group("g2", "pkg02", &["10.0.0.300"])
            + &group("g3", "pkg02", &["10.0.0.3"])
            + &group("g4", "etc", &["10.0.0.4"])
            + &group("g5", "pkg05", &["10.0.0.5"])));
        let (pkgs, diags) = packages(&text).unwrap();
        let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["pkg02", "pkg05"]);
        let msgs: Vec<&str> = diags.iter().map(|d| d.1.as_str()).collect();
        assert!(
            msgs[0].starts_with("primitive 'g1-pcue': invalid package name '../etc'"),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"primitive 'g2-ip0': bad IP address '10.0.0.300'"),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"group 'g3': package 'pkg02' is already group 'g2'"),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("'etc'")), "{msgs:?}");
        assert!(diags.iter().all(|d| d.0 >= 1));
    }

    #[test]
    fn templates_id_refs_and_rules() {
        let text = cib(r##"
<template id="tpl-pcue" class="ocf" provider="pcue" type="package">
  <instance_attributes id="tpl-ia"><nvpair id="tpl-root" name="root" value="/tpl/root"/></instance_attributes>
</template>
<group id="g1">
  <primitive id="g1-ip" class="ocf" provider="heartbeat" type="IPaddr2">
    <instance_attributes id-ref="shared-ip"/>
  </primitive>
  <primitive id="g1-pcue" template="tpl-pcue">
    <instance_attributes id="g1-when" score="10">
      <rule id="g1-rule" score="INFINITY"><expression id="g1-e" attribute="#uname" operation="eq" value="n1"/></rule>
      <nvpair id="g1-bad" name="package" value="wrong"/>
    </instance_attributes>
    <instance_attributes id="g1-ia"><nvpair id="g1-p" name="package" value="pkg01"/></instance_attributes>
  </primitive>
</group>
<primitive id="loose" class="ocf" provider="pcue" type="package"/>
<clone id="c1"><group id="cg"><primitive id="cg-pcue" class="ocf" provider="pcue" type="package"/></group></clone>
<primitive id="holder" class="ocf" provider="heartbeat" type="Dummy">
  <instance_attributes id="shared-ip"><nvpair id="shared-ip-v" name="ip" value="10.0.0.9"/></instance_attributes>
</primitive>"##);
        let (pkgs, diags) = packages(&text).unwrap();
        assert_eq!(pkgs.len(), 1, "{pkgs:?} {diags:?}");
        assert_eq!(pkgs[0].name, "pkg01");
        assert_eq!(pkgs[0].root.as_deref(), Some("/tpl/root"));
        assert_eq!(pkgs[0].addrs, vec![ip("10.0.0.9")]);
        let msgs: Vec<&str> = diags.iter().map(|d| d.1.as_str()).collect();
        assert!(
            msgs.contains(&"instance_attributes 'g1-when' of 'g1-pcue' depends on a rule: ignored"),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"primitive 'loose' skipped: it is not in a group: a package is a group"),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"primitive 'cg-pcue' skipped: its group is inside a clone: a package runs on one node"),
            "{msgs:?}"
        );
    }

    #[test]
    fn relative_root_falls_back_and_missing_package_is_reported() {
        let text = cib(
            r#"<group id="g1"><primitive id="p1" class="ocf" provider="pcue" type="package">
            <instance_attributes id="p1-ia"><nvpair id="a" name="package" value="pkg01"/><nvpair id="b" name="root" value="rel/x"/></instance_attributes>
            </primitive></group><group id="g2"><primitive id="p2" class="ocf" provider="pcue" type="package"/></group>"#,
        );
        let (pkgs, diags) = packages(&text).unwrap();
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].root, None);
        let msgs: Vec<&str> = diags.iter().map(|d| d.1.as_str()).collect();
        assert!(
            msgs.contains(&"package 'pkg01': root 'rel/x' is not absolute; using the default"),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"primitive 'p2' has no 'package' parameter"),
            "{msgs:?}"
        );
    }

    #[test]
    fn diagnostics_name_the_line() {
        let text = "<cib>\n<configuration>\n<resources>\n<group id=\"g\">\n<primitive id=\"p\" class=\"ocf\" provider=\"pcue\" type=\"package\"/>\n</group>\n</resources>\n</configuration>\n</cib>\n";
        let (_, diags) = packages(text).unwrap();
        assert_eq!(
            diags,
            vec![(5, "primitive 'p' has no 'package' parameter".to_string())]
        );
    }

    #[test]
    fn public_copy_keeps_the_packages_and_nothing_else() {
        let secret = CIB.replace(
            "<resources>",
            "<resources><primitive id=\"fence1\" class=\"stonith\" type=\"fence_ipmilan\">\
             <instance_attributes id=\"fence1-ia\"><nvpair id=\"fence1-pw\" name=\"password\" \
             value=\"S3cr3t-fence\"/></instance_attributes></primitive>",
        );
        let (want, _) = packages(&secret).unwrap();
        assert!(!want.is_empty());
        let copy = public_copy(&secret).unwrap();
        assert!(!copy.contains("S3cr3t-fence"), "{copy}");
        assert!(!copy.contains("password"), "{copy}");
        let doc = parse_doc(&copy).unwrap();
        for nv in doc.descendants().filter(|n| n.has_tag_name("nvpair")) {
            let name = nv.attribute("name").unwrap();
            assert!(
                ["package", "root", "ip", "ipv6addr"].contains(&name),
                "{name} in {copy}"
            );
        }
        assert_eq!(packages(&copy).unwrap().0, want);
        // hostile values stay values
        let hostile = secret.replacen("id=\"grp_pkg01\"", "id=\"g&quot;&lt;b&gt;&amp;&apos;\"", 1);
        let (got, _) = packages(&public_copy(&hostile).unwrap()).unwrap();
        assert_eq!(got, packages(&hostile).unwrap().0);
        assert_eq!(got[0].group, "g\"<b>&'");
        assert!(public_copy("<cib/>").is_err());
    }
}
