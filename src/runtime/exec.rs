//! Running another command in a running container (`docker exec`, `kubectl exec`).
//!
//! `setns(2)` into a user or mount namespace is refused to a multi-threaded process, so
//! contlab re-executes itself (`contlab __exec FD`, from the sealed copy) as a fresh
//! single-threaded helper, and sends it its [`ExecConfig`] over FD, as the init gets
//! its configuration (see `channel`): a command line is readable by every user. The helper joins the container's cgroup, then its
//! namespaces, user first (it grants the capabilities the other joins need) and mount
//! last; then it forks, because joining a pid namespace only affects children, and the
//! child execs the command. Trace events and the exit status come back over FD.

use super::channel::{self, Relay, Report};
use super::ledger::ProcessId;
use super::payload::{self, PayloadSetup};
use super::spec::{Capabilities, Namespace, Namespaces};
use super::trace::Tracer;
use anyhow::{Context, Result, bail};
use nix::sys::signal::SigSet;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::ExitCode;

/// What the helper is told.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExecConfig {
    /// The container's init, whose namespaces and root are joined.
    pub target: ProcessId,
    pub namespaces: Namespaces,
    /// `cgroup.procs` files of the container's cgroup(s).
    pub cgroup_procs: Vec<PathBuf>,
    pub mapped_root: bool,
    pub capabilities: Capabilities,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: PathBuf,
    /// Instead of running `args`, attempt the chroot escape and print where it ended.
    #[serde(default)]
    pub breakout: bool,
    /// Make the command a session leader with its stdin as controlling terminal (an
    /// interactive shell on a PTY).
    #[serde(default)]
    pub terminal: bool,
    /// The user the command runs as (an OCI bundle's `process.user`); `None`: root.
    #[serde(default)]
    pub user: Option<super::spec::User>,
    #[serde(default)]
    pub rlimits: Vec<super::spec::Rlimit>,
    #[serde(default = "yes")]
    pub no_new_privs: bool,
    /// The container's seccomp filters (`linux.seccomp`), loaded into the command as
    /// runc loads them into an exec'd process.
    #[serde(default)]
    pub seccomp: Vec<super::seccomp::Program>,
    /// Report the command's pid and leave it running (`runc exec --detach`): it is
    /// re-parented to the nearest subreaper (conmon, for podman).
    #[serde(default)]
    pub detach: bool,
    /// fds 3, 4, … of the caller the command keeps (`--preserve-fds N`).
    #[serde(default)]
    pub preserve_fds: u32,
    /// A console socket comes beside the configuration: the command gets a terminal
    /// of the container's devpts, whose master goes to the socket (`--tty`).
    #[serde(default)]
    pub console: bool,
}

fn yes() -> bool {
    true
}

fn ns_inode(pid: &str, ns: Namespace) -> Option<u64> {
    std::fs::metadata(format!("/proc/{pid}/ns/{}", ns.proc_name()))
        .ok()
        .map(|m| m.ino())
}

/// `contlab __exec FD`.
pub fn main(args: &[String]) -> ExitCode {
    let Some(fd) = args.get(2).and_then(|s| s.parse::<RawFd>().ok()) else {
        eprintln!(
            "contlab: __exec is contlab's internal exec helper; it is not meant to be run by hand"
        );
        return ExitCode::from(2);
    };
    // SAFETY: contlab passed us this fd number; nothing else in this fresh process owns it.
    let chan = unsafe { OwnedFd::from_raw_fd(fd) };
    let config = channel::receive::<ExecConfig>(&chan);
    let Ok(dup) = chan.try_clone() else {
        return ExitCode::from(1);
    };
    let tracer = Tracer::to_fd(dup);
    let mut out = std::fs::File::from(chan);
    let res = match config {
        Ok(Some((c, console))) => run(&c, console, &tracer, &mut out),
        // contlab went away before sending it: nothing to do.
        Ok(None) => return ExitCode::from(1),
        Err(e) => Err(e),
    };
    match res {
        Ok(code) => code,
        Err(e) => {
            channel::send_report(
                &mut out,
                &Report::Error {
                    error: crate::i18n::said::Chain::of(&e),
                },
            );
            ExitCode::from(1)
        }
    }
}

