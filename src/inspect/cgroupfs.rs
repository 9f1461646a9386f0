//! One cgroup's readings, normalised across cgroup v1 and v2 but keeping each kernel
//! file's own name and text, so a lesson can show `memory.limit_in_bytes: 33554432` on
//! one machine and `memory.max: 33554432` on another and still compare the numbers.
//!
//! Every parser takes text; `reading_from` builds a whole reading from a function that
//! returns file contents, so both versions are tested on fixture text.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which cgroup interface a container's cgroup uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupVersion {
    /// One directory per v1 hierarchy (`memory/`, `cpu/`, `pids/` …).
    V1,
    /// One directory in the unified cgroup2 hierarchy.
    V2,
}

/// One directory of a cgroup and the controllers whose files it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerDir {
    pub controllers: Vec<String>,
    pub path: PathBuf,
}

/// Where one cgroup's files are: on v1 a directory per hierarchy, on v2 a single one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CgroupDirs {
    pub version: CgroupVersion,
    pub dirs: Vec<ControllerDir>,
}

impl CgroupDirs {
    /// The directory holding `controller`'s files. On v2 every controller's files sit in
    /// the one directory (they are only there when the parent enabled the controller).
    pub fn dir(&self, controller: &str) -> Option<&Path> {
        match self.version {
            CgroupVersion::V2 => self.dirs.first().map(|d| d.path.as_path()),
            CgroupVersion::V1 => self
                .dirs
                .iter()
                .find(|d| d.controllers.iter().any(|c| c == controller))
                .map(|d| d.path.as_path()),
        }
    }
}

/// One number read from a cgroup file, with the file's name and text for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    /// The kernel's file name: `memory.max`, `cpu.stat`, `cpuacct.usage` …
    pub file: String,
    /// The text the number came from: the whole value for one-value files
    /// (`33554432`, `50000 100000`), the key's line for keyed files (`nr_throttled 3`).
    pub raw: String,
    /// The number, in the unit the reading's field names (converted where the file uses
    /// another, e.g. v1 `cpuacct.usage` nanoseconds to microseconds). `None` when unlimited
    /// or unparsable.
    pub parsed: Option<u64>,
    /// True when the file says "no limit": `max`, v1's `-1`, or v1's page-rounded `LONG_MAX`.
    pub unlimited: bool,
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.raw)
    }
}

/// A cgroup's state, the same fields on both versions. A field is `None` when its file
/// does not exist on this kernel (or its controller is not attached to the cgroup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupReading {
    pub version: CgroupVersion,
    /// Bytes in use. v1 `memory.usage_in_bytes`, v2 `memory.current`.
    pub memory_current: Option<Value>,
    /// The memory limit in bytes. v1 `memory.limit_in_bytes`, v2 `memory.max`.
    pub memory_max: Option<Value>,
    /// The most bytes ever used. v1 `memory.max_usage_in_bytes`, v2 `memory.peak` (5.19+).
    pub memory_peak: Option<Value>,
    /// Processes the OOM killer killed in this cgroup and below.
    /// v1 `memory.oom_control` `oom_kill`, v2 `memory.events` `oom_kill`.
    pub oom_kills: Option<Value>,
    /// v2 only: OOM kills in this cgroup itself, `memory.events.local` `oom_kill`.
    pub oom_kills_local: Option<Value>,
    /// CPU time used, in microseconds. v1 `cpuacct.usage` (ns), v2 `cpu.stat` `usage_usec`.
    pub cpu_usage_us: Option<Value>,
    /// CPU time allowed per period, in microseconds. v1 `cpu.cfs_quota_us`, v2 `cpu.max`.
    pub cpu_quota_us: Option<Value>,
    /// The CFS period in microseconds. v1 `cpu.cfs_period_us`, v2 `cpu.max`.
    pub cpu_period_us: Option<Value>,
    /// Periods in which the cgroup had runnable tasks. `cpu.stat` `nr_periods`.
    pub cpu_periods: Option<Value>,
    /// Periods in which it used up its quota and was stopped. `cpu.stat` `nr_throttled`.
    pub cpu_throttled: Option<Value>,
    /// Processes (and threads) in the cgroup. `pids.current`.
    pub pids_current: Option<Value>,
    /// The process limit. `pids.max`.
    pub pids_max: Option<Value>,
    /// Forks refused because of `pids.max`. `pids.events` `max`.
    pub pids_refused: Option<Value>,
    /// The member processes, from `cgroup.procs`.
    pub procs: Vec<i32>,
}

/// Reads a cgroup's files. Missing or unreadable files leave their fields `None`.
pub fn read(dirs: &CgroupDirs) -> CgroupReading {
    reading_from(dirs.version, |controller, file| {
        std::fs::read_to_string(dirs.dir(controller)?.join(file)).ok()
    })
}

