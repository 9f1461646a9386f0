//! `contlab runtime`: the OCI lifecycle and its errors, the config.json fields observed
//! in running containers, and the same bundle under real runc. Every test runs the
//! contlab binary as separate commands (state lives on disk), as root, with its own
//! state, run and cgroup directories; a guard deletes every container it made, contlab's
//! and runc's, also when the test fails.

mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn has_runc() -> bool {
    which::which("runc").is_ok()
}

/// What one command did.
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

struct Lab {
    state: tempfile::TempDir,
    run: tempfile::TempDir,
    root: tempfile::TempDir,
    runc_root: tempfile::TempDir,
    work: tempfile::TempDir,
    parent: String,
    ids: std::cell::RefCell<Vec<String>>,
}

impl Lab {
    fn new(tag: &str) -> Lab {
        let _ = tag;
        Lab {
            state: tempfile::tempdir().expect("tempdir"),
            run: tempfile::tempdir().expect("tempdir"),
            root: tempfile::tempdir().expect("tempdir"),
            runc_root: tempfile::tempdir().expect("tempdir"),
            work: tempfile::tempdir().expect("tempdir"),
            parent: contlab::runtime::ledger::new_id().replace("contlab-", "contlab-oci-"),
            ids: Default::default(),
        }
    }

    /// A fresh container id, remembered for the guard.
    fn id(&self, what: &str) -> String {
        let id = format!("{what}-{}", self.ids.borrow().len());
        self.ids.borrow_mut().push(id.clone());
        id
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("CONTLAB_STATE_DIR", self.state.path())
            .env("CONTLAB_RUN_DIR", self.run.path())
            .env("CONTLAB_CGROUP_PARENT", &self.parent);
    }

