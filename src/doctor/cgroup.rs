//! The cgroup layout and whether the memory, cpu and pids controllers are usable.
//!
//! A controller is usable when contlab can make cgroups that it governs: on v1, a
//! mounted hierarchy holding it that contlab may write to; on v2, the cgroup2 root lists
//! it in `cgroup.controllers` and it is, or may be, enabled in `cgroup.subtree_control`.
//! Nothing is written: "may be enabled" is judged from permissions and the
//! no-internal-processes rule.

use super::Check;
use crate::inspect::cgroups::{CgroupLayout, CgroupMode};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The controllers live mode needs, with what the lessons use them for.
pub const CONTROLLERS: [(&str, &str); 3] = [
    ("memory", "memory.max / memory.limit_in_bytes"),
    ("cpu", "cpu.max / cpu.cfs_quota_us"),
    ("pids", "pids.max"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CgroupReport {
    /// `mode`, `v1` and `unified`, as read from mountinfo.
    #[serde(flatten)]
    pub layout: CgroupLayout,
    /// Controller → whether contlab can use it, and where.
    pub controllers: BTreeMap<&'static str, ControllerState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerState {
    pub usable: bool,
    /// `"v1"` or `"v2"`: the hierarchy that holds it; `null` when none does.
    pub version: Option<&'static str>,
    /// Where that hierarchy is mounted.
    pub mount: Option<PathBuf>,
}

/// Whether this process may write to a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writable {
    Yes,
    /// Mounted read-only (`EROFS`): how containers usually hand out `/sys/fs/cgroup`.
    ReadOnlyMount,
    /// Not permitted (`EACCES`, `EPERM`), or not there.
    Denied,
}

/// The few file operations the checks need, so they can be tested on made-up layouts.
pub trait Files {
    fn read(&self, path: &Path) -> Option<String>;
    fn writable(&self, path: &Path) -> Writable;
}

struct RealFiles;

impl Files for RealFiles {
    fn read(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    fn writable(&self, path: &Path) -> Writable {
        // access(2) answers for this process's credentials and tells a read-only mount
        // from a missing permission.
        match nix::unistd::access(path, nix::unistd::AccessFlags::W_OK) {
            Ok(()) => Writable::Yes,
            Err(nix::errno::Errno::EROFS) => Writable::ReadOnlyMount,
            Err(_) => Writable::Denied,
        }
    }
}

pub fn check() -> (CgroupReport, Vec<Check>) {
    match CgroupLayout::detect() {
        Ok(layout) => evaluate(layout, &RealFiles),
        Err(e) => {
            let layout = CgroupLayout {
                mode: CgroupMode::None,
                v1: Vec::new(),
                unified: None,
            };
            let (report, mut checks) = evaluate(layout, &RealFiles);
            checks[0].detail = format!("cannot read /proc/self/mountinfo: {e}");
            (report, checks)
        }
    }
}

pub fn evaluate(layout: CgroupLayout, files: &dyn Files) -> (CgroupReport, Vec<Check>) {
    let mut checks = vec![layout_check(&layout)];
    let mut controllers = BTreeMap::new();
    let proc_cgroups = files.read(Path::new("/proc/cgroups")).unwrap_or_default();
    for (name, _) in CONTROLLERS {
        let (state, check) = controller(&layout, name, files, &proc_cgroups);
        controllers.insert(name, state);
        checks.push(check);
    }
    (
        CgroupReport {
            layout,
            controllers,
        },
        checks,
    )
}

fn layout_check(layout: &CgroupLayout) -> Check {
    let c = Check::new("cgroup", "cgroup layout", false);
    let holding = |controllers: &[String]| {
        if controllers.is_empty() {
            "no controller".to_string()
        } else {
            controllers.join(" ")
        }
    };
    match (&layout.mode, &layout.unified) {
        (CgroupMode::V2, Some(u)) => c.ok(format!(
            "v2: cgroup2 at {} with {}",
            u.mount.display(),
            holding(&u.controllers)
        )),
        (CgroupMode::Hybrid, Some(u)) => c.ok(format!(
            "hybrid: {} v1 hierarchies, plus cgroup2 at {} holding {}",
            layout.v1.len(),
            u.mount.display(),
            holding(&u.controllers)
        )),
        (CgroupMode::V1, _) => c.ok(format!("v1: {} hierarchies", layout.v1.len())),
        _ => c.fail(
            "no cgroup filesystem is mounted",
            "mount cgroup2: mount -t cgroup2 cgroup2 /sys/fs/cgroup",
        ),
    }
}

fn id_of(controller: &str) -> &'static str {
    match controller {
        "memory" => "cgroup_memory",
        "cpu" => "cgroup_cpu",
        _ => "cgroup_pids",
    }
}

/// Whether `/proc/cgroups` says the kernel has the controller but it was switched off
/// (`cgroup_disable=` on the command line, or a default such as Raspberry Pi's memory).
fn disabled_by_kernel(proc_cgroups: &str, controller: &str) -> bool {
    proc_cgroups.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f.len() == 4 && f[0] == controller && f[3] == "0"
    })
}

