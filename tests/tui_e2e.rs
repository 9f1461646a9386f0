//! The real binary in tmux (as root): open the fixture's PID namespace lesson, run the
//! step that starts the container, see the Proc panel's pid namespace differ from the
//! host's and the Trace panel's clone, type `hostname` in the shell pane and see `lab`,
//! quit, and check the terminal is back and nothing is left behind. A cgroup made by hand
//! in the host shell: each task's check turns green on screen once it is typed, and the
//! lab cgroup is gone after quitting. And a SIGTERM in the middle of the etcd lesson: the
//! members die, their directory goes, the terminal is back.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The tmux server and the test's directories and cgroup parent; dropping it kills the
/// server (and with it contlab, whose teardown handlers run on SIGHUP) and removes what
/// is left.
struct Lab {
    socket: String,
    dir: tempfile::TempDir,
    parent: String,
}

impl Lab {
    /// A lab of its own: a tmux socket, directories and a cgroup parent named for this run.
    fn new() -> Lab {
        let u = uniq();
        Lab {
            socket: format!("contlab-tui-test-{u}"),
            dir: tempfile::tempdir().expect("temporary directory"),
            parent: format!("contlab-tui-{u}"),
        }
    }

    /// A lab for a test that runs containers as root (`why`), or `None`, said on stderr,
    /// when tmux is missing.
    fn as_root(why: &str) -> Option<Lab> {
        if which::which("tmux").is_err() {
            eprintln!(
                "skip: this test drives the real terminal through tmux; install Debian's tmux"
            );
            return None;
        }
        common::require_root(why);
        Some(Lab::new())
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "lab"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "lab"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Waits until the screen shows what `pred` looks for; the last screen on failure.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts `cmd` in a 160x48 tmux session named `lab`.
    /// Starts the lab on one lesson of the pack in `pack`, with the run and state
    /// directories under this lab's directory (`run`, `state`), and returns the run one.
    fn start_pack(&self, pack: &Path, lesson: &str) -> PathBuf {
        let run = self.dir.path().join("run");
        let state = self.dir.path().join("state");
        let cmd = format!(
            "env CONTLAB_RUN_DIR={} CONTLAB_STATE_DIR={} CONTLAB_CGROUP_PARENT={} LANG=C.UTF-8 {} --lessons {} --lesson {lesson}; echo CONTLAB-ENDED; sleep 600",
            run.display(),
            state.display(),
            self.parent,
            env!("CARGO_BIN_EXE_contlab"),
            pack.display(),
        );
        self.start(&cmd);
        run
    }

    /// Leaves the lab as a student does (F6, q, y) and waits for it to end.
    fn quit(&self) {
        self.keys(&["F6"]);
        self.keys(&["q"]);
        self.wait_for("the quit question", |s| s.contains("Quit?"));
        self.keys(&["y"]);
        self.wait_for("contlab to end", |s| s.contains("CONTLAB-ENDED"));
    }

    fn start(&self, cmd: &str) {
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "lab",
            "-x",
            "160",
            "-y",
            "48",
            cmd,
        ]);
    }

    fn cgroup_dirs(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for h in std::fs::read_dir("/sys/fs/cgroup")
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = h.path().join(&self.parent);
            if p.is_dir() {
                out.push(p);
            }
        }
        let unified = Path::new("/sys/fs/cgroup").join(&self.parent);
        if unified.is_dir() && !out.contains(&unified) {
            out.push(unified);
        }
        out
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
        // tmux leaves its socket file behind.
        let uid = nix::unistd::getuid();
        let _ = std::fs::remove_file(format!("/tmp/tmux-{uid}/{}", self.socket));
        // Give contlab's teardown a moment, then remove the (empty) parents.
        std::thread::sleep(Duration::from_millis(300));
        for p in self.cgroup_dirs() {
            let _ = contlab::runtime::teardown::remove_cgroup_tree(&p);
        }
    }
}

/// The Proc panel's pid namespace line on screen `s`.
fn pid_line(s: &str) -> &str {
    s.lines()
        .find(|l| l.contains("│pid ") || l.contains("││pid"))
        .unwrap_or_else(|| panic!("no pid namespace line in the Proc panel:\n{s}"))
}

fn uniq() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        contlab::runtime::ledger::new_id()
    )
}

