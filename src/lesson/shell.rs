//! The interactive shell of the shell pane, in a lesson's container or (for a step with
//! `shell = "host"`) on the host: a PTY whose replica is the shell's stdin, stdout and
//! stderr, and whose master the engine owns. What the shell
//! writes comes back as `Event::Output { stream: Pty }` on the one event stream, so the
//! TUI, the recorder and a replay all see the same bytes.

use super::event::{Event, Stream};
use crate::runtime::{Container, ExecOutput, Io, Stdio};
use anyhow::{Context, Result};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

nix::ioctl_write_ptr_bad!(set_winsize, libc::TIOCSWINSZ, libc::winsize);

/// A shell running in a container on a PTY.
pub struct Shell {
    /// The master side, for keystrokes and window sizes; `None` once closed.
    master: Option<std::fs::File>,
    /// Writing a byte here tells the reader to stop (and drop its copy of the master).
    stop: Option<OwnedFd>,
    reader: Option<JoinHandle<()>>,
    exec: Option<JoinHandle<Result<ExecOutput>>>,
    /// The shell of a host-side pane, a child of contlab itself.
    host: Option<std::process::Child>,
}

/// The state roots the host shell's `contlab runtime` and `runc` are pointed at.
#[derive(Clone, Debug)]
pub struct HostTools {
    pub runtime_root: std::path::PathBuf,
    pub runc_root: std::path::PathBuf,
    /// The networking track's node namespace, when the lesson has a node: the host shell
    /// gets it as `$CONTLAB_NODE_NETNS`, for `nsenter --net=… iptables …`.
    pub node_netns: Option<std::path::PathBuf>,
}

