//! Queries per second of contlab's cluster DNS server against dnsmasq serving the same
//! records, in the same run, both on 127.0.0.1 (loopback only). One client asks one
//! question at a time (A for a Service, SRV for its named port, a pod's name and an
//! NXDOMAIN, in turn), so each figure is a round trip through one single-threaded server.
//! Prints both figures and their ratio; run with `cargo bench --bench dns`.
//! dnsmasq is optional: without it only contlab's figure is printed.

use contlab::runtime::dns::{DnsServer, DnsService, Records};
use contlab::runtime::trace::Tracer;
use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RecordType};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

const QUERIES: usize = 20_000;
const WARMUP: usize = 1_000;

const QUESTIONS: [(&str, RecordType); 4] = [
    ("web.default.svc.cluster.local.", RecordType::A),
    ("_http._tcp.web.default.svc.cluster.local.", RecordType::SRV),
    ("10-244-1-4.default.pod.cluster.local.", RecordType::A),
    ("nosuch.default.svc.cluster.local.", RecordType::A),
];

fn records() -> Records {
    Records {
        ttl: 30,
        services: vec![DnsService {
            name: "web".into(),
            cluster_ip: Some("10.96.0.10".parse().unwrap()),
            port: 80,
            port_name: Some("http".into()),
            endpoints: vec![],
        }],
        pods: vec!["10.244.1.4".parse().unwrap()],
    }
}

/// The same records as dnsmasq options; `--local` makes it answer NXDOMAIN for other
/// names of the zone instead of forwarding them (it has no upstream at all).
const DNSMASQ_RECORDS: [&str; 4] = [
    "--host-record=web.default.svc.cluster.local,10.96.0.10",
    "--srv-host=_http._tcp.web.default.svc.cluster.local,web.default.svc.cluster.local,80,0,100",
    "--host-record=10-244-1-4.default.pod.cluster.local,10.244.1.4",
    "--local=/cluster.local/",
];

/// The questions as wire messages; each use gets a fresh id.
fn questions() -> Vec<Vec<u8>> {
    QUESTIONS
        .iter()
        .map(|(n, t)| {
            let mut m = Message::query();
            m.metadata.recursion_desired = true;
            m.add_query(Query::query(Name::from_ascii(n).unwrap(), *t));
            m.to_vec().unwrap()
        })
        .collect()
}

/// Queries per second against `server`, and the response codes seen (low 4 bits of
/// byte 3) per question, to show both servers answered alike.
fn measure(server: SocketAddr) -> (f64, Vec<u8>) {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("a client socket");
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    sock.connect(server).expect("connect");
    let mut qs = questions();
    let mut buf = [0u8; 1500];
    let mut rcodes = vec![0u8; qs.len()];
    let mut ask = |i: usize, id: u16| {
        let q = &mut qs[i % QUESTIONS.len()];
        q[..2].copy_from_slice(&id.to_be_bytes());
        sock.send(q).expect("send");
        loop {
            let n = sock.recv(&mut buf).expect("the server answered within 2 s");
            if n >= 4 && buf[..2] == id.to_be_bytes() {
                rcodes[i % QUESTIONS.len()] = buf[3] & 0x0f;
                return;
            }
        }
    };
    for i in 0..WARMUP {
        ask(i, i as u16);
    }
    let start = Instant::now();
    for i in 0..QUERIES {
        ask(i, i as u16);
    }
    (QUERIES as f64 / start.elapsed().as_secs_f64(), rcodes)
}

/// A dnsmasq child, killed (by its own pid) when dropped.
struct Dnsmasq(std::process::Child);

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_udp_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("a free port");
    s.local_addr().unwrap().port()
}

fn start_dnsmasq() -> Option<(Dnsmasq, SocketAddr)> {
    let bin = which::which("dnsmasq")
        .ok()
        .or_else(|| Some("/usr/sbin/dnsmasq".into()).filter(|p: &std::path::PathBuf| p.exists()))?;
    let port = free_udp_port();
    let child = std::process::Command::new(bin)
        .args([
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--conf-file=/dev/null",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--pid-file=",
            &format!("--port={port}"),
        ])
        .args(DNSMASQ_RECORDS)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let guard = Dnsmasq(child);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // Wait until it answers.
    let probe = UdpSocket::bind("127.0.0.1:0").ok()?;
    probe
        .set_read_timeout(Some(Duration::from_millis(100)))
        .ok()?;
    let q = &questions()[0];
    for _ in 0..50 {
        let _ = probe.send_to(q, addr);
        let mut b = [0u8; 512];
        if probe.recv_from(&mut b).is_ok() {
            return Some((guard, addr));
        }
    }
    None
}

fn main() {
    let server = DnsServer::start(
        None,
        "127.0.0.1:0".parse().unwrap(),
        &records(),
        &Tracer::null(),
    )
    .expect("contlab's DNS server starts");
    let (ours, our_codes) = measure(server.addr());
    println!(
        "contlab dns: {QUERIES} queries, {ours:.0} queries/s (one client, one question at a time)"
    );
    match start_dnsmasq() {
        Some((_guard, addr)) => {
            let (theirs, their_codes) = measure(addr);
            println!("dnsmasq:     {QUERIES} queries, {theirs:.0} queries/s, same records");
            println!("ratio contlab/dnsmasq: {:.2}", ours / theirs);
            println!(
                "response codes per question: contlab {our_codes:?}, dnsmasq {their_codes:?} (0 NOERROR, 3 NXDOMAIN)"
            );
        }
        None => println!("dnsmasq: not installed or did not start; no ratio"),
    }
}
