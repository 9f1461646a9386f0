//! Helpers shared by the runtime tests. Every test runs as root and makes real
//! namespaces; containers tear down on drop, so a failing test leaks nothing.

use contlab::runtime::trace::Tracer;
use contlab::runtime::{Container, ContainerSpec, ExitInfo, Io, Stdio};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Containers re-execute contlab itself as their init, not this test program.
pub fn use_contlab() {
    contlab::runtime::process::use_contlab_binary(Path::new(env!("CARGO_BIN_EXE_contlab")))
        .expect("the contlab binary is used");
}

/// The cached default rootfs (built on first use).
pub fn rootfs() -> PathBuf {
    use_contlab();
    contlab::rootfs::ensure_default().expect("the default rootfs can be built")
}

/// Starts `spec` with its stdout piped to the test.
fn start_piped(mut spec: ContainerSpec<'_>) -> Container {
    use_contlab();
    spec.stdio = Stdio {
        stdin: Io::Null,
        stdout: Io::Piped,
        stderr: Io::Inherit,
    };
    Container::start(spec, &Tracer::null()).expect("container starts")
}

/// Runs `spec` to the end, returning how it ended and its stdout.
pub fn run(spec: ContainerSpec<'_>) -> (ExitInfo, String) {
    let mut c = start_piped(spec);
    let mut out = String::new();
    c.take_stdout()
        .expect("stdout is piped")
        .read_to_string(&mut out)
        .expect("stdout is readable");
    let exit = c.wait().expect("wait succeeds");
    let removed = c.teardown();
    assert!(
        removed.iter().all(|r| r.error.is_none()),
        "teardown failed: {removed:?}"
    );
    (exit, out)
}

/// A container whose command prints `ready` and then stays; returns it once `ready`
/// was read, and the reader for any further output.
pub fn start_ready(spec: ContainerSpec<'_>) -> (Container, BufReader<std::fs::File>) {
    let mut c = start_piped(spec);
    let mut r = BufReader::new(c.take_stdout().expect("stdout is piped"));
    let mut line = String::new();
    r.read_line(&mut line).expect("reads a line");
    assert_eq!(line.trim(), "ready", "the container did not get ready");
    (c, r)
}

pub fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

/// True when `path` appears as a mount point in the mountinfo of process `pid`.
pub fn mounted_in(pid: &str, needle: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
        .unwrap_or_default()
        .contains(needle)
}

/// Every leftover of container `id`: records, cgroup directories, mounts, work dirs.
pub fn leftovers(id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rec = contlab::runtime::ledger::records_dir().join(format!("{id}.json"));
    if rec.exists() {
        out.push(rec.display().to_string());
    }
    out.extend(cgroup_dirs_named(id));
    let mi = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    out.extend(mi.lines().filter(|l| l.contains(id)).map(str::to_string));
    let work = contlab::paths::run_dir().join("work").join(id);
    if work.exists() {
        out.push(work.display().to_string());
    }
    out
}

/// Directories named `id` under any cgroup mount's `<mount>/<parent>/`.
pub fn cgroup_dirs_named(id: &str) -> Vec<String> {
    cgroup_dirs_under(&contlab::paths::cgroup_parent())
        .into_iter()
        .filter(|p| p.ends_with(id))
        .map(|p| p.display().to_string())
        .collect()
}

/// Every directory under `<mount>/<parent>/` in every cgroup hierarchy.
pub fn cgroup_dirs_under(parent: &str) -> Vec<PathBuf> {
    let layout = contlab::inspect::cgroups::CgroupLayout::detect().expect("cgroup layout");
    let mut out = Vec::new();
    for m in layout.mount_points() {
        if let Ok(rd) = std::fs::read_dir(m.join(parent)) {
            out.extend(
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            );
        }
    }
    out
}

/// The host pids of the children of `pid`.
pub fn children(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

pub fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}
