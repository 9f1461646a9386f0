//! podman (with conmon) driving contlab as its OCI runtime, verb by verb beside runc:
//! `run --rm`, `run -d`, `ps`, `exec`, `logs`, `stop`, `rm`. The image is contlab's own
//! rootfs, imported with `podman import` (no registry is used). podman keeps its state in
//! a private `--root`/`--runroot` under a temporary directory, the containers' cgroups go
//! under a parent of the test's own, and a guard removes all of it, also when the test
//! fails. Skips with a message where podman, conmon or runc is not installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const IMAGE: &str = "localhost/contlab-rootfs:test";

fn installed(tool: &str) -> bool {
    which::which(tool).is_ok()
}

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// podman with private storage, and the two runtimes it is pointed at.
struct Podman {
    dir: tempfile::TempDir,
    parent: String,
    runc: PathBuf,
    /// A script that runs contlab as `contlab-runc` (runc's command line) with a private
    /// state and run directory, and logs each call's arguments to `calls`.
    contlab: PathBuf,
    calls: PathBuf,
}

impl Podman {
    fn new() -> Podman {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for sub in ["root", "runroot", "tmp", "state", "run", "networks"] {
            std::fs::create_dir(d.join(sub)).expect("mkdir");
        }
        // Network definitions stay in the test's directory, not the machine's.
        std::fs::write(
            d.join("containers.conf"),
            format!(
                "[network]\nnetwork_config_dir = \"{}\"\n",
                d.join("networks").display()
            ),
        )
        .expect("containers.conf");
        let calls = d.join("calls");
        let contlab = d.join("contlab-runtime");
        std::fs::write(
            &contlab,
            format!(
                "#!/bin/bash\necho \"$*\" >> {calls}\nexport CONTLAB_STATE_DIR={state} CONTLAB_RUN_DIR={run}\nexec -a contlab-runc {bin} \"$@\"\n",
                calls = calls.display(),
                state = d.join("state").display(),
                run = d.join("run").display(),
                bin = env!("CARGO_BIN_EXE_contlab"),
            ),
        )
        .expect("wrapper");
        let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(&contlab, mode).expect("chmod");
        Podman {
            parent: contlab::runtime::ledger::new_id().replace("contlab-", "contlab-podman-"),
            runc: which::which("runc").expect("runc"),
            contlab,
            calls,
            dir,
        }
    }

