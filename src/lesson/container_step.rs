//! The container track's side of the lesson engine: the containers a lesson starts
//! through the runtime (`start`, `exec`, `cgroup-write`, `breakout`, `wait`, `stop` …),
//! the checks on what they show (namespaces, processes, hostname, uid, mounts, cgroup
//! files, OOM kills, files, breakout), and the live observations behind those checks.
//! The engine owns one [`Containers`] and turns what its actions return into events.

use super::checks::{Ended, World, result};
use super::event::CheckResult;
use super::format::{Action, Check, Relation, StartSpec};
use crate::i18n::Lang;
use crate::inspect;
use crate::runtime::cgroup::{self, Limits};
use crate::runtime::trace::Tracer;
use crate::runtime::{
    Capabilities, Container, ContainerSpec, IdMap, Namespace, Namespaces, Network, Peer,
    RootfsMode, Stdio, Veth,
};
use crate::tr;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

/// What a container action produced, for the engine to show and remember.
pub enum Done {
    /// Nothing to show.
    Quiet,
    /// A command ran: what it printed and how it ended (for `output` and `exit`).
    Ran {
        stdout: Vec<u8>,
        stderr: Vec<u8>,
        ended: Ended,
    },
    /// A value read: shown on stdout, and what `output` checks see.
    Read(String),
    /// A breakout was tried: whether it reached the host's root (said on stdout, in the
    /// lesson's language, by the engine).
    Escaped(bool),
    /// A container's main process ended (`wait`).
    Ended(Ended),
}

/// The lesson's containers by name, and what the last breakout reached.
#[derive(Default)]
pub struct Containers {
    containers: BTreeMap<String, Container>,
    /// The write ends of the default shells' stdin, which keep them waiting.
    keep_open: Vec<std::fs::File>,
    last_escape: Option<bool>,
    /// The lab cgroup of a `cgroup-lab` action, under which the student makes cgroups.
    lab: Option<LabCgroup>,
}

/// The lesson's lab cgroup `<parent>/lab-…`: a cgroup with no process of its own (so
/// that on v2 it may pass the memory controller down), recorded in its own state
/// record, so that `contlab cleanup` finds it if contlab dies.
pub struct LabCgroup {
    cgroup: cgroup::Cgroup,
    ledger: Option<crate::runtime::ledger::Ledger>,
    /// Its path below each hierarchy's mount point: `$CGROUP_LAB` in the host shell.
    relative: String,
}

impl LabCgroup {
    fn make(tracer: &Tracer) -> Result<LabCgroup> {
        let parent = crate::paths::cgroup_parent();
        let id = format!("lab-{}", crate::runtime::ledger::new_id());
        let mut ledger = crate::runtime::ledger::Ledger::create(&id)?;
        let cg = match cgroup::Cgroup::create(&parent, &id, &Limits::default(), tracer, &mut ledger)
        {
            Ok(cg) => cg,
            Err(e) => {
                let _ = ledger.finish();
                return Err(e);
            }
        };
        let lab = LabCgroup {
            cgroup: cg,
            ledger: Some(ledger),
            relative: format!("{parent}/{id}"),
        };
        if lab.cgroup.version() == cgroup::CgroupVersion::V2 {
            // v2's rule of no internal processes: only a cgroup without processes of
            // its own may enable controllers for its children.
            lab.cgroup
                .write("cgroup.subtree_control", "+memory +pids", tracer)?;
        }
        Ok(lab)
    }

    /// The directory of the hand-made cgroup `name` in the memory controller's hierarchy.
    fn memory_dir(&self, name: &str) -> Result<std::path::PathBuf> {
        let dir = self
            .cgroup
            .dirs()
            .dir("memory")
            .context("the lab cgroup has no memory controller")?;
        Ok(dir.join(name))
    }

    fn teardown(mut self, tracer: &Tracer) -> Vec<String> {
        let failed: Vec<String> = self
            .cgroup
            .destroy(tracer)
            .into_iter()
            .filter_map(|r| {
                r.error
                    .map(|e| format!("could not remove {} {}: {e}\n", r.kind, r.what))
            })
            .collect();
        if failed.is_empty()
            && let Some(l) = self.ledger.take()
        {
            let _ = l.finish();
        }
        failed
    }
}

/// A link of a container's network namespace, as netlink reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkSeen {
    pub up: bool,
    /// `10.201.0.1/24`, each.
    pub addresses: Vec<String>,
}

/// A process as the kernel records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSeen {
    /// Its `NSpid` line as the container's `/proc` shows it.
    pub nspid: Vec<i32>,
    /// Its parent's pid, as the container's `/proc` shows it.
    pub ppid: i32,
    /// The `/proc` it sees is another procfs than the one the container sees.
    pub own_proc: bool,
    pub own_pid_ns: bool,
    pub own_user_ns: bool,
    pub uid_inside: u32,
}

/// A cgroup made by hand in the lab cgroup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandCgroupSeen {
    pub path: String,
    pub procs: Vec<i32>,
    /// The host shell's pid, when a host shell is open.
    pub shell: Option<i32>,
    /// The memory limit file's name on this machine, and its value.
    pub limit_file: String,
    pub limit: Option<String>,
    pub oom_kills: u64,
}

