//! The container's init: contlab re-executed (`contlab __init FD`) as the first process
//! of the new namespaces.
//!
//! It is a fresh, single-threaded process, so unlike the clone child it may do anything.
//! It waits for its configuration on the socket FD (contlab sends it only after it has
//! written the uid/gid maps, placed the process in its cgroup and set up the network),
//! builds the container's view of the system, starts the payload as its child, and then
//! stays as PID 1: it reaps every orphan the kernel re-parents to it, and forwards the
//! signals it receives to the payload. Everything it does goes back over the socket as
//! trace events, followed by reports (`Started`, `Error`, `Exited`).

use super::caps;
use super::channel::{self, InitConfig, Report};
use super::dev;
use super::mounts;
use super::process::cloexec_from;
use super::root;
use super::spec::{CapSets, Capabilities, MountSpec, Namespace, Rlimit, RootfsMode, User};
use super::trace::{TraceEvent, Tracer};
use anyhow::{Context, Result};
use nix::mount::MsFlags;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid};
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `contlab __init FD`. Never returns to clap.
pub fn main(args: &[String]) -> ExitCode {
    let Some(fd) = args.get(2).and_then(|s| s.parse::<RawFd>().ok()) else {
        eprintln!(
            "contlab: __init is contlab's internal container init; it is not meant to be run by hand"
        );
        return ExitCode::from(2);
    };
    if let Some(parent) = super::forkserver::requested() {
        // SAFETY: contlab passed us this fd number and nothing else here owns it.
        let sock = unsafe { OwnedFd::from_raw_fd(fd) };
        return super::forkserver::serve(sock, parent);
    }
    // SAFETY: contlab passed us this fd number and nothing else in this fresh process owns it.
    ExitCode::from(serve(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// The init's life on its socket to contlab, from an exec or from the fork server;
/// returns its exit status.
pub(crate) fn serve(sock: OwnedFd) -> u8 {
    // Executed from a sealed memfd, the kernel would name us "memfd:contlab" in ps;
    // students read PID 1's name in several lessons, so give it one that says what it is.
    let _ = nix::sys::prctl::set_name(c"contlab-init");
    let (config, overlay) = match channel::receive::<InitConfig>(&sock) {
        Ok(Some(c)) => c,
        // contlab died before configuring us: nothing to do.
        Ok(None) => return 1,
        Err(e) => {
            let mut out = std::fs::File::from(sock);
            channel::send_report(
                &mut out,
                &Report::Error {
                    message: format!("{e:#}"),
                },
            );
            return 1;
        }
    };
    let Ok(dup) = sock.try_clone() else {
        return 1;
    };
    let tracer = if config.trace {
        Tracer::to_fd(dup)
    } else {
        Tracer::null()
    };
    let mut out = std::fs::File::from(sock);
    match run(&config, overlay, &tracer, &mut out) {
        Ok(code) => code,
        Err(e) => {
            channel::send_report(
                &mut out,
                &Report::Error {
                    message: format!("{e:#}"),
                },
            );
            1
        }
    }
}

fn run(
    config: &InitConfig,
    overlay: Option<OwnedFd>,
    tracer: &Tracer,
    out: &mut std::fs::File,
) -> Result<u8> {
    let ns = config.namespaces;
    if config.mapped_root {
        // Already done between clone and exec (see ChildPlan::become_root); repeating
        // it is a no-op that shows the switch in the trace and checks it held.
        become_root(tracer)?;
    }
    // Only now, inside its cgroup, may the init make its cgroup namespace: the
    // namespace's root is the cgroup the process is in at unshare time.
    if ns.contains(Namespace::Cgroup) && !config.joined.contains(Namespace::Cgroup) {
        tracer
            .op(
                "unshare",
                || "CLONE_NEWCGROUP".into(),
                || Some("unshare --cgroup".into()),
                || nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWCGROUP),
            )
            .context("cannot create the cgroup namespace")?;
    }
    if ns.contains(Namespace::Mount) {
        // Before any other mount: with shared propagation (systemd makes / shared), every
        // mount below would appear on the host too, and unmounts would propagate back.
        mounts::mount(
            tracer,
            None,
            Path::new("/"),
            None,
            MsFlags::MS_REC | MsFlags::MS_SLAVE,
            None,
        )
        .context("cannot make / a recursive slave mount")?;
    }
    if let Some(h) = &config.hostname {
        tracer
            .op(
                "sethostname",
                || format!("{h:?}"),
                || Some(format!("hostname {h}")),
                || nix::unistd::sethostname(h),
            )
            .context("cannot set the hostname")?;
    }
    setup_filesystem(config, overlay, tracer)?;
    enter_cwd(&config.cwd, tracer)?;
    harden(config.capabilities, config.overrides.no_new_privs, tracer)?;
    caps::set_not_dumpable(tracer).context("cannot make the init non-dumpable")?;
    if !ns.contains(Namespace::Pid) || config.joined.contains(Namespace::Pid) {
        // Without a pid namespace of its own the kernel would re-parent orphans to the
        // host's init (or the joined namespace's); make them ours so they are reaped here.
        let _ = nix::sys::prctl::set_child_subreaper(true);
    }
    // As runc, the terminal is handed over at create, before the start gate.
    let terminal = match config.console {
        Some(fd) => {
            // SAFETY: the fd was inherited for this purpose; nothing else here owns it.
            let socket = unsafe { OwnedFd::from_raw_fd(fd) };
            let owner = config.overrides.user.as_ref().map(|u| u.uid);
            console_terminal(socket, owner, tracer)?;
            true
        }
        None => false,
    };

    if let Some(fd) = config.start_gate {
        // A program that is not there fails `create`, not the later `start`, as in runc.
        resolve_command(&config.args[0], &config.env).map_err(|m| anyhow::anyhow!(m))?;
        channel::send_report(out, &Report::Ready);
        // SAFETY: the gate's fd was inherited for this purpose; nothing else owns it.
        let gate = unsafe { OwnedFd::from_raw_fd(fd) };
        wait_at_gate(gate, tracer)?;
    }

    // Block every signal before the payload exists: none may be lost between fork and
    // the signalfd, and a blocked signal is never "ignored" even for a namespace's init.
    let all = SigSet::all();
    let mut old = SigSet::empty();
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(&all), Some(&mut old))
        .context("cannot block signals")?;
    let sfd =
        nix::sys::signalfd::SignalFd::with_flags(&all, nix::sys::signalfd::SfdFlags::SFD_CLOEXEC)
            .context("cannot create a signalfd")?;
    let setup = PayloadSetup {
        user: config.overrides.user.as_ref(),
        caps: match config.capabilities {
            Capabilities::Sets(s) => Some(s),
            _ => None,
        },
        rlimits: &config.overrides.rlimits,
    };
    let payload = spawn_payload(&config.args, &config.env, &old, terminal, &setup, tracer)
        .map_err(|m| anyhow::anyhow!(m))?;
    channel::send_report(
        out,
        &Report::Started {
            pid: payload.as_raw(),
        },
    );
    let (code, signal) = reap_and_forward(&sfd, payload);
    channel::send_report(out, &Report::Exited { code, signal });
    Ok(match (code, signal) {
        (Some(c), _) => c as u8,
        (None, Some(s)) => (128 + s) as u8,
        _ => 255,
    })
}

/// `process.terminal`: a pseudo-terminal from the container's own devpts (so `tty`
/// inside names `/dev/pts/0`), its replica as this process's stdio, which the payload
/// inherits and takes as its controlling terminal, and its master sent over the console
/// socket, as runc does. The master never stays in the container.
fn console_terminal(socket: OwnedFd, owner: Option<u32>, tracer: &Tracer) -> Result<()> {
    use nix::pty::{PtyMaster, grantpt, posix_openpt, ptsname_r, unlockpt};
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let master: PtyMaster = tracer
        .op(
            "open",
            || "\"/dev/ptmx\", O_RDWR|O_NOCTTY|O_CLOEXEC".into(),
            || None,
            || posix_openpt(nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_NOCTTY),
        )
        .context(
            "cannot open /dev/ptmx in the container for process.terminal (is /dev/pts mounted?)",
        )?;
    grantpt(&master).context("cannot grant the terminal (grantpt)")?;
    unlockpt(&master).context("cannot unlock the terminal (unlockpt)")?;
    let name = ptsname_r(&master).context("cannot name the terminal's replica (ptsname)")?;
    let replica = nix::fcntl::open(
        std::path::Path::new(&name),
        nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_NOCTTY,
        nix::sys::stat::Mode::empty(),
    )
    .with_context(|| format!("cannot open the terminal's replica {name}"))?;
    if let Some(uid) = owner {
        // The command's user must own its terminal to read and write it.
        nix::unistd::fchown(&replica, Some(nix::unistd::Uid::from_raw(uid)), None)
            .with_context(|| format!("cannot hand {name} to uid {uid}"))?;
    }
    let fds = [master.as_raw_fd()];
    let name_bytes = name.as_bytes();
    tracer
        .op(
            "sendmsg",
            || format!("console socket, {name:?}, SCM_RIGHTS [{}]", fds[0]),
            || None,
            || {
                sendmsg::<()>(
                    socket.as_raw_fd(),
                    &[std::io::IoSlice::new(name_bytes)],
                    &[ControlMessage::ScmRights(&fds)],
                    MsgFlags::empty(),
                    None,
                )
            },
        )
        .context("cannot send the terminal to the console socket")?;
    drop(master);
    drop(socket);
    for target in 0..=2 {
        // SAFETY: dup2 on an fd this process owns, onto the standard fds it replaces.
        if unsafe { libc::dup2(replica.as_raw_fd(), target) } < 0 {
            return Err(std::io::Error::last_os_error())
                .context("cannot make the terminal the command's stdio");
        }
    }
    Ok(())
}

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

/// Blocks until `contlab runtime start` writes a byte into the FIFO (the create/start
/// split, runc's exec fifo): the container stays fully set up but runs nothing of the
/// user's until then.
fn wait_at_gate(gate: OwnedFd, tracer: &Tracer) -> Result<()> {
    let mut f = std::fs::File::from(gate);
    let mut b = [0u8; 1];
    let n = tracer
        .op(
            "read",
            || format!("{} (exec.fifo), 1", f.as_raw_fd()),
            || Some("cat exec.fifo   # blocks until `start`".into()),
            || loop {
                match nix::unistd::read(&f, &mut b) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    other => break other,
                }
            },
        )
        .context("cannot wait for the start of the container")?;
    if n == 0 {
        anyhow::bail!("the start gate closed before the container was started");
    }
    let _ = f.flush();
    Ok(())
}

