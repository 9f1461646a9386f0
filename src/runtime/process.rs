//! Making the container's first process: `clone(2)` with the namespace flags, then, in
//! the child, nothing but async-signal-safe calls until it re-executes contlab as the
//! container's init from a sealed copy of the binary.
//!
//! The parent may be multi-threaded (the TUI, test threads): a child of `clone` without
//! `CLONE_VM` holds a copy of every lock as some other thread left it, so it must not
//! allocate, lock, or print before `execve`. Everything it needs is prepared beforehand.

use anyhow::{Context, Result, bail};
use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sched::CloneFlags;
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::OnceLock;

/// A sealed, in-memory copy of the contlab binary, made once per process.
///
/// Container processes are re-executions of contlab (init, exec). If they ran the binary
/// on disk, a process in the container could open `/proc/PID/exe` of one of them and
/// overwrite contlab on the host (CVE-2019-5736, the runc breakout). A memfd sealed
/// against writes, growth and shrinking cannot be changed by anyone, so the host binary
/// is never exposed to the container.
pub fn sealed_exe() -> Result<BorrowedFd<'static>> {
    static EXE: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = EXE.get() {
        return Ok(fd.as_fd());
    }
    // A read-only detached mount of the binary costs a few syscalls; the sealed memfd
    // copy (18 MB for a release build) is the fallback for kernels before 5.12.
    let fd = match make_readonly_exe() {
        Ok(fd) => fd,
        Err(_) => make_sealed_exe()?,
    };
    // A racing thread may have won; its copy is as good as ours.
    let _ = EXE.set(fd);
    EXE.get()
        .map(|f| f.as_fd())
        .context("the sealed copy of contlab vanished")
}

static EXE_SOURCE: OnceLock<std::path::PathBuf> = OnceLock::new();

/// Makes containers re-execute the contlab binary at `path` rather than the running
/// program. For programs that link the library but are not contlab (integration tests,
/// benchmarks): the init is contlab's `main`. Call before the first container starts.
pub fn use_contlab_binary(path: &std::path::Path) -> Result<()> {
    let set = EXE_SOURCE.get_or_init(|| path.to_path_buf());
    if set != path {
        bail!(
            "the runtime already uses {} as contlab's binary, not {}",
            set.display(),
            path.display()
        );
    }
    Ok(())
}

/// The contlab binary to start for a helper process of contlab's own (the API server):
/// the one [`use_contlab_binary`] named, else the running program.
pub fn contlab_binary() -> std::io::Result<std::path::PathBuf> {
    match EXE_SOURCE.get() {
        Some(p) => Ok(p.clone()),
        None => std::env::current_exe(),
    }
}

fn make_sealed_exe() -> Result<OwnedFd> {
    use nix::sys::memfd::{MFdFlags, memfd_create};
    let fd = memfd_create(
        "contlab",
        MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING,
    )
    .context("cannot create a memfd for the sealed copy of contlab (memfd_create)")?;
    let source = EXE_SOURCE
        .get()
        .cloned()
        .unwrap_or_else(|| "/proc/self/exe".into());
    let mut src = std::fs::File::open(&source)
        .with_context(|| format!("cannot open {} to copy it", source.display()))?;
    let mut dst = std::fs::File::from(fd);
    std::io::copy(&mut src, &mut dst).context("cannot copy contlab into its sealed memfd")?;
    let seals = SealFlag::F_SEAL_SEAL
        | SealFlag::F_SEAL_SHRINK
        | SealFlag::F_SEAL_GROW
        | SealFlag::F_SEAL_WRITE;
    fcntl(&dst, FcntlArg::F_ADD_SEALS(seals))
        .context("cannot seal contlab's memfd (F_ADD_SEALS)")?;
    Ok(OwnedFd::from(dst))
}

