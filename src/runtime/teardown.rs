//! Undoing what a state record names: the one teardown used by a container's normal end,
//! by the signal and panic handlers, and by `contlab cleanup`.

use super::ledger::{ProcessId, Record};
use super::trace::{TraceEvent, Tracer};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One thing that was removed (or could not be).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// `process`, `cgroup`, `netns`, `link`, `mount`, `dir`, `record`.
    pub kind: &'static str,
    pub what: String,
    /// `None` when it was removed; otherwise why not.
    pub error: Option<String>,
}

impl Removed {
    fn ok(kind: &'static str, what: impl Into<String>) -> Self {
        Removed {
            kind,
            what: what.into(),
            error: None,
        }
    }
    fn failed(kind: &'static str, what: impl Into<String>, error: impl std::fmt::Display) -> Self {
        Removed {
            kind,
            what: what.into(),
            error: Some(error.to_string()),
        }
    }
}

/// One trace event per thing removed, as the `umount2` or `rmdir` it was, with the
/// shell command that does the same; `start` is when the removal began.
pub(crate) fn trace_removed(tracer: &Tracer, removed: &[Removed], start: std::time::Instant) {
    if tracer.is_null() {
        return;
    }
    for r in removed {
        tracer.emit(TraceEvent {
            pid: std::process::id() as i32,
            op: match r.kind {
                "mount" => "umount2",
                "dir" => "rmdir",
                k => k,
            }
            .into(),
            args: r.what.clone(),
            ok: r.error.is_none(),
            result: r.error.clone().unwrap_or_else(|| "0".into()),
            duration_us: start.elapsed().as_micros() as u64,
            shell: match r.kind {
                "mount" => Some(format!("umount -l {}", r.what)),
                "dir" => Some(format!("rm -rf {}", r.what)),
                _ => None,
            },
        });
    }
}

/// Removes everything `record` names, in the order that lets each step succeed:
/// processes, then cgroups (which must be empty), then namespace files and mounts
/// (deepest first), links, and last the directories. Things already gone are skipped.
pub fn undo(record: &Record) -> Vec<Removed> {
    let mut out = Vec::new();
    for p in &record.processes {
        if let Some(r) = kill_process(p) {
            out.push(r);
        }
    }
    let mut cgroups = record.cgroups.clone();
    cgroups.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for cg in &cgroups {
        out.extend(remove_cgroup_tree(cg));
        // contlab's shared parent (`<hierarchy>/contlab`) goes once it is empty, so a
        // finished lesson leaves no trace; rmdir refuses while another container uses it.
        if let Some(parent) = cg.parent().filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(crate::paths::PREFIX))
        }) {
            let _ = std::fs::remove_dir(parent);
        }
    }
    out.extend(remove_cgroup_parents(&record.cgroup_parents));
    for ns in &record.ns_mounts {
        if let Some(r) = unmount_and_unlink(ns, "netns") {
            out.push(r);
        }
    }
    for link in &record.links {
        if let Some(r) = super::net::delete_host_link(link) {
            out.push(r);
        }
    }
    let mut mounts = record.mounts.clone();
    mounts.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for m in &mounts {
        if let Some(r) = unmount(m) {
            out.push(r);
        }
    }
    let mut dirs = record.dirs.clone();
    dirs.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for d in &dirs {
        if d.exists() {
            // Never follow into a mount that is still there: remove_dir_all would empty it.
            if is_mount_point(d) {
                out.push(Removed::failed(
                    "dir",
                    d.display().to_string(),
                    "still a mount point",
                ));
                continue;
            }
            out.push(match std::fs::remove_dir_all(d) {
                Ok(()) => Removed::ok("dir", d.display().to_string()),
                Err(e) => Removed::failed("dir", d.display().to_string(), e),
            });
        }
    }
    out
}

fn kill_process(p: &ProcessId) -> Option<Removed> {
    if !p.is_alive() {
        return None;
    }
    let what = format!("pid {}", p.pid);
    if let Err(e) = kill(Pid::from_raw(p.pid), Signal::SIGKILL) {
        return Some(Removed::failed("process", what, e));
    }
    // Reap it if it is our child; otherwise wait until it is gone.
    let _ = nix::sys::wait::waitpid(
        Pid::from_raw(p.pid),
        Some(nix::sys::wait::WaitPidFlag::WNOHANG),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while p.is_alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
        let _ = nix::sys::wait::waitpid(
            Pid::from_raw(p.pid),
            Some(nix::sys::wait::WaitPidFlag::WNOHANG),
        );
    }
    Some(Removed::ok("process", what))
}

