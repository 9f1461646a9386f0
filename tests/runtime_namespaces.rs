//! One test per namespace type, each observing the isolation from both sides.

mod common;

use common::runtime::*;
use contlab::runtime::{Capabilities, ContainerSpec, IdMap, Namespaces, RootfsMode};

fn ns(list: &str) -> Namespaces {
    Namespaces::parse(list).expect("valid namespace list")
}

fn spec(list: &str, script: &str) -> ContainerSpec<'static> {
    let mut s = ContainerSpec::new(ns(list), &[]);
    s.args = sh(script);
    s.rootfs_dir = Some(rootfs());
    s
}

#[test]
fn pid_namespace_makes_the_command_pid_1_and_hides_host_processes() {
    let script = "echo $$; cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'";
    // With `init`, contlab's init is PID 1 and the command its child, PID 2.
    let mut with_init = spec("pid,mount", script);
    with_init.init = true;
    let (exit, out) = run(with_init);
    assert!(exit.success(), "{exit}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"2"), "{out}");
    assert!(
        lines[1].contains("__init"),
        "PID 1 is not contlab's init: {out}"
    );

    let (exit, out) = run(spec("pid,mount", script));
    assert!(exit.success(), "{exit}");
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("1"), "the command is not PID 1: {out}");
    let init = lines.next().unwrap_or_default();
    assert!(
        init.starts_with("sh -c"),
        "PID 1 is not the command: {init:?}"
    );
    let count: usize = lines.next().unwrap_or("0").trim().parse().expect("a count");
    let host: usize = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .count();
    assert!(count <= 5, "{count} processes visible inside");
    assert!(
        host > count,
        "the host shows {host} processes, the container {count}"
    );
}

#[test]
fn uts_namespace_has_its_own_hostname() {
    let host = nix::unistd::gethostname().expect("hostname");
    let mut s = spec("uts", "hostname");
    s.hostname = Some("contlab-uts-test".into());
    let (exit, out) = run(s);
    assert!(exit.success(), "{exit}");
    assert_eq!(out.trim(), "contlab-uts-test");
    assert_ne!(host.to_string_lossy(), "contlab-uts-test");
    assert_eq!(nix::unistd::gethostname().expect("hostname"), host);
}

#[test]
fn a_mount_made_inside_is_absent_on_the_host() {
    let marker = format!("marker{}", std::process::id());
    let mut s = spec(
        "mount,pid",
        &format!("mount -t tmpfs {marker} /tmp && echo ready && exec sleep 1000"),
    );
    // Mounting tmpfs needs CAP_SYS_ADMIN, which the OCI default set lacks.
    s.capabilities = Capabilities::All;
    let (c, _out) = start_ready(s);
    assert!(
        mounted_in(&c.pid().to_string(), &marker),
        "the container's own mountinfo lacks the tmpfs"
    );
    assert!(
        !mounted_in("self", &marker),
        "the tmpfs leaked onto the host"
    );
}

