//! A running container: started from a [`ContainerSpec`], waited for, signalled, exec'd
//! into, and torn down, leaving nothing behind.
//!
//! `Container::start` checks the spec, finds the root filesystem (`resolve_rootfs`),
//! sweeps leftovers once per process (`sweep_leftovers`), writes the state record (the
//! intent log), then `launch` runs these steps in order, each traced:
//! 1. `create_cgroup`: the cgroup with its limits;
//! 2. `prepare_root`: the overlay's mount point and its writable layer;
//! 3. `plan_init` and `clone_init`: `clone(2)` with the namespace flags (or a staged
//!    start that joins namespaces first); the child re-executes contlab as init and
//!    blocks reading its configuration from its channel;
//! 4. while it waits: `place_in_cgroup`, `map_ids` (the uid/gid maps), `setup_network`,
//!    `mount_root` (the overlay, idmapped into the user namespace);
//! 5. `init_config` goes out over the channel; the init sets up hostname, mounts, root,
//!    hardening, and becomes the payload with `execve` (or, with `ContainerSpec::init`,
//!    starts it as its child); `wait_for_init` reads its `Started` (the channel's close
//!    after an `Exec` report) or its one-sentence error.

use super::cgroup::Cgroup;
use super::channel::{self, Ending, InitConfig, Relay, Report};
use super::ledger::{Ledger, ProcessId};
use super::process::{self, ChildPlan};
use super::registry;
use super::root::{self, OverlayDirs};
use super::spec::{
    Capabilities, ContainerSpec, ExitInfo, IdMap, Io, Namespace, Namespaces, RootfsMode, Stdio,
};
use super::teardown::{self, Removed};
use super::trace::Tracer;
use anyhow::{Context, Result, bail};
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// A container contlab started. Dropping it tears it down.
#[derive(Debug)]
pub struct Container {
    id: String,
    namespaces: Namespaces,
    capabilities: Capabilities,
    mapped_root: bool,
    env: Vec<String>,
    tracer: Tracer,
    ledger: Option<Ledger>,
    cgroup: Option<Cgroup>,
    oom_before: u64,
    init: Option<ProcessId>,
    reaped: bool,
    reader: Option<JoinHandle<Ending>>,
    exit: Option<ExitInfo>,
    stdin: Option<File>,
    stdout: Option<File>,
    stderr: Option<File>,
}

/// The output of a command run with [`Container::exec`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit: ExitInfo,
    /// Empty unless stdout was piped.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// The kernel refused an overlay whose writable layer is a detached tmpfs; later
/// containers go straight to directories on the host.
static SCRATCH_REFUSED: AtomicBool = AtomicBool::new(false);

/// `contlab cleanup`'s sweep, once per process, before the first container: a previous
/// contlab killed with SIGKILL may have left containers behind. What it removes is
/// traced like a teardown.
fn sweep_leftovers(tracer: &Tracer) {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| {
        let start = std::time::Instant::now();
        let report = super::cleanup::sweep(super::cleanup::Options {
            all: false,
            quick: true,
        });
        teardown::trace_removed(tracer, &report.removed, start);
        for r in report.removed {
            tracing::info!(kind = r.kind, what = %r.what, error = ?r.error, "swept a leftover");
        }
    });
}

/// Turns an `Io` into (the fd the child gets, the parent's end).
fn stdio_pair(io: Io, read_side_is_child: bool) -> Result<(Option<OwnedFd>, Option<File>)> {
    match io {
        Io::Inherit => Ok((None, None)),
        Io::Null => {
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .context("cannot open /dev/null")?;
            Ok((Some(OwnedFd::from(f)), None))
        }
        Io::Piped => {
            let (r, w) =
                nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("cannot create a pipe")?;
            if read_side_is_child {
                Ok((Some(r), Some(File::from(w))))
            } else {
                Ok((Some(w), Some(File::from(r))))
            }
        }
        Io::Fd(fd) => Ok((Some(fd), None)),
    }
}

fn default_env() -> Vec<String> {
    let mut env = vec![
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        "HOME=/root".to_string(),
    ];
    if let Ok(term) = std::env::var("TERM") {
        env.push(format!("TERM={term}"));
    }
    env
}

/// The map of root in the user namespace at `path`, which the container will join.
fn joined_user_map(path: &Path) -> Result<IdMap> {
    let f = open_namespace(Namespace::User, path)?;
    let (uid, gid) = process::user_namespace_maps(f.as_fd()).with_context(|| {
        format!(
            "cannot read the uid/gid maps of the user namespace at {}",
            path.display()
        )
    })?;
    let root = |text: &str| {
        text.lines().find_map(|l| {
            let v: Vec<u32> = l
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            match v[..] {
                [0, outside, count] => Some(IdMap {
                    inside: 0,
                    outside,
                    count,
                }),
                _ => None,
            }
        })
    };
    match (root(&uid), root(&gid)) {
        (Some(u), Some(g)) if u == g => Ok(u),
        (Some(_), Some(_)) => bail!(
            "the user namespace at {} maps root to different uid and gid ranges, which contlab does not support yet",
            path.display()
        ),
        _ => bail!(
            "the user namespace at {} maps no root (uid/gid 0): the container could not set itself up there; join one that maps root",
            path.display()
        ),
    }
}

