//! Changing a running container's limits (`contlab runtime update`, as `runc update`):
//! only the values given are written, each through the container's own cgroup files,
//! in the order the kernel accepts them.

use super::{Cgroup, CgroupDirs, CgroupVersion, ControllerDir, Tracer};
use crate::inspect::cgroups::CgroupLayout;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// The values `update` may change; `None` leaves a value as it is. A negative number
/// means "no limit" (`-1`, as runc takes it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Update {
    /// Bytes of memory.
    pub memory: Option<i64>,
    /// Memory plus swap, in bytes (runc's `--memory-swap`).
    pub memory_swap: Option<i64>,
    pub cpu_quota: Option<i64>,
    pub cpu_period: Option<u64>,
    /// v1 `cpu.shares` units; v2 gets the matching `cpu.weight`.
    pub cpu_shares: Option<u64>,
    pub cpuset_cpus: Option<String>,
    pub cpuset_mems: Option<String>,
    pub pids: Option<i64>,
    /// Bytes the kernel tries to keep the container at under memory pressure (v1
    /// `memory.soft_limit_in_bytes`, v2 `memory.low`).
    pub memory_reservation: Option<i64>,
    /// Real-time CPU time per period, in microseconds (v1 only: `cpu.rt_*`).
    pub cpu_rt_period: Option<u64>,
    pub cpu_rt_runtime: Option<i64>,
    /// The block I/O weight, 10 to 1000 (v1 `blkio.weight`, v2 `io.weight` scaled).
    pub blkio_weight: Option<u16>,
}

impl Update {
    pub fn is_empty(&self) -> bool {
        *self == Update::default()
    }
}

impl Cgroup {
    /// The cgroup whose directories are `paths` (as a container's state saved them),
    /// with the controllers each directory holds in the current layout.
    pub fn at(id: &str, paths: &[PathBuf]) -> Result<Cgroup> {
        let layout = CgroupLayout::detect()?;
        let v1_of = |p: &Path| {
            layout
                .v1
                .iter()
                .filter(|h| p.starts_with(&h.mount))
                .max_by_key(|h| h.mount.components().count())
        };
        let version = if paths.iter().any(|p| v1_of(p).is_some()) {
            CgroupVersion::V1
        } else {
            CgroupVersion::V2
        };
        let dirs = paths
            .iter()
            .filter(|p| p.is_dir())
            .map(|p| ControllerDir {
                controllers: v1_of(p).map(|h| h.controllers.clone()).unwrap_or_default(),
                path: p.clone(),
            })
            .collect::<Vec<_>>();
        if dirs.is_empty() {
            crate::bail_said!("error-update-no-cgroup", id = format!("{id:?}"));
        }
        let dirs = super::with_v2_controllers(CgroupDirs { version, dirs });
        Ok(Cgroup {
            id: id.to_string(),
            dirs,
            oom_kill_file: match version {
                CgroupVersion::V1 => "memory.oom_control",
                CgroupVersion::V2 => "memory.events",
            },
        })
    }

    /// Writes the values `u` gives, as runc's cgroup managers order them: memory and
    /// memory+swap so that the limit never rises above the swap limit, the CFS period
    /// before the quota, the memory nodes before the CPUs.
    pub fn update(&self, u: &Update, tracer: &Tracer) -> Result<()> {
        match self.dirs.version {
            CgroupVersion::V1 => self.update_v1(u, tracer),
            CgroupVersion::V2 => self.update_v2(u, tracer),
        }
    }

    fn dir_of(&self, controller: &str) -> Result<&Path> {
        match self.dirs.dir(controller) {
            Some(d) => Ok(d),
            None => crate::bail_said!(
                "error-update-no-controller",
                id = format!("{:?}", self.id),
                controller = controller
            ),
        }
    }

