//! `contlab sandbox` as a user runs it: output, exit status, bad input, and what is left
//! after it is interrupted or killed. Each test has its own run directory and cgroup
//! parent, passed to the subprocesses only.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// Separate state for one test; removes everything on drop, even after a failure.
struct Sandbox {
    dir: tempfile::TempDir,
    parent: String,
}

impl Sandbox {
    fn new(tag: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let parent = format!("contlab-t{}-{tag}", std::process::id());
        Sandbox { dir, parent }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = common::contlab();
        c.args(args)
            .env("CONTLAB_RUN_DIR", self.dir.path().join("run"))
            .env("CONTLAB_CGROUP_PARENT", &self.parent)
            // The rootfs cache is shared with the library tests, so it is built once.
            .env_remove("CONTLAB_STATE_DIR");
        c
    }

    fn output(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("contlab runs")
    }

    fn records(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.dir.path().join("run/containers"))
            .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// Every trace of this test's containers: records, cgroups, mounts, work dirs.
    fn leftovers(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .records()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let layout = contlab::inspect::cgroups::CgroupLayout::detect().expect("layout");
        for m in layout.mount_points() {
            if let Ok(rd) = std::fs::read_dir(m.join(&self.parent)) {
                out.extend(
                    rd.filter_map(|e| e.ok())
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                        .map(|e| e.path().display().to_string()),
                );
            }
        }
        let run = self.dir.path().join("run").display().to_string();
        let mi = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        out.extend(mi.lines().filter(|l| l.contains(&run)).map(str::to_string));
        if let Ok(rd) = std::fs::read_dir(self.dir.path().join("run/work")) {
            out.extend(
                rd.filter_map(|e| e.ok())
                    .map(|e| e.path().display().to_string()),
            );
        }
        out
    }