/// The binary on a private, read-only, detached bind mount (`open_tree` +
/// `mount_setattr(MOUNT_ATTR_RDONLY)`), the way newer runc avoids copying itself: a
/// container process that reaches `/proc/PID/exe` of contlab's init gets a file on a
/// read-only mount, and opening it for writing fails with EROFS. The mount is in no
/// mount namespace, so it shows nowhere and dies with the last fd or process using it.
fn make_readonly_exe() -> Result<OwnedFd> {
    let source = EXE_SOURCE
        .get()
        .cloned()
        .unwrap_or_else(|| "/proc/self/exe".into());
    // Resolve /proc/self/exe to the binary itself: open_tree wants a path to bind.
    let source = std::fs::canonicalize(&source)
        .with_context(|| format!("cannot resolve {}", source.display()))?;
    let path = CString::new(source.as_os_str().as_encoded_bytes())?;
    // SAFETY: a syscall with a valid C string and integer flags.
    let raw = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            path.as_ptr(),
            libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC,
        )
    };
    if raw < 0 {
        bail!("open_tree: {}", std::io::Error::last_os_error());
    }
    // SAFETY: open_tree returned a new fd that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw as RawFd) };
    let attr = libc::mount_attr {
        attr_set: libc::MOUNT_ATTR_RDONLY,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    super::root::set_attr(fd.as_fd(), &attr).context("mount_setattr")?;
    Ok(fd)
}

/// The path under which a child sees the sealed binary, for `std::process::Command`.
/// A close-on-exec fd still resolves through `/proc/self/fd` at `execve` time.
pub fn sealed_exe_path() -> Result<String> {
    Ok(format!("/proc/self/fd/{}", sealed_exe()?.as_raw_fd()))
}

/// Marks every fd from `first` on close-on-exec, so nothing of contlab's leaks into the
/// payload: CVE-2024-21626 was a runc fd to the host's cgroupfs left open across exec,
/// through which a container reached the host's file system.
pub fn cloexec_from(first: u32) -> nix::Result<()> {
    // SAFETY: a plain syscall with integer arguments.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(nix::errno::Errno::last())
    }
}

/// Moves `fd` to a number ≥ 3, so that setting up stdin/stdout/stderr in the child
/// can never overwrite it.
pub fn above_stdio(fd: OwnedFd) -> Result<OwnedFd> {
    above(fd, 3)
}

