//! `contlab runtime update`: runc's `update`, which changes a live container's limits.
//! Kernel memory limits (`--kernel-memory`, `memory.kernel`) are ignored with runc 1.1's
//! warning; Intel RDT schemas are refused by name.
//! The values come from runc's flags or from a resources JSON (`--resources FILE|-`,
//! the `linux.resources` object of a config.json); a value left out, or `0`, stays as
//! it is, as with runc.

use super::Runtime;
use super::state::{Dir, Status};
use crate::runtime::cgroup::{Cgroup, Update, parse_memory};
use crate::runtime::trace::Tracer;
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// runc's `update` flags, as typed (the CLI flattens them into its `update` command).
#[derive(Debug, Default, clap::Args)]
pub struct UpdateFlags {
    /// Memory limit in bytes (64M, 1G; -1: none).
    #[arg(long, allow_hyphen_values = true)]
    pub memory: Option<String>,
    /// Memory plus swap in bytes (-1: unlimited swap).
    #[arg(long, allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// CFS quota in microseconds per period (-1: none).
    #[arg(long, allow_hyphen_values = true)]
    pub cpu_quota: Option<i64>,
    /// CFS period in microseconds.
    #[arg(long)]
    pub cpu_period: Option<u64>,
    /// CPU shares (relative weight).
    #[arg(long)]
    pub cpu_share: Option<u64>,
    /// CPUs to use (0-2,4).
    #[arg(long)]
    pub cpuset_cpus: Option<String>,
    /// Memory nodes to use.
    #[arg(long)]
    pub cpuset_mems: Option<String>,
    /// Maximum number of processes (-1: none).
    #[arg(long, allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,
    /// Memory the kernel tries to leave the container under pressure (soft limit).
    #[arg(long, allow_hyphen_values = true)]
    pub memory_reservation: Option<String>,
    /// Real-time CPU period in microseconds (cgroup v1).
    #[arg(long)]
    pub cpu_rt_period: Option<u64>,
    /// Real-time CPU time per period in microseconds (cgroup v1).
    #[arg(long, allow_hyphen_values = true)]
    pub cpu_rt_runtime: Option<i64>,
    /// Block I/O weight, 10 to 1000 (0: unchanged).
    #[arg(long)]
    pub blkio_weight: Option<u16>,
    /// Intel RDT's L3 cache schema: refused, contlab does not manage resctrl.
    #[arg(long, value_name = "SCHEMA")]
    pub l3_cache_schema: Option<String>,
    /// Intel RDT's memory bandwidth schema: refused, as --l3-cache-schema.
    #[arg(long, value_name = "SCHEMA")]
    pub mem_bw_schema: Option<String>,
    /// Obsolete, as in runc: ignored with a warning.
    #[arg(long, hide = true, allow_hyphen_values = true)]
    pub kernel_memory: Option<String>,
    /// Obsolete, as in runc: ignored with a warning.
    #[arg(long, hide = true, allow_hyphen_values = true)]
    pub kernel_memory_tcp: Option<String>,
}

/// What `update` was asked: the values to write, and whether kernel memory limits were
/// given, which runc 1.1 ignores with a warning (the kernel deprecated them).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub update: Update,
    pub kernel_memory_ignored: bool,
}

impl UpdateFlags {
    pub fn to_request(&self) -> Result<Request> {
        let bytes = |v: &Option<String>, flag: &str| -> Result<Option<i64>> {
            v.as_deref()
                .map(|s| memory_value(s).with_context(|| format!("--{flag}")))
                .transpose()
        };
        for (flag, v) in [
            ("l3-cache-schema", &self.l3_cache_schema),
            ("mem-bw-schema", &self.mem_bw_schema),
        ] {
            if v.as_deref().is_some_and(|s| !s.is_empty()) {
                crate::bail_said!("error-update-rdt", flag = format!("--{flag}"));
            }
        }
        let update = Update {
            memory: bytes(&self.memory, "memory")?,
            memory_swap: bytes(&self.memory_swap, "memory-swap")?,
            cpu_quota: self.cpu_quota.filter(|q| *q != 0),
            cpu_period: self.cpu_period.filter(|p| *p != 0),
            cpu_shares: self.cpu_share.filter(|s| *s != 0),
            cpuset_cpus: self.cpuset_cpus.clone().filter(|s| !s.is_empty()),
            cpuset_mems: self.cpuset_mems.clone().filter(|s| !s.is_empty()),
            pids: self.pids_limit.filter(|n| *n != 0),
            memory_reservation: bytes(&self.memory_reservation, "memory-reservation")?,
            cpu_rt_period: self.cpu_rt_period.filter(|p| *p != 0),
            cpu_rt_runtime: self.cpu_rt_runtime.filter(|r| *r != 0),
            blkio_weight: self.blkio_weight.filter(|w| *w != 0),
        };
        Ok(Request {
            update,
            kernel_memory_ignored: [&self.kernel_memory, &self.kernel_memory_tcp]
                .iter()
                .any(|v| v.as_deref().is_some_and(|s| !s.is_empty())),
        })
    }

    pub fn to_update(&self) -> Result<Update> {
        Ok(self.to_request()?.update)
    }
}

/// A byte count as runc's flags take it: `-1` (no limit), or a number with an optional
/// binary suffix (`64M`, `1g`).
fn memory_value(s: &str) -> Result<i64> {
    if s.trim() == "-1" {
        return Ok(-1);
    }
    Ok(parse_memory(s)? as i64)
}

