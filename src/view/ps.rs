//! The text of `ps -f`: its fields and columns, computed the way procps-ng
//! 4 computes them. Pure: numbers and bytes in, text out. Reading /proc is
//! `procfs`'s job (and `view::scan`'s, for a whole listing).
//!
//! The rules, from procps-ng's `ps/output.c` and `library/{pids,readproc,
//! escape,devname}.c`:
//! - UID: the user name (escaped); one longer than the column is cut to
//!   width-1 and ends in `+`; the uid in decimal when there is no name.
//! - C: `(utime+stime) * 100 / (boot_tics - starttime)`, truncated, at most
//!   99, where boot_tics is the uptime in clock ticks.
//! - STIME: start = btime + starttime/HZ seconds, in local time: `%H:%M`
//!   when it is today, `%b%d` within this year, else `%Y`.
//! - TTY: the device from tty_nr, without `/dev/`; `?` for none.
//! - TIME: (utime+stime)/HZ as `[DD-]HH:MM:SS`.
//! - CMD: /proc/PID/cmdline with NULs and newlines as spaces, trailing NULs
//!   dropped; when it is empty, `[comm]` (and ` <defunct>` for a zombie);
//!   when it shows as nothing (only NULs), `?`.
//!   Unprintable characters become `.` (C locale, controls) or `?`.
//! - Columns: ps's `show_one_proc` layout: left/right justification in a
//!   fixed width, overflowing text pushes the next column right, the last
//!   column gets what is left of the screen (unlimited when not a tty).

pub use crate::procfs::tty::TtyDriver;
use std::fmt::Write;

/// ps's output buffer: the screen width when stdout is not a terminal.
pub const OUTBUF_SIZE: usize = 2 * 64 * 1024;
/// ps never pads with more spaces than this.
const SPACE_AMOUNT: usize = 144;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Just {
    Left,
    Right,
    /// A user name: left-justified text.
    User,
    /// The last column: takes the rest of the line.
    Unlimited,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub head: &'static str,
    pub width: usize,
    pub just: Just,
}

/// Width of pid columns: as many digits as /proc/sys/kernel/pid_max has
/// (5 when it cannot be read), at least the header's.
pub fn pid_width(pid_max: Option<&str>) -> usize {
    pid_max
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::len)
        .unwrap_or(5)
}

/// `ps -f`'s columns (procps "Std_f": uid_hack,pid,ppid,c,stime,tname,time,cmd),
/// after an optional PACKAGE column.
pub fn f_columns(pid_width: usize, package: bool) -> Vec<Column> {
    let pw = pid_width.max(4);
    let mut v = Vec::new();
    if package {
        v.push(Column {
            head: "PACKAGE",
            width: 8,
            just: Just::Left,
        });
    }
    v.extend([
        Column {
            head: "UID",
            width: 8,
            just: Just::User,
        },
        Column {
            head: "PID",
            width: pid_width.max(3),
            just: Just::Right,
        },
        Column {
            head: "PPID",
            width: pw,
            just: Just::Right,
        },
        Column {
            head: "C",
            width: 2,
            just: Just::Right,
        },
        Column {
            head: "STIME",
            width: 5,
            just: Just::Right,
        },
        Column {
            head: "TTY",
            width: 8,
            just: Just::Left,
        },
        Column {
            head: "TIME",
            width: 8,
            just: Just::Right,
        },
        Column {
            head: "CMD",
            width: 27,
            just: Just::Unlimited,
        },
    ]);
    v
}

/// The screen width ps works with: the terminal's (80 when it has none)
/// when stdout is a terminal, else the whole output buffer; `COLUMNS`, when
/// a number between 1 and the buffer size, wins.
pub fn screen_cols(stdout_is_tty: bool, term_cols: Option<u16>, columns: Option<&str>) -> usize {
    let mut cols = match term_cols {
        Some(c) if c > 0 => c as usize,
        _ => 80,
    };
    if !stdout_is_tty {
        cols = OUTBUF_SIZE;
    }
    if let Some(Ok(t)) = columns.filter(|s| !s.is_empty()).map(str::parse::<i64>) {
        if t > 0 && (t as usize) < OUTBUF_SIZE {
            cols = t as usize;
        }
    }
    cols
}

