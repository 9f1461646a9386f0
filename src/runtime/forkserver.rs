//! A fork server for container inits.
//!
//! Every container's init is contlab re-executed from its sealed copy
//! (`process::sealed_exe`, the CVE-2019-5736 defence). Such an exec costs about two
//! milliseconds before `main` runs, most of it the dynamic loader writing relocations
//! into fresh copy-on-write pages. A process that starts one container after another
//! (the lab's engine, `contlab run --all`, the tests) pays that once: from its second
//! container on, it keeps one executed init, the fork server, which forks every further
//! init with the container's namespace flags. The child is what an exec would have made
//! — the sealed binary, one thread, nothing of contlab's memory or fds but those handed
//! over — without the loader's work. It shares the server's address-space layout, as
//! Android's zygote children do; the init is not dumpable, so no container process can
//! read it.
//!
//! `CLONE_PARENT` makes each init contlab's own child (not the server's), so it is
//! waited for, traced and torn down as before. The server is started by a thread that
//! never ends and asks for SIGKILL when its parent thread dies (`PR_SET_PDEATHSIG`), so
//! it cannot outlive contlab. Joining existing namespaces (`process::Stage`) and a
//! process's first container take the direct path, `process::clone_reexec`.

use super::process::{self, ChildPlan};
use anyhow::{Context, Result, bail};
use nix::sched::CloneFlags;
use nix::sys::socket::{
    AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg,
    sendmsg, socketpair,
};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};
use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

/// Set in the server's environment to contlab's pid: `contlab __init FD` serves forks.
const ENV: &str = "CONTLAB_FORKSERVER";

/// One fork, asked of the server. The fds travel alongside (SCM_RIGHTS), in order.
#[derive(Serialize, Deserialize)]
struct Request {
    /// `CLONE_NEW*` bits.
    flags: i32,
    wait_for_maps: bool,
    become_root: bool,
    /// For each fd sent: its number in the init, or -1 for a cgroup `tasks` file the
    /// init writes "0" to first thing.
    targets: Vec<RawFd>,
    /// The init's socket to contlab, as numbered in the init.
    init_fd: RawFd,
}

struct Server {
    sock: OwnedFd,
    pid: Pid,
}

static SERVER: Mutex<Option<Server>> = Mutex::new(None);
static STARTS: AtomicUsize = AtomicUsize::new(0);
/// Set when a server could not be started: this process does not try again.
static UNAVAILABLE: AtomicBool = AtomicBool::new(false);

/// Starts a container's init per `plan`, like [`process::clone_reexec`], through the fork
/// server when this process has started a container before.
pub(crate) fn spawn_init(
    exe: BorrowedFd<'static>,
    flags: CloneFlags,
    plan: ChildPlan,
) -> nix::Result<Pid> {
    let first = STARTS.fetch_add(1, Ordering::Relaxed) == 0;
    if first || plan.stage.is_some() || UNAVAILABLE.load(Ordering::Relaxed) {
        return process::clone_reexec(exe, flags, plan);
    }
    let mut server = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    if server.is_none() {
        match start(exe) {
            Ok(s) => *server = Some(s),
            Err(e) => {
                tracing::debug!("no fork server: {e:#}");
                UNAVAILABLE.store(true, Ordering::Relaxed);
                return process::clone_reexec(exe, flags, plan);
            }
        }
    }
    let Some(s) = server.as_ref() else {
        return process::clone_reexec(exe, flags, plan);
    };
    match fork(s, flags, &plan) {
        Ok(Ok(pid)) => Ok(pid),
        // The kernel refused the clone itself: the same answer the direct path gets.
        Ok(Err(e)) => Err(e),
        Err(e) => {
            // The server is gone or confused: end it, and start this init directly.
            tracing::debug!("fork server failed: {e:#}");
            if let Some(s) = server.take() {
                let _ = nix::sys::signal::kill(s.pid, nix::sys::signal::Signal::SIGKILL);
                let _ = nix::sys::wait::waitpid(s.pid, None);
            }
            process::clone_reexec(exe, flags, plan)
        }
    }
}

type Spawned = (ChildPlan, mpsc::Sender<nix::Result<Pid>>);

