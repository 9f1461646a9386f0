//! Links inside contlab's network namespaces: loopback, veth pairs, and inspection.

use super::super::trace::Tracer;
use super::addr::{IfAddr, Ipv4Cidr};
use super::bridge::{add_addr, set_up};
use super::netns::{NamedNetns, in_netns, in_netns_traced, is_host_netns};
use super::{describe, session, traced};
use anyhow::Result;
use futures::TryStreamExt;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::address::AddressAttribute;
use netlink_packet_route::link::{
    InfoData, InfoVeth, LinkAttribute, LinkFlags, LinkInfo as NlLinkInfo, LinkLayerType,
    LinkMessage, State,
};
use rtnetlink::{LinkUnspec, LinkVeth};
use serde::Serialize;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Sets `lo` up inside `ns` (a new netns starts with lo down). Traced:
/// `ip link set lo up`.
///
/// Every container with a network namespace makes this one request, so it skips the
/// async netlink session the other requests use: one blocking socket, one RTM_SETLINK,
/// one acknowledgement.
pub fn loopback_up(ns: BorrowedFd<'_>, tracer: &Tracer) -> Result<()> {
    in_netns_traced(ns, None, tracer, || {
        // By name: RTM_SETLINK looks the device up by IFLA_IFNAME when no index is
        // given, which saves a lookup round trip.
        let msg = LinkUnspec::new_with_name("lo").up().build();
        tracer
            .op(
                "netlink",
                || "RTM_SETLINK ifname=lo flags=IFF_UP change=IFF_UP".to_string(),
                || Some("ip link set lo up".to_string()),
                || super::request_ack(RouteNetlinkMessage::SetLink(msg)),
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot set lo up in the network namespace ({e:?}: {}); run as root",
                    e.desc()
                )
            })
    })
}

/// One end of a veth pair: the namespace it lives in, its name there and its address.
#[derive(Debug)]
pub struct VethEnd<'a> {
    /// The namespace: a [`NamedNetns::fd`], or an fd of `/proc/PID/ns/net` of a
    /// container contlab started. Never the host's; [`connect_veth`] refuses that.
    pub ns: BorrowedFd<'a>,
    /// How the trace names the namespace: a netns name, or the pid of a process in it.
    /// Shell equivalents use it the way `ip` does (`ip -n NAME`, `netns PID`).
    pub ns_name: String,
    /// The interface name inside that namespace (at most 15 bytes).
    pub ifname: String,
    pub addr: Ipv4Cidr,
}

impl<'a> VethEnd<'a> {
    pub fn new(
        ns: BorrowedFd<'a>,
        ns_name: impl Into<String>,
        ifname: impl Into<String>,
        addr: Ipv4Cidr,
    ) -> Self {
        VethEnd {
            ns,
            ns_name: ns_name.into(),
            ifname: ifname.into(),
            addr,
        }
    }
}

impl NamedNetns {
    /// A veth end inside this namespace.
    pub fn veth_end(&self, ifname: impl Into<String>, addr: Ipv4Cidr) -> VethEnd<'_> {
        VethEnd::new(self.fd(), self.name(), ifname, addr)
    }
}

/// Creates a veth pair whose two ends live in two namespaces contlab created (never the
/// host's), assigns the addresses and sets both ends up.
///
/// The pair is created from inside `a`'s namespace with the peer placed directly into
/// `b`'s (IFLA_NET_NS_FD on the peer), so no end ever exists in the host's namespace,
/// not even for an instant. Nothing is written to a ledger: both ends die with their
/// namespaces. If configuring fails, the pair is deleted again before the error returns.
///
/// Traced: `ip -n A link add veth0 type veth peer name veth1 netns B`,
/// `ip -n A addr add 10.200.0.1/24 brd + dev veth0`, `ip -n A link set veth0 up`, the same
/// for `b`, and the `setns` and index lookups in between.
pub fn connect_veth(a: &VethEnd<'_>, b: &VethEnd<'_>, tracer: &Tracer) -> Result<()> {
    for end in [a, b] {
        validate_ifname(&end.ifname)?;
        end.addr.check()?;
        if is_host_netns(end.ns)? {
            anyhow::bail!(
                "refusing to put veth end {} in the host's network namespace; pass the fd of a namespace contlab created (a NamedNetns or a container's /proc/PID/ns/net)",
                end.ifname
            );
        }
    }
    let b_fd = b.ns.as_raw_fd();
    in_netns_traced(a.ns, Some(&a.ns_name), tracer, || {
        session(async |h| {
            new_veth(&h, &a.ns_name, &a.ifname, &b.ifname, b_fd, &b.ns_name, tracer)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot create the veth pair {} ({}) / {} ({}): {}; pick interface names not already used in those namespaces",
                    a.ifname,
                    a.ns_name,
                    b.ifname,
                    b.ns_name,
                    describe(&e)
                )
            })?;
            if let Err(e) = configure(&h, a, tracer).await {
                delete_pair(&h, a, tracer).await;
                return Err(e);
            }
            Ok(())
        })
    })?;
    in_netns_traced(b.ns, Some(&b.ns_name), tracer, || {
        session(async |h| {
            if let Err(e) = configure(&h, b, tracer).await {
                delete_pair(&h, b, tracer).await;
                return Err(e);
            }
            Ok(())
        })
    })
}