/// `fd`, or a close-on-exec copy of it numbered `floor` or more.
pub fn above(fd: OwnedFd, floor: i32) -> Result<OwnedFd> {
    if fd.as_raw_fd() >= floor {
        return Ok(fd);
    }
    let raw = fcntl(&fd, FcntlArg::F_DUPFD_CLOEXEC(floor)).context("cannot duplicate an fd")?;
    // SAFETY: F_DUPFD_CLOEXEC returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// What the clone child does, prepared in full by the parent.
pub struct ChildPlan {
    /// `argv` for the re-executed contlab.
    pub argv: Vec<CString>,
    /// fds to make stdin, stdout, stderr (`None`: leave as inherited).
    pub stdio: [Option<OwnedFd>; 3],
    /// fds the child must keep across `execve` (their close-on-exec flag is cleared).
    /// The first one is the channel to the parent: with `wait_for_maps`, the child reads
    /// one byte from it before it execs.
    pub keep: Vec<RawFd>,
    /// Wait for the parent's go (after it wrote the uid/gid maps), then become uid and gid
    /// 0 of the new user namespace before `execve`. `execve` computes the new
    /// capabilities from the uid: a process that is not root of its user namespace at
    /// that moment (unmapped, or still host uid 0, which the map does not cover) loses
    /// every capability, and the init could not mount anything.
    pub wait_for_maps: bool,
    pub become_root: bool,
    /// The init is not root of its new user namespace (no map covers it, as with
    /// `unshare --user`): `execve` would take every capability the namespace gave its
    /// creator, so the child raises them all into the ambient set first
    /// ([`carry_caps_raw`]), which an exec by a non-root user keeps. The init drops them
    /// again before the command runs.
    pub carry_caps: bool,
    /// v1 `tasks` files, opened by the parent, into which the child writes "0" first
    /// thing (see `Cgroup::self_join_files`).
    pub join_cgroup: Vec<OwnedFd>,
    /// Existing namespaces to join first (see [`Stage`]).
    pub stage: Option<Stage>,
    /// The environment of the re-executed contlab (empty for an init).
    pub envp: Vec<CString>,
}

/// Joining existing namespaces takes a second process, as in runc's nsexec. The clone
/// child (made with no namespace flags) joins them, user first: the namespaces it then
/// creates with `unshare` belong to the joined user namespace, and joining it is what
/// gives the capabilities there that the other joins and the container's mounts need.
/// `setns` into a pid namespace, like `unshare(CLONE_NEWPID)`, moves only the caller's
/// future children, so the child then forks the init with `CLONE_PARENT` (the init stays
/// contlab's own child, to be waited for) and exits.
pub struct Stage {
    /// Namespace files to `setns` into, in order.
    pub join: Vec<(OwnedFd, CloneFlags)>,
    /// The namespaces to create after the joins.
    pub unshare: CloneFlags,
    /// Where the first child reports (see [`finish_stage`]); close-on-exec.
    pub report: OwnedFd,
}

/// How the first child of a [`Stage`] ended.
#[derive(Debug)]
pub enum StageOutcome {
    /// The init was forked: its pid.
    Forked(Pid),
    /// `setns` into `Stage::join[i]` failed.
    JoinFailed(usize, nix::errno::Errno),
    UnshareFailed(nix::errno::Errno),
    ForkFailed(nix::errno::Errno),
}

/// Reads the first child's report from the read end of `Stage::report`, and reaps it.
pub fn finish_stage(read: OwnedFd, first: Pid) -> Result<StageOutcome> {
    let mut buf = [0u8; 8];
    let mut got = 0;
    while got < buf.len() {
        match nix::unistd::read(&read, &mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => {
                let _ = nix::sys::wait::waitpid(first, None);
                return Err(e).context("cannot read from the container's first process");
            }
        }
    }
    let _ = nix::sys::wait::waitpid(first, None);
    if got < buf.len() {
        bail!("the container's first process died before it forked the init");
    }
    let step = i32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let value = i32::from_ne_bytes([buf[4], buf[5], buf[6], buf[7]]);
    let errno = nix::errno::Errno::from_raw(value);
    Ok(match step {
        0 => StageOutcome::Forked(Pid::from_raw(value)),
        -1 => StageOutcome::UnshareFailed(errno),
        -2 => StageOutcome::ForkFailed(errno),
        i => StageOutcome::JoinFailed((i - 1).max(0) as usize, errno),
    })
}

impl ChildPlan {
    /// Refuses fds the child's stdio setup would overwrite (see [`above_stdio`]).
    pub fn check(&self) -> Result<()> {
        let stdio = self.stdio.iter().flatten().map(|f| f.as_raw_fd());
        for fd in stdio.chain(self.keep.iter().copied()) {
            if (0..=2).contains(&fd) {
                bail!("internal error: fd {fd} handed to the container's init is a stdio number");
            }
        }
        Ok(())
    }
}

/// Becomes uid and gid 0 of the user namespace (mapped by now). Raw syscalls: glibc's
/// setresuid() would try to signal every thread the parent had, which do not exist in a
/// clone child. Returns false on failure.
///
/// # Safety
/// Async-signal-safe: callable in a child of a multi-threaded process.
pub(crate) unsafe fn become_root_raw() -> bool {
    // SAFETY: plain syscalls with integer arguments and a null list.
    unsafe {
        !(libc::syscall(libc::SYS_setresgid, 0, 0, 0) != 0
            || libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()) != 0
                && *libc::__errno_location() != libc::EPERM
            || libc::syscall(libc::SYS_setresuid, 0, 0, 0) != 0)
    }
}

/// The layout of `capget`/`capset` (`_LINUX_CAPABILITY_VERSION_3`: two 32-bit words).
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_VERSION_3: u32 = 0x2008_0522;

