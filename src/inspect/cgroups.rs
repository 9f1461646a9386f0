//! Which cgroup hierarchies this machine has, read from `/proc/self/mountinfo`.
//!
//! Never assume paths: v1 controllers may be mounted one per directory (`cpu` and
//! `cpuacct` apart) or together (`cpu,cpuacct`), a "hybrid" machine has v1 controllers
//! plus a cgroup2 mount that may hold some controller (such as `hugetlb`), and a v2
//! machine has a single cgroup2 mount holding every controller.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// How the machine's cgroups are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupMode {
    /// v1 controllers only.
    V1,
    /// v1 controllers plus a cgroup2 mount (which may hold some controllers).
    Hybrid,
    /// One unified cgroup2 hierarchy.
    V2,
    /// No cgroup filesystem is mounted.
    None,
}

/// A mounted v1 hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct V1Hierarchy {
    /// Its controllers, e.g. `["cpu", "cpuacct"]`; named hierarchies show as `name=systemd`.
    pub controllers: Vec<String>,
    /// Where it is mounted.
    pub mount: PathBuf,
    /// The cgroup path of the mount's root (usually `/`).
    pub root: String,
}

/// The cgroup2 mount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unified {
    pub mount: PathBuf,
    pub root: String,
    /// Controllers listed in its root's `cgroup.controllers` (those available to it).
    pub controllers: Vec<String>,
}

/// Every cgroup mount of this machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CgroupLayout {
    pub mode: CgroupMode,
    pub v1: Vec<V1Hierarchy>,
    pub unified: Option<Unified>,
}

impl CgroupLayout {
    /// Reads the calling process's mountinfo and the cgroup2 root's controllers.
    pub fn detect() -> std::io::Result<Self> {
        let text = std::fs::read_to_string("/proc/self/mountinfo")?;
        Ok(Self::from_mountinfo(&text, |mount| {
            std::fs::read_to_string(mount.join("cgroup.controllers")).unwrap_or_default()
        }))
    }

    /// Parses mountinfo text; `controllers_of` reads a cgroup2 mount's `cgroup.controllers`.
    pub fn from_mountinfo(text: &str, controllers_of: impl Fn(&Path) -> String) -> Self {
        let mut v1 = Vec::new();
        let mut unified = None;
        for line in text.lines() {
            let Some(m) = MountLine::parse(line) else {
                continue;
            };
            match m.fstype {
                "cgroup" => {
                    let controllers = m
                        .super_options
                        .split(',')
                        .filter(|o| !matches!(*o, "rw" | "ro") && !o.starts_with("xattr"))
                        .filter(|o| is_controller_option(o))
                        .map(str::to_string)
                        .collect();
                    v1.push(V1Hierarchy {
                        controllers,
                        mount: m.mount_point,
                        root: m.root,
                    });
                }
                "cgroup2" if unified.is_none() => {
                    let controllers = controllers_of(&m.mount_point)
                        .split_whitespace()
                        .map(str::to_string)
                        .collect();
                    unified = Some(Unified {
                        mount: m.mount_point,
                        root: m.root,
                        controllers,
                    });
                }
                _ => {}
            }
        }
        let mode = match (v1.is_empty(), unified.is_some()) {
            (true, true) => CgroupMode::V2,
            (false, true) => CgroupMode::Hybrid,
            (false, false) => CgroupMode::V1,
            (true, false) => CgroupMode::None,
        };
        CgroupLayout { mode, v1, unified }
    }

    /// The v1 hierarchy a controller is mounted in, if any.
    pub fn v1_mount(&self, controller: &str) -> Option<&V1Hierarchy> {
        self.v1
            .iter()
            .find(|h| h.controllers.iter().any(|c| c == controller))
    }

    /// Every mount point (v1 and v2), each once.
    pub fn mount_points(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.v1.iter().map(|h| h.mount.clone()).collect();
        if let Some(u) = &self.unified {
            out.push(u.mount.clone());
        }
        out.dedup();
        out
    }
}

fn is_controller_option(o: &str) -> bool {
    // Mount options of a v1 cgroup mount that are not controllers.
    !matches!(
        o,
        "noprefix" | "clone_children" | "nsdelegate" | "memory_recursiveprot"
    ) && !o.starts_with("release_agent=")
        && !o.starts_with("cpuset_v2_mode")
}

/// One line of `/proc/PID/mountinfo` (see proc(5)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountLine<'a> {
    pub mount_id: u32,
    pub parent_id: u32,
    pub root: String,
    pub mount_point: PathBuf,
    pub options: &'a str,
    /// Optional fields such as `shared:1` or `master:2`.
    pub optional: Vec<&'a str>,
    pub fstype: &'a str,
    pub source: &'a str,
    pub super_options: &'a str,
}

impl<'a> MountLine<'a> {
    pub fn parse(line: &'a str) -> Option<Self> {
        let mut it = line.split(' ');
        let mount_id = it.next()?.parse().ok()?;
        let parent_id = it.next()?.parse().ok()?;
        let _dev = it.next()?;
        let root = unescape(it.next()?);
        let mount_point = PathBuf::from(unescape(it.next()?));
        let options = it.next()?;
        let mut optional = Vec::new();
        loop {
            let f = it.next()?;
            if f == "-" {
                break;
            }
            optional.push(f);
        }
        let fstype = it.next()?;
        let source = it.next()?;
        let super_options = it.next().unwrap_or("");
        Some(MountLine {
            mount_id,
            parent_id,
            root,
            mount_point,
            options,
            optional,
            fstype,
            source,
            super_options,
        })
    }
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo` octal.
pub fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    const V2: &str = "\
26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    const COMBINED: &str = "\
30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 - cgroup cgroup rw,cpu,cpuacct
";

    #[test]
    fn hybrid_one_controller_per_directory() {
        let l = CgroupLayout::from_mountinfo(HYBRID, |_| "hugetlb\n".into());
        assert_eq!(l.mode, CgroupMode::Hybrid);
        assert_eq!(
            l.v1_mount("cpu").unwrap().mount,
            PathBuf::from("/sys/fs/cgroup/cpu")
        );
        assert_eq!(
            l.v1_mount("cpuacct").unwrap().mount,
            PathBuf::from("/sys/fs/cgroup/cpuacct")
        );
        assert_eq!(l.v1_mount("memory").unwrap().controllers, vec!["memory"]);
        assert_eq!(
            l.v1_mount("name=systemd").unwrap().mount,
            PathBuf::from("/sys/fs/cgroup/systemd")
        );
        assert_eq!(l.unified.as_ref().unwrap().controllers, vec!["hugetlb"]);
    }

    #[test]
    fn pure_v2() {
        let l = CgroupLayout::from_mountinfo(V2, |_| "cpuset cpu io memory hugetlb pids".into());
        assert_eq!(l.mode, CgroupMode::V2);
        assert!(l.v1.is_empty());
        assert_eq!(l.unified.unwrap().controllers.len(), 6);
    }

    #[test]
    fn combined_v1_controllers() {
        let l = CgroupLayout::from_mountinfo(COMBINED, |_| String::new());
        assert_eq!(l.mode, CgroupMode::V1);
        let h = l.v1_mount("cpuacct").unwrap();
        assert_eq!(h.controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(h.mount, PathBuf::from("/sys/fs/cgroup/cpu,cpuacct"));
    }

    #[test]
    fn octal_escapes() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/plain"), "/plain");
    }
}
