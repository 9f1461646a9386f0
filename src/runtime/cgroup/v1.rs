//! cgroup v1: a directory per hierarchy, each with its controllers' own file names
//! (`memory.limit_in_bytes`, `cpu.cfs_quota_us`, `pids.max`).

use super::{CONTROLLERS, CgroupDirs, CgroupVersion, ControllerDir, Hierarchies, Limits, Tracer};
use crate::inspect::cgroups::{CgroupLayout, V1Hierarchy};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

pub(super) struct V1 {
    /// The mounted hierarchies holding contlab's controllers, each once (`cpu` and
    /// `cpuacct` may share one).
    hierarchies: Vec<V1Hierarchy>,
}

impl V1 {
    /// `extra`: further controllers' hierarchies (see `super::hierarchies`).
    pub(super) fn new(layout: &CgroupLayout, extra: &[&str]) -> Self {
        let mut hierarchies: Vec<V1Hierarchy> = Vec::new();
        for c in CONTROLLERS.iter().chain(extra) {
            if let Some(h) = layout.v1_mount(c)
                && !hierarchies.iter().any(|x| x.mount == h.mount)
            {
                hierarchies.push(h.clone());
            }
        }
        V1 { hierarchies }
    }

    fn has(&self, controller: &str) -> bool {
        self.hierarchies
            .iter()
            .any(|h| h.controllers.iter().any(|c| c == controller))
    }
}

impl Hierarchies for V1 {
    fn version(&self) -> CgroupVersion {
        CgroupVersion::V1
    }

    fn dirs(&self, parent: &str, id: &str) -> Vec<ControllerDir> {
        self.hierarchies
            .iter()
            .map(|h| ControllerDir {
                controllers: h.controllers.clone(),
                path: h.mount.join(parent).join(id),
            })
            .collect()
    }

    fn check(&self, limits: &Limits) -> Result<()> {
        let needed = [
            (
                "memory",
                limits.memory.is_some() || !limits.memory_more.is_empty(),
            ),
            ("cpu", limits.cpu.is_some()),
            ("pids", limits.pids.is_some()),
            ("devices", limits.devices.is_some()),
            ("blkio", !limits.block_io.is_empty()),
        ];
        for (controller, wanted) in needed {
            if wanted && !self.has(controller) {
                crate::bail_said!("error-cgroup-v1-no-controller", controller = controller);
            }
        }
        if let Some(shares) = limits.cpu.as_ref().and_then(|c| c.shares) {
            super::v2::check_shares(shares)?;
        }
        Ok(())
    }

    fn parent_chain(&self, parent: &str) -> Vec<PathBuf> {
        self.hierarchies
            .iter()
            .flat_map(|h| super::chain(&h.mount, parent))
            .collect()
    }

    fn prepare_parent(&self, parent: &str, tracer: &Tracer) -> Result<Vec<PathBuf>> {
        let mut made = Vec::new();
        for h in &self.hierarchies {
            let cpuset = h.controllers.iter().any(|c| c == "cpuset");
            for dir in super::chain(&h.mount, parent) {
                if super::ensure_dir(&dir, tracer)? {
                    made.push(dir.clone());
                }
                if cpuset {
                    inherit_cpuset(&dir, tracer)?;
                }
            }
        }
        Ok(made)
    }