    /// Runs a command with stdout and stderr in files: a created container inherits
    /// them, and a pipe would keep the caller waiting until the container ends.
    fn exec(&self, mut cmd: Command) -> Out {
        let n = self.ids.borrow().len();
        let o = self.work.path().join(format!("out-{n}-{}", rand()));
        let e = self.work.path().join(format!("err-{n}-{}", rand()));
        let status = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&o).expect("out file"))
            .stderr(std::fs::File::create(&e).expect("err file"))
            .status()
            .expect("the command runs");
        Out {
            code: status.code(),
            stdout: std::fs::read_to_string(&o).unwrap_or_default(),
            stderr: std::fs::read_to_string(&e).unwrap_or_default(),
        }
    }

    fn contlab(&self, args: &[&str]) -> Out {
        self.exec(self.command(false, args))
    }

    fn runc(&self, args: &[&str]) -> Out {
        self.exec(self.command(true, args))
    }

    /// The runtime's command line with this lab's state root (and contlab's env).
    fn command(&self, runc: bool, args: &[&str]) -> Command {
        if runc {
            let mut cmd = Command::new("runc");
            cmd.arg("--root").arg(self.runc_root.path()).args(args);
            return cmd;
        }
        let mut cmd = common::contlab();
        cmd.arg("runtime")
            .arg("--root")
            .arg(self.root.path())
            .args(args);
        self.env(&mut cmd);
        cmd
    }

    /// Runs `args` with `file` as the runtime's fd 3 (for `--preserve-fds 1`).
    fn rt_with_fd3(&self, runc: bool, args: &[&str], file: &std::fs::File) -> Out {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let mut cmd = self.command(runc, args);
        let fd = file.as_raw_fd();
        // SAFETY: dup2 and fcntl between fork and exec, async-signal-safe calls. dup2
        // clears close-on-exec on fd 3, but does nothing when the file is fd 3 already.
        unsafe {
            cmd.pre_exec(move || {
                let r = if fd == 3 {
                    libc::fcntl(3, libc::F_SETFD, 0)
                } else {
                    libc::dup2(fd, 3)
                };
                if r < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        self.exec(cmd)
    }

    /// Runs `args` with contlab or runc.
    fn rt(&self, runc: bool, args: &[&str]) -> Out {
        if runc {
            self.runc(args)
        } else {
            self.contlab(args)
        }
    }

    /// A bundle: a copy of contlab's default rootfs and `contlab runtime spec`, changed
    /// by `edit`; the cgroup goes under this lab's parent.
    fn bundle(&self, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
        let dir = self.work.path().join(name);
        std::fs::create_dir(&dir).expect("bundle dir");
        let src = contlab::rootfs::ensure_default().expect("the default rootfs");
        let st = Command::new("cp")
            .arg("-a")
            .arg(&src)
            .arg(dir.join("rootfs"))
            .status()
            .expect("cp runs");
        assert!(st.success(), "cp -a of the rootfs failed");
        let out = self.contlab(&["spec", "--bundle", dir.to_str().expect("utf-8")]);
        assert!(out.ok(), "spec failed: {}", out.stderr);
        let path = dir.join("config.json");
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("config.json"))
                .expect("config.json is JSON");
        v["process"]["args"] = json!(["sleep", "1000"]);
        edit(&mut v);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).expect("json")).expect("write");
        dir
    }

    fn cgroup_path(&self, id: &str) -> String {
        format!("/{}/{id}", self.parent)
    }

    fn state(&self, runc: bool, id: &str) -> Value {
        let out = self.rt(runc, &["state", id]);
        assert!(out.ok(), "state {id} failed: {}", out.stderr);
        serde_json::from_str(&out.stdout).expect("state prints JSON")
    }

    /// Waits (without a time limit that could fail the test) until `id` is stopped.
    fn wait_stopped(&self, runc: bool, id: &str) -> Value {
        loop {
            let s = self.state(runc, id);
            if s["status"] == "stopped" {
                return s;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// The runtimes a comparison runs: contlab, then runc where it is installed.
fn runtimes() -> Vec<(bool, &'static str)> {
    let mut out = vec![(false, "contlab")];
    if has_runc() {
        out.push((true, "runc"));
    } else {
        eprintln!("skip: the runc half needs runc");
    }
    out
}

impl Lab {
    /// A bundle (see [`Lab::bundle`]) whose cgroup is container `id`'s under this lab.
    fn bundle_for(&self, name: &str, id: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
        self.bundle(name, |v| {
            v["linux"]["cgroupsPath"] = json!(self.cgroup_path(id));
            edit(v)
        })
    }
}

impl Lab {
    /// `create` of a bundle changed by `edit` fails with a sentence holding `word`, and
    /// leaves nothing.
    fn assert_refused(&self, tag: &str, edit: impl FnOnce(&mut Value), word: &str) {
        let id = self.id(tag);
        let b = self.bundle_for(&format!("b-{tag}"), &id, edit);
        let out = self.contlab(&["create", "--bundle", s(&b), &id]);
        assert!(!out.ok(), "{tag}: the bundle was accepted");
        assert!(out.stderr.contains(word), "{tag}: {}", out.stderr);
        assert_eq!(leftovers(self, &id), Vec::<String>::new());
    }
}

fn rand() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Lab {
    fn drop(&mut self) {
        for id in self.ids.borrow().iter() {
            let _ = self.contlab(&["delete", "--force", id]);
            if has_runc() {
                let _ = self.runc(&["delete", "--force", id]);
            }
        }
        let mut cmd = common::contlab();
        cmd.args(["cleanup", "--all"]);
        self.env(&mut cmd);
        let _ = self.exec(cmd);
        // runc leaves the parent of its cgroup path; contlab's cleanup removed its own.
        if let Ok(layout) = contlab::inspect::cgroups::CgroupLayout::detect() {
            for m in layout.mount_points() {
                let _ = std::fs::remove_dir(m.join(&self.parent));
            }
        }
    }
}

/// Every trace of container `id` in this lab: state dir, record, cgroup, work dir.
fn leftovers(lab: &Lab, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in [
        lab.root.path().join(id),
        lab.run.path().join("containers").join(format!("{id}.json")),
        lab.run.path().join("work").join(id),
    ] {
        if p.exists() {
            out.push(p.display().to_string());
        }
    }
    if let Ok(layout) = contlab::inspect::cgroups::CgroupLayout::detect() {
        for m in layout.mount_points() {
            let p = m.join(&lab.parent).join(id);
            if p.exists() {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn lifecycle_create_start_state_kill_delete() {
    common::require_root("lifecycle_create_start_state_kill_delete needs root");
    let lab = Lab::new("life");
    let id = lab.id("life");
    let b = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        v["annotations"] = json!({"lab.contlab/lesson": "runc-lifecycle"});
    });
    let pid_file = lab.work.path().join("pid");
    let out = lab.contlab(&["create", "--bundle", s(&b), "--pid-file", s(&pid_file), &id]);
    assert!(out.ok(), "create failed: {}", out.stderr);
    assert_eq!(
        out.stderr, "",
        "a successful create prints nothing on stderr"
    );
    let pid_text = std::fs::read_to_string(&pid_file).expect("the pid file");
    assert!(
        !pid_text.is_empty() && pid_text.chars().all(|c| c.is_ascii_digit()),
        "the pid file holds digits only: {pid_text:?}"
    );

    let st = lab.state(false, &id);
    assert_eq!(st["status"], "created");
    assert_eq!(st["id"], id.as_str());
    assert_eq!(st["pid"].to_string(), pid_text);
    assert_eq!(st["bundle"], s(&b));
    assert_eq!(st["annotations"]["lab.contlab/lesson"], "runc-lifecycle");
    assert!(
        st["ociVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("1."))
    );
    // Created: the init waits, the user's program does not run yet.
    let kids = std::fs::read_to_string(format!("/proc/{pid_text}/task/{pid_text}/children"))
        .expect("children of the init");
    assert_eq!(kids.trim(), "", "nothing runs before start");

    let out = lab.contlab(&["start", &id]);
    assert!(out.ok() && out.stderr.is_empty(), "start: {}", out.stderr);
    assert_eq!(lab.state(false, &id)["status"], "running");
    // As with runc, the init became the program: same pid, now `sleep`.
    let comm = std::fs::read_to_string(format!("/proc/{pid_text}/comm")).expect("comm");
    assert_eq!(comm.trim(), "sleep", "the program runs as the init's pid");

    let list = lab.contlab(&["list", "--format", "json"]);
    let all: Value = serde_json::from_str(&list.stdout).expect("list JSON");
    assert_eq!(all[0]["id"], id.as_str());
    let table = lab.contlab(&["list"]);
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    assert!(table.stdout.contains("running"), "{}", table.stdout);

    let out = lab.contlab(&["exec", &id, "hostname"]);
    assert!(out.ok(), "exec: {}", out.stderr);
    assert_eq!(out.stdout.trim(), "contlab");

    let out = lab.contlab(&["kill", &id, "KILL"]);
    assert!(out.ok() && out.stderr.is_empty(), "kill: {}", out.stderr);
    let st = lab.wait_stopped(false, &id);
    assert_eq!(st["pid"], 0);
    let out = lab.contlab(&["delete", &id]);
    assert!(out.ok() && out.stderr.is_empty(), "delete: {}", out.stderr);
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
    let out = lab.contlab(&["state", &id]);
    assert_eq!(out.code, Some(1));

    // A created container may be deleted without --force (its init is killed).
    let id2 = lab.id("created");
    assert!(lab.contlab(&["create", "--bundle", s(&b), &id2]).ok());
    let out = lab.contlab(&["delete", &id2]);
    assert!(out.ok(), "delete of a created container: {}", out.stderr);
    assert_eq!(leftovers(&lab, &id2), Vec::<String>::new());

    // TERM by default: `sh` as PID 1 with a handler for it ends.
    let id3 = lab.id("term");
    let b3 = lab.bundle("b3", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id3));
        v["process"]["args"] = json!(["sh", "-c", "trap 'exit 3' TERM; sleep 1000 & wait"]);
    });
    assert!(lab.contlab(&["create", "--bundle", s(&b3), &id3]).ok());
    assert!(lab.contlab(&["start", &id3]).ok());
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(lab.contlab(&["kill", &id3]).ok());
    lab.wait_stopped(false, &id3);
    assert!(lab.contlab(&["delete", &id3]).ok());
}

/// The bundle's process is PID 1 of its pid namespace, under contlab as under runc:
/// `sleep` installs no handler, so it ignores `kill TERM` and dies of `kill KILL`.
#[test]
fn the_process_is_pid_1_and_sleep_ignores_sigterm_as_with_runc() {
    common::require_root("the_process_is_pid_1_and_sleep_ignores_sigterm_as_with_runc needs root");
    let lab = Lab::new("pid1");
    for runc in [false, true] {
        if runc && !has_runc() {
            eprintln!("skip: the runc half needs runc");
            continue;
        }
        let tag = if runc { "runc" } else { "contlab" };
        let id = lab.id(&format!("pid1-{tag}"));
        let b = lab.bundle(&format!("b-{tag}"), |v| {
            v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        });
        assert!(
            lab.rt(runc, &["create", "--bundle", s(&b), &id]).ok(),
            "{tag} create"
        );
        assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
        let pid = lab.state(runc, &id)["pid"].to_string();
        // `start` returns once the init has passed its start gate; its execve of the
        // program may come a moment later (runc's init shows as `runc:[2:INIT]` until then).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let status = loop {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
            if status
                .lines()
                .any(|l| l.starts_with("Name:") && l.ends_with("sleep"))
                || std::time::Instant::now() > deadline
            {
                break status;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            field("Name:"),
            "sleep",
            "{tag}: the state's pid is the program"
        );
        assert_eq!(
            field("NSpid:").split_whitespace().last(),
            Some("1"),
            "{tag}: the program is PID 1"
        );
        let out = lab.rt(runc, &["exec", &id, "sh", "-c", "echo $$"]);
        assert!(out.ok(), "{tag} exec: {}", out.stderr);
        assert_ne!(
            out.stdout.trim(),
            "1",
            "{tag}: an exec'd process is not PID 1"
        );
        assert!(lab.rt(runc, &["kill", &id, "TERM"]).ok(), "{tag} kill TERM");
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(
            lab.state(runc, &id)["status"],
            "running",
            "{tag}: TERM ignored"
        );
        assert!(lab.rt(runc, &["kill", &id, "KILL"]).ok(), "{tag} kill KILL");
        lab.wait_stopped(runc, &id);
        assert!(lab.rt(runc, &["delete", &id]).ok(), "{tag} delete");
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }
}

#[test]
fn every_error_is_one_sentence_and_leaves_nothing() {
    common::require_root("every_error_is_one_sentence_and_leaves_nothing needs root");
    let lab = Lab::new("err");
    let id = lab.id("err");
    let b = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
    });
    let fails = |out: &Out, want: &str| {
        assert_eq!(out.code, Some(1), "expected a failure: {}", out.stderr);
        assert!(
            out.stderr.contains(want),
            "expected {want:?} in {:?}",
            out.stderr
        );
        assert_eq!(out.stderr.trim().lines().count(), 1, "{:?}", out.stderr);
    };
    for cmd in ["state", "start", "kill", "delete"] {
        fails(
            &lab.contlab(&[cmd, "nosuch"]),
            "container \"nosuch\" does not exist",
        );
    }
    fails(&lab.contlab(&["exec", "nosuch", "true"]), "does not exist");
    for bad in ["a/b", "..", "a:b", "../etc"] {
        fails(
            &lab.contlab(&["create", "--bundle", s(&b), bad]),
            "invalid container id",
        );
    }
    assert!(lab.contlab(&["create", "--bundle", s(&b), &id]).ok());
    fails(
        &lab.contlab(&["create", "--bundle", s(&b), &id]),
        &format!("container \"{id}\" already exists"),
    );
    assert!(lab.contlab(&["start", &id]).ok());
    fails(&lab.contlab(&["start", &id]), "it is running, not created");
    fails(&lab.contlab(&["delete", &id]), "it is running");
    assert_eq!(lab.state(false, &id)["status"], "running");
    assert!(lab.contlab(&["kill", &id, "SIGKILL"]).ok());
    lab.wait_stopped(false, &id);
    fails(&lab.contlab(&["kill", &id, "9"]), "it is stopped");
    fails(&lab.contlab(&["start", &id]), "it is stopped, not created");
    fails(&lab.contlab(&["exec", &id, "true"]), "it is stopped");
    assert!(lab.contlab(&["delete", &id]).ok());

    // delete --force of a running container.
    let id2 = lab.id("force");
    assert!(lab.contlab(&["create", "--bundle", s(&b), &id2]).ok());
    assert!(lab.contlab(&["start", &id2]).ok());
    fails(&lab.contlab(&["kill", &id2, "NOSUCHSIG"]), "unknown signal");
    let out = lab.contlab(&["delete", "--force", &id2]);
    assert!(out.ok() && out.stderr.is_empty(), "{}", out.stderr);
    assert_eq!(leftovers(&lab, &id2), Vec::<String>::new());

    // Broken bundles: each refused with what is wrong, nothing left behind.
    let bad = |name: &str, edit: &dyn Fn(&Path), want: &str| {
        let dir = lab.bundle(name, |_| {});
        edit(&dir);
        let cid = lab.id(name);
        let out = lab.contlab(&["create", "--bundle", s(&dir), &cid]);
        fails(&out, want);
        assert_eq!(leftovers(&lab, &cid), Vec::<String>::new(), "{name}");
    };
    let set = |f: fn(&mut Value)| {
        move |dir: &Path| {
            let p = dir.join("config.json");
            let mut v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            f(&mut v);
            std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        }
    };
    bad(
        "badjson",
        &|dir| {
            std::fs::write(
                dir.join("config.json"),
                "{\n  \"ociVersion\": \"1.0.2\",\n  oops\n}\n",
            )
            .unwrap()
        },
        "config.json:3:",
    );
    bad(
        "version",
        &set(|v| v["ociVersion"] = json!("0.9")),
        "ociVersion \"0.9\"",
    );
    bad(
        "norootfs",
        &|dir| std::fs::remove_dir_all(dir.join("rootfs")).unwrap(),
        "does not exist",
    );
    bad(
        "intelrdt",
        &set(|v| v["linux"]["intelRdt"] = json!({"closID": "guaranteed_group"})),
        "not supported yet: linux.intelRdt",
    );
    bad(
        "terminal",
        &set(|v| v["process"]["terminal"] = json!(true)),
        "process.terminal = true: pass --console-socket",
    );
    bad(
        "nocmd",
        &set(|v| v["process"]["args"] = json!(["/no/such/program"])),
        "not found",
    );
    bad(
        "hookfails",
        &set(|v| {
            v["hooks"] = json!({"createRuntime": [{"path": "/bin/false", "args": ["false"]}]})
        }),
        "hooks.createRuntime[0]",
    );
    // spec refuses to overwrite.
    fails(&lab.contlab(&["spec", "--bundle", s(&b)]), "already exists");
}

#[test]
fn config_fields_are_honoured_in_the_running_container() {
    common::require_root("config_fields_are_honoured_in_the_running_container needs root");
    let lab = Lab::new("fields");
    let id = lab.id("fields");
    let out_dir = lab.work.path().join("shared");
    std::fs::create_dir(&out_dir).unwrap();
    Command::new("chmod")
        .arg("777")
        .arg(&out_dir)
        .status()
        .expect("chmod");
    let ro_dir = lab.work.path().join("ro");
    std::fs::create_dir(&ro_dir).unwrap();
    std::fs::write(ro_dir.join("hello"), "hi\n").unwrap();
    let hooks_dir = lab.work.path().join("hooks");
    std::fs::create_dir(&hooks_dir).unwrap();
    let hook = |name: &str| json!({"path": "/bin/sh", "args": ["sh", "-c", format!("cat > {}/{name}.json", hooks_dir.display())]});
    let script = "set -x; exec 2>/out/trace; \
        hostname > /out/hostname; echo \"$FOO\" > /out/env; pwd > /out/cwd; \
        id -u > /out/uid; id -g > /out/gid; id -G > /out/groups; \
        grep -E '^(CapBnd|CapEff|NoNewPrivs)' /proc/self/status > /out/status; \
        ulimit -n > /out/nofile; \
        (touch /newfile && echo writable || echo readonly) > /out/root; \
        (touch /scratch/x && echo writable || echo readonly) > /out/scratch; \
        cat /ro/hello > /out/bound; (touch /ro/x && echo writable || echo readonly) > /out/ro; \
        wc -c < /proc/version > /out/masked; \
        (echo 1 > /proc/sys/kernel/ns_last_pid && echo writable || echo readonly) > /out/procsys; \
        grep ' /scratch ' /proc/mounts > /out/scratchmount; \
        echo done > /out/done; exec sleep 1000";
    let b = lab.bundle("b", |v| {
        v["hostname"] = json!("fieldtest");
        v["process"]["args"] = json!(["sh", "-c", script]);
        v["process"]["env"] = json!(["PATH=/bin:/sbin:/usr/bin", "FOO=bar"]);
        v["process"]["cwd"] = json!("/etc");
        v["process"]["user"] = json!({"uid": 1000, "gid": 1000, "additionalGids": [2000, 3000]});
        v["process"]["capabilities"] = json!({
            "bounding": ["CAP_NET_RAW", "CAP_KILL"],
            "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]});
        v["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]);
        v["process"]["noNewPrivileges"] = json!(true);
        v["root"]["readonly"] = json!(true);
        let mounts = v["mounts"].as_array_mut().unwrap();
        mounts.push(json!({"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
            "options": ["nosuid", "nodev", "size=1m", "mode=1777"]}));
        mounts.push(json!({"destination": "/out", "type": "bind", "source": out_dir, "options": ["rbind", "rw"]}));
        mounts.push(json!({"destination": "/ro", "type": "bind", "source": ro_dir, "options": ["bind", "ro"]}));
        v["linux"]["maskedPaths"] = json!(["/proc/version"]);
        v["linux"]["readonlyPaths"] = json!(["/proc/sys"]);
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        v["linux"]["resources"] = json!({"memory": {"limit": 67108864}, "pids": {"limit": 32},
            "cpu": {"quota": 50000, "period": 100000, "shares": 512}});
        v["hooks"] = json!({"prestart": [hook("prestart")], "createRuntime": [hook("createRuntime")],
            "poststart": [hook("poststart")], "poststop": [hook("poststop")]});
    });
    let out = lab.contlab(&["create", "--bundle", s(&b), &id]);
    assert!(out.ok(), "create: {}", out.stderr);
    let created: Value = serde_json::from_str(
        &std::fs::read_to_string(hooks_dir.join("createRuntime.json")).expect("createRuntime ran"),
    )
    .expect("hook got JSON");
    assert_eq!(created["status"], "creating");
    assert!(created["pid"].as_i64().is_some_and(|p| p > 0));
    assert!(hooks_dir.join("prestart.json").exists());
    assert!(!hooks_dir.join("poststart.json").exists());
    let out = lab.contlab(&["start", &id]);
    assert!(out.ok(), "start: {}", out.stderr);
    let poststart =
        std::fs::read_to_string(hooks_dir.join("poststart.json")).expect("poststart ran");
    assert!(poststart.contains("\"running\""), "{poststart}");
    while !out_dir.join("done").exists() {
        assert_eq!(
            lab.state(false, &id)["status"],
            "running",
            "the script died"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let read = |f: &str| {
        std::fs::read_to_string(out_dir.join(f))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(read("hostname"), "fieldtest");
    assert_eq!(read("env"), "bar");
    assert_eq!(read("cwd"), "/etc");
    assert_eq!(read("uid"), "1000");
    assert_eq!(read("gid"), "1000");
    assert_eq!(read("groups"), "1000 2000 3000");
    let status = read("status");
    // Bounding NET_RAW (13) and KILL (5); uid 1000 keeps no effective capability.
    assert!(status.contains("CapBnd:\t0000000000002020"), "{status}");
    assert!(status.contains("CapEff:\t0000000000000000"), "{status}");
    assert!(status.contains("NoNewPrivs:\t1"), "{status}");
    assert_eq!(read("nofile"), "123");
    assert_eq!(read("root"), "readonly");
    assert_eq!(read("scratch"), "writable");
    assert!(
        read("scratchmount").contains("size=1024k"),
        "{}",
        read("scratchmount")
    );
    assert_eq!(read("bound"), "hi");
    assert_eq!(read("ro"), "readonly");
    assert_eq!(read("masked"), "0");
    assert_eq!(read("procsys"), "readonly");

    // The cgroup, at linux.cgroupsPath, with the limits.
    let cg = contlab::runtime::cgroup::Cgroup::open(&lab.parent, &id).expect("the cgroup");
    let val = |f: &str| {
        contlab::inspect::cgroup_names::read(cg.dirs(), f)
            .expect(f)
            .value
            .trim()
            .to_string()
    };
    assert_eq!(val("memory.max"), "67108864");
    assert_eq!(val("pids.max"), "32");
    assert!(val("cpu.max").starts_with("50000"), "{}", val("cpu.max"));
    let pid = lab.state(false, &id)["pid"].to_string();
    let procs = std::fs::read_to_string(cg.procs_files()[0].clone()).unwrap_or_default();
    assert!(procs.lines().any(|l| l == pid), "the init is in the cgroup");

    let out = lab.contlab(&["delete", "--force", &id]);
    assert!(out.ok(), "delete: {}", out.stderr);
    let poststop = std::fs::read_to_string(hooks_dir.join("poststop.json")).expect("poststop ran");
    assert!(poststop.contains("\"stopped\""), "{poststop}");
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

#[test]
fn namespaces_mappings_and_joining_by_path() {
    common::require_root("namespaces_mappings_and_joining_by_path needs root");
    let lab = Lab::new("ns");
    let a = lab.id("owner");
    let b_id = lab.id("joiner");
    let bundle = lab.bundle("a", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&a));
        let ns = v["linux"]["namespaces"].as_array_mut().unwrap();
        ns.push(json!({"type": "user"}));
        v["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        v["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
    });
    let out = lab.contlab(&["create", "--bundle", s(&bundle), &a]);
    assert!(out.ok(), "create: {}", out.stderr);
    let out = lab.contlab(&["start", &a]);
    assert!(out.ok(), "start: {}", out.stderr);
    let pid = lab.state(false, &a)["pid"].to_string();
    let map = std::fs::read_to_string(format!("/proc/{pid}/uid_map")).unwrap();
    assert_eq!(
        map.split_whitespace().collect::<Vec<_>>(),
        ["0", "100000", "65536"]
    );
    let out = lab.contlab(&["exec", &a, "id", "-u"]);
    assert_eq!(out.stdout.trim(), "0", "{}", out.stderr);
    let ino = |p: &str, ns: &str| {
        std::os::unix::fs::MetadataExt::ino(
            &std::fs::metadata(format!("/proc/{p}/ns/{ns}")).unwrap(),
        )
    };
    for ns in ["pid", "net", "ipc", "uts", "mnt", "cgroup", "user"] {
        assert_ne!(ino(&pid, ns), ino("self", ns), "{ns} is the host's");
    }

    let joiner = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&b_id));
        for n in v["linux"]["namespaces"].as_array_mut().unwrap() {
            if n["type"] == "network" {
                n["path"] = json!(format!("/proc/{pid}/ns/net"));
            }
        }
    });
    let out = lab.contlab(&["create", "--bundle", s(&joiner), &b_id]);
    assert!(out.ok(), "{}", out.stderr);
    let pid_b = lab.state(false, &b_id)["pid"].to_string();
    assert_eq!(
        ino(&pid_b, "net"),
        ino(&pid, "net"),
        "joined the network namespace"
    );
    assert_ne!(ino(&pid_b, "uts"), ino(&pid, "uts"));
    assert!(lab.contlab(&["delete", "--force", &b_id]).ok());
    assert!(lab.contlab(&["delete", "--force", &a]).ok());
    assert_eq!(leftovers(&lab, &a), Vec::<String>::new());
}

/// The inode of `/proc/PID/ns/NS`.
fn ns_ino(pid: &str, ns: &str) -> u64 {
    std::os::unix::fs::MetadataExt::ino(
        &std::fs::metadata(format!("/proc/{pid}/ns/{ns}")).expect("a namespace file"),
    )
}

/// The inode of the user namespace that owns the namespace at `path` (NS_GET_USERNS).
fn owner_ino(path: &str) -> u64 {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let f = std::fs::File::open(path).expect("a namespace file");
    // SAFETY: NS_GET_USERNS takes no argument and returns a new fd, owned below.
    let fd = unsafe { libc::ioctl(f.as_raw_fd(), 0xb701 as _) };
    assert!(fd >= 0, "NS_GET_USERNS on {path} failed");
    // SAFETY: the ioctl returned a new fd that nothing else owns.
    let owner = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    std::os::unix::fs::MetadataExt::ino(&owner.metadata().expect("fstat"))
}

/// The sidecar of a Kubernetes pod: a second container joins the first one's user, pid,
/// network, IPC and UTS namespaces by path, and makes its own mount namespace, which
/// then belongs to the joined user namespace.
#[test]
fn a_container_joins_another_ones_user_and_pid_namespaces() {
    common::require_root("a_container_joins_another_ones_user_and_pid_namespaces needs root");
    let lab = Lab::new("pod");
    let a = lab.id("pause");
    let b = lab.id("sidecar");
    let mapping = json!([{"containerID": 0, "hostID": 200000, "size": 65536}]);
    let first = lab.bundle("a", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&a));
        v["linux"]["namespaces"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "user"}));
        v["linux"]["uidMappings"] = mapping.clone();
        v["linux"]["gidMappings"] = mapping.clone();
    });
    let out = lab.contlab(&["create", "--bundle", s(&first), &a]);
    assert!(out.ok(), "create: {}", out.stderr);
    let out = lab.contlab(&["start", &a]);
    assert!(out.ok(), "start: {}", out.stderr);
    let pa = lab.state(false, &a)["pid"].to_string();
    let joined = ["user", "pid", "network", "ipc", "uts"];
    let second = |name: &str, id: &str, edit: &dyn Fn(&mut Value)| {
        lab.bundle(name, |v| {
            v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(id));
            let ns = v["linux"]["namespaces"].as_array_mut().unwrap();
            ns.push(json!({"type": "user"}));
            for n in ns.iter_mut() {
                let t = n["type"].as_str().unwrap().to_string();
                if joined.contains(&t.as_str()) {
                    let file = if t == "network" { "net".to_string() } else { t };
                    n["path"] = json!(format!("/proc/{pa}/ns/{file}"));
                }
            }
            edit(v);
        })
    };

    // Maps that differ from the joined namespace's: one sentence, nothing left.
    let bad = lab.id("bad");
    let other = json!([{"containerID": 0, "hostID": 300000, "size": 65536}]);
    let wrong = second("bad", &bad, &|v| {
        v["linux"]["uidMappings"] = other.clone();
        v["linux"]["gidMappings"] = other.clone();
    });
    let out = lab.contlab(&["create", "--bundle", s(&wrong), &bad]);
    assert!(!out.ok());
    assert!(
        out.stderr
            .contains("differs from the map of the user namespace"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert_eq!(leftovers(&lab, &bad), Vec::<String>::new());

    let bundle = second("b", &b, &|_| {});
    let out = lab.contlab(&["create", "--bundle", s(&bundle), &b]);
    assert!(out.ok(), "create: {}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    let pb = lab.state(false, &b)["pid"].to_string();
    for ns in ["user", "pid", "net", "ipc", "uts"] {
        assert_eq!(ns_ino(&pb, ns), ns_ino(&pa, ns), "{ns} was joined");
    }
    for ns in ["mnt", "cgroup"] {
        assert_ne!(
            ns_ino(&pb, ns),
            ns_ino(&pa, ns),
            "{ns} is the sidecar's own"
        );
    }
    // Made after the join, its own namespaces belong to the joined user namespace.
    assert_eq!(
        owner_ino(&format!("/proc/{pb}/ns/mnt")),
        ns_ino(&pa, "user")
    );
    let map = std::fs::read_to_string(format!("/proc/{pb}/uid_map")).unwrap();
    assert_eq!(
        map.split_whitespace().collect::<Vec<_>>(),
        ["0", "200000", "65536"]
    );
    assert!(lab.contlab(&["start", &b]).ok());

    // One pid namespace: the sidecar's sleep is not pid 1, and the first container sees it.
    let status = std::fs::read_to_string(format!("/proc/{pb}/status")).unwrap();
    let nspid: Vec<&str> = status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .expect("NSpid")
        .split_whitespace()
        .collect();
    assert_eq!(nspid.len(), 2, "{status}");
    assert_ne!(nspid[1], "1");
    let out = lab.contlab(&["exec", &a, "ls", "/proc"]);
    assert!(out.stdout.lines().any(|l| l == nspid[1]), "{}", out.stdout);
    let out = lab.contlab(&["exec", &b, "cat", "/proc/1/cmdline"]);
    assert!(out.ok(), "{}", out.stderr);
    let out_a = lab.contlab(&["exec", &a, "cat", "/proc/1/cmdline"]);
    assert_eq!(out.stdout, out_a.stdout, "both see the same pid 1");
    let out = lab.contlab(&["exec", &b, "id", "-u"]);
    assert_eq!(out.stdout.trim(), "0", "{}", out.stderr);

    assert!(lab.contlab(&["delete", "--force", &b]).ok());
    // The first container lives on without its sidecar.
    assert_eq!(lab.state(false, &a)["status"], "running");
    assert!(lab.contlab(&["delete", "--force", &a]).ok());
    for id in [&a, &b] {
        assert_eq!(leftovers(&lab, id), Vec::<String>::new());
    }
}

/// A mount namespace kept alive by a bind mount of its nsfs file (`unshare --mount=FILE`),
/// taken down by the guard.
struct HeldMountNs {
    dir: PathBuf,
    file: PathBuf,
}

impl HeldMountNs {
    fn new(work: &Path) -> HeldMountNs {
        let dir = work.join("ns");
        std::fs::create_dir(&dir).unwrap();
        let file = dir.join("mnt");
        let held = HeldMountNs {
            dir: dir.clone(),
            file: file.clone(),
        };
        // A private mount to hold the nsfs file: the kernel refuses it on a shared one.
        let sh = format!(
            "mount --bind {d} {d} && mount --make-private {d} && touch {f} && unshare --mount={f} --propagation private true",
            d = dir.display(),
            f = file.display()
        );
        let st = Command::new("sh").args(["-c", &sh]).status().unwrap();
        assert!(st.success(), "cannot make a mount namespace to join");
        held
    }
}

impl Drop for HeldMountNs {
    fn drop(&mut self) {
        let _ = nix::mount::umount2(&self.file, nix::mount::MntFlags::MNT_DETACH);
        let _ = nix::mount::umount2(&self.dir, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// As runc does, a joined mount namespace gets the container's root: the bundle's
/// rootfs is attached and pivoted to in there. Joining contlab's own is refused.
#[test]
fn a_joined_mount_namespace_gets_the_containers_root_as_with_runc() {
    common::require_root(
        "a_joined_mount_namespace_gets_the_containers_root_as_with_runc needs root",
    );
    let lab = Lab::new("mnt");
    for runc in [false, true] {
        if runc && !has_runc() {
            eprintln!("skip: the runc half needs runc");
            continue;
        }
        let tag = if runc { "runc" } else { "contlab" };
        let place = lab.work.path().join(tag);
        std::fs::create_dir(&place).unwrap();
        let held = HeldMountNs::new(&place);
        let id = lab.id(&format!("mnt-{tag}"));
        let file = held.file.clone();
        let bundle = lab.bundle(&format!("b-{tag}"), |v| {
            v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
            v["process"]["args"] =
                json!(["sh", "-c", "cat /marker; grep -c . /proc/self/mountinfo"]);
            for n in v["linux"]["namespaces"].as_array_mut().unwrap() {
                if n["type"] == "mount" {
                    n["path"] = json!(file);
                }
            }
        });
        std::fs::write(bundle.join("rootfs/marker"), format!("{tag}\n")).unwrap();
        let out = lab.rt(runc, &["run", "--bundle", s(&bundle), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        assert!(
            out.stdout.starts_with(&format!("{tag}\n")),
            "{tag}: {}",
            out.stdout
        );
        // The namespace now has the container's root, for whoever enters it next.
        let after = Command::new("nsenter")
            .arg(format!("--mount={}", held.file.display()))
            .args(["cat", "/marker"])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&after.stdout),
            format!("{tag}\n"),
            "{tag}"
        );
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }

    // contlab's own mount namespace: refused before anything is made.
    let id = lab.id("own");
    let bundle = lab.bundle("own", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        for n in v["linux"]["namespaces"].as_array_mut().unwrap() {
            if n["type"] == "mount" {
                n["path"] = json!("/proc/self/ns/mnt");
            }
        }
    });
    let out = lab.contlab(&["create", "--bundle", s(&bundle), &id]);
    assert!(!out.ok());
    assert!(
        out.stderr.contains("contlab's own mount namespace"),
        "{}",
        out.stderr
    );
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

#[test]
fn run_passes_the_exit_status_through() {
    common::require_root("run_passes_the_exit_status_through needs root");
    let lab = Lab::new("run");
    let id = lab.id("run");
    let b = lab.bundle("b", |v| {
        v["process"]["args"] = json!(["sh", "-c", "echo out; exit 7"]);
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
    });
    let out = lab.contlab(&["run", "--bundle", s(&b), &id]);
    assert_eq!(out.code, Some(7), "{}", out.stderr);
    assert_eq!(out.stdout, "out\n");
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

#[test]
fn the_global_flags_and_the_error_lines_callers_read() {
    common::require_root("the_global_flags_and_the_error_lines_callers_read needs root");
    let lab = Lab::new("cli");
    // --version: runc's shape, the version then the spec's.
    let out = lab.contlab(&["--version"]);
    assert!(out.ok(), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("contlab runtime version "),
        "{lines:?}"
    );
    assert_eq!(lines[1], "spec: 1.0.2");
    // features: runc's JSON, naming only what contlab applies.
    let out = lab.contlab(&["features"]);
    assert!(out.ok(), "{}", out.stderr);
    let f: Value = serde_json::from_str(&out.stdout).expect("features prints JSON");
    assert_eq!(f["ociVersionMin"], "1.0.0");
    assert!(
        f["hooks"]
            .as_array()
            .unwrap()
            .contains(&json!("createRuntime"))
    );
    assert!(
        f["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .contains(&json!("pid"))
    );
    assert_eq!(f["linux"]["seccomp"]["enabled"], true);
    // Errors: a line saying "error" on stderr; with --log, a record runc's callers parse.
    let log = lab.work.path().join("log.json");
    let out = lab.contlab(&[
        "--log",
        s(&log),
        "--log-format",
        "json",
        "--debug",
        "state",
        "nosuch",
    ]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("\"level\":\"error\""), "{}", out.stderr);
    let records: Vec<Value> = std::fs::read_to_string(&log)
        .expect("the log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(records[0]["level"], "debug", "{records:?}");
    let last = records.last().unwrap();
    assert_eq!(last["level"], "error");
    assert_eq!(last["msg"], "container \"nosuch\" does not exist");
    assert!(last["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    let text = lab.work.path().join("log.txt");
    let out = lab.contlab(&["--log", s(&text), "kill", "nosuch"]);
    assert_eq!(
        out.stderr,
        "contlab: error: container \"nosuch\" does not exist\n"
    );
    let line = std::fs::read_to_string(&text).expect("the text log");
    assert!(
        line.contains("level=error msg=\"container \\\"nosuch\\\" does not exist\""),
        "{line}"
    );
    // --systemd-cgroup is refused by name.
    let out = lab.contlab(&["--systemd-cgroup", "list"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("error: --systemd-cgroup is not supported"),
        "{}",
        out.stderr
    );
    // delete --force of a container that does not exist succeeds quietly, as runc's.
    let out = lab.contlab(&["delete", "--force", "nosuch"]);
    assert!(out.ok() && out.stderr.is_empty(), "{}", out.stderr);
    if has_runc() {
        assert!(lab.runc(&["delete", "--force", "nosuch"]).ok());
    }
}

#[test]
fn create_flags_ps_and_unknown_properties() {
    common::require_root("create_flags_ps_and_unknown_properties needs root");
    let lab = Lab::new("flags");
    let id = lab.id("flags");
    let b = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        // Properties the spec does not define are ignored, as it requires.
        v["org.example.future"] = json!({"knob": 1});
        v["process"]["futureKnob"] = json!(true);
    });
    let pid_file = lab.work.path().join("init.pid");
    let out = lab.contlab(&[
        "create",
        "--bundle",
        s(&b),
        "--pid-file",
        s(&pid_file),
        "--preserve-fds",
        "0",
        "--no-new-keyring",
        &id,
    ]);
    assert!(out.ok(), "create: {}", out.stderr);
    assert!(lab.contlab(&["start", &id]).ok());
    let init: i32 = std::fs::read_to_string(&pid_file)
        .expect("the pid file")
        .parse()
        .expect("digits");
    let out = lab.contlab(&["ps", "--format", "json", &id]);
    assert!(out.ok(), "ps: {}", out.stderr);
    let pids: Vec<i32> = serde_json::from_str(&out.stdout).expect("ps JSON");
    assert!(pids.contains(&init), "{pids:?} lacks the init {init}");
    for kid in common::runtime::children(init) {
        assert!(pids.contains(&kid), "{pids:?} lacks {kid}");
    }
    let out = lab.contlab(&["ps", &id]);
    assert!(out.ok(), "ps: {}", out.stderr);
    let mut lines = out.stdout.lines();
    assert!(lines.next().unwrap_or("").contains("PID"), "{}", out.stdout);
    assert!(
        lines.any(|l| l.contains("sleep 1000")),
        "the program is listed: {}",
        out.stdout
    );
    let out = lab.contlab(&["ps", &id, "-o", "pid,comm"]);
    assert!(out.stdout.contains("sleep"), "{}", out.stdout);
    assert!(lab.contlab(&["delete", "--force", &id]).ok());
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
    let out = lab.contlab(&["ps", &id]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("error"), "{}", out.stderr);
}

#[test]
fn runc_runs_the_same_bundle_through_the_same_lifecycle() {
    common::require_root("runc_runs_the_same_bundle_through_the_same_lifecycle needs root");
    if !has_runc() {
        eprintln!("skip: runc_runs_the_same_bundle_through_the_same_lifecycle needs runc");
        return;
    }
    let lab = Lab::new("runc");
    let ids = [lab.id("contlab"), lab.id("runc")];
    let b = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(format!("/{}/shared", lab.parent));
        v["annotations"] = json!({"purpose": "compare"});
        v["linux"]["maskedPaths"]
            .as_array_mut()
            .unwrap()
            .push(json!("/proc/version"));
    });
    // Each runtime gets its own cgroup below the lab's parent.
    let bundle_for = |i: usize| {
        let p = b.join("config.json");
        let mut v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&ids[i]));
        std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    };
    let mut seen: Vec<Vec<String>> = Vec::new();
    let mut keys: Vec<Vec<String>> = Vec::new();
    let mut isolation: Vec<Vec<String>> = Vec::new();
    for (i, runc) in [false, true].into_iter().enumerate() {
        let id = &ids[i];
        bundle_for(i);
        let mut statuses = Vec::new();
        let out = lab.rt(runc, &["create", "--bundle", s(&b), id]);
        assert!(out.ok(), "create (runc: {runc}): {}", out.stderr);
        let st = lab.state(runc, id);
        statuses.push(st["status"].as_str().unwrap_or("").to_string());
        let mut k: Vec<String> = st.as_object().unwrap().keys().cloned().collect();
        k.sort();
        keys.push(k);
        assert!(lab.rt(runc, &["start", id]).ok());
        let st = lab.state(runc, id);
        statuses.push(st["status"].as_str().unwrap_or("").to_string());
        let pid = st["pid"].to_string();
        // What the container sees, by exec and from the host.
        let mut iso = Vec::new();
        for cmd in [
            vec!["hostname"],
            vec!["id"],
            vec!["sh", "-c", "grep -E '^Cap(Bnd|Eff)' /proc/self/status"],
            vec!["sh", "-c", "touch /x 2>/dev/null && echo rw || echo ro"],
            vec!["sh", "-c", "wc -c < /proc/version"],
            vec!["sh", "-c", "ls /sys/firmware | wc -l"],
            vec!["sh", "-c", "cat /proc/net/dev | wc -l"],
        ] {
            let mut args = vec!["exec", id.as_str()];
            args.extend(cmd.iter().copied());
            let out = lab.rt(runc, &args);
            iso.push(format!("{cmd:?} -> {}", out.stdout.trim()));
        }
        for ns in ["pid", "net", "ipc", "uts", "mnt"] {
            let same = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).ok()
                == std::fs::read_link(format!("/proc/self/ns/{ns}")).ok();
            iso.push(format!("{ns} shared with host: {same}"));
        }
        isolation.push(iso);
        assert!(lab.rt(runc, &["kill", id, "KILL"]).ok());
        let st = lab.wait_stopped(runc, id);
        statuses.push(st["status"].as_str().unwrap_or("").to_string());
        let out = lab.rt(runc, &["delete", id]);
        assert!(out.ok(), "delete (runc: {runc}): {}", out.stderr);
        let out = lab.rt(runc, &["state", id]);
        assert_ne!(out.code, Some(0), "state after delete must fail");
        seen.push(statuses);
    }
    eprintln!("contlab vs runc: {isolation:#?}");
    assert_eq!(seen[0], ["created", "running", "stopped"]);
    assert_eq!(seen[0], seen[1], "contlab vs runc statuses");
    assert_eq!(keys[0], keys[1], "contlab vs runc state keys");
    assert_eq!(isolation[0], isolation[1], "contlab vs runc isolation");
}

/// Listens on a console socket; the thread returns what the terminal's master read
/// until the container's side closed (runc's `recvtty`, in short).
fn console_listener(path: &Path) -> std::thread::JoinHandle<String> {
    let listener = std::os::unix::net::UnixListener::bind(path).expect("bind the console socket");
    std::thread::spawn(move || {
        use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
        use std::io::Read;
        use std::os::fd::{AsRawFd, FromRawFd};
        let (conn, _) = listener.accept().expect("the runtime connects");
        let mut name = [0u8; 256];
        let mut iov = [std::io::IoSliceMut::new(&mut name)];
        let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
        let msg = recvmsg::<()>(
            conn.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::empty(),
        )
        .expect("recvmsg");
        let fd = msg
            .cmsgs()
            .expect("control messages")
            .find_map(|c| match c {
                ControlMessageOwned::ScmRights(fds) => fds.first().copied(),
                _ => None,
            })
            .expect("a terminal fd arrives");
        // SAFETY: the fd just arrived with the message and nothing else owns it.
        let mut master = unsafe { std::fs::File::from_raw_fd(fd) };
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // EIO once every replica is closed: the container's processes are gone.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).into_owned()
    })
}

#[test]
fn a_terminal_goes_to_the_console_socket_as_with_runc() {
    common::require_root("a_terminal_goes_to_the_console_socket_as_with_runc needs root");
    let lab = Lab::new("tty");
    for runc in [false, true] {
        if runc && !has_runc() {
            eprintln!("skip: the runc half of the console test needs runc");
            continue;
        }
        let id = lab.id(if runc { "tty-runc" } else { "tty" });
        let b = lab.bundle(&format!("b-{id}"), |v| {
            v["process"]["terminal"] = json!(true);
            v["process"]["args"] = json!(["sh", "-c", "tty; echo hello from $(hostname)"]);
            v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        });
        let sock = lab.work.path().join(format!("{id}.sock"));
        let reader = console_listener(&sock);
        let out = lab.rt(
            runc,
            &[
                "create",
                "--bundle",
                s(&b),
                "--console-socket",
                s(&sock),
                &id,
            ],
        );
        assert!(out.ok(), "create ({runc}): {}", out.stderr);
        assert!(out.stderr.is_empty(), "{}", out.stderr);
        let out = lab.rt(runc, &["start", &id]);
        assert!(out.ok(), "start ({runc}): {}", out.stderr);
        lab.wait_stopped(runc, &id);
        let text = reader.join().expect("the reader");
        assert!(text.contains("/dev/pts/0"), "runc={runc}: {text:?}");
        assert!(text.contains("hello from"), "runc={runc}: {text:?}");
        let out = lab.rt(runc, &["delete", &id]);
        assert!(out.ok(), "delete ({runc}): {}", out.stderr);
    }
    // A terminal without a socket, and a socket without a terminal: one sentence each.
    let id = lab.id("tty-bad");
    let b = lab.bundle("b-tty-bad", |v| {
        v["process"]["terminal"] = json!(true);
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
    });
    let out = lab.contlab(&["create", "--bundle", s(&b), &id]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("--console-socket"), "{}", out.stderr);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    let id2 = lab.id("tty-bad2");
    let b2 = lab.bundle("b-tty-bad2", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id2));
    });
    let sock = lab.work.path().join("unused.sock");
    let out = lab.contlab(&[
        "create",
        "--bundle",
        s(&b2),
        "--console-socket",
        s(&sock),
        &id2,
    ]);
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("process.terminal"), "{}", out.stderr);
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
    assert_eq!(leftovers(&lab, &id2), Vec::<String>::new());
}

