//! `/etc/passwd` and `/etc/group`, parsed directly: a static binary inside a
//! package root must not depend on NSS.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passwd {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub gecos: String,
    pub dir: String,
    pub shell: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// `(line, message)` for each line that was skipped.
pub type Diag = (usize, String);

fn fields(line: &str) -> Option<Vec<&str>> {
    let line = line.trim_end_matches('\r');
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    Some(line.split(':').collect())
}

pub fn parse_passwd(text: &str) -> (Vec<Passwd>, Vec<Diag>) {
    let (mut out, mut diags) = (Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate() {
        let Some(f) = fields(line) else { continue };
        let entry = (f.len() == 7 && !f[0].is_empty())
            .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
            .flatten()
            .map(|(uid, gid)| Passwd {
                name: f[0].to_string(),
                uid,
                gid,
                gecos: f[4].to_string(),
                dir: f[5].to_string(),
                shell: f[6].to_string(),
            });
        match entry {
            Some(p) => out.push(p),
            None => diags.push((n + 1, "malformed passwd line".to_string())),
        }
    }
    (out, diags)
}

/// `parse_passwd` of raw bytes: a byte that is not UTF-8 (a Latin-1 GECOS
/// from an old system) spoils only its own field (U+FFFD), not the file.
pub fn parse_passwd_bytes(raw: &[u8]) -> (Vec<Passwd>, Vec<Diag>) {
    parse_passwd(&String::from_utf8_lossy(raw))
}

pub fn parse_group(text: &str) -> (Vec<Group>, Vec<Diag>) {
    let (mut out, mut diags) = (Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate() {
        let Some(f) = fields(line) else { continue };
        let gid = (f.len() == 4 && !f[0].is_empty())
            .then(|| f[2].parse::<u32>().ok())
            .flatten();
        match gid {
            Some(gid) => out.push(Group {
                name: f[0].to_string(),
                gid,
                members: f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect(),
            }),
            None => diags.push((n + 1, "malformed group line".to_string())),
        }
    }
    (out, diags)
}

/// The first entry with this uid (as getpwuid answers).
pub fn by_uid(users: &[Passwd], uid: u32) -> Option<&Passwd> {
    users.iter().find(|p| p.uid == uid)
}

pub fn by_name<'a>(users: &'a [Passwd], name: &str) -> Option<&'a Passwd> {
    users.iter().find(|p| p.name == name)
}

/// The user's groups as initgroups(3) computes them: the primary gid first,
/// then every group that lists the user as a member, without duplicates.
pub fn groups_of(groups: &[Group], user: &str, primary: u32) -> Vec<u32> {
    let mut out = vec![primary];
    for g in groups {
        if g.members.iter().any(|m| m == user) && !out.contains(&g.gid) {
            out.push(g.gid);
        }
    }
    out
}

/// Look a name up in `name:x:ID:...` lines (passwd or group): the id, or
/// the name itself when it is a number.
pub fn lookup_id(db: &str, name: &str) -> Option<u32> {
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    db.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.nth(1)?.parse().ok()
    })
}

/// The lines of a passwd or group text whose id (third field) is below 1000.
pub fn system_accounts(text: &str) -> String {
    let mut out = String::new();
    for l in text.lines() {
        let id = l.split(':').nth(2).and_then(|f| f.parse::<u32>().ok());
        if id.is_some_and(|id| id < 1000) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The shadow lines of the users `system_accounts(passwd)` keeps.
pub fn system_shadow(shadow: &str, passwd: &str) -> String {
    let keep: std::collections::HashSet<&str> = passwd
        .lines()
        .filter(|l| {
            l.split(':')
                .nth(2)
                .and_then(|f| f.parse::<u32>().ok())
                .is_some_and(|id| id < 1000)
        })
        .filter_map(|l| l.split(':').next())
        .collect();
    let mut out = String::new();
    for l in shadow.lines() {
        if l.split(':').next().is_some_and(|n| keep.contains(n)) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment
alice:x:1000:1000:Alice A,,,:/home/alice:/bin/bash
broken:x:notanumber:1:::
short:x:1
mallory:x:1000:1000::/home/m:/bin/sh
";

    #[test]
    fn passwd() {
        let (u, d) = parse_passwd(PASSWD);
        assert_eq!(u.len(), 4);
        assert_eq!(by_uid(&u, 1000).unwrap().name, "alice", "first uid wins");
        assert_eq!(by_name(&u, "alice").unwrap().gecos, "Alice A,,,");
        assert_eq!(by_name(&u, "daemon").unwrap().shell, "/usr/sbin/nologin");
        assert_eq!(d.iter().map(|x| x.0).collect::<Vec<_>>(), vec![5, 6]);
    }

    #[test]
    fn latin1_gecos_spoils_one_field() {
        let raw = b"root:x:0:0:root:/root:/bin/sh\njos\xe9:x:100:100:Jos\xe9 Mar\xeda:/home/jose:/bin/sh\nuser:x:4242:4242::/:/bin/sh\n";
        let (u, d) = parse_passwd_bytes(raw);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(by_uid(&u, 0).unwrap().name, "root");
        assert_eq!(by_uid(&u, 4242).unwrap().name, "user");
        assert_eq!(by_uid(&u, 100).unwrap().name, "jos\u{fffd}");
        assert_eq!(by_uid(&u, 100).unwrap().gecos, "Jos\u{fffd} Mar\u{fffd}a");
    }

    #[test]
    fn group() {
        let (g, d) =
            parse_group("root:x:0:\ntty:x:5:\nusers:x:100:alice,bob\nops:x:200:bob,alice\nbad:x\n");
        assert_eq!(d, vec![(5, "malformed group line".to_string())]);
        assert_eq!(groups_of(&g, "alice", 1000), vec![1000, 100, 200]);
        assert_eq!(groups_of(&g, "carol", 100), vec![100]);
        assert_eq!(groups_of(&g, "bob", 100), vec![100, 200]);
    }

    // literal lines from a Debian 12 host
    const DEBIAN: &str = "root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
";
    const SHADOW: &str = "root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
alice:$y$j9T$abc:19001:0:99999:7:::
";

    #[test]
    fn accounts_below_1000() {
        assert_eq!(
            system_accounts(DEBIAN),
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n"
        );
        assert_eq!(
            system_shadow(SHADOW, DEBIAN),
            "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
        );
        let groups = "root:x:0:\nshadow:x:42:\nalice:x:1000:\n";
        assert_eq!(lookup_id(groups, "shadow"), Some(42));
        assert_eq!(lookup_id(groups, "17"), Some(17));
        assert_eq!(lookup_id(groups, "crontab"), None);
    }
}
