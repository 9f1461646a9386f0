//! The networking track's part of the engine: the node (`runtime::node::Node`) a
//! lesson builds with `net-node`, the containers its shell and solutions run in, and
//! the `net-reach` and `net-link` checks.
//!
//! The lesson's `main` container is the node's shell container, so the shell pane and
//! a task's reference solution run `ip`, `brctl` and `arp` in the node's namespace;
//! a pod's name names its container.

use super::checks::{World, result};
use super::event::CheckResult;
use super::format::{Action, Check};
use crate::i18n::Lang;
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
    node: Option<Node>,
    /// The Services made, by name, with their endpoints' pod names.
    services: std::collections::BTreeMap<String, (Service, Vec<String>)>,
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
        if let Action::NetService {
            name,
            cluster_ip,
            port,
            endpoints,
        } = action
        {
            return self.service(name, cluster_ip, *port, endpoints, tracer);
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

    fn service(
        &mut self,
        name: &str,
        cluster_ip: &str,
        port: u16,
        endpoints: &[String],
        tracer: &Tracer,
    ) -> Result<String> {
        let node = self.node()?;
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
            port,
            endpoints: ips,
        };
        node.add_service(&svc, tracer)?;
        let out = kubeproxy::rules(&svc)?
            .iter()
            .map(|r| format!("iptables {}\n", r.join(" ")))
            .collect();
        self.services
            .insert(name.to_string(), (svc, endpoints.to_vec()));
        Ok(out)
    }

    /// `n` requests from pod `from` to the Service `service`: its endpoints' names and
    /// the count of answers by body ("" for no answer).
    pub fn spread(&self, from: &str, service: &str, n: u32) -> Result<Spread> {
        let node = self.node()?;
        let (svc, names) = self
            .services
            .get(service)
            .with_context(|| format!("there is no Service named {service:?} in this lesson"))?;
        let mut counts = std::collections::BTreeMap::new();
        for _ in 0..n {
            let body = node.request(from, svc.cluster_ip)?.unwrap_or_default();
            *counts.entry(body).or_insert(0) += 1;
        }
        Ok((names.clone(), counts))
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
        } => {
            let (made, counts) = w.net_spread(from, service, *requests)?;
            let names = endpoints.clone().unwrap_or(made);
            let (low, high) = bounds(*requests, names.len());
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
            let sentence = tr!(
                lang,
                "net-spread-seen",
                service = service.as_str(),
                requests = *requests,
                shares = shares.join(", "),
                unanswered = unanswered,
                low = low,
                high = high
            );
            result(check, pass, sentence)
        }
        other => bail!("not a networking check: {other:?}"),
    })
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
    #[test]
    fn bounds_follow_the_binomial() {
        assert_eq!(super::bounds(40, 2), (7, 33));
        assert_eq!(super::bounds(40, 1), (40, 40));
    }
}