/// The resources JSON of `--resources`: what `update` applies, and a refusal by name
/// for anything it cannot.
pub fn from_resources(text: &str, source: &Path) -> Result<Request> {
    let v: Value = serde_json::from_str(text)
        .with_context(|| crate::said!("error-update-resources", file = source.display()))?;
    let mut u = Update::default();
    let num = |path: &str| -> Result<Option<i64>> {
        match v.pointer(path) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => match x.as_i64() {
                Some(0) => Ok(None),
                Some(n) => Ok(Some(n)),
                None => crate::bail_said!(
                    "error-update-resources-value",
                    field = path.trim_start_matches('/').replace('/', "."),
                    value = x.to_string()
                ),
            },
        }
    };
    let text = |path: &str| -> Option<String> {
        v.pointer(path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    u.memory = num("/memory/limit")?;
    u.memory_swap = num("/memory/swap")?;
    u.cpu_quota = num("/cpu/quota")?;
    u.cpu_period = num("/cpu/period")?.map(|p| p.max(0) as u64);
    u.cpu_shares = num("/cpu/shares")?.map(|s| s.max(0) as u64);
    u.cpuset_cpus = text("/cpu/cpus");
    u.cpuset_mems = text("/cpu/mems");
    u.pids = num("/pids/limit")?;
    u.memory_reservation = num("/memory/reservation")?;
    u.cpu_rt_period = num("/cpu/realtimePeriod")?.map(|p| p.max(0) as u64);
    u.cpu_rt_runtime = num("/cpu/realtimeRuntime")?;
    u.blkio_weight = match num("/blockIO/weight")? {
        None => None,
        Some(w) => match u16::try_from(w) {
            Ok(w) => Some(w),
            Err(_) => crate::bail_said!("error-blkio-weight-range", weight = w),
        },
    };
    let kernel_memory_ignored =
        num("/memory/kernel")?.is_some() || num("/memory/kernelTCP")?.is_some();
    Ok(Request {
        update: u,
        kernel_memory_ignored,
    })
}

/// Reads `--resources FILE`, or standard input for `-`.
pub fn read_resources(file: &Path) -> Result<Request> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    }
    .with_context(|| crate::said!("error-update-resources", file = file.display()))?;
    from_resources(&text, file)
}

impl Runtime {
    /// Writes `u` into the cgroup of container `id` (created, running or paused).
    pub fn update(&self, id: &str, u: &Update, tracer: &Tracer) -> Result<()> {
        let s = Dir::peek(&self.root, id)?.load()?;
        if s.status() == Status::Stopped {
            crate::bail_said!("error-update-stopped", id = format!("{id:?}"));
        }
        if u.is_empty() {
            return Ok(());
        }
        let dirs: Vec<PathBuf> = s
            .exec
            .cgroup_procs
            .iter()
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .collect();
        Cgroup::at(id, &dirs)?.update(u, tracer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_resources_give_the_same_update() {
        let flags = UpdateFlags {
            memory: Some("64M".into()),
            cpu_quota: Some(20_000),
            cpu_period: Some(100_000),
            cpuset_cpus: Some("0".into()),
            pids_limit: Some(20),
            ..Default::default()
        }
        .to_update()
        .unwrap();
        let json = r#"{"memory": {"limit": 67108864, "reservation": 0},
            "cpu": {"quota": 20000, "period": 100000, "cpus": "0", "mems": ""},
            "pids": {"limit": 20}, "blockIO": {"weight": 0}}"#;
        let from_json = from_resources(json, Path::new("-")).unwrap().update;
        assert_eq!(flags, from_json);
        assert_eq!(flags.memory, Some(64 << 20));
        assert_eq!(
            UpdateFlags::default().to_update().unwrap(),
            Update::default()
        );
        let unlimited = UpdateFlags {
            memory: Some("-1".into()),
            ..Default::default()
        };
        assert_eq!(unlimited.to_update().unwrap().memory, Some(-1));
        // The flags runc 1.1 has beside those, and their places in the resources JSON.
        let more = UpdateFlags {
            memory_reservation: Some("16M".into()),
            cpu_rt_period: Some(100_000),
            cpu_rt_runtime: Some(1000),
            blkio_weight: Some(500),
            ..Default::default()
        }
        .to_request()
        .unwrap();
        let json = r#"{"memory": {"reservation": 16777216}, "blockIO": {"weight": 500},
            "cpu": {"realtimePeriod": 100000, "realtimeRuntime": 1000}}"#;
        assert_eq!(more, from_resources(json, Path::new("-")).unwrap());
        assert_eq!(more.update.blkio_weight, Some(500));
        // Kernel memory is ignored with a warning, as by runc 1.1; RDT is refused.
        let kmem = UpdateFlags {
            kernel_memory: Some("10M".into()),
            ..Default::default()
        }
        .to_request()
        .unwrap();
        assert!(kmem.kernel_memory_ignored && kmem.update.is_empty());
        let json = r#"{"memory": {"kernel": 10485760}}"#;
        assert!(
            from_resources(json, Path::new("-"))
                .unwrap()
                .kernel_memory_ignored
        );
        let rdt = UpdateFlags {
            l3_cache_schema: Some("L3:0=ff".into()),
            ..Default::default()
        };
        let err = rdt.to_request().unwrap_err();
        assert!(err.to_string().contains("--l3-cache-schema"), "{err}");
        let err = from_resources(r#"{"blockIO": {"weight": 70000}}"#, Path::new("-")).unwrap_err();
        assert!(err.to_string().contains("70000"), "{err}");
        assert!(from_resources("{", Path::new("r.json")).is_err());
        assert!(from_resources(r#"{"memory": {"limit": "x"}}"#, Path::new("-")).is_err());
    }
}
