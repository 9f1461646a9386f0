//! One container's cgroup, on whichever cgroup interface the machine has.
//!
//! cgroup v1 gives every controller (or group of controllers) its own hierarchy, so a
//! container's cgroup is a directory in each: `memory/contlab/ID`, `cpu/contlab/ID`, …
//! cgroup v2 has one hierarchy, so it is one directory, `contlab/ID`, whose controllers
//! its parents switch on in `cgroup.subtree_control`. Both sit behind one trait,
//! `Hierarchies` (`v1.rs`, `v2.rs`); [`Cgroup`] is the same on both, and every file it writes keeps its
//! kernel name in the trace (`memory.limit_in_bytes` on v1, `memory.max` on v2).

mod bpf;
mod size;
mod update;
mod v1;
mod v2;

pub use crate::inspect::cgroupfs::{CgroupDirs, CgroupReading, CgroupVersion, ControllerDir};
pub use size::{DEFAULT_PERIOD_US, parse_cpus, parse_memory, parse_pids};
pub use update::Update;

use super::ledger::{self, Ledger};
use super::teardown::{self, Removed};
use super::trace::{TraceEvent, Tracer};
use crate::inspect::cgroupfs;
use crate::inspect::cgroups::{CgroupLayout, CgroupMode};
use anyhow::{Context, Result, anyhow, bail};
use nix::errno::Errno;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The resource limits of one container. `None` leaves the kernel's default (no limit).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Bytes of memory (swap included, where the kernel accounts swap).
    pub memory: Option<u64>,
    pub cpu: Option<CpuLimit>,
    /// Processes and threads.
    pub pids: Option<u64>,
    /// The devices controller's rules, in order (OCI `linux.resources.devices`). `None`:
    /// no devices cgroup is made and the container keeps its parent's device access.
    #[serde(default)]
    pub devices: Option<Vec<DeviceRule>>,
    /// On v1, also make the container's cgroup in the freezer hierarchy, so that it can
    /// be paused (`freezer.state`; v2's `cgroup.freeze` is in every cgroup).
    #[serde(default)]
    pub freezer: bool,
    /// The CPUs and memory nodes the container may use (OCI `linux.resources.cpu.cpus`,
    /// `mems`): the cpuset controller, made only for a container that names them.
    #[serde(default)]
    pub cpuset: Option<Cpuset>,
    /// The rest of OCI `linux.resources.memory`, written as runc 1.1 writes it.
    #[serde(default)]
    pub memory_more: MemoryMore,
    /// Also make the container's cgroup in the blkio hierarchy (v1), or pass the io
    /// controller down (v2), so that `update --blkio-weight` finds its weight file, as
    /// in runc's containers.
    #[serde(default)]
    pub blkio: bool,
    /// OCI `linux.resources.blockIO`, written as runc 1.1 writes it (needs `blkio`).
    #[serde(default)]
    pub block_io: BlockIo,
    /// OCI `linux.resources.cpu.realtimePeriod` and `realtimeRuntime`: v1
    /// `cpu.rt_period_us` and `cpu.rt_runtime_us`, as runc writes them; cgroup v2 has
    /// no such files, and runc ignores them there.
    #[serde(default)]
    pub cpu_rt: CpuRt,
}

/// Real-time CPU time: at most `runtime` microseconds in every `period`. `None` (or 0
/// in the bundle, as runc reads it) leaves the kernel's value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuRt {
    pub period: Option<u64>,
    pub runtime: Option<i64>,
}

impl CpuRt {
    pub fn is_empty(&self) -> bool {
        *self == CpuRt::default()
    }
}

/// OCI `linux.resources.blockIO`. v1: `blkio.weight` (or BFQ's `blkio.bfq.weight`),
/// `blkio.leaf_weight`, the `*_device` files and `blkio.throttle.*`; v2: the weight in
/// `io.bfq.weight` (or `io.weight` scaled), per-device weights only where BFQ takes
/// them, the throttles in `io.max`; leaf weights have no v2 file and are left out, as
/// runc leaves them out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockIo {
    /// 10 to 1000.
    pub weight: Option<u16>,
    /// 10 to 1000: the weight against the cgroup's own children (CFQ only).
    pub leaf_weight: Option<u16>,
    pub weight_device: Vec<WeightDevice>,
    pub throttle_read_bps: Vec<Throttle>,
    pub throttle_write_bps: Vec<Throttle>,
    pub throttle_read_iops: Vec<Throttle>,
    pub throttle_write_iops: Vec<Throttle>,
}

