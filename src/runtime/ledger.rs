//! State records: what each container owns, written down *before* each object is made.
//!
//! A record is an intent log. The runtime adds a cgroup, a network namespace, a mount or
//! a process to the record and only then creates it, so a contlab killed at any moment
//! (even by SIGKILL) leaves a record naming everything that may exist. Teardown and
//! `contlab cleanup` undo exactly what a record names, and then remove the record.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A process, named by pid and start time so that a recycled pid is never mistaken for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    pub pid: i32,
    /// Field 22 of `/proc/PID/stat`: clock ticks after boot.
    pub start_time: u64,
}

impl ProcessId {
    /// The process `pid` as it is now, or `None` when it does not exist.
    pub fn of(pid: i32) -> Option<Self> {
        start_time(pid).map(|start_time| ProcessId { pid, start_time })
    }

    /// This process.
    pub fn current() -> Self {
        let pid = std::process::id() as i32;
        ProcessId {
            pid,
            start_time: start_time(pid).unwrap_or(0),
        }
    }

    /// True while this very process (not a later one with the same pid) is alive. A
    /// zombie is not: it has ended, and an init that does not reap may keep it forever.
    pub fn is_alive(&self) -> bool {
        start_time(self.pid) == Some(self.start_time) && !is_zombie(self.pid)
    }
}

/// True when `pid` has exited and waits to be reaped (state `Z` in `/proc/PID/stat`).
pub(crate) fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rfind(')').map(|i| s[i + 2..].starts_with('Z')))
        .unwrap_or(false)
}

fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    // `rest` starts at field 3; starttime is field 22.
    rest.split(' ').nth(19)?.parse().ok()
}

/// Everything one container owns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// The contlab process that made the container; when it is gone the container is a
    /// leftover, unless `detached` (OCI containers outlive the command that made them).
    pub owner: Option<ProcessId>,
    #[serde(default)]
    pub detached: bool,
    #[serde(default)]
    pub processes: Vec<ProcessId>,
    #[serde(default)]
    pub cgroups: Vec<PathBuf>,
    /// Parent directories of those cgroups that contlab made for this container (a
    /// `linux.cgroupsPath` below cgroups that did not exist). Removed after the
    /// cgroups, each only while empty; a directory that was there before is never named.
    #[serde(default)]
    pub cgroup_parents: Vec<PathBuf>,
    /// Bind-mounted namespace files (`nsfs`) that keep a namespace alive.
    #[serde(default)]
    pub ns_mounts: Vec<PathBuf>,
    /// Network links in the host's namespace.
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub mounts: Vec<PathBuf>,
    /// Directories contlab made for the container (removed after the mounts).
    #[serde(default)]
    pub dirs: Vec<PathBuf>,
}

/// The directory holding one record file per container.
pub fn records_dir() -> PathBuf {
    crate::paths::run_dir().join("containers")
}

/// A record on disk, kept in step with every change.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    record: Record,
    /// The record file, open for appending from the first write on.
    file: Option<std::fs::File>,
    /// Its length, to know when to compact it.
    len: u64,
}

impl Ledger {
    /// Starts the record of a new container owned by this process. Fails if `id` is taken.
    pub fn create(id: &str) -> Result<Self> {
        Self::create_in(&records_dir(), id)
    }

    pub fn create_in(dir: &Path, id: &str) -> Result<Self> {
        validate_id(id)?;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the state directory {}", dir.display()))?;
        let path = dir.join(format!("{id}.json"));
        let record = Record {
            id: id.to_string(),
            owner: Some(ProcessId::current()),
            ..Default::default()
        };
        // create_new: two processes can never both believe they own the same id.
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path);
        let file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                crate::bail_said!("error-container-exists", id = format!("{id:?}"))
            }
            Err(e) => return Err(e).with_context(|| format!("cannot write {}", path.display())),
        };
        let mut ledger = Ledger {
            path,
            record,
            file: Some(file),
            len: 0,
        };
        ledger.save()?;
        Ok(ledger)
    }

    /// Opens an existing record (for `cleanup`, or a command acting on a detached container).
    pub fn open(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the state record {}", path.display()))?;
        let record = parse(&text)
            .with_context(|| format!("{}: the state record is not valid", path.display()))?;
        Ok(Ledger {
            path: path.to_path_buf(),
            record,
            file: None,
            len: 0,
        })
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes the record and writes it out (atomically: a crash leaves the old or the new).
    pub fn update(&mut self, f: impl FnOnce(&mut Record)) -> Result<()> {
        f(&mut self.record);
        self.save()
    }

    /// Appends the whole record as one line: the last complete line is the record. An
    /// append is one small write, where replacing the file (write a copy, rename it over)
    /// makes some file systems (ext4's auto_da_alloc) flush the copy to disk first, for
    /// every change of every container. A line cut short by a crash does not parse and the
    /// one before it counts, and nothing is made before its line is written. A record
    /// that grew long is written anew, atomically. The file stays open between changes:
    /// a container's start and end append to it several times.
    fn save(&mut self) -> Result<()> {
        use std::io::Write;
        let mut line = serde_json::to_vec(&self.record)?;
        line.push(b'\n');
        if self.len > COMPACT_AT {
            let tmp = self.path.with_extension("json.tmp");
            std::fs::write(&tmp, &line)
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            // The open file is the replaced one now; the next change opens the new one.
            self.file = None;
            self.len = line.len() as u64;
            return std::fs::rename(&tmp, &self.path)
                .with_context(|| format!("cannot write {}", self.path.display()));
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => {
                let f = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&self.path)
                    .with_context(|| format!("cannot write {}", self.path.display()))?;
                self.len = f.metadata().map(|m| m.len()).unwrap_or(0);
                self.file.insert(f)
            }
        };
        file.write_all(&line)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.len += line.len() as u64;
        Ok(())
    }

    /// Removes the record: everything it named has been undone.
    pub fn finish(self) -> Result<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", self.path.display())),
        }
    }
}

