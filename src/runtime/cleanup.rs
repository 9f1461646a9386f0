//! `contlab cleanup`: finds what contlab created and a crash left behind, and removes it.
//!
//! Two sources, both marked as contlab's own: the state records (each names the objects
//! of one container, see `ledger`), and a scan for objects carrying contlab's names —
//! cgroups under `<hierarchy>/contlab/`, namespace files and mounts under contlab's run
//! directory, host links named `contlab…` — that no live record claims. Nothing without
//! that mark is ever touched.

use super::ledger::{self, Record};
use super::teardown::{self, Removed};
use crate::inspect::cgroups::{CgroupLayout, MountLine};
use crate::paths;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Also tear down containers whose owner is still running, and detached ones.
    pub all: bool,
    /// Only undo state records whose owner is gone; scan for unrecorded objects only if
    /// one was found. The runtime's sweep at each start uses this: records are written
    /// before every object, so a crash always leaves one, and the full scan (mountinfo,
    /// every cgroup hierarchy, netlink) is left to `contlab cleanup`.
    pub quick: bool,
}

/// What a sweep did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub removed: Vec<Removed>,
    /// Ids of containers left alone because their owner still runs (without `--all`).
    pub kept: Vec<String>,
}

impl Report {
    pub fn failures(&self) -> impl Iterator<Item = &Removed> {
        self.removed.iter().filter(|r| r.error.is_some())
    }
}

/// True when a record's container is still wanted: its owner runs, or it is detached
/// (an OCI container) and its process runs. A zombie runs nothing: a contlab killed by
/// SIGKILL stays one until its parent reaps it, which may be never.
fn in_use(r: &Record) -> bool {
    r.owner.is_some_and(|o| o.is_alive())
        || (r.detached && r.processes.iter().any(|p| p.is_alive()))
}

/// Removes leftovers. Safe to run at any time: live containers are kept unless `all`.
pub fn sweep(opts: Options) -> Report {
    let mut report = Report::default();
    let mut claimed = Claimed::default();

    for (path, rec) in ledger::list_in(&ledger::records_dir()) {
        match rec {
            Ok(rec) if !opts.all && in_use(&rec) => {
                claimed.add(&rec);
                report.kept.push(rec.id.clone());
            }
            Ok(rec) => {
                report.removed.extend(teardown::undo(&rec));
                report.removed.push(remove_file(&path, "record"));
            }
            // An unreadable record names nothing we can trust; the scan below finds its objects.
            Err(_) => report.removed.push(remove_file(&path, "record")),
        }
    }

    if opts.quick && report.removed.is_empty() {
        return report;
    }
    let run = paths::run_dir();
    // Mounts under the run directory (container roots, namespace files), deepest first.
    if let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") {
        let mut mounts: Vec<PathBuf> = text
            .lines()
            .filter_map(MountLine::parse)
            .map(|m| m.mount_point)
            .filter(|p| p.starts_with(&run) && p != &run && !claimed.covers(p))
            .collect();
        mounts.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        mounts.dedup();
        for m in mounts {
            let what = m.display().to_string();
            report.removed.push(
                match nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH) {
                    Ok(()) => Removed {
                        kind: "mount",
                        what,
                        error: None,
                    },
                    Err(e) => Removed {
                        kind: "mount",
                        what,
                        error: Some(e.to_string()),
                    },
                },
            );
        }
    }
    // Namespace files left in the netns directory.
    if let Ok(rd) = std::fs::read_dir(paths::netns_dir()) {
        for e in rd.filter_map(|e| e.ok()) {
            let p = e.path();
            if !claimed.covers(&p) {
                report.removed.push(remove_file(&p, "netns"));
            }
        }
    }
    // Working directories of containers that have no record any more.
    if let Ok(rd) = std::fs::read_dir(run.join("work")) {
        for e in rd.filter_map(|e| e.ok()) {
            let p = e.path();
            if !claimed.covers(&p) && !teardown::is_mount_point(&p) {
                let what = p.display().to_string();
                report.removed.push(match std::fs::remove_dir_all(&p) {
                    Ok(()) => Removed {
                        kind: "dir",
                        what,
                        error: None,
                    },
                    Err(e) => Removed {
                        kind: "dir",
                        what,
                        error: Some(e.to_string()),
                    },
                });
            }
        }
    }
    // cgroups under contlab's parent in every hierarchy.
    if let Ok(layout) = CgroupLayout::detect() {
        let parent = paths::cgroup_parent();
        for mount in layout.mount_points() {
            let dir = mount.join(&parent);
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut any_left = false;
            for e in rd.filter_map(|e| e.ok()) {
                if !e.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                let p = e.path();
                if claimed.covers(&p) {
                    any_left = true;
                } else {
                    report.removed.extend(teardown::remove_cgroup_tree(&p));
                }
            }
            if !any_left && claimed.cgroups.iter().all(|c| !c.starts_with(&dir)) {
                report.removed.extend(teardown::remove_cgroup_tree(&dir));
            }
        }
    }
    // Links in the host's namespace carrying contlab's name.
    if let Ok(links) = super::net::list_links() {
        for l in links
            .iter()
            .filter(|l| l.starts_with(paths::PREFIX) && !claimed.links.contains(*l))
        {
            report.removed.extend(super::net::delete_host_link(l));
        }
    }
    report
}

fn remove_file(path: &Path, kind: &'static str) -> Removed {
    let what = path.display().to_string();
    if teardown::is_mount_point(path)
        && let Err(e) = nix::mount::umount2(path, nix::mount::MntFlags::MNT_DETACH)
    {
        return Removed {
            kind,
            what,
            error: Some(e.to_string()),
        };
    }
    match std::fs::remove_file(path) {
        Ok(()) => Removed {
            kind,
            what,
            error: None,
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Removed {
            kind,
            what,
            error: None,
        },
        Err(e) => Removed {
            kind,
            what,
            error: Some(e.to_string()),
        },
    }
}

/// Objects that live records still claim.
#[derive(Default)]
struct Claimed {
    paths: Vec<PathBuf>,
    cgroups: Vec<PathBuf>,
    links: HashSet<String>,
}

impl Claimed {
    fn add(&mut self, r: &Record) {
        self.paths.extend(r.mounts.iter().cloned());
        self.paths.extend(r.ns_mounts.iter().cloned());
        self.paths.extend(r.dirs.iter().cloned());
        self.cgroups.extend(r.cgroups.iter().cloned());
        self.links.extend(r.links.iter().cloned());
    }

    /// True when `p` is claimed, lies inside a claimed path, or holds a claimed cgroup.
    fn covers(&self, p: &Path) -> bool {
        self.paths.iter().any(|c| p.starts_with(c))
            || self
                .cgroups
                .iter()
                .any(|c| c.starts_with(p) || p.starts_with(c))
    }
}
