//! The container's network: `lo` up in its namespace, and optionally a veth pair to
//! another namespace contlab created. The netlink layer (`net::link`) does the work from a thread
//! of the parent that enters the namespace; the container never needs CAP_NET_ADMIN.

use super::link::{VethEnd, connect_veth, loopback_up};
use crate::runtime::spec::{Namespace, Network, Peer};
use crate::runtime::trace::Tracer;
use anyhow::{Context, Result};
use nix::unistd::Pid;
use std::os::fd::AsFd;

/// Sets up the network namespace of the process `pid`.
pub(crate) fn setup_network(pid: Pid, network: &Network<'_>, tracer: &Tracer) -> Result<()> {
    if matches!(network, Network::Empty) {
        return Ok(());
    }
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/net"))
        .context("cannot open the container's network namespace")?;
    loopback_up(ns.as_fd(), tracer)?;
    let Network::Veth(v) = network else {
        return Ok(());
    };
    let peer_file;
    let (peer_fd, peer_name) = match &v.peer {
        Peer::Container(c) => {
            if !c.namespaces().contains(Namespace::Net) {
                anyhow::bail!(
                    "container {} has no network namespace of its own to connect to: start it with \"net\"",
                    c.id()
                );
            }
            peer_file =
                std::fs::File::open(format!("/proc/{}/ns/net", c.pid())).with_context(|| {
                    format!(
                        "cannot open the network namespace of container {}: is it running?",
                        c.id()
                    )
                })?;
            (peer_file.as_fd(), c.pid().to_string())
        }
        Peer::Named(n) => (n.fd(), n.name().to_string()),
    };
    let a = VethEnd::new(ns.as_fd(), pid.to_string(), v.ifname.clone(), v.addr);
    let b = VethEnd::new(peer_fd, peer_name, v.peer_ifname.clone(), v.peer_addr);
    connect_veth(&a, &b, tracer)
}