impl Containers {
    pub fn get(&self, name: &str) -> Result<&Container> {
        self.containers
            .get(name)
            .with_context(|| crate::said!("error-lesson-no-container", name = name))
    }

    pub fn find(&self, name: &str) -> Option<&Container> {
        self.containers.get(name)
    }

    /// The container the panels show: the first by name.
    pub fn first(&self) -> Option<(&String, &Container)> {
        self.containers.iter().next()
    }

    /// Whether the last breakout reached the host's root.
    pub fn last_escape(&self) -> Option<bool> {
        self.last_escape
    }

    /// Tears every container down; returns what could not be removed, one line each.
    pub fn teardown(&mut self) -> Vec<String> {
        self.keep_open.clear();
        let mut failed = Vec::new();
        if let Some(lab) = self.lab.take() {
            failed.extend(lab.teardown(&Tracer::null()));
        }
        for (_, mut c) in std::mem::take(&mut self.containers) {
            for r in c.teardown() {
                if let Some(e) = r.error {
                    failed.push(format!("could not remove {} {}: {e}\n", r.kind, r.what));
                }
            }
        }
        failed
    }

    /// Carries out one container action.
    pub fn perform(&mut self, action: &Action, tracer: &Tracer) -> Result<Done> {
        Ok(match action {
            Action::Start(spec) => {
                self.start(spec, tracer)?;
                Done::Quiet
            }
            Action::Exec { container, cmd } => {
                let c = self.get(container)?;
                let out = c.exec(&["/bin/sh", "-c", cmd], Stdio::piped())?;
                Done::Ran {
                    stdout: out.stdout,
                    stderr: out.stderr,
                    ended: Ended::of(out.exit.code, out.exit.signal),
                }
            }
            Action::HostExec { cmd } => {
                let out = std::process::Command::new("/bin/sh")
                    .args(["-c", cmd])
                    .stdin(std::process::Stdio::null())
                    .output()
                    .with_context(|| format!("cannot run {cmd:?} on the host"))?;
                use std::os::unix::process::ExitStatusExt;
                Done::Ran {
                    stdout: out.stdout,
                    stderr: out.stderr,
                    ended: Ended::of(out.status.code(), out.status.signal()),
                }
            }
            Action::CgroupWrite {
                container,
                file,
                value,
            } => {
                let c = self.get(container)?;
                let cg = c
                    .cgroup()
                    .with_context(|| crate::said!("error-container-no-cgroup-hint"))?;
                cg.write(file, value, tracer)?;
                Done::Quiet
            }
            Action::CgroupLab => {
                if self.lab.is_none() {
                    self.lab = Some(LabCgroup::make(tracer)?);
                }
                let lab = self.lab.as_ref().context("no lab cgroup")?;
                let dirs: String = lab
                    .cgroup
                    .paths()
                    .iter()
                    .map(|p| format!("{}\n", p.display()))
                    .collect();
                Done::Read(format!("CGROUP_LAB={}\n{dirs}", lab.relative))
            }
            Action::CgroupRead { container, file } => {
                let c = self.get(container)?;
                let cg = c
                    .cgroup()
                    .with_context(|| crate::said!("error-container-no-cgroup-hint"))?;
                let r = inspect::cgroup_names::read(cg.dirs(), file)?;
                Done::Read(format!("{}: {}\n", r.file, r.value))
            }
            Action::Breakout { container } => {
                let escaped = self.get(container)?.breakout()?;
                self.last_escape = Some(escaped);
                Done::Escaped(escaped)
            }
            Action::Wait { container } => {
                let c = self.containers.get_mut(container).with_context(|| {
                    format!("no container named \"{container}\" in this lesson")
                })?;
                let info = c.wait()?;
                Done::Ended(Ended::of(info.code, info.signal))
            }
            Action::Stop { container } => {
                let mut c = self.containers.remove(container).with_context(|| {
                    format!("no container named \"{container}\" in this lesson")
                })?;
                let failed: Vec<String> = c
                    .teardown()
                    .into_iter()
                    .filter_map(|r| r.error.map(|e| format!("{} {}: {e}", r.kind, r.what)))
                    .collect();
                if !failed.is_empty() {
                    crate::bail_said!("error-could-not-remove", what = failed.join("; "));
                }
                Done::Quiet
            }
            other => bail!("not a container action: {other:?}"),
        })
    }

