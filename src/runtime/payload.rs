//! What the init and the exec helper share on the way to the command: the switch to
//! the container's root user, its working directory, the hardening (no_new_privs,
//! capabilities), and `spawn_payload`, the fork and `execve` of the command with its
//! own limits, user and capability sets, whose failure comes back as one sentence.

use super::caps;
use super::process::cloexec_from;
use super::spec::{CapSets, Capabilities, Rlimit, User};
use super::trace::{TraceEvent, Tracer};
use crate::i18n::Said;
use crate::said;
use anyhow::{Context, Result, bail};
use nix::sys::signal::{SigSet, SigmaskHow, sigprocmask};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid};
use std::ffi::CString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// After the uid/gid maps are written, this process still has its old credentials
/// (host uid 0, which the container sees as `nobody`); switching to uid 0 of the new
/// namespace makes it the container's root, and what the host sees is the mapped id.
pub(crate) fn become_root(tracer: &Tracer) -> Result<()> {
    let root_u = nix::unistd::Uid::from_raw(0);
    let root_g = nix::unistd::Gid::from_raw(0);
    tracer
        .op(
            "setresgid",
            || "0, 0, 0".into(),
            || None,
            || nix::unistd::setresgid(root_g, root_g, root_g),
        )
        .context("cannot become gid 0 in the user namespace")?;
    // Refused when setgroups was set to "deny"; the group list is empty then anyway.
    let _ = tracer.op(
        "setgroups",
        || "[]".into(),
        || None,
        || nix::unistd::setgroups(&[]),
    );
    tracer
        .op(
            "setresuid",
            || "0, 0, 0".into(),
            || None,
            || nix::unistd::setresuid(root_u, root_u, root_u),
        )
        .context("cannot become uid 0 in the user namespace")?;
    Ok(())
}

/// Changes into the payload's working directory inside the container, traced.
pub(crate) fn enter_cwd(cwd: &std::path::Path, tracer: &Tracer) -> Result<()> {
    tracer
        .op(
            "chdir",
            || format!("{cwd:?}"),
            || Some(format!("cd {}", cwd.display())),
            || nix::unistd::chdir(cwd),
        )
        .with_context(|| {
            format!(
                "the working directory {} does not exist in the container",
                cwd.display()
            )
        })?;
    Ok(())
}

/// no_new_privs, then the capability sets (with explicit sets, only the bounding set
/// here: the others are set per process after the switch to the bundle's user, see
/// [`PayloadSetup`]).
pub(crate) fn harden(
    capabilities: Capabilities,
    no_new_privs: bool,
    tracer: &Tracer,
) -> Result<()> {
    if no_new_privs {
        caps::set_no_new_privs(tracer).context("cannot set no_new_privs")?;
    }
    caps::drop_capabilities(capabilities, tracer)
}

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Finds `cmd` as `execvp` would, in the `PATH` of `env`, in this process's root.
pub(crate) fn resolve_command(cmd: &str, env: &[String]) -> Result<PathBuf, Said> {
    let not_found = || said!("error-command-not-found", command = format!("{cmd:?}"));
    if cmd.contains('/') {
        return if Path::new(cmd).exists() {
            Ok(PathBuf::from(cmd))
        } else {
            Err(not_found())
        };
    }
    let path = env
        .iter()
        .find_map(|kv| kv.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let p = Path::new(dir).join(cmd);
        if nix::unistd::access(&p, nix::unistd::AccessFlags::X_OK).is_ok() && !p.is_dir() {
            return Ok(p);
        }
    }
    Err(not_found())
}

fn describe_exec_error(cmd: &str, errno: nix::errno::Errno) -> anyhow::Error {
    use nix::errno::Errno;
    let command = format!("{cmd:?}");
    anyhow::Error::new(match errno {
        Errno::ENOENT => said!("error-exec-not-found", command = command),
        Errno::EACCES => said!("error-exec-not-executable", command = command),
        Errno::ENOEXEC => said!("error-exec-bad-format", command = command),
        e => return anyhow::Error::new(e).context(said!("error-exec-failed", command = command)),
    })
}

