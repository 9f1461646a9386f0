//! `contlab cleanup` removes what contlab left behind, and nothing else.

mod common;

use contlab::inspect::cgroups::CgroupLayout;
use contlab::runtime::ledger::{Ledger, ProcessId};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// Removes whatever the test made, also when an assertion fails.
struct Guard {
    dirs: Vec<PathBuf>,
    cgroups: Vec<PathBuf>,
    children: Vec<Child>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for cg in self.cgroups.iter().rev() {
            contlab::runtime::teardown::remove_cgroup_tree(cg);
        }
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn unique(tag: &str) -> String {
    contlab::runtime::ledger::new_id().replace("contlab-", &format!("contlab-{tag}-"))
}

/// A process that sits in `cgroup` from before its first instruction.
fn sleeper_in(cgroup: Option<&Path>) -> Child {
    let mut cmd = Command::new("sleep");
    cmd.arg("600");
    if let Some(cg) = cgroup {
        let procs = cg.join("cgroup.procs");
        // SAFETY: only async-signal-safe work between fork and exec: open/write/close.
        unsafe {
            cmd.pre_exec(move || std::fs::write(&procs, std::process::id().to_string()));
        }
    }
    cmd.spawn().expect("spawn sleep")
}

/// `contlab cleanup --json` on the run and state directories given: its report.
fn cleanup_json(run: &Path, state: &Path) -> serde_json::Value {
    let out = common::contlab()
        .args(["cleanup", "--json"])
        .env("CONTLAB_RUN_DIR", run)
        .env("CONTLAB_STATE_DIR", state)
        .env("CONTLAB_CGROUP_PARENT", unique("k"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn alive(child: &mut Child) -> bool {
    matches!(child.try_wait(), Ok(None))
}

#[test]
fn cleanup_removes_planted_leftovers_and_nothing_else() {
    common::require_root("cleanup_removes_planted_leftovers_and_nothing_else needs root");
    let layout = CgroupLayout::detect().unwrap();
    let pids = layout
        .v1_mount("pids")
        .map(|h| h.mount.clone())
        .or_else(|| layout.unified.as_ref().map(|u| u.mount.clone()))
        .expect("a cgroup hierarchy with pids");

    let parent = unique("t");
    let run = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut guard = Guard {
        dirs: vec![],
        cgroups: vec![],
        children: vec![],
    };

    // Leftover 1: a container cgroup under contlab's parent, with a live process in it.
    let parent_dir = pids.join(&parent);
    let orphan_cg = parent_dir.join("orphan");
    guard.cgroups.push(parent_dir.clone());
    std::fs::create_dir_all(&orphan_cg).unwrap();
    guard.children.push(sleeper_in(Some(&orphan_cg)));

    // Leftover 2: a record whose owner is gone, naming a live process and a work dir.
    let records = run.path().join("containers");
    let mut ledger = Ledger::create_in(&records, "crashed").unwrap();
    let work = run.path().join("work").join("crashed");
    std::fs::create_dir_all(work.join("upper")).unwrap();
    guard.children.push(sleeper_in(None));
    let victim = ProcessId::of(guard.children[1].id() as i32).unwrap();
    let me = ProcessId::current();
    ledger
        .update(|r| {
            r.owner = Some(ProcessId {
                pid: me.pid,
                start_time: me.start_time + 1,
            });
            r.processes.push(victim);
            r.dirs.push(work.clone());
        })
        .unwrap();

    // Decoys: things cleanup must not touch.
    let decoy_cg = pids.join(format!("decoy-{}", std::process::id()));
    guard.cgroups.push(decoy_cg.clone());
    std::fs::create_dir_all(&decoy_cg).unwrap();
    guard.children.push(sleeper_in(Some(&decoy_cg)));
    guard.children.push(sleeper_in(None));
    let decoy_file = run.path().join("notes.txt");
    std::fs::write(&decoy_file, "keep me").unwrap();

    let out = common::contlab()
        .arg("cleanup")
        .env("CONTLAB_RUN_DIR", run.path())
        .env("CONTLAB_STATE_DIR", state.path())
        .env("CONTLAB_CGROUP_PARENT", &parent)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cleanup failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The leftovers are gone …
    assert!(!orphan_cg.exists(), "orphan cgroup still there");
    assert!(
        !parent_dir.exists(),
        "contlab's empty cgroup parent still there"
    );
    assert!(!work.exists(), "work dir still there");
    assert!(!records.join("crashed.json").exists(), "record still there");
    assert!(
        !alive(&mut guard.children[0]),
        "process in the orphan cgroup survived"
    );
    assert!(
        !alive(&mut guard.children[1]),
        "process named by the record survived"
    );
    assert!(stdout.contains("removed cgroup"), "{stdout}");
    assert!(stdout.contains("removed record"), "{stdout}");
    // … and the decoys are untouched.
    assert!(
        decoy_cg.exists(),
        "cleanup removed a cgroup it did not create"
    );
    assert!(
        alive(&mut guard.children[2]),
        "cleanup killed a process in a foreign cgroup"
    );
    assert!(
        alive(&mut guard.children[3]),
        "cleanup killed an unrelated process"
    );
    assert_eq!(std::fs::read_to_string(&decoy_file).unwrap(), "keep me");
}

#[test]
fn cleanup_keeps_containers_whose_owner_is_alive() {
    let run = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let records = run.path().join("containers");
    // This test process is the owner, and it is alive.
    let _ledger = Ledger::create_in(&records, "live").unwrap();
    let v = cleanup_json(run.path(), state.path());
    assert_eq!(v["kept"], serde_json::json!(["live"]));
    assert!(records.join("live.json").exists());
}

/// A zombie owner runs nothing: a contlab killed by SIGKILL stays a zombie until its
/// parent reaps it (never, where PID 1 does not reap orphans), and its containers are
/// leftovers. The owner here is a child of this test that has exited and is not yet
/// reaped; the guard reaps it at the end.
#[test]
fn cleanup_takes_a_zombie_owner_for_dead() {
    let run = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let records = run.path().join("containers");
    let mut guard = Guard {
        dirs: Vec::new(),
        cgroups: Vec::new(),
        children: Vec::new(),
    };
    let child = Command::new("true").spawn().expect("spawn true");
    let pid = child.id() as i32;
    let owner = ProcessId::of(pid).expect("the child exists until it is reaped");
    guard.children.push(child);
    // Until it has exited it is alive; then a zombie (state Z): the same pid and start
    // time, but it has ended, so it is not alive.
    while !std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap()
        .rsplit(')')
        .next()
        .unwrap()
        .starts_with(" Z")
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(!owner.is_alive());
    let mut ledger = Ledger::create_in(&records, "orphaned").unwrap();
    ledger.update(|r| r.owner = Some(owner)).unwrap();
    let v = cleanup_json(run.path(), state.path());
    assert_eq!(v["kept"], serde_json::json!([]), "{v}");
    assert!(!records.join("orphaned.json").exists());
}
