//! A node's cluster DNS, answering as CoreDNS's `kubernetes` plugin does for the
//! records the Kubernetes DNS specification names, in the zone `cluster.local`:
//!
//! ```text
//! web.default.svc.cluster.local           A    the ClusterIP
//! _http._tcp.web.default.svc.cluster.local SRV  0 100 80 web.default.svc.cluster.local.
//! db.default.svc.cluster.local            A    each endpoint (headless: clusterIP None)
//! db-a.db.default.svc.cluster.local       A    one endpoint, by its pod's name
//! 10-244-1-4.default.pod.cluster.local    A    10.244.1.4 (pods that exist only)
//! anything else                           NXDOMAIN (a name that holds other names: NODATA)
//! ```
//!
//! The protocol (parsing queries, writing answers) is hickory-proto's; this module only
//! decides the answers. The server is a thread of contlab's own process whose UDP socket
//! was opened inside the node's network namespace (a socket stays in the namespace it
//! was made in), so it dies with contlab, even on SIGKILL, and leaves nothing to sweep.
//! Every query and its answer are kept in a short log, the lesson's observation.

use super::trace::{TraceEvent, Tracer};
use anyhow::{Context, Result, bail};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, SOA, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The cluster's DNS domain, the kubelet's `--cluster-domain` default.
pub const DOMAIN: &str = "cluster.local";
/// The one namespace the lessons' objects live in.
pub const NAMESPACE: &str = "default";
/// How many queries the log keeps.
const LOG_LEN: usize = 256;

/// A Service as DNS sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsService {
    pub name: String,
    /// `None`: a headless Service (`clusterIP: None`), whose name gives its endpoints.
    pub cluster_ip: Option<Ipv4Addr>,
    pub port: u16,
    /// The port's name: it gets an SRV record `_NAME._tcp.SERVICE…`.
    pub port_name: Option<String>,
    /// The endpoints: pod name and address.
    pub endpoints: Vec<(String, Ipv4Addr)>,
}

/// Everything the server answers from: the Services, the pods' addresses and the TTL of
/// every answer (and of NXDOMAIN, through the SOA's minimum, RFC 2308).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub ttl: u32,
    pub services: Vec<DnsService>,
    pub pods: Vec<Ipv4Addr>,
}

/// The records by owner name (lower case, no final dot).
#[derive(Debug, Default)]
struct Zone {
    ttl: u32,
    rrsets: BTreeMap<String, Vec<RData>>,
}

fn fqdn(name: &str) -> Result<Name> {
    let mut n = Name::from_ascii(name).with_context(|| format!("{name:?} is not a DNS name"))?;
    n.set_fqdn(true);
    Ok(n)
}

impl Zone {
    fn new(r: &Records) -> Result<Zone> {
        let mut rrsets: BTreeMap<String, Vec<RData>> = BTreeMap::new();
        let mut add = |name: String, data: RData| rrsets.entry(name).or_default().push(data);
        let svc_zone = format!("{NAMESPACE}.svc.{DOMAIN}");
        for s in &r.services {
            let svc = format!("{}.{svc_zone}", s.name);
            match s.cluster_ip {
                Some(ip) => {
                    add(svc.clone(), RData::A(A(ip)));
                    if let Some(p) = &s.port_name {
                        add(
                            format!("_{p}._tcp.{svc}"),
                            RData::SRV(SRV::new(0, 100, s.port, fqdn(&svc)?)),
                        );
                    }
                }
                None => {
                    let weight = (100 / s.endpoints.len().max(1)) as u16;
                    for (pod, ip) in &s.endpoints {
                        let host = format!("{pod}.{svc}");
                        add(svc.clone(), RData::A(A(*ip)));
                        add(host.clone(), RData::A(A(*ip)));
                        if let Some(p) = &s.port_name {
                            add(
                                format!("_{p}._tcp.{svc}"),
                                RData::SRV(SRV::new(0, weight, s.port, fqdn(&host)?)),
                            );
                        }
                    }
                }
            }
        }
        for ip in &r.pods {
            let dashed = ip.to_string().replace('.', "-");
            add(
                format!("{dashed}.{NAMESPACE}.pod.{DOMAIN}"),
                RData::A(A(*ip)),
            );
        }
        Ok(Zone { ttl: r.ttl, rrsets })
    }

