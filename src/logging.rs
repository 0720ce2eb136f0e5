//! Diagnostics to stderr as `applet: message`, filtered by `PCUE_LOG`
//! (env_logger syntax: `debug`, `pcue=trace`...; default `warn`). Running
//! setuid, `PCUE_LOG` is ignored and the level stays `warn`.

use std::io::Write;
use std::sync::OnceLock;

/// Set by `to_syslog`: the ident every diagnostic goes to syslog under.
static SYSLOG: OnceLock<&'static str> = OnceLock::new();

/// From now on diagnostics and the final error go to syslog (facility
/// daemon) instead of stderr: for pkgnet, whose stderr is the client's
/// socket under inetd.
pub fn to_syslog(ident: &'static str) {
    let _ = SYSLOG.set(ident);
}

/// Where an applet's last word goes: syslog after `to_syslog`, else stderr.
pub fn final_error(applet: &str, msg: &str) {
    match SYSLOG.get() {
        Some(ident) => {
            crate::sys::syslog(crate::sys::Facility::Daemon, log::Level::Error, ident, msg)
        }
        None => eprintln!("{applet}: {msg}"),
    }
}

pub fn init(applet: &'static str) {
    let filter = crate::sys::trusted_env("PCUE_LOG").unwrap_or_else(|| "warn".into());
    let _ = env_logger::Builder::new()
        .parse_filters(&filter)
        .format(move |buf, rec| {
            if let Some(ident) = SYSLOG.get() {
                let msg = rec.args().to_string();
                crate::sys::syslog(crate::sys::Facility::Daemon, rec.level(), ident, &msg);
                return Ok(());
            }
            match rec.level() {
                log::Level::Warn | log::Level::Error => writeln!(buf, "{applet}: {}", rec.args()),
                l => writeln!(
                    buf,
                    "{applet}: {}: {}",
                    l.as_str().to_lowercase(),
                    rec.args()
                ),
            }
        })
        .try_init();
}