/// `process.oomScoreAdj` is the score of the container's process, under contlab as
/// under runc.
#[test]
fn oom_score_adj_is_applied_as_with_runc() {
    common::require_root("oom_score_adj_is_applied_as_with_runc needs root");
    let lab = Lab::new("oom");
    for runc in [false, true] {
        if runc && !has_runc() {
            eprintln!("skip: the runc half needs runc");
            continue;
        }
        let tag = if runc { "runc" } else { "contlab" };
        let id = lab.id(&format!("oom-{tag}"));
        let b = lab.bundle(&format!("b-{tag}"), |v| {
            v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
            // Raising needs no capability (this machine may lack CAP_SYS_RESOURCE).
            v["process"]["oomScoreAdj"] = json!(500);
            v["process"]["args"] = json!(["cat", "/proc/self/oom_score_adj"]);
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        assert_eq!(out.stdout.trim(), "500", "{tag}");
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }
}

/// An rlimit whose soft limit is above its hard one fails `create` with a sentence on
/// stderr, and leaves nothing.
#[test]
fn an_invalid_rlimit_is_refused_with_a_message() {
    common::require_root("an_invalid_rlimit_is_refused_with_a_message needs root");
    let lab = Lab::new("rlimit");
    let id = lab.id("rlimit");
    let b = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        v["process"]["rlimits"] = json!([{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]);
    });
    let out = lab.contlab(&["create", "--bundle", s(&b), &id]);
    assert!(!out.ok());
    assert!(
        out.stderr.contains("RLIMIT_NOFILE") && out.stderr.contains("above the hard limit"),
        "{}",
        out.stderr
    );
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

/// An rlimit the kernel refuses (`RLIMIT_NOFILE` above `fs.nr_open`) fails `create`,
/// not the later `start`, as under runc (contest's `process_rlimits_fail`).
#[test]
fn an_rlimit_the_kernel_refuses_fails_create_as_with_runc() {
    common::require_root("an_rlimit_the_kernel_refuses_fails_create_as_with_runc needs root");
    let lab = Lab::new("rlimit-kernel");
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("nofile-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["process"]["rlimits"] =
                json!([{"type": "RLIMIT_NOFILE", "soft": u64::MAX, "hard": u64::MAX}]);
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(
            !out.ok(),
            "{tag}: create passed with nofile above fs.nr_open"
        );
        if !runc {
            assert!(out.stderr.contains("RLIMIT_NOFILE"), "{}", out.stderr);
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        let _ = lab.rt(runc, &["delete", "--force", &id]);
    }
}

/// A capability in the effective set but not in the bounding set fails `create` by
/// name, and leaves nothing.
#[test]
fn a_capability_outside_the_bounding_set_is_refused() {
    common::require_root("a_capability_outside_the_bounding_set_is_refused needs root");
    let lab = Lab::new("caps");
    let id = lab.id("caps");
    let b = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
        v["process"]["capabilities"] = json!({
            "bounding": ["CAP_KILL"], "effective": ["CAP_KILL", "CAP_NET_RAW"],
            "permitted": ["CAP_KILL"]});
    });
    let out = lab.contlab(&["create", "--bundle", s(&b), &id]);
    assert!(!out.ok());
    assert!(
        out.stderr
            .contains("process.capabilities.effective holds CAP_NET_RAW"),
        "{}",
        out.stderr
    );
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

/// A rootfs whose `/proc` is a symlink is refused at `create`, and leaves nothing.
#[test]
fn a_rootfs_whose_proc_is_a_symlink_is_refused() {
    common::require_root("a_rootfs_whose_proc_is_a_symlink_is_refused needs root");
    let lab = Lab::new("procln");
    let id = lab.id("procln");
    let b = lab.bundle("b", |v| {
        v["linux"]["cgroupsPath"] = json!(lab.cgroup_path(&id));
    });
    let proc_dir = b.join("rootfs/proc");
    let _ = std::fs::remove_dir(&proc_dir);
    std::os::unix::fs::symlink("/tmp", &proc_dir).expect("symlink");
    let out = lab.contlab(&["create", "--bundle", s(&b), &id]);
    assert!(!out.ok());
    assert!(out.stderr.contains("is a symlink"), "{}", out.stderr);
    assert!(
        out.stderr.contains("must be mounted on ordinary directory"),
        "runc's wording, which tools look for: {}",
        out.stderr
    );
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

/// `linux.devices` makes its nodes with their type, numbers, mode and owner, and
/// `linux.resources.devices` denies what it does not allow: a node made by `mknod` in
/// the container for /dev/kmsg (c 1:11) cannot be opened (EPERM: v1's devices
/// controller, or on v2 the eBPF device program). The same bundle under runc prints the
/// same lines.
#[test]
fn device_nodes_and_device_rules_as_with_runc() {
    common::require_root("device_nodes_and_device_rules_as_with_runc needs root");
    let lab = Lab::new("devices");
    let script = "stat -c '%F %t:%T %a %u:%g' /dev/tc /dev/tp; \
                  echo x > /dev/tc && echo wrote; \
                  mknod /dev/k c 1 11 && { e=$( (true > /dev/k) 2>&1 ) && echo kmsg-open || echo \"${e##*: }\"; }";
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("dev-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["resources"]["devices"] = json!([{"allow": false, "access": "rwm"}]);
            v["linux"]["devices"] = json!([
                {"path": "/dev/tc", "type": "c", "major": 1, "minor": 3, "fileMode": 0o620, "uid": 0, "gid": 5},
                {"path": "/dev/tp", "type": "p", "fileMode": 0o640}
            ]);
            for set in ["bounding", "effective", "permitted"] {
                v["process"]["capabilities"][set]
                    .as_array_mut()
                    .expect("a capability list")
                    .push(json!("CAP_MKNOD"));
            }
            v["process"]["args"] = json!(["sh", "-c", script]);
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(
            out.ok(),
            "{tag} run: {:?} {} {}",
            out.code,
            out.stdout,
            out.stderr
        );
        assert_eq!(
            out.stdout,
            "character special file 1:3 620 0:5\nfifo 0:0 640 0:0\nwrote\nOperation not permitted\n",
            "{tag}: {}",
            out.stderr
        );
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push(out.stdout);
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "contlab and runc differ: {seen:?}");
}

/// `linux.seccomp`: a call a rule names gets the rule's errno, a rule on an argument
/// matches only that argument, a syscall name this architecture lacks is skipped, and
/// the filter is loaded with and without no_new_privs. runc prints the same lines.
#[test]
fn a_seccomp_profile_is_applied_as_with_runc() {
    common::require_root("a_seccomp_profile_is_applied_as_with_runc needs root");
    let lab = Lab::new("seccomp");
    let script =
        "mkdir /tmp/x; echo mkdir=$?; kill -0 1; echo kill0=$?; kill -CONT 1; echo cont=$?";
    let want = "mkdir=1\nkill0=1\ncont=0\n";
    for runc in [false, true] {
        if runc && !has_runc() {
            eprintln!("skip: the runc half needs runc");
            continue;
        }
        for nnp in [true, false] {
            let tag = format!("{}-{nnp}", if runc { "runc" } else { "contlab" });
            let id = lab.id(&format!("sc-{tag}"));
            let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
                v["process"]["noNewPrivileges"] = json!(nnp);
                v["process"]["args"] = json!(["sh", "-c", script]);
                v["linux"]["seccomp"] = json!({
                    "defaultAction": "SCMP_ACT_ALLOW",
                    "architectures": ["SCMP_ARCH_X86_64"],
                    "syscalls": [
                        {"names": ["mkdir", "mkdirat", "no_such_call"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                        {"names": ["kill"], "action": "SCMP_ACT_ERRNO",
                         "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}
                    ]
                });
            });
            let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
            assert!(out.ok(), "{tag} run: {}", out.stderr);
            assert_eq!(out.stdout, want, "{tag}: {}", out.stderr);
            assert!(
                out.stderr.contains("Permission denied"),
                "{tag}: {}",
                out.stderr
            );
            assert!(
                out.stderr.contains("Operation not permitted"),
                "{tag}: {}",
                out.stderr
            );
            if !runc {
                assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
            }
        }
    }
}

/// Accepts one connection at `path` (the seccomp agent): the JSON it got, and where the
/// fd beside it points (`readlink /proc/self/fd/N`).
fn seccomp_agent(path: &Path) -> std::thread::JoinHandle<(Value, String)> {
    seccomp_agent_answering(path, None)
}

/// [`seccomp_agent`], which with `answer` also fails every notified call with that
/// errno until the container ends; the calls' numbers go in the JSON as `"answered"`.
fn seccomp_agent_answering(
    path: &Path,
    answer: Option<i32>,
) -> std::thread::JoinHandle<(Value, String)> {
    let all = seccomp_agent_serving(path, 1, answer);
    std::thread::spawn(move || {
        all.join()
            .expect("the agent")
            .pop()
            .expect("one connection")
    })
}

/// [`seccomp_agent_answering`] for `n` connections, one after the other (each answered
/// in a thread of its own): what each got, in the order they came.
fn seccomp_agent_serving(
    path: &Path,
    n: usize,
    answer: Option<i32>,
) -> std::thread::JoinHandle<Vec<(Value, String)>> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let listener = std::os::unix::net::UnixListener::bind(path).expect("bind the agent");
    std::thread::spawn(move || {
        let mut each = Vec::new();
        for _ in 0..n {
            let (conn, _) = listener.accept().expect("the runtime connects");
            each.push(std::thread::spawn(move || {
                let mut buf = vec![0u8; 16 << 10];
                let mut cmsg = nix::cmsg_space!([std::os::fd::RawFd; 1]);
                let mut iov = [std::io::IoSliceMut::new(&mut buf)];
                let msg = recvmsg::<()>(
                    conn.as_raw_fd(),
                    &mut iov,
                    Some(&mut cmsg),
                    MsgFlags::MSG_CMSG_CLOEXEC,
                )
                .expect("recvmsg");
                let n = msg.bytes;
                let mut target = String::new();
                let mut answered = None;
                for c in msg.cmsgs().expect("cmsgs") {
                    if let ControlMessageOwned::ScmRights(fds) = c {
                        for fd in fds {
                            // SAFETY: SCM_RIGHTS gave this process a new fd nothing else owns.
                            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                            target =
                                std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                                    .map(|p| p.display().to_string())
                                    .unwrap_or_default();
                            if let Some(errno) = answer {
                                answered = Some(answer_all(fd.as_raw_fd(), errno));
                            }
                        }
                    }
                }
                let mut v: Value = serde_json::from_slice(&buf[..n]).expect("the state is JSON");
                if let Some(nr) = answered {
                    v["answered"] = json!(nr);
                }
                (v, target)
            }));
        }
        each.into_iter()
            .map(|h| h.join().expect("an agent connection"))
            .collect()
    })
}

/// Answers every notification on seccomp listener `fd` with `errno` until the
/// container is gone; returns the calls' numbers. The listener is polled first: a
/// receive blocked on a filter whose last task has exited is not woken on every kernel
/// (the v2 guest's 6.1 leaves it asleep), while poll reports POLLHUP on all of them.
fn answer_all(fd: std::os::fd::RawFd, errno: i32) -> Vec<i32> {
    let mut calls = Vec::new();
    // SAFETY: both structs are plain data the kernel fills or reads; the fd is open.
    unsafe {
        loop {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // A minute without a call or a hang-up ends the agent rather than the run.
            if libc::poll(&mut pfd, 1, 60_000) != 1 || pfd.revents & libc::POLLIN == 0 {
                return calls;
            }
            let mut req: libc::seccomp_notif = std::mem::zeroed();
            if libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut req) != 0 {
                return calls;
            }
            calls.push(req.data.nr);
            let mut resp: libc::seccomp_notif_resp = std::mem::zeroed();
            resp.id = req.id;
            resp.error = -errno;
            libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_SEND, &mut resp);
        }
    }
}

/// A call the profile sends to the listener gets the agent's answer: here every getcwd
/// fails with EACCES, so the shell cannot tell its directory, as under runc.
#[test]
fn a_notified_call_gets_the_agents_answer_as_with_runc() {
    common::require_root("a_notified_call_gets_the_agents_answer_as_with_runc needs root");
    let lab = Lab::new("seccomp-answer");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("answer-{tag}"));
        let sock = lab.work.path().join(format!("agent-{tag}.sock"));
        let agent = seccomp_agent_answering(&sock, Some(libc::EACCES));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["process"]["args"] = json!(["sh", "-c", "pwd; echo rc=$?"]);
            v["linux"]["seccomp"] = json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "architectures": ["SCMP_ARCH_X86_64"],
                "listenerPath": s(&sock),
                "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]
            });
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        let (got, _) = agent.join().expect("the agent");
        let calls = got["answered"].as_array().cloned().unwrap_or_default();
        assert!(!calls.is_empty(), "{tag}: no call reached the agent");
        assert!(
            calls.iter().all(|c| *c == json!(libc::SYS_getcwd)),
            "{tag}: {got}"
        );
        // Unfiltered, the shell prints "/".
        assert_ne!(out.stdout, "/\nrc=0\n", "{tag}: getcwd was not answered");
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push((out.stdout, out.stderr, calls.len()));
    }
    if let Some(r) = seen.get(1) {
        assert_eq!(&seen[0], r, "contlab and runc differ");
    }
}

