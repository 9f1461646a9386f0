//! The OCI track's `runtime` action: a bundle in a lesson's own work directory, the
//! lifecycle run through `runtime::oci` (traced), and the same commands given to real
//! runc when it is installed.

use super::checks::{World, result};
use super::event::CheckResult;
use super::format::{Check, NsEntry, OciStatus, RuntimeOp, RuntimeStep, With};
use crate::i18n::Lang;
use crate::runtime::oci::{self, CreateOptions, Runtime};
use crate::runtime::trace::Tracer;
use crate::runtime::{Io, Stdio};
use crate::tr;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one runtime command printed, and its exit status (1 for a refusal).
#[derive(Debug, Default)]
pub struct Done {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Done {
    fn ok(stdout: impl Into<String>) -> Done {
        Done {
            stdout: stdout.into(),
            ..Default::default()
        }
    }
    /// A refusal as the CLI prints it under an English locale: the step shows it beside
    /// runc's (English) words and its checks match them, so it is not translated.
    fn refused(e: anyhow::Error) -> Done {
        Done {
            stderr: format!("contlab: {e:#}\n"),
            code: 1,
            ..Default::default()
        }
    }
}

/// A lesson's bundle and the state roots of both runtimes.
pub struct Work {
    dir: tempfile::TempDir,
    rt: Runtime,
    contlab_ids: BTreeSet<String>,
    /// How much of [`RUNTIME_TRACE`] has reached the trace panel.
    trace_read: std::sync::atomic::AtomicU64,
}

/// The file in a work directory where `contlab runtime`, run from the host shell or by
/// podman's conmon (`contlab-runc`), appends its trace events (`CONTLAB_TRACE_FILE`), so
/// that the trace panel shows what another program made the runtime do.
pub const RUNTIME_TRACE: &str = "runtime-trace.jsonl";

const RUNC_ABSENT: &str = "runc is not installed here: skipped (install it to compare)\n";

impl Work {
    pub fn new() -> Result<Work> {
        let dir = tempfile::Builder::new()
            .prefix("contlab-oci-")
            .tempdir()
            .context("cannot make the lesson's bundle directory")?;
        std::fs::create_dir(dir.path().join("bundle"))?;
        let rt = Runtime::new(Some(dir.path().join("root")));
        crate::shutdown::register(
            crate::shutdown::Phase::Containers,
            "oci-work",
            delete_all_live,
        );
        live().push(dir.path().to_path_buf());
        Ok(Work {
            dir,
            rt,
            contlab_ids: BTreeSet::new(),
            trace_read: Default::default(),
        })
    }

    /// Hands the trace events that host-side runtime commands appended since the last
    /// call to `tracer`: whole lines only, a line still being written waits.
    pub fn drain_trace(&self, tracer: &Tracer) {
        use std::io::{Read, Seek};
        use std::sync::atomic::Ordering;
        let Ok(mut f) = std::fs::File::open(self.dir.path().join(RUNTIME_TRACE)) else {
            return;
        };
        let from = self.trace_read.load(Ordering::Relaxed);
        let mut text = Vec::new();
        if f.seek(std::io::SeekFrom::Start(from)).is_err() || f.read_to_end(&mut text).is_err() {
            return;
        }
        let Some(end) = text.iter().rposition(|b| *b == b'\n') else {
            return;
        };
        for line in text[..end].split(|b| *b == b'\n') {
            if let Ok(ev) = serde_json::from_slice::<crate::runtime::trace::TraceEvent>(line) {
                tracer.emit(ev);
            }
        }
        self.trace_read
            .store(from + end as u64 + 1, Ordering::Relaxed);
    }

    /// The lesson's work directory, which holds `bundle/`.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The state roots a host shell's `contlab runtime` and `runc` use: the lesson's
    /// own, so that the checks see the student's containers and teardown removes them.
    pub fn host_tools(&self) -> super::shell::HostTools {
        super::shell::HostTools {
            runtime_root: self.dir.path().join("root"),
            runc_root: self.runc_root(),
            node_netns: None,
        }
    }

    pub fn bundle(&self) -> PathBuf {
        self.dir.path().join("bundle")
    }

    fn runc_root(&self) -> PathBuf {
        self.dir.path().join("runc-root")
    }