/// Makes every permitted capability inheritable and ambient, so that an `execve` by a
/// user that is not root of the namespace keeps them (`unshare --user --keep-caps`).
/// The kernel takes an ambient capability only if it is permitted and inheritable.
/// Raw syscalls; returns false on failure.
///
/// # Safety
/// Async-signal-safe: callable in a child of a multi-threaded process.
pub(crate) unsafe fn carry_caps_raw() -> bool {
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: plain syscalls on a header and two data words of the kernel's layout.
    unsafe {
        if libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) != 0 {
            return false;
        }
        for d in &mut data {
            d.inheritable = d.permitted;
        }
        if libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) != 0 {
            return false;
        }
        for cap in 0..64u32 {
            let held = data[(cap / 32) as usize].permitted & (1 << (cap % 32)) != 0;
            if held
                && libc::syscall(
                    libc::SYS_prctl,
                    libc::PR_CAP_AMBIENT,
                    libc::PR_CAP_AMBIENT_RAISE,
                    cap as libc::c_ulong,
                    0usize,
                    0usize,
                ) != 0
            {
                return false;
            }
        }
    }
    true
}

/// `clone(CLONE_PARENT | flags)` as a fork: no new stack, so the child goes on from
/// here on a copy of the caller's, and its parent is the caller's parent. Returns the
/// raw result (0 in the child, its pid in the caller, -1 with errno set).
///
/// # Safety
/// As `fork`: in a child of a multi-threaded process, only async-signal-safe calls may
/// follow.
pub(crate) unsafe fn fork_for_parent(flags: libc::c_int) -> libc::c_long {
    // SAFETY: clone without CLONE_VM and without a stack argument behaves as fork.
    unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::CLONE_PARENT | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    }
}

/// `clone(2)` with `flags`, the child re-executing contlab (the sealed copy `exe`) per
/// `plan`, which must have passed [`ChildPlan::check`]. Returns the child's pid.
pub fn clone_reexec(exe: BorrowedFd<'_>, flags: CloneFlags, plan: ChildPlan) -> nix::Result<Pid> {
    let exe = exe.as_raw_fd();
    let argv_ptrs: Vec<*const libc::c_char> = plan
        .argv
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let envp: Vec<*const libc::c_char> = plan
        .envp
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let stdio: [RawFd; 3] = [0, 1, 2].map(|i| {
        plan.stdio[i as usize]
            .as_ref()
            .map_or(-1, |fd| fd.as_raw_fd())
    });
    let keep = plan.keep.clone();
    let wait_for_maps = plan.wait_for_maps;
    let become_root = plan.become_root;
    let carry_caps = plan.carry_caps;
    let join: Vec<RawFd> = plan.join_cgroup.iter().map(|f| f.as_raw_fd()).collect();
    let stage = plan.stage.as_ref().map(|s| {
        let join: Vec<(RawFd, libc::c_int)> = s
            .join
            .iter()
            .map(|(f, flag)| (f.as_raw_fd(), flag.bits()))
            .collect();
        (join, s.unshare.bits(), s.report.as_raw_fd())
    });
    let empty = c"";
    const FAILED: &[u8] = b"{\"Error\":{\"message\":\"cannot execute contlab's sealed copy as the container's init\"}}\n";
    let report_fd = keep.first().copied().unwrap_or(-1);

    // The child's stack; clone without CLONE_VM copies the whole address space, so it
    // only needs to hold the callback's frame.
    let mut stack = vec![0u8; 64 * 1024];
    let cb = Box::new(move || -> isize {
        // Only raw syscalls from here to execveat (see the module comment).
        // SAFETY: async-signal-safe libc calls on fds and buffers prepared above.
        unsafe {
            // Join the cgroup before anything else, so every later step (and every
            // process it forks) is accounted and limited there.
            for fd in &join {
                if libc::write(*fd, c"0".as_ptr().cast(), 1) != 1 {
                    libc::_exit(123);
                }
                libc::close(*fd);
            }
            if let Some((join, unshare, report)) = &stage {
                let tell = |step: i32, value: i32| {
                    let mut msg = [0u8; 8];
                    msg[..4].copy_from_slice(&step.to_ne_bytes());
                    msg[4..].copy_from_slice(&value.to_ne_bytes());
                    libc::write(*report, msg.as_ptr().cast(), msg.len());
                };
                for (i, (fd, flag)) in join.iter().enumerate() {
                    if libc::setns(*fd, *flag) != 0 {
                        tell(i as i32 + 1, *libc::__errno_location());
                        libc::_exit(122);
                    }
                }
                if *unshare != 0 && libc::unshare(*unshare) != 0 {
                    tell(-1, *libc::__errno_location());
                    libc::_exit(122);
                }
                // The init's parent is contlab, not this short-lived process.
                let child = fork_for_parent(0);
                if child < 0 {
                    tell(-2, *libc::__errno_location());
                    libc::_exit(122);
                }
                if child > 0 {
                    tell(0, child as i32);
                    libc::_exit(0);
                }
                libc::close(*report);
            }
            for (target, src) in stdio.iter().enumerate() {
                if *src >= 0 && libc::dup2(*src, target as i32) < 0 {
                    libc::_exit(126);
                }
            }
            for fd in &keep {
                if libc::fcntl(*fd, libc::F_SETFD, 0) < 0 {
                    libc::_exit(126);
                }
            }
            if wait_for_maps {
                let mut go = 0u8;
                // EOF: the parent gave up (its error path kills us anyway).
                if libc::read(report_fd, (&mut go as *mut u8).cast(), 1) != 1 {
                    libc::_exit(125);
                }
            }
            if become_root && !become_root_raw() {
                libc::_exit(124);
            }
            if carry_caps && !carry_caps_raw() {
                libc::_exit(121);
            }
            libc::syscall(
                libc::SYS_execveat,
                exe,
                empty.as_ptr(),
                argv_ptrs.as_ptr(),
                envp.as_ptr(),
                libc::AT_EMPTY_PATH,
            );
            if report_fd >= 0 {
                libc::write(report_fd, FAILED.as_ptr().cast(), FAILED.len());
            }
            libc::_exit(127);
        }
    });
    // SAFETY: the callback only makes async-signal-safe calls, and its stack is big
    // enough for them.
    let pid = unsafe { nix::sched::clone(cb, &mut stack, flags, Some(libc::SIGCHLD)) }?;
    drop(plan.stdio);
    drop(plan.join_cgroup);
    drop(plan.stage);
    Ok(pid)
}