/// The runs of a notify profile: (runc?, tag, no_new_privs). With no_new_privs the
/// filter loads without CAP_SYS_ADMIN, else with it. runc 1.1 then loads it early and
/// its own getcwd check fails ("failed to verify if current working directory is
/// safe"), so runc is compared with no_new_privs only.
fn notify_cases() -> Vec<(bool, String, bool)> {
    runtimes()
        .into_iter()
        .flat_map(|r| [(r, true), (r, false)])
        .filter(|((runc, _), nnp)| *nnp || !runc)
        .map(|((runc, rt), nnp)| (runc, format!("{rt}-{nnp}"), nnp))
        .collect()
}

/// The host pids in container `id`'s cgroup (any hierarchy), sorted.
fn procs_of(lab: &Lab, id: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    if let Ok(layout) = contlab::inspect::cgroups::CgroupLayout::detect() {
        for m in layout.mount_points() {
            let f = m.join(&lab.parent).join(id).join("cgroup.procs");
            for l in std::fs::read_to_string(f).unwrap_or_default().lines() {
                pids.extend(l.trim().parse::<i32>());
            }
        }
    }
    pids.sort();
    pids.dedup();
    pids
}

/// `exec` into a container whose profile notifies: the exec'd process runs under the
/// container's filters (a notified getcwd, an errno for mkdir), and its own listener
/// goes to the same agent with the container's state (the init's pid, "running") and
/// the exec'd process's pid, which `--pid-file` names; the agent's answers reach it.
/// With the agent's socket gone or refusing, `exec` fails with one sentence and runs
/// nothing; a listener for every call or for write is refused by name. runc does the
/// same.
#[test]
fn exec_into_a_notify_container_hands_its_listener_as_with_runc() {
    common::require_root("exec_into_a_notify_container_hands_its_listener_as_with_runc needs root");
    let lab = Lab::new("seccomp-exec");
    let mut seen = Vec::new();
    for (runc, tag, nnp) in notify_cases() {
        let id = lab.id(&format!("xn-{tag}"));
        let sock = lab.work.path().join(format!("agent-x-{tag}.sock"));
        let agent = seccomp_agent_serving(&sock, 2, Some(libc::EACCES));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["process"]["noNewPrivileges"] = json!(nnp);
            v["linux"]["seccomp"] = json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "architectures": ["SCMP_ARCH_X86_64"],
                "listenerPath": s(&sock),
                "listenerMetadata": "exec metadata",
                "syscalls": [
                    {"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"},
                    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}
                ]
            });
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        let out = lab.rt(runc, &["start", &id]);
        assert!(out.ok(), "{tag} start: {}", out.stderr);
        let pid_file = lab.work.path().join(format!("x-{tag}.pid"));
        let execd = lab.rt(
            runc,
            &[
                "exec",
                "--pid-file",
                s(&pid_file),
                &id,
                "sh",
                "-c",
                "pwd; echo rc=$?; mkdir /tmp/d; echo mkdir=$?",
            ],
        );
        assert!(execd.ok(), "{tag} exec: {}", execd.stderr);
        let state = lab.state(runc, &id);
        let execd_pid: i64 = std::fs::read_to_string(&pid_file)
            .expect("the pid file")
            .trim()
            .parse()
            .expect("a pid");

        // The agent's socket gone, then there but refusing: exec fails, and the
        // container holds its init alone.
        let init = state["pid"].as_i64().expect("the init's pid") as i32;
        for how in ["gone", "refused"] {
            let _ = std::fs::remove_file(&sock);
            if how == "refused" {
                drop(std::os::unix::net::UnixListener::bind(&sock).expect("bind"));
            }
            let out = lab.rt(runc, &["exec", &id, "sh", "-c", "echo ran"]);
            assert!(!out.ok(), "{tag} exec with the agent {how}: {}", out.stdout);
            assert_eq!(out.stdout, "", "{tag} {how}: the command ran");
            if !runc {
                assert!(
                    out.stderr.contains("cannot send the seccomp listener")
                        && out.stderr.trim().lines().count() == 1,
                    "{tag} {how}: {}",
                    out.stderr
                );
            }
            assert_eq!(
                procs_of(&lab, &id),
                vec![init],
                "{tag} {how}: a stray process"
            );
        }

        let out = lab.rt(runc, &["delete", "--force", &id]);
        assert!(out.ok(), "{tag} delete: {}", out.stderr);
        let got = agent.join().expect("the agent");
        assert_eq!(got.len(), 2, "{tag}: {got:?}");
        let (x, target) = &got[1];
        assert_eq!(target, "anon_inode:seccomp notify", "{tag}");
        assert_eq!(x["fds"], json!(["seccompFd"]), "{tag}: {x}");
        assert_eq!(x["metadata"], json!("exec metadata"), "{tag}: {x}");
        assert_eq!(x["pid"], json!(execd_pid), "{tag}: {x}");
        assert_eq!(x["state"]["id"], json!(id), "{tag}: {x}");
        assert_eq!(x["state"]["pid"], state["pid"], "{tag}: {x}");
        assert_eq!(x["state"]["status"], json!("running"), "{tag}: {x}");
        let calls = x["answered"].as_array().cloned().unwrap_or_default();
        assert!(
            !calls.is_empty(),
            "{tag}: no call of the exec'd process reached the agent"
        );
        assert!(
            calls.iter().all(|c| *c == json!(libc::SYS_getcwd)),
            "{tag}: {x}"
        );
        assert_ne!(
            execd.stdout, "/\nrc=0\nmkdir=0\n",
            "{tag}: the exec'd process was not filtered"
        );
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push((execd.stdout, execd.stderr, calls.len()));
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "contlab and runc differ: {seen:?}"
    );
    // A listener for every call, or for write, would be waited on by the very process
    // that reports it: refused by name, as runc refuses them.
    let sock = lab.work.path().join("agent-none.sock");
    let profiles = [
        (
            "defaultAction",
            json!({"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": s(&sock)}),
        ),
        (
            "syscalls[0]",
            json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "listenerPath": s(&sock),
                "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]
            }),
        ),
    ];
    for (word, profile) in profiles {
        let edit = |v: &mut Value| v["linux"]["seccomp"] = profile.clone();
        lab.assert_refused(&format!("notify-{}", word.len()), edit, word);
        if has_runc() {
            let id = lab.id(&format!("notify-runc-{}", word.len()));
            let b = lab.bundle_for(&format!("b-{id}"), &id, edit);
            let out = lab.runc(&["create", "--bundle", s(&b), &id]);
            assert!(!out.ok(), "runc accepted {profile}");
            assert!(
                out.stderr.contains("SCMP_ACT_NOTIFY cannot be used"),
                "runc: {}",
                out.stderr
            );
        }
    }
}

