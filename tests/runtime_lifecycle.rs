//! Waiting, signals, exec, the init's reaping, limits, the chroot breakout, failed
//! starts, and teardown leaving nothing behind.

mod common;

use common::runtime::*;
use contlab::runtime::cgroup::{CpuLimit, Limits};
use contlab::runtime::trace::Tracer;
use contlab::runtime::{Container, ContainerSpec, IdMap, Namespaces, RootfsMode, Stdio};
use nix::sys::signal::Signal;
use std::path::Path;

fn spec(list: &str, script: &str) -> ContainerSpec<'static> {
    let mut s = ContainerSpec::new(Namespaces::parse(list).expect("namespaces"), &[]);
    s.args = sh(script);
    s.rootfs_dir = Some(rootfs());
    s
}

#[test]
fn wait_reports_the_exit_code_and_the_killing_signal() {
    let (exit, _) = run(spec("pid,mount", "exit 7"));
    assert_eq!((exit.code, exit.signal), (Some(7), None));
    // Not PID 1 of a pid namespace, which a signal from inside could not kill.
    let (exit, _) = run(spec("mount", "kill -TERM $$"));
    assert_eq!((exit.code, exit.signal), (None, Some(libc::SIGTERM)));
    assert_eq!(exit.status(), 128 + libc::SIGTERM);
}

/// As with runc, the command is PID 1 itself: `sleep`, which installs no handler,
/// ignores SIGTERM (the kernel drops it for a namespace's init), and dies of SIGKILL.
#[test]
fn the_command_is_pid_1_and_ignores_sigterm_as_with_runc() {
    let (mut c, _out) = start_ready(spec("pid,mount", "echo ready; exec sleep 1000"));
    let nspid = status_field(c.pid(), "NSpid:");
    assert_eq!(nspid.split_whitespace().last(), Some("1"), "NSpid: {nspid}");
    // `ready` comes just before the shell's exec of sleep.
    for _ in 0..500 {
        if status_field(c.pid(), "Name:") == "sleep" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(status_field(c.pid(), "Name:"), "sleep");
    c.kill(Signal::SIGTERM).expect("signal sent");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        std::fs::read_to_string(format!("/proc/{}/stat", c.pid()))
            .is_ok_and(|s| !s.contains(") Z")),
        "sleep as PID 1 died of SIGTERM"
    );
    c.kill(Signal::SIGKILL).expect("signal sent");
    let exit = c.wait().expect("wait");
    assert_eq!(exit.signal, Some(libc::SIGKILL), "{exit}");
}

#[test]
fn with_init_the_init_forwards_signals_to_the_command() {
    let mut s = spec("pid,mount", "echo ready; exec sleep 1000");
    s.init = true;
    let (mut c, _out) = start_ready(s);
    assert_eq!(status_field(c.pid(), "Name:"), "contlab-init");
    c.kill(Signal::SIGTERM).expect("signal sent");
    let exit = c.wait().expect("wait");
    assert_eq!(exit.signal, Some(libc::SIGTERM), "{exit}");
}

#[test]
fn with_init_the_init_reaps_orphaned_zombies() {
    // The subshell's background `true` is orphaned and re-parented to PID 1; a zombie
    // stays only until PID 1 reaps it. The loop gives the init up to 10 s.
    let script = "(true &); echo ready; exec sleep 1000";
    let mut s = spec("pid,mount", script);
    s.init = true;
    let (c, _out) = start_ready(s);
    let check = c
        .exec(
            &[
                "sh",
                "-c",
                "for i in $(seq 100); do grep -q '^[0-9]* ([^)]*) Z' /proc/[0-9]*/stat || exit 0; sleep 0.1; done; exit 1",
            ],
            Stdio::null(),
        )
        .expect("exec");
    assert!(check.exit.success(), "a zombie stayed: {}", check.exit);
}