/// ps's table: rows laid out as ps lays them out.
pub struct Table {
    pub cols: Vec<Column>,
    active_cols: usize,
}

impl Table {
    pub fn new(cols: Vec<Column>, screen_cols: usize) -> Table {
        // check_header_width: the line may span several screen widths
        let mut total = 0;
        let mut was_normal = 0;
        for (i, c) in cols.iter().enumerate() {
            let last = i + 1 == cols.len();
            total += if c.just == Just::Unlimited && last {
                3
            } else {
                c.width
            };
            total += was_normal;
            was_normal = 1;
        }
        let screen = screen_cols.max(1);
        let mut active = screen;
        while active < total && active < OUTBUF_SIZE / 2 {
            active += screen;
        }
        Table {
            cols,
            active_cols: active,
        }
    }

    pub fn header(&self) -> String {
        let v: Vec<String> = self.cols.iter().map(|c| c.head.to_string()).collect();
        self.line(&v, true)
    }

    /// One row from one text per column (already escaped).
    pub fn row(&self, cells: &[String]) -> String {
        self.line(cells, false)
    }

    fn line(&self, cells: &[String], header: bool) -> String {
        let mut out = String::new();
        let (mut correct, mut actual, mut dospace) = (0i64, 0i64, 0i64);
        let active = self.active_cols as i64;
        for (i, col) in self.cols.iter().enumerate() {
            let last = i + 1 == self.cols.len();
            let text = cells.get(i).map(String::as_str).unwrap_or("");
            let (max_rightward, tmpspace) = if !last {
                (col.width as i64, 0)
            } else {
                let t = correct - actual;
                if t < 1 {
                    (active - actual - dospace, dospace)
                } else {
                    (active - correct.max(actual), t)
                }
            };
            let max_rightward = max_rightward.clamp(0, OUTBUF_SIZE as i64 - 1) as usize;
            let mut text: String = if last && !header {
                text.chars().take(max_rightward).collect()
            } else {
                text.to_string()
            };
            if col.just == Just::Unlimited && active - actual - tmpspace < 1 {
                text = text.chars().take(1).collect();
            }
            let amount = text.chars().count() as i64;
            let leftpad = match col.just {
                Just::Right => (col.width as i64 - amount).max(0),
                Just::Left | Just::User | Just::Unlimited => 0,
            };
            let mut space = correct - actual + leftpad;
            if space < 1 {
                space = dospace;
            }
            let space = space.min(SPACE_AMOUNT as i64);
            for _ in 0..space {
                out.push(' ');
            }
            out.push_str(&text);
            if last {
                break;
            }
            actual += space + amount;
            correct += col.width as i64 + 1;
            dospace = 1;
        }
        out
    }
}

/// ps's escape_str: what a terminal may safely show. In a UTF-8 locale
/// valid printable characters pass and every other byte or character is
/// `?`; otherwise controls are `.` and bytes over 127 are `?`. Stops at NUL.
pub fn escape(src: &[u8], utf8: bool) -> String {
    let src = match src.iter().position(|&b| b == 0) {
        Some(n) => &src[..n],
        None => src,
    };
    let mut out = String::with_capacity(src.len());
    if !utf8 {
        for &b in src {
            out.push(match b {
                1..=31 | 127 => '.',
                128..=255 => '?',
                _ => b as char,
            });
        }
        return out;
    }
    for chunk in src.utf8_chunks() {
        for c in chunk.valid().chars() {
            out.push(if printable(c) { c } else { '?' });
        }
        for _ in chunk.invalid() {
            out.push('?');
        }
    }
    out
}