/// `SCMP_ACT_NOTIFY` with `listenerPath`: at `create` the agent gets the container's
/// process state (its id, the init's pid, the metadata) and a seccomp listener fd, as
/// runc sends them; without `listenerPath` the profile is refused by name.
#[test]
fn a_seccomp_listener_gets_the_notify_fd_as_with_runc() {
    common::require_root("a_seccomp_listener_gets_the_notify_fd_as_with_runc needs root");
    let lab = Lab::new("seccomp-notify");
    let mut seen = Vec::new();
    for (runc, tag, nnp) in notify_cases() {
        let id = lab.id(&format!("notify-{tag}"));
        let sock = lab.work.path().join(format!("agent-{tag}.sock"));
        let agent = seccomp_agent(&sock);
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["process"]["noNewPrivileges"] = json!(nnp);
            v["linux"]["seccomp"] = json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "architectures": ["SCMP_ARCH_X86_64"],
                "listenerPath": s(&sock),
                "listenerMetadata": "opaque metadata",
                "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]
            });
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        let (got, target) = agent.join().expect("the agent");
        let state = lab.state(runc, &id);
        assert_eq!(got["state"]["id"], json!(id), "{tag}: {got}");
        assert_eq!(got["pid"], state["pid"], "{tag}: {got}");
        assert_eq!(got["state"]["pid"], state["pid"], "{tag}: {got}");
        assert_eq!(got["metadata"], json!("opaque metadata"), "{tag}: {got}");
        assert_eq!(got["fds"], json!(["seccompFd"]), "{tag}: {got}");
        assert_eq!(target, "anon_inode:seccomp notify", "{tag}");
        let out = lab.rt(runc, &["delete", "--force", &id]);
        assert!(out.ok(), "{tag} delete: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push((
            got["state"]["status"].clone(),
            got["ociVersion"].is_string(),
        ));
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "contlab and runc differ: {seen:?}"
    );
    lab.assert_refused(
        "notify-nolistener",
        |v| {
            v["linux"]["seccomp"] = json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]
            })
        },
        "listenerPath",
    );
}

