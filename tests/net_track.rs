//! The networking track's node against the real kernel (run as root): a node namespace
//! with a `cni0` bridge, pods as contlab containers on it, a real HTTP request from one
//! pod to another, the student's `ip link set … master cni0`, and a teardown that leaves
//! no namespace, link, record or process.
//!
//! Every address is inside namespaces the test's node made; no packet leaves them. The
//! `Node` value is the guard: dropping it (also when a test panics) tears it down.

mod common;

use common::Env;
use contlab::runtime::Stdio;
use contlab::runtime::node::{self, Node, PodSpec};
use contlab::runtime::trace::Tracer;
use std::path::PathBuf;

fn pod(name: &str, serve: bool, attach: bool) -> PodSpec {
    PodSpec {
        name: name.to_string(),
        serve,
        attach,
    }
}

/// What a node leaves behind once torn down, found from the outside.
struct Traces {
    netns: PathBuf,
    record: PathBuf,
    pids: Vec<i32>,
}

impl Traces {
    fn of(node: &Node) -> Self {
        let mut pids: Vec<i32> = node.pods().iter().map(|p| p.container.pid()).collect();
        pids.extend(node.shell().map(|c| c.pid()));
        Traces {
            netns: node
                .netns()
                .expect("the node's namespace")
                .path()
                .to_path_buf(),
            record: contlab::runtime::ledger::records_dir().join(format!("{}.json", node.id())),
            pids,
        }
    }

    fn assert_gone(&self) {
        assert!(!self.netns.exists(), "{} is left", self.netns.display());
        assert!(!self.record.exists(), "{} is left", self.record.display());
        for pid in &self.pids {
            assert!(
                !PathBuf::from(format!("/proc/{pid}")).exists(),
                "process {pid} is left"
            );
        }
        let host = contlab::runtime::net::list_links().expect("the host's links");
        for name in &host {
            assert!(
                !name.starts_with("veth-") && name != "cni0",
                "a link {name} is in the host's namespace"
            );
        }
    }
}

fn start_node() -> Node {
    common::require_root("the node makes network namespaces");
    common::runtime::rootfs();
    Node::create("10.244.1.0/24", &Tracer::null()).expect("the node is made")
}

#[test]
fn two_pods_on_the_bridge_reach_each_other_and_nothing_is_left() {
    let mut node = start_node();
    let web_ip = node.add_pod(&pod("web", true, true)).expect("web").ip;
    node.add_pod(&pod("client", false, true)).expect("client");
    assert_eq!(web_ip.to_string(), "10.244.1.2/24");
    assert_eq!(
        node.request("client", web_ip.addr)
            .expect("the request runs"),
        Some("web".to_string()),
        "the client did not reach web through the bridge"
    );
    let mut ports = node.bridge_ports().expect("the bridge's ports");
    ports.sort();
    assert_eq!(ports, ["veth-client", "veth-web"]);
    let traces = Traces::of(&node);
    let removed = node.teardown();
    assert!(
        removed.iter().all(|r| r.error.is_none()),
        "teardown failed: {removed:?}"
    );
    traces.assert_gone();
}

#[test]
fn a_veth_outside_the_bridge_is_reached_once_the_student_attaches_it() {
    let mut node = start_node();
    let web_ip = node.add_pod(&pod("web", true, false)).expect("web").ip;
    node.add_pod(&pod("client", false, true)).expect("client");
    assert_eq!(node.request("client", web_ip.addr).expect("runs"), None);
    // What the lesson's student types in the node's shell.
    let shell = node.shell().expect("the node's shell container");
    let out = shell
        .exec(
            &[
                "sh",
                "-c",
                "ip link set veth-web master cni0 && ip link set veth-web up",
            ],
            Stdio::piped(),
        )
        .expect("the commands run");
    assert!(
        out.exit.success(),
        "ip failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        node.request("client", web_ip.addr).expect("runs"),
        Some("web".to_string())
    );
    let traces = Traces::of(&node);
    drop(node);
    traces.assert_gone();
}

#[test]
fn a_pod_network_the_host_routes_is_refused_before_anything_is_made() {
    common::require_root("the node makes network namespaces");
    let Some(route) = node::host_routes()
        .into_iter()
        .find(|r| r.dst.prefix_len > 0)
    else {
        eprintln!("skipped: the host has no route but the default one");
        return;
    };
    let err = Node::create(&route.dst.to_string(), &Tracer::null()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("overlaps the host's route"), "{msg}");
}

#[test]
fn the_networking_lessons_pass_headless_and_leave_nothing() {
    common::require_root("the lesson makes network namespaces");
    common::runtime::rootfs();
    let env = Env::new("netrun");
    let out = env
        .command(&["run", "pod-network"])
        .output()
        .expect("contlab runs");
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("client reached api at 10.244.1.3"), "{text}");
    assert_eq!(env.netns_and_records_left(), Vec::<String>::new());
}

#[test]
fn cleanup_removes_the_node_of_a_killed_contlab() {
    use std::os::unix::process::CommandExt;
    common::require_root("the lesson makes network namespaces");
    common::runtime::rootfs();
    let env = Env::new("netkill");
    let mut child = env
        .command(&["run", "pod-network"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .expect("contlab runs");
    // Kill it once the node's namespace exists (the lesson's first step makes it).
    let netns = env.run.path().join("netns");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::read_dir(&netns).map(|d| d.count()).unwrap_or(0) == 0 {
        assert!(std::time::Instant::now() < deadline, "no node was made");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(
        !env.netns_and_records_left().is_empty(),
        "a SIGKILL left nothing to clean"
    );
    let out = env.command(&["cleanup"]).output().expect("cleanup runs");
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(env.netns_and_records_left(), Vec::<String>::new());
}

#[test]
fn a_cluster_ip_service_spreads_requests_over_its_endpoints() {
    use contlab::runtime::kubeproxy::{self, Service};
    if kubeproxy::iptables().is_err() {
        eprintln!("skipped: iptables is not installed");
        return;
    }
    let mut node = start_node();
    let a = node
        .add_pod(&pod("web-a", true, true))
        .expect("web-a")
        .ip
        .addr;
    let b = node
        .add_pod(&pod("web-b", true, true))
        .expect("web-b")
        .ip
        .addr;
    node.add_pod(&pod("client", false, true)).expect("client");
    let svc = Service {
        name: "web".into(),
        cluster_ip: "10.96.0.10".parse().unwrap(),
        port: 80,
        endpoints: vec![a, b],
    };
    node.add_service(&svc, &Tracer::null())
        .expect("the rules are made");
    let n = 40;
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..n {
        let body = node
            .request("client", svc.cluster_ip)
            .expect("runs")
            .expect("the Service answered");
        *counts.entry(body).or_insert(0) += 1;
    }
    // Binomial(40, 1/2): each endpoint gets 20 ± 3.2; 6..34 is beyond 4 standard
    // deviations, so a fair random choice fails this less than once in 10,000 runs.
    for name in ["web-a", "web-b"] {
        let got = counts.get(name).copied().unwrap_or(0);
        assert!(
            (6..=34).contains(&got),
            "{name} got {got} of {n}: {counts:?}"
        );
    }
    let traces = Traces::of(&node);
    drop(node);
    traces.assert_gone();
}