    /// Starts `contlab sandbox … -- sh -c 'echo ready; exec sleep 1000'` and waits for
    /// `ready`; returns the child and the container's init pid from the record.
    fn spawn_ready(&self, ns: &str) -> (Child, i32) {
        let mut child = self
            .cmd(&[
                "sandbox",
                "--ns",
                ns,
                "--map-root",
                "--",
                "sh",
                "-c",
                "echo ready; exec sleep 1000",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("contlab runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("a line");
        assert_eq!(line.trim(), "ready");
        let rec = self.records().pop().expect("a record");
        let ledger = contlab::runtime::ledger::Ledger::open(&rec).expect("the record reads");
        let pid = ledger.record().processes.first().expect("init pid").pid;
        (child, pid)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.cmd(&["cleanup", "--all"]).output();
        let layout = contlab::inspect::cgroups::CgroupLayout::detect();
        if let Ok(layout) = layout {
            for m in layout.mount_points() {
                let _ = std::fs::remove_dir(m.join(&self.parent));
            }
        }
    }
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rfind(')').is_some_and(|i| !s[i + 2..].starts_with('Z')))
        .unwrap_or(false)
}

#[test]
fn runs_the_command_and_exits_with_its_status() {
    let sb = Sandbox::new("status");
    let out = sb.output(&[
        "sandbox",
        "--ns",
        "uts,pid,mount",
        "--hostname",
        "lab",
        "--",
        "sh",
        "-c",
        "hostname; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "lab\n");
    // With --init the shell is PID 2, which a signal from inside can kill.
    let out = sb.output(&[
        "sandbox",
        "--ns",
        "pid,mount",
        "--init",
        "--",
        "sh",
        "-c",
        "kill -KILL $$",
    ]);
    assert_eq!(out.status.code(), Some(128 + 9));
    // Without it the shell is PID 1, which the kernel shields from it, as with runc.
    let out = sb.output(&[
        "sandbox",
        "--ns",
        "pid,mount",
        "--",
        "sh",
        "-c",
        "kill -KILL $$; echo $$ survived",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1 survived\n");
    assert!(sb.leftovers().is_empty(), "{:?}", sb.leftovers());
}

#[test]
fn a_user_namespace_without_a_root_mapping_runs_as_nobody() {
    // As `unshare --user`: no --map-root, so the container's user is the overflow id
    // and holds no capability; the run must still work.
    let sb = Sandbox::new("nomap");
    let out = sb.output(&[
        "sandbox",
        "--ns",
        "user,net",
        "--",
        "sh",
        "-c",
        "id -u; grep CapEff /proc/self/status",
    ]);
    let overflow = std::fs::read_to_string("/proc/sys/kernel/overflowuid").expect("overflowuid");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.lines().next(), Some(overflow.trim()), "{text}");
    assert!(text.contains("CapEff:\t0000000000000000"), "{text}");
    assert!(sb.leftovers().is_empty(), "{:?}", sb.leftovers());
}

#[test]
fn every_namespace_without_a_root_mapping_sets_up_and_runs_as_nobody() {
    // As `unshare --user --mount --pid …` without --map-root-user: the setup (mounts,
    // cgroup namespace, pivot_root) runs with the capabilities the new user namespace
    // gives its creator; the command runs unmapped, with none of them.
    let sb = Sandbox::new("nomapall");
    let names = ["user", "mnt", "pid", "net", "uts", "ipc", "cgroup"];
    let script = format!(
        "id -u; echo $$; grep CapEff /proc/self/status; for n in {}; do readlink /proc/self/ns/$n; done",
        names.join(" ")
    );
    let out = sb.output(&["sandbox", "--ns", "all", "--", "sh", "-c", &script]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let overflow = std::fs::read_to_string("/proc/sys/kernel/overflowuid").expect("overflowuid");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3 + names.len(), "{text}");
    assert_eq!(lines[0], overflow.trim(), "{text}");
    assert_eq!(
        lines[1], "1",
        "the command is not PID 1 of a new pid namespace: {text}"
    );
    assert_eq!(lines[2], "CapEff:\t0000000000000000", "{text}");
    for (name, inside) in names.iter().zip(&lines[3..]) {
        let host = std::fs::read_link(format!("/proc/self/ns/{name}")).expect("own namespace");
        assert!(
            inside.starts_with(&format!("{name}:[")),
            "{name}: {inside:?}"
        );
        assert_ne!(
            *inside,
            host.to_string_lossy(),
            "{name} is the host's namespace"
        );
    }
    assert!(sb.leftovers().is_empty(), "{:?}", sb.leftovers());
}

#[test]
fn trace_prints_each_operation_with_its_shell_equivalent() {
    let sb = Sandbox::new("trace");
    let out = sb.output(&[
        "sandbox",
        "--ns",
        "all",
        "--map-root",
        "--trace",
        "--",
        "true",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "clone(CLONE_NEWUSER|",
        "$ unshare --user",
        "$ echo '0 100000 65536' > /proc/",
        "$ mount --make-rslave /",
        "pivot_root(\".\", \".\")",
        "$ umount -l .",
        "unshare(CLONE_NEWCGROUP)",
    ] {
        assert!(err.contains(needle), "no {needle:?} in the trace:\n{err}");
    }
    // In order: the maps before the init's first mount.
    let maps = err.find("uid_map").expect("uid_map");
    let slave = err.find("--make-rslave").expect("rslave");
    assert!(maps < slave);
}

#[test]
fn the_oom_kill_is_reported_in_words() {
    let sb = Sandbox::new("oom");
    let out = sb.output(&[
        "sandbox",
        "--ns",
        "pid,mount",
        "--memory",
        "32M",
        "--",
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=100M",
        "count=1",
    ]);
    assert_eq!(out.status.code(), Some(137));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("killed by the OOM killer: memory limit 32M reached"),
        "{err}"
    );
    assert!(sb.leftovers().is_empty(), "{:?}", sb.leftovers());
}

#[test]
fn bad_input_is_one_sentence_and_leaves_nothing() {
    let sb = Sandbox::new("bad");
    let cases: &[(&[&str], &str)] = &[
        (
            &["sandbox", "--ns", "pid,bogus", "--", "true"],
            "unknown namespace \"bogus\"",
        ),
        (&["sandbox", "--memory", "100X", "--", "true"], "100X"),
        (&["sandbox", "--memory", "0", "--", "true"], "0"),
        (
            &[
                "sandbox",
                "--ns",
                "mount",
                "--rootfs-dir",
                "/nonexistent/rootfs",
                "--",
                "true",
            ],
            "does not exist",
        ),
        (
            &["sandbox", "--ns", "pid,mount", "--", "nosuch"],
            "command \"nosuch\" not found in the container's root filesystem",
        ),
        (
            &["sandbox", "--ns", "pid", "--rootfs", "pivot", "--", "true"],
            "needs a mount namespace",
        ),
    ];
    for (args, needle) in cases {
        let out = sb.output(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{args:?}: not one line: {err}"
        );
        assert!(sb.leftovers().is_empty(), "{args:?}: {:?}", sb.leftovers());
    }
}

#[test]
fn sigint_tears_the_container_down() {
    let sb = Sandbox::new("sigint");
    let (mut child, init) = sb.spawn_ready("all");
    assert!(alive(init));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT sent");
    let status = child.wait().expect("contlab ends");
    assert!(!status.success());
    assert!(!alive(init), "the container outlived contlab");
    assert!(sb.leftovers().is_empty(), "{:?}", sb.leftovers());
}

#[test]
fn after_sigkill_cleanup_removes_everything() {
    let sb = Sandbox::new("sigkill");
    let (mut child, init) = sb.spawn_ready("all");
    child.kill().expect("SIGKILL sent");
    child.wait().expect("contlab ends");
    // SIGKILL gives contlab no chance: the container is still there...
    assert!(
        alive(init),
        "nothing was left to clean up; the test proves nothing"
    );
    assert!(!sb.leftovers().is_empty());
    // ...until cleanup.
    let out = sb.output(&["cleanup"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!alive(init), "cleanup left the init running");
    assert!(sb.leftovers().is_empty(), "{:?}", sb.leftovers());
}

#[test]
fn help_has_examples() {
    let out = common::contlab()
        .args(["sandbox", "--help"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Examples:") && text.contains("--ns"),
        "{text}"
    );
}