    fn start(&mut self, s: &StartSpec, tracer: &Tracer) -> Result<()> {
        if self.containers.contains_key(&s.name) {
            crate::bail_said!("error-lesson-container-running", name = &s.name);
        }
        let namespaces = Namespaces::parse(&s.namespaces)?;
        let rootfs = match &s.rootfs {
            Some(r) => RootfsMode::parse(r)?,
            None => RootfsMode::default_for(namespaces),
        };
        let limits = Limits {
            memory: s.memory.as_deref().map(cgroup::parse_memory).transpose()?,
            cpu: s.cpus.as_deref().map(cgroup::parse_cpus).transpose()?,
            pids: s.pids.as_deref().map(cgroup::parse_pids).transpose()?,
            devices: None,
            freezer: false,
            cpuset: None,
            blkio: false,
        };
        let capabilities = match s.capabilities.as_deref() {
            None | Some("oci-default") => Capabilities::OciDefault,
            Some("all") => Capabilities::All,
            Some(other) => bail!("unknown capability set {other:?}: use oci-default or all"),
        };
        let args = s.cmd.clone().unwrap_or_else(|| vec!["sh".to_string()]);
        let default_shell = s.cmd.is_none();
        let network = match &s.veth {
            None if s.loopback == Some(false) => Network::Empty,
            Some(_) if s.loopback == Some(false) => {
                crate::bail_said!("error-veth-needs-lo")
            }
            None => Network::Loopback,
            Some(v) => {
                let peer = self.get(&v.peer)?;
                Network::Veth(Veth {
                    peer: Peer::Container(peer),
                    ifname: "eth0".into(),
                    addr: v
                        .addr
                        .parse()
                        .with_context(|| format!("bad veth address {:?}", v.addr))?,
                    peer_ifname: format!("veth-{}", short(&s.name)),
                    peer_addr: v
                        .peer_addr
                        .parse()
                        .with_context(|| format!("bad veth address {:?}", v.peer_addr))?,
                })
            }
        };
        let spec = ContainerSpec {
            namespaces,
            rootfs,
            hostname: s.hostname.clone(),
            limits,
            user_map: (s.map_root && namespaces.contains(Namespace::User))
                .then(IdMap::unprivileged_root),
            network,
            capabilities,
            args,
            mount_proc: s.mount_proc.unwrap_or(true),
            init: s.init,
            stdio: Stdio {
                stdin: crate::runtime::Io::Piped,
                stdout: crate::runtime::Io::Null,
                stderr: crate::runtime::Io::Null,
            },
            ..Default::default()
        };
        let mut c = Container::start(spec, tracer)?;
        if default_shell && let Some(stdin) = c.take_stdin() {
            self.keep_open.push(stdin);
        }
        self.containers.insert(s.name.clone(), c);
        Ok(())
    }
}

impl Containers {
    /// What the host shell gets in its environment: `CGROUP_LAB`, once the lab is made.
    pub fn lab_env(&self) -> Vec<(String, String)> {
        self.lab
            .iter()
            .map(|l| ("CGROUP_LAB".to_string(), l.relative.clone()))
            .collect()
    }

    /// The hand-made cgroup `name` in the lab cgroup, `shell` the host shell's pid.
    pub fn hand_cgroup(&self, name: &str, shell: Option<i32>) -> Result<Option<HandCgroupSeen>> {
        let lab = self
            .lab
            .as_ref()
            .context("this lesson has made no lab cgroup (its `cgroup-lab` step)")?;
        let dir = lab.memory_dir(name)?;
        if !dir.is_dir() {
            return Ok(None);
        }
        let version = lab.cgroup.version();
        let dirs = inspect::cgroupfs::CgroupDirs {
            version,
            dirs: vec![inspect::cgroupfs::ControllerDir {
                controllers: vec!["memory".into()],
                path: dir.clone(),
            }],
        };
        let procs = std::fs::read_to_string(dir.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        let (limit_file, limit) = match inspect::cgroup_names::read(&dirs, "memory.max") {
            Ok(r) => (r.file, Some(r.value.trim().to_string())),
            Err(_) => (
                inspect::cgroup_names::translate(version, "memory.max"),
                None,
            ),
        };
        let events = inspect::cgroup_names::translate(version, "memory.events");
        let oom_kills = std::fs::read_to_string(dir.join(&events))
            .ok()
            .and_then(|t| inspect::cgroupfs::keyed_value(&events, &t, "oom_kill"))
            .and_then(|v| v.parsed)
            .unwrap_or(0);
        Ok(Some(HandCgroupSeen {
            path: dir.display().to_string(),
            procs,
            shell,
            limit_file,
            limit,
            oom_kills,
        }))
    }
}

/// A link of the network namespace of process `pid`.
pub fn link(pid: i32, name: &str) -> Result<Option<LinkSeen>> {
    let path = format!("/proc/{pid}/ns/net");
    let ns = std::fs::File::open(&path).with_context(|| format!("cannot open {path}"))?;
    use std::os::fd::AsFd;
    let links = crate::runtime::net::links_in(ns.as_fd())?;
    Ok(links
        .into_iter()
        .find(|l| l.name == name)
        .map(|l| LinkSeen {
            up: l.up,
            addresses: l
                .addresses
                .iter()
                .map(|a| format!("{}/{}", a.addr, a.prefix_len))
                .collect(),
        }))
}

/// The processes named `comm` in the `/proc` that container process `pid` sees.
pub fn process(pid: i32, comm: &str) -> Result<Vec<ProcessSeen>> {
    let proc_dir = format!("/proc/{pid}/root/proc");
    let (pid_ns, user_ns) = (ns_inode(pid, "pid")?, ns_inode(pid, "user")?);
    let proc_dev = std::fs::metadata(&proc_dir)
        .with_context(|| format!("cannot read {proc_dir}"))?
        .dev();
    let mut out = Vec::new();
    for e in std::fs::read_dir(&proc_dir)
        .with_context(|| format!("cannot list {proc_dir}"))?
        .flatten()
    {
        let dir = e.path();
        let is_pid = e.file_name().to_string_lossy().parse::<i32>().is_ok();
        if !is_pid
            || std::fs::read_to_string(dir.join("comm"))
                .unwrap_or_default()
                .trim()
                != comm
        {
            continue;
        }
        let ino = |ns: &str| std::fs::metadata(dir.join("ns").join(ns)).map(|m| m.ino());
        let Ok(text) = std::fs::read_to_string(dir.join("status")) else {
            continue; // it ended while we looked
        };
        // A zombie keeps its status but has no namespaces left to show.
        let p = ino("pid").ok();
        let u = parent_ns_inode(&dir.join("ns/user"));
        let st = inspect::proc::parse_status(&text)?;
        let own_proc = std::fs::metadata(dir.join("root/proc")).is_ok_and(|m| m.dev() != proc_dev);
        let map = std::fs::read_to_string(dir.join("uid_map")).unwrap_or_default();
        out.push(ProcessSeen {
            nspid: st.nspid.clone(),
            ppid: st.ppid,
            own_proc,
            own_pid_ns: p.is_some_and(|p| p != pid_ns),
            own_user_ns: u == Some(user_ns),
            uid_inside: inside_uid(&map, st.uid.real)?,
        });
    }
    Ok(out)
}

/// The permissions of the System V message queues in the IPC namespace of process
/// `pid` (the host's when `None`). `/proc/sysvipc/msg` shows the namespace of its reader,
/// so a thread of our own joins that namespace (`setns(CLONE_NEWIPC)`) to read it.
pub fn sysv_queues(pid: Option<i32>) -> Result<Vec<String>> {
    let read = || -> Result<Vec<String>> {
        let text = std::fs::read_to_string("/proc/sysvipc/msg")
            .context("cannot read /proc/sysvipc/msg")?;
        Ok(text
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
            .collect())
    };
    let Some(pid) = pid else {
        return read();
    };
    let path = format!("/proc/{pid}/ns/ipc");
    let ns = std::fs::File::open(&path).with_context(|| format!("cannot open {path}"))?;
    std::thread::scope(|s| {
        s.spawn(|| {
            nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWIPC)
                .with_context(|| format!("cannot enter the IPC namespace of {path}"))?;
            read()
        })
        .join()
        .map_err(|_| anyhow::anyhow!("the thread reading {path} panicked"))?
    })
}

