//! Reading a cgroup file by either version's name.
//!
//! Lessons name cgroup files once; students' machines run v1, hybrid or v2. This table
//! maps each name to what the other version calls it, so `memory.max` reads
//! `memory.limit_in_bytes` on v1 and the answer says which file was really read.

use super::cgroupfs::{CgroupDirs, CgroupVersion};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

/// (v2 name, v1 name) of files that hold the same thing in another file.
const RENAMES: &[(&str, &str)] = &[
    ("memory.max", "memory.limit_in_bytes"),
    ("memory.current", "memory.usage_in_bytes"),
    ("memory.peak", "memory.max_usage_in_bytes"),
    ("memory.events", "memory.oom_control"),
    ("cpu.weight", "cpu.shares"),
];

/// What the other cgroup version calls `file` and that version's name ("v1" or "v2"),
/// when the two name it differently.
pub fn other_layout(file: &str) -> Option<(&'static str, &'static str)> {
    RENAMES.iter().find_map(|(v2, v1)| {
        if file == *v1 {
            Some((*v2, "v2"))
        } else if file == *v2 {
            Some((*v1, "v1"))
        } else {
            None
        }
    })
}

/// v1's "no limit" for memory, which v2 writes as `max`.
const V1_UNLIMITED: &str = "9223372036854771712";

/// A value read from a container's cgroup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// The file (or files) really read, as this machine names them.
    pub file: String,
    pub path: PathBuf,
    pub value: String,
}

/// Which file `name` is on this version: `(file, controller)`.
pub fn translate(version: CgroupVersion, name: &str) -> String {
    for (v2, v1) in RENAMES {
        match version {
            CgroupVersion::V1 if name == *v2 => return v1.to_string(),
            CgroupVersion::V2 if name == *v1 => return v2.to_string(),
            _ => {}
        }
    }
    name.to_string()
}

fn controller_of(file: &str) -> &str {
    match file.split('.').next().unwrap_or("") {
        "cgroup" | "" => "memory",
        c => c,
    }
}

fn read_file(dirs: &CgroupDirs, file: &str) -> Result<(PathBuf, String)> {
    let dir = dirs.dir(controller_of(file)).with_context(|| {
        crate::said!(
            "error-cgroup-no-controller",
            controller = controller_of(file)
        )
    })?;
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok((path, text))
}

/// Reads `name` (either version's spelling; `file:key` for a key of a flat-keyed file
/// such as `cpu.stat:nr_throttled`).
pub fn read(dirs: &CgroupDirs, name: &str) -> Result<Read> {
    let (name, key) = match name.split_once(':') {
        Some((n, k)) => (n, Some(k)),
        None => (name, None),
    };
    let v = dirs.version;
    // cpu.max and the two v1 CFS files carry the same numbers, split differently.
    if v == CgroupVersion::V1 && name == "cpu.max" {
        let (path, quota) = read_file(dirs, "cpu.cfs_quota_us")?;
        let (_, period) = read_file(dirs, "cpu.cfs_period_us")?;
        let quota = quota.trim();
        let quota = if quota == "-1" { "max" } else { quota };
        return Ok(Read {
            file: "cpu.cfs_quota_us + cpu.cfs_period_us".into(),
            path,
            value: format!("{quota} {}", period.trim()),
        });
    }
    if v == CgroupVersion::V2 && (name == "cpu.cfs_quota_us" || name == "cpu.cfs_period_us") {
        let (path, max) = read_file(dirs, "cpu.max")?;
        let mut it = max.split_whitespace();
        let (q, p) = (it.next().unwrap_or("max"), it.next().unwrap_or("100000"));
        let value = if name == "cpu.cfs_period_us" {
            p
        } else if q == "max" {
            "-1"
        } else {
            q
        };
        return Ok(Read {
            file: "cpu.max".into(),
            path,
            value: value.to_string(),
        });
    }
    let file = translate(v, name);
    let (path, text) = read_file(dirs, &file)?;
    let mut value = text.trim().to_string();
    // v1 and v2 spell "no memory limit" differently; answer in the spelling asked for.
    if name == "memory.max" && value == V1_UNLIMITED {
        value = "max".into();
    } else if name == "memory.limit_in_bytes" && value == "max" {
        value = V1_UNLIMITED.into();
    }
    match key {
        None => Ok(Read { file, path, value }),
        Some(k) => {
            let found = text.lines().find_map(|l| {
                let mut it = l.split_whitespace();
                (it.next() == Some(k)).then(|| it.next().unwrap_or("").to_string())
            });
            match found {
                Some(val) => Ok(Read {
                    file: format!("{file}:{k}"),
                    path,
                    value: val,
                }),
                None => bail!("{file} has no key {k:?}"),
            }
        }
    }
}

