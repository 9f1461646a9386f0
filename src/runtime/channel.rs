//! The channel between contlab and a process it re-executes (a container's init, an
//! exec helper): one Unix socket pair, as youki's parent/child channel.
//!
//! Into the child goes one message first, its configuration ([`InitConfig`] or
//! `exec::ExecConfig`): length-prefixed JSON, with an fd alongside (`SCM_RIGHTS`) when
//! there is one (the init's detached overlay). Nothing of it shows on the child's
//! command line (`/proc/PID/cmdline` is readable by every user). Back comes one JSON
//! [`Line`] at a time: the child's trace events, and its [`Report`]s. One [`Relay`]
//! reads them all: it forwards the trace and hands each report to its caller.

use super::spec::{Capabilities, Namespaces, Overrides, RootfsMode};
use super::trace::{TraceEvent, Tracer};
use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

/// What contlab tells the init to do.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct InitConfig {
    pub namespaces: Namespaces,
    pub hostname: Option<String>,
    pub rootfs: RootfsMode,
    /// The directory that becomes `/` (the overlay's mount point), unless host.
    pub root: Option<PathBuf>,
    /// An overlay mount fd comes with the configuration, to be attached at `root`.
    pub attach_overlay: bool,
    /// Root is mapped in the user namespace: become uid/gid 0 inside.
    pub mapped_root: bool,
    /// gid 5 (tty) is mapped, so devpts may use it.
    pub pts_gid5: bool,
    pub capabilities: Capabilities,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: PathBuf,
    /// Mount a fresh procfs for a new pid namespace (see `ContainerSpec::mount_proc`).
    #[serde(default = "yes")]
    pub mount_proc: bool,
    #[serde(default)]
    pub overrides: Overrides,
    /// The start gate's fd, inherited (see `ContainerSpec::start_gate`).
    #[serde(default)]
    pub start_gate: Option<RawFd>,
    /// The start report's fd, inherited (see `ContainerSpec::start_report`).
    #[serde(default)]
    pub start_report: Option<RawFd>,
    /// The console socket's fd, inherited (see `ContainerSpec::console`).
    #[serde(default)]
    pub console: Option<RawFd>,
    /// The namespaces that were joined rather than made (before the init ran; see
    /// `process::Stage`).
    #[serde(default)]
    pub joined: Namespaces,
    /// The container's cgroup directories on the host, by hierarchy name (`memory`,
    /// `cpu,cpuacct`, …), for a `cgroup` mount; one unnamed entry on cgroup v2.
    #[serde(default)]
    pub cgroup_dirs: Vec<(String, PathBuf)>,
    #[serde(default)]
    pub cgroup_v2: bool,
    /// Stay as PID 1 that reaps, with the command as its child (`--init`, see
    /// `ContainerSpec::init`), instead of becoming the command.
    #[serde(default)]
    pub reaper: bool,
    /// Someone reads the trace: send events back. Without a subscriber the init skips
    /// describing every operation in JSON.
    #[serde(default = "yes")]
    pub trace: bool,
}

fn yes() -> bool {
    true
}

/// What the init (or an exec helper) reports back, between trace events.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) enum Report {
    /// The payload runs; `pid` is its pid in the container's pid namespace.
    Started { pid: i32 },
    /// Everything is set up; the init now waits at its start gate.
    Ready,
    /// The init loaded a seccomp filter with a listener (`SCMP_ACT_NOTIFY`), whose fd
    /// number in the init is `fd`; it waits for one byte ([`Relay::ack`]) while contlab
    /// takes its own copy (`pidfd_getfd`) for the bundle's agent. An exec'd command's
    /// process sends it too, with `pid`, its pid in contlab's view (the one it sees
    /// is the container's), and goes on only on [`Relay::ack`], not on
    /// [`Relay::refuse`].
    SeccompListener {
        fd: RawFd,
        #[serde(default)]
        pid: Option<i32>,
    },
    /// The init is about to `execve` the command in its own process (as runc's does);
    /// the channel, close-on-exec, closes when the exec succeeded. An `Error` instead
    /// says it failed. `event` is the `execve` as the trace will show it.
    Exec { event: TraceEvent },
    /// Setup failed: the error's chain, each link as data, so the parent shows it in
    /// the student's language.
    Error { error: crate::i18n::said::Chain },
    /// The payload ended.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
}

/// One line from the child: a trace event or a report.
enum Line {
    Trace(TraceEvent),
    Report(Report),
}