    fn update_v1(&self, u: &Update, tracer: &Tracer) -> Result<()> {
        if u.memory.is_some() || u.memory_swap.is_some() {
            let d = self.dir_of("memory")?;
            let has_swap = d.join("memory.memsw.limit_in_bytes").exists();
            let mem = u.memory.map(v1_number);
            // contlab's containers get no swap (memory+swap = memory, see `v1::apply`);
            // a new memory limit keeps that unless the swap is given too.
            let swap = match u.memory_swap {
                Some(s) => Some(v1_number(s)),
                None if has_swap => mem.clone(),
                None => None,
            };
            let current: i128 = read_number(&d.join("memory.limit_in_bytes"));
            // Raising: memory+swap first, as the kernel wants it >= the memory limit.
            let swap_first = swap
                .as_deref()
                .is_some_and(|s| s == "-1" || s.parse::<i128>().is_ok_and(|s| s > current));
            let mut writes = Vec::new();
            if let Some(m) = mem {
                writes.push(("memory.limit_in_bytes", m));
            }
            if let Some(s) = swap.filter(|_| has_swap) {
                let w = ("memory.memsw.limit_in_bytes", s);
                if swap_first {
                    writes.insert(0, w);
                } else {
                    writes.push(w);
                }
            }
            for (file, value) in writes {
                super::set(tracer, d, file, &value)?;
            }
        }
        if let Some(r) = u.memory_reservation {
            let d = self.dir_of("memory")?;
            super::set(tracer, d, "memory.soft_limit_in_bytes", &v1_number(r))?;
        }
        if u.cpu_period.is_some() || u.cpu_quota.is_some() || u.cpu_shares.is_some() {
            let d = self.dir_of("cpu")?;
            if let Some(p) = u.cpu_period {
                super::set(tracer, d, "cpu.cfs_period_us", &p.to_string())?;
            }
            if let Some(q) = u.cpu_quota {
                super::set(tracer, d, "cpu.cfs_quota_us", &v1_number(q))?;
            }
            if let Some(s) = u.cpu_shares {
                super::v2::check_shares(s)?;
                super::set(tracer, d, "cpu.shares", &s.to_string())?;
            }
        }
        self.update_rt_v1(u, tracer)?;
        self.update_cpuset(u, tracer)?;
        if let Some(n) = u.pids {
            super::set(tracer, self.dir_of("pids")?, "pids.max", &max_or(n))?;
        }
        if let Some(w) = u.blkio_weight {
            check_blkio_weight(w)?;
            let d = self.dir_of("blkio")?;
            // As runc: the BFQ scheduler's file where there is one, else CFQ's.
            let file = if d.join("blkio.weight").exists() && !d.join("blkio.bfq.weight").exists() {
                "blkio.weight"
            } else {
                "blkio.bfq.weight"
            };
            self.weight_file(d, file, "blkio")?;
            super::set(tracer, d, file, &w.to_string())?;
        }
        Ok(())
    }

    /// v1 `cpu.rt_period_us` and `cpu.rt_runtime_us`, which the kernel checks against
    /// each other: as runc, a period the kernel refuses (EINVAL) while a runtime is also
    /// given is written again after the runtime.
    fn update_rt_v1(&self, u: &Update, tracer: &Tracer) -> Result<()> {
        if u.cpu_rt_period.is_none() && u.cpu_rt_runtime.is_none() {
            return Ok(());
        }
        let d = self.dir_of("cpu")?;
        if !d.join("cpu.rt_runtime_us").exists() {
            crate::bail_said!("error-update-no-rt", id = format!("{:?}", self.id));
        }
        let mut retry = None;
        if let Some(p) = u.cpu_rt_period {
            let p = p.to_string();
            match super::write_file(tracer, d, "cpu.rt_period_us", &p) {
                Ok(()) => {}
                Err(nix::errno::Errno::EINVAL) if u.cpu_rt_runtime.is_some() => retry = Some(p),
                Err(e) => return Err(super::write_error(d, "cpu.rt_period_us", &p, e)),
            }
        }
        if let Some(r) = u.cpu_rt_runtime {
            super::set(tracer, d, "cpu.rt_runtime_us", &r.to_string())?;
        }
        if let Some(p) = retry {
            super::set(tracer, d, "cpu.rt_period_us", &p)?;
        }
        Ok(())
    }