/// Writes an executable `sh` script `name` into `bin`.
fn script(bin: &std::path::Path, name: &str, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let path = bin.join(name);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

/// The directory, inside a host shell's work directory, that puts `contlab` on its
/// `PATH` (so `contlab runtime …` is the contlab that runs the lesson).
const HOST_BIN: &str = ".contlab-bin";

fn winsize(rows: u16, cols: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows.max(1),
        ws_col: cols.max(1),
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

fn cloexec(fd: &OwnedFd) -> Result<()> {
    // Neither end may leak into contlab's exec helper beyond stdio: a stray copy of the
    // master would keep the PTY open after close, and the shell would never be hung up.
    nix::fcntl::fcntl(
        fd.as_fd(),
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    )
    .context("cannot mark the PTY close-on-exec")?;
    Ok(())
}

/// A PTY of `rows`×`cols`: its master, and its replica three times (a shell's stdin,
/// stdout and stderr).
fn open_pty(rows: u16, cols: u16) -> Result<(OwnedFd, [OwnedFd; 3])> {
    let ws = winsize(rows, cols);
    let pty = nix::pty::openpty(Some(&ws), None).context("cannot open a PTY (openpty)")?;
    cloexec(&pty.master)?;
    cloexec(&pty.slave)?;
    let dup = |fd: &OwnedFd| fd.try_clone().context("cannot duplicate the PTY");
    let (a, b) = (dup(&pty.slave)?, dup(&pty.slave)?);
    Ok((pty.master, [a, b, pty.slave]))
}

/// `/bin/sh` on the host in the lesson's work directory `dir`, with `contlab` (and
/// `runc`, when installed) first on its `PATH` as wrappers that keep their containers
/// under `tools`' roots: the host shell pane's shell, and the one a host task's reference
/// solution lines run in, so both reach the same state.
pub fn host_command(dir: &std::path::Path, tools: &HostTools) -> Result<std::process::Command> {
    let bin = dir.join(HOST_BIN);
    std::fs::create_dir_all(&bin).with_context(|| format!("cannot make {}", bin.display()))?;
    let me = std::env::current_exe().context("cannot find the contlab binary")?;
    script(
        &bin,
        "contlab",
        &format!(
            "#!/bin/sh\n# contlab; `runtime` keeps its containers in the lesson's root.\n\
             if [ \"$1\" = runtime ]; then shift; exec '{me}' runtime --root '{root}' \"$@\"; fi\n\
             exec '{me}' \"$@\"\n",
            me = me.display(),
            root = tools.runtime_root.display()
        ),
    )?;
    if let Ok(runc) = which::which("runc") {
        script(
            &bin,
            "runc",
            &format!(
                "#!/bin/sh\nexec '{}' --root '{}' \"$@\"\n",
                runc.display(),
                tools.runc_root.display()
            ),
        )?;
    }
    if let (Ok(podman), Ok(_)) = (which::which("podman"), which::which("conmon")) {
        // podman with the lesson's own storage; `--runtime contlab` is `contlab-runc`,
        // contlab's runtime on the lesson's root, which logs each call it gets.
        let runc = bin.join("contlab-runc");
        script(
            &bin,
            "contlab-runc",
            &format!(
                "#!/bin/sh\n# runc's command line, answered by contlab's runtime.\n\
                 echo \"contlab runtime $*\" >> '{log}'\n\
                 export CONTLAB_TRACE_FILE='{trace}'\n\
                 exec '{me}' runtime --root '{root}' \"$@\"\n",
                log = dir.join("runtime-calls.log").display(),
                trace = dir.join(super::oci_step::RUNTIME_TRACE).display(),
                me = me.display(),
                root = tools.runtime_root.display()
            ),
        )?;
        let conf = super::oci_step::podman_setup(dir, &runc)?;
        script(
            &bin,
            "podman",
            &format!(
                "#!/bin/sh\n# podman with the lesson's own storage; containers get no network,\n\
                 # a cgroup under the lesson's parent and limits root may set here.\n\
                 export CONTAINERS_CONF='{conf}'\n\
                 case \"$1\" in run|create) c=$1; shift; set -- \"$c\" --network none \
                 --cgroup-parent '/{parent}' --ulimit nofile=1024:1024 \
                 --ulimit nproc=4096:4096 \"$@\";; esac\n\
                 exec '{podman}' {globals} \"$@\"\n",
                conf = conf.display(),
                parent = super::oci_step::podman_cgroup_parent(dir),
                podman = podman.display(),
                globals = super::oci_step::podman_globals(dir)
                    .iter()
                    .map(|a| format!("'{a}'"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        )?;
    }
    let path = match std::env::var_os("PATH") {
        Some(p) if !p.is_empty() => {
            let mut v = bin.into_os_string();
            v.push(":");
            v.push(p);
            v
        }
        _ => {
            let mut v = bin.into_os_string();
            v.push(":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            v
        }
    };
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.current_dir(dir)
        .env("PATH", path)
        .env("CONTLAB_SHELL", "host")
        // `contlab runtime` run here traces into the lesson's trace panel.
        .env(
            "CONTLAB_TRACE_FILE",
            dir.join(super::oci_step::RUNTIME_TRACE),
        );
    if let Some(ns) = &tools.node_netns {
        cmd.env("CONTLAB_NODE_NETNS", ns);
    }
    Ok(cmd)
}

impl Shell {
    /// Opens a PTY of `rows`×`cols`, starts `/bin/sh` in `container` on its replica, and
    /// forwards the shell's output to `events`.
    pub fn open(
        container: &Container,
        rows: u16,
        cols: u16,
        events: Sender<Event>,
    ) -> Result<Self> {
        let (master, [stdin, stdout, stderr]) = open_pty(rows, cols)?;
        let stdio = Stdio {
            stdin: Io::Fd(stdin),
            stdout: Io::Fd(stdout),
            stderr: Io::Fd(stderr),
        };
        // `-i`: interactive even if the shell doubts its stdin (prompt, line editing).
        let exec = container.exec_background(&["/bin/sh", "-i"], stdio, true)?;
        let mut shell = Shell::on(master, events)?;
        shell.exec = Some(exec);
        Ok(shell)
    }

    /// Opens a PTY of `rows`×`cols` and starts `/bin/sh` on the host in `dir`, with
    /// `contlab` first on its `PATH` (then the host's own `PATH`, where an editor is),
    /// and a prompt that says it is the host. `contlab runtime` and `runc` (when
    /// installed) keep their containers under `tools`' roots.
    pub fn open_host(
        dir: &std::path::Path,
        tools: &HostTools,
        env: &[(String, String)],
        rows: u16,
        cols: u16,
        events: Sender<Event>,
    ) -> Result<Self> {
        use std::os::unix::process::CommandExt;
        let (master, [stdin, stdout, stderr]) = open_pty(rows, cols)?;
        let mut cmd = host_command(dir, tools)?;
        cmd.arg("-i")
            .env("PS1", "[host] \\w # ")
            .env(
                "EDITOR",
                std::env::var_os("EDITOR").unwrap_or_else(|| "vi".into()),
            )
            .env("CONTLAB_SHELL", "host")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr);
        // SAFETY: only async-signal-safe calls between fork and exec. The shell leads a
        // new session whose controlling terminal is the PTY, so closing the master hangs
        // it up (SIGHUP) as it does a container's shell.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().context("cannot start /bin/sh on the host")?;
        let mut shell = Shell::on(master, events)?;
        shell.host = Some(child);
        Ok(shell)
    }

    /// The pid of a host shell (`None` for a shell in a container).
    pub fn host_pid(&self) -> Option<i32> {
        self.host.as_ref().map(|c| c.id() as i32)
    }

    /// Starts forwarding `master`'s output to `events`.
    fn on(master: OwnedFd, events: Sender<Event>) -> Result<Self> {
        let reader_fd = master.try_clone().context("cannot duplicate the PTY")?;
        let (stop_r, stop_w) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("cannot create a pipe")?;
        let reader = std::thread::Builder::new()
            .name("contlab-pty".into())
            .spawn(move || read_loop(reader_fd, stop_r, events))
            .context("cannot start the PTY reader")?;
        Ok(Shell {
            master: Some(std::fs::File::from(master)),
            stop: Some(stop_w),
            reader: Some(reader),
            exec: None,
            host: None,
        })
    }

    /// Sends keystrokes to the shell.
    pub fn input(&mut self, bytes: &[u8]) -> Result<()> {
        self.master
            .as_mut()
            .context("the shell is closed")?
            .write_all(bytes)
            .context("cannot write to the shell's terminal")
    }

    /// Sets the terminal size; the kernel tells the shell with SIGWINCH.
    pub fn resize(&self, rows: u16, cols: u16) -> Result<()> {
        let ws = winsize(rows, cols);
        let master = self.master.as_ref().context("the shell is closed")?;
        // SAFETY: TIOCSWINSZ reads one winsize from a pointer valid for the call.
        unsafe { set_winsize(master.as_raw_fd(), &ws) }
            .context("cannot set the shell's window size (TIOCSWINSZ)")?;
        Ok(())
    }

    /// False once the shell has ended (its side of the PTY is gone).
    pub fn is_alive(&self) -> bool {
        self.reader.as_ref().is_some_and(|r| !r.is_finished())
    }

    /// Hangs the shell up and waits briefly for it to end. A shell that ignores the
    /// hang-up ends with its container, whose teardown kills what is left.
    pub fn close(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = nix::unistd::write(&stop, b"x");
        }
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        // Closing the last master fd hangs up the session (SIGHUP to the shell).
        self.master = None;
        if let Some(h) = self.exec.take() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while !h.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if h.is_finished() {
                let _ = h.join();
            }
        }
        if let Some(mut c) = self.host.take() {
            // The hang-up ends an interactive sh; one that ignores it is killed, since
            // no container teardown will.
            let deadline = Instant::now() + Duration::from_secs(2);
            while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if matches!(c.try_wait(), Ok(None)) {
                let _ = c.kill();
            }
            let _ = c.wait();
            // The shell led its own session (setsid): a job the student sent to the
            // background (`etcdctl watch … &`) has its own process group, which the
            // hang-up does not reach, but it keeps the session id.
            kill_session(c.id() as i32);
        }
    }
}

/// Kills every process of session `sid` until none is left (a zombie counts as gone).
fn kill_session(sid: i32) {
    for _ in 0..50 {
        let Ok(all) = procfs::process::all_processes() else {
            return;
        };
        let members: Vec<i32> = all
            .filter_map(|p| p.ok()?.stat().ok())
            .filter(|st| st.session == sid && st.state != 'Z' && st.pid != sid)
            .map(|st| st.pid)
            .collect();
        if members.is_empty() {
            return;
        }
        for pid in members {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        self.close();
    }
}

/// Forwards master output as events until the shell ends or `stop` is written.
fn read_loop(master: OwnedFd, stop: OwnedFd, events: Sender<Event>) {
    let mut file = std::fs::File::from(master);
    let mut buf = [0u8; 8192];
    // A UTF-8 character may straddle two reads: keep its first bytes for the next.
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let mut fds = [
            PollFd::new(file.as_fd(), PollFlags::POLLIN),
            PollFd::new(stop.as_fd(), PollFlags::POLLIN),
        ];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => break,
        }
        let stop_ready = fds[1].revents().is_some_and(|r| !r.is_empty());
        let master_ready = fds[0].revents().is_some_and(|r| !r.is_empty());
        if stop_ready {
            break;
        }
        if !master_ready {
            continue;
        }
        match file.read(&mut buf) {
            // EIO: every replica fd is closed — the shell has ended.
            Ok(0) | Err(_) => break,
            Ok(n) => {
                pending.extend_from_slice(&buf[..n]);
                let text = take_utf8(&mut pending);
                if !text.is_empty()
                    && events
                        .send(Event::Output {
                            stream: Stream::Pty,
                            data: text,
                        })
                        .is_err()
                {
                    break;
                }
            }
        }
    }
}

/// Takes the longest prefix of `bytes` that does not end inside a UTF-8 character;
/// invalid bytes become U+FFFD.
fn take_utf8(bytes: &mut Vec<u8>) -> String {
    let cut = match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => bytes.len(),
    };
    let rest = bytes.split_off(cut);
    let text = String::from_utf8_lossy(bytes).into_owned();
    *bytes = rest;
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host shell runs in the work directory, says it is the host, and finds the
    /// contlab that runs the lesson first on its PATH.
    #[test]
    fn a_host_shell_runs_in_the_work_directory_with_contlab_on_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let tools = HostTools {
            runtime_root: dir.path().join("root"),
            runc_root: dir.path().join("runc-root"),
            node_netns: None,
        };
        let mut sh = Shell::open_host(dir.path(), &tools, &[], 24, 80, tx).unwrap();
        sh.input(
            b"pwd; echo \"side=$CONTLAB_SHELL\"; command -v contlab; cat \"$(command -v contlab)\"; echo EN\"\"D; exit\n",
        )
        .unwrap();
        let mut out = String::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && !out.contains("END") {
            if let Ok(Event::Output { data, .. }) = rx.recv_timeout(Duration::from_millis(100)) {
                out.push_str(&data);
            }
        }
        let want = dir.path().canonicalize().unwrap();
        assert!(out.contains(&*want.to_string_lossy()), "{out}");
        assert!(out.contains("side=host"), "{out}");
        assert!(out.contains("[host]"), "{out}");
        assert!(out.contains(".contlab-bin/contlab"), "{out}");
        // `contlab runtime` keeps the student's containers in the lesson's root.
        let root = format!("runtime --root '{}'", tools.runtime_root.display());
        assert!(out.contains(&root), "{out}");
        sh.close();
        assert!(!sh.is_alive());
    }

    #[test]
    fn split_characters_wait_for_their_last_byte() {
        let han = "한".as_bytes();
        let mut v = b"ab".to_vec();
        v.extend_from_slice(&han[..2]);
        assert_eq!(take_utf8(&mut v), "ab");
        assert_eq!(v, han[..2]);
        v.extend_from_slice(&han[2..]);
        assert_eq!(take_utf8(&mut v), "한");
        assert!(v.is_empty());
        let mut bad = vec![b'x', 0xff, b'y'];
        assert_eq!(take_utf8(&mut bad), "x\u{fffd}y");
    }
}
