//! A bridge and pods' veths on it, inside contlab's own namespaces: what the CNI
//! `bridge` plugin does for each pod of a node (a `cni0` bridge with the gateway address,
//! a veth per pod whose node end is a port of the bridge, the pod's address and its
//! default route via the bridge).
//!
//! Like the rest of `net`, every function refuses the host's namespace (THE NETWORK RULE)
//! and makes each request from a thread inside the namespace it changes.

use super::super::trace::Tracer;
use super::addr::Ipv4Cidr;
use super::link::{ip_in, new_veth, validate_ifname};
use super::netns::{in_netns_traced, is_host_netns};
use super::{describe, session, traced};
use anyhow::Result;
use futures::TryStreamExt;
use rtnetlink::{LinkBridge, LinkUnspec, RouteMessageBuilder};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, BorrowedFd};

/// A namespace contlab made, and how traces and shell equivalents name it (a netns
/// name for `ip -n`, or a pid for `nsenter -t`).
#[derive(Clone, Copy, Debug)]
pub struct Ns<'a> {
    pub fd: BorrowedFd<'a>,
    pub name: &'a str,
}

impl Ns<'_> {
    fn refuse_host(&self) -> Result<()> {
        if is_host_netns(self.fd)? {
            anyhow::bail!(
                "refusing to change the host's network namespace ({}); pass a namespace contlab created",
                self.name
            );
        }
        Ok(())
    }
}

/// One pod's link to the node: the veth pair and the pod's side of it.
#[derive(Clone, Debug)]
pub struct PodLink {
    /// The node's end (`veth-web`), a port of `bridge` once attached.
    pub node_if: String,
    /// The pod's end (`eth0`).
    pub pod_if: String,
    /// The pod's address, with the pod network's prefix length.
    pub addr: Ipv4Cidr,
    /// The default route's gateway: the bridge's address.
    pub gateway: Ipv4Addr,
    /// Attach the node's end to this bridge and set it up; `None` leaves it down and
    /// outside any bridge, for a lesson whose student attaches it.
    pub bridge: Option<String>,
}

/// Creates the bridge `name` in `ns` with the address `addr`, and sets it up.
/// Traced: `ip -n NODE link add cni0 type bridge`, `ip -n NODE addr add … dev cni0`,
/// `ip -n NODE link set cni0 up`.
pub fn add_bridge(ns: Ns<'_>, name: &str, addr: Ipv4Cidr, tracer: &Tracer) -> Result<()> {
    validate_ifname(name)?;
    addr.check()?;
    ns.refuse_host()?;
    in_netns_traced(ns.fd, Some(ns.name), tracer, || {
        session(async |h| {
            traced(
                tracer,
                || format!("RTM_NEWLINK ifname={name} kind=bridge, NLM_F_CREATE|NLM_F_EXCL"),
                || ip_in(ns.name, &format!("link add {name} type bridge")),
                h.link().add(LinkBridge::new(name).build()).execute(),
            )
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot create the bridge {name} in {}: {}; is a link of that name already there?",
                    ns.name,
                    describe(&e)
                )
            })?;
            let index = index_of(&h, ns, name, tracer).await?;
            add_addr(&h, ns.name, name, index, addr, tracer).await?;
            set_up(&h, ns.name, name, index, None, tracer).await
        })
    })
}

/// Creates a pod's veth pair from inside the node's namespace, the pod's end placed
/// straight into the pod's namespace (so no end ever exists in the host's), gives the
/// pod its address, its end up and a default route via the gateway, and, when
/// `link.bridge` is set, makes the node's end a port of that bridge and sets it up.
pub fn add_pod_veth(node: Ns<'_>, pod: Ns<'_>, link: &PodLink, tracer: &Tracer) -> Result<()> {
    validate_ifname(&link.node_if)?;
    validate_ifname(&link.pod_if)?;
    link.addr.check()?;
    node.refuse_host()?;
    pod.refuse_host()?;
    let pod_fd = pod.fd.as_raw_fd();
    in_netns_traced(node.fd, Some(node.name), tracer, || {
        session(async |h| {
            new_veth(
                &h,
                node.name,
                &link.node_if,
                &link.pod_if,
                pod_fd,
                pod.name,
                tracer,
            )
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot create the veth pair {} / {}: {}; pick a pod name not already used on this node",
                    link.node_if,
                    link.pod_if,
                    describe(&e)
                )
            })?;
            Ok(())
        })
    })?;
    in_netns_traced(pod.fd, Some(pod.name), tracer, || {
        session(async |h| {
            let index = index_of(&h, pod, &link.pod_if, tracer).await?;
            add_addr(&h, pod.name, &link.pod_if, index, link.addr, tracer).await?;
            set_up(&h, pod.name, &link.pod_if, index, None, tracer).await?;
            let gw = link.gateway;
            let route = RouteMessageBuilder::<Ipv4Addr>::new()
                .gateway(gw)
                .output_interface(index)
                .build();
            traced(
                tracer,
                || format!("RTM_NEWROUTE dst=0.0.0.0/0 gateway={gw} oif={index}, NLM_F_CREATE|NLM_F_EXCL"),
                || ip_in(pod.name, &format!("route add default via {gw} dev {}", link.pod_if)),
                h.route().add(route).execute(),
            )
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot add the default route via {gw} in {}: {}; the gateway must be inside {}",
                    pod.name,
                    describe(&e),
                    link.addr
                )
            })
        })
    })?;
    if let Some(bridge) = &link.bridge {
        set_master(node, &link.node_if, bridge, tracer)?;
    }
    Ok(())
}