    fn apply(&self, dirs: &CgroupDirs, limits: &Limits, tracer: &Tracer) -> Result<()> {
        let dir = |c: &str| -> Result<&Path> {
            match dirs.dir(c) {
                Some(d) => Ok(d),
                None => bail!(
                    "the {c} hierarchy disappeared while the cgroup was being made; try again"
                ),
            }
        };
        let more = &limits.memory_more;
        if limits.memory.is_some() || !more.is_empty() {
            let d = dir("memory")?;
            let memsw = "memory.memsw.limit_in_bytes";
            if let Some(bytes) = limits.memory {
                super::set(tracer, d, "memory.limit_in_bytes", &bytes.to_string())?;
            }
            // A new cgroup has no limit, so the memory limit goes first and memory+swap
            // (at least as high, or the kernel refuses it) after it. Without a swap
            // value, and with swap accounting on (swapaccount=1), memory+swap is capped
            // at the memory limit, so that the limit means "no more than this" and not
            // "then swap".
            match (more.swap, limits.memory) {
                (Some(swap), _) if d.join(memsw).exists() => {
                    super::set(tracer, d, memsw, &swap.max(-1).to_string())?;
                }
                (Some(_), _) => crate::bail_said!("error-cgroup-no-swap-accounting"),
                (None, Some(bytes)) if d.join(memsw).exists() => {
                    super::set(tracer, d, memsw, &bytes.to_string())?;
                }
                (None, _) => {}
            }
            if let Some(soft) = more.reservation {
                super::set(
                    tracer,
                    d,
                    "memory.soft_limit_in_bytes",
                    &soft.max(-1).to_string(),
                )?;
            }
            // A new cgroup inherits oom_kill_disable from its parent; a limit must end in
            // a kill, not a process frozen waiting for memory, unless the bundle asks.
            let disable = if more.disable_oom_killer { "1" } else { "0" };
            super::set(tracer, d, "memory.oom_control", disable)?;
            if let Some(n) = more.swappiness {
                super::set(tracer, d, "memory.swappiness", &n.to_string())?;
            }
        }
        if let Some(cpu) = &limits.cpu {
            let d = dir("cpu")?;
            // Period first: the kernel checks the quota against the current period.
            super::set(tracer, d, "cpu.cfs_period_us", &cpu.period_us.to_string())?;
            super::set(tracer, d, "cpu.cfs_quota_us", &cpu.quota_us.to_string())?;
            if let Some(shares) = cpu.shares {
                super::set(tracer, d, "cpu.shares", &shares.to_string())?;
            }
        }
        if let Some(n) = limits.pids {
            super::set(tracer, dir("pids")?, "pids.max", &n.to_string())?;
        }
        if let Some(cpuset) = &limits.cpuset {
            // A v1 cpuset cgroup starts with no CPU and no memory node, and takes no
            // process until both are set: the bundle's values, or the parent's.
            let d = dir("cpuset")?;
            inherit_cpuset(d, tracer)?;
            if let Some(mems) = &cpuset.mems {
                super::set(tracer, d, "cpuset.mems", mems)?;
            }
            if let Some(cpus) = &cpuset.cpus {
                super::set(tracer, d, "cpuset.cpus", cpus)?;
            }
        }
        if let Some(rules) = &limits.devices {
            // In order, as runc's v1 manager writes them: a leading `a` deny empties the
            // list a new cgroup inherits, and each later rule adds or removes one entry.
            let d = dir("devices")?;
            for r in rules {
                let file = if r.allow {
                    "devices.allow"
                } else {
                    "devices.deny"
                };
                super::set(tracer, d, file, &r.line())?;
            }
        }
        Ok(())
    }

    fn oom_kill_file(&self) -> &'static str {
        "memory.oom_control"
    }
}

/// Fills an empty `cpuset.cpus` and `cpuset.mems` of v1 cgroup `dir` from its parent's,
/// as runc does for every directory it makes on the way to a container's cpuset.
fn inherit_cpuset(dir: &Path, tracer: &Tracer) -> Result<()> {
    let Some(parent) = dir.parent() else {
        return Ok(());
    };
    for file in ["cpuset.cpus", "cpuset.mems"] {
        let own = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        if own.trim().is_empty() {
            let theirs = std::fs::read_to_string(parent.join(file)).unwrap_or_default();
            if !theirs.trim().is_empty() {
                super::set(tracer, dir, file, theirs.trim())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::cgroup::CpuLimit;

    /// The v1 writes on plain directories: which file each limit goes to, and that
    /// `memory.memsw.limit_in_bytes` is written only where it exists.
    #[test]
    fn writes_v1_files() {
        let root = tempfile::tempdir().unwrap();
        let mountinfo: String = ["memory", "cpu,cpuacct", "pids"]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "{} 1 0:{i} / {}/{c} rw - cgroup cgroup rw,{c}\n",
                    30 + i,
                    root.path().display()
                )
            })
            .collect();
        let layout = CgroupLayout::from_mountinfo(&mountinfo, |_| String::new());
        let v1 = V1::new(&layout, &[]);
        let dirs = CgroupDirs {
            version: CgroupVersion::V1,
            dirs: v1.dirs("contlab", "c1"),
        };
        assert_eq!(dirs.dirs.len(), 3);
        for d in &dirs.dirs {
            std::fs::create_dir_all(&d.path).unwrap();
        }
        let limits = Limits {
            memory: Some(32 << 20),
            cpu: Some(CpuLimit {
                quota_us: 50_000,
                period_us: 100_000,
                shares: Some(512),
            }),
            pids: Some(5),
            devices: None,
            freezer: false,
            cpuset: None,
            ..Default::default()
        };
        v1.check(&limits).unwrap();
        v1.apply(&dirs, &limits, &Tracer::null()).unwrap();
        let read = |p: &str| std::fs::read_to_string(root.path().join(p)).unwrap();
        assert_eq!(read("memory/contlab/c1/memory.limit_in_bytes"), "33554432");
        assert_eq!(read("memory/contlab/c1/memory.oom_control"), "0");
        assert!(
            !root
                .path()
                .join("memory/contlab/c1/memory.memsw.limit_in_bytes")
                .exists()
        );
        assert_eq!(read("cpu,cpuacct/contlab/c1/cpu.cfs_period_us"), "100000");
        assert_eq!(read("cpu,cpuacct/contlab/c1/cpu.cfs_quota_us"), "50000");
        assert_eq!(read("cpu,cpuacct/contlab/c1/cpu.shares"), "512");
        assert_eq!(read("pids/contlab/c1/pids.max"), "5");
    }
}
