//! Changing a running container's limits (`contlab runtime update`, as `runc update`):
//! only the values given are written, each through the container's own cgroup files,
//! in the order the kernel accepts them. The block I/O and real-time writers here are
//! also those `Cgroup::create` uses for a bundle's `blockIO` and `realtime*` values.

use super::{BlockIo, Cgroup, CgroupDirs, CgroupVersion, ControllerDir, CpuRt, Tracer};
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

    fn rt(&self) -> CpuRt {
        CpuRt {
            period: self.cpu_rt_period,
            runtime: self.cpu_rt_runtime,
        }
    }

    fn block_io(&self) -> BlockIo {
        BlockIo {
            weight: self.blkio_weight,
            ..Default::default()
        }
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
        self.write_rt_v1(&u.rt(), tracer)?;
        self.update_cpuset(u, tracer)?;
        if let Some(n) = u.pids {
            super::set(tracer, self.dir_of("pids")?, "pids.max", &max_or(n))?;
        }
        self.write_block_io(&u.block_io(), tracer)
    }

    /// v1 `cpu.rt_period_us` and `cpu.rt_runtime_us`, which the kernel checks against
    /// each other: as runc, a period the kernel refuses (EINVAL) while a runtime is also
    /// given is written again after the runtime. A runtime the kernel refuses is more
    /// than the period, or than the parent cgroup grants: said with the parent's budget.
    pub(super) fn write_rt_v1(&self, rt: &CpuRt, tracer: &Tracer) -> Result<()> {
        if rt.is_empty() {
            return Ok(());
        }
        let d = self.dir_of("cpu")?;
        if !d.join("cpu.rt_runtime_us").exists() {
            crate::bail_said!("error-update-no-rt", id = format!("{:?}", self.id));
        }
        let mut retry = None;
        if let Some(p) = rt.period {
            let p = p.to_string();
            match super::write_file(tracer, d, "cpu.rt_period_us", &p) {
                Ok(()) => {}
                Err(nix::errno::Errno::EINVAL) if rt.runtime.is_some() => retry = Some(p),
                Err(e) => return Err(super::write_error(d, "cpu.rt_period_us", &p, e)),
            }
        }
        if let Some(r) = rt.runtime {
            let r = r.to_string();
            super::write_file(tracer, d, "cpu.rt_runtime_us", &r).map_err(|e| {
                match (e, d.parent()) {
                    (nix::errno::Errno::EINVAL, Some(parent)) => {
                        let budget = std::fs::read_to_string(parent.join("cpu.rt_runtime_us"))
                            .map(|t| t.trim().to_string())
                            .unwrap_or_else(|_| "?".into());
                        anyhow::Error::new(e).context(crate::said!(
                            "error-cgroup-rt-budget",
                            value = r.clone(),
                            dir = d.display(),
                            parent = parent.display(),
                            budget = budget
                        ))
                    }
                    _ => super::write_error(d, "cpu.rt_runtime_us", &r, e),
                }
            })?;
        }
        if let Some(p) = retry {
            super::set(tracer, d, "cpu.rt_period_us", &p)?;
        }
        Ok(())
    }

    /// `linux.resources.blockIO` (and `update --blkio-weight`), written as runc 1.1
    /// writes it on either version. Weights outside 10..1000 are refused first.
    pub(super) fn write_block_io(&self, b: &BlockIo, tracer: &Tracer) -> Result<()> {
        if b.is_empty() {
            return Ok(());
        }
        let weights = b.weight.iter().chain(&b.leaf_weight).chain(
            b.weight_device
                .iter()
                .flat_map(|wd| wd.weight.iter().chain(&wd.leaf_weight)),
        );
        for w in weights {
            check_blkio_weight(*w)?;
        }
        match self.dirs.version {
            CgroupVersion::V1 => self.block_io_v1(b, tracer),
            CgroupVersion::V2 => self.block_io_v2(b, tracer),
        }
    }

    /// v1: CFQ's weight files where `blkio.weight` exists, else BFQ's (runc's pick), the
    /// leaf weights (CFQ only), then each throttle, one `MAJOR:MINOR VALUE` line a write.
    fn block_io_v1(&self, b: &BlockIo, tracer: &Tracer) -> Result<()> {
        let d = self.dir_of("blkio")?;
        let (weight, weight_device) = if d.join("blkio.weight").exists() {
            ("blkio.weight", "blkio.weight_device")
        } else {
            ("blkio.bfq.weight", "blkio.bfq.weight_device")
        };
        let mut writes: Vec<(&str, String)> = Vec::new();
        if let Some(w) = b.weight {
            writes.push((weight, w.to_string()));
        }
        if let Some(w) = b.leaf_weight {
            writes.push(("blkio.leaf_weight", w.to_string()));
        }
        for wd in &b.weight_device {
            if let Some(w) = wd.weight {
                writes.push((weight_device, format!("{}:{} {w}", wd.major, wd.minor)));
            }
            if let Some(w) = wd.leaf_weight {
                let line = format!("{}:{} {w}", wd.major, wd.minor);
                writes.push(("blkio.leaf_weight_device", line));
            }
        }
        for (file, list) in [
            ("blkio.throttle.read_bps_device", &b.throttle_read_bps),
            ("blkio.throttle.write_bps_device", &b.throttle_write_bps),
            ("blkio.throttle.read_iops_device", &b.throttle_read_iops),
            ("blkio.throttle.write_iops_device", &b.throttle_write_iops),
        ] {
            for t in list {
                writes.push((file, format!("{}:{} {}", t.major, t.minor, t.rate)));
            }
        }
        for (file, value) in &writes {
            if file.contains("weight") {
                self.weight_file(d, file, "blkio")?;
            }
            super::set(tracer, d, file, value)?;
        }
        Ok(())
    }

    /// v2, as runc 1.1's `setIo`: the weight in `io.bfq.weight` where BFQ is there,
    /// else in `io.weight` scaled; per-device weights only into a BFQ file that takes
    /// them (kernel 5.4 on: it reads `default N`), else left out as runc leaves them;
    /// each throttle a `MAJOR:MINOR rbps=N` line in `io.max`. Leaf weights have no v2
    /// file: a bundle with nothing else writes nothing.
    fn block_io_v2(&self, b: &BlockIo, tracer: &Tracer) -> Result<()> {
        let throttles = [
            ("rbps", &b.throttle_read_bps),
            ("wbps", &b.throttle_write_bps),
            ("riops", &b.throttle_read_iops),
            ("wiops", &b.throttle_write_iops),
        ];
        if !b.writes_on_v2() {
            return Ok(());
        }
        let d = self.dir_of("io")?;
        let bfq = d.join("io.bfq.weight").exists();
        if let Some(w) = b.weight {
            if bfq {
                super::set(tracer, d, "io.bfq.weight", &w.to_string())?;
            } else {
                self.weight_file(d, "io.weight", "io")?;
                super::set(tracer, d, "io.weight", &blkio_to_io_weight(w).to_string())?;
            }
        }
        let per_device = bfq
            && std::fs::read_to_string(d.join("io.bfq.weight"))
                .is_ok_and(|t| t.trim().parse::<i64>().is_err());
        if per_device {
            for wd in &b.weight_device {
                let line = format!("{}:{} {}", wd.major, wd.minor, wd.weight.unwrap_or(0));
                super::set(tracer, d, "io.bfq.weight", &line)?;
            }
        }
        for (key, list) in throttles {
            for t in list {
                let line = format!("{}:{} {key}={}", t.major, t.minor, t.rate);
                super::set(tracer, d, "io.max", &line)?;
            }
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
        self.write_block_io(&u.block_io(), tracer)
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

    /// A bundle's whole `blockIO`, in runc 1.1's files and order: v1 BFQ's files where
    /// CFQ's `blkio.weight` is missing; v2 per-device weights into a BFQ file that reads
    /// `default N`, throttles as `io.max` keys, leaf weights left out.
    #[test]
    fn block_io_in_runcs_files_on_both_versions() {
        use super::super::{Throttle, WeightDevice};
        let b = BlockIo {
            weight: Some(500),
            leaf_weight: Some(300),
            weight_device: vec![WeightDevice {
                major: 8,
                minor: 0,
                weight: Some(400),
                leaf_weight: None,
            }],
            throttle_read_bps: vec![Throttle {
                major: 8,
                minor: 0,
                rate: 1024,
            }],
            throttle_write_iops: vec![Throttle {
                major: 8,
                minor: 0,
                rate: 7,
            }],
            ..Default::default()
        };
        let written = |events: &std::sync::mpsc::Receiver<crate::runtime::trace::TraceEvent>| {
            events
                .try_iter()
                .filter_map(|e| e.shell)
                .map(|sh| {
                    let (value, path) = sh.trim_start_matches("echo ").rsplit_once(" > ").unwrap();
                    let file = path.rsplit('/').next().unwrap().to_string();
                    format!("{file}={}", value.trim_matches('\''))
                })
                .collect::<Vec<_>>()
        };
        let root = tempfile::tempdir().unwrap();
        let mut cg = v1_cgroup(root.path());
        let blkio = root.path().join("blkio");
        std::fs::create_dir(&blkio).unwrap();
        for f in ["blkio.bfq.weight", "blkio.bfq.weight_device"] {
            std::fs::write(blkio.join(f), "").unwrap();
        }
        cg.dirs.dirs.push(ControllerDir {
            controllers: vec!["blkio".into()],
            path: blkio.clone(),
        });
        let (tracer, events) = Tracer::channel();
        // CFQ's leaf weight has no file here: said by name, after the weight.
        let err = cg.write_block_io(&b, &tracer).unwrap_err();
        assert!(format!("{err:#}").contains("blkio.leaf_weight"), "{err:#}");
        assert_eq!(written(&events), ["blkio.bfq.weight=500"]);
        std::fs::write(blkio.join("blkio.leaf_weight"), "").unwrap();
        cg.write_block_io(&b, &tracer).unwrap();
        assert_eq!(
            written(&events),
            [
                "blkio.bfq.weight=500",
                "blkio.leaf_weight=300",
                "blkio.bfq.weight_device=8:0 400",
                "blkio.throttle.read_bps_device=8:0 1024",
                "blkio.throttle.write_iops_device=8:0 7",
            ]
        );
        let high = BlockIo {
            weight: Some(1001),
            ..Default::default()
        };
        assert!(cg.write_block_io(&high, &tracer).is_err());
        assert!(
            written(&events).is_empty(),
            "a refused weight writes nothing"
        );

        let d = root.path().join("v2");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("io.bfq.weight"), "default 100\n").unwrap();
        let v2 = Cgroup {
            id: "b2".into(),
            dirs: CgroupDirs {
                version: CgroupVersion::V2,
                dirs: vec![ControllerDir {
                    controllers: vec!["io".into()],
                    path: d.clone(),
                }],
            },
            oom_kill_file: "memory.events",
        };
        v2.write_block_io(&b, &tracer).unwrap();
        assert_eq!(
            written(&events),
            [
                "io.bfq.weight=500",
                "io.max=8:0 rbps=1024",
                "io.max=8:0 wiops=7",
            ],
            "the weight written, BFQ's file then reads a plain number: no per-device weight"
        );
        std::fs::write(d.join("io.bfq.weight"), "default 100\n").unwrap();
        let leaf_only = BlockIo {
            leaf_weight: Some(300),
            ..Default::default()
        };
        v2.write_block_io(&leaf_only, &tracer).unwrap();
        assert!(written(&events).is_empty(), "leaf weights have no v2 file");
        let devices_only = BlockIo {
            weight_device: b.weight_device.clone(),
            ..Default::default()
        };
        v2.write_block_io(&devices_only, &tracer).unwrap();
        assert_eq!(written(&events), ["io.bfq.weight=8:0 400"]);
    }
}