/// Builds a reading from `read_file(controller, file)`, which returns a file's content.
/// `controller` says which v1 hierarchy the file lives in (`"cgroup"` for core files).
pub fn reading_from(
    version: CgroupVersion,
    read_file: impl Fn(&str, &str) -> Option<String>,
) -> CgroupReading {
    match version {
        CgroupVersion::V1 => v1_reading(&read_file),
        CgroupVersion::V2 => v2_reading(&read_file),
    }
}

fn v1_reading(read_file: &impl Fn(&str, &str) -> Option<String>) -> CgroupReading {
    let one =
        |controller: &str, file: &str| read_file(controller, file).map(|t| single_value(file, &t));
    let keyed = |controller: &str, file: &str, key: &str| {
        read_file(controller, file).and_then(|t| keyed_value(file, &t, key))
    };
    let cpu_usage_us = read_file("cpuacct", "cpuacct.usage").map(|t| {
        let mut v = single_value("cpuacct.usage", &t);
        v.parsed = v.parsed.map(|ns| ns / 1000);
        v
    });
    // For the procs list any attached hierarchy will do; they all hold the same processes.
    let procs = ["memory", "pids", "cpu", "cpuacct"]
        .iter()
        .find_map(|c| read_file(c, "cgroup.procs"))
        .map(|t| parse_procs(&t))
        .unwrap_or_default();
    CgroupReading {
        version: CgroupVersion::V1,
        memory_current: one("memory", "memory.usage_in_bytes"),
        memory_max: one("memory", "memory.limit_in_bytes"),
        memory_peak: one("memory", "memory.max_usage_in_bytes"),
        oom_kills: keyed("memory", "memory.oom_control", "oom_kill"),
        oom_kills_local: None,
        cpu_usage_us,
        cpu_quota_us: one("cpu", "cpu.cfs_quota_us"),
        cpu_period_us: one("cpu", "cpu.cfs_period_us"),
        cpu_periods: keyed("cpu", "cpu.stat", "nr_periods"),
        cpu_throttled: keyed("cpu", "cpu.stat", "nr_throttled"),
        pids_current: one("pids", "pids.current"),
        pids_max: one("pids", "pids.max"),
        pids_refused: keyed("pids", "pids.events", "max"),
        procs,
    }
}

fn v2_reading(read_file: &impl Fn(&str, &str) -> Option<String>) -> CgroupReading {
    let one =
        |controller: &str, file: &str| read_file(controller, file).map(|t| single_value(file, &t));
    let keyed = |controller: &str, file: &str, key: &str| {
        read_file(controller, file).and_then(|t| keyed_value(file, &t, key))
    };
    let (cpu_quota_us, cpu_period_us) = match read_file("cpu", "cpu.max") {
        Some(t) => match cpu_max_values(&t) {
            Some((q, p)) => (Some(q), Some(p)),
            None => (None, None),
        },
        None => (None, None),
    };
    CgroupReading {
        version: CgroupVersion::V2,
        memory_current: one("memory", "memory.current"),
        memory_max: one("memory", "memory.max"),
        memory_peak: one("memory", "memory.peak"),
        oom_kills: keyed("memory", "memory.events", "oom_kill"),
        oom_kills_local: keyed("memory", "memory.events.local", "oom_kill"),
        cpu_usage_us: keyed("cpu", "cpu.stat", "usage_usec"),
        cpu_quota_us,
        cpu_period_us,
        cpu_periods: keyed("cpu", "cpu.stat", "nr_periods"),
        cpu_throttled: keyed("cpu", "cpu.stat", "nr_throttled"),
        pids_current: one("pids", "pids.current"),
        pids_max: one("pids", "pids.max"),
        pids_refused: keyed("pids", "pids.events", "max"),
        procs: read_file("cgroup", "cgroup.procs")
            .map(|t| parse_procs(&t))
            .unwrap_or_default(),
    }
}

/// v1 prints "no memory limit" as `LONG_MAX` rounded down to a page
/// (9223372036854771712 with 4 KiB pages); any value this large means unlimited.
const V1_UNLIMITED_FROM: u64 = 1 << 62;

/// A one-value file: a number, `max`, or v1's `-1` (`cpu.cfs_quota_us`) for no limit.
pub fn single_value(file: &str, text: &str) -> Value {
    let raw = text.trim().to_string();
    let (parsed, unlimited) = parse_limit(&raw);
    Value {
        file: file.to_string(),
        raw,
        parsed,
        unlimited,
    }
}

