//! A ClusterIP Service as kube-proxy's iptables mode makes it, in a node's network
//! namespace, with the real `iptables`:
//!
//! ```text
//! nat PREROUTING, OUTPUT ─► KUBE-SERVICES ─(-d CLUSTER-IP --dport PORT)─► KUBE-SVC-NAME
//! KUBE-SVC-NAME: -m statistic --mode random --probability 1/n  ─► KUBE-SEP-NAME-0
//!                -m statistic --mode random --probability 1/(n-1) ─► KUBE-SEP-NAME-1 … last: always
//! KUBE-SEP-NAME-i: -j DNAT --to-destination POD-IP:PORT
//! KUBE-SERVICES (last): -m addrtype --dst-type LOCAL ─► KUBE-NODEPORTS ─(--dport NODE-PORT)─► KUBE-SVC-NAME
//! ```
//!
//! `sessionAffinity: ClientIP` adds kube-proxy's `recent` match: each KUBE-SEP rule
//! records the client's address in a list named after the chain (`--set`), and
//! KUBE-SVC first sends a client seen within the timeout back to the same chain
//! (`--rcheck --seconds T --reap`), before any random choice. A Service whose endpoints
//! change has its rules removed and written again, as kube-proxy rewrites its chains.
//!
//! Traffic from a pod to a pod of the same bridge after DNAT is masqueraded (kube-proxy's
//! hairpin `KUBE-MARK-MASQ`), so the reply comes back through the node, where conntrack
//! undoes the DNAT. A Service's rules are written in one `iptables-restore --noflush`, as
//! kube-proxy writes them (one run instead of one per rule: `benches/net.rs`).
//! `iptables` runs as a child process that joins the node's namespace before it
//! executes; nothing is ever written to the host's tables.

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
    /// `sessionAffinity: ClientIP`, with its timeout in seconds (kube-proxy's default:
    /// 10800).
    pub affinity: Option<u32>,
    /// `type: NodePort`: the port every local address of the node takes for it.
    pub node_port: Option<u16>,
}

impl Service {
    fn tag(&self) -> String {
        self.name.to_ascii_uppercase()
    }

    /// The Service's own chain, `KUBE-SVC-NAME`.
    pub fn svc_chain(&self) -> String {
        format!("KUBE-SVC-{}", self.tag())
    }

    /// The chain of endpoint `i`, `KUBE-SEP-NAME-i`.
    pub fn sep_chain(&self, i: usize) -> String {
        format!("KUBE-SEP-{}-{i}", self.tag())
    }

    /// The comment kube-proxy tags its rules with: `default/NAME`.
    pub fn comment(&self) -> String {
        format!("{}/{}", super::dns::NAMESPACE, self.name)
    }

    /// The rule in KUBE-SERVICES that sends the ClusterIP to the Service's chain.
    fn services_rule(&self) -> String {
        format!(
            "KUBE-SERVICES -d {}/32 -p tcp --dport {} -m comment --comment {} -j {}",
            self.cluster_ip,
            self.port,
            self.comment(),
            self.svc_chain()
        )
    }

    /// The rule in KUBE-NODEPORTS for its node port, if it has one.
    fn node_port_rule(&self) -> Option<String> {
        self.node_port.map(|p| {
            format!(
                "KUBE-NODEPORTS -p tcp --dport {p} -m comment --comment {} -j {}",
                self.comment(),
                self.svc_chain()
            )
        })
    }
}

