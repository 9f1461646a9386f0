//! Taking the terminal and giving it back: raw mode and the alternate screen on entry;
//! restored on return, on drop (an error), in the panic hook, and on SIGINT, SIGTERM or
//! SIGHUP — then the containers are torn down and the signal ends the process.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

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

static SIGNAL_PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = SIGNAL_PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        let b = sig as u8;
        // SAFETY: write(2) is async-signal-safe; the byte lives on this stack frame.
        unsafe {
            libc::write(fd, (&b as *const u8).cast(), 1);
        }
    }
}

/// Replaces the runtime's signal handlers with ones that also restore the terminal:
/// restore, tear every container down, then let the signal end the process.
pub fn install_signal_handlers() -> anyhow::Result<()> {
    use anyhow::Context;
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .context("cannot create the signal pipe")?;
    SIGNAL_PIPE.store(std::os::fd::IntoRawFd::into_raw_fd(w), Ordering::Relaxed);
    std::thread::Builder::new()
        .name("contlab-tui-signals".into())
        .spawn(move || {
            use std::io::Read;
            let mut f = std::fs::File::from(r);
            let mut b = [0u8; 1];
            while f.read_exact(&mut b).is_ok() {
                restore();
                crate::runtime::registry::teardown_all();
                let Ok(sig) = Signal::try_from(b[0] as i32) else {
                    continue;
                };
                // SAFETY: restoring the default disposition, then re-raising.
                unsafe {
                    let _ = sigaction(
                        sig,
                        &SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty()),
                    );
                }
                let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), sig);
            }
        })
        .context("cannot start the signal thread")?;
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only makes an async-signal-safe write.
        unsafe { sigaction(sig, &action) }.with_context(|| format!("cannot handle {sig}"))?;
    }
    Ok(())
}