impl BlockIo {
    pub fn is_empty(&self) -> bool {
        *self == BlockIo::default()
    }

    /// Whether a v2 cgroup gets anything of it (leaf weights have no v2 file).
    fn writes_on_v2(&self) -> bool {
        self.weight.is_some()
            || !self.weight_device.is_empty()
            || !self.throttle_read_bps.is_empty()
            || !self.throttle_write_bps.is_empty()
            || !self.throttle_read_iops.is_empty()
            || !self.throttle_write_iops.is_empty()
    }
}

/// A weight for one block device (`MAJOR:MINOR WEIGHT`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightDevice {
    pub major: i64,
    pub minor: i64,
    pub weight: Option<u16>,
    pub leaf_weight: Option<u16>,
}

/// A rate limit for one block device: bytes or I/O operations per second.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    pub major: i64,
    pub minor: i64,
    pub rate: u64,
}

/// OCI `linux.resources.memory` beyond the limit, each written as runc 1.1's cgroup
/// managers write it. On v2 swappiness and the OOM killer switch have no file and are
/// left out, as runc leaves them out; kernel memory is deprecated and never written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryMore {
    /// Memory plus swap, in bytes, `-1` for no limit (`swap`): v1
    /// `memory.memsw.limit_in_bytes`, v2 `memory.swap.max` (the swap alone). Without it
    /// the memory+swap limit is the memory limit: no swap.
    pub swap: Option<i64>,
    /// The soft limit (`reservation`): v1 `memory.soft_limit_in_bytes`, v2 `memory.low`.
    pub reservation: Option<i64>,
    /// v1 `memory.swappiness`, 0 to 100.
    pub swappiness: Option<u64>,
    /// v1 `memory.oom_control` = 1 (`disableOOMKiller`): a process over the limit waits
    /// for memory instead of being killed.
    pub disable_oom_killer: bool,
}

impl MemoryMore {
    pub fn is_empty(&self) -> bool {
        *self == MemoryMore::default()
    }
}

/// `cpuset.cpus` and `cpuset.mems`, in the kernel's list syntax (`0-2,4`). `None`
/// keeps the parent's (on v1 copied into the new cgroup, which starts empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cpuset {
    pub cpus: Option<String>,
    pub mems: Option<String>,
}

/// One rule of the devices controller: which device nodes a container may open
/// (`r`, `w`) or create (`m`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRule {
    pub allow: bool,
    /// `a` (every device), `c` (character) or `b` (block).
    pub kind: char,
    /// `None` matches any major (or minor) number.
    pub major: Option<i64>,
    pub minor: Option<i64>,
    /// A subset of `rwm`.
    pub access: String,
}

impl DeviceRule {
    /// The line v1's `devices.allow` and `devices.deny` take: `c 1:3 rwm`, or `a`.
    pub fn line(&self) -> String {
        if self.kind == 'a' {
            return "a".into();
        }
        let n = |v: Option<i64>| v.map_or_else(|| "*".to_string(), |v| v.to_string());
        format!(
            "{} {}:{} {}",
            self.kind,
            n(self.major),
            n(self.minor),
            self.access
        )
    }
}

/// A CFS bandwidth limit: at most `quota_us` of CPU time in every `period_us`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuLimit {
    pub quota_us: u64,
    pub period_us: u64,
    /// Relative weight against other cgroups, in v1 `cpu.shares` units (2 to 262144,
    /// default 1024); v2 gets the matching `cpu.weight`.
    #[serde(default)]
    pub shares: Option<u64>,
}

/// The controllers contlab puts every container under: the three it limits, plus
/// `cpuacct`, which holds v1's CPU usage counter. cpuset only for a container that pins
/// CPUs or memory nodes (`Limits::cpuset`): a v1 cpuset cgroup is unusable until
/// `cpuset.cpus` and `cpuset.mems` are filled in.
const CONTROLLERS: [&str; 4] = ["memory", "cpu", "cpuacct", "pids"];