    /// The zone's SOA, whose minimum is the TTL a resolver caches a negative answer for.
    fn soa(&self) -> Record {
        let origin = fqdn(DOMAIN).expect("a constant name");
        let soa = SOA::new(
            fqdn(&format!("ns.dns.{DOMAIN}")).expect("a constant name"),
            fqdn(&format!("hostmaster.{DOMAIN}")).expect("a constant name"),
            1,
            7200,
            1800,
            86400,
            self.ttl,
        );
        Record::from_rdata(origin, self.ttl, RData::SOA(soa))
    }

    /// The answer to one question: its response code, answers and authority records.
    fn lookup(&self, q: &Query) -> (ResponseCode, Vec<Record>, Vec<Record>) {
        let key = q.name().to_lowercase().to_ascii();
        let key = key.trim_end_matches('.');
        let in_zone = key == DOMAIN || key.ends_with(&format!(".{DOMAIN}"));
        if !in_zone {
            return (ResponseCode::NXDomain, vec![], vec![]);
        }
        let matching: Vec<Record> = self
            .rrsets
            .get(key)
            .into_iter()
            .flatten()
            .filter(|d| q.query_type() == RecordType::ANY || d.record_type() == q.query_type())
            .map(|d| Record::from_rdata(q.name().clone(), self.ttl, d.clone()))
            .collect();
        if key == DOMAIN && q.query_type() == RecordType::SOA {
            return (ResponseCode::NoError, vec![self.soa()], vec![]);
        }
        if !matching.is_empty() {
            return (ResponseCode::NoError, matching, vec![]);
        }
        // A name that exists with other types, or that holds other names (an empty
        // non-terminal such as `default.svc.cluster.local`), is NODATA, not NXDOMAIN
        // (RFC 8020): a resolver must not conclude that nothing lies below it.
        let below = format!(".{key}");
        let exists = key == DOMAIN
            || self.rrsets.contains_key(key)
            || self.rrsets.keys().any(|k| k.ends_with(&below));
        let rcode = if exists {
            ResponseCode::NoError
        } else {
            ResponseCode::NXDomain
        };
        (rcode, vec![], vec![self.soa()])
    }

    /// The response to a request's bytes, and the log's view of it (`None`: the bytes
    /// were no DNS query, and the answer is a FORMERR when an id could be read).
    fn respond(&self, request: &[u8]) -> (Option<Vec<u8>>, Option<DnsQuery>) {
        let Ok(req) = Message::from_vec(request) else {
            if request.len() < 2 {
                return (None, None);
            }
            let id = u16::from_be_bytes([request[0], request[1]]);
            let m = Message::error_msg(id, OpCode::Query, ResponseCode::FormErr);
            return (m.to_vec().ok(), None);
        };
        if req.metadata.message_type != MessageType::Query {
            return (None, None);
        }
        let mut resp = Message::response(req.metadata.id, req.metadata.op_code);
        resp.metadata.recursion_desired = req.metadata.recursion_desired;
        resp.metadata.authoritative = true;
        let Some(q) = req
            .queries
            .first()
            .filter(|_| req.metadata.op_code == OpCode::Query && req.queries.len() == 1)
        else {
            resp.metadata.response_code = ResponseCode::NotImp;
            return (resp.to_vec().ok(), None);
        };
        let (rcode, answers, authority) = self.lookup(q);
        let seen: Vec<String> = answers.iter().map(|r| r.data.to_string()).collect();
        resp.metadata.response_code = rcode;
        resp.add_query(q.clone());
        resp.add_answers(answers);
        resp.add_authorities(authority);
        // The server fills in the time and the client.
        let entry = DnsQuery {
            at_ms: 0,
            client: String::new(),
            name: q.name().to_ascii(),
            qtype: q.query_type().to_string(),
            rcode: rcode_name(rcode),
            answers: seen,
        };
        (resp.to_vec().ok(), Some(entry))
    }
}