/// iswprint() of a UTF-8 C library, short of the tables of unassigned code
/// points: controls, line/paragraph separators and noncharacters are not.
fn printable(c: char) -> bool {
    let u = c as u32;
    !(u < 0x20
        || (0x7f..=0x9f).contains(&u)
        || u == 0x2028
        || u == 0x2029
        || (0xfdd0..=0xfdef).contains(&u)
        || u & 0xfffe == 0xfffe)
}

/// Whether the locale environment asks for UTF-8 (LC_ALL, else LC_CTYPE,
/// else LANG, the first that is set and not empty).
pub fn locale_is_utf8(lc_all: Option<&str>, lc_ctype: Option<&str>, lang: Option<&str>) -> bool {
    let v = [lc_all, lc_ctype, lang]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let v = v.to_ascii_lowercase();
    v.contains("utf-8") || v.contains("utf8")
}

/// The library's cmdline conversion (read_unvectored): None when the file
/// was empty, which means "show [comm]".
pub fn cmdline_text(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() {
        return None;
    }
    let n = raw.len();
    let mut d = raw.to_vec();
    let mut i = n;
    while i > 0 && d[i - 1] == 0 {
        i -= 1;
    }
    for b in d[..i].iter_mut() {
        if *b == b'\n' || *b == 0 {
            *b = b' ';
        }
    }
    if d[n - 1] == b' ' {
        d[n - 1] = 0;
    }
    if let Some(z) = d.iter().position(|&b| b == 0) {
        d.truncate(z);
    }
    Some(d)
}

/// CMD: the command line, or `[comm]` (plus ` <defunct>` for a zombie)
/// when it is empty; `?` when it is there but shows as nothing (only NULs,
/// as after `execv(path, {"", NULL})`).
pub fn cmd_field(cmdline: &[u8], comm: &[u8], state: char, utf8: bool) -> String {
    match cmdline_text(cmdline) {
        Some(t) => match escape(&t, utf8) {
            e if e.is_empty() => "?".to_string(),
            e => e,
        },
        None => {
            let mut s = format!("[{}]", escape(comm, utf8));
            if state == 'Z' {
                s.push_str(" <defunct>");
            }
            s
        }
    }
}

/// UID: the name, cut to `width-1` plus `+` when too long, or the uid.
pub fn user_field(name: Option<&str>, uid: u32, width: usize, utf8: bool) -> String {
    if let Some(n) = name {
        let e = escape(n.as_bytes(), utf8);
        if e.chars().count() <= width {
            return e;
        }
        let b = e.as_bytes();
        if width >= 1 && b.len() >= width && b[width - 1] < 127 {
            return format!("{}+", &e[..width - 1]);
        }
    }
    uid.to_string()
}

/// C: integer CPU utilisation over the process's life, at most 99.
pub fn c_field(ticks: u64, starttime: u64, boot_tics: u64) -> String {
    let t = boot_tics as f64 - starttime as f64;
    let mut pcpu = 0.0f64;
    if t > 0.0 {
        // pids.c: ((utime + stime) * 100.0f) / t
        pcpu = ((ticks as f32) * 100.0f32) as f64 / t;
    }
    let c = (pcpu as u64).min(99);
    format!("{c:2}")
}

/// TIME: `[DD-]HH:MM:SS` of whole seconds of CPU.
pub fn time_field(ticks: u64, hz: u64) -> String {
    let mut t = ticks / hz.max(1);
    let ss = t % 60;
    t /= 60;
    let mm = t % 60;
    t /= 60;
    let hh = t % 24;
    let dd = t / 24;
    let mut s = String::new();
    if dd > 0 {
        let _ = write!(s, "{dd}-");
    }
    let _ = write!(s, "{hh:02}:{mm:02}:{ss:02}");
    s
}

/// A broken-down local time, the parts STIME needs (the sys layer's type).
pub use crate::sys::time::Tm;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// When a process started, in seconds since the epoch.
pub fn start_epoch(btime: u64, starttime: u64, hz: u64) -> i64 {
    (btime + starttime / hz.max(1)) as i64
}

