//! The container's init: contlab re-executed (`contlab __init FD`) as the first process
//! of the new namespaces.
//!
//! It is a fresh, single-threaded process, so unlike the clone child it may do anything.
//! It waits for its configuration on the socket FD (contlab sends it only after it has
//! written the uid/gid maps, placed the process in its cgroup and set up the network),
//! builds the container's view of the system, and then, as runc's init does, becomes the
//! command with `execve`: the command is the container's PID 1, and contlab (its parent)
//! waits for it. The socket is close-on-exec, so its close tells contlab that the exec
//! happened. With `reaper` (`--init`, as `docker run --init`), it starts the command as
//! its child instead and stays as PID 1: it reaps every orphan the kernel re-parents to
//! it, and forwards the signals it receives to the command. Everything it does goes back
//! over the socket as trace events, followed by reports (`Exec`, `Started`, `Error`,
//! `Exited`).

use super::caps;
use super::channel::{self, InitConfig, Report};
use super::dev;
use super::mounts;
use super::payload::{self, PayloadSetup};
use super::root;
use super::seccomp;
use super::spec::{Capabilities, MountSpec, Namespace, RootfsMode};
use super::trace::Tracer;
use anyhow::{Context, Result};
use nix::mount::MsFlags;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
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
                    error: crate::i18n::said::Chain::of(&e),
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
            let error = crate::i18n::said::Chain::of(&e);
            if let Some(report) = START_REPORT.lock().ok().and_then(|mut r| r.take()) {
                // A failure after the gate: `start` reads it from here (its caller
                // may not be this container's parent).
                let _ = serde_json::to_writer(std::fs::File::from(report), &error);
            }
            channel::send_report(&mut out, &Report::Error { error });
            1
        }
    }
}

/// The start report's write end once the init is past its gate (see
/// `ContainerSpec::start_report`): where a later failure is written for `start`.
static START_REPORT: std::sync::Mutex<Option<OwnedFd>> = std::sync::Mutex::new(None);

