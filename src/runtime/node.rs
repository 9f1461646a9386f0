//! A Kubernetes node's pod network, made the way a kubelet and the CNI `bridge` plugin
//! make it, inside namespaces contlab creates:
//!
//! ```text
//!  node netns (contlab-node-…)                       pod netns (a contlab container)
//!  ┌───────────────────────────────┐                 ┌────────────────────────────┐
//!  │ cni0 (bridge) 10.244.1.1/24   │                 │ eth0 10.244.1.2/24         │
//!  │   └─ veth-web ◄──── veth pair ┼────────────────►│ default via 10.244.1.1     │
//!  │ a shell container (`node`)    │                 │ httpd: answers "web"       │
//!  └───────────────────────────────┘                 └────────────────────────────┘
//! ```
//!
//! The node's namespace is a [`NamedNetns`] recorded in its own ledger record (so a
//! crash leaves a record that `contlab cleanup` undoes), and registered with the
//! registry so that a signal or a panic tears it down. Pods are the runtime's own
//! containers. The pod CIDR is checked against the host's routes first: a range the host
//! already routes is refused before anything is made. Nothing here touches the host's
//! own network namespace (THE NETWORK RULE in `net`).

use super::ledger::{self, Ledger};
use super::net::{self, Ipv4Cidr, NamedNetns, Ns, PodLink};
use super::teardown::{self, Removed};
use super::trace::Tracer;
use super::{Capabilities, Container, ContainerSpec, Namespace, Namespaces, Network, Stdio};
use anyhow::{Context, Result};
use std::net::Ipv4Addr;
use std::os::fd::AsFd;

/// The bridge's name, as the CNI bridge plugin names it by default.
pub const BRIDGE: &str = "cni0";

/// A pod to add to a node.
#[derive(Clone, Debug)]
pub struct PodSpec {
    /// A DNS label of at most 10 characters (the node's end of its veth is
    /// `veth-<name>`, and interface names have 15).
    pub name: String,
    /// Run a web server (busybox `httpd` on port 80) answering with the pod's name.
    pub serve: bool,
    /// Serve every path (with `serve`): the pod answers any `GET` with its name and
    /// status 200, as an app behind an Ingress does, from a shell script behind
    /// busybox `nc -ll`; busybox `httpd` (the default) serves `/` only.
    pub any_path: bool,
    /// Make the node's end of the veth a port of `cni0` and set it up. Off, the pod's
    /// end is ready but the node's end is down and outside the bridge: the student's
    /// `ip link set veth-NAME master cni0` and `ip link set veth-NAME up` connect it.
    pub attach: bool,
}

/// A pod on a node.
#[derive(Debug)]
pub struct Pod {
    pub name: String,
    pub ip: Ipv4Cidr,
    /// The node's end of the pod's veth.
    pub node_if: String,
    pub container: Container,
}

/// A node: its network namespace with the bridge, a container for a shell in it, and
/// its pods. Dropping it tears everything down.
#[derive(Debug)]
pub struct Node {
    id: String,
    ledger: Option<Ledger>,
    netns: Option<NamedNetns>,
    pod_cidr: Ipv4Cidr,
    shell: Option<Container>,
    pods: Vec<Pod>,
    tracer: Tracer,
}

impl Node {
    /// Makes a node for the pod network `pod_cidr` (`10.244.1.0/24`): its namespace, the
    /// bridge `cni0` holding the network's first address (the pods' gateway), and a
    /// shell container in the namespace (capabilities: all, so `ip link set` works there).
    pub fn create(pod_cidr: &str, tracer: &Tracer) -> Result<Node> {
        let pod_cidr = parse_pod_cidr(pod_cidr)?;
        check_host_routes(pod_cidr, &host_routes())?;
        let id = node_id();
        let mut ledger = Ledger::create(&id)?;
        super::registry::register(&id, ledger.path());
        let netns = NamedNetns::create(&id, &mut ledger, tracer);
        let mut node = Node {
            id,
            ledger: Some(ledger),
            netns: None,
            pod_cidr,
            shell: None,
            pods: Vec::new(),
            tracer: tracer.clone(),
        };
        // From here on, an error drops `node`, which undoes what was made.
        node.netns = Some(netns?);
        let gw = node.gateway();
        net::add_bridge(node.ns()?, BRIDGE, gw, tracer)?;
        let path = node.netns()?.path().to_path_buf();
        let spec = ContainerSpec {
            namespaces: Namespaces::parse("net,pid,mount,uts,ipc")?,
            rootfs: super::RootfsMode::PivotRoot,
            hostname: Some("node".to_string()),
            join: vec![(Namespace::Net, path)],
            capabilities: Capabilities::All,
            args: idle(),
            stdio: Stdio::null(),
            ..Default::default()
        };
        node.shell = Some(
            Container::start(spec, tracer).context("cannot start the node's shell container")?,
        );
        Ok(node)
    }

