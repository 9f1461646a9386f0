//! `contlab runtime update`: runc's `update`, which changes a live container's limits.
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
}

impl UpdateFlags {
    pub fn to_update(&self) -> Result<Update> {
        let bytes = |v: &Option<String>, flag: &str| -> Result<Option<i64>> {
            v.as_deref()
                .map(|s| memory_value(s).with_context(|| format!("--{flag}")))
                .transpose()
        };
        Ok(Update {
            memory: bytes(&self.memory, "memory")?,
            memory_swap: bytes(&self.memory_swap, "memory-swap")?,
            cpu_quota: self.cpu_quota.filter(|q| *q != 0),
            cpu_period: self.cpu_period.filter(|p| *p != 0),
            cpu_shares: self.cpu_share.filter(|s| *s != 0),
            cpuset_cpus: self.cpuset_cpus.clone().filter(|s| !s.is_empty()),
            cpuset_mems: self.cpuset_mems.clone().filter(|s| !s.is_empty()),
            pids: self.pids_limit.filter(|n| *n != 0),
        })
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
pub fn from_resources(text: &str, source: &Path) -> Result<Update> {
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
    for other in [
        "/memory/reservation",
        "/memory/kernel",
        "/memory/kernelTCP",
        "/cpu/realtimeRuntime",
        "/cpu/realtimePeriod",
        "/blockIO/weight",
    ] {
        if num(other)?.is_some() {
            crate::bail_said!(
                "error-oci-unsupported",
                what = format!(
                    "update: {}",
                    other.trim_start_matches('/').replace('/', ".")
                )
            );
        }
    }
    Ok(u)
}

/// Reads `--resources FILE`, or standard input for `-`.
pub fn read_resources(file: &Path) -> Result<Update> {
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
        let from_json = from_resources(json, Path::new("-")).unwrap();
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
        // What update cannot change is refused by name, not ignored.
        let err = from_resources(r#"{"blockIO": {"weight": 500}}"#, Path::new("-")).unwrap_err();
        assert!(err.to_string().contains("blockIO.weight"), "{err}");
        assert!(from_resources("{", Path::new("r.json")).is_err());
        assert!(from_resources(r#"{"memory": {"limit": "x"}}"#, Path::new("-")).is_err());
    }
}
