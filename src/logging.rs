//! Diagnostics to stderr as `applet: message`, filtered by `PCUE_LOG`
//! (env_logger syntax: `debug`, `pcue=trace`...; default `warn`). Running
//! setuid, `PCUE_LOG` is ignored and the level stays `warn`.

use std::io::Write;

pub fn init(applet: &'static str) {
    let filter = crate::sys::trusted_env("PCUE_LOG").unwrap_or_else(|| "warn".into());
    let _ = env_logger::Builder::new()
        .parse_filters(&filter)
        .format(move |buf, rec| match rec.level() {
            log::Level::Warn | log::Level::Error => writeln!(buf, "{applet}: {}", rec.args()),
            l => writeln!(
                buf,
                "{applet}: {}: {}",
                l.as_str().to_lowercase(),
                rec.args()
            ),
        })
        .try_init();
}