/// `linux.sysctl`: namespaced keys are set in the container's own namespaces (the host's
/// values stay), and a key no namespace holds is refused by name, as runc refuses it.
#[test]
fn sysctls_are_set_in_the_containers_namespaces_as_with_runc() {
    common::require_root("sysctls_are_set_in_the_containers_namespaces_as_with_runc needs root");
    let lab = Lab::new("sysctl");
    let host_shmmni = std::fs::read_to_string("/proc/sys/kernel/shmmni").expect("shmmni");
    let script = "cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_forward";
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("sysctl-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["sysctl"] = json!({"kernel.shmmni": "1234", "net.ipv4.ip_forward": "1"});
            v["process"]["args"] = json!(["sh", "-c", script]);
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        assert_eq!(out.stdout, "1234\n1\n", "{tag}: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/shmmni").expect("shmmni"),
        host_shmmni,
        "the host's value changed"
    );
    for runc in [false, true] {
        if runc && !has_runc() {
            continue;
        }
        let tag = if runc { "runc-host" } else { "contlab-host" };
        let id = lab.id(&format!("sysctl-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["sysctl"] = json!({"kernel.pid_max": "4096"});
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(!out.ok(), "{tag}: a host-wide sysctl was accepted");
        if !runc {
            assert!(out.stderr.contains("kernel.pid_max"), "{}", out.stderr);
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }
}

/// `exec` with the flags runc's callers pass: a process.json (`--process`), `--env`,
/// `--cwd`, `--user` and `--cap` on top of the command line. runc prints the same.
#[test]
fn exec_flags_as_with_runc() {
    common::require_root("exec_flags_as_with_runc needs root");
    let lab = Lab::new("exec-flags");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("exec-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |_| {});
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        let out = lab.rt(runc, &["start", &id]);
        assert!(out.ok(), "{tag} start: {}", out.stderr);
        let flags = lab.rt(
            runc,
            &[
                "exec",
                "--env",
                "FOO=bar",
                "--cwd",
                "/tmp",
                "--user",
                "1000:1001",
                &id,
                "sh",
                "-c",
                "echo $FOO $(pwd) $(id -u):$(id -g)",
            ],
        );
        assert!(flags.ok(), "{tag} exec: {}", flags.stderr);
        let cap = lab.rt(
            runc,
            &[
                "exec",
                "--cap",
                "CAP_NET_RAW",
                &id,
                "grep",
                "CapEff",
                "/proc/self/status",
            ],
        );
        assert!(cap.ok(), "{tag} exec --cap: {}", cap.stderr);
        let process = lab.work.path().join(format!("process-{tag}.json"));
        std::fs::write(
            &process,
            json!({
                "args": ["sh", "-c", "echo $X $(pwd) $(id -u)"],
                "env": ["X=from-file", "PATH=/usr/bin:/bin"],
                "cwd": "/etc",
                "user": {"uid": 7, "gid": 7}
            })
            .to_string(),
        )
        .expect("process.json");
        let file = lab.rt(runc, &["exec", "--process", s(&process), &id]);
        assert!(file.ok(), "{tag} exec --process: {}", file.stderr);
        assert_eq!(file.stdout, "from-file /etc 7\n", "{tag}");
        assert_eq!(flags.stdout, "bar /tmp 1000:1001\n", "{tag}");
        // CAP_NET_RAW (bit 13) is in the effective set.
        let eff = cap.stdout.trim().to_string();
        let mask = u64::from_str_radix(eff.trim_start_matches("CapEff:").trim(), 16);
        assert!(mask.is_ok_and(|m| m & (1 << 13) != 0), "{tag}: {eff}");
        let _ = lab.rt(runc, &["delete", "--force", &id]);
        seen.push(flags.stdout + &file.stdout + &cap.stdout);
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "contlab and runc differ: {seen:?}");
}

/// The file `file` of cgroup `rel` (a path below each hierarchy's root) in the hierarchy
/// holding `controller`: v1's own mount, or the unified one.
fn cgroup_file(controller: &str, rel: &str, file: &str) -> PathBuf {
    let layout = contlab::inspect::cgroups::CgroupLayout::detect().expect("mountinfo");
    let mount = match layout.v1_mount(controller) {
        Some(h) => h.mount.clone(),
        None => layout.unified.expect("a cgroup2 mount").mount,
    };
    mount.join(rel.trim_start_matches('/')).join(file)
}

/// Removes the cgroup directory `top` (and what is below it, deepest first) from every
/// hierarchy when dropped: the directory a test made itself, and what runc leaves.
struct CgroupTree(String);

impl Drop for CgroupTree {
    fn drop(&mut self) {
        let Ok(layout) = contlab::inspect::cgroups::CgroupLayout::detect() else {
            return;
        };
        for m in layout.mount_points() {
            let _ = Command::new("find")
                .arg(m.join(&self.0))
                .args(["-depth", "-type", "d", "-exec", "rmdir", "{}", ";"])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// `linux.cgroupsPath` anywhere, as runc allows: an absolute path below a cgroup that
/// is not contlab's (podman's `/libpod_parent/libpod-<64 hex>`), with an id longer
/// than 64 characters; a relative one goes below contlab's own parent. The process is
/// in the same cgroup under both runtimes. contlab removes the parents it made, on
/// `delete` and on `cleanup` after a crash, and never one that was there before.
#[test]
fn cgroups_path_anywhere_and_long_ids_as_with_runc() {
    common::require_root("cgroups_path_anywhere_and_long_ids_as_with_runc needs root");
    let top = format!("libpod_parent_{}_{}", std::process::id(), rand());
    let _tree = CgroupTree(top.clone());
    let lab = Lab::new("cgpath");
    // A directory that exists before any container: only its children are contlab's.
    let kept = cgroup_file("memory", &top, "");
    std::fs::create_dir(&kept).expect("mkdir of the pre-existing cgroup");
    let hex = "0123456789abcdef".repeat(4);
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("{tag}-{hex}-{}", "x".repeat(40)));
        assert!(id.len() > 64, "{id}");
        let path = format!("/{top}/made-{tag}/libpod-{hex}");
        let b = lab.bundle(&format!("b-{tag}"), |v| {
            v["linux"]["cgroupsPath"] = json!(path);
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        let pid = lab.state(runc, &id)["pid"].as_i64().expect("pid");
        let own = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("cgroup");
        let line = own
            .lines()
            .find(|l| {
                l.split(':')
                    .nth(1)
                    .is_some_and(|c| c.split(',').any(|c| c == "memory"))
            })
            .or_else(|| own.lines().find(|l| l.starts_with("0::")))
            .expect("a memory line");
        assert!(line.ends_with(&path), "{tag}: {line}");
        let procs = std::fs::read_to_string(cgroup_file("memory", &path, "cgroup.procs"))
            .expect("cgroup.procs at the cgroupsPath");
        assert!(
            procs.lines().any(|l| l == pid.to_string()),
            "{tag}: {procs}"
        );
        let out = lab.rt(runc, &["delete", "--force", &id]);
        assert!(out.ok(), "{tag} delete: {}", out.stderr);
        if !runc {
            let made = cgroup_file("memory", &format!("{top}/made-{tag}"), "");
            assert!(!made.exists(), "{} is left", made.display());
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        assert!(kept.is_dir(), "{tag} removed {}", kept.display());
    }

    // Relative: below contlab's parent. Then a crash (the init killed, no delete):
    // `cleanup` removes the cgroup and the parents contlab made, not the kept one.
    let id = lab.id("rel");
    let b = lab.bundle("b-rel", |v| {
        v["linux"]["cgroupsPath"] = json!(format!("sub-{top}/leaf"));
    });
    assert!(lab.contlab(&["create", "--bundle", s(&b), &id]).ok());
    let rel = cgroup_file("memory", &format!("{}/sub-{top}/leaf", lab.parent), "");
    assert!(rel.is_dir(), "{} is missing", rel.display());
    let id2 = lab.id("crash");
    let deep = format!("/{top}/crash/a/b");
    let b = lab.bundle("b-crash", |v| {
        v["linux"]["cgroupsPath"] = json!(deep);
    });
    assert!(lab.contlab(&["create", "--bundle", s(&b), &id2]).ok());
    let pid = lab.state(false, &id2)["pid"].as_i64().expect("pid");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    lab.wait_stopped(false, &id2);
    let mut cmd = common::contlab();
    cmd.arg("cleanup");
    lab.env(&mut cmd);
    let out = lab.exec(cmd);
    assert!(out.ok(), "cleanup: {}", out.stderr);
    let crash = cgroup_file("memory", &format!("{top}/crash"), "");
    assert!(!crash.exists(), "{} is left after cleanup", crash.display());
    assert!(kept.is_dir(), "cleanup removed {}", kept.display());
    assert!(rel.is_dir(), "cleanup removed a live container's cgroup");
    assert!(lab.contlab(&["delete", "--force", &id]).ok());
    let sub = cgroup_file("memory", &format!("{}/sub-{top}", lab.parent), "");
    assert!(!sub.exists(), "{} is left", sub.display());
}

/// `linux.resources.cpu.cpus`/`mems` (the cpuset controller) and `update`, by flags
/// and by a resources file: after each step the cgroup files hold the same values
/// under contlab as under runc, and the values asked for.
#[test]
fn cpuset_and_update_as_with_runc() {
    common::require_root("cpuset_and_update_as_with_runc needs root");
    let lab = Lab::new("update");
    let files = [
        ("memory", "memory.limit_in_bytes", "memory.max"),
        ("cpu", "cpu.cfs_quota_us", "cpu.max"),
        ("cpu", "cpu.cfs_period_us", "cpu.max"),
        ("pids", "pids.max", "pids.max"),
        ("cpuset", "cpuset.cpus", "cpuset.cpus"),
        ("cpuset", "cpuset.mems", "cpuset.mems"),
    ];
    let v1 = contlab::inspect::cgroups::CgroupLayout::detect()
        .expect("mountinfo")
        .v1_mount("memory")
        .is_some();
    let read_all = |path: &str| -> Vec<String> {
        files
            .iter()
            .map(|(c, f1, f2)| {
                let f = if v1 { f1 } else { f2 };
                std::fs::read_to_string(cgroup_file(c, path, f))
                    .unwrap_or_else(|e| format!("{f}: {e}"))
                    .trim()
                    .to_string()
            })
            .collect()
    };
    let res = lab.work.path().join("resources.json");
    std::fs::write(
        &res,
        r#"{"memory": {"limit": 50331648}, "cpu": {"cpus": "0-1"}, "pids": {"limit": 30}}"#,
    )
    .expect("resources.json");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("up-{tag}"));
        let path = lab.cgroup_path(&id);
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["resources"] = json!({
                "memory": {"limit": 33554432},
                "cpu": {"quota": 50000, "period": 100000, "cpus": "1", "mems": "0"},
                "pids": {"limit": 50}
            });
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
        let created = read_all(&path);
        let out = lab.rt(
            runc,
            &[
                "update",
                "--memory",
                "64M",
                "--cpu-quota",
                "20000",
                "--cpu-period",
                "50000",
                "--pids-limit",
                "20",
                "--cpuset-cpus",
                "0",
                &id,
            ],
        );
        assert!(out.ok(), "{tag} update: {}", out.stderr);
        let flags = read_all(&path);
        let out = lab.rt(runc, &["update", "--resources", s(&res), &id]);
        assert!(out.ok(), "{tag} update --resources: {}", out.stderr);
        let file = read_all(&path);
        assert!(lab.rt(runc, &["kill", &id, "KILL"]).ok(), "{tag} kill");
        lab.wait_stopped(runc, &id);
        let out = lab.rt(runc, &["update", "--pids-limit", "10", &id]);
        assert!(!out.ok(), "{tag}: updated a stopped container");
        assert!(lab.rt(runc, &["delete", &id]).ok(), "{tag} delete");
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push((created, flags, file));
    }
    let (created, flags, file) = &seen[0];
    let want = |v: [&str; 6]| -> Vec<String> {
        if v1 {
            v.map(str::to_string).to_vec()
        } else {
            let cpu_max = format!("{} {}", v[1], v[2]);
            vec![
                v[0].into(),
                cpu_max.clone(),
                cpu_max,
                v[3].into(),
                v[4].into(),
                v[5].into(),
            ]
        }
    };
    assert_eq!(
        *created,
        want(["33554432", "50000", "100000", "50", "1", "0"])
    );
    assert_eq!(*flags, want(["67108864", "20000", "50000", "20", "0", "0"]));
    assert_eq!(
        *file,
        want(["50331648", "20000", "50000", "30", "0-1", "0"])
    );
    seen.dedup();
    assert_eq!(seen.len(), 1, "contlab and runc differ: {seen:?}");
}

/// CPU time (utime + stime, clock ticks) of process `pid`.
fn cpu_ticks(pid: i64) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
}

/// `pause` freezes the container (a busy loop gets no CPU time while the state says
/// "paused"), `resume` thaws it, and `delete --force` removes a paused one with nothing
/// left behind, as with runc.
#[test]
fn pause_and_resume_as_with_runc() {
    common::require_root("pause_and_resume_as_with_runc needs root");
    let lab = Lab::new("pause");
    let nap = || std::thread::sleep(std::time::Duration::from_millis(300));
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("pause-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["process"]["args"] = json!(["sh", "-c", "while :; do :; done"]);
        });
        assert!(
            lab.rt(runc, &["create", "--bundle", s(&b), &id]).ok(),
            "{tag} create"
        );
        assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
        let pid = lab.state(runc, &id)["pid"].as_i64().expect("pid");
        let out = lab.rt(runc, &["resume", &id]);
        assert!(!out.ok(), "{tag}: resumed a running container");
        let out = lab.rt(runc, &["pause", &id]);
        assert!(out.ok(), "{tag} pause: {}", out.stderr);
        assert_eq!(lab.state(runc, &id)["status"], "paused", "{tag}");
        let before = cpu_ticks(pid);
        nap();
        assert_eq!(cpu_ticks(pid), before, "{tag}: a paused process ran");
        let out = lab.rt(runc, &["resume", &id]);
        assert!(out.ok(), "{tag} resume: {}", out.stderr);
        assert_eq!(lab.state(runc, &id)["status"], "running", "{tag}");
        let before = cpu_ticks(pid);
        nap();
        assert!(
            cpu_ticks(pid) > before,
            "{tag}: a resumed process got no CPU"
        );
        assert!(lab.rt(runc, &["pause", &id]).ok(), "{tag} pause again");
        let out = lab.rt(runc, &["delete", &id]);
        assert!(
            !out.ok(),
            "{tag}: deleted a paused container without --force"
        );
        let out = lab.rt(runc, &["delete", "--force", &id]);
        assert!(out.ok(), "{tag} delete --force: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }
}

/// A file holding `preserved`, opened read-write, for a command that reads its first
/// line from fd 3 and writes `got …` back through the same fd.
fn fd3_file(lab: &Lab, name: &str) -> (PathBuf, std::fs::File) {
    let path = lab.work.path().join(name);
    std::fs::write(&path, "preserved\n").expect("write");
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .expect("open");
    (path, f)
}

/// The rest of `exec`'s contract, as conmon and containerd use it: `--detach` returns
/// while the command runs, `--pid-file` names it (its host pid, in the container's
/// cgroup), `--preserve-fds` hands fd 3 over (also to `create`'s process), and the
/// container's seccomp filter holds for an exec'd process as for its PID 1. The same
/// under runc.
#[test]
fn exec_detach_pid_file_preserve_fds_and_seccomp_as_with_runc() {
    common::require_root("exec_detach_pid_file_preserve_fds_and_seccomp_as_with_runc needs root");
    let lab = Lab::new("exec-more");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("more-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["process"]["args"] = json!(["sh", "-c", "read x <&3; echo \"got $x\" >&3; exec sleep 1000"]);
            v["linux"]["seccomp"] = json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "architectures": ["SCMP_ARCH_X86_64"],
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
            });
        });
        let (created_path, created_file) = fd3_file(&lab, &format!("create-fd3-{tag}"));
        let out = lab.rt_with_fd3(
            runc,
            &["create", "--preserve-fds", "1", "--bundle", s(&b), &id],
            &created_file,
        );
        assert!(out.ok(), "{tag} create --preserve-fds: {}", out.stderr);
        drop(created_file);
        assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let created = loop {
            let text = std::fs::read_to_string(&created_path).unwrap_or_default();
            if text.contains("got") || std::time::Instant::now() > deadline {
                break text;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(
            created, "preserved\ngot preserved\n",
            "{tag}: create's fd 3"
        );

        // The container's filter: mkdir is refused to an exec'd process too.
        let filtered = lab.rt(runc, &["exec", &id, "sh", "-c", "mkdir /tmp/d; echo $?"]);
        assert!(filtered.ok(), "{tag} exec: {}", filtered.stderr);
        assert_eq!(filtered.stdout, "1\n", "{tag}: mkdir was not filtered");

        let (exec_path, exec_file) = fd3_file(&lab, &format!("exec-fd3-{tag}"));
        let out = lab.rt_with_fd3(
            runc,
            &[
                "exec",
                "--preserve-fds",
                "1",
                &id,
                "sh",
                "-c",
                "read x <&3; echo \"got $x\" >&3",
            ],
            &exec_file,
        );
        assert!(out.ok(), "{tag} exec --preserve-fds: {}", out.stderr);
        let execd = std::fs::read_to_string(&exec_path).expect("read");
        assert_eq!(execd, "preserved\ngot preserved\n", "{tag}: exec's fd 3");

        let pid_file = lab.work.path().join(format!("exec-{tag}.pid"));
        let started = std::time::Instant::now();
        let out = lab.rt(
            runc,
            &[
                "exec",
                "--detach",
                "--pid-file",
                s(&pid_file),
                &id,
                "sleep",
                "777",
            ],
        );
        assert!(out.ok(), "{tag} exec --detach: {}", out.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{tag}: exec --detach waited for the command"
        );
        let pid = std::fs::read_to_string(&pid_file).expect("the pid file is written");
        assert!(
            pid.chars().all(|c| c.is_ascii_digit()),
            "{tag}: pid file {pid:?}"
        );
        // The pid file names the process before its execve may be done (runc's init
        // shows an empty command line for a moment under load): wait for it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let cmdline = loop {
            let c = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if c == "sleep\x00777\x00" || std::time::Instant::now() > deadline {
                break c;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(
            cmdline, "sleep\x00777\x00",
            "{tag}: the detached command runs"
        );
        let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        assert!(cgroup.contains(&lab.cgroup_path(&id)), "{tag}: {cgroup}");
        let out = lab.rt(runc, &["delete", "--force", &id]);
        assert!(out.ok(), "{tag} delete --force: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push(created + &filtered.stdout + &execd + &cmdline);
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "contlab and runc differ: {seen:?}");
}

/// `exec --detach --tty --console-socket` (conmon's `podman exec -t`): the command gets
/// a terminal of the container's own devpts and the caller gets its master over the
/// socket (SCM_RIGHTS), as with runc.
#[test]
fn exec_tty_sends_the_terminal_to_the_console_socket_as_with_runc() {
    common::require_root(
        "exec_tty_sends_the_terminal_to_the_console_socket_as_with_runc needs root",
    );
    let lab = Lab::new("exec-tty");
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("tty-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |_| {});
        assert!(
            lab.rt(runc, &["create", "--bundle", s(&b), &id]).ok(),
            "{tag} create"
        );
        assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
        let sock = lab.work.path().join(format!("console-{tag}.sock"));
        let listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
        let receiver = std::thread::spawn(move || -> Option<std::fs::File> {
            use std::os::fd::{AsRawFd, FromRawFd};
            let (conn, _) = listener.accept().ok()?;
            let mut buf = [0u8; 256];
            let mut iov = [std::io::IoSliceMut::new(&mut buf)];
            let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
            let msg = nix::sys::socket::recvmsg::<()>(
                conn.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                nix::sys::socket::MsgFlags::empty(),
            )
            .ok()?;
            for c in msg.cmsgs().ok()? {
                if let nix::sys::socket::ControlMessageOwned::ScmRights(fds) = c {
                    // SAFETY: the fd just arrived with SCM_RIGHTS; nothing else owns it.
                    return fds
                        .first()
                        .map(|fd| unsafe { std::fs::File::from_raw_fd(*fd) });
                }
            }
            None
        });
        let out = lab.rt(
            runc,
            &[
                "exec",
                "--detach",
                "--tty",
                "--console-socket",
                s(&sock),
                &id,
                "sh",
                "-c",
                "tty; echo hi",
            ],
        );
        assert!(out.ok(), "{tag} exec --tty: {}", out.stderr);
        let mut master = receiver
            .join()
            .expect("receiver")
            .expect("a terminal arrived");
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut master, &mut text);
        let text = String::from_utf8_lossy(&text).replace('\r', "");
        assert!(text.starts_with("/dev/pts/"), "{tag}: {text:?}");
        assert!(text.ends_with("hi\n"), "{tag}: {text:?}");
        assert!(
            lab.rt(runc, &["delete", "--force", &id]).ok(),
            "{tag} delete"
        );
    }
}

/// Unmounts what a test mounted at a host path (each mount stacked there, with what is
/// below it), also when the test fails.
struct HostMount(PathBuf);

impl Drop for HostMount {
    fn drop(&mut self) {
        while nix::mount::umount2(&self.0, nix::mount::MntFlags::MNT_DETACH).is_ok() {}
    }
}

/// The recursive options (`rro`, `rnosuid`, …) reach the mounts below a bind, as
/// runc's `mount_setattr(AT_RECURSIVE)` does; a plain `ro` stops at the bind itself.
#[test]
fn recursive_mount_options_reach_submounts_as_with_runc() {
    common::require_root("recursive_mount_options_reach_submounts_as_with_runc needs root");
    let lab = Lab::new("rro");
    let src = lab.work.path().join("rro-src");
    std::fs::create_dir_all(src.join("sub")).expect("mkdir");
    nix::mount::mount(
        Some("tmpfs"),
        &src.join("sub"),
        Some("tmpfs"),
        nix::mount::MsFlags::empty(),
        Some("size=1m"),
    )
    .expect("a tmpfs below the bind's source");
    let _guard = HostMount(src.join("sub"));
    let script = "for d in /ro /ro/sub /plain /plain/sub; do \
        touch $d/f 2>&1 && echo \"$d writable\"; \
        grep \" $d \" /proc/self/mountinfo | cut -d' ' -f6; done";
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("rro-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            let mounts = v["mounts"].as_array_mut().expect("mounts");
            mounts.push(
                json!({"destination": "/ro", "type": "bind", "source": s(&src),
                "options": ["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnoatime",
                            "rnosymfollow"]}),
            );
            mounts.push(
                json!({"destination": "/plain", "type": "bind", "source": s(&src),
                "options": ["rbind", "ro"]}),
            );
            v["process"]["args"] = json!(["sh", "-c", script]);
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push((tag, out.stdout));
    }
    let contlab = &seen[0].1;
    assert!(
        contlab.contains("/ro/sub/f: Read-only file system"),
        "an rro submount is writable: {contlab}"
    );
    assert!(contlab.contains("/plain/sub writable"), "{contlab}");
    let lines: Vec<&str> = contlab.lines().collect();
    let sub = lines
        .iter()
        .position(|l| l.contains("/ro/sub/f"))
        .and_then(|i| lines.get(i + 1))
        .expect("the submount's options");
    assert_eq!(
        *sub, "ro,nosuid,nodev,noexec,noatime,nosymfollow",
        "{contlab}"
    );
    if let Some((_, runc)) = seen.get(1) {
        assert_eq!(contlab, runc, "contlab and runc differ");
    }
    // The host's own mount stays writable: the attributes went to the container's copy.
    std::fs::write(src.join("sub").join("host"), "x").expect("the host's tmpfs is writable");
}

/// The optional fields of the container's `/` in its mountinfo (`shared`, `master`,
/// `unbindable`), without their peer group numbers.
fn root_propagation(mountinfo: &str) -> String {
    let line = mountinfo
        .lines()
        .rev()
        .find(|l| l.split(' ').nth(4) == Some("/"))
        .unwrap_or("");
    line.split(' ')
        .skip(6)
        .take_while(|f| *f != "-")
        .map(|f| f.split(':').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `linux.rootfsPropagation` gives the container's `/` the propagation runc gives it;
/// a value runc does not know is refused by name.
#[test]
fn rootfs_propagation_as_with_runc() {
    common::require_root("rootfs_propagation_as_with_runc needs root");
    let lab = Lab::new("prop");
    for value in [
        "private",
        "rprivate",
        "slave",
        "rslave",
        "shared",
        "rshared",
        // Not runbindable: nothing below an unbindable `/` can be bound then, neither
        // the host's cgroup directories nor `/dev/null` over a masked path, under runc
        // (which does the same binds after the same step) as under contlab.
        "unbindable",
    ] {
        let want = match value.trim_start_matches('r') {
            "shared" => "shared",
            "unbindable" => "unbindable",
            _ => "",
        };
        let mut seen = Vec::new();
        for (runc, tag) in runtimes() {
            // runc applies shared and unbindable to `/` after pivot_root since 1.2; an
            // older runc (Debian 12 has 1.1.5) leaves `/` private for shared and fails to
            // bind the rootfs under an unbindable `/`, so only the private and slave
            // values are compared with the runc installed.
            if runc && !want.is_empty() {
                continue;
            }
            let id = lab.id(&format!("prop-{value}-{tag}"));
            let b = lab.bundle_for(&format!("b-{value}-{tag}"), &id, |v| {
                v["linux"]["rootfsPropagation"] = json!(value);
                v["process"]["args"] = json!(["cat", "/proc/self/mountinfo"]);
            });
            let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
            assert!(out.ok(), "{tag} {value}: {}", out.stderr);
            if !runc {
                assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
            }
            seen.push(root_propagation(&out.stdout));
        }
        assert_eq!(seen[0], want, "contlab, {value}");
        if let Some(runc) = seen.get(1) {
            assert_eq!(&seen[0], runc, "contlab and runc differ for {value}");
        }
    }
    lab.assert_refused(
        "prop-bad",
        |v| v["linux"]["rootfsPropagation"] = json!("sideways"),
        "\"sideways\"",
    );
}

/// `createContainer` runs in the container's namespaces before `pivot_root` (a host
/// path, the root filesystem as its cwd), `startContainer` after `start` inside the
/// container, each with the state on stdin, as under runc.
#[test]
fn create_and_start_container_hooks_as_with_runc() {
    common::require_root("create_and_start_container_hooks_as_with_runc needs root");
    let lab = Lab::new("hooks");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("hooks-{tag}"));
        let out_dir = lab.work.path().join(format!("hooks-{tag}"));
        std::fs::create_dir(&out_dir).expect("mkdir");
        let create = format!(
            "cat > {d}/create.json; (readlink /proc/self/ns/mnt; readlink /proc/self/ns/pid) > {d}/create.ns; \
             pwd > {d}/create.cwd",
            d = out_dir.display()
        );
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["hooks"] = json!({
                "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", create]}],
                "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > /dev/shm/start.json"]}]
            });
            v["process"]["args"] = json!([
                "sh", "-c",
                "readlink /proc/self/ns/mnt; readlink /proc/self/ns/pid; cat /dev/shm/start.json"
            ]);
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        let read = |f: &str| std::fs::read_to_string(out_dir.join(f)).unwrap_or_default();
        let mut lines = out.stdout.lines();
        let container_ns = format!(
            "{}\n{}\n",
            lines.next().unwrap_or(""),
            lines.next().unwrap_or("")
        );
        let start: Value = serde_json::from_str(lines.next().unwrap_or("")).expect("start state");
        let create: Value = serde_json::from_str(&read("create.json")).expect("create state");
        assert_eq!(
            read("create.ns"),
            container_ns,
            "{tag}: createContainer's namespaces"
        );
        assert_eq!(
            read("create.cwd").trim(),
            b.join("rootfs").to_string_lossy(),
            "{tag}: createContainer's cwd"
        );
        seen.push((
            tag,
            create["status"].clone(),
            create["pid"].clone(),
            create["id"] == json!(id),
            start["status"].clone(),
            start["pid"].clone(),
        ));
    }
    assert_eq!(
        seen[0],
        (
            "contlab",
            json!("creating"),
            json!(1),
            true,
            json!("created"),
            json!(1)
        )
    );
    if let Some(r) = seen.get(1) {
        assert_eq!(
            (&seen[0].1, &seen[0].4),
            (&r.1, &r.4),
            "contlab and runc differ"
        );
        assert_eq!(
            (&seen[0].2, &seen[0].5),
            (&r.2, &r.5),
            "contlab and runc differ"
        );
    }
    // A failing createContainer hook fails `create` and leaves nothing.
    let id = lab.id("hooks-fail");
    let b = lab.bundle_for("b-fail", &id, |v| {
        v["hooks"] = json!({"createContainer": [{"path": "/bin/false"}]});
    });
    let out = lab.contlab(&["create", "--bundle", s(&b), &id]);
    assert!(!out.ok(), "a failing createContainer hook was ignored");
    assert!(out.stderr.contains("createContainer"), "{}", out.stderr);
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