fn parse_line(line: &str) -> Option<Line> {
    if let Ok(r) = serde_json::from_str::<Report>(line) {
        return Some(Line::Report(r));
    }
    serde_json::from_str::<TraceEvent>(line)
        .ok()
        .map(Line::Trace)
}

/// The byte [`Relay::ack`] sends: go on.
pub(crate) const ACK: u8 = 1;

/// A new channel: the parent's end and the child's, both close-on-exec (the child's is
/// handed on explicitly).
pub(crate) fn pair() -> nix::Result<(OwnedFd, OwnedFd)> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
    socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
}

/// Writes one report line (child side).
pub(crate) fn send_report(out: &mut impl Write, r: &Report) {
    if let Ok(mut line) = serde_json::to_vec(r) {
        line.push(b'\n');
        // The parent may be gone (killed); the child carries on regardless.
        let _ = out.write_all(&line);
    }
}

/// Sends a configuration (length-prefixed JSON) with an optional fd attached (parent side).
pub(crate) fn send<T: Serialize>(sock: &OwnedFd, config: &T, fd: Option<RawFd>) -> Result<()> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let json = serde_json::to_vec(config)?;
    let mut msg = (json.len() as u32).to_le_bytes().to_vec();
    msg.extend_from_slice(&json);
    let fds: Vec<RawFd> = fd.into_iter().collect();
    let cmsg = [ControlMessage::ScmRights(&fds)];
    let cmsgs: &[ControlMessage] = if fds.is_empty() { &[] } else { &cmsg };
    let mut sent = sendmsg::<()>(
        sock.as_raw_fd(),
        &[std::io::IoSlice::new(&msg)],
        cmsgs,
        MsgFlags::MSG_NOSIGNAL,
        None,
    )?;
    while sent < msg.len() {
        sent += nix::unistd::write(sock, &msg[sent..])?;
    }
    Ok(())
}

/// Receives the configuration (child side); `None` when contlab went away before
/// sending it.
pub(crate) fn receive<T: DeserializeOwned>(sock: &OwnedFd) -> Result<Option<(T, Option<OwnedFd>)>> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut len = [0u8; 4];
    let mut got = 0;
    let mut fd = None;
    while got < 4 {
        let mut cmsg = nix::cmsg_space!([RawFd; 1]);
        let mut iov = [std::io::IoSliceMut::new(&mut len[got..])];
        let msg = recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        )
        .context("cannot read the configuration from contlab")?;
        if msg.bytes == 0 {
            return Ok(None);
        }
        for c in msg.cmsgs().context("bad control message from contlab")? {
            if let ControlMessageOwned::ScmRights(fds) = c {
                for f in fds {
                    // SAFETY: SCM_RIGHTS gave us a new fd nothing else owns.
                    fd = Some(unsafe { OwnedFd::from_raw_fd(f) });
                }
            }
        }
        got += msg.bytes;
    }
    let mut json = vec![0u8; u32::from_le_bytes(len) as usize];
    let mut file = std::fs::File::from(sock.try_clone()?);
    if file.read_exact(&mut json).is_err() {
        return Ok(None);
    }
    let config = serde_json::from_slice(&json).context("contlab sent a malformed configuration")?;
    Ok(Some((config, fd)))
}

/// How a child's channel ended: the payload's status from its `Exited` report, and the
/// error of an `Error` report.
#[derive(Debug, Default)]
pub(crate) struct Ending {
    pub exited: Option<(Option<i32>, Option<i32>)>,
    pub error: Option<crate::i18n::said::Chain>,
}

/// The parent's reader of a child's channel, the only one: trace events go on to the
/// tracer as they come, reports go to the caller.
pub(crate) struct Relay {
    reader: BufReader<std::fs::File>,
    tracer: Tracer,
    /// An `Exec` report not yet confirmed by the channel's close.
    exec: Option<TraceEvent>,
    /// The channel closed: nothing more can come.
    closed: bool,
}

impl Relay {
    pub fn new(sock: OwnedFd, tracer: &Tracer) -> Relay {
        Relay {
            reader: BufReader::new(std::fs::File::from(sock)),
            tracer: tracer.clone(),
            exec: None,
            closed: false,
        }
    }

