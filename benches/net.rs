//! The networking track's costs, as root, in network namespaces the node makes (no
//! packet leaves them):
//!
//! - the time from a `net-service` action to its Service's rules in place
//!   (`Node::add_service`, 3 endpoints: a look for the shared chains, then one traced
//!   `iptables-restore --noflush`), against that one `iptables-restore` alone
//!   (`kubeproxy::restore_in`, untraced), which is how kube-proxy writes rules,
//!   alternated on the same node;
//! - building the node (namespace, `cni0`, the shell container) with N = 1, 4 and 16
//!   serving pods, and its teardown.
//!
//! Medians; run with `cargo bench --bench net`.

use contlab::runtime::kubeproxy::{self, Service};
use contlab::runtime::node::{Node, PodSpec};
use contlab::runtime::trace::Tracer;
use std::time::{Duration, Instant};

const ROUNDS: usize = 15;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn node_with(pods: usize) -> Node {
    let mut node = Node::create("10.244.1.0/24", &Tracer::null()).expect("the node is made");
    for i in 0..pods {
        node.add_pod(&PodSpec {
            name: format!("web-{i}"),
            serve: true,
            any_path: false,
            attach: true,
        })
        .expect("a pod is made");
    }
    node
}

fn services() {
    if kubeproxy::iptables().is_err() {
        println!("service rules: iptables is not installed; skipped");
        return;
    }
    let node = node_with(3);
    let eps: Vec<_> = node.pods().iter().map(|p| p.ip.addr).collect();
    let svc = |name: &str, ip: &str| Service {
        name: name.into(),
        cluster_ip: ip.parse().unwrap(),
        port: 80,
        endpoints: eps.clone(),
        affinity: None,
        node_port: None,
    };
    let (ours, peer) = (svc("web", "10.96.0.10"), svc("peer", "10.96.0.11"));
    let tracer = Tracer::null();
    // The first Service also writes the shared chains: not part of the figure.
    node.add_service(&ours, &tracer).unwrap();
    node.remove_service(&ours, &tracer).unwrap();
    let peer_rules = kubeproxy::rules(&peer).unwrap();
    let netns = node.netns().expect("the node's namespace");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        node.add_service(&ours, &tracer).unwrap();
        a.push(t.elapsed());
        node.remove_service(&ours, &tracer).unwrap();
        let t = Instant::now();
        kubeproxy::restore_in(netns.fd(), netns.name(), &peer_rules, &Tracer::null()).unwrap();
        b.push(t.elapsed());
        node.remove_service(&peer, &tracer).unwrap();
    }
    let (a, b) = (median(a), median(b));
    println!(
        "service rules in place (3 endpoints, {} rules): contlab {:.1} ms, iptables-restore {:.1} ms ({:.1}×)",
        kubeproxy::rules(&ours).unwrap().len(),
        ms(a),
        ms(b),
        ms(a) / ms(b)
    );
}

fn nodes() {
    for n in [1, 4, 16] {
        let rounds = if n == 16 { 3 } else { 5 };
        let (mut build, mut down) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            let mut node = node_with(n);
            build.push(t.elapsed());
            let t = Instant::now();
            let removed = node.teardown();
            down.push(t.elapsed());
            assert!(removed.iter().all(|r| r.error.is_none()), "{removed:?}");
        }
        let b = median(build);
        println!(
            "node with {n:>2} pod(s): built in {:.0} ms ({:.1} ms a pod), torn down in {:.0} ms",
            ms(b),
            ms(b) / n as f64,
            ms(median(down))
        );
    }
}

fn main() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "the node benchmark makes network namespaces: run it as root"
    );
    // The containers' init is contlab's binary, not this benchmark's.
    contlab::runtime::process::use_contlab_binary(std::path::Path::new(env!(
        "CARGO_BIN_EXE_contlab"
    )))
    .expect("the contlab binary is used");
    contlab::rootfs::ensure_default().expect("the default rootfs");
    services();
    nodes();
}