/// Opens a namespace file to join, checking it is one of type `n`.
fn open_namespace(n: Namespace, path: &Path) -> Result<File> {
    let f = File::open(path).with_context(|| {
        format!(
            "cannot open the {} namespace to join at {}",
            n.name(),
            path.display()
        )
    })?;
    // NS_GET_NSTYPE: the CLONE_NEW* flag of the namespace behind an nsfs file.
    const NS_GET_NSTYPE: libc::c_ulong = 0xb703;
    // SAFETY: an ioctl without arguments on an fd we own.
    let kind = unsafe { libc::ioctl(f.as_raw_fd(), NS_GET_NSTYPE as _) };
    if kind < 0 {
        bail!(
            "{} is not a namespace file (like /proc/PID/ns/{}): it cannot be joined",
            path.display(),
            n.proc_name()
        );
    }
    if kind != n.clone_flag().bits() {
        bail!(
            "{} is not a {} namespace: it cannot be joined as one",
            path.display(),
            n.name()
        );
    }
    if matches!(n, Namespace::Mount | Namespace::User) {
        use std::os::unix::fs::MetadataExt;
        let meta = f.metadata()?;
        let own = std::fs::metadata(format!("/proc/self/ns/{}", n.proc_name()))?;
        if (meta.dev(), meta.ino()) == (own.dev(), own.ino()) {
            if n == Namespace::Mount {
                // The container's root is attached and pivoted to in a joined mount
                // namespace; in contlab's own, the host's root would be taken away.
                bail!(
                    "{} is contlab's own mount namespace: the container's root would replace the host's there; join a mount namespace made for containers",
                    path.display()
                );
            }
            // The kernel refuses to "join" the user namespace a process is in (EINVAL).
            bail!(
                "{} is contlab's own user namespace: leave the user namespace out to stay in it",
                path.display()
            );
        }
    }
    Ok(f)
}

/// Traces what the first process of a staged start did (see `process::Stage`), which
/// it could not report itself before `execve`.
fn trace_stage(
    tracer: &Tracer,
    first: Pid,
    joins: &[(Namespace, PathBuf)],
    created: Namespaces,
    outcome: &process::StageOutcome,
) {
    use process::StageOutcome;
    let event = |op: &str, args: String, result: Result<String, nix::errno::Errno>, shell| {
        tracer.emit(super::trace::TraceEvent {
            pid: first.as_raw(),
            op: op.into(),
            args,
            ok: result.is_ok(),
            result: match result {
                Ok(r) => r,
                Err(e) => format!("{e} ({})", e.desc()),
            },
            duration_us: 0,
            shell,
        })
    };
    let failed_join = match outcome {
        StageOutcome::JoinFailed(i, e) => Some((*i, *e)),
        _ => None,
    };
    for (i, (n, path)) in joins.iter().enumerate() {
        let result = match failed_join {
            Some((f, e)) if f == i => Err(e),
            Some((f, _)) if f < i => return,
            _ => Ok("0".into()),
        };
        event(
            "setns",
            format!("open({path:?}), {}", n.flag_name()),
            result,
            Some(format!("nsenter {}={}", n.unshare_option(), path.display())),
        );
    }
    if failed_join.is_some() {
        return;
    }
    if !created.is_empty() {
        let result = match outcome {
            StageOutcome::UnshareFailed(e) => Err(*e),
            _ => Ok("0".into()),
        };
        let options: Vec<&str> = created.iter().map(|n| n.unshare_option()).collect();
        event(
            "unshare",
            created.flag_names(),
            result,
            Some(format!("unshare {}", options.join(" "))),
        );
    }
    match outcome {
        StageOutcome::Forked(pid) => event(
            "clone",
            "CLONE_PARENT|SIGCHLD".into(),
            Ok(pid.to_string()),
            Some("# the --fork of nsenter and unshare".into()),
        ),
        StageOutcome::ForkFailed(e) => event("clone", "CLONE_PARENT|SIGCHLD".into(), Err(*e), None),
        _ => {}
    }
}

/// The `unshare(1)` command with the same namespaces.
fn unshare_shell(ns: Namespaces) -> String {
    let opts: Vec<&str> = ns
        .iter()
        .filter(|n| *n != Namespace::Cgroup)
        .map(Namespace::unshare_option)
        .collect();
    format!("unshare {} --fork", opts.join(" "))
}

