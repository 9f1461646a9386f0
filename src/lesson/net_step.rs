//! The networking track's part of the engine: the node (`runtime::node::Node`) a
//! lesson builds with `net-node`, the containers its shell and solutions run in, and
//! the `net-reach` and `net-link` checks.
//!
//! The lesson's `main` container is the node's shell container, so the shell pane and
//! a task's reference solution run `ip`, `brctl` and `arp` in the node's namespace;
//! a pod's name names its container.

use super::checks::{World, result};
use super::event::CheckResult;
use super::format::{Action, Check, SessionAffinity};
use crate::i18n::Lang;
use crate::runtime::dns::{self, DnsQuery, DnsServer};
use crate::runtime::ingress::{self, IngressProxy};
use crate::runtime::kubeproxy::{self, Service};
use crate::runtime::node::{Node, PodSpec};
use crate::runtime::trace::Tracer;
use crate::runtime::{Container, Stdio};
use crate::tr;
use anyhow::{Context, Result, bail};
use std::net::Ipv4Addr;

/// The lesson's node, once a `net-node` action made it. Dropping it tears it down.
#[derive(Debug, Default)]
pub struct NetLab {
    /// The cluster DNS server (first, so it stops before the node goes).
    dns: Option<DnsServer>,
    /// The Ingress controller, likewise.
    ingress: Option<IngressProxy>,
    /// Services' named ports, by Service (their SRV records).
    port_names: std::collections::BTreeMap<String, String>,
    /// Headless Services (`cluster_ip = "None"`): port and endpoints' pod names.
    headless: std::collections::BTreeMap<String, (u16, Vec<String>)>,
    node: Option<Node>,
    /// The Services made, by name, with their endpoints' pod names.
    services: std::collections::BTreeMap<String, (Service, Vec<String>)>,
}

/// What `net-http` asks: `requests` real requests `GET path` (with `Host: host`, else
/// the address) from pod `from` to `to:port`.
#[derive(Debug, Clone, Copy)]
pub struct HttpAsk<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub port: u16,
    pub path: &'a str,
    pub host: Option<&'a str>,
    pub requests: u32,
}

/// What `net-http` sees: the count of answers by body (a status other than 200 as
/// `HTTP 404`, no answer as ""), and why the Ingress proxy refused its file as it is now.
#[derive(Debug, Default)]
pub struct HttpSeen {
    pub counts: std::collections::BTreeMap<String, u32>,
    pub refused: Option<std::sync::Arc<anyhow::Error>>,
}

/// What `net-spread` sees: a Service's endpoints (pod names), and the count of answers
/// by body ("" for no answer).
pub type Spread = (Vec<String>, std::collections::BTreeMap<String, u32>);

/// A link of the node's namespace, as `net-link` sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkState {
    pub up: bool,
    /// The bridge it is a port of.
    pub master: Option<String>,
}

impl NetLab {
    /// Carries out a `net-node` action; returns what it made, one line per object.
    pub fn perform(&mut self, action: &Action, tracer: &Tracer) -> Result<String> {
        if let Some(out) = self.perform_dns(action, tracer)? {
            return Ok(out);
        }
        if let Action::NetService { .. } = action {
            return self.service(action, tracer);
        }
        let Action::NetNode { pod_cidr, pods } = action else {
            bail!("not a networking action: {action:?}");
        };
        if self.node.is_some() {
            crate::bail_said!("error-node-exists");
        }
        let mut node = Node::create(pod_cidr, tracer)?;
        let mut out = format!(
            "node {}: {} {}\n",
            node.id(),
            crate::runtime::node::BRIDGE,
            node.gateway()
        );
        for p in pods {
            let pod = node.add_pod(&PodSpec {
                name: p.name.clone(),
                serve: p.serve,
                any_path: p.any_path,
                attach: p.attach,
            })?;
            out.push_str(&format!(
                "pod {}: eth0 {} (node end {}{})\n",
                pod.name,
                pod.ip,
                pod.node_if,
                if p.attach { ", on cni0" } else { ", down" }
            ));
        }
        self.node = Some(node);
        Ok(out)
    }

