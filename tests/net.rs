//! The network unit against the real kernel (run as root): namespaces, loopback, veth
//! pairs between contlab's own namespaces, the trace, and `contlab cleanup` of a
//! leftover namespace.
//!
//! Every namespace here is contlab-made and every address is inside one, so no packet
//! leaves them. Each test keeps its files in its own temporary run directory and removes
//! its namespaces in Drop guards, so a failing test leaves nothing behind.

mod common;

use contlab::runtime::ledger::{self, Ledger, ProcessId};
use contlab::runtime::net::{self, Ipv4Cidr, LinkInfo, NamedNetns};
use contlab::runtime::teardown::is_mount_point;
use contlab::runtime::trace::{TraceEvent, Tracer};
use std::collections::HashSet;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Removes its namespace when dropped, also when the test panics.
struct Guard(Option<NamedNetns>);

impl Guard {
    fn ns(&self) -> &NamedNetns {
        self.0.as_ref().expect("namespace already removed")
    }

    fn remove(&mut self) -> Vec<contlab::runtime::teardown::Removed> {
        self.remove_traced(&Tracer::null())
    }

    fn remove_traced(&mut self, tracer: &Tracer) -> Vec<contlab::runtime::teardown::Removed> {
        self.0
            .take()
            .expect("namespace already removed")
            .remove(tracer)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(ns) = self.0.take() {
            ns.remove(&Tracer::null());
        }
    }
}

/// A run directory of the test's own, laid out like contlab's.
struct RunDir(tempfile::TempDir);

impl RunDir {
    fn new() -> Self {
        RunDir(tempfile::tempdir().expect("cannot create a temporary run directory"))
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn netns(&self) -> PathBuf {
        self.path().join("netns")
    }
    fn records(&self) -> PathBuf {
        self.path().join("containers")
    }
}

/// The random tail of a fresh id: six hex digits, short enough for interface names.
fn tag() -> String {
    let id = ledger::new_id();
    id[id.len() - 6..].to_string()
}

fn cidr(s: &str) -> Ipv4Cidr {
    s.parse().unwrap()
}

fn drain(rx: &std::sync::mpsc::Receiver<TraceEvent>) -> Vec<TraceEvent> {
    rx.try_iter().collect()
}

fn link<'a>(links: &'a [LinkInfo], name: &str) -> Option<&'a LinkInfo> {
    links.iter().find(|l| l.name == name)
}

/// A network namespace held only by the returned fd (no mount, nothing to clean up), made
/// the way the runtime makes them: a thread unshares and the thread goes away.
fn unmounted_netns() -> OwnedFd {
    std::thread::spawn(|| {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("unshare(CLONE_NEWNET)");
        std::fs::File::open("/proc/thread-self/ns/net")
            .expect("open /proc/thread-self/ns/net")
            .into()
    })
    .join()
    .unwrap()
}

/// `ping -c1` of `addr` from inside `ns`, with iputils or busybox.
fn ping(ns: BorrowedFd<'_>, addr: &str, wait_s: u32) -> Output {
    let mut cmd = match which::which("ping") {
        Ok(p) => Command::new(p),
        Err(_) => {
            let mut c = Command::new("busybox");
            c.arg("ping");
            c
        }
    };
    cmd.args(["-c1", &format!("-W{wait_s}"), addr]);
    let raw = ns.as_raw_fd();
    // SAFETY: between fork and exec the child only makes the setns syscall.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setns(raw, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output()
        .expect("cannot run ping (install iputils-ping or busybox)")
}

fn ns_ident(path: &str) -> PathBuf {
    std::fs::read_link(path).unwrap()
}

