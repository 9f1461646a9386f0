//! Network namespaces and links, through netlink (rtnetlink), never by running `ip`.
//!
//! THE NETWORK RULE shapes this module: contlab's traffic flows only on loopback or
//! between network namespaces contlab created. So there is no API here that puts a link
//! in the host's namespace, adds a route toward the outside or sets up NAT; veth pairs
//! are made with both ends already inside contlab's namespaces (see [`connect_veth`]).
//!
//! Every netlink request is made from a thread that is inside the target namespace
//! ([`in_netns`]); the caller's own thread never changes namespace, so a failure halfway
//! can never leave the runtime itself in the wrong namespace.

mod addr;
mod bridge;
mod link;
mod netns;
mod setup;

pub use addr::{IfAddr, Ipv4Cidr};
pub use bridge::{Ns, PodLink, add_bridge, add_pod_veth, bridge_ports, set_master};
pub use link::{LinkInfo, VethEnd, connect_veth, links_in, loopback_up};
pub use netns::{NamedNetns, in_netns};
pub(crate) use setup::setup_network;

use super::teardown::Removed;
use super::trace::{TraceEvent, Tracer};
use futures::TryStreamExt;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::link::LinkAttribute;
use std::time::Instant;

/// Runs a netlink conversation on a private single-threaded tokio runtime, in the
/// network namespace of the calling thread.
pub(crate) fn with_handle<T>(
    f: impl AsyncFnOnce(rtnetlink::Handle) -> Result<T, rtnetlink::Error>,
) -> anyhow::Result<T> {
    session(async move |h| Ok(f(h).await?))
}

/// Like [`with_handle`], for conversations whose steps report their own errors.
///
/// The runtime is current-thread on purpose: the netlink socket is opened on the calling
/// thread, and a socket belongs to the namespace of the thread that opened it. A
/// multi-threaded runtime could open it, or poll it, from a worker in another namespace.
fn session<T>(f: impl AsyncFnOnce(rtnetlink::Handle) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| {
            anyhow::anyhow!("cannot start the netlink event loop ({e}); check the open-file limit")
        })?;
    rt.block_on(async move {
        let (connection, handle, _) = rtnetlink::new_connection().map_err(|e| {
            anyhow::anyhow!(
                "cannot open a netlink socket ({e}); is this kernel built without rtnetlink?"
            )
        })?;
        let task = tokio::spawn(connection);
        let res = f(handle).await;
        task.abort();
        res
    })
}

/// Sends one request on a blocking netlink socket opened in the calling thread's
/// network namespace and waits for the kernel's acknowledgement.
pub(crate) fn request_ack(request: RouteNetlinkMessage) -> Result<(), nix::errno::Errno> {
    use netlink_packet_core::{
        NLM_F_ACK, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    };
    use nix::errno::Errno;
    let io = |e: std::io::Error| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO));
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_ACK;
    header.sequence_number = 1;
    let mut msg = NetlinkMessage::new(header, NetlinkPayload::from(request));
    msg.finalize();
    let mut buf = vec![0; msg.buffer_len()];
    msg.serialize(&mut buf);
    let mut sock = netlink_sys::Socket::new(netlink_sys::protocols::NETLINK_ROUTE).map_err(io)?;
    sock.bind_auto().map_err(io)?;
    sock.connect(&netlink_sys::SocketAddr::new(0, 0))
        .map_err(io)?;
    sock.send(&buf, 0).map_err(io)?;
    loop {
        let (reply, _) = sock.recv_from_full().map_err(io)?;
        let mut rest = &reply[..];
        while !rest.is_empty() {
            let m = NetlinkMessage::<RouteNetlinkMessage>::deserialize(rest)
                .map_err(|_| Errno::EBADMSG)?;
            let len = (m.header.length as usize).clamp(1, rest.len());
            rest = &rest[len..];
            if m.header.sequence_number != 1 {
                continue;
            }
            if let NetlinkPayload::Error(e) = m.payload {
                return match e.code {
                    None => Ok(()),
                    Some(code) => Err(Errno::from_raw(-code.get())),
                };
            }
        }
    }
}

/// The errno of a netlink error, the way the trace and error messages spell errnos:
/// `EEXIST: File exists`.
fn describe(e: &rtnetlink::Error) -> String {
    match e {
        rtnetlink::Error::NetlinkError(m) => match m.raw_code() {
            code if code < 0 => {
                let errno = nix::errno::Errno::from_raw(-code);
                format!("{errno:?}: {}", errno.desc())
            }
            _ => m.to_string(),
        },
        other => other.to_string(),
    }
}

/// True when `e` is the kernel answering with `errno`.
fn is_errno(e: &rtnetlink::Error, errno: i32) -> bool {
    matches!(e, rtnetlink::Error::NetlinkError(m) if m.raw_code() == -errno)
}

/// Awaits one netlink request and emits its trace event (`op` is `netlink`; `args` start
/// with the message type, e.g. `RTM_NEWLINK ifname=veth0 …`).
async fn traced<T>(
    tracer: &Tracer,
    args: impl FnOnce() -> String,
    shell: impl FnOnce() -> String,
    request: impl Future<Output = Result<T, rtnetlink::Error>>,
) -> Result<T, rtnetlink::Error> {
    if tracer.is_null() {
        return request.await;
    }
    let start = Instant::now();
    let res = request.await;
    let duration_us = start.elapsed().as_micros() as u64;
    let (ok, result) = match &res {
        Ok(_) => (true, "0".to_string()),
        Err(e) => (false, describe(e)),
    };
    tracer.emit(TraceEvent {
        pid: std::process::id() as i32,
        op: "netlink".to_string(),
        args: args(),
        ok,
        result,
        duration_us,
        shell: Some(shell()),
    });
    res
}

/// Names of the links in the calling thread's network namespace.
pub fn list_links() -> anyhow::Result<Vec<String>> {
    with_handle(async |h| {
        let mut names = Vec::new();
        let mut links = h.link().get().execute();
        while let Some(msg) = links.try_next().await? {
            for a in msg.attributes {
                if let LinkAttribute::IfName(n) = a {
                    names.push(n);
                }
            }
        }
        Ok(names)
    })
}

/// Deletes a link of the host's namespace by name (deleting one end of a veth pair
/// deletes both). `None` when there is no such link.
pub fn delete_host_link(name: &str) -> Option<Removed> {
    let name_owned = name.to_string();
    let res = with_handle(async move |h| {
        let mut links = h.link().get().match_name(name_owned).execute();
        match links.try_next().await {
            Ok(Some(msg)) => {
                h.link().del(msg.header.index).execute().await?;
                Ok(true)
            }
            Ok(None) => Ok(false),
            // ENODEV: no link of that name.
            Err(e) if is_errno(&e, libc::ENODEV) => Ok(false),
            Err(e) => Err(e),
        }
    });
    match res {
        Ok(false) => None,
        Ok(true) => Some(Removed {
            kind: "link",
            what: name.to_string(),
            error: None,
        }),
        Err(e) => Some(Removed {
            kind: "link",
            what: name.to_string(),
            error: Some(format!("{e:#}")),
        }),
    }
}