    /// A `net-service` action: the Service's rules, written as kube-proxy writes them.
    /// A Service the lesson already made is rewritten: its old rules and chains go
    /// first (an endpoint removed, affinity turned on), so traffic follows the new set.
    fn service(&mut self, action: &Action, tracer: &Tracer) -> Result<String> {
        let Action::NetService {
            name,
            cluster_ip,
            port,
            endpoints,
            session_affinity,
            affinity_timeout,
            node_port,
            ..
        } = action
        else {
            bail!("not a net-service action: {action:?}");
        };
        // The field, not `self.node()`: `self.services` changes below.
        let node = self
            .node
            .as_ref()
            .with_context(|| crate::said!("error-no-node-yet"))?;
        let ips = endpoints
            .iter()
            .map(|e| {
                node.pod(e)
                    .map(|p| p.ip.addr)
                    .with_context(|| format!("there is no pod named {e:?} on the node"))
            })
            .collect::<Result<Vec<_>>>()?;
        let svc = Service {
            name: name.to_string(),
            cluster_ip: cluster_ip
                .parse()
                .with_context(|| format!("{cluster_ip:?} is not an IPv4 address"))?,
            port: *port,
            endpoints: ips,
            affinity: (*session_affinity == SessionAffinity::ClientIp).then_some(*affinity_timeout),
            node_port: *node_port,
        };
        // Refused input (no endpoints, a bad name) is refused before anything changes.
        let rules = kubeproxy::rules(&svc)?;
        let mut out = String::new();
        if let Some((old, _)) = self.services.get(name) {
            for r in node.remove_service(old, tracer)? {
                out.push_str(&format!("iptables {}\n", r.join(" ")));
            }
        }
        self.services.remove(name);
        node.add_service(&svc, tracer)?;
        for r in rules {
            out.push_str(&format!("iptables {}\n", r.join(" ")));
        }
        self.services
            .insert(name.to_string(), (svc, endpoints.to_vec()));
        Ok(out)
    }

    /// `n` requests from pod `from` to the Service `service` (its ClusterIP, or with
    /// `node_port` the node's address at its node port): its endpoints' names and the
    /// count of answers by body ("" for no answer).
    pub fn spread(&self, from: &str, service: &str, n: u32, node_port: bool) -> Result<Spread> {
        let node = self.node()?;
        let (svc, names) = self
            .services
            .get(service)
            .with_context(|| format!("there is no Service named {service:?} in this lesson"))?;
        let (ip, port) = if node_port {
            let p = svc
                .node_port
                .with_context(|| crate::said!("error-service-no-node-port", service = service))?;
            (node.gateway().addr, p)
        } else {
            (svc.cluster_ip, svc.port)
        };
        let mut counts = std::collections::BTreeMap::new();
        for _ in 0..n {
            let body = node.request_to(from, ip, port)?.unwrap_or_default();
            *counts.entry(body).or_insert(0) += 1;
        }
        Ok((names.clone(), counts))
    }

    /// The node's nat table, as `iptables -t nat -S` lists it.
    pub fn nat_rules(&self) -> Result<Vec<String>> {
        self.node()?.nat_rules()
    }

    /// The file of the node's network namespace, while the lesson has a node.
    pub fn netns_path(&self) -> Option<std::path::PathBuf> {
        let ns = self.node.as_ref()?.netns().ok()?;
        Some(ns.path().to_path_buf())
    }

    /// The container named `name`: `main` (or `node`) is the node's shell container,
    /// any other name a pod's.
    pub fn container(&self, name: &str) -> Option<&Container> {
        let node = self.node.as_ref()?;
        match name {
            "main" | "node" => node.shell(),
            pod => node.pod(pod).map(|p| &p.container),
        }
    }

    fn node(&self) -> Result<&Node> {
        self.node
            .as_ref()
            .with_context(|| crate::said!("error-no-node-yet"))
    }

    /// A request from pod `from` to pod `to`: `to`'s address and the body it answered.
    pub fn reach(&self, from: &str, to: &str) -> Result<(Ipv4Addr, Option<String>)> {
        let node = self.node()?;
        let ip = node
            .pod(to)
            .with_context(|| format!("there is no pod named {to:?} on the node"))?
            .ip
            .addr;
        Ok((ip, node.request(from, ip)?))
    }

    /// The link `name` of the node's namespace, if there is one.
    pub fn link(&self, name: &str) -> Result<Option<LinkState>> {
        let node = self.node()?;
        let Some(l) = node.links()?.into_iter().find(|l| l.name == name) else {
            return Ok(None);
        };
        let ports = node.bridge_ports()?;
        Ok(Some(LinkState {
            up: l.up,
            master: ports
                .iter()
                .any(|p| p == name)
                .then(|| crate::runtime::node::BRIDGE.to_string()),
        }))
    }
}