/// Starts the server from a thread kept for that purpose: `PR_SET_PDEATHSIG` fires when
/// the thread that made the process ends, and this one never does.
fn start(exe: BorrowedFd<'static>) -> Result<Server> {
    static KEEPER: OnceLock<Mutex<mpsc::Sender<Spawned>>> = OnceLock::new();
    let keeper = KEEPER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Spawned>();
        let _ = std::thread::Builder::new()
            .name("contlab-forkserver".into())
            .spawn(move || {
                for (plan, reply) in rx {
                    let _ = reply.send(process::clone_reexec(exe, CloneFlags::empty(), plan));
                }
            });
        Mutex::new(tx)
    });
    let (mine, theirs) = socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .context("cannot create the fork server's socket")?;
    let theirs = process::above_stdio(theirs)?;
    let null = || -> Result<Option<OwnedFd>> {
        Ok(Some(OwnedFd::from(
            std::fs::File::options()
                .read(true)
                .write(true)
                .open("/dev/null")?,
        )))
    };
    let plan = ChildPlan {
        argv: vec![
            CString::new("contlab")?,
            CString::new("__init")?,
            CString::new(theirs.as_raw_fd().to_string())?,
        ],
        stdio: [null()?, null()?, null()?],
        keep: vec![theirs.as_raw_fd()],
        wait_for_maps: false,
        become_root: false,
        carry_caps: false,
        join_cgroup: Vec::new(),
        stage: None,
        envp: vec![CString::new(format!("{ENV}={}", std::process::id()))?],
    };
    plan.check()?;
    let (reply, answer) = mpsc::channel();
    keeper
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((plan, reply))
        .ok()
        .context("the fork server's thread is gone")?;
    let pid = answer
        .recv()
        .context("the fork server's thread is gone")?
        .context("cannot start the fork server")?;
    Ok(Server { sock: mine, pid })
}

/// Sends one request; the outer error is the server's failure, the inner one the
/// kernel's answer to the clone.
fn fork(s: &Server, flags: CloneFlags, plan: &ChildPlan) -> Result<nix::Result<Pid>> {
    let mut fds: Vec<OwnedFd> = Vec::new();
    let mut targets = Vec::new();
    for (i, io) in plan.stdio.iter().enumerate() {
        // Inherited stdio is contlab's own at this moment, not the server's /dev/null.
        let fd = match io {
            Some(fd) => fd.try_clone()?,
            // SAFETY: only duplicated; a closed stdio number fails the dup, and is skipped.
            None => match unsafe { BorrowedFd::borrow_raw(i as RawFd) }.try_clone_to_owned() {
                Ok(fd) => fd,
                Err(_) => continue,
            },
        };
        fds.push(fd);
        targets.push(i as RawFd);
    }
    for &k in &plan.keep {
        // SAFETY: the plan's fds stay open for the duration of this call.
        fds.push(unsafe { BorrowedFd::borrow_raw(k) }.try_clone_to_owned()?);
        targets.push(k);
    }
    for f in &plan.join_cgroup {
        fds.push(f.try_clone()?);
        targets.push(-1);
    }
    let request = Request {
        flags: flags.bits(),
        wait_for_maps: plan.wait_for_maps,
        become_root: plan.become_root,
        targets,
        init_fd: *plan.keep.first().context("no socket for the init")?,
    };
    let body = serde_json::to_vec(&request)?;
    let raw: Vec<RawFd> = fds.iter().map(|f| f.as_raw_fd()).collect();
    sendmsg::<()>(
        s.sock.as_raw_fd(),
        &[std::io::IoSlice::new(&body)],
        &[ControlMessage::ScmRights(&raw)],
        MsgFlags::MSG_NOSIGNAL,
        None,
    )
    .context("cannot send to the fork server")?;
    drop(fds);
    let mut answer = [0u8; 4];
    let n = nix::unistd::read(&s.sock, &mut answer).context("cannot read the fork server")?;
    if n != 4 {
        bail!("the fork server ended");
    }
    let v = i32::from_ne_bytes(answer);
    Ok(if v > 0 {
        Ok(Pid::from_raw(v))
    } else {
        Err(nix::errno::Errno::from_raw(-v))
    })
}

/// contlab's pid, when this `contlab __init` is to be the fork server.
pub(crate) fn requested() -> Option<u32> {
    std::env::var(ENV).ok()?.parse().ok()
}

