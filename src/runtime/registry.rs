//! The containers this process owns, so that a SIGINT, a SIGTERM or a panic tears them
//! all down: a leaked container is a bug.

use super::ledger::Ledger;
use super::teardown::{self, Removed};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

static LIVE: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());

pub(crate) fn register(id: &str, record: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.push((id.to_string(), record.to_path_buf()));
    }
}

pub(crate) fn unregister(id: &str) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|(i, _)| i != id);
    }
}

/// Ids of the containers this process has running.
pub fn live() -> Vec<String> {
    LIVE.lock()
        .map(|l| l.iter().map(|(i, _)| i.clone()).collect())
        .unwrap_or_default()
}

/// Tears down every container of this process from its state record (not from the
/// `Container` values, which other threads may hold).
pub fn teardown_all() -> Vec<Removed> {
    let live: Vec<(String, PathBuf)> = match LIVE.lock() {
        Ok(mut l) => std::mem::take(&mut *l),
        // A thread panicked holding the lock; the list itself is still sound.
        Err(p) => std::mem::take(&mut *p.into_inner()),
    };
    let mut out = Vec::new();
    for (_, path) in live {
        let Ok(ledger) = Ledger::open(&path) else {
            continue;
        };
        let removed = teardown::undo(ledger.record());
        let ok = removed.iter().all(|r| r.error.is_none());
        out.extend(removed);
        if ok {
            let _ = ledger.finish();
        }
    }
    out
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

/// Something to do when a signal arrives, before the containers are torn down (the TUI
/// gives the terminal back here, so the student sees any message).
static BEFORE_TEARDOWN: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Runs `f` first when SIGINT, SIGTERM or SIGHUP arrives. Set at most once.
pub fn on_signal_first(f: fn()) {
    let _ = BEFORE_TEARDOWN.set(f);
}

/// On SIGINT, SIGTERM or SIGHUP, and on a panic, tears down every live container of
/// this process. The signal then takes its default effect (the process ends with it).
/// Call once, early in `main`.
pub fn install_teardown_handlers() -> anyhow::Result<()> {
    use anyhow::Context;
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    if SIGNAL_PIPE.load(Ordering::Relaxed) >= 0 {
        return Ok(());
    }
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .context("cannot create the signal pipe")?;
    SIGNAL_PIPE.store(std::os::fd::IntoRawFd::into_raw_fd(w), Ordering::Relaxed);
    std::thread::Builder::new()
        .name("contlab-teardown".into())
        .spawn(move || {
            use std::io::Read;
            let mut f = std::fs::File::from(r);
            let mut b = [0u8; 1];
            while f.read_exact(&mut b).is_ok() {
                if let Some(first) = BEFORE_TEARDOWN.get() {
                    first();
                }
                teardown_all();
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
        .context("cannot start the teardown thread")?;
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only makes an async-signal-safe write.
        unsafe { sigaction(sig, &action) }.with_context(|| format!("cannot handle {sig}"))?;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        teardown_all();
        previous(info);
    }));
    Ok(())
}