/// What the payload's process does to itself between fork and exec: resource limits,
/// then the switch to the bundle's user, then its capability sets. The user switch
/// needs CAP_SETUID and CAP_SETGID, which the bundle's sets may not include, so it
/// comes first, keeping the permitted set across it (`PR_SET_KEEPCAPS`).
#[derive(Default)]
pub(crate) struct PayloadSetup<'a> {
    pub user: Option<&'a User>,
    pub caps: Option<CapSets>,
    pub rlimits: &'a [Rlimit],
    /// Seccomp filters, loaded last: after the capability sets when no_new_privs is set,
    /// else first, while CAP_SYS_ADMIN (which loading then needs) is still held, as runc
    /// orders it.
    pub seccomp: &'a [super::seccomp::Program],
    pub no_new_privs: bool,
    /// fds 3 … 2+N stay open across `execve` (`--preserve-fds N`).
    pub preserve_fds: u32,
    /// Where a filter that asks a listener hands it (an exec'd command's process);
    /// without, such a filter is loaded with no listener.
    pub listener: Option<ListenerHandoff>,
}

/// How an exec'd command's process gives contlab the listener of a filter that asks
/// one (`SCMP_ACT_NOTIFY`), as runc's exec'd process does: it reports the fd's number
/// and its pid on the channel, then waits for contlab's answer there, while contlab
/// takes the fd (`pidfd_getfd`) and sends it to the bundle's agent. Its pid as contlab
/// sees it comes from its parent, which writes it on a pipe right after the fork (in
/// the container's pid namespace the process sees another); the process reads it
/// before it loads any filter, so that a notified `read` cannot hold it there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ListenerHandoff {
    /// The channel to contlab (the exec helper's, inherited).
    pub channel: std::os::fd::RawFd,
    /// The pipe the parent writes the child's pid on (4 bytes, little-endian).
    pub pid_read: std::os::fd::RawFd,
    pub pid_write: std::os::fd::RawFd,
    /// The child's pid, once read ([`ListenerHandoff::learn_pid`]); 0 before.
    pub pid: i32,
}

impl ListenerHandoff {
    /// In the child, right after the fork: reads its pid from the parent.
    fn learn_pid(self) -> ListenerHandoff {
        // Only the parent writes there: a pid never written ends the read.
        let _ = nix::unistd::close(self.pid_write);
        // SAFETY: the exec helper holds the pipe open for this process's whole life;
        // ManuallyDrop leaves it open here.
        let mut pipe = std::mem::ManuallyDrop::new(unsafe {
            <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(self.pid_read)
        });
        let mut pid = [0u8; 4];
        match pipe.read_exact(&mut pid) {
            Ok(()) => ListenerHandoff {
                pid: i32::from_le_bytes(pid),
                ..self
            },
            Err(_) => self,
        }
    }

    /// In the child: sends the listener's report and waits for contlab's answer.
    fn hand_over(&self, listener: &std::os::fd::OwnedFd) -> Result<()> {
        use std::io::Write;
        use std::os::fd::{AsRawFd, FromRawFd};
        if self.pid <= 0 {
            bail!("the exec helper did not tell the command's pid");
        }
        // SAFETY: the exec helper holds the channel open for this process's whole
        // life; ManuallyDrop leaves it open here.
        let mut chan =
            std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(self.channel) });
        super::channel::send_report(
            &mut *chan,
            &super::channel::Report::SeccompListener {
                fd: listener.as_raw_fd(),
                pid: Some(self.pid),
            },
        );
        let _ = chan.flush();
        let mut answer = [0u8; 1];
        chan.read_exact(&mut answer)
            .context("contlab did not take the seccomp listener")?;
        if answer[0] != super::channel::ACK {
            bail!("contlab could not give the seccomp listener to the agent");
        }
        Ok(())
    }
}

