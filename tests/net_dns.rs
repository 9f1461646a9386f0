//! The node's cluster DNS against the real kernel (run as root): the server's answers
//! (A, SRV, a headless Service's endpoints, a pod's name, NXDOMAIN, the TTL) asked from
//! inside the node's namespace, the kubelet's resolv.conf in a pod and busybox
//! `nslookup web` resolving through its search list, and the `cluster-dns` lesson
//! leaving nothing, also when it is stopped with SIGTERM.
//!
//! Every packet stays inside namespaces the test's node made. The `Node` is the guard
//! of the kernel objects; the server, declared after it, is dropped (stopped) first.

mod common;

use common::Env;
use contlab::runtime::Stdio;
use contlab::runtime::dns::{self, DnsServer, DnsService, Records};
use contlab::runtime::node::{Node, PodSpec};
use contlab::runtime::trace::Tracer;
use hickory_proto::rr::RecordType;
use std::net::{Ipv4Addr, SocketAddr};

fn pod(name: &str, serve: bool) -> PodSpec {
    PodSpec {
        name: name.to_string(),
        serve,
        any_path: false,
        attach: true,
    }
}

fn service(
    name: &str,
    cluster_ip: Option<&str>,
    port_name: Option<&str>,
    endpoints: Vec<(String, Ipv4Addr)>,
) -> DnsService {
    DnsService {
        name: name.into(),
        cluster_ip: cluster_ip.map(|ip| ip.parse().expect("an address")),
        port: 80,
        port_name: port_name.map(String::from),
        endpoints,
    }
}

