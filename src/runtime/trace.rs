//! The runtime's trace: one structured event per kernel-facing operation, in order,
//! with its arguments spelled the way the man pages spell them, its result or errno,
//! how long it took, and the shell command a student could type to do the same.
//!
//! Operations made inside a container's init process (mounts, `pivot_root`,
//! `sethostname`) happen in another process; that side writes the same events as JSON
//! lines to its channel to contlab, and the parent forwards them (`channel::Relay`),
//! so subscribers see one ordered stream.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One kernel-facing operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// The host pid of the process that made the call.
    pub pid: i32,
    /// The syscall or kernel interface: `clone`, `mount`, `pivot_root`, `write`, `netlink` …
    pub op: String,
    /// Its arguments in readable form, flags by name (`CLONE_NEWPID|CLONE_NEWNS`).
    pub args: String,
    /// True when the call succeeded.
    pub ok: bool,
    /// What it returned (`pid 4242`), or the errno and its meaning (`EPERM: Operation not permitted`).
    pub result: String,
    /// Wall time of the call, in microseconds.
    pub duration_us: u64,
    /// The equivalent shell command, where one exists.
    pub shell: Option<String>,
}

enum Sink {
    Null,
    Channel(Mutex<Sender<TraceEvent>>),
    Pipe(Mutex<std::fs::File>),
}

/// Where trace events go. Cheap to clone; every clone feeds the same subscriber.
#[derive(Clone)]
pub struct Tracer {
    sink: Arc<Sink>,
}

impl Default for Tracer {
    fn default() -> Self {
        Self::null()
    }
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match *self.sink {
            Sink::Null => "null",
            Sink::Channel(_) => "channel",
            Sink::Pipe(_) => "pipe",
        };
        f.debug_struct("Tracer").field("sink", &kind).finish()
    }
}

impl Tracer {
    /// A tracer that drops everything.
    pub fn null() -> Self {
        Self {
            sink: Arc::new(Sink::Null),
        }
    }

    /// A tracer and the receiving end its events arrive on, as they happen.
    pub fn channel() -> (Self, Receiver<TraceEvent>) {
        let (tx, rx) = std::sync::mpsc::channel();
        (
            Self {
                sink: Arc::new(Sink::Channel(Mutex::new(tx))),
            },
            rx,
        )
    }

    /// A tracer that writes JSON lines to `fd` (the container side of the trace pipe).
    pub fn to_fd(fd: OwnedFd) -> Self {
        Self {
            sink: Arc::new(Sink::Pipe(Mutex::new(std::fs::File::from(fd)))),
        }
    }

    /// True when events go nowhere, so callers may skip formatting arguments.
    pub fn is_null(&self) -> bool {
        matches!(*self.sink, Sink::Null)
    }

    /// Sends one event to the subscriber. A subscriber that went away is not an error.
    pub fn emit(&self, event: TraceEvent) {
        match &*self.sink {
            Sink::Null => {}
            Sink::Channel(tx) => {
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(event);
                }
            }
            Sink::Pipe(file) => {
                if let (Ok(mut file), Ok(mut line)) = (file.lock(), serde_json::to_vec(&event)) {
                    line.push(b'\n');
                    let _ = file.write_all(&line);
                }
            }
        }
    }

    /// Runs `f`, timing it, and emits its event. `args` and `shell` are built lazily, only
    /// when someone listens.
    pub fn op<T: std::fmt::Debug>(
        &self,
        op: &str,
        args: impl FnOnce() -> String,
        shell: impl FnOnce() -> Option<String>,
        f: impl FnOnce() -> nix::Result<T>,
    ) -> nix::Result<T> {
        if self.is_null() {
            return f();
        }
        let start = Instant::now();
        let res = f();
        let duration_us = start.elapsed().as_micros() as u64;
        let (ok, result) = match &res {
            Ok(v) => (true, describe_ok(v)),
            Err(e) => (false, format!("{e:?}: {}", e.desc())),
        };
        self.emit(TraceEvent {
            pid: std::process::id() as i32,
            op: op.to_string(),
            args: args(),
            ok,
            result,
            duration_us,
            shell: shell(),
        });
        res
    }
}

fn describe_ok<T: std::fmt::Debug>(v: &T) -> String {
    let s = format!("{v:?}");
    if s == "()" { "0".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_receives_ok_and_errno() {
        let (t, rx) = Tracer::channel();
        let _ = t.op(
            "sethostname",
            || "\"lab\"".into(),
            || Some("hostname lab".into()),
            || Ok(()),
        );
        let _: nix::Result<()> = t.op(
            "mount",
            || "none".into(),
            || None,
            || Err(nix::errno::Errno::EPERM),
        );
        let a = rx.recv().unwrap();
        assert!(a.ok);
        assert_eq!(a.result, "0");
        assert_eq!(a.shell.as_deref(), Some("hostname lab"));
        let b = rx.recv().unwrap();
        assert!(!b.ok);
        assert!(b.result.starts_with("EPERM"), "{}", b.result);
    }
}
