//! Taking the terminal and giving it back: raw mode and the alternate screen on entry;
//! restored on return, on drop (an error), and by the teardown service (`crate::shutdown`)
//! on a panic and on SIGINT, SIGTERM or SIGHUP — first, before the rest is torn down.

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
        // On a signal or a panic the teardown service gives the terminal back first,
        // before the rest is torn down, so the student sees any message.
        crate::shutdown::register(crate::shutdown::Phase::Terminal, "terminal", restore);
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
