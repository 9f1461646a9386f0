//! Logging to a file in the state directory; nothing is ever written to the terminal,
//! which belongs to the TUI or to the command's own output.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// Keeps the background writer alive; logs are flushed when it drops.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// How the log's lines reach the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    /// A thread of its own writes them, so a slow disk never stalls the caller: for the
    /// TUI, which draws between events.
    Background,
    /// The logging call writes its line itself: for commands that log a few lines and
    /// exit. A runtime command starts, logs and exits five times or more per OCI
    /// lifecycle, and the thread and its queue would be a good part of each start.
    Inline,
}

/// Starts logging to `<state>/logs/contlab.log`. `CONTLAB_LOG` sets the level (`info` by
/// default) or, with targets (`contlab::runtime=debug,info`), `EnvFilter`'s directives;
/// a plain level skips building the directive parser, a quarter of a runtime command's
/// start. A directory that cannot be created is not an error: contlab then runs
/// without a log.
pub fn init(writer: Writer) -> LogGuard {
    let dir = crate::paths::log_dir();
    if std::fs::create_dir_all(&dir).is_err() {
        return LogGuard(None);
    }
    let appender = tracing_appender::rolling::never(&dir, "contlab.log");
    let spec = std::env::var("CONTLAB_LOG").unwrap_or_default();
    let level = match spec.trim() {
        "" => Some(LevelFilter::INFO),
        s => s.parse::<LevelFilter>().ok(),
    };
    let builder = tracing_subscriber::fmt().with_ansi(false);
    macro_rules! finish {
        ($w:expr) => {
            match level {
                Some(level) => builder.with_max_level(level).with_writer($w).try_init(),
                None => builder
                    .with_env_filter(EnvFilter::new(&spec))
                    .with_writer($w)
                    .try_init(),
            }
            .is_ok()
        };
    }
    match writer {
        Writer::Inline => {
            let _ = finish!(appender);
            LogGuard(None)
        }
        Writer::Background => {
            // The default queue holds 128,000 lines, and building it touches every slot.
            // contlab logs a few lines at a time; a full queue drops lines rather than block.
            let (w, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(1024)
                .lossy(true)
                .finish(appender);
            let ok = finish!(w);
            LogGuard(ok.then_some(guard))
        }
    }
}