fn setup_filesystem(config: &InitConfig, overlay: Option<OwnedFd>, tracer: &Tracer) -> Result<()> {
    if let Some(list) = &config.overrides.mounts {
        return explicit_filesystem(config, list, overlay, tracer);
    }
    let ns = config.namespaces;
    let own_mounts = ns.contains(Namespace::Mount);
    let Some(root) = config
        .root
        .as_deref()
        .filter(|_| config.rootfs != RootfsMode::Host)
    else {
        if own_mounts && ns.contains(Namespace::Pid) && config.mount_proc {
            // Host root, own pid namespace: a fresh /proc over the host's, so that ps
            // shows the container's processes.
            root::mount_proc(Path::new("/proc"), tracer).context("cannot mount /proc")?;
            root::mask_and_protect(tracer)?;
        }
        return Ok(());
    };
    if let Some(fd) = &overlay {
        root::attach(std::os::fd::AsFd::as_fd(fd), root, tracer)?;
    }
    drop(overlay);
    if own_mounts {
        let proc_dir = root.join("proc");
        ensure_dir(&proc_dir)?;
        if !config.mount_proc {
            // Left empty on purpose: the student mounts it.
        } else if ns.contains(Namespace::Pid) || !ns.contains(Namespace::User) {
            root::mount_proc(&proc_dir, tracer).context("cannot mount /proc in the container")?;
        } else {
            // A user namespace may mount procfs only for a pid namespace it owns; without
            // one, the host's /proc is bound instead.
            mounts::mount(
                tracer,
                Some("/proc"),
                &proc_dir,
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None,
            )
            .context("cannot bind /proc into the container")?;
        }
        // sysfs may be mounted only by the owner of the network namespace it shows.
        if ns.contains(Namespace::Net) || !ns.contains(Namespace::User) {
            let sys = root.join("sys");
            ensure_dir(&sys)?;
            mounts::mount(
                tracer,
                Some("sysfs"),
                &sys,
                Some("sysfs"),
                MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
                None,
            )
            .context("cannot mount /sys in the container")?;
        }
        dev::populate(root, config.pts_gid5, tracer)?;
    }
    match config.rootfs {
        RootfsMode::PivotRoot => root::pivot_root(root, tracer)?,
        RootfsMode::Chroot => root::chroot(root, tracer)?,
        RootfsMode::Host => {}
    }
    if own_mounts {
        root::mask_and_protect(tracer)?;
    }
    Ok(())
}