impl PayloadSetup<'_> {
    /// Runs in the forked child (single-threaded, so ordinary code is safe).
    fn apply(&self, tracer: &Tracer) -> Result<()> {
        if !self.no_new_privs {
            self.load_seccomp(tracer)?;
        }
        set_rlimits(self.rlimits, tracer)?;
        if let Some(u) = self.user {
            if let Some(m) = u.umask {
                nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(m));
            }
            nix::sys::prctl::set_keepcaps(true)
                .context("cannot keep capabilities (PR_SET_KEEPCAPS)")?;
            let groups: Vec<nix::unistd::Gid> = u
                .additional_gids
                .iter()
                .map(|g| nix::unistd::Gid::from_raw(*g))
                .collect();
            tracer
                .op(
                    "setgroups",
                    || format!("{:?}", u.additional_gids),
                    || None,
                    || nix::unistd::setgroups(&groups),
                )
                .context(said!("error-user-groups"))?;
            let g = nix::unistd::Gid::from_raw(u.gid);
            tracer
                .op(
                    "setresgid",
                    || format!("{0}, {0}, {0}", u.gid),
                    || None,
                    || nix::unistd::setresgid(g, g, g),
                )
                .with_context(|| said!("error-user-gid", gid = u.gid))?;
            let id = nix::unistd::Uid::from_raw(u.uid);
            tracer
                .op(
                    "setresuid",
                    || format!("{0}, {0}, {0}", u.uid),
                    || Some(format!("setpriv --reuid={} --regid={}", u.uid, u.gid)),
                    || nix::unistd::setresuid(id, id, id),
                )
                .with_context(|| said!("error-user-uid", uid = u.uid))?;
        }
        if let Some(sets) = &self.caps {
            caps::apply_sets(sets, tracer)?;
        }
        if self.no_new_privs {
            self.load_seccomp(tracer)?;
        }
        Ok(())
    }

    fn load_seccomp(&self, tracer: &Tracer) -> Result<()> {
        let hand = |l: &std::os::fd::OwnedFd| self.listener.map_or(Ok(()), |h| h.hand_over(l));
        let hand: super::seccomp::HandOver<'_> = &hand;
        super::seccomp::load_handing_over(self.seccomp, self.listener.and(Some(hand)), tracer)
    }
}

/// Sets the bundle's resource limits on this process (kept across `execve`). An invalid
/// one (say `RLIMIT_NOFILE` above `fs.nr_open`) fails here, with the limit named.
pub(crate) fn set_rlimits(rlimits: &[Rlimit], tracer: &Tracer) -> Result<()> {
    for r in rlimits {
        let lim = libc::rlimit {
            rlim_cur: r.soft,
            rlim_max: r.hard,
        };
        tracer
            .op(
                "setrlimit",
                || format!("{}, {{{}, {}}}", r.resource, r.soft, r.hard),
                || {
                    Some(format!(
                        "prlimit --pid $$ --{}={}:{}",
                        r.resource, r.soft, r.hard
                    ))
                },
                // SAFETY: a plain syscall with a valid struct.
                || {
                    nix::errno::Errno::result(unsafe { libc::setrlimit(r.resource as _, &lim) })
                        .map(drop)
                },
            )
            .with_context(|| {
                let name = super::spec::RLIMITS
                    .iter()
                    .find(|(_, n)| *n == r.resource)
                    .map_or_else(|| r.resource.to_string(), |(name, _)| name.to_string());
                said!("error-rlimit-set", resource = name)
            })?;
    }
    Ok(())
}

/// The command ready for `execve`: its resolved path, arguments and environment as C
/// strings, and how the trace names it.
pub(crate) struct Command {
    path: CString,
    args: Vec<CString>,
    env: Vec<CString>,
    /// The command's `args[0]`, for error sentences.
    name: String,
    /// The `execve` event's arguments and shell twin.
    pub describe: String,
    pub shell: String,
}