/// Creates the veth pair `ifname`/`peer_ifname` from the calling thread's namespace
/// (`ns_name`), the peer placed straight into the namespace `peer_fd`
/// (IFLA_NET_NS_FD makes the kernel create it there directly).
pub(super) async fn new_veth(
    h: &rtnetlink::Handle,
    ns_name: &str,
    ifname: &str,
    peer_ifname: &str,
    peer_fd: std::os::fd::RawFd,
    peer_ns_name: &str,
    tracer: &Tracer,
) -> Result<(), rtnetlink::Error> {
    let peer = LinkUnspec::new_with_name(peer_ifname)
        .setns_by_fd(peer_fd)
        .build();
    let msg = LinkVeth::new(ifname, peer_ifname)
        .set_info_data(InfoData::Veth(InfoVeth::Peer(peer)))
        .build();
    traced(
        tracer,
        || {
            format!(
                "RTM_NEWLINK ifname={ifname} kind=veth peer=(ifname={peer_ifname} IFLA_NET_NS_FD={peer_fd}), NLM_F_CREATE|NLM_F_EXCL"
            )
        },
        || {
            ip_in(
                ns_name,
                &format!("link add {ifname} type veth peer name {peer_ifname} netns {peer_ns_name}"),
            )
        },
        h.link().add(msg).execute(),
    )
    .await
}

/// Assigns `end`'s address and sets it up, from inside its namespace.
async fn configure(h: &rtnetlink::Handle, end: &VethEnd<'_>, tracer: &Tracer) -> Result<()> {
    let index = lookup_index(h, end, tracer).await?;
    add_addr(h, &end.ns_name, &end.ifname, index, end.addr, tracer).await?;
    set_up(h, &end.ns_name, &end.ifname, index, None, tracer).await
}

/// The ifindex of `end.ifname` in the current thread's namespace; addresses are
/// assigned by index, not by name.
async fn lookup_index(h: &rtnetlink::Handle, end: &VethEnd<'_>, tracer: &Tracer) -> Result<u32> {
    let found = traced(
        tracer,
        || format!("RTM_GETLINK ifname={}", end.ifname),
        || ip_in(&end.ns_name, &format!("link show {}", end.ifname)),
        async {
            h.link()
                .get()
                .match_name(end.ifname.clone())
                .execute()
                .try_next()
                .await
        },
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot find {} in {} just after creating it: {}; is another program renaming links?",
            end.ifname,
            end.ns_name,
            describe(&e)
        )
    })?;
    match found {
        Some(msg) => Ok(msg.header.index),
        None => anyhow::bail!(
            "{} is missing from {} just after creating it; is another program deleting links?",
            end.ifname,
            end.ns_name
        ),
    }
}

/// Best effort rollback of a half-configured pair: deleting either end deletes both.
/// The namespaces are contlab's, so anything this misses dies with them.
async fn delete_pair(h: &rtnetlink::Handle, end: &VethEnd<'_>, tracer: &Tracer) {
    let found = h
        .link()
        .get()
        .match_name(end.ifname.clone())
        .execute()
        .try_next()
        .await;
    if let Ok(Some(msg)) = found {
        let index = msg.header.index;
        let _ = traced(
            tracer,
            || format!("RTM_DELLINK index={index}"),
            || ip_in(&end.ns_name, &format!("link del {}", end.ifname)),
            h.link().del(index).execute(),
        )
        .await;
    }
}

/// `ip` run inside the namespace `ns_name`: `ip -n NAME …`, or for a pid
/// `nsenter -t PID -n ip …` (`ip -n` takes names only).
pub(super) fn ip_in(ns_name: &str, args: &str) -> String {
    if !ns_name.is_empty() && ns_name.bytes().all(|c| c.is_ascii_digit()) {
        format!("nsenter -t {ns_name} -n ip {args}")
    } else {
        format!("ip -n {ns_name} {args}")
    }
}

/// Interface names: 1 to 15 bytes (IFNAMSIZ less the NUL), no '/', ':' or whitespace.
pub(super) fn validate_ifname(name: &str) -> Result<()> {
    let bad_char = name
        .chars()
        .any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control());
    if name.is_empty() || name.len() > 15 || bad_char || name == "." || name == ".." {
        anyhow::bail!(
            "invalid interface name {name:?}: use 1 to 15 characters without '/', ':' or spaces"
        );
    }
    Ok(())
}