/// The bundle's own mounts in place of contlab's, then the root switch, the masked and
/// read-only paths, and a read-only `/` if asked.
fn explicit_filesystem(
    config: &InitConfig,
    list: &[MountSpec],
    overlay: Option<OwnedFd>,
    tracer: &Tracer,
) -> Result<()> {
    let root = config
        .root
        .as_deref()
        .context("a container with explicit mounts needs its own root filesystem")?;
    if let Some(fd) = &overlay {
        root::attach(std::os::fd::AsFd::as_fd(fd), root, tracer)?;
    }
    drop(overlay);
    super::oci::fs::mount_all(root, list, &config.cgroup_dirs, config.cgroup_v2, tracer)?;
    match config.rootfs {
        RootfsMode::PivotRoot => root::pivot_root(root, tracer)?,
        RootfsMode::Chroot => root::chroot(root, tracer)?,
        RootfsMode::Host => {}
    }
    let owned = |v: &Option<Vec<String>>, d: &[&str]| -> Vec<String> {
        v.clone()
            .unwrap_or_else(|| d.iter().map(|s| s.to_string()).collect())
    };
    root::mask_and_protect_paths(
        &owned(&config.overrides.masked_paths, root::MASKED),
        &owned(&config.overrides.readonly_paths, root::READ_ONLY),
        tracer,
    )?;
    if config.overrides.readonly_root {
        let locked = mounts::locked_flags(Path::new("/"));
        mounts::mount(
            tracer,
            None,
            Path::new("/"),
            None,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | locked,
            None,
        )
        .context("cannot make the container's / read-only (root.readonly)")?;
    }
    Ok(())
}

