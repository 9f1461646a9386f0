//! `inspect::proc::snapshot` against a real process in new UTS and PID namespaces.
//! Runs as root: it creates namespaces and joins one to read the hostname.

use contlab::inspect::proc::snapshot;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the namespaced process and its `unshare` parent however the test ends, so a
/// failed assertion leaves no namespace behind.
struct Namespaced {
    unshare: Child,
    inner: Option<i32>,
}

impl Drop for Namespaced {
    fn drop(&mut self) {
        // `--kill-child` makes unshare's death kill the inner process too; killing the
        // inner one as well covers an unshare that died early. The inner process is pid 1
        // of its pid namespace, so its death empties the namespace.
        let _ = self.unshare.kill();
        let _ = self.unshare.wait();
        if let Some(pid) = self.inner {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

/// The child `unshare --fork` made: the one process whose parent is `parent`.
fn child_of(parent: u32) -> Option<i32> {
    procfs::process::all_processes()
        .ok()?
        .filter_map(Result::ok)
        .find(|p| p.stat().is_ok_and(|s| s.ppid == parent as i32))
        .map(|p| p.pid())
}

#[test]
fn snapshot_of_a_process_in_new_uts_and_pid_namespaces() {
    let hostname = format!("contlab-t{}", std::process::id());
    // The shell sets the hostname of its new UTS namespace, then says so on stdout, so
    // the test reads the process only once it exists and is configured.
    let script =
        format!("echo {hostname} > /proc/sys/kernel/hostname && echo ready && exec sleep 60");
    let unshare = Command::new("unshare")
        .args([
            "--uts",
            "--pid",
            "--fork",
            "--kill-child",
            "sh",
            "-c",
            &script,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("unshare(1) from util-linux runs");
    let mut guard = Namespaced {
        unshare,
        inner: None,
    };
    let stdout = guard.unshare.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the child's stdout");
    assert_eq!(line.trim(), "ready", "the namespaced shell did not start");
    let inner = child_of(guard.unshare.id()).expect("unshare --fork made a child");
    guard.inner = Some(inner);

    let me = std::process::id() as i32;
    let snap = snapshot(inner, me).expect("snapshot of the namespaced process");

    let ns = |name| snap.ns(name).expect("every ns link is listed");
    assert!(ns("uts").differs, "uts: {:?}", ns("uts"));
    assert!(ns("pid").differs, "pid: {:?}", ns("pid"));
    assert!(!ns("net").differs);
    assert!(ns("net").inode.is_some());
    assert_eq!(ns("net").inode, ns("net").host_inode);
    assert!(!ns("mnt").differs);

    assert_eq!(snap.status.pid, inner);
    assert_eq!(snap.status.nspid.len(), 2, "NSpid: {:?}", snap.status.nspid);
    assert_eq!(snap.status.nspid, vec![inner, 1]);

    assert_eq!(snap.hostname.as_deref(), Some(hostname.as_str()));
    assert_ne!(snap.host_hostname.as_deref(), Some(hostname.as_str()));

    // Same mount namespace: nothing was mounted, so no mount is new.
    assert!(snap.mounts.new.is_empty(), "{:?}", snap.mounts.new);

    let json = serde_json::to_value(&snap).expect("the snapshot serializes");
    assert_eq!(json["status"]["NSpid"][1], 1);
}