#[test]
fn a_student_runs_the_pid_namespace_lesson_in_the_real_terminal() {
    let Some(lab) = Lab::as_root("this test runs containers") else {
        return;
    };
    let lessons = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lessons");
    let run = lab.dir.path().join("run");
    let state = lab.dir.path().join("state");
    let rec = lab.dir.path().join("rec");
    // The rootfs cache is shared, so the test does not rebuild it.
    let rootfs = PathBuf::from("/var/lib/contlab/rootfs");
    if rootfs.is_dir() {
        std::fs::create_dir_all(&state).expect("state dir");
        let _ = std::os::unix::fs::symlink(&rootfs, state.join("rootfs"));
    }
    let cmd = format!(
        "env CONTLAB_RUN_DIR={} CONTLAB_STATE_DIR={} CONTLAB_CGROUP_PARENT={} LANG=C.UTF-8 {} --lessons {} --lesson pid-namespace --record {}; echo CONTLAB-ENDED; sleep 600",
        run.display(),
        state.display(),
        lab.parent,
        env!("CARGO_BIN_EXE_contlab"),
        lessons.display(),
        rec.display()
    );
    lab.start(&cmd);

    lab.wait_for("the lesson view", |s| s.contains("Start a container"));
    lab.keys(&["Enter"]);
    let s = lab.wait_for("the step to pass", |s| s.contains("✓ 1/4"));
    let pid_line = pid_line(&s);
    assert!(
        pid_line.contains('≠'),
        "pid namespace not shown as differing: {pid_line}"
    );
    let numbers: Vec<&str> = pid_line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() >= 6)
        .collect();
    assert!(
        numbers.len() >= 2 && numbers[0] != numbers[1],
        "inodes: {pid_line}"
    );
    // The clone is in the trace of the step; scroll the trace to its first line.
    lab.keys(&["3", "Tab", "Home"]);
    let mut found = false;
    for _ in 0..60 {
        let s = lab.screen();
        if s.contains("clone(") && s.contains("CLONE_NEWPID") {
            found = true;
            break;
        }
        lab.keys(&["PageDown"]);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        found,
        "no clone with CLONE_NEWPID in the trace:\n{}",
        lab.screen()
    );

    // The shell pane runs inside the container.
    lab.wait_for("the shell's prompt", |s| s.contains("/ # "));
    lab.keys(&["Tab"]);
    lab.keys(&["-l", "hostname"]);
    lab.keys(&["Enter"]);
    lab.wait_for("hostname's answer", |s| {
        s.lines()
            .any(|l| l.trim_matches(|c| c == '│' || c == ' ') == "lab")
    });

    // Leave the shell, quit, confirm.
    lab.keys(&["F6"]);
    lab.keys(&["q"]);
    lab.wait_for("the quit question", |s| s.contains("Quit?"));
    lab.keys(&["y"]);
    let s = lab.wait_for("contlab to end", |s| s.contains("CONTLAB-ENDED"));
    assert!(
        !s.contains("Your own PID 1"),
        "the alternate screen is still shown:\n{s}"
    );
    let alt = lab.tmux(&["display-message", "-p", "-t", "lab", "#{alternate_on}"]);
    assert_eq!(alt.trim(), "0", "tmux still shows the alternate screen");

    // The recording: the journal, and a cast of the screen itself (the panes' frames,
    // with a marker per step), not the headless printer's lines.
    let cast = std::fs::read_to_string(rec.join("pid-namespace.cast")).expect("the cast");
    let mut lines = cast.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("a header")).expect("header JSON");
    assert_eq!(header["width"], 160, "{header}");
    let events: Vec<(f64, String, String)> = lines
        .map(|l| serde_json::from_str(l).expect("event JSON"))
        .collect();
    let output: String = events
        .iter()
        .filter(|(_, k, _)| k == "o")
        .map(|(_, _, d)| d.as_str())
        .collect();
    for seen in ["Proc", "Trace", "Start a container", "\u{1b}["] {
        assert!(output.contains(seen), "the cast lacks {seen:?}");
    }
    assert!(
        events
            .iter()
            .any(|(_, k, d)| k == "m" && d == "step: start"),
        "no step marker in the cast"
    );
    assert!(rec.join("pid-namespace.journal.jsonl").is_file());

    // Nothing left: no container cgroup, no record, no process of this run.
    for p in lab.cgroup_dirs() {
        let children: Vec<_> = std::fs::read_dir(&p)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.path())
            .collect();
        assert!(children.is_empty(), "cgroups left behind: {children:?}");
    }
    let records: Vec<_> = std::fs::read_dir(run.join("containers"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(records.is_empty(), "state records left behind: {records:?}");
    let procs: Vec<String> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("environ")).ok())
        .map(|env| String::from_utf8_lossy(&env).into_owned())
        .filter(|env| env.contains(&format!("CONTLAB_CGROUP_PARENT={}", lab.parent)))
        .collect();
    assert!(
        procs.is_empty(),
        "{} processes of this run are still alive",
        procs.len()
    );
}

