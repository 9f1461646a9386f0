//! The cgroup layout and whether the memory, cpu and pids controllers are usable.
//!
//! A controller is usable when contlab can make cgroups that it governs: on v1, a
//! mounted hierarchy holding it that contlab may write to; on v2, the cgroup2 root lists
//! it in `cgroup.controllers` and it is, or may be, enabled in `cgroup.subtree_control`.
//! Nothing is written: "may be enabled" is judged from permissions and the
//! no-internal-processes rule.

use super::Check;
use crate::i18n::Lang;
use crate::inspect::cgroups::{CgroupLayout, CgroupMode};
use crate::tr;
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

pub fn check(lang: Lang) -> (CgroupReport, Vec<Check>) {
    match CgroupLayout::detect() {
        Ok(layout) => evaluate(layout, &RealFiles, lang),
        Err(e) => {
            let layout = CgroupLayout {
                mode: CgroupMode::None,
                v1: Vec::new(),
                unified: None,
            };
            let (report, mut checks) = evaluate(layout, &RealFiles, lang);
            checks[0].detail = tr!(
                lang,
                "doctor-cgroup-mountinfo-unreadable",
                error = e.to_string()
            );
            (report, checks)
        }
    }
}

pub fn evaluate(layout: CgroupLayout, files: &dyn Files, lang: Lang) -> (CgroupReport, Vec<Check>) {
    let mut checks = vec![layout_check(&layout, lang)];
    let mut controllers = BTreeMap::new();
    let proc_cgroups = files.read(Path::new("/proc/cgroups")).unwrap_or_default();
    for (name, _) in CONTROLLERS {
        let (state, check) = controller(&layout, name, files, &proc_cgroups, lang);
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

fn layout_check(layout: &CgroupLayout, lang: Lang) -> Check {
    let c = Check::new("cgroup", tr!(lang, "doctor-title-cgroup"), false);
    let holding = |controllers: &[String]| {
        if controllers.is_empty() {
            tr!(lang, "doctor-cgroup-no-controller")
        } else {
            controllers.join(" ")
        }
    };
    match (&layout.mode, &layout.unified) {
        (CgroupMode::V2, Some(u)) => c.ok(tr!(
            lang,
            "doctor-cgroup-v2",
            mount = u.mount.display().to_string(),
            controllers = holding(&u.controllers)
        )),
        (CgroupMode::Hybrid, Some(u)) => c.ok(tr!(
            lang,
            "doctor-cgroup-hybrid",
            count = layout.v1.len(),
            mount = u.mount.display().to_string(),
            controllers = holding(&u.controllers)
        )),
        (CgroupMode::V1, _) => c.ok(tr!(lang, "doctor-cgroup-v1", count = layout.v1.len())),
        _ => nothing_mounted(c, lang),
    }
}

fn nothing_mounted(c: Check, lang: Lang) -> Check {
    c.fail(
        tr!(lang, "doctor-cgroup-none"),
        tr!(lang, "doctor-fix-cgroup-none"),
    )
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
    lang: Lang,
) -> (ControllerState, Check) {
    let c = Check::new(id_of(name), format!("cgroup {name}"), true);
    if let Some(h) = layout.v1_mount(name) {
        let state = |usable| ControllerState {
            usable,
            version: Some("v1"),
            mount: Some(h.mount.clone()),
        };
        let mount = h.mount.display().to_string();
        return match files.writable(&h.mount) {
            Writable::Yes => (
                state(true),
                c.ok(tr!(
                    lang,
                    "doctor-cgroup-v1-writable",
                    mount = mount.as_str()
                )),
            ),
            Writable::ReadOnlyMount => (
                state(false),
                c.fail(
                    tr!(lang, "doctor-cgroup-v1-read-only", mount = mount.as_str()),
                    tr!(lang, "doctor-fix-cgroup-remount", mount = mount.as_str()),
                ),
            ),
            Writable::Denied => (
                state(false),
                c.fail(
                    tr!(lang, "doctor-cgroup-v1-denied", mount = mount.as_str()),
                    super::run_as_root(lang),
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
        let mount = u.mount.display().to_string();
        let mount = mount.as_str();
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
                c.ok(tr!(lang, "doctor-cgroup-v2-enabled", mount = mount)),
            )
        } else if files.writable(&subtree_control) != Writable::Yes {
            (
                state(false),
                c.fail(
                    tr!(lang, "doctor-cgroup-v2-denied", mount = mount, name = name),
                    tr!(lang, "doctor-fix-cgroup-v2-denied"),
                ),
            )
        } else if !enabled && holds_processes {
            (
                state(false),
                c.fail(
                    tr!(
                        lang,
                        "doctor-cgroup-v2-internal",
                        mount = mount,
                        name = name
                    ),
                    tr!(lang, "doctor-fix-cgroup-v2-internal"),
                ),
            )
        } else {
            (
                state(true),
                c.ok(tr!(lang, "doctor-cgroup-v2-enable-able", mount = mount)),
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
            tr!(lang, "doctor-cgroup-disabled", name = name),
            tr!(lang, "doctor-fix-cgroup-disabled", name = name),
        )
    } else if let Some(u) = layout
        .unified
        .as_ref()
        .filter(|_| layout.mode == CgroupMode::V2)
    {
        c.fail(
            tr!(
                lang,
                "doctor-cgroup-v2-not-offered",
                mount = u.mount.display().to_string(),
                name = name
            ),
            tr!(lang, "doctor-fix-host-or-vm-delegate"),
        )
    } else if layout.mode == CgroupMode::None {
        nothing_mounted(c, lang)
    } else {
        c.fail(
            tr!(lang, "doctor-cgroup-v1-missing", name = name),
            tr!(lang, "doctor-fix-cgroup-v1-missing", name = name),
        )
    };
    (state, check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::CheckStatus;
    use std::collections::HashMap;

    fn evaluate(layout: CgroupLayout, files: &dyn Files) -> (CgroupReport, Vec<Check>) {
        super::evaluate(layout, files, Lang::En)
    }

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