fn parse_limit(raw: &str) -> (Option<u64>, bool) {
    match raw {
        "max" | "-1" => (None, true),
        _ => match raw.parse::<u64>() {
            Ok(n) if n >= V1_UNLIMITED_FROM => (None, true),
            Ok(n) => (Some(n), false),
            Err(_) => (None, false),
        },
    }
}

/// The line `key N` of a flat keyed file (`cpu.stat`, `memory.events`, `memory.oom_control`,
/// `pids.events`), or `None` when the file has no such key.
pub fn keyed_value(file: &str, text: &str, key: &str) -> Option<Value> {
    text.lines().find_map(|line| {
        let mut it = line.split_whitespace();
        if it.next()? != key {
            return None;
        }
        let n = it.next()?;
        Some(Value {
            file: file.to_string(),
            raw: line.trim().to_string(),
            parsed: n.parse().ok(),
            unlimited: false,
        })
    })
}

/// v2 `cpu.max`, `"$QUOTA $PERIOD"` with `max` for no quota, as (quota, period) values
/// that both show the whole line.
pub fn cpu_max_values(text: &str) -> Option<(Value, Value)> {
    let raw = text.trim();
    let mut it = raw.split_whitespace();
    let quota = it.next()?;
    let period: u64 = it.next()?.parse().ok()?;
    let (q, unlimited) = parse_limit(quota);
    let value = |parsed, unlimited| Value {
        file: "cpu.max".to_string(),
        raw: raw.to_string(),
        parsed,
        unlimited,
    };
    Some((value(q, unlimited), value(Some(period), false)))
}