    /// The host pid of contlab's container `id`, while it is not stopped.
    pub fn pid(&self, id: &str) -> Option<i32> {
        self.rt.state(id).ok().filter(|s| s.pid > 0).map(|s| s.pid)
    }

    /// The status `runtime state ID` reports for contlab's container `id` under the
    /// lesson's root (the student's, made in the host shell, too); `None` when there is
    /// no such container.
    pub fn status(&self, id: &str) -> Option<String> {
        self.rt
            .list()
            .into_iter()
            .find(|s| s.id == id)
            .map(|s| s.status.to_string())
    }

    /// The bundle's `config.json` as it is now (after the student's edits).
    pub fn config(&self) -> Result<Value> {
        read_config(&self.bundle())
    }

    /// Runs `cmd` with stdin empty and stdout and stderr in files of the work directory
    /// (`NAME.out`, `NAME.err`): a container it creates inherits them, and a pipe would
    /// hold this call until the container ends.
    fn run_to_files(&self, mut cmd: Command, name: &str) -> Result<Done> {
        let o = self.dir.path().join(format!("{name}.out"));
        let e = self.dir.path().join(format!("{name}.err"));
        let status = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&o)?)
            .stderr(std::fs::File::create(&e)?)
            .status()?;
        Ok(Done {
            stdout: std::fs::read_to_string(&o).unwrap_or_default(),
            stderr: std::fs::read_to_string(&e).unwrap_or_default(),
            code: status.code().unwrap_or(1),
        })
    }

    /// Replaces each `{pid:ID}` in a `set` value with the host pid of contlab's
    /// container ID, so a lesson can name its namespaces (`/proc/{pid:pause}/ns/net`).
    fn fill_pids(&self, text: &str) -> Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("{pid:") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 5..];
            let end = after
                .find('}')
                .with_context(|| format!("`{{pid:` without a closing brace in {text:?}"))?;
            let id = &after[..end];
            let pid = self.pid(id).with_context(|| {
                format!("{{pid:{id}}}: the container {id:?} is not running, so it has no pid")
            })?;
            out.push_str(&pid.to_string());
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    pub fn perform(&mut self, step: &RuntimeStep, tracer: &Tracer) -> Result<Done> {
        let bundle = self.bundle();
        match step.op {
            RuntimeOp::Rootfs => {
                let out = bundle.join("rootfs");
                if !out.exists() {
                    let opts = crate::rootfs::BuildOptions {
                        from: None,
                        out: Some(out.clone()),
                    };
                    crate::rootfs::build(&opts, &mut |_| {})?;
                }
                let mut names: Vec<String> = std::fs::read_dir(&out)?
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                return Ok(Done::ok(format!(
                    "$ contlab rootfs build --out bundle/rootfs\nbundle/rootfs: {}\n",
                    names.join(" ")
                )));
            }
            RuntimeOp::Spec => {
                return Ok(match oci::write_spec(&bundle, false) {
                    Ok(p) => Done::ok(std::fs::read_to_string(p)?),
                    Err(e) => Done::refused(e),
                });
            }
            RuntimeOp::Show => {
                let v = read_config(&bundle)?;
                let shown = match &step.field {
                    Some(f) => field(&v, f).cloned().unwrap_or(Value::Null),
                    None => v,
                };
                let name = step.field.as_deref().unwrap_or("config.json");
                return Ok(Done::ok(format!(
                    "{name}: {}\n",
                    serde_json::to_string_pretty(&shown)?
                )));
            }
            RuntimeOp::Set => {
                let f = step.field.as_deref().context("`set` needs a field")?;
                let text = step.value.as_deref().context("`set` needs a value")?;
                let text = &self.fill_pids(text)?;
                let value: Value = serde_json::from_str(text)
                    .with_context(|| format!("the value {text:?} is not JSON"))?;
                let mut v = read_config(&bundle)?;
                set_field(&mut v, f, value.clone())?;
                let mut out = serde_json::to_vec_pretty(&v)?;
                out.push(b'\n');
                std::fs::write(bundle.join("config.json"), out)?;
                return Ok(Done::ok(format!("{f} = {value}\n")));
            }
            _ => {}
        }
        let has_runc = which::which("runc").is_ok();
        match step.with {
            With::Contlab => Ok(self.contlab(step, tracer)),
            With::Runc if !has_runc => Ok(Done::ok(RUNC_ABSENT)),
            With::Runc => self.runc(step),
            With::Both => {
                let a = self.contlab(step, tracer);
                let b = if has_runc {
                    self.runc(step)?
                } else {
                    Done::ok(RUNC_ABSENT)
                };
                Ok(side_by_side(a, b))
            }
        }
    }

    fn contlab(&mut self, step: &RuntimeStep, tracer: &Tracer) -> Done {
        let id = step.id.as_str();
        let res: Result<String> = (|| {
            Ok(match step.op {
                RuntimeOp::Create => {
                    self.contlab_ids.insert(id.to_string());
                    let opts = CreateOptions {
                        pid_file: None,
                        console_socket: None,
                        detach: true,
                        preserve_fds: 0,
                        no_pivot: false,
                    };
                    self.rt
                        .create(id, &self.bundle(), opts, Stdio::null(), tracer)?;
                    String::new()
                }
                RuntimeOp::Start => {
                    self.rt.start(id, tracer)?;
                    String::new()
                }
                RuntimeOp::State => serde_json::to_string_pretty(&self.rt.state(id)?)? + "\n",
                RuntimeOp::List => {
                    let mut out = String::new();
                    for s in self.rt.list() {
                        out.push_str(&format!("{}\t{}\t{}\n", s.id, s.pid, s.status));
                    }
                    out
                }
                RuntimeOp::Kill => {
                    let sig = oci::parse_signal(step.signal.as_deref().unwrap_or("TERM"))?;
                    self.rt.kill(id, sig, tracer)?;
                    if step.wait {
                        wait_until(|| {
                            // The others first: a zombie of one that shared this one's
                            // pid namespace keeps its init from ending.
                            for other in &self.contlab_ids {
                                self.rt.reap(other);
                            }
                            self.rt
                                .state(id)
                                .is_ok_and(|s| s.status == oci::state::Status::Stopped)
                        })?;
                    }
                    String::new()
                }
                RuntimeOp::Delete => {
                    self.rt.delete(id, step.force)?;
                    String::new()
                }
                RuntimeOp::Exec => {
                    let cmd = step.cmd.clone().unwrap_or_default();
                    let out = self.rt.exec(
                        id,
                        &cmd,
                        Stdio {
                            stdin: Io::Null,
                            stdout: Io::Piped,
                            stderr: Io::Piped,
                        },
                        tracer,
                    )?;
                    let mut text = out.stdout_str();
                    text.push_str(&String::from_utf8_lossy(&out.stderr));
                    if !out.exit.success() {
                        crate::bail_said!(
                            "error-command-failed",
                            command = cmd.join(" "),
                            status = out.exit,
                            output = text.trim()
                        );
                    }
                    text
                }
                _ => String::new(),
            })
        })();
        match res {
            Ok(s) => Done::ok(s),
            Err(e) => Done::refused(e),
        }
    }

    fn runc(&mut self, step: &RuntimeStep) -> Result<Done> {
        let id = step.id.as_str();
        let mut args: Vec<String> = Vec::new();
        match step.op {
            RuntimeOp::Create => {
                args.extend(["create".into(), "--bundle".into()]);
                args.push(self.bundle().display().to_string());
                args.push(id.into());
            }
            RuntimeOp::Kill => {
                args.extend(["kill".into(), id.into()]);
                args.push(step.signal.clone().unwrap_or_else(|| "TERM".into()));
            }
            RuntimeOp::Delete if step.force => {
                args.extend(["delete".into(), "--force".into(), id.into()])
            }
            RuntimeOp::Exec => {
                args.extend(["exec".into(), id.into()]);
                args.extend(step.cmd.clone().unwrap_or_default());
            }
            RuntimeOp::List => args.push("list".into()),
            op => {
                let name = format!("{op:?}").to_lowercase();
                args.extend([name, id.into()]);
            }
        }
        let done = self.runc_cmd(&args)?;
        if step.op == RuntimeOp::Kill && step.wait && done.code == 0 {
            wait_until(|| {
                self.runc_cmd(&["state".to_string(), id.to_string()])
                    .is_ok_and(|d| d.stdout.contains("\"stopped\""))
            })?;
        }
        Ok(done)
    }

    /// runc with its stdout and stderr in files: a created container inherits them,
    /// and a pipe would hold this call until the container ends.
    fn runc_cmd(&self, args: &[String]) -> Result<Done> {
        let mut cmd = Command::new("runc");
        cmd.arg("--root")
            .arg(self.runc_root())
            .args(args)
            .current_dir(self.bundle());
        self.run_to_files(cmd, "runc").context("cannot run runc")
    }

    /// Deletes every container the lesson made, contlab's and runc's, and those the
    /// student made in the host shell (every one under the lesson's roots); says what
    /// failed.
    pub fn teardown(self) -> Vec<String> {
        let dir = self.dir.path().to_path_buf();
        live().retain(|d| *d != dir);
        delete_under(&dir)
    }
}