    /// Whether the channel has closed (the init's `execve` closed it): then no thread
    /// needs to keep reading it.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Forwards trace events up to the next report; `None` when the channel closed.
    /// An `Exec` report is held back: the close of the channel that follows it means
    /// the `execve` succeeded, which the trace shows as the init's own `execve` and
    /// the caller sees as `Started`; an `Error` instead means it failed.
    pub fn next_report(&mut self) -> Option<Report> {
        let mut line = String::new();
        loop {
            line.clear();
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    self.closed = true;
                    let exec = self.exec.take()?;
                    let pid = exec.pid;
                    self.tracer.emit(exec);
                    return Some(Report::Started { pid });
                }
                Ok(_) => {}
            }
            match parse_line(line.trim_end()) {
                Some(Line::Trace(ev)) => self.tracer.emit(ev),
                Some(Line::Report(Report::Exec { event })) => self.exec = Some(event),
                Some(Line::Report(r)) => {
                    self.exec = None;
                    return Some(r);
                }
                None => {}
            }
        }
    }

    /// Tells the child to go on (one byte, [`ACK`]), after a report it waits on.
    pub fn ack(&mut self) -> std::io::Result<()> {
        self.reader.get_ref().write_all(&[ACK])
    }

    /// Tells the child to stop (one byte other than [`ACK`]), after a report it waits
    /// on.
    pub fn refuse(&mut self) -> std::io::Result<()> {
        self.reader.get_ref().write_all(&[0])
    }

    /// Forwards everything until the channel closes; the last `Exited` and `Error`.
    pub fn until_closed(mut self) -> Ending {
        let mut ending = Ending::default();
        while let Some(r) = self.next_report() {
            match r {
                Report::Exited { code, signal } => ending.exited = Some((code, signal)),
                Report::Error { error } => ending.error = Some(error),
                Report::Started { .. }
                | Report::Ready
                | Report::Exec { .. }
                | Report::SeccompListener { .. } => {}
            }
        }
        ending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relay_forwards_trace_and_hands_on_reports() {
        let (parent, child) = pair().unwrap();
        let t = Tracer::to_fd(child.try_clone().unwrap());
        let _ = t.op("umount2", || "/.old, MNT_DETACH".into(), || None, || Ok(()));
        drop(t);
        let mut out = std::fs::File::from(child);
        send_report(&mut out, &Report::Started { pid: 1 });
        send_report(
            &mut out,
            &Report::Exited {
                code: Some(3),
                signal: None,
            },
        );
        drop(out);
        let (sink, rx) = Tracer::channel();
        let mut relay = Relay::new(parent, &sink);
        assert!(matches!(
            relay.next_report(),
            Some(Report::Started { pid: 1 })
        ));
        assert_eq!(rx.recv().unwrap().op, "umount2");
        let ending = relay.until_closed();
        assert_eq!(ending.exited, Some((Some(3), None)));
        assert!(ending.error.is_none());
    }

    /// An `Exec` report means "started" only once the channel closes (close-on-exec);
    /// an `Error` after it means the exec failed, and no `execve` is traced as done.
    #[test]
    fn an_exec_report_is_confirmed_by_the_channel_s_close() {
        let event = TraceEvent {
            pid: 1,
            op: "execve".into(),
            args: "\"/bin/true\"".into(),
            ok: true,
            result: "0".into(),
            duration_us: 0,
            shell: None,
        };
        for failed in [false, true] {
            let (parent, child) = pair().unwrap();
            let mut out = std::fs::File::from(child);
            send_report(
                &mut out,
                &Report::Exec {
                    event: event.clone(),
                },
            );
            if failed {
                let error = crate::i18n::said::Chain::of(&anyhow::anyhow!("no x"));
                send_report(&mut out, &Report::Error { error });
            }
            drop(out);
            let (sink, rx) = Tracer::channel();
            let mut relay = Relay::new(parent, &sink);
            let got = relay.next_report();
            if failed {
                assert!(matches!(got, Some(Report::Error { .. })), "{got:?}");
                assert!(relay.next_report().is_none());
                assert!(rx.try_recv().is_err(), "a failed exec traced as done");
            } else {
                assert!(matches!(got, Some(Report::Started { pid: 1 })), "{got:?}");
                assert_eq!(rx.try_recv().unwrap().op, "execve");
                assert!(relay.next_report().is_none());
            }
        }
    }

    #[test]
    fn configuration_round_trip() {
        let (a, b) = pair().unwrap();
        send(&a, &vec!["sh".to_string(), "-c".into()], None).unwrap();
        let (got, fd) = receive::<Vec<String>>(&b).unwrap().unwrap();
        assert_eq!(got, ["sh", "-c"]);
        assert!(fd.is_none());
        drop(a);
        assert!(receive::<Vec<String>>(&b).unwrap().is_none());
    }
}