/// A failing `startContainer` hook fails `run` with a sentence that names the hook and
/// its exit, as runc's "error running hook #0" does, with runc's exit code; nothing is
/// left.
#[test]
fn a_failing_start_container_hook_is_reported_as_with_runc() {
    common::require_root("a_failing_start_container_hook_is_reported_as_with_runc needs root");
    let lab = Lab::new("starthook");
    let mut codes = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("starthook-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["hooks"] = json!({"startContainer": [
                {"path": "/bin/sh", "args": ["sh", "-c", "echo no start >&2; exit 3"]}
            ]});
            v["process"]["args"] = json!(["echo", "the command ran"]);
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(
            !out.ok(),
            "{tag}: a failing startContainer hook was ignored"
        );
        assert!(
            !out.stdout.contains("the command ran"),
            "{tag}: the command ran after its startContainer hook failed"
        );
        assert!(
            out.stderr.contains("error running hook #0"),
            "{tag}: {}",
            out.stderr
        );
        if !runc {
            for part in ["startContainer", "/bin/sh", "status 3", "no start"] {
                assert!(out.stderr.contains(part), "no {part:?} in: {}", out.stderr);
            }
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        } else {
            let _ = lab.runc(&["delete", "--force", &id]);
        }
        codes.push((tag, out.code));
    }
    if let [(_, ours), (_, theirs)] = codes[..] {
        assert_eq!(ours, theirs, "contlab's and runc's exit codes differ");
    }
}

/// uid and gid maps that differ from each other, with more than one range, are
/// written as given, as runc writes them; the command sees its ids through them.
#[test]
fn differing_uid_and_gid_maps_as_with_runc() {
    common::require_root("differing_uid_and_gid_maps_as_with_runc needs root");
    let lab = Lab::new("maps");
    let script = "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g";
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("maps-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["namespaces"]
                .as_array_mut()
                .expect("namespaces")
                .push(json!({"type": "user"}));
            v["linux"]["uidMappings"] = json!([
                {"containerID": 0, "hostID": 100000, "size": 1000},
                {"containerID": 1000, "hostID": 300000, "size": 64536}
            ]);
            v["linux"]["gidMappings"] =
                json!([{"containerID": 0, "hostID": 200000, "size": 65536}]);
            v["process"]["user"] = json!({"uid": 1001, "gid": 7});
            v["process"]["args"] = json!(["sh", "-c", script]);
        });
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        let words: Vec<String> = out.stdout.split_whitespace().map(str::to_string).collect();
        seen.push(words);
    }
    assert_eq!(
        seen[0].join(" "),
        "0 100000 1000 1000 300000 64536 0 200000 65536 1001 7"
    );
    if let Some(runc) = seen.get(1) {
        assert_eq!(&seen[0], runc, "contlab and runc differ");
    }
    // One list without the other is refused by name.
    let id = lab.id("maps-one-sided");
    let b = lab.bundle_for("b-one-sided", &id, |v| {
        v["linux"]["namespaces"]
            .as_array_mut()
            .expect("namespaces")
            .push(json!({"type": "user"}));
        v["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 1000}]);
    });
    let out = lab.contlab(&["create", "--bundle", s(&b), &id]);
    assert!(!out.ok(), "a uid map without a gid map was accepted");
    assert!(out.stderr.contains("gidMappings"), "{}", out.stderr);
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

/// `--no-pivot` (runc's flag, once refused) runs the container with its root moved onto
/// `/` and chrooted: the same `/`, a working `/proc`, and `exec` joining it, with and
/// without the flag, as under runc.
#[test]
fn no_pivot_runs_the_container_as_with_runc() {
    common::require_root("no_pivot_runs_the_container_as_with_runc needs root");
    let lab = Lab::new("nopivot");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        for flag in [true, false] {
            let id = lab.id(&format!("nopivot-{tag}-{flag}"));
            let b = lab.bundle_for(&format!("b-{tag}-{flag}"), &id, |_| {});
            let mut args = vec!["create", "--bundle", s(&b)];
            if flag {
                args.push("--no-pivot");
            }
            args.push(&id);
            let out = lab.rt(runc, &args);
            assert!(out.ok(), "{tag} create (no-pivot {flag}): {}", out.stderr);
            assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
            let out = lab.rt(
                runc,
                &[
                    "exec",
                    &id,
                    "sh",
                    "-c",
                    "ls /; cat /proc/1/comm; ls /proc/1/root/",
                ],
            );
            assert!(out.ok(), "{tag} exec: {}", out.stderr);
            assert!(
                lab.rt(runc, &["delete", "--force", &id]).ok(),
                "{tag} delete"
            );
            if !runc {
                assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
            }
            seen.push(out.stdout);
        }
    }
    assert!(
        seen[0].contains("\nsleep\n"),
        "contlab --no-pivot: {}",
        seen[0]
    );
    assert_eq!(seen[0], seen[1], "the same root either way");
    if seen.len() == 4 {
        assert_eq!(seen[..2], seen[2..], "contlab and runc differ");
    }
}

/// Without a mount namespace the container keeps the host's, its root set up there and
/// entered with chroot, as runc does; nothing stays mounted on the host afterwards.
/// Masked or read-only paths would be the host's, so they are refused, as by runc.
#[test]
fn no_mount_namespace_runs_in_the_hosts_as_with_runc() {
    common::require_root("no_mount_namespace_runs_in_the_hosts_as_with_runc needs root");
    let lab = Lab::new("nomnt");
    let host_mnt = std::fs::read_link("/proc/self/ns/mnt").expect("mnt ns");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("nomnt-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["namespaces"]
                .as_array_mut()
                .expect("namespaces")
                .retain(|n| n["type"] != "mount");
            v["linux"]["maskedPaths"] = json!([]);
            v["linux"]["readonlyPaths"] = json!([]);
            v["process"]["args"] = json!(["sh", "-c", "readlink /proc/self/ns/mnt; ls /"]);
        });
        // runc mounts the bundle's mounts in the host's namespace and leaves them there
        // (its rootfs bound onto itself first): the guard takes them all away.
        let _runc_mounts = runc.then(|| HostMount(b.join("rootfs")));
        let out = lab.rt(runc, &["run", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        let (ns, rest) = out.stdout.split_once('\n').expect("two parts");
        assert_eq!(
            ns,
            host_mnt.to_string_lossy(),
            "{tag}: not the host's mount namespace"
        );
        let info = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
            assert!(!info.contains(&id), "a mount of {id} is left: {info}");
            assert!(
                !info.contains(s(&b)),
                "a mount in the bundle is left: {info}"
            );
        }
        seen.push(rest.to_string());
        let refused = lab.id(&format!("nomnt-masked-{tag}"));
        let b = lab.bundle_for(&format!("b-masked-{tag}"), &refused, |v| {
            v["linux"]["namespaces"]
                .as_array_mut()
                .expect("namespaces")
                .retain(|n| n["type"] != "mount");
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &refused]);
        assert!(
            !out.ok(),
            "{tag}: masked paths without a mount namespace were accepted"
        );
        if !runc {
            assert!(out.stderr.contains("maskedPaths"), "{}", out.stderr);
            assert_eq!(leftovers(&lab, &refused), Vec::<String>::new());
        }
    }
    assert!(seen[0].contains("bin\n"), "{}", seen[0]);
    if let Some(runc) = seen.get(1) {
        assert_eq!(&seen[0], runc, "contlab and runc differ");
    }
}

/// `linux.resources.memory` beyond the limit, written as runc 1.1 writes it: on v1
/// memory+swap, the soft limit, swappiness and the OOM killer switch (kernel memory
/// ignored with a warning); on v2 `memory.swap.max` (the swap alone) and `memory.low`.
/// A swappiness above 100 is refused by name.
#[test]
fn memory_swap_reservation_and_swappiness_as_with_runc() {
    common::require_root("memory_swap_reservation_and_swappiness_as_with_runc needs root");
    let layout = contlab::inspect::cgroups::CgroupLayout::detect().expect("mountinfo");
    let v1 = layout.v1_mount("memory").is_some();
    let files: &[&str] = if v1 {
        &[
            "memory.limit_in_bytes",
            "memory.memsw.limit_in_bytes",
            "memory.soft_limit_in_bytes",
            "memory.swappiness",
            "memory.oom_control",
        ]
    } else {
        &["memory.max", "memory.swap.max", "memory.low"]
    };
    // Swap is limited only where the kernel accounts it (swapaccount=1); without it
    // runc and contlab both refuse a swap limit, so it is left out.
    let swap_accounted = if v1 {
        cgroup_file("memory", "/", "memory.memsw.limit_in_bytes").exists()
    } else {
        let unified = layout.unified.clone().expect("a cgroup2 mount").mount;
        std::fs::read_dir(&unified)
            .expect("the cgroup2 mount")
            .flatten()
            .any(|e| e.path().join("memory.swap.max").exists())
    };
    let files: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| swap_accounted || !(f.contains("memsw") || f.contains("swap.max")))
        .collect();
    let lab = Lab::new("memory");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("mem-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["resources"]["memory"] = json!({
                "limit": 50593792, "reservation": 33554432, "kernel": 50593792
            });
            // v2 has no file for these two.
            if v1 {
                v["linux"]["resources"]["memory"]["swappiness"] = json!(10);
                v["linux"]["resources"]["memory"]["disableOOMKiller"] = json!(true);
            }
            if swap_accounted {
                v["linux"]["resources"]["memory"]["swap"] = json!(100663296);
            }
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        assert!(out.stderr.contains("ernel memory"), "{tag}: {}", out.stderr);
        assert!(!out.stderr.contains("error"), "{tag}: {}", out.stderr);
        let values: Vec<String> = files
            .iter()
            .map(|f| {
                let p = cgroup_file("memory", &lab.cgroup_path(&id), f);
                let text = std::fs::read_to_string(&p).unwrap_or_else(|e| format!("{e}"));
                // oom_control's counters may differ; its switch may not.
                text.lines().next().unwrap_or("").to_string()
            })
            .collect();
        let out = lab.rt(runc, &["delete", "--force", &id]);
        assert!(out.ok(), "{tag} delete: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push(values);
    }
    let want: Vec<&str> = if v1 {
        vec![
            "50593792",
            "100663296",
            "33554432",
            "10",
            "oom_kill_disable 1",
        ]
    } else {
        vec!["50593792", "50069504", "33554432"]
    };
    let want: Vec<&str> = want
        .into_iter()
        .filter(|w| swap_accounted || !["100663296", "50069504"].contains(w))
        .collect();
    assert_eq!(seen[0], want, "contlab");
    if let Some(r) = seen.get(1) {
        assert_eq!(&seen[0], r, "contlab and runc differ");
    }
    lab.assert_refused(
        "mem-swappiness",
        |v| v["linux"]["resources"]["memory"] = json!({"swappiness": 101}),
        "swappiness",
    );
}

/// A hook without `env` inherits one, as under runc: a `startContainer` hook the
/// command's environment (`process.env`), a `createRuntime` hook the runtime's own; a
/// hook with `env` gets only that.
#[test]
fn a_hook_without_env_inherits_one_as_with_runc() {
    common::require_root("a_hook_without_env_inherits_one_as_with_runc needs root");
    let lab = Lab::new("hook-env");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("henv-{tag}"));
        let d = lab.work.path().join(format!("henv-{tag}"));
        std::fs::create_dir(&d).expect("mkdir");
        // The container's hooks write into its own /dev/shm, which the command reads;
        // the runtime's hook writes on the host.
        let line = "ONE=$ONE PROC=$PROC HOOK=$HOOK PROBE=$CONTLAB_HOOK_PROBE";
        let probe = |to: String| json!({"path": "/bin/sh", "args": ["sh", "-c", format!("echo \"{line}\" > {to}")]});
        let mut explicit = probe("/dev/shm/explicit".into());
        explicit["env"] = json!(["HOOK=given"]);
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["process"]["env"]
                .as_array_mut()
                .expect("env")
                .extend([json!("ONE=two"), json!("PROC=yes")]);
            v["process"]["args"] = json!(["cat", "/dev/shm/start", "/dev/shm/explicit"]);
            v["hooks"] = json!({
                "startContainer": [probe("/dev/shm/start".into()), explicit],
                "createRuntime": [probe(format!("{}/runtime", d.display()))]
            });
        });
        let mut cmd = lab.command(runc, &["run", "--bundle", s(&b), &id]);
        cmd.env("CONTLAB_HOOK_PROBE", "host");
        let out = lab.exec(cmd);
        assert!(out.ok(), "{tag} run: {}", out.stderr);
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        let mut lines = out.stdout.lines().map(|l| format!("{l}\n"));
        let mut next = || lines.next().unwrap_or_default();
        let (start, explicit) = (next(), next());
        let runtime = std::fs::read_to_string(d.join("runtime")).unwrap_or_default();
        seen.push([start, explicit, runtime]);
    }
    assert_eq!(
        seen[0],
        [
            "ONE=two PROC=yes HOOK= PROBE=\n".to_string(),
            "ONE= PROC= HOOK=given PROBE=\n".to_string(),
            "ONE= PROC= HOOK= PROBE=host\n".to_string(),
        ],
        "contlab"
    );
    if let Some(r) = seen.get(1) {
        assert_eq!(&seen[0], r, "contlab and runc differ");
    }
}

/// Without a mount namespace the bundle's rootfs is bound onto itself while the
/// container lives, as runc binds it (youki's contest unmounts it so); contlab's
/// `delete` takes the bind away, and one already gone is no error.
#[test]
fn no_mount_namespace_leaves_the_rootfs_a_mount_point_as_with_runc() {
    common::require_root(
        "no_mount_namespace_leaves_the_rootfs_a_mount_point_as_with_runc needs root",
    );
    let lab = Lab::new("nomnt-bind");
    let is_mount = |p: &Path| {
        std::fs::read_to_string("/proc/self/mountinfo")
            .expect("mountinfo")
            .lines()
            .any(|l| l.split(' ').nth(4) == Some(s(p)))
    };
    for (runc, tag) in runtimes() {
        for unmount_first in [false, true] {
            let id = lab.id(&format!("nomntb-{tag}-{unmount_first}"));
            let b = lab.bundle_for(&format!("b-{tag}-{unmount_first}"), &id, |v| {
                v["linux"]["namespaces"]
                    .as_array_mut()
                    .expect("namespaces")
                    .retain(|n| n["type"] != "mount");
                v["linux"]["maskedPaths"] = json!([]);
                v["linux"]["readonlyPaths"] = json!([]);
            });
            let rootfs = b.join("rootfs");
            let _guard = HostMount(rootfs.clone());
            let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
            assert!(out.ok(), "{tag} create: {}", out.stderr);
            assert!(is_mount(&rootfs), "{tag}: the rootfs is not a mount point");
            let pid = lab.state(runc, &id)["pid"].as_i64().expect("pid");
            assert_eq!(
                std::fs::read_link(format!("/proc/{pid}/ns/mnt")).expect("ns"),
                std::fs::read_link("/proc/self/ns/mnt").expect("ns"),
                "{tag}"
            );
            if unmount_first {
                nix::mount::umount2(&rootfs, nix::mount::MntFlags::MNT_DETACH)
                    .expect("the rootfs unmounts, as contest unmounts it");
            }
            let out = lab.rt(runc, &["delete", "--force", &id]);
            assert!(out.ok(), "{tag} delete: {}", out.stderr);
            if !runc {
                assert!(!is_mount(&rootfs), "contlab left the rootfs bound");
                assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
            }
        }
    }
}

/// `exec` into a paused container is refused unless `--ignore-paused` is given; with
/// it, the command joins the frozen cgroup and runs once the container is resumed, as
/// with runc.
#[test]
fn exec_into_a_paused_container_needs_ignore_paused_as_with_runc() {
    common::require_root(
        "exec_into_a_paused_container_needs_ignore_paused_as_with_runc needs root",
    );
    let lab = Lab::new("ignore-paused");
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("paused-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |_| {});
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
        assert!(lab.rt(runc, &["pause", &id]).ok(), "{tag} pause");
        let out = lab.rt(runc, &["exec", &id, "echo", "refused"]);
        assert!(!out.ok(), "{tag}: exec into a paused container ran");
        assert!(out.stderr.contains("paused"), "{tag}: {}", out.stderr);
        assert!(
            out.stderr.contains("--ignore-paused"),
            "{tag}: {}",
            out.stderr
        );
        assert!(!out.stdout.contains("refused"), "{tag}: {}", out.stdout);
        // With the flag the command waits, frozen, until `resume`.
        let written = lab.work.path().join(format!("ignored-{tag}"));
        let mut cmd = lab.command(
            runc,
            &["exec", "--ignore-paused", &id, "echo", "ran once resumed"],
        );
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&written).expect("out file"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("exec runs");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let early = child.try_wait().expect("try_wait");
        let resumed = lab.rt(runc, &["resume", &id]);
        let status = child.wait().expect("exec ends");
        assert!(resumed.ok(), "{tag} resume: {}", resumed.stderr);
        assert_eq!(
            early, None,
            "{tag}: exec ended while the container was paused"
        );
        assert!(status.success(), "{tag}: exec --ignore-paused: {status}");
        assert_eq!(
            std::fs::read_to_string(&written).unwrap_or_default(),
            "ran once resumed\n",
            "{tag}"
        );
        assert!(
            lab.rt(runc, &["delete", "--force", &id]).ok(),
            "{tag} delete"
        );
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }
}