/// What differs between cgroup v1 and v2.
trait Hierarchies {
    fn version(&self) -> CgroupVersion;
    /// The directories of cgroup `<parent>/<id>`, one per hierarchy, whether or not they exist.
    fn dirs(&self, parent: &str, id: &str) -> Vec<ControllerDir>;
    /// Fails when some limit in `limits` has no controller to enforce it.
    fn check(&self, limits: &Limits) -> Result<()>;
    /// Every directory from `<mount>/<first part of parent>` down to `<mount>/<parent>`,
    /// in each hierarchy, top down.
    fn parent_chain(&self, parent: &str) -> Vec<PathBuf>;
    /// Makes `<mount>/<parent>` ready to hold containers' cgroups; returns the
    /// directories it made (those that did not exist).
    fn prepare_parent(&self, parent: &str, tracer: &Tracer) -> Result<Vec<PathBuf>>;
    /// Writes `limits` into a freshly made cgroup.
    fn apply(&self, dirs: &CgroupDirs, limits: &Limits, tracer: &Tracer) -> Result<()>;
    /// The file and key counting OOM kills (`memory.oom_control` or `memory.events`).
    fn oom_kill_file(&self) -> &'static str;
}

/// Picks the interface for this machine. The unified hierarchy is used on pure v2, and on
/// a hybrid machine only when the controllers contlab needs are attached to it rather
/// than to v1 hierarchies (on most hybrids it holds nothing, or just `hugetlb`).
/// `extra`: on v1, hierarchies to use beside [`CONTROLLERS`]' (`devices`, `freezer`),
/// made only for containers that need them, so every other container keeps its
/// cgroups where they were.
fn hierarchies(layout: &CgroupLayout, extra: &[&str]) -> Result<Box<dyn Hierarchies>> {
    match layout.mode {
        CgroupMode::None => crate::bail_said!("error-cgroup-none"),
        CgroupMode::V2 => Ok(Box::new(v2::V2::new(layout, extra)?)),
        CgroupMode::V1 | CgroupMode::Hybrid => {
            let v1_has_any = CONTROLLERS.iter().any(|c| layout.v1_mount(c).is_some());
            let unified_has_memory = layout
                .unified
                .as_ref()
                .is_some_and(|u| u.controllers.iter().any(|c| c == "memory"));
            if !v1_has_any && unified_has_memory {
                Ok(Box::new(v2::V2::new(layout, extra)?))
            } else {
                Ok(Box::new(v1::V1::new(layout, extra)))
            }
        }
    }
}

fn detect(extra: &[&str]) -> Result<Box<dyn Hierarchies>> {
    // The host's cgroup mounts stay where they are while contlab runs (a lesson mounts
    // cgroupfs only inside a container's own mount namespace), so mountinfo is parsed
    // once, not at every container start.
    static LAYOUT: std::sync::OnceLock<CgroupLayout> = std::sync::OnceLock::new();
    let layout = match LAYOUT.get() {
        Some(l) => l,
        None => {
            let l = CgroupLayout::detect().context(
                "cannot read /proc/self/mountinfo to find the cgroup mounts; check that /proc is mounted",
            )?;
            LAYOUT.get_or_init(|| l)
        }
    };
    hierarchies(layout, extra)
}

/// One container's cgroup across every hierarchy it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cgroup {
    id: String,
    dirs: CgroupDirs,
    oom_kill_file: &'static str,
}