/// A link as seen inside a namespace, for inspection panels and checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkInfo {
    pub name: String,
    pub index: u32,
    /// Administratively up (IFF_UP: `ip link set … up`).
    pub up: bool,
    /// The carrier is up (IFF_LOWER_UP): for a veth, both ends are up.
    pub lower_up: bool,
    /// The operational state as `ip link` prints it: `UP`, `DOWN`, `UNKNOWN` (what
    /// loopback reports), `LOWERLAYERDOWN` …
    pub oper_state: String,
    /// `loopback`, `veth`, another rtnetlink kind (`bridge` …), or `device` for hardware.
    pub kind: String,
    pub mtu: Option<u32>,
    /// For a veth, the ifindex of its peer (in the namespace `peer_netnsid` names, or in
    /// this one when that is `None`).
    pub peer_index: Option<u32>,
    /// Set when the peer lives in another namespace: that namespace's id as seen from
    /// this one.
    pub peer_netnsid: Option<i32>,
    pub addresses: Vec<IfAddr>,
}

/// Links and addresses inside a namespace, ordered by ifindex.
pub fn links_in(ns: BorrowedFd<'_>) -> Result<Vec<LinkInfo>> {
    in_netns(ns, || {
        session(async |h| {
            let err = |what: &str, e: rtnetlink::Error| {
                anyhow::anyhow!(
                    "cannot list the {what} of a network namespace: {}; run as root",
                    describe(&e)
                )
            };
            let mut links = Vec::new();
            let mut dump = h.link().get().execute();
            while let Some(msg) = dump.try_next().await.map_err(|e| err("links", e))? {
                links.push(link_info(msg));
            }
            let mut dump = h.address().get().execute();
            while let Some(msg) = dump.try_next().await.map_err(|e| err("addresses", e))? {
                // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on
                // point-to-point links, and the only one IPv6 sends.
                let mut local = None;
                let mut address = None;
                for a in &msg.attributes {
                    match a {
                        AddressAttribute::Local(ip) => local = Some(*ip),
                        AddressAttribute::Address(ip) => address = Some(*ip),
                        _ => {}
                    }
                }
                if let (Some(ip), Some(link)) = (
                    local.or(address),
                    links.iter_mut().find(|l| l.index == msg.header.index),
                ) {
                    link.addresses.push(IfAddr {
                        addr: ip,
                        prefix_len: msg.header.prefix_len,
                    });
                }
            }
            links.sort_by_key(|l| l.index);
            Ok(links)
        })
    })
}

fn link_info(msg: LinkMessage) -> LinkInfo {
    let flags = msg.header.flags;
    let mut info = LinkInfo {
        name: String::new(),
        index: msg.header.index,
        up: flags.contains(LinkFlags::Up),
        lower_up: flags.contains(LinkFlags::LowerUp),
        oper_state: "UNKNOWN".to_string(),
        kind: if msg.header.link_layer_type == LinkLayerType::Loopback {
            "loopback".to_string()
        } else {
            "device".to_string()
        },
        mtu: None,
        peer_index: None,
        peer_netnsid: None,
        addresses: Vec::new(),
    };
    for a in msg.attributes {
        match a {
            LinkAttribute::IfName(n) => info.name = n,
            LinkAttribute::Mtu(m) => info.mtu = Some(m),
            LinkAttribute::OperState(s) => info.oper_state = oper_name(s),
            LinkAttribute::Link(i) if i != msg.header.index => info.peer_index = Some(i),
            LinkAttribute::LinkNetNsId(id) => info.peer_netnsid = Some(id),
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    if let NlLinkInfo::Kind(k) = i {
                        info.kind = k.to_string();
                    }
                }
            }
            _ => {}
        }
    }
    info
}

fn oper_name(s: State) -> String {
    match s {
        State::Unknown => "UNKNOWN".into(),
        State::NotPresent => "NOTPRESENT".into(),
        State::Down => "DOWN".into(),
        State::LowerLayerDown => "LOWERLAYERDOWN".into(),
        State::Testing => "TESTING".into(),
        State::Dormant => "DORMANT".into(),
        State::Up => "UP".into(),
        State::Other(n) => format!("STATE{n}"),
        other => format!("{other:?}").to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifnames_fit_ifnamsiz() {
        for bad in ["", "a/b", "a:b", "sp ace", ".", "..", "sixteen-chars-xx"] {
            assert!(validate_ifname(bad).is_err(), "{bad:?} accepted");
        }
        validate_ifname("fifteen-chars-x").unwrap();
    }

    #[test]
    fn shell_names_namespaces_the_way_ip_does() {
        assert_eq!(
            ip_in("web", "link set veth0 up"),
            "ip -n web link set veth0 up"
        );
        assert_eq!(
            ip_in("4242", "link set veth0 up"),
            "nsenter -t 4242 -n ip link set veth0 up"
        );
    }
}