/// Writes one line to a `/proc/PID/…` file, traced as the `echo` a student would type.
fn write_proc(tracer: &Tracer, path: &Path, text: &str) -> Result<()> {
    tracer
        .op(
            "write",
            || format!("{path:?}, {text:?}"),
            || Some(format!("echo '{text}' > {}", path.display())),
            || {
                std::fs::write(path, text)
                    .map_err(|e| nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
            },
        )
        .with_context(|| format!("cannot write {text:?} to {}", path.display()))
}

/// Writes the user namespace's maps. An unprivileged writer must first deny setgroups
/// (else a process could drop supplementary groups that deny it access, CVE-2014-8989);
/// contlab running as root needs not, and leaves setgroups usable inside.
fn write_id_maps(pid: Pid, uid_map: &str, gid_map: &str, tracer: &Tracer) -> Result<()> {
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let can_setgid = ::caps::has_cap(
        None,
        ::caps::CapSet::Effective,
        ::caps::Capability::CAP_SETGID,
    )
    .unwrap_or(false);
    if !can_setgid {
        write_proc(tracer, &proc.join("setgroups"), "deny")?;
    }
    write_proc(tracer, &proc.join("uid_map"), uid_map)?;
    write_proc(tracer, &proc.join("gid_map"), gid_map)?;
    Ok(())
}

fn mkdir_traced(path: &Path, tracer: &Tracer) -> Result<()> {
    tracer
        .op(
            "mkdir",
            || format!("{path:?}, 0755"),
            || Some(format!("mkdir -p {}", path.display())),
            || match std::fs::create_dir_all(path) {
                Ok(()) => Ok(()),
                Err(e) => Err(nix::errno::Errno::from_raw(
                    e.raw_os_error().unwrap_or(libc::EIO),
                )),
            },
        )
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Checks the rootfs exists, and finds it. Without `rootfs_dir` it is the default one,
/// built into the cache if missing; the first time in a process, that step is traced.
fn resolve_rootfs(spec: &ContainerSpec, tracer: &Tracer) -> Result<Option<PathBuf>> {
    if spec.rootfs == RootfsMode::Host {
        return Ok(None);
    }
    let dir = match &spec.rootfs_dir {
        Some(d) => d.clone(),
        None => default_rootfs(tracer)?,
    };
    if !dir.is_dir() {
        crate::bail_said!("error-rootfs-missing", path = dir.display());
    }
    Ok(Some(dir))
}

/// The default root filesystem (`crate::rootfs::ensure_default`), traced as the
/// `contlab rootfs build` it may run the first time a process asks for it.
fn default_rootfs(tracer: &Tracer) -> Result<PathBuf> {
    static TRACED: AtomicBool = AtomicBool::new(false);
    let start = std::time::Instant::now();
    let dir =
        crate::rootfs::ensure_default().context("cannot prepare the default root filesystem")?;
    if !tracer.is_null() && !TRACED.swap(true, Ordering::Relaxed) {
        tracer.emit(super::trace::TraceEvent {
            pid: std::process::id() as i32,
            op: "rootfs".into(),
            args: format!("{dir:?}"),
            ok: true,
            result: "the default root filesystem, built into the cache if missing".into(),
            duration_us: start.elapsed().as_micros() as u64,
            shell: Some("contlab rootfs build".into()),
        });
    }
    Ok(dir)
}

/// The root filesystem's layers, chosen before the clone (see `Container::prepare_root`).
struct RootPlan {
    /// The cached rootfs.
    lower: PathBuf,
    /// Where the root is attached: the rootfs directory itself in a mount namespace of
    /// the container's own, else a mount point on the host.
    merged: PathBuf,
    /// The private tmpfs for the overlay's writable layer; `None`: directories on the
    /// host, or no writable layer (`bind_rootfs`).
    scratch: Option<OwnedFd>,
}

/// The init before `clone` (see `Container::plan_init`): its plan, and the fds the
/// parent holds until the child has its own copies.
struct InitChild {
    plan: ChildPlan,
    flags: nix::sched::CloneFlags,
    clone_ns: Namespaces,
    /// A staged start: the pipe the first process reports on, and the joins in order.
    stage: Option<(OwnedFd, Vec<(Namespace, PathBuf)>)>,
    /// On v1 the child moves itself into the cgroup (`Cgroup::self_join_files`).
    self_joined: bool,
    child_sock: OwnedFd,
    gate: Option<OwnedFd>,
    report: Option<OwnedFd>,
    console: Option<OwnedFd>,
}

/// The fd numbers the init inherited, which its configuration names.
struct Inherited {
    start_gate: Option<RawFd>,
    start_report: Option<RawFd>,
    console: Option<RawFd>,
}

/// Whether the spec joins an existing namespace of type `n` rather than making one.
fn joins(spec: &ContainerSpec<'_>, n: Namespace) -> bool {
    spec.join.iter().any(|(j, _)| *j == n)
}

/// A spec that joins a user namespace takes that namespace's map of root (a map it
/// gives itself must be the same).
fn adopt_joined_user_map(spec: &mut ContainerSpec<'_>) -> Result<()> {
    let Some((_, path)) = spec.join.iter().find(|(n, _)| *n == Namespace::User) else {
        return Ok(());
    };
    let map = joined_user_map(path)?;
    if let Some(given) = spec.user_map
        && given != map
    {
        bail!(
            "the uid/gid map {:?} differs from the map of the user namespace at {} ({:?}): give none, or that one",
            given.line(),
            path.display(),
            map.line()
        );
    }
    spec.user_map = Some(map);
    Ok(())
}

/// Waits for the first process of a staged start, traces what it did, and returns the
/// init it forked, or says which join or unshare failed.
fn finish_staged_start(
    tracer: &Tracer,
    read: OwnedFd,
    first: Pid,
    join_order: &[(Namespace, PathBuf)],
    clone_ns: Namespaces,
) -> Result<Pid> {
    let outcome = process::finish_stage(read, first)?;
    trace_stage(tracer, first, join_order, clone_ns, &outcome);
    match outcome {
        process::StageOutcome::Forked(pid) => Ok(pid),
        process::StageOutcome::JoinFailed(i, e) => {
            let (n, path) = &join_order[i.min(join_order.len() - 1)];
            bail!(
                "cannot join the {} namespace at {}: {} ({e}){}",
                n.name(),
                path.display(),
                e.desc(),
                match e {
                    nix::errno::Errno::EPERM =>
                        "; a namespace owned by another user namespace can be joined only after that user namespace",
                    nix::errno::Errno::EINVAL =>
                        "; is it a namespace of that type, and not the one contlab is in already?",
                    _ => "",
                }
            )
        }
        process::StageOutcome::UnshareFailed(e) => bail!(
            "cannot create the {} namespaces after joining the given ones: {} ({e})",
            clone_ns.flag_names(),
            e.desc()
        ),
        process::StageOutcome::ForkFailed(e) => {
            bail!("cannot fork the container's init: {} ({e})", e.desc())
        }
    }
}

impl Container {
    /// Starts the container. On error, everything made so far is removed again, and the
    /// error says what was wrong in one sentence.
    ///
    /// Before the first container of a process, two steps run once, each traced when it
    /// does something: the sweep of containers a killed contlab left behind
    /// ([`sweep_leftovers`]), and, for a spec without `rootfs_dir`, the default root
    /// filesystem, built into the cache if missing ([`resolve_rootfs`]).
    pub fn start(mut spec: ContainerSpec<'_>, tracer: &Tracer) -> Result<Container> {
        adopt_joined_user_map(&mut spec)?;
        spec.validate()?;
        let lower = resolve_rootfs(&spec, tracer)?;
        sweep_leftovers(tracer);
        let id = match &spec.id {
            Some(id) => id.clone(),
            None => super::ledger::new_id(),
        };
        let ledger = Ledger::create(&id)?;
        registry::register(&id, ledger.path());
        let mut c = Container {
            id,
            namespaces: spec.namespaces,
            capabilities: spec.capabilities,
            mapped_root: spec.user_map.is_some_and(|m| m.inside == 0),
            env: spec.env.clone().unwrap_or_else(default_env),
            tracer: tracer.clone(),
            ledger: Some(ledger),
            cgroup: None,
            oom_before: 0,
            init: None,
            reaped: false,
            reader: None,
            exit: None,
            stdin: None,
            stdout: None,
            stderr: None,
        };
        // On any error below, `c` drops and tears down what the record names.
        c.launch(spec, lower)?;
        Ok(c)
    }

    fn ledger(&mut self) -> Result<&mut Ledger> {
        self.ledger
            .as_mut()
            .context("the container was already torn down")
    }

    /// The launch, step by step; each step is traced, and on error the caller's drop
    /// undoes what the state record names.
    fn launch(&mut self, mut spec: ContainerSpec<'_>, lower: Option<PathBuf>) -> Result<()> {
        self.create_cgroup(&spec)?;
        let root = self.prepare_root(&spec, lower)?;
        let (sock, child_sock) =
            channel::pair().context("cannot create the socket pair to the container's init")?;
        let child = self.plan_init(&mut spec, child_sock)?;
        let self_joined = child.self_joined;
        let (pid, inherited) = self.clone_init(&spec, child)?;
        // While the init waits for its configuration: cgroup, maps, network, root.
        self.place_in_cgroup(pid, self_joined)?;
        self.set_oom_score_adj(pid, &spec)?;
        self.map_ids(pid, &spec, &sock)?;
        self.setup_network(pid, &spec)?;
        let overlay = self.mount_root(pid, &spec, root.as_ref())?;
        let config = self.init_config(&spec, root.as_ref(), overlay.is_some(), inherited);
        if let Some(hook) = spec.created_hook.take() {
            (hook.0)(pid.as_raw())?;
        }
        if let Err(e) = channel::send(&sock, &config, overlay.as_ref().map(|f| f.as_raw_fd())) {
            // The init is gone before it read its configuration (an OOM kill during setup,
            // on a small memory limit): say how it died, as when it dies a little later.
            let gone = e.downcast_ref::<nix::errno::Errno>().is_some_and(|n| {
                matches!(n, nix::errno::Errno::EPIPE | nix::errno::Errno::ECONNRESET)
            });
            if gone {
                return Err(self.init_died());
            }
            return Err(e.context(crate::said!("error-send-init-config")));
        }
        drop(overlay);
        let listener = spec.overrides.seccomp_listener.as_ref();
        self.wait_for_init(Relay::new(sock, &self.tracer), listener)
    }

    /// The cgroup with its limits: `<parent>/<id>` by default, or the spec's own path.
    fn create_cgroup(&mut self, spec: &ContainerSpec<'_>) -> Result<()> {
        let (parent, name) = match &spec.cgroup_path {
            Some(p) => match p.trim_matches('/').rsplit_once('/') {
                Some((parent, name)) => (parent.to_string(), name.to_string()),
                // Right below the hierarchy's root, as runc allows.
                None => (String::new(), p.trim_matches('/').to_string()),
            },
            None => (crate::paths::cgroup_parent(), self.id.clone()),
        };
        let tracer = self.tracer.clone();
        let cgroup = Cgroup::create(&parent, &name, &spec.limits, &tracer, self.ledger()?)?;
        self.oom_before = cgroup.oom_kills();
        self.cgroup = Some(cgroup);
        Ok(())
    }

    /// The root filesystem: where it will be attached, and the overlay's writable
    /// layer (a private tmpfs, see `root::scratch`). In a mount namespace of its own the
    /// container attaches its root right over the rootfs directory, a mount only it
    /// sees; without one the overlay goes on the host, on a mount point of its own. A
    /// joined mount namespace is set up like a new one, as runc does: the root is
    /// attached and pivoted to there, which the processes already in it see too.
    fn prepare_root(
        &mut self,
        spec: &ContainerSpec<'_>,
        lower: Option<PathBuf>,
    ) -> Result<Option<RootPlan>> {
        let Some(lower) = lower else {
            return Ok(None);
        };
        let merged = if spec.namespaces.contains(Namespace::Mount) {
            lower.clone()
        } else if spec.bind_rootfs && !super::teardown::is_mount_point(&lower) {
            // An OCI bundle without a mount namespace: its rootfs bound onto itself, as
            // runc binds it before its chroot, so the rootfs is a mount point while the
            // container lives (contest's ns_itype unmounts it so). One that is a mount
            // point already gets a place of its own, so teardown never takes a mount
            // contlab did not make.
            lower.clone()
        } else {
            let work = crate::paths::run_dir().join("work").join(&self.id);
            self.ledger()?.update(|r| r.dirs.push(work.clone()))?;
            let merged = work.join("merged");
            mkdir_traced(&merged, &self.tracer)?;
            merged
        };
        let scratch = if spec.bind_rootfs || SCRATCH_REFUSED.load(Ordering::Relaxed) {
            None
        } else {
            let owner = spec.user_map.and_then(|m| m.outside_root());
            Some(root::scratch(owner, &self.tracer)?)
        };
        Ok(Some(RootPlan {
            lower,
            merged,
            scratch,
        }))
    }

    /// The init's process as `clone` will make it: its stdio, the fds it inherits (its
    /// channel, the start gate, the console), the namespaces to create, and those to
    /// join first (see `process::Stage`).
    fn plan_init(
        &mut self,
        spec: &mut ContainerSpec<'_>,
        child_sock: OwnedFd,
    ) -> Result<InitChild> {
        let ns = spec.namespaces;
        let child_sock = process::above_stdio(child_sock)?;
        let Stdio {
            stdin,
            stdout,
            stderr,
        } = std::mem::replace(&mut spec.stdio, Stdio::inherit());
        let (in_fd, in_parent) = stdio_pair(stdin, true)?;
        let (out_fd, out_parent) = stdio_pair(stdout, false)?;
        let (err_fd, err_parent) = stdio_pair(stderr, false)?;
        let stdio = [in_fd, out_fd, err_fd].map(|f| f.map(process::above_stdio).transpose());
        let [a, b, e] = stdio;
        // Inherited by the init: the start gate and the console socket.
        let gate = spec
            .start_gate
            .take()
            .map(process::above_stdio)
            .transpose()?;
        let report = spec
            .start_report
            .take()
            .map(process::above_stdio)
            .transpose()?;
        let console = spec.console.take().map(process::above_stdio).transpose()?;
        let mut keep = vec![child_sock.as_raw_fd()];
        keep.extend(gate.as_ref().map(|g| g.as_raw_fd()));
        keep.extend(report.as_ref().map(|r| r.as_raw_fd()));
        keep.extend(console.as_ref().map(|c| c.as_raw_fd()));
        let joined_user = joins(spec, Namespace::User);
        let mut plan = ChildPlan {
            argv: vec![
                CString::new("contlab")?,
                CString::new("__init")?,
                CString::new(child_sock.as_raw_fd().to_string())?,
            ],
            stdio: [a?, b?, e?],
            keep,
            wait_for_maps: ns.contains(Namespace::User) && !joined_user,
            become_root: self.mapped_root,
            carry_caps: ns.contains(Namespace::User) && !self.mapped_root,
            join_cgroup: Vec::new(),
            stage: None,
            envp: Vec::new(),
        };
        let self_joined = match self.cgroup.as_ref().and_then(|cg| cg.self_join_files()) {
            Some(files) => {
                let fds: Result<Vec<OwnedFd>> = files
                    .into_iter()
                    .map(|f| process::above_stdio(OwnedFd::from(f)))
                    .collect();
                plan.join_cgroup = fds?;
                true
            }
            None => false,
        };
        self.stdin = in_parent;
        self.stdout = out_parent;
        self.stderr = err_parent;

        // The cgroup namespace is made later by the init itself, once it is inside its
        // cgroup: a namespace made at clone time would be rooted at contlab's cgroup.
        // A namespace to join is not made at clone time either: the init joins it.
        let mut flags = nix::sched::CloneFlags::empty();
        let mut clone_ns = Namespaces::NONE;
        for n in ns
            .iter()
            .filter(|n| *n != Namespace::Cgroup && !joins(spec, *n))
        {
            flags |= n.clone_flag();
            clone_ns.insert(n);
        }
        let mut stage = None;
        let mut join_order = spec.join.clone();
        join_order.sort_by_key(|(n, _)| Namespace::ALL.iter().position(|a| a == n));
        if !join_order.is_empty() {
            let mut files = Vec::new();
            for (n, path) in &join_order {
                files.push((OwnedFd::from(open_namespace(*n, path)?), n.clone_flag()));
            }
            let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .context("cannot create a pipe to the container's first process")?;
            stage = Some((read, join_order));
            plan.stage = Some(process::Stage {
                join: files,
                unshare: flags,
                report: write,
            });
            flags = nix::sched::CloneFlags::empty();
        }
        plan.check()?;
        Ok(InitChild {
            plan,
            flags,
            clone_ns,
            stage,
            self_joined,
            child_sock,
            gate,
            report,
            console,
        })
    }

    /// `clone(2)` of the init (through the fork server when it can), or of the first
    /// process of a staged start, which joins the given namespaces and forks the init.
    /// The init then blocks reading its configuration.
    fn clone_init(
        &mut self,
        spec: &ContainerSpec<'_>,
        child: InitChild,
    ) -> Result<(Pid, Inherited)> {
        let tracer = self.tracer.clone();
        let InitChild {
            plan,
            flags,
            clone_ns,
            stage,
            self_joined: _,
            child_sock,
            gate,
            report,
            console,
        } = child;
        let staged = stage.is_some();
        let exe = process::sealed_exe()?;
        let first = tracer
            .op(
                "clone",
                || {
                    let names = if staged {
                        String::new()
                    } else {
                        clone_ns.flag_names()
                    };
                    if names.is_empty() {
                        "SIGCHLD".into()
                    } else {
                        format!("{names}|SIGCHLD")
                    }
                },
                || (!staged).then(|| unshare_shell(spec.namespaces)),
                || super::forkserver::spawn_init(exe, flags, plan),
            )
            .map_err(|e| match e {
                nix::errno::Errno::EPERM => anyhow::Error::new(crate::said!("error-clone-eperm")),
                nix::errno::Errno::ENOSPC => anyhow::Error::new(crate::said!("error-clone-enospc")),
                e => anyhow::Error::new(e).context(crate::said!("error-clone-failed")),
            })?;
        let pid = match stage {
            None => first,
            Some((read, join_order)) => {
                finish_staged_start(&tracer, read, first, &join_order, clone_ns)?
            }
        };
        drop(child_sock);
        let inherited = Inherited {
            start_gate: gate.as_ref().map(|g| g.as_raw_fd()),
            start_report: report.as_ref().map(|r| r.as_raw_fd()),
            console: console.as_ref().map(|c| c.as_raw_fd()),
        };
        drop(console);
        // Only the init may hold the report's write end: its exec or exit ends `start`'s read.
        drop(report);
        // The init holds its own copies now; the gate must have no reader but the init,
        // so that `start` can tell a dead init (ENXIO) from a waiting one.
        drop(gate);
        let init = ProcessId::of(pid.as_raw()).context(crate::said!("error-init-died-at-once"))?;
        self.init = Some(init);
        self.ledger()?.update(|r| r.processes.push(init))?;
        Ok((pid, inherited))
    }

    /// The init into the container's cgroup (on v1 it moved itself, see
    /// `Cgroup::self_join_files`: only the trace is left to do).
    fn place_in_cgroup(&self, pid: Pid, self_joined: bool) -> Result<()> {
        if let Some(cg) = &self.cgroup {
            if self_joined {
                cg.trace_self_join(pid.as_raw(), &self.tracer);
            } else {
                cg.add_process(pid.as_raw(), &self.tracer)?;
            }
        }
        Ok(())
    }

    /// `process.oomScoreAdj`, written from here: lowering a score needs CAP_SYS_RESOURCE
    /// in the initial user namespace, which the init in a user namespace lacks.
    fn set_oom_score_adj(&self, pid: Pid, spec: &ContainerSpec<'_>) -> Result<()> {
        if let Some(adj) = spec.overrides.oom_score_adj {
            let path = PathBuf::from(format!("/proc/{pid}/oom_score_adj"));
            write_proc(&self.tracer, &path, &adj.to_string())
                .with_context(|| crate::said!("error-oom-score-adj", adj = adj))?;
        }
        Ok(())
    }

    /// The uid/gid maps of a new user namespace, then the go that lets the child exec
    /// the init (see `ChildPlan::wait_for_maps`). A joined user namespace has its maps
    /// already (read into `spec.user_map`).
    fn map_ids(&self, pid: Pid, spec: &ContainerSpec<'_>, sock: &OwnedFd) -> Result<()> {
        let new_user = spec.namespaces.contains(Namespace::User) && !joins(spec, Namespace::User);
        if let Some(map) = spec.user_map.as_ref().filter(|_| new_user) {
            let lines = |v: &[IdMap]| v.iter().map(IdMap::line).collect::<Vec<_>>().join("\n");
            match &spec.overrides.id_maps {
                Some((u, g)) => write_id_maps(pid, &lines(u), &lines(g), &self.tracer)?,
                None => write_id_maps(pid, &map.line(), &map.line(), &self.tracer)?,
            }
        }
        if new_user {
            nix::unistd::write(sock, &[1u8])
                .context(crate::said!("error-init-died-before-start"))?;
        }
        if new_user && !self.mapped_root {
            // Done by the child before its exec (see `ChildPlan::carry_caps`).
            self.tracer.emit(super::trace::TraceEvent {
                pid: pid.as_raw(),
                op: "prctl".into(),
                args:
                    "PR_CAP_AMBIENT_RAISE, every permitted capability  (by the new process itself)"
                        .into(),
                ok: true,
                result: "0".into(),
                duration_us: 0,
                shell: Some(
                    "unshare --user --keep-caps  # the capabilities outlive the exec".into(),
                ),
            });
        }
        Ok(())
    }

    /// `lo` and the veth pair of a new network namespace (see `net::setup_network`).
    fn setup_network(&self, pid: Pid, spec: &ContainerSpec<'_>) -> Result<()> {
        if spec.namespaces.contains(Namespace::Net) && !joins(spec, Namespace::Net) {
            super::net::setup_network(pid, &spec.network, &self.tracer)?;
        }
        Ok(())
    }

    /// The root as a detached mount (an overlay, idmapped into the user namespace, or a
    /// bind of the rootfs): its fd for the init to attach in its own mount namespace, or,
    /// without one, attached on the host here.
    fn mount_root(
        &mut self,
        pid: Pid,
        spec: &ContainerSpec<'_>,
        plan: Option<&RootPlan>,
    ) -> Result<Option<OwnedFd>> {
        let Some(RootPlan {
            lower,
            merged,
            scratch,
        }) = plan
        else {
            return Ok(None);
        };
        let tracer = self.tracer.clone();
        let ns = spec.namespaces;
        let userns = match (&spec.user_map, ns.contains(Namespace::User)) {
            (Some(map), true) => Some((
                File::open(format!("/proc/{pid}/ns/user"))
                    .context("cannot open the container's user namespace")?,
                *map,
            )),
            _ => None,
        };
        let idmap = userns.as_ref().map(|(f, m)| (f.as_fd(), m));
        let owner = spec.user_map.and_then(|m| m.outside_root());
        let fd = match scratch {
            None if spec.bind_rootfs => root::detached_bind(lower, idmap, &tracer)?,
            None => {
                let dirs = self.host_layer(lower, merged, owner, &tracer)?;
                root::detached_overlay(&dirs, idmap, &tracer)?
            }
            Some(scratch) => {
                let dirs = OverlayDirs::on_scratch(lower, scratch.as_fd(), merged);
                match root::detached_overlay(&dirs, idmap, &tracer) {
                    Ok(fd) => fd,
                    Err(e)
                        if e.root_cause().downcast_ref::<nix::errno::Errno>()
                            != Some(&nix::errno::Errno::EINVAL) =>
                    {
                        return Err(e);
                    }
                    Err(_) => {
                        // Older kernels (6.1, for one) take no overlay layer from a
                        // detached mount (clone_private_mount wants the caller's
                        // mount namespace): the writable layer goes in directories
                        // on the host instead, which the record names for teardown.
                        SCRATCH_REFUSED.store(true, Ordering::Relaxed);
                        let dirs = self.host_layer(lower, merged, owner, &tracer)?;
                        root::detached_overlay(&dirs, idmap, &tracer)?
                    }
                }
            }
        };
        if ns.contains(Namespace::Mount) {
            return Ok(Some(fd));
        }
        // No mount namespace to die with: the overlay is attached on the host, so the
        // record names it first and teardown unmounts it.
        self.ledger()?.update(|r| r.mounts.push(merged.clone()))?;
        root::attach(fd.as_fd(), merged, &tracer)?;
        Ok(None)
    }

    /// What the init is told to do (see `channel::InitConfig`).
    fn init_config(
        &self,
        spec: &ContainerSpec<'_>,
        root: Option<&RootPlan>,
        attach_overlay: bool,
        inherited: Inherited,
    ) -> InitConfig {
        let ns = spec.namespaces;
        let pts_gid5 = match &spec.user_map {
            None => !ns.contains(Namespace::User),
            Some(m) => match &spec.overrides.id_maps {
                Some((_, gid)) => gid.iter().any(|g| g.maps(5)),
                None => m.maps(5),
            },
        };
        InitConfig {
            namespaces: ns,
            hostname: spec.hostname.clone(),
            rootfs: spec.rootfs,
            root: root.map(|r| r.merged.clone()),
            attach_overlay,
            mapped_root: self.mapped_root,
            pts_gid5,
            capabilities: spec.capabilities,
            args: spec.args.clone(),
            env: self.env.clone(),
            cwd: spec.cwd.clone(),
            mount_proc: spec.mount_proc,
            overrides: spec.overrides.clone(),
            start_gate: inherited.start_gate,
            start_report: inherited.start_report,
            console: inherited.console,
            joined: spec.join.iter().fold(Namespaces::NONE, |mut set, (n, _)| {
                set.insert(*n);
                set
            }),
            cgroup_dirs: self
                .cgroup
                .as_ref()
                .map(|cg| {
                    cg.dirs()
                        .dirs
                        .iter()
                        .map(|d| (d.controllers.join(","), d.path.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            cgroup_v2: self
                .cgroup
                .as_ref()
                .is_some_and(|cg| cg.dirs().version == super::cgroup::CgroupVersion::V2),
            reaper: spec.init,
            trace: !self.tracer.is_null(),
        }
    }

    /// The init ended during setup: reaps it and says how it died (an OOM kill counted
    /// by the cgroup included).
    fn init_died(&mut self) -> anyhow::Error {
        match self.reap_init() {
            Ok(mut status) => {
                status.oom_killed = self
                    .cgroup
                    .as_ref()
                    .is_some_and(|cg| cg.oom_kills() > self.oom_before);
                anyhow::Error::new(status.said()).context(crate::said!("error-init-died"))
            }
            Err(e) => e.context(crate::said!("error-init-died")),
        }
    }

    /// Relays the init's trace until it reports `Started` (or `Ready`, at its start
    /// gate) or fails; then, while the channel is still open, a thread keeps relaying
    /// until it closes.
    fn wait_for_init(
        &mut self,
        mut relay: Relay,
        listener: Option<&super::seccomp::Listener>,
    ) -> Result<()> {
        loop {
            match relay.next_report() {
                None => return Err(self.init_died()),
                Some(Report::Started { .. } | Report::Ready) => break,
                Some(Report::SeccompListener { fd, .. }) => {
                    let pid = self.init.map_or(0, |p| p.pid);
                    let sent = match listener {
                        Some(l) => {
                            // As runc's `create`: the init's pid, the status "creating".
                            let mut l = l.clone();
                            l.state.pid = pid;
                            l.state.status = super::oci::state::Status::Creating;
                            super::seccomp::hand_to_listener(&l, pid, fd, &self.tracer)
                        }
                        None => Err(anyhow::Error::new(crate::said!(
                            "error-oci-seccomp-no-listener"
                        ))),
                    };
                    // The init goes on either way; on a failure the caller's drop ends it.
                    let _ = relay.ack();
                    sent?;
                }
                Some(Report::Error { error }) => {
                    let _ = self.reap_init();
                    return Err(error.into_error());
                }
                Some(Report::Exited { .. } | Report::Exec { .. }) => {}
            }
        }
        // Without a reaping init the channel closed at the command's `execve`: there
        // is nothing left to relay, and a thread would only cost its start.
        if !relay.closed() {
            self.reader = Some(std::thread::spawn(move || relay.until_closed()));
        }
        Ok(())
    }

    /// The overlay's writable layer in `run/work/ID/{upper,work}` on the host, for
    /// kernels that refuse the detached tmpfs.
    fn host_layer(
        &mut self,
        lower: &Path,
        merged: &Path,
        owner: Option<u32>,
        tracer: &Tracer,
    ) -> Result<OverlayDirs> {
        let work = crate::paths::run_dir().join("work").join(&self.id);
        if !self.ledger()?.record().dirs.contains(&work) {
            self.ledger()?.update(|r| r.dirs.push(work.clone()))?;
        }
        let dirs = OverlayDirs::under(lower, &work, merged);
        for d in [&dirs.upper, &dirs.work] {
            mkdir_traced(Path::new(d), tracer)?;
        }
        if let Some(id) = owner {
            // The top of the merged tree is the upper dir: the container's root must own
            // it to create files in /.
            let upper = Path::new(&dirs.upper);
            tracer
                .op(
                    "chown",
                    || format!("{upper:?}, {id}, {id}"),
                    || Some(format!("chown {id}:{id} {}", upper.display())),
                    || {
                        nix::unistd::chown(
                            upper,
                            Some(nix::unistd::Uid::from_raw(id)),
                            Some(nix::unistd::Gid::from_raw(id)),
                        )
                    },
                )
                .with_context(|| {
                    format!("cannot hand {} to the container's root", upper.display())
                })?;
        }
        Ok(dirs)
    }

    /// Waits for the init and describes how it ended.
    fn reap_init(&mut self) -> Result<ExitInfo> {
        let Some(init) = self.init else {
            crate::bail_said!("error-no-init");
        };
        let status = loop {
            match waitpid(Pid::from_raw(init.pid), None) {
                Ok(s @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) => break s,
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => bail!(
                    "cannot wait for the container's init (pid {}): {e}",
                    init.pid
                ),
            }
        };
        self.reaped = true;
        Ok(match status {
            WaitStatus::Exited(_, c) => ExitInfo {
                code: Some(c),
                signal: None,
                oom_killed: false,
            },
            WaitStatus::Signaled(_, s, _) => ExitInfo {
                code: None,
                signal: Some(s as i32),
                oom_killed: false,
            },
            _ => ExitInfo {
                code: None,
                signal: None,
                oom_killed: false,
            },
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The host pid of the container's init (PID 1 inside a pid namespace).
    pub fn pid(&self) -> i32 {
        self.init.map_or(0, |p| p.pid)
    }

    pub fn namespaces(&self) -> Namespaces {
        self.namespaces
    }

    pub fn cgroup(&self) -> Option<&Cgroup> {
        self.cgroup.as_ref()
    }

    /// The state record's path.
    pub fn record_path(&self) -> Option<&Path> {
        self.ledger.as_ref().map(|l| l.path())
    }

    /// The caller's ends of piped streams.
    pub fn take_stdin(&mut self) -> Option<File> {
        self.stdin.take()
    }
    pub fn take_stdout(&mut self) -> Option<File> {
        self.stdout.take()
    }

    /// Waits until the command ends: its exit code or signal, and whether the OOM
    /// killer struck in the container's cgroup meanwhile.
    pub fn wait(&mut self) -> Result<ExitInfo> {
        if let Some(e) = self.exit {
            return Ok(e);
        }
        let mut info = self.reap_init()?;
        let ending = self
            .reader
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        if let Some(error) = ending.error {
            // The init failed after its start gate (a `startContainer` hook, the
            // command's `execve`): its own sentence says why, not a bare exit status.
            self.exit = Some(info);
            return Err(error.into_error());
        }
        if let Some((code, signal)) = ending.exited {
            // With `init`, the init reported the payload's own status (an init cannot
            // die of the payload's signal, so its exit code alone would lose it).
            // Without it, the init was the payload, and waitpid said it all.
            info.code = code;
            info.signal = signal;
        }
        info.oom_killed = self
            .cgroup
            .as_ref()
            .is_some_and(|cg| cg.oom_kills() > self.oom_before);
        self.exit = Some(info);
        Ok(info)
    }

    /// Sends `sig` to the container's first process: the command itself, as with runc
    /// (as PID 1 of a pid namespace it gets only the signals it has a handler for, and
    /// SIGKILL), or, with `ContainerSpec::init`, contlab's init, which forwards it.
    pub fn kill(&self, sig: Signal) -> Result<()> {
        let Some(init) = self.init.filter(|p| !self.reaped && p.is_alive()) else {
            crate::bail_said!("error-container-not-running", id = &self.id);
        };
        self.tracer
            .op(
                "kill",
                || format!("{}, {}", init.pid, sig.as_str()),
                || Some(format!("kill -{} {}", &sig.as_str()[3..], init.pid)),
                || nix::sys::signal::kill(Pid::from_raw(init.pid), sig),
            )
            .with_context(|| format!("cannot signal the container's init (pid {})", init.pid))
    }

    /// Runs `args` in the running container (its namespaces, cgroup, root and
    /// capabilities) and waits for it.
    pub fn exec(&self, args: &[&str], stdio: Stdio) -> Result<ExecOutput> {
        let config = self.exec_config(args, false)?;
        super::exec::spawn(&config, stdio, &self.tracer)
    }

    /// Like [`Container::exec`], but returns at once with the thread that waits for the
    /// command; `terminal` makes the command a session leader whose stdin is its
    /// controlling terminal (an interactive shell on a PTY replica).
    pub fn exec_background(
        &self,
        args: &[&str],
        stdio: Stdio,
        terminal: bool,
    ) -> Result<JoinHandle<Result<ExecOutput>>> {
        let mut config = self.exec_config(args, false)?;
        config.terminal = terminal;
        let tracer = self.tracer.clone();
        std::thread::Builder::new()
            .name("contlab-exec".into())
            .spawn(move || super::exec::spawn(&config, stdio, &tracer))
            .context("cannot start a thread for the command")
    }

    fn exec_config(&self, args: &[&str], breakout: bool) -> Result<super::exec::ExecConfig> {
        let Some(init) = self.init.filter(|p| !self.reaped && p.is_alive()) else {
            crate::bail_said!("error-exec-not-running", id = &self.id);
        };
        if args.is_empty() {
            crate::bail_said!("error-no-command");
        }
        let mut config = self
            .exec_template()
            .context(crate::said!("error-no-init"))?;
        config.target = init;
        config.args = args.iter().map(|s| s.to_string()).collect();
        config.breakout = breakout;
        Ok(config)
    }

    /// Runs the classic chroot escape from inside the container (see `breakout`) and
    /// says whether it reached the host's `/`.
    pub fn breakout(&self) -> Result<bool> {
        let config = self.exec_config(&["breakout"], true)?;
        let out = super::exec::spawn(&config, super::spec::Stdio::piped(), &self.tracer)?;
        let reached: super::breakout::Reached =
            serde_json::from_slice(&out.stdout).with_context(|| {
                format!(
                    "the breakout attempt failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )
            })?;
        let host = super::breakout::Reached::own_root().context("cannot stat the host's /")?;
        Ok(reached == host)
    }

    /// Lets the container outlive this process (an OCI container after `create`): its
    /// record is marked detached, so `contlab cleanup` keeps it while its init lives,
    /// and dropping the value no longer tears it down. The record stays the intent log
    /// that a later `delete` undoes.
    pub fn detach(mut self) -> Result<()> {
        self.ledger()?.update(|r| r.detached = true)?;
        registry::unregister(&self.id);
        self.ledger = None;
        self.cgroup = None;
        self.reader = None;
        Ok(())
    }

    /// What a later `exec` into this container needs, with no command yet.
    pub(crate) fn exec_template(&self) -> Option<super::exec::ExecConfig> {
        Some(super::exec::ExecConfig {
            target: self.init?,
            namespaces: self.namespaces,
            cgroup_procs: self
                .cgroup
                .as_ref()
                .map(|c| c.procs_files())
                .unwrap_or_default(),
            mapped_root: self.mapped_root,
            capabilities: self.capabilities,
            args: Vec::new(),
            env: self.env.clone(),
            cwd: PathBuf::from("/"),
            breakout: false,
            terminal: false,
            user: None,
            rlimits: Vec::new(),
            no_new_privs: true,
            seccomp: Vec::new(),
            detach: false,
            preserve_fds: 0,
            console: false,
        })
    }

    /// Kills every process, removes the cgroup, mounts, work directories and network
    /// namespaces, then the state record. Idempotent; also run on drop.
    pub fn teardown(&mut self) -> Vec<Removed> {
        let mut out = Vec::new();
        let Some(ledger) = self.ledger.take() else {
            return out;
        };
        if let Some(init) = self.init
            && !self.reaped
        {
            if init.is_alive() {
                let _ = nix::sys::signal::kill(Pid::from_raw(init.pid), Signal::SIGKILL);
            }
            let _ = waitpid(Pid::from_raw(init.pid), None);
            self.reaped = true;
            out.push(Removed {
                kind: "process",
                what: format!("pid {}", init.pid),
                error: None,
            });
        }
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
        if let Some(cg) = self.cgroup.take() {
            out.extend(cg.destroy(&self.tracer));
        }
        let start = std::time::Instant::now();
        let rest = teardown::undo(ledger.record());
        teardown::trace_removed(&self.tracer, &rest, start);
        out.extend(rest);
        let failed = out.iter().any(|r| r.error.is_some());
        let path = ledger.path().display().to_string();
        if failed {
            // Keep the record: it names what is still there, for `contlab cleanup`.
            tracing::warn!(id = %self.id, "teardown left things behind; the record stays for cleanup");
        } else {
            match ledger.finish() {
                Ok(()) => out.push(Removed {
                    kind: "record",
                    what: path,
                    error: None,
                }),
                Err(e) => out.push(Removed {
                    kind: "record",
                    what: path,
                    error: Some(format!("{e:#}")),
                }),
            }
        }
        registry::unregister(&self.id);
        out
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        self.teardown();
    }
}