/// STIME: `HH:MM` today, `MonDD` this year, else the year.
pub fn stime_field(now: &Tm, start: &Tm) -> String {
    if now.year != start.year {
        format!("{}", start.year + 1900)
    } else if now.yday != start.yday {
        let m = MONTHS.get(start.mon as usize).copied().unwrap_or("???");
        format!("{m}{:02}", start.mday)
    } else {
        format!("{:02}:{:02}", start.hour, start.min)
    }
}

/// The kernel's standard names for terminal majors (devices.txt), which
/// ps falls back to.
fn guess_name(major: u32, minor: u32) -> Option<String> {
    let pre = match major {
        3 => {
            let t0 = b"pqrstuvwxyzabcde".get((minor >> 4) as usize)?;
            let t1 = b"0123456789abcdef"[(minor & 15) as usize];
            return Some(format!("tty{}{}", *t0 as char, t1 as char));
        }
        4 if minor < 64 => return Some(format!("tty{minor}")),
        4 => return Some(format!("ttyS{}", minor - 64)),
        136..=143 => return Some(format!("pts/{}", minor + (major - 136) * 256)),
        156 => return Some(format!("ttySR{}", minor + 256)),
        11 => "ttyB",
        17 => "ttyH",
        19 => "ttyC",
        22 | 23 => "ttyD",
        24 => "ttyE",
        32 => "ttyX",
        43 => "ttyI",
        46 => "ttyR",
        48 => "ttyL",
        57 => "ttyP",
        71 => "ttyF",
        75 => "ttyW",
        78 | 112 => "ttyM",
        105 => "ttyV",
        148 => "ttyT",
        154 => "ttySR",
        164 => "ttyCH",
        166 => "ttyACM",
        172 => "ttyMX",
        174 => "ttySI",
        188 => "ttyUSB",
        208 => "ttyU",
        216 => "ttyUB",
        224 => "ttyY",
        256 => "ttyEQ",
        _ => return None,
    };
    Some(format!("{pre}{minor}"))
}