/// `start` after a detached `create` waits for the init to become the command: a
/// failing `startContainer` hook fails `start` with the hook's sentence (runc 1.1's
/// `start` says nothing and exits 0, its init's error going to a log no one reads),
/// the command never runs, and the container is stopped under both runtimes. The
/// poststart hooks run all the same, as under runc (youki's contest `hooks` expects it).
#[test]
fn start_reports_a_failing_start_container_hook() {
    common::require_root("start_reports_a_failing_start_container_hook needs root");
    let lab = Lab::new("start-report");
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("report-{tag}"));
        let ran = lab.work.path().join(format!("ran-{tag}"));
        let posted = lab.work.path().join(format!("poststart-{tag}"));
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["hooks"] = json!({
                "startContainer": [
                    {"path": "/bin/sh", "args": ["sh", "-c", "echo no start >&2; exit 3"]}
                ],
                "poststart": [
                    {"path": "/bin/sh", "args": ["sh", "-c", format!("echo post >> {}", s(&posted))]}
                ]
            });
            v["process"]["args"] = json!(["sh", "-c", "echo ran > /ran; sleep 1000"]);
            v["mounts"].as_array_mut().expect("mounts").push(json!({
                "destination": "/ran", "type": "bind", "source": s(&ran), "options": ["bind"]
            }));
        });
        std::fs::write(&ran, "").expect("ran file");
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        assert_eq!(lab.state(runc, &id)["status"], "created", "{tag}");
        let out = lab.rt(runc, &["start", &id]);
        if runc {
            assert!(out.ok(), "runc 1.1's start now fails: {}", out.stderr);
        } else {
            assert!(!out.ok(), "start ignored a failing startContainer hook");
            for part in [
                "error running hook #0",
                "startContainer",
                "status 3",
                "no start",
            ] {
                assert!(out.stderr.contains(part), "no {part:?} in: {}", out.stderr);
            }
        }
        let state = lab.wait_stopped(runc, &id);
        assert_eq!(state["status"], "stopped", "{tag}");
        assert_eq!(
            std::fs::read_to_string(&ran).unwrap_or_default(),
            "",
            "{tag}: the command ran after its startContainer hook failed"
        );
        assert_eq!(
            std::fs::read_to_string(&posted).unwrap_or_default(),
            "post\n",
            "{tag}: the poststart hooks"
        );
        assert!(lab.rt(runc, &["delete", &id]).ok(), "{tag} delete");
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
    }
    // A start that succeeds still returns at once, the command running.
    let id = lab.id("report-ok");
    let b = lab.bundle_for("b-ok", &id, |_| {});
    assert!(
        lab.contlab(&["create", "--bundle", s(&b), &id]).ok(),
        "create"
    );
    let out = lab.contlab(&["start", &id]);
    assert!(out.ok(), "start: {}", out.stderr);
    assert_eq!(lab.state(false, &id)["status"], "running");
    assert!(lab.contlab(&["delete", "--force", &id]).ok(), "delete");
    assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
}

/// The `update` flags runc 1.1 has beside memory, CPU, cpuset and pids: the memory
/// reservation (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`), the real-time CPU
/// limits (v1 `cpu.rt_*`; v2 has none: runc ignores them there, contlab refuses them
/// by name), the block I/O weight (applied where runc applies it: contlab succeeds
/// wherever runc does, with the same value), and the kernel memory limits, ignored
/// with runc 1.1's warning, from flags and from `--resources`.
#[test]
fn update_flags_runc_has_as_with_runc() {
    common::require_root("update_flags_runc_has_as_with_runc needs root");
    let lab = Lab::new("update-more");
    let layout = contlab::inspect::cgroups::CgroupLayout::detect().expect("mountinfo");
    let v1 = layout.v1_mount("memory").is_some();
    let kmem = lab.work.path().join("kmem.json");
    std::fs::write(
        &kmem,
        r#"{"memory": {"kernel": 10485760, "kernelTCP": 1048576}}"#,
    )
    .expect("kmem.json");
    let mut seen = Vec::new();
    for (runc, tag) in runtimes() {
        let id = lab.id(&format!("more-{tag}"));
        let path = lab.cgroup_path(&id);
        let b = lab.bundle_for(&format!("b-{tag}"), &id, |v| {
            v["linux"]["resources"] = json!({"memory": {"limit": 67108864}});
        });
        let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
        assert!(out.ok(), "{tag} create: {}", out.stderr);
        assert!(lab.rt(runc, &["start", &id]).ok(), "{tag} start");
        let read = |c: &str, f: &str| {
            std::fs::read_to_string(cgroup_file(c, &path, f))
                .map(|t| t.trim().to_string())
                .unwrap_or_else(|e| format!("{f}: {e}"))
        };
        let out = lab.rt(runc, &["update", "--memory-reservation", "16M", &id]);
        assert!(out.ok(), "{tag} --memory-reservation: {}", out.stderr);
        let reservation = read(
            "memory",
            if v1 {
                "memory.soft_limit_in_bytes"
            } else {
                "memory.low"
            },
        );
        for args in [
            vec!["update", "--kernel-memory", "10M", &id],
            vec!["update", "--kernel-memory-tcp", "1M", &id],
            vec!["update", "-r", s(&kmem), &id],
        ] {
            let out = lab.rt(runc, &args);
            assert!(out.ok(), "{tag} {args:?}: {}", out.stderr);
            assert!(
                out.stderr
                    .contains("Kernel memory settings are ignored and will be removed"),
                "{tag} {args:?}: {}",
                out.stderr
            );
        }
        // Real time: the parent's budget first, as the kernel shares it downwards.
        let rt = if v1 {
            let parent = cgroup_file("cpu", &format!("/{}", lab.parent), "cpu.rt_runtime_us");
            if parent.exists() {
                std::fs::write(&parent, "10000").expect("the parent's rt budget");
            }
            let out = lab.rt(
                runc,
                &[
                    "update",
                    "--cpu-rt-period",
                    "100000",
                    "--cpu-rt-runtime",
                    "1000",
                    &id,
                ],
            );
            if parent.exists() {
                assert!(out.ok(), "{tag} --cpu-rt-*: {}", out.stderr);
            }
            format!(
                "{} {}",
                read("cpu", "cpu.rt_period_us"),
                read("cpu", "cpu.rt_runtime_us")
            )
        } else {
            let out = lab.rt(runc, &["update", "--cpu-rt-runtime", "1000", &id]);
            if !runc {
                assert!(
                    !out.ok(),
                    "contlab accepted a real-time limit cgroup v2 lacks"
                );
                assert!(out.stderr.contains("cpu.rt_runtime_us"), "{}", out.stderr);
            }
            String::new()
        };
        let out = lab.rt(runc, &["update", "--blkio-weight", "500", &id]);
        let weight = if out.ok() {
            let (c, files) = if v1 {
                ("blkio", ["blkio.bfq.weight", "blkio.weight"])
            } else {
                ("io", ["io.bfq.weight", "io.weight"])
            };
            files
                .iter()
                .map(|f| read(c, f))
                .find(|t| !t.contains(": "))
                .unwrap_or_default()
        } else {
            if !runc {
                assert!(
                    out.stderr.contains("weight") && out.stderr.lines().count() == 1,
                    "{}",
                    out.stderr
                );
            }
            "refused".to_string()
        };
        let out = lab.rt(runc, &["update", "--blkio-weight", "5", &id]);
        assert!(!out.ok(), "{tag}: a block I/O weight of 5 was taken");
        assert!(
            lab.rt(runc, &["delete", "--force", &id]).ok(),
            "{tag} delete"
        );
        if !runc {
            assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
        }
        seen.push((tag, reservation, rt, weight));
    }
    eprintln!("update: {seen:?}");
    let (_, reservation, rt, _) = &seen[0];
    assert_eq!(reservation, "16777216");
    if v1 && !rt.is_empty() && !rt.contains(": ") {
        assert_eq!(rt, "100000 1000");
    }
    if let [(_, r1, rt1, w1), (_, r2, rt2, w2)] = &seen[..] {
        assert_eq!((r1, rt1), (r2, rt2), "contlab and runc differ");
        // Set inclusion: a weight runc applies, contlab applies the same.
        if w2 != "refused" {
            assert_eq!(
                w1, w2,
                "runc applied a block I/O weight that contlab did not"
            );
        }
    }
}

/// A whole disk of this machine as `MAJOR:MINOR`: the one holding `/` (its disk when
/// `/` is on a partition), else the first in `/sys/block` that is not a loop, RAM or
/// zram device.
fn a_disk() -> String {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let root = mountinfo.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.get(4) == Some(&"/")).then(|| f[2].to_string())
    });
    let whole = |dev: &str| -> Option<String> {
        let sys = PathBuf::from(format!("/sys/dev/block/{dev}"));
        let sys = if sys.join("partition").exists() {
            sys.join("..")
        } else {
            sys
        };
        std::fs::read_to_string(sys.join("dev"))
            .ok()
            .map(|t| t.trim().to_string())
    };
    if let Some(d) = root.as_deref().and_then(whole) {
        return d;
    }
    let mut disks: Vec<PathBuf> = std::fs::read_dir("/sys/block")
        .expect("/sys/block")
        .flatten()
        .map(|e| e.path())
        .collect();
    disks.sort();
    disks
        .iter()
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            !["loop", "ram", "zram"].iter().any(|x| n.starts_with(x))
        })
        .find_map(|p| std::fs::read_to_string(p.join("dev")).ok())
        .map(|t| t.trim().to_string())
        .expect("a block device in /sys/block")
}

/// `linux.resources.blockIO` and the real-time CPU limits at `create`, beside runc on
/// the same bundles: a weight with throttles on this machine's disk (where the disks'
/// scheduler gives no weight file, both refuse the bundle, contlab with one sentence
/// and nothing left), then the throttles with `realtimePeriod`/`realtimeRuntime` alone
/// (v1: `blkio.throttle.*` and `cpu.rt_*`, the parent given a real-time budget first;
/// v2: `io.max`, the real-time values ignored as runc ignores them, with a warning).
/// A weight out of range, a disk that does not exist and a runtime beyond its period
/// are refused with nothing left.
#[test]
fn block_io_and_realtime_at_create_as_with_runc() {
    common::require_root("block_io_and_realtime_at_create_as_with_runc needs root");
    let layout = contlab::inspect::cgroups::CgroupLayout::detect().expect("mountinfo");
    let v1 = layout.v1_mount("memory").is_some();
    let disk = a_disk();
    let (major, minor) = disk.split_once(':').expect("MAJOR:MINOR");
    let (major, minor): (i64, i64) = (major.parse().unwrap(), minor.parse().unwrap());
    let lab = Lab::new("blkio");
    // The kernel shares real-time time downwards: the parent gets a budget before each
    // create (contlab's teardown removes its emptied parent, budget and all).
    let rt = v1 && cgroup_file("cpu", "/", "cpu.rt_runtime_us").exists();
    let budget = || {
        if rt {
            let parent = cgroup_file("cpu", &format!("/{}", lab.parent), "");
            std::fs::create_dir_all(&parent).expect("the parent's cpu cgroup");
            // Room for several: a sibling just removed holds its share until the
            // kernel frees it, a moment later.
            std::fs::write(parent.join("cpu.rt_runtime_us"), "50000").expect("its rt budget");
        }
    };
    let dev = |rate: u64| json!([{"major": major, "minor": minor, "rate": rate}]);
    let throttles = json!({
        "throttleReadBpsDevice": dev(1048576),
        "throttleWriteBpsDevice": dev(2097152),
        "throttleReadIOPSDevice": dev(100),
        "throttleWriteIOPSDevice": dev(200),
    });
    let mut weighted = throttles.clone();
    weighted["weight"] = json!(500);
    let files: Vec<(&str, &str)> = if v1 {
        vec![
            ("blkio", "blkio.throttle.read_bps_device"),
            ("blkio", "blkio.throttle.write_bps_device"),
            ("blkio", "blkio.throttle.read_iops_device"),
            ("blkio", "blkio.throttle.write_iops_device"),
            ("blkio", "blkio.weight"),
            ("blkio", "blkio.bfq.weight"),
            ("cpu", "cpu.rt_period_us"),
            ("cpu", "cpu.rt_runtime_us"),
        ]
    } else {
        vec![
            ("io", "io.max"),
            ("io", "io.weight"),
            ("io", "io.bfq.weight"),
        ]
    };
    let mut seen = Vec::new();
    for (name, block_io) in [("weighted", &weighted), ("throttled", &throttles)] {
        let mut results = Vec::new();
        for (runc, tag) in runtimes() {
            let id = lab.id(&format!("{name}-{tag}"));
            let b = lab.bundle_for(&format!("b-{name}-{tag}"), &id, |v| {
                v["linux"]["resources"]["blockIO"] = block_io.clone();
                if rt || !v1 {
                    v["linux"]["resources"]["cpu"] =
                        json!({"realtimePeriod": 100000, "realtimeRuntime": 1000});
                }
            });
            budget();
            let out = lab.rt(runc, &["create", "--bundle", s(&b), &id]);
            let values: Vec<String> = if out.ok() {
                files
                    .iter()
                    .map(|(c, f)| {
                        std::fs::read_to_string(cgroup_file(c, &lab.cgroup_path(&id), f))
                            .map(|t| t.trim().to_string())
                            .unwrap_or_else(|_| "-".into())
                    })
                    .collect()
            } else {
                eprintln!("{tag} {name}: {}", out.stderr.trim());
                vec!["refused".into()]
            };
            if !runc {
                if out.ok() {
                    assert!(!out.stderr.contains("error"), "{name}: {}", out.stderr);
                    assert_eq!(out.stderr.contains("realtime"), !v1, "{}", out.stderr);
                } else {
                    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
                    assert!(out.stderr.contains("weight"), "{name}: {}", out.stderr);
                }
            }
            let _ = lab.rt(runc, &["delete", "--force", &id]);
            if !runc {
                assert_eq!(leftovers(&lab, &id), Vec::<String>::new());
            }
            results.push((tag, values));
        }
        eprintln!("{name}: {results:?}");
        if let [(_, c), (_, r)] = &results[..] {
            assert_eq!(c, r, "{name}: contlab and runc differ");
        }
        seen.push(results.swap_remove(0).1);
    }
    // The throttles and the real-time limits apply on this machine under contlab.
    let throttled = &seen[1];
    let want: Vec<String> = if v1 {
        let rt = if rt {
            ["100000", "1000"].map(String::from)
        } else {
            ["-", "-"].map(String::from)
        };
        [1048576, 2097152, 100, 200]
            .iter()
            .map(|r| format!("{disk} {r}"))
            .chain(throttled[4..6].iter().cloned())
            .chain(rt)
            .collect()
    } else {
        std::iter::once(format!(
            "{disk} rbps=1048576 wbps=2097152 riops=100 wiops=200"
        ))
        .chain(throttled[1..].iter().cloned())
        .collect()
    };
    assert_eq!(throttled, &want, "contlab's cgroup files");
    // v2 without BFQ: the weight in io.weight, scaled as runc scales it.
    let weighted = &seen[0];
    if !v1 && weighted.len() > 2 && weighted[2] == "-" {
        assert_eq!(weighted[1], "default 4950", "{weighted:?}");
    }

    let disk_io = |v: &mut Value, what: Value| v["linux"]["resources"]["blockIO"] = what;
    lab.assert_refused(
        "blkio-low",
        |v| disk_io(v, json!({"weight": 5})),
        "10 to 1000",
    );
    lab.assert_refused(
        "blkio-dev-weight",
        |v| {
            disk_io(
                v,
                json!({"weightDevice": [{"major": major, "minor": minor, "weight": 2000}]}),
            )
        },
        "weightDevice[0].weight",
    );
    let mut missing = 4000;
    while Path::new(&format!("/sys/dev/block/{missing}:0")).exists() {
        missing += 1;
    }
    lab.assert_refused(
        "blkio-no-disk",
        |v| {
            disk_io(
                v,
                json!({"throttleReadBpsDevice": [{"major": missing, "minor": 0, "rate": 1}]}),
            )
        },
        &format!("{missing}:0"),
    );
    if rt {
        budget();
        lab.assert_refused(
            "rt-over",
            |v| {
                v["linux"]["resources"]["cpu"] =
                    json!({"realtimePeriod": 100000, "realtimeRuntime": 500000})
            },
            "cpu.rt_runtime_us",
        );
    }
}