/// The server's loop: one fork per request, until contlab closes the socket.
pub(crate) fn serve(sock: OwnedFd, parent: u32) -> ExitCode {
    let _ = nix::sys::prctl::set_name(c"contlab-forksrv");
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
    // contlab may have died before the line above.
    if nix::unistd::getppid().as_raw() as u32 != parent {
        return ExitCode::from(1);
    }
    let mut body = vec![0u8; 64 * 1024];
    loop {
        let mut cmsg = nix::cmsg_space!([RawFd; 64]);
        let mut iov = [std::io::IoSliceMut::new(&mut body)];
        let msg = match recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Ok(m) => m,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return ExitCode::from(1),
        };
        if msg.bytes == 0 {
            return ExitCode::SUCCESS;
        }
        let mut fds = Vec::new();
        if let Ok(cmsgs) = msg.cmsgs() {
            for c in cmsgs {
                if let ControlMessageOwned::ScmRights(list) = c {
                    // SAFETY: SCM_RIGHTS gave us new fds nothing else owns.
                    fds.extend(list.into_iter().map(|f| unsafe { OwnedFd::from_raw_fd(f) }));
                }
            }
        }
        let bytes = msg.bytes;
        let Ok(request) = serde_json::from_slice::<Request>(&body[..bytes]) else {
            return ExitCode::from(1);
        };
        if request.targets.len() != fds.len() {
            return ExitCode::from(1);
        }
        // A fork with the namespace flags; the child's parent is contlab.
        // SAFETY: this process is single-threaded, so the child may run anything; with
        // no new stack it continues on a copy of this one, as after fork().
        let child = unsafe { process::fork_for_parent(request.flags) };
        if child == 0 {
            become_init(sock, &request, fds);
        }
        let answer = if child > 0 {
            child as i32
        } else {
            -nix::errno::Errno::last_raw()
        };
        drop(fds);
        if nix::unistd::write(&sock, &answer.to_ne_bytes()).is_err() {
            return ExitCode::from(1);
        }
    }
}

/// In the forked child: arrange the fds as the init expects them, then be the init.
fn become_init(server: OwnedFd, request: &Request, fds: Vec<OwnedFd>) -> ! {
    let die = |code: i32| -> ! {
        // SAFETY: ends this process without running the server's destructors.
        unsafe { libc::_exit(code) }
    };
    drop(server);
    // The cgroup first, so everything after is accounted there.
    for (fd, &t) in fds.iter().zip(&request.targets) {
        if t < 0 && nix::unistd::write(fd, b"0") != Ok(1) {
            die(123);
        }
    }
    // Move every fd above all targets first, so that no dup2 closes one still needed.
    let floor = request.targets.iter().copied().max().unwrap_or(2).max(2) + 1;
    let mut moved = Vec::new();
    for (fd, &t) in fds.iter().zip(&request.targets) {
        if t < 0 {
            continue;
        }
        match nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(floor)) {
            // SAFETY: F_DUPFD_CLOEXEC returned a new fd that nothing else owns.
            Ok(high) => moved.push((unsafe { OwnedFd::from_raw_fd(high) }, t)),
            Err(_) => die(126),
        }
    }
    drop(fds);
    for (high, t) in &moved {
        // dup2 clears close-on-exec on the target, as the exec path's fds are.
        // SAFETY: dup2 onto a number this process chose to own.
        if unsafe { libc::dup2(high.as_raw_fd(), *t) } < 0 {
            die(126);
        }
    }
    drop(moved);
    // SAFETY: the init's socket is now at `init_fd`, and only the init owns it.
    let sock = unsafe { OwnedFd::from_raw_fd(request.init_fd) };
    if request.wait_for_maps {
        let mut go = [0u8; 1];
        if nix::unistd::read(&sock, &mut go) != Ok(1) {
            die(125);
        }
    }
    // SAFETY: plain syscalls in a single-threaded process.
    if request.become_root && !unsafe { process::become_root_raw() } {
        die(124);
    }
    let code = super::init::serve(sock);
    let _ = std::io::Write::flush(&mut std::io::stdout());
    die(code as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_survives_its_encoding() {
        let r = Request {
            flags: libc::CLONE_NEWPID,
            wait_for_maps: true,
            become_root: false,
            targets: vec![0, 1, 2, 7, -1],
            init_fd: 7,
        };
        let back: Request = serde_json::from_slice(&serde_json::to_vec(&r).unwrap()).unwrap();
        assert_eq!(back.targets, r.targets);
        assert_eq!(back.flags, libc::CLONE_NEWPID);
    }
}