impl Cgroup {
    /// Creates `<mount>/<parent>/<id>` in each hierarchy it needs and writes `limits`.
    /// `parent` is any relative path (empty: the hierarchy's root), as runc allows for
    /// `linux.cgroupsPath`.
    ///
    /// Each directory goes into the ledger before it is made, so a crash at any point
    /// leaves a record naming it. The parent directories that do not exist yet are made
    /// and recorded as the container's (`Record::cgroup_parents`): teardown removes them
    /// while empty, and never one that was there before. On error everything this call
    /// made is removed again.
    pub fn create(
        parent: &str,
        id: &str,
        limits: &Limits,
        tracer: &Tracer,
        ledger: &mut Ledger,
    ) -> Result<Cgroup> {
        validate_parent(parent)?;
        ledger::validate_id(id)?;
        let extra: Vec<&str> = [
            ("devices", limits.devices.is_some()),
            ("freezer", limits.freezer),
            ("cpuset", limits.cpuset.is_some()),
            ("blkio", limits.blkio),
        ]
        .into_iter()
        .filter_map(|(c, wanted)| wanted.then_some(c))
        .collect();
        let h = detect(&extra)?;
        h.check(limits)?;
        prepare_parent(&*h, parent, tracer, ledger)?;

        let mut made: Vec<PathBuf> = Vec::new();
        let result = (|| -> Result<CgroupDirs> {
            let planned = h.dirs(parent, id);
            // One record of every directory about to be made, before any is.
            ledger
                .update(|r| r.cgroups.extend(planned.iter().map(|d| d.path.clone())))
                .context("cannot record the cgroup in the container's state record")?;
            let mut dirs = Vec::new();
            for dir in planned {
                let path = dir.path.clone();
                let mut made_it = mkdir(&path, tracer);
                if made_it.is_err() && path.parent().is_some_and(|p| !p.is_dir()) {
                    // Another contlab's teardown removed the shared parent, empty for a
                    // moment, between `prepare_parent` and here: make it again, once.
                    prepare_parent(&*h, parent, tracer, ledger)?;
                    made_it = mkdir(&path, tracer);
                }
                if let Err(e) = made_it {
                    // This one and those after it were not made: keep the record honest,
                    // and never let a rollback remove a directory that someone else made.
                    let unmade: Vec<PathBuf> = h
                        .dirs(parent, id)
                        .into_iter()
                        .map(|d| d.path)
                        .filter(|p| !made.contains(p))
                        .collect();
                    let _ = ledger.update(|r| r.cgroups.retain(|c| !unmade.contains(c)));
                    return Err(e);
                }
                made.push(path);
                dirs.push(dir);
            }
            let dirs = CgroupDirs {
                version: h.version(),
                dirs,
            };
            if h.apply(&dirs, limits, tracer).is_err() {
                // On v2 a limit file exists only once the parent passes the controller
                // down; a parent just removed and made again by another contlab may not
                // yet. Enabling is idempotent, and so are the limit writes.
                prepare_parent(&*h, parent, tracer, ledger)?;
                h.apply(&dirs, limits, tracer)?;
            }
            // The limits `update` can change too, through its writers.
            let cg = Cgroup {
                id: id.to_string(),
                dirs: with_v2_controllers(dirs.clone()),
                oom_kill_file: h.oom_kill_file(),
            };
            match cg.version() {
                CgroupVersion::V1 => cg.write_rt_v1(&limits.cpu_rt, tracer)?,
                // runc 1.1 ignores them on v2, which has no real-time group limits.
                CgroupVersion::V2 if !limits.cpu_rt.is_empty() => {
                    eprintln!("contlab: warning: {}", crate::said!("warn-cgroup-v2-no-rt"))
                }
                CgroupVersion::V2 => {}
            }
            cg.write_block_io(&limits.block_io, tracer)?;
            Ok(dirs)
        })();

        match result {
            Ok(dirs) => Ok(Cgroup {
                id: id.to_string(),
                dirs: with_v2_controllers(dirs),
                oom_kill_file: h.oom_kill_file(),
            }),
            Err(e) => {
                let mut left = Vec::new();
                let parents = ledger.record().cgroup_parents.clone();
                for path in made.iter().rev() {
                    let start = Instant::now();
                    let removed = teardown::remove_cgroup_tree(path);
                    trace_removed(tracer, &removed, start);
                    if path.exists() {
                        left.push(path.display().to_string());
                    } else {
                        let _ = ledger.update(|r| r.cgroups.retain(|c| c != path));
                    }
                }
                let gone = teardown::remove_cgroup_parents(&parents);
                trace_removed(tracer, &gone, Instant::now());
                let _ = ledger.update(|r| r.cgroup_parents.retain(|p| p.exists()));
                if left.is_empty() {
                    Err(e)
                } else {
                    Err(anyhow!(
                        "{e:#}, and {} could not be removed again: run `contlab cleanup`",
                        left.join(", ")
                    ))
                }
            }
        }
    }

    /// The existing cgroup `<parent>/<id>` in the current layout, made by an earlier
    /// `create` (used to join a running container, and to inspect it).
    pub fn open(parent: &str, id: &str) -> Result<Cgroup> {
        validate_parent(parent)?;
        ledger::validate_id(id)?;
        let h = detect(&["devices", "freezer", "cpuset"])?;
        let dirs: Vec<ControllerDir> = h
            .dirs(parent, id)
            .into_iter()
            .filter(|d| d.path.is_dir())
            .collect();
        if dirs.is_empty() {
            bail!(
                "container {id:?} has no cgroup under {parent:?}: check the id with `contlab list`"
            );
        }
        Ok(Cgroup {
            id: id.to_string(),
            dirs: with_v2_controllers(CgroupDirs {
                version: h.version(),
                dirs,
            }),
            oom_kill_file: h.oom_kill_file(),
        })
    }