/// Makes `ifname` a port of `bridge` and sets it up, inside `ns`. Traced:
/// `ip -n NODE link set veth-web master cni0`, `ip -n NODE link set veth-web up`.
pub fn set_master(ns: Ns<'_>, ifname: &str, bridge: &str, tracer: &Tracer) -> Result<()> {
    ns.refuse_host()?;
    in_netns_traced(ns.fd, Some(ns.name), tracer, || {
        session(async |h| {
            let index = index_of(&h, ns, ifname, tracer).await?;
            let master = index_of(&h, ns, bridge, tracer).await?;
            set_up(&h, ns.name, ifname, index, Some((bridge, master)), tracer).await
        })
    })
}

async fn index_of(h: &rtnetlink::Handle, ns: Ns<'_>, ifname: &str, tracer: &Tracer) -> Result<u32> {
    let found = traced(
        tracer,
        || format!("RTM_GETLINK ifname={ifname}"),
        || ip_in(ns.name, &format!("link show {ifname}")),
        async {
            h.link()
                .get()
                .match_name(ifname.to_string())
                .execute()
                .try_next()
                .await
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot find {ifname} in {}: {}", ns.name, describe(&e)))?;
    found
        .map(|m| m.header.index)
        .ok_or_else(|| anyhow::anyhow!("there is no link {ifname} in {}", ns.name))
}

/// Adds `cidr` to the link `index` (`ifname`) of the calling thread's namespace.
pub(super) async fn add_addr(
    h: &rtnetlink::Handle,
    ns_name: &str,
    ifname: &str,
    index: u32,
    cidr: Ipv4Cidr,
    tracer: &Tracer,
) -> Result<()> {
    traced(
        tracer,
        || format!("RTM_NEWADDR index={index} local={cidr} brd=+, NLM_F_CREATE|NLM_F_EXCL"),
        || ip_in(ns_name, &format!("addr add {cidr} brd + dev {ifname}")),
        h.address()
            .add(index, IpAddr::V4(cidr.addr), cidr.prefix_len)
            .execute(),
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot add {cidr} to {ifname} in {}: {}; use an address not already on that link",
            ns_name,
            describe(&e)
        )
    })
}

/// Sets a link up, first making it a port of `master` when one is given.
pub(super) async fn set_up(
    h: &rtnetlink::Handle,
    ns_name: &str,
    ifname: &str,
    index: u32,
    master: Option<(&str, u32)>,
    tracer: &Tracer,
) -> Result<()> {
    if let Some((bridge, m)) = master {
        let msg = LinkUnspec::new_with_index(index).controller(m).build();
        traced(
            tracer,
            || format!("RTM_SETLINK index={index} IFLA_MASTER={m}"),
            || ip_in(ns_name, &format!("link set {ifname} master {bridge}")),
            h.link().set(msg).execute(),
        )
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot make {ifname} a port of {bridge} in {}: {}",
                ns_name,
                describe(&e)
            )
        })?;
    }
    let up = LinkUnspec::new_with_index(index).up().build();
    traced(
        tracer,
        || format!("RTM_SETLINK index={index} flags=IFF_UP change=IFF_UP"),
        || ip_in(ns_name, &format!("link set {ifname} up")),
        h.link().set(up).execute(),
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot set {ifname} up in {ns_name}: {}; run as root",
            describe(&e)
        )
    })
}

/// The ports of `bridge` in `ns` (links whose IFLA_MASTER is the bridge), by name:
/// what `ip link show master cni0` lists.
pub fn bridge_ports(ns: BorrowedFd<'_>, bridge: &str) -> Result<Vec<String>> {
    use netlink_packet_route::link::LinkAttribute;
    super::in_netns(ns, || {
        session(async |h| {
            let mut links = Vec::new();
            let mut dump = h.link().get().execute();
            while let Some(msg) = dump.try_next().await.map_err(|e| {
                anyhow::anyhow!(
                    "cannot list the links of a network namespace: {}",
                    describe(&e)
                )
            })? {
                let mut name = String::new();
                let mut master = None;
                for a in msg.attributes {
                    match a {
                        LinkAttribute::IfName(n) => name = n,
                        LinkAttribute::Controller(m) => master = Some(m),
                        _ => {}
                    }
                }
                links.push((msg.header.index, name, master));
            }
            let Some(&(bridge_index, _, _)) = links.iter().find(|(_, n, _)| n == bridge) else {
                return Ok(Vec::new());
            };
            Ok(links
                .into_iter()
                .filter(|(_, _, m)| *m == Some(bridge_index))
                .map(|(_, n, _)| n)
                .collect())
        })
    })
}