/// The inode of the parent of the user namespace at `path` (`ioctl(NS_GET_PARENT)`,
/// Linux 4.9); `None` for the host's, which has none, or when it cannot be read.
fn parent_ns_inode(path: &std::path::Path) -> Option<u64> {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    // NS_GET_PARENT is _IO(0xb7, 0x2) in <linux/nsfs.h>.
    const NS_GET_PARENT: libc::c_ulong = 0xb702;
    let ns = std::fs::File::open(path).ok()?;
    // SAFETY: NS_GET_PARENT takes no argument and returns a new fd or -1.
    let fd = unsafe { libc::ioctl(ns.as_raw_fd(), NS_GET_PARENT as _) };
    if fd < 0 {
        return None;
    }
    // SAFETY: the fd was just returned to us and is owned by nothing else.
    let parent = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    parent.metadata().ok().map(|m| m.ino())
}

/// The uid inside a user namespace of host uid `outside`, by its `uid_map` (65534, the
/// overflow uid, when the map does not hold it, as the kernel shows it).
fn inside_uid(map: &str, outside: u32) -> Result<u32> {
    Ok(inspect::proc::parse_id_map(map)?
        .iter()
        .find(|m| outside >= m.outside && outside - m.outside < m.count)
        .map(|m| m.inside + (outside - m.outside))
        .unwrap_or(65534))
}

fn short(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(9)
        .collect()
}

// The live observations behind the container checks, by the host pid of a container's
// main process (a lesson container's, or an OCI container's).

pub fn ns_inode(pid: i32, ns: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/ns/{ns}");
    Ok(std::fs::metadata(&path)
        .with_context(|| format!("cannot read {path}"))?
        .ino())
}

fn read_status(pid: i32) -> Result<inspect::proc::Status> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status: has the container stopped?"))?;
    inspect::proc::parse_status(&text)
}

/// What the container's own `ps` would list: the pids in the /proc its root shows.
pub fn processes(pid: i32) -> Result<Vec<(i32, String)>> {
    let proc_dir = format!("/proc/{pid}/root/proc");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&proc_dir)
        .with_context(|| format!("cannot list {proc_dir}"))?
        .flatten()
    {
        if let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() {
            let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
            out.push((pid, comm.trim().to_string()));
        }
    }
    out.sort();
    Ok(out)
}

pub fn pid_inside(pid: i32) -> Result<i32> {
    let st = read_status(pid)?;
    st.nspid
        .last()
        .copied()
        .context("no NSpid in /proc/PID/status")
}