fn ensure_dir(p: &Path) -> Result<()> {
    match std::fs::create_dir(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| {
            format!(
                "cannot create {} in the container's root filesystem",
                p.display()
            )
        }),
    }
}

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Finds `cmd` as `execvp` would, in the `PATH` of `env`, in this process's root.
pub(crate) fn resolve_command(cmd: &str, env: &[String]) -> Result<PathBuf, String> {
    if cmd.contains('/') {
        return if Path::new(cmd).exists() {
            Ok(PathBuf::from(cmd))
        } else {
            Err(format!(
                "command {cmd:?} not found in the container's root filesystem"
            ))
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
    Err(format!(
        "command {cmd:?} not found in the container's root filesystem"
    ))
}

fn describe_exec_error(cmd: &str, errno: nix::errno::Errno) -> String {
    use nix::errno::Errno;
    match errno {
        Errno::ENOENT => format!(
            "command {cmd:?} not found in the container's root filesystem (or its interpreter or libraries are missing)"
        ),
        Errno::EACCES => {
            format!("command {cmd:?} is not executable in the container (permission denied)")
        }
        Errno::ENOEXEC => format!("command {cmd:?} is not a program this kernel can run"),
        e => format!("cannot execute {cmd:?} in the container: {}", e.desc()),
    }
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
}

impl PayloadSetup<'_> {
    /// Runs in the forked child (single-threaded, so ordinary code is safe).
    fn apply(&self, tracer: &Tracer) -> Result<()> {
        for r in self.rlimits {
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
                .with_context(|| format!("cannot set resource limit {}", r.resource))?;
        }
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
                .context("cannot set the additional groups (process.user.additionalGids)")?;
            let g = nix::unistd::Gid::from_raw(u.gid);
            tracer
                .op(
                    "setresgid",
                    || format!("{0}, {0}, {0}", u.gid),
                    || None,
                    || nix::unistd::setresgid(g, g, g),
                )
                .with_context(|| format!("cannot become gid {} (process.user.gid)", u.gid))?;
            let id = nix::unistd::Uid::from_raw(u.uid);
            tracer
                .op(
                    "setresuid",
                    || format!("{0}, {0}, {0}", u.uid),
                    || Some(format!("setpriv --reuid={} --regid={}", u.uid, u.gid)),
                    || nix::unistd::setresuid(id, id, id),
                )
                .with_context(|| format!("cannot become uid {} (process.user.uid)", u.uid))?;
        }
        if let Some(sets) = &self.caps {
            caps::apply_sets(sets, tracer)?;
        }
        Ok(())
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
) -> Result<Pid, String> {
    let path = resolve_command(&args[0], env)?;
    let c_path = CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| "the command contains a NUL byte".to_string())?;
    let c_args: Vec<CString> = args
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| "an argument contains a NUL byte".to_string())?;
    let c_env: Vec<CString> = env
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<_, _>>()
        .map_err(|_| "an environment variable contains a NUL byte".to_string())?;
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| format!("cannot create a pipe: {e}"))?;
    // Everything this process holds (the channel to contlab, the signalfd, the mount
    // fd) must not reach the payload.
    cloexec_from(3).map_err(|e| format!("cannot mark fds close-on-exec (close_range): {e}"))?;
    let shell = format!("exec {}", args.join(" "));
    let describe = || format!("{path:?}, {args:?}");
    // SAFETY: this process is single-threaded (a fresh exec of contlab), so the child may
    // run ordinary code.
    let started = std::time::Instant::now();
    let fork = unsafe { nix::unistd::fork() };
    if let Ok(ForkResult::Parent { child }) = &fork {
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
        Err(e) => Err(format!("cannot fork the payload: {e}")),
        Ok(ForkResult::Child) => {
            drop(err_r);
            let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(mask), None);
            if terminal {
                // An interactive shell on a PTY wants job control: a session of its own
                // with stdin (the PTY's replica) as its controlling terminal, so that
                // Ctrl-C reaches its foreground job and closing the PTY hangs it up.
                let _ = nix::unistd::setsid();
                // SAFETY: a plain ioctl on fd 0 with an integer argument.
                unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) };
            }
            if let Err(e) = setup.apply(tracer) {
                let mut msg = b"M".to_vec();
                msg.extend_from_slice(format!("{e:#}").as_bytes());
                let _ = nix::unistd::write(&err_w, &msg);
                // SAFETY: _exit skips atexit handlers and buffers that belong to the parent.
                unsafe { libc::_exit(127) }
            }
            let Err(e) = nix::unistd::execve(&c_path, &c_args, &c_env);
            let mut msg = b"E".to_vec();
            msg.extend_from_slice(&(e as i32).to_le_bytes());
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
                return Err(String::from_utf8_lossy(&buf[1..]).into_owned());
            }
            if buf.len() == 5 {
                let errno = nix::errno::Errno::from_raw(i32::from_le_bytes([
                    buf[1], buf[2], buf[3], buf[4],
                ]));
                let _ = waitpid(child, None);
                let msg = describe_exec_error(&args[0], errno);
                tracer.emit(TraceEvent {
                    pid: child.as_raw(),
                    op: "execve".into(),
                    args: describe(),
                    ok: false,
                    result: format!("{errno:?}: {}", errno.desc()),
                    duration_us: 0,
                    shell: Some(shell),
                });
                return Err(msg);
            }
            tracer.emit(TraceEvent {
                pid: child.as_raw(),
                op: "execve".into(),
                args: describe(),
                ok: true,
                result: "0".into(),
                duration_us: 0,
                shell: Some(shell),
            });
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

