//! Logging to a file in the state directory; nothing is ever written to the terminal,
//! which belongs to the TUI or to the command's own output.

use tracing_subscriber::EnvFilter;

/// Keeps the background writer alive; logs are flushed when it drops.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Starts logging to `<state>/logs/contlab.log` (level from `CONTLAB_LOG`, default `info`).
/// A directory that cannot be created is not an error: contlab then runs without a log.
pub fn init() -> LogGuard {
    let dir = crate::paths::log_dir();
    if std::fs::create_dir_all(&dir).is_err() {
        return LogGuard(None);
    }
    let appender = tracing_appender::rolling::never(&dir, "contlab.log");
    // The default queue holds 128,000 lines, and building it touches every slot: about
    // 2 ms at each start of every command (four per OCI lifecycle). contlab logs a few
    // lines per command; a full queue drops lines rather than block.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .lossy(true)
        .finish(appender);
    let filter = EnvFilter::try_from_env("CONTLAB_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ok = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .is_ok();
    LogGuard(ok.then_some(guard))
}
