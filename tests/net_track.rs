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
        any_path: false,
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
fn the_load_balancing_lesson_holds_affinity_and_leaves_nothing() {
    common::require_root("the lesson makes network namespaces");
    if contlab::runtime::kubeproxy::iptables().is_err() {
        eprintln!("skipped: iptables is not installed");
        return;
    }
    common::runtime::rootfs();
    let env = Env::new("netlb");
    let out = env
        .command(&["run", "load-balancing"])
        .output()
        .expect("contlab runs");
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    // The round robin of the task divides 30 requests exactly; affinity keeps 20 on one pod.
    assert!(
        text.contains("web-a 10, web-b 10, web-c 10, 0 unanswered"),
        "{text}"
    );
    assert!(
        text.contains("20 requests from client to web: web-"),
        "{text}"
    );
    assert!(text.contains("no line like `-N KUBE-SEP-WEB-2`"), "{text}");
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
        affinity: None,
        node_port: None,
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

#[test]
fn affinity_holds_a_node_port_answers_and_a_removed_endpoint_gets_nothing() {
    use contlab::runtime::kubeproxy::{self, Service};
    if kubeproxy::iptables().is_err() {
        eprintln!("skipped: iptables is not installed");
        return;
    }
    let mut node = start_node();
    let mut ips = Vec::new();
    for name in ["web-a", "web-b", "web-c"] {
        ips.push(node.add_pod(&pod(name, true, true)).expect(name).ip.addr);
    }
    node.add_pod(&pod("client", false, true)).expect("client");
    let sticky = Service {
        name: "web".into(),
        cluster_ip: "10.96.0.10".parse().unwrap(),
        port: 80,
        endpoints: ips.clone(),
        affinity: Some(10800),
        node_port: Some(30080),
    };
    node.add_service(&sticky, &Tracer::null())
        .expect("the rules are made");
    let answers = |ip, port| {
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..12 {
            let body = node
                .request_to("client", ip, port)
                .expect("runs")
                .unwrap_or_default();
            *seen.entry(body).or_insert(0) += 1;
        }
        seen
    };
    // Without affinity, 12 random choices among 3 land on one pod with probability
    // 3 * (1/3)^12, about 6 in a million: one answering pod shows the `recent` match.
    let by_ip = answers(sticky.cluster_ip, 80);
    assert_eq!(by_ip.len(), 1, "affinity did not hold: {by_ip:?}");
    assert!(!by_ip.contains_key(""), "unanswered: {by_ip:?}");
    // The node port on the node's own address reaches the same chain, and the client's
    // entry in the recent list sends it to the same pod.
    let by_port = answers(node.gateway().addr, 30080);
    assert_eq!(by_port, by_ip, "the node port answered otherwise");
    let table = node.nat_rules().expect("the nat table");
    assert!(
        table.iter().any(|l| l.starts_with("-A KUBE-NODEPORTS ")
            && l.contains("--dport 30080")
            && l.ends_with("-j KUBE-SVC-WEB")),
        "{table:#?}"
    );
    // The pod that held the client is taken out: the Service is rewritten without it.
    let held = by_ip.keys().next().unwrap().clone();
    let names = ["web-a", "web-b", "web-c"];
    let rest: Vec<_> = names
        .iter()
        .zip(&ips)
        .filter(|(n, _)| **n != held)
        .map(|(_, ip)| *ip)
        .collect();
    node.remove_service(&sticky, &Tracer::null())
        .expect("the old rules go");
    let gone = node.nat_rules().expect("the nat table");
    assert!(
        !gone
            .iter()
            .any(|l| l.contains("KUBE-SVC-WEB") || l.contains("KUBE-SEP-WEB")),
        "left after removal: {gone:#?}"
    );
    let fewer = Service {
        endpoints: rest,
        ..sticky.clone()
    };
    node.add_service(&fewer, &Tracer::null())
        .expect("the new rules are made");
    let after = answers(sticky.cluster_ip, 80);
    assert!(
        !after.contains_key(&held) && !after.contains_key(""),
        "{held} still answers, or a request went unanswered: {after:?}"
    );
    let traces = Traces::of(&node);
    drop(node);
    traces.assert_gone();
}

#[test]
fn the_l4_vs_l7_lesson_routes_by_path_and_host_and_leaves_nothing() {
    common::require_root("the lesson makes network namespaces");
    if contlab::runtime::kubeproxy::iptables().is_err() {
        eprintln!("skipped: iptables is not installed");
        return;
    }
    common::runtime::rootfs();
    let env = Env::new("netl7");
    let out = env
        .command(&["run", "l4-vs-l7"])
        .output()
        .expect("contlab runs");
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    // The ClusterIP spreads /api over both pods; the Ingress sends it to api alone, by
    // whole path elements, and by Host before path.
    assert!(
        text.contains(
            "20 requests GET /api with Host: 10.96.0.30 from client to 10.96.0.30:80: api "
        ),
        "{text}"
    );
    assert!(
        text.contains("GET /api/orders with Host: 10.244.1.1 from client to 10.244.1.1:80: api 4."),
        "{text}"
    );
    assert!(
        text.contains("GET /apiary with Host: 10.244.1.1 from client to 10.244.1.1:80: web 4."),
        "{text}"
    );
    assert!(
        text.contains("GET / with Host: api.example from client to 10.244.1.1:80: api 4."),
        "{text}"
    );
    assert_eq!(env.netns_and_records_left(), Vec::<String>::new());
}

/// Writes `text` to `path` so that the proxy's next look sees new bytes.
fn write(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).expect("the Ingress file is written");
}