fn run(
    config: &ExecConfig,
    console: Option<OwnedFd>,
    tracer: &Tracer,
    out: &mut std::fs::File,
) -> Result<ExitCode> {
    let pid = config.target.pid.to_string();
    // Open everything first, while /proc is still the host's: after setns(mnt) these
    // paths would resolve in the container.
    let mut joins = Vec::new();
    for ns in config.namespaces.iter() {
        // Joining the namespace one is already in is refused for user namespaces (EINVAL)
        // and pointless for the others.
        if ns_inode(&pid, ns) == ns_inode("self", ns) {
            continue;
        }
        let path = format!("/proc/{pid}/ns/{}", ns.proc_name());
        let f = std::fs::File::open(&path)
            .with_context(|| crate::said!("error-ns-gone", path = &path))?;
        joins.push((ns, path, OwnedFd::from(f)));
    }
    let root = std::fs::File::open(format!("/proc/{pid}/root"))
        .context(crate::said!("error-root-gone"))?;
    // The pid may have been recycled since contlab looked; the start time tells.
    if !config.target.is_alive() {
        crate::bail_said!("error-init-gone", pid = pid);
    }
    // The cgroup first, while cgroupfs is reachable at its host path.
    super::cgroup::join(&config.cgroup_procs, tracer)?;
    for (ns, path, fd) in &joins {
        tracer
            .op(
                "setns",
                || format!("{path:?}, {}", ns.flag_name()),
                || Some(format!("nsenter {}={path}", ns.unshare_option())),
                || nix::sched::setns(fd.as_fd(), ns.clone_flag()),
            )
            .with_context(|| format!("cannot join the container's {} namespace", ns.name()))?;
        if *ns == Namespace::User && config.mapped_root {
            payload::become_root(tracer)?;
        }
    }
    // The container's root may be a chroot inside its mount namespace; take it from the
    // init rather than from the namespace.
    tracer
        .op(
            "fchdir",
            || format!("{}", root.as_raw_fd()),
            || None,
            || nix::unistd::fchdir(&root),
        )
        .context("cannot enter the container's root")?;
    tracer
        .op(
            "chroot",
            || "\".\"".into(),
            || Some(format!("chroot /proc/{pid}/root")),
            || nix::unistd::chroot("."),
        )
        .context("cannot chroot into the container's root")?;
    drop(root);
    payload::enter_cwd(&config.cwd, tracer)?;
    payload::harden(config.capabilities, config.no_new_privs, tracer)?;
    if config.breakout {
        let reached = super::breakout::attempt(tracer)?;
        println!("{}", serde_json::to_string(&reached)?);
        channel::send_report(
            out,
            &Report::Exited {
                code: Some(0),
                signal: None,
            },
        );
        let _ = out.flush();
        return Ok(ExitCode::SUCCESS);
    }
    let mut terminal = config.terminal;
    if config.console {
        // The terminal comes from the container's devpts, now that its root is ours.
        let socket = console.context("the console socket did not reach contlab's exec helper")?;
        let owner = config.user.as_ref().map(|u| u.uid);
        super::init::console_terminal(socket, owner, tracer)?;
        terminal = true;
    }
    // A filter that asks a listener gets one in the command's process, which hands it
    // to contlab on the channel before its `execve`, as runc's exec'd process does.
    let pid_pipe = if config.seccomp.iter().any(super::seccomp::notifies) {
        Some(
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .context("cannot create a pipe for the seccomp listener's handoff")?,
        )
    } else {
        None
    };
    let setup = PayloadSetup {
        user: config.user.as_ref(),
        caps: match config.capabilities {
            Capabilities::Sets(s) => Some(s),
            _ => None,
        },
        rlimits: &config.rlimits,
        // The container's filters, as runc gives an exec'd process.
        seccomp: &config.seccomp,
        no_new_privs: config.no_new_privs,
        preserve_fds: config.preserve_fds,
        listener: pid_pipe.as_ref().map(|(r, w)| payload::ListenerHandoff {
            channel: out.as_raw_fd(),
            pid_read: r.as_raw_fd(),
            pid_write: w.as_raw_fd(),
            pid: 0,
        }),
    };
    let payload = payload::spawn_payload(
        &config.args,
        &config.env,
        &SigSet::empty(),
        terminal,
        &setup,
        tracer,
    )?;
    drop(pid_pipe);
    channel::send_report(
        out,
        &Report::Started {
            pid: payload.as_raw(),
        },
    );
    if config.detach {
        // Not waited for: when this helper ends, the command is re-parented to the
        // nearest subreaper, which waits for it (conmon does, for podman).
        let _ = out.flush();
        return Ok(ExitCode::SUCCESS);
    }
    let (code, signal) = payload::wait(payload)?;
    channel::send_report(out, &Report::Exited { code, signal });
    let _ = out.flush();
    Ok(ExitCode::from(payload::exit_status(code, signal)))
}

/// Parent side: runs the helper from the sealed binary and collects its trace, its
/// report and the command's output.
pub(crate) fn spawn(
    config: &ExecConfig,
    stdio: super::spec::Stdio,
    tracer: &Tracer,
) -> Result<super::container::ExecOutput> {
    spawn_with(config, stdio, None, None, &mut |_| Ok(()), tracer)
}