fn controller(
    layout: &CgroupLayout,
    name: &'static str,
    files: &dyn Files,
    proc_cgroups: &str,
) -> (ControllerState, Check) {
    let c = Check::new(id_of(name), format!("cgroup {name}"), true);
    if let Some(h) = layout.v1_mount(name) {
        let state = |usable| ControllerState {
            usable,
            version: Some("v1"),
            mount: Some(h.mount.clone()),
        };
        let mount = h.mount.display();
        return match files.writable(&h.mount) {
            Writable::Yes => (state(true), c.ok(format!("v1 hierarchy at {mount}, writable"))),
            Writable::ReadOnlyMount => (
                state(false),
                c.fail(
                    format!("the v1 hierarchy at {mount} is mounted read-only"),
                    format!("remount it read-write (mount -o remount,rw {mount}), or run contlab on the host or in a VM"),
                ),
            ),
            Writable::Denied => (
                state(false),
                c.fail(
                    format!("the v1 hierarchy at {mount} is not writable by this user"),
                    "run contlab as root, e.g. sudo contlab doctor",
                ),
            ),
        };
    }
    if let Some(u) = layout
        .unified
        .as_ref()
        .filter(|u| u.controllers.iter().any(|c| c == name))
    {
        let state = |usable| ControllerState {
            usable,
            version: Some("v2"),
            mount: Some(u.mount.clone()),
        };
        let mount = u.mount.display();
        let subtree_control = u.mount.join("cgroup.subtree_control");
        let enabled = files
            .read(&subtree_control)
            .is_some_and(|t| t.split_whitespace().any(|c| c == name));
        // Only the real root cgroup lacks cgroup.type. Any other cgroup (the root of a
        // cgroup namespace, say) that holds processes cannot enable controllers for
        // children: the no-internal-processes rule.
        let holds_processes = files.read(&u.mount.join("cgroup.type")).is_some()
            && files
                .read(&u.mount.join("cgroup.procs"))
                .is_some_and(|t| !t.trim().is_empty());
        return if enabled && files.writable(&u.mount) == Writable::Yes {
            (
                state(true),
                c.ok(format!(
                    "cgroup2 at {mount}, enabled in cgroup.subtree_control"
                )),
            )
        } else if files.writable(&subtree_control) != Writable::Yes {
            (
                state(false),
                c.fail(
                    format!("cgroup2 at {mount} offers {name}, but it is not writable here"),
                    "run contlab as root on the host or in a VM, where the cgroup2 root is writable",
                ),
            )
        } else if !enabled && holds_processes {
            (
                state(false),
                c.fail(
                    format!("cgroup2 at {mount} offers {name}, but holds processes, so it cannot enable it for child cgroups"),
                    "run contlab on the host or in a VM, or move this cgroup's processes into a child cgroup",
                ),
            )
        } else {
            (
                state(true),
                c.ok(format!(
                    "cgroup2 at {mount} offers it; contlab enables it in cgroup.subtree_control"
                )),
            )
        };
    }
    let state = ControllerState {
        usable: false,
        version: None,
        mount: None,
    };
    let check = if disabled_by_kernel(proc_cgroups, name) {
        c.fail(
            format!("the kernel has {name} switched off (/proc/cgroups: enabled 0)"),
            format!("add cgroup_enable={name} to the kernel command line (and drop any cgroup_disable={name}), then reboot"),
        )
    } else if let Some(u) = layout
        .unified
        .as_ref()
        .filter(|_| layout.mode == CgroupMode::V2)
    {
        c.fail(
            format!(
                "the cgroup2 root at {} does not offer {name}",
                u.mount.display()
            ),
            "run contlab on the host or in a VM, or have the parent cgroup delegate it",
        )
    } else if layout.mode == CgroupMode::None {
        c.fail(
            "no cgroup filesystem is mounted",
            "mount cgroup2: mount -t cgroup2 cgroup2 /sys/fs/cgroup",
        )
    } else {
        c.fail(
            format!("no mounted cgroup hierarchy holds {name}"),
            format!(
                "mount a v1 hierarchy for it: mount -t cgroup -o {name} cgroup <empty directory>"
            ),
        )
    };
    (state, check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;
    use std::collections::HashMap;

    /// Files from a map; writable paths and read-only mounts listed apart.
    struct Fake {
        files: HashMap<PathBuf, String>,
        writable: Vec<PathBuf>,
        read_only: Vec<PathBuf>,
    }

    impl Files for Fake {
        fn read(&self, path: &Path) -> Option<String> {
            self.files.get(path).cloned()
        }
        fn writable(&self, path: &Path) -> Writable {
            if self.writable.iter().any(|w| w == path) {
                Writable::Yes
            } else if self.read_only.iter().any(|w| w == path) {
                Writable::ReadOnlyMount
            } else {
                Writable::Denied
            }
        }
    }

    fn fake(files: &[(&str, &str)], writable: &[&str]) -> Fake {
        Fake {
            files: files
                .iter()
                .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                .collect(),
            writable: writable.iter().map(PathBuf::from).collect(),
            read_only: Vec::new(),
        }
    }

    const HYBRID: &str = "\
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
    const V2: &str = "26 22 0:23 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

    fn statuses(checks: &[Check]) -> Vec<(&str, CheckStatus)> {
        checks.iter().map(|c| (c.id, c.status)).collect()
    }

    #[test]
    fn hybrid_uses_the_v1_hierarchies() {
        let layout = CgroupLayout::from_mountinfo(HYBRID, |_| "hugetlb\n".into());
        let files = fake(
            &[],
            &[
                "/sys/fs/cgroup/cpu",
                "/sys/fs/cgroup/memory",
                "/sys/fs/cgroup/pids",
            ],
        );
        let (report, checks) = evaluate(layout, &files);
        assert_eq!(
            statuses(&checks),
            [
                ("cgroup", CheckStatus::Ok),
                ("cgroup_memory", CheckStatus::Ok),
                ("cgroup_cpu", CheckStatus::Ok),
                ("cgroup_pids", CheckStatus::Ok)
            ]
        );
        assert!(checks[0].detail.contains("hybrid"));
        assert!(checks[0].detail.contains("hugetlb"));
        let memory = &report.controllers["memory"];
        assert_eq!(memory.version, Some("v1"));
        assert_eq!(
            memory.mount.as_deref(),
            Some(Path::new("/sys/fs/cgroup/memory"))
        );
    }

    #[test]
    fn read_only_v1_hierarchy() {
        let layout = CgroupLayout::from_mountinfo(HYBRID, |_| String::new());
        let mut files = fake(&[], &["/sys/fs/cgroup/cpu"]);
        files.read_only.push(PathBuf::from("/sys/fs/cgroup/memory"));
        let (report, checks) = evaluate(layout, &files);
        assert_eq!(checks[1].status, CheckStatus::Fail);
        assert!(checks[1].fix.as_deref().unwrap().contains("remount"));
        assert!(!report.controllers["memory"].usable);
        assert_eq!(checks[2].status, CheckStatus::Ok);
        // pids: writable by root only.
        assert_eq!(checks[3].status, CheckStatus::Fail);
        assert!(checks[3].fix.as_deref().unwrap().contains("as root"));
    }

    #[test]
    fn v2_enabled_or_enable_able() {
        let layout = CgroupLayout::from_mountinfo(V2, |_| "cpuset cpu io memory pids".into());
        let files = fake(
            &[("/sys/fs/cgroup/cgroup.subtree_control", "memory pids\n")],
            &["/sys/fs/cgroup", "/sys/fs/cgroup/cgroup.subtree_control"],
        );
        let (report, checks) = evaluate(layout, &files);
        assert!(
            checks.iter().all(|c| c.status == CheckStatus::Ok),
            "{checks:?}"
        );
        assert!(
            checks[1]
                .detail
                .contains("enabled in cgroup.subtree_control")
        );
        assert!(checks[2].detail.contains("contlab enables it"));
        assert_eq!(report.controllers["cpu"].version, Some("v2"));
    }

    #[test]
    fn v2_namespace_root_with_processes() {
        let layout = CgroupLayout::from_mountinfo(V2, |_| "cpu memory pids".into());
        let files = fake(
            &[
                ("/sys/fs/cgroup/cgroup.subtree_control", ""),
                ("/sys/fs/cgroup/cgroup.type", "domain\n"),
                ("/sys/fs/cgroup/cgroup.procs", "1\n27\n"),
            ],
            &["/sys/fs/cgroup", "/sys/fs/cgroup/cgroup.subtree_control"],
        );
        let (_, checks) = evaluate(layout, &files);
        assert_eq!(checks[1].status, CheckStatus::Fail);
        assert!(checks[1].detail.contains("holds processes"));
    }

    #[test]
    fn v2_without_a_controller_and_one_switched_off() {
        let layout = CgroupLayout::from_mountinfo(V2, |_| "cpu pids".into());
        let proc_cgroups = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n\
                            cpu\t0\t1\t1\nmemory\t0\t1\t0\npids\t0\t1\t1\n";
        let files = fake(
            &[
                ("/proc/cgroups", proc_cgroups),
                ("/sys/fs/cgroup/cgroup.subtree_control", "cpu pids"),
            ],
            &["/sys/fs/cgroup", "/sys/fs/cgroup/cgroup.subtree_control"],
        );
        let (report, checks) = evaluate(layout, &files);
        assert_eq!(checks[1].status, CheckStatus::Fail);
        assert!(
            checks[1]
                .fix
                .as_deref()
                .unwrap()
                .contains("cgroup_enable=memory")
        );
        assert_eq!(report.controllers["memory"].version, None);
        assert_eq!(checks[2].status, CheckStatus::Ok);
    }

    #[test]
    fn nothing_mounted() {
        let layout = CgroupLayout::from_mountinfo("", |_| String::new());
        let (_, checks) = evaluate(layout, &fake(&[], &[]));
        assert!(checks.iter().all(|c| c.status == CheckStatus::Fail));
        assert!(checks[1].required);
        assert!(!checks[0].required);
    }
}