/// The longest container id: its state record is `<id>.json`, one file name (255 bytes).
pub const MAX_ID_LEN: usize = 250;

/// Container ids name files and cgroups. runc's rule: letters, digits and `_ + , - .`,
/// neither `.` nor `..`; no `/`, so an id is always one path component. runc sets no
/// length of its own (the file system's 255 bytes does), contlab the same less `.json`.
pub fn validate_id(id: &str) -> Result<()> {
    let ok_chars = id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | ',' | '-' | '.'));
    if id.is_empty() || id.len() > MAX_ID_LEN || !ok_chars || id == "." || id == ".." {
        crate::bail_said!("error-invalid-id", id = format!("{id:?}"), max = MAX_ID_LEN);
    }
    Ok(())
}

/// A fresh id for a container nobody named: `contlab-<pid>-<counter>-<random>`.
pub fn new_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let mut r = [0u8; 3];
    let _ = getrandom_bytes(&mut r);
    format!(
        "{}-{}-{}-{:02x}{:02x}{:02x}",
        crate::paths::PREFIX,
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        r[0],
        r[1],
        r[2]
    )
}

fn getrandom_bytes(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

/// A record file grows by a line per change; past this size it is rewritten as one.
const COMPACT_AT: u64 = 64 * 1024;

/// The record in a record file: its last line that parses (see `Ledger::save`), or the
/// whole text (a record written as one JSON document).
fn parse(text: &str) -> Result<Record> {
    let last = text
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty())
        .find_map(|l| serde_json::from_str::<Record>(l).ok());
    match last {
        Some(r) => Ok(r),
        None => Ok(serde_json::from_str(text)?),
    }
}

/// Every record file in `dir` with its parsed content (or why it could not be read).
pub fn list_in(dir: &Path) -> Vec<(PathBuf, Result<Record>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let r = Ledger::open(&p).map(|l| l.record);
            (p, r)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_complete_line_is_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::create_in(dir.path(), "contlab-ledger-lines").unwrap();
        l.update(|r| r.cgroups.push("/sys/fs/cgroup/pids/contlab/a".into()))
            .unwrap();
        l.update(|r| r.dirs.push("/run/contlab/work/a".into()))
            .unwrap();
        let path = l.path().to_path_buf();
        // A crash in the middle of the next write leaves half a line.
        let mut text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
        text.push_str("{\"id\":\"contlab-ledger-lines\",\"cgro");
        std::fs::write(&path, &text).unwrap();
        let r = Ledger::open(&path).unwrap();
        assert_eq!(r.record().cgroups.len(), 1);
        assert_eq!(r.record().dirs.len(), 1);
        // A record written whole (as older versions did) still reads.
        let whole = serde_json::to_string_pretty(r.record()).unwrap();
        std::fs::write(&path, whole).unwrap();
        assert_eq!(Ledger::open(&path).unwrap().record().dirs.len(), 1);
        // A long record is compacted into one line.
        let mut r = Ledger::open(&path).unwrap();
        for i in 0..400 {
            r.update(|x| x.links.push(format!("veth-{i}"))).unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.len() < 2 * COMPACT_AT as usize, "{} bytes", text.len());
        assert_eq!(Ledger::open(&path).unwrap().record().links.len(), 400);
        r.finish().unwrap();
    }

    #[test]
    fn record_survives_reopen_and_ids_are_unique() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::create_in(dir.path(), "c1").unwrap();
        l.update(|r| r.cgroups.push("/sys/fs/cgroup/pids/contlab/c1".into()))
            .unwrap();
        assert!(
            Ledger::create_in(dir.path(), "c1").is_err(),
            "duplicate id accepted"
        );
        let again = Ledger::open(&dir.path().join("c1.json")).unwrap();
        assert_eq!(again.record().cgroups.len(), 1);
        assert!(again.record().owner.unwrap().is_alive());
        l.finish().unwrap();
        assert!(list_in(dir.path()).is_empty());
    }

    #[test]
    fn bad_ids_are_refused() {
        let long = "x".repeat(MAX_ID_LEN + 1);
        for id in [
            "",
            "a/b",
            ".",
            "..",
            "../etc",
            "sp ace",
            "a:b",
            long.as_str(),
        ] {
            assert!(validate_id(id).is_err(), "{id:?} accepted");
        }
        // What runc takes: podman's 64 hex digits, `+` and `,`, dots anywhere.
        for id in [
            "web-1_a.b",
            "a+b,c",
            ".hidden",
            "a..b",
            &format!("libpod-{}", "a".repeat(64)),
            &"f".repeat(MAX_ID_LEN),
        ] {
            validate_id(id).unwrap();
        }
        assert_ne!(new_id(), new_id());
    }

    #[test]
    fn dead_process_is_not_alive() {
        let me = ProcessId::current();
        assert!(me.is_alive());
        let stale = ProcessId {
            pid: me.pid,
            start_time: me.start_time + 1,
        };
        assert!(!stale.is_alive());
    }
}