    /// A weight file the I/O scheduler provides: without one (no BFQ or CFQ on the
    /// disks' queues), said by name as runc fails on it.
    fn weight_file(&self, d: &Path, file: &str, controller: &str) -> Result<()> {
        if !d.join(file).exists() {
            crate::bail_said!(
                "error-update-no-weight",
                id = format!("{:?}", self.id),
                file = file,
                controller = controller
            );
        }
        Ok(())
    }

    fn update_v2(&self, u: &Update, tracer: &Tracer) -> Result<()> {
        if u.memory.is_some() || u.memory_swap.is_some() {
            let d = self.dir_of("memory")?;
            if let Some(m) = u.memory {
                super::set(tracer, d, "memory.max", &max_or(m))?;
            }
            // v2 limits swap alone: runc writes memory+swap minus memory.
            if let Some(s) = u.memory_swap
                && d.join("memory.swap.max").exists()
            {
                let mem = u
                    .memory
                    .unwrap_or_else(|| read_number(&d.join("memory.max")) as i64);
                let swap = if s < 0 || mem < 0 {
                    "max".to_string()
                } else {
                    (s - mem).max(0).to_string()
                };
                super::set(tracer, d, "memory.swap.max", &swap)?;
            }
        }
        if u.cpu_period.is_some() || u.cpu_quota.is_some() {
            let d = self.dir_of("cpu")?;
            let now = std::fs::read_to_string(d.join("cpu.max")).unwrap_or_default();
            let mut it = now.split_whitespace();
            let (old_quota, old_period) = (
                it.next().unwrap_or("max").to_string(),
                it.next().unwrap_or("100000").to_string(),
            );
            let quota = u.cpu_quota.map_or(old_quota, max_or);
            let period = u.cpu_period.map_or(old_period, |p| p.to_string());
            super::set(tracer, d, "cpu.max", &format!("{quota} {period}"))?;
        }
        if let Some(s) = u.cpu_shares {
            super::v2::check_shares(s)?;
            let w = super::v2::shares_to_weight(s).to_string();
            super::set(tracer, self.dir_of("cpu")?, "cpu.weight", &w)?;
        }
        if let Some(r) = u.memory_reservation {
            super::set(tracer, self.dir_of("memory")?, "memory.low", &max_or(r))?;
        }
        if u.cpu_rt_period.is_some() || u.cpu_rt_runtime.is_some() {
            crate::bail_said!("error-update-no-rt", id = format!("{:?}", self.id));
        }
        self.update_cpuset(u, tracer)?;
        if let Some(n) = u.pids {
            super::set(tracer, self.dir_of("pids")?, "pids.max", &max_or(n))?;
        }
        if let Some(w) = u.blkio_weight {
            check_blkio_weight(w)?;
            let d = self.dir_of("io")?;
            // BFQ's weight has v1's range; io.weight (1..10000) gets it scaled, as runc.
            if d.join("io.bfq.weight").exists() {
                super::set(tracer, d, "io.bfq.weight", &w.to_string())?;
            } else {
                self.weight_file(d, "io.weight", "io")?;
                super::set(tracer, d, "io.weight", &blkio_to_io_weight(w).to_string())?;
            }
        }
        Ok(())
    }

    /// `cpuset.mems`, then `cpuset.cpus` (same names on both versions).
    fn update_cpuset(&self, u: &Update, tracer: &Tracer) -> Result<()> {
        if u.cpuset_cpus.is_none() && u.cpuset_mems.is_none() {
            return Ok(());
        }
        let d = self.dir_of("cpuset")?;
        if !d.join("cpuset.cpus").exists() {
            crate::bail_said!(
                "error-update-no-controller",
                id = format!("{:?}", self.id),
                controller = "cpuset"
            );
        }
        if let Some(m) = &u.cpuset_mems {
            super::set(tracer, d, "cpuset.mems", m)?;
        }
        if let Some(c) = &u.cpuset_cpus {
            super::set(tracer, d, "cpuset.cpus", c)?;
        }
        Ok(())
    }
}

