//! A ClusterIP Service as kube-proxy's iptables mode makes it, in a node's network
//! namespace, with the real `iptables`:
//!
//! ```text
//! nat PREROUTING, OUTPUT ─► KUBE-SERVICES ─(-d CLUSTER-IP --dport PORT)─► KUBE-SVC-NAME
//! KUBE-SVC-NAME: -m statistic --mode random --probability 1/n  ─► KUBE-SEP-NAME-0
//!                -m statistic --mode random --probability 1/(n-1) ─► KUBE-SEP-NAME-1 … last: always
//! KUBE-SEP-NAME-i: -j DNAT --to-destination POD-IP:PORT
//! ```
//!
//! Traffic from a pod to a pod of the same bridge after DNAT is masqueraded (kube-proxy's
//! hairpin `KUBE-MARK-MASQ`), so the reply comes back through the node, where conntrack
//! undoes the DNAT. `iptables` runs as a child process that joins the node's namespace
//! before it executes; nothing is ever written to the host's tables.

use super::node::Node;
use super::trace::{TraceEvent, Tracer};
use anyhow::{Context, Result, bail};
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::process::CommandExt;
use std::time::Instant;

/// A Service of type ClusterIP: its virtual address and port, and its endpoints (pod
/// addresses, serving on the same port).
#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub cluster_ip: Ipv4Addr,
    pub port: u16,
    pub endpoints: Vec<Ipv4Addr>,
}

/// The path of the `iptables` tool, or why it cannot be used.
pub fn iptables() -> Result<std::path::PathBuf> {
    for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
        let p = std::path::Path::new(dir).join("iptables");
        if p.is_file() {
            return Ok(p);
        }
    }
    crate::bail_said!("error-iptables-missing")
}

fn split(line: &str) -> Vec<String> {
    line.split(' ').map(String::from).collect()
}

/// The chains and hooks every Service shares, made once per node: KUBE-SERVICES from
/// PREROUTING (pods' traffic) and OUTPUT (the node's own), and the hairpin masquerade
/// for the node's pod network `pod_cidr`.
pub fn shared_rules(pod_cidr: &str) -> Vec<Vec<String>> {
    [
        "-t nat -N KUBE-SERVICES".to_string(),
        "-t nat -A PREROUTING -j KUBE-SERVICES".to_string(),
        "-t nat -A OUTPUT -j KUBE-SERVICES".to_string(),
        format!(
            "-t nat -A POSTROUTING -s {pod_cidr} -d {pod_cidr} -m conntrack --ctstate DNAT -j MASQUERADE"
        ),
    ]
    .iter()
    .map(|l| split(l))
    .collect()
}

/// The rules kube-proxy's iptables mode writes for `svc`, in order, as `iptables`
/// arguments.
pub fn rules(svc: &Service) -> Result<Vec<Vec<String>>> {
    if svc.endpoints.is_empty() {
        crate::bail_said!("error-service-no-endpoints", service = &svc.name);
    }
    let tag = svc.name.to_ascii_uppercase();
    let svc_chain = format!("KUBE-SVC-{tag}");
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut add = |line: String| out.push(split(&line));
    add(format!("-t nat -N {svc_chain}"));
    add(format!(
        "-t nat -A KUBE-SERVICES -d {}/32 -p tcp --dport {} -j {svc_chain}",
        svc.cluster_ip, svc.port
    ));
    let n = svc.endpoints.len();
    for (i, ep) in svc.endpoints.iter().enumerate() {
        let sep = format!("KUBE-SEP-{tag}-{i}");
        add(format!("-t nat -N {sep}"));
        add(format!(
            "-t nat -A {sep} -p tcp -j DNAT --to-destination {ep}:{}",
            svc.port
        ));
        let left = n - i;
        if left > 1 {
            add(format!(
                "-t nat -A {svc_chain} -m statistic --mode random --probability {:.10} -j {sep}",
                1.0 / left as f64
            ));
        } else {
            add(format!("-t nat -A {svc_chain} -j {sep}"));
        }
    }
    Ok(out)
}

/// Runs `iptables ARGS` inside the namespace `ns`, traced with its shell equivalent
/// (`ip netns exec NODE iptables …`).
pub fn run_in(ns: BorrowedFd<'_>, ns_name: &str, args: &[String], tracer: &Tracer) -> Result<()> {
    let tool = iptables()?;
    let fd = ns.as_raw_fd();
    let start = Instant::now();
    let mut cmd = std::process::Command::new(&tool);
    cmd.args(args).stdin(std::process::Stdio::null());
    // SAFETY: setns is a plain system call, async-signal-safe; only the child joins.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", tool.display()))?;
    let ok = out.status.success();
    let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
    tracer.emit(TraceEvent {
        pid: std::process::id() as i32,
        op: "exec".to_string(),
        args: format!("iptables {}", args.join(" ")),
        ok,
        result: if ok { "0".to_string() } else { said.clone() },
        duration_us: start.elapsed().as_micros() as u64,
        shell: Some(format!(
            "ip netns exec {ns_name} iptables {}",
            args.join(" ")
        )),
    });
    if !ok {
        bail!("iptables {} failed in {ns_name}: {said}", args.join(" "));
    }
    Ok(())
}

/// Enables IPv4 forwarding inside `ns` (the node routes Service traffic back out of
/// `cni0`). The sysctl is the namespace's own.
fn enable_forwarding(ns: BorrowedFd<'_>) -> Result<()> {
    super::net::in_netns(ns, || {
        std::fs::write("/proc/sys/net/ipv4/ip_forward", "1")
            .context("cannot enable IPv4 forwarding in the node's namespace")
    })
}

impl Node {
    /// Makes the Service's rules in the node's `nat` table, as kube-proxy does.
    pub fn add_service(&self, svc: &Service, tracer: &Tracer) -> Result<()> {
        let rules = rules(svc)?;
        let netns = self.netns()?;
        if !svc_rules_exist(netns.fd()) {
            enable_forwarding(netns.fd())?;
            for r in shared_rules(&self.pod_cidr().to_string()) {
                run_in(netns.fd(), netns.name(), &r, tracer)?;
            }
        }
        for r in &rules {
            run_in(netns.fd(), netns.name(), r, tracer)?;
        }
        Ok(())
    }
}

/// True when KUBE-SERVICES already exists in the namespace's nat table.
fn svc_rules_exist(ns: BorrowedFd<'_>) -> bool {
    run_in(ns, "", &split("-t nat -S KUBE-SERVICES"), &Tracer::null()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_follow_kube_proxy() {
        let svc = Service {
            name: "web".into(),
            cluster_ip: "10.96.0.10".parse().unwrap(),
            port: 80,
            endpoints: vec!["10.244.1.2".parse().unwrap(), "10.244.1.3".parse().unwrap()],
        };
        let r: Vec<String> = rules(&svc).unwrap().iter().map(|a| a.join(" ")).collect();
        assert!(
            r.contains(
                &"-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 80 -j KUBE-SVC-WEB"
                    .to_string()
            )
        );
        assert!(r.contains(&"-t nat -A KUBE-SVC-WEB -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-WEB-0".to_string()));
        assert!(r.contains(&"-t nat -A KUBE-SVC-WEB -j KUBE-SEP-WEB-1".to_string()));
        assert!(r.contains(
            &"-t nat -A KUBE-SEP-WEB-1 -p tcp -j DNAT --to-destination 10.244.1.3:80".to_string()
        ));
        let none = Service {
            endpoints: vec![],
            ..svc
        };
        assert!(
            rules(&none)
                .unwrap_err()
                .to_string()
                .contains("no endpoints")
        );
    }
}
