//! Taking the terminal and giving it back: raw mode and the alternate screen on entry;
//! restored on return, on drop (an error), in the panic hook, and on SIGINT, SIGTERM or
//! SIGHUP — then the containers are torn down and the signal ends the process.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Gives the terminal back. Safe to call more than once, from any thread.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::AcqRel) {
        let _ = crossterm::terminal::disable_raw_mode();
        let mut out = std::io::stdout();
        let _ = crossterm::execute!(
            out,
            crossterm::terminal::LeaveAlternateScreen,
            crossterm::cursor::Show
        );
        let _ = out.flush();
    }
}

/// Holds the terminal; dropping it restores it.
pub struct TerminalGuard(());

impl TerminalGuard {
    pub fn enter() -> anyhow::Result<Self> {
        use anyhow::Context;
        crossterm::terminal::enable_raw_mode().context("cannot switch the terminal to raw mode")?;
        ACTIVE.store(true, Ordering::Release);
        let guard = TerminalGuard(());
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::cursor::Hide
        )
        .context("cannot switch to the alternate screen")?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restores the terminal before a panic's message is printed (and before the runtime's
/// hook tears the containers down).
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// On SIGINT, SIGTERM or SIGHUP: give the terminal back, tear every container down,
/// then let the signal end the process (the runtime's handlers, with `restore` first).
pub fn install_signal_handlers() -> anyhow::Result<()> {
    crate::runtime::registry::on_signal_first(restore);
    crate::runtime::install_teardown_handlers()
}
