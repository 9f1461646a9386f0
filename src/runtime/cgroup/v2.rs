//! cgroup v2: one directory in the unified hierarchy. A controller's files appear in it
//! only once every ancestor lists the controller in `cgroup.subtree_control`.

use super::{CgroupDirs, CgroupVersion, ControllerDir, DeviceRule, Hierarchies, Limits, Tracer};
use crate::inspect::cgroups::CgroupLayout;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// The v2 controllers contlab switches on for its cgroups (v2 has no separate cpuacct:
/// `cpu.stat` always carries the usage).
const WANTED: [&str; 3] = ["memory", "cpu", "pids"];

pub(super) struct V2 {
    mount: PathBuf,
    /// The controllers the hierarchy's root offers (its `cgroup.controllers`).
    available: Vec<String>,
    /// [`WANTED`], plus `cpuset` for a container that pins CPUs or memory nodes and
    /// `io` for one that may get a block I/O weight (`Limits::blkio`).
    wanted: Vec<&'static str>,
}

impl V2 {
    /// `extra`: controllers beyond [`WANTED`] to pass down (`cpuset`; `blkio`, which is
    /// v2's `io`).
    pub(super) fn new(layout: &CgroupLayout, extra: &[&str]) -> Result<Self> {
        let mut wanted = WANTED.to_vec();
        if extra.contains(&"cpuset") {
            wanted.push("cpuset");
        }
        if extra.contains(&"blkio") {
            wanted.push("io");
        }
        match &layout.unified {
            Some(u) => Ok(V2 {
                mount: u.mount.clone(),
                available: u.controllers.clone(),
                wanted,
            }),
            None => bail!(
                "no cgroup2 filesystem is mounted; mount one with `mount -t cgroup2 none /sys/fs/cgroup`"
            ),
        }
    }

    /// Enables in `dir`'s `cgroup.subtree_control` each wanted controller that `dir`
    /// itself has and has not yet passed down.
    fn enable_controllers(&self, dir: &Path, tracer: &Tracer) -> Result<()> {
        let words = |file: &str| -> Vec<String> {
            std::fs::read_to_string(dir.join(file))
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect()
        };
        let has = words("cgroup.controllers");
        let enabled = words("cgroup.subtree_control");
        let missing: Vec<String> = self
            .wanted
            .iter()
            .filter(|c| has.iter().any(|h| h == *c) && !enabled.iter().any(|e| e == *c))
            .map(|c| format!("+{c}"))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let value = missing.join(" ");
        super::write_file(tracer, dir, "cgroup.subtree_control", &value).map_err(|e| {
            if e == nix::errno::Errno::EBUSY {
                anyhow::anyhow!(
                    "cannot enable {value:?} in {}/cgroup.subtree_control: the cgroup has processes of its own (cgroup v2 allows controllers only below cgroups without processes); move them into a child cgroup first",
                    dir.display()
                )
            } else {
                super::write_error(dir, "cgroup.subtree_control", &value, e)
            }
        })
    }
}

/// Loads the device rules as an eBPF program (`bpf.rs`) and attaches it to cgroup
/// `dir`, each step traced as the `bpf(2)` call it is.
fn attach_device_program(dir: &Path, rules: &[DeviceRule], tracer: &Tracer) -> Result<()> {
    let insns = super::bpf::program(rules);
    let mut log = String::new();
    let prog = tracer
        .op(
            "bpf",
            || {
                format!(
                    "BPF_PROG_LOAD, {{prog_type: BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt: {}}}",
                    insns.len()
                )
            },
            || None,
            || {
                super::bpf::load(&insns).map_err(|(e, l)| {
                    log = l;
                    e
                })
            },
        )
        .map_err(|e| {
            anyhow::Error::new(e).context(crate::said!(
                "error-cgroup-bpf-load",
                rules = rules.len(),
                log = log.lines().last().unwrap_or("")
            ))
        })?;
    tracer
        .op(
            "bpf",
            || {
                format!(
                    "BPF_PROG_ATTACH, {{target: {dir:?}, attach_type: BPF_CGROUP_DEVICE, flags: BPF_F_ALLOW_MULTI}}"
                )
            },
            || None,
            || super::bpf::attach(&prog, dir),
        )
        .map_err(|e| {
            anyhow::Error::new(e).context(crate::said!(
                "error-cgroup-bpf-attach",
                dir = dir.display()
            ))
        })
}