    /// Adds a pod: a container with its own network namespace, the next free address of
    /// the pod network, a veth to the node and a default route via the bridge.
    pub fn add_pod(&mut self, spec: &PodSpec) -> Result<&Pod> {
        validate_pod_name(&spec.name)?;
        if self.pod(&spec.name).is_some() {
            crate::bail_said!("error-pod-exists", name = format!("{:?}", spec.name));
        }
        let ip = self.next_ip()?;
        let args = if spec.serve && spec.any_path {
            // The request's line and headers are read, then one answer; nc runs the
            // script once per connection.
            let script = format!(
                "read -r line\ncr=$(printf '\\r')\nwhile read -r h && [ \"${{h%$cr}}\" != \"\" ]; do :; done\nprintf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: {}\\r\\nConnection: close\\r\\n\\r\\n{}\\n'\n",
                spec.name.len() + 1,
                spec.name
            );
            vec![
                "sh".to_string(),
                "-c".to_string(),
                "printf '%s' \"$1\" > /answer.sh && exec nc -ll -p 80 -e /bin/sh /answer.sh"
                    .to_string(),
                "sh".to_string(),
                script,
            ]
        } else if spec.serve {
            vec![
                "sh".to_string(),
                "-c".to_string(),
                format!(
                    "mkdir -p /www && echo {} > /www/index.html && exec httpd -f -p 80 -h /www",
                    spec.name
                ),
            ]
        } else {
            idle()
        };
        let container = Container::start(
            ContainerSpec {
                namespaces: Namespaces::parse("net,pid,mount,uts,ipc")?,
                rootfs: super::RootfsMode::PivotRoot,
                hostname: Some(spec.name.clone()),
                network: Network::Loopback,
                args,
                stdio: Stdio::null(),
                ..Default::default()
            },
            &self.tracer,
        )
        .with_context(|| format!("cannot start the pod {}", spec.name))?;
        let pod_ns = std::fs::File::open(format!("/proc/{}/ns/net", container.pid()))
            .with_context(|| format!("cannot open the network namespace of pod {}", spec.name))?;
        let pid = container.pid().to_string();
        let node_if = format!("veth-{}", spec.name);
        let link = PodLink {
            node_if: node_if.clone(),
            pod_if: "eth0".to_string(),
            addr: ip,
            gateway: self.gateway().addr,
            bridge: spec.attach.then(|| BRIDGE.to_string()),
        };
        net::add_pod_veth(
            self.ns()?,
            Ns {
                fd: pod_ns.as_fd(),
                name: &pid,
            },
            &link,
            &self.tracer,
        )?;
        if spec.serve {
            wait_listening(&container)
                .with_context(|| format!("pod {} is not serving", spec.name))?;
        }
        self.pods.push(Pod {
            name: spec.name.clone(),
            ip,
            node_if,
            container,
        });
        Ok(self.pods.last().expect("just pushed"))
    }

    /// The pod named `name`.
    pub fn pod(&self, name: &str) -> Option<&Pod> {
        self.pods.iter().find(|p| p.name == name)
    }

    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    /// The container whose shell runs in the node's namespace.
    pub fn shell(&self) -> Option<&Container> {
        self.shell.as_ref()
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn pod_cidr(&self) -> Ipv4Cidr {
        self.pod_cidr
    }

    /// The bridge's address: the pod network's first address, the pods' gateway.
    pub fn gateway(&self) -> Ipv4Cidr {
        Ipv4Cidr {
            addr: Ipv4Addr::from(u32::from(self.pod_cidr.addr) + 1),
            prefix_len: self.pod_cidr.prefix_len,
        }
    }

    /// The node's network namespace.
    pub fn netns(&self) -> Result<&NamedNetns> {
        self.netns.as_ref().context("the node has been torn down")
    }

    fn ns(&self) -> Result<Ns<'_>> {
        let n = self.netns()?;
        Ok(Ns {
            fd: n.fd(),
            name: n.name(),
        })
    }

    /// Links and addresses in the node's namespace.
    pub fn links(&self) -> Result<Vec<net::LinkInfo>> {
        net::links_in(self.netns()?.fd())
    }