#[test]
fn a_student_without_root_replays_the_lesson_in_the_real_terminal() {
    if which::which("tmux").is_err() || which::which("setpriv").is_err() {
        eprintln!(
            "skip: this test drives the real terminal through tmux as nobody; install Debian's tmux and util-linux"
        );
        return;
    }
    common::require_root("this test drops to nobody with setpriv");
    let lab = Lab::new();
    let state = lab.dir.path().join("state");
    std::fs::create_dir_all(&state).expect("state dir");
    use std::os::unix::fs::PermissionsExt;
    for d in [lab.dir.path(), state.as_path()] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    let cmd = format!(
        "env HOME=/nonexistent CONTLAB_STATE_DIR={} LANG=C.UTF-8 setpriv --reuid=65534 --regid=65534 --clear-groups {} --lang en --lesson pid-namespace; echo CONTLAB-ENDED; sleep 600",
        state.display(),
        env!("CARGO_BIN_EXE_contlab"),
    );
    lab.start(&cmd);
    // No root: the lab replays the shipped recording of a real run by itself.
    lab.wait_for("the replay", |s| s.contains(" REPLAY "));
    lab.keys(&["End"]);
    let s = lab.wait_for("the end of the recording", |s| s.contains('■'));
    let pid_line = pid_line(&s);
    assert!(pid_line.contains('≠'), "{pid_line}");
    // Back in the list, the lab says what reading mode offers; then quit.
    lab.keys(&["Escape"]);
    lab.wait_for("the lesson list", |s| s.contains("Reading mode"));
    lab.keys(&["q"]);
    lab.wait_for("contlab to end", |s| s.contains("CONTLAB-ENDED"));
    let alt = lab.tmux(&["display-message", "-p", "-t", "lab", "#{alternate_on}"]);
    assert_eq!(alt.trim(), "0", "tmux still shows the alternate screen");
}

/// Processes of this run still alive (not zombies): their environment carries `marker`.
fn processes_with(marker: &str) -> Vec<(i32, String)> {
    processes_whose("environ", marker)
}

/// Live processes (a zombie left to a PID 1 that does not reap is dead) whose
/// `/proc/PID/<file>` contains `marker`, with their command names.
fn processes_whose(file: &str, marker: &str) -> Vec<(i32, String)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let text = std::fs::read(e.path().join(file)).ok()?;
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let zombie = stat.rsplit(')').next()?.trim_start().starts_with('Z');
            (!zombie && String::from_utf8_lossy(&text).contains(marker))
                .then(|| (pid, comm.trim().to_string()))
        })
        .collect()
}