/// The work directories of this process's OCI lessons, for the `shutdown` hook.
static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The `shutdown` hook (a signal, a panic, exit): the containers a student made in the
/// host shell were made by another process, so the runtime's registry of this one does
/// not know them; every live work directory's roots are emptied, and the directory goes.
fn delete_all_live() {
    for dir in std::mem::take(&mut *live()) {
        delete_under(&dir);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// What the lesson's podman says of one container, and what contlab's runtime root says
/// of the same container (by podman's id), when podman ran it with contlab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodmanSeen {
    pub status: String,
    pub runtime: String,
    pub contlab: Option<String>,
}

/// The lesson's podman keeps everything under `dir/podman`: storage, run state, its
/// `containers.conf` (which names contlab as the runtime `contlab`) and network files.
fn podman_dir(dir: &Path) -> PathBuf {
    dir.join("podman")
}

/// podman's global options for the lesson's private storage, as arguments.
pub fn podman_globals(dir: &Path) -> Vec<String> {
    let p = podman_dir(dir);
    let at = |s: &str| p.join(s).display().to_string();
    vec![
        "--root".into(),
        at("root"),
        "--runroot".into(),
        at("runroot"),
        "--tmpdir".into(),
        at("tmp"),
        "--cgroup-manager".into(),
        "cgroupfs".into(),
        "--events-backend".into(),
        "file".into(),
    ]
}

/// The cgroup parent of the lesson's podman containers, named after the work directory
/// (`contlab-oci-…`): one of the lesson's own, so teardown removes exactly it (podman's
/// default `libpod_parent` is shared with every other podman on the machine).
pub fn podman_cgroup_parent(dir: &Path) -> String {
    let base = dir.file_name().unwrap_or_default().to_string_lossy();
    format!("{base}-podman")
}

/// Makes the lesson's podman directory and its `containers.conf`, where `contlab-runc`
/// (a runc-compatible command running contlab's runtime on the lesson's root) is the
/// runtime named `contlab`. Returns the file, for `CONTAINERS_CONF`.
pub fn podman_setup(dir: &Path, contlab_runc: &Path) -> Result<PathBuf> {
    let p = podman_dir(dir);
    for sub in ["root", "runroot", "tmp", "networks"] {
        std::fs::create_dir_all(p.join(sub))?;
    }
    let conf = p.join("containers.conf");
    std::fs::write(
        &conf,
        format!(
            "[engine.runtimes]\ncontlab = [\"{}\"]\n\n[network]\nnetwork_config_dir = \"{}\"\n",
            contlab_runc.display(),
            p.join("networks").display()
        ),
    )?;
    Ok(conf)
}

fn podman_command(dir: &Path) -> Option<Command> {
    let podman = which::which("podman").ok()?;
    let mut cmd = Command::new(podman);
    cmd.args(podman_globals(dir))
        .env("CONTAINERS_CONF", podman_dir(dir).join("containers.conf"))
        .stdin(std::process::Stdio::null());
    Some(cmd)
}

/// Removes the lesson's podman containers, the mounts of its storage and the cgroup
/// parent; the directory itself goes with the work directory.
fn delete_podman(dir: &Path) {
    if !podman_dir(dir).exists() {
        return;
    }
    if let Some(mut cmd) = podman_command(dir) {
        let _ = cmd
            .args(["rm", "--all", "--force", "--time", "0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
    remove_podman_leftovers(&podman_dir(dir), &podman_cgroup_parent(dir));
}

/// What podman leaves once its containers are removed: the mounts of its storage under
/// `under` (deepest first), and the cgroup parent `parent` with the containers' cgroups
/// and conmon's (`<parent>/conmon`, made by podman's cgroupfs manager), which may take a
/// moment to empty while conmon exits.
pub fn remove_podman_leftovers(under: &Path, parent: &str) {
    let under = under.display().to_string();
    // conmon outlives its container for a moment and then runs its exit command
    // (`podman container cleanup`), which mounts the storage again: wait until no process
    // names this storage on its command line.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline && storage_in_use(&under) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mi = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut mounts: Vec<&str> = mi
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| m.starts_with(under.as_str()))
        .collect();
    mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
    for m in mounts {
        let _ = nix::mount::umount2(m, nix::mount::MntFlags::MNT_DETACH);
    }
    let Ok(layout) = crate::inspect::cgroups::CgroupLayout::detect() else {
        return;
    };
    let parents: Vec<PathBuf> = layout
        .mount_points()
        .iter()
        .map(|m| m.join(parent.trim_start_matches('/')))
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while parents.iter().any(|p| p.exists()) && std::time::Instant::now() < deadline {
        for parent in &parents {
            for e in std::fs::read_dir(parent).into_iter().flatten().flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    let _ = std::fs::remove_dir(e.path());
                }
            }
            let _ = std::fs::remove_dir(parent);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether a process other than this one has `path` on its command line.
fn storage_in_use(path: &str) -> bool {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| e.file_name().to_string_lossy() != me.as_str())
        .any(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(path))
        })
}

impl Work {
    /// podman's view of container `name` (status and runtime) and, for contlab, the
    /// lesson's runtime root's view of the same container; `None` when podman has none.
    pub fn podman(&self, name: &str) -> Result<Option<PodmanSeen>> {
        let Some(mut cmd) = podman_command(self.dir()) else {
            return Ok(None);
        };
        let out = cmd
            .args([
                "inspect",
                "--type",
                "container",
                "--format",
                "{{.Id}} {{.State.Status}} {{.OCIRuntime}}",
                name,
            ])
            .output()
            .context("cannot run podman inspect")?;
        if !out.status.success() {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut f = text.split_whitespace();
        let (Some(id), Some(status), Some(runtime)) = (f.next(), f.next(), f.next()) else {
            return Ok(None);
        };
        let contlab = (runtime == "contlab").then(|| self.status(id)).flatten();
        Ok(Some(PodmanSeen {
            status: status.to_string(),
            runtime: runtime.to_string(),
            contlab,
        }))
    }
}

/// Deletes by force every container under a work directory's roots: podman's (its
/// private storage), contlab's (`root/`) and runc's (`runc-root/`); says what failed.
fn delete_under(dir: &Path) -> Vec<String> {
    delete_podman(dir);
    let mut out = Vec::new();
    let rt = Runtime::new(Some(dir.join("root")));
    for s in rt.list() {
        if let Err(e) = rt.delete(&s.id, true) {
            out.push(format!("could not delete container {}: {e:#}\n", s.id));
        }
    }
    let Ok(runc) = which::which("runc") else {
        return out;
    };
    let root = dir.join("runc-root");
    let listed = Command::new(&runc)
        .arg("--root")
        .arg(&root)
        .args(["list", "-q"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    for id in listed
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let _ = Command::new(&runc)
            .arg("--root")
            .arg(&root)
            .args(["delete", "--force", id])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
    out
}

/// Evaluates the OCI track's checks: a container's status as the runtime's state
/// reports it, and the bundle's `config.json`, both read as data.
pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    Ok(match check {
        Check::Podman {
            name,
            runtime,
            status,
        } => {
            let n = name.as_str();
            let (pass, sentence) = match w.podman(name)? {
                None => (false, tr!(lang, "check-podman-absent", name = n)),
                Some(s) => {
                    // While it runs, contlab's own state must hold it too; once it has
                    // ended podman has deleted it from the runtime, as from runc.
                    let by_contlab = runtime != "contlab"
                        || status != "running"
                        || s.contlab.as_deref() == Some("running");
                    if s.status == *status && s.runtime == *runtime && by_contlab {
                        let ok = tr!(
                            lang,
                            "check-podman-ok",
                            name = n,
                            status = s.status.as_str(),
                            runtime = s.runtime.as_str()
                        );
                        (true, ok)
                    } else {
                        let contlab = s.contlab.unwrap_or_else(|| tr!(lang, "oci-state-absent"));
                        let want = tr!(
                            lang,
                            "check-podman-want",
                            name = n,
                            status = s.status.as_str(),
                            runtime = s.runtime.as_str(),
                            contlab = contlab,
                            want_status = status.as_str(),
                            want_runtime = runtime.as_str()
                        );
                        (false, want)
                    }
                }
            };
            result(check, pass, sentence)
        }
        Check::OciState { id, status } => {
            let seen = w.oci_status(id)?;
            let pass = match (&seen, status) {
                (None, OciStatus::Absent) => true,
                (Some(s), want) => s == want.as_str(),
                (None, _) => false,
            };
            let seen = match seen {
                Some(s) => s,
                None => tr!(lang, "oci-state-absent"),
            };
            let want = match status {
                OciStatus::Absent => tr!(lang, "oci-state-absent"),
                s => s.as_str().to_string(),
            };
            let id = id.as_str();
            let sentence = if pass {
                tr!(lang, "check-oci-state-ok", id = id, seen = seen)
            } else {
                tr!(
                    lang,
                    "check-oci-state-want",
                    id = id,
                    seen = seen,
                    want = want
                )
            };
            result(check, pass, sentence)
        }
        Check::OciConfig {
            pointer,
            equals,
            absent,
        } => {
            let config = w.oci_config()?;
            let seen = config.pointer(pointer);
            let at = pointer.as_str();
            let shown = |v: &Value| serde_json::to_string(v).unwrap_or_default();
            match (seen, equals, absent) {
                (None, _, true) => result(check, true, tr!(lang, "check-oci-config-gone", at = at)),
                (Some(v), _, true) => result(
                    check,
                    false,
                    tr!(lang, "check-oci-config-want-gone", at = at, seen = shown(v)),
                ),
                (Some(v), Some(want), false) if v == want => result(
                    check,
                    true,
                    tr!(lang, "check-oci-config-ok", at = at, seen = shown(v)),
                ),
                (Some(v), None, false) => result(
                    check,
                    true,
                    tr!(lang, "check-oci-config-ok", at = at, seen = shown(v)),
                ),
                (Some(v), Some(want), false) => result(
                    check,
                    false,
                    tr!(
                        lang,
                        "check-oci-config-want",
                        at = at,
                        seen = shown(v),
                        want = shown(want)
                    ),
                ),
                (None, want, false) => {
                    let want = want.as_ref().map(shown).unwrap_or_else(|| "…".into());
                    result(
                        check,
                        false,
                        tr!(lang, "check-oci-config-missing", at = at, want = want),
                    )
                }
            }
        }
        Check::OciNamespace { ns, entry } => {
            let config = w.oci_config()?;
            let listed = element(&config, "/linux/namespaces", "type", ns);
            let (seen, path) = match listed.map(|n| n.get("path").and_then(Value::as_str)) {
                None => (NsEntry::Absent, None),
                Some(None) => (NsEntry::New, None),
                Some(Some(p)) => (NsEntry::Path, Some(p.to_string())),
            };
            let say = |e: NsEntry, path: Option<&str>| match (e, path) {
                (NsEntry::Absent, _) => tr!(lang, "oci-ns-absent"),
                (NsEntry::New, _) => tr!(lang, "oci-ns-new"),
                (NsEntry::Path, Some(p)) => tr!(lang, "oci-ns-path", path = p),
                (NsEntry::Path, None) => tr!(lang, "oci-ns-joined"),
            };
            let pass = seen == *entry;
            let sentence = if pass {
                tr!(
                    lang,
                    "check-oci-ns-ok",
                    ns = ns.as_str(),
                    seen = say(seen, path.as_deref())
                )
            } else {
                tr!(
                    lang,
                    "check-oci-ns-want",
                    ns = ns.as_str(),
                    seen = say(seen, path.as_deref()),
                    want = say(*entry, None)
                )
            };
            result(check, pass, sentence)
        }
        Check::OciMount {
            destination,
            listed,
        } => {
            let config = w.oci_config()?;
            let entry = element(&config, "/mounts", "destination", destination);
            let at = destination.as_str();
            let sentence = match entry {
                Some(m) => {
                    let kind = m.get("type").and_then(Value::as_str).unwrap_or("bind");
                    let source = m.get("source").and_then(Value::as_str).unwrap_or("");
                    tr!(
                        lang,
                        "check-oci-mount-listed",
                        at = at,
                        kind = kind,
                        source = source
                    )
                }
                None => tr!(lang, "check-oci-mount-unlisted", at = at),
            };
            let pass = entry.is_some() == *listed;
            let sentence = match (pass, listed) {
                (true, _) => sentence,
                (false, true) => tr!(lang, "check-oci-mount-want-listed", seen = sentence),
                (false, false) => tr!(lang, "check-oci-mount-want-unlisted", seen = sentence),
            };
            result(check, pass, sentence)
        }
        other => bail!("`{}` is not a check of the OCI track", other.kind()),
    })
}

/// The element of the array at `pointer` whose string `key` is `value` (a namespace by
/// its `type`, a mount by its `destination`).
fn element<'a>(v: &'a Value, pointer: &str, key: &str, value: &str) -> Option<&'a Value> {
    v.pointer(pointer)?
        .as_array()?
        .iter()
        .find(|e| e.get(key).and_then(Value::as_str) == Some(value))
}

/// Polls until `done` (a container stopping after SIGKILL), for at most ten seconds.
fn wait_until(mut done: impl FnMut() -> bool) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done() {
        if std::time::Instant::now() > deadline {
            crate::bail_said!("error-container-did-not-stop");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(())
}

/// Two outputs in two columns, contlab's on the left.
fn side_by_side(a: Done, b: Done) -> Done {
    let left: Vec<String> = format!("contlab runtime\n{}{}", a.stdout, a.stderr)
        .lines()
        .map(str::to_string)
        .collect();
    let right: Vec<String> = format!("runc\n{}{}", b.stdout, b.stderr)
        .lines()
        .map(str::to_string)
        .collect();
    let w = left.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 3;
    let mut out = String::new();
    for i in 0..left.len().max(right.len()) {
        let l = left.get(i).map(String::as_str).unwrap_or("");
        let r = right.get(i).map(String::as_str).unwrap_or("");
        let pad = w - l.chars().count();
        out.push_str(&format!("{l}{}│ {r}\n", " ".repeat(pad)));
    }
    Done {
        stdout: out,
        stderr: String::new(),
        code: a.code.max(b.code),
    }
}

fn read_config(bundle: &Path) -> Result<Value> {
    let p = bundle.join("config.json");
    let text = std::fs::read_to_string(&p)
        .with_context(|| format!("cannot read {}: write it with the `spec` step", p.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", p.display()))
}

fn field<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn set_field(v: &mut Value, path: &str, value: Value) -> Result<()> {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parents) = parts.split_last().context("an empty field name")?;
    let mut cur = v;
    for k in parents {
        if !cur.get(*k).is_some_and(Value::is_object) {
            cur[*k] = Value::Object(Default::default());
        }
        cur = &mut cur[*k];
    }
    let obj = cur
        .as_object_mut()
        .with_context(|| format!("{path}: its parent is not an object"))?;
    if value.is_null() {
        obj.remove(*last);
    } else {
        obj.insert(last.to_string(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(op: &str) -> String {
        let ev = crate::runtime::trace::TraceEvent {
            pid: 7,
            op: op.into(),
            args: String::new(),
            ok: true,
            result: String::new(),
            duration_us: 1,
            shell: None,
        };
        serde_json::to_string(&ev).unwrap()
    }

    /// Host-side runtime calls reach the trace panel once each, whole lines only: a line
    /// still being written waits for the next drain.
    #[test]
    fn drain_trace_hands_on_each_whole_line_once() {
        use std::io::Write;
        let w = Work::new().unwrap();
        let (t, rx) = Tracer::channel();
        w.drain_trace(&t);
        assert!(rx.try_recv().is_err(), "no file, no events");
        let path = w.dir().join(RUNTIME_TRACE);
        let mut f = std::fs::File::create(&path).unwrap();
        let third = event("pivot_root");
        let (head, tail) = third.split_at(10);
        write!(f, "{}\n{}\n{head}", event("clone"), event("mount")).unwrap();
        w.drain_trace(&t);
        let ops: Vec<String> = rx.try_iter().map(|e| e.op).collect();
        assert_eq!(ops, ["clone", "mount"]);
        writeln!(f, "{tail}").unwrap();
        w.drain_trace(&t);
        w.drain_trace(&t);
        let ops: Vec<String> = rx.try_iter().map(|e| e.op).collect();
        assert_eq!(ops, ["pivot_root"]);
    }
}