/// Waits for something the kernel does asynchronously; the bound only keeps a broken
/// kernel from hanging the test run, it asserts nothing about speed.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn new_netns_has_only_lo_and_loopback_up_makes_it_answer() {
    let ns = unmounted_netns();

    let before = net::links_in(ns.as_fd()).unwrap();
    assert_eq!(before.len(), 1, "a new namespace has only lo: {before:?}");
    assert_eq!(before[0].name, "lo");
    assert_eq!(before[0].kind, "loopback");
    assert!(!before[0].up, "lo starts down: {before:?}");
    let down = ping(ns.as_fd(), "127.0.0.1", 1);
    assert!(!down.status.success(), "127.0.0.1 answered with lo down");

    let (tracer, rx) = Tracer::channel();
    net::loopback_up(ns.as_fd(), &tracer).unwrap();

    let after = net::links_in(ns.as_fd()).unwrap();
    let lo = link(&after, "lo").unwrap();
    assert!(lo.up, "lo is still down: {lo:?}");
    assert!(
        lo.addresses.iter().any(|a| a.to_string() == "127.0.0.1/8"),
        "lo has no 127.0.0.1/8: {lo:?}"
    );
    let up = ping(ns.as_fd(), "127.0.0.1", 1);
    assert!(
        up.status.success(),
        "127.0.0.1 did not answer: {}{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );

    let events = drain(&rx);
    let ops: Vec<&str> = events.iter().map(|e| e.op.as_str()).collect();
    assert_eq!(ops, ["setns", "netlink"], "{events:#?}");
    assert!(events.iter().all(|e| e.ok), "{events:#?}");
    assert!(events[1].args.starts_with("RTM_SETLINK"), "{events:#?}");
    assert_eq!(events[1].shell.as_deref(), Some("ip link set lo up"));
}

#[test]
fn in_netns_leaves_the_callers_namespace_alone() {
    let ns = unmounted_netns();
    let mine = ns_ident("/proc/thread-self/ns/net");
    let target = std::fs::read_link(format!("/proc/self/fd/{}", ns.as_raw_fd())).unwrap();
    assert_ne!(mine, target);
    let inside = net::in_netns(ns.as_fd(), || Ok(ns_ident("/proc/thread-self/ns/net"))).unwrap();
    assert_eq!(inside, target);
    assert_eq!(ns_ident("/proc/thread-self/ns/net"), mine);
    let err = net::in_netns(ns.as_fd(), || -> anyhow::Result<()> {
        anyhow::bail!("inner")
    });
    assert_eq!(err.unwrap_err().to_string(), "inner");
}

#[test]
fn veth_between_named_namespaces_pings_and_dies_with_them() {
    let run = RunDir::new();
    let mut ledger = Ledger::create_in(&run.records(), &ledger::new_id()).unwrap();
    let tracer = Tracer::null();
    let t = tag();
    let (if_a, if_b) = (format!("va{t}"), format!("vb{t}"));
    let host_before: HashSet<String> = net::list_links().unwrap().into_iter().collect();

    let mut a = Guard(Some(
        NamedNetns::create_in(
            &run.netns(),
            &format!("contlab-a-{t}"),
            &mut ledger,
            &tracer,
        )
        .unwrap(),
    ));
    let mut b = Guard(Some(
        NamedNetns::create_in(
            &run.netns(),
            &format!("contlab-b-{t}"),
            &mut ledger,
            &tracer,
        )
        .unwrap(),
    ));
    let (path_a, path_b) = (a.ns().path().to_path_buf(), b.ns().path().to_path_buf());
    assert!(is_mount_point(&path_a) && is_mount_point(&path_b));
    assert_eq!(ledger.record().ns_mounts, [path_a.clone(), path_b.clone()]);

    net::connect_veth(
        &a.ns().veth_end(&if_a, cidr("10.200.1.1/24")),
        &b.ns().veth_end(&if_b, cidr("10.200.1.2/24")),
        &tracer,
    )
    .unwrap();

    for (ns, me, peer) in [(a.ns(), &if_a, "10.200.1.2"), (b.ns(), &if_b, "10.200.1.1")] {
        let links = net::links_in(ns.fd()).unwrap();
        let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["lo", me.as_str()], "{links:#?}");
        let veth = link(&links, me).unwrap();
        assert_eq!(veth.kind, "veth");
        assert!(veth.up && veth.lower_up, "{veth:?}");
        assert!(
            veth.peer_netnsid.is_some(),
            "peer is not in another namespace: {veth:?}"
        );
        let out = ping(ns.fd(), peer, 2);
        assert!(
            out.status.success(),
            "{peer} did not answer from {}: {}{}",
            ns.name(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let host_after = net::list_links().unwrap();
    let new: Vec<&String> = host_after
        .iter()
        .filter(|l| !host_before.contains(*l))
        .collect();
    assert!(
        !host_after.contains(&if_a) && !host_after.contains(&if_b),
        "a veth end appeared in the host's namespace; new host links: {new:?}"
    );

    let removed = a.remove();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].error, None, "{removed:?}");
    assert!(!path_a.exists() && !is_mount_point(&path_a));
    // With a's namespace gone, the kernel destroys the pair, b's end included.
    wait_for("the veth's death with its namespace", || {
        net::links_in(b.ns().fd())
            .map(|l| link(&l, &if_b).is_none())
            .unwrap_or(false)
    });

    let removed = b.remove();
    assert_eq!(removed[0].error, None, "{removed:?}");
    assert!(!path_b.exists() && !is_mount_point(&path_b));
    let left: Vec<_> = std::fs::read_dir(run.netns()).unwrap().collect();
    assert!(left.is_empty(), "left in the netns directory: {left:?}");
    let host_end = net::list_links().unwrap();
    assert!(!host_end.contains(&if_a) && !host_end.contains(&if_b));
}

