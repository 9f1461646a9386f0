//! Where contlab keeps its files.
//!
//! Root keeps persistent state under `/var/lib/contlab` and run-time records under
//! `/run/contlab` (a tmpfs, so records vanish with the kernel objects they describe on
//! reboot). Other users get the XDG directories. `CONTLAB_STATE_DIR` and
//! `CONTLAB_RUN_DIR` override both, which the tests use to stay out of each other's way.

use std::path::PathBuf;

/// The prefix every kernel object contlab creates carries (cgroup directories, network
/// namespace names, links). `contlab cleanup` only ever removes objects with this mark.
pub const PREFIX: &str = "contlab";

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Persistent state: the rootfs cache, progress, logs.
pub fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CONTLAB_STATE_DIR") {
        return PathBuf::from(dir);
    }
    if is_root() {
        return PathBuf::from("/var/lib/contlab");
    }
    match std::env::var_os("XDG_STATE_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join(PREFIX),
        _ => home().join(".local/state").join(PREFIX),
    }
}

/// Run-time records of live containers; what `contlab cleanup` reads after a crash.
pub fn run_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CONTLAB_RUN_DIR") {
        return PathBuf::from(dir);
    }
    if is_root() {
        return PathBuf::from("/run/contlab");
    }
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join(PREFIX),
        _ => state_dir().join("run"),
    }
}

/// Log files. Logs never go to the terminal: the TUI owns it.
pub fn log_dir() -> PathBuf {
    state_dir().join("logs")
}

/// Cached root filesystems built by `contlab rootfs build`.
pub fn rootfs_cache_dir() -> PathBuf {
    state_dir().join("rootfs")
}

/// The directory under each cgroup hierarchy that holds contlab's cgroups
/// (`<mount>/contlab/<id>`). `CONTLAB_CGROUP_PARENT` overrides it, so that parallel
/// tests each sweep only their own.
pub fn cgroup_parent() -> String {
    match std::env::var("CONTLAB_CGROUP_PARENT") {
        Ok(p) if !p.is_empty() && !p.contains('/') && p.contains(PREFIX) => p,
        _ => PREFIX.to_string(),
    }
}

/// Where contlab bind-mounts network namespaces it keeps alive by name.
pub fn netns_dir() -> PathBuf {
    run_dir().join("netns")
}

/// The student's progress: per user, in the XDG state directory, also under sudo (so a
/// student's progress does not depend on how the lab was started).
pub fn progress_file() -> PathBuf {
    if let Some(dir) = std::env::var_os("CONTLAB_STATE_DIR") {
        return PathBuf::from(dir).join("progress.json");
    }
    let base = match std::env::var_os("XDG_STATE_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => home().join(".local/state"),
    };
    base.join(PREFIX).join("progress.json")
}