#[test]
fn sigterm_during_the_etcd_lesson_stops_the_members_and_gives_the_terminal_back() {
    if which::which("tmux").is_err() {
        eprintln!("skip: this test drives the real terminal through tmux; install Debian's tmux");
        return;
    }
    if contlab::etcd::tools().is_none() {
        eprintln!("skip: {}", contlab::etcd::MISSING);
        return;
    }
    common::require_root("this test runs a lesson live");
    let lab = Lab::new();
    let (run, state, tmp) = (
        lab.dir.path().join("run"),
        lab.dir.path().join("state"),
        lab.dir.path().join("tmp"),
    );
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let marker = format!("CONTLAB_CGROUP_PARENT={}", lab.parent);
    // After contlab: is the terminal back in cooked mode (raw mode clears ICANON)?
    let cmd = format!(
        "env CONTLAB_RUN_DIR={} CONTLAB_STATE_DIR={} {marker} TMPDIR={} LANG=C.UTF-8 {} --lang en --lesson raft-etcd-failover; echo CONTLAB-ENDED; if stty -a | grep -q -- -icanon; then echo TTY-RAW; else echo TTY-COOKED; fi; sleep 600",
        run.display(),
        state.display(),
        tmp.display(),
        env!("CARGO_BIN_EXE_contlab"),
    );
    lab.start(&cmd);
    lab.wait_for("the lesson view", |s| s.contains("Three etcd members"));
    lab.keys(&["Enter"]);
    lab.wait_for("the cluster to elect a leader", |s| s.contains("✓ 1/"));

    let procs = processes_with(&marker);
    let contlab: Vec<i32> = procs
        .iter()
        .filter(|(_, c)| c == "contlab")
        .map(|(p, _)| *p)
        .collect();
    let members = procs.iter().filter(|(_, c)| c == "etcd").count();
    assert_eq!(contlab.len(), 1, "not one contlab process: {procs:?}");
    assert_eq!(members, 3, "not three etcd members: {procs:?}");
    let dirs = |tmp: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(tmp)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("contlab-etcd-"))
            .collect()
    };
    assert_eq!(dirs(&tmp).len(), 1, "no etcd data directory in {tmp:?}");

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(contlab[0]),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM to contlab");
    let s = lab.wait_for("contlab to end", |s| s.contains("TTY-"));
    assert!(
        s.contains("TTY-COOKED"),
        "the terminal is still in raw mode:\n{s}"
    );
    assert!(
        !s.contains("Three etcd members"),
        "the alternate screen is still shown:\n{s}"
    );
    let alt = lab.tmux(&["display-message", "-p", "-t", "lab", "#{alternate_on}"]);
    assert_eq!(alt.trim(), "0", "tmux still shows the alternate screen");
    // SIGKILLed members are reaped by init a moment later.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_with(&marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = processes_with(&marker);
    assert!(left.is_empty(), "processes of this run survive: {left:?}");
    assert!(
        dirs(&tmp).is_empty(),
        "etcd data directories left behind: {:?}",
        dirs(&tmp)
    );
}

/// A pack of one lesson: the cgroup made by hand from the host shell, in two tasks.
fn hand_cgroup_pack(dir: &Path) {
    let lesson = dir.join("hand-cgroup");
    std::fs::create_dir_all(&lesson).expect("the lesson's directory");
    let find = "d=/sys/fs/cgroup/memory/$CGROUP_LAB; [ -d $d ] || d=/sys/fs/cgroup/$CGROUP_LAB";
    let toml = format!(
        r#"format_version = 1
id = "hand-cgroup"
track = "containers"
order = 1
minutes = 5
topics = ["cgroup-v1-v2"]

[[step]]
id = "mkdir"
kind = "task"
shell = "host"
action = {{ do = "cgroup-lab" }}
solution = ["{find}", "mkdir $d/hand"]
checks = [{{ check = "hand-cgroup", name = "hand" }}]

[[step]]
id = "join"
kind = "task"
shell = "host"
solution = ["{find}", "echo $$ > $d/hand/cgroup.procs"]
checks = [{{ check = "hand-cgroup", name = "hand", shell = true }}]
"#
    );
    std::fs::write(lesson.join("lesson.toml"), toml).expect("lesson.toml");
    for (lang, title) in [("en", "A cgroup by hand"), ("ko", "손으로 만드는 cgroup")] {
        let text = format!(
            "title = \"{title}\"\nsummary = \"{title}\"\n\n\
             [step.mkdir]\ntitle = \"Make hand\"\nbody = \"mkdir\"\n\n\
             [step.join]\ntitle = \"Join hand\"\nbody = \"echo $$\"\n"
        );
        std::fs::write(lesson.join(format!("{lang}.toml")), text).expect("the prose");
    }
}