#[test]
fn net_namespace_has_only_loopback_and_it_is_up() {
    let (exit, out) = run(spec(
        "net,mount",
        "ls /sys/class/net; cat /sys/class/net/lo/operstate",
    ));
    assert!(exit.success(), "{exit}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"lo"), "{out}");
    assert_eq!(lines.len(), 2, "more than lo: {out}");
    // lo reports "unknown" when up (it has no carrier), "down" when down.
    assert_ne!(lines[1], "down", "lo is down");
    let host = std::fs::read_dir("/sys/class/net")
        .expect("host links")
        .count();
    assert!(host > 1, "the host has only lo, so the test proves nothing");
}

#[test]
fn root_in_a_user_namespace_is_unprivileged_outside() {
    let mut s = spec("user,mount,pid", "echo ready; id -u; exec sleep 1000");
    s.user_map = Some(IdMap::unprivileged_root());
    let (c, mut out) = start_ready(s);
    let mut uid = String::new();
    std::io::BufRead::read_line(&mut out, &mut uid).expect("uid line");
    assert_eq!(uid.trim(), "0", "not root inside");
    let status = std::fs::read_to_string(format!("/proc/{}/status", c.pid())).expect("status");
    let line = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .expect("Uid line");
    assert!(
        line.split_whitespace().skip(1).all(|u| u == "100000"),
        "the host sees {line:?}"
    );
}

#[test]
fn cgroup_namespace_shows_its_cgroup_as_root() {
    let (exit, out) = run(spec("cgroup", "cat /proc/self/cgroup"));
    assert!(exit.success(), "{exit}");
    assert!(!out.is_empty());
    for line in out.lines() {
        assert!(line.ends_with(":/"), "not the namespace root: {line}");
    }
    // Without the namespace, the path of contlab's cgroup shows.
    let (_, outside) = run(spec("", "cat /proc/self/cgroup"));
    assert!(
        outside.contains(&contlab::paths::cgroup_parent()),
        "{outside}"
    );
}

#[test]
fn ipc_objects_made_inside_are_invisible_outside() {
    // Host rootfs: ipcmk and ipcs come from util-linux on the host.
    let mut s = spec("ipc", "ipcmk -Q >/dev/null && tail -n +2 /proc/sysvipc/msg");
    s.rootfs = RootfsMode::Host;
    let (exit, out) = run(s);
    assert!(exit.success(), "{exit}: is util-linux's ipcmk installed?");
    let key = out
        .split_whitespace()
        .next()
        .expect("a queue key")
        .to_string();
    let host = std::fs::read_to_string("/proc/sysvipc/msg").expect("host queues");
    assert!(
        !host
            .lines()
            .skip(1)
            .any(|l| l.split_whitespace().next() == Some(key.as_str())),
        "queue {key} is visible on the host"
    );
}

#[test]
fn all_namespaces_together_with_pivot_root() {
    let host_only = rootfs();
    let mut s = spec(
        "all",
        &format!(
            "id -u; hostname; test -e {} && echo host-visible; exit 0",
            host_only.display()
        ),
    );
    s.hostname = Some("box".into());
    s.user_map = Some(IdMap::unprivileged_root());
    assert_eq!(s.rootfs, RootfsMode::PivotRoot);
    let (exit, out) = run(s);
    assert!(exit.success(), "{exit}: {out}");
    assert_eq!(out, "0\nbox\n", "{out}");
    assert!(host_only.exists());
}

/// Joining a running container's pid namespace by path: the newcomer's processes are
/// not pid 1 there, they see the first container's processes, and the trace shows each
/// step the first process took for the init (setns, unshare, the CLONE_PARENT fork).
#[test]
fn joining_a_pid_namespace_by_path_is_traced_step_by_step() {
    use contlab::runtime::Namespace;
    let mut a = spec("pid,mount", "echo ready && exec sleep 1000");
    a.user_map = None;
    let (first, _out) = start_ready(a);
    let path = std::path::PathBuf::from(format!("/proc/{}/ns/pid", first.pid()));
    let mut b = spec("pid,mount,uts", "echo $$; ls /proc | grep -c '^[0-9]'");
    b.join = vec![(Namespace::Pid, path.clone())];
    b.stdio = contlab::runtime::Stdio {
        stdin: contlab::runtime::Io::Null,
        stdout: contlab::runtime::Io::Piped,
        stderr: contlab::runtime::Io::Inherit,
    };
    let (tracer, events) = contlab::runtime::trace::Tracer::channel();
    let mut c = contlab::runtime::Container::start(b, &tracer).expect("the joiner starts");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut c.take_stdout().expect("piped"), &mut out).unwrap();
    let exit = c.wait().expect("wait");
    let removed = c.teardown();
    assert!(removed.iter().all(|r| r.error.is_none()), "{removed:?}");
    assert!(exit.success(), "{exit}");
    let mut lines = out.lines();
    let own: u32 = lines.next().unwrap().trim().parse().expect("a pid");
    let seen: u32 = lines.next().unwrap().trim().parse().expect("a count");
    // pid 1 is the first container's sleep; the joiner's shell follows.
    assert!(
        own > 1,
        "the joiner's shell has pid {own} in the joined namespace"
    );
    assert!(
        seen >= 2,
        "only {seen} processes visible in the joined namespace"
    );
    drop(tracer);
    let events: Vec<_> = events.try_iter().collect();
    let ops: Vec<&str> = events.iter().map(|e| e.op.as_str()).collect();
    let setns = events
        .iter()
        .position(|e| e.op == "setns" && e.ok)
        .unwrap_or_else(|| panic!("no setns in {ops:?}"));
    assert_eq!(
        events[setns].shell.as_deref(),
        Some(format!("nsenter --pid={}", path.display()).as_str())
    );
    let unshare = &events[setns + 1];
    assert_eq!(unshare.op, "unshare", "{ops:?}");
    assert_eq!(unshare.args, "CLONE_NEWUTS|CLONE_NEWNS");
    let fork = &events[setns + 2];
    assert!(
        fork.op == "clone" && fork.args.starts_with("CLONE_PARENT"),
        "{ops:?}"
    );
    drop(first);
}

/// Wrong paths to join: one sentence, nothing made.
#[test]
fn a_path_that_is_no_namespace_of_that_type_is_refused() {
    use contlab::runtime::Namespace;
    use_contlab();
    for (list, kind, path, says) in [
        (
            "net,mount",
            Namespace::Net,
            "/etc/hostname",
            "is not a namespace file",
        ),
        (
            "net,mount",
            Namespace::Net,
            "/proc/self/ns/uts",
            "is not a net namespace",
        ),
        (
            "user",
            Namespace::User,
            "/proc/self/ns/user",
            "contlab's own user namespace",
        ),
    ] {
        let mut s = spec(list, "true");
        s.join = vec![(kind, path.into())];
        let id = format!("contlab-badjoin-{}-{}", std::process::id(), kind.name());
        s.id = Some(id.clone());
        let e =
            match contlab::runtime::Container::start(s, &contlab::runtime::trace::Tracer::null()) {
                Ok(_) => panic!("joining {path} as {} worked", kind.name()),
                Err(e) => format!("{e:#}"),
            };
        assert!(e.contains(says), "{e}");
        assert_eq!(leftovers(&id), Vec::<String>::new());
    }
}