/// v1 `cpu.shares` range; v2 `cpu.weight` is derived from it.
pub(super) fn check_shares(shares: u64) -> Result<()> {
    if !(2..=262_144).contains(&shares) {
        crate::bail_said!("error-cpu-shares-range", shares = shares);
    }
    Ok(())
}

/// Maps v1 `cpu.shares` (2..262144, default 1024) linearly onto v2 `cpu.weight`
/// (1..10000, default 100), the same mapping other OCI runtimes use.
pub(super) fn shares_to_weight(shares: u64) -> u64 {
    1 + (shares.clamp(2, 262_144) - 2) * 9999 / 262_142
}

impl Hierarchies for V2 {
    fn version(&self) -> CgroupVersion {
        CgroupVersion::V2
    }

    fn dirs(&self, parent: &str, id: &str) -> Vec<ControllerDir> {
        vec![ControllerDir {
            controllers: self
                .wanted
                .iter()
                .filter(|c| self.available.iter().any(|a| a == *c))
                .map(|c| c.to_string())
                .collect(),
            path: self.mount.join(parent).join(id),
        }]
    }

    fn check(&self, limits: &Limits) -> Result<()> {
        let needed = [
            (
                "memory",
                limits.memory.is_some() || !limits.memory_more.is_empty(),
            ),
            ("cpu", limits.cpu.is_some()),
            ("pids", limits.pids.is_some()),
            ("cpuset", limits.cpuset.is_some()),
            ("io", limits.block_io.writes_on_v2()),
        ];
        for (controller, wanted) in needed {
            if wanted && !self.available.iter().any(|a| a == controller) {
                crate::bail_said!(
                    "error-cgroup-v2-no-controller",
                    mount = self.mount.display(),
                    controller = controller
                );
            }
        }
        if let Some(shares) = limits.cpu.as_ref().and_then(|c| c.shares) {
            check_shares(shares)?;
        }
        Ok(())
    }

    fn parent_chain(&self, parent: &str) -> Vec<PathBuf> {
        super::chain(&self.mount, parent)
    }

    fn prepare_parent(&self, parent: &str, tracer: &Tracer) -> Result<Vec<PathBuf>> {
        // Top down: a controller can be passed on only by a cgroup that received it.
        self.enable_controllers(&self.mount, tracer)?;
        let mut made = Vec::new();
        for dir in super::chain(&self.mount, parent) {
            if super::ensure_dir(&dir, tracer)? {
                made.push(dir.clone());
            }
            self.enable_controllers(&dir, tracer)?;
        }
        Ok(made)
    }

    fn apply(&self, dirs: &CgroupDirs, limits: &Limits, tracer: &Tracer) -> Result<()> {
        let Some(d) = dirs.dir("memory") else {
            bail!("the cgroup's directory disappeared while it was being made; try again");
        };
        let more = &limits.memory_more;
        // Swap is limited separately on v2, the swap alone: runc writes memory+swap
        // minus memory. Without a swap value a container gets none, so it is
        // OOM-killed rather than swapping. The file exists only with swap accounting.
        let swap = match (more.swap, limits.memory) {
            (Some(s), _) if s < 0 => Some("max".to_string()),
            (Some(s), Some(m)) => Some((s - m as i64).max(0).to_string()),
            (Some(s), None) => Some(s.to_string()),
            (None, Some(_)) => Some("0".to_string()),
            (None, None) => None,
        };
        if let Some(swap) = swap {
            if d.join("memory.swap.max").exists() {
                super::set(tracer, d, "memory.swap.max", &swap)?;
            } else if more.swap.is_some_and(|s| s >= 0) && swap != "0" {
                crate::bail_said!("error-cgroup-no-swap-accounting");
            }
        }
        if let Some(bytes) = limits.memory {
            super::set(tracer, d, "memory.max", &bytes.to_string())?;
        }
        if let Some(low) = more.reservation {
            let low = if low < 0 {
                "max".to_string()
            } else {
                low.to_string()
            };
            super::set(tracer, d, "memory.low", &low)?;
        }
        if let Some(cpu) = &limits.cpu {
            super::set(
                tracer,
                d,
                "cpu.max",
                &format!("{} {}", cpu.quota_us, cpu.period_us),
            )?;
            if let Some(shares) = cpu.shares {
                super::set(
                    tracer,
                    d,
                    "cpu.weight",
                    &shares_to_weight(shares).to_string(),
                )?;
            }
        }
        if let Some(n) = limits.pids {
            super::set(tracer, d, "pids.max", &n.to_string())?;
        }
        if let Some(rules) = &limits.devices {
            attach_device_program(d, rules, tracer)?;
        }
        if let Some(cpuset) = &limits.cpuset {
            // Empty on v2 means "the parent's": only what the bundle names is written.
            if let Some(mems) = &cpuset.mems {
                super::set(tracer, d, "cpuset.mems", mems)?;
            }
            if let Some(cpus) = &cpuset.cpus {
                super::set(tracer, d, "cpuset.cpus", cpus)?;
            }
        }
        Ok(())
    }