pub fn uid(pid: i32) -> Result<(u32, u32)> {
    let outside = read_status(pid)?.uid.real;
    let map = std::fs::read_to_string(format!("/proc/{pid}/uid_map")).unwrap_or_default();
    Ok((inside_uid(&map, outside)?, outside))
}

pub fn mount_inside(pid: i32, path: &str) -> Result<Option<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))?;
    Ok(inspect::proc::parse_mountinfo(&text)?
        .into_iter()
        .rev()
        .find(|m| m.mount_point == path)
        .map(|m| m.fstype))
}

pub fn mount_on_host(path: &str, fstype: &str) -> Result<bool> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")?;
    Ok(inspect::proc::parse_mountinfo(&text)?
        .iter()
        .any(|m| m.mount_point == path && m.fstype == fstype))
}

pub fn cgroup_value(c: &Container, file: &str) -> Result<(String, String)> {
    let cg = c
        .cgroup()
        .with_context(|| crate::said!("error-container-no-cgroup"))?;
    let r = inspect::cgroup_names::read(cg.dirs(), file)?;
    Ok((r.file, r.value))
}

pub fn cgroup_member(c: &Container) -> Result<bool> {
    let Some(cg) = c.cgroup() else {
        return Ok(false);
    };
    let pid = c.pid().to_string();
    Ok(!cg.procs_files().is_empty()
        && cg
            .procs_files()
            .iter()
            .all(|f| std::fs::read_to_string(f).is_ok_and(|t| t.lines().any(|l| l == pid))))
}

pub fn oom_kills(c: &Container) -> u64 {
    c.cgroup().map(|cg| cg.oom_kills()).unwrap_or(0)
}

pub fn file_exists(pid: i32, path: &str) -> bool {
    let p = format!("/proc/{pid}/root/{}", path.trim_start_matches('/'));
    std::fs::symlink_metadata(p).is_ok()
}

fn proc_ns_name(ns: &str) -> &str {
    match ns {
        "mount" => "mnt",
        other => other,
    }
}

/// Whether `container`'s `name` namespace (inode `mine`) is the same as another's
/// (`other`: another container, or the host when `None`; inode `theirs`), against
/// `want_same`; and the sentence in `lang`.
fn compare_ns(
    lang: Lang,
    name: &str,
    container: &str,
    mine: u64,
    other: Option<&str>,
    theirs: u64,
    want_same: bool,
) -> (bool, String) {
    let same = mine == theirs;
    let pass = same == want_same;
    let other = match other {
        None => tr!(lang, "check-ns-other-host"),
        Some(c) => tr!(lang, "check-ns-other-container", container = c),
    };
    let (c, o) = (container, other.as_str());
    let (mine, theirs) = (mine.to_string(), theirs.to_string());
    let (m, t) = (mine.as_str(), theirs.as_str());
    let sentence = match (same, pass) {
        (true, true) => tr!(
            lang,
            "check-ns-shares",
            name = name,
            container = c,
            other = o,
            mine = m
        ),
        (false, true) => tr!(
            lang,
            "check-ns-own",
            name = name,
            container = c,
            other = o,
            mine = m,
            theirs = t
        ),
        (true, false) => tr!(
            lang,
            "check-ns-want-own",
            container = c,
            name = name,
            other = o,
            mine = m
        ),
        (false, false) => tr!(
            lang,
            "check-ns-want-shared",
            container = c,
            other = o,
            name = name,
            theirs = t,
            mine = m
        ),
    };
    (pass, sentence)
}

