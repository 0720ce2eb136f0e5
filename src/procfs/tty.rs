//! The text of `/proc/tty/drivers` (pure): which device names a terminal
//! major and minor range have, what ps's TTY column falls back to.

/// One line of /proc/tty/drivers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TtyDriver {
    /// The device name without `/dev/` (`pts`, `ttyS`, `console`).
    pub name: String,
    pub major: u32,
    pub minor_first: u32,
    pub minor_last: u32,
}

/// /proc/tty/drivers: `name  /dev/path  major  minor[-minor]  type`.
pub fn parse(text: &str) -> Vec<TtyDriver> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let name = f.get(1)?.strip_prefix("/dev/")?;
            let name = name.strip_suffix("%d").unwrap_or(name);
            let major = f.get(2)?.parse().ok()?;
            let (a, b) = match f.get(3)?.split_once('-') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None => {
                    let a = f[3].parse().ok()?;
                    (a, a)
                }
            };
            Some(TtyDriver {
                name: name.to_string(),
                major,
                minor_first: a,
                minor_last: b,
            })
        })
        .collect()
}