#[test]
fn create_connect_remove_are_traced_in_order_with_shell_equivalents() {
    let run = RunDir::new();
    let mut ledger = Ledger::create_in(&run.records(), &ledger::new_id()).unwrap();
    let (tracer, rx) = Tracer::channel();
    let t = tag();
    let (name_a, name_b) = (format!("contlab-a-{t}"), format!("contlab-b-{t}"));
    let (if_a, if_b) = (format!("va{t}"), format!("vb{t}"));

    let mut a = Guard(Some(
        NamedNetns::create_in(&run.netns(), &name_a, &mut ledger, &tracer).unwrap(),
    ));
    let created = drain(&rx);
    let dir = run.netns().display().to_string();
    let path_a = a.ns().path().display().to_string();
    let expect = [
        ("mkdir", Some(format!("mkdir -p {dir}"))),
        ("open", Some(format!("touch {path_a}"))),
        ("unshare", Some("unshare --net".to_string())),
        (
            "mount",
            Some(format!("mount --bind /proc/thread-self/ns/net {path_a}")),
        ),
        ("open", None),
        ("setns", None),
        ("netlink", Some("ip link set lo up".to_string())),
    ];
    let got: Vec<(&str, Option<String>)> = created
        .iter()
        .map(|e| (e.op.as_str(), e.shell.clone()))
        .collect();
    assert_eq!(got, expect, "{created:#?}");

    let b = Guard(Some(
        NamedNetns::create_in(&run.netns(), &name_b, &mut ledger, &tracer).unwrap(),
    ));
    let ops: Vec<String> = drain(&rx).into_iter().map(|e| e.op).collect();
    // The directory exists now: no mkdir.
    assert_eq!(
        ops,
        ["open", "unshare", "mount", "open", "setns", "netlink"]
    );

    net::connect_veth(
        &a.ns().veth_end(&if_a, cidr("10.200.2.1/24")),
        &b.ns().veth_end(&if_b, cidr("10.200.2.2/24")),
        &tracer,
    )
    .unwrap();
    let events = drain(&rx);
    assert!(events.iter().all(|e| e.ok), "{events:#?}");
    let got: Vec<(&str, Option<&str>)> = events
        .iter()
        .map(|e| (e.op.as_str(), e.shell.as_deref()))
        .collect();
    let expect: Vec<(&str, Option<String>)> = vec![
        ("setns", None),
        (
            "netlink",
            Some(format!(
                "ip -n {name_a} link add {if_a} type veth peer name {if_b} netns {name_b}"
            )),
        ),
        ("netlink", Some(format!("ip -n {name_a} link show {if_a}"))),
        (
            "netlink",
            Some(format!(
                "ip -n {name_a} addr add 10.200.2.1/24 brd + dev {if_a}"
            )),
        ),
        (
            "netlink",
            Some(format!("ip -n {name_a} link set {if_a} up")),
        ),
        ("setns", None),
        ("netlink", Some(format!("ip -n {name_b} link show {if_b}"))),
        (
            "netlink",
            Some(format!(
                "ip -n {name_b} addr add 10.200.2.2/24 brd + dev {if_b}"
            )),
        ),
        (
            "netlink",
            Some(format!("ip -n {name_b} link set {if_b} up")),
        ),
    ];
    let expect: Vec<(&str, Option<&str>)> =
        expect.iter().map(|(o, s)| (*o, s.as_deref())).collect();
    assert_eq!(got, expect, "{events:#?}");
    let prefixes: Vec<&str> = events
        .iter()
        .filter(|e| e.op == "netlink")
        .map(|e| e.args.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        prefixes,
        [
            "RTM_NEWLINK",
            "RTM_GETLINK",
            "RTM_NEWADDR",
            "RTM_SETLINK",
            "RTM_GETLINK",
            "RTM_NEWADDR",
            "RTM_SETLINK"
        ]
    );
    assert!(events[1].args.contains("IFLA_NET_NS_FD"), "{events:#?}");
    assert!(events[0].args.contains(&name_a), "{events:#?}");

    a.remove_traced(&tracer);
    let got: Vec<(String, Option<String>)> =
        drain(&rx).into_iter().map(|e| (e.op, e.shell)).collect();
    assert_eq!(
        got,
        [
            ("umount2".to_string(), Some(format!("umount -l {path_a}"))),
            ("unlink".to_string(), Some(format!("rm {path_a}"))),
        ]
    );
}