/// A value quoted as the English sentences always showed it (`"lab"`).
fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// Evaluates one container check on what `w` observes, its sentence in `lang`.
pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    Ok(match check {
        Check::Ns {
            container,
            ns,
            host,
        } => {
            let name = proc_ns_name(ns);
            let inside = w.ns_inode(container, name)?;
            let outside = w.host_ns_inode(name)?;
            let (pass, sentence) = compare_ns(
                lang,
                name,
                container,
                inside,
                None,
                outside,
                *host == Relation::Same,
            );
            result(check, pass, sentence)
        }
        Check::NsShared {
            container,
            with,
            ns,
            shared,
        } => {
            let name = proc_ns_name(ns);
            let mine = w.ns_inode(container, name)?;
            let theirs = w.ns_inode(with, name)?;
            let (pass, sentence) =
                compare_ns(lang, name, container, mine, Some(with), theirs, *shared);
            result(check, pass, sentence)
        }
        Check::Processes {
            container,
            count,
            max,
            pid1,
        } => {
            let procs = w.processes(container)?;
            let n = procs.len() as u32;
            let first = procs.iter().find(|(p, _)| *p == 1).map(|(_, c)| c.clone());
            let c_ = container.as_str();
            let mut problems = Vec::new();
            if let Some(c) = count
                && n != *c
            {
                problems.push(tr!(
                    lang,
                    "check-procs-want-count",
                    want = c.to_string(),
                    container = c_,
                    seen = n.to_string()
                ));
            }
            if let Some(m) = max
                && n > *m
            {
                problems.push(tr!(
                    lang,
                    "check-procs-want-max",
                    max = m.to_string(),
                    container = c_,
                    seen = n.to_string()
                ));
            }
            if let Some(want) = pid1 {
                match &first {
                    Some(c) if c == want => {}
                    Some(c) => problems.push(tr!(
                        lang,
                        "check-procs-want-pid1",
                        container = c_,
                        want = want.as_str(),
                        seen = c.as_str()
                    )),
                    None => problems.push(tr!(
                        lang,
                        "check-procs-no-pid1",
                        container = c_,
                        want = want.as_str()
                    )),
                }
            }
            if problems.is_empty() {
                let sentence = match first {
                    Some(p1) => tr!(
                        lang,
                        "check-procs-ok-pid1",
                        count = n.to_string(),
                        container = c_,
                        pid1 = p1
                    ),
                    None => tr!(
                        lang,
                        "check-procs-ok",
                        count = n.to_string(),
                        container = c_
                    ),
                };
                result(check, true, sentence)
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Pid { container, inside } => {
            let p = w.pid_inside(container)?;
            let (c, pid) = (container.as_str(), p.to_string());
            if p == *inside {
                result(
                    check,
                    true,
                    tr!(lang, "check-pid-ok", container = c, pid = pid),
                )
            } else {
                let want = inside.to_string();
                result(
                    check,
                    false,
                    tr!(
                        lang,
                        "check-pid-want",
                        container = c,
                        want = want,
                        pid = pid
                    ),
                )
            }
        }
        Check::Hostname {
            container,
            equals,
            host,
        } => {
            let inside = w.hostname(container)?;
            let c = container.as_str();
            let mut problems = Vec::new();
            if let Some(want) = equals
                && &inside != want
            {
                problems.push(tr!(
                    lang,
                    "check-hostname-want",
                    container = c,
                    want = quoted(want),
                    seen = quoted(&inside)
                ));
            }
            if let Some(rel) = host {
                let h = w.host_hostname()?;
                let same = h == inside;
                if same != (*rel == Relation::Same) {
                    problems.push(if same {
                        tr!(
                            lang,
                            "check-hostname-want-differ",
                            container = c,
                            host = quoted(&h)
                        )
                    } else {
                        tr!(
                            lang,
                            "check-hostname-want-host",
                            container = c,
                            host = quoted(&h),
                            seen = quoted(&inside)
                        )
                    });
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    tr!(
                        lang,
                        "check-hostname-ok",
                        container = c,
                        seen = quoted(&inside)
                    ),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Uid {
            container,
            inside,
            outside,
        } => {
            let (i, o) = w.uid(container)?;
            let c = container.as_str();
            let mut problems = Vec::new();
            if i != *inside {
                problems.push(tr!(
                    lang,
                    "check-uid-want",
                    want = inside.to_string(),
                    container = c,
                    seen = i.to_string()
                ));
            }
            if let Some(rel) = outside {
                let same = i == o;
                if same != (*rel == Relation::Same) {
                    let (i, o) = (i.to_string(), o.to_string());
                    problems.push(if same {
                        tr!(
                            lang,
                            "check-uid-want-mapped",
                            inside = i.as_str(),
                            outside = o.as_str()
                        )
                    } else {
                        tr!(
                            lang,
                            "check-uid-want-same",
                            inside = i.as_str(),
                            outside = o.as_str()
                        )
                    });
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    tr!(
                        lang,
                        "check-uid-ok",
                        inside = i.to_string(),
                        container = c,
                        outside = o.to_string()
                    ),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::Mount {
            container,
            path,
            on_host,
        } => {
            let Some(fstype) = w.mount_inside(container, path)? else {
                return Ok(result(
                    check,
                    false,
                    tr!(
                        lang,
                        "check-mount-none",
                        path = path.as_str(),
                        container = container.as_str()
                    ),
                ));
            };
            let seen = w.mount_on_host(path, &fstype)?;
            let pass = seen == *on_host;
            let (f, p, c) = (fstype.as_str(), path.as_str(), container.as_str());
            let sentence = match (seen, pass) {
                (false, true) => tr!(
                    lang,
                    "check-mount-private",
                    fstype = f,
                    path = p,
                    container = c
                ),
                (true, true) => tr!(
                    lang,
                    "check-mount-shared",
                    fstype = f,
                    path = p,
                    container = c
                ),
                (true, false) => tr!(
                    lang,
                    "check-mount-want-private",
                    fstype = f,
                    path = p,
                    container = c
                ),
                (false, false) => tr!(lang, "check-mount-want-shared", fstype = f, path = p),
            };
            result(check, pass, sentence)
        }
        Check::Cgroup {
            container,
            file,
            equals,
            at_least,
        } => {
            let (name, value) = w.cgroup_value(container, file)?;
            let value = value.trim().to_string();
            let f = name.as_str();
            let mut problems = Vec::new();
            if let Some(want) = equals
                && value != want.trim()
            {
                problems.push(tr!(
                    lang,
                    "check-cgroup-want",
                    file = f,
                    want = quoted(want),
                    seen = quoted(&value)
                ));
            }
            if let Some(min) = at_least {
                match value.parse::<u64>() {
                    Ok(v) if v >= *min => {}
                    Ok(v) => problems.push(tr!(
                        lang,
                        "check-cgroup-want-min",
                        file = f,
                        min = min.to_string(),
                        seen = v.to_string()
                    )),
                    Err(_) => problems.push(tr!(
                        lang,
                        "check-cgroup-want-number",
                        file = f,
                        min = min.to_string(),
                        seen = quoted(&value)
                    )),
                }
            }
            if problems.is_empty() {
                result(
                    check,
                    true,
                    tr!(lang, "check-cgroup-ok", file = f, value = value.as_str()),
                )
            } else {
                result(check, false, problems.join("; "))
            }
        }
        Check::CgroupMember { container } => {
            let c = container.as_str();
            if w.cgroup_member(container)? {
                result(check, true, tr!(lang, "check-member-ok", container = c))
            } else {
                result(check, false, tr!(lang, "check-member-want", container = c))
            }
        }
        Check::Oom { container, killed } => {
            let n = w.oom_kills(container)?;
            let pass = (n > 0) == *killed;
            let (count, c) = (n.to_string(), container.as_str());
            let sentence = match (n > 0, pass) {
                (true, true) => tr!(lang, "check-oom-killed", count = count, container = c),
                (false, true) => tr!(lang, "check-oom-none", container = c),
                (false, false) => tr!(lang, "check-oom-want-kill", container = c),
                (true, false) => tr!(lang, "check-oom-want-none", container = c, count = count),
            };
            result(check, pass, sentence)
        }
        Check::File {
            container,
            path,
            exists,
        } => {
            let e = w.file_exists(container, path)?;
            let pass = e == *exists;
            let (p, c) = (path.as_str(), container.as_str());
            let sentence = match (e, pass) {
                (true, true) => tr!(lang, "check-file-exists", path = p, container = c),
                (false, true) => tr!(lang, "check-file-absent", path = p, container = c),
                (false, false) => tr!(lang, "check-file-want", path = p, container = c),
                (true, false) => tr!(lang, "check-file-want-none", path = p, container = c),
            };
            result(check, pass, sentence)
        }
        Check::Escape { escaped } => {
            let Some(e) = w.last_escape() else {
                return Ok(result(check, false, tr!(lang, "check-escape-none")));
            };
            let pass = e == *escaped;
            let sentence = match (e, pass) {
                (true, true) => tr!(lang, "check-escape-reached"),
                (false, true) => tr!(lang, "check-escape-held"),
                (false, false) => tr!(lang, "check-escape-want-reach"),
                (true, false) => tr!(lang, "check-escape-want-held"),
            };
            result(check, pass, sentence)
        }
        Check::Link {
            container,
            link,
            up,
            addr,
        } => {
            let (c, l) = (container.as_str(), link.as_str());
            let Some(seen) = w.link(container, link)? else {
                return Ok(result(
                    check,
                    false,
                    tr!(lang, "check-link-none", container = c, link = l),
                ));
            };
            let state = if seen.up {
                tr!(lang, "check-link-up")
            } else {
                tr!(lang, "check-link-down")
            };
            let addrs = if seen.addresses.is_empty() {
                tr!(lang, "check-link-no-addr")
            } else {
                seen.addresses.join(", ")
            };
            let mut problems = Vec::new();
            if let Some(want) = up
                && *want != seen.up
            {
                let want = if *want {
                    tr!(lang, "check-link-up")
                } else {
                    tr!(lang, "check-link-down")
                };
                problems.push(tr!(lang, "check-link-want-state", link = l, want = want));
            }
            if let Some(a) = addr
                && !seen.addresses.iter().any(|s| s == a)
            {
                problems.push(tr!(
                    lang,
                    "check-link-want-addr",
                    link = l,
                    addr = a.as_str()
                ));
            }
            let seen = tr!(
                lang,
                "check-link-seen",
                link = l,
                container = c,
                state = state,
                addrs = addrs
            );
            let pass = problems.is_empty();
            problems.insert(0, seen);
            result(check, pass, problems.join("; "))
        }
        Check::Process {
            container,
            comm,
            pid_inside,
            ppid,
            own_proc,
            own_pid_ns,
            own_user_ns,
            uid_inside,
        } => {
            let found = w.process(container, comm)?;
            let (c, name) = (container.as_str(), comm.as_str());
            // What one process holds, and what is missing from what the check asks.
            let judge = |p: &ProcessSeen| {
                let mut held = Vec::new();
                let mut missing = Vec::new();
                if let Some(want) = pid_inside {
                    let seen = p.nspid.last().copied().unwrap_or(0);
                    held.push(tr!(lang, "process-pid", pid = seen.to_string()));
                    if seen != *want {
                        missing.push(tr!(lang, "process-pid", pid = want.to_string()));
                    }
                }
                if let Some(want) = ppid {
                    held.push(tr!(lang, "process-ppid", pid = p.ppid.to_string()));
                    if *want != p.ppid {
                        missing.push(tr!(lang, "process-ppid", pid = want.to_string()));
                    }
                }
                if let Some(want) = own_proc {
                    let fact = |own: bool| {
                        if own {
                            tr!(lang, "process-own-proc")
                        } else {
                            tr!(lang, "process-same-proc", container = c)
                        }
                    };
                    held.push(fact(p.own_proc));
                    if *want != p.own_proc {
                        missing.push(fact(*want));
                    }
                }
                let pid_ns_fact = |own: bool| {
                    if own {
                        tr!(lang, "process-own-ns", ns = "pid")
                    } else {
                        tr!(lang, "process-same-ns", ns = "pid", container = c)
                    }
                };
                let user_ns_fact = |child: bool| {
                    if child {
                        tr!(lang, "process-child-userns", container = c)
                    } else {
                        tr!(lang, "process-not-child-userns", container = c)
                    }
                };
                for (want, seen, fact) in [
                    (
                        own_pid_ns,
                        p.own_pid_ns,
                        &pid_ns_fact as &dyn Fn(bool) -> String,
                    ),
                    (own_user_ns, p.own_user_ns, &user_ns_fact),
                ] {
                    if let Some(want) = want {
                        held.push(fact(seen));
                        if *want != seen {
                            missing.push(fact(*want));
                        }
                    }
                }
                if let Some(want) = uid_inside {
                    held.push(tr!(lang, "process-uid", uid = p.uid_inside.to_string()));
                    if *want != p.uid_inside {
                        missing.push(tr!(lang, "process-uid", uid = want.to_string()));
                    }
                }
                (held, missing)
            };
            let nspid = |p: &ProcessSeen| {
                p.nspid
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let judged: Vec<_> = found.iter().map(|p| (p, judge(p))).collect();
            if let Some((p, (held, _))) = judged.iter().find(|(_, (_, m))| m.is_empty()) {
                result(
                    check,
                    true,
                    tr!(
                        lang,
                        "check-process-ok",
                        comm = name,
                        nspid = nspid(p),
                        facts = held.join(", ")
                    ),
                )
            } else if let Some((p, (held, missing))) =
                judged.iter().min_by_key(|(_, (_, m))| m.len())
            {
                result(
                    check,
                    false,
                    tr!(
                        lang,
                        "check-process-want",
                        comm = name,
                        nspid = nspid(p),
                        facts = held.join(", "),
                        want = missing.join(", ")
                    ),
                )
            } else {
                result(
                    check,
                    false,
                    tr!(lang, "check-process-none", comm = name, container = c),
                )
            }
        }
        Check::SysvQueue {
            container,
            perms,
            on_host,
        } => {
            let (c, p) = (container.as_str(), perms.as_str());
            let inside = w.sysv_queues(Some(container))?.iter().any(|q| q == perms);
            let host = w.sysv_queues(None)?.iter().any(|q| q == perms);
            let pass = inside && host == *on_host;
            let sentence = match (inside, host) {
                (false, _) => tr!(lang, "check-sysv-none", container = c, perms = p),
                (true, false) => tr!(lang, "check-sysv-private", container = c, perms = p),
                (true, true) => tr!(lang, "check-sysv-shared", container = c, perms = p),
            };
            result(check, pass, sentence)
        }
        Check::HandCgroup {
            name,
            shell,
            memory,
            oom_kill,
        } => {
            let Some(seen) = w.hand_cgroup(name)? else {
                return Ok(result(
                    check,
                    false,
                    tr!(lang, "check-hand-none", name = name.as_str()),
                ));
            };
            let mut facts = Vec::new();
            let mut pass = true;
            if *shell {
                match seen.shell {
                    None => {
                        pass = false;
                        facts.push(tr!(lang, "hand-no-shell"));
                    }
                    Some(pid) if seen.procs.contains(&pid) => {
                        facts.push(tr!(lang, "hand-shell-in", pid = pid.to_string()))
                    }
                    Some(pid) => {
                        pass = false;
                        let procs = seen
                            .procs
                            .iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join(" ");
                        facts.push(tr!(
                            lang,
                            "hand-shell-out",
                            pid = pid.to_string(),
                            procs = procs
                        ));
                    }
                }
            }
            if let Some(want) = memory {
                let value = seen.limit.clone().unwrap_or_else(|| "?".into());
                let file = seen.limit_file.as_str();
                if value == want.trim() {
                    facts.push(tr!(lang, "hand-limit", file = file, value = value));
                } else {
                    pass = false;
                    facts.push(tr!(
                        lang,
                        "hand-limit-want",
                        file = file,
                        value = value,
                        want = want.as_str()
                    ));
                }
            }
            if let Some(want) = oom_kill {
                let n = seen.oom_kills;
                if (n > 0) != *want {
                    pass = false;
                }
                facts.push(match (n > 0, *want) {
                    (true, _) => tr!(lang, "hand-oom", count = n.to_string()),
                    (false, true) => tr!(lang, "hand-oom-want"),
                    (false, false) => tr!(lang, "hand-oom-none"),
                });
            }
            if facts.is_empty() {
                facts.push(tr!(lang, "hand-exists"));
            }
            result(
                check,
                pass,
                tr!(
                    lang,
                    "check-hand-seen",
                    path = seen.path.as_str(),
                    facts = facts.join("; ")
                ),
            )
        }
        other => bail!("not a container check: {}", other.kind()),
    })
}