/// A Service's name must be a DNS label short enough for its chain names: iptables
/// takes at most 28 characters (`KUBE-SEP-` + name + `-NN`).
fn validate_name(name: &str) -> Result<()> {
    let ok = (1..=15).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        crate::bail_said!("error-service-name", name = format!("{name:?}"));
    }
    Ok(())
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
        "-t nat -N KUBE-NODEPORTS".to_string(),
        "-t nat -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS".to_string(),
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
    validate_name(&svc.name)?;
    if svc.endpoints.is_empty() {
        crate::bail_said!("error-service-no-endpoints", service = &svc.name);
    }
    let svc_chain = svc.svc_chain();
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut add = |line: String| out.push(split(&line));
    add(format!("-t nat -N {svc_chain}"));
    add(format!("-t nat -A {}", svc.services_rule()));
    if let Some(rule) = svc.node_port_rule() {
        add(format!("-t nat -A {rule}"));
    }
    let n = svc.endpoints.len();
    for (i, ep) in svc.endpoints.iter().enumerate() {
        let sep = svc.sep_chain(i);
        add(format!("-t nat -N {sep}"));
        let remember = match svc.affinity {
            Some(_) => format!("-m recent --name {sep} --set "),
            None => String::new(),
        };
        add(format!(
            "-t nat -A {sep} -p tcp {remember}-m comment --comment {} -j DNAT --to-destination {ep}:{}",
            svc.comment(),
            svc.port
        ));
    }
    if let Some(seconds) = svc.affinity {
        for i in 0..n {
            let sep = svc.sep_chain(i);
            add(format!(
                "-t nat -A {svc_chain} -m recent --name {sep} --rcheck --seconds {seconds} --reap -j {sep}"
            ));
        }
    }
    for i in 0..n {
        let sep = svc.sep_chain(i);
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

/// The `iptables` arguments that remove `svc`'s rules and chains from a nat table
/// whose rules, as `iptables -t nat -S` prints them, are `table`: the jumps to its
/// KUBE-SVC chain (from KUBE-SERVICES, KUBE-NODEPORTS), that chain, and every KUBE-SEP
/// chain of it the table has, also one a student made.
pub fn removal(svc: &Service, table: &[String]) -> Vec<Vec<String>> {
    let svc_chain = svc.svc_chain();
    let jump = format!(" -j {svc_chain}");
    let mut out: Vec<Vec<String>> = table
        .iter()
        .filter(|l| {
            (l.starts_with("-A KUBE-SERVICES ") || l.starts_with("-A KUBE-NODEPORTS "))
                && l.ends_with(&jump)
        })
        .map(|l| {
            split(&format!(
                "-t nat {}",
                l.replacen("-A ", "-D ", 1).replace('"', "")
            ))
        })
        .collect();
    let sep_prefix = format!("KUBE-SEP-{}-", svc.tag());
    let chains: Vec<&str> = table
        .iter()
        .filter_map(|l| l.strip_prefix("-N "))
        .filter(|c| {
            *c == svc_chain
                || c.strip_prefix(&sep_prefix)
                    .is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    for op in ["-F", "-X"] {
        for c in &chains {
            out.push(split(&format!("-t nat {op} {c}")));
        }
    }
    out
}

/// Runs `iptables ARGS` inside the namespace `ns`, traced with its shell equivalent
/// (`ip netns exec NODE iptables …`).
pub fn run_in(ns: BorrowedFd<'_>, ns_name: &str, args: &[String], tracer: &Tracer) -> Result<()> {
    output_in(ns, ns_name, args, tracer).map(drop)
}

/// Runs `iptables ARGS` inside the namespace `ns`, traced as `run_in` does; its
/// standard output.
fn output_in(
    ns: BorrowedFd<'_>,
    ns_name: &str,
    args: &[String],
    tracer: &Tracer,
) -> Result<String> {
    let shown = format!("iptables {}", args.join(" "));
    tool_in(ns, ns_name, (iptables()?, args), None, &shown, tracer)
}

/// Writes `rules` (`iptables` arguments of the nat table) in one `iptables-restore
/// --noflush` inside `ns`, as kube-proxy writes its rules: one run, one commit.
pub fn restore_in(
    ns: BorrowedFd<'_>,
    ns_name: &str,
    rules: &[Vec<String>],
    tracer: &Tracer,
) -> Result<()> {
    let tool = iptables()?.with_file_name("iptables-restore");
    let input = restore_input(rules);
    let shown = format!("iptables-restore --noflush <<'EOF'\n{input}EOF");
    let args = ["--noflush".to_string()];
    tool_in(ns, ns_name, (tool, &args), Some(&input), &shown, tracer).map(drop)
}

/// The nat table's `rules` as `iptables-restore` input: a `:CHAIN - [0:0]` line for
/// each chain made, then the appended rules, then `COMMIT`.
pub fn restore_input(rules: &[Vec<String>]) -> String {
    let lines: Vec<String> = rules
        .iter()
        .map(|r| {
            let r = r
                .strip_prefix(&["-t".to_string(), "nat".to_string()][..])
                .unwrap_or(r);
            r.join(" ")
        })
        .collect();
    let mut out = String::from("*nat\n");
    for l in &lines {
        if let Some(chain) = l.strip_prefix("-N ") {
            out.push_str(&format!(":{chain} - [0:0]\n"));
        }
    }
    for l in lines.iter().filter(|l| !l.starts_with("-N ")) {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str("COMMIT\n");
    out
}

/// Runs `tool ARGS` (with `stdin` written to it) in a child that joins `ns`, traced as
/// `shown`, with its shell equivalent in `ip netns exec`; its standard output.
fn tool_in(
    ns: BorrowedFd<'_>,
    ns_name: &str,
    (tool, args): (std::path::PathBuf, &[String]),
    stdin: Option<&str>,
    shown: &str,
    tracer: &Tracer,
) -> Result<String> {
    use std::io::Write;
    let fd = ns.as_raw_fd();
    let start = Instant::now();
    let mut cmd = std::process::Command::new(&tool);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // SAFETY: setns is a plain system call, async-signal-safe; only the child joins.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", tool.display()))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes())
            .with_context(|| format!("cannot write to {}", tool.display()))?;
    }
    let out = child.wait_with_output()?;
    let ok = out.status.success();
    let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
    tracer.emit(TraceEvent {
        pid: std::process::id() as i32,
        op: "exec".to_string(),
        args: shown.to_string(),
        ok,
        result: if ok { "0".to_string() } else { said.clone() },
        duration_us: start.elapsed().as_micros() as u64,
        shell: Some(format!("ip netns exec {ns_name} {shown}")),
    });
    if !ok {
        bail!("{shown} failed in {ns_name}: {said}");
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A line of `iptables-save -c` in a KUBE- chain: its packet count and the rule.
fn counted_rule(line: &str) -> Option<(u64, String)> {
    let (counters, rule) = line.strip_prefix('[')?.split_once("] ")?;
    let packets = counters.split_once(':')?.0.parse().ok()?;
    rule.starts_with("-A KUBE-")
        .then(|| (packets, rule.to_string()))
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
    /// Makes the Service's rules in the node's `nat` table, as kube-proxy does: one
    /// `iptables-restore --noflush` (the chains every Service shares are made first, once
    /// per node, one `iptables` run each).
    pub fn add_service(&self, svc: &Service, tracer: &Tracer) -> Result<()> {
        let rules = rules(svc)?;
        let netns = self.netns()?;
        if !svc_rules_exist(netns.fd()) {
            enable_forwarding(netns.fd())?;
            for r in shared_rules(&self.pod_cidr().to_string()) {
                run_in(netns.fd(), netns.name(), &r, tracer)?;
            }
        }
        restore_in(netns.fd(), netns.name(), &rules, tracer)
    }

    /// Removes the Service's rules and chains from the node's nat table, as kube-proxy
    /// does before it writes a Service's new set of endpoints; returns what it ran.
    pub fn remove_service(&self, svc: &Service, tracer: &Tracer) -> Result<Vec<Vec<String>>> {
        let netns = self.netns()?;
        let steps = removal(svc, &self.nat_rules()?);
        if !steps.is_empty() {
            restore_in(netns.fd(), netns.name(), &steps, tracer)?;
        }
        Ok(steps)
    }

    /// The rules of kube-proxy's chains (`KUBE-…`) with their packet counters, from
    /// `iptables-save -c -t nat` in the node (untraced: the Net panel's sample).
    pub fn nat_counters(&self) -> Result<Vec<(u64, String)>> {
        let netns = self.netns()?;
        let tool = iptables()?.with_file_name("iptables-save");
        let args = ["-c".to_string(), "-t".to_string(), "nat".to_string()];
        let out = tool_in(
            netns.fd(),
            netns.name(),
            (tool, &args),
            None,
            "iptables-save -c -t nat",
            &Tracer::null(),
        )?;
        Ok(out.lines().filter_map(counted_rule).collect())
    }

    /// The node's nat table, one rule or chain a line, as `iptables -t nat -S` prints it
    pub fn nat_rules(&self) -> Result<Vec<String>> {
        let netns = self.netns()?;
        let out = output_in(
            netns.fd(),
            netns.name(),
            &split("-t nat -S"),
            &Tracer::null(),
        )?;
        Ok(out.lines().map(String::from).collect())
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
            affinity: None,
            node_port: None,
        };
        let r: Vec<String> = rules(&svc).unwrap().iter().map(|a| a.join(" ")).collect();
        assert!(
            r.contains(
                &"-t nat -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 80 -m comment --comment default/web -j KUBE-SVC-WEB"
                    .to_string()
            )
        );
        assert!(r.contains(&"-t nat -A KUBE-SVC-WEB -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-WEB-0".to_string()));
        assert!(r.contains(&"-t nat -A KUBE-SVC-WEB -j KUBE-SEP-WEB-1".to_string()));
        assert!(r.contains(
            &"-t nat -A KUBE-SEP-WEB-1 -p tcp -m comment --comment default/web -j DNAT --to-destination 10.244.1.3:80".to_string()
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

    fn web() -> Service {
        Service {
            name: "web".into(),
            cluster_ip: "10.96.0.10".parse().unwrap(),
            port: 80,
            endpoints: vec!["10.244.1.2".parse().unwrap(), "10.244.1.3".parse().unwrap()],
            affinity: Some(10800),
            node_port: Some(30080),
        }
    }

    #[test]
    fn affinity_checks_the_recent_lists_before_the_random_choice() {
        let r: Vec<String> = rules(&web()).unwrap().iter().map(|a| a.join(" ")).collect();
        let svc: Vec<&String> = r
            .iter()
            .filter(|l| l.starts_with("-t nat -A KUBE-SVC-WEB "))
            .collect();
        assert_eq!(
            svc[0],
            "-t nat -A KUBE-SVC-WEB -m recent --name KUBE-SEP-WEB-0 --rcheck --seconds 10800 --reap -j KUBE-SEP-WEB-0"
        );
        assert!(svc[2].contains("--probability 0.5"), "{svc:?}");
        assert!(r.contains(&"-t nat -A KUBE-SEP-WEB-1 -p tcp -m recent --name KUBE-SEP-WEB-1 --set -m comment --comment default/web -j DNAT --to-destination 10.244.1.3:80".to_string()));
        assert!(r.contains(
            &"-t nat -A KUBE-NODEPORTS -p tcp --dport 30080 -m comment --comment default/web -j KUBE-SVC-WEB".to_string()
        ));
    }

    #[test]
    fn one_restore_input_declares_the_new_chains_then_appends() {
        let input = restore_input(&rules(&web()).unwrap());
        let lines: Vec<&str> = input.lines().collect();
        assert_eq!(lines[0], "*nat");
        assert_eq!(lines[1], ":KUBE-SVC-WEB - [0:0]");
        assert_eq!(*lines.last().unwrap(), "COMMIT");
        // The shared chains are not declared: declaring one would flush it.
        assert!(!input.contains(":KUBE-SERVICES"), "{input}");
        let first_rule = lines.iter().position(|l| l.starts_with("-A ")).unwrap();
        assert!(
            lines[..first_rule]
                .iter()
                .skip(1)
                .all(|l| l.starts_with(':'))
        );
    }

    #[test]
    fn counters_come_with_kube_proxy_rules_only() {
        assert_eq!(
            counted_rule("[7:420] -A KUBE-SVC-WEB -j KUBE-SEP-WEB-1"),
            Some((7, "-A KUBE-SVC-WEB -j KUBE-SEP-WEB-1".into()))
        );
        assert_eq!(counted_rule("[3:180] -A PREROUTING -j KUBE-SERVICES"), None);
        assert_eq!(counted_rule(":KUBE-SVC-WEB - [0:0]"), None);
    }

    #[test]
    fn a_name_that_is_no_dns_label_is_refused() {
        for bad in ["Web", "web_1", "-web", "a-name-far-too-long", ""] {
            let svc = Service {
                name: bad.into(),
                ..web()
            };
            let e = rules(&svc).unwrap_err().to_string();
            assert!(e.contains("invalid Service name"), "{bad}: {e}");
        }
    }

    #[test]
    fn removal_takes_the_jumps_and_chains_the_table_has() {
        let table: Vec<String> = [
            "-N KUBE-SERVICES",
            "-N KUBE-SVC-WEB",
            "-N KUBE-SEP-WEB-0",
            "-N KUBE-SEP-WEB-7",
            "-N KUBE-SEP-WEBX-0",
            "-N KUBE-SVC-WEBX",
            "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment \"default/web\" -m tcp --dport 80 -j KUBE-SVC-WEB",
            "-A KUBE-SERVICES -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-WEBX",
            "-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j KUBE-SVC-WEB",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got: Vec<String> = removal(&web(), &table)
            .iter()
            .map(|a| a.join(" "))
            .collect();
        assert_eq!(
            got,
            [
                "-t nat -D KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment default/web -m tcp --dport 80 -j KUBE-SVC-WEB",
                "-t nat -D KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -j KUBE-SVC-WEB",
                "-t nat -F KUBE-SVC-WEB",
                "-t nat -F KUBE-SEP-WEB-0",
                "-t nat -F KUBE-SEP-WEB-7",
                "-t nat -X KUBE-SVC-WEB",
                "-t nat -X KUBE-SEP-WEB-0",
                "-t nat -X KUBE-SEP-WEB-7",
            ]
        );
    }
}
