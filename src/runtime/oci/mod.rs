//! The OCI runtime lifecycle over bundles, as runc offers it: `create` sets a container
//! up and leaves its init waiting before the user's program, `start` lets it go,
//! `state`, `kill`, `delete`. The container is the runtime's own [`Container`]; this
//! module adds the bundle (`config`), the state on disk (`state`), the start gate and
//! the hooks.
//!
//! The start gate is runc's exec fifo: `create` makes a FIFO in the container's state
//! directory and hands the init a read-write descriptor of it; once set up, the init
//! blocks reading one byte. `start` opens the FIFO for writing without blocking — which
//! fails with ENXIO when no init holds it any more — and writes that byte.

pub mod config;
pub mod features;
pub mod fs;
pub mod hooks;
pub mod state;
pub mod update;

use crate::runtime::container::Container;
use crate::runtime::ledger::Ledger;
use crate::runtime::spec::{CreatedHook, ExitInfo, Stdio};
use crate::runtime::teardown;
use crate::runtime::trace::Tracer;
use anyhow::{Context, Result, bail};
use config::Bundle;
use nix::sys::signal::Signal;
use state::{Dir, OciState, Saved, Status};
use std::path::{Path, PathBuf};

/// Reads the start report to its end, which comes when the init has exec'd the command
/// (nothing written) or has exited after writing why it failed.
fn read_start_report(fd: std::os::fd::OwnedFd) -> Option<crate::i18n::said::Chain> {
    use std::io::Read;
    use std::os::fd::AsFd;
    let flags = nix::fcntl::fcntl(fd.as_fd(), nix::fcntl::FcntlArg::F_GETFL).ok()?;
    let blocking = nix::fcntl::OFlag::from_bits_truncate(flags) - nix::fcntl::OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(fd.as_fd(), nix::fcntl::FcntlArg::F_SETFL(blocking)).ok()?;
    let mut text = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut text).ok()?;
    if text.is_empty() {
        return None;
    }
    Some(serde_json::from_slice(&text).unwrap_or_else(|_| {
        crate::i18n::said::Chain::of(&anyhow::anyhow!(
            "{}",
            String::from_utf8_lossy(&text).trim()
        ))
    }))
}

/// The default state root: under contlab's state directory.
pub fn default_root() -> PathBuf {
    crate::paths::state_dir().join("runtime")
}

/// Parses a signal as runc does: `TERM`, `SIGTERM` or `15`.
pub fn parse_signal(s: &str) -> Result<Signal> {
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n)
            .map_err(|_| anyhow::Error::new(crate::said!("error-unknown-signal", signal = n)));
    }
    let name = s.to_ascii_uppercase();
    let full = if name.starts_with("SIG") {
        name
    } else {
        format!("SIG{name}")
    };
    full.parse::<Signal>().map_err(|_| {
        anyhow::Error::new(crate::said!(
            "error-unknown-signal",
            signal = format!("{s:?}")
        ))
    })
}

/// Writes the default `config.json` into `bundle`.
pub fn write_spec(bundle: &Path, rootless: bool) -> Result<PathBuf> {
    let path = bundle.join("config.json");
    if path.exists() {
        crate::bail_said!("error-oci-spec-exists", path = path.display());
    }
    let v = config::default_spec(rootless)?;
    let mut text = serde_json::to_vec_pretty(&v)?;
    text.push(b'\n');
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// What `create` is asked besides the bundle.
#[derive(Debug, Default)]
pub struct CreateOptions<'a> {
    pub pid_file: Option<&'a Path>,
    /// A unix socket that receives the terminal's master fd (`process.terminal`).
    pub console_socket: Option<&'a Path>,
    /// Let the container outlive this process (the `create` command); otherwise the
    /// returned `Container` owns it (`run`).
    pub detach: bool,
    /// fds 3 … 2+N of this process are passed to the container's command.
    pub preserve_fds: u32,
    /// runc's `--no-pivot`: enter the root with `MS_MOVE` and `chroot(2)`, not
    /// `pivot_root(2)` (`RootfsMode::MoveRoot`).
    pub no_pivot: bool,
}