    /// Moves process `pid` (all its threads) into the cgroup, via `cgroup.procs` in each
    /// hierarchy.
    pub fn add_process(&self, pid: i32, tracer: &Tracer) -> Result<()> {
        for dir in &self.dirs.dirs {
            write_file(tracer, &dir.path, "cgroup.procs", &pid.to_string()).map_err(|e| {
                if e == Errno::ESRCH {
                    anyhow::Error::new(crate::said!(
                        "error-cgroup-process-gone",
                        pid = pid,
                        dir = dir.path.display()
                    ))
                } else {
                    write_error(&dir.path, "cgroup.procs", &pid.to_string(), e)
                }
            })?;
        }
        Ok(())
    }

    /// Writes `value` to the cgroup file `name`, spelled as either version spells it
    /// (`memory.max` or `memory.limit_in_bytes`; v1's `cpu.max` is split into its two
    /// files), each write traced as the `echo` a student would type. The one way the
    /// rest of contlab changes a running container's cgroup.
    pub fn write(&self, name: &str, value: &str, tracer: &Tracer) -> Result<()> {
        for (path, v) in crate::inspect::cgroup_names::resolve_for_write(&self.dirs, name, value)? {
            let (Some(dir), Some(file)) = (path.parent(), path.file_name()) else {
                bail!("{} is not a cgroup file", path.display());
            };
            set(tracer, dir, &file.to_string_lossy(), &v)?;
        }
        Ok(())
    }

    /// On v1, each hierarchy's `tasks` file, opened for writing, so that a new
    /// single-threaded child can move itself in by writing "0". The kernel takes its
    /// global threadgroup lock (and waits out an RCU grace period, several ms) when one
    /// process moves another or a whole thread group; a thread moving itself through
    /// `tasks` skips it. Permission is checked against the opener's credentials, so this
    /// works from inside a new user namespace too. `None` on v2, where only
    /// `cgroup.procs` moves a process and the parent does it.
    pub fn self_join_files(&self) -> Option<Vec<std::fs::File>> {
        if self.dirs.version != CgroupVersion::V1 {
            return None;
        }
        self.dirs
            .dirs
            .iter()
            .map(|d| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(d.path.join("tasks"))
                    .ok()
            })
            .collect()
    }

    /// Emits the trace of a join made by the child itself through `self_join_files`.
    pub fn trace_self_join(&self, pid: i32, tracer: &Tracer) {
        for d in &self.dirs.dirs {
            let path = d.path.join("tasks");
            tracer.emit(crate::runtime::trace::TraceEvent {
                pid,
                op: "write".into(),
                args: format!("{:?}, \"0\"  (by the new process itself)", path),
                ok: true,
                result: "1".into(),
                duration_us: 0,
                shell: Some(format!(
                    "echo 0 > {}  # run by the process that joins",
                    shell_word(&path.display().to_string())
                )),
            });
        }
    }

    /// The container id this cgroup belongs to.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The cgroup's directories (one per hierarchy on v1, one on v2).
    pub fn paths(&self) -> Vec<PathBuf> {
        self.dirs.dirs.iter().map(|d| d.path.clone()).collect()
    }

    /// The directories with the controllers each holds.
    pub fn dirs(&self) -> &CgroupDirs {
        &self.dirs
    }

    /// The `cgroup.procs` files; a process joins the cgroup by writing `0` (itself) to
    /// each, which lets a child join before `exec` without a race.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs
            .dirs
            .iter()
            .map(|d| d.path.join("cgroup.procs"))
            .collect()
    }

    pub fn version(&self) -> CgroupVersion {
        self.dirs.version
    }

    /// How many processes the OOM killer has killed in this cgroup (v1
    /// `memory.oom_control`, v2 `memory.events`, both `oom_kill N`). 0 when unknown.
    pub fn oom_kills(&self) -> u64 {
        self.dirs
            .dir("memory")
            .and_then(|d| std::fs::read_to_string(d.join(self.oom_kill_file)).ok())
            .and_then(|t| cgroupfs::keyed_value(self.oom_kill_file, &t, "oom_kill"))
            .and_then(|v| v.parsed)
            .unwrap_or(0)
    }

    /// How many forks `pids.max` refused (`pids.events`' `max`, either version): one
    /// file, where [`Cgroup::reading`] reads them all.
    pub fn pids_refused(&self) -> Option<u64> {
        let text = std::fs::read_to_string(self.dirs.dir("pids")?.join("pids.events")).ok()?;
        cgroupfs::keyed_value("pids.events", &text, "max").and_then(|v| v.parsed)
    }

    /// Everything the cgroup's files say right now.
    pub fn reading(&self) -> CgroupReading {
        cgroupfs::read(&self.dirs)
    }

    /// Kills the processes left in the cgroup and removes its directories. The state
    /// record keeps naming them; whoever owns the record finishes it.
    pub fn destroy(self, tracer: &Tracer) -> Vec<Removed> {
        let mut out = Vec::new();
        for dir in &self.dirs.dirs {
            let start = Instant::now();
            let removed = teardown::remove_cgroup_tree(&dir.path);
            trace_removed(tracer, &removed, start);
            out.extend(removed);
        }
        out
    }
}