/// The pids in a `cgroup.procs` or `tasks` file, one a line.
pub fn parse_procs(text: &str) -> Vec<i32> {
    text.split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fixture(files: &[(&str, &str)]) -> impl Fn(&str, &str) -> Option<String> {
        let map: HashMap<String, String> = files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |_controller: &str, file: &str| map.get(file).cloned()
    }

    #[test]
    fn v1_files() {
        let r = reading_from(
            CgroupVersion::V1,
            fixture(&[
                ("memory.usage_in_bytes", "1253376\n"),
                ("memory.limit_in_bytes", "33554432\n"),
                ("memory.max_usage_in_bytes", "33554432\n"),
                (
                    "memory.oom_control",
                    "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
                ),
                ("cpuacct.usage", "301234567\n"),
                ("cpu.cfs_quota_us", "50000\n"),
                ("cpu.cfs_period_us", "100000\n"),
                (
                    "cpu.stat",
                    "nr_periods 7\nnr_throttled 3\nthrottled_time 123\nnr_bursts 0\nburst_time 0\n",
                ),
                ("pids.current", "2\n"),
                ("pids.max", "max\n"),
                ("pids.events", "max 4\n"),
                ("cgroup.procs", "4242\n4243\n"),
            ]),
        );
        assert_eq!(r.version, CgroupVersion::V1);
        let max = r.memory_max.unwrap();
        assert_eq!(max.file, "memory.limit_in_bytes");
        assert_eq!(max.parsed, Some(33554432));
        assert_eq!(max.to_string(), "memory.limit_in_bytes: 33554432");
        assert_eq!(r.memory_current.unwrap().parsed, Some(1253376));
        assert_eq!(r.memory_peak.unwrap().file, "memory.max_usage_in_bytes");
        let oom = r.oom_kills.unwrap();
        assert_eq!(
            (oom.file.as_str(), oom.raw.as_str()),
            ("memory.oom_control", "oom_kill 1")
        );
        assert_eq!(oom.parsed, Some(1));
        assert!(r.oom_kills_local.is_none());
        let usage = r.cpu_usage_us.unwrap();
        assert_eq!(
            (usage.raw.as_str(), usage.parsed),
            ("301234567", Some(301234))
        );
        assert_eq!(r.cpu_quota_us.unwrap().parsed, Some(50000));
        assert_eq!(r.cpu_period_us.unwrap().file, "cpu.cfs_period_us");
        assert_eq!(r.cpu_periods.unwrap().parsed, Some(7));
        assert_eq!(r.cpu_throttled.unwrap().raw, "nr_throttled 3");
        assert!(r.pids_max.unwrap().unlimited);
        assert_eq!(r.pids_refused.unwrap().parsed, Some(4));
        assert_eq!(r.procs, vec![4242, 4243]);
    }

    #[test]
    fn v1_no_limit_spellings() {
        let huge = single_value("memory.limit_in_bytes", "9223372036854771712\n");
        assert!(huge.unlimited);
        assert_eq!(huge.parsed, None);
        assert_eq!(huge.raw, "9223372036854771712");
        let quota = single_value("cpu.cfs_quota_us", "-1\n");
        assert!(quota.unlimited && quota.parsed.is_none());
        let junk = single_value("pids.max", "what\n");
        assert!(!junk.unlimited && junk.parsed.is_none());
    }

    #[test]
    fn v2_files() {
        let r = reading_from(
            CgroupVersion::V2,
            fixture(&[
                ("memory.current", "2093056\n"),
                ("memory.max", "33554432\n"),
                ("memory.peak", "33554432\n"),
                (
                    "memory.events",
                    "low 0\nhigh 0\nmax 52\noom 1\noom_kill 1\noom_group_kill 0\n",
                ),
                (
                    "memory.events.local",
                    "low 0\nhigh 0\nmax 52\noom 1\noom_kill 1\noom_group_kill 0\n",
                ),
                ("cpu.max", "50000 100000\n"),
                (
                    "cpu.stat",
                    "usage_usec 301234\nuser_usec 300000\nsystem_usec 1234\nnr_periods 7\nnr_throttled 3\nthrottled_usec 9000\n",
                ),
                ("pids.current", "1\n"),
                ("pids.max", "5\n"),
                ("pids.events", "max 0\n"),
                ("cgroup.procs", "77\n"),
            ]),
        );
        assert_eq!(r.version, CgroupVersion::V2);
        assert_eq!(r.memory_max.as_ref().unwrap().file, "memory.max");
        assert_eq!(r.memory_max.unwrap().parsed, Some(33554432));
        assert_eq!(r.memory_current.unwrap().file, "memory.current");
        assert_eq!(r.memory_peak.unwrap().file, "memory.peak");
        assert_eq!(
            r.oom_kills.unwrap().to_string(),
            "memory.events: oom_kill 1"
        );
        assert_eq!(r.oom_kills_local.unwrap().file, "memory.events.local");
        let usage = r.cpu_usage_us.unwrap();
        assert_eq!(
            (usage.file.as_str(), usage.parsed),
            ("cpu.stat", Some(301234))
        );
        let quota = r.cpu_quota_us.unwrap();
        assert_eq!(quota.to_string(), "cpu.max: 50000 100000");
        assert_eq!(quota.parsed, Some(50000));
        assert_eq!(r.cpu_period_us.unwrap().parsed, Some(100000));
        assert_eq!(r.cpu_throttled.unwrap().parsed, Some(3));
        assert_eq!(r.cpu_periods.unwrap().parsed, Some(7));
        assert_eq!(r.pids_max.unwrap().parsed, Some(5));
        assert_eq!(r.pids_current.unwrap().parsed, Some(1));
        assert_eq!(r.procs, vec![77]);
    }

    #[test]
    fn v2_unlimited_and_old_kernels() {
        let (q, p) = cpu_max_values("max 100000\n").unwrap();
        assert!(q.unlimited && q.parsed.is_none());
        assert_eq!(p.parsed, Some(100000));
        assert!(cpu_max_values("garbage").is_none());
        // No memory.peak before 5.19, and no cpu controller attached: fields are None.
        let r = reading_from(
            CgroupVersion::V2,
            fixture(&[("memory.max", "max\n"), ("cpu.stat", "usage_usec 5\n")]),
        );
        assert!(r.memory_max.unwrap().unlimited);
        assert!(r.memory_peak.is_none());
        assert!(r.cpu_quota_us.is_none() && r.cpu_throttled.is_none());
        assert_eq!(r.cpu_usage_us.unwrap().parsed, Some(5));
        assert!(r.procs.is_empty());
    }

    #[test]
    fn keyed_lines_match_whole_keys() {
        let text = "oom 2\noom_kill 1\noom_group_kill 0\n";
        assert_eq!(
            keyed_value("memory.events", text, "oom").unwrap().parsed,
            Some(2)
        );
        assert_eq!(
            keyed_value("memory.events", text, "oom_kill")
                .unwrap()
                .parsed,
            Some(1)
        );
        assert!(keyed_value("memory.events", text, "high").is_none());
    }

    #[test]
    fn v1_dirs_by_controller() {
        let dirs = CgroupDirs {
            version: CgroupVersion::V1,
            dirs: vec![
                ControllerDir {
                    controllers: vec!["cpu".into(), "cpuacct".into()],
                    path: "/h/cpu,cpuacct/c/x".into(),
                },
                ControllerDir {
                    controllers: vec!["memory".into()],
                    path: "/h/memory/c/x".into(),
                },
            ],
        };
        assert_eq!(dirs.dir("cpuacct"), Some(Path::new("/h/cpu,cpuacct/c/x")));
        assert_eq!(dirs.dir("memory"), Some(Path::new("/h/memory/c/x")));
        assert_eq!(dirs.dir("pids"), None);
    }
}