impl Command {
    pub fn new(args: &[String], env: &[String]) -> Result<Command, Said> {
        let path = resolve_command(&args[0], env)?;
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| said!("error-command-nul"))?;
        let c_args: Vec<CString> = args
            .iter()
            .map(|a| CString::new(a.as_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|_| said!("error-argument-nul"))?;
        let c_env: Vec<CString> = env
            .iter()
            .map(|a| CString::new(a.as_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|_| said!("error-env-nul"))?;
        Ok(Command {
            path: c_path,
            args: c_args,
            env: c_env,
            name: args[0].clone(),
            describe: format!("{path:?}, {args:?}"),
            shell: format!("exec {}", args.join(" ")),
        })
    }

    /// The `execve` event of this command in process `pid`.
    pub fn exec_event(&self, pid: i32, errno: Option<nix::errno::Errno>) -> TraceEvent {
        TraceEvent {
            pid,
            op: "execve".into(),
            args: self.describe.clone(),
            ok: errno.is_none(),
            result: errno.map_or("0".into(), |e| format!("{e:?}: {}", e.desc())),
            duration_us: 0,
            shell: Some(self.shell.clone()),
        }
    }

    /// What this process does to itself on the way to the command: its terminal, its
    /// limits, user and capabilities, signals as a fresh program expects them, then
    /// `execve`. Returns only on failure, with the errno of a failed `execve` (its
    /// sentence from [`Command::exec_error`]) or a sentence.
    fn become_command(
        &self,
        terminal: bool,
        setup: &PayloadSetup<'_>,
        tracer: &Tracer,
    ) -> Result<std::convert::Infallible, Result<nix::errno::Errno, anyhow::Error>> {
        if terminal {
            // An interactive shell on a PTY wants job control: a session of its own
            // with stdin (the PTY's replica) as its controlling terminal, so that
            // Ctrl-C reaches its foreground job and closing the PTY hangs it up.
            let _ = nix::unistd::setsid();
            // SAFETY: a plain ioctl on fd 0 with an integer argument.
            unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) };
        }
        setup.apply(tracer).map_err(Err)?;
        // Rust's runtime ignores SIGPIPE in contlab; an ignored signal stays ignored
        // across execve, and a command expects the default (`yes | head` must end).
        // SAFETY: resetting a disposition to its default is async-signal-safe.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let Err(e) = nix::unistd::execve(&self.path, &self.args, &self.env);
        Err(Ok(e))
    }

    /// The sentence for a failed `execve` of this command.
    pub fn exec_error(&self, errno: nix::errno::Errno) -> anyhow::Error {
        describe_exec_error(&self.name, errno)
    }

    /// Becomes the command in this very process, as runc's init does, so that the
    /// command is the container's PID 1. Every fd from 3 on is made close-on-exec first, so the channel to contlab closes when the `execve`
    /// succeeds. Returns only on failure, with the failed `execve` traced.
    pub fn exec(&self, terminal: bool, setup: &PayloadSetup<'_>, tracer: &Tracer) -> anyhow::Error {
        if let Err(e) = cloexec_from(3 + setup.preserve_fds) {
            return anyhow::anyhow!("cannot mark fds close-on-exec (close_range): {e}");
        }
        match self.become_command(terminal, setup, tracer) {
            Ok(never) => match never {},
            Err(Err(msg)) => msg,
            Err(Ok(errno)) => {
                tracer.emit(self.exec_event(std::process::id() as i32, Some(errno)));
                self.exec_error(errno)
            }
        }
    }
}