/// Removes the parent directories contlab made for a cgroup path (`Record::cgroup_parents`),
/// deepest first, each only if it is empty: another container may still have its cgroup
/// below one. Nothing is killed, and a directory already gone is skipped.
pub fn remove_cgroup_parents(parents: &[PathBuf]) -> Vec<Removed> {
    let mut dirs = parents.to_vec();
    dirs.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    dirs.dedup();
    dirs.into_iter()
        .filter_map(|d| match std::fs::remove_dir(&d) {
            Ok(()) => Some(Removed::ok("cgroup", d.display().to_string())),
            Err(_) => None,
        })
        .collect()
}

/// Kills every process in a cgroup and its children cgroups, then removes them deepest first.
pub fn remove_cgroup_tree(path: &Path) -> Vec<Removed> {
    let mut out = Vec::new();
    // Usually every process is gone and there is no child cgroup: one rmdir does it.
    // The kernel refuses (EBUSY) a cgroup that still has either, and that takes the
    // long way below.
    match std::fs::remove_dir(path) {
        Ok(()) => {
            out.push(Removed::ok("cgroup", path.display().to_string()));
            return out;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(_) => {}
    }
    if !path.is_dir() {
        return out;
    }
    let mut children: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    children.sort();
    for c in children {
        out.extend(remove_cgroup_tree(&c));
    }
    let what = path.display().to_string();
    let killed = kill_cgroup_members(path);
    // rmdir of a cgroup whose last task was just reaped fails with EBUSY until the
    // kernel drops the task's cgroup links, after an RCU grace period: poll briefly at
    // first (a grace period is usually a few ms), then back off.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut pause = Duration::from_micros(100);
    loop {
        match std::fs::remove_dir(path) {
            Ok(()) => {
                out.push(Removed::ok("cgroup", what));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                kill_cgroup_members(path);
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(5));
            }
            Err(e) => {
                out.push(Removed::failed(
                    "cgroup",
                    what,
                    format!("{e} ({killed} processes killed)"),
                ));
                break;
            }
        }
    }
    out
}

fn kill_cgroup_members(path: &Path) -> usize {
    // cgroup v2 (5.14+) kills the whole subtree in one write.
    let kill_file = path.join("cgroup.kill");
    if kill_file.exists() && std::fs::write(&kill_file, "1").is_ok() {
        return 0;
    }
    let mut n = 0;
    for file in ["cgroup.procs", "tasks"] {
        if let Ok(text) = std::fs::read_to_string(path.join(file)) {
            for pid in text
                .split_whitespace()
                .filter_map(|s| s.parse::<i32>().ok())
            {
                if kill(Pid::from_raw(pid), Signal::SIGKILL).is_ok() {
                    n += 1;
                    let _ = nix::sys::wait::waitpid(
                        Pid::from_raw(pid),
                        Some(nix::sys::wait::WaitPidFlag::WNOHANG),
                    );
                }
            }
        }
    }
    n
}

fn unmount(path: &Path) -> Option<Removed> {
    if !is_mount_point(path) {
        return None;
    }
    let what = path.display().to_string();
    Some(
        match nix::mount::umount2(path, nix::mount::MntFlags::MNT_DETACH) {
            Ok(()) => Removed::ok("mount", what),
            Err(e) => Removed::failed("mount", what, e),
        },
    )
}

fn unmount_and_unlink(path: &Path, kind: &'static str) -> Option<Removed> {
    if !path.exists() {
        return None;
    }
    let what = path.display().to_string();
    if is_mount_point(path)
        && let Err(e) = nix::mount::umount2(path, nix::mount::MntFlags::MNT_DETACH)
    {
        return Some(Removed::failed(kind, what, e));
    }
    Some(match std::fs::remove_file(path) {
        Ok(()) => Removed::ok(kind, what),
        Err(e) => Removed::failed(kind, what, e),
    })
}

/// True when `path` is the mount point of some mount in this mount namespace.
pub fn is_mount_point(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    text.lines()
        .filter_map(crate::inspect::cgroups::MountLine::parse)
        .any(|m| m.mount_point == path)
}
