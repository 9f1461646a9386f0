//! Network namespaces and links, through netlink (rtnetlink), never by running `ip`.

use super::teardown::Removed;
use futures::TryStreamExt;
use netlink_packet_route::link::LinkAttribute;

/// Runs a netlink conversation on a private single-threaded tokio runtime, in the
/// network namespace of the calling thread.
pub(crate) fn with_handle<T>(
    f: impl AsyncFnOnce(rtnetlink::Handle) -> Result<T, rtnetlink::Error>,
) -> anyhow::Result<T> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async move {
        let (connection, handle, _) = rtnetlink::new_connection()?;
        let task = tokio::spawn(connection);
        let res = f(handle).await;
        task.abort();
        Ok(res?)
    })
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
            Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::ENODEV => Ok(false),
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