#[test]
fn a_student_makes_a_cgroup_by_hand_in_the_host_shell_and_the_checks_turn_green() {
    if which::which("tmux").is_err() {
        eprintln!("skip: this test drives the real terminal through tmux; install Debian's tmux");
        return;
    }
    common::require_root("this test makes cgroups");
    let lab = Lab::new();
    let pack = lab.dir.path().join("pack");
    hand_cgroup_pack(&pack);
    let run = lab.start_pack(&pack, "hand-cgroup");

    lab.wait_for("the lesson view", |s| s.contains("Make hand"));
    // The task makes the lab cgroup and opens the host shell, and its check fails.
    lab.keys(&["Enter"]);
    let s = lab.wait_for("the host shell's prompt", |s| s.contains("[host]"));
    assert!(
        !s.contains("✓ 1/2"),
        "the task passed before anything was typed:\n{s}"
    );
    // The shell pane has the keys once a task starts.
    for line in [
        "d=/sys/fs/cgroup/memory/$CGROUP_LAB; [ -d $d ] || d=/sys/fs/cgroup/$CGROUP_LAB",
        "mkdir $d/hand",
    ] {
        lab.keys(&["-l", line]);
        lab.keys(&["Enter"]);
    }
    lab.wait_for("the mkdir task to pass", |s| s.contains("✓ 1/2"));
    let made: Vec<PathBuf> = lab
        .cgroup_dirs()
        .iter()
        .flat_map(|p| std::fs::read_dir(p).into_iter().flatten().flatten())
        .map(|lab_dir| lab_dir.path().join("hand"))
        .filter(|hand| hand.is_dir())
        .collect();
    assert_eq!(
        made.len(),
        1,
        "the hand cgroup typed in the shell: {made:?}"
    );

    // The second task, in the same host shell: it moves itself in, and the check sees
    // its pid in cgroup.procs.
    lab.keys(&["F6"]);
    lab.keys(&["n"]);
    lab.keys(&["Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    let s = lab.screen();
    assert!(
        !s.contains("✓ 2/2"),
        "the join task passed before anything was typed:\n{s}"
    );
    lab.keys(&["-l", "echo $$ > $d/hand/cgroup.procs"]);
    lab.keys(&["Enter"]);
    lab.wait_for("the join task to pass", |s| s.contains("✓ 2/2"));

    lab.quit();
    // The lab cgroup went with the lesson, the student's hand cgroup in it.
    for p in lab.cgroup_dirs() {
        let children: Vec<_> = std::fs::read_dir(&p)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.path())
            .collect();
        assert!(children.is_empty(), "cgroups left behind: {children:?}");
    }
    assert!(made.iter().all(|p| !p.exists()), "{made:?} is still there");
    let records: Vec<_> = std::fs::read_dir(run.join("containers"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(records.is_empty(), "state records left behind: {records:?}");
}

/// A one-task OCI lesson in a pack of its own: the lesson writes a bundle, and the task,
/// on the host shell, asks for a container `id` in the `created` state.
fn oci_task_pack(dir: &Path, id: &str) {
    let l = dir.join("oci-host-task");
    std::fs::create_dir_all(&l).expect("the pack's lesson directory");
    let lesson = format!(
        r#"format_version = 1
id = "oci-host-task"
track = "oci"
order = 1
minutes = 5
topics = ["runc-lifecycle"]

[[step]]
id = "rootfs"
action = {{ do = "runtime", op = "rootfs" }}
checks = [{{ check = "output", matches = 'bin' }}]

[[step]]
id = "spec"
action = {{ do = "runtime", op = "spec" }}
checks = [{{ check = "output", matches = '"ociVersion"' }}]

[[step]]
id = "create"
kind = "task"
shell = "host"
solution = ["contlab runtime create --bundle bundle {id}"]
checks = [{{ check = "oci-state", id = "{id}", status = "created" }}]
"#
    );
    std::fs::write(l.join("lesson.toml"), lesson).expect("lesson.toml");
    for (lang, word) in [("en", "Create it"), ("ko", "만들기")] {
        let text = format!(
            "title = \"OCI host task\"\nsummary = \"A task in the host shell.\"\n\n\
             [step.rootfs]\ntitle = \"Root filesystem\"\nbody = \"rootfs\"\n\n\
             [step.spec]\ntitle = \"Spec\"\nbody = \"spec\"\n\n\
             [step.create]\ntitle = \"{word}\"\nbody = \"create\"\n"
        );
        std::fs::write(l.join(format!("{lang}.toml")), text).expect("the prose");
    }
}

#[test]
fn a_student_solves_an_oci_task_by_typing_into_the_host_shell() {
    let Some(lab) = Lab::as_root("this test runs an OCI container") else {
        return;
    };
    let id = format!("tui{}", std::process::id());
    let pack = lab.dir.path().join("pack");
    oci_task_pack(&pack, &id);
    lab.start_pack(&pack, "oci-host-task");

    lab.wait_for("the lesson view", |s| s.contains("Root filesystem"));
    lab.keys(&["Enter"]);
    lab.wait_for("the rootfs step to pass", |s| s.contains("✓ 1/3"));
    lab.keys(&["n", "Enter"]);
    lab.wait_for("the spec step to pass", |s| s.contains("✓ 2/3"));
    lab.keys(&["n", "Enter"]);
    // The task fails first, and its shell is on the host, in the lesson's work directory.
    lab.wait_for("the task's failing check", |s| {
        s.contains("reports absent") && s.contains("expected created")
    });
    lab.wait_for("the host shell's prompt", |s| s.contains("[host]"));
    lab.keys(&[
        "-l",
        &format!("contlab runtime create --bundle bundle {id}"),
    ]);
    lab.keys(&["Enter"]);
    let s = lab.wait_for("the re-check to pass", |s| {
        s.contains(&format!("`runtime state {id}` reports created.")) && s.contains("✓ 3/3")
    });
    assert!(
        !s.contains("expected created"),
        "the failing check is still shown:\n{s}"
    );

    lab.quit();
    // The student's container went with the lesson: no process of it is alive.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_whose("cgroup", &id).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = processes_whose("cgroup", &id);
    assert!(
        left.is_empty(),
        "the student's container is still alive: {left:?}"
    );
}

/// A one-task networking lesson in a pack of its own: a node whose `api` pod is not on
/// the bridge, and the task that attaches it.
fn net_task_pack(dir: &Path) {
    let l = dir.join("net-attach-task");
    std::fs::create_dir_all(&l).expect("the pack's lesson directory");
    let lesson = r#"format_version = 1
id = "net-attach-task"
track = "net"
order = 1
minutes = 5
topics = ["pod-network"]

[[step]]
id = "build-node"
action = { do = "net-node", pod_cidr = "10.244.7.0/24", pods = [
  { name = "web" },
  { name = "api", attach = false },
  { name = "client", serve = false },
] }
checks = [{ check = "net-reach", from = "client", to = "web" }]

[[step]]
id = "attach-api"
kind = "task"
solution = ["ip link set veth-api master cni0", "ip link set veth-api up"]
checks = [
  { check = "net-link", link = "veth-api", up = true, master = "cni0" },
  { check = "net-reach", from = "client", to = "api" },
]
"#;
    std::fs::write(l.join("lesson.toml"), lesson).expect("lesson.toml");
    for (lang, word) in [("en", "Attach api"), ("ko", "api 붙이기")] {
        let text = format!(
            "title = \"Net task\"\nsummary = \"A task in the node's shell.\"\n\n\
             [step.build-node]\ntitle = \"Build the node\"\nbody = \"node\"\n\n\
             [step.attach-api]\ntitle = \"{word}\"\nbody = \"attach\"\n"
        );
        std::fs::write(l.join(format!("{lang}.toml")), text).expect("the prose");
    }
}

#[test]
fn a_student_attaches_a_pod_to_the_bridge_by_typing_in_the_nodes_shell() {
    let Some(lab) = Lab::as_root("this test builds a node of pods") else {
        return;
    };
    let pack = lab.dir.path().join("pack");
    net_task_pack(&pack);
    let run = lab.start_pack(&pack, "net-attach-task");

    lab.wait_for("the lesson view", |s| s.contains("Build the node"));
    lab.keys(&["Enter"]);
    lab.wait_for("the node to answer", |s| s.contains("✓ 1/2"));
    lab.keys(&["n", "Enter"]);
    // The task's checks fail until the student acts: api is not on the bridge.
    std::thread::sleep(Duration::from_millis(800));
    let s = lab.screen();
    assert!(
        !s.contains("✓ 2/2"),
        "the task passed before anything was typed:\n{s}"
    );
    for line in [
        "ip link set veth-api master cni0",
        "ip link set veth-api up",
    ] {
        lab.keys(&["-l", line]);
        lab.keys(&["Enter"]);
    }
    lab.wait_for("the attach task to pass", |s| s.contains("✓ 2/2"));

    lab.quit();
    // The node went with the lesson: no namespace file, no state record.
    let left: Vec<PathBuf> = ["netns", "containers"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(run.join(d))
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A one-task RBAC lesson in a pack of its own: a Role that also reads Secrets, and the
/// task that trims it to pods.
fn rbac_task_pack(dir: &Path) {
    let l = dir.join("rbac-trim-task");
    std::fs::create_dir_all(&l).expect("the pack's lesson directory");
    let lesson = r#"format_version = 1
id = "rbac-trim-task"
track = "rbac"
order = 1
minutes = 5
topics = ["rbac"]

[[step]]
id = "load"
action = { do = "rbac-load", files = ["role.yaml", "binding.yaml"] }

[[step]]
id = "shell"
action = { do = "start" }

[[step]]
id = "trim"
kind = "task"
solution_files = { "role.yaml" = "role-solution.yaml" }
checks = [
  { check = "rbac", verb = "list", resource = "pods", namespace = "ci", as = "jane", allowed = true },
  { check = "rbac", verb = "get", resource = "secrets", name = "registry", namespace = "ci", as = "jane", allowed = false },
]
"#;
    std::fs::write(l.join("lesson.toml"), lesson).expect("lesson.toml");
    let role = |resources: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n  namespace: ci\nrules:\n- apiGroups: [\"\"]\n  resources: [{resources}]\n  verbs: [get, list]\n"
        )
    };
    std::fs::write(l.join("role.yaml"), role("pods, secrets")).expect("role.yaml");
    std::fs::write(l.join("role-solution.yaml"), role("pods")).expect("the solution");
    std::fs::write(
        l.join("binding.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader\n  namespace: ci\nsubjects:\n- kind: User\n  name: jane\n  apiGroup: rbac.authorization.k8s.io\nroleRef:\n  kind: Role\n  name: reader\n  apiGroup: rbac.authorization.k8s.io\n",
    )
    .expect("binding.yaml");
    for (lang, word) in [("en", "Trim the Role"), ("ko", "Role 줄이기")] {
        let text = format!(
            "title = \"RBAC task\"\nsummary = \"A Role edited in the shell.\"\n\n\
             [step.load]\ntitle = \"Load the files\"\nbody = \"load\"\n\n\
             [step.shell]\ntitle = \"A shell\"\nbody = \"shell\"\n\n\
             [step.trim]\ntitle = \"{word}\"\nbody = \"trim\"\n"
        );
        std::fs::write(l.join(format!("{lang}.toml")), text).expect("the prose");
    }
}

#[test]
fn a_student_trims_a_role_by_typing_in_the_shell_and_the_checks_turn_green() {
    let Some(lab) = Lab::as_root("this test opens the lesson's shell") else {
        return;
    };
    let pack = lab.dir.path().join("pack");
    rbac_task_pack(&pack);
    let run = lab.start_pack(&pack, "rbac-trim-task");

    lab.wait_for("the lesson view", |s| s.contains("Load the files"));
    lab.keys(&["Enter"]);
    lab.wait_for("the files to load", |s| s.contains("✓ 1/3"));
    lab.keys(&["n", "Enter"]);
    lab.wait_for("the shell step", |s| s.contains("✓ 2/3"));
    lab.keys(&["n", "Enter"]);
    // The Role still grants Secrets: the task's check fails until the file is edited.
    std::thread::sleep(Duration::from_millis(800));
    let s = lab.screen();
    assert!(
        !s.contains("✓ 3/3"),
        "the task passed before anything was typed:\n{s}"
    );
    let role = run.join("lessons/rbac-trim-task/role.yaml");
    let line = format!(
        "sed -i 's/resources: \\[pods, secrets\\]/resources: [pods]/' {}",
        role.display()
    );
    lab.keys(&["-l", &line]);
    lab.keys(&["Enter"]);
    lab.wait_for("the trim task to pass", |s| s.contains("✓ 3/3"));
    let text = std::fs::read_to_string(&role).expect("the work file");
    assert!(!text.contains("secrets"), "{text}");

    lab.quit();
    assert!(!role.exists(), "the work file outlived the lesson");
}