/// runc's range for `--blkio-weight`, which the kernel also enforces.
fn check_blkio_weight(w: u16) -> Result<()> {
    if !(10..=1000).contains(&w) {
        crate::bail_said!("error-blkio-weight-range", weight = w);
    }
    Ok(())
}

/// v1's block I/O weight (10..1000) on v2's `io.weight` scale (1..10000), the linear
/// map runc uses.
fn blkio_to_io_weight(w: u16) -> u64 {
    1 + (u64::from(w).clamp(10, 1000) - 10) * 9999 / 990
}

/// A v1 limit: a negative number is `-1`, "no limit".
fn v1_number(n: i64) -> String {
    limit(n, "-1")
}

/// A v2 limit (and `pids.max` on both): a negative number is `max`.
fn max_or(n: i64) -> String {
    limit(n, "max")
}

fn limit(n: i64, none: &str) -> String {
    if n < 0 {
        none.to_string()
    } else {
        n.to_string()
    }
}

/// A cgroup file's number; "max" or a missing file counts as no limit (the largest).
fn read_number(path: &Path) -> i128 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(i64::MAX as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v1_cgroup(root: &Path) -> Cgroup {
        let dir = |c: &str| {
            let p = root.join(c);
            std::fs::create_dir_all(&p).unwrap();
            ControllerDir {
                controllers: vec![c.to_string()],
                path: p,
            }
        };
        let dirs = vec![dir("memory"), dir("cpu"), dir("pids")];
        Cgroup {
            id: "u1".into(),
            dirs: CgroupDirs {
                version: CgroupVersion::V1,
                dirs,
            },
            oom_kill_file: "memory.oom_control",
        }
    }

    /// Raising the memory limit writes memory+swap first, lowering it writes it last,
    /// and the trace shows that order.
    #[test]
    fn v1_orders_memory_and_swap() {
        let root = tempfile::tempdir().unwrap();
        let cg = v1_cgroup(root.path());
        let mem = root.path().join("memory");
        std::fs::write(mem.join("memory.limit_in_bytes"), "33554432\n").unwrap();
        std::fs::write(mem.join("memory.memsw.limit_in_bytes"), "33554432\n").unwrap();
        let (tracer, events) = Tracer::channel();
        // (new limit, the file written first)
        for (bytes, first) in [(64 << 20, "memsw"), (16 << 20, "memory.limit_in_bytes")] {
            let u = Update {
                memory: Some(bytes),
                ..Default::default()
            };
            cg.update(&u, &tracer).unwrap();
            let files: Vec<String> = events.try_iter().map(|e| e.args).collect();
            assert_eq!(files.len(), 2, "{files:?}");
            assert!(files[0].contains(first), "{bytes}: {files:?}");
        }
        let read = |f: &str| std::fs::read_to_string(mem.join(f)).unwrap();
        assert_eq!(read("memory.limit_in_bytes"), "16777216");
        assert_eq!(read("memory.memsw.limit_in_bytes"), "16777216");

        let cpu = Update {
            cpu_quota: Some(-1),
            cpu_period: Some(50_000),
            pids: Some(-1),
            ..Default::default()
        };
        cg.update(&cpu, &tracer).unwrap();
        let read = |f: &str| std::fs::read_to_string(root.path().join(f)).unwrap();
        assert_eq!(read("cpu/cpu.cfs_quota_us"), "-1");
        assert_eq!(read("cpu/cpu.cfs_period_us"), "50000");
        assert_eq!(read("pids/pids.max"), "max");
        // No cpuset directory: said by name, nothing written.
        let err = cg
            .update(
                &Update {
                    cpuset_cpus: Some("0".into()),
                    ..Default::default()
                },
                &tracer,
            )
            .unwrap_err();
        assert!(format!("{err:#}").contains("cpuset"), "{err:#}");
    }

    /// v2 keeps the other half of `cpu.max` and turns memory+swap into swap alone.
    #[test]
    fn v2_keeps_the_other_half_of_cpu_max() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("c");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("cpu.max"), "50000 100000\n").unwrap();
        std::fs::write(d.join("memory.swap.max"), "0\n").unwrap();
        let cg = Cgroup {
            id: "u2".into(),
            dirs: CgroupDirs {
                version: CgroupVersion::V2,
                dirs: vec![ControllerDir {
                    controllers: vec!["cpu".into(), "memory".into()],
                    path: d.clone(),
                }],
            },
            oom_kill_file: "memory.events",
        };
        let u = Update {
            cpu_quota: Some(20_000),
            memory: Some(64 << 20),
            memory_swap: Some(96 << 20),
            ..Default::default()
        };
        cg.update(&u, &Tracer::null()).unwrap();
        let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
        assert_eq!(read("cpu.max"), "20000 100000");
        assert_eq!(read("memory.max"), "67108864");
        assert_eq!(read("memory.swap.max"), "33554432");
    }

    /// The reservation, real-time limits and block I/O weight land in each version's
    /// own files; v2 refuses real-time limits by name and scales the weight.
    #[test]
    fn reservation_rt_and_blkio_weight_on_both_versions() {
        let root = tempfile::tempdir().unwrap();
        let mut cg = v1_cgroup(root.path());
        let blkio = root.path().join("blkio");
        std::fs::create_dir(&blkio).unwrap();
        std::fs::write(blkio.join("blkio.weight"), "100\n").unwrap();
        std::fs::write(root.path().join("cpu/cpu.rt_runtime_us"), "0\n").unwrap();
        cg.dirs.dirs.push(ControllerDir {
            controllers: vec!["blkio".into()],
            path: blkio.clone(),
        });
        let u = Update {
            memory_reservation: Some(16 << 20),
            cpu_rt_period: Some(100_000),
            cpu_rt_runtime: Some(1000),
            blkio_weight: Some(500),
            ..Default::default()
        };
        cg.update(&u, &Tracer::null()).unwrap();
        let read = |f: &str| std::fs::read_to_string(root.path().join(f)).unwrap();
        assert_eq!(read("memory/memory.soft_limit_in_bytes"), "16777216");
        assert_eq!(read("cpu/cpu.rt_period_us"), "100000");
        assert_eq!(read("cpu/cpu.rt_runtime_us"), "1000");
        assert_eq!(read("blkio/blkio.weight"), "500");
        let low = Update {
            blkio_weight: Some(5),
            ..Default::default()
        };
        assert!(cg.update(&low, &Tracer::null()).is_err());

        let d = root.path().join("v2");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("io.weight"), "default 100\n").unwrap();
        let v2 = Cgroup {
            id: "u3".into(),
            dirs: CgroupDirs {
                version: CgroupVersion::V2,
                dirs: vec![ControllerDir {
                    controllers: vec!["io".into(), "memory".into(), "cpu".into()],
                    path: d.clone(),
                }],
            },
            oom_kill_file: "memory.events",
        };
        let u = Update {
            memory_reservation: Some(16 << 20),
            blkio_weight: Some(500),
            ..Default::default()
        };
        v2.update(&u, &Tracer::null()).unwrap();
        let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
        assert_eq!(read("memory.low"), "16777216");
        assert_eq!(read("io.weight"), "4950");
        let rt = Update {
            cpu_rt_runtime: Some(1000),
            ..Default::default()
        };
        let err = v2.update(&rt, &Tracer::null()).unwrap_err();
        assert!(format!("{err:#}").contains("cpu.rt_runtime_us"), "{err:#}");
    }
}