fn rcode_name(rcode: ResponseCode) -> String {
    match rcode {
        ResponseCode::NoError => "NOERROR".to_string(),
        ResponseCode::NXDomain => "NXDOMAIN".to_string(),
        other => other.to_str().to_ascii_uppercase(),
    }
}

/// One query the server answered, as the log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DnsQuery {
    /// Milliseconds since the server started.
    pub at_ms: u64,
    /// The client's address and port.
    pub client: String,
    /// The name asked, with its final dot.
    pub name: String,
    /// `A`, `AAAA`, `SRV`…
    pub qtype: String,
    /// `NOERROR`, `NXDOMAIN`…
    pub rcode: String,
    /// The answers' data (`10.96.0.10`, `0 100 80 web.default.svc.cluster.local.`).
    pub answers: Vec<String>,
}

impl DnsQuery {
    /// True for the lab's own queries (its checks ask from a loopback address), which
    /// no student's lookup makes.
    pub fn from_lab(&self) -> bool {
        self.client
            .parse::<SocketAddr>()
            .is_ok_and(|a| a.ip().is_loopback())
    }
}

/// A cluster DNS server: a thread answering on one UDP address.
#[derive(Debug)]
pub struct DnsServer {
    addr: SocketAddr,
    zone: Arc<RwLock<Zone>>,
    log: Arc<Mutex<VecDeque<DnsQuery>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DnsServer {
    /// Starts a server on `addr` (UDP), its socket opened inside the namespace `ns` when
    /// one is given (a node's), answering from `records`.
    pub fn start(
        ns: Option<(BorrowedFd<'_>, &str)>,
        addr: SocketAddr,
        records: &Records,
        tracer: &Tracer,
    ) -> Result<DnsServer> {
        let zone = Arc::new(RwLock::new(Zone::new(records)?));
        let start = Instant::now();
        let bind = || {
            UdpSocket::bind(addr).with_context(|| format!("cannot bind the DNS server to {addr}"))
        };
        let socket = match ns {
            Some((fd, _)) => super::net::in_netns(fd, bind),
            None => bind(),
        };
        let where_ = ns.map(|(_, name)| name.to_string());
        tracer.emit(TraceEvent {
            pid: std::process::id() as i32,
            op: "bind".to_string(),
            args: format!(
                "udp {addr}{}",
                where_
                    .as_deref()
                    .map(|n| format!(" in {n}"))
                    .unwrap_or_default()
            ),
            ok: socket.is_ok(),
            result: match &socket {
                Ok(_) => "0".to_string(),
                Err(e) => format!("{e:#}"),
            },
            duration_us: start.elapsed().as_micros() as u64,
            shell: None,
        });
        let socket = socket?;
        // The thread looks at `stop` at least this often.
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let addr = socket.local_addr()?;
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (zone, log, stop) = (zone.clone(), log.clone(), stop.clone());
            std::thread::Builder::new()
                .name("contlab-dns".into())
                .spawn(move || serve(&socket, &zone, &log, &stop, start))
                .context("cannot start the DNS server's thread")?
        };
        Ok(DnsServer {
            addr,
            zone,
            log,
            stop,
            thread: Some(thread),
        })
    }

    /// The TTL of its answers.
    pub fn ttl(&self) -> u32 {
        self.zone.read().map(|z| z.ttl).unwrap_or(0)
    }

    /// The address it answers on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers from `records` from now on (a Service or pod was added).
    pub fn update(&self, records: &Records) -> Result<()> {
        let z = Zone::new(records)?;
        *self
            .zone
            .write()
            .map_err(|_| anyhow::anyhow!("the DNS zone's lock is poisoned"))? = z;
        Ok(())
    }

    /// The queries answered, oldest first (the last 256).
    pub fn log(&self) -> Vec<DnsQuery> {
        self.log
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Stops the thread and closes the socket. Idempotent; also run on drop.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(
    socket: &UdpSocket,
    zone: &RwLock<Zone>,
    log: &Mutex<VecDeque<DnsQuery>>,
    stop: &AtomicBool,
    start: Instant,
) {
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let (reply, seen) = match zone.read() {
            Ok(z) => z.respond(&buf[..n]),
            Err(_) => return,
        };
        if let Some(reply) = reply {
            let _ = socket.send_to(&reply, from);
        }
        if let Some(seen) = seen
            && let Ok(mut l) = log.lock()
        {
            if l.len() == LOG_LEN {
                l.pop_front();
            }
            l.push_back(DnsQuery {
                at_ms: start.elapsed().as_millis() as u64,
                client: from.to_string(),
                ..seen
            });
        }
    }
}

/// What a query got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// `NOERROR`, `NXDOMAIN`…
    pub rcode: String,
    /// Each answer's data and TTL.
    pub records: Vec<(String, u32)>,
}

/// Checks that `name` is a DNS name: labels of 1 to 63 letters, digits, `-` or `_`,
/// 253 characters at most, an optional final dot.
pub fn parse_name(name: &str) -> Result<Name> {
    let body = name.strip_suffix('.').unwrap_or(name);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if body.is_empty() || body.len() > 253 || !body.split('.').all(label_ok) {
        bail!(
            "{name:?} is not a DNS name: write labels of 1 to 63 letters, digits or '-', joined by dots (e.g. web.default.svc.cluster.local)"
        );
    }
    Name::from_ascii(name).with_context(|| format!("{name:?} is not a DNS name"))
}

/// Asks `server` one question, from a socket opened in `ns` when given and bound to
/// `from` (the lab's checks ask from 127.0.0.1, so the log can tell them apart).
pub fn query(
    ns: Option<BorrowedFd<'_>>,
    from: Ipv4Addr,
    server: SocketAddr,
    name: &str,
    qtype: RecordType,
) -> Result<Answer> {
    let name = parse_name(name)?;
    let bind = || {
        UdpSocket::bind((from, 0)).with_context(|| format!("cannot open a UDP socket on {from}"))
    };
    let socket = match ns {
        Some(fd) => super::net::in_netns(fd, bind)?,
        None => bind()?,
    };
    socket.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut msg = Message::query();
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(name.clone(), qtype));
    socket
        .send_to(&msg.to_vec()?, server)
        .with_context(|| format!("cannot send a query to {server}"))?;
    let mut buf = [0u8; 4096];
    loop {
        let (n, _) = socket.recv_from(&mut buf).with_context(|| {
            format!("the DNS server at {server} did not answer {name} within 2 s")
        })?;
        let resp = Message::from_vec(&buf[..n]).with_context(|| {
            format!("the DNS server at {server} sent a message that is not DNS")
        })?;
        if resp.metadata.id != msg.metadata.id {
            continue;
        }
        return Ok(Answer {
            rcode: rcode_name(resp.metadata.response_code),
            records: resp
                .answers
                .iter()
                .map(|r| (r.data.to_string(), r.ttl))
                .collect(),
        });
    }
}