    /// The names of the bridge's ports.
    pub fn bridge_ports(&self) -> Result<Vec<String>> {
        net::bridge_ports(self.netns()?.fd(), BRIDGE)
    }

    /// A real HTTP request from inside pod `from` to `ip`, port 80 (`GET /` through
    /// busybox `nc`; busybox `wget` of the rootfs crashes on some builds): the
    /// response's body when it answered, `None` when nothing did within 2 s.
    ///
    /// A request that got no answer is made again while less than 4 s have passed (a
    /// second apart when the kernel refused it at once: EHOSTUNREACH while the neighbour
    /// entry of an address that did not answer ARP is FAILED). A veth just attached to
    /// the bridge carries nothing until the kernel's linkwatch activates it, and ARP
    /// retries once a second, so a client's retry is what finds it reachable.
    pub fn request(&self, from: &str, ip: Ipv4Addr) -> Result<Option<String>> {
        self.request_to(from, ip, 80)
    }

    /// `request` to another port (a Service's node port).
    pub fn request_to(&self, from: &str, ip: Ipv4Addr, port: u16) -> Result<Option<String>> {
        Ok(self
            .http(from, ip, port, "/", None)?
            .and_then(|(status, body)| (status == 200).then_some(body)))
    }

    /// `GET path` from inside pod `from` to `ip:port`, with `Host: host` when given:
    /// the response's status and trimmed body, `None` when nothing answered (retried as
    /// `request` is). `path` and `host` hold no quote, space or control character.
    pub fn http(
        &self,
        from: &str,
        ip: Ipv4Addr,
        port: u16,
        path: &str,
        host: Option<&str>,
    ) -> Result<Option<(u16, String)>> {
        let pod = self
            .pod(from)
            .with_context(|| format!("there is no pod named {from:?} on this node"))?;
        let plain = |s: &str| {
            !s.chars()
                .any(|c| c == '\'' || c == '\\' || c == '%' || c.is_whitespace() || c.is_control())
        };
        if !plain(path) || !host.is_none_or(plain) {
            anyhow::bail!("{path:?} or {host:?} is not a plain path and host");
        }
        let host = host.map(|h| format!("Host: {h}\\r\\n")).unwrap_or_default();
        let script =
            format!("printf 'GET {path} HTTP/1.0\\r\\n{host}\\r\\n' | nc -w 2 {ip} {port}");
        let first = std::time::Instant::now();
        loop {
            let start = std::time::Instant::now();
            let out = pod.container.exec(&["sh", "-c", &script], Stdio::piped())?;
            if let Some(answer) = http_response(&out.stdout_str()) {
                return Ok(Some(answer));
            }
            if first.elapsed() >= std::time::Duration::from_secs(4) {
                break;
            }
            if start.elapsed() < std::time::Duration::from_secs(1) {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        Ok(None)
    }

    /// Tears down the pods, the shell container, the namespace (and with it the bridge
    /// and every veth) and the record. Idempotent; also run on drop.
    pub fn teardown(&mut self) -> Vec<Removed> {
        let mut out = Vec::new();
        for mut pod in self.pods.drain(..) {
            out.extend(pod.container.teardown());
        }
        if let Some(mut c) = self.shell.take() {
            out.extend(c.teardown());
        }
        if let Some(ns) = self.netns.take() {
            out.extend(ns.remove(&self.tracer));
        }
        if let Some(ledger) = self.ledger.take() {
            // Whatever the record still names (a namespace file a crash left half-made).
            let rest = teardown::undo(ledger.record());
            let ok = rest.iter().all(|r| r.error.is_none());
            out.extend(rest);
            super::registry::unregister(&self.id);
            if ok {
                let _ = ledger.finish();
            }
        }
        out
    }

    fn next_ip(&self) -> Result<Ipv4Cidr> {
        let base = u32::from(self.pod_cidr.addr);
        let size = 1u64 << (32 - self.pod_cidr.prefix_len);
        // .0 is the network, .1 the bridge, the last the broadcast address.
        let n = self.pods.len() as u64 + 2;
        if n + 1 >= size {
            crate::bail_said!(
                "error-pod-network-full",
                cidr = self.pod_cidr,
                pods = self.pods.len()
            );
        }
        Ok(Ipv4Cidr {
            addr: Ipv4Addr::from(base + n as u32),
            prefix_len: self.pod_cidr.prefix_len,
        })
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.teardown();
    }
}

/// The status and trimmed body of an HTTP response.
fn http_response(response: &str) -> Option<(u16, String)> {
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    head.starts_with("HTTP/1.")
        .then(|| (status, body.trim().to_string()))
}

/// Waits until something listens on TCP port 80 inside `pod` (at most 2 s), so that a
/// request right after the pod starts finds its server.
fn wait_listening(pod: &Container) -> Result<()> {
    let out = pod.exec(
        &[
            "sh",
            "-c",
            "for i in $(seq 100); do netstat -ltn | grep -q ':80 ' && exit 0; usleep 20000; done; exit 1",
        ],
        Stdio::piped(),
    )?;
    if !out.exit.success() {
        crate::bail_said!("error-pod-web-not-listening");
    }
    Ok(())
}

/// A command that idles until it is killed.
fn idle() -> Vec<String> {
    ["sh", "-c", "while :; do sleep 3600; done"]
        .map(String::from)
        .to_vec()
}

fn node_id() -> String {
    let fresh = ledger::new_id();
    // new_id is `contlab-PID-N-RAND`; a node's id says what it is.
    let rest = fresh
        .strip_prefix(&format!("{}-", crate::paths::PREFIX))
        .unwrap_or(&fresh);
    format!("{}-node-{rest}", crate::paths::PREFIX)
}

/// Pod names become hostnames and interface names: a DNS label of 1 to 10 characters.
fn validate_pod_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 10
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !ok {
        crate::bail_said!("error-pod-name", name = format!("{name:?}"));
    }
    Ok(())
}

/// A pod network: an IPv4 network address with a prefix from /8 to /30.
fn parse_pod_cidr(s: &str) -> Result<Ipv4Cidr> {
    let c: Ipv4Cidr = s.parse()?;
    if !(8..=30).contains(&c.prefix_len) {
        crate::bail_said!("error-pod-cidr-prefix", cidr = c);
    }
    let mask = u32::MAX << (32 - c.prefix_len);
    if u32::from(c.addr) & !mask != 0 {
        let net = Ipv4Addr::from(u32::from(c.addr) & mask);
        crate::bail_said!(
            "error-pod-cidr-not-network",
            cidr = c,
            network = format!("{net}/{}", c.prefix_len)
        );
    }
    Ok(c)
}

/// A route of the host's main table: destination network and device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRoute {
    pub dst: Ipv4Cidr,
    pub dev: String,
}