const INGRESS: &str = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
";

#[test]
fn the_ingress_proxy_routes_real_requests_and_keeps_its_rules_on_a_bad_edit() {
    use contlab::runtime::ingress::{IngressProxy, ProxyService, Services};
    let mut node = start_node();
    let mut serve = |name: &str| {
        let mut p = pod(name, true, true);
        p.any_path = true;
        node.add_pod(&p).expect("a pod").ip.addr
    };
    let (web, api) = (serve("web"), serve("api"));
    node.add_pod(&pod("client", false, true)).expect("client");
    let traces = Traces::of(&node);
    let services: Services = [("web", web), ("api", api)]
        .into_iter()
        .map(|(n, ip)| {
            (
                n.to_string(),
                ProxyService {
                    port: 80,
                    port_name: None,
                    endpoints: vec![(n.to_string(), ip)],
                },
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("ingress.yaml");
    write(&file, INGRESS);
    let gw = node.gateway().addr;
    let netns = node.netns().expect("the namespace");
    let mut proxy = IngressProxy::start(
        netns.fd(),
        netns.name(),
        std::net::SocketAddr::from((gw, 80)),
        &file,
        "ingress.yaml",
        services,
        &Tracer::null(),
    )
    .expect("the proxy starts");
    let get = |path: &str, host: &str| {
        node.http("client", gw, 80, path, Some(host))
            .expect("the request runs")
    };
    assert_eq!(get("/api", "x"), Some((200, "web".to_string())));
    // The student's path rule, read at once.
    let with_api = INGRESS.to_string()
        + "      - path: /api\n        pathType: Prefix\n        backend:\n          service:\n            name: api\n            port:\n              number: 80\n";
    write(&file, &with_api);
    proxy.sync().expect("the file is read");
    assert!(proxy.refused().is_none());
    assert_eq!(get("/api/v1", "x"), Some((200, "api".to_string())));
    assert_eq!(get("/apiary", "x"), Some((200, "web".to_string())));
    // A path without '/' is refused at its line; the rules in force stay.
    write(&file, &with_api.replace("path: /api", "path: api"));
    proxy.sync().expect("the file is read");
    let why = format!("{:#}", proxy.refused().expect("a refusal"));
    assert!(why.starts_with("ingress.yaml:16: "), "{why}");
    assert_eq!(get("/api", "x"), Some((200, "api".to_string())));
    // A Service the node lacks, and YAML that does not parse: the same.
    write(&file, &with_api.replace("name: api", "name: nosuch"));
    proxy.sync().expect("the file is read");
    let why = format!("{:#}", proxy.refused().expect("a refusal"));
    assert!(why.contains("\"nosuch\""), "{why}");
    write(&file, "kind: [Ingress\n");
    assert!(proxy.reload().is_err());
    assert_eq!(get("/api", "x"), Some((200, "api".to_string())));
    // The watcher, without a sync: a host rule takes effect within a quarter second.
    let with_host = with_api.replacen(
        "  rules:\n",
        "  rules:\n  - host: shop.example\n    http:\n      paths:\n      - path: /\n        pathType: Exact\n        backend:\n          service:\n            name: api\n            port:\n              number: 80\n",
        1,
    );
    write(&file, &with_host);
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert!(proxy.refused().is_none());
    assert_eq!(get("/", "shop.example"), Some((200, "api".to_string())));
    // The host's rules only: no `/x` there, and no defaultBackend.
    let (status, body) = get("/x", "shop.example").expect("an answer");
    assert_eq!((status, body.as_str()), (404, "default backend - 404"));
    let log = proxy.log();
    let last = log.last().expect("logged");
    assert_eq!(
        (last.host.as_str(), last.path.as_str(), last.status),
        ("shop.example", "/x", 404)
    );
    assert!(
        log.iter()
            .any(|r| r.backend == format!("api → api {api}:80") && r.rule == "* /api (Prefix)"),
        "{log:?}"
    );
    proxy.stop();
    // Stopped, nothing listens on the node's port 80 any more.
    assert_eq!(get("/", "x"), None);
    node.teardown();
    traces.assert_gone();
}