#[test]
fn the_server_answers_the_kubernetes_records_and_a_pod_resolves_through_its_search_list() {
    common::require_root("the node makes network namespaces");
    common::runtime::rootfs();
    let mut node = Node::create("10.244.1.0/24", &Tracer::null()).expect("the node is made");
    let a = node.add_pod(&pod("web-a", true)).expect("web-a").ip.addr;
    let b = node.add_pod(&pod("web-b", true)).expect("web-b").ip.addr;
    let c = node.add_pod(&pod("client", false)).expect("client").ip.addr;
    let records = Records {
        ttl: 17,
        services: vec![
            service("web", Some("10.96.0.10"), Some("http"), vec![]),
            service(
                "db",
                None,
                None,
                vec![("web-a".into(), a), ("web-b".into(), b)],
            ),
        ],
        pods: vec![a, b, c],
    };
    let gw = node.gateway().addr;
    let netns = node.netns().expect("the node's namespace");
    let server = DnsServer::start(
        Some((netns.fd(), netns.name())),
        SocketAddr::from((gw, 53)),
        &records,
        &Tracer::null(),
    )
    .expect("the server starts");
    let ask = |name: &str, t: RecordType| {
        dns::query(
            Some(netns.fd()),
            Ipv4Addr::LOCALHOST,
            server.addr(),
            name,
            t,
        )
        .unwrap_or_else(|e| panic!("{name}: {e:#}"))
    };
    let data = |ans: &dns::Answer| {
        let mut d: Vec<String> = ans.records.iter().map(|(d, _)| d.clone()).collect();
        d.sort();
        d
    };

    let web = ask("web.default.svc.cluster.local", RecordType::A);
    assert_eq!(
        (web.rcode.as_str(), data(&web)),
        ("NOERROR", vec!["10.96.0.10".to_string()])
    );
    assert!(web.records.iter().all(|(_, ttl)| *ttl == 17), "{web:?}");
    let srv = ask("_http._tcp.web.default.svc.cluster.local", RecordType::SRV);
    assert_eq!(data(&srv), ["0 100 80 web.default.svc.cluster.local."]);
    let headless = ask("db.default.svc.cluster.local", RecordType::A);
    assert_eq!(data(&headless), [a.to_string(), b.to_string()]);
    let by_pod = ask("10-244-1-4.default.pod.cluster.local", RecordType::A);
    assert_eq!(data(&by_pod), [c.to_string()]);
    for miss in [
        "nosuch.default.svc.cluster.local",
        "10-244-1-99.default.pod.cluster.local",
    ] {
        assert_eq!(ask(miss, RecordType::A).rcode, "NXDOMAIN", "{miss}");
    }
    let err = dns::query(
        Some(netns.fd()),
        Ipv4Addr::LOCALHOST,
        server.addr(),
        "web..x",
        RecordType::A,
    )
    .unwrap_err();
    assert!(err.to_string().contains("is not a DNS name"), "{err:#}");

    // The kubelet's resolv.conf in the client pod, and a lookup through its search list.
    let client = &node.pod("client").expect("client").container;
    let conf = dns::resolv_conf(gw);
    let write = format!("printf '{}' > /etc/resolv.conf", conf.replace('\n', "\\n"));
    let out = client
        .exec(&["sh", "-c", &write], Stdio::piped())
        .expect("runs");
    assert!(
        out.exit.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = client
        .exec(&["cat", "/etc/resolv.conf"], Stdio::piped())
        .expect("runs")
        .stdout_str();
    assert!(
        seen.contains("search default.svc.cluster.local svc.cluster.local cluster.local")
            && seen.contains("options ndots:5")
            && seen.contains("nameserver 10.244.1.1"),
        "{seen}"
    );
    let out = client
        .exec(&["nslookup", "web"], Stdio::piped())
        .expect("nslookup runs");
    let said = out.stdout_str();
    assert!(
        said.contains("Name:\tweb.default.svc.cluster.local") && said.contains("10.96.0.10"),
        "{said}"
    );
    // The server saw the client's queries, each search-list expansion one.
    let from_client: Vec<String> = server
        .log()
        .into_iter()
        .filter(|q| q.client.starts_with(&format!("{c}:")) && q.qtype == "A")
        .map(|q| q.name)
        .collect();
    for name in [
        "web.default.svc.cluster.local.",
        "web.svc.cluster.local.",
        "web.cluster.local.",
    ] {
        assert!(
            from_client.iter().any(|n| n == name),
            "{name} not in {from_client:?}"
        );
    }
    drop(server);
    node.teardown();
}

/// An environment for a run of the lesson, or `None` (a skip, said) without iptables.
fn lesson_env(tag: &str) -> Option<Env> {
    common::require_root("the lesson makes network namespaces");
    if contlab::runtime::kubeproxy::iptables().is_err() {
        eprintln!("skipped: iptables is not installed (the lesson's Services need it)");
        return None;
    }
    common::runtime::rootfs();
    Some(Env::new(tag))
}

#[test]
fn the_cluster_dns_lesson_passes_headless_and_leaves_nothing() {
    let Some(env) = lesson_env("dnsrun") else {
        return;
    };
    let out = env.contlab(&["run", "cluster-dns"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("took 8 queries"), "{text}");
    assert!(text.contains("took 2 queries"), "{text}");
    assert_eq!(env.netns_and_records_left(), Vec::<String>::new());
}

/// Runs the lesson in `env` and sends `signal` to contlab once the DNS server answered
/// its first check; returns when contlab has ended.
fn signal_once_dns_runs(env: &Env, signal: nix::sys::signal::Signal) {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let mut child = env
        .command(&["run", "cluster-dns"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .expect("contlab runs");
    let pid = child.id() as i32;
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .expect("the run ended before the DNS server started")
            .expect("a line");
        if line.contains("start-dns") {
            break;
        }
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).expect("the signal");
    // Keep reading so the child never blocks on a full pipe.
    for _ in lines {}
    child.wait().expect("reaped");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "contlab {pid} (and its server thread) is still alive"
    );
}

#[test]
fn sigterm_during_the_lesson_stops_the_server_and_leaves_nothing() {
    let Some(env) = lesson_env("dnsterm") else {
        return;
    };
    signal_once_dns_runs(&env, nix::sys::signal::Signal::SIGTERM);
    assert_eq!(env.netns_and_records_left(), Vec::<String>::new());
}

#[test]
fn cleanup_after_sigkill_during_the_lesson_leaves_nothing() {
    let Some(env) = lesson_env("dnskill") else {
        return;
    };
    signal_once_dns_runs(&env, nix::sys::signal::Signal::SIGKILL);
    assert!(
        !env.netns_and_records_left().is_empty(),
        "a SIGKILL left nothing to clean"
    );
    let out = env.contlab(&["cleanup"]);
    assert!(out.status.success(), "{}", common::text(&out));
    assert_eq!(env.netns_and_records_left(), Vec::<String>::new());
}