/// A record type by its name (`A`, `AAAA`, `SRV`…).
pub fn record_type(s: &str) -> Result<RecordType> {
    match s.to_ascii_uppercase().as_str() {
        "A" => Ok(RecordType::A),
        "AAAA" => Ok(RecordType::AAAA),
        "SRV" => Ok(RecordType::SRV),
        "SOA" => Ok(RecordType::SOA),
        "PTR" => Ok(RecordType::PTR),
        "TXT" => Ok(RecordType::TXT),
        _ => bail!("unknown record type {s:?}: use A, AAAA, SRV, SOA, PTR or TXT"),
    }
}

/// The `/etc/resolv.conf` the kubelet writes into a pod with `dnsPolicy: ClusterFirst`:
/// the cluster DNS server, the search list of the pod's namespace, and `ndots:5`.
pub fn resolv_conf(server: Ipv4Addr) -> String {
    format!(
        "search {NAMESPACE}.svc.{DOMAIN} svc.{DOMAIN} {DOMAIN}\nnameserver {server}\noptions ndots:5\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Records {
        Records {
            ttl: 30,
            services: vec![
                DnsService {
                    name: "web".into(),
                    cluster_ip: Some("10.96.0.10".parse().unwrap()),
                    port: 80,
                    port_name: Some("http".into()),
                    endpoints: vec![],
                },
                DnsService {
                    name: "db".into(),
                    cluster_ip: None,
                    port: 5432,
                    port_name: Some("pg".into()),
                    endpoints: vec![
                        ("db-a".into(), "10.244.1.2".parse().unwrap()),
                        ("db-b".into(), "10.244.1.3".parse().unwrap()),
                    ],
                },
            ],
            pods: vec!["10.244.1.4".parse().unwrap()],
        }
    }

    fn ask(z: &Zone, name: &str, t: RecordType) -> (ResponseCode, Vec<String>, usize) {
        let (rc, a, auth) = z.lookup(&Query::query(Name::from_ascii(name).unwrap(), t));
        (
            rc,
            a.iter().map(|r| r.data.to_string()).collect(),
            auth.len(),
        )
    }

    #[test]
    fn answers_follow_the_kubernetes_dns_spec() {
        let z = Zone::new(&records()).unwrap();
        let a = RecordType::A;
        assert_eq!(
            ask(&z, "web.default.svc.cluster.local.", a),
            (ResponseCode::NoError, vec!["10.96.0.10".into()], 0)
        );
        assert_eq!(
            ask(
                &z,
                "_http._tcp.web.default.svc.cluster.local.",
                RecordType::SRV
            )
            .1,
            vec!["0 100 80 web.default.svc.cluster.local.".to_string()]
        );
        assert_eq!(
            ask(&z, "db.default.svc.cluster.local.", a).1,
            vec!["10.244.1.2".to_string(), "10.244.1.3".to_string()]
        );
        assert_eq!(
            ask(&z, "db-b.db.default.svc.cluster.local.", a).1,
            vec!["10.244.1.3".to_string()]
        );
        assert_eq!(
            ask(&z, "10-244-1-4.default.pod.cluster.local.", a).1,
            vec!["10.244.1.4".to_string()]
        );
        // A pod that does not exist, a Service that does not, a search-list miss.
        for miss in [
            "10-244-1-9.default.pod.cluster.local.",
            "nosuch.default.svc.cluster.local.",
            "web.cluster.local.",
            "example.com.",
        ] {
            assert_eq!(ask(&z, miss, a).0, ResponseCode::NXDomain, "{miss}");
        }
        // Names that exist without an A record: NODATA, with the SOA for caching.
        assert_eq!(
            ask(&z, "web.default.svc.cluster.local.", RecordType::AAAA),
            (ResponseCode::NoError, vec![], 1)
        );
        assert_eq!(
            ask(&z, "default.svc.cluster.local.", a),
            (ResponseCode::NoError, vec![], 1)
        );
    }

    #[test]
    fn bytes_in_bytes_out() {
        let z = Zone::new(&records()).unwrap();
        let mut q = Message::query();
        q.add_query(Query::query(
            Name::from_ascii("WEB.default.svc.cluster.local.").unwrap(),
            RecordType::A,
        ));
        let (reply, seen) = z.respond(&q.to_vec().unwrap());
        let reply = Message::from_vec(&reply.unwrap()).unwrap();
        assert_eq!(reply.metadata.id, q.metadata.id);
        assert_eq!(reply.answers[0].ttl, 30);
        assert_eq!(seen.unwrap().answers, vec!["10.96.0.10".to_string()]);
        // Not DNS: a FORMERR with the id it carried, and no log entry.
        let (reply, seen) = z.respond(&[0x12, 0x34, 0xff]);
        let reply = Message::from_vec(&reply.unwrap()).unwrap();
        assert_eq!(reply.metadata.response_code, ResponseCode::FormErr);
        assert_eq!(reply.metadata.id, 0x1234);
        assert!(seen.is_none());
    }

    #[test]
    fn names_are_checked() {
        parse_name("web").unwrap();
        parse_name("_http._tcp.web.default.svc.cluster.local.").unwrap();
        for bad in ["", ".", "web..svc", "we b", "a/b", &"x".repeat(64)] {
            let e = parse_name(bad).unwrap_err().to_string();
            assert!(e.contains("is not a DNS name"), "{bad}: {e}");
        }
    }

    #[test]
    fn resolv_conf_is_the_kubelets() {
        let r = resolv_conf("10.244.1.1".parse().unwrap());
        assert!(r.contains("search default.svc.cluster.local svc.cluster.local cluster.local\n"));
        assert!(r.contains("options ndots:5"));
    }
}