#[test]
fn exec_joins_the_namespaces_cgroup_and_root() {
    let mut s = spec("all", "echo ready; exec sleep 1000");
    s.hostname = Some("exec-box".into());
    s.user_map = Some(IdMap::unprivileged_root());
    let (c, _out) = start_ready(s);
    let out = c
        .exec(
            &[
                "sh",
                "-c",
                "hostname; id -u; cat /proc/self/cgroup | head -1; ls /proc | grep -c '^[0-9]'",
            ],
            Stdio::piped(),
        )
        .expect("exec");
    assert!(out.exit.success(), "{}", out.exit);
    let text = out.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "exec-box");
    assert_eq!(lines[1], "0");
    assert!(
        lines[2].ends_with(":/"),
        "not in the container's cgroup namespace: {}",
        lines[2]
    );
    let n: usize = lines[3].parse().expect("count");
    assert!(
        n <= 6,
        "{n} processes: not in the container's pid namespace"
    );
    let err = c
        .exec(&["nosuch"], Stdio::null())
        .expect_err("nosuch fails");
    assert!(
        err.to_string()
            .contains("command \"nosuch\" not found in the container's root filesystem"),
        "{err}"
    );
}

#[test]
fn a_failed_start_says_why_and_leaves_nothing() {
    use_contlab();
    let id = contlab::runtime::ledger::new_id();
    let mut s = spec("pid,mount", "");
    s.args = vec!["nosuch".into()];
    s.id = Some(id.clone());
    let err = Container::start(s, &Tracer::null()).expect_err("nosuch fails");
    assert_eq!(
        err.to_string(),
        "command \"nosuch\" not found in the container's root filesystem"
    );
    assert!(leftovers(&id).is_empty(), "{:?}", leftovers(&id));

    let id = contlab::runtime::ledger::new_id();
    let mut s = spec("pid,mount", "true");
    s.id = Some(id.clone());
    s.rootfs_dir = Some("/nonexistent/contlab-rootfs".into());
    let err = Container::start(s, &Tracer::null()).expect_err("missing rootfs fails");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(leftovers(&id).is_empty(), "{:?}", leftovers(&id));
}

#[test]
fn memory_limit_oom_kill_is_detected() {
    let mut s = spec("pid,mount", "dd if=/dev/zero of=/dev/null bs=100M count=1");
    s.limits = Limits {
        memory: Some(32 << 20),
        ..Default::default()
    };
    let (exit, _) = run(s);
    assert!(exit.oom_killed, "no OOM kill seen: {exit}");
    assert_eq!(exit.signal, Some(libc::SIGKILL), "{exit}");
}

#[test]
fn pids_limit_stops_a_fork_loop() {
    // The inner shell dies when a fork fails; the outer one then reports.
    let mut s = spec(
        "pid,mount",
        "sh -c 'for i in $(seq 40); do sleep 1000 & done' 2>/dev/null; echo ready; exec sleep 1000",
    );
    s.limits = Limits {
        pids: Some(20),
        ..Default::default()
    };
    let (c, _out) = start_ready(s);
    let r = c.cgroup().expect("cgroup").reading();
    let refused = r
        .pids_refused
        .and_then(|v| v.parsed)
        .expect("pids.events max");
    let current = r.pids_current.and_then(|v| v.parsed).expect("pids.current");
    assert!(refused > 0, "no fork was refused");
    assert!(current <= 20, "{current} processes despite pids.max 20");
}

#[test]
fn cpu_quota_throttles() {
    let mut s = spec(
        "pid,mount",
        "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done",
    );
    s.limits = Limits {
        cpu: Some(CpuLimit {
            quota_us: 10_000,
            period_us: 100_000,
            shares: None,
        }),
        ..Default::default()
    };
    use_contlab();
    s.stdio = Stdio::null();
    let mut c = Container::start(s, &Tracer::null()).expect("starts");
    let exit = c.wait().expect("wait");
    assert!(exit.success(), "{exit}");
    let r = c.cgroup().expect("cgroup").reading();
    let throttled = r
        .cpu_throttled
        .and_then(|v| v.parsed)
        .expect("nr_throttled");
    assert!(throttled > 0, "never throttled");
}

/// Builds a rootfs with the breakout program in it, and a host-only marker file.
struct Breakout {
    dir: tempfile::TempDir,
    marker: std::path::PathBuf,
}