/// Moves the calling process into a container's cgroup through its `cgroup.procs`
/// files (see [`Cgroup::procs_files`]): what an exec helper does first, while cgroupfs
/// is still reachable at its host path.
pub(crate) fn join(procs_files: &[PathBuf], tracer: &Tracer) -> Result<()> {
    let me = std::process::id().to_string();
    for procs in procs_files {
        let (Some(dir), Some(file)) = (procs.parent(), procs.file_name()) else {
            bail!("{} is not a cgroup file", procs.display());
        };
        write_file(tracer, dir, &file.to_string_lossy(), &me)
            .with_context(|| format!("cannot join the container's cgroup ({})", procs.display()))?;
    }
    Ok(())
}

/// On v2 a cgroup's controllers are those its parent enabled, listed in its own
/// `cgroup.controllers`; record them so a reading knows which files to expect.
fn with_v2_controllers(mut dirs: CgroupDirs) -> CgroupDirs {
    if dirs.version == CgroupVersion::V2 {
        for d in &mut dirs.dirs {
            if let Ok(text) = std::fs::read_to_string(d.path.join("cgroup.controllers")) {
                d.controllers = text.split_whitespace().map(str::to_string).collect();
            }
        }
    }
    dirs
}

/// The parent is a relative path of plain names (or empty, the hierarchy's root): it
/// cannot leave the hierarchy. Where it may go is the caller's choice, as with runc's
/// `linux.cgroupsPath`; what contlab makes there is recorded, and only that is removed.
fn validate_parent(parent: &str) -> Result<()> {
    if !parent.is_empty() && parent.split('/').any(|p| validate_name(p).is_err()) {
        crate::bail_said!(
            "error-cgroup-parent-invalid",
            parent = format!("{parent:?}")
        );
    }
    Ok(())
}

/// One cgroup directory name: not empty, not `.` or `..`, no `/`, no control
/// character, at most 255 bytes.
pub(crate) fn validate_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.len() > 255
        || name.chars().any(|c| c == '/' || c.is_control())
    {
        crate::bail_said!("error-cgroup-name-invalid", name = format!("{name:?}"));
    }
    Ok(())
}

/// Makes `<mount>/<parent>` in every hierarchy, recording first each directory of the
/// way that does not exist yet, then keeping in the record only those this call made
/// (another process may make one at the same moment: that one is not ours).
fn prepare_parent(
    h: &dyn Hierarchies,
    parent: &str,
    tracer: &Tracer,
    ledger: &mut Ledger,
) -> Result<()> {
    let missing: Vec<PathBuf> = h
        .parent_chain(parent)
        .into_iter()
        .filter(|d| !d.is_dir())
        .collect();
    if !missing.is_empty() {
        ledger
            .update(|r| r.cgroup_parents.extend(missing.iter().cloned()))
            .context("cannot record the cgroup in the container's state record")?;
    }
    let made = h.prepare_parent(parent, tracer);
    if !missing.is_empty() {
        // After a failure a directory that exists may be one this call made: keep it.
        let ours = |d: &PathBuf| match &made {
            Ok(m) => m.contains(d),
            Err(_) => d.is_dir(),
        };
        let not_ours: Vec<&PathBuf> = missing.iter().filter(|d| !ours(d)).collect();
        if !not_ours.is_empty() {
            let _ = ledger.update(|r| r.cgroup_parents.retain(|p| !not_ours.contains(&p)));
        }
    }
    made.map(|_| ())
}

/// The directories from `<mount>/<first part>` down to `<mount>/<parent>`.
fn chain(mount: &Path, parent: &str) -> Vec<PathBuf> {
    let mut dir = mount.to_path_buf();
    parent
        .split('/')
        .filter(|p| !p.is_empty())
        .map(|p| {
            dir.push(p);
            dir.clone()
        })
        .collect()
}