/// Writes `value` to `name` (either version's spelling). Returns the path written and
/// the value as written (v1's cpu quota is split into its own file).
pub fn resolve_for_write(
    dirs: &CgroupDirs,
    name: &str,
    value: &str,
) -> Result<Vec<(PathBuf, String)>> {
    let v = dirs.version;
    if v == CgroupVersion::V1 && name == "cpu.max" {
        let mut it = value.split_whitespace();
        let quota = it.next().unwrap_or("max");
        let quota = if quota == "max" { "-1" } else { quota };
        let dir = dirs
            .dir("cpu")
            .with_context(|| crate::said!("error-cgroup-no-controller", controller = "cpu"))?;
        let mut out = vec![(dir.join("cpu.cfs_quota_us"), quota.to_string())];
        if let Some(p) = it.next() {
            out.insert(0, (dir.join("cpu.cfs_period_us"), p.to_string()));
        }
        return Ok(out);
    }
    let file = translate(v, name);
    let dir = dirs.dir(controller_of(&file)).with_context(|| {
        crate::said!(
            "error-cgroup-no-controller",
            controller = controller_of(&file)
        )
    })?;
    let value = match (v, name, value.trim()) {
        (CgroupVersion::V1, "memory.max", "max") => "-1".to_string(),
        (CgroupVersion::V2, "memory.limit_in_bytes", "-1") => "max".to_string(),
        (_, _, other) => other.to_string(),
    };
    Ok(vec![(dir.join(file), value)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::cgroupfs::ControllerDir;

    fn v1(tmp: &std::path::Path) -> CgroupDirs {
        for c in ["memory", "cpu"] {
            std::fs::create_dir_all(tmp.join(c)).unwrap();
        }
        std::fs::write(tmp.join("memory/memory.limit_in_bytes"), "33554432\n").unwrap();
        std::fs::write(
            tmp.join("memory/memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        )
        .unwrap();
        std::fs::write(tmp.join("cpu/cpu.cfs_quota_us"), "50000\n").unwrap();
        std::fs::write(tmp.join("cpu/cpu.cfs_period_us"), "100000\n").unwrap();
        CgroupDirs {
            version: CgroupVersion::V1,
            dirs: vec![
                ControllerDir {
                    controllers: vec!["memory".into()],
                    path: tmp.join("memory"),
                },
                ControllerDir {
                    controllers: vec!["cpu".into()],
                    path: tmp.join("cpu"),
                },
            ],
        }
    }

    #[test]
    fn v2_names_read_v1_files() {
        let t = tempfile::tempdir().unwrap();
        let d = v1(t.path());
        let r = read(&d, "memory.max").unwrap();
        assert_eq!(
            (r.file.as_str(), r.value.as_str()),
            ("memory.limit_in_bytes", "33554432")
        );
        let r = read(&d, "memory.events:oom_kill").unwrap();
        assert_eq!(
            (r.file.as_str(), r.value.as_str()),
            ("memory.oom_control:oom_kill", "2")
        );
        assert_eq!(read(&d, "cpu.max").unwrap().value, "50000 100000");
        assert!(read(&d, "memory.events:nope").is_err());
        let w = resolve_for_write(&d, "cpu.max", "20000 100000").unwrap();
        assert!(w[0].0.ends_with("cpu.cfs_period_us") && w[1].0.ends_with("cpu.cfs_quota_us"));
        assert_eq!(
            resolve_for_write(&d, "memory.max", "max").unwrap()[0].1,
            "-1"
        );
    }

    #[test]
    fn v1_names_read_v2_files() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("memory.max"), "max\n").unwrap();
        std::fs::write(t.path().join("cpu.max"), "20000 100000\n").unwrap();
        let d = CgroupDirs {
            version: CgroupVersion::V2,
            dirs: vec![ControllerDir {
                controllers: vec!["memory".into(), "cpu".into()],
                path: t.path().into(),
            }],
        };
        assert_eq!(
            read(&d, "memory.limit_in_bytes").unwrap().value,
            V1_UNLIMITED
        );
        assert_eq!(read(&d, "memory.max").unwrap().value, "max");
        assert_eq!(read(&d, "cpu.cfs_quota_us").unwrap().value, "20000");
        assert_eq!(read(&d, "cpu.cfs_period_us").unwrap().file, "cpu.max");
    }
}