/// `None` (with a printed skip) when there is no C compiler to build the program with.
fn breakout_fixture() -> Option<Breakout> {
    if which::which("cc").is_err() {
        eprintln!("skip: the breakout program needs a C compiler (cc); install Debian's gcc");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(rootfs())
        .arg(&root)
        .status()
        .expect("cp");
    assert!(status.success());
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/breakout.c");
    let status = std::process::Command::new("cc")
        .args(["-static", "-O2", "-o"])
        .arg(root.join("bin/breakout"))
        .arg(&src)
        .status()
        .expect("cc runs");
    assert!(
        status.success(),
        "cc -static failed (is the static libc installed?)"
    );
    let marker = dir.path().join("host-only-marker");
    std::fs::write(&marker, "host").expect("marker");
    Some(Breakout { dir, marker })
}

#[test]
fn chroot_is_escapable_and_pivot_root_is_not() {
    let Some(b) = breakout_fixture() else { return };
    let root = b.dir.path().join("root");
    let attempt = |mode: RootfsMode| {
        let mut s = ContainerSpec::new(
            Namespaces::parse("mount,pid").expect("ns"),
            &["breakout", b.marker.to_str().expect("utf-8")],
        );
        s.rootfs = mode;
        s.rootfs_dir = Some(root.clone());
        run(s)
    };
    let (exit, out) = attempt(RootfsMode::Chroot);
    assert_eq!(
        (exit.code, out.trim()),
        (Some(0), "escaped"),
        "chroot held: {exit}"
    );
    let (exit, out) = attempt(RootfsMode::PivotRoot);
    assert_eq!(
        (exit.code, out.trim()),
        (Some(1), "contained"),
        "pivot_root leaked: {exit}"
    );
}

/// The same escape, built into contlab and run from inside the container through exec,
/// so it needs no compiler (the lesson uses this one).
#[test]
fn the_built_in_breakout_escapes_chroot_but_not_pivot_root() {
    use_contlab();
    let attempt = |mode: RootfsMode| {
        let mut s = ContainerSpec::new(
            Namespaces::parse("mount,pid").expect("ns"),
            &["sleep", "60"],
        );
        s.rootfs = mode;
        s.rootfs_dir = Some(rootfs());
        s.stdio = Stdio::null();
        let mut c = Container::start(s, &Tracer::null()).expect("starts");
        let escaped = c.breakout().expect("the attempt runs");
        let removed = c.teardown();
        assert!(removed.iter().all(|r| r.error.is_none()), "{removed:?}");
        escaped
    };
    assert!(
        attempt(RootfsMode::Chroot),
        "chroot held against the escape"
    );
    assert!(
        !attempt(RootfsMode::PivotRoot),
        "the escape got out of pivot_root"
    );
}

#[test]
fn a_hundred_cycles_leave_nothing_behind() {
    use_contlab();
    let mut ids = Vec::new();
    for _ in 0..100 {
        let id = contlab::runtime::ledger::new_id();
        let mut s = ContainerSpec::new(Namespaces::ALL, &["true"]);
        s.id = Some(id.clone());
        s.rootfs_dir = Some(rootfs());
        s.user_map = Some(IdMap::unprivileged_root());
        s.limits = Limits {
            memory: Some(64 << 20),
            pids: Some(64),
            ..Default::default()
        };
        s.stdio = Stdio::null();
        let mut c = Container::start(s, &Tracer::null()).expect("starts");
        let init = contlab::runtime::ledger::ProcessId::of(c.pid()).expect("init runs");
        assert!(c.wait().expect("wait").success());
        let removed = c.teardown();
        assert!(removed.iter().all(|r| r.error.is_none()), "{removed:?}");
        assert!(!init.is_alive(), "the init outlived teardown");
        ids.push(id);
    }
    for id in &ids {
        assert!(leftovers(id).is_empty(), "{id}: {:?}", leftovers(id));
    }
}

#[test]
fn chroot_without_a_mount_namespace_unmounts_on_teardown() {
    use_contlab();
    let id = contlab::runtime::ledger::new_id();
    let mut s = spec("pid", "echo ready; exec sleep 1000");
    s.rootfs = RootfsMode::Chroot;
    s.id = Some(id.clone());
    let (mut c, _out) = start_ready(s);
    let merged = contlab::paths::run_dir()
        .join("work")
        .join(&id)
        .join("merged");
    assert!(
        mounted_in("self", &merged.display().to_string()),
        "the overlay is not on the host"
    );
    c.teardown();
    assert!(leftovers(&id).is_empty(), "{:?}", leftovers(&id));
}

/// The field of `/proc/PID/status` named `key`.
fn status_field(pid: i32, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
        .unwrap_or_default()
}

/// From a process's second container on, inits come from the fork server: they are
/// still this process's own children, named as inits, in a user namespace of their own
/// with root inside, and the server itself is a child of this process too.
#[test]
fn inits_from_the_fork_server_are_this_process_s_children() {
    let me = std::process::id().to_string();
    let mut inits = Vec::new();
    for _ in 0..3 {
        let mut s = spec("pid,mount,user,uts,net,ipc", "echo ready; exec sleep 1000");
        s.user_map = Some(IdMap::unprivileged_root());
        // An init that stays, so that its name and environment are still its own.
        s.init = true;
        let (c, _out) = start_ready(s);
        inits.push(c);
    }
    for c in &inits {
        assert_eq!(status_field(c.pid(), "PPid:"), me, "the init's parent");
        assert_eq!(status_field(c.pid(), "Name:"), "contlab-init");
        let uid = std::fs::read_to_string(format!("/proc/{}/uid_map", c.pid())).unwrap();
        assert_eq!(
            uid.split_whitespace().collect::<Vec<_>>(),
            ["0", "100000", "65536"]
        );
    }
    // Forked inits carry the server's environment; an exec'd init has none.
    let last = inits.last().unwrap().pid();
    let environ = std::fs::read(format!("/proc/{last}/environ")).unwrap();
    assert!(
        String::from_utf8_lossy(&environ).contains("CONTLAB_FORKSERVER="),
        "the third init did not come from the fork server"
    );
    let servers: Vec<i32> = std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| t.ok())
        .flat_map(|t| children(t.file_name().to_string_lossy().parse().unwrap_or(0)))
        .filter(|p| status_field(*p, "Name:") == "contlab-forksrv")
        .collect();
    assert_eq!(servers.len(), 1, "one fork server, a child of this process");
    drop(inits);
}

