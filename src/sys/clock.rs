//! Local time and the terminal, for pkgps: the C library's localtime_r (musl
//! reads TZ, else the root's /etc/localtime, else UTC) and the window size.

use crate::ps::Tm;

/// Broken-down local time of `t` (seconds since the epoch).
pub fn localtime(t: i64) -> Option<Tm> {
    let tt: libc::time_t = t;
    // SAFETY: an all-zero `struct tm` is valid; localtime_r only writes it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call.
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
/// context: unless TZ is set, point TZ at `root`'s /etc/localtime (an
/// absolute symlink there is followed one step inside `root`), which musl
/// then maps (it refuses anything but a plain file and falls back to UTC),
/// or at UTC when the package has none. Call before the first `localtime`.
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
    // a TZ that starts with / names a zone file
    match std::fs::symlink_metadata(&zone) {
        Ok(_) => std::env::set_var("TZ", &zone),
        Err(_) => std::env::set_var("TZ", "UTC0"),
    }
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

/// Whether stdout is a terminal, and the width of the first of stdout,
/// stderr, stdin that has a window size (as ps asks them).
pub fn terminal() -> (bool, Option<u16>) {
    // SAFETY: isatty has no preconditions.
    let tty = unsafe { libc::isatty(1) } == 1;
    let cols = [1, 2, 0].into_iter().find_map(|fd| {
        // SAFETY: an all-zero winsize is valid; TIOCGWINSZ only writes it.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        // SAFETY: fd is a plain descriptor number, ws a valid winsize.
        let r = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
        (r == 0 && ws.ws_col > 0 && ws.ws_row > 0).then_some(ws.ws_col)
    });
    (tty, cols)
}