/// What the Net panel shows of the node, read inside its namespace (by a thread that
/// joined it, through `/proc/thread-self/net`).
impl Node {
    /// The node's IPv4 routes, `DST dev DEV`.
    pub fn routes(&self) -> Result<Vec<String>> {
        let text = self.read_net("route")?;
        Ok(parse_proc_route(&text)
            .into_iter()
            .map(|r| format!("{} dev {}", r.dst, r.dev))
            .collect())
    }

    /// The node's conntrack entries, each as `conntrack_row` shortens it (none when the
    /// kernel tracks no connection there).
    pub fn conntrack(&self) -> Result<Vec<String>> {
        let text = self.read_net("nf_conntrack").unwrap_or_default();
        Ok(text.lines().filter_map(conntrack_row).collect())
    }

    fn read_net(&self, file: &str) -> Result<String> {
        let path = format!("/proc/thread-self/net/{file}");
        super::net::in_netns(self.netns()?.fd(), move || {
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))
        })
    }
}

/// A line of `/proc/net/nf_conntrack`, shortened: protocol, state, the original
/// direction and who answers (the DNAT undone for the reply), e.g.
/// `tcp TIME_WAIT 10.244.1.5:40312 → 10.96.0.10:80 ⇐ 10.244.1.2:80`.
pub fn conntrack_row(line: &str) -> Option<String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let proto = *f.get(2)?;
    let state = f.get(5).filter(|s| !s.contains('=')).copied().unwrap_or("");
    let vals = |key: &str| -> Vec<&str> {
        f.iter()
            .filter_map(|w| w.strip_prefix(key))
            .collect::<Vec<_>>()
    };
    let (src, dst, sport, dport) = (vals("src="), vals("dst="), vals("sport="), vals("dport="));
    let orig_src = format!("{}:{}", src.first()?, sport.first().unwrap_or(&"-"));
    let orig_dst = format!("{}:{}", dst.first()?, dport.first().unwrap_or(&"-"));
    let reply = format!("{}:{}", src.get(1)?, sport.get(1).unwrap_or(&"-"));
    let state = if state.is_empty() {
        String::new()
    } else {
        format!(" {state}")
    };
    Some(format!("{proto}{state} {orig_src} → {orig_dst} ⇐ {reply}"))
}