/// The exec helper gets its configuration over its socket, as the init does: its
/// command line, which every user can read in `/proc/PID/cmdline`, carries no command,
/// environment or container paths.
#[test]
fn the_exec_helper_s_command_line_carries_no_configuration() {
    let (c, _out) = start_ready(spec("pid,mount,uts", "echo ready; exec sleep 1000"));
    let marker = "contlab-exec-marker";
    let handle = c
        .exec_background(
            &["sh", "-c", &format!("sleep 30 # {marker}")],
            Stdio::null(),
            false,
        )
        .expect("exec");
    let helper_cmdline = || -> Option<Vec<String>> {
        std::fs::read_dir("/proc/self/task")
            .ok()?
            .filter_map(|t| t.ok())
            .flat_map(|t| children(t.file_name().to_string_lossy().parse().unwrap_or(0)))
            .filter_map(|p| std::fs::read(format!("/proc/{p}/cmdline")).ok())
            .map(|raw| {
                raw.split(|b| *b == 0)
                    .filter(|w| !w.is_empty())
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect::<Vec<_>>()
            })
            .find(|argv| argv.get(1).map(String::as_str) == Some("__exec"))
    };
    let mut argv = None;
    for _ in 0..200 {
        argv = helper_cmdline();
        if argv.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let argv = argv.expect("the exec helper is a child of this process");
    assert_eq!(argv.len(), 3, "contlab __exec FD, nothing more: {argv:?}");
    assert!(argv[2].parse::<i32>().is_ok(), "{argv:?}");
    assert!(!argv.join(" ").contains(marker), "{argv:?}");
    drop(c);
    let out = handle.join().expect("exec thread");
    assert!(out.is_err() || !out.unwrap().exit.success());
}