/// Writes `pid` (digits only) to `path`, whole or not at all, as runc writes its pid
/// files: a reader never sees a partial number.
fn write_pid_file(path: &Path, pid: i32) -> Result<()> {
    let tmp = path.with_extension("tmp-contlab");
    std::fs::write(&tmp, pid.to_string())
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write the pid file {}", path.display()))
}

/// The OCI runtime with its state under `root`.
#[derive(Clone, Debug)]
pub struct Runtime {
    pub root: PathBuf,
}

impl Runtime {
    pub fn new(root: Option<PathBuf>) -> Self {
        Runtime {
            root: root.unwrap_or_else(default_root),
        }
    }

    /// Sets container `id` up from `bundle` and leaves its init waiting at the start
    /// gate. Nothing is left behind on error.
    pub fn create(
        &self,
        id: &str,
        bundle: &Path,
        opts: CreateOptions<'_>,
        stdio: Stdio,
        tracer: &Tracer,
    ) -> Result<Option<Container>> {
        let dir = Dir::create(&self.root, id)?;
        match self.create_in(&dir, id, bundle, opts, stdio, tracer) {
            Ok(c) => Ok(c),
            Err(e) => {
                let _ = dir.remove();
                Err(e)
            }
        }
    }

    fn create_in(
        &self,
        dir: &Dir,
        id: &str,
        bundle: &Path,
        opts: CreateOptions<'_>,
        stdio: Stdio,
        tracer: &Tracer,
    ) -> Result<Option<Container>> {
        let b = Bundle::load(bundle)?;
        let console = match (b.terminal, opts.console_socket) {
            (true, Some(path)) => Some(connect_console(path)?),
            (true, None) => crate::bail_said!("error-oci-terminal-needs-socket"),
            (false, Some(_)) => crate::bail_said!("error-oci-socket-needs-terminal"),
            (false, None) => None,
        };
        let mut spec = b.container_spec()?;
        spec.overrides.preserve_fds = opts.preserve_fds;
        if opts.no_pivot {
            spec.rootfs = crate::runtime::spec::RootfsMode::MoveRoot;
        }
        spec.console = console;
        spec.id = Some(id.to_string());
        spec.stdio = stdio;
        let fifo = dir.fifo();
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .with_context(|| format!("cannot make the start gate {}", fifo.display()))?;
        // Read-write: a FIFO opened so never blocks, and its reader never sees EOF.
        let gate = nix::fcntl::open(
            &fifo,
            nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .with_context(|| format!("cannot open the start gate {}", fifo.display()))?;
        spec.start_gate = Some(gate);
        let report = dir.report_fifo();
        nix::unistd::mkfifo(&report, nix::sys::stat::Mode::from_bits_truncate(0o600))
            .with_context(|| format!("cannot make the start report {}", report.display()))?;
        spec.start_report = Some(
            nix::fcntl::open(
                &report,
                nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_CLOEXEC,
                nix::sys::stat::Mode::empty(),
            )
            .with_context(|| format!("cannot open the start report {}", report.display()))?,
        );
        let mut saved = Saved {
            id: id.to_string(),
            bundle: b.dir.clone(),
            rootfs: b.rootfs.clone(),
            annotations: b.annotations.clone(),
            created: state::now_rfc3339(),
            owner: String::new(),
            init: crate::runtime::ledger::ProcessId {
                pid: 0,
                start_time: 0,
            },
            started: false,
            record: PathBuf::new(),
            exec: crate::runtime::exec::ExecConfig {
                target: crate::runtime::ledger::ProcessId {
                    pid: 0,
                    start_time: 0,
                },
                namespaces: spec.namespaces,
                cgroup_procs: Vec::new(),
                mapped_root: false,
                capabilities: spec.capabilities,
                args: Vec::new(),
                env: spec.env.clone().unwrap_or_default(),
                cwd: spec.cwd.clone(),
                breakout: false,
                terminal: false,
                user: spec.overrides.user.clone(),
                rlimits: spec.overrides.rlimits.clone(),
                no_new_privs: spec.overrides.no_new_privs,
                seccomp: spec.overrides.seccomp.clone(),
                detach: false,
                preserve_fds: 0,
                console: false,
            },
            hooks: b.hooks.clone(),
            seccomp_listener: None,
        };
        if !(b.hooks.create_container.is_empty() && b.hooks.start_container.is_empty()) {
            spec.overrides.init_hooks = Some(hooks::InitHooks {
                create_container: b.hooks.create_container.clone(),
                start_container: b.hooks.start_container.clone(),
                state: saved.oci(),
                process_env: spec.env.clone().unwrap_or_default(),
            });
        }
        let seccomp = b.spec.linux().as_ref().and_then(|l| l.seccomp().as_ref());
        if let Some(path) = seccomp.and_then(|s| s.listener_path().clone())
            && spec
                .overrides
                .seccomp
                .iter()
                .any(crate::runtime::seccomp::notifies)
        {
            spec.overrides.seccomp_listener = Some(crate::runtime::seccomp::Listener {
                path,
                metadata: seccomp
                    .and_then(|s| s.listener_metadata().clone())
                    .unwrap_or_default(),
                state: saved.oci(),
            });
            saved.seccomp_listener = spec.overrides.seccomp_listener.clone();
        }
        let before = b.hooks.prestart.clone();
        let created = b.hooks.create_runtime.clone();
        let template = saved.clone();
        spec.created_hook = Some(CreatedHook(Box::new(move |pid| {
            let mut s = template.oci();
            s.status = Status::Creating;
            s.pid = pid;
            hooks::run("prestart", &before, &s)?;
            hooks::run("createRuntime", &created, &s)
        })));
        let c = Container::start(spec, tracer)?;
        let t = c
            .exec_template()
            .context("the container's init is not known")?;
        saved.init = t.target;
        saved.exec.target = t.target;
        saved.exec.cgroup_procs = t.cgroup_procs;
        saved.exec.mapped_root = t.mapped_root;
        saved.record = c
            .record_path()
            .context("the container has no state record")?
            .to_path_buf();
        dir.save(&saved)?;
        if let Some(p) = opts.pid_file {
            write_pid_file(p, saved.init.pid)?;
        }
        if opts.detach {
            c.detach()?;
            return Ok(None);
        }
        Ok(Some(c))
    }

    /// Opens the start gate: the init becomes the user's program (`execve`).
    pub fn start(&self, id: &str, tracer: &Tracer) -> Result<()> {
        let dir = Dir::open(&self.root, id)?;
        let mut s = dir.load()?;
        let status = s.status();
        if status != Status::Created {
            crate::bail_said!(
                "error-oci-start-not-created",
                id = format!("{id:?}"),
                status = status
            );
        }
        let fifo = dir.fifo();
        // Opened before the gate, so the init cannot fail unheard; a container made
        // before the report existed has none, and its start is not waited for.
        let report = nix::fcntl::open(
            &dir.report_fifo(),
            nix::fcntl::OFlag::O_RDONLY
                | nix::fcntl::OFlag::O_NONBLOCK
                | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .ok();
        let f = tracer
            .op(
                "open",
                || format!("{fifo:?}, O_WRONLY|O_NONBLOCK"),
                || None,
                || {
                    nix::fcntl::open(
                        &fifo,
                        nix::fcntl::OFlag::O_WRONLY
                            | nix::fcntl::OFlag::O_NONBLOCK
                            | nix::fcntl::OFlag::O_CLOEXEC,
                        nix::sys::stat::Mode::empty(),
                    )
                },
            )
            .map_err(|e| match e {
                nix::errno::Errno::ENXIO | nix::errno::Errno::ENOENT => anyhow::Error::new(
                    crate::said!("error-oci-start-init-gone", id = format!("{id:?}")),
                ),
                e => anyhow::anyhow!("cannot open the start gate of container {id:?}: {e}"),
            })?;
        tracer
            .op(
                "write",
                || format!("{fifo:?}, \"\\0\", 1"),
                || Some(format!("echo > {}", fifo.display())),
                || nix::unistd::write(&f, &[0u8]),
            )
            .with_context(|| format!("cannot open the start gate of container {id:?}"))?;
        drop(f);
        s.started = true;
        dir.save(&s)?;
        let _ = std::fs::remove_file(&fifo);
        // Unlocked while the init finishes its start, so that a `kill` or `delete` of a
        // container stuck in its startContainer hook is not kept waiting.
        let report_path = dir.report_fifo();
        drop(dir);
        let failed = report.and_then(read_start_report);
        let _ = std::fs::remove_file(report_path);
        // The poststart hooks run once the gate is open, even when the init then failed
        // its startContainer hook: runc and youki run them so (their `start` cannot tell),
        // and clients and youki's contest expect them. The spec would skip them.
        if let Err(e) = hooks::run("poststart", &s.hooks.poststart, &s.oci()) {
            // The runtime spec: a failed poststart hook is a warning; the container runs on.
            tracing::warn!("{e:#}");
            eprintln!("contlab: warning: {e:#}");
        }
        if let Some(error) = failed {
            // As the spec wants of a failed startContainer hook: the container is
            // stopped (its init has exited) and `start` fails with the init's sentence,
            // where runc's exits 0 and its init's error goes to a log.
            return Err(error.into_error());
        }
        Ok(())
    }

    /// The runtime spec's state of container `id`.
    pub fn state(&self, id: &str) -> Result<OciState> {
        Ok(Dir::peek(&self.root, id)?.load()?.oci())
    }

    /// Reaps container `id`'s init if it has exited and is this process's child: a
    /// long-lived caller (the lesson engine) is the parent of every container it
    /// created. Until a zombie is reaped, a pid namespace it was in cannot finish dying,
    /// so the init of that namespace never stops.
    pub fn reap(&self, id: &str) {
        if let Ok(s) = Dir::peek(&self.root, id).and_then(|d| d.load())
            && s.status() == Status::Stopped
            && s.init.pid > 0
        {
            let _ = nix::sys::wait::waitpid(
                nix::unistd::Pid::from_raw(s.init.pid),
                Some(nix::sys::wait::WaitPidFlag::WNOHANG),
            );
        }
    }

    /// Every container under the root, by id (those still being created are left out).
    pub fn list(&self) -> Vec<OciState> {
        state::ids(&self.root)
            .iter()
            .filter_map(|id| Dir::peek(&self.root, id).ok()?.load().ok())
            .map(|s| s.oci())
            .collect()
    }

    /// Sends `sig` to the container's process (its init became the user's program).
    pub fn kill(&self, id: &str, sig: Signal, tracer: &Tracer) -> Result<()> {
        let dir = Dir::open(&self.root, id)?;
        let s = dir.load()?;
        if s.status() == Status::Stopped {
            crate::bail_said!("error-oci-kill-stopped", id = format!("{id:?}"));
        }
        let pid = s.init.pid;
        tracer
            .op(
                "kill",
                || format!("{pid}, {}", sig.as_str()),
                || Some(format!("kill -{} {pid}", &sig.as_str()[3..])),
                || nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig),
            )
            .with_context(|| format!("cannot signal container {id:?} (pid {pid})"))
    }

    /// Removes a stopped (or created) container; `force` kills a running one first.
    /// With `force`, a container that does not exist is already deleted, as runc has it:
    /// callers (containerd, conmon) delete with --force after a failed create.
    /// `pause`: freezes every process of a running container (v1 `freezer.state`, v2
    /// `cgroup.freeze`), and waits until the kernel reports it frozen.
    pub fn pause(&self, id: &str) -> Result<()> {
        self.set_paused(id, true)
    }

    /// `resume`: thaws a paused container.
    pub fn resume(&self, id: &str) -> Result<()> {
        self.set_paused(id, false)
    }

    fn set_paused(&self, id: &str, pause: bool) -> Result<()> {
        let s = Dir::peek(&self.root, id)?.load()?;
        let (need, verb) = if pause {
            (Status::Running, "pause")
        } else {
            (Status::Paused, "resume")
        };
        if s.status() != need {
            bail!(
                "cannot {verb} container {id:?}: it is {}, not {need}",
                s.status()
            );
        }
        freeze(&s, pause)
    }

    pub fn delete(&self, id: &str, force: bool) -> Result<()> {
        crate::runtime::ledger::validate_id(id)?;
        if force && !self.root.join(id).is_dir() {
            return Ok(());
        }
        let dir = Dir::open(&self.root, id)?;
        let saved = if dir.state_file().exists() {
            Some(dir.load()?)
        } else {
            // A creation interrupted before its state was written: only the directory.
            None
        };
        if let Some(s) = &saved {
            let status = s.status();
            if matches!(status, Status::Running | Status::Paused) && !force {
                crate::bail_said!(
                    "error-oci-delete-running",
                    id = format!("{id:?}"),
                    status = status.to_string()
                );
            }
            if status == Status::Paused {
                // A frozen process cannot die: thaw, so the kill in `undo` takes effect.
                freeze(s, false)?;
            }
            undo(s)?;
        }
        dir.remove()?;
        if let Some(s) = &saved {
            let mut st = s.oci();
            st.status = Status::Stopped;
            if let Err(e) = hooks::run("poststop", &s.hooks.poststop, &st) {
                tracing::warn!("{e:#}");
                eprintln!("contlab: warning: {e:#}");
            }
        }
        Ok(())
    }

    /// Runs `args` in container `id` and waits for it.
    pub fn exec(
        &self,
        id: &str,
        args: &[String],
        stdio: Stdio,
        tracer: &Tracer,
    ) -> Result<crate::runtime::ExecOutput> {
        let opts = ExecOptions {
            args: args.to_vec(),
            ..Default::default()
        };
        self.exec_with(id, &opts, stdio, tracer)
    }

    /// `exec` with runc's flags (`--process`, `--env`, `--cwd`, `--user`, `--cap`,
    /// `--detach`, `--pid-file`, `--tty` with `--console-socket`, `--preserve-fds`).
    /// With `detach`, returns once the command runs, with exit status 0.
    pub fn exec_with(
        &self,
        id: &str,
        opts: &ExecOptions,
        stdio: Stdio,
        tracer: &Tracer,
    ) -> Result<crate::runtime::ExecOutput> {
        let s = Dir::peek(&self.root, id)?.load()?;
        match s.status() {
            Status::Stopped => crate::bail_said!("error-oci-exec-stopped", id = format!("{id:?}")),
            Status::Paused if !opts.ignore_paused => {
                crate::bail_said!("error-oci-exec-paused", id = format!("{id:?}"))
            }
            _ => {}
        }
        let mut cfg = s.exec.clone();
        let tty = opts.apply(&mut cfg)?;
        if cfg.args.is_empty() {
            crate::bail_said!("error-no-command");
        }
        cfg.detach = opts.detach;
        cfg.preserve_fds = opts.preserve_fds;
        // runc's rule: a console socket only for a detached command with a terminal.
        let console = match (tty, &opts.console_socket) {
            (true, Some(_)) if !opts.detach => {
                bail!("cannot use the console socket unless exec detaches: add --detach")
            }
            (true, Some(path)) => Some(connect_console(path)?),
            (true, None) => bail!(
                "exec with a terminal (--tty or process.terminal) needs --detach and --console-socket PATH, a unix socket that receives the terminal"
            ),
            (false, Some(_)) => {
                bail!("--console-socket is only for exec with a terminal: add --tty")
            }
            (false, None) => None,
        };
        cfg.console = console.is_some();
        // As runc's exec: the container's state, its init's pid, the status "running".
        let listener = s.seccomp_listener.clone().map(|mut l| {
            l.state = s.oci();
            l.state.status = Status::Running;
            l
        });
        let pid_file = opts.pid_file.as_deref();
        crate::runtime::exec::spawn_with(
            &cfg,
            stdio,
            console,
            listener.as_ref(),
            &mut |pid| pid_file.map_or(Ok(()), |p| write_pid_file(p, pid)),
            tracer,
        )
    }

    /// `create` + `start` + wait + `delete`: the container's end is this command's.
    pub fn run(
        &self,
        id: &str,
        bundle: &Path,
        opts: CreateOptions<'_>,
        stdio: Stdio,
        tracer: &Tracer,
    ) -> Result<ExitInfo> {
        let opts = CreateOptions {
            detach: false,
            ..opts
        };
        let mut c = self
            .create(id, bundle, opts, stdio, tracer)?
            .context("the container was not kept")?;
        let res = self.start(id, tracer).and_then(|()| c.wait());
        let removed = c.teardown();
        let left: Vec<String> = removed
            .into_iter()
            .filter_map(|r| r.error.map(|e| format!("{} {}: {e}", r.kind, r.what)))
            .collect();
        let deleted = self.delete(id, true);
        let exit = res?;
        if !left.is_empty() {
            bail!(
                "container {id:?} ended, but some of it could not be removed ({}); run `contlab cleanup`",
                left.join("; ")
            );
        }
        deleted?;
        Ok(exit)
    }
}

/// A connection to the caller's console socket, which gets the terminal's master.
fn connect_console(path: &Path) -> Result<std::os::fd::OwnedFd> {
    let s = std::os::unix::net::UnixStream::connect(path).with_context(|| {
        format!(
            "cannot connect to the console socket {}: is something listening there?",
            path.display()
        )
    })?;
    Ok(std::os::fd::OwnedFd::from(s))
}

/// Undoes what a container's record names (killing its processes first) and removes
/// the record. A record already swept by `contlab cleanup` leaves only the init to end.
fn undo(s: &Saved) -> Result<()> {
    match Ledger::open(&s.record) {
        Ok(ledger) => {
            let removed = teardown::undo(ledger.record());
            let failed: Vec<String> = removed
                .into_iter()
                .filter_map(|r| r.error.map(|e| format!("{} {}: {e}", r.kind, r.what)))
                .collect();
            if !failed.is_empty() {
                bail!(
                    "cannot remove all of container {:?} ({}); its record stays for `contlab cleanup`",
                    s.id,
                    failed.join("; ")
                );
            }
            ledger.finish()
        }
        Err(_) if !s.record.exists() => {
            if s.init.is_alive() {
                let _ =
                    nix::sys::signal::kill(nix::unistd::Pid::from_raw(s.init.pid), Signal::SIGKILL);
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Writes the freezer of container `s`'s cgroup and waits (up to 5 s) until the kernel
/// has carried it out: v1 passes through `FREEZING` while tasks stop.
fn freeze(s: &Saved, frozen: bool) -> Result<()> {
    let (file, on, off) = s
        .freezer()
        .context("the container's cgroup has no freezer (made before contlab could pause)")?;
    let want = if frozen { on } else { off };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        std::fs::write(&file, want)
            .with_context(|| format!("cannot write {want} to {}", file.display()))?;
        let now = std::fs::read_to_string(&file).unwrap_or_default();
        let done = if file.ends_with("cgroup.freeze") {
            // v2: cgroup.events says when the freeze is complete.
            let events =
                std::fs::read_to_string(file.with_file_name("cgroup.events")).unwrap_or_default();
            events.lines().any(|l| l == format!("frozen {want}"))
        } else {
            now.trim() == want
        };
        if done {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            bail!(
                "{} still says {:?} after 5 s: some process does not stop",
                file.display(),
                now.trim()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// What `exec` runs, as runc's flags give it: a process.json (`--process`), then the
/// command line and the flags on top of it.
#[derive(Debug, Default)]
pub struct ExecOptions {
    pub process: Option<PathBuf>,
    pub args: Vec<String>,
    /// `KEY=VALUE`, each replacing a variable of the same name.
    pub env: Vec<String>,
    pub cwd: Option<PathBuf>,
    /// `UID[:GID]`.
    pub user: Option<String>,
    /// Capability names added to every set of the process.
    pub caps: Vec<String>,
    /// Return once the command runs, leaving it running.
    pub detach: bool,
    /// Write the command's pid (the host's view) here once it runs.
    pub pid_file: Option<PathBuf>,
    /// Give the command a terminal (as `process.terminal` in a process.json does).
    pub tty: bool,
    /// Where the terminal's master goes (SCM_RIGHTS), with `tty`.
    pub console_socket: Option<PathBuf>,
    /// fds 3 … 2+N of the caller reach the command.
    pub preserve_fds: u32,
    /// Exec into a paused container too (runc's `--ignore-paused`): the command joins
    /// the frozen cgroup and runs once the container is resumed.
    pub ignore_paused: bool,
}

impl ExecOptions {
    /// Applies the process.json and flags to `cfg`; returns whether the command wants
    /// a terminal.
    fn apply(&self, cfg: &mut crate::runtime::exec::ExecConfig) -> Result<bool> {
        use crate::runtime::spec::{Capabilities, User};
        let mut tty = self.tty;
        if let Some(path) = &self.process {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the process file {}", path.display()))?;
            let p: oci_spec::runtime::Process = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a process.json", path.display()))?;
            tty |= p.terminal() == Some(true);
            cfg.args = p.args().clone().unwrap_or_default();
            cfg.env = p.env().clone().unwrap_or_default();
            cfg.cwd = p.cwd().clone();
            let u = p.user();
            cfg.user = Some(User {
                uid: u.uid(),
                gid: u.gid(),
                additional_gids: u.additional_gids().clone().unwrap_or_default(),
                umask: u.umask(),
            });
            cfg.no_new_privs = p.no_new_privileges().unwrap_or(cfg.no_new_privs);
        }
        if !self.args.is_empty() {
            cfg.args = self.args.clone();
        }
        for kv in &self.env {
            let Some((key, _)) = kv.split_once('=') else {
                bail!("--env {kv:?}: write KEY=VALUE");
            };
            cfg.env
                .retain(|e| e.split_once('=').map(|(k, _)| k) != Some(key));
            cfg.env.push(kv.clone());
        }
        if let Some(cwd) = &self.cwd {
            if !cwd.is_absolute() {
                bail!("--cwd {}: give an absolute path", cwd.display());
            }
            cfg.cwd = cwd.clone();
        }
        if let Some(u) = &self.user {
            let (uid, gid) = match u.split_once(':') {
                Some((a, b)) => (a, Some(b)),
                None => (u.as_str(), None),
            };
            let num = |s: &str| -> Result<u32> {
                s.parse()
                    .with_context(|| format!("--user {u:?}: give numeric UID[:GID]"))
            };
            let mut user = cfg.user.clone().unwrap_or_default();
            user.uid = num(uid)?;
            if let Some(g) = gid {
                user.gid = num(g)?;
            }
            cfg.user = Some(user);
        }
        if !self.caps.is_empty() {
            let Capabilities::Sets(mut sets) = cfg.capabilities else {
                bail!(
                    "--cap needs a container whose capabilities are spelled out (an OCI bundle's)"
                );
            };
            for name in &self.caps {
                let bit = crate::runtime::caps::bit(name).with_context(|| {
                    format!("--cap {name:?}: this kernel has no such capability")
                })?;
                // As runc's: bounding, effective and permitted; ambient only where the
                // process already has inheritable capabilities (ambient needs them).
                sets.bounding |= bit;
                sets.effective |= bit;
                sets.permitted |= bit;
                if sets.inheritable != 0 {
                    sets.inheritable |= bit;
                    sets.ambient |= bit;
                }
            }
            cfg.capabilities = Capabilities::Sets(sets);
        }
        Ok(tty)
    }
}