/// The cluster DNS part: `net-dns`, headless Services, and what `dns-*` checks observe.
impl NetLab {
    /// Carries out the actions the cluster DNS adds (`None`: not one of them).
    fn perform_dns(&mut self, action: &Action, tracer: &Tracer) -> Result<Option<String>> {
        match action {
            Action::NetDns { ttl } => self.start_dns(*ttl, tracer).map(Some),
            Action::NetService {
                name,
                cluster_ip,
                port,
                endpoints,
                port_name,
                ..
            } => {
                if let Some(p) = port_name {
                    self.port_names.insert(name.clone(), p.clone());
                }
                if cluster_ip == "None" {
                    return self.headless_service(name, *port, endpoints).map(Some);
                }
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// Starts the DNS server on the bridge's address, port 53, inside the node's
    /// namespace, and writes the kubelet's resolv.conf into every pod and the node's
    /// shell (a pod on the host's network with `dnsPolicy: ClusterFirstWithHostNet`).
    fn start_dns(&mut self, ttl: u32, tracer: &Tracer) -> Result<String> {
        if self.dns.is_some() {
            bail!("this lesson's cluster DNS already runs; a node has one");
        }
        let records = self.dns_records(ttl)?;
        let node = self.node()?;
        let netns = node.netns()?;
        let gw = node.gateway().addr;
        let server = DnsServer::start(
            Some((netns.fd(), netns.name())),
            std::net::SocketAddr::from((gw, 53)),
            &records,
            tracer,
        )?;
        let conf = dns::resolv_conf(gw);
        let write = format!("printf '{}' > /etc/resolv.conf", conf.replace('\n', "\\n"));
        let mut shells: Vec<(&str, &Container)> = node
            .pods()
            .iter()
            .map(|p| (p.name.as_str(), &p.container))
            .collect();
        shells.extend(node.shell().map(|c| ("node", c)));
        for (who, c) in &shells {
            let out = exec(c, &write)?;
            if !out.exit.success() {
                bail!(
                    "cannot write /etc/resolv.conf in {who}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
        }
        let names: Vec<&str> = shells.iter().map(|(n, _)| *n).collect();
        let out = format!(
            "cluster DNS: udp {} in {}, TTL {ttl} s\n/etc/resolv.conf of {}:\n{conf}",
            server.addr(),
            netns.name(),
            names.join(", ")
        );
        self.dns = Some(server);
        Ok(out)
    }

    /// A headless Service: no ClusterIP and no kube-proxy rules, only DNS records.
    fn headless_service(&mut self, name: &str, port: u16, endpoints: &[String]) -> Result<String> {
        let node = self.node()?;
        let ips = endpoints
            .iter()
            .map(|e| {
                node.pod(e)
                    .map(|p| p.ip.addr.to_string())
                    .with_context(|| format!("there is no pod named {e:?} on the node"))
            })
            .collect::<Result<Vec<_>>>()?;
        self.headless
            .insert(name.to_string(), (port, endpoints.to_vec()));
        Ok(format!(
            "headless Service {name}: no ClusterIP, no iptables rules; {name}.{}.svc.{} gives {}\n",
            dns::NAMESPACE,
            dns::DOMAIN,
            ips.join(", ")
        ))
    }

    /// The records the lesson's objects make, with answers of `ttl` seconds.
    fn dns_records(&self, ttl: u32) -> Result<dns::Records> {
        let node = self.node()?;
        let mut services: Vec<dns::DnsService> = self
            .services
            .iter()
            .map(|(name, (svc, _))| dns::DnsService {
                name: name.clone(),
                cluster_ip: Some(svc.cluster_ip),
                port: svc.port,
                port_name: self.port_names.get(name).cloned(),
                endpoints: Vec::new(),
            })
            .collect();
        for (name, (port, pods)) in &self.headless {
            services.push(dns::DnsService {
                name: name.clone(),
                cluster_ip: None,
                port: *port,
                port_name: self.port_names.get(name).cloned(),
                endpoints: pods
                    .iter()
                    .filter_map(|p| node.pod(p).map(|pod| (p.clone(), pod.ip.addr)))
                    .collect(),
            });
        }
        Ok(dns::Records {
            ttl,
            services,
            pods: node.pods().iter().map(|p| p.ip.addr).collect(),
        })
    }

    /// Brings the DNS server's records up to date after an action (a new Service).
    pub fn sync_dns(&self) -> Result<()> {
        if let Some(server) = &self.dns {
            server.update(&self.dns_records(server.ttl())?)?;
        }
        Ok(())
    }

    fn dns(&self) -> Result<&DnsServer> {
        self.dns
            .as_ref()
            .context("this lesson has no cluster DNS yet (its net-dns step starts it)")
    }

    /// Asks the DNS server `name` (type `qtype`) from inside the node's namespace, from
    /// 127.0.0.1, so the log knows the question as the lab's own.
    pub fn dns_query(&self, name: &str, qtype: &str) -> Result<dns::Answer> {
        let server = self.dns()?;
        dns::query(
            Some(self.node()?.netns()?.fd()),
            Ipv4Addr::LOCALHOST,
            server.addr(),
            name,
            dns::record_type(qtype)?,
        )
    }

    /// The DNS server's log, oldest first.
    pub fn dns_log(&self) -> Result<Vec<DnsQuery>> {
        Ok(self.dns()?.log())
    }
}

/// The Ingress part: `net-ingress` and what `net-http` observes.
impl NetLab {
    /// Starts the Ingress proxy on the bridge's address, port 80, inside the node's
    /// namespace, routing by the Ingress in `file` (shown as `shown`); with a proxy
    /// running, reads the file again. Returns the rules in force.
    pub fn ingress(
        &mut self,
        file: &std::path::Path,
        shown: &str,
        tracer: &Tracer,
    ) -> Result<String> {
        let services = self.proxy_services()?;
        if let Some(p) = &self.ingress {
            p.set_services(services);
            p.reload()?;
        } else {
            let node = self.node()?;
            let netns = node.netns()?;
            let addr = std::net::SocketAddr::from((node.gateway().addr, ingress::PORT));
            let p = IngressProxy::start(
                netns.fd(),
                netns.name(),
                addr,
                file,
                shown,
                services,
                tracer,
            )?;
            self.ingress = Some(p);
        }
        let p = self
            .ingress
            .as_ref()
            .context("the Ingress proxy is not running")?;
        let ing = p.ingress();
        let mut out = format!(
            "Ingress {} ({}): http {} in {}\n",
            ing.name,
            p.file(),
            p.addr(),
            self.node()?.netns()?.name()
        );
        for r in ing.describe() {
            out.push_str(&format!("  {r}\n"));
        }
        Ok(out)
    }

    /// The Services as the proxy routes to them: port, port name and endpoints.
    fn proxy_services(&self) -> Result<ingress::Services> {
        let node = self.node()?;
        Ok(self
            .services
            .iter()
            .map(|(name, (svc, pods))| {
                let endpoints = pods
                    .iter()
                    .filter_map(|p| node.pod(p).map(|pod| (p.clone(), pod.ip.addr)))
                    .collect();
                (
                    name.clone(),
                    ingress::ProxyService {
                        port: svc.port,
                        port_name: self.port_names.get(name).cloned(),
                        endpoints,
                    },
                )
            })
            .collect())
    }

    /// Brings the cluster DNS and the Ingress proxy up to date after an action.
    pub fn sync(&self) -> Result<()> {
        self.sync_dns()?;
        if let Some(p) = &self.ingress {
            p.set_services(self.proxy_services()?);
        }
        Ok(())
    }

    /// The requests `ask` names, after the Ingress proxy read its file if it changed.
    pub fn http(&self, ask: &HttpAsk) -> Result<HttpSeen> {
        let HttpAsk {
            from,
            to,
            port,
            path,
            host,
            requests,
        } = *ask;
        let node = self.node()?;
        let ip: Ipv4Addr = to
            .parse()
            .with_context(|| format!("{to:?} is not an IPv4 address"))?;
        let mut seen = HttpSeen::default();
        if let Some(p) = &self.ingress {
            p.sync()?;
            seen.refused = p.refused();
        }
        // Without a host, the address, as curl sends it.
        let host = host.unwrap_or(to);
        for _ in 0..requests {
            let key = match node.http(from, ip, port, path, Some(host))? {
                Some((200, body)) => body,
                Some((status, _)) => format!("HTTP {status}"),
                None => String::new(),
            };
            *seen.counts.entry(key).or_insert(0) += 1;
        }
        Ok(seen)
    }
}

/// How many of the DNS server's last queries a panel sample carries.
const PANEL_QUERIES: usize = 24;

/// How many conntrack entries a panel sample carries.
const PANEL_CONNTRACK: usize = 12;

impl NetLab {
    /// The Cluster panel's sample for the node: its links and routes, kube-proxy's
    /// rules with their packet counters, its conntrack entries and the DNS server's
    /// last queries (`None` before the node exists).
    pub fn panel(&self, lang: Lang) -> Option<super::panel::NetPanel> {
        let node = self.node.as_ref()?;
        let ports = node.bridge_ports().unwrap_or_default();
        let links = node
            .links()
            .unwrap_or_default()
            .into_iter()
            .map(|l| super::panel::NetLinkRow {
                master: ports
                    .contains(&l.name)
                    .then(|| crate::runtime::node::BRIDGE.to_string()),
                addresses: l.addresses.iter().map(|a| a.to_string()).collect(),
                name: l.name,
                up: l.up,
            })
            .collect();
        let dns = self.dns.as_ref().map(|d| {
            let log = d.log();
            super::panel::DnsPanel {
                server: d.addr().to_string(),
                ttl: d.ttl(),
                queries: log[log.len().saturating_sub(PANEL_QUERIES)..].to_vec(),
            }
        });
        let nat = if self.services.is_empty() {
            Vec::new()
        } else {
            node.nat_counters()
                .unwrap_or_default()
                .into_iter()
                .map(|(packets, rule)| super::panel::NatRow { packets, rule })
                .collect()
        };
        let conntrack = node.conntrack().unwrap_or_default();
        let ingress = self.ingress.as_ref().map(|p| {
            let log = p.log();
            super::panel::IngressPanel {
                server: p.addr().to_string(),
                file: p.file().to_string(),
                rules: p.ingress().describe(),
                refused: p.refused().map(|e| crate::i18n::render(lang, &e)),
                requests: log[log.len().saturating_sub(PANEL_QUERIES)..].to_vec(),
            }
        });
        Some(super::panel::NetPanel {
            ingress,
            node: node.id().to_string(),
            links,
            dns,
            routes: node.routes().unwrap_or_default(),
            nat,
            conntrack: conntrack[conntrack.len().saturating_sub(PANEL_CONNTRACK)..].to_vec(),
        })
    }
}

/// Lint for the Ingress files a networking lesson names (in `net-ingress` actions and
/// tasks' `solution_files`): each exists in the lesson's directory and is an Ingress the
/// proxy accepts over the Services the lesson's `net-service` actions make.
pub fn validate_files(
    origin: &str,
    lesson_name: &str,
    lesson_text: &str,
    file: &super::format::LessonFile,
    files: &std::collections::BTreeMap<String, String>,
) -> Vec<super::load::LoadError> {
    let mut services = ingress::Services::new();
    let mut named: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
    for s in &file.steps {
        if let Some(a) = &s.action {
            match a.get_ref() {
                Action::NetService {
                    name,
                    cluster_ip,
                    port,
                    port_name,
                    ..
                } if cluster_ip != "None" => {
                    services.insert(
                        name.clone(),
                        ingress::ProxyService {
                            port: *port,
                            port_name: port_name.clone(),
                            endpoints: Vec::new(),
                        },
                    );
                }
                Action::NetIngress { file } => named.push((file.as_str(), a.span())),
                _ => {}
            }
        }
        named.extend(s.solution_files.values().map(|f| (f.as_str(), s.id.span())));
    }
    let mut errors = Vec::new();
    for (name, span) in named {
        let Some(text) = files.get(name) else {
            errors.push(super::load::err(
                lesson_name,
                lesson_text,
                Some(span),
                format!("no file \"{name}\" in the lesson's directory"),
            ));
            continue;
        };
        let shown = format!("{origin}/{name}");
        if let Err(e) = ingress::parse(text, &shown, &services) {
            let message = e.to_string();
            let at = message
                .strip_prefix(&format!("{shown}:"))
                .and_then(|rest| rest.split_once(": "))
                .and_then(|(line, m)| Some((line.parse().ok()?, m.to_string())));
            errors.push(match at {
                Some((line, m)) => super::load::LoadError {
                    file: shown,
                    line: Some(line),
                    message: m,
                },
                None => super::load::LoadError {
                    file: shown,
                    line: None,
                    message,
                },
            });
        }
    }
    errors
}

/// A lesson's `dns-*` check with a name that is not a DNS name or an unknown record
/// type: the sentence saying so.
pub fn validate_dns_check(check: &Check) -> Option<String> {
    let (name, qtype) = match check {
        Check::DnsResolve { name, qtype, .. } => (name, Some(qtype)),
        Check::DnsLog { name, .. } => (name, None),
        _ => return None,
    };
    dns::parse_name(name)
        .err()
        .or_else(|| qtype.and_then(|t| dns::record_type(t).err()))
        .map(|e| format!("{e:#}"))
}

/// The queries of the last lookup of `name` by a pod or the node's shell: the last
/// query for `name` or a search-list expansion of it (`name.…`), with the queries for
/// such names from the same address that came less than a second before each other,
/// back to the first name and type asked twice.
pub fn last_lookup<'a>(log: &'a [DnsQuery], name: &str) -> Vec<&'a DnsQuery> {
    let base = name.trim_end_matches('.').to_ascii_lowercase();
    let below = format!("{base}.");
    let of_name = |q: &DnsQuery| {
        let n = q.name.trim_end_matches('.').to_ascii_lowercase();
        n == base || n.starts_with(&below)
    };
    let ip = |q: &DnsQuery| q.client.rsplit_once(':').map(|(ip, _)| ip.to_string());
    let asked: Vec<&DnsQuery> = log.iter().filter(|q| !q.from_lab()).collect();
    let Some(last) = asked.iter().rposition(|q| of_name(q)) else {
        return Vec::new();
    };
    // A resolver asks each name and type once per lookup: a repeat is the lookup before.
    let mut asked_in = std::collections::BTreeSet::new();
    asked_in.insert((&asked[last].name, &asked[last].qtype));
    let mut first = last;
    while first > 0 {
        let (prev, next) = (asked[first - 1], asked[first]);
        if of_name(prev)
            && ip(prev) == ip(next)
            && next.at_ms.saturating_sub(prev.at_ms) < 1000
            && asked_in.insert((&prev.name, &prev.qtype))
        {
            first -= 1;
        } else {
            break;
        }
    }
    asked[first..=last].to_vec()
}

/// Evaluates a `dns-*` check.
fn evaluate_dns(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    Ok(match check {
        Check::DnsResolve {
            name,
            qtype,
            answers,
            nxdomain,
            ttl,
        } => {
            let got = w.dns_query(name, qtype)?;
            let mut seen: Vec<String> = got.records.iter().map(|(d, _)| d.clone()).collect();
            seen.sort();
            let ttls: Vec<u32> = got.records.iter().map(|(_, t)| *t).collect();
            let mut sentence = if seen.is_empty() {
                tr!(
                    lang,
                    "dns-resolve-none",
                    name = name.as_str(),
                    qtype = qtype.as_str(),
                    rcode = got.rcode.as_str()
                )
            } else {
                tr!(
                    lang,
                    "dns-resolve-answered",
                    name = name.as_str(),
                    qtype = qtype.as_str(),
                    answers = seen.join(", "),
                    ttl = ttls.first().copied().unwrap_or(0)
                )
            };
            let mut want = Vec::new();
            if *nxdomain && got.rcode != "NXDOMAIN" {
                want.push(tr!(lang, "dns-resolve-expected-nxdomain"));
            }
            if let Some(a) = answers {
                let mut a = a.clone();
                a.sort();
                if a != seen || got.rcode != "NOERROR" {
                    want.push(tr!(
                        lang,
                        "dns-resolve-expected-answers",
                        answers = a.join(", ")
                    ));
                }
            }
            if let Some(t) = ttl
                && (ttls.is_empty() || ttls.iter().any(|x| x != t))
            {
                want.push(tr!(lang, "dns-resolve-expected-ttl", ttl = *t));
            }
            let pass = want.is_empty();
            for w in want {
                sentence.push(' ');
                sentence.push_str(&w);
            }
            result(check, pass, sentence)
        }
        Check::DnsLog {
            name,
            queries,
            answered,
        } => {
            let log = w.dns_log()?;
            let lookup = last_lookup(&log, name);
            let Some(first) = lookup.first() else {
                return Ok(result(
                    check,
                    false,
                    tr!(lang, "dns-log-none", name = name.as_str()),
                ));
            };
            let list: Vec<String> = lookup
                .iter()
                .map(|q| {
                    let said = if q.answers.is_empty() {
                        q.rcode.clone()
                    } else {
                        q.answers.join(" ")
                    };
                    format!("{} {} → {said}", q.name.trim_end_matches('.'), q.qtype)
                })
                .collect();
            let got_address = lookup
                .iter()
                .any(|q| q.qtype == "A" && !q.answers.is_empty());
            let n = lookup.len() as u32;
            let client = first.client.rsplit_once(':').map_or("", |(ip, _)| ip);
            let mut sentence = tr!(
                lang,
                "dns-log-seen",
                name = name.as_str(),
                client = client,
                queries = n,
                list = list.join("; ")
            );
            let mut pass = true;
            if let Some(q) = queries
                && *q != n
            {
                pass = false;
                sentence.push(' ');
                sentence.push_str(&tr!(lang, "dns-log-expected-queries", queries = *q));
            }
            if let Some(a) = answered
                && *a != got_address
            {
                pass = false;
                sentence.push(' ');
                sentence.push_str(&if *a {
                    tr!(lang, "dns-log-expected-answer")
                } else {
                    tr!(lang, "dns-log-expected-no-answer")
                });
            }
            result(check, pass, sentence)
        }
        other => bail!("not a DNS check: {other:?}"),
    })
}

/// Evaluates a `net-*` check.
pub fn evaluate(check: &Check, w: &dyn World, lang: Lang) -> Result<CheckResult> {
    Ok(match check {
        Check::NetReach { from, to, reach } => {
            let (ip, body) = w.net_reach(from, to)?;
            let ip = ip.to_string();
            let answered = body.as_deref() == Some(to.as_str());
            let mut sentence = match &body {
                Some(b) => tr!(
                    lang,
                    "net-reach-answered",
                    from = from.as_str(),
                    to = to.as_str(),
                    ip = ip.as_str(),
                    body = b.as_str()
                ),
                None => tr!(
                    lang,
                    "net-reach-silent",
                    from = from.as_str(),
                    to = to.as_str(),
                    ip = ip.as_str()
                ),
            };
            let pass = answered == *reach;
            if !pass {
                sentence.push(' ');
                sentence.push_str(&if *reach {
                    tr!(lang, "net-reach-expected-answer", to = to.as_str())
                } else {
                    tr!(lang, "net-reach-expected-silence")
                });
            }
            result(check, pass, sentence)
        }
        Check::NetLink { link, up, master } => {
            let Some(seen) = w.net_link(link)? else {
                return Ok(result(
                    check,
                    false,
                    tr!(lang, "net-link-missing", link = link.as_str()),
                ));
            };
            let pass = up.is_none_or(|u| u == seen.up)
                && master
                    .as_ref()
                    .is_none_or(|m| seen.master.as_ref() == Some(m));
            let mut sentence = tr!(
                lang,
                "net-link-seen",
                link = link.as_str(),
                state = state(lang, seen.up),
                port = port(lang, seen.master.as_deref())
            );
            if !pass {
                let mut want = Vec::new();
                if let Some(u) = up {
                    want.push(state(lang, *u));
                }
                if let Some(m) = master {
                    want.push(port(lang, Some(m)));
                }
                sentence.push(' ');
                sentence.push_str(&tr!(lang, "net-link-expected", expected = want.join(", ")));
            }
            result(check, pass, sentence)
        }
        Check::NetSpread {
            from,
            service,
            requests,
            endpoints,
            node_port,
            exact,
        } => {
            let (made, counts) = w.net_spread(from, service, *requests, *node_port)?;
            let names = endpoints.clone().unwrap_or(made);
            let (low, high) = if *exact {
                let each = *requests / names.len().max(1) as u32;
                (each, each)
            } else {
                bounds(*requests, names.len())
            };
            // Answers from pods the check does not expect are listed too, and fail it.
            let others: Vec<&String> = counts
                .keys()
                .filter(|b| !b.is_empty() && !names.contains(b))
                .collect();
            let shares: Vec<String> = names
                .iter()
                .chain(others.iter().copied())
                .map(|n| format!("{n} {}", counts.get(n).copied().unwrap_or(0)))
                .collect();
            let unanswered = counts.get("").copied().unwrap_or(0);
            let pass = unanswered == 0
                && others.is_empty()
                && names
                    .iter()
                    .all(|n| (low..=high).contains(&counts.get(n).copied().unwrap_or(0)));
            let bound = if *exact {
                tr!(lang, "net-spread-bound-exact", each = low)
            } else {
                tr!(lang, "net-spread-bound-fair", low = low, high = high)
            };
            let sentence = tr!(
                lang,
                "net-spread-seen",
                service = service.as_str(),
                requests = *requests,
                shares = shares.join(", "),
                unanswered = unanswered,
                bound = bound
            );
            result(check, pass, sentence)
        }
        Check::NetAffinity {
            from,
            service,
            requests,
        } => {
            let (_, counts) = w.net_spread(from, service, *requests, false)?;
            let unanswered = counts.get("").copied().unwrap_or(0);
            let answered: Vec<String> = counts
                .iter()
                .filter(|(b, _)| !b.is_empty())
                .map(|(b, n)| format!("{b} {n}"))
                .collect();
            let pass = unanswered == 0 && answered.len() == 1;
            let mut sentence = tr!(
                lang,
                "net-affinity-seen",
                from = from.as_str(),
                service = service.as_str(),
                requests = *requests,
                shares = answered.join(", "),
                unanswered = unanswered
            );
            if !pass {
                sentence.push(' ');
                sentence.push_str(&tr!(lang, "net-affinity-expected"));
            }
            result(check, pass, sentence)
        }
        Check::NetRule {
            chain,
            comment,
            matches,
            present,
        } => {
            let table = w.net_rules()?;
            let found = rule_lines(
                &table,
                chain.as_deref(),
                comment.as_deref(),
                matches.as_deref(),
            );
            let what = rule_pattern(chain.as_deref(), comment.as_deref(), matches.as_deref());
            let mut sentence = match found.first() {
                Some(first) => tr!(
                    lang,
                    "net-rule-found",
                    count = found.len(),
                    what = what.as_str(),
                    rule = first.as_str()
                ),
                None => tr!(lang, "net-rule-none", what = what.as_str()),
            };
            let pass = found.is_empty() != *present;
            if !pass {
                sentence.push(' ');
                sentence.push_str(&if *present {
                    tr!(lang, "net-rule-expected-present")
                } else {
                    tr!(lang, "net-rule-expected-gone")
                });
            }
            result(check, pass, sentence)
        }
        Check::NetHttp {
            from,
            to,
            port,
            path,
            host,
            requests,
            backends,
        } => {
            let seen = w.net_http(&HttpAsk {
                from,
                to,
                port: *port,
                path,
                host: host.as_deref(),
                requests: *requests,
            })?;
            let unanswered = seen.counts.get("").copied().unwrap_or(0);
            let mut answers: Vec<String> = seen
                .counts
                .iter()
                .filter(|(b, _)| !b.is_empty())
                .map(|(b, n)| format!("{b} {n}"))
                .collect();
            if unanswered > 0 {
                answers.push(tr!(lang, "net-http-unanswered", count = unanswered));
            }
            let pass = seen.refused.is_none()
                && unanswered == 0
                && seen.counts.keys().all(|b| backends.iter().any(|x| x == b))
                && backends.iter().all(|b| seen.counts.contains_key(b));
            let mut sentence = tr!(
                lang,
                "net-http-seen",
                requests = *requests,
                path = path.as_str(),
                host = host.as_deref().unwrap_or(to.as_str()),
                from = from.as_str(),
                to = format!("{to}:{port}"),
                answers = answers.join(", ")
            );
            if let Some(e) = &seen.refused {
                sentence.push(' ');
                sentence.push_str(&tr!(
                    lang,
                    "net-http-refused",
                    error = crate::i18n::render(lang, e)
                ));
            }
            if !pass {
                sentence.push(' ');
                sentence.push_str(&tr!(
                    lang,
                    "net-http-expected",
                    backends = backends.join(", ")
                ));
            }
            result(check, pass, sentence)
        }
        Check::DnsResolve { .. } | Check::DnsLog { .. } => evaluate_dns(check, w, lang)?,
        other => bail!("not a networking check: {other:?}"),
    })
}

/// The lines of an `iptables -t nat -S` listing that a `net-rule` check asks about: the
/// rules of `chain` (every chain's, without one) with the comment and the text asked
/// for, or, with only a chain, its `-N` line.
fn rule_lines<'a>(
    table: &'a [String],
    chain: Option<&str>,
    comment: Option<&str>,
    text: Option<&str>,
) -> Vec<&'a String> {
    if let (Some(c), None, None) = (chain, comment, text) {
        let made = format!("-N {c}");
        return table.iter().filter(|l| **l == made).collect();
    }
    table
        .iter()
        .filter(|l| l.starts_with("-A "))
        .filter(|l| chain.is_none_or(|c| l.starts_with(&format!("-A {c} "))))
        .filter(|l| {
            comment.is_none_or(|c| {
                l.contains(&format!("--comment \"{c}\"")) || l.contains(&format!("--comment {c} "))
            })
        })
        .filter(|l| text.is_none_or(|t| l.contains(t)))
        .collect()
}

/// What a `net-rule` check looks for, written as the rule would begin and hold:
/// `-A KUBE-SVC-WEB … --comment default/web … recent --rcheck`.
fn rule_pattern(chain: Option<&str>, comment: Option<&str>, text: Option<&str>) -> String {
    match (chain, comment, text) {
        (Some(c), None, None) => format!("-N {c}"),
        _ => {
            let mut parts = vec![format!("-A {}", chain.unwrap_or("*"))];
            parts.extend(comment.map(|c| format!("--comment {c}")));
            parts.extend(text.map(String::from));
            parts.join(" … ")
        }
    }
}

/// The range a fair random choice among `k` endpoints keeps each count of `n` requests
/// in: the binomial mean n/k, 4 standard deviations either side (a fair choice falls
/// outside less than once in 10,000 checks).
fn bounds(n: u32, k: usize) -> (u32, u32) {
    if k == 0 {
        return (0, 0);
    }
    let p = 1.0 / k as f64;
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    let low = (mean - 4.0 * sd).floor().max(0.0) as u32;
    let high = ((mean + 4.0 * sd).ceil() as u32).min(n);
    (low, high)
}

fn state(lang: Lang, up: bool) -> String {
    if up {
        tr!(lang, "net-link-up")
    } else {
        tr!(lang, "net-link-down")
    }
}

fn port(lang: Lang, master: Option<&str>) -> String {
    match master {
        Some(m) => tr!(lang, "net-link-port", master = m),
        None => tr!(lang, "net-link-no-port"),
    }
}

/// Runs `cmd` through `/bin/sh -c` in `c`, with its output captured.
pub fn exec(c: &Container, cmd: &str) -> Result<crate::runtime::ExecOutput> {
    c.exec(&["/bin/sh", "-c", cmd], Stdio::piped())
}

#[cfg(test)]
mod tests {
    fn q(at_ms: u64, client: &str, name: &str, qtype: &str) -> crate::runtime::dns::DnsQuery {
        crate::runtime::dns::DnsQuery {
            at_ms,
            client: client.into(),
            name: name.into(),
            qtype: qtype.into(),
            rcode: "NOERROR".into(),
            answers: vec![],
        }
    }