#[test]
fn a_name_in_use_is_refused_and_not_claimed() {
    let run = RunDir::new();
    let tracer = Tracer::null();
    let name = format!("contlab-dup-{}", tag());
    let mut first = Ledger::create_in(&run.records(), &ledger::new_id()).unwrap();
    let _a = Guard(Some(
        NamedNetns::create_in(&run.netns(), &name, &mut first, &tracer).unwrap(),
    ));
    let mut second = Ledger::create_in(&run.records(), &ledger::new_id()).unwrap();
    let err = NamedNetns::create_in(&run.netns(), &name, &mut second, &tracer).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err:#}");
    // The second record must not claim the first's namespace, or its teardown would
    // remove it.
    assert!(
        second.record().ns_mounts.is_empty(),
        "{:?}",
        second.record()
    );
    assert_eq!(first.record().ns_mounts, [run.netns().join(&name)]);
    assert!(is_mount_point(&run.netns().join(&name)));
}

#[test]
fn cleanup_removes_a_dead_owners_netns_and_nothing_else() {
    let run = RunDir::new();
    let tracer = Tracer::null();
    let t = tag();

    let stale_id = ledger::new_id();
    let mut stale = Ledger::create_in(&run.records(), &stale_id).unwrap();
    let _stale_ns = Guard(Some(
        NamedNetns::create_in(
            &run.netns(),
            &format!("contlab-stale-{t}"),
            &mut stale,
            &tracer,
        )
        .unwrap(),
    ));
    // The owner "crashed": same pid, another start time, so it no longer runs.
    let me = ProcessId::current();
    stale
        .update(|r| {
            r.owner = Some(ProcessId {
                pid: me.pid,
                start_time: me.start_time + 1,
            })
        })
        .unwrap();
    let stale_path = run.netns().join(format!("contlab-stale-{t}"));

    let live_id = ledger::new_id();
    let mut live = Ledger::create_in(&run.records(), &live_id).unwrap();
    let live_ns = Guard(Some(
        NamedNetns::create_in(
            &run.netns(),
            &format!("contlab-live-{t}"),
            &mut live,
            &tracer,
        )
        .unwrap(),
    ));

    let out = common::contlab()
        .args(["cleanup", "--json"])
        .env("CONTLAB_RUN_DIR", run.path())
        .env("CONTLAB_STATE_DIR", run.path().join("state"))
        // A cgroup parent nobody uses, so the sweep looks at no one else's cgroups.
        .env("CONTLAB_CGROUP_PARENT", format!("contlab-nettest-{t}"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cleanup failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let removed: HashSet<(String, String, bool)> = report["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["what"].as_str().unwrap().to_string(),
                r["error"].is_null(),
            )
        })
        .collect();
    let expect: HashSet<(String, String, bool)> = [
        ("netns", stale_path.display().to_string(), true),
        ("record", stale.path().display().to_string(), true),
    ]
    .into_iter()
    .map(|(k, w, ok)| (k.to_string(), w, ok))
    .collect();
    assert_eq!(removed, expect, "{stdout}");
    assert_eq!(report["kept"], serde_json::json!([live_id]), "{stdout}");

    assert!(!stale_path.exists() && !is_mount_point(&stale_path));
    assert!(!stale.path().exists());
    // The live container's namespace and record are untouched and still work.
    assert!(is_mount_point(live_ns.ns().path()));
    assert!(live.path().exists());
    let links = net::links_in(live_ns.ns().fd()).unwrap();
    assert!(link(&links, "lo").is_some_and(|l| l.up), "{links:?}");
}