fn decode(status: WaitStatus) -> Option<(Option<i32>, Option<i32>)> {
    match status {
        WaitStatus::Exited(_, c) => Some((Some(c), None)),
        WaitStatus::Signaled(_, s, _) => Some((None, Some(s as i32))),
        _ => None,
    }
}

/// PID 1's loop: reap every child (orphans of the whole namespace come here), forward
/// every other signal to the payload, and return when the payload has ended.
fn reap_and_forward(
    sfd: &nix::sys::signalfd::SignalFd,
    payload: Pid,
) -> (Option<i32>, Option<i32>) {
    loop {
        let sig = match sfd.read_signal() {
            Ok(Some(info)) => info.ssi_signo as i32,
            Ok(None) => continue,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => {
                // Without the signalfd, fall back to waiting for the payload alone.
                loop {
                    match waitpid(payload, None) {
                        Ok(s) => {
                            if let Some(r) = decode(s) {
                                return r;
                            }
                        }
                        Err(nix::errno::Errno::EINTR) => continue,
                        Err(_) => return (None, None),
                    }
                }
            }
        };
        if sig == libc::SIGCHLD {
            loop {
                match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) | Err(_) => break,
                    Ok(s) => {
                        if s.pid() == Some(payload)
                            && let Some(r) = decode(s)
                        {
                            return r;
                        }
                    }
                }
            }
        } else if let Ok(s) = Signal::try_from(sig) {
            let _ = nix::sys::signal::kill(payload, s);
        }
    }
}

/// Entry points of re-executed contlab processes, checked at the very top of `main`,
/// before any argument parsing or threads.
pub fn hidden_entry() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("__init") => Some(main(&args)),
        Some("__exec") => Some(super::exec::main(&args)),
        _ => None,
    }
}
