//! Where an OCI container's state lives: `<root>/<id>/state.json`, beside the FIFO of
//! its start gate. On disk, so that every command works from a new process and the
//! container outlives the command that made it.

use super::config::Hooks;
use crate::runtime::exec::ExecConfig;
use crate::runtime::ledger::ProcessId;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The runtime spec's status of a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Paused,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything later commands need to know about a container.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Saved {
    pub id: String,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub annotations: BTreeMap<String, String>,
    /// RFC 3339, UTC.
    pub created: String,
    pub owner: String,
    /// The container's init (its PID 1); pid and start time, so a recycled pid is
    /// never mistaken for it.
    pub init: ProcessId,
    /// `start` has opened the gate.
    pub started: bool,
    /// The runtime's state record (the intent log `delete` undoes).
    pub record: PathBuf,
    /// What `exec` needs: namespaces, cgroup, user, capabilities, environment.
    pub exec: ExecConfig,
    pub hooks: Hooks,
    /// Where the listener of an exec'd process's filter goes (`linux.seccomp`'s
    /// `listenerPath` and `listenerMetadata`), when the profile asks one.
    #[serde(default)]
    pub seccomp_listener: Option<crate::runtime::seccomp::Listener>,
}

/// The OCI runtime spec's state, as `state` prints it (runc's key order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OciState {
    #[serde(rename = "ociVersion")]
    pub oci_version: String,
    pub id: String,
    pub pid: i32,
    pub status: Status,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub created: String,
    pub owner: String,
    pub annotations: BTreeMap<String, String>,
}

/// The version of the runtime spec contlab's state follows.
pub const OCI_VERSION: &str = "1.0.2";

impl Saved {
    pub fn status(&self) -> Status {
        match (self.init.is_alive(), self.started) {
            (false, _) => Status::Stopped,
            (true, false) => Status::Created,
            (true, true) if self.frozen() => Status::Paused,
            (true, true) => Status::Running,
        }
    }

    /// The freezer of the container's cgroup: v1's `freezer.state` (`FROZEN`/`THAWED`)
    /// or v2's `cgroup.freeze` (`1`/`0`), with the values for frozen and thawed.
    pub fn freezer(&self) -> Option<(PathBuf, &'static str, &'static str)> {
        self.exec
            .cgroup_procs
            .iter()
            .filter_map(|p| p.parent())
            .find_map(|d| {
                [
                    ("freezer.state", "FROZEN", "THAWED"),
                    ("cgroup.freeze", "1", "0"),
                ]
                .into_iter()
                .find(|(f, _, _)| d.join(f).exists())
                .map(|(f, on, off)| (d.join(f), on, off))
            })
    }

    fn frozen(&self) -> bool {
        self.freezer().is_some_and(|(file, on, _)| {
            std::fs::read_to_string(file).is_ok_and(|t| t.trim() == on)
        })
    }

    /// The host pids of every process in the container's cgroup(s), sorted: what `ps`
    /// lists. A container whose cgroup is gone (it was deleted) has none.
    pub fn pids(&self) -> Vec<i32> {
        let mut pids: Vec<i32> = self
            .exec
            .cgroup_procs
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .flat_map(|t| {
                t.split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect::<Vec<i32>>()
            })
            .collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    pub fn oci(&self) -> OciState {
        let status = self.status();
        OciState {
            oci_version: OCI_VERSION.into(),
            id: self.id.clone(),
            pid: if status == Status::Stopped {
                0
            } else {
                self.init.pid
            },
            status,
            bundle: self.bundle.clone(),
            rootfs: self.rootfs.clone(),
            created: self.created.clone(),
            owner: self.owner.clone(),
            annotations: self.annotations.clone(),
        }
    }
}

/// One container's directory under the state root, locked while a command changes it.
pub struct Dir {
    pub path: PathBuf,
    _lock: Option<nix::fcntl::Flock<std::fs::File>>,
}

impl Dir {
    pub fn state_file(&self) -> PathBuf {
        self.path.join("state.json")
    }

    pub fn fifo(&self) -> PathBuf {
        self.path.join("exec.fifo")
    }

    /// The start report (see `ContainerSpec::start_report`): how the init's start went.
    pub fn report_fifo(&self) -> PathBuf {
        self.path.join("start.fifo")
    }

    /// Makes the directory of a new container; fails if the id is taken.
    pub fn create(root: &Path, id: &str) -> Result<Dir> {
        crate::runtime::ledger::validate_id(id)?;
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create the state root {}", root.display()))?;
        let path = root.join(id);
        match std::fs::create_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                crate::bail_said!("error-container-exists", id = format!("{id:?}"))
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", path.display()));
            }
        }
        let lock = lock(&path)?;
        Ok(Dir {
            path,
            _lock: Some(lock),
        })
    }

    /// Opens an existing container's directory, locked against concurrent changes.
    pub fn open(root: &Path, id: &str) -> Result<Dir> {
        crate::runtime::ledger::validate_id(id)?;
        let path = root.join(id);
        if !path.is_dir() {
            crate::bail_said!("error-container-missing", id = format!("{id:?}"));
        }
        let lock = lock(&path)?;
        Ok(Dir {
            path,
            _lock: Some(lock),
        })
    }

    /// Opens it without the lock, only to read (`state`, `list`).
    pub fn peek(root: &Path, id: &str) -> Result<Dir> {
        crate::runtime::ledger::validate_id(id)?;
        let path = root.join(id);
        if !path.is_dir() {
            crate::bail_said!("error-container-missing", id = format!("{id:?}"));
        }
        Ok(Dir { path, _lock: None })
    }

    pub fn load(&self) -> Result<Saved> {
        let f = self.state_file();
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "container {:?} is still being created (or its creation was interrupted; `delete` removes it)",
                self.id()
            ),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", f.display())),
        };
        serde_json::from_str(&text).with_context(|| format!("{}: not a valid state", f.display()))
    }

    /// Writes the state atomically: a crash leaves the old or the new.
    pub fn save(&self, s: &Saved) -> Result<()> {
        let f = self.state_file();
        let tmp = self.path.join("state.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(s)?)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &f).with_context(|| format!("cannot write {}", f.display()))
    }

    pub fn id(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Removes the directory and what is in it.
    pub fn remove(self) -> Result<()> {
        let path = self.path.clone();
        drop(self);
        match std::fs::remove_dir_all(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }
}

fn lock(path: &Path) -> Result<nix::fcntl::Flock<std::fs::File>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("cannot lock {}: {e}", path.display()))
}

/// Every container directory under `root`, by id.
pub fn ids(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Now as RFC 3339 in UTC with nanoseconds, as runc writes `created`.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::civil::date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_nanos()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_rfc3339() {
        let t = now_rfc3339();
        assert_eq!(t.len(), "2024-01-01T00:00:00.000000000Z".len(), "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }

    #[test]
    fn ids_are_checked_and_unique() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Dir::create(dir.path(), "../x").is_err());
        assert!(Dir::create(dir.path(), "a/b").is_err());
        let d = Dir::create(dir.path(), "c1").unwrap();
        drop(d);
        let e = Dir::create(dir.path(), "c1").err().unwrap().to_string();
        assert_eq!(e, "container \"c1\" already exists");
        let e = Dir::open(dir.path(), "nope").err().unwrap().to_string();
        assert_eq!(e, "container \"nope\" does not exist");
        assert_eq!(ids(dir.path()), vec!["c1".to_string()]);
    }
}