/// TTY from stat's tty_nr: the standard name, else the driver table's,
/// else `?`. Characters outside printable ASCII become `?`.
pub fn tty_field(tty_nr: i32, drivers: &[TtyDriver]) -> String {
    let dev = tty_nr as u32;
    if dev == 0 {
        return "?".into();
    }
    let major = (dev >> 8) & 0xfff;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    let name = guess_name(major, minor).or_else(|| {
        drivers
            .iter()
            .find(|d| d.major == major && d.minor_first <= minor && minor <= d.minor_last)
            .map(|d| {
                if d.minor_first == d.minor_last {
                    d.name.clone()
                } else {
                    format!("{}{minor}", d.name)
                }
            })
    });
    match name {
        None => "?".into(),
        Some(n) => n
            .bytes()
            .take(64)
            .map(|c| if c <= b' ' || c > 126 { '?' } else { c as char })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(package: bool, screen: usize) -> Table {
        Table::new(f_columns(5, package), screen)
    }

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn header_and_rows_like_ps_ef() {
        // lines copied from `ps -ef` (procps-ng 4.0.2, pid_max 32768)
        let l = layout(false, OUTBUF_SIZE);
        assert_eq!(
            l.header(),
            "UID        PID  PPID  C STIME TTY          TIME CMD"
        );
        let r = l.row(&cells(&[
            "root",
            "1",
            "0",
            " 0",
            "20:15",
            "?",
            "00:00:02",
            "/sbin/init",
        ]));
        assert_eq!(
            r,
            "root         1     0  0 20:15 ?        00:00:02 /sbin/init"
        );
        let r = l.row(&cells(&[
            "4242", "16958", "16952", " 9", "20:28", "pts/0", "00:00:00", "sleep 60",
        ]));
        assert_eq!(
            r,
            "4242     16958 16952  9 20:28 pts/0    00:00:00 sleep 60"
        );
    }

    #[test]
    fn overflow_pushes_columns_right() {
        let l = layout(false, OUTBUF_SIZE);
        // a 7-digit pid under a 5-wide column, and a day count in TIME
        let r = l.row(&cells(&[
            "root",
            "4194000",
            "1",
            " 0",
            "Nov20",
            "?",
            "2-03:04:05",
            "x",
        ]));
        assert_eq!(r, "root     4194000   1  0 Nov20 ?        2-03:04:05 x");
    }

    #[test]
    fn screen_width_truncates_the_last_column() {
        // COLUMNS=60 / 52 / 50 / 30 with `ps -ef`: the line spans whole
        // multiples of the screen until the fixed columns fit.
        let row = cells(&[
            "root",
            "1",
            "0",
            " 0",
            "20:15",
            "?",
            "00:00:03",
            "/process_api --firecracker-init --addr 0.0.0.0:2024 --max-ws-buffer-size 32768",
        ]);
        let r60 = layout(false, screen_cols(false, None, Some("60"))).row(&row);
        assert_eq!(
            r60,
            "root         1     0  0 20:15 ?        00:00:03 /process_api"
        );
        let r52 = layout(false, 52).row(&row);
        assert_eq!(r52, "root         1     0  0 20:15 ?        00:00:03 /pro");
        assert_eq!(layout(false, 50).row(&row).len(), 100);
        assert_eq!(layout(false, 30).row(&row), r60);
        assert_eq!(screen_cols(true, Some(120), None), 120);
        assert_eq!(screen_cols(true, None, None), 80);
        assert_eq!(screen_cols(false, Some(120), Some("x")), OUTBUF_SIZE);
    }

    #[test]
    fn package_column() {
        let l = layout(true, OUTBUF_SIZE);
        assert_eq!(
            l.header(),
            "PACKAGE  UID        PID  PPID  C STIME TTY          TIME CMD"
        );
        let r = l.row(&cells(&[
            "-", "root", "1", "0", " 0", "20:15", "?", "00:00:02", "init",
        ]));
        assert_eq!(
            r,
            "-        root         1     0  0 20:15 ?        00:00:02 init"
        );
    }

    #[test]
    fn pid_width_follows_pid_max() {
        assert_eq!(pid_width(Some("32768\n")), 5);
        assert_eq!(pid_width(Some("4194304\n")), 7);
        assert_eq!(pid_width(None), 5);
        let l = Table::new(f_columns(7, false), OUTBUF_SIZE);
        assert_eq!(
            l.header(),
            "UID          PID    PPID  C STIME TTY          TIME CMD"
        );
    }

    #[test]
    fn escaping_in_both_locales() {
        // argv "tab\there" "ctl\x01x" "del\x7fx" "é" "\xff" as ps showed them
        let raw = b"a\0tab\there\0ctl\x01x\0del\x7fx\0\xc3\xa9\0\xff\0nl\nx\0\0\0";
        let t = cmdline_text(raw).unwrap();
        assert_eq!(escape(&t, false), "a tab.here ctl.x del.x ?? ? nl x");
        assert_eq!(escape(&t, true), "a tab?here ctl?x del?x é ? nl x");
        assert_eq!(
            escape("\u{85}\u{2028}\u{1f600}".as_bytes(), true),
            "??\u{1f600}"
        );
        assert_eq!(escape(b"\xe2\x82)", true), "??)", "one ? per invalid byte");
    }

    #[test]
    fn cmdline_edges() {
        assert_eq!(cmdline_text(b""), None);
        assert_eq!(cmdline_text(b"\0\0\0").unwrap(), b"");
        assert_eq!(cmdline_text(b"sleep\x00600\x00").unwrap(), b"sleep 600");
        assert_eq!(cmdline_text(b"title ").unwrap(), b"title");
        assert_eq!(cmdline_text(b"a\0\0b\0").unwrap(), b"a  b");
        assert_eq!(cmd_field(b"", b"k) th", 'S', true), "[k) th]");
        assert_eq!(cmd_field(b"", b"sh", 'Z', false), "[sh] <defunct>");
        // ps -f of a process exec'd with argv {"", "", ""}: "?"
        assert_eq!(cmd_field(b"\0\0\0", b"exe", 'S', true), "?");
        assert_eq!(cmd_field(b"\0", b"exe", 'Z', false), "?");
        assert_eq!(cmd_field(b"\n", b"exe", 'S', true), "?");
        assert_eq!(
            cmd_field(b"/tmp/my) proc\x00600\x00", b"my) proc", 'S', false),
            "/tmp/my) proc 600"
        );
    }

    #[test]
    fn users() {
        assert_eq!(user_field(Some("root"), 0, 8, true), "root");
        assert_eq!(user_field(Some("eightchr"), 5, 8, true), "eightchr");
        assert_eq!(user_field(Some("longusername"), 4444, 8, true), "longuse+");
        assert_eq!(user_field(None, 4343, 8, true), "4343");
        // a multibyte character where the + would go: the uid
        assert_eq!(user_field(Some("ééééééééé"), 7, 8, true), "7");
    }

    #[test]
    fn cpu_and_times() {
        // 5 ticks over 250 ticks of life: 2 %
        assert_eq!(c_field(5, 1000, 1250), " 2");
        assert_eq!(c_field(0, 1000, 1250), " 0");
        assert_eq!(c_field(500, 1000, 1100), "99", "capped");
        assert_eq!(c_field(5, 1000, 1000), " 0", "no life yet");
        assert_eq!(time_field(0, 100), "00:00:00");
        assert_eq!(time_field(366_199, 100), "01:01:01");
        assert_eq!(
            time_field(100 * (2 * 86400 + 3 * 3600 + 4 * 60 + 5), 100),
            "2-03:04:05"
        );
        assert_eq!(start_epoch(1_795_292_100, 83_737, 100), 1_795_292_937);
    }

    #[test]
    fn stime_formats() {
        let tm = |year, yday, mon, mday, hour, min| Tm {
            year,
            yday,
            mon,
            mday,
            hour,
            min,
        };
        let now = tm(126, 324, 10, 21, 20, 28);
        assert_eq!(stime_field(&now, &tm(126, 324, 10, 21, 3, 2)), "03:02");
        assert_eq!(stime_field(&now, &tm(126, 156, 5, 6, 3, 2)), "Jun06");
        assert_eq!(stime_field(&now, &tm(125, 324, 10, 21, 3, 2)), "2025");
    }

    #[test]
    fn ttys() {
        let d = crate::procfs::tty::parse(
            "/dev/tty             /dev/tty        5       0 system:/dev/tty
/dev/console         /dev/console    5       1 system:console
/dev/ptmx            /dev/ptmx       5       2 system
/dev/vc/0            /dev/vc/0       4       0 system:vtmaster
serial               /dev/ttyS       4      64 serial
pty_slave            /dev/pts      136 0-1048575 pty:slave
unknown              /dev/tty        4 1-63 console
",
        );
        assert_eq!(d.len(), 7);
        assert_eq!(tty_field(0, &d), "?");
        assert_eq!(tty_field(136 << 8 | 3, &d), "pts/3");
        // pts/300: minor 300 keeps its high bits above bit 20
        assert_eq!(tty_field((136 << 8) | 44 | (1 << 20), &d), "pts/300");
        assert_eq!(tty_field(4 << 8 | 1, &d), "tty1");
        assert_eq!(tty_field(4 << 8 | 64, &d), "ttyS0");
        assert_eq!(tty_field(5 << 8 | 1, &d), "console");
        assert_eq!(tty_field(7 << 8 | 1, &d), "?");
    }

    #[test]
    fn locales() {
        assert!(locale_is_utf8(None, None, Some("C.UTF-8")));
        assert!(locale_is_utf8(None, Some("en_US.utf8"), Some("C")));
        assert!(!locale_is_utf8(Some("C"), None, Some("C.UTF-8")));
        assert!(!locale_is_utf8(Some(""), None, None));
    }
}