fn run(
    config: &InitConfig,
    overlay: Option<OwnedFd>,
    tracer: &Tracer,
    out: &mut std::fs::File,
) -> Result<u8> {
    // The start report is inherited without close-on-exec (to cross the init's own
    // exec); no hook or command may hold it, or `start` would wait for them too.
    let report = match config.start_report {
        Some(fd) => {
            // SAFETY: the fd was inherited for this purpose; nothing else here owns it.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            nix::fcntl::fcntl(
                &fd,
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
            )
            .context("cannot make the start report close-on-exec")?;
            Some(fd)
        }
        None => None,
    };
    let ns = config.namespaces;
    if config.mapped_root {
        // Already done between clone and exec (see ChildPlan::become_root); repeating
        // it is a no-op that shows the switch in the trace and checks it held.
        payload::become_root(tracer)?;
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
        // A bundle's `linux.rootfsPropagation` takes the place of rslave, as in runc.
        let flags = match config.overrides.rootfs_propagation {
            0 => MsFlags::MS_REC | MsFlags::MS_SLAVE,
            bits => MsFlags::from_bits_truncate(bits),
        };
        mounts::mount(tracer, None, Path::new("/"), None, flags, None)
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
    payload::enter_cwd(&config.cwd, tracer)?;
    payload::harden(config.capabilities, config.overrides.no_new_privs, tracer)?;
    caps::set_not_dumpable(tracer).context("cannot make the init non-dumpable")?;
    if config.reaper && (!ns.contains(Namespace::Pid) || config.joined.contains(Namespace::Pid)) {
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

    // The init becomes the command: its resource limits are set before the start gate,
    // so an invalid one fails `create`, as runc's init sets them before it waits.
    if !config.reaper {
        payload::set_rlimits(&config.overrides.rlimits, tracer)?;
    }
    // SCMP_ACT_NOTIFY: the filter with the listener is loaded now, before the start
    // gate, so that contlab hands the listener to the bundle's agent during `create`,
    // as runc does; the other filters are loaded last, as usual.
    let mut filters = config.overrides.seccomp.clone();
    if let Some(i) = filters.iter().position(seccomp::notifies) {
        let listener = seccomp::load_listener(&filters.remove(i), tracer)?;
        channel::send_report(
            out,
            &Report::SeccompListener {
                fd: listener.as_raw_fd(),
                pid: None,
            },
        );
        // contlab has its copy when it answers.
        let mut ack = [0u8; 1];
        std::io::Read::read_exact(out, &mut ack)
            .context("contlab did not take the seccomp listener")?;
    }
    if let Some(fd) = config.start_gate {
        // A program that is not there fails `create`, not the later `start`, as in runc.
        payload::resolve_command(&config.args[0], &config.env)?;
        channel::send_report(out, &Report::Ready);
        // SAFETY: the gate's fd was inherited for this purpose; nothing else owns it.
        let gate = unsafe { OwnedFd::from_raw_fd(fd) };
        wait_at_gate(gate, tracer)?;
        if let Ok(mut r) = START_REPORT.lock() {
            *r = report;
        }
    }
    if let Some(h) = &config.overrides.init_hooks {
        h.start_container()?;
    }
    let setup = PayloadSetup {
        user: config.overrides.user.as_ref(),
        caps: match config.capabilities {
            Capabilities::Sets(s) => Some(s),
            _ => None,
        },
        // Already set on the init when it becomes the command.
        rlimits: if config.reaper {
            &config.overrides.rlimits
        } else {
            &[]
        },
        seccomp: &filters,
        no_new_privs: config.overrides.no_new_privs,
        preserve_fds: config.overrides.preserve_fds,
        // The init loaded the filter with the listener before the start gate.
        listener: None,
    };
    if !config.reaper {
        return Err(become_command(config, terminal, &setup, tracer, out));
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
    let payload =
        payload::spawn_payload(&config.args, &config.env, &old, terminal, &setup, tracer)?;
    channel::send_report(
        out,
        &Report::Started {
            pid: payload.as_raw(),
        },
    );
    // The command runs: `start` has its answer (the init stays, reaping).
    if let Ok(mut r) = START_REPORT.lock() {
        r.take();
    }
    let (code, signal) = reap_and_forward(&sfd, payload);
    channel::send_report(out, &Report::Exited { code, signal });
    Ok(payload::exit_status(code, signal))
}

/// The init becomes the command (see the module's doc); returns only on failure.
fn become_command(
    config: &InitConfig,
    terminal: bool,
    setup: &PayloadSetup<'_>,
    tracer: &Tracer,
    out: &mut std::fs::File,
) -> anyhow::Error {
    let command = match payload::Command::new(&config.args, &config.env) {
        Ok(c) => c,
        Err(m) => return anyhow::Error::new(m),
    };
    channel::send_report(
        out,
        &Report::Exec {
            event: command.exec_event(std::process::id() as i32, None),
        },
    );
    command.exec(terminal, setup, tracer)
}

/// `process.terminal`: a pseudo-terminal from the container's own devpts (so `tty`
/// inside names `/dev/pts/0`), its replica as this process's stdio, which the payload
/// inherits and takes as its controlling terminal, and its master sent over the console
/// socket, as runc does. The master never stays in the container.
pub(crate) fn console_terminal(socket: OwnedFd, owner: Option<u32>, tracer: &Tracer) -> Result<()> {
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
        let unmapped = ns.contains(Namespace::User) && !config.mapped_root;
        dev::populate(root, config.pts_gid5, unmapped, tracer)?;
    }
    match config.rootfs {
        RootfsMode::PivotRoot => root::pivot_root(root, tracer)?,
        RootfsMode::MoveRoot => root::move_root(root, tracer)?,
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
    // As runc: the mount holding the rootfs is made private (or slave), never shared,
    // and so is the root attached below it, whatever peer group its clone was in.
    // Without a mount namespace (contlab attached the root on the host) the host's
    // propagation is left as it is.
    let own_mounts = config.namespaces.contains(Namespace::Mount);
    let propagation = MsFlags::from_bits_truncate(config.overrides.rootfs_propagation);
    let parent = super::oci::fs::root_parent_propagation(propagation);
    if own_mounts {
        super::oci::fs::set_parent_propagation(root, parent, tracer)?;
    }
    if let Some(fd) = &overlay {
        root::attach(std::os::fd::AsFd::as_fd(fd), root, tracer)?;
    }
    drop(overlay);
    if own_mounts {
        mounts::mount(tracer, None, root, None, parent, None)
            .context("cannot change the propagation of the container's root")?;
    }
    super::oci::fs::mount_all(root, list, &config.cgroup_dirs, config.cgroup_v2, tracer)?;
    super::oci::fs::make_devices(root, &config.overrides.devices, tracer)?;
    if let Some(h) = &config.overrides.init_hooks {
        std::env::set_current_dir(root)
            .with_context(|| format!("cannot enter the root filesystem {}", root.display()))?;
        h.create_container()?;
    }
    match config.rootfs {
        RootfsMode::PivotRoot => root::pivot_root(root, tracer)?,
        RootfsMode::MoveRoot => root::move_root(root, tracer)?,
        RootfsMode::Chroot => root::chroot(root, tracer)?,
        RootfsMode::Host => {}
    }
    // Shared or unbindable applies to the root once it is `/` (runc since 1.2: done
    // before, on a shared mount, it would reach the host's namespace).
    if own_mounts
        && !propagation.is_empty()
        && !propagation.intersects(MsFlags::MS_PRIVATE | MsFlags::MS_SLAVE)
    {
        mounts::mount(tracer, None, Path::new("/"), None, propagation, None).context(
            "cannot give the container's root its propagation (linux.rootfsPropagation)",
        )?;
    }
    write_sysctls(&config.overrides.sysctl, tracer)?;
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

/// `linux.sysctl`, written under the container's own `/proc/sys` (its namespaces'
/// values; the keys were checked when the bundle was read).
fn write_sysctls(
    sysctl: &std::collections::BTreeMap<String, String>,
    tracer: &Tracer,
) -> Result<()> {
    for (key, value) in sysctl {
        let path = Path::new("/proc/sys").join(key.replace('.', "/"));
        tracer
            .op(
                "write",
                || format!("{path:?}, {value:?}"),
                || Some(format!("sysctl -w {key}={value}")),
                || {
                    std::fs::write(&path, value).map_err(|e| {
                        nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
                    })
                },
            )
            .with_context(|| format!("cannot set sysctl {key} to {value:?} (linux.sysctl)"))?;
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