/// The uid and gid maps of the user namespace behind `ns` (an nsfs file), as the kernel
/// prints them in `/proc/PID/uid_map`. Only a process inside a user namespace shows its
/// maps, so a short-lived child joins it and is read from outside.
pub fn user_namespace_maps(ns: BorrowedFd<'_>) -> Result<(String, String)> {
    use nix::unistd::{ForkResult, fork, pipe2};
    let (ready_r, ready_w) = pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("cannot create a pipe")?;
    let (hold_r, hold_w) = pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("cannot create a pipe")?;
    let ns = ns.as_raw_fd();
    // SAFETY: the child makes only async-signal-safe calls (setns, write, read, _exit).
    match unsafe { fork() }.context("cannot fork to read the user namespace's maps")? {
        ForkResult::Child => unsafe {
            drop(hold_w);
            let errno: i32 = if libc::setns(ns, libc::CLONE_NEWUSER) == 0 {
                0
            } else {
                *libc::__errno_location()
            };
            libc::write(ready_w.as_raw_fd(), (&errno as *const i32).cast(), 4);
            let mut b = 0u8;
            libc::read(hold_r.as_raw_fd(), (&mut b as *mut u8).cast(), 1);
            libc::_exit(0);
        },
        ForkResult::Parent { child } => {
            drop(ready_w);
            drop(hold_r);
            let mut buf = [0u8; 4];
            let got = nix::unistd::read(&ready_r, &mut buf);
            let maps = match got {
                Ok(4) => match i32::from_ne_bytes(buf) {
                    0 => {
                        let read = |f: &str| std::fs::read_to_string(format!("/proc/{child}/{f}"));
                        match (read("uid_map"), read("gid_map")) {
                            (Ok(u), Ok(g)) => Ok((u, g)),
                            (Err(e), _) | (_, Err(e)) => {
                                Err(anyhow::Error::new(e).context("cannot read the maps"))
                            }
                        }
                    }
                    e => {
                        let e = nix::errno::Errno::from_raw(e);
                        Err(anyhow::anyhow!("{} ({e})", e.desc()))
                    }
                },
                _ => Err(anyhow::anyhow!("the helper process died")),
            };
            drop(hold_w);
            let _ = nix::sys::wait::waitpid(child, None);
            maps
        }
    }
}