/// Makes one cgroup directory, traced like `mkdir(2)`.
fn mkdir(path: &Path, tracer: &Tracer) -> Result<()> {
    let make = || {
        tracer.op(
            "mkdir",
            || format!("{:?}, 0755", path),
            || Some(format!("mkdir {}", shell_word(&path.display().to_string()))),
            || {
                nix::unistd::mkdir(path, nix::sys::stat::Mode::from_bits_truncate(0o755))
                    .map(|_| ())
            },
        )
    };
    let mut res = make();
    // Teardown removes contlab's shared parent once it is empty; another container's
    // teardown may do so between our making the parent and the leaf. Make it again.
    for _ in 0..5 {
        if res != Err(Errno::ENOENT) {
            break;
        }
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        res = make();
    }
    match res {
        Ok(()) => Ok(()),
        Err(Errno::EEXIST) => bail!(
            "cgroup {} already exists: use another container id, or run `contlab cleanup` if it is a leftover",
            path.display()
        ),
        Err(e) => bail!(
            "cannot create cgroup {}: {} ({}); run contlab as root on a machine whose cgroups are mounted read-write",
            path.display(),
            e,
            e.desc()
        ),
    }
}

/// Makes `dir` if it is missing (a shared parent: someone else may make it at the same
/// time); true when this call made it.
fn ensure_dir(dir: &Path, tracer: &Tracer) -> Result<bool> {
    if dir.is_dir() {
        return Ok(false);
    }
    match mkdir(dir, tracer) {
        Ok(()) => Ok(true),
        Err(_) if dir.is_dir() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes `value` to `<dir>/<file>`, traced with the file's kernel name and the shell
/// command a student could type instead.
fn write_file(tracer: &Tracer, dir: &Path, file: &str, value: &str) -> nix::Result<()> {
    let path = dir.join(file);
    tracer.op(
        "write",
        || format!("{:?}, {:?}", path, value),
        || {
            Some(format!(
                "echo {} > {}",
                shell_word(value),
                shell_word(&path.display().to_string())
            ))
        },
        || {
            std::fs::write(&path, value)
                .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
        },
    )
}

/// Writes a limit, turning the kernel's refusal into an error that says what to do.
fn set(tracer: &Tracer, dir: &Path, file: &str, value: &str) -> Result<()> {
    write_file(tracer, dir, file, value).map_err(|e| write_error(dir, file, value, e))
}

/// A refused cgroup write: what was written where, why the kernel refused it and what
/// to change, then the errno itself.
fn write_error(dir: &Path, file: &str, value: &str, e: Errno) -> anyhow::Error {
    use crate::said;
    let value = format!("{value:?}");
    let dir = dir.display();
    let said = match e {
        Errno::ENOENT => match crate::inspect::cgroup_names::other_layout(file) {
            Some((other, layout)) => said!(
                "error-cgroup-file-other-layout",
                value = value,
                file = file,
                dir = dir,
                other = other,
                layout = layout
            ),
            None => said!(
                "error-cgroup-file-missing",
                value = value,
                file = file,
                dir = dir
            ),
        },
        Errno::EINVAL | Errno::ERANGE => {
            said!(
                "error-cgroup-bad-value",
                value = value,
                file = file,
                dir = dir
            )
        }
        Errno::ENODEV => said!(
            "error-cgroup-no-device",
            value = value,
            file = file,
            dir = dir
        ),
        Errno::EBUSY => said!(
            "error-cgroup-below-usage",
            value = value,
            file = file,
            dir = dir
        ),
        Errno::EACCES | Errno::EPERM | Errno::EROFS => {
            said!(
                "error-cgroup-not-writable",
                value = value,
                file = file,
                dir = dir
            )
        }
        _ => said!("error-cgroup-write", value = value, file = file, dir = dir),
    };
    anyhow::Error::new(e).context(said)
}

/// One event per removed directory; the kill before the `rmdir` is part of the command.
fn trace_removed(tracer: &Tracer, removed: &[Removed], start: Instant) {
    if tracer.is_null() {
        return;
    }
    let duration_us = start.elapsed().as_micros() as u64;
    for r in removed.iter().filter(|r| r.kind == "cgroup") {
        let p = shell_word(&r.what);
        tracer.emit(TraceEvent {
            pid: std::process::id() as i32,
            op: "rmdir".into(),
            args: format!("{:?}", r.what),
            ok: r.error.is_none(),
            result: r.error.clone().unwrap_or_else(|| "0".into()),
            duration_us,
            shell: Some(format!(
                "kill -9 $(cat {p}/cgroup.procs) 2>/dev/null; rmdir {p}"
            )),
        });
    }
}

/// `s` as one shell word, quoted only when it needs to be.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_stay_inside_the_hierarchy() {
        for ok in [
            "",
            "contlab",
            "contlab/sub",
            "libpod_parent",
            "runtime-test/x",
        ] {
            validate_parent(ok).unwrap();
        }
        for bad in [
            "/contlab",
            "contlab/../x",
            "..",
            "contlab/",
            "a//b",
            "a/./b",
        ] {
            assert!(validate_parent(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            chain(Path::new("/m"), "a/b"),
            [PathBuf::from("/m/a"), PathBuf::from("/m/a/b")]
        );
        assert!(chain(Path::new("/m"), "").is_empty());
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("33554432"), "33554432");
        assert_eq!(shell_word("50000 100000"), "'50000 100000'");
        assert_eq!(shell_word("+memory +cpu"), "'+memory +cpu'");
        assert_eq!(
            shell_word("/sys/fs/cgroup/memory/contlab/x/memory.limit_in_bytes"),
            "/sys/fs/cgroup/memory/contlab/x/memory.limit_in_bytes"
        );
    }

    const HYBRID: &str = "\
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn hybrid_uses_v1_hierarchies_without_cpuset() {
        let layout = CgroupLayout::from_mountinfo(HYBRID, |_| "hugetlb".into());
        let h = hierarchies(&layout, &[]).unwrap();
        assert_eq!(h.version(), CgroupVersion::V1);
        let dirs: Vec<PathBuf> = h
            .dirs("contlab", "c1")
            .into_iter()
            .map(|d| d.path)
            .collect();
        assert_eq!(
            dirs,
            [
                "/sys/fs/cgroup/memory/contlab/c1",
                "/sys/fs/cgroup/cpu/contlab/c1",
                "/sys/fs/cgroup/cpuacct/contlab/c1",
                "/sys/fs/cgroup/pids/contlab/c1"
            ]
            .map(PathBuf::from)
        );
        assert_eq!(h.oom_kill_file(), "memory.oom_control");
    }

    #[test]
    fn combined_cpu_cpuacct_is_one_directory() {
        let layout = CgroupLayout::from_mountinfo(
            "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n",
            |_| String::new(),
        );
        let h = hierarchies(&layout, &[]).unwrap();
        let dirs = h.dirs("contlab", "c1");
        assert_eq!(dirs.len(), 1);
        assert_eq!(dirs[0].controllers, vec!["cpu", "cpuacct"]);
        // No memory hierarchy: a memory limit cannot be enforced and says so up front.
        let err = h
            .check(&Limits {
                memory: Some(1 << 20),
                ..Default::default()
            })
            .unwrap_err();
        assert!(err.to_string().contains("memory"), "{err}");
    }

    #[test]
    fn pure_v2_and_hybrid_with_controllers_in_cgroup2() {
        let v2 = "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
        let layout = CgroupLayout::from_mountinfo(v2, |_| "cpuset cpu io memory pids".into());
        let h = hierarchies(&layout, &[]).unwrap();
        assert_eq!(h.version(), CgroupVersion::V2);
        let dirs = h.dirs("contlab", "c1");
        assert_eq!(dirs.len(), 1);
        assert_eq!(dirs[0].path, PathBuf::from("/sys/fs/cgroup/contlab/c1"));
        assert_eq!(h.oom_kill_file(), "memory.events");

        let hybrid = "\
40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";
        let layout = CgroupLayout::from_mountinfo(hybrid, |_| "cpu memory pids".into());
        let h = hierarchies(&layout, &[]).unwrap();
        assert_eq!(h.version(), CgroupVersion::V2);
        assert_eq!(
            h.dirs("contlab", "c1")[0].path,
            PathBuf::from("/sys/fs/cgroup/unified/contlab/c1")
        );
    }

    #[test]
    fn v2_without_a_controller_refuses_its_limit() {
        let v2 = "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let layout = CgroupLayout::from_mountinfo(v2, |_| "cpu memory".into());
        let h = hierarchies(&layout, &[]).unwrap();
        h.check(&Limits {
            memory: Some(1 << 20),
            ..Default::default()
        })
        .unwrap();
        let err = h
            .check(&Limits {
                pids: Some(5),
                ..Default::default()
            })
            .unwrap_err();
        assert!(err.to_string().contains("pids"), "{err}");
    }

    #[test]
    fn no_cgroups_mounted() {
        let layout = CgroupLayout::from_mountinfo("", |_| String::new());
        assert!(hierarchies(&layout, &[]).is_err());
    }
}