/// The host's IPv4 routes, from /proc/net/route (read only; nothing is changed).
pub fn host_routes() -> Vec<HostRoute> {
    std::fs::read_to_string("/proc/net/route")
        .map(|t| parse_proc_route(&t))
        .unwrap_or_default()
}

fn parse_proc_route(text: &str) -> Vec<HostRoute> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let dst = u32::from_str_radix(f.get(1)?, 16).ok()?;
            let mask = u32::from_str_radix(f.get(7)?, 16).ok()?;
            // The kernel prints each address as the u32 it holds in memory, in network
            // byte order, so on a little-endian machine the hex reads backwards.
            let dst = Ipv4Addr::from(dst.to_ne_bytes());
            let prefix_len = mask.count_ones() as u8;
            Some(HostRoute {
                dst: Ipv4Cidr {
                    addr: dst,
                    prefix_len,
                },
                dev: f[0].to_string(),
            })
        })
        .collect()
}

/// Refuses a pod network that overlaps a route of the host (the default route aside,
/// which every address matches): pods would shadow, or be shadowed by, a network the
/// host really reaches.
fn check_host_routes(pod_cidr: Ipv4Cidr, routes: &[HostRoute]) -> Result<()> {
    for r in routes.iter().filter(|r| r.dst.prefix_len > 0) {
        let len = r.dst.prefix_len.min(pod_cidr.prefix_len);
        let mask = u32::MAX << (32 - len);
        if u32::from(r.dst.addr) & mask == u32::from(pod_cidr.addr) & mask {
            crate::bail_said!(
                "error-pod-cidr-overlap",
                cidr = pod_cidr,
                route = r.dst,
                dev = &r.dev
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    #[test]
    fn a_conntrack_line_is_shortened() {
        let line = "ipv4     2 tcp      6 119 TIME_WAIT src=10.244.1.5 dst=10.96.0.10 sport=40312 dport=80 src=10.244.1.2 dst=10.244.1.5 sport=80 dport=40312 [ASSURED] mark=0 zone=0 use=2";
        assert_eq!(
            conntrack_row(line).as_deref(),
            Some("tcp TIME_WAIT 10.244.1.5:40312 → 10.96.0.10:80 ⇐ 10.244.1.2:80")
        );
        let udp = "ipv4     2 udp      17 29 src=10.244.1.5 dst=10.244.1.1 sport=5353 dport=53 src=10.244.1.1 dst=10.244.1.5 sport=53 dport=5353 mark=0 zone=0 use=2";
        assert_eq!(
            conntrack_row(udp).as_deref(),
            Some("udp 10.244.1.5:5353 → 10.244.1.1:53 ⇐ 10.244.1.1:53")
        );
        assert_eq!(conntrack_row("garbage"), None);
    }

    #[test]
    fn reads_an_http_body() {
        let ok = "HTTP/1.1 200 OK\r\nContent-type: text/html\r\n\r\nweb\n";
        assert_eq!(http_response(ok), Some((200, "web".to_string())));
        assert_eq!(
            http_response("HTTP/1.1 404 Not Found\r\n\r\nno"),
            Some((404, "no".to_string()))
        );
        assert_eq!(http_response(""), None);
    }

    #[test]
    fn reads_the_host_routes() {
        let r = parse_proc_route(ROUTES);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].dst.to_string(), "192.0.2.0/24");
        assert_eq!(r[0].dst.to_string(), "0.0.0.0/0");
    }

    #[test]
    fn an_overlapping_pod_network_is_refused() {
        let r = parse_proc_route(ROUTES);
        check_host_routes("10.244.1.0/24".parse().unwrap(), &r).unwrap();
        for bad in ["192.0.2.0/24", "192.0.0.0/16", "192.0.2.64/26"] {
            let e = check_host_routes(bad.parse().unwrap(), &r).unwrap_err();
            assert!(
                e.to_string()
                    .contains("overlaps the host's route to 192.0.2.0/24")
            );
        }
    }

    #[test]
    fn pod_networks_and_names_are_checked() {
        parse_pod_cidr("10.244.1.0/24").unwrap();
        for bad in ["10.244.1.1/24", "10.0.0.0/4", "10.244.1.0/31", "x"] {
            assert!(parse_pod_cidr(bad).is_err(), "{bad}");
        }
        validate_pod_name("web-1").unwrap();
        for bad in ["", "Web", "-a", "a-", "elevenchars", "a_b"] {
            assert!(validate_pod_name(bad).is_err(), "{bad}");
        }
    }
}