    #[test]
    fn a_lookup_is_its_run_of_queries() {
        let n = "web.default.svc.cluster.local.";
        let log = vec![
            q(0, "10.244.1.1:4000", "web.svc.cluster.local.", "A"),
            q(5, "10.244.1.1:4000", n, "A"),
            q(5, "10.244.1.1:4000", n, "AAAA"),
            // The lab's own question does not count, nor split a lookup.
            q(6, "127.0.0.1:5000", n, "A"),
            // The next lookup, a few milliseconds later: the same names again.
            q(9, "10.244.1.1:4001", n, "A"),
            q(9, "10.244.1.1:4001", n, "AAAA"),
            q(
                3000,
                "10.244.1.1:4002",
                "other.default.svc.cluster.local.",
                "A",
            ),
        ];
        assert_eq!(
            super::last_lookup(&log, "web.default.svc.cluster.local.").len(),
            2
        );
        let first: Vec<_> = super::last_lookup(&log[..3], "web")
            .iter()
            .map(|q| q.at_ms)
            .collect();
        assert_eq!(first, vec![0, 5, 5]);
        assert!(super::last_lookup(&log, "db").is_empty());
    }

    #[test]
    fn a_rule_is_found_by_chain_comment_and_text() {
        let table: Vec<String> = [
            "-N KUBE-SVC-WEB",
            "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"default/web\" -m tcp --dport 80 -j KUBE-SVC-WEB",
            "-A KUBE-SVC-WEB -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-WEB-0 --mask 255.255.255.255 --rsource -j KUBE-SEP-WEB-0",
            "-A KUBE-SVC-WEB -j KUBE-SEP-WEB-0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let n = |c: Option<&str>, m: Option<&str>, t: Option<&str>| {
            super::rule_lines(&table, c, m, t).len()
        };
        assert_eq!(n(Some("KUBE-SVC-WEB"), None, None), 1);
        assert_eq!(n(Some("KUBE-SVC-DB"), None, None), 0);
        assert_eq!(n(Some("KUBE-SVC-WEB"), None, Some("--rcheck")), 1);
        assert_eq!(n(None, Some("default/web"), None), 1);
        assert_eq!(n(None, Some("default/we"), None), 0);
        assert_eq!(n(Some("KUBE-SERVICES"), None, Some("--rcheck")), 0);
        assert_eq!(
            super::rule_pattern(Some("KUBE-SVC-WEB"), None, Some("recent --rcheck")),
            "-A KUBE-SVC-WEB … recent --rcheck"
        );
    }

    #[test]
    fn bounds_follow_the_binomial() {
        assert_eq!(super::bounds(40, 2), (7, 33));
        assert_eq!(super::bounds(40, 1), (40, 40));
    }
}