    fn podman(&self, args: &[&str]) -> Out {
        let d = self.dir.path();
        let out = Command::new("podman")
            .arg("--root")
            .arg(d.join("root"))
            .arg("--runroot")
            .arg(d.join("runroot"))
            .arg("--tmpdir")
            .arg(d.join("tmp"))
            .args(["--cgroup-manager", "cgroupfs", "--events-backend", "file"])
            .args(args)
            .env("CONTAINERS_CONF", d.join("containers.conf"))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("podman runs");
        Out {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `podman import` of a tarball of contlab's default rootfs.
    fn import(&self) {
        common::runtime::use_contlab();
        let rootfs = contlab::rootfs::ensure_default().expect("the default rootfs");
        let tar = self.dir.path().join("rootfs.tar");
        let st = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .expect("tar runs");
        assert!(st.success(), "tar of the rootfs failed");
        let out = self.podman(&["import", s(&tar), IMAGE]);
        assert!(out.ok, "podman import: {}", out.stderr);
    }

    /// `podman run` with `runtime`: no network, the cgroup under the test's parent, and
    /// limits within the machine's (podman's defaults may exceed what root may set).
    fn run(&self, runtime: &Path, args: &[&str]) -> Out {
        let parent = format!("/{}", self.parent);
        let mut all = vec![
            "run",
            "--runtime",
            s(runtime),
            "--network",
            "none",
            "--cgroup-parent",
            &parent,
            "--ulimit",
            "nofile=1024:1024",
            "--ulimit",
            "nproc=4096:4096",
        ];
        all.extend_from_slice(args);
        self.podman(&all)
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.podman(&["rm", "--all", "--force", "--time", "0"]);
        let _ = self.podman(&["rmi", "--all", "--force"]);
        let mut cmd = common::contlab();
        cmd.args(["cleanup", "--all"])
            .env("CONTLAB_STATE_DIR", self.dir.path().join("state"))
            .env("CONTLAB_RUN_DIR", self.dir.path().join("run"))
            .env("CONTLAB_CGROUP_PARENT", &self.parent)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let _ = cmd.status();
        // Storage mounts, the containers' cgroups and conmon's, as the lessons remove them.
        contlab::lesson::oci_step::remove_podman_leftovers(self.dir.path(), &self.parent);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// What each verb printed, the same under both runtimes.
#[derive(Debug, PartialEq)]
struct Seen {
    once: String,
    ps: String,
    exec: String,
    logs: String,
    exit_code: String,
    listed_after_rm: String,
}

fn drive(pm: &Podman, runtime: &Path, tag: &str) -> Seen {
    let once = pm.run(runtime, &["--rm", IMAGE, "sh", "-c", "echo hello from $$"]);
    assert!(once.ok, "{tag} run --rm: {}", once.stderr);
    let name = format!("pm-{tag}");
    let filter = format!("name={name}");
    let out = pm.run(
        runtime,
        &[
            "-d",
            "--name",
            &name,
            IMAGE,
            "sh",
            "-c",
            "echo started; exec sleep 1000",
        ],
    );
    assert!(out.ok, "{tag} run -d: {}", out.stderr);
    let ps = pm.podman(&[
        "ps",
        "--filter",
        &filter,
        "--format",
        "{{.Names}} {{.Status}}",
    ]);
    assert!(ps.ok, "{tag} ps: {}", ps.stderr);
    // "NAME Up 2 seconds ago": the name and the first word, which do not depend on time.
    let ps: Vec<&str> = ps.stdout.split_whitespace().take(2).collect();
    let exec = pm.podman(&["exec", &name, "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"]);
    assert!(exec.ok, "{tag} exec: {}", exec.stderr);
    // podman's exec (through conmon) and the logs may lag the start by a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    let logs = loop {
        let logs = pm.podman(&["logs", &name]);
        assert!(logs.ok, "{tag} logs: {}", logs.stderr);
        if !logs.stdout.is_empty() || Instant::now() > deadline {
            break logs;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // `sleep` is PID 1: SIGTERM has no default action there, so stop waits out its
    // timeout and kills (137), as under runc.
    let started = Instant::now();
    let stop = pm.podman(&["stop", "--time", "1", &name]);
    assert!(stop.ok, "{tag} stop: {}", stop.stderr);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{tag}: the container ended on SIGTERM, so its PID 1 was not sleep"
    );
    let code = pm.podman(&["inspect", "--format", "{{.State.ExitCode}}", &name]);
    assert!(code.ok, "{tag} inspect: {}", code.stderr);
    let rm = pm.podman(&["rm", &name]);
    assert!(rm.ok, "{tag} rm: {}", rm.stderr);
    let after = pm.podman(&["ps", "--all", "--filter", &filter, "--format", "{{.Names}}"]);
    assert!(after.ok, "{tag} ps -a: {}", after.stderr);
    Seen {
        once: once.stdout,
        ps: ps.join(" "),
        exec: exec.stdout,
        logs: logs.stdout,
        exit_code: code.stdout,
        listed_after_rm: after.stdout,
    }
}

#[test]
fn podman_runs_on_contlab_as_on_runc() {
    common::require_root("podman_runs_on_contlab_as_on_runc needs root");
    let missing: Vec<&str> = ["podman", "conmon", "runc"]
        .into_iter()
        .filter(|t| !installed(t))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "skip: podman_runs_on_contlab_as_on_runc needs {} (apt-get install podman conmon runc)",
            missing.join(", ")
        );
        return;
    }
    let pm = Podman::new();
    pm.import();
    let with_runc = drive(&pm, &pm.runc.clone(), "runc");
    let with_contlab = drive(&pm, &pm.contlab.clone(), "contlab");
    assert_eq!(with_runc.once, "hello from 1\n");
    assert_eq!(with_runc.ps, "pm-runc Up");
    assert_eq!(with_runc.exec, "sleep 1000 ");
    assert_eq!(with_runc.logs, "started\n");
    assert_eq!(with_runc.exit_code.trim(), "137");
    assert_eq!(with_runc.listed_after_rm, "");
    let renamed = Seen {
        ps: with_contlab.ps.replace("pm-contlab", "pm-runc"),
        ..with_contlab
    };
    assert_eq!(renamed, with_runc, "podman saw contlab differ from runc");
    // And it was contlab that podman and conmon ran, with runc's verbs.
    let calls = std::fs::read_to_string(&pm.calls).expect("the wrapper logged its calls");
    for verb in ["create ", "start ", "exec ", "kill ", "delete "] {
        assert!(
            calls.lines().any(|l| l.contains(verb)),
            "no `{verb}` call in {calls}"
        );
    }
    assert!(
        calls.contains("--pid-file") && calls.contains("--detach"),
        "{calls}"
    );
    // The guard leaves nothing: no cgroup under the test's parent, no mount of podman's
    // storage.
    let parent = pm.parent.clone();
    let dir = pm.dir.path().display().to_string();
    drop(pm);
    let layout = contlab::inspect::cgroups::CgroupLayout::detect().expect("cgroup layout");
    for m in layout.mount_points() {
        assert!(
            !m.join(&parent).exists(),
            "{} is left",
            m.join(&parent).display()
        );
    }
    let mi = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    assert!(!mi.contains(&dir), "a mount under {dir} is left");
}