    fn oom_kill_file(&self) -> &'static str {
        "memory.events"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::runtime::cgroup::CpuLimit;

    /// The v2 steps on a directory tree shaped like a cgroup2 mount, so they run (and
    /// show their writes) on any machine; the kernel's side is in tests/cgroup.rs.
    #[test]
    fn enables_controllers_top_down_and_writes_v2_files() {
        let root = tempfile::tempdir().unwrap();
        let mount = root.path();
        std::fs::write(
            mount.join("cgroup.controllers"),
            "cpuset cpu io memory pids\n",
        )
        .unwrap();
        std::fs::write(mount.join("cgroup.subtree_control"), "cpu\n").unwrap();
        // What the kernel would show in the parent once the root passes the controllers on.
        std::fs::create_dir(mount.join("contlab")).unwrap();
        std::fs::write(
            mount.join("contlab/cgroup.controllers"),
            "cpu memory pids\n",
        )
        .unwrap();
        let v2 = V2 {
            mount: mount.to_path_buf(),
            available: vec!["cpu".into(), "memory".into(), "pids".into()],
            wanted: WANTED.to_vec(),
        };
        let (tracer, events) = Tracer::channel();
        v2.prepare_parent("contlab", &tracer).unwrap();
        let read = |p: &str| std::fs::read_to_string(mount.join(p)).unwrap();
        assert_eq!(read("cgroup.subtree_control"), "+memory +pids");
        assert_eq!(read("contlab/cgroup.subtree_control"), "+memory +cpu +pids");
        let shells: Vec<String> = events.try_iter().filter_map(|e| e.shell).collect();
        assert_eq!(
            shells[0],
            format!(
                "echo '+memory +pids' > {}/cgroup.subtree_control",
                mount.display()
            )
        );

        let dirs = CgroupDirs {
            version: CgroupVersion::V2,
            dirs: v2.dirs("contlab", "c1"),
        };
        let leaf = mount.join("contlab/c1");
        assert_eq!(dirs.dirs[0].path, leaf);
        std::fs::create_dir(&leaf).unwrap();
        std::fs::write(leaf.join("memory.swap.max"), "max\n").unwrap();
        let limits = Limits {
            memory: Some(32 << 20),
            cpu: Some(CpuLimit {
                quota_us: 50_000,
                period_us: 100_000,
                shares: Some(1024),
            }),
            pids: Some(5),
            devices: None,
            freezer: false,
            cpuset: None,
            ..Default::default()
        };
        v2.check(&limits).unwrap();
        v2.apply(&dirs, &limits, &tracer).unwrap();
        assert_eq!(read("contlab/c1/memory.max"), "33554432");
        assert_eq!(read("contlab/c1/memory.swap.max"), "0");
        assert_eq!(read("contlab/c1/cpu.max"), "50000 100000");
        assert_eq!(read("contlab/c1/cpu.weight"), "39");
        assert_eq!(read("contlab/c1/pids.max"), "5");
        let shells: Vec<String> = events.try_iter().filter_map(|e| e.shell).collect();
        assert!(
            shells.contains(&format!("echo '50000 100000' > {}/cpu.max", leaf.display())),
            "{shells:?}"
        );
    }

    #[test]
    fn weights_from_shares() {
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(262_144), 10_000);
        assert!(check_shares(1).is_err());
        check_shares(1024).unwrap();
    }
}