/// Forks and execs the payload. Errors come back over a close-on-exec pipe: it closes
/// silently on success, or carries `E` and the errno of a failed exec, or `M` and a
/// sentence, so the caller learns of "command not found" before it reports the
/// container as started.
pub(crate) fn spawn_payload(
    args: &[String],
    env: &[String],
    mask: &SigSet,
    terminal: bool,
    setup: &PayloadSetup<'_>,
    tracer: &Tracer,
) -> anyhow::Result<Pid> {
    let command = Command::new(args, env)?;
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| anyhow::anyhow!("cannot create a pipe: {e}"))?;
    // Everything this process holds (the channel to contlab, the signalfd, the mount
    // fd) must not reach the payload.
    cloexec_from(3 + setup.preserve_fds)
        .map_err(|e| anyhow::anyhow!("cannot mark fds close-on-exec (close_range): {e}"))?;
    // SAFETY: this process is single-threaded (a fresh exec of contlab), so the child may
    // run ordinary code.
    let started = std::time::Instant::now();
    let fork = unsafe { nix::unistd::fork() };
    if let Ok(ForkResult::Parent { child }) = &fork {
        if let Some(h) = &setup.listener {
            // The child's pid as this process sees it, for its listener's report.
            // SAFETY: the exec helper holds the pipe open; ManuallyDrop leaves it so.
            let mut w = std::mem::ManuallyDrop::new(unsafe {
                <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(h.pid_write)
            });
            let _ = std::io::Write::write_all(&mut *w, &child.as_raw().to_le_bytes());
        }
        tracer.emit(TraceEvent {
            pid: std::process::id() as i32,
            op: "fork".into(),
            args: String::new(),
            ok: true,
            result: format!("pid {child}"),
            duration_us: started.elapsed().as_micros() as u64,
            shell: None,
        });
    }
    match fork {
        Err(e) => Err(anyhow::Error::new(e).context("cannot fork the payload")),
        Ok(ForkResult::Child) => {
            drop(err_r);
            let learned;
            let setup = match setup.listener {
                Some(h) => {
                    learned = PayloadSetup {
                        listener: Some(h.learn_pid()),
                        ..*setup
                    };
                    &learned
                }
                None => setup,
            };
            let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(mask), None);
            let msg = match command.become_command(terminal, setup, tracer) {
                Ok(never) => match never {},
                Err(Err(e)) => {
                    let mut msg = b"M".to_vec();
                    let chain = crate::i18n::said::Chain::of(&e);
                    msg.extend(serde_json::to_vec(&chain).unwrap_or_default());
                    msg
                }
                Err(Ok(e)) => {
                    let mut msg = b"E".to_vec();
                    msg.extend_from_slice(&(e as i32).to_le_bytes());
                    msg
                }
            };
            let _ = nix::unistd::write(&err_w, &msg);
            // SAFETY: _exit skips atexit handlers and buffers that belong to the parent.
            unsafe { libc::_exit(127) }
        }
        Ok(ForkResult::Parent { child }) => {
            drop(err_w);
            let mut buf = Vec::new();
            let mut f = std::fs::File::from(err_r);
            read_to_end(&mut f, &mut buf);
            if buf.first() == Some(&b'M') {
                let _ = waitpid(child, None);
                let chain: crate::i18n::said::Chain =
                    serde_json::from_slice(&buf[1..]).unwrap_or_default();
                return Err(chain.into_error());
            }
            if buf.len() == 5 {
                let errno = nix::errno::Errno::from_raw(i32::from_le_bytes([
                    buf[1], buf[2], buf[3], buf[4],
                ]));
                let _ = waitpid(child, None);
                tracer.emit(command.exec_event(child.as_raw(), Some(errno)));
                return Err(command.exec_error(errno));
            }
            tracer.emit(command.exec_event(child.as_raw(), None));
            Ok(child)
        }
    }
}

fn read_to_end(f: &mut std::fs::File, buf: &mut Vec<u8>) {
    let mut chunk = [0u8; 512];
    loop {
        match f.read(&mut chunk) {
            Ok(0) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}

/// The exit status a process reports for a command that ended with `code` or was
/// killed by `signal` (128 + the signal, as a shell says).
pub(crate) fn exit_status(code: Option<i32>, signal: Option<i32>) -> u8 {
    match (code, signal) {
        (Some(c), _) => c as u8,
        (None, Some(s)) => (128 + s) as u8,
        _ => 255,
    }
}

/// Waits for the command: its exit code, or the signal that killed it.
pub(crate) fn wait(payload: Pid) -> Result<(Option<i32>, Option<i32>)> {
    loop {
        match waitpid(payload, None) {
            Ok(WaitStatus::Exited(_, c)) => return Ok((Some(c), None)),
            Ok(WaitStatus::Signaled(_, s, _)) => return Ok((None, Some(s as i32))),
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => bail!("cannot wait for the command: {e}"),
        }
    }
}
