//! The clock: now, clock ticks, broken-down local time from the C library's
//! localtime_r (musl reads TZ, else the root's /etc/localtime, else UTC), and
//! the time-zone rule of a package's zone file.

/// A broken-down local time, the parts STIME needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tm {
    pub year: i32,
    pub yday: i32,
    /// 0-11
    pub mon: u32,
    pub mday: u32,
    pub hour: u32,
    pub min: u32,
}

/// Broken-down local time of `t` (seconds since the epoch).
pub fn localtime(t: i64) -> Option<Tm> {
    // time_t is 64 bits on every target we build (glibc and musl, x86_64)
    let tt = t;
    let mut tm = libc::tm {
        tm_sec: 0,
        tm_min: 0,
        tm_hour: 0,
        tm_mday: 0,
        tm_mon: 0,
        tm_year: 0,
        tm_wday: 0,
        tm_yday: 0,
        tm_isdst: 0,
        tm_gmtoff: 0,
        tm_zone: std::ptr::null(),
    };
    // SAFETY: both pointers are valid for the duration of the call; nix has
    // no localtime.
    let r = unsafe { libc::localtime_r(&tt, &mut tm) };
    if r.is_null() {
        return None;
    }
    Some(Tm {
        year: tm.tm_year,
        yday: tm.tm_yday,
        mon: tm.tm_mon as u32,
        mday: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        min: tm.tm_min as u32,
    })
}

/// Local time as a package keeps it, for a package seen from the system
/// context: unless TZ is set, TZ becomes the rule of `root`'s
/// /etc/localtime (an absolute symlink there is followed one step inside
/// `root`), or UTC when the package has none. The rule is the POSIX TZ
/// string that ends a version 2+ zone file (`IST-5:30`,
/// `CET-1CEST,M3.5.0,M10.5.0/3`): musl refuses a zone file path in TZ when
/// the binary runs setuid, a rule it takes either way. Call before the first
/// `localtime`.
pub fn use_zone_of(root: &std::path::Path) {
    if std::env::var_os("TZ").is_some() {
        return;
    }
    let mut zone = root.join("etc/localtime");
    if let Ok(t) = std::fs::read_link(&zone) {
        if let Ok(rel) = t.strip_prefix("/") {
            zone = root.join(rel);
        }
    }
    // a zone file, at most 1 MiB (real ones are a few KiB)
    let rule = super::fs::read_regular(&zone, 1 << 20).and_then(|z| zone_rule(&z));
    std::env::set_var("TZ", rule.as_deref().unwrap_or("UTC0"));
}

/// The POSIX TZ rule in the footer of a TZif file of version 2 or later:
/// the text between the last two newlines. Never a path (`/`, `:`, `.`
/// first), which TZ would read as a file to open.
pub fn zone_rule(data: &[u8]) -> Option<String> {
    if !data.starts_with(b"TZif") || data.get(4).is_none_or(|&v| v < b'2') {
        return None;
    }
    let body = data.strip_suffix(b"\n")?;
    let start = body.iter().rposition(|&b| b == b'\n')? + 1;
    let rule = std::str::from_utf8(&body[start..]).ok()?;
    let sane = !rule.is_empty()
        && rule.len() <= 128
        && rule.bytes().all(|b| b.is_ascii_graphic())
        && !rule.starts_with(['/', ':', '.']);
    sane.then(|| rule.to_string())
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), 100 if unknown.
pub fn clock_ticks() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK) {
        Ok(Some(n)) if n > 0 => n as u64,
        _ => 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_of_a_zone_file() {
        // the header and the tail of a version 2 file, as zic writes them
        let mut z = b"TZif2".to_vec();
        z.extend_from_slice(&[0; 40]);
        z.extend_from_slice(b"\nIST-5:30\n");
        assert_eq!(zone_rule(&z).as_deref(), Some("IST-5:30"));
        let mut v1 = z.clone();
        v1[4] = 0;
        assert_eq!(zone_rule(&v1), None, "version 1 has no footer");
        assert_eq!(zone_rule(b"TZif2\n\n"), None, "no rule");
        assert_eq!(zone_rule(b"not a zone\nUTC0\n"), None);
        if let Ok(real) = std::fs::read("/usr/share/zoneinfo/Europe/Paris") {
            assert_eq!(
                zone_rule(&real).as_deref(),
                Some("CET-1CEST,M3.5.0,M10.5.0/3")
            );
        }
    }
}
