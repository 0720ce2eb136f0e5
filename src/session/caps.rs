//! The capabilities a package keeps: its root is not the node's root.
//!
//! Everything in a package (pkginit's children, `execsh -u root`, pkgnet's
//! daemons) runs with this bounding set; the README lists it with the
//! reason for each. Chosen from what sshd (privilege separation), login,
//! su, passwd, cron, atd and cupsd with its backends need, as the
//! isolation lab measured each of them.

/// (number, name, why it is kept)
pub const KEPT: &[(u32, &str, &str)] = &[
    (
        0,
        "CHOWN",
        "login gives the tty to the user; passwd writes a new /etc/shadow; cupsd",
    ),
    (
        1,
        "DAC_OVERRIDE",
        "cron and atd read spools owned by other users (0730, 1770)",
    ),
    (
        3,
        "FOWNER",
        "login changes the mode of a tty it does not own",
    ),
    (
        4,
        "FSETID",
        "root keeps set-id bits on files it changes (package installs)",
    ),
    (
        5,
        "KILL",
        "pkginit, cupsd and atd signal processes of other users",
    ),
    (
        6,
        "SETGID",
        "every daemon that switches to a user: sshd, login, su, cron, atd, cupsd",
    ),
    (7, "SETUID", "the same"),
    (
        8,
        "SETPCAP",
        "daemons that drop capabilities of their own (within this set)",
    ),
    (
        10,
        "NET_BIND_SERVICE",
        "ports below 1024 on the package's addresses (sshd 22, cupsd 631)",
    ),
    (
        18,
        "SYS_CHROOT",
        "sshd's privilege separation chroots to /run/sshd",
    ),
    (29, "AUDIT_WRITE", "PAM and sshd send audit records"),
    (
        24,
        "SYS_RESOURCE",
        "pam_limits raising a hard limit of limits.conf",
    ),
];

/// The kept set, a bit per capability number.
pub const KEEP: u64 = {
    let mut m = 0u64;
    let mut i = 0;
    while i < KEPT.len() {
        m |= 1u64 << KEPT[i].0;
        i += 1;
    }
    m
};

/// CAP_SYS_ADMIN: never in a package's bounding set; pkginit alone keeps
/// it in its own permitted set (its syslog relay passes on the sender's
/// credentials), which is why CAP_SYS_PTRACE is not kept either and
/// pkginit is not dumpable.
pub const SYS_ADMIN: u32 = 21;

/// What pkginit itself keeps (permitted and effective): [`KEEP`] and
/// CAP_SYS_ADMIN.
pub const PKGINIT: u64 = KEEP | (1u64 << SYS_ADMIN);

/// Capabilities the issue names as never kept.
#[cfg(test)]
pub const NEVER: &[(u32, &str)] = &[
    (21, "SYS_ADMIN"),
    (16, "SYS_MODULE"),
    (17, "SYS_RAWIO"),
    (22, "SYS_BOOT"),
    (25, "SYS_TIME"),
    (12, "NET_ADMIN"),
    (2, "DAC_READ_SEARCH"),
    (27, "MKNOD"),
    (32, "MAC_OVERRIDE"),
    (33, "MAC_ADMIN"),
    (34, "SYSLOG"),
    (39, "BPF"),
    (19, "SYS_PTRACE"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_the_node_keeps_for_itself_is_kept() {
        for (n, name) in NEVER {
            assert_eq!(KEEP & (1 << n), 0, "{name} must not be kept");
        }
        assert_eq!(KEEP.count_ones() as usize, KEPT.len());
        assert_eq!(KEEP, 0x2000_05fb | (1 << 24) | (1 << 18), "{KEEP:#x}");
        assert_eq!(PKGINIT & !KEEP, 1 << 21);
    }
}