/// [`spawn`] with a console socket for `config.console`, the agent that gets the
/// listener of a filter that asks one (`listener`, its state filled by the caller), and
/// `started` called with the command's pid (host's view) as soon as it runs, before it
/// is waited for.
pub(crate) fn spawn_with(
    config: &ExecConfig,
    stdio: super::spec::Stdio,
    console: Option<OwnedFd>,
    listener: Option<&super::seccomp::Listener>,
    started: &mut dyn FnMut(i32) -> Result<()>,
    tracer: &Tracer,
) -> Result<super::container::ExecOutput> {
    use super::spec::Io;
    use std::os::unix::process::CommandExt;

    fn to_std(io: Io) -> Result<std::process::Stdio> {
        Ok(match io {
            Io::Inherit => std::process::Stdio::inherit(),
            Io::Null => std::process::Stdio::null(),
            Io::Piped => std::process::Stdio::piped(),
            Io::Fd(fd) => std::process::Stdio::from(fd),
        })
    }
    let (sock, child_sock) =
        channel::pair().context("cannot create the socket pair to contlab's exec helper")?;
    // Above the fds the command is to keep (3 … 2+preserve_fds), which it inherits.
    let w = super::process::above(child_sock, 3 + config.preserve_fds as i32)?;
    let w_raw = w.as_raw_fd();
    let mut cmd = std::process::Command::new(super::process::sealed_exe_path()?);
    cmd.arg0("contlab")
        .arg("__exec")
        .arg(w_raw.to_string())
        .env_clear()
        .stdin(to_std(stdio.stdin)?)
        .stdout(to_std(stdio.stdout)?)
        .stderr(to_std(stdio.stderr)?);
    // SAFETY: the closure runs between fork and exec and makes one async-signal-safe call.
    unsafe {
        cmd.pre_exec(move || {
            if libc::fcntl(w_raw, libc::F_SETFD, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().context("cannot start contlab's exec helper")?;
    drop(w);
    // A helper that died at once closed its end: the relay then tells of it below.
    let sent = channel::send(&sock, config, console.as_ref().map(|c| c.as_raw_fd()));
    drop(console);
    let mut relay = Relay::new(sock, tracer);
    let mut pid = None;
    let mut early_exit = None;
    // Reports until the command runs (or the helper fails, or ends without a command,
    // as the breakout does), then the rest in a thread, which reads while stdout and
    // stderr are collected.
    while let Some(r) = relay.next_report() {
        match r {
            Report::Started { pid: p } => {
                pid = Some(p);
                break;
            }
            Report::Exited { code, signal } => {
                early_exit = Some((code, signal));
                break;
            }
            Report::Error { error } => {
                let _ = child.wait_with_output();
                return Err(error.into_error());
            }
            Report::SeccompListener { fd, pid: p } => {
                // The command's process waits before its `execve`: it goes on once
                // the agent has the listener, or ends without running the command.
                let sent = match (listener, p) {
                    (Some(l), Some(p)) => super::seccomp::hand_to_listener(l, p, fd, tracer),
                    _ => Err(anyhow::Error::new(crate::said!(
                        "error-oci-seccomp-no-listener"
                    ))),
                };
                let answered = match sent {
                    Ok(()) => relay
                        .ack()
                        .context("cannot tell the command's process to go on"),
                    Err(e) => {
                        let _ = relay.refuse();
                        Err(e)
                    }
                };
                if let Err(e) = answered {
                    drop(relay);
                    let _ = child.wait_with_output();
                    return Err(e);
                }
            }
            Report::Ready | Report::Exec { .. } => {}
        }
    }
    if let Some(p) = pid {
        started(p)?;
    }
    let reader = std::thread::spawn(move || relay.until_closed());
    let output = child
        .wait_with_output()
        .context("cannot wait for contlab's exec helper")?;
    let ending = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the exec trace reader panicked"))?;
    if let Some(error) = ending.error {
        return Err(error.into_error());
    }
    let (code, signal) = match ending.exited.or(early_exit) {
        Some(r) => r,
        None if config.detach && pid.is_some() => (Some(0), None),
        None => {
            use std::os::unix::process::ExitStatusExt;
            sent.context(crate::said!("error-send-exec-config"))?;
            bail!(
                "contlab's exec helper died before the command ended ({:?})",
                output.status.signal().map_or_else(
                    || format!("status {:?}", output.status.code()),
                    |s| format!("signal {s}")
                )
            )
        }
    };
    Ok(super::container::ExecOutput {
        exit: super::spec::ExitInfo {
            code,
            signal,
            oom_killed: false,
        },
        stdout: output.stdout,
        stderr: output.stderr,
    })
}
