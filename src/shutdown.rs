//! The one signal and teardown service. Whatever contlab owns that must not outlive it —
//! the terminal in raw mode, helper processes such as etcd members, containers —
//! registers here, and is given back or torn down on SIGINT, SIGTERM, SIGHUP, a panic,
//! and at normal exit, in a fixed order ([`Phase`]).
//!
//! The signal handler itself only writes one byte to a pipe (write(2) is
//! async-signal-safe); a thread started by [`install`] reads it, runs the hooks, then
//! restores the signal's default action and sends the signal again, so contlab ends the
//! way the signal meant it to. If that thread cannot be woken, the handler kills the
//! registered process groups itself (kill(2) is async-signal-safe too) and ends at once.
//!
//! This module imports nothing of the parts that register with it: each part knows how
//! to tear itself down, the service only knows when and in which order.

use anyhow::{Context, Result};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

/// When a hook runs, relative to the others. Hooks of one phase run in the order they
/// were registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Give the terminal back first, so the student sees every message that follows.
    Terminal,
    /// Helper processes outside containers (etcd members): the registered process
    /// groups are killed, then the hooks of this phase run (their directories go).
    Processes,
    /// Containers: their processes, cgroups, mounts and namespace files.
    Containers,
}

type Hook = (Phase, &'static str, fn());

static HOOKS: Mutex<Vec<Hook>> = Mutex::new(Vec::new());

/// Registers `hook` under `name` (once: a second registration of the same name is
/// ignored). A hook tears down what is live when it runs, so it must be harmless to run
/// again, and when there is nothing left.
pub fn register(phase: Phase, name: &'static str, hook: fn()) {
    add(
        &mut HOOKS.lock().unwrap_or_else(|p| p.into_inner()),
        (phase, name, hook),
    );
}

fn add(hooks: &mut Vec<Hook>, hook: Hook) {
    if !hooks.iter().any(|(_, n, _)| *n == hook.1) {
        hooks.push(hook);
    }
}

/// The hooks in the order they run: by phase, then by registration (the sort is stable).
fn in_order(mut hooks: Vec<Hook>) -> Vec<Hook> {
    hooks.sort_by_key(|(phase, _, _)| *phase);
    hooks
}

// Process groups to SIGKILL. The signal handler may read them, so they are atomics.
const SLOTS: usize = 64;
static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// Kills process group `pgid` (with SIGKILL) at teardown, until [`forget_process_group`].
pub fn kill_process_group_at_teardown(pgid: i32) {
    for s in &GROUPS {
        if s.compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

/// The group is gone (killed and reaped by its owner): teardown leaves it alone.
pub fn forget_process_group(pgid: i32) {
    for s in &GROUPS {
        let _ = s.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Async-signal-safe: atomics and kill(2) only.
fn kill_groups() {
    for s in &GROUPS {
        let g = s.load(Ordering::SeqCst);
        if g > 0 {
            // SAFETY: kill(2) on a process group this process started.
            unsafe { libc::kill(-g, libc::SIGKILL) };
        }
    }
}

thread_local! {
    /// Set while this thread runs the hooks, so a hook that panics does not start them
    /// again from the panic hook.
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// One teardown at a time: a signal during a panic's teardown waits for it to finish.
static TEARDOWN: Mutex<()> = Mutex::new(());

/// Runs every hook, phase by phase. Called by the signal thread, the panic hook and
/// [`at_exit`]; callable directly too.
pub fn teardown() {
    if RUNNING.with(|r| r.replace(true)) {
        return;
    }
    let _one = TEARDOWN.lock().unwrap_or_else(|p| p.into_inner());
    let hooks = HOOKS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut groups_killed = false;
    for (phase, _, hook) in in_order(hooks) {
        if phase >= Phase::Processes && !groups_killed {
            kill_groups();
            groups_killed = true;
        }
        hook();
    }
    if !groups_killed {
        kill_groups();
    }
    RUNNING.with(|r| r.set(false));
}

/// Normal exit: runs the hooks once more, for anything its owner did not give back.
pub fn at_exit() {
    teardown();
}

/// The write end of the pipe the signal handler wakes the teardown thread with.
static WAKE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = WAKE.load(Ordering::SeqCst);
    let byte = sig as u8;
    // SAFETY: write(2) is async-signal-safe; the byte lives on this stack frame.
    if fd < 0 || unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) } != 1 {
        // No thread to defer to: do what is safe here, then end as the signal meant.
        kill_groups();
        // SAFETY: signal(2) and raise(3) are async-signal-safe.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Installs the service: the SIGINT, SIGTERM and SIGHUP handlers, the thread they wake,
/// and the panic hook. Call once, early in a command that owns something; later calls
/// do nothing.
pub fn install() -> Result<()> {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    static INSTALLED: Mutex<bool> = Mutex::new(false);
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    if *installed {
        return Ok(());
    }
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .context("cannot create the signal pipe")?;
    std::thread::Builder::new()
        .name("contlab-teardown".into())
        .spawn(move || {
            use std::io::Read;
            let mut f = std::fs::File::from(r);
            let mut b = [0u8; 1];
            while f.read_exact(&mut b).is_ok() {
                teardown();
                let Ok(sig) = Signal::try_from(i32::from(b[0])) else {
                    continue;
                };
                // SAFETY: restoring the default disposition, then sending the signal again.
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
    WAKE.store(std::os::fd::IntoRawFd::into_raw_fd(w), Ordering::SeqCst);
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler makes only async-signal-safe calls.
        unsafe { sigaction(sig, &action) }.with_context(|| format!("cannot handle {sig}"))?;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        teardown();
        previous(info);
    }));
    *installed = true;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The global list is not touched here: `cargo test` runs other tests' containers in
    // this process, and a teardown would take them down.
    #[test]
    fn hooks_run_phase_by_phase_and_register_once() {
        let mut hooks = Vec::new();
        add(&mut hooks, (Phase::Containers, "containers", || {}));
        add(&mut hooks, (Phase::Terminal, "terminal", || {}));
        add(&mut hooks, (Phase::Processes, "etcd", || {}));
        add(
            &mut hooks,
            (Phase::Terminal, "terminal", || panic!("registered twice")),
        );
        add(&mut hooks, (Phase::Processes, "other", || {}));
        let names: Vec<&str> = in_order(hooks).iter().map(|(_, n, _)| *n).collect();
        assert_eq!(names, ["terminal", "etcd", "other", "containers"]);
    }
}
